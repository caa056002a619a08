//! Family clusters: persons connected through relationships and shared households.

use chrono::NaiveDate;
use petgraph::unionfind::UnionFind;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::{Network, Person};

/// One family cluster: persons connected to each other through active relationships and
/// household memberships (an adult in two households joins them into one cluster).
#[derive(Debug, Clone, Serialize)]
pub struct FamilyCluster<'n> {
    /// The persons in the cluster, ordered by key.
    pub persons: Vec<&'n Person>,
}

impl Network {
    /// The family clusters on `as_of`, largest first (ties by the first person's key).
    /// Every person belongs to exactly one cluster, so a person with no active links is a
    /// cluster of one. Professionals do not join clusters.
    ///
    /// ```
    /// # use chrono::NaiveDate;
    /// # use patchwork_core::*;
    /// # let src = Source::system("lcs");
    /// # let mut net = Network::new();
    /// # for id in ["A", "B", "C", "D"] { net.add_person(Person::new(PersonKey::new("lcs", id), PersonKind::Child, src.clone()))?; }
    /// // A and B share household H1; B and C share household H2; D is on their own.
    /// for (h, members) in [("H1", ["A", "B"]), ("H2", ["B", "C"])] {
    ///     net.add_household(Household { key: HouseholdKey::new("lcs", h), name: None, source: src.clone() })?;
    ///     for m in members {
    ///         net.add_household_member(&HouseholdKey::new("lcs", h), &PersonKey::new("lcs", m), Period::always())?;
    ///     }
    /// }
    /// let clusters = net.components(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
    /// let sizes: Vec<_> = clusters.iter().map(|c| c.persons.len()).collect();
    /// assert_eq!(sizes, [3, 1]);
    /// # Ok::<(), patchwork_core::Error>(())
    /// ```
    pub fn components(&self, as_of: NaiveDate) -> Vec<FamilyCluster<'_>> {
        let mut sets = UnionFind::<u32>::new(self.persons.len());
        for r in &self.relationships {
            if r.relationship.period.contains(as_of) {
                sets.union(r.from, r.to);
            }
        }
        let mut first_member: Vec<Option<u32>> = vec![None; self.households.len()];
        for m in &self.memberships {
            if m.period.contains(as_of) {
                match first_member[m.household as usize] {
                    Some(first) => {
                        sets.union(first, m.person);
                    }
                    None => first_member[m.household as usize] = Some(m.person),
                }
            }
        }
        let mut by_root: FxHashMap<u32, Vec<&Person>> = FxHashMap::default();
        for (idx, slot) in self.persons.iter().enumerate() {
            by_root
                .entry(sets.find(idx as u32))
                .or_default()
                .push(&slot.person);
        }
        let mut clusters: Vec<FamilyCluster<'_>> = by_root
            .into_values()
            .map(|mut persons| {
                persons.sort_by(|a, b| a.key.cmp(&b.key));
                FamilyCluster { persons }
            })
            .collect();
        clusters.sort_by(|a, b| {
            b.persons
                .len()
                .cmp(&a.persons.len())
                .then_with(|| a.persons[0].key.cmp(&b.persons[0].key))
        });
        clusters
    }
}
