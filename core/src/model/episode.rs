//! Statutory episodes: early help, child in need, section 47, child protection plan,
//! looked after.

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
    },
    /// Section 47 enquiry.
    Section47 {
        /// Outcome, as recorded.
        outcome: Option<String>,
    },
    /// Child protection plan.
    ChildProtectionPlan {
        /// Initial category of abuse.
        category_of_abuse: Option<CategoryOfAbuse>,
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
