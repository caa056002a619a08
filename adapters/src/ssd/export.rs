//! Writing a network back to the SSD CSV layout, the exact inverse of `import.rs`.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use patchwork_core::{
    ActivityKey, ActivityKind, AgencyKey, EndReason, Episode, EpisodeDetail, EpisodeKey,
    EpisodeKind, InvolvementKey, InvolvementRef, Network, Period, Person, PersonKey, PersonKind,
    ProfessionalKey, RelationshipKind, RoleCategory, Sensitivity, Sex, TeamKey,
};

use super::import::{Flavour, SsdOptions, council_agency_key};
use super::roles::RoleMap;
use super::schema::{self, Table};
use crate::redaction::{Redaction, neutralise_formula, postcode_district};

/// How to write an extract.
///
/// Use the same system name, flavour and role map as the [`SsdOptions`] the extract will
/// be read back with (`ExportOptions::from(&ssd_options)`), so that the
/// [`ExportSummary`] can tell exactly what would not come back.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Only records keyed under this system are written (`lcs`, `mosaic`, or the
    /// council's own label); records of other systems (partner agencies) are skipped.
    pub system: String,
    /// Which layout of team references to write: team ids (LCS, Eclipse) or team names
    /// (Mosaic).
    pub flavour: Flavour,
    /// The role map the extract will be read back with, used only to report role
    /// categories that the map would not give back (the layout carries the code alone).
    pub roles: RoleMap,
    /// What to redact (default: nothing). Spreadsheet formulas are neutralised whatever
    /// this says.
    pub redaction: Redaction,
}

impl ExportOptions {
    /// Options for a flavour, with that flavour's name as the system and the default role
    /// map: the counterpart of [`SsdOptions::new`].
    pub fn new(flavour: Flavour) -> Self {
        Self::from(&SsdOptions::new(flavour))
    }
}

impl From<&SsdOptions> for ExportOptions {
    fn from(options: &SsdOptions) -> Self {
        Self {
            system: options.system.clone(),
            flavour: options.flavour,
            roles: options.roles.clone(),
            redaction: Redaction::default(),
        }
    }
}

