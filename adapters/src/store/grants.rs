//! Consents, break-glass overrides, sharing decisions and the access policy in force
//! (schema version 5).
//!
//! The core's access policy ([`patchwork_core::Policy`]) reads a viewer's network with
//! the [`Grants`] on record: the consents to share sensitive-service involvements and the
//! break-glass overrides. This module keeps them, with the decisions to share or not to
//! share (golden rule 7: record the decision and the reasons either way) and every
//! version of the policy ever set (the latest applies).
//!
//! * `consents`: one row per consent; a withdrawal sets `withdrawn_on` (the day it no
//!   longer holds) and `withdrawn_at` (when it was recorded), nothing is deleted.
//! * `break_glass_overrides`, `sharing_decisions`, `access_policies`: append-only (by
//!   trigger). Each override is written in one transaction with its `override` audit entry
//!   (the alert in its detail); each sharing decision with a `disclosure` entry; each
//!   policy with a `policy_change` entry. If the audit entry cannot be written, nothing is.
//!
//! Keys are `system:id` text, dates `YYYY-MM-DD`, instants RFC 3339 UTC with
//! microseconds (as [`timestamp`]), structured values (who gave a consent, its scope, the
//! recipients, the lawful basis, the policy itself) JSON. As everywhere in the store, the
//! library never reads a clock: the caller gives every time.
//!
//! ```
//! use chrono::{Duration, TimeZone, Utc};
//! use patchwork_adapters::store::{Actor, AuditCategory, Store};
//! use patchwork_core::*;
//!
//! let mut store = Store::open_in_memory()?;
//! let at = Utc.with_ymd_and_hms(2026, 11, 27, 2, 30, 0).unwrap();
//! let policy = Policy::practice_defaults("2026-11");
//! store.set_policy(&policy, at, Actor::Administrative("dpo".into()))?;
//!
//! let w = Professional::new(ProfessionalKey::new("lcs", "EDT1"), Source::system("lcs"));
//! let edt = Viewer::professional(&w, "child_protection", Purpose::Safeguarding);
//! let child = PersonKey::new("lcs", "C9");
//! let (grant, alert) = store.policy()?.unwrap().break_glass(&edt, &child,
//!     OverrideGround::Safeguarding, "police protection at 02:10", at)?;
//! store.record_break_glass(&grant, &alert)?;
//!
//! let grants = store.grants()?;
//! assert_eq!(grants.overrides, vec![grant]);
//! assert_eq!(store.overrides(None, None)?.len(), 1); // its audit entry
//! assert!(store.grants_at(at - Duration::seconds(1))?.overrides.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::Path;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use patchwork_core::{
    Alert, BreakGlass, Consent, ConsentStatus, Grants, OverrideGround, PersonKey, Policy,
    ProfessionalKey, SharingDecision,
};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::audit::{Actor, AuditCategory, AuditEntry, append_in, timestamp};
use super::{Store, StoreError, sqlite};

/// Version 5: consents, break-glass overrides, sharing decisions and the access policy.
pub(crate) const V5: &str = "
CREATE TABLE consents (
    -- given_by, scope: JSON (as patchwork_core::ConsentGiver / ConsentScope);
    -- recipients: JSON array of agency keys; purposes: JSON array (empty: any purpose);
    -- from_date..to_date half-open; withdrawn_on: first day no longer in force.
    id INTEGER PRIMARY KEY,
    subject_key TEXT NOT NULL,
    given_by TEXT NOT NULL,
    scope TEXT NOT NULL,
    recipients TEXT NOT NULL,
    purposes TEXT NOT NULL,
    from_date TEXT NOT NULL,
    to_date TEXT,
    withdrawn_on TEXT,
    recorded_by TEXT,
    evidence TEXT,
    recorded_at TEXT NOT NULL,
    withdrawn_at TEXT
) STRICT;

CREATE INDEX consents_subject ON consents (subject_key);

