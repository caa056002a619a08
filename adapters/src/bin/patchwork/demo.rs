//! `patchwork demo`: two nights of the nightly job on a synthetic S-tier council, with
//! realistic churn on the second night, then a summary and a sample of the change events.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{Days, NaiveDate};
use patchwork_adapters::nightly::{ImportOutcome, ImportRequest, run_import};
use patchwork_adapters::store::Store;
use patchwork_adapters::synthetic::{self, SyntheticCouncil, Tier};
use patchwork_core::{
    ChangeEvent, EndReason, Involvement, InvolvementKey, Period, PersonKind, RoleCategory,
    SwChangeReason,
};
use serde_json::Value;

use super::DemoArgs;
use super::changes::{Names, describe};

/// The seed of the demo council.
const SEED: u64 = 2025;
/// One open council involvement in this many is ended on night 2 (2%).
const END_ONE_IN: usize = 50;
/// Change events shown at the end.
const SAMPLE: usize = 10;

/// `patchwork demo`.
pub(crate) fn demo(args: &DemoArgs) -> Result<(), String> {
    let started = Instant::now();
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => default_dir(),
    };
    let store_path = dir.join("patchwork.sqlite");
    if store_path.exists() {
        return Err(format!(
            "demo: {} already exists: give a new --dir, or remove it first",
            store_path.display()
        ));
    }
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("demo: cannot create {}: {e}", dir.display()))?;
    println!("patchwork demo: working in {}", dir.display());

    let clock = Instant::now();
    let mut council = synthetic::generate(Tier::S, SEED);
    let today = council.today;
    let tomorrow = today + Days::new(1);
    println!(
        "generated an S-tier council (seed {SEED}): {} children, {} professionals, {} involvements, today {today} ({:.1} s)",
        council.children().count(),
        council.professionals.len(),
        council.involvements.len(),
        clock.elapsed().as_secs_f64()
    );

    let mut store =
        Store::open(&store_path).map_err(|e| format!("demo: cannot open the store: {e}"))?;

    let night1 = dir.join("night1");
    write(&council, &night1)?;
    import(&mut store, "night 1", &night1, today)?;

    let churn = churn(&mut council, tomorrow);
    println!(
        "night 2 churn: {} involvements ended on {tomorrow} with a DfE reason, {} new allocated social workers, {} new health visitors, {} rows dropped from the extract",
        churn.ended, churn.new_workers, churn.new_health_visitors, churn.dropped
    );
    let night2 = dir.join("night2");
    write(&council, &night2)?;
    let events = import(&mut store, "night 2", &night2, tomorrow)?;

    let net = store
        .load()
        .map_err(|e| format!("demo: cannot read the store back: {e}"))?;
    let names = Names::new(&net);
    println!(
        "a sample of night 2's change events (all of them: patchwork changes --store {} --since {tomorrow}):",
        store_path.display()
    );
    let mut lines: Vec<(String, String)> = sample(&events)
        .into_iter()
        .map(|event| {
            let value = serde_json::to_value(event).unwrap_or(Value::Null);
            let person = value.get("person").and_then(Value::as_str).unwrap_or("-");
            (person.to_owned(), describe(&value, &names))
        })
        .collect();
    lines.sort_by(|a, b| a.0.cmp(&b.0));
    for (person, line) in lines {
        println!("  {person}: {line}");
    }
    println!(
        "done in {:.1} s; the store is {}",
        started.elapsed().as_secs_f64(),
        store_path.display()
    );
    Ok(())
}

/// A new folder under the system's temporary folder.
fn default_dir() -> PathBuf {
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
    std::env::temp_dir().join(format!("patchwork-demo-{stamp}-{}", std::process::id()))
}

fn write(council: &SyntheticCouncil, dir: &Path) -> Result<(), String> {
    synthetic::write_council(council, dir)
        .map(|_| ())
        .map_err(|e| format!("demo: cannot write {}: {e}", dir.display()))
}

