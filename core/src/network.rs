//! The network: every record, the graph that links them, and the key indexes.
//!
//! Records live in typed arenas; a petgraph [`StableGraph`] holds the links between
//! persons, professionals, teams and households, with small node and edge weights that
//! point back into the arenas. Lookups go through key indexes, so petgraph's indices
//! (which `StableGraph` reuses after removals) never leave this crate.

use std::hash::{BuildHasher, Hash};

use chrono::NaiveDate;
use hashbrown::HashTable;
use petgraph::Directed;
use petgraph::stable_graph::{NodeIndex, StableGraph};
use rustc_hash::{FxBuildHasher, FxHashMap};

use crate::view::InvolvementRef;
use crate::{
    Activity, ActivityKey, Agency, AgencyKey, EndReason, EntityKind, Episode, EpisodeKey, Error,
    ExternalKey, Household, HouseholdKey, IdentityLink, Involvement, InvolvementKey, NhsNumber,
    Period, Person, PersonKey, Professional, ProfessionalKey, Relationship, RelationshipKey,
    RoleCategory, Sensitivity, Source, Team, TeamKey, Upn,
};

/// What a graph node stands for: an index into one of the arenas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeRef {
    Person(u32),
    Professional(u32),
    Team(u32),
    Household(u32),
}

/// What a graph edge stands for: an index into one of the arenas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EdgeRef {
    /// Professional or team -> person.
    Involvement(u32),
    /// Person `from` -> person `to`.
    Relationship(u32),
    /// Person -> household, index into `memberships`.
    Membership(u32),
}

#[derive(Debug, Clone)]
pub(crate) struct PersonSlot {
    pub(crate) person: Person,
    pub(crate) node: NodeIndex,
    pub(crate) episodes: Vec<u32>,
    pub(crate) activities: Vec<u32>,
    pub(crate) links: Vec<u32>,
}

#[derive(Debug, Clone)]
pub(crate) struct ProfessionalSlot {
    pub(crate) professional: Professional,
    pub(crate) node: NodeIndex,
    pub(crate) agency: Option<u32>,
    pub(crate) team: Option<u32>,
}

#[derive(Debug, Clone)]
pub(crate) struct TeamSlot {
    pub(crate) team: Team,
    pub(crate) node: NodeIndex,
    pub(crate) agency: Option<u32>,
}

/// Marks an absent index in the compact rows.
pub(crate) const NONE: u32 = u32::MAX;

/// `None` for [`NONE`], otherwise the index.
#[inline]
pub(crate) fn some(idx: u32) -> Option<u32> {
    (idx != NONE).then_some(idx)
}

/// An involvement as the network stores it: references resolved to arena indices and
/// repeated strings interned, 64 bytes a row (plus the key's shared text), so that a
/// large county's five million involvements fit in memory comfortably.
#[derive(Debug, Clone)]
pub(crate) struct InvolvementRow {
    pub(crate) key: InvolvementKey,
    pub(crate) source: Source,
    pub(crate) period: Period,
    pub(crate) person: u32,
    pub(crate) professional: u32,
    pub(crate) team: u32,
    pub(crate) role_code: u32,
    pub(crate) end_reason: u32,
    pub(crate) category: RoleCategory,
    pub(crate) sensitivity: Sensitivity,
}

impl InvolvementRow {
    #[inline]
    pub(crate) fn professional(&self) -> Option<u32> {
        some(self.professional)
    }

    #[inline]
    pub(crate) fn team(&self) -> Option<u32> {
        some(self.team)
    }
}

/// Distinct values stored once, referred to by index.
#[derive(Debug, Clone)]
pub(crate) struct Interner<T> {
    values: Vec<T>,
    ids: FxHashMap<T, u32>,
}

impl<T> Default for Interner<T> {
    fn default() -> Self {
        Self {
            values: Vec::new(),
            ids: FxHashMap::default(),
        }
    }
}

impl<T: Hash + Eq + Clone> Interner<T> {
    pub(crate) fn intern(&mut self, value: T) -> u32 {
        if let Some(&id) = self.ids.get(&value) {
            return id;
        }
        let id = arena_index(self.values.len());
        self.values.push(value.clone());
        self.ids.insert(value, id);
        id
    }

    pub(crate) fn get(&self, id: u32) -> &T {
        &self.values[id as usize]
    }
}

