//! The DfE code lists of the SSDA903 fields, each with the validator rule that checks it.
//!
//! An import accepts a code that any layout from 2017-18 to 2025-26 allows (returns from
//! earlier years still load); a code in none of them is refused with the field and rule.
//! Lists from the liia-tools 903 schema (2017 base and its yearly diffs) and the
//! community validator's rule packs.

/// A field with a fixed list of codes.
#[derive(Debug, Clone, Copy)]
pub struct CodeList {
    /// The column.
    pub field: &'static str,
    /// The validator rule that reports a code outside the list.
    pub rule: &'static str,
    /// The codes, compared exactly (they are upper case).
    pub codes: &'static [&'static str],
}

impl CodeList {
    /// True when `code` is in the list.
    pub fn contains(&self, code: &str) -> bool {
        self.codes.contains(&code)
    }
}

/// Header `SEX`: `M`/`F`/`U` from 2024-25, `1`/`2` before.
pub const SEX: CodeList = CodeList {
    field: "SEX",
    rule: "101",
    codes: &["M", "F", "U", "1", "2"],
};
/// Header `ETHNIC`.
pub const ETHNIC: CodeList = CodeList {
    field: "ETHNIC",
    rule: "103",
    codes: &[
        "WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
        "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
    ],
};
/// Header `MOTHER`.
pub const MOTHER: CodeList = CodeList {
    field: "MOTHER",
    rule: "165",
    codes: &["0", "1"],
};
/// Episodes `RNE`.
pub const RNE: CodeList = CodeList {
    field: "RNE",
    rule: "143",
    codes: &["S", "L", "P", "T", "B", "U"],
};
/// Episodes `LS`.
pub const LS: CodeList = CodeList {
    field: "LS",
    rule: "144",
    codes: &[
        "C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3",
    ],
};
/// Episodes `CIN`.
pub const CIN: CodeList = CodeList {
    field: "CIN",
    rule: "145",
    codes: &["N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"],
};
/// Episodes `PLACE` (H5 and P2 until 2023-24, K3 from 2024-25, Z11 to Z14 from 2025-26).
pub const PLACE: CodeList = CodeList {
    field: "PLACE",
    rule: "146",
    codes: &[
        "A3", "A4", "A5", "A6", "H5", "K1", "K2", "K3", "P1", "P2", "P3", "R1", "R2", "R3", "R5",
        "S1", "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1", "Z11", "Z12",
        "Z13", "Z14",
    ],
};
/// Episodes `PLACE_PROVIDER`.
pub const PLACE_PROVIDER: CodeList = CodeList {
    field: "PLACE_PROVIDER",
    rule: "178",
    codes: &["PR0", "PR1", "PR2", "PR3", "PR4", "PR5"],
};
/// Episodes `REC` (E43 and E44 until 2018-19, E45 to E48 from 2019-20).
pub const REC: CodeList = CodeList {
    field: "REC",
    rule: "149",
    codes: &[
        "X1", "E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E43", "E44", "E45", "E46",
        "E47", "E48", "E5", "E6", "E7", "E8", "E9", "E14", "E15", "E16", "E17",
    ],
};
/// Episodes `REASON_PLACE_CHANGE`.
pub const REASON_PLACE_CHANGE: CodeList = CodeList {
    field: "REASON_PLACE_CHANGE",
    rule: "1009",
    codes: &[
        "CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ", "PLACE",
        "CUSTOD", "OTHER",
    ],
};
/// Reviews `REVIEW_CODE`.
pub const REVIEW_CODE: CodeList = CodeList {
    field: "REVIEW_CODE",
    rule: "167",
    codes: &["PN0", "PN1", "PN2", "PN3", "PN4", "PN5", "PN6", "PN7"],
};
/// Missing `MISSING`.
pub const MISSING: CodeList = CodeList {
    field: "MISSING",
    rule: "1006",
    codes: &["M", "A"],
};
/// OC2 `SDQ_REASON`.
pub const SDQ_REASON: CodeList = CodeList {
    field: "SDQ_REASON",
    rule: "196",
    codes: &["SDQ1", "SDQ2", "SDQ3", "SDQ4", "SDQ5"],
};
/// OC3 `IN_TOUCH`.
pub const IN_TOUCH: CodeList = CodeList {
    field: "IN_TOUCH",
    rule: "131",
    codes: &["YES", "NO", "DIED", "REFU", "NREQ", "RHOM"],
};
/// OC3 `ACTIV` (F3 and P3 until 2021-22, F4, P4, F5, P5 from 2022-23).
pub const ACTIV: CodeList = CodeList {
    field: "ACTIV",
    rule: "132",
    codes: &[
        "F1", "P1", "F2", "P2", "F3", "P3", "F4", "P4", "F5", "P5", "G4", "G5", "G6", "0",
    ],
};
/// OC3 `ACCOM`.
pub const ACCOM: CodeList = CodeList {
    field: "ACCOM",
    rule: "133",
    codes: &[
        "B1", "B2", "C1", "C2", "D1", "D2", "E1", "E2", "G1", "G2", "H1", "H2", "K1", "K2", "R1",
        "R2", "S1", "S2", "T1", "T2", "U1", "U2", "V1", "V2", "W1", "W2", "X1", "X2", "Y1", "Y2",
        "Z1", "Z2", "0",
    ],
};
/// AD1 `SEX_ADOPTR`.
pub const SEX_ADOPTR: CodeList = CodeList {
    field: "SEX_ADOPTR",
    rule: "176",
    codes: &["M1", "F1", "MM", "FF", "MF"],
};
/// AD1 `LS_ADOPTR`.
pub const LS_ADOPTR: CodeList = CodeList {
    field: "LS_ADOPTR",
    rule: "177",
    codes: &["L0", "L11", "L12", "L2", "L3", "L4"],
};
/// AD1 `NB_ADOPTR`.
pub const NB_ADOPTR: CodeList = CodeList {
    field: "NB_ADOPTR",
    rule: "175",
    codes: &["1", "2"],
};
/// AD1 `FOSTER_CARE`.
pub const FOSTER_CARE: CodeList = CodeList {
    field: "FOSTER_CARE",
    rule: "114",
    codes: &["0", "1"],
};
/// Placed for adoption `REASON_PLACED_CEASED`.
pub const REASON_PLACED_CEASED: CodeList = CodeList {
    field: "REASON_PLACED_CEASED",
    rule: "120",
    codes: &["RD1", "RD2", "RD3", "RD4"],
};
/// Previous permanence `PREV_PERM`.
pub const PREV_PERM: CodeList = CodeList {
    field: "PREV_PERM",
    rule: "631",
    codes: &["P1", "P2", "P3", "P4", "Z1"],
};
/// Social worker episodes `SW_REASON`.
pub const SW_REASON: CodeList = CodeList {
    field: "SW_REASON",
    rule: "SW13",
    codes: &[
        "MANAGE", "FCONTA", "LEFTRL", "ORGRST", "TSPROC", "ABSENC", "CHCHAN", "PCCHAN", "SWDIED",
        "OTHERS",
    ],
};
/// The OC2 yes/no flags (`0`/`1`). The validator has no rule of its own for their codes
/// (its rules 542 to 547 check which children should have them).
pub const OC2_FLAGS: [&str; 8] = [
    "CONVICTED",
    "HEALTH_CHECK",
    "IMMUNISATIONS",
    "TEETH_CHECK",
    "HEALTH_ASSESSMENT",
    "SUBSTANCE_MISUSE",
    "INTERVENTION_RECEIVED",
    "INTERVENTION_OFFERED",
];

/// The "UPN unknown" codes the DfE accepts in place of a UPN.
pub const UPN_UNKNOWN: &[&str] = &["UN1", "UN2", "UN3", "UN4", "UN5"];
