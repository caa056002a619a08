//! SSDA903 import: a hand-built return checked field by field, the corpus fake return,
//! and hostile input.

mod common;

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use patchwork_adapters::report::{ProblemKind, Severity};
use patchwork_adapters::ssda903::{
    CollectionYear, ImportOptions, Ssda903Error, Ssda903Import, import_dir, import_files,
};
use patchwork_adapters::table::{Limits, TableError};
use patchwork_core::{
    EndReason, EpisodeDetail, EpisodeKey, Period, PersonKey, ProfessionalKey, RoleCategory, Sex,
    SwChangeReason,
};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The validator's fake return: the corpus sits beside the clone (`../shared`), or two
/// levels up from a worktree.
fn fake_data() -> std::path::PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["../../shared", "../../../shared"]
        .iter()
        .map(|up| {
            manifest
                .join(up)
                .join("corpus/csc-validator-be-903/tests/fake_data")
        })
        .find(|p| p.is_dir())
        .expect("the corpus is beside the clone")
}

/// (file, line, column, kind) of every problem but the warnings about absent files.
fn located(im: &Ssda903Import) -> Vec<(&str, Option<u64>, Option<&str>, ProblemKind)> {
    im.report
        .problems
        .iter()
        .filter(|p| p.kind != ProblemKind::MissingTable)
        .map(|p| (p.file.as_str(), p.line, p.column.as_deref(), p.kind))
        .collect()
}

/// The row counts of the file whose path ends with `name`.
fn counts<'a>(im: &'a Ssda903Import, name: &str) -> &'a patchwork_adapters::report::FileCounts {
    let suffix = format!("/{name}");
    im.report
        .files
        .iter()
        .find(|(f, _)| f.ends_with(&suffix) || f.as_str() == name)
        .map(|(_, c)| c)
        .unwrap_or_else(|| panic!("no counts for {name}"))
}

fn files(pairs: &[(&str, &str)]) -> HashMap<String, Vec<u8>> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect()
}

fn import(pairs: &[(&str, &str)]) -> Ssda903Import {
    import_files(&files(pairs), &ImportOptions::new("la")).expect("imports")
}

const HEADER: &str = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\n\
FK1001,F,14/02/2012,WBRI,UN2,0,\r\n\
FK1002,M,01/09/2008,MWBC,,,\r\n";

const EPISODES: &str = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\r\n\
FK1001,03/05/2024,S,C1,N1,U4,PR1,10/09/2024,X1,,ZZ1 1AA,ZZ2 2BB,SC999999\r\n\
FK1001,10/09/2024,L,C2,N1,U4,PR1,,,,ZZ1 1AA,ZZ2 2BB,SC999999\r\n\
FK1002,20/01/2025,S,V2,N4,K2,PR3,,,,,,\r\n";

const SW: &str = "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\r\n\
FK1001,14/02/2012,SW123456,01/04/2024,15/10/2024,FCONTA\r\n\
FK1001,14/02/2012,SW654321,15/10/2024,,LEFTRL\r\n\
FK1002,01/09/2008,SW123456,20/01/2025,,TSPROC\r\n";

