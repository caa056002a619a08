//! The nightly import: tonight's extracts into the store, gated, end-dating what
//! disappeared, with the change events, all or nothing.
//!
//! [`run_import`] is what `patchwork import` runs. One call:
//!
//! 1. computes the **manifest** of the input files (path, SHA-256, bytes). When it equals
//!    the manifest of the last import that loaded, nothing is read and the store is not
//!    touched: [`ImportOutcome::Unchanged`] (running the same files twice is a no-op);
//! 2. builds **tonight's network**: the SSD folder, then each partner feed in the order
//!    given (read two at a time, added in order), then any CIN census and SSDA903 return,
//!    which fill what the extract lacks ([`crate::merge`]); meanwhile the stored network
//!    loads on another thread. Bad rows are quarantined into the [`ImportReport`]; a
//!    structurally broken file fails the import ([`NightlyError`], naming the file) and
//!    the store is not touched;
//! 3. applies the **[`Gates`]**: too many quarantined rows, or a row count that fell too far
//!    against the last import, gives [`ImportOutcome::Held`] and the store is not touched;
//! 4. **end-dates what disappeared**: an involvement of the stored network that tonight's
//!    extracts no longer carry is kept, ended on `as_of` with the end reason
//!    `missing from the extract of <as_of>` (full extracts end-date; they never delete).
//!    One already ended is kept as it was. Its person, professional, team and agency are
//!    kept too when tonight's extracts no longer carry them;
//! 5. computes the **change events** from the stored network to tonight's
//!    ([`Network::diff`] on `as_of`); the first import into an empty store records none;
//! 6. saves what changed in tonight's network **and** the import record (counts, report,
//!    manifest, change events, the audit entry) in one transaction
//!    ([`Store::save_import`]): [`ImportOutcome::Loaded`].
//!
//! ```
//! use patchwork_adapters::nightly::{ImportOutcome, ImportRequest, run_import};
//! use patchwork_adapters::store::Store;
//! use patchwork_adapters::synthetic::{self, Sizes};
//!
//! let council = synthetic::generate_sizes(Sizes { persons: 200, involvements: 800, professionals: 40 }, 7);
//! let dir = std::env::temp_dir().join(format!("patchwork-nightly-doc-{}", std::process::id()));
//! # let _ = std::fs::remove_dir_all(&dir);
//! synthetic::write_council(&council, &dir)?;
//!
//! let mut store = Store::open_in_memory()?;
//! let request = ImportRequest::new(council.today).ssd(dir.join("ssd"));
//! let first = run_import(&mut store, &request)?;
//! assert!(matches!(first, ImportOutcome::Loaded { .. }));
//! // The same files again change nothing.
//! assert!(matches!(run_import(&mut store, &request)?, ImportOutcome::Unchanged { .. }));
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use patchwork_core::{
    AgencyKey, ChangeEvent, EndReason, Network, Period, PersonKey, ProfessionalKey, TeamKey,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::agency::{self, FeedOptions};
use crate::report::ImportReport;
use crate::ssd::{self, SsdError, SsdOptions};
use crate::store::{DeltaSummary, ImportRecord, ManifestEntry, Store, StoreError};
use crate::table::TableError;

/// The thresholds that decide whether an import loads, loads with warnings, or is held.
///
/// Defaults: warn when any row is quarantined (`warn_quarantined_rows: 0`); hold
/// (reject) when quarantined rows exceed 1% of the rows read
/// (`reject_quarantined_fraction: 0.01`); hold when the rows read fall by more than 20%
/// against the last import that loaded (`hold_row_drop_fraction: 0.20`), all files
/// together or in any one file (matched by file name) that had at least 100 rows then
/// (`file_gate_min_rows: 100`): a third of the involvements gone is a fraction of all
/// the rows, but plainly a broken extract.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Gates {
    /// Warn when more rows than this are quarantined.
    pub warn_quarantined_rows: u64,
    /// Hold when quarantined rows exceed this fraction of the rows read.
    pub reject_quarantined_fraction: f64,
    /// Hold when the rows read fall by more than this fraction of the last import's.
    pub hold_row_drop_fraction: f64,
    /// The row-count drop gate applies to a single file only when it had at least this
    /// many rows at the last import (small tables change by large fractions normally).
    pub file_gate_min_rows: u64,
}

