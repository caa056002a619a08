//! Hand-built fixtures for each default rule of the governance policy: the answers below
//! were worked out by hand from the situation each test describes.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use patchwork_core::*;

const S: &str = "t";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}
fn at(h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, h, min, 0).unwrap()
}
fn pk(id: &str) -> PersonKey {
    PersonKey::new(S, id)
}
fn wk(id: &str) -> ProfessionalKey {
    ProfessionalKey::new(S, id)
}
fn ak(id: &str) -> AgencyKey {
    AgencyKey::new(S, id)
}
fn src() -> Source {
    Source::system(S)
}

/// Children's social care (CSC), CAMHS (a sensitive service), a school and the police.
///
/// * C1: on a CIN plan since 2 January; SW1 allocated (lead), PSY1 from CAMHS (sensitive),
///   TCH1 the school's DSL, PC1 police (restricted).
/// * C2: C1's sibling, shielded; SW1 allocated.
/// * M1: their mother, in the household with both; a team-only CAMHS involvement (team
///   CAMHS-T, where PSY2 works).
/// * C3: led by PSY1 in a sensitive lead-practitioner involvement; TCH1 teaches them.
fn network() -> Network {
    let mut net = Network::new();
    for (id, kind) in [
        ("CSC", AgencyKind::ChildrensSocialCare),
        ("CAMHS", AgencyKind::Health),
        ("SCH", AgencyKind::Education),
        ("POL", AgencyKind::Police),
    ] {
        net.add_agency(Agency {
            key: ak(id),
            name: format!("{id} agency"),
            kind,
            ods_code: None,
            school_urn: None,
            source: src(),
        })
        .unwrap();
    }
    net.add_team(Team {
        key: TeamKey::new(S, "CAMHS-T"),
        name: "CAMHS north".into(),
        agency: Some(ak("CAMHS")),
        parent: None,
        source: src(),
    })
    .unwrap();
    for (id, agency, name) in [
        ("SW1", "CSC", "Sam Social"),
        ("SW2", "CSC", "Kit Colleague"),
        ("EDT1", "CSC", "Emergency Duty"),
        ("MASH1", "CSC", "Front Door"),
        ("PSY1", "CAMHS", "Pat Psych"),
        ("PSY2", "CAMHS", "Lee Psych"),
        ("TCH1", "SCH", "Terry Teacher"),
        ("PC1", "POL", "Polly Constable"),
    ] {
        let mut p = Professional::new(wk(id), src());
        p.agency = Some(ak(agency));
        p.name = Some(name.into());
        p.phone = Some(format!("01632 {id}"));
        if id == "PSY2" {
            p.team = Some(TeamKey::new(S, "CAMHS-T"));
        }
        net.add_professional(p).unwrap();
    }
    for (id, kind, shielded, nhs) in [
        ("C1", PersonKind::Child, false, "9434765919"),
        ("C2", PersonKind::Child, true, "9434765870"),
        ("M1", PersonKind::Adult, false, "9434765862"),
        ("C3", PersonKind::Child, false, "9434765854"),
    ] {
        let mut p = Person::new(pk(id), kind, src());
        p.shielded = shielded;
        p.given_name = Some(format!("Name{id}"));
        p.nhs_number = Some(nhs.parse().unwrap());
        net.add_person(p).unwrap();
    }
    let inv = |id: &str, person: &str, worker: Option<&str>, role, sensitivity| Involvement {
        key: InvolvementKey::new(S, id),
        person: pk(person),
        professional: worker.map(wk),
        team: worker.is_none().then(|| TeamKey::new(S, "CAMHS-T")),
        role: Role::new(
            if sensitivity == Sensitivity::Standard {
                "STD"
            } else {
                "CAMHS"
            },
            role,
        ),
        period: Period::from(d(2026, 1, 5)),
        end_reason: None,
        sensitivity,
        source: src(),
    };
    use RoleCategory as R;
    use Sensitivity as X;
    for i in [
        inv(
            "I1",
            "C1",
            Some("SW1"),
            R::AllocatedSocialWorker,
            X::Standard,
        ),
        inv("I2", "C1", Some("PSY1"), R::Other, X::SensitiveService),
        inv(
            "I3",
            "C1",
            Some("TCH1"),
            R::DesignatedSafeguardingLead,
            X::Standard,
        ),
        inv("I4", "C1", Some("PC1"), R::Police, X::Restricted),
        inv(
            "I5",
            "C2",
            Some("SW1"),
            R::AllocatedSocialWorker,
            X::Standard,
        ),
        inv("I6", "M1", None, R::Other, X::SensitiveService),
        inv(
            "I7",
            "C3",
            Some("PSY1"),
            R::LeadPractitioner,
            X::SensitiveService,
        ),
        inv("I8", "C3", Some("TCH1"), R::Teacher, X::Standard),
    ] {
        net.add_involvement(i).unwrap();
    }
    net.add_episode(Episode {
        key: EpisodeKey::new(S, "CIN1"),
        person: pk("C1"),
        period: Period::from(d(2026, 1, 2)),
        detail: EpisodeDetail::ChildInNeed {
            referral_source: None,
            primary_need: None,
            closure_reason: None,
            census: Default::default(),
        },
        source: src(),
    })
    .unwrap();
    let h = HouseholdKey::new(S, "H1");
    net.add_household(Household {
        key: h.clone(),
        name: None,
        source: src(),
    })
    .unwrap();
    for p in ["C1", "C2", "M1"] {
        net.add_household_member(&h, &pk(p), Period::always())
            .unwrap();
    }
    net
}

