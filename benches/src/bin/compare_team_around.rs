//! Generates a tier, writes its involvements and a sample of children as CSV for the
//! networkx comparison (`benches/compare/team_around_networkx.py`), and times our
//! `team_around` over the same children.
//!
//! ```text
//! cargo run --release -p patchwork-benches --bin compare_team_around -- [--tier M] [--out target/bench-data] [--samples 10000] [--repeats 7]
//! ```
//!
//! Files written to the output folder:
//!
//! * `involvements.csv`: `person,professional,start,end,role` (the professional column
//!   holds the team's id for a team-only involvement; `end` is empty while open);
//! * `children.csv`: `person,as_of`, the sampled children in lookup order.
//!
//! The last line of output is `ours_median_ns_per_lookup=<ns>`, which the script reads.

use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

use patchwork_adapters::synthetic::{self, Tier};
use patchwork_benches::{SEED, median_per_op, peak_rss_mib, sample_children};

struct Args {
    tier: Tier,
    out: PathBuf,
    samples: usize,
    repeats: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        tier: Tier::M,
        out: PathBuf::from("target/bench-data"),
        samples: 10_000,
        repeats: 7,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--tier" => args.tier = value()?.parse().map_err(|e| format!("{e}"))?,
            "--out" => args.out = PathBuf::from(value()?),
            "--samples" => {
                args.samples = value()?.parse().map_err(|e| format!("--samples: {e}"))?
            }
            "--repeats" => {
                args.repeats = value()?.parse().map_err(|e| format!("--repeats: {e}"))?
            }
            "-h" | "--help" => {
                return Err("usage: compare_team_around [--tier S|M|L] [--out DIR] [--samples N] [--repeats N]".into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args().map_err(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    })?;
    let started = Instant::now();
    let council = synthetic::generate(args.tier, SEED);
    let today = council.today;
    let children = sample_children(&council, args.samples, SEED + 1);
    println!(
        "tier {}: {} persons, {} involvements, {} professionals (generated in {:.1?})",
        args.tier,
        council.persons.len(),
        council.involvements.len(),
        council.professionals.len(),
        started.elapsed()
    );

    std::fs::create_dir_all(&args.out)?;
    let mut w = BufWriter::new(File::create(args.out.join("involvements.csv"))?);
    writeln!(w, "person,professional,start,end,role")?;
    for i in &council.involvements {
        let from = match (&i.professional, &i.team) {
            (Some(p), _) => p.id(),
            (None, Some(t)) => t.id(),
            (None, None) => continue,
        };
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        writeln!(
            w,
            "{},{},{},{},{}",
            i.person.id(),
            from,
            date(i.period.start),
            date(i.period.end),
            i.role.category
        )?;
    }
    w.flush()?;
    let mut w = BufWriter::new(File::create(args.out.join("children.csv"))?);
    writeln!(w, "person,as_of")?;
    for c in &children {
        writeln!(w, "{},{today}", c.id())?;
    }
    w.flush()?;
    println!("wrote {}", args.out.display());

    let started = Instant::now();
    let net = council.into_network()?;
    println!("built the network in {:.2?}", started.elapsed());

    let median = median_per_op(args.repeats, children.len(), || {
        let mut members = 0usize;
        for c in &children {
            members += net.team_around(black_box(c), today).map_or(0, |t| t.len());
        }
        black_box(members);
    });
    let members: usize = children
        .iter()
        .map(|c| net.team_around(c, today).map_or(0, |t| t.len()))
        .sum();
    println!(
        "team_around over {} children ({} active involvements found), {} repeats",
        children.len(),
        members,
        args.repeats
    );
    if let Some(mib) = peak_rss_mib() {
        println!("peak memory {mib:.0} MiB");
    }
    println!("ours_members_found={members}");
    println!("ours_median_ns_per_lookup={:.1}", median.as_nanos() as f64);
    Ok(())
}
