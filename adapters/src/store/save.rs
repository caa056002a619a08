//! Writing a whole network: one transaction, prepared multi-row inserts.

use std::path::Path;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use patchwork_core::{Household, Network, Origin, Period, Person, Source};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, Statement, ToSql, TransactionBehavior};
use rustc_hash::FxHashMap;

use super::rows;
use super::schema::TABLES_CHILDREN_FIRST;
use super::{StoreError, sqlite};

/// How many rows each table received from a [`Store::save`](super::Store::save).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
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
    /// One multi-row `INSERT` into a table has run, or (in an incremental save) a
    /// couple more single-row `DELETE`s or `UPDATE`s.
    Batch {
        /// The table.
        table: &'static str,
        /// Rows (or statements) of the table written so far in this step.
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
pub(super) struct DateText {
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

pub(super) fn date(d: Option<NaiveDate>) -> Option<DateText> {
    d.map(DateText::new)
}

/// Binds one row's values, left to right, into a multi-row statement.
pub(super) struct Binder<'s, 'c> {
    stmt: &'s mut Statement<'c>,
    next: usize,
}

impl<'s, 'c> Binder<'s, 'c> {
    /// A binder filling `stmt`'s parameters from the first.
    pub(super) fn new(stmt: &'s mut Statement<'c>) -> Self {
        Self { stmt, next: 0 }
    }

    pub(super) fn put<T: ToSql>(&mut self, value: T) -> rusqlite::Result<&mut Self> {
        self.next += 1;
        self.stmt.raw_bind_parameter(self.next, value)?;
        Ok(self)
    }
}

/// The origins of a network's records, with their ids in `origins`: those the store
/// holds already, and new ones numbered after them as they are first met.
#[derive(Default)]
pub(super) struct Origins {
    /// By the shared origin's address: the rows of one file share one `Arc`.
    by_ptr: FxHashMap<usize, i64>,
    by_value: FxHashMap<Origin, i64>,
    /// Origins not in the store yet, with their new ids, to be inserted.
    pub(super) new: Vec<(i64, Arc<Origin>)>,
    /// The highest id given so far.
    last_id: i64,
}

impl Origins {
    /// The origins a store holds already (none for a save that empties it first).
    pub(super) fn stored(conn: &Connection) -> rusqlite::Result<Self> {
        let mut origins = Self::default();
        let mut stmt = conn.prepare("SELECT id, system, file FROM origins ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let origin = Origin {
                system: row.get(1)?,
                file: row.get(2)?,
            };
            origins.by_value.entry(origin).or_insert(id);
            origins.last_id = origins.last_id.max(id);
        }
        Ok(origins)
    }

    pub(super) fn note(&mut self, source: &Source) {
        let ptr = Arc::as_ptr(source.origin()) as usize;
        if self.by_ptr.contains_key(&ptr) {
            return;
        }
        let id = match self.by_value.get(source.origin().as_ref()) {
            Some(&id) => id,
            None => {
                self.last_id += 1;
                let id = self.last_id;
                self.by_value.insert(Origin::clone(source.origin()), id);
                self.new.push((id, Arc::clone(source.origin())));
                id
            }
        };
        self.by_ptr.insert(ptr, id);
    }

    /// The id of a noted source's origin.
    fn id(&self, source: &Source) -> i64 {
        let ptr = Arc::as_ptr(source.origin()) as usize;
        self.by_ptr.get(&ptr).copied().unwrap_or(0)
    }

    /// Inserts the new origins.
    pub(super) fn insert_new(&self, w: &mut Writer<'_, '_>) -> rusqlite::Result<u64> {
        w.insert(
            "origins",
            &["id", "system", "file"],
            self.new.iter(),
            |b, (id, o)| {
                b.put(id)?.put(&o.system)?.put(&o.file)?;
                Ok(())
            },
        )
    }
}

/// Everything one `save` writes, keeping the error's table at hand.
pub(super) struct Writer<'c, 'h> {
    pub(super) conn: &'c Connection,
    /// The table being written, for errors.
    pub(super) table: &'static str,
    pub(super) hook: Hook<'h>,
    /// Called with the number of rows (or statements) each step wrote.
    pub(super) progress: &'h mut dyn FnMut(u64),
}

impl<'c> Writer<'c, '_> {
    /// Inserts `rows` into `table` with multi-row `INSERT`s, `bind` giving each row's
    /// values in `columns` order. Returns the number of rows.
    pub(super) fn insert<T>(
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
        let progress = &mut *self.progress;
        let mut flush = |stmt: &mut Statement<'c>, batch: &mut Vec<T>| -> rusqlite::Result<()> {
            let mut binder = Binder { stmt, next: 0 };
            for row in batch.iter() {
                bind(&mut binder, row)?;
            }
            debug_assert_eq!(binder.next, batch.len() * columns.len());
            binder.stmt.raw_execute()?;
            written += batch.len() as u64;
            progress(batch.len() as u64);
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

pub(super) fn period(b: &mut Binder<'_, '_>, p: Period) -> rusqlite::Result<()> {
    b.put(date(p.start))?.put(date(p.end))?;
    Ok(())
}

pub(super) fn source(
    b: &mut Binder<'_, '_>,
    origins: &Origins,
    s: &Source,
) -> rusqlite::Result<()> {
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
        progress: &mut |_| {},
    };
    let summary = write_all(&mut w, net, &origins).map_err(|e| {
        let action = if w.table.is_empty() {
            "emptying the store".to_owned()
        } else {
            format!("saving table {}", w.table)
        };
        sqlite(path, &action, e)
    })?;
    hook(Checkpoint::BeforeCommit);
    tx.commit()
        .map_err(|e| sqlite(path, "committing the save", e))?;
    hook(Checkpoint::Committed);
    // Fold the write-ahead log back into the file and truncate it, so that a large save
    // does not leave a log the size of the store beside it. Readers still holding the old
    // snapshot can make this give up; the next save tries again.
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    hook(Checkpoint::WalCheckpointed);
    Ok(summary)
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
        origins: origins.insert_new(w)?,
        ..SaveSummary::default()
    };
    let o = origins;
    s.agencies = w.insert("agencies", rows::AGENCIES, net.agencies(), |b, r| {
        rows::agency(b, o, r)
    })?;
    s.teams = w.insert("teams", rows::TEAMS, net.teams(), |b, r| {
        rows::team(b, o, r)
    })?;
    s.professionals = w.insert(
        "professionals",
        rows::PROFESSIONALS,
        net.professionals(),
        |b, r| rows::professional(b, o, r),
    )?;
    s.persons = w.insert("persons", rows::PERSONS, net.persons(), |b, r| {
        rows::person(b, o, r)
    })?;
    s.person_identifiers = w.insert(
        "person_identifiers",
        rows::PERSON_IDENTIFIERS,
        net.persons()
            .flat_map(|p: &Person| p.other_identifiers.iter().map(move |i| (&p.key, i))),
        rows::person_identifier,
    )?;
    s.households = w.insert("households", rows::HOUSEHOLDS, net.households(), |b, r| {
        rows::household(b, o, r)
    })?;
    s.household_members = w.insert(
        "household_members",
        rows::HOUSEHOLD_MEMBERS,
        net.households().flat_map(|h| members(net, h)),
        rows::household_member,
    )?;
    s.relationships = w.insert(
        "relationships",
        rows::RELATIONSHIPS,
        net.relationships(),
        |b, r| rows::relationship(b, o, r),
    )?;
    s.episodes = w.insert("episodes", rows::EPISODES, net.episodes(), |b, r| {
        rows::episode(b, o, r)
    })?;
    s.activities = w.insert("activities", rows::ACTIVITIES, net.activities(), |b, r| {
        rows::activity(b, o, r)
    })?;
    s.involvements = w.insert(
        "involvements",
        rows::INVOLVEMENTS,
        net.involvements(),
        |b, r| rows::involvement(b, o, r),
    )?;
    s.identity_links = w.insert(
        "identity_links",
        rows::IDENTITY_LINKS,
        net.identity_links(),
        |b, r| rows::identity_link(b, o, r),
    )?;
    Ok(s)
}

/// A household's memberships, as rows of `household_members`.
pub(super) fn members<'n>(
    net: &'n Network,
    h: &'n Household,
) -> impl Iterator<Item = rows::Member<'n>> + 'n {
    net.household_members(&h.key)
        .unwrap_or_default()
        .into_iter()
        .map(move |(p, when)| (&h.key, &p.key, when))
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