/// A key -> arena index map that keeps only the index (4 bytes a row) and finds keys
/// through the arena, instead of holding a second copy of every key.
#[derive(Debug, Clone, Default)]
struct RowIndex {
    table: HashTable<u32>,
}

impl RowIndex {
    fn with_capacity(n: usize) -> Self {
        Self {
            table: HashTable::with_capacity(n),
        }
    }

    fn hash(key: &ExternalKey) -> u64 {
        FxBuildHasher.hash_one(key.as_str())
    }

    fn find<'a>(&self, key: &ExternalKey, key_of: impl Fn(u32) -> &'a ExternalKey) -> Option<u32> {
        self.table
            .find(Self::hash(key), |&i| key_of(i) == key)
            .copied()
    }

    fn insert<'a>(&mut self, key: &ExternalKey, idx: u32, key_of: impl Fn(u32) -> &'a ExternalKey) {
        self.table
            .insert_unique(Self::hash(key), idx, |&i| Self::hash(key_of(i)));
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ActivitySlot {
    pub(crate) activity: Activity,
    pub(crate) professional: Option<u32>,
}

#[derive(Debug, Clone)]
pub(crate) struct RelationshipSlot {
    pub(crate) relationship: Relationship,
    pub(crate) from: u32,
    pub(crate) to: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct HouseholdSlot {
    pub(crate) household: Household,
    pub(crate) node: NodeIndex,
}

#[derive(Debug, Clone)]
pub(crate) struct Membership {
    pub(crate) person: u32,
    pub(crate) household: u32,
    pub(crate) period: Period,
}

/// Persons sharing one national identifier: normally one, more when the sources disagree.
#[derive(Debug, Clone)]
enum Holders {
    One(u32),
    Many(Vec<u32>),
}

impl Holders {
    fn push(&mut self, idx: u32) {
        match self {
            Self::One(first) => *self = Self::Many(vec![*first, idx]),
            Self::Many(v) => v.push(idx),
        }
    }

    fn as_slice(&self) -> &[u32] {
        match self {
            Self::One(i) => std::slice::from_ref(i),
            Self::Many(v) => v,
        }
    }
}

/// How many records of each kind to make room for; see [`Network::with_capacity`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Capacity {
    /// Persons.
    pub persons: usize,
    /// Professionals.
    pub professionals: usize,
    /// Involvements.
    pub involvements: usize,
}

/// The whole professional-support network.
///
/// Add records in dependency order (agencies, teams, professionals, persons, then
/// involvements, episodes, relationships and households); each `add_*` checks the record
/// and its references and leaves the network unchanged when it fails.
///
/// ```
/// use chrono::NaiveDate;
/// use patchwork_core::*;
///
/// let src = Source::system("lcs");
/// let mut net = Network::new();
/// net.add_person(Person::new(PersonKey::new("lcs", "C1"), PersonKind::Child, src.clone()))?;
/// net.add_professional(Professional::new(ProfessionalKey::new("lcs", "W1"), src.clone()))?;
/// net.add_involvement(Involvement {
///     key: InvolvementKey::new("lcs", "I1"),
///     person: PersonKey::new("lcs", "C1"),
///     professional: Some(ProfessionalKey::new("lcs", "W1")),
///     team: None,
///     role: Role::new("CW", RoleCategory::AllocatedSocialWorker),
///     period: Period::from(NaiveDate::from_ymd_opt(2025, 1, 6).unwrap()),
///     end_reason: None,
///     sensitivity: Sensitivity::Standard,
///     source: src,
/// })?;
/// assert_eq!(net.involvement_count(), 1);
/// // A second record with the same key is refused.
/// assert!(net.add_person(Person::new(PersonKey::new("lcs", "C1"), PersonKind::Adult, Source::system("lcs"))).is_err());
/// # Ok::<(), patchwork_core::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Network {
    pub(crate) graph: StableGraph<NodeRef, EdgeRef, Directed, u32>,
    pub(crate) persons: Vec<PersonSlot>,
    pub(crate) professionals: Vec<ProfessionalSlot>,
    pub(crate) agencies: Vec<Agency>,
    pub(crate) teams: Vec<TeamSlot>,
    pub(crate) involvements: Vec<InvolvementRow>,
    pub(crate) role_codes: Interner<String>,
    pub(crate) end_reasons: Interner<EndReason>,
    pub(crate) relationships: Vec<RelationshipSlot>,
    pub(crate) households: Vec<HouseholdSlot>,
    pub(crate) memberships: Vec<Membership>,
    pub(crate) episodes: Vec<Episode>,
    pub(crate) activities: Vec<ActivitySlot>,
    pub(crate) identity_links: Vec<IdentityLink>,
    person_index: RowIndex,
    professional_index: FxHashMap<ProfessionalKey, u32>,
    agency_index: FxHashMap<AgencyKey, u32>,
    team_index: FxHashMap<TeamKey, u32>,
    involvement_index: RowIndex,
    relationship_index: FxHashMap<RelationshipKey, u32>,
    household_index: FxHashMap<HouseholdKey, u32>,
    episode_index: FxHashMap<EpisodeKey, u32>,
    activity_index: FxHashMap<ActivityKey, u32>,
    nhs_index: FxHashMap<NhsNumber, Holders>,
    upn_index: FxHashMap<Upn, Holders>,
}

