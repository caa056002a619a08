//! Reading an SSD extract (a folder of `ssd_*.csv` files) into a network.

use rustc_hash::FxHashMap as HashMap;
use std::borrow::Borrow;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use patchwork_core::{
    Activity, ActivityKey, ActivityKind, Agency, AgencyKey, AgencyKind, Capacity, CategoryOfAbuse,
    EndReason, Episode, EpisodeDetail, EpisodeKey, ExternalKey, Household, HouseholdKey,
    Involvement, InvolvementKey, Network, NhsNumber, Origin, OtherIdentifier, Period, Person,
    PersonKey, PersonKind, Professional, ProfessionalKey, Relationship, RelationshipKey,
    RelationshipKind, Role, RoleCategory, Sensitivity, Sex, Source, Team, TeamKey, Upn,
};

use super::roles::RoleMap;
use super::schema::{self, Table};
use crate::report::{FileCounts, ImportReport, Problem, ProblemKind, Severity};
use crate::table::{Column, Limits, Row, TableError, TableReader};

/// Which case system produced the extract. The SSD scripts differ per system; see
/// [`crate::ssd`] for what each flavour changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Flavour {
    /// Liquidlogic LCS.
    #[default]
    Lcs,
    /// Mosaic: no `ssd_family`, involvements without `invo_person_id`, team names in place
    /// of team ids.
    Mosaic,
    /// Eclipse: professionals with empty attributes.
    Eclipse,
}

/// How to read an extract.
#[derive(Debug, Clone)]
pub struct SsdOptions {
    /// The key namespace for everything read (`lcs`, `mosaic`, or the council's own label).
    pub system: String,
    /// Which case system produced the files.
    pub flavour: Flavour,
    /// The council's name, given to the children's social care agency.
    pub council_name: String,
    /// Role codes -> role categories.
    pub roles: RoleMap,
    /// Size limits per file.
    pub limits: Limits,
}

impl SsdOptions {
    /// Options for a flavour, with that flavour's name as the system, the default role map
    /// and default limits.
    pub fn new(flavour: Flavour) -> Self {
        let system = match flavour {
            Flavour::Lcs => "lcs",
            Flavour::Mosaic => "mosaic",
            Flavour::Eclipse => "eclipse",
        };
        Self {
            system: system.into(),
            flavour,
            council_name: "Children's social care".into(),
            roles: RoleMap::default(),
            limits: Limits::default(),
        }
    }
}

/// An import that could not go ahead: nothing from it should be used.
#[derive(Debug, thiserror::Error)]
pub enum SsdError {
    /// The folder does not exist or is not a folder.
    #[error("{0}: not a folder")]
    NotAFolder(PathBuf),
    /// `ssd_person.csv` is missing: without persons nothing else can load.
    #[error("{0}: ssd_person.csv is missing; it is required")]
    NoPersons(PathBuf),
    /// A file is structurally broken (unreadable, not CSV, a required column missing,
    /// over a size limit).
    #[error(transparent)]
    Table(#[from] TableError),
}

/// The result of an import: the network and the report of everything left out.
#[derive(Debug)]
pub struct SsdImport {
    /// The network built from the rows that passed.
    pub network: Network,
    /// Every problem found, with its location, and row counts per file.
    pub report: ImportReport,
}

/// The key of the agency an import creates for the council's children's social care.
pub fn council_agency_key(system: &str) -> AgencyKey {
    AgencyKey::new(system, "council")
}

/// Reads the SSD tables in `dir` into a new network.
///
/// Rows with problems are quarantined and reported; the rest loads. A structurally broken
/// file fails the whole import with [`SsdError`]. Tables other than `ssd_person` may be
/// absent (reported as warnings).
pub fn import_dir(dir: &Path, options: &SsdOptions) -> Result<SsdImport, SsdError> {
    if !dir.is_dir() {
        return Err(SsdError::NotAFolder(dir.to_owned()));
    }
    if !dir.join(schema::PERSON.file_name()).is_file() {
        return Err(SsdError::NoPersons(dir.to_owned()));
    }
    let mut importer = Importer::new(options);
    importer.run(|table| {
        let path = dir.join(table.file_name());
        if path.is_file() {
            TableReader::open(&path, options.limits).map(|r| Some(r.restoring_formulas()))
        } else {
            Ok(None)
        }
    })?;
    Ok(importer.finish())
}

/// Reads SSD tables from in-memory CSV texts keyed by table name (`ssd_person`...), for
/// tests and for callers that fetch tables themselves.
pub fn import_tables(
    tables: &std::collections::HashMap<String, Vec<u8>>,
    options: &SsdOptions,
) -> Result<SsdImport, SsdError> {
    if !tables.contains_key(schema::PERSON.name) {
        return Err(SsdError::NoPersons(PathBuf::from("(in memory)")));
    }
    let mut importer = Importer::new(options);
    importer.run(|table| match tables.get(table.name) {
        Some(bytes) => {
            TableReader::from_reader(&table.file_name(), bytes.as_slice(), options.limits)
                .map(|r| Some(r.restoring_formulas()))
        }
        None => Ok(None),
    })?;
    Ok(importer.finish())
}

/// Id values that mean "none" in LCS extracts.
fn is_null_id(text: &str) -> bool {
    text == "-1"
}

/// The period of an activity recorded on one day (a referral taken, a conference held):
/// that day alone, `[day, day + 1)`.
pub(crate) fn single_day(day: Option<NaiveDate>) -> Period {
    Period {
        start: day,
        end: day.and_then(|d| d.succ_opt()),
    }
}

/// End dates that mean "still open" in LCS extracts.
fn open_end_sentinel(date: NaiveDate) -> bool {
    date == NaiveDate::from_ymd_opt(1900, 1, 1).expect("valid date")
}

struct Importer<'o> {
    opts: &'o SsdOptions,
    sys: &'o str,
    net: Network,
    report: ImportReport,
    /// Referral id -> person id, for Mosaic involvements that name only the referral.
    referral_person: HashMap<String, PersonKey>,
    /// Unknown role codes and how many rows used each.
    unknown_roles: HashMap<String, (u64, String, u64)>,
    /// Team names seen in Mosaic involvements, made into teams on first use.
    team_by_name: HashMap<String, TeamKey>,
    /// Persons, professionals and teams loaded so far, found by id without allocating a
    /// key: records that refer to them share their key.
    known_persons: KnownKeys,
    known_professionals: KnownKeys,
    known_teams: KnownKeys,
    /// Role codes seen so far, shared between rows, with their category.
    role_codes: HashMap<String, (Arc<str>, Option<RoleCategory>)>,
}

