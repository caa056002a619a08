//! Import -> export -> import gives an equal network, and export is deterministic.
//!
//! "Equal" here means, record by record and field by field, matched by key:
//! - persons, professionals, agencies, teams, episodes, activities, relationships and
//!   households: the whole record except its `source` (provenance names the file and row
//!   it was read from, which an export cannot keep);
//! - involvements: `to_record()` except `source` (so role code *and* category, period,
//!   end reason, sensitivity, person, professional, team);
//! - household memberships: members and their periods, per household;
//! - identity links: the same (none, for an SSD import);
//! - queries: `team_around` of every person (members and leads) on several dates, and
//!   `diff` empty both ways on those dates.
//!
//! Insertion order is not compared (the importer adds involvements table by table, so a
//! network built through the API comes back grouped differently); everything is matched
//! by key instead. Provenance is not compared: it is what distinguishes the two imports.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;

use chrono::{Days, NaiveDate};
use patchwork_adapters::report::Severity;
use patchwork_adapters::ssd::{
    ExportOptions, ExportSummary, Flavour, RoleMap, SsdImport, SsdOptions, export_dir,
    export_tables, export_writers, import_dir, import_tables, schema,
};
use patchwork_core::*;
use proptest::prelude::*;
use proptest::sample::Index;

mod common;
use common::{eclipse_tables, lcs_tables, mosaic_tables};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

// ----- comparing networks ------------------------------------------------------------------

/// The same neutral provenance for every record, so that records compare without it.
fn unsourced() -> Source {
    Source::system("-")
}

/// Compares two keyed collections: the same keys, and for each key the same value.
/// Returns the first difference, described.
fn same_records<K: Ord + Debug, T: PartialEq + Debug>(
    what: &str,
    old: impl IntoIterator<Item = (K, T)>,
    new: impl IntoIterator<Item = (K, T)>,
) -> Result<(), String> {
    let mut old: BTreeMap<K, Vec<T>> = old.into_iter().fold(BTreeMap::new(), |mut m, (k, v)| {
        m.entry(k).or_default().push(v);
        m
    });
    let mut new: BTreeMap<K, Vec<T>> = new.into_iter().fold(BTreeMap::new(), |mut m, (k, v)| {
        m.entry(k).or_default().push(v);
        m
    });
    if let Some(k) = old.keys().find(|k| !new.contains_key(*k)) {
        return Err(format!("{what} {k:?} is in the old network only"));
    }
    if let Some(k) = new.keys().find(|k| !old.contains_key(*k)) {
        return Err(format!("{what} {k:?} is in the new network only"));
    }
    for (k, a) in &mut old {
        let b = new.get_mut(k).expect("same keys");
        if a != b {
            return Err(format!(
                "{what} {k:?} differs:\n  old: {a:#?}\n  new: {b:#?}"
            ));
        }
    }
    Ok(())
}

/// The first difference between two networks, field by field, or `Ok` when they are
/// equal in every respect the SSD layout carries (see the module documentation).
fn first_difference(old: &Network, new: &Network, dates: &[NaiveDate]) -> Result<(), String> {
    // Records of one kind from both networks, by key, with provenance blanked.
    macro_rules! compare {
        ($what:literal, $records:ident, $owned:expr) => {{
            let keyed = |n: &Network| -> Vec<_> {
                n.$records()
                    .map(|r| {
                        let mut r = $owned(r);
                        r.source = unsourced();
                        (r.key.clone(), r)
                    })
                    .collect()
            };
            same_records($what, keyed(old), keyed(new))?;
        }};
    }
    compare!("person", persons, Clone::clone);
    compare!("professional", professionals, Clone::clone);
    compare!("agency", agencies, Clone::clone);
    compare!("team", teams, Clone::clone);
    compare!("involvement", involvements, |i: InvolvementRef<'_>| i
        .to_record());
    compare!("episode", episodes, Clone::clone);
    compare!("activity", activities, Clone::clone);
    compare!("relationship", relationships, Clone::clone);
    let households = |n: &Network| -> Vec<_> {
        n.households()
            .map(|h| {
                let mut h = h.clone();
                h.source = unsourced();
                let members: Vec<(PersonKey, Period)> = n
                    .household_members(&h.key)
                    .unwrap()
                    .into_iter()
                    .map(|(p, period)| (p.key.clone(), period))
                    .collect();
                (h.key.clone(), (h, members))
            })
            .collect()
    };
    same_records("household", households(old), households(new))?;
    let links = |n: &Network| -> Vec<_> {
        n.identity_links()
            .map(|l| {
                let mut l = l.clone();
                l.source = unsourced();
                (l.person.clone(), l)
            })
            .collect()
    };
    same_records("identity link of", links(old), links(new))?;

    for &day in dates {
        let teams = |n: &Network| -> Vec<_> {
            n.persons()
                .map(|p| {
                    let team = n.team_around(&p.key, day).unwrap();
                    let members: Vec<(InvolvementKey, bool)> = team
                        .members
                        .iter()
                        .map(|m| (m.involvement.key().clone(), m.lead))
                        .collect();
                    (p.key.clone(), (members, team.lead_basis))
                })
                .collect()
        };
        same_records(&format!("team around on {day} of"), teams(old), teams(new))?;
        let forward = new.diff(old, day);
        if !forward.is_empty() {
            return Err(format!("new.diff(old, {day}) is not empty: {forward:#?}"));
        }
        let backward = old.diff(new, day);
        if !backward.is_empty() {
            return Err(format!("old.diff(new, {day}) is not empty: {backward:#?}"));
        }
    }
    Ok(())
}

