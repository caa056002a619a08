//! The viewed network: every read of the network, filtered for one viewer and recorded.

use chrono::{DateTime, NaiveDate, Utc};
use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::network::{InvolvementEdge, NONE, PersonLinkRef, some};
use crate::{
    AccessRecord, Action, Activity, Agency, AlertKind, BreakGlass, CaseloadEntry, ChangeEvent,
    ConnectionPath, Consent, Decision, Episode, Error, FamilyCluster, FamilyNetwork, Gap,
    Household, InvolvementFacts, InvolvementRef, Network, NhsNumber, Outcome, Period, Person,
    PersonFacts, PersonKey, Policy, Professional, ProfessionalKey, Read, Relationship,
    RoleCategory, Team, TeamAround, TimelineEntry, Viewer, WorkedWith, WorkerChanges,
};

/// The consents and break-glass overrides on record, as the store holds them. The view
/// uses those in force at its access time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    /// Consents to share sensitive-service involvements.
    pub consents: Vec<Consent>,
    /// Break-glass overrides.
    pub overrides: Vec<BreakGlass>,
}

/// How to reach a child's lead practitioner: all an existence-only viewer learns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "route", rename_all = "snake_case")]
pub enum ContactRoute {
    /// The lead practitioner's work contact details.
    Lead {
        /// Their role.
        role: RoleCategory,
        /// The professional's key, if the lead involvement names one.
        professional: Option<ProfessionalKey>,
        /// Their name.
        name: Option<String>,
        /// Their work phone.
        phone: Option<String>,
        /// Their work email.
        email: Option<String>,
        /// The team's name.
        team: Option<String>,
        /// The agency's name.
        agency: Option<String>,
    },
    /// No single lead can be shown: contact this broker (the front door) instead.
    Broker {
        /// The policy's [`broker_contact`](crate::Policy::broker_contact).
        contact: String,
    },
    /// No lead can be shown and the policy names no broker.
    Unavailable,
}

/// What an existence-only viewer is told about a person: they are known to services,
/// and how to contact their lead practitioner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Known {
    /// The person asked for.
    pub person: PersonKey,
    /// How to contact their lead practitioner.
    pub contact: ContactRoute,
}

/// The answer to a question about one person: in full, or existence only. (A hidden
/// person is not an answer: it is [`Error::NotFound`], worded exactly as for an unknown
/// key.)
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "access", content = "view", rename_all = "snake_case")]
pub enum Viewed<T> {
    /// The answer, holding only what the viewer may see.
    Full(T),
    /// The person is known to services; here is how to contact their lead.
    ExistenceOnly(Known),
}

impl<T> Viewed<T> {
    /// The full answer, or `None` for existence only.
    pub fn full(self) -> Option<T> {
        match self {
            Self::Full(t) => Some(t),
            Self::ExistenceOnly(_) => None,
        }
    }

    /// The decision this answer was given under.
    pub fn decision(&self) -> Decision {
        match self {
            Self::Full(_) => Decision::Full,
            Self::ExistenceOnly(_) => Decision::ExistenceOnly,
        }
    }
}

/// One household as a viewer's export holds it: the household and the memberships the
/// viewer may see.
#[derive(Debug, Clone, Serialize)]
pub struct HouseholdView<'n> {
    /// The household.
    pub household: &'n Household,
    /// The members the viewer may see, with their membership periods, ordered by key.
    pub members: Vec<(&'n PersonKey, Period)>,
}

/// Everything one viewer may see, in one snapshot: their export. It never holds more
/// than the viewer's queries can show them.
#[derive(Debug, Clone, Serialize)]
pub struct ViewExport<'n> {
    /// The policy version it was made under.
    pub policy_version: &'n str,
    /// The persons: those seen in full, and their relatives.
    pub persons: Vec<&'n Person>,
    /// The directory: agencies.
    pub agencies: Vec<&'n Agency>,
    /// The directory: teams.
    pub teams: Vec<&'n Team>,
    /// The directory: professionals.
    pub professionals: Vec<&'n Professional>,
    /// The involvements the viewer may see.
    pub involvements: Vec<InvolvementRef<'n>>,
    /// The episodes of persons seen in full.
    pub episodes: Vec<&'n Episode>,
    /// The activities with persons seen in full.
    pub activities: Vec<&'n Activity>,
    /// Relationships between persons in the export with at least one seen in full.
    pub relationships: Vec<&'n Relationship>,
    /// Households with a member seen in full.
    pub households: Vec<HouseholdView<'n>>,
}

