//! Saving only what changed: the rows that differ between the network the store holds and
//! the one to save, written in one transaction.
//!
//! A record is written when it is new, or when any of its fields other than its provenance
//! differs from the stored one; a stored record the new network lacks is deleted. A record
//! that is the same apart from its provenance (it moved to another row of tonight's file)
//! keeps the stored provenance: `source_row` is the row of the extract that last changed the
//! record.

use std::path::Path;

use patchwork_core::{
    Activity, Agency, Episode, Household, IdentityLink, InvolvementRef, Network, Person,
    Professional, Relationship, Source, Team,
};
use rusqlite::{Connection, TransactionBehavior};

use super::rows::{self, Member};
use super::save::{Binder, Checkpoint, Hook, Origins, SaveSummary, Writer, members};
use super::{StoreError, sqlite};

/// What an incremental save wrote, table by table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeltaSummary {
    /// Rows added.
    pub inserted: SaveSummary,
    /// Rows rewritten because the record changed.
    pub updated: SaveSummary,
    /// Rows deleted because the new network no longer has the record.
    pub deleted: SaveSummary,
}

impl DeltaSummary {
    /// Rows inserted, updated and deleted, all tables together.
    pub fn total(&self) -> u64 {
        self.inserted.total() + self.updated.total() + self.deleted.total()
    }
}

/// Equality of two records in every field but their provenance.
trait SameButSource {
    fn same_but_source(&self, other: &Self) -> bool;
}

/// Implements [`SameButSource`] field by field. The pattern names every field, so a field
/// added to a record stops the build here until it is compared too.
macro_rules! same_but_source {
    ($($t:ident { $($field:ident),* };)*) => {$(
        impl SameButSource for $t {
            fn same_but_source(&self, other: &Self) -> bool {
                let $t { $($field,)* source: _ } = self;
                $(*$field == other.$field &&)* true
            }
        }
    )*};
}

same_but_source! {
    Agency { key, name, kind, ods_code, school_urn };
    Team { key, name, agency, parent };
    Professional {
        key, name, job_title, staff_id, registration_number, agency, team, email, phone, active
    };
    Person {
        key, kind, nhs_number, upn, former_upn, given_name, family_name, birth_date,
        expected_birth_date, sex, ethnicity, death_date, disabilities, upn_unknown, postcode,
        other_identifiers, looked_after, shielded
    };
    Household { key, name };
    Relationship { key, from, to, kind, parental_responsibility, period };
    Episode { key, person, period, detail };
    Activity { key, person, professional, team, kind, period };
    IdentityLink { person, record, matched_on };
}

/// Equal in every field but (perhaps) the provenance.
fn unchanged<R: SameButSource>(old: &R, new: &R) -> bool {
    old.same_but_source(new)
}

fn same_involvement(old: InvolvementRef<'_>, new: InvolvementRef<'_>) -> bool {
    old.person().key == new.person().key
        && old.professional().map(|p| &p.key) == new.professional().map(|p| &p.key)
        && old.team().map(|t| &t.key) == new.team().map(|t| &t.key)
        && old.role_code() == new.role_code()
        && old.role() == new.role()
        && old.period() == new.period()
        && old.end_reason() == new.end_reason()
        && old.sensitivity() == new.sensitivity()
}

/// The changes to one keyed table.
struct Keyed<'n, T> {
    insert: Vec<T>,
    update: Vec<T>,
    delete: Vec<&'n str>,
}

impl<'n, T: Copy> Keyed<'n, T> {
    fn new(
        new: impl Iterator<Item = T>,
        old: impl Iterator<Item = T>,
        key: impl Fn(T) -> &'n str,
        stored: impl Fn(T) -> Option<T>,
        kept: impl Fn(T) -> bool,
        same: impl Fn(T, T) -> bool,
    ) -> Self {
        let (mut insert, mut update) = (Vec::new(), Vec::new());
        for record in new {
            match stored(record) {
                None => insert.push(record),
                Some(before) if !same(before, record) => update.push(record),
                Some(_) => {}
            }
        }
        let delete = old.filter(|&r| !kept(r)).map(key).collect();
        Self {
            insert,
            update,
            delete,
        }
    }

