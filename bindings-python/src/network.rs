//! The native network: loading (SSD extract, store, synthetic data), lookups by the
//! council's own identifiers, the queries of `patchwork-core`, and the whole-network tables.
//!
//! Python users see `patchwork.Network` (in `python/patchwork/network.py`), which wraps this
//! class and turns its dicts into typed results. Long work (imports, loading a store,
//! queries over the whole network, building tables) runs with the GIL released.
//!
//! Every query and table takes an optional viewer and policy and is one audited read
//! (see [`crate::access`]).

use std::path::PathBuf;

use chrono::NaiveDate;
use patchwork_adapters::agency::{self, FeedOptions};
use patchwork_adapters::report::Problem;
use patchwork_adapters::ssd::{self, Flavour, SsdOptions};
use patchwork_adapters::store::AuditCategory;
use patchwork_adapters::store::Store;
use patchwork_adapters::synthetic::{self, Sizes, Tier};
use patchwork_core::{
    AccessRecord, AgencyKind, EntityKind, Error, Grants, Network, NhsNumber, Outcome, Person,
    PersonKey, Policy, ProfessionalKey, Upn, Viewed, ViewedNetwork, Viewer,
};
use pyo3::IntoPyObject;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::access::{self, Answer, AuditSink, KnownRecord, Subjects, ViewerSpec, viewed};
use crate::errors::{self, ErrorKind};
use crate::frames::{self, ArrowTable};
use crate::guard::guard;
use crate::rows::{
    CaseloadRow, ClusterRow, FamilyRecord, GapRow, PathRecord, PersonRow, TeamRecord, TimelineRow,
    WorkerChangesRecord, serde_name,
};

/// One problem of an import: file, line, column, kind, severity, message.
#[derive(Debug, IntoPyObject)]
pub struct ProblemRow {
    file: String,
    line: Option<u64>,
    column: Option<String>,
    kind: String,
    severity: String,
    message: String,
}

impl From<&Problem> for ProblemRow {
    fn from(p: &Problem) -> Self {
        Self {
            file: p.file.clone(),
            line: p.line,
            column: p.column.clone(),
            kind: serde_name(&p.kind),
            severity: serde_name(&p.severity),
            message: p.message.clone(),
        }
    }
}

/// A network of persons, professionals and involvements, loaded in Rust.
///
/// Use ``patchwork.Network`` rather than this class: it wraps it with typed results,
/// pandas frames and networkx export.
#[pyclass(module = "patchwork._patchwork", frozen)]
pub struct NativeNetwork {
    net: Network,
    /// The key namespace of the council's case system (`lcs`), for bare LA person ids.
    la_system: Option<String>,
    /// For generated data, the date the council's data is "as of".
    today: Option<NaiveDate>,
    /// The problems found while importing (empty for a store or generated data).
    problems: Vec<Problem>,
    /// Where the audit entry of each read goes: the store the network was opened from,
    /// if any, and the last read's entry.
    audit: AuditSink,
}

/// The namespace of the council's case system: the system of its children's social care
/// agency keyed `<system>:council`, as the SSD importer and the generator make it.
fn council_system(net: &Network) -> Option<String> {
    net.agencies()
        .find(|a| a.key.id() == "council" && a.kind == AgencyKind::ChildrensSocialCare)
        .map(|a| a.key.system().to_owned())
}

fn flavour(py: Python<'_>, name: &str) -> PyResult<Flavour> {
    match name.to_ascii_lowercase().as_str() {
        "lcs" => Ok(Flavour::Lcs),
        "mosaic" => Ok(Flavour::Mosaic),
        "eclipse" => Ok(Flavour::Eclipse),
        _ => Err(ErrorKind::Validation.new_err(
            py,
            format!("unknown case system flavour {name:?}: expected lcs, mosaic or eclipse"),
        )),
    }
}

impl NativeNetwork {
    fn new(net: Network, la_system: Option<String>, today: Option<NaiveDate>) -> Self {
        let la_system = la_system.or_else(|| council_system(&net));
        Self {
            net,
            la_system,
            today,
            problems: Vec::new(),
            audit: AuditSink::default(),
        }
    }

