//! Family network, caseload, shared children, connection paths, timelines, worker
//! changes, gaps and components, each against a hand-built situation.

mod common;

use common::*;
use patchwork_core::*;

fn keys<'a>(persons: impl IntoIterator<Item = &'a Person>) -> Vec<String> {
    persons.into_iter().map(|p| p.key.id().to_owned()).collect()
}

/// Two households sharing a father; a grandmother related to one child only.
///
/// H1: mother M1, father F, children C1, C2.   H2: mother M2, father F, child C3.
/// Grandmother G is related to C1 until 2025-06-01.
fn two_families() -> Fixture {
    let mut f = Fixture::new();
    for a in ["M1", "M2", "F", "G"] {
        f.adult(a);
    }
    for c in ["C1", "C2", "C3", "LONE"] {
        f.child(c);
    }
    f.household("H1", &["M1", "F", "C1", "C2"]);
    f.household("H2", &["M2", "F", "C3"]);
    f.relate(
        "R1",
        "G",
        "C1",
        RelationshipKind::Grandparent,
        Period::new(None, Some(d(2025, 6, 1))).unwrap(),
    );
    f.worker("HV", None, None);
    f.involve(
        "I-M1",
        "HV",
        "M1",
        RoleCategory::HealthVisitor,
        d(2025, 1, 1),
        None,
    );
    f
}

#[test]
fn family_network_lists_household_and_related_persons_with_their_teams() {
    let f = two_families();
    let fam = f.net.family_network(&pk("C1"), d(2025, 3, 1)).unwrap();
    assert_eq!(fam.child.person.key, pk("C1"));
    let rel: Vec<_> = fam.relatives.iter().map(|r| r.person.key.id()).collect();
    assert_eq!(rel, ["C2", "F", "G", "M1"]);
    let m1 = fam
        .relatives
        .iter()
        .find(|r| r.person.key == pk("M1"))
        .unwrap();
    assert_eq!(m1.team.len(), 1, "each relative comes with their own team");
    assert!(matches!(m1.links[..], [FamilyLink::Household { .. }]));
    let g = fam
        .relatives
        .iter()
        .find(|r| r.person.key == pk("G"))
        .unwrap();
    assert!(matches!(g.links[..], [FamilyLink::Relationship { .. }]));
    // C3 is F's child in the other household, not a household member or direct relative of C1.
    assert!(!rel.contains(&"C3"));
    // The grandparent relationship ended on 1 June.
    let later = f.net.family_network(&pk("C1"), d(2025, 6, 1)).unwrap();
    assert!(later.relatives.iter().all(|r| r.person.key != pk("G")));
}

#[test]
fn a_person_linked_twice_appears_once_with_both_links() {
    let mut f = two_families();
    f.relate("R2", "M1", "C1", RelationshipKind::Parent, Period::always());
    let fam = f.net.family_network(&pk("C1"), d(2025, 3, 1)).unwrap();
    let m1: Vec<_> = fam
        .relatives
        .iter()
        .filter(|r| r.person.key == pk("M1"))
        .collect();
    assert_eq!(m1.len(), 1);
    assert_eq!(m1[0].links.len(), 2);
}

#[test]
fn components_join_households_through_a_shared_adult() {
    let f = two_families();
    let clusters = f.net.components(d(2025, 3, 1));
    let sizes: Vec<_> = clusters.iter().map(|c| c.persons.len()).collect();
    // H1 (4) + H2 (3, sharing F) + G via C1 = 7 persons; LONE on their own.
    assert_eq!(sizes, [7, 1]);
    assert_eq!(
        keys(clusters[0].persons.iter().copied()),
        ["C1", "C2", "C3", "F", "G", "M1", "M2"]
    );
    // After G's relationship ends, G is on their own too.
    let later: Vec<_> = f
        .net
        .components(d(2025, 7, 1))
        .iter()
        .map(|c| c.persons.len())
        .collect();
    assert_eq!(later, [6, 1, 1]);
    let total: usize = later.iter().sum();
    assert_eq!(
        total,
        f.net.person_count(),
        "every person is in exactly one cluster"
    );
}

