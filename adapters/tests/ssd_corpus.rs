//! The SSD column lists of the three case systems, from the corpus's DDL reference
//! (`shared/corpus/ssd-data-model/analysis/ddl_reference/ssd_ddl_reference_*.csv`, built
//! from Data to Insight's per-system deployment scripts), checked against
//! [`schema`]: the systems differ, and extracts in each system's own layout all load.
//!
//! The corpus must sit beside the clone (`../shared/corpus/...` from the workspace), as
//! it does in CI; without it these tests fail with a message saying where they looked.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use chrono::NaiveDate;
use patchwork_adapters::report::{ProblemKind, Severity};
use patchwork_adapters::ssd::{Flavour, SsdOptions, import_tables, schema};
use patchwork_core::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

// ----- the corpus's column lists -------------------------------------------------------------

/// A case system as the corpus names it, and the flavour Patchwork reads it with.
#[derive(Debug, Clone, Copy)]
struct System {
    corpus_name: &'static str,
    flavour: Flavour,
}

const SYSTEMC: System = System {
    corpus_name: "systemc",
    flavour: Flavour::Lcs,
};
const MOSAIC: System = System {
    corpus_name: "mosaic",
    flavour: Flavour::Mosaic,
};
const ECLIPSE: System = System {
    corpus_name: "eclipse",
    flavour: Flavour::Eclipse,
};

fn ddl_path(system: System) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/ssd-data-model/analysis/ddl_reference")
        .join(format!("ssd_ddl_reference_{}.csv", system.corpus_name))
}

/// Table -> columns in the DDL's order (`ordinal_position`), for one system and the
/// tables Patchwork reads. A table may be defined in more than one script of the system;
/// every definition of one of our tables must agree. (Other tables are not ours to check:
/// Mosaic's `ssd_cp_reviews`, for one, has two different definitions.)
fn ddl_columns(system: System) -> BTreeMap<String, Vec<String>> {
    let path = ddl_path(system);
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| {
        panic!(
            "{}: cannot read the corpus DDL reference ({e}). These tests need the shared \
             corpus beside the clone (shared/corpus/ssd-data-model/...), as CI has it.",
            path.display()
        )
    });
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{}: no column {name}", path.display()))
    };
    let (file, table, field, ordinal) = (
        col("source_file"),
        col("table_name"),
        col("field_name"),
        col("ordinal_position"),
    );
    // (table, script) -> (ordinal, field)
    let mut definitions: BTreeMap<(String, String), Vec<(u32, String)>> = BTreeMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        if !schema::ALL.iter().any(|t| t.name == &record[table]) {
            continue;
        }
        definitions
            .entry((record[table].to_owned(), record[file].to_owned()))
            .or_default()
            .push((record[ordinal].parse().unwrap(), record[field].to_owned()));
    }
    let mut columns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for ((table, script), mut fields) in definitions {
        fields.sort();
        let list: Vec<String> = fields.into_iter().map(|(_, f)| f).collect();
        match columns.get(&table) {
            None => {
                columns.insert(table, list);
            }
            Some(seen) => assert_eq!(
                seen, &list,
                "{}: {table} is defined differently in {script}",
                system.corpus_name
            ),
        }
    }
    columns
}

/// How a system's SSD differs from [`schema`] (the LCS DDL), for Patchwork's tables.
#[derive(Debug, Default, PartialEq, Eq)]
struct Differences {
    /// Tables the system does not have.
    absent_tables: BTreeSet<String>,
    /// (table, column) of ours the system does not have, and is not a rename.
    absent_columns: BTreeSet<(String, String)>,
    /// (table, column) the system has and we do not.
    extra_columns: BTreeSet<(String, String)>,
    /// Tables whose shared columns come in a different order from ours.
    reordered: BTreeSet<String>,
}

fn differences(ddl: &BTreeMap<String, Vec<String>>) -> Differences {
    let mut diff = Differences::default();
    for table in schema::ALL {
        let Some(theirs) = ddl.get(table.name) else {
            diff.absent_tables.insert(table.name.to_owned());
            continue;
        };
        for ours in table.columns {
            if !theirs.iter().any(|c| c == ours) {
                diff.absent_columns
                    .insert((table.name.to_owned(), (*ours).to_owned()));
            }
        }
        for c in theirs {
            if !table.columns.contains(&c.as_str()) {
                diff.extra_columns
                    .insert((table.name.to_owned(), c.clone()));
            }
        }
        let shared_ours: Vec<&str> = table
            .columns
            .iter()
            .copied()
            .filter(|c| theirs.iter().any(|t| t == c))
            .collect();
        let shared_theirs: Vec<&str> = theirs
            .iter()
            .map(String::as_str)
            .filter(|c| table.columns.contains(c))
            .collect();
        if shared_ours != shared_theirs {
            diff.reordered.insert(table.name.to_owned());
        }
    }
    diff
}