fn viewer(net: &Network, id: &str, role: &str) -> Viewer {
    Viewer::for_professional(net, &wk(id), role, Purpose::DirectWork).unwrap()
}

fn policy() -> Policy {
    Policy::practice_defaults("test-1")
}

/// Involvement ids of a full team answer, in the team's order.
fn team_ids(read: Read<Viewed<TeamAround<'_>>>) -> Vec<String> {
    match read.result.expect("a team") {
        Viewed::Full(team) => team
            .members
            .iter()
            .map(|m| m.involvement.key().id().to_owned())
            .collect(),
        Viewed::ExistenceOnly(_) => panic!("expected the full team"),
    }
}

#[test]
fn an_involved_professional_sees_the_team_but_not_other_agencies_sensitive_or_restricted_services()
{
    let net = network();
    let (policy, grants) = (policy(), Grants::default());
    let sw1 = viewer(&net, "SW1", "practitioner");
    let view = net.view(&sw1, &policy, &grants, at(10, 0));
    // I1 (own, the lead first) and I3 (standard); not I2 (CAMHS) nor I4 (police, restricted).
    assert_eq!(team_ids(view.team_around(&pk("C1"))), ["I1", "I3"]);
    // The school's DSL is involved too and sees the same.
    let tch = viewer(&net, "TCH1", "practitioner");
    let view = net.view(&tch, &policy, &grants, at(10, 0));
    assert_eq!(team_ids(view.team_around(&pk("C1"))), ["I1", "I3"]);
    // The CAMHS worker sees their own involvement too.
    let psy = viewer(&net, "PSY1", "practitioner");
    let view = net.view(&psy, &policy, &grants, at(10, 0));
    assert_eq!(team_ids(view.team_around(&pk("C1"))), ["I1", "I3", "I2"]);
}

