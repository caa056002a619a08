//! `patchwork audit`, `patchwork subject-access`, `patchwork retention`, and the audit
//! entry every other command appends.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use patchwork_adapters::store::{
    Actor, AuditCategory, AuditEntry, AuditQuery, RetentionSchedule, Store, StoredAuditEntry,
};
use patchwork_core::{Network, PersonKey};

use super::{parse_date, split_key};

/// Exit code of `audit verify` when the trail is broken or unprotected.
const EXIT_BROKEN: u8 = 4;

/// Arguments of `patchwork audit`.
#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// What to do with the audit trail.
    #[command(subcommand)]
    command: AuditCommand,
}

/// The `audit` subcommands.
#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the hash chain of the audit trail: exit 0 when intact, 4 naming the first
    /// broken entry otherwise.
    Verify(VerifyArgs),
    /// List audit entries: about a person, by a professional, since a date.
    Log(LogArgs),
}

/// Arguments of `patchwork audit verify`.
#[derive(Debug, Args)]
struct VerifyArgs {
    /// The store file.
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
}

/// Arguments of `patchwork audit log`.
#[derive(Debug, Args)]
struct LogArgs {
    /// The store file.
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// Only entries about this person (`system:id`; a bare id is in `lcs`): who looked
    /// at them, including whole-store reads and exports.
    #[arg(long, value_name = "ID", conflicts_with = "professional")]
    person: Option<String>,
    /// Only entries by this actor (a professional's key as given with `--viewer`, or an
    /// administrative actor's id).
    #[arg(long, value_name = "ID")]
    professional: Option<String>,
    /// Only entries on or after this date (UTC), YYYY-MM-DD.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    since: Option<NaiveDate>,
    /// Only entries of this category (consultation, disclosure, override, import...).
    #[arg(long, value_name = "CATEGORY")]
    category: Option<AuditCategory>,
    /// One JSON object per line instead of the readable list.
    #[arg(long)]
    json: bool,
}

/// Arguments of `patchwork subject-access`.
#[derive(Debug, Args)]
pub(crate) struct SubjectAccessArgs {
    /// The store file.
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// The person (`system:id`; a bare id is in `lcs`).
    #[arg(long, value_name = "ID")]
    person: String,
    /// The folder to write the bundle into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The retention schedule (JSON) for the disposal date (default: Patchwork's
    /// default schedule).
    #[arg(long, value_name = "FILE.json")]
    schedule: Option<PathBuf>,
}

/// Arguments of `patchwork retention`.
#[derive(Debug, Args)]
pub(crate) struct RetentionArgs {
    /// What to do.
    #[command(subcommand)]
    command: RetentionCommand,
}

/// The `retention` subcommands.
#[derive(Debug, Subcommand)]
enum RetentionCommand {
    /// Dispose of every record whose retention period has ended on --as-of.
    Purge(PurgeArgs),
    /// Print the default retention schedule as JSON (a starting point for a council's
    /// own).
    Schedule,
}

/// Arguments of `patchwork retention purge`.
#[derive(Debug, Args)]
struct PurgeArgs {
    /// The store file.
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// The date to purge for, YYYY-MM-DD: records whose disposal date is on or before it go.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: NaiveDate,
    /// The retention schedule (JSON, as `retention schedule` prints it; default:
    /// Patchwork's default schedule).
    #[arg(long, value_name = "FILE.json")]
    schedule: Option<PathBuf>,
    /// Report what would go, change nothing.
    #[arg(long)]
    dry_run: bool,
}

/// The actor of a command run without a viewer: an administrative or analyst operation,
/// named by the operating-system user as far as known.
pub(crate) fn cli_actor() -> Actor {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    Actor::Administrative(format!("cli:{user}"))
}

/// The time of an audit entry (the program may read the clock; the library never does).
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Opens an existing store (never creates one).
pub(crate) fn open_existing(command: &str, path: &Path) -> Result<Store, String> {
    if !path.is_file() {
        return Err(format!("{command}: {}: no such store file", path.display()));
    }
    Store::open(path).map_err(|e| format!("{command}: cannot open the store: {e}"))
}

/// Opens an existing store and loads its network, keeping the store open for the audit
/// entry of the read.
pub(crate) fn load_audited(command: &str, path: &Path) -> Result<(Store, Network), String> {
    let store = open_existing(command, path)?;
    let net = store
        .load()
        .map_err(|e| format!("{command}: cannot read the store: {e}"))?;
    Ok((store, net))
}

/// Appends the audit entry of one command run without a viewer. A command whose entry
/// cannot be written fails before showing anything.
pub(crate) fn record(
    store: &mut Store,
    command: &str,
    category: AuditCategory,
    purpose: &str,
    subjects: Subjects,
    detail: serde_json::Value,
) -> Result<(), String> {
    let mut entry = AuditEntry::new(now(), cli_actor(), category, purpose);
    match subjects {
        Subjects::These(keys) => entry.subjects = keys,
        Subjects::Everyone => entry.all_subjects = true,
    }
    let mut detail = detail;
    if let serde_json::Value::Object(map) = &mut detail {
        map.insert("command".into(), command.into());
    }
    entry.detail = detail;
    store
        .append_audit(&entry)
        .map(|_| ())
        .map_err(|e| format!("{command}: cannot write the audit entry (nothing shown): {e}"))
}

/// Whose data a command read.
pub(crate) enum Subjects {
    /// These persons.
    These(Vec<PersonKey>),
    /// Every person in the store.
    Everyone,
}

/// `patchwork audit`.
pub(crate) fn audit(args: &AuditArgs) -> Result<ExitCode, String> {
    match &args.command {
        AuditCommand::Verify(a) => verify(a),
        AuditCommand::Log(a) => log(a).map(|()| ExitCode::SUCCESS),
    }
}