/// Professionals HV, SW, PO, T and children C1..C3:
/// HV-C1, SW-C1, SW-C2, PO-C2, T-C3 (T is isolated); SW's involvement with C2 ends 2025-05-01.
fn introductions() -> Fixture {
    let mut f = Fixture::new();
    for w in ["HV", "SW", "PO", "T"] {
        f.worker(w, None, None);
    }
    for c in ["C1", "C2", "C3"] {
        f.child(c);
    }
    f.involve(
        "a",
        "HV",
        "C1",
        RoleCategory::HealthVisitor,
        d(2025, 1, 1),
        None,
    );
    f.involve(
        "b",
        "SW",
        "C1",
        RoleCategory::AllocatedSocialWorker,
        d(2025, 1, 1),
        None,
    );
    f.involve(
        "c",
        "SW",
        "C2",
        RoleCategory::AllocatedSocialWorker,
        d(2025, 1, 1),
        Some(d(2025, 5, 1)),
    );
    f.involve("d", "PO", "C2", RoleCategory::Police, d(2025, 1, 1), None);
    f.involve("e", "T", "C3", RoleCategory::Teacher, d(2025, 1, 1), None);
    f
}

#[test]
fn caseload_and_shared_children_respect_dates() {
    let f = introductions();
    let load = f.net.caseload(&wk("SW"), d(2025, 3, 1)).unwrap();
    assert_eq!(keys(load.iter().map(|e| e.person)), ["C1", "C2"]);
    // No statutory episode, so the SW is not the lead.
    assert!(load.iter().all(|e| !e.lead));
    assert_eq!(
        keys(
            f.net
                .caseload(&wk("SW"), d(2025, 5, 1))
                .unwrap()
                .iter()
                .map(|e| e.person)
        ),
        ["C1"]
    );
    assert_eq!(
        keys(
            f.net
                .shared_children(&wk("SW"), &wk("PO"), d(2025, 3, 1))
                .unwrap()
        ),
        ["C2"]
    );
    assert!(
        f.net
            .shared_children(&wk("SW"), &wk("PO"), d(2025, 5, 1))
            .unwrap()
            .is_empty()
    );
    assert!(
        f.net
            .shared_children(&wk("HV"), &wk("T"), d(2025, 3, 1))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn caseload_marks_lead_when_the_child_has_a_statutory_episode() {
    let mut f = introductions();
    f.cin("CIN", "C1", d(2025, 1, 1), None);
    let load = f.net.caseload(&wk("SW"), d(2025, 3, 1)).unwrap();
    let lead: Vec<_> = load.iter().map(|e| (e.person.key.id(), e.lead)).collect();
    assert_eq!(lead, [("C1", true), ("C2", false)]);
}

#[test]
fn connection_path_goes_through_shared_children_on_the_date() {
    let f = introductions();
    let path = f
        .net
        .connection_path(&wk("HV"), &wk("PO"), d(2025, 3, 1))
        .unwrap()
        .unwrap();
    let who: Vec<_> = path.professionals.iter().map(|p| p.key.id()).collect();
    assert_eq!(who, ["HV", "SW", "PO"]);
    assert_eq!(keys(path.children.iter().copied()), ["C1", "C2"]);
    assert_eq!(path.len(), 2);
    // Once SW's involvement with C2 ends, nobody can introduce HV to PO.
    assert!(
        f.net
            .connection_path(&wk("HV"), &wk("PO"), d(2025, 5, 1))
            .unwrap()
            .is_none()
    );
    assert!(
        f.net
            .connection_path(&wk("HV"), &wk("T"), d(2025, 3, 1))
            .unwrap()
            .is_none()
    );
    let to_self = f
        .net
        .connection_path(&wk("T"), &wk("T"), d(2025, 3, 1))
        .unwrap()
        .unwrap();
    assert!(to_self.is_empty());
    assert_eq!(to_self.professionals.len(), 1);
}

#[test]
fn connection_path_is_shortest() {
    // A chain A-C1-B-C2-C-C3-D plus a shortcut A-C4-D.
    let mut f = Fixture::new();
    for w in ["A", "B", "C", "D"] {
        f.worker(w, None, None);
    }
    for c in ["C1", "C2", "C3", "C4"] {
        f.child(c);
    }
    for (i, (w, c)) in [
        ("A", "C1"),
        ("B", "C1"),
        ("B", "C2"),
        ("C", "C2"),
        ("C", "C3"),
        ("D", "C3"),
        ("A", "C4"),
        ("D", "C4"),
    ]
    .into_iter()
    .enumerate()
    {
        f.involve(
            &format!("i{i}"),
            w,
            c,
            RoleCategory::Other,
            d(2025, 1, 1),
            None,
        );
    }
    let path = f
        .net
        .connection_path(&wk("A"), &wk("D"), d(2025, 1, 1))
        .unwrap()
        .unwrap();
    assert_eq!(path.len(), 1);
    assert_eq!(path.children[0].key, pk("C4"));
}

#[test]
fn timeline_orders_involvements_and_episodes() {
    let mut f = Fixture::new();
    f.child("C")
        .worker("W1", None, None)
        .worker("W2", None, None);
    f.involve(
        "I2",
        "W2",
        "C",
        RoleCategory::AllocatedSocialWorker,
        d(2025, 4, 1),
        None,
    );
    f.involve(
        "I1",
        "W1",
        "C",
        RoleCategory::AllocatedSocialWorker,
        d(2025, 1, 1),
        Some(d(2025, 4, 1)),
    );
    f.cin("CIN", "C", d(2025, 1, 1), None);
    f.cp_plan("CP", "C", d(2025, 2, 10), Some(d(2025, 8, 1)));
    let tl = f.net.timeline(&pk("C")).unwrap();
    let order: Vec<_> = tl
        .iter()
        .map(|e| match e {
            TimelineEntry::Involvement { involvement, .. } => involvement.key().id().to_owned(),
            TimelineEntry::Episode { episode } => episode.key.id().to_owned(),
            TimelineEntry::Activity { activity, .. } => activity.key.id().to_owned(),
        })
        .collect();
    // I1 and CIN both start on 1 January; I1 has an end date and CIN is open, so I1 comes first.
    assert_eq!(order, ["I1", "CIN", "CP", "I2"]);
    let TimelineEntry::Involvement { professional, .. } = tl[0] else {
        panic!("expected an involvement")
    };
    assert_eq!(professional.unwrap().key, wk("W1"));
}

/// Allocations for C: W1 [Jan 2024, Jun 2024) ended LEFTRL; W2 [Jun 2024, Jan 2025) ended
/// MANAGE; W2 again [Jan 2025, Mar 2025) (re-allocation to the same worker); W3 from Mar 2025.
fn allocations() -> Fixture {
    let mut f = Fixture::new();
    f.child("C");
    for w in ["W1", "W2", "W3", "HV"] {
        f.worker(w, None, None);
    }
    let sw = RoleCategory::AllocatedSocialWorker;
    f.involve("a1", "W1", "C", sw, d(2024, 1, 10), Some(d(2024, 6, 1)));
    f.involve("a2", "W2", "C", sw, d(2024, 6, 1), Some(d(2025, 1, 6)));
    f.involve("a3", "W2", "C", sw, d(2025, 1, 6), Some(d(2025, 3, 3)));
    f.involve("a4", "W3", "C", sw, d(2025, 3, 3), None);
    f.involve(
        "hv",
        "HV",
        "C",
        RoleCategory::HealthVisitor,
        d(2024, 8, 1),
        None,
    );
    f.net
        .end_involvement(&ik("a1"), d(2024, 6, 1), Some(EndReason::parse("LEFTRL")))
        .unwrap();
    f.net
        .end_involvement(&ik("a2"), d(2025, 1, 6), Some(EndReason::parse("MANAGE")))
        .unwrap();
    f.net
        .end_involvement(
            &ik("a3"),
            d(2025, 3, 3),
            Some(EndReason::parse("Team moved")),
        )
        .unwrap();
    f
}

#[test]
fn worker_changes_count_real_changes_in_the_window() {
    let f = allocations();
    let all = f
        .net
        .worker_changes(&pk("C"), d(2024, 1, 1), d(2026, 1, 1))
        .unwrap();
    assert_eq!(
        all.count, 2,
        "W1->W2 and W2->W3; W2->W2 is not a change; the first allocation is not one"
    );
    let summary: Vec<_> = all
        .changes
        .iter()
        .map(|c| {
            (
                c.date,
                c.previous_professional.unwrap().key.id(),
                c.next_professional.unwrap().key.id(),
                c.reason.unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (d(2024, 6, 1), "W1", "W2", "LEFTRL".to_owned()),
            (d(2025, 3, 3), "W2", "W3", "Team moved".to_owned())
        ]
    );
    // The window is half-open: a change on `to` is outside, one on `from` is inside.
    assert_eq!(
        f.net
            .worker_changes(&pk("C"), d(2024, 6, 2), d(2025, 3, 3))
            .unwrap()
            .count,
        0
    );
    assert_eq!(
        f.net
            .worker_changes(&pk("C"), d(2025, 3, 3), d(2025, 3, 4))
            .unwrap()
            .count,
        1
    );
}

#[test]
fn gaps_find_each_kind_and_name_the_child() {
    let mut f = Fixture::new();
    f.agency("NHS", AgencyKind::Health)
        .team("Paeds", Some("NHS"));
    for c in ["CP-ALONE", "CP-DOC", "LAC", "FINE", "TWO"] {
        f.child(c);
    }
    for w in ["SW1", "SW2", "SW3", "DOC", "GONE"] {
        f.worker(w, None, None);
    }
    f.worker("PAED", Some("NHS"), Some("Paeds"));
    let sw = RoleCategory::AllocatedSocialWorker;
    // CP-ALONE: on a plan, nobody involved -> no SW, no health.
    f.cp_plan("p1", "CP-ALONE", d(2025, 1, 1), None);
    // CP-DOC: on a plan with a SW and a paediatrician from a health agency (role Other) -> no gap.
    f.cp_plan("p2", "CP-DOC", d(2025, 1, 1), None);
    f.involve("i1", "SW1", "CP-DOC", sw, d(2025, 1, 1), None);
    f.involve(
        "i2",
        "PAED",
        "CP-DOC",
        RoleCategory::Other,
        d(2025, 1, 1),
        None,
    );
    // LAC: looked after, social worker's involvement ended -> no SW; plus a worker who has left.
    f.looked_after("l1", "LAC", d(2024, 1, 1), None);
    f.involve("i3", "SW2", "LAC", sw, d(2024, 1, 1), Some(d(2025, 1, 15)));
    f.involve(
        "i4",
        "GONE",
        "LAC",
        RoleCategory::Teacher,
        d(2024, 9, 1),
        None,
    );
    f.left("GONE", d(2025, 1, 31));
    // FINE: a child in need with a SW and a GP.
    f.cin("c1", "FINE", d(2025, 1, 1), None);
    f.involve("i5", "SW3", "FINE", sw, d(2025, 1, 1), None);
    f.involve("i6", "DOC", "FINE", RoleCategory::Gp, d(2025, 1, 1), None);
    // TWO: a CIN child with two allocated social workers at once.
    f.cin("c2", "TWO", d(2025, 1, 1), None);
    f.involve("i7", "SW1", "TWO", sw, d(2025, 1, 1), None);
    f.involve("i8", "SW3", "TWO", sw, d(2025, 1, 20), None);

    let gaps = f.net.gaps(d(2025, 2, 1));
    let found: Vec<_> = gaps.iter().map(|g| (g.person.key.id(), g.kind)).collect();
    assert_eq!(
        found,
        [
            (
                "CP-ALONE",
                GapKind::NoAllocatedSocialWorker {
                    status: EpisodeKind::ChildProtectionPlan
                }
            ),
            ("CP-ALONE", GapKind::NoHealthProfessional),
            (
                "LAC",
                GapKind::NoAllocatedSocialWorker {
                    status: EpisodeKind::LookedAfter
                }
            ),
            ("LAC", GapKind::ProfessionalHasLeft),
            ("TWO", GapKind::MultipleLeads),
        ]
    );
    let left = gaps
        .iter()
        .find(|g| g.kind == GapKind::ProfessionalHasLeft)
        .unwrap();
    assert_eq!(left.professional.unwrap().key, wk("GONE"));
    assert_eq!(left.involvements[0].key(), &ik("i4"));
    let two = gaps
        .iter()
        .find(|g| g.kind == GapKind::MultipleLeads)
        .unwrap();
    assert_eq!(two.involvements.len(), 2);
    assert_eq!(
        gaps[0].kind.to_string(),
        "on a child protection plan with no active allocated social worker"
    );

    // On the day GONE left, the gap is there; the day before, not yet.
    let day_before = f.net.gaps(d(2025, 1, 30));
    assert!(
        !day_before
            .iter()
            .any(|g| g.kind == GapKind::ProfessionalHasLeft)
    );
    // Before the second SW arrived at TWO, there was one lead only.
    assert!(
        !f.net
            .gaps(d(2025, 1, 19))
            .iter()
            .any(|g| g.kind == GapKind::MultipleLeads)
    );
}

fn activity(
    id: &str,
    worker: Option<&str>,
    child: &str,
    kind: ActivityKind,
    start: chrono::NaiveDate,
) -> Activity {
    Activity {
        key: ActivityKey::new(SYS, id),
        person: pk(child),
        professional: worker.map(wk),
        team: None,
        kind,
        period: Period::new(Some(start), None).unwrap(),
        source: src(),
    }
}

#[test]
fn activities_are_in_the_timeline_and_worked_with_but_not_in_the_team() {
    let mut f = Fixture::new();
    f.child("C")
        .worker("SW", None, None)
        .worker("DUTY", None, None)
        .worker("HV", None, None);
    f.involve(
        "i1",
        "SW",
        "C",
        RoleCategory::AllocatedSocialWorker,
        d(2025, 3, 1),
        None,
    );
    f.involve(
        "i2",
        "HV",
        "C",
        RoleCategory::HealthVisitor,
        d(2024, 5, 1),
        Some(d(2024, 11, 1)),
    );
    f.net
        .add_activity(activity(
            "ref",
            Some("DUTY"),
            "C",
            ActivityKind::Referral,
            d(2025, 2, 1),
        ))
        .unwrap();
    f.net
        .add_activity(activity(
            "asmt",
            Some("SW"),
            "C",
            ActivityKind::Assessment,
            d(2025, 2, 10),
        ))
        .unwrap();

    let team = f.net.team_around(&pk("C"), d(2025, 2, 10)).unwrap();
    assert!(
        team.is_empty(),
        "the duty worker's referral is not an involvement"
    );

    let kinds: Vec<&str> = f
        .net
        .timeline(&pk("C"))
        .unwrap()
        .iter()
        .map(|e| match e {
            TimelineEntry::Involvement { .. } => "involvement",
            TimelineEntry::Episode { .. } => "episode",
            TimelineEntry::Activity { .. } => "activity",
        })
        .collect();
    assert_eq!(
        kinds,
        ["involvement", "activity", "activity", "involvement"]
    );

    let who: Vec<_> = f
        .net
        .worked_with(&pk("C"))
        .unwrap()
        .iter()
        .map(|w| {
            (
                w.professional.key.id().to_owned(),
                w.first,
                w.last,
                w.involvements,
                w.activities,
            )
        })
        .collect();
    assert_eq!(
        who,
        [
            (
                "HV".to_owned(),
                Some(d(2024, 5, 1)),
                Some(d(2024, 5, 1)),
                1,
                0
            ),
            (
                "DUTY".to_owned(),
                Some(d(2025, 2, 1)),
                Some(d(2025, 2, 1)),
                0,
                1
            ),
            (
                "SW".to_owned(),
                Some(d(2025, 2, 10)),
                Some(d(2025, 3, 1)),
                1,
                1
            ),
        ]
    );
}

#[test]
fn activities_and_links_check_their_references() {
    let mut f = Fixture::new();
    f.child("C").worker("W", None, None);
    let err = f
        .net
        .add_activity(activity(
            "a",
            Some("W"),
            "NOBODY",
            ActivityKind::Other,
            d(2025, 1, 1),
        ))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::UnknownReference {
            kind: EntityKind::Person,
            ..
        }
    ));
    let err = f
        .net
        .add_activity(activity("a", None, "C", ActivityKind::Other, d(2025, 1, 1)))
        .unwrap_err();
    assert_eq!(
        err,
        Error::NoParticipant {
            record: "activity test:a".into()
        }
    );
    f.net
        .add_activity(activity(
            "a",
            Some("W"),
            "C",
            ActivityKind::Other,
            d(2025, 1, 1),
        ))
        .unwrap();
    assert!(matches!(
        f.net.add_activity(activity(
            "a",
            Some("W"),
            "C",
            ActivityKind::Other,
            d(2025, 1, 1)
        )),
        Err(Error::DuplicateKey {
            kind: EntityKind::Activity,
            ..
        })
    ));
    assert_eq!(f.net.activities_of(&pk("C")).unwrap().len(), 1);

    let link = IdentityLink {
        person: pk("C"),
        record: ExternalKey::new("health", "row-7"),
        matched_on: MatchedOn::NhsNumber,
        source: Source::row("health", "feed.csv", 7),
    };
    f.net.add_identity_link(link.clone()).unwrap();
    assert_eq!(f.net.identity_links_of(&pk("C")).unwrap(), [&link]);
    let stray = IdentityLink {
        person: pk("NOBODY"),
        ..link
    };
    assert!(matches!(
        f.net.add_identity_link(stray),
        Err(Error::UnknownReference { .. })
    ));
    assert_eq!(f.net.identity_links().len(), 1);
}
