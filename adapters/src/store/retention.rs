//! Retention: a council's schedule of how long each kind of record is kept, legal holds
//! that stop disposal, and the purge that removes what is due.
//!
//! A person's records (the person, their identifiers, household memberships,
//! relationships, episodes, activities, involvements, identity links and change events)
//! are kept and disposed of together. Which rules apply depends on the person's episodes:
//! a looked-after episode brings the looked-after rule, a child protection plan the child
//! protection rule, and so on; a person with no episode (a parent, a relative) falls under
//! the [`RecordType::Other`] rule and is also kept as long as anyone they are related to or
//! live with is kept. When several rules apply, the latest date wins. A rule whose basis
//! is not known yet (an open episode, an unknown date of birth) keeps the record: it is
//! counted as *undetermined*, never guessed.
//!
//! The default schedule ([`RetentionSchedule::default`]) follows the typical English
//! periods; every council sets its own (the schedule is serde data, versioned, and the
//! DPO's to approve):
//!
//! | record type | default | source |
//! |---|---|---|
//! | looked after | date of birth + 75 years; death + 15 years if the child died under 18 | Care Planning, Placement and Case Review (England) Regulations 2010, reg 50 |
//! | child protection plan | closure + 35 years | Blackpool |
//! | section 47 enquiry | 18th birthday + 3 years of inactivity | proposal: as children in need |
//! | child in need | 18th birthday + 3 years of inactivity | Devon |
//! | early help | 18th birthday + 3 years of inactivity | proposal: as children in need |
//! | other persons | last activity + 6 years, and while a related person is kept; with no activity of their own, exactly as long as the persons they are related to or live with | proposal: ContactPoint's six years (Limitation Act) |
//!
//! The purge ([`Store::purge`]) deletes in one transaction with `secure_delete` on (SQLite
//! overwrites the deleted content with zeros, in tables and indexes alike), writes one
//! disposal record per rule and table (counts only, never values or keys) and one
//! `erasure` audit entry, then checkpoints the write-ahead log so that no copy of the
//! deleted pages is left in it. A legal hold in force on the purge date blocks the
//! disposal of the person it names, or of everything.
//!
//! The audit trail is not purged: it keeps the person keys of earlier reads (never their
//! values), under its own retention.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use chrono::{DateTime, Months, NaiveDate, Utc};
use patchwork_core::PersonKey;
use rusqlite::{Connection, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use super::audit::{Actor, AuditCategory, AuditEntry, append_in};
use super::{Store, StoreError, sqlite};

/// The kind of record a retention rule applies to: a person's episodes of a kind, or a
/// person with no episode at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordType {
    /// A period of being looked after.
    LookedAfter,
    /// A child protection plan.
    ChildProtectionPlan,
    /// A section 47 enquiry.
    Section47,
    /// A child in need episode.
    ChildInNeed,
    /// An early help episode.
    EarlyHelp,
    /// A person with no episode (a parent, carer or relative).
    Other,
}

impl RecordType {
    /// The stored episode kind this type covers (`None` for [`Other`](Self::Other)).
    fn episode_kind(self) -> Option<&'static str> {
        match self {
            Self::LookedAfter => Some("looked_after"),
            Self::ChildProtectionPlan => Some("child_protection_plan"),
            Self::Section47 => Some("section47"),
            Self::ChildInNeed => Some("child_in_need"),
            Self::EarlyHelp => Some("early_help"),
            Self::Other => None,
        }
    }
}

/// What a rule's period runs from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The date of birth (unknown: undetermined).
    BirthDate,
    /// The closure of the last episode of the rule's type (one still open:
    /// undetermined).
    Closure,
    /// The later of the 18th birthday and the end of the person's last activity
    /// (episodes, involvements, activities; one still open, or an unknown date of birth:
    /// undetermined).
    EighteenthBirthdayAndInactivity,
    /// The end of the person's last activity: episodes, involvements, activities (one
    /// still open: undetermined). A person with none of these at all (a parent known only
    /// through a relationship) is kept exactly as long as the persons they are related to
    /// or live with.
    LastActivity,
}