/// The return of csc-formats.md 2.3, extended by a second child: every value checked by
/// hand against the rows above.
#[test]
fn a_hand_built_return_loads_field_by_field() {
    let im = import(&[
        ("header", HEADER),
        ("episodes", EPISODES),
        ("sw_episodes", SW),
        (
            "reviews",
            "CHILD,DOB,REVIEW,REVIEW_CODE\nFK1001,14/02/2012,31/05/2024,PN1\n",
        ),
        (
            "missing",
            "CHILD,DOB,MISSING,MIS_START,MIS_END\nFK1001,14/02/2012,M,02/11/2024,03/11/2024\n",
        ),
        (
            "uasc",
            "CHILD,SEX,DOB,DUC\nFK1002,M,01/09/2008,01/09/2026\n",
        ),
    ]);
    assert_eq!(im.report.quarantined(), 0, "{:?}", im.report.problems);
    let net = &im.network;
    assert_eq!(net.person_count(), 2);

    let girl = net.person(&PersonKey::new("la", "FK1001")).unwrap();
    assert_eq!(girl.sex, Some(Sex::Female));
    assert_eq!(girl.birth_date, Some(d(2012, 2, 14)));
    assert_eq!(girl.ethnicity.as_deref(), Some("WBRI"));
    assert_eq!(girl.upn, None);
    let facts = girl.looked_after.as_deref().unwrap();
    assert_eq!(facts.upn_as_given.as_deref(), Some("UN2"));
    assert_eq!(facts.mother, Some(false));
    assert_eq!(facts.reviews.len(), 1);
    assert_eq!(facts.reviews[0].date, d(2024, 5, 31));
    assert_eq!(facts.reviews[0].participation.as_deref(), Some("PN1"));
    assert_eq!(facts.missing[0].kind, "M");
    assert_eq!(
        (facts.missing[0].start, facts.missing[0].end),
        (d(2024, 11, 2), Some(d(2024, 11, 3)))
    );
    // FCONTA on the first worker is what a first episode implies: nothing stored.
    assert!(
        facts.worker_changes.is_empty(),
        "{:?}",
        facts.worker_changes
    );

    let first = net
        .episode(&EpisodeKey::new("la", "episodes/FK1001/2024-05-03"))
        .unwrap();
    assert_eq!(
        first.period,
        Period::new(Some(d(2024, 5, 3)), Some(d(2024, 9, 10))).unwrap()
    );
    let EpisodeDetail::LookedAfter {
        legal_status,
        placement,
        care,
    } = &first.detail
    else {
        panic!("not looked after")
    };
    assert_eq!(legal_status.as_deref(), Some("C1"));
    assert_eq!(placement.as_deref(), Some("U4"));
    let care = care.as_deref().unwrap();
    assert_eq!(care.reason_new_episode.as_deref(), Some("S"));
    assert_eq!(care.category_of_need.as_deref(), Some("N1"));
    assert_eq!(care.placement_provider.as_deref(), Some("PR1"));
    assert_eq!(care.reason_ceased.as_deref(), Some("X1"));
    assert_eq!(care.reason_place_change, None);
    assert_eq!(care.home_postcode.as_deref(), Some("ZZ1 1AA"));
    assert_eq!(care.placement_postcode.as_deref(), Some("ZZ2 2BB"));
    assert_eq!(care.urn.as_deref(), Some("SC999999"));
    assert_eq!(first.source.file_name(), Some("episodes.csv"));
    assert_eq!(first.source.row_number(), Some(2));
    let second = net
        .episode(&EpisodeKey::new("la", "episodes/FK1001/2024-09-10"))
        .unwrap();
    assert_eq!(second.period, Period::from(d(2024, 9, 10)));

    // Social workers: the second episode's LEFTRL is why the first worker's ended.
    let mut sws: Vec<_> = net
        .involvements()
        .filter(|i| i.person().key == PersonKey::new("la", "FK1001"))
        .map(|i| i.to_record())
        .collect();
    sws.sort_by_key(|i| i.period.start);
    assert_eq!(sws.len(), 2);
    assert!(
        sws.iter()
            .all(|i| i.role.category == RoleCategory::AllocatedSocialWorker)
    );
    assert_eq!(
        sws[0].professional,
        Some(ProfessionalKey::new("la", "SW123456"))
    );
    assert_eq!(
        sws[0].period,
        Period::new(Some(d(2024, 4, 1)), Some(d(2024, 10, 15))).unwrap()
    );
    assert_eq!(
        sws[0].end_reason,
        Some(EndReason::Dfe(SwChangeReason::LeftRole))
    );
    assert_eq!(sws[1].period, Period::from(d(2024, 10, 15)));
    assert_eq!(sws[1].end_reason, None);
    assert_eq!(sws[0].source.file_name(), Some("sw_episodes.csv"));
    let worker = net
        .professional(&ProfessionalKey::new("la", "SW123456"))
        .unwrap();
    assert_eq!(worker.registration_number.as_deref(), Some("SW123456"));

    // FK1002's first worker came by transfer from an episode in an earlier return: the
    // reason cannot ride on an earlier involvement, so the child keeps it.
    let boy = net.person(&PersonKey::new("la", "FK1002")).unwrap();
    let facts = boy.looked_after.as_deref().unwrap();
    assert_eq!(facts.uasc_ceased, Some(d(2026, 9, 1)));
    assert_eq!(facts.worker_changes.len(), 1);
    assert_eq!(facts.worker_changes[0].start, d(2025, 1, 20));
    assert_eq!(
        facts.worker_changes[0].reason,
        Some(SwChangeReason::StandardTransfer)
    );
    // The year comes from the latest episode date: 20/01/2025 is in 2024-25.
    assert_eq!(im.year, Some(CollectionYear(2025)));
}

