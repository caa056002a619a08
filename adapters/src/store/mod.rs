//! The embedded store: a whole [`Network`] kept in one SQLite file.
//!
//! A nightly job builds a network from the case systems' extracts and [`save`](Store::save)s
//! it; the next run, the query service and the analysts [`load`](Store::load) it again.
//! `load(save(net))` gives a network equal to `net`: every record, every field, in the
//! order it was added, with its provenance.
//!
//! ```
//! use patchwork_adapters::store::Store;
//! use patchwork_adapters::synthetic::{self, Sizes};
//!
//! let net = synthetic::generate_sizes(Sizes { persons: 200, involvements: 800, professionals: 40 }, 7)
//!     .into_network()?;
//!
//! let dir = std::env::temp_dir().join(format!("patchwork-store-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("network.sqlite");
//! # let _ = std::fs::remove_file(&path);
//!
//! let mut store = Store::open(&path)?;
//! let summary = store.save(&net)?;
//! assert_eq!(summary.involvements, net.involvement_count() as u64);
//! drop(store);
//!
//! // Tomorrow, or in another process:
//! let store = Store::open(&path)?;
//! let again = store.load()?;
//! assert_eq!(again.person_count(), net.person_count());
//! assert_eq!(store.integrity_check()?, vec!["ok".to_string()]);
//! # drop(store);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## The file
//!
//! SQLite through `rusqlite` with the SQLite library bundled, so the SQLite version is the
//! one tested with Patchwork. Every connection runs with
//!
//! * `journal_mode=WAL`: readers do not block the writer, nor the writer the readers;
//! * `synchronous=FULL`: a save that returned `Ok` survives a power cut;
//! * `foreign_keys=ON`: the file itself refuses a reference to a record it does not hold
//!   (except inside [`save_import`](Store::save_import)'s own transaction, which writes the
//!   difference between two networks the core keeps consistent: checking each deleted key
//!   would scan the tables that refer to it);
//! * `secure_delete=ON`: what a save replaces is overwritten with zeros, not left in free
//!   pages (SQLite cannot promise the disk itself forgets it).
//!
//! The header carries [`APPLICATION_ID`] and the schema version [`SCHEMA_VERSION`]
//! (`user_version`). Opening an older store migrates it in one transaction; a store newer
//! than this build, or another application's database, is refused with an error naming the
//! file.
//!
//! **Local disk only.** WAL mode needs every process that opens the file to be on the same
//! host, sharing memory: SQLite documents that it does not work over a network file system
//! (SMB/CIFS shares, NFS). Keep the store on the server's local disk and reach it through
//! Patchwork there. The store is single-writer: one nightly job saves at a time (a second
//! writer waits up to [`BUSY_TIMEOUT`], then fails without changing anything).
//!
//! ## Tables
//!
//! One table per record kind, with readable column names, so that
//! `pandas.read_sql("SELECT * FROM involvements", sqlite3.connect(path))` is all an analyst
//! needs: `origins`, `agencies`, `teams`, `professionals`, `persons`, `person_identifiers`,
//! `households`, `household_members`, `relationships`, `episodes`, `activities`,
//! `involvements` and `identity_links`.
//!
//! * Keys are the `system:id` text of [`ExternalKey`](patchwork_core::ExternalKey) in a
//!   `key` column (`UNIQUE`); references are `<kind>_key` columns holding the other
//!   record's key, with a foreign key wherever the core needs the record to exist.
//! * Dates are ISO `YYYY-MM-DD` text; `NULL` is an unknown start or an open end. Periods
//!   are half-open: `end_date` is the first day a record no longer holds.
//! * Enums are their snake_case names (`allocated_social_worker`); DfE and CIN census codes
//!   stay codes (`LEFTRL`, `NEG`).
//! * Provenance is `origin_id` (a row of `origins`: system and file) and `source_row`
//!   (1-based, `NULL` when unknown).
//! * The row order (`id`) is the order the records were added to the network.
//!
//! ## Import history
//!
//! Version 2 adds the import history of the nightly job (`imports`, `import_files`,
//! `change_events`), written by [`save_import`](Store::save_import) in the same
//! transaction as the network.
//!
//! Version 3 makes saving incremental: [`save_import`](Store::save_import) writes only the
//! rows that changed since the network was loaded (with indexes on the references it
//! deletes rows by), and keeps the statutory returns' details as JSON
//! (`episodes.detail`, `persons.looked_after`) and the CIN census's disability codes,
//! reason for no UPN and the shielded flag in `persons`.
//!
//! ## Information governance
//!
//! Version 4 adds the audit trail (`audit_log`, `audit_subjects`, `audit_head`: append-only
//! by trigger, hash-chained, checked by [`verify_audit`](Store::verify_audit); see
//! [`AuditEntry`]), legal holds and disposal records (`legal_holds`, `disposals`; see
//! [`purge`](Store::purge)), and the subject-access bundle
//! ([`subject_access`](Store::subject_access)). The library never reads a clock: every
//! audit entry, hold and purge is given its time by the caller.
//!
//! Version 5 keeps consents, break-glass overrides, sharing decisions and every version of
//! the access policy (`consents`, `break_glass_overrides`, `sharing_decisions`,
//! `access_policies`; see [`grants`]), each written with its audit entry in one transaction.
//!
//! [`save`](Store::save) replaces the whole stored network in one transaction;
//! [`save_import`](Store::save_import) writes only the rows that changed since the network
//! was loaded, with the import's record, in one transaction.

