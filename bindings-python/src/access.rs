//! Reads made as a viewer, and the audit of every read.
//!
//! Each query of `patchwork.Network` takes an optional viewer (a professional's key or id,
//! their access role, purpose and reason) and an optional policy (JSON; default: the
//! practice defaults). With a viewer the query is answered by core's
//! [`ViewedNetwork`](patchwork_core::ViewedNetwork), filtered by the policy, and its
//! [`AccessRecord`] is kept; without one the read is an administrative (analyst) read by
//! the operating-system user, recorded as such.
//!
//! Every read makes exactly one audit entry ([`AuditEntry`]), kept as the network's "last
//! access record" and, for a network opened from a store, appended to that store's
//! hash-chained audit trail before the answer is handed back. The bindings read the clock
//! for the entry's time (core never does).

use std::sync::Mutex;

use chrono::{DateTime, NaiveDate, Utc};
use patchwork_adapters::store::{Actor, AuditCategory, AuditEntry, Store, StoreError};
use patchwork_core::{
    AccessRecord, ContactRoute, Error, Known, Network, Operation, Outcome, PersonKey, Policy,
    Purpose, ViewExport, Viewed,
};
use pyo3::prelude::*;
use pyo3::{IntoPyObject, IntoPyObjectExt};
use serde::Serialize;

use crate::rows::serde_name;

/// The policy version used when the caller gives no policy.
pub const DEFAULT_POLICY_VERSION: &str = "practice-defaults";

/// A viewer as Python gives it: professional (key or id), role, purpose, reason.
pub type ViewerSpec = (String, String, String, Option<String>);

/// The purpose named by `text`: one of the snake_case names of [`Purpose`]
/// (`direct_work`, `safeguarding`, `planning`, `analysis`, `audit`, `subject_access`), or
/// `other:<words>`. Anything else is refused rather than guessed.
pub fn purpose(text: &str) -> Result<Purpose, String> {
    Ok(match text.trim() {
        "direct_work" => Purpose::DirectWork,
        "safeguarding" => Purpose::Safeguarding,
        "planning" => Purpose::Planning,
        "analysis" => Purpose::Analysis,
        "audit" => Purpose::Audit,
        "subject_access" => Purpose::SubjectAccess,
        other => match other.strip_prefix("other:") {
            Some(words) if !words.trim().is_empty() => Purpose::Other(words.trim().to_owned()),
            _ => {
                return Err(format!(
                    "unknown purpose {text:?}: expected direct_work, safeguarding, planning, \
                     analysis, audit, subject_access or other:<words>"
                ));
            }
        },
    })
}

/// The purpose as the audit trail's `purpose` column holds it.
fn purpose_text(purpose: &Purpose) -> String {
    match purpose {
        Purpose::Other(words) => format!("other: {words}"),
        known => serde_json::to_value(known)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("{known:?}")),
    }
}

/// The policy in `json`, or the practice defaults when `None`.
pub fn policy(json: Option<&str>) -> Result<Policy, String> {
    match json {
        None => Ok(Policy::practice_defaults(DEFAULT_POLICY_VERSION)),
        Some(text) => serde_json::from_str(text).map_err(|e| {
            format!(
                "the policy is not valid: {e} (line {}, column {})",
                e.line(),
                e.column()
            )
        }),
    }
}

/// The actor of a read made without a viewer: the operating-system user, as far as known
/// (`USER`, else `LOGNAME`, else `USERNAME`), as `python:<user>`.
pub fn administrative_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    format!("python:{user}")
}

/// The time of an audit entry.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Whose data an administrative read reached.
pub enum Subjects {
    /// These persons.
    These(Vec<PersonKey>),
    /// Every person of the network (gaps, components, diff, a whole table).
    Everyone,
}

/// What an administrative read's entry says beyond who and why.
#[derive(Serialize)]
struct AdministrativeDetail<'a> {
    query: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    as_of: Option<NaiveDate>,
    outcome: Outcome,
}