    /// The person named by `text`: a full key (`lcs:100234`), else an LA person id under
    /// the council's system. No Python involved (for reads with the GIL released).
    fn resolve_person(&self, text: &str) -> Result<PersonKey, Error> {
        if let Ok(key) = text.parse::<patchwork_core::ExternalKey>() {
            let key = PersonKey(key);
            if self.net.person(&key).is_some() {
                return Ok(key);
            }
        }
        if let Some(system) = &self.la_system {
            let key = PersonKey::new(system, text);
            if self.net.person(&key).is_some() {
                return Ok(key);
            }
        }
        Err(Error::NotFound {
            kind: EntityKind::Person,
            key: String::new(),
        })
    }

    /// The professional named by `text`, with no Python involved.
    fn resolve_professional(&self, text: &str) -> Result<ProfessionalKey, Error> {
        if let Ok(key) = text.parse::<patchwork_core::ExternalKey>() {
            let key = ProfessionalKey(key);
            if self.net.professional(&key).is_some() {
                return Ok(key);
            }
        }
        if let Some(system) = &self.la_system {
            let key = ProfessionalKey::new(system, text);
            if self.net.professional(&key).is_some() {
                return Ok(key);
            }
        }
        Err(Error::NotFound {
            kind: EntityKind::Professional,
            key: String::new(),
        })
    }

    /// The key a viewer asked for: the one found, else what `text` would be as a key (the
    /// network holds no such person, and the view answers and records "not found").
    fn guess_person(&self, found: &Result<PersonKey, Error>, text: &str) -> PersonKey {
        match found {
            Ok(key) => key.clone(),
            Err(_) => match text.parse::<patchwork_core::ExternalKey>() {
                Ok(key) => PersonKey(key),
                Err(_) => PersonKey::new(self.la_system.as_deref().unwrap_or("unknown"), text),
            },
        }
    }

    /// [`guess_person`](Self::guess_person) for a professional.
    fn guess_professional(
        &self,
        found: &Result<ProfessionalKey, Error>,
        text: &str,
    ) -> ProfessionalKey {
        match found {
            Ok(key) => key.clone(),
            Err(_) => match text.parse::<patchwork_core::ExternalKey>() {
                Ok(key) => ProfessionalKey(key),
                Err(_) => {
                    ProfessionalKey::new(self.la_system.as_deref().unwrap_or("unknown"), text)
                }
            },
        }
    }

    /// The viewer and policy a read is made as; `None` for an administrative read.
    fn read_as(
        &self,
        py: Python<'_>,
        viewer: Option<ViewerSpec>,
        policy: Option<&str>,
    ) -> PyResult<Option<(Viewer, Policy)>> {
        let Some((professional, role, purpose, reason)) = viewer else {
            if policy.is_some() {
                return Err(ErrorKind::Validation.new_err(
                    py,
                    "policy= applies to a read made as a viewer: give viewer= too".to_owned(),
                ));
            }
            return Ok(None);
        };
        let purpose =
            access::purpose(&purpose).map_err(|m| ErrorKind::Validation.new_err(py, m))?;
        let policy = access::policy(policy).map_err(|m| ErrorKind::Validation.new_err(py, m))?;
        let key = self.resolve_professional(&professional).map_err(|_| {
            ErrorKind::NotFound.new_err(py, "viewer: no professional with this key or id")
        })?;
        let mut viewer = Viewer::for_professional(&self.net, &key, role, purpose)
            .map_err(|e| query_error(py, &e))?;
        if let Some(reason) = reason {
            viewer = viewer.with_reason(reason);
        }
        Ok(Some((viewer, policy)))
    }

