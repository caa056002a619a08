//! Rules that must hold for every network: the queries agree with brute-force answers
//! computed straight from the records.

mod common;

use std::collections::{BTreeSet, HashMap};

use common::*;
use patchwork_core::*;
use proptest::prelude::*;

/// A random small network: persons, professionals, involvements with random dates,
/// relationships and households. Day numbers are offsets from 2025-01-01.
#[derive(Debug, Clone)]
struct Spec {
    persons: usize,
    professionals: usize,
    involvements: Vec<(usize, usize, u8, i64, Option<i64>)>,
    relationships: Vec<(usize, usize, Option<i64>)>,
    households: Vec<Vec<usize>>,
    statutory: Vec<(usize, i64, Option<i64>)>,
}

fn day(n: i64) -> chrono::NaiveDate {
    d(2025, 1, 1) + chrono::Duration::days(n)
}

fn spec() -> impl Strategy<Value = Spec> {
    (2usize..12, 1usize..6).prop_flat_map(|(persons, professionals)| {
        let inv = (
            0..persons,
            0..professionals,
            0u8..4,
            0i64..60,
            proptest::option::of(0i64..40),
        );
        let rel = (0..persons, 0..persons, proptest::option::of(0i64..60));
        let hh = proptest::collection::vec(0..persons, 1..4);
        let stat = (0..persons, 0i64..60, proptest::option::of(0i64..40));
        (
            Just(persons),
            Just(professionals),
            proptest::collection::vec(inv, 0..30),
            proptest::collection::vec(rel, 0..8),
            proptest::collection::vec(hh, 0..4),
            proptest::collection::vec(stat, 0..5),
        )
            .prop_map(
                |(persons, professionals, involvements, relationships, households, statutory)| {
                    Spec {
                        persons,
                        professionals,
                        involvements,
                        relationships,
                        households,
                        statutory,
                    }
                },
            )
    })
}

const ROLES: [RoleCategory; 4] = [
    RoleCategory::AllocatedSocialWorker,
    RoleCategory::LeadPractitioner,
    RoleCategory::HealthVisitor,
    RoleCategory::Teacher,
];

