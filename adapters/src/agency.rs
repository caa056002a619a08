//! The partner-agency feed: one simple CSV format in which health, schools, police,
//! housing and others tell the council who is involved with which child.
//!
//! # The format
//!
//! A UTF-8 CSV file with a header row; column order does not matter, names are matched
//! without regard to case, and unknown columns are reported as warnings and ignored.
//! Dates are `YYYY-MM-DD`. One row is one involvement.
//!
//! | column | required | meaning |
//! |---|---|---|
//! | `record_id` | yes | the agency's own id for this involvement, unique within the agency |
//! | `agency_id` | yes | a short stable id for the sending agency (`nhs-rxx`, `school-100001`); it is the key namespace of everything in the row |
//! | `agency_name` | | the agency's name |
//! | `agency_kind` | | `health`, `education`, `police`, `housing`, `youth_justice`, `probation`, `early_help`, `voluntary`, `childrens_social_care` or `other` (default `other`) |
//! | `ods_code`, `school_urn` | | the agency's NHS ODS code or school URN |
//! | `team_id`, `team_name` | | the team inside the agency |
//! | `professional_id` | one of this or `team_id` | the agency's id for the professional |
//! | `professional_name`, `job_title`, `email`, `phone` | | the professional's details |
//! | `professional_end_date` | | the day the professional left the agency (they are then shown as a gap wherever still involved) |
//! | `role_code` | yes | the role as the agency names it (`HV`, `DSL`, `GP`...) |
//! | `role_category` | | one of Patchwork's role categories (`health_visitor`...); when empty, `role_code` is mapped through the council's [`RoleMap`] |
//! | `child_nhs_number` | | the child's NHS number |
//! | `child_upn` | | the child's Unique Pupil Number |
//! | `child_la_id` | | the child's id in the council's case system |
//! | `child_given_name`, `child_family_name`, `child_birth_date` | | for the council's own follow-up of unmatched rows; never used to match |
//! | `start_date` | yes | when the involvement started |
//! | `end_date`, `end_reason` | | when and why it ended |
//! | `sensitivity` | | `standard` (default), `sensitive_service` or `restricted` |
//!
//! # Matching
//!
//! Each row is matched to a person already in the network by, in order: a valid NHS
//! number, then a valid UPN (current or former), then the council's person id. The first
//! identifier that finds exactly one person decides; if a later identifier in the same
//! row points at a *different* person, the row is ambiguous and quarantined. An invalid
//! NHS number or UPN is reported and the next identifier is tried. A row that matches
//! nobody, or more than one person, is quarantined and reported as
//! [`ProblemKind::Unmatched`]: Patchwork never guesses from names and dates of birth.
//!
//! A match is recorded as an [`IdentityLink`] (which identifier matched, from which row)
//! beside the involvement, so that every link can be reviewed; records are never merged.
//!
//! # Writing a feed
//!
//! [`write_feed`] writes the involvements of one partner agency in this format (all of
//! [`COLUMNS`], in that order), for tests, for the synthetic council and for a partner
//! that wants a template; [`write_feed_involvements`] writes a given list of them.
//! `agency_id` is the agency key's system (the feed importer keys an agency
//! `<agency_id>:agency`); `record_id`, `professional_id` and `team_id` are the ids of the
//! involvement's, professional's and team's keys. The team is the involvement's own,
//! else the professional's. The child is identified by every identifier the network
//! knows: NHS number, UPN and, when the person is keyed in the council's case system,
//! the council's person id. `role_category` is always written, so the council's role map
//! does not change it. Dates are `YYYY-MM-DD`; rows come in the order given (for
//! [`write_feed`], the network's order), so the same network gives the same bytes.
//!
//! Reading the file back into a network holding the same persons gives the same
//! involvements (apart from their provenance) when the network's records have the shape
//! the importer gives them: everything keyed in the agency's namespace, the
//! involvement's team equal to the professional's, no team parents. What the format
//! does not carry: a professional's staff id, registration number and period in post,
//! and a team's parent; an involvement with no start date or with neither professional
//! nor team is written but refused on reading.
//!
//! ```
//! use patchwork_adapters::agency::{import_feed_reader, FeedOptions};
//! use patchwork_core::*;
//!
//! let mut net = Network::new();
//! let mut child = Person::new(PersonKey::new("lcs", "100234"), PersonKind::Child, Source::system("lcs"));
//! child.nhs_number = Some("9434765919".parse()?);
//! net.add_person(child)?;
//!
//! let feed = "record_id,agency_id,agency_kind,professional_id,professional_name,role_code,child_nhs_number,start_date\n\
//!             hv-1,nhs-rxx,health,P77,Robin Visitor,HV,943 476 5919,2025-01-06\n\
//!             hv-2,nhs-rxx,health,P77,Robin Visitor,HV,4010232137,2025-01-06\n";
//! let report = import_feed_reader(&mut net, "health.csv", feed.as_bytes(), &FeedOptions::new("lcs"))?;
//! assert_eq!(report.files["health.csv"].loaded, 1);
//! assert_eq!(report.count(patchwork_adapters::report::ProblemKind::Unmatched), 1);
//! let team = net.team_around(&PersonKey::new("lcs", "100234"), "2025-02-01".parse()?)?;
//! assert_eq!(team.members[0].involvement.role(), RoleCategory::HealthVisitor);
//! assert_eq!(net.identity_links_of(&PersonKey::new("lcs", "100234"))?[0].matched_on, MatchedOn::NhsNumber);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use patchwork_core::{
    Agency, AgencyKey, AgencyKind, Capacity, EndReason, IdentityLink, Involvement, InvolvementKey,
    InvolvementRef, MatchedOn, Network, NhsNumber, Origin, Period, Person, PersonKey, Professional,
    ProfessionalKey, Role, RoleCategory, Sensitivity, Source, Team, TeamKey, Upn,
};
use rustc_hash::FxHashMap;

