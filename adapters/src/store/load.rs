//! Reading a whole network back, in dependency order, refusing what does not parse.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use chrono::NaiveDate;
use patchwork_core::{
    Activity, Agency, Capacity, EndReason, Episode, EpisodeDetail, EpisodeKind, ExternalKey,
    Household, IdentityLink, Involvement, Network, Origin, OtherIdentifier, Period, Person,
    Professional, Relationship, Role, Source, Team,
};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row};
use rustc_hash::FxHashMap;

use super::codes::Code;
use super::{StoreError, sqlite};

/// A value that cannot be read: the column's index and what is wrong.
struct Bad {
    column: usize,
    problem: String,
}

type Cell<T> = Result<T, Bad>;

fn bad(column: usize, problem: impl Into<String>) -> Bad {
    Bad {
        column,
        problem: problem.into(),
    }
}

fn opt_text<'r>(row: &'r Row<'_>, i: usize) -> Cell<Option<&'r str>> {
    match row.get_ref(i) {
        Ok(ValueRef::Null) => Ok(None),
        Ok(ValueRef::Text(bytes)) => std::str::from_utf8(bytes)
            .map(Some)
            .map_err(|_| bad(i, "text is not valid UTF-8")),
        Ok(other) => Err(bad(
            i,
            format!("expected text, found {}", other.data_type()),
        )),
        Err(e) => Err(bad(i, e.to_string())),
    }
}

fn text<'r>(row: &'r Row<'_>, i: usize) -> Cell<&'r str> {
    opt_text(row, i)?.ok_or_else(|| bad(i, "missing (NULL)"))
}

fn opt_string(row: &Row<'_>, i: usize) -> Cell<Option<String>> {
    Ok(opt_text(row, i)?.map(str::to_owned))
}

fn opt_int(row: &Row<'_>, i: usize) -> Cell<Option<i64>> {
    match row.get_ref(i) {
        Ok(ValueRef::Null) => Ok(None),
        Ok(ValueRef::Integer(n)) => Ok(Some(n)),
        Ok(other) => Err(bad(
            i,
            format!("expected an integer, found {}", other.data_type()),
        )),
        Err(e) => Err(bad(i, e.to_string())),
    }
}

fn int(row: &Row<'_>, i: usize) -> Cell<i64> {
    opt_int(row, i)?.ok_or_else(|| bad(i, "missing (NULL)"))
}

fn parse<T: FromStr>(row: &Row<'_>, i: usize, what: &str) -> Cell<T> {
    let t = text(row, i)?;
    t.parse()
        .map_err(|_| bad(i, format!("not a valid {what}: {t:?}")))
}

fn opt_parse<T: FromStr>(row: &Row<'_>, i: usize, what: &str) -> Cell<Option<T>> {
    match opt_text(row, i)? {
        None => Ok(None),
        Some(t) => t
            .parse()
            .map(Some)
            .map_err(|_| bad(i, format!("not a valid {what}"))),
    }
}

fn code<T: Code>(row: &Row<'_>, i: usize) -> Cell<T> {
    let t = text(row, i)?;
    T::parse(t).ok_or_else(|| bad(i, format!("unknown value {t:?}")))
}

fn opt_code<T: Code>(row: &Row<'_>, i: usize) -> Cell<Option<T>> {
    match opt_text(row, i)? {
        None => Ok(None),
        Some(t) => T::parse(t)
            .map(Some)
            .ok_or_else(|| bad(i, format!("unknown value {t:?}"))),
    }
}

/// Parses `YYYY-MM-DD` quickly, and chrono's signed extended form (`+10000-01-01`) for
/// years outside 0-9999.
fn parse_date(t: &str) -> Option<NaiveDate> {
    let b = t.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let num = |s: &[u8]| -> Option<u32> {
            s.iter().try_fold(0u32, |n, &c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        let year = i32::try_from(num(&b[0..4])?).ok()?;
        return NaiveDate::from_ymd_opt(year, num(&b[5..7])?, num(&b[8..10])?);
    }
    // Only the canonical text of the date, as the store writes it.
    t.parse::<NaiveDate>().ok().filter(|d| d.to_string() == t)
}

fn opt_date(row: &Row<'_>, i: usize) -> Cell<Option<NaiveDate>> {
    match opt_text(row, i)? {
        None => Ok(None),
        Some(t) => parse_date(t)
            .map(Some)
            .ok_or_else(|| bad(i, format!("not a YYYY-MM-DD date: {t:?}"))),
    }
}

/// Reads a period from two adjacent columns; the core checks its order when the record
/// is added.
fn period(row: &Row<'_>, i: usize) -> Cell<Period> {
    Ok(Period {
        start: opt_date(row, i)?,
        end: opt_date(row, i + 1)?,
    })
}

/// One table being read: names the file, table and row in every error.
struct Table<'a> {
    path: &'a Path,
    table: &'static str,
    origins: &'a FxHashMap<i64, Arc<Origin>>,
}

