//! `--viewer` on the read commands (`team`, `gaps`, `caseload`, `export`, `changes`): each
//! answer holds only what the access policy lets the professional see, and each run
//! appends exactly one audit entry, the read's access record, as the viewer's. The store
//! is built by hand and every expected answer is worked out by hand from it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDate;
use patchwork_adapters::ssd::{self, Flavour, SsdOptions};
use patchwork_adapters::store::{AuditQuery, ImportRecord, Store, StoredAuditEntry};
use patchwork_core::*;
use serde_json::{Value, json};

mod common;
use common::{TempDir, stderr};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The date the queries answer for. Access itself is decided on the day the test runs:
/// every involvement below is open from 2025-01-01, so it is active on both.
const AS_OF: &str = "2026-06-01";

fn involvement(
    id: &str,
    child: &str,
    worker: &str,
    role: (&str, RoleCategory),
    sensitivity: Sensitivity,
) -> Involvement {
    Involvement {
        key: InvolvementKey::new("lcs", id),
        person: PersonKey::new("lcs", child),
        professional: Some(ProfessionalKey::new("lcs", worker)),
        team: None,
        role: Role::new(role.0, role.1),
        period: Period::from(d(2025, 1, 1)),
        end_reason: None,
        sensitivity,
        source: Source::system("lcs"),
    }
}

/// The network:
///
/// * agencies: the council (`lcs:LA`), the community health trust (`nhs:RX1`) and the
///   sexual health service (`nhs:SHS`); team `lcs:T1` "Assessment North" of the council.
/// * professionals: W1 Sam Okafor (team T1, the council; phone and email), W3 Ola Penn
///   (the council), HV1 Hana Visser (the trust), SH1 Rae Quill (sexual health).
/// * C1, on a child protection plan: allocated social worker W1 (`IV-SW1`, the lead),
///   health visitor HV1 (`IV-HV1`) and a sexual health nurse SH1 (`IV-SEX1`, a sensitive
///   service). M1 is C1's mother (relationship R1) and shares household H1 with C1.
/// * CS7, shielded, with W1 as allocated social worker (`IV-SHD7`).
/// * CX3, in need, with W3 as allocated social worker (`IV-OTH3`).
/// * CG4, on a child protection plan with nobody involved (a gap).
fn network() -> Network {
    let src = Source::system("lcs");
    let mut net = Network::new();
    for (key, name) in [
        (AgencyKey::new("lcs", "LA"), "Wexmoor Children's Services"),
        (AgencyKey::new("nhs", "RX1"), "Wexmoor Community NHS Trust"),
        (AgencyKey::new("nhs", "SHS"), "Wexmoor Sexual Health"),
    ] {
        let kind = if key.system() == "lcs" {
            AgencyKind::ChildrensSocialCare
        } else {
            AgencyKind::Health
        };
        net.add_agency(Agency {
            key,
            name: name.into(),
            kind,
            ods_code: None,
            school_urn: None,
            source: src.clone(),
        })
        .unwrap();
    }
    net.add_team(Team {
        key: TeamKey::new("lcs", "T1"),
        name: "Assessment North".into(),
        agency: Some(AgencyKey::new("lcs", "LA")),
        parent: None,
        source: src.clone(),
    })
    .unwrap();
    for (id, name, agency) in [
        ("W1", "Sam Okafor", "lcs:LA"),
        ("W3", "Ola Penn", "lcs:LA"),
        ("HV1", "Hana Visser", "nhs:RX1"),
        ("SH1", "Rae Quill", "nhs:SHS"),
    ] {
        let mut p = Professional::new(ProfessionalKey::new("lcs", id), src.clone());
        p.name = Some(name.into());
        p.agency = Some(agency.parse().unwrap());
        if id == "W1" {
            p.team = Some(TeamKey::new("lcs", "T1"));
            p.phone = Some("01632 960001".into());
            p.email = Some("sam.okafor@wexmoor.example".into());
        }
        net.add_professional(p).unwrap();
    }
    for (id, kind) in [
        ("C1", PersonKind::Child),
        ("M1", PersonKind::Adult),
        ("CS7", PersonKind::Child),
        ("CX3", PersonKind::Child),
        ("CG4", PersonKind::Child),
    ] {
        let mut person = Person::new(PersonKey::new("lcs", id), kind, src.clone());
        person.given_name = Some(format!("Given{id}"));
        person.shielded = id == "CS7";
        net.add_person(person).unwrap();
    }
    let cp = || EpisodeDetail::ChildProtectionPlan {
        category_of_abuse: None,
        census: Default::default(),
    };
    for (id, child, detail) in [
        ("CP1", "C1", cp()),
        ("CP4", "CG4", cp()),
        (
            "CIN3",
            "CX3",
            EpisodeDetail::ChildInNeed {
                referral_source: None,
                primary_need: None,
                closure_reason: None,
                census: Default::default(),
            },
        ),
    ] {
        net.add_episode(Episode {
            key: EpisodeKey::new("lcs", id),
            person: PersonKey::new("lcs", child),
            period: Period::from(d(2025, 1, 1)),
            detail,
            source: src.clone(),
        })
        .unwrap();
    }
    let sw = ("SW", RoleCategory::AllocatedSocialWorker);
    let standard = Sensitivity::Standard;
    for i in [
        involvement("IV-SW1", "C1", "W1", sw, standard),
        involvement(
            "IV-HV1",
            "C1",
            "HV1",
            ("HV", RoleCategory::HealthVisitor),
            standard,
        ),
        involvement(
            "IV-SEX1",
            "C1",
            "SH1",
            ("SHN", RoleCategory::Other),
            Sensitivity::SensitiveService,
        ),
        involvement("IV-SHD7", "CS7", "W1", sw, standard),
        involvement("IV-OTH3", "CX3", "W3", sw, standard),
    ] {
        net.add_involvement(i).unwrap();
    }
    net.add_relationship(Relationship {
        key: RelationshipKey::new("lcs", "R1"),
        from: PersonKey::new("lcs", "M1"),
        to: PersonKey::new("lcs", "C1"),
        kind: RelationshipKind::Parent,
        parental_responsibility: true,
        period: Period::always(),
        source: src.clone(),
    })
    .unwrap();
    net.add_household(Household {
        key: HouseholdKey::new("lcs", "H1"),
        name: None,
        source: src,
    })
    .unwrap();
    for p in ["C1", "M1"] {
        net.add_household_member(
            &HouseholdKey::new("lcs", "H1"),
            &PersonKey::new("lcs", p),
            Period::always(),
        )
        .unwrap();
    }
    net
}

