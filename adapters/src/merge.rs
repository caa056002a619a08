//! Adding a statutory return's records (the CIN census, the SSDA903 return) to tonight's
//! network, which the SSD extract and the partner feeds have built.
//!
//! The extract stays the first source; a return adds what it lacks and never overwrites:
//!
//! * agencies, teams, professionals, persons, involvements, relationships, households,
//!   activities and identity links the network does not have (by key) are added;
//! * a person the network has already gets the facts its record lacks (a missing NHS
//!   number, disability codes, the looked-after child's return facts...); a value that
//!   differs from the extract's is kept as the extract has it, with a warning;
//! * an episode is added unless the network has one with the same key, or one of the same
//!   kind for the same child starting the same day (the same episode under another id):
//!   then it is left out, with a warning.
//!
//! Warnings name the return's file and line; they never repeat a value.
//!
//! ```
//! use patchwork_adapters::merge::merge_return;
//! use patchwork_adapters::report::ImportReport;
//! use patchwork_core::*;
//!
//! let src = Source::row("lcs", "ssd_person.csv", 2);
//! let mut tonight = Network::new();
//! tonight.add_person(Person::new(PersonKey::new("lcs", "C1"), PersonKind::Child, src))?;
//!
//! let mut census = Network::new();
//! let mut child = Person::new(PersonKey::new("lcs", "C1"), PersonKind::Child, Source::row("lcs", "cin.xml", 40));
//! child.disabilities = vec!["MOB".into()];
//! census.add_person(child)?;
//!
//! let mut report = ImportReport::default();
//! let merged = merge_return(&mut tonight, &census, &mut report);
//! assert_eq!((merged.added, merged.filled, merged.left_out), (0, 1, 0));
//! assert_eq!(tonight.person(&PersonKey::new("lcs", "C1")).unwrap().disabilities, ["MOB"]);
//! # Ok::<(), patchwork_core::Error>(())
//! ```

use patchwork_core::{Episode, Network, Person, Source};
use serde::Serialize;

use crate::report::{ImportReport, Problem, ProblemKind, Severity};

/// What [`merge_return`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MergeSummary {
    /// Records added.
    pub added: u64,
    /// Persons whose missing facts were filled in from the return.
    pub filled: u64,
    /// Records left out (the network had them, or the same episode under another id).
    pub left_out: u64,
}

/// Adds `from`'s records to `into`; see the [module documentation](self).
pub fn merge_return(into: &mut Network, from: &Network, report: &mut ImportReport) -> MergeSummary {
    let mut m = Merge {
        into,
        report,
        summary: MergeSummary::default(),
    };
    for a in from.agencies() {
        if m.into.agency(&a.key).is_none() {
            let done = m.into.add_agency(a.clone());
            m.added(done, &a.source);
        }
    }
    // Parents come before their teams in any network, so in this order too.
    for t in from.teams() {
        if m.into.team(&t.key).is_none() {
            let done = m.into.add_team(t.clone());
            m.added(done, &t.source);
        }
    }
    for p in from.professionals() {
        if m.into.professional(&p.key).is_none() {
            let done = m.into.add_professional(p.clone());
            m.added(done, &p.source);
        }
    }
    for p in from.persons() {
        match m.into.person(&p.key) {
            None => {
                let done = m.into.add_person(p.clone());
                m.added(done, &p.source);
            }
            Some(known) => {
                let (filled, conflicts) = fill(known, p);
                for field in conflicts {
                    m.warn(
                        &p.source,
                        ProblemKind::Rejected,
                        format!(
                            "the person's {field} differs from the extract's; the extract's is kept"
                        ),
                    );
                }
                if let Some(filled) = filled {
                    match m.into.update_person(filled) {
                        Ok(()) => m.summary.filled += 1,
                        Err(e) => m.warn(&p.source, ProblemKind::Rejected, e.to_string()),
                    }
                }
            }
        }
    }
    for h in from.households() {
        if m.into.household(&h.key).is_none() {
            let done = m.into.add_household(h.clone());
            m.added(done, &h.source);
            for (person, period) in from.household_members(&h.key).unwrap_or_default() {
                let done = m.into.add_household_member(&h.key, &person.key, period);
                if let Err(e) = done {
                    m.warn(&h.source, ProblemKind::Rejected, e.to_string());
                }
            }
        }
    }
    for r in from.relationships() {
        if m.into.relationship(&r.key).is_none() {
            let done = m.into.add_relationship(r.clone());
            m.added(done, &r.source);
        } else {
            m.left_out(
                &r.source,
                "a relationship with this id is in the extract already",
            );
        }
    }
    for e in from.episodes() {
        if m.into.episode(&e.key).is_some() {
            m.left_out(
                &e.source,
                "an episode with this id is in the extract already",
            );
        } else if same_episode_known(m.into, e) {
            m.left_out(
                &e.source,
                "the extract has an episode of this kind for the child starting the same day",
            );
        } else {
            let done = m.into.add_episode(e.clone());
            m.added(done, &e.source);
        }
    }
    for a in from.activities() {
        if m.into.activity(&a.key).is_none() {
            let done = m.into.add_activity(a.clone());
            m.added(done, &a.source);
        } else {
            m.left_out(
                &a.source,
                "an activity with this id is in the extract already",
            );
        }
    }
    for i in from.involvements() {
        if m.into.involvement(i.key()).is_none() {
            let done = m.into.add_involvement(i.to_record());
            m.added(done, i.source());
        } else {
            m.left_out(
                i.source(),
                "an involvement with this id is in the extract already",
            );
        }
    }
    for l in from.identity_links() {
        let known = m
            .into
            .identity_links_of(&l.person)
            .is_ok_and(|links| links.iter().any(|k| k.record == l.record));
        if !known {
            let done = m.into.add_identity_link(l.clone());
            m.added(done, &l.source);
        }
    }
    m.summary
}

