//! The read-only queries: `team`, `gaps` and `caseload`, as an administrative read or,
//! with `--viewer`, as one professional through the access policy.

use std::io::Write;
use std::process::ExitCode;

use chrono::NaiveDate;
use patchwork_core::{
    CaseloadEntry, Gap, GapKind, Period, PersonKey, ProfessionalKey, RoleCategory, Sensitivity,
    TeamAround, Viewed,
};
use serde::Serialize;

use patchwork_adapters::store::AuditCategory;

use super::audit::{Subjects, load_audited, now, record};
use super::viewer::{Mode, print_known, record_access};
use super::{CaseloadArgs, GapsArgs, TeamArgs, split_key};

/// One member of `patchwork team --json`.
#[derive(Debug, Serialize)]
struct TeamRow<'a> {
    involvement_id: &'a str,
    professional_id: Option<&'a str>,
    /// The professional's name.
    name: Option<&'a str>,
    /// The role code as the source gave it.
    role: &'a str,
    role_category: RoleCategory,
    team_id: Option<&'a str>,
    /// The team's name.
    team: Option<&'a str>,
    agency_id: Option<&'a str>,
    /// The agency's name.
    agency: Option<&'a str>,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    lead: bool,
    sensitivity: Sensitivity,
}

/// One gap of `patchwork gaps --json`.
#[derive(Debug, Serialize)]
struct GapRow<'a> {
    child_id: &'a str,
    /// The kind, snake_case (`no_allocated_social_worker`).
    gap: String,
    /// The statutory status of a `no_allocated_social_worker` gap; `null` for other kinds.
    status: Option<String>,
    /// The kind as a sentence.
    reason: String,
    involvement_ids: Vec<&'a str>,
    professional_id: Option<&'a str>,
}

/// One child of `patchwork caseload --json`.
#[derive(Debug, Serialize)]
struct CaseloadRow<'a> {
    child_id: &'a str,
    involvement_id: &'a str,
    role: &'a str,
    role_category: RoleCategory,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    lead: bool,
}

/// `patchwork team`: the team around one child.
pub(crate) fn team(args: &TeamArgs) -> Result<ExitCode, String> {
    let q = &args.query;
    let (mut store, net) = load_audited("team", &q.store)?;
    let (system, id) = split_key(&args.child);
    let child = PersonKey::new(system, id);
    let as_of = q.as_of();
    let not_found = || format!("team: no person {child} in {}", q.store.display());
    let viewing = match q.viewer.mode("team", &net, &store) {
        Ok(Mode::Viewer(v)) => v,
        Ok(Mode::Administrative) => {
            let found = net.team_around(&child, as_of);
            record(
                &mut store,
                "team",
                AuditCategory::Consultation,
                "team around the child",
                Subjects::These(vec![child.clone()]),
                serde_json::json!({
                    "as_of": as_of,
                    "found": found.is_ok(),
                    "members": found.as_ref().map_or(0, |t| t.members.len()),
                }),
            )?;
            let team = found.map_err(|_| not_found())?;
            return print_team(&child, as_of, &team, q.json).map(|()| ExitCode::SUCCESS);
        }
        Err(code) => return Ok(code),
    };
    let view = net
        .view(&viewing.viewer, &viewing.policy, &viewing.grants, now())
        .with_as_of(as_of);
    let (result, access) = view.team_around(&child).into_parts();
    record_access(&mut store, "team", &access, serde_json::json!({}))?;
    // A hidden child and an unknown one get the same message, word for word.
    match result.map_err(|_| not_found())? {
        Viewed::Full(team) => print_team(&child, as_of, &team, q.json),
        Viewed::ExistenceOnly(known) => print_known("team", &known, q.json),
    }
    .map(|()| ExitCode::SUCCESS)
}

