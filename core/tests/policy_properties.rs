//! Governance properties over random networks, viewers, policies and queries (10,000
//! cases a run):
//!
//! * nothing hidden reaches the viewer: no hidden person, involvement, episode,
//!   relationship or household shows in any answer, by key or by name;
//! * hidden facts do not shape answers: removing every hidden fact from the network
//!   leaves every answer (rows, counts, ordering, errors) exactly as it was;
//! * every read gives exactly one access record, naming exactly the persons whose records
//!   appear in the answer;
//! * a viewer's export holds exactly what their queries show, and nothing the policy
//!   hides.
//!
//! "Hidden" is worked out here from the generated records, independently of the library.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use patchwork_core::*;
use proptest::prelude::*;
use serde::Serialize;

const S: &str = "t";
const NHS: [&str; 4] = ["9434765919", "9434765870", "9434765862", "9434765854"];
const ROLES: [&str; 5] = [
    "practitioner",
    "front_door",
    "shield_broker",
    "child_protection",
    "unknown",
];
const CATEGORIES: [RoleCategory; 5] = [
    RoleCategory::AllocatedSocialWorker,
    RoleCategory::LeadPractitioner,
    RoleCategory::HealthVisitor,
    RoleCategory::Police,
    RoleCategory::Other,
];
const SENSITIVITIES: [Sensitivity; 3] = [
    Sensitivity::Standard,
    Sensitivity::SensitiveService,
    Sensitivity::Restricted,
];

fn day(n: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).unwrap() + Duration::days(n)
}

#[derive(Debug, Clone)]
struct Prof {
    agency: Option<usize>,
    team: Option<usize>,
}

#[derive(Debug, Clone)]
struct Inv {
    person: usize,
    /// `None`: team-only, held by team `team`.
    professional: Option<usize>,
    team: usize,
    category: usize,
    sensitivity: usize,
    start: i64,
    end: Option<i64>,
}

#[derive(Debug, Clone)]
struct Cons {
    subject: usize,
    recipient: usize,
    /// `None`: all sensitive services; otherwise that holder agency only.
    holder: Option<usize>,
    from: i64,
    withdrawn: Option<i64>,
}

#[derive(Debug, Clone)]
struct Over {
    professional: usize,
    child: usize,
    from_min: i64,
    minutes: i64,
}

#[derive(Debug, Clone)]
struct Spec {
    profs: Vec<Prof>,
    persons: Vec<(bool, usize)>,
    invs: Vec<Inv>,
    rels: Vec<(usize, usize, Option<i64>)>,
    households: Vec<Vec<usize>>,
    episodes: Vec<(usize, bool, i64, Option<i64>)>,
    consents: Vec<Cons>,
    overrides: Vec<Over>,
    /// `None`: an administrative viewer.
    viewer: Option<usize>,
    role: usize,
    at_day: i64,
    at_hour: u32,
    involved_see_team: bool,
    others_see_existence: bool,
    administrative: bool,
    broker: bool,
    /// Category index whose role code the policy maps to this sensitivity.
    mapping: Option<(usize, usize)>,
    query: Query,
}

#[derive(Debug, Clone)]
enum Query {
    Team(usize),
    Family(usize),
    Timeline(usize),
    WorkedWith(usize),
    Workers(usize, i64, i64),
    Caseload(usize),
    Shared(usize, usize),
    Path(usize, usize),
    Gaps,
    Components,
    Diff,
    Search(usize),
    Export,
}

/// Agencies: 0 children's social care, 1 health, 2 police. Teams: 0 in agency 0, 1 in 1.
const AGENCIES: usize = 3;
const TEAM_AGENCY: [usize; 2] = [0, 1];