/// Without a header file, the children come from the other files' CHILD ids (and the
/// first DOB given), and their rows load.
#[test]
fn a_return_without_a_header_makes_children_from_the_other_files() {
    let im = import(&[("episodes", EPISODES), ("sw_episodes", SW)]);
    assert_eq!(im.report.quarantined(), 0, "{:?}", im.report.problems);
    assert_eq!(im.network.person_count(), 2);
    assert_eq!(im.network.episodes().count(), 3);
    let girl = im.network.person(&PersonKey::new("la", "FK1001")).unwrap();
    assert_eq!((girl.sex, girl.birth_date), (None, Some(d(2012, 2, 14))));
    assert_eq!(girl.source.file_name(), Some("episodes.csv"));
    let warning = im
        .report
        .problems
        .iter()
        .find(|p| p.file == "header.csv")
        .unwrap();
    assert_eq!(
        (warning.kind, warning.severity),
        (ProblemKind::MissingTable, Severity::Warning)
    );
}

/// The liia-tools 903 samples (one table each, some with extra columns, ISO dates in
/// one) import without a structural error, each found by its columns.
#[test]
fn the_liia_tools_samples_import_without_a_structural_error() {
    let shared = fake_data().join("../../..");
    let samples = [
        vec![
            "liia-tools-pipeline/liiatools/ssda903_pipeline/spec/samples/SSDA903_2020_header.csv",
            "liia-tools-pipeline/liiatools/ssda903_pipeline/spec/samples/SSDA903_2020_episodes.csv",
        ],
        vec!["liia-tools/liiatools/spec/s903/samples/SSDA903_2020_episodes.csv"],
        vec!["liia-tools/liiatools/spec/s903/samples/SSDA903_episodes_for_testing_fixes_INPUT.csv"],
    ];
    for (n, set) in samples.iter().enumerate() {
        let dir = common::TempDir::new(&format!("ssda903-liia-{n}"));
        for file in set {
            let from = shared.join(file);
            std::fs::copy(&from, dir.0.join(from.file_name().unwrap())).unwrap();
        }
        let im = import_dir(&dir.0, &ImportOptions::new("liia")).expect("no structural error");
        eprintln!("{}", im.report);
        let rows: u64 = im.report.files.values().map(|c| c.rows).sum();
        assert!(rows > 0, "{set:?}");
        for (file, c) in &im.report.files {
            assert_eq!(c.rows, c.loaded + c.quarantined, "{file}");
        }
        assert!(im.network.episodes().count() > 0, "{set:?}: {}", im.report);
    }
}

/// Every row of the validator's fake return either loads or is quarantined with a
/// located problem; no file fails.
#[test]
fn the_corpus_fake_return_imports_without_a_structural_error() {
    let dir = fake_data();
    let im = import_dir(&dir, &ImportOptions::new("fake")).expect("no structural error");
    eprintln!("{}", im.report);
    let header = std::fs::read_to_string(dir.join("header.csv")).unwrap();
    let header_rows = header.lines().skip(1).filter(|l| !l.is_empty()).count() as u64;
    // One header row has MOTHER "1.0", outside the code list (0/1): found here by eye.
    let bad_mother = header.lines().filter(|l| l.contains(",1.0,")).count() as u64;
    assert_eq!(bad_mother, 1);
    let header_counts = counts(&im, "header.csv");
    assert_eq!(header_counts.rows, header_rows);
    assert_eq!(
        header_counts.quarantined,
        bad_mother,
        "{:?}",
        im.report
            .problems
            .iter()
            .filter(|p| p.file.ends_with("/header.csv") && p.severity == Severity::Quarantined)
            .collect::<Vec<_>>()
    );
    assert_eq!(im.network.person_count() as u64, header_rows - bad_mother);

    for file in [
        "episodes.csv",
        "reviews.csv",
        "uasc.csv",
        "oc2.csv",
        "oc3.csv",
        "ad1.csv",
        "placed_for_adoption.csv",
        "previous_permanence.csv",
        "missing.csv",
        "sw_episodes.csv",
    ] {
        let c = counts(&im, file);
        assert_eq!(c.rows, c.loaded + c.quarantined, "{file}");
    }
    // Every REASON_PLACED_CEASED is "XXX": every row is refused for rule 120.
    let pfa = counts(&im, "placed_for_adoption.csv");
    assert_eq!((pfa.rows, pfa.loaded), (29, 0));
    assert!(
        im.report
            .problems
            .iter()
            .any(|p| p.file.ends_with("/placed_for_adoption.csv")
                && p.column.as_deref() == Some("REASON_PLACED_CEASED")
                && p.kind == ProblemKind::UnknownCode
                && p.message.contains("rule 120"))
    );
    // The one social worker row names a child the header does not have.
    let sw = counts(&im, "sw_episodes.csv");
    assert_eq!((sw.rows, sw.quarantined), (1, 1));
    // The validator's copy of placed_for_adoption.csv with errors has the same columns:
    // it is reported, not read.
    assert!(
        im.report
            .problems
            .iter()
            .any(|p| p.file.ends_with("placed_for_adoption_errors.csv")
                && p.kind == ProblemKind::DuplicateId)
    );
    // Most episodes load.
    let ep = counts(&im, "episodes.csv");
    assert!(ep.loaded * 10 > ep.rows * 9, "{ep:?}");
    assert_eq!(im.network.episodes().count() as u64, ep.loaded);
    // Every quarantining problem names its file and line.
    for p in &im.report.problems {
        if p.severity == Severity::Quarantined {
            assert!(p.line.is_some() && !p.file.is_empty(), "{p:?}");
        }
    }
}

