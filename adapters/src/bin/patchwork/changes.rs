//! `patchwork changes`: the change events recorded by the nightly imports, as JSON lines
//! for a council's mail or case system, or as a readable list grouped by child; with
//! `--viewer`, only the events the viewer may see.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufWriter, Write};
use std::process::ExitCode;

use patchwork_adapters::store::{AuditCategory, Store, StoredEvent};
use patchwork_core::{
    AccessRecord, Action, Decision, Network, Operation, PersonKey, ViewedNetwork,
};
use serde_json::Value;

use super::ChangesArgs;
use super::audit::{self, Subjects};
use super::viewer::{Mode, record_access};

/// `patchwork changes`.
pub(crate) fn changes(args: &ChangesArgs) -> Result<ExitCode, String> {
    if !args.store.is_file() {
        return Err(format!(
            "changes: {}: no such store file",
            args.store.display()
        ));
    }
    let mut store =
        Store::open(&args.store).map_err(|e| format!("changes: cannot open the store: {e}"))?;
    let mut events = store
        .change_events(args.since)
        .map_err(|e| format!("changes: cannot read the store: {e}"))?;
    // The network is loaded up front only for a viewer (to decide what they see).
    let mut net = None;
    let mode = if args.viewer.is_given() {
        let loaded = net.insert(
            store
                .load()
                .map_err(|e| format!("changes: cannot read the store: {e}"))?,
        );
        match args.viewer.mode("changes", loaded, &store) {
            Ok(mode) => mode,
            Err(code) => return Ok(code),
        }
    } else {
        Mode::Administrative
    };
    match (mode, &net) {
        (Mode::Viewer(viewing), Some(loaded)) => {
            let view = loaded.view(
                &viewing.viewer,
                &viewing.policy,
                &viewing.grants,
                audit::now(),
            );
            let access = filter_for_viewer(&view, &mut events)?;
            record_access(
                &mut store,
                "changes",
                &access,
                serde_json::json!({"since": args.since, "events": events.len()}),
            )?;
        }
        _ => audit::record(
            &mut store,
            "changes",
            AuditCategory::Consultation,
            "change events",
            Subjects::Everyone,
            serde_json::json!({"since": args.since, "events": events.len()}),
        )?,
    }
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let written = if args.json {
        write_json_lines(&mut out, &events)
    } else {
        let net = match net {
            Some(net) => net,
            None => store
                .load()
                .map_err(|e| format!("changes: cannot read the store: {e}"))?,
        };
        let names = Names::new(&net);
        write_grouped(&mut out, &events, &names)
    };
    match written.and_then(|()| out.flush()) {
        // A reader that stops early (`| head`) is not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => other
            .map(|()| ExitCode::SUCCESS)
            .map_err(|e| format!("changes: cannot write to stdout: {e}")),
    }
}

/// Keeps only the events a viewer may see, and gives the access record of the read.
///
/// An event about a person is kept when the viewer sees that person in full and every
/// involvement it names (its own, or a lead's) is one the viewer may see today: an event
/// about a sensitive service they may not see, or about an involvement since removed
/// from the record, is left out. An event about no person (a professional's details
/// changed) is a directory fact every viewer sees, and is kept.
///
/// The record is the one [`ViewedNetwork::export`] gives for the viewer's snapshot,
/// made a consultation of the change events ([`Action::Diff`]) naming the persons of the
/// events kept.
fn filter_for_viewer(
    view: &ViewedNetwork<'_>,
    events: &mut Vec<StoredEvent>,
) -> Result<AccessRecord, String> {
    let (snapshot, mut access) = view.export().into_parts();
    let snapshot = snapshot.map_err(|e| format!("changes: {e}"))?;
    let visible: HashSet<&str> = snapshot
        .involvements
        .iter()
        .map(|i| i.key().as_str())
        .collect();
    let mut disclosed = Vec::new();
    events.retain(|e| {
        let value: Value = serde_json::from_str(&e.json).unwrap_or(Value::Null);
        let Some(person) = value.get("person") else {
            return value.get("professional").is_some();
        };
        let Some(person) = person.as_str().and_then(|p| p.parse::<PersonKey>().ok()) else {
            return false;
        };
        let shown = view.decision_for(&person) == Decision::Full
            && involvements_named(&value)
                .iter()
                .all(|i| visible.contains(i.as_str()));
        if shown {
            disclosed.push(person);
        }
        shown
    });
    disclosed.sort();
    disclosed.dedup();
    access.action = Action::Diff;
    access.operation = Operation::Consult;
    access.disclosed = disclosed;
    Ok(access)
}

/// The involvement keys an event names: its own `involvement`, and those of the leads
/// in `previous` and `current`.
fn involvements_named(event: &Value) -> Vec<String> {
    let mut keys = Vec::new();
    let mut take = |v: &Value| {
        if let Some(k) = v.get("involvement").and_then(Value::as_str) {
            keys.push(k.to_owned());
        }
    };
    take(event);
    for list in ["previous", "current"] {
        for item in event
            .get(list)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            take(item);
        }
    }
    keys
}

