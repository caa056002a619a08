//! Whole-network tables, built column by column in Rust as Arrow arrays and handed to Python
//! through the Arrow PyCapsule interface.
//!
//! [`ArrowTable`] implements `__arrow_c_stream__` and `__arrow_c_schema__`, so
//! `pyarrow.table(t)`, `polars.DataFrame(t)` and `duckdb` read it without a copy through
//! Python objects. Dates are Arrow `date32`; codes (role, role category, kinds, sensitivity,
//! source system and file) are dictionary-encoded strings, which pandas reads as
//! categoricals.

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Int32Builder, StringBuilder, StringDictionaryBuilder,
    UInt64Builder,
};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, DictionaryArray, RecordBatch, RecordBatchIterator, StringArray};
use arrow_schema::ffi::FFI_ArrowSchema;
use arrow_schema::{ArrowError, Field, Schema};
use chrono::{Datelike, NaiveDate};
use patchwork_core::{
    EndReason, EpisodeDetail, Network, Period, RoleCategory, Sensitivity, Source,
};
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::errors::ErrorKind;
use crate::guard::guard;
use crate::rows::serde_name;

/// Days from 0001-01-01 (chrono's day 1 of the common era) to 1970-01-01.
const UNIX_EPOCH_FROM_CE: i32 = 719_163;

/// A table of columns built in Rust, readable through the Arrow PyCapsule interface.
///
/// Pass it to `pyarrow.table()`, `polars.DataFrame()` or `duckdb` directly; `patchwork`'s
/// frame methods turn it into a pandas DataFrame through pyarrow.
#[pyclass(module = "patchwork._patchwork", frozen)]
pub struct ArrowTable {
    batch: RecordBatch,
}

#[pymethods]
impl ArrowTable {
    /// Export the table as an Arrow C stream (a PyCapsule named ``arrow_array_stream``).
    ///
    /// ``requested_schema`` is accepted for the protocol's sake and ignored: the table is
    /// always exported in its own schema.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        guard(py, || {
            let batch = self.batch.clone();
            let schema = batch.schema();
            let reader = RecordBatchIterator::new([Ok::<_, ArrowError>(batch)], schema);
            let stream = FFI_ArrowArrayStream::new(Box::new(reader));
            PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
        })
    }

    /// Export the table's schema as an Arrow C schema (a PyCapsule named ``arrow_schema``).
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        guard(py, || {
            let schema = FFI_ArrowSchema::try_from(self.batch.schema().as_ref())
                .map_err(|e| ErrorKind::Patchwork.new_err(py, e.to_string()))?;
            PyCapsule::new_with_value(py, schema, c"arrow_schema")
        })
    }

    /// The number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// The number of rows.
    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    /// A one-line summary: row count and column names.
    fn __repr__(&self) -> String {
        format!(
            "<ArrowTable {} rows: {}>",
            self.batch.num_rows(),
            self.column_names().join(", ")
        )
    }
}

