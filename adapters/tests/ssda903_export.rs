//! SSDA903 export: column sets against the validator's own fixtures, a hand-built network
//! written and checked by hand, and the round trip from generated data.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use patchwork_adapters::ssda903::{
    CollectionYear, ExportError, File903, ImportOptions, add_return_facts, export_tables,
    import_files, write_dir,
};
use patchwork_adapters::synthetic::{self, Tier};
use patchwork_core::{
    CareEpisode, CareReview, EndReason, Episode, EpisodeDetail, EpisodeKey, Involvement,
    InvolvementKey, LookedAfterChild, MissingPeriod, Network, Period, Person, PersonKey,
    PersonKind, PreviousPermanence, Professional, ProfessionalKey, Role, RoleCategory, Sensitivity,
    Sex, Source, SwChangeReason,
};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// The validator's fake return; the corpus sits beside the clone, or two levels up from
/// a worktree.
fn fake_data() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["../../shared", "../../../shared"]
        .iter()
        .map(|up| {
            manifest
                .join(up)
                .join("corpus/csc-validator-be-903/tests/fake_data")
        })
        .find(|p| p.is_dir())
        .expect("the corpus is beside the clone")
}

/// The header names of a CSV text, as a set (a BOM dropped).
fn header_set(text: &str) -> BTreeSet<String> {
    let first = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    first.split(',').map(|c| c.trim().to_owned()).collect()
}

/// The validator recognises a file by the set of its headers: the export's sets must be
/// exactly those of the validator's own fixture files, for both layouts.
#[test]
fn export_column_sets_equal_the_validators_for_both_layouts() {
    let dir = fake_data();
    let net = Network::new();
    for year in [CollectionYear(2025), CollectionYear(2026)] {
        let tables = export_tables(&net, year).unwrap();
        assert_eq!(tables.len(), 11);
        for (file, (rows, bytes)) in &tables {
            assert_eq!(*rows, 0);
            let expected =
                header_set(&std::fs::read_to_string(dir.join(file.file_name())).unwrap());
            let got = header_set(std::str::from_utf8(bytes).unwrap());
            assert_eq!(got, expected, "{year} {}", file.file_name());
        }
    }
    // Every fixture file of the validator but the 2026-27 deprivation of liberty file
    // (and a copy with errors) is one of the eleven.
    let names: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".csv") && n != "DoLo.csv" && !n.contains("_errors"))
        .collect();
    let ours: BTreeSet<String> = File903::ALL.iter().map(|f| f.file_name()).collect();
    assert_eq!(names, ours);
    assert!(matches!(
        export_tables(&net, CollectionYear(2024)),
        Err(ExportError::UnsupportedYear(_))
    ));
}

fn src() -> Source {
    Source::system("la")
}

fn la_episode(child: &str, start: NaiveDate, end: Option<NaiveDate>, care: CareEpisode) -> Episode {
    Episode {
        key: EpisodeKey::new("la", format!("{child}/{start}")),
        person: PersonKey::new("la", child),
        period: Period {
            start: Some(start),
            end,
        },
        detail: EpisodeDetail::LookedAfter {
            legal_status: Some("C2".into()),
            placement: Some("U4".into()),
            care: Some(Box::new(care)),
        },
        source: src(),
    }
}

fn sw(
    id: &str,
    child: &str,
    worker: &str,
    start: NaiveDate,
    end: Option<NaiveDate>,
    why: Option<SwChangeReason>,
) -> Involvement {
    Involvement {
        key: InvolvementKey::new("la", id),
        person: PersonKey::new("la", child),
        professional: Some(ProfessionalKey::new("la", worker)),
        team: None,
        role: Role::new("CW", RoleCategory::AllocatedSocialWorker),
        period: Period {
            start: Some(start),
            end,
        },
        end_reason: why.map(EndReason::Dfe),
        sensitivity: Sensitivity::Standard,
        source: src(),
    }
}

