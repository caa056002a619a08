//! Reading CSV tables safely: columns found by name, limits on size, and values parsed
//! with their location attached.
//!
//! Every CSV format Patchwork reads (SSD tables, partner-agency feeds) goes through
//! [`TableReader`]. It
//! - finds columns by header name, in any order, ignoring case and a UTF-8 byte-order mark;
//! - accepts CRLF or LF line ends;
//! - enforces [`Limits`] while reading, so a hostile file cannot exhaust memory: a record
//!   longer than the limit stops the read with an error instead of being buffered;
//! - reports each bad value as a [`Problem`] naming file, line and column.
//!
//! ```
//! use patchwork_adapters::table::{Limits, TableReader};
//!
//! let data = "\u{feff}ID,Start Date\r\n7,2024-07-02 00:00:00.000\r\n8,not a date\r\n";
//! let mut table = TableReader::from_reader("example.csv", data.as_bytes(), Limits::default())?;
//! let (id, start) = (table.require("id")?, table.require("start date")?);
//! let row = table.next_row()?.unwrap();
//! assert_eq!(row.text(id)?, Some("7"));
//! assert_eq!(row.date(start)?.unwrap().to_string(), "2024-07-02");
//! let row = table.next_row()?.unwrap();
//! let problem = row.date(start).unwrap_err();
//! assert_eq!((problem.line, problem.column.as_deref()), (Some(3), Some("Start Date")));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use std::rc::Rc;

use chrono::NaiveDate;

use crate::report::{Problem, ProblemKind, Severity};

/// Size limits applied while reading a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, in bytes. Default 8 GiB (a large county's involvements file
    /// is about 0.5 GB).
    pub max_file_bytes: u64,
    /// Longest record (one row, all fields), in bytes. Default 1 MiB.
    pub max_record_bytes: u64,
    /// Longest single field, in bytes. Default 64 KiB.
    pub max_field_bytes: usize,
    /// Most fields in one record. Default 512.
    pub max_fields: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 8 << 30,
            max_record_bytes: 1 << 20,
            max_field_bytes: 64 << 10,
            max_fields: 512,
        }
    }
}

/// A problem with a whole file: the file fails and nothing from it loads.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file.
        file: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// The file is larger than [`Limits::max_file_bytes`].
    #[error("{file}: larger than the limit of {limit} bytes")]
    FileTooLarge {
        /// The file.
        file: String,
        /// The limit.
        limit: u64,
    },
    /// A record is longer than [`Limits::max_record_bytes`] (often an unclosed quote).
    #[error(
        "{file}:{line}: a record is longer than the limit of {limit} bytes (an unclosed quote?)"
    )]
    RecordTooLarge {
        /// The file.
        file: String,
        /// The line where the record starts.
        line: u64,
        /// The limit.
        limit: u64,
    },
    /// The header has more fields than [`Limits::max_fields`], or none at all.
    #[error("{file}: {message}")]
    BadHeader {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A column the format requires is missing from the header.
    #[error("{file}: required column {column} is missing")]
    MissingColumn {
        /// The file.
        file: String,
        /// The column.
        column: String,
    },
    /// The CSV itself is malformed.
    #[error("{file}:{line}: not valid CSV: {message}")]
    NotCsv {
        /// The file.
        file: String,
        /// The line.
        line: u64,
        /// What the parser said.
        message: String,
    },
}

/// What the guarded reader shares with the table: where the last complete record ended,
/// and the positions of the newlines read but not yet passed, to turn a record's byte
/// offset into its line number (the csv crate's own line count drifts on CRLF files).
#[derive(Default)]
struct Shared {
    record_end: Cell<u64>,
    newlines_passed: Cell<u64>,
    newlines_ahead: RefCell<VecDeque<u64>>,
}

impl Shared {
    /// The 1-based line of the last byte of a record that the parser finished at byte
    /// offset `end` (offsets must not go backwards). The parser stops just after the
    /// first byte of the record's terminator, so a newline right before `end` is the
    /// terminator and does not count.
    fn last_line_of_record(&self, end: u64) -> u64 {
        let mut ahead = self.newlines_ahead.borrow_mut();
        let mut passed = self.newlines_passed.get();
        let mut last = None;
        while let Some(&nl) = ahead.front().filter(|&&nl| nl < end) {
            ahead.pop_front();
            passed += 1;
            last = Some(nl);
        }
        self.newlines_passed.set(passed);
        let terminator = u64::from(last.is_some_and(|nl| nl + 1 == end));
        passed - terminator + 1
    }
}

