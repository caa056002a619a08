//! Consents, break-glass overrides, sharing decisions and the access policy kept in the
//! store (schema version 5), and the commands that record them. The network is built by
//! hand and every expected answer worked out by hand from it:
//!
//! * agencies: the council `lcs:LA` and the sexual health service `nhs:SHS`;
//! * professionals: W1 (the council, C1's allocated social worker), EDT1 (the council's
//!   out-of-hours team, involved with nobody), SH1 (sexual health);
//! * C1: allocated social worker W1 (`IV-SW1`) and a sexual health nurse SH1
//!   (`IV-SEX1`, a sensitive service of another agency than W1's).
//!
//! So under the practice defaults W1 sees C1's team without `IV-SEX1`, and EDT1 learns
//! only that C1 is known to services.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use patchwork_adapters::store::{Actor, AuditCategory, AuditQuery, Store, StoredAuditEntry};
use patchwork_core::*;
use serde_json::Value;

mod common;
use common::{TempDir, stderr};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn t(m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, day, h, min, 0).unwrap()
}

fn c1() -> PersonKey {
    PersonKey::new("lcs", "C1")
}

fn network() -> Network {
    let src = Source::system("lcs");
    let mut net = Network::new();
    for (key, kind) in [
        ("lcs:LA", AgencyKind::ChildrensSocialCare),
        ("nhs:SHS", AgencyKind::Health),
    ] {
        net.add_agency(Agency {
            key: key.parse().unwrap(),
            name: key.into(),
            kind,
            ods_code: None,
            school_urn: None,
            source: src.clone(),
        })
        .unwrap();
    }
    for (id, agency) in [("W1", "lcs:LA"), ("EDT1", "lcs:LA"), ("SH1", "nhs:SHS")] {
        let mut p = Professional::new(ProfessionalKey::new("lcs", id), src.clone());
        p.name = Some(format!("Worker {id}"));
        p.agency = Some(agency.parse().unwrap());
        net.add_professional(p).unwrap();
    }
    net.add_person(Person::new(c1(), PersonKind::Child, src.clone()))
        .unwrap();
    for (id, worker, role, sensitivity) in [
        (
            "IV-SW1",
            "W1",
            ("SW", RoleCategory::AllocatedSocialWorker),
            Sensitivity::Standard,
        ),
        (
            "IV-SEX1",
            "SH1",
            ("SHN", RoleCategory::Other),
            Sensitivity::SensitiveService,
        ),
    ] {
        net.add_involvement(Involvement {
            key: InvolvementKey::new("lcs", id),
            person: c1(),
            professional: Some(ProfessionalKey::new("lcs", worker)),
            team: None,
            role: Role::new(role.0, role.1),
            period: Period::from(d(2020, 1, 1)),
            end_reason: None,
            sensitivity,
            source: src.clone(),
        })
        .unwrap();
    }
    net
}

fn viewer(net: &Network, id: &str, role: &str) -> Viewer {
    Viewer::for_professional(
        net,
        &ProfessionalKey::new("lcs", id),
        role,
        Purpose::Safeguarding,
    )
    .unwrap()
}

