//! The audit trail: the hash chain as documented (checked against a hash computed here
//! by hand from the documented encoding), the append-only triggers, tamper detection
//! (every row edited, deleted, moved or inserted, with the triggers dropped first) and
//! the queries.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, TimeZone, Utc};
use patchwork_adapters::store::{
    Actor, AuditCategory, AuditEntry, AuditQuery, BreakKind, GENESIS_HASH, Store,
};
use patchwork_core::PersonKey;
use rusqlite::Connection;
use sha2::{Digest, Sha256};

mod common;
use common::TempDir;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
}

fn c(id: &str) -> PersonKey {
    PersonKey::new("lcs", id)
}

/// The entries every test starts from, in order (numbered 1 to 6):
///
/// 1. 09:00 viewer lcs:W1 consults C1
/// 2. 09:05 viewer lcs:W2 consults C2
/// 3. 09:10 administrative cli:dpo exports everything (disclosure)
/// 4. 10:00 viewer lcs:W1 overrides for C2 (break-glass)
/// 5. 11:00 system nightly imports (about everyone)
/// 6. 12:00 viewer lcs:W1 consults C1 and C3
fn entries() -> Vec<AuditEntry> {
    let w1 = || Actor::Viewer("lcs:W1".into());
    vec![
        AuditEntry::new(
            t(9, 0),
            w1(),
            AuditCategory::Consultation,
            "team around the child",
        )
        .with_subject(c("C1"))
        .with_detail(&serde_json::json!({"command": "team", "members": 3}))
        .unwrap(),
        AuditEntry::new(
            t(9, 5),
            Actor::Viewer("lcs:W2".into()),
            AuditCategory::Consultation,
            "team around the child",
        )
        .with_subject(c("C2")),
        AuditEntry::new(
            t(9, 10),
            Actor::Administrative("cli:dpo".into()),
            AuditCategory::Disclosure,
            "export",
        )
        .about_everyone(),
        AuditEntry::new(
            t(10, 0),
            w1(),
            AuditCategory::Override,
            "safeguarding: urgent",
        )
        .with_subject(c("C2")),
        AuditEntry::new(
            t(11, 0),
            Actor::System("nightly".into()),
            AuditCategory::Import,
            "nightly import",
        )
        .about_everyone(),
        AuditEntry::new(t(12, 0), w1(), AuditCategory::Consultation, "caseload").with_subjects([
            c("C1"),
            c("C3"),
            c("C1"),
        ]),
    ]
}

/// A store file holding [`entries`], in `dir`.
fn store_with_entries(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let mut store = Store::open(&path).unwrap();
    for (i, e) in entries().iter().enumerate() {
        assert_eq!(store.append_audit(e).unwrap(), i as i64 + 1);
    }
    path
}

/// Drops the append-only triggers, as someone tampering with the file would.
fn tamper(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF;
         DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;
         DROP TRIGGER audit_subjects_no_update; DROP TRIGGER audit_subjects_no_delete;
         DROP TRIGGER audit_head_no_delete;",
    )
    .unwrap();
    conn
}

/// The first broken entry verify names, and how.
fn broken(path: &Path) -> (i64, BreakKind) {
    let v = Store::open(path).unwrap().verify_audit().unwrap();
    let b = v.broken.expect("verify must find the tampering");
    (b.seq, b.problem)
}