impl ArrowTable {
    /// A table of the named columns (all of the same length).
    fn new(columns: Vec<(&'static str, ArrayRef)>) -> Result<Self, ArrowError> {
        let fields: Vec<Field> = columns
            .iter()
            .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let batch = RecordBatch::try_new(schema, columns.into_iter().map(|(_, a)| a).collect())?;
        Ok(Self { batch })
    }
}

/// Turns a failure to assemble a table (a bug) into an error value for [`guard`]'s caller.
pub fn table(columns: Vec<(&'static str, ArrayRef)>) -> Result<ArrowTable, String> {
    ArrowTable::new(columns).map_err(|e| format!("cannot build the table: {e}"))
}

fn date32(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - UNIX_EPOCH_FROM_CE
}

/// A nullable date column.
#[derive(Default)]
struct Dates(Date32Builder);

impl Dates {
    fn push(&mut self, d: Option<NaiveDate>) {
        self.0.append_option(d.map(date32));
    }
    fn finish(mut self) -> ArrayRef {
        Arc::new(self.0.finish())
    }
}

/// A nullable string column.
#[derive(Default)]
struct Strings(StringBuilder);

impl Strings {
    fn push(&mut self, s: Option<&str>) {
        self.0.append_option(s);
    }
    fn finish(mut self) -> ArrayRef {
        Arc::new(self.0.finish())
    }
}

/// A nullable dictionary-encoded string column (a pandas categorical).
struct Codes(StringDictionaryBuilder<Int32Type>);

impl Default for Codes {
    fn default() -> Self {
        Self(StringDictionaryBuilder::new())
    }
}

impl Codes {
    fn push(&mut self, s: Option<&str>) {
        match s {
            Some(s) => {
                self.0.append_value(s);
            }
            None => self.0.append_null(),
        }
    }
    fn finish(mut self) -> ArrayRef {
        Arc::new(self.0.finish())
    }
}

/// The serde names of a fieldless enum's variants, computed once per variant.
struct EnumNames<const N: usize>([Option<String>; N]);

impl<const N: usize> EnumNames<N> {
    fn new() -> Self {
        Self(std::array::from_fn(|_| None))
    }
    /// `index` is the variant's discriminant (`value as usize`).
    fn get<T: Serialize>(&mut self, index: usize, value: &T) -> &str {
        let slot = &mut self.0[index.min(N - 1)];
        slot.get_or_insert_with(|| serde_name(value))
    }
}

/// Where each record came from: system, file and row.
#[derive(Default)]
struct Provenance {
    system: Codes,
    file: Codes,
    row: UInt64Builder,
}

impl Provenance {
    fn push(&mut self, source: &Source) {
        self.system.push(Some(source.system_name()));
        self.file.push(source.file_name());
        self.row.append_option(source.row_number());
    }
    fn finish(mut self, columns: &mut Vec<(&'static str, ArrayRef)>) {
        columns.push(("source_system", self.system.finish()));
        columns.push(("source_file", self.file.finish()));
        columns.push(("source_row", Arc::new(self.row.finish())));
    }
}

/// Every person: `person_id`, `kind`, names, dates, identifiers, postcode, provenance.
pub fn persons(net: &Network) -> Result<ArrowTable, String> {
    let mut person_id = Strings::default();
    let mut kind = Codes::default();
    let mut given_name = Strings::default();
    let mut family_name = Strings::default();
    let mut birth_date = Dates::default();
    let mut expected_birth_date = Dates::default();
    let mut death_date = Dates::default();
    let mut sex = Codes::default();
    let mut ethnicity = Codes::default();
    let mut nhs_number = Strings::default();
    let mut upn = Strings::default();
    let mut postcode = Strings::default();
    let mut provenance = Provenance::default();
    let mut kinds = EnumNames::<8>::new();
    let mut sexes = EnumNames::<8>::new();
    for p in net.persons() {
        person_id.push(Some(p.key.as_str()));
        kind.push(Some(kinds.get(p.kind as usize, &p.kind)));
        given_name.push(p.given_name.as_deref());
        family_name.push(p.family_name.as_deref());
        birth_date.push(p.birth_date);
        expected_birth_date.push(p.expected_birth_date);
        death_date.push(p.death_date);
        sex.push(p.sex.as_ref().map(|s| sexes.get(*s as usize, s)));
        ethnicity.push(p.ethnicity.as_deref());
        nhs_number.push(p.nhs_number.map(|n| n.to_string()).as_deref());
        upn.push(p.upn.as_ref().map(|u| u.as_str()));
        postcode.push(p.postcode.as_deref());
        provenance.push(&p.source);
    }
    let mut columns = vec![
        ("person_id", person_id.finish()),
        ("kind", kind.finish()),
        ("given_name", given_name.finish()),
        ("family_name", family_name.finish()),
        ("birth_date", birth_date.finish()),
        ("expected_birth_date", expected_birth_date.finish()),
        ("death_date", death_date.finish()),
        ("sex", sex.finish()),
        ("ethnicity", ethnicity.finish()),
        ("nhs_number", nhs_number.finish()),
        ("upn", upn.finish()),
        ("postcode", postcode.finish()),
    ];
    provenance.finish(&mut columns);
    table(columns)
}

/// Every professional: `professional_id`, name, job title, ids, agency, team, contact,
/// the period they are in post, provenance.
pub fn professionals(net: &Network) -> Result<ArrowTable, String> {
    let mut professional_id = Strings::default();
    let mut name = Strings::default();
    let mut job_title = Codes::default();
    let mut staff_id = Strings::default();
    let mut registration_number = Strings::default();
    let mut agency_id = Codes::default();
    let mut agency = Codes::default();
    let mut team_id = Codes::default();
    let mut team = Codes::default();
    let mut email = Strings::default();
    let mut phone = Strings::default();
    let mut start = Dates::default();
    let mut end = Dates::default();
    let mut provenance = Provenance::default();
    for p in net.professionals() {
        professional_id.push(Some(p.key.as_str()));
        name.push(p.name.as_deref());
        job_title.push(p.job_title.as_deref());
        staff_id.push(p.staff_id.as_deref());
        registration_number.push(p.registration_number.as_deref());
        agency_id.push(p.agency.as_ref().map(|a| a.as_str()));
        agency.push(
            p.agency
                .as_ref()
                .and_then(|a| net.agency(a))
                .map(|a| a.name.as_str()),
        );
        team_id.push(p.team.as_ref().map(|t| t.as_str()));
        team.push(
            p.team
                .as_ref()
                .and_then(|t| net.team(t))
                .map(|t| t.name.as_str()),
        );
        email.push(p.email.as_deref());
        phone.push(p.phone.as_deref());
        start.push(p.active.start);
        end.push(p.active.end);
        provenance.push(&p.source);
    }
    let mut columns = vec![
        ("professional_id", professional_id.finish()),
        ("name", name.finish()),
        ("job_title", job_title.finish()),
        ("staff_id", staff_id.finish()),
        ("registration_number", registration_number.finish()),
        ("agency_id", agency_id.finish()),
        ("agency", agency.finish()),
        ("team_id", team_id.finish()),
        ("team", team.finish()),
        ("email", email.finish()),
        ("phone", phone.finish()),
        ("start", start.finish()),
        ("end", end.finish()),
    ];
    provenance.finish(&mut columns);
    table(columns)
}

/// Finds the position of a record among the network's records of its kind from its
/// address alone, without reading the record (which, at 5M involvements, would be a cache
/// miss per row).
///
/// The network keeps each kind of record in one array, so the addresses the iterator gives
/// are usually evenly spaced: then the position is arithmetic, checked exactly. Otherwise
/// (a layout this code does not expect) it falls back to a hash map of addresses. Either
/// way the answer is exact; only the speed differs.
struct Positions {
    base: usize,
    stride: usize,
    len: usize,
    fallback: Option<FxHashMap<usize, i32>>,
}

impl Positions {
    fn new<'a, T: 'a>(records: impl Iterator<Item = &'a T>) -> Self {
        let addresses: Vec<usize> = records.map(|r| std::ptr::from_ref(r) as usize).collect();
        let len = addresses.len();
        let base = addresses.first().copied().unwrap_or(0);
        let stride = match addresses.get(1) {
            Some(&second) => second.wrapping_sub(base),
            None => 1,
        };
        let regular = stride > 0
            && i32::try_from(len).is_ok()
            && addresses
                .iter()
                .enumerate()
                .all(|(i, &a)| Some(a) == i.checked_mul(stride).and_then(|o| base.checked_add(o)));
        let fallback = (!regular).then(|| {
            addresses
                .iter()
                .enumerate()
                .filter_map(|(i, &a)| Some((a, i32::try_from(i).ok()?)))
                .collect()
        });
        Self {
            base,
            stride,
            len,
            fallback,
        }
    }

    /// The position of the record at `record`'s address, if it is one of the records.
    fn of<T>(&self, record: &T) -> Option<i32> {
        let address = std::ptr::from_ref(record) as usize;
        if let Some(map) = &self.fallback {
            return map.get(&address).copied();
        }
        let offset = address.checked_sub(self.base)?;
        if offset % self.stride != 0 || offset / self.stride >= self.len {
            return None;
        }
        i32::try_from(offset / self.stride).ok()
    }
}

/// A dictionary-encoded column whose dictionary is given up front (every person's key, in
/// the network's order); rows hold positions in it.
struct Indexed {
    keys: Int32Builder,
    values: ArrayRef,
}

impl Indexed {
    fn new<'a>(values: impl Iterator<Item = &'a str>) -> Self {
        Self {
            keys: Int32Builder::new(),
            values: Arc::new(values.map(Some).collect::<StringArray>()),
        }
    }
    fn push(&mut self, position: Option<i32>) {
        self.keys.append_option(position);
    }
    fn finish(mut self) -> Result<ArrayRef, String> {
        DictionaryArray::<Int32Type>::try_new(self.keys.finish(), self.values)
            .map(|a| Arc::new(a) as ArrayRef)
            .map_err(|e| e.to_string())
    }
}

/// A dictionary-encoded column of a few distinct strings that live in the network (role
/// codes, end reasons, source systems): each distinct address is looked up once by its
/// text, then by address (a cheap hash) for every other row.
#[derive(Default)]
struct Interned<'n> {
    keys: Int32Builder,
    values: StringBuilder,
    by_address: FxHashMap<usize, i32>,
    by_text: FxHashMap<&'n str, i32>,
}

impl<'n> Interned<'n> {
    /// Appends the text of `owner` (whose address identifies it), computed by `text` the
    /// first time this address is seen.
    fn push<T: ?Sized>(&mut self, owner: Option<&'n T>, text: impl FnOnce(&'n T) -> &'n str) {
        let Some(owner) = owner else {
            self.keys.append_null();
            return;
        };
        let address = std::ptr::from_ref(owner).cast::<()>() as usize;
        let code = match self.by_address.get(&address) {
            Some(&code) => code,
            None => {
                let text = text(owner);
                let next = i32::try_from(self.by_text.len()).unwrap_or(i32::MAX);
                let code = *self.by_text.entry(text).or_insert_with(|| {
                    self.values.append_value(text);
                    next
                });
                self.by_address.insert(address, code);
                code
            }
        };
        self.keys.append_value(code);
    }
    fn finish(mut self) -> Result<ArrayRef, String> {
        DictionaryArray::<Int32Type>::try_new(self.keys.finish(), Arc::new(self.values.finish()))
            .map(|a| Arc::new(a) as ArrayRef)
            .map_err(|e| e.to_string())
    }
}

