//! Criterion bench: importing a generated council's CIN census (2024-25) from disk.
//!
//! ```text
//! cargo bench -p patchwork-benches --bench cin_import                          # tier M
//! PATCHWORK_BENCH_TIERS=S cargo bench -p patchwork-benches --bench cin_import  # quick run
//! ```
//!
//! The census is written once per tier to `target/bench-data/criterion-cin-<tier>.xml`
//! (outside the timing); each iteration imports it into a new network, and the throughput
//! is the file's size.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use patchwork_adapters::cin::{self, CinOptions, CollectionYear};
use patchwork_adapters::synthetic::{self, Tier};
use patchwork_benches::{SEED, tiers_from_env};

fn cin_import(c: &mut Criterion) {
    for tier in tiers_from_env(&[Tier::M]) {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../target/bench-data")
            .join(format!("criterion-cin-{tier}.xml"));
        let mut council = synthetic::generate(tier, SEED);
        cin::add_census_details(&mut council, SEED);
        let net = council.into_network().expect("the council loads");
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("dir");
        let file = std::fs::File::create(&path).expect("the census file is created");
        cin::export(&net, CollectionYear::new(2025), file).expect("the census is written");
        drop(net);
        let bytes = std::fs::metadata(&path).expect("written").len();
        let mut group = c.benchmark_group("cin_import");
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(10));
        group.throughput(Throughput::Bytes(bytes));
        let options = CinOptions::new("la");
        group.bench_function(format!("tier_{tier}"), |b| {
            b.iter_with_large_drop(|| cin::import_file(&path, &options).expect("imports"))
        });
        group.finish();
    }
}

criterion_group!(benches, cin_import);
criterion_main!(benches);
