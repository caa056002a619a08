//! A hand-written extract of one family, with every answer worked out by hand, read as
//! LCS, Mosaic and Eclipse would write it.

use std::collections::HashMap;

mod common;
use common::{eclipse_tables, lcs_tables, mosaic_tables, rewrite};

use chrono::NaiveDate;
use patchwork_adapters::report::{ProblemKind, Severity};
use patchwork_adapters::ssd::{Flavour, SsdImport, SsdOptions, import_tables};
use patchwork_core::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn load(tables: &HashMap<String, Vec<u8>>, flavour: Flavour) -> SsdImport {
    let mut options = SsdOptions::new(flavour);
    options.system = "la".into();
    import_tables(tables, &options).unwrap()
}

fn pk(id: &str) -> PersonKey {
    PersonKey::new("la", id)
}

fn team_summary(
    net: &Network,
    child: &str,
    as_of: NaiveDate,
) -> Vec<(String, String, RoleCategory, Option<NaiveDate>, bool)> {
    net.team_around(&pk(child), as_of)
        .unwrap()
        .members
        .iter()
        .map(|m| {
            (
                m.professional
                    .map_or_else(|| "(team only)".to_owned(), |p| p.key.id().to_owned()),
                m.involvement.role_code().to_owned(),
                m.involvement.role(),
                m.involvement.period().start,
                m.lead,
            )
        })
        .collect()
}

