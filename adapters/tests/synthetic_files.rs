//! The synthetic council's files: deterministic bytes, a lossless round trip through the
//! SSD and partner-feed importers for what the formats carry, and the `patchwork
//! generate` program end to end.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use patchwork_adapters::agency::{self, FeedOptions};
use patchwork_adapters::ssd::{self, Flavour, SsdOptions};
use patchwork_adapters::synthetic::{self, SYSTEM, SyntheticCouncil, Tier};
use patchwork_core::{
    EpisodeDetail, GapKind, Involvement, InvolvementKey, Network, Person, PersonKey,
    ProfessionalKey, RoleCategory, Source,
};

mod common;
use common::TempDir;

/// Every file under `dir`, by path relative to it, with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().to_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, b, c) = (TempDir::new("a"), TempDir::new("b"), TempDir::new("c"));
    let council = synthetic::generate(Tier::S, 7);
    let summary = synthetic::write_council(&council, &a.0).unwrap();
    synthetic::write_council(&synthetic::generate(Tier::S, 7), &b.0).unwrap();
    synthetic::write_council(&synthetic::generate(Tier::S, 8), &c.0).unwrap();

    let (fa, fb, fc) = (files(&a.0), files(&b.0), files(&c.0));
    assert_eq!(fa.len() as u64, summary.files);
    assert_eq!(
        fa.values().map(|f| f.len() as u64).sum::<u64>(),
        summary.bytes
    );
    assert!(fa.contains_key(Path::new("ssd/ssd_person.csv")));
    assert!(fa.contains_key(Path::new("agency/police-wexmoor.csv")));
    assert!(fa.contains_key(Path::new("agency/nhs-wexmoor-community.csv")));
    assert!(
        fa.keys()
            .any(|p| p.to_string_lossy().starts_with("agency/school-"))
    );
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (path, bytes) in &fa {
        assert!(
            bytes == &fb[path],
            "{} differs between runs",
            path.display()
        );
    }
    let person = Path::new("ssd/ssd_person.csv");
    assert_ne!(fa[person], fc[person], "another seed, other children");
}

/// The parts of a team member that must survive the files.
type Member = (InvolvementKey, RoleCategory, Option<ProfessionalKey>, bool);

fn team(net: &Network, child: &PersonKey, today: chrono::NaiveDate) -> Vec<Member> {
    let mut members: Vec<Member> = net
        .team_around(child, today)
        .unwrap()
        .members
        .iter()
        .map(|m| {
            (
                m.involvement.key().clone(),
                m.involvement.role(),
                m.professional.map(|p| p.key.clone()),
                m.lead,
            )
        })
        .collect();
    members.sort();
    members
}

/// Gaps of children, without [`GapKind::ProfessionalHasLeft`] for the council's own
/// professionals: `ssd_professionals` does not record when a professional left, so they
/// read back as still in post. The partner feed's `professional_end_date` does carry it.
fn child_gaps(net: &Network, today: chrono::NaiveDate) -> BTreeSet<(PersonKey, GapKind)> {
    net.gaps(today)
        .iter()
        .filter(|g| g.person.is_child())
        .filter(|g| {
            g.kind != GapKind::ProfessionalHasLeft
                || g.professional
                    .is_some_and(|p| p.key.system() != synthetic::SYSTEM)
        })
        .map(|g| (g.person.key.clone(), g.kind))
        .collect()
}

fn without_source(mut i: Involvement) -> Involvement {
    i.source = Source::system("-");
    i
}

/// A person as the SSD extract carries them: without provenance, and without the
/// statutory returns' facts (the SSDA903 facts travel in `DIR/ssda903/`, the disability
/// codes and reason for no UPN in `DIR/cin/`).
fn person_without_source(p: &Person) -> Person {
    let mut p = p.clone();
    p.source = Source::system("-");
    p.looked_after = None;
    p.disabilities.clear();
    p.upn_unknown = None;
    p
}

