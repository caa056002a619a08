//! Keeping Rust panics out of Python.
//!
//! pyo3 turns a panic that unwinds out of a `#[pyfunction]` into `pyo3_runtime.PanicException`,
//! a subclass of `BaseException`: `except Exception` does not catch it and a notebook user
//! sees a Rust backtrace. Every function exposed to Python therefore runs its body in
//! [`guard`], which catches the unwind and raises `patchwork.PatchworkError` instead.
//!
//! Long-running pure-Rust work (parsing a file, a query over a large network) should also
//! release the GIL; call `py.detach(...)` *inside* the guarded closure. pyo3 re-attaches the
//! thread when a panic unwinds out of `detach`, so the guard still catches it:
//!
//! ```text
//! guard(py, || {
//!     let network = py.detach(|| parse(&bytes)).map_err(|e| errors::from_parse_error(py, &e))?;
//!     Ok(PyNetwork::from(network))
//! })
//! ```
//!
//! The profile must keep `panic = "unwind"` (the default) for this to work. The panic
//! message is still printed to stderr by Rust's default panic hook.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::prelude::*;

use crate::errors::ErrorKind;

/// Runs `f`; a panic inside it becomes a `patchwork.PatchworkError` saying that this is a bug.
///
/// The closure is treated as unwind safe: after a panic its partial state is dropped, never
/// looked at again, and the error is raised.
pub fn guard<'py, T>(py: Python<'py>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_panic(f).unwrap_or_else(|message| Err(internal_error(py, &message)))
}

/// Runs `f` and returns its value, or the panic message if it panicked. No Python involved.
pub fn catch_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| panic_message(payload.as_ref()))
}

/// The message of a panic payload (`panic!` gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_owned()
    }
}

/// The `PatchworkError` raised for a caught panic.
pub fn internal_error(py: Python<'_>, message: &str) -> PyErr {
    ErrorKind::Patchwork.new_err(
        py,
        format!("internal error in patchwork (this is a bug, please report it): {message}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_pass_through() {
        assert_eq!(catch_panic(|| 42), Ok(42));
    }

    #[test]
    fn str_and_string_panics_give_their_message() {
        assert_eq!(
            catch_panic(|| -> () { panic!("boom") }),
            Err("boom".to_owned())
        );
        let n = 7;
        assert_eq!(
            catch_panic(|| -> () { panic!("boom {n}") }),
            Err("boom 7".to_owned())
        );
    }

    #[test]
    fn other_payloads_are_reported_without_panicking_again() {
        let result = catch_panic(|| std::panic::panic_any(12_u8));
        assert_eq!(result, Err("unknown panic payload".to_owned()));
    }
}
