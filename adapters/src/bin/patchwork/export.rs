//! `patchwork export`: the stored network as an SSD CSV folder or one JSON document; with
//! `--viewer`, only the viewer's snapshot of it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use patchwork_adapters::redaction::{DateGrain, PseudonymKey, Redaction};
use patchwork_adapters::ssd::{self, ExportOptions, Flavour};
use patchwork_adapters::{cin, ssda903};
use patchwork_core::{
    Activity, Agency, Episode, IdentityLink, Involvement, Network, Period, Person, PersonKey,
    Professional, Relationship, Team, ViewExport,
};
use serde::Serialize;

use patchwork_adapters::store::AuditCategory;

use super::audit::{Subjects, load_audited, now, record};
use super::viewer::{Mode, record_access};
use super::{ExportArgs, ExportFormat};

/// The document `--format json` writes: every record kind, each in the order the records
/// were added to the network (household members by person key), records serialised as
/// the core serialises them (keys as `system:id`, dates as `YYYY-MM-DD` or `null`).
#[derive(Debug, Serialize)]
struct Document<'n> {
    /// Always `patchwork-network`.
    format: &'static str,
    /// The version of this layout.
    version: u32,
    agencies: Vec<&'n Agency>,
    teams: Vec<&'n Team>,
    professionals: Vec<&'n Professional>,
    persons: Vec<&'n Person>,
    households: Vec<HouseholdDoc<'n>>,
    relationships: Vec<&'n Relationship>,
    episodes: Vec<&'n Episode>,
    activities: Vec<&'n Activity>,
    involvements: Vec<Involvement>,
    identity_links: Vec<&'n IdentityLink>,
}

/// A household with its members.
#[derive(Debug, Serialize)]
struct HouseholdDoc<'n> {
    #[serde(flatten)]
    household: &'n patchwork_core::Household,
    members: Vec<MemberDoc<'n>>,
}

/// One household member and the period of membership.
#[derive(Debug, Serialize)]
struct MemberDoc<'n> {
    person: &'n PersonKey,
    period: Period,
}

/// The redaction options of `patchwork export` (SSD format only; formulas are always
/// neutralised in CSV).
#[derive(Debug, clap::Args)]
pub(crate) struct RedactionArgs {
    /// Replace person ids and identifiers with keyed-hash pseudonyms (and leave names
    /// empty), keyed by the bytes of this file (at least 16; keep it secret and apart
    /// from the export).
    #[arg(long, value_name = "KEYFILE")]
    pseudonymise_key: Option<std::path::PathBuf>,
    /// Write dates to the month (`2024-07`) or year (`2024`).
    #[arg(long, value_name = "month|year", value_parser = ["month", "year"])]
    coarsen_dates: Option<String>,
    /// Write postcodes as their district (`SW1A`).
    #[arg(long)]
    postcode_district: bool,
}

impl RedactionArgs {
    fn redaction(&self) -> Result<Redaction, String> {
        let pseudonymise = match &self.pseudonymise_key {
            None => None,
            Some(path) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| format!("export: {}: cannot read the key: {e}", path.display()))?;
                Some(
                    PseudonymKey::new(bytes)
                        .map_err(|e| format!("export: {}: {e}", path.display()))?,
                )
            }
        };
        Ok(Redaction {
            pseudonymise,
            dates: match self.coarsen_dates.as_deref() {
                Some("month") => DateGrain::Month,
                Some("year") => DateGrain::Year,
                _ => DateGrain::Day,
            },
            postcode_district: self.postcode_district,
            small_counts: None,
        })
    }
}

