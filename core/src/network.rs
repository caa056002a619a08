//! The network: every record, the adjacency that links them, and the key indexes.
//!
//! Records live in typed arenas. Each person keeps its involvements side by side in one
//! small array of [`InvolvementEdge`]s holding everything the team-around-the-child query
//! needs (period, role category, professional, team, agency), so that answering it touches
//! a handful of cache lines. This replaced a petgraph `StableGraph` whose linked edge lists
//! made the same query three to four times slower on a large county (figures in the
//! README). Lookups go through key indexes; arena indices never leave this crate.

use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

use chrono::NaiveDate;
use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap};

use crate::view::InvolvementRef;
use crate::{
    Activity, ActivityKey, Agency, AgencyKey, EndReason, EntityKind, Episode, EpisodeKey, Error,
    ExternalKey, Household, HouseholdKey, IdentityLink, Involvement, InvolvementKey, NhsNumber,
    Period, Person, PersonKey, Professional, ProfessionalKey, Relationship, RelationshipKey,
    RoleCategory, Sensitivity, Source, Team, TeamKey, Upn,
};

/// A person's link to something other than an involvement, kept in one list per person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PersonLinkRef {
    /// An episode of the person.
    Episode(u32),
    /// An activity with the person.
    Activity(u32),
    /// An identity link to the person.
    IdentityLink(u32),
    /// A relationship from or to the person.
    Relationship(u32),
    /// A household membership of the person.
    Membership(u32),
}

/// One involvement as its person sees it: the fields `team_around` needs, side by side.
/// `team` and `agency` are the effective ones (the involvement's own team, else the
/// professional's; that team's agency, else the professional's).
#[derive(Debug, Clone, Copy)]
pub(crate) struct InvolvementEdge {
    pub(crate) involvement: u32,
    pub(crate) professional: u32,
    pub(crate) team: u32,
    pub(crate) agency: u32,
    pub(crate) period: Period,
    pub(crate) category: RoleCategory,
}

/// What the hot queries read for one person.
#[derive(Debug, Clone, Default)]
pub(crate) struct PersonAdjacency {
    /// The person's involvements, in the order they were added.
    pub(crate) involvements: Vec<InvolvementEdge>,
    /// Open or closed CIN, CP and CLA episodes: (episode index, period).
    pub(crate) statutory: Vec<(u32, Period)>,
}

#[derive(Debug, Clone)]
pub(crate) struct PersonSlot {
    pub(crate) person: Person,
    /// Episodes, activities, identity links, relationships and memberships, in the order
    /// they were added.
    pub(crate) links: Vec<PersonLinkRef>,
}

impl PersonSlot {
    pub(crate) fn episodes(&self) -> impl Iterator<Item = u32> + '_ {
        self.links.iter().filter_map(|l| match l {
            PersonLinkRef::Episode(e) => Some(*e),
            _ => None,
        })
    }
    pub(crate) fn activities(&self) -> impl Iterator<Item = u32> + '_ {
        self.links.iter().filter_map(|l| match l {
            PersonLinkRef::Activity(a) => Some(*a),
            _ => None,
        })
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ProfessionalSlot {
    pub(crate) professional: Professional,
    pub(crate) agency: Option<u32>,
    pub(crate) team: Option<u32>,
    /// The professional's involvements, in the order they were added.
    pub(crate) involvements: Vec<u32>,
}

#[derive(Debug, Clone)]
pub(crate) struct TeamSlot {
    pub(crate) team: Team,
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
    /// Memberships, in the order they were added.
    pub(crate) members: Vec<u32>,
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

