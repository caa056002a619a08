//! `patchwork`: the command-line program nightly jobs run.
//!
//! ```text
//! patchwork generate --tier S --seed 2025 --out ./patchwork-sample
//! patchwork team     --store network.sqlite --child C1 [--as-of 2025-06-01] [--json] [VIEWER]
//! patchwork gaps     --store network.sqlite [--as-of 2025-06-01] [--json] [VIEWER]
//! patchwork caseload --store network.sqlite --professional W1 [--as-of 2025-06-01] [--json]
//!                    [VIEWER]
//! patchwork export   --store network.sqlite --format ssd|json --out PATH [VIEWER]
//! patchwork export   --store network.sqlite --format cin|ssda903 --year 2025 --out PATH [VIEWER]
//! patchwork import   --store network.sqlite [--ssd DIR] [--agency FILE]... [--cin FILE]...
//!                    [--ssda903 DIR] [--as-of DATE] [--report FILE.json] [--quiet] [--verbose]
//! patchwork validate --cin FILE [--year 2025] [--json]
//! patchwork changes  --store network.sqlite [--since 2025-06-01] [--json] [VIEWER]
//! patchwork demo     [--dir DIR]
//! patchwork audit verify --store network.sqlite
//! patchwork audit log    --store network.sqlite [--person ID | --professional ID]
//!                        [--since DATE] [--category CATEGORY] [--json]
//! patchwork subject-access --store network.sqlite --person ID --out DIR [--schedule FILE.json]
//! patchwork retention purge --store network.sqlite --as-of DATE [--schedule FILE.json] [--dry-run]
//! patchwork retention schedule
//! patchwork break-glass --store network.sqlite --viewer ID --child ID --role ROLE
//!                       --ground safeguarding|legal-obligation|consent --reason TEXT
//! patchwork consent add  --store network.sqlite --subject ID --given-by child|parent|adult
//!                        [--parent ID] --recipient AGENCY... [--services-of AGENCY...]
//!                        [--purpose PURPOSE...] --from DATE [--to DATE]
//!                        [--recorded-by ID] [--evidence TEXT]
//! patchwork consent withdraw --store network.sqlite --id N --on DATE
//! patchwork consent list     --store network.sqlite
//! patchwork share-decision --store network.sqlite --subject ID --share|--no-share
//!                          --what TEXT --recipient AGENCY... --why TEXT
//!                          --consent given|refused|not-sought --decided-by ID
//!                          [--basis public-task|legal-obligation|vital-interests|consent]
//!                          [--article9 TEXT] [--agreement TEXT]
//! patchwork policy set  --store network.sqlite --file POLICY.json
//! patchwork policy show --store network.sqlite
//!
//! VIEWER: --viewer ID [--role NAME] [--purpose PURPOSE] [--reason TEXT] [--policy FILE.json]
//! ```
//!
//! Subcommands:
//!
//! * `generate`: writes a synthetic council's files (`DIR/ssd/*.csv`, the council's
//!   Standard Safeguarding Dataset extract; `DIR/agency/*.csv`, one partner-agency
//!   feed per agency; `DIR/ssda903/*.csv`, the children looked after return; and
//!   `DIR/cin/<year>.xml`, the CIN census of two collection years). The same tier and seed
//!   always give the same bytes.
//! * `team`, `gaps`, `caseload`: read-only queries of a store written by
//!   [`Store::save`](patchwork_adapters::store::Store::save): the team around a child, every
//!   gap in the network, a professional's caseload. Each answers for `--as-of DATE`
//!   (`YYYY-MM-DD`), by default today's local date. Human-readable tables by default;
//!   `--json` prints a JSON array instead (dates as `YYYY-MM-DD` or `null`).
//! * `export`: writes the stored network as the SSD CSV folder (`--format ssd`, the LCS
//!   layout; what the layout cannot carry is counted on stderr) or as one pretty-printed
//!   JSON document holding every record kind (`--format json`), or a statutory return of
//!   the collection year `--year` (by its end year: 2025 is 2024-25): the CIN census XML
//!   (`--format cin`, one file, elements in schema order) or the SSDA903 CSV files
//!   (`--format ssda903`, a folder; what the DfE's validator would object to is listed on
//!   stderr).
//! * `import`: the nightly job ([`patchwork_adapters::nightly`]): reads the SSD folder,
//!   the partner feeds, and any CIN census (`--cin`) and SSDA903 return (`--ssda903`),
//!   whose records fill what the extract lacks ([`patchwork_adapters::merge`]), applies the
//!   gates (`--max-quarantined-percent`, default 1;
//!   `--max-row-drop-percent`, default 20, of all rows or of any file that had 100 rows or
//!   more), ends what disappeared as of `--as-of` (default
//!   today), and saves the network with the import record and its change events in one
//!   transaction. The same files twice change nothing. A short summary goes to stderr
//!   (none with `--quiet`; every problem and change event with `--verbose`); `--report`
//!   writes the whole report as JSON. Exit codes: 0 loaded or unchanged, 3 held or
//!   rejected by a gate (the store is unchanged), 2 a usage error (including no input
//!   at all), 1 any other failure (the store is unchanged).
//! * `validate`: the DfE's CIN census rules on one child's dates and codes
//!   ([`patchwork_adapters::cin::validate_file`]): each failure with its rule code, child
//!   and XML path (`--json`: one object per line). Exit 0 when the file breaks no rule, 3
//!   when it breaks some, 1 when it cannot be read (the error names line, column and
//!   element path).
//! * `changes`: the change events the imports recorded (of every import that loaded with
//!   an extract date on or after `--since`; by default all): with `--json`, one JSON
//!   object per line (the event as stored, plus `import_id` and `as_of`), ready for a
//!   mail or case system to route; otherwise a readable list grouped by child.
//! * `demo`: generates an S-tier council, writes it as `DIR/night1` and imports it into
//!   `DIR/patchwork.sqlite`, then writes a second night with realistic churn (ended
//!   involvements with DfE reasons, new social workers and health visitors, rows dropped)
//!   as `DIR/night2`, imports it as of the next day, and prints both nights' summaries
//!   and a sample of the change events. `DIR` defaults to a new folder under the system's
//!   temporary folder; an existing `DIR/patchwork.sqlite` is refused.
//!
//! * `audit verify`: checks the audit trail's hash chain
//!   ([`Store::verify_audit`](patchwork_adapters::store::Store::verify_audit)); exit 0
//!   when intact (the head hash is printed: keep it elsewhere), 4 naming the first broken
//!   entry or a missing append-only trigger. `audit log`: the entries about a person, by
//!   an actor, since a date, readable or as JSON lines; reading the trail is itself
//!   audited.
//! * `subject-access`: everything held about one person into `DIR` (JSON files and
//!   `summary.txt`), third-party data marked for review; the disclosure is audited.
//! * `retention purge`: disposes of the records whose retention period (the default
//!   schedule, or `--schedule`) has ended on `--as-of`, except under a legal hold, with
//!   SQLite's secure delete, leaving disposal records (counts, no values);
//!   `--dry-run` reports without changing anything. `retention schedule` prints the
//!   default schedule as JSON.
//! * `break-glass`: a professional whose `--role` the access policy in force allows to
//!   override (the store's policy, else the practice defaults: `child_protection`, 4
//!   hours) may see one child in full until the override lapses. The override and its
//!   `override` audit entry (the alert in its detail) are written in one transaction;
//!   the expiry and the alert are printed. A role not allowed, or an empty reason, is
//!   refused (exit 1) with no override stored, the attempt audited as a consultation; an
//!   unknown `--viewer` is a usage error (exit 2).
//!   The override applies to reads made with `--viewer ID --role ROLE` (the same role)
//!   until its expiry.
//! * `consent add`: records a consent to share a person's sensitive-service involvements
//!   with the `--recipient` agencies (all of them, or only those held by the
//!   `--services-of` agencies; for any purpose, or the `--purpose`s given) from `--from`
//!   until `--to`, and prints its id; `consent withdraw --id N --on DATE` withdraws it
//!   from that day (exit 1 for an unknown or already withdrawn id); `consent list` prints
//!   every consent as JSON lines. Each change is audited (`collection`, `alteration`).
//! * `share-decision`: records a decision to share (`--share`) or not to share
//!   (`--no-share`), what, with whom, why, where consent stood and the lawful basis,
//!   audited as a `disclosure` by the `--decided-by` professional.
//! * `policy set --file POLICY.json`: a serialised [`Policy`](patchwork_core::Policy)
//!   becomes the policy in force (audited as a `policy_change`; every version is kept, a
//!   version id already used is refused); `policy show` prints the policy in force as JSON.
//!
//! **Every command that reads or writes a store appends one audit entry** (`team`,
//! `gaps`, `caseload`, `changes`: a consultation; `export`, `subject-access`: a disclosure;
//! `import`: an import) naming the actor: without a viewer, an administrative read by the
//! operating-system user (`cli:$USER`). The store file must therefore be writable, and a
//! command whose audit entry cannot be written fails without showing anything.
//!
//! **`--viewer ID`** (on `team`, `gaps`, `caseload`, `export`, `changes`): the command
//! reads as that professional (a key as for `--professional`), through the access policy
//! ([`patchwork_core::Network::view`]), and shows only what the policy lets them see:
//!
//! * `--role NAME`: their access role as the policy names it (default `practitioner`;
//!   the practice defaults also know `front_door`, `shield_broker`, `child_protection`);
//!   `--purpose`: `direct_work` (the default), `safeguarding`, `planning`, `analysis`,
//!   `audit`, `subject_access` or `other:TEXT`; `--reason TEXT`: their justification;
//!   `--policy FILE.json`: the policy as JSON (a serialised
//!   [`Policy`](patchwork_core::Policy); default the store's policy in force, else
//!   [`Policy::practice_defaults`](patchwork_core::Policy::practice_defaults), version
//!   `patchwork-practice-defaults`). These options without `--viewer` are a usage error.
//! * `team`: the team as far as the viewer may see it (same rows as without a viewer:
//!   a sensitive service of another agency is simply absent), or, for a child they are not
//!   involved with, **existence only**: the child is known to services, and how to contact
//!   the lead practitioner, exit 0. As text:
//!   ```text
//!   lcs:C1 is known to services; you are not in their network: contact the lead practitioner.
//!   Contact: Sam Okafor (allocated social worker), Assessment North, Wexmoor Children's Services, phone 01632 960001
//!   ```
//!   with `--json`, one object instead of the array:
//!   `{"child_id": "lcs:C1", "access": "existence_only", "message": "...", "contact":
//!   {"route": "lead", "role": ..., "professional": ..., "name": ..., "phone": ...,
//!   "email": ..., "team": ..., "agency": ...}}` (`route` is `lead`, `broker` with a
//!   `contact` the policy names, or `unavailable`). A hidden child (shielded, or a policy
//!   that shows the viewer nothing) gives, word for word, the message and exit code of a
//!   child not in the store.
//! * `gaps`: the gaps among the children the viewer sees in full, worked out from what
//!   they see; `caseload`: the involvements of that professional the viewer may see.
//! * `export`: only the viewer's snapshot
//!   ([`ViewedNetwork::export`](patchwork_core::ViewedNetwork::export)), in either format:
//!   the persons they see in full and those persons' relatives, the involvements, episodes,
//!   activities, relationships and household memberships they may see, and the directory
//!   (agencies, teams, professionals) whole; no identity links.
//! * `changes`: only events about persons the viewer sees in full, and of those only the
//!   ones whose involvements (their own, or a lead's) the viewer may see today; an event
//!   about an involvement since removed from the record is left out. Events about a
//!   professional's details (directory facts) are kept.
//!
//! With a viewer, the audit entry is the read's access record: actor the viewer
//! (`viewer`, their key), category from the record (consultation, or disclosure for
//! `export`), purpose the `--purpose` and `--reason`, subjects the persons the record
//! names (those disclosed, and the child asked for even when refused), detail the
//! serialised [`AccessRecord`](patchwork_core::AccessRecord) (policy version, outcome,
//! alerts) plus `command`. It is written before anything is shown. `changes` records the
//! snapshot's access record as a consultation of the events (`action` `diff`), naming
//! the persons of the events shown. A viewer reads with the consents and break-glass
//! overrides the store holds, under the store's policy in force (`policy set`) unless
//! `--policy` names one, else the practice defaults. A `--viewer` the store does not hold, or a
//! `--policy` that cannot be read or is not a policy (the file, line and column named),
//! is a usage error (exit 2): nothing is read, shown or audited.
//!
//! Keys (`--child`, `--professional`) are written `system:id` (`lcs:C1`); a bare id
//! (`C1`) is taken in the `lcs` system.
//!
//! Results go to stdout, messages to stderr. Exit codes: 0 success; 2 a usage error
//! (unknown flag, bad value, missing argument, unknown `--viewer`, bad `--policy`); 1 any other failure (a store that cannot
//! be opened, a child or professional not in the store, a file that cannot be written),
//! with a message naming the file concerned.
//!
//! **Test aid, never for production:** when the environment variable `PATCHWORK_KILL_AT=N`
//! is set, `import` aborts the process (`std::process::abort`: no destructors, no
//! clean-up, like a kill) at the N-th checkpoint (counting from 1) of its save, naming the
//! checkpoint on stderr. The checkpoints are those of
//! [`Checkpoint`](patchwork_adapters::store::Checkpoint): the transaction opened, each
//! batch of inserts, deletes or updates, before and after the commit, after the log
//! checkpoint. `tests/killpoints.rs` uses it to check that a save is all or nothing. An
//! N beyond the last checkpoint changes nothing.