fn verify(args: &VerifyArgs) -> Result<ExitCode, String> {
    let store = open_existing("audit verify", &args.store)?;
    let v = store
        .verify_audit()
        .map_err(|e| format!("audit verify: {e}"))?;
    let file = args.store.display();
    if let Some(b) = &v.broken {
        eprintln!(
            "patchwork audit verify: {file}: BROKEN at entry {}: {} ({} entries intact before it)",
            b.seq, b.problem, v.entries
        );
    }
    for t in &v.missing_triggers {
        eprintln!(
            "patchwork audit verify: {file}: the append-only trigger {t} is missing: nothing stops a change"
        );
    }
    if !v.is_intact() {
        return Ok(ExitCode::from(EXIT_BROKEN));
    }
    println!(
        "{file}: audit trail intact: {} entries; head {}",
        v.entries,
        v.head.as_deref().unwrap_or("(empty)")
    );
    Ok(ExitCode::SUCCESS)
}

fn log(args: &LogArgs) -> Result<(), String> {
    let mut store = open_existing("audit log", &args.store)?;
    let person = args.person.as_deref().map(|p| {
        let (system, id) = split_key(p);
        PersonKey::new(system, id)
    });
    let query = AuditQuery {
        person: person.clone(),
        actor: args.professional.clone(),
        categories: args.category.into_iter().collect(),
        since: args
            .since
            .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
        until: None,
    };
    let entries = store
        .audit_entries(&query)
        .map_err(|e| format!("audit log: {e}"))?;
    // Reading the audit trail is itself audited.
    record(
        &mut store,
        "audit log",
        AuditCategory::Consultation,
        "audit review",
        Subjects::These(Vec::new()),
        serde_json::json!({
            "object": "audit_log",
            "person": person.map(|p| p.to_string()),
            "professional": args.professional,
            "since": args.since,
            "category": args.category,
            "entries": entries.len(),
        }),
    )?;
    let mut text = String::new();
    if args.json {
        for e in &entries {
            text.push_str(&serde_json::to_string(e).map_err(|e| format!("audit log: {e}"))?);
            text.push('\n');
        }
    } else {
        text.push_str(&format!("{} audit entries\n", entries.len()));
        for e in &entries {
            text.push_str(&readable(e));
        }
    }
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("audit log: cannot write to stdout: {e}"))
}

fn readable(e: &StoredAuditEntry) -> String {
    let whom = if e.scope == "all" {
        "everyone".to_owned()
    } else if e.subjects.is_empty() {
        "-".to_owned()
    } else if e.subjects.len() > 5 {
        format!(
            "{} and {} more",
            e.subjects[..5].join(","),
            e.subjects.len() - 5
        )
    } else {
        e.subjects.join(",")
    };
    format!(
        "#{} {} {}:{} {} \"{}\" about {} {}\n",
        e.seq, e.at, e.actor_kind, e.actor, e.category, e.purpose, whom, e.detail
    )
}

fn schedule(path: Option<&Path>, command: &str) -> Result<RetentionSchedule, String> {
    let Some(path) = path else {
        return Ok(RetentionSchedule::default());
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{command}: {}: cannot read: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{command}: {}: line {}, column {}: not a retention schedule: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

/// `patchwork subject-access`.
pub(crate) fn subject_access(args: &SubjectAccessArgs) -> Result<(), String> {
    let mut store = open_existing("subject-access", &args.store)?;
    let schedule = schedule(args.schedule.as_deref(), "subject-access")?;
    let (system, id) = split_key(&args.person);
    let person = PersonKey::new(system, id);
    let bundle = store
        .subject_access_export(
            &person,
            &args.out,
            Some(&schedule),
            now(),
            cli_actor(),
            "subject access request",
        )
        .map_err(|e| format!("subject-access: {e}"))?;
    eprintln!(
        "patchwork subject-access: {person}: {} -> {} ({} involvements, {} relationships, {} audit entries; {} item(s) of third-party data FOR REVIEW)",
        if bundle.person.is_some() {
            "person record held"
        } else {
            "NO person record held"
        },
        args.out.display(),
        bundle.involvements.len(),
        bundle.relationships.len(),
        bundle.audit.len(),
        bundle.review_count(),
    );
    Ok(())
}

/// `patchwork retention`.
pub(crate) fn retention(args: &RetentionArgs) -> Result<(), String> {
    match &args.command {
        RetentionCommand::Schedule => {
            let text = serde_json::to_string_pretty(&RetentionSchedule::default())
                .map_err(|e| format!("retention schedule: {e}"))?;
            println!("{text}");
            Ok(())
        }
        RetentionCommand::Purge(a) => purge(a),
    }
}

fn purge(args: &PurgeArgs) -> Result<(), String> {
    let mut store = open_existing("retention purge", &args.store)?;
    let schedule = schedule(args.schedule.as_deref(), "retention purge")?;
    let report = store
        .purge(
            &schedule,
            args.as_of,
            args.dry_run,
            now(),
            Actor::System("retention purge".to_owned()),
        )
        .map_err(|e| format!("retention purge: {e}"))?;
    let verb = if args.dry_run {
        "would dispose of"
    } else {
        "disposed of"
    };
    println!(
        "retention purge as of {} (schedule {}): {verb} {} person(s); {} kept by a legal hold; {} undetermined (kept)",
        report.as_of,
        report.schedule_version,
        report.persons.len(),
        report.held,
        report.undetermined
    );
    for d in &report.disposals {
        println!("  {:<40} {:<20} {}", d.rule, d.record_type, d.count);
    }
    Ok(())
}
