//! Reading a folder of SSDA903 CSV files into a network.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use patchwork_core::{
    Adoption, AdoptionDecision, Agency, AgencyKind, CareEpisode, CareLeaverStatus, CareReview,
    EndReason, Episode, EpisodeDetail, EpisodeKey, HealthOutcomes, Involvement, InvolvementKey,
    LookedAfterChild, MissingPeriod, Network, OtherIdentifier, Period, Person, PersonKey,
    PersonKind, PreviousPermanence, Professional, ProfessionalKey, Role, RoleCategory, Sensitivity,
    Sex, Source, SwChangeReason, Upn, WorkerChangeAt,
};

use super::codes::{self, CodeList};
use super::columns::{File903, Layout};
use super::{CollectionYear, parse_date};
use crate::report::{ImportReport, Problem, ProblemKind, Severity};
use crate::ssd::council_agency_key;
use crate::table::{Column, Limits, Row, TableError, TableReader};

/// How to read a return.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The key namespace for everything read (children are keyed `system:CHILD`).
    pub system: String,
    /// The collection year the files are, by its end year; it dates the OC2 and OC3
    /// rows. `None`: the year containing the latest episode date in `episodes.csv`.
    pub year: Option<CollectionYear>,
    /// The council's name, given to the children's social care agency the social
    /// workers belong to.
    pub council_name: String,
    /// Size limits per file.
    pub limits: Limits,
}

impl ImportOptions {
    /// Options with this system name, the year taken from the episodes, default limits.
    pub fn new(system: &str) -> Self {
        Self {
            system: system.to_owned(),
            year: None,
            council_name: "Children's social care".into(),
            limits: Limits::default(),
        }
    }
}