use crate::report::{FileCounts, ImportReport, Problem, ProblemKind, Severity};
use crate::ssd::RoleMap;
use crate::table::{Column, Limits, Row, TableError, TableReader};

/// The columns of the feed, in the order Patchwork writes them.
pub const COLUMNS: &[&str] = &[
    "record_id",
    "agency_id",
    "agency_name",
    "agency_kind",
    "ods_code",
    "school_urn",
    "team_id",
    "team_name",
    "professional_id",
    "professional_name",
    "job_title",
    "email",
    "phone",
    "professional_end_date",
    "role_code",
    "role_category",
    "child_nhs_number",
    "child_upn",
    "child_la_id",
    "child_given_name",
    "child_family_name",
    "child_birth_date",
    "start_date",
    "end_date",
    "end_reason",
    "sensitivity",
];

/// How to read a feed.
#[derive(Debug, Clone)]
pub struct FeedOptions {
    /// The key namespace of the council's case system, for matching `child_la_id`.
    pub la_system: String,
    /// Role codes -> categories, for rows without a `role_category`.
    pub roles: RoleMap,
    /// Size limits.
    pub limits: Limits,
}

impl FeedOptions {
    /// Default options for a council whose person ids live under `la_system`.
    pub fn new(la_system: impl Into<String>) -> Self {
        Self {
            la_system: la_system.into(),
            roles: RoleMap::default(),
            limits: Limits::default(),
        }
    }
}

/// Reads a feed file into `net`, matching each row to a person. Returns the report; a
/// structurally broken file is refused whole and leaves `net` unchanged.
pub fn import_feed(
    net: &mut Network,
    path: &Path,
    options: &FeedOptions,
) -> Result<ImportReport, TableError> {
    let staged = stage_file(net, path, options)?;
    Ok(apply_file(net, staged))
}

/// [`import_feed`] from any reader; `name` is the file name used in the report.
pub fn import_feed_reader<R: Read>(
    net: &mut Network,
    name: &str,
    reader: R,
    options: &FeedOptions,
) -> Result<ImportReport, TableError> {
    let table = TableReader::from_reader(name, reader, options.limits)?;
    let staged = stage_table(net, table, options)?;
    Ok(apply_file(net, staged))
}