#[test]
fn unknown_codes_are_refused_with_field_and_rule_never_mapped() {
    let episodes = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n\
FK1001,03/05/2024,S,C9,N1,U4,PR1,,,,,,\n\
FK1002,03/05/2024,S,C2,N1,u4,PR1,,,,,,\n";
    let im = import(&[("header", HEADER), ("episodes", episodes)]);
    let problems: Vec<_> = im
        .report
        .problems
        .iter()
        .filter(|p| p.file == "episodes.csv")
        .collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(
        (
            problems[0].line,
            problems[0].column.as_deref(),
            problems[0].kind
        ),
        (Some(2), Some("LS"), ProblemKind::UnknownCode)
    );
    assert!(problems[0].message.contains("rule 144"));
    // Lower case is not quietly upper-cased.
    assert_eq!(
        (problems[1].line, problems[1].column.as_deref()),
        (Some(3), Some("PLACE"))
    );
    assert!(problems[1].message.contains("rule 146"));
    assert_eq!(im.network.episodes().count(), 0);

    let sw = "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\nFK1001,14/02/2012,SW1,01/04/2024,,SWLAZY\nFK1001,14/02/2012,AB1,01/05/2024,,MANAGE\n";
    let im = import(&[("header", HEADER), ("sw_episodes", sw)]);
    let f = "sw_episodes.csv";
    assert_eq!(
        located(&im),
        [
            (f, Some(2), Some("SW_REASON"), ProblemKind::UnknownCode),
            (f, Some(3), Some("SW_ID"), ProblemKind::BadValue)
        ]
    );
    assert_eq!(im.network.involvements().count(), 0);
}

#[test]
fn bad_dates_and_ends_before_starts_are_located() {
    let episodes = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n\
FK1001,31/02/2024,S,C1,N1,U4,PR1,,,,,,\n\
FK1001,2024/05/03,S,C1,N1,U4,PR1,,,,,,\n\
FK1002,03/05/2024,S,C1,N1,U4,PR1,01/05/2024,E11,,,,\n\
FK1002,,S,C1,N1,U4,PR1,,,,,,\n";
    let im = import(&[("header", HEADER), ("episodes", episodes)]);
    let f = "episodes.csv";
    assert_eq!(
        located(&im),
        [
            (f, Some(2), Some("DECOM"), ProblemKind::BadDate),
            (f, Some(3), Some("DECOM"), ProblemKind::BadDate),
            (f, Some(4), Some("DEC"), ProblemKind::EndBeforeStart),
            (f, Some(5), Some("DECOM"), ProblemKind::MissingValue),
        ]
    );
    assert_eq!(im.report.files["episodes.csv"].quarantined, 4);
}

