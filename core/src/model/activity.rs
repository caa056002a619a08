//! Activities: dated pieces of work a professional (or team) did with a child.

use serde::{Deserialize, Serialize};

use crate::{ActivityKey, Period, PersonKey, ProfessionalKey, Source, TeamKey};

/// What kind of work an [`Activity`] was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// Took or handled the referral.
    Referral,
    /// Carried out an assessment.
    Assessment,
    /// Held the child in need plan.
    CinPlan,
    /// Completed a section 47 enquiry.
    Section47Enquiry,
    /// Ran the initial child protection conference.
    InitialChildProtectionConference,
    /// Any other recorded activity.
    Other,
}

/// A dated piece of work with a child: a referral taken, an assessment done, a section 47
/// enquiry completed.
///
/// Activities belong in the child's timeline and in who has worked with the child, but
/// they are not ongoing involvements: they never appear in the team around the child.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// Stable key (the source row's id, qualified by its table).
    pub key: ActivityKey,
    /// The child.
    pub person: PersonKey,
    /// The professional who did the work, if recorded.
    pub professional: Option<ProfessionalKey>,
    /// The team that did the work, if recorded.
    pub team: Option<TeamKey>,
    /// What the work was.
    pub kind: ActivityKind,
    /// When: the activity's date as start, and its end where the work spans time.
    pub period: Period,
    /// Where this record came from.
    pub source: Source,
}
