//! Mapping a council's involvement role codes onto Patchwork's role categories.
//!
//! Every case system lets the council configure its own involvement types: LCS exports
//! codes such as `CW` or `16PLUS`, Mosaic exports descriptions such as "Allocated Worker".
//! A [`RoleMap`] turns each into a [`RoleCategory`], keeping the original code on the
//! involvement. Codes are matched without regard to case or surrounding spaces.
//!
//! The default mapping ([`RoleMap::default`]):
//!
//! | codes | category |
//! |---|---|
//! | `CW`, `CSW`, `SW`, `ALLWKR`, `Allocated Worker`, `Allocated Social Worker`, `Social Worker` | allocated_social_worker |
//! | `LP`, `LEADPRAC`, `Lead Practitioner`, `Lead Professional` | lead_practitioner |
//! | `IRO`, `Independent Reviewing Officer` | independent_reviewing_officer |
//! | `16PLUS`, `PA`, `PAL`, `Personal Adviser`, `Personal Advisor` | personal_adviser |
//! | `HV`, `Health Visitor` | health_visitor |
//! | `SN`, `School Nurse` | school_nurse |
//! | `GP` | gp |
//! | `DSL`, `Designated Safeguarding Lead` | designated_safeguarding_lead |
//! | `TEACHER`, `Teacher` | teacher |
//! | `POLICE`, `Police Officer` | police |
//! | `HOUSING`, `Housing Officer` | housing_officer |
//! | `YOT`, `YJ`, `Youth Justice Worker`, `YOT Worker` | youth_justice_worker |
//! | `FSW`, `Family Support Worker` | family_support_worker |
//!
//! Any other code maps to `other` and is reported once, with how many rows used it.
//! A council's own mapping is a CSV file with the columns `code,category` (category is
//! one of the snake_case names above); its entries are added to, and override, the
//! defaults.

use std::collections::HashMap;
use std::path::Path;

use patchwork_core::RoleCategory;

use crate::table::{Limits, TableError, TableReader};

/// Source role codes -> role categories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleMap {
    by_code: HashMap<String, RoleCategory>,
}

/// A role mapping file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum RoleMapError {
    /// The file could not be read as a table.
    #[error(transparent)]
    Table(#[from] TableError),
    /// A row names a category that does not exist.
    #[error(
        "{file}:{line}: unknown role category {category:?} (expected one of the snake_case names, such as allocated_social_worker)"
    )]
    UnknownCategory {
        /// The file.
        file: String,
        /// The line.
        line: u64,
        /// The category given.
        category: String,
    },
    /// A row has an empty code or category.
    #[error("{file}:{line}: {message}")]
    BadRow {
        /// The file.
        file: String,
        /// The line.
        line: u64,
        /// What is wrong.
        message: String,
    },
}

fn normalise(code: &str) -> String {
    code.trim().to_lowercase()
}

impl Default for RoleMap {
    fn default() -> Self {
        use RoleCategory::*;
        let table: &[(&[&str], RoleCategory)] = &[
            (
                &[
                    "CW",
                    "CSW",
                    "SW",
                    "ALLWKR",
                    "Allocated Worker",
                    "Allocated Social Worker",
                    "Social Worker",
                ],
                AllocatedSocialWorker,
            ),
            (
                &["LP", "LEADPRAC", "Lead Practitioner", "Lead Professional"],
                LeadPractitioner,
            ),
            (
                &["IRO", "Independent Reviewing Officer"],
                IndependentReviewingOfficer,
            ),
            (
                &[
                    "16PLUS",
                    "PA",
                    "PAL",
                    "Personal Adviser",
                    "Personal Advisor",
                ],
                PersonalAdviser,
            ),
            (&["HV", "Health Visitor"], HealthVisitor),
            (&["SN", "School Nurse"], SchoolNurse),
            (&["GP"], Gp),
            (
                &["DSL", "Designated Safeguarding Lead"],
                DesignatedSafeguardingLead,
            ),
            (&["TEACHER"], Teacher),
            (&["POLICE", "Police Officer"], Police),
            (&["HOUSING", "Housing Officer"], HousingOfficer),
            (
                &["YOT", "YJ", "Youth Justice Worker", "YOT Worker"],
                YouthJusticeWorker,
            ),
            (&["FSW", "Family Support Worker"], FamilySupportWorker),
        ];
        let by_code = table
            .iter()
            .flat_map(|(codes, cat)| codes.iter().map(move |c| (normalise(c), *cat)))
            .collect();
        Self { by_code }
    }
}