/// The audit entry of a read made as a viewer: the access record is its detail, its
/// disclosed persons its subjects.
pub fn viewer_entry(record: &AccessRecord) -> Result<AuditEntry, serde_json::Error> {
    let actor = match record.viewer.professional_key() {
        Some(key) => Actor::Viewer(key.to_string()),
        None => Actor::Administrative(format!("{:?}", record.viewer.kind)),
    };
    let category = match record.operation {
        Operation::Consult => AuditCategory::Consultation,
        Operation::Disclose => AuditCategory::Disclosure,
    };
    let mut purpose = purpose_text(&record.viewer.purpose);
    if let Some(reason) = &record.viewer.reason {
        purpose = format!("{purpose}: {reason}");
    }
    AuditEntry::new(record.at, actor, category, purpose)
        .with_subjects(record.disclosed.iter().cloned())
        .with_detail(record)
}

/// The audit entry of a read made without a viewer: an administrative (analyst) read by
/// the operating-system user.
pub fn administrative_entry(
    at: DateTime<Utc>,
    query: &str,
    as_of: Option<NaiveDate>,
    outcome: Outcome,
    subjects: Subjects,
    category: AuditCategory,
) -> Result<AuditEntry, serde_json::Error> {
    let entry = AuditEntry::new(
        at,
        Actor::Administrative(administrative_actor()),
        category,
        purpose_text(&Purpose::Analysis),
    );
    let entry = match subjects {
        Subjects::These(keys) => entry.with_subjects(keys),
        Subjects::Everyone => entry.about_everyone(),
    };
    entry.with_detail(&AdministrativeDetail {
        query,
        as_of,
        outcome,
    })
}

/// An audit entry as a JSON object, as `last_access_record()` hands it to Python.
pub fn entry_json(entry: &AuditEntry) -> serde_json::Value {
    serde_json::json!({
        "at": patchwork_adapters::store::timestamp(entry.at),
        "actor_kind": entry.actor.kind(),
        "actor": entry.actor.id(),
        "category": entry.category.as_str(),
        "purpose": entry.purpose,
        "subjects": entry.subjects.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
        "all_subjects": entry.all_subjects,
        "detail": entry.detail,
    })
}

/// Where the audit entries of a network's reads go.
#[derive(Default)]
pub struct AuditSink {
    /// The store the network was opened from; `None` for a network not backed by one.
    store: Option<Mutex<Store>>,
    /// The entry of the last read, as JSON.
    last: Mutex<Option<serde_json::Value>>,
}

impl AuditSink {
    /// A sink appending to `store`.
    pub fn with_store(store: Store) -> Self {
        Self {
            store: Some(Mutex::new(store)),
            last: Mutex::new(None),
        }
    }

    /// True when entries are appended to a store.
    pub fn has_store(&self) -> bool {
        self.store.is_some()
    }

    /// Keeps `entry` as the last read's and appends it to the store, if any.
    pub fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(entry_json(entry));
        if let Some(store) = &self.store {
            let mut store = store.lock().unwrap_or_else(|e| e.into_inner());
            store.append_audit(entry)?;
        }
        Ok(())
    }

    /// The entry of the last read, as JSON.
    pub fn last(&self) -> Option<serde_json::Value> {
        self.last.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// What an existence-only viewer is told (core's [`Known`]), as a dict: the person is
/// known to services, and how to contact their lead practitioner. `access` is always
/// `existence_only` (the Python side tells it from a full answer by this key).
#[derive(Debug, IntoPyObject)]
pub struct KnownRecord {
    access: &'static str,
    person_id: String,
    /// `lead`, `broker` or `unavailable`.
    route: &'static str,
    role_category: Option<String>,
    professional_id: Option<String>,
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    team: Option<String>,
    agency: Option<String>,
    broker_contact: Option<String>,
}

impl From<&Known> for KnownRecord {
    fn from(k: &Known) -> Self {
        let mut row = Self {
            access: "existence_only",
            person_id: k.person.to_string(),
            route: "unavailable",
            role_category: None,
            professional_id: None,
            name: None,
            phone: None,
            email: None,
            team: None,
            agency: None,
            broker_contact: None,
        };
        match &k.contact {
            ContactRoute::Lead {
                role,
                professional,
                name,
                phone,
                email,
                team,
                agency,
            } => {
                row.route = "lead";
                row.role_category = Some(serde_name(role));
                row.professional_id = professional.as_ref().map(|p| p.to_string());
                row.name = name.clone();
                row.phone = phone.clone();
                row.email = email.clone();
                row.team = team.clone();
                row.agency = agency.clone();
            }
            ContactRoute::Broker { contact } => {
                row.route = "broker";
                row.broker_contact = Some(contact.clone());
            }
            ContactRoute::Unavailable => {}
        }
        row
    }
}

/// The answer to a question about one person: in full, or existence only.
#[derive(Debug)]
pub enum Answer<T> {
    /// The answer, holding only what the viewer may see.
    Full(T),
    /// The person is known to services; how to contact their lead.
    Known(Box<KnownRecord>),
}

impl<'py, T: IntoPyObject<'py>> IntoPyObject<'py> for Answer<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        match self {
            Self::Full(answer) => answer.into_bound_py_any(py),
            Self::Known(known) => (*known).into_bound_py_any(py),
        }
    }
}