struct Merge<'a> {
    into: &'a mut Network,
    report: &'a mut ImportReport,
    summary: MergeSummary,
}

impl Merge<'_> {
    fn added(&mut self, done: Result<(), patchwork_core::Error>, source: &Source) {
        match done {
            Ok(()) => self.summary.added += 1,
            Err(e) => {
                self.summary.left_out += 1;
                self.warn(source, ProblemKind::Rejected, e.to_string());
            }
        }
    }

    fn left_out(&mut self, source: &Source, why: &str) {
        self.summary.left_out += 1;
        self.warn(
            source,
            ProblemKind::DuplicateId,
            format!("{why}; the return's record is left out"),
        );
    }

    fn warn(&mut self, source: &Source, kind: ProblemKind, message: String) {
        self.report.push(Problem {
            file: source
                .file_name()
                .unwrap_or(source.system_name())
                .to_owned(),
            line: source.row_number(),
            column: None,
            kind,
            severity: Severity::Warning,
            message,
        });
    }
}

/// The network has an episode of `e`'s kind for the same child starting the same day.
fn same_episode_known(net: &Network, e: &Episode) -> bool {
    net.episodes_of(&e.person).is_ok_and(|known| {
        known
            .iter()
            .any(|k| k.kind() == e.kind() && k.period.start == e.period.start)
    })
}

/// `known` with the facts it lacks taken from `incoming` (`None` when it lacks none), and
/// the names of the fields where both have a value and the values differ.
fn fill(known: &Person, incoming: &Person) -> (Option<Person>, Vec<&'static str>) {
    let mut filled = known.clone();
    let mut conflicts = Vec::new();
    let mut changed = false;
    // Every field is named, so that a field added to persons is decided here too.
    let Person {
        key: _,
        kind: _,
        nhs_number,
        upn,
        former_upn,
        given_name,
        family_name,
        birth_date,
        expected_birth_date,
        sex,
        ethnicity,
        death_date,
        disabilities,
        upn_unknown,
        postcode,
        other_identifiers,
        looked_after,
        shielded,
        source: _,
    } = incoming;
    macro_rules! option {
        ($($field:ident),*) => {$(
            match (&filled.$field, $field) {
                (None, Some(_)) => {
                    filled.$field = $field.clone();
                    changed = true;
                }
                (Some(a), Some(b)) if a != b => conflicts.push(stringify!($field)),
                _ => {}
            }
        )*};
    }
    option!(
        nhs_number,
        upn,
        former_upn,
        given_name,
        family_name,
        birth_date,
        expected_birth_date,
        sex,
        ethnicity,
        death_date,
        upn_unknown,
        postcode,
        looked_after
    );
    if filled.disabilities.is_empty() && !disabilities.is_empty() {
        filled.disabilities = disabilities.clone();
        changed = true;
    }
    // Shielding is never undone by a return: shielded in either source, shielded.
    if *shielded && !filled.shielded {
        filled.shielded = true;
        changed = true;
    }
    for id in other_identifiers {
        if !filled.other_identifiers.contains(id) {
            filled.other_identifiers.push(id.clone());
            changed = true;
        }
    }
    (changed.then_some(filled), conflicts)
}