#[test]
fn a_same_agency_colleague_in_the_childs_network_sees_the_sensitive_service() {
    let mut net = network();
    // PSY2 (CAMHS) becomes C1's family support worker.
    net.add_involvement(Involvement {
        key: InvolvementKey::new(S, "I9"),
        person: pk("C1"),
        professional: Some(wk("PSY2")),
        team: None,
        role: Role::new("FSW", RoleCategory::FamilySupportWorker),
        period: Period::from(d(2026, 6, 1)),
        end_reason: None,
        sensitivity: Sensitivity::Standard,
        source: src(),
    })
    .unwrap();
    let (policy, grants) = (policy(), Grants::default());
    let psy2 = viewer(&net, "PSY2", "practitioner");
    let view = net.view(&psy2, &policy, &grants, at(10, 0));
    // Same agency as PSY1's CAMHS involvement; still not the police's restricted one.
    // (Leads first, then by role: DSL, family support worker, other.)
    assert_eq!(
        team_ids(view.team_around(&pk("C1"))),
        ["I1", "I3", "I9", "I2"]
    );
}

#[test]
fn others_learn_only_that_the_child_is_known_and_how_to_contact_the_lead() {
    let net = network();
    let (policy, grants) = (policy(), Grants::default());
    let sw2 = viewer(&net, "SW2", "practitioner");
    let view = net.view(&sw2, &policy, &grants, at(10, 0));
    let read = view.team_around(&pk("C1"));
    assert_eq!(read.record.outcome, Outcome::ExistenceOnly);
    assert_eq!(read.record.alerts, [AlertKind::OutsideNetwork]);
    let Viewed::ExistenceOnly(known) = read.result.unwrap() else {
        panic!("existence only")
    };
    assert_eq!(
        known,
        Known {
            person: pk("C1"),
            contact: ContactRoute::Lead {
                role: RoleCategory::AllocatedSocialWorker,
                professional: Some(wk("SW1")),
                name: Some("Sam Social".into()),
                phone: Some("01632 SW1".into()),
                email: None,
                team: None,
                agency: Some("CSC agency".into()),
            }
        }
    );
    // Nothing else about C1 reaches them: not their timeline, not SW1's caseload.
    assert!(view.timeline(&pk("C1")).result.unwrap().full().is_none());
    assert!(view.caseload(&wk("SW1")).result.unwrap().is_empty());
    assert!(view.gaps().result.unwrap().is_empty());
    assert!(view.components().result.unwrap().is_empty());
}

#[test]
fn a_lead_in_a_sensitive_service_is_not_named_the_broker_is() {
    let net = network();
    let mut policy = policy();
    let grants = Grants::default();
    let sw2 = viewer(&net, "SW2", "practitioner");
    let contact = |policy: &Policy| {
        let view = net.view(&sw2, policy, &grants, at(10, 0));
        match view.team_around(&pk("C3")).result.unwrap() {
            Viewed::ExistenceOnly(k) => k.contact,
            Viewed::Full(_) => panic!("existence only"),
        }
    };
    // C3's only lead is PSY1's sensitive involvement; the teacher is no lead.
    assert_eq!(contact(&policy), ContactRoute::Unavailable);
    policy.broker_contact = Some("MASH 01632 960000".into());
    assert_eq!(
        contact(&policy),
        ContactRoute::Broker {
            contact: "MASH 01632 960000".into()
        }
    );
    // PSY2 (CAMHS, not involved) would see the involvement: the lead is named to them.
    let psy2 = viewer(&net, "PSY2", "practitioner");
    let view = net.view(&psy2, &policy, &grants, at(10, 0));
    let Viewed::ExistenceOnly(k) = view.team_around(&pk("C3")).result.unwrap() else {
        panic!()
    };
    assert!(
        matches!(k.contact, ContactRoute::Lead { professional: Some(p), .. } if p == wk("PSY1"))
    );
}

fn consent(recipient: &str) -> Consent {
    Consent {
        subject: pk("C1"),
        given_by: ConsentGiver::Child,
        scope: ConsentScope::AllSensitiveServices,
        recipients: vec![ak(recipient)],
        purposes: vec![],
        from: d(2026, 6, 1),
        to: None,
        withdrawn: None,
        recorded_by: Some(wk("SW1")),
        evidence: None,
    }
}