#[track_caller]
fn assert_same_network(old: &Network, new: &Network, dates: &[NaiveDate]) {
    if let Err(difference) = first_difference(old, new, dates) {
        panic!("the networks differ: {difference}");
    }
}

/// Import problems that quarantined a row: a faithful export has none.
fn quarantined(import: &SsdImport) -> Vec<String> {
    import
        .report
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Quarantined)
        .map(|p| p.to_string())
        .collect()
}

fn texts(tables: &HashMap<String, Vec<u8>>) -> BTreeMap<String, String> {
    tables
        .iter()
        .map(|(k, v)| (k.clone(), String::from_utf8(v.clone()).unwrap()))
        .collect()
}

const DATES: [NaiveDate; 5] = [
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
    NaiveDate::from_ymd_opt(2024, 3, 15).unwrap(),
    NaiveDate::from_ymd_opt(2025, 1, 31).unwrap(),
    NaiveDate::from_ymd_opt(2025, 3, 1).unwrap(),
    NaiveDate::from_ymd_opt(2040, 6, 1).unwrap(),
];

/// Exports, re-imports, and checks the network comes back equal and a second export gives
/// the same bytes. Returns the export's summary and the re-import.
#[track_caller]
fn round_trip(net: &Network, options: &SsdOptions) -> (ExportSummary, SsdImport) {
    let export = ExportOptions::from(options);
    let (tables, summary) = export_tables(net, &export);
    let again = import_tables(&tables, options).unwrap();
    assert_eq!(quarantined(&again), Vec::<String>::new());
    assert_same_network(net, &again.network, &DATES);
    let (second, second_summary) = export_tables(&again.network, &export);
    assert_eq!(
        texts(&second),
        texts(&tables),
        "export is not deterministic"
    );
    assert_eq!(second_summary, summary);
    (summary, again)
}

// ----- the hand-written family of tests/ssd_import.rs ---------------------------------------

fn options(flavour: Flavour) -> SsdOptions {
    let mut options = SsdOptions::new(flavour);
    options.system = "la".into();
    options
}

#[test]
fn hand_written_lcs_family_round_trips() {
    let options = options(Flavour::Lcs);
    let first = import_tables(&lcs_tables(), &options).unwrap();
    assert_eq!(first.network.person_count(), 4);
    let (summary, again) = round_trip(&first.network, &options);
    assert!(summary.is_lossless(), "{:?}", summary.not_carried);
    assert_eq!(summary.other_systems, 0);
    let rows: Vec<(&str, u64)> = summary.rows.iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(
        rows,
        [
            ("ssd_address", 1),
            ("ssd_care_leavers", 1),
            ("ssd_cin_assessments", 0),
            ("ssd_cin_episodes", 2),
            ("ssd_cin_plans", 0),
            ("ssd_cla_episodes", 1),
            ("ssd_cp_plans", 1),
            ("ssd_department", 2),
            ("ssd_early_help_episodes", 1),
            ("ssd_family", 4),
            ("ssd_initial_cp_conference", 1),
            ("ssd_involvements", 5),
            ("ssd_linked_identifiers", 2),
            ("ssd_mother", 1),
            ("ssd_person", 4),
            ("ssd_professionals", 5),
            ("ssd_s47_enquiry", 0),
        ]
    );
    // The answers worked out by hand in ssd_import.rs still hold after the round trip.
    let net = &again.network;
    let m = net
        .team_around(&PersonKey::new("la", "M"), d(2025, 3, 1))
        .unwrap();
    let ids: Vec<_> = m
        .members
        .iter()
        .map(|x| (x.professional.unwrap().key.id(), x.lead))
        .collect();
    assert_eq!(ids, [("5001", true), ("5002", false), ("5004", false)]);
    assert_eq!(m.members[2].team.unwrap().name, "Leaving Care");
}

#[test]
fn exported_tables_have_the_schema_columns_lf_and_iso_dates() {
    let options = options(Flavour::Lcs);
    let net = import_tables(&lcs_tables(), &options).unwrap().network;
    let (tables, _) = export_tables(&net, &ExportOptions::from(&options));
    assert_eq!(tables.len(), schema::ALL.len());
    for table in schema::ALL {
        let text = String::from_utf8(tables[table.name].clone()).unwrap();
        assert!(!text.contains('\r'), "{}: CR in output", table.name);
        assert!(text.ends_with('\n'), "{}", table.name);
        let header = text.lines().next().unwrap();
        assert_eq!(header, table.columns.join(","), "{}", table.name);
    }
    let cin = String::from_utf8(tables["ssd_cin_episodes"].clone()).unwrap();
    assert_eq!(
        cin,
        "cine_referral_id,cine_person_id,cine_referral_date,cine_cin_primary_need_code,cine_referral_source_code,cine_referral_source_desc,cine_referral_outcome_json,cine_referral_nfa,cine_close_reason,cine_close_date,cine_referral_team,cine_referral_worker_id\n\
700045,M,2024-02-10,N1,2A,,,,,,301,5003\n\
700050,B,2024-12-01,N1,3B,,,,,,,5003\n"
    );
    let invo = String::from_utf8(tables["ssd_involvements"].clone()).unwrap();
    assert_eq!(
        invo.lines().nth(1).unwrap(),
        "900001,5001,CW,301,M,2024-03-01,,FCONTA,",
        "open end and DfE reason written plainly"
    );
    let ids = String::from_utf8(tables["ssd_linked_identifiers"].clone()).unwrap();
    assert!(ids.contains("M,NHS Number,9434765919,"), "{ids}");
    assert!(ids.contains("S1,Case Number,CN-77,"), "{ids}");
}