pub mod audit;
mod codes;
mod delta;
pub mod grants;
mod imports;
mod load;
pub mod retention;
mod rows;
mod save;
mod schema;
pub mod subject_access;

use std::path::{Path, PathBuf};
use std::time::Duration;

use patchwork_core::Network;
use rusqlite::{Connection, ErrorCode, TransactionBehavior};

pub use audit::{
    AUDIT_TRIGGERS, Actor, AuditBreak, AuditCategory, AuditEntry, AuditQuery, AuditVerification,
    BreakKind, GENESIS_HASH, StoredAuditEntry, UnknownCategory, timestamp,
};
pub use delta::DeltaSummary;
pub use grants::{StoredConsent, StoredPolicy};
pub use imports::{ImportRecord, ImportSummary, ManifestEntry, StoredEvent};
pub use retention::{
    Basis, Disposal, DisposalDate, LegalHold, PurgeReport, RecordType, RetentionRule,
    RetentionSchedule,
};
pub use save::{Checkpoint, SaveSummary};
pub use schema::{APPLICATION_ID, SCHEMA_VERSION};
pub use subject_access::{REVIEW_NOTE, Row, SubjectAccess, SubjectAccessError};

/// How long a connection waits for another connection's lock before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Everything that can go wrong opening, saving or loading a store. Every error names the
/// file (`:memory:` for an in-memory store).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The file exists but is not a SQLite database (or is encrypted, or damaged beyond
    /// reading its header).
    #[error("{}: not a SQLite database (or encrypted, or damaged)", path.display())]
    NotADatabase {
        /// The file.
        path: PathBuf,
    },
    /// A SQLite database that another application made: its `application_id` is not
    /// [`APPLICATION_ID`] (or it is 0 and the database already has tables).
    #[error(
        "{}: a SQLite database of another application (application_id {found:#010x}; a Patchwork store has {APPLICATION_ID:#010x}); refusing to touch it",
        path.display()
    )]
    ForeignDatabase {
        /// The file.
        path: PathBuf,
        /// The `application_id` found.
        found: i32,
    },
    /// A store written by a newer Patchwork, whose schema this build does not know.
    #[error(
        "{}: store schema version {found} is newer than this build of Patchwork knows ({SCHEMA_VERSION}); use a newer Patchwork",
        path.display()
    )]
    TooNew {
        /// The file.
        path: PathBuf,
        /// The `user_version` found.
        found: i64,
    },
    /// A stored value that cannot be read back: a malformed key, date, identifier or
    /// code, a value of the wrong type, a dangling origin.
    #[error("{}: table {table}, row {key}, column {column}: {problem}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The table.
        table: &'static str,
        /// The row's key, or `id N` when the key itself is unreadable.
        key: String,
        /// The column.
        column: String,
        /// What is wrong with the value.
        problem: String,
    },
    /// A stored record the network refuses (a duplicate key, a dangling reference, an end
    /// before the start...): the file was changed outside Patchwork.
    #[error("{}: table {table}, row {key}: the network refuses it: {source}", path.display())]
    Refused {
        /// The file.
        path: PathBuf,
        /// The table.
        table: &'static str,
        /// The row's key (or, for tables without keys, what identifies the row).
        key: String,
        /// The core's reason.
        source: patchwork_core::Error,
    },
    /// Another import was saved between loading the stored network and saving the
    /// changes to it: nothing was written (run the import again).
    #[error("{}: another import was saved since the network was loaded; nothing was written", path.display())]
    ChangedSinceLoad {
        /// The file.
        path: PathBuf,
    },
    /// SQLite failed (I/O error, disk full, locked by another writer past
    /// [`BUSY_TIMEOUT`], a constraint...).
    #[error("{}: SQLite failed while {action}: {source}", path.display())]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// What the store was doing.
        action: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
}