fn arena_index(len: usize) -> u32 {
    u32::try_from(len).expect("a network holds at most 2^32 records of one kind")
}

fn unknown(kind: EntityKind, key: &impl std::fmt::Display, referrer: String) -> Error {
    Error::UnknownReference {
        kind,
        key: key.to_string(),
        referrer,
    }
}

fn duplicate(kind: EntityKind, key: &impl std::fmt::Display) -> Error {
    Error::DuplicateKey {
        kind,
        key: key.to_string(),
    }
}

impl Network {
    /// An empty network.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty network with room reserved for the given numbers of records, which saves
    /// re-allocation when loading a large extract.
    pub fn with_capacity(capacity: Capacity) -> Self {
        let nodes = capacity.persons + capacity.professionals;
        let hasher = rustc_hash::FxBuildHasher;
        Self {
            graph: StableGraph::with_capacity(nodes, capacity.involvements),
            persons: Vec::with_capacity(capacity.persons),
            professionals: Vec::with_capacity(capacity.professionals),
            involvements: Vec::with_capacity(capacity.involvements),
            person_index: RowIndex::with_capacity(capacity.persons),
            professional_index: FxHashMap::with_capacity_and_hasher(capacity.professionals, hasher),
            involvement_index: RowIndex::with_capacity(capacity.involvements),
            ..Self::default()
        }
    }

    // ----- adding records -------------------------------------------------------------

    /// Adds an agency. Fails on a duplicate key.
    pub fn add_agency(&mut self, agency: Agency) -> Result<(), Error> {
        if self.agency_index.contains_key(&agency.key) {
            return Err(duplicate(EntityKind::Agency, &agency.key));
        }
        let idx = arena_index(self.agencies.len());
        self.agency_index.insert(agency.key.clone(), idx);
        self.agencies.push(agency);
        Ok(())
    }

    /// Adds a team. Its agency and parent team, if named, must already be in the network.
    pub fn add_team(&mut self, team: Team) -> Result<(), Error> {
        if self.team_index.contains_key(&team.key) {
            return Err(duplicate(EntityKind::Team, &team.key));
        }
        let referrer = || format!("team {}", team.key);
        let agency = match &team.agency {
            Some(k) => Some(
                self.agency_idx(k)
                    .ok_or_else(|| unknown(EntityKind::Agency, k, referrer()))?,
            ),
            None => None,
        };
        if let Some(parent) = &team.parent
            && !self.team_index.contains_key(parent)
        {
            return Err(unknown(EntityKind::Team, parent, referrer()));
        }
        let idx = arena_index(self.teams.len());
        let node = self.graph.add_node(NodeRef::Team(idx));
        self.team_index.insert(team.key.clone(), idx);
        self.teams.push(TeamSlot { team, node, agency });
        Ok(())
    }

    /// Adds a professional. Their agency and team, if named, must already be in the network.
    pub fn add_professional(&mut self, professional: Professional) -> Result<(), Error> {
        if self.professional_index.contains_key(&professional.key) {
            return Err(duplicate(EntityKind::Professional, &professional.key));
        }
        let (agency, team) = self.resolve_professional(&professional)?;
        let idx = arena_index(self.professionals.len());
        let node = self.graph.add_node(NodeRef::Professional(idx));
        self.professional_index
            .insert(professional.key.clone(), idx);
        self.professionals.push(ProfessionalSlot {
            professional,
            node,
            agency,
            team,
        });
        Ok(())
    }

