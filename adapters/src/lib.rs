//! # patchwork-adapters
//!
//! Everything that connects a [`patchwork_core::Network`] to the outside world: formats,
//! stores, and the data that fills a network when no real extract is at hand.
//!
//! * [`cin`]: the Children in Need census (DfE XML): import, export and the DfE
//!   validation rules for one child's dates and codes.
//! * [`ssd`]: the Standard Safeguarding Dataset extract of Liquidlogic LCS, Mosaic and
//!   Eclipse: import (and the council's role-code mapping).
//! * [`ssda903`]: the children looked after return (SSDA903) CSV files: import, and
//!   export of a collection year with the columns the DfE's validator expects.
//! * [`agency`]: the partner-agency feed, one CSV format for health, schools, police,
//!   housing and others, matched to children by NHS number, UPN or council id.
//! * [`store`]: the embedded SQLite store a nightly job saves the whole network to, and
//!   loads it from.
//! * [`merge`]: how a statutory return's records join tonight's network (the extract
//!   stays the first source; a return fills gaps and never overwrites).
//! * [`nightly`]: the nightly import `patchwork import` runs: manifest and idempotency,
//!   gates, end-dating what disappeared, change events, all saved in one transaction.
//! * [`redaction`]: spreadsheet-formula neutralisation of every CSV export, and the
//!   redaction options of an export (pseudonyms, coarse dates and postcodes, small counts).
//! * [`report`]: the import report: every problem with file, line and column.
//! * [`table`]: the CSV reader underneath, with size limits against hostile files.
//! * [`synthetic`]: a deterministic generator of a fictional council's network (agencies,
//!   teams, professionals, families, episodes and involvements) at the benchmark tiers of
//!   the design notes, for examples, tests and benchmarks.
//!
//! ```
//! use patchwork_adapters::synthetic::{self, Sizes};
//!
//! let council = synthetic::generate_sizes(Sizes { persons: 500, involvements: 2_000, professionals: 120 }, 7);
//! let today = council.today;
//! let net = council.into_network()?;
//! assert_eq!(net.person_count(), 500);
//! assert!(!net.gaps(today).is_empty());
//! # Ok::<(), patchwork_core::Error>(())
//! ```

#![warn(missing_docs)]

pub mod agency;
pub mod cin;
pub mod merge;
pub mod nightly;
pub mod redaction;
pub mod report;
pub mod ssd;
pub mod ssda903;
pub mod store;
pub mod synthetic;
pub mod table;