/// Reads several feed files into `net`, in the order given, with the same result as
/// [`import_feed`] on each in turn, but reading (and matching) the files on up to
/// `threads` threads at a time; only adding to the network is sequential. `done` is
/// called with each file and its report as it is added.
///
/// A structurally broken file stops the import there, returning its path and error;
/// `net` then holds the files before it (the nightly job discards it).
pub fn import_feeds(
    net: &mut Network,
    paths: &[PathBuf],
    options: &FeedOptions,
    threads: usize,
    done: &mut dyn FnMut(&Path, &ImportReport),
) -> Result<ImportReport, (PathBuf, TableError)> {
    /// Bytes of files read before their rows are added: bounds the rows held at once.
    const GROUP_BYTES: u64 = 64 << 20;
    let threads = threads.max(1);
    let mut report = ImportReport::default();
    let mut rest = paths;
    while !rest.is_empty() {
        // The next group: files up to GROUP_BYTES (at least one).
        let mut bytes = 0;
        let mut n = 0;
        while n < rest.len() && (n == 0 || bytes < GROUP_BYTES) {
            bytes += std::fs::metadata(&rest[n]).map_or(0, |m| m.len());
            n += 1;
        }
        let (group, next) = rest.split_at(n);
        rest = next;
        let shared: &Network = net;
        let mut staged: Vec<Option<Result<StagedFile, TableError>>> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads.min(group.len()))
                .map(|t| {
                    scope.spawn(move || {
                        group
                            .iter()
                            .enumerate()
                            .skip(t)
                            .step_by(threads)
                            .map(|(i, path)| (i, stage_file(shared, path, options)))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut staged: Vec<Option<Result<StagedFile, TableError>>> =
                (0..group.len()).map(|_| None).collect();
            for worker in workers {
                let results = worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                for (i, result) in results {
                    staged[i] = Some(result);
                }
            }
            staged
        });
        for (path, file) in group.iter().zip(staged.iter_mut()) {
            let Some(file) = file.take() else {
                continue;
            };
            let file_report = apply_file(net, file.map_err(|e| (path.clone(), e))?);
            done(path, &file_report);
            report.merge(file_report);
        }
    }
    Ok(report)
}

/// The agency kind for its snake_case name.
pub fn parse_agency_kind(text: &str) -> Option<AgencyKind> {
    use AgencyKind::*;
    Some(match text.trim().to_ascii_lowercase().as_str() {
        "childrens_social_care" => ChildrensSocialCare,
        "health" => Health,
        "education" => Education,
        "police" => Police,
        "housing" => Housing,
        "youth_justice" => YouthJustice,
        "probation" => Probation,
        "early_help" => EarlyHelp,
        "voluntary" => Voluntary,
        "other" => Other,
        _ => return None,
    })
}

/// The snake_case name of an agency kind, as the feed writes it.
pub fn agency_kind_name(kind: AgencyKind) -> &'static str {
    use AgencyKind::*;
    match kind {
        ChildrensSocialCare => "childrens_social_care",
        Health => "health",
        Education => "education",
        Police => "police",
        Housing => "housing",
        YouthJustice => "youth_justice",
        Probation => "probation",
        EarlyHelp => "early_help",
        Voluntary => "voluntary",
        Other => "other",
    }
}

/// The snake_case name of a sensitivity, as the feed writes it.
pub fn sensitivity_name(s: Sensitivity) -> &'static str {
    match s {
        Sensitivity::Standard => "standard",
        Sensitivity::SensitiveService => "sensitive_service",
        Sensitivity::Restricted => "restricted",
    }
}

struct FeedColumns {
    record: Column,
    agency: Column,
    agency_name: Option<Column>,
    agency_kind: Option<Column>,
    ods: Option<Column>,
    urn: Option<Column>,
    team: Option<Column>,
    team_name: Option<Column>,
    professional: Option<Column>,
    professional_name: Option<Column>,
    job_title: Option<Column>,
    email: Option<Column>,
    phone: Option<Column>,
    professional_end: Option<Column>,
    role_code: Column,
    role_category: Option<Column>,
    nhs: Option<Column>,
    upn: Option<Column>,
    la_id: Option<Column>,
    start: Column,
    end: Option<Column>,
    end_reason: Option<Column>,
    sensitivity: Option<Column>,
}