/// What `viewer` sees of C1's team at `at`: `None` for existence only, else the
/// involvement keys.
fn team(
    net: &Network,
    viewer: &Viewer,
    policy: &Policy,
    grants: &Grants,
    at: DateTime<Utc>,
) -> Option<BTreeSet<String>> {
    let view = net.view(viewer, policy, grants, at);
    let read = view.team_around(&c1());
    read.result.unwrap().full().map(|t| {
        t.members
            .iter()
            .map(|m| m.involvement.key().to_string())
            .collect()
    })
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn consent_to_council(from: NaiveDate) -> Consent {
    Consent {
        subject: c1(),
        given_by: ConsentGiver::Child,
        scope: ConsentScope::AllSensitiveServices,
        recipients: vec![AgencyKey::new("lcs", "LA")],
        purposes: vec![],
        from,
        to: None,
        withdrawn: None,
        recorded_by: Some(ProfessionalKey::new("lcs", "W1")),
        evidence: Some("signed form".into()),
    }
}

fn dpo() -> Actor {
    Actor::Administrative("dpo".into())
}

fn all_entries(store: &Store) -> Vec<StoredAuditEntry> {
    store.audit_entries(&AuditQuery::default()).unwrap()
}

// ---------------------------------------------------------------- library level

#[test]
fn a_break_glass_override_shows_the_team_until_it_lapses() {
    let net = network();
    let mut store = Store::open_in_memory().unwrap();
    let policy = Policy::practice_defaults("v1");
    let edt = viewer(&net, "EDT1", "child_protection");
    let at = t(11, 27, 2, 30);
    // Before: existence only.
    assert_eq!(
        team(&net, &edt, &policy, &store.grants().unwrap(), at),
        None
    );

    let (grant, alert) = policy
        .break_glass(
            &edt,
            &c1(),
            OverrideGround::Safeguarding,
            "police protection",
            at,
        )
        .unwrap();
    store.record_break_glass(&grant, &alert).unwrap();
    let grants = store.grants().unwrap();
    assert_eq!(grants.overrides, vec![grant]);

    // The practice defaults give 4 hours: in force from 02:30 to 06:30 (exclusive), and
    // it shows the sensitive service too.
    let whole = Some(set(&["lcs:IV-SW1", "lcs:IV-SEX1"]));
    assert_eq!(team(&net, &edt, &policy, &grants, at), whole);
    assert_eq!(team(&net, &edt, &policy, &grants, t(11, 27, 6, 29)), whole);
    assert_eq!(team(&net, &edt, &policy, &grants, t(11, 27, 6, 30)), None);
    assert_eq!(team(&net, &edt, &policy, &grants, t(11, 27, 2, 29)), None);
    // Only for EDT1: W1 still does not see the sensitive service.
    let w1 = viewer(&net, "W1", "practitioner");
    assert_eq!(
        team(&net, &w1, &policy, &grants, at),
        Some(set(&["lcs:IV-SW1"]))
    );
    // As the record stood before it was made, there was no override.
    assert!(
        store
            .grants_at(at - Duration::seconds(1))
            .unwrap()
            .overrides
            .is_empty()
    );
}

#[test]
fn an_override_writes_exactly_one_override_entry_and_the_chain_verifies() {
    let net = network();
    let mut store = Store::open_in_memory().unwrap();
    let policy = Policy::practice_defaults("v1");
    let edt = viewer(&net, "EDT1", "child_protection");
    let at = t(11, 27, 2, 30);
    let (grant, alert) = policy
        .break_glass(
            &edt,
            &c1(),
            OverrideGround::Safeguarding,
            "  ICPC at 9  ",
            at,
        )
        .unwrap();
    store.record_break_glass(&grant, &alert).unwrap();
    let entries = all_entries(&store);
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(e.category, "override");
    assert_eq!(e.actor, "lcs:EDT1");
    assert_eq!(e.actor_kind, "viewer");
    assert_eq!(e.subjects, vec!["lcs:C1".to_owned()]);
    assert_eq!(e.at, "2026-11-27T02:30:00.000000Z");
    let detail: Value = serde_json::from_str(&e.detail).unwrap();
    assert_eq!(detail["alert"]["kind"], "break_glass_made");
    assert_eq!(detail["break_glass"]["reason"], "ICPC at 9");
    assert_eq!(detail["break_glass"]["until"], "2026-11-27T06:30:00Z");
    assert!(store.verify_audit().unwrap().is_intact());
    // "Who looked at C1" finds it.
    assert_eq!(store.who_looked_at(&c1(), None, None).unwrap().len(), 1);
}

#[test]
fn a_role_not_allowed_to_override_is_refused_and_nothing_is_stored() {
    let net = network();
    let store = Store::open_in_memory().unwrap();
    let policy = Policy::practice_defaults("v1");
    let w1 = viewer(&net, "W1", "practitioner");
    let refused = policy.break_glass(
        &w1,
        &c1(),
        OverrideGround::Safeguarding,
        "worried",
        t(11, 27, 9, 0),
    );
    assert!(matches!(refused, Err(BreakGlassError::NotPermitted { .. })));
    assert!(store.grants().unwrap().overrides.is_empty());
    assert!(all_entries(&store).is_empty());
}

#[test]
fn an_audit_failure_rolls_back_the_override_and_an_override_failure_the_entry() {
    let dir = TempDir::new("grants-rollback");
    let path = dir.0.join("network.sqlite");
    let net = network();
    let policy = Policy::practice_defaults("v1");
    let edt = viewer(&net, "EDT1", "child_protection");
    let (grant, alert) = policy
        .break_glass(
            &edt,
            &c1(),
            OverrideGround::Safeguarding,
            "urgent",
            t(11, 27, 3, 0),
        )
        .unwrap();
    drop(Store::open(&path).unwrap());

    // The audit trail refuses the entry (as a full disk would): no override is kept.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log
         BEGIN SELECT RAISE(ABORT, 'simulated audit failure'); END;",
    )
    .unwrap();
    let mut store = Store::open(&path).unwrap();
    let err = store.record_break_glass(&grant, &alert).unwrap_err();
    assert!(err.to_string().contains("simulated audit failure"), "{err}");
    assert!(store.break_glass_overrides().unwrap().is_empty());
    assert!(all_entries(&store).is_empty());
    drop(store);

    // The override's table refuses the row: the audit entry is not kept either.
    raw.execute_batch(
        "DROP TRIGGER fail_audit;
         CREATE TRIGGER fail_override BEFORE INSERT ON break_glass_overrides
         BEGIN SELECT RAISE(ABORT, 'simulated override failure'); END;",
    )
    .unwrap();
    let mut store = Store::open(&path).unwrap();
    let err = store.record_break_glass(&grant, &alert).unwrap_err();
    assert!(
        err.to_string().contains("simulated override failure"),
        "{err}"
    );
    assert!(store.break_glass_overrides().unwrap().is_empty());
    assert!(all_entries(&store).is_empty());
    assert!(store.verify_audit().unwrap().is_intact());
    drop(store);

    // Without the fault, it is recorded with its one entry.
    raw.execute_batch("DROP TRIGGER fail_override;").unwrap();
    let mut store = Store::open(&path).unwrap();
    store.record_break_glass(&grant, &alert).unwrap();
    assert_eq!(store.break_glass_overrides().unwrap(), vec![grant]);
    assert_eq!(all_entries(&store).len(), 1);
}

