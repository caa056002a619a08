//! Reading a census into a network.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use patchwork_core::{
    Assessment, CategoryOfAbuse, CinCensus, CinPlan, CpPlanCensus, Episode, EpisodeDetail,
    EpisodeKey, Network, Origin, Period, Person, PersonKey, PersonKind, Section47Census, Sex,
    Source, Upn,
};

use super::CinError;
use super::codes::{self, known, parse_bool, parse_date};
use super::record::{CensusReader, ChildRecord, HeaderRecord, path};
use super::xml::{XmlLimits, XmlReader};
use crate::report::{ImportReport, Problem, ProblemKind, Severity};

/// How to import a census.
#[derive(Debug, Clone)]
pub struct CinOptions {
    /// The source system the keys belong to: persons are keyed `system:LAchildID`, the
    /// same key a case-system extract gives them.
    pub system: String,
    /// Limits against hostile files.
    pub limits: XmlLimits,
}

impl CinOptions {
    /// Options for a census from `system`, with the default limits.
    pub fn new(system: impl Into<String>) -> Self {
        Self {
            system: system.into(),
            limits: XmlLimits::default(),
        }
    }
}

/// What an import produced.
#[derive(Debug)]
pub struct CinImport {
    /// The network read.
    pub network: Network,
    /// The problems found, each with line and XML path (in `column`).
    pub report: ImportReport,
    /// The census header.
    pub header: HeaderRecord,
}

/// Imports the census in `path` into a new network.
pub fn import_file(path: &Path, options: &CinOptions) -> Result<CinImport, CinError> {
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| CinError::Io {
        file: name.clone(),
        source,
    })?;
    // Reserve the network's arenas from the file's size (a census child takes roughly
    // 1 kB), so that they do not grow by copying as the file is read.
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let children = usize::try_from(size / 1_000).unwrap_or(0).min(10_000_000);
    let mut network = Network::with_capacity(patchwork_core::Capacity {
        persons: children,
        professionals: 0,
        involvements: 0,
    });
    let (report, header) = import_into(&mut network, &name, file, options)?;
    Ok(CinImport {
        network,
        report,
        header,
    })
}

/// Imports a census read from `reader` (named `name` in problems) into a new network.
pub fn import_reader<R: Read>(
    name: &str,
    reader: R,
    options: &CinOptions,
) -> Result<CinImport, CinError> {
    let mut network = Network::new();
    let (report, header) = import_into(&mut network, name, reader, options)?;
    Ok(CinImport {
        network,
        report,
        header,
    })
}

/// Imports a census into an existing network. A child already in the network (same key)
/// keeps its person record; the census adds its episodes. On a [`CinError`] the records
/// of the children read before the error stay in the network.
///
/// Each `<CINdetails>` becomes a child in need episode keyed
/// `system:census/<LAchildID>/<n>` (its 1-based position), each `<Section47>` a section 47
/// episode `.../<n>/s47/<k>` and each `<ChildProtectionPlans>` a child protection plan
/// `.../<n>/cpp/<k>`, both linked to their CIN episode.
pub fn import_into<R: Read>(
    network: &mut Network,
    name: &str,
    reader: R,
    options: &CinOptions,
) -> Result<(ImportReport, HeaderRecord), CinError> {
    let xml_err = |error| CinError::Xml {
        file: name.to_owned(),
        error,
    };
    let xml = XmlReader::new(reader, options.limits).map_err(xml_err)?;
    let mut census = CensusReader::open(xml).map_err(xml_err)?;
    let origin = Origin::new(options.system.clone(), Some(name.to_owned()));
    let mut report = ImportReport::default();
    report.file(name);
    let mut seen = rustc_hash::FxHashSet::default();
    while let Some(child) = census.next_child().map_err(xml_err)? {
        let mut ctx = Ctx {
            file: name,
            line: child.line,
            report: &mut report,
        };
        let loaded = add_child(
            network,
            child,
            &origin,
            &options.system,
            &mut seen,
            &mut ctx,
        );
        let counts = report.file(name);
        counts.rows += 1;
        if loaded {
            counts.loaded += 1;
        } else {
            counts.quarantined += 1;
        }
    }
    report.file(name).bytes = census.bytes_read();
    Ok((report, census.header().clone()))
}

/// Collects the problems of one child.
pub(crate) struct Ctx<'a> {
    file: &'a str,
    line: u64,
    report: &'a mut ImportReport,
}

