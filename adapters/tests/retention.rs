//! Retention: a simulated clock advanced through a century purges each person's records
//! on the disposal date worked out by hand from the default schedule, no earlier and no
//! later; a legal hold delays it; afterwards none of their values is left anywhere in the
//! database file (read byte by byte after the purge's log checkpoint), while the values of
//! those still kept are (which shows the search can find them).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{Days, NaiveDate, TimeZone, Utc};
use patchwork_adapters::store::{Actor, RetentionSchedule, Store};
use patchwork_core::*;

mod common;
use common::TempDir;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn period(start: NaiveDate, end: Option<NaiveDate>) -> Period {
    Period::new(Some(start), end).unwrap()
}

fn key(id: &str) -> PersonKey {
    PersonKey::new("lcs", id)
}

/// Each person's canary values: names and a postcode found nowhere else.
fn canaries(id: &str) -> [String; 3] {
    [
        format!("Canarygiven{id}"),
        format!("Canaryfamily{id}"),
        format!("QX{id} 9ZZ"),
    ]
}

fn person(id: &str, kind: PersonKind, born: Option<NaiveDate>) -> Person {
    let mut p = Person::new(key(id), kind, Source::system("lcs"));
    let [given, family, postcode] = canaries(id);
    p.given_name = Some(given);
    p.family_name = Some(family);
    p.postcode = Some(postcode);
    p.birth_date = born;
    p.other_identifiers = vec![OtherIdentifier {
        kind: "case number".into(),
        value: format!("CASE-{id}-canary"),
    }];
    p
}

fn episode(id: &str, child: &str, detail: EpisodeDetail, p: Period) -> Episode {
    Episode {
        key: EpisodeKey::new("lcs", id),
        person: key(child),
        period: p,
        detail,
        source: Source::system("lcs"),
    }
}

fn cin() -> EpisodeDetail {
    EpisodeDetail::ChildInNeed {
        referral_source: None,
        primary_need: None,
        closure_reason: None,
        census: Default::default(),
    }
}

fn cp() -> EpisodeDetail {
    EpisodeDetail::ChildProtectionPlan {
        category_of_abuse: None,
        census: Default::default(),
    }
}

fn lac() -> EpisodeDetail {
    EpisodeDetail::LookedAfter {
        legal_status: None,
        placement: None,
        care: None,
    }
}

fn involvement(id: &str, child: &str, p: Period) -> Involvement {
    Involvement {
        key: InvolvementKey::new("lcs", id),
        person: key(child),
        professional: Some(ProfessionalKey::new("lcs", "W1")),
        team: None,
        role: Role::new("SW", RoleCategory::AllocatedSocialWorker),
        period: p,
        end_reason: None,
        sensitivity: Sensitivity::Standard,
        source: Source::system("lcs"),
    }
}

/// The store's people, and (worked out by hand from the default schedule) the date each
/// one's records go:
///
/// * A: born 2000-05-10, looked after 2005-2010: birth + 75 = 2075-05-10.
/// * B: born 2001-02-01, looked after until she died on 2010-06-30 (under 18): death + 15
///   = 2025-06-30, but a legal hold from 2020-01-01 lifted on 2030-01-01 keeps her to
///   2030-01-01.
/// * G: born 2003-01-01, on a child protection plan until 2012-04-01: + 35 = 2047-04-01.
/// * D: born 2004-09-15, child in need 2010-2015, social worker until 2023-02-01 (after
///   the 18th birthday, 2022-09-15): 2023-02-01 + 3 = 2026-02-01.
/// * E: born 2006-01-01, child in need 2010-2011 (18th birthday 2024-01-01 + 3 =
///   2027-01-01), then a plan until 2012-01-01 (+ 35 = 2047-01-01): the later, 2047-01-01.
/// * Z: child in need since 2020, still open: never (undetermined).
/// * M: D's mother, in household H1 with D, nothing of her own: with D, 2026-02-01.
/// * F: G's father, a worker of his own until 2009-01-01 (+ 6 = 2015-01-01), kept with G:
///   2047-04-01.
fn expected() -> BTreeMap<&'static str, Option<NaiveDate>> {
    BTreeMap::from([
        ("A", Some(d(2075, 5, 10))),
        ("B", Some(d(2030, 1, 1))),
        ("G", Some(d(2047, 4, 1))),
        ("D", Some(d(2026, 2, 1))),
        ("E", Some(d(2047, 1, 1))),
        ("Z", None),
        ("M", Some(d(2026, 2, 1))),
        ("F", Some(d(2047, 4, 1))),
    ])
}

