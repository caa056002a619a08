//! Subject access (UK GDPR Art 15): everything the store holds about one person, as JSON
//! and as a readable summary, with third-party data marked for review.
//!
//! The bundle holds, read straight from the store's tables so that nothing held is
//! missed: the person record with its provenance, other identifiers, household
//! memberships (with the household), relationships, episodes, activities, involvements
//! (with the professional, team and agency: professionals are not withheld by default,
//! per ICO guidance), identity links, the change events about them, the audit entries
//! about them (who looked, what was disclosed and to whom: the Art 15 "recipients"),
//! legal holds and the retention date.
//!
//! **Third parties.** Other persons who appear in the person's relationships and
//! households (a parent, a sibling, a household member) are third parties: their keys are
//! listed on the rows that name them (`third_parties`), and their own details (name,
//! kind, identifiers held on their person record) are gathered in the `third_parties`
//! section, every one marked `review`. A person responding to the request decides what
//! to withhold; Patchwork never withholds on its own.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use patchwork_core::PersonKey;
use rusqlite::Connection;
use rusqlite::types::ValueRef;
use serde::Serialize;
use serde_json::{Map, Value};

use super::audit::{Actor, AuditCategory, AuditEntry, AuditQuery, StoredAuditEntry};
use super::retention::{DisposalDate, RetentionSchedule};
use super::{Store, StoreError, sqlite};

/// One stored row, column name to value.
pub type Row = Map<String, Value>;

/// The note every third-party item carries.
pub const REVIEW_NOTE: &str = "third-party data: withhold unless the third party consents or disclosure is reasonable without consent";

/// Everything held about one person.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubjectAccess {
    /// Always `patchwork-subject-access`.
    pub format: &'static str,
    /// The layout's version.
    pub version: u32,
    /// The person.
    pub person_key: String,
    /// When the bundle was made (given by the caller).
    pub generated_at: String,
    /// The person record with its provenance (`origin_system`, `origin_file`,
    /// `source_row`); `None` when no person record is held (never imported, or disposed
    /// of: audit entries may remain).
    pub person: Option<Row>,
    /// Identifiers other than the NHS number and UPN.
    pub identifiers: Vec<Row>,
    /// Household memberships, each with the household's name and key and, in
    /// `third_parties`, the other members' keys.
    pub households: Vec<Row>,
    /// Relationships from or to the person, each with the other person's key in
    /// `third_parties`.
    pub relationships: Vec<Row>,
    /// Episodes.
    pub episodes: Vec<Row>,
    /// Activities, with the professional's name and the team's (the activity's, or else
    /// the professional's).
    pub activities: Vec<Row>,
    /// Involvements, with the professional's name and job title, the team's name (the
    /// involvement's, or else the professional's) and the agency's.
    pub involvements: Vec<Row>,
    /// Identity links (partner-agency records matched to the person).
    pub identity_links: Vec<Row>,
    /// Change events about the person, with their import's extract date.
    pub change_events: Vec<Row>,
    /// Audit entries about the person (including those about everyone).
    pub audit: Vec<StoredAuditEntry>,
    /// Legal holds on the person's records (or on everything).
    pub legal_holds: Vec<Row>,
    /// The disposal date under the schedule given, when one was given.
    pub retention: Option<DisposalDate>,
    /// The other persons named above, every one marked `review`.
    pub third_parties: Vec<Row>,
}

impl SubjectAccess {
    /// Items marked for review: the third parties and the rows that name them.
    pub fn review_count(&self) -> usize {
        self.third_parties.len()
            + self
                .households
                .iter()
                .chain(&self.relationships)
                .filter(|r| r.contains_key("third_parties"))
                .count()
    }