#[path = "patchwork/audit.rs"]
mod audit;
#[path = "patchwork/changes.rs"]
mod changes;
#[path = "patchwork/demo.rs"]
mod demo;
#[path = "patchwork/export.rs"]
mod export;
#[path = "patchwork/grants.rs"]
mod grants;
#[path = "patchwork/import.rs"]
mod import;
#[path = "patchwork/progress.rs"]
mod progress;
#[path = "patchwork/read.rs"]
mod read;
#[path = "patchwork/validate.rs"]
mod validate;
#[path = "patchwork/viewer.rs"]
mod viewer;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
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
    /// The team around a child on a date, with the lead practitioner marked.
    Team(TeamArgs),
    /// Every gap in the network on a date (missing social worker, missing health
    /// professional, a professional who has left, competing leads).
    Gaps(GapsArgs),
    /// The children a professional is actively involved with on a date.
    Caseload(CaseloadArgs),
    /// Write the stored network as an SSD CSV folder or one JSON document.
    Export(ExportArgs),
    /// The nightly import: extracts into the store, gated, all or nothing.
    Import(ImportArgs),
    /// The change events recorded by the imports, as JSON lines or grouped by child.
    Changes(ChangesArgs),
    /// Two nights of the nightly job on a synthetic council, with a sample of the changes.
    Demo(DemoArgs),
    /// Check a CIN census file against the DfE's rules (exit 3 when it breaks any).
    Validate(validate::ValidateArgs),
    /// The audit trail: verify its hash chain, list its entries.
    Audit(audit::AuditArgs),
    /// Everything held about one person, as JSON files and a summary, for a subject
    /// access request.
    SubjectAccess(audit::SubjectAccessArgs),
    /// Retention: dispose of records whose retention period has ended.
    Retention(audit::RetentionArgs),
    /// Break glass: a permitted role overrides the access policy for one child, for a while.
    BreakGlass(grants::BreakGlassArgs),
    /// Consents to share sensitive-service involvements: add, withdraw, list.
    Consent(grants::ConsentArgs),
    /// Record a decision to share, or not to share, and why.
    ShareDecision(grants::ShareDecisionArgs),
    /// The access policy in force: set a new version, show it.
    Policy(grants::PolicyArgs),
}