fn spec() -> impl Strategy<Value = Spec> {
    (1usize..7, 1usize..6).prop_flat_map(|(np, nw)| {
        let prof = (
            proptest::option::weighted(0.8, 0..AGENCIES),
            proptest::option::weighted(0.4, 0..2usize),
        )
            .prop_map(|(agency, team)| Prof { agency, team });
        let person = (proptest::bool::weighted(0.25), 0..NHS.len());
        let inv = (
            0..np,
            proptest::option::weighted(0.85, 0..nw),
            0..2usize,
            0..CATEGORIES.len(),
            0..3usize,
            0i64..60,
            proptest::option::of(0i64..40),
        )
            .prop_map(
                |(person, professional, team, category, sensitivity, start, len)| Inv {
                    person,
                    professional,
                    team,
                    category,
                    sensitivity,
                    start,
                    end: len.map(|l| start + l),
                },
            );
        let rel = (0..np, 0..np, proptest::option::of(0i64..80));
        let hh = proptest::collection::vec(0..np, 1..4);
        let ep = (
            0..np,
            any::<bool>(),
            0i64..60,
            proptest::option::of(0i64..40),
        );
        let cons = (
            0..np,
            0..AGENCIES,
            proptest::option::of(0..AGENCIES),
            0i64..80,
            proptest::option::of(0i64..80),
        )
            .prop_map(|(subject, recipient, holder, from, withdrawn)| Cons {
                subject,
                recipient,
                holder,
                from,
                withdrawn,
            });
        let over = (0..nw, 0..np + 1, -300i64..300, 0i64..600).prop_map(
            |(professional, child, from_min, minutes)| Over {
                professional,
                child,
                from_min,
                minutes,
            },
        );
        let query = prop_oneof![
            (0..np + 1).prop_map(Query::Team),
            (0..np + 1).prop_map(Query::Family),
            (0..np + 1).prop_map(Query::Timeline),
            (0..np + 1).prop_map(Query::WorkedWith),
            (0..np + 1, 0i64..80, 0i64..80).prop_map(|(p, a, b)| Query::Workers(
                p,
                a.min(b),
                a.max(b)
            )),
            (0..nw + 1).prop_map(Query::Caseload),
            (0..nw + 1, 0..nw + 1).prop_map(|(a, b)| Query::Shared(a, b)),
            (0..nw + 1, 0..nw + 1).prop_map(|(a, b)| Query::Path(a, b)),
            Just(Query::Gaps),
            Just(Query::Components),
            Just(Query::Diff),
            (0..NHS.len()).prop_map(Query::Search),
            Just(Query::Export),
        ];
        let network = (
            proptest::collection::vec(prof, nw),
            proptest::collection::vec(person, np),
            proptest::collection::vec(inv, 0..14),
            proptest::collection::vec(rel, 0..6),
            proptest::collection::vec(hh, 0..3),
            proptest::collection::vec(ep, 0..4),
        );
        let access = (
            proptest::collection::vec(cons, 0..3),
            proptest::collection::vec(over, 0..3),
            proptest::option::weighted(0.9, 0..nw),
            0..ROLES.len(),
            0i64..80,
            0u32..24,
        );
        let policy = (
            proptest::bool::weighted(0.9),
            proptest::bool::weighted(0.8),
            any::<bool>(),
            any::<bool>(),
            proptest::option::of((0..CATEGORIES.len(), 0..3usize)),
        );
        (network, access, policy, query).prop_map(
            |(
                (profs, persons, invs, rels, households, episodes),
                (consents, overrides, viewer, role, at_day, at_hour),
                (involved_see_team, others_see_existence, administrative, broker, mapping),
                query,
            )| Spec {
                profs,
                persons,
                invs,
                rels,
                households,
                episodes,
                consents,
                overrides,
                viewer,
                role,
                at_day,
                at_hour,
                involved_see_team,
                others_see_existence,
                administrative,
                broker,
                mapping,
                query,
            },
        )
    })
}

fn pk(i: usize) -> PersonKey {
    PersonKey::new(S, format!("P{i}"))
}
fn wk(i: usize) -> ProfessionalKey {
    ProfessionalKey::new(S, format!("W{i}"))
}
fn ak(i: usize) -> AgencyKey {
    AgencyKey::new(S, format!("A{i}"))
}
fn tk(i: usize) -> TeamKey {
    TeamKey::new(S, format!("T{i}"))
}
fn src() -> Source {
    Source::system(S)
}
fn role_code(category: usize) -> String {
    format!("R{category}")
}