fn build(s: &Spec) -> Network {
    let mut f = Fixture::new();
    for p in 0..s.persons {
        f.child(&format!("P{p}"));
    }
    for w in 0..s.professionals {
        f.worker(&format!("W{w}"), None, None);
    }
    for (i, &(p, w, role, start, len)) in s.involvements.iter().enumerate() {
        f.involve(
            &format!("I{i}"),
            &format!("W{w}"),
            &format!("P{p}"),
            ROLES[role as usize],
            day(start),
            len.map(|l| day(start + l)),
        );
    }
    for (i, &(a, b, end)) in s.relationships.iter().enumerate() {
        if a != b {
            f.relate(
                &format!("R{i}"),
                &format!("P{a}"),
                &format!("P{b}"),
                RelationshipKind::Sibling,
                Period::new(None, end.map(day)).unwrap(),
            );
        }
    }
    for (h, members) in s.households.iter().enumerate() {
        let names: Vec<String> = members.iter().map(|m| format!("P{m}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        f.household(&format!("H{h}"), &refs);
    }
    for (e, &(p, start, len)) in s.statutory.iter().enumerate() {
        f.cin(
            &format!("E{e}"),
            &format!("P{p}"),
            day(start),
            len.map(|l| day(start + l)),
        );
    }
    f.net
}

fn active(s: &Spec, p: usize, as_of: i64) -> Vec<usize> {
    s.involvements
        .iter()
        .enumerate()
        .filter(|(_, (pp, _, _, start, len))| {
            *pp == p && *start <= as_of && len.is_none_or(|l| as_of < start + l)
        })
        .map(|(i, _)| i)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// team_around holds exactly the involvements whose period contains the date, and its
    /// leads follow the documented rule.
    #[test]
    fn team_around_matches_brute_force(s in spec(), as_of in 0i64..110) {
        let net = build(&s);
        for p in 0..s.persons {
            let team = net.team_around(&pk(&format!("P{p}")), day(as_of)).unwrap();
            let got: BTreeSet<String> = team.members.iter().map(|m| m.involvement.key().id().to_owned()).collect();
            let want_idx = active(&s, p, as_of);
            let want: BTreeSet<String> = want_idx.iter().map(|i| format!("I{i}")).collect();
            prop_assert_eq!(&got, &want);

            let statutory_open = s.statutory.iter().any(|&(pp, start, len)| pp == p && start <= as_of && len.is_none_or(|l| as_of < start + l));
            let with_role = |r: u8| -> BTreeSet<String> {
                want_idx.iter().filter(|&&i| s.involvements[i].2 == r).map(|i| format!("I{i}")).collect()
            };
            let expected_leads = if statutory_open && !with_role(0).is_empty() { with_role(0) } else { with_role(1) };
            let leads: BTreeSet<String> = team.leads().map(|m| m.involvement.key().id().to_owned()).collect();
            prop_assert_eq!(leads, expected_leads);
        }
    }

    /// Two persons share a cluster exactly when a path of active links joins them.
    #[test]
    fn components_match_breadth_first_search(s in spec(), as_of in 0i64..80) {
        let net = build(&s);
        let mut adj: HashMap<usize, Vec<usize>> = HashMap::new();
        for &(a, b, end) in &s.relationships {
            if a != b && end.is_none_or(|e| as_of < e) {
                adj.entry(a).or_default().push(b);
                adj.entry(b).or_default().push(a);
            }
        }
        for members in &s.households {
            for &a in members {
                for &b in members {
                    adj.entry(a).or_default().push(b);
                }
            }
        }
        let mut label = vec![usize::MAX; s.persons];
        for start in 0..s.persons {
            if label[start] != usize::MAX { continue; }
            let mut stack = vec![start];
            label[start] = start;
            while let Some(x) = stack.pop() {
                for &y in adj.get(&x).into_iter().flatten() {
                    if label[y] == usize::MAX { label[y] = start; stack.push(y); }
                }
            }
        }
        let clusters = net.components(day(as_of));
        let mut cluster_of: HashMap<String, usize> = HashMap::new();
        for (i, c) in clusters.iter().enumerate() {
            for p in &c.persons { cluster_of.insert(p.key.id().to_owned(), i); }
        }
        prop_assert_eq!(cluster_of.len(), s.persons);
        for a in 0..s.persons {
            for b in 0..s.persons {
                let same = cluster_of[&format!("P{a}")] == cluster_of[&format!("P{b}")];
                prop_assert_eq!(same, label[a] == label[b], "P{} P{}", a, b);
            }
        }
    }

    /// Caseload is the inverse of team_around; shared_children is the intersection of
    /// two caseloads.
    #[test]
    fn caseload_and_shared_children_agree_with_team_around(s in spec(), as_of in 0i64..110) {
        let net = build(&s);
        for w in 0..s.professionals {
            let load: BTreeSet<String> = net.caseload(&wk(&format!("W{w}")), day(as_of)).unwrap().iter().map(|e| e.involvement.key().id().to_owned()).collect();
            let mut want = BTreeSet::new();
            for p in 0..s.persons {
                for m in net.team_around(&pk(&format!("P{p}")), day(as_of)).unwrap().members {
                    if m.professional.unwrap().key == wk(&format!("W{w}")) { want.insert(m.involvement.key().id().to_owned()); }
                }
            }
            prop_assert_eq!(load, want);
        }
        if s.professionals >= 2 {
            let kids = |w: &str| -> BTreeSet<String> { net.caseload(&wk(w), day(as_of)).unwrap().iter().map(|e| e.person.key.id().to_owned()).collect() };
            let shared: BTreeSet<String> = net.shared_children(&wk("W0"), &wk("W1"), day(as_of)).unwrap().iter().map(|p| p.key.id().to_owned()).collect();
            prop_assert_eq!(shared, kids("W0").intersection(&kids("W1")).cloned().collect::<BTreeSet<_>>());
        }
    }

    /// A network compared with itself has no changes; compared with an empty one,
    /// every person is added and every involvement started.
    #[test]
    fn diff_against_self_and_empty(s in spec(), as_of in 0i64..110) {
        let net = build(&s);
        prop_assert!(net.diff(&net.clone(), day(as_of)).is_empty());
        let events = net.diff(&Network::new(), day(as_of));
        let added = events.iter().filter(|e| matches!(e, ChangeEvent::PersonAdded { .. })).count();
        let started = events.iter().filter(|e| matches!(e, ChangeEvent::InvolvementStarted { .. })).count();
        prop_assert_eq!(added, s.persons);
        prop_assert_eq!(started, s.involvements.len());
    }

    /// A connection path, when found, is a valid chain of shared children, and exists
    /// exactly when the professionals are connected in the bipartite graph of the day.
    #[test]
    fn connection_paths_are_valid_chains(s in spec(), as_of in 0i64..110) {
        let net = build(&s);
        for a in 0..s.professionals {
            for b in 0..s.professionals {
                let (ka, kb) = (wk(&format!("W{a}")), wk(&format!("W{b}")));
                let path = net.connection_path(&ka, &kb, day(as_of)).unwrap();
                if let Some(path) = &path {
                    prop_assert_eq!(&path.professionals[0].key, &ka);
                    prop_assert_eq!(&path.professionals.last().unwrap().key, &kb);
                    for (i, child) in path.children.iter().enumerate() {
                        let shared = net.shared_children(&path.professionals[i].key, &path.professionals[i + 1].key, day(as_of)).unwrap();
                        prop_assert!(shared.iter().any(|c| c.key == child.key));
                    }
                }
                // Reachability by closure over shared children.
                let mut reach = BTreeSet::from([a]);
                loop {
                    let before = reach.len();
                    for x in reach.clone() {
                        for y in 0..s.professionals {
                            if !net.shared_children(&wk(&format!("W{x}")), &wk(&format!("W{y}")), day(as_of)).unwrap().is_empty() {
                                reach.insert(y);
                            }
                        }
                    }
                    if reach.len() == before { break; }
                }
                prop_assert_eq!(path.is_some(), reach.contains(&b));
            }
        }
    }
}