/// One row, checked and matched, waiting for the whole file to be read.
struct Staged {
    line: u64,
    agency: Option<Agency>,
    team: Option<Team>,
    professional: Option<Professional>,
    involvement: Involvement,
    link: IdentityLink,
}

/// A feed file read and matched, not yet added to a network.
struct StagedFile {
    file: String,
    rows: Vec<Staged>,
    report: ImportReport,
    read: u64,
    quarantined: u64,
    bytes: u64,
}

/// Reads and matches one feed file against `net` without changing it.
fn stage_file(net: &Network, path: &Path, options: &FeedOptions) -> Result<StagedFile, TableError> {
    let table = TableReader::open(path, options.limits)?;
    stage_table(net, table, options)
}

fn stage_table<R: Read>(
    net: &Network,
    mut table: TableReader<R>,
    options: &FeedOptions,
) -> Result<StagedFile, TableError> {
    let c = FeedColumns {
        record: table.require("record_id")?,
        agency: table.require("agency_id")?,
        agency_name: table.column("agency_name"),
        agency_kind: table.column("agency_kind"),
        ods: table.column("ods_code"),
        urn: table.column("school_urn"),
        team: table.column("team_id"),
        team_name: table.column("team_name"),
        professional: table.column("professional_id"),
        professional_name: table.column("professional_name"),
        job_title: table.column("job_title"),
        email: table.column("email"),
        phone: table.column("phone"),
        professional_end: table.column("professional_end_date"),
        role_code: table.require("role_code")?,
        role_category: table.column("role_category"),
        nhs: table.column("child_nhs_number"),
        upn: table.column("child_upn"),
        la_id: table.column("child_la_id"),
        start: table.require("start_date")?,
        end: table.column("end_date"),
        end_reason: table.column("end_reason"),
        sensitivity: table.column("sensitivity"),
    };
    let mut report = ImportReport::default();
    let file = table.file().to_owned();
    for column in table.unknown_columns(COLUMNS) {
        report.push(Problem {
            file: file.clone(),
            line: Some(1),
            column: Some(column.to_owned()),
            kind: ProblemKind::UnknownColumn,
            severity: Severity::Warning,
            message: "column not in the partner-agency feed format; ignored".into(),
        });
    }
    let origin = Origin::new("agency-feed", Some(file.clone()));
    let mut staged: Vec<Staged> = Vec::new();
    let mut seen = Seen::default();
    let (mut rows, mut quarantined) = (0u64, 0u64);
    while let Some(row) = table.next_row()? {
        rows += 1;
        let source = Source::at(&origin, row.line());
        match row
            .check_width()
            .and_then(|()| stage(net, &row, &c, options, &source, &mut report, &mut seen))
        {
            Ok(s) => staged.push(s),
            Err(problem) => {
                quarantined += 1;
                report.push(problem);
            }
        }
    }
    Ok(StagedFile {
        bytes: table.bytes_read(),
        file,
        rows: staged,
        report,
        read: rows,
        quarantined,
    })
}

/// Adds a staged file's rows to `net`, in file order; returns the file's report.
fn apply_file(net: &mut Network, staged: StagedFile) -> ImportReport {
    let StagedFile {
        file,
        rows: staged,
        mut report,
        read: rows,
        mut quarantined,
        bytes,
    } = staged;
    // Room for the file's rows, so that the network does not re-hash as it grows.
    net.reserve(Capacity {
        involvements: staged.len(),
        ..Capacity::default()
    });
    let mut loaded = 0u64;
    for s in staged {
        let line = s.line;
        match apply(net, s) {
            Ok(()) => loaded += 1,
            Err(err) => {
                quarantined += 1;
                report.push(Problem {
                    file: file.clone(),
                    line: Some(line),
                    column: None,
                    kind: if matches!(err, patchwork_core::Error::DuplicateKey { .. }) {
                        ProblemKind::DuplicateId
                    } else {
                        ProblemKind::Rejected
                    },
                    severity: Severity::Quarantined,
                    message: err.to_string(),
                });
            }
        }
    }
    *report.file(&file) += FileCounts {
        rows,
        loaded,
        quarantined,
        bytes,
    };
    report
}

