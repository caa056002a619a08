//! Adding records: every reference is checked, and a failed add changes nothing.

mod common;

use common::*;
use patchwork_core::*;

#[test]
fn duplicate_keys_are_refused_for_every_kind() {
    let mut f = Fixture::new();
    f.agency("A", AgencyKind::Health)
        .team("T", Some("A"))
        .child("C")
        .worker("W", None, None);
    f.involve("I", "W", "C", RoleCategory::Gp, d(2025, 1, 1), None);
    let net = &mut f.net;
    let err = net
        .add_person(Person::new(pk("C"), PersonKind::Adult, src()))
        .unwrap_err();
    assert_eq!(
        err,
        Error::DuplicateKey {
            kind: EntityKind::Person,
            key: "test:C".into()
        }
    );
    assert!(matches!(
        net.add_professional(Professional::new(wk("W"), src())),
        Err(Error::DuplicateKey {
            kind: EntityKind::Professional,
            ..
        })
    ));
    let again = involvement("I", Some("W"), "C", RoleCategory::Gp, d(2025, 1, 1), None);
    assert!(matches!(
        net.add_involvement(again),
        Err(Error::DuplicateKey {
            kind: EntityKind::Involvement,
            ..
        })
    ));
    assert_eq!(net.involvement_count(), 1);
    assert_eq!(
        net.person(&pk("C")).unwrap().kind,
        PersonKind::Child,
        "the first record stays"
    );
}

