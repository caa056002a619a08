//! Subject access: the bundle of one person from a hand-built store holds exactly the
//! rows that name them (checked against a brute-force count over every table), the
//! third parties in their relationships and household marked for review, nobody else's
//! data, the audit entries about them; making it is audited.

use std::collections::BTreeSet;

use chrono::{NaiveDate, TimeZone, Utc};
use patchwork_adapters::store::{
    Actor, AuditCategory, AuditEntry, REVIEW_NOTE, RetentionSchedule, Store,
};
use patchwork_core::*;
use rusqlite::Connection;
use serde_json::Value;

mod common;
use common::TempDir;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn key(id: &str) -> PersonKey {
    PersonKey::new("lcs", id)
}

fn person(id: &str, kind: PersonKind, given: &str, family: &str) -> Person {
    let mut p = Person::new(key(id), kind, Source::row("lcs", "ssd_person.csv", 7));
    p.given_name = Some(given.into());
    p.family_name = Some(family.into());
    p
}

/// C1 (Robin Ashdown, born 2016-04-02) with a case number; M1 (Mara Ashdown) her mother;
/// S1 (Sky Ashdown) her sibling; C1, M1 and S1 in household H1. C1 has a child in need
/// episode, an assessment by W1 and an allocated social worker involvement with W1 (Ann
/// Worker, team T1 of the council), and a health record matched to her. X1 (Quill
/// Otherfamily) is an unrelated child with his own involvement with W1.
fn network() -> Network {
    let src = || Source::system("lcs");
    let mut net = Network::new();
    net.add_agency(Agency {
        key: AgencyKey::new("lcs", "LA"),
        name: "Wexmoor Children's Services".into(),
        kind: AgencyKind::ChildrensSocialCare,
        ods_code: None,
        school_urn: None,
        source: src(),
    })
    .unwrap();
    net.add_team(Team {
        key: TeamKey::new("lcs", "T1"),
        name: "North Locality".into(),
        agency: Some(AgencyKey::new("lcs", "LA")),
        parent: None,
        source: src(),
    })
    .unwrap();
    let mut w = Professional::new(ProfessionalKey::new("lcs", "W1"), src());
    w.name = Some("Ann Worker".into());
    w.team = Some(TeamKey::new("lcs", "T1"));
    w.agency = Some(AgencyKey::new("lcs", "LA"));
    net.add_professional(w).unwrap();
    let mut c1 = person("C1", PersonKind::Child, "Robin", "Ashdown");
    c1.birth_date = Some(d(2016, 4, 2));
    c1.other_identifiers = vec![OtherIdentifier {
        kind: "case number".into(),
        value: "CN-4471".into(),
    }];
    net.add_person(c1).unwrap();
    net.add_person(person("M1", PersonKind::Adult, "Mara", "Ashdown"))
        .unwrap();
    net.add_person(person("S1", PersonKind::Child, "Sky", "Ashdown"))
        .unwrap();
    net.add_person(person("X1", PersonKind::Child, "Quill", "Otherfamily"))
        .unwrap();
    net.add_relationship(Relationship {
        key: RelationshipKey::new("lcs", "R1"),
        from: key("M1"),
        to: key("C1"),
        kind: RelationshipKind::Parent,
        parental_responsibility: true,
        period: Period::always(),
        source: src(),
    })
    .unwrap();
    net.add_household(Household {
        key: HouseholdKey::new("lcs", "H1"),
        name: Some("Ashdown household".into()),
        source: src(),
    })
    .unwrap();
    for m in ["C1", "M1", "S1"] {
        net.add_household_member(&HouseholdKey::new("lcs", "H1"), &key(m), Period::always())
            .unwrap();
    }
    net.add_episode(Episode {
        key: EpisodeKey::new("lcs", "E1"),
        person: key("C1"),
        period: Period::from(d(2025, 1, 6)),
        detail: EpisodeDetail::ChildInNeed {
            referral_source: Some("1A".into()),
            primary_need: Some("N1".into()),
            closure_reason: None,
            census: Default::default(),
        },
        source: src(),
    })
    .unwrap();
    net.add_activity(Activity {
        key: ActivityKey::new("lcs", "A1"),
        person: key("C1"),
        professional: Some(ProfessionalKey::new("lcs", "W1")),
        team: None,
        kind: ActivityKind::Assessment,
        period: Period::new(Some(d(2025, 1, 6)), Some(d(2025, 2, 1))).unwrap(),
        source: src(),
    })
    .unwrap();
    for (id, child) in [("I1", "C1"), ("I2", "X1")] {
        net.add_involvement(Involvement {
            key: InvolvementKey::new("lcs", id),
            person: key(child),
            professional: Some(ProfessionalKey::new("lcs", "W1")),
            team: None,
            role: Role::new("SW", RoleCategory::AllocatedSocialWorker),
            period: Period::from(d(2025, 1, 6)),
            end_reason: None,
            sensitivity: Sensitivity::Standard,
            source: src(),
        })
        .unwrap();
    }
    net.add_identity_link(IdentityLink {
        person: key("C1"),
        record: ExternalKey::new("health", "P77"),
        matched_on: MatchedOn::NhsNumber,
        source: Source::system("health"),
    })
    .unwrap();
    net
}