/// A network built by hand, and the 2024-25 files written out by hand from the rules.
#[test]
fn a_hand_built_network_exports_as_worked_out_by_hand() {
    let mut net = Network::new();
    let mut child = |id: &str, sex, born| {
        let mut p = Person::new(PersonKey::new("la", id), PersonKind::Child, src());
        p.sex = Some(sex);
        p.birth_date = Some(born);
        p.ethnicity = Some("WBRI".into());
        net.add_person(p).unwrap();
    };
    child("A1", Sex::Female, d(2012, 2, 14));
    child("B2", Sex::Male, d(2010, 6, 1));
    child("C3", Sex::Male, d(2011, 1, 1));
    let mut w = Professional::new(ProfessionalKey::new("la", "w1"), src());
    w.registration_number = Some("SW123456".into());
    net.add_professional(w).unwrap();
    net.add_professional(Professional::new(ProfessionalKey::new("la", "XX1"), src()))
        .unwrap();
    let care = |rne: &str, rec: Option<&str>| CareEpisode {
        reason_new_episode: Some(rne.into()),
        category_of_need: Some("N1".into()),
        placement_provider: Some("PR1".into()),
        reason_ceased: rec.map(Into::into),
        reason_place_change: rec.map(|_| "CARPL".into()),
        ..CareEpisode::default()
    };
    // A1: in care across the start of the year, changing placement in it, still in care
    // after it: the second episode's end (May 2025) is after 31 March, so written open.
    net.add_episode(la_episode(
        "A1",
        d(2023, 6, 1),
        Some(d(2024, 9, 10)),
        care("S", Some("X1")),
    ))
    .unwrap();
    net.add_episode(la_episode(
        "A1",
        d(2024, 9, 10),
        Some(d(2025, 5, 1)),
        care("P", Some("E8")),
    ))
    .unwrap();
    // B2: left care before the year began: not in the return.
    net.add_episode(la_episode(
        "B2",
        d(2022, 1, 1),
        Some(d(2024, 3, 31)),
        care("S", Some("E8")),
    ))
    .unwrap();
    // C3: starts after the year: not in the return.
    net.add_episode(la_episode("C3", d(2025, 4, 1), None, care("S", None)))
        .unwrap();
    // A1's workers: one before the year (left the role), one across it, one after.
    net.add_involvement(sw(
        "i1",
        "A1",
        "XX1",
        d(2023, 6, 1),
        Some(d(2024, 1, 5)),
        Some(SwChangeReason::LeftRole),
    ))
    .unwrap();
    net.add_involvement(sw(
        "i2",
        "A1",
        "w1",
        d(2024, 1, 5),
        Some(d(2025, 4, 2)),
        Some(SwChangeReason::Manage),
    ))
    .unwrap();
    net.add_involvement(sw("i3", "A1", "XX1", d(2025, 4, 2), None, None))
        .unwrap();

    let tables = export_tables(&net, CollectionYear(2025)).unwrap();
    let text = |f: File903| String::from_utf8(tables[&f].1.clone()).unwrap();
    assert_eq!(
        text(File903::Header),
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\nA1,F,14/02/2012,WBRI,,,\r\n"
    );
    assert_eq!(
        text(File903::Episodes),
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\r\n\
A1,01/06/2023,S,C2,N1,U4,PR1,10/09/2024,X1,CARPL,,,\r\n\
A1,10/09/2024,P,C2,N1,U4,PR1,,,,,,\r\n"
    );
    // i1 ended before the year; i2 started because i1's worker left; i3 starts after.
    assert_eq!(
        text(File903::SwEpisodes),
        "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\r\nA1,14/02/2012,SW123456,05/01/2024,,LEFTRL\r\n"
    );
    assert_eq!(tables[&File903::PreviousPermanence].0, 0);
    // 2025-26: A1's second episode ends in the year, C3 starts in it; i2 ends and i3
    // starts (i2 ended for MANAGE), and C3 has no worker.
    let tables = export_tables(&net, CollectionYear(2026)).unwrap();
    let text = |f: File903| String::from_utf8(tables[&f].1.clone()).unwrap();
    assert_eq!(
        text(File903::Episodes),
        "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\r\n\
A1,10/09/2024,P,C2,N1,U4,PR1,01/05/2025,E8,CARPL,,,\r\n\
C3,01/04/2025,S,C2,N1,U4,PR1,,,,,,\r\n"
    );
    assert_eq!(
        text(File903::SwEpisodes),
        "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\r\n\
A1,14/02/2012,SW123456,05/01/2024,02/04/2025,LEFTRL\r\n\
A1,14/02/2012,XX1,02/04/2025,,MANAGE\r\n"
    );
}