/// The network as one viewer may see it, at one time, under one policy.
///
/// Make it with [`Network::view`]. Every read goes through it; each returns a [`Read`]:
/// the filtered answer and exactly one [`AccessRecord`] to append to the audit trail.
///
/// The view answers every query from a copy of the part of the network the viewer may
/// see, so a hidden fact cannot shape an answer: not its rows, counts, ordering, lead
/// practitioner or gaps. A question about one person is answered from the part around
/// that person, made on the first such question; the other queries from the part holding
/// everything the viewer may see, made on the first of them. Queries about a
/// person are answered in full, existence only (a [`Known`]), or — for a hidden person —
/// with the same [`Error::NotFound`] an unknown key gives. Gaps and worker changes are
/// worked out from what the viewer sees: a gap may be filled by a service they may not
/// see.
///
/// ```
/// use chrono::{NaiveDate, TimeZone, Utc};
/// use patchwork_core::*;
///
/// let src = Source::system("lcs");
/// let mut net = Network::new();
/// net.add_agency(Agency { key: AgencyKey::new("lcs", "CSC"), name: "Children's social care".into(),
///     kind: AgencyKind::ChildrensSocialCare, ods_code: None, school_urn: None, source: src.clone() })?;
/// net.add_agency(Agency { key: AgencyKey::new("nhs", "CAMHS"), name: "CAMHS".into(),
///     kind: AgencyKind::Health, ods_code: None, school_urn: None, source: src.clone() })?;
/// for (id, agency) in [("SW1", "lcs:CSC"), ("PSY1", "nhs:CAMHS"), ("T1", "lcs:CSC")] {
///     let mut p = Professional::new(ProfessionalKey::new("lcs", id), src.clone());
///     p.agency = Some(agency.parse().unwrap());
///     p.name = Some(format!("Worker {id}"));
///     net.add_professional(p)?;
/// }
/// let child = PersonKey::new("lcs", "C1");
/// net.add_person(Person::new(child.clone(), PersonKind::Child, src.clone()))?;
/// let mut shielded = Person::new(PersonKey::new("lcs", "C2"), PersonKind::Child, src.clone());
/// shielded.shielded = true;
/// net.add_person(shielded)?;
/// for (id, worker, role, sensitivity) in [
///     ("I1", "SW1", RoleCategory::LeadPractitioner, Sensitivity::Standard),
///     ("I2", "PSY1", RoleCategory::Other, Sensitivity::SensitiveService),
/// ] {
///     net.add_involvement(Involvement { key: InvolvementKey::new("lcs", id), person: child.clone(),
///         professional: Some(ProfessionalKey::new("lcs", worker)), team: None,
///         role: Role::new("X", role), period: Period::from(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()),
///         end_reason: None, sensitivity, source: src.clone() })?;
/// }
///
/// let policy = Policy::practice_defaults("2026-11");
/// let grants = Grants::default();
/// let now = Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 0).unwrap();
///
/// // The social worker is involved: they see the team, but not the CAMHS involvement.
/// let sw = Viewer::for_professional(&net, &ProfessionalKey::new("lcs", "SW1"), "practitioner", Purpose::DirectWork)?;
/// let view = net.view(&sw, &policy, &grants, now);
/// let read = view.team_around(&child);
/// assert_eq!(read.record.outcome, Outcome::Full);           // one record for the audit trail
/// let team = read.result?.full().unwrap();
/// assert_eq!(team.len(), 1);
///
/// // A colleague who is not involved learns only that C1 is known, and whom to call.
/// let t1 = Viewer::for_professional(&net, &ProfessionalKey::new("lcs", "T1"), "practitioner", Purpose::DirectWork)?;
/// let view = net.view(&t1, &policy, &grants, now);
/// match view.team_around(&child).result? {
///     Viewed::ExistenceOnly(known) => assert!(matches!(known.contact,
///         ContactRoute::Lead { ref name, .. } if name.as_deref() == Some("Worker SW1"))),
///     Viewed::Full(_) => unreachable!(),
/// }
/// // A shielded child is "not found", word for word as an unknown one.
/// let hidden = view.team_around(&PersonKey::new("lcs", "C2"));
/// let unknown = view.team_around(&PersonKey::new("lcs", "C3"));
/// assert_eq!(hidden.result.unwrap_err().to_string().replace("C2", "C3"),
///            unknown.result.unwrap_err().to_string());
/// assert_eq!(hidden.record.outcome, Outcome::Denied);        // but the audit trail knows
/// assert_eq!(hidden.record.alerts, [AlertKind::ShieldedRequested]);
/// # Ok::<(), patchwork_core::Error>(())
/// ```
#[derive(Debug)]
pub struct ViewedNetwork<'a> {
    net: &'a Network,
    viewer: &'a Viewer,
    policy: &'a Policy,
    grants: &'a Grants,
    at: DateTime<Utc>,
    as_of: NaiveDate,
    /// What the viewer sees of each person of `net`, by arena index.
    access: Vec<Decision>,
    /// Overrides in force, by arena index of their child.
    overrides: FxHashMap<u32, &'a BreakGlass>,
    /// Consents in force that name the viewer's agency for the viewer's purpose.
    consents: Vec<&'a Consent>,
    /// The viewer's professional and team, as arena indices.
    me: Option<u32>,
    my_team: Option<u32>,
    my_agency: Option<u32>,
    /// True when the viewer reads the network itself (an administrative viewer under a
    /// policy that shows them everything).
    whole: bool,
    /// The persons seen in full, by arena index, in order.
    full_persons: Vec<u32>,
    /// What the viewer may see of everything, as a network of its own: built on the
    /// first read that needs it (caseload, gaps, components, diff, export...).
    part: OnceLock<Box<Network>>,
    /// What the viewer may see around each person of `full_persons` (the person, their
    /// relatives and the directory entries they refer to): built on the first read about
    /// that person, so that a read about one child never copies the whole network.
    person_parts: Vec<OnceLock<Box<Network>>>,
}

