//! Where a fact came from.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A source system and, where the facts came from a file, that file.
///
/// One `Origin` is shared (through an `Arc`) by every fact read from the same file, so a
/// [`Source`] costs 16 bytes however long the names are.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Origin {
    /// The system that produced the facts (`lcs`, `mosaic`, a partner agency's feed...).
    pub system: String,
    /// The file they were read from, if any.
    pub file: Option<String>,
}

impl Origin {
    /// An origin, ready to be shared by the rows of one file.
    pub fn new(system: impl Into<String>, file: Option<String>) -> Arc<Self> {
        Arc::new(Self {
            system: system.into(),
            file,
        })
    }
}

/// The provenance of a fact: its [`Origin`] and, where known, its 1-based row or line.
///
/// ```
/// use patchwork_core::{Origin, Source};
///
/// // An importer makes one origin per file and one cheap `Source` per row.
/// let file = Origin::new("lcs", Some("ssd_involvements.csv".into()));
/// let row = Source::at(&file, 42);
/// assert_eq!(row.system_name(), "lcs");
/// assert_eq!(row.to_string(), "lcs ssd_involvements.csv row 42");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Source {
    origin: Arc<Origin>,
    row: Option<NonZeroU64>,
}

impl Source {
    /// Provenance naming only a system (facts entered through an API, for instance).
    pub fn system(system: impl Into<String>) -> Self {
        Self {
            origin: Origin::new(system, None),
            row: None,
        }
    }

    /// Provenance naming a system, a file and a row. Makes a new [`Origin`]: an importer
    /// reading many rows should make the origin once and use [`Source::at`].
    pub fn row(system: impl Into<String>, file: impl Into<String>, row: u64) -> Self {
        Self::at(&Origin::new(system, Some(file.into())), row)
    }

    /// Row `row` (1-based; 0 means unknown) of a shared origin.
    pub fn at(origin: &Arc<Origin>, row: u64) -> Self {
        Self {
            origin: Arc::clone(origin),
            row: NonZeroU64::new(row),
        }
    }

    /// The origin: system and file.
    pub fn origin(&self) -> &Arc<Origin> {
        &self.origin
    }

    /// The source system's name.
    pub fn system_name(&self) -> &str {
        &self.origin.system
    }

    /// The file name, if the fact came from a file.
    pub fn file_name(&self) -> Option<&str> {
        self.origin.file.as_deref()
    }

    /// The 1-based row or line, if known.
    pub fn row_number(&self) -> Option<u64> {
        self.row.map(NonZeroU64::get)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.system_name())?;
        if let Some(file) = self.file_name() {
            write!(f, " {file}")?;
        }
        if let Some(row) = self.row_number() {
            write!(f, " row {row}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Source({self})")
    }
}

#[derive(Serialize, Deserialize)]
struct SourceFields<'a> {
    system: std::borrow::Cow<'a, str>,
    file: Option<std::borrow::Cow<'a, str>>,
    row: Option<u64>,
}

impl Serialize for Source {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SourceFields {
            system: self.system_name().into(),
            file: self.file_name().map(Into::into),
            row: self.row_number(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let f = SourceFields::deserialize(d)?;
        let origin = Origin::new(f.system.into_owned(), f.file.map(|c| c.into_owned()));
        Ok(Self::at(&origin, f.row.unwrap_or(0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_one_file_share_the_origin() {
        let origin = Origin::new("lcs", Some("f.csv".into()));
        let a = Source::at(&origin, 1);
        let b = Source::at(&origin, 2);
        assert!(Arc::ptr_eq(a.origin(), b.origin()));
        assert_eq!(std::mem::size_of::<Source>(), 16);
        assert_eq!(Source::at(&origin, 0).row_number(), None);
    }

    #[test]
    fn serde_round_trip() {
        let s = Source::row("lcs", "f.csv", 7);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, r#"{"system":"lcs","file":"f.csv","row":7}"#);
        assert_eq!(serde_json::from_str::<Source>(&json).unwrap(), s);
    }
}
