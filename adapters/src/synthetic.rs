//! A deterministic generator of a fictional council's network, as in-memory core records
//! and as the files its sources would send.
//!
//! [`generate`] builds "Wexmoor County Council" at one of the benchmark [`Tier`]s of the
//! design notes; [`generate_sizes`] at any [`Sizes`]. The same sizes and seed always give
//! the same records (for a given version of this crate and of `rand`). [`write_council`]
//! writes them as the council's SSD extract and one partner-agency feed per agency
//! (`patchwork generate` runs it); the same council always gives the same bytes.
//!
//! What it holds:
//!
//! * agencies of every kind: the council's children's social care (with locality teams,
//!   children in care, leaving care, family help and the IRO service), two NHS trusts and
//!   GP practices (with invented ODS codes), schools (invented URNs), police, housing,
//!   youth justice, probation and voluntary bodies;
//! * professionals with names, job titles, staff numbers, `.example` emails, Ofcom drama
//!   phone numbers (01632 960xxx) and, for social workers and IROs, a Social Work England
//!   number `SW` + six digits; about 8% have left (their active period has ended);
//! * families: households of one to three adults and one to four children (some unborn),
//!   with parent, step-parent, grandparent, partner and sibling relationships (now and
//!   then a teenage girl is the mother of the family's baby); most
//!   children have an NHS number from the `999` test range and school-age children a UPN,
//!   both with valid check characters;
//! * episodes (early help, child in need, section 47, child protection plans, looked
//!   after) in plausible proportions, with census codes;
//! * involvements whose roles match the professional's agency; children with statutory
//!   episodes have a sequence of allocated social workers (siblings share them) whose
//!   changes carry the DfE reason codes; ended historical involvements bring the total to
//!   the requested figure.
//!
//! Some gaps are planted on purpose and listed in [`SyntheticCouncil::planted`]: children
//! on a plan or looked after with no allocated social worker (the case held in a team
//! instead), children on a plan with no health professional, open involvements with
//! professionals who have left, and children with two allocated social workers at once.
//! Everything else is consistent, so [`Network::gaps`] finds exactly the planted gaps on
//! [`SyntheticCouncil::today`].
//!
//! # Who holds which record
//!
//! Every record is keyed as the source that holds it would key it, so that writing the
//! files and importing them back gives the same keys:
//!
//! * the council's case system ([`SYSTEM`], `lcs`) holds the children and adults, the
//!   council's agency (keyed [`council_agency_key`]`("lcs")`, as the SSD importer makes
//!   it), its teams, social workers, IROs, personal advisers, family support and family
//!   help workers, their involvements (role codes the default
//!   [`RoleMap`](crate::ssd::RoleMap) knows, plus `UNALLOC` for a case held in a team),
//!   households, relationships and episodes. Episodes are keyed `<table>/<id>` as the SSD
//!   importer keys them (`ssd_cin_episodes/…`, `ssd_s47_enquiry/…`, `ssd_cp_plans/…`,
//!   `ssd_cla_episodes/…`, `ssd_early_help_episodes/…`); an early-help episode's worker is
//!   an `EARLY_HELP` lead-practitioner involvement keyed as the episode; a mother who is
//!   herself a child is linked to her baby by a relationship keyed `ssd_mother/<n>`.
//! * each partner agency (NHS trusts `nhs-wexmoor-community` and `nhs-wexmoor-hospitals`,
//!   GP practices `gp-<ods>`, schools `school-<urn>`, `police-wexmoor`, housing, youth
//!   justice, probation and voluntary bodies) keys its records under its own feed id, as
//!   the partner-feed importer does: the agency `<agency_id>:agency`, its teams,
//!   professionals and involvements `<agency_id>:<id>`. CAMHS and domestic abuse support
//!   are sensitive services.
//!
//! Involvements with a professional record the professional's team, as both formats do.
//!
//! # What the files carry
//!
//! The files carry children only. Adults (parents, carers) cannot travel in the SSD's
//! person table, so they stay in memory with their relationships and involvements (the
//! queries need them); family groups in `ssd_family` list the children alone. The formats
//! also drop looked-after legal status and placement, relationships other than young
//! mothers, and when a council professional left (`ssd_professionals` has no leaving
//! date; the partner feed's `professional_end_date` does carry it), so that
//! [`GapKind::ProfessionalHasLeft`] survives a round trip for partner professionals only;
//! see [`write_council`].
//!
//! [`GapKind::ProfessionalHasLeft`]: patchwork_core::GapKind::ProfessionalHasLeft
//!
//! All names are invented from short lists of common first and family names; places and
//! organisations are invented too. No record describes a real person.
//!
//! ```
//! use patchwork_adapters::synthetic::{self, Sizes};
//!
//! let sizes = Sizes { persons: 1_000, involvements: 4_000, professionals: 150 };
//! let council = synthetic::generate_sizes(sizes, 42);
//! assert_eq!(council.persons.len(), 1_000);
//! assert_eq!(council.involvements.len(), 4_000);
//! let today = council.today;
//! let child = council.persons.iter().find(|p| p.is_child()).unwrap().key.clone();
//! let net = council.into_network()?;
//! let team = net.team_around(&child, today)?;
//! println!("{} professionals around {child}", team.len());
//! # Ok::<(), patchwork_core::Error>(())
//! ```

use std::collections::HashMap;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::agency::{FeedWriteError, write_feed_involvements};
use crate::ssd::{self, ExportOptions, ExportSummary, Flavour, council_agency_key, schema};
use chrono::{NaiveDate, TimeDelta};
use patchwork_core::{
    Agency, AgencyKey, AgencyKind, Capacity, CategoryOfAbuse, EndReason, Episode, EpisodeDetail,
    EpisodeKey, EpisodeKind, Error, Household, HouseholdKey, Involvement, InvolvementKey, Network,
    NhsNumber, Period, Person, PersonKey, PersonKind, Professional, ProfessionalKey, Relationship,
    RelationshipKey, RelationshipKind, Role, RoleCategory, Sensitivity, Sex, Source,
    SwChangeReason, Team, TeamKey, Upn,
};
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

/// The source system every generated record names (a Liquidlogic-style case system).
pub const SYSTEM: &str = "lcs";

/// A benchmark tier from the design notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    /// A small local authority: 20k persons, 80k involvements, 1.5k professionals.
    S,
    /// The median local authority: 150k persons, 600k involvements, 8k professionals.
    M,
    /// A large county: 1M persons, 5M involvements, 50k professionals.
    L,
}

impl Tier {
    /// The three tiers, smallest first.
    pub const ALL: [Tier; 3] = [Tier::S, Tier::M, Tier::L];

    /// The record counts of this tier.
    pub fn sizes(self) -> Sizes {
        match self {
            Self::S => Sizes {
                persons: 20_000,
                involvements: 80_000,
                professionals: 1_500,
            },
            Self::M => Sizes {
                persons: 150_000,
                involvements: 600_000,
                professionals: 8_000,
            },
            Self::L => Sizes {
                persons: 1_000_000,
                involvements: 5_000_000,
                professionals: 50_000,
            },
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::S => "S",
            Self::M => "M",
            Self::L => "L",
        })
    }
}

/// The text was not `S`, `M` or `L`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown tier {0:?}: expected S, M or L")]
pub struct UnknownTier(pub String);

impl FromStr for Tier {
    type Err = UnknownTier;
    /// Parses `S`, `M` or `L` (either case, surrounding spaces ignored).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "S" | "s" => Ok(Self::S),
            "M" | "m" => Ok(Self::M),
            "L" | "l" => Ok(Self::L),
            other => Err(UnknownTier(other.to_owned())),
        }
    }
}

/// How many records to generate.
///
/// `persons` and `professionals` are met exactly. `involvements` is met exactly whenever
/// it is at least about three per person (every tier is four or five): the families'
/// current involvements come first and ended historical ones fill up the rest. Below that,
/// the current involvements alone are kept and the count comes out higher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sizes {
    /// Persons: children, unborn children and adults.
    pub persons: usize,
    /// Involvements, active and ended.
    pub involvements: usize,
    /// Professionals, including those who have left.
    pub professionals: usize,
}

/// A person's membership of a household, as [`Network::add_household_member`] takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The household.
    pub household: HouseholdKey,
    /// The member.
    pub person: PersonKey,
    /// When they belong to it.
    pub period: Period,
}

/// The gaps the generator planted on purpose, as of [`SyntheticCouncil::today`].
///
/// Each list is sorted by key. [`Network::gaps`] should find exactly these.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlantedGaps {
    /// Children on a plan or looked after whose social worker left and who were not
    /// re-allocated: the case is held in a team.
    pub no_allocated_social_worker: Vec<PersonKey>,
    /// Children on a child protection plan with no health involvement at all.
    pub no_health_professional: Vec<PersonKey>,
    /// Open involvements whose professional has left.
    pub professional_has_left: Vec<InvolvementKey>,
    /// Children with two allocated social workers at once (a handover never closed).
    pub multiple_leads: Vec<PersonKey>,
}

/// A fictional council's records, ready to load into a [`Network`].
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticCouncil {
    /// The extract's reference date: the "today" that every open record is open on.
    pub today: NaiveDate,
    /// Agencies.
    pub agencies: Vec<Agency>,
    /// Teams, parents before children.
    pub teams: Vec<Team>,
    /// Professionals.
    pub professionals: Vec<Professional>,
    /// Persons.
    pub persons: Vec<Person>,
    /// Households (one per family).
    pub households: Vec<Household>,
    /// Household memberships.
    pub memberships: Vec<Membership>,
    /// Relationships between family members.
    pub relationships: Vec<Relationship>,
    /// Episodes.
    pub episodes: Vec<Episode>,
    /// Involvements, active and ended.
    pub involvements: Vec<Involvement>,
    /// The gaps planted on purpose.
    pub planted: PlantedGaps,
}

impl SyntheticCouncil {
    /// The capacity to reserve in a [`Network`] for these records.
    pub fn capacity(&self) -> Capacity {
        Capacity {
            persons: self.persons.len(),
            professionals: self.professionals.len(),
            involvements: self.involvements.len(),
        }
    }

    /// The children and unborn children, in the order they were generated.
    pub fn children(&self) -> impl Iterator<Item = &Person> {
        self.persons.iter().filter(|p| p.is_child())
    }

    /// Loads every record into a new [`Network`] (made with [`Network::with_capacity`]),
    /// in dependency order. Fails on the first record the network refuses, which for
    /// generated data would be a bug.
    pub fn into_network(self) -> Result<Network, Error> {
        let mut net = Network::with_capacity(self.capacity());
        for agency in self.agencies {
            net.add_agency(agency)?;
        }
        for team in self.teams {
            net.add_team(team)?;
        }
        for professional in self.professionals {
            net.add_professional(professional)?;
        }
        for person in self.persons {
            net.add_person(person)?;
        }
        for household in self.households {
            net.add_household(household)?;
        }
        for m in self.memberships {
            net.add_household_member(&m.household, &m.person, m.period)?;
        }
        for relationship in self.relationships {
            net.add_relationship(relationship)?;
        }
        for episode in self.episodes {
            net.add_episode(episode)?;
        }
        for involvement in self.involvements {
            net.add_involvement(involvement)?;
        }
        Ok(net)
    }
}

impl SyntheticCouncil {
    /// The partner agencies (every agency but the council's), in the order generated.
    pub fn partner_agencies(&self) -> impl Iterator<Item = &Agency> {
        self.agencies.iter().filter(|a| a.key.system() != SYSTEM)
    }