fn hash_by_hand(fields: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(b"patchwork-audit-v1");
    for f in fields {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn the_first_entry_is_hashed_as_documented() {
    let mut store = Store::open_in_memory().unwrap();
    store.append_audit(&entries()[0]).unwrap();
    store.append_audit(&entries()[1]).unwrap();
    let rows = store.audit_entries(&AuditQuery::default()).unwrap();
    let first = &rows[0];
    assert_eq!(first.at, "2026-03-02T09:00:00.000000Z");
    assert_eq!(first.subjects, vec!["lcs:C1"]);
    assert_eq!(first.prev_hash, GENESIS_HASH);
    let expected = hash_by_hand(&[
        "1",
        "2026-03-02T09:00:00.000000Z",
        "viewer",
        "lcs:W1",
        "consultation",
        "team around the child",
        "subjects",
        r#"["lcs:C1"]"#,
        r#"{"command":"team","members":3}"#,
        GENESIS_HASH,
    ]);
    assert_eq!(first.hash, expected);
    // The second is chained to the first.
    assert_eq!(rows[1].prev_hash, expected);
    let second = hash_by_hand(&[
        "2",
        "2026-03-02T09:05:00.000000Z",
        "viewer",
        "lcs:W2",
        "consultation",
        "team around the child",
        "subjects",
        r#"["lcs:C2"]"#,
        "null",
        &expected,
    ]);
    assert_eq!(rows[1].hash, second);
    let v = store.verify_audit().unwrap();
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(v.entries, 2);
    assert_eq!(v.head.as_deref(), Some(second.as_str()));
}

#[test]
fn an_empty_trail_is_intact() {
    let store = Store::open_in_memory().unwrap();
    let v = store.verify_audit().unwrap();
    assert!(v.is_intact());
    assert_eq!((v.entries, v.head), (0, None));
}

#[test]
fn triggers_refuse_update_and_delete() {
    let dir = TempDir::new("triggers");
    let path = store_with_entries(&dir.0, "s.sqlite");
    let conn = Connection::open(&path).unwrap();
    for sql in [
        "UPDATE audit_log SET purpose = 'nothing to see' WHERE seq = 2",
        "DELETE FROM audit_log WHERE seq = 6",
        "DELETE FROM audit_log",
        "UPDATE audit_subjects SET person_key = 'lcs:C9'",
        "DELETE FROM audit_subjects WHERE seq = 1",
        "DELETE FROM audit_head",
    ] {
        let err = conn.execute_batch(sql).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    drop(conn);
    let v = Store::open(&path).unwrap().verify_audit().unwrap();
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(v.entries, 6);
}

#[test]
fn dropping_the_triggers_is_reported_even_with_the_chain_intact() {
    let dir = TempDir::new("dropped");
    let path = store_with_entries(&dir.0, "s.sqlite");
    drop(tamper(&path));
    let v = Store::open(&path).unwrap().verify_audit().unwrap();
    assert_eq!(v.broken, None);
    assert_eq!(v.missing_triggers.len(), 5);
    assert!(!v.is_intact());
}

#[test]
fn editing_any_column_of_any_row_is_detected_and_named() {
    let dir = TempDir::new("edit");
    let columns = [
        ("at", "'2026-03-02T09:00:00.000001Z'"),
        (
            "actor_kind",
            "CASE actor_kind WHEN 'system' THEN 'viewer' ELSE 'system' END",
        ),
        ("actor", "'lcs:W9'"),
        ("category", "'collection'"),
        ("purpose", "'routine'"),
        (
            "scope",
            "CASE scope WHEN 'all' THEN 'subjects' ELSE 'all' END",
        ),
        ("subjects", r#"'["lcs:C9"]'"#),
        ("detail", r#"'{"command":"other"}'"#),
        ("hash", "'ab' || substr(hash, 3)"),
    ];
    for seq in 1..=6 {
        for (column, value) in columns {
            let path = store_with_entries(&dir.0, &format!("edit-{seq}-{column}.sqlite"));
            tamper(&path)
                .execute(
                    &format!("UPDATE audit_log SET {column} = {value} WHERE seq = ?1"),
                    [seq],
                )
                .unwrap();
            let v = Store::open(&path).unwrap().verify_audit().unwrap();
            let b = v
                .broken
                .unwrap_or_else(|| panic!("editing {column} of entry {seq} not found"));
            let (at, kind) = (b.seq, b.problem);
            assert_eq!(at, seq, "editing {column} of entry {seq}");
            assert_eq!(kind, BreakKind::Edited, "editing {column} of entry {seq}");
        }
        // The previous-hash column: the entry no longer follows the one before.
        let path = store_with_entries(&dir.0, &format!("edit-{seq}-prev.sqlite"));
        tamper(&path)
            .execute(
                "UPDATE audit_log SET prev_hash = 'ab' || substr(prev_hash, 3) WHERE seq = ?1",
                [seq],
            )
            .unwrap();
        let (at, kind) = broken(&path);
        assert_eq!(at, seq);
        assert!(matches!(kind, BreakKind::ChainBroken { .. }), "{kind:?}");
    }
}

#[test]
fn an_edit_with_its_own_hash_recomputed_still_breaks_the_next_entry() {
    // Someone who knows the algorithm edits entry 2 and gives it a correct hash: entry 3
    // no longer follows it.
    let dir = TempDir::new("rehash");
    let path = store_with_entries(&dir.0, "s.sqlite");
    let store = Store::open(&path).unwrap();
    let mut second = store.audit_entries(&AuditQuery::default()).unwrap()[1].clone();
    drop(store);
    second.purpose = "routine".into();
    let hash = second.computed_hash();
    tamper(&path)
        .execute(
            "UPDATE audit_log SET purpose = 'routine', hash = ?1 WHERE seq = 2",
            [&hash],
        )
        .unwrap();
    let (at, kind) = broken(&path);
    assert_eq!(at, 3);
    assert!(matches!(kind, BreakKind::ChainBroken { .. }), "{kind:?}");
}

#[test]
fn deleting_any_row_is_detected_and_named() {
    let dir = TempDir::new("delete");
    for seq in 1..=6i64 {
        let path = store_with_entries(&dir.0, &format!("delete-{seq}.sqlite"));
        let conn = tamper(&path);
        conn.execute("DELETE FROM audit_subjects WHERE seq = ?1", [seq])
            .unwrap();
        conn.execute("DELETE FROM audit_log WHERE seq = ?1", [seq])
            .unwrap();
        drop(conn);
        let (at, kind) = broken(&path);
        assert_eq!(at, seq, "deleting entry {seq}");
        let found = (seq < 6).then_some(seq + 1);
        assert_eq!(kind, BreakKind::Missing { found }, "deleting entry {seq}");
    }
}

#[test]
fn deleting_the_last_rows_and_the_head_is_detected() {
    let dir = TempDir::new("truncate");
    let path = store_with_entries(&dir.0, "s.sqlite");
    let conn = tamper(&path);
    conn.execute_batch(
        "DELETE FROM audit_subjects WHERE seq >= 5; DELETE FROM audit_log WHERE seq >= 5;
         DELETE FROM audit_head;",
    )
    .unwrap();
    drop(conn);
    let (at, kind) = broken(&path);
    assert_eq!(at, 4);
    assert_eq!(
        kind,
        BreakKind::HeadMismatch {
            head_seq: 0,
            head_hash: String::new()
        }
    );
}

#[test]
fn reordering_any_two_rows_is_detected_at_the_first() {
    let dir = TempDir::new("reorder");
    let cols = "at, actor_kind, actor, category, purpose, scope, subjects, detail, prev_hash, hash";
    for i in 1..=6i64 {
        for j in (i + 1)..=6 {
            // Swap the contents of rows i and j (their numbers stay in place).
            let path = store_with_entries(&dir.0, &format!("swap-{i}-{j}.sqlite"));
            let conn = tamper(&path);
            conn.execute_batch(&format!(
                "CREATE TEMP TABLE a AS SELECT {cols} FROM audit_log WHERE seq = {i};
                 CREATE TEMP TABLE b AS SELECT {cols} FROM audit_log WHERE seq = {j};
                 DELETE FROM audit_log WHERE seq IN ({i}, {j});
                 INSERT INTO audit_log (seq, {cols}) SELECT {i}, {cols} FROM b;
                 INSERT INTO audit_log (seq, {cols}) SELECT {j}, {cols} FROM a;"
            ))
            .unwrap();
            drop(conn);
            let (at, _) = broken(&path);
            assert_eq!(at, i, "swapping entries {i} and {j}");

            // Swap their numbers instead (the rows keep their content).
            let path = store_with_entries(&dir.0, &format!("renumber-{i}-{j}.sqlite"));
            tamper(&path)
                .execute_batch(&format!(
                    "UPDATE audit_log SET seq = -1 WHERE seq = {i};
                     UPDATE audit_log SET seq = {i} WHERE seq = {j};
                     UPDATE audit_log SET seq = {j} WHERE seq = -1;"
                ))
                .unwrap();
            let (at, _) = broken(&path);
            assert_eq!(at, i, "renumbering entries {i} and {j}");
        }
    }
}

#[test]
fn inserting_a_row_anywhere_is_detected() {
    let dir = TempDir::new("insert");
    let cols = "at, actor_kind, actor, category, purpose, scope, subjects, detail, prev_hash, hash";
    for k in 1..=7i64 {
        // A made-up entry at position k (later ones renumbered up), with a hash that is
        // not computed by Patchwork's algorithm: named itself.
        let path = store_with_entries(&dir.0, &format!("insert-{k}.sqlite"));
        let conn = tamper(&path);
        conn.execute_batch(&format!(
            "UPDATE audit_log SET seq = -seq WHERE seq >= {k};
             UPDATE audit_log SET seq = 1 - seq WHERE seq < 0;
             INSERT INTO audit_log (seq, {cols})
             SELECT {k}, at, actor_kind, 'lcs:W9', category, 'made up', scope, subjects, detail,
                    COALESCE((SELECT hash FROM audit_log WHERE seq = {k} - 1), '{GENESIS_HASH}'),
                    '{fake}'
             FROM audit_log WHERE seq = {first};",
            fake = "f".repeat(64),
            first = if k == 1 { 2 } else { 1 },
        ))
        .unwrap();
        drop(conn);
        let (at, kind) = broken(&path);
        assert_eq!(at, k, "inserting at {k}");
        assert_eq!(kind, BreakKind::Edited, "inserting at {k}");
    }
    // A forged entry with a correctly computed hash, inserted in the middle: the entry
    // after it no longer follows. At the end (not through Patchwork): the head differs.
    let path = store_with_entries(&dir.0, "forged-end.sqlite");
    let store = Store::open(&path).unwrap();
    let mut forged = store.audit_entries(&AuditQuery::default()).unwrap()[5].clone();
    drop(store);
    forged.seq = 7;
    forged.prev_hash = forged.hash.clone();
    forged.purpose = "made up".into();
    forged.subjects = vec![];
    forged.hash = forged.computed_hash();
    tamper(&path)
        .execute(
            &format!(
                "INSERT INTO audit_log (seq, {cols}) VALUES (7, ?1, ?2, ?3, ?4, ?5, ?6, '[]', ?7, ?8, ?9)"
            ),
            rusqlite::params![
                forged.at,
                forged.actor_kind,
                forged.actor,
                forged.category,
                forged.purpose,
                forged.scope,
                forged.detail,
                forged.prev_hash,
                forged.hash
            ],
        )
        .unwrap();
    let (at, kind) = broken(&path);
    assert_eq!(at, 7);
    assert!(
        matches!(kind, BreakKind::HeadMismatch { head_seq: 6, .. }),
        "{kind:?}"
    );
}

#[test]
fn the_subject_index_cannot_be_changed_unseen() {
    let dir = TempDir::new("subjects");
    // Removing C1 from entry 6 would hide it from "who looked at C1".
    let path = store_with_entries(&dir.0, "remove.sqlite");
    tamper(&path)
        .execute_batch("DELETE FROM audit_subjects WHERE seq = 6 AND person_key = 'lcs:C1'")
        .unwrap();
    assert_eq!(broken(&path), (6, BreakKind::SubjectIndex));
    // Adding a subject to entry 2.
    let path = store_with_entries(&dir.0, "add.sqlite");
    tamper(&path)
        .execute_batch("INSERT INTO audit_subjects (seq, person_key) VALUES (2, 'lcs:C7')")
        .unwrap();
    assert_eq!(broken(&path), (2, BreakKind::SubjectIndex));
    // Rows for an entry that does not exist.
    let path = store_with_entries(&dir.0, "orphan.sqlite");
    tamper(&path)
        .execute_batch("INSERT INTO audit_subjects (seq, person_key) VALUES (9, 'lcs:C7')")
        .unwrap();
    assert_eq!(broken(&path), (9, BreakKind::OrphanSubjects));
}

fn seqs(entries: &[patchwork_adapters::store::StoredAuditEntry]) -> Vec<i64> {
    entries.iter().map(|e| e.seq).collect()
}

#[test]
fn who_looked_at_a_child() {
    let mut store = Store::open_in_memory().unwrap();
    store.append_audit_all(&entries()).unwrap();
    // C1: W1's team read (1), the export of everything (3), W1's caseload (6); not the
    // import (collection, not a look), not W2's read of C2.
    assert_eq!(
        seqs(&store.who_looked_at(&c("C1"), None, None).unwrap()),
        [1, 3, 6]
    );
    // C2: W2's read, the export, W1's override.
    assert_eq!(
        seqs(&store.who_looked_at(&c("C2"), None, None).unwrap()),
        [2, 3, 4]
    );
    // A child nobody named: only the whole-store export.
    assert_eq!(
        seqs(&store.who_looked_at(&c("C5"), None, None).unwrap()),
        [3]
    );
    // Within [09:05, 12:00): entry 6 is at 12:00, excluded.
    assert_eq!(
        seqs(
            &store
                .who_looked_at(&c("C1"), Some(t(9, 5)), Some(t(12, 0)))
                .unwrap()
        ),
        [3]
    );
    // Entry 6 named C1 twice: recorded once.
    let six = &store.audit_entries(&AuditQuery::default()).unwrap()[5];
    assert_eq!(six.subjects, vec!["lcs:C1", "lcs:C3"]);
}

#[test]
fn what_a_professional_looked_at_and_overrides_in_a_period() {
    let mut store = Store::open_in_memory().unwrap();
    store.append_audit_all(&entries()).unwrap();
    assert_eq!(
        seqs(&store.looked_at_by("lcs:W1", None, None).unwrap()),
        [1, 4, 6]
    );
    assert_eq!(
        seqs(&store.looked_at_by("lcs:W2", None, None).unwrap()),
        [2]
    );
    assert_eq!(
        seqs(&store.looked_at_by("lcs:W1", Some(t(9, 30)), None).unwrap()),
        [4, 6]
    );
    assert_eq!(seqs(&store.overrides(None, None).unwrap()), [4]);
    assert_eq!(
        seqs(&store.overrides(Some(t(10, 0)), Some(t(10, 1))).unwrap()),
        [4]
    );
    assert!(store.overrides(Some(t(10, 1)), None).unwrap().is_empty());
    assert!(store.overrides(None, Some(t(10, 0))).unwrap().is_empty());
    // A general query: the import by the nightly job.
    let imports = store
        .audit_entries(&AuditQuery {
            categories: vec![AuditCategory::Import],
            ..AuditQuery::default()
        })
        .unwrap();
    assert_eq!(seqs(&imports), [5]);
    assert_eq!(imports[0].actor_kind, "system");
    assert_eq!(imports[0].scope, "all");
}

#[test]
fn a_trail_survives_reopening_and_keeps_growing() {
    let dir = TempDir::new("reopen");
    let path = store_with_entries(&dir.0, "s.sqlite");
    let mut store = Store::open(&path).unwrap();
    let later = t(13, 0) + Duration::microseconds(7);
    let n = store
        .append_audit(&AuditEntry::new(
            later,
            Actor::Viewer("lcs:W2".into()),
            AuditCategory::Consultation,
            "x",
        ))
        .unwrap();
    assert_eq!(n, 7);
    let v = store.verify_audit().unwrap();
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(v.entries, 7);
    assert_eq!(
        store.audit_entries(&AuditQuery::default()).unwrap()[6].at,
        "2026-03-02T13:00:00.000007Z"
    );
}
