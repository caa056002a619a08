//! Import reports: every data problem, where it is, and what happened to the row.
//!
//! Modelled on pydantic's `ValidationError`: an import does not stop at the first bad
//! row. Each problem is recorded with its file, line and column; the row is quarantined
//! (left out) and the rest loads. Values that could identify a person are never copied
//! into a problem: the location is enough to find the row in the source file.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// What is wrong with a value or a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// A date that does not parse, or is not a real date.
    BadDate,
    /// A value of the wrong shape (not a number, not a known flag...).
    BadValue,
    /// A required value is empty.
    MissingValue,
    /// An id refers to a record that is not in the extract.
    UnknownReference,
    /// An end date before its start date.
    EndBeforeStart,
    /// An NHS number that fails validation.
    InvalidNhsNumber,
    /// A UPN that fails validation.
    InvalidUpn,
    /// A second row with an id already seen.
    DuplicateId,
    /// A code that is not in its code list.
    UnknownCode,
    /// A value that is not valid UTF-8.
    InvalidUtf8,
    /// A field longer than the limit.
    FieldTooLong,
    /// A row with a different number of fields from the header.
    WrongFieldCount,
    /// A partner-agency row that matches no person.
    Unmatched,
    /// A column the importer does not know (a warning: the column is ignored).
    UnknownColumn,
    /// A table the importer expected and did not find (a warning).
    MissingTable,
    /// Anything else the network refused.
    Rejected,
}

/// Whether the row was loaded despite the problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The row (or file) loaded; the problem is worth a look.
    Warning,
    /// The row was quarantined: left out of the network.
    Quarantined,
}

/// One problem, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file (as named to the importer).
    pub file: String,
    /// 1-based line where the row starts, when the problem is about a row.
    pub line: Option<u64>,
    /// The column name, when the problem is about one value.
    pub column: Option<String>,
    /// What is wrong.
    pub kind: ProblemKind,
    /// Whether the row was quarantined.
    pub severity: Severity,
    /// A sentence for a person to read. It never repeats identifying values.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(column) = &self.column {
            write!(f, " [{column}]")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for Problem {}

/// Row counts for one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileCounts {
    /// Data rows read (the header not counted).
    pub rows: u64,
    /// Rows loaded into the network.
    pub loaded: u64,
    /// Rows quarantined.
    pub quarantined: u64,
    /// Bytes read.
    pub bytes: u64,
}

impl std::ops::AddAssign for FileCounts {
    /// Adds the counts of another reading of the same file (or part of it).
    fn add_assign(&mut self, other: Self) {
        self.rows += other.rows;
        self.loaded += other.loaded;
        self.quarantined += other.quarantined;
        self.bytes += other.bytes;
    }
}

/// Everything an import found wrong, and how many rows each file gave.
///
/// At most [`ImportReport::MAX_PROBLEMS`] problems are kept in full; past that only the
/// counts by kind grow, so a hostile file cannot make the report exhaust memory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// The problems kept, in the order found.
    pub problems: Vec<Problem>,
    /// How many problems of each kind were found, kept or not.
    pub counts_by_kind: BTreeMap<ProblemKind, u64>,
    /// Problems found beyond those kept.
    pub problems_not_kept: u64,
    /// Row counts per file.
    pub files: BTreeMap<String, FileCounts>,
}

impl ImportReport {
    /// How many problems are kept in full.
    pub const MAX_PROBLEMS: usize = 100_000;

    /// Records a problem.
    pub fn push(&mut self, problem: Problem) {
        *self.counts_by_kind.entry(problem.kind).or_default() += 1;
        if self.problems.len() < Self::MAX_PROBLEMS {
            self.problems.push(problem);
        } else {
            self.problems_not_kept += 1;
        }
    }

    /// The counts for a file, created on first use.
    pub fn file(&mut self, file: &str) -> &mut FileCounts {
        if !self.files.contains_key(file) {
            self.files.insert(file.to_owned(), FileCounts::default());
        }
        self.files.get_mut(file).expect("inserted above")
    }

    /// Rows quarantined across all files.
    pub fn quarantined(&self) -> u64 {
        self.files.values().map(|c| c.quarantined).sum()
    }

    /// Rows loaded across all files.
    pub fn loaded(&self) -> u64 {
        self.files.values().map(|c| c.loaded).sum()
    }

    /// Number of problems of one kind.
    pub fn count(&self, kind: ProblemKind) -> u64 {
        self.counts_by_kind.get(&kind).copied().unwrap_or(0)
    }

    /// Adds another report's problems and counts to this one.
    pub fn merge(&mut self, other: ImportReport) {
        for p in other.problems {
            self.push(p);
        }
        self.problems_not_kept += other.problems_not_kept;
        for (file, c) in other.files {
            let mine = self.file(&file);
            mine.rows += c.rows;
            mine.loaded += c.loaded;
            mine.quarantined += c.quarantined;
            mine.bytes += c.bytes;
        }
    }
}

impl fmt::Display for ImportReport {
    /// A short human summary: rows per file, then problems by kind.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (file, c) in &self.files {
            writeln!(
                f,
                "{file}: {} rows, {} loaded, {} quarantined",
                c.rows, c.loaded, c.quarantined
            )?;
        }
        for (kind, n) in &self.counts_by_kind {
            writeln!(f, "  {n} x {kind:?}")?;
        }
        Ok(())
    }
}