impl Table<'_> {
    /// Runs `sql`, handing each row to `each`; maps every problem to a [`StoreError`].
    fn read(
        &self,
        conn: &Connection,
        sql: &str,
        mut each: impl FnMut(&Row<'_>) -> Result<(), RowError>,
    ) -> Result<(), StoreError> {
        let action = || format!("reading table {}", self.table);
        let mut stmt = conn
            .prepare(sql)
            .map_err(|e| sqlite(self.path, &action(), e))?;
        let mut rows = stmt
            .query([])
            .map_err(|e| sqlite(self.path, &action(), e))?;
        while let Some(row) = rows.next().map_err(|e| sqlite(self.path, &action(), e))? {
            each(row).map_err(|e| self.error(row, e))?;
        }
        Ok(())
    }

    /// What identifies a row in an error: its key (column 1) when readable, else its id.
    fn row_name(row: &Row<'_>) -> String {
        match row.get_ref(1) {
            Ok(ValueRef::Text(t)) if row.as_ref().column_name(1).is_ok_and(|c| c == "key") => {
                String::from_utf8_lossy(t).into_owned()
            }
            _ => format!(
                "id {}",
                row.get_ref(0)
                    .ok()
                    .and_then(|v| v.as_i64().ok())
                    .unwrap_or(-1)
            ),
        }
    }

    fn error(&self, row: &Row<'_>, e: RowError) -> StoreError {
        let path = self.path.to_path_buf();
        let key = Self::row_name(row);
        match e {
            RowError::Bad(b) => StoreError::Corrupt {
                path,
                table: self.table,
                key,
                column: row
                    .as_ref()
                    .column_name(b.column)
                    .map_or_else(|_| format!("#{}", b.column), str::to_owned),
                problem: b.problem,
            },
            RowError::Refused(source) => StoreError::Refused {
                path,
                table: self.table,
                key,
                source,
            },
        }
    }

    /// The provenance in columns `i` (origin id) and `i + 1` (row).
    fn source(&self, row: &Row<'_>, i: usize) -> Cell<Source> {
        let id = int(row, i)?;
        let origin = self
            .origins
            .get(&id)
            .ok_or_else(|| bad(i, format!("no origin with id {id}")))?;
        let line = match opt_int(row, i + 1)? {
            None => 0,
            Some(n) if n >= 1 => u64::try_from(n).unwrap_or(0),
            Some(n) => {
                return Err(bad(
                    i + 1,
                    format!("a row number must be 1 or more, not {n}"),
                ));
            }
        };
        Ok(Source::at(origin, line))
    }
}

enum RowError {
    Bad(Bad),
    Refused(patchwork_core::Error),
}

impl From<Bad> for RowError {
    fn from(b: Bad) -> Self {
        Self::Bad(b)
    }
}

impl From<patchwork_core::Error> for RowError {
    fn from(e: patchwork_core::Error) -> Self {
        Self::Refused(e)
    }
}

fn add_team(net: &mut Network, path: &Path, name: String, team: Team) -> Result<(), StoreError> {
    net.add_team(team).map_err(|source| StoreError::Refused {
        path: path.to_path_buf(),
        table: "teams",
        key: name,
        source,
    })
}

fn count(conn: &Connection, path: &Path, table: &str) -> Result<usize, StoreError> {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| usize::try_from(n).unwrap_or(0))
    .map_err(|e| sqlite(path, &format!("counting table {table}"), e))
}

pub(super) fn load(conn: &Connection, path: &Path) -> Result<Network, StoreError> {
    // One read transaction: one consistent snapshot even while another process saves.
    let tx = conn
        .unchecked_transaction()
        .map_err(|e| sqlite(path, "starting to read", e))?;
    let net = read_all(&tx, path)?;
    tx.finish()
        .map_err(|e| sqlite(path, "finishing the read", e))?;
    Ok(net)
}

