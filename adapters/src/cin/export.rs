//! Writing the census for a collection year from a network.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use patchwork_core::{
    CategoryOfAbuse, Episode, EpisodeDetail, EpisodeKind, Network, Person, PersonKey, Sex,
};
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::{CinError, CollectionYear};

/// What an export wrote, and which required census values it had to fill in because the
/// network did not hold them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    /// The collection written.
    pub year: i32,
    /// `<Child>` elements written.
    pub children: u64,
    /// `<CINdetails>` written.
    pub cin_episodes: u64,
    /// `<Assessments>` written.
    pub assessments: u64,
    /// `<Section47>` written.
    pub section47: u64,
    /// `<ChildProtectionPlans>` written.
    pub cp_plans: u64,
    /// Required values the network did not hold, by element, and the default written:
    /// `Sex` `U`, `Ethnicity` `NOBT`, `ReferralSource` `10`, `ReferralNFA` `0`,
    /// `ICPCnotRequired` `0`, `NumberOfPreviousCPP` `0`, `LatestCategoryOfAbuse` the initial
    /// category, `InitialCategoryOfAbuse` `MUL`. A CIN episode with no start date is left
    /// out and counted under `CINreferralDate`.
    pub defaults_used: BTreeMap<&'static str, u64>,
}

impl ExportSummary {
    fn default_for(&mut self, element: &'static str) {
        *self.defaults_used.entry(element).or_default() += 1;
    }
}

/// Writes the census of `year` for the network to `out`: the children with a child in
/// need episode open at some point between 1 April and 31 March, each with those episodes
/// and, inside each, the assessments, CIN plans, section 47 enquiries and child protection
/// plans that started by 31 March and had not ended (or been completed) before 1 April.
/// Dates after 31 March are left out (a case closed after
/// the reference date is open in that year's census). The header's `LEA` is `000`; use
/// [`export_for_la`] to give the council's code.
pub fn export<W: Write>(
    net: &Network,
    year: CollectionYear,
    out: W,
) -> Result<ExportSummary, CinError> {
    export_for_la(net, year, "000", out)
}

/// [`export`], with the council's three-digit DfE `LEA` code in the header.
pub fn export_for_la<W: Write>(
    net: &Network,
    year: CollectionYear,
    lea: &str,
    out: W,
) -> Result<ExportSummary, CinError> {
    let mut w = BufWriter::with_capacity(64 * 1024, out);
    let summary = write_census(net, year, lea, &mut w)?;
    w.flush()?;
    Ok(summary)
}

/// Writes one census per year to `dir/cin/<end year>.xml` (for example `cin/2025.xml` for
/// 2024-25), creating `dir/cin`. Returns the files written with their summaries.
pub fn write_census_dir(
    net: &Network,
    dir: &Path,
    years: &[CollectionYear],
) -> Result<Vec<(PathBuf, ExportSummary)>, CinError> {
    let cin_dir = dir.join("cin");
    std::fs::create_dir_all(&cin_dir).map_err(|source| CinError::Io {
        file: cin_dir.display().to_string(),
        source,
    })?;
    let mut written = Vec::new();
    for &year in years {
        let path = cin_dir.join(format!("{}.xml", year.end_year()));
        let file = std::fs::File::create(&path).map_err(|source| CinError::Io {
            file: path.display().to_string(),
            source,
        })?;
        let summary = export(net, year, file)?;
        written.push((path, summary));
    }
    Ok(written)
}

/// The census view of one child's episodes.
struct ChildEpisodes<'n> {
    cin: Vec<&'n Episode>,
    s47: Vec<&'n Episode>,
    cpp: Vec<&'n Episode>,
}

fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['&', '<', '>']) {
        return text.into();
    }
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .into()
}

struct Out<'w, W: Write> {
    w: &'w mut W,
    start: NaiveDate,
    reference: NaiveDate,
}