/// Arguments of `patchwork changes`.
#[derive(Debug, Args)]
struct ChangesArgs {
    /// The store file (written by a nightly job); only its audit trail is written.
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// Only the events of imports with an extract date on or after this, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    since: Option<NaiveDate>,
    /// One JSON object per line instead of the readable list.
    #[arg(long)]
    json: bool,
    /// Read as a professional, through the access policy.
    #[command(flatten)]
    viewer: viewer::ViewerArgs,
}

/// Arguments of `patchwork demo`.
#[derive(Debug, Args)]
struct DemoArgs {
    /// Folder to work in (created if missing; default: a new folder under the system's
    /// temporary folder). It must not hold a `patchwork.sqlite` already.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Arguments of `patchwork import`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("input").required(true).multiple(true).args(["ssd", "agency", "cin", "ssda903"])))]
struct ImportArgs {
    /// The store file (created if missing).
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// The council's SSD extract: a folder of ssd_*.csv files (LCS layout).
    #[arg(long, value_name = "DIR")]
    ssd: Option<PathBuf>,
    /// A partner-agency feed file; repeat for several (imported in the order given).
    #[arg(long, value_name = "FILE")]
    agency: Vec<PathBuf>,
    /// A CIN census XML file (any collection 2022-23 to 2025-26); repeat for several. Its
    /// records fill what the extract lacks.
    #[arg(long, value_name = "FILE")]
    cin: Vec<PathBuf>,
    /// An SSDA903 return: a folder of its CSV files (header.csv, episodes.csv...). Its
    /// records fill what the extract lacks.
    #[arg(long, value_name = "DIR")]
    ssda903: Option<PathBuf>,
    /// The extract date, YYYY-MM-DD (default: today, local time).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Write the full report (counts, timings, problems, change events) as JSON here.
    #[arg(long, value_name = "FILE.json")]
    report: Option<PathBuf>,
    /// Hold the import when quarantined rows exceed this percentage of the rows read.
    #[arg(long, value_name = "PERCENT", default_value_t = 1.0)]
    max_quarantined_percent: f64,
    /// Hold the import when the rows read fall by more than this percentage against the
    /// last import (all files together, or any one file that had at least 100 rows).
    #[arg(long, value_name = "PERCENT", default_value_t = 20.0)]
    max_row_drop_percent: f64,
    /// No summary on stderr (errors are still printed).
    #[arg(long, conflicts_with = "verbose")]
    quiet: bool,
    /// Every problem and change event on stderr.
    #[arg(long)]
    verbose: bool,
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

/// The store and date every read-only query takes.
#[derive(Debug, Args)]
struct QueryArgs {
    /// The store file (written by a nightly job); only its audit trail is written.
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// The date to answer for, YYYY-MM-DD (default: today, local time).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
    /// Read as a professional, through the access policy.
    #[command(flatten)]
    viewer: viewer::ViewerArgs,
}

impl QueryArgs {
    /// The `--as-of` date, or today's. The program may read the clock; the core never does.
    fn as_of(&self) -> NaiveDate {
        self.as_of.unwrap_or_else(today)
    }
}

/// Arguments of `patchwork team`.
#[derive(Debug, Args)]
struct TeamArgs {
    #[command(flatten)]
    query: QueryArgs,
    /// The child's key, `system:id`; a bare id is taken in the `lcs` system.
    #[arg(long, value_name = "ID")]
    child: String,
}

/// Arguments of `patchwork gaps`.
#[derive(Debug, Args)]
struct GapsArgs {
    #[command(flatten)]
    query: QueryArgs,
}

/// Arguments of `patchwork caseload`.
#[derive(Debug, Args)]
struct CaseloadArgs {
    #[command(flatten)]
    query: QueryArgs,
    /// The professional's key, `system:id`; a bare id is taken in the `lcs` system.
    #[arg(long, value_name = "ID")]
    professional: String,
}

/// What `patchwork export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ExportFormat {
    /// The Standard Safeguarding Dataset CSV folder (LCS layout), one file per table.
    Ssd,
    /// One pretty-printed JSON document with every record kind.
    Json,
    /// The CIN census XML of a collection year (`--year`), one file.
    Cin,
    /// The SSDA903 return of a collection year (`--year`), a folder of CSV files.
    Ssda903,
}

/// Arguments of `patchwork export`.
#[derive(Debug, Args)]
struct ExportArgs {
    /// The store file to read.
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// The format: `ssd` (a folder of CSV files), `json` (one file), `cin` (the CIN census
    /// XML, one file) or `ssda903` (the SSDA903 return, a folder of CSV files).
    #[arg(long, value_enum)]
    format: ExportFormat,
    /// The collection year of a `cin` or `ssda903` export, by its end year: `2025` (or
    /// `2024-25`) is 1 April 2024 to 31 March 2025.
    #[arg(long, value_name = "YYYY", value_parser = parse_year,
          required_if_eq_any([("format", "cin"), ("format", "ssda903")]))]
    year: Option<i32>,
    /// Where to write: a folder for `ssd` and `ssda903` (created if missing), a file for
    /// `json` and `cin`.
    #[arg(long, value_name = "PATH")]
    out: PathBuf,
    /// Redaction of an `ssd` export (pseudonyms, coarse dates and postcodes).
    #[command(flatten)]
    redaction: export::RedactionArgs,
    /// Export as a professional: only what the access policy lets them see.
    #[command(flatten)]
    viewer: viewer::ViewerArgs,
}

