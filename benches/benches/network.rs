//! Criterion benches: building a network from in-memory records, and `team_around`.
//!
//! ```text
//! cargo bench -p patchwork-benches --bench network                          # tiers S and L
//! PATCHWORK_BENCH_TIERS=S cargo bench -p patchwork-benches --bench network  # quick run
//! ```
//!
//! The records are generated once per tier, outside the timing; each build gets a fresh
//! clone of them (also outside the timing) and the network it builds is dropped outside
//! the timing too.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use patchwork_adapters::synthetic::{self, Tier};
use patchwork_benches::{SEED, sample_children, tiers_from_env};

/// How many pre-chosen children `team_around` cycles through: enough that their records
/// do not all stay in the CPU cache between visits, as with a random child in real use.
const KEYS: usize = 1 << 16;

fn network(c: &mut Criterion) {
    for tier in tiers_from_env(&[Tier::S, Tier::L]) {
        let council = synthetic::generate(tier, SEED);
        let today = council.today;
        let keys = sample_children(&council, KEYS, SEED + 1);
        let mut group = c.benchmark_group(format!("tier_{tier}"));

        // Building: a few seconds per iteration at L, so few, flat samples.
        let involvements = council.involvements.len() as u64;
        group.throughput(Throughput::Elements(involvements));
        group.sampling_mode(SamplingMode::Flat);
        match tier {
            Tier::S => group
                .sample_size(30)
                .measurement_time(Duration::from_secs(10)),
            Tier::M | Tier::L => group
                .sample_size(10)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(30)),
        };
        group.bench_function("build_network", |b| {
            b.iter_batched(
                || council.clone(),
                |records| records.into_network().expect("generated records load"),
                BatchSize::PerIteration,
            );
        });

        // One lookup per iteration, cycling through the pre-chosen children.
        let net = council.into_network().expect("generated records load");
        group.throughput(Throughput::Elements(1));
        group.sampling_mode(SamplingMode::Auto);
        group
            .sample_size(100)
            .warm_up_time(Duration::from_secs(2))
            .measurement_time(Duration::from_secs(5));
        let mut i = 0usize;
        group.bench_function("team_around", |b| {
            b.iter(|| {
                let key = &keys[i % KEYS];
                i += 1;
                let team = net.team_around(black_box(key), today).expect("known child");
                black_box(team.len())
            });
        });
        group.finish();
    }
}

criterion_group!(benches, network);
criterion_main!(benches);
