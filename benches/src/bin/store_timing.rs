//! Times saving a whole network to the SQLite store and loading it back.
//!
//! ```text
//! cargo run --release -p patchwork-benches --bin store_timing -- [--tier M] [--out target/bench-data] [--repeats 5] [--load-only]
//! ```
//!
//! Generates the tier's synthetic council (`M` by default; `S`, `M` or `L`, also accepted
//! as the only argument), builds the network, then `repeats` times (1 for `L`) saves it to
//! a fresh file `<out>/store-<tier>.sqlite` and loads it back from a new connection.
//! Prints the medians, the file's size, and the peak resident memory of each phase (the
//! original network is dropped before the loads, so the load figure is the loaded network
//! plus SQLite's cache, though memory the allocator kept from the original may count too).
//!
//! `--load-only` skips generating and saving and loads the file an earlier run left, in a
//! fresh process: its peak memory is the load's alone.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use patchwork_adapters::store::Store;
use patchwork_adapters::synthetic::{self, Tier};
use patchwork_benches::{SEED, peak_rss_mib};

struct Args {
    tier: Tier,
    out: PathBuf,
    repeats: Option<usize>,
    load_only: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        tier: Tier::M,
        out: PathBuf::from("target/bench-data"),
        repeats: None,
        load_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--tier" => args.tier = value()?.parse().map_err(|e| format!("{e}"))?,
            "--out" => args.out = PathBuf::from(value()?),
            "--repeats" => {
                args.repeats = Some(value()?.parse().map_err(|e| format!("--repeats: {e}"))?)
            }
            "--load-only" => args.load_only = true,
            "-h" | "--help" => {
                return Err(
                    "usage: store_timing [--tier S|M|L] [--out DIR] [--repeats N] [--load-only]"
                        .into(),
                );
            }
            tier if !tier.starts_with('-') => {
                args.tier = tier.parse().map_err(|e| format!("{e}"))?
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// Removes the store and its WAL and shared-memory files, if present.
fn remove_store(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// Resets the kernel's peak-RSS mark (Linux `clear_refs` 5), so that the next
/// [`peak_rss_mib`] covers only what follows. Best effort.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort_unstable();
    times[times.len() / 2]
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn mib(rss: Option<f64>) -> String {
    rss.map_or_else(|| "n/a".to_owned(), |m| format!("{m:.0} MiB"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let repeats = args
        .repeats
        .unwrap_or(if args.tier == Tier::L { 1 } else { 5 })
        .max(1);
    std::fs::create_dir_all(&args.out)?;
    let path = args.out.join(format!("store-{}.sqlite", args.tier));

    if args.load_only {
        let size = std::fs::metadata(&path)?.len();
        let mut loads = Vec::new();
        let mut counts = (0, 0);
        for _ in 0..repeats {
            let start = Instant::now();
            let loaded = Store::open(&path)?.load()?;
            loads.push(start.elapsed());
            counts = (loaded.person_count(), loaded.involvement_count());
        }
        println!(
            "load only: median {:.2} s over {repeats} run(s); {} persons, {} involvements from {:.1} MiB ({})",
            secs(median(loads)),
            counts.0,
            counts.1,
            size as f64 / (1024.0 * 1024.0),
            path.display(),
        );
        println!("peak RSS: {}", mib(peak_rss_mib()));
        return Ok(());
    }

    let start = Instant::now();
    let net = synthetic::generate(args.tier, SEED).into_network()?;
    println!(
        "tier {}: {} persons, {} professionals, {} involvements, {} episodes; built in {:.2} s",
        args.tier,
        net.person_count(),
        net.professional_count(),
        net.involvement_count(),
        net.episodes().len(),
        secs(start.elapsed()),
    );
    println!("peak RSS after building: {}", mib(peak_rss_mib()));

    let mut saves = Vec::new();
    let mut summary = None;
    for _ in 0..repeats {
        remove_store(&path);
        let start = Instant::now();
        let mut store = Store::open(&path)?;
        summary = Some(store.save(&net)?);
        drop(store);
        saves.push(start.elapsed());
    }
    let summary = summary.expect("at least one save");
    let size = std::fs::metadata(&path)?.len();
    println!(
        "save: median {:.2} s over {repeats} run(s) ({} rows); file {:.1} MiB ({})",
        secs(median(saves)),
        summary.total(),
        size as f64 / (1024.0 * 1024.0),
        path.display(),
    );
    println!("peak RSS while saving: {}", mib(peak_rss_mib()));

    let (persons, involvements) = (net.person_count(), net.involvement_count());
    drop(net);
    reset_peak_rss();
    let mut loads = Vec::new();
    for _ in 0..repeats {
        let start = Instant::now();
        let loaded = Store::open(&path)?.load()?;
        loads.push(start.elapsed());
        assert_eq!(
            (loaded.person_count(), loaded.involvement_count()),
            (persons, involvements),
            "the loaded network has the saved counts"
        );
    }
    println!(
        "load: median {:.2} s over {repeats} run(s)",
        secs(median(loads))
    );
    println!(
        "peak RSS while loading (original network dropped): {}",
        mib(peak_rss_mib())
    );
    Ok(())
}