#[test]
fn lcs_family_of_four_has_the_teams_worked_out_by_hand() {
    let SsdImport {
        network: net,
        report,
    } = load(&lcs_tables(), Flavour::Lcs);
    let day = d(2025, 3, 1);

    // M: looked after, so her allocated social worker leads; the IRO and the personal adviser are there too.
    assert_eq!(
        team_summary(&net, "M", day),
        [
            (
                "5001".into(),
                "CW".into(),
                RoleCategory::AllocatedSocialWorker,
                Some(d(2024, 3, 1)),
                true
            ),
            (
                "5002".into(),
                "IRO".into(),
                RoleCategory::IndependentReviewingOfficer,
                Some(d(2024, 3, 22)),
                false
            ),
            (
                "5004".into(),
                "PA".into(),
                RoleCategory::PersonalAdviser,
                None,
                false
            ),
        ]
    );
    let m_team = net.team_around(&pk("M"), day).unwrap();
    assert_eq!(m_team.lead_basis, LeadBasis::AllocatedSocialWorker);
    assert_eq!(m_team.members[0].team.unwrap().name, "Locality 2 Unit 1");
    assert_eq!(
        m_team.members[0].agency.unwrap().kind,
        AgencyKind::ChildrensSocialCare
    );
    assert_eq!(m_team.members[2].team.unwrap().name, "Leaving Care");
    // The 1900-01-01 end date means open.
    assert_eq!(m_team.members[0].involvement.period().end, None);
    assert_eq!(
        m_team.members[0].involvement.end_reason(),
        Some(&EndReason::Dfe(SwChangeReason::FirstContact))
    );

    // B: on a CP plan; Jo Duty handed over to Alex on 1 Feb 2025; the ICPC is an activity, not a member.
    assert_eq!(
        team_summary(&net, "B", day),
        [(
            "5001".into(),
            "CW".into(),
            RoleCategory::AllocatedSocialWorker,
            Some(d(2025, 2, 1)),
            true
        )]
    );
    assert_eq!(
        team_summary(&net, "B", d(2025, 1, 31)),
        [(
            "5003".into(),
            "CW".into(),
            RoleCategory::AllocatedSocialWorker,
            Some(d(2024, 12, 1)),
            true
        )]
    );
    let changes = net
        .worker_changes(&pk("B"), d(2024, 4, 1), d(2025, 4, 1))
        .unwrap();
    assert_eq!(changes.count, 1);
    assert_eq!(changes.changes[0].reason.unwrap().to_string(), "LEFTRL");
    let who: Vec<_> = net
        .worked_with(&pk("B"))
        .unwrap()
        .iter()
        .map(|w| {
            (
                w.professional.key.id().to_owned(),
                w.involvements,
                w.activities,
            )
        })
        .collect();
    assert_eq!(
        who,
        [("5003".to_owned(), 1, 2), ("5001".to_owned(), 1, 0)],
        "5003 took the referral, ran the ICPC and was allocated"
    );

    // S1: early help, led by the early help worker.
    assert_eq!(
        team_summary(&net, "S1", day),
        [(
            "5005".into(),
            "EARLY_HELP".into(),
            RoleCategory::LeadPractitioner,
            Some(d(2025, 2, 1)),
            true
        )]
    );
    // S2: only bad rows named S2, plus one team-only involvement with an unknown code.
    assert_eq!(
        team_summary(&net, "S2", day),
        [(
            "(team only)".into(),
            "KASCHO".into(),
            RoleCategory::Other,
            Some(d(2025, 1, 1)),
            false
        )]
    );

    // Persons, identifiers and family.
    let m = net.person(&pk("M")).unwrap();
    assert_eq!(m.nhs_number.unwrap().to_string(), "9434765919");
    assert_eq!(m.upn.unwrap().as_str(), "A123456789012");
    assert_eq!(m.birth_date, Some(d(2008, 5, 4)));
    assert_eq!(m.sex, Some(Sex::Female));
    assert_eq!(
        m.postcode.as_deref(),
        Some("ZZ9 9ZZ"),
        "the open address is the current one"
    );
    assert_eq!(
        net.person(&pk("B")).unwrap().nhs_number,
        None,
        "B's NHS number row was invalid"
    );
    assert_eq!(
        net.person(&pk("S1")).unwrap().other_identifiers[0].value,
        "CN-77"
    );
    let family = net.family_network(&pk("B"), day).unwrap();
    let relatives: Vec<_> = family
        .relatives
        .iter()
        .map(|r| (r.person.key.id(), r.links.len()))
        .collect();
    assert_eq!(
        relatives,
        [("M", 2), ("S1", 1), ("S2", 1)],
        "M shares the household and is B's mother"
    );
    assert_eq!(net.components(day)[0].persons.len(), 4);

    // Gaps: B is on a plan with no health professional.
    let gaps: Vec<_> = net
        .gaps(day)
        .iter()
        .map(|g| (g.person.key.id().to_owned(), g.kind))
        .collect();
    assert_eq!(gaps, [("B".to_owned(), GapKind::NoHealthProfessional)]);

    // A professional's department names their team when one team has that name.
    let team_of = |id: &str| {
        net.professional(&ProfessionalKey::new("la", id))
            .unwrap()
            .team
            .as_ref()
            .map(|t| t.id().to_owned())
    };
    assert_eq!(team_of("5001"), Some("301".to_owned()));
    assert_eq!(team_of("5004"), Some("302".to_owned()));
    assert_eq!(team_of("5002"), None, "no team is called Safeguarding");
    // Safeguarding, Duty and Early Help name no team: one warning each.
    let unmatched = report
        .problems
        .iter()
        .filter(|p| p.column.as_deref() == Some("prof_professional_department"))
        .count();
    assert_eq!(unmatched, 3);

    // Provenance points at the row.
    let inv = net
        .involvement(&InvolvementKey::new("la", "900003"))
        .unwrap();
    assert_eq!(inv.source().file_name(), Some("ssd_involvements.csv"));
    assert_eq!(inv.source().row_number(), Some(4));

    // The report: five bad involvement rows, one bad identifier, with lines and columns.
    let invo = &report.files["ssd_involvements.csv"];
    assert_eq!((invo.rows, invo.loaded, invo.quarantined), (9, 5, 4));
    let bad: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Quarantined)
        .map(|p| (p.file.as_str(), p.line, p.column.as_deref(), p.kind))
        .collect();
    assert_eq!(
        bad,
        [
            (
                "ssd_linked_identifiers.csv",
                Some(3),
                Some("link_identifier_value"),
                ProblemKind::InvalidNhsNumber
            ),
            (
                "ssd_involvements.csv",
                Some(6),
                None,
                ProblemKind::UnknownReference
            ),
            (
                "ssd_involvements.csv",
                Some(7),
                Some("invo_involvement_start_date"),
                ProblemKind::BadDate
            ),
            (
                "ssd_involvements.csv",
                Some(8),
                Some("invo_involvement_end_date"),
                ProblemKind::EndBeforeStart
            ),
            (
                "ssd_involvements.csv",
                Some(9),
                None,
                ProblemKind::DuplicateId
            ),
        ]
    );
    let warnings: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Warning)
        .map(|p| (p.file.as_str(), p.kind))
        .collect();
    assert!(warnings.contains(&("ssd_involvements.csv", ProblemKind::UnknownColumn)));
    assert!(
        warnings.contains(&("ssd_involvements.csv", ProblemKind::UnknownCode)),
        "KASCHO is not in the default map"
    );
    assert!(
        warnings.contains(&("ssd_department.csv", ProblemKind::UnknownReference)),
        "parent team 30 is not in the file"
    );
    assert!(warnings.contains(&("ssd_cin_assessments.csv", ProblemKind::MissingTable)));
    // No identifying value leaks into the report.
    for p in &report.problems {
        assert!(!p.message.contains("943476591"), "{p}");
    }
}

