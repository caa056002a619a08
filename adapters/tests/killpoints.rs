//! All or nothing, by killing the process: the nightly import of a changed night 2 is
//! aborted (`PATCHWORK_KILL_AT=N`, a real `abort()`, no destructors) at every checkpoint
//! of its save in turn, each time on a fresh copy of the night-1 store. Every time the
//! store must pass `PRAGMA integrity_check` and hold exactly the night-1 network (killed
//! before the commit) or exactly the night-2 network (killed after it).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use chrono::NaiveDate;
use patchwork_adapters::store::Store;
use patchwork_adapters::synthetic::{self, Sizes};

mod common;
use common::{TempDir, export_json, stderr};

/// Fewest kill points the test must exercise.
const MIN_KILL_POINTS: u64 = 50;
/// Kill points run at the same time (each is its own process and store).
const PARALLEL: u64 = 8;
/// Give up probing past this many checkpoints (the save would never end).
const MAX_KILL_POINTS: u64 = 2_000;

fn import(store: &Path, ssd: &Path, as_of: NaiveDate, kill_at: Option<u64>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_patchwork"));
    cmd.arg("import")
        .arg("--store")
        .arg(store)
        .arg("--ssd")
        .arg(ssd)
        .args(["--as-of", &as_of.to_string(), "--quiet"]);
    match kill_at {
        Some(n) => cmd.env("PATCHWORK_KILL_AT", n.to_string()),
        None => cmd.env_remove("PATCHWORK_KILL_AT"),
    };
    cmd.output().unwrap()
}

/// The store's network as `patchwork export --format json` writes it.
/// The store file and whichever of its `-wal` and `-shm` files exist.
fn store_files(store: &Path) -> Vec<(PathBuf, String)> {
    let name = store.file_name().unwrap().to_str().unwrap();
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| {
            (
                store.with_file_name(format!("{name}{suffix}")),
                suffix.to_string(),
            )
        })
        .filter(|(p, _)| p.exists())
        .collect()
}

/// Copies a closed store, with its `-wal` and `-shm` files if present, to `to`.
fn copy_store(from: &Path, to: &Path) {
    let name = to.file_name().unwrap().to_str().unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(to.with_file_name(format!("{name}{suffix}")));
    }
    for (path, suffix) in store_files(from) {
        std::fs::copy(&path, to.with_file_name(format!("{name}{suffix}"))).unwrap();
    }
}

/// Night 2: a copy of night 1's SSD folder with every 8th involvement gone and every
/// third open one ended on `end`.
fn night2(ssd: &Path, to: &Path, end: NaiveDate) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(ssd).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
    let file = to.join("ssd_involvements.csv");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let columns: Vec<&str> = header.split(',').collect();
    let at = |name: &str| columns.iter().position(|c| *c == name).unwrap();
    let (start_col, end_col) = (
        at("invo_involvement_start_date"),
        at("invo_involvement_end_date"),
    );
    let mut out = format!("{header}\n");
    let (mut removed, mut ended) = (0, 0);
    for (i, line) in lines.enumerate() {
        if i % 8 == 5 {
            removed += 1;
            continue;
        }
        let mut fields: Vec<String> = line.split(',').map(str::to_owned).collect();
        let starts_before = NaiveDate::parse_from_str(&fields[start_col], "%Y-%m-%d")
            .is_ok_and(|start| start < end);
        if i % 3 == 1
            && !line.contains('"')
            && fields.len() == columns.len()
            && fields[end_col].is_empty()
            && starts_before
        {
            fields[end_col] = end.to_string();
            ended += 1;
        }
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    assert!(
        removed > 10 && ended > 5,
        "removed {removed}, ended {ended}"
    );
    std::fs::write(&file, out).unwrap();
}

/// What one kill left behind.
struct Killed {
    n: u64,
    output: Output,
    integrity: Vec<String>,
    last_import: Option<i64>,
    /// Import entries in the audit trail.
    audited: i64,
    json: Vec<u8>,
}

fn kill_once(dir: &Path, night1_store: &Path, ssd2: &Path, as_of: NaiveDate, n: u64) -> Killed {
    let store = dir.join(format!("kill-{n}.sqlite"));
    copy_store(night1_store, &store);
    let output = import(&store, ssd2, as_of, Some(n));
    let opened = Store::open(&store).unwrap();
    let mut integrity = opened.integrity_check().unwrap();
    drop(opened);
    // The save runs with foreign keys off (see `store::delta`): every reference must
    // still resolve, whatever the moment of the kill.
    let conn = rusqlite::Connection::open(&store).unwrap();
    let dangling: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    if dangling > 0 {
        integrity.push(format!("{dangling} dangling references"));
    }
    // The import's audit entry is saved with the network: one per import that loaded.
    let audited: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE category = 'import'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(conn);
    let opened = Store::open(&store).unwrap();
    let last_import = opened.last_import().unwrap().map(|i| i.id);
    drop(opened);
    let json = export_json(&store, &dir.join(format!("kill-{n}.json")));
    for (path, _) in store_files(&store) {
        let _ = std::fs::remove_file(path);
    }
    let _ = std::fs::remove_file(dir.join(format!("kill-{n}.json")));
    Killed {
        n,
        output,
        integrity,
        last_import,
        audited,
        json,
    }
}

