//! `--viewer`: a read command run as one professional, through the access policy, with
//! the read's access record as its audit entry.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use patchwork_adapters::store::{Actor, AuditCategory, AuditEntry, Store};
use patchwork_core::{
    AccessRecord, Action, ContactRoute, Grants, Known, Network, Operation, Policy, ProfessionalKey,
    Purpose, Viewer,
};
use serde::Serialize;

use super::split_key;

/// Exit code of a usage error: an unknown `--viewer`, an unreadable `--policy`.
pub(crate) const EXIT_USAGE: u8 = 2;

/// The version of [`Policy::practice_defaults`] when no `--policy` is given.
pub(crate) const DEFAULT_POLICY_VERSION: &str = "patchwork-practice-defaults";

/// The options every read command takes to read as one professional.
#[derive(Debug, Args)]
pub(crate) struct ViewerArgs {
    /// Read as this professional (`system:id`; a bare id is in `lcs`): only what the
    /// access policy lets them see is shown, and the read is audited as theirs.
    #[arg(long, value_name = "ID")]
    viewer: Option<String>,
    /// The viewer's access role, as the policy names it (`practitioner`, `front_door`,
    /// `shield_broker`, `child_protection`...).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "practitioner",
        requires = "viewer"
    )]
    role: String,
    /// Why the viewer is looking: direct_work (the default), safeguarding, planning,
    /// analysis, audit, subject_access, or other:TEXT.
    #[arg(long, value_name = "PURPOSE", value_parser = parse_purpose, requires = "viewer")]
    purpose: Option<Purpose>,
    /// The viewer's justification, in their own words (recorded in the audit trail).
    #[arg(long, value_name = "TEXT", requires = "viewer")]
    reason: Option<String>,
    /// The access policy as JSON (default: the policy set in the store with `patchwork
    /// policy set`, or else Patchwork's practice defaults).
    #[arg(long, value_name = "FILE.json", requires = "viewer")]
    policy: Option<PathBuf>,
}

/// A viewer, ready to view a network with.
pub(crate) struct Viewing {
    /// Who is looking.
    pub(crate) viewer: Viewer,
    /// The policy deciding what they see.
    pub(crate) policy: Policy,
    /// The consents and overrides on record in the store.
    pub(crate) grants: Grants,
}

/// What a command does with its `--viewer` options.
pub(crate) enum Mode {
    /// No `--viewer`: an administrative read, as before.
    Administrative,
    /// Read as this viewer.
    Viewer(Box<Viewing>),
}

impl ViewerArgs {
    /// True when `--viewer` was given.
    pub(crate) fn is_given(&self) -> bool {
        self.viewer.is_some()
    }

    /// The mode to read in, checked against the loaded network, with the store's
    /// consents and overrides and its policy in force (unless `--policy` names one). An
    /// unreadable policy or a viewer the network does not hold is a usage error: the
    /// message is printed and the exit code (2) returned, with nothing read and nothing
    /// audited; a store whose grants cannot be read fails with exit 1.
    pub(crate) fn mode(
        &self,
        command: &str,
        net: &Network,
        store: &Store,
    ) -> Result<Mode, ExitCode> {
        let Some(id) = &self.viewer else {
            return Ok(Mode::Administrative);
        };
        let failure = |e: patchwork_adapters::store::StoreError| {
            eprintln!("patchwork: {command}: cannot read the store's grants and policy: {e}");
            ExitCode::FAILURE
        };
        let policy = match &self.policy {
            None => store
                .policy()
                .map_err(failure)?
                .unwrap_or_else(|| Policy::practice_defaults(DEFAULT_POLICY_VERSION)),
            Some(path) => read_policy(path).map_err(|e| usage(&format!("{command}: {e}")))?,
        };
        let grants = store.grants().map_err(failure)?;
        let (system, key) = split_key(id);
        let key = ProfessionalKey::new(system, key);
        let purpose = self.purpose.clone().unwrap_or(Purpose::DirectWork);
        let mut viewer =
            Viewer::for_professional(net, &key, self.role.clone(), purpose).map_err(|_| {
                usage(&format!(
                    "{command}: --viewer {key}: no such professional in the store"
                ))
            })?;
        if let Some(reason) = &self.reason {
            viewer = viewer.with_reason(reason.clone());
        }
        Ok(Mode::Viewer(Box::new(Viewing {
            viewer,
            policy,
            grants,
        })))
    }
}

/// Prints a usage error and gives its exit code.
pub(crate) fn usage(message: &str) -> ExitCode {
    eprintln!("patchwork: {message}");
    ExitCode::from(EXIT_USAGE)
}

/// Reads a JSON policy file, naming the file (and line and column) when it cannot.
pub(crate) fn read_policy(path: &Path) -> Result<Policy, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--policy {}: cannot read: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("--policy {}: not an access policy: {e}", path.display()))
}

