//! Criterion benches of the governance side of the store: appending audit entries (one
//! per transaction, and in batches), verifying the chain, a subject-access bundle and a
//! retention sweep.
//!
//! ```text
//! cargo bench -p patchwork-benches --bench governance                          # tier S
//! PATCHWORK_BENCH_TIERS=M cargo bench -p patchwork-benches --bench governance  # tier M
//! ```
//!
//! Stores are files under the system's temporary folder (`synchronous=FULL`, WAL), made
//! outside the timing. Timings depend on the disk: every committed append waits for it.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use patchwork_adapters::store::{Actor, AuditCategory, AuditEntry, RetentionSchedule, Store};
use patchwork_adapters::synthetic::{self, Tier};
use patchwork_benches::{SEED, sample_children, tiers_from_env};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("patchwork-bench-gov-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

fn entry(i: u64, child: &patchwork_core::PersonKey) -> AuditEntry {
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
        + chrono::Duration::milliseconds(i as i64);
    AuditEntry::new(
        at,
        Actor::Viewer(format!("lcs:W{}", i % 3000)),
        AuditCategory::Consultation,
        "team around the child",
    )
    .with_subject(child.clone())
    .with_detail(&("team", i % 7))
    .unwrap()
}

fn governance(c: &mut Criterion) {
    for tier in tiers_from_env(&[Tier::S]) {
        let council = synthetic::generate(tier, SEED);
        let children = sample_children(&council, 1 << 12, SEED + 2);
        let net = council.into_network().expect("generated records load");
        let mut group = c.benchmark_group(format!("governance_{tier}"));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(10));

        // Appends: one committed transaction per entry, and 1,000 entries per transaction.
        let mut store = Store::open(scratch("append.sqlite")).unwrap();
        let mut n = 0u64;
        group.throughput(Throughput::Elements(1));
        group.bench_function("audit_append_one", |b| {
            b.iter(|| {
                n += 1;
                store
                    .append_audit(&entry(n, &children[n as usize % children.len()]))
                    .unwrap()
            });
        });
        group.throughput(Throughput::Elements(1000));
        group.bench_function("audit_append_batch_1000", |b| {
            b.iter_batched(
                || {
                    (0..1000)
                        .map(|_| {
                            n += 1;
                            entry(n, &children[n as usize % children.len()])
                        })
                        .collect::<Vec<_>>()
                },
                |batch| store.append_audit_all(&batch).unwrap(),
                criterion::BatchSize::PerIteration,
            );
        });
        drop(store);

        // Verify a trail of 100,000 entries.
        let mut store = Store::open(scratch("verify.sqlite")).unwrap();
        for chunk in 0..100u64 {
            let batch: Vec<AuditEntry> = (0..1000)
                .map(|i| {
                    let k = chunk * 1000 + i;
                    entry(k, &children[k as usize % children.len()])
                })
                .collect();
            store.append_audit_all(&batch).unwrap();
        }
        group.throughput(Throughput::Elements(100_000));
        group.bench_function("audit_verify_100k", |b| {
            b.iter(|| {
                let v = store.verify_audit().unwrap();
                assert!(v.is_intact());
                black_box(v.entries)
            });
        });

        // The same store, with the tier's network: a subject-access bundle (no file
        // writing) and a retention sweep (dry run: the same reading and counting as a
        // purge, nothing deleted).
        store.save(&net).unwrap();
        // Saving the whole network again (what the nightly import does), for the cost
        // of the indexes the governance queries use.
        group.throughput(Throughput::Elements(net.involvement_count() as u64));
        group.bench_function("save_network", |b| {
            b.iter(|| store.save(&net).unwrap());
        });
        let schedule = RetentionSchedule::default();
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
        group.throughput(Throughput::Elements(1));
        let mut i = 0usize;
        group.bench_function("subject_access", |b| {
            b.iter(|| {
                i += 1;
                let bundle = store
                    .subject_access(&children[i % children.len()], Some(&schedule), at)
                    .unwrap();
                black_box(bundle.audit.len())
            });
        });
        group.throughput(Throughput::Elements(net.person_count() as u64));
        group.bench_function("retention_sweep_dry_run", |b| {
            b.iter(|| {
                let r = store
                    .purge(
                        &schedule,
                        NaiveDate::from_ymd_opt(2060, 1, 1).unwrap(),
                        true,
                        at,
                        Actor::System("bench".into()),
                    )
                    .unwrap();
                black_box(r.persons.len())
            });
        });
        group.finish();
        drop(store);
    }
    let _ = std::fs::remove_dir_all(
        std::env::temp_dir().join(format!("patchwork-bench-gov-{}", std::process::id())),
    );
}

criterion_group!(benches, governance);
criterion_main!(benches);