/// Columns looked up once per table.
struct Cols<'t, R: Read> {
    table: &'t TableReader<R>,
}

impl<R: Read> Cols<'_, R> {
    fn get(&self, name: &str) -> Option<Column> {
        self.table.column(name)
    }
    fn req(&self, name: &str) -> Result<Column, TableError> {
        self.table.require(name)
    }
}

impl<'o> Importer<'o> {
    fn new(opts: &'o SsdOptions) -> Self {
        Self {
            opts,
            sys: &opts.system,
            net: Network::new(),
            report: ImportReport::default(),
            referral_person: HashMap::default(),
            unknown_roles: HashMap::default(),
            team_by_name: HashMap::default(),
            known_persons: KnownKeys::default(),
            known_professionals: KnownKeys::default(),
            known_teams: KnownKeys::default(),
            role_codes: HashMap::default(),
        }
    }

    fn finish(mut self) -> SsdImport {
        let mut unknown: Vec<_> = self.unknown_roles.drain().collect();
        unknown.sort();
        for (code, (rows, file, line)) in unknown {
            self.report.push(Problem {
                file,
                line: Some(line),
                column: Some("invo_professional_role_id".into()),
                kind: ProblemKind::UnknownCode,
                severity: Severity::Warning,
                message: format!(
                    "role code {code:?} is not in the role map; {rows} row(s) loaded with category \"other\" (add it to the council's role mapping file)"
                ),
            });
        }
        SsdImport {
            network: self.net,
            report: self.report,
        }
    }

    fn run<R: Read>(
        &mut self,
        mut open: impl FnMut(&Table) -> Result<Option<TableReader<R>>, TableError>,
    ) -> Result<(), SsdError> {
        self.net
            .add_agency(Agency {
                key: council_agency_key(self.sys),
                name: self.opts.council_name.clone(),
                kind: AgencyKind::ChildrensSocialCare,
                ods_code: None,
                school_urn: None,
                source: Source::system(self.sys),
            })
            .expect("the first record of an empty network");
        let mut staged_persons: Option<StagedPersons> = None;
        for table in schema::ALL {
            let Some(mut reader) = open(table)? else {
                if !(table.name == schema::FAMILY.name && self.opts.flavour == Flavour::Mosaic) {
                    self.report.push(Problem {
                        file: table.file_name(),
                        line: None,
                        column: None,
                        kind: ProblemKind::MissingTable,
                        severity: Severity::Warning,
                        message: format!(
                            "{} is not in the extract; nothing from it is loaded",
                            table.file_name()
                        ),
                    });
                }
                if table.name == schema::ADDRESS.name {
                    // Persons are added once their identifiers and address are known.
                    self.add_persons(staged_persons.take());
                }
                continue;
            };
            let known: Vec<&str> = table
                .columns
                .iter()
                .copied()
                .chain(
                    schema::COLUMN_ALIASES
                        .iter()
                        .filter(|(t, _, _)| *t == table.name)
                        .map(|(_, _, alias)| *alias),
                )
                .collect();
            for column in reader.unknown_columns(&known) {
                self.report.push(Problem {
                    file: reader.file().to_owned(),
                    line: Some(1),
                    column: Some(column.to_owned()),
                    kind: ProblemKind::UnknownColumn,
                    severity: Severity::Warning,
                    message: "column not in the SSD specification; ignored".into(),
                });
            }
            match table.name {
                "ssd_department" => self.departments(&mut reader)?,
                "ssd_professionals" => self.professionals(&mut reader)?,
                "ssd_person" => staged_persons = Some(self.persons(&mut reader)?),
                "ssd_linked_identifiers" => {
                    self.linked_identifiers(&mut reader, staged_persons.as_mut())?
                }
                "ssd_address" => {
                    self.addresses(&mut reader, staged_persons.as_mut())?;
                    self.add_persons(staged_persons.take());
                }
                "ssd_family" => self.families(&mut reader)?,
                "ssd_mother" => self.mothers(&mut reader)?,
                "ssd_cin_episodes" => self.cin_episodes(&mut reader)?,
                "ssd_cin_assessments" => self.activities(&mut reader, ActivitySpec::ASSESSMENT)?,
                "ssd_cin_plans" => self.activities(&mut reader, ActivitySpec::CIN_PLAN)?,
                "ssd_s47_enquiry" => self.s47(&mut reader)?,
                "ssd_initial_cp_conference" => self.activities(&mut reader, ActivitySpec::ICPC)?,
                "ssd_cp_plans" => self.cp_plans(&mut reader)?,
                "ssd_cla_episodes" => self.cla_episodes(&mut reader)?,
                "ssd_early_help_episodes" => self.early_help(&mut reader)?,
                "ssd_care_leavers" => self.care_leavers(&mut reader)?,
                "ssd_involvements" => self.involvements(&mut reader)?,
                other => unreachable!("table {other} has no reader"),
            }
        }
        Ok(())
    }