#[test]
fn consent_shows_a_sensitive_service_until_it_is_withdrawn_but_never_a_restricted_one() {
    let net = network();
    let policy = policy();
    let sw1 = viewer(&net, "SW1", "practitioner");
    let ids = |grants: &Grants, when| {
        team_ids(net.view(&sw1, &policy, grants, when).team_around(&pk("C1")))
    };
    let mut grants = Grants {
        consents: vec![consent("CSC")],
        overrides: vec![],
    };
    assert_eq!(ids(&grants, at(10, 0)), ["I1", "I3", "I2"]);
    // Withdrawn on 27 November: not in force from that day.
    grants.consents[0].withdrawn = Some(d(2026, 11, 27));
    assert_eq!(ids(&grants, at(10, 0)), ["I1", "I3"]);
    grants.consents[0].withdrawn = Some(d(2026, 11, 28));
    assert_eq!(ids(&grants, at(10, 0)), ["I1", "I3", "I2"]);
    // Expired.
    grants.consents[0].withdrawn = None;
    grants.consents[0].to = Some(d(2026, 11, 1));
    assert_eq!(ids(&grants, at(10, 0)), ["I1", "I3"]);
    // Not yet given on 27 November.
    grants.consents[0].to = None;
    grants.consents[0].from = d(2026, 12, 1);
    assert_eq!(ids(&grants, at(10, 0)), ["I1", "I3"]);
    // To another recipient, for another purpose, or about another subject: no.
    for c in [
        consent("SCH"),
        Consent {
            purposes: vec![Purpose::Safeguarding],
            ..consent("CSC")
        },
        Consent {
            subject: pk("C3"),
            ..consent("CSC")
        },
        Consent {
            scope: ConsentScope::ServicesOf {
                agencies: vec![ak("SCH")],
            },
            ..consent("CSC")
        },
    ] {
        let grants = Grants {
            consents: vec![c],
            overrides: vec![],
        };
        assert_eq!(ids(&grants, at(10, 0)), ["I1", "I3"]);
    }
    // Scoped to CAMHS: yes. The restricted police involvement never shows.
    let grants = Grants {
        consents: vec![Consent {
            scope: ConsentScope::ServicesOf {
                agencies: vec![ak("CAMHS"), ak("POL")],
            },
            ..consent("CSC")
        }],
        overrides: vec![],
    };
    assert_eq!(ids(&grants, at(10, 0)), ["I1", "I3", "I2"]);
}