    /// The readable summary written as `summary.txt`.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let mut line = |text: String| {
            s.push_str(&text);
            s.push('\n');
        };
        line(format!("Subject access: {}", self.person_key));
        line(format!("Generated: {}", self.generated_at));
        match &self.person {
            None => line("No person record is held (never imported, or disposed of).".into()),
            Some(p) => {
                let text = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("-").to_owned();
                line(format!(
                    "Person: {} {} ({}), born {}, from {} {}",
                    text("given_name"),
                    text("family_name"),
                    text("kind"),
                    text("birth_date"),
                    text("origin_system"),
                    text("origin_file"),
                ));
            }
        }
        line(String::new());
        line("Held about this person (one JSON file each):".into());
        for (name, n) in [
            ("identifiers", self.identifiers.len()),
            ("households", self.households.len()),
            ("relationships", self.relationships.len()),
            ("episodes", self.episodes.len()),
            ("activities", self.activities.len()),
            ("involvements", self.involvements.len()),
            ("identity_links", self.identity_links.len()),
            ("change_events", self.change_events.len()),
            ("audit", self.audit.len()),
            ("legal_holds", self.legal_holds.len()),
        ] {
            line(format!("  {name:<16}{n}"));
        }
        line(String::new());
        match &self.retention {
            Some(DisposalDate {
                date: Some(d),
                rule,
                ..
            }) => line(format!(
                "Retention: to be disposed of on {d} (rule {})",
                rule.as_deref().unwrap_or("-")
            )),
            Some(_) => {
                line("Retention: no disposal date yet (an open record or an unknown date)".into())
            }
            None => {}
        }
        line(String::new());
        line(format!(
            "FOR REVIEW before release: {} item(s) of third-party data.",
            self.review_count()
        ));
        for t in &self.third_parties {
            let text = |k: &str| t.get(k).and_then(Value::as_str).unwrap_or("-").to_owned();
            line(format!(
                "  third party {}: {} {} ({}) in {}",
                text("key"),
                text("given_name"),
                text("family_name"),
                text("kind"),
                t.get("appears_in")
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ));
        }
        line(String::new());
        line("Who has seen or received this person's data (audit trail):".into());
        for a in &self.audit {
            line(format!(
                "  {}  {} {}  {}  {}{}",
                a.at,
                a.actor_kind,
                a.actor,
                a.category,
                a.purpose,
                if a.scope == "all" {
                    " (whole store)"
                } else {
                    ""
                }
            ));
        }
        s
    }

    /// Writes the bundle into `dir` (created if missing): `subject_access.json` (all of
    /// it), one `<section>.json` per section, and `summary.txt`. Returns the files
    /// written.
    pub fn write_dir(&self, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        fs::create_dir_all(dir)?;
        let mut written = Vec::new();
        let mut put = |name: &str, bytes: &[u8]| -> std::io::Result<()> {
            let path = dir.join(name);
            let mut file = fs::File::create(&path)?;
            file.write_all(bytes)?;
            file.sync_all()?;
            written.push(path);
            Ok(())
        };
        let json = |v: &dyn erased::Json| -> std::io::Result<Vec<u8>> {
            let mut bytes = v.pretty().map_err(std::io::Error::other)?;
            bytes.push(b'\n');
            Ok(bytes)
        };
        put("subject_access.json", &json(self)?)?;
        put("person.json", &json(&self.person)?)?;
        put("identifiers.json", &json(&self.identifiers)?)?;
        put("households.json", &json(&self.households)?)?;
        put("relationships.json", &json(&self.relationships)?)?;
        put("episodes.json", &json(&self.episodes)?)?;
        put("activities.json", &json(&self.activities)?)?;
        put("involvements.json", &json(&self.involvements)?)?;
        put("identity_links.json", &json(&self.identity_links)?)?;
        put("change_events.json", &json(&self.change_events)?)?;
        put("audit.json", &json(&self.audit)?)?;
        put("legal_holds.json", &json(&self.legal_holds)?)?;
        put("retention.json", &json(&self.retention)?)?;
        put("third_parties.json", &json(&self.third_parties)?)?;
        put("summary.txt", self.summary().as_bytes())?;
        Ok(written)
    }
}

/// Serialising several types through one closure.
mod erased {
    pub(super) trait Json {
        fn pretty(&self) -> serde_json::Result<Vec<u8>>;
    }
    impl<T: serde::Serialize> Json for T {
        fn pretty(&self) -> serde_json::Result<Vec<u8>> {
            serde_json::to_vec_pretty(self)
        }
    }
}

fn value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => Value::from(f),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::String(b.iter().map(|x| format!("{x:02x}")).collect()),
    }
}

/// The rows `sql` gives for `person`, as column-name maps.
fn rows(conn: &Connection, sql: &str, person: &str) -> rusqlite::Result<Vec<Row>> {
    let mut stmt = conn.prepare(sql)?;
    let names: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let mut out = Vec::new();
    let mut q = stmt.query([person])?;
    while let Some(r) = q.next()? {
        let mut row = Row::new();
        for (i, name) in names.iter().enumerate() {
            row.insert(name.clone(), value(r.get_ref(i)?));
        }
        out.push(row);
    }
    Ok(out)
}