/// An import that could not go ahead: nothing from it should be used.
#[derive(Debug, thiserror::Error)]
pub enum Ssda903Error {
    /// The folder does not exist or is not a folder.
    #[error("{0}: not a folder")]
    NotAFolder(PathBuf),
    /// No SSDA903 file at all (none named so, nor with the columns of one).
    #[error("{0}: no SSDA903 file (header.csv, episodes.csv, ... or files with their columns)")]
    NoFiles(PathBuf),
    /// Two files in the folder are the same SSDA903 file (by name or by columns).
    #[error("{}: and {}: both are {file}; keep one", .first.display(), .second.display())]
    TwoFiles {
        /// Which file both are.
        file: String,
        /// The first found.
        first: PathBuf,
        /// The second.
        second: PathBuf,
    },
    /// A file is structurally broken (unreadable, not CSV, a required column missing,
    /// over a size limit).
    #[error(transparent)]
    Table(#[from] TableError),
}

/// The result of an import: the network and the report of everything left out.
#[derive(Debug)]
pub struct Ssda903Import {
    /// The network built from the rows that passed.
    pub network: Network,
    /// Every problem found, with its location, and row counts per file.
    pub report: ImportReport,
    /// The collection year the OC2 and OC3 rows were dated with (given, or taken from
    /// the episodes); `None` when neither was possible.
    pub year: Option<CollectionYear>,
}

/// Reads the SSDA903 files in `dir` into a new network. A file is found by its name
/// (`header.csv`, `episodes.csv`, ...) or, like the DfE's validator does, by the set of
/// its column names (so `SSDA903_2025_Header.csv` is found too; a file with extra columns
/// is found when it has every column of exactly one file). A missing file is a warning;
/// without `header.csv` the children are made from the `CHILD` ids of the other files.
///
/// Rows with problems are quarantined and reported; the rest loads. A structurally
/// broken file fails the whole import.
pub fn import_dir(dir: &Path, options: &ImportOptions) -> Result<Ssda903Import, Ssda903Error> {
    let (paths, ignored) = find_files(dir, options.limits)?;
    if paths.is_empty() {
        return Err(Ssda903Error::NoFiles(dir.to_owned()));
    }
    let mut im = run(options, |file| match paths.get(&file) {
        Some(path) => TableReader::open(path, options.limits).map(Some),
        None => Ok(None),
    })?;
    for (path, file) in ignored {
        im.report.push(Problem {
            file: path.display().to_string(),
            line: None,
            column: None,
            kind: ProblemKind::DuplicateId,
            severity: Severity::Warning,
            message: format!(
                "has the columns of {} but is not read: the file of that name is",
                file.file_name()
            ),
        });
    }
    Ok(im)
}

/// Files found, and files with the columns of a file found by name (not read).
type Found = (BTreeMap<File903, PathBuf>, Vec<(PathBuf, File903)>);

/// The SSDA903 files in `dir`: by name, else by their set of column names.
fn find_files(dir: &Path, limits: Limits) -> Result<Found, Ssda903Error> {
    let entries = std::fs::read_dir(dir).map_err(|_| Ssda903Error::NotAFolder(dir.to_owned()))?;
    let mut others: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")))
        .collect();
    others.sort();
    let mut found = BTreeMap::new();
    for file in File903::ALL {
        let path = dir.join(file.file_name());
        if path.is_file() {
            others.retain(|p| p != &path);
            found.insert(file, path);
        }
    }
    let by_name: Vec<File903> = found.keys().copied().collect();
    let mut ignored = Vec::new();
    for path in others {
        // Only the header row is read; an unreadable or odd file is simply not one of ours.
        let Ok(reader) = TableReader::open(&path, limits) else {
            continue;
        };
        let names: BTreeSet<String> = reader
            .headers()
            .iter()
            .map(|h| h.to_ascii_uppercase())
            .collect();
        let has_all = |file: &File903| {
            file.columns(Layout::Y2024_25)
                .iter()
                .all(|c| names.contains(*c))
        };
        // The exact set, else every column of exactly one file (no file's columns are
        // all inside another's: each has a column of its own).
        let exact = File903::ALL
            .into_iter()
            .find(|f| has_all(f) && names.len() == f.columns(Layout::Y2024_25).len());
        let candidates: Vec<File903> = File903::ALL.into_iter().filter(has_all).collect();
        let file = match (exact, candidates.as_slice()) {
            (Some(f), _) => f,
            (None, [f]) => *f,
            _ => continue,
        };
        if by_name.contains(&file) {
            ignored.push((path, file));
            continue;
        }
        if let Some(first) = found.get(&file) {
            return Err(Ssda903Error::TwoFiles {
                file: file.file_name(),
                first: first.clone(),
                second: path,
            });
        }
        found.insert(file, path);
    }
    Ok((found, ignored))
}

/// Reads SSDA903 files from memory, keyed by file stem (`header`, `episodes`, ...), for
/// tests and for callers that fetch the files themselves.
pub fn import_files(
    files: &HashMap<String, Vec<u8>>,
    options: &ImportOptions,
) -> Result<Ssda903Import, Ssda903Error> {
    if !File903::ALL.iter().any(|f| files.contains_key(f.stem())) {
        return Err(Ssda903Error::NoFiles(PathBuf::from("(in memory)")));
    }
    run(options, |file| match files.get(file.stem()) {
        Some(bytes) => {
            TableReader::from_reader(&file.file_name(), bytes.as_slice(), options.limits).map(Some)
        }
        None => Ok(None),
    })
}

fn run<R: Read>(
    options: &ImportOptions,
    mut open: impl FnMut(File903) -> Result<Option<TableReader<R>>, TableError>,
) -> Result<Ssda903Import, Ssda903Error> {
    let mut im = Importer {
        sys: &options.system,
        report: ImportReport::default(),
        children: BTreeMap::new(),
        episodes: Vec::new(),
        sw: Vec::new(),
        outcomes: Vec::new(),
        leavers: Vec::new(),
        header_read: false,
    };
    for file in File903::ALL {
        let Some(mut reader) = open(file)? else {
            let message = if file == File903::Header {
                "header.csv is not in the return: children are made from the CHILD ids of the other files, without sex, ethnicity or UPN".to_owned()
            } else {
                format!(
                    "{} is not in the return; nothing from it is loaded",
                    file.file_name()
                )
            };
            im.report.push(Problem {
                file: file.file_name(),
                line: None,
                column: None,
                kind: ProblemKind::MissingTable,
                severity: Severity::Warning,
                message,
            });
            continue;
        };
        im.header_read |= file == File903::Header;
        // The layouts of every year share these columns.
        let expected = file.columns(Layout::Y2024_25);
        for column in reader.unknown_columns(expected) {
            im.report.push(Problem {
                file: reader.file().to_owned(),
                line: Some(1),
                column: Some(column.to_owned()),
                kind: ProblemKind::UnknownColumn,
                severity: Severity::Warning,
                message: "column not in the SSDA903 layout; ignored".into(),
            });
        }
        im.read(file, &mut reader)?;
    }
    let year = options.year.or_else(|| {
        im.episodes
            .iter()
            .flat_map(|e| [Some(e.start), e.end])
            .flatten()
            .max()
            .map(CollectionYear::containing)
    });
    Ok(im.finish(options, year))
}

/// A looked-after episode read and checked, waiting for the overlap check.
struct StagedEpisode {
    child: String,
    start: NaiveDate,
    end: Option<NaiveDate>,
    legal_status: Option<String>,
    placement: Option<String>,
    care: CareEpisode,
    source: Source,
    file: String,
    line: u64,
}

/// A social worker episode read and checked.
struct StagedSw {
    child: String,
    worker: String,
    start: NaiveDate,
    end: Option<NaiveDate>,
    reason: Option<SwChangeReason>,
    source: Source,
    file: String,
    line: u64,
}

/// A child read from the header, with what the other files add.
struct StagedChild {
    person: Person,
    facts: LookedAfterChild,
    /// Which single-row files already gave a row for the child.
    seen: Vec<File903>,
    /// Read from the header (else made from another file's `CHILD` id).
    from_header: bool,
}

struct Importer<'o> {
    sys: &'o str,
    report: ImportReport,
    children: BTreeMap<String, StagedChild>,
    episodes: Vec<StagedEpisode>,
    sw: Vec<StagedSw>,
    /// OC2 and OC3 rows, dated with the year once it is known: (child, facts).
    outcomes: Vec<(String, HealthOutcomes)>,
    leavers: Vec<(String, CareLeaverStatus)>,
    /// Whether the return has a header file; without one, children are made on sight.
    header_read: bool,
}