/// Counts bytes and newlines read, and refuses to hand the CSV parser more than a
/// record's worth past the end of the last complete record, which bounds the memory one
/// record can take (the newline queue is bounded the same way).
struct Guarded<R> {
    inner: R,
    read: u64,
    shared: Rc<Shared>,
    max_record: u64,
    max_total: u64,
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.read > self.max_total {
            return Err(io::Error::other(GuardTripped::File));
        }
        if self.read - self.shared.record_end.get() > self.max_record {
            return Err(io::Error::other(GuardTripped::Record));
        }
        let n = self.inner.read(buf)?;
        let mut ahead = self.shared.newlines_ahead.borrow_mut();
        for (i, _) in buf[..n].iter().enumerate().filter(|(_, b)| **b == b'\n') {
            ahead.push_back(self.read + i as u64);
        }
        self.read += n as u64;
        Ok(n)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
enum GuardTripped {
    #[error("file too large")]
    File,
    #[error("record too large")]
    Record,
}

/// A column position in a table, found by [`TableReader::column`] or
/// [`TableReader::require`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column(usize);

/// Reads one CSV table row by row.
pub struct TableReader<R: Read> {
    file: String,
    reader: csv::Reader<Guarded<R>>,
    headers: Vec<String>,
    record: csv::ByteRecord,
    shared: Rc<Shared>,
    limits: Limits,
    line: u64,
    restore_formulas: bool,
}

impl TableReader<BufReader<File>> {
    /// Opens a CSV file. The name used in problems is the path as given.
    pub fn open(path: &Path, limits: Limits) -> Result<Self, TableError> {
        let file = path.display().to_string();
        let io = |source| TableError::Io {
            file: file.clone(),
            source,
        };
        let handle = File::open(path).map_err(io)?;
        let len = handle.metadata().map_err(io)?.len();
        if len > limits.max_file_bytes {
            return Err(TableError::FileTooLarge {
                file,
                limit: limits.max_file_bytes,
            });
        }
        Self::from_reader(&file, BufReader::with_capacity(1 << 16, handle), limits)
    }
}

impl<R: Read> TableReader<R> {
    /// Reads a table from any reader; `name` is used in problems and errors.
    pub fn from_reader(name: &str, reader: R, limits: Limits) -> Result<Self, TableError> {
        let shared = Rc::new(Shared::default());
        let guarded = Guarded {
            inner: reader,
            read: 0,
            shared: Rc::clone(&shared),
            max_record: limits.max_record_bytes,
            max_total: limits.max_file_bytes,
        };
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(guarded);
        let mut table = Self {
            file: name.to_owned(),
            reader,
            headers: Vec::new(),
            record: csv::ByteRecord::new(),
            shared,
            limits,
            line: 0,
            restore_formulas: false,
        };
        if !table.read_record()? {
            return Err(TableError::BadHeader {
                file: table.file,
                message: "the file is empty: no header row".into(),
            });
        }
        if table.record.len() > limits.max_fields {
            return Err(TableError::BadHeader {
                file: table.file,
                message: format!("the header has more than {} columns", limits.max_fields),
            });
        }
        let mut headers = Vec::with_capacity(table.record.len());
        // The csv crate strips a UTF-8 byte-order mark from the first field itself.
        for (i, field) in table.record.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(text) => headers.push(text.trim().to_owned()),
                Err(_) => {
                    return Err(TableError::BadHeader {
                        file: table.file,
                        message: format!("header column {} is not valid UTF-8", i + 1),
                    });
                }
            }
        }
        table.headers = headers;
        Ok(table)
    }

    /// Reads the next record into `self.record`; false at the end of the file.
    fn read_record(&mut self) -> Result<bool, TableError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(more) => {
                let end = self.reader.position().byte();
                if more {
                    let inner = self
                        .record
                        .as_slice()
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count();
                    self.line = self.shared.last_line_of_record(end) - inner as u64;
                }
                self.shared.record_end.set(end);
                Ok(more)
            }
            Err(err) => Err(self.csv_error(err)),
        }
    }

    fn csv_error(&self, err: csv::Error) -> TableError {
        let line = err.position().map_or(self.line + 1, |p| p.line());
        match err.into_kind() {
            csv::ErrorKind::Io(io) => {
                match io.get_ref().and_then(|e| e.downcast_ref::<GuardTripped>()) {
                    Some(GuardTripped::Record) => TableError::RecordTooLarge {
                        file: self.file.clone(),
                        line: self.line + 1,
                        limit: self.limits.max_record_bytes,
                    },
                    Some(GuardTripped::File) => TableError::FileTooLarge {
                        file: self.file.clone(),
                        limit: self.limits.max_file_bytes,
                    },
                    None => TableError::Io {
                        file: self.file.clone(),
                        source: io,
                    },
                }
            }
            other => TableError::NotCsv {
                file: self.file.clone(),
                line,
                message: format!("{other:?}"),
            },
        }
    }

    /// The file name used in problems.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The header names as they appear in the file (trimmed).
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// The column with this name, compared without regard to case.
    pub fn column(&self, name: &str) -> Option<Column> {
        self.headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .map(Column)
    }

    /// The column with this name, or [`TableError::MissingColumn`].
    pub fn require(&self, name: &str) -> Result<Column, TableError> {
        self.column(name).ok_or_else(|| TableError::MissingColumn {
            file: self.file.clone(),
            column: name.to_owned(),
        })
    }

    /// Header names not in `known` (compared without regard to case), for a warning.
    pub fn unknown_columns(&self, known: &[&str]) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|h| !known.iter().any(|k| k.eq_ignore_ascii_case(h)))
            .map(String::as_str)
            .collect()
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.reader.position().byte()
    }

    /// Reads every text field as Patchwork's CSV exports write it: a cell that
    /// [`neutralise_formula`](crate::redaction::neutralise_formula) escaped with an
    /// apostrophe is given back as the original
    /// ([`restore_formula`](crate::redaction::restore_formula)). For files Patchwork
    /// exported (the SSD layout); other sources' files are read as they are.
    #[must_use]
    pub fn restoring_formulas(mut self) -> Self {
        self.restore_formulas = true;
        self
    }

    /// The next data row, or `None` at the end of the file. Structural problems (bad CSV,
    /// a record over the size limit) end the file with an error.
    pub fn next_row(&mut self) -> Result<Option<Row<'_>>, TableError> {
        if !self.read_record()? {
            return Ok(None);
        }
        Ok(Some(Row {
            record: &self.record,
            headers: &self.headers,
            file: &self.file,
            line: self.line,
            max_field: self.limits.max_field_bytes,
            restore_formulas: self.restore_formulas,
        }))
    }
}

