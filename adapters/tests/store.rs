//! The SQLite store: `load(save(net))` gives an equal network, saves replace and are
//! atomic, foreign files are refused, and the file is plain SQL.
//!
//! "Equal" here is strict: every record kind, field by field *including provenance*, in
//! the order the records were added (the store keeps insertion order), household members
//! with their periods, identity links; and `diff` empty both ways.

use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::NaiveDate;
use patchwork_adapters::store::{APPLICATION_ID, SCHEMA_VERSION, Store, StoreError};
use patchwork_adapters::synthetic::{self, Sizes};
use patchwork_core::*;
use proptest::prelude::*;
use rusqlite::Connection;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A fresh directory for one test's files, removed first if a previous run left it.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("patchwork-store-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ----- comparing networks ------------------------------------------------------------------

/// The same list, element by element; describes the first difference.
fn same_list<T: PartialEq + Debug>(what: &str, a: Vec<T>, b: Vec<T>) -> Result<(), String> {
    if let Some(i) = (0..a.len().min(b.len())).find(|&i| a[i] != b[i]) {
        return Err(format!(
            "{what} #{i} differs:\n  saved:  {:#?}\n  loaded: {:#?}",
            a[i], b[i]
        ));
    }
    if a.len() != b.len() {
        return Err(format!("{what}: {} saved, {} loaded", a.len(), b.len()));
    }
    Ok(())
}

fn households(n: &Network) -> Vec<(Household, Vec<(PersonKey, Period)>)> {
    n.households()
        .map(|h| {
            let members = n
                .household_members(&h.key)
                .unwrap()
                .into_iter()
                .map(|(p, period)| (p.key.clone(), period))
                .collect();
            (h.clone(), members)
        })
        .collect()
}

fn first_difference(a: &Network, b: &Network, dates: &[NaiveDate]) -> Result<(), String> {
    fn all<'n, T: Clone + 'n>(it: impl Iterator<Item = &'n T>) -> Vec<T> {
        it.cloned().collect()
    }
    same_list("agency", all(a.agencies()), all(b.agencies()))?;
    same_list("team", all(a.teams()), all(b.teams()))?;
    same_list(
        "professional",
        all(a.professionals()),
        all(b.professionals()),
    )?;
    same_list("person", all(a.persons()), all(b.persons()))?;
    same_list("household", households(a), households(b))?;
    same_list(
        "relationship",
        all(a.relationships()),
        all(b.relationships()),
    )?;
    same_list("episode", all(a.episodes()), all(b.episodes()))?;
    same_list("activity", all(a.activities()), all(b.activities()))?;
    same_list(
        "involvement",
        a.involvements().map(|i| i.to_record()).collect(),
        b.involvements().map(|i| i.to_record()).collect(),
    )?;
    same_list(
        "identity link",
        all(a.identity_links()),
        all(b.identity_links()),
    )?;
    for &day in dates {
        let forward = b.diff(a, day);
        if !forward.is_empty() {
            return Err(format!(
                "loaded.diff(saved, {day}) is not empty: {forward:#?}"
            ));
        }
        let backward = a.diff(b, day);
        if !backward.is_empty() {
            return Err(format!(
                "saved.diff(loaded, {day}) is not empty: {backward:#?}"
            ));
        }
    }
    Ok(())
}

#[track_caller]
fn assert_same_network(saved: &Network, loaded: &Network) {
    let dates = [d(2000, 1, 1), d(2024, 3, 15), d(2025, 3, 1), d(2040, 6, 1)];
    if let Err(difference) = first_difference(saved, loaded, &dates) {
        panic!("the loaded network differs from the saved one: {difference}");
    }
}

// ----- a synthetic council, plus the record kinds it does not make ---------------------------

