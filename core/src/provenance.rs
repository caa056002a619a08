//! Where a fact came from.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The provenance of a fact: the source system, and where known the file and row.
///
/// System and file names are shared (`Arc<str>`) because a single import gives the same
/// file name to every row it reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Source {
    /// The system that produced the fact (`lcs`, `mosaic`, a partner feed's agency name...).
    pub system: Arc<str>,
    /// The file it was read from, if it came from a file.
    pub file: Option<Arc<str>>,
    /// The 1-based line or record number in that file.
    pub row: Option<u64>,
}

impl Source {
    /// Provenance naming only a system (facts entered through an API, for instance).
    pub fn system(system: impl Into<Arc<str>>) -> Self {
        Self {
            system: system.into(),
            file: None,
            row: None,
        }
    }

    /// Provenance naming a system, a file and a row.
    pub fn row(system: impl Into<Arc<str>>, file: impl Into<Arc<str>>, row: u64) -> Self {
        Self {
            system: system.into(),
            file: Some(file.into()),
            row: Some(row),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.system)?;
        if let Some(file) = &self.file {
            write!(f, " {file}")?;
        }
        if let Some(row) = self.row {
            write!(f, " row {row}")?;
        }
        Ok(())
    }
}
