//! A person's history (involvements, episodes and activities in date order), and everyone
//! who has worked with them.

use chrono::NaiveDate;
use serde::Serialize;

use crate::{Activity, Episode, Error, InvolvementRef, Network, Period, PersonKey, Professional};

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
    /// A dated piece of work (assessment, S47 enquiry...), with its professional if any.
    Activity {
        /// The activity.
        activity: &'n Activity,
        /// The professional who did it, if recorded.
        professional: Option<&'n Professional>,
    },
}

impl TimelineEntry<'_> {
    /// The period the entry covers.
    pub fn period(&self) -> Period {
        match self {
            Self::Involvement { involvement, .. } => involvement.period(),
            Self::Episode { episode } => episode.period,
            Self::Activity { activity, .. } => activity.period,
        }
    }

    /// The date the entry starts, if known.
    pub fn start(&self) -> Option<NaiveDate> {
        self.period().start
    }
}

impl Network {
    /// Every involvement, episode and activity of a person, active or ended, ordered by
    /// start date (unknown starts first), then end date (open last), then episodes,
    /// involvements and activities in that order, then key.
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
    ///     detail: EpisodeDetail::ChildInNeed { referral_source: Some("2A".into()), primary_need: None, closure_reason: None, census: Default::default() },
    ///     source: src.clone(),
    /// })?;
    /// let starts: Vec<_> = net.timeline(&child)?.iter().map(|e| e.start().unwrap()).collect();
    /// assert_eq!(starts, [d(2, 14), d(3, 1)]);
    /// # Ok::<(), patchwork_core::Error>(())
    /// ```
    pub fn timeline(&self, person: &PersonKey) -> Result<Vec<TimelineEntry<'_>>, Error> {
        let idx = self.require_person(person)?;
        let slot = &self.persons[idx as usize];
        let episodes = slot.episodes().map(|e| TimelineEntry::Episode {
            episode: &self.episodes[e as usize],
        });
        let involvements = self.involvements_of_person(idx).map(|i| {
            let involvement = self.involvement_ref(i);
            TimelineEntry::Involvement {
                involvement,
                professional: involvement.professional(),
            }
        });
        let activities = slot.activities().map(|a| {
            let a = &self.activities[a as usize];
            TimelineEntry::Activity {
                activity: &a.activity,
                professional: a
                    .professional
                    .map(|p| &self.professionals[p as usize].professional),
            }
        });
        let mut entries: Vec<TimelineEntry<'_>> =
            episodes.chain(involvements).chain(activities).collect();
        entries.sort_by(|a, b| {
            let (pa, pb) = (a.period(), b.period());
            pa.start
                .cmp(&pb.start)
                .then(pa.end.is_none().cmp(&pb.end.is_none()))
                .then(pa.end.cmp(&pb.end))
                .then(rank(a).cmp(&rank(b)))
                .then_with(|| sort_key(a).cmp(sort_key(b)))
        });
        Ok(entries)
    }

    /// Everyone who has ever worked with a person, through an involvement or an activity,
    /// ordered by when they first did (unknown first dates last), then by key. Unlike
    /// [`team_around`](Self::team_around) this looks at all time, and it includes those
    /// whose only contact was a dated activity such as an assessment.
    ///
    /// ```
    /// # use chrono::NaiveDate;
    /// # use patchwork_core::*;
    /// # let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
    /// # let src = Source::system("lcs");
    /// # let mut net = Network::new();
    /// # let child = PersonKey::new("lcs", "C1");
    /// # net.add_person(Person::new(child.clone(), PersonKind::Child, src.clone()))?;
    /// # net.add_professional(Professional::new(ProfessionalKey::new("lcs", "A"), src.clone()))?;
    /// // Worker A assessed the child in February, and was never an ongoing involvement.
    /// net.add_activity(Activity {
    ///     key: ActivityKey::new("lcs", "assessment/1"), person: child.clone(),
    ///     professional: Some(ProfessionalKey::new("lcs", "A")), team: None,
    ///     kind: ActivityKind::Assessment, period: Period::new(Some(d(2, 3)), Some(d(2, 20)))?,
    ///     source: src.clone(),
    /// })?;
    /// assert!(net.team_around(&child, d(2, 10))?.is_empty());
    /// let who = net.worked_with(&child)?;
    /// assert_eq!(who[0].professional.key.id(), "A");
    /// assert_eq!((who[0].first, who[0].activities), (Some(d(2, 3)), 1));
    /// # Ok::<(), patchwork_core::Error>(())
    /// ```
    pub fn worked_with(&self, person: &PersonKey) -> Result<Vec<WorkedWith<'_>>, Error> {
        let idx = self.require_person(person)?;
        let mut by_professional: rustc_hash::FxHashMap<u32, WorkedWith<'_>> =
            rustc_hash::FxHashMap::default();
        let mut note = |p: u32, period: Period, is_activity: bool| {
            let entry = by_professional.entry(p).or_insert_with(|| WorkedWith {
                professional: &self.professionals[p as usize].professional,
                first: None,
                last: None,
                involvements: 0,
                activities: 0,
            });
            if let Some(start) = period.start {
                entry.first = Some(entry.first.map_or(start, |f| f.min(start)));
                entry.last = Some(entry.last.map_or(start, |l| l.max(start)));
            }
            if is_activity {
                entry.activities += 1;
            } else {
                entry.involvements += 1;
            }
        };
        for edge in self.edges_of_person(idx) {
            if let Some(p) = crate::network::some(edge.professional) {
                note(p, edge.period, false);
            }
        }
        for a in self.persons[idx as usize].activities() {
            let a = &self.activities[a as usize];
            if let Some(p) = a.professional {
                note(p, a.activity.period, true);
            }
        }
        let mut all: Vec<WorkedWith<'_>> = by_professional.into_values().collect();
        all.sort_by(|a, b| {
            a.first
                .is_none()
                .cmp(&b.first.is_none())
                .then(a.first.cmp(&b.first))
                .then_with(|| a.professional.key.cmp(&b.professional.key))
        });
        Ok(all)
    }
}

/// One professional who has worked with a person; see [`Network::worked_with`].
#[derive(Debug, Clone, Serialize)]
pub struct WorkedWith<'n> {
    /// The professional.
    pub professional: &'n Professional,
    /// The earliest known start of their involvements and activities with the person.
    pub first: Option<NaiveDate>,
    /// The latest known start of their involvements and activities with the person.
    pub last: Option<NaiveDate>,
    /// How many involvements they have had with the person.
    pub involvements: usize,
    /// How many activities they have recorded with the person.
    pub activities: usize,
}

/// Episodes first, then involvements, then activities, among entries with the same dates.
fn rank(entry: &TimelineEntry<'_>) -> u8 {
    match entry {
        TimelineEntry::Episode { .. } => 0,
        TimelineEntry::Involvement { .. } => 1,
        TimelineEntry::Activity { .. } => 2,
    }
}

fn sort_key<'a>(entry: &'a TimelineEntry<'_>) -> &'a crate::ExternalKey {
    match entry {
        TimelineEntry::Involvement { involvement, .. } => &involvement.key().0,
        TimelineEntry::Episode { episode } => &episode.key.0,
        TimelineEntry::Activity { activity, .. } => &activity.key.0,
    }
}
