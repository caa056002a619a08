//! Owned records of query results, handed to Python as dicts.
//!
//! The queries of `patchwork-core` return views that borrow the network; these records copy
//! out what Python needs, so that a query can run with the GIL released and its result be
//! converted afterwards. Each struct becomes a `dict` whose keys are the field names, which
//! are the field names of the command line's JSON output (`professional_id`, `role_category`,
//! `lead`...). The pure-Python layer (`patchwork/results.py`) wraps the dicts in typed
//! classes.

use chrono::NaiveDate;
use patchwork_core::{
    CaseloadEntry, ConnectionPath, FamilyCluster, FamilyLink, FamilyNetwork, Gap, GapKind, Person,
    TeamAround, TeamMember, TimelineEntry, WorkerChanges,
};
use pyo3::IntoPyObject;
use serde::Serialize;

/// A unit or tagged enum's serde name (`allocated_social_worker`), or the named field of a
/// tagged one (`field = "gap"`). Empty when the value does not serialise to one.
pub fn serde_name(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// One member of a team (the command line's `patchwork team --json` row).
#[derive(Debug, IntoPyObject)]
pub struct TeamRow {
    involvement_id: String,
    professional_id: Option<String>,
    name: Option<String>,
    role: String,
    role_category: String,
    team_id: Option<String>,
    team: Option<String>,
    agency_id: Option<String>,
    agency: Option<String>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    lead: bool,
    sensitivity: String,
}

impl From<&TeamMember<'_>> for TeamRow {
    fn from(m: &TeamMember<'_>) -> Self {
        let period = m.involvement.period();
        Self {
            involvement_id: m.involvement.key().as_str().to_owned(),
            professional_id: m.professional.map(|p| p.key.as_str().to_owned()),
            name: m.professional.and_then(|p| p.name.clone()),
            role: m.involvement.role_code().to_owned(),
            role_category: m.involvement.role().as_str().to_owned(),
            team_id: m.team.map(|t| t.key.as_str().to_owned()),
            team: m.team.map(|t| t.name.clone()),
            agency_id: m.agency.map(|a| a.key.as_str().to_owned()),
            agency: m.agency.map(|a| a.name.clone()),
            start: period.start,
            end: period.end,
            lead: m.lead,
            sensitivity: serde_name(&m.involvement.sensitivity()),
        }
    }
}

/// The team around one person on one date.
#[derive(Debug, IntoPyObject)]
pub struct TeamRecord {
    child_id: String,
    as_of: NaiveDate,
    lead_basis: String,
    members: Vec<TeamRow>,
}

impl From<&TeamAround<'_>> for TeamRecord {
    fn from(t: &TeamAround<'_>) -> Self {
        Self {
            child_id: t.person.key.as_str().to_owned(),
            as_of: t.as_of,
            lead_basis: serde_name(&t.lead_basis),
            members: t.members.iter().map(TeamRow::from).collect(),
        }
    }
}

/// How a relative is linked to the child.
#[derive(Debug, IntoPyObject)]
pub struct LinkRow {
    /// `household` or `relationship`.
    via: &'static str,
    /// The household's or the relationship's key.
    id: String,
    /// For a relationship: its kind (`parent`...), read "`from_id` is the `kind` of `to_id`".
    kind: Option<String>,
    from_id: Option<String>,
    to_id: Option<String>,
}

/// A relative with their links and their own team.
#[derive(Debug, IntoPyObject)]
pub struct RelativeRow {
    person_id: String,
    name: Option<String>,
    links: Vec<LinkRow>,
    team: TeamRecord,
}

/// A child's family network.
#[derive(Debug, IntoPyObject)]
pub struct FamilyRecord {
    child: TeamRecord,
    relatives: Vec<RelativeRow>,
}

impl From<&FamilyNetwork<'_>> for FamilyRecord {
    fn from(f: &FamilyNetwork<'_>) -> Self {
        let relatives = f
            .relatives
            .iter()
            .map(|r| RelativeRow {
                person_id: r.person.key.as_str().to_owned(),
                name: r.person.display_name(),
                links: r
                    .links
                    .iter()
                    .map(|l| match l {
                        FamilyLink::Household { household } => LinkRow {
                            via: "household",
                            id: household.key.as_str().to_owned(),
                            kind: None,
                            from_id: None,
                            to_id: None,
                        },
                        FamilyLink::Relationship { relationship } => LinkRow {
                            via: "relationship",
                            id: relationship.key.as_str().to_owned(),
                            kind: Some(serde_name(&relationship.kind)),
                            from_id: Some(relationship.from.as_str().to_owned()),
                            to_id: Some(relationship.to.as_str().to_owned()),
                        },
                    })
                    .collect(),
                team: TeamRecord::from(&r.team),
            })
            .collect();
        Self {
            child: TeamRecord::from(&f.child),
            relatives,
        }
    }
}

/// One child of a caseload (the command line's `patchwork caseload --json` row).
#[derive(Debug, IntoPyObject)]
pub struct CaseloadRow {
    child_id: String,
    involvement_id: String,
    role: String,
    role_category: String,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    lead: bool,
}

impl From<&CaseloadEntry<'_>> for CaseloadRow {
    fn from(e: &CaseloadEntry<'_>) -> Self {
        let period = e.involvement.period();
        Self {
            child_id: e.person.key.as_str().to_owned(),
            involvement_id: e.involvement.key().as_str().to_owned(),
            role: e.involvement.role_code().to_owned(),
            role_category: e.involvement.role().as_str().to_owned(),
            start: period.start,
            end: period.end,
            lead: e.lead,
        }
    }
}