impl RoleMap {
    /// The category for a source code, or `None` when the map does not know it.
    pub fn category(&self, code: &str) -> Option<RoleCategory> {
        self.by_code.get(&normalise(code)).copied()
    }

    /// Adds (or overrides) one mapping.
    pub fn insert(&mut self, code: &str, category: RoleCategory) {
        self.by_code.insert(normalise(code), category);
    }

    /// The defaults plus (overridden by) the `code,category` rows of a CSV file.
    ///
    /// ```
    /// # use patchwork_adapters::ssd::RoleMap;
    /// # use patchwork_core::RoleCategory;
    /// let dir = std::env::temp_dir().join(format!("pw-roles-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let file = dir.join("roles.csv");
    /// std::fs::write(&file, "code,category\nKAPAD,personal_adviser\nCW,lead_practitioner\n").unwrap();
    /// let roles = RoleMap::from_csv(&file)?;
    /// assert_eq!(roles.category("kapad"), Some(RoleCategory::PersonalAdviser));
    /// assert_eq!(roles.category("CW"), Some(RoleCategory::LeadPractitioner));
    /// assert_eq!(roles.category("IRO"), Some(RoleCategory::IndependentReviewingOfficer));
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), patchwork_adapters::ssd::RoleMapError>(())
    /// ```
    pub fn from_csv(path: &Path) -> Result<Self, RoleMapError> {
        let mut map = Self::default();
        let mut table = TableReader::open(path, Limits::default())?;
        let (code_col, cat_col) = (table.require("code")?, table.require("category")?);
        let file = table.file().to_owned();
        while let Some(row) = table.next_row()? {
            let bad = |message: String| RoleMapError::BadRow {
                file: file.clone(),
                line: row.line(),
                message,
            };
            let code = row.text(code_col).map_err(|p| bad(p.message))?;
            let category = row.text(cat_col).map_err(|p| bad(p.message))?;
            let (Some(code), Some(category)) = (code, category) else {
                return Err(bad("code and category must both be given".into()));
            };
            let cat = RoleCategory::ALL
                .into_iter()
                .find(|c| c.as_str() == category.trim().to_lowercase())
                .ok_or_else(|| RoleMapError::UnknownCategory {
                    file: file.clone(),
                    line: row.line(),
                    category: category.to_owned(),
                })?;
            map.insert(code, cat);
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_codes_and_descriptions_in_any_case() {
        let m = RoleMap::default();
        assert_eq!(m.category("CW"), Some(RoleCategory::AllocatedSocialWorker));
        assert_eq!(
            m.category(" allocated worker "),
            Some(RoleCategory::AllocatedSocialWorker)
        );
        assert_eq!(m.category("16plus"), Some(RoleCategory::PersonalAdviser));
        assert_eq!(m.category("KASCHO"), None);
    }

    #[test]
    fn bad_mapping_files_say_where() {
        let dir = std::env::temp_dir().join(format!("pw-roles-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("roles.csv");
        std::fs::write(&file, "code,category\nX,wizard\n").unwrap();
        let err = RoleMap::from_csv(&file).unwrap_err();
        assert!(
            matches!(err, RoleMapError::UnknownCategory { line: 2, .. }),
            "{err}"
        );
        std::fs::write(&file, "code\nX\n").unwrap();
        assert!(matches!(
            RoleMap::from_csv(&file),
            Err(RoleMapError::Table(TableError::MissingColumn { .. }))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