    fn resolve_professional(
        &self,
        professional: &Professional,
    ) -> Result<(Option<u32>, Option<u32>), Error> {
        professional.active.validate()?;
        let referrer = || format!("professional {}", professional.key);
        let agency = match &professional.agency {
            Some(k) => Some(
                self.agency_idx(k)
                    .ok_or_else(|| unknown(EntityKind::Agency, k, referrer()))?,
            ),
            None => None,
        };
        let team = match &professional.team {
            Some(k) => Some(
                self.team_idx(k)
                    .ok_or_else(|| unknown(EntityKind::Team, k, referrer()))?,
            ),
            None => None,
        };
        Ok((agency, team))
    }

    /// Replaces a professional's details (name, team, contact, active period...), keeping
    /// their involvements. The professional must already be in the network.
    pub fn update_professional(&mut self, professional: Professional) -> Result<(), Error> {
        let idx = self
            .professional_idx(&professional.key)
            .ok_or_else(|| Error::not_found(EntityKind::Professional, &professional.key))?;
        let (agency, team) = self.resolve_professional(&professional)?;
        let slot = &mut self.professionals[idx as usize];
        slot.professional = professional;
        slot.agency = agency;
        slot.team = team;
        Ok(())
    }

    /// Adds a person. Fails on a duplicate key or a date of death before the date of birth.
    pub fn add_person(&mut self, person: Person) -> Result<(), Error> {
        if self.person_idx(&person.key).is_some() {
            return Err(duplicate(EntityKind::Person, &person.key));
        }
        person.validate()?;
        let idx = arena_index(self.persons.len());
        let node = self.graph.add_node(NodeRef::Person(idx));
        let persons = &self.persons;
        self.person_index
            .insert(&person.key.0, idx, |i| &persons[i as usize].person.key.0);
        if let Some(nhs) = person.nhs_number {
            Self::index_holder(&mut self.nhs_index, nhs, idx);
        }
        for upn in [person.upn, person.former_upn].into_iter().flatten() {
            Self::index_holder(&mut self.upn_index, upn, idx);
        }
        self.persons.push(PersonSlot {
            person,
            node,
            episodes: Vec::new(),
            activities: Vec::new(),
            links: Vec::new(),
        });
        Ok(())
    }

    fn index_holder<K: std::hash::Hash + Eq>(index: &mut FxHashMap<K, Holders>, key: K, idx: u32) {
        index
            .entry(key)
            .and_modify(|h| {
                if !h.as_slice().contains(&idx) {
                    h.push(idx);
                }
            })
            .or_insert(Holders::One(idx));
    }

    /// Adds an involvement. The person must be in the network, and so must the
    /// professional and team it names; it must name at least one of the two.
    pub fn add_involvement(&mut self, involvement: Involvement) -> Result<(), Error> {
        if self.involvement_idx(&involvement.key).is_some() {
            return Err(duplicate(EntityKind::Involvement, &involvement.key));
        }
        involvement.period.validate()?;
        let referrer = || format!("involvement {}", involvement.key);
        let person = self
            .person_idx(&involvement.person)
            .ok_or_else(|| unknown(EntityKind::Person, &involvement.person, referrer()))?;
        let professional = match &involvement.professional {
            Some(k) => Some(
                self.professional_idx(k)
                    .ok_or_else(|| unknown(EntityKind::Professional, k, referrer()))?,
            ),
            None => None,
        };
        let team = match &involvement.team {
            Some(k) => Some(
                self.team_idx(k)
                    .ok_or_else(|| unknown(EntityKind::Team, k, referrer()))?,
            ),
            None => None,
        };
        let from = match (professional, team) {
            (Some(p), _) => self.professionals[p as usize].node,
            (None, Some(t)) => self.teams[t as usize].node,
            (None, None) => {
                return Err(Error::NoParticipant {
                    record: format!("involvement {}", involvement.key),
                });
            }
        };
        let idx = arena_index(self.involvements.len());
        self.graph.add_edge(
            from,
            self.persons[person as usize].node,
            EdgeRef::Involvement(idx),
        );
        let Involvement {
            key,
            role,
            period,
            end_reason,
            sensitivity,
            source,
            ..
        } = involvement;
        let row = InvolvementRow {
            role_code: self.role_codes.intern(role.code),
            end_reason: end_reason.map_or(NONE, |r| self.end_reasons.intern(r)),
            key,
            source,
            period,
            person,
            professional: professional.unwrap_or(NONE),
            team: team.unwrap_or(NONE),
            category: role.category,
            sensitivity,
        };
        let rows = &self.involvements;
        self.involvement_index
            .insert(&row.key.0, idx, |i| &rows[i as usize].key.0);
        self.involvements.push(row);
        Ok(())
    }

