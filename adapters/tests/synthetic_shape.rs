//! The generated council looks like a council: social workers carry realistic caseloads.

use patchwork_adapters::synthetic::{self, Tier};
use patchwork_core::RoleCategory;

#[test]
fn social_workers_carry_about_fifteen_to_twenty_children() {
    let council = synthetic::generate(Tier::S, 2025);
    let today = council.today;
    let net = council.into_network().unwrap();
    let loads: Vec<usize> = net
        .professionals()
        .map(|p| {
            net.caseload(&p.key, today)
                .unwrap()
                .iter()
                .filter(|e| e.involvement.role() == RoleCategory::AllocatedSocialWorker)
                .count()
        })
        .filter(|&n| n > 0)
        .collect();
    assert!(
        loads.len() > 100,
        "{} social workers hold cases",
        loads.len()
    );
    let mean = loads.iter().sum::<usize>() as f64 / loads.len() as f64;
    // Issue 3 asks for caseloads of about 15 to 20; tier S gives 16.0 with seed 2025.
    assert!((13.0..=22.0).contains(&mean), "mean caseload {mean:.1}");
}
