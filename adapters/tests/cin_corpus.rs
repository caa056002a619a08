//! Every fake CIN census file of the corpus either imports, or imports with each problem
//! naming the DfE rule it breaks.

use std::path::PathBuf;

use patchwork_adapters::cin::{self, CinOptions, XmlLimits};
use patchwork_core::{EpisodeDetail, EpisodeKind, PersonKey, Sex};

/// The CIN fake data of the shared corpus, which sits beside the clone
/// (`shared/corpus/...`), or two levels up for a worktree.
fn corpus_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    ["../../shared/corpus", "../../../shared/corpus"]
        .iter()
        .map(|up| manifest.join(up).join("csc-validator-be-cin/fake_data"))
        .find(|p| p.is_dir())
        .expect("the shared corpus is beside the clone (shared/corpus/csc-validator-be-cin)")
}

#[test]
fn every_corpus_file_imports_and_names_the_rule_of_each_problem() {
    let dir = corpus_dir();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "xml") {
            continue;
        }
        files += 1;
        let import = cin::import_file(&path, &CinOptions::new("la"))
            .unwrap_or_else(|e| panic!("{} failed: {e}", path.display()));
        assert!(import.network.person_count() > 0, "{}", path.display());
        for p in &import.report.problems {
            let named = p.message.starts_with("rule ")
                || p.kind == patchwork_adapters::report::ProblemKind::UnknownColumn
                || p.kind == patchwork_adapters::report::ProblemKind::BadDate;
            assert!(named, "{}: problem without a rule: {p}", path.display());
            assert!(
                p.column
                    .as_deref()
                    .is_some_and(|c| c.starts_with("/Message/"))
            );
        }
        // Validation runs on every file too.
        cin::validate_file(&path, None, XmlLimits::default()).unwrap();
    }
    assert_eq!(files, 9);
}

#[test]
fn census_2026_fake_file_reads_as_worked_out_by_hand() {
    let path = corpus_dir().join("CIN_Census_2026.xml");
    let import = cin::import_file(&path, &CinOptions::new("la")).unwrap();
    let net = &import.network;
    assert_eq!(net.person_count(), 2);
    // Child 1: <Sex>1</Sex> is a GenderCurrent code in a Sex element: rule 4180, left out.
    let c1 = net.person(&PersonKey::new("la", "DfEX0000001")).unwrap();
    assert_eq!(c1.sex, None);
    assert_eq!(c1.disabilities, vec!["HAND", "HEAR"]);
    assert_eq!(c1.upn_unknown.as_deref(), Some("UN3"));
    // Child 2: Sex M.
    let c2 = net
        .person(&PersonKey::new("la", "child_fails_assessments"))
        .unwrap();
    assert_eq!(c2.sex, Some(Sex::Male));
    let rules: Vec<(&str, &str)> = import
        .report
        .problems
        .iter()
        .map(|p| {
            (
                p.column.as_deref().unwrap(),
                p.message.split(':').next().unwrap(),
            )
        })
        .collect();
    // The factor "RB" is not a census code; the UPN A123456789123 fails its check letter.
    assert!(rules.contains(&(
        "/Message/Children/Child[1]/CINdetails[1]/Assessments[1]/FactorsIdentifiedAtAssessment[1]/AssessmentFactors[2]",
        "rule XSD"
    )));
    assert!(rules.contains(&(
        "/Message/Children/Child[1]/ChildIdentifiers[1]/Sex",
        "rule 4180"
    )));
    assert!(rules.contains(&(
        "/Message/Children/Child[1]/ChildIdentifiers[1]/UPN",
        "rule 1510"
    )));
    // The draft PreProceedingsandFGDM block and the stray text are reported, not read.
    assert!(import.report.problems.iter().any(|p| {
        p.column
            .as_deref()
            .unwrap()
            .contains("PreProceedingsandFGDM")
    }));
    // Episodes: child 1 has one CIN episode with an S47 and a plan; child 2 one CIN episode.
    let kinds = |k: &str| {
        net.episodes_of(&PersonKey::new("la", k))
            .unwrap()
            .iter()
            .map(|e| e.kind())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds("DfEX0000001"),
        vec![
            EpisodeKind::ChildInNeed,
            EpisodeKind::Section47,
            EpisodeKind::ChildProtectionPlan
        ]
    );
    let cpp = net
        .episodes_of(&PersonKey::new("la", "DfEX0000001"))
        .unwrap()
        .into_iter()
        .find(|e| e.kind() == EpisodeKind::ChildProtectionPlan)
        .unwrap();
    let EpisodeDetail::ChildProtectionPlan { census, .. } = &cpp.detail else {
        panic!()
    };
    assert_eq!(census.previous_plans, Some(10));
    assert_eq!(census.reviews.len(), 1);
    // ReferralNFA "false" reads as false.
    let cin2 = &net
        .episodes_of(&PersonKey::new("la", "child_fails_assessments"))
        .unwrap()[0];
    let EpisodeDetail::ChildInNeed { census, .. } = &cin2.detail else {
        panic!()
    };
    assert_eq!(census.referral_nfa, Some(false));
    assert_eq!(census.assessments.len(), 1);
    assert!(census.assessments[0].factors.is_empty());
}

#[test]
fn an_older_census_with_gender_current_and_true_false_reads() {
    // fake_CIN_data.xml is a 2021-22-shaped file: GenderCurrent, ReferralNFA true/false.
    let import = cin::import_file(
        &corpus_dir().join("fake_CIN_data.xml"),
        &CinOptions::new("la"),
    )
    .unwrap();
    let net = &import.network;
    assert_eq!(net.person_count(), 332);
    let key = PersonKey::new("la", "RND000215205141");
    let c = net.person(&key).unwrap();
    assert_eq!(c.sex, Some(Sex::Male)); // GenderCurrent 1
    assert_eq!(c.ethnicity.as_deref(), Some("WIRT"));
    assert_eq!(c.birth_date, chrono::NaiveDate::from_ymd_opt(2019, 12, 6));
    let e = &net.episodes_of(&key).unwrap()[0];
    assert_eq!(e.period.start, chrono::NaiveDate::from_ymd_opt(2020, 7, 13));
    assert_eq!(e.period.end, chrono::NaiveDate::from_ymd_opt(2021, 6, 11));
    let EpisodeDetail::ChildInNeed {
        referral_source,
        primary_need,
        closure_reason,
        census,
    } = &e.detail
    else {
        panic!()
    };
    assert_eq!(referral_source.as_deref(), Some("4"));
    assert_eq!(primary_need.as_deref(), Some("N6"));
    assert_eq!(closure_reason.as_deref(), Some("RC2"));
    assert_eq!(census.referral_nfa, Some(true)); // "true"
    assert_eq!(
        census.initial_cpc_date,
        chrono::NaiveDate::from_ymd_opt(2020, 9, 29)
    );
    // Its UPN A850728973744 fails the check letter: reported with rule 1510, not stored.
    assert_eq!(c.upn, None);
    assert!(
        import
            .report
            .problems
            .iter()
            .any(|p| p.message.starts_with("rule 1510")
                && p.column.as_deref()
                    == Some("/Message/Children/Child[1]/ChildIdentifiers[1]/UPN"))
    );
}
