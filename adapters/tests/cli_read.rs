//! The read-only subcommands of `patchwork` (`team`, `gaps`, `caseload`, `export`) run
//! end to end against a small store built by hand, with the expected answers worked out
//! by hand too.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDate;
use patchwork_adapters::ssd::{self, Flavour, SsdOptions};
use patchwork_adapters::store::Store;
use patchwork_core::{
    Agency, AgencyKey, AgencyKind, EndReason, Episode, EpisodeDetail, EpisodeKey, Household,
    HouseholdKey, Involvement, InvolvementKey, Network, Period, Person, PersonKey, PersonKind,
    Professional, ProfessionalKey, Relationship, RelationshipKey, RelationshipKind, Role,
    RoleCategory, Sensitivity, Source, SwChangeReason, Team, TeamKey,
};
use serde_json::{Value, json};

mod common;
use common::TempDir;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The date every query below answers for.
const AS_OF: &str = "2025-06-01";

fn involvement(
    id: &str,
    child: &str,
    worker: &str,
    role: (&str, RoleCategory),
    period: Period,
) -> Involvement {
    Involvement {
        key: InvolvementKey::new("lcs", id),
        person: PersonKey::new("lcs", child),
        professional: Some(ProfessionalKey::new("lcs", worker)),
        team: None,
        role: Role::new(role.0, role.1),
        period,
        end_reason: None,
        sensitivity: Sensitivity::Standard,
        source: Source::system("lcs"),
    }
}