#[test]
fn a_shielded_child_is_hidden_everywhere_and_not_found_reads_as_for_an_unknown_key() {
    let net = network();
    let (policy, grants) = (policy(), Grants::default());
    // SW1 is allocated to C2 and still may not see them: the shield wins.
    let sw1 = viewer(&net, "SW1", "practitioner");
    let view = net.view(&sw1, &policy, &grants, at(10, 0));
    let hidden = view.team_around(&pk("C2"));
    let unknown = view.team_around(&pk("C9"));
    let (he, ue) = (hidden.result.unwrap_err(), unknown.result.unwrap_err());
    assert_eq!(he.to_string(), "no person with key t:C2");
    assert_eq!(ue.to_string(), "no person with key t:C9");
    assert_eq!(
        format!("{he:?}").replace("C2", "C9"),
        format!("{ue:?}"),
        "the same variant and fields"
    );
    assert_eq!(hidden.record.outcome, Outcome::Denied);
    assert_eq!(hidden.record.alerts, [AlertKind::ShieldedRequested]);
    assert!(hidden.record.disclosed.is_empty());
    assert_eq!(unknown.record.outcome, Outcome::NotFound);
    for read in [
        view.timeline(&pk("C2")).result.err(),
        view.family_network(&pk("C2")).result.err(),
    ] {
        assert_eq!(read.unwrap().to_string(), "no person with key t:C2");
    }
    // Not among C1's relatives, SW1's caseload, the family clusters or search hits.
    let fam = view
        .family_network(&pk("C1"))
        .result
        .unwrap()
        .full()
        .unwrap();
    let rel: Vec<_> = fam.relatives.iter().map(|r| r.person.key.id()).collect();
    assert_eq!(rel, ["M1"]);
    let caseload = view.caseload(&wk("SW1")).result.unwrap();
    let ids: Vec<_> = caseload.iter().map(|e| e.person.key.id()).collect();
    assert_eq!(ids, ["C1"]);
    let clusters = view.components().result.unwrap();
    let ids: Vec<Vec<_>> = clusters
        .iter()
        .map(|c| c.persons.iter().map(|p| p.key.id()).collect())
        .collect();
    assert_eq!(ids, [vec!["C1", "M1"]]);
    let search = view.search_nhs_number(&"9434765870".parse().unwrap());
    assert!(search.result.unwrap().is_empty());
    assert_eq!(search.record.outcome, Outcome::NotFound);
    assert_eq!(search.record.alerts, [AlertKind::ShieldedRequested]);
    // The export holds no trace of C2 or I5: not a key, not a name.
    let export = serde_json::to_string(&view.export().result.unwrap()).unwrap();
    for trace in ["t:C2", "NameC2", "t:I5"] {
        assert!(!export.contains(trace), "{trace} in {export}");
    }
    // The broker team with read_shielded sees C2.
    let broker = viewer(&net, "SW2", "shield_broker");
    let view = net.view(&broker, &policy, &grants, at(10, 0));
    assert_eq!(view.decision_for(&pk("C2")), Decision::ExistenceOnly);
}

#[test]
fn break_glass_covers_one_child_for_a_limited_time_and_only_for_its_maker() {
    let net = network();
    let policy = policy();
    let edt = viewer(&net, "EDT1", "child_protection");
    let (grant, alert) = policy
        .break_glass(
            &edt,
            &pk("C2"),
            OverrideGround::Safeguarding,
            "police protection, need the team",
            at(10, 0),
        )
        .unwrap();
    assert_eq!(alert.kind, AlertKind::BreakGlassMade);
    assert_eq!(alert.child, pk("C2"));
    assert_eq!(grant.until, at(14, 0));
    let grants = Grants {
        consents: vec![],
        overrides: vec![grant.clone()],
    };
    let view = net.view(&edt, &policy, &grants, at(10, 30));
    let read = view.team_around(&pk("C2"));
    assert_eq!(read.record.overrides, std::slice::from_ref(&grant));
    assert_eq!(read.record.alerts, [AlertKind::BreakGlassUsed]);
    assert_eq!(team_ids(read), ["I5"]);
    // One child only: C1 is still existence only for EDT1.
    assert_eq!(view.decision_for(&pk("C1")), Decision::ExistenceOnly);
    // Nobody else's view changes.
    let sw1 = viewer(&net, "SW1", "practitioner");
    let other = net.view(&sw1, &policy, &grants, at(10, 30));
    assert!(other.team_around(&pk("C2")).result.is_err());
    // Lapsed at 14:00 exactly; not yet in force before it was made.
    for when in [at(14, 0), at(9, 59)] {
        let view = net.view(&edt, &policy, &grants, when);
        assert!(view.team_around(&pk("C2")).result.is_err(), "{when}");
    }
    assert!(
        net.view(&edt, &policy, &grants, at(13, 59))
            .team_around(&pk("C2"))
            .result
            .is_ok()
    );
    // Withdrawing the role's permission ends the override.
    let mut stricter = policy.clone();
    stricter.roles.remove("child_protection");
    let view = net.view(&edt, &stricter, &grants, at(10, 30));
    assert!(view.team_around(&pk("C2")).result.is_err());
    // Sensitive and restricted services show under an override.
    let (grant, _) = policy
        .break_glass(
            &edt,
            &pk("C1"),
            OverrideGround::LegalObligation,
            "court order",
            at(10, 0),
        )
        .unwrap();
    let grants = Grants {
        consents: vec![],
        overrides: vec![grant],
    };
    let view = net.view(&edt, &policy, &grants, at(11, 0));
    // (Leads first, then by role: DSL, police, other.)
    assert_eq!(
        team_ids(view.team_around(&pk("C1"))),
        ["I1", "I3", "I4", "I2"]
    );
}