    /// Makes one read, administratively (`how` is `None`: `admin` on the network) or as a
    /// viewer (`viewed` on the viewed network), appends its audit entry, then returns its
    /// answer. The answer is not returned if the entry cannot be written.
    #[allow(clippy::too_many_arguments)]
    fn read<R: Send>(
        &self,
        py: Python<'_>,
        how: Option<(Viewer, Policy)>,
        query: &str,
        as_of: Option<NaiveDate>,
        category: AuditCategory,
        admin: impl FnOnce(&Network) -> Result<(R, Subjects), Error> + Send,
        viewed: impl FnOnce(&ViewedNetwork<'_>) -> (Result<R, Error>, AccessRecord) + Send,
    ) -> PyResult<R> {
        guard(py, || {
            let at = access::now();
            let (result, entry) = match how {
                None => {
                    let (result, subjects, outcome) = match py.detach(|| admin(&self.net)) {
                        Ok((answer, subjects)) => (Ok(answer), subjects, Outcome::Full),
                        Err(e) => (Err(e), Subjects::These(Vec::new()), Outcome::NotFound),
                    };
                    let entry =
                        access::administrative_entry(at, query, as_of, outcome, subjects, category);
                    (result, entry)
                }
                Some((viewer, policy)) => {
                    let grants = Grants::default();
                    let (result, record) = py.detach(|| {
                        let view = self.net.view(&viewer, &policy, &grants, at);
                        let view = match as_of {
                            Some(day) => view.with_as_of(day),
                            None => view,
                        };
                        viewed(&view)
                    });
                    (result, access::viewer_entry(&record))
                }
            };
            let entry = entry.map_err(|e| {
                ErrorKind::Patchwork.new_err(py, format!("cannot encode the audit entry: {e}"))
            })?;
            self.audit.record(&entry).map_err(|e| {
                ErrorKind::Store.new_err(
                    py,
                    format!("cannot write the audit entry (nothing shown): {e}"),
                )
            })?;
            result.map_err(|e| query_error(py, &e))
        })
    }

    /// Builds a whole-network table (one read, a disclosure): of the network, or, for a
    /// viewer, of what their export holds. A failure to build is a bug.
    fn table(
        &self,
        py: Python<'_>,
        name: &str,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
        build: impl Fn(&Network) -> Result<ArrowTable, String> + Sync,
    ) -> PyResult<ArrowTable> {
        let how = self.read_as(py, viewer, policy.as_deref())?;
        let query = format!("{name}_table");
        let built = self.read(
            py,
            how,
            &query,
            None,
            AuditCategory::Disclosure,
            |net| Ok((build(net), Subjects::Everyone)),
            |view| {
                let read = view.export();
                let built = read
                    .result
                    .and_then(|export| access::rebuild(&export))
                    .map(|part| build(&part));
                (built, read.record)
            },
        )?;
        built.map_err(|message| ErrorKind::Patchwork.new_err(py, message))
    }
}

/// The exception for a failed read: `NotFoundError` worded the same for every key (an
/// unknown key, a hidden person: the viewer cannot tell them apart, and ids of children
/// must not end up in logs), else as [`errors::from_core_error`].
fn query_error(py: Python<'_>, error: &Error) -> PyErr {
    match error {
        Error::NotFound { kind, .. } => not_found(py, *kind),
        other => errors::from_core_error(py, other),
    }
}

/// A `NotFoundError` that does not repeat the key or id asked for (ids of children must not
/// end up in logs; the caller knows what they asked for).
fn not_found(py: Python<'_>, kind: EntityKind) -> PyErr {
    ErrorKind::NotFound.new_err(py, format!("no {kind} with this key or id"))
}

#[pymethods]
impl NativeNetwork {
    /// Import a Standard Safeguarding Dataset extract (a folder of ``ssd_*.csv`` files),
    /// then each partner-agency feed file in ``agency`` in order.
    ///
    /// Rows with problems are left out and listed by ``problems()``; a file that cannot be
    /// read at all raises ``patchwork.ParseError`` with its file, line and column.
    #[staticmethod]
    #[pyo3(signature = (path, agency, system, flavour_name))]
    fn from_ssd(
        py: Python<'_>,
        path: PathBuf,
        agency: Vec<PathBuf>,
        system: Option<String>,
        flavour_name: &str,
    ) -> PyResult<Self> {
        guard(py, || {
            let mut options = SsdOptions::new(flavour(py, flavour_name)?);
            if let Some(system) = system {
                options.system = system;
            }
            let feed_options = FeedOptions::new(options.system.clone());
            let imported = py.detach(|| {
                let mut imported = ssd::import_dir(&path, &options).map_err(Err)?;
                for feed in &agency {
                    let report = agency::import_feed(&mut imported.network, feed, &feed_options)
                        .map_err(Ok)?;
                    imported.report.merge(report);
                }
                Ok(imported)
            });
            let imported = imported.map_err(|e| match e {
                Err(ssd_error) => errors::from_ssd_error(py, &ssd_error),
                Ok(table_error) => errors::from_table_error(py, &table_error),
            })?;
            let mut native = Self::new(imported.network, Some(options.system), None);
            native.problems = imported.report.problems;
            Ok(native)
        })
    }