/// Which records to leave out when building a network.
#[derive(Default)]
struct Omit {
    persons: BTreeSet<usize>,
    invs: BTreeSet<usize>,
}

/// Builds the network a spec describes, leaving out `omit` (and everything that refers
/// to an omitted person). `invs_upto` keeps only the first involvements (for an older
/// network to diff against).
fn build(spec: &Spec, omit: &Omit, invs_upto: usize) -> Network {
    let mut net = Network::new();
    for a in 0..AGENCIES {
        net.add_agency(Agency {
            key: ak(a),
            name: format!("Agency {a}"),
            kind: [
                AgencyKind::ChildrensSocialCare,
                AgencyKind::Health,
                AgencyKind::Police,
            ][a],
            ods_code: None,
            school_urn: None,
            source: src(),
        })
        .unwrap();
    }
    for (t, &a) in TEAM_AGENCY.iter().enumerate() {
        net.add_team(Team {
            key: tk(t),
            name: format!("Team {t}"),
            agency: Some(ak(a)),
            parent: None,
            source: src(),
        })
        .unwrap();
    }
    for (i, w) in spec.profs.iter().enumerate() {
        let mut p = Professional::new(wk(i), src());
        p.agency = w.agency.map(ak);
        p.team = w.team.map(tk);
        p.name = Some(format!("Worker{i}"));
        net.add_professional(p).unwrap();
    }
    for (i, &(shielded, nhs)) in spec.persons.iter().enumerate() {
        if omit.persons.contains(&i) {
            continue;
        }
        let mut p = Person::new(pk(i), PersonKind::Child, src());
        p.shielded = shielded;
        p.given_name = Some(format!("~P{i}~"));
        p.nhs_number = Some(NHS[nhs].parse().unwrap());
        net.add_person(p).unwrap();
    }
    for (i, inv) in spec.invs.iter().enumerate().take(invs_upto) {
        if omit.invs.contains(&i) || omit.persons.contains(&inv.person) {
            continue;
        }
        net.add_involvement(Involvement {
            key: InvolvementKey::new(S, format!("I{i}")),
            person: pk(inv.person),
            professional: inv.professional.map(wk),
            team: inv.professional.is_none().then(|| tk(inv.team)),
            role: Role::new(role_code(inv.category), CATEGORIES[inv.category]),
            period: Period::new(Some(day(inv.start)), inv.end.map(day)).unwrap(),
            end_reason: None,
            sensitivity: SENSITIVITIES[inv.sensitivity],
            source: src(),
        })
        .unwrap();
    }
    for (i, &(from, to, end)) in spec.rels.iter().enumerate() {
        if from == to || omit.persons.contains(&from) || omit.persons.contains(&to) {
            continue;
        }
        net.add_relationship(Relationship {
            key: RelationshipKey::new(S, format!("R{i}")),
            from: pk(from),
            to: pk(to),
            kind: RelationshipKind::Sibling,
            parental_responsibility: false,
            period: Period::new(None, end.map(day)).unwrap(),
            source: src(),
        })
        .unwrap();
    }
    for (h, members) in spec.households.iter().enumerate() {
        let members: Vec<usize> = members
            .iter()
            .copied()
            .filter(|m| !omit.persons.contains(m))
            .collect();
        if members.is_empty() {
            continue;
        }
        let key = HouseholdKey::new(S, format!("H{h}"));
        net.add_household(Household {
            key: key.clone(),
            name: None,
            source: src(),
        })
        .unwrap();
        for m in members {
            net.add_household_member(&key, &pk(m), Period::always())
                .unwrap();
        }
    }
    for (i, &(person, cp, start, len)) in spec.episodes.iter().enumerate() {
        if omit.persons.contains(&person) {
            continue;
        }
        net.add_episode(Episode {
            key: EpisodeKey::new(S, format!("E{i}")),
            person: pk(person),
            period: Period::new(Some(day(start)), len.map(|l| day(start + l))).unwrap(),
            detail: if cp {
                EpisodeDetail::ChildProtectionPlan {
                    category_of_abuse: None,
                    census: Default::default(),
                }
            } else {
                EpisodeDetail::ChildInNeed {
                    referral_source: None,
                    primary_need: None,
                    closure_reason: None,
                    census: Default::default(),
                }
            },
            source: src(),
        })
        .unwrap();
    }
    net
}

