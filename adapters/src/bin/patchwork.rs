//! `patchwork`: the command-line program nightly jobs run.
//!
//! ```text
//! patchwork generate --tier S --seed 2025 --out ./patchwork-sample
//! ```
//!
//! Subcommands:
//!
//! * `generate`: writes a synthetic council's files (`DIR/ssd/*.csv`, the council's
//!   Standard Safeguarding Dataset extract, and `DIR/agency/*.csv`, one partner-agency
//!   feed per agency). The same tier and seed always give the same bytes.
//!
//! Exit codes: 0 success; 2 a usage error (unknown flag, bad value); 1 any other failure,
//! with a message naming the path concerned.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use patchwork_adapters::synthetic::{self, Tier};

/// The network of professional support around children: import, query and sample data.
#[derive(Debug, Parser)]
#[command(name = "patchwork", version, about)]
struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Write a synthetic council's files: DIR/ssd/*.csv and DIR/agency/*.csv.
    Generate(GenerateArgs),
}

/// Arguments of `patchwork generate`.
#[derive(Debug, Args)]
struct GenerateArgs {
    /// Size of the council: S (20k persons), M (150k) or L (1M).
    #[arg(long, default_value = "S", value_parser = parse_tier)]
    tier: Tier,
    /// Seed of the generator: the same seed gives the same files.
    #[arg(long, default_value_t = 2025)]
    seed: u64,
    /// Folder to write into (created if missing; files of the same names are replaced).
    #[arg(long, default_value = "./patchwork-sample")]
    out: PathBuf,
}

fn parse_tier(text: &str) -> Result<Tier, String> {
    text.parse()
        .map_err(|e: synthetic::UnknownTier| e.to_string())
}

fn main() -> ExitCode {
    // Usage errors exit with 2 (clap's default) before anything runs.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate(args) => generate(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("patchwork: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `patchwork generate`: generates the council and writes its files, then prints one
/// line of summary to stderr.
fn generate(args: &GenerateArgs) -> Result<(), String> {
    let started = Instant::now();
    let council = synthetic::generate(args.tier, args.seed);
    let (persons, children) = (council.persons.len(), council.children().count());
    let summary = synthetic::write_council(&council, &args.out)
        .map_err(|e| format!("generate: cannot write to {}: {e}", args.out.display()))?;
    eprintln!(
        "patchwork generate: tier {} seed {}: {} children (of {persons} persons in memory) -> {} ({} files: ssd/, agency/), {} rows, {:.1} MB in {:.1} s",
        args.tier,
        args.seed,
        children,
        args.out.display(),
        summary.files,
        summary.rows,
        summary.bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
    );
    Ok(())
}