/// Where a person stands for this viewer.
enum Gate {
    Unknown,
    Hidden(u32),
    Existence(u32),
    Full(u32),
}

impl Network {
    /// The network as `viewer` may see it at `at` under `policy`, with the consents and
    /// overrides in `grants`. Access is decided on `at` (who is actively involved that
    /// day, which consents and overrides are in force); queries answer for `at`'s date
    /// unless [`ViewedNetwork::with_as_of`] says otherwise. See [`ViewedNetwork`].
    ///
    /// Making a view costs one pass over the persons. The parts it answers from are
    /// copied on first use: the part around a person on the first question about them,
    /// the whole of what the viewer may see (the directory included) on the first
    /// caseload, gaps, components, diff, search or export. Keep a view for the viewer's
    /// session of reads.
    pub fn view<'a>(
        &'a self,
        viewer: &'a Viewer,
        policy: &'a Policy,
        grants: &'a Grants,
        at: DateTime<Utc>,
    ) -> ViewedNetwork<'a> {
        ViewedNetwork::new(self, viewer, policy, grants, at)
    }
}

impl<'a> ViewedNetwork<'a> {
    fn new(
        net: &'a Network,
        viewer: &'a Viewer,
        policy: &'a Policy,
        grants: &'a Grants,
        at: DateTime<Utc>,
    ) -> Self {
        Self::with_access(net, viewer, policy, grants, at, None)
    }

    /// A view whose person decisions come from `decided` (by key: `Hidden` for a key it
    /// does not hold) instead of from `net` itself: what [`diff`](Self::diff) uses, so
    /// that an older network is seen with the persons the viewer may see now.
    fn with_access(
        net: &'a Network,
        viewer: &'a Viewer,
        policy: &'a Policy,
        grants: &'a Grants,
        at: DateTime<Utc>,
        decided: Option<&ViewedNetwork<'_>>,
    ) -> Self {
        let date = at.date_naive();
        let me = viewer
            .professional_key()
            .and_then(|k| net.professional_idx(k));
        let my_team = viewer.team.as_ref().and_then(|t| net.team_idx(t));
        let my_agency = viewer.agency.as_ref().and_then(|a| net.agency_idx(a));
        let overrides: FxHashMap<u32, &BreakGlass> = grants
            .overrides
            .iter()
            .filter(|g| policy.override_in_force(g, viewer, &g.child, at))
            .filter_map(|g| net.person_idx(&g.child).map(|p| (p, g)))
            .collect();
        let consents: Vec<&Consent> = match &viewer.agency {
            Some(agency) => grants
                .consents
                .iter()
                .filter(|c| {
                    c.in_force(date)
                        && c.recipients.contains(agency)
                        && (c.purposes.is_empty() || c.purposes.contains(&viewer.purpose))
                })
                .collect(),
            None => Vec::new(),
        };
        let mut view = Self {
            net,
            viewer,
            policy,
            grants,
            at,
            as_of: date,
            access: Vec::new(),
            overrides,
            consents,
            me,
            my_team,
            my_agency,
            whole: viewer.is_administrative() && policy.administrative,
            full_persons: Vec::new(),
            part: OnceLock::new(),
            person_parts: Vec::new(),
        };
        view.access = match decided {
            Some(newer) => net
                .persons
                .iter()
                .map(|slot| newer.decision_for(&slot.person.key))
                .collect(),
            None => {
                let involved = view.involved_persons(date);
                net.persons
                    .iter()
                    .enumerate()
                    .map(|(i, slot)| {
                        let i = i as u32;
                        policy.decide_person(
                            viewer,
                            PersonFacts {
                                shielded: slot.person.shielded,
                                involved: involved.contains(&i),
                                break_glass: view.overrides.contains_key(&i),
                            },
                        )
                    })
                    .collect()
            }
        };
        // An administrative viewer under a policy that shows them everything reads the
        // network itself; everyone else reads the parts they may see.
        if !view.whole {
            view.full_persons = (0..net.persons.len() as u32)
                .filter(|&p| view.access[p as usize] == Decision::Full)
                .collect();
            view.person_parts = view.full_persons.iter().map(|_| OnceLock::new()).collect();
        }
        view
    }

