//! Reading a folder of SSDA903 CSV files into a network.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use patchwork_core::Network;

use super::CollectionYear;
use super::columns::{File903, Layout};
use super::rows::Importer;
use crate::report::{ImportReport, Problem, ProblemKind, Severity};
use crate::table::{Limits, TableError, TableReader};

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
