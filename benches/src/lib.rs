//! Shared helpers for the benchmarks and the side-by-side comparisons.
//!
//! See `benches/README.md` for how to run them.

use std::time::{Duration, Instant};

use patchwork_adapters::synthetic::{SyntheticCouncil, Tier};
use patchwork_core::PersonKey;
use rand::SeedableRng;
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;

/// The seed every benchmark generates its council with, so runs compare like with like.
pub const SEED: u64 = 2025;

/// The tiers named in `PATCHWORK_BENCH_TIERS` (comma-separated, such as `S,L`), or
/// `default` when the variable is unset or empty.
///
/// # Panics
///
/// When the variable names something other than `S`, `M` or `L`: a typo should stop a
/// benchmark run, not silently skip a tier.
pub fn tiers_from_env(default: &[Tier]) -> Vec<Tier> {
    match std::env::var("PATCHWORK_BENCH_TIERS") {
        Ok(v) if !v.trim().is_empty() => v
            .split(',')
            .map(|t| {
                t.parse()
                    .unwrap_or_else(|e| panic!("PATCHWORK_BENCH_TIERS: {e}"))
            })
            .collect(),
        _ => default.to_vec(),
    }
}

/// `n` children (born or unborn) drawn at random, with repeats, from the council.
pub fn sample_children(council: &SyntheticCouncil, n: usize, seed: u64) -> Vec<PersonKey> {
    let children: Vec<&PersonKey> = council.children().map(|p| &p.key).collect();
    let mut rng = SmallRng::seed_from_u64(seed);
    (0..n)
        .map(|_| (*children.choose(&mut rng).expect("the council has children")).clone())
        .collect()
}

/// Runs `pass` once to warm up, then `repeats` times, and returns the median duration of
/// one pass divided by `per_pass` (the number of operations in a pass).
pub fn median_per_op(repeats: usize, per_pass: usize, mut pass: impl FnMut()) -> Duration {
    pass();
    let mut times: Vec<Duration> = (0..repeats.max(1))
        .map(|_| {
            let start = Instant::now();
            pass();
            start.elapsed() / u32::try_from(per_pass.max(1)).unwrap_or(u32::MAX)
        })
        .collect();
    times.sort_unstable();
    times[times.len() / 2]
}

/// Peak resident memory of this process in MiB (Linux `VmHWM`), if it can be read.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
