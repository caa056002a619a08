//! The team around the child, and who leads it.

use chrono::NaiveDate;
use serde::Serialize;

use crate::network::{InvolvementEdge, some};
use crate::{
    Agency, Error, InvolvementRef, Network, Person, PersonKey, Professional, RoleCategory, Team,
};

/// Why the lead practitioner of a team is who it is.
///
/// The rule, applied in order on the `as_of` date:
/// 1. a child with an open child in need, child protection or looked-after episode is led
///    by their allocated social worker(s);
/// 2. otherwise by any involvement whose role is an explicit lead practitioner;
/// 3. otherwise the team has no lead.
///
/// A child with an open statutory episode but no allocated social worker falls through to
/// rule 2. When a rule finds more than one involvement, every one of them is marked as
/// lead and [`TeamAround::lead`] returns `None`: two simultaneous leads are a gap to
/// resolve (see [`GapKind::MultipleLeads`](crate::GapKind::MultipleLeads)), never a tie
/// Patchwork breaks by guessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadBasis {
    /// Rule 1: the allocated social worker of a child with an open CIN, CP or CLA episode.
    AllocatedSocialWorker,
    /// Rule 2: an involvement in the lead practitioner role.
    LeadPractitionerRole,
    /// Rule 3: nobody leads.
    None,
}

/// One active involvement in a child's team.
#[derive(Debug, Clone, Serialize)]
pub struct TeamMember<'n> {
    /// The involvement itself (role, dates, sensitivity, provenance).
    pub involvement: InvolvementRef<'n>,
    /// The professional, or `None` for a team-only involvement.
    pub professional: Option<&'n Professional>,
    /// The team it is held in: the involvement's own team, else the professional's.
    pub team: Option<&'n Team>,
    /// The agency: the team's, else the professional's.
    pub agency: Option<&'n Agency>,
    /// Whether this involvement is (one of) the lead practitioner(s).
    pub lead: bool,
}

/// The active involvements around one person on one date.
#[derive(Debug, Clone, Serialize)]
pub struct TeamAround<'n> {
    /// The person.
    pub person: &'n Person,
    /// The date the team was taken on.
    pub as_of: NaiveDate,
    /// Active involvements: leads first, then by role, start date and key.
    pub members: Vec<TeamMember<'n>>,
    /// Which lead rule applied.
    pub lead_basis: LeadBasis,
}

impl<'n> TeamAround<'n> {
    /// The single lead practitioner, or `None` when there is no lead or more than one.
    pub fn lead(&self) -> Option<&TeamMember<'n>> {
        let mut leads = self.leads();
        let first = leads.next()?;
        leads.next().is_none().then_some(first)
    }

    /// Every member marked as lead (more than one is a gap to resolve).
    pub fn leads(&self) -> impl Iterator<Item = &TeamMember<'n>> {
        self.members.iter().filter(|m| m.lead)
    }

    /// Number of active involvements.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when nobody is actively involved.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