/// One rule of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRule {
    /// The rule's name, as written in disposal records (`looked_after_dob_75`).
    pub name: String,
    /// What it applies to.
    pub record_type: RecordType,
    /// What the period runs from.
    pub basis: Basis,
    /// How many years after the basis the records are disposed of.
    pub years: u32,
    /// When the person died before their 18th birthday: years after the death instead
    /// (the looked-after rule's "15 years from death").
    #[serde(default)]
    pub died_under_18_years: Option<u32>,
}

/// A council's retention schedule: versioned data, approved by its DPO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionSchedule {
    /// The version, written in every disposal record.
    pub version: String,
    /// The rules. Every record type should have one; a type with none keeps its records
    /// (counted as undetermined).
    pub rules: Vec<RetentionRule>,
}

impl Default for RetentionSchedule {
    /// The typical English periods (see the [module documentation](self)).
    fn default() -> Self {
        let rule = |name: &str, record_type, basis, years, died| RetentionRule {
            name: name.to_owned(),
            record_type,
            basis,
            years,
            died_under_18_years: died,
        };
        Self {
            version: "patchwork-default-1".to_owned(),
            rules: vec![
                rule(
                    "looked_after_dob_75",
                    RecordType::LookedAfter,
                    Basis::BirthDate,
                    75,
                    Some(15),
                ),
                rule(
                    "child_protection_closure_35",
                    RecordType::ChildProtectionPlan,
                    Basis::Closure,
                    35,
                    None,
                ),
                rule(
                    "section47_18_plus_3",
                    RecordType::Section47,
                    Basis::EighteenthBirthdayAndInactivity,
                    3,
                    None,
                ),
                rule(
                    "child_in_need_18_plus_3",
                    RecordType::ChildInNeed,
                    Basis::EighteenthBirthdayAndInactivity,
                    3,
                    None,
                ),
                rule(
                    "early_help_18_plus_3",
                    RecordType::EarlyHelp,
                    Basis::EighteenthBirthdayAndInactivity,
                    3,
                    None,
                ),
                rule(
                    "other_last_activity_6",
                    RecordType::Other,
                    Basis::LastActivity,
                    6,
                    None,
                ),
            ],
        }
    }
}

/// A legal hold: while in force, the records it names are not disposed of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegalHold {
    /// Its id in `legal_holds`.
    pub id: i64,
    /// The person whose records it holds; `None` holds everything (a moratorium).
    pub person: Option<String>,
    /// Why (the inquiry, the litigation).
    pub reason: String,
    /// In force from.
    pub placed_on: NaiveDate,
    /// Lifted on (not in force from that day); `None` while in force.
    pub lifted_on: Option<NaiveDate>,
}

/// One line of a disposal record: how many rows of a table one rule removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Disposal {
    /// The rule (the latest-dated rule of each person disposed of).
    pub rule: String,
    /// The table (`persons`, `involvements`...).
    pub record_type: String,
    /// Rows removed.
    pub count: u64,
}

/// What a purge removed (or, dry run, would remove).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// The date the purge was run for.
    pub as_of: NaiveDate,
    /// The schedule's version.
    pub schedule_version: String,
    /// Whether anything was removed (false for a dry run).
    pub applied: bool,
    /// Rows removed per rule and table, in rule then table order.
    pub disposals: Vec<Disposal>,
    /// The persons disposed of (in memory only: never written to the store).
    #[serde(skip)]
    pub persons: Vec<PersonKey>,
    /// Persons due for disposal but kept by a legal hold.
    pub held: u64,
    /// Persons whose disposal date cannot be computed yet (an open episode, an unknown
    /// date of birth, no rule for their record type).
    pub undetermined: u64,
}

