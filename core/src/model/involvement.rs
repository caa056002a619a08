//! Involvements: time-bounded links from a professional (or a team) to a person.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{InvolvementKey, Period, PersonKey, ProfessionalKey, Source, TeamKey};

/// The normalised role a professional plays with a child.
///
/// Sources use their own, council-configured role codes; adapters map those codes onto
/// these categories and keep the original code in [`Role::code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleCategory {
    /// The allocated social worker (the lead for a child in need, on a plan or looked after).
    AllocatedSocialWorker,
    /// An explicitly named lead practitioner (early help, family help).
    LeadPractitioner,
    /// Independent reviewing officer.
    IndependentReviewingOfficer,
    /// Personal adviser for a care leaver.
    PersonalAdviser,
    /// Health visitor.
    HealthVisitor,
    /// School nurse.
    SchoolNurse,
    /// General practitioner.
    Gp,
    /// A school's designated safeguarding lead.
    DesignatedSafeguardingLead,
    /// Teacher.
    Teacher,
    /// Police officer.
    Police,
    /// Housing officer.
    HousingOfficer,
    /// Youth justice worker.
    YouthJusticeWorker,
    /// Family support worker.
    FamilySupportWorker,
    /// Any other role.
    Other,
}

impl RoleCategory {
    /// Every category, in declaration order.
    pub const ALL: [RoleCategory; 14] = [
        Self::AllocatedSocialWorker,
        Self::LeadPractitioner,
        Self::IndependentReviewingOfficer,
        Self::PersonalAdviser,
        Self::HealthVisitor,
        Self::SchoolNurse,
        Self::Gp,
        Self::DesignatedSafeguardingLead,
        Self::Teacher,
        Self::Police,
        Self::HousingOfficer,
        Self::YouthJusticeWorker,
        Self::FamilySupportWorker,
        Self::Other,
    ];

    /// True for the health roles: health visitor, school nurse, GP.
    pub fn is_health(self) -> bool {
        matches!(self, Self::HealthVisitor | Self::SchoolNurse | Self::Gp)
    }

    /// The snake_case name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AllocatedSocialWorker => "allocated_social_worker",
            Self::LeadPractitioner => "lead_practitioner",
            Self::IndependentReviewingOfficer => "independent_reviewing_officer",
            Self::PersonalAdviser => "personal_adviser",
            Self::HealthVisitor => "health_visitor",
            Self::SchoolNurse => "school_nurse",
            Self::Gp => "gp",
            Self::DesignatedSafeguardingLead => "designated_safeguarding_lead",
            Self::Teacher => "teacher",
            Self::Police => "police",
            Self::HousingOfficer => "housing_officer",
            Self::YouthJusticeWorker => "youth_justice_worker",
            Self::FamilySupportWorker => "family_support_worker",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for RoleCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role as the source gave it, with its normalised category.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Role {
    /// The source's own role code (LCS `CW`, `IRO`, `16PLUS`; a Mosaic description...).
    /// Shared: an importer reading millions of rows with a handful of codes clones one.
    pub code: Arc<str>,
    /// The normalised category.
    pub category: RoleCategory,
}

impl Role {
    /// A role from a source code and its category.
    pub fn new(code: impl Into<Arc<str>>, category: RoleCategory) -> Self {
        Self {
            code: code.into(),
            category,
        }
    }
}

/// The DfE's ten reasons for a change of social worker (SSDA903 `SW_REASON`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SwChangeReason {
    /// `MANAGE`: managing caseloads.
    #[serde(rename = "MANAGE")]
    Manage,
    /// `FCONTA`: first contact or re-referral.
    #[serde(rename = "FCONTA")]
    FirstContact,
    /// `LEFTRL`: the previous social worker left the role.
    #[serde(rename = "LEFTRL")]
    LeftRole,
    /// `ORGRST`: organisational restructure.
    #[serde(rename = "ORGRST")]
    Restructure,
    /// `TSPROC`: transfer under the standard process.
    #[serde(rename = "TSPROC")]
    StandardTransfer,
    /// `ABSENC`: absence cover, or return from absence.
    #[serde(rename = "ABSENC")]
    Absence,
    /// `CHCHAN`: the child asked for a change.
    #[serde(rename = "CHCHAN")]
    ChildRequested,
    /// `PCCHAN`: a parent or carer asked for a change.
    #[serde(rename = "PCCHAN")]
    ParentRequested,
    /// `SWDIED`: the previous social worker died.
    #[serde(rename = "SWDIED")]
    WorkerDied,
    /// `OTHERS`: any other reason.
    #[serde(rename = "OTHERS")]
    Other,
}