/// A store holding the network as one import over an empty store, with the change
/// events that import gives (every person added, every involvement started...).
fn store(name: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new(name);
    let path = dir.0.join("network.sqlite");
    let net = network();
    let empty = Network::new();
    let events = net.diff(&empty, d(2026, 6, 1));
    let record = ImportRecord {
        previous_import: None,
        started_at: "2026-06-01T02:00:00Z".to_owned(),
        as_of: d(2026, 6, 1),
        outcome: "loaded",
        rows_read: 0,
        rows_loaded: 0,
        rows_quarantined: 0,
        report_json: "{}".to_owned(),
        files: &[],
        events: &events,
        audit: None,
    };
    Store::open(&path)
        .unwrap()
        .save_import(&empty, &net, &record, &mut |_, _| {})
        .unwrap();
    (dir, path)
}

fn run(args: &[&str], store: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_patchwork"))
        .args(args)
        .arg("--store")
        .arg(store)
        .env("USER", "analyst7")
        .output()
        .unwrap()
}

/// Runs, expects exit 0, and parses stdout as JSON.
fn run_json(args: &[&str], store: &Path) -> Value {
    let out = run(args, store);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn entries(store: &Path) -> Vec<StoredAuditEntry> {
    Store::open(store)
        .unwrap()
        .audit_entries(&AuditQuery::default())
        .unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The values of `field` in an array of objects, as a set of strings.
fn ids(rows: &Value, field: &str) -> BTreeSet<String> {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| r[field].as_str().unwrap().to_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn an_involved_professional_sees_the_team_without_another_agencys_sensitive_service() {
    let (_dir, path) = store("team-involved");
    let team = ["team", "--child", "C1", "--as-of", AS_OF, "--json"];
    // Without a viewer: all three.
    let all = run_json(&team, &path);
    assert_eq!(
        ids(&all, "involvement_id"),
        set(&["lcs:IV-SW1", "lcs:IV-HV1", "lcs:IV-SEX1"])
    );
    // W1 (the council) and HV1 (the trust) are involved: they see the team, but not the
    // sexual health service of another agency.
    for viewer in ["W1", "lcs:HV1"] {
        let rows = run_json(&[&team[..], &["--viewer", viewer]].concat(), &path);
        assert_eq!(
            ids(&rows, "involvement_id"),
            set(&["lcs:IV-SW1", "lcs:IV-HV1"]),
            "{viewer}"
        );
        let lead: Vec<&str> = rows
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["lead"] == true)
            .map(|r| r["involvement_id"].as_str().unwrap())
            .collect();
        assert_eq!(lead, ["lcs:IV-SW1"], "{viewer}");
        // The row shape is today's: the same object as the administrative read's.
        let w1_row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["involvement_id"] == "lcs:IV-SW1")
            .unwrap();
        let admin_row = all
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["involvement_id"] == "lcs:IV-SW1")
            .unwrap();
        assert_eq!(w1_row, admin_row);
    }
    // The sexual health nurse sees their own involvement as well.
    let rows = run_json(&[&team[..], &["--viewer", "SH1"]].concat(), &path);
    assert_eq!(
        ids(&rows, "involvement_id"),
        set(&["lcs:IV-SW1", "lcs:IV-HV1", "lcs:IV-SEX1"])
    );
    // The table form leaves the service out too.
    let out = run(
        &["team", "--child", "C1", "--as-of", AS_OF, "--viewer", "HV1"],
        &path,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("2 active involvement(s)"), "{text}");
    assert!(
        text.contains("Sam Okafor") && !text.contains("Rae Quill"),
        "{text}"
    );
}