impl Default for Gates {
    fn default() -> Self {
        Self {
            warn_quarantined_rows: 0,
            reject_quarantined_fraction: 0.01,
            hold_row_drop_fraction: 0.20,
            file_gate_min_rows: 100,
        }
    }
}

/// What to import, and how.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// The SSD folder, if the council's extract is part of tonight's import.
    pub ssd: Option<PathBuf>,
    /// Partner-agency feed files, imported in this order after the SSD folder.
    pub feeds: Vec<PathBuf>,
    /// CIN census files, added after the feeds (see [`crate::merge`]).
    pub cin: Vec<PathBuf>,
    /// An SSDA903 return's folder, added after the censuses (see [`crate::merge`]).
    pub ssda903: Option<PathBuf>,
    /// The extract date: missing involvements are ended on it, leads compared on it.
    pub as_of: NaiveDate,
    /// The thresholds.
    pub gates: Gates,
    /// How to read the SSD folder.
    pub ssd_options: SsdOptions,
    /// How to read the feeds.
    pub feed_options: FeedOptions,
    /// The audit entry of the import, saved in the same transaction as the network when it
    /// loads (see [`ImportRecord::audit`]); the caller records held and unchanged imports.
    pub audit: Option<crate::store::AuditEntry>,
}

impl ImportRequest {
    /// A request with nothing to import yet, for the extract date `as_of`, with default
    /// gates and the LCS flavour (feeds matched to children in the `lcs` system).
    pub fn new(as_of: NaiveDate) -> Self {
        let ssd_options = SsdOptions::new(ssd::Flavour::Lcs);
        let feed_options = FeedOptions::new(ssd_options.system.clone());
        Self {
            ssd: None,
            feeds: Vec::new(),
            cin: Vec::new(),
            ssda903: None,
            as_of,
            gates: Gates::default(),
            ssd_options,
            feed_options,
            audit: None,
        }
    }

    /// With the SSD folder `dir`.
    pub fn ssd(mut self, dir: impl Into<PathBuf>) -> Self {
        self.ssd = Some(dir.into());
        self
    }

    /// With one more partner feed.
    pub fn feed(mut self, file: impl Into<PathBuf>) -> Self {
        self.feeds.push(file.into());
        self
    }

    /// With one more CIN census file.
    pub fn cin(mut self, file: impl Into<PathBuf>) -> Self {
        self.cin.push(file.into());
        self
    }

    /// With an SSDA903 return's folder.
    pub fn ssda903(mut self, dir: impl Into<PathBuf>) -> Self {
        self.ssda903 = Some(dir.into());
        self
    }

    /// True when the request names no input at all.
    fn is_empty(&self) -> bool {
        self.ssd.is_none() && self.feeds.is_empty() && self.cin.is_empty() && self.ssda903.is_none()
    }
}

/// Why an import was held.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "gate", rename_all = "snake_case")]
pub enum HoldReason {
    /// Too many rows quarantined (a reject).
    TooManyQuarantined {
        /// Rows quarantined.
        quarantined: u64,
        /// Rows read.
        rows_read: u64,
        /// The largest fraction allowed.
        limit: f64,
    },
    /// The row count fell too far against the last import.
    RowCountDrop {
        /// Rows read by the last import that loaded.
        previous: u64,
        /// Rows read tonight.
        rows_read: u64,
        /// The largest drop allowed, as a fraction.
        limit: f64,
    },
    /// One file's row count fell too far against the same file at the last import.
    FileRowCountDrop {
        /// The file name.
        file: String,
        /// Rows the file had at the last import that loaded.
        previous: u64,
        /// Rows it has tonight.
        rows_read: u64,
        /// The largest drop allowed, as a fraction.
        limit: f64,
    },
}