#[test]
fn overlapping_and_duplicated_rows_are_quarantined() {
    let episodes = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n\
FK1001,03/05/2024,S,C1,N1,U4,PR1,10/09/2024,X1,,,,\n\
FK1001,01/08/2024,P,C1,N1,U4,PR1,,,,,,\n\
FK1002,03/05/2024,S,C1,N1,U4,PR1,,,,,,\n\
FK1002,03/05/2024,S,C1,N1,U4,PR1,,,,,,\n";
    let header = format!("{HEADER}FK1001,F,14/02/2012,WBRI,,0,\n");
    let reviews = "CHILD,DOB,REVIEW,REVIEW_CODE\nFK1001,14/02/2012,31/05/2024,PN1\nFK1001,14/02/2012,31/05/2024,PN1\n";
    let im = import(&[
        ("header", &header),
        ("episodes", episodes),
        ("reviews", reviews),
    ]);
    let got: Vec<_> = im
        .report
        .problems
        .iter()
        .map(|p| (p.file.as_str(), p.line, p.kind))
        .collect();
    assert!(
        got.contains(&("header.csv", Some(4), ProblemKind::DuplicateId)),
        "{got:?}"
    );
    assert!(
        got.contains(&("reviews.csv", Some(3), ProblemKind::DuplicateId)),
        "{got:?}"
    );
    assert!(
        got.contains(&("episodes.csv", Some(3), ProblemKind::Rejected)),
        "{got:?}"
    );
    // The same child and start twice: the second is the duplicate (an open episode
    // overlaps everything after it).
    assert!(
        got.iter().any(|g| g.0 == "episodes.csv" && g.1 == Some(5)),
        "{got:?}"
    );
    assert_eq!(im.network.episodes().count(), 2);
    let c = &im.report.files["episodes.csv"];
    assert_eq!((c.rows, c.loaded, c.quarantined), (4, 2, 2));
}

#[test]
fn rows_about_children_not_in_the_header_are_refused() {
    let missing = "CHILD,DOB,MISSING,MIS_START,MIS_END\nNOBODY,14/02/2012,M,02/11/2024,\n";
    let im = import(&[("header", HEADER), ("missing", missing)]);
    assert_eq!(
        located(&im),
        [(
            "missing.csv",
            Some(2),
            Some("CHILD"),
            ProblemKind::UnknownReference
        )]
    );
    let p = im
        .report
        .problems
        .iter()
        .find(|p| p.file == "missing.csv")
        .unwrap();
    // The problem does not repeat the child's id.
    assert!(!p.message.contains("NOBODY"));
}

#[test]
fn missing_columns_and_files_fail_clearly() {
    let no_decom = "CHILD,RNE\nFK1001,S\n";
    match import_files(
        &files(&[("header", HEADER), ("episodes", no_decom)]),
        &ImportOptions::new("la"),
    ) {
        Err(Ssda903Error::Table(TableError::MissingColumn { file, column })) => {
            assert_eq!((file.as_str(), column.as_str()), ("episodes.csv", "DECOM"));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        import_files(&files(&[("notes", EPISODES)]), &ImportOptions::new("la")),
        Err(Ssda903Error::NoFiles(_))
    ));
    assert!(matches!(
        import_files(&files(&[("header", "")]), &ImportOptions::new("la")),
        Err(Ssda903Error::Table(TableError::BadHeader { .. }))
    ));
    let dir = common::TempDir::new("ssda903-missing");
    assert!(matches!(
        import_dir(&dir.0, &ImportOptions::new("la")),
        Err(Ssda903Error::NoFiles(_))
    ));
    assert!(matches!(
        import_dir(&dir.0.join("nope"), &ImportOptions::new("la")),
        Err(Ssda903Error::NotAFolder(_))
    ));
    // An extra column is a warning; the rows load.
    let extra = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB,NOTES\nFK1001,F,14/02/2012,WBRI,,0,,x\n";
    let im = import(&[("header", extra)]);
    assert_eq!(im.network.person_count(), 1);
    assert_eq!(im.report.count(ProblemKind::UnknownColumn), 1);
    assert_eq!(im.report.count(ProblemKind::MissingTable), 10);
}

