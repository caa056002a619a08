//! The records a network is made of.
//!
//! Plain data with public fields, so that adapters can fill them from any source. Every
//! record carries its [`Source`](crate::Source). Records refer to each other by key; the
//! [`Network`](crate::Network) checks those references when a record is added.

mod activity;
mod episode;
mod family;
mod involvement;
mod link;
mod looked_after;
mod organisation;
mod person;

pub use activity::{Activity, ActivityKind};
pub use episode::{
    Assessment, CategoryOfAbuse, CinCensus, CinPlan, CpPlanCensus, Episode, EpisodeDetail,
    EpisodeKind, Section47Census,
};
pub use family::{Household, Relationship, RelationshipKind};
pub use involvement::{EndReason, Involvement, Role, RoleCategory, Sensitivity, SwChangeReason};
pub use link::{IdentityLink, MatchedOn, OtherIdentifier};
pub use looked_after::{
    Adoption, AdoptionDecision, CareEpisode, CareLeaverStatus, CareReview, HealthOutcomes,
    LookedAfterChild, MissingPeriod, PreviousPermanence, WorkerChangeAt,
};
pub use organisation::{Agency, AgencyKind, Professional, Team};
pub use person::{Person, PersonKind, Sex};
