//! # patchwork-python
//!
//! The pyo3 extension module `patchwork._patchwork`. Users import the pure-Python package
//! `patchwork` (in `python/patchwork/`), which re-exports what is defined here; nothing else
//! in the workspace knows that pyo3 exists.
//!
//! Rules for every function exposed to Python:
//!
//! - its doc comment is its Python docstring, with a `>>>` example that the pytest suite runs;
//! - its body runs inside [`guard::guard`], so that a Rust panic reaches Python as
//!   `patchwork.PatchworkError`, never as pyo3's `PanicException` (a `BaseException` that
//!   `except Exception` in a notebook would not catch);
//! - errors are mapped through [`errors`], which raises the `patchwork.exceptions` class for
//!   the error's kind;
//! - it appears in `python/patchwork/_patchwork.pyi` (checked by mypy's stubtest).

#![warn(missing_docs)]

pub mod access;
pub mod errors;
pub mod frames;
pub mod guard;
mod ids;
pub mod network;
pub mod rows;

use pyo3::prelude::*;

/// The version of this package (the crate version, which is also the wheel's version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Native part of the `patchwork` package. Import `patchwork`, not this module.
#[pymodule]
fn _patchwork(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // Fail at import time, with an ImportError, if the Python half of the package is missing,
    // rather than later when the first error is raised.
    errors::ErrorKind::check_all(m.py())?;
    m.add("__version__", VERSION)?;
    m.add_function(wrap_pyfunction!(ids::validate_nhs_number, m)?)?;
    m.add_function(wrap_pyfunction!(ids::validate_upn, m)?)?;
    m.add_class::<network::NativeNetwork>()?;
    m.add_class::<frames::ArrowTable>()?;
    Ok(())
}