/// A small synthetic council, with activities, identity links, other identifiers, a
/// team-only involvement and ended involvements with both kinds of end reason added.
fn council() -> Network {
    let council = synthetic::generate_sizes(
        Sizes {
            persons: 400,
            involvements: 1_600,
            professionals: 60,
        },
        11,
    );
    let mut net = council.into_network().unwrap();
    let file = Origin::new("health", Some("partner feed ü.csv".into()));
    let persons: Vec<PersonKey> = net.persons().map(|p| p.key.clone()).take(20).collect();
    let workers: Vec<ProfessionalKey> = net.professionals().map(|p| p.key.clone()).collect();
    let team = net.teams().next().unwrap().key.clone();
    let kinds = [
        ActivityKind::Referral,
        ActivityKind::Assessment,
        ActivityKind::CinPlan,
        ActivityKind::Section47Enquiry,
        ActivityKind::InitialChildProtectionConference,
        ActivityKind::Other,
    ];
    for (i, person) in persons.iter().enumerate() {
        net.add_activity(Activity {
            key: ActivityKey::new("lcs", format!("act:{i}")),
            person: person.clone(),
            professional: (i % 3 != 0).then(|| workers[i % workers.len()].clone()),
            team: (i % 2 == 0 || i % 3 == 0).then(|| team.clone()),
            kind: kinds[i % kinds.len()],
            period: Period::new(
                Some(d(2024, 1, 1 + i as u32)),
                (i % 4 == 0).then(|| d(2024, 6, 1)),
            )
            .unwrap(),
            source: Source::at(&file, i as u64 + 2),
        })
        .unwrap();
        net.add_identity_link(IdentityLink {
            person: person.clone(),
            record: ExternalKey::new("health", format!("H:{i}")),
            matched_on: [MatchedOn::NhsNumber, MatchedOn::Upn, MatchedOn::LaPersonId][i % 3],
            source: Source::at(&file, i as u64 + 2),
        })
        .unwrap();
        net.add_involvement(Involvement {
            key: InvolvementKey::new("health", format!("team-only:{i}")),
            person: person.clone(),
            professional: None,
            team: Some(team.clone()),
            role: Role::new("HV team", RoleCategory::HealthVisitor),
            period: Period::new(Some(d(2023, 5, 1)), Some(d(2024, 5, 1))).unwrap(),
            end_reason: Some(if i % 2 == 0 {
                EndReason::Dfe(SwChangeReason::ALL[i % 10])
            } else {
                EndReason::Source("moved out of area".into())
            }),
            sensitivity: [
                Sensitivity::Standard,
                Sensitivity::SensitiveService,
                Sensitivity::Restricted,
            ][i % 3],
            source: Source::at(&file, 100 + i as u64),
        })
        .unwrap();
    }
    let mut adult = Person::new(
        PersonKey::new("lcs", "A:1"),
        PersonKind::Adult,
        Source::system("api"),
    );
    adult.other_identifiers = vec![
        OtherIdentifier {
            kind: "YOT number".into(),
            value: "Y-123".into(),
        },
        OtherIdentifier {
            kind: "Case number".into(),
            value: "C/9".into(),
        },
    ];
    adult.given_name = Some("Siân".into());
    net.add_person(adult).unwrap();
    net
}

#[test]
fn a_synthetic_council_round_trips_field_by_field() {
    let net = council();
    assert!(net.activities().len() > 0 && net.identity_links().len() > 0);
    assert!(net.episodes().len() > 0 && net.relationships().len() > 0);
    assert!(net.households().len() > 0);
    let dir = temp_dir("council");
    let mut store = Store::open(dir.join("net.sqlite")).unwrap();
    let summary = store.save(&net).unwrap();
    assert_eq!(summary.persons, net.person_count() as u64);
    assert_eq!(summary.involvements, net.involvement_count() as u64);
    assert_eq!(summary.person_identifiers, 2);
    assert_eq!(summary.activities, 20);
    let loaded = store.load().unwrap();
    assert_same_network(&net, &loaded);
    // And from a fresh connection, as the next night's job would.
    drop(store);
    let again = Store::open(dir.join("net.sqlite")).unwrap().load().unwrap();
    assert_same_network(&net, &again);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_empty_store_loads_an_empty_network() {
    let store = Store::open_in_memory().unwrap();
    let net = store.load().unwrap();
    assert_eq!(net.person_count(), 0);
    assert_same_network(&Network::new(), &net);
}

// ----- property: random small networks with edge values -------------------------------------

fn edge_text() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some(String::new())),
        Just(Some("Zoë Ní Bhriain-O'Connor".to_owned())),
        Just(Some("王秀英 🧒".to_owned())),
        Just(Some("a:b:c".to_owned())),
        Just(Some("nul\u{0}inside".to_owned())),
        Just(Some("'; DROP TABLE persons; --".to_owned())),
        "\\PC{0,12}".prop_map(Some),
    ]
}

