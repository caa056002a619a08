//! The audit trail (schema version 4): an append-only, hash-chained record of every read,
//! export, import, change, override and erasure.
//!
//! Each [`AuditEntry`] covers one operation of the kinds the Data Protection Act 2018 s.62
//! says must be logged (collection, alteration, consultation, disclosure, combination,
//! erasure), plus imports, break-glass overrides and policy changes: when (a timestamp the
//! caller gives; the library never reads a clock), who ([`Actor`]), what kind
//! ([`AuditCategory`]), why (the purpose), whose data (the subjects' person keys, or
//! "everyone" for a whole-store operation), and a JSON detail (any serde-serialisable
//! access record). Entries never hold a person's values (names, dates of birth,
//! identifiers): only keys.
//!
//! ## Tamper evidence
//!
//! Entries are numbered `1, 2, 3...` (`seq`) and each stores the SHA-256 `hash` of its own
//! canonical encoding together with the previous entry's hash (`prev_hash`; 64 zeros for
//! the first), so that changing, removing, reordering or inserting any entry breaks the
//! chain from that point on. The canonical encoding is the text `patchwork-audit-v1`
//! followed by each field (seq, at, actor kind, actor, category, purpose, scope, subjects
//! JSON, detail JSON, previous hash) as its length in bytes (8 bytes, big-endian) and its
//! UTF-8 bytes.
//!
//! Triggers refuse `UPDATE` and `DELETE` on the tables, so an honest mistake cannot change
//! the trail. Someone who can write the file can drop the triggers first; [`Store::verify_audit`]
//! does not rely on them: it recomputes the chain, checks the subject index against each
//! entry, and compares the last entry with a separately kept head (`audit_head`), so that
//! removing entries from the end is detected too. What no chain can detect alone is a
//! rewrite of the whole trail from some entry on, head included, by someone who knows the
//! algorithm: keep the head hash that [`Store::verify_audit`] reports somewhere else (a
//! nightly mail to the DPO, a write-once log) and compare it.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use patchwork_core::PersonKey;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Store, StoreError, sqlite};

/// Version 4: the audit trail, the retention tables (legal holds, disposal records), and
/// indexes on the person columns for subject access and retention.
pub(crate) const V4: &str = "
CREATE INDEX involvements_person ON involvements (person_key);
CREATE INDEX episodes_person ON episodes (person_key);
CREATE INDEX activities_person ON activities (person_key);
CREATE INDEX relationships_from ON relationships (from_person_key);
CREATE INDEX relationships_to ON relationships (to_person_key);
CREATE INDEX household_members_person ON household_members (person_key);

CREATE TABLE audit_log (
    -- One row per audited operation; see store/audit.rs for the hash's encoding.
    -- at: UTC, RFC 3339 with microseconds; actor_kind: viewer | administrative | system;
    -- scope: subjects (the persons in audit_subjects) | all (every person in the store);
    -- subjects: JSON array of person keys; detail: JSON.
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    category TEXT NOT NULL,
    purpose TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('subjects', 'all')),
    subjects TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
) STRICT;

CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_category ON audit_log (category, at);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_everyone ON audit_log (seq) WHERE scope = 'all';

CREATE TABLE audit_subjects (
    -- The subjects of each entry, for 'who looked at this child'.
    seq INTEGER NOT NULL REFERENCES audit_log (seq),
    person_key TEXT NOT NULL,
    PRIMARY KEY (seq, person_key)
) STRICT, WITHOUT ROWID;

CREATE INDEX audit_subjects_person ON audit_subjects (person_key, seq);

