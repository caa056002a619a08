//! The native network: loading (SSD extract, store, synthetic data), lookups by the
//! council's own identifiers, the queries of `patchwork-core`, and the whole-network tables.
//!
//! Python users see `patchwork.Network` (in `python/patchwork/network.py`), which wraps this
//! class and turns its dicts into typed results. Long work (imports, loading a store,
//! queries over the whole network, building tables) runs with the GIL released.

use std::path::PathBuf;

use chrono::NaiveDate;
use patchwork_adapters::agency::{self, FeedOptions};
use patchwork_adapters::report::Problem;
use patchwork_adapters::ssd::{self, Flavour, SsdOptions};
use patchwork_adapters::store::Store;
use patchwork_adapters::synthetic::{self, Sizes, Tier};
use patchwork_core::{
    AgencyKind, EntityKind, Network, NhsNumber, Person, PersonKey, ProfessionalKey, Upn,
};
use pyo3::IntoPyObject;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

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
        }
    }

    /// The person named by `text`: a full key (`lcs:100234`), else an LA person id under
    /// the council's system.
    fn person_key(&self, py: Python<'_>, text: &str) -> PyResult<PersonKey> {
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
        Err(not_found(py, EntityKind::Person))
    }

    /// The professional named by `text`: a full key, else an id under the council's system.
    fn professional_key(&self, py: Python<'_>, text: &str) -> PyResult<ProfessionalKey> {
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
        Err(not_found(py, EntityKind::Professional))
    }

    /// Runs `build` on the network with the GIL released; a failure is a bug.
    fn table(
        &self,
        py: Python<'_>,
        build: impl FnOnce(&Network) -> Result<ArrowTable, String> + Send,
    ) -> PyResult<ArrowTable> {
        guard(py, || {
            py.detach(|| build(&self.net))
                .map_err(|message| ErrorKind::Patchwork.new_err(py, message))
        })
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

    /// Load the network saved in a Patchwork store (an SQLite file).
    ///
    /// Raises ``patchwork.StoreError`` when the file is missing, not a store, or damaged.
    #[staticmethod]
    fn open(py: Python<'_>, store_path: PathBuf) -> PyResult<Self> {
        guard(py, || {
            if !store_path.is_file() {
                return Err(ErrorKind::Store
                    .new_err(py, format!("{}: no such store file", store_path.display())));
            }
            let net = py
                .detach(|| Store::open(&store_path).and_then(|store| store.load()))
                .map_err(|e| errors::from_store_error(py, &e))?;
            Ok(Self::new(net, None, None))
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
    fn person(&self, py: Python<'_>, key: &str) -> PyResult<PersonRow> {
        guard(py, || {
            let key = self.person_key(py, key)?;
            let person = self
                .net
                .person(&key)
                .ok_or_else(|| not_found(py, EntityKind::Person))?;
            Ok(PersonRow::from(person))
        })
    }

    /// The persons with this NHS number (validated first; ``ValidationError`` if invalid).
    fn persons_with_nhs_number(
        &self,
        py: Python<'_>,
        nhs_number: &str,
    ) -> PyResult<Vec<PersonRow>> {
        guard(py, || {
            let nhs = NhsNumber::parse(nhs_number).map_err(|e| errors::from_id_error(py, &e))?;
            Ok(rows(self.net.persons_with_nhs_number(&nhs)))
        })
    }

    /// The persons with this UPN (validated first; ``ValidationError`` if invalid).
    fn persons_with_upn(&self, py: Python<'_>, upn: &str) -> PyResult<Vec<PersonRow>> {
        guard(py, || {
            let upn = Upn::parse(upn).map_err(|e| errors::from_id_error(py, &e))?;
            Ok(rows(self.net.persons_with_upn(&upn)))
        })
    }

    /// The team around a person on a date.
    fn team_around(&self, py: Python<'_>, person: &str, as_of: NaiveDate) -> PyResult<TeamRecord> {
        guard(py, || {
            let key = self.person_key(py, person)?;
            py.detach(|| {
                self.net
                    .team_around(&key, as_of)
                    .map(|t| TeamRecord::from(&t))
            })
            .map_err(|e| errors::from_core_error(py, &e))
        })
    }

    /// A child's family network on a date: the child's team and each relative's.
    fn family_network(
        &self,
        py: Python<'_>,
        child: &str,
        as_of: NaiveDate,
    ) -> PyResult<FamilyRecord> {
        guard(py, || {
            let key = self.person_key(py, child)?;
            py.detach(|| {
                self.net
                    .family_network(&key, as_of)
                    .map(|f| FamilyRecord::from(&f))
            })
            .map_err(|e| errors::from_core_error(py, &e))
        })
    }

    /// The children a professional is involved with on a date.
    fn caseload(
        &self,
        py: Python<'_>,
        professional: &str,
        as_of: NaiveDate,
    ) -> PyResult<Vec<CaseloadRow>> {
        guard(py, || {
            let key = self.professional_key(py, professional)?;
            py.detach(|| {
                self.net
                    .caseload(&key, as_of)
                    .map(|c| c.iter().map(CaseloadRow::from).collect())
            })
            .map_err(|e| errors::from_core_error(py, &e))
        })
    }

    /// The children both professionals are involved with on a date.
    fn shared_children(
        &self,
        py: Python<'_>,
        a: &str,
        b: &str,
        as_of: NaiveDate,
    ) -> PyResult<Vec<PersonRow>> {
        guard(py, || {
            let a = self.professional_key(py, a)?;
            let b = self.professional_key(py, b)?;
            py.detach(|| self.net.shared_children(&a, &b, as_of).map(rows))
                .map_err(|e| errors::from_core_error(py, &e))
        })
    }

    /// The shortest chain of shared children linking two professionals, or ``None``.
    fn connection_path(
        &self,
        py: Python<'_>,
        a: &str,
        b: &str,
        as_of: NaiveDate,
    ) -> PyResult<Option<PathRecord>> {
        guard(py, || {
            let a = self.professional_key(py, a)?;
            let b = self.professional_key(py, b)?;
            py.detach(|| {
                self.net
                    .connection_path(&a, &b, as_of)
                    .map(|p| p.as_ref().map(PathRecord::from))
            })
            .map_err(|e| errors::from_core_error(py, &e))
        })
    }

    /// Everything recorded about a person over time: involvements, episodes, activities.
    fn timeline(&self, py: Python<'_>, person: &str) -> PyResult<Vec<TimelineRow>> {
        guard(py, || {
            let key = self.person_key(py, person)?;
            py.detach(|| {
                self.net
                    .timeline(&key)
                    .map(|t| t.iter().map(TimelineRow::from).collect())
            })
            .map_err(|e| errors::from_core_error(py, &e))
        })
    }

    /// The changes of allocated social worker of a child from ``start`` to ``end``.
    fn worker_changes(
        &self,
        py: Python<'_>,
        child: &str,
        start: NaiveDate,
        end: NaiveDate,
    ) -> PyResult<WorkerChangesRecord> {
        guard(py, || {
            let key = self.person_key(py, child)?;
            py.detach(|| {
                self.net
                    .worker_changes(&key, start, end)
                    .map(|w| WorkerChangesRecord::from(&w))
            })
            .map_err(|e| errors::from_core_error(py, &e))
        })
    }

    /// Every gap in the network on a date.
    fn gaps(&self, py: Python<'_>, as_of: NaiveDate) -> PyResult<Vec<GapRow>> {
        guard(py, || {
            Ok(py.detach(|| self.net.gaps(as_of).iter().map(GapRow::from).collect()))
        })
    }

    /// The family clusters (persons linked by households and relationships) on a date.
    fn components(&self, py: Python<'_>, as_of: NaiveDate) -> PyResult<Vec<ClusterRow>> {
        guard(py, || {
            Ok(py.detach(|| {
                self.net
                    .components(as_of)
                    .iter()
                    .map(ClusterRow::from)
                    .collect()
            }))
        })
    }

    /// The change events from ``older`` to this network on a date, as dicts shaped like
    /// the command line's ``patchwork changes --json`` lines.
    fn diff<'py>(
        &self,
        py: Python<'py>,
        older: &NativeNetwork,
        as_of: NaiveDate,
    ) -> PyResult<Bound<'py, PyList>> {
        guard(py, || {
            let events = py.detach(|| {
                self.net
                    .diff(&older.net, as_of)
                    .iter()
                    .map(serde_json::to_value)
                    .collect::<Result<Vec<_>, _>>()
            });
            let events = events.map_err(|e| ErrorKind::Patchwork.new_err(py, e.to_string()))?;
            let list = PyList::empty(py);
            for event in &events {
                list.append(json_to_py(py, event)?)?;
            }
            Ok(list)
        })
    }

    /// Every person, as an Arrow table.
    fn persons_table(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        self.table(py, frames::persons)
    }

    /// Every professional, as an Arrow table.
    fn professionals_table(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        self.table(py, frames::professionals)
    }

    /// Every involvement (or those active on ``active_on``), as an Arrow table.
    #[pyo3(signature = (active_on=None))]
    fn involvements_table(
        &self,
        py: Python<'_>,
        active_on: Option<NaiveDate>,
    ) -> PyResult<ArrowTable> {
        self.table(py, move |net| frames::involvements(net, active_on))
    }

    /// Every episode, as an Arrow table.
    fn episodes_table(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        self.table(py, frames::episodes)
    }

    /// Every relationship (or those active on ``active_on``), as an Arrow table.
    #[pyo3(signature = (active_on=None))]
    fn relationships_table(
        &self,
        py: Python<'_>,
        active_on: Option<NaiveDate>,
    ) -> PyResult<ArrowTable> {
        self.table(py, move |net| frames::relationships(net, active_on))
    }

    /// Every household membership (or those active on ``active_on``), as an Arrow table.
    #[pyo3(signature = (active_on=None))]
    fn household_members_table(
        &self,
        py: Python<'_>,
        active_on: Option<NaiveDate>,
    ) -> PyResult<ArrowTable> {
        self.table(py, move |net| frames::household_members(net, active_on))
    }

    /// Every team, as an Arrow table.
    fn teams_table(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        self.table(py, frames::teams)
    }

    /// Every agency, as an Arrow table.
    fn agencies_table(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        self.table(py, frames::agencies)
    }
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
