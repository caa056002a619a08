//! The CIN census of a small synthetic council (tier S): generate the council, fill in the
//! census details its case-system extract does not carry, and write the census for
//! 2024-25 and 2025-26 to `OUTDIR/cin/2025.xml` and `OUTDIR/cin/2026.xml`.
//!
//! ```text
//! cargo run -p patchwork-examples --example cin_census -- OUTDIR
//! ```

use std::path::PathBuf;

use patchwork_adapters::cin::{self, CollectionYear};
use patchwork_adapters::synthetic::{self, Tier};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "cin-out".into()));
    let mut council = synthetic::generate(Tier::S, 2025);
    cin::add_census_details(&mut council, 2025);
    let net = council.into_network()?;
    let years = [CollectionYear::new(2025), CollectionYear::new(2026)];
    for (path, summary) in cin::write_census_dir(&net, &dir, &years)? {
        println!(
            "{}: {} children, {} CIN episodes, {} assessments, {} section 47, {} CP plans",
            path.display(),
            summary.children,
            summary.cin_episodes,
            summary.assessments,
            summary.section47,
            summary.cp_plans
        );
    }
    Ok(())
}