/// A Patchwork store: one SQLite file holding a whole network.
///
/// Open it with [`Store::open`] (or [`Store::open_in_memory`] for tests), write a network
/// with [`save`](Self::save) and read it back with [`load`](Self::load). See the
/// [module documentation](self) for the file's layout and guarantees.
///
/// ```
/// use chrono::NaiveDate;
/// use patchwork_adapters::store::Store;
/// use patchwork_core::*;
///
/// let src = Source::row("lcs", "ssd_person.csv", 2);
/// let mut net = Network::new();
/// net.add_person(Person::new(PersonKey::new("lcs", "C1"), PersonKind::Child, src.clone()))?;
/// net.add_professional(Professional::new(ProfessionalKey::new("lcs", "W1"), src.clone()))?;
/// net.add_involvement(Involvement {
///     key: InvolvementKey::new("lcs", "I1"),
///     person: PersonKey::new("lcs", "C1"),
///     professional: Some(ProfessionalKey::new("lcs", "W1")),
///     team: None,
///     role: Role::new("CW", RoleCategory::AllocatedSocialWorker),
///     period: Period::from(NaiveDate::from_ymd_opt(2025, 1, 6).unwrap()),
///     end_reason: None,
///     sensitivity: Sensitivity::Standard,
///     source: src,
/// })?;
///
/// let mut store = Store::open_in_memory()?;
/// store.save(&net)?;
/// let again = store.load()?;
/// let inv = again.involvement(&InvolvementKey::new("lcs", "I1")).unwrap();
/// assert_eq!(inv.to_record(), net.involvement(&InvolvementKey::new("lcs", "I1")).unwrap().to_record());
/// assert_eq!(inv.source().to_string(), "lcs ssd_person.csv row 2");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    checkpoint: CheckpointHook,
}

/// The [`Checkpoint`] callback of a store (by default one that does nothing).
struct CheckpointHook(Box<dyn FnMut(Checkpoint) + Send>);

impl Default for CheckpointHook {
    fn default() -> Self {
        Self(Box::new(|_| {}))
    }
}

impl std::fmt::Debug for CheckpointHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CheckpointHook")
    }
}