    /// Load the network saved in a Patchwork store (an SQLite file), keeping the store
    /// open: every read of the network then appends its audit entry to the store's audit
    /// trail (so the file must be writable).
    ///
    /// Raises ``patchwork.StoreError`` when the file is missing, not a store, or damaged.
    #[staticmethod]
    fn open(py: Python<'_>, store_path: PathBuf) -> PyResult<Self> {
        guard(py, || {
            if !store_path.is_file() {
                return Err(ErrorKind::Store
                    .new_err(py, format!("{}: no such store file", store_path.display())));
            }
            let (store, net) = py
                .detach(|| {
                    let store = Store::open(&store_path)?;
                    let net = store.load()?;
                    Ok((store, net))
                })
                .map_err(|e| errors::from_store_error(py, &e))?;
            let mut native = Self::new(net, None, None);
            native.audit = AuditSink::with_store(store);
            Ok(native)
        })
    }

    /// A fictional council's network at a benchmark tier (``S``, ``M`` or ``L``), or at the
    /// given sizes, from a seed; the same seed gives the same network.
    #[staticmethod]
    #[pyo3(signature = (tier, seed, sizes=None))]
    fn generate(
        py: Python<'_>,
        tier: &str,
        seed: u64,
        sizes: Option<(usize, usize, usize)>,
    ) -> PyResult<Self> {
        guard(py, || {
            let sizes = match sizes {
                Some((persons, involvements, professionals)) => Sizes {
                    persons,
                    involvements,
                    professionals,
                },
                None => tier
                    .parse::<Tier>()
                    .map_err(|e| ErrorKind::Validation.new_err(py, e.to_string()))?
                    .sizes(),
            };
            let (net, today) = py
                .detach(|| {
                    let council = synthetic::generate_sizes(sizes, seed);
                    let today = council.today;
                    council.into_network().map(|net| (net, today))
                })
                .map_err(|e| errors::from_core_error(py, &e))?;
            Ok(Self::new(
                net,
                Some(synthetic::SYSTEM.to_owned()),
                Some(today),
            ))
        })
    }

    /// Save the network to a Patchwork store (created if absent).
    fn save(&self, py: Python<'_>, store_path: PathBuf) -> PyResult<()> {
        guard(py, || {
            py.detach(|| Store::open(&store_path).and_then(|mut store| store.save(&self.net)))
                .map(|_| ())
                .map_err(|e| errors::from_store_error(py, &e))
        })
    }

    /// The key namespace of the council's case system, if known.
    #[getter]
    fn la_system(&self) -> Option<String> {
        self.la_system.clone()
    }

    /// For generated data, the date the data describes.
    #[getter]
    fn today(&self) -> Option<NaiveDate> {
        self.today
    }

    /// The numbers of persons, professionals and involvements.
    fn counts(&self) -> (usize, usize, usize) {
        (
            self.net.person_count(),
            self.net.professional_count(),
            self.net.involvement_count(),
        )
    }

    /// The problems found by the import, one dict each.
    fn problems(&self) -> Vec<ProblemRow> {
        self.problems.iter().map(ProblemRow::from).collect()
    }