impl SwChangeReason {
    /// All ten reasons.
    pub const ALL: [SwChangeReason; 10] = [
        Self::Manage,
        Self::FirstContact,
        Self::LeftRole,
        Self::Restructure,
        Self::StandardTransfer,
        Self::Absence,
        Self::ChildRequested,
        Self::ParentRequested,
        Self::WorkerDied,
        Self::Other,
    ];

    /// The DfE code (`MANAGE`, `FCONTA`, ...).
    pub fn code(self) -> &'static str {
        match self {
            Self::Manage => "MANAGE",
            Self::FirstContact => "FCONTA",
            Self::LeftRole => "LEFTRL",
            Self::Restructure => "ORGRST",
            Self::StandardTransfer => "TSPROC",
            Self::Absence => "ABSENC",
            Self::ChildRequested => "CHCHAN",
            Self::ParentRequested => "PCCHAN",
            Self::WorkerDied => "SWDIED",
            Self::Other => "OTHERS",
        }
    }

    /// The reason for a DfE code, matched exactly (codes are upper case).
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// Why an involvement ended: one of the DfE codes, or the source's own wording.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// A DfE social-worker-change reason.
    Dfe(SwChangeReason),
    /// The source's own reason, kept as given.
    Source(String),
}

impl EndReason {
    /// A DfE reason when `text` (trimmed) is one of the ten codes, otherwise the source's text.
    ///
    /// ```
    /// use patchwork_core::{EndReason, SwChangeReason};
    /// assert_eq!(EndReason::parse("LEFTRL"), EndReason::Dfe(SwChangeReason::LeftRole));
    /// assert_eq!(EndReason::parse("Case closed"), EndReason::Source("Case closed".into()));
    /// ```
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        SwChangeReason::from_code(text).map_or_else(|| Self::Source(text.to_owned()), Self::Dfe)
    }
}

impl fmt::Display for EndReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dfe(r) => f.write_str(r.code()),
            Self::Source(s) => f.write_str(s),
        }
    }
}

/// How sensitive an involvement is to disclose.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Sensitivity {
    /// Ordinary involvement.
    #[default]
    Standard,
    /// A sensitive service (sexual health, substance misuse, mental health, domestic abuse).
    SensitiveService,
    /// Restricted: shielded from everyone but those the policy names.
    Restricted,
}

/// A time-bounded link from a professional (or a team only) to a person.
///
/// Involvements end; they are not deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Involvement {
    /// Stable key (the source's involvement row id).
    pub key: InvolvementKey,
    /// The person the professional is involved with.
    pub person: PersonKey,
    /// The professional, or `None` for a team-only involvement.
    pub professional: Option<ProfessionalKey>,
    /// The team the involvement is held in, if the source says.
    pub team: Option<TeamKey>,
    /// The role, as given and normalised.
    pub role: Role,
    /// When the involvement is active.
    pub period: Period,
    /// Why it ended, once it has.
    pub end_reason: Option<EndReason>,
    /// How sensitive it is.
    pub sensitivity: Sensitivity,
    /// Where this record came from.
    pub source: Source,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_ten_dfe_codes_parse_and_print_back() {
        let codes = [
            "MANAGE", "FCONTA", "LEFTRL", "ORGRST", "TSPROC", "ABSENC", "CHCHAN", "PCCHAN",
            "SWDIED", "OTHERS",
        ];
        for code in codes {
            let reason = EndReason::parse(code);
            assert!(matches!(reason, EndReason::Dfe(_)), "{code}");
            assert_eq!(reason.to_string(), code);
        }
        assert_eq!(
            SwChangeReason::ALL.map(SwChangeReason::code).to_vec(),
            codes.to_vec()
        );
        assert_eq!(
            EndReason::parse("manage"),
            EndReason::Source("manage".into())
        );
    }

    #[test]
    fn serde_names_match_as_str() {
        for c in RoleCategory::ALL {
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
        }
        assert_eq!(
            serde_json::to_string(&SwChangeReason::LeftRole).unwrap(),
            "\"LEFTRL\""
        );
    }
}