fn t(h: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap()
}

/// The store: the network, one import with a change event about C1 and one about X1
/// (written straight into the tables), and three audit entries: W1 reads C1's team, W1
/// reads X1's, an analyst exports everything.
fn store(path: &std::path::Path) -> Store {
    let mut store = Store::open(path).unwrap();
    store.save(&network()).unwrap();
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        r#"INSERT INTO imports (id, started_at, as_of, outcome, rows_read, rows_loaded, rows_quarantined, report_json)
           VALUES (1, '2026-03-01T01:00:00Z', '2026-03-01', 'loaded', 10, 10, 0, '{}');
           INSERT INTO change_events (import_id, seq, person_key, event, json)
           VALUES (1, 0, 'lcs:C1', 'involvement_started', '{"event":"involvement_started","person":"lcs:C1"}'),
                  (1, 1, 'lcs:X1', 'involvement_started', '{"event":"involvement_started","person":"lcs:X1"}');"#,
    )
    .unwrap();
    drop(conn);
    let w1 = || Actor::Viewer("lcs:W1".into());
    store
        .append_audit_all(&[
            AuditEntry::new(t(9), w1(), AuditCategory::Consultation, "team")
                .with_subject(key("C1")),
            AuditEntry::new(t(10), w1(), AuditCategory::Consultation, "team")
                .with_subject(key("X1")),
            AuditEntry::new(
                t(11),
                Actor::Administrative("cli:analyst".into()),
                AuditCategory::Disclosure,
                "export",
            )
            .about_everyone(),
        ])
        .unwrap();
    store
}

/// Rows naming `person` in every table that names persons, counted by brute force.
fn brute_force(path: &std::path::Path, person: &str) -> Vec<(&'static str, i64)> {
    let conn = Connection::open(path).unwrap();
    let count = |sql: &str| {
        conn.query_row(sql, [person], |r| r.get::<_, i64>(0))
            .unwrap()
    };
    vec![
        (
            "identifiers",
            count("SELECT count(*) FROM person_identifiers WHERE person_key = ?1"),
        ),
        (
            "households",
            count("SELECT count(*) FROM household_members WHERE person_key = ?1"),
        ),
        (
            "relationships",
            count(
                "SELECT count(*) FROM relationships WHERE from_person_key = ?1 OR to_person_key = ?1",
            ),
        ),
        (
            "episodes",
            count("SELECT count(*) FROM episodes WHERE person_key = ?1"),
        ),
        (
            "activities",
            count("SELECT count(*) FROM activities WHERE person_key = ?1"),
        ),
        (
            "involvements",
            count("SELECT count(*) FROM involvements WHERE person_key = ?1"),
        ),
        (
            "identity_links",
            count("SELECT count(*) FROM identity_links WHERE person_key = ?1"),
        ),
        (
            "change_events",
            count("SELECT count(*) FROM change_events WHERE person_key = ?1"),
        ),
        (
            "audit",
            count(
                "SELECT count(*) FROM audit_log WHERE scope = 'all' OR seq IN (SELECT seq FROM audit_subjects WHERE person_key = ?1)",
            ),
        ),
    ]
}

fn sizes(b: &patchwork_adapters::store::SubjectAccess) -> Vec<(&'static str, i64)> {
    let n = |x: usize| x as i64;
    vec![
        ("identifiers", n(b.identifiers.len())),
        ("households", n(b.households.len())),
        ("relationships", n(b.relationships.len())),
        ("episodes", n(b.episodes.len())),
        ("activities", n(b.activities.len())),
        ("involvements", n(b.involvements.len())),
        ("identity_links", n(b.identity_links.len())),
        ("change_events", n(b.change_events.len())),
        ("audit", n(b.audit.len())),
    ]
}

