//! A professional's caseload, the children two professionals share, and who can
//! introduce whom.

use std::collections::VecDeque;

use chrono::NaiveDate;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use crate::{Error, InvolvementRef, Network, Person, Professional, ProfessionalKey};

/// One child on a professional's caseload.
#[derive(Debug, Clone, Serialize)]
pub struct CaseloadEntry<'n> {
    /// The person.
    pub person: &'n Person,
    /// The professional's active involvement with them.
    pub involvement: InvolvementRef<'n>,
    /// Whether the professional is (one of) the person's lead practitioner(s).
    pub lead: bool,
}

/// A chain of introductions between two professionals: each professional shares an
/// actively-involved child with the next.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionPath<'n> {
    /// The professionals from the first to the second, both included.
    pub professionals: Vec<&'n Professional>,
    /// `children[i]` is the child shared by `professionals[i]` and `professionals[i + 1]`.
    pub children: Vec<&'n Person>,
}

impl ConnectionPath<'_> {
    /// Number of introductions needed (0 when both ends are the same professional).
    pub fn len(&self) -> usize {
        self.children.len()
    }

    /// True when the path goes nowhere (both ends are the same professional).
    pub fn is_empty(&self) -> bool {
        self.children.is_empty()
    }
}

impl Network {
    /// The persons a professional is actively involved with on `as_of`, ordered by
    /// person key, with whether they lead each one's team.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use patchwork_core::*;
    ///
    /// let src = Source::system("lcs");
    /// let mut net = Network::new();
    /// let w = ProfessionalKey::new("lcs", "W1");
    /// net.add_professional(Professional::new(w.clone(), src.clone()))?;
    /// for (i, start) in [(1, 5), (2, 20)] {
    ///     let child = PersonKey::new("lcs", format!("C{i}"));
    ///     net.add_person(Person::new(child.clone(), PersonKind::Child, src.clone()))?;
    ///     net.add_involvement(Involvement {
    ///         key: InvolvementKey::new("lcs", format!("I{i}")),
    ///         person: child,
    ///         professional: Some(w.clone()),
    ///         team: None,
    ///         role: Role::new("LP", RoleCategory::LeadPractitioner),
    ///         period: Period::from(NaiveDate::from_ymd_opt(2025, 1, start).unwrap()),
    ///         end_reason: None,
    ///         sensitivity: Sensitivity::Standard,
    ///         source: src.clone(),
    ///     })?;
    /// }
    /// let caseload = net.caseload(&w, NaiveDate::from_ymd_opt(2025, 1, 10).unwrap())?;
    /// assert_eq!(caseload.len(), 1);
    /// assert!(caseload[0].lead);
    /// # Ok::<(), patchwork_core::Error>(())
    /// ```
    pub fn caseload(
        &self,
        professional: &ProfessionalKey,
        as_of: NaiveDate,
    ) -> Result<Vec<CaseloadEntry<'_>>, Error> {
        let p = self.require_professional(professional)?;
        let mut entries: Vec<CaseloadEntry<'_>> = self
            .involvements_of_professional(p)
            .map(|i| &self.involvements[i as usize])
            .filter(|row| row.period.contains(as_of))
            .map(|row| {
                let involvement = InvolvementRef::new(self, row);
                let team = self.team_around_idx(row.person, as_of);
                let lead = team
                    .members
                    .iter()
                    .any(|m| m.lead && m.involvement.same_as(&involvement));
                CaseloadEntry {
                    person: involvement.person(),
                    involvement,
                    lead,
                }
            })
            .collect();
        entries.sort_by(|a, b| {
            a.person
                .key
                .cmp(&b.person.key)
                .then_with(|| a.involvement.key().cmp(b.involvement.key()))
        });
        Ok(entries)
    }

    /// Arena indices of the persons a professional is actively involved with on `as_of`.
    fn active_children_of(
        &self,
        professional: u32,
        as_of: NaiveDate,
    ) -> impl Iterator<Item = u32> + '_ {
        self.involvements_of_professional(professional)
            .map(|i| &self.involvements[i as usize])
            .filter(move |row| row.period.contains(as_of))
            .map(|row| row.person)
    }

    /// The persons both professionals are actively involved with on `as_of`, ordered by key.
    ///
    /// ```
    /// # use chrono::NaiveDate;
    /// # use patchwork_core::*;
    /// # let src = Source::system("lcs");
    /// # let mut net = Network::new();
    /// # let d = NaiveDate::from_ymd_opt(2025, 2, 1).unwrap();
    /// # net.add_person(Person::new(PersonKey::new("lcs", "C1"), PersonKind::Child, src.clone()))?;
    /// # for w in ["W1", "W2"] {
    /// #     net.add_professional(Professional::new(ProfessionalKey::new("lcs", w), src.clone()))?;
    /// #     net.add_involvement(Involvement { key: InvolvementKey::new("lcs", w), person: PersonKey::new("lcs", "C1"),
    /// #         professional: Some(ProfessionalKey::new("lcs", w)), team: None, role: Role::new("X", RoleCategory::Other),
    /// #         period: Period::from(d), end_reason: None, sensitivity: Sensitivity::Standard, source: src.clone() })?;
    /// # }
    /// // W1 and W2 are both involved with C1 from 1 February 2025.
    /// let shared = net.shared_children(&ProfessionalKey::new("lcs", "W1"), &ProfessionalKey::new("lcs", "W2"), d)?;
    /// assert_eq!(shared.len(), 1);
    /// assert_eq!(shared[0].key.id(), "C1");
    /// # Ok::<(), patchwork_core::Error>(())
    /// ```
    pub fn shared_children(
        &self,
        a: &ProfessionalKey,
        b: &ProfessionalKey,
        as_of: NaiveDate,
    ) -> Result<Vec<&Person>, Error> {
        let a = self.require_professional(a)?;
        let b = self.require_professional(b)?;
        let of_a: FxHashSet<u32> = self.active_children_of(a, as_of).collect();
        let mut shared: Vec<u32> = self
            .active_children_of(b, as_of)
            .filter(|c| of_a.contains(c))
            .collect();
        shared.sort_unstable();
        shared.dedup();
        let mut persons: Vec<&Person> = shared
            .into_iter()
            .map(|c| &self.persons[c as usize].person)
            .collect();
        persons.sort_by(|x, y| x.key.cmp(&y.key));
        Ok(persons)
    }

    /// The shortest chain of introductions from professional `a` to professional `b` on
    /// `as_of`: professionals linked by children they are both actively involved with.
    /// `None` when no chain exists. Team-only involvements do not introduce anyone.
    ///
    /// Breadth-first search, so the chain is as short as possible; among equally short
    /// chains the one found first (in the order involvements were added) is returned.
    ///
    /// ```
    /// # use chrono::NaiveDate;
    /// # use patchwork_core::*;
    /// # let src = Source::system("lcs");
    /// # let mut net = Network::new();
    /// # let d = NaiveDate::from_ymd_opt(2025, 2, 1).unwrap();
    /// # for w in ["HV", "SW", "PC"] { net.add_professional(Professional::new(ProfessionalKey::new("lcs", w), src.clone()))?; }
    /// # for c in ["C1", "C2"] { net.add_person(Person::new(PersonKey::new("lcs", c), PersonKind::Child, src.clone()))?; }
    /// # for (i, (w, c)) in [("HV", "C1"), ("SW", "C1"), ("SW", "C2"), ("PC", "C2")].into_iter().enumerate() {
    /// #     net.add_involvement(Involvement { key: InvolvementKey::new("lcs", format!("I{i}")), person: PersonKey::new("lcs", c),
    /// #         professional: Some(ProfessionalKey::new("lcs", w)), team: None, role: Role::new("X", RoleCategory::Other),
    /// #         period: Period::from(d), end_reason: None, sensitivity: Sensitivity::Standard, source: src.clone() })?;
    /// # }
    /// // The health visitor (C1) and the police officer (C2) can be introduced by the social worker.
    /// let path = net.connection_path(&ProfessionalKey::new("lcs", "HV"), &ProfessionalKey::new("lcs", "PC"), d)?.unwrap();
    /// let via: Vec<_> = path.professionals.iter().map(|p| p.key.id()).collect();
    /// assert_eq!(via, ["HV", "SW", "PC"]);
    /// assert_eq!(path.children.iter().map(|c| c.key.id()).collect::<Vec<_>>(), ["C1", "C2"]);
    /// # Ok::<(), patchwork_core::Error>(())
    /// ```
    pub fn connection_path(
        &self,
        a: &ProfessionalKey,
        b: &ProfessionalKey,
        as_of: NaiveDate,
    ) -> Result<Option<ConnectionPath<'_>>, Error> {
        let start = self.require_professional(a)?;
        let goal = self.require_professional(b)?;
        // For each professional reached: (previous professional, shared child).
        let mut came_from: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
        let mut seen_children: FxHashSet<u32> = FxHashSet::default();
        let mut queue = VecDeque::from([start]);
        let mut found = start == goal;
        'search: while let Some(p) = queue.pop_front() {
            if found {
                break;
            }
            for child in self.active_children_of(p, as_of) {
                if !seen_children.insert(child) {
                    continue;
                }
                for edge in self.active_involvements_of_person(child, as_of) {
                    let Some(next) = crate::network::some(edge.professional) else {
                        continue;
                    };
                    if next == start || came_from.contains_key(&next) {
                        continue;
                    }
                    came_from.insert(next, (p, child));
                    if next == goal {
                        found = true;
                        break 'search;
                    }
                    queue.push_back(next);
                }
            }
        }
        if !found {
            return Ok(None);
        }
        let mut professionals = vec![&self.professionals[goal as usize].professional];
        let mut children = Vec::new();
        let mut at = goal;
        while at != start {
            let (prev, child) = came_from[&at];
            children.push(&self.persons[child as usize].person);
            professionals.push(&self.professionals[prev as usize].professional);
            at = prev;
        }
        professionals.reverse();
        children.reverse();
        Ok(Some(ConnectionPath {
            professionals,
            children,
        }))
    }
}