#[test]
fn only_permitted_roles_with_a_reason_may_break_glass() {
    let net = network();
    let policy = policy();
    let t = at(10, 0);
    let tch = viewer(&net, "TCH1", "practitioner");
    assert!(matches!(
        policy.break_glass(&tch, &pk("C1"), OverrideGround::Safeguarding, "worried", t),
        Err(BreakGlassError::NotPermitted { .. })
    ));
    let edt = viewer(&net, "EDT1", "child_protection");
    assert_eq!(
        policy.break_glass(&edt, &pk("C1"), OverrideGround::Safeguarding, "  ", t),
        Err(BreakGlassError::NoReason)
    );
    let admin = Viewer::administrative("ops", Purpose::Audit);
    assert_eq!(
        policy.break_glass(&admin, &pk("C1"), OverrideGround::Safeguarding, "x", t),
        Err(BreakGlassError::NotAProfessional)
    );
    let mut no_time = policy.clone();
    no_time.break_glass_minutes = 0;
    assert!(matches!(
        no_time.break_glass(&edt, &pk("C1"), OverrideGround::Safeguarding, "x", t),
        Err(BreakGlassError::NoDuration { .. })
    ));
    // An override for a child the network does not hold gives away nothing either way.
    let (grant, _) = policy
        .break_glass(&edt, &pk("C9"), OverrideGround::Safeguarding, "x", t)
        .unwrap();
    assert_eq!(grant.until - grant.from, Duration::minutes(240));
}

#[test]
fn front_door_and_team_held_involvements() {
    let net = network();
    let (policy, grants) = (policy(), Grants::default());
    let mash = viewer(&net, "MASH1", "front_door");
    let view = net.view(&mash, &policy, &grants, at(10, 0));
    assert_eq!(team_ids(view.team_around(&pk("C1"))), ["I1", "I3"]);
    assert!(view.team_around(&pk("C2")).result.is_err());
    // PSY2's team holds the team-only involvement with M1: M1 is theirs to see.
    let psy2 = viewer(&net, "PSY2", "practitioner");
    let view = net.view(&psy2, &policy, &grants, at(10, 0));
    assert_eq!(team_ids(view.team_around(&pk("M1"))), ["I6"]);
    assert_eq!(view.decision_for(&pk("C1")), Decision::ExistenceOnly);
}

#[test]
fn administrative_reads_see_everything_and_are_logged_as_administrative() {
    let net = network();
    let grants = Grants::default();
    let admin = Viewer::administrative("nightly-gaps", Purpose::Analysis);
    let policy = policy();
    let view = net.view(&admin, &policy, &grants, at(2, 0));
    assert_eq!(
        team_ids(view.team_around(&pk("C1"))),
        ["I1", "I3", "I4", "I2"]
    );
    let read = view.team_around(&pk("C2"));
    assert_eq!(
        read.record.viewer.kind,
        ViewerKind::Administrative {
            operator: "nightly-gaps".into()
        }
    );
    assert_eq!(read.record.disclosed, [pk("C2")]);
    // Same answers as the network itself.
    assert_eq!(
        view.components().result.unwrap().len(),
        net.components(d(2026, 11, 27)).len()
    );
    // A policy that does not grant administrative access shows them nothing.
    let mut closed = policy.clone();
    closed.administrative = false;
    let view = net.view(&admin, &closed, &grants, at(2, 0));
    assert!(view.team_around(&pk("C1")).result.is_err());
    assert!(view.export().result.unwrap().persons.is_empty());
}

