//! Criterion bench: importing a generated council's SSD extract from disk.
//!
//! ```text
//! cargo bench -p patchwork-benches --bench ssd_import                          # tier M
//! PATCHWORK_BENCH_TIERS=S cargo bench -p patchwork-benches --bench ssd_import  # quick run
//! ```
//!
//! The extract is written once per tier to `target/bench-data/criterion-<tier>/` (outside
//! the timing); each iteration imports the whole `ssd/` folder into a new network (dropped
//! outside the timing), and the throughput is the total size of its CSV files.

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use patchwork_adapters::ssd::{Flavour, SsdOptions, import_dir};
use patchwork_adapters::synthetic::{self, Tier};
use patchwork_benches::{SEED, tiers_from_env};

fn ssd_import(c: &mut Criterion) {
    for tier in tiers_from_env(&[Tier::M]) {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../target/bench-data")
            .join(format!("criterion-{tier}"));
        let council = synthetic::generate(tier, SEED);
        synthetic::write_council(&council, &dir).expect("the extract is written");
        let ssd = dir.join("ssd");
        let bytes: u64 = std::fs::read_dir(&ssd)
            .expect("the ssd folder exists")
            .filter_map(Result::ok)
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum();
        let options = SsdOptions::new(Flavour::Lcs);
        let mut group = c.benchmark_group(format!("ssd_import_{tier}"));
        group.throughput(Throughput::Bytes(bytes));
        group.sampling_mode(SamplingMode::Flat);
        group
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(match tier {
                Tier::S => 5,
                Tier::M => 20,
                Tier::L => 60,
            }));
        let clean = import_dir(&ssd, &options).expect("the extract imports");
        assert_eq!(
            clean.report.quarantined(),
            0,
            "a generated extract is clean"
        );
        drop(clean);
        // The network is dropped outside the timing.
        group.bench_function("import_dir", |b| {
            b.iter_with_large_drop(|| import_dir(&ssd, &options).expect("the extract imports"));
        });
        group.finish();
    }
}

criterion_group!(benches, ssd_import);
criterion_main!(benches);