/// One data row, with its location, for reading values.
pub struct Row<'t> {
    record: &'t csv::ByteRecord,
    headers: &'t [String],
    file: &'t str,
    line: u64,
    max_field: usize,
    restore_formulas: bool,
}

impl<'t> Row<'t> {
    /// The 1-based line where the row starts.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// A problem about this whole row, quarantining it.
    pub fn problem(&self, kind: ProblemKind, message: impl Into<String>) -> Problem {
        Problem {
            file: self.file.to_owned(),
            line: Some(self.line),
            column: None,
            kind,
            severity: Severity::Quarantined,
            message: message.into(),
        }
    }

    /// A problem about one value of this row, quarantining the row.
    pub fn problem_at(
        &self,
        column: Column,
        kind: ProblemKind,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            column: self.headers.get(column.0).cloned(),
            ..self.problem(kind, message)
        }
    }

    /// Checks the row has as many fields as the header.
    pub fn check_width(&self) -> Result<(), Problem> {
        if self.record.len() == self.headers.len() {
            Ok(())
        } else {
            Err(self.problem(
                ProblemKind::WrongFieldCount,
                format!(
                    "{} fields where the header has {}",
                    self.record.len(),
                    self.headers.len()
                ),
            ))
        }
    }

    /// The trimmed text of a field; `None` when the column is absent or the field empty.
    pub fn text(&self, column: impl Into<Option<Column>>) -> Result<Option<&'t str>, Problem> {
        let Some(column) = column.into() else {
            return Ok(None);
        };
        let Some(bytes) = self.record.get(column.0) else {
            return Ok(None);
        };
        if bytes.len() > self.max_field {
            return Err(self.problem_at(
                column,
                ProblemKind::FieldTooLong,
                format!("longer than the limit of {} bytes", self.max_field),
            ));
        }
        let mut text = std::str::from_utf8(bytes)
            .map_err(|_| self.problem_at(column, ProblemKind::InvalidUtf8, "not valid UTF-8"))?
            .trim();
        if self.restore_formulas {
            text = crate::redaction::restore_formula(text);
        }
        Ok((!text.is_empty()).then_some(text))
    }

    /// The text of a field that must not be empty.
    pub fn required(&self, column: Column) -> Result<&'t str, Problem> {
        self.text(column)?.ok_or_else(|| {
            self.problem_at(column, ProblemKind::MissingValue, "required value is empty")
        })
    }

    /// A date, in any of the forms case systems export: `2024-07-02`,
    /// `2024-07-02 00:00:00`, `2024-07-02 00:00:00.000` or `2024-07-02T00:00:00` (the time
    /// is dropped). Empty gives `None`.
    pub fn date(&self, column: impl Into<Option<Column>>) -> Result<Option<NaiveDate>, Problem> {
        let Some(column) = column.into() else {
            return Ok(None);
        };
        match self.text(column)? {
            None => Ok(None),
            Some(text) => parse_date(text).map(Some).ok_or_else(|| {
                self.problem_at(
                    column,
                    ProblemKind::BadDate,
                    "not a date in the form YYYY-MM-DD[ hh:mm:ss[.fff]]",
                )
            }),
        }
    }
}

