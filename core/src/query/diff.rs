//! Change events between two networks: what a child's team should be told.

use chrono::NaiveDate;
use serde::Serialize;

use crate::{
    EndReason, InvolvementKey, Network, PersonKey, Professional, ProfessionalKey, RoleCategory,
    TeamKey,
};

/// A lead practitioner, as named in a [`ChangeEvent::LeadChanged`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LeadRef {
    /// The lead involvement.
    pub involvement: InvolvementKey,
    /// Its professional, or `None` for a team-only involvement.
    pub professional: Option<ProfessionalKey>,
}

/// One change between an older and a newer network.
///
/// These are what Patchwork sends to a child's team: who joined, who left, who leads now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ChangeEvent {
    /// A person is in the newer network and not the older.
    PersonAdded {
        /// The person.
        person: PersonKey,
    },
    /// An involvement is new, or was ended before and is open again.
    InvolvementStarted {
        /// The involvement.
        involvement: InvolvementKey,
        /// Its person.
        person: PersonKey,
        /// Its professional.
        professional: Option<ProfessionalKey>,
        /// Its team.
        team: Option<TeamKey>,
        /// Its role category.
        role: RoleCategory,
        /// Its start date.
        start: Option<NaiveDate>,
    },
    /// An involvement that was open (or ended later) now has this end date.
    InvolvementEnded {
        /// The involvement.
        involvement: InvolvementKey,
        /// Its person.
        person: PersonKey,
        /// Its professional.
        professional: Option<ProfessionalKey>,
        /// Its role category.
        role: RoleCategory,
        /// The end date now recorded.
        end: NaiveDate,
        /// The end reason now recorded.
        reason: Option<EndReason>,
    },
    /// An involvement in the older network is missing from the newer one (deleted at
    /// source; a full-extract import normally ends such involvements instead).
    InvolvementRemoved {
        /// The involvement.
        involvement: InvolvementKey,
        /// Its person.
        person: PersonKey,
        /// Its professional.
        professional: Option<ProfessionalKey>,
    },
    /// The lead practitioner(s) of a person on the date differ between the networks.
    LeadChanged {
        /// The person.
        person: PersonKey,
        /// Leads in the older network.
        previous: Vec<LeadRef>,
        /// Leads in the newer network.
        current: Vec<LeadRef>,
    },
    /// A child with an open CIN, CP or CLA episode had an active allocated social worker
    /// in the older network and has none in the newer one.
    ChildLeftWithoutAllocatedWorker {
        /// The child.
        person: PersonKey,
        /// The allocated social worker(s) the older network had.
        previous: Vec<ProfessionalKey>,
    },
    /// A professional's details (not their provenance) differ.
    ProfessionalChanged {
        /// The professional.
        professional: ProfessionalKey,
        /// Names of the fields that changed.
        fields: Vec<&'static str>,
    },
}

impl ChangeEvent {
    /// The person the event is about, if it is about one.
    pub fn person(&self) -> Option<&PersonKey> {
        match self {
            Self::PersonAdded { person }
            | Self::InvolvementStarted { person, .. }
            | Self::InvolvementEnded { person, .. }
            | Self::InvolvementRemoved { person, .. }
            | Self::LeadChanged { person, .. }
            | Self::ChildLeftWithoutAllocatedWorker { person, .. } => Some(person),
            Self::ProfessionalChanged { .. } => None,
        }
    }
}

fn changed_fields(old: &Professional, new: &Professional) -> Vec<&'static str> {
    let mut fields = Vec::new();
    let mut check = |name, differs: bool| {
        if differs {
            fields.push(name);
        }
    };
    check("name", old.name != new.name);
    check("job_title", old.job_title != new.job_title);
    check("staff_id", old.staff_id != new.staff_id);
    check(
        "registration_number",
        old.registration_number != new.registration_number,
    );
    check("agency", old.agency != new.agency);
    check("team", old.team != new.team);
    check("email", old.email != new.email);
    check("phone", old.phone != new.phone);
    check("active", old.active != new.active);
    fields
}