/// Prints the team around `child` as a table, or as a JSON array of [`TeamRow`].
fn print_team(
    child: &PersonKey,
    as_of: NaiveDate,
    team: &TeamAround<'_>,
    json: bool,
) -> Result<(), String> {
    let rows: Vec<TeamRow<'_>> = team
        .members
        .iter()
        .map(|m| {
            let period = m.involvement.period();
            TeamRow {
                involvement_id: m.involvement.key().as_str(),
                professional_id: m.professional.map(|p| p.key.as_str()),
                name: m.professional.and_then(|p| p.name.as_deref()),
                role: m.involvement.role_code(),
                role_category: m.involvement.role(),
                team_id: m.team.map(|t| t.key.as_str()),
                team: m.team.map(|t| t.name.as_str()),
                agency_id: m.agency.map(|a| a.key.as_str()),
                agency: m.agency.map(|a| a.name.as_str()),
                start: period.start,
                end: period.end,
                lead: m.lead,
                sensitivity: m.involvement.sensitivity(),
            }
        })
        .collect();
    if json {
        return print_json("team", &rows);
    }
    let mut text = format!(
        "Team around {child} on {as_of}: {} active involvement(s); lead basis: {}\n",
        rows.len(),
        json_name(&team.lead_basis)
    );
    let mut table = vec![row([
        "LEAD",
        "ROLE",
        "PROFESSIONAL",
        "TEAM",
        "AGENCY",
        "SINCE",
    ])];
    for r in &rows {
        table.push(row([
            if r.lead { "*" } else { "" },
            r.role_category.as_str(),
            r.name.or(r.professional_id).unwrap_or("-"),
            r.team.unwrap_or("-"),
            r.agency.unwrap_or("-"),
            &date(r.start),
        ]));
    }
    text.push_str(&aligned(&table));
    if rows.iter().any(|r| r.lead) {
        text.push_str("* lead practitioner\n");
    }
    print_text("team", &text)
}

/// `patchwork gaps`: every gap in the network (with a viewer: among the children they
/// see in full, from what they see).
pub(crate) fn gaps(args: &GapsArgs) -> Result<ExitCode, String> {
    let q = &args.query;
    let (mut store, net) = load_audited("gaps", &q.store)?;
    let as_of = q.as_of();
    let viewing = match q.viewer.mode("gaps", &net, &store) {
        Ok(Mode::Viewer(v)) => v,
        Ok(Mode::Administrative) => {
            let gaps = net.gaps(as_of);
            record(
                &mut store,
                "gaps",
                AuditCategory::Consultation,
                "gaps in the network",
                Subjects::Everyone,
                serde_json::json!({"as_of": as_of, "gaps": gaps.len()}),
            )?;
            return print_gaps(as_of, &gaps, q.json).map(|()| ExitCode::SUCCESS);
        }
        Err(code) => return Ok(code),
    };
    let view = net
        .view(&viewing.viewer, &viewing.policy, &viewing.grants, now())
        .with_as_of(as_of);
    let (result, access) = view.gaps().into_parts();
    record_access(&mut store, "gaps", &access, serde_json::json!({}))?;
    let gaps = result.map_err(|e| format!("gaps: {e}"))?;
    print_gaps(as_of, &gaps, q.json).map(|()| ExitCode::SUCCESS)
}