#[test]
fn an_uninvolved_professional_learns_only_existence_and_the_leads_contact() {
    let (_dir, path) = store("team-uninvolved");
    let doc = run_json(
        &[
            "team", "--child", "C1", "--as-of", AS_OF, "--json", "--viewer", "W3",
        ],
        &path,
    );
    let message =
        "lcs:C1 is known to services; you are not in their network: contact the lead practitioner";
    assert_eq!(
        doc,
        json!({
            "child_id": "lcs:C1",
            "access": "existence_only",
            "message": message,
            "contact": {
                "route": "lead",
                "role": "allocated_social_worker",
                "professional": "lcs:W1",
                "name": "Sam Okafor",
                "phone": "01632 960001",
                "email": "sam.okafor@wexmoor.example",
                "team": "Assessment North",
                "agency": "Wexmoor Children's Services",
            },
        })
    );
    let out = run(
        &["team", "--child", "C1", "--as-of", AS_OF, "--viewer", "W3"],
        &path,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "{message}.\nContact: Sam Okafor (allocated social worker), Assessment North, \
             Wexmoor Children's Services, phone 01632 960001, email sam.okafor@wexmoor.example\n"
        )
    );
    // Nothing of the team shows: no member, no other agency.
    assert!(!stdout(&out).contains("Hana Visser"));
    // The audit trail records an existence-only read, with its alert.
    let e = entries(&path).pop().unwrap();
    let detail: Value = serde_json::from_str(&e.detail).unwrap();
    assert_eq!(detail["outcome"], "existence_only");
    assert_eq!(detail["alerts"], json!(["outside_network"]));
    assert_eq!(e.subjects, ["lcs:C1"]);
}