#[test]
fn involvement_with_unknown_person_or_professional_is_refused() {
    let mut f = Fixture::new();
    f.child("C").worker("W", None, None);
    let err = f
        .net
        .add_involvement(involvement(
            "I1",
            Some("W"),
            "NOBODY",
            RoleCategory::Gp,
            d(2025, 1, 1),
            None,
        ))
        .unwrap_err();
    assert_eq!(
        err,
        Error::UnknownReference {
            kind: EntityKind::Person,
            key: "test:NOBODY".into(),
            referrer: "involvement test:I1".into()
        }
    );
    let err = f
        .net
        .add_involvement(involvement(
            "I2",
            Some("GHOST"),
            "C",
            RoleCategory::Gp,
            d(2025, 1, 1),
            None,
        ))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::UnknownReference {
            kind: EntityKind::Professional,
            ..
        }
    ));
    assert_eq!(f.net.involvement_count(), 0);
    assert!(
        f.net
            .team_around(&pk("C"), d(2025, 2, 1))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn involvement_needs_a_professional_or_a_team() {
    let mut f = Fixture::new();
    f.child("C").team("T", None);
    let err = f
        .net
        .add_involvement(involvement(
            "I",
            None,
            "C",
            RoleCategory::Other,
            d(2025, 1, 1),
            None,
        ))
        .unwrap_err();
    assert_eq!(
        err,
        Error::NoParticipant {
            record: "involvement test:I".into()
        }
    );
    // A team-only involvement is fine.
    let mut team_only = involvement("I", None, "C", RoleCategory::Other, d(2025, 1, 1), None);
    team_only.team = Some(TeamKey::new(SYS, "T"));
    f.net.add_involvement(team_only).unwrap();
    let team = f.net.team_around(&pk("C"), d(2025, 1, 1)).unwrap();
    assert_eq!(team.len(), 1);
    assert!(team.members[0].professional.is_none());
    assert_eq!(team.members[0].team.unwrap().key, TeamKey::new(SYS, "T"));
}

#[test]
fn end_before_start_is_rejected_everywhere() {
    let mut f = Fixture::new();
    f.child("C").worker("W", None, None);
    let mut bad = involvement("I", Some("W"), "C", RoleCategory::Gp, d(2025, 1, 1), None);
    bad.period = Period {
        start: Some(d(2025, 3, 1)),
        end: Some(d(2025, 2, 1)),
    };
    assert_eq!(
        f.net.add_involvement(bad).unwrap_err(),
        Error::EndBeforeStart {
            start: d(2025, 3, 1),
            end: d(2025, 2, 1)
        }
    );
    f.involve("I", "W", "C", RoleCategory::Gp, d(2025, 3, 1), None);
    // Ending before the start is refused and the involvement stays open.
    assert!(matches!(
        f.net.end_involvement(&ik("I"), d(2025, 2, 28), None),
        Err(Error::EndBeforeStart { .. })
    ));
    assert_eq!(f.net.involvement(&ik("I")).unwrap().period().end, None);
    // Ending on the start day gives an empty, closed involvement.
    f.net
        .end_involvement(&ik("I"), d(2025, 3, 1), Some(EndReason::parse("OTHERS")))
        .unwrap();
    assert!(
        f.net
            .team_around(&pk("C"), d(2025, 3, 1))
            .unwrap()
            .is_empty()
    );
    let bad_episode = Episode {
        key: EpisodeKey::new(SYS, "E"),
        person: pk("C"),
        period: Period {
            start: Some(d(2025, 3, 1)),
            end: Some(d(2024, 3, 1)),
        },
        detail: EpisodeDetail::Section47 {
            outcome: None,
            census: Default::default(),
        },
        source: src(),
    };
    assert!(matches!(
        f.net.add_episode(bad_episode),
        Err(Error::EndBeforeStart { .. })
    ));
}

#[test]
fn ending_an_unknown_involvement_is_not_found() {
    let mut net = Network::new();
    assert_eq!(
        net.end_involvement(&ik("X"), d(2025, 1, 1), None),
        Err(Error::NotFound {
            kind: EntityKind::Involvement,
            key: "test:X".into()
        })
    );
}

#[test]
fn death_before_birth_is_rejected() {
    let mut net = Network::new();
    let mut p = Person::new(pk("C"), PersonKind::Child, src());
    p.birth_date = Some(d(2020, 5, 1));
    p.death_date = Some(d(2020, 4, 30));
    assert!(matches!(
        net.add_person(p.clone()),
        Err(Error::DeathBeforeBirth { .. })
    ));
    p.death_date = Some(d(2020, 5, 1));
    net.add_person(p).unwrap();
}

#[test]
fn relationship_to_oneself_and_to_unknown_persons_is_refused() {
    let mut f = Fixture::new();
    f.adult("M").child("C");
    let rel = |from: &str, to: &str| Relationship {
        key: RelationshipKey::new(SYS, "R"),
        from: pk(from),
        to: pk(to),
        kind: RelationshipKind::Parent,
        parental_responsibility: true,
        period: Period::always(),
        source: src(),
    };
    assert!(matches!(
        f.net.add_relationship(rel("M", "M")),
        Err(Error::SelfRelationship { .. })
    ));
    assert!(matches!(
        f.net.add_relationship(rel("M", "X")),
        Err(Error::UnknownReference { .. })
    ));
    f.net.add_relationship(rel("M", "C")).unwrap();
    assert_eq!(f.net.relationships().len(), 1);
}

#[test]
fn team_and_professional_references_are_checked() {
    let mut net = Network::new();
    let team = Team {
        key: TeamKey::new(SYS, "T"),
        name: "T".into(),
        agency: Some(AgencyKey::new(SYS, "A")),
        parent: None,
        source: src(),
    };
    assert!(matches!(
        net.add_team(team.clone()),
        Err(Error::UnknownReference {
            kind: EntityKind::Agency,
            ..
        })
    ));
    let nested = Team {
        agency: None,
        parent: Some(TeamKey::new(SYS, "PARENT")),
        ..team.clone()
    };
    assert!(matches!(
        net.add_team(nested),
        Err(Error::UnknownReference {
            kind: EntityKind::Team,
            ..
        })
    ));
    let mut p = Professional::new(wk("W"), src());
    p.team = Some(TeamKey::new(SYS, "T"));
    assert!(matches!(
        net.add_professional(p),
        Err(Error::UnknownReference {
            kind: EntityKind::Team,
            ..
        })
    ));
    assert_eq!(net.professional_count(), 0);
}

#[test]
fn update_professional_moves_their_team_and_agency() {
    let mut f = Fixture::new();
    f.agency("LA", AgencyKind::ChildrensSocialCare)
        .agency("NHS", AgencyKind::Health);
    f.team("T1", Some("LA")).team("T2", Some("NHS"));
    f.child("C").worker("W", None, Some("T1"));
    f.involve(
        "I",
        "W",
        "C",
        RoleCategory::FamilySupportWorker,
        d(2025, 1, 1),
        None,
    );
    let before = f.net.team_around(&pk("C"), d(2025, 2, 1)).unwrap().members[0]
        .agency
        .unwrap()
        .key
        .clone();
    assert_eq!(before.id(), "LA");
    let mut w = f.net.professional(&wk("W")).unwrap().clone();
    w.team = Some(TeamKey::new(SYS, "T2"));
    f.net.update_professional(w).unwrap();
    let team = f.net.team_around(&pk("C"), d(2025, 2, 1)).unwrap();
    assert_eq!(team.members[0].team.unwrap().key.id(), "T2");
    assert_eq!(team.members[0].agency.unwrap().key.id(), "NHS");
    assert!(matches!(
        f.net
            .update_professional(Professional::new(wk("NOBODY"), src())),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn lookup_by_nhs_number_and_upn_reports_every_holder() {
    let nhs = NhsNumber::parse("9434765919").unwrap();
    let upn = Upn::parse("A123456789012").unwrap();
    let mut net = Network::new();
    let mut a = Person::new(pk("A"), PersonKind::Child, src());
    a.nhs_number = Some(nhs);
    a.upn = Some(upn);
    net.add_person(a.clone()).unwrap();
    assert_eq!(net.persons_with_nhs_number(&nhs).len(), 1);
    // A second record with the same NHS number (say, from a partner feed) is kept, not merged.
    let mut b = Person::new(pk("B"), PersonKind::Child, src());
    b.nhs_number = Some(nhs);
    b.former_upn = Some(upn);
    net.add_person(b).unwrap();
    let holders: Vec<_> = net
        .persons_with_nhs_number(&nhs)
        .iter()
        .map(|p| p.key.id().to_owned())
        .collect();
    assert_eq!(holders, ["A", "B"]);
    assert_eq!(net.persons_with_upn(&upn).len(), 2);
    assert!(
        net.persons_with_nhs_number(&NhsNumber::parse("4010232137").unwrap())
            .is_empty()
    );
}

#[test]
fn queries_on_unknown_keys_are_not_found() {
    let net = Network::new();
    let as_of = d(2025, 1, 1);
    let nf = |e: Error| matches!(e, Error::NotFound { .. });
    assert!(nf(net.team_around(&pk("X"), as_of).unwrap_err()));
    assert!(nf(net.family_network(&pk("X"), as_of).unwrap_err()));
    assert!(nf(net.caseload(&wk("X"), as_of).unwrap_err()));
    assert!(nf(net
        .shared_children(&wk("X"), &wk("Y"), as_of)
        .unwrap_err()));
    assert!(nf(net
        .connection_path(&wk("X"), &wk("Y"), as_of)
        .unwrap_err()));
    assert!(nf(net.timeline(&pk("X")).unwrap_err()));
    assert!(nf(net.worker_changes(&pk("X"), as_of, as_of).unwrap_err()));
    assert!(net.gaps(as_of).is_empty());
    assert!(net.components(as_of).is_empty());
}

#[test]
fn records_come_back_as_they_went_in() {
    let origin = Origin::new("lcs", Some("ssd_involvements.csv".into()));
    let mut f = Fixture::new();
    f.agency("LA", AgencyKind::ChildrensSocialCare)
        .team("T", Some("LA"))
        .child("C")
        .worker("W", Some("LA"), Some("T"));
    let mut inv = involvement(
        "I",
        Some("W"),
        "C",
        RoleCategory::IndependentReviewingOfficer,
        d(2024, 4, 1),
        Some(d(2025, 4, 1)),
    );
    inv.team = Some(TeamKey::new(SYS, "T"));
    inv.role = Role::new("IRO", RoleCategory::IndependentReviewingOfficer);
    inv.end_reason = Some(EndReason::parse("Case transferred"));
    inv.sensitivity = Sensitivity::Restricted;
    inv.source = Source::at(&origin, 17);
    f.net.add_involvement(inv.clone()).unwrap();
    // A second involvement with the same role code and reason shares their stored text.
    let mut second = inv.clone();
    second.key = ik("I2");
    f.net.add_involvement(second.clone()).unwrap();

    let got = f.net.involvement(&ik("I")).unwrap();
    assert_eq!(got.to_record(), inv);
    assert_eq!(got.role_code(), "IRO");
    assert_eq!(got.source().row_number(), Some(17));
    assert_eq!(got.source().file_name(), Some("ssd_involvements.csv"));
    assert_eq!(f.net.involvement(&ik("I2")).unwrap().to_record(), second);
    assert!(std::ptr::eq(
        got.role_code(),
        f.net.involvement(&ik("I2")).unwrap().role_code()
    ));
    let all: Vec<Involvement> = f.net.involvements().map(|i| i.to_record()).collect();
    assert_eq!(all, [inv, second]);

    let mut person = Person::new(pk("P"), PersonKind::UnbornChild, src());
    person.expected_birth_date = Some(d(2026, 1, 5));
    person.sex = Some(Sex::Unknown);
    f.net.add_person(person.clone()).unwrap();
    assert_eq!(f.net.person(&pk("P")), Some(&person));
}

#[test]
fn a_missing_key_is_not_found_among_many() {
    // Enough rows to make the key index resize several times.
    let mut f = Fixture::new();
    f.worker("W", None, None);
    for i in 0..5000 {
        f.child(&format!("C{i}"));
        f.involve(
            &format!("I{i}"),
            "W",
            &format!("C{i}"),
            RoleCategory::Teacher,
            d(2025, 1, 1),
            None,
        );
    }
    for i in (0..5000).step_by(97) {
        assert_eq!(
            f.net
                .involvement(&ik(&format!("I{i}")))
                .unwrap()
                .person()
                .key,
            pk(&format!("C{i}"))
        );
        assert!(f.net.person(&pk(&format!("C{i}"))).is_some());
    }
    assert!(f.net.involvement(&ik("I5000")).is_none());
    assert!(f.net.person(&pk("C5000")).is_none());
    assert!(
        f.net
            .involvement(&InvolvementKey::new("other", "I1"))
            .is_none()
    );
}

#[test]
fn update_person_moves_the_identifiers_they_are_found_by() {
    let src = Source::system("lcs");
    let nhs_a: NhsNumber = "9434765919".parse().unwrap();
    let nhs_b: NhsNumber = "4010232137".parse().unwrap();
    let upn: Upn = "A123456789012".parse().unwrap();
    let mut net = Network::new();
    let mut c1 = Person::new(PersonKey::new("lcs", "C1"), PersonKind::Child, src.clone());
    c1.nhs_number = Some(nhs_a);
    c1.upn = Some(upn);
    let mut c2 = Person::new(PersonKey::new("lcs", "C2"), PersonKind::Child, src.clone());
    c2.nhs_number = Some(nhs_a); // a duplicate the council has not resolved
    net.add_person(c1.clone()).unwrap();
    net.add_person(c2).unwrap();

    // C1's NHS number corrected, UPN removed.
    let mut corrected = c1.clone();
    corrected.nhs_number = Some(nhs_b);
    corrected.upn = None;
    corrected.given_name = Some("Ada".into());
    net.update_person(corrected).unwrap();
    let keys = |found: Vec<&Person>| found.iter().map(|p| p.key.to_string()).collect::<Vec<_>>();
    assert_eq!(keys(net.persons_with_nhs_number(&nhs_a)), ["lcs:C2"]);
    assert_eq!(keys(net.persons_with_nhs_number(&nhs_b)), ["lcs:C1"]);
    assert!(net.persons_with_upn(&upn).is_empty());
    assert_eq!(
        net.person(&PersonKey::new("lcs", "C1"))
            .unwrap()
            .given_name
            .as_deref(),
        Some("Ada")
    );

    // An unknown person, or a death before birth, changes nothing.
    let stranger = Person::new(PersonKey::new("lcs", "C9"), PersonKind::Child, src);
    assert!(matches!(
        net.update_person(stranger),
        Err(Error::NotFound { .. })
    ));
    let mut dead = net.person(&PersonKey::new("lcs", "C1")).unwrap().clone();
    dead.birth_date = chrono::NaiveDate::from_ymd_opt(2020, 1, 1);
    dead.death_date = chrono::NaiveDate::from_ymd_opt(2019, 1, 1);
    assert!(net.update_person(dead).is_err());
    assert_eq!(keys(net.persons_with_nhs_number(&nhs_b)), ["lcs:C1"]);
    assert!(
        net.person(&PersonKey::new("lcs", "C1"))
            .unwrap()
            .birth_date
            .is_none()
    );
}
