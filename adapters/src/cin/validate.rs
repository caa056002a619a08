//! The DfE census validation rules that concern one child's dates and codes.
//!
//! Each rule is the one the community CIN validator (csc-validator-be-cin) implements under
//! the same DfE code; the census period runs from 1 April to the header's `ReferenceDate`.
//! Rules that compare children with each other (1520 duplicate UPN) or need the whole
//! return (2886Q, 2887Q) are not here, except 8510 (duplicate LAchildID), which
//! [`validate_reader`] checks across the file.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use chrono::NaiveDate;
use patchwork_core::Upn;
use serde::Serialize;

use super::codes::{self, known, parse_bool, parse_date};
use super::record::{CensusReader, ChildRecord, HeaderRecord, path};
use super::xml::{XmlLimits, XmlReader};
use super::{CinError, CollectionYear};

/// One rule broken by one child (or by the header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValidationFailure {
    /// The DfE rule code (`8600`, `8525Q`...; `Q` marks a query rather than an error).
    pub rule: &'static str,
    /// The child's `LAchildID`, when it has one (`None` for the header).
    pub child: Option<String>,
    /// The XML path of the value, e.g. `/Message/Children/Child[3]/CINdetails[1]/CINreferralDate`.
    pub path: String,
    /// What is wrong, in the DfE's words where they are short.
    pub message: String,
}

/// Validates the census in `path`. `year` is the collection to validate for; `None` takes
/// it from the header's `ReferenceDate` (or `Year`).
pub fn validate_file(
    path: &Path,
    year: Option<CollectionYear>,
    limits: XmlLimits,
) -> Result<Vec<ValidationFailure>, CinError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| CinError::Io {
        file: name.clone(),
        source,
    })?;
    validate_reader(&name, file, year, limits)
}

/// Validates a census read from `reader`, streaming it child by child.
pub fn validate_reader<R: Read>(
    name: &str,
    reader: R,
    year: Option<CollectionYear>,
    limits: XmlLimits,
) -> Result<Vec<ValidationFailure>, CinError> {
    let xml_err = |error| CinError::Xml {
        file: name.to_owned(),
        error,
    };
    let xml = XmlReader::new(reader, limits).map_err(xml_err)?;
    let mut census = CensusReader::open(xml).map_err(xml_err)?;
    let mut out = validate_header(census.header());
    let year = year
        .or_else(|| header_year(census.header()))
        .unwrap_or(CollectionYear::new(2025));
    let mut seen = rustc_hash::FxHashSet::default();
    while let Some(child) = census.next_child().map_err(xml_err)? {
        if let Some(id) = &child.la_child_id
            && !seen.insert(id.clone())
        {
            out.push(ValidationFailure {
                rule: "8510",
                child: Some(id.clone()),
                path: path::identifier(child.position, "LAchildID"),
                message: "More than one child record with the same LAchildID".into(),
            });
        }
        out.extend(validate_child(&child, year));
    }
    Ok(out)
}

fn header_year(h: &HeaderRecord) -> Option<CollectionYear> {
    if let Some(d) = h.reference_date.as_deref().and_then(parse_date) {
        return Some(CollectionYear::containing(d));
    }
    h.year.as_deref()?.parse().ok().map(CollectionYear::new)
}

/// Rule 100: the reference date is 31 March of the header's `Year`.
pub fn validate_header(h: &HeaderRecord) -> Vec<ValidationFailure> {
    let year: Option<i32> = h.year.as_deref().and_then(|y| y.parse().ok());
    let reference = h.reference_date.as_deref().and_then(parse_date);
    let ok = match (year, reference) {
        (Some(y), Some(r)) => NaiveDate::from_ymd_opt(y, 3, 31) == Some(r),
        _ => false,
    };
    if ok {
        Vec::new()
    } else {
        vec![ValidationFailure {
            rule: "100",
            child: None,
            path: "/Message/Header[1]/CollectionDetails[1]/ReferenceDate".into(),
            message: "Reference Date is incorrect: it must be 31 March of the collection Year"
                .into(),
        }]
    }
}

struct Check<'a> {
    child: Option<&'a str>,
    out: Vec<ValidationFailure>,
}

impl Check<'_> {
    fn fail(&mut self, rule: &'static str, path: String, message: &str) {
        self.out.push(ValidationFailure {
            rule,
            child: self.child.map(str::to_owned),
            path,
            message: message.to_owned(),
        });
    }
}

fn date(v: &Option<String>) -> Option<NaiveDate> {
    v.as_deref().and_then(parse_date)
}

