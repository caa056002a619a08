//! `patchwork demo` and `patchwork changes`, end to end: the demo's two nights into a
//! temporary folder, then the change events it left in the store.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

mod common;
use common::TempDir;

fn patchwork(args: &[&str], paths: &[&Path]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_patchwork"));
    cmd.args(args);
    for p in paths {
        cmd.arg(p);
    }
    cmd.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn count(store: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(store).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn demo_then_changes() {
    let tmp = TempDir::new("demo");
    let dir = tmp.0.join("demo");
    let out = patchwork(&["demo", "--dir"], &[&dir]);
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("night 1 (import 1"), "{stdout}");
    assert!(stdout.contains("night 2 (import 2"), "{stdout}");
    assert!(stdout.contains("quarantined"), "{stdout}");
    assert!(
        stdout.contains("a sample of night 2's change events"),
        "{stdout}"
    );

    let store = dir.join("patchwork.sqlite");
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM imports WHERE outcome = 'loaded'"
        ),
        2
    );
    let stored = count(&store, "SELECT count(*) FROM change_events");
    assert!(stored > 0);
    // Night 1 filled an empty store: everything was new, and no event was recorded.
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM change_events WHERE import_id = 1"
        ),
        0
    );
    let night2_as_of: String = rusqlite::Connection::open(&store)
        .unwrap()
        .query_row("SELECT max(as_of) FROM imports", [], |r| r.get(0))
        .unwrap();

    // Every event as one JSON object per line, with its import and extract date.
    let out = patchwork(&["changes", "--json", "--store"], &[&store]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len() as i64, stored);
    for line in &lines {
        assert!(line["event"].is_string(), "{line}");
        assert!(line["import_id"].is_i64(), "{line}");
        assert!(line["as_of"].is_string(), "{line}");
    }
    let kinds: Vec<&str> = lines.iter().filter_map(|l| l["event"].as_str()).collect();
    assert!(kinds.contains(&"involvement_ended"));
    assert!(kinds.contains(&"involvement_started"));

    // --since night 2: night 2's events (all of them), with a DfE-reasoned end among them.
    let out = patchwork(
        &["changes", "--json", "--since", &night2_as_of, "--store"],
        &[&store],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let night2: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(night2.len(), lines.len());
    assert!(night2.iter().all(|l| l["import_id"] == 2));
    assert!(night2.iter().any(|l| l["reason"]["dfe"].is_string()));

    // --since after both nights: nothing.
    let out = patchwork(
        &["changes", "--json", "--since", "2999-01-01", "--store"],
        &[&store],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));

    // The readable list: grouped by child, in words.
    let out = patchwork(&["changes", "--since", &night2_as_of, "--store"], &[&store]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let readable = text(&out.stdout);
    assert!(
        readable.lines().all(|l| l.starts_with("lcs:")),
        "{readable}"
    );
    assert!(readable.contains(" left (ended "), "{readable}");
    assert!(readable.contains(" joined"), "{readable}");

    // A second demo into the same folder refuses rather than mixing nights.
    let out = patchwork(&["demo", "--dir"], &[&dir]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn changes_on_a_missing_store_fails_without_creating_it() {
    let tmp = TempDir::new("missing");
    let store = tmp.0.join("nowhere.sqlite");
    let out = patchwork(&["changes", "--store"], &[&store]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("nowhere.sqlite"),
        "{}",
        text(&out.stderr)
    );
    assert!(!store.exists());
    let out = patchwork(&["changes", "--json", "--store"], &[&store]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!store.exists());
}