impl<W: Write> Out<'_, W> {
    fn open(&mut self, indent: usize, name: &str) -> io::Result<()> {
        writeln!(self.w, "{:indent$}<{name}>", "")
    }

    fn close(&mut self, indent: usize, name: &str) -> io::Result<()> {
        writeln!(self.w, "{:indent$}</{name}>", "")
    }

    fn text(&mut self, indent: usize, name: &str, value: &str) -> io::Result<()> {
        writeln!(self.w, "{:indent$}<{name}>{}</{name}>", "", escape(value))
    }

    fn opt(&mut self, indent: usize, name: &str, value: Option<&str>) -> io::Result<()> {
        match value {
            Some(v) => self.text(indent, name, v),
            None => Ok(()),
        }
    }

    /// A date, if it is on or before the reference date.
    fn date(&mut self, indent: usize, name: &str, value: Option<NaiveDate>) -> io::Result<()> {
        match value {
            Some(d) if d <= self.reference => {
                writeln!(
                    self.w,
                    "{:indent$}<{name}>{}</{name}>",
                    "",
                    d.format("%Y-%m-%d")
                )
            }
            _ => Ok(()),
        }
    }

    fn flag(&mut self, indent: usize, name: &str, value: bool) -> io::Result<()> {
        self.text(indent, name, if value { "1" } else { "0" })
    }
}

fn in_year(e: &Episode, start: NaiveDate, reference: NaiveDate) -> bool {
    e.period.start.is_some_and(|s| s <= reference) && e.period.end.is_none_or(|end| end >= start)
}

fn linked_cin(e: &Episode) -> Option<&patchwork_core::EpisodeKey> {
    match &e.detail {
        EpisodeDetail::Section47 { census, .. } => census.cin_episode.as_ref(),
        EpisodeDetail::ChildProtectionPlan { census, .. } => census.cin_episode.as_ref(),
        _ => None,
    }
}

/// True when `e` (a section 47 or plan) belongs to CIN episode `cin`: linked to it, or,
/// when it has no link, starting inside it.
fn belongs(e: &Episode, cin: &Episode) -> bool {
    match linked_cin(e) {
        Some(key) => *key == cin.key,
        None => match (e.period.start, cin.period.start) {
            (Some(s), Some(c)) => s >= c && cin.period.end.is_none_or(|end| s <= end),
            _ => false,
        },
    }
}

