//! Writing a whole network: one transaction, prepared multi-row inserts.

use std::path::Path;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use patchwork_core::{
    EndReason, EpisodeDetail, InvolvementRef, Network, Origin, Period, Person, Source,
};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, Statement, ToSql, TransactionBehavior};
use rustc_hash::FxHashMap;

use super::codes::Code;
use super::schema::TABLES_CHILDREN_FIRST;
use super::{StoreError, sqlite};

/// How many rows each table received from a [`Store::save`](super::Store::save).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SaveSummary {
    /// Distinct origins (system and file) of the records.
    pub origins: u64,
    /// Agencies.
    pub agencies: u64,
    /// Teams.
    pub teams: u64,
    /// Professionals.
    pub professionals: u64,
    /// Persons.
    pub persons: u64,
    /// Persons' other identifiers.
    pub person_identifiers: u64,
    /// Households.
    pub households: u64,
    /// Household memberships.
    pub household_members: u64,
    /// Relationships.
    pub relationships: u64,
    /// Episodes.
    pub episodes: u64,
    /// Activities.
    pub activities: u64,
    /// Involvements.
    pub involvements: u64,
    /// Identity links.
    pub identity_links: u64,
}

impl SaveSummary {
    /// Rows written, all tables together.
    pub fn total(&self) -> u64 {
        self.origins
            + self.agencies
            + self.teams
            + self.professionals
            + self.persons
            + self.person_identifiers
            + self.households
            + self.household_members
            + self.relationships
            + self.episodes
            + self.activities
            + self.involvements
            + self.identity_links
    }
}

/// A point in a save at which a [checkpoint hook](super::Store::set_checkpoint) is called:
/// a test aid for fault injection (killing the process there must leave the store exactly
/// as before the save, or exactly as after it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Checkpoint {
    /// The write transaction is open; nothing is written yet.
    Begun,
    /// A table has been emptied.
    Emptied {
        /// The table.
        table: &'static str,
    },
    /// One multi-row `INSERT` into a table has run.
    Batch {
        /// The table.
        table: &'static str,
        /// Rows of the table written so far.
        rows: u64,
    },
    /// Everything is written (the network, and the import record of
    /// [`save_import`](super::Store::save_import)); the transaction is about to commit.
    BeforeCommit,
    /// The transaction has committed.
    Committed,
    /// The write-ahead log has been checkpointed into the file (or the attempt gave up).
    WalCheckpointed,
}

impl Checkpoint {
    /// Whether the save's transaction has committed at this point.
    pub fn is_committed(self) -> bool {
        matches!(self, Self::Committed | Self::WalCheckpointed)
    }
}

/// The hook a save calls at every [`Checkpoint`].
pub(super) type Hook<'h> = &'h mut dyn FnMut(Checkpoint);

/// Rows per `INSERT` statement: fewer statement executions, within SQLite's limit on bound
/// parameters (32766).
const ROWS_PER_INSERT: usize = 128;
const MAX_PARAMETERS: usize = 32_766;

/// A date as ISO text, formatted on the stack.
struct DateText {
    buf: [u8; 16],
    len: usize,
}

impl DateText {
    fn new(d: NaiveDate) -> Self {
        let mut buf = [0u8; 16];
        let year = d.year();
        if (0..=9999).contains(&year) {
            let digits = |n: u32, out: &mut [u8]| {
                let mut n = n;
                for b in out.iter_mut().rev() {
                    *b = b'0' + (n % 10) as u8;
                    n /= 10;
                }
            };
            digits(year as u32, &mut buf[0..4]);
            buf[4] = b'-';
            digits(d.month(), &mut buf[5..7]);
            buf[7] = b'-';
            digits(d.day(), &mut buf[8..10]);
            Self { buf, len: 10 }
        } else {
            // chrono's signed, extended form: `+12345-01-01`, `-0001-12-31`.
            use std::io::Write;
            let mut cursor = std::io::Cursor::new(&mut buf[..]);
            let _ = write!(cursor, "{d}");
            let len = usize::try_from(cursor.position()).unwrap_or(0);
            Self { buf, len }
        }
    }
}