/// One row per looked-after episode open in the year, as the test works it out from the
/// generated records: (child, DECOM, DEC written, LS, PLACE, CIN).
type EpisodeRow = (
    String,
    NaiveDate,
    Option<NaiveDate>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn expected_episodes(net: &Network, year: CollectionYear) -> BTreeSet<EpisodeRow> {
    let (first, last) = (year.first_day(), year.last_day());
    net.episodes()
        .filter_map(|e| {
            let EpisodeDetail::LookedAfter {
                legal_status,
                placement,
                care,
            } = &e.detail
            else {
                return None;
            };
            let start = e.period.start?;
            if start > last || e.period.end.is_some_and(|end| end < first) {
                return None;
            }
            Some((
                e.person.id().to_owned(),
                start,
                e.period.end.filter(|end| *end <= last),
                legal_status.clone(),
                placement.clone(),
                care.as_ref().and_then(|c| c.category_of_need.clone()),
            ))
        })
        .collect()
}

/// (child, SW_ID, start, end written) for every social worker involvement of a child
/// in the return, open in the year.
fn expected_workers(
    net: &Network,
    year: CollectionYear,
    children: &BTreeSet<String>,
) -> BTreeSet<(String, String, NaiveDate, Option<NaiveDate>)> {
    let (first, last) = (year.first_day(), year.last_day());
    net.involvements()
        .filter(|i| i.role() == RoleCategory::AllocatedSocialWorker)
        .filter(|i| children.contains(i.person().key.id()))
        .filter_map(|i| {
            let w = i.professional()?;
            let start = i.period().start?;
            if start > last || i.period().end.is_some_and(|end| end < first) {
                return None;
            }
            let id = w
                .registration_number
                .clone()
                .unwrap_or_else(|| w.key.id().to_owned());
            Some((
                i.person().key.id().to_owned(),
                id,
                start,
                i.period().end.filter(|e| *e <= last),
            ))
        })
        .collect()
}

fn as_map(tables: BTreeMap<File903, (u64, Vec<u8>)>) -> HashMap<String, Vec<u8>> {
    tables
        .into_iter()
        .map(|(f, (_, b))| (f.stem().to_owned(), b))
        .collect()
}

/// Generated S-tier data -> export -> import gives the same episodes and social worker
/// involvements, and exporting the imported network gives the same files again.
#[test]
fn generated_data_round_trips_through_the_return() {
    let mut council = synthetic::generate(Tier::S, 11);
    add_return_facts(&mut council);
    let net = council.extract_network().unwrap();
    for year in [CollectionYear(2025), CollectionYear(2026)] {
        let files = as_map(export_tables(&net, year).unwrap());
        let mut options = ImportOptions::new("back");
        options.year = Some(year);
        let im = import_files(&files, &options).unwrap();
        assert_eq!(
            im.report.quarantined(),
            0,
            "{year}: {:?}",
            &im.report.problems[..im.report.problems.len().min(5)]
        );

        let want = expected_episodes(&net, year);
        assert!(
            want.len() > 100,
            "the generator gives looked-after children: {}",
            want.len()
        );
        assert_eq!(expected_episodes(&im.network, year), want, "{year}");
        let children: BTreeSet<String> = want.iter().map(|e| e.0.clone()).collect();
        let workers = expected_workers(&net, year, &children);
        assert!(workers.len() >= children.len(), "{year}");
        assert_eq!(
            expected_workers(&im.network, year, &children),
            workers,
            "{year}"
        );
        // Reasons: every DfE end reason read back is the one generated.
        type Key = (String, String, NaiveDate);
        let original: HashMap<Key, Option<EndReason>> = net
            .involvements()
            .filter(|i| i.role() == RoleCategory::AllocatedSocialWorker)
            .filter_map(|i| {
                let reg = i.professional()?.registration_number.clone()?;
                let child = i.person().key.id().to_owned();
                Some(((child, reg, i.period().start?), i.end_reason().cloned()))
            })
            .collect();
        let mut checked = 0;
        for i in im.network.involvements() {
            if let Some(EndReason::Dfe(r)) = i.end_reason() {
                let key = (
                    i.person().key.id().to_owned(),
                    i.professional().unwrap().key.id().to_owned(),
                    i.period().start.unwrap(),
                );
                assert_eq!(original[&key], Some(EndReason::Dfe(*r)), "{key:?}");
                checked += 1;
            }
        }
        // In 2025-26 every generated worker is still allocated (the data end on 31 March
        // 2025), so there are no changes to read back.
        if year == CollectionYear(2025) {
            assert!(checked > 50, "{checked}");
        }
        // The imported network writes the same return, every file.
        if year == CollectionYear(2025) {
            for file in File903::ALL {
                let rows = files[file.stem()].iter().filter(|b| **b == b'\n').count() - 1;
                let some = !matches!(
                    file,
                    File903::Oc3 | File903::Ad1 | File903::PlacedForAdoption
                );
                assert_eq!(rows > 0, some, "{}", file.file_name());
            }
        }
        let again = as_map(export_tables(&im.network, year).unwrap());
        for (stem, bytes) in &files {
            assert_eq!(again[stem], *bytes, "{year} {stem}");
        }
    }
}

#[test]
fn write_dir_writes_the_eleven_files_under_ssda903() {
    let council = synthetic::generate_sizes(
        synthetic::Sizes {
            persons: 2_000,
            involvements: 8_000,
            professionals: 200,
        },
        3,
    );
    let dir = common::TempDir::new("ssda903-write");
    // Without the return's own facts (the generator adds them), episodes lack the
    // reason for new episode and category of need: written empty, and said so.
    let mut bare = council.clone();
    for e in &mut bare.episodes {
        if let EpisodeDetail::LookedAfter { care, .. } = &mut e.detail {
            *care = None;
        }
    }
    let summary = write_dir(
        &bare.extract_network().unwrap(),
        &dir.0,
        CollectionYear(2025),
    )
    .unwrap();
    let said = |text: &str| summary.warnings.iter().any(|w| w.contains(text));
    assert!(
        said("episodes.csv: RNE is required but empty"),
        "{:?}",
        summary.warnings
    );
    assert!(said("episodes.csv: CIN is required but empty"));
    assert!(!said("LS is required"));
    // As generated, with them.
    let summary = write_dir(
        &council.extract_network().unwrap(),
        &dir.0,
        CollectionYear(2025),
    )
    .unwrap();
    assert!(
        !summary
            .warnings
            .iter()
            .any(|w| w.starts_with("episodes.csv: RNE")),
        "{:?}",
        summary.warnings
    );
    assert_eq!(summary.rows.len(), 11);
    for file in File903::ALL {
        assert!(dir.0.join("ssda903").join(file.file_name()).is_file());
    }
    assert!(summary.rows["episodes.csv"] > 0 && summary.rows["sw_episodes.csv"] > 0);
    let im =
        patchwork_adapters::ssda903::import_dir(&dir.0.join("ssda903"), &ImportOptions::new("x"))
            .unwrap();
    assert_eq!(
        im.network.episodes().count() as u64,
        summary.rows["episodes.csv"]
    );
}

/// The example return of the format notes (csc-formats.md 2.3) read in and written out
/// for 2024-25 gives back the same text: every date, code and derived reason.
#[test]
fn the_format_notes_example_comes_back_unchanged() {
    let example: [(&str, &str); 5] = [
        (
            "header",
            "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\r\nFK1001,F,14/02/2012,WBRI,UN1,0,\r\n",
        ),
        (
            "episodes",
            "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\r\n\
FK1001,03/05/2024,S,C1,N1,U4,PR1,10/09/2024,X1,,ZZ1 1AA,ZZ2 2BB,SC999999\r\n\
FK1001,10/09/2024,L,C2,N1,U4,PR1,,,,ZZ1 1AA,ZZ2 2BB,SC999999\r\n",
        ),
        (
            "reviews",
            "CHILD,DOB,REVIEW,REVIEW_CODE\r\nFK1001,14/02/2012,31/05/2024,PN1\r\n",
        ),
        (
            "sw_episodes",
            "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\r\n\
FK1001,14/02/2012,SW123456,01/04/2024,15/10/2024,FCONTA\r\n\
FK1001,14/02/2012,SW654321,15/10/2024,,LEFTRL\r\n",
        ),
        (
            "missing",
            "CHILD,DOB,MISSING,MIS_START,MIS_END\r\nFK1001,14/02/2012,M,02/11/2024,03/11/2024\r\n",
        ),
    ];
    let files: HashMap<String, Vec<u8>> = example
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    let im = import_files(&files, &ImportOptions::new("la")).unwrap();
    assert_eq!(im.report.quarantined(), 0);
    let out = as_map(export_tables(&im.network, CollectionYear(2025)).unwrap());
    for (stem, text) in example {
        assert_eq!(
            String::from_utf8(out[stem].clone()).unwrap(),
            text,
            "{stem}"
        );
    }
}

/// A child's own facts, and which of them a year's return carries, worked out by hand.
#[test]
fn the_childs_own_files_follow_the_year() {
    let mut net = Network::new();
    let mut p = Person::new(PersonKey::new("la", "A1"), PersonKind::Child, src());
    p.sex = Some(Sex::Female);
    p.birth_date = Some(d(2008, 7, 1));
    p.ethnicity = Some("MWBC".into());
    p.looked_after = Some(Box::new(LookedAfterChild {
        mother: Some(true),
        mother_child_birth_date: Some(d(2024, 12, 1)),
        uasc_ceased: Some(d(2026, 7, 1)),
        reviews: vec![
            CareReview {
                date: d(2024, 3, 30),
                participation: Some("PN1".into()),
            },
            CareReview {
                date: d(2024, 9, 30),
                participation: Some("PN4".into()),
            },
        ],
        missing: vec![
            MissingPeriod {
                kind: "A".into(),
                start: d(2024, 2, 1),
                end: Some(d(2024, 3, 31)),
            },
            MissingPeriod {
                kind: "M".into(),
                start: d(2025, 3, 30),
                end: Some(d(2025, 4, 2)),
            },
        ],
        adoption_decisions: vec![patchwork_core::AdoptionDecision {
            date: d(2024, 6, 1),
            ceased: Some(d(2025, 1, 6)),
            reason_ceased: Some("RD1".into()),
        }],
        previous_permanence: Some(PreviousPermanence {
            option: Some("P1".into()),
            la: Some("999".into()),
            date: Some("zz/05/2015".into()),
        }),
        adoption: Some(patchwork_core::Adoption {
            date_intention: Some(d(2024, 10, 1)),
            date_matched: Some(d(2024, 8, 1)),
            foster_carers: Some(true),
            number_of_adopters: Some(2),
            sex_of_adopters: Some("MF".into()),
            legal_status_of_adopters: Some("L11".into()),
        }),
        outcomes: vec![],
        care_leaver: vec![patchwork_core::CareLeaverStatus {
            year: 2026,
            in_touch: Some("YES".into()),
            activity: Some("F2".into()),
            accommodation: Some("B1".into()),
        }],
        ..LookedAfterChild::default()
    }));
    net.add_person(p).unwrap();
    let care = |rne: &str, rec: Option<&str>| CareEpisode {
        reason_new_episode: Some(rne.into()),
        reason_ceased: rec.map(Into::into),
        ..CareEpisode::default()
    };
    // Started in 2024-25 (so previous permanence is due), adopted in it (E12).
    net.add_episode(la_episode(
        "A1",
        d(2024, 4, 20),
        Some(d(2025, 2, 1)),
        care("S", Some("E12")),
    ))
    .unwrap();

    let tables = export_tables(&net, CollectionYear(2025)).unwrap();
    let text = |f: File903| String::from_utf8(tables[&f].1.clone()).unwrap();
    let body = |f: File903| text(f).split_once("\r\n").unwrap().1.to_owned();
    assert_eq!(
        body(File903::Header),
        "A1,F,01/07/2008,MWBC,,1,01/12/2024\r\n"
    );
    assert_eq!(body(File903::Uasc), "A1,F,01/07/2008,01/07/2026\r\n");
    // The March 2024 review is last year's.
    assert_eq!(body(File903::Reviews), "A1,01/07/2008,30/09/2024,PN4\r\n");
    // The first period ended in last year; the second ends after this one: written open.
    assert_eq!(body(File903::Missing), "A1,01/07/2008,M,30/03/2025,\r\n");
    assert_eq!(
        body(File903::PlacedForAdoption),
        "A1,01/07/2008,01/06/2024,06/01/2025,RD1\r\n"
    );
    assert_eq!(
        body(File903::PreviousPermanence),
        "A1,01/07/2008,P1,999,zz/05/2015\r\n"
    );
    assert_eq!(
        body(File903::Ad1),
        "A1,01/07/2008,01/10/2024,01/08/2024,1,2,MF,L11\r\n"
    );
    // The OC3 row is for 2025-26, and there is no OC2 row.
    assert_eq!(body(File903::Oc3), "");
    assert_eq!(body(File903::Oc2), "");

    // 2025-26: the child left care in the last year, but has an OC3 row for this one: in
    // the header and OC3, with UASC (a fact of the child) and the missing period that
    // ran from 30 March into April 2025.
    let tables = export_tables(&net, CollectionYear(2026)).unwrap();
    let rows: BTreeMap<File903, u64> = tables.iter().map(|(f, (n, _))| (*f, *n)).collect();
    let nonzero: Vec<File903> = rows
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(f, _)| *f)
        .collect();
    assert_eq!(
        nonzero,
        [
            File903::Header,
            File903::Uasc,
            File903::Oc3,
            File903::Missing
        ]
    );
    let body = String::from_utf8(tables[&File903::Oc3].1.clone()).unwrap();
    assert_eq!(
        body,
        "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\r\nA1,01/07/2008,YES,F2,B1\r\n"
    );
}
