//! Change events between hand-built before and after networks.

mod common;

use common::*;
use patchwork_core::*;

/// Last night: child C on a CP plan with social worker SW1 and health visitor HV;
/// child D with a teacher.
fn last_night() -> Fixture {
    let mut f = Fixture::new();
    f.child("C").child("D");
    for w in ["SW1", "SW2", "HV", "T"] {
        f.worker(w, None, None);
    }
    f.cp_plan("CP", "C", d(2025, 1, 1), None);
    f.involve(
        "sw1",
        "SW1",
        "C",
        RoleCategory::AllocatedSocialWorker,
        d(2025, 1, 1),
        None,
    );
    f.involve(
        "hv",
        "HV",
        "C",
        RoleCategory::HealthVisitor,
        d(2025, 1, 1),
        None,
    );
    f.involve("t", "T", "D", RoleCategory::Teacher, d(2024, 9, 1), None);
    f
}

#[test]
fn identical_networks_have_no_changes() {
    let a = last_night();
    let b = last_night();
    assert!(b.net.diff(&a.net, d(2025, 3, 1)).is_empty());
}

#[test]
fn handover_of_social_worker_gives_ended_started_and_lead_changed() {
    let before = last_night();
    let mut after = last_night();
    after
        .net
        .end_involvement(&ik("sw1"), d(2025, 3, 1), Some(EndReason::parse("LEFTRL")))
        .unwrap();
    after.involve(
        "sw2",
        "SW2",
        "C",
        RoleCategory::AllocatedSocialWorker,
        d(2025, 3, 1),
        None,
    );

    let events = after.net.diff(&before.net, d(2025, 3, 1));
    assert_eq!(
        events,
        [
            ChangeEvent::InvolvementStarted {
                involvement: ik("sw2"),
                person: pk("C"),
                professional: Some(wk("SW2")),
                team: None,
                role: RoleCategory::AllocatedSocialWorker,
                start: Some(d(2025, 3, 1)),
            },
            ChangeEvent::InvolvementEnded {
                involvement: ik("sw1"),
                person: pk("C"),
                professional: Some(wk("SW1")),
                role: RoleCategory::AllocatedSocialWorker,
                end: d(2025, 3, 1),
                reason: Some(EndReason::Dfe(SwChangeReason::LeftRole)),
            },
            ChangeEvent::LeadChanged {
                person: pk("C"),
                previous: vec![LeadRef {
                    involvement: ik("sw1"),
                    professional: Some(wk("SW1"))
                }],
                current: vec![LeadRef {
                    involvement: ik("sw2"),
                    professional: Some(wk("SW2"))
                }],
            },
        ]
    );
}

#[test]
fn social_worker_leaving_without_replacement_is_flagged() {
    let before = last_night();
    let mut after = last_night();
    after
        .net
        .end_involvement(&ik("sw1"), d(2025, 3, 1), None)
        .unwrap();
    let events = after.net.diff(&before.net, d(2025, 3, 1));
    assert!(
        events.contains(&ChangeEvent::ChildLeftWithoutAllocatedWorker {
            person: pk("C"),
            previous: vec![wk("SW1")]
        })
    );
    assert!(events.contains(&ChangeEvent::LeadChanged {
        person: pk("C"),
        previous: vec![LeadRef {
            involvement: ik("sw1"),
            professional: Some(wk("SW1"))
        }],
        current: vec![],
    }));
    // Had the plan also ended, the child would not be "left without" a worker.
    let mut closed = last_night();
    closed
        .net
        .end_involvement(&ik("sw1"), d(2025, 3, 1), None)
        .unwrap();
    closed
        .net
        .end_episode(&EpisodeKey::new(SYS, "CP"), d(2025, 3, 1))
        .unwrap();
    let events = closed.net.diff(&before.net, d(2025, 3, 1));
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, ChangeEvent::ChildLeftWithoutAllocatedWorker { .. }))
    );
}

#[test]
fn new_person_removed_involvement_and_changed_professional() {
    let before = last_night();
    let mut after = Fixture::new();
    after.child("C").child("D").child("NEW");
    for w in ["SW1", "SW2", "HV", "T"] {
        after.worker(w, None, None);
    }
    let mut hv = after.net.professional(&wk("HV")).unwrap().clone();
    hv.phone = Some("01632 960000".into());
    hv.job_title = Some("Health Visitor".into());
    after.net.update_professional(hv).unwrap();
    after.cp_plan("CP", "C", d(2025, 1, 1), None);
    after.involve(
        "sw1",
        "SW1",
        "C",
        RoleCategory::AllocatedSocialWorker,
        d(2025, 1, 1),
        None,
    );
    after.involve(
        "hv",
        "HV",
        "C",
        RoleCategory::HealthVisitor,
        d(2025, 1, 1),
        None,
    );
    // "t" has vanished from tonight's data.

    let events = after.net.diff(&before.net, d(2025, 3, 1));
    assert_eq!(
        events,
        [
            ChangeEvent::InvolvementRemoved {
                involvement: ik("t"),
                person: pk("D"),
                professional: Some(wk("T"))
            },
            ChangeEvent::PersonAdded { person: pk("NEW") },
            ChangeEvent::ProfessionalChanged {
                professional: wk("HV"),
                fields: vec!["job_title", "phone"]
            },
        ]
    );
}

#[test]
fn involvement_that_arrives_already_ended_is_reported_as_started_and_ended() {
    let before = last_night();
    let mut after = last_night();
    after.involve(
        "late",
        "SW2",
        "D",
        RoleCategory::Other,
        d(2025, 1, 1),
        Some(d(2025, 2, 1)),
    );
    let events = after.net.diff(&before.net, d(2025, 3, 1));
    let kinds: Vec<_> = events
        .iter()
        .map(|e| {
            format!("{e:?}")
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(kinds, ["InvolvementStarted", "InvolvementEnded"]);
}

#[test]
fn events_serialize_with_an_event_tag() {
    let event = ChangeEvent::PersonAdded { person: pk("C") };
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["event"], "person_added");
    assert_eq!(json["person"], format!("{SYS}:C"));
}