/// `patchwork export`.
pub(crate) fn export(args: &ExportArgs) -> Result<ExitCode, String> {
    let redaction = args.redaction.redaction()?;
    if redaction.is_active() && args.format != ExportFormat::Ssd {
        return Err("export: redaction options apply to --format ssd only".to_owned());
    }
    let (mut store, net) = load_audited("export", &args.store)?;
    let format = match args.format {
        ExportFormat::Ssd => "ssd",
        ExportFormat::Json => "json",
        ExportFormat::Cin => "cin",
        ExportFormat::Ssda903 => "ssda903",
    };
    let viewing = match args.viewer.mode("export", &net, &store) {
        Ok(Mode::Viewer(v)) => v,
        Ok(Mode::Administrative) => {
            // Recorded before anything is written: a disclosure that cannot be audited
            // does not happen.
            record(
                &mut store,
                "export",
                AuditCategory::Disclosure,
                "export",
                Subjects::Everyone,
                serde_json::json!({
                    "format": format,
                    "out": args.out.display().to_string(),
                    "persons": net.person_count(),
                    "pseudonymised": redaction.pseudonymise.is_some(),
                    "dates": format!("{:?}", redaction.dates).to_lowercase(),
                    "postcode_district": redaction.postcode_district,
                }),
            )?;
            return write(&net, args, redaction).map(|()| ExitCode::SUCCESS);
        }
        Err(code) => return Ok(code),
    };
    // A viewer's export is their view's snapshot, made into a network of its own so that
    // both formats write exactly it and nothing more.
    let view = net.view(&viewing.viewer, &viewing.policy, &viewing.grants, now());
    let (snapshot, access) = view.export().into_parts();
    let part = snapshot
        .and_then(|s| snapshot_network(&s))
        .map_err(|e| format!("export: cannot make the viewer's snapshot: {e}"))?;
    // Recorded before anything is written, as above.
    record_access(
        &mut store,
        "export",
        &access,
        serde_json::json!({
            "format": format,
            "year": args.year,
            "out": args.out.display().to_string(),
            "persons": part.person_count(),
            "pseudonymised": redaction.pseudonymise.is_some(),
            "dates": format!("{:?}", redaction.dates).to_lowercase(),
            "postcode_district": redaction.postcode_district,
        }),
    )?;
    write(&part, args, redaction).map(|()| ExitCode::SUCCESS)
}

/// Writes `net` in the format asked for.
fn write(net: &Network, args: &ExportArgs, redaction: Redaction) -> Result<(), String> {
    let year = || {
        args.year
            .ok_or("export: --year is required for this format")
    };
    match args.format {
        ExportFormat::Ssd => export_ssd(net, &args.out, redaction),
        ExportFormat::Json => export_json(net, &args.out),
        ExportFormat::Cin => export_cin(net, &args.out, year()?),
        ExportFormat::Ssda903 => export_ssda903(net, &args.out, year()?),
    }
}

/// A viewer's export snapshot as a network: every record it holds, in its order, and
/// nothing else (no identity links: a snapshot holds none).
fn snapshot_network(snapshot: &ViewExport<'_>) -> Result<Network, patchwork_core::Error> {
    let mut net = Network::new();
    for a in &snapshot.agencies {
        net.add_agency((*a).clone())?;
    }
    for t in &snapshot.teams {
        net.add_team((*t).clone())?;
    }
    for p in &snapshot.professionals {
        net.add_professional((*p).clone())?;
    }
    for p in &snapshot.persons {
        net.add_person((*p).clone())?;
    }
    for i in &snapshot.involvements {
        net.add_involvement(i.to_record())?;
    }
    for e in &snapshot.episodes {
        net.add_episode((*e).clone())?;
    }
    for a in &snapshot.activities {
        net.add_activity((*a).clone())?;
    }
    for r in &snapshot.relationships {
        net.add_relationship((*r).clone())?;
    }
    for h in &snapshot.households {
        net.add_household(h.household.clone())?;
        for (person, period) in &h.members {
            net.add_household_member(&h.household.key, person, *period)?;
        }
    }
    Ok(net)
}