impl fmt::Display for HoldReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooManyQuarantined {
                quarantined,
                rows_read,
                limit,
            } => write!(
                f,
                "{quarantined} of {rows_read} rows quarantined, over the limit of {:.2}%",
                limit * 100.0
            ),
            Self::RowCountDrop {
                previous,
                rows_read,
                limit,
            } => write!(
                f,
                "{rows_read} rows read against {previous} at the last import, a drop of more than {:.0}%",
                limit * 100.0
            ),
            Self::FileRowCountDrop {
                file,
                previous,
                rows_read,
                limit,
            } => write!(
                f,
                "{file}: {rows_read} rows read against {previous} at the last import, a drop of more than {:.0}%",
                limit * 100.0
            ),
        }
    }
}

/// How long each step took, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Hashing the input files.
    pub manifest: f64,
    /// Reading the extracts into tonight's network.
    pub read: f64,
    /// Loading the stored network (at the same time as the reading, on another thread).
    pub load: f64,
    /// End-dating what disappeared and computing the change events.
    pub diff: f64,
    /// Saving the network and the import record.
    pub save: f64,
}

/// What an import did.
#[derive(Debug, Clone)]
#[non_exhaustive]
// One outcome per import: the size of `Loaded` costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
pub enum ImportOutcome {
    /// The input files are those of the last import that loaded: nothing was read and
    /// the store was not touched.
    Unchanged {
        /// The id of that import.
        previous_import: i64,
        /// The manifest (rows as recorded then).
        manifest: Vec<ManifestEntry>,
        /// Timings (only `manifest` is set).
        timings: Timings,
    },
    /// A gate held the import: the store was not touched.
    Held {
        /// Every gate that failed.
        reasons: Vec<HoldReason>,
        /// The report of tonight's extracts.
        report: ImportReport,
        /// The manifest.
        manifest: Vec<ManifestEntry>,
        /// Timings.
        timings: Timings,
    },
    /// Tonight's network and the import record are in the store.
    Loaded {
        /// The import's id in the store.
        import_id: i64,
        /// The report of tonight's extracts.
        report: ImportReport,
        /// The change events from the previous network (none for the first import into
        /// an empty store: see `first`).
        events: Vec<ChangeEvent>,
        /// True for the first import into an empty store, which records no change events.
        first: bool,
        /// The rows the save inserted, updated and deleted.
        written: DeltaSummary,
        /// Involvements ended because they were missing from tonight's extracts.
        ended: u64,
        /// Warnings from the gates (rows quarantined under the reject threshold) and about
        /// records that could not be kept.
        warnings: Vec<String>,
        /// The manifest.
        manifest: Vec<ManifestEntry>,
        /// Timings.
        timings: Timings,
    },
}