    /// Removes `idx`; false when none is left.
    fn remove(&mut self, idx: u32) -> bool {
        match self {
            Self::One(i) => *i != idx,
            Self::Many(v) => {
                v.retain(|&i| i != idx);
                !v.is_empty()
            }
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
    pub(crate) persons: Vec<PersonSlot>,
    pub(crate) adjacency: Vec<PersonAdjacency>,
    pub(crate) professionals: Vec<ProfessionalSlot>,
    pub(crate) agencies: Vec<Agency>,
    pub(crate) teams: Vec<TeamSlot>,
    pub(crate) involvements: Vec<InvolvementRow>,
    pub(crate) role_codes: Interner<Arc<str>>,
    pub(crate) end_reasons: Interner<EndReason>,
    pub(crate) relationships: Vec<RelationshipSlot>,
    pub(crate) households: Vec<HouseholdSlot>,
    pub(crate) memberships: Vec<Membership>,
    pub(crate) episodes: Vec<Episode>,
    pub(crate) activities: Vec<ActivitySlot>,
    pub(crate) identity_links: Vec<IdentityLink>,
    person_index: RowIndex,
    /// Every person's key, densely, for the index to compare against: a large county's
    /// keys fit in the processor's cache where the person records do not.
    person_keys: Vec<PersonKey>,
    /// The person most recently referred to by an added record: extracts often list a
    /// person's records together, and this saves looking the key up again.
    recent_person: Option<u32>,
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
        let hasher = rustc_hash::FxBuildHasher;
        Self {
            persons: Vec::with_capacity(capacity.persons),
            adjacency: Vec::with_capacity(capacity.persons),
            professionals: Vec::with_capacity(capacity.professionals),
            involvements: Vec::with_capacity(capacity.involvements),
            person_index: RowIndex::with_capacity(capacity.persons),
            person_keys: Vec::with_capacity(capacity.persons),
            nhs_index: FxHashMap::with_capacity_and_hasher(capacity.persons, hasher),
            upn_index: FxHashMap::with_capacity_and_hasher(capacity.persons, hasher),
            professional_index: FxHashMap::with_capacity_and_hasher(capacity.professionals, hasher),
            involvement_index: RowIndex::with_capacity(capacity.involvements),
            ..Self::default()
        }
    }

    /// Makes room for `additional` more records of each kind, so that loading a large
    /// extract does not re-allocate and re-hash as it goes.
    pub fn reserve(&mut self, additional: Capacity) {
        let keys = &self.person_keys;
        self.person_index
            .table
            .reserve(additional.persons, |&i| RowIndex::hash(&keys[i as usize].0));
        self.person_keys.reserve(additional.persons);
        self.persons.reserve(additional.persons);
        self.adjacency.reserve(additional.persons);
        self.professionals.reserve(additional.professionals);
        self.professional_index.reserve(additional.professionals);
        let rows = &self.involvements;
        self.involvement_index
            .table
            .reserve(additional.involvements, |&i| {
                RowIndex::hash(&rows[i as usize].key.0)
            });
        self.involvements.reserve(additional.involvements);
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
        self.team_index.insert(team.key.clone(), idx);
        self.teams.push(TeamSlot { team, agency });
        Ok(())
    }

    /// Adds a professional. Their agency and team, if named, must already be in the network.
    pub fn add_professional(&mut self, professional: Professional) -> Result<(), Error> {
        if self.professional_index.contains_key(&professional.key) {
            return Err(duplicate(EntityKind::Professional, &professional.key));
        }
        let (agency, team) = self.resolve_professional(&professional)?;
        let idx = arena_index(self.professionals.len());
        self.professional_index
            .insert(professional.key.clone(), idx);
        self.professionals.push(ProfessionalSlot {
            professional,
            agency,
            team,
            involvements: Vec::new(),
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
        // Their involvements may now be held in another team or agency.
        for i in self.professionals[idx as usize].involvements.clone() {
            let row = &self.involvements[i as usize];
            let (team, agency) = self.effective_team_agency(row.team(), Some(idx));
            let person = row.person;
            let edge = self.edge_mut(person, i);
            edge.team = team;
            edge.agency = agency;
        }
        Ok(())
    }

    /// The team an involvement is held in (its own, else the professional's) and that
    /// team's agency (else the professional's), as [`NONE`] when unknown.
    fn effective_team_agency(
        &self,
        own_team: Option<u32>,
        professional: Option<u32>,
    ) -> (u32, u32) {
        let prof = professional.map(|p| &self.professionals[p as usize]);
        let team = own_team.or_else(|| prof.and_then(|p| p.team));
        let agency = team
            .and_then(|t| self.teams[t as usize].agency)
            .or_else(|| prof.and_then(|p| p.agency));
        (team.unwrap_or(NONE), agency.unwrap_or(NONE))
    }

    /// The edge of involvement `involvement` in its person's adjacency.
    fn edge_mut(&mut self, person: u32, involvement: u32) -> &mut InvolvementEdge {
        self.adjacency[person as usize]
            .involvements
            .iter_mut()
            .find(|e| e.involvement == involvement)
            .expect("every involvement has an edge at its person")
    }

    /// Adds a person. Fails on a duplicate key or a date of death before the date of birth.
    pub fn add_person(&mut self, person: Person) -> Result<(), Error> {
        if self.person_idx(&person.key).is_some() {
            return Err(duplicate(EntityKind::Person, &person.key));
        }
        person.validate()?;
        let idx = arena_index(self.persons.len());
        let keys = &self.person_keys;
        self.person_index
            .insert(&person.key.0, idx, |i| &keys[i as usize].0);
        self.person_keys.push(person.key.clone());
        if let Some(nhs) = person.nhs_number {
            Self::index_holder(&mut self.nhs_index, nhs, idx);
        }
        for upn in [person.upn, person.former_upn].into_iter().flatten() {
            Self::index_holder(&mut self.upn_index, upn, idx);
        }
        self.persons.push(PersonSlot {
            person,
            links: Vec::new(),
        });
        self.adjacency.push(PersonAdjacency::default());
        Ok(())
    }

    /// Replaces a person's record with `person` (found by its key): the identifiers a
    /// person is found by (NHS number, UPNs) follow the new record. Their involvements,
    /// episodes and other records stay. Fails when the person is unknown or the new
    /// record is invalid (a date of death before the date of birth), leaving the network
    /// unchanged.
    ///
    /// ```
    /// use patchwork_core::*;
    ///
    /// let mut net = Network::new();
    /// let key = PersonKey::new("lcs", "C1");
    /// net.add_person(Person::new(key.clone(), PersonKind::Child, Source::system("lcs")))?;
    /// let nhs: NhsNumber = "943 476 5919".parse()?;
    /// let mut updated = net.person(&key).unwrap().clone();
    /// updated.nhs_number = Some(nhs);
    /// net.update_person(updated)?;
    /// assert_eq!(net.persons_with_nhs_number(&nhs).len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn update_person(&mut self, person: Person) -> Result<(), Error> {
        let idx = self
            .person_idx(&person.key)
            .ok_or_else(|| Error::not_found(EntityKind::Person, &person.key))?;
        person.validate()?;
        let old = &self.persons[idx as usize].person;
        if let Some(nhs) = old.nhs_number
            && let Some(h) = self.nhs_index.get_mut(&nhs)
            && !h.remove(idx)
        {
            self.nhs_index.remove(&nhs);
        }
        for upn in [old.upn, old.former_upn].into_iter().flatten() {
            if let Some(h) = self.upn_index.get_mut(&upn)
                && !h.remove(idx)
            {
                self.upn_index.remove(&upn);
            }
        }
        if let Some(nhs) = person.nhs_number {
            Self::index_holder(&mut self.nhs_index, nhs, idx);
        }
        for upn in [person.upn, person.former_upn].into_iter().flatten() {
            Self::index_holder(&mut self.upn_index, upn, idx);
        }
        self.persons[idx as usize].person = person;
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
            .referenced_person(&involvement.person)
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
        if professional.is_none() && team.is_none() {
            return Err(Error::NoParticipant {
                record: format!("involvement {}", involvement.key),
            });
        }
        let idx = arena_index(self.involvements.len());
        let (effective_team, effective_agency) = self.effective_team_agency(team, professional);
        self.adjacency[person as usize]
            .involvements
            .push(InvolvementEdge {
                involvement: idx,
                professional: professional.unwrap_or(NONE),
                team: effective_team,
                agency: effective_agency,
                period: involvement.period,
                category: involvement.role.category,
            });
        if let Some(p) = professional {
            self.professionals[p as usize].involvements.push(idx);
        }
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
        let person = row.person;
        self.edge_mut(person, idx).period = period;
        Ok(())
    }

    /// Adds an episode for a person already in the network.
    pub fn add_episode(&mut self, episode: Episode) -> Result<(), Error> {
        if self.episode_index.contains_key(&episode.key) {
            return Err(duplicate(EntityKind::Episode, &episode.key));
        }
        episode.period.validate()?;
        let person = self.referenced_person(&episode.person).ok_or_else(|| {
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
        if episode.kind().is_statutory() {
            self.adjacency[person as usize]
                .statutory
                .push((idx, episode.period));
        }
        self.episodes.push(episode);
        self.persons[person as usize]
            .links
            .push(PersonLinkRef::Episode(idx));
        Ok(())
    }

    /// Ends an episode (or corrects its end) as of `end`. Fails if the episode is unknown or
    /// `end` is before its start.
    pub fn end_episode(&mut self, key: &EpisodeKey, end: NaiveDate) -> Result<(), Error> {
        let idx = *self
            .episode_index
            .get(key)
            .ok_or_else(|| Error::not_found(EntityKind::Episode, key))?;
        let period = Period::new(self.episodes[idx as usize].period.start, Some(end))?;
        self.episodes[idx as usize].period = period;
        let episode = &self.episodes[idx as usize];
        if episode.kind().is_statutory() {
            let person = self
                .person_idx(&episode.person)
                .expect("an episode's person is in the network");
            for entry in &mut self.adjacency[person as usize].statutory {
                if entry.0 == idx {
                    entry.1 = period;
                }
            }
        }
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
            .referenced_person(&activity.person)
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
        self.persons[person as usize]
            .links
            .push(PersonLinkRef::Activity(idx));
        Ok(())
    }

    /// Records that a partner agency's record was matched to a person already in the
    /// network. Links are kept as they are given; the same record may be linked more than
    /// once (by different feeds or on different evidence).
    pub fn add_identity_link(&mut self, link: IdentityLink) -> Result<(), Error> {
        let person = self.referenced_person(&link.person).ok_or_else(|| {
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
        self.persons[person as usize]
            .links
            .push(PersonLinkRef::IdentityLink(idx));
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
            .referenced_person(&relationship.from)
            .ok_or_else(|| unknown(EntityKind::Person, &relationship.from, referrer()))?;
        let to = self
            .referenced_person(&relationship.to)
            .ok_or_else(|| unknown(EntityKind::Person, &relationship.to, referrer()))?;
        if from == to {
            return Err(Error::SelfRelationship {
                relationship: relationship.key.to_string(),
                person: relationship.from.to_string(),
            });
        }
        let idx = arena_index(self.relationships.len());
        for p in [from, to] {
            self.persons[p as usize]
                .links
                .push(PersonLinkRef::Relationship(idx));
        }
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
        self.household_index.insert(household.key.clone(), idx);
        self.households.push(HouseholdSlot {
            household,
            members: Vec::new(),
        });
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
            .referenced_person(person)
            .ok_or_else(|| unknown(EntityKind::Person, person, referrer()))?;
        let idx = arena_index(self.memberships.len());
        self.persons[p as usize]
            .links
            .push(PersonLinkRef::Membership(idx));
        self.households[h as usize].members.push(idx);
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
            .find(&key.0, |i| &self.person_keys[i as usize].0)
    }

    /// [`person_idx`](Self::person_idx) for a record being added, trying the person the
    /// previous record named first.
    fn referenced_person(&mut self, key: &PersonKey) -> Option<u32> {
        if let Some(recent) = self.recent_person
            && self.person_keys[recent as usize] == *key
        {
            return Some(recent);
        }
        let found = self.person_idx(key);
        if found.is_some() {
            self.recent_person = found;
        }
        found
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
            .episodes()
            .map(|e| &self.episodes[e as usize])
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
            .activities()
            .map(|a| &self.activities[a as usize].activity)
            .collect())
    }

    /// The identity links recorded for a person, in the order they were added.
    pub fn identity_links_of(&self, person: &PersonKey) -> Result<Vec<&IdentityLink>, Error> {
        let idx = self.require_person(person)?;
        Ok(self.persons[idx as usize]
            .links
            .iter()
            .filter_map(|l| match l {
                PersonLinkRef::IdentityLink(l) => Some(&self.identity_links[*l as usize]),
                _ => None,
            })
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
        let mut members: Vec<(&Person, Period)> = self.households[h as usize]
            .members
            .iter()
            .map(|&m| {
                let m = &self.memberships[m as usize];
                (&self.persons[m.person as usize].person, m.period)
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

    /// The involvements of a person, as edges, in the order they were added.
    #[inline]
    pub(crate) fn edges_of_person(&self, person: u32) -> &[InvolvementEdge] {
        &self.adjacency[person as usize].involvements
    }

    /// Indices of the involvements of a person, in the order they were added.
    pub(crate) fn involvements_of_person(&self, person: u32) -> impl Iterator<Item = u32> + '_ {
        self.edges_of_person(person).iter().map(|e| e.involvement)
    }

    /// Indices of the involvements held by a professional, in the order they were added.
    pub(crate) fn involvements_of_professional(
        &self,
        professional: u32,
    ) -> impl Iterator<Item = u32> + '_ {
        self.professionals[professional as usize]
            .involvements
            .iter()
            .copied()
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