CREATE TABLE break_glass_overrides (
    -- One professional may see one child in full from from_at until until_at (exclusive).
    id INTEGER PRIMARY KEY,
    professional_key TEXT NOT NULL,
    role TEXT NOT NULL,
    child_key TEXT NOT NULL,
    ground TEXT NOT NULL,
    reason TEXT NOT NULL,
    from_at TEXT NOT NULL,
    until_at TEXT NOT NULL CHECK (until_at > from_at),
    policy_version TEXT NOT NULL,
    audit_seq INTEGER NOT NULL REFERENCES audit_log (seq)
) STRICT;

CREATE INDEX break_glass_child ON break_glass_overrides (child_key);

CREATE TABLE sharing_decisions (
    -- shared: 1 a decision to share, 0 not to; recipients: JSON array of agency keys;
    -- lawful_basis: JSON or NULL; consent: given | refused | not_sought.
    id INTEGER PRIMARY KEY,
    subject_key TEXT NOT NULL,
    shared INTEGER NOT NULL CHECK (shared IN (0, 1)),
    what TEXT NOT NULL,
    recipients TEXT NOT NULL,
    why TEXT NOT NULL,
    lawful_basis TEXT,
    consent TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    at TEXT NOT NULL,
    audit_seq INTEGER NOT NULL REFERENCES audit_log (seq)
) STRICT;

CREATE INDEX sharing_decisions_subject ON sharing_decisions (subject_key);

CREATE TABLE access_policies (
    -- Every version of the access policy ever set; the latest (highest id) is in force.
    id INTEGER PRIMARY KEY,
    version TEXT NOT NULL UNIQUE,
    policy TEXT NOT NULL,
    set_at TEXT NOT NULL,
    set_by TEXT NOT NULL,
    audit_seq INTEGER NOT NULL REFERENCES audit_log (seq)
) STRICT;

CREATE TRIGGER break_glass_no_update BEFORE UPDATE ON break_glass_overrides
BEGIN SELECT RAISE(ABORT, 'break-glass overrides are append-only'); END;
CREATE TRIGGER break_glass_no_delete BEFORE DELETE ON break_glass_overrides
BEGIN SELECT RAISE(ABORT, 'break-glass overrides are append-only'); END;
CREATE TRIGGER sharing_decisions_no_update BEFORE UPDATE ON sharing_decisions
BEGIN SELECT RAISE(ABORT, 'sharing decisions are append-only'); END;
CREATE TRIGGER sharing_decisions_no_delete BEFORE DELETE ON sharing_decisions
BEGIN SELECT RAISE(ABORT, 'sharing decisions are append-only'); END;
CREATE TRIGGER access_policies_no_update BEFORE UPDATE ON access_policies
BEGIN SELECT RAISE(ABORT, 'access policy versions are append-only'); END;
CREATE TRIGGER access_policies_no_delete BEFORE DELETE ON access_policies
BEGIN SELECT RAISE(ABORT, 'access policy versions are append-only'); END;
";

/// A consent as stored: its id (for [`Store::withdraw_consent`]) and when it was
/// recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredConsent {
    /// Its id in `consents`.
    pub id: i64,
    /// The consent, with its withdrawal day if withdrawn.
    pub consent: Consent,
    /// When it was recorded (RFC 3339 UTC).
    pub recorded_at: String,
    /// When its withdrawal was recorded, if it was.
    pub withdrawn_at: Option<String>,
}

/// A version of the access policy as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredPolicy {
    /// Its id in `access_policies` (the highest is in force).
    pub id: i64,
    /// The policy.
    pub policy: Policy,
    /// When it was set (RFC 3339 UTC).
    pub set_at: String,
    /// Who set it (the audit actor's id).
    pub set_by: String,
}

/// A value as JSON text for a column.
fn to_json<T: Serialize + ?Sized>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

/// The snake_case name of a unit enum variant (its serde form).
fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Reads stored values back, naming table, row and column when one cannot be read.
struct Reader<'a> {
    path: &'a Path,
    table: &'static str,
    key: String,
}