/// Parses `YYYY-MM-DD`, optionally followed by a time (` hh:mm:ss[.fff]` or `T...`),
/// which is checked for shape and then dropped.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let rest = &text[10..];
    if !rest.is_empty() {
        let time = rest.strip_prefix(' ').or_else(|| rest.strip_prefix('T'))?;
        let ok_time = chrono::NaiveTime::parse_from_str(time, "%H:%M:%S%.f").is_ok()
            || chrono::NaiveTime::parse_from_str(time, "%H:%M").is_ok();
        if !ok_time {
            return None;
        }
    }
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(data: &[u8], limits: Limits) -> Result<TableReader<&[u8]>, TableError> {
        TableReader::from_reader("t.csv", data, limits)
    }

    #[test]
    fn dates_in_every_exported_form() {
        let d = NaiveDate::from_ymd_opt(2024, 7, 2);
        for text in [
            "2024-07-02",
            "2024-07-02 00:00:00",
            "2024-07-02 00:00:00.000",
            "2024-07-02T13:45:10",
            "2024-07-02 09:30",
        ] {
            assert_eq!(parse_date(text), d, "{text}");
        }
        for text in [
            "2024-02-30",
            "02/07/2024",
            "2024-7-2",
            "2024-07-02x",
            "2024-07-02 25:00:00",
            "",
            "yyyy-mm-dd",
            "2024-07-0\u{e9}",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    #[test]
    fn columns_by_name_in_any_order_with_bom_and_crlf() {
        let mut t = table(b"\xEF\xBB\xBFb,A,extra\r\n2,1,x\r\n", Limits::default()).unwrap();
        let (a, b) = (t.require("a").unwrap(), t.require("B").unwrap());
        assert_eq!(t.unknown_columns(&["a", "b"]), ["extra"]);
        assert!(matches!(
            t.require("c"),
            Err(TableError::MissingColumn { .. })
        ));
        let row = t.next_row().unwrap().unwrap();
        assert_eq!(
            (row.text(a).unwrap(), row.text(b).unwrap()),
            (Some("1"), Some("2"))
        );
        assert_eq!(row.line(), 2);
        assert!(t.next_row().unwrap().is_none());
    }

    #[test]
    fn line_numbers_count_crlf_blank_lines_and_quoted_newlines() {
        let data = b"id,note\r\n1,\"a\r\nb\"\r\n\r\n2,x\r\n3,y";
        let mut t = table(data, Limits::default()).unwrap();
        let mut lines = Vec::new();
        while let Some(row) = t.next_row().unwrap() {
            lines.push(row.line());
        }
        assert_eq!(lines, [2, 5, 6]);
    }

    #[test]
    fn quoted_newlines_keep_line_numbers_right() {
        let mut t = table(b"id,note\n1,\"two\nlines\"\n2,x\n", Limits::default()).unwrap();
        let note = t.require("note").unwrap();
        assert_eq!(
            t.next_row().unwrap().unwrap().text(note).unwrap(),
            Some("two\nlines")
        );
        let second = t.next_row().unwrap().unwrap();
        assert_eq!(second.line(), 4);
        assert_eq!(second.required(note).unwrap(), "x");
    }

    #[test]
    fn value_problems_name_line_and_column() {
        let mut t = table(b"id,start\n1,\n2,2024-13-01\n3\n", Limits::default()).unwrap();
        let (id, start) = (t.require("id").unwrap(), t.require("start").unwrap());
        let r = t.next_row().unwrap().unwrap();
        assert_eq!(r.date(start).unwrap(), None);
        let p = r.required(start).unwrap_err();
        assert_eq!(
            (p.kind, p.line, p.column.as_deref()),
            (ProblemKind::MissingValue, Some(2), Some("start"))
        );
        let r = t.next_row().unwrap().unwrap();
        let p = r.date(start).unwrap_err();
        assert_eq!((p.kind, p.line), (ProblemKind::BadDate, Some(3)));
        assert_eq!(r.text(id).unwrap(), Some("2"));
        let r = t.next_row().unwrap().unwrap();
        assert_eq!(
            r.check_width().unwrap_err().kind,
            ProblemKind::WrongFieldCount
        );
    }

    #[test]
    fn invalid_utf8_is_a_problem_not_a_panic() {
        let mut t = table(b"id\n\xff\xfe\n", Limits::default()).unwrap();
        let id = t.require("id").unwrap();
        assert_eq!(
            t.next_row().unwrap().unwrap().text(id).unwrap_err().kind,
            ProblemKind::InvalidUtf8
        );
        assert!(matches!(
            table(b"\xff\n1\n", Limits::default()),
            Err(TableError::BadHeader { .. })
        ));
    }

    #[test]
    fn an_unclosed_quote_stops_at_the_record_limit() {
        let limits = Limits {
            max_record_bytes: 4096,
            ..Limits::default()
        };
        let mut data = b"id,note\n1,\"never closed".to_vec();
        data.extend(std::iter::repeat_n(b'x', 10 << 20));
        let mut t = TableReader::from_reader("big.csv", data.as_slice(), limits).unwrap();
        match t.next_row() {
            Err(TableError::RecordTooLarge { line, .. }) => assert_eq!(line, 2),
            other => panic!(
                "expected RecordTooLarge, got {:?}",
                other.map(|r| r.map(|r| r.line()))
            ),
        }
    }

    #[test]
    fn long_fields_are_problems_and_files_over_the_limit_fail() {
        let limits = Limits {
            max_field_bytes: 8,
            ..Limits::default()
        };
        let mut t = TableReader::from_reader("t.csv", &b"id\n123456789\n"[..], limits).unwrap();
        let id = t.require("id").unwrap();
        assert_eq!(
            t.next_row().unwrap().unwrap().text(id).unwrap_err().kind,
            ProblemKind::FieldTooLong
        );
        let limits = Limits {
            max_file_bytes: 100,
            ..Limits::default()
        };
        let data = "id\n".to_owned() + &"1\n".repeat(200_000);
        let mut t = TableReader::from_reader("t.csv", data.as_bytes(), limits).unwrap();
        let result = loop {
            match t.next_row() {
                Ok(Some(_)) => continue,
                other => break other.map(|r| r.is_some()),
            }
        };
        assert!(matches!(result, Err(TableError::FileTooLarge { .. })));
    }

    #[test]
    fn empty_and_header_only_files() {
        assert!(matches!(
            table(b"", Limits::default()),
            Err(TableError::BadHeader { .. })
        ));
        let mut t = table(b"a,b\n", Limits::default()).unwrap();
        assert!(t.next_row().unwrap().is_none());
    }
}
