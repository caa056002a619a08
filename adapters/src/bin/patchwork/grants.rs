//! `patchwork break-glass`, `patchwork consent`, `patchwork share-decision` and
//! `patchwork policy`: recording the grants and the access policy a viewer reads under.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};
use patchwork_adapters::store::{Actor, AuditCategory, AuditEntry, Store};
use patchwork_core::{
    AgencyKey, Article6Basis, Consent, ConsentGiver, ConsentScope, ConsentStatus, LawfulBasis,
    OverrideGround, PersonKey, Policy, ProfessionalKey, Purpose, SharingDecision, Viewer,
};

use super::audit::{cli_actor, now, open_existing};
use super::viewer::{DEFAULT_POLICY_VERSION, parse_purpose, read_policy, usage};
use super::{parse_date, split_key};

fn person(text: &str) -> PersonKey {
    let (system, id) = split_key(text);
    PersonKey::new(system, id)
}

fn professional(text: &str) -> ProfessionalKey {
    let (system, id) = split_key(text);
    ProfessionalKey::new(system, id)
}

fn agency(text: &str) -> AgencyKey {
    let (system, id) = split_key(text);
    AgencyKey::new(system, id)
}

/// The policy in force: the store's latest, or the practice defaults.
fn policy_in_force(command: &str, store: &Store) -> Result<Policy, String> {
    Ok(store
        .policy()
        .map_err(|e| format!("{command}: cannot read the access policy: {e}"))?
        .unwrap_or_else(|| Policy::practice_defaults(DEFAULT_POLICY_VERSION)))
}

/// The ground of a break-glass override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum GroundArg {
    /// The person consented.
    Consent,
    /// A legal obligation requires it.
    LegalObligation,
    /// Safeguarding: risk of significant harm.
    Safeguarding,
}

/// Arguments of `patchwork break-glass`.
#[derive(Debug, Args)]
pub(crate) struct BreakGlassArgs {
    /// The store file.
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// The professional overriding (`system:id`; a bare id is in `lcs`).
    #[arg(long, value_name = "ID")]
    viewer: String,
    /// The one child the override covers.
    #[arg(long, value_name = "ID")]
    child: String,
    /// Their access role, as the policy names it (it must allow breaking glass).
    #[arg(long, value_name = "ROLE")]
    role: String,
    /// The ground: safeguarding, legal-obligation or consent.
    #[arg(long, value_enum)]
    ground: GroundArg,
    /// The reason, in their own words (required, recorded in the audit trail).
    #[arg(long, value_name = "TEXT")]
    reason: String,
}