#[test]
fn a_shielded_child_is_indistinguishable_from_an_unknown_id() {
    let (_dir, path) = store("shielded");
    // CZ9 is not in the store; CS7 is shielded (and W1 is even its social worker).
    for viewer in ["W1", "W3"] {
        for json_flag in [&[][..], &["--json"][..]] {
            let ask = |child: &str| {
                let args = [
                    &[
                        "team", "--child", child, "--as-of", AS_OF, "--viewer", viewer,
                    ][..],
                    json_flag,
                ]
                .concat();
                run(&args, &path)
            };
            let hidden = ask("CS7");
            let unknown = ask("CZ9");
            assert_eq!(hidden.status.code(), Some(1));
            assert_eq!(hidden.status.code(), unknown.status.code());
            assert_eq!(stdout(&hidden), "");
            assert_eq!(stdout(&hidden), stdout(&unknown));
            assert_eq!(stderr(&hidden).replace("CS7", "CZ9"), stderr(&unknown));
            assert!(stderr(&unknown).contains("no person lcs:CZ9"));
        }
    }
    // The trail knows which was which.
    let all = entries(&path);
    assert_eq!(all.len(), 8);
    let last_two: Vec<Value> = all[6..]
        .iter()
        .map(|e| serde_json::from_str(&e.detail).unwrap())
        .collect();
    assert_eq!(last_two[0]["outcome"], "denied");
    assert_eq!(last_two[0]["alerts"], json!(["shielded_requested"]));
    assert_eq!(all[6].subjects, ["lcs:CS7"]);
    assert_eq!(last_two[1]["outcome"], "not_found");
    assert_eq!(all[7].subjects, ["lcs:CZ9"]);
    // The role that brokers contact for shielded children sees the child W1 works with.
    let rows = run_json(
        &[
            "team",
            "--child",
            "CS7",
            "--as-of",
            AS_OF,
            "--json",
            "--viewer",
            "W1",
            "--role",
            "shield_broker",
        ],
        &path,
    );
    assert_eq!(ids(&rows, "involvement_id"), set(&["lcs:IV-SHD7"]));
}

#[test]
fn caseload_and_gaps_hold_only_what_the_viewer_sees() {
    let (_dir, path) = store("caseload-gaps");
    let caseload = [
        "caseload",
        "--professional",
        "W1",
        "--as-of",
        AS_OF,
        "--json",
    ];
    assert_eq!(
        ids(&run_json(&caseload, &path), "child_id"),
        set(&["lcs:C1", "lcs:CS7"])
    );
    // W1's own caseload, as W1: the shielded child is left out.
    let rows = run_json(&[&caseload[..], &["--viewer", "W1"]].concat(), &path);
    assert_eq!(ids(&rows, "child_id"), set(&["lcs:C1"]));
    // W3 sees none of W1's children in full: an empty caseload.
    let rows = run_json(&[&caseload[..], &["--viewer", "W3"]].concat(), &path);
    assert_eq!(rows, json!([]));
    // Gaps: CG4 (on a plan, nobody involved) is a gap for the administrative read; W1
    // sees only C1 and CS7 is hidden, so no gap of W1's is about anyone else.
    let gaps = ["gaps", "--as-of", AS_OF, "--json"];
    let all = ids(&run_json(&gaps, &path), "child_id");
    assert!(all.contains("lcs:CG4"), "{all:?}");
    let mine = ids(
        &run_json(&[&gaps[..], &["--viewer", "W1"]].concat(), &path),
        "child_id",
    );
    assert!(mine.is_subset(&set(&["lcs:C1"])), "{mine:?}");
    let e = entries(&path).pop().unwrap();
    assert_eq!(e.scope, "subjects");
    assert_eq!(e.subjects.iter().cloned().collect::<BTreeSet<_>>(), mine);
}

