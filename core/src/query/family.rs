//! The family network: the people around a child, each with their own team.

use chrono::NaiveDate;
use serde::Serialize;

use crate::network::PersonLinkRef;
use crate::query::team::TeamAround;
use crate::{Error, Household, Network, Person, PersonKey, Relationship};

/// How a relative is linked to the child.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(tag = "via", rename_all = "snake_case")]
pub enum FamilyLink<'n> {
    /// Both belong to this household on the date.
    Household {
        /// The household.
        household: &'n Household,
    },
    /// A relationship between the two, active on the date, read as recorded
    /// ("`from` is the `kind` of `to`").
    Relationship {
        /// The relationship.
        relationship: &'n Relationship,
    },
}

/// A person in the child's family network, with how they are linked and their own team.
#[derive(Debug, Clone, Serialize)]
pub struct Relative<'n> {
    /// The relative.
    pub person: &'n Person,
    /// Every link between the child and this person on the date.
    pub links: Vec<FamilyLink<'n>>,
    /// The relative's own team around them.
    pub team: TeamAround<'n>,
}

/// A child's family network on one date.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyNetwork<'n> {
    /// The child's own team.
    pub child: TeamAround<'n>,
    /// Household members and directly related persons, ordered by key.
    pub relatives: Vec<Relative<'n>>,
}

impl Network {
    /// The people around a child on `as_of`: everyone sharing a household with the child
    /// and everyone with an active relationship to the child (in either direction), each
    /// with their own [`TeamAround`].
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use patchwork_core::*;
    ///
    /// let d = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    /// let src = Source::system("lcs");
    /// let mut net = Network::new();
    /// for (id, kind) in [("C1", PersonKind::Child), ("C2", PersonKind::Child), ("M1", PersonKind::Adult)] {
    ///     net.add_person(Person::new(PersonKey::new("lcs", id), kind, src.clone()))?;
    /// }
    /// let fam = HouseholdKey::new("lcs", "F1");
    /// net.add_household(Household { key: fam.clone(), name: None, source: src.clone() })?;
    /// for id in ["C1", "C2"] {
    ///     net.add_household_member(&fam, &PersonKey::new("lcs", id), Period::always())?;
    /// }
    /// net.add_relationship(Relationship {
    ///     key: RelationshipKey::new("lcs", "R1"),
    ///     from: PersonKey::new("lcs", "M1"),
    ///     to: PersonKey::new("lcs", "C1"),
    ///     kind: RelationshipKind::Parent,
    ///     parental_responsibility: true,
    ///     period: Period::always(),
    ///     source: src,
    /// })?;
    ///
    /// let family = net.family_network(&PersonKey::new("lcs", "C1"), d)?;
    /// let ids: Vec<_> = family.relatives.iter().map(|r| r.person.key.id()).collect();
    /// assert_eq!(ids, ["C2", "M1"]);
    /// # Ok::<(), patchwork_core::Error>(())
    /// ```
    pub fn family_network(
        &self,
        child: &PersonKey,
        as_of: NaiveDate,
    ) -> Result<FamilyNetwork<'_>, Error> {
        let idx = self.require_person(child)?;
        let mut links: Vec<(u32, FamilyLink<'_>)> = Vec::new();
        for link in &self.persons[idx as usize].links {
            match *link {
                PersonLinkRef::Relationship(r) => {
                    let slot = &self.relationships[r as usize];
                    if slot.relationship.period.contains(as_of) {
                        let other = if slot.from == idx { slot.to } else { slot.from };
                        links.push((
                            other,
                            FamilyLink::Relationship {
                                relationship: &slot.relationship,
                            },
                        ));
                    }
                }
                PersonLinkRef::Membership(m) => {
                    let membership = &self.memberships[m as usize];
                    if !membership.period.contains(as_of) {
                        continue;
                    }
                    let household = &self.households[membership.household as usize];
                    for &cm in &household.members {
                        let co = &self.memberships[cm as usize];
                        if co.person != idx && co.period.contains(as_of) {
                            links.push((
                                co.person,
                                FamilyLink::Household {
                                    household: &household.household,
                                },
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        links.sort_by(|a, b| {
            self.persons[a.0 as usize]
                .person
                .key
                .cmp(&self.persons[b.0 as usize].person.key)
        });
        let mut relatives: Vec<Relative<'_>> = Vec::new();
        for (person, link) in links {
            match relatives.last_mut() {
                Some(last) if std::ptr::eq(last.person, &self.persons[person as usize].person) => {
                    last.links.push(link)
                }
                _ => relatives.push(Relative {
                    person: &self.persons[person as usize].person,
                    links: vec![link],
                    team: self.team_around_idx(person, as_of),
                }),
            }
        }
        Ok(FamilyNetwork {
            child: self.team_around_idx(idx, as_of),
            relatives,
        })
    }
}
