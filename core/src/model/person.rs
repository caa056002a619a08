//! Persons: the children (born or unborn) and adults the services are about.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{Error, LookedAfterChild, NhsNumber, OtherIdentifier, PersonKey, Source, Upn};

/// Whether a person is a child, an unborn child or an adult in the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonKind {
    /// A child (under 18, or a care leaver up to 25).
    Child,
    /// An unborn child, known by an expected date of birth.
    UnbornChild,
    /// An adult in the family: parent, carer, household member.
    Adult,
}

/// Sex as recorded (CIN census `Sex` M/F/U; older `GenderCurrent` codes map onto it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Male (`M`).
    Male,
    /// Female (`F`).
    Female,
    /// Unknown or not recorded (`U`); always the case for an unborn child.
    Unknown,
}

/// Someone the services are about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Stable key: the source system and its person id (the LA person id for a case system).
    pub key: PersonKey,
    /// Child, unborn child or adult.
    pub kind: PersonKind,
    /// Validated NHS number, if known.
    pub nhs_number: Option<NhsNumber>,
    /// Validated Unique Pupil Number, if known.
    pub upn: Option<Upn>,
    /// A former UPN, if the child has had one.
    pub former_upn: Option<Upn>,
    /// Given name(s).
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Date of birth.
    pub birth_date: Option<NaiveDate>,
    /// Expected date of birth, for an unborn child.
    pub expected_birth_date: Option<NaiveDate>,
    /// Sex as recorded.
    pub sex: Option<Sex>,
    /// Ethnicity code as the DfE lists it (`WBRI`, `MWBC`, ...).
    pub ethnicity: Option<String>,
    /// Date of death, if the person has died.
    pub death_date: Option<NaiveDate>,
    /// Disability codes as the DfE lists them (`NONE`, `MOB`, `AUT`...), in the order
    /// recorded.
    #[serde(default)]
    pub disabilities: Vec<String>,
    /// Why a child has no UPN (CIN census `UPNunknown`, `UN1` ... `UN7`).
    #[serde(default)]
    pub upn_unknown: Option<String>,
    /// Postcode of the current address.
    pub postcode: Option<String>,
    /// Other identifiers (case number, YOT number...).
    pub other_identifiers: Vec<OtherIdentifier>,
    /// What the children looked after return (SSDA903) records about the child, when the
    /// source has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub looked_after: Option<Box<LookedAfterChild>>,
    /// Shielded (restricted): a refuge address, an adoptive placement, a protected
    /// identity. A shielded person is hidden entirely from every viewer the
    /// [`Policy`](crate::Policy) does not name: they do not appear in results, counts,
    /// search hits or ordering, and asking for them gives the same "not found" as an
    /// unknown key. Left out of JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shielded: bool,
    /// Where this record came from.
    pub source: Source,
}

impl Person {
    /// A person of the given kind with no other details yet.
    pub fn new(key: PersonKey, kind: PersonKind, source: Source) -> Self {
        Self {
            key,
            kind,
            nhs_number: None,
            upn: None,
            former_upn: None,
            given_name: None,
            family_name: None,
            birth_date: None,
            expected_birth_date: None,
            sex: None,
            ethnicity: None,
            death_date: None,
            disabilities: Vec::new(),
            upn_unknown: None,
            postcode: None,
            other_identifiers: Vec::new(),
            looked_after: None,
            shielded: false,
            source,
        }
    }

    /// True for children and unborn children.
    pub fn is_child(&self) -> bool {
        matches!(self.kind, PersonKind::Child | PersonKind::UnbornChild)
    }

    /// "Given Family", or whichever part is known, or `None`.
    pub fn display_name(&self) -> Option<String> {
        match (&self.given_name, &self.family_name) {
            (Some(g), Some(f)) => Some(format!("{g} {f}")),
            (Some(n), None) | (None, Some(n)) => Some(n.clone()),
            (None, None) => None,
        }
    }

    /// Checks the record's own consistency (death not before birth).
    pub fn validate(&self) -> Result<(), Error> {
        if let (Some(birth), Some(death)) = (self.birth_date, self.death_date)
            && death < birth
        {
            return Err(Error::DeathBeforeBirth {
                person: self.key.to_string(),
                birth,
                death,
            });
        }
        Ok(())
    }
}
