//! The import history (schema version 2): `imports`, `import_files`, `change_events`.

use std::path::Path;

use patchwork_core::ChangeEvent;
use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreError, sqlite};

/// One input file of an import, as recorded in its manifest.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ManifestEntry {
    /// The file, as named to the import.
    pub path: String,
    /// SHA-256 of its bytes, lower-case hex.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
    /// Data rows read from it (0 when unknown, e.g. in a manifest computed before reading).
    pub rows: u64,
}

/// What [`Store::save_import`](super::Store::save_import) records about an import that loaded.
#[derive(Debug, Clone)]
pub struct ImportRecord<'a> {
    /// The store's latest import when the previous network was loaded (`None` for a store
    /// no import has written): the save refuses to run if another import came since.
    pub previous_import: Option<i64>,
    /// When the import started, UTC, RFC 3339.
    pub started_at: String,
    /// The extract date.
    pub as_of: chrono::NaiveDate,
    /// The outcome (`loaded`).
    pub outcome: &'a str,
    /// Data rows read, all files together.
    pub rows_read: u64,
    /// Rows loaded.
    pub rows_loaded: u64,
    /// Rows quarantined.
    pub rows_quarantined: u64,
    /// The import report as JSON.
    pub report_json: String,
    /// The manifest.
    pub files: &'a [ManifestEntry],
    /// The change events, in order.
    pub events: &'a [ChangeEvent],
    /// The import's audit entry, appended in the same transaction (its detail, when an
    /// object, gains the new `import_id`): an import that loaded is never left unaudited.
    pub audit: Option<&'a super::AuditEntry>,
}

/// A recorded import, as [`Store::last_import`](super::Store::last_import) reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// Its id in `imports`.
    pub id: i64,
    /// When it started (UTC, RFC 3339).
    pub started_at: String,
    /// The extract date, `YYYY-MM-DD`.
    pub as_of: String,
    /// Its outcome.
    pub outcome: String,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows loaded.
    pub rows_loaded: u64,
    /// Rows quarantined.
    pub rows_quarantined: u64,
    /// Its manifest, ordered by path.
    pub files: Vec<ManifestEntry>,
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Writes one import's rows; returns the new import id.
pub(super) fn record(
    conn: &Connection,
    path: &Path,
    import: &ImportRecord<'_>,
) -> Result<i64, StoreError> {
    let run = || -> rusqlite::Result<i64> {
        conn.execute(
            "INSERT INTO imports (started_at, as_of, outcome, rows_read, rows_loaded, rows_quarantined, report_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                import.started_at,
                import.as_of.format("%Y-%m-%d").to_string(),
                import.outcome,
                to_i64(import.rows_read),
                to_i64(import.rows_loaded),
                to_i64(import.rows_quarantined),
                import.report_json,
            ],
        )?;
        let id = conn.last_insert_rowid();
        let mut file = conn.prepare(
            "INSERT INTO import_files (import_id, path, sha256, bytes, rows) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for f in import.files {
            file.execute(params![
                id,
                f.path,
                f.sha256,
                to_i64(f.bytes),
                to_i64(f.rows)
            ])?;
        }
        let mut event = conn.prepare(
            "INSERT INTO change_events (import_id, seq, person_key, event, json) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (seq, e) in import.events.iter().enumerate() {
            let json = serde_json::to_value(e)
                .map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?;
            let tag = json
                .get("event")
                .and_then(|t| t.as_str())
                .unwrap_or("unknown")
                .to_owned();
            event.execute(params![
                id,
                to_i64(seq as u64),
                e.person().map(ToString::to_string),
                tag,
                json.to_string(),
            ])?;
        }
        Ok(id)
    };
    run().map_err(|e| sqlite(path, "recording the import", e))
}

/// The most recent import that loaded, with its manifest.
pub(super) fn last(conn: &Connection, path: &Path) -> Result<Option<ImportSummary>, StoreError> {
    let run = || -> rusqlite::Result<Option<ImportSummary>> {
        let Some(mut summary) = conn
            .query_row(
                "SELECT id, started_at, as_of, outcome, rows_read, rows_loaded, rows_quarantined
                 FROM imports WHERE outcome = 'loaded' ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok(ImportSummary {
                        id: r.get(0)?,
                        started_at: r.get(1)?,
                        as_of: r.get(2)?,
                        outcome: r.get(3)?,
                        rows_read: to_u64(r.get(4)?),
                        rows_loaded: to_u64(r.get(5)?),
                        rows_quarantined: to_u64(r.get(6)?),
                        files: Vec::new(),
                    })
                },
            )
            .optional()?
        else {
            return Ok(None);
        };
        let mut stmt = conn.prepare(
            "SELECT path, sha256, bytes, rows FROM import_files WHERE import_id = ?1 ORDER BY path",
        )?;
        summary.files = stmt
            .query_map([summary.id], |r| {
                Ok(ManifestEntry {
                    path: r.get(0)?,
                    sha256: r.get(1)?,
                    bytes: to_u64(r.get(2)?),
                    rows: to_u64(r.get(3)?),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Some(summary))
    };
    run().map_err(|e| sqlite(path, "reading the import history", e))
}

/// Every recorded change event of one import, as `(event name, JSON)`, in order.
pub(super) fn events(
    conn: &Connection,
    path: &Path,
    import_id: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let run = || -> rusqlite::Result<Vec<(String, String)>> {
        let mut stmt = conn
            .prepare("SELECT event, json FROM change_events WHERE import_id = ?1 ORDER BY seq")?;
        stmt.query_map([import_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect()
    };
    run().map_err(|e| sqlite(path, "reading the change events", e))
}

/// One recorded change event with the import that recorded it, as
/// [`Store::change_events`](super::Store::change_events) reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The import's id in `imports`.
    pub import_id: i64,
    /// The import's extract date, `YYYY-MM-DD`.
    pub as_of: String,
    /// The event's position in its import (0-based).
    pub seq: i64,
    /// The snake_case name of the event (`involvement_ended`...).
    pub event: String,
    /// The whole event as JSON, as stored.
    pub json: String,
}

/// Every recorded change event of the imports that loaded with `as_of >= since` (all
/// when `since` is `None`), by import then in order.
pub(super) fn events_since(
    conn: &Connection,
    path: &Path,
    since: Option<chrono::NaiveDate>,
) -> Result<Vec<StoredEvent>, StoreError> {
    let since = since.map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string());
    let run = || -> rusqlite::Result<Vec<StoredEvent>> {
        let mut stmt = conn.prepare(
            "SELECT e.import_id, i.as_of, e.seq, e.event, e.json
             FROM change_events e JOIN imports i ON i.id = e.import_id
             WHERE i.outcome = 'loaded' AND i.as_of >= ?1
             ORDER BY e.import_id, e.seq",
        )?;
        stmt.query_map([since], |r| {
            Ok(StoredEvent {
                import_id: r.get(0)?,
                as_of: r.get(1)?,
                seq: r.get(2)?,
                event: r.get(3)?,
                json: r.get(4)?,
            })
        })?
        .collect()
    };
    run().map_err(|e| sqlite(path, "reading the change events", e))
}
