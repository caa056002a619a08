//! Criterion benches: what governance costs. Making a [`ViewedNetwork`] for three kinds of
//! viewer, its first reads (which copy the parts it answers from), and `team_around`
//! through a view kept for a session against the same query on the bare network.
//!
//! ```text
//! cargo bench -p patchwork-benches --bench policy                          # tier S
//! PATCHWORK_BENCH_TIERS=S,M cargo bench -p patchwork-benches --bench policy
//! ```
//!
//! The council is generated and loaded once per tier, outside the timing.

use std::hint::black_box;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use patchwork_adapters::synthetic::{self, Tier};
use patchwork_benches::{SEED, sample_children, tiers_from_env};
use patchwork_core::{Grants, Policy, Purpose, ViewedNetwork, Viewer};

const KEYS: usize = 1 << 12;

fn policy(c: &mut Criterion) {
    for tier in tiers_from_env(&[Tier::S]) {
        let council = synthetic::generate(tier, SEED);
        let today = council.today;
        let keys = sample_children(&council, KEYS, SEED + 1);
        let net = council.into_network().expect("generated records load");
        let at = Utc.from_utc_datetime(&today.and_hms_opt(10, 0, 0).unwrap());
        let policy = Policy::practice_defaults("bench");
        let grants = Grants::default();
        // A practitioner with a caseload: the lead of the first sampled child that has one.
        let worker = keys
            .iter()
            .find_map(|k| {
                let team = net.team_around(k, today).ok()?;
                team.lead()?.professional.map(|p| p.key.clone())
            })
            .expect("some sampled child has a lead");
        let practitioner =
            Viewer::for_professional(&net, &worker, "practitioner", Purpose::DirectWork)
                .expect("known professional");
        let front_door =
            Viewer::for_professional(&net, &worker, "front_door", Purpose::Safeguarding)
                .expect("known professional");
        let admin = Viewer::administrative("bench", Purpose::Analysis);

        let mut group = c.benchmark_group(format!("policy_tier_{tier}"));
        group
            .sample_size(20)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(8));
        // Making a view: one pass over the persons; nothing is copied yet.
        for (name, viewer) in [
            ("view_practitioner", &practitioner),
            ("view_front_door", &front_door),
            ("view_administrative", &admin),
        ] {
            group.bench_function(name, |b| {
                b.iter(|| {
                    let view: ViewedNetwork<'_> = net.view(black_box(viewer), &policy, &grants, at);
                    black_box(view.as_of())
                });
            });
        }
        // A fresh view and its first read: about one child (copies the part around the
        // child), and a caseload (copies everything the viewer may see).
        let mut i = 0usize;
        group.bench_function("first_team_around_front_door", |b| {
            b.iter(|| {
                i += 1;
                let view = net.view(&front_door, &policy, &grants, at);
                let read = view.team_around(black_box(&keys[i % KEYS]));
                black_box(read.result.is_ok())
            });
        });
        for (name, viewer) in [
            ("first_caseload_practitioner", &practitioner),
            ("first_caseload_front_door", &front_door),
        ] {
            group.bench_function(name, |b| {
                b.iter(|| {
                    let view = net.view(viewer, &policy, &grants, at);
                    let read = view.caseload(black_box(&worker));
                    black_box(read.result.map(|c| c.len()).ok())
                });
            });
        }

        // One lookup per iteration on a view kept for the session, cycling through random
        // children: most are existence only for the practitioner, full for the others.
        group
            .sample_size(100)
            .measurement_time(Duration::from_secs(5));
        let mut i = 0usize;
        group.bench_function("team_around_bare", |b| {
            b.iter(|| {
                i += 1;
                let team = net
                    .team_around(black_box(&keys[i % KEYS]), today)
                    .expect("known");
                black_box(team.len())
            });
        });
        for (name, viewer) in [
            ("team_around_viewed_practitioner", &practitioner),
            ("team_around_viewed_front_door", &front_door),
            ("team_around_viewed_administrative", &admin),
        ] {
            let view = net.view(viewer, &policy, &grants, at);
            let mut i = 0usize;
            group.bench_function(name, |b| {
                b.iter(|| {
                    i += 1;
                    let read = view.team_around(black_box(&keys[i % KEYS]));
                    black_box((read.result.is_ok(), read.record.disclosed.len()))
                });
            });
        }
        group.finish();
    }
}

criterion_group!(benches, policy);
criterion_main!(benches);
