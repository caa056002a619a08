//! Relationships between persons, and households (family groups).

use serde::{Deserialize, Serialize};

use crate::{HouseholdKey, Period, PersonKey, RelationshipKey, Source};

/// How one person is related to another. Read a [`Relationship`] as "`from` is the
/// `kind` of `to`".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipKind {
    /// Birth or adoptive parent.
    Parent,
    /// Step-parent.
    StepParent,
    /// Carer (foster carer, kinship carer, special guardian).
    Carer,
    /// Full sibling.
    Sibling,
    /// Half-sibling.
    HalfSibling,
    /// Grandparent.
    Grandparent,
    /// Partner of the other person.
    Partner,
    /// Lives in the same household.
    HouseholdMember,
    /// Any other relationship.
    Other,
}

/// A time-bounded link between two persons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relationship {
    /// Stable key.
    pub key: RelationshipKey,
    /// The person who is the `kind` of `to`.
    pub from: PersonKey,
    /// The other person.
    pub to: PersonKey,
    /// The kind of relationship.
    pub kind: RelationshipKind,
    /// Whether `from` holds parental responsibility for `to`.
    pub parental_responsibility: bool,
    /// When the relationship holds.
    pub period: Period,
    /// Where this record came from.
    pub source: Source,
}

/// A household or family group as the source system records it (SSD `ssd_family`).
///
/// Members are added with [`Network::add_household_member`](crate::Network::add_household_member).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Household {
    /// Stable key (the family id in the source).
    pub key: HouseholdKey,
    /// A name for the group, if the source has one.
    pub name: Option<String>,
    /// Where this record came from.
    pub source: Source,
}