    /// The records the council's files carry, loaded into a new [`Network`]: everything
    /// except the adults and the records that refer to them (their household
    /// memberships, relationships and involvements), which the SSD's person table and the
    /// partner feed (matched to children) cannot hold. See [`write_council`].
    pub fn extract_network(&self) -> Result<Network, Error> {
        let adults: std::collections::HashSet<&PersonKey> = self
            .persons
            .iter()
            .filter(|p| !p.is_child())
            .map(|p| &p.key)
            .collect();
        let adult = |key: &PersonKey| adults.contains(key);
        let mut net = Network::with_capacity(self.capacity());
        for agency in &self.agencies {
            net.add_agency(agency.clone())?;
        }
        for team in &self.teams {
            net.add_team(team.clone())?;
        }
        for professional in &self.professionals {
            net.add_professional(professional.clone())?;
        }
        for person in self.persons.iter().filter(|p| p.is_child()) {
            net.add_person(person.clone())?;
        }
        for household in &self.households {
            net.add_household(household.clone())?;
        }
        for m in self.memberships.iter().filter(|m| !adult(&m.person)) {
            net.add_household_member(&m.household, &m.person, m.period)?;
        }
        for r in &self.relationships {
            if !adult(&r.from) && !adult(&r.to) {
                net.add_relationship(r.clone())?;
            }
        }
        for episode in &self.episodes {
            net.add_episode(episode.clone())?;
        }
        for involvement in self.involvements.iter().filter(|i| !adult(&i.person)) {
            net.add_involvement(involvement.clone())?;
        }
        Ok(net)
    }
}

/// What [`write_council`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteSummary {
    /// Files written (the SSD tables, one feed per partner agency, the SSDA903 return, the
    /// CIN censuses).
    pub files: u64,
    /// Data rows written, over every file (header rows not counted).
    pub rows: u64,
    /// Bytes written, over every file.
    pub bytes: u64,
    /// What the SSD export wrote and what its layout could not carry.
    pub ssd: ExportSummary,
    /// What the SSDA903 return (`DIR/ssda903/`, for the collection year of the council's
    /// reference date) wrote, with what the DfE's validator would object to.
    pub ssda903: Option<crate::ssda903::ExportSummary>,
    /// What each CIN census (`DIR/cin/<end year>.xml`, for the collection year of the
    /// reference date and the next) wrote.
    pub cin: Vec<crate::cin::ExportSummary>,
}

/// [`write_council`] could not finish. Files already written may be incomplete.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The network refused a generated record (a bug in the generator).
    #[error("the generated records do not load: {0}")]
    Records(#[from] Error),
    /// The SSD tables could not be written (the error names the file).
    #[error(transparent)]
    Ssd(#[from] ssd::ExportError),
    /// The SSDA903 return could not be written (the error names the file).
    #[error(transparent)]
    Ssda903(#[from] crate::ssda903::ExportError),
    /// A CIN census could not be written (the error names the file).
    #[error(transparent)]
    Cin(#[from] crate::cin::CinError),
    /// A folder could not be created or a file written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The folder or file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

impl WriteError {
    fn io(path: &Path) -> impl FnOnce(io::Error) -> Self + '_ {
        move |source| Self::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// Writes the council's files under `dir` (created if missing; files of the same names
/// are replaced):
///
/// * `dir/ssd/<table>.csv`: the council's case-system records as an LCS Standard
///   Safeguarding Dataset extract, written by [`ssd::export_dir`] with
///   `ExportOptions::new(Flavour::Lcs)`: children (born and unborn) with their NHS
///   numbers and UPNs, family groups (children only), young mothers (`ssd_mother`), the
///   council's teams and professionals, episodes, and involvements;
/// * `dir/agency/<agency_id>.csv`: one partner-agency feed per partner agency (a header
///   alone when it has no involvement with a child), written by
///   [`write_feed_involvements`];
/// * `dir/ssda903/<file>.csv`: the SSDA903 children looked after return of the
///   collection year the council's reference date falls in, written by
///   [`crate::ssda903::write_dir`];
/// * `dir/cin/<end year>.xml`: the CIN census of that collection year and of the next,
///   written by [`crate::cin::write_census_dir`].
///
/// The files carry children only: adults (parents and carers) cannot travel in
/// `ssd_person`, so they, their relationships and their involvements stay in memory
/// (see [`SyntheticCouncil::extract_network`]). Nor do the formats carry household
/// names (none are generated), relationships other than mothers, looked-after legal
/// status and placement, council professionals' emails, phones and periods in post, or
/// partner professionals' staff ids and start dates: a council professional who has
/// left reads back as still in post (a partner professional's `professional_end_date`
/// travels). A council professional's team travels as their department's name when no
/// other team has that name. [`WriteSummary::ssd`] counts what the SSD layout lost.
///
/// The same council always gives the same bytes. Nothing is printed.
///
/// ```no_run
/// use patchwork_adapters::synthetic::{self, Tier};
///
/// let council = synthetic::generate(Tier::S, 2025);
/// let summary = synthetic::write_council(&council, std::path::Path::new("patchwork-sample"))?;
/// println!("{} files, {} rows, {} bytes", summary.files, summary.rows, summary.bytes);
/// # Ok::<(), synthetic::WriteError>(())
/// ```
pub fn write_council(council: &SyntheticCouncil, dir: &Path) -> Result<WriteSummary, WriteError> {
    let net = council.extract_network()?;
    let ssd_dir = dir.join("ssd");
    let exported = ssd::export_dir(&net, &ssd_dir, &ExportOptions::new(Flavour::Lcs))?;
    let mut summary = WriteSummary {
        rows: exported.rows.values().sum(),
        ssd: exported,
        ..WriteSummary::default()
    };
    for table in schema::ALL {
        let path = ssd_dir.join(table.file_name());
        summary.files += 1;
        summary.bytes += fs::metadata(&path).map_err(WriteError::io(&path))?.len();
    }

    // One pass over the involvements, shared out by the partner that records them.
    let partners: Vec<&Agency> = net
        .agencies()
        .filter(|a| a.key.system() != SYSTEM)
        .collect();
    let index: HashMap<&str, usize> = partners
        .iter()
        .enumerate()
        .map(|(i, a)| (a.key.system(), i))
        .collect();
    let mut feeds = vec![Vec::new(); partners.len()];
    for inv in net.involvements() {
        if let Some(&i) = index.get(inv.key().system()) {
            feeds[i].push(inv);
        }
    }
    let agency_dir = dir.join("agency");
    fs::create_dir_all(&agency_dir).map_err(WriteError::io(&agency_dir))?;
    for (agency, involvements) in partners.iter().zip(feeds) {
        let path = agency_dir.join(format!("{}.csv", agency.key.system()));
        let file = File::create(&path).map_err(WriteError::io(&path))?;
        let mut out = CountingWriter {
            inner: BufWriter::with_capacity(1 << 16, file),
            bytes: 0,
        };
        let rows = write_feed_involvements(&net, &agency.key, involvements, SYSTEM, &mut out)
            .map_err(|e| match e {
                FeedWriteError::Io(source) => WriteError::Io {
                    path: path.clone(),
                    source,
                },
                other => WriteError::Io {
                    path: path.clone(),
                    source: io::Error::other(other),
                },
            })?;
        out.flush().map_err(WriteError::io(&path))?;
        summary.files += 1;
        summary.rows += rows;
        summary.bytes += out.bytes;
    }

    // The statutory return of the year the reference date falls in.
    let year = crate::ssda903::CollectionYear::containing(council.today);
    let returned = crate::ssda903::write_dir(&net, dir, year)?;
    let return_dir = dir.join("ssda903");
    for entry in fs::read_dir(&return_dir).map_err(WriteError::io(&return_dir))? {
        let entry = entry.map_err(WriteError::io(&return_dir))?;
        summary.files += 1;
        summary.bytes += entry.metadata().map_err(WriteError::io(&return_dir))?.len();
    }
    summary.rows += returned.rows.values().sum::<u64>();
    summary.ssda903 = Some(returned);

    // The CIN census of that year and of the next (the two layouts in use).
    let census_year = crate::cin::CollectionYear::containing(council.today);
    let years = [
        census_year,
        crate::cin::CollectionYear::new(census_year.end_year() + 1),
    ];
    for (path, written) in crate::cin::write_census_dir(&net, dir, &years)? {
        summary.files += 1;
        summary.bytes += fs::metadata(&path).map_err(WriteError::io(&path))?.len();
        summary.cin.push(written);
    }
    Ok(summary)
}

/// A writer that counts the bytes it passes on.
struct CountingWriter<W: Write> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Generates the council at a benchmark tier.
pub fn generate(tier: Tier, seed: u64) -> SyntheticCouncil {
    generate_sizes(tier.sizes(), seed)
}

/// Generates a council of the given sizes (see [`Sizes`] for how exactly they are met).
pub fn generate_sizes(sizes: Sizes, seed: u64) -> SyntheticCouncil {
    let mut council = Generator::new(sizes, seed).run();
    // What the statutory returns carry beyond the case-system extract: the CIN census's
    // assessments, plans and reviews, and the SSDA903 return's looked-after facts.
    crate::cin::add_census_details(&mut council, seed);
    crate::ssda903::add_return_facts(&mut council);
    council
}

/// The reference date of every generated extract: the end of the 2024-25 census year.
fn reference_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 3, 31).expect("valid date")
}

// ----- vocabulary ---------------------------------------------------------------------

const GIVEN_F: &[&str] = &[
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Sophia", "Grace",
    "Freya", "Emily", "Ella", "Poppy", "Evie", "Chloe", "Sophie", "Jessica", "Hannah", "Lucy",
    "Sarah", "Emma", "Laura", "Rebecca", "Claire", "Nicola", "Joanne", "Kelly", "Amy", "Zara",
    "Aisha", "Maryam", "Priya", "Nadia", "Leah", "Ruby", "Daisy", "Megan", "Holly", "Jade",
];
const GIVEN_M: &[&str] = &[
    "Oliver", "George", "Noah", "Arthur", "Leo", "Oscar", "Harry", "Jack", "Charlie", "Jacob",
    "Freddie", "Alfie", "Thomas", "James", "William", "Joshua", "Daniel", "Ryan", "Liam",
    "Mohammed", "Adam", "Yusuf", "Ethan", "Lewis", "Callum", "Jamie", "Connor", "Mark", "Paul",
    "David", "Michael", "Craig", "Lee", "Darren", "Samuel", "Kyle", "Dylan", "Tyler", "Owen",
    "Luke",
];
const FAMILY: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Hughes", "Edwards", "Turner", "Hill", "Moore", "Cooper", "Ward",
    "Morris", "King", "Harris", "Baker", "Khan", "Ali", "Hussain", "Begum", "Lewis", "Lee",
    "Martin", "Allen", "Young", "Scott", "Mitchell", "Carter", "Phillips", "Bennett", "Shaw",
    "Price", "Murphy", "Bell",
];
/// Halves of invented place names: "Oak" + "field" = "Oakfield".
const PLACE_A: &[&str] = &[
    "Oak", "Elm", "Ash", "Beech", "Birch", "Willow", "Hazel", "Holly", "Rowan", "Cedar", "Maple",
    "Fern", "Heather", "Lark", "Wren", "Kings", "Queens", "Mill", "Church", "Brook",
];
const PLACE_B: &[&str] = &[
    "field", "wood", "bank", "dale", "hill", "mead", "ford", "side", "gate", "way",
];
const LOCALITIES: &[&str] = &[
    "North",
    "South",
    "East",
    "West",
    "Central",
    "Coast",
    "Vale",
    "Moor",
    "Forest",
    "Riverside",
    "Uplands",
    "Marsh",
];
/// Ethnicity codes with rough weights.
const ETHNICITY: &[(&str, u32)] = &[
    ("WBRI", 70),
    ("WOTH", 5),
    ("WIRI", 1),
    ("MWBC", 3),
    ("MWBA", 1),
    ("MWAS", 2),
    ("AIND", 2),
    ("APKN", 3),
    ("ABAN", 1),
    ("BAFR", 3),
    ("BCRB", 1),
    ("CHNE", 1),
    ("OOTH", 2),
    ("REFU", 1),
    ("NOBT", 4),
];
const REFERRAL_SOURCES: &[&str] = &[
    "1A", "1B", "1C", "2A", "2B", "3A", "3B", "3C", "3D", "3E", "4", "5A", "5B", "5C", "5D", "6",
    "7", "8", "9", "10",
];
const PRIMARY_NEEDS: &[&str] = &[
    "N1", "N1", "N1", "N1", "N2", "N3", "N4", "N4", "N5", "N6", "N7", "N8", "N9",
];
const CLOSURE_REASONS: &[&str] = &["RC1", "RC2", "RC3", "RC4", "RC5", "RC6", "RC7", "RC8"];
const LEGAL_STATUS: &[&str] = &["C2", "C2", "C2", "C1", "V2", "V2", "E1", "J2", "L1"];
const PLACEMENTS: &[&str] = &["U1", "U3", "U4", "U4", "U5", "U6", "K2", "R1", "P1", "H5"];
const EARLY_HELP_REASONS: &[&str] = &[
    "Parenting support",
    "School attendance",
    "Domestic abuse",
    "Parental mental health",
    "Child behaviour",
    "Housing and finances",
];
/// Section 47 outcomes as the SSD's `s47e_s47_nfa` flag gives them (see
/// [`crate::ssd`]): no further action, or `nfa=N` when the enquiry went further.
const S47_OUTCOMES: &[&str] = &["nfa", "nfa", "nfa=N"];
/// DfE reasons for a change of social worker with rough weights; leaving the role is
/// mostly produced by the worker actually leaving (see `Generator::sw_chain`).
const CHANGE_REASONS: &[(SwChangeReason, u32)] = &[
    (SwChangeReason::Manage, 220),
    (SwChangeReason::FirstContact, 30),
    (SwChangeReason::LeftRole, 80),
    (SwChangeReason::Restructure, 80),
    (SwChangeReason::StandardTransfer, 320),
    (SwChangeReason::Absence, 80),
    (SwChangeReason::ChildRequested, 20),
    (SwChangeReason::ParentRequested, 20),
    (SwChangeReason::WorkerDied, 1),
    (SwChangeReason::Other, 50),
];
const HISTORY_END_REASONS: &[&str] = &[
    "Case closed",
    "No longer involved",
    "Moved out of area",
    "Transferred",
    "Moved school",
];

/// The kinds of professional, each with its agency, role and share of the workforce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    SocialWorker,
    Iro,
    PersonalAdviser,
    FamilySupport,
    EarlyHelp,
    HealthVisitor,
    SchoolNurse,
    Gp,
    Midwife,
    LacNurse,
    Camhs,
    Teacher,
    Dsl,
    Police,
    Housing,
    YouthJustice,
    Probation,
    Voluntary,
}

const KINDS: [Kind; 18] = [
    Kind::SocialWorker,
    Kind::Iro,
    Kind::PersonalAdviser,
    Kind::FamilySupport,
    Kind::EarlyHelp,
    Kind::HealthVisitor,
    Kind::SchoolNurse,
    Kind::Gp,
    Kind::Midwife,
    Kind::LacNurse,
    Kind::Camhs,
    Kind::Teacher,
    Kind::Dsl,
    Kind::Police,
    Kind::Housing,
    Kind::YouthJustice,
    Kind::Probation,
    Kind::Voluntary,
];

impl Kind {
    /// Share of the workforce in thousandths (teachers take what is left; DSLs are one per school).
    fn per_mille(self) -> usize {
        match self {
            Self::SocialWorker => 150,
            Self::Iro => 15,
            Self::PersonalAdviser => 15,
            Self::FamilySupport => 30,
            Self::EarlyHelp => 60,
            Self::HealthVisitor => 70,
            Self::SchoolNurse => 30,
            Self::Gp => 100,
            Self::Midwife => 20,
            Self::LacNurse => 5,
            Self::Camhs => 20,
            Self::Police => 80,
            Self::Housing => 50,
            Self::YouthJustice => 30,
            Self::Probation => 20,
            Self::Voluntary => 60,
            Self::Teacher | Self::Dsl => 0,
        }
    }

    fn titles(self) -> &'static [&'static str] {
        match self {
            Self::SocialWorker => &[
                "Social Worker",
                "Social Worker",
                "Senior Social Worker",
                "Advanced Practitioner",
                "Social Worker (ASYE)",
                "Agency Social Worker",
            ],
            Self::Iro => &["Independent Reviewing Officer", "Child Protection Chair"],
            Self::PersonalAdviser => &["Personal Adviser"],
            Self::FamilySupport => &["Family Support Worker", "Contact Supervisor"],
            Self::EarlyHelp => &["Family Help Practitioner", "Early Help Key Worker"],
            Self::HealthVisitor => &["Health Visitor", "Specialist Community Public Health Nurse"],
            Self::SchoolNurse => &["School Nurse"],
            Self::Gp => &["General Practitioner", "GP Partner", "Salaried GP"],
            Self::Midwife => &["Community Midwife", "Safeguarding Midwife"],
            Self::LacNurse => &["Looked After Children Nurse"],
            Self::Camhs => &["CAMHS Practitioner", "Clinical Psychologist"],
            Self::Teacher => &["Class Teacher", "Head of Year", "SENCO", "Pastoral Lead"],
            Self::Dsl => &["Designated Safeguarding Lead"],
            Self::Police => &["Detective Constable", "Police Constable", "PCSO"],
            Self::Housing => &["Housing Officer", "Tenancy Sustainment Officer"],
            Self::YouthJustice => &["Youth Justice Officer"],
            Self::Probation => &["Probation Officer"],
            Self::Voluntary => &[
                "Family Support Volunteer Coordinator",
                "IDVA",
                "Young Carers Worker",
            ],
        }
    }

    fn role(self) -> (&'static str, RoleCategory, Sensitivity) {
        use RoleCategory as R;
        use Sensitivity::{SensitiveService, Standard};
        match self {
            Self::SocialWorker => ("CW", R::AllocatedSocialWorker, Standard),
            Self::Iro => ("IRO", R::IndependentReviewingOfficer, Standard),
            Self::PersonalAdviser => ("16PLUS", R::PersonalAdviser, Standard),
            Self::FamilySupport => ("FSW", R::FamilySupportWorker, Standard),
            Self::EarlyHelp => ("LP", R::LeadPractitioner, Standard),
            Self::HealthVisitor => ("HV", R::HealthVisitor, Standard),
            Self::SchoolNurse => ("SCHNURSE", R::SchoolNurse, Standard),
            Self::Gp => ("GP", R::Gp, Standard),
            Self::Midwife => ("MIDWIFE", R::Other, Standard),
            Self::LacNurse => ("LACNURSE", R::Other, Standard),
            Self::Camhs => ("CAMHS", R::Other, SensitiveService),
            Self::Teacher => ("TEACHER", R::Teacher, Standard),
            Self::Dsl => ("DSL", R::DesignatedSafeguardingLead, Standard),
            Self::Police => ("POLICE", R::Police, Standard),
            Self::Housing => ("HOUSING", R::HousingOfficer, Standard),
            Self::YouthJustice => ("YOT", R::YouthJusticeWorker, Standard),
            Self::Probation => ("PROBATION", R::Other, Standard),
            Self::Voluntary => ("VOLSECTOR", R::Other, Standard),
        }
    }

    /// Social workers and IROs are registered with Social Work England.
    fn registered(self) -> bool {
        matches!(self, Self::SocialWorker | Self::Iro)
    }
}