/// Adds what a staged row brings. An agency, team or professional is described by the
/// first row that names it (later rows' details are not compared), and is added even if
/// that row's involvement is then refused, because later rows rely on it.
fn apply(net: &mut Network, staged: Staged) -> Result<(), patchwork_core::Error> {
    // Files read at the same time (see `import_feeds`) can each bring the same new
    // agency, team or professional: the first file in order describes it, as when the
    // files are read one after another.
    if let Some(agency) = staged.agency.filter(|a| net.agency(&a.key).is_none()) {
        net.add_agency(agency)?;
    }
    if let Some(team) = staged.team.filter(|t| net.team(&t.key).is_none()) {
        net.add_team(team)?;
    }
    if let Some(p) = staged
        .professional
        .filter(|p| net.professional(&p.key).is_none())
    {
        net.add_professional(p)?;
    }
    net.add_involvement(staged.involvement)?;
    net.add_identity_link(staged.link)
}

/// The agencies, teams and professionals a feed has named so far (in the network already
/// or staged earlier in the file), so that each is built once, not once per row.
#[derive(Default)]
struct Seen {
    agencies: FxHashMap<String, SeenAgency>,
    role_codes: FxHashMap<String, Arc<str>>,
}

struct SeenAgency {
    key: AgencyKey,
    teams: FxHashMap<String, TeamKey>,
    professionals: FxHashMap<String, ProfessionalKey>,
}