fn edge_date() -> impl Strategy<Value = Option<NaiveDate>> {
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(NaiveDate::MIN)),
        1 => Just(Some(NaiveDate::MAX)),
        1 => Just(Some(d(0, 1, 1))),
        1 => Just(Some(d(-1, 12, 31))),
        1 => Just(Some(d(9999, 12, 31))),
        1 => Just(Some(d(10000, 1, 1))),
        1 => Just(Some(d(2024, 2, 29))),
        4 => (1990i32..2030, 1u32..=12, 1u32..=28).prop_map(|(y, m, day)| Some(d(y, m, day))),
    ]
}

/// Values that a builder takes in turn, cycling, so that any length of input works.
#[derive(Debug, Clone)]
struct Pool {
    texts: Vec<Option<String>>,
    dates: Vec<Option<NaiveDate>>,
    picks: Vec<u16>,
    counts: [usize; 11],
}

struct Cursor<'p> {
    pool: &'p Pool,
    text: usize,
    date: usize,
    pick: usize,
}

impl Cursor<'_> {
    fn text(&mut self) -> Option<String> {
        self.text += 1;
        self.pool.texts[self.text % self.pool.texts.len()].clone()
    }
    fn date(&mut self) -> Option<NaiveDate> {
        self.date += 1;
        self.pool.dates[self.date % self.pool.dates.len()]
    }
    fn pick(&mut self, n: usize) -> usize {
        self.pick += 1;
        usize::from(self.pool.picks[self.pick % self.pool.picks.len()]) % n.max(1)
    }
    fn chance(&mut self) -> bool {
        self.pick(2) == 0
    }
    fn period(&mut self) -> Period {
        let (a, b) = (self.date(), self.date());
        Period::new(a, b).or_else(|_| Period::new(b, a)).unwrap()
    }
    fn id(&mut self, kind: &str, i: usize) -> String {
        const PARTS: [&str; 5] = ["", ":", "a:b", "é", " "];
        format!("{kind}{}{i}", PARTS[self.pick(PARTS.len())])
    }
    fn source(&mut self) -> Source {
        const SYSTEMS: [&str; 4] = ["lcs", "a:b", "", "ünï"];
        let system = SYSTEMS[self.pick(SYSTEMS.len())];
        match self.pick(4) {
            0 => Source::system(system),
            1 => Source::row(system, "ssd person.csv", 1),
            2 => Source::row(system, "f.csv", i64::MAX as u64),
            _ => Source::row(system, "日本.xml", 0),
        }
    }
}

/// Valid national identifiers, taken from a synthetic council.
fn identifiers() -> &'static (Vec<NhsNumber>, Vec<Upn>) {
    static IDS: OnceLock<(Vec<NhsNumber>, Vec<Upn>)> = OnceLock::new();
    IDS.get_or_init(|| {
        let c = synthetic::generate_sizes(
            Sizes {
                persons: 200,
                involvements: 600,
                professionals: 20,
            },
            3,
        );
        let nhs = c
            .persons
            .iter()
            .filter_map(|p| p.nhs_number)
            .take(5)
            .collect();
        let upn = c.persons.iter().filter_map(|p| p.upn).take(5).collect();
        (nhs, upn)
    })
}

