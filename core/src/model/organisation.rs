//! Agencies, their teams, and the professionals who work in them.

use serde::{Deserialize, Serialize};

use crate::{AgencyKey, Period, ProfessionalKey, Source, TeamKey};

/// What sort of organisation an agency is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// The local authority's children's social care.
    ChildrensSocialCare,
    /// An NHS body: trust, GP practice, ICB (ODS code).
    Health,
    /// A school or education service (URN).
    Education,
    /// A police force.
    Police,
    /// Housing: the council's housing service or a housing association.
    Housing,
    /// A youth justice service.
    YouthJustice,
    /// The probation service.
    Probation,
    /// Early help / family help services.
    EarlyHelp,
    /// A voluntary or community organisation.
    Voluntary,
    /// Anything else.
    Other,
}

/// An organisation whose professionals work with children and families.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    /// Stable key.
    pub key: AgencyKey,
    /// The agency's name.
    pub name: String,
    /// What sort of agency it is.
    pub kind: AgencyKind,
    /// NHS Organisation Data Service code, for health bodies.
    pub ods_code: Option<String>,
    /// School URN, for schools.
    pub school_urn: Option<String>,
    /// Where this record came from.
    pub source: Source,
}

/// A unit inside an agency, possibly inside another team (SSD `ssd_department`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// Stable key.
    pub key: TeamKey,
    /// The team's name.
    pub name: String,
    /// The agency the team belongs to, if known.
    pub agency: Option<AgencyKey>,
    /// The team this one sits inside, if any.
    pub parent: Option<TeamKey>,
    /// Where this record came from.
    pub source: Source,
}

/// A practitioner: social worker, IRO, personal adviser, health visitor, teacher, GP,
/// police officer, housing officer, youth justice worker...
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Professional {
    /// Stable key (the case system's worker id).
    pub key: ProfessionalKey,
    /// Full name, if the source gives it.
    pub name: Option<String>,
    /// Job title as the source gives it.
    pub job_title: Option<String>,
    /// HR staff number.
    pub staff_id: Option<String>,
    /// Social Work England registration number (`SW...`), for social workers.
    pub registration_number: Option<String>,
    /// The agency employing them.
    pub agency: Option<AgencyKey>,
    /// Their team.
    pub team: Option<TeamKey>,
    /// Work email.
    pub email: Option<String>,
    /// Work phone.
    pub phone: Option<String>,
    /// When they are (or were) in post; an ended period means they have left.
    pub active: Period,
    /// Where this record came from.
    pub source: Source,
}

impl Professional {
    /// A professional with only a key and provenance.
    pub fn new(key: ProfessionalKey, source: Source) -> Self {
        Self {
            key,
            name: None,
            job_title: None,
            staff_id: None,
            registration_number: None,
            agency: None,
            team: None,
            email: None,
            phone: None,
            active: Period::always(),
            source,
        }
    }
}
