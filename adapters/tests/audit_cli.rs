//! The audit trail through the `patchwork` program: every read, export, import and
//! subject-access run appends exactly one entry; `audit verify` exits 0 on an intact
//! trail and 4 naming the first broken entry; `audit log` filters; `retention purge`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDate;
use patchwork_adapters::store::{AuditQuery, Store, StoredAuditEntry};
use patchwork_core::*;
use rusqlite::Connection;
use serde_json::Value;

mod common;
use common::{TempDir, stderr};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// C1 and C2, both with W1 as allocated social worker since 2025-01-06; C1 on a child in
/// need episode that closed on 2015-01-01, born 2000-01-01 (so due for disposal on
/// 2021-01-01 under the default schedule); C2 born 2015-06-01, episode still open.
fn network() -> Network {
    let src = || Source::system("lcs");
    let mut net = Network::new();
    net.add_professional(Professional::new(ProfessionalKey::new("lcs", "W1"), src()))
        .unwrap();
    for (id, born) in [("C1", d(2000, 1, 1)), ("C2", d(2015, 6, 1))] {
        let mut p = Person::new(PersonKey::new("lcs", id), PersonKind::Child, src());
        p.birth_date = Some(born);
        p.given_name = Some(format!("Given{id}"));
        net.add_person(p).unwrap();
        net.add_involvement(Involvement {
            key: InvolvementKey::new("lcs", format!("I{id}")),
            person: PersonKey::new("lcs", id),
            professional: Some(ProfessionalKey::new("lcs", "W1")),
            team: None,
            role: Role::new("SW", RoleCategory::AllocatedSocialWorker),
            period: Period::new(Some(d(2010, 1, 6)), (id == "C1").then(|| d(2015, 1, 1))).unwrap(),
            end_reason: None,
            sensitivity: Sensitivity::Standard,
            source: src(),
        })
        .unwrap();
        net.add_episode(Episode {
            key: EpisodeKey::new("lcs", format!("E{id}")),
            person: PersonKey::new("lcs", id),
            period: Period::new(Some(d(2010, 1, 6)), (id == "C1").then(|| d(2015, 1, 1))).unwrap(),
            detail: EpisodeDetail::ChildInNeed {
                referral_source: None,
                primary_need: None,
                closure_reason: None,
                census: Default::default(),
            },
            source: src(),
        })
        .unwrap();
    }
    net
}

fn store(dir: &TempDir) -> PathBuf {
    let path = dir.0.join("s.sqlite");
    Store::open(&path).unwrap().save(&network()).unwrap();
    path
}

fn run(args: &[&str], store: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_patchwork"))
        .args(args)
        .arg("--store")
        .arg(store)
        .env("USER", "analyst7")
        .output()
        .unwrap()
}

fn entries(store: &Path) -> Vec<StoredAuditEntry> {
    Store::open(store)
        .unwrap()
        .audit_entries(&AuditQuery::default())
        .unwrap()
}

#[test]
fn every_command_appends_one_entry() {
    let dir = TempDir::new("each");
    let path = store(&dir);
    let out_json = dir.0.join("export.json");
    let sar = dir.0.join("sar");
    let cases: Vec<(Vec<&str>, &str, &str, Vec<&str>)> = vec![
        (
            vec!["team", "--child", "C1", "--as-of", "2025-06-01"],
            "consultation",
            "subjects",
            vec!["lcs:C1"],
        ),
        (
            vec!["caseload", "--professional", "W1", "--as-of", "2012-06-01"],
            "consultation",
            "subjects",
            vec!["lcs:C1", "lcs:C2"],
        ),
        (
            vec!["gaps", "--as-of", "2025-06-01"],
            "consultation",
            "all",
            vec![],
        ),
        (
            vec![
                "export",
                "--format",
                "json",
                "--out",
                out_json.to_str().unwrap(),
            ],
            "disclosure",
            "all",
            vec![],
        ),
        (
            vec![
                "subject-access",
                "--person",
                "C2",
                "--out",
                sar.to_str().unwrap(),
            ],
            "disclosure",
            "subjects",
            vec!["lcs:C2"],
        ),
        (vec!["changes", "--json"], "consultation", "all", vec![]),
        // A child not in the store: the attempt is recorded too (and fails).
        (
            vec!["team", "--child", "C9", "--as-of", "2025-06-01"],
            "consultation",
            "subjects",
            vec!["lcs:C9"],
        ),
    ];
    for (n, (args, category, scope, subjects)) in cases.iter().enumerate() {
        let out = run(args, &path);
        let expect_ok = !args.contains(&"C9");
        assert_eq!(
            out.status.success(),
            expect_ok,
            "{args:?}: {}",
            stderr(&out)
        );
        let all = entries(&path);
        assert_eq!(all.len(), n + 1, "{args:?} appended exactly one entry");
        let e = all.last().unwrap();
        assert_eq!(e.category, *category, "{args:?}");
        assert_eq!(e.scope, *scope, "{args:?}");
        assert_eq!(e.subjects, *subjects, "{args:?}");
        assert_eq!(
            (e.actor_kind.as_str(), e.actor.as_str()),
            ("administrative", "cli:analyst7")
        );
        let detail: Value = serde_json::from_str(&e.detail).unwrap();
        if args[0] == "subject-access" {
            // Recorded by the library's subject-access export.
            assert_eq!(detail["operation"], "subject_access");
        } else {
            assert_eq!(detail["command"], args[0]);
        }
    }
    // The trail is intact; verify prints the head and exits 0.
    let out = run(&["audit", "verify"], &path);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let head = entries(&path).last().unwrap().hash.clone();
    assert!(String::from_utf8_lossy(&out.stdout).contains(head.as_str()));
}