    fn len(&self) -> usize {
        self.insert.len() + self.update.len() + self.delete.len()
    }
}

/// The changes to a table without keys, whose rows belong to one parent each: the parents
/// whose rows are all deleted, and the rows then inserted.
struct Owned<'n, T> {
    delete_of: Vec<&'n str>,
    insert: Vec<T>,
}

impl<T> Owned<'_, T> {
    fn len(&self) -> usize {
        self.delete_of.len() + self.insert.len()
    }
}

/// Everything an incremental save writes, worked out before the transaction opens.
struct Plan<'n> {
    agencies: Keyed<'n, &'n Agency>,
    teams: Keyed<'n, &'n Team>,
    professionals: Keyed<'n, &'n Professional>,
    persons: Keyed<'n, &'n Person>,
    identifiers: Owned<
        'n,
        (
            &'n patchwork_core::PersonKey,
            &'n patchwork_core::OtherIdentifier,
        ),
    >,
    households: Keyed<'n, &'n Household>,
    members: Owned<'n, Member<'n>>,
    relationships: Keyed<'n, &'n Relationship>,
    episodes: Keyed<'n, &'n Episode>,
    activities: Keyed<'n, &'n Activity>,
    involvements: Keyed<'n, InvolvementRef<'n>>,
    links: Owned<'n, &'n IdentityLink>,
}

impl<'n> Plan<'n> {
    fn new(old: &'n Network, new: &'n Network) -> Self {
        let agencies = Keyed::new(
            new.agencies(),
            old.agencies(),
            |r| r.key.as_str(),
            |r| old.agency(&r.key),
            |r| new.agency(&r.key).is_some(),
            unchanged,
        );
        let teams = Keyed::new(
            new.teams(),
            old.teams(),
            |r| r.key.as_str(),
            |r| old.team(&r.key),
            |r| new.team(&r.key).is_some(),
            unchanged,
        );
        let professionals = Keyed::new(
            new.professionals(),
            old.professionals(),
            |r| r.key.as_str(),
            |r| old.professional(&r.key),
            |r| new.professional(&r.key).is_some(),
            unchanged,
        );
        let persons = Keyed::new(
            new.persons(),
            old.persons(),
            |r| r.key.as_str(),
            |r| old.person(&r.key),
            |r| new.person(&r.key).is_some(),
            unchanged,
        );
        // A person's other identifiers are rewritten with the person.
        let identifiers = Owned {
            delete_of: persons
                .delete
                .iter()
                .copied()
                .chain(persons.update.iter().map(|p| p.key.as_str()))
                .collect(),
            insert: persons
                .insert
                .iter()
                .chain(&persons.update)
                .flat_map(|p| p.other_identifiers.iter().map(move |i| (&p.key, i)))
                .collect(),
        };
        let households = Keyed::new(
            new.households(),
            old.households(),
            |r| r.key.as_str(),
            |r| old.household(&r.key),
            |r| new.household(&r.key).is_some(),
            unchanged,
        );
        let mut member_changes = Owned {
            delete_of: households.delete.clone(),
            insert: Vec::new(),
        };
        for h in new.households() {
            let now: Vec<Member<'n>> = members(new, h).collect();
            match old.household(&h.key) {
                None => member_changes.insert.extend(now),
                Some(before) => {
                    let then = members(old, before).map(|(_, p, when)| (p, when));
                    if !then.eq(now.iter().map(|&(_, p, when)| (p, when))) {
                        member_changes.delete_of.push(h.key.as_str());
                        member_changes.insert.extend(now);
                    }
                }
            }
        }
        let relationships = Keyed::new(
            new.relationships(),
            old.relationships(),
            |r| r.key.as_str(),
            |r| old.relationship(&r.key),
            |r| new.relationship(&r.key).is_some(),
            unchanged,
        );
        let episodes = Keyed::new(
            new.episodes(),
            old.episodes(),
            |r| r.key.as_str(),
            |r| old.episode(&r.key),
            |r| new.episode(&r.key).is_some(),
            unchanged,
        );
        let activities = Keyed::new(
            new.activities(),
            old.activities(),
            |r| r.key.as_str(),
            |r| old.activity(&r.key),
            |r| new.activity(&r.key).is_some(),
            unchanged,
        );
        let involvements = Keyed::new(
            new.involvements(),
            old.involvements(),
            |r| r.key().as_str(),
            |r| old.involvement(r.key()),
            |r| new.involvement(r.key()).is_some(),
            same_involvement,
        );
        // Identity links, person by person: a person's links are rewritten when any differs.
        let mut links = Owned {
            delete_of: persons.delete.clone(),
            insert: Vec::new(),
        };
        for p in new.persons() {
            let now = new.identity_links_of(&p.key).unwrap_or_default();
            let then = old.identity_links_of(&p.key).unwrap_or_default();
            let same =
                now.len() == then.len() && now.iter().zip(&then).all(|(a, b)| unchanged(*b, *a));
            if !same {
                if !then.is_empty() {
                    links.delete_of.push(p.key.as_str());
                }
                links.insert.extend(now);
            }
        }
        Self {
            agencies,
            teams,
            professionals,
            persons,
            identifiers,
            households,
            members: member_changes,
            relationships,
            episodes,
            activities,
            involvements,
            links,
        }
    }

