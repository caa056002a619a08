//! The crate's error type.

use std::fmt;

use chrono::NaiveDate;

use crate::ids::IdError;

/// The kinds of entity a network holds, as named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// A [`Person`](crate::Person).
    Person,
    /// A [`Professional`](crate::Professional).
    Professional,
    /// An [`Agency`](crate::Agency).
    Agency,
    /// A [`Team`](crate::Team).
    Team,
    /// An [`Involvement`](crate::Involvement).
    Involvement,
    /// A [`Relationship`](crate::Relationship).
    Relationship,
    /// A [`Household`](crate::Household).
    Household,
    /// An [`Episode`](crate::Episode).
    Episode,
    /// An [`Activity`](crate::Activity).
    Activity,
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Person => "person",
            Self::Professional => "professional",
            Self::Agency => "agency",
            Self::Team => "team",
            Self::Involvement => "involvement",
            Self::Relationship => "relationship",
            Self::Household => "household",
            Self::Episode => "episode",
            Self::Activity => "activity",
        })
    }
}

/// Everything that can go wrong when building or querying a [`Network`](crate::Network).
///
/// Keys are shown as `system:id`. National identifiers (NHS number, UPN) are never
/// repeated in messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A period whose end comes before its start.
    #[error("end date {end} is before start date {start}")]
    EndBeforeStart {
        /// The start date.
        start: NaiveDate,
        /// The end date, earlier than the start.
        end: NaiveDate,
    },
    /// A date of death before the date of birth.
    #[error("person {person}: date of death {death} is before date of birth {birth}")]
    DeathBeforeBirth {
        /// The person's key.
        person: String,
        /// Date of birth.
        birth: NaiveDate,
        /// Date of death.
        death: NaiveDate,
    },
    /// An entity with this key is already in the network.
    #[error("duplicate {kind} key {key}")]
    DuplicateKey {
        /// What kind of entity.
        kind: EntityKind,
        /// The key, as `system:id`.
        key: String,
    },
    /// A record refers to an entity the network does not hold.
    #[error("{referrer} refers to unknown {kind} {key}")]
    UnknownReference {
        /// The kind of entity referred to.
        kind: EntityKind,
        /// Its key.
        key: String,
        /// The record that refers to it, as `kind system:id`.
        referrer: String,
    },
    /// A query named an entity the network does not hold.
    #[error("no {kind} with key {key}")]
    NotFound {
        /// What kind of entity was asked for.
        kind: EntityKind,
        /// The key asked for.
        key: String,
    },
    /// An involvement or activity names neither a professional nor a team.
    #[error("{record} names neither a professional nor a team")]
    NoParticipant {
        /// The record, as `kind system:id`.
        record: String,
    },
    /// A relationship from a person to themself.
    #[error("relationship {relationship} links person {person} to themself")]
    SelfRelationship {
        /// The relationship's key.
        relationship: String,
        /// The person.
        person: String,
    },
    /// A national identifier failed validation.
    #[error(transparent)]
    Id(#[from] IdError),
}

impl Error {
    pub(crate) fn not_found(kind: EntityKind, key: &impl fmt::Display) -> Self {
        Self::NotFound {
            kind,
            key: key.to_string(),
        }
    }
}
