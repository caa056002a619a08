//! Gaps in the network: children who should have someone and do not, and links that
//! point at someone who is no longer there.

use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use crate::{AgencyKind, EpisodeKind, InvolvementRef, Network, Person, Professional, RoleCategory};

/// Why a child appears in [`Network::gaps`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "gap", rename_all = "snake_case")]
pub enum GapKind {
    /// On a child protection plan or looked after, with no active allocated social worker.
    /// `status` is looked after when the child is both.
    NoAllocatedSocialWorker {
        /// The statutory status that calls for a social worker.
        status: EpisodeKind,
    },
    /// On a child protection plan with no health professional involved (no health role and
    /// no professional from a health agency).
    NoHealthProfessional,
    /// An active involvement whose professional has left (their active period has ended).
    ProfessionalHasLeft,
    /// More than one involvement marked as lead practitioner at once.
    MultipleLeads,
}

impl fmt::Display for GapKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoAllocatedSocialWorker {
                status: EpisodeKind::LookedAfter,
            } => f.write_str("looked after with no active allocated social worker"),
            Self::NoAllocatedSocialWorker { .. } => {
                f.write_str("on a child protection plan with no active allocated social worker")
            }
            Self::NoHealthProfessional => {
                f.write_str("on a child protection plan with no health professional involved")
            }
            Self::ProfessionalHasLeft => f.write_str("involved professional has left"),
            Self::MultipleLeads => f.write_str("more than one lead practitioner at once"),
        }
    }
}

/// One gap: the child, why, and the involvements concerned (if any).
#[derive(Debug, Clone, Serialize)]
pub struct Gap<'n> {
    /// The child.
    pub person: &'n Person,
    /// Why the child is listed.
    pub kind: GapKind,
    /// The involvements the gap is about: the one whose professional left, or the
    /// competing leads. Empty for a missing social worker or health professional.
    pub involvements: Vec<InvolvementRef<'n>>,
    /// For [`GapKind::ProfessionalHasLeft`], the professional who left.
    pub professional: Option<&'n Professional>,
}

impl Network {
    /// Every gap on `as_of`, ordered by child key then kind.
    ///
    /// ```
    /// # use chrono::NaiveDate;
    /// # use patchwork_core::*;
    /// # let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
    /// # let src = Source::system("lcs");
    /// # let mut net = Network::new();
    /// # let child = PersonKey::new("lcs", "C1");
    /// # net.add_person(Person::new(child.clone(), PersonKind::Child, src.clone()))?;
    /// net.add_episode(Episode {
    ///     key: EpisodeKey::new("lcs", "CP1"), person: child.clone(), period: Period::from(d(1, 10)),
    ///     detail: EpisodeDetail::ChildProtectionPlan { category_of_abuse: Some(CategoryOfAbuse::Neglect), census: Default::default() },
    ///     source: src.clone(),
    /// })?;
    /// // Nobody is involved: no social worker and no health professional.
    /// let gaps = net.gaps(d(2, 1));
    /// let kinds: Vec<_> = gaps.iter().map(|g| g.kind).collect();
    /// assert_eq!(kinds, [
    ///     GapKind::NoAllocatedSocialWorker { status: EpisodeKind::ChildProtectionPlan },
    ///     GapKind::NoHealthProfessional,
    /// ]);
    /// # Ok::<(), patchwork_core::Error>(())
    /// ```
    pub fn gaps(&self, as_of: NaiveDate) -> Vec<Gap<'_>> {
        let mut gaps = Vec::new();
        for (idx, slot) in self.persons.iter().enumerate() {
            let idx = idx as u32;
            let open = |kind: EpisodeKind| {
                slot.episodes().any(|e| {
                    let e = &self.episodes[e as usize];
                    e.kind() == kind && e.period.contains(as_of)
                })
            };
            let looked_after = open(EpisodeKind::LookedAfter);
            let on_plan = open(EpisodeKind::ChildProtectionPlan);
            let team = self.team_around_idx(idx, as_of);
            let person = &slot.person;
            if looked_after || on_plan {
                let has_sw = team
                    .members
                    .iter()
                    .any(|m| m.involvement.role() == RoleCategory::AllocatedSocialWorker);
                if !has_sw {
                    let status = if looked_after {
                        EpisodeKind::LookedAfter
                    } else {
                        EpisodeKind::ChildProtectionPlan
                    };
                    gaps.push(Gap {
                        person,
                        kind: GapKind::NoAllocatedSocialWorker { status },
                        involvements: Vec::new(),
                        professional: None,
                    });
                }
            }
            if on_plan {
                let has_health = team.members.iter().any(|m| {
                    m.involvement.role().is_health()
                        || m.agency.is_some_and(|a| a.kind == AgencyKind::Health)
                });
                if !has_health {
                    gaps.push(Gap {
                        person,
                        kind: GapKind::NoHealthProfessional,
                        involvements: Vec::new(),
                        professional: None,
                    });
                }
            }
            for m in &team.members {
                if let Some(p) = m.professional
                    && p.active.ended_by(as_of)
                {
                    gaps.push(Gap {
                        person,
                        kind: GapKind::ProfessionalHasLeft,
                        involvements: vec![m.involvement],
                        professional: Some(p),
                    });
                }
            }
            if team.leads().nth(1).is_some() {
                gaps.push(Gap {
                    person,
                    kind: GapKind::MultipleLeads,
                    involvements: team.leads().map(|m| m.involvement).collect(),
                    professional: None,
                });
            }
        }
        gaps.sort_by(|a, b| a.person.key.cmp(&b.person.key).then(a.kind.cmp(&b.kind)));
        gaps
    }
}
