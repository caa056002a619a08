//! The access record every read produces, for the audit trail.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{AlertKind, BreakGlass, Error, PersonKey, ProfessionalKey, Viewer};

/// The DPA 2018 s.62 operation a read is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Consultation: looking at the network.
    Consult,
    /// Disclosure: taking a copy out (an export).
    Disclose,
}

/// What was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "query", rename_all = "snake_case")]
pub enum Action {
    /// [`ViewedNetwork::team_around`](crate::ViewedNetwork::team_around).
    TeamAround {
        /// The person asked for.
        person: PersonKey,
    },
    /// [`ViewedNetwork::family_network`](crate::ViewedNetwork::family_network).
    FamilyNetwork {
        /// The child asked for.
        person: PersonKey,
    },
    /// [`ViewedNetwork::timeline`](crate::ViewedNetwork::timeline).
    Timeline {
        /// The person asked for.
        person: PersonKey,
    },
    /// [`ViewedNetwork::worked_with`](crate::ViewedNetwork::worked_with).
    WorkedWith {
        /// The person asked for.
        person: PersonKey,
    },
    /// [`ViewedNetwork::worker_changes`](crate::ViewedNetwork::worker_changes).
    WorkerChanges {
        /// The child asked for.
        person: PersonKey,
        /// Window start.
        from: NaiveDate,
        /// Window end (exclusive).
        to: NaiveDate,
    },
    /// [`ViewedNetwork::caseload`](crate::ViewedNetwork::caseload).
    Caseload {
        /// The professional asked for.
        professional: ProfessionalKey,
    },
    /// [`ViewedNetwork::shared_children`](crate::ViewedNetwork::shared_children).
    SharedChildren {
        /// First professional.
        a: ProfessionalKey,
        /// Second professional.
        b: ProfessionalKey,
    },
    /// [`ViewedNetwork::connection_path`](crate::ViewedNetwork::connection_path).
    ConnectionPath {
        /// From.
        a: ProfessionalKey,
        /// To.
        b: ProfessionalKey,
    },
    /// [`ViewedNetwork::gaps`](crate::ViewedNetwork::gaps).
    Gaps,
    /// [`ViewedNetwork::components`](crate::ViewedNetwork::components).
    Components,
    /// [`ViewedNetwork::diff`](crate::ViewedNetwork::diff).
    Diff,
    /// [`ViewedNetwork::search_nhs_number`](crate::ViewedNetwork::search_nhs_number).
    /// The number searched for is not logged.
    SearchNhsNumber,
    /// [`ViewedNetwork::export`](crate::ViewedNetwork::export).
    Export,
}

impl Action {
    /// The s.62 operation: an export is a disclosure, everything else a consultation.
    pub fn operation(&self) -> Operation {
        match self {
            Self::Export => Operation::Disclose,
            _ => Operation::Consult,
        }
    }
}

/// What the viewer got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The answer, filtered by the policy.
    Full,
    /// Only that the person is known, and a contact route.
    ExistenceOnly,
    /// Refused: the viewer was told "not found", exactly as for an unknown key.
    Denied,
    /// Nothing by that key exists (or the query failed on its input).
    NotFound,
}

/// One read of the network, as the audit trail keeps it: who, when, under which policy,
/// what they asked, what they got and whose records reached them.
///
/// A pure value: core makes it, the store appends it to its hash-chained trail. It is
/// for the audit trail and the Privacy Officer, never for the viewer: it says when a
/// shielded person was asked for, which the viewer must not learn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessRecord {
    /// When the read was made (passed in by the caller; core reads no clock).
    pub at: DateTime<Utc>,
    /// Who read, with their role, purpose and reason. An administrative viewer is
    /// recorded as one.
    pub viewer: Viewer,
    /// The policy version the read was decided under.
    pub policy_version: String,
    /// Consultation or disclosure.
    pub operation: Operation,
    /// What was asked for.
    pub action: Action,
    /// The date the query answered for.
    pub as_of: NaiveDate,
    /// What the viewer got.
    pub outcome: Outcome,
    /// The persons whose records reached the viewer, sorted by key ("record IDs
    /// touched"). Empty for a refused read.
    pub disclosed: Vec<PersonKey>,
    /// Break-glass overrides the read relied on.
    pub overrides: Vec<BreakGlass>,
    /// Alerts for the host to route.
    pub alerts: Vec<AlertKind>,
}

/// The answer to one read, and its access record.
///
/// Every read through a [`ViewedNetwork`](crate::ViewedNetwork) returns exactly one
/// record, whether the read succeeded, was refused or named an unknown key: append
/// `record` to the audit trail before handing `result` to the viewer.
#[derive(Debug, Clone)]
#[must_use = "append the access record to the audit trail"]
pub struct Read<T> {
    /// What the viewer may be shown.
    pub result: Result<T, Error>,
    /// The access record for the audit trail.
    pub record: AccessRecord,
}

impl<T> Read<T> {
    /// The result and the record, apart.
    pub fn into_parts(self) -> (Result<T, Error>, AccessRecord) {
        (self.result, self.record)
    }
}
