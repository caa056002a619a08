//! Writing one collection year's SSDA903 files from a network.
//!
//! Who and what goes in, for the year 1 April to 31 March:
//! - `episodes`: every looked-after episode open on at least one day of the year
//!   (`DECOM` on or before 31 March, `DEC` empty or on or after 1 April). An episode that
//!   ends after 31 March is written open (`DEC`, `REC` and `REASON_PLACE_CHANGE` empty),
//!   as the child was still looked after at the end of the year.
//! - `header`: the children with an episode in the year, or an OC2 or OC3 row for it.
//! - `sw_episodes`: those children's allocated-social-worker involvements open on at least
//!   one day of the year (a later `SW_DEC` is written empty); `SW_ID` is the worker's
//!   registration number, else their id.
//! - `reviews`: reviews dated in the year. `missing`, `placed_for_adoption`: periods and
//!   decisions open on at least one day of the year (a later end is written empty).
//! - `uasc`: children with a date their UASC status ceases.
//! - `oc2`, `oc3`: the rows recorded for that collection year.
//! - `ad1`: children whose episode ended in the year by adoption (`REC` `E11`/`E12`).
//! - `previous_permanence`: children who started to be looked after in the year
//!   (an episode with `RNE` `S` starting in it).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use patchwork_core::{
    CareEpisode, Episode, EpisodeDetail, Involvement, LookedAfterChild, Network, Person, PersonKey,
    RoleCategory, Sex,
};

use super::assemble::start_reason;
use super::columns::{File903, Layout};
use super::{CollectionYear, format_date};