/// The professionals of one kind, and which of them are still in post on `today`.
#[derive(Debug, Default)]
struct Pool {
    all: Vec<u32>,
    current: Vec<u32>,
    leavers: Vec<u32>,
}

#[derive(Debug)]
struct School {
    secondary: bool,
    estab: u32,
    dsl: u32,
    teachers: Vec<u32>,
    next_pupil: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Universal,
    EarlyHelpOpen,
    EarlyHelpClosed,
    CinOpen,
    CinClosed,
    ChildProtection,
    LookedAfter,
}

impl Status {
    fn statutory_open(self) -> bool {
        matches!(
            self,
            Self::CinOpen | Self::ChildProtection | Self::LookedAfter
        )
    }
}

/// One allocation of a social worker in a family's sequence.
#[derive(Debug, Clone)]
struct Segment {
    worker: u32,
    start: NaiveDate,
    end: Option<NaiveDate>,
    reason: Option<EndReason>,
}

/// A child as the involvement generator needs it.
#[derive(Debug, Clone, Copy)]
struct ChildInfo {
    person: u32,
    birth: Option<NaiveDate>,
    unborn: bool,
    female: bool,
}

struct Generator {
    rng: SmallRng,
    sizes: Sizes,
    today: NaiveDate,
    source: Source,
    out: SyntheticCouncil,
    pools: Vec<Pool>,
    schools: Vec<School>,
    secondary_schools: Vec<usize>,
    gp_practices: Vec<Vec<u32>>,
    csc_agency: usize,
    sw_teams: Vec<usize>,
    /// Key namespace (system) and provenance of each agency: the council's case system
    /// for the council, the agency's own feed id for a partner.
    agency_source: Vec<Source>,
    /// Agency of each team.
    team_agency: Vec<usize>,
    /// Agency and team of each professional.
    worker_place: Vec<(usize, Option<usize>)>,
    /// Records numbered so far by each agency (partners number their own records).
    agency_records: Vec<u64>,
    /// Mother -> child relationships written to `ssd_mother`, numbered from 1.
    mothers: usize,
    /// Active period of each professional (start, end), kept apart for quick checks.
    active: Vec<(NaiveDate, Option<NaiveDate>)>,
    next_nhs: u64,
    history_children: Vec<ChildInfo>,
    history_adults: Vec<u32>,
    statutory_families: usize,
    cp_families: usize,
    families: usize,
}

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

impl Generator {
    fn new(sizes: Sizes, seed: u64) -> Self {
        let today = reference_date();
        Self {
            rng: SmallRng::seed_from_u64(seed),
            sizes,
            today,
            source: Source::system(SYSTEM),
            out: SyntheticCouncil {
                today,
                agencies: Vec::new(),
                teams: Vec::new(),
                professionals: Vec::with_capacity(sizes.professionals),
                persons: Vec::with_capacity(sizes.persons),
                households: Vec::new(),
                memberships: Vec::with_capacity(sizes.persons),
                relationships: Vec::with_capacity(sizes.persons * 3 / 2),
                episodes: Vec::new(),
                involvements: Vec::with_capacity(sizes.involvements),
                planted: PlantedGaps::default(),
            },
            pools: (0..KINDS.len()).map(|_| Pool::default()).collect(),
            schools: Vec::new(),
            secondary_schools: Vec::new(),
            gp_practices: Vec::new(),
            csc_agency: 0,
            sw_teams: Vec::new(),
            agency_source: Vec::new(),
            team_agency: Vec::new(),
            worker_place: Vec::with_capacity(sizes.professionals),
            agency_records: Vec::new(),
            mothers: 0,
            active: Vec::with_capacity(sizes.professionals),
            next_nhs: 0,
            history_children: Vec::new(),
            history_adults: Vec::new(),
            statutory_families: 0,
            cp_families: 0,
            families: 0,
        }
    }

    fn run(mut self) -> SyntheticCouncil {
        self.organisations();
        self.families_and_involvements();
        self.history();
        let planted = &mut self.out.planted;
        planted.no_allocated_social_worker.sort();
        planted.no_health_professional.sort();
        planted.professional_has_left.sort();
        planted.multiple_leads.sort();
        self.out
    }

    // ----- small helpers ---------------------------------------------------------------

    /// A day between `lo` and `hi` days before today.
    fn ago(&mut self, lo: i64, hi: i64) -> NaiveDate {
        self.today - days(self.rng.random_range(lo..hi))
    }

    fn pool(&self, kind: Kind) -> &Pool {
        &self.pools[kind as usize]
    }

    fn place(&mut self) -> String {
        let a = PLACE_A.choose(&mut self.rng).copied().unwrap_or("Oak");
        let b = PLACE_B.choose(&mut self.rng).copied().unwrap_or("field");
        format!("{a}{b}")
    }