#[allow(clippy::too_many_arguments)]
fn stage(
    net: &Network,
    row: &Row<'_>,
    c: &FeedColumns,
    options: &FeedOptions,
    source: &Source,
    report: &mut ImportReport,
    seen: &mut Seen,
) -> Result<Staged, Problem> {
    // Everything that can refuse the row comes first; `seen` changes only once the row
    // is accepted, so a refused row cannot leave a half-known team behind.
    let record_id = row.required(c.record)?;
    let agency_id = row.required(c.agency)?;
    let (person, matched_on) = match_person(net, row, c, options, report)?;
    let kind = match row.text(c.agency_kind)? {
        None => AgencyKind::Other,
        Some(text) => parse_agency_kind(text).ok_or_else(|| {
            row.problem_at(
                c.agency_kind.expect("has text"),
                ProblemKind::UnknownCode,
                "agency_kind is not one of the listed kinds",
            )
        })?,
    };
    let team_id = row.text(c.team)?;
    let professional_id = row.text(c.professional)?;
    if professional_id.is_none() && team_id.is_none() {
        return Err(row.problem(
            ProblemKind::MissingValue,
            "neither professional_id nor team_id is given",
        ));
    }
    let code = row.required(c.role_code)?;
    let category = match row.text(c.role_category)? {
        Some(text) => RoleCategory::ALL
            .into_iter()
            .find(|r| r.as_str() == text.to_ascii_lowercase())
            .ok_or_else(|| {
                row.problem_at(
                    c.role_category.expect("has text"),
                    ProblemKind::UnknownCode,
                    "role_category is not one of Patchwork's role categories",
                )
            })?,
        None => options.roles.category(code).unwrap_or(RoleCategory::Other),
    };
    let sensitivity = match row
        .text(c.sensitivity)?
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        None | Some("standard") => Sensitivity::Standard,
        Some("sensitive_service") => Sensitivity::SensitiveService,
        Some("restricted") => Sensitivity::Restricted,
        Some(_) => {
            return Err(row.problem_at(
                c.sensitivity.expect("has text"),
                ProblemKind::UnknownCode,
                "sensitivity is not standard, sensitive_service or restricted",
            ));
        }
    };
    let start = row
        .date(c.start)?
        .ok_or_else(|| row.problem_at(c.start, ProblemKind::MissingValue, "start_date is empty"))?;
    let end = row.date(c.end)?;
    let period = Period::new(Some(start), end).map_err(|e| {
        row.problem_at(
            c.end.expect("end given"),
            ProblemKind::EndBeforeStart,
            e.to_string(),
        )
    })?;
    let end_reason = row.text(c.end_reason)?.map(EndReason::parse);
    let (agency_name, ods, urn) = (row.text(c.agency_name)?, row.text(c.ods)?, row.text(c.urn)?);
    let team_name = row.text(c.team_name)?;
    let (professional_name, job_title, email, phone) = (
        row.text(c.professional_name)?,
        row.text(c.job_title)?,
        row.text(c.email)?,
        row.text(c.phone)?,
    );
    let professional_end = row.date(c.professional_end)?;

    // The row is accepted: resolve (and on first sight, build) agency, team, professional.
    let mut new_agency = None;
    if !seen.agencies.contains_key(agency_id) {
        let key = AgencyKey::new(agency_id, "agency");
        if net.agency(&key).is_none() {
            new_agency = Some(Agency {
                key: key.clone(),
                name: agency_name.unwrap_or(agency_id).to_owned(),
                kind,
                ods_code: ods.map(str::to_owned),
                school_urn: urn.map(str::to_owned),
                source: source.clone(),
            });
        }
        seen.agencies.insert(
            agency_id.to_owned(),
            SeenAgency {
                key,
                teams: FxHashMap::default(),
                professionals: FxHashMap::default(),
            },
        );
    }
    let known = seen.agencies.get_mut(agency_id).expect("inserted above");
    let mut new_team = None;
    let team = team_id.map(|id| {
        known.teams.get(id).cloned().unwrap_or_else(|| {
            let key = TeamKey::new(agency_id, id);
            if net.team(&key).is_none() {
                new_team = Some(Team {
                    key: key.clone(),
                    name: team_name.unwrap_or(id).to_owned(),
                    agency: Some(known.key.clone()),
                    parent: None,
                    source: source.clone(),
                });
            }
            known.teams.insert(id.to_owned(), key.clone());
            key
        })
    });
    let mut new_professional = None;
    let professional = professional_id.map(|id| {
        known.professionals.get(id).cloned().unwrap_or_else(|| {
            let key = ProfessionalKey::new(agency_id, id);
            if net.professional(&key).is_none() {
                let mut p = Professional::new(key.clone(), source.clone());
                p.name = professional_name.map(str::to_owned);
                p.job_title = job_title.map(str::to_owned);
                p.email = email.map(str::to_owned);
                p.phone = phone.map(str::to_owned);
                p.active = Period {
                    start: None,
                    end: professional_end,
                };
                p.agency = Some(known.key.clone());
                p.team = team.clone();
                new_professional = Some(p);
            }
            known.professionals.insert(id.to_owned(), key.clone());
            key
        })
    });
    let code = match seen.role_codes.get(code) {
        Some(shared) => Arc::clone(shared),
        None => {
            let shared: Arc<str> = Arc::from(code);
            seen.role_codes.insert(code.to_owned(), Arc::clone(&shared));
            shared
        }
    };
    let involvement = Involvement {
        key: InvolvementKey::new(agency_id, record_id),
        person: person.clone(),
        professional,
        team,
        role: Role::new(code, category),
        period,
        end_reason,
        sensitivity,
        source: source.clone(),
    };
    let link = IdentityLink {
        person,
        record: involvement.key.0.clone(),
        matched_on,
        source: source.clone(),
    };
    Ok(Staged {
        line: row.line(),
        agency: new_agency,
        team: new_team,
        professional: new_professional,
        involvement,
        link,
    })
}

