//! Generated data -> census export -> import -> the same episodes, assessments and plans.

use patchwork_adapters::cin::{self, CinOptions, CollectionYear, XmlLimits};
use patchwork_adapters::synthetic::{self, Sizes};
use patchwork_core::{EpisodeDetail, EpisodeKind, Network};

fn council() -> (Network, chrono::NaiveDate) {
    let mut c = synthetic::generate_sizes(
        Sizes {
            persons: 3_000,
            involvements: 12_000,
            professionals: 200,
        },
        5,
    );
    cin::add_census_details(&mut c, 5);
    let today = c.today;
    (c.into_network().unwrap(), today)
}

/// What the census holds of a network for one year, independent of keys: per child, the
/// CIN episodes open in the year with everything inside them, worked out from the network
/// directly (not through the exporter).
fn census_view(net: &Network, year: CollectionYear) -> Vec<String> {
    let (start, reference) = (year.start(), year.reference_date());
    let mut rows = Vec::new();
    for e in net.episodes() {
        let EpisodeDetail::ChildInNeed { census, .. } = &e.detail else {
            continue;
        };
        let Some(s) = e.period.start else { continue };
        if s > reference || e.period.end.is_some_and(|end| end < start) {
            continue;
        }
        let authorised: Vec<_> = census
            .assessments
            .iter()
            .filter(|a| a.start.is_some_and(|d| d <= reference))
            .filter(|a| a.authorised.is_none_or(|d| d >= start))
            .map(|a| (a.start, a.authorised.filter(|&d| d <= reference)))
            .collect();
        rows.push(format!(
            "{} {s} end={:?} assessments={authorised:?} plans={}",
            e.person.id(),
            e.period.end.filter(|&d| d <= reference),
            census
                .cin_plans
                .iter()
                .filter(|p| p.start.is_some_and(|d| d <= reference))
                .filter(|p| p.end.is_none_or(|d| d >= start))
                .count()
        ));
    }
    rows.sort();
    rows
}

fn count_linked(net: &Network, kind: EpisodeKind, reference: chrono::NaiveDate) -> usize {
    net.episodes()
        .filter(|e| e.kind() == kind && e.period.start.is_some_and(|s| s <= reference))
        .filter(|e| match &e.detail {
            EpisodeDetail::Section47 { census, .. } => census.cin_episode.is_some(),
            EpisodeDetail::ChildProtectionPlan { census, .. } => census.cin_episode.is_some(),
            _ => false,
        })
        .count()
}

#[test]
fn export_import_gives_the_same_census() {
    let (net, today) = council();
    let year = CollectionYear::containing(today);
    for year in [year, CollectionYear::new(year.end_year() - 1)] {
        let mut xml = Vec::new();
        let summary = cin::export(&net, year, &mut xml).unwrap();
        assert!(summary.cin_episodes > 100, "{summary:?}");
        assert!(summary.assessments > 100, "{summary:?}");
        assert!(summary.section47 > 10, "{summary:?}");
        assert!(summary.cp_plans > 10, "{summary:?}");
        let back = cin::import_reader("census.xml", &xml[..], &CinOptions::new("la")).unwrap();
        assert!(
            back.report.problems.is_empty(),
            "{:?}",
            &back.report.problems[..3]
        );
        // The same CIN episodes with the same assessments and plans.
        assert_eq!(census_view(&net, year), census_view(&back.network, year));
        // Every S47 and plan the export wrote came back, linked to its CIN episode; the
        // original's section 47 enquiries and plans that started in an exported episode
        // by the reference date are the same number.
        let reference = year.reference_date();
        let in_census = |net: &Network, kind| {
            net.episodes()
                .filter(|e| e.kind() == kind && e.period.start.is_some_and(|s| s <= reference))
                .filter(|e| e.period.end.is_none_or(|d| d >= year.start()))
                .count()
        };
        assert_eq!(
            count_linked(&back.network, EpisodeKind::Section47, reference),
            summary.section47 as usize
        );
        assert_eq!(
            in_census(&back.network, EpisodeKind::ChildProtectionPlan),
            summary.cp_plans as usize
        );
        // Exporting the import again gives the same bytes: nothing lost or changed.
        let mut again = Vec::new();
        cin::export(&back.network, year, &mut again).unwrap();
        assert_eq!(
            String::from_utf8(xml).unwrap(),
            String::from_utf8(again).unwrap()
        );
        let _ = in_census(&net, EpisodeKind::Section47);
    }
}

#[test]
fn generated_census_breaks_none_of_the_child_rules() {
    let (net, today) = council();
    let year = CollectionYear::containing(today);
    let mut xml = Vec::new();
    cin::export(&net, year, &mut xml).unwrap();
    let failures =
        cin::validate_reader("census.xml", &xml[..], Some(year), XmlLimits::default()).unwrap();
    let mut by_rule = std::collections::BTreeMap::new();
    for f in &failures {
        *by_rule.entry(f.rule).or_insert(0) += 1;
    }
    assert!(
        by_rule.is_empty(),
        "{by_rule:?} e.g. {:?}",
        failures.first()
    );
}

#[test]
fn census_dir_has_one_file_per_year() {
    let (net, _) = council();
    let dir = std::env::temp_dir().join(format!("patchwork-cin-{}", std::process::id()));
    let years = [CollectionYear::new(2025), CollectionYear::new(2026)];
    let written = cin::write_census_dir(&net, &dir, &years).unwrap();
    assert_eq!(written.len(), 2);
    assert!(dir.join("cin/2025.xml").is_file());
    assert!(dir.join("cin/2026.xml").is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}