fn at(spec: &Spec) -> DateTime<Utc> {
    let d = day(spec.at_day);
    Utc.from_utc_datetime(&d.and_hms_opt(spec.at_hour, 30, 0).unwrap())
}

fn policy(spec: &Spec) -> Policy {
    let mut p = Policy::practice_defaults("prop-1");
    p.involved_see_team = spec.involved_see_team;
    p.others_see_existence = spec.others_see_existence;
    p.administrative = spec.administrative;
    p.broker_contact = spec.broker.then(|| "front door".to_owned());
    if let Some((category, sensitivity)) = spec.mapping {
        p.service_sensitivity
            .insert(role_code(category), SENSITIVITIES[sensitivity]);
    }
    p
}

fn grants(spec: &Spec) -> Grants {
    let at = at(spec);
    Grants {
        consents: spec
            .consents
            .iter()
            .map(|c| Consent {
                subject: pk(c.subject),
                given_by: ConsentGiver::Child,
                scope: match c.holder {
                    None => ConsentScope::AllSensitiveServices,
                    Some(h) => ConsentScope::ServicesOf {
                        agencies: vec![ak(h)],
                    },
                },
                recipients: vec![ak(c.recipient)],
                purposes: vec![],
                from: day(c.from),
                to: None,
                withdrawn: c.withdrawn.map(day),
                recorded_by: None,
                evidence: None,
            })
            .collect(),
        overrides: spec
            .overrides
            .iter()
            .map(|o| {
                let from = at + Duration::minutes(o.from_min);
                BreakGlass {
                    professional: wk(o.professional),
                    role: "child_protection".into(),
                    child: pk(o.child),
                    ground: OverrideGround::Safeguarding,
                    reason: "test".into(),
                    from,
                    until: from + Duration::minutes(o.minutes),
                    policy_version: "prop-1".into(),
                }
            })
            .collect(),
    }
}

fn viewer(spec: &Spec) -> Viewer {
    match spec.viewer {
        None => Viewer::administrative("analyst", Purpose::Analysis),
        Some(w) => {
            let p = &spec.profs[w];
            Viewer {
                kind: ViewerKind::Professional {
                    professional: wk(w),
                },
                agency: p.agency.or(p.team.map(|t| TEAM_AGENCY[t])).map(ak),
                team: p.team.map(tk),
                role: ROLES[spec.role].to_owned(),
                purpose: Purpose::DirectWork,
                reason: None,
            }
        }
    }
}

// ----- the oracle: what the viewer may see, worked out from the spec ------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sees {
    Hidden,
    Existence,
    Full,
}

struct Oracle {
    person: Vec<Sees>,
    /// Involvements the viewer would see if they saw the person in full.
    inv_ok: Vec<bool>,
    break_glass: Vec<bool>,
}