#[test]
fn huge_fields_invalid_utf8_and_unclosed_quotes_do_not_panic() {
    let huge = format!(
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nFK1001,F,14/02/2012,{},,0,\nFK1002,M,01/09/2008,WBRI,,,\n",
        "W".repeat(100_000)
    );
    let im = import(&[("header", &huge)]);
    assert_eq!(im.network.person_count(), 1);
    assert_eq!(im.report.problems[0].kind, ProblemKind::FieldTooLong);
    assert_eq!(im.report.problems[0].column.as_deref(), Some("ETHNIC"));

    let mut bad =
        b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nFK\xff1,F,14/02/2012,WBRI,,0,\n".to_vec();
    bad.extend_from_slice(b"FK1002,M,01/09/2008,WBRI,,,\n");
    let mut map = HashMap::new();
    map.insert("header".to_owned(), bad);
    let im = import_files(&map, &ImportOptions::new("la")).unwrap();
    assert_eq!(im.network.person_count(), 1);
    assert_eq!(im.report.problems[0].kind, ProblemKind::InvalidUtf8);

    let mut unclosed = b"CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nFK1,\"F".to_vec();
    unclosed.extend(std::iter::repeat_n(b'x', 3 << 20));
    let mut map = HashMap::new();
    map.insert("header".to_owned(), unclosed);
    let options = ImportOptions {
        limits: Limits {
            max_record_bytes: 1 << 16,
            ..Limits::default()
        },
        ..ImportOptions::new("la")
    };
    assert!(matches!(
        import_files(&map, &options),
        Err(Ssda903Error::Table(TableError::RecordTooLarge {
            line: 2,
            ..
        }))
    ));
}

#[test]
fn outcome_rows_are_dated_with_the_year_given_or_found() {
    let oc2 = "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED\n\
FK1001,14/02/2012,17,,0,,1,1,1,0,,\n\
FK1002,01/09/2008,41,,0,,1,1,1,0,,\n";
    let oc3 = "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\nFK1002,01/09/2008,YES,F2,01\n";
    let mut options = ImportOptions::new("la");
    options.year = Some(CollectionYear(2026));
    let im = import_files(
        &files(&[("header", HEADER), ("oc2", oc2), ("oc3", oc3)]),
        &options,
    )
    .unwrap();
    let girl = im.network.person(&PersonKey::new("la", "FK1001")).unwrap();
    let o = &girl.looked_after.as_deref().unwrap().outcomes[0];
    assert_eq!(o.year, 2026);
    assert_eq!(o.sdq_score, Some(17));
    assert_eq!(
        (o.convicted, o.health_check, o.immunisations),
        (Some(false), None, Some(true))
    );
    assert_eq!(
        located(&im),
        [
            ("oc2.csv", Some(3), Some("SDQ_SCORE"), ProblemKind::BadValue),
            ("oc3.csv", Some(2), Some("ACCOM"), ProblemKind::UnknownCode),
        ]
    );
    // No year given and no episodes to find one in: the rows are left out, and said so.
    let im = import(&[("header", HEADER), ("oc2", oc2)]);
    assert_eq!(im.year, None);
    assert!(
        im.report
            .problems
            .iter()
            .any(|p| p.kind == ProblemKind::MissingValue && p.message.contains("collection year"))
    );
}

#[test]
fn social_worker_duplicates_are_refused_and_overlaps_flagged() {
    let sw = "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\n\
FK1001,14/02/2012,SW1,01/04/2024,01/09/2024,FCONTA\n\
FK1001,14/02/2012,SW1,01/04/2024,01/09/2024,FCONTA\n\
FK1001,14/02/2012,SW2,01/08/2024,,CHCHAN\n";
    let im = import(&[("header", HEADER), ("sw_episodes", sw)]);
    let got: Vec<_> = im
        .report
        .problems
        .iter()
        .filter(|p| p.kind != ProblemKind::MissingTable)
        .map(|p| (p.line, p.kind, p.severity))
        .collect();
    assert_eq!(
        got,
        [
            (Some(4), ProblemKind::Rejected, Severity::Warning),
            (Some(3), ProblemKind::DuplicateId, Severity::Quarantined),
        ]
    );
    let c = counts(&im, "sw_episodes.csv");
    assert_eq!((c.rows, c.loaded, c.quarantined), (3, 2, 1));
    // The overlapping second worker still says why the first one's allocation ended.
    let first = im
        .network
        .involvements()
        .find(|i| i.professional().unwrap().key.id() == "SW1")
        .unwrap();
    assert_eq!(
        first.end_reason(),
        Some(&EndReason::Dfe(SwChangeReason::ChildRequested))
    );
}