/// An export that could not be completed. Files already written may be incomplete.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The output folder could not be created.
    #[error("{}: cannot create the folder: {source}", .dir.display())]
    CreateDir {
        /// The folder.
        dir: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// A table could not be written.
    #[error("{file}: cannot write: {source}")]
    Write {
        /// The file (the path for [`export_dir`], `<table>.csv` otherwise).
        file: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

/// What an export wrote, and what the layout could not carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportSummary {
    /// Data rows written per table (every table of [`schema::ALL`] is present, with 0 for
    /// a table written as its header alone).
    pub rows: BTreeMap<&'static str, u64>,
    /// Records skipped because they are keyed under another system (partner agencies'
    /// persons, professionals, involvements...). They are not losses: they belong to
    /// another feed.
    pub other_systems: u64,
    /// Facts of this system that the SSD layout (or the importer reading it back) cannot
    /// carry: a short description -> how many records it affected. Empty means that
    /// importing the files with matching [`SsdOptions`] gives back an equal network
    /// (except provenance).
    pub not_carried: BTreeMap<&'static str, u64>,
    /// Cells written with an apostrophe in front because they would start a spreadsheet
    /// formula, per table (absent: none). The SSD importer reads them back unchanged.
    pub neutralised: BTreeMap<&'static str, u64>,
}

impl ExportSummary {
    /// True when nothing of this system was lost: [`not_carried`](Self::not_carried) is
    /// empty.
    pub fn is_lossless(&self) -> bool {
        self.not_carried.is_empty()
    }
}

/// Writes the network's records of `options.system` as one `<table>.csv` per table of
/// [`schema::ALL`] in `dir` (created if missing; existing files are replaced).
///
/// Each file has exactly the columns of its [`schema`] table, in that order, with the
/// header row always written (a table with no records is its header alone). UTF-8, LF
/// line ends, fields quoted only where needed, dates as `YYYY-MM-DD`, empty optional
/// values as empty fields (never LCS's `-1` or `1900-01-01`). Rows come in the
/// network's order, so the same network always gives the same bytes.
///
/// What becomes what (the inverse of [`import_dir`](super::import_dir)):
///
/// | records | table |
/// |---|---|
/// | persons | `ssd_person` (sex as `M`/`F`/`U`) |
/// | NHS number, former UPN, other identifiers | `ssd_linked_identifiers` (`NHS Number`, `Unique Pupil Number`, the kind) |
/// | postcode | one open `ssd_address` row |
/// | households and members | `ssd_family` |
/// | relationships keyed `ssd_mother/<id>` | `ssd_mother` |
/// | teams | `ssd_department` (with parent id and name) |
/// | professionals | `ssd_professionals` (their team's name as `prof_professional_department`) |
/// | episodes keyed `<table>/<id>` | that table (`ssd_cin_episodes`, `ssd_s47_enquiry`, `ssd_cp_plans`, `ssd_cla_episodes`, `ssd_early_help_episodes`) |
/// | activities keyed `<table>/<id>` | worker/team columns of that table; the referral shares the `ssd_cin_episodes` row, the S47 enquiry the `ssd_s47_enquiry` row |
/// | involvement `ssd_early_help_episodes/<id>` | worker and end reason of that early-help row, when it has the shape the importer gives it; otherwise `ssd_involvements` |
/// | involvement `ssd_care_leavers/<id>` | a `ssd_care_leavers` row, when it has the importer's shape (`PA`, no dates); otherwise `ssd_involvements` |
/// | other involvements | `ssd_involvements` (role code as stored, end reason as the DfE code or the source's text) |
///
/// Team references are team ids, except with [`Flavour::Mosaic`], where they are team
/// names (and Mosaic's name-keyed teams, `name/<name>`, are not written to
/// `ssd_department`: the importer makes them from the names). Every flavour writes the
/// LCS column lists, including `invo_person_id`, `prof_professional_name` and
/// `ssd_family`, which the Mosaic importer reads when present. The council agency is not
/// written: the importer makes it.
///
/// **Spreadsheet formulas are always neutralised**: a cell that would start a formula
/// (`=`, `+`, `-`, `@`, tab, CR, NUL) is written with an apostrophe in front
/// ([`neutralise_formula`](crate::redaction::neutralise_formula)); the SSD importer
/// removes it again, so the network still comes back equal. Every cell of every table,
/// headers included, goes through the same writer: no option turns this off.
///
/// With [`ExportOptions::redaction`] active, person ids and identifiers become keyed-hash
/// pseudonyms and person names are left empty, dates are written to the month
/// (`2024-07`) or year, postcodes as their district; such an export is for people, not
/// for reading back, and [`ExportSummary::not_carried`] says so.
///
/// Facts the layout cannot carry are counted in [`ExportSummary::not_carried`].
pub fn export_dir(
    net: &Network,
    dir: &Path,
    options: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    fs::create_dir_all(dir).map_err(|source| ExportError::CreateDir {
        dir: dir.to_owned(),
        source,
    })?;
    let mut exporter = Exporter::new(net, options);
    for table in schema::ALL {
        let path = dir.join(table.file_name());
        let failed = |source| ExportError::Write {
            file: path.display().to_string(),
            source,
        };
        let file = File::create(&path).map_err(failed)?;
        exporter
            .write_table(table, BufWriter::with_capacity(1 << 16, file))
            .map_err(failed)?;
    }
    Ok(exporter.summary)
}

/// Writes each table to the writer `open` gives for it, in [`schema::ALL`] order; see
/// [`export_dir`] for the layout. Errors name the table's file (`<table>.csv`).
pub fn export_writers<W: Write>(
    net: &Network,
    options: &ExportOptions,
    mut open: impl FnMut(&Table) -> io::Result<W>,
) -> Result<ExportSummary, ExportError> {
    let mut exporter = Exporter::new(net, options);
    for table in schema::ALL {
        let failed = |source| ExportError::Write {
            file: table.file_name(),
            source,
        };
        let out = open(table).map_err(failed)?;
        exporter.write_table(table, out).map_err(failed)?;
    }
    Ok(exporter.summary)
}

/// The tables as in-memory CSV texts keyed by table name (`ssd_person`...), the form
/// [`import_tables`](super::import_tables) reads; see [`export_dir`] for the layout.
///
/// ```
/// use patchwork_adapters::ssd::{ExportOptions, Flavour, SsdOptions, export_tables, import_tables};
/// use patchwork_core::*;
///
/// let mut net = Network::new();
/// let mut child = Person::new(PersonKey::new("lcs", "C1"), PersonKind::Child, Source::system("lcs"));
/// child.sex = Some(Sex::Female);
/// net.add_person(child)?;
///
/// let (tables, summary) = export_tables(&net, &ExportOptions::new(Flavour::Lcs));
/// assert!(summary.is_lossless());
/// assert!(String::from_utf8_lossy(&tables["ssd_person"]).starts_with("pers_legacy_id,pers_person_id,"));
/// let back = import_tables(&tables, &SsdOptions::new(Flavour::Lcs)).unwrap().network;
/// assert_eq!(back.person(&PersonKey::new("lcs", "C1")).unwrap().sex, Some(Sex::Female));
/// # Ok::<(), patchwork_core::Error>(())
/// ```
pub fn export_tables(
    net: &Network,
    options: &ExportOptions,
) -> (HashMap<String, Vec<u8>>, ExportSummary) {
    let mut exporter = Exporter::new(net, options);
    let mut tables = HashMap::with_capacity(schema::ALL.len());
    for table in schema::ALL {
        let mut bytes = Vec::new();
        exporter
            .write_table(table, &mut bytes)
            .expect("writing to memory cannot fail");
        tables.insert(table.name.to_owned(), bytes);
    }
    (tables, exporter.summary)
}

// ----- what the layout cannot carry -------------------------------------------------------

const NOTE_TEXT: &str = "empty or space-padded text, or an id of -1 (read back as empty)";
const NOTE_DATE: &str =
    "a date read back differently (1900-01-01 as an end date, a year outside 0-9999)";
const NOTE_OTHER_SYSTEM: &str =
    "a record naming a person, professional or team of another system (skipped)";
const NOTE_PERSON_KIND: &str = "person kind other than the importer derives from the dates (child, or unborn when only an expected date is known)";
const NOTE_FORMER_UPN: &str = "a former UPN without a different current UPN";
const NOTE_OTHER_ID: &str =
    "an other identifier whose type the importer reads as an NHS number or UPN";
const NOTE_PROFESSIONAL: &str = "professional's team, email, phone or period in post";
const NOTE_AGENCY: &str = "an agency other than the council's (the importer makes the council's)";
const NOTE_TEAM_PARENT: &str = "a team's parent of another system";
const NOTE_HOUSEHOLD: &str = "household name, household without members, or membership dates";
const NOTE_RELATIONSHIP_KEY: &str = "a relationship not keyed ssd_mother/<id> (skipped)";
const NOTE_MOTHER: &str =
    "mother relationship other than a parent with parental responsibility, undated";
const NOTE_EPISODE_KEY: &str = "an episode not keyed <table>/<id> for its kind (skipped)";
const NOTE_CLA_DETAIL: &str = "looked-after legal status or placement";
const NOTE_S47_OUTCOME: &str = "section 47 outcome other than nfa or nfa=<flag other than Y>";
const NOTE_ACTIVITY_KEY: &str = "an activity not keyed <table>/<id> for its kind (skipped)";
const NOTE_ACTIVITY_ORPHAN: &str =
    "a referral or section 47 activity without its episode, which holds its row (skipped)";
const NOTE_ACTIVITY_SHAPE: &str =
    "activity person, kind or dates other than the importer derives from its row";
const NOTE_SENSITIVITY: &str = "involvement sensitivity other than standard";
const NOTE_ROLE: &str = "a role category other than the role map gives for its code";
const NOTE_END_REASON: &str =
    "an end reason read back differently (empty, space-padded, or a DfE code held as source text)";
const NOTE_MOSAIC_TEAM: &str =
    "a team referred to by id, written as its name (Mosaic) and read back as a name-keyed team";
const NOTE_IDENTITY_LINKS: &str = "identity links (partner-agency matches)";
const NOTE_REDACTED: &str = "redacted export (pseudonymised ids, coarsened dates or postcodes, names left empty): not for reading back";

/// Where a reference to another record cannot be written.
struct OtherSystem;

/// The involvement the importer makes from an early-help row's worker.
const EARLY_HELP_ROLE: &str = "EARLY_HELP";
/// The involvement the importer makes from a care-leavers row.
const CARE_LEAVER_ROLE: &str = "PA";

/// A row being filled by column name.
struct RowBuf {
    table: Table,
    fields: Vec<String>,
}

impl RowBuf {
    fn new(table: &Table) -> Self {
        Self {
            table: *table,
            fields: vec![String::new(); table.columns.len()],
        }
    }

    fn set(&mut self, column: &str, value: impl Into<String>) {
        let i = self
            .table
            .columns
            .iter()
            .position(|c| *c == column)
            .unwrap_or_else(|| panic!("{column} is not a column of {}", self.table.name));
        self.fields[i] = value.into();
    }
}

/// The CSV writer of one table, counting the data rows written. Every cell goes through
/// [`neutralise_formula`] here, the one place records are written.
struct Sink<W: Write> {
    writer: csv::Writer<W>,
    rows: u64,
    /// Cells written with an apostrophe in front.
    neutralised: u64,
}

impl<W: Write> Sink<W> {
    fn new(out: W) -> Self {
        Self {
            writer: csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(out),
            rows: 0,
            neutralised: 0,
        }
    }

    /// Writes one record, every cell neutralised.
    fn write_cells<'c>(&mut self, cells: impl IntoIterator<Item = &'c str>) -> io::Result<()> {
        for cell in cells {
            let safe = neutralise_formula(cell);
            if matches!(safe, std::borrow::Cow::Owned(_)) {
                self.neutralised += 1;
            }
            self.writer.write_field(safe.as_bytes()).map_err(csv_io)?;
        }
        self.writer.write_record(None::<&[u8]>).map_err(csv_io)
    }

    fn push(&mut self, row: RowBuf) -> io::Result<()> {
        self.write_cells(row.fields.iter().map(String::as_str))?;
        self.rows += 1;
        Ok(())
    }

    /// A row id for tables whose ids Patchwork does not keep: the row's number.
    fn next_id(&self) -> String {
        (self.rows + 1).to_string()
    }

    /// Writes an `ssd_linked_identifiers` row.
    fn linked(&mut self, person: &str, kind: &str, value: String) -> io::Result<()> {
        let mut row = RowBuf::new(&schema::LINKED_IDENTIFIERS);
        row.set("link_table_id", self.next_id());
        row.set("link_person_id", person);
        row.set("link_identifier_type", kind);
        row.set("link_identifier_value", value);
        self.push(row)
    }
}