    /// Reads every row of a table through `each`, counting rows and quarantining those
    /// whose handler returns a problem.
    fn rows<R: Read>(
        &mut self,
        reader: &mut TableReader<R>,
        mut each: impl FnMut(&mut Self, &Row<'_>, &Source) -> Result<(), Problem>,
    ) -> Result<(), TableError> {
        let file = reader.file().to_owned();
        let origin = Origin::new(self.sys, Some(file.clone()));
        let (mut rows, mut loaded, mut quarantined) = (0u64, 0u64, 0u64);
        while let Some(row) = reader.next_row()? {
            rows += 1;
            let source = Source::at(&origin, row.line());
            match row.check_width().and_then(|()| each(self, &row, &source)) {
                Ok(()) => loaded += 1,
                Err(problem) => {
                    quarantined += 1;
                    self.report.push(problem);
                }
            }
        }
        *self.report.file(&file) += FileCounts {
            rows,
            loaded,
            quarantined,
            bytes: reader.bytes_read(),
        };
        Ok(())
    }

    /// An id column's value, with LCS's `-1` read as empty.
    fn id<'r>(row: &Row<'r>, col: Option<Column>) -> Result<Option<&'r str>, Problem> {
        Ok(row.text(col)?.filter(|t| !is_null_id(t)))
    }

    /// An end date, with LCS's `1900-01-01` read as open.
    fn end_date(row: &Row<'_>, col: Option<Column>) -> Result<Option<NaiveDate>, Problem> {
        Ok(row.date(col)?.filter(|d| !open_end_sentinel(*d)))
    }

    /// A period from two columns, with a located problem when the end is before the start.
    fn period(
        row: &Row<'_>,
        start: Option<Column>,
        end: Option<Column>,
    ) -> Result<Period, Problem> {
        let s = row.date(start)?;
        let e = Self::end_date(row, end)?;
        Period::new(s, e).map_err(|err| match end {
            Some(col) => row.problem_at(col, ProblemKind::EndBeforeStart, err.to_string()),
            None => row.problem(ProblemKind::EndBeforeStart, err.to_string()),
        })
    }

    fn person_key(&self, id: &str) -> PersonKey {
        PersonKey(self.known_persons.get(self.sys, id))
    }

    fn professional_key(&self, id: &str) -> ProfessionalKey {
        ProfessionalKey(self.known_professionals.get(self.sys, id))
    }

    /// A team reference: an id (LCS, Eclipse) or, for Mosaic, a team name, made into a
    /// team on first use.
    fn team_ref(&mut self, row: &Row<'_>, col: Option<Column>) -> Result<Option<TeamKey>, Problem> {
        let Some(text) = Self::id(row, col)? else {
            return Ok(None);
        };
        if self.opts.flavour == Flavour::Mosaic {
            if let Some(key) = self.team_by_name.get(text) {
                return Ok(Some(key.clone()));
            }
            let key = TeamKey::new(self.sys, format!("name/{text}"));
            if self.net.team(&key).is_none() {
                self.net
                    .add_team(Team {
                        key: key.clone(),
                        name: text.to_owned(),
                        agency: Some(council_agency_key(self.sys)),
                        parent: None,
                        source: Source::system(self.sys),
                    })
                    .map_err(|e| row.problem(ProblemKind::Rejected, e.to_string()))?;
            }
            self.team_by_name.insert(text.to_owned(), key.clone());
            return Ok(Some(key));
        }
        Ok(Some(TeamKey(self.known_teams.get(self.sys, text))))
    }

    /// Turns a network refusal into a located problem.
    fn refused(row: &Row<'_>, err: patchwork_core::Error) -> Problem {
        use patchwork_core::Error as E;
        let kind = match &err {
            E::DuplicateKey { .. } => ProblemKind::DuplicateId,
            E::UnknownReference { .. } | E::NotFound { .. } => ProblemKind::UnknownReference,
            E::EndBeforeStart { .. } | E::DeathBeforeBirth { .. } => ProblemKind::EndBeforeStart,
            E::NoParticipant { .. } => ProblemKind::MissingValue,
            _ => ProblemKind::Rejected,
        };
        row.problem(kind, err.to_string())
    }

    // ----- tables ---------------------------------------------------------------------

    fn departments<R: Read>(&mut self, reader: &mut TableReader<R>) -> Result<(), TableError> {
        let c = Cols { table: reader };
        let (id, name, parent) = (
            c.req("dept_team_id")?,
            c.get("dept_team_name"),
            c.get("dept_team_parent_id"),
        );
        // Parents may come after their children in the file: stage, then add in order.
        let mut staged: Vec<(Team, Option<String>, u64)> = Vec::new();
        self.rows(reader, |me, row, source| {
            let team_id = Self::id(row, Some(id))?
                .ok_or_else(|| row.problem_at(id, ProblemKind::MissingValue, "team id is empty"))?;
            let parent_id = Self::id(row, parent)?.map(str::to_owned);
            staged.push((
                Team {
                    key: TeamKey::new(me.sys, team_id),
                    name: row.text(name)?.unwrap_or(team_id).to_owned(),
                    agency: Some(council_agency_key(me.sys)),
                    parent: None,
                    source: source.clone(),
                },
                parent_id,
                row.line(),
            ));
            Ok(())
        })?;
        let file = reader.file().to_owned();
        let ids: std::collections::HashSet<String> = staged
            .iter()
            .map(|(t, _, _)| t.key.id().to_owned())
            .collect();
        // Repeatedly add teams whose parent is absent from the file or already added.
        let mut pending = staged;
        loop {
            let before = pending.len();
            let mut still = Vec::new();
            for (mut team, parent, line) in pending {
                let ready = match &parent {
                    None => true,
                    Some(p) if !ids.contains(p) => {
                        self.report.push(Problem {
                            file: file.clone(),
                            line: Some(line),
                            column: Some("dept_team_parent_id".into()),
                            kind: ProblemKind::UnknownReference,
                            severity: Severity::Warning,
                            message: "parent team is not in ssd_department; the team is loaded without a parent".into(),
                        });
                        true
                    }
                    Some(p) => {
                        let key = TeamKey::new(self.sys, p);
                        if self.net.team(&key).is_some() {
                            team.parent = Some(key);
                            true
                        } else {
                            false
                        }
                    }
                };
                if ready {
                    let key = team.key.0.clone();
                    match self.net.add_team(team) {
                        Ok(()) => self.known_teams.insert(key),
                        Err(err) => self.quarantine_staged(&file, line, err),
                    }
                } else {
                    still.push((team, parent, line));
                }
            }
            pending = still;
            if pending.is_empty() || pending.len() == before {
                break;
            }
        }
        for (team, _, line) in pending {
            self.quarantine_staged(
                &file,
                line,
                patchwork_core::Error::UnknownReference {
                    kind: patchwork_core::EntityKind::Team,
                    key: team.parent.map_or_else(String::new, |p| p.to_string()),
                    referrer: format!("team {} (its parent chain is a cycle)", team.key),
                },
            );
        }
        Ok(())
    }

    /// Records a problem for a row that was staged and then refused.
    fn quarantine_staged(&mut self, file: &str, line: u64, err: patchwork_core::Error) {
        let kind = if matches!(err, patchwork_core::Error::DuplicateKey { .. }) {
            ProblemKind::DuplicateId
        } else {
            ProblemKind::UnknownReference
        };
        self.report.push(Problem {
            file: file.to_owned(),
            line: Some(line),
            column: None,
            kind,
            severity: Severity::Quarantined,
            message: err.to_string(),
        });
        let counts = self.report.file(file);
        counts.loaded = counts.loaded.saturating_sub(1);
        counts.quarantined += 1;
    }

    fn professionals<R: Read>(&mut self, reader: &mut TableReader<R>) -> Result<(), TableError> {
        let c = Cols { table: reader };
        let id = c.req("prof_professional_id")?;
        let (staff, name, reg, title, department) = (
            c.get("prof_staff_id"),
            c.get("prof_professional_name"),
            c.get("prof_social_worker_registration_no"),
            c.get("prof_professional_job_title"),
            c.get("prof_professional_department"),
        );
        // The department is free text: it names the professional's team when exactly one
        // team in ssd_department has that name (Mosaic: the team of that name).
        let mut teams_by_name: HashMap<String, Option<TeamKey>> = HashMap::default();
        for team in self.net.teams().filter(|t| t.key.system() == self.sys) {
            teams_by_name
                .entry(team.name.clone())
                .and_modify(|k| *k = None)
                .or_insert_with(|| Some(team.key.clone()));
        }
        let mut unmatched: HashMap<String, u64> = HashMap::default();
        let file = reader.file().to_owned();
        self.rows(reader, |me, row, source| {
            let pid = Self::id(row, Some(id))?.ok_or_else(|| {
                row.problem_at(id, ProblemKind::MissingValue, "professional id is empty")
            })?;
            let mut p = Professional::new(me.professional_key(pid), source.clone());
            p.staff_id = row.text(staff)?.map(str::to_owned);
            p.name = row.text(name)?.map(str::to_owned);
            p.registration_number = row.text(reg)?.map(str::to_owned);
            p.job_title = row.text(title)?.map(str::to_owned);
            p.agency = Some(council_agency_key(me.sys));
            if let Some(text) = row.text(department)? {
                p.team = if me.opts.flavour == Flavour::Mosaic {
                    me.team_ref(row, department)?
                } else {
                    match teams_by_name.get(text) {
                        Some(Some(key)) => Some(key.clone()),
                        _ => {
                            *unmatched.entry(text.to_owned()).or_default() += 1;
                            None
                        }
                    }
                };
            }
            let key = p.key.0.clone();
            me.net
                .add_professional(p)
                .map_err(|e| Self::refused(row, e))?;
            me.known_professionals.insert(key);
            Ok(())
        })?;
        let mut unmatched: Vec<_> = unmatched.into_iter().collect();
        unmatched.sort();
        for (department, rows) in unmatched {
            let why = if teams_by_name.contains_key(&department) {
                "more than one team in ssd_department has this name"
            } else {
                "no team in ssd_department has this name"
            };
            self.report.push(Problem {
                file: file.clone(),
                line: None,
                column: Some("prof_professional_department".into()),
                kind: ProblemKind::UnknownReference,
                severity: Severity::Warning,
                message: format!("{rows} professional(s) loaded without a team: {why}"),
            });
        }
        Ok(())
    }

    fn persons<R: Read>(
        &mut self,
        reader: &mut TableReader<R>,
    ) -> Result<StagedPersons, TableError> {
        let c = Cols { table: reader };
        let id = c.req("pers_person_id")?;
        let (upn, forename, surname, sex, ethnicity, dob, edob, death) = (
            c.get("pers_upn"),
            c.get("pers_forename"),
            c.get("pers_surname"),
            c.get("pers_sex"),
            c.get("pers_ethnicity"),
            c.get("pers_dob"),
            c.get("pers_expected_dob"),
            c.get("pers_death_date"),
        );
        let mut staged = StagedPersons::default();
        self.rows(reader, |me, row, source| {
            let pid = row.text(id)?.ok_or_else(|| {
                row.problem_at(id, ProblemKind::MissingValue, "person id is empty")
            })?;
            if staged.index.contains_key(pid) {
                return Err(row.problem_at(
                    id,
                    ProblemKind::DuplicateId,
                    "a second row for this person id",
                ));
            }
            let birth = row.date(dob)?;
            let expected = row.date(edob)?;
            let kind = if birth.is_none() && expected.is_some() {
                PersonKind::UnbornChild
            } else {
                PersonKind::Child
            };
            let mut p = Person::new(me.person_key(pid), kind, source.clone());
            if let Some(text) = row.text(upn)? {
                let value = Upn::parse(text).map_err(|e| {
                    row.problem_at(
                        upn.expect("has text"),
                        ProblemKind::InvalidUpn,
                        e.to_string(),
                    )
                })?;
                p.upn = Some(value);
            }
            p.given_name = row.text(forename)?.map(str::to_owned);
            p.family_name = row.text(surname)?.map(str::to_owned);
            p.sex = match row.text(sex)? {
                None => None,
                Some(text) => Some(parse_sex(text).ok_or_else(|| {
                    row.problem_at(
                        sex.expect("has text"),
                        ProblemKind::UnknownCode,
                        "sex is not one of M, F, U (or Male, Female, Unknown, 1, 2, 0, 9)",
                    )
                })?),
            };
            p.ethnicity = row.text(ethnicity)?.map(str::to_owned);
            p.birth_date = birth;
            p.expected_birth_date = expected;
            p.death_date = row.date(death)?;
            p.validate()
                .map_err(|e| row.problem(ProblemKind::EndBeforeStart, e.to_string()))?;
            staged.index.insert(pid.to_owned(), staged.persons.len());
            staged.persons.push((p, row.line()));
            Ok(())
        })?;
        staged.file = reader.file().to_owned();
        Ok(staged)
    }

    fn linked_identifiers<R: Read>(
        &mut self,
        reader: &mut TableReader<R>,
        staged: Option<&mut StagedPersons>,
    ) -> Result<(), TableError> {
        let c = Cols { table: reader };
        let (person, kind, value) = (
            c.req("link_person_id")?,
            c.req("link_identifier_type")?,
            c.req("link_identifier_value")?,
        );
        let mut empty = StagedPersons::default();
        let staged = staged.unwrap_or(&mut empty);
        self.rows(reader, |_, row, _| {
            let pid = row.required(person)?;
            let slot = *staged.index.get(pid).ok_or_else(|| {
                row.problem_at(
                    person,
                    ProblemKind::UnknownReference,
                    "person is not in ssd_person",
                )
            })?;
            let kind_text = row.required(kind)?;
            let text = row.required(value)?;
            let p = &mut staged.persons[slot].0;
            match kind_text.to_lowercase().as_str() {
                "nhs number" => {
                    let nhs = NhsNumber::parse(text).map_err(|e| {
                        row.problem_at(value, ProblemKind::InvalidNhsNumber, e.to_string())
                    })?;
                    match p.nhs_number {
                        Some(existing) if existing != nhs => {
                            return Err(row.problem_at(
                                value,
                                ProblemKind::DuplicateId,
                                "the person already has a different NHS number",
                            ));
                        }
                        _ => p.nhs_number = Some(nhs),
                    }
                }
                "unique pupil number" | "upn" => {
                    let upn = Upn::parse(text).map_err(|e| {
                        row.problem_at(value, ProblemKind::InvalidUpn, e.to_string())
                    })?;
                    match p.upn {
                        None => p.upn = Some(upn),
                        Some(existing) if existing == upn => {}
                        Some(_) if p.former_upn.is_none() => p.former_upn = Some(upn),
                        Some(_) => {
                            return Err(row.problem_at(
                                value,
                                ProblemKind::DuplicateId,
                                "the person already has a UPN and a former UPN",
                            ));
                        }
                    }
                }
                _ => p.other_identifiers.push(OtherIdentifier {
                    kind: kind_text.to_owned(),
                    value: text.to_owned(),
                }),
            }
            Ok(())
        })
    }

    fn addresses<R: Read>(
        &mut self,
        reader: &mut TableReader<R>,
        staged: Option<&mut StagedPersons>,
    ) -> Result<(), TableError> {
        let c = Cols { table: reader };
        let person = c.req("addr_person_id")?;
        let (start, end, postcode) = (
            c.get("addr_address_start_date"),
            c.get("addr_address_end_date"),
            c.get("addr_address_postcode"),
        );
        let mut empty = StagedPersons::default();
        let staged = staged.unwrap_or(&mut empty);
        // The current address is the open one with the latest start.
        let mut best: HashMap<usize, Option<NaiveDate>> = HashMap::default();
        self.rows(reader, |_, row, _| {
            let pid = row.required(person)?;
            let slot = *staged.index.get(pid).ok_or_else(|| {
                row.problem_at(
                    person,
                    ProblemKind::UnknownReference,
                    "person is not in ssd_person",
                )
            })?;
            let period = Self::period(row, start, end)?;
            if period.end.is_some() {
                return Ok(());
            }
            let newer = best.get(&slot).is_none_or(|seen| period.start >= *seen);
            if newer {
                best.insert(slot, period.start);
                staged.persons[slot].0.postcode = row.text(postcode)?.map(str::to_owned);
            }
            Ok(())
        })
    }

    fn add_persons(&mut self, staged: Option<StagedPersons>) {
        let Some(staged) = staged else { return };
        self.net.reserve(Capacity {
            persons: staged.persons.len(),
            ..Capacity::default()
        });
        for (person, line) in staged.persons {
            let key = person.key.0.clone();
            match self.net.add_person(person) {
                Ok(()) => self.known_persons.insert(key),
                Err(err) => self.quarantine_staged(&staged.file, line, err),
            }
        }
    }

    fn families<R: Read>(&mut self, reader: &mut TableReader<R>) -> Result<(), TableError> {
        let c = Cols { table: reader };
        let (family, person) = (c.req("fami_family_id")?, c.req("fami_person_id")?);
        self.rows(reader, |me, row, source| {
            let fid = row.required(family)?;
            let pid = row.required(person)?;
            let key = HouseholdKey::new(me.sys, fid);
            let pkey = me.person_key(pid);
            if me.net.person(&pkey).is_none() {
                return Err(row.problem_at(
                    person,
                    ProblemKind::UnknownReference,
                    "person is not in ssd_person",
                ));
            }
            if me.net.household(&key).is_none() {
                me.net
                    .add_household(Household {
                        key: key.clone(),
                        name: None,
                        source: source.clone(),
                    })
                    .map_err(|e| Self::refused(row, e))?;
            }
            me.net
                .add_household_member(&key, &pkey, Period::always())
                .map_err(|e| Self::refused(row, e))
        })
    }

    fn mothers<R: Read>(&mut self, reader: &mut TableReader<R>) -> Result<(), TableError> {
        let c = Cols { table: reader };
        let (id, mother, child) = (
            c.req("moth_table_id")?,
            c.req("moth_person_id")?,
            c.req("moth_childs_person_id")?,
        );
        self.rows(reader, |me, row, source| {
            let rel = Relationship {
                key: RelationshipKey::new(
                    me.sys,
                    format!("{}/{}", schema::MOTHER.name, row.required(id)?),
                ),
                from: me.person_key(row.required(mother)?),
                to: me.person_key(row.required(child)?),
                kind: RelationshipKind::Parent,
                parental_responsibility: true,
                period: Period::always(),
                source: source.clone(),
            };
            me.net
                .add_relationship(rel)
                .map_err(|e| Self::refused(row, e))
        })
    }

    fn episode(
        &mut self,
        at: &At<'_, '_>,
        table: &Table,
        id: &str,
        period: Period,
        detail: EpisodeDetail,
    ) -> Result<(), Problem> {
        self.net
            .add_episode(Episode {
                key: EpisodeKey::new(self.sys, format!("{}/{id}", table.name)),
                person: self.person_key(at.person),
                period,
                detail,
                source: at.source.clone(),
            })
            .map_err(|e| Self::refused(at.row, e))
    }

    /// The activity of a worker or team recorded on an activity table's row, if either is,
    /// with its references checked first, so that a row whose episode is added before its
    /// activity is never left half loaded.
    fn worker_activity(
        &mut self,
        at: &At<'_, '_>,
        key: String,
        kind: ActivityKind,
        period: Period,
        worker: Option<Column>,
        team: Option<Column>,
    ) -> Result<Option<Activity>, Problem> {
        let row = at.row;
        let professional = Self::id(row, worker)?.map(|w| self.professional_key(w));
        let team_key = self.team_ref(row, team)?;
        if let (Some(p), Some(col)) = (&professional, worker)
            && self.net.professional(p).is_none()
        {
            return Err(row.problem_at(
                col,
                ProblemKind::UnknownReference,
                "professional is not in ssd_professionals",
            ));
        }
        if let (Some(t), Some(col)) = (&team_key, team)
            && self.net.team(t).is_none()
        {
            return Err(row.problem_at(
                col,
                ProblemKind::UnknownReference,
                "team is not in ssd_department",
            ));
        }
        if professional.is_none() && team_key.is_none() {
            return Ok(None);
        }
        Ok(Some(Activity {
            key: ActivityKey::new(self.sys, key),
            person: self.person_key(at.person),
            professional,
            team: team_key,
            kind,
            period,
            source: at.source.clone(),
        }))
    }

    /// Adds an activity made by [`worker_activity`](Self::worker_activity), if any.
    fn add_activity(&mut self, row: &Row<'_>, activity: Option<Activity>) -> Result<(), Problem> {
        match activity {
            Some(a) => self.net.add_activity(a).map_err(|e| Self::refused(row, e)),
            None => Ok(()),
        }
    }

    fn cin_episodes<R: Read>(&mut self, reader: &mut TableReader<R>) -> Result<(), TableError> {
        let c = Cols { table: reader };
        let (id, person) = (c.req("cine_referral_id")?, c.req("cine_person_id")?);
        let (start, end, need, source_code, close, team, worker) = (
            c.get("cine_referral_date"),
            c.get("cine_close_date"),
            c.get("cine_cin_primary_need_code"),
            c.get("cine_referral_source_code"),
            c.get("cine_close_reason"),
            c.get("cine_referral_team"),
            c.get("cine_referral_worker_id"),
        );
        self.rows(reader, |me, row, source| {
            let rid = row.required(id)?;
            let pid = row.required(person)?;
            let period = Self::period(row, start, end)?;
            let detail = EpisodeDetail::ChildInNeed {
                referral_source: row.text(source_code)?.map(str::to_owned),
                primary_need: row.text(need)?.map(str::to_owned),
                closure_reason: row.text(close)?.map(str::to_owned),
                census: Default::default(),
            };
            let at = At {
                row,
                source,
                person: pid,
            };
            let activity = me.worker_activity(
                &at,
                format!("{}/{rid}", schema::CIN_EPISODES.name),
                ActivityKind::Referral,
                single_day(period.start),
                worker,
                team,
            )?;
            me.episode(&at, &schema::CIN_EPISODES, rid, period, detail)?;
            let child = me.person_key(pid);
            me.referral_person.insert(rid.to_owned(), child);
            me.add_activity(row, activity)
        })
    }

    fn activities<R: Read>(
        &mut self,
        reader: &mut TableReader<R>,
        spec: ActivitySpec,
    ) -> Result<(), TableError> {
        let c = Cols { table: reader };
        let id = match schema::alias_of(spec.table.name, spec.id).and_then(|alias| c.get(alias)) {
            Some(col) if c.get(spec.id).is_none() => col,
            _ => c.req(spec.id)?,
        };
        let person = c.req(spec.person)?;
        let (start, end, team, worker) = (
            c.get(spec.start),
            spec.end.and_then(|e| c.get(e)),
            c.get(spec.team),
            c.get(spec.worker),
        );
        self.rows(reader, |me, row, source| {
            let aid = row.required(id)?;
            let pid = row.required(person)?;
            // A table with no end column records a one-day activity.
            let period = match spec.end {
                Some(_) => Self::period(row, start, end)?,
                None => single_day(row.date(start)?),
            };
            let at = At {
                row,
                source,
                person: pid,
            };
            let activity = me.worker_activity(
                &at,
                format!("{}/{aid}", spec.table.name),
                spec.kind,
                period,
                worker,
                team,
            )?;
            me.add_activity(row, activity)
        })
    }

    fn s47<R: Read>(&mut self, reader: &mut TableReader<R>) -> Result<(), TableError> {
        let c = Cols { table: reader };
        let (id, person) = (c.req("s47e_s47_enquiry_id")?, c.req("s47e_person_id")?);
        let (start, end, team, worker, nfa) = (
            c.get("s47e_s47_start_date"),
            c.get("s47e_s47_end_date"),
            c.get("s47e_s47_completed_by_team"),
            c.get("s47e_s47_completed_by_worker_id"),
            c.get("s47e_s47_nfa"),
        );
        self.rows(reader, |me, row, source| {
            let sid = row.required(id)?;
            let pid = row.required(person)?;
            let period = Self::period(row, start, end)?;
            let outcome = row.text(nfa)?.map(|flag| {
                if flag.eq_ignore_ascii_case("Y") {
                    "nfa".to_owned()
                } else {
                    format!("nfa={flag}")
                }
            });
            let at = At {
                row,
                source,
                person: pid,
            };
            let activity = me.worker_activity(
                &at,
                format!("{}/{sid}", schema::S47_ENQUIRY.name),
                ActivityKind::Section47Enquiry,
                period,
                worker,
                team,
            )?;
            me.episode(
                &at,
                &schema::S47_ENQUIRY,
                sid,
                period,
                EpisodeDetail::Section47 {
                    outcome,
                    census: Default::default(),
                },
            )?;
            me.add_activity(row, activity)
        })
    }

    fn cp_plans<R: Read>(&mut self, reader: &mut TableReader<R>) -> Result<(), TableError> {
        let c = Cols { table: reader };
        let (id, person) = (c.req("cppl_cp_plan_id")?, c.req("cppl_person_id")?);
        let (start, end, category) = (
            c.get("cppl_cp_plan_start_date"),
            c.get("cppl_cp_plan_end_date"),
            c.get("cppl_cp_plan_initial_category"),
        );
        self.rows(reader, |me, row, source| {
            let cid = row.required(id)?;
            let pid = row.required(person)?;
            let period = Self::period(row, start, end)?;
            let category_of_abuse = match row.text(category)? {
                None => None,
                Some(text) => Some(parse_category(text).ok_or_else(|| {
                    row.problem_at(
                        category.expect("has text"),
                        ProblemKind::UnknownCode,
                        "category of abuse is not one of NEG, PHY, SAB, EMO, MUL",
                    )
                })?),
            };
            let at = At {
                row,
                source,
                person: pid,
            };
            me.episode(
                &at,
                &schema::CP_PLANS,
                cid,
                period,
                EpisodeDetail::ChildProtectionPlan {
                    category_of_abuse,
                    census: Default::default(),
                },
            )
        })
    }

    fn cla_episodes<R: Read>(&mut self, reader: &mut TableReader<R>) -> Result<(), TableError> {
        let c = Cols { table: reader };
        let (id, person) = (c.req("clae_cla_episode_id")?, c.req("clae_person_id")?);
        let (start, end) = (
            c.get("clae_cla_episode_start_date"),
            c.get("clae_cla_episode_ceased_date"),
        );
        self.rows(reader, |me, row, source| {
            let eid = row.required(id)?;
            let pid = row.required(person)?;
            let period = Self::period(row, start, end)?;
            let at = At {
                row,
                source,
                person: pid,
            };
            me.episode(
                &at,
                &schema::CLA_EPISODES,
                eid,
                period,
                EpisodeDetail::LookedAfter {
                    legal_status: None,
                    placement: None,
                    care: None,
                },
            )
        })
    }

    fn early_help<R: Read>(&mut self, reader: &mut TableReader<R>) -> Result<(), TableError> {
        let c = Cols { table: reader };
        let (id, person) = (c.req("earl_episode_id")?, c.req("earl_person_id")?);
        let (start, end, reason, end_reason, worker) = (
            c.get("earl_episode_start_date"),
            c.get("earl_episode_end_date"),
            c.get("earl_episode_reason"),
            c.get("earl_episode_end_reason"),
            c.get("earl_episode_worker_id"),
        );
        self.rows(reader, |me, row, source| {
            let eid = row.required(id)?;
            let pid = row.required(person)?;
            let period = Self::period(row, start, end)?;
            let detail = EpisodeDetail::EarlyHelp {
                reason: row.text(reason)?.map(str::to_owned),
            };
            let lead = Self::id(row, worker)?;
            if let (Some(w), Some(col)) = (lead, worker)
                && me.net.professional(&me.professional_key(w)).is_none()
            {
                return Err(row.problem_at(
                    col,
                    ProblemKind::UnknownReference,
                    "professional is not in ssd_professionals",
                ));
            }
            me.episode(
                &At {
                    row,
                    source,
                    person: pid,
                },
                &schema::EARLY_HELP_EPISODES,
                eid,
                period,
                detail,
            )?;
            // The early help worker leads the episode.
            if let Some(w) = lead {
                let involvement = Involvement {
                    key: InvolvementKey::new(
                        me.sys,
                        format!("{}/{eid}", schema::EARLY_HELP_EPISODES.name),
                    ),
                    person: me.person_key(pid),
                    professional: Some(me.professional_key(w)),
                    team: None,
                    role: Role::new("EARLY_HELP", RoleCategory::LeadPractitioner),
                    period,
                    end_reason: row.text(end_reason)?.map(EndReason::parse),
                    sensitivity: Sensitivity::Standard,
                    source: source.clone(),
                };
                me.net
                    .add_involvement(involvement)
                    .map_err(|e| Self::refused(row, e))?;
            }
            Ok(())
        })
    }

    fn care_leavers<R: Read>(&mut self, reader: &mut TableReader<R>) -> Result<(), TableError> {
        let c = Cols { table: reader };
        let (id, person) = (c.req("clea_table_id")?, c.req("clea_person_id")?);
        let (worker, team) = (
            c.get("clea_care_leaver_worker_id"),
            c.get("clea_care_leaver_allocated_team"),
        );
        self.rows(reader, |me, row, source| {
            let cid = row.required(id)?;
            let pid = row.required(person)?;
            let professional = Self::id(row, worker)?.map(|w| me.professional_key(w));
            let team = me.team_ref(row, team)?;
            if professional.is_none() && team.is_none() {
                return Ok(());
            }
            // The table carries no allocation dates: the personal adviser is current.
            let involvement = Involvement {
                key: InvolvementKey::new(me.sys, format!("{}/{cid}", schema::CARE_LEAVERS.name)),
                person: me.person_key(pid),
                professional,
                team,
                role: Role::new("PA", RoleCategory::PersonalAdviser),
                period: Period::always(),
                end_reason: None,
                sensitivity: Sensitivity::Standard,
                source: source.clone(),
            };
            me.net
                .add_involvement(involvement)
                .map_err(|e| Self::refused(row, e))
        })
    }

    fn involvements<R: Read>(&mut self, reader: &mut TableReader<R>) -> Result<(), TableError> {
        let c = Cols { table: reader };
        let id = c.req("invo_involvements_id")?;
        let person = c.get("invo_person_id");
        let referral = c.get("invo_referral_id");
        if person.is_none() && referral.is_none() {
            // Neither way to find the child: the file cannot be used.
            c.req("invo_person_id")?;
        }
        let (worker, role, team, start, end, reason) = (
            c.get("invo_professional_id"),
            c.req("invo_professional_role_id")?,
            c.get("invo_professional_team"),
            c.get("invo_involvement_start_date"),
            c.get("invo_involvement_end_date"),
            c.get("invo_worker_change_reason"),
        );
        let file = reader.file().to_owned();
        self.rows(reader, |me, row, source| {
            let iid = row.required(id)?;
            let child: PersonKey = match row.text(person)? {
                Some(p) => me.person_key(p),
                None => {
                    // Mosaic: the child comes from the referral the involvement belongs to.
                    let rid = row.text(referral)?.ok_or_else(|| {
                        row.problem(
                            ProblemKind::MissingValue,
                            "no invo_person_id, and no invo_referral_id to find the child by",
                        )
                    })?;
                    me.referral_person.get(rid).cloned().ok_or_else(|| {
                        row.problem_at(
                            referral.expect("has text"),
                            ProblemKind::UnknownReference,
                            "referral is not in ssd_cin_episodes, so the child is unknown",
                        )
                    })?
                }
            };
            let code_text = row.required(role)?;
            if !me.role_codes.contains_key(code_text) {
                let mapped = me.opts.roles.category(code_text);
                me.role_codes
                    .insert(code_text.to_owned(), (Arc::from(code_text), mapped));
            }
            let (code, mapped) = me.role_codes[code_text].clone();
            let category = match mapped {
                Some(c) => c,
                None => {
                    let entry = me.unknown_roles.entry(code_text.to_owned()).or_insert((
                        0,
                        file.clone(),
                        row.line(),
                    ));
                    entry.0 += 1;
                    RoleCategory::Other
                }
            };
            let involvement = Involvement {
                key: InvolvementKey::new(me.sys, iid),
                person: child,
                professional: Self::id(row, worker)?.map(|w| me.professional_key(w)),
                team: me.team_ref(row, team)?,
                role: Role::new(code, category),
                period: Self::period(row, start, end)?,
                end_reason: row.text(reason)?.map(EndReason::parse),
                sensitivity: Sensitivity::Standard,
                source: source.clone(),
            };
            me.net
                .add_involvement(involvement)
                .map_err(|e| Self::refused(row, e))
        })
    }
}