#[test]
fn overrides_cannot_be_edited_or_deleted_in_place() {
    let net = network();
    let policy = Policy::practice_defaults("v1");
    let edt = viewer(&net, "EDT1", "child_protection");
    let (grant, alert) = policy
        .break_glass(
            &edt,
            &c1(),
            OverrideGround::LegalObligation,
            "court order",
            t(11, 27, 3, 0),
        )
        .unwrap();
    let dir = TempDir::new("grants-append-only");
    let path = dir.0.join("network.sqlite");
    let mut on_disk = Store::open(&path).unwrap();
    on_disk.record_break_glass(&grant, &alert).unwrap();
    drop(on_disk);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let update = raw.execute(
        "UPDATE break_glass_overrides SET until_at = '2099-01-01T00:00:00.000000Z'",
        [],
    );
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = raw.execute("DELETE FROM break_glass_overrides", []);
    assert!(delete.unwrap_err().to_string().contains("append-only"));
}

#[test]
fn a_consent_shows_a_sensitive_service_to_another_agency_until_withdrawn() {
    let net = network();
    let mut store = Store::open_in_memory().unwrap();
    let policy = Policy::practice_defaults("v1");
    let w1 = viewer(&net, "W1", "practitioner");
    let may = t(5, 1, 9, 0);
    assert_eq!(
        team(&net, &w1, &policy, &store.grants().unwrap(), may),
        Some(set(&["lcs:IV-SW1"]))
    );
    let id = store
        .record_consent(&consent_to_council(d(2026, 3, 1)), t(3, 1, 10, 0), dpo())
        .unwrap();
    let both = Some(set(&["lcs:IV-SW1", "lcs:IV-SEX1"]));
    assert_eq!(
        team(&net, &w1, &policy, &store.grants().unwrap(), may),
        both
    );
    // Not before it was given.
    assert_eq!(
        team(&net, &w1, &policy, &store.grants().unwrap(), t(2, 28, 9, 0)),
        Some(set(&["lcs:IV-SW1"]))
    );

    // Withdrawn from 1 June: hidden from that day, still shown on 31 May.
    assert!(
        store
            .withdraw_consent(id, d(2026, 6, 1), t(6, 1, 8, 0), dpo())
            .unwrap()
    );
    let grants = store.grants().unwrap();
    assert_eq!(grants.consents[0].withdrawn, Some(d(2026, 6, 1)));
    assert_eq!(
        team(&net, &w1, &policy, &grants, t(6, 1, 9, 0)),
        Some(set(&["lcs:IV-SW1"]))
    );
    assert_eq!(team(&net, &w1, &policy, &grants, t(5, 31, 9, 0)), both);
    // Withdrawing twice, or an unknown id, changes nothing.
    assert!(
        !store
            .withdraw_consent(id, d(2026, 7, 1), t(7, 1, 8, 0), dpo())
            .unwrap()
    );
    assert!(
        !store
            .withdraw_consent(99, d(2026, 7, 1), t(7, 1, 8, 0), dpo())
            .unwrap()
    );
    assert_eq!(
        store.consents().unwrap()[0].consent.withdrawn,
        Some(d(2026, 6, 1))
    );

    // As the record stood before the withdrawal was recorded, the consent held.
    let before = store.grants_at(t(5, 31, 23, 0)).unwrap();
    assert_eq!(before.consents, vec![consent_to_council(d(2026, 3, 1))]);
    assert!(store.grants_at(t(2, 1, 0, 0)).unwrap().consents.is_empty());

    // A collection entry and an alteration entry, about C1.
    let cats: Vec<String> = all_entries(&store)
        .iter()
        .map(|e| e.category.clone())
        .collect();
    assert_eq!(cats, ["collection", "alteration"]);
    assert!(store.verify_audit().unwrap().is_intact());
}