#[test]
fn the_default_policy_denies_everything() {
    let net = network();
    let grants = Grants::default();
    let policy = Policy::default();
    for v in [
        viewer(&net, "SW1", "practitioner"),
        viewer(&net, "MASH1", "front_door"),
        Viewer::administrative("ops", Purpose::Audit),
    ] {
        let view = net.view(&v, &policy, &grants, at(10, 0));
        for c in ["C1", "C2", "M1", "C3"] {
            let read = view.team_around(&pk(c));
            assert_eq!(
                read.result.unwrap_err(),
                Error::NotFound {
                    kind: EntityKind::Person,
                    key: format!("t:{c}")
                }
            );
            assert_eq!(read.record.outcome, Outcome::Denied);
        }
        let export = view.export().result.unwrap();
        assert!(export.persons.is_empty() && export.involvements.is_empty());
    }
}

#[test]
fn every_read_gives_one_record_naming_whose_records_reached_the_viewer() {
    let net = network();
    let (policy, grants) = (policy(), Grants::default());
    let sw1 = viewer(&net, "SW1", "practitioner").with_reason("review");
    let view = net.view(&sw1, &policy, &grants, at(10, 0));
    let r = view.family_network(&pk("C1")).record;
    assert_eq!(r.disclosed, [pk("C1"), pk("M1")]);
    assert_eq!(r.action, Action::FamilyNetwork { person: pk("C1") });
    assert_eq!(r.operation, Operation::Consult);
    assert_eq!(r.policy_version, "test-1");
    assert_eq!(r.viewer.reason.as_deref(), Some("review"));
    assert_eq!(r.at, at(10, 0));
    assert_eq!(r.as_of, d(2026, 11, 27));
    let r = view.export().record;
    assert_eq!(r.operation, Operation::Disclose);
    assert_eq!(r.disclosed, [pk("C1"), pk("M1")]);
    let r = view.caseload(&wk("NOBODY")).record;
    assert_eq!(r.outcome, Outcome::NotFound);
    // A record survives a JSON round trip for the store.
    let json = serde_json::to_string(&view.gaps().record).unwrap();
    let back: AccessRecord = serde_json::from_str(&json).unwrap();
    assert_eq!(back.action, Action::Gaps);
}

#[test]
fn a_diff_through_the_view_does_not_report_hidden_changes() {
    let older = network();
    let mut newer = older.clone();
    // The CAMHS involvement and the shielded child's allocation both end.
    newer
        .end_involvement(&InvolvementKey::new(S, "I2"), d(2026, 11, 20), None)
        .unwrap();
    newer
        .end_involvement(&InvolvementKey::new(S, "I5"), d(2026, 11, 20), None)
        .unwrap();
    newer
        .end_involvement(&InvolvementKey::new(S, "I3"), d(2026, 11, 20), None)
        .unwrap();
    let (policy, grants) = (policy(), Grants::default());
    let sw1 = viewer(&older, "SW1", "practitioner");
    let view = newer.view(&sw1, &policy, &grants, at(10, 0));
    let events = view.diff(&older).result.unwrap();
    let ended: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            ChangeEvent::InvolvementEnded { involvement, .. } => Some(involvement.id()),
            _ => None,
        })
        .collect();
    assert_eq!(ended, ["I3"]);
    assert_eq!(newer.diff(&older, d(2026, 11, 27)).len(), 3);
}