    /// Ends an open involvement (or corrects the end of an ended one) as of `end`, with a
    /// reason. Fails if the involvement is unknown or `end` is before its start.
    pub fn end_involvement(
        &mut self,
        key: &InvolvementKey,
        end: NaiveDate,
        reason: Option<EndReason>,
    ) -> Result<(), Error> {
        let idx = self
            .involvement_idx(key)
            .ok_or_else(|| Error::not_found(EntityKind::Involvement, key))?;
        let period = Period::new(self.involvements[idx as usize].period.start, Some(end))?;
        let reason = reason.map_or(NONE, |r| self.end_reasons.intern(r));
        let row = &mut self.involvements[idx as usize];
        row.period = period;
        row.end_reason = reason;
        Ok(())
    }

    /// Adds an episode for a person already in the network.
    pub fn add_episode(&mut self, episode: Episode) -> Result<(), Error> {
        if self.episode_index.contains_key(&episode.key) {
            return Err(duplicate(EntityKind::Episode, &episode.key));
        }
        episode.period.validate()?;
        let person = self.person_idx(&episode.person).ok_or_else(|| {
            unknown(
                EntityKind::Person,
                &episode.person,
                format!("episode {}", episode.key),
            )
        })?;
        let idx = arena_index(self.episodes.len());
        self.episode_index.insert(episode.key.clone(), idx);
        let mut episode = episode;
        episode.person = self.persons[person as usize].person.key.clone();
        self.episodes.push(episode);
        self.persons[person as usize].episodes.push(idx);
        Ok(())
    }

    /// Ends an episode (or corrects its end) as of `end`. Fails if the episode is unknown or
    /// `end` is before its start.
    pub fn end_episode(&mut self, key: &EpisodeKey, end: NaiveDate) -> Result<(), Error> {
        let idx = *self
            .episode_index
            .get(key)
            .ok_or_else(|| Error::not_found(EntityKind::Episode, key))?;
        let episode = &mut self.episodes[idx as usize];
        episode.period = Period::new(episode.period.start, Some(end))?;
        Ok(())
    }

    /// Adds an activity (a dated piece of work with a child). The person, and the
    /// professional and team it names, must be in the network; it must name at least one
    /// of the two.
    pub fn add_activity(&mut self, activity: Activity) -> Result<(), Error> {
        if self.activity_index.contains_key(&activity.key) {
            return Err(duplicate(EntityKind::Activity, &activity.key));
        }
        activity.period.validate()?;
        let referrer = || format!("activity {}", activity.key);
        let person = self
            .person_idx(&activity.person)
            .ok_or_else(|| unknown(EntityKind::Person, &activity.person, referrer()))?;
        let professional = match &activity.professional {
            Some(k) => Some(
                self.professional_idx(k)
                    .ok_or_else(|| unknown(EntityKind::Professional, k, referrer()))?,
            ),
            None => None,
        };
        if let Some(k) = &activity.team
            && self.team_idx(k).is_none()
        {
            return Err(unknown(EntityKind::Team, k, referrer()));
        }
        if professional.is_none() && activity.team.is_none() {
            return Err(Error::NoParticipant { record: referrer() });
        }
        let idx = arena_index(self.activities.len());
        self.activity_index.insert(activity.key.clone(), idx);
        let mut activity = activity;
        activity.person = self.persons[person as usize].person.key.clone();
        self.activities.push(ActivitySlot {
            activity,
            professional,
        });
        self.persons[person as usize].activities.push(idx);
        Ok(())
    }

    /// Records that a partner agency's record was matched to a person already in the
    /// network. Links are kept as they are given; the same record may be linked more than
    /// once (by different feeds or on different evidence).
    pub fn add_identity_link(&mut self, link: IdentityLink) -> Result<(), Error> {
        let person = self.person_idx(&link.person).ok_or_else(|| {
            unknown(
                EntityKind::Person,
                &link.person,
                format!("identity link for {}", link.record),
            )
        })?;
        let idx = arena_index(self.identity_links.len());
        let mut link = link;
        link.person = self.persons[person as usize].person.key.clone();
        self.identity_links.push(link);
        self.persons[person as usize].links.push(idx);
        Ok(())
    }

