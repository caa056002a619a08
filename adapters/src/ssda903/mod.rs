//! The children looked after return (SSDA903) as the DfE collects it in CSV: eleven files
//! (`header`, `episodes`, `reviews`, `uasc`, `oc2`, `oc3`, `ad1`, `placed_for_adoption`,
//! `previous_permanence`, `missing`, `sw_episodes`), in and out.
//!
//! * [`import_dir`] reads a folder of the files into a [`Network`](patchwork_core::Network)
//!   and an [`ImportReport`](crate::report::ImportReport). Files are found by name
//!   (`header.csv`...) or, as the validator does, by their columns. Any file may be
//!   absent (a warning); without `header.csv` the children are made from the `CHILD` ids
//!   of the other files. [`import_files`] does the same from memory.
//! * [`export_dir`] writes the files of one collection year from a network, with exactly
//!   the columns the community validator expects ([`File903::columns`]); [`write_dir`]
//!   writes them into `DIR/ssda903/`.
//! * [`add_return_facts`] fills a generated council with the return's facts the SSD
//!   does not carry, so that its return fills every file.
//!
//! What becomes what:
//!
//! | file | becomes |
//! |---|---|
//! | `header` | persons keyed `system:CHILD` (sex, date of birth, ethnicity, UPN), mother status in [`LookedAfterChild`](patchwork_core::LookedAfterChild) |
//! | `episodes` | looked-after episodes `[DECOM, DEC)` with legal status, placement and a [`CareEpisode`](patchwork_core::CareEpisode) |
//! | `sw_episodes` | allocated-social-worker involvements `[SW_DECOM, SW_DEC)`, professionals keyed by `SW_ID` |
//! | `reviews`, `uasc`, `oc2`, `oc3`, `ad1`, `placed_for_adoption`, `previous_permanence`, `missing` | the child's [`LookedAfterChild`](patchwork_core::LookedAfterChild) |
//!
//! `SW_REASON` is the reason for the change *to* a worker. The network records why an
//! involvement ended, so the reason of a child's social worker episode becomes the end
//! reason of the child's previous one; a first episode's `FCONTA` (first contact) needs
//! nothing stored, and any reason that cannot be carried that way is kept in
//! [`LookedAfterChild::worker_changes`](patchwork_core::LookedAfterChild::worker_changes).
//! Export derives the reason the same way, so a return comes back as it went in.
//!
//! Dates are `dd/mm/yyyy` (ISO `yyyy-mm-dd` is read too). Codes are checked against the
//! DfE code lists of every layout from 2017-18 ([`codes`]); a code in none of them
//! quarantines its row with a problem naming the file, line, column and validator rule.
//! The import never maps a code to another.

mod assemble;
pub mod codes;
mod columns;
mod export;
mod import;
mod rows;
mod synthetic;

pub use columns::{File903, Layout};

pub use export::{ExportError, ExportSummary, export_dir, export_tables, write_dir};
pub use import::{ImportOptions, Ssda903Error, Ssda903Import, import_dir, import_files};
pub use synthetic::add_return_facts;

use chrono::NaiveDate;

/// A collection year, named by the year it ends: `CollectionYear(2025)` is the 2024-25
/// return, 1 April 2024 to 31 March 2025.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CollectionYear(pub i32);

impl CollectionYear {
    /// The year that contains `date` (a year runs 1 April to 31 March).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use patchwork_adapters::ssda903::CollectionYear;
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    /// assert_eq!(CollectionYear::containing(d(2025, 3, 31)), CollectionYear(2025));
    /// assert_eq!(CollectionYear::containing(d(2025, 4, 1)), CollectionYear(2026));
    /// ```
    pub fn containing(date: NaiveDate) -> Self {
        use chrono::Datelike;
        if date.month() >= 4 {
            Self(date.year() + 1)
        } else {
            Self(date.year())
        }
    }

    /// Reads `2025` (the end year) or `2024-25`.
    ///
    /// ```
    /// use patchwork_adapters::ssda903::CollectionYear;
    /// assert_eq!(CollectionYear::parse("2024-25"), Some(CollectionYear(2025)));
    /// assert_eq!(CollectionYear::parse("2025"), Some(CollectionYear(2025)));
    /// assert_eq!(CollectionYear::parse("2024-26"), None);
    /// assert_eq!(CollectionYear(2025).to_string(), "2024-25");
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Some((a, b)) = text.split_once('-') {
            let start: i32 = a.parse().ok().filter(|y| (1900..=9998).contains(y))?;
            let end: i32 = b.parse().ok()?;
            return ((start + 1) % 100 == end && b.len() == 2).then_some(Self(start + 1));
        }
        text.parse()
            .ok()
            .filter(|y| (1900..=9999).contains(y))
            .map(Self)
    }

    /// 1 April of the year's start.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0.saturating_sub(1), 4, 1).unwrap_or(NaiveDate::MIN)
    }

    /// 31 March of the year's end.
    pub fn last_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, 3, 31).unwrap_or(NaiveDate::MAX)
    }

    /// The export layout of the year, for the years Patchwork exports (2024-25, 2025-26).
    pub fn layout(self) -> Option<Layout> {
        match self.0 {
            2025 => Some(Layout::Y2024_25),
            2026 => Some(Layout::Y2025_26),
            _ => None,
        }
    }
}

impl std::fmt::Display for CollectionYear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{:02}",
            self.0.saturating_sub(1),
            self.0.rem_euclid(100)
        )
    }
}

/// Formats a date as the return writes it, `dd/mm/yyyy`.
pub(crate) fn format_date(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// Reads `dd/mm/yyyy` (one-digit day and month allowed) or an ISO date.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    let parts: Vec<&str> = text.split('/').collect();
    if let [d, m, y] = parts.as_slice() {
        let ok = |s: &str, max: usize| {
            !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
        };
        if !(ok(d, 2) && ok(m, 2) && y.len() == 4 && ok(y, 4)) {
            return None;
        }
        return NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    }
    crate::table::parse_date(text)
}
