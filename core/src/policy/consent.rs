//! Consent, lawful basis, and the log of decisions to share or not to share.
//!
//! Plain records: the store keeps them, the policy reads consents. An expired or
//! withdrawn consent makes the policy decide differently from that day; nothing is
//! deleted.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::{AgencyKey, PersonKey, ProfessionalKey, Purpose};

/// Who gave a consent.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConsentGiver {
    /// The child themself, judged competent to decide (Gillick competence).
    Child,
    /// A person with parental responsibility.
    ParentalResponsibility {
        /// The person, if in the network.
        person: Option<PersonKey>,
    },
    /// An adult about their own information.
    Adult,
}

/// What a consent covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ConsentScope {
    /// Every sensitive-service involvement of the subject.
    AllSensitiveServices,
    /// The sensitive-service involvements held in these agencies only.
    ServicesOf {
        /// The agencies whose involvements may be shown.
        agencies: Vec<AgencyKey>,
    },
}

/// A consent to share a person's sensitive-service involvements with named agencies.
///
/// In force from `from` (inclusive) to `to` (exclusive, `None` = no expiry), and not on or
/// after the day it was `withdrawn`.
///
/// ```
/// use chrono::NaiveDate;
/// use patchwork_core::*;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
/// let mut consent = Consent {
///     subject: PersonKey::new("lcs", "C1"),
///     given_by: ConsentGiver::Child,
///     scope: ConsentScope::AllSensitiveServices,
///     recipients: vec![AgencyKey::new("lcs", "CSC")],
///     purposes: vec![],
///     from: d(3, 1),
///     to: None,
///     withdrawn: None,
///     recorded_by: Some(ProfessionalKey::new("lcs", "W1")),
///     evidence: Some("signed form, case note 2026-03-01".into()),
/// };
/// assert!(consent.in_force(d(6, 1)));
/// consent.withdrawn = Some(d(6, 1));
/// assert!(!consent.in_force(d(6, 1)));
/// assert!(consent.in_force(d(5, 31)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Consent {
    /// The person the information is about.
    pub subject: PersonKey,
    /// Who gave it.
    pub given_by: ConsentGiver,
    /// Which involvements it covers.
    pub scope: ConsentScope,
    /// The agencies that may see them. Empty means nobody.
    pub recipients: Vec<AgencyKey>,
    /// The purposes it is given for. Empty means any purpose.
    #[serde(default)]
    pub purposes: Vec<Purpose>,
    /// First day in force.
    pub from: NaiveDate,
    /// First day no longer in force (expiry), if any.
    #[serde(default)]
    pub to: Option<NaiveDate>,
    /// The day it was withdrawn, if it has been.
    #[serde(default)]
    pub withdrawn: Option<NaiveDate>,
    /// Who recorded it.
    #[serde(default)]
    pub recorded_by: Option<ProfessionalKey>,
    /// Where the evidence is (form, case note).
    #[serde(default)]
    pub evidence: Option<String>,
}

impl Consent {
    /// True on `date` when given, not expired and not withdrawn.
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.from <= date
            && self.to.is_none_or(|to| date < to)
            && self.withdrawn.is_none_or(|w| date < w)
    }

    /// True when, on `date`, this consent lets `recipient` see an involvement of
    /// `subject` held in `holder` for `purpose`.
    pub fn covers(
        &self,
        subject: &PersonKey,
        holder: Option<&AgencyKey>,
        recipient: &AgencyKey,
        purpose: &Purpose,
        date: NaiveDate,
    ) -> bool {
        let in_scope = match &self.scope {
            ConsentScope::AllSensitiveServices => true,
            ConsentScope::ServicesOf { agencies } => holder.is_some_and(|h| agencies.contains(h)),
        };
        self.subject == *subject
            && in_scope
            && self.recipients.contains(recipient)
            && (self.purposes.is_empty() || self.purposes.contains(purpose))
            && self.in_force(date)
    }
}

/// The UK GDPR Article 6 basis for processing or sharing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Article6Basis {
    /// 6(1)(a) consent.
    Consent,
    /// 6(1)(c) legal obligation.
    LegalObligation,
    /// 6(1)(d) vital interests.
    VitalInterests,
    /// 6(1)(e) public task: normally the basis for safeguarding.
    PublicTask,
}

/// The lawful basis for an involvement or a sharing flow, recorded separately from
/// consent: safeguarding normally rests on public task or legal obligation, and sharing
/// without consent is a legitimate, recorded state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LawfulBasis {
    /// The Article 6 basis.
    pub article6: Article6Basis,
    /// The Article 9 condition for special category data, as cited (for example "DPA 2018
    /// Sch.1 para.18 safeguarding of children").
    #[serde(default)]
    pub article9: Option<String>,
    /// The information-sharing agreement it rests on.
    #[serde(default)]
    pub sharing_agreement: Option<String>,
    /// The Appropriate Policy Document reference.
    #[serde(default)]
    pub apd_reference: Option<String>,
}

/// Where consent stood when a sharing decision was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    /// Consent was given.
    Given,
    /// Consent was refused.
    Refused,
    /// Consent was not sought (seeking it would be unsafe, or the basis is not consent).
    NotSought,
}

/// A decision to share, or not to share, information about a person (golden rule 7:
/// record the decision and the reasons either way).
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use patchwork_core::*;
///
/// let decision = SharingDecision {
///     subject: PersonKey::new("lcs", "C1"),
///     shared: false,
///     what: "CAMHS involvement".into(),
///     recipients: vec![AgencyKey::new("edu", "URN100001")],
///     why: "school does not need it for the plan; child asked us not to".into(),
///     lawful_basis: None,
///     consent: ConsentStatus::Refused,
///     decided_by: ProfessionalKey::new("lcs", "W1"),
///     at: Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).unwrap(),
/// };
/// let json = serde_json::to_string(&decision).unwrap();
/// assert!(json.contains("\"shared\":false"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SharingDecision {
    /// The person the information is about.
    pub subject: PersonKey,
    /// True for a decision to share, false for a decision not to.
    pub shared: bool,
    /// What was (or was not) shared.
    pub what: String,
    /// With whom.
    pub recipients: Vec<AgencyKey>,
    /// Why.
    pub why: String,
    /// The lawful basis relied on, for a decision to share.
    pub lawful_basis: Option<LawfulBasis>,
    /// Where consent stood.
    pub consent: ConsentStatus,
    /// Who decided.
    pub decided_by: ProfessionalKey,
    /// When.
    pub at: DateTime<Utc>,
}
