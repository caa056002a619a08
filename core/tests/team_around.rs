//! The team around the child: edge dates and the lead practitioner rule.

mod common;

use common::*;
use patchwork_core::*;

fn ids(team: &TeamAround<'_>) -> Vec<String> {
    team.members
        .iter()
        .map(|m| m.involvement.key().id().to_owned())
        .collect()
}

#[test]
fn active_means_start_on_or_before_and_end_after() {
    let mut f = Fixture::new();
    f.child("C").worker("W", None, None);
    f.involve(
        "I",
        "W",
        "C",
        RoleCategory::HealthVisitor,
        d(2025, 2, 1),
        Some(d(2025, 3, 1)),
    );
    let at = |day| f.net.team_around(&pk("C"), day).unwrap().len();
    assert_eq!(at(d(2025, 1, 31)), 0, "day before start");
    assert_eq!(at(d(2025, 2, 1)), 1, "start = as_of is active");
    assert_eq!(at(d(2025, 2, 28)), 1, "last day");
    assert_eq!(at(d(2025, 3, 1)), 0, "end = as_of is no longer active");
}

#[test]
fn open_ended_involvements_stay_active() {
    let mut f = Fixture::new();
    f.child("C").worker("W", None, None);
    f.involve("I", "W", "C", RoleCategory::Teacher, d(2020, 9, 1), None);
    assert_eq!(f.net.team_around(&pk("C"), d(2035, 1, 1)).unwrap().len(), 1);
}

#[test]
fn members_carry_professional_team_and_agency() {
    let mut f = Fixture::new();
    f.agency("NHS", AgencyKind::Health)
        .team("HV-North", Some("NHS"));
    f.child("C").worker("W", Some("NHS"), Some("HV-North"));
    f.involve(
        "I",
        "W",
        "C",
        RoleCategory::HealthVisitor,
        d(2025, 1, 1),
        None,
    );
    let team = f.net.team_around(&pk("C"), d(2025, 1, 2)).unwrap();
    let m = &team.members[0];
    assert_eq!(m.professional.unwrap().name.as_deref(), Some("Worker W"));
    assert_eq!(m.team.unwrap().name, "Team HV-North");
    assert_eq!(m.agency.unwrap().kind, AgencyKind::Health);
    assert_eq!(m.involvement.period().start, Some(d(2025, 1, 1)));
    assert!(!m.lead);
    assert_eq!(team.lead_basis, LeadBasis::None);
}

#[test]
fn allocated_social_worker_leads_while_a_statutory_episode_is_open() {
    let mut f = Fixture::new();
    f.child("C")
        .worker("SW", None, None)
        .worker("LP", None, None)
        .worker("HV", None, None);
    f.involve(
        "I-SW",
        "SW",
        "C",
        RoleCategory::AllocatedSocialWorker,
        d(2025, 1, 1),
        None,
    );
    f.involve(
        "I-LP",
        "LP",
        "C",
        RoleCategory::LeadPractitioner,
        d(2024, 6, 1),
        None,
    );
    f.involve(
        "I-HV",
        "HV",
        "C",
        RoleCategory::HealthVisitor,
        d(2024, 1, 1),
        None,
    );
    f.cin("CIN", "C", d(2025, 1, 1), Some(d(2025, 6, 1)));

    let during = f.net.team_around(&pk("C"), d(2025, 3, 1)).unwrap();
    assert_eq!(during.lead_basis, LeadBasis::AllocatedSocialWorker);
    assert_eq!(during.lead().unwrap().involvement.key().id(), "I-SW");
    assert_eq!(ids(&during)[0], "I-SW", "the lead is listed first");

    // After CIN closure the explicit lead practitioner leads, even though the SW is still allocated.
    let after = f.net.team_around(&pk("C"), d(2025, 6, 1)).unwrap();
    assert_eq!(after.lead_basis, LeadBasis::LeadPractitionerRole);
    assert_eq!(after.lead().unwrap().involvement.key().id(), "I-LP");
}

