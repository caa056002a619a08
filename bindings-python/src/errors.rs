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
}

static PATCHWORK_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static VALIDATION_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

impl ErrorKind {
    /// Every kind, for the import-time check.
    pub const ALL: [ErrorKind; 2] = [ErrorKind::Patchwork, ErrorKind::Validation];

    /// The class name in `patchwork.exceptions`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Patchwork => "PatchworkError",
            ErrorKind::Validation => "ValidationError",
        }
    }

    fn cell(self) -> &'static PyOnceLock<Py<PyType>> {
        match self {
            ErrorKind::Patchwork => &PATCHWORK_ERROR,
            ErrorKind::Validation => &VALIDATION_ERROR,
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