    /// Statements (or rows) to write, for progress.
    fn len(&self) -> u64 {
        (self.agencies.len()
            + self.teams.len()
            + self.professionals.len()
            + self.persons.len()
            + self.identifiers.len()
            + self.households.len()
            + self.members.len()
            + self.relationships.len()
            + self.episodes.len()
            + self.activities.len()
            + self.involvements.len()
            + self.links.len()) as u64
    }

    /// Notes the origin of every record written.
    fn note_origins(&self, origins: &mut Origins) {
        fn note<'n, T: Copy + 'n>(
            o: &mut Origins,
            k: &Keyed<'n, T>,
            source: impl Fn(T) -> &'n Source,
        ) {
            for &r in k.insert.iter().chain(&k.update) {
                o.note(source(r));
            }
        }
        note(origins, &self.agencies, |r| &r.source);
        note(origins, &self.teams, |r| &r.source);
        note(origins, &self.professionals, |r| &r.source);
        note(origins, &self.persons, |r| &r.source);
        note(origins, &self.households, |r| &r.source);
        note(origins, &self.relationships, |r| &r.source);
        note(origins, &self.episodes, |r| &r.source);
        note(origins, &self.activities, |r| &r.source);
        note(origins, &self.involvements, |r| r.source());
        for l in &self.links.insert {
            origins.note(&l.source);
        }
    }
}

/// Runs `sql` once per key, with a checkpoint every [`STATEMENTS_PER_CHECKPOINT`].
fn by_key(
    w: &mut Writer<'_, '_>,
    table: &'static str,
    sql: &str,
    keys: &[&str],
) -> rusqlite::Result<u64> {
    w.table = table;
    let mut stmt = w.conn.prepare(sql)?;
    for (i, key) in keys.iter().enumerate() {
        stmt.execute([key])?;
        w.step(table, i + 1, i + 1 == keys.len())?;
    }
    Ok(keys.len() as u64)
}

/// Statements between two checkpoints of the deletes and updates.
const STATEMENTS_PER_CHECKPOINT: usize = 2;

impl Writer<'_, '_> {
    /// Counts one statement; calls the hook every [`STATEMENTS_PER_CHECKPOINT`] and at the
    /// last.
    fn step(&mut self, table: &'static str, done: usize, last: bool) -> rusqlite::Result<()> {
        (self.progress)(1);
        if done.is_multiple_of(STATEMENTS_PER_CHECKPOINT) || last {
            (self.hook)(Checkpoint::Batch {
                table,
                rows: done as u64,
            });
        }
        Ok(())
    }