#[test]
fn cp_plan_and_looked_after_count_as_statutory_but_s47_and_early_help_do_not() {
    for (detail, statutory) in [
        (
            EpisodeDetail::ChildProtectionPlan {
                category_of_abuse: None,
                census: Default::default(),
            },
            true,
        ),
        (
            EpisodeDetail::LookedAfter {
                legal_status: None,
                placement: None,
                care: None,
            },
            true,
        ),
        (
            EpisodeDetail::Section47 {
                outcome: None,
                census: Default::default(),
            },
            false,
        ),
        (EpisodeDetail::EarlyHelp { reason: None }, false),
    ] {
        let mut f = Fixture::new();
        f.child("C").worker("SW", None, None);
        f.involve(
            "I",
            "SW",
            "C",
            RoleCategory::AllocatedSocialWorker,
            d(2025, 1, 1),
            None,
        );
        f.episode("E", "C", detail.clone(), d(2025, 1, 1), None);
        let team = f.net.team_around(&pk("C"), d(2025, 1, 1)).unwrap();
        let expected = if statutory {
            LeadBasis::AllocatedSocialWorker
        } else {
            LeadBasis::None
        };
        assert_eq!(team.lead_basis, expected, "{detail:?}");
        assert_eq!(team.lead().is_some(), statutory);
    }
}

#[test]
fn open_statutory_episode_without_social_worker_falls_back_to_lead_practitioner() {
    let mut f = Fixture::new();
    f.child("C").worker("LP", None, None);
    f.involve(
        "I",
        "LP",
        "C",
        RoleCategory::LeadPractitioner,
        d(2025, 1, 1),
        None,
    );
    f.cp_plan("CP", "C", d(2025, 1, 1), None);
    let team = f.net.team_around(&pk("C"), d(2025, 2, 1)).unwrap();
    assert_eq!(team.lead_basis, LeadBasis::LeadPractitionerRole);
}

#[test]
fn two_leads_are_both_marked_and_none_is_chosen() {
    let mut f = Fixture::new();
    f.child("C").worker("A", None, None).worker("B", None, None);
    f.involve(
        "I-A",
        "A",
        "C",
        RoleCategory::AllocatedSocialWorker,
        d(2025, 1, 1),
        None,
    );
    f.involve(
        "I-B",
        "B",
        "C",
        RoleCategory::AllocatedSocialWorker,
        d(2025, 2, 1),
        None,
    );
    f.looked_after("LA", "C", d(2024, 1, 1), None);
    let team = f.net.team_around(&pk("C"), d(2025, 2, 1)).unwrap();
    assert_eq!(team.leads().count(), 2);
    assert!(team.lead().is_none());
    // The day before B started there is exactly one.
    let before = f.net.team_around(&pk("C"), d(2025, 1, 31)).unwrap();
    assert_eq!(before.lead().unwrap().involvement.key().id(), "I-A");
}

#[test]
fn ended_involvements_and_other_children_are_not_in_the_team() {
    let mut f = Fixture::new();
    f.child("C")
        .child("D")
        .worker("W", None, None)
        .worker("X", None, None);
    f.involve(
        "I1",
        "W",
        "C",
        RoleCategory::Teacher,
        d(2024, 9, 1),
        Some(d(2025, 7, 20)),
    );
    f.involve(
        "I2",
        "X",
        "C",
        RoleCategory::SchoolNurse,
        d(2025, 1, 1),
        None,
    );
    f.involve("I3", "W", "D", RoleCategory::Teacher, d(2024, 9, 1), None);
    let team = f.net.team_around(&pk("C"), d(2025, 9, 1)).unwrap();
    assert_eq!(ids(&team), ["I2"]);
    assert_eq!(team.person.key, pk("C"));
    assert_eq!(team.as_of, d(2025, 9, 1));
}

#[test]
fn members_are_ordered_by_lead_role_start_and_key() {
    let mut f = Fixture::new();
    f.child("C");
    for w in ["A", "B", "C", "D"] {
        f.worker(w, None, None);
    }
    f.involve("I-d", "D", "C", RoleCategory::Teacher, d(2025, 1, 1), None);
    f.involve(
        "I-c",
        "C",
        "C",
        RoleCategory::HealthVisitor,
        d(2025, 3, 1),
        None,
    );
    f.involve(
        "I-b",
        "B",
        "C",
        RoleCategory::HealthVisitor,
        d(2025, 2, 1),
        None,
    );
    f.involve(
        "I-a",
        "A",
        "C",
        RoleCategory::LeadPractitioner,
        d(2025, 4, 1),
        None,
    );
    let team = f.net.team_around(&pk("C"), d(2025, 5, 1)).unwrap();
    assert_eq!(ids(&team), ["I-a", "I-b", "I-c", "I-d"]);
}
