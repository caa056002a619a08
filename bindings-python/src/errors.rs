//! Mapping Rust errors to the Python exception hierarchy.
//!
//! The exception classes are defined in Python, in `python/patchwork/exceptions.py`, where
//! multiple inheritance (`ValidationError(PatchworkError, ValueError)`) and extra attributes
//! (a later `ParseError` with `file`, `line` and `column`) are plain Python. This module
//! imports each class once (cached per interpreter in a [`PyOnceLock`]) and builds the
//! [`PyErr`] to raise. Nothing here panics: if a class cannot be imported, the import error
//! itself is raised instead.
//!
//! To add an exception (say `NotFoundError` for a missing person key):
//!
//! 1. define the class in `exceptions.py` (subclass `PatchworkError`, and a builtin where one
//!    fits: `KeyError`, `SyntaxError`, `OSError`...), export it from `__init__.py`, and list
//!    it in the stubs if it has attributes;
//! 2. add a variant to [`ErrorKind`] and its name to [`ErrorKind::name`] and [`ErrorKind::ALL`];
//! 3. add a `fn from_...(py, &E) -> PyErr` here for the Rust error type, choosing the kind per
//!    variant and passing the constructor arguments the Python class expects (a `ParseError`
//!    would take `(message, file, line, column)`).

use patchwork_adapters::ssd::SsdError;
use patchwork_adapters::store::StoreError;
use patchwork_adapters::table::TableError;
use patchwork_core::IdError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

/// The Python module that defines the exception classes.
pub const EXCEPTIONS_MODULE: &str = "patchwork.exceptions";

/// The kinds of error `patchwork` raises; each is a class in `patchwork.exceptions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `patchwork.PatchworkError`: the base class; raised as such for internal errors
    /// (including a caught Rust panic).
    Patchwork,
    /// `patchwork.ValidationError(PatchworkError, ValueError)`: a value is not valid, such as
    /// an NHS number whose check digit is wrong.
    Validation,
    /// `patchwork.ParseError(PatchworkError, ValueError)`: an input file could not be read
    /// at all; carries `file`, `line` and `column` (each possibly `None`).
    Parse,
    /// `patchwork.NotFoundError(PatchworkError, KeyError)`: no person, professional... with
    /// the key or identifier asked for.
    NotFound,
    /// `patchwork.StoreError(PatchworkError, OSError)`: the store could not be opened or read.
    Store,
}

static PATCHWORK_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static VALIDATION_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static PARSE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static NOT_FOUND_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static STORE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

impl ErrorKind {
    /// Every kind, for the import-time check.
    pub const ALL: [ErrorKind; 5] = [
        ErrorKind::Patchwork,
        ErrorKind::Validation,
        ErrorKind::Parse,
        ErrorKind::NotFound,
        ErrorKind::Store,
    ];

    /// The class name in `patchwork.exceptions`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Patchwork => "PatchworkError",
            ErrorKind::Validation => "ValidationError",
            ErrorKind::Parse => "ParseError",
            ErrorKind::NotFound => "NotFoundError",
            ErrorKind::Store => "StoreError",
        }
    }

    fn cell(self) -> &'static PyOnceLock<Py<PyType>> {
        match self {
            ErrorKind::Patchwork => &PATCHWORK_ERROR,
            ErrorKind::Validation => &VALIDATION_ERROR,
            ErrorKind::Parse => &PARSE_ERROR,
            ErrorKind::NotFound => &NOT_FOUND_ERROR,
            ErrorKind::Store => &STORE_ERROR,
        }
    }

    /// The Python class for this kind, imported on first use.
    pub fn type_object(self, py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
        self.cell().import(py, EXCEPTIONS_MODULE, self.name())
    }

    /// Imports every class, so that a broken installation fails when the module is imported.
    pub fn check_all(py: Python<'_>) -> PyResult<()> {
        for kind in Self::ALL {
            kind.type_object(py)?;
        }
        Ok(())
    }

    /// An exception of this kind with a single message argument.
    pub fn new_err(self, py: Python<'_>, message: impl Into<String>) -> PyErr {
        let message = message.into();
        match self.type_object(py) {
            Ok(ty) => PyErr::from_type(ty.clone(), (message,)),
            Err(import_error) => import_error,
        }
    }
}

/// A `patchwork.ValidationError` for an invalid NHS number or UPN. The message is the
/// error's `Display`, which never repeats the identifier.
pub fn from_id_error(py: Python<'_>, error: &IdError) -> PyErr {
    ErrorKind::Validation.new_err(py, error.to_string())
}

/// A `patchwork.ParseError` with its location: `ParseError(message, file, line, column)`.
pub fn parse_error(
    py: Python<'_>,
    message: String,
    file: Option<String>,
    line: Option<u64>,
    column: Option<String>,
) -> PyErr {
    match ErrorKind::Parse.type_object(py) {
        Ok(ty) => PyErr::from_type(ty.clone(), (message, file, line, column)),
        Err(import_error) => import_error,
    }
}

/// A `patchwork.ParseError` for a file that failed whole, with the file, line and column the
/// table reader names.
pub fn from_table_error(py: Python<'_>, error: &TableError) -> PyErr {
    let message = error.to_string();
    let (file, line, column) = match error {
        TableError::Io { file, .. }
        | TableError::FileTooLarge { file, .. }
        | TableError::BadHeader { file, .. } => (file.clone(), None, None),
        TableError::RecordTooLarge { file, line, .. } | TableError::NotCsv { file, line, .. } => {
            (file.clone(), Some(*line), None)
        }
        TableError::MissingColumn { file, column } => (file.clone(), None, Some(column.clone())),
    };
    parse_error(py, message, Some(file), line, column)
}

/// A `patchwork.ParseError` for an SSD extract that could not be imported.
pub fn from_ssd_error(py: Python<'_>, error: &SsdError) -> PyErr {
    match error {
        SsdError::Table(table) => from_table_error(py, table),
        SsdError::NotAFolder(path) | SsdError::NoPersons(path) => parse_error(
            py,
            error.to_string(),
            Some(path.display().to_string()),
            None,
            None,
        ),
    }
}

/// A `patchwork.StoreError` for a store that could not be opened or read.
pub fn from_store_error(py: Python<'_>, error: &StoreError) -> PyErr {
    ErrorKind::Store.new_err(py, error.to_string())
}

/// The exception for an error of the network itself: `NotFoundError` for an unknown key,
/// `ValidationError` for a refused record or value.
pub fn from_core_error(py: Python<'_>, error: &patchwork_core::Error) -> PyErr {
    match error {
        patchwork_core::Error::NotFound { .. } => {
            ErrorKind::NotFound.new_err(py, error.to_string())
        }
        _ => ErrorKind::Validation.new_err(py, error.to_string()),
    }
}