/// Finds the one person a row is about; see the module documentation for the rules.
fn match_person(
    net: &Network,
    row: &Row<'_>,
    c: &FeedColumns,
    options: &FeedOptions,
    report: &mut ImportReport,
) -> Result<(PersonKey, MatchedOn), Problem> {
    let mut candidates: Vec<(Vec<&Person>, MatchedOn, Column)> = Vec::new();
    if let Some(text) = row.text(c.nhs)? {
        let col = c.nhs.expect("has text");
        match NhsNumber::parse(text) {
            Ok(nhs) => {
                candidates.push((net.persons_with_nhs_number(&nhs), MatchedOn::NhsNumber, col))
            }
            Err(e) => report.push(warning(row.problem_at(
                col,
                ProblemKind::InvalidNhsNumber,
                e.to_string(),
            ))),
        }
    }
    if let Some(text) = row.text(c.upn)? {
        let col = c.upn.expect("has text");
        match Upn::parse(text) {
            Ok(upn) => candidates.push((net.persons_with_upn(&upn), MatchedOn::Upn, col)),
            Err(e) => report.push(warning(row.problem_at(
                col,
                ProblemKind::InvalidUpn,
                e.to_string(),
            ))),
        }
    }
    if let Some(text) = row.text(c.la_id)? {
        let found = net
            .person(&PersonKey::new(&options.la_system, text))
            .into_iter()
            .collect();
        candidates.push((found, MatchedOn::LaPersonId, c.la_id.expect("has text")));
    }
    if candidates.is_empty() {
        return Err(row.problem(
            ProblemKind::Unmatched,
            "no valid child identifier (NHS number, UPN or council id)",
        ));
    }
    let mut chosen: Option<(&Person, MatchedOn)> = None;
    for (persons, on, col) in candidates {
        match (persons.as_slice(), chosen) {
            ([], _) => {}
            ([_, _, ..], None) => {
                return Err(row.problem_at(
                    col,
                    ProblemKind::Unmatched,
                    format!(
                        "{} persons share this identifier; resolve the duplicate records first",
                        persons.len()
                    ),
                ));
            }
            ([p], None) => chosen = Some((p, on)),
            (found, Some((first, first_on))) => {
                if found.iter().any(|p| p.key != first.key) {
                    return Err(row.problem_at(col, ProblemKind::Unmatched, format!("this identifier points at a different person from the {first_on:?} match; not guessing")));
                }
            }
        }
    }
    chosen.map(|(p, on)| (p.key.clone(), on)).ok_or_else(|| {
        row.problem(
            ProblemKind::Unmatched,
            "no person has any of the row's identifiers",
        )
    })
}

fn warning(mut p: Problem) -> Problem {
    p.severity = Severity::Warning;
    p
}

// ----- writing a feed ---------------------------------------------------------------------

/// A feed that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum FeedWriteError {
    /// The agency to write is not in the network.
    #[error("agency {0} is not in the network")]
    UnknownAgency(String),
    /// The output could not be written.
    #[error("cannot write the feed: {0}")]
    Io(#[from] io::Error),
}

/// Writes every involvement keyed in `agency`'s namespace (the involvement key's system
/// equal to the agency key's) as a feed to `out`, in the network's order, and returns
/// the number of rows written. `la_system` is the council's case system: persons keyed
/// in it get their id written as `child_la_id`. See the [module documentation](self)
/// for the layout and what it cannot carry.
///
/// ```
/// use patchwork_adapters::agency::{import_feed_reader, write_feed, FeedOptions};
/// use patchwork_core::*;
///
/// let mut net = Network::new();
/// let mut child = Person::new(PersonKey::new("lcs", "100234"), PersonKind::Child, Source::system("lcs"));
/// child.nhs_number = Some("9434765919".parse()?);
/// net.add_person(child.clone())?;
/// let feed = "record_id,agency_id,agency_kind,professional_id,role_code,child_nhs_number,start_date\n\
///             hv-1,nhs-rxx,health,P77,HV,9434765919,2025-01-06\n";
/// import_feed_reader(&mut net, "health.csv", feed.as_bytes(), &FeedOptions::new("lcs"))?;
///
/// let mut out = Vec::new();
/// let rows = write_feed(&net, &AgencyKey::new("nhs-rxx", "agency"), "lcs", &mut out)?;
/// assert_eq!(rows, 1);
/// let text = String::from_utf8(out)?;
/// assert!(text.contains("hv-1,nhs-rxx,nhs-rxx,health,,,,,P77,"));
/// assert!(text.contains(",HV,health_visitor,9434765919,,100234,"));
///
/// // Read back into a network holding the same child: the same involvement.
/// let mut back = Network::new();
/// back.add_person(child)?;
/// import_feed_reader(&mut back, "again.csv", text.as_bytes(), &FeedOptions::new("lcs"))?;
/// let key = InvolvementKey::new("nhs-rxx", "hv-1");
/// let (a, b) = (net.involvement(&key).unwrap(), back.involvement(&key).unwrap());
/// assert_eq!((a.role(), a.period()), (b.role(), b.period()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_feed<W: Write>(
    net: &Network,
    agency: &AgencyKey,
    la_system: &str,
    out: W,
) -> Result<u64, FeedWriteError> {
    let system = agency.system();
    let involvements = net.involvements().filter(|i| i.key().system() == system);
    write_feed_involvements(net, agency, involvements, la_system, out)
}

