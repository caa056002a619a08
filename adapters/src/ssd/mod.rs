//! The Standard Safeguarding Dataset (SSD): the flat `ssd_*` tables that Data to
//! Insight's per-system SQL scripts build from Liquidlogic LCS, Mosaic and Eclipse. It is
//! the one standard extract that carries professionals and involvements.
//!
//! [`import_dir`] reads a folder of `<table>.csv` files into a
//! [`Network`](patchwork_core::Network) and an [`ImportReport`](crate::report::ImportReport).
//!
//! What becomes what:
//!
//! | table | becomes |
//! |---|---|
//! | `ssd_person` (+ `ssd_linked_identifiers`, `ssd_address`) | persons, with NHS number, UPN, other identifiers, current postcode |
//! | `ssd_family` | households |
//! | `ssd_mother` | parent relationships (mother -> child) |
//! | `ssd_professionals`, `ssd_department` | professionals of the council agency, teams |
//! | `ssd_involvements` | involvements, roles mapped by a [`RoleMap`] |
//! | `ssd_cin_episodes`, `ssd_s47_enquiry`, `ssd_cp_plans`, `ssd_cla_episodes`, `ssd_early_help_episodes` | episodes |
//! | worker/team columns of `ssd_cin_episodes` (referral), `ssd_cin_assessments`, `ssd_cin_plans`, `ssd_s47_enquiry`, `ssd_initial_cp_conference` | activities: in the timeline and in who has worked with the child, never in the team around the child |
//! | `ssd_early_help_episodes` worker | a lead-practitioner involvement for the episode |
//! | `ssd_care_leavers` worker/team | a personal-adviser involvement |
//!
//! Keys: persons, professionals, teams and involvements keep the extract's ids under the
//! options' system name (`lcs:100234`). Records from the other tables are keyed
//! `table/id` (`lcs:ssd_cp_plans/55`) so that ids from different tables never collide.
//!
//! The systems differ, and all load:
//! - **LCS** writes `-1` for "no worker/team" and `1900-01-01` for an open end date; both
//!   are read as empty (for every flavour).
//! - **Mosaic** has no `ssd_family` (not reported as missing), no `invo_person_id` (the
//!   child is found through `invo_referral_id` and `ssd_cin_episodes`), no professional
//!   names, and team *names* in `invo_professional_team` (each distinct name becomes a
//!   team keyed `name/<name>`).
//! - **Eclipse** leaves professional attributes empty; they load as unknown.
//!
//! Dates may be `2024-07-02`, `2024-07-02 00:00:00` or `2024-07-02 00:00:00.000`; files may
//! start with a UTF-8 BOM and use CRLF line ends; column order does not matter; unknown
//! columns are reported as warnings and ignored.
//!
//! Bad rows (a bad date, an unknown person or professional, an end before its start, an
//! invalid NHS number or UPN, a duplicate id) are quarantined with file, line and column in
//! the report; the rest loads. A structurally broken file (unreadable, not CSV, a
//! required column missing, over a size limit) fails the import.

mod export;
mod import;
mod roles;
pub mod schema;

pub use export::{
    ExportError, ExportOptions, ExportSummary, export_dir, export_tables, export_writers,
};
pub use import::{
    Flavour, SsdError, SsdImport, SsdOptions, council_agency_key, import_dir, import_tables,
};
pub use roles::{RoleMap, RoleMapError};