/// Imports `dir` (its `ssd` folder and every feed in `agency`) as of `as_of`, prints the
/// night's summary and returns its change events.
fn import(
    store: &mut Store,
    night: &str,
    dir: &Path,
    as_of: NaiveDate,
) -> Result<Vec<ChangeEvent>, String> {
    let clock = Instant::now();
    let agency = dir.join("agency");
    let mut feeds: Vec<PathBuf> = std::fs::read_dir(&agency)
        .map_err(|e| format!("demo: cannot read {}: {e}", agency.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    feeds.sort();
    let mut request = ImportRequest::new(as_of).ssd(dir.join("ssd"));
    let path = store.path().to_path_buf();
    request.audit = Some(super::import::import_entry(&path, as_of));
    request.feeds = feeds;
    let outcome = run_import(store, &request).map_err(|e| format!("demo: {night}: {e}"))?;
    super::import::audit_import(store, &path, as_of, &outcome)?;
    let ImportOutcome::Loaded {
        import_id,
        report,
        events,
        ended,
        warnings,
        manifest,
        ..
    } = outcome
    else {
        return Err(format!(
            "demo: {night}: the import did not load: {outcome:?}"
        ));
    };
    let rows: u64 = report.files.values().map(|c| c.rows).sum();
    println!(
        "{night} (import {import_id}, as of {as_of}): {rows} rows read from {} files, {} loaded, {} quarantined; {ended} involvements ended as missing; {} change events ({:.1} s)",
        manifest.len(),
        report.loaded(),
        report.quarantined(),
        events.len(),
        clock.elapsed().as_secs_f64()
    );
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    for e in &events {
        *by_kind.entry(kind(e)).or_insert(0) += 1;
    }
    for (kind, n) in &by_kind {
        println!("  {n:>6} x {kind}");
    }
    for warning in &warnings {
        println!("  warning: {warning}");
    }
    Ok(events)
}

/// The snake_case name of an event (`involvement_ended`).
fn kind(event: &ChangeEvent) -> String {
    serde_json::to_value(event)
        .ok()
        .and_then(|v| v.get("event").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default()
}

/// About [`SAMPLE`] events, a few of each kind that tells a team something.
fn sample(events: &[ChangeEvent]) -> Vec<&ChangeEvent> {
    const KINDS: [&str; 6] = [
        "involvement_ended",
        "involvement_started",
        "lead_changed",
        "child_left_without_allocated_worker",
        "involvement_removed",
        "professional_changed",
    ];
    let mut picked = Vec::new();
    for per_kind in [2, 4, SAMPLE] {
        for wanted in KINDS {
            let already = picked
                .iter()
                .filter(|e: &&&ChangeEvent| kind(e) == wanted)
                .count();
            let more = events
                .iter()
                .filter(|e| kind(e) == wanted)
                .filter(|e| !picked.iter().any(|p| std::ptr::eq(*p, *e)))
                .take(per_kind.saturating_sub(already))
                .collect::<Vec<_>>();
            for e in more {
                if picked.len() < SAMPLE {
                    picked.push(e);
                }
            }
        }
    }
    picked
}

/// What [`churn`] did.
struct Churn {
    ended: usize,
    new_workers: usize,
    new_health_visitors: usize,
    dropped: usize,
}

/// Tonight's records from last night's: ends one in [`END_ONE_IN`] of the children's open
/// council involvements on `tomorrow` with a DfE reason (every other ended allocated
/// social worker replaced by another existing social worker from `tomorrow`), gives a
/// handful of babies a new health visitor from `tomorrow`, and drops three open
/// involvements from the extract altogether (the import ends them as missing).
fn churn(council: &mut SyntheticCouncil, tomorrow: NaiveDate) -> Churn {
    let today = council.today;
    let children: HashSet<_> = council.children().map(|p| p.key.clone()).collect();
    let open = |inv: &Involvement| {
        children.contains(&inv.person)
            && inv.period.start.is_none_or(|s| s <= today)
            && inv.period.end.is_none_or(|e| e > tomorrow)
    };
    let council_open: Vec<usize> = (0..council.involvements.len())
        .filter(|&i| {
            let inv = &council.involvements[i];
            inv.key.system() == synthetic::SYSTEM && inv.professional.is_some() && open(inv)
        })
        .collect();
    let workers: Vec<usize> = council_open
        .iter()
        .copied()
        .filter(|&i| council.involvements[i].role.category == RoleCategory::AllocatedSocialWorker)
        .collect();

    let mut churn = Churn {
        ended: 0,
        new_workers: 0,
        new_health_visitors: 0,
        dropped: 0,
    };
    let mut next_id = council.involvements.len();
    let mut added = Vec::new();
    let mut replace = false;
    for (n, &i) in council_open.iter().enumerate().skip(7).step_by(END_ONE_IN) {
        let inv = &mut council.involvements[i];
        let is_worker = inv.role.category == RoleCategory::AllocatedSocialWorker;
        inv.period.end = Some(tomorrow);
        inv.end_reason = Some(EndReason::Dfe(if is_worker {
            SwChangeReason::LeftRole
        } else {
            SwChangeReason::Manage
        }));
        churn.ended += 1;
        if !is_worker {
            continue;
        }
        replace = !replace;
        if !replace {
            continue;
        }
        // Another social worker takes the child on: one who holds another case.
        let from = &council.involvements[workers[(n * 7 + 3) % workers.len()]];
        let (professional, team) = (from.professional.clone(), from.team.clone());
        let old = &council.involvements[i];
        if professional == old.professional {
            continue;
        }
        added.push(Involvement {
            key: InvolvementKey::new(synthetic::SYSTEM, format!("I{next_id}")),
            person: old.person.clone(),
            professional,
            team,
            role: old.role.clone(),
            period: Period::from(tomorrow),
            end_reason: None,
            sensitivity: old.sensitivity,
            source: old.source.clone(),
        });
        next_id += 1;
        churn.new_workers += 1;
    }

    // New health visitors for a handful of babies, from the existing health visitors.
    let visitors: Vec<usize> = (0..council.involvements.len())
        .filter(|&i| {
            let inv = &council.involvements[i];
            inv.role.category == RoleCategory::HealthVisitor
                && inv.professional.is_some()
                && open(inv)
        })
        .collect();
    if !visitors.is_empty() {
        let babies: Vec<_> = council
            .persons
            .iter()
            .filter(|p| {
                p.kind == PersonKind::Child
                    && p.birth_date
                        .is_some_and(|b| b <= today && b + Days::new(365) > today)
            })
            .map(|p| p.key.clone())
            .step_by(25)
            .take(8)
            .collect();
        for (n, baby) in babies.into_iter().enumerate() {
            let from = &council.involvements[visitors[(n * 13 + 5) % visitors.len()]];
            added.push(Involvement {
                key: InvolvementKey::new(from.key.system(), format!("RN{:06}", n + 1)),
                person: baby,
                professional: from.professional.clone(),
                team: from.team.clone(),
                role: from.role.clone(),
                period: Period::from(tomorrow),
                end_reason: None,
                sensitivity: from.sensitivity,
                source: from.source.clone(),
            });
            churn.new_health_visitors += 1;
        }
    }

    // Three open involvements vanish from tonight's extract.
    let dropped: HashSet<InvolvementKey> = council_open
        .iter()
        .skip(11)
        .step_by(997)
        .filter(|&&i| council.involvements[i].period.end.is_none())
        .take(3)
        .map(|&i| council.involvements[i].key.clone())
        .collect();
    churn.dropped = dropped.len();
    council
        .involvements
        .retain(|inv| !dropped.contains(&inv.key));
    council.involvements.extend(added);
    churn
}