#[test]
fn killing_the_import_at_every_checkpoint_leaves_the_store_before_or_after() {
    let started = Instant::now();
    let dir = TempDir::new("all");
    let council = synthetic::generate_sizes(
        Sizes {
            persons: 2_000,
            involvements: 8_000,
            professionals: 200,
        },
        17,
    );
    let night1_dir = dir.0.join("night1");
    synthetic::write_council(&council, &night1_dir).unwrap();
    let ssd1 = night1_dir.join("ssd");
    let ssd2 = dir.0.join("night2/ssd");
    let day1 = council.today;
    let day2 = day1 + chrono::Days::new(7);
    night2(&ssd1, &ssd2, day2);

    // BEFORE: night 1 imported.
    let night1_store = dir.0.join("night1.sqlite");
    let out = import(&night1_store, &ssd1, day1, None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let before = export_json(&night1_store, &dir.0.join("before.json"));

    // AFTER: night 2 imported into a copy, undisturbed.
    let after_store = dir.0.join("after.sqlite");
    copy_store(&night1_store, &after_store);
    let out = import(&after_store, &ssd2, day2, None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let after = export_json(&after_store, &dir.0.join("after.json"));
    assert_ne!(before, after, "night 2 must change the network");

    // Kill at checkpoint 1, 2, ... until an import runs to its end: N is then past the
    // last checkpoint.
    let mut killed = 0u64;
    let mut killed_after_commit = 0u64;
    let mut completed = None;
    let mut next = 1u64;
    while completed.is_none() {
        assert!(next <= MAX_KILL_POINTS, "the save never ran to its end");
        let runs: Vec<Killed> = std::thread::scope(|scope| {
            let handles: Vec<_> = (next..next + PARALLEL)
                .map(|n| {
                    let (dir, n1, ssd2) = (&dir.0, &night1_store, &ssd2);
                    scope.spawn(move || kill_once(dir, n1, ssd2, day2, n))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        next += PARALLEL;
        for run in runs {
            let n = run.n;
            let err = stderr(&run.output);
            assert_eq!(run.integrity, ["ok"], "N={n}: {err}");
            if run.output.status.success() {
                // Past the last checkpoint: the import ran to its end.
                assert_eq!(
                    run.json, after,
                    "N={n}: completed import differs from AFTER"
                );
                assert_eq!(run.last_import, Some(2), "N={n}");
                assert_eq!(run.audited, 2, "N={n}: one audit entry per import");
                completed.get_or_insert(n);
                continue;
            }
            assert!(
                completed.is_none_or(|c| n < c),
                "N={n}: killed after an earlier N completed"
            );
            assert!(
                err.contains(&format!("PATCHWORK_KILL_AT={n}: aborting at")),
                "N={n}: the process did not die at a checkpoint: {:?}: {err}",
                run.output.status
            );
            killed += 1;
            let is_committed = err.contains("aborting at Committed")
                || err.contains("aborting at WalCheckpointed");
            killed_after_commit += u64::from(is_committed);
            if is_committed {
                assert!(
                    run.json == after,
                    "N={n}: killed after the commit, not AFTER"
                );
                assert_eq!(run.last_import, Some(2), "N={n}");
                assert_eq!(run.audited, 2, "N={n}: the import's audit entry is missing");
            } else {
                assert!(
                    run.json == before,
                    "N={n}: killed before the commit, not BEFORE ({err})"
                );
                assert_eq!(run.last_import, Some(1), "N={n}");
                assert_eq!(run.audited, 1, "N={n}: an audit entry without its import");
            }
        }
    }
    let completed = completed.unwrap();
    assert_eq!(killed, completed - 1, "every N below {completed} must kill");
    assert!(killed_after_commit >= 2, "no kill points after the commit");
    assert!(
        killed >= MIN_KILL_POINTS,
        "only {killed} kill points; at least {MIN_KILL_POINTS} needed"
    );
    eprintln!(
        "{killed} kill points exercised ({} before the commit left BEFORE, {killed_after_commit} after it left AFTER), in {:.1} s",
        killed - killed_after_commit,
        started.elapsed().as_secs_f64()
    );
}