/// A person's computed disposal: the date and the rule that set it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DisposalDate {
    /// The person.
    pub person: String,
    /// The first day the records may be disposed of; `None` when undetermined.
    pub date: Option<NaiveDate>,
    /// The rule that gave the latest date (`None` when undetermined).
    pub rule: Option<String>,
}

fn add_years(d: NaiveDate, years: u32) -> Option<NaiveDate> {
    d.checked_add_months(Months::new(years.checked_mul(12)?))
}

/// A person's dated facts, read from the store.
#[derive(Default)]
struct Facts {
    birth: Option<NaiveDate>,
    death: Option<NaiveDate>,
    /// Episodes by stored kind: their end dates (`None`: open).
    episodes: HashMap<String, Vec<Option<NaiveDate>>>,
    /// Ends of involvements and activities (`None`: open).
    work: Vec<Option<NaiveDate>>,
    /// Persons related to or living with this one.
    related: HashSet<String>,
}

/// The latest of the dates, `None` if any is open or there are none.
fn latest_closed(ends: &[Option<NaiveDate>]) -> Option<Option<NaiveDate>> {
    let mut latest = None;
    for e in ends {
        let d = (*e)?;
        latest = latest.max(Some(d));
    }
    Some(latest)
}

impl RetentionRule {
    /// This rule's date for a person, `None` when undetermined.
    fn date(&self, f: &Facts) -> Option<NaiveDate> {
        if let (Some(years), Some(birth), Some(death)) =
            (self.died_under_18_years, f.birth, f.death)
            && death < add_years(birth, 18)?
        {
            return add_years(death, years);
        }
        let activity = || -> Option<Option<NaiveDate>> {
            let mut all: Vec<Option<NaiveDate>> = f.work.clone();
            all.extend(f.episodes.values().flatten().copied());
            latest_closed(&all)
        };
        let from = match self.basis {
            Basis::BirthDate => f.birth?,
            Basis::Closure => {
                let kind = self.record_type.episode_kind()?;
                latest_closed(f.episodes.get(kind)?)??
            }
            Basis::EighteenthBirthdayAndInactivity => {
                let adult = add_years(f.birth?, 18)?;
                activity()?.map_or(adult, |last| last.max(adult))
            }
            Basis::LastActivity => activity()??,
        };
        add_years(from, self.years)
    }
}

fn parse_date(
    path: &Path,
    table: &'static str,
    key: &str,
    column: &str,
    text: Option<String>,
) -> Result<Option<NaiveDate>, StoreError> {
    text.map(|t| {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d").map_err(|_| StoreError::Corrupt {
            path: path.to_path_buf(),
            table,
            key: key.to_owned(),
            column: column.to_owned(),
            problem: format!("{t:?} is not a date written YYYY-MM-DD"),
        })
    })
    .transpose()
}