/// An import that could not run. The store is untouched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NightlyError {
    /// No SSD folder, feed, census or return was given.
    #[error(
        "nothing to import: give an SSD folder, a partner feed, a CIN census or an SSDA903 folder"
    )]
    NothingToImport,
    /// An input file could not be read while computing the manifest.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The SSD extract is structurally broken (the error names the folder or file).
    #[error("SSD extract: {0}")]
    Ssd(#[from] SsdError),
    /// A partner feed is structurally broken.
    #[error("partner feed {}: {source}", path.display())]
    Feed {
        /// The feed file.
        path: PathBuf,
        /// What is wrong with it.
        source: TableError,
    },
    /// A CIN census is structurally broken (the error names the file, line, column and
    /// element path).
    #[error("CIN census: {0}")]
    Cin(#[from] crate::cin::CinError),
    /// An SSDA903 return is structurally broken (the error names the folder or file).
    #[error("SSDA903 return: {0}")]
    Ssda903(#[from] crate::ssda903::Ssda903Error),
    /// The store failed (the error names the store file).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A step of an import, as [`Progress`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// Hashing the input files for the manifest (bytes).
    Hashing,
    /// Reading the extracts (bytes of the files read so far).
    Reading,
    /// Loading the stored network (no measure: `done` and `total` are 0 until it ends).
    Loading,
    /// End-dating what disappeared and computing the change events (no measure).
    Comparing,
    /// Writing the changed rows and the import record (rows).
    Saving,
}

/// How far an import is through one [`Step`]: `done` of `total` units (bytes or rows).
/// A step reports `done == total` when it ends. Reading and loading run at the same
/// time, on two threads, so their reports interleave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The step.
    pub step: Step,
    /// Units done.
    pub done: u64,
    /// Units in all (0 when the step has no measure).
    pub total: u64,
}

/// Runs one nightly import into `store`; see the [module documentation](self).
///
/// The networks it built are freed on a background thread after the save, so that the
/// outcome comes back without waiting for that.
pub fn run_import(
    store: &mut Store,
    request: &ImportRequest,
) -> Result<ImportOutcome, NightlyError> {
    run_import_with_progress(store, request, &|_| {})
}

/// [`run_import`], reporting its [`Progress`] to `progress` (from more than one thread:
/// the extracts are read while the stored network loads).
pub fn run_import_with_progress(
    store: &mut Store,
    request: &ImportRequest,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<ImportOutcome, NightlyError> {
    let started_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut timings = Timings::default();
    if request.is_empty() {
        return Err(NightlyError::NothingToImport);
    }

    // (a) The manifest, and idempotency.
    let clock = Instant::now();
    let mut manifest = manifest_with_progress(request, progress)?;
    timings.manifest = clock.elapsed().as_secs_f64();
    let last = store.last_import()?;
    if let Some(last) = &last
        && same_files(&last.files, &manifest)
    {
        return Ok(ImportOutcome::Unchanged {
            previous_import: last.id,
            manifest: last.files.clone(),
            timings,
        });
    }

    // (b) Tonight's network, read while the stored one loads (the two use one core each).
    let total_bytes: u64 = manifest.iter().map(|f| f.bytes).sum();
    let (read, previous) = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let clock = Instant::now();
            let read = read_extracts(request, total_bytes, progress);
            (read, clock.elapsed().as_secs_f64())
        });
        let clock = Instant::now();
        progress(Progress {
            step: Step::Loading,
            done: 0,
            total: 0,
        });
        let previous = store.load();
        progress(Progress {
            step: Step::Loading,
            done: 1,
            total: 1,
        });
        timings.load = clock.elapsed().as_secs_f64();
        let (read, seconds) = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        timings.read = seconds;
        (read, previous)
    });
    let (mut tonight, report) = read?;
    let previous = previous?;
    for entry in &mut manifest {
        entry.rows = report.files.get(&entry.path).map_or(0, |c| c.rows);
    }

    // (c) The gates.
    let rows_read: u64 = report.files.values().map(|c| c.rows).sum();
    let quarantined = report.quarantined();
    let gates = &request.gates;
    let mut reasons = Vec::new();
    if quarantined as f64 > gates.reject_quarantined_fraction * rows_read as f64 {
        reasons.push(HoldReason::TooManyQuarantined {
            quarantined,
            rows_read,
            limit: gates.reject_quarantined_fraction,
        });
    }
    if let Some(last) = &last
        && (rows_read as f64) < last.rows_read as f64 * (1.0 - gates.hold_row_drop_fraction)
    {
        reasons.push(HoldReason::RowCountDrop {
            previous: last.rows_read,
            rows_read,
            limit: gates.hold_row_drop_fraction,
        });
    }
    if let Some(last) = &last {
        reasons.extend(file_drops(&last.files, &manifest, gates));
    }
    if !reasons.is_empty() {
        return Ok(ImportOutcome::Held {
            reasons,
            report,
            manifest,
            timings,
        });
    }
    let mut warnings = Vec::new();
    if quarantined > gates.warn_quarantined_rows {
        warnings.push(format!(
            "{quarantined} of {rows_read} rows quarantined (see the report)"
        ));
    }

    // (d) End-date what disappeared, (e) the change events. The first import into an
    // empty store has none: everything in it is new, and a "joined" event for every
    // involvement of a council would only bury tomorrow's real changes.
    let clock = Instant::now();
    progress(Progress {
        step: Step::Comparing,
        done: 0,
        total: 0,
    });
    let ended = carry_over(&previous, &mut tonight, request.as_of, &mut warnings);
    let first = last.is_none() && previous.person_count() == 0;
    let events = if first {
        Vec::new()
    } else {
        tonight.diff(&previous, request.as_of)
    };
    progress(Progress {
        step: Step::Comparing,
        done: 1,
        total: 1,
    });
    timings.diff = clock.elapsed().as_secs_f64();

    // (f) One transaction: the network and the record of the import.
    let clock = Instant::now();
    let report_json = serde_json::to_string(&report).unwrap_or_else(|_| "null".to_owned());
    let record = ImportRecord {
        previous_import: last.as_ref().map(|l| l.id),
        started_at,
        as_of: request.as_of,
        outcome: "loaded",
        rows_read,
        rows_loaded: report.loaded(),
        rows_quarantined: quarantined,
        report_json,
        files: &manifest,
        events: &events,
        audit: request.audit.as_ref(),
    };
    let (written, import_id) =
        store.save_import(&previous, &tonight, &record, &mut |done, total| {
            progress(Progress {
                step: Step::Saving,
                done,
                total,
            });
        })?;
    timings.save = clock.elapsed().as_secs_f64();
    // Freeing two whole networks takes seconds on a large council: do it on a thread of
    // its own, so that the caller (and a nightly job's exit) need not wait for it.
    std::thread::spawn(move || drop((previous, tonight)));
    Ok(ImportOutcome::Loaded {
        import_id,
        report,
        events,
        first,
        written,
        ended,
        warnings,
        manifest,
        timings,
    })
}