/// `rest` of a key id `<table>/<rest>`.
fn table_id<'k>(key_id: &'k str, table: &Table) -> Option<&'k str> {
    key_id.strip_prefix(table.name)?.strip_prefix('/')
}

fn episode_table(kind: EpisodeKind) -> &'static Table {
    match kind {
        EpisodeKind::EarlyHelp => &schema::EARLY_HELP_EPISODES,
        EpisodeKind::ChildInNeed => &schema::CIN_EPISODES,
        EpisodeKind::Section47 => &schema::S47_ENQUIRY,
        EpisodeKind::ChildProtectionPlan => &schema::CP_PLANS,
        EpisodeKind::LookedAfter => &schema::CLA_EPISODES,
    }
}

/// The table an activity of this kind is written to, and whether it shares an
/// episode's row.
fn activity_table(kind: ActivityKind) -> Option<(&'static Table, bool)> {
    match kind {
        ActivityKind::Referral => Some((&schema::CIN_EPISODES, true)),
        ActivityKind::Section47Enquiry => Some((&schema::S47_ENQUIRY, true)),
        ActivityKind::Assessment => Some((&schema::CIN_ASSESSMENTS, false)),
        ActivityKind::CinPlan => Some((&schema::CIN_PLANS, false)),
        ActivityKind::InitialChildProtectionConference => {
            Some((&schema::INITIAL_CP_CONFERENCE, false))
        }
        ActivityKind::Other => None,
    }
}

/// True when the importer reads `text` back unchanged.
fn carries(text: &str) -> bool {
    !text.is_empty() && text.trim() == text
}

/// True when the importer reads an end reason's text back as the same reason.
fn carries_end_reason(reason: &EndReason) -> bool {
    let text = reason.to_string();
    carries(&text) && EndReason::parse(&text) == *reason
}

fn sex_code(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "M",
        Sex::Female => "F",
        Sex::Unknown => "U",
    }
}

/// Which table holds an involvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Home {
    /// The worker of its early-help episode's row.
    EarlyHelp,
    /// A row of `ssd_care_leavers`.
    CareLeavers,
    /// A row of `ssd_involvements`.
    Involvements,
}

struct Exporter<'n> {
    net: &'n Network,
    opts: &'n ExportOptions,
    sys: &'n str,
    council: AgencyKey,
    /// Episodes of this system by table name, in network order.
    episodes: HashMap<&'static str, Vec<&'n Episode>>,
    /// Activities with rows of their own, by table name, in network order.
    activities: HashMap<&'static str, Vec<&'n patchwork_core::Activity>>,
    summary: ExportSummary,
}