impl ToSql for DateText {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(&self.buf[..self.len])))
    }
}

fn date(d: Option<NaiveDate>) -> Option<DateText> {
    d.map(DateText::new)
}

/// Binds one row's values, left to right, into a multi-row statement.
struct Binder<'s, 'c> {
    stmt: &'s mut Statement<'c>,
    next: usize,
}

impl Binder<'_, '_> {
    fn put<T: ToSql>(&mut self, value: T) -> rusqlite::Result<&mut Self> {
        self.next += 1;
        self.stmt.raw_bind_parameter(self.next, value)?;
        Ok(self)
    }
}

/// The origins of a network's records, numbered as they are first met.
#[derive(Default)]
struct Origins {
    /// By the shared origin's address: the rows of one file share one `Arc`.
    by_ptr: FxHashMap<usize, i64>,
    by_value: FxHashMap<Origin, i64>,
    list: Vec<Arc<Origin>>,
}

impl Origins {
    fn note(&mut self, source: &Source) {
        let ptr = Arc::as_ptr(source.origin()) as usize;
        if self.by_ptr.contains_key(&ptr) {
            return;
        }
        let next = i64::try_from(self.list.len()).unwrap_or(i64::MAX) + 1;
        let id = *self
            .by_value
            .entry(Origin::clone(source.origin()))
            .or_insert_with(|| {
                self.list.push(Arc::clone(source.origin()));
                next
            });
        self.by_ptr.insert(ptr, id);
    }

    /// The id of a noted source's origin.
    fn id(&self, source: &Source) -> i64 {
        let ptr = Arc::as_ptr(source.origin()) as usize;
        self.by_ptr.get(&ptr).copied().unwrap_or(0)
    }
}

/// Everything one `save` writes, keeping the error's table at hand.
struct Writer<'c, 'h> {
    conn: &'c Connection,
    table: &'static str,
    hook: Hook<'h>,
}

impl<'c> Writer<'c, '_> {
    /// Inserts `rows` into `table` with multi-row `INSERT`s, `bind` giving each row's
    /// values in `columns` order. Returns the number of rows.
    fn insert<T>(
        &mut self,
        table: &'static str,
        columns: &[&str],
        rows: impl IntoIterator<Item = T>,
        mut bind: impl FnMut(&mut Binder<'_, 'c>, &T) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<u64> {
        self.table = table;
        let per = ROWS_PER_INSERT.min(MAX_PARAMETERS / columns.len()).max(1);
        let sql = |n: usize| {
            let one = format!("({})", vec!["?"; columns.len()].join(","));
            format!(
                "INSERT INTO {table} ({}) VALUES {}",
                columns.join(", "),
                vec![one; n].join(",")
            )
        };
        let mut full = self.conn.prepare(&sql(per))?;
        let mut batch: Vec<T> = Vec::with_capacity(per);
        let mut written = 0u64;
        let mut count = 0u64;
        let hook = &mut *self.hook;
        let mut flush = |stmt: &mut Statement<'c>, batch: &mut Vec<T>| -> rusqlite::Result<()> {
            let mut binder = Binder { stmt, next: 0 };
            for row in batch.iter() {
                bind(&mut binder, row)?;
            }
            debug_assert_eq!(binder.next, batch.len() * columns.len());
            binder.stmt.raw_execute()?;
            written += batch.len() as u64;
            hook(Checkpoint::Batch {
                table,
                rows: written,
            });
            batch.clear();
            Ok(())
        };
        for row in rows {
            batch.push(row);
            count += 1;
            if batch.len() == per {
                flush(&mut full, &mut batch)?;
            }
        }
        if !batch.is_empty() {
            let mut tail = self.conn.prepare(&sql(batch.len()))?;
            flush(&mut tail, &mut batch)?;
        }
        Ok(count)
    }
}

fn period(b: &mut Binder<'_, '_>, p: Period) -> rusqlite::Result<()> {
    b.put(date(p.start))?.put(date(p.end))?;
    Ok(())
}