const PERSON: &str = "SELECT p.*, o.system AS origin_system, o.file AS origin_file
    FROM persons p JOIN origins o ON o.id = p.origin_id WHERE p.key = ?1";
const IDENTIFIERS: &str =
    "SELECT kind, value FROM person_identifiers WHERE person_key = ?1 ORDER BY id";
const HOUSEHOLDS: &str = "SELECT h.key AS household_key, h.name AS household_name,
    m.start_date, m.end_date,
    (SELECT json_group_array(o.person_key) FROM household_members o
      WHERE o.household_key = m.household_key AND o.person_key <> ?1) AS others
    FROM household_members m JOIN households h ON h.key = m.household_key
    WHERE m.person_key = ?1 ORDER BY m.id";
const RELATIONSHIPS: &str = "SELECT r.*, o.system AS origin_system, o.file AS origin_file,
    CASE WHEN r.from_person_key = ?1 THEN r.to_person_key ELSE r.from_person_key END AS other
    FROM relationships r JOIN origins o ON o.id = r.origin_id
    WHERE r.from_person_key = ?1 OR r.to_person_key = ?1 ORDER BY r.id";
const EPISODES: &str = "SELECT e.*, o.system AS origin_system, o.file AS origin_file
    FROM episodes e JOIN origins o ON o.id = e.origin_id WHERE e.person_key = ?1 ORDER BY e.id";
const ACTIVITIES: &str = "SELECT a.*, p.name AS professional_name, t.name AS team_name,
    o.system AS origin_system, o.file AS origin_file
    FROM activities a JOIN origins o ON o.id = a.origin_id
    LEFT JOIN professionals p ON p.key = a.professional_key
    LEFT JOIN teams t ON t.key = COALESCE(a.team_key, p.team_key)
    WHERE a.person_key = ?1 ORDER BY a.id";
const INVOLVEMENTS: &str =
    "SELECT i.*, p.name AS professional_name, p.job_title AS professional_job_title,
    t.name AS team_name, g.key AS agency_key, g.name AS agency_name,
    o.system AS origin_system, o.file AS origin_file
    FROM involvements i JOIN origins o ON o.id = i.origin_id
    LEFT JOIN professionals p ON p.key = i.professional_key
    LEFT JOIN teams t ON t.key = COALESCE(i.team_key, p.team_key)
    LEFT JOIN agencies g ON g.key = COALESCE(p.agency_key, t.agency_key)
    WHERE i.person_key = ?1 ORDER BY i.id";
const IDENTITY_LINKS: &str = "SELECT l.*, o.system AS origin_system, o.file AS origin_file
    FROM identity_links l JOIN origins o ON o.id = l.origin_id WHERE l.person_key = ?1 ORDER BY l.id";
const CHANGE_EVENTS: &str = "SELECT e.import_id, i.as_of, e.seq, e.event, e.json
    FROM change_events e JOIN imports i ON i.id = e.import_id
    WHERE e.person_key = ?1 ORDER BY e.import_id, e.seq";
const HOLDS: &str = "SELECT id, person_key, reason, placed_on, lifted_on FROM legal_holds
    WHERE person_key = ?1 OR person_key IS NULL ORDER BY id";
const THIRD_PARTY: &str =
    "SELECT key, kind, given_name, family_name, birth_date FROM persons WHERE key = ?1";