fn text(row: &serde_json::Map<String, Value>, k: &str) -> String {
    row.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn the_bundle_holds_everything_about_the_person_and_nothing_else() {
    let dir = TempDir::new("bundle");
    let path = dir.0.join("s.sqlite");
    let store = store(&path);
    let b = store
        .subject_access(&key("C1"), Some(&RetentionSchedule::default()), t(12))
        .unwrap();
    // Every row that names C1, and as many as a brute-force count finds.
    assert_eq!(sizes(&b), brute_force(&path, "lcs:C1"));
    assert_eq!(
        sizes(&b).iter().map(|(_, n)| *n).collect::<Vec<_>>(),
        [1, 1, 1, 1, 1, 1, 1, 1, 2]
    );
    let p = b.person.as_ref().unwrap();
    assert_eq!(text(p, "given_name"), "Robin");
    assert_eq!(text(p, "birth_date"), "2016-04-02");
    assert_eq!(text(p, "origin_file"), "ssd_person.csv");
    assert_eq!(p["source_row"], 7);
    assert_eq!(text(&b.identifiers[0], "value"), "CN-4471");
    assert_eq!(text(&b.involvements[0], "professional_name"), "Ann Worker");
    assert_eq!(text(&b.involvements[0], "team_name"), "North Locality");
    assert_eq!(
        text(&b.involvements[0], "agency_name"),
        "Wexmoor Children's Services"
    );
    assert_eq!(text(&b.activities[0], "kind"), "assessment");
    assert_eq!(text(&b.episodes[0], "primary_need"), "N1");
    assert_eq!(text(&b.identity_links[0], "record_key"), "health:P77");
    assert_eq!(b.audit.iter().map(|a| a.seq).collect::<Vec<_>>(), [1, 3]);
    // Open child in need episode: no disposal date yet.
    assert_eq!(b.retention.as_ref().unwrap().date, None);

    // Third parties: M1 (relationship and household) and S1 (household), marked.
    let rel = &b.relationships[0];
    assert_eq!(rel["third_parties"], serde_json::json!(["lcs:M1"]));
    assert_eq!(text(rel, "review"), REVIEW_NOTE);
    let hh = &b.households[0];
    let others: BTreeSet<String> = serde_json::from_value(hh["third_parties"].clone()).unwrap();
    assert_eq!(
        others,
        BTreeSet::from(["lcs:M1".to_owned(), "lcs:S1".to_owned()])
    );
    assert_eq!(text(hh, "review"), REVIEW_NOTE);
    let third: Vec<(String, String, Value)> = b
        .third_parties
        .iter()
        .map(|r| {
            (
                text(r, "key"),
                text(r, "given_name"),
                r["appears_in"].clone(),
            )
        })
        .collect();
    assert_eq!(
        third,
        [
            (
                "lcs:M1".to_owned(),
                "Mara".to_owned(),
                serde_json::json!(["households", "relationships"])
            ),
            (
                "lcs:S1".to_owned(),
                "Sky".to_owned(),
                serde_json::json!(["households"])
            ),
        ]
    );
    assert!(
        b.third_parties
            .iter()
            .all(|r| text(r, "review") == REVIEW_NOTE)
    );
    assert_eq!(b.review_count(), 4);

    // Nothing of X1 anywhere.
    let all = serde_json::to_string(&b).unwrap();
    for other in ["X1", "Quill", "Otherfamily", "I2"] {
        assert!(!all.contains(other), "{other} leaked into C1's bundle");
    }
}

#[test]
fn the_export_writes_files_and_is_audited() {
    let dir = TempDir::new("export");
    let path = dir.0.join("s.sqlite");
    let mut store = store(&path);
    let out = dir.0.join("sar");
    let b = store
        .subject_access_export(
            &key("C1"),
            &out,
            None,
            t(13),
            Actor::Administrative("dpo".into()),
            "subject access request 2026/17",
        )
        .unwrap();
    for f in [
        "subject_access.json",
        "person.json",
        "relationships.json",
        "households.json",
        "involvements.json",
        "audit.json",
        "third_parties.json",
        "summary.txt",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let whole: Value =
        serde_json::from_slice(&std::fs::read(out.join("subject_access.json")).unwrap()).unwrap();
    assert_eq!(whole["person"]["family_name"], "Ashdown");
    assert_eq!(whole, serde_json::to_value(&b).unwrap());
    let summary = std::fs::read_to_string(out.join("summary.txt")).unwrap();
    assert!(summary.contains("Subject access: lcs:C1"), "{summary}");
    assert!(
        summary.contains("FOR REVIEW before release: 4 item(s)"),
        "{summary}"
    );
    assert!(
        summary.contains("third party lcs:M1: Mara Ashdown"),
        "{summary}"
    );
    // The disclosure is the trail's fourth entry, about C1 only.
    let looked = store.who_looked_at(&key("C1"), None, None).unwrap();
    let last = looked.last().unwrap();
    assert_eq!((last.seq, last.category.as_str()), (4, "disclosure"));
    assert_eq!(last.purpose, "subject access request 2026/17");
    assert_eq!(last.subjects, ["lcs:C1"]);
    assert!(
        store
            .who_looked_at(&key("X1"), None, None)
            .unwrap()
            .iter()
            .all(|e| e.seq != 4)
    );
    assert!(store.verify_audit().unwrap().is_intact());
}

#[test]
fn a_person_not_held_gets_the_audit_entries_about_them() {
    let dir = TempDir::new("gone");
    let path = dir.0.join("s.sqlite");
    let store = store(&path);
    let b = store.subject_access(&key("C9"), None, t(12)).unwrap();
    assert!(b.person.is_none());
    assert_eq!(sizes(&b), brute_force(&path, "lcs:C9"));
    // Only the export of everything.
    assert_eq!(b.audit.iter().map(|a| a.seq).collect::<Vec<_>>(), [3]);
    assert!(b.summary().contains("No person record is held"));
}