fn read_all(conn: &Connection, path: &Path) -> Result<Network, StoreError> {
    let mut net = Network::with_capacity(Capacity {
        persons: count(conn, path, "persons")?,
        professionals: count(conn, path, "professionals")?,
        involvements: count(conn, path, "involvements")?,
    });

    let mut origins: FxHashMap<i64, Arc<Origin>> = FxHashMap::default();
    let none = FxHashMap::default();
    Table {
        path,
        table: "origins",
        origins: &none,
    }
    .read(conn, "SELECT id, system, file FROM origins", |row| {
        let origin = Origin::new(text(row, 1)?, opt_string(row, 2)?);
        origins.insert(int(row, 0)?, origin);
        Ok(())
    })?;
    let table = |table| Table {
        path,
        table,
        origins: &origins,
    };

    let t = table("agencies");
    t.read(
        conn,
        "SELECT id, key, name, kind, ods_code, school_urn, origin_id, source_row
         FROM agencies ORDER BY id",
        |row| {
            net.add_agency(Agency {
                key: parse(row, 1, "key")?,
                name: text(row, 2)?.to_owned(),
                kind: code(row, 3)?,
                ods_code: opt_string(row, 4)?,
                school_urn: opt_string(row, 5)?,
                source: t.source(row, 6)?,
            })?;
            Ok(())
        },
    )?;

    // Teams: parents before children. Saved stores list them so already; a store edited
    // by hand may not, so add what can be added until nothing more can.
    let t = table("teams");
    let mut teams: Vec<(String, Team)> = Vec::new();
    t.read(
        conn,
        "SELECT id, key, name, agency_key, parent_team_key, origin_id, source_row
         FROM teams ORDER BY id",
        |row| {
            let team = Team {
                key: parse(row, 1, "key")?,
                name: text(row, 2)?.to_owned(),
                agency: opt_parse(row, 3, "key")?,
                parent: opt_parse(row, 4, "key")?,
                source: t.source(row, 5)?,
            };
            teams.push((Table::row_name(row), team));
            Ok(())
        },
    )?;
    loop {
        let mut waiting = Vec::new();
        let mut added = false;
        for (name, team) in teams {
            if team.parent.as_ref().is_some_and(|p| net.team(p).is_none()) {
                waiting.push((name, team));
                continue;
            }
            add_team(&mut net, path, name, team)?;
            added = true;
        }
        if waiting.is_empty() {
            break;
        }
        if !added {
            // No team left can find its parent: adding one gives the core's error.
            let (name, team) = waiting.swap_remove(0);
            add_team(&mut net, path, name, team)?;
        }
        teams = waiting;
    }

    let t = table("professionals");
    t.read(
        conn,
        "SELECT id, key, name, job_title, staff_id, registration_number, agency_key, team_key,
                email, phone, start_date, end_date, origin_id, source_row
         FROM professionals ORDER BY id",
        |row| {
            net.add_professional(Professional {
                key: parse(row, 1, "key")?,
                name: opt_string(row, 2)?,
                job_title: opt_string(row, 3)?,
                staff_id: opt_string(row, 4)?,
                registration_number: opt_string(row, 5)?,
                agency: opt_parse(row, 6, "key")?,
                team: opt_parse(row, 7, "key")?,
                email: opt_string(row, 8)?,
                phone: opt_string(row, 9)?,
                active: period(row, 10)?,
                source: t.source(row, 12)?,
            })?;
            Ok(())
        },
    )?;

    // Other identifiers, by person key, to attach as the persons are read.
    let mut identifiers: FxHashMap<String, Vec<OtherIdentifier>> = FxHashMap::default();
    table("person_identifiers").read(
        conn,
        "SELECT id, person_key, kind, value FROM person_identifiers ORDER BY id",
        |row| {
            identifiers
                .entry(text(row, 1)?.to_owned())
                .or_default()
                .push(OtherIdentifier {
                    kind: text(row, 2)?.to_owned(),
                    value: text(row, 3)?.to_owned(),
                });
            Ok(())
        },
    )?;
    let t = table("persons");
    t.read(
        conn,
        "SELECT id, key, kind, nhs_number, upn, former_upn, given_name, family_name,
                birth_date, expected_birth_date, sex, ethnicity, death_date, postcode,
                origin_id, source_row, looked_after, disabilities, upn_unknown, shielded
         FROM persons ORDER BY id",
        |row| {
            let key_text = text(row, 1)?;
            let other_identifiers = if identifiers.is_empty() {
                Vec::new()
            } else {
                identifiers.remove(key_text).unwrap_or_default()
            };
            net.add_person(Person {
                key: parse(row, 1, "key")?,
                kind: code(row, 2)?,
                nhs_number: opt_parse(row, 3, "NHS number")?,
                upn: opt_parse(row, 4, "UPN")?,
                former_upn: opt_parse(row, 5, "UPN")?,
                given_name: opt_string(row, 6)?,
                family_name: opt_string(row, 7)?,
                birth_date: opt_date(row, 8)?,
                expected_birth_date: opt_date(row, 9)?,
                sex: opt_code(row, 10)?,
                ethnicity: opt_string(row, 11)?,
                death_date: opt_date(row, 12)?,
                disabilities: match opt_text(row, 17)? {
                    None => Vec::new(),
                    Some(json) => serde_json::from_str(json)
                        .map_err(|e| bad(17, format!("disability codes: {e}")))?,
                },
                upn_unknown: opt_string(row, 18)?,
                postcode: opt_string(row, 13)?,
                other_identifiers,
                looked_after: match opt_text(row, 16)? {
                    None => None,
                    Some(json) => Some(
                        serde_json::from_str(json)
                            .map_err(|e| bad(16, format!("looked-after facts: {e}")))?,
                    ),
                },
                shielded: int(row, 19)? != 0,
                source: t.source(row, 14)?,
            })?;
            Ok(())
        },
    )?;
    if let Some(orphan) = identifiers.keys().next() {
        return Err(StoreError::Corrupt {
            path: path.to_path_buf(),
            table: "person_identifiers",
            key: orphan.clone(),
            column: "person_key".into(),
            problem: "no person has this key".into(),
        });
    }

    let t = table("households");
    t.read(
        conn,
        "SELECT id, key, name, origin_id, source_row FROM households ORDER BY id",
        |row| {
            net.add_household(Household {
                key: parse(row, 1, "key")?,
                name: opt_string(row, 2)?,
                source: t.source(row, 3)?,
            })?;
            Ok(())
        },
    )?;
    table("household_members").read(
        conn,
        "SELECT id, household_key, person_key, start_date, end_date
         FROM household_members ORDER BY id",
        |row| {
            net.add_household_member(
                &parse(row, 1, "key")?,
                &parse(row, 2, "key")?,
                period(row, 3)?,
            )?;
            Ok(())
        },
    )?;

    let t = table("relationships");
    t.read(
        conn,
        "SELECT id, key, from_person_key, to_person_key, kind, parental_responsibility,
                start_date, end_date, origin_id, source_row
         FROM relationships ORDER BY id",
        |row| {
            let parental_responsibility = match int(row, 5)? {
                0 => false,
                1 => true,
                n => return Err(bad(5, format!("expected 0 or 1, found {n}")).into()),
            };
            net.add_relationship(Relationship {
                key: parse(row, 1, "key")?,
                from: parse(row, 2, "key")?,
                to: parse(row, 3, "key")?,
                kind: code(row, 4)?,
                parental_responsibility,
                period: period(row, 6)?,
                source: t.source(row, 8)?,
            })?;
            Ok(())
        },
    )?;

    let t = table("episodes");
    t.read(
        conn,
        "SELECT id, key, person_key, kind, start_date, end_date, reason, referral_source,
                primary_need, closure_reason, outcome, category_of_abuse, legal_status,
                placement, origin_id, source_row, detail
         FROM episodes ORDER BY id",
        |row| {
            let kind = code::<EpisodeKind>(row, 3)?;
            let detail = match opt_text(row, 16)? {
                // Version 3 keeps every detail as JSON; the typed columns repeat the
                // commonest ones for readers of the table.
                Some(json) => {
                    let detail: EpisodeDetail = serde_json::from_str(json)
                        .map_err(|e| bad(16, format!("episode detail: {e}")))?;
                    if detail.kind() != kind {
                        return Err(bad(16, "episode detail of another kind").into());
                    }
                    detail
                }
                None => match kind {
                    EpisodeKind::EarlyHelp => EpisodeDetail::EarlyHelp {
                        reason: opt_string(row, 6)?,
                    },
                    EpisodeKind::ChildInNeed => EpisodeDetail::ChildInNeed {
                        referral_source: opt_string(row, 7)?,
                        primary_need: opt_string(row, 8)?,
                        closure_reason: opt_string(row, 9)?,
                        census: Default::default(),
                    },
                    EpisodeKind::Section47 => EpisodeDetail::Section47 {
                        outcome: opt_string(row, 10)?,
                        census: Default::default(),
                    },
                    EpisodeKind::ChildProtectionPlan => EpisodeDetail::ChildProtectionPlan {
                        category_of_abuse: opt_code(row, 11)?,
                        census: Default::default(),
                    },
                    EpisodeKind::LookedAfter => EpisodeDetail::LookedAfter {
                        legal_status: opt_string(row, 12)?,
                        placement: opt_string(row, 13)?,
                        care: None,
                    },
                },
            };
            net.add_episode(Episode {
                key: parse(row, 1, "key")?,
                person: parse(row, 2, "key")?,
                period: period(row, 4)?,
                detail,
                source: t.source(row, 14)?,
            })?;
            Ok(())
        },
    )?;

    let t = table("activities");
    t.read(
        conn,
        "SELECT id, key, person_key, professional_key, team_key, kind, start_date, end_date,
                origin_id, source_row
         FROM activities ORDER BY id",
        |row| {
            net.add_activity(Activity {
                key: parse(row, 1, "key")?,
                person: parse(row, 2, "key")?,
                professional: opt_parse(row, 3, "key")?,
                team: opt_parse(row, 4, "key")?,
                kind: code(row, 5)?,
                period: period(row, 6)?,
                source: t.source(row, 8)?,
            })?;
            Ok(())
        },
    )?;

    // Role codes and end reasons repeat across millions of rows: share one copy of each.
    let mut role_codes: FxHashMap<String, Arc<str>> = FxHashMap::default();
    let mut end_texts: FxHashMap<String, EndReason> = FxHashMap::default();
    let t = table("involvements");
    t.read(
        conn,
        "SELECT id, key, person_key, professional_key, team_key, role_code, role_category,
                start_date, end_date, end_reason_code, end_reason_text, sensitivity,
                origin_id, source_row
         FROM involvements ORDER BY id",
        |row| {
            let role_code = text(row, 5)?;
            let role_code = match role_codes.get(role_code) {
                Some(c) => Arc::clone(c),
                None => {
                    let c: Arc<str> = Arc::from(role_code);
                    role_codes.insert(role_code.to_owned(), Arc::clone(&c));
                    c
                }
            };
            let end_reason = match (opt_code(row, 9)?, opt_text(row, 10)?) {
                (None, None) => None,
                (Some(code), None) => Some(EndReason::Dfe(code)),
                (None, Some(text)) => Some(match end_texts.get(text) {
                    Some(r) => r.clone(),
                    None => {
                        let r = EndReason::Source(text.to_owned());
                        end_texts.insert(text.to_owned(), r.clone());
                        r
                    }
                }),
                (Some(_), Some(_)) => {
                    return Err(bad(10, "both end_reason_code and end_reason_text are set").into());
                }
            };
            net.add_involvement(Involvement {
                key: parse(row, 1, "key")?,
                person: parse(row, 2, "key")?,
                professional: opt_parse(row, 3, "key")?,
                team: opt_parse(row, 4, "key")?,
                role: Role::new(role_code, code(row, 6)?),
                period: period(row, 7)?,
                end_reason,
                sensitivity: code(row, 11)?,
                source: t.source(row, 12)?,
            })?;
            Ok(())
        },
    )?;

    let t = table("identity_links");
    t.read(
        conn,
        "SELECT id, person_key, record_key, matched_on, origin_id, source_row
         FROM identity_links ORDER BY id",
        |row| {
            net.add_identity_link(IdentityLink {
                person: parse(row, 1, "key")?,
                record: parse::<ExternalKey>(row, 2, "key")?,
                matched_on: code(row, 3)?,
                source: t.source(row, 4)?,
            })?;
            Ok(())
        },
    )?;
    Ok(net)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_back() {
        for d in [
            NaiveDate::from_ymd_opt(2025, 1, 6).unwrap(),
            NaiveDate::from_ymd_opt(0, 1, 1).unwrap(),
            NaiveDate::from_ymd_opt(-1, 12, 31).unwrap(),
            NaiveDate::from_ymd_opt(10000, 1, 1).unwrap(),
            NaiveDate::MIN,
            NaiveDate::MAX,
        ] {
            assert_eq!(parse_date(&d.to_string()), Some(d), "{d}");
        }
        for bad in [
            "2025-02-30",
            "2025-1-06",
            "20250106",
            "",
            "2025-01-0x",
            "+2025-01-06x",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