/// Reads the dated facts of every person, or (`only`) of the persons listed: their
/// episodes, involvements, activities, relationships and households.
fn read_facts(
    conn: &Connection,
    path: &Path,
    only: Option<&[String]>,
) -> Result<BTreeMap<String, Facts>, StoreError> {
    let failed = |e| sqlite(path, "reading the records' dates for retention", e);
    // The filter, bound as a JSON array of keys.
    let keys = serde_json::to_string(&only.unwrap_or_default()).unwrap_or_default();
    let set = "(SELECT value FROM json_each(?1))";
    let filter = |column: &str| {
        if only.is_some() {
            format!(" WHERE {column} IN {set}")
        } else {
            " WHERE ?1 IS NOT NULL".to_owned()
        }
    };
    let mut facts: BTreeMap<String, Facts> = BTreeMap::new();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT key, birth_date, death_date FROM persons{} ORDER BY id",
            filter("key")
        ))
        .map_err(failed)?;
    let rows = stmt
        .query_map([&keys], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })
        .map_err(failed)?;
    for row in rows {
        let (key, birth, death) = row.map_err(failed)?;
        let f = Facts {
            birth: parse_date(path, "persons", &key, "birth_date", birth)?,
            death: parse_date(path, "persons", &key, "death_date", death)?,
            ..Facts::default()
        };
        facts.insert(key, f);
    }
    for (table, kind) in [
        ("episodes", "kind"),
        ("involvements", "''"),
        ("activities", "''"),
    ] {
        let mut stmt = conn
            .prepare(&format!(
                "SELECT person_key, end_date, {kind} FROM {table}{}",
                filter("person_key")
            ))
            .map_err(failed)?;
        let rows = stmt
            .query_map([&keys], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(failed)?;
        for row in rows {
            let (person, end, kind) = row.map_err(failed)?;
            let end = parse_date(path, table, &person, "end_date", end)?;
            let Some(f) = facts.get_mut(&person) else {
                continue;
            };
            if table == "episodes" {
                f.episodes.entry(kind).or_default().push(end);
            } else {
                f.work.push(end);
            }
        }
    }
    let relationships = if only.is_some() {
        format!(
            "SELECT from_person_key, to_person_key, end_date FROM relationships
             WHERE from_person_key IN {set} OR to_person_key IN {set}"
        )
    } else {
        "SELECT from_person_key, to_person_key, end_date FROM relationships WHERE ?1 IS NOT NULL"
            .to_owned()
    };
    let mut stmt = conn.prepare(&relationships).map_err(failed)?;
    let rows = stmt
        .query_map([&keys], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })
        .map_err(failed)?;
    for row in rows {
        let (from, to, end) = row.map_err(failed)?;
        parse_date(path, "relationships", &from, "end_date", end)?;
        for (me, other) in [(&from, &to), (&to, &from)] {
            if let Some(f) = facts.get_mut(me) {
                f.related.insert(other.clone());
            }
        }
    }
    let members = if only.is_some() {
        format!(
            "SELECT household_key, person_key, end_date FROM household_members
             WHERE household_key IN (SELECT household_key FROM household_members WHERE person_key IN {set})"
        )
    } else {
        "SELECT household_key, person_key, end_date FROM household_members WHERE ?1 IS NOT NULL"
            .to_owned()
    };
    let mut stmt = conn.prepare(&members).map_err(failed)?;
    let rows = stmt
        .query_map([&keys], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })
        .map_err(failed)?;
    let mut households: HashMap<String, Vec<String>> = HashMap::new();
    for row in rows {
        let (household, person, end) = row.map_err(failed)?;
        parse_date(path, "household_members", &person, "end_date", end)?;
        households.entry(household).or_default().push(person);
    }
    for members in households.values() {
        for m in members {
            if let Some(f) = facts.get_mut(m) {
                f.related
                    .extend(members.iter().filter(|o| *o != m).cloned());
            }
        }
    }
    Ok(facts)
}

/// Each person's own disposal date and rule (before the "while a related person is kept"
/// rule for persons without episodes).
fn own_date(schedule: &RetentionSchedule, f: &Facts) -> (Option<NaiveDate>, Option<String>) {
    let types: Vec<RecordType> = if f.episodes.is_empty() {
        vec![RecordType::Other]
    } else {
        [
            RecordType::LookedAfter,
            RecordType::ChildProtectionPlan,
            RecordType::Section47,
            RecordType::ChildInNeed,
            RecordType::EarlyHelp,
        ]
        .into_iter()
        .filter(|t| t.episode_kind().is_some_and(|k| f.episodes.contains_key(k)))
        .collect()
    };
    let mut best: Option<(NaiveDate, &str)> = None;
    for t in types {
        let rules: Vec<&RetentionRule> = schedule
            .rules
            .iter()
            .filter(|r| r.record_type == t)
            .collect();
        if rules.is_empty() {
            return (None, None);
        }
        for r in rules {
            let Some(d) = r.date(f) else {
                return (None, None);
            };
            if best.is_none_or(|(b, _)| d > b) {
                best = Some((d, &r.name));
            }
        }
    }
    match best {
        Some((d, name)) => (Some(d), Some(name.to_owned())),
        None => (None, None),
    }
}