impl<'n> Exporter<'n> {
    /// Sorts the records that go to more than one table, and counts those skipped.
    fn new(net: &'n Network, opts: &'n ExportOptions) -> Self {
        let sys = opts.system.as_str();
        let mut me = Self {
            net,
            opts,
            sys,
            council: council_agency_key(sys),
            episodes: HashMap::new(),
            activities: HashMap::new(),
            summary: ExportSummary::default(),
        };
        for table in schema::ALL {
            me.summary.rows.insert(table.name, 0);
        }
        for agency in net.agencies() {
            if agency.key.system() != sys {
                me.summary.other_systems += 1;
            } else if agency.key != me.council {
                me.note(NOTE_AGENCY);
            }
        }
        for link in net.identity_links() {
            if link.person.system() == sys {
                me.note(NOTE_IDENTITY_LINKS);
            }
        }
        if opts.redaction.is_active() {
            me.note(NOTE_REDACTED);
        }
        me.sort_episodes();
        me.sort_activities();
        me
    }

    fn note(&mut self, what: &'static str) {
        *self.summary.not_carried.entry(what).or_insert(0) += 1;
    }

    fn sort_episodes(&mut self) {
        for e in self.net.episodes() {
            if e.key.system() != self.sys {
                self.summary.other_systems += 1;
                continue;
            }
            let table = episode_table(e.kind());
            if table_id(e.key.id(), table).is_none() {
                self.note(NOTE_EPISODE_KEY);
                continue;
            }
            self.episodes.entry(table.name).or_default().push(e);
        }
    }