impl Ctx<'_> {
    fn problem(&mut self, kind: ProblemKind, severity: Severity, at: String, message: String) {
        self.report.push(Problem {
            file: self.file.to_owned(),
            line: Some(self.line),
            column: Some(at),
            kind,
            severity,
            message,
        });
    }

    fn date(&mut self, value: &Option<String>, at: impl FnOnce() -> String) -> Option<NaiveDate> {
        let text = value.as_deref()?;
        let date = parse_date(text);
        if date.is_none() {
            self.problem(
                ProblemKind::BadDate,
                Severity::Warning,
                at(),
                "not a date of the form YYYY-MM-DD; left out".into(),
            );
        }
        date
    }

    fn code(
        &mut self,
        value: Option<String>,
        list: &[&str],
        rule: &str,
        what: &str,
        at: impl FnOnce() -> String,
    ) -> Option<String> {
        let text = value.as_deref()?;
        if !known(list, text) {
            self.problem(
                ProblemKind::UnknownCode,
                Severity::Warning,
                at(),
                format!("rule {rule}: {what} code is not in the census code list (kept as given)"),
            );
        }
        value
    }

    fn flag(
        &mut self,
        value: &Option<String>,
        rule: &str,
        at: impl FnOnce() -> String,
    ) -> Option<bool> {
        let text = value.as_deref()?;
        let b = parse_bool(text);
        if b.is_none() {
            self.problem(
                ProblemKind::BadValue,
                Severity::Warning,
                at(),
                format!("rule {rule}: not a census boolean (1, 0, true or false); left out"),
            );
        }
        b
    }

    fn category(
        &mut self,
        value: &Option<String>,
        rule: &str,
        at: impl FnOnce() -> String,
    ) -> Option<CategoryOfAbuse> {
        let text = value.as_deref()?;
        let c = CategoryOfAbuse::from_code(text);
        if c.is_none() {
            self.problem(
                ProblemKind::UnknownCode,
                Severity::Warning,
                at(),
                format!(
                    "rule {rule}: category of abuse is not NEG, PHY, SAB, EMO or MUL; left out"
                ),
            );
        }
        c
    }

    fn upn(
        &mut self,
        value: &Option<String>,
        rule: &str,
        at: impl FnOnce() -> String,
    ) -> Option<Upn> {
        let text = value.as_deref()?;
        match Upn::parse(text) {
            Ok(u) => Some(u),
            Err(e) => {
                self.problem(
                    ProblemKind::InvalidUpn,
                    Severity::Warning,
                    at(),
                    format!("rule {rule}: {e}; left out"),
                );
                None
            }
        }
    }
}