impl Network {
    /// The change events from `older` to `self` (the newer network), with leads and
    /// allocations compared on `as_of` (normally the newer extract's date).
    ///
    /// Records are matched by key. Events come ordered by person key (professional events
    /// last), then in the order of the [`ChangeEvent`] variants.
    ///
    /// ```
    /// # use chrono::NaiveDate;
    /// # use patchwork_core::*;
    /// # let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
    /// # let src = Source::system("lcs");
    /// let mut older = Network::new();
    /// older.add_person(Person::new(PersonKey::new("lcs", "C1"), PersonKind::Child, src.clone()))?;
    /// older.add_professional(Professional::new(ProfessionalKey::new("lcs", "W1"), src.clone()))?;
    /// older.add_involvement(Involvement {
    ///     key: InvolvementKey::new("lcs", "I1"), person: PersonKey::new("lcs", "C1"),
    ///     professional: Some(ProfessionalKey::new("lcs", "W1")), team: None,
    ///     role: Role::new("HV", RoleCategory::HealthVisitor), period: Period::from(d(1, 6)),
    ///     end_reason: None, sensitivity: Sensitivity::Standard, source: src.clone(),
    /// })?;
    /// let mut newer = older.clone();
    /// newer.end_involvement(&InvolvementKey::new("lcs", "I1"), d(3, 1), None)?;
    ///
    /// let events = newer.diff(&older, d(3, 1));
    /// assert!(matches!(&events[..], [ChangeEvent::InvolvementEnded { end, .. }] if *end == d(3, 1)));
    /// # Ok::<(), patchwork_core::Error>(())
    /// ```
    pub fn diff(&self, older: &Network, as_of: NaiveDate) -> Vec<ChangeEvent> {
        let newer = self;
        let mut events: Vec<ChangeEvent> = Vec::new();
        for slot in &newer.persons {
            if older.person_idx(&slot.person.key).is_none() {
                events.push(ChangeEvent::PersonAdded {
                    person: slot.person.key.clone(),
                });
            }
        }
        for new in newer.involvements() {
            let started = || ChangeEvent::InvolvementStarted {
                involvement: new.key().clone(),
                person: new.person().key.clone(),
                professional: new.professional().map(|p| p.key.clone()),
                team: new.team().map(|t| t.key.clone()),
                role: new.role(),
                start: new.period().start,
            };
            let ended = |end| ChangeEvent::InvolvementEnded {
                involvement: new.key().clone(),
                person: new.person().key.clone(),
                professional: new.professional().map(|p| p.key.clone()),
                role: new.role(),
                end,
                reason: new.end_reason().cloned(),
            };
            let old_end = older.involvement(new.key()).map(|old| old.period().end);
            match (old_end, new.period().end) {
                // New to us: it started; if it arrives already ended, it ended too.
                (None, end) => {
                    events.push(started());
                    events.extend(end.map(ended));
                }
                // Ended before, open again.
                (Some(Some(_)), None) => events.push(started()),
                // Newly ended, or its end date corrected.
                (Some(old), Some(end)) if old != Some(end) => events.push(ended(end)),
                _ => {}
            }
        }
        for old in older.involvements() {
            if newer.involvement_idx(old.key()).is_none() {
                events.push(ChangeEvent::InvolvementRemoved {
                    involvement: old.key().clone(),
                    person: old.person().key.clone(),
                    professional: old.professional().map(|p| p.key.clone()),
                });
            }
        }
        for (idx, slot) in newer.persons.iter().enumerate() {
            let Some(old_idx) = older.person_idx(&slot.person.key) else {
                continue;
            };
            let new_team = newer.team_around_idx(idx as u32, as_of);
            let old_team = older.team_around_idx(old_idx, as_of);
            let leads = |t: &crate::TeamAround<'_>| {
                let mut v: Vec<LeadRef> = t
                    .leads()
                    .map(|m| LeadRef {
                        involvement: m.involvement.key().clone(),
                        professional: m.involvement.professional().map(|p| p.key.clone()),
                    })
                    .collect();
                v.sort();
                v
            };
            let (previous, current) = (leads(&old_team), leads(&new_team));
            if previous != current {
                events.push(ChangeEvent::LeadChanged {
                    person: slot.person.key.clone(),
                    previous,
                    current,
                });
            }
            let allocated = |t: &crate::TeamAround<'_>| -> Vec<ProfessionalKey> {
                t.members
                    .iter()
                    .filter(|m| m.involvement.role() == RoleCategory::AllocatedSocialWorker)
                    .filter_map(|m| m.involvement.professional().map(|p| p.key.clone()))
                    .collect()
            };
            let had = allocated(&old_team);
            let has_any_now = new_team
                .members
                .iter()
                .any(|m| m.involvement.role() == RoleCategory::AllocatedSocialWorker);
            let had_any = old_team
                .members
                .iter()
                .any(|m| m.involvement.role() == RoleCategory::AllocatedSocialWorker);
            if had_any && !has_any_now && newer.has_open_statutory_episode(idx as u32, as_of) {
                events.push(ChangeEvent::ChildLeftWithoutAllocatedWorker {
                    person: slot.person.key.clone(),
                    previous: had,
                });
            }
        }
        for slot in &newer.professionals {
            if let Some(old) = older.professional(&slot.professional.key) {
                let fields = changed_fields(old, &slot.professional);
                if !fields.is_empty() {
                    events.push(ChangeEvent::ProfessionalChanged {
                        professional: slot.professional.key.clone(),
                        fields,
                    });
                }
            }
        }
        events.sort_by(|a, b| match (a.person(), b.person()) {
            (Some(x), Some(y)) => x.cmp(y).then(variant_rank(a).cmp(&variant_rank(b))),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        events
    }
}

fn variant_rank(e: &ChangeEvent) -> u8 {
    match e {
        ChangeEvent::PersonAdded { .. } => 0,
        ChangeEvent::InvolvementStarted { .. } => 1,
        ChangeEvent::InvolvementEnded { .. } => 2,
        ChangeEvent::InvolvementRemoved { .. } => 3,
        ChangeEvent::LeadChanged { .. } => 4,
        ChangeEvent::ChildLeftWithoutAllocatedWorker { .. } => 5,
        ChangeEvent::ProfessionalChanged { .. } => 6,
    }
}
