//! The statutory returns through the command line: a generated council's CIN census and
//! SSDA903 return imported into a store by `patchwork import`, exported again by
//! `patchwork export`, and checked by `patchwork validate`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use patchwork_adapters::store::Store;
use patchwork_adapters::synthetic::{self, Sizes};
use patchwork_core::{EpisodeDetail, EpisodeKind};

mod common;
use common::{TempDir, stderr};

fn patchwork(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_patchwork"))
        .args(args)
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A small generated council written under `dir`; returns its reference date.
fn council(dir: &Path) -> String {
    let council = synthetic::generate_sizes(
        Sizes {
            persons: 1_200,
            involvements: 4_800,
            professionals: 120,
        },
        11,
    );
    synthetic::write_council(&council, dir).unwrap();
    council.today.to_string()
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn a_census_imported_alone_exports_again_byte_for_byte() {
    let tmp = TempDir::new("returns-cin");
    let today = council(&tmp.0);
    let census = tmp.0.join("cin/2025.xml");
    assert!(census.is_file(), "generate writes DIR/cin/2025.xml");
    let store = tmp.0.join("cin.sqlite");
    let out = patchwork(&[
        "import",
        "--store",
        s(&store),
        "--cin",
        s(&census),
        "--as-of",
        &today,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // The census details reached the store: assessments with factors, plan reviews.
    let net = Store::open(&store).unwrap().load().unwrap();
    let assessed = net.episodes().any(|e| {
        matches!(&e.detail, EpisodeDetail::ChildInNeed { census, .. }
            if census.assessments.iter().any(|a| !a.factors.is_empty()))
    });
    assert!(assessed, "no assessment with factors in the store");
    assert!(
        net.episodes()
            .any(|e| e.kind() == EpisodeKind::ChildProtectionPlan)
    );

    // Out again for the same year: the same bytes as the file the generator wrote.
    let again = tmp.0.join("again.xml");
    let out = patchwork(&[
        "export",
        "--store",
        s(&store),
        "--format",
        "cin",
        "--year",
        "2024-25",
        "--out",
        s(&again),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(&again).unwrap(),
        std::fs::read(&census).unwrap(),
        "the census exported from the store differs from the one imported"
    );
}

#[test]
fn a_return_imported_alone_exports_again_file_for_file() {
    let tmp = TempDir::new("returns-903");
    let today = council(&tmp.0);
    let dir = tmp.0.join("ssda903");
    let store = tmp.0.join("903.sqlite");
    let out = patchwork(&[
        "import",
        "--store",
        s(&store),
        "--ssda903",
        s(&dir),
        "--as-of",
        &today,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let again = tmp.0.join("again");
    let out = patchwork(&[
        "export",
        "--store",
        s(&store),
        "--format",
        "ssda903",
        "--year",
        "2025",
        "--out",
        s(&again),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (before, after) = (files_in(&dir), files_in(&again));
    assert_eq!(before.len(), 11);
    assert_eq!(
        before.iter().map(|p| p.file_name()).collect::<Vec<_>>(),
        after.iter().map(|p| p.file_name()).collect::<Vec<_>>()
    );
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(
            std::fs::read_to_string(a).unwrap(),
            std::fs::read_to_string(b).unwrap(),
            "{}",
            a.display()
        );
    }
}

#[test]
fn returns_fill_what_the_extract_lacks_and_never_duplicate_its_episodes() {
    let tmp = TempDir::new("returns-merge");
    let today = council(&tmp.0);
    let store = tmp.0.join("all.sqlite");
    let report = tmp.0.join("report.json");
    let out = patchwork(&[
        "import",
        "--store",
        s(&store),
        "--ssd",
        s(&tmp.0.join("ssd")),
        "--cin",
        s(&tmp.0.join("cin/2025.xml")),
        "--ssda903",
        s(&tmp.0.join("ssda903")),
        "--as-of",
        &today,
        "--report",
        s(&report),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let net = Store::open(&store).unwrap().load().unwrap();
    // The SSD extract carries no disability codes; the census does.
    assert!(net.persons().any(|p| !p.disabilities.is_empty()));
    // The SSDA903 facts of looked-after children are filled in.
    assert!(net.persons().any(|p| p.looked_after.is_some()));
    // No child has two episodes of one kind starting the same day.
    let mut seen = std::collections::HashSet::new();
    for e in net.episodes() {
        assert!(
            seen.insert((e.person.clone(), e.kind(), e.period.start)),
            "{} duplicates an episode",
            e.key
        );
    }
    // The duplicates left out are reported, with the return's file and line.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let problems = doc["problems"]["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p["kind"] == "duplicate_id"
            && p["file"].as_str().unwrap().ends_with("2025.xml")
            && p["line"].is_u64()),
        "no duplicate reported"
    );
}

#[test]
fn validate_passes_a_sound_census_and_names_each_broken_rule() {
    let tmp = TempDir::new("returns-validate");
    council(&tmp.0);
    let census = tmp.0.join("cin/2025.xml");
    let out = patchwork(&["validate", "--cin", s(&census)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());

    // The first child's LA id removed: rule 8500, on that child's path.
    let text = std::fs::read_to_string(&census).unwrap();
    let start = text.find("<LAchildID>").unwrap();
    let end = text[start..].find("</LAchildID>").unwrap() + start + "</LAchildID>".len();
    let broken = tmp.0.join("broken.xml");
    std::fs::write(&broken, format!("{}{}", &text[..start], &text[end..])).unwrap();
    let out = patchwork(&["validate", "--cin", s(&broken), "--json"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let failures: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let f = failures
        .iter()
        .find(|f| f["rule"] == "8500")
        .expect("rule 8500");
    assert!(
        f["path"]
            .as_str()
            .unwrap()
            .starts_with("/Message/Children/Child[1]/"),
        "{f}"
    );

    // Not XML at all: exit 1, naming line and column.
    let junk = tmp.0.join("junk.xml");
    std::fs::write(&junk, "<Message><Children></Message>").unwrap();
    let out = patchwork(&["validate", "--cin", s(&junk)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("line 1"), "{}", stderr(&out));

    // A year that is not one: a usage error.
    let out = patchwork(&["validate", "--cin", s(&census), "--year", "2024-26"]);
    assert_eq!(out.status.code(), Some(2));
}
