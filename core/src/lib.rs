//! # patchwork-core
//!
//! The network of professional support around children and families in English
//! children's services: who is involved with each child (social workers, health visitors,
//! schools, police, housing, youth justice...), since when, in what role, who leads, and
//! who else should be talking to whom.
//!
//! This crate holds the model, the [`Network`] and its queries. It does no I/O and reads
//! no clock: every query takes the date it answers for. Formats, the store and the
//! command-line program live in `patchwork-adapters`.
//!
//! ## Vocabulary
//!
//! * [`Person`]: a child, unborn child or adult the services are about.
//! * [`Professional`], [`Agency`], [`Team`]: who works with them, and where.
//! * [`Involvement`]: a time-bounded link professional (or team) -> person, with a [`Role`].
//! * [`Relationship`], [`Household`]: links between persons.
//! * [`Episode`]: a statutory status over time (early help, CIN, S47, CP plan, looked after).
//! * [`Activity`]: a dated piece of work with a child (an assessment, an S47 enquiry).
//! * [`IdentityLink`]: how a partner agency's record was matched to a person.
//! * [`Source`]: where each fact came from.
//!
//! Every record has a stable external key (source system + id); petgraph's indices never
//! leave this crate. Validity is a half-open [`Period`] `[start, end)`.
//!
//! ## Queries
//!
//! [`Network::team_around`], [`Network::family_network`], [`Network::caseload`],
//! [`Network::shared_children`], [`Network::connection_path`], [`Network::timeline`],
//! [`Network::worker_changes`], [`Network::gaps`], [`Network::components`] and
//! [`Network::diff`]. Each has a runnable example in its documentation.
//!
//! ## Governance
//!
//! Reads on behalf of a person go through [`Network::view`]: a [`ViewedNetwork`] answers
//! the same queries filtered for one [`Viewer`] under a versioned [`Policy`], and every
//! read returns an [`AccessRecord`] for the audit trail. See the [`Policy`] and
//! [`ViewedNetwork`] pages.
//!
//! ```
//! use chrono::NaiveDate;
//! use patchwork_core::*;
//!
//! let src = Source::system("lcs");
//! let mut net = Network::new();
//! net.add_person(Person::new(PersonKey::new("lcs", "C1"), PersonKind::Child, src.clone()))?;
//! net.add_professional(Professional::new(ProfessionalKey::new("lcs", "W1"), src.clone()))?;
//! net.add_involvement(Involvement {
//!     key: InvolvementKey::new("lcs", "I1"),
//!     person: PersonKey::new("lcs", "C1"),
//!     professional: Some(ProfessionalKey::new("lcs", "W1")),
//!     team: None,
//!     role: Role::new("LP", RoleCategory::LeadPractitioner),
//!     period: Period::from(NaiveDate::from_ymd_opt(2025, 4, 1).unwrap()),
//!     end_reason: None,
//!     sensitivity: Sensitivity::Standard,
//!     source: src,
//! })?;
//! let team = net.team_around(&PersonKey::new("lcs", "C1"), NaiveDate::from_ymd_opt(2025, 5, 1).unwrap())?;
//! assert_eq!(team.lead_basis, LeadBasis::LeadPractitionerRole);
//! # Ok::<(), patchwork_core::Error>(())
//! ```

#![warn(missing_docs)]

mod error;
mod ids;
mod key;
mod model;
mod network;
mod period;
mod policy;
mod provenance;
mod query;
mod view;

pub use error::{EntityKind, Error};
pub use ids::{IdError, NhsNumber, Upn};
pub use key::{
    ActivityKey, AgencyKey, EpisodeKey, ExternalKey, HouseholdKey, InvolvementKey, KeySyntaxError,
    PersonKey, ProfessionalKey, RelationshipKey, TeamKey,
};
pub use model::*;
pub use network::{Capacity, Network};
pub use period::Period;
pub use policy::*;
pub use provenance::{Origin, Source};
pub use query::*;
pub use view::InvolvementRef;

/// The README's Rust example, compiled and run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExample;