fn add_child(
    net: &mut Network,
    mut c: ChildRecord,
    origin: &Arc<Origin>,
    system: &str,
    seen: &mut rustc_hash::FxHashSet<String>,
    ctx: &mut Ctx<'_>,
) -> bool {
    let n = c.position;
    for p in &c.skipped {
        ctx.problem(
            ProblemKind::UnknownColumn,
            Severity::Warning,
            p.clone(),
            "element or text the census does not define; ignored".into(),
        );
    }
    let Some(id) = c.la_child_id.as_deref() else {
        ctx.problem(
            ProblemKind::MissingValue,
            Severity::Quarantined,
            path::identifier(n, "LAchildID"),
            "rule 8500: LAchildID is missing; child left out".into(),
        );
        return false;
    };
    if !seen.insert(id.to_owned()) {
        ctx.problem(
            ProblemKind::DuplicateId,
            Severity::Quarantined,
            path::identifier(n, "LAchildID"),
            "rule 8510: a child with this LAchildID came earlier in the file; child left out"
                .into(),
        );
        return false;
    }
    let source = Source::at(origin, c.line);
    let key = PersonKey::new(system, id);
    if net.person(&key).is_none() {
        let birth = ctx.date(&c.birth_date, || path::identifier(n, "PersonBirthDate"));
        let expected = ctx.date(&c.expected_birth_date, || {
            path::identifier(n, "ExpectedPersonBirthDate")
        });
        let kind = if birth.is_none() && expected.is_some() {
            PersonKind::UnbornChild
        } else {
            PersonKind::Child
        };
        let mut p = Person::new(key.clone(), kind, source.clone());
        p.birth_date = birth;
        p.expected_birth_date = expected;
        p.upn = ctx.upn(&c.upn, "1510", || path::identifier(n, "UPN"));
        p.former_upn = ctx.upn(&c.former_upn, "1560Q", || path::identifier(n, "FormerUPN"));
        p.upn_unknown = ctx.code(
            c.upn_unknown.take(),
            codes::UPN_UNKNOWN,
            "8770Q",
            "UPNunknown",
            || path::identifier(n, "UPNunknown"),
        );
        p.death_date = ctx.date(&c.death_date, || path::identifier(n, "PersonDeathDate"));
        p.sex = sex(&c, ctx);
        p.ethnicity = ctx.code(
            c.ethnicity.take(),
            codes::ETHNICITY,
            "4220",
            "Ethnicity",
            || path::identifier(n, "Ethnicity"),
        );
        for (i, d) in c.disabilities.iter().enumerate() {
            if !known(codes::DISABILITY, d) {
                ctx.problem(
                    ProblemKind::UnknownCode,
                    Severity::Warning,
                    path::disability(n, i + 1),
                    "rule 8540: Disability code is not in the census code list (kept as given)"
                        .into(),
                );
            }
        }
        p.disabilities = std::mem::take(&mut c.disabilities);
        if let Err(e) = net.add_person(p) {
            ctx.problem(
                ProblemKind::Rejected,
                Severity::Quarantined,
                path::child(n),
                format!("child left out: {e}"),
            );
            return false;
        }
    }
    let mut kbuf = String::new();
    for (i, d) in c.cin_details.iter_mut().enumerate() {
        let cin = i + 1;
        let at = |e: &str| path::cin(n, cin, e);
        let start = ctx.date(&d.referral_date, || at("CINreferralDate"));
        let end = ctx.date(&d.closure_date, || at("CINclosureDate"));
        let census = CinCensus {
            referral_nfa: ctx.flag(&d.referral_nfa, "8568", || at("ReferralNFA")),
            initial_cpc_date: ctx.date(&d.initial_cpc_date, || at("DateOfInitialCPC")),
            assessments: d
                .assessments
                .iter_mut()
                .enumerate()
                .map(|(j, a)| {
                    let at = |e: &str| path::sub(n, cin, "Assessments", j + 1, e);
                    for (k, f) in a.factors.iter().enumerate() {
                        if !known(codes::ASSESSMENT_FACTOR, f) || f == "8A" {
                            let rule = if f == "8A" { "8617" } else { "XSD" };
                            ctx.problem(
                                ProblemKind::UnknownCode,
                                Severity::Warning,
                                format!(
                                    "{}/AssessmentFactors[{}]",
                                    at("FactorsIdentifiedAtAssessment[1]"),
                                    k + 1
                                ),
                                format!(
                                    "rule {rule}: AssessmentFactors code is not in the census code list (kept as given)"
                                ),
                            );
                        }
                    }
                    Assessment {
                        start: ctx.date(&a.start, || at("AssessmentActualStartDate")),
                        internal_review: ctx
                            .date(&a.internal_review, || at("AssessmentInternalReviewDate")),
                        authorised: ctx.date(&a.authorised, || at("AssessmentAuthorisationDate")),
                        factors: std::mem::take(&mut a.factors),
                    }
                })
                .collect(),
            cin_plans: d
                .cin_plans
                .iter()
                .enumerate()
                .map(|(j, p)| {
                    let at = |e: &str| path::sub(n, cin, "CINPlanDates", j + 1, e);
                    CinPlan {
                        start: ctx.date(&p.start, || at("CINPlanStartDate")),
                        end: ctx.date(&p.end, || at("CINPlanEndDate")),
                    }
                })
                .collect(),
        };
        let detail = EpisodeDetail::ChildInNeed {
            referral_source: ctx.code(
                d.referral_source.take(),
                codes::REFERRAL_SOURCE,
                "8866",
                "ReferralSource",
                || at("ReferralSource"),
            ),
            primary_need: ctx.code(
                d.primary_need.take(),
                codes::PRIMARY_NEED,
                "8650",
                "PrimaryNeedCode",
                || at("PrimaryNeedCode"),
            ),
            closure_reason: ctx.code(
                d.closure_reason.take(),
                codes::CLOSURE_REASON,
                "8640",
                "ReasonForClosure",
                || at("ReasonForClosure"),
            ),
            census,
        };
        kbuf.clear();
        let _ = write!(kbuf, "census/{id}/{cin}");
        let cin_key = EpisodeKey::new(system, &kbuf);
        let cin_period = period(start, end, ctx, || at("CINclosureDate"));
        if !add_episode(
            net,
            ctx,
            at(""),
            Episode {
                key: cin_key.clone(),
                person: key.clone(),
                period: cin_period,
                detail,
                source: source.clone(),
            },
        ) {
            continue;
        }
        for (j, s) in d.section47.iter().enumerate() {
            let at = |e: &str| path::sub(n, cin, "Section47", j + 1, e);
            let start = ctx.date(&s.start, || at("S47ActualStartDate"));
            let icpc = ctx.date(&s.icpc_date, || at("DateOfInitialCPC"));
            let census = Section47Census {
                cin_episode: Some(cin_key.clone()),
                initial_cpc_target: ctx.date(&s.icpc_target, || at("InitialCPCtarget")),
                initial_cpc_date: icpc,
                icpc_not_required: ctx.flag(&s.icpc_not_required, "8568", || at("ICPCnotRequired")),
            };
            // The census records no end of an enquiry; its conference ends it.
            let period = period(start, icpc, ctx, || at("DateOfInitialCPC"));
            add_episode(
                net,
                ctx,
                at(""),
                Episode {
                    key: {
                        kbuf.clear();
                        let _ = write!(kbuf, "census/{id}/{cin}/s47/{}", j + 1);
                        EpisodeKey::new(system, &kbuf)
                    },
                    person: key.clone(),
                    period,
                    detail: EpisodeDetail::Section47 {
                        outcome: None,
                        census,
                    },
                    source: source.clone(),
                },
            );
        }
        for (j, p) in d.cp_plans.iter_mut().enumerate() {
            let at = |e: &str| path::sub(n, cin, "ChildProtectionPlans", j + 1, e);
            let start = ctx.date(&p.start, || at("CPPstartDate"));
            let end = ctx.date(&p.end, || at("CPPendDate"));
            let previous_plans = match p.previous_plans.as_deref() {
                None => None,
                Some(t) => match t.parse::<u32>() {
                    Ok(v) => Some(v),
                    Err(_) => {
                        ctx.problem(
                            ProblemKind::BadValue,
                            Severity::Warning,
                            at("NumberOfPreviousCPP"),
                            "rule 8730: NumberOfPreviousCPP is not a whole number of 0 or more; left out".into(),
                        );
                        None
                    }
                },
            };
            let reviews = p
                .reviews
                .iter_mut()
                .enumerate()
                .filter_map(|(k, r)| {
                    ctx.date(&Some(std::mem::take(r)), || {
                        format!("{}/CPPreviewDate[{}]", at("Reviews[1]"), k + 1)
                    })
                })
                .collect();
            let census = CpPlanCensus {
                cin_episode: Some(cin_key.clone()),
                latest_category: ctx
                    .category(&p.latest_category, "8910", || at("LatestCategoryOfAbuse")),
                previous_plans,
                reviews,
            };
            let category_of_abuse =
                ctx.category(&p.initial_category, "8905", || at("InitialCategoryOfAbuse"));
            let period = period(start, end, ctx, || at("CPPendDate"));
            add_episode(
                net,
                ctx,
                at(""),
                Episode {
                    key: {
                        kbuf.clear();
                        let _ = write!(kbuf, "census/{id}/{cin}/cpp/{}", j + 1);
                        EpisodeKey::new(system, &kbuf)
                    },
                    person: key.clone(),
                    period,
                    detail: EpisodeDetail::ChildProtectionPlan {
                        category_of_abuse,
                        census,
                    },
                    source: source.clone(),
                },
            );
        }
    }
    true
}