    /// Adds a relationship between two persons already in the network.
    pub fn add_relationship(&mut self, relationship: Relationship) -> Result<(), Error> {
        if self.relationship_index.contains_key(&relationship.key) {
            return Err(duplicate(EntityKind::Relationship, &relationship.key));
        }
        relationship.period.validate()?;
        let referrer = || format!("relationship {}", relationship.key);
        let from = self
            .person_idx(&relationship.from)
            .ok_or_else(|| unknown(EntityKind::Person, &relationship.from, referrer()))?;
        let to = self
            .person_idx(&relationship.to)
            .ok_or_else(|| unknown(EntityKind::Person, &relationship.to, referrer()))?;
        if from == to {
            return Err(Error::SelfRelationship {
                relationship: relationship.key.to_string(),
                person: relationship.from.to_string(),
            });
        }
        let idx = arena_index(self.relationships.len());
        self.graph.add_edge(
            self.persons[from as usize].node,
            self.persons[to as usize].node,
            EdgeRef::Relationship(idx),
        );
        // Share the persons' own keys rather than keep a second copy.
        let mut relationship = relationship;
        relationship.from = self.persons[from as usize].person.key.clone();
        relationship.to = self.persons[to as usize].person.key.clone();
        self.relationship_index
            .insert(relationship.key.clone(), idx);
        self.relationships.push(RelationshipSlot {
            relationship,
            from,
            to,
        });
        Ok(())
    }

    /// Adds a household (family group). Members are added with
    /// [`add_household_member`](Self::add_household_member).
    pub fn add_household(&mut self, household: Household) -> Result<(), Error> {
        if self.household_index.contains_key(&household.key) {
            return Err(duplicate(EntityKind::Household, &household.key));
        }
        let idx = arena_index(self.households.len());
        let node = self.graph.add_node(NodeRef::Household(idx));
        self.household_index.insert(household.key.clone(), idx);
        self.households.push(HouseholdSlot { household, node });
        Ok(())
    }

    /// Records that a person belongs to a household during `period` (use
    /// [`Period::always`] when the source gives no dates, as `ssd_family` does).
    pub fn add_household_member(
        &mut self,
        household: &HouseholdKey,
        person: &PersonKey,
        period: Period,
    ) -> Result<(), Error> {
        period.validate()?;
        let referrer = || format!("household {household}");
        let h = self
            .household_idx(household)
            .ok_or_else(|| Error::not_found(EntityKind::Household, household))?;
        let p = self
            .person_idx(person)
            .ok_or_else(|| unknown(EntityKind::Person, person, referrer()))?;
        let idx = arena_index(self.memberships.len());
        self.graph.add_edge(
            self.persons[p as usize].node,
            self.households[h as usize].node,
            EdgeRef::Membership(idx),
        );
        self.memberships.push(Membership {
            person: p,
            household: h,
            period,
        });
        Ok(())
    }

    // ----- lookups --------------------------------------------------------------------

    pub(crate) fn person_idx(&self, key: &PersonKey) -> Option<u32> {
        self.person_index
            .find(&key.0, |i| &self.persons[i as usize].person.key.0)
    }
    pub(crate) fn professional_idx(&self, key: &ProfessionalKey) -> Option<u32> {
        self.professional_index.get(key).copied()
    }
    pub(crate) fn agency_idx(&self, key: &AgencyKey) -> Option<u32> {
        self.agency_index.get(key).copied()
    }
    pub(crate) fn team_idx(&self, key: &TeamKey) -> Option<u32> {
        self.team_index.get(key).copied()
    }
    pub(crate) fn involvement_idx(&self, key: &InvolvementKey) -> Option<u32> {
        self.involvement_index
            .find(&key.0, |i| &self.involvements[i as usize].key.0)
    }
    pub(crate) fn household_idx(&self, key: &HouseholdKey) -> Option<u32> {
        self.household_index.get(key).copied()
    }

    /// The arena index of a person, or a `NotFound` error naming the key.
    pub(crate) fn require_person(&self, key: &PersonKey) -> Result<u32, Error> {
        self.person_idx(key)
            .ok_or_else(|| Error::not_found(EntityKind::Person, key))
    }

    /// The arena index of a professional, or a `NotFound` error naming the key.
    pub(crate) fn require_professional(&self, key: &ProfessionalKey) -> Result<u32, Error> {
        self.professional_idx(key)
            .ok_or_else(|| Error::not_found(EntityKind::Professional, key))
    }

    /// The person with this key.
    pub fn person(&self, key: &PersonKey) -> Option<&Person> {
        self.person_idx(key)
            .map(|i| &self.persons[i as usize].person)
    }