impl Oracle {
    fn new(spec: &Spec) -> Self {
        let at = at(spec);
        let date = at.date_naive();
        let role = ROLES[spec.role];
        let may_break = role == "child_protection";
        let front_door = role == "front_door";
        let read_shielded = role == "shield_broker";
        let me = spec.viewer;
        let my_team = me.and_then(|w| spec.profs[w].team);
        let my_agency = me.and_then(|w| {
            let p = &spec.profs[w];
            p.agency.or(p.team.map(|t| TEAM_AGENCY[t]))
        });
        let active = |inv: &Inv| day(inv.start) <= date && inv.end.is_none_or(|e| date < day(e));
        let own = |inv: &Inv| match inv.professional {
            Some(w) => Some(w) == me,
            None => my_team == Some(inv.team),
        };
        let break_glass: Vec<bool> = (0..spec.persons.len())
            .map(|p| {
                may_break
                    && spec.overrides.iter().any(|o| {
                        let from = at + Duration::minutes(o.from_min);
                        Some(o.professional) == me
                            && o.child == p
                            && from <= at
                            && at < from + Duration::minutes(o.minutes)
                    })
            })
            .collect();
        let person = (0..spec.persons.len())
            .map(|p| {
                if me.is_none() {
                    return if spec.administrative {
                        Sees::Full
                    } else {
                        Sees::Hidden
                    };
                }
                if break_glass[p] {
                    return Sees::Full;
                }
                if spec.persons[p].0 && !read_shielded {
                    return Sees::Hidden;
                }
                let involved = spec
                    .invs
                    .iter()
                    .any(|i| i.person == p && active(i) && own(i));
                if front_door || (involved && spec.involved_see_team) {
                    Sees::Full
                } else if spec.others_see_existence {
                    Sees::Existence
                } else {
                    Sees::Hidden
                }
            })
            .collect();
        let inv_ok = spec
            .invs
            .iter()
            .map(|inv| {
                if me.is_none() || own(inv) || break_glass[inv.person] {
                    return true;
                }
                let mut sensitivity = SENSITIVITIES[inv.sensitivity];
                if let Some((c, s)) = spec.mapping
                    && c == inv.category
                {
                    sensitivity = sensitivity.max(SENSITIVITIES[s]);
                }
                let holder = match inv.professional {
                    None => Some(TEAM_AGENCY[inv.team]),
                    Some(w) => {
                        let p = &spec.profs[w];
                        p.team.map(|t| TEAM_AGENCY[t]).or(p.agency)
                    }
                };
                let same = my_agency.is_some() && holder == my_agency;
                let consented = my_agency.is_some_and(|mine| {
                    spec.consents.iter().any(|c| {
                        c.subject == inv.person
                            && c.recipient == mine
                            && c.holder.is_none_or(|h| holder == Some(h))
                            && day(c.from) <= date
                            && c.withdrawn.is_none_or(|w| date < day(w))
                    })
                });
                match sensitivity {
                    Sensitivity::Standard => true,
                    Sensitivity::SensitiveService => same || consented,
                    Sensitivity::Restricted => same,
                }
            })
            .collect();
        Self {
            person,
            inv_ok,
            break_glass,
        }
    }

    fn full(&self, p: usize) -> bool {
        self.person[p] == Sees::Full
    }

    fn inv_visible(&self, spec: &Spec, i: usize) -> bool {
        self.full(spec.invs[i].person) && self.inv_ok[i]
    }

    fn rel_visible(&self, spec: &Spec, r: usize) -> bool {
        let (a, b, _) = spec.rels[r];
        a != b
            && self.person[a] != Sees::Hidden
            && self.person[b] != Sees::Hidden
            && (self.full(a) || self.full(b))
    }

    fn household_visible(&self, spec: &Spec, h: usize) -> bool {
        spec.households[h].iter().any(|&m| self.full(m))
    }

    /// Persons whose records (not just keys) the viewer may see: those seen in full and
    /// their relatives.
    fn person_record_visible(&self, spec: &Spec) -> Vec<bool> {
        let mut v: Vec<bool> = (0..spec.persons.len()).map(|p| self.full(p)).collect();
        for r in 0..spec.rels.len() {
            if self.rel_visible(spec, r) {
                v[spec.rels[r].0] = true;
                v[spec.rels[r].1] = true;
            }
        }
        for (h, members) in spec.households.iter().enumerate() {
            if self.household_visible(spec, h) {
                for &m in members {
                    if self.person[m] != Sees::Hidden {
                        v[m] = true;
                    }
                }
            }
        }
        v
    }

    /// What to remove from the network: every hidden fact.
    fn omit(&self, spec: &Spec) -> Omit {
        Omit {
            persons: (0..spec.persons.len())
                .filter(|&p| self.person[p] == Sees::Hidden)
                .collect(),
            invs: (0..spec.invs.len()).filter(|&i| !self.inv_ok[i]).collect(),
        }
    }
}