    fn pick<'a>(&mut self, list: &'a [&'a str]) -> &'a str {
        list.choose(&mut self.rng).copied().unwrap_or_default()
    }

    fn weighted<T: Copy>(&mut self, list: &[(T, u32)]) -> T {
        let total: u32 = list.iter().map(|(_, w)| w).sum();
        let mut roll = self.rng.random_range(0..total);
        for &(item, w) in list {
            if roll < w {
                return item;
            }
            roll -= w;
        }
        list[list.len() - 1].0
    }

    /// The council's children's social care, keyed as the SSD importer keys it.
    fn council_agency(&mut self, name: String) -> usize {
        let idx = self.out.agencies.len();
        self.out.agencies.push(Agency {
            key: council_agency_key(SYSTEM),
            name,
            kind: AgencyKind::ChildrensSocialCare,
            ods_code: None,
            school_urn: None,
            source: self.source.clone(),
        });
        self.agency_source.push(self.source.clone());
        self.agency_records.push(0);
        idx
    }

    /// A partner agency whose feed id is `agency_id`: keyed `<agency_id>:agency`, as the
    /// partner-feed importer keys it, and the namespace of all its records.
    fn agency(
        &mut self,
        agency_id: &str,
        name: String,
        kind: AgencyKind,
        ods: Option<String>,
        urn: Option<String>,
    ) -> usize {
        let idx = self.out.agencies.len();
        let source = Source::system(agency_id);
        self.out.agencies.push(Agency {
            key: AgencyKey::new(agency_id, "agency"),
            name,
            kind,
            ods_code: ods,
            school_urn: urn,
            source: source.clone(),
        });
        self.agency_source.push(source);
        self.agency_records.push(0);
        idx
    }

    /// A team of `agency`, keyed in the agency's namespace. Only the council's teams have
    /// parents (the partner feed carries none).
    fn team(&mut self, name: String, agency: usize, parent: Option<usize>) -> usize {
        let idx = self.out.teams.len();
        let source = self.agency_source[agency].clone();
        debug_assert!(parent.is_none() || agency == self.csc_agency);
        self.out.teams.push(Team {
            key: TeamKey::new(source.system_name(), format!("T{idx}")),
            name,
            agency: Some(self.out.agencies[agency].key.clone()),
            parent: parent.map(|p| self.out.teams[p].key.clone()),
            source,
        });
        self.team_agency.push(agency);
        idx
    }

    fn is_active(&self, worker: u32, on: NaiveDate) -> bool {
        let (start, end) = self.active[worker as usize];
        start <= on && end.is_none_or(|e| on < e)
    }

    /// A professional of `kind` still in post on `today`.
    fn current(&mut self, kind: Kind) -> u32 {
        let pool = &self.pools[kind as usize];
        *pool
            .current
            .choose(&mut self.rng)
            .expect("every kind has someone in post")
    }

    /// A professional of `kind` (in post or since left) who was in post on `on`.
    fn in_post_on(&mut self, kind: Kind, on: NaiveDate) -> u32 {
        for _ in 0..24 {
            let pool = &self.pools[kind as usize];
            let w = *pool
                .all
                .choose(&mut self.rng)
                .expect("every kind has someone");
            if self.is_active(w, on) {
                return w;
            }
        }
        self.current(kind)
    }

    // ----- organisations and professionals ---------------------------------------------

    fn organisations(&mut self) {
        let persons = self.sizes.persons;
        let n_localities = (persons / 5_000).clamp(2, LOCALITIES.len());
        let n_schools = (persons / 300).clamp(2, 700);
        let n_practices = (persons / 2_500).clamp(2, 250);

        let csc = self.council_agency("Wexmoor County Council Children's Social Care".into());
        self.csc_agency = csc;
        let community = self.agency(
            "nhs-wexmoor-community",
            "Wexmoor Community Health NHS Trust".into(),
            AgencyKind::Health,
            Some("ZX1".into()),
            None,
        );
        let hospitals = self.agency(
            "nhs-wexmoor-hospitals",
            "Wexmoor Hospitals NHS Foundation Trust".into(),
            AgencyKind::Health,
            Some("ZX2".into()),
            None,
        );
        let police = self.agency(
            "police-wexmoor",
            "Wexmoor Constabulary".into(),
            AgencyKind::Police,
            None,
            None,
        );
        let housing = [
            self.agency(
                "housing-wexmoor",
                "Wexmoor County Council Housing Service".into(),
                AgencyKind::Housing,
                None,
                None,
            ),
            self.agency(
                "housing-moorland-homes",
                "Moorland Homes Housing Association".into(),
                AgencyKind::Housing,
                None,
                None,
            ),
        ];
        let yjs = self.agency(
            "yjs-wexmoor",
            "Wexmoor Youth Justice Service".into(),
            AgencyKind::YouthJustice,
            None,
            None,
        );
        let probation = self.agency(
            "probation-wexmoor",
            "Probation Service, Wexmoor Delivery Unit".into(),
            AgencyKind::Probation,
            None,
            None,
        );
        let voluntary = [
            self.agency(
                "vol-harbour-family-trust",
                "Harbour Family Trust".into(),
                AgencyKind::Voluntary,
                None,
                None,
            ),
            self.agency(
                "vol-lighthouse",
                "Lighthouse Domestic Abuse Service".into(),
                AgencyKind::Voluntary,
                None,
                None,
            ),
            self.agency(
                "vol-open-door",
                "Open Door Young Carers".into(),
                AgencyKind::Voluntary,
                None,
                None,
            ),
        ];

        // Teams. Children's social care: a service team with locality teams inside it.
        let service = self.team("Children's Social Care".into(), csc, None);
        // Family help (early help) is the council's own service, recorded in its case
        // system.
        let family_help = self.team("Family Help Service".into(), csc, None);
        let mut sw_teams = Vec::new();
        let mut eh_teams = Vec::new();
        let mut hv_teams = Vec::new();
        let mut police_teams = Vec::new();
        for loc in &LOCALITIES[..n_localities] {
            sw_teams.push(self.team(format!("{loc} Assessment Team"), csc, Some(service)));
            sw_teams.push(self.team(
                format!("{loc} Family Safeguarding Team"),
                csc,
                Some(service),
            ));
            eh_teams.push(self.team(format!("Family Help {loc}"), csc, Some(family_help)));
            hv_teams.push(self.team(format!("Health Visiting {loc}"), community, None));
            police_teams.push(self.team(format!("Neighbourhood Policing {loc}"), police, None));
        }
        sw_teams.push(self.team("Children in Care Team".into(), csc, Some(service)));
        self.sw_teams = sw_teams.clone();
        let iro_team = self.team("Independent Reviewing Service".into(), csc, Some(service));
        let leaving_care = self.team("Leaving Care Team".into(), csc, Some(service));
        let fsw_team = self.team("Family Support and Contact".into(), csc, Some(service));
        let school_nursing = self.team("School Nursing".into(), community, None);
        let lac_health = self.team("Looked After Children Health Team".into(), community, None);
        let camhs = self.team("CAMHS".into(), community, None);
        let midwifery = self.team("Community Midwifery".into(), hospitals, None);
        police_teams.push(self.team("Child Abuse Investigation Unit".into(), police, None));
        let housing_teams = [
            self.team("Housing Options".into(), housing[0], None),
            self.team("Tenancy Support".into(), housing[1], None),
        ];
        let yjs_team = self.team("Youth Justice Team".into(), yjs, None);

        // GP practices and schools are agencies without teams.
        let mut practices = Vec::new();
        for i in 0..n_practices {
            let place = self.place();
            let kind = self.pick(&[
                "Surgery",
                "Medical Practice",
                "Health Centre",
                "Medical Centre",
            ]);
            practices.push(self.agency(
                &format!("gp-z9{i:04}"),
                format!("{place} {kind}"),
                AgencyKind::Health,
                Some(format!("Z9{i:04}")),
                None,
            ));
        }
        let mut school_agencies = Vec::new();
        for i in 0..n_schools {
            // Roughly one secondary school for every five primaries.
            let secondary = i % 6 == 5;
            let place = self.place();
            let kind = if secondary {
                self.pick(&["Academy", "High School", "School", "Community College"])
            } else {
                self.pick(&[
                    "Primary School",
                    "Primary Academy",
                    "Church of England Primary School",
                    "Infant and Nursery School",
                ])
            };
            let agency = self.agency(
                &format!("school-{}", 990_000 + i),
                format!("{place} {kind}"),
                AgencyKind::Education,
                None,
                Some(format!("{}", 990_000 + i)),
            );
            let estab = if secondary {
                4000 + i as u32 % 1000
            } else {
                2000 + i as u32 % 2000
            };
            school_agencies.push((agency, secondary, estab));
        }

        // Head counts per kind; teachers take what is left over.
        let total = self.sizes.professionals;
        let mut counts: Vec<usize> = KINDS
            .iter()
            .map(|k| match k {
                Kind::Dsl => n_schools,
                Kind::Teacher => 0,
                k => (total * k.per_mille() / 1000).max(1),
            })
            .collect();
        let used: usize = counts.iter().sum();
        counts[Kind::Teacher as usize] = total.saturating_sub(used).max(1);

        for (kind, &count) in KINDS.iter().zip(&counts) {
            for i in 0..count {
                let (agency, team) = match kind {
                    Kind::SocialWorker => (csc, Some(sw_teams[i % sw_teams.len()])),
                    Kind::Iro => (csc, Some(iro_team)),
                    Kind::PersonalAdviser => (csc, Some(leaving_care)),
                    Kind::FamilySupport => (csc, Some(fsw_team)),
                    Kind::EarlyHelp => (csc, Some(eh_teams[i % eh_teams.len()])),
                    Kind::HealthVisitor => (community, Some(hv_teams[i % hv_teams.len()])),
                    Kind::SchoolNurse => (community, Some(school_nursing)),
                    Kind::Gp => (practices[i % practices.len()], None),
                    Kind::Midwife => (hospitals, Some(midwifery)),
                    Kind::LacNurse => (community, Some(lac_health)),
                    Kind::Camhs => (community, Some(camhs)),
                    Kind::Teacher => (school_agencies[i % n_schools].0, None),
                    Kind::Dsl => (school_agencies[i].0, None),
                    Kind::Police => (police, Some(police_teams[i % police_teams.len()])),
                    Kind::Housing => (housing[i % 2], Some(housing_teams[i % 2])),
                    Kind::YouthJustice => (yjs, Some(yjs_team)),
                    Kind::Probation => (probation, None),
                    Kind::Voluntary => (voluntary[i % voluntary.len()], None),
                };
                // About 8% have left; DSLs never have (each school keeps one), and the
                // first two of each kind stay so that every kind has someone in post.
                let leaver = *kind != Kind::Dsl && i >= 2 && self.rng.random_bool(0.08);
                let idx = self.professional(*kind, agency, team, leaver);
                let pool = &mut self.pools[*kind as usize];
                pool.all.push(idx);
                if leaver {
                    pool.leavers.push(idx);
                } else {
                    pool.current.push(idx);
                }
                if *kind == Kind::Gp {
                    let p = i % practices.len();
                    if self.gp_practices.len() <= p {
                        self.gp_practices.push(Vec::new());
                    }
                    if !leaver {
                        self.gp_practices[p].push(idx);
                    }
                }
            }
        }
        let dsls = self.pools[Kind::Dsl as usize].all.clone();
        for (i, &(_, secondary, estab)) in school_agencies.iter().enumerate() {
            if secondary {
                self.secondary_schools.push(i);
            }
            self.schools.push(School {
                secondary,
                estab,
                dsl: dsls[i],
                teachers: Vec::new(),
                next_pupil: 0,
            });
        }
        // Teacher i works at school i % n_schools (see the agency chosen above).
        let teachers = self.pools[Kind::Teacher as usize].all.clone();
        for (i, &t) in teachers.iter().enumerate() {
            if self.active[t as usize].1.is_none() {
                self.schools[i % n_schools].teachers.push(t);
            }
        }
    }

    fn professional(
        &mut self,
        kind: Kind,
        agency: usize,
        team: Option<usize>,
        leaver: bool,
    ) -> u32 {
        let idx = self.out.professionals.len() as u32;
        let female = self.rng.random_bool(0.7);
        let given = self.pick(if female { GIVEN_F } else { GIVEN_M });
        let family = self.pick(FAMILY);
        let title = self.pick(kind.titles());
        let start = self.today - days(self.rng.random_range(120..=4_000));
        let (start, end) = if leaver {
            let end = self.today - days(self.rng.random_range(1..=700));
            let start = if start + days(60) < end {
                start
            } else {
                end - days(400)
            };
            (start, Some(end))
        } else {
            (start, None)
        };
        self.active.push((start, end));
        self.worker_place.push((agency, team));
        let source = self.agency_source[agency].clone();
        let council = agency == self.csc_agency;
        // The council's staff are known by their case-system ids; partners use their own.
        let id = if council {
            format!("W{idx}")
        } else {
            let prefix = match self.out.agencies[agency].kind {
                AgencyKind::Health => "N",
                AgencyKind::Education => "S",
                AgencyKind::Police => "P",
                AgencyKind::Housing => "H",
                AgencyKind::YouthJustice => "Y",
                AgencyKind::Probation => "R",
                AgencyKind::Voluntary => "V",
                _ => "X",
            };
            format!("{prefix}{idx:06}")
        };
        let domain = match self.out.agencies[agency].kind {
            AgencyKind::ChildrensSocialCare | AgencyKind::Housing => "wexmoor.example",
            AgencyKind::Health => "nhs.example",
            AgencyKind::Police => "police.example",
            _ => "partners.example",
        };
        self.out.professionals.push(Professional {
            key: ProfessionalKey::new(source.system_name(), id),
            name: Some(format!("{given} {family}")),
            job_title: Some(title.to_owned()),
            // Staff numbers and registrations are what the council's case system holds.
            staff_id: council.then(|| format!("E{:06}", 100_000 + idx)),
            registration_number: (council && kind.registered())
                .then(|| format!("SW{:06}", 10_000 + (idx * 7_919) % 990_000)),
            agency: Some(self.out.agencies[agency].key.clone()),
            team: team.map(|t| self.out.teams[t].key.clone()),
            email: Some(format!(
                "{}.{}{idx}@{domain}",
                given.to_lowercase(),
                family.to_lowercase()
            )),
            phone: Some(format!("01632 960{:03}", idx % 1000)),
            active: Period {
                start: Some(start),
                end,
            },
            source,
        });
        idx
    }

    // ----- persons ---------------------------------------------------------------------

    /// A valid NHS number from the `999` test range, unique within the council, or `None`
    /// once the range is used up.
    fn nhs_number(&mut self) -> Option<NhsNumber> {
        // Visit the million nine-digit stems 999000000..999999999 in a scrambled order
        // (7_777_777 is coprime with 10^6) and keep those whose check digit is not 10.
        while self.next_nhs < 1_000_000 {
            let stem = 999_000_000 + (self.next_nhs * 7_777_777 + 12_345) % 1_000_000;
            self.next_nhs += 1;
            let digits: Vec<u32> = stem
                .to_string()
                .bytes()
                .map(|b| u32::from(b - b'0'))
                .collect();
            let sum: u32 = digits.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
            let check = match 11 - sum % 11 {
                11 => 0,
                10 => continue,
                n => n,
            };
            if let Ok(n) = NhsNumber::parse(&format!("{stem}{check}")) {
                return Some(n);
            }
        }
        None
    }

    /// A UPN issued by `school`: LA code 999, the school's establishment number, then a
    /// five-digit pupil serial; temporary UPNs end in a letter.
    fn upn(&mut self, school: usize, temporary: bool) -> Option<Upn> {
        const ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";
        let s = &mut self.schools[school];
        let serial = s.next_pupil;
        s.next_pupil += 1;
        let mut body = format!("999{:04}{:05}", s.estab % 10_000, serial % 100_000);
        if temporary {
            body.pop();
            body.push(char::from(ALPHABET[(serial % 23) as usize]));
        }
        let sum: usize = body
            .bytes()
            .enumerate()
            .map(|(i, b)| {
                let v = if b.is_ascii_digit() {
                    usize::from(b - b'0')
                } else {
                    ALPHABET.iter().position(|&a| a == b).unwrap_or(0)
                };
                v * (i + 2)
            })
            .sum();
        let text = format!("{}{body}", char::from(ALPHABET[sum % 23]));
        Upn::parse(&text).ok()
    }

    fn person_key(&self, idx: usize) -> PersonKey {
        PersonKey::new(SYSTEM, format!("{}", 1_000_000 + idx))
    }

    #[allow(clippy::too_many_arguments)]
    fn add_person(
        &mut self,
        kind: PersonKind,
        given: Option<&str>,
        family: &str,
        birth: Option<NaiveDate>,
        expected: Option<NaiveDate>,
        sex: Sex,
        nhs: Option<NhsNumber>,
        upn: Option<Upn>,
    ) -> u32 {
        let idx = self.out.persons.len();
        let ethnicity = self.weighted(ETHNICITY);
        let mut p = Person::new(self.person_key(idx), kind, self.source.clone());
        p.given_name = given.map(str::to_owned);
        p.family_name = Some(family.to_owned());
        p.birth_date = birth;
        p.expected_birth_date = expected;
        p.sex = Some(sex);
        p.ethnicity = (kind != PersonKind::UnbornChild).then(|| ethnicity.to_owned());
        p.nhs_number = nhs;
        p.upn = upn;
        self.out.persons.push(p);
        idx as u32
    }

    fn relationship(
        &mut self,
        from: u32,
        to: u32,
        kind: RelationshipKind,
        pr: bool,
        period: Period,
    ) {
        let idx = self.out.relationships.len();
        self.out.relationships.push(Relationship {
            key: RelationshipKey::new(SYSTEM, format!("R{idx}")),
            from: self.out.persons[from as usize].key.clone(),
            to: self.out.persons[to as usize].key.clone(),
            kind,
            parental_responsibility: pr,
            period,
            source: self.source.clone(),
        });
    }

    /// A mother -> child link as `ssd_mother` holds it (a mother who is herself a child).
    fn mother(&mut self, mother: u32, child: u32) {
        self.mothers += 1;
        self.out.relationships.push(Relationship {
            key: RelationshipKey::new(SYSTEM, format!("{}/{}", schema::MOTHER.name, self.mothers)),
            from: self.out.persons[mother as usize].key.clone(),
            to: self.out.persons[child as usize].key.clone(),
            kind: RelationshipKind::Parent,
            parental_responsibility: true,
            period: Period::always(),
            source: self.source.clone(),
        });
    }

    /// Adds an episode keyed `<table>/<n>` as the SSD importer keys it, and returns its
    /// index.
    fn episode(
        &mut self,
        person: u32,
        start: NaiveDate,
        end: Option<NaiveDate>,
        detail: EpisodeDetail,
    ) -> usize {
        let idx = self.out.episodes.len();
        let table = match detail.kind() {
            EpisodeKind::EarlyHelp => schema::EARLY_HELP_EPISODES,
            EpisodeKind::ChildInNeed => schema::CIN_EPISODES,
            EpisodeKind::Section47 => schema::S47_ENQUIRY,
            EpisodeKind::ChildProtectionPlan => schema::CP_PLANS,
            EpisodeKind::LookedAfter => schema::CLA_EPISODES,
        };
        self.out.episodes.push(Episode {
            key: EpisodeKey::new(SYSTEM, format!("{}/{}", table.name, 500_000 + idx)),
            person: self.out.persons[person as usize].key.clone(),
            period: Period {
                start: Some(start),
                end,
            },
            detail,
            source: self.source.clone(),
        });
        idx
    }

    /// Adds an involvement and returns its index.
    #[allow(clippy::too_many_arguments)]
    fn involve(
        &mut self,
        person: u32,
        worker: u32,
        kind: Kind,
        start: NaiveDate,
        end: Option<NaiveDate>,
        reason: Option<EndReason>,
    ) -> usize {
        let (code, category, sensitivity) = kind.role();
        // Nobody is involved before they are in post.
        let start = start.max(self.active[worker as usize].0);
        let start = start.min(end.unwrap_or(self.today));
        self.push_involvement(
            person,
            Some(worker),
            None,
            Role::new(code, category),
            Period {
                start: Some(start),
                end,
            },
            reason,
            sensitivity,
        )
    }

    /// Adds an involvement keyed in the namespace of the agency that records it (the
    /// council's case system, or the partner's feed id), held in the worker's team when
    /// no team is given (the SSD and the partner feed both record the team on the row),
    /// and returns its index.
    #[allow(clippy::too_many_arguments)]
    fn push_involvement(
        &mut self,
        person: u32,
        worker: Option<u32>,
        team: Option<usize>,
        role: Role,
        period: Period,
        end_reason: Option<EndReason>,
        sensitivity: Sensitivity,
    ) -> usize {
        let idx = self.out.involvements.len();
        let team = team.or_else(|| worker.and_then(|w| self.worker_place[w as usize].1));
        let agency = match (worker, team) {
            (_, Some(t)) => self.team_agency[t],
            (Some(w), None) => self.worker_place[w as usize].0,
            (None, None) => self.csc_agency,
        };
        let source = self.agency_source[agency].clone();
        let id = if agency == self.csc_agency {
            format!("I{idx}")
        } else {
            self.agency_records[agency] += 1;
            format!("R{:07}", self.agency_records[agency])
        };
        self.out.involvements.push(Involvement {
            key: InvolvementKey::new(source.system_name(), id),
            person: self.out.persons[person as usize].key.clone(),
            professional: worker.map(|w| self.out.professionals[w as usize].key.clone()),
            team: team.map(|t| self.out.teams[t].key.clone()),
            role,
            period,
            end_reason,
            sensitivity,
            source,
        });
        idx
    }

    // ----- families --------------------------------------------------------------------

    fn families_and_involvements(&mut self) {
        while self.out.persons.len() < self.sizes.persons {
            self.family();
        }
    }

    fn family(&mut self) {
        let remaining = self.sizes.persons - self.out.persons.len();
        let mut adults = *[1usize, 1, 1, 1, 2, 2, 2, 2, 2, 3]
            .choose(&mut self.rng)
            .unwrap_or(&1);
        let mut children = *[1usize, 1, 1, 1, 2, 2, 2, 3, 3, 4]
            .choose(&mut self.rng)
            .unwrap_or(&1);
        if adults + children > remaining {
            children = children.min(remaining).max(1);
            adults = (remaining - children).min(adults);
        }
        let f = self.families;
        self.families += 1;
        let status = match self.rng.random_range(0..100) {
            0..36 => Status::Universal,
            36..52 => Status::EarlyHelpOpen,
            52..62 => Status::EarlyHelpClosed,
            62..78 => Status::CinOpen,
            78..86 => Status::CinClosed,
            86..94 => Status::ChildProtection,
            _ => Status::LookedAfter,
        };
        let family_name = self.pick(FAMILY).to_owned();
        let today = self.today;
        let year = 365;

        // Children first (their ages set the adults'), oldest first.
        let mut kids: Vec<ChildInfo> = Vec::with_capacity(children + 1);
        let mut ages: Vec<i64> = (0..children)
            .map(|_| self.rng.random_range(0..18))
            .collect();
        ages.sort_unstable_by(|a, b| b.cmp(a));
        let unborn_too = matches!(status, Status::CinOpen | Status::ChildProtection)
            && self.rng.random_bool(0.06);
        let household_idx = self.out.households.len();
        let household = HouseholdKey::new(SYSTEM, format!("F{household_idx}"));
        // `ssd_family` records no name for a family group.
        self.out.households.push(Household {
            key: household.clone(),
            name: None,
            source: self.source.clone(),
        });
        for (n, &age) in ages.iter().enumerate() {
            let unborn = unborn_too && n + 1 == ages.len() && children > 1;
            let female = self.rng.random_bool(0.49);
            let (kind, birth, expected, sex, given) = if unborn {
                let due = today + days(self.rng.random_range(20..150));
                (PersonKind::UnbornChild, None, Some(due), Sex::Unknown, None)
            } else {
                let birth = today - days(age * year + self.rng.random_range(0..year));
                let sex = if female { Sex::Female } else { Sex::Male };
                let given = self.pick(if female { GIVEN_F } else { GIVEN_M });
                (PersonKind::Child, Some(birth), None, sex, Some(given))
            };
            let nhs = if !unborn && self.rng.random_bool(0.92) {
                self.nhs_number()
            } else {
                None
            };
            let upn =
                if !unborn && age >= 4 && !self.schools.is_empty() && self.rng.random_bool(0.9) {
                    let school = self.school_for(f, age);
                    let temporary = self.rng.random_bool(0.01);
                    self.upn(school, temporary)
                } else {
                    None
                };
            let given = given.map(str::to_owned);
            let p = self.add_person(
                kind,
                given.as_deref(),
                &family_name,
                birth,
                expected,
                sex,
                nhs,
                upn,
            );
            kids.push(ChildInfo {
                person: p,
                birth,
                unborn,
                female: !unborn && female,
            });
        }
        let oldest = ages.first().copied().unwrap_or(0);
        let mut grown: Vec<u32> = Vec::with_capacity(adults);
        for n in 0..adults {
            let female = if n == 0 {
                self.rng.random_bool(0.8)
            } else {
                self.rng.random_bool(0.35)
            };
            let age = if n == 2 {
                oldest + 40 + self.rng.random_range(0..15)
            } else {
                (oldest + 17 + self.rng.random_range(0..18)).max(18)
            };
            let birth = today - days(age * year + self.rng.random_range(0..year));
            let given = self.pick(if female { GIVEN_F } else { GIVEN_M }).to_owned();
            let nhs = if self.rng.random_bool(0.7) {
                self.nhs_number()
            } else {
                None
            };
            let sex = if female { Sex::Female } else { Sex::Male };
            let p = self.add_person(
                PersonKind::Adult,
                Some(&given),
                &family_name,
                Some(birth),
                None,
                sex,
                nhs,
                None,
            );
            grown.push(p);
        }

        // Now and then the oldest girl, herself a child, is the baby's mother.
        let young_mother = match (kids.first(), kids.last(), ages.first(), ages.last()) {
            (Some(m), Some(b), Some(&age_m), Some(&age_b))
                if kids.len() >= 2
                    && m.female
                    && age_m >= 15
                    && age_b == 0
                    && !b.unborn
                    && self.rng.random_bool(0.6) =>
            {
                Some((m.person, b.person))
            }
            _ => None,
        };

        // Household and relationships.
        for &p in kids.iter().map(|k| &k.person).chain(&grown) {
            let person = self.out.persons[p as usize].key.clone();
            self.out.memberships.push(Membership {
                household: household.clone(),
                person,
                period: Period::always(),
            });
        }
        for (n, &a) in grown.iter().enumerate() {
            for k in &kids {
                let (kind, pr) = match n {
                    _ if young_mother.is_some_and(|(_, baby)| baby == k.person) => {
                        (RelationshipKind::Grandparent, false)
                    }
                    0 => (RelationshipKind::Parent, true),
                    1 if self.rng.random_bool(0.7) => (RelationshipKind::Parent, true),
                    1 => (RelationshipKind::StepParent, false),
                    _ => (RelationshipKind::Grandparent, false),
                };
                let period = k.birth.map_or_else(Period::always, Period::from);
                self.relationship(a, k.person, kind, pr, period);
            }
        }
        if grown.len() >= 2 {
            self.relationship(
                grown[0],
                grown[1],
                RelationshipKind::Partner,
                false,
                Period::always(),
            );
        }
        if let Some((mother, baby)) = young_mother {
            self.mother(mother, baby);
        }
        for i in 0..kids.len() {
            for j in i + 1..kids.len() {
                if young_mother == Some((kids[i].person, kids[j].person)) {
                    continue;
                }
                let kind = if self.rng.random_bool(0.75) {
                    RelationshipKind::Sibling
                } else {
                    RelationshipKind::HalfSibling
                };
                let period = kids[j].birth.map_or_else(Period::always, Period::from);
                self.relationship(kids[i].person, kids[j].person, kind, false, period);
            }
        }

        self.family_involvements(f, status, &kids, &grown, &ages);
        self.history_children
            .extend(kids.iter().filter(|k| !k.unborn).copied());
        self.history_adults.extend(&grown);
    }

    /// The school a child of family `f` aged `age` goes to: siblings share one.
    fn school_for(&self, family: usize, age: i64) -> usize {
        let n = self.schools.len();
        let secondary = &self.secondary_schools;
        if age >= 11 && !secondary.is_empty() {
            return secondary[family % secondary.len()];
        }
        let s = (family * 31 + 7) % n;
        if self.schools[s].secondary {
            (s + 1) % n
        } else {
            s
        }
    }

    /// The sequence of allocated social workers from `from` until `until` (closure) or,
    /// when open, until today.
    fn sw_chain(&mut self, from: NaiveDate, until: Option<NaiveDate>) -> Vec<Segment> {
        let stop = until.unwrap_or(self.today);
        let mut chain = Vec::new();
        let mut t = from;
        loop {
            let worker = self.in_post_on(Kind::SocialWorker, t);
            let planned = t + days(self.rng.random_range(45..=420));
            let leaves = self.active[worker as usize].1;
            if let Some(left) = leaves.filter(|&l| l < planned && l < stop) {
                // The worker leaves; the case passes to someone else.
                chain.push(Segment {
                    worker,
                    start: t,
                    end: Some(left),
                    reason: Some(EndReason::Dfe(SwChangeReason::LeftRole)),
                });
                t = left;
                continue;
            }
            if planned >= stop {
                chain.push(Segment {
                    worker,
                    start: t,
                    end: until,
                    reason: until.map(|_| EndReason::Source("Case closed".into())),
                });
                return chain;
            }
            let reason = self.weighted(CHANGE_REASONS);
            chain.push(Segment {
                worker,
                start: t,
                end: Some(planned),
                reason: Some(EndReason::Dfe(reason)),
            });
            t = planned;
        }
    }

    fn family_involvements(
        &mut self,
        f: usize,
        status: Status,
        kids: &[ChildInfo],
        adults: &[u32],
        ages: &[i64],
    ) {
        let today = self.today;
        let mut planted_unallocated = false;
        let mut planted_double = false;
        let mut planted_no_health = false;
        if matches!(status, Status::ChildProtection | Status::LookedAfter) {
            self.statutory_families += 1;
            planted_unallocated = self.statutory_families % 25 == 3;
            planted_double = self.statutory_families % 30 == 14;
        }
        if status == Status::ChildProtection {
            self.cp_families += 1;
            planted_no_health = self.cp_families % 12 == 5;
        }

        // Family-level dates and the shared social worker sequence.
        let (case_start, case_end) = match status {
            Status::CinOpen => (today - days(self.rng.random_range(20..720)), None),
            Status::ChildProtection => (today - days(self.rng.random_range(40..700)), None),
            Status::LookedAfter => (today - days(self.rng.random_range(90..1_500)), None),
            Status::CinClosed | Status::EarlyHelpClosed => {
                let end = today - days(self.rng.random_range(30..900));
                (end - days(self.rng.random_range(40..400)), Some(end))
            }
            Status::EarlyHelpOpen => (today - days(self.rng.random_range(10..400)), None),
            Status::Universal => (today, None),
        };
        let mut chain = if status.statutory_open() || status == Status::CinClosed {
            self.sw_chain(case_start, case_end)
        } else {
            Vec::new()
        };
        let mut held_in_team = None;
        if planted_unallocated {
            // The last worker left and nobody took over: the case waits in a team.
            let last = chain.last_mut().expect("chains are never empty");
            let gap_from = today - days(self.rng.random_range(5..60));
            if last.start < gap_from {
                last.end = Some(gap_from);
                last.reason = Some(EndReason::Dfe(SwChangeReason::LeftRole));
            } else {
                last.end = Some(last.start);
                last.reason = Some(EndReason::Dfe(SwChangeReason::Manage));
            }
            held_in_team = Some((
                self.sw_teams[f % self.sw_teams.len()],
                last.end.unwrap_or(today),
            ));
        }
        if planted_double {
            // A second worker was allocated and the first allocation never closed.
            let first = chain.last().map(|s| s.worker);
            let mut other = self.current(Kind::SocialWorker);
            for _ in 0..8 {
                if Some(other) != first {
                    break;
                }
                other = self.current(Kind::SocialWorker);
            }
            let start = today - days(self.rng.random_range(3..30));
            chain.push(Segment {
                worker: other,
                start,
                end: None,
                reason: None,
            });
        }
        let eh_worker = match status {
            Status::EarlyHelpOpen => Some(self.current(Kind::EarlyHelp)),
            Status::EarlyHelpClosed => Some(self.in_post_on(Kind::EarlyHelp, case_start)),
            _ => None,
        };
        let iro = self.current(Kind::Iro);
        let practice = f % self.gp_practices.len().max(1);
        let s47_start = case_start + days(self.rng.random_range(0..20));
        let cp_start = s47_start + days(self.rng.random_range(10..16));
        let first_born = kids.iter().position(|k| !k.unborn);

        for (n, child) in kids.iter().enumerate() {
            let c = child.person;
            let age = ages[n];
            let born = child.birth.unwrap_or(today);
            let no_health = planted_no_health && Some(n) == first_born;
            let looked_after = status == Status::LookedAfter
                && (n == 0 || self.rng.random_bool(0.7))
                && !child.unborn;
            let on_plan = status == Status::ChildProtection;

            // Episodes.
            match status {
                Status::EarlyHelpOpen | Status::EarlyHelpClosed => {
                    let reason = Some(self.pick(EARLY_HELP_REASONS).to_owned());
                    // The episode's worker leads it; the SSD records the worker on the
                    // episode's row, and the importer keys the involvement as the episode.
                    let worker = eh_worker.expect("early help has a worker");
                    let start = case_start
                        .max(self.active[worker as usize].0)
                        .min(case_end.unwrap_or(today));
                    let e = self.episode(c, start, case_end, EpisodeDetail::EarlyHelp { reason });
                    let end_reason =
                        case_end.map(|_| EndReason::Source("Early help closed".into()));
                    let idx = self.push_involvement(
                        c,
                        Some(worker),
                        None,
                        Role::new("EARLY_HELP", RoleCategory::LeadPractitioner),
                        self.out.episodes[e].period,
                        end_reason,
                        Sensitivity::Standard,
                    );
                    let inv = &mut self.out.involvements[idx];
                    inv.key = InvolvementKey(self.out.episodes[e].key.0.clone());
                    inv.team = None;
                }
                Status::CinOpen
                | Status::CinClosed
                | Status::ChildProtection
                | Status::LookedAfter => {
                    let detail = EpisodeDetail::ChildInNeed {
                        referral_source: Some(self.pick(REFERRAL_SOURCES).to_owned()),
                        primary_need: Some(self.pick(PRIMARY_NEEDS).to_owned()),
                        closure_reason: case_end.map(|_| self.pick(CLOSURE_REASONS).to_owned()),
                        census: Default::default(),
                    };
                    self.episode(c, case_start, case_end, detail);
                    if on_plan || (status == Status::CinOpen && self.rng.random_bool(0.3)) {
                        let outcome = if on_plan {
                            "nfa=N"
                        } else {
                            self.pick(S47_OUTCOMES)
                        };
                        self.episode(
                            c,
                            s47_start,
                            Some(cp_start),
                            EpisodeDetail::Section47 {
                                outcome: Some(outcome.to_owned()),
                                census: Default::default(),
                            },
                        );
                    }
                    if on_plan {
                        let category = *[
                            CategoryOfAbuse::Neglect,
                            CategoryOfAbuse::Neglect,
                            CategoryOfAbuse::Emotional,
                            CategoryOfAbuse::Emotional,
                            CategoryOfAbuse::Physical,
                            CategoryOfAbuse::Sexual,
                            CategoryOfAbuse::Multiple,
                        ]
                        .choose(&mut self.rng)
                        .unwrap_or(&CategoryOfAbuse::Neglect);
                        self.episode(
                            c,
                            cp_start,
                            None,
                            EpisodeDetail::ChildProtectionPlan {
                                category_of_abuse: Some(category),
                                census: Default::default(),
                            },
                        );
                    }
                    if looked_after {
                        let la_start = case_start + days(self.rng.random_range(0..60));
                        let detail = EpisodeDetail::LookedAfter {
                            legal_status: Some(self.pick(LEGAL_STATUS).to_owned()),
                            placement: Some(self.pick(PLACEMENTS).to_owned()),
                            care: None,
                        };
                        self.episode(c, la_start, None, detail);
                        self.involve(c, iro, Kind::Iro, la_start, None, None);
                        if !no_health {
                            let nurse = self.current(Kind::LacNurse);
                            self.involve(c, nurse, Kind::LacNurse, la_start, None, None);
                        }
                        if age >= 16 {
                            let pa = self.current(Kind::PersonalAdviser);
                            self.involve(
                                c,
                                pa,
                                Kind::PersonalAdviser,
                                la_start.max(born + days(16 * 365)),
                                None,
                                None,
                            );
                        }
                    }
                }
                Status::Universal => {}
            }

            // Social workers, shared by the siblings.
            let chain_len = chain.len();
            for (i, seg) in chain.iter().enumerate() {
                let start = seg.start;
                let idx = self.involve(
                    c,
                    seg.worker,
                    Kind::SocialWorker,
                    start,
                    seg.end,
                    seg.reason.clone(),
                );
                if planted_double && i + 2 == chain_len {
                    // This one was never closed: open it again.
                    let inv = &mut self.out.involvements[idx];
                    inv.period.end = None;
                    inv.end_reason = None;
                }
            }
            if planted_double && chain_len >= 2 {
                self.out
                    .planted
                    .multiple_leads
                    .push(self.out.persons[c as usize].key.clone());
            }
            if let Some((team, from)) = held_in_team.filter(|_| on_plan || looked_after) {
                self.push_involvement(
                    c,
                    None,
                    Some(team),
                    Role::new("UNALLOC", RoleCategory::Other),
                    Period::from(from),
                    None,
                    Sensitivity::Standard,
                );
                self.out
                    .planted
                    .no_allocated_social_worker
                    .push(self.out.persons[c as usize].key.clone());
            }
            if on_plan && self.rng.random_bool(0.5) {
                self.involve(c, iro, Kind::Iro, cp_start, None, None);
            }

            // Universal services.
            if child.unborn {
                let midwife = self.current(Kind::Midwife);
                let since = self.ago(30, 200);
                self.involve(c, midwife, Kind::Midwife, since, None, None);
                continue;
            }
            if no_health {
                self.out
                    .planted
                    .no_health_professional
                    .push(self.out.persons[c as usize].key.clone());
            } else {
                if on_plan || self.rng.random_bool(0.85) {
                    let gp = self.gp_practices[practice]
                        .choose(&mut self.rng)
                        .copied()
                        .unwrap_or_else(|| self.pools[Kind::Gp as usize].current[0]);
                    self.involve(c, gp, Kind::Gp, born, None, None);
                }
                if age < 5 && (on_plan || self.rng.random_bool(0.8)) {
                    let hv = self.current(Kind::HealthVisitor);
                    self.involve(c, hv, Kind::HealthVisitor, born + days(10), None, None);
                } else if (5..17).contains(&age) && (on_plan || self.rng.random_bool(0.15)) {
                    let sn = self.current(Kind::SchoolNurse);
                    let since = self.ago(30, 700);
                    self.involve(c, sn, Kind::SchoolNurse, since, None, None);
                }
                if age >= 8 && self.rng.random_bool(0.04) {
                    let camhs = self.current(Kind::Camhs);
                    let since = self.ago(30, 500);
                    self.involve(c, camhs, Kind::Camhs, since, None, None);
                }
            }
            if age >= 4 && !self.schools.is_empty() {
                let school = self.school_for(f, age);
                let since = today - days(self.rng.random_range(30..(age - 3) * 365));
                if status != Status::Universal {
                    let dsl = self.schools[school].dsl;
                    self.involve(c, dsl, Kind::Dsl, since, None, None);
                }
                if self.rng.random_bool(0.3)
                    && let Some(&t) = self.schools[school].teachers.choose(&mut self.rng)
                {
                    let since = self.ago(10, 300);
                    self.involve(c, t, Kind::Teacher, since, None, None);
                }
            }
            if age >= 10 && self.rng.random_bool(0.03) {
                let yot = self.current(Kind::YouthJustice);
                let since = self.ago(10, 400);
                self.involve(c, yot, Kind::YouthJustice, since, None, None);
            }
            if on_plan && self.rng.random_bool(0.3) {
                let officer = self.current(Kind::Police);
                self.involve(c, officer, Kind::Police, s47_start, None, None);
            }
            if matches!(status, Status::CinOpen | Status::ChildProtection)
                && self.rng.random_bool(0.2)
            {
                let fsw = self.current(Kind::FamilySupport);
                self.involve(
                    c,
                    fsw,
                    Kind::FamilySupport,
                    case_start + days(14),
                    None,
                    None,
                );
            }
        }

        // The adults.
        for (n, &a) in adults.iter().enumerate() {
            let busy = status != Status::Universal;
            if busy && self.rng.random_bool(0.2) {
                let w = self.current(Kind::Housing);
                let since = self.ago(10, 600);
                self.involve(a, w, Kind::Housing, since, None, None);
            }
            if (status == Status::ChildProtection && self.rng.random_bool(0.3))
                || self.rng.random_bool(0.03)
            {
                let w = self.current(Kind::Police);
                let since = self.ago(10, 400);
                self.involve(a, w, Kind::Police, since, None, None);
            }
            if n < 2 && self.rng.random_bool(if busy { 0.06 } else { 0.01 }) {
                let w = self.current(Kind::Probation);
                let since = self.ago(30, 700);
                self.involve(a, w, Kind::Probation, since, None, None);
            }
            if n == 0 && status == Status::ChildProtection && self.rng.random_bool(0.2) {
                // Domestic abuse support is a sensitive service.
                let w = self.current(Kind::Voluntary);
                let since = self.ago(10, 300);
                let idx = self.involve(a, w, Kind::Voluntary, since, None, None);
                self.out.involvements[idx].sensitivity = Sensitivity::SensitiveService;
            }
        }

        // An open involvement with someone who has left (the record was never closed).
        if status != Status::Universal && f % 41 == 17 {
            let kind = [
                Kind::Police,
                Kind::Housing,
                Kind::YouthJustice,
                Kind::Voluntary,
                Kind::Teacher,
            ]
            .into_iter()
            .find(|k| !self.pool(*k).leavers.is_empty());
            if let (Some(kind), Some(child)) = (kind, first_born) {
                let w = *self.pools[kind as usize]
                    .leavers
                    .choose(&mut self.rng)
                    .expect("not empty");
                let left = self.active[w as usize].1.unwrap_or(today);
                let start = left - days(self.rng.random_range(20..300));
                let idx = self.involve(kids[child].person, w, kind, start, None, None);
                let key = self.out.involvements[idx].key.clone();
                self.out.planted.professional_has_left.push(key);
            }
        }
    }

    // ----- history -----------------------------------------------------------------------

    /// Ended involvements from the past, spread over children (mostly) and adults, until
    /// the requested total is reached. None is active on `today`, so they change no gap.
    fn history(&mut self) {
        let today = self.today;
        let child_kinds = [
            Kind::Gp,
            Kind::Gp,
            Kind::HealthVisitor,
            Kind::HealthVisitor,
            Kind::Teacher,
            Kind::Teacher,
            Kind::Dsl,
            Kind::SchoolNurse,
            Kind::EarlyHelp,
            Kind::FamilySupport,
            Kind::Police,
            Kind::Voluntary,
            Kind::Camhs,
        ];
        let adult_kinds = [
            Kind::Housing,
            Kind::Police,
            Kind::Probation,
            Kind::Voluntary,
        ];
        let mut attempts = 0usize;
        while self.out.involvements.len() < self.sizes.involvements
            && attempts < self.sizes.involvements * 4
        {
            attempts += 1;
            let use_child = !self.history_children.is_empty()
                && (self.history_adults.is_empty() || self.rng.random_bool(0.8));
            let (person, birth, kind) = if use_child {
                let c = *self
                    .history_children
                    .choose(&mut self.rng)
                    .expect("not empty");
                let kind = *child_kinds.choose(&mut self.rng).expect("not empty");
                (c.person, c.birth.unwrap_or(today), kind)
            } else if let Some(&a) = self.history_adults.choose(&mut self.rng) {
                let birth = self.out.persons[a as usize].birth_date.unwrap_or(today);
                (
                    a,
                    birth,
                    *adult_kinds.choose(&mut self.rng).expect("not empty"),
                )
            } else {
                break;
            };
            // Which years of the child's life the service applies to.
            let (from, to) = match kind {
                Kind::HealthVisitor => (birth, (birth + days(5 * 365)).min(today)),
                Kind::Teacher | Kind::Dsl | Kind::SchoolNurse => (birth + days(4 * 365), today),
                _ => (birth, today),
            };
            let from = from.max(today - days(6 * 365));
            if to <= from + days(45) {
                continue;
            }
            let span = (to - from).num_days();
            let end = from + days(self.rng.random_range(30..=span));
            let worker = *self.pools[kind as usize]
                .all
                .choose(&mut self.rng)
                .expect("not empty");
            let (w_start, w_end) = self.active[worker as usize];
            let end = w_end.map_or(end, |l| end.min(l));
            let start = (end - days(self.rng.random_range(30..720)))
                .max(from)
                .max(w_start);
            if start >= end || end > today {
                continue;
            }
            let reason = EndReason::Source(self.pick(HISTORY_END_REASONS).to_owned());
            let (code, category, sensitivity) = kind.role();
            self.push_involvement(
                person,
                Some(worker),
                None,
                Role::new(code, category),
                Period {
                    start: Some(start),
                    end: Some(end),
                },
                Some(reason),
                sensitivity,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use patchwork_core::{EpisodeKind, GapKind};

    use super::*;

    const SMALL: Sizes = Sizes {
        persons: 3_000,
        involvements: 12_000,
        professionals: 250,
    };

    #[test]
    fn same_seed_same_council_other_seed_other_council() {
        let a = generate_sizes(SMALL, 11);
        let b = generate_sizes(SMALL, 11);
        assert_eq!(a, b);
        let c = generate_sizes(SMALL, 12);
        assert_ne!(a.persons, c.persons);
        assert_ne!(a.involvements, c.involvements);
    }

    #[test]
    fn tier_sizes_follow_the_design_notes() {
        assert_eq!(
            Tier::S.sizes(),
            Sizes {
                persons: 20_000,
                involvements: 80_000,
                professionals: 1_500
            }
        );
        assert_eq!(
            Tier::M.sizes(),
            Sizes {
                persons: 150_000,
                involvements: 600_000,
                professionals: 8_000
            }
        );
        assert_eq!(
            Tier::L.sizes(),
            Sizes {
                persons: 1_000_000,
                involvements: 5_000_000,
                professionals: 50_000
            }
        );
        assert_eq!("m".parse::<Tier>(), Ok(Tier::M));
        assert!("XL".parse::<Tier>().is_err());
    }

    #[test]
    fn counts_are_met_at_each_tier_scaled_down() {
        for tier in Tier::ALL {
            let full = tier.sizes();
            // A hundredth of L is still a sizeable test; S and M are scaled to match.
            let scale = match tier {
                Tier::S => 4,
                Tier::M => 30,
                Tier::L => 200,
            };
            let sizes = Sizes {
                persons: full.persons / scale,
                involvements: full.involvements / scale,
                professionals: full.professionals / scale,
            };
            let c = generate_sizes(sizes, 1);
            assert_eq!(c.persons.len(), sizes.persons, "{tier}");
            assert_eq!(c.professionals.len(), sizes.professionals, "{tier}");
            assert_eq!(c.involvements.len(), sizes.involvements, "{tier}");
            let children = c.children().count();
            assert!(
                children * 100 / sizes.persons > 45,
                "{tier}: {children} children"
            );
        }
    }

    #[test]
    fn every_record_is_accepted_by_the_network() {
        let c = generate_sizes(SMALL, 3);
        let (persons, involvements, episodes) =
            (c.persons.len(), c.involvements.len(), c.episodes.len());
        let net = c.into_network().expect("generated records are consistent");
        assert_eq!(net.person_count(), persons);
        assert_eq!(net.involvement_count(), involvements);
        assert_eq!(net.episodes().len(), episodes);
    }

    #[test]
    fn identifiers_are_valid_and_unique() {
        let c = generate_sizes(SMALL, 5);
        let mut nhs = BTreeSet::new();
        let mut upns = BTreeSet::new();
        for p in &c.persons {
            if let Some(n) = p.nhs_number {
                // Re-validate from text, and check the test range.
                let text = n.to_string();
                assert!(text.starts_with("999"), "{text}");
                assert_eq!(NhsNumber::parse(&text), Ok(n));
                assert!(nhs.insert(n), "duplicate NHS number");
            }
            if let Some(u) = p.upn {
                assert_eq!(Upn::parse(u.as_str()), Ok(u));
                assert_eq!(u.la_code(), "999");
                assert!(upns.insert(u), "duplicate UPN");
            }
        }
        let children = c.children().count();
        assert!(
            nhs.len() > children * 3 / 4,
            "most persons have an NHS number"
        );
        assert!(
            upns.len() > children / 2,
            "most school-age children have a UPN"
        );
        for w in &c.professionals {
            if let Some(r) = &w.registration_number {
                assert!(
                    r.len() == 8
                        && r.starts_with("SW")
                        && r[2..].bytes().all(|b| b.is_ascii_digit()),
                    "{r}"
                );
            }
        }
        assert!(
            c.professionals
                .iter()
                .any(|w| w.registration_number.is_some())
        );
        assert!(
            c.professionals.iter().any(|w| w.active.end.is_some()),
            "some have left"
        );
    }

    #[test]
    fn social_workers_change_with_dfe_reasons() {
        let c = generate_sizes(SMALL, 9);
        let mut reasons = BTreeSet::new();
        let mut per_child: BTreeMap<&PersonKey, usize> = BTreeMap::new();
        for i in &c.involvements {
            if i.role.category == RoleCategory::AllocatedSocialWorker {
                *per_child.entry(&i.person).or_default() += 1;
                if let Some(EndReason::Dfe(r)) = &i.end_reason {
                    reasons.insert(r.code());
                }
            }
        }
        assert!(reasons.len() >= 6, "{reasons:?}");
        assert!(
            per_child.values().any(|&n| n >= 3),
            "some children have had several workers"
        );
    }

    /// Counts the gaps from the records alone, by the rules `GapKind` documents, and
    /// checks that `Network::gaps` finds exactly those, and that they are the planted ones.
    #[test]
    fn gaps_finds_the_planted_gaps() {
        let c = generate_sizes(SMALL, 21);
        let today = c.today;
        let active =
            |p: &Period| p.start.is_none_or(|s| s <= today) && p.end.is_none_or(|e| today < e);

        let open_kinds: BTreeMap<&PersonKey, BTreeSet<EpisodeKind>> = c
            .episodes
            .iter()
            .filter(|e| active(&e.period))
            .fold(BTreeMap::new(), |mut m, e| {
                m.entry(&e.person).or_default().insert(e.kind());
                m
            });
        let health_agencies: BTreeSet<&AgencyKey> = c
            .agencies
            .iter()
            .filter(|a| a.kind == AgencyKind::Health)
            .map(|a| &a.key)
            .collect();
        let by_key: BTreeMap<&ProfessionalKey, &Professional> =
            c.professionals.iter().map(|p| (&p.key, p)).collect();

        let mut sw: BTreeMap<&PersonKey, usize> = BTreeMap::new();
        let mut lp: BTreeMap<&PersonKey, usize> = BTreeMap::new();
        let mut health: BTreeSet<&PersonKey> = BTreeSet::new();
        let mut left = BTreeSet::new();
        for i in c.involvements.iter().filter(|i| active(&i.period)) {
            let pro = i.professional.as_ref().map(|k| by_key[k]);
            match i.role.category {
                RoleCategory::AllocatedSocialWorker => *sw.entry(&i.person).or_default() += 1,
                RoleCategory::LeadPractitioner => *lp.entry(&i.person).or_default() += 1,
                _ => {}
            }
            if i.role.category.is_health()
                || pro
                    .and_then(|p| p.agency.as_ref())
                    .is_some_and(|a| health_agencies.contains(a))
            {
                health.insert(&i.person);
            }
            if pro.is_some_and(|p| p.active.end.is_some_and(|e| e <= today)) {
                left.insert(i.key.clone());
            }
        }
        let mut no_sw = BTreeSet::new();
        let mut no_health = BTreeSet::new();
        let mut multiple = BTreeSet::new();
        for (person, kinds) in &open_kinds {
            let plan = kinds.contains(&EpisodeKind::ChildProtectionPlan);
            if (plan || kinds.contains(&EpisodeKind::LookedAfter)) && !sw.contains_key(person) {
                no_sw.insert((*person).clone());
            }
            if plan && !health.contains(person) {
                no_health.insert((*person).clone());
            }
        }
        for p in &c.persons {
            let statutory = open_kinds
                .get(&p.key)
                .is_some_and(|k| k.iter().any(|k| k.is_statutory()));
            let sws = sw.get(&p.key).copied().unwrap_or(0);
            let lps = lp.get(&p.key).copied().unwrap_or(0);
            let leads = if statutory && sws > 0 { sws } else { lps };
            if leads > 1 {
                multiple.insert(p.key.clone());
            }
        }

        // What the planted lists say.
        let planted = &c.planted;
        assert!(!planted.no_allocated_social_worker.is_empty());
        assert!(!planted.no_health_professional.is_empty());
        assert!(!planted.professional_has_left.is_empty());
        assert!(!planted.multiple_leads.is_empty());
        assert_eq!(
            no_sw,
            planted.no_allocated_social_worker.iter().cloned().collect()
        );
        assert_eq!(
            no_health,
            planted.no_health_professional.iter().cloned().collect()
        );
        assert_eq!(
            left,
            planted.professional_has_left.iter().cloned().collect()
        );
        assert_eq!(multiple, planted.multiple_leads.iter().cloned().collect());

        // What the network finds.
        let net = c.clone().into_network().unwrap();
        let gaps = net.gaps(today);
        let found = |want: fn(&GapKind) -> bool| -> BTreeSet<PersonKey> {
            gaps.iter()
                .filter(|g| want(&g.kind))
                .map(|g| g.person.key.clone())
                .collect()
        };
        assert_eq!(
            found(|k| matches!(k, GapKind::NoAllocatedSocialWorker { .. })),
            no_sw
        );
        assert_eq!(found(|k| *k == GapKind::NoHealthProfessional), no_health);
        assert_eq!(found(|k| *k == GapKind::MultipleLeads), multiple);
        let found_left: BTreeSet<InvolvementKey> = gaps
            .iter()
            .filter(|g| g.kind == GapKind::ProfessionalHasLeft)
            .flat_map(|g| g.involvements.iter().map(|i| i.key().clone()))
            .collect();
        assert_eq!(found_left, left);
    }

    #[test]
    fn roles_match_the_professionals_agencies() {
        let c = generate_sizes(SMALL, 4);
        let kind_of: BTreeMap<&AgencyKey, AgencyKind> =
            c.agencies.iter().map(|a| (&a.key, a.kind)).collect();
        let agency_of: BTreeMap<&ProfessionalKey, AgencyKind> = c
            .professionals
            .iter()
            .map(|p| (&p.key, kind_of[p.agency.as_ref().unwrap()]))
            .collect();
        for i in &c.involvements {
            let Some(w) = &i.professional else { continue };
            let expected = match i.role.category {
                RoleCategory::AllocatedSocialWorker
                | RoleCategory::IndependentReviewingOfficer
                | RoleCategory::PersonalAdviser
                | RoleCategory::FamilySupportWorker
                | RoleCategory::LeadPractitioner => AgencyKind::ChildrensSocialCare,
                RoleCategory::HealthVisitor | RoleCategory::SchoolNurse | RoleCategory::Gp => {
                    AgencyKind::Health
                }
                RoleCategory::Teacher | RoleCategory::DesignatedSafeguardingLead => {
                    AgencyKind::Education
                }
                RoleCategory::Police => AgencyKind::Police,
                RoleCategory::HousingOfficer => AgencyKind::Housing,
                RoleCategory::YouthJusticeWorker => AgencyKind::YouthJustice,
                RoleCategory::Other => continue,
            };
            assert_eq!(agency_of[w], expected, "{}", i.key);
        }
    }

    /// The council's records are keyed in its case system, as the SSD importer keys
    /// them; each partner's records in the partner's feed id, as the feed importer does.
    #[test]
    fn records_are_keyed_as_their_sources_key_them() {
        let c = generate_sizes(SMALL, 6);
        let council = council_agency_key(SYSTEM);
        assert_eq!(c.agencies[0].key, council);
        for a in &c.agencies[1..] {
            assert_eq!(a.key, AgencyKey::new(a.key.system(), "agency"), "{}", a.key);
            assert_ne!(a.key.system(), SYSTEM);
        }
        let system_of: BTreeMap<&AgencyKey, &str> = c
            .agencies
            .iter()
            .map(|a| (&a.key, a.key.system()))
            .collect();
        for t in &c.teams {
            assert_eq!(system_of[t.agency.as_ref().unwrap()], t.key.system());
            assert!(t.parent.is_none() || t.key.system() == SYSTEM);
        }
        let pro_system: BTreeMap<&ProfessionalKey, &str> = c
            .professionals
            .iter()
            .map(|p| (&p.key, system_of[p.agency.as_ref().unwrap()]))
            .collect();
        for p in &c.professionals {
            assert_eq!(pro_system[&p.key], p.key.system());
        }
        let mut partner = 0;
        for i in &c.involvements {
            let system = match (&i.professional, &i.team) {
                (Some(p), _) => pro_system[p],
                (None, Some(t)) => t.system(),
                (None, None) => unreachable!("every involvement has a participant"),
            };
            assert_eq!(i.key.system(), system, "{}", i.key);
            assert_eq!(i.source.system_name(), system);
            if system == SYSTEM {
                assert_eq!(i.sensitivity, Sensitivity::Standard);
                if !i.key.id().starts_with("ssd_early_help_episodes/") {
                    assert!(
                        crate::ssd::RoleMap::default()
                            .category(&i.role.code)
                            .is_some_and(|c| c == i.role.category)
                            || i.role.category == RoleCategory::Other,
                        "{}",
                        i.role.code
                    );
                }
            } else {
                partner += 1;
            }
        }
        assert!(partner > c.involvements.len() / 3);
        let tables = [
            "ssd_cin_episodes/",
            "ssd_s47_enquiry/",
            "ssd_cp_plans/",
            "ssd_cla_episodes/",
            "ssd_early_help_episodes/",
        ];
        for e in &c.episodes {
            assert_eq!(e.key.system(), SYSTEM);
            assert!(
                tables.iter().any(|t| e.key.id().starts_with(t)),
                "{}",
                e.key
            );
        }
        assert!(
            c.relationships
                .iter()
                .any(|r| r.key.id().starts_with("ssd_mother/")),
            "some mothers are children themselves"
        );
    }
}