/// Writes tier S, reads the files back with the SSD and feed importers, and compares
/// with the network built in memory. The files carry children only (adults cannot travel
/// in `ssd_person`), so adults and their records are left out of every comparison.
#[test]
fn generated_s_data_loads_back_with_the_same_facts() {
    let dir = TempDir::new("roundtrip");
    let council: SyntheticCouncil = synthetic::generate(Tier::S, 2025);
    let today = council.today;
    synthetic::write_council(&council, &dir.0).unwrap();

    // Import: the council's extract, then every partner feed (in file-name order).
    let imported = ssd::import_dir(&dir.0.join("ssd"), &SsdOptions::new(Flavour::Lcs)).unwrap();
    assert_eq!(imported.report.quarantined(), 0, "{:?}", imported.report);
    let mut back = imported.network;
    let mut feeds: Vec<PathBuf> = std::fs::read_dir(dir.0.join("agency"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    feeds.sort();
    assert!(feeds.len() > 10);
    let feed_options = FeedOptions::new(SYSTEM);
    for feed in &feeds {
        let report = agency::import_feed(&mut back, feed, &feed_options).unwrap();
        assert_eq!(report.quarantined(), 0, "{}: {:?}", feed.display(), report);
    }

    // Counts.
    let memory = council.clone().into_network().unwrap();
    let extract = council.extract_network().unwrap();
    let children: Vec<&Person> = council.children().collect();
    assert_eq!(back.person_count(), children.len(), "children only");
    assert!(back.persons().all(Person::is_child));
    let is_child: BTreeSet<&PersonKey> = children.iter().map(|p| &p.key).collect();
    let (mut la, mut partner) = (0usize, 0usize);
    for i in council
        .involvements
        .iter()
        .filter(|i| is_child.contains(&i.person))
    {
        if i.key.system() == SYSTEM {
            la += 1;
        } else {
            partner += 1;
        }
    }
    let la_back = back
        .involvements()
        .filter(|i| i.key().system() == SYSTEM)
        .count();
    assert_eq!(la_back, la, "LA involvements");
    assert_eq!(
        back.involvement_count() - la_back,
        partner,
        "partner involvements"
    );
    assert!(
        council
            .involvements
            .iter()
            .all(|i| i.key.system() != SYSTEM || is_child.contains(&i.person)),
        "the council's involvements are all with children"
    );

    // Every child and every involvement comes back as it was (apart from provenance).
    for p in &children {
        let b = back.person(&p.key).expect("child read back");
        assert_eq!(person_without_source(b), person_without_source(p));
    }
    for i in extract.involvements() {
        let b = back.involvement(i.key()).expect("involvement read back");
        assert_eq!(without_source(b.to_record()), without_source(i.to_record()));
    }
    // Episodes too, except looked-after legal status and placement, which the SSD
    // importer does not read (they live in tables it does not load).
    for e in council.episodes.iter() {
        let b = back.episode(&e.key).expect("episode read back");
        // The census details (assessments, plans, reviews) travel in `DIR/cin/`.
        let detail = match e.detail.clone() {
            EpisodeDetail::LookedAfter { .. } => EpisodeDetail::LookedAfter {
                legal_status: None,
                placement: None,
                care: None,
            },
            EpisodeDetail::ChildInNeed {
                referral_source,
                primary_need,
                closure_reason,
                ..
            } => EpisodeDetail::ChildInNeed {
                referral_source,
                primary_need,
                closure_reason,
                census: Default::default(),
            },
            EpisodeDetail::Section47 { outcome, .. } => EpisodeDetail::Section47 {
                outcome,
                census: Default::default(),
            },
            EpisodeDetail::ChildProtectionPlan {
                category_of_abuse, ..
            } => EpisodeDetail::ChildProtectionPlan {
                category_of_abuse,
                census: Default::default(),
            },
            other => other,
        };
        assert_eq!(
            (&b.person, b.period, &b.detail),
            (&e.person, e.period, &detail)
        );
    }
    // Young mothers who are children themselves travel in ssd_mother.
    let mothers = council
        .relationships
        .iter()
        .filter(|r| r.key.id().starts_with("ssd_mother/"))
        .count();
    assert!(mothers > 0);
    assert_eq!(back.relationships().count(), mothers);
    // Every child matched a partner's record by identifier; none was guessed.
    assert_eq!(back.identity_links().count(), partner);

    // The team around a deterministic sample of children, including every child with a
    // planted gap, on the extract's date.
    let planted = &council.planted;
    let mut sample: BTreeSet<&PersonKey> = children.iter().step_by(37).map(|p| &p.key).collect();
    sample.extend(&planted.no_allocated_social_worker);
    sample.extend(&planted.no_health_professional);
    sample.extend(&planted.multiple_leads);
    assert!(sample.len() >= 250, "{}", sample.len());
    for child in sample {
        let (a, b) = (team(&memory, child, today), team(&back, child, today));
        assert_eq!(a, b, "team around {child}");
    }

    // The same gaps for children, except a professional having left (see child_gaps).
    let gaps = child_gaps(&memory, today);
    assert!(gaps.len() > 10);
    assert!(
        gaps.iter()
            .any(|(_, kind)| *kind == GapKind::ProfessionalHasLeft),
        "some partner professional who left is still involved, and the files carry it"
    );
    assert_eq!(child_gaps(&back, today), gaps);
    // No council professional reads back as having left (see child_gaps).
    assert!(back.gaps(today).iter().all(|g| {
        g.kind != GapKind::ProfessionalHasLeft
            || g.professional
                .is_some_and(|p| p.key.system() != synthetic::SYSTEM)
    }));
}

#[test]
fn feed_writer_round_trips_involvements_and_identity_links() {
    let council = synthetic::generate_sizes(
        synthetic::Sizes {
            persons: 2_000,
            involvements: 8_000,
            professionals: 200,
        },
        5,
    );
    let net = council.extract_network().unwrap();
    let feed_options = FeedOptions::new(SYSTEM);
    let mut checked = 0;
    for a in council.partner_agencies() {
        let mut bytes = Vec::new();
        let rows = agency::write_feed(&net, &a.key, SYSTEM, &mut bytes).unwrap();
        let header = String::from_utf8_lossy(&bytes)
            .lines()
            .next()
            .unwrap()
            .to_owned();
        assert_eq!(header, agency::COLUMNS.join(","));

        // A network holding the same children, and nothing else.
        let mut back = Network::new();
        for p in net.persons() {
            back.add_person(p.clone()).unwrap();
        }
        let report =
            agency::import_feed_reader(&mut back, "feed.csv", bytes.as_slice(), &feed_options)
                .unwrap();
        assert_eq!(report.quarantined(), 0, "{}: {report:?}", a.key);
        assert_eq!(back.involvement_count() as u64, rows);
        let written: Vec<_> = net
            .involvements()
            .filter(|i| i.key().system() == a.key.system())
            .collect();
        assert_eq!(written.len() as u64, rows);
        for i in &written {
            let b = back.involvement(i.key()).unwrap();
            assert_eq!(without_source(b.to_record()), without_source(i.to_record()));
            // The link names the record and the first identifier that matched.
            let person = i.person();
            let links = back.identity_links_of(&person.key).unwrap();
            let link = links
                .iter()
                .find(|l| l.record.as_str() == i.key().as_str())
                .expect("a link for the record");
            let expected = if person.nhs_number.is_some() {
                patchwork_core::MatchedOn::NhsNumber
            } else if person.upn.is_some() {
                patchwork_core::MatchedOn::Upn
            } else {
                patchwork_core::MatchedOn::LaPersonId
            };
            assert_eq!(link.matched_on, expected);
        }
        if rows > 0 {
            let agency_back = back.agency(&a.key).unwrap();
            assert_eq!(
                (
                    &agency_back.name,
                    agency_back.kind,
                    &agency_back.ods_code,
                    &agency_back.school_urn
                ),
                (&a.name, a.kind, &a.ods_code, &a.school_urn)
            );
            checked += 1;
        }
        // Written again, the same bytes.
        let mut again = Vec::new();
        agency::write_feed(&net, &a.key, SYSTEM, &mut again).unwrap();
        assert_eq!(again, bytes);
    }
    assert!(checked > 5);
}

#[test]
fn patchwork_generate_end_to_end() {
    let dir = TempDir::new("cli");
    let out = dir.0.join("sample");
    let bin = env!("CARGO_BIN_EXE_patchwork");
    let run = Command::new(bin)
        .args(["generate", "--tier", "S", "--seed", "11", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(&out.display().to_string()), "{stderr}");
    assert!(out.join("ssd/ssd_person.csv").is_file());
    assert!(out.join("ssd/ssd_involvements.csv").is_file());
    assert!(out.join("agency/police-wexmoor.csv").is_file());

    let bad = Command::new(bin)
        .args(["generate", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let bad_tier = Command::new(bin)
        .args(["generate", "--tier", "XL"])
        .output()
        .unwrap();
    assert_eq!(bad_tier.status.code(), Some(2));

    // A folder that cannot be made: exit 1, naming the path.
    let blocker = dir.0.join("a-file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let failed = Command::new(bin)
        .args(["generate", "--out"])
        .arg(&blocker)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&blocker.display().to_string()), "{stderr}");
}