/// Validates one child against the rules for collection `year`.
///
/// Identity: 8500, 1570, 1580 (from 2024-25), 1510, 1540, 1560Q, 8525Q, 8520, 4180, 8750,
/// 4220, 8540, 8790, 8794. Episodes: 8590, 8600, 8866, 8650, 8640, 8610, 8620, 8630, 8805,
/// 8810, 8568. Assessments: 1103, 8608, 8696, 8736, 8614, 8617, 8869. Section 47 and
/// initial conference: 2889, 1104, 8615, 8715, 2884. Child protection plans: 1105, 8720,
/// 8730, 8905, 8910, 8841, 8840, 2885.
pub fn validate_child(c: &ChildRecord, year: CollectionYear) -> Vec<ValidationFailure> {
    let mut k = Check {
        child: c.la_child_id.as_deref(),
        out: Vec::new(),
    };
    let n = c.position;
    let id = |e: &str| path::identifier(n, e);
    let (start, reference) = (year.start(), year.reference_date());

    // ----- identity
    match c.la_child_id.as_deref() {
        None => k.fail("8500", id("LAchildID"), "LA Child ID missing"),
        Some(v) if year.uses_sex() => {
            if v.chars().count() > 20 {
                k.fail(
                    "1570",
                    id("LAchildID"),
                    "LAchildID is longer than 20 characters",
                );
            }
            if !v.chars().all(|ch| ch.is_ascii_alphanumeric()) {
                k.fail(
                    "1580",
                    id("LAchildID"),
                    "LAchildID contains characters other than letters and digits",
                );
            }
        }
        Some(_) => {}
    }
    if let Some(upn) = c.upn.as_deref() {
        match Upn::parse(upn) {
            Ok(_) => {}
            Err(patchwork_core::IdError::UpnCheckLetter { .. }) => k.fail(
                "1510",
                id("UPN"),
                "UPN invalid (wrong check letter at character 1)",
            ),
            Err(_) => k.fail(
                "1540",
                id("UPN"),
                "UPN invalid (characters 2-12 not all numeric, or wrong length)",
            ),
        }
    }
    if let Some(former) = c.former_upn.as_deref()
        && Upn::parse(former).is_err()
    {
        k.fail(
            "1560Q",
            id("FormerUPN"),
            "Please check: Former UPN wrongly formatted",
        );
    }
    let birth = date(&c.birth_date);
    if c.birth_date.is_some() == c.expected_birth_date.is_some() {
        k.fail(
            "8525Q",
            id("PersonBirthDate"),
            "Please check: Either Date of Birth or Expected Date of Birth must be provided (but not both)",
        );
    }
    if birth.is_some_and(|b| b > reference) {
        k.fail(
            "8520",
            id("PersonBirthDate"),
            "Date of Birth is after data collection period (must be on or before the end of census period)",
        );
    }
    let unborn = c.birth_date.is_none() && c.expected_birth_date.is_some();
    if year.uses_sex() {
        match c.sex.as_deref() {
            Some(s) if known(codes::SEX, s) => {
                if unborn && s != "U" {
                    k.fail("8750", id("Sex"), "Sex must equal U for an unborn child");
                }
            }
            _ => k.fail("4180", id("Sex"), "Sex is missing or not M, F or U"),
        }
    } else {
        match c.gender_current.as_deref() {
            Some(g) if known(codes::GENDER_CURRENT, g) => {
                if unborn && g != "0" {
                    k.fail(
                        "8750",
                        id("GenderCurrent"),
                        "Gender must equal 0 for an unborn child",
                    );
                }
            }
            _ => k.fail(
                "4180",
                id("GenderCurrent"),
                "Gender is missing or not 0, 1, 2 or 9",
            ),
        }
    }
    if !c
        .ethnicity
        .as_deref()
        .is_some_and(|e| known(codes::ETHNICITY, e))
    {
        k.fail("4220", id("Ethnicity"), "Ethnicity is missing or invalid");
    }
    for (i, d) in c.disabilities.iter().enumerate() {
        if !known(codes::DISABILITY, d) {
            k.fail(
                "8540",
                path::disability(n, i + 1),
                "Child's disability is missing or invalid",
            );
        }
        if c.disabilities[..i].contains(d) {
            k.fail(
                "8794",
                path::disability(n, i + 1),
                "Child has two or more disabilities with the same code",
            );
        }
    }
    if c.disabilities.len() > 1 && c.disabilities.iter().any(|d| d == "NONE") {
        k.fail(
            "8790",
            path::identifier(n, "Disabilities"),
            "Disability information includes both None and other values",
        );
    }

    // ----- episodes
    if c.cin_details.is_empty() {
        k.fail(
            "8590",
            path::child(n),
            "Child does not have a recorded CIN episode",
        );
    }
    for (i, d) in c.cin_details.iter().enumerate() {
        let cin = i + 1;
        let at = |e: &str| path::cin(n, cin, e);
        let referral = date(&d.referral_date);
        let closure = date(&d.closure_date);
        let nfa = d.referral_nfa.as_deref().and_then(parse_bool);
        if referral.is_none_or(|r| r > reference) {
            k.fail(
                "8600",
                at("CINreferralDate"),
                "Child referral date missing or after data collection period",
            );
        }
        if !d
            .referral_source
            .as_deref()
            .is_some_and(|s| known(codes::REFERRAL_SOURCE, s))
        {
            k.fail(
                "8866",
                at("ReferralSource"),
                "Source of Referral is missing or an invalid code",
            );
        }
        if let Some(need) = d.primary_need.as_deref()
            && !known(codes::PRIMARY_NEED, need)
        {
            k.fail(
                "8650",
                at("PrimaryNeedCode"),
                "Primary Need Code invalid (see Primary Need table in CIN census code set)",
            );
        }
        if let Some(reason) = d.closure_reason.as_deref()
            && !known(codes::CLOSURE_REASON, reason)
        {
            k.fail(
                "8640",
                at("ReasonForClosure"),
                "CIN Reason for closure code invalid (see Reason for Closure table in CIN Census code set)",
            );
        }
        if d.primary_need.is_none() && nfa != Some(true) {
            k.fail(
                "8610",
                at("PrimaryNeedCode"),
                "Primary Need code is missing for a referral which led to further action",
            );
        }
        if closure.is_some_and(|cd| cd < start) {
            k.fail(
                "8620",
                at("CINclosureDate"),
                "CIN Closure Date present and before CIN Census year",
            );
        }
        if let (Some(cd), Some(r)) = (closure, referral)
            && cd < r
        {
            k.fail(
                "8630",
                at("CINclosureDate"),
                "Child referral date is after closure date",
            );
        }
        if d.closure_date.is_some() && d.closure_reason.is_none() {
            k.fail(
                "8805",
                at("ReasonForClosure"),
                "A CIN case cannot have a CIN closure date without a Reason for Closure",
            );
        }
        if d.closure_reason.is_some() && d.closure_date.is_none() {
            k.fail(
                "8810",
                at("CINclosureDate"),
                "A CIN case cannot have a Reason for Closure without a CIN Closure Date",
            );
        }
        if nfa.is_none() {
            k.fail(
                "8568",
                at("ReferralNFA"),
                "RNFA flag is missing or invalid (must be 1, 0, true or false)",
            );
        }

        // ----- assessments
        for (j, a) in d.assessments.iter().enumerate() {
            let at = |e: &str| path::sub(n, cin, "Assessments", j + 1, e);
            let a_start = date(&a.start);
            let authorised = date(&a.authorised);
            if let (Some(s), Some(r)) = (a_start, referral)
                && s < r
            {
                k.fail(
                    "1103",
                    at("AssessmentActualStartDate"),
                    "The assessment start date cannot be before the referral date",
                );
            }
            if let (Some(s), Some(au)) = (a_start, authorised)
                && s > au
            {
                k.fail(
                    "8608",
                    at("AssessmentAuthorisationDate"),
                    "Assessment Start Date cannot be later than its End Date",
                );
            }
            if authorised.is_some_and(|au| au < start || au > reference) {
                k.fail(
                    "8696",
                    at("AssessmentAuthorisationDate"),
                    "Assessment end date must fall within the census year",
                );
            }
            if a_start.is_none_or(|s| s > reference) {
                k.fail(
                    "8736",
                    at("AssessmentActualStartDate"),
                    "For an assessment, the start date must be present and on or before the end of the census year",
                );
            }
            if a.authorised.is_none() && !a.factors.is_empty() {
                k.fail(
                    "8614",
                    at("FactorsIdentifiedAtAssessment"),
                    "Parental or child factors at assessment should only be present for a completed assessment.",
                );
            }
            for (f, factor) in a.factors.iter().enumerate() {
                let fp = || {
                    format!(
                        "{}/AssessmentFactors[{}]",
                        at("FactorsIdentifiedAtAssessment[1]"),
                        f + 1
                    )
                };
                if factor == "8A" {
                    k.fail(
                        "8617",
                        fp(),
                        "Code 8A has been returned. This code is not a valid code.",
                    );
                }
                if factor == "21" && a.factors.len() > 1 {
                    k.fail(
                        "8869",
                        fp(),
                        "If factor 21 (no factors identified) is present, no other factors may be returned",
                    );
                }
            }
        }

        // ----- section 47 and initial conferences
        let cin_icpc = date(&d.initial_cpc_date);
        if let (Some(icpc), Some(r)) = (cin_icpc, referral)
            && icpc < r
        {
            k.fail(
                "1104",
                at("DateOfInitialCPC"),
                "The date of the initial child protection conference cannot be before the referral date",
            );
        }
        if cin_icpc.is_some_and(|icpc| icpc < start || icpc > reference) {
            k.fail(
                "8715",
                at("DateOfInitialCPC"),
                "Date of Initial Child Protection Conference must fall within the census year",
            );
        }
        for (j, s) in d.section47.iter().enumerate() {
            let at = |e: &str| path::sub(n, cin, "Section47", j + 1, e);
            let s_start = date(&s.start);
            let icpc = date(&s.icpc_date);
            if let (Some(st), Some(r)) = (s_start, referral)
                && st < r
            {
                k.fail(
                    "2889",
                    at("S47ActualStartDate"),
                    "The S47 start date cannot be before the referral date.",
                );
            }
            if let (Some(i), Some(r)) = (icpc, referral)
                && i < r
            {
                k.fail(
                    "1104",
                    at("DateOfInitialCPC"),
                    "The date of the initial child protection conference cannot be before the referral date",
                );
            }
            if let (Some(st), Some(i)) = (s_start, icpc)
                && st > i
            {
                k.fail(
                    "8615",
                    at("DateOfInitialCPC"),
                    "Section 47 Enquiry Start Date must be present and cannot be later than the date of the initial Child Protection Conference",
                );
            }
            if icpc.is_some_and(|i| i < start || i > reference) {
                k.fail(
                    "8715",
                    at("DateOfInitialCPC"),
                    "Date of Initial Child Protection Conference must fall within the census year",
                );
            }
            if icpc.is_some() && icpc == cin_icpc {
                k.fail(
                    "2884",
                    at("DateOfInitialCPC"),
                    "An initial child protection conference is recorded at both the S47 and CIN Details level and it should only be recorded in one",
                );
            }
            if s.icpc_not_required
                .as_deref()
                .and_then(parse_bool)
                .is_none()
            {
                k.fail(
                    "8568",
                    at("ICPCnotRequired"),
                    "ICPCnotRequired flag is missing or invalid (must be 1, 0, true or false)",
                );
            }
        }

        // ----- child protection plans
        let conferences: Vec<NaiveDate> = d
            .section47
            .iter()
            .filter_map(|s| date(&s.icpc_date))
            .chain(cin_icpc)
            .collect();
        for (j, p) in d.cp_plans.iter().enumerate() {
            let at = |e: &str| path::sub(n, cin, "ChildProtectionPlans", j + 1, e);
            let p_start = date(&p.start);
            let p_end = date(&p.end);
            if let (Some(s), Some(r)) = (p_start, referral)
                && s < r
            {
                k.fail(
                    "1105",
                    at("CPPstartDate"),
                    "The child protection plan start date cannot be before the referral date",
                );
            }
            if p_start.is_none_or(|s| s > reference) {
                k.fail(
                    "8720",
                    at("CPPstartDate"),
                    "Child Protection Plan Start Date missing or out of data collection period",
                );
            }
            if p.previous_plans
                .as_deref()
                .and_then(|v| v.parse::<u32>().ok())
                .is_none()
            {
                k.fail(
                    "8730",
                    at("NumberOfPreviousCPP"),
                    "Total Number of previous Child Protection Plans missing",
                );
            }
            if !p
                .initial_category
                .as_deref()
                .is_some_and(|v| known(codes::CATEGORY_OF_ABUSE, v))
            {
                k.fail(
                    "8905",
                    at("InitialCategoryOfAbuse"),
                    "Initial Category of Abuse code missing or invalid",
                );
            }
            if !p
                .latest_category
                .as_deref()
                .is_some_and(|v| known(codes::CATEGORY_OF_ABUSE, v))
            {
                k.fail(
                    "8910",
                    at("LatestCategoryOfAbuse"),
                    "Latest Category of Abuse code missing or invalid",
                );
            }
            if p_start.is_some() && p_start == p_end {
                k.fail(
                    "8840",
                    at("CPPendDate"),
                    "Child Protection Plan cannot start and end on the same day",
                );
            }
            for (r, review) in p.reviews.iter().enumerate() {
                if let (Some(rd), Some(s)) = (parse_date(review), p_start)
                    && rd < s
                {
                    k.fail(
                        "8841",
                        format!("{}/CPPreviewDate[{}]", at("Reviews[1]"), r + 1),
                        "The review date cannot be before the start date of the Child Protection Plan",
                    );
                }
            }
            if let Some(s) = p_start
                && s >= start
                && !conferences.contains(&s)
            {
                k.fail(
                    "2885",
                    at("CPPstartDate"),
                    "Child protection plan shown as starting a different day to the initial child protection conference",
                );
            }
        }
    }
    k.out
}
