//! Who is looking: the viewer every read of the network is made as.

use serde::{Deserialize, Serialize};

use crate::{AgencyKey, EntityKind, Error, Network, Professional, ProfessionalKey, TeamKey};

/// Why the viewer is looking (Caldicott principle 1: justify the purpose). Recorded on
/// every [`AccessRecord`](crate::AccessRecord); a [`Consent`](crate::Consent) may be
/// limited to some purposes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Direct work with the child or family.
    DirectWork,
    /// A safeguarding enquiry or concern.
    Safeguarding,
    /// Service planning or management.
    Planning,
    /// Statistics and analysis.
    Analysis,
    /// Audit, quality assurance or a misuse investigation.
    Audit,
    /// Answering a subject access request.
    SubjectAccess,
    /// Any other purpose, in the council's own words.
    Other(String),
}

/// Whether the viewer is a practitioner or an administrative (analyst) process.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ViewerKind {
    /// A professional in the network, looking at the children they work with.
    Professional {
        /// The professional's key.
        professional: ProfessionalKey,
    },
    /// An administrative or analyst read (a nightly job, a statistical return, a data
    /// manager): not a practitioner. What it may see is set by
    /// [`Policy::administrative`](crate::Policy::administrative), and it is logged as such.
    Administrative {
        /// Who or what is reading: an operator's account, a job name.
        operator: String,
    },
}

/// The person (or process) a read of the network is made as.
///
/// Every read through a [`ViewedNetwork`](crate::ViewedNetwork) is filtered for one
/// viewer and logged against them. A professional viewer is normally built from the
/// stored professional with [`Viewer::for_professional`], which fills in their agency and
/// team; the access `role` comes from the council's identity system (it is not held in
/// the network) and is looked up in [`Policy::roles`](crate::Policy::roles).
///
/// ```
/// use patchwork_core::*;
///
/// let mut w = Professional::new(ProfessionalKey::new("lcs", "W1"), Source::system("lcs"));
/// w.agency = Some(AgencyKey::new("lcs", "CSC"));
/// let viewer = Viewer::professional(&w, "practitioner", Purpose::DirectWork)
///     .with_reason("core group meeting tomorrow");
/// assert_eq!(viewer.agency, Some(AgencyKey::new("lcs", "CSC")));
/// assert!(!viewer.is_administrative());
///
/// let analyst = Viewer::administrative("nightly-gaps-report", Purpose::Analysis);
/// assert!(analyst.is_administrative());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Viewer {
    /// Practitioner or administrative.
    pub kind: ViewerKind,
    /// The agency the viewer works for: decides "same agency" for sensitive services and
    /// which consents name them as recipient.
    pub agency: Option<AgencyKey>,
    /// The viewer's team: team-only involvements held by this team count as theirs.
    pub team: Option<TeamKey>,
    /// The viewer's access role, as named in [`Policy::roles`](crate::Policy::roles)
    /// (`practitioner`, `mash`, `child_protection`...). A role the policy does not name
    /// carries no permissions.
    pub role: String,
    /// Why they are looking.
    pub purpose: Purpose,
    /// Their justification in their own words, if given.
    pub reason: Option<String>,
}

impl Viewer {
    /// A professional viewer, with agency and team taken from their record.
    pub fn professional(
        professional: &Professional,
        role: impl Into<String>,
        purpose: Purpose,
    ) -> Self {
        Self {
            kind: ViewerKind::Professional {
                professional: professional.key.clone(),
            },
            agency: professional.agency.clone(),
            team: professional.team.clone(),
            role: role.into(),
            purpose,
            reason: None,
        }
    }

    /// The professional stored in `network` under `key` as a viewer: their agency is
    /// their own, else their team's. This is what a command's `--viewer ID` does.
    /// Fails with [`Error::NotFound`] when the network holds no such professional.
    ///
    /// ```
    /// use patchwork_core::*;
    ///
    /// let src = Source::system("lcs");
    /// let mut net = Network::new();
    /// net.add_agency(Agency { key: AgencyKey::new("nhs", "RX1"), name: "Trust".into(),
    ///     kind: AgencyKind::Health, ods_code: None, school_urn: None, source: src.clone() })?;
    /// net.add_team(Team { key: TeamKey::new("nhs", "HV-N"), name: "Health visiting north".into(),
    ///     agency: Some(AgencyKey::new("nhs", "RX1")), parent: None, source: src.clone() })?;
    /// let mut hv = Professional::new(ProfessionalKey::new("nhs", "HV7"), src);
    /// hv.team = Some(TeamKey::new("nhs", "HV-N"));
    /// net.add_professional(hv)?;
    ///
    /// let viewer = Viewer::for_professional(&net, &ProfessionalKey::new("nhs", "HV7"),
    ///     "practitioner", Purpose::DirectWork)?;
    /// assert_eq!(viewer.agency, Some(AgencyKey::new("nhs", "RX1")));
    /// assert!(Viewer::for_professional(&net, &ProfessionalKey::new("nhs", "NOPE"),
    ///     "practitioner", Purpose::DirectWork).is_err());
    /// # Ok::<(), patchwork_core::Error>(())
    /// ```
    pub fn for_professional(
        network: &Network,
        key: &ProfessionalKey,
        role: impl Into<String>,
        purpose: Purpose,
    ) -> Result<Self, Error> {
        let professional = network
            .professional(key)
            .ok_or_else(|| Error::not_found(EntityKind::Professional, key))?;
        let mut viewer = Self::professional(professional, role, purpose);
        if viewer.agency.is_none() {
            viewer.agency = professional
                .team
                .as_ref()
                .and_then(|t| network.team(t))
                .and_then(|t| t.agency.clone());
        }
        Ok(viewer)
    }

    /// An administrative or analyst viewer: see [`ViewerKind::Administrative`].
    pub fn administrative(operator: impl Into<String>, purpose: Purpose) -> Self {
        Self {
            kind: ViewerKind::Administrative {
                operator: operator.into(),
            },
            agency: None,
            team: None,
            role: "administrative".into(),
            purpose,
            reason: None,
        }
    }

    /// The same viewer with a justification.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// The professional's key, for a professional viewer.
    pub fn professional_key(&self) -> Option<&ProfessionalKey> {
        match &self.kind {
            ViewerKind::Professional { professional } => Some(professional),
            ViewerKind::Administrative { .. } => None,
        }
    }

    /// True for an administrative (analyst) viewer.
    pub fn is_administrative(&self) -> bool {
        matches!(self.kind, ViewerKind::Administrative { .. })
    }
}