#[test]
fn verify_names_the_first_broken_entry() {
    let dir = TempDir::new("verify");
    let path = store(&dir);
    for _ in 0..4 {
        assert!(
            run(&["team", "--child", "C1", "--as-of", "2025-06-01"], &path)
                .status
                .success()
        );
    }
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update;
         UPDATE audit_log SET actor = 'cli:someone-else' WHERE seq = 3;",
    )
    .unwrap();
    drop(conn);
    let out = run(&["audit", "verify"], &path);
    assert_eq!(out.status.code(), Some(4));
    let err = stderr(&out);
    assert!(err.contains("BROKEN at entry 3"), "{err}");
    assert!(err.contains("edited"), "{err}");
    assert!(err.contains("audit_log_no_update is missing"), "{err}");
    // A file that is not there: a plain failure, and no file made.
    let missing = dir.0.join("missing.sqlite");
    assert_eq!(run(&["audit", "verify"], &missing).status.code(), Some(1));
    assert!(!missing.exists());
}

#[test]
fn audit_log_filters_and_is_itself_audited() {
    let dir = TempDir::new("log");
    let path = store(&dir);
    assert!(
        run(&["team", "--child", "C1", "--as-of", "2025-06-01"], &path)
            .status
            .success()
    );
    assert!(
        run(&["team", "--child", "C2", "--as-of", "2025-06-01"], &path)
            .status
            .success()
    );
    let out = run(&["audit", "log", "--person", "lcs:C1", "--json"], &path);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["seq"], 1);
    assert_eq!(lines[0]["subjects"], serde_json::json!(["lcs:C1"]));
    // The log read is entry 3, about nobody.
    let all = entries(&path);
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].category, "consultation");
    assert_eq!(all[2].purpose, "audit review");
    // By actor, since a date (entries are stamped now: a date in the future finds none).
    let out = run(
        &["audit", "log", "--professional", "cli:analyst7", "--json"],
        &path,
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
    let out = run(&["audit", "log", "--since", "2999-01-01"], &path);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("0 audit entries"));
}

#[test]
fn retention_purge_from_the_command_line() {
    let dir = TempDir::new("purge");
    let path = store(&dir);
    // C1: 18th birthday 2018-01-01, last activity 2015-01-01: due 2021-01-01.
    let out = run(
        &["retention", "purge", "--as-of", "2021-01-01", "--dry-run"],
        &path,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("would dispose of 1 person(s)"), "{text}");
    assert_eq!(
        Store::open(&path).unwrap().load().unwrap().person_count(),
        2
    );
    let out = run(&["retention", "purge", "--as-of", "2020-12-31"], &path);
    assert!(String::from_utf8_lossy(&out.stdout).contains("disposed of 0 person(s)"));
    let out = run(&["retention", "purge", "--as-of", "2021-01-01"], &path);
    assert!(String::from_utf8_lossy(&out.stdout).contains("disposed of 1 person(s)"));
    let net = Store::open(&path).unwrap().load().unwrap();
    assert!(net.person(&PersonKey::new("lcs", "C1")).is_none());
    assert!(net.person(&PersonKey::new("lcs", "C2")).is_some());
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.windows(7).any(|w| w == b"GivenC1"));
    assert!(bytes.windows(7).any(|w| w == b"GivenC2"));
    // A schedule that is not one: the file, line and column named.
    let bad = dir.0.join("schedule.json");
    std::fs::write(&bad, "{\n  \"version\": 3\n}").unwrap();
    let out = run(
        &[
            "retention",
            "purge",
            "--as-of",
            "2021-01-01",
            "--schedule",
            bad.to_str().unwrap(),
        ],
        &path,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("schedule.json: line 2, column"),
        "{}",
        stderr(&out)
    );
    assert_eq!(run(&["audit", "verify"], &path).status.code(), Some(0));
}