/// The input files of a request: the SSD tables present in the folder (in the SSD's
/// table order), then the feeds as given. Rows are 0 until the files are read.
pub fn manifest(request: &ImportRequest) -> Result<Vec<ManifestEntry>, NightlyError> {
    manifest_with_progress(request, &|_| {})
}

fn manifest_with_progress(
    request: &ImportRequest,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Vec<ManifestEntry>, NightlyError> {
    let mut paths = Vec::new();
    if let Some(dir) = &request.ssd {
        if !dir.is_dir() {
            return Err(NightlyError::Ssd(SsdError::NotAFolder(dir.clone())));
        }
        for table in ssd::schema::ALL {
            let path = dir.join(table.file_name());
            if path.is_file() {
                paths.push(path);
            }
        }
    }
    paths.extend(request.feeds.iter().cloned());
    paths.extend(request.cin.iter().cloned());
    if let Some(dir) = &request.ssda903 {
        if !dir.is_dir() {
            return Err(NightlyError::Ssda903(
                crate::ssda903::Ssda903Error::NotAFolder(dir.clone()),
            ));
        }
        let listed = std::fs::read_dir(dir).map_err(|source| NightlyError::Read {
            path: dir.clone(),
            source,
        })?;
        let mut files = Vec::new();
        for entry in listed {
            let path = entry
                .map_err(|source| NightlyError::Read {
                    path: dir.clone(),
                    source,
                })?
                .path();
            if path.is_file() {
                files.push(path);
            }
        }
        files.sort();
        paths.extend(files);
    }
    let read_err = |path: &Path| {
        let path = path.to_owned();
        move |source| NightlyError::Read { path, source }
    };
    let mut total = 0;
    for path in &paths {
        total += std::fs::metadata(path).map_err(read_err(path))?.len();
    }
    let mut done = 0;
    let mut files = Vec::with_capacity(paths.len());
    for path in &paths {
        let entry = hash_file(path, &mut |n| {
            done += n;
            progress(Progress {
                step: Step::Hashing,
                done: done.min(total),
                total,
            });
        })?;
        files.push(entry);
    }
    progress(Progress {
        step: Step::Hashing,
        done: total,
        total,
    });
    Ok(files)
}

/// Hashes one file, calling `hashed` with the number of bytes hashed since its last call.
fn hash_file(path: &Path, hashed: &mut dyn FnMut(u64)) -> Result<ManifestEntry, NightlyError> {
    let err = |source| NightlyError::Read {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(err)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let (mut bytes, mut reported) = (0u64, 0u64);
    loop {
        let n = file.read(&mut buf).map_err(err)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        hasher.update(&buf[..n]);
        // Every 16 MiB, the bytes hashed since the last report.
        if bytes - reported >= 1 << 24 {
            hashed(bytes - reported);
            reported = bytes;
        }
    }
    hashed(bytes - reported);
    let digest = hasher.finalize();
    let sha256 = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(ManifestEntry {
        path: path.display().to_string(),
        sha256,
        bytes,
        rows: 0,
    })
}

/// Same files: the same paths with the same contents (rows are not compared).
fn same_files(last: &[ManifestEntry], now: &[ManifestEntry]) -> bool {
    let key = |files: &[ManifestEntry]| {
        let mut k: Vec<(String, String, u64)> = files
            .iter()
            .map(|f| (f.path.clone(), f.sha256.clone(), f.bytes))
            .collect();
        k.sort();
        k
    };
    key(last) == key(now)
}

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map_or_else(|| path.to_owned(), |n| n.to_string_lossy().into_owned())
}

/// The per-file row-count gate: files of the last import (by file name) that still come
/// tonight with too few rows. A file no longer given at all is not gated here (tonight's
/// request decides which files there are; the total gate still sees the rows).
fn file_drops(last: &[ManifestEntry], now: &[ManifestEntry], gates: &Gates) -> Vec<HoldReason> {
    let tonight: std::collections::HashMap<String, u64> =
        now.iter().map(|f| (file_name(&f.path), f.rows)).collect();
    let mut reasons = Vec::new();
    for before in last {
        if before.rows < gates.file_gate_min_rows.max(1) {
            continue;
        }
        let name = file_name(&before.path);
        if let Some(&rows) = tonight.get(&name)
            && (rows as f64) < before.rows as f64 * (1.0 - gates.hold_row_drop_fraction)
        {
            reasons.push(HoldReason::FileRowCountDrop {
                file: name,
                previous: before.rows,
                rows_read: rows,
                limit: gates.hold_row_drop_fraction,
            });
        }
    }
    reasons
}

fn read_extracts(
    request: &ImportRequest,
    total: u64,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(Network, ImportReport), NightlyError> {
    let mut done = 0;
    let mut step = |bytes: u64| {
        done += bytes;
        progress(Progress {
            step: Step::Reading,
            done: done.min(total),
            total,
        });
    };
    step(0);
    let (mut net, mut report) = match &request.ssd {
        Some(dir) => {
            let imported = ssd::import_dir(dir, &request.ssd_options)?;
            step(imported.report.files.values().map(|c| c.bytes).sum());
            (imported.network, imported.report)
        }
        None => (Network::new(), ImportReport::default()),
    };
    // Feeds are read two (or more) files at a time; they are added in the order given.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let feeds = agency::import_feeds(
        &mut net,
        &request.feeds,
        &request.feed_options,
        threads,
        &mut |_, feed_report| step(feed_report.files.values().map(|c| c.bytes).sum()),
    )
    .map_err(|(path, source)| NightlyError::Feed { path, source })?;
    report.merge(feeds);

    // The statutory returns fill what the extract lacks (see `crate::merge`).
    for file in &request.cin {
        let census = crate::cin::import_file(
            file,
            &crate::cin::CinOptions::new(&request.ssd_options.system),
        )?;
        report.merge(census.report);
        crate::merge::merge_return(&mut net, &census.network, &mut report);
        step(std::fs::metadata(file).map_or(0, |m| m.len()));
    }
    if let Some(dir) = &request.ssda903 {
        let options = crate::ssda903::ImportOptions::new(&request.ssd_options.system);
        let returned = crate::ssda903::import_dir(dir, &options)?;
        let bytes = returned.report.files.values().map(|c| c.bytes).sum();
        report.merge(returned.report);
        crate::merge::merge_return(&mut net, &returned.network, &mut report);
        step(bytes);
    }
    Ok((net, report))
}

/// Adds to `tonight` every involvement of `previous` it lacks: ended on `as_of` when it
/// was still open (or not yet started: then ended on its start, an empty period), kept as
/// it was when already ended. Returns how many were ended.
fn carry_over(
    previous: &Network,
    tonight: &mut Network,
    as_of: NaiveDate,
    warnings: &mut Vec<String>,
) -> u64 {
    let reason = EndReason::Source(format!("missing from the extract of {as_of}"));
    let mut ended = 0;
    let mut not_kept = 0u64;
    for inv in previous.involvements() {
        if tonight.involvement(inv.key()).is_some() {
            continue;
        }
        let mut record = inv.to_record();
        let period = record.period;
        let ends_now = period.end.is_none_or(|e| e > as_of);
        if ends_now {
            let end = match period.start {
                Some(s) if s > as_of => s,
                _ => as_of,
            };
            record.period = Period {
                start: period.start,
                end: Some(end),
            };
            record.end_reason = Some(reason.clone());
        }
        let kept = ensure_person(previous, tonight, &record.person)
            && record
                .professional
                .as_ref()
                .is_none_or(|p| ensure_professional(previous, tonight, p))
            && record
                .team
                .as_ref()
                .is_none_or(|t| ensure_team(previous, tonight, t))
            && tonight.add_involvement(record).is_ok();
        if !kept {
            not_kept += 1;
        } else if ends_now {
            ended += 1;
        }
    }
    if not_kept > 0 {
        warnings.push(format!(
            "{not_kept} involvements missing from tonight's extracts could not be kept (their records are inconsistent)"
        ));
    }
    ended
}

fn ensure_agency(previous: &Network, tonight: &mut Network, key: &AgencyKey) -> bool {
    if tonight.agency(key).is_some() {
        return true;
    }
    previous
        .agency(key)
        .is_some_and(|a| tonight.add_agency(a.clone()).is_ok())
}

fn ensure_team(previous: &Network, tonight: &mut Network, key: &TeamKey) -> bool {
    if tonight.team(key).is_some() {
        return true;
    }
    let Some(team) = previous.team(key) else {
        return false;
    };
    team.agency
        .as_ref()
        .is_none_or(|a| ensure_agency(previous, tonight, a))
        && team
            .parent
            .as_ref()
            .is_none_or(|p| ensure_team(previous, tonight, p))
        && tonight.add_team(team.clone()).is_ok()
}

fn ensure_professional(previous: &Network, tonight: &mut Network, key: &ProfessionalKey) -> bool {
    if tonight.professional(key).is_some() {
        return true;
    }
    let Some(professional) = previous.professional(key) else {
        return false;
    };
    professional
        .agency
        .as_ref()
        .is_none_or(|a| ensure_agency(previous, tonight, a))
        && professional
            .team
            .as_ref()
            .is_none_or(|t| ensure_team(previous, tonight, t))
        && tonight.add_professional(professional.clone()).is_ok()
}

fn ensure_person(previous: &Network, tonight: &mut Network, key: &PersonKey) -> bool {
    if tonight.person(key).is_some() {
        return true;
    }
    previous
        .person(key)
        .is_some_and(|p| tonight.add_person(p.clone()).is_ok())
}