fn set<const N: usize>(items: [&str; N]) -> BTreeSet<String> {
    items.into_iter().map(str::to_owned).collect()
}

fn pairs<const N: usize>(items: [(&str, &str); N]) -> BTreeSet<(String, String)> {
    items
        .into_iter()
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
        .collect()
}

#[test]
fn systemc_columns_are_ours_in_the_same_order() {
    let ddl = ddl_columns(SYSTEMC);
    assert_eq!(differences(&ddl), Differences::default());
    // Stronger than the difference check: identical lists, column for column.
    for table in schema::ALL {
        assert_eq!(ddl[table.name], table.columns, "{}", table.name);
    }
}

#[test]
fn eclipse_columns_have_the_lcs_names_and_order() {
    let ddl = ddl_columns(ECLIPSE);
    assert_eq!(differences(&ddl), Differences::default());
    for table in schema::ALL {
        assert_eq!(ddl[table.name], table.columns, "{}", table.name);
    }
}

/// Mosaic differs as `crate::ssd` documents (no `ssd_family`, no `invo_person_id`, no
/// `prof_professional_name`) and in two ways it does not: `ssd_cp_plans` has no
/// `cppl_cp_plan_ola` (harmless: Patchwork does not read it), and `ssd_cin_plans` calls
/// its id `cin_plan_id` where LCS has `cinp_cin_plan_id`, which the importer requires.
/// Five tables also list their shared columns in another order (`pers_upn` tenth,
/// `addr_address_json` second, the S47 worker before its team...).
#[test]
fn mosaic_columns_differ_exactly_as_found() {
    let ddl = ddl_columns(MOSAIC);
    assert_eq!(
        differences(&ddl),
        Differences {
            absent_tables: set(["ssd_family"]),
            absent_columns: pairs([
                ("ssd_cin_plans", "cinp_cin_plan_id"),
                ("ssd_cp_plans", "cppl_cp_plan_ola"),
                ("ssd_involvements", "invo_person_id"),
                ("ssd_professionals", "prof_professional_name"),
            ]),
            extra_columns: pairs([("ssd_cin_plans", "cin_plan_id")]),
            reordered: set([
                "ssd_address",
                "ssd_cla_episodes",
                "ssd_involvements",
                "ssd_person",
                "ssd_s47_enquiry",
            ]),
        }
    );
    // The renamed id sits where ours does, first in the table.
    assert_eq!(ddl["ssd_cin_plans"][0], "cin_plan_id");
}

// ----- an extract in each system's own layout ------------------------------------------------

/// A hand-written row: (our column name, value).
type Row = Vec<(&'static str, &'static str)>;