    /// The person with this key or LA person id, as a dict; ``NotFoundError`` if none.
    /// An administrative read (audited as one).
    fn person(&self, py: Python<'_>, key: &str) -> PyResult<PersonRow> {
        let found = self.resolve_person(key);
        self.read(
            py,
            None,
            "person",
            None,
            AuditCategory::Consultation,
            |net| {
                let key = found.clone()?;
                let person = net.person(&key).ok_or_else(|| Error::NotFound {
                    kind: EntityKind::Person,
                    key: String::new(),
                })?;
                Ok((PersonRow::from(person), Subjects::These(vec![key])))
            },
            |_| unreachable!("an administrative read"),
        )
    }

    /// The persons with this NHS number (validated first; ``ValidationError`` if invalid).
    /// With a viewer, each in full or existence only, and hidden persons left out (a search
    /// never confirms that a shielded child is known); the number is not logged.
    #[pyo3(signature = (nhs_number, viewer=None, policy=None))]
    fn persons_with_nhs_number(
        &self,
        py: Python<'_>,
        nhs_number: &str,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<Vec<Answer<PersonRow>>> {
        let nhs = NhsNumber::parse(nhs_number).map_err(|e| errors::from_id_error(py, &e))?;
        let how = self.read_as(py, viewer, policy.as_deref())?;
        self.read(
            py,
            how,
            "persons_with_nhs_number",
            None,
            AuditCategory::Consultation,
            |net| {
                let (rows, subjects) = found_persons(net.persons_with_nhs_number(&nhs));
                Ok((rows.into_iter().map(Answer::Full).collect(), subjects))
            },
            |view| {
                let read = view.search_nhs_number(&nhs);
                let rows = read.result.map(|hits| {
                    hits.into_iter()
                        .map(|hit| match hit {
                            Viewed::Full(person) => Answer::Full(PersonRow::from(person)),
                            Viewed::ExistenceOnly(known) => {
                                Answer::Known(Box::new(KnownRecord::from(&known)))
                            }
                        })
                        .collect()
                });
                (rows, read.record)
            },
        )
    }

    /// The persons with this UPN (validated first; ``ValidationError`` if invalid).
    /// An administrative read (audited as one).
    fn persons_with_upn(&self, py: Python<'_>, upn: &str) -> PyResult<Vec<PersonRow>> {
        let upn = Upn::parse(upn).map_err(|e| errors::from_id_error(py, &e))?;
        self.read(
            py,
            None,
            "persons_with_upn",
            None,
            AuditCategory::Consultation,
            |net| Ok(found_persons(net.persons_with_upn(&upn))),
            |_| unreachable!("an administrative read"),
        )
    }

    /// The team around a person on a date.
    #[pyo3(signature = (person, as_of, viewer=None, policy=None))]
    fn team_around<'py>(
        &self,
        py: Python<'py>,
        person: &str,
        as_of: NaiveDate,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<Answer<TeamRecord>> {
        let how = self.read_as(py, viewer, policy.as_deref())?;
        let key = self.resolve_person(person);
        self.read(
            py,
            how,
            "team_around",
            Some(as_of),
            AuditCategory::Consultation,
            |net| {
                let key = key.clone()?;
                let team = net.team_around(&key, as_of)?;
                Ok((
                    Answer::Full(TeamRecord::from(&team)),
                    Subjects::These(vec![key]),
                ))
            },
            |view| {
                let key = self.guess_person(&key, person);
                let read = view.team_around(&key);
                (viewed(read.result, |t| TeamRecord::from(&t)), read.record)
            },
        )
    }

    /// A child's family network on a date: the child's team and each relative's.
    #[pyo3(signature = (child, as_of, viewer=None, policy=None))]
    fn family_network(
        &self,
        py: Python<'_>,
        child: &str,
        as_of: NaiveDate,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<Answer<FamilyRecord>> {
        let how = self.read_as(py, viewer, policy.as_deref())?;
        let key = self.resolve_person(child);
        self.read(
            py,
            how,
            "family_network",
            Some(as_of),
            AuditCategory::Consultation,
            |net| {
                let key = key.clone()?;
                let family = net.family_network(&key, as_of)?;
                let mut subjects = vec![key];
                subjects.extend(family.relatives.iter().map(|r| r.person.key.clone()));
                Ok((
                    Answer::Full(FamilyRecord::from(&family)),
                    Subjects::These(subjects),
                ))
            },
            |view| {
                let key = self.guess_person(&key, child);
                let read = view.family_network(&key);
                (viewed(read.result, |f| FamilyRecord::from(&f)), read.record)
            },
        )
    }

    /// The children a professional is involved with on a date.
    #[pyo3(signature = (professional, as_of, viewer=None, policy=None))]
    fn caseload(
        &self,
        py: Python<'_>,
        professional: &str,
        as_of: NaiveDate,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<Vec<CaseloadRow>> {
        let how = self.read_as(py, viewer, policy.as_deref())?;
        let key = self.resolve_professional(professional);
        self.read(
            py,
            how,
            "caseload",
            Some(as_of),
            AuditCategory::Consultation,
            |net| {
                let key = key.clone()?;
                let c = net.caseload(&key, as_of)?;
                let subjects = c.iter().map(|e| e.person.key.clone()).collect();
                Ok((
                    c.iter().map(CaseloadRow::from).collect(),
                    Subjects::These(subjects),
                ))
            },
            |view| {
                let key = self.guess_professional(&key, professional);
                let read = view.caseload(&key);
                (
                    read.result
                        .map(|c| c.iter().map(CaseloadRow::from).collect()),
                    read.record,
                )
            },
        )
    }

    /// The children both professionals are involved with on a date.
    #[pyo3(signature = (a, b, as_of, viewer=None, policy=None))]
    fn shared_children(
        &self,
        py: Python<'_>,
        a: &str,
        b: &str,
        as_of: NaiveDate,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<Vec<PersonRow>> {
        let how = self.read_as(py, viewer, policy.as_deref())?;
        let (ka, kb) = (self.resolve_professional(a), self.resolve_professional(b));
        self.read(
            py,
            how,
            "shared_children",
            Some(as_of),
            AuditCategory::Consultation,
            |net| {
                let (ka, kb) = (ka.clone()?, kb.clone()?);
                let c = net.shared_children(&ka, &kb, as_of)?;
                let subjects = c.iter().map(|p| p.key.clone()).collect();
                Ok((rows(c), Subjects::These(subjects)))
            },
            |view| {
                let (ka, kb) = (
                    self.guess_professional(&ka, a),
                    self.guess_professional(&kb, b),
                );
                let read = view.shared_children(&ka, &kb);
                (read.result.map(rows), read.record)
            },
        )
    }

    /// The shortest chain of shared children linking two professionals, or ``None``.
    #[pyo3(signature = (a, b, as_of, viewer=None, policy=None))]
    fn connection_path(
        &self,
        py: Python<'_>,
        a: &str,
        b: &str,
        as_of: NaiveDate,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<Option<PathRecord>> {
        let how = self.read_as(py, viewer, policy.as_deref())?;
        let (ka, kb) = (self.resolve_professional(a), self.resolve_professional(b));
        self.read(
            py,
            how,
            "connection_path",
            Some(as_of),
            AuditCategory::Consultation,
            |net| {
                let (ka, kb) = (ka.clone()?, kb.clone()?);
                let path = net.connection_path(&ka, &kb, as_of)?;
                let subjects = path
                    .iter()
                    .flat_map(|p| p.children.iter().map(|c| c.key.clone()))
                    .collect();
                Ok((
                    path.as_ref().map(PathRecord::from),
                    Subjects::These(subjects),
                ))
            },
            |view| {
                let (ka, kb) = (
                    self.guess_professional(&ka, a),
                    self.guess_professional(&kb, b),
                );
                let read = view.connection_path(&ka, &kb);
                (
                    read.result.map(|p| p.as_ref().map(PathRecord::from)),
                    read.record,
                )
            },
        )
    }

    /// Everything recorded about a person over time: involvements, episodes, activities.
    #[pyo3(signature = (person, viewer=None, policy=None))]
    fn timeline(
        &self,
        py: Python<'_>,
        person: &str,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<Answer<Vec<TimelineRow>>> {
        let how = self.read_as(py, viewer, policy.as_deref())?;
        let key = self.resolve_person(person);
        self.read(
            py,
            how,
            "timeline",
            None,
            AuditCategory::Consultation,
            |net| {
                let key = key.clone()?;
                let t = net.timeline(&key)?;
                Ok((
                    Answer::Full(t.iter().map(TimelineRow::from).collect()),
                    Subjects::These(vec![key]),
                ))
            },
            |view| {
                let key = self.guess_person(&key, person);
                let read = view.timeline(&key);
                (
                    viewed(read.result, |t| t.iter().map(TimelineRow::from).collect()),
                    read.record,
                )
            },
        )
    }

    /// The changes of allocated social worker of a child from ``start`` to ``end``.
    #[pyo3(signature = (child, start, end, viewer=None, policy=None))]
    fn worker_changes(
        &self,
        py: Python<'_>,
        child: &str,
        start: NaiveDate,
        end: NaiveDate,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<Answer<WorkerChangesRecord>> {
        let how = self.read_as(py, viewer, policy.as_deref())?;
        let key = self.resolve_person(child);
        self.read(
            py,
            how,
            "worker_changes",
            Some(end),
            AuditCategory::Consultation,
            |net| {
                let key = key.clone()?;
                let w = net.worker_changes(&key, start, end)?;
                Ok((
                    Answer::Full(WorkerChangesRecord::from(&w)),
                    Subjects::These(vec![key]),
                ))
            },
            |view| {
                let key = self.guess_person(&key, child);
                let read = view.worker_changes(&key, start, end);
                (
                    viewed(read.result, |w| WorkerChangesRecord::from(&w)),
                    read.record,
                )
            },
        )
    }

    /// Every gap in the network on a date.
    #[pyo3(signature = (as_of, viewer=None, policy=None))]
    fn gaps(
        &self,
        py: Python<'_>,
        as_of: NaiveDate,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<Vec<GapRow>> {
        let how = self.read_as(py, viewer, policy.as_deref())?;
        self.read(
            py,
            how,
            "gaps",
            Some(as_of),
            AuditCategory::Consultation,
            |net| {
                Ok((
                    net.gaps(as_of).iter().map(GapRow::from).collect(),
                    Subjects::Everyone,
                ))
            },
            |view| {
                let read = view.gaps();
                (
                    read.result.map(|g| g.iter().map(GapRow::from).collect()),
                    read.record,
                )
            },
        )
    }

    /// The family clusters (persons linked by households and relationships) on a date.
    #[pyo3(signature = (as_of, viewer=None, policy=None))]
    fn components(
        &self,
        py: Python<'_>,
        as_of: NaiveDate,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<Vec<ClusterRow>> {
        let how = self.read_as(py, viewer, policy.as_deref())?;
        self.read(
            py,
            how,
            "components",
            Some(as_of),
            AuditCategory::Consultation,
            |net| {
                Ok((
                    net.components(as_of).iter().map(ClusterRow::from).collect(),
                    Subjects::Everyone,
                ))
            },
            |view| {
                let read = view.components();
                (
                    read.result
                        .map(|c| c.iter().map(ClusterRow::from).collect()),
                    read.record,
                )
            },
        )
    }

    /// The change events from ``older`` to this network on a date, as dicts shaped like
    /// the command line's ``patchwork changes --json`` lines.
    #[pyo3(signature = (older, as_of, viewer=None, policy=None))]
    fn diff<'py>(
        &self,
        py: Python<'py>,
        older: &NativeNetwork,
        as_of: NaiveDate,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<Bound<'py, PyList>> {
        let how = self.read_as(py, viewer, policy.as_deref())?;
        let events = self.read(
            py,
            how,
            "diff",
            Some(as_of),
            AuditCategory::Consultation,
            |net| Ok((net.diff(&older.net, as_of), Subjects::Everyone)),
            |view| {
                let read = view.diff(&older.net);
                (read.result, read.record)
            },
        )?;
        guard(py, || {
            let list = PyList::empty(py);
            for event in &events {
                let value = serde_json::to_value(event)
                    .map_err(|e| ErrorKind::Patchwork.new_err(py, e.to_string()))?;
                list.append(json_to_py(py, &value)?)?;
            }
            Ok(list)
        })
    }

    /// The audit entry of the last read (a dict: ``at``, ``actor_kind``, ``actor``,
    /// ``category``, ``purpose``, ``subjects``, ``all_subjects``, ``detail``), or ``None``
    /// before the first read. For a read as a viewer, ``detail`` is the access record.
    fn last_access_record<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self.audit.last() {
            Some(value) => json_to_py(py, &value),
            None => Ok(py.None().into_bound(py)),
        }
    }

    /// True when every read is appended to the audit trail of the store the network was
    /// opened from.
    #[getter]
    fn audited(&self) -> bool {
        self.audit.has_store()
    }

    /// Every person, as an Arrow table.
    #[pyo3(signature = (viewer=None, policy=None))]
    fn persons_table(
        &self,
        py: Python<'_>,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<ArrowTable> {
        self.table(py, "persons", viewer, policy, frames::persons)
    }

    /// Every professional, as an Arrow table.
    #[pyo3(signature = (viewer=None, policy=None))]
    fn professionals_table(
        &self,
        py: Python<'_>,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<ArrowTable> {
        self.table(py, "professionals", viewer, policy, frames::professionals)
    }

    /// Every involvement (or those active on ``active_on``), as an Arrow table.
    #[pyo3(signature = (active_on=None, viewer=None, policy=None))]
    fn involvements_table(
        &self,
        py: Python<'_>,
        active_on: Option<NaiveDate>,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<ArrowTable> {
        self.table(py, "involvements", viewer, policy, move |net| {
            frames::involvements(net, active_on)
        })
    }

    /// Every episode, as an Arrow table.
    #[pyo3(signature = (viewer=None, policy=None))]
    fn episodes_table(
        &self,
        py: Python<'_>,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<ArrowTable> {
        self.table(py, "episodes", viewer, policy, frames::episodes)
    }

    /// Every relationship (or those active on ``active_on``), as an Arrow table.
    #[pyo3(signature = (active_on=None, viewer=None, policy=None))]
    fn relationships_table(
        &self,
        py: Python<'_>,
        active_on: Option<NaiveDate>,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<ArrowTable> {
        self.table(py, "relationships", viewer, policy, move |net| {
            frames::relationships(net, active_on)
        })
    }

    /// Every household membership (or those active on ``active_on``), as an Arrow table.
    #[pyo3(signature = (active_on=None, viewer=None, policy=None))]
    fn household_members_table(
        &self,
        py: Python<'_>,
        active_on: Option<NaiveDate>,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<ArrowTable> {
        self.table(py, "household_members", viewer, policy, move |net| {
            frames::household_members(net, active_on)
        })
    }

    /// Every team, as an Arrow table.
    #[pyo3(signature = (viewer=None, policy=None))]
    fn teams_table(
        &self,
        py: Python<'_>,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<ArrowTable> {
        self.table(py, "teams", viewer, policy, frames::teams)
    }

    /// Every agency, as an Arrow table.
    #[pyo3(signature = (viewer=None, policy=None))]
    fn agencies_table(
        &self,
        py: Python<'_>,
        viewer: Option<ViewerSpec>,
        policy: Option<String>,
    ) -> PyResult<ArrowTable> {
        self.table(py, "agencies", viewer, policy, frames::agencies)
    }
}

/// The rows of persons found by a lookup, and them as the read's subjects.
fn found_persons(persons: Vec<&Person>) -> (Vec<PersonRow>, Subjects) {
    let subjects = persons.iter().map(|p| p.key.clone()).collect();
    (rows(persons), Subjects::These(subjects))
}

fn rows(persons: Vec<&Person>) -> Vec<PersonRow> {
    persons.into_iter().map(PersonRow::from).collect()
}

/// A JSON value as the Python value `json.loads` would give.
fn json_to_py<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(u)) => u.into_pyobject(py)?.into_any(),
            (None, None) => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}
