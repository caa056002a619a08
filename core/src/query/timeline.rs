//! A person's history: involvements and episodes in date order.

use chrono::NaiveDate;
use serde::Serialize;

use crate::{Episode, Error, InvolvementRef, Network, Period, PersonKey, Professional};

/// One item in a person's timeline.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(tag = "item", rename_all = "snake_case")]
pub enum TimelineEntry<'n> {
    /// An involvement, with its professional if it names one.
    Involvement {
        /// The involvement.
        involvement: InvolvementRef<'n>,
        /// The professional, or `None` for a team-only involvement.
        professional: Option<&'n Professional>,
    },
    /// A statutory episode.
    Episode {
        /// The episode.
        episode: &'n Episode,
    },
}

impl TimelineEntry<'_> {
    /// The period the entry covers.
    pub fn period(&self) -> Period {
        match self {
            Self::Involvement { involvement, .. } => involvement.period(),
            Self::Episode { episode } => episode.period,
        }
    }

    /// The date the entry starts, if known.
    pub fn start(&self) -> Option<NaiveDate> {
        self.period().start
    }
}

impl Network {
    /// Every involvement and episode of a person, active or ended, ordered by start date
    /// (unknown starts first), then end date (open last), episodes before involvements on
    /// the same dates, then key.
    ///
    /// ```
    /// # use chrono::NaiveDate;
    /// # use patchwork_core::*;
    /// # let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
    /// # let src = Source::system("lcs");
    /// # let mut net = Network::new();
    /// # let child = PersonKey::new("lcs", "C1");
    /// # net.add_person(Person::new(child.clone(), PersonKind::Child, src.clone()))?;
    /// # net.add_professional(Professional::new(ProfessionalKey::new("lcs", "W1"), src.clone()))?;
    /// net.add_involvement(Involvement {
    ///     key: InvolvementKey::new("lcs", "I1"), person: child.clone(),
    ///     professional: Some(ProfessionalKey::new("lcs", "W1")), team: None,
    ///     role: Role::new("CW", RoleCategory::AllocatedSocialWorker),
    ///     period: Period::new(Some(d(3, 1)), Some(d(6, 1)))?, end_reason: None,
    ///     sensitivity: Sensitivity::Standard, source: src.clone(),
    /// })?;
    /// net.add_episode(Episode {
    ///     key: EpisodeKey::new("lcs", "E1"), person: child.clone(),
    ///     period: Period::from(d(2, 14)),
    ///     detail: EpisodeDetail::ChildInNeed { referral_source: Some("2A".into()), primary_need: None, closure_reason: None },
    ///     source: src.clone(),
    /// })?;
    /// let starts: Vec<_> = net.timeline(&child)?.iter().map(|e| e.start().unwrap()).collect();
    /// assert_eq!(starts, [d(2, 14), d(3, 1)]);
    /// # Ok::<(), patchwork_core::Error>(())
    /// ```
    pub fn timeline(&self, person: &PersonKey) -> Result<Vec<TimelineEntry<'_>>, Error> {
        let idx = self.require_person(person)?;
        let mut entries: Vec<TimelineEntry<'_>> = self.persons[idx as usize]
            .episodes
            .iter()
            .map(|&e| TimelineEntry::Episode {
                episode: &self.episodes[e as usize],
            })
            .chain(self.involvements_of_person(idx).map(|i| {
                let involvement = self.involvement_ref(i);
                TimelineEntry::Involvement {
                    involvement,
                    professional: involvement.professional(),
                }
            }))
            .collect();
        entries.sort_by(|a, b| {
            let (pa, pb) = (a.period(), b.period());
            pa.start
                .cmp(&pb.start)
                .then(pa.end.is_none().cmp(&pb.end.is_none()))
                .then(pa.end.cmp(&pb.end))
                .then(
                    matches!(a, TimelineEntry::Involvement { .. })
                        .cmp(&matches!(b, TimelineEntry::Involvement { .. })),
                )
                .then_with(|| sort_key(a).cmp(sort_key(b)))
        });
        Ok(entries)
    }
}

fn sort_key<'a>(entry: &'a TimelineEntry<'_>) -> &'a crate::ExternalKey {
    match entry {
        TimelineEntry::Involvement { involvement, .. } => &involvement.key().0,
        TimelineEntry::Episode { episode } => &episode.key.0,
    }
}