/// One invented family, as rows of (our column, value). Team columns hold team ids and
/// role columns LCS codes; [`value_for`] turns them into what each system writes.
///
/// - K1, 16, looked after since 2023-10-01 (referral R1): allocated worker 6001 in team
///   402, IRO 6002, personal adviser 6003 in team 403 (care leavers).
/// - K2, 8, her brother, child in need (referral R2): duty worker 6004 (team 401) took the
///   referral, assessed, and was allocated until 2024-06-15 (LEFTRL); then 6001, who
///   holds the CIN plan.
fn family() -> Vec<(&'static str, Vec<Row>)> {
    vec![
        (
            "ssd_department",
            vec![
                vec![
                    ("dept_team_id", "401"),
                    ("dept_team_name", "Assessment Team A"),
                ],
                vec![
                    ("dept_team_id", "402"),
                    ("dept_team_name", "Children in Care 2"),
                ],
                vec![
                    ("dept_team_id", "403"),
                    ("dept_team_name", "Leaving Care Hub"),
                    ("dept_team_parent_id", "402"),
                    ("dept_team_parent_name", "Children in Care 2"),
                ],
            ],
        ),
        (
            "ssd_professionals",
            vec![
                professional("6001", "Ada Worker", "Social Worker"),
                professional("6002", "Ira Reviewer", "Independent Reviewing Officer"),
                professional("6003", "Pat Pathway", "Personal Adviser"),
                professional("6004", "Dee Duty", "Social Worker"),
            ],
        ),
        (
            "ssd_person",
            vec![
                vec![
                    ("pers_person_id", "K1"),
                    ("pers_legacy_id", "LEG-1"),
                    ("pers_forename", "Kit"),
                    ("pers_surname", "Sample"),
                    ("pers_sex", "F"),
                    ("pers_ethnicity", "WBRI"),
                    ("pers_dob", "2008-09-14 00:00:00.000"),
                    ("pers_upn", "A123456789012"),
                ],
                vec![
                    ("pers_person_id", "K2"),
                    ("pers_forename", "Kai"),
                    ("pers_surname", "Sample"),
                    ("pers_sex", "M"),
                    ("pers_dob", "2016-03-02"),
                ],
            ],
        ),
        (
            "ssd_linked_identifiers",
            vec![vec![
                ("link_table_id", "1"),
                ("link_person_id", "K1"),
                ("link_identifier_type", "NHS Number"),
                ("link_identifier_value", "9434765919"),
            ]],
        ),
        (
            "ssd_address",
            vec![vec![
                ("addr_table_id", "1"),
                ("addr_person_id", "K1"),
                ("addr_address_start_date", "2023-10-01"),
                ("addr_address_postcode", "ZZ3 3ZZ"),
            ]],
        ),
        (
            "ssd_family",
            vec![
                vec![
                    ("fami_table_id", "1"),
                    ("fami_family_id", "FAM1"),
                    ("fami_person_id", "K1"),
                ],
                vec![
                    ("fami_table_id", "2"),
                    ("fami_family_id", "FAM1"),
                    ("fami_person_id", "K2"),
                ],
            ],
        ),
        ("ssd_mother", vec![]),
        (
            "ssd_cin_episodes",
            vec![
                vec![
                    ("cine_referral_id", "R1"),
                    ("cine_person_id", "K1"),
                    ("cine_referral_date", "2023-09-01"),
                    ("cine_cin_primary_need_code", "N1"),
                    ("cine_referral_source_code", "2A"),
                ],
                vec![
                    ("cine_referral_id", "R2"),
                    ("cine_person_id", "K2"),
                    ("cine_referral_date", "2024-05-01"),
                    ("cine_cin_primary_need_code", "N2"),
                    ("cine_referral_team", "401"),
                    ("cine_referral_worker_id", "6004"),
                ],
            ],
        ),
        (
            "ssd_cin_assessments",
            vec![vec![
                ("cina_assessment_id", "AS1"),
                ("cina_person_id", "K2"),
                ("cina_referral_id", "R2"),
                ("cina_assessment_start_date", "2024-05-02"),
                ("cina_assessment_auth_date", "2024-06-10"),
                ("cina_assessment_team", "401"),
                ("cina_assessment_worker_id", "6004"),
            ]],
        ),
        (
            "ssd_cin_plans",
            vec![vec![
                ("cinp_cin_plan_id", "PL1"),
                ("cinp_referral_id", "R2"),
                ("cinp_person_id", "K2"),
                ("cinp_cin_plan_start_date", "2024-06-15"),
                ("cinp_cin_plan_team", "402"),
                ("cinp_cin_plan_worker_id", "6001"),
            ]],
        ),
        ("ssd_s47_enquiry", vec![]),
        ("ssd_initial_cp_conference", vec![]),
        ("ssd_cp_plans", vec![]),
        (
            "ssd_cla_episodes",
            vec![vec![
                ("clae_cla_episode_id", "CLA1"),
                ("clae_person_id", "K1"),
                ("clae_cla_episode_start_date", "2023-10-01"),
                ("clae_referral_id", "R1"),
            ]],
        ),
        ("ssd_early_help_episodes", vec![]),
        (
            "ssd_care_leavers",
            vec![vec![
                ("clea_table_id", "CL1"),
                ("clea_person_id", "K1"),
                ("clea_care_leaver_allocated_team", "403"),
                ("clea_care_leaver_worker_id", "6003"),
            ]],
        ),
        (
            "ssd_involvements",
            vec![
                involvement("I1", "6001", "CW", "402", "K1", "R1", "2023-10-01", ""),
                involvement("I2", "6002", "IRO", "", "K1", "R1", "2023-10-20", ""),
                involvement(
                    "I3",
                    "6004",
                    "CW",
                    "401",
                    "K2",
                    "R2",
                    "2024-05-01",
                    "2024-06-15",
                ),
                involvement("I4", "6001", "CW", "402", "K2", "R2", "2024-06-15", ""),
            ],
        ),
    ]
}