/// `patchwork break-glass`: records an override and its audit entry together, prints
/// its expiry and the alert. A role the policy does not allow is refused (exit 1): no
/// override is stored, and the attempt is audited as a consultation.
pub(crate) fn break_glass(args: &BreakGlassArgs) -> Result<ExitCode, String> {
    let mut store = open_existing("break-glass", &args.store)?;
    let net = store
        .load()
        .map_err(|e| format!("break-glass: cannot read the store: {e}"))?;
    let key = professional(&args.viewer);
    let Ok(viewer) = Viewer::for_professional(&net, &key, args.role.clone(), Purpose::Safeguarding)
    else {
        return Ok(usage(&format!(
            "break-glass: --viewer {key}: no such professional in the store"
        )));
    };
    let policy = policy_in_force("break-glass", &store)?;
    let ground = match args.ground {
        GroundArg::Consent => OverrideGround::Consent,
        GroundArg::LegalObligation => OverrideGround::LegalObligation,
        GroundArg::Safeguarding => OverrideGround::Safeguarding,
    };
    let child = person(&args.child);
    let at = now();
    let (grant, alert) = match policy.break_glass(&viewer, &child, ground, &args.reason, at) {
        Ok(made) => made,
        Err(e) => {
            // A refused attempt grants nothing, but the attempt itself is audited (as an
            // attempted consultation, not an override): a DPO wants to see who tried to
            // break glass, and why they could not.
            let mut entry = AuditEntry::new(
                at,
                Actor::Viewer(key.to_string()),
                AuditCategory::Consultation,
                "break-glass refused",
            )
            .with_subject(child.clone());
            entry.detail = serde_json::json!({
                "command": "break-glass",
                "outcome": "refused",
                "role": args.role,
                "why": e.to_string(),
                "policy_version": policy.version,
            });
            store.append_audit(&entry).map_err(|e| {
                format!("break-glass: refused, and the attempt could not be audited: {e}")
            })?;
            return Err(format!(
                "break-glass: refused, no override recorded (the attempt is in the audit trail): {e}"
            ));
        }
    };
    store
        .record_break_glass(&grant, &alert)
        .map_err(|e| format!("break-glass: cannot record the override (nothing recorded): {e}"))?;
    let stamp = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    println!(
        "break glass: {} ({}) may see {} in full until {} (policy {}, ground {:?})",
        grant.professional,
        grant.role,
        grant.child,
        stamp(grant.until),
        grant.policy_version,
        args.ground,
    );
    println!(
        "alert: {} by {} about {} at {}: tell the Privacy Officer and the allocated worker",
        serde_json::to_value(alert.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        grant.professional,
        alert.child,
        stamp(alert.at),
    );
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `patchwork consent`.
#[derive(Debug, Args)]
pub(crate) struct ConsentArgs {
    /// What to do.
    #[command(subcommand)]
    command: ConsentCommand,
}

/// The `consent` subcommands.
#[derive(Debug, Subcommand)]
enum ConsentCommand {
    /// Record a consent to share a person's sensitive-service involvements; prints its id.
    Add(ConsentAddArgs),
    /// Withdraw a consent from a date.
    Withdraw(ConsentWithdrawArgs),
    /// List every consent on record, one JSON object per line.
    List(StoreArg),
}

/// Who gave a consent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GiverArg {
    /// The child, judged competent to decide.
    Child,
    /// A person with parental responsibility (name them with `--parent`).
    Parent,
    /// An adult about their own information.
    Adult,
}

/// Just the store.
#[derive(Debug, Args)]
struct StoreArg {
    /// The store file.
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
}

/// Arguments of `patchwork consent add`.
#[derive(Debug, Args)]
struct ConsentAddArgs {
    /// The store file.
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// The person the information is about.
    #[arg(long, value_name = "ID")]
    subject: String,
    /// Who gave it.
    #[arg(long, value_enum)]
    given_by: GiverArg,
    /// The person with parental responsibility who gave it (with `--given-by parent`).
    #[arg(long, value_name = "ID")]
    parent: Option<String>,
    /// An agency that may see the involvements; repeat for several (at least one).
    #[arg(long = "recipient", value_name = "AGENCY", required = true)]
    recipients: Vec<String>,
    /// Only the involvements held by this agency; repeat for several (default: every
    /// sensitive service).
    #[arg(long = "services-of", value_name = "AGENCY")]
    services_of: Vec<String>,
    /// A purpose it is given for; repeat for several (default: any purpose).
    #[arg(long = "purpose", value_name = "PURPOSE", value_parser = parse_purpose)]
    purposes: Vec<Purpose>,
    /// First day in force, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    from: NaiveDate,
    /// First day no longer in force, YYYY-MM-DD (default: no expiry).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    to: Option<NaiveDate>,
    /// The professional recording it.
    #[arg(long, value_name = "ID")]
    recorded_by: Option<String>,
    /// Where the evidence is (form, case note).
    #[arg(long, value_name = "TEXT")]
    evidence: Option<String>,
}

/// Arguments of `patchwork consent withdraw`.
#[derive(Debug, Args)]
struct ConsentWithdrawArgs {
    /// The store file.
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// The consent's id (as `consent add` printed it, or `consent list` shows).
    #[arg(long, value_name = "N")]
    id: i64,
    /// The first day it no longer holds, YYYY-MM-DD.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    on: NaiveDate,
}

/// `patchwork consent`.
pub(crate) fn consent(args: &ConsentArgs) -> Result<ExitCode, String> {
    match &args.command {
        ConsentCommand::Add(a) => {
            if a.parent.is_some() && a.given_by != GiverArg::Parent {
                return Ok(usage("consent add: --parent goes with --given-by parent"));
            }
            if a.to.is_some_and(|to| to <= a.from) {
                return Ok(usage("consent add: --to must be after --from"));
            }
            let consent = Consent {
                subject: person(&a.subject),
                given_by: match a.given_by {
                    GiverArg::Child => ConsentGiver::Child,
                    GiverArg::Parent => ConsentGiver::ParentalResponsibility {
                        person: a.parent.as_deref().map(person),
                    },
                    GiverArg::Adult => ConsentGiver::Adult,
                },
                scope: if a.services_of.is_empty() {
                    ConsentScope::AllSensitiveServices
                } else {
                    ConsentScope::ServicesOf {
                        agencies: a.services_of.iter().map(|s| agency(s)).collect(),
                    }
                },
                recipients: a.recipients.iter().map(|s| agency(s)).collect(),
                purposes: a.purposes.clone(),
                from: a.from,
                to: a.to,
                withdrawn: None,
                recorded_by: a.recorded_by.as_deref().map(professional),
                evidence: a.evidence.clone(),
            };
            let mut store = open_existing("consent add", &a.store)?;
            let id = store
                .record_consent(&consent, now(), cli_actor())
                .map_err(|e| format!("consent add: cannot record the consent: {e}"))?;
            println!("consent {id} recorded for {}", consent.subject);
            Ok(ExitCode::SUCCESS)
        }
        ConsentCommand::Withdraw(a) => {
            let mut store = open_existing("consent withdraw", &a.store)?;
            let done = store
                .withdraw_consent(a.id, a.on, now(), cli_actor())
                .map_err(|e| format!("consent withdraw: cannot withdraw: {e}"))?;
            if !done {
                return Err(format!(
                    "consent withdraw: no consent {} in force on record in {} (unknown id, or already withdrawn)",
                    a.id,
                    a.store.display()
                ));
            }
            println!("consent {} withdrawn from {}", a.id, a.on);
            Ok(ExitCode::SUCCESS)
        }
        ConsentCommand::List(a) => {
            let store = open_existing("consent list", &a.store)?;
            let consents = store
                .consents()
                .map_err(|e| format!("consent list: cannot read the consents: {e}"))?;
            for c in consents {
                let line = serde_json::to_string(&c)
                    .map_err(|e| format!("consent list: cannot serialise: {e}"))?;
                println!("{line}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Where consent stood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ConsentStatusArg {
    /// Consent was given.
    Given,
    /// Consent was refused.
    Refused,
    /// Consent was not sought.
    NotSought,
}

/// The Article 6 basis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BasisArg {
    /// 6(1)(a) consent.
    Consent,
    /// 6(1)(c) legal obligation.
    LegalObligation,
    /// 6(1)(d) vital interests.
    VitalInterests,
    /// 6(1)(e) public task.
    PublicTask,
}

/// Arguments of `patchwork share-decision`.
#[derive(Debug, Args)]
pub(crate) struct ShareDecisionArgs {
    /// The store file.
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// The person the information is about.
    #[arg(long, value_name = "ID")]
    subject: String,
    /// A decision to share.
    #[arg(
        long,
        conflicts_with = "no_share",
        required_unless_present = "no_share"
    )]
    share: bool,
    /// A decision not to share.
    #[arg(long)]
    no_share: bool,
    /// What was (or was not) shared.
    #[arg(long, value_name = "TEXT")]
    what: String,
    /// With which agency; repeat for several.
    #[arg(long = "recipient", value_name = "AGENCY", required = true)]
    recipients: Vec<String>,
    /// Why.
    #[arg(long, value_name = "TEXT")]
    why: String,
    /// Where consent stood.
    #[arg(long, value_enum)]
    consent: ConsentStatusArg,
    /// Who decided (a professional's key).
    #[arg(long, value_name = "ID")]
    decided_by: String,
    /// The Article 6 lawful basis relied on (for a decision to share).
    #[arg(long, value_enum)]
    basis: Option<BasisArg>,
    /// The Article 9 condition, as cited.
    #[arg(long, value_name = "TEXT", requires = "basis")]
    article9: Option<String>,
    /// The information-sharing agreement relied on.
    #[arg(long, value_name = "TEXT", requires = "basis")]
    agreement: Option<String>,
}

/// `patchwork share-decision`: records a decision to share or not, audited.
pub(crate) fn share_decision(args: &ShareDecisionArgs) -> Result<ExitCode, String> {
    if args.why.trim().is_empty() {
        return Ok(usage("share-decision: --why must give the reasons"));
    }
    let decision = SharingDecision {
        subject: person(&args.subject),
        shared: args.share,
        what: args.what.clone(),
        recipients: args.recipients.iter().map(|s| agency(s)).collect(),
        why: args.why.clone(),
        lawful_basis: args.basis.map(|b| LawfulBasis {
            article6: match b {
                BasisArg::Consent => Article6Basis::Consent,
                BasisArg::LegalObligation => Article6Basis::LegalObligation,
                BasisArg::VitalInterests => Article6Basis::VitalInterests,
                BasisArg::PublicTask => Article6Basis::PublicTask,
            },
            article9: args.article9.clone(),
            sharing_agreement: args.agreement.clone(),
            apd_reference: None,
        }),
        consent: match args.consent {
            ConsentStatusArg::Given => ConsentStatus::Given,
            ConsentStatusArg::Refused => ConsentStatus::Refused,
            ConsentStatusArg::NotSought => ConsentStatus::NotSought,
        },
        decided_by: professional(&args.decided_by),
        at: now(),
    };
    let mut store = open_existing("share-decision", &args.store)?;
    let id = store
        .record_sharing_decision(&decision)
        .map_err(|e| format!("share-decision: cannot record the decision: {e}"))?;
    println!(
        "sharing decision {id} recorded: {} {}",
        if decision.shared {
            "share"
        } else {
            "do not share"
        },
        decision.subject
    );
    Ok(ExitCode::SUCCESS)
}

/// Arguments of `patchwork policy`.
#[derive(Debug, Args)]
pub(crate) struct PolicyArgs {
    /// What to do.
    #[command(subcommand)]
    command: PolicyCommand,
}

/// The `policy` subcommands.
#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Set the access policy in force (a new version; earlier ones are kept).
    Set(PolicySetArgs),
    /// Print the access policy in force as JSON (the practice defaults when none is set).
    Show(StoreArg),
}

/// Arguments of `patchwork policy set`.
#[derive(Debug, Args)]
struct PolicySetArgs {
    /// The store file.
    #[arg(long, value_name = "FILE")]
    store: PathBuf,
    /// The policy as JSON (a serialised access policy with a new `version`).
    #[arg(long, value_name = "POLICY.json")]
    file: PathBuf,
}

/// `patchwork policy`.
pub(crate) fn policy(args: &PolicyArgs) -> Result<ExitCode, String> {
    match &args.command {
        PolicyCommand::Set(a) => {
            let policy = match read_policy(&a.file) {
                Ok(p) => p,
                Err(e) => {
                    return Ok(usage(&format!(
                        "policy set: {}",
                        e.replacen("--policy", "--file", 1)
                    )));
                }
            };
            let mut store = open_existing("policy set", &a.store)?;
            store
                .set_policy(&policy, now(), cli_actor())
                .map_err(|e| format!("policy set: cannot set the policy: {e}"))?;
            println!("access policy {} is in force", policy.version);
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Show(a) => {
            let store = open_existing("policy show", &a.store)?;
            let policy = policy_in_force("policy show", &store)?;
            let text = serde_json::to_string_pretty(&policy)
                .map_err(|e| format!("policy show: cannot serialise: {e}"))?;
            println!("{text}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