fn network() -> Network {
    let mut net = Network::new();
    net.add_professional(Professional::new(
        ProfessionalKey::new("lcs", "W1"),
        Source::system("lcs"),
    ))
    .unwrap();
    let add = |net: &mut Network, p: Person| net.add_person(p).unwrap();
    add(
        &mut net,
        person("A", PersonKind::Child, Some(d(2000, 5, 10))),
    );
    let mut b = person("B", PersonKind::Child, Some(d(2001, 2, 1)));
    b.death_date = Some(d(2010, 6, 30));
    add(&mut net, b);
    add(
        &mut net,
        person("G", PersonKind::Child, Some(d(2003, 1, 1))),
    );
    add(
        &mut net,
        person("D", PersonKind::Child, Some(d(2004, 9, 15))),
    );
    add(
        &mut net,
        person("E", PersonKind::Child, Some(d(2006, 1, 1))),
    );
    add(
        &mut net,
        person("Z", PersonKind::Child, Some(d(2010, 1, 1))),
    );
    add(&mut net, person("M", PersonKind::Adult, None));
    add(&mut net, person("F", PersonKind::Adult, None));
    for e in [
        episode("eA", "A", lac(), period(d(2005, 1, 1), Some(d(2010, 1, 1)))),
        episode(
            "eB",
            "B",
            lac(),
            period(d(2005, 1, 1), Some(d(2010, 6, 30))),
        ),
        episode("eG", "G", cp(), period(d(2008, 1, 1), Some(d(2012, 4, 1)))),
        episode("eD", "D", cin(), period(d(2010, 3, 1), Some(d(2015, 3, 1)))),
        episode(
            "eE1",
            "E",
            cin(),
            period(d(2010, 1, 1), Some(d(2011, 1, 1))),
        ),
        episode("eE2", "E", cp(), period(d(2011, 1, 1), Some(d(2012, 1, 1)))),
        episode("eZ", "Z", cin(), period(d(2020, 1, 1), None)),
    ] {
        net.add_episode(e).unwrap();
    }
    net.add_involvement(involvement(
        "iD",
        "D",
        period(d(2010, 3, 1), Some(d(2023, 2, 1))),
    ))
    .unwrap();
    net.add_involvement(involvement(
        "iF",
        "F",
        period(d(2008, 1, 1), Some(d(2009, 1, 1))),
    ))
    .unwrap();
    for (id, from, to) in [("rM", "M", "D"), ("rF", "F", "G")] {
        net.add_relationship(Relationship {
            key: RelationshipKey::new("lcs", id),
            from: key(from),
            to: key(to),
            kind: RelationshipKind::Parent,
            parental_responsibility: true,
            period: Period::always(),
            source: Source::system("lcs"),
        })
        .unwrap();
    }
    net.add_household(Household {
        key: HouseholdKey::new("lcs", "H1"),
        name: Some("Canaryhousehold".into()),
        source: Source::system("lcs"),
    })
    .unwrap();
    for m in ["D", "M"] {
        net.add_household_member(&HouseholdKey::new("lcs", "H1"), &key(m), Period::always())
            .unwrap();
    }
    net
}

/// The database file and its write-ahead log, as bytes.
fn file_bytes(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).unwrap();
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(more) = std::fs::read(&wal) {
        bytes.extend(more);
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn present(store: &Store) -> BTreeSet<String> {
    store
        .load()
        .unwrap()
        .persons()
        .map(|p| p.key.id().to_owned())
        .collect()
}

fn at(day: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(2, 0, 0).unwrap())
}