fn end_reason_code(reason: &EndReason) -> &str {
    match reason {
        EndReason::Dfe(r) => r.code(),
        EndReason::Source(s) => s,
    }
}

/// Every involvement (or only those active on `active_on`): ids of the involvement, person,
/// professional and team, role code and category, period, end reason, sensitivity,
/// provenance.
///
/// `person_id`, `professional_id` and `team_id` are dictionary-encoded, with every person's
/// (professional's, team's) key as the dictionary: building them reads no person record.
pub fn involvements(net: &Network, active_on: Option<NaiveDate>) -> Result<ArrowTable, String> {
    let persons = Positions::new(net.persons());
    let professionals = Positions::new(net.professionals());
    let teams = Positions::new(net.teams());
    let mut involvement_id = Strings::default();
    let mut person_id = Indexed::new(net.persons().map(|p| p.key.as_str()));
    let mut professional_id = Indexed::new(net.professionals().map(|p| p.key.as_str()));
    let mut team_id = Indexed::new(net.teams().map(|t| t.key.as_str()));
    let mut role = Interned::default();
    let mut role_category = Interned::default();
    let mut start = Dates::default();
    let mut end = Dates::default();
    let mut end_reason = Interned::default();
    let mut sensitivity = Interned::default();
    let mut source_system = Interned::default();
    let mut source_file = Interned::default();
    let mut source_row = UInt64Builder::new();
    let categories: Vec<RoleCategory> = RoleCategory::ALL.to_vec();
    let sensitivities = [
        Sensitivity::Standard,
        Sensitivity::SensitiveService,
        Sensitivity::Restricted,
    ];
    let sensitivity_names: Vec<String> = sensitivities.iter().map(serde_name).collect();
    for i in net.involvements() {
        let period: Period = i.period();
        if active_on.is_some_and(|d| !period.contains(d)) {
            continue;
        }
        involvement_id.push(Some(i.key().as_str()));
        let person = persons.of(i.person());
        if person.is_none() {
            return Err("an involvement's person is not among the persons".into());
        }
        person_id.push(person);
        professional_id.push(i.professional().and_then(|p| professionals.of(p)));
        team_id.push(i.team().and_then(|t| teams.of(t)));
        role.push(Some(i.role_code()), |code| code);
        let category = i.role();
        let c = categories.iter().position(|c| *c == category);
        role_category.push(c.map(|c| &categories[c]), |c| c.as_str());
        start.push(period.start);
        end.push(period.end);
        end_reason.push(i.end_reason(), end_reason_code);
        let s = i.sensitivity();
        let k = sensitivities.iter().position(|x| *x == s);
        sensitivity.push(k.map(|k| &sensitivity_names[k]), String::as_str);
        let origin = i.source().origin();
        source_system.push(Some(origin.as_ref()), |o| o.system.as_str());
        source_file.push(Some(origin.as_ref()).filter(|o| o.file.is_some()), |o| {
            o.file.as_deref().unwrap_or_default()
        });
        source_row.append_option(i.source().row_number());
    }
    table(vec![
        ("involvement_id", involvement_id.finish()),
        ("person_id", person_id.finish()?),
        ("professional_id", professional_id.finish()?),
        ("team_id", team_id.finish()?),
        ("role", role.finish()?),
        ("role_category", role_category.finish()?),
        ("start", start.finish()),
        ("end", end.finish()),
        ("end_reason", end_reason.finish()?),
        ("sensitivity", sensitivity.finish()?),
        ("source_system", source_system.finish()?),
        ("source_file", source_file.finish()?),
        ("source_row", Arc::new(source_row.finish())),
    ])
}