fn write_census<W: Write>(
    net: &Network,
    year: CollectionYear,
    lea: &str,
    w: &mut W,
) -> Result<ExportSummary, CinError> {
    let (start, reference) = (year.start(), year.reference_date());
    let mut summary = ExportSummary {
        year: year.end_year(),
        ..ExportSummary::default()
    };
    // The episodes of each child, in network order.
    let mut by_child: FxHashMap<&PersonKey, ChildEpisodes<'_>> = FxHashMap::default();
    for e in net.episodes() {
        let list = match e.kind() {
            EpisodeKind::ChildInNeed => 0,
            EpisodeKind::Section47 => 1,
            EpisodeKind::ChildProtectionPlan => 2,
            _ => continue,
        };
        let entry = by_child.entry(&e.person).or_insert_with(|| ChildEpisodes {
            cin: Vec::new(),
            s47: Vec::new(),
            cpp: Vec::new(),
        });
        [&mut entry.cin, &mut entry.s47, &mut entry.cpp][list].push(e);
    }
    let mut o = Out {
        w,
        start,
        reference,
    };
    writeln!(o.w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    o.open(0, "Message")?;
    o.open(2, "Header")?;
    o.open(4, "CollectionDetails")?;
    o.text(6, "Collection", "CIN")?;
    o.text(6, "Year", &year.end_year().to_string())?;
    o.date(6, "ReferenceDate", Some(reference))?;
    o.close(4, "CollectionDetails")?;
    o.open(4, "Source")?;
    o.text(6, "SourceLevel", "L")?;
    o.text(6, "LEA", lea)?;
    o.text(6, "SoftwareCode", "Patchwork")?;
    o.text(6, "Release", env!("CARGO_PKG_VERSION"))?;
    o.text(6, "SerialNo", "001")?;
    o.close(4, "Source")?;
    o.close(2, "Header")?;
    o.open(2, "Children")?;
    for person in net.persons() {
        let Some(eps) = by_child.get(&person.key) else {
            continue;
        };
        let mut cins: Vec<&Episode> = eps
            .cin
            .iter()
            .copied()
            .filter(|e| in_year(e, start, reference))
            .collect();
        let before = cins.len();
        cins.retain(|e| e.period.start.is_some());
        for _ in cins.len()..before {
            summary.default_for("CINreferralDate");
        }
        if cins.is_empty() {
            continue;
        }
        cins.sort_by_key(|e| e.period.start);
        write_child(&mut o, person, &cins, eps, year, &mut summary)?;
    }
    o.close(2, "Children")?;
    o.close(0, "Message")?;
    Ok(summary)
}

fn write_child<W: Write>(
    o: &mut Out<'_, W>,
    p: &Person,
    cins: &[&Episode],
    eps: &ChildEpisodes<'_>,
    year: CollectionYear,
    summary: &mut ExportSummary,
) -> Result<(), CinError> {
    summary.children += 1;
    o.open(4, "Child")?;
    o.open(6, "ChildIdentifiers")?;
    o.text(8, "LAchildID", p.key.id())?;
    o.opt(8, "UPN", p.upn.as_ref().map(|u| u.as_str()))?;
    o.opt(8, "FormerUPN", p.former_upn.as_ref().map(|u| u.as_str()))?;
    o.opt(8, "UPNunknown", p.upn_unknown.as_deref())?;
    o.date(8, "PersonBirthDate", p.birth_date)?;
    if p.birth_date.is_none() {
        // An expected date of birth may lie after the reference date.
        if let Some(d) = p.expected_birth_date {
            o.text(
                8,
                "ExpectedPersonBirthDate",
                &d.format("%Y-%m-%d").to_string(),
            )?;
        }
    }
    if p.sex.is_none() {
        summary.default_for("Sex");
    }
    if year.uses_sex() {
        let code = match p.sex {
            Some(Sex::Male) => "M",
            Some(Sex::Female) => "F",
            Some(Sex::Unknown) | None => "U",
        };
        o.text(8, "Sex", code)?;
    } else {
        let code = match p.sex {
            Some(Sex::Male) => "1",
            Some(Sex::Female) => "2",
            Some(Sex::Unknown) | None => "0",
        };
        o.text(8, "GenderCurrent", code)?;
    }
    o.date(8, "PersonDeathDate", p.death_date)?;
    o.close(6, "ChildIdentifiers")?;
    o.open(6, "ChildCharacteristics")?;
    if p.ethnicity.is_none() {
        summary.default_for("Ethnicity");
    }
    o.text(8, "Ethnicity", p.ethnicity.as_deref().unwrap_or("NOBT"))?;
    if !p.disabilities.is_empty() {
        o.open(8, "Disabilities")?;
        for d in &p.disabilities {
            o.text(10, "Disability", d)?;
        }
        o.close(8, "Disabilities")?;
    }
    o.close(6, "ChildCharacteristics")?;
    for cin in cins {
        write_cin(o, cin, eps, summary)?;
    }
    o.close(4, "Child")?;
    Ok(())
}

fn write_cin<W: Write>(
    o: &mut Out<'_, W>,
    e: &Episode,
    eps: &ChildEpisodes<'_>,
    summary: &mut ExportSummary,
) -> Result<(), CinError> {
    let EpisodeDetail::ChildInNeed {
        referral_source,
        primary_need,
        closure_reason,
        census,
    } = &e.detail
    else {
        return Ok(());
    };
    let reference = o.reference;
    summary.cin_episodes += 1;
    o.open(6, "CINdetails")?;
    o.date(8, "CINreferralDate", e.period.start)?;
    if referral_source.is_none() {
        summary.default_for("ReferralSource");
    }
    o.text(
        8,
        "ReferralSource",
        referral_source.as_deref().unwrap_or("10"),
    )?;
    o.opt(8, "PrimaryNeedCode", primary_need.as_deref())?;
    let closed = e.period.end.filter(|&d| d <= reference);
    o.date(8, "CINclosureDate", closed)?;
    if closed.is_some() {
        o.opt(8, "ReasonForClosure", closure_reason.as_deref())?;
    }
    o.date(
        8,
        "DateOfInitialCPC",
        census.initial_cpc_date.filter(|&d| d >= o.start),
    )?;
    for a in &census.assessments {
        // Assessments completed before the year were in an earlier census.
        if a.start.is_none_or(|s| s > reference) || a.authorised.is_some_and(|d| d < o.start) {
            continue;
        }
        summary.assessments += 1;
        o.open(8, "Assessments")?;
        o.date(10, "AssessmentActualStartDate", a.start)?;
        o.date(10, "AssessmentInternalReviewDate", a.internal_review)?;
        let authorised = a.authorised.filter(|&d| d <= reference);
        o.date(10, "AssessmentAuthorisationDate", authorised)?;
        if authorised.is_some() && !a.factors.is_empty() {
            o.open(10, "FactorsIdentifiedAtAssessment")?;
            for f in &a.factors {
                o.text(12, "AssessmentFactors", f)?;
            }
            o.close(10, "FactorsIdentifiedAtAssessment")?;
        }
        o.close(8, "Assessments")?;
    }
    for plan in &census.cin_plans {
        if plan.start.is_none_or(|s| s > reference) || plan.end.is_some_and(|d| d < o.start) {
            continue;
        }
        o.open(8, "CINPlanDates")?;
        o.date(10, "CINPlanStartDate", plan.start)?;
        o.date(10, "CINPlanEndDate", plan.end)?;
        o.close(8, "CINPlanDates")?;
    }
    let mut s47: Vec<&Episode> = eps
        .s47
        .iter()
        .copied()
        .filter(|s| belongs(s, e) && in_year(s, o.start, reference))
        .collect();
    s47.sort_by_key(|s| s.period.start);
    for s in s47 {
        let EpisodeDetail::Section47 { census, .. } = &s.detail else {
            continue;
        };
        summary.section47 += 1;
        o.open(8, "Section47")?;
        o.date(10, "S47ActualStartDate", s.period.start)?;
        o.date(10, "InitialCPCtarget", census.initial_cpc_target)?;
        let icpc = census.initial_cpc_date.filter(|&d| d <= reference);
        o.date(10, "DateOfInitialCPC", icpc)?;
        let not_required = census.icpc_not_required.unwrap_or_else(|| {
            summary.default_for("ICPCnotRequired");
            false
        });
        o.flag(10, "ICPCnotRequired", not_required)?;
        o.close(8, "Section47")?;
    }
    let nfa = census.referral_nfa.unwrap_or_else(|| {
        summary.default_for("ReferralNFA");
        false
    });
    o.flag(8, "ReferralNFA", nfa)?;
    let mut cpp: Vec<&Episode> = eps
        .cpp
        .iter()
        .copied()
        .filter(|p| belongs(p, e) && in_year(p, o.start, reference))
        .collect();
    cpp.sort_by_key(|p| p.period.start);
    for p in cpp {
        let EpisodeDetail::ChildProtectionPlan {
            category_of_abuse,
            census,
        } = &p.detail
        else {
            continue;
        };
        summary.cp_plans += 1;
        o.open(8, "ChildProtectionPlans")?;
        o.date(10, "CPPstartDate", p.period.start)?;
        o.date(10, "CPPendDate", p.period.end)?;
        let initial = category_of_abuse.unwrap_or_else(|| {
            summary.default_for("InitialCategoryOfAbuse");
            CategoryOfAbuse::Multiple
        });
        let latest = census.latest_category.unwrap_or_else(|| {
            summary.default_for("LatestCategoryOfAbuse");
            initial
        });
        o.text(10, "InitialCategoryOfAbuse", initial.code())?;
        o.text(10, "LatestCategoryOfAbuse", latest.code())?;
        let previous = census.previous_plans.unwrap_or_else(|| {
            summary.default_for("NumberOfPreviousCPP");
            0
        });
        o.text(10, "NumberOfPreviousCPP", &previous.to_string())?;
        let reviews: Vec<NaiveDate> = census
            .reviews
            .iter()
            .copied()
            .filter(|&d| d <= reference)
            .collect();
        if !reviews.is_empty() {
            o.open(10, "Reviews")?;
            for r in reviews {
                o.date(12, "CPPreviewDate", Some(r))?;
            }
            o.close(10, "Reviews")?;
        }
        o.close(8, "ChildProtectionPlans")?;
    }
    o.close(6, "CINdetails")?;
    Ok(())
}