/// The network, as of 2025-06-01:
///
/// * C1, on a child protection plan since 2025-01-10: allocated social worker W1 (team T1
///   of the council, lead) since 2025-01-06, after W2 (ended 2025-01-06, LEFTRL); health
///   visitor HV1 since 2024-11-01, who left the health agency on 2025-03-01; DSL D1 (no
///   team, no agency) from 2024-09-01 to 2025-07-01, a sensitive service.
/// * C2, looked after since 2025-02-01, with nobody involved.
/// * C3, no episode: W1 as family support worker since 2025-05-01 (not lead).
/// * M1, C1's mother, in household H1 with C1.
fn network() -> Network {
    let src = Source::system("lcs");
    let mut net = Network::new();
    net.add_agency(Agency {
        key: AgencyKey::new("lcs", "LA"),
        name: "Wexmoor Children's Services".into(),
        kind: AgencyKind::ChildrensSocialCare,
        ods_code: None,
        school_urn: None,
        source: src.clone(),
    })
    .unwrap();
    net.add_agency(Agency {
        key: AgencyKey::new("nhs", "RX1"),
        name: "Wexmoor Community NHS Trust".into(),
        kind: AgencyKind::Health,
        ods_code: Some("RX1".into()),
        school_urn: None,
        source: Source::system("nhs"),
    })
    .unwrap();
    net.add_team(Team {
        key: TeamKey::new("lcs", "T1"),
        name: "Assessment North".into(),
        agency: Some(AgencyKey::new("lcs", "LA")),
        parent: None,
        source: src.clone(),
    })
    .unwrap();
    let mut w1 = Professional::new(ProfessionalKey::new("lcs", "W1"), src.clone());
    w1.name = Some("Sam Okafor".into());
    w1.team = Some(TeamKey::new("lcs", "T1"));
    w1.agency = Some(AgencyKey::new("lcs", "LA"));
    let mut w2 = Professional::new(ProfessionalKey::new("lcs", "W2"), src.clone());
    w2.name = Some("Jo Former".into());
    let mut hv1 = Professional::new(ProfessionalKey::new("lcs", "HV1"), src.clone());
    hv1.name = Some("Hana Visser".into());
    hv1.agency = Some(AgencyKey::new("nhs", "RX1"));
    hv1.active = Period::new(Some(d(2020, 1, 1)), Some(d(2025, 3, 1))).unwrap();
    let d1 = Professional::new(ProfessionalKey::new("lcs", "D1"), src.clone());
    for p in [w1, w2, hv1, d1] {
        net.add_professional(p).unwrap();
    }
    for (id, kind) in [
        ("C1", PersonKind::Child),
        ("C2", PersonKind::Child),
        ("C3", PersonKind::Child),
        ("M1", PersonKind::Adult),
    ] {
        let mut person = Person::new(PersonKey::new("lcs", id), kind, src.clone());
        person.given_name = Some(format!("Given{id}"));
        net.add_person(person).unwrap();
    }
    net.add_episode(Episode {
        key: EpisodeKey::new("lcs", "CP1"),
        person: PersonKey::new("lcs", "C1"),
        period: Period::from(d(2025, 1, 10)),
        detail: EpisodeDetail::ChildProtectionPlan {
            category_of_abuse: None,
            census: Default::default(),
        },
        source: src.clone(),
    })
    .unwrap();
    net.add_episode(Episode {
        key: EpisodeKey::new("lcs", "LA1"),
        person: PersonKey::new("lcs", "C2"),
        period: Period::from(d(2025, 2, 1)),
        detail: EpisodeDetail::LookedAfter {
            legal_status: None,
            placement: None,
            care: None,
        },
        source: src.clone(),
    })
    .unwrap();
    let sw = ("SW", RoleCategory::AllocatedSocialWorker);
    let mut i0 = involvement(
        "I0",
        "C1",
        "W2",
        sw,
        Period::new(Some(d(2024, 6, 1)), Some(d(2025, 1, 6))).unwrap(),
    );
    i0.end_reason = Some(EndReason::Dfe(SwChangeReason::LeftRole));
    let i1 = involvement("I1", "C1", "W1", sw, Period::from(d(2025, 1, 6)));
    let i2 = involvement(
        "I2",
        "C1",
        "HV1",
        ("HV", RoleCategory::HealthVisitor),
        Period::from(d(2024, 11, 1)),
    );
    let mut i3 = involvement(
        "I3",
        "C1",
        "D1",
        ("DSL", RoleCategory::DesignatedSafeguardingLead),
        Period::new(Some(d(2024, 9, 1)), Some(d(2025, 7, 1))).unwrap(),
    );
    i3.sensitivity = Sensitivity::SensitiveService;
    let i4 = involvement(
        "I4",
        "C3",
        "W1",
        ("FSW", RoleCategory::FamilySupportWorker),
        Period::from(d(2025, 5, 1)),
    );
    for i in [i0, i1, i2, i3, i4] {
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
        source: src.clone(),
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

/// A folder holding `network.sqlite`, the hand-built network saved with `Store::save`.
fn store(name: &str) -> (TempDir, PathBuf) {
    let dir = TempDir::new(name);
    let path = dir.0.join("network.sqlite");
    Store::open(&path).unwrap().save(&network()).unwrap();
    (dir, path)
}

fn run(args: &[&str], store: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_patchwork"));
    cmd.args(args);
    if let Some(store) = store {
        cmd.arg("--store").arg(store);
    }
    cmd.output().unwrap()
}

/// Runs, expects exit 0, and parses stdout as JSON.
fn run_json(args: &[&str], store: &Path) -> Value {
    let out = run(args, Some(store));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn team_json_lists_the_active_members_lead_first() {
    let (_dir, path) = store("team-json");
    let team = run_json(
        &["team", "--child", "lcs:C1", "--as-of", AS_OF, "--json"],
        &path,
    );
    // W2's involvement ended on 2025-01-06; the other three are active on 2025-06-01.
    let expected = json!([
        {
            "involvement_id": "lcs:I1",
            "professional_id": "lcs:W1",
            "name": "Sam Okafor",
            "role": "SW",
            "role_category": "allocated_social_worker",
            "team_id": "lcs:T1",
            "team": "Assessment North",
            "agency_id": "lcs:LA",
            "agency": "Wexmoor Children's Services",
            "start": "2025-01-06",
            "end": null,
            "lead": true,
            "sensitivity": "standard",
        },
        {
            "involvement_id": "lcs:I2",
            "professional_id": "lcs:HV1",
            "name": "Hana Visser",
            "role": "HV",
            "role_category": "health_visitor",
            "team_id": null,
            "team": null,
            "agency_id": "nhs:RX1",
            "agency": "Wexmoor Community NHS Trust",
            "start": "2024-11-01",
            "end": null,
            "lead": false,
            "sensitivity": "standard",
        },
        {
            "involvement_id": "lcs:I3",
            "professional_id": "lcs:D1",
            "name": null,
            "role": "DSL",
            "role_category": "designated_safeguarding_lead",
            "team_id": null,
            "team": null,
            "agency_id": null,
            "agency": null,
            "start": "2024-09-01",
            "end": "2025-07-01",
            "lead": false,
            "sensitivity": "sensitive_service",
        },
    ]);
    assert_eq!(team, expected);

    // A bare id is taken in the lcs system.
    let bare = run_json(
        &["team", "--child", "C1", "--as-of", AS_OF, "--json"],
        &path,
    );
    assert_eq!(bare, expected);

    // Before anyone was involved, the team is empty.
    let early = run_json(
        &["team", "--child", "C1", "--as-of", "2024-01-01", "--json"],
        &path,
    );
    assert_eq!(early, json!([]));
}

#[test]
fn team_table_marks_the_lead() {
    let (_dir, path) = store("team-table");
    let out = run(
        &["team", "--child", "lcs:C1", "--as-of", AS_OF],
        Some(&path),
    );
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].contains("lcs:C1") && lines[0].contains(AS_OF),
        "{stdout}"
    );
    assert!(lines[1].starts_with("LEAD"), "{stdout}");
    // The social worker's row comes first and carries the marker; the others do not.
    assert!(lines[2].starts_with('*'), "{stdout}");
    assert!(lines[2].contains("allocated_social_worker"), "{stdout}");
    assert!(lines[2].contains("Sam Okafor"), "{stdout}");
    assert!(lines[2].contains("Assessment North"), "{stdout}");
    assert!(lines[2].contains("2025-01-06"), "{stdout}");
    assert!(
        lines[3].contains("Hana Visser") && !lines[3].starts_with('*'),
        "{stdout}"
    );
    assert!(
        lines[4].contains("designated_safeguarding_lead"),
        "{stdout}"
    );
    assert!(stdout.contains("* lead practitioner"), "{stdout}");
    // Columns are aligned: the ROLE heading starts where the roles do.
    let col = lines[1].find("ROLE").unwrap();
    assert_eq!(
        lines[2].find("allocated_social_worker"),
        Some(col),
        "{stdout}"
    );
    assert_eq!(lines[3].find("health_visitor"), Some(col), "{stdout}");
}

#[test]
fn gaps_json_lists_every_gap_by_child() {
    let (_dir, path) = store("gaps");
    let gaps = run_json(&["gaps", "--as-of", AS_OF, "--json"], &path);
    // C1 has a social worker and a health visitor, but the health visitor left on
    // 2025-03-01; C2 is looked after with nobody involved (not on a plan, so no health
    // gap); C3 and M1 have none.
    let expected = json!([
        {
            "child_id": "lcs:C1",
            "gap": "professional_has_left",
            "status": null,
            "reason": "involved professional has left",
            "involvement_ids": ["lcs:I2"],
            "professional_id": "lcs:HV1",
        },
        {
            "child_id": "lcs:C2",
            "gap": "no_allocated_social_worker",
            "status": "looked_after",
            "reason": "looked after with no active allocated social worker",
            "involvement_ids": [],
            "professional_id": null,
        },
    ]);
    assert_eq!(gaps, expected);

    // Before the health visitor left, C1 has no gap; C2 is not yet looked after.
    let before = run_json(&["gaps", "--as-of", "2025-01-20", "--json"], &path);
    assert_eq!(before, json!([]));

    let table = run(&["gaps", "--as-of", AS_OF], Some(&path));
    assert_eq!(table.status.code(), Some(0));
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("involved professional has left"), "{text}");
    assert!(text.contains("lcs:C2"), "{text}");
}