/// Every episode: ids, kind, period, the detail codes of each kind, provenance.
pub fn episodes(net: &Network) -> Result<ArrowTable, String> {
    let mut episode_id = Strings::default();
    let mut person_id = Strings::default();
    let mut kind = Codes::default();
    let mut start = Dates::default();
    let mut end = Dates::default();
    let mut category_of_abuse = Codes::default();
    let mut legal_status = Codes::default();
    let mut placement = Codes::default();
    let mut primary_need = Codes::default();
    let mut referral_source = Codes::default();
    let mut closure_reason = Codes::default();
    let mut reason = Strings::default();
    let mut provenance = Provenance::default();
    let mut kinds = EnumNames::<8>::new();
    for e in net.episodes() {
        episode_id.push(Some(e.key.as_str()));
        person_id.push(Some(e.person.as_str()));
        let k = e.detail.kind();
        kind.push(Some(kinds.get(k as usize, &k)));
        start.push(e.period.start);
        end.push(e.period.end);
        let (mut abuse, mut legal, mut place, mut need, mut referral, mut closure, mut why) =
            (None, None, None, None, None, None, None);
        match &e.detail {
            EpisodeDetail::EarlyHelp { reason } => why = reason.as_deref(),
            EpisodeDetail::ChildInNeed {
                referral_source,
                primary_need,
                closure_reason,
                ..
            } => {
                referral = referral_source.as_deref();
                need = primary_need.as_deref();
                closure = closure_reason.as_deref();
            }
            EpisodeDetail::Section47 { outcome, .. } => why = outcome.as_deref(),
            EpisodeDetail::ChildProtectionPlan {
                category_of_abuse, ..
            } => {
                abuse = category_of_abuse.map(|c| c.code());
            }
            EpisodeDetail::LookedAfter {
                legal_status,
                placement,
                ..
            } => {
                legal = legal_status.as_deref();
                place = placement.as_deref();
            }
        }
        category_of_abuse.push(abuse);
        legal_status.push(legal);
        placement.push(place);
        primary_need.push(need);
        referral_source.push(referral);
        closure_reason.push(closure);
        reason.push(why);
        provenance.push(&e.source);
    }
    let mut columns = vec![
        ("episode_id", episode_id.finish()),
        ("person_id", person_id.finish()),
        ("kind", kind.finish()),
        ("start", start.finish()),
        ("end", end.finish()),
        ("category_of_abuse", category_of_abuse.finish()),
        ("legal_status", legal_status.finish()),
        ("placement", placement.finish()),
        ("primary_need", primary_need.finish()),
        ("referral_source", referral_source.finish()),
        ("closure_reason", closure_reason.finish()),
        ("reason", reason.finish()),
    ];
    provenance.finish(&mut columns);
    table(columns)
}

