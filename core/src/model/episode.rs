//! Statutory episodes: early help, child in need, section 47, child protection plan,
//! looked after.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{CareEpisode, EpisodeKey, Period, PersonKey, Source};

/// The five kinds of episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EpisodeKind {
    /// An early help episode.
    EarlyHelp,
    /// A child in need episode, from referral to closure.
    ChildInNeed,
    /// A section 47 enquiry.
    Section47,
    /// A child protection plan.
    ChildProtectionPlan,
    /// A period of being looked after.
    LookedAfter,
}

impl EpisodeKind {
    /// True for the statutory statuses for which the allocated social worker leads:
    /// child in need, child protection plan, looked after.
    pub fn is_statutory(self) -> bool {
        matches!(
            self,
            Self::ChildInNeed | Self::ChildProtectionPlan | Self::LookedAfter
        )
    }
}

/// Category of abuse on a child protection plan (CIN census codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CategoryOfAbuse {
    /// `NEG`: neglect.
    #[serde(rename = "NEG")]
    Neglect,
    /// `PHY`: physical abuse.
    #[serde(rename = "PHY")]
    Physical,
    /// `SAB`: sexual abuse.
    #[serde(rename = "SAB")]
    Sexual,
    /// `EMO`: emotional abuse.
    #[serde(rename = "EMO")]
    Emotional,
    /// `MUL`: multiple categories.
    #[serde(rename = "MUL")]
    Multiple,
}

impl CategoryOfAbuse {
    /// The CIN census code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Neglect => "NEG",
            Self::Physical => "PHY",
            Self::Sexual => "SAB",
            Self::Emotional => "EMO",
            Self::Multiple => "MUL",
        }
    }

    /// The category for a CIN census code, matched exactly.
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::Neglect,
            Self::Physical,
            Self::Sexual,
            Self::Emotional,
            Self::Multiple,
        ]
        .into_iter()
        .find(|c| c.code() == code)
    }
}

/// The details that belong to each kind of episode. Codes are kept as the source gave them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EpisodeDetail {
    /// Early help.
    EarlyHelp {
        /// Reason for the episode, as recorded.
        reason: Option<String>,
    },
    /// Child in need, from referral to closure.
    ChildInNeed {
        /// Referral source code (`1A` ... `10`).
        referral_source: Option<String>,
        /// Primary need code (`N0` ... `N9`).
        primary_need: Option<String>,
        /// Reason for closure code (`RC1` ... `RC9`).
        closure_reason: Option<String>,
        /// What the CIN census adds: NFA flag, conference date, assessments, CIN plans.
        #[serde(default)]
        census: CinCensus,
    },
    /// Section 47 enquiry.
    Section47 {
        /// Outcome, as recorded.
        outcome: Option<String>,
        /// What the CIN census adds: the initial conference target and date.
        #[serde(default)]
        census: Section47Census,
    },
    /// Child protection plan.
    ChildProtectionPlan {
        /// Initial category of abuse.
        category_of_abuse: Option<CategoryOfAbuse>,
        /// What the CIN census adds: latest category, previous plans, reviews.
        #[serde(default)]
        census: CpPlanCensus,
    },
    /// Looked after.
    LookedAfter {
        /// Legal status code (`C1`, `C2`, `V2`...).
        legal_status: Option<String>,
        /// Placement type code.
        placement: Option<String>,
        /// The episode's other facts as the children looked after return (SSDA903)
        /// records them, when the source has them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        care: Option<Box<CareEpisode>>,
    },
}

impl EpisodeDetail {
    /// The kind of episode these details belong to.
    pub fn kind(&self) -> EpisodeKind {
        match self {
            Self::EarlyHelp { .. } => EpisodeKind::EarlyHelp,
            Self::ChildInNeed { .. } => EpisodeKind::ChildInNeed,
            Self::Section47 { .. } => EpisodeKind::Section47,
            Self::ChildProtectionPlan { .. } => EpisodeKind::ChildProtectionPlan,
            Self::LookedAfter { .. } => EpisodeKind::LookedAfter,
        }
    }
}

/// The CIN census details of a child in need episode (one `<CINdetails>`), beyond its
/// referral source, primary need and closure reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CinCensus {
    /// `ReferralNFA`: the referral led to no further action.
    pub referral_nfa: Option<bool>,
    /// `DateOfInitialCPC` at episode level: an initial conference with no section 47
    /// enquiry in the episode (a transfer-in conference, for instance).
    pub initial_cpc_date: Option<NaiveDate>,
    /// The assessments, in the order recorded.
    pub assessments: Vec<Assessment>,
    /// The CIN plans (`CINPlanDates`), in the order recorded. The end, when known, is
    /// the census `CINPlanEndDate` (the last day of the plan).
    pub cin_plans: Vec<CinPlan>,
}

/// A child and family assessment in a CIN episode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    /// `AssessmentActualStartDate`.
    pub start: Option<NaiveDate>,
    /// `AssessmentInternalReviewDate`.
    pub internal_review: Option<NaiveDate>,
    /// `AssessmentAuthorisationDate`: when the assessment was completed and signed off.
    pub authorised: Option<NaiveDate>,
    /// `AssessmentFactors` codes (`1A`, `4B`, `21`...), as recorded.
    pub factors: Vec<String>,
}

/// A child in need plan, by its census dates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CinPlan {
    /// `CINPlanStartDate`.
    pub start: Option<NaiveDate>,
    /// `CINPlanEndDate`: the day the plan ended, if it has.
    pub end: Option<NaiveDate>,
}

/// The CIN census details of a section 47 enquiry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section47Census {
    /// The child in need episode the enquiry belongs to, when known.
    pub cin_episode: Option<EpisodeKey>,
    /// `InitialCPCtarget`: the date by which the initial conference should be held.
    pub initial_cpc_target: Option<NaiveDate>,
    /// `DateOfInitialCPC`: the date the initial conference was held.
    pub initial_cpc_date: Option<NaiveDate>,
    /// `ICPCnotRequired`: the enquiry ended without the need for a conference.
    pub icpc_not_required: Option<bool>,
}

/// The CIN census details of a child protection plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpPlanCensus {
    /// The child in need episode the plan belongs to, when known.
    pub cin_episode: Option<EpisodeKey>,
    /// `LatestCategoryOfAbuse`.
    pub latest_category: Option<CategoryOfAbuse>,
    /// `NumberOfPreviousCPP`: how many plans the child had before this one.
    pub previous_plans: Option<u32>,
    /// `CPPreviewDate`s, in the order recorded.
    pub reviews: Vec<NaiveDate>,
}

/// A statutory status of a child over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Episode {
    /// Stable key (the source's episode id).
    pub key: EpisodeKey,
    /// The child.
    pub person: PersonKey,
    /// When the status held.
    pub period: Period,
    /// Kind-specific details.
    pub detail: EpisodeDetail,
    /// Where this record came from.
    pub source: Source,
}

impl Episode {
    /// The kind of episode.
    pub fn kind(&self) -> EpisodeKind {
        self.detail.kind()
    }
}