#[test]
fn every_consent_field_survives_the_store() {
    let mut store = Store::open_in_memory().unwrap();
    let consent = Consent {
        subject: c1(),
        given_by: ConsentGiver::ParentalResponsibility {
            person: Some(PersonKey::new("lcs", "M1")),
        },
        scope: ConsentScope::ServicesOf {
            agencies: vec![AgencyKey::new("nhs", "SHS")],
        },
        recipients: vec![AgencyKey::new("lcs", "LA"), AgencyKey::new("edu", "URN1")],
        purposes: vec![Purpose::Planning, Purpose::Other("panel".into())],
        from: d(2026, 1, 5),
        to: Some(d(2027, 1, 5)),
        withdrawn: None,
        recorded_by: None,
        evidence: None,
    };
    store
        .record_consent(&consent, t(1, 5, 9, 0), dpo())
        .unwrap();
    assert_eq!(store.grants().unwrap().consents, vec![consent]);
}

#[test]
fn a_sharing_decision_is_kept_with_a_disclosure_entry() {
    let mut store = Store::open_in_memory().unwrap();
    let decision = SharingDecision {
        subject: c1(),
        shared: false,
        what: "sexual health involvement".into(),
        recipients: vec![AgencyKey::new("edu", "URN1")],
        why: "the school does not need it".into(),
        lawful_basis: Some(LawfulBasis {
            article6: Article6Basis::PublicTask,
            article9: Some("DPA 2018 Sch.1 para.18".into()),
            sharing_agreement: None,
            apd_reference: None,
        }),
        consent: ConsentStatus::NotSought,
        decided_by: ProfessionalKey::new("lcs", "W1"),
        at: t(11, 27, 10, 0),
    };
    store.record_sharing_decision(&decision).unwrap();
    assert_eq!(store.sharing_decisions().unwrap(), vec![decision]);
    let entries = all_entries(&store);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].category, AuditCategory::Disclosure.as_str());
    assert_eq!(entries[0].actor, "lcs:W1");
    assert!(entries[0].purpose.starts_with("decision not to share"));
}

#[test]
fn every_policy_version_is_kept_and_the_latest_applies() {
    let mut store = Store::open_in_memory().unwrap();
    assert_eq!(store.policy().unwrap(), None);
    let v1 = Policy::practice_defaults("wexmoor-1");
    let mut v2 = Policy::practice_defaults("wexmoor-2");
    v2.break_glass_minutes = 30;
    store.set_policy(&v1, t(1, 1, 9, 0), dpo()).unwrap();
    store.set_policy(&v2, t(2, 1, 9, 0), dpo()).unwrap();
    assert_eq!(store.policy().unwrap(), Some(v2.clone()));
    let versions: Vec<String> = store
        .policies()
        .unwrap()
        .into_iter()
        .map(|p| p.policy.version)
        .collect();
    assert_eq!(versions, ["wexmoor-1", "wexmoor-2"]);
    // A version id already used is refused, and changes nothing.
    let err = store.set_policy(&v1, t(3, 1, 9, 0), dpo()).unwrap_err();
    assert!(err.to_string().contains("wexmoor-1"), "{err}");
    assert_eq!(store.policy().unwrap(), Some(v2));
    let cats: Vec<String> = all_entries(&store)
        .iter()
        .map(|e| e.category.clone())
        .collect();
    assert_eq!(cats, ["policy_change", "policy_change"]);
}