#[test]
fn a_century_of_purges_removes_each_record_on_its_date_and_leaves_no_trace() {
    let dir = TempDir::new("century");
    let path = dir.0.join("store.sqlite");
    let mut store = Store::open(&path).unwrap();
    store.save(&network()).unwrap();
    let schedule = RetentionSchedule::default();
    store
        .place_legal_hold(
            Some(&key("B")),
            "inquiry",
            d(2020, 1, 1),
            at(d(2020, 1, 1)),
            Actor::Administrative("dpo".into()),
        )
        .unwrap();
    let hold = store.legal_holds().unwrap()[0].id;

    // The computed dates (before the hold) match the hand-worked ones, B's own included.
    let computed: BTreeMap<String, Option<NaiveDate>> = store
        .disposal_dates(&schedule)
        .unwrap()
        .into_iter()
        .map(|d| (d.person.trim_start_matches("lcs:").to_owned(), d.date))
        .collect();
    let mut hand: BTreeMap<String, Option<NaiveDate>> = expected()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    hand.insert("B".into(), Some(d(2025, 6, 30)));
    assert_eq!(computed, hand);
    // One person at a time gives the same dates and rules.
    for whole in store.disposal_dates(&schedule).unwrap() {
        let one = store
            .disposal_date_of(&schedule, &whole.person.parse().unwrap())
            .unwrap();
        assert_eq!(one.as_ref(), Some(&whole));
    }
    assert_eq!(
        store.disposal_date_of(&schedule, &key("nobody")).unwrap(),
        None
    );

    // The clock: every 1 January from 2025 to 2125, and the day before and the day of
    // each disposal date (B's own date, when the hold keeps her, too).
    let mut days: BTreeSet<NaiveDate> = (2025..=2125).map(|y| d(y, 1, 1)).collect();
    for date in expected().values().flatten().chain([&d(2025, 6, 30)]) {
        days.insert(*date);
        days.insert(*date - Days::new(1));
    }
    let mut gone: BTreeSet<String> = BTreeSet::new();
    let mut disposals = 0usize;
    for day in days {
        if day == d(2030, 1, 1) {
            assert!(
                store
                    .lift_legal_hold(
                        hold,
                        d(2030, 1, 1),
                        at(day),
                        Actor::Administrative("dpo".into())
                    )
                    .unwrap()
            );
        }
        let report = store
            .purge(
                &schedule,
                day,
                false,
                at(day),
                Actor::System("purge".into()),
            )
            .unwrap();
        let due: BTreeSet<String> = expected()
            .into_iter()
            .filter(|(_, date)| date.is_some_and(|date| date <= day))
            .map(|(k, _)| k.to_owned())
            .collect();
        let newly: BTreeSet<String> = report.persons.iter().map(|p| p.id().to_owned()).collect();
        assert_eq!(
            newly,
            due.difference(&gone).cloned().collect(),
            "purged on {day}"
        );
        let held_now = day >= d(2025, 6, 30) && day < d(2030, 1, 1);
        assert_eq!(report.held, u64::from(held_now), "held on {day}");
        assert_eq!(report.undetermined, 1, "Z on {day}");
        gone.extend(newly.iter().cloned());
        let all: BTreeSet<String> = expected().keys().map(|k| (*k).to_owned()).collect();
        assert_eq!(present(&store), &all - &gone, "present on {day}");
        if !newly.is_empty() {
            disposals += 1;
            let bytes = file_bytes(&path);
            for id in expected().keys() {
                let [given, family, postcode] = canaries(id);
                let case = format!("CASE-{id}-canary");
                for value in [given, family, postcode, case] {
                    assert_eq!(
                        contains(&bytes, &value),
                        !gone.contains(*id),
                        "{value:?} of {id} on {day} (gone: {})",
                        gone.contains(*id)
                    );
                }
            }
            assert_eq!(
                contains(&bytes, "Canaryhousehold"),
                !gone.contains("D") || !gone.contains("M")
            );
        }
    }
    // Disposals on 2026-02-01 (D and M), 2030-01-01 (B), 2047-01-01 (E), 2047-04-01 (G,
    // F), 2075-05-10 (A).
    assert_eq!(disposals, 5);
    assert_eq!(present(&store), BTreeSet::from(["Z".to_owned()]));

    // The disposal records: counts per table, and no values.
    let records = store.disposal_records().unwrap();
    let mut persons_by_day: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_table: BTreeMap<String, u64> = BTreeMap::new();
    for (_, as_of, version, disposal) in &records {
        assert_eq!(version, "patchwork-default-1");
        if disposal.record_type == "persons" {
            *persons_by_day.entry(as_of.clone()).or_default() += disposal.count;
        }
        *by_table.entry(disposal.record_type.clone()).or_default() += disposal.count;
    }
    assert_eq!(
        persons_by_day,
        BTreeMap::from([
            ("2026-02-01".into(), 2),
            ("2030-01-01".into(), 1),
            ("2047-01-01".into(), 1),
            ("2047-04-01".into(), 2),
            ("2075-05-10".into(), 1),
        ])
    );
    // 7 persons (all but Z), 6 episodes, 2 involvements, 2 relationships, 2 household
    // memberships and the household, 7 other identifiers.
    assert_eq!(by_table["persons"], 7);
    assert_eq!(by_table["episodes"], 6);
    assert_eq!(by_table["involvements"], 2);
    assert_eq!(by_table["relationships"], 2);
    assert_eq!(by_table["household_members"], 2);
    assert_eq!(by_table["households"], 1);
    assert_eq!(by_table["person_identifiers"], 7);
    // The purges and the hold are in the audit trail, which is intact.
    let v = store.verify_audit().unwrap();
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(store.integrity_check().unwrap(), ["ok"]);
}