impl Reader<'_> {
    fn corrupt(&self, column: &str, problem: String) -> StoreError {
        StoreError::Corrupt {
            path: self.path.to_path_buf(),
            table: self.table,
            key: self.key.clone(),
            column: column.to_owned(),
            problem,
        }
    }

    fn json<T: DeserializeOwned>(&self, column: &str, text: &str) -> Result<T, StoreError> {
        serde_json::from_str(text).map_err(|e| self.corrupt(column, format!("not valid: {e}")))
    }

    fn text_enum<T: DeserializeOwned>(&self, column: &str, text: &str) -> Result<T, StoreError> {
        serde_json::from_value(serde_json::Value::String(text.to_owned()))
            .map_err(|_| self.corrupt(column, format!("{text:?} is not a known value")))
    }

    fn key<T: FromStr>(&self, column: &str, text: &str) -> Result<T, StoreError> {
        text.parse()
            .map_err(|_| self.corrupt(column, format!("{text:?} is not a key system:id")))
    }

    fn date(&self, column: &str, text: &str) -> Result<NaiveDate, StoreError> {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| self.corrupt(column, format!("{text:?} is not a date YYYY-MM-DD")))
    }

    fn instant(&self, column: &str, text: &str) -> Result<DateTime<Utc>, StoreError> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| self.corrupt(column, format!("{text:?} is not an RFC 3339 time")))
    }
}

/// A `consents` row as read.
type ConsentRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

/// A `break_glass_overrides` row as read.
type OverrideRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);

impl Store {
    /// Records a consent (as given: a consent already withdrawn is recorded withdrawn),
    /// with a `collection` audit entry at `at` by `actor`, in one transaction. Returns
    /// its id.
    pub fn record_consent(
        &mut self,
        consent: &Consent,
        at: DateTime<Utc>,
        actor: Actor,
    ) -> Result<i64, StoreError> {
        self.in_transaction("recording a consent", |tx, path| {
            let insert = || -> rusqlite::Result<i64> {
                tx.execute(
                    "INSERT INTO consents (subject_key, given_by, scope, recipients, purposes, from_date,
                         to_date, withdrawn_on, recorded_by, evidence, recorded_at, withdrawn_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                    params![
                        consent.subject.as_str(),
                        to_json(&consent.given_by)?,
                        to_json(&consent.scope)?,
                        to_json(&consent.recipients)?,
                        to_json(&consent.purposes)?,
                        day(consent.from),
                        consent.to.map(day),
                        consent.withdrawn.map(day),
                        consent.recorded_by.as_ref().map(ProfessionalKey::as_str),
                        consent.evidence,
                        timestamp(at),
                        consent.withdrawn.map(|_| timestamp(at)),
                    ],
                )?;
                Ok(tx.last_insert_rowid())
            };
            let id = insert().map_err(|e| sqlite(path, "recording a consent", e))?;
            let mut entry = AuditEntry::new(at, actor, AuditCategory::Collection, "consent recorded")
                .with_subject(consent.subject.clone());
            entry.detail = serde_json::json!({"consent_id": id, "consent": consent});
            append_in(tx, path, &[entry])?;
            Ok(id)
        })
    }

    /// Withdraws consent `id` from `on` (the first day it no longer holds), with an
    /// `alteration` audit entry at `at` by `actor`, in one transaction. Returns false,
    /// changing nothing, when no consent has that id or it is already withdrawn.
    pub fn withdraw_consent(
        &mut self,
        id: i64,
        on: NaiveDate,
        at: DateTime<Utc>,
        actor: Actor,
    ) -> Result<bool, StoreError> {
        self.in_transaction("withdrawing a consent", |tx, path| {
            let subject: Option<String> = tx
                .query_row(
                    "UPDATE consents SET withdrawn_on = ?2, withdrawn_at = ?3
                     WHERE id = ?1 AND withdrawn_on IS NULL RETURNING subject_key",
                    params![id, day(on), timestamp(at)],
                    |r| r.get(0),
                )
                .optional()
                .map_err(|e| sqlite(path, "withdrawing a consent", e))?;
            let Some(subject) = subject else {
                return Ok(false);
            };
            let mut entry =
                AuditEntry::new(at, actor, AuditCategory::Alteration, "consent withdrawn");
            if let Ok(key) = subject.parse::<PersonKey>() {
                entry.subjects.push(key);
            }
            entry.detail = serde_json::json!({"consent_id": id, "withdrawn_on": on});
            append_in(tx, path, &[entry])?;
            Ok(true)
        })
    }