    /// Rewrites the stored rows of changed records: `UPDATE table SET ... WHERE key = ?1`
    /// (the key is the first column).
    fn update<T>(
        &mut self,
        table: &'static str,
        columns: &[&str],
        records: &[T],
        mut bind: impl FnMut(&mut Binder<'_, '_>, &T) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<u64> {
        debug_assert_eq!(columns.first(), Some(&"key"));
        self.table = table;
        let set: Vec<String> = columns
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, c)| format!("{c} = ?{}", i + 1))
            .collect();
        let sql = format!("UPDATE {table} SET {} WHERE key = ?1", set.join(", "));
        let mut stmt = self.conn.prepare(&sql)?;
        for (i, record) in records.iter().enumerate() {
            let mut binder = Binder::new(&mut stmt);
            bind(&mut binder, record)?;
            let changed = stmt.raw_execute()?;
            if changed != 1 {
                return Err(rusqlite::Error::StatementChangedRows(changed));
            }
            self.step(table, i + 1, i + 1 == records.len())?;
        }
        Ok(records.len() as u64)
    }
}

/// A change to save: from `old` (what the store holds, loaded when its latest import was
/// `last_import`) to `new`.
pub(super) struct Change<'n> {
    pub(super) old: &'n Network,
    pub(super) new: &'n Network,
    pub(super) last_import: Option<i64>,
}

/// Writes the difference between `change.old` and `change.new`, then `extra`, in one
/// transaction. If another import has been saved since `old` was loaded, nothing is
/// written ([`StoreError::ChangedSinceLoad`]).
pub(super) fn save_delta_with<T>(
    conn: &mut Connection,
    path: &Path,
    change: Change<'_>,
    hook: Hook<'_>,
    progress: &mut dyn FnMut(u64, u64),
    extra: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<(DeltaSummary, T), StoreError> {
    let Change {
        old,
        new,
        last_import,
    } = change;
    let plan = Plan::new(old, new);

    // The rows written come from a network the core keeps consistent (every reference
    // resolves), applied to the stored copy of `old`, itself consistent: the result is
    // consistent. Checking each deleted key against every referencing table would scan
    // tables without an index on the reference, so the save's own transaction runs with
    // foreign keys off; every other write to the file is checked.
    conn.pragma_update(None, "foreign_keys", false)
        .map_err(|e| sqlite(path, "turning foreign keys off for the save", e))?;
    let result = (|| {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| sqlite(path, "starting the save", e))?;
        let stored: Option<i64> = tx
            .query_row("SELECT max(id) FROM imports", [], |r| r.get(0))
            .map_err(|e| sqlite(path, "reading the last import", e))?;
        if stored != last_import {
            return Err(StoreError::ChangedSinceLoad {
                path: path.to_path_buf(),
            });
        }
        hook(Checkpoint::Begun);
        let mut origins = Origins::stored(&tx).map_err(|e| sqlite(path, "reading origins", e))?;
        plan.note_origins(&mut origins);
        let total = plan.len() + origins.new.len() as u64;
        let mut done = 0u64;
        progress(0, total);
        let mut count = |n: u64| {
            done += n;
            progress(done, total);
        };
        let mut w = Writer {
            conn: &tx,
            table: "",
            hook: &mut *hook,
            progress: &mut count,
        };
        let summary = write_plan(&mut w, &plan, &origins).map_err(|e| {
            let action = format!("saving the changes to table {}", w.table);
            sqlite(path, &action, e)
        })?;
        let extra = extra(&tx)?;
        hook(Checkpoint::BeforeCommit);
        tx.commit()
            .map_err(|e| sqlite(path, "committing the save", e))?;
        hook(Checkpoint::Committed);
        Ok((summary, extra))
    })();
    let restored = conn.pragma_update(None, "foreign_keys", true);
    let (summary, extra) = result?;
    restored.map_err(|e| sqlite(path, "turning foreign keys back on", e))?;
    // Fold the write-ahead log back into the file (see `save`).
    let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    hook(Checkpoint::WalCheckpointed);
    Ok((summary, extra))
}

