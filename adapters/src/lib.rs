//! # patchwork-adapters
//!
//! Everything that connects a [`patchwork_core::Network`] to the outside world: formats,
//! stores, and the data that fills a network when no real extract is at hand.
//!
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
pub mod report;
pub mod ssd;
pub mod synthetic;
pub mod table;