#[test]
fn caseload_json_lists_the_professionals_children() {
    let (_dir, path) = store("caseload");
    let caseload = run_json(
        &[
            "caseload",
            "--professional",
            "lcs:W1",
            "--as-of",
            AS_OF,
            "--json",
        ],
        &path,
    );
    let expected = json!([
        {
            "child_id": "lcs:C1",
            "involvement_id": "lcs:I1",
            "role": "SW",
            "role_category": "allocated_social_worker",
            "start": "2025-01-06",
            "end": null,
            "lead": true,
        },
        {
            "child_id": "lcs:C3",
            "involvement_id": "lcs:I4",
            "role": "FSW",
            "role_category": "family_support_worker",
            "start": "2025-05-01",
            "end": null,
            "lead": false,
        },
    ]);
    assert_eq!(caseload, expected);

    // W2's only involvement ended in January.
    let w2 = run_json(
        &[
            "caseload",
            "--professional",
            "W2",
            "--as-of",
            AS_OF,
            "--json",
        ],
        &path,
    );
    assert_eq!(w2, json!([]));

    let table = run(
        &["caseload", "--professional", "W1", "--as-of", AS_OF],
        Some(&path),
    );
    assert_eq!(table.status.code(), Some(0));
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(
        text.lines()
            .any(|l| l.starts_with('*') && l.contains("lcs:C1")),
        "{text}"
    );
}