impl Store {
    /// Opens the store at `path`, creating the file if it does not exist, and brings its
    /// schema up to [`SCHEMA_VERSION`].
    ///
    /// Refuses, without changing the file: a file that is not a SQLite database
    /// ([`StoreError::NotADatabase`]), another application's database
    /// ([`StoreError::ForeignDatabase`]), and a store newer than this build
    /// ([`StoreError::TooNew`]). The file must be on a local disk (see the
    /// [module documentation](self)).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let conn = Connection::open(&path).map_err(|e| sqlite(&path, "opening the file", e))?;
        Self::init(conn, path)
    }

    /// A store in memory, gone when dropped: for tests and examples.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let path = PathBuf::from(":memory:");
        let conn =
            Connection::open_in_memory().map_err(|e| sqlite(&path, "opening in memory", e))?;
        Self::init(conn, path)
    }

    /// The file the store lives in (`:memory:` for an in-memory store).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// **Test aid.** Registers `hook`, called at every [`Checkpoint`] of each later
    /// [`save`](Self::save) or [`save_import`](Self::save_import) (the transaction opened,
    /// each table emptied, each multi-row insert, every second delete or update, before
    /// and after the commit, after the log checkpoint), replacing any earlier hook. It exists for fault injection: a test
    /// kills the process at a checkpoint and checks that the store is exactly as before
    /// or exactly as after the save. Nothing registers one in normal use.
    #[doc(hidden)]
    pub fn set_checkpoint(&mut self, hook: Box<dyn FnMut(Checkpoint) + Send>) {
        self.checkpoint = CheckpointHook(hook);
    }

    /// Runs SQLite's `PRAGMA integrity_check` and returns its report: `["ok"]` for a sound
    /// file, otherwise one line per problem found (at most 100).
    pub fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        let run = || -> rusqlite::Result<Vec<String>> {
            let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
            stmt.query_map([], |row| row.get::<_, String>(0))?.collect()
        };
        run().map_err(|e| sqlite(&self.path, "checking integrity", e))
    }

    /// Replaces the stored network with `net`, in one transaction: when it fails (disk
    /// full, power cut, another writer), the previously saved network is still there,
    /// unchanged. Returns how many rows each table received.
    ///
    /// Saving is whole-network for now; incremental saving comes later.
    pub fn save(&mut self, net: &Network) -> Result<SaveSummary, StoreError> {
        save::save(&mut self.conn, &self.path, net, self.checkpoint.0.as_mut())
    }

    /// Saves `net` as the next state of the store and records the import that produced it
    /// (its row counts, report, manifest and change events), all in one transaction: either
    /// both are there afterwards, or neither.
    ///
    /// Only what changed is written: `previous` must be the network [`load`](Self::load)
    /// returned when the store's latest import was `import.previous_import`. If another
    /// import has been saved since, nothing is written
    /// ([`StoreError::ChangedSinceLoad`]). A record that differs from the stored one only
    /// in its provenance (it moved to another row of the file) is not rewritten: a
    /// stored `source_row` is the row of the extract that last changed the record.
    ///
    /// `progress` is called with (rows written, rows to write) as the save goes. Returns
    /// what was inserted, updated and deleted, and the new import's id.
    pub fn save_import(
        &mut self,
        previous: &Network,
        net: &Network,
        import: &ImportRecord<'_>,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<(DeltaSummary, i64), StoreError> {
        let path = self.path.clone();
        delta::save_delta_with(
            &mut self.conn,
            &self.path,
            delta::Change {
                old: previous,
                new: net,
                last_import: import.previous_import,
            },
            self.checkpoint.0.as_mut(),
            progress,
            |tx| {
                let id = imports::record(tx, &path, import)?;
                if let Some(entry) = import.audit {
                    let mut entry = entry.clone();
                    if let serde_json::Value::Object(detail) = &mut entry.detail {
                        detail.insert("import_id".into(), id.into());
                    }
                    audit::append_in(tx, &path, &[entry])?;
                }
                Ok(id)
            },
        )
    }

    /// The most recent import that loaded, with its manifest; `None` for a store that no
    /// import has written.
    pub fn last_import(&self) -> Result<Option<ImportSummary>, StoreError> {
        imports::last(&self.conn, &self.path)
    }

    /// The change events an import recorded, as `(event name, JSON)` pairs in order.
    pub fn import_events(&self, import_id: i64) -> Result<Vec<(String, String)>, StoreError> {
        imports::events(&self.conn, &self.path, import_id)
    }

    /// Every change event of the imports that loaded with an extract date on or after
    /// `since` (all of them for `None`), by import then in the order recorded.
    pub fn change_events(
        &self,
        since: Option<chrono::NaiveDate>,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        imports::events_since(&self.conn, &self.path, since)
    }

    /// Reads the stored network back (an empty network from a new store).
    ///
    /// Reads one consistent snapshot, even while another process saves. A store changed
    /// outside Patchwork so that it no longer holds a valid network gives
    /// [`StoreError::Corrupt`] or [`StoreError::Refused`] naming the table and row.
    pub fn load(&self) -> Result<Network, StoreError> {
        load::load(&self.conn, &self.path)
    }

    /// Runs `write` in one immediate transaction, committed when it returns `Ok` and rolled
    /// back otherwise: a record and its audit entry are stored together or not at all.
    /// `what` names the write in errors ("recording a consent").
    pub(crate) fn in_transaction<T>(
        &mut self,
        what: &str,
        write: impl FnOnce(&rusqlite::Transaction<'_>, &Path) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sqlite(&path, &format!("starting {what}"), e))?;
        let out = write(&tx, &path)?;
        tx.commit()
            .map_err(|e| sqlite(&path, &format!("committing {what}"), e))?;
        Ok(out)
    }

    fn init(mut conn: Connection, path: PathBuf) -> Result<Self, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| sqlite(&path, "setting the busy timeout", e))?;
        // Identify the file before changing anything in it (setting WAL would rewrite the
        // header of a database that is not ours).
        let (found_app, found_version) = identify(&conn, &path)?;
        let pragmas = "PRAGMA journal_mode = WAL;
                       PRAGMA synchronous = FULL;
                       PRAGMA foreign_keys = ON;
                       PRAGMA secure_delete = ON;
                       PRAGMA cache_size = -65536;";
        conn.execute_batch(pragmas)
            .map_err(|e| sqlite(&path, "setting the connection's pragmas", e))?;
        if found_version < SCHEMA_VERSION || found_app != APPLICATION_ID {
            migrate(&mut conn, &path)?;
        }
        Ok(Self {
            conn,
            path,
            checkpoint: CheckpointHook::default(),
        })
    }
}

