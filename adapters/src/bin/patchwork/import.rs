//! `patchwork import`: the nightly job.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use patchwork_adapters::nightly::{
    Gates, HoldReason, ImportOutcome, ImportRequest, Timings, run_import_with_progress,
};
use patchwork_adapters::report::ImportReport;
use patchwork_adapters::store::{DeltaSummary, ManifestEntry, Store};
use patchwork_core::ChangeEvent;
use serde::Serialize;

use super::progress::Bars;
use patchwork_adapters::store::{AuditCategory, AuditEntry};

use super::audit::{self, Subjects};
use super::{ImportArgs, today};

/// Exit code of an import a gate held (or rejected): the store is unchanged.
const EXIT_HELD: u8 = 3;

/// The JSON report `--report` writes.
#[derive(Debug, Serialize)]
struct Report<'a> {
    /// `loaded`, `unchanged` or `held`.
    outcome: &'static str,
    /// The store file.
    store: String,
    /// The extract date.
    as_of: String,
    /// The import's id in the store (`loaded`), or the earlier import whose files these
    /// are (`unchanged`).
    import_id: Option<i64>,
    /// Why the import was held (empty otherwise).
    reasons: &'a [HoldReason],
    /// Warnings of an import that loaded.
    warnings: &'a [String],
    /// True for the first import into an empty store, which records no change events
    /// (everything is new).
    first_import: bool,
    /// The rows the save inserted, updated and deleted, table by table (`loaded` only).
    rows_written: Option<DeltaSummary>,
    /// The gates applied.
    gates: Gates,
    counts: Counts,
    /// Seconds per step, and in all.
    timings: TimingsDoc,
    /// The input files.
    files: &'a [ManifestEntry],
    /// Every problem found (file, line, column, kind, severity, message: never a value
    /// from the files), counts by kind, row counts per file.
    problems: Option<&'a ImportReport>,
    /// The change events saved with the import.
    events: &'a [ChangeEvent],
}

#[derive(Debug, Serialize)]
struct Counts {
    rows_read: u64,
    rows_loaded: u64,
    rows_quarantined: u64,
    involvements_ended: u64,
    change_events: u64,
    change_events_by_kind: BTreeMap<String, u64>,
}

#[derive(Debug, Serialize)]
struct TimingsDoc {
    #[serde(flatten)]
    steps: Timings,
    total: f64,
}

fn counts(report: Option<&ImportReport>, ended: u64, events: &[ChangeEvent]) -> Counts {
    let mut by_kind = BTreeMap::new();
    for e in events {
        let tag = serde_json::to_value(e)
            .ok()
            .and_then(|v| v.get("event").and_then(|t| t.as_str()).map(str::to_owned))
            .unwrap_or_default();
        *by_kind.entry(tag).or_insert(0) += 1;
    }
    Counts {
        rows_read: report.map_or(0, |r| r.files.values().map(|c| c.rows).sum()),
        rows_loaded: report.map_or(0, ImportReport::loaded),
        rows_quarantined: report.map_or(0, ImportReport::quarantined),
        involvements_ended: ended,
        change_events: events.len() as u64,
        change_events_by_kind: by_kind,
    }
}

/// The test aid that kills the import at a save checkpoint (see the program's
/// documentation).
const KILL_AT: &str = "PATCHWORK_KILL_AT";

/// The checkpoint [`KILL_AT`] names, if it is set.
fn kill_at() -> Result<Option<u64>, String> {
    match std::env::var(KILL_AT) {
        Err(std::env::VarError::NotPresent) => Ok(None),
        Ok(text) => match text.trim().parse::<u64>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(format!(
                "import: {KILL_AT}={text:?} is not a checkpoint number (1, 2, ...)"
            )),
        },
        Err(e) => Err(format!("import: {KILL_AT}: {e}")),
    }
}

