//! `patchwork validate`: the DfE's rules on a CIN census file, before it is returned.

use std::process::ExitCode;

use clap::Args;
use patchwork_adapters::cin::{self, CollectionYear, XmlLimits};

use super::parse_year;

/// Exit code when the file breaks at least one rule.
const EXIT_BROKEN: u8 = 3;

/// Arguments of `patchwork validate`.
#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// The CIN census XML file to check.
    #[arg(long, value_name = "FILE")]
    cin: std::path::PathBuf,
    /// The collection year to check for, by its end year (`2025` or `2024-25`; default:
    /// the year of the file's reference date).
    #[arg(long, value_name = "YYYY", value_parser = parse_year)]
    year: Option<i32>,
    /// One JSON object per failure (rule, child, path, message) instead of the list.
    #[arg(long)]
    json: bool,
}

/// `patchwork validate`: exit 0 when the file breaks no rule, 3 when it breaks some (each
/// printed with its rule code, child and XML path), 1 when it cannot be read.
pub(crate) fn validate(args: &ValidateArgs) -> Result<ExitCode, String> {
    let year = args.year.map(CollectionYear::new);
    let failures = cin::validate_file(&args.cin, year, XmlLimits::default())
        .map_err(|e| format!("validate: {e}"))?;
    for f in &failures {
        if args.json {
            println!("{}", serde_json::to_string(f).map_err(|e| e.to_string())?);
        } else {
            println!(
                "{} child {}: {}: {}",
                f.rule,
                f.child.as_deref().unwrap_or("-"),
                f.path,
                f.message
            );
        }
    }
    let children: std::collections::BTreeSet<&str> =
        failures.iter().filter_map(|f| f.child.as_deref()).collect();
    eprintln!(
        "patchwork validate: {}: {} rule failures, {} children",
        args.cin.display(),
        failures.len(),
        children.len()
    );
    Ok(if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_BROKEN)
    })
}
