//! The partner-agency feed against a small hand-built network.

use chrono::NaiveDate;
use patchwork_adapters::agency::{FeedOptions, import_feed_reader};
use patchwork_adapters::report::{ProblemKind, Severity};
use patchwork_core::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Three children known to the council (system `lcs`):
/// - C1 with NHS number 9434765919 and UPN A123456789012;
/// - C2 with UPN R93820120012C only;
/// - C3 and C4 sharing NHS number 4010232137 (a duplicate the council has not resolved).
fn council() -> Network {
    let mut net = Network::new();
    let src = Source::system("lcs");
    let mut add = |id: &str, nhs: Option<&str>, upn: Option<&str>| {
        let mut p = Person::new(PersonKey::new("lcs", id), PersonKind::Child, src.clone());
        p.nhs_number = nhs.map(|n| n.parse().unwrap());
        p.upn = upn.map(|u| u.parse().unwrap());
        net.add_person(p).unwrap();
    };
    add("C1", Some("9434765919"), Some("A123456789012"));
    add("C2", None, Some("R93820120012C"));
    add("C3", Some("4010232137"), None);
    add("C4", Some("4010232137"), None);
    net
}

const HEADER: &str = "record_id,agency_id,agency_name,agency_kind,team_id,team_name,professional_id,professional_name,role_code,role_category,child_nhs_number,child_upn,child_la_id,child_given_name,start_date,end_date,sensitivity";

fn feed(rows: &[&str]) -> String {
    let mut text = HEADER.to_owned() + "\n";
    for r in rows {
        text += r;
        text += "\n";
    }
    text
}

fn import(net: &mut Network, rows: &[&str]) -> patchwork_adapters::report::ImportReport {
    import_feed_reader(
        net,
        "feed.csv",
        feed(rows).as_bytes(),
        &FeedOptions::new("lcs"),
    )
    .unwrap()
}

fn who(net: &Network, child: &str) -> Vec<String> {
    net.team_around(&PersonKey::new("lcs", child), d(2025, 3, 1))
        .unwrap()
        .members
        .iter()
        .map(|m| m.involvement.key().to_string())
        .collect()
}

#[test]
fn each_identifier_matches_in_turn() {
    let mut net = council();
    let report = import(
        &mut net,
        &[
            "r1,nhs-rxx,North Trust,health,hv-n,HV North,P1,Robin,HV,,943 476 5919,,,Ann,2025-01-06,,",
            "r2,school-1,Hill School,education,,,T9,Dana,DSL,,,R93820120012C,,Bo,2024-09-02,,",
            "r3,police-1,Police,police,,,PC4,Kit,OIC,police,,,C1,,2025-02-01,,restricted",
            // Invalid NHS number, but a valid UPN that finds C1.
            "r4,school-1,Hill School,education,,,T9,Dana,DSL,,9434765918,A123456789012,,,2024-09-02,,",
        ],
    );
    assert_eq!(report.files["feed.csv"].loaded, 4);
    // Ordered by role: health visitor, designated safeguarding lead, police.
    assert_eq!(
        who(&net, "C1"),
        ["nhs-rxx:r1", "school-1:r4", "police-1:r3"]
    );
    assert_eq!(who(&net, "C2"), ["school-1:r2"]);
    let links: Vec<_> = net
        .identity_links_of(&PersonKey::new("lcs", "C1"))
        .unwrap()
        .iter()
        .map(|l| (l.record.to_string(), l.matched_on, l.source.row_number()))
        .collect();
    assert_eq!(
        links,
        [
            ("nhs-rxx:r1".to_owned(), MatchedOn::NhsNumber, Some(2)),
            ("police-1:r3".to_owned(), MatchedOn::LaPersonId, Some(4)),
            ("school-1:r4".to_owned(), MatchedOn::Upn, Some(5)),
        ]
    );
    // The invalid NHS number is reported as a warning on its line and column.
    let bad_nhs: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::InvalidNhsNumber)
        .collect();
    assert_eq!(bad_nhs.len(), 1);
    assert_eq!(
        (
            bad_nhs[0].line,
            bad_nhs[0].column.as_deref(),
            bad_nhs[0].severity
        ),
        (Some(5), Some("child_nhs_number"), Severity::Warning)
    );

    // Agencies, teams and professionals came with the rows.
    let hv = net
        .involvement(&InvolvementKey::new("nhs-rxx", "r1"))
        .unwrap();
    assert_eq!(
        hv.role(),
        RoleCategory::HealthVisitor,
        "HV mapped through the default role map"
    );
    assert_eq!(hv.professional().unwrap().name.as_deref(), Some("Robin"));
    let team = net
        .team_around(&PersonKey::new("lcs", "C1"), d(2025, 3, 1))
        .unwrap();
    let hv_member = team
        .members
        .iter()
        .find(|m| m.involvement.same_as(&hv))
        .unwrap();
    assert_eq!(hv_member.team.unwrap().name, "HV North");
    assert_eq!(hv_member.agency.unwrap().kind, AgencyKind::Health);
    let police = net
        .involvement(&InvolvementKey::new("police-1", "r3"))
        .unwrap();
    assert_eq!(
        (police.role(), police.sensitivity()),
        (RoleCategory::Police, Sensitivity::Restricted)
    );
    // The CP gap rule sees the health visitor as a health professional.
    assert!(
        hv_member
            .agency
            .is_some_and(|a| a.kind == AgencyKind::Health)
    );
}