/// Relationships between persons (or those active on `active_on`): `relationship_id`,
/// `from_id`, `to_id`, `kind`, `parental_responsibility`, period.
pub fn relationships(net: &Network, active_on: Option<NaiveDate>) -> Result<ArrowTable, String> {
    let mut relationship_id = Strings::default();
    let mut from_id = Strings::default();
    let mut to_id = Strings::default();
    let mut kind = Codes::default();
    let mut parental = BooleanBuilder::new();
    let mut start = Dates::default();
    let mut end = Dates::default();
    let mut kinds = EnumNames::<16>::new();
    for r in net.relationships() {
        if active_on.is_some_and(|d| !r.period.contains(d)) {
            continue;
        }
        relationship_id.push(Some(r.key.as_str()));
        from_id.push(Some(r.from.as_str()));
        to_id.push(Some(r.to.as_str()));
        kind.push(Some(kinds.get(r.kind as usize, &r.kind)));
        parental.append_value(r.parental_responsibility);
        start.push(r.period.start);
        end.push(r.period.end);
    }
    table(vec![
        ("relationship_id", relationship_id.finish()),
        ("from_id", from_id.finish()),
        ("to_id", to_id.finish()),
        ("kind", kind.finish()),
        ("parental_responsibility", Arc::new(parental.finish())),
        ("start", start.finish()),
        ("end", end.finish()),
    ])
}