// ----- running a query ------------------------------------------------------------

fn show<T: Serialize>(read: Read<T>) -> (String, AccessRecord) {
    let text = match &read.result {
        Ok(t) => serde_json::to_string(t).unwrap(),
        Err(e) => format!("error: {e}"),
    };
    (text, read.record)
}

fn run(view: &ViewedNetwork<'_>, older: &Network, q: &Query) -> (String, AccessRecord) {
    match *q {
        Query::Team(p) => show(view.team_around(&pk(p))),
        Query::Family(p) => show(view.family_network(&pk(p))),
        Query::Timeline(p) => show(view.timeline(&pk(p))),
        Query::WorkedWith(p) => show(view.worked_with(&pk(p))),
        Query::Workers(p, a, b) => show(view.worker_changes(&pk(p), day(a), day(b))),
        Query::Caseload(w) => show(view.caseload(&wk(w))),
        Query::Shared(a, b) => show(view.shared_children(&wk(a), &wk(b))),
        Query::Path(a, b) => show(view.connection_path(&wk(a), &wk(b))),
        Query::Gaps => show(view.gaps()),
        Query::Components => show(view.components()),
        Query::Diff => show(view.diff(older)),
        Query::Search(n) => show(view.search_nhs_number(&NHS[n].parse().unwrap())),
        Query::Export => show(view.export()),
    }
}

fn expected_action(spec: &Spec) -> Action {
    match spec.query {
        Query::Team(p) => Action::TeamAround { person: pk(p) },
        Query::Family(p) => Action::FamilyNetwork { person: pk(p) },
        Query::Timeline(p) => Action::Timeline { person: pk(p) },
        Query::WorkedWith(p) => Action::WorkedWith { person: pk(p) },
        Query::Workers(p, a, b) => Action::WorkerChanges {
            person: pk(p),
            from: day(a),
            to: day(b),
        },
        Query::Caseload(w) => Action::Caseload {
            professional: wk(w),
        },
        Query::Shared(a, b) => Action::SharedChildren { a: wk(a), b: wk(b) },
        Query::Path(a, b) => Action::ConnectionPath { a: wk(a), b: wk(b) },
        Query::Gaps => Action::Gaps,
        Query::Components => Action::Components,
        Query::Diff => Action::Diff,
        Query::Search(_) => Action::SearchNhsNumber,
        Query::Export => Action::Export,
    }
}

fn quoted(key: &str) -> String {
    format!("\"{S}:{key}\"")
}

/// Keys of one kind (`P`, `I`...) that appear in an answer.
fn keys_in(text: &str, prefix: &str, n: usize) -> BTreeSet<usize> {
    (0..n)
        .filter(|i| text.contains(&quoted(&format!("{prefix}{i}"))))
        .collect()
}

/// Serialising through a trait object, so one closure compares answers of any type.
mod erased {
    pub trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap()
        }
    }
}