#[test]
fn each_command_appends_one_entry_as_the_viewer() {
    let (dir, path) = store("audit");
    let out_json = dir.0.join("w1.json");
    let cases: Vec<(Vec<&str>, &str, Vec<&str>)> = vec![
        (
            vec!["team", "--child", "C1", "--as-of", AS_OF],
            "consultation",
            vec!["lcs:C1"],
        ),
        (
            vec!["caseload", "--professional", "W1", "--as-of", AS_OF],
            "consultation",
            vec!["lcs:C1"],
        ),
        (vec!["gaps", "--as-of", AS_OF], "consultation", vec![]),
        (
            vec![
                "export",
                "--format",
                "json",
                "--out",
                out_json.to_str().unwrap(),
            ],
            "disclosure",
            vec!["lcs:C1", "lcs:M1"],
        ),
        (vec!["changes", "--json"], "consultation", vec!["lcs:C1"]),
    ];
    for (n, (args, category, subjects)) in cases.iter().enumerate() {
        let args = [
            &args[..],
            &[
                "--viewer",
                "lcs:W1",
                "--purpose",
                "safeguarding",
                "--reason",
                "strategy meeting",
            ],
        ]
        .concat();
        let out = run(&args, &path);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let all = entries(&path);
        assert_eq!(all.len(), n + 1, "{args:?} appended exactly one entry");
        let e = all.last().unwrap();
        assert_eq!(
            (e.actor_kind.as_str(), e.actor.as_str()),
            ("viewer", "lcs:W1")
        );
        assert_eq!(e.category, *category, "{args:?}");
        assert_eq!(e.scope, "subjects", "{args:?}");
        assert_eq!(e.subjects, *subjects, "{args:?}");
        assert_eq!(e.purpose, "safeguarding: strategy meeting");
        let detail: Value = serde_json::from_str(&e.detail).unwrap();
        assert_eq!(detail["command"], args[0]);
        assert_eq!(detail["policy_version"], "patchwork-practice-defaults");
        assert_eq!(detail["viewer"]["role"], "practitioner");
        assert_eq!(detail["viewer"]["reason"], "strategy meeting");
        assert_eq!(detail["disclosed"], json!(subjects));
        let operation = if *category == "disclosure" {
            "disclose"
        } else {
            "consult"
        };
        assert_eq!(detail["operation"], operation);
    }
    let out = run(&["audit", "verify"], &path);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // `audit log --professional` finds them by the viewer's key.
    let out = run(
        &["audit", "log", "--professional", "lcs:W1", "--json"],
        &path,
    );
    assert_eq!(stdout(&out).lines().count(), 5);
}