fn source(b: &mut Binder<'_, '_>, origins: &Origins, s: &Source) -> rusqlite::Result<()> {
    let row = match s.row_number() {
        None => None,
        Some(r) => Some(i64::try_from(r).map_err(|_| {
            rusqlite::Error::ToSqlConversionFailure(
                format!("row number {r} of {s} is beyond SQLite's integers").into(),
            )
        })?),
    };
    b.put(origins.id(s))?.put(row)?;
    Ok(())
}

pub(super) fn save(
    conn: &mut Connection,
    path: &Path,
    net: &Network,
    hook: Hook<'_>,
) -> Result<SaveSummary, StoreError> {
    save_with(conn, path, net, hook, |_| Ok(())).map(|(summary, ())| summary)
}

/// [`save`], then `extra` on the same transaction before it commits: what `extra` writes
/// is committed together with the network, or not at all.
pub(super) fn save_with<T>(
    conn: &mut Connection,
    path: &Path,
    net: &Network,
    hook: Hook<'_>,
    extra: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<(SaveSummary, T), StoreError> {
    let mut origins = Origins::default();
    for s in net.agencies().map(|r| &r.source) {
        origins.note(s);
    }
    for s in net.teams().map(|r| &r.source) {
        origins.note(s);
    }
    for s in net.professionals().map(|r| &r.source) {
        origins.note(s);
    }
    for s in net.persons().map(|r| &r.source) {
        origins.note(s);
    }
    for s in net.households().map(|r| &r.source) {
        origins.note(s);
    }
    for s in net.relationships().map(|r| &r.source) {
        origins.note(s);
    }
    for s in net.episodes().map(|r| &r.source) {
        origins.note(s);
    }
    for s in net.activities().map(|r| &r.source) {
        origins.note(s);
    }
    for r in net.involvements() {
        origins.note(r.source());
    }
    for s in net.identity_links().map(|r| &r.source) {
        origins.note(s);
    }

    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| sqlite(path, "starting the save", e))?;
    hook(Checkpoint::Begun);
    let mut w = Writer {
        conn: &tx,
        table: "",
        hook: &mut *hook,
    };
    let summary = write_all(&mut w, net, &origins).map_err(|e| {
        let action = if w.table.is_empty() {
            "emptying the store".to_owned()
        } else {
            format!("saving table {}", w.table)
        };
        sqlite(path, &action, e)
    })?;
    let extra = extra(&tx)?;
    hook(Checkpoint::BeforeCommit);
    tx.commit()
        .map_err(|e| sqlite(path, "committing the save", e))?;
    hook(Checkpoint::Committed);
    // Fold the write-ahead log back into the file and truncate it, so that a large save
    // does not leave a log the size of the store beside it. Readers still holding the old
    // snapshot can make this give up; the next save tries again.
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    hook(Checkpoint::WalCheckpointed);
    Ok((summary, extra))
}