#[test]
fn mosaic_layout_finds_children_through_referrals_and_teams_by_name() {
    let t = mosaic_tables();
    let SsdImport {
        network: net,
        report,
    } = load(&t, Flavour::Mosaic);
    let day = d(2025, 3, 1);
    // The involvements with a referral id find their child; those without cannot.
    let m = net.team_around(&pk("M"), day).unwrap();
    assert_eq!(m.members.len(), 3);
    assert_eq!(m.members[0].involvement.role_code(), "Allocated Worker");
    assert_eq!(
        m.members[0].involvement.role(),
        RoleCategory::AllocatedSocialWorker
    );
    assert_eq!(m.members[0].team.unwrap().name, "Locality Two");
    assert!(m.members[0].professional.unwrap().name.is_none());
    assert_eq!(
        net.team_around(&pk("B"), day)
            .unwrap()
            .lead()
            .unwrap()
            .professional
            .unwrap()
            .key
            .id(),
        "5001"
    );
    let invo = &report.files["ssd_involvements.csv"];
    assert_eq!((invo.rows, invo.loaded), (9, 4));
    assert!(report.problems.iter().any(|p| p.line == Some(6)
        && p.kind == ProblemKind::MissingValue
        && p.file == "ssd_involvements.csv"));
    // A missing ssd_family is normal for Mosaic and not reported.
    assert!(!report.problems.iter().any(|p| p.file == "ssd_family.csv"));
}

#[test]
fn eclipse_layout_with_empty_professional_attributes() {
    let t = eclipse_tables();
    let SsdImport { network: net, .. } = load(&t, Flavour::Eclipse);
    let w = net
        .professional(&ProfessionalKey::new("la", "5001"))
        .unwrap();
    assert_eq!(
        (
            w.name.as_deref(),
            w.job_title.as_deref(),
            w.registration_number.as_deref()
        ),
        (None, None, None)
    );
    assert_eq!(net.team_around(&pk("M"), d(2025, 3, 1)).unwrap().len(), 3);
}

#[test]
fn column_order_does_not_matter() {
    let mut t = lcs_tables();
    // Reverse the columns of every table.
    for name in t.keys().cloned().collect::<Vec<_>>() {
        let text = String::from_utf8(t[&name].clone()).unwrap();
        let out: String = text
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(|l| {
                l.trim_start_matches('\u{feff}')
                    .split(',')
                    .rev()
                    .collect::<Vec<_>>()
                    .join(",")
                    + "\n"
            })
            .collect();
        t.insert(name, out.into_bytes());
    }
    let reversed = load(&t, Flavour::Lcs).network;
    let original = load(&lcs_tables(), Flavour::Lcs).network;
    assert!(reversed.diff(&original, d(2025, 3, 1)).is_empty());
    assert_eq!(reversed.involvement_count(), original.involvement_count());
    assert_eq!(reversed.person(&pk("M")), original.person(&pk("M")));
}

#[test]
fn a_missing_required_column_fails_the_import() {
    let mut t = lcs_tables();
    rewrite(
        &mut t,
        "ssd_involvements",
        &["invo_involvements_id"],
        |_, v| v,
    );
    let mut options = SsdOptions::new(Flavour::Lcs);
    options.system = "la".into();
    let err = import_tables(&t, &options).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ssd_involvements.csv: required column invo_involvements_id is missing"
    );
    t.remove("ssd_person");
    assert!(import_tables(&t, &options).is_err());
}

#[test]
fn a_quarantined_row_leaves_nothing_behind() {
    let mut t = lcs_tables();
    t.insert(
        "ssd_cin_episodes".into(),
        b"cine_referral_id,cine_person_id,cine_referral_date,cine_referral_team,cine_referral_worker_id\nR1,S2,2024-01-01,999,\nR2,S2,2024-01-01,,NOBODY\n".to_vec(),
    );
    t.insert(
        "ssd_early_help_episodes".into(),
        b"earl_episode_id,earl_person_id,earl_episode_start_date,earl_episode_worker_id\nEH9,S2,2024-01-01,NOBODY\n".to_vec(),
    );
    let SsdImport {
        network: net,
        report,
    } = load(&t, Flavour::Lcs);
    assert!(
        net.episodes_of(&pk("S2")).unwrap().is_empty(),
        "no episode from a quarantined row"
    );
    assert!(net.activities_of(&pk("S2")).unwrap().is_empty());
    let cin = &report.files["ssd_cin_episodes.csv"];
    assert_eq!((cin.loaded, cin.quarantined), (0, 2));
    let located: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::UnknownReference && p.severity == Severity::Quarantined)
        .map(|p| (p.file.as_str(), p.line, p.column.as_deref()))
        .collect();
    assert!(located.contains(&("ssd_cin_episodes.csv", Some(2), Some("cine_referral_team"))));
    assert!(located.contains(&(
        "ssd_cin_episodes.csv",
        Some(3),
        Some("cine_referral_worker_id")
    )));
    assert!(located.contains(&(
        "ssd_early_help_episodes.csv",
        Some(2),
        Some("earl_episode_worker_id")
    )));
}
