//! `patchwork import`, the nightly job, end to end on files written by the synthetic
//! generator (a small council) and hand-edited copies of them: loading, idempotency,
//! end-dating what disappeared, both gates, and the exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDate;
use patchwork_adapters::store::Store;
use patchwork_adapters::synthetic::{self, Sizes, SyntheticCouncil};
use patchwork_core::{EndReason, InvolvementKey, Network};
use serde_json::Value;

mod common;
use common::{TempDir, export_json, stderr};

fn council() -> SyntheticCouncil {
    synthetic::generate_sizes(
        Sizes {
            persons: 400,
            involvements: 1_600,
            professionals: 80,
        },
        11,
    )
}

/// Writes the council's files into `dir/night1` and returns its `ssd` folder and feeds.
fn night1(council: &SyntheticCouncil, dir: &Path) -> (PathBuf, Vec<PathBuf>) {
    let out = dir.join("night1");
    synthetic::write_council(council, &out).unwrap();
    let mut feeds: Vec<PathBuf> = std::fs::read_dir(out.join("agency"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    feeds.sort();
    (out.join("ssd"), feeds)
}

/// A copy of an SSD folder in `to`, with `ssd_involvements.csv` rewritten by `edit`
/// (given the header and the data lines).
fn edited_copy(ssd: &Path, to: &Path, edit: impl FnOnce(&str, Vec<String>) -> Vec<String>) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(ssd).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
    let file = to.join("ssd_involvements.csv");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_owned();
    let rows = edit(&header, lines.map(str::to_owned).collect());
    let mut out = header;
    out.push('\n');
    for row in rows {
        out.push_str(&row);
        out.push('\n');
    }
    std::fs::write(&file, out).unwrap();
}

fn column(header: &str, name: &str) -> usize {
    header.split(',').position(|c| c == name).unwrap()
}

fn import(store: &Path, ssd: Option<&Path>, feeds: &[PathBuf], extra: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_patchwork"));
    cmd.arg("import").arg("--store").arg(store);
    if let Some(ssd) = ssd {
        cmd.arg("--ssd").arg(ssd);
    }
    for feed in feeds {
        cmd.arg("--agency").arg(feed);
    }
    cmd.args(extra);
    cmd.output().unwrap()
}

/// The store's network as `patchwork export --format json` writes it.
fn read_report(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn load(store: &Path) -> Network {
    Store::open(store).unwrap().load().unwrap()
}

fn last_import_id(store: &Path) -> Option<i64> {
    Store::open(store)
        .unwrap()
        .last_import()
        .unwrap()
        .map(|i| i.id)
}

fn as_of(council: &SyntheticCouncil) -> String {
    council.today.to_string()
}

#[test]
fn first_import_loads_and_the_same_files_again_change_nothing() {
    let dir = TempDir::new("first");
    let council = council();
    let (ssd, feeds) = night1(&council, &dir.0);
    let store = dir.0.join("network.sqlite");
    let report = dir.0.join("report.json");
    let date = as_of(&council);

    let out = import(
        &store,
        Some(&ssd),
        &feeds,
        &["--as-of", &date, "--report", report.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("loaded"), "{}", stderr(&out));

    // The store holds the extract's network.
    let net = load(&store);
    let extract = council.extract_network().unwrap();
    assert_eq!(net.involvement_count(), extract.involvement_count());
    // Every professional involved with somebody is stored.
    for inv in extract.involvements() {
        if let Some(p) = inv.professional() {
            let back = net.professional(&p.key).unwrap();
            assert_eq!((&back.name, &back.team), (&p.name, &p.team), "{}", p.key);
        }
    }
    // The teams the children's professionals work in, with their names.
    let mut teams = 0;
    for inv in extract.involvements() {
        if let Some(team) = inv.professional().and_then(|p| p.team.as_ref()) {
            let (stored, expected) = (net.team(team).unwrap(), extract.team(team).unwrap());
            assert_eq!(stored.name, expected.name, "{team}");
            teams += 1;
        }
    }
    assert!(teams > 100);
    for inv in extract.involvements().step_by(97) {
        let back = net.involvement(inv.key()).unwrap();
        assert_eq!(back.person().key, inv.person().key);
        assert_eq!(back.period(), inv.period());
        assert_eq!(back.role(), inv.role());
    }

    // The report: counts, the manifest with hashes, the events.
    let doc = read_report(&report);
    assert_eq!(doc["outcome"], "loaded");
    assert_eq!(doc["import_id"], 1);
    assert_eq!(doc["counts"]["rows_quarantined"], 0);
    let files = doc["files"].as_array().unwrap();
    assert_eq!(files.len(), feeds.len() + 17, "17 SSD tables and the feeds");
    assert!(
        files
            .iter()
            .all(|f| f["sha256"].as_str().unwrap().len() == 64)
    );
    assert_eq!(
        doc["counts"]["rows_read"].as_u64().unwrap(),
        files
            .iter()
            .map(|f| f["rows"].as_u64().unwrap())
            .sum::<u64>()
    );
    // The first import into an empty store records no change events, and says so; its
    // save inserted every record.
    let events = doc["events"].as_array().unwrap();
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(doc["first_import"], true);
    let written = &doc["rows_written"];
    assert_eq!(
        written["inserted"]["persons"].as_u64(),
        Some(net.person_count() as u64)
    );
    assert_eq!(
        written["inserted"]["involvements"].as_u64(),
        Some(net.involvement_count() as u64)
    );
    assert_eq!(written["updated"]["involvements"], 0);
    assert_eq!(written["deleted"]["involvements"], 0);
    assert!(doc["timings"]["total"].as_f64().unwrap() > 0.0);

    // The same files again: unchanged, and the store byte for byte the same.
    let before = export_json(&store, &dir.0.join("before.json"));
    let again = import(
        &store,
        Some(&ssd),
        &feeds,
        &["--as-of", &date, "--report", report.to_str().unwrap()],
    );
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(stderr(&again).contains("unchanged"), "{}", stderr(&again));
    assert_eq!(read_report(&report)["outcome"], "unchanged");
    assert_eq!(export_json(&store, &dir.0.join("after.json")), before);
    assert_eq!(last_import_id(&store), Some(1));
    let s = Store::open(&store).unwrap();
    assert_eq!(s.integrity_check().unwrap(), vec!["ok".to_string()]);
    assert_eq!(s.import_events(1).unwrap().len(), events.len());
}

#[test]
fn an_involvement_missing_from_the_next_extract_is_ended_not_deleted() {
    let dir = TempDir::new("ended");
    let council = council();
    let (ssd, _) = night1(&council, &dir.0);
    let store = dir.0.join("network.sqlite");
    let today: NaiveDate = council.today;
    let out = import(&store, Some(&ssd), &[], &["--as-of", &today.to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Night 2, a week later: one involvement open on that date is gone.
    let night2 = today + chrono::Days::new(7);
    let previous = load(&store);
    let gone = previous
        .involvements()
        .find(|i| {
            i.period().contains(night2) && i.key().system() == "lcs" && !i.key().id().contains('/')
        })
        .map(|i| i.key().clone())
        .unwrap();
    let ssd2 = dir.0.join("night2/ssd");
    edited_copy(&ssd, &ssd2, |header, rows| {
        let id = column(header, "invo_involvements_id");
        let before = rows.len();
        let kept: Vec<String> = rows
            .into_iter()
            .filter(|r| r.split(',').nth(id) != Some(gone.id()))
            .collect();
        assert_eq!(kept.len() + 1, before);
        kept
    });
    let report = dir.0.join("night2.json");
    let out = import(
        &store,
        Some(&ssd2),
        &[],
        &[
            "--as-of",
            &night2.to_string(),
            "--report",
            report.to_str().unwrap(),
            "--quiet",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "--quiet: {}", stderr(&out));

    // Still in the store, ended on the extract date, saying why.
    let net = load(&store);
    assert_eq!(net.involvement_count(), previous.involvement_count());
    let inv = net.involvement(&gone).unwrap();
    assert_eq!(inv.period().end, Some(night2));
    assert_eq!(
        inv.end_reason(),
        Some(&EndReason::Source(format!(
            "missing from the extract of {night2}"
        )))
    );
    assert_eq!(
        inv.period().start,
        previous.involvement(&gone).unwrap().period().start
    );

    // The change event, in the report and in the store.
    let doc = read_report(&report);
    assert_eq!(doc["outcome"], "loaded");
    assert_eq!(doc["counts"]["involvements_ended"], 1);
    // Only what changed was written: the one ended involvement. The rows after the
    // removed one moved up a line in the file, but a move alone rewrites nothing.
    assert_eq!(doc["first_import"], false);
    let written = &doc["rows_written"];
    assert_eq!(written["updated"]["involvements"], 1, "{written}");
    let total = |part: &str| {
        written[part]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum::<u64>()
    };
    assert_eq!(
        (total("inserted"), total("updated"), total("deleted")),
        (0, 1, 0),
        "{written}"
    );
    let ended: Vec<&Value> = doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "involvement_ended")
        .collect();
    assert_eq!(ended.len(), 1, "{ended:?}");
    assert_eq!(ended[0]["involvement"], gone.to_string());
    assert_eq!(ended[0]["end"], night2.to_string());
    let s = Store::open(&store).unwrap();
    let last = s.last_import().unwrap().unwrap();
    assert_eq!(last.id, 2);
    assert_eq!(last.as_of, night2.to_string());
    let stored = s.import_events(2).unwrap();
    assert!(
        stored
            .iter()
            .any(|(event, json)| event == "involvement_ended" && json.contains(&gone.to_string())),
        "{stored:?}"
    );

    drop(s);

    // A third night without it again (the same rows, in another folder) keeps it as it
    // was: ended on night 2, not deleted, and no new event about it.
    let ssd3 = dir.0.join("night3/ssd");
    edited_copy(&ssd2, &ssd3, |_, rows| rows);
    let night3 = night2 + chrono::Days::new(1);
    let report3 = dir.0.join("night3.json");
    let out = import(
        &store,
        Some(&ssd3),
        &[],
        &[
            "--as-of",
            &night3.to_string(),
            "--report",
            report3.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = read_report(&report3);
    assert_eq!(doc["outcome"], "loaded");
    assert_eq!(doc["counts"]["involvements_ended"], 0);
    let key: &InvolvementKey = &gone;
    assert!(
        doc["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["involvement"] != key.to_string()),
    );
    let net = load(&store);
    assert_eq!(net.involvement(key).unwrap().period().end, Some(night2));
}

#[test]
fn many_bad_rows_hold_the_import_and_leave_the_store_unchanged() {
    let dir = TempDir::new("bad-rows");
    let council = council();
    let (ssd, _) = night1(&council, &dir.0);
    let store = dir.0.join("network.sqlite");
    let date = as_of(&council);
    let out = import(&store, Some(&ssd), &[], &["--as-of", &date]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let before = export_json(&store, &dir.0.join("before.json"));

    // Every fifth involvement with a start date that is not a date.
    let ssd2 = dir.0.join("night2/ssd");
    edited_copy(&ssd, &ssd2, |header, rows| {
        let start = column(header, "invo_involvement_start_date");
        rows.into_iter()
            .enumerate()
            .map(|(n, r)| {
                if n % 5 == 0 {
                    let mut cells: Vec<&str> = r.split(',').collect();
                    cells[start] = "31/02/2025";
                    cells.join(",")
                } else {
                    r
                }
            })
            .collect()
    });
    let report = dir.0.join("held.json");
    let out = import(
        &store,
        Some(&ssd2),
        &[],
        &["--as-of", &date, "--report", report.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("HELD"), "{}", stderr(&out));
    assert_eq!(export_json(&store, &dir.0.join("after.json")), before);
    assert_eq!(last_import_id(&store), Some(1));

    let doc = read_report(&report);
    assert_eq!(doc["outcome"], "held");
    assert_eq!(doc["reasons"][0]["gate"], "too_many_quarantined");
    assert!(doc["counts"]["rows_quarantined"].as_u64().unwrap() > 10);
    // Every quarantined row with file, line, column and a reason, and never the value.
    let problems = doc["problems"]["problems"].as_array().unwrap();
    let quarantined: Vec<&Value> = problems
        .iter()
        .filter(|p| p["severity"] == "quarantined")
        .collect();
    assert!(quarantined.len() > 10);
    for p in quarantined {
        assert!(
            p["file"]
                .as_str()
                .unwrap()
                .ends_with("ssd_involvements.csv")
        );
        assert!(p["line"].as_u64().unwrap() > 1);
        assert_eq!(p["column"], "invo_involvement_start_date");
        assert!(!p["message"].as_str().unwrap().is_empty());
    }
    assert!(
        !std::fs::read_to_string(&report)
            .unwrap()
            .contains("31/02/2025")
    );
}

#[test]
fn a_third_of_the_involvements_gone_is_held_by_the_row_count_gate() {
    let dir = TempDir::new("drop");
    let council = council();
    let (ssd, _) = night1(&council, &dir.0);
    let store = dir.0.join("network.sqlite");
    let date = as_of(&council);
    let out = import(&store, Some(&ssd), &[], &["--as-of", &date]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let before = export_json(&store, &dir.0.join("before.json"));

    let ssd2 = dir.0.join("night2/ssd");
    edited_copy(&ssd, &ssd2, |_, rows| {
        rows.into_iter()
            .enumerate()
            .filter(|(n, _)| n % 3 != 0)
            .map(|(_, r)| r)
            .collect()
    });
    let report = dir.0.join("held.json");
    let out = import(
        &store,
        Some(&ssd2),
        &[],
        &["--as-of", &date, "--report", report.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ssd_involvements.csv"),
        "{}",
        stderr(&out)
    );
    assert_eq!(export_json(&store, &dir.0.join("after.json")), before);
    assert_eq!(last_import_id(&store), Some(1));
    let doc = read_report(&report);
    assert_eq!(doc["outcome"], "held");
    let reasons = doc["reasons"].as_array().unwrap();
    assert!(
        reasons
            .iter()
            .any(|r| r["gate"] == "file_row_count_drop" && r["file"] == "ssd_involvements.csv"),
        "{reasons:?}"
    );
    assert_eq!(doc["counts"]["rows_quarantined"], 0);

    // With the gate opened up, the same night loads and ends what disappeared.
    let out = import(
        &store,
        Some(&ssd2),
        &[],
        &["--as-of", &date, "--max-row-drop-percent", "50"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(last_import_id(&store), Some(2));
}

#[test]
fn usage_errors_exit_2_and_failures_exit_1_naming_the_path() {
    let dir = TempDir::new("exit-codes");
    let store = dir.0.join("network.sqlite");

    // Neither --ssd nor --agency.
    let out = import(&store, None, &[], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = import(&store, None, &[], &["--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = import(&store, Some(&dir.0), &[], &["--as-of", "31/03/2025"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));

    // An SSD folder that cannot be read.
    let missing = dir.0.join("no-such-extract");
    let out = import(&store, Some(&missing), &[], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&missing.display().to_string()),
        "{}",
        stderr(&out)
    );
    // A folder without ssd_person.csv.
    let empty = dir.0.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = import(&store, Some(&empty), &[], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&empty.display().to_string()),
        "{}",
        stderr(&out)
    );
    // A feed that does not exist.
    let feed = dir.0.join("no-such-feed.csv");
    let out = import(&store, None, std::slice::from_ref(&feed), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&feed.display().to_string()),
        "{}",
        stderr(&out)
    );
    assert_eq!(last_import_id(&store), None);
}

#[test]
fn progress_reports_every_step_and_ends_each_at_its_total() {
    use patchwork_adapters::nightly::{
        ImportOutcome, ImportRequest, Progress, Step, run_import_with_progress,
    };
    use std::sync::Mutex;

    let dir = TempDir::new("progress");
    let council = council();
    let (ssd, feeds) = night1(&council, &dir.0);
    let mut request = ImportRequest::new(council.today).ssd(&ssd);
    for f in &feeds {
        request = request.feed(f);
    }
    let bytes: u64 = std::fs::read_dir(&ssd)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .chain(feeds.iter().map(|f| std::fs::metadata(f).unwrap().len()))
        .sum();
    let seen: Mutex<Vec<Progress>> = Mutex::new(Vec::new());
    let mut store = Store::open(dir.0.join("p.sqlite")).unwrap();
    let outcome =
        run_import_with_progress(&mut store, &request, &|p| seen.lock().unwrap().push(p)).unwrap();
    let ImportOutcome::Loaded { written, .. } = outcome else {
        panic!("not loaded: {outcome:?}");
    };
    let seen = seen.into_inner().unwrap();
    for step in [
        Step::Hashing,
        Step::Reading,
        Step::Loading,
        Step::Comparing,
        Step::Saving,
    ] {
        let reports: Vec<&Progress> = seen.iter().filter(|p| p.step == step).collect();
        let last = reports
            .last()
            .unwrap_or_else(|| panic!("no {step:?} report"));
        assert_eq!(last.done, last.total, "{step:?} does not end at its total");
        assert!(
            reports.windows(2).all(|w| w[0].done <= w[1].done),
            "{step:?} goes backwards"
        );
        match step {
            // Every byte of every input file, hashed and then read, counted once: only
            // the last file's report and the closing one reach the total.
            Step::Hashing | Step::Reading => {
                assert_eq!(last.total, bytes, "{step:?}");
                let early = &reports[..reports.len().saturating_sub(2)];
                assert!(
                    early.iter().all(|p| p.done < p.total),
                    "{step:?} reaches its total before its last file"
                );
            }
            // Every row the save wrote.
            Step::Saving => assert_eq!(last.total, written.total(), "{step:?}"),
            _ => {}
        }
    }
}
