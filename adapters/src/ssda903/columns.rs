//! The SSDA903 files and the columns of each, per layout.
//!
//! The community validator recognises an uploaded CSV by the *set* of its header names, so
//! an export must carry exactly these columns: one extra or missing column and the file is
//! not recognised. The 2024-25 and 2025-26 layouts have the same eleven files with the same
//! columns (what changed between them are code lists); the deprivation of liberty file
//! arrives in 2026-27, which Patchwork does not export yet.

/// The layout of a collection year's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layout {
    /// April 2024 to March 2025.
    Y2024_25,
    /// April 2025 to March 2026.
    Y2025_26,
}

/// One of the eleven SSDA903 CSV files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum File903 {
    /// `header.csv`: one row per child.
    Header,
    /// `episodes.csv`: one row per episode of care.
    Episodes,
    /// `reviews.csv`: statutory reviews.
    Reviews,
    /// `uasc.csv`: unaccompanied asylum-seeking children.
    Uasc,
    /// `oc2.csv`: outcomes of children looked after for twelve months at 31 March.
    Oc2,
    /// `oc3.csv`: care leavers around their 17th to 21st birthdays.
    Oc3,
    /// `ad1.csv`: children adopted.
    Ad1,
    /// `placed_for_adoption.csv`: decisions that a child should be placed for adoption.
    PlacedForAdoption,
    /// `previous_permanence.csv`: permanence before starting to be looked after.
    PreviousPermanence,
    /// `missing.csv`: periods missing or away from placement.
    Missing,
    /// `sw_episodes.csv`: social worker episodes.
    SwEpisodes,
}

impl File903 {
    /// Every file, in the order an import reads them (the header first, the files that
    /// need the episodes last).
    pub const ALL: [File903; 11] = [
        Self::Header,
        Self::Uasc,
        Self::Reviews,
        Self::Oc2,
        Self::Oc3,
        Self::Ad1,
        Self::PlacedForAdoption,
        Self::PreviousPermanence,
        Self::Missing,
        Self::Episodes,
        Self::SwEpisodes,
    ];

    /// The file's name without `.csv`.
    pub fn stem(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Episodes => "episodes",
            Self::Reviews => "reviews",
            Self::Uasc => "uasc",
            Self::Oc2 => "oc2",
            Self::Oc3 => "oc3",
            Self::Ad1 => "ad1",
            Self::PlacedForAdoption => "placed_for_adoption",
            Self::PreviousPermanence => "previous_permanence",
            Self::Missing => "missing",
            Self::SwEpisodes => "sw_episodes",
        }
    }

    /// The file's name: `header.csv`, ...
    pub fn file_name(self) -> String {
        format!("{}.csv", self.stem())
    }

    /// The name the validator gives the table (`Header`, `PlacedAdoption`, `SW_Episodes`...).
    pub fn validator_name(self) -> &'static str {
        match self {
            Self::Header => "Header",
            Self::Episodes => "Episodes",
            Self::Reviews => "Reviews",
            Self::Uasc => "UASC",
            Self::Oc2 => "OC2",
            Self::Oc3 => "OC3",
            Self::Ad1 => "AD1",
            Self::PlacedForAdoption => "PlacedAdoption",
            Self::PreviousPermanence => "PrevPerm",
            Self::Missing => "Missing",
            Self::SwEpisodes => "SW_Episodes",
        }
    }

    /// The columns of the file in a layout, in the DfE's order.
    pub fn columns(self, layout: Layout) -> &'static [&'static str] {
        match layout {
            Layout::Y2024_25 | Layout::Y2025_26 => self.columns_2024_to_2026(),
        }
    }

    fn columns_2024_to_2026(self) -> &'static [&'static str] {
        match self {
            Self::Header => &["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
            Self::Episodes => &[
                "CHILD",
                "DECOM",
                "RNE",
                "LS",
                "CIN",
                "PLACE",
                "PLACE_PROVIDER",
                "DEC",
                "REC",
                "REASON_PLACE_CHANGE",
                "HOME_POST",
                "PL_POST",
                "URN",
            ],
            Self::Reviews => &["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
            Self::Uasc => &["CHILD", "SEX", "DOB", "DUC"],
            Self::Oc2 => &[
                "CHILD",
                "DOB",
                "SDQ_SCORE",
                "SDQ_REASON",
                "CONVICTED",
                "HEALTH_CHECK",
                "IMMUNISATIONS",
                "TEETH_CHECK",
                "HEALTH_ASSESSMENT",
                "SUBSTANCE_MISUSE",
                "INTERVENTION_RECEIVED",
                "INTERVENTION_OFFERED",
            ],
            Self::Oc3 => &["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
            Self::Ad1 => &[
                "CHILD",
                "DOB",
                "DATE_INT",
                "DATE_MATCH",
                "FOSTER_CARE",
                "NB_ADOPTR",
                "SEX_ADOPTR",
                "LS_ADOPTR",
            ],
            Self::PlacedForAdoption => &[
                "CHILD",
                "DOB",
                "DATE_PLACED",
                "DATE_PLACED_CEASED",
                "REASON_PLACED_CEASED",
            ],
            Self::PreviousPermanence => &["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"],
            Self::Missing => &["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
            Self::SwEpisodes => &["CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"],
        }
    }
}