/// Writes the CIN census of the collection year ending in `year`.
fn export_cin(net: &Network, out: &Path, year: i32) -> Result<(), String> {
    let failed = |e: &dyn std::fmt::Display| format!("export: {}: {e}", out.display());
    let file = File::create(out).map_err(|e| failed(&e))?;
    let mut writer = BufWriter::new(file);
    let summary = cin::export(net, cin::CollectionYear::new(year), &mut writer)
        .map_err(|e| format!("export: {e}"))?;
    writer.flush().map_err(|e| failed(&e))?;
    eprintln!(
        "patchwork export: the CIN census {}-{:02} -> {}: {} children, {} CIN episodes, {} assessments, {} section 47 enquiries, {} child protection plans",
        year - 1,
        year % 100,
        out.display(),
        summary.children,
        summary.cin_episodes,
        summary.assessments,
        summary.section47,
        summary.cp_plans
    );
    for (element, n) in &summary.defaults_used {
        eprintln!(
            "patchwork export: {element}: {n} required values the network does not hold; the census default was written"
        );
    }
    Ok(())
}

/// Writes the SSDA903 return of the collection year ending in `year`, and what the DfE's
/// validator would object to.
fn export_ssda903(net: &Network, out: &Path, year: i32) -> Result<(), String> {
    let summary = ssda903::export_dir(net, out, ssda903::CollectionYear(year))
        .map_err(|e| format!("export: {e}"))?;
    eprintln!(
        "patchwork export: the SSDA903 return {}-{:02}: {} rows in {} files -> {}",
        year - 1,
        year % 100,
        summary.rows.values().sum::<u64>(),
        summary.rows.len(),
        out.display()
    );
    for warning in &summary.warnings {
        eprintln!("patchwork export: the DfE's validator would object: {warning}");
    }
    Ok(())
}

/// Writes the SSD CSV folder (LCS layout) and reports what it could not carry on stderr.
fn export_ssd(net: &Network, out: &Path, redaction: Redaction) -> Result<(), String> {
    let mut options = ExportOptions::new(Flavour::Lcs);
    options.redaction = redaction;
    let summary = ssd::export_dir(net, out, &options).map_err(|e| format!("export: {e}"))?;
    let rows: u64 = summary.rows.values().sum();
    eprintln!(
        "patchwork export: {} rows in {} tables -> {}; {} records of other systems skipped",
        rows,
        summary.rows.len(),
        out.display(),
        summary.other_systems
    );
    for (what, count) in &summary.not_carried {
        eprintln!("patchwork export: not carried by the SSD layout: {what}: {count}");
    }
    let neutralised: u64 = summary.neutralised.values().sum();
    if neutralised > 0 {
        eprintln!(
            "patchwork export: {neutralised} cells that would start a spreadsheet formula written with a leading apostrophe"
        );
    }
    Ok(())
}

/// Writes one pretty-printed JSON document (see [`Document`]).
fn export_json(net: &Network, out: &Path) -> Result<(), String> {
    let households = net
        .households()
        .map(|household| {
            let members = net
                .household_members(&household.key)
                .unwrap_or_default()
                .into_iter()
                .map(|(person, period)| MemberDoc {
                    person: &person.key,
                    period,
                })
                .collect();
            HouseholdDoc { household, members }
        })
        .collect();
    let doc = Document {
        format: "patchwork-network",
        version: 1,
        agencies: net.agencies().collect(),
        teams: net.teams().collect(),
        professionals: net.professionals().collect(),
        persons: net.persons().collect(),
        households,
        relationships: net.relationships().collect(),
        episodes: net.episodes().collect(),
        activities: net.activities().collect(),
        involvements: net.involvements().map(|i| i.to_record()).collect(),
        identity_links: net.identity_links().collect(),
    };
    let failed =
        |e: &dyn std::fmt::Display| format!("export: {}: cannot write: {e}", out.display());
    let file = File::create(out).map_err(|e| failed(&e))?;
    let mut writer = BufWriter::new(file);
    serde_json::to_writer_pretty(&mut writer, &doc).map_err(|e| failed(&e))?;
    writer
        .write_all(b"\n")
        .and_then(|()| writer.flush())
        .map_err(|e| failed(&e))?;
    eprintln!(
        "patchwork export: {} persons, {} professionals, {} involvements -> {}",
        doc.persons.len(),
        doc.professionals.len(),
        doc.involvements.len(),
        out.display()
    );
    Ok(())
}