#[test]
fn a_viewers_json_export_holds_only_their_view() {
    let (dir, path) = store("export-json");
    let file = dir.0.join("w1.json");
    let out = run(
        &[
            "export",
            "--format",
            "json",
            "--out",
            file.to_str().unwrap(),
            "--viewer",
            "W1",
        ],
        &path,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    // W1 sees C1 in full; M1 is C1's relative; CS7 is shielded; CX3 and CG4 are not
    // theirs. Of C1's involvements, the sexual health service is another agency's.
    assert_eq!(ids(&doc["persons"], "key"), set(&["lcs:C1", "lcs:M1"]));
    assert_eq!(
        ids(&doc["involvements"], "key"),
        set(&["lcs:IV-SW1", "lcs:IV-HV1"])
    );
    assert_eq!(ids(&doc["episodes"], "key"), set(&["lcs:CP1"]));
    assert_eq!(ids(&doc["relationships"], "key"), set(&["lcs:R1"]));
    assert_eq!(ids(&doc["households"], "key"), set(&["lcs:H1"]));
    let members: Vec<&str> = doc["households"][0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["person"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["lcs:C1", "lcs:M1"]);
    assert_eq!(doc["identity_links"], json!([]));
    // The directory (agencies, teams, professionals) comes whole, as in the viewer's view.
    assert_eq!(doc["agencies"].as_array().unwrap().len(), 3);
    assert_eq!(doc["professionals"].as_array().unwrap().len(), 4);
    for absent in [
        "CS7", "CX3", "CG4", "IV-SEX1", "IV-SHD7", "IV-OTH3", "CP4", "CIN3",
    ] {
        assert!(!text.contains(absent), "{absent} in the export");
    }
    // The administrative export of the same store holds everything.
    let all = dir.0.join("all.json");
    let out = run(
        &["export", "--format", "json", "--out", all.to_str().unwrap()],
        &path,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&all).unwrap()).unwrap();
    assert_eq!(doc["persons"].as_array().unwrap().len(), 5);
    assert_eq!(doc["involvements"].as_array().unwrap().len(), 5);
}

#[test]
fn a_viewers_ssd_export_holds_only_their_view() {
    let (dir, path) = store("export-ssd");
    let folder = dir.0.join("ssd");
    let out = run(
        &[
            "export",
            "--format",
            "ssd",
            "--out",
            folder.to_str().unwrap(),
            "--viewer",
            "W1",
        ],
        &path,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let text = String::from_utf8_lossy(&bytes);
    for absent in [
        "CS7", "CX3", "CG4", "IV-SEX1", "IV-SHD7", "IV-OTH3", "GivenCS7", "CP4", "CIN3",
    ] {
        assert!(!text.contains(absent), "{absent} in the SSD export");
    }
    let back = ssd::import_dir(&folder, &SsdOptions::new(Flavour::Lcs)).unwrap();
    let persons: BTreeSet<String> = back.network.persons().map(|p| p.key.to_string()).collect();
    assert_eq!(persons, set(&["lcs:C1", "lcs:M1"]));
    let involvements: BTreeSet<String> = back
        .network
        .involvements()
        .map(|i| i.key().to_string())
        .collect();
    assert!(involvements.contains("lcs:IV-SW1"), "{involvements:?}");
    assert!(
        involvements.is_subset(&set(&["lcs:IV-SW1", "lcs:IV-HV1"])),
        "{involvements:?}"
    );
}

#[test]
fn changes_hold_only_events_about_what_the_viewer_sees_in_full() {
    let (_dir, path) = store("changes");
    let lines = |extra: &[&str]| -> Vec<Value> {
        let out = run(&[&["changes", "--json"][..], extra].concat(), &path);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let all = lines(&[]);
    // The administrative read has events about every person, the shielded one too.
    assert!(all.iter().any(|e| e["person"] == "lcs:CS7"));
    // W1 sees C1 in full, and of C1's involvements not the sexual health service: the
    // events about C1 that do not name IV-SEX1 (as their own or a lead's involvement).
    let names_sex1 = |e: &Value| e.to_string().contains("lcs:IV-SEX1");
    let expected: Vec<&Value> = all
        .iter()
        .filter(|e| e["person"] == "lcs:C1" && !names_sex1(e))
        .collect();
    let mine = lines(&["--viewer", "W1"]);
    assert_eq!(mine.iter().collect::<Vec<_>>(), expected);
    // Among them: C1 added, and the two involvements W1 may see started.
    let started: BTreeSet<String> = mine
        .iter()
        .filter(|e| e["event"] == "involvement_started")
        .map(|e| e["involvement"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(started, set(&["lcs:IV-SW1", "lcs:IV-HV1"]));
    assert!(mine.iter().any(|e| e["event"] == "person_added"));
    // The sexual health nurse also sees the start of their own involvement.
    let sh1 = lines(&["--viewer", "SH1"]);
    assert!(
        sh1.iter()
            .any(|e| e["event"] == "involvement_started" && e["involvement"] == "lcs:IV-SEX1")
    );
    // The readable form leaves out what the viewer may not see too.
    let out = run(&["changes", "--viewer", "W1"], &path);
    let text = stdout(&out);
    assert!(text.contains("lcs:C1:") && !text.contains("CS7"), "{text}");
    assert!(!text.contains("Rae Quill"), "{text}");
}

#[test]
fn an_unknown_viewer_is_a_usage_error_and_nothing_is_read() {
    let (dir, path) = store("unknown-viewer");
    let out_json = dir.0.join("x.json");
    let commands: Vec<Vec<&str>> = vec![
        vec!["team", "--child", "C1"],
        vec!["gaps"],
        vec!["caseload", "--professional", "W1"],
        vec![
            "export",
            "--format",
            "json",
            "--out",
            out_json.to_str().unwrap(),
        ],
        vec!["changes"],
    ];
    for args in commands {
        let args = [&args[..], &["--viewer", "NOBODY"]].concat();
        let out = run(&args, &path);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(stdout(&out), "", "{args:?}");
        let err = stderr(&out);
        assert!(
            err.contains("--viewer lcs:NOBODY: no such professional"),
            "{args:?}: {err}"
        );
    }
    assert!(!out_json.exists());
    assert!(entries(&path).is_empty());
    // Viewer options without --viewer are a usage error too.
    let out = run(&["gaps", "--role", "front_door"], &path);
    assert_eq!(out.status.code(), Some(2));
    assert!(entries(&path).is_empty());
}

#[test]
fn a_policy_file_decides_and_is_named_in_the_trail() {
    let (dir, path) = store("policy");
    // A policy that shows nobody anything: C1 is then "not found", as an unknown child.
    let deny = dir.0.join("deny.json");
    std::fs::write(&deny, r#"{"version": "lockdown-1"}"#).unwrap();
    let ask = |child: &str| {
        run(
            &[
                "team",
                "--child",
                child,
                "--as-of",
                AS_OF,
                "--viewer",
                "W1",
                "--policy",
                deny.to_str().unwrap(),
            ],
            &path,
        )
    };
    let denied = ask("C1");
    let unknown = ask("C9");
    assert_eq!(denied.status.code(), Some(1));
    assert_eq!(stderr(&denied).replace("C1", "C9"), stderr(&unknown));
    let e = &entries(&path)[0];
    let detail: Value = serde_json::from_str(&e.detail).unwrap();
    assert_eq!(detail["policy_version"], "lockdown-1");
    assert_eq!(detail["outcome"], "denied");
    // A policy that is not one: a usage error naming the file, line and column.
    let bad = dir.0.join("bad.json");
    std::fs::write(
        &bad,
        "{\n  \"version\": \"v2\",\n  \"adminstrative\": true\n}",
    )
    .unwrap();
    let out = run(
        &["gaps", "--viewer", "W1", "--policy", bad.to_str().unwrap()],
        &path,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("bad.json") && err.contains("line 3"), "{err}");
    assert!(err.contains("unknown field `adminstrative`"), "{err}");
    assert_eq!(entries(&path).len(), 2);
}

#[test]
fn without_a_lead_to_show_the_contact_is_the_broker_the_policy_names() {
    let (dir, path) = store("broker");
    // CG4 has nobody involved: no lead can be shown. The practice defaults name no
    // broker; this council's policy names its front door.
    let ask = |policy: Option<&Path>| {
        let mut args = vec![
            "team", "--child", "CG4", "--as-of", AS_OF, "--json", "--viewer", "W3",
        ];
        if let Some(p) = policy {
            args.extend(["--policy", p.to_str().unwrap()]);
        }
        run_json(&args, &path)
    };
    assert_eq!(ask(None)["contact"], json!({"route": "unavailable"}));
    let mut policy = Policy::practice_defaults("wexmoor-2026-11");
    policy.broker_contact = Some("Wexmoor front door, 01632 960000".into());
    let file = dir.0.join("policy.json");
    std::fs::write(&file, serde_json::to_string_pretty(&policy).unwrap()).unwrap();
    let doc = ask(Some(&file));
    assert_eq!(doc["access"], "existence_only");
    assert_eq!(
        doc["contact"],
        json!({"route": "broker", "contact": "Wexmoor front door, 01632 960000"})
    );
    let e = entries(&path).pop().unwrap();
    let detail: Value = serde_json::from_str(&e.detail).unwrap();
    assert_eq!(detail["policy_version"], "wexmoor-2026-11");
    // A purpose that is not one is a usage error.
    let out = run(&["gaps", "--viewer", "W3", "--purpose", "curiosity"], &path);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("is not a purpose"),
        "{}",
        stderr(&out)
    );
    assert_eq!(entries(&path).len(), 2);
}