fn parse_tier(text: &str) -> Result<Tier, String> {
    text.parse()
        .map_err(|e: synthetic::UnknownTier| e.to_string())
}

/// A collection year by its end year: `2025`, or `2024-25`.
fn parse_year(text: &str) -> Result<i32, String> {
    let bad = || format!("{text:?} is not a collection year (2025, or 2024-25)");
    let year = match text.split_once('-') {
        None => text.parse::<i32>().map_err(|_| bad())?,
        Some((start, end)) => {
            let start: i32 = start.parse().map_err(|_| bad())?;
            let end: i32 = end.parse().map_err(|_| bad())?;
            if end != (start + 1) % 100 {
                return Err(bad());
            }
            start + 1
        }
    };
    if (1990..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(bad())
    }
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| format!("{text:?} is not a date written YYYY-MM-DD: {e}"))
}

/// Today's date in the machine's local time zone (the date a council officer would give).
fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The system a bare key is taken in.
const DEFAULT_SYSTEM: &str = "lcs";

/// `system:id` as given, or a bare `id` in the [`DEFAULT_SYSTEM`], as `(system, id)`.
fn split_key(text: &str) -> (&str, &str) {
    text.split_once(':').unwrap_or((DEFAULT_SYSTEM, text))
}

fn main() -> ExitCode {
    // Usage errors exit with 2 (clap's default) before anything runs.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Import(args) => import::import(&args),
        Command::Generate(args) => generate(&args).map(|()| ExitCode::SUCCESS),
        Command::Team(args) => read::team(&args),
        Command::Gaps(args) => read::gaps(&args),
        Command::Caseload(args) => read::caseload(&args),
        Command::Export(args) => export::export(&args),
        Command::Changes(args) => changes::changes(&args),
        Command::Demo(args) => demo::demo(&args).map(|()| ExitCode::SUCCESS),
        Command::Validate(args) => validate::validate(&args),
        Command::Audit(args) => audit::audit(&args),
        Command::SubjectAccess(args) => audit::subject_access(&args).map(|()| ExitCode::SUCCESS),
        Command::Retention(args) => audit::retention(&args).map(|()| ExitCode::SUCCESS),
        Command::BreakGlass(args) => grants::break_glass(&args),
        Command::Consent(args) => grants::consent(&args),
        Command::ShareDecision(args) => grants::share_decision(&args),
        Command::Policy(args) => grants::policy(&args),
    };
    match result {
        Ok(code) => code,
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