fn gather(
    conn: &Connection,
    person: &str,
    generated_at: String,
) -> rusqlite::Result<SubjectAccess> {
    let mut third: Vec<(String, BTreeSet<&'static str>)> = Vec::new();
    let mut note = |key: &str, section: &'static str| {
        if let Some((_, sections)) = third.iter_mut().find(|(k, _)| k == key) {
            sections.insert(section);
        } else {
            third.push((key.to_owned(), BTreeSet::from([section])));
        }
    };
    let mut households = rows(conn, HOUSEHOLDS, person)?;
    for h in &mut households {
        let others: Vec<String> = h
            .remove("others")
            .and_then(|v| v.as_str().and_then(|s| serde_json::from_str(s).ok()))
            .unwrap_or_default();
        for o in &others {
            note(o, "households");
        }
        if !others.is_empty() {
            h.insert("third_parties".into(), Value::from(others));
            h.insert("review".into(), Value::from(REVIEW_NOTE));
        }
    }
    let mut relationships = rows(conn, RELATIONSHIPS, person)?;
    for r in &mut relationships {
        if let Some(Value::String(other)) = r.remove("other") {
            note(&other, "relationships");
            r.insert("third_parties".into(), Value::from(vec![other]));
            r.insert("review".into(), Value::from(REVIEW_NOTE));
        }
    }
    let mut third_parties = Vec::new();
    for (key, sections) in third {
        let mut row = rows(conn, THIRD_PARTY, &key)?
            .pop()
            .unwrap_or_else(|| Row::from_iter([("key".to_owned(), Value::from(key.clone()))]));
        row.insert(
            "appears_in".into(),
            Value::from(sections.into_iter().collect::<Vec<_>>()),
        );
        row.insert("review".into(), Value::from(REVIEW_NOTE));
        third_parties.push(row);
    }
    Ok(SubjectAccess {
        format: "patchwork-subject-access",
        version: 1,
        person_key: person.to_owned(),
        generated_at,
        person: rows(conn, PERSON, person)?.pop(),
        identifiers: rows(conn, IDENTIFIERS, person)?,
        households,
        relationships,
        episodes: rows(conn, EPISODES, person)?,
        activities: rows(conn, ACTIVITIES, person)?,
        involvements: rows(conn, INVOLVEMENTS, person)?,
        identity_links: rows(conn, IDENTITY_LINKS, person)?,
        change_events: rows(conn, CHANGE_EVENTS, person)?,
        audit: Vec::new(),
        legal_holds: rows(conn, HOLDS, person)?,
        retention: None,
        third_parties,
    })
}

impl Store {
    /// Everything held about `person` (see the [module documentation](self)), read in
    /// one snapshot, with the disposal date under `schedule` when one is given.
    /// `generated_at` is written in the bundle. Reading it is not audited here: use
    /// [`subject_access_export`](Self::subject_access_export), or append your own entry.
    pub fn subject_access(
        &self,
        person: &PersonKey,
        schedule: Option<&RetentionSchedule>,
        generated_at: DateTime<Utc>,
    ) -> Result<SubjectAccess, StoreError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| sqlite(&self.path, "starting a subject-access read", e))?;
        let mut bundle = gather(&tx, person.as_str(), super::audit::timestamp(generated_at))
            .map_err(|e| sqlite(&self.path, "reading a subject-access bundle", e))?;
        bundle.audit = self.audit_entries(&AuditQuery {
            person: Some(person.clone()),
            ..AuditQuery::default()
        })?;
        if let Some(schedule) = schedule {
            bundle.retention = self.disposal_date_of(schedule, person)?;
        }
        drop(tx);
        Ok(bundle)
    }

    /// Makes the subject-access bundle of `person`, writes it into `dir` (see
    /// [`SubjectAccess::write_dir`]) and records the disclosure in the audit trail (at
    /// `at`, by `actor`, with the purpose given). Returns the bundle.
    pub fn subject_access_export(
        &mut self,
        person: &PersonKey,
        dir: &Path,
        schedule: Option<&RetentionSchedule>,
        at: DateTime<Utc>,
        actor: Actor,
        purpose: &str,
    ) -> Result<SubjectAccess, SubjectAccessError> {
        let bundle = self.subject_access(person, schedule, at)?;
        bundle
            .write_dir(dir)
            .map_err(|source| SubjectAccessError::Write {
                dir: dir.to_owned(),
                source,
            })?;
        let entry = AuditEntry::new(at, actor, AuditCategory::Disclosure, purpose)
            .with_subject(person.clone())
            .with_detail(&serde_json::json!({
                "operation": "subject_access",
                "held": bundle.person.is_some(),
                "involvements": bundle.involvements.len(),
                "relationships": bundle.relationships.len(),
                "audit_entries": bundle.audit.len(),
                "third_parties_for_review": bundle.third_parties.len(),
            }))
            .map_err(|e| SubjectAccessError::Write {
                dir: dir.to_owned(),
                source: std::io::Error::other(e),
            })?;
        self.append_audit(&entry)?;
        Ok(bundle)
    }
}

/// A subject-access export that failed.
#[derive(Debug, thiserror::Error)]
pub enum SubjectAccessError {
    /// Reading the store or appending the audit entry failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the bundle failed (files already written may be incomplete; nothing was
    /// recorded as disclosed).
    #[error("{}: cannot write the subject-access bundle: {source}", dir.display())]
    Write {
        /// The folder.
        dir: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}