/// The export loaded back into a network of its own, records in the export's order.
fn rebuild(export: &ViewExport<'_>) -> Network {
    let mut net = Network::new();
    for a in &export.agencies {
        net.add_agency((*a).clone()).unwrap();
    }
    for t in &export.teams {
        net.add_team((*t).clone()).unwrap();
    }
    for p in &export.professionals {
        net.add_professional((*p).clone()).unwrap();
    }
    for p in &export.persons {
        net.add_person((*p).clone()).unwrap();
    }
    for i in &export.involvements {
        net.add_involvement(i.to_record()).unwrap();
    }
    for e in &export.episodes {
        net.add_episode((*e).clone()).unwrap();
    }
    for a in &export.activities {
        net.add_activity((*a).clone()).unwrap();
    }
    for r in &export.relationships {
        net.add_relationship((*r).clone()).unwrap();
    }
    for h in &export.households {
        net.add_household(h.household.clone()).unwrap();
    }
    for h in &export.households {
        for (person, period) in &h.members {
            net.add_household_member(&h.household.key, person, *period)
                .unwrap();
        }
    }
    net
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, max_shrink_iters: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn the_view_never_shows_or_depends_on_what_the_policy_hides(spec in spec()) {
        let all = usize::MAX;
        let net = build(&spec, &Omit::default(), all);
        let older = build(&spec, &Omit::default(), spec.invs.len() / 2);
        let (viewer, policy, grants, at) = (viewer(&spec), policy(&spec), grants(&spec), at(&spec));
        let oracle = Oracle::new(&spec);
        let view = net.view(&viewer, &policy, &grants, at);
        let (text, record) = run(&view, &older, &spec.query);

        // Nothing hidden shows, by key or by name.
        let np = spec.persons.len();
        let records_visible = oracle.person_record_visible(&spec);
        for (p, &record_visible) in records_visible.iter().enumerate() {
            if oracle.person[p] == Sees::Hidden {
                prop_assert!(!text.contains(&quoted(&format!("P{p}"))), "hidden P{p} in {text}");
            }
            if !record_visible {
                prop_assert!(!text.contains(&format!("~P{p}~")), "record of P{p} in {text}");
            }
        }
        for i in 0..spec.invs.len() {
            if !oracle.inv_visible(&spec, i) {
                prop_assert!(!text.contains(&quoted(&format!("I{i}"))), "hidden I{i} in {text}");
            }
        }
        for (e, &(p, ..)) in spec.episodes.iter().enumerate() {
            if !oracle.full(p) {
                prop_assert!(!text.contains(&quoted(&format!("E{e}"))), "hidden E{e} in {text}");
            }
        }
        for r in 0..spec.rels.len() {
            if !oracle.rel_visible(&spec, r) {
                prop_assert!(!text.contains(&quoted(&format!("R{r}"))), "hidden R{r} in {text}");
            }
        }
        for h in 0..spec.households.len() {
            if !oracle.household_visible(&spec, h) {
                prop_assert!(!text.contains(&quoted(&format!("H{h}"))), "hidden H{h} in {text}");
            }
        }

        // Hidden facts shape nothing: without them, every answer is the same.
        let omit = oracle.omit(&spec);
        let net_without = build(&spec, &omit, all);
        let older_without = build(&spec, &omit, spec.invs.len() / 2);
        let view_without = net_without.view(&viewer, &policy, &grants, at);
        let (text_without, _) = run(&view_without, &older_without, &spec.query);
        prop_assert_eq!(&text, &text_without);

        // One record, for this read, naming exactly the persons in the answer.
        prop_assert_eq!(&record.action, &expected_action(&spec));
        prop_assert_eq!(record.at, at);
        prop_assert_eq!(&record.viewer, &viewer);
        prop_assert_eq!(&record.policy_version, "prop-1");
        let person_query = match spec.query {
            Query::Team(p)
            | Query::Family(p)
            | Query::Timeline(p)
            | Query::WorkedWith(p)
            | Query::Workers(p, ..) => Some(p),
            _ => None,
        };
        let mut shown: BTreeSet<PersonKey> = BTreeSet::new();
        if !text.starts_with("error: ") {
            shown.extend(keys_in(&text, "P", np).into_iter().map(pk));
            // A person answered for is disclosed even when the answer is empty: the
            // viewer learns they are known.
            shown.extend(person_query.map(pk));
        }
        let disclosed: BTreeSet<PersonKey> = record.disclosed.iter().cloned().collect();
        prop_assert_eq!(&disclosed, &shown);
        prop_assert_eq!(disclosed.len(), record.disclosed.len(), "no duplicates");
        let relied_on = (0..np).any(|p| oracle.break_glass[p] && disclosed.contains(&pk(p)));
        prop_assert_eq!(record.alerts.contains(&AlertKind::BreakGlassUsed), relied_on);
        if let Some(p) = person_query {
            let expected = match oracle.person.get(p) {
                None => Outcome::NotFound,
                Some(Sees::Hidden) => Outcome::Denied,
                Some(Sees::Existence) => Outcome::ExistenceOnly,
                Some(Sees::Full) => Outcome::Full,
            };
            prop_assert_eq!(record.outcome, expected);
            if p >= np || oracle.person[p] == Sees::Hidden {
                prop_assert_eq!(text, format!("error: no person with key t:P{p}"));
            }
        }
    }

    #[test]
    fn an_export_holds_exactly_what_the_views_queries_show(spec in spec()) {
        let net = build(&spec, &Omit::default(), usize::MAX);
        let (viewer, policy, grants, at) = (viewer(&spec), policy(&spec), grants(&spec), at(&spec));
        let oracle = Oracle::new(&spec);
        let view = net.view(&viewer, &policy, &grants, at);
        let export = view.export().result.unwrap();
        let np = spec.persons.len();

        // Persons: those seen in full and their relatives, and nobody else.
        let persons: BTreeSet<PersonKey> = export.persons.iter().map(|p| p.key.clone()).collect();
        let records_visible = oracle.person_record_visible(&spec);
        let expected: BTreeSet<PersonKey> = (0..np).filter(|&p| records_visible[p]).map(pk).collect();
        prop_assert_eq!(&persons, &expected);

        // Involvements: exactly those the timelines of persons seen in full show.
        let exported: BTreeSet<String> =
            export.involvements.iter().map(|i| i.key().to_string()).collect();
        let mut shown = BTreeSet::new();
        for p in 0..np {
            if let Ok(Viewed::Full(timeline)) = view.timeline(&pk(p)).result {
                for entry in timeline {
                    if let TimelineEntry::Involvement { involvement, .. } = entry {
                        shown.insert(involvement.key().to_string());
                    }
                }
            }
        }
        prop_assert_eq!(&exported, &shown);
        let allowed: BTreeSet<String> = (0..spec.invs.len())
            .filter(|&i| oracle.inv_visible(&spec, i))
            .map(|i| format!("t:I{i}"))
            .collect();
        prop_assert_eq!(&exported, &allowed);

        // Questions about one person are answered from the part around that person; they
        // must agree exactly with the same question put to the export rebuilt as a network.
        let rebuilt = rebuild(&export);
        let today = at.date_naive();
        for p in 0..np {
            if !oracle.full(p) {
                continue;
            }
            let key = pk(p);
            let json = |v: &dyn erased::Json| v.json();
            prop_assert_eq!(
                json(&view.team_around(&key).result.unwrap().full().unwrap()),
                json(&rebuilt.team_around(&key, today).unwrap())
            );
            prop_assert_eq!(
                json(&view.family_network(&key).result.unwrap().full().unwrap()),
                json(&rebuilt.family_network(&key, today).unwrap())
            );
            prop_assert_eq!(
                json(&view.timeline(&key).result.unwrap().full().unwrap()),
                json(&rebuilt.timeline(&key).unwrap())
            );
            prop_assert_eq!(
                json(&view.worked_with(&key).result.unwrap().full().unwrap()),
                json(&rebuilt.worked_with(&key).unwrap())
            );
            prop_assert_eq!(
                json(&view.worker_changes(&key, day(0), day(80)).result.unwrap().full().unwrap()),
                json(&rebuilt.worker_changes(&key, day(0), day(80)).unwrap())
            );
        }

        // Episodes and relationships: as the oracle says.
        let episodes: BTreeSet<String> = export.episodes.iter().map(|e| e.key.to_string()).collect();
        let expected: BTreeSet<String> = spec.episodes.iter().enumerate()
            .filter(|(_, (p, ..))| oracle.full(*p))
            .map(|(e, _)| format!("t:E{e}"))
            .collect();
        prop_assert_eq!(episodes, expected);
        let rels: BTreeSet<String> = export.relationships.iter().map(|r| r.key.to_string()).collect();
        let expected: BTreeSet<String> = (0..spec.rels.len())
            .filter(|&r| oracle.rel_visible(&spec, r))
            .map(|r| format!("t:R{r}"))
            .collect();
        prop_assert_eq!(rels, expected);
    }
}