/// Builds a network from the pool through the core API, skipping what the core refuses.
fn build(pool: &Pool) -> Network {
    let mut c = Cursor {
        pool,
        text: 0,
        date: 0,
        pick: 0,
    };
    let (nhs, upns) = identifiers();
    let [
        agencies,
        teams,
        professionals,
        persons,
        households,
        members,
        relationships,
        episodes,
        activities,
        involvements,
        links,
    ] = pool.counts;
    let mut net = Network::new();
    let agency_kinds = [
        AgencyKind::ChildrensSocialCare,
        AgencyKind::Health,
        AgencyKind::Other,
    ];
    for i in 0..agencies {
        let _ = net.add_agency(Agency {
            key: AgencyKey::new("org", c.id("A", i)),
            name: c.text().unwrap_or_default(),
            kind: agency_kinds[c.pick(3)],
            ods_code: c.text(),
            school_urn: c.text(),
            source: c.source(),
        });
    }
    let agency_keys: Vec<AgencyKey> = net.agencies().map(|a| a.key.clone()).collect();
    for i in 0..teams {
        let parent = net.teams().map(|t| t.key.clone()).collect::<Vec<_>>();
        let _ = net.add_team(Team {
            key: TeamKey::new("lcs", c.id("T", i)),
            name: c.text().unwrap_or_default(),
            agency: (!agency_keys.is_empty() && c.chance())
                .then(|| agency_keys[c.pick(agency_keys.len())].clone()),
            parent: (!parent.is_empty() && c.chance())
                .then(|| parent[c.pick(parent.len())].clone()),
            source: c.source(),
        });
    }
    let team_keys: Vec<TeamKey> = net.teams().map(|t| t.key.clone()).collect();
    for i in 0..professionals {
        let _ = net.add_professional(Professional {
            key: ProfessionalKey::new("lcs", c.id("W", i)),
            name: c.text(),
            job_title: c.text(),
            staff_id: c.text(),
            registration_number: c.text(),
            agency: (!agency_keys.is_empty() && c.chance())
                .then(|| agency_keys[c.pick(agency_keys.len())].clone()),
            team: (!team_keys.is_empty() && c.chance())
                .then(|| team_keys[c.pick(team_keys.len())].clone()),
            email: c.text(),
            phone: c.text(),
            active: c.period(),
            source: c.source(),
        });
    }
    let workers: Vec<ProfessionalKey> = net.professionals().map(|p| p.key.clone()).collect();
    let person_kinds = [
        PersonKind::Child,
        PersonKind::UnbornChild,
        PersonKind::Adult,
    ];
    let sexes = [None, Some(Sex::Male), Some(Sex::Female), Some(Sex::Unknown)];
    for i in 0..persons {
        let other_identifiers = (0..c.pick(3))
            .map(|_| OtherIdentifier {
                kind: c.text().unwrap_or_default(),
                value: c.text().unwrap_or_default(),
            })
            .collect();
        let _ = net.add_person(Person {
            key: PersonKey::new("lcs", c.id("P", i)),
            kind: person_kinds[c.pick(3)],
            nhs_number: c.chance().then(|| nhs[c.pick(nhs.len())]),
            upn: c.chance().then(|| upns[c.pick(upns.len())]),
            former_upn: c.chance().then(|| upns[c.pick(upns.len())]),
            given_name: c.text(),
            family_name: c.text(),
            birth_date: c.date(),
            expected_birth_date: c.date(),
            sex: sexes[c.pick(4)],
            ethnicity: c.text(),
            death_date: c.date(),
            disabilities: Vec::new(),
            upn_unknown: None,
            postcode: c.text(),
            other_identifiers,
            looked_after: None,
            shielded: false,
            source: c.source(),
        });
    }
    let people: Vec<PersonKey> = net.persons().map(|p| p.key.clone()).collect();
    if people.is_empty() {
        return net;
    }
    for i in 0..households {
        let _ = net.add_household(Household {
            key: HouseholdKey::new("lcs", c.id("H", i)),
            name: c.text(),
            source: c.source(),
        });
    }
    let homes: Vec<HouseholdKey> = net.households().map(|h| h.key.clone()).collect();
    for _ in 0..members {
        if homes.is_empty() {
            break;
        }
        let home = homes[c.pick(homes.len())].clone();
        let person = people[c.pick(people.len())].clone();
        let period = c.period();
        let _ = net.add_household_member(&home, &person, period);
    }
    let rel_kinds = [
        RelationshipKind::Parent,
        RelationshipKind::HalfSibling,
        RelationshipKind::Other,
    ];
    for i in 0..relationships {
        let _ = net.add_relationship(Relationship {
            key: RelationshipKey::new("lcs", c.id("R", i)),
            from: people[c.pick(people.len())].clone(),
            to: people[c.pick(people.len())].clone(),
            kind: rel_kinds[c.pick(3)],
            parental_responsibility: c.chance(),
            period: c.period(),
            source: c.source(),
        });
    }
    for i in 0..episodes {
        let detail = match c.pick(6) {
            0 => EpisodeDetail::EarlyHelp { reason: c.text() },
            1 => EpisodeDetail::ChildInNeed {
                referral_source: c.text(),
                primary_need: c.text(),
                closure_reason: c.text(),
                census: Default::default(),
            },
            2 => EpisodeDetail::Section47 {
                outcome: c.text(),
                census: Default::default(),
            },
            3 => EpisodeDetail::ChildProtectionPlan {
                category_of_abuse: None,
                census: Default::default(),
            },
            4 => EpisodeDetail::ChildProtectionPlan {
                category_of_abuse: Some(
                    [CategoryOfAbuse::Neglect, CategoryOfAbuse::Multiple][c.pick(2)],
                ),
                census: Default::default(),
            },
            _ => EpisodeDetail::LookedAfter {
                legal_status: c.text(),
                placement: c.text(),
                care: None,
            },
        };
        let _ = net.add_episode(Episode {
            key: EpisodeKey::new("lcs", c.id("E", i)),
            person: people[c.pick(people.len())].clone(),
            period: c.period(),
            detail,
            source: c.source(),
        });
    }
    for i in 0..activities {
        let _ = net.add_activity(Activity {
            key: ActivityKey::new("lcs", c.id("X", i)),
            person: people[c.pick(people.len())].clone(),
            professional: (!workers.is_empty() && c.chance())
                .then(|| workers[c.pick(workers.len())].clone()),
            team: (!team_keys.is_empty() && c.chance())
                .then(|| team_keys[c.pick(team_keys.len())].clone()),
            kind: [ActivityKind::Referral, ActivityKind::Other][c.pick(2)],
            period: c.period(),
            source: c.source(),
        });
    }
    for i in 0..involvements {
        let end_reason = match c.pick(3) {
            0 => None,
            1 => Some(EndReason::Dfe(SwChangeReason::ALL[c.pick(10)])),
            // The source's own text, even one that looks like a DfE code.
            _ => Some(EndReason::Source(
                c.text().unwrap_or_else(|| "LEFTRL".to_owned()),
            )),
        };
        let role_code = c.text().unwrap_or_default();
        let key = InvolvementKey::new("lcs", c.id("I", i));
        let _ = net.add_involvement(Involvement {
            key: key.clone(),
            person: people[c.pick(people.len())].clone(),
            professional: (!workers.is_empty() && c.chance())
                .then(|| workers[c.pick(workers.len())].clone()),
            team: (!team_keys.is_empty() && c.chance())
                .then(|| team_keys[c.pick(team_keys.len())].clone()),
            role: Role::new(role_code, RoleCategory::ALL[c.pick(14)]),
            period: c.period(),
            end_reason,
            sensitivity: [
                Sensitivity::Standard,
                Sensitivity::SensitiveService,
                Sensitivity::Restricted,
            ][c.pick(3)],
            source: c.source(),
        });
        // Ended later, through the API, as a nightly import would.
        if c.pick(4) == 0
            && let Some(end) = c.date()
        {
            let _ = net.end_involvement(&key, end, None);
        }
    }
    for i in 0..links {
        let _ = net.add_identity_link(IdentityLink {
            person: people[c.pick(people.len())].clone(),
            record: ExternalKey::new("partner", c.id("L", i)),
            matched_on: [MatchedOn::NhsNumber, MatchedOn::Upn, MatchedOn::LaPersonId][c.pick(3)],
            source: c.source(),
        });
    }
    net
}