    /// The same view answering queries for another date (access stays decided on the
    /// view's time).
    pub fn with_as_of(mut self, as_of: NaiveDate) -> Self {
        self.as_of = as_of;
        self
    }

    /// The viewer.
    pub fn viewer(&self) -> &Viewer {
        self.viewer
    }

    /// The time access is decided on.
    pub fn at(&self) -> DateTime<Utc> {
        self.at
    }

    /// The date queries answer for.
    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// What the viewer sees of a person: `Hidden` for a key the network does not hold,
    /// as for a hidden person. For the host's use (menus, routing); asking is not logged,
    /// so do not show the answer to the viewer without a logged read.
    pub fn decision_for(&self, person: &PersonKey) -> Decision {
        self.net
            .person_idx(person)
            .map_or(Decision::Hidden, |i| self.access[i as usize])
    }

    // ----- deciding -------------------------------------------------------------------

    /// Everything the viewer may see.
    fn part(&self) -> &Network {
        if self.whole {
            return self.net;
        }
        self.part
            .get_or_init(|| Box::new(self.build_part(&self.full_persons, true)))
    }

    /// What the viewer may see around one person they see in full: enough to answer
    /// every question about that person exactly as [`part`](Self::part) would.
    fn person_part(&self, person: u32) -> &Network {
        if self.whole {
            return self.net;
        }
        match self.full_persons.binary_search(&person) {
            Ok(i) => {
                self.person_parts[i].get_or_init(|| Box::new(self.build_part(&[person], false)))
            }
            // Only persons seen in full have a part; callers gate first.
            Err(_) => self.part(),
        }
    }

    /// Persons the viewer holds an involvement with that is active on `date`.
    fn involved_persons(&self, date: NaiveDate) -> FxHashSet<u32> {
        let net = self.net;
        let mut involved = FxHashSet::default();
        if let Some(me) = self.me {
            for i in net.involvements_of_professional(me) {
                let row = &net.involvements[i as usize];
                if row.period.contains(date) {
                    involved.insert(row.person);
                }
            }
        }
        if let Some(team) = self.my_team {
            for row in &net.involvements {
                if row.professional == NONE && row.team == team && row.period.contains(date) {
                    involved.insert(row.person);
                }
            }
        }
        involved
    }

    /// What the viewer sees of one involvement (by its edge), given its person.
    fn involvement_decision(&self, person: u32, edge: &InvolvementEdge) -> Decision {
        self.involvement_decision_as(self.access[person as usize], person, edge)
    }

    fn involvement_decision_as(
        &self,
        person_access: Decision,
        person: u32,
        edge: &InvolvementEdge,
    ) -> Decision {
        let net = self.net;
        let row = &net.involvements[edge.involvement as usize];
        let own =
            (self.me.is_some() && row.professional().is_some() && row.professional() == self.me)
                || (row.professional().is_none()
                    && self.my_team.is_some()
                    && row.team() == self.my_team);
        let sensitivity = self
            .policy
            .effective_sensitivity(row.sensitivity, net.role_codes.get(row.role_code));
        let holder = some(edge.agency).map(|a| &net.agencies[a as usize].key);
        let subject = &net.persons[person as usize].person.key;
        let consented = sensitivity == crate::Sensitivity::SensitiveService
            && self.viewer.agency.as_ref().is_some_and(|recipient| {
                self.consents.iter().any(|c| {
                    c.covers(
                        subject,
                        holder,
                        recipient,
                        &self.viewer.purpose,
                        self.at.date_naive(),
                    )
                })
            });
        self.policy.decide_involvement(
            self.viewer,
            person_access,
            InvolvementFacts {
                sensitivity,
                own,
                same_agency: self.my_agency.is_some() && some(edge.agency) == self.my_agency,
                consented,
                break_glass: self.overrides.contains_key(&person),
            },
        )
    }