/// A viewed answer with its full form converted by `full`.
pub fn viewed<T, R>(
    result: Result<Viewed<T>, Error>,
    full: impl FnOnce(T) -> R,
) -> Result<Answer<R>, Error> {
    result.map(|v| match v {
        Viewed::Full(answer) => Answer::Full(full(answer)),
        Viewed::ExistenceOnly(known) => Answer::Known(Box::new(KnownRecord::from(&known))),
    })
}

/// What a viewer may see, as a network of its own: for the frames.
pub fn rebuild(export: &ViewExport<'_>) -> Result<Network, Error> {
    let mut net = Network::new();
    for a in &export.agencies {
        net.add_agency((*a).clone())?;
    }
    // A team's parent must be added first: add teams whose parent is in, until none is left.
    let mut teams: Vec<_> = export.teams.clone();
    while !teams.is_empty() {
        let before = teams.len();
        let mut rest = Vec::new();
        for t in teams {
            let ready = t.parent.as_ref().is_none_or(|p| net.team(p).is_some());
            if ready {
                net.add_team(t.clone())?;
            } else {
                rest.push(t);
            }
        }
        if rest.len() == before {
            // A parent outside the export (or a cycle): add the rest as they are, and let
            // the network say what is wrong.
            for t in rest {
                net.add_team(t.clone())?;
            }
            break;
        }
        teams = rest;
    }
    for p in &export.professionals {
        net.add_professional((*p).clone())?;
    }
    for p in &export.persons {
        net.add_person((*p).clone())?;
    }
    for i in &export.involvements {
        net.add_involvement(i.to_record())?;
    }
    for e in &export.episodes {
        net.add_episode((*e).clone())?;
    }
    for a in &export.activities {
        net.add_activity((*a).clone())?;
    }
    for r in &export.relationships {
        net.add_relationship((*r).clone())?;
    }
    for h in &export.households {
        net.add_household(h.household.clone())?;
        for (person, period) in &h.members {
            net.add_household_member(&h.household.key, person, *period)?;
        }
    }
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_are_named_or_refused() {
        assert_eq!(purpose("direct_work"), Ok(Purpose::DirectWork));
        assert_eq!(purpose("subject_access"), Ok(Purpose::SubjectAccess));
        assert_eq!(
            purpose("other: strategy meeting"),
            Ok(Purpose::Other("strategy meeting".into()))
        );
        assert!(purpose("direct_wrok").is_err());
        assert!(purpose("other:  ").is_err());
        assert_eq!(purpose_text(&Purpose::DirectWork), "direct_work");
        assert_eq!(purpose_text(&Purpose::Other("x".into())), "other: x");
    }

    #[test]
    fn a_bad_policy_names_line_and_column() {
        let e = policy(Some("{\"version\": \"v1\",\n \"nonsense\": 1}")).unwrap_err();
        assert!(e.contains("line 2"), "{e}");
        assert_eq!(policy(None).unwrap().version, DEFAULT_POLICY_VERSION);
    }
}