fn write_plan(
    w: &mut Writer<'_, '_>,
    plan: &Plan<'_>,
    origins: &Origins,
) -> rusqlite::Result<DeltaSummary> {
    let mut s = DeltaSummary::default();
    let del = |table: &str, column: &str| format!("DELETE FROM {table} WHERE {column} = ?1");

    // Deletes, children first.
    s.deleted.identity_links = by_key(
        w,
        "identity_links",
        &del("identity_links", "person_key"),
        &plan.links.delete_of,
    )?;
    s.deleted.involvements = by_key(
        w,
        "involvements",
        &del("involvements", "key"),
        &plan.involvements.delete,
    )?;
    s.deleted.activities = by_key(
        w,
        "activities",
        &del("activities", "key"),
        &plan.activities.delete,
    )?;
    s.deleted.episodes = by_key(
        w,
        "episodes",
        &del("episodes", "key"),
        &plan.episodes.delete,
    )?;
    s.deleted.relationships = by_key(
        w,
        "relationships",
        &del("relationships", "key"),
        &plan.relationships.delete,
    )?;
    s.deleted.household_members = by_key(
        w,
        "household_members",
        &del("household_members", "household_key"),
        &plan.members.delete_of,
    )?;
    s.deleted.households = by_key(
        w,
        "households",
        &del("households", "key"),
        &plan.households.delete,
    )?;
    s.deleted.person_identifiers = by_key(
        w,
        "person_identifiers",
        &del("person_identifiers", "person_key"),
        &plan.identifiers.delete_of,
    )?;
    s.deleted.persons = by_key(w, "persons", &del("persons", "key"), &plan.persons.delete)?;
    s.deleted.professionals = by_key(
        w,
        "professionals",
        &del("professionals", "key"),
        &plan.professionals.delete,
    )?;
    s.deleted.teams = by_key(w, "teams", &del("teams", "key"), &plan.teams.delete)?;
    s.deleted.agencies = by_key(
        w,
        "agencies",
        &del("agencies", "key"),
        &plan.agencies.delete,
    )?;

    // The new origins of what is written, then updates and inserts, parents first.
    s.inserted.origins = origins.insert_new(w)?;
    let o = origins;

    macro_rules! upsert {
        ($field:ident, $table:literal, $columns:expr, $plan:expr, $row:expr) => {
            s.updated.$field = w.update($table, $columns, &$plan.update, |b, r| $row(b, o, r))?;
            s.inserted.$field =
                w.insert($table, $columns, $plan.insert.iter(), |b, r| $row(b, o, *r))?;
        };
    }
    upsert!(
        agencies,
        "agencies",
        rows::AGENCIES,
        plan.agencies,
        rows::agency
    );
    upsert!(teams, "teams", rows::TEAMS, plan.teams, rows::team);
    upsert!(
        professionals,
        "professionals",
        rows::PROFESSIONALS,
        plan.professionals,
        rows::professional
    );
    upsert!(
        persons,
        "persons",
        rows::PERSONS,
        plan.persons,
        rows::person
    );
    s.inserted.person_identifiers = w.insert(
        "person_identifiers",
        rows::PERSON_IDENTIFIERS,
        plan.identifiers.insert.iter(),
        |b, r| rows::person_identifier(b, r),
    )?;
    upsert!(
        households,
        "households",
        rows::HOUSEHOLDS,
        plan.households,
        rows::household
    );
    s.inserted.household_members = w.insert(
        "household_members",
        rows::HOUSEHOLD_MEMBERS,
        plan.members.insert.iter(),
        |b, r| rows::household_member(b, r),
    )?;
    upsert!(
        relationships,
        "relationships",
        rows::RELATIONSHIPS,
        plan.relationships,
        rows::relationship
    );
    upsert!(
        episodes,
        "episodes",
        rows::EPISODES,
        plan.episodes,
        rows::episode
    );
    upsert!(
        activities,
        "activities",
        rows::ACTIVITIES,
        plan.activities,
        rows::activity
    );
    s.updated.involvements = w.update(
        "involvements",
        rows::INVOLVEMENTS,
        &plan.involvements.update,
        |b, r| rows::involvement(b, o, r),
    )?;
    s.inserted.involvements = w.insert(
        "involvements",
        rows::INVOLVEMENTS,
        plan.involvements.insert.iter(),
        |b, r| rows::involvement(b, o, r),
    )?;
    s.inserted.identity_links = w.insert(
        "identity_links",
        rows::IDENTITY_LINKS,
        plan.links.insert.iter(),
        |b, r| rows::identity_link(b, o, r),
    )?;
    Ok(s)
}