// ---------------------------------------------------------------- the program

fn store_file(name: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new(name);
    let path = dir.0.join("network.sqlite");
    Store::open(&path).unwrap().save(&network()).unwrap();
    (dir, path)
}

fn run(args: &[&str], store: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_patchwork"))
        .args(args)
        .arg("--store")
        .arg(store)
        .env("USER", "dpo7")
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `team --child C1 --json` as a viewer: `None` for existence only, else the keys.
fn cli_team(store: &Path, viewer: &str, role: &str) -> Option<BTreeSet<String>> {
    let out = run(
        &[
            "team", "--child", "C1", "--json", "--viewer", viewer, "--role", role,
        ],
        store,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc.as_array().map(|rows| {
        rows.iter()
            .map(|r| r["involvement_id"].as_str().unwrap().to_owned())
            .collect()
    })
}

fn overrides_in(store: &Path) -> Vec<StoredAuditEntry> {
    Store::open(store).unwrap().overrides(None, None).unwrap()
}

#[test]
fn cli_break_glass_lets_the_viewer_see_the_team_and_is_audited_once() {
    let (_dir, path) = store_file("cli-break-glass");
    assert_eq!(cli_team(&path, "EDT1", "child_protection"), None);
    let before = Utc::now();
    let out = run(
        &[
            "break-glass",
            "--viewer",
            "EDT1",
            "--child",
            "C1",
            "--role",
            "child_protection",
            "--ground",
            "safeguarding",
            "--reason",
            "police protection at 02:10",
        ],
        &path,
    );
    let after = Utc::now();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("lcs:EDT1 (child_protection) may see lcs:C1 in full until"),
        "{text}"
    );
    assert!(text.contains("alert: break_glass_made"), "{text}");
    // The expiry printed is 4 hours (the practice defaults) after the moment it was made.
    let until = text
        .split("until ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    let until: DateTime<Utc> = until.parse().unwrap();
    assert!(
        until >= before.with_nanosecond0() + Duration::hours(4)
            && until <= after + Duration::hours(4),
        "{until}"
    );

    assert_eq!(
        cli_team(&path, "EDT1", "child_protection"),
        Some(set(&["lcs:IV-SW1", "lcs:IV-SEX1"]))
    );
    // The override is for that role: read as a practitioner it does not apply.
    assert_eq!(cli_team(&path, "EDT1", "practitioner"), None);

    let overrides = overrides_in(&path);
    assert_eq!(overrides.len(), 1);
    assert_eq!(overrides[0].actor, "lcs:EDT1");
    let verify = run(&["audit", "verify"], &path);
    assert_eq!(verify.status.code(), Some(0), "{}", stderr(&verify));
}

/// Truncation to whole seconds, as the program prints times.
trait WholeSeconds {
    fn with_nanosecond0(self) -> Self;
}

impl WholeSeconds for DateTime<Utc> {
    fn with_nanosecond0(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap()
    }
}

#[test]
fn cli_break_glass_by_a_role_not_allowed_is_refused_and_the_attempt_audited() {
    let (_dir, path) = store_file("cli-break-glass-refused");
    let out = run(
        &[
            "break-glass",
            "--viewer",
            "W1",
            "--child",
            "C1",
            "--role",
            "practitioner",
            "--ground",
            "safeguarding",
            "--reason",
            "worried",
        ],
        &path,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("refused, no override recorded"), "{err}");
    assert!(err.contains("\"practitioner\" may not override"), "{err}");
    let store = Store::open(&path).unwrap();
    assert!(store.break_glass_overrides().unwrap().is_empty());
    assert!(overrides_in(&path).is_empty());
    // The attempt itself is audited: one consultation entry, refused, about the child.
    let entries = all_entries(&store);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let entry = serde_json::to_value(&entries[0]).unwrap();
    assert_eq!(entry["category"], "consultation", "{entry}");
    let detail: serde_json::Value =
        serde_json::from_str(entry["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["outcome"], "refused", "{entry}");
    assert_eq!(entry["subjects"][0], "lcs:C1", "{entry}");

    // An unknown professional is a usage error.
    let out = run(
        &[
            "break-glass",
            "--viewer",
            "NOBODY",
            "--child",
            "C1",
            "--role",
            "child_protection",
            "--ground",
            "safeguarding",
            "--reason",
            "x",
        ],
        &path,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no such professional"));
    // So is a ground that is not one.
    let out = run(
        &[
            "break-glass",
            "--viewer",
            "EDT1",
            "--child",
            "C1",
            "--role",
            "child_protection",
            "--ground",
            "curiosity",
            "--reason",
            "x",
        ],
        &path,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(overrides_in(&path).is_empty());
}

#[test]
fn cli_consent_shows_the_sensitive_service_and_its_withdrawal_hides_it() {
    let (_dir, path) = store_file("cli-consent");
    assert_eq!(
        cli_team(&path, "W1", "practitioner"),
        Some(set(&["lcs:IV-SW1"]))
    );
    let out = run(
        &[
            "consent",
            "add",
            "--subject",
            "C1",
            "--given-by",
            "child",
            "--recipient",
            "lcs:LA",
            "--from",
            "2020-01-01",
            "--evidence",
            "signed form",
        ],
        &path,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("consent 1 recorded for lcs:C1"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        cli_team(&path, "W1", "practitioner"),
        Some(set(&["lcs:IV-SW1", "lcs:IV-SEX1"]))
    );
    let out = run(
        &["consent", "withdraw", "--id", "1", "--on", "2020-01-02"],
        &path,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        cli_team(&path, "W1", "practitioner"),
        Some(set(&["lcs:IV-SW1"]))
    );
    let list = run(&["consent", "list"], &path);
    let row: Value = serde_json::from_str(stdout(&list).lines().next().unwrap()).unwrap();
    assert_eq!(row["consent"]["withdrawn"], "2020-01-02");
    // Withdrawing again is refused.
    let again = run(
        &["consent", "withdraw", "--id", "1", "--on", "2020-01-03"],
        &path,
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("no consent 1 in force"),
        "{}",
        stderr(&again)
    );
    // A --parent without --given-by parent is a usage error.
    let bad = run(
        &[
            "consent",
            "add",
            "--subject",
            "C1",
            "--given-by",
            "child",
            "--parent",
            "M1",
            "--recipient",
            "lcs:LA",
            "--from",
            "2020-01-01",
        ],
        &path,
    );
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn cli_policy_set_is_applied_to_viewers_and_break_glass() {
    let (dir, path) = store_file("cli-policy");
    let mut policy = Policy::practice_defaults("wexmoor-2026-11");
    policy.break_glass_minutes = 30;
    let file = dir.0.join("policy.json");
    std::fs::write(&file, serde_json::to_string(&policy).unwrap()).unwrap();
    let out = run(&["policy", "set", "--file", file.to_str().unwrap()], &path);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let show = run(&["policy", "show"], &path);
    let shown: Policy = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(shown, policy);

    // A viewer's read is made under the stored policy.
    cli_team(&path, "W1", "practitioner");
    let entries = all_entries(&Store::open(&path).unwrap());
    let read = entries.last().unwrap();
    let detail: Value = serde_json::from_str(&read.detail).unwrap();
    assert_eq!(detail["policy_version"], "wexmoor-2026-11");

    // Break glass lasts the stored policy's 30 minutes.
    let before = Utc::now();
    let out = run(
        &[
            "break-glass",
            "--viewer",
            "EDT1",
            "--child",
            "C1",
            "--role",
            "child_protection",
            "--ground",
            "legal-obligation",
            "--reason",
            "court order",
        ],
        &path,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let grants = Store::open(&path).unwrap().grants().unwrap();
    let grant = &grants.overrides[0];
    assert_eq!(grant.until - grant.from, Duration::minutes(30));
    assert!(grant.from >= before);
    assert_eq!(grant.policy_version, "wexmoor-2026-11");
    assert_eq!(grant.ground, OverrideGround::LegalObligation);

    // A file that is not a policy is a usage error naming it; the same version twice fails.
    std::fs::write(dir.0.join("bad.json"), "{\"version\": 3}").unwrap();
    let bad = run(
        &[
            "policy",
            "set",
            "--file",
            dir.0.join("bad.json").to_str().unwrap(),
        ],
        &path,
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("bad.json"), "{}", stderr(&bad));
    let again = run(&["policy", "set", "--file", file.to_str().unwrap()], &path);
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(Store::open(&path).unwrap().policies().unwrap().len(), 1);
}

#[test]
fn cli_share_decision_is_recorded_and_audited() {
    let (_dir, path) = store_file("cli-share");
    let out = run(
        &[
            "share-decision",
            "--subject",
            "C1",
            "--share",
            "--what",
            "the child protection plan",
            "--recipient",
            "edu:URN1",
            "--why",
            "school is on the core group",
            "--consent",
            "not-sought",
            "--decided-by",
            "W1",
            "--basis",
            "public-task",
        ],
        &path,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let store = Store::open(&path).unwrap();
    let decisions = store.sharing_decisions().unwrap();
    assert_eq!(decisions.len(), 1);
    assert!(decisions[0].shared);
    assert_eq!(decisions[0].recipients, vec![AgencyKey::new("edu", "URN1")]);
    assert_eq!(decisions[0].consent, ConsentStatus::NotSought);
    assert_eq!(
        decisions[0].lawful_basis.as_ref().map(|b| b.article6),
        Some(Article6Basis::PublicTask)
    );
    let entries = all_entries(&store);
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].category, "disclosure");
    // Neither --share nor --no-share: a usage error.
    let out = run(
        &[
            "share-decision",
            "--subject",
            "C1",
            "--what",
            "x",
            "--recipient",
            "edu:URN1",
            "--why",
            "y",
            "--consent",
            "given",
            "--decided-by",
            "W1",
        ],
        &path,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_damaged_consent_row_is_an_error_naming_table_row_and_column() {
    let (_dir, path) = store_file("cli-damaged-consent");
    Store::open(&path)
        .unwrap()
        .record_consent(&consent_to_council(d(2020, 1, 1)), t(1, 1, 9, 0), dpo())
        .unwrap();
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute(
        "UPDATE consents SET given_by = '{\"kind\": \"neighbour\"}'",
        [],
    )
    .unwrap();
    drop(raw);
    let err = Store::open(&path)
        .unwrap()
        .grants()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("table consents, row id 1, column given_by"),
        "{err}"
    );
    // A viewer's read fails (exit 1) rather than read with the consent silently dropped.
    let out = run(
        &["team", "--child", "C1", "--json", "--viewer", "W1"],
        &path,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("given_by"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_version_4_store_is_brought_up_to_version_5_with_its_network_kept() {
    let (_dir, path) = store_file("v4-upgrade");
    // Make it a store as version 4 left it: without the grant tables.
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute_batch(
        "DROP TABLE consents; DROP TABLE break_glass_overrides; DROP TABLE sharing_decisions;
         DROP TABLE access_policies; PRAGMA user_version = 4;",
    )
    .unwrap();
    drop(raw);
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.load().unwrap().person_count(), 1);
    assert_eq!(store.grants().unwrap(), Grants::default());
    store
        .record_consent(&consent_to_council(d(2020, 1, 1)), t(1, 1, 9, 0), dpo())
        .unwrap();
    assert_eq!(store.grants().unwrap().consents.len(), 1);
}

#[test]
fn cli_break_glass_without_a_reason_is_refused() {
    let (_dir, path) = store_file("cli-break-glass-no-reason");
    let out = run(
        &[
            "break-glass",
            "--viewer",
            "EDT1",
            "--child",
            "C1",
            "--role",
            "child_protection",
            "--ground",
            "safeguarding",
            "--reason",
            "   ",
        ],
        &path,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("needs a reason"), "{}", stderr(&out));
    assert!(overrides_in(&path).is_empty());
    assert!(
        Store::open(&path)
            .unwrap()
            .grants()
            .unwrap()
            .overrides
            .is_empty()
    );
}