#[test]
fn mosaic_and_eclipse_layouts_round_trip() {
    // Mosaic, as in ssd_import.rs: no family, no person id on involvements, team names.
    let t = mosaic_tables();
    let mosaic = options(Flavour::Mosaic);
    let first = import_tables(&t, &mosaic).unwrap();
    assert!(
        first
            .network
            .teams()
            .any(|team| team.key.id() == "name/Locality Two")
    );
    let (summary, _) = round_trip(&first.network, &mosaic);
    assert!(summary.is_lossless(), "{:?}", summary.not_carried);
    let (tables, _) = export_tables(&first.network, &ExportOptions::from(&mosaic));
    let invo = String::from_utf8(tables["ssd_involvements"].clone()).unwrap();
    assert!(invo.contains(",Allocated Worker,Locality Two,M,"), "{invo}");
    let depts = String::from_utf8(tables["ssd_department"].clone()).unwrap();
    assert!(!depts.contains("name/"), "{depts}");

    // Eclipse: professionals with empty attributes.
    let t = eclipse_tables();
    let eclipse = options(Flavour::Eclipse);
    let first = import_tables(&t, &eclipse).unwrap();
    let (summary, _) = round_trip(&first.network, &eclipse);
    assert!(summary.is_lossless(), "{:?}", summary.not_carried);
}