#[test]
fn files_are_found_by_their_columns_when_named_otherwise() {
    let dir = common::TempDir::new("ssda903-by-columns");
    std::fs::write(dir.0.join("SSDA903_2025_Header.csv"), HEADER).unwrap();
    std::fs::write(dir.0.join("eps.CSV"), EPISODES).unwrap();
    std::fs::write(dir.0.join("notes.csv"), "a,b\n1,2\n").unwrap();
    let im = import_dir(&dir.0, &ImportOptions::new("la")).unwrap();
    assert_eq!(im.network.person_count(), 2);
    assert_eq!(im.network.episodes().count(), 3);
    assert_eq!(im.report.count(ProblemKind::MissingTable), 9);

    // A file named for a table wins over one with its columns, which is reported.
    std::fs::write(dir.0.join("episodes.csv"), EPISODES.lines().next().unwrap()).unwrap();
    let im = import_dir(&dir.0, &ImportOptions::new("la")).unwrap();
    assert_eq!(im.network.episodes().count(), 0);
    assert!(
        im.report
            .problems
            .iter()
            .any(|p| p.file.ends_with("eps.CSV")
                && p.kind == ProblemKind::DuplicateId
                && p.severity == Severity::Warning)
    );

    // Two files with the same columns and neither named for it: which to read is unknown.
    std::fs::write(dir.0.join("header_copy.csv"), HEADER).unwrap();
    assert!(matches!(
        import_dir(&dir.0, &ImportOptions::new("la")),
        Err(Ssda903Error::TwoFiles { .. })
    ));
}

/// The code lists the import checks are exactly the union of the liia-tools 903 schema's
/// lists over the years (the 2017 base and its yearly diffs to 2026), read from the
/// corpus here with a small line reader.
#[test]
fn code_lists_are_the_liia_schemas_over_the_years() {
    use patchwork_adapters::ssda903::codes;
    use std::collections::{BTreeMap, BTreeSet};
    let spec = fake_data().join("../../../liia-tools-pipeline/liiatools/ssda903_pipeline/spec");
    let mut liia: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for name in [
        "SSDA903_schema_2017.yml",
        "SSDA903_schema_2019.diff.yml",
        "SSDA903_schema_2022.diff.yml",
        "SSDA903_schema_2024.diff.yml",
        "SSDA903_schema_2025.diff.yml",
        "SSDA903_schema_2026.diff.yml",
    ] {
        let text = std::fs::read_to_string(spec.join(name)).unwrap();
        let mut column = String::new();
        for line in text.lines() {
            let t = line.trim();
            if let Some(path) = t.strip_prefix("column_map.") {
                // A diff's key: column_map.<table>.<COLUMN>[.category]:
                column = path
                    .split('.')
                    .nth(1)
                    .unwrap_or("")
                    .trim_end_matches(':')
                    .to_owned();
            } else if let Some(key) = t.strip_suffix(':')
                && !key.is_empty()
                && key.bytes().all(|b| b.is_ascii_uppercase() || b == b'_')
            {
                column = key.to_owned();
            } else if let Some(code) = t.strip_prefix("- code:") {
                let code = code.trim().trim_matches('"').to_owned();
                liia.entry(column.clone()).or_default().insert(code);
            }
        }
    }
    let lists = [
        codes::SEX,
        codes::ETHNIC,
        codes::MOTHER,
        codes::RNE,
        codes::LS,
        codes::CIN,
        codes::PLACE,
        codes::PLACE_PROVIDER,
        codes::REC,
        codes::REASON_PLACE_CHANGE,
        codes::REVIEW_CODE,
        codes::MISSING,
        codes::SDQ_REASON,
        codes::IN_TOUCH,
        codes::ACTIV,
        codes::ACCOM,
        codes::SEX_ADOPTR,
        codes::LS_ADOPTR,
        codes::FOSTER_CARE,
        codes::REASON_PLACED_CEASED,
        codes::PREV_PERM,
        codes::SW_REASON,
    ];
    for list in lists {
        let ours: BTreeSet<String> = list.codes.iter().map(|c| c.to_string()).collect();
        assert_eq!(Some(&ours), liia.get(list.field), "{}", list.field);
    }
    for flag in codes::OC2_FLAGS {
        assert_eq!(
            liia[flag],
            BTreeSet::from(["0".to_owned(), "1".to_owned()]),
            "{flag}"
        );
    }
}