    /// Builds a part of the network the viewer may see, around `roots` (persons seen in
    /// full): each root with their visible involvements, episodes and activities; their
    /// relatives (unless hidden) and the relationships and household memberships linking
    /// them; and, for a relative seen in full, the relative's visible involvements and
    /// episodes (their team). Agencies and teams come whole; professionals whole when
    /// `whole_directory`, otherwise only those the part refers to. Records keep the
    /// order they were added in, so that ties break as in the network itself.
    fn build_part(&self, roots: &[u32], whole_directory: bool) -> Network {
        let net = self.net;
        let full = |p: u32| self.access[p as usize] == Decision::Full;
        let shown = |p: u32| self.access[p as usize] != Decision::Hidden;
        let mut persons = Vec::new();
        let mut with_team = Vec::new();
        let mut involvements = Vec::new();
        let mut episodes = Vec::new();
        let mut activities = Vec::new();
        let mut relationships = Vec::new();
        let mut memberships = Vec::new();
        for &p in roots {
            debug_assert!(full(p));
            persons.push(p);
            with_team.push(p);
            for link in &net.persons[p as usize].links {
                match *link {
                    PersonLinkRef::Activity(a) => activities.push(a),
                    PersonLinkRef::Relationship(r) => {
                        let rel = &net.relationships[r as usize];
                        let other = if rel.from == p { rel.to } else { rel.from };
                        if shown(other) {
                            persons.push(other);
                            relationships.push(r);
                        }
                    }
                    PersonLinkRef::Membership(m) => {
                        let household = net.memberships[m as usize].household;
                        for &co in &net.households[household as usize].members {
                            let q = net.memberships[co as usize].person;
                            if shown(q) {
                                persons.push(q);
                                memberships.push(co);
                            }
                        }
                    }
                    PersonLinkRef::Episode(_) | PersonLinkRef::IdentityLink(_) => {}
                }
            }
        }
        with_team.extend(persons.iter().copied().filter(|&q| full(q)));
        for list in [&mut persons, &mut with_team] {
            list.sort_unstable();
            list.dedup();
        }
        for &p in &with_team {
            for edge in net.edges_of_person(p) {
                if self.involvement_decision(p, edge) == Decision::Full {
                    involvements.push(edge.involvement);
                }
            }
            episodes.extend(net.persons[p as usize].episodes());
        }
        for list in [
            &mut involvements,
            &mut episodes,
            &mut activities,
            &mut relationships,
            &mut memberships,
        ] {
            list.sort_unstable();
            list.dedup();
        }
        let professionals: Vec<u32> = if whole_directory {
            (0..net.professionals.len() as u32).collect()
        } else {
            let mut referred: Vec<u32> = involvements
                .iter()
                .filter_map(|&i| net.involvements[i as usize].professional())
                .chain(
                    activities
                        .iter()
                        .filter_map(|&a| net.activities[a as usize].professional),
                )
                .collect();
            referred.sort_unstable();
            referred.dedup();
            referred
        };
        let mut part = Network::new();
        // Records of a valid network are valid in any part of it that keeps what they
        // refer to, so these cannot fail; a failure would only leave a record out.
        let check = |r: Result<(), Error>| debug_assert!(r.is_ok(), "{r:?}");
        for a in &net.agencies {
            check(part.add_agency(a.clone()));
        }
        for t in &net.teams {
            check(part.add_team(t.team.clone()));
        }
        for p in professionals {
            check(part.add_professional(net.professionals[p as usize].professional.clone()));
        }
        for p in persons {
            check(part.add_person(net.persons[p as usize].person.clone()));
        }
        for i in involvements {
            check(part.add_involvement(net.involvement_ref(i).to_record()));
        }
        for e in episodes {
            check(part.add_episode(net.episodes[e as usize].clone()));
        }
        for a in activities {
            check(part.add_activity(net.activities[a as usize].activity.clone()));
        }
        for r in relationships {
            check(part.add_relationship(net.relationships[r as usize].relationship.clone()));
        }
        let mut households: Vec<u32> = memberships
            .iter()
            .map(|&m| net.memberships[m as usize].household)
            .collect();
        households.sort_unstable();
        households.dedup();
        for h in households {
            check(part.add_household(net.households[h as usize].household.clone()));
        }
        for m in memberships {
            let m = &net.memberships[m as usize];
            check(part.add_household_member(
                &net.households[m.household as usize].household.key,
                &net.persons[m.person as usize].person.key,
                m.period,
            ));
        }
        part
    }