/// Writes the given involvements as a feed of `agency` to `out`, in the order given, and
/// returns the number of rows written. Use it to write many agencies' feeds in one pass
/// over the network; [`write_feed`] selects the involvements itself. Every row names
/// `agency` (its key's system as `agency_id`, its name, kind, ODS code and URN), whatever
/// agency the involvement's professional belongs to.
pub fn write_feed_involvements<'n, W: Write>(
    net: &'n Network,
    agency: &AgencyKey,
    involvements: impl IntoIterator<Item = InvolvementRef<'n>>,
    la_system: &str,
    out: W,
) -> Result<u64, FeedWriteError> {
    let a = net
        .agency(agency)
        .ok_or_else(|| FeedWriteError::UnknownAgency(agency.to_string()))?;
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    writer.write_record(COLUMNS).map_err(csv_io)?;
    let agency_id = agency.system();
    let kind = agency_kind_name(a.kind);
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let mut rows = 0u64;
    for inv in involvements {
        let professional = inv.professional();
        let team = inv.team().or_else(|| {
            professional
                .and_then(|p| p.team.as_ref())
                .and_then(|t| net.team(t))
        });
        let person = inv.person();
        let la_id = (person.key.system() == la_system).then(|| person.key.id());
        let period = inv.period();
        let fields: [&str; 26] = [
            inv.key().id(),
            agency_id,
            &a.name,
            kind,
            a.ods_code.as_deref().unwrap_or_default(),
            a.school_urn.as_deref().unwrap_or_default(),
            team.map(|t| t.key.id()).unwrap_or_default(),
            team.map(|t| t.name.as_str()).unwrap_or_default(),
            professional.map(|p| p.key.id()).unwrap_or_default(),
            professional
                .and_then(|p| p.name.as_deref())
                .unwrap_or_default(),
            professional
                .and_then(|p| p.job_title.as_deref())
                .unwrap_or_default(),
            professional
                .and_then(|p| p.email.as_deref())
                .unwrap_or_default(),
            professional
                .and_then(|p| p.phone.as_deref())
                .unwrap_or_default(),
            &date(professional.and_then(|p| p.active.end)),
            inv.role_code(),
            inv.role().as_str(),
            &person.nhs_number.map(|n| n.to_string()).unwrap_or_default(),
            person.upn.as_ref().map(Upn::as_str).unwrap_or_default(),
            la_id.unwrap_or_default(),
            person.given_name.as_deref().unwrap_or_default(),
            person.family_name.as_deref().unwrap_or_default(),
            &date(person.birth_date),
            &date(period.start),
            &date(period.end),
            &inv.end_reason().map(|r| r.to_string()).unwrap_or_default(),
            sensitivity_name(inv.sensitivity()),
        ];
        debug_assert_eq!(fields.len(), COLUMNS.len());
        writer.write_record(fields).map_err(csv_io)?;
        rows += 1;
    }
    writer.flush()?;
    Ok(rows)
}

fn csv_io(err: csv::Error) -> io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}