CREATE TABLE audit_head (
    -- The last entry appended, kept apart from the chain to detect removal from its end.
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_subjects_no_update BEFORE UPDATE ON audit_subjects
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_subjects_no_delete BEFORE DELETE ON audit_subjects
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE legal_holds (
    -- A hold blocks disposal: of one person's records, or (person_key NULL) of all,
    -- from placed_on (YYYY-MM-DD) until lifted_on (NULL: still in force).
    id INTEGER PRIMARY KEY,
    person_key TEXT,
    reason TEXT NOT NULL,
    placed_on TEXT NOT NULL,
    lifted_on TEXT
) STRICT;

CREATE TABLE disposals (
    -- One row per record type and rule of each purge: counts only, never values.
    id INTEGER PRIMARY KEY,
    purged_at TEXT NOT NULL,
    as_of TEXT NOT NULL,
    schedule_version TEXT NOT NULL,
    rule TEXT NOT NULL,
    record_type TEXT NOT NULL,
    count INTEGER NOT NULL
) STRICT;
";

/// The triggers that make the trail append-only; [`Store::verify_audit`] reports any that
/// is missing.
pub const AUDIT_TRIGGERS: &[&str] = &[
    "audit_log_no_update",
    "audit_log_no_delete",
    "audit_subjects_no_update",
    "audit_subjects_no_delete",
    "audit_head_no_delete",
];

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What kind of operation an entry records: the DPA 2018 s.62 operations plus imports,
/// overrides and policy changes. Stored as its snake_case name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AuditCategory {
    /// Collection: data taken in by other means than an import.
    Collection,
    /// Alteration: a record changed.
    Alteration,
    /// Consultation: a read (a team, a caseload, the gaps, the audit log itself).
    Consultation,
    /// Disclosure: an export, a share, a subject-access bundle.
    Disclosure,
    /// Combination: an identity match, merge or unmerge.
    Combination,
    /// Erasure: a retention purge or other deletion.
    Erasure,
    /// A nightly import (collection and alteration together).
    Import,
    /// A break-glass override of the access policy.
    Override,
    /// A change to the access policy, retention schedule or legal holds.
    PolicyChange,
}

impl AuditCategory {
    /// Every category, in declaration order.
    pub const ALL: [Self; 9] = [
        Self::Collection,
        Self::Alteration,
        Self::Consultation,
        Self::Disclosure,
        Self::Combination,
        Self::Erasure,
        Self::Import,
        Self::Override,
        Self::PolicyChange,
    ];

    /// The snake_case name stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Collection => "collection",
            Self::Alteration => "alteration",
            Self::Consultation => "consultation",
            Self::Disclosure => "disclosure",
            Self::Combination => "combination",
            Self::Erasure => "erasure",
            Self::Import => "import",
            Self::Override => "override",
            Self::PolicyChange => "policy_change",
        }
    }
}