    fn gate(&self, person: &PersonKey) -> Gate {
        match self.net.person_idx(person) {
            None => Gate::Unknown,
            Some(i) => match self.access[i as usize] {
                Decision::Hidden => Gate::Hidden(i),
                Decision::ExistenceOnly => Gate::Existence(i),
                Decision::Full => Gate::Full(i),
            },
        }
    }

    /// How an existence-only viewer may contact a person's lead practitioner: the lead
    /// rule applied to the involvements the viewer would see if they were in the
    /// person's network.
    fn contact(&self, person: u32) -> ContactRoute {
        let net = self.net;
        let visible: Vec<InvolvementEdge> = net
            .active_involvements_of_person(person, self.as_of)
            .filter(|e| self.involvement_decision_as(Decision::Full, person, e) == Decision::Full)
            .copied()
            .collect();
        let (_, lead) = net.lead_rule(person, self.as_of, &visible);
        let mut leads = visible.iter().filter(|e| Some(e.category) == lead);
        let broker = || {
            self.policy
                .broker_contact
                .clone()
                .map_or(ContactRoute::Unavailable, |contact| ContactRoute::Broker {
                    contact,
                })
        };
        match (leads.next(), leads.next()) {
            (Some(e), None) => {
                let professional =
                    some(e.professional).map(|p| &net.professionals[p as usize].professional);
                ContactRoute::Lead {
                    role: e.category,
                    professional: professional.map(|p| p.key.clone()),
                    name: professional.and_then(|p| p.name.clone()),
                    phone: professional.and_then(|p| p.phone.clone()),
                    email: professional.and_then(|p| p.email.clone()),
                    team: some(e.team).map(|t| net.teams[t as usize].team.name.clone()),
                    agency: some(e.agency).map(|a| net.agencies[a as usize].name.clone()),
                }
            }
            _ => broker(),
        }
    }

    // ----- recording ------------------------------------------------------------------

    fn record(
        &self,
        action: Action,
        outcome: Outcome,
        mut disclosed: Vec<PersonKey>,
    ) -> AccessRecord {
        disclosed.sort();
        disclosed.dedup();
        let mut overrides: Vec<BreakGlass> = disclosed
            .iter()
            .filter_map(|k| self.net.person_idx(k))
            .filter_map(|i| self.overrides.get(&i).map(|g| (*g).clone()))
            .collect();
        overrides.sort_by(|a, b| a.child.cmp(&b.child).then(a.from.cmp(&b.from)));
        let mut alerts = Vec::new();
        if !overrides.is_empty() {
            alerts.push(AlertKind::BreakGlassUsed);
        }
        if outcome == Outcome::ExistenceOnly {
            alerts.push(AlertKind::OutsideNetwork);
        }
        AccessRecord {
            at: self.at,
            viewer: self.viewer.clone(),
            policy_version: self.policy.version.clone(),
            operation: action.operation(),
            action,
            as_of: self.as_of,
            outcome,
            disclosed,
            overrides,
            alerts,
        }
    }

    /// A read about one person: gate, then answer from the visible part.
    fn person_read<'s, T>(
        &'s self,
        person: &PersonKey,
        action: Action,
        answer: impl FnOnce(&'s Network) -> Result<T, Error>,
        subjects: impl FnOnce(&T) -> Vec<PersonKey>,
    ) -> Read<Viewed<T>> {
        match self.gate(person) {
            Gate::Unknown => Read {
                result: Err(Error::not_found(crate::EntityKind::Person, person)),
                record: self.record(action, Outcome::NotFound, Vec::new()),
            },
            Gate::Hidden(i) => {
                let mut record = self.record(action, Outcome::Denied, Vec::new());
                if self.net.persons[i as usize].person.shielded {
                    record.alerts.push(AlertKind::ShieldedRequested);
                }
                Read {
                    // Worded exactly as for an unknown key.
                    result: Err(Error::not_found(crate::EntityKind::Person, person)),
                    record,
                }
            }
            Gate::Existence(i) => Read {
                result: Ok(Viewed::ExistenceOnly(Known {
                    person: self.net.persons[i as usize].person.key.clone(),
                    contact: self.contact(i),
                })),
                record: self.record(action, Outcome::ExistenceOnly, vec![person.clone()]),
            },
            Gate::Full(i) => match answer(self.person_part(i)) {
                Ok(t) => {
                    let mut who = subjects(&t);
                    who.push(person.clone());
                    Read {
                        record: self.record(action, Outcome::Full, who),
                        result: Ok(Viewed::Full(t)),
                    }
                }
                Err(e) => Read {
                    result: Err(e),
                    record: self.record(action, Outcome::NotFound, Vec::new()),
                },
            },
        }
    }

