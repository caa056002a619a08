//! What the children looked after return (SSDA903) records about a child in care, beyond
//! the episode dates: the facts of each episode of care, and the child's reviews, missing
//! periods, adoption, health outcomes and care-leaver status.
//!
//! Codes are kept exactly as the source gave them (after the adapter has checked them
//! against the DfE code lists), as strings like the other episode codes, so that a code
//! the DfE adds next year does not need a new release of the model.
//!
//! Two homes:
//! - [`CareEpisode`] holds one episode's facts, in
//!   [`EpisodeDetail::LookedAfter`](crate::EpisodeDetail::LookedAfter);
//! - [`LookedAfterChild`] holds the child's own facts, in
//!   [`Person::looked_after`](crate::Person::looked_after).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::SwChangeReason;

/// The facts of one episode of care (one SSDA903 `episodes` row) besides its dates, legal
/// status and placement type, which the episode itself holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareEpisode {
    /// Reason for new episode (`RNE`): `S` started to be looked after, `L` change of legal
    /// status only, `P`, `T`, `B`, `U` changes of placement.
    pub reason_new_episode: Option<String>,
    /// Category of need (`CIN`): `N1` ... `N8`.
    pub category_of_need: Option<String>,
    /// Placement provider (`PLACE_PROVIDER`): `PR0` ... `PR5`.
    pub placement_provider: Option<String>,
    /// Reason the episode ceased (`REC`): `X1` (care continues), `E11` ... `E17`.
    pub reason_ceased: Option<String>,
    /// Reason for the change of placement (`REASON_PLACE_CHANGE`): `CARPL` ... `OTHER`.
    pub reason_place_change: Option<String>,
    /// Postcode of the child's home (`HOME_POST`).
    pub home_postcode: Option<String>,
    /// Postcode of the placement (`PL_POST`).
    pub placement_postcode: Option<String>,
    /// Ofsted unique reference number of the placement (`URN`), or `XXXXXXX`.
    pub urn: Option<String>,
}

/// A statutory review of a looked-after child (SSDA903 `reviews`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareReview {
    /// Date of the review (`REVIEW`).
    pub date: NaiveDate,
    /// How the child took part (`REVIEW_CODE`): `PN0` ... `PN7`.
    pub participation: Option<String>,
}

/// A period missing from placement, or away from it without authorisation (SSDA903
/// `missing`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingPeriod {
    /// `M` missing, `A` away from placement without authorisation (`MISSING`).
    pub kind: String,
    /// Start date (`MIS_START`).
    pub start: NaiveDate,
    /// End date (`MIS_END`); `None` while the child is still missing or away.
    pub end: Option<NaiveDate>,
}

/// A decision that the child should be placed for adoption (SSDA903
/// `placed_for_adoption`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdoptionDecision {
    /// Date of the decision (`DATE_PLACED`).
    pub date: NaiveDate,
    /// Date the decision was reversed (`DATE_PLACED_CEASED`).
    pub ceased: Option<NaiveDate>,
    /// Why it was reversed (`REASON_PLACED_CEASED`): `RD1` ... `RD4`.
    pub reason_ceased: Option<String>,
}

/// Whether the child had a permanence order before starting to be looked after (SSDA903
/// `previous_permanence`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviousPermanence {
    /// The previous permanence option (`PREV_PERM`): `P1` ... `P4`, or `Z1` none/unknown.
    pub option: Option<String>,
    /// Code of the authority that arranged it (`LA_PERM`).
    pub la: Option<String>,
    /// Date of the order (`DATE_PERM`), kept as given: the DfE allows partly known dates
    /// such as `zz/05/2015`.
    pub date: Option<String>,
}

/// The adoption of a child who left care by adoption (SSDA903 `ad1`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adoption {
    /// Date the court was told of the intention to adopt (`DATE_INT`).
    pub date_intention: Option<NaiveDate>,
    /// Date the child was matched with the adopters (`DATE_MATCH`).
    pub date_matched: Option<NaiveDate>,
    /// Whether the adopters were the child's foster carers (`FOSTER_CARE`: `1`/`0`).
    pub foster_carers: Option<bool>,
    /// Number of adopters (`NB_ADOPTR`: `1` or `2`).
    pub number_of_adopters: Option<u8>,
    /// Sex of the adopters (`SEX_ADOPTR`): `M1`, `F1`, `MM`, `FF`, `MF`.
    pub sex_of_adopters: Option<String>,
    /// Legal status of the adopters (`LS_ADOPTR`): `L0`, `L11`, `L12`, `L2`, `L3`, `L4`.
    pub legal_status_of_adopters: Option<String>,
}