impl fmt::Display for AuditCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A category name that is not one of [`AuditCategory::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not an audit category (collection, alteration, consultation, disclosure, combination, erasure, import, override, policy_change)"
)]
pub struct UnknownCategory(pub String);

impl FromStr for AuditCategory {
    type Err = UnknownCategory;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCategory(s.to_owned()))
    }
}

/// Who did what an entry records.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    /// A professional reading through the access policy: their id (a professional key,
    /// `system:id`, or the host's user id).
    Viewer(String),
    /// An administrative or analyst operation outside the per-viewer policy (the command
    /// line without a viewer, a DPO's subject-access export): who, as far as known.
    Administrative(String),
    /// Patchwork itself on a schedule (the nightly import, a retention purge): which job.
    System(String),
}

impl Actor {
    /// The stored `actor_kind`: `viewer`, `administrative` or `system`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Viewer(_) => "viewer",
            Self::Administrative(_) => "administrative",
            Self::System(_) => "system",
        }
    }

    /// The stored `actor`: the id or description.
    pub fn id(&self) -> &str {
        match self {
            Self::Viewer(id) | Self::Administrative(id) | Self::System(id) => id,
        }
    }
}

/// One operation to record, built by the caller and given to [`Store::append_audit`].
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use patchwork_adapters::store::{Actor, AuditCategory, AuditEntry, Store};
/// use patchwork_core::PersonKey;
///
/// let mut store = Store::open_in_memory()?;
/// let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 15, 0).unwrap();
/// let entry = AuditEntry::new(at, Actor::Viewer("lcs:W1".into()), AuditCategory::Consultation, "team around the child")
///     .with_subject(PersonKey::new("lcs", "C1"))
///     .with_detail(&serde_json::json!({"command": "team", "members": 3}))?;
/// assert_eq!(store.append_audit(&entry)?, 1);
/// assert!(store.verify_audit()?.is_intact());
/// assert_eq!(store.who_looked_at(&PersonKey::new("lcs", "C1"), None, None)?.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// When it happened (given by the caller: the library never reads a clock).
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Actor,
    /// What kind of operation.
    pub category: AuditCategory,
    /// Why: the purpose or justification given.
    pub purpose: String,
    /// Whose data, in the order given (duplicates are recorded once).
    pub subjects: Vec<PersonKey>,
    /// True when the operation covered every person in the store (a whole export, the
    /// gaps across the network): the entry then answers "who looked at X" for every X.
    pub all_subjects: bool,
    /// The detail, as JSON (an access record, counts, the command's arguments; never a
    /// person's values).
    pub detail: serde_json::Value,
}

impl AuditEntry {
    /// An entry with no subjects and an empty (`null`) detail.
    pub fn new(
        at: DateTime<Utc>,
        actor: Actor,
        category: AuditCategory,
        purpose: impl Into<String>,
    ) -> Self {
        Self {
            at,
            actor,
            category,
            purpose: purpose.into(),
            subjects: Vec::new(),
            all_subjects: false,
            detail: serde_json::Value::Null,
        }
    }

    /// Adds one subject.
    #[must_use]
    pub fn with_subject(mut self, person: PersonKey) -> Self {
        self.subjects.push(person);
        self
    }

    /// Adds subjects.
    #[must_use]
    pub fn with_subjects(mut self, persons: impl IntoIterator<Item = PersonKey>) -> Self {
        self.subjects.extend(persons);
        self
    }

    /// Marks the entry as covering every person in the store.
    #[must_use]
    pub fn about_everyone(mut self) -> Self {
        self.all_subjects = true;
        self
    }

    /// Sets the detail to `record` serialised as JSON: any serde-serialisable access
    /// record, decision or summary.
    pub fn with_detail<T: Serialize + ?Sized>(
        mut self,
        record: &T,
    ) -> Result<Self, serde_json::Error> {
        self.detail = serde_json::to_value(record)?;
        Ok(self)
    }
}

/// An entry as stored, read back by the queries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredAuditEntry {
    /// Its number in the trail, from 1.
    pub seq: i64,
    /// When, UTC, RFC 3339 with microseconds (`2026-03-02T09:15:00.000000Z`).
    pub at: String,
    /// `viewer`, `administrative` or `system`.
    pub actor_kind: String,
    /// The actor's id or description.
    pub actor: String,
    /// The category's snake_case name.
    pub category: String,
    /// The purpose.
    pub purpose: String,
    /// `subjects` or `all`.
    pub scope: String,
    /// The subjects' keys, `system:id`.
    pub subjects: Vec<String>,
    /// The detail, as stored JSON text.
    pub detail: String,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// What [`Store::verify_audit`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditVerification {
    /// Entries read.
    pub entries: u64,
    /// The hash of the last entry (the value to keep elsewhere and compare), `None` for
    /// an empty trail.
    pub head: Option<String>,
    /// The first place the trail is broken, if anywhere.
    pub broken: Option<AuditBreak>,
    /// Append-only triggers that are missing from the file (the chain may still be
    /// intact, but nothing stops a change any more).
    pub missing_triggers: Vec<String>,
}

impl AuditVerification {
    /// True when the chain is whole and every trigger is in place.
    pub fn is_intact(&self) -> bool {
        self.broken.is_none() && self.missing_triggers.is_empty()
    }
}

/// Where and how the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("audit entry {seq}: {problem}")]
pub struct AuditBreak {
    /// The entry named: the first one that is not as appended.
    pub seq: i64,
    /// What is wrong with it.
    pub problem: BreakKind,
}

/// How an entry differs from what was appended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum BreakKind {
    /// The entry is missing (the next one found has a later number, or the trail ends
    /// before the head).
    #[error("missing (deleted); the next entry found is {found:?}")]
    Missing {
        /// The number of the next entry found, `None` at the end of the trail.
        found: Option<i64>,
    },
    /// Its stored previous hash is not the hash of the entry before it (entries
    /// reordered, inserted, or the one before replaced).
    #[error("does not follow the entry before it (previous hash {stored}, expected {expected})")]
    ChainBroken {
        /// The stored previous hash.
        stored: String,
        /// The hash of the entry before.
        expected: String,
    },
    /// Its content does not match its hash (edited).
    #[error("content does not match its hash (edited)")]
    Edited,
    /// Its subject index rows (`audit_subjects`) differ from its subjects.
    #[error("its subject index differs from its subjects (rows added or removed)")]
    SubjectIndex,
    /// A subject index row names an entry that does not exist.
    #[error("subject index rows for an entry that does not exist")]
    OrphanSubjects,
    /// The head kept apart names another last entry (entries removed from the end, or
    /// appended without going through Patchwork).
    #[error("the head records entry {head_seq} with hash {head_hash}, the trail ends here")]
    HeadMismatch {
        /// The head's entry number (0 when the head row is missing).
        head_seq: i64,
        /// The head's hash (empty when missing).
        head_hash: String,
    },
}

/// Which entries [`Store::audit_entries`] returns. Every filter given must hold; `None`
/// does not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Entries about this person (including entries about everyone).
    pub person: Option<PersonKey>,
    /// Entries by this actor id (of any actor kind).
    pub actor: Option<String>,
    /// Entries of these categories (empty: all).
    pub categories: Vec<AuditCategory>,
    /// At or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Before this time.
    pub until: Option<DateTime<Utc>>,
}

/// The categories that count as "looking at" a child.
const LOOKING: [AuditCategory; 3] = [
    AuditCategory::Consultation,
    AuditCategory::Disclosure,
    AuditCategory::Override,
];

/// An instant as stored: RFC 3339, UTC, microseconds, `Z`.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The fields of an entry as hashed, in order.
struct Canonical<'a> {
    seq: i64,
    at: &'a str,
    actor_kind: &'a str,
    actor: &'a str,
    category: &'a str,
    purpose: &'a str,
    scope: &'a str,
    subjects: &'a str,
    detail: &'a str,
    prev_hash: &'a str,
}

impl Canonical<'_> {
    fn hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"patchwork-audit-v1");
        let seq = self.seq.to_string();
        for field in [
            seq.as_str(),
            self.at,
            self.actor_kind,
            self.actor,
            self.category,
            self.purpose,
            self.scope,
            self.subjects,
            self.detail,
            self.prev_hash,
        ] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        hex(&h.finalize())
    }
}

impl StoredAuditEntry {
    /// The hash this entry's content gives (equal to [`hash`](Self::hash) when untouched).
    pub fn computed_hash(&self) -> String {
        let subjects = serde_json::to_string(&self.subjects).unwrap_or_default();
        self.canonical(&subjects).hash()
    }

    fn canonical<'a>(&'a self, subjects: &'a str) -> Canonical<'a> {
        Canonical {
            seq: self.seq,
            at: &self.at,
            actor_kind: &self.actor_kind,
            actor: &self.actor,
            category: &self.category,
            purpose: &self.purpose,
            scope: &self.scope,
            subjects,
            detail: &self.detail,
            prev_hash: &self.prev_hash,
        }
    }
}

/// Appends `entries` inside the caller's transaction; returns their numbers. For use by
/// other store operations that must record their audit entry atomically with their work.
pub(crate) fn append_in(
    conn: &Connection,
    path: &Path,
    entries: &[AuditEntry],
) -> Result<Vec<i64>, StoreError> {
    let run = || -> rusqlite::Result<Vec<i64>> {
        let last: Option<(i64, String)> = conn
            .query_row(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (mut seq, mut prev) = last.unwrap_or((0, GENESIS_HASH.to_owned()));
        let mut insert = conn.prepare_cached(
            "INSERT INTO audit_log (seq, at, actor_kind, actor, category, purpose, scope, subjects, detail, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        let mut subject =
            conn.prepare_cached("INSERT INTO audit_subjects (seq, person_key) VALUES (?1, ?2)")?;
        let mut numbers = Vec::with_capacity(entries.len());
        for e in entries {
            seq += 1;
            let mut keys: Vec<&str> = Vec::with_capacity(e.subjects.len());
            for k in &e.subjects {
                if !keys.contains(&k.as_str()) {
                    keys.push(k.as_str());
                }
            }
            let subjects = serde_json::to_string(&keys)
                .map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?;
            let detail = e.detail.to_string();
            let at = timestamp(e.at);
            let scope = if e.all_subjects { "all" } else { "subjects" };
            let hash = Canonical {
                seq,
                at: &at,
                actor_kind: e.actor.kind(),
                actor: e.actor.id(),
                category: e.category.as_str(),
                purpose: &e.purpose,
                scope,
                subjects: &subjects,
                detail: &detail,
                prev_hash: &prev,
            }
            .hash();
            insert.execute(params![
                seq,
                at,
                e.actor.kind(),
                e.actor.id(),
                e.category.as_str(),
                e.purpose,
                scope,
                subjects,
                detail,
                prev,
                hash
            ])?;
            for k in keys {
                subject.execute(params![seq, k])?;
            }
            prev = hash;
            numbers.push(seq);
        }
        if !entries.is_empty() {
            conn.execute(
                "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
                 ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                params![seq, prev],
            )?;
        }
        Ok(numbers)
    };
    run().map_err(|e| sqlite(path, "appending to the audit log", e))
}

const SELECT: &str = "SELECT seq, at, actor_kind, actor, category, purpose, scope, subjects, detail, prev_hash, hash FROM audit_log";

/// Reads a row of [`SELECT`]; the subjects column as stored, as the second value.
fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(StoredAuditEntry, String)> {
    let subjects_json: String = r.get(7)?;
    let subjects = serde_json::from_str(&subjects_json).unwrap_or_default();
    Ok((
        StoredAuditEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor_kind: r.get(2)?,
            actor: r.get(3)?,
            category: r.get(4)?,
            purpose: r.get(5)?,
            scope: r.get(6)?,
            subjects,
            detail: r.get(8)?,
            prev_hash: r.get(9)?,
            hash: r.get(10)?,
        },
        subjects_json,
    ))
}

fn verify(conn: &Connection) -> rusqlite::Result<AuditVerification> {
    let mut out = AuditVerification {
        entries: 0,
        head: None,
        broken: None,
        missing_triggers: Vec::new(),
    };
    for name in AUDIT_TRIGGERS {
        let found: Option<i64> = conn
            .query_row(
                "SELECT 1 FROM sqlite_schema WHERE type = 'trigger' AND name = ?1",
                [name],
                |r| r.get(0),
            )
            .optional()?;
        if found.is_none() {
            out.missing_triggers.push((*name).to_owned());
        }
    }
    let mut rows = conn.prepare(&format!("{SELECT} ORDER BY seq"))?;
    let mut subjects = conn.prepare("SELECT seq, person_key FROM audit_subjects ORDER BY seq")?;
    let mut index = subjects
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .peekable();
    let mut expected_seq = 1i64;
    let mut prev = GENESIS_HASH.to_owned();
    let mut iter = rows.query_map([], read_row)?;
    let broken = loop {
        let Some(row) = iter.next() else {
            break None;
        };
        let (e, subjects_json) = row?;
        if e.seq != expected_seq {
            break Some(AuditBreak {
                seq: expected_seq,
                problem: BreakKind::Missing { found: Some(e.seq) },
            });
        }
        if e.prev_hash != prev {
            break Some(AuditBreak {
                seq: e.seq,
                problem: BreakKind::ChainBroken {
                    stored: e.prev_hash.clone(),
                    expected: prev.clone(),
                },
            });
        }
        if e.canonical(&subjects_json).hash() != e.hash {
            break Some(AuditBreak {
                seq: e.seq,
                problem: BreakKind::Edited,
            });
        }
        // The subject index rows of this entry, compared as sets.
        let mut indexed: Vec<String> = Vec::new();
        let mut orphan = false;
        while let Some(Ok((s, _))) = index.peek() {
            if *s > e.seq {
                break;
            }
            let (s, key) = index.next().expect("peeked")?;
            if s < e.seq {
                orphan = true;
            } else {
                indexed.push(key);
            }
        }
        if let Some(Err(_)) = index.peek() {
            index.next().expect("peeked")?;
        }
        if orphan {
            break Some(AuditBreak {
                seq: e.seq,
                problem: BreakKind::OrphanSubjects,
            });
        }
        let mut listed = e.subjects.clone();
        listed.sort();
        listed.dedup();
        indexed.sort();
        if listed != indexed {
            break Some(AuditBreak {
                seq: e.seq,
                problem: BreakKind::SubjectIndex,
            });
        }
        out.entries += 1;
        expected_seq += 1;
        prev = e.hash;
    };
    if broken.is_some() {
        out.broken = broken;
        return Ok(out);
    }
    let last_seq = expected_seq - 1;
    if let Some(next) = index.next() {
        let (s, _) = next?;
        out.broken = Some(AuditBreak {
            seq: s,
            problem: BreakKind::OrphanSubjects,
        });
        return Ok(out);
    }
    let head: Option<(i64, String)> = conn
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let head_ok = match &head {
        None => last_seq == 0,
        Some((s, h)) => *s == last_seq && *h == prev,
    };
    if !head_ok {
        let (head_seq, head_hash) = head.unwrap_or((0, String::new()));
        out.broken = Some(AuditBreak {
            seq: if head_seq > last_seq {
                last_seq + 1
            } else {
                last_seq
            },
            problem: if head_seq > last_seq {
                BreakKind::Missing { found: None }
            } else {
                BreakKind::HeadMismatch {
                    head_seq,
                    head_hash,
                }
            },
        });
        return Ok(out);
    }
    if last_seq > 0 {
        out.head = Some(prev);
    }
    Ok(out)
}

fn query(conn: &Connection, q: &AuditQuery) -> rusqlite::Result<Vec<StoredAuditEntry>> {
    let mut sql = format!("{SELECT} WHERE 1 = 1");
    let mut args: Vec<String> = Vec::new();
    let mut arg = |sql: &mut String, clause: &str, value: String| {
        args.push(value);
        sql.push_str(&clause.replace('?', &format!("?{}", args.len())));
    };
    if let Some(p) = &q.person {
        arg(
            &mut sql,
            " AND seq IN (SELECT seq FROM audit_subjects WHERE person_key = ?
                UNION ALL SELECT seq FROM audit_log WHERE scope = 'all')",
            p.to_string(),
        );
    }
    // Steer SQLite to the most selective index: the person's entries, else the actor's
    // (unary `+` keeps a column's index out of the plan).
    let by_person = if q.person.is_some() { "+" } else { "" };
    let by_key = if q.person.is_some() || q.actor.is_some() {
        "+"
    } else {
        ""
    };
    if let Some(a) = &q.actor {
        arg(&mut sql, &format!(" AND {by_person}actor = ?"), a.clone());
    }
    if let Some(s) = q.since {
        arg(&mut sql, &format!(" AND {by_person}at >= ?"), timestamp(s));
    }
    if let Some(u) = q.until {
        arg(&mut sql, &format!(" AND {by_person}at < ?"), timestamp(u));
    }
    if !q.categories.is_empty() {
        let list: Vec<String> = q
            .categories
            .iter()
            .map(|c| format!("'{}'", c.as_str()))
            .collect();
        sql.push_str(&format!(" AND {by_key}category IN ({})", list.join(",")));
    }
    sql.push_str(" ORDER BY seq");
    let mut stmt = conn.prepare(&sql)?;
    stmt.query_map(rusqlite::params_from_iter(args.iter()), |r| {
        read_row(r).map(|(e, _)| e)
    })?
    .collect()
}

impl Store {
    /// Appends one entry to the audit trail in its own transaction (committed with
    /// `synchronous=FULL`: it survives a power cut once this returns). Returns its number.
    pub fn append_audit(&mut self, entry: &AuditEntry) -> Result<i64, StoreError> {
        Ok(self
            .append_audit_all(std::slice::from_ref(entry))?
            .pop()
            .unwrap_or(0))
    }

    /// Appends several entries, in order, in one transaction. Returns their numbers.
    pub fn append_audit_all(&mut self, entries: &[AuditEntry]) -> Result<Vec<i64>, StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sqlite(&path, "starting an audit append", e))?;
        let numbers = append_in(&tx, &path, entries)?;
        tx.commit()
            .map_err(|e| sqlite(&path, "committing an audit append", e))?;
        Ok(numbers)
    }

    /// Checks the whole audit trail: numbering, chain, each entry's hash, the subject
    /// index and the head, and that the append-only triggers are in place. Reads one
    /// consistent snapshot; changes nothing.
    pub fn verify_audit(&self) -> Result<AuditVerification, StoreError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| sqlite(&self.path, "starting to verify the audit log", e))?;
        let out = verify(&tx).map_err(|e| sqlite(&self.path, "verifying the audit log", e))?;
        drop(tx);
        Ok(out)
    }

    /// The entries `query` selects, in order.
    pub fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<StoredAuditEntry>, StoreError> {
        super::audit::query(&self.conn, query)
            .map_err(|e| sqlite(&self.path, "reading the audit log", e))
    }

    /// Who looked at `person`: the consultations, disclosures and overrides about them
    /// (including those about everyone) in `[since, until)`, in order.
    pub fn who_looked_at(
        &self,
        person: &PersonKey,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<StoredAuditEntry>, StoreError> {
        self.audit_entries(&AuditQuery {
            person: Some(person.clone()),
            categories: LOOKING.to_vec(),
            since,
            until,
            ..AuditQuery::default()
        })
    }

    /// What `actor` (a viewer's or administrator's id) looked at: their consultations,
    /// disclosures and overrides in `[since, until)`, in order.
    pub fn looked_at_by(
        &self,
        actor: &str,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<StoredAuditEntry>, StoreError> {
        self.audit_entries(&AuditQuery {
            actor: Some(actor.to_owned()),
            categories: LOOKING.to_vec(),
            since,
            until,
            ..AuditQuery::default()
        })
    }

    /// The break-glass overrides in `[since, until)`, in order.
    pub fn overrides(
        &self,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<StoredAuditEntry>, StoreError> {
        self.audit_entries(&AuditQuery {
            categories: vec![AuditCategory::Override],
            since,
            until,
            ..AuditQuery::default()
        })
    }
}
