//! Queries over a [`Network`](crate::Network). Each is a method on the network; each takes
//! the date it answers for (`as_of`), and none reads a clock.

pub(crate) mod caseload;
pub(crate) mod components;
pub(crate) mod diff;
pub(crate) mod family;
pub(crate) mod gaps;
pub(crate) mod team;
pub(crate) mod timeline;
pub(crate) mod workers;

pub use caseload::{CaseloadEntry, ConnectionPath};
pub use components::FamilyCluster;
pub use diff::{ChangeEvent, LeadRef};
pub use family::{FamilyLink, FamilyNetwork, Relative};
pub use gaps::{Gap, GapKind};
pub use team::{LeadBasis, TeamAround, TeamMember};
pub use timeline::{TimelineEntry, WorkedWith};
pub use workers::{WorkerChange, WorkerChanges};
