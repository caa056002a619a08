//! NHS numbers and UPNs.

use std::borrow::Cow;

use patchwork_core::{NhsNumber, Upn};
use pyo3::prelude::*;

use crate::errors;
use crate::guard::guard;

/// Validate an NHS number and return it as ten digits without separators.
///
/// Spaces and hyphens between the digit groups are accepted ("943 476 5919"). The tenth
/// digit must be the modulus-11 check digit of the first nine, and ten identical digits
/// (placeholders such as "9999999999") are rejected.
///
/// Raises `patchwork.ValidationError` (a `ValueError`) when the number is not valid; the
/// message says why and never repeats the number.
///
/// >>> validate_nhs_number("943 476 5919")
/// '9434765919'
#[pyfunction]
#[pyo3(signature = (text))]
pub fn validate_nhs_number(py: Python<'_>, text: Cow<'_, str>) -> PyResult<String> {
    guard(py, || {
        NhsNumber::parse(&text)
            .map(|n| n.to_string())
            .map_err(|e| errors::from_id_error(py, &e))
    })
}

/// Validate a Unique Pupil Number (UPN) and return it in upper case.
///
/// A UPN has 13 characters: a check letter, 11 digits, and a final digit (permanent UPN) or
/// letter (temporary UPN). Lower case is accepted; surrounding whitespace is ignored.
///
/// Raises `patchwork.ValidationError` (a `ValueError`) when the UPN is not valid; the message
/// says why and never repeats the UPN.
///
/// >>> validate_upn("a123456789012")
/// 'A123456789012'
#[pyfunction]
#[pyo3(signature = (text))]
pub fn validate_upn(py: Python<'_>, text: Cow<'_, str>) -> PyResult<String> {
    guard(py, || {
        Upn::parse(&text)
            .map(|u| u.as_str().to_owned())
            .map_err(|e| errors::from_id_error(py, &e))
    })
}