/// `--purpose`: a purpose's snake_case name, or `other:TEXT`.
pub(crate) fn parse_purpose(text: &str) -> Result<Purpose, String> {
    if let Some(other) = text.strip_prefix("other:") {
        return Ok(Purpose::Other(other.to_owned()));
    }
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|_| {
        format!(
            "{text:?} is not a purpose (direct_work, safeguarding, planning, analysis, audit, subject_access, other:TEXT)"
        )
    })
}

/// The purpose as the audit trail's `purpose` column holds it: the purpose's name, and
/// the reason after a colon when one was given.
fn purpose_text(viewer: &Viewer) -> String {
    let name = match &viewer.purpose {
        Purpose::Other(text) => format!("other: {text}"),
        purpose => match serde_json::to_value(purpose) {
            Ok(serde_json::Value::String(s)) => s,
            _ => format!("{purpose:?}"),
        },
    };
    match &viewer.reason {
        Some(reason) => format!("{name}: {reason}"),
        None => name,
    }
}

/// Appends the audit entry of a read made as a viewer: their access record, as one
/// entry (actor the viewer, category from the record's s.62 operation, subjects the
/// persons the record names, detail the record itself plus `command` and `extra`'s
/// fields). A command whose entry cannot be written fails before showing anything.
pub(crate) fn record_access(
    store: &mut Store,
    command: &str,
    record: &AccessRecord,
    extra: serde_json::Value,
) -> Result<(), String> {
    let actor = match record.viewer.professional_key() {
        Some(key) => Actor::Viewer(key.to_string()),
        None => Actor::Administrative(format!("{:?}", record.viewer.kind)),
    };
    let category = match record.operation {
        Operation::Consult => AuditCategory::Consultation,
        Operation::Disclose => AuditCategory::Disclosure,
    };
    let mut subjects = record.disclosed.clone();
    // The person asked for is a subject even when refused: "who looked at X" must find
    // attempts on a shielded child too.
    if let Action::TeamAround { person }
    | Action::FamilyNetwork { person }
    | Action::Timeline { person }
    | Action::WorkedWith { person }
    | Action::WorkerChanges { person, .. } = &record.action
    {
        subjects.push(person.clone());
    }
    subjects.sort();
    subjects.dedup();
    let mut detail = serde_json::to_value(record)
        .map_err(|e| format!("{command}: cannot serialise the access record: {e}"))?;
    if let serde_json::Value::Object(map) = &mut detail {
        map.insert("command".into(), command.into());
        if let serde_json::Value::Object(extra) = extra {
            map.extend(extra);
        }
    }
    let mut entry = AuditEntry::new(record.at, actor, category, purpose_text(&record.viewer));
    entry.subjects = subjects;
    entry.detail = detail;
    store
        .append_audit(&entry)
        .map(|_| ())
        .map_err(|e| format!("{command}: cannot write the audit entry (nothing shown): {e}"))
}

/// The existence-only answer as `--json` prints it.
#[derive(Debug, Serialize)]
struct KnownDoc<'a> {
    /// The child asked for.
    child_id: &'a str,
    /// Always `existence_only`.
    access: &'static str,
    /// The sentence the text form prints.
    message: String,
    /// How to reach the lead practitioner (`route`: `lead`, `broker` or `unavailable`).
    contact: &'a ContactRoute,
}

/// Prints an existence-only answer: the child is known to services, and whom to
/// contact. `--json` prints one object (see [`KnownDoc`]), otherwise two lines of text.
pub(crate) fn print_known(command: &str, known: &Known, json: bool) -> Result<(), String> {
    let message = format!(
        "{} is known to services; you are not in their network: contact the lead practitioner",
        known.person
    );
    let text = if json {
        let doc = KnownDoc {
            child_id: known.person.as_str(),
            access: "existence_only",
            message,
            contact: &known.contact,
        };
        let mut text = serde_json::to_string_pretty(&doc)
            .map_err(|e| format!("{command}: cannot serialise the result: {e}"))?;
        text.push('\n');
        text
    } else {
        format!("{message}.\nContact: {}\n", contact_line(&known.contact))
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("{command}: cannot write to stdout: {e}"))
}

/// A contact route on one line.
fn contact_line(contact: &ContactRoute) -> String {
    match contact {
        ContactRoute::Lead {
            role,
            professional,
            name,
            phone,
            email,
            team,
            agency,
        } => {
            let who = name
                .clone()
                .or_else(|| professional.as_ref().map(ToString::to_string))
                .unwrap_or_else(|| "the lead practitioner".to_owned());
            let mut parts = vec![format!("{who} ({})", role.as_str().replace('_', " "))];
            parts.extend(team.iter().cloned());
            parts.extend(agency.iter().cloned());
            parts.extend(phone.iter().map(|p| format!("phone {p}")));
            parts.extend(email.iter().map(|e| format!("email {e}")));
            parts.join(", ")
        }
        ContactRoute::Broker { contact } => contact.clone(),
        ContactRoute::Unavailable => {
            "no lead practitioner can be shown; ask the children's services front door".to_owned()
        }
    }
}