/// `patchwork import`.
pub(crate) fn import(args: &ImportArgs) -> Result<ExitCode, String> {
    let started = Instant::now();
    let as_of = args.as_of.unwrap_or_else(today);
    let mut request = ImportRequest::new(as_of);
    request.ssd = args.ssd.clone();
    request.feeds = args.agency.clone();
    request.cin = args.cin.clone();
    request.ssda903 = args.ssda903.clone();
    request.audit = Some(import_entry(&args.store, as_of));
    request.gates = Gates {
        reject_quarantined_fraction: args.max_quarantined_percent / 100.0,
        hold_row_drop_fraction: args.max_row_drop_percent / 100.0,
        ..Gates::default()
    };
    let mut store =
        Store::open(&args.store).map_err(|e| format!("import: cannot open the store: {e}"))?;
    if let Some(n) = kill_at()? {
        let mut reached = 0u64;
        store.set_checkpoint(Box::new(move |checkpoint| {
            reached += 1;
            if reached == n {
                eprintln!("patchwork: {KILL_AT}={n}: aborting at {checkpoint:?}");
                std::process::abort();
            }
        }));
    }
    let bars = Bars::on_terminal(args.quiet);
    let outcome = run_import_with_progress(&mut store, &request, &|p| {
        if let Some(bars) = &bars {
            bars.update(p);
        }
    })
    .map_err(|e| format!("import: {e}"))?;
    drop(bars);
    audit_import(&mut store, &args.store, as_of, &outcome)?;
    drop(store);
    let total = started.elapsed().as_secs_f64();

    let store_name = args.store.display().to_string();
    let doc = match &outcome {
        ImportOutcome::Unchanged {
            previous_import,
            manifest,
            timings,
        } => Report {
            outcome: "unchanged",
            store: store_name,
            as_of: as_of.to_string(),
            import_id: Some(*previous_import),
            reasons: &[],
            warnings: &[],
            first_import: false,
            rows_written: None,
            gates: request.gates,
            counts: counts(None, 0, &[]),
            timings: TimingsDoc {
                steps: *timings,
                total,
            },
            files: manifest,
            problems: None,
            events: &[],
        },
        ImportOutcome::Held {
            reasons,
            report,
            manifest,
            timings,
        } => Report {
            outcome: "held",
            store: store_name,
            as_of: as_of.to_string(),
            import_id: None,
            reasons,
            warnings: &[],
            first_import: false,
            rows_written: None,
            gates: request.gates,
            counts: counts(Some(report), 0, &[]),
            timings: TimingsDoc {
                steps: *timings,
                total,
            },
            files: manifest,
            problems: Some(report),
            events: &[],
        },
        ImportOutcome::Loaded {
            import_id,
            report,
            events,
            first,
            written,
            ended,
            warnings,
            manifest,
            timings,
        } => Report {
            outcome: "loaded",
            store: store_name,
            as_of: as_of.to_string(),
            import_id: Some(*import_id),
            reasons: &[],
            warnings,
            first_import: *first,
            rows_written: Some(*written),
            gates: request.gates,
            counts: counts(Some(report), *ended, events),
            timings: TimingsDoc {
                steps: *timings,
                total,
            },
            files: manifest,
            problems: Some(report),
            events,
        },
        _ => return Err("import: an outcome this program does not know".to_owned()),
    };

    if let Some(path) = &args.report {
        let write = || -> std::io::Result<()> {
            let mut out = BufWriter::new(File::create(path)?);
            serde_json::to_writer_pretty(&mut out, &doc)?;
            out.write_all(b"\n")?;
            out.flush()
        };
        write().map_err(|e| format!("import: cannot write the report {}: {e}", path.display()))?;
    }

    if !args.quiet {
        summarise(args, &doc, &outcome);
    }
    Ok(match outcome {
        ImportOutcome::Held { .. } => ExitCode::from(EXIT_HELD),
        _ => ExitCode::SUCCESS,
    })
}