fn professional(id: &'static str, name: &'static str, title: &'static str) -> Row {
    vec![
        ("prof_professional_id", id),
        ("prof_staff_id", "E1"),
        ("prof_professional_name", name),
        ("prof_professional_job_title", title),
        ("prof_professional_caseload", "12"),
    ]
}

#[allow(clippy::too_many_arguments)]
fn involvement(
    id: &'static str,
    worker: &'static str,
    role: &'static str,
    team: &'static str,
    person: &'static str,
    referral: &'static str,
    start: &'static str,
    end: &'static str,
) -> Row {
    let reason = if end.is_empty() { "" } else { "LEFTRL" };
    vec![
        ("invo_involvements_id", id),
        ("invo_professional_id", worker),
        ("invo_professional_role_id", role),
        ("invo_professional_team", team),
        ("invo_person_id", person),
        ("invo_referral_id", referral),
        ("invo_involvement_start_date", start),
        ("invo_involvement_end_date", end),
        ("invo_worker_change_reason", reason),
    ]
}

/// What each system writes for a value: Mosaic writes team names in team columns and
/// role descriptions; Eclipse leaves professionals' attributes empty.
fn value_for(system: System, column: &str, value: &str) -> String {
    let team_name = |id: &str| match id {
        "401" => "Assessment Team A",
        "402" => "Children in Care 2",
        "403" => "Leaving Care Hub",
        other => panic!("no team {other}"),
    };
    match system.flavour {
        Flavour::Mosaic if column.ends_with("_team") && !value.is_empty() => {
            team_name(value).to_owned()
        }
        Flavour::Mosaic if column == "invo_professional_role_id" => match value {
            "CW" => "Allocated Worker".to_owned(),
            "IRO" => "Independent Reviewing Officer".to_owned(),
            other => other.to_owned(),
        },
        Flavour::Eclipse if column.starts_with("prof_") && column != "prof_professional_id" => {
            String::new()
        }
        _ => value.to_owned(),
    }
}

/// Our column name for one of the system's column names.
fn ours_for(table: &str, theirs: &str) -> String {
    match (table, theirs) {
        ("ssd_cin_plans", "cin_plan_id") => "cinp_cin_plan_id".to_owned(),
        _ => theirs.to_owned(),
    }
}

/// The family as `system` would write it: for each of our tables the system has, a CSV
/// whose header is exactly the system's column list in its DDL order. Values for columns
/// the system lacks are left out (and must be among its documented absences). Tables in
/// `leave_out` are not written.
fn extract(system: System, leave_out: &[&str]) -> HashMap<String, Vec<u8>> {
    let ddl = ddl_columns(system);
    let diff = differences(&ddl);
    let mut tables = HashMap::new();
    for (table, rows) in family() {
        let Some(header) = ddl.get(table) else {
            assert!(diff.absent_tables.contains(table), "{table}");
            continue;
        };
        if leave_out.contains(&table) {
            continue;
        }
        let ours: Vec<String> = header.iter().map(|c| ours_for(table, c)).collect();
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(header).unwrap();
        for row in rows {
            for (column, _) in &row {
                assert!(
                    ours.iter().any(|c| c == column)
                        || diff
                            .absent_columns
                            .contains(&(table.to_owned(), (*column).to_owned())),
                    "{table}.{column} is neither in {}'s DDL nor among its absences",
                    system.corpus_name
                );
            }
            let fields: Vec<String> = ours
                .iter()
                .map(|c| {
                    row.iter()
                        .find(|(col, _)| col == c)
                        .map_or_else(String::new, |(col, v)| value_for(system, col, v))
                })
                .collect();
            writer.write_record(&fields).unwrap();
        }
        tables.insert(table.to_owned(), writer.into_inner().unwrap());
    }
    tables
}

fn load(system: System, tables: &HashMap<String, Vec<u8>>) -> patchwork_adapters::ssd::SsdImport {
    let mut options = SsdOptions::new(system.flavour);
    options.system = "la".into();
    import_tables(tables, &options)
        .unwrap_or_else(|e| panic!("{}: the extract does not load: {e}", system.corpus_name))
}

type Member = (String, RoleCategory, bool, Option<String>);

