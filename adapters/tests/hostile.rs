//! Hostile input: random bytes and mangled extracts must give a typed error or a report,
//! never a panic, and memory must stay bounded by the limits.

use std::collections::HashMap;

use patchwork_adapters::agency::{FeedOptions, import_feed_reader};
use patchwork_adapters::ssd::{Flavour, SsdOptions, import_tables, schema};
use patchwork_adapters::table::Limits;
use patchwork_core::Network;
use proptest::prelude::*;

/// A small valid extract: one child, one worker, one involvement, one CIN episode.
fn extract() -> HashMap<String, Vec<u8>> {
    let mut t = HashMap::new();
    t.insert("ssd_person".into(), b"pers_person_id,pers_upn,pers_forename,pers_dob,pers_sex\r\nC1,A123456789012,Ann,2015-04-01 00:00:00.000,F\r\nC2,,Bo,2016-05-02,M\r\n".to_vec());
    t.insert(
        "ssd_professionals".into(),
        b"prof_professional_id,prof_professional_name\r\n5001,Alex Example\r\n".to_vec(),
    );
    t.insert(
        "ssd_department".into(),
        b"dept_team_id,dept_team_name,dept_team_parent_id\r\n301,Unit 1,\r\n".to_vec(),
    );
    t.insert("ssd_cin_episodes".into(), b"cine_referral_id,cine_person_id,cine_referral_date,cine_close_date,cine_referral_worker_id\r\n7,C1,2024-02-10,,5001\r\n".to_vec());
    t.insert("ssd_linked_identifiers".into(), b"link_table_id,link_person_id,link_identifier_type,link_identifier_value\r\n1,C1,NHS Number,9434765919\r\n".to_vec());
    t.insert("ssd_involvements".into(), b"invo_involvements_id,invo_professional_id,invo_professional_role_id,invo_professional_team,invo_person_id,invo_involvement_start_date,invo_involvement_end_date\r\n9,5001,CW,301,C1,2024-03-01,1900-01-01\r\n10,5001,CW,301,C2,2024-03-01,\r\n".to_vec());
    t
}

fn options() -> SsdOptions {
    SsdOptions {
        limits: Limits {
            max_record_bytes: 16 << 10,
            max_field_bytes: 4 << 10,
            ..Limits::default()
        },
        ..SsdOptions::new(Flavour::Lcs)
    }
}

#[test]
fn the_unmangled_extract_loads() {
    let out = import_tables(&extract(), &options()).unwrap();
    assert_eq!(out.network.involvement_count(), 2);
    assert_eq!(out.report.quarantined(), 0);
}

/// One way of damaging a file.
#[derive(Debug, Clone)]
enum Mangle {
    Flip { at: usize, byte: u8 },
    Truncate { at: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Duplicate { from: usize, len: usize },
}

fn mangle() -> impl Strategy<Value = Mangle> {
    let hostile = prop_oneof![
        Just(b"\"".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"\xff\xfe".to_vec()),
        Just(b"\r".to_vec()),
        Just(b",,,,,,,,,,,,".to_vec()),
        Just(b"1900-01-01".to_vec()),
        Just(b"-1".to_vec()),
        Just(b"9999-99-99 99:99:99".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..64),
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mangle::Flip { at, byte }),
        any::<usize>().prop_map(|at| Mangle::Truncate { at }),
        (any::<usize>(), hostile).prop_map(|(at, bytes)| Mangle::Insert { at, bytes }),
        (any::<usize>(), 0usize..200).prop_map(|(from, len)| Mangle::Duplicate { from, len }),
    ]
}

fn apply(data: &mut Vec<u8>, m: &Mangle) {
    let n = data.len().max(1);
    match m {
        Mangle::Flip { at, byte } => {
            if !data.is_empty() {
                data[at % n] = *byte;
            }
        }
        Mangle::Truncate { at } => data.truncate(at % n),
        Mangle::Insert { at, bytes } => {
            let at = at % n.min(data.len() + 1);
            data.splice(at..at, bytes.iter().copied());
        }
        Mangle::Duplicate { from, len } => {
            let from = from % n.min(data.len() + 1);
            let end = (from + len).min(data.len());
            let copy = data[from..end].to_vec();
            data.extend(copy);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Mangled real tables: the import returns, with a network or an error.
    #[test]
    fn mangled_extracts_never_panic(table in 0usize..6, mangles in proptest::collection::vec(mangle(), 1..6)) {
        let mut tables = extract();
        let mut names: Vec<String> = tables.keys().cloned().collect();
        names.sort();
        let name = &names[table % names.len()];
        let data = tables.get_mut(name).unwrap();
        for m in &mangles {
            apply(data, m);
        }
        if let Ok(out) = import_tables(&tables, &options()) {
            // Every quarantined row is accounted for in the problems.
            let rows: u64 = out.report.files.values().map(|c| c.rows).sum();
            prop_assert_eq!(rows, out.report.loaded() + out.report.quarantined());
            prop_assert!(out.report.problems.len() as u64 + out.report.problems_not_kept >= out.report.quarantined());
        }
    }

    /// Random bytes as any table.
    #[test]
    fn random_bytes_never_panic(table in 0usize..schema::ALL.len(), bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let mut tables = extract();
        tables.insert(schema::ALL[table].name.to_owned(), bytes.clone());
        let _ = import_tables(&tables, &options());
        let mut net = Network::new();
        let _ = import_feed_reader(&mut net, "feed.csv", bytes.as_slice(), &FeedOptions::new("lcs"));
    }
}

#[test]
fn a_huge_field_is_refused_without_reading_it_all() {
    let mut tables = extract();
    let mut person = b"pers_person_id,pers_forename\r\nC1,\"".to_vec();
    person.extend(std::iter::repeat_n(b'x', 64 << 20));
    tables.insert("ssd_person".into(), person);
    let err = import_tables(&tables, &options()).unwrap_err();
    assert!(err.to_string().contains("ssd_person.csv:2"), "{err}");
    assert!(err.to_string().contains("longer than the limit"), "{err}");
}

#[test]
fn a_long_but_bounded_field_quarantines_only_its_row() {
    let mut tables = extract();
    let long = "y".repeat(8 << 10);
    let person = format!("pers_person_id,pers_forename\r\nC1,{long}\r\nC2,Bo\r\n");
    tables.insert("ssd_person".into(), person.into_bytes());
    let out = import_tables(&tables, &options()).unwrap();
    assert!(
        out.network
            .person(&patchwork_core::PersonKey::new("lcs", "C1"))
            .is_none()
    );
    assert!(
        out.network
            .person(&patchwork_core::PersonKey::new("lcs", "C2"))
            .is_some()
    );
    assert_eq!(
        out.report
            .count(patchwork_adapters::report::ProblemKind::FieldTooLong),
        1
    );
}