/// A person, as a query names them.
#[derive(Debug, IntoPyObject)]
pub struct PersonRow {
    person_id: String,
    kind: String,
    given_name: Option<String>,
    family_name: Option<String>,
    birth_date: Option<NaiveDate>,
    nhs_number: Option<String>,
    upn: Option<String>,
}

impl From<&Person> for PersonRow {
    fn from(p: &Person) -> Self {
        Self {
            person_id: p.key.as_str().to_owned(),
            kind: serde_name(&p.kind),
            given_name: p.given_name.clone(),
            family_name: p.family_name.clone(),
            birth_date: p.birth_date,
            nhs_number: p.nhs_number.map(|n| n.to_string()),
            upn: p.upn.map(|u| u.as_str().to_owned()),
        }
    }
}

/// The shortest chain professional - child - professional - ... between two professionals.
#[derive(Debug, IntoPyObject)]
pub struct PathRecord {
    professional_ids: Vec<String>,
    child_ids: Vec<String>,
}

impl From<&ConnectionPath<'_>> for PathRecord {
    fn from(p: &ConnectionPath<'_>) -> Self {
        Self {
            professional_ids: p
                .professionals
                .iter()
                .map(|p| p.key.as_str().to_owned())
                .collect(),
            child_ids: p
                .children
                .iter()
                .map(|c| c.key.as_str().to_owned())
                .collect(),
        }
    }
}

/// One entry of a person's timeline.
#[derive(Debug, IntoPyObject)]
pub struct TimelineRow {
    /// `involvement`, `episode` or `activity`.
    item: &'static str,
    /// The record's key.
    id: String,
    /// The role category, episode kind or activity kind.
    kind: String,
    /// The role code, for an involvement.
    role: Option<String>,
    professional_id: Option<String>,
    name: Option<String>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
}

impl From<&TimelineEntry<'_>> for TimelineRow {
    fn from(entry: &TimelineEntry<'_>) -> Self {
        let period = entry.period();
        let (item, id, kind, role, professional) = match entry {
            TimelineEntry::Involvement {
                involvement,
                professional,
            } => (
                "involvement",
                involvement.key().as_str().to_owned(),
                involvement.role().as_str().to_owned(),
                Some(involvement.role_code().to_owned()),
                *professional,
            ),
            TimelineEntry::Episode { episode } => (
                "episode",
                episode.key.as_str().to_owned(),
                serde_name(&episode.detail.kind()),
                None,
                None,
            ),
            TimelineEntry::Activity {
                activity,
                professional,
            } => (
                "activity",
                activity.key.as_str().to_owned(),
                serde_name(&activity.kind),
                None,
                *professional,
            ),
        };
        Self {
            item,
            id,
            kind,
            role,
            professional_id: professional.map(|p| p.key.as_str().to_owned()),
            name: professional.and_then(|p| p.name.clone()),
            start: period.start,
            end: period.end,
        }
    }
}

/// One change of allocated social worker.
#[derive(Debug, IntoPyObject)]
pub struct WorkerChangeRow {
    date: NaiveDate,
    previous_involvement_id: String,
    next_involvement_id: String,
    previous_professional_id: Option<String>,
    next_professional_id: Option<String>,
    reason: Option<String>,
}

/// The changes of allocated social worker of a child in a date range.
#[derive(Debug, IntoPyObject)]
pub struct WorkerChangesRecord {
    count: usize,
    changes: Vec<WorkerChangeRow>,
}

impl From<&WorkerChanges<'_>> for WorkerChangesRecord {
    fn from(w: &WorkerChanges<'_>) -> Self {
        Self {
            count: w.count,
            changes: w
                .changes
                .iter()
                .map(|c| WorkerChangeRow {
                    date: c.date,
                    previous_involvement_id: c.previous.key().as_str().to_owned(),
                    next_involvement_id: c.next.key().as_str().to_owned(),
                    previous_professional_id: c
                        .previous_professional
                        .map(|p| p.key.as_str().to_owned()),
                    next_professional_id: c.next_professional.map(|p| p.key.as_str().to_owned()),
                    reason: c.reason.map(ToString::to_string),
                })
                .collect(),
        }
    }
}

/// One gap (the command line's `patchwork gaps --json` row).
#[derive(Debug, IntoPyObject)]
pub struct GapRow {
    child_id: String,
    gap: String,
    status: Option<String>,
    reason: String,
    involvement_ids: Vec<String>,
    professional_id: Option<String>,
}

impl From<&Gap<'_>> for GapRow {
    fn from(g: &Gap<'_>) -> Self {
        let (gap, status) = gap_names(&g.kind);
        Self {
            child_id: g.person.key.as_str().to_owned(),
            gap,
            status,
            reason: g.kind.to_string(),
            involvement_ids: g
                .involvements
                .iter()
                .map(|i| i.key().as_str().to_owned())
                .collect(),
            professional_id: g.professional.map(|p| p.key.as_str().to_owned()),
        }
    }
}

/// The snake_case name of a gap's kind and, for a missing social worker, its status.
fn gap_names(kind: &GapKind) -> (String, Option<String>) {
    let value = serde_json::to_value(kind).unwrap_or_default();
    let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    (field("gap").unwrap_or_default(), field("status"))
}

/// The persons of one family cluster.
#[derive(Debug, IntoPyObject)]
pub struct ClusterRow {
    person_ids: Vec<String>,
}

impl From<&FamilyCluster<'_>> for ClusterRow {
    fn from(c: &FamilyCluster<'_>) -> Self {
        Self {
            person_ids: c
                .persons
                .iter()
                .map(|p| p.key.as_str().to_owned())
                .collect(),
        }
    }
}