#[test]
fn export_dir_and_import_dir_round_trip_through_files() {
    let options = options(Flavour::Lcs);
    let net = import_tables(&lcs_tables(), &options).unwrap().network;
    let dir = std::env::temp_dir().join(format!("pw-ssd-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("nested").join("extract");
    let summary = export_dir(&net, &out, &ExportOptions::from(&options)).unwrap();
    assert!(summary.is_lossless());
    for table in schema::ALL {
        assert!(out.join(table.file_name()).is_file(), "{}", table.name);
    }
    // An empty table is its header alone.
    assert_eq!(
        std::fs::read_to_string(out.join("ssd_cin_plans.csv")).unwrap(),
        schema::CIN_PLANS.columns.join(",") + "\n"
    );
    let again = import_dir(&out, &options).unwrap();
    assert_eq!(quarantined(&again), Vec::<String>::new());
    assert_same_network(&net, &again.network, &DATES);

    // The same bytes through the writer variant, and in memory.
    let via_writers = dir.join("writers");
    std::fs::create_dir_all(&via_writers).unwrap();
    export_writers(&net, &ExportOptions::from(&options), |table| {
        std::fs::File::create(via_writers.join(table.file_name()))
    })
    .unwrap();
    let (in_memory, _) = export_tables(&net, &ExportOptions::from(&options));
    for table in schema::ALL {
        let on_disk = std::fs::read(out.join(table.file_name())).unwrap();
        assert_eq!(
            std::fs::read(via_writers.join(table.file_name())).unwrap(),
            on_disk,
            "{}",
            table.name
        );
        assert_eq!(in_memory[table.name], on_disk, "{}", table.name);
    }

    // A folder that cannot be made: the error names it.
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, "x").unwrap();
    let err = export_dir(&net, &blocker.join("sub"), &ExportOptions::from(&options)).unwrap_err();
    assert!(err.to_string().contains("a-file"), "{err}");
    // A writer that fails: the error names the table's file.
    let err = export_writers(&net, &ExportOptions::from(&options), |table| {
        if table.name == "ssd_person" {
            Err(std::io::Error::other("disk full"))
        } else {
            Ok(std::io::sink())
        }
    })
    .unwrap_err();
    assert_eq!(err.to_string(), "ssd_person.csv: cannot write: disk full");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn involvements_that_outgrow_their_rows_move_to_ssd_involvements() {
    let mut options = options(Flavour::Lcs);
    let mut net = import_tables(&lcs_tables(), &options).unwrap().network;
    // The personal adviser leaves, and the early-help worker hands over before the
    // episode ends: neither fits the row the importer made it from any more.
    let pa = InvolvementKey::new("la", "ssd_care_leavers/CL1");
    let eh = InvolvementKey::new("la", "ssd_early_help_episodes/EH1");
    net.end_involvement(
        &pa,
        d(2025, 4, 1),
        Some(EndReason::Dfe(SwChangeReason::LeftRole)),
    )
    .unwrap();
    net.end_involvement(
        &eh,
        d(2025, 5, 1),
        Some(EndReason::Source("Moved school".into())),
    )
    .unwrap();

    // With the default role map, EARLY_HELP would come back as "other": reported.
    let (tables, summary) = export_tables(&net, &ExportOptions::from(&options));
    assert_eq!(
        summary.not_carried.into_iter().collect::<Vec<_>>(),
        [(
            "a role category other than the role map gives for its code",
            1
        )]
    );
    let invo = String::from_utf8(tables["ssd_involvements"].clone()).unwrap();
    assert!(
        invo.contains("ssd_care_leavers/CL1,5004,PA,302,M,,2025-04-01,LEFTRL,"),
        "{invo}"
    );
    assert!(
        invo.contains(
            "ssd_early_help_episodes/EH1,5005,EARLY_HELP,,S1,2025-02-01,2025-05-01,Moved school,"
        ),
        "{invo}"
    );
    let early_help = String::from_utf8(tables["ssd_early_help_episodes"].clone()).unwrap();
    assert!(
        early_help.ends_with("EH1,S1,2025-02-01,,School attendance,,,\n"),
        "{early_help}"
    );

    // A council whose role map knows EARLY_HELP gets everything back.
    options
        .roles
        .insert("EARLY_HELP", RoleCategory::LeadPractitioner);
    let (summary, again) = round_trip(&net, &options);
    assert!(summary.is_lossless(), "{:?}", summary.not_carried);
    let back = again.network.involvement(&pa).unwrap();
    assert_eq!(back.period().end, Some(d(2025, 4, 1)));
}

#[test]
fn what_the_layout_cannot_carry_is_counted_and_partner_records_skipped() {
    let src = Source::system("lcs");
    let key = |id: &str| PersonKey::new("lcs", id);
    let mut net = Network::new();
    net.add_agency(Agency {
        key: AgencyKey::new("health", "RX1"),
        name: "Trust".into(),
        kind: AgencyKind::Health,
        ods_code: Some("RX1".into()),
        school_urn: None,
        source: Source::system("health"),
    })
    .unwrap();
    let mut parent = Person::new(key("P1"), PersonKind::Adult, src.clone());
    parent.given_name = Some(" padded".into());
    net.add_person(parent).unwrap();
    net.add_person(Person::new(key("C1"), PersonKind::Child, src.clone()))
        .unwrap();
    net.add_person(Person::new(
        PersonKey::new("health", "H1"),
        PersonKind::Child,
        Source::system("health"),
    ))
    .unwrap();
    net.add_professional(Professional::new(
        ProfessionalKey::new("lcs", "W1"),
        src.clone(),
    ))
    .unwrap();
    net.add_professional(Professional::new(
        ProfessionalKey::new("health", "HV1"),
        Source::system("health"),
    ))
    .unwrap();
    let involvement = |id: &str, professional: &str, sensitivity| Involvement {
        key: InvolvementKey::new("lcs", id),
        person: key("C1"),
        professional: Some(professional.parse().unwrap()),
        team: None,
        role: Role::new("CW", RoleCategory::AllocatedSocialWorker),
        period: Period::from(d(2025, 1, 1)),
        end_reason: None,
        sensitivity,
        source: src.clone(),
    };
    net.add_involvement(involvement("I1", "lcs:W1", Sensitivity::Restricted))
        .unwrap();
    net.add_involvement(involvement("I2", "health:HV1", Sensitivity::Standard))
        .unwrap();
    net.add_relationship(Relationship {
        key: RelationshipKey::new("lcs", "R1"),
        from: key("P1"),
        to: key("C1"),
        kind: RelationshipKind::Parent,
        parental_responsibility: true,
        period: Period::always(),
        source: src.clone(),
    })
    .unwrap();
    net.add_episode(Episode {
        key: EpisodeKey::new("lcs", "CP9"),
        person: key("C1"),
        period: Period::from(d(2025, 1, 1)),
        detail: EpisodeDetail::ChildProtectionPlan {
            category_of_abuse: None,
            census: Default::default(),
        },
        source: src.clone(),
    })
    .unwrap();

    let (tables, summary) = export_tables(&net, &ExportOptions::new(Flavour::Lcs));
    let notes: Vec<(&str, u64)> = summary.not_carried.iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(
        notes,
        [
            (
                "a record naming a person, professional or team of another system (skipped)",
                1
            ),
            ("a relationship not keyed ssd_mother/<id> (skipped)", 1),
            (
                "an agency other than the council's (the importer makes the council's)",
                1
            ),
            (
                "an episode not keyed <table>/<id> for its kind (skipped)",
                1
            ),
            (
                "empty or space-padded text, or an id of -1 (read back as empty)",
                1
            ),
            ("involvement sensitivity other than standard", 1),
            (
                "person kind other than the importer derives from the dates (child, or unborn when only an expected date is known)",
                1
            ),
        ]
    );
    assert!(!summary.is_lossless());
    // W1 names no agency (the importer gives professionals the council's); the partner
    // agency, person and professional are another feed's.
    assert_eq!(summary.other_systems, 3);
    assert_eq!(summary.rows["ssd_person"], 2);
    assert_eq!(summary.rows["ssd_involvements"], 1);
    assert_eq!(summary.rows["ssd_cp_plans"], 0);
    let person = String::from_utf8(tables["ssd_person"].clone()).unwrap();
    assert!(!person.contains("H1"), "{person}");
}

// ----- property: any network of SSD shapes round-trips ---------------------------------------

const SYS: &str = "lcs";

/// Role codes: known to the default map, and two it does not know (category `other`).
const ROLE_CODES: &[&str] = &[
    "CW",
    "IRO",
    "16PLUS",
    "PA",
    "HV",
    "SN",
    "GP",
    "DSL",
    "TEACHER",
    "POLICE",
    "HOUSING",
    "YOT",
    "FSW",
    "LP",
    "Allocated Worker",
    "KASCHO",
    "EARLY_HELP",
];

/// Text as a case system holds it: no surrounding spaces, but commas, quotes, a line
/// break or an accent inside, to exercise CSV quoting.
fn text() -> impl Strategy<Value = String> {
    "[A-Za-z][A-Za-z0-9 ,'\"\n\u{e9}-]{0,10}[A-Za-z0-9]"
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(text())
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (0u64..18_000).prop_map(|n| d(1995, 1, 1) + Days::new(n))
}

/// A period: optional start, optional end not before it.
fn period() -> impl Strategy<Value = Period> {
    (
        proptest::option::of(date()),
        proptest::option::of(0u64..3_000),
    )
        .prop_map(|(s, e)| {
            let end = e.map(|n| s.unwrap_or(d(2010, 1, 1)) + Days::new(n));
            Period::new(s, end).unwrap()
        })
}

fn nhs_number() -> impl Strategy<Value = NhsNumber> {
    proptest::array::uniform9(0u8..10).prop_filter_map("check digit 10", |digits| {
        let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        (0..10)
            .map(|check| format!("{text}{check}"))
            .find_map(|t| NhsNumber::parse(&t).ok())
    })
}

fn upn() -> impl Strategy<Value = Upn> {
    (
        proptest::array::uniform11(0u8..10),
        prop::sample::select(b"0123456789ABCDEFGHJKLMNPQRTUVWXYZ".to_vec()),
    )
        .prop_map(|(digits, last)| {
            let body: String = digits
                .iter()
                .map(|d| char::from(b'0' + d))
                .chain(std::iter::once(char::from(last)))
                .collect();
            "ABCDEFGHJKLMNPQRTUVWXYZ"
                .chars()
                .find_map(|check| Upn::parse(&format!("{check}{body}")).ok())
                .expect("one check letter fits")
        })
}

fn end_reason() -> impl Strategy<Value = Option<EndReason>> {
    prop_oneof![
        Just(None),
        prop::sample::select(SwChangeReason::ALL.to_vec()).prop_map(|r| Some(EndReason::Dfe(r))),
        text().prop_filter_map("not a DfE code", |t| {
            SwChangeReason::from_code(&t)
                .is_none()
                .then_some(Some(EndReason::Source(t)))
        }),
    ]
}

#[derive(Debug, Clone)]
struct PersonSpec {
    nhs: Option<NhsNumber>,
    upn: Option<(Upn, Option<Upn>)>,
    names: (Option<String>, Option<String>),
    birth: Option<NaiveDate>,
    expected: Option<NaiveDate>,
    death_after_birth: Option<u64>,
    sex: Option<Sex>,
    ethnicity: Option<&'static str>,
    postcode: Option<String>,
    others: Vec<(&'static str, String)>,
}

fn person_spec() -> impl Strategy<Value = PersonSpec> {
    (
        proptest::option::of(nhs_number()),
        proptest::option::of((upn(), proptest::option::of(upn()))),
        (opt_text(), opt_text()),
        (proptest::option::of(date()), proptest::option::of(date())),
        proptest::option::of(0u64..30_000),
        proptest::option::of(prop::sample::select(vec![
            Sex::Male,
            Sex::Female,
            Sex::Unknown,
        ])),
        proptest::option::of(prop::sample::select(vec!["WBRI", "MWBC", "AIND", "BAFR"])),
        proptest::option::of("[A-Z]{2}[0-9] [0-9][A-Z]{2}"),
        proptest::collection::vec(
            (
                prop::sample::select(vec!["Case Number", "YOT Number", "Home Office Reference"]),
                text(),
            ),
            0..3,
        ),
    )
        .prop_map(
            |(nhs, upn, names, (birth, expected), death, sex, ethnicity, postcode, others)| {
                PersonSpec {
                    nhs,
                    upn,
                    names,
                    birth,
                    expected,
                    death_after_birth: death,
                    sex,
                    ethnicity,
                    postcode,
                    others,
                }
            },
        )
}

/// Who did the work or holds the involvement: a professional, a team, or both.
#[derive(Debug, Clone)]
enum Who {
    Professional(Index),
    Team(Index),
    Both(Index, Index),
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        any::<Index>().prop_map(Who::Professional),
        any::<Index>().prop_map(Who::Team),
        (any::<Index>(), any::<Index>()).prop_map(|(p, t)| Who::Both(p, t)),
    ]
}

#[derive(Debug, Clone)]
enum EpisodeSpec {
    EarlyHelp {
        reason: Option<String>,
        worker: Option<(Index, Option<EndReason>)>,
    },
    ChildInNeed {
        codes: (Option<String>, Option<String>, Option<String>),
        referral: Option<Who>,
    },
    Section47 {
        outcome: Option<&'static str>,
        by: Option<Who>,
    },
    ChildProtectionPlan(Option<CategoryOfAbuse>),
    LookedAfter,
}

fn episode_spec() -> impl Strategy<Value = (Index, Period, EpisodeSpec)> {
    let code = || proptest::option::of("[A-Z0-9]{1,4}");
    let detail = prop_oneof![
        (
            opt_text(),
            proptest::option::of((any::<Index>(), end_reason()))
        )
            .prop_map(|(reason, worker)| EpisodeSpec::EarlyHelp { reason, worker }),
        ((code(), code(), code()), proptest::option::of(who()))
            .prop_map(|(codes, referral)| EpisodeSpec::ChildInNeed { codes, referral }),
        (
            prop::sample::select(vec![None, Some("nfa"), Some("nfa=N"), Some("nfa=Pending")]),
            proptest::option::of(who())
        )
            .prop_map(|(outcome, by)| EpisodeSpec::Section47 { outcome, by }),
        proptest::option::of(prop::sample::select(vec![
            CategoryOfAbuse::Neglect,
            CategoryOfAbuse::Physical,
            CategoryOfAbuse::Sexual,
            CategoryOfAbuse::Emotional,
            CategoryOfAbuse::Multiple,
        ]))
        .prop_map(EpisodeSpec::ChildProtectionPlan),
        Just(EpisodeSpec::LookedAfter),
    ];
    (any::<Index>(), period(), detail)
}

#[derive(Debug, Clone)]
struct InvolvementSpec {
    person: Index,
    who: Who,
    code: &'static str,
    period: Period,
    end_reason: Option<EndReason>,
}

fn involvement_spec() -> impl Strategy<Value = InvolvementSpec> {
    (
        any::<Index>(),
        who(),
        prop::sample::select(ROLE_CODES.to_vec()),
        period(),
        end_reason(),
    )
        .prop_map(|(person, who, code, period, end_reason)| InvolvementSpec {
            person,
            who,
            code,
            period,
            end_reason,
        })
}

#[derive(Debug, Clone)]
struct NetSpec {
    teams: Vec<(String, Option<Index>)>,
    professionals: Vec<[Option<String>; 4]>,
    persons: Vec<PersonSpec>,
    households: Vec<Vec<Index>>,
    mothers: Vec<(Index, Index)>,
    episodes: Vec<(Index, Period, EpisodeSpec)>,
    activities: Vec<(Index, Who, ActivityKind, Period)>,
    care_leavers: Vec<(Index, Who)>,
    involvements: Vec<InvolvementSpec>,
    /// An id suffix, so that ids carry awkward characters too.
    suffix: String,
}

fn net_spec() -> impl Strategy<Value = NetSpec> {
    (
        proptest::collection::vec((text(), any::<Option<Index>>()), 1..4),
        proptest::collection::vec([opt_text(), opt_text(), opt_text(), opt_text()], 1..5),
        proptest::collection::vec(person_spec(), 1..6),
        proptest::collection::vec(proptest::collection::vec(any::<Index>(), 1..4), 0..3),
        proptest::collection::vec(any::<(Index, Index)>(), 0..3),
        proptest::collection::vec(episode_spec(), 0..7),
        proptest::collection::vec(
            (
                any::<Index>(),
                who(),
                prop::sample::select(vec![
                    ActivityKind::Assessment,
                    ActivityKind::CinPlan,
                    ActivityKind::InitialChildProtectionConference,
                ]),
                period(),
            ),
            0..4,
        ),
        proptest::collection::vec((any::<Index>(), who()), 0..3),
        proptest::collection::vec(involvement_spec(), 0..8),
        "[a-z0-9,./ -]{0,3}[a-z0-9]",
    )
        .prop_map(
            |(
                teams,
                professionals,
                persons,
                households,
                mothers,
                episodes,
                activities,
                care_leavers,
                involvements,
                suffix,
            )| NetSpec {
                teams,
                professionals,
                persons,
                households,
                mothers,
                episodes,
                activities,
                care_leavers,
                involvements,
                suffix,
            },
        )
}

/// Builds the network through the core API, using only shapes the SSD carries.
fn build(spec: &NetSpec, council_name: &str) -> Network {
    let src = Source::system(SYS);
    let council = AgencyKey::new(SYS, "council");
    let roles = RoleMap::default();
    let s = &spec.suffix;
    let mut net = Network::new();
    net.add_agency(Agency {
        key: council.clone(),
        name: council_name.to_owned(),
        kind: AgencyKind::ChildrensSocialCare,
        ods_code: None,
        school_urn: None,
        source: src.clone(),
    })
    .unwrap();
    let team_keys: Vec<TeamKey> = (0..spec.teams.len())
        .map(|i| TeamKey::new(SYS, format!("T{i}{s}")))
        .collect();
    for (i, (name, parent)) in spec.teams.iter().enumerate() {
        net.add_team(Team {
            key: team_keys[i].clone(),
            name: name.clone(),
            agency: Some(council.clone()),
            parent: parent
                .filter(|_| i > 0)
                .map(|p| team_keys[p.index(i)].clone()),
            source: src.clone(),
        })
        .unwrap();
    }
    let prof_keys: Vec<ProfessionalKey> = (0..spec.professionals.len())
        .map(|i| ProfessionalKey::new(SYS, format!("W{i}{s}")))
        .collect();
    for (i, [staff, name, reg, title]) in spec.professionals.iter().enumerate() {
        let mut p = Professional::new(prof_keys[i].clone(), src.clone());
        p.staff_id = staff.clone();
        p.name = name.clone();
        p.registration_number = reg.clone();
        p.job_title = title.clone();
        p.agency = Some(council.clone());
        net.add_professional(p).unwrap();
    }
    let person_keys: Vec<PersonKey> = (0..spec.persons.len())
        .map(|i| PersonKey::new(SYS, format!("C{i}{s}")))
        .collect();
    for (i, ps) in spec.persons.iter().enumerate() {
        let kind = if ps.birth.is_none() && ps.expected.is_some() {
            PersonKind::UnbornChild
        } else {
            PersonKind::Child
        };
        let mut p = Person::new(person_keys[i].clone(), kind, src.clone());
        p.nhs_number = ps.nhs;
        if let Some((upn, former)) = ps.upn {
            p.upn = Some(upn);
            p.former_upn = former.filter(|f| *f != upn);
        }
        (p.given_name, p.family_name) = ps.names.clone();
        p.birth_date = ps.birth;
        p.expected_birth_date = ps.expected;
        p.death_date = ps
            .death_after_birth
            .map(|n| ps.birth.unwrap_or(d(2000, 1, 1)) + Days::new(n));
        p.sex = ps.sex;
        p.ethnicity = ps.ethnicity.map(str::to_owned);
        p.postcode = ps.postcode.clone();
        p.other_identifiers = ps
            .others
            .iter()
            .map(|(kind, value)| OtherIdentifier {
                kind: (*kind).to_owned(),
                value: value.clone(),
            })
            .collect();
        net.add_person(p).unwrap();
    }
    let person = |i: &Index| person_keys[i.index(person_keys.len())].clone();
    let participants = |w: &Who| match w {
        Who::Professional(p) => (Some(prof_keys[p.index(prof_keys.len())].clone()), None),
        Who::Team(t) => (None, Some(team_keys[t.index(team_keys.len())].clone())),
        Who::Both(p, t) => (
            Some(prof_keys[p.index(prof_keys.len())].clone()),
            Some(team_keys[t.index(team_keys.len())].clone()),
        ),
    };
    for (i, members) in spec.households.iter().enumerate() {
        let key = HouseholdKey::new(SYS, format!("F{i}{s}"));
        net.add_household(Household {
            key: key.clone(),
            name: None,
            source: src.clone(),
        })
        .unwrap();
        for m in members {
            net.add_household_member(&key, &person(m), Period::always())
                .unwrap();
        }
    }
    for (i, (mother, child)) in spec.mothers.iter().enumerate() {
        let (from, to) = (person(mother), person(child));
        if from == to {
            continue;
        }
        net.add_relationship(Relationship {
            key: RelationshipKey::new(SYS, format!("ssd_mother/{i}{s}")),
            from,
            to,
            kind: RelationshipKind::Parent,
            parental_responsibility: true,
            period: Period::always(),
            source: src.clone(),
        })
        .unwrap();
    }
    for (i, (who, period, detail)) in spec.episodes.iter().enumerate() {
        let child = person(who);
        let (table, detail) = match detail {
            EpisodeSpec::EarlyHelp { reason, .. } => (
                "ssd_early_help_episodes",
                EpisodeDetail::EarlyHelp {
                    reason: reason.clone(),
                },
            ),
            EpisodeSpec::ChildInNeed { codes, .. } => (
                "ssd_cin_episodes",
                EpisodeDetail::ChildInNeed {
                    referral_source: codes.0.clone(),
                    primary_need: codes.1.clone(),
                    closure_reason: codes.2.clone(),
                    census: Default::default(),
                },
            ),
            EpisodeSpec::Section47 { outcome, .. } => (
                "ssd_s47_enquiry",
                EpisodeDetail::Section47 {
                    outcome: outcome.map(str::to_owned),
                    census: Default::default(),
                },
            ),
            EpisodeSpec::ChildProtectionPlan(category) => (
                "ssd_cp_plans",
                EpisodeDetail::ChildProtectionPlan {
                    category_of_abuse: *category,
                    census: Default::default(),
                },
            ),
            EpisodeSpec::LookedAfter => (
                "ssd_cla_episodes",
                EpisodeDetail::LookedAfter {
                    legal_status: None,
                    placement: None,
                    care: None,
                },
            ),
        };
        let id = format!("{table}/E{i}{s}");
        net.add_episode(Episode {
            key: EpisodeKey::new(SYS, &id),
            person: child.clone(),
            period: *period,
            detail,
            source: src.clone(),
        })
        .unwrap();
        let activity = |w: &Who, kind, period| {
            let (professional, team) = participants(w);
            Activity {
                key: ActivityKey::new(SYS, &id),
                person: child.clone(),
                professional,
                team,
                kind,
                period,
                source: src.clone(),
            }
        };
        match &spec.episodes[i].2 {
            EpisodeSpec::EarlyHelp {
                worker: Some((w, reason)),
                ..
            } => net
                .add_involvement(Involvement {
                    key: InvolvementKey::new(SYS, &id),
                    person: child.clone(),
                    professional: Some(prof_keys[w.index(prof_keys.len())].clone()),
                    team: None,
                    role: Role::new("EARLY_HELP", RoleCategory::LeadPractitioner),
                    period: *period,
                    end_reason: reason.clone(),
                    sensitivity: Sensitivity::Standard,
                    source: src.clone(),
                })
                .unwrap(),
            EpisodeSpec::ChildInNeed {
                referral: Some(w), ..
            } => {
                // A referral is taken on one day.
                net.add_activity(activity(w, ActivityKind::Referral, one_day(period.start)))
                    .unwrap();
            }
            EpisodeSpec::Section47 { by: Some(w), .. } => net
                .add_activity(activity(w, ActivityKind::Section47Enquiry, *period))
                .unwrap(),
            _ => {}
        }
    }
    for (i, (who, w, kind, period)) in spec.activities.iter().enumerate() {
        let table = match kind {
            ActivityKind::Assessment => "ssd_cin_assessments",
            ActivityKind::CinPlan => "ssd_cin_plans",
            _ => "ssd_initial_cp_conference",
        };
        let period = if *kind == ActivityKind::InitialChildProtectionConference {
            // A conference is held on one day.
            one_day(period.start)
        } else {
            *period
        };
        let (professional, team) = participants(w);
        net.add_activity(Activity {
            key: ActivityKey::new(SYS, format!("{table}/A{i}{s}")),
            person: person(who),
            professional,
            team,
            kind: *kind,
            period,
            source: src.clone(),
        })
        .unwrap();
    }
    for (i, (who, w)) in spec.care_leavers.iter().enumerate() {
        let (professional, team) = participants(w);
        net.add_involvement(Involvement {
            key: InvolvementKey::new(SYS, format!("ssd_care_leavers/CL{i}{s}")),
            person: person(who),
            professional,
            team,
            role: Role::new("PA", RoleCategory::PersonalAdviser),
            period: Period::always(),
            end_reason: None,
            sensitivity: Sensitivity::Standard,
            source: src.clone(),
        })
        .unwrap();
    }
    for (i, inv) in spec.involvements.iter().enumerate() {
        let (professional, team) = participants(&inv.who);
        net.add_involvement(Involvement {
            key: InvolvementKey::new(SYS, format!("I{i}{s}")),
            person: person(&inv.person),
            professional,
            team,
            role: Role::new(
                inv.code,
                roles.category(inv.code).unwrap_or(RoleCategory::Other),
            ),
            period: inv.period,
            end_reason: inv.end_reason.clone(),
            sensitivity: Sensitivity::Standard,
            source: src.clone(),
        })
        .unwrap();
    }
    net
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Any network built from the shapes the SSD carries comes back equal from its export,
    /// and exporting it again gives the same bytes.
    #[test]
    fn export_then_import_gives_the_same_network(spec in net_spec()) {
        let options = SsdOptions::new(Flavour::Lcs);
        let net = build(&spec, &options.council_name);
        let export = ExportOptions::from(&options);
        let (tables, summary) = export_tables(&net, &export);
        prop_assert!(summary.is_lossless(), "not carried: {:?}", summary.not_carried);
        prop_assert_eq!(summary.other_systems, 0);
        let again = import_tables(&tables, &options).unwrap();
        prop_assert_eq!(quarantined(&again), Vec::<String>::new());
        if let Err(difference) = first_difference(&net, &again.network, &DATES) {
            return Err(TestCaseError::fail(format!("the networks differ: {difference}")));
        }
        let (second, _) = export_tables(&again.network, &export);
        prop_assert_eq!(texts(&second), texts(&tables));
        let (third, _) = export_tables(&net, &export);
        prop_assert_eq!(texts(&third), texts(&tables));
    }
}

/// `[day, day + 1)`: the period of an activity recorded on one day.
fn one_day(day: Option<NaiveDate>) -> Period {
    Period::new(day, day.and_then(|d| d.succ_opt())).unwrap()
}

#[test]
fn the_comparison_notices_a_single_changed_field() {
    let first = import_tables(&lcs_tables(), &options(Flavour::Lcs))
        .unwrap()
        .network;
    assert!(first_difference(&first, &first.clone(), &[d(2025, 3, 1)]).is_ok());

    let mut renamed = first.clone();
    let mut worker = renamed
        .professional(&ProfessionalKey::new("la", "5001"))
        .unwrap()
        .clone();
    worker.name = Some("Alex Changed".into());
    renamed.update_professional(worker).unwrap();
    let err = first_difference(&first, &renamed, &[d(2025, 3, 1)]).unwrap_err();
    assert!(err.starts_with("professional"), "{err}");

    let mut ended = first.clone();
    ended
        .end_involvement(&InvolvementKey::new("la", "900002"), d(2025, 6, 1), None)
        .unwrap();
    let err = first_difference(&first, &ended, &[d(2025, 3, 1)]).unwrap_err();
    assert!(err.starts_with("involvement"), "{err}");
}