#[test]
fn rows_that_match_nobody_or_several_are_reported_not_guessed() {
    let mut net = council();
    let before = net.involvement_count();
    let report = import(
        &mut net,
        &[
            // Nobody has this NHS number (valid check digit).
            "u1,gp-1,Surgery,health,,,G1,Dr A,GP,gp,9876543210,,,Ann,2025-01-01,,",
            // Two persons share this NHS number.
            "u2,gp-1,Surgery,health,,,G1,Dr A,GP,gp,4010232137,,,,2025-01-01,,",
            // NHS number says C1, UPN says C2.
            "u3,gp-1,Surgery,health,,,G1,Dr A,GP,gp,9434765919,R93820120012C,,,2025-01-01,,",
            // No identifiers at all; a name and date of birth are not used.
            "u4,gp-1,Surgery,health,,,G1,Dr A,GP,gp,,,,Ann,2025-01-01,,",
            // Unknown council id.
            "u5,gp-1,Surgery,health,,,G1,Dr A,GP,gp,,,C99,,2025-01-01,,",
        ],
    );
    assert_eq!(net.involvement_count(), before);
    assert_eq!(report.count(ProblemKind::Unmatched), 5);
    let lines: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::Unmatched)
        .map(|p| p.line.unwrap())
        .collect();
    assert_eq!(lines, [2, 3, 4, 5, 6]);
    let counts = &report.files["feed.csv"];
    assert_eq!((counts.rows, counts.loaded, counts.quarantined), (5, 0, 5));
    assert!(net.identity_links().len() == 0);
    for p in &report.problems {
        assert!(
            !p.message.contains("9876543210") && !p.message.contains("Ann"),
            "{p}"
        );
    }
}

#[test]
fn row_problems_are_located_and_the_rest_loads() {
    let mut net = council();
    let report = import(
        &mut net,
        &[
            "b1,gp-1,Surgery,health,,,G1,Dr A,GP,gp,9434765919,,,,2025-13-01,,",
            "b2,gp-1,Surgery,health,,,G1,Dr A,GP,gp,9434765919,,,,2025-03-01,2025-02-01,",
            "b3,gp-1,Surgery,wizardry,,,G1,Dr A,GP,gp,9434765919,,,,2025-01-01,,",
            "b4,gp-1,Surgery,health,,,,,GP,gp,9434765919,,,,2025-01-01,,",
            "b5,gp-1,Surgery,health,,,G1,Dr A,GP,gp,9434765919,,,,2025-01-01,,",
            "b5,gp-1,Surgery,health,,,G1,Dr A,GP,gp,9434765919,,,,2025-01-01,,",
            "b6,gp-1,Surgery,health,,,G1,Dr A,GP,gp,9434765919,,,,2025-01-01,,secret",
        ],
    );
    let got: Vec<_> = report
        .problems
        .iter()
        .map(|p| (p.line.unwrap(), p.column.clone(), p.kind))
        .collect();
    assert_eq!(
        got,
        [
            (2, Some("start_date".to_owned()), ProblemKind::BadDate),
            (3, Some("end_date".to_owned()), ProblemKind::EndBeforeStart),
            (4, Some("agency_kind".to_owned()), ProblemKind::UnknownCode),
            (5, None, ProblemKind::MissingValue),
            (8, Some("sensitivity".to_owned()), ProblemKind::UnknownCode),
            (7, None, ProblemKind::DuplicateId),
        ]
    );
    assert_eq!(who(&net, "C1"), ["gp-1:b5"]);
}

#[test]
fn a_structurally_broken_feed_changes_nothing() {
    let mut net = council();
    let options = FeedOptions {
        limits: patchwork_adapters::table::Limits {
            max_record_bytes: 1024,
            ..Default::default()
        },
        ..FeedOptions::new("lcs")
    };
    let mut text = feed(&["ok1,gp-1,Surgery,health,,,G1,Dr A,GP,gp,9434765919,,,,2025-01-01,,"]);
    text += "ok2,gp-1,\"an unclosed quote";
    text += &"x".repeat(100_000);
    let err = import_feed_reader(&mut net, "feed.csv", text.as_bytes(), &options).unwrap_err();
    assert!(err.to_string().contains("feed.csv:3"), "{err}");
    assert_eq!(
        net.involvement_count(),
        0,
        "the good first row was not loaded either"
    );
    let missing = import_feed_reader(
        &mut net,
        "f.csv",
        "record_id,agency_id\n".as_bytes(),
        &options,
    )
    .unwrap_err();
    assert_eq!(
        missing.to_string(),
        "f.csv: required column role_code is missing"
    );
}

