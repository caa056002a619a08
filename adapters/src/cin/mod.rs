//! The Children in Need census (DfE XML): import, export and validation.
//!
//! Every English council returns the CIN census each year: one `<Child>` per child in need
//! during the collection year (1 April to 31 March), with their identifiers, characteristics
//! and, for each referral, a `<CINdetails>` holding the assessments, CIN plans, section 47
//! enquiries and child protection plans that followed.
//!
//! * [`import_file`], [`import_reader`], [`import_into`]: read a census of any collection from
//!   2022-23 to 2025-26 (`GenderCurrent` or `Sex`; booleans as `1`/`0` or `true`/`false`) into
//!   a [`Network`](patchwork_core::Network): persons, CIN episodes with their assessments and
//!   CIN plans, section 47 enquiries and child protection plans with their reviews. The file
//!   is streamed one child at a time.
//! * [`export`], [`write_census_dir`]: write the census for a [`CollectionYear`] from a
//!   network: elements in schema order, `1`/`0` booleans, the children with an episode open
//!   at some point in the year.
//! * [`validate_file`], [`validate_reader`], [`validate_child`]: the DfE validation rules
//!   that concern one child's dates and codes, each failure with its rule code, the child
//!   and the XML path.
//!
//! Bad input gets a [`CinError`] naming line, column and element path: DOCTYPE
//! declarations, entity references other than the five predefined ones, nesting deeper
//! than [`XmlLimits::max_depth`], texts longer than [`XmlLimits::max_text`], broken UTF-8
//! or UTF-16. Unknown codes are reported per child with the rule they break.
//!
//! ```
//! use patchwork_adapters::cin::{self, CinOptions, CollectionYear};
//!
//! let xml = r#"<Message><Children><Child>
//!   <ChildIdentifiers><LAchildID>C1</LAchildID><PersonBirthDate>2015-03-27</PersonBirthDate><Sex>F</Sex></ChildIdentifiers>
//!   <ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>
//!   <CINdetails><CINreferralDate>2024-06-01</CINreferralDate><ReferralSource>2A</ReferralSource>
//!     <PrimaryNeedCode>N1</PrimaryNeedCode><ReferralNFA>0</ReferralNFA></CINdetails>
//! </Child></Children></Message>"#;
//! let import = cin::import_reader("census.xml", xml.as_bytes(), &CinOptions::new("la"))?;
//! assert_eq!(import.network.person_count(), 1);
//! let mut out = Vec::new();
//! cin::export(&import.network, CollectionYear::new(2025), &mut out)?;
//! assert!(String::from_utf8(out).unwrap().contains("<CINreferralDate>2024-06-01</CINreferralDate>"));
//! # Ok::<(), cin::CinError>(())
//! ```

mod codes;
mod export;
mod import;
mod record;
mod synthetic;
mod validate;
mod xml;

use chrono::NaiveDate;

pub use codes::{parse_bool, parse_date};
pub use export::{ExportSummary, export, export_for_la, write_census_dir};
pub use import::{CinImport, CinOptions, import_file, import_into, import_reader};
pub use record::{
    AssessmentRecord, CensusReader, ChildRecord, CinDetailsRecord, CinPlanRecord, CpPlanRecord,
    HeaderRecord, Section47Record,
};
pub use synthetic::add_census_details;
pub use validate::{
    ValidationFailure, validate_child, validate_file, validate_header, validate_reader,
};
pub use xml::{XmlError, XmlErrorKind, XmlEvent, XmlLimits, XmlLocation, XmlReader};

/// A census collection, named by its end year: `CollectionYear::new(2025)` is the 2024-25
/// collection, 1 April 2024 to 31 March 2025 (reference date 31 March 2025).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CollectionYear(i32);

impl CollectionYear {
    /// The collection ending on 31 March of `end_year`.
    pub fn new(end_year: i32) -> Self {
        Self(end_year)
    }

    /// [`CollectionYear::new`], usable in constants.
    pub const fn new_const(end_year: i32) -> Self {
        Self(end_year)
    }

    /// The collection whose reference date is `date` (31 March), or that contains `date`.
    pub fn containing(date: NaiveDate) -> Self {
        use chrono::Datelike;
        if date.month() >= 4 {
            Self(date.year() + 1)
        } else {
            Self(date.year())
        }
    }

    /// The end year (`Year` in the header).
    pub fn end_year(self) -> i32 {
        self.0
    }

    /// 1 April of the year before the end year: the first day of the collection.
    pub fn start(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0 - 1, 4, 1).unwrap_or(NaiveDate::MIN)
    }

    /// 31 March of the end year: the reference date, the last day of the collection.
    pub fn reference_date(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 3, 31).unwrap_or(NaiveDate::MAX)
    }

    /// True from 2024-25, when `Sex` (M/F/U) replaced `GenderCurrent`.
    pub fn uses_sex(self) -> bool {
        self.0 >= 2025
    }

    /// The name used for files: `2024-25`.
    pub fn label(self) -> String {
        format!("{}-{:02}", self.0 - 1, self.0.rem_euclid(100))
    }
}

impl std::fmt::Display for CollectionYear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

/// Why a census could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CinError {
    /// The file could not be opened or read.
    #[error("{file}: {source}")]
    Io {
        /// The file.
        file: String,
        /// The error.
        source: std::io::Error,
    },
    /// The XML is bad (or hostile): see [`XmlErrorKind`].
    #[error("{file}: {error}")]
    Xml {
        /// The file.
        file: String,
        /// What and where.
        error: XmlError,
    },
    /// The output could not be written.
    #[error("writing the census failed: {0}")]
    Write(#[from] std::io::Error),
}

impl CinError {
    /// The XML error, when the input was bad.
    pub fn xml(&self) -> Option<&XmlError> {
        match self {
            Self::Xml { error, .. } => Some(error),
            _ => None,
        }
    }
}