fn sex(c: &ChildRecord, ctx: &mut Ctx<'_>) -> Option<Sex> {
    let n = c.position;
    if let Some(s) = c.sex.as_deref() {
        let v = match s {
            "M" => Some(Sex::Male),
            "F" => Some(Sex::Female),
            "U" => Some(Sex::Unknown),
            _ => None,
        };
        if v.is_none() {
            ctx.problem(
                ProblemKind::UnknownCode,
                Severity::Warning,
                path::identifier(n, "Sex"),
                "rule 4180: Sex is not M, F or U; left out".into(),
            );
        }
        return v;
    }
    let g = c.gender_current.as_deref()?;
    let v = match g {
        "1" => Some(Sex::Male),
        "2" => Some(Sex::Female),
        // 0: not known or not recorded; 9: not specified.
        "0" | "9" => Some(Sex::Unknown),
        _ => None,
    };
    if v.is_none() {
        ctx.problem(
            ProblemKind::UnknownCode,
            Severity::Warning,
            path::identifier(n, "GenderCurrent"),
            "rule 4180: GenderCurrent is not 0, 1, 2 or 9; left out".into(),
        );
    }
    v
}

/// A period from census start and end dates; an end before the start is reported and
/// left out.
fn period(
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
    ctx: &mut Ctx<'_>,
    at: impl FnOnce() -> String,
) -> Period {
    match Period::new(start, end) {
        Ok(p) => p,
        Err(_) => {
            ctx.problem(
                ProblemKind::EndBeforeStart,
                Severity::Warning,
                at(),
                "end date before the start date; the end is left out".into(),
            );
            Period::new(start, None).unwrap_or_default()
        }
    }
}

fn add_episode(net: &mut Network, ctx: &mut Ctx<'_>, at: String, episode: Episode) -> bool {
    match net.add_episode(episode) {
        Ok(()) => true,
        Err(e) => {
            ctx.problem(
                ProblemKind::Rejected,
                Severity::Quarantined,
                at,
                format!("left out: {e}"),
            );
            false
        }
    }
}