    /// A read over many persons, answered from the visible part.
    fn open_read<'s, T>(
        &'s self,
        action: Action,
        answer: impl FnOnce(&'s Network) -> Result<T, Error>,
        subjects: impl FnOnce(&T) -> Vec<PersonKey>,
    ) -> Read<T> {
        match answer(self.part()) {
            Ok(t) => Read {
                record: self.record(action, Outcome::Full, subjects(&t)),
                result: Ok(t),
            },
            Err(e) => Read {
                result: Err(e),
                record: self.record(action, Outcome::NotFound, Vec::new()),
            },
        }
    }

    // ----- the queries ----------------------------------------------------------------

    /// [`Network::team_around`] for the viewer: the team as far as they may see it, or
    /// existence only, or `NotFound` for a hidden or unknown person.
    pub fn team_around(&self, person: &PersonKey) -> Read<Viewed<TeamAround<'_>>> {
        let as_of = self.as_of;
        self.person_read(
            person,
            Action::TeamAround {
                person: person.clone(),
            },
            |n| n.team_around(person, as_of),
            |_| Vec::new(),
        )
    }

    /// [`Network::family_network`] for the viewer: hidden relatives are left out, and a
    /// relative's team holds only what the viewer may see of it.
    pub fn family_network(&self, child: &PersonKey) -> Read<Viewed<FamilyNetwork<'_>>> {
        let as_of = self.as_of;
        self.person_read(
            child,
            Action::FamilyNetwork {
                person: child.clone(),
            },
            |n| n.family_network(child, as_of),
            |f| f.relatives.iter().map(|r| r.person.key.clone()).collect(),
        )
    }

    /// [`Network::timeline`] for the viewer.
    pub fn timeline(&self, person: &PersonKey) -> Read<Viewed<Vec<TimelineEntry<'_>>>> {
        self.person_read(
            person,
            Action::Timeline {
                person: person.clone(),
            },
            |n| n.timeline(person),
            |_| Vec::new(),
        )
    }

    /// [`Network::worked_with`] for the viewer: those who worked with the person through
    /// the involvements and activities the viewer may see.
    pub fn worked_with(&self, person: &PersonKey) -> Read<Viewed<Vec<WorkedWith<'_>>>> {
        self.person_read(
            person,
            Action::WorkedWith {
                person: person.clone(),
            },
            |n| n.worked_with(person),
            |_| Vec::new(),
        )
    }

    /// [`Network::worker_changes`] for the viewer, counted over the allocations they may
    /// see.
    pub fn worker_changes(
        &self,
        child: &PersonKey,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Read<Viewed<WorkerChanges<'_>>> {
        self.person_read(
            child,
            Action::WorkerChanges {
                person: child.clone(),
                from,
                to,
            },
            |n| n.worker_changes(child, from, to),
            |_| Vec::new(),
        )
    }

    /// [`Network::caseload`] for the viewer: the involvements of that professional the
    /// viewer may see.
    pub fn caseload(&self, professional: &ProfessionalKey) -> Read<Vec<CaseloadEntry<'_>>> {
        let as_of = self.as_of;
        self.open_read(
            Action::Caseload {
                professional: professional.clone(),
            },
            |n| n.caseload(professional, as_of),
            |c| c.iter().map(|e| e.person.key.clone()).collect(),
        )
    }

    /// [`Network::shared_children`] over what the viewer may see.
    pub fn shared_children(&self, a: &ProfessionalKey, b: &ProfessionalKey) -> Read<Vec<&Person>> {
        let as_of = self.as_of;
        self.open_read(
            Action::SharedChildren {
                a: a.clone(),
                b: b.clone(),
            },
            |n| n.shared_children(a, b, as_of),
            |c| c.iter().map(|p| p.key.clone()).collect(),
        )
    }

    /// [`Network::connection_path`] over what the viewer may see.
    pub fn connection_path(
        &self,
        a: &ProfessionalKey,
        b: &ProfessionalKey,
    ) -> Read<Option<ConnectionPath<'_>>> {
        let as_of = self.as_of;
        self.open_read(
            Action::ConnectionPath {
                a: a.clone(),
                b: b.clone(),
            },
            |n| n.connection_path(a, b, as_of),
            |c| {
                c.iter()
                    .flat_map(|p| p.children.iter().map(|c| c.key.clone()))
                    .collect()
            },
        )
    }

    /// [`Network::gaps`] among the persons the viewer sees in full, from what they see.
    pub fn gaps(&self) -> Read<Vec<Gap<'_>>> {
        let as_of = self.as_of;
        self.open_read(
            Action::Gaps,
            |n| Ok(n.gaps(as_of)),
            |g| g.iter().map(|g| g.person.key.clone()).collect(),
        )
    }

    /// [`Network::components`] among the persons the viewer may see.
    pub fn components(&self) -> Read<Vec<FamilyCluster<'_>>> {
        let as_of = self.as_of;
        self.open_read(
            Action::Components,
            |n| Ok(n.components(as_of)),
            |c| {
                c.iter()
                    .flat_map(|c| c.persons.iter().map(|p| p.key.clone()))
                    .collect()
            },
        )
    }

    /// [`Network::diff`] between what the viewer may see of `older` and of this network.
    /// Which persons the viewer sees is decided once, on this (the newer) network, and
    /// applied to both: a child they are no longer involved with shows no changes, even
    /// if the older network still had them involved. Involvements are decided on each
    /// network's own records under the same policy, grants and time.
    pub fn diff(&self, older: &Network) -> Read<Vec<ChangeEvent>> {
        let old_view = ViewedNetwork::with_access(
            older,
            self.viewer,
            self.policy,
            self.grants,
            self.at,
            Some(self),
        );
        let as_of = self.as_of;
        self.open_read(
            Action::Diff,
            |n| Ok(n.diff(old_view.part(), as_of)),
            |events| events.iter().filter_map(|e| e.person().cloned()).collect(),
        )
    }

    /// The persons with this NHS number, each in full or existence only; hidden persons
    /// are left out, so a search can never confirm that a shielded child is known.
    pub fn search_nhs_number(&self, nhs: &NhsNumber) -> Read<Vec<Viewed<&Person>>> {
        let mut hits = Vec::new();
        let mut shielded_hit = false;
        let mut existence_only = false;
        for person in self.net.persons_with_nhs_number(nhs) {
            match self.gate(&person.key) {
                Gate::Full(i) => {
                    if let Some(p) = self.person_part(i).person(&person.key) {
                        hits.push(Viewed::Full(p));
                    }
                }
                Gate::Existence(i) => {
                    existence_only = true;
                    hits.push(Viewed::ExistenceOnly(Known {
                        person: person.key.clone(),
                        contact: self.contact(i),
                    }));
                }
                Gate::Hidden(_) => shielded_hit |= person.shielded,
                Gate::Unknown => {}
            }
        }
        let disclosed = hits
            .iter()
            .map(|h| match h {
                Viewed::Full(p) => p.key.clone(),
                Viewed::ExistenceOnly(k) => k.person.clone(),
            })
            .collect();
        let outcome = if hits.is_empty() {
            Outcome::NotFound
        } else if existence_only {
            Outcome::ExistenceOnly
        } else {
            Outcome::Full
        };
        let mut record = self.record(Action::SearchNhsNumber, outcome, disclosed);
        if shielded_hit {
            record.alerts.push(AlertKind::ShieldedRequested);
        }
        Read {
            result: Ok(hits),
            record,
        }
    }

    /// Everything the viewer may see, as one snapshot (a disclosure in the audit trail).
    /// It never holds more than their queries can show them.
    pub fn export(&self) -> Read<ViewExport<'_>> {
        self.open_read(
            Action::Export,
            |n| {
                let households = n
                    .households
                    .iter()
                    .map(|h| {
                        let mut members: Vec<(&PersonKey, Period)> = h
                            .members
                            .iter()
                            .map(|&m| {
                                let m = &n.memberships[m as usize];
                                (&n.persons[m.person as usize].person.key, m.period)
                            })
                            .collect();
                        members.sort_by(|a, b| a.0.cmp(b.0));
                        HouseholdView {
                            household: &h.household,
                            members,
                        }
                    })
                    .collect();
                Ok(ViewExport {
                    policy_version: &self.policy.version,
                    persons: n.persons().collect(),
                    agencies: n.agencies().collect(),
                    teams: n.teams().collect(),
                    professionals: n.professionals().collect(),
                    involvements: n.involvements().collect(),
                    episodes: n.episodes().collect(),
                    activities: n.activities().collect(),
                    relationships: n.relationships().collect(),
                    households,
                })
            },
            |e| e.persons.iter().map(|p| p.key.clone()).collect(),
        )
    }
}