/// The audit entry of an import that loads, given to the import so that it is saved in
/// the same transaction as the network (the store adds the import's id): an `import`
/// about everyone in the store.
pub(crate) fn import_entry(path: &std::path::Path, as_of: chrono::NaiveDate) -> AuditEntry {
    let mut entry = AuditEntry::new(
        audit::now(),
        audit::cli_actor(),
        AuditCategory::Import,
        "nightly import",
    );
    entry.all_subjects = true;
    entry.detail = serde_json::json!({
        "command": "import",
        "outcome": "loaded",
        "as_of": as_of,
        "store": path.display().to_string(),
    });
    entry
}

/// Appends the audit entry of an import that did not load (held, or unchanged), about no
/// one. An import that loaded was audited in its own transaction ([`import_entry`]).
pub(crate) fn audit_import(
    store: &mut Store,
    path: &std::path::Path,
    as_of: chrono::NaiveDate,
    outcome: &ImportOutcome,
) -> Result<(), String> {
    let (name, import_id, files) = match outcome {
        ImportOutcome::Loaded { .. } => return Ok(()),
        ImportOutcome::Unchanged {
            previous_import,
            manifest,
            ..
        } => ("unchanged", Some(*previous_import), manifest),
        ImportOutcome::Held { manifest, .. } => ("held", None, manifest),
        _ => ("unknown", None, &Vec::new()),
    };
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|f| serde_json::json!({"path": f.path, "sha256": f.sha256, "rows": f.rows}))
        .collect();
    audit::record(
        store,
        "import",
        AuditCategory::Import,
        "nightly import",
        Subjects::These(Vec::new()),
        serde_json::json!({
            "outcome": name,
            "import_id": import_id,
            "as_of": as_of,
            "store": path.display().to_string(),
            "files": files,
        }),
    )
}

/// The short human summary on stderr (with `--verbose`, every problem and change event).
fn summarise(args: &ImportArgs, doc: &Report<'_>, outcome: &ImportOutcome) {
    let c = &doc.counts;
    let files = doc.files.len();
    match doc.outcome {
        "unchanged" => eprintln!(
            "patchwork import: unchanged: the {files} files are those of import {} already in {}; the store was not touched ({:.1} s)",
            doc.import_id.unwrap_or_default(),
            doc.store,
            doc.timings.total
        ),
        "held" => {
            eprintln!(
                "patchwork import: HELD, the store {} is unchanged: {} rows read from {files} files, {} quarantined",
                doc.store, c.rows_read, c.rows_quarantined
            );
            for reason in doc.reasons {
                eprintln!("  held: {reason}");
            }
        }
        _ => {
            eprintln!(
                "patchwork import: loaded into {} (import {}, as of {}): {} rows read from {files} files, {} loaded, {} quarantined; {} involvements ended as missing; {} change events ({:.1} s)",
                doc.store,
                doc.import_id.unwrap_or_default(),
                doc.as_of,
                c.rows_read,
                c.rows_loaded,
                c.rows_quarantined,
                c.involvements_ended,
                c.change_events,
                doc.timings.total
            );
            if doc.first_import {
                eprintln!("  first import into this store: no change events (everything is new)");
            }
            if let Some(w) = &doc.rows_written {
                eprintln!(
                    "  store: {} rows inserted, {} updated, {} deleted",
                    w.inserted.total(),
                    w.updated.total(),
                    w.deleted.total()
                );
            }
            for (kind, n) in &c.change_events_by_kind {
                eprintln!("  {n} x {kind}");
            }
            for warning in doc.warnings {
                eprintln!("  warning: {warning}");
            }
        }
    }
    if let Some(report) = doc.problems {
        for (kind, n) in &report.counts_by_kind {
            eprintln!("  problems: {n} x {kind:?}");
        }
        if args.verbose {
            for p in &report.problems {
                eprintln!("  {p}");
            }
        }
    }
    if args.verbose
        && let ImportOutcome::Loaded { events, .. } = outcome
    {
        for e in events {
            eprintln!("  {}", serde_json::to_string(e).unwrap_or_default());
        }
    }
}