#[test]
fn a_moratorium_blocks_every_disposal_and_a_dry_run_changes_nothing() {
    let dir = TempDir::new("hold");
    let path = dir.0.join("store.sqlite");
    let mut store = Store::open(&path).unwrap();
    store.save(&network()).unwrap();
    let schedule = RetentionSchedule::default();
    let before = std::fs::read(&path).unwrap().len();

    // 2050: B, D, M, E, G and F are due.
    let dry = store
        .purge(
            &schedule,
            d(2050, 1, 1),
            true,
            at(d(2050, 1, 1)),
            Actor::System("p".into()),
        )
        .unwrap();
    assert!(!dry.applied);
    let ids: BTreeSet<&str> = dry.persons.iter().map(|p| p.id()).collect();
    assert_eq!(ids, BTreeSet::from(["B", "D", "E", "F", "G", "M"]));
    assert_eq!(present(&store).len(), 8);
    assert!(store.disposal_records().unwrap().is_empty());
    let persons: u64 = dry
        .disposals
        .iter()
        .filter(|x| x.record_type == "persons")
        .map(|x| x.count)
        .sum();
    assert_eq!(persons, 6);

    store
        .place_legal_hold(
            None,
            "inquiry moratorium",
            d(2015, 1, 1),
            at(d(2015, 1, 1)),
            Actor::Administrative("dpo".into()),
        )
        .unwrap();
    let held = store
        .purge(
            &schedule,
            d(2050, 1, 1),
            false,
            at(d(2050, 1, 1)),
            Actor::System("p".into()),
        )
        .unwrap();
    assert!(held.persons.is_empty());
    assert_eq!(held.held, 6);
    assert_eq!(present(&store).len(), 8);
    assert!(contains(&file_bytes(&path), "CanarygivenD"));
    assert!(std::fs::read(&path).unwrap().len() >= before);
}

#[test]
fn a_council_schedule_is_data() {
    // A council keeping children in need records to 25 (DOB + 25) instead.
    let json = r#"{
        "version": "wexmoor-2026-1",
        "rules": [
            {"name": "cin_dob_25", "record_type": "child_in_need", "basis": "birth_date", "years": 25}
        ]
    }"#;
    let schedule: RetentionSchedule = serde_json::from_str(json).unwrap();
    let mut store = Store::open_in_memory().unwrap();
    store.save(&network()).unwrap();
    let dates: BTreeMap<String, Option<NaiveDate>> = store
        .disposal_dates(&schedule)
        .unwrap()
        .into_iter()
        .map(|d| (d.person.trim_start_matches("lcs:").to_owned(), d.date))
        .collect();
    // D: 2004-09-15 + 25; Z too (the basis is the birth, not the open episode).
    assert_eq!(dates["D"], Some(d(2029, 9, 15)));
    assert_eq!(dates["Z"], Some(d(2035, 1, 1)));
    // No rule for looked-after or plans: kept (undetermined), never guessed; E has a
    // plan, so no date either. M goes with D; F (own rule missing) is kept.
    assert_eq!(dates["A"], None);
    assert_eq!(dates["E"], None);
    assert_eq!(dates["M"], Some(d(2029, 9, 15)));
    assert_eq!(dates["F"], None);
    for whole in store.disposal_dates(&schedule).unwrap() {
        let one = store
            .disposal_date_of(&schedule, &whole.person.parse().unwrap())
            .unwrap();
        assert_eq!(one.as_ref(), Some(&whole));
    }
    // Back to JSON and again: the same schedule.
    let text = serde_json::to_string(&RetentionSchedule::default()).unwrap();
    assert_eq!(
        serde_json::from_str::<RetentionSchedule>(&text).unwrap(),
        RetentionSchedule::default()
    );
}