/// Every person's disposal date under `schedule`, in store order.
fn disposal_dates(
    conn: &Connection,
    path: &Path,
    schedule: &RetentionSchedule,
) -> Result<Vec<DisposalDate>, StoreError> {
    let facts = read_facts(conn, path, None)?;
    Ok(dates_from_facts(schedule, &facts, |_| true))
}

/// One person's disposal date under `schedule` (reading only their records and those of
/// the persons related to them); `None` when the store holds no such person.
fn disposal_date_of(
    conn: &Connection,
    path: &Path,
    schedule: &RetentionSchedule,
    person: &str,
) -> Result<Option<DisposalDate>, StoreError> {
    let first = read_facts(conn, path, Some(&[person.to_owned()]))?;
    let Some(f) = first.get(person) else {
        return Ok(None);
    };
    let mut wanted: Vec<String> = f.related.iter().cloned().collect();
    wanted.push(person.to_owned());
    let facts = read_facts(conn, path, Some(&wanted))?;
    Ok(dates_from_facts(schedule, &facts, |k| k == person).pop())
}

/// The disposal dates of the persons of `facts` that `wanted` selects, by key.
fn dates_from_facts(
    schedule: &RetentionSchedule,
    facts: &BTreeMap<String, Facts>,
    wanted: impl Fn(&str) -> bool,
) -> Vec<DisposalDate> {
    let own: HashMap<&String, (Option<NaiveDate>, Option<String>)> = facts
        .iter()
        .map(|(k, f)| (k, own_date(schedule, f)))
        .collect();
    let mut out = Vec::with_capacity(facts.len());
    for (key, f) in facts.iter().filter(|(k, _)| wanted(k)) {
        let (mut date, mut rule) = own[key].clone();
        let only_related = f.episodes.is_empty() && f.work.is_empty() && !f.related.is_empty();
        if only_related {
            // Nothing of their own: kept exactly as long as those related to them.
            date = Some(NaiveDate::MIN);
            rule = Some(String::new());
        }
        if f.episodes.is_empty() && date.is_some() {
            // Kept while anyone related to them is kept.
            for other in &f.related {
                let Some((other_date, _)) = own.get(other) else {
                    continue;
                };
                // Another person known only through ties does not hold anyone.
                if facts
                    .get(other)
                    .is_some_and(|o| o.episodes.is_empty() && o.work.is_empty())
                {
                    continue;
                }
                match other_date {
                    None => {
                        date = None;
                        rule = None;
                        break;
                    }
                    Some(d) if Some(*d) > date => {
                        date = Some(*d);
                        rule = Some(format!(
                            "{} (kept with a related person)",
                            own[other].1.as_deref().unwrap_or_default()
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
        if date == Some(NaiveDate::MIN) {
            // Related only to others known only through ties: nothing to go by.
            date = None;
            rule = None;
        }
        out.push(DisposalDate {
            person: key.clone(),
            date,
            rule,
        });
    }
    out
}

/// The holds in force on `as_of`: `(holds everything, persons held)`.
fn holds_in_force(
    conn: &Connection,
    path: &Path,
    as_of: NaiveDate,
) -> Result<(bool, HashSet<String>), StoreError> {
    let day = as_of.format("%Y-%m-%d").to_string();
    let run = || -> rusqlite::Result<Vec<Option<String>>> {
        let mut stmt = conn.prepare(
            "SELECT person_key FROM legal_holds
             WHERE placed_on <= ?1 AND (lifted_on IS NULL OR lifted_on > ?1)",
        )?;
        stmt.query_map([&day], |r| r.get(0))?.collect()
    };
    let rows = run().map_err(|e| sqlite(path, "reading the legal holds", e))?;
    let all = rows.iter().any(Option::is_none);
    Ok((all, rows.into_iter().flatten().collect()))
}

/// A `legal_holds` row: id, person, reason, placed on, lifted on.
type HoldRow = (i64, Option<String>, String, String, Option<String>);

/// The tables a person's rows are deleted from, children first, with the condition
/// naming the person (the purged keys are in `temp.purge_keys`).
const PURGE: &[(&str, &str)] = &[
    (
        "change_events",
        "person_key IN (SELECT key FROM temp.purge_keys)",
    ),
    (
        "identity_links",
        "person_key IN (SELECT key FROM temp.purge_keys)",
    ),
    (
        "involvements",
        "person_key IN (SELECT key FROM temp.purge_keys)",
    ),
    (
        "activities",
        "person_key IN (SELECT key FROM temp.purge_keys)",
    ),
    (
        "episodes",
        "person_key IN (SELECT key FROM temp.purge_keys)",
    ),
    (
        "relationships",
        "from_person_key IN (SELECT key FROM temp.purge_keys) OR to_person_key IN (SELECT key FROM temp.purge_keys)",
    ),
    (
        "household_members",
        "person_key IN (SELECT key FROM temp.purge_keys)",
    ),
    (
        "person_identifiers",
        "person_key IN (SELECT key FROM temp.purge_keys)",
    ),
    ("persons", "key IN (SELECT key FROM temp.purge_keys)"),
];

impl Store {
    /// Every person's disposal date under `schedule` (by person key), for review before a
    /// purge and for subject-access bundles.
    pub fn disposal_dates(
        &self,
        schedule: &RetentionSchedule,
    ) -> Result<Vec<DisposalDate>, StoreError> {
        disposal_dates(&self.conn, &self.path, schedule)
    }

    /// One person's disposal date under `schedule` (the same as their entry in
    /// [`disposal_dates`](Self::disposal_dates), reading only their records and their
    /// relatives'); `None` when the store holds no such person.
    pub fn disposal_date_of(
        &self,
        schedule: &RetentionSchedule,
        person: &PersonKey,
    ) -> Result<Option<DisposalDate>, StoreError> {
        disposal_date_of(&self.conn, &self.path, schedule, person.as_str())
    }

    /// Places a legal hold on one person's records (`Some(key)`) or on everything
    /// (`None`), in force from `placed_on`, and records it in the audit trail
    /// (`policy_change`, at `at`, by `actor`). Returns the hold's id.
    pub fn place_legal_hold(
        &mut self,
        person: Option<&PersonKey>,
        reason: &str,
        placed_on: NaiveDate,
        at: DateTime<Utc>,
        actor: Actor,
    ) -> Result<i64, StoreError> {
        self.in_transaction("placing a legal hold", |tx, path| {
            tx.execute(
                "INSERT INTO legal_holds (person_key, reason, placed_on) VALUES (?1, ?2, ?3)",
                params![
                    person.map(ToString::to_string),
                    reason,
                    placed_on.format("%Y-%m-%d").to_string()
                ],
            )
            .map_err(|e| sqlite(path, "placing a legal hold", e))?;
            let id = tx.last_insert_rowid();
            let mut entry =
                AuditEntry::new(at, actor, AuditCategory::PolicyChange, "legal hold placed");
            entry.detail = serde_json::json!({"legal_hold": id, "placed_on": placed_on, "reason": reason, "scope": if person.is_some() { "person" } else { "all" }});
            if let Some(p) = person {
                entry.subjects.push(p.clone());
            }
            append_in(tx, path, &[entry])?;
            Ok(id)
        })
    }

    /// Lifts a legal hold from `lifted_on` (audited like [`place_legal_hold`](Self::place_legal_hold)).
    /// Returns false when no hold in force has that id.
    pub fn lift_legal_hold(
        &mut self,
        id: i64,
        lifted_on: NaiveDate,
        at: DateTime<Utc>,
        actor: Actor,
    ) -> Result<bool, StoreError> {
        self.in_transaction("lifting a legal hold", |tx, path| {
            let changed = tx
                .execute(
                    "UPDATE legal_holds SET lifted_on = ?2 WHERE id = ?1 AND lifted_on IS NULL",
                    params![id, lifted_on.format("%Y-%m-%d").to_string()],
                )
                .map_err(|e| sqlite(path, "lifting a legal hold", e))?;
            if changed == 1 {
                let mut entry =
                    AuditEntry::new(at, actor, AuditCategory::PolicyChange, "legal hold lifted");
                entry.detail = serde_json::json!({"legal_hold": id, "lifted_on": lifted_on});
                append_in(tx, path, &[entry])?;
            }
            Ok(changed == 1)
        })
    }

    /// The legal holds, in force or lifted, in the order placed.
    pub fn legal_holds(&self) -> Result<Vec<LegalHold>, StoreError> {
        let run = || -> rusqlite::Result<Vec<HoldRow>> {
            let mut stmt = self.conn.prepare(
                "SELECT id, person_key, reason, placed_on, lifted_on FROM legal_holds ORDER BY id",
            )?;
            stmt.query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect()
        };
        let rows = run().map_err(|e| sqlite(&self.path, "reading the legal holds", e))?;
        rows.into_iter()
            .map(|(id, person, reason, placed, lifted)| {
                let key = format!("id {id}");
                Ok(LegalHold {
                    id,
                    person,
                    reason,
                    placed_on: parse_date(
                        &self.path,
                        "legal_holds",
                        &key,
                        "placed_on",
                        Some(placed),
                    )?
                    .unwrap_or_default(),
                    lifted_on: parse_date(&self.path, "legal_holds", &key, "lifted_on", lifted)?,
                })
            })
            .collect()
    }

    /// Disposes of every person whose disposal date under `schedule` is on or before
    /// `as_of` and whom no legal hold in force on `as_of` protects, with all their
    /// records, in one transaction (see the [module documentation](self)). With
    /// `dry_run`, changes nothing and reports what would go. `at` and `actor` are the
    /// audit entry's time and actor (the library never reads a clock).
    pub fn purge(
        &mut self,
        schedule: &RetentionSchedule,
        as_of: NaiveDate,
        dry_run: bool,
        at: DateTime<Utc>,
        actor: Actor,
    ) -> Result<PurgeReport, StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sqlite(&path, "starting a retention purge", e))?;
        let dates = disposal_dates(&tx, &path, schedule)?;
        let (hold_all, held_persons) = holds_in_force(&tx, &path, as_of)?;
        let mut report = PurgeReport {
            as_of,
            schedule_version: schedule.version.clone(),
            applied: !dry_run,
            disposals: Vec::new(),
            persons: Vec::new(),
            held: 0,
            undetermined: 0,
        };
        let mut by_rule: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for d in dates {
            match (d.date, d.rule) {
                (Some(date), Some(rule)) if date <= as_of => {
                    if hold_all || held_persons.contains(&d.person) {
                        report.held += 1;
                    } else {
                        by_rule.entry(rule).or_default().push(d.person);
                    }
                }
                (None, _) => report.undetermined += 1,
                _ => {}
            }
        }
        let failed = |e| sqlite(&path, "purging", e);
        tx.execute_batch(
            "PRAGMA secure_delete = ON;
             CREATE TEMP TABLE IF NOT EXISTS purge_keys (key TEXT PRIMARY KEY);
             DELETE FROM temp.purge_keys;",
        )
        .map_err(failed)?;
        for (rule, persons) in &by_rule {
            tx.execute("DELETE FROM temp.purge_keys", [])
                .map_err(failed)?;
            {
                let mut insert = tx
                    .prepare("INSERT INTO temp.purge_keys (key) VALUES (?1)")
                    .map_err(failed)?;
                for p in persons {
                    insert.execute([p]).map_err(failed)?;
                }
            }
            for (table, condition) in PURGE {
                let count = if dry_run {
                    tx.query_row(
                        &format!("SELECT count(*) FROM {table} WHERE {condition}"),
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                    .map_err(failed)?
                } else {
                    if *table == "household_members" {
                        // Households left without members go with their last member.
                        tx.execute_batch(
                            "CREATE TEMP TABLE IF NOT EXISTS purge_households (key TEXT PRIMARY KEY);
                             DELETE FROM temp.purge_households;
                             INSERT OR IGNORE INTO temp.purge_households
                                 SELECT household_key FROM household_members
                                 WHERE person_key IN (SELECT key FROM temp.purge_keys);",
                        )
                        .map_err(failed)?;
                    }
                    let n = tx
                        .execute(&format!("DELETE FROM {table} WHERE {condition}"), [])
                        .map_err(failed)?;
                    i64::try_from(n).unwrap_or(i64::MAX)
                };
                if count > 0 {
                    report.disposals.push(Disposal {
                        rule: rule.clone(),
                        record_type: (*table).to_owned(),
                        count: u64::try_from(count).unwrap_or(0),
                    });
                }
            }
            if !dry_run {
                let n = tx
                    .execute(
                        "DELETE FROM households WHERE key IN (SELECT key FROM temp.purge_households)
                         AND key NOT IN (SELECT household_key FROM household_members)",
                        [],
                    )
                    .map_err(failed)?;
                if n > 0 {
                    report.disposals.push(Disposal {
                        rule: rule.clone(),
                        record_type: "households".to_owned(),
                        count: n as u64,
                    });
                }
            }
            report
                .persons
                .extend(persons.iter().filter_map(|p| p.parse().ok()));
        }
        tx.execute_batch("DELETE FROM temp.purge_keys;")
            .map_err(failed)?;
        if dry_run {
            drop(tx);
            return Ok(report);
        }
        let stamp = super::audit::timestamp(at);
        let day = as_of.format("%Y-%m-%d").to_string();
        for d in &report.disposals {
            tx.execute(
                "INSERT INTO disposals (purged_at, as_of, schedule_version, rule, record_type, count)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    stamp,
                    day,
                    schedule.version,
                    d.rule,
                    d.record_type,
                    i64::try_from(d.count).unwrap_or(i64::MAX)
                ],
            )
            .map_err(failed)?;
        }
        let mut entry = AuditEntry::new(at, actor, AuditCategory::Erasure, "retention schedule");
        entry.detail = serde_json::json!({
            "as_of": as_of,
            "schedule_version": schedule.version,
            "disposals": report.disposals,
            "held": report.held,
            "undetermined": report.undetermined,
        });
        append_in(&tx, &path, &[entry])?;
        tx.commit()
            .map_err(|e| sqlite(&path, "committing a retention purge", e))?;
        // Copy the pages back into the file and empty the log, so that no copy of what
        // was deleted is left in the write-ahead log.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(|e| sqlite(&path, "checkpointing the log after a purge", e))?;
        Ok(report)
    }

    /// The disposal records of every purge, in order: `(purged_at, as_of, schedule
    /// version, disposal)`.
    pub fn disposal_records(&self) -> Result<Vec<(String, String, String, Disposal)>, StoreError> {
        let run = || -> rusqlite::Result<Vec<(String, String, String, Disposal)>> {
            let mut stmt = self.conn.prepare(
                "SELECT purged_at, as_of, schedule_version, rule, record_type, count FROM disposals ORDER BY id",
            )?;
            stmt.query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    Disposal {
                        rule: r.get(3)?,
                        record_type: r.get(4)?,
                        count: u64::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
                    },
                ))
            })?
            .collect()
        };
        run().map_err(|e| sqlite(&self.path, "reading the disposal records", e))
    }
}
