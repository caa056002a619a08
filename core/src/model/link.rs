//! Identity links: how a partner agency's record of a child was matched to a person.

use serde::{Deserialize, Serialize};

use crate::{ExternalKey, PersonKey, Source};

/// Which identifier matched a partner's record to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedOn {
    /// A validated NHS number.
    NhsNumber,
    /// A validated UPN (current or former).
    Upn,
    /// The council's own person id.
    LaPersonId,
}

/// A partner agency's record of a child, matched to a person in the network.
///
/// Matching never merges records: the link says which partner record was taken to be
/// which person, on what evidence, and where the claim came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityLink {
    /// The person the record was matched to.
    pub person: PersonKey,
    /// The partner's own key for the child (`agency:their id`), or for the row that named
    /// the child when the partner has no id of its own.
    pub record: ExternalKey,
    /// The identifier that matched.
    pub matched_on: MatchedOn,
    /// Where the partner's record came from.
    pub source: Source,
}

/// An identifier of a person other than the NHS number and UPN (SSD
/// `ssd_linked_identifiers`: case number, YOT number, Home Office reference...).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OtherIdentifier {
    /// The kind of identifier, as the source names it.
    pub kind: String,
    /// The value.
    pub value: String,
}