/// Reads the header's `application_id` and `user_version`, and refuses what is not a
/// Patchwork store this build can read.
fn identify(conn: &Connection, path: &Path) -> Result<(i32, i64), StoreError> {
    let read = || -> rusqlite::Result<(i32, i64, i64)> {
        let app: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let objects: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        Ok((app, version, objects))
    };
    let (app, version, objects) = read().map_err(|e| {
        if e.sqlite_error_code() == Some(ErrorCode::NotADatabase) {
            StoreError::NotADatabase {
                path: path.to_path_buf(),
            }
        } else {
            sqlite(path, "reading the file's header", e)
        }
    })?;
    let blank = app == 0 && version == 0 && objects == 0;
    if app != APPLICATION_ID && !blank {
        return Err(StoreError::ForeignDatabase {
            path: path.to_path_buf(),
            found: app,
        });
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_path_buf(),
            found: version,
        });
    }
    Ok((app, version))
}

/// Applies the migrations the store lacks, all in one transaction.
fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| sqlite(path, "starting the schema migration", e))?;
    // Another process may have migrated the file since we looked.
    let (_, version) = identify(&tx, path)?;
    let from = usize::try_from(version).unwrap_or(0);
    for (n, sql) in schema::MIGRATIONS.iter().enumerate().skip(from) {
        tx.execute_batch(sql).map_err(|e| {
            sqlite(
                path,
                &format!("migrating the schema to version {}", n + 1),
                e,
            )
        })?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)
        .and_then(|()| tx.pragma_update(None, "user_version", SCHEMA_VERSION))
        .and_then(|()| tx.commit())
        .map_err(|e| sqlite(path, "committing the schema migration", e))
}

fn sqlite(path: &Path, action: &str, source: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.to_path_buf(),
        action: action.to_owned(),
        source,
    }
}