    /// Records a break-glass override made by
    /// [`Policy::break_glass`](patchwork_core::Policy::break_glass), and its `override`
    /// audit entry (at the alert's time, by the professional, about the child, the
    /// override and the alert in its detail), in one transaction: either both are
    /// written or neither. Returns the override's id.
    pub fn record_break_glass(
        &mut self,
        grant: &BreakGlass,
        alert: &Alert,
    ) -> Result<i64, StoreError> {
        self.in_transaction("recording a break-glass override", |tx, path| {
            let ground = name(&grant.ground);
            let mut entry = AuditEntry::new(
                alert.at,
                Actor::Viewer(grant.professional.to_string()),
                AuditCategory::Override,
                format!("break glass ({ground}): {}", grant.reason),
            )
            .with_subject(grant.child.clone());
            entry.detail = serde_json::json!({"break_glass": grant, "alert": alert});
            let seq = append_in(tx, path, &[entry])?.pop().unwrap_or(0);
            tx.execute(
                "INSERT INTO break_glass_overrides (professional_key, role, child_key, ground, reason,
                     from_at, until_at, policy_version, audit_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    grant.professional.as_str(),
                    grant.role,
                    grant.child.as_str(),
                    ground,
                    grant.reason,
                    timestamp(grant.from),
                    timestamp(grant.until),
                    grant.policy_version,
                    seq,
                ],
            )
            .map_err(|e| sqlite(path, "recording a break-glass override", e))?;
            let id = tx.last_insert_rowid();
            Ok(id)
        })
    }

    /// Records a decision to share or not to share, with its audit entry (`disclosure`,
    /// at the decision's time, by the decision maker, about the subject), in one
    /// transaction. Returns its id.
    pub fn record_sharing_decision(
        &mut self,
        decision: &SharingDecision,
    ) -> Result<i64, StoreError> {
        self.in_transaction("recording a sharing decision", |tx, path| {
            let purpose = if decision.shared {
                "decision to share"
            } else {
                "decision not to share"
            };
            let mut entry = AuditEntry::new(
                decision.at,
                Actor::Viewer(decision.decided_by.to_string()),
                AuditCategory::Disclosure,
                format!("{purpose}: {}", decision.why),
            )
            .with_subject(decision.subject.clone());
            entry.detail = serde_json::json!({"sharing_decision": decision});
            let seq = append_in(tx, path, &[entry])?.pop().unwrap_or(0);
            let insert = || -> rusqlite::Result<i64> {
                tx.execute(
                    "INSERT INTO sharing_decisions (subject_key, shared, what, recipients, why,
                         lawful_basis, consent, decided_by, at, audit_seq)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                    params![
                        decision.subject.as_str(),
                        decision.shared,
                        decision.what,
                        to_json(&decision.recipients)?,
                        decision.why,
                        decision.lawful_basis.as_ref().map(to_json).transpose()?,
                        name(&decision.consent),
                        decision.decided_by.as_str(),
                        timestamp(decision.at),
                        seq,
                    ],
                )?;
                Ok(tx.last_insert_rowid())
            };
            let id = insert().map_err(|e| sqlite(path, "recording a sharing decision", e))?;
            Ok(id)
        })
    }

    /// Sets the access policy in force from now on, keeping every earlier version, with
    /// a `policy_change` audit entry at `at` by `actor`, in one transaction. A version id
    /// already set is refused (a changed policy needs a new version). Returns its id.
    pub fn set_policy(
        &mut self,
        policy: &Policy,
        at: DateTime<Utc>,
        actor: Actor,
    ) -> Result<i64, StoreError> {
        self.in_transaction("setting the access policy", |tx, path| {
            let set_by = actor.id().to_owned();
            let mut entry =
                AuditEntry::new(at, actor, AuditCategory::PolicyChange, "access policy set")
                    .about_everyone();
            entry.detail = serde_json::json!({"policy_version": policy.version, "policy": policy});
            let seq = append_in(tx, path, &[entry])?.pop().unwrap_or(0);
            let insert = || -> rusqlite::Result<i64> {
                tx.execute(
                    "INSERT INTO access_policies (version, policy, set_at, set_by, audit_seq)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![policy.version, to_json(policy)?, timestamp(at), set_by, seq],
                )?;
                Ok(tx.last_insert_rowid())
            };
            let id = insert().map_err(|e| {
                sqlite(
                    path,
                    &format!("setting access policy version {:?}", policy.version),
                    e,
                )
            })?;
            Ok(id)
        })
    }

    /// The access policy in force: the latest set, `None` when none ever was.
    pub fn policy(&self) -> Result<Option<Policy>, StoreError> {
        Ok(self
            .policies_where("ORDER BY id DESC LIMIT 1")?
            .pop()
            .map(|p| p.policy))
    }

    /// Every version of the access policy ever set, oldest first.
    pub fn policies(&self) -> Result<Vec<StoredPolicy>, StoreError> {
        self.policies_where("ORDER BY id")
    }

    fn policies_where(&self, tail: &str) -> Result<Vec<StoredPolicy>, StoreError> {
        type Row = (i64, String, String, String, String);
        let run = || -> rusqlite::Result<Vec<Row>> {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT id, version, policy, set_at, set_by FROM access_policies {tail}"
            ))?;
            stmt.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect()
        };
        let rows = run().map_err(|e| sqlite(&self.path, "reading the access policy", e))?;
        rows.into_iter()
            .map(|(id, version, policy, set_at, set_by)| {
                let reader = Reader {
                    path: &self.path,
                    table: "access_policies",
                    key: version,
                };
                Ok(StoredPolicy {
                    id,
                    policy: reader.json("policy", &policy)?,
                    set_at,
                    set_by,
                })
            })
            .collect()
    }

    /// Every consent on record, withdrawn or not, in the order recorded.
    pub fn consents(&self) -> Result<Vec<StoredConsent>, StoreError> {
        let run = || -> rusqlite::Result<Vec<ConsentRow>> {
            let mut stmt = self.conn.prepare(
                "SELECT id, subject_key, given_by, scope, recipients, purposes, from_date, to_date,
                        withdrawn_on, recorded_by, evidence, recorded_at, withdrawn_at
                 FROM consents ORDER BY id",
            )?;
            stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                    r.get(12)?,
                ))
            })?
            .collect()
        };
        let rows = run().map_err(|e| sqlite(&self.path, "reading the consents", e))?;
        rows.into_iter()
            .map(|row| {
                let (id, subject, given_by, scope, recipients, purposes, from, to) =
                    (row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7);
                let (withdrawn, recorded_by, evidence, recorded_at, withdrawn_at) =
                    (row.8, row.9, row.10, row.11, row.12);
                let r = Reader {
                    path: &self.path,
                    table: "consents",
                    key: format!("id {id}"),
                };
                Ok(StoredConsent {
                    id,
                    consent: Consent {
                        subject: r.key("subject_key", &subject)?,
                        given_by: r.json("given_by", &given_by)?,
                        scope: r.json("scope", &scope)?,
                        recipients: r.json("recipients", &recipients)?,
                        purposes: r.json("purposes", &purposes)?,
                        from: r.date("from_date", &from)?,
                        to: to.map(|t| r.date("to_date", &t)).transpose()?,
                        withdrawn: withdrawn.map(|t| r.date("withdrawn_on", &t)).transpose()?,
                        recorded_by: recorded_by.map(|k| r.key("recorded_by", &k)).transpose()?,
                        evidence,
                    },
                    recorded_at,
                    withdrawn_at,
                })
            })
            .collect()
    }

    /// Every break-glass override on record, in force or lapsed, in the order made.
    pub fn break_glass_overrides(&self) -> Result<Vec<BreakGlass>, StoreError> {
        let run = || -> rusqlite::Result<Vec<OverrideRow>> {
            let mut stmt = self.conn.prepare(
                "SELECT id, professional_key, role, child_key, ground, reason, from_at, until_at,
                        policy_version
                 FROM break_glass_overrides ORDER BY id",
            )?;
            stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            })?
            .collect()
        };
        let rows = run().map_err(|e| sqlite(&self.path, "reading the break-glass overrides", e))?;
        rows.into_iter()
            .map(
                |(id, professional, role, child, ground, reason, from, until, version)| {
                    let r = Reader {
                        path: &self.path,
                        table: "break_glass_overrides",
                        key: format!("id {id}"),
                    };
                    Ok(BreakGlass {
                        professional: r.key("professional_key", &professional)?,
                        role,
                        child: r.key("child_key", &child)?,
                        ground: r.text_enum::<OverrideGround>("ground", &ground)?,
                        reason,
                        from: r.instant("from_at", &from)?,
                        until: r.instant("until_at", &until)?,
                        policy_version: version,
                    })
                },
            )
            .collect()
    }

    /// Every sharing decision on record, in the order recorded.
    pub fn sharing_decisions(&self) -> Result<Vec<SharingDecision>, StoreError> {
        type Row = (
            i64,
            String,
            bool,
            String,
            String,
            String,
            Option<String>,
            String,
            String,
            String,
        );
        let run = || -> rusqlite::Result<Vec<Row>> {
            let mut stmt = self.conn.prepare(
                "SELECT id, subject_key, shared, what, recipients, why, lawful_basis, consent,
                        decided_by, at
                 FROM sharing_decisions ORDER BY id",
            )?;
            stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                ))
            })?
            .collect()
        };
        let rows = run().map_err(|e| sqlite(&self.path, "reading the sharing decisions", e))?;
        rows.into_iter()
            .map(
                |(id, subject, shared, what, recipients, why, basis, consent, by, at)| {
                    let r = Reader {
                        path: &self.path,
                        table: "sharing_decisions",
                        key: format!("id {id}"),
                    };
                    Ok(SharingDecision {
                        subject: r.key("subject_key", &subject)?,
                        shared,
                        what,
                        recipients: r.json("recipients", &recipients)?,
                        why,
                        lawful_basis: basis.map(|b| r.json("lawful_basis", &b)).transpose()?,
                        consent: r.text_enum::<ConsentStatus>("consent", &consent)?,
                        decided_by: r.key("decided_by", &by)?,
                        at: r.instant("at", &at)?,
                    })
                },
            )
            .collect()
    }

    /// Every consent and break-glass override on record, for
    /// [`Network::view`](patchwork_core::Network::view) (which uses those in force at
    /// its access time).
    pub fn grants(&self) -> Result<Grants, StoreError> {
        Ok(Grants {
            consents: self.consents()?.into_iter().map(|c| c.consent).collect(),
            overrides: self.break_glass_overrides()?,
        })
    }

    /// The grants as the record stood at `at`: the consents recorded by then (a
    /// withdrawal recorded later not yet applied) and the overrides made by then.
    pub fn grants_at(&self, at: DateTime<Utc>) -> Result<Grants, StoreError> {
        let mut consents = Vec::new();
        for stored in self.consents()? {
            let r = Reader {
                path: &self.path,
                table: "consents",
                key: format!("id {}", stored.id),
            };
            if r.instant("recorded_at", &stored.recorded_at)? > at {
                continue;
            }
            let mut consent = stored.consent;
            if let Some(w) = &stored.withdrawn_at
                && r.instant("withdrawn_at", w)? > at
            {
                consent.withdrawn = None;
            }
            consents.push(consent);
        }
        let overrides = self
            .break_glass_overrides()?
            .into_iter()
            .filter(|g| g.from <= at)
            .collect();
        Ok(Grants {
            consents,
            overrides,
        })
    }
}