// ----- several files, read at the same time -------------------------------------------------

mod common;

/// Everything a network holds, in the order it holds it (provenance included).
fn everything(net: &Network) -> Vec<String> {
    let mut all = Vec::new();
    all.extend(net.agencies().map(|r| format!("{r:?}")));
    all.extend(net.teams().map(|r| format!("{r:?}")));
    all.extend(net.professionals().map(|r| format!("{r:?}")));
    all.extend(net.involvements().map(|r| format!("{r:?}")));
    all.extend(net.identity_links().map(|r| format!("{r:?}")));
    all
}

fn sequential(base: &Network, paths: &[std::path::PathBuf]) -> (Network, String) {
    let mut net = base.clone();
    let mut report = patchwork_adapters::report::ImportReport::default();
    for p in paths {
        report.merge(
            patchwork_adapters::agency::import_feed(&mut net, p, &FeedOptions::new("lcs")).unwrap(),
        );
    }
    (net, serde_json::to_string(&report).unwrap())
}

fn parallel(base: &Network, paths: &[std::path::PathBuf], threads: usize) -> (Network, String) {
    let mut net = base.clone();
    let mut order = Vec::new();
    let report = patchwork_adapters::agency::import_feeds(
        &mut net,
        paths,
        &FeedOptions::new("lcs"),
        threads,
        &mut |path, _| order.push(path.to_owned()),
    )
    .unwrap();
    assert_eq!(order, paths, "files are added in the order given");
    (net, serde_json::to_string(&report).unwrap())
}

#[test]
fn feeds_read_at_the_same_time_give_what_reading_them_in_turn_gives() {
    let dir = common::TempDir::new("feeds-parallel");
    let council = patchwork_adapters::synthetic::generate_sizes(
        patchwork_adapters::synthetic::Sizes {
            persons: 1_500,
            involvements: 9_000,
            professionals: 150,
        },
        23,
    );
    patchwork_adapters::synthetic::write_council(&council, &dir.0).unwrap();
    let ssd = patchwork_adapters::ssd::import_dir(
        &dir.0.join("ssd"),
        &patchwork_adapters::ssd::SsdOptions::new(patchwork_adapters::ssd::Flavour::Lcs),
    )
    .unwrap();
    let mut paths: Vec<_> = std::fs::read_dir(dir.0.join("agency"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert!(paths.len() > 5, "{paths:?}");
    let (one, one_report) = sequential(&ssd.network, &paths);
    assert!(one.involvement_count() > ssd.network.involvement_count());
    for threads in [1, 2, 3] {
        let (many, many_report) = parallel(&ssd.network, &paths, threads);
        assert_eq!(everything(&many), everything(&one), "{threads} threads");
        assert_eq!(many_report, one_report, "{threads} threads");
    }
}

#[test]
fn the_first_file_in_order_describes_an_agency_two_files_name() {
    let dir = common::TempDir::new("feeds-first");
    // Both files name agency HV1, its team T1 and professional P1, differently.
    let a = feed(&[
        "R1,HV1,Alpha health visiting,health,T1,Alpha team,P1,Ann Alpha,HV,health_visitor,9434765919,,,,2025-01-01,,standard",
    ]);
    let b = feed(&[
        "R2,HV1,Beta health visiting,health,T1,Beta team,P1,Bea Beta,HV,health_visitor,,R93820120012C,,,2025-01-02,,standard",
    ]);
    let paths = [dir.0.join("a.csv"), dir.0.join("b.csv")];
    std::fs::write(&paths[0], a).unwrap();
    std::fs::write(&paths[1], b).unwrap();
    let (one, one_report) = sequential(&council(), &paths);
    let (many, many_report) = parallel(&council(), &paths, 2);
    assert_eq!(everything(&many), everything(&one));
    assert_eq!(many_report, one_report);
    // Worked out by hand: file a comes first, so its names stand; both rows load.
    assert_eq!(
        many.agency(&AgencyKey::new("HV1", "agency")).unwrap().name,
        "Alpha health visiting"
    );
    assert_eq!(
        many.team(&TeamKey::new("HV1", "T1")).unwrap().name,
        "Alpha team"
    );
    assert_eq!(
        many.professional(&ProfessionalKey::new("HV1", "P1"))
            .unwrap()
            .name
            .as_deref(),
        Some("Ann Alpha")
    );
    assert_eq!(many.involvement_count(), 2, "both rows load: {many_report}");
}