/// Prints the gaps as a table, or as a JSON array of [`GapRow`].
fn print_gaps(as_of: NaiveDate, gaps: &[Gap<'_>], json: bool) -> Result<(), String> {
    let rows: Vec<GapRow<'_>> = gaps
        .iter()
        .map(|g| {
            let (gap, status) = gap_names(&g.kind);
            GapRow {
                child_id: g.person.key.as_str(),
                gap,
                status,
                reason: g.kind.to_string(),
                involvement_ids: g.involvements.iter().map(|i| i.key().as_str()).collect(),
                professional_id: g.professional.map(|p| p.key.as_str()),
            }
        })
        .collect();
    if json {
        return print_json("gaps", &rows);
    }
    let mut text = format!("Gaps on {as_of}: {}\n", rows.len());
    let mut table = vec![row(["CHILD", "GAP", "INVOLVEMENTS", "PROFESSIONAL"])];
    for r in &rows {
        table.push(row([
            r.child_id,
            &r.reason,
            &or_dash(r.involvement_ids.join(",")),
            r.professional_id.unwrap_or("-"),
        ]));
    }
    text.push_str(&aligned(&table));
    print_text("gaps", &text)
}

/// `patchwork caseload`: the children one professional is involved with (with a viewer:
/// the involvements of theirs the viewer may see).
pub(crate) fn caseload(args: &CaseloadArgs) -> Result<ExitCode, String> {
    let q = &args.query;
    let (mut store, net) = load_audited("caseload", &q.store)?;
    let (system, id) = split_key(&args.professional);
    let professional = ProfessionalKey::new(system, id);
    let as_of = q.as_of();
    let not_found = || {
        format!(
            "caseload: no professional {professional} in {}",
            q.store.display()
        )
    };
    let viewing = match q.viewer.mode("caseload", &net, &store) {
        Ok(Mode::Viewer(v)) => v,
        Ok(Mode::Administrative) => {
            let found = net.caseload(&professional, as_of);
            let children: Vec<PersonKey> = found.as_ref().map_or_else(
                |_| Vec::new(),
                |entries| entries.iter().map(|e| e.person.key.clone()).collect(),
            );
            record(
                &mut store,
                "caseload",
                AuditCategory::Consultation,
                "caseload of a professional",
                Subjects::These(children),
                serde_json::json!({
                    "as_of": as_of,
                    "professional": professional,
                    "found": found.is_ok(),
                }),
            )?;
            let entries = found.map_err(|_| not_found())?;
            return print_caseload(&professional, as_of, &entries, q.json)
                .map(|()| ExitCode::SUCCESS);
        }
        Err(code) => return Ok(code),
    };
    let view = net
        .view(&viewing.viewer, &viewing.policy, &viewing.grants, now())
        .with_as_of(as_of);
    let (result, access) = view.caseload(&professional).into_parts();
    record_access(&mut store, "caseload", &access, serde_json::json!({}))?;
    let entries = result.map_err(|_| not_found())?;
    print_caseload(&professional, as_of, &entries, q.json).map(|()| ExitCode::SUCCESS)
}

/// Prints a caseload as a table, or as a JSON array of [`CaseloadRow`].
fn print_caseload(
    professional: &ProfessionalKey,
    as_of: NaiveDate,
    entries: &[CaseloadEntry<'_>],
    json: bool,
) -> Result<(), String> {
    let rows: Vec<CaseloadRow<'_>> = entries
        .iter()
        .map(|e| {
            let Period { start, end } = e.involvement.period();
            CaseloadRow {
                child_id: e.person.key.as_str(),
                involvement_id: e.involvement.key().as_str(),
                role: e.involvement.role_code(),
                role_category: e.involvement.role(),
                start,
                end,
                lead: e.lead,
            }
        })
        .collect();
    if json {
        return print_json("caseload", &rows);
    }
    let mut text = format!(
        "Caseload of {professional} on {as_of}: {} involvement(s)\n",
        rows.len()
    );
    let mut table = vec![row(["LEAD", "CHILD", "ROLE", "SINCE", "UNTIL"])];
    for (r, e) in rows.iter().zip(entries) {
        table.push(row([
            if r.lead { "*" } else { "" },
            &child_label(r.child_id, e.person.display_name()),
            r.role_category.as_str(),
            &date(r.start),
            &date(r.end),
        ]));
    }
    text.push_str(&aligned(&table));
    if rows.iter().any(|r| r.lead) {
        text.push_str("* lead practitioner\n");
    }
    print_text("caseload", &text)
}

/// The snake_case name of a gap's kind and, for a missing social worker, its status.
fn gap_names(kind: &GapKind) -> (String, Option<String>) {
    let value = serde_json::to_value(kind).unwrap_or_default();
    let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    (field("gap").unwrap_or_default(), field("status"))
}

/// A unit enum's serde name (`allocated_social_worker`).
fn json_name(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn child_label(id: &str, name: Option<String>) -> String {
    match name {
        Some(name) => format!("{id} ({name})"),
        None => id.to_owned(),
    }
}

fn date(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "-".to_owned(), |d| d.to_string())
}

fn or_dash(text: String) -> String {
    if text.is_empty() {
        "-".to_owned()
    } else {
        text
    }
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

/// The rows as columns padded to their widest cell, two spaces apart.
fn aligned(rows: &[Vec<String>]) -> String {
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < columns {
                let pad = widths[c] - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Prints `rows` as a pretty-printed JSON array on stdout.
fn print_json(command: &str, rows: &impl Serialize) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(rows)
        .map_err(|e| format!("{command}: cannot serialise the result: {e}"))?;
    text.push('\n');
    print_text(command, &text)
}

fn print_text(command: &str, text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| format!("{command}: cannot write to stdout: {e}"))
}