fn write_all(
    w: &mut Writer<'_, '_>,
    net: &Network,
    origins: &Origins,
) -> rusqlite::Result<SaveSummary> {
    for table in TABLES_CHILDREN_FIRST {
        w.conn.execute(&format!("DELETE FROM {table}"), [])?;
        (w.hook)(Checkpoint::Emptied { table });
    }
    let mut s = SaveSummary {
        origins: w.insert(
            "origins",
            &["id", "system", "file"],
            origins.list.iter().enumerate(),
            |b, (i, o)| {
                b.put(i64::try_from(*i).unwrap_or(i64::MAX) + 1)?
                    .put(&o.system)?
                    .put(&o.file)?;
                Ok(())
            },
        )?,
        ..SaveSummary::default()
    };
    s.agencies = w.insert(
        "agencies",
        &[
            "key",
            "name",
            "kind",
            "ods_code",
            "school_urn",
            "origin_id",
            "source_row",
        ],
        net.agencies(),
        |b, a| {
            b.put(a.key.as_str())?
                .put(&a.name)?
                .put(a.kind.name())?
                .put(&a.ods_code)?
                .put(&a.school_urn)?;
            source(b, origins, &a.source)
        },
    )?;
    s.teams = w.insert(
        "teams",
        &[
            "key",
            "name",
            "agency_key",
            "parent_team_key",
            "origin_id",
            "source_row",
        ],
        net.teams(),
        |b, t| {
            b.put(t.key.as_str())?
                .put(&t.name)?
                .put(t.agency.as_ref().map(|k| k.as_str()))?
                .put(t.parent.as_ref().map(|k| k.as_str()))?;
            source(b, origins, &t.source)
        },
    )?;
    s.professionals = w.insert(
        "professionals",
        &[
            "key",
            "name",
            "job_title",
            "staff_id",
            "registration_number",
            "agency_key",
            "team_key",
            "email",
            "phone",
            "start_date",
            "end_date",
            "origin_id",
            "source_row",
        ],
        net.professionals(),
        |b, p| {
            b.put(p.key.as_str())?
                .put(&p.name)?
                .put(&p.job_title)?
                .put(&p.staff_id)?
                .put(&p.registration_number)?
                .put(p.agency.as_ref().map(|k| k.as_str()))?
                .put(p.team.as_ref().map(|k| k.as_str()))?
                .put(&p.email)?
                .put(&p.phone)?;
            period(b, p.active)?;
            source(b, origins, &p.source)
        },
    )?;
    s.persons = w.insert(
        "persons",
        &[
            "key",
            "kind",
            "nhs_number",
            "upn",
            "former_upn",
            "given_name",
            "family_name",
            "birth_date",
            "expected_birth_date",
            "sex",
            "ethnicity",
            "death_date",
            "postcode",
            "origin_id",
            "source_row",
        ],
        net.persons(),
        |b, p| {
            b.put(p.key.as_str())?
                .put(p.kind.name())?
                .put(p.nhs_number.map(|n| n.to_string()))?
                .put(p.upn.as_ref().map(|u| u.as_str()))?
                .put(p.former_upn.as_ref().map(|u| u.as_str()))?
                .put(&p.given_name)?
                .put(&p.family_name)?
                .put(date(p.birth_date))?
                .put(date(p.expected_birth_date))?
                .put(p.sex.map(Code::name))?
                .put(&p.ethnicity)?
                .put(date(p.death_date))?
                .put(&p.postcode)?;
            source(b, origins, &p.source)
        },
    )?;
    s.person_identifiers = w.insert(
        "person_identifiers",
        &["person_key", "kind", "value"],
        net.persons()
            .flat_map(|p: &Person| p.other_identifiers.iter().map(move |i| (&p.key, i))),
        |b, (person, i)| {
            b.put(person.as_str())?.put(&i.kind)?.put(&i.value)?;
            Ok(())
        },
    )?;
    s.households = w.insert(
        "households",
        &["key", "name", "origin_id", "source_row"],
        net.households(),
        |b, h| {
            b.put(h.key.as_str())?.put(&h.name)?;
            source(b, origins, &h.source)
        },
    )?;
    let members = net.households().flat_map(|h| {
        net.household_members(&h.key)
            .unwrap_or_default()
            .into_iter()
            .map(move |(p, period)| (&h.key, &p.key, period))
    });
    s.household_members = w.insert(
        "household_members",
        &["household_key", "person_key", "start_date", "end_date"],
        members,
        |b, (h, p, p_period)| {
            b.put(h.as_str())?.put(p.as_str())?;
            period(b, *p_period)
        },
    )?;
    s.relationships = w.insert(
        "relationships",
        &[
            "key",
            "from_person_key",
            "to_person_key",
            "kind",
            "parental_responsibility",
            "start_date",
            "end_date",
            "origin_id",
            "source_row",
        ],
        net.relationships(),
        |b, r| {
            b.put(r.key.as_str())?
                .put(r.from.as_str())?
                .put(r.to.as_str())?
                .put(r.kind.name())?
                .put(r.parental_responsibility)?;
            period(b, r.period)?;
            source(b, origins, &r.source)
        },
    )?;
    s.episodes = w.insert(
        "episodes",
        &[
            "key",
            "person_key",
            "kind",
            "start_date",
            "end_date",
            "reason",
            "referral_source",
            "primary_need",
            "closure_reason",
            "outcome",
            "category_of_abuse",
            "legal_status",
            "placement",
            "origin_id",
            "source_row",
        ],
        net.episodes(),
        |b, e| {
            b.put(e.key.as_str())?
                .put(e.person.as_str())?
                .put(e.kind().name())?;
            period(b, e.period)?;
            // reason, referral_source, primary_need, closure_reason, outcome,
            // category_of_abuse, legal_status, placement
            let mut detail: [Option<&str>; 8] = [None; 8];
            match &e.detail {
                EpisodeDetail::EarlyHelp { reason } => detail[0] = reason.as_deref(),
                EpisodeDetail::ChildInNeed {
                    referral_source,
                    primary_need,
                    closure_reason,
                    ..
                } => {
                    detail[1] = referral_source.as_deref();
                    detail[2] = primary_need.as_deref();
                    detail[3] = closure_reason.as_deref();
                }
                EpisodeDetail::Section47 { outcome, .. } => detail[4] = outcome.as_deref(),
                EpisodeDetail::ChildProtectionPlan {
                    category_of_abuse, ..
                } => {
                    detail[5] = category_of_abuse.map(Code::name);
                }
                EpisodeDetail::LookedAfter {
                    legal_status,
                    placement,
                } => {
                    detail[6] = legal_status.as_deref();
                    detail[7] = placement.as_deref();
                }
            }
            for d in detail {
                b.put(d)?;
            }
            source(b, origins, &e.source)
        },
    )?;
    s.activities = w.insert(
        "activities",
        &[
            "key",
            "person_key",
            "professional_key",
            "team_key",
            "kind",
            "start_date",
            "end_date",
            "origin_id",
            "source_row",
        ],
        net.activities(),
        |b, a| {
            b.put(a.key.as_str())?
                .put(a.person.as_str())?
                .put(a.professional.as_ref().map(|k| k.as_str()))?
                .put(a.team.as_ref().map(|k| k.as_str()))?
                .put(a.kind.name())?;
            period(b, a.period)?;
            source(b, origins, &a.source)
        },
    )?;
    s.involvements = w.insert(
        "involvements",
        &[
            "key",
            "person_key",
            "professional_key",
            "team_key",
            "role_code",
            "role_category",
            "start_date",
            "end_date",
            "end_reason_code",
            "end_reason_text",
            "sensitivity",
            "origin_id",
            "source_row",
        ],
        net.involvements(),
        |b, i: &InvolvementRef<'_>| {
            let (code, text) = match i.end_reason() {
                None => (None, None),
                Some(EndReason::Dfe(r)) => (Some(r.name()), None),
                Some(EndReason::Source(t)) => (None, Some(t.as_str())),
            };
            b.put(i.key().as_str())?
                .put(i.person().key.as_str())?
                .put(i.professional().map(|p| p.key.as_str()))?
                .put(i.team().map(|t| t.key.as_str()))?
                .put(i.role_code())?
                .put(i.role().name())?;
            period(b, i.period())?;
            b.put(code)?.put(text)?.put(i.sensitivity().name())?;
            source(b, origins, i.source())
        },
    )?;
    s.identity_links = w.insert(
        "identity_links",
        &[
            "person_key",
            "record_key",
            "matched_on",
            "origin_id",
            "source_row",
        ],
        net.identity_links(),
        |b, l| {
            b.put(l.person.as_str())?
                .put(l.record.as_str())?
                .put(l.matched_on.name())?;
            source(b, origins, &l.source)
        },
    )?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_as_iso() {
        let text = |d: NaiveDate| {
            let t = DateText::new(d);
            String::from_utf8(t.buf[..t.len].to_vec()).unwrap()
        };
        for d in [
            NaiveDate::from_ymd_opt(2025, 1, 6).unwrap(),
            NaiveDate::from_ymd_opt(0, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(-1, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(10000, 1, 1).unwrap(),
            NaiveDate::MIN,
            NaiveDate::MAX,
        ] {
            assert_eq!(text(d), d.to_string());
        }
    }
}