    /// The professional with this key.
    pub fn professional(&self, key: &ProfessionalKey) -> Option<&Professional> {
        self.professional_idx(key)
            .map(|i| &self.professionals[i as usize].professional)
    }

    /// The agency with this key.
    pub fn agency(&self, key: &AgencyKey) -> Option<&Agency> {
        self.agency_idx(key).map(|i| &self.agencies[i as usize])
    }

    /// The team with this key.
    pub fn team(&self, key: &TeamKey) -> Option<&Team> {
        self.team_idx(key).map(|i| &self.teams[i as usize].team)
    }

    /// The involvement with this key.
    pub fn involvement(&self, key: &InvolvementKey) -> Option<InvolvementRef<'_>> {
        self.involvement_idx(key).map(|i| self.involvement_ref(i))
    }

    /// A view of the involvement at an arena index.
    #[inline]
    pub(crate) fn involvement_ref(&self, idx: u32) -> InvolvementRef<'_> {
        InvolvementRef::new(self, &self.involvements[idx as usize])
    }

    /// The relationship with this key.
    pub fn relationship(&self, key: &RelationshipKey) -> Option<&Relationship> {
        self.relationship_index
            .get(key)
            .map(|&i| &self.relationships[i as usize].relationship)
    }

    /// The household with this key.
    pub fn household(&self, key: &HouseholdKey) -> Option<&Household> {
        self.household_idx(key)
            .map(|i| &self.households[i as usize].household)
    }

    /// The episode with this key.
    pub fn episode(&self, key: &EpisodeKey) -> Option<&Episode> {
        self.episode_index
            .get(key)
            .map(|&i| &self.episodes[i as usize])
    }

    /// Persons recorded with this NHS number: normally one; more than one means the sources
    /// hold duplicate records that need resolving, which Patchwork never merges silently.
    pub fn persons_with_nhs_number(&self, nhs: &NhsNumber) -> Vec<&Person> {
        self.holders(self.nhs_index.get(nhs))
    }

    /// Persons recorded with this UPN, as current or former UPN.
    pub fn persons_with_upn(&self, upn: &Upn) -> Vec<&Person> {
        self.holders(self.upn_index.get(upn))
    }

    fn holders(&self, holders: Option<&Holders>) -> Vec<&Person> {
        holders.map_or_else(Vec::new, |h| {
            h.as_slice()
                .iter()
                .map(|&i| &self.persons[i as usize].person)
                .collect()
        })
    }

    /// The episodes of a person, in the order they were added.
    pub fn episodes_of(&self, person: &PersonKey) -> Result<Vec<&Episode>, Error> {
        let idx = self.require_person(person)?;
        Ok(self.persons[idx as usize]
            .episodes
            .iter()
            .map(|&e| &self.episodes[e as usize])
            .collect())
    }

    /// The activity with this key.
    pub fn activity(&self, key: &ActivityKey) -> Option<&Activity> {
        self.activity_index
            .get(key)
            .map(|&i| &self.activities[i as usize].activity)
    }

    /// The activities recorded for a person, in the order they were added.
    pub fn activities_of(&self, person: &PersonKey) -> Result<Vec<&Activity>, Error> {
        let idx = self.require_person(person)?;
        Ok(self.persons[idx as usize]
            .activities
            .iter()
            .map(|&a| &self.activities[a as usize].activity)
            .collect())
    }

    /// The identity links recorded for a person, in the order they were added.
    pub fn identity_links_of(&self, person: &PersonKey) -> Result<Vec<&IdentityLink>, Error> {
        let idx = self.require_person(person)?;
        Ok(self.persons[idx as usize]
            .links
            .iter()
            .map(|&l| &self.identity_links[l as usize])
            .collect())
    }

    /// The household members recorded for a household, with their membership periods.
    pub fn household_members(
        &self,
        household: &HouseholdKey,
    ) -> Result<Vec<(&Person, Period)>, Error> {
        let h = self
            .household_idx(household)
            .ok_or_else(|| Error::not_found(EntityKind::Household, household))?;
        let node = self.households[h as usize].node;
        let mut members: Vec<(&Person, Period)> = self
            .graph
            .edges_directed(node, petgraph::Direction::Incoming)
            .filter_map(|e| match *e.weight() {
                EdgeRef::Membership(m) => {
                    let m = &self.memberships[m as usize];
                    Some((&self.persons[m.person as usize].person, m.period))
                }
                _ => None,
            })
            .collect();
        members.sort_by(|a, b| a.0.key.cmp(&b.0.key));
        Ok(members)
    }

    /// Every person, in the order they were added.
    pub fn persons(&self) -> impl ExactSizeIterator<Item = &Person> {
        self.persons.iter().map(|s| &s.person)
    }

    /// Every professional, in the order they were added.
    pub fn professionals(&self) -> impl ExactSizeIterator<Item = &Professional> {
        self.professionals.iter().map(|s| &s.professional)
    }

    /// Every agency, in the order they were added.
    pub fn agencies(&self) -> impl ExactSizeIterator<Item = &Agency> {
        self.agencies.iter()
    }

    /// Every team, in the order they were added.
    pub fn teams(&self) -> impl ExactSizeIterator<Item = &Team> {
        self.teams.iter().map(|s| &s.team)
    }

    /// Every involvement, in the order they were added.
    pub fn involvements(&self) -> impl ExactSizeIterator<Item = InvolvementRef<'_>> {
        self.involvements
            .iter()
            .map(|row| InvolvementRef::new(self, row))
    }

    /// Every relationship, in the order they were added.
    pub fn relationships(&self) -> impl ExactSizeIterator<Item = &Relationship> {
        self.relationships.iter().map(|s| &s.relationship)
    }

    /// Every household, in the order they were added.
    pub fn households(&self) -> impl ExactSizeIterator<Item = &Household> {
        self.households.iter().map(|s| &s.household)
    }

    /// Every episode, in the order they were added.
    pub fn episodes(&self) -> impl ExactSizeIterator<Item = &Episode> {
        self.episodes.iter()
    }

    /// Every activity, in the order they were added.
    pub fn activities(&self) -> impl ExactSizeIterator<Item = &Activity> {
        self.activities.iter().map(|s| &s.activity)
    }

    /// Every identity link, in the order they were added.
    pub fn identity_links(&self) -> impl ExactSizeIterator<Item = &IdentityLink> {
        self.identity_links.iter()
    }

    /// Number of persons.
    pub fn person_count(&self) -> usize {
        self.persons.len()
    }

    /// Number of professionals.
    pub fn professional_count(&self) -> usize {
        self.professionals.len()
    }

    /// Number of involvements, active or ended.
    pub fn involvement_count(&self) -> usize {
        self.involvements.len()
    }

    // ----- helpers shared by the queries ----------------------------------------------

    /// Indices of the involvements received by a person, in graph order.
    pub(crate) fn involvements_of_person(&self, person: u32) -> impl Iterator<Item = u32> + '_ {
        self.graph
            .edges_directed(
                self.persons[person as usize].node,
                petgraph::Direction::Incoming,
            )
            .filter_map(|e| match *e.weight() {
                EdgeRef::Involvement(i) => Some(i),
                _ => None,
            })
    }

    /// Indices of the involvements held by a professional, in graph order.
    pub(crate) fn involvements_of_professional(
        &self,
        professional: u32,
    ) -> impl Iterator<Item = u32> + '_ {
        self.graph
            .edges_directed(
                self.professionals[professional as usize].node,
                petgraph::Direction::Outgoing,
            )
            .filter_map(|e| match *e.weight() {
                EdgeRef::Involvement(i) => Some(i),
                _ => None,
            })
    }

    /// The team an involvement is held in: its own team, else the professional's team.
    pub(crate) fn involvement_team(&self, row: &InvolvementRow) -> Option<u32> {
        row.team().or_else(|| {
            row.professional()
                .and_then(|p| self.professionals[p as usize].team)
        })
    }

    /// The agency of an involvement: its team's agency, else the professional's agency.
    pub(crate) fn involvement_agency(&self, row: &InvolvementRow) -> Option<u32> {
        self.involvement_team(row)
            .and_then(|t| self.teams[t as usize].agency)
            .or_else(|| {
                row.professional()
                    .and_then(|p| self.professionals[p as usize].agency)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The memory budget of a large county (5M involvements in well under 1 GB) rests on
    /// these sizes; a field added carelessly shows up here first.
    #[test]
    fn stored_rows_stay_compact() {
        assert!(std::mem::size_of::<InvolvementRow>() <= 64);
        assert_eq!(std::mem::size_of::<Source>(), 16);
        assert_eq!(std::mem::size_of::<InvolvementKey>(), 16);
        assert_eq!(std::mem::size_of::<Period>(), 8);
    }
}