impl Network {
    /// The team around a person on `as_of`: every involvement active that day
    /// (`start <= as_of < end`), with professional, team and agency, and the lead
    /// practitioner marked according to [`LeadBasis`].
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use patchwork_core::*;
    ///
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    /// let src = Source::system("lcs");
    /// let mut net = Network::new();
    /// let child = PersonKey::new("lcs", "C1");
    /// net.add_person(Person::new(child.clone(), PersonKind::Child, src.clone()))?;
    /// for (id, role) in [("W1", RoleCategory::AllocatedSocialWorker), ("W2", RoleCategory::HealthVisitor)] {
    ///     net.add_professional(Professional::new(ProfessionalKey::new("lcs", id), src.clone()))?;
    ///     net.add_involvement(Involvement {
    ///         key: InvolvementKey::new("lcs", format!("I-{id}")),
    ///         person: child.clone(),
    ///         professional: Some(ProfessionalKey::new("lcs", id)),
    ///         team: None,
    ///         role: Role::new(id, role),
    ///         period: Period::from(d(2025, 1, 6)),
    ///         end_reason: None,
    ///         sensitivity: Sensitivity::Standard,
    ///         source: src.clone(),
    ///     })?;
    /// }
    /// net.add_episode(Episode {
    ///     key: EpisodeKey::new("lcs", "CIN1"),
    ///     person: child.clone(),
    ///     period: Period::from(d(2025, 1, 2)),
    ///     detail: EpisodeDetail::ChildInNeed { referral_source: None, primary_need: None, closure_reason: None, census: Default::default() },
    ///     source: src.clone(),
    /// })?;
    ///
    /// let team = net.team_around(&child, d(2025, 3, 1))?;
    /// assert_eq!(team.len(), 2);
    /// assert_eq!(team.lead_basis, LeadBasis::AllocatedSocialWorker);
    /// assert_eq!(team.lead().unwrap().professional.unwrap().key.id(), "W1");
    /// // The day before the involvements started, nobody is there.
    /// assert!(net.team_around(&child, d(2025, 1, 5))?.is_empty());
    /// # Ok::<(), patchwork_core::Error>(())
    /// ```
    pub fn team_around(
        &self,
        person: &PersonKey,
        as_of: NaiveDate,
    ) -> Result<TeamAround<'_>, Error> {
        let idx = self.require_person(person)?;
        Ok(self.team_around_idx(idx, as_of))
    }

    pub(crate) fn team_around_idx(&self, person: u32, as_of: NaiveDate) -> TeamAround<'_> {
        let adjacency = &self.adjacency[person as usize];
        // Everything decided here comes from the person's edges: the involvement rows
        // themselves are only pointed at, not read.
        let mut active: Vec<InvolvementEdge> = adjacency
            .involvements
            .iter()
            .filter(|e| e.period.contains(as_of))
            .copied()
            .collect();
        let (lead_basis, lead_category) = self.lead_rule(person, as_of, &active);
        let is_lead = |e: &InvolvementEdge| lead_category == Some(e.category);
        active.sort_by(|a, b| {
            is_lead(b)
                .cmp(&is_lead(a))
                .then(a.category.cmp(&b.category))
                .then(a.period.start.cmp(&b.period.start))
                .then_with(|| {
                    let key = |e: &InvolvementEdge| &self.involvements[e.involvement as usize].key;
                    key(a).cmp(key(b))
                })
        });
        let members = active
            .iter()
            .map(|e| TeamMember {
                involvement: self.involvement_ref(e.involvement),
                professional: some(e.professional)
                    .map(|p| &self.professionals[p as usize].professional),
                team: some(e.team).map(|t| &self.teams[t as usize].team),
                agency: some(e.agency).map(|a| &self.agencies[a as usize]),
                lead: is_lead(e),
            })
            .collect();
        TeamAround {
            person: &self.persons[person as usize].person,
            as_of,
            members,
            lead_basis,
        }
    }

    /// Involvements of a person active on `as_of`.
    pub(crate) fn active_involvements_of_person(
        &self,
        person: u32,
        as_of: NaiveDate,
    ) -> impl Iterator<Item = &InvolvementEdge> + '_ {
        self.edges_of_person(person)
            .iter()
            .filter(move |e| e.period.contains(as_of))
    }

    /// True when the person has an open CIN, CP or CLA episode on `as_of`.
    pub(crate) fn has_open_statutory_episode(&self, person: u32, as_of: NaiveDate) -> bool {
        self.adjacency[person as usize]
            .statutory
            .iter()
            .any(|(_, period)| period.contains(as_of))
    }

    /// Which [`LeadBasis`] rule applies to the active involvements, and the role category
    /// it makes lead.
    pub(crate) fn lead_rule(
        &self,
        person: u32,
        as_of: NaiveDate,
        active: &[InvolvementEdge],
    ) -> (LeadBasis, Option<RoleCategory>) {
        let has = |c| active.iter().any(|e| e.category == c);
        if has(RoleCategory::AllocatedSocialWorker)
            && self.has_open_statutory_episode(person, as_of)
        {
            (
                LeadBasis::AllocatedSocialWorker,
                Some(RoleCategory::AllocatedSocialWorker),
            )
        } else if has(RoleCategory::LeadPractitioner) {
            (
                LeadBasis::LeadPractitionerRole,
                Some(RoleCategory::LeadPractitioner),
            )
        } else {
            (LeadBasis::None, None)
        }
    }
}