/// The row being read, its provenance and the child it is about.
struct At<'a, 'r> {
    row: &'a Row<'r>,
    source: &'a Source,
    person: &'a str,
}

/// Persons read from `ssd_person`, waiting for their identifiers and address.
#[derive(Default)]
struct StagedPersons {
    file: String,
    persons: Vec<(Person, u64)>,
    index: HashMap<String, usize>,
}

/// The columns of an activity table.
#[derive(Clone, Copy)]
struct ActivitySpec {
    table: Table,
    kind: ActivityKind,
    id: &'static str,
    person: &'static str,
    start: &'static str,
    end: Option<&'static str>,
    team: &'static str,
    worker: &'static str,
}

impl ActivitySpec {
    const ASSESSMENT: Self = Self {
        table: schema::CIN_ASSESSMENTS,
        kind: ActivityKind::Assessment,
        id: "cina_assessment_id",
        person: "cina_person_id",
        start: "cina_assessment_start_date",
        end: Some("cina_assessment_auth_date"),
        team: "cina_assessment_team",
        worker: "cina_assessment_worker_id",
    };
    const CIN_PLAN: Self = Self {
        table: schema::CIN_PLANS,
        kind: ActivityKind::CinPlan,
        id: "cinp_cin_plan_id",
        person: "cinp_person_id",
        start: "cinp_cin_plan_start_date",
        end: Some("cinp_cin_plan_end_date"),
        team: "cinp_cin_plan_team",
        worker: "cinp_cin_plan_worker_id",
    };
    const ICPC: Self = Self {
        table: schema::INITIAL_CP_CONFERENCE,
        kind: ActivityKind::InitialChildProtectionConference,
        id: "icpc_icpc_id",
        person: "icpc_person_id",
        start: "icpc_icpc_date",
        end: None,
        team: "icpc_icpc_team",
        worker: "icpc_icpc_worker_id",
    };
}