#[test]
fn no_introduction_is_routed_through_a_shielded_child() {
    let mut net = network();
    // FC1 is involved with the shielded C2 only.
    let mut fc = Professional::new(wk("FC1"), src());
    fc.agency = Some(ak("CSC"));
    net.add_professional(fc).unwrap();
    net.add_involvement(Involvement {
        key: InvolvementKey::new(S, "I10"),
        person: pk("C2"),
        professional: Some(wk("FC1")),
        team: None,
        role: Role::new("FSW", RoleCategory::FamilySupportWorker),
        period: Period::from(d(2026, 2, 1)),
        end_reason: None,
        sensitivity: Sensitivity::Standard,
        source: src(),
    })
    .unwrap();
    let today = d(2026, 11, 27);
    // On the bare network the teacher reaches FC1 through C1, SW1 and C2.
    let bare = net
        .connection_path(&wk("TCH1"), &wk("FC1"), today)
        .unwrap()
        .unwrap();
    assert_eq!(bare.len(), 2);
    assert_eq!(
        net.shared_children(&wk("SW1"), &wk("FC1"), today)
            .unwrap()
            .len(),
        1
    );
    // Through SW1's view there is no such path, and nothing shared.
    let (policy, grants) = (policy(), Grants::default());
    let sw1 = viewer(&net, "SW1", "practitioner");
    let view = net.view(&sw1, &policy, &grants, at(10, 0));
    let path = view.connection_path(&wk("TCH1"), &wk("FC1"));
    assert!(path.result.unwrap().is_none());
    assert!(path.record.disclosed.is_empty());
    assert!(
        view.shared_children(&wk("SW1"), &wk("FC1"))
            .result
            .unwrap()
            .is_empty()
    );
    // FC1's caseload is empty to SW1; FC1 is known (professionals are a directory).
    let caseload = view.caseload(&wk("FC1"));
    assert!(caseload.result.unwrap().is_empty());
    assert_eq!(caseload.record.outcome, Outcome::Full);
}

#[test]
fn a_search_finds_only_what_the_viewer_may_see() {
    let net = network();
    let (policy, grants) = (policy(), Grants::default());
    let sw2 = viewer(&net, "SW2", "practitioner");
    let view = net.view(&sw2, &policy, &grants, at(10, 0));
    // C1's NHS number: known, with the contact route, and nothing more.
    let read = view.search_nhs_number(&"9434765919".parse().unwrap());
    let hits = read.result.unwrap();
    assert_eq!(hits.len(), 1);
    assert!(matches!(&hits[0], Viewed::ExistenceOnly(k) if k.person == pk("C1")));
    assert_eq!(read.record.outcome, Outcome::ExistenceOnly);
    assert_eq!(read.record.disclosed, [pk("C1")]);
    // SW1 sees C1 in full.
    let sw1 = viewer(&net, "SW1", "practitioner");
    let view = net.view(&sw1, &policy, &grants, at(10, 0));
    let hits = view
        .search_nhs_number(&"9434765919".parse().unwrap())
        .result
        .unwrap();
    assert!(matches!(&hits[0], Viewed::Full(p) if p.given_name.as_deref() == Some("NameC1")));
}

#[test]
fn a_diff_shows_nothing_about_a_child_the_viewer_no_longer_sees() {
    let older = network();
    let mut newer = older.clone();
    // SW1's allocation to C1 ends: under the newer network SW1 is no longer involved.
    newer
        .end_involvement(&InvolvementKey::new(S, "I1"), d(2026, 11, 20), None)
        .unwrap();
    newer
        .end_involvement(&InvolvementKey::new(S, "I3"), d(2026, 11, 20), None)
        .unwrap();
    let (policy, grants) = (policy(), Grants::default());
    let sw1 = viewer(&older, "SW1", "practitioner");
    let view = newer.view(&sw1, &policy, &grants, at(10, 0));
    assert_eq!(view.decision_for(&pk("C1")), Decision::ExistenceOnly);
    let read = view.diff(&older);
    assert!(read.result.unwrap().is_empty());
    assert!(read.record.disclosed.is_empty());
    // The bare diff has both ends, C1's lead change, and C1 (open CIN) left without an
    // allocated social worker.
    assert_eq!(newer.diff(&older, d(2026, 11, 27)).len(), 4);
}
