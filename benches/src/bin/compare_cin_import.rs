//! Our side of the CIN census import comparison: writes (once) the census of a generated
//! council, imports it several times and prints one JSON line with the median time and the
//! throughput.
//!
//! ```text
//! cargo run --release -p patchwork-benches --bin compare_cin_import -- --tier M [--repeats 5] [--write-only]
//! ```
//!
//! Besides the wall-clock median it prints the median CPU time of the import thread, which
//! does not count waiting for a core on a busy machine.
//!
//! The census is written to `target/bench-data/cin-<tier>.xml` (the 2024-25 collection of
//! the tier's synthetic council with its census details); `benches/compare/compare_cin_lxml.py`
//! runs this beside lxml reading the same file.

use std::path::PathBuf;
use std::time::Instant;

use patchwork_adapters::cin::{self, CinOptions, CollectionYear};
use patchwork_adapters::synthetic::{self, Tier};
use patchwork_benches::{SEED, peak_rss_mib};

fn main() {
    let mut tier = Tier::M;
    let mut repeats = 5usize;
    let mut write_only = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tier" => {
                tier = args
                    .next()
                    .and_then(|t| t.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--repeats" => repeats = args.next().and_then(|r| r.parse().ok()).unwrap_or(repeats),
            "--write-only" => write_only = true,
            _ => usage(),
        }
    }
    let path = census_file(tier);
    if write_only {
        println!("{}", path.display());
        return;
    }
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut children = 0;
    for _ in 0..repeats.max(1) {
        let (t, c) = (Instant::now(), thread_cpu_seconds());
        let import = cin::import_file(&path, &CinOptions::new("la")).expect("the census imports");
        times.push(t.elapsed().as_secs_f64());
        cpu.push(thread_cpu_seconds() - c);
        children = import.network.person_count();
    }
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let cpu_median = cpu[cpu.len() / 2];
    println!(
        "{{\"tool\":\"patchwork\",\"file\":\"{}\",\"bytes\":{bytes},\"children\":{children},\"median_s\":{median:.4},\"mb_per_s\":{:.1},\"cpu_median_s\":{cpu_median:.4},\"cpu_mb_per_s\":{:.1},\"peak_rss_mib\":{:.0}}}",
        path.display(),
        bytes as f64 / 1e6 / median,
        bytes as f64 / 1e6 / cpu_median,
        peak_rss_mib().unwrap_or(0.0)
    );
}

/// CPU time of this (single) thread in seconds, from Linux `/proc/thread-self/schedstat`
/// (nanoseconds on the CPU); 0 where it cannot be read. On a shared machine the wall time
/// includes waiting for a core; this does not.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}

fn usage() -> ! {
    eprintln!("usage: compare_cin_import [--tier S|M|L] [--repeats N] [--write-only]");
    std::process::exit(2);
}

/// The census file of a tier, written on first use.
pub fn census_file(tier: Tier) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/bench-data")
        .join(format!("cin-{tier}.xml"));
    if !path.exists() {
        let mut council = synthetic::generate(tier, SEED);
        cin::add_census_details(&mut council, SEED);
        let net = council.into_network().expect("the council loads");
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("dir");
        let file = std::fs::File::create(&path).expect("the census file is created");
        cin::export(&net, CollectionYear::new(2025), file).expect("the census is written");
    }
    path
}