fn pool() -> impl Strategy<Value = Pool> {
    (
        prop::collection::vec(edge_text(), 1..24),
        prop::collection::vec(edge_date(), 1..24),
        prop::collection::vec(any::<u16>(), 1..64),
        prop::array::uniform11(0usize..10),
    )
        .prop_map(|(texts, dates, picks, counts)| Pool {
            texts,
            dates,
            picks,
            counts,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_small_networks_round_trip(pool in pool()) {
        let net = build(&pool);
        let mut store = Store::open_in_memory().unwrap();
        store.save(&net).unwrap();
        let loaded = store.load().unwrap();
        if let Err(difference) = first_difference(&net, &loaded, &[d(2024, 3, 15), NaiveDate::MAX]) {
            prop_assert!(false, "{}", difference);
        }
    }
}

// ----- saves replace, and a failed save changes nothing -------------------------------------

fn small(seed: u64, persons: usize) -> Network {
    synthetic::generate_sizes(
        Sizes {
            persons,
            involvements: persons * 4,
            professionals: 30,
        },
        seed,
    )
    .into_network()
    .unwrap()
}

fn count(path: &std::path::Path, table: &str) -> i64 {
    let conn = Connection::open(path).unwrap();
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn saving_again_replaces_what_was_saved() {
    let dir = temp_dir("replace");
    let path = dir.join("net.sqlite");
    let (first, second) = (small(1, 300), small(2, 120));
    let mut store = Store::open(&path).unwrap();
    store.save(&first).unwrap();
    store.save(&second).unwrap();
    assert_same_network(&second, &store.load().unwrap());
    assert_eq!(count(&path, "persons"), 120);
    assert_eq!(
        count(&path, "involvements"),
        second.involvement_count() as i64
    );
    // Saving the same network twice gives the same rows, not twice as many.
    store.save(&second).unwrap();
    assert_eq!(count(&path, "persons"), 120);
    assert_same_network(&second, &store.load().unwrap());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_failed_save_leaves_the_previous_network() {
    let dir = temp_dir("failed");
    let path = dir.join("net.sqlite");
    let previous = small(3, 200);
    let mut store = Store::open(&path).unwrap();
    store.save(&previous).unwrap();

    // A network whose very last involvement the file will refuse: by then the save has
    // emptied every table and written everything else.
    let mut next = small(4, 250);
    let last = next.involvements().last().unwrap().to_record();
    next.add_involvement(Involvement {
        key: InvolvementKey::new("lcs", "boom"),
        ..last
    })
    .unwrap();
    let other = Connection::open(&path).unwrap();
    other
        .execute_batch(
            "CREATE TRIGGER boom BEFORE INSERT ON involvements WHEN NEW.key = 'lcs:boom'
             BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
        )
        .unwrap();

    let err = store.save(&next).unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, StoreError::Sqlite { .. }), "{err:?}");
    assert!(message.contains("net.sqlite"), "{message}");
    assert!(message.contains("involvements"), "{message}");
    assert!(message.contains("injected failure"), "{message}");

    // The previous network is intact, through this connection and a new one.
    assert_same_network(&previous, &store.load().unwrap());
    assert_same_network(&previous, &Store::open(&path).unwrap().load().unwrap());
    assert_eq!(store.integrity_check().unwrap(), vec!["ok".to_owned()]);

    // Once the cause is gone, the store takes the new network.
    other.execute_batch("DROP TRIGGER boom").unwrap();
    store.save(&next).unwrap();
    assert_same_network(&next, &store.load().unwrap());
    std::fs::remove_dir_all(dir).unwrap();
}

// ----- what open refuses ---------------------------------------------------------------------

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_alone() {
    let dir = temp_dir("not-sqlite");
    let path = dir.join("extract.csv");
    let content = "person_id,name\n".repeat(100);
    std::fs::write(&path, &content).unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err:?}");
    assert!(err.to_string().contains("extract.csv"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), content);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn another_applications_database_is_refused_and_left_alone() {
    let dir = temp_dir("foreign");
    for (name, setup, found) in [
        (
            "other.db",
            "PRAGMA application_id = 42; CREATE TABLE t (x);",
            42,
        ),
        // No application id, but tables of its own: someone else's database.
        ("plain.db", "CREATE TABLE t (x);", 0),
    ] {
        let path = dir.join(name);
        Connection::open(&path)
            .unwrap()
            .execute_batch(setup)
            .unwrap();
        let err = Store::open(&path).unwrap_err();
        match &err {
            StoreError::ForeignDatabase { found: f, .. } => assert_eq!(*f, found),
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains(name), "{err}");
        // Not switched to WAL, no tables added.
        let conn = Connection::open(&path).unwrap();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "delete");
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 1);
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_store_from_a_newer_patchwork_is_refused() {
    let dir = temp_dir("future");
    let path = dir.join("net.sqlite");
    Store::open(&path).unwrap().save(&small(5, 50)).unwrap();
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let err = Store::open(&path).unwrap_err();
    match &err {
        StoreError::TooNew { found, .. } => assert_eq!(*found, SCHEMA_VERSION + 1),
        other => panic!("{other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("net.sqlite"), "{message}");
    assert!(
        message.contains(&format!("version {}", SCHEMA_VERSION + 1)),
        "{message}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_empty_file_becomes_a_store() {
    let dir = temp_dir("empty-file");
    let path = dir.join("new.sqlite");
    std::fs::write(&path, b"").unwrap();
    let mut store = Store::open(&path).unwrap();
    let net = small(6, 40);
    store.save(&net).unwrap();
    assert_same_network(&net, &store.load().unwrap());
    std::fs::remove_dir_all(dir).unwrap();
}

// ----- integrity, and the file as plain SQL --------------------------------------------------

#[test]
fn a_fresh_store_passes_the_integrity_check() {
    assert_eq!(
        Store::open_in_memory().unwrap().integrity_check().unwrap(),
        vec!["ok".to_owned()]
    );
    let dir = temp_dir("integrity");
    let store = Store::open(dir.join("net.sqlite")).unwrap();
    assert_eq!(store.integrity_check().unwrap(), vec!["ok".to_owned()]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_file_is_plain_sql_with_the_documented_header() {
    let dir = temp_dir("plain-sql");
    let path = dir.join("net.sqlite");
    let net = council();
    let mut store = Store::open(&path).unwrap();
    store.save(&net).unwrap();
    assert_eq!(store.integrity_check().unwrap(), vec!["ok".to_owned()]);
    drop(store);

    let conn = Connection::open(&path).unwrap();
    let one = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        one("SELECT count(*) FROM involvements"),
        net.involvement_count() as i64
    );
    assert_eq!(
        one("SELECT count(*) FROM persons"),
        net.person_count() as i64
    );
    assert_eq!(one("PRAGMA application_id"), i64::from(APPLICATION_ID));
    assert_eq!(one("PRAGMA user_version"), SCHEMA_VERSION);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");

    // The first involvement, readable column by column.
    let first = net.involvements().next().unwrap().to_record();
    let (key, person, category, start, origin_system): (
        String,
        String,
        String,
        Option<String>,
        String,
    ) = conn
        .query_row(
            "SELECT i.key, i.person_key, i.role_category, i.start_date, o.system
             FROM involvements i JOIN origins o ON o.id = i.origin_id ORDER BY i.id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .unwrap();
    assert_eq!(key, first.key.as_str());
    assert_eq!(person, first.person.as_str());
    assert_eq!(category, first.role.category.as_str());
    assert_eq!(
        start,
        first.period.start.map(|s| s.format("%Y-%m-%d").to_string())
    );
    assert_eq!(origin_system, first.source.system_name());
    // Open involvements per role category, as an analyst would ask.
    let open = one("SELECT count(*) FROM involvements WHERE end_date IS NULL");
    assert_eq!(
        open,
        net.involvements()
            .filter(|i| i.period().end.is_none())
            .count() as i64
    );
    std::fs::remove_dir_all(dir).unwrap();
}

// ----- a store changed outside Patchwork -----------------------------------------------------

#[test]
fn a_store_edited_into_nonsense_gives_an_error_naming_the_row() {
    let dir = temp_dir("corrupt");
    let path = dir.join("net.sqlite");
    let net = small(7, 60);
    Store::open(&path).unwrap().save(&net).unwrap();
    let first = net.involvements().next().unwrap().key().clone();
    let conn = Connection::open(&path).unwrap();

    conn.execute(
        "UPDATE involvements SET start_date = '2025-02-30' WHERE key = ?1",
        [first.as_str()],
    )
    .unwrap();
    let err = Store::open(&path).unwrap().load().unwrap_err();
    match &err {
        StoreError::Corrupt {
            table, key, column, ..
        } => {
            assert_eq!(
                (*table, key.as_str(), column.as_str()),
                ("involvements", first.as_str(), "start_date")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("net.sqlite"), "{err}");

    // An end before the start parses, but the network refuses it.
    conn.execute(
        "UPDATE involvements SET start_date = '2025-02-01', end_date = '2025-01-01' WHERE key = ?1",
        [first.as_str()],
    )
    .unwrap();
    let err = Store::open(&path).unwrap().load().unwrap_err();
    match &err {
        StoreError::Refused { table, key, .. } => {
            assert_eq!((*table, key.as_str()), ("involvements", first.as_str()));
        }
        other => panic!("{other:?}"),
    }

    // An unknown enum value.
    conn.execute(
        "UPDATE involvements SET start_date = NULL, end_date = NULL, sensitivity = 'secret' WHERE key = ?1",
        [first.as_str()],
    )
    .unwrap();
    let err = Store::open(&path).unwrap().load().unwrap_err();
    assert!(
        matches!(&err, StoreError::Corrupt { column, .. } if column == "sensitivity"),
        "{err:?}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

// ----- incremental saves: only the changes written, the new network read back ----------------

/// A network's records as sorted JSON texts without their provenance: what an incremental
/// save must leave in the store (a record that only moved keeps its stored provenance, and
/// new rows come after the old ones).
fn canonical(n: &Network) -> Vec<String> {
    fn bare(kind: &str, value: impl serde::Serialize) -> String {
        let mut v = serde_json::to_value(value).unwrap();
        if let Some(o) = v.as_object_mut() {
            o.remove("source");
        }
        format!("{kind} {v}")
    }
    let mut all: Vec<String> = Vec::new();
    all.extend(n.agencies().map(|r| bare("agency", r)));
    all.extend(n.teams().map(|r| bare("team", r)));
    all.extend(n.professionals().map(|r| bare("professional", r)));
    all.extend(n.persons().map(|r| bare("person", r)));
    all.extend(
        households(n)
            .into_iter()
            .map(|(h, members)| format!("{} {members:?}", bare("household", h))),
    );
    all.extend(n.relationships().map(|r| bare("relationship", r)));
    all.extend(n.episodes().map(|r| bare("episode", r)));
    all.extend(n.activities().map(|r| bare("activity", r)));
    all.extend(n.involvements().map(|r| bare("involvement", r)));
    all.extend(n.identity_links().map(|r| bare("identity_link", r)));
    all.sort();
    all
}

fn import_record(previous_import: Option<i64>) -> patchwork_adapters::store::ImportRecord<'static> {
    patchwork_adapters::store::ImportRecord {
        previous_import,
        started_at: "2025-03-01T02:00:00Z".to_owned(),
        as_of: d(2025, 3, 1),
        outcome: "loaded",
        rows_read: 0,
        rows_loaded: 0,
        rows_quarantined: 0,
        report_json: "{}".to_owned(),
        files: &[],
        events: &[],
        audit: None,
    }
}

fn dangling_references(path: &std::path::Path) -> i64 {
    Connection::open(path)
        .unwrap()
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap()
}

/// Saves `first` into a new store, then `second` over it incrementally; returns the store
/// path, what the second save wrote, and the network loaded afterwards.
fn two_imports(
    dir: &std::path::Path,
    first: &Network,
    second: &Network,
) -> (PathBuf, patchwork_adapters::store::DeltaSummary, Network) {
    let path = dir.join("delta.sqlite");
    let _ = std::fs::remove_file(&path);
    let mut store = Store::open(&path).unwrap();
    let (_, id) = store
        .save_import(&Network::new(), first, &import_record(None), &mut |_, _| {})
        .unwrap();
    let stored = store.load().unwrap();
    let (written, _) = store
        .save_import(&stored, second, &import_record(Some(id)), &mut |_, _| {})
        .unwrap();
    let loaded = store.load().unwrap();
    (path, written, loaded)
}

#[test]
fn an_incremental_save_between_two_councils_leaves_exactly_the_second() {
    let dir = temp_dir("delta-councils");
    // Two councils from different seeds share key spaces, so the second save inserts,
    // updates and deletes in every table.
    let (first, second) = (small(1, 300), small(2, 200));
    let (path, written, loaded) = two_imports(&dir, &first, &second);
    assert_eq!(canonical(&loaded), canonical(&second));
    assert_eq!(dangling_references(&path), 0);
    assert!(written.inserted.involvements > 0, "{written:?}");
    assert!(written.updated.involvements > 0, "{written:?}");
    assert!(written.deleted.persons > 0, "{written:?}");
    // The counts agree with the tables.
    assert_eq!(count(&path, "persons"), second.person_count() as i64);
    assert_eq!(
        count(&path, "involvements"),
        second.involvement_count() as i64
    );

    // The same network again writes nothing.
    let mut store = Store::open(&path).unwrap();
    let last = store.last_import().unwrap().map(|i| i.id);
    let (again, _) = store
        .save_import(&loaded, &second, &import_record(last), &mut |_, _| {})
        .unwrap();
    assert_eq!(again.total(), 0, "{again:?}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn an_incremental_save_refuses_a_store_another_import_changed() {
    let dir = temp_dir("delta-race");
    let path = dir.join("race.sqlite");
    let net = small(3, 50);
    let mut store = Store::open(&path).unwrap();
    store
        .save_import(&Network::new(), &net, &import_record(None), &mut |_, _| {})
        .unwrap();
    // Loaded before import 1 was saved: the save must not apply a delta to the wrong state.
    let err = store
        .save_import(&Network::new(), &net, &import_record(None), &mut |_, _| {})
        .unwrap_err();
    assert!(matches!(err, StoreError::ChangedSinceLoad { .. }), "{err}");
    assert!(err.to_string().contains("race.sqlite"), "{err}");
    assert_eq!(store.last_import().unwrap().map(|i| i.id), Some(1));
    assert_eq!(canonical(&store.load().unwrap()), canonical(&net));
    std::fs::remove_dir_all(dir).unwrap();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_incremental_saves_leave_the_new_network(a in pool(), b in pool()) {
        let (first, second) = (build(&a), build(&b));
        let dir = temp_dir("delta-random");
        let (path, _, loaded) = two_imports(&dir, &first, &second);
        prop_assert_eq!(canonical(&loaded), canonical(&second));
        prop_assert_eq!(dangling_references(&path), 0);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