/// A code from a code list, or a problem naming the field and the rule.
fn code(row: &Row<'_>, col: Option<Column>, list: &CodeList) -> Result<Option<String>, Problem> {
    let Some(text) = row.text(col)? else {
        return Ok(None);
    };
    if list.contains(text) {
        Ok(Some(text.to_owned()))
    } else {
        Err(row.problem_at(
            col.expect("has text"),
            ProblemKind::UnknownCode,
            format!(
                "{} is not in the DfE code list (validator rule {})",
                list.field, list.rule
            ),
        ))
    }
}

/// A `0`/`1` flag.
fn flag(row: &Row<'_>, col: Option<Column>, field: &str) -> Result<Option<bool>, Problem> {
    match row.text(col)? {
        None => Ok(None),
        Some("1") => Ok(Some(true)),
        Some("0") => Ok(Some(false)),
        Some(_) => Err(row.problem_at(
            col.expect("has text"),
            ProblemKind::UnknownCode,
            format!("{field} must be 0 or 1 (DfE code list)"),
        )),
    }
}

/// A date in `dd/mm/yyyy` (or ISO) form.
fn date(row: &Row<'_>, col: Option<Column>) -> Result<Option<NaiveDate>, Problem> {
    match row.text(col)? {
        None => Ok(None),
        Some(text) => parse_date(text).map(Some).ok_or_else(|| {
            row.problem_at(
                col.expect("has text"),
                ProblemKind::BadDate,
                "not a date in the form dd/mm/yyyy",
            )
        }),
    }
}

/// A date that must be present.
fn required_date(row: &Row<'_>, col: Column) -> Result<NaiveDate, Problem> {
    date(row, Some(col))?
        .ok_or_else(|| row.problem_at(col, ProblemKind::MissingValue, "required date is empty"))
}

/// Checks an end is not before its start.
fn check_order(
    row: &Row<'_>,
    start: NaiveDate,
    end: Option<NaiveDate>,
    end_col: Option<Column>,
) -> Result<(), Problem> {
    match (end, end_col) {
        (Some(e), Some(col)) if e < start => Err(row.problem_at(
            col,
            ProblemKind::EndBeforeStart,
            "the end date is before the start date",
        )),
        _ => Ok(()),
    }
}

