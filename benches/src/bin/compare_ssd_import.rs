//! Our side of the SSD import comparison: imports an SSD folder several times and prints
//! one JSON line with the median time, the throughput and the peak memory of the process.
//!
//! ```text
//! cargo run --release -p patchwork-benches --bin compare_ssd_import -- --dir target/bench-data/M/ssd [--repeats 5] [--agency target/bench-data/M/agency]
//! ```
//!
//! With `--agency`, every partner-agency feed in that folder is imported into the same
//! network after the SSD extract, and the figures cover both.
//!
//! `benches/compare/ssd_import_pandas.py` runs it beside pandas + rustworkx and pandas +
//! networkx reading the same files.

use std::path::PathBuf;
use std::time::Instant;

use patchwork_adapters::agency::{FeedOptions, import_feed};
use patchwork_adapters::ssd::{Flavour, SsdOptions, import_dir};
use patchwork_benches::peak_rss_mib;

fn main() {
    let mut dir: Option<PathBuf> = None;
    let mut agency: Option<PathBuf> = None;
    let mut repeats = 5usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--dir" => dir = args.next().map(PathBuf::from),
            "--agency" => agency = args.next().map(PathBuf::from),
            "--repeats" => repeats = args.next().and_then(|r| r.parse().ok()).unwrap_or(repeats),
            _ => {
                eprintln!("usage: compare_ssd_import --dir SSD_FOLDER [--repeats N]");
                std::process::exit(2);
            }
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: compare_ssd_import --dir SSD_FOLDER [--repeats N]");
        std::process::exit(2);
    };
    let csv_files = |d: &PathBuf| -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(d)
            .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .collect();
        files.sort();
        files
    };
    let feeds = agency.as_ref().map(csv_files).unwrap_or_default();
    let bytes: u64 = csv_files(&dir)
        .iter()
        .chain(&feeds)
        .filter_map(|p| p.metadata().ok())
        .map(|m| m.len())
        .sum();
    let feed_options = FeedOptions::new("lcs");
    let options = SsdOptions::new(Flavour::Lcs);
    let mut times = Vec::new();
    let (mut persons, mut involvements, mut quarantined) = (0, 0, 0);
    for _ in 0..repeats.max(1) {
        let start = Instant::now();
        let mut out = import_dir(&dir, &options).unwrap_or_else(|e| panic!("import failed: {e}"));
        let mut feed_quarantined = 0;
        for feed in &feeds {
            let report = import_feed(&mut out.network, feed, &feed_options)
                .unwrap_or_else(|e| panic!("feed import failed: {e}"));
            feed_quarantined += report.quarantined();
        }
        times.push(start.elapsed().as_secs_f64());
        persons = out.network.person_count();
        involvements = out.network.involvement_count();
        quarantined = out.report.quarantined() + feed_quarantined;
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "{{\"seconds_median\": {median:.4}, \"seconds_all\": {times:?}, \"bytes\": {bytes}, \"mb_per_s\": {:.1}, \"peak_rss_mib\": {:.0}, \"persons\": {persons}, \"involvements\": {involvements}, \"quarantined\": {quarantined}}}",
        bytes as f64 / 1e6 / median,
        peak_rss_mib().unwrap_or(f64::NAN),
    );
}