/// Outcomes of a child looked after for at least twelve months at 31 March (SSDA903
/// `oc2`), for one collection year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthOutcomes {
    /// The collection year, by the year it ends (2025 is April 2024 to March 2025).
    pub year: i32,
    /// Strengths and difficulties questionnaire score (`SDQ_SCORE`, 0 to 40).
    pub sdq_score: Option<u8>,
    /// Why no SDQ score (`SDQ_REASON`): `SDQ1` ... `SDQ5`.
    pub sdq_reason: Option<String>,
    /// Convicted during the year (`CONVICTED`).
    pub convicted: Option<bool>,
    /// Health surveillance checks up to date (`HEALTH_CHECK`).
    pub health_check: Option<bool>,
    /// Immunisations up to date (`IMMUNISATIONS`).
    pub immunisations: Option<bool>,
    /// Teeth checked (`TEETH_CHECK`).
    pub teeth_check: Option<bool>,
    /// Annual health assessment (`HEALTH_ASSESSMENT`).
    pub health_assessment: Option<bool>,
    /// Identified as having a substance misuse problem (`SUBSTANCE_MISUSE`).
    pub substance_misuse: Option<bool>,
    /// Received an intervention for it (`INTERVENTION_RECEIVED`).
    pub intervention_received: Option<bool>,
    /// Offered an intervention and refused it (`INTERVENTION_OFFERED`).
    pub intervention_offered: Option<bool>,
}

/// A care leaver's situation around a birthday from 17 to 21 (SSDA903 `oc3`), for one
/// collection year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareLeaverStatus {
    /// The collection year, by the year it ends.
    pub year: i32,
    /// Whether the authority is in touch (`IN_TOUCH`): `YES`, `NO`, `DIED`, `REFU`, `NREQ`,
    /// `RHOM`.
    pub in_touch: Option<String>,
    /// Main activity (`ACTIV`): `F1` ... `G6`, `0`.
    pub activity: Option<String>,
    /// Accommodation and its suitability (`ACCOM`): `B1` ... `Z2`, `0`.
    pub accommodation: Option<String>,
}

/// Why a social worker episode started, when it cannot be read from the end of the
/// child's previous social worker involvement (the previous worker is in an earlier
/// return, or the reason differs from the recorded end).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerChangeAt {
    /// The first day of the social worker episode (`SW_DECOM`).
    pub start: NaiveDate,
    /// The social worker's id as the return gave it (`SW_ID`).
    pub worker: String,
    /// The reason (`SW_REASON`); `None` when the return left it blank.
    pub reason: Option<SwChangeReason>,
}

/// What the children looked after return records about the child, as opposed to one
/// episode. Lists are kept in date order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookedAfterChild {
    /// The child is a mother (`MOTHER`: `1`/`0`; blank for boys).
    pub mother: Option<bool>,
    /// Date of birth of the mother's first child (`MC_DOB`).
    pub mother_child_birth_date: Option<NaiveDate>,
    /// The UPN exactly as the return gave it when it is not a valid UPN: one of the DfE's
    /// "UPN unknown" codes `UN1` ... `UN5`, or a value whose check letter fails.
    pub upn_as_given: Option<String>,
    /// For an unaccompanied asylum-seeking child: the date that status ceases or ceased
    /// (`DUC`, usually the 18th birthday).
    pub uasc_ceased: Option<NaiveDate>,
    /// Statutory reviews.
    pub reviews: Vec<CareReview>,
    /// Periods missing or away from placement.
    pub missing: Vec<MissingPeriod>,
    /// Decisions that the child should be placed for adoption.
    pub adoption_decisions: Vec<AdoptionDecision>,
    /// Permanence before starting to be looked after.
    pub previous_permanence: Option<PreviousPermanence>,
    /// The adoption, for a child who left care by adoption.
    pub adoption: Option<Adoption>,
    /// Outcomes at 31 March, one per collection year reported.
    pub outcomes: Vec<HealthOutcomes>,
    /// Care-leaver status, one per collection year reported.
    pub care_leaver: Vec<CareLeaverStatus>,
    /// Reasons for a change of social worker that the involvements cannot carry.
    pub worker_changes: Vec<WorkerChangeAt>,
}

impl LookedAfterChild {
    /// True when nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}