/// Sex as SSD extracts spell it: CIN codes, words, or the older GenderCurrent digits.
pub(crate) fn parse_sex(text: &str) -> Option<Sex> {
    match text.trim().to_ascii_lowercase().as_str() {
        "m" | "male" | "1" => Some(Sex::Male),
        "f" | "female" | "2" => Some(Sex::Female),
        "u" | "unknown" | "0" | "9" | "not known" | "not stated" | "indeterminate" => {
            Some(Sex::Unknown)
        }
        _ => None,
    }
}

/// Category of abuse as a CIN code, or the word LCS sometimes writes instead.
pub(crate) fn parse_category(text: &str) -> Option<CategoryOfAbuse> {
    let t = text.trim();
    CategoryOfAbuse::from_code(&t.to_ascii_uppercase()).or_else(|| {
        match t.to_ascii_lowercase().as_str() {
            "neglect" => Some(CategoryOfAbuse::Neglect),
            "physical abuse" | "physical" => Some(CategoryOfAbuse::Physical),
            "sexual abuse" | "sexual" => Some(CategoryOfAbuse::Sexual),
            "emotional abuse" | "emotional" => Some(CategoryOfAbuse::Emotional),
            "multiple" | "multiple/not recommended" => Some(CategoryOfAbuse::Multiple),
            _ => None,
        }
    })
}

/// Keys already loaded in this import, found by their id (every key of an import has the
/// same system) without building a new key.
#[derive(Default)]
struct KnownKeys(std::collections::HashSet<ById, rustc_hash::FxBuildHasher>);

impl KnownKeys {
    fn insert(&mut self, key: ExternalKey) {
        let id_start = key.as_str().len() - key.id().len();
        self.0.insert(ById { key, id_start });
    }

    /// The loaded key with this id, shared; or a new key (which the network will then
    /// report as unknown).
    fn get(&self, system: &str, id: &str) -> ExternalKey {
        self.0
            .get(id)
            .map_or_else(|| ExternalKey::new(system, id), |k| k.key.clone())
    }
}

/// An [`ExternalKey`] hashed and compared by its id alone.
struct ById {
    key: ExternalKey,
    /// Where the id starts in the key's text.
    id_start: usize,
}

impl ById {
    fn id(&self) -> &str {
        &self.key.as_str()[self.id_start..]
    }
}

impl Hash for ById {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

impl PartialEq for ById {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for ById {}

impl Borrow<str> for ById {
    fn borrow(&self) -> &str {
        self.id()
    }
}
