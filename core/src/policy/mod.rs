//! Information governance: who may see what, and a record of every look.
//!
//! The network is special category data about children. Every read of it should be made
//! as a [`Viewer`], filtered by a versioned [`Policy`], and recorded. This module is the
//! pure part: it decides and it records, and it does no I/O and reads no clock (callers
//! pass the time). The store keeps the records it produces.
//!
//! * [`Viewer`]: who is looking (professional, agency, team, role, purpose, reason), or
//!   an administrative/analyst process, logged as such.
//! * [`Policy`]: council configuration as versioned data, deciding per fact
//!   [`Decision::Full`], [`Decision::ExistenceOnly`] or [`Decision::Hidden`]; deny by
//!   default. [`Policy::practice_defaults`] mirrors practice: the team around a child is
//!   seen by those actively involved with the child; everyone else learns only that the
//!   child is known and how to contact the lead practitioner; sensitive services (sexual
//!   health, substance misuse, mental health, domestic abuse) are seen only by their own
//!   agency or with consent; shielded persons are hidden entirely.
//! * [`BreakGlass`]: a permitted role overriding the policy for one child for a limited
//!   time, with a reason; making one raises an [`Alert`].
//! * [`Consent`], [`LawfulBasis`], [`SharingDecision`]: consent and lawful-basis records,
//!   and the log of decisions to share or not to share.
//! * [`ViewedNetwork`] (from [`Network::view`](crate::Network::view)): every query of the
//!   network, filtered for the viewer, each returning a [`Read`]: the answer and exactly
//!   one [`AccessRecord`] for the audit trail.
//!
//! ## For a data protection officer
//!
//! A hidden fact is not blanked out but absent: the viewer's queries are answered from a
//! copy of the network that holds only what they may see, so a shielded child or an
//! undisclosed sensitive service cannot show through a count, an ordering, a lead
//! practitioner, a gap or a "not found" worded differently. Asking for a shielded child
//! gives, word for word, the answer an unknown key gives; the access record (which the
//! viewer never sees) says what really happened and raises an alert.

mod break_glass;
mod consent;
mod decision;
mod record;
mod rules;
mod view;
mod viewer;

pub use break_glass::{Alert, AlertKind, BreakGlass, BreakGlassError, OverrideGround};
pub use consent::{
    Article6Basis, Consent, ConsentGiver, ConsentScope, ConsentStatus, LawfulBasis, SharingDecision,
};
pub use decision::{Decision, InvolvementFacts, PersonFacts};
pub use record::{AccessRecord, Action, Operation, Outcome, Read};
pub use rules::{Permissions, Policy};
pub use view::{ContactRoute, Grants, HouseholdView, Known, ViewExport, Viewed, ViewedNetwork};
pub use viewer::{Purpose, Viewer, ViewerKind};