impl Importer<'_> {
    fn read<R: Read>(
        &mut self,
        file: File903,
        reader: &mut TableReader<R>,
    ) -> Result<(), TableError> {
        let child = reader.require("CHILD")?;
        let col = |name: &str| reader.column(name);
        match file {
            File903::Header => {
                let (sex, dob, ethnic, upn, mother, mc_dob) = (
                    col("SEX"),
                    col("DOB"),
                    col("ETHNIC"),
                    col("UPN"),
                    col("MOTHER"),
                    col("MC_DOB"),
                );
                self.rows(reader, |me, row, source, id| {
                    if me.children.contains_key(id) {
                        return Err(row.problem_at(
                            child,
                            ProblemKind::DuplicateId,
                            "a second header row for this child",
                        ));
                    }
                    let mut p = Person::new(
                        PersonKey::new(me.sys, id),
                        PersonKind::Child,
                        source.clone(),
                    );
                    p.sex = code(row, sex, &codes::SEX)?.map(|c| match c.as_str() {
                        "M" | "1" => Sex::Male,
                        "F" | "2" => Sex::Female,
                        _ => Sex::Unknown,
                    });
                    p.birth_date = date(row, dob)?;
                    p.ethnicity = code(row, ethnic, &codes::ETHNIC)?;
                    let mut facts = LookedAfterChild::default();
                    if let Some(text) = row.text(upn)? {
                        if codes::UPN_UNKNOWN.contains(&text) {
                            facts.upn_as_given = Some(text.to_owned());
                        } else {
                            match Upn::parse(text) {
                                Ok(u) => p.upn = Some(u),
                                Err(e) => {
                                    // Kept as given: the validator reports it (rule 168)
                                    // but the child's return is still whole.
                                    me.report.push(Problem {
                                        severity: Severity::Warning,
                                        message: format!(
                                            "{e} (validator rule 168); kept as given, not as a UPN"
                                        ),
                                        ..row.problem_at(
                                            upn.expect("has text"),
                                            ProblemKind::InvalidUpn,
                                            "",
                                        )
                                    });
                                    facts.upn_as_given = Some(text.to_owned());
                                }
                            }
                        }
                    }
                    facts.mother = code(row, mother, &codes::MOTHER)?.map(|c| c == "1");
                    facts.mother_child_birth_date = date(row, mc_dob)?;
                    p.validate()
                        .map_err(|e| row.problem(ProblemKind::EndBeforeStart, e.to_string()))?;
                    me.children.insert(
                        id.to_owned(),
                        StagedChild {
                            person: p,
                            facts,
                            seen: Vec::new(),
                            from_header: true,
                        },
                    );
                    Ok(())
                })
            }
            File903::Uasc => {
                let (sex, duc) = (col("SEX"), col("DUC"));
                self.child_rows(reader, file, true, |row, c| {
                    code(row, sex, &codes::SEX)?;
                    c.facts.uasc_ceased = date(row, duc)?;
                    Ok(())
                })
            }
            File903::Reviews => {
                let review = reader.require("REVIEW")?;
                let participation = col("REVIEW_CODE");
                self.child_rows(reader, file, false, |row, c| {
                    let r = CareReview {
                        date: required_date(row, review)?,
                        participation: code(row, participation, &codes::REVIEW_CODE)?,
                    };
                    if c.facts.reviews.iter().any(|x| x.date == r.date) {
                        return Err(row.problem_at(
                            review,
                            ProblemKind::DuplicateId,
                            "a second review of this child on this date",
                        ));
                    }
                    c.facts.reviews.push(r);
                    Ok(())
                })
            }
            File903::Oc2 => {
                let (score, reason) = (col("SDQ_SCORE"), col("SDQ_REASON"));
                let flags: Vec<(Option<Column>, &str)> =
                    codes::OC2_FLAGS.iter().map(|f| (col(f), *f)).collect();
                let mut staged = Vec::new();
                self.child_rows(reader, file, true, |row, c| {
                    let sdq_score = match row.text(score)? {
                        None => None,
                        Some(t) => Some(t.parse::<u8>().ok().filter(|s| *s <= 40).ok_or_else(
                            || {
                                row.problem_at(
                                    score.expect("has text"),
                                    ProblemKind::BadValue,
                                    "SDQ_SCORE must be a whole number from 0 to 40 (validator rule 180)",
                                )
                            },
                        )?),
                    };
                    let mut f = [None; 8];
                    for (slot, (column, field)) in f.iter_mut().zip(&flags) {
                        *slot = flag(row, *column, field)?;
                    }
                    staged.push((
                        c.person.key.id().to_owned(),
                        HealthOutcomes {
                            year: 0,
                            sdq_score,
                            sdq_reason: code(row, reason, &codes::SDQ_REASON)?,
                            convicted: f[0],
                            health_check: f[1],
                            immunisations: f[2],
                            teeth_check: f[3],
                            health_assessment: f[4],
                            substance_misuse: f[5],
                            intervention_received: f[6],
                            intervention_offered: f[7],
                        },
                    ));
                    Ok(())
                })?;
                self.outcomes.extend(staged);
                Ok(())
            }
            File903::Oc3 => {
                let (in_touch, activ, accom) = (col("IN_TOUCH"), col("ACTIV"), col("ACCOM"));
                let mut staged = Vec::new();
                self.child_rows(reader, file, true, |row, c| {
                    staged.push((
                        c.person.key.id().to_owned(),
                        CareLeaverStatus {
                            year: 0,
                            in_touch: code(row, in_touch, &codes::IN_TOUCH)?,
                            activity: code(row, activ, &codes::ACTIV)?,
                            accommodation: code(row, accom, &codes::ACCOM)?,
                        },
                    ));
                    Ok(())
                })?;
                self.leavers.extend(staged);
                Ok(())
            }
            File903::Ad1 => {
                let (int, matched, foster, nb, sex, ls) = (
                    col("DATE_INT"),
                    col("DATE_MATCH"),
                    col("FOSTER_CARE"),
                    col("NB_ADOPTR"),
                    col("SEX_ADOPTR"),
                    col("LS_ADOPTR"),
                );
                self.child_rows(reader, file, true, |row, c| {
                    c.facts.adoption = Some(Adoption {
                        date_intention: date(row, int)?,
                        date_matched: date(row, matched)?,
                        foster_carers: code(row, foster, &codes::FOSTER_CARE)?.map(|c| c == "1"),
                        number_of_adopters: code(row, nb, &codes::NB_ADOPTR)?
                            .and_then(|c| c.parse().ok()),
                        sex_of_adopters: code(row, sex, &codes::SEX_ADOPTR)?,
                        legal_status_of_adopters: code(row, ls, &codes::LS_ADOPTR)?,
                    });
                    Ok(())
                })
            }
            File903::PlacedForAdoption => {
                let placed = reader.require("DATE_PLACED")?;
                let (ceased, reason) = (col("DATE_PLACED_CEASED"), col("REASON_PLACED_CEASED"));
                self.child_rows(reader, file, false, |row, c| {
                    let d = AdoptionDecision {
                        date: required_date(row, placed)?,
                        ceased: date(row, ceased)?,
                        reason_ceased: code(row, reason, &codes::REASON_PLACED_CEASED)?,
                    };
                    check_order(row, d.date, d.ceased, ceased)?;
                    if c.facts.adoption_decisions.iter().any(|x| x.date == d.date) {
                        return Err(row.problem_at(
                            placed,
                            ProblemKind::DuplicateId,
                            "a second decision for this child on this date",
                        ));
                    }
                    c.facts.adoption_decisions.push(d);
                    Ok(())
                })
            }
            File903::PreviousPermanence => {
                let (option, la, when) = (col("PREV_PERM"), col("LA_PERM"), col("DATE_PERM"));
                self.child_rows(reader, file, true, |row, c| {
                    c.facts.previous_permanence = Some(PreviousPermanence {
                        option: code(row, option, &codes::PREV_PERM)?,
                        la: row.text(la)?.map(str::to_owned),
                        date: row.text(when)?.map(str::to_owned),
                    });
                    Ok(())
                })
            }
            File903::Missing => {
                let (kind, start) = (reader.require("MISSING")?, reader.require("MIS_START")?);
                let end = col("MIS_END");
                self.child_rows(reader, file, false, |row, c| {
                    let kind = code(row, Some(kind), &codes::MISSING)?.ok_or_else(|| {
                        row.problem_at(kind, ProblemKind::MissingValue, "MISSING is empty")
                    })?;
                    let m = MissingPeriod {
                        kind,
                        start: required_date(row, start)?,
                        end: date(row, end)?,
                    };
                    check_order(row, m.start, m.end, end)?;
                    if c.facts
                        .missing
                        .iter()
                        .any(|x| x.start == m.start && x.kind == m.kind)
                    {
                        return Err(row.problem_at(
                            start,
                            ProblemKind::DuplicateId,
                            "a second missing period of this kind starting on this date",
                        ));
                    }
                    c.facts.missing.push(m);
                    Ok(())
                })
            }
            File903::Episodes => {
                let decom = reader.require("DECOM")?;
                let (rne, ls, cin, place, provider, dec, rec, rpc, home, pl_post, urn) = (
                    col("RNE"),
                    col("LS"),
                    col("CIN"),
                    col("PLACE"),
                    col("PLACE_PROVIDER"),
                    col("DEC"),
                    col("REC"),
                    col("REASON_PLACE_CHANGE"),
                    col("HOME_POST"),
                    col("PL_POST"),
                    col("URN"),
                );
                let file_name = reader.file().to_owned();
                self.rows(reader, |me, row, source, id| {
                    if me.child(id, source).is_none() {
                        return Err(unknown_child(row, child));
                    }
                    let start = required_date(row, decom)?;
                    let end = date(row, dec)?;
                    check_order(row, start, end, dec)?;
                    let text = |c| -> Result<Option<String>, Problem> {
                        Ok(row.text(c)?.map(str::to_owned))
                    };
                    me.episodes.push(StagedEpisode {
                        child: id.to_owned(),
                        start,
                        end,
                        legal_status: code(row, ls, &codes::LS)?,
                        placement: code(row, place, &codes::PLACE)?,
                        care: CareEpisode {
                            reason_new_episode: code(row, rne, &codes::RNE)?,
                            category_of_need: code(row, cin, &codes::CIN)?,
                            placement_provider: code(row, provider, &codes::PLACE_PROVIDER)?,
                            reason_ceased: code(row, rec, &codes::REC)?,
                            reason_place_change: code(row, rpc, &codes::REASON_PLACE_CHANGE)?,
                            home_postcode: text(home)?,
                            placement_postcode: text(pl_post)?,
                            urn: text(urn)?,
                        },
                        source: source.clone(),
                        file: file_name.clone(),
                        line: row.line(),
                    });
                    Ok(())
                })
            }
            File903::SwEpisodes => {
                let (worker, start) = (reader.require("SW_ID")?, reader.require("SW_DECOM")?);
                let (end, reason, dob) = (col("SW_DEC"), col("SW_REASON"), col("DOB"));
                let file_name = reader.file().to_owned();
                self.rows(reader, |me, row, source, id| {
                    let born = date(row, dob)?;
                    let Some(c) = me.child(id, source) else {
                        return Err(unknown_child(row, child));
                    };
                    if c.person.birth_date.is_none() && !c.from_header {
                        c.person.birth_date = born;
                    }
                    let w = row.required(worker)?;
                    let upper = w.get(..2).map(str::to_ascii_uppercase);
                    if !matches!(upper.as_deref(), Some("SW" | "XX")) {
                        return Err(row.problem_at(
                            worker,
                            ProblemKind::BadValue,
                            "SW_ID does not begin with SW or XX (validator rule SW02)",
                        ));
                    }
                    let s = required_date(row, start)?;
                    let e = date(row, end)?;
                    check_order(row, s, e, end)?;
                    let reason = code(row, reason, &codes::SW_REASON)?
                        .map(|c| SwChangeReason::from_code(&c).expect("in the code list"));
                    me.sw.push(StagedSw {
                        child: id.to_owned(),
                        worker: w.to_owned(),
                        start: s,
                        end: e,
                        reason,
                        source: source.clone(),
                        file: file_name.clone(),
                        line: row.line(),
                    });
                    Ok(())
                })
            }
        }
    }

    /// The child with this id: from the header or, when the return has none, made now.
    fn child(&mut self, id: &str, source: &Source) -> Option<&mut StagedChild> {
        if !self.header_read && !self.children.contains_key(id) {
            self.children.insert(
                id.to_owned(),
                StagedChild {
                    person: Person::new(
                        PersonKey::new(self.sys, id),
                        PersonKind::Child,
                        source.clone(),
                    ),
                    facts: LookedAfterChild::default(),
                    seen: Vec::new(),
                    from_header: false,
                },
            );
        }
        self.children.get_mut(id)
    }

    /// Reads every row through `each`, with the row's child id, counting rows and
    /// quarantining those whose handler returns a problem.
    fn rows<R: Read>(
        &mut self,
        reader: &mut TableReader<R>,
        mut each: impl FnMut(&mut Self, &Row<'_>, &Source, &str) -> Result<(), Problem>,
    ) -> Result<(), TableError> {
        let child = reader.require("CHILD")?;
        let file = reader.file().to_owned();
        let origin = patchwork_core::Origin::new(self.sys, Some(file.clone()));
        let (mut rows, mut loaded, mut quarantined) = (0u64, 0u64, 0u64);
        while let Some(row) = reader.next_row()? {
            rows += 1;
            let source = Source::at(&origin, row.line());
            let result = row
                .check_width()
                .and_then(|()| row.required(child))
                .and_then(|id| each(self, &row, &source, id));
            match result {
                Ok(()) => loaded += 1,
                Err(problem) => {
                    quarantined += 1;
                    self.report.push(problem);
                }
            }
        }
        let bytes = reader.bytes_read();
        let counts = self.report.file(&file);
        counts.rows += rows;
        counts.loaded += loaded;
        counts.quarantined += quarantined;
        counts.bytes += bytes;
        Ok(())
    }

    /// Rows of a file about a child already in the header; `single` files give at most
    /// one row per child. A `DOB` that differs from the header's is a warning.
    fn child_rows<R: Read>(
        &mut self,
        reader: &mut TableReader<R>,
        file: File903,
        single: bool,
        mut each: impl FnMut(&Row<'_>, &mut StagedChild) -> Result<(), Problem>,
    ) -> Result<(), TableError> {
        let child = reader.require("CHILD")?;
        let dob = reader.column("DOB");
        self.rows(reader, |me, row, source, id| {
            let Some(c) = me.child(id, source) else {
                return Err(unknown_child(row, child));
            };
            if single && c.seen.contains(&file) {
                return Err(row.problem_at(
                    child,
                    ProblemKind::DuplicateId,
                    format!("a second row for this child in {}", file.file_name()),
                ));
            }
            let born = date(row, dob)?;
            each(row, c)?;
            if c.person.birth_date.is_none() && !c.from_header {
                // No header: the first date of birth given stands in for it.
                c.person.birth_date = born;
            }
            if single {
                c.seen.push(file);
            }
            if born.is_some() && c.person.birth_date.is_some() && born != c.person.birth_date {
                me.report.push(Problem {
                    severity: Severity::Warning,
                    ..row.problem_at(
                        dob.expect("has a date"),
                        ProblemKind::BadValue,
                        "DOB differs from the child's date of birth already read (the header's, or the first given); that one is kept",
                    )
                });
            }
            Ok(())
        })
    }

    fn finish(mut self, options: &ImportOptions, year: Option<CollectionYear>) -> Ssda903Import {
        let mut net = Network::new();
        net.add_agency(Agency {
            key: council_agency_key(self.sys),
            name: options.council_name.clone(),
            kind: AgencyKind::ChildrensSocialCare,
            ods_code: None,
            school_urn: None,
            source: Source::system(self.sys),
        })
        .expect("the first record of an empty network");

        // Date the outcome rows with the year.
        match year {
            Some(y) => {
                for (id, mut o) in std::mem::take(&mut self.outcomes) {
                    o.year = y.0;
                    if let Some(c) = self.children.get_mut(&id) {
                        c.facts.outcomes.push(o);
                    }
                }
                for (id, mut l) in std::mem::take(&mut self.leavers) {
                    l.year = y.0;
                    if let Some(c) = self.children.get_mut(&id) {
                        c.facts.care_leaver.push(l);
                    }
                }
            }
            None => {
                let n = self.outcomes.len() + self.leavers.len();
                if n > 0 {
                    self.report.push(Problem {
                        file: "oc2.csv, oc3.csv".into(),
                        line: None,
                        column: None,
                        kind: ProblemKind::MissingValue,
                        severity: Severity::Quarantined,
                        message: format!(
                            "{n} OC2/OC3 row(s) left out: the collection year is unknown (no episodes, and none given)"
                        ),
                    });
                }
            }
        }

        // Social worker episodes, per child in date order: the reason of each becomes
        // the end reason of the one before, and what cannot is kept on the child.
        self.sw
            .sort_by(|a, b| (&a.child, a.start).cmp(&(&b.child, b.start)));
        let mut involvements: Vec<(Involvement, String, u64)> = Vec::with_capacity(self.sw.len());
        // The previous episode kept: its index in `self.sw` and in `involvements`.
        let mut previous: Option<(usize, usize)> = None;
        let mut sw_problems = Vec::new();
        for (i, s) in self.sw.iter().enumerate() {
            let prev = previous
                .filter(|&(p, _)| self.sw[p].child == s.child)
                .map(|(_, v)| v);
            if let Some((p, _)) = previous.filter(|&(p, _)| self.sw[p].child == s.child)
                && let p = &self.sw[p]
            {
                if p.start == s.start && p.worker == s.worker {
                    sw_problems.push((
                        s.file.clone(),
                        s.line,
                        ProblemKind::DuplicateId,
                        "a second social worker episode of this child, worker and start date",
                    ));
                    continue;
                }
                if p.end.is_none_or(|end| end > s.start) {
                    // The network holds overlapping allocations (two workers at once is a
                    // gap it reports); the return does not allow them.
                    self.report.push(Problem {
                        file: s.file.clone(),
                        line: Some(s.line),
                        column: Some("SW_DECOM".into()),
                        kind: ProblemKind::Rejected,
                        severity: Severity::Warning,
                        message: "starts before the child's previous social worker episode ends (validator rule SW08); loaded".into(),
                    });
                }
            }
            if let (Some(p), Some(reason)) = (prev, s.reason)
                && involvements[p].0.period.end.is_some()
            {
                involvements[p].0.end_reason = Some(EndReason::Dfe(reason));
            }
            let derived = start_reason(prev.map(|p| &involvements[p].0));
            if derived != s.reason
                && let Some(c) = self.children.get_mut(&s.child)
            {
                c.facts.worker_changes.push(WorkerChangeAt {
                    start: s.start,
                    worker: s.worker.clone(),
                    reason: s.reason,
                });
            }
            involvements.push((
                Involvement {
                    key: InvolvementKey::new(
                        self.sys,
                        format!("sw_episodes/{}/{}/{}", s.child, s.start, s.worker),
                    ),
                    person: PersonKey::new(self.sys, &s.child),
                    professional: Some(ProfessionalKey::new(self.sys, &s.worker)),
                    team: None,
                    role: Role::new("SW", RoleCategory::AllocatedSocialWorker),
                    period: Period {
                        start: Some(s.start),
                        end: s.end,
                    },
                    end_reason: None,
                    sensitivity: Sensitivity::Standard,
                    source: s.source.clone(),
                },
                s.file.clone(),
                s.line,
            ));
            previous = Some((i, involvements.len() - 1));
        }
        for (file, line, kind, message) in sw_problems {
            self.quarantine(&file, line, Some("SW_DECOM"), kind, message.to_owned());
        }

        for (_, c) in std::mem::take(&mut self.children) {
            let mut p = c.person;
            let mut facts = c.facts;
            facts.reviews.sort_by_key(|r| r.date);
            facts.missing.sort_by_key(|m| m.start);
            facts.adoption_decisions.sort_by_key(|d| d.date);
            if let Some(text) = &facts.upn_as_given
                && !codes::UPN_UNKNOWN.contains(&text.as_str())
            {
                p.other_identifiers.push(OtherIdentifier {
                    kind: "UPN (as given, not valid)".into(),
                    value: text.clone(),
                });
            }
            if !facts.is_empty() {
                p.looked_after = Some(Box::new(facts));
            }
            let line = p.source.row_number().unwrap_or(0);
            let file = p
                .source
                .file_name()
                .map_or_else(|| File903::Header.file_name(), str::to_owned);
            if let Err(e) = net.add_person(p) {
                self.refused(&file, line, e);
            }
        }

        // Episodes, per child in date order; one that starts before the previous ends
        // overlaps it and is quarantined.
        self.episodes
            .sort_by(|a, b| (&a.child, a.start).cmp(&(&b.child, b.start)));
        let mut last: Option<(String, Option<NaiveDate>, NaiveDate)> = None;
        for e in std::mem::take(&mut self.episodes) {
            if let Some((child, _, start)) = &last
                && *child == e.child
                && *start == e.start
            {
                self.quarantine(
                    &e.file,
                    e.line,
                    Some("DECOM"),
                    ProblemKind::DuplicateId,
                    "a second episode of this child starting on this date".into(),
                );
                continue;
            }
            if let Some((child, end, _)) = &last
                && *child == e.child
                && end.is_none_or(|end| end > e.start)
            {
                let kind = if end.is_none() {
                    "the child's previous episode is still open when this one starts"
                } else {
                    "this episode starts before the child's previous episode ends"
                };
                self.quarantine(
                    &e.file,
                    e.line,
                    Some("DECOM"),
                    ProblemKind::Rejected,
                    format!("overlapping episodes: {kind}"),
                );
                continue;
            }
            let episode = Episode {
                key: EpisodeKey::new(self.sys, format!("episodes/{}/{}", e.child, e.start)),
                person: PersonKey::new(self.sys, &e.child),
                period: Period {
                    start: Some(e.start),
                    end: e.end,
                },
                detail: EpisodeDetail::LookedAfter {
                    legal_status: e.legal_status,
                    placement: e.placement,
                    care: Some(Box::new(e.care)),
                },
                source: e.source,
            };
            match net.add_episode(episode) {
                Ok(()) => last = Some((e.child, e.end, e.start)),
                Err(err) => self.refused(&e.file, e.line, err),
            }
        }

        for (inv, file, line) in involvements {
            let worker = inv.professional.clone().expect("set above");
            if net.professional(&worker).is_none() {
                let mut p = Professional::new(worker.clone(), Source::system(self.sys));
                if worker
                    .id()
                    .get(..2)
                    .is_some_and(|s| s.eq_ignore_ascii_case("SW"))
                {
                    p.registration_number = Some(worker.id().to_owned());
                }
                p.job_title = Some("Social worker".into());
                p.agency = Some(council_agency_key(self.sys));
                net.add_professional(p).expect("checked absent above");
            }
            if let Err(err) = net.add_involvement(inv) {
                self.refused(&file, line, err);
            }
        }

        Ssda903Import {
            network: net,
            report: self.report,
            year,
        }
    }

    /// Records a row the network refused, moving it from loaded to quarantined.
    fn refused(&mut self, file: &str, line: u64, err: patchwork_core::Error) {
        use patchwork_core::Error as E;
        let kind = match &err {
            E::DuplicateKey { .. } => ProblemKind::DuplicateId,
            E::UnknownReference { .. } | E::NotFound { .. } => ProblemKind::UnknownReference,
            E::EndBeforeStart { .. } | E::DeathBeforeBirth { .. } => ProblemKind::EndBeforeStart,
            _ => ProblemKind::Rejected,
        };
        self.quarantine(file, line, None, kind, err.to_string());
    }

    fn quarantine(
        &mut self,
        file: &str,
        line: u64,
        column: Option<&str>,
        kind: ProblemKind,
        message: String,
    ) {
        self.report.push(Problem {
            file: file.to_owned(),
            line: Some(line),
            column: column.map(str::to_owned),
            kind,
            severity: Severity::Quarantined,
            message,
        });
        let counts = self.report.file(file);
        counts.loaded = counts.loaded.saturating_sub(1);
        counts.quarantined += 1;
    }
}

fn unknown_child(row: &Row<'_>, child: Column) -> Problem {
    row.problem_at(
        child,
        ProblemKind::UnknownReference,
        "child is not in header.csv",
    )
}

/// The reason a social worker episode starts, as read from the child's previous social
/// worker involvement: the reason it ended, or first contact when there is none (or it
/// ended for a reason outside the DfE list, such as the case closing). `None` when the
/// previous one is still open.
pub(crate) fn start_reason(previous: Option<&Involvement>) -> Option<SwChangeReason> {
    match previous {
        None => Some(SwChangeReason::FirstContact),
        Some(p) if p.period.end.is_none() => None,
        Some(p) => match &p.end_reason {
            Some(EndReason::Dfe(r)) => Some(*r),
            _ => Some(SwChangeReason::FirstContact),
        },
    }
}