/// One JSON object per line: the stored event plus `import_id` and `as_of`.
fn write_json_lines(out: &mut impl Write, events: &[StoredEvent]) -> std::io::Result<()> {
    for e in events {
        let mut value: Value = serde_json::from_str(&e.json).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.insert("import_id".to_owned(), Value::from(e.import_id));
            map.insert("as_of".to_owned(), Value::from(e.as_of.clone()));
        } else {
            value = serde_json::json!({
                "event": e.event,
                "import_id": e.import_id,
                "as_of": e.as_of,
            });
        }
        serde_json::to_writer(&mut *out, &value)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The readable list: one block per child (by key), each change on its own line.
fn write_grouped(
    out: &mut impl Write,
    events: &[StoredEvent],
    names: &Names,
) -> std::io::Result<()> {
    if events.is_empty() {
        writeln!(out, "no change events")?;
        return Ok(());
    }
    let mut by_child: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut others = Vec::new();
    for e in events {
        let value: Value = serde_json::from_str(&e.json).unwrap_or(Value::Null);
        let line = format!("{}  {}", e.as_of, describe(&value, names));
        match value.get("person").and_then(Value::as_str) {
            Some(person) => by_child.entry(person.to_owned()).or_default().push(line),
            None => others.push(line),
        }
    }
    for (child, lines) in &by_child {
        for line in lines {
            writeln!(out, "{child}: {line}")?;
        }
    }
    for line in &others {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Professionals' and teams' names by key (`system:id`), to say who joined or left.
pub(crate) struct Names {
    professionals: HashMap<String, String>,
    teams: HashMap<String, String>,
}

impl Names {
    pub(crate) fn new(net: &Network) -> Self {
        Self {
            professionals: net
                .professionals()
                .filter_map(|p| Some((p.key.to_string(), p.name.clone()?)))
                .collect(),
            teams: net
                .teams()
                .map(|t| (t.key.to_string(), t.name.clone()))
                .collect(),
        }
    }

    /// A professional's name, or their key when the store has no name.
    fn professional(&self, key: &str) -> String {
        self.professionals
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_owned())
    }

    /// Who an event's `professional` (or, failing that, `team`) names.
    fn who(&self, event: &Value) -> String {
        if let Some(p) = event.get("professional").and_then(Value::as_str) {
            return self.professional(p);
        }
        match event.get("team").and_then(Value::as_str) {
            Some(t) => format!("team {}", self.teams.get(t).map_or(t, String::as_str)),
            None => "(no professional)".to_owned(),
        }
    }

    /// The professionals of a list of lead references or professional keys.
    fn list(&self, items: Option<&Value>) -> String {
        let names: Vec<String> = items
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|item| match item {
                        Value::String(key) => self.professional(key),
                        other => self.who(other),
                    })
                    .collect()
            })
            .unwrap_or_default();
        if names.is_empty() {
            "nobody".to_owned()
        } else {
            names.join(" and ")
        }
    }
}

/// A role category's words: `health_visitor` as `health visitor`.
fn role(event: &Value) -> String {
    event
        .get("role")
        .and_then(Value::as_str)
        .unwrap_or("professional")
        .replace('_', " ")
}

/// One stored event in words, without the child's key ("health visitor Robin joined").
pub(crate) fn describe(event: &Value, names: &Names) -> String {
    let kind = event.get("event").and_then(Value::as_str).unwrap_or("");
    let text = |field: &str| event.get(field).and_then(Value::as_str).unwrap_or("");
    match kind {
        "person_added" => "added to the network".to_owned(),
        "involvement_started" => {
            let mut s = format!("{} {} joined", role(event), names.who(event));
            if !text("start").is_empty() {
                s.push_str(&format!(" (from {})", text("start")));
            }
            s
        }
        "involvement_ended" => {
            let reason = match event.get("reason") {
                Some(Value::Object(map)) => map
                    .values()
                    .next()
                    .and_then(Value::as_str)
                    .map(|r| format!(", {r}"))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            format!(
                "{} {} left (ended {}{reason})",
                role(event),
                names.who(event),
                text("end")
            )
        }
        "involvement_removed" => format!(
            "{} removed from the record ({})",
            names.who(event),
            text("involvement")
        ),
        "lead_changed" => format!(
            "lead changed from {} to {}",
            names.list(event.get("previous")),
            names.list(event.get("current"))
        ),
        "child_left_without_allocated_worker" => format!(
            "left without an allocated social worker (was {})",
            names.list(event.get("previous"))
        ),
        "professional_changed" => {
            let fields: Vec<&str> = event
                .get("fields")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            format!(
                "professional {} changed: {}",
                names.professional(text("professional")),
                fields.join(", ")
            )
        }
        other => format!("{other}: {event}"),
    }
}