/// An export that could not be completed. Files already written may be incomplete.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Patchwork writes the 2024-25 and 2025-26 layouts only.
    #[error("collection year {0}: only 2024-25 and 2025-26 can be exported")]
    UnsupportedYear(CollectionYear),
    /// The output folder could not be created.
    #[error("{}: cannot create the folder: {source}", .dir.display())]
    CreateDir {
        /// The folder.
        dir: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// A file could not be written.
    #[error("{}: cannot write: {source}", .file.display())]
    Write {
        /// The file.
        file: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// The collection year.
    pub year: CollectionYear,
    /// Data rows written per file (`header.csv`...).
    pub rows: BTreeMap<String, u64>,
    /// What the validator will object to in the files as written, with row counts:
    /// required values the network does not have, placement types the year no longer
    /// allows, social worker ids that are not registration numbers. The network's
    /// values are written as they are; nothing is made up to fill a gap.
    pub warnings: Vec<String>,
}

/// Writes the eleven files of `year` into `dir` (created if needed), as `header.csv`,
/// `episodes.csv`, ...
pub fn export_dir(
    net: &Network,
    dir: &Path,
    year: CollectionYear,
) -> Result<ExportSummary, ExportError> {
    let (tables, warnings) = render(net, year)?;
    fs::create_dir_all(dir).map_err(|source| ExportError::CreateDir {
        dir: dir.to_owned(),
        source,
    })?;
    let mut rows = BTreeMap::new();
    for (file, (n, bytes)) in tables {
        let path = dir.join(file.file_name());
        let write = |source| ExportError::Write {
            file: path.clone(),
            source,
        };
        let mut out = BufWriter::new(File::create(&path).map_err(write)?);
        out.write_all(&bytes).map_err(write)?;
        out.flush().map_err(write)?;
        rows.insert(file.file_name(), n);
    }
    Ok(ExportSummary {
        year,
        rows,
        warnings,
    })
}

/// Writes the files of `year` into `dir/ssda903/`, as the synthetic generator lays out
/// a council's folders.
pub fn write_dir(
    net: &Network,
    dir: &Path,
    year: CollectionYear,
) -> Result<ExportSummary, ExportError> {
    export_dir(net, &dir.join("ssda903"), year)
}

/// The eleven files of `year` in memory: per file, its data row count and CSV bytes.
pub fn export_tables(
    net: &Network,
    year: CollectionYear,
) -> Result<BTreeMap<File903, (u64, Vec<u8>)>, ExportError> {
    render(net, year).map(|(tables, _)| tables)
}

/// Values the DfE requires in each file (the liia-tools 903 schema's `canbeblank: no`).
const REQUIRED: &[(File903, &[&str])] = &[
    (File903::Header, &["SEX", "DOB", "ETHNIC", "UPN"]),
    (File903::Episodes, &["RNE", "LS", "CIN", "PLACE"]),
    (File903::Reviews, &["DOB", "REVIEW_CODE"]),
    (File903::Uasc, &["DOB", "SEX"]),
    (File903::Oc2, &["DOB"]),
    (File903::Oc3, &["DOB", "IN_TOUCH", "ACTIV", "ACCOM"]),
    (
        File903::Ad1,
        &[
            "DOB",
            "DATE_INT",
            "DATE_MATCH",
            "FOSTER_CARE",
            "NB_ADOPTR",
            "SEX_ADOPTR",
            "LS_ADOPTR",
        ],
    ),
    (File903::PlacedForAdoption, &["DOB"]),
    (File903::PreviousPermanence, &["DOB", "PREV_PERM"]),
    (File903::Missing, &["DOB"]),
    (File903::SwEpisodes, &["DOB", "SW_REASON"]),
];

/// Placement types the layout no longer allows (H5 and P2 went in 2024-25).
const PLACE_WITHDRAWN: &[&str] = &["H5", "P2"];

/// The files and the validator's likely objections.
#[allow(clippy::type_complexity)]
fn render(
    net: &Network,
    year: CollectionYear,
) -> Result<(BTreeMap<File903, (u64, Vec<u8>)>, Vec<String>), ExportError> {
    let layout = year.layout().ok_or(ExportError::UnsupportedYear(year))?;
    let rows = Rows::build(net, year);
    let warnings = check(&rows, layout);
    let mut out = BTreeMap::new();
    for file in File903::ALL {
        let table = rows.tables.get(&file).map(Vec::as_slice).unwrap_or(&[]);
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let columns = file.columns(layout);
        let io_err = |e: csv::Error| ExportError::Write {
            file: PathBuf::from(file.file_name()),
            source: io::Error::other(e),
        };
        w.write_record(columns).map_err(io_err)?;
        for row in table {
            debug_assert_eq!(row.len(), columns.len(), "{file:?}");
            w.write_record(row).map_err(io_err)?;
        }
        let bytes = w.into_inner().map_err(|e| ExportError::Write {
            file: PathBuf::from(file.file_name()),
            source: io::Error::other(e.to_string()),
        })?;
        out.insert(file, (table.len() as u64, bytes));
    }
    Ok((out, warnings))
}

fn check(rows: &Rows, layout: Layout) -> Vec<String> {
    let mut warnings = Vec::new();
    let column = |file: File903, name: &str| file.columns(layout).iter().position(|c| *c == name);
    for (file, names) in REQUIRED {
        let table = rows.tables.get(file).map(Vec::as_slice).unwrap_or(&[]);
        for name in *names {
            let Some(i) = column(*file, name) else {
                continue;
            };
            let empty = table.iter().filter(|r| r[i].is_empty()).count();
            if empty > 0 {
                warnings.push(format!(
                    "{}: {name} is required but empty in {empty} row(s): the network does not have it",
                    file.file_name()
                ));
            }
        }
    }
    if let (Some(table), Some(i)) = (
        rows.tables.get(&File903::Episodes),
        column(File903::Episodes, "PLACE"),
    ) {
        for code in PLACE_WITHDRAWN {
            let n = table.iter().filter(|r| r[i] == *code).count();
            if n > 0 {
                warnings.push(format!(
                    "episodes.csv: PLACE {code} is no longer a placement type from 2024-25, in {n} row(s) (validator rule 146)"
                ));
            }
        }
    }
    if let (Some(table), Some(i)) = (
        rows.tables.get(&File903::SwEpisodes),
        column(File903::SwEpisodes, "SW_ID"),
    ) {
        let n = table
            .iter()
            .filter(|r| {
                let id = r[i].get(..2).map(str::to_ascii_uppercase);
                !matches!(id.as_deref(), Some("SW" | "XX"))
            })
            .count();
        if n > 0 {
            warnings.push(format!(
                "sw_episodes.csv: SW_ID does not begin with SW or XX in {n} row(s): the worker has no registration number (validator rule SW02)"
            ));
        }
    }
    warnings
}

/// The rows of every file, as text in column order.
struct Rows {
    tables: BTreeMap<File903, Vec<Vec<String>>>,
}

fn d(date: Option<NaiveDate>) -> String {
    date.map(format_date).unwrap_or_default()
}

fn s(text: &Option<String>) -> String {
    text.clone().unwrap_or_default()
}

fn b(flag: Option<bool>) -> String {
    flag.map(|f| if f { "1" } else { "0" }.to_owned())
        .unwrap_or_default()
}

impl Rows {
    fn build(net: &Network, year: CollectionYear) -> Self {
        let (first, last) = (year.first_day(), year.last_day());
        let in_year = |start: NaiveDate, end: Option<NaiveDate>| {
            start <= last && end.is_none_or(|e| e >= first)
        };
        // An end after the year is written empty: still open at 31 March.
        let clip = |end: Option<NaiveDate>| end.filter(|e| *e <= last);

        // Looked-after episodes of the year, by child.
        let mut episodes: BTreeMap<&PersonKey, Vec<&Episode>> = BTreeMap::new();
        for e in net.episodes() {
            if let (EpisodeDetail::LookedAfter { .. }, Some(start)) = (&e.detail, e.period.start)
                && in_year(start, e.period.end)
            {
                episodes.entry(&e.person).or_default().push(e);
            }
        }
        let mut children: BTreeMap<&PersonKey, &Person> = BTreeMap::new();
        for p in net.persons() {
            let reported = p.looked_after.as_deref().is_some_and(|f| {
                f.outcomes.iter().any(|o| o.year == year.0)
                    || f.care_leaver.iter().any(|o| o.year == year.0)
            });
            if reported || episodes.contains_key(&p.key) {
                children.insert(&p.key, p);
            }
        }
        // Allocated social workers of those children, all dates, by child.
        let mut workers: BTreeMap<&PersonKey, Vec<Involvement>> = BTreeMap::new();
        for inv in net.involvements() {
            if inv.role() == RoleCategory::AllocatedSocialWorker
                && inv.professional().is_some()
                && let Some((key, _)) = children.get_key_value(&inv.person().key)
            {
                workers.entry(key).or_default().push(inv.to_record());
            }
        }

        let mut t: BTreeMap<File903, Vec<Vec<String>>> = BTreeMap::new();
        let empty = LookedAfterChild::default();
        for (key, p) in &children {
            let id = key.id().to_owned();
            let dob = d(p.birth_date);
            let facts = p.looked_after.as_deref().unwrap_or(&empty);
            let sex = match p.sex {
                Some(Sex::Male) => "M",
                Some(Sex::Female) => "F",
                Some(Sex::Unknown) => "U",
                None => "",
            };
            let upn = p
                .upn
                .map(|u| u.as_str().to_owned())
                .or_else(|| facts.upn_as_given.clone())
                .unwrap_or_default();
            t.entry(File903::Header).or_default().push(vec![
                id.clone(),
                sex.into(),
                dob.clone(),
                s(&p.ethnicity),
                upn,
                b(facts.mother),
                d(facts.mother_child_birth_date),
            ]);

            let mut mine: Vec<&Episode> = episodes.get(key).cloned().unwrap_or_default();
            mine.sort_by_key(|e| e.period.start);
            let mut started_in_year = false;
            let mut adopted_in_year = false;
            let none = CareEpisode::default();
            for e in &mine {
                let EpisodeDetail::LookedAfter {
                    legal_status,
                    placement,
                    care,
                } = &e.detail
                else {
                    continue;
                };
                let care = care.as_deref().unwrap_or(&none);
                let start = e.period.start.expect("selected with a start");
                let end = clip(e.period.end);
                let ended = end.is_some();
                started_in_year |=
                    care.reason_new_episode.as_deref() == Some("S") && start >= first;
                adopted_in_year |=
                    ended && matches!(care.reason_ceased.as_deref(), Some("E11" | "E12"));
                let if_ended = |v: &Option<String>| if ended { s(v) } else { String::new() };
                t.entry(File903::Episodes).or_default().push(vec![
                    id.clone(),
                    format_date(start),
                    s(&care.reason_new_episode),
                    s(legal_status),
                    s(&care.category_of_need),
                    s(placement),
                    s(&care.placement_provider),
                    d(end),
                    if_ended(&care.reason_ceased),
                    if_ended(&care.reason_place_change),
                    s(&care.home_postcode),
                    s(&care.placement_postcode),
                    s(&care.urn),
                ]);
            }

            for r in facts
                .reviews
                .iter()
                .filter(|r| r.date >= first && r.date <= last)
            {
                t.entry(File903::Reviews).or_default().push(vec![
                    id.clone(),
                    dob.clone(),
                    format_date(r.date),
                    s(&r.participation),
                ]);
            }
            if let Some(duc) = facts.uasc_ceased {
                t.entry(File903::Uasc).or_default().push(vec![
                    id.clone(),
                    sex.into(),
                    dob.clone(),
                    format_date(duc),
                ]);
            }
            for o in facts.outcomes.iter().filter(|o| o.year == year.0) {
                t.entry(File903::Oc2).or_default().push(vec![
                    id.clone(),
                    dob.clone(),
                    o.sdq_score.map(|n| n.to_string()).unwrap_or_default(),
                    s(&o.sdq_reason),
                    b(o.convicted),
                    b(o.health_check),
                    b(o.immunisations),
                    b(o.teeth_check),
                    b(o.health_assessment),
                    b(o.substance_misuse),
                    b(o.intervention_received),
                    b(o.intervention_offered),
                ]);
            }
            for o in facts.care_leaver.iter().filter(|o| o.year == year.0) {
                t.entry(File903::Oc3).or_default().push(vec![
                    id.clone(),
                    dob.clone(),
                    s(&o.in_touch),
                    s(&o.activity),
                    s(&o.accommodation),
                ]);
            }
            if let Some(a) = facts.adoption.as_ref().filter(|_| adopted_in_year) {
                t.entry(File903::Ad1).or_default().push(vec![
                    id.clone(),
                    dob.clone(),
                    d(a.date_intention),
                    d(a.date_matched),
                    b(a.foster_carers),
                    a.number_of_adopters
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                    s(&a.sex_of_adopters),
                    s(&a.legal_status_of_adopters),
                ]);
            }
            for a in facts
                .adoption_decisions
                .iter()
                .filter(|a| in_year(a.date, a.ceased))
            {
                let ceased = clip(a.ceased);
                t.entry(File903::PlacedForAdoption).or_default().push(vec![
                    id.clone(),
                    dob.clone(),
                    format_date(a.date),
                    d(ceased),
                    if ceased.is_some() {
                        s(&a.reason_ceased)
                    } else {
                        String::new()
                    },
                ]);
            }
            if let Some(pp) = facts
                .previous_permanence
                .as_ref()
                .filter(|_| started_in_year)
            {
                t.entry(File903::PreviousPermanence).or_default().push(vec![
                    id.clone(),
                    dob.clone(),
                    s(&pp.option),
                    s(&pp.la),
                    s(&pp.date),
                ]);
            }
            for m in facts.missing.iter().filter(|m| in_year(m.start, m.end)) {
                t.entry(File903::Missing).or_default().push(vec![
                    id.clone(),
                    dob.clone(),
                    m.kind.clone(),
                    format_date(m.start),
                    d(clip(m.end)),
                ]);
            }

            if !episodes.contains_key(key) {
                continue;
            }
            let mut sws = workers.remove(key).unwrap_or_default();
            sws.sort_by(|a, b| (a.period.start, &a.key).cmp(&(b.period.start, &b.key)));
            for (i, inv) in sws.iter().enumerate() {
                let Some(start) = inv.period.start.filter(|s| in_year(*s, inv.period.end)) else {
                    continue;
                };
                let worker = inv.professional.as_ref().expect("selected with one");
                let sw_id = net
                    .professional(worker)
                    .and_then(|w| w.registration_number.clone())
                    .unwrap_or_else(|| worker.id().to_owned());
                let reason = match facts
                    .worker_changes
                    .iter()
                    .find(|c| c.start == start && c.worker == sw_id)
                {
                    Some(c) => c.reason,
                    None => start_reason(i.checked_sub(1).map(|p| &sws[p])),
                };
                t.entry(File903::SwEpisodes).or_default().push(vec![
                    id.clone(),
                    dob.clone(),
                    sw_id,
                    format_date(start),
                    d(clip(inv.period.end)),
                    reason.map(|r| r.code().to_owned()).unwrap_or_default(),
                ]);
            }
        }
        Self { tables: t }
    }
}