    /// The episode of this system with this key id, if it is written to `table`.
    fn written_episode(&self, key_id: &str, table: &Table) -> Option<&'n Episode> {
        let episode = self.net.episode(&EpisodeKey::new(self.sys, key_id))?;
        (episode_table(episode.kind()).name == table.name).then_some(episode)
    }

    fn sort_activities(&mut self) {
        for a in self.net.activities() {
            if a.key.system() != self.sys {
                self.summary.other_systems += 1;
                continue;
            }
            let Some((table, shared)) = activity_table(a.kind) else {
                self.note(NOTE_ACTIVITY_KEY);
                continue;
            };
            if table_id(a.key.id(), table).is_none() {
                self.note(NOTE_ACTIVITY_KEY);
                continue;
            }
            if shared {
                // Written with its episode's row, when there is one.
                if self.written_episode(a.key.id(), table).is_none() {
                    self.note(NOTE_ACTIVITY_ORPHAN);
                }
                continue;
            }
            self.activities.entry(table.name).or_default().push(a);
        }
    }

    /// Which table holds an involvement of this system. The early-help and care-leavers
    /// tables take only involvements the importer would make again exactly from their
    /// rows; any other goes to `ssd_involvements`, which keeps its key.
    fn home(&self, inv: &InvolvementRef<'_>) -> Home {
        let id = inv.key().id();
        if table_id(id, &schema::EARLY_HELP_EPISODES).is_some()
            && let Some(episode) = self.written_episode(id, &schema::EARLY_HELP_EPISODES)
            && self.is_early_help_worker(inv, episode)
        {
            Home::EarlyHelp
        } else if table_id(id, &schema::CARE_LEAVERS).is_some() && is_care_leaver(inv) {
            Home::CareLeavers
        } else {
            Home::Involvements
        }
    }

    /// True when the importer, reading the early-help row, makes exactly this involvement.
    fn is_early_help_worker(&self, inv: &InvolvementRef<'_>, episode: &Episode) -> bool {
        inv.professional().is_some()
            && inv.team().is_none()
            && inv.role_code() == EARLY_HELP_ROLE
            && inv.role() == RoleCategory::LeadPractitioner
            && inv.period() == episode.period
            && inv.sensitivity() == Sensitivity::Standard
            && inv.person().key == episode.person
            && inv.end_reason().is_none_or(carries_end_reason)
    }

    // ----- values -------------------------------------------------------------------------

    fn text(&mut self, value: Option<&str>) -> String {
        match value {
            None => String::new(),
            Some(text) => {
                if !carries(text) {
                    self.note(NOTE_TEXT);
                }
                text.to_owned()
            }
        }
    }

    /// An id read through the importer's `-1`-means-none filter.
    fn id(&mut self, id: &str) -> String {
        if !carries(id) || id == "-1" {
            self.note(NOTE_TEXT);
        }
        id.to_owned()
    }

    fn date(&mut self, date: Option<NaiveDate>) -> String {
        match date {
            None => String::new(),
            Some(d) => {
                if !(0..=9999).contains(&chrono::Datelike::year(&d)) {
                    self.note(NOTE_DATE);
                }
                self.opts.redaction.dates.write(d)
            }
        }
    }

    /// An end date, which the importer reads as open when it is 1900-01-01.
    fn end_date(&mut self, date: Option<NaiveDate>) -> String {
        if date == NaiveDate::from_ymd_opt(1900, 1, 1) {
            self.note(NOTE_DATE);
        }
        self.date(date)
    }

    fn end_reason(&mut self, reason: Option<&EndReason>) -> String {
        match reason {
            None => String::new(),
            Some(r) => {
                if !carries_end_reason(r) {
                    self.note(NOTE_END_REASON);
                }
                r.to_string()
            }
        }
    }

    fn person_ref(&mut self, key: &PersonKey) -> Result<String, OtherSystem> {
        if key.system() != self.sys {
            return Err(OtherSystem);
        }
        let id = self.text(Some(key.id()));
        Ok(self.pid(&id))
    }

    /// A person id as written: its pseudonym when pseudonymising.
    fn pid(&self, id: &str) -> String {
        self.identifier("person", id)
    }

    /// An identifier of a person (id, NHS number, UPN, other identifier) as written: its
    /// pseudonym when pseudonymising.
    fn identifier(&self, kind: &str, value: &str) -> String {
        match &self.opts.redaction.pseudonymise {
            Some(key) if !value.is_empty() => key.pseudonym(kind, value),
            _ => value.to_owned(),
        }
    }

    /// A person's name as written: empty when pseudonymising.
    fn name(&mut self, value: Option<&str>) -> String {
        let text = self.text(value);
        if self.opts.redaction.pseudonymise.is_some() {
            String::new()
        } else {
            text
        }
    }

    fn professional_ref(&mut self, key: Option<&ProfessionalKey>) -> Result<String, OtherSystem> {
        match key {
            None => Ok(String::new()),
            Some(k) if k.system() != self.sys => Err(OtherSystem),
            Some(k) => Ok(self.id(k.id())),
        }
    }

    /// A team reference: its id, or with Mosaic its name.
    fn team_ref(&mut self, key: Option<&TeamKey>) -> Result<String, OtherSystem> {
        let Some(key) = key else {
            return Ok(String::new());
        };
        if key.system() != self.sys {
            return Err(OtherSystem);
        }
        if self.opts.flavour != Flavour::Mosaic {
            return Ok(self.id(key.id()));
        }
        let Some(team) = self.net.team(key) else {
            return Ok(self.id(key.id()));
        };
        if key.id().strip_prefix("name/") != Some(team.name.as_str()) {
            self.note(NOTE_MOSAIC_TEAM);
        }
        Ok(self.id(&team.name))
    }

    /// The worker and team columns of an activity or involvement.
    fn participants(
        &mut self,
        professional: Option<&ProfessionalKey>,
        team: Option<&TeamKey>,
    ) -> Result<(String, String), OtherSystem> {
        Ok((self.professional_ref(professional)?, self.team_ref(team)?))
    }

    // ----- tables -------------------------------------------------------------------------

    fn write_table<W: Write>(&mut self, table: &Table, out: W) -> io::Result<()> {
        let mut sink = Sink::new(out);
        sink.write_cells(table.columns.iter().copied())?;
        self.rows(table, &mut sink)?;
        sink.writer.flush()?;
        *self.summary.rows.entry(table.name).or_insert(0) += sink.rows;
        if sink.neutralised > 0 {
            *self.summary.neutralised.entry(table.name).or_insert(0) += sink.neutralised;
        }
        Ok(())
    }

    /// Writes the rows of one table.
    fn rows<W: Write>(&mut self, table: &Table, out: &mut Sink<W>) -> io::Result<()> {
        match table.name {
            "ssd_department" => self.departments(out),
            "ssd_professionals" => self.professionals(out),
            "ssd_person" => self.persons(out),
            "ssd_linked_identifiers" => self.linked_identifiers(out),
            "ssd_address" => self.addresses(out),
            "ssd_family" => self.families(out),
            "ssd_mother" => self.mothers(out),
            "ssd_cin_episodes" => self.cin_episodes(out),
            "ssd_cin_assessments" | "ssd_cin_plans" | "ssd_initial_cp_conference" => {
                self.activity_rows(table, out)
            }
            "ssd_s47_enquiry" => self.s47_enquiries(out),
            "ssd_cp_plans" => self.cp_plans(out),
            "ssd_cla_episodes" => self.cla_episodes(out),
            "ssd_early_help_episodes" => self.early_help(out),
            "ssd_care_leavers" => self.care_leavers(out),
            "ssd_involvements" => self.involvement_rows(out),
            other => unreachable!("table {other} has no writer"),
        }
    }

    fn departments<W: Write>(&mut self, out: &mut Sink<W>) -> io::Result<()> {
        for team in self.net.teams() {
            if team.key.system() != self.sys {
                self.summary.other_systems += 1;
                continue;
            }
            if self.opts.flavour == Flavour::Mosaic && team.key.id().starts_with("name/") {
                // Made again by the importer from the names in the team columns.
                continue;
            }
            if team.agency.as_ref() != Some(&self.council) {
                self.note(NOTE_AGENCY);
            }
            let mut row = RowBuf::new(&schema::DEPARTMENT);
            row.set("dept_team_id", self.id(team.key.id()));
            row.set("dept_team_name", self.text(Some(&team.name)));
            if let Some(parent) = &team.parent {
                if parent.system() == self.sys {
                    row.set("dept_team_parent_id", self.id(parent.id()));
                    let name = self.net.team(parent).map(|p| p.name.clone());
                    row.set("dept_team_parent_name", name.unwrap_or_default());
                } else {
                    self.note(NOTE_TEAM_PARENT);
                }
            }
            out.push(row)?;
        }
        Ok(())
    }

    /// True when the importer finds this team again from its name in
    /// `prof_professional_department`: a team of this system whose name is carried and,
    /// outside Mosaic, unique among the system's teams (Mosaic keys teams by name).
    fn team_read_back(&self, key: &TeamKey) -> bool {
        let Some(team) = self.net.team(key) else {
            return false;
        };
        if key.system() != self.sys || !carries(&team.name) {
            return false;
        }
        if self.opts.flavour == Flavour::Mosaic {
            return key.id() == format!("name/{}", team.name);
        }
        self.net
            .teams()
            .filter(|t| t.key.system() == self.sys && t.name == team.name)
            .count()
            == 1
    }

    fn professionals<W: Write>(&mut self, out: &mut Sink<W>) -> io::Result<()> {
        for p in self.net.professionals() {
            if p.key.system() != self.sys {
                self.summary.other_systems += 1;
                continue;
            }
            if p.agency.as_ref() != Some(&self.council) {
                self.note(NOTE_AGENCY);
            }
            let team_carried = p.team.as_ref().is_none_or(|t| self.team_read_back(t));
            if !team_carried
                || p.email.is_some()
                || p.phone.is_some()
                || p.active != Period::always()
            {
                self.note(NOTE_PROFESSIONAL);
            }
            let mut row = RowBuf::new(&schema::PROFESSIONALS);
            row.set("prof_professional_id", self.id(p.key.id()));
            row.set("prof_staff_id", self.text(p.staff_id.as_deref()));
            row.set("prof_professional_name", self.text(p.name.as_deref()));
            row.set(
                "prof_social_worker_registration_no",
                self.text(p.registration_number.as_deref()),
            );
            row.set(
                "prof_professional_job_title",
                self.text(p.job_title.as_deref()),
            );
            // The importer reads the team back by this name (see `team_read_back`).
            if let Some(team) = p.team.as_ref().and_then(|t| self.net.team(t)) {
                row.set("prof_professional_department", team.name.clone());
            }
            out.push(row)?;
        }
        Ok(())
    }

    /// Persons of this system, counting the others once (from `ssd_person`).
    fn own_persons(&mut self, count_others: bool) -> Vec<&'n Person> {
        let (own, others): (Vec<_>, Vec<_>) =
            self.net.persons().partition(|p| p.key.system() == self.sys);
        if count_others {
            self.summary.other_systems += others.len() as u64;
        }
        own
    }

    fn persons<W: Write>(&mut self, out: &mut Sink<W>) -> io::Result<()> {
        for p in self.own_persons(true) {
            let derived = if p.birth_date.is_none() && p.expected_birth_date.is_some() {
                PersonKind::UnbornChild
            } else {
                PersonKind::Child
            };
            if p.kind != derived {
                self.note(NOTE_PERSON_KIND);
            }
            let mut row = RowBuf::new(&schema::PERSON);
            let id = self.text(Some(p.key.id()));
            row.set("pers_person_id", self.pid(&id));
            let upn = p.upn.map(|u| u.to_string()).unwrap_or_default();
            row.set("pers_upn", self.identifier("upn", &upn));
            row.set("pers_forename", self.name(p.given_name.as_deref()));
            row.set("pers_surname", self.name(p.family_name.as_deref()));
            row.set("pers_sex", p.sex.map(sex_code).unwrap_or_default());
            row.set("pers_ethnicity", self.text(p.ethnicity.as_deref()));
            row.set("pers_dob", self.date(p.birth_date));
            row.set("pers_expected_dob", self.date(p.expected_birth_date));
            row.set("pers_death_date", self.date(p.death_date));
            out.push(row)?;
        }
        Ok(())
    }

    fn linked_identifiers<W: Write>(&mut self, out: &mut Sink<W>) -> io::Result<()> {
        for p in self.own_persons(false) {
            let pid = &self.pid(p.key.id());
            if let Some(nhs) = p.nhs_number {
                out.linked(pid, "NHS Number", self.identifier("nhs", &nhs.to_string()))?;
            }
            match (p.upn, p.former_upn) {
                (Some(upn), Some(former)) if upn != former => {
                    out.linked(
                        pid,
                        "Unique Pupil Number",
                        self.identifier("upn", &former.to_string()),
                    )?;
                }
                (_, Some(_)) => {
                    self.note(NOTE_FORMER_UPN);
                }
                _ => {}
            }
            for other in &p.other_identifiers {
                let kind = other.kind.to_lowercase();
                if matches!(kind.as_str(), "nhs number" | "unique pupil number" | "upn") {
                    self.note(NOTE_OTHER_ID);
                }
                if !carries(&other.kind) || !carries(&other.value) {
                    self.note(NOTE_TEXT);
                }
                let value = self.identifier(&format!("other:{}", other.kind), &other.value);
                out.linked(pid, &other.kind, value)?;
            }
        }
        Ok(())
    }

    fn addresses<W: Write>(&mut self, out: &mut Sink<W>) -> io::Result<()> {
        for p in self.own_persons(false) {
            let Some(postcode) = &p.postcode else {
                continue;
            };
            let mut row = RowBuf::new(&schema::ADDRESS);
            row.set("addr_table_id", out.next_id());
            row.set("addr_person_id", self.pid(p.key.id()));
            let postcode = self.text(Some(postcode));
            let postcode = if self.opts.redaction.postcode_district {
                postcode_district(&postcode).unwrap_or_default()
            } else {
                postcode
            };
            row.set("addr_address_postcode", postcode);
            out.push(row)?;
        }
        Ok(())
    }

    fn families<W: Write>(&mut self, out: &mut Sink<W>) -> io::Result<()> {
        for h in self.net.households() {
            if h.key.system() != self.sys {
                self.summary.other_systems += 1;
                continue;
            }
            let members = self.net.household_members(&h.key).unwrap_or_default();
            if h.name.is_some() || members.is_empty() {
                self.note(NOTE_HOUSEHOLD);
            }
            let fid = self.text(Some(h.key.id()));
            for (person, period) in members {
                if period != Period::always() {
                    self.note(NOTE_HOUSEHOLD);
                }
                let Ok(pid) = self.person_ref(&person.key) else {
                    self.note(NOTE_OTHER_SYSTEM);
                    continue;
                };
                let mut row = RowBuf::new(&schema::FAMILY);
                row.set("fami_table_id", out.next_id());
                row.set("fami_family_id", fid.clone());
                row.set("fami_person_id", pid);
                out.push(row)?;
            }
        }
        Ok(())
    }

    fn mothers<W: Write>(&mut self, out: &mut Sink<W>) -> io::Result<()> {
        for r in self.net.relationships() {
            if r.key.system() != self.sys {
                self.summary.other_systems += 1;
                continue;
            }
            let Some(id) = table_id(r.key.id(), &schema::MOTHER) else {
                self.note(NOTE_RELATIONSHIP_KEY);
                continue;
            };
            let (Ok(mother), Ok(child)) = (self.person_ref(&r.from), self.person_ref(&r.to)) else {
                self.note(NOTE_OTHER_SYSTEM);
                continue;
            };
            if r.kind != RelationshipKind::Parent
                || !r.parental_responsibility
                || r.period != Period::always()
            {
                self.note(NOTE_MOTHER);
            }
            let mut row = RowBuf::new(&schema::MOTHER);
            row.set("moth_table_id", self.text(Some(id)));
            row.set("moth_person_id", mother);
            row.set("moth_childs_person_id", child);
            let dob = self.net.person(&r.to).and_then(|c| c.birth_date);
            row.set("moth_childs_dob", self.date(dob));
            out.push(row)?;
        }
        Ok(())
    }

    /// Starts an episode's row: id, person, and the period's columns. `None` when the
    /// person is of another system.
    fn episode_row(
        &mut self,
        episode: &Episode,
        table: &Table,
        [id, person, start, end]: [&str; 4],
    ) -> Option<RowBuf> {
        let Ok(pid) = self.person_ref(&episode.person) else {
            self.note(NOTE_OTHER_SYSTEM);
            return None;
        };
        let mut row = RowBuf::new(table);
        let eid = table_id(episode.key.id(), table).unwrap_or_default();
        row.set(id, self.text(Some(eid)));
        row.set(person, pid);
        row.set(start, self.date(episode.period.start));
        row.set(end, self.end_date(episode.period.end));
        Some(row)
    }

    /// Fills the worker and team columns of an episode's row from the activity that
    /// shares it, checking that the importer would make the same activity.
    fn shared_activity(
        &mut self,
        row: &mut RowBuf,
        episode: &Episode,
        expected: (ActivityKind, Period),
        [worker, team]: [&str; 2],
    ) {
        let key = ActivityKey(episode.key.0.clone());
        let Some(activity) = self.net.activity(&key) else {
            return;
        };
        if activity.kind != expected.0 {
            // Keyed for this table but of another kind: skipped (and counted) already.
            return;
        }
        let Ok((w, t)) = self.participants(activity.professional.as_ref(), activity.team.as_ref())
        else {
            self.note(NOTE_OTHER_SYSTEM);
            return;
        };
        if activity.period != expected.1 || activity.person != episode.person {
            self.note(NOTE_ACTIVITY_SHAPE);
        }
        row.set(worker, w);
        row.set(team, t);
    }

    fn own_episodes(&self, table: &Table) -> Vec<&'n Episode> {
        self.episodes.get(table.name).cloned().unwrap_or_default()
    }

    fn cin_episodes<W: Write>(&mut self, out: &mut Sink<W>) -> io::Result<()> {
        let table = &schema::CIN_EPISODES;
        for e in self.own_episodes(table) {
            let cols = [
                "cine_referral_id",
                "cine_person_id",
                "cine_referral_date",
                "cine_close_date",
            ];
            let Some(mut row) = self.episode_row(e, table, cols) else {
                continue;
            };
            if let EpisodeDetail::ChildInNeed {
                referral_source,
                primary_need,
                closure_reason,
                ..
            } = &e.detail
            {
                row.set(
                    "cine_cin_primary_need_code",
                    self.text(primary_need.as_deref()),
                );
                row.set(
                    "cine_referral_source_code",
                    self.text(referral_source.as_deref()),
                );
                row.set("cine_close_reason", self.text(closure_reason.as_deref()));
            }
            let referral = super::import::single_day(e.period.start);
            self.shared_activity(
                &mut row,
                e,
                (ActivityKind::Referral, referral),
                ["cine_referral_worker_id", "cine_referral_team"],
            );
            out.push(row)?;
        }
        Ok(())
    }

    fn s47_enquiries<W: Write>(&mut self, out: &mut Sink<W>) -> io::Result<()> {
        let table = &schema::S47_ENQUIRY;
        for e in self.own_episodes(table) {
            let cols = [
                "s47e_s47_enquiry_id",
                "s47e_person_id",
                "s47e_s47_start_date",
                "s47e_s47_end_date",
            ];
            let Some(mut row) = self.episode_row(e, table, cols) else {
                continue;
            };
            if let EpisodeDetail::Section47 {
                outcome: Some(outcome),
                ..
            } = &e.detail
            {
                let flag = match outcome.as_str() {
                    "nfa" => Some("Y"),
                    other => other
                        .strip_prefix("nfa=")
                        .filter(|f| carries(f) && !f.eq_ignore_ascii_case("Y")),
                };
                match flag {
                    Some(f) => row.set("s47e_s47_nfa", f),
                    None => self.note(NOTE_S47_OUTCOME),
                }
            }
            self.shared_activity(
                &mut row,
                e,
                (ActivityKind::Section47Enquiry, e.period),
                [
                    "s47e_s47_completed_by_worker_id",
                    "s47e_s47_completed_by_team",
                ],
            );
            out.push(row)?;
        }
        Ok(())
    }

    fn cp_plans<W: Write>(&mut self, out: &mut Sink<W>) -> io::Result<()> {
        let table = &schema::CP_PLANS;
        for e in self.own_episodes(table) {
            let cols = [
                "cppl_cp_plan_id",
                "cppl_person_id",
                "cppl_cp_plan_start_date",
                "cppl_cp_plan_end_date",
            ];
            let Some(mut row) = self.episode_row(e, table, cols) else {
                continue;
            };
            if let EpisodeDetail::ChildProtectionPlan {
                category_of_abuse: Some(category),
                ..
            } = &e.detail
            {
                row.set("cppl_cp_plan_initial_category", category.code());
            }
            out.push(row)?;
        }
        Ok(())
    }

    fn cla_episodes<W: Write>(&mut self, out: &mut Sink<W>) -> io::Result<()> {
        let table = &schema::CLA_EPISODES;
        for e in self.own_episodes(table) {
            let cols = [
                "clae_cla_episode_id",
                "clae_person_id",
                "clae_cla_episode_start_date",
                "clae_cla_episode_ceased_date",
            ];
            let Some(row) = self.episode_row(e, table, cols) else {
                continue;
            };
            if let EpisodeDetail::LookedAfter {
                legal_status,
                placement,
                ..
            } = &e.detail
                && (legal_status.is_some() || placement.is_some())
            {
                self.note(NOTE_CLA_DETAIL);
            }
            out.push(row)?;
        }
        Ok(())
    }

    fn early_help<W: Write>(&mut self, out: &mut Sink<W>) -> io::Result<()> {
        let table = &schema::EARLY_HELP_EPISODES;
        for e in self.own_episodes(table) {
            let cols = [
                "earl_episode_id",
                "earl_person_id",
                "earl_episode_start_date",
                "earl_episode_end_date",
            ];
            let Some(mut row) = self.episode_row(e, table, cols) else {
                continue;
            };
            if let EpisodeDetail::EarlyHelp { reason } = &e.detail {
                row.set("earl_episode_reason", self.text(reason.as_deref()));
            }
            let worker = self
                .net
                .involvement(&InvolvementKey(e.key.0.clone()))
                .filter(|inv| self.home(inv) == Home::EarlyHelp);
            if let Some(inv) = worker {
                match self.professional_ref(inv.professional().map(|p| &p.key)) {
                    Ok(worker) => {
                        row.set("earl_episode_worker_id", worker);
                        row.set("earl_episode_end_reason", self.end_reason(inv.end_reason()));
                    }
                    Err(OtherSystem) => self.note(NOTE_OTHER_SYSTEM),
                }
            }
            out.push(row)?;
        }
        Ok(())
    }

    fn activity_rows<W: Write>(&mut self, table: &Table, out: &mut Sink<W>) -> io::Result<()> {
        let (id, person, start, end, team, worker) = match table.name {
            "ssd_cin_assessments" => (
                "cina_assessment_id",
                "cina_person_id",
                "cina_assessment_start_date",
                Some("cina_assessment_auth_date"),
                "cina_assessment_team",
                "cina_assessment_worker_id",
            ),
            "ssd_cin_plans" => (
                "cinp_cin_plan_id",
                "cinp_person_id",
                "cinp_cin_plan_start_date",
                Some("cinp_cin_plan_end_date"),
                "cinp_cin_plan_team",
                "cinp_cin_plan_worker_id",
            ),
            _ => (
                "icpc_icpc_id",
                "icpc_person_id",
                "icpc_icpc_date",
                None,
                "icpc_icpc_team",
                "icpc_icpc_worker_id",
            ),
        };
        let activities = self.activities.get(table.name).cloned().unwrap_or_default();
        for a in activities {
            let refs = self.person_ref(&a.person).and_then(|p| {
                Ok((
                    p,
                    self.participants(a.professional.as_ref(), a.team.as_ref())?,
                ))
            });
            let Ok((pid, (w, t))) = refs else {
                self.note(NOTE_OTHER_SYSTEM);
                continue;
            };
            let mut row = RowBuf::new(table);
            row.set(id, self.text(table_id(a.key.id(), table)));
            row.set(person, pid);
            row.set(start, self.date(a.period.start));
            match end {
                Some(end) => row.set(end, self.end_date(a.period.end)),
                None if a.period != super::import::single_day(a.period.start) => {
                    self.note(NOTE_ACTIVITY_SHAPE)
                }
                None => {}
            }
            row.set(worker, w);
            row.set(team, t);
            out.push(row)?;
        }
        Ok(())
    }

    fn care_leavers<W: Write>(&mut self, out: &mut Sink<W>) -> io::Result<()> {
        let net = self.net;
        for inv in net.involvements() {
            if inv.key().system() != self.sys || self.home(&inv) != Home::CareLeavers {
                continue;
            }
            let refs = self.person_ref(&inv.person().key).and_then(|p| {
                Ok((
                    p,
                    self.participants(
                        inv.professional().map(|p| &p.key),
                        inv.team().map(|t| &t.key),
                    )?,
                ))
            });
            let Ok((pid, (w, t))) = refs else {
                self.note(NOTE_OTHER_SYSTEM);
                continue;
            };
            let mut row = RowBuf::new(&schema::CARE_LEAVERS);
            let id = table_id(inv.key().id(), &schema::CARE_LEAVERS);
            row.set("clea_table_id", self.text(id));
            row.set("clea_person_id", pid);
            // Informative only: the importer does not read it back.
            if let Some(name) = inv.professional().and_then(|p| p.name.clone()) {
                row.set("clea_care_leaver_personal_advisor", name);
            }
            row.set("clea_care_leaver_allocated_team", t);
            row.set("clea_care_leaver_worker_id", w);
            out.push(row)?;
        }
        Ok(())
    }

    fn involvement_rows<W: Write>(&mut self, out: &mut Sink<W>) -> io::Result<()> {
        let net = self.net;
        for inv in net.involvements() {
            if inv.key().system() != self.sys {
                // Counted here, once.
                self.summary.other_systems += 1;
                continue;
            }
            if self.home(&inv) != Home::Involvements {
                continue;
            }
            let refs = self.person_ref(&inv.person().key).and_then(|p| {
                Ok((
                    p,
                    self.participants(
                        inv.professional().map(|p| &p.key),
                        inv.team().map(|t| &t.key),
                    )?,
                ))
            });
            let Ok((pid, (w, t))) = refs else {
                self.note(NOTE_OTHER_SYSTEM);
                continue;
            };
            let code = inv.role_code();
            let mapped = self
                .opts
                .roles
                .category(code)
                .unwrap_or(RoleCategory::Other);
            if mapped != inv.role() {
                self.note(NOTE_ROLE);
            }
            if inv.sensitivity() != Sensitivity::Standard {
                self.note(NOTE_SENSITIVITY);
            }
            let mut row = RowBuf::new(&schema::INVOLVEMENTS);
            row.set("invo_involvements_id", self.text(Some(inv.key().id())));
            row.set("invo_professional_id", w);
            row.set("invo_professional_role_id", self.text(Some(code)));
            row.set("invo_professional_team", t);
            row.set("invo_person_id", pid);
            row.set("invo_involvement_start_date", self.date(inv.period().start));
            row.set("invo_involvement_end_date", self.end_date(inv.period().end));
            row.set(
                "invo_worker_change_reason",
                self.end_reason(inv.end_reason()),
            );
            out.push(row)?;
        }
        Ok(())
    }
}

/// True when the importer, reading a care-leavers row, makes exactly this involvement
/// (apart from its participants, which the row carries).
fn is_care_leaver(inv: &InvolvementRef<'_>) -> bool {
    inv.role_code() == CARE_LEAVER_ROLE
        && inv.role() == RoleCategory::PersonalAdviser
        && inv.period() == Period::always()
        && inv.end_reason().is_none()
        && inv.sensitivity() == Sensitivity::Standard
}

fn csv_io(err: csv::Error) -> io::Error {
    match err.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}
