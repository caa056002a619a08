//! Views of records the network stores in compact form.

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

use crate::network::InvolvementRow;
use crate::{
    EndReason, Involvement, InvolvementKey, Network, Period, Person, Professional, Role,
    RoleCategory, Sensitivity, Source, Team,
};

/// A read-only view of one involvement in a [`Network`].
///
/// The network keeps involvements compact (references as indices, role codes and end
/// reasons stored once), so it hands out this view rather than an [`Involvement`]; call
/// [`to_record`](Self::to_record) for an owned copy. It serialises like an
/// `Involvement`, with keys as `system:id` strings.
#[derive(Clone, Copy)]
pub struct InvolvementRef<'n> {
    net: &'n Network,
    row: &'n InvolvementRow,
}

impl<'n> InvolvementRef<'n> {
    #[inline]
    pub(crate) fn new(net: &'n Network, row: &'n InvolvementRow) -> Self {
        Self { net, row }
    }

    /// The involvement's key.
    pub fn key(&self) -> &'n InvolvementKey {
        &self.row.key
    }

    /// The person the professional is involved with.
    pub fn person(&self) -> &'n Person {
        &self.net.persons[self.row.person as usize].person
    }

    /// The professional, or `None` for a team-only involvement.
    pub fn professional(&self) -> Option<&'n Professional> {
        self.row
            .professional()
            .map(|p| &self.net.professionals[p as usize].professional)
    }

    /// The team recorded on the involvement itself, if any (see
    /// [`TeamMember::team`](crate::TeamMember::team) for the team it is effectively held in).
    pub fn team(&self) -> Option<&'n Team> {
        self.row.team().map(|t| &self.net.teams[t as usize].team)
    }

    /// The role code as the source gave it.
    pub fn role_code(&self) -> &'n str {
        self.net.role_codes.get(self.row.role_code)
    }

    /// The normalised role category.
    #[inline]
    pub fn role(&self) -> RoleCategory {
        self.row.category
    }

    /// When the involvement is active.
    #[inline]
    pub fn period(&self) -> Period {
        self.row.period
    }

    /// Why it ended, once it has.
    pub fn end_reason(&self) -> Option<&'n EndReason> {
        crate::network::some(self.row.end_reason).map(|r| self.net.end_reasons.get(r))
    }

    /// How sensitive it is.
    pub fn sensitivity(&self) -> Sensitivity {
        self.row.sensitivity
    }

    /// Where the record came from.
    pub fn source(&self) -> &'n Source {
        &self.row.source
    }

    /// True when both views show the same stored involvement.
    pub fn same_as(&self, other: &InvolvementRef<'_>) -> bool {
        std::ptr::eq(self.row, other.row)
    }

    /// An owned copy of the record, with keys.
    pub fn to_record(&self) -> Involvement {
        Involvement {
            key: self.key().clone(),
            person: self.person().key.clone(),
            professional: self.professional().map(|p| p.key.clone()),
            team: self.team().map(|t| t.key.clone()),
            role: Role::new(
                Arc::clone(self.net.role_codes.get(self.row.role_code)),
                self.role(),
            ),
            period: self.period(),
            end_reason: self.end_reason().cloned(),
            sensitivity: self.sensitivity(),
            source: self.source().clone(),
        }
    }
}

impl fmt::Debug for InvolvementRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.to_record().fmt(f)
    }
}

impl Serialize for InvolvementRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_record().serialize(s)
    }
}