/// Household memberships (or those active on `active_on`): `household_id`, `person_id`,
/// period.
pub fn household_members(
    net: &Network,
    active_on: Option<NaiveDate>,
) -> Result<ArrowTable, String> {
    let mut household_id = Strings::default();
    let mut person_id = Strings::default();
    let mut start = Dates::default();
    let mut end = Dates::default();
    for h in net.households() {
        let members = net.household_members(&h.key).map_err(|e| e.to_string())?;
        for (person, period) in members {
            if active_on.is_some_and(|d| !period.contains(d)) {
                continue;
            }
            household_id.push(Some(h.key.as_str()));
            person_id.push(Some(person.key.as_str()));
            start.push(period.start);
            end.push(period.end);
        }
    }
    table(vec![
        ("household_id", household_id.finish()),
        ("person_id", person_id.finish()),
        ("start", start.finish()),
        ("end", end.finish()),
    ])
}

/// Every team: `team_id`, `name`, `agency_id`, `parent_id`.
pub fn teams(net: &Network) -> Result<ArrowTable, String> {
    let mut team_id = Strings::default();
    let mut name = Strings::default();
    let mut agency_id = Codes::default();
    let mut parent_id = Strings::default();
    for t in net.teams() {
        team_id.push(Some(t.key.as_str()));
        name.push(Some(&t.name));
        agency_id.push(t.agency.as_ref().map(|a| a.as_str()));
        parent_id.push(t.parent.as_ref().map(|p| p.as_str()));
    }
    table(vec![
        ("team_id", team_id.finish()),
        ("name", name.finish()),
        ("agency_id", agency_id.finish()),
        ("parent_id", parent_id.finish()),
    ])
}

/// Every agency: `agency_id`, `name`, `kind`, `ods_code`, `school_urn`.
pub fn agencies(net: &Network) -> Result<ArrowTable, String> {
    let mut agency_id = Strings::default();
    let mut name = Strings::default();
    let mut kind = Codes::default();
    let mut ods_code = Strings::default();
    let mut school_urn = Strings::default();
    let mut kinds = EnumNames::<16>::new();
    for a in net.agencies() {
        agency_id.push(Some(a.key.as_str()));
        name.push(Some(&a.name));
        kind.push(Some(kinds.get(a.kind as usize, &a.kind)));
        ods_code.push(a.ods_code.as_deref());
        school_urn.push(a.school_urn.as_deref());
    }
    table(vec![
        ("agency_id", agency_id.finish()),
        ("name", name.finish()),
        ("kind", kind.finish()),
        ("ods_code", ods_code.finish()),
        ("school_urn", school_urn.finish()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_records_in_one_array() {
        let records = [10_u64, 11, 12, 13];
        let positions = Positions::new(records.iter());
        assert!(positions.fallback.is_none(), "evenly spaced");
        for (i, r) in records.iter().enumerate() {
            assert_eq!(positions.of(r), Some(i as i32));
        }
        let elsewhere = 12_u64;
        assert_eq!(positions.of(&elsewhere), None);
        // Not on a record boundary: inside the array but between two records.
        let bytes = [[0_u8; 4]; 3];
        let by_record = Positions::new(bytes.iter());
        let inside: &u8 = &bytes[1][2];
        assert_eq!(by_record.of(inside), None);
    }

    #[test]
    fn positions_of_scattered_records_fall_back_to_a_map() {
        let boxes: Vec<Box<u64>> = (0..50).map(Box::new).collect();
        // Reverse order: addresses go down, never evenly spaced upwards from the first.
        let positions = Positions::new(boxes.iter().rev().map(|b| b.as_ref()));
        assert!(positions.fallback.is_some());
        for (i, b) in boxes.iter().rev().enumerate() {
            assert_eq!(positions.of(b.as_ref()), Some(i as i32));
        }
        assert_eq!(positions.of(&7_u64), None);
        assert_eq!(Positions::new(std::iter::empty::<&u64>()).of(&1_u64), None);
    }

    #[test]
    fn dates_count_days_from_the_unix_epoch() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(date32(d(1970, 1, 1)), 0);
        assert_eq!(date32(d(1970, 1, 2)), 1);
        assert_eq!(date32(d(1969, 12, 31)), -1);
        // 2000-03-01: 30 years of 365 days plus 7 leap days (72..96), plus Jan and Feb
        // of a leap year (31 + 29).
        assert_eq!(date32(d(2000, 3, 1)), 30 * 365 + 7 + 31 + 29);
    }
}