#[test]
fn exit_codes_and_messages() {
    let (dir, path) = store("exit");
    let store_name = path.display().to_string();

    // An unknown child or professional: exit 1, naming the key and the store.
    let out = run(&["team", "--child", "123", "--as-of", AS_OF], Some(&path));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!("patchwork: team: no person lcs:123 in {store_name}")
    );
    assert!(out.stdout.is_empty());
    let out = run(&["caseload", "--professional", "nope:W9"], Some(&path));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no professional nope:W9"), "{stderr}");

    // Usage errors: exit 2.
    assert_eq!(run(&["team", "--child", "C1"], None).status.code(), Some(2));
    assert_eq!(run(&["gaps"], None).status.code(), Some(2));
    assert_eq!(run(&["team"], Some(&path)).status.code(), Some(2));
    assert_eq!(
        run(&["gaps", "--as-of", "1 June"], Some(&path))
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(&["export", "--format", "xml", "--out", "x"], Some(&path))
            .status
            .code(),
        Some(2)
    );

    // A file that is not a database: exit 1, naming it.
    let junk = dir.0.join("junk.sqlite");
    std::fs::write(
        &junk,
        "this is not a SQLite database, only some text ".repeat(40),
    )
    .unwrap();
    let out = run(&["gaps"], Some(&junk));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&junk.display().to_string()), "{stderr}");

    // A store that does not exist is not created: exit 1, naming it.
    let missing = dir.0.join("missing.sqlite");
    let out = run(&["gaps"], Some(&missing));
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&missing.display().to_string()), "{stderr}");
    assert!(!missing.exists());

    // Without --as-of the program answers for today.
    assert_eq!(run(&["gaps", "--json"], Some(&path)).status.code(), Some(0));
}

#[test]
fn export_json_holds_every_record() {
    let (dir, path) = store("export-json");
    let out_file = dir.0.join("network.json");
    let out = run(
        &[
            "export",
            "--format",
            "json",
            "--out",
            out_file.to_str().unwrap(),
        ],
        Some(&path),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(doc["format"], "patchwork-network");
    let count = |kind: &str| doc[kind].as_array().map(Vec::len);
    assert_eq!(count("agencies"), Some(2));
    assert_eq!(count("teams"), Some(1));
    assert_eq!(count("professionals"), Some(4));
    assert_eq!(count("persons"), Some(4));
    assert_eq!(count("households"), Some(1));
    assert_eq!(count("relationships"), Some(1));
    assert_eq!(count("episodes"), Some(2));
    assert_eq!(count("activities"), Some(0));
    assert_eq!(count("involvements"), Some(5));
    assert_eq!(count("identity_links"), Some(0));
    // Network order, and the core's serialisation of each record.
    let ids: Vec<&str> = doc["involvements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["lcs:I0", "lcs:I1", "lcs:I2", "lcs:I3", "lcs:I4"]);
    let i0 = &doc["involvements"][0];
    assert_eq!(
        i0["period"],
        json!({"start": "2024-06-01", "end": "2025-01-06"})
    );
    assert_eq!(
        i0["role"],
        json!({"code": "SW", "category": "allocated_social_worker"})
    );
    assert_eq!(i0["professional"], "lcs:W2");
    let members: Vec<&str> = doc["households"][0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["person"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["lcs:C1", "lcs:M1"]);
    // Every involvement parses back into the core's record.
    let back: Vec<Involvement> = serde_json::from_value(doc["involvements"].clone()).unwrap();
    assert_eq!(
        back[0].end_reason,
        Some(EndReason::Dfe(SwChangeReason::LeftRole))
    );
}

#[test]
fn export_ssd_writes_a_folder_the_importer_reads() {
    let (dir, path) = store("export-ssd");
    let folder = dir.0.join("ssd");
    let out = run(
        &[
            "export",
            "--format",
            "ssd",
            "--out",
            folder.to_str().unwrap(),
        ],
        Some(&path),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(&folder.display().to_string()), "{stderr}");
    for file in [
        "ssd_person.csv",
        "ssd_involvements.csv",
        "ssd_professionals.csv",
    ] {
        assert!(folder.join(file).is_file(), "{file}");
    }
    let back = ssd::import_dir(&folder, &SsdOptions::new(Flavour::Lcs)).unwrap();
    assert_eq!(back.network.person_count(), 4);
}