fn team(net: &Network, child: &str, as_of: NaiveDate) -> Vec<Member> {
    net.team_around(&PersonKey::new("la", child), as_of)
        .unwrap()
        .members
        .iter()
        .map(|m| {
            (
                m.professional.unwrap().key.id().to_owned(),
                m.involvement.role(),
                m.lead,
                m.team.map(|t| t.name.clone()),
            )
        })
        .collect()
}

fn member(id: &str, role: RoleCategory, lead: bool, team: Option<&str>) -> Member {
    (id.to_owned(), role, lead, team.map(str::to_owned))
}

/// Loads the family in `system`'s layout and checks the teams worked out by hand.
/// `cin_plan_loaded` says whether the CIN plan (an activity of 6001 with K2) is expected.
fn check_family_loads(system: System, leave_out: &[&str], cin_plan_loaded: bool) {
    let import = load(system, &extract(system, leave_out));
    let net = &import.network;
    let name = system.corpus_name;
    let bad: Vec<String> = import
        .report
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Quarantined || p.kind == ProblemKind::UnknownColumn)
        .map(|p| p.to_string())
        .collect();
    assert_eq!(bad, Vec::<String>::new(), "{name}");

    use RoleCategory::*;
    assert_eq!(
        team(net, "K1", d(2025, 1, 1)),
        [
            member(
                "6001",
                AllocatedSocialWorker,
                true,
                Some("Children in Care 2")
            ),
            member("6002", IndependentReviewingOfficer, false, None),
            member("6003", PersonalAdviser, false, Some("Leaving Care Hub")),
        ],
        "{name}: K1, looked after"
    );
    assert_eq!(
        team(net, "K2", d(2024, 6, 1)),
        [member(
            "6004",
            AllocatedSocialWorker,
            true,
            Some("Assessment Team A")
        )],
        "{name}: K2 before the handover"
    );
    assert_eq!(
        team(net, "K2", d(2025, 1, 1)),
        [member(
            "6001",
            AllocatedSocialWorker,
            true,
            Some("Children in Care 2")
        )],
        "{name}: K2 after the handover"
    );
    let changes = net
        .worker_changes(&PersonKey::new("la", "K2"), d(2024, 1, 1), d(2025, 1, 1))
        .unwrap();
    assert_eq!(changes.count, 1, "{name}");

    let who: Vec<(String, usize, usize)> = net
        .worked_with(&PersonKey::new("la", "K2"))
        .unwrap()
        .iter()
        .map(|w| {
            (
                w.professional.key.id().to_owned(),
                w.involvements,
                w.activities,
            )
        })
        .collect();
    let plan = usize::from(cin_plan_loaded);
    assert_eq!(
        who,
        [("6004".to_owned(), 1, 2), ("6001".to_owned(), 1, plan)],
        "{name}: 6004 took the referral and assessed; 6001 holds the plan"
    );

    let k1 = net.person(&PersonKey::new("la", "K1")).unwrap();
    assert_eq!(k1.nhs_number.unwrap().to_string(), "9434765919", "{name}");
    assert_eq!(k1.postcode.as_deref(), Some("ZZ3 3ZZ"), "{name}");

    // The systems differ: what each one says about the professional and the family.
    let ada = net
        .professional(&ProfessionalKey::new("la", "6001"))
        .unwrap();
    let households = net.households().count();
    match system.flavour {
        Flavour::Lcs => {
            assert_eq!(ada.name.as_deref(), Some("Ada Worker"));
            assert_eq!(households, 1);
        }
        Flavour::Mosaic => {
            assert_eq!(ada.name, None, "Mosaic has no professional names");
            assert_eq!(ada.job_title.as_deref(), Some("Social Worker"));
            assert_eq!(households, 0, "Mosaic has no ssd_family");
            assert!(
                net.teams().any(|t| t.key.id() == "name/Children in Care 2"),
                "Mosaic's team columns hold names"
            );
        }
        Flavour::Eclipse => {
            assert_eq!(
                (ada.name.as_deref(), ada.job_title.as_deref()),
                (None, None)
            );
            assert_eq!(households, 1);
        }
    }
}

#[test]
fn a_systemc_extract_in_ddl_layout_loads() {
    check_family_loads(SYSTEMC, &[], true);
}

#[test]
fn an_eclipse_extract_in_ddl_layout_loads() {
    check_family_loads(ECLIPSE, &[], true);
}

/// Mosaic's `ssd_cin_plans` names its id `cin_plan_id`; the importer accepts both names.
#[test]
fn a_full_mosaic_extract_in_ddl_layout_loads() {
    check_family_loads(MOSAIC, &[], true);
}
