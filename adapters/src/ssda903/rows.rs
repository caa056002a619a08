//! Reading each file's rows: values checked against the code lists, rows staged per
//! child until every file has been read.

use std::collections::BTreeMap;
use std::io::Read;

use chrono::NaiveDate;
use patchwork_core::{
    Adoption, AdoptionDecision, CareEpisode, CareLeaverStatus, CareReview, HealthOutcomes,
    LookedAfterChild, MissingPeriod, Person, PersonKey, PersonKind, PreviousPermanence, Sex,
    Source, SwChangeReason, Upn,
};

use super::codes::{self, CodeList};
use super::columns::File903;
use super::parse_date;
use crate::report::{FileCounts, ImportReport, Problem, ProblemKind, Severity};
use crate::table::{Column, Row, TableError, TableReader};

/// A looked-after episode read and checked, waiting for the overlap check.
pub(super) struct StagedEpisode {
    pub(super) child: String,
    pub(super) start: NaiveDate,
    pub(super) end: Option<NaiveDate>,
    pub(super) legal_status: Option<String>,
    pub(super) placement: Option<String>,
    pub(super) care: CareEpisode,
    pub(super) source: Source,
    pub(super) file: String,
    pub(super) line: u64,
}

/// A social worker episode read and checked.
pub(super) struct StagedSw {
    pub(super) child: String,
    pub(super) worker: String,
    pub(super) start: NaiveDate,
    pub(super) end: Option<NaiveDate>,
    pub(super) reason: Option<SwChangeReason>,
    pub(super) source: Source,
    pub(super) file: String,
    pub(super) line: u64,
}

/// A child read from the header, with what the other files add.
pub(super) struct StagedChild {
    pub(super) person: Person,
    pub(super) facts: LookedAfterChild,
    /// Which single-row files already gave a row for the child.
    pub(super) seen: Vec<File903>,
    /// Read from the header (else made from another file's `CHILD` id).
    pub(super) from_header: bool,
}

pub(super) struct Importer<'o> {
    pub(super) sys: &'o str,
    pub(super) report: ImportReport,
    pub(super) children: BTreeMap<String, StagedChild>,
    pub(super) episodes: Vec<StagedEpisode>,
    pub(super) sw: Vec<StagedSw>,
    /// OC2 and OC3 rows, dated with the year once it is known: (child, facts).
    pub(super) outcomes: Vec<(String, HealthOutcomes)>,
    pub(super) leavers: Vec<(String, CareLeaverStatus)>,
    /// Whether the return has a header file; without one, children are made on sight.
    pub(super) header_read: bool,
}

/// A code from a code list, or a problem naming the field and the rule.
fn code(row: &Row<'_>, col: Option<Column>, list: &CodeList) -> Result<Option<String>, Problem> {
    let Some(text) = row.text(col)? else {
        return Ok(None);
    };
    if list.contains(text) {
        Ok(Some(text.to_owned()))
    } else {
        Err(row.problem_at(
            col.expect("has text"),
            ProblemKind::UnknownCode,
            format!(
                "{} is not in the DfE code list (validator rule {})",
                list.field, list.rule
            ),
        ))
    }
}

/// A `0`/`1` flag.
fn flag(row: &Row<'_>, col: Option<Column>, field: &str) -> Result<Option<bool>, Problem> {
    match row.text(col)? {
        None => Ok(None),
        Some("1") => Ok(Some(true)),
        Some("0") => Ok(Some(false)),
        Some(_) => Err(row.problem_at(
            col.expect("has text"),
            ProblemKind::UnknownCode,
            format!("{field} must be 0 or 1 (DfE code list)"),
        )),
    }
}

/// A date in `dd/mm/yyyy` (or ISO) form.
fn date(row: &Row<'_>, col: Option<Column>) -> Result<Option<NaiveDate>, Problem> {
    match row.text(col)? {
        None => Ok(None),
        Some(text) => parse_date(text).map(Some).ok_or_else(|| {
            row.problem_at(
                col.expect("has text"),
                ProblemKind::BadDate,
                "not a date in the form dd/mm/yyyy",
            )
        }),
    }
}

/// A date that must be present.
fn required_date(row: &Row<'_>, col: Column) -> Result<NaiveDate, Problem> {
    date(row, Some(col))?
        .ok_or_else(|| row.problem_at(col, ProblemKind::MissingValue, "required date is empty"))
}

/// Checks an end is not before its start.
fn check_order(
    row: &Row<'_>,
    start: NaiveDate,
    end: Option<NaiveDate>,
    end_col: Option<Column>,
) -> Result<(), Problem> {
    match (end, end_col) {
        (Some(e), Some(col)) if e < start => Err(row.problem_at(
            col,
            ProblemKind::EndBeforeStart,
            "the end date is before the start date",
        )),
        _ => Ok(()),
    }
}

impl Importer<'_> {
    pub(super) fn read<R: Read>(
        &mut self,
        file: File903,
        reader: &mut TableReader<R>,
    ) -> Result<(), TableError> {
        let child = reader.require("CHILD")?;
        let col = |name: &str| reader.column(name);
        match file {
            File903::Header => {
                let (sex, dob, ethnic, upn, mother, mc_dob) = (
                    col("SEX"),
                    col("DOB"),
                    col("ETHNIC"),
                    col("UPN"),
                    col("MOTHER"),
                    col("MC_DOB"),
                );
                self.rows(reader, |me, row, source, id| {
                    if me.children.contains_key(id) {
                        return Err(row.problem_at(
                            child,
                            ProblemKind::DuplicateId,
                            "a second header row for this child",
                        ));
                    }
                    let mut p = Person::new(
                        PersonKey::new(me.sys, id),
                        PersonKind::Child,
                        source.clone(),
                    );
                    p.sex = code(row, sex, &codes::SEX)?.map(|c| match c.as_str() {
                        "M" | "1" => Sex::Male,
                        "F" | "2" => Sex::Female,
                        _ => Sex::Unknown,
                    });
                    p.birth_date = date(row, dob)?;
                    p.ethnicity = code(row, ethnic, &codes::ETHNIC)?;
                    let mut facts = LookedAfterChild::default();
                    if let Some(text) = row.text(upn)? {
                        if codes::UPN_UNKNOWN.contains(&text) {
                            facts.upn_as_given = Some(text.to_owned());
                        } else {
                            match Upn::parse(text) {
                                Ok(u) => p.upn = Some(u),
                                Err(e) => {
                                    // Kept as given: the validator reports it (rule 168)
                                    // but the child's return is still whole.
                                    me.report.push(Problem {
                                        severity: Severity::Warning,
                                        message: format!(
                                            "{e} (validator rule 168); kept as given, not as a UPN"
                                        ),
                                        ..row.problem_at(
                                            upn.expect("has text"),
                                            ProblemKind::InvalidUpn,
                                            "",
                                        )
                                    });
                                    facts.upn_as_given = Some(text.to_owned());
                                }
                            }
                        }
                    }
                    facts.mother = code(row, mother, &codes::MOTHER)?.map(|c| c == "1");
                    facts.mother_child_birth_date = date(row, mc_dob)?;
                    p.validate()
                        .map_err(|e| row.problem(ProblemKind::EndBeforeStart, e.to_string()))?;
                    me.children.insert(
                        id.to_owned(),
                        StagedChild {
                            person: p,
                            facts,
                            seen: Vec::new(),
                            from_header: true,
                        },
                    );
                    Ok(())
                })
            }
            File903::Uasc => {
                let (sex, duc) = (col("SEX"), col("DUC"));
                self.child_rows(reader, file, true, |row, c| {
                    code(row, sex, &codes::SEX)?;
                    c.facts.uasc_ceased = date(row, duc)?;
                    Ok(())
                })
            }
            File903::Reviews => {
                let review = reader.require("REVIEW")?;
                let participation = col("REVIEW_CODE");
                self.child_rows(reader, file, false, |row, c| {
                    let r = CareReview {
                        date: required_date(row, review)?,
                        participation: code(row, participation, &codes::REVIEW_CODE)?,
                    };
                    if c.facts.reviews.iter().any(|x| x.date == r.date) {
                        return Err(row.problem_at(
                            review,
                            ProblemKind::DuplicateId,
                            "a second review of this child on this date",
                        ));
                    }
                    c.facts.reviews.push(r);
                    Ok(())
                })
            }
            File903::Oc2 => {
                let (score, reason) = (col("SDQ_SCORE"), col("SDQ_REASON"));
                let flags: Vec<(Option<Column>, &str)> =
                    codes::OC2_FLAGS.iter().map(|f| (col(f), *f)).collect();
                let mut staged = Vec::new();
                self.child_rows(reader, file, true, |row, c| {
                    let sdq_score = match row.text(score)? {
                        None => None,
                        Some(t) => Some(t.parse::<u8>().ok().filter(|s| *s <= 40).ok_or_else(
                            || {
                                row.problem_at(
                                    score.expect("has text"),
                                    ProblemKind::BadValue,
                                    "SDQ_SCORE must be a whole number from 0 to 40 (validator rule 180)",
                                )
                            },
                        )?),
                    };
                    let mut f = [None; 8];
                    for (slot, (column, field)) in f.iter_mut().zip(&flags) {
                        *slot = flag(row, *column, field)?;
                    }
                    staged.push((
                        c.person.key.id().to_owned(),
                        HealthOutcomes {
                            year: 0,
                            sdq_score,
                            sdq_reason: code(row, reason, &codes::SDQ_REASON)?,
                            convicted: f[0],
                            health_check: f[1],
                            immunisations: f[2],
                            teeth_check: f[3],
                            health_assessment: f[4],
                            substance_misuse: f[5],
                            intervention_received: f[6],
                            intervention_offered: f[7],
                        },
                    ));
                    Ok(())
                })?;
                self.outcomes.extend(staged);
                Ok(())
            }
            File903::Oc3 => {
                let (in_touch, activ, accom) = (col("IN_TOUCH"), col("ACTIV"), col("ACCOM"));
                let mut staged = Vec::new();
                self.child_rows(reader, file, true, |row, c| {
                    staged.push((
                        c.person.key.id().to_owned(),
                        CareLeaverStatus {
                            year: 0,
                            in_touch: code(row, in_touch, &codes::IN_TOUCH)?,
                            activity: code(row, activ, &codes::ACTIV)?,
                            accommodation: code(row, accom, &codes::ACCOM)?,
                        },
                    ));
                    Ok(())
                })?;
                self.leavers.extend(staged);
                Ok(())
            }
            File903::Ad1 => {
                let (int, matched, foster, nb, sex, ls) = (
                    col("DATE_INT"),
                    col("DATE_MATCH"),
                    col("FOSTER_CARE"),
                    col("NB_ADOPTR"),
                    col("SEX_ADOPTR"),
                    col("LS_ADOPTR"),
                );
                self.child_rows(reader, file, true, |row, c| {
                    c.facts.adoption = Some(Adoption {
                        date_intention: date(row, int)?,
                        date_matched: date(row, matched)?,
                        foster_carers: code(row, foster, &codes::FOSTER_CARE)?.map(|c| c == "1"),
                        number_of_adopters: code(row, nb, &codes::NB_ADOPTR)?
                            .and_then(|c| c.parse().ok()),
                        sex_of_adopters: code(row, sex, &codes::SEX_ADOPTR)?,
                        legal_status_of_adopters: code(row, ls, &codes::LS_ADOPTR)?,
                    });
                    Ok(())
                })
            }
            File903::PlacedForAdoption => {
                let placed = reader.require("DATE_PLACED")?;
                let (ceased, reason) = (col("DATE_PLACED_CEASED"), col("REASON_PLACED_CEASED"));
                self.child_rows(reader, file, false, |row, c| {
                    let d = AdoptionDecision {
                        date: required_date(row, placed)?,
                        ceased: date(row, ceased)?,
                        reason_ceased: code(row, reason, &codes::REASON_PLACED_CEASED)?,
                    };
                    check_order(row, d.date, d.ceased, ceased)?;
                    if c.facts.adoption_decisions.iter().any(|x| x.date == d.date) {
                        return Err(row.problem_at(
                            placed,
                            ProblemKind::DuplicateId,
                            "a second decision for this child on this date",
                        ));
                    }
                    c.facts.adoption_decisions.push(d);
                    Ok(())
                })
            }
            File903::PreviousPermanence => {
                let (option, la, when) = (col("PREV_PERM"), col("LA_PERM"), col("DATE_PERM"));
                self.child_rows(reader, file, true, |row, c| {
                    c.facts.previous_permanence = Some(PreviousPermanence {
                        option: code(row, option, &codes::PREV_PERM)?,
                        la: row.text(la)?.map(str::to_owned),
                        date: row.text(when)?.map(str::to_owned),
                    });
                    Ok(())
                })
            }
            File903::Missing => {
                let (kind, start) = (reader.require("MISSING")?, reader.require("MIS_START")?);
                let end = col("MIS_END");
                self.child_rows(reader, file, false, |row, c| {
                    let kind = code(row, Some(kind), &codes::MISSING)?.ok_or_else(|| {
                        row.problem_at(kind, ProblemKind::MissingValue, "MISSING is empty")
                    })?;
                    let m = MissingPeriod {
                        kind,
                        start: required_date(row, start)?,
                        end: date(row, end)?,
                    };
                    check_order(row, m.start, m.end, end)?;
                    if c.facts
                        .missing
                        .iter()
                        .any(|x| x.start == m.start && x.kind == m.kind)
                    {
                        return Err(row.problem_at(
                            start,
                            ProblemKind::DuplicateId,
                            "a second missing period of this kind starting on this date",
                        ));
                    }
                    c.facts.missing.push(m);
                    Ok(())
                })
            }
            File903::Episodes => {
                let decom = reader.require("DECOM")?;
                let (rne, ls, cin, place, provider, dec, rec, rpc, home, pl_post, urn) = (
                    col("RNE"),
                    col("LS"),
                    col("CIN"),
                    col("PLACE"),
                    col("PLACE_PROVIDER"),
                    col("DEC"),
                    col("REC"),
                    col("REASON_PLACE_CHANGE"),
                    col("HOME_POST"),
                    col("PL_POST"),
                    col("URN"),
                );
                let file_name = reader.file().to_owned();
                self.rows(reader, |me, row, source, id| {
                    if me.child(id, source).is_none() {
                        return Err(unknown_child(row, child));
                    }
                    let start = required_date(row, decom)?;
                    let end = date(row, dec)?;
                    check_order(row, start, end, dec)?;
                    let text = |c| -> Result<Option<String>, Problem> {
                        Ok(row.text(c)?.map(str::to_owned))
                    };
                    me.episodes.push(StagedEpisode {
                        child: id.to_owned(),
                        start,
                        end,
                        legal_status: code(row, ls, &codes::LS)?,
                        placement: code(row, place, &codes::PLACE)?,
                        care: CareEpisode {
                            reason_new_episode: code(row, rne, &codes::RNE)?,
                            category_of_need: code(row, cin, &codes::CIN)?,
                            placement_provider: code(row, provider, &codes::PLACE_PROVIDER)?,
                            reason_ceased: code(row, rec, &codes::REC)?,
                            reason_place_change: code(row, rpc, &codes::REASON_PLACE_CHANGE)?,
                            home_postcode: text(home)?,
                            placement_postcode: text(pl_post)?,
                            urn: text(urn)?,
                        },
                        source: source.clone(),
                        file: file_name.clone(),
                        line: row.line(),
                    });
                    Ok(())
                })
            }
            File903::SwEpisodes => {
                let (worker, start) = (reader.require("SW_ID")?, reader.require("SW_DECOM")?);
                let (end, reason, dob) = (col("SW_DEC"), col("SW_REASON"), col("DOB"));
                let file_name = reader.file().to_owned();
                self.rows(reader, |me, row, source, id| {
                    let born = date(row, dob)?;
                    let Some(c) = me.child(id, source) else {
                        return Err(unknown_child(row, child));
                    };
                    if c.person.birth_date.is_none() && !c.from_header {
                        c.person.birth_date = born;
                    }
                    let w = row.required(worker)?;
                    let upper = w.get(..2).map(str::to_ascii_uppercase);
                    if !matches!(upper.as_deref(), Some("SW" | "XX")) {
                        return Err(row.problem_at(
                            worker,
                            ProblemKind::BadValue,
                            "SW_ID does not begin with SW or XX (validator rule SW02)",
                        ));
                    }
                    let s = required_date(row, start)?;
                    let e = date(row, end)?;
                    check_order(row, s, e, end)?;
                    let reason = code(row, reason, &codes::SW_REASON)?
                        .map(|c| SwChangeReason::from_code(&c).expect("in the code list"));
                    me.sw.push(StagedSw {
                        child: id.to_owned(),
                        worker: w.to_owned(),
                        start: s,
                        end: e,
                        reason,
                        source: source.clone(),
                        file: file_name.clone(),
                        line: row.line(),
                    });
                    Ok(())
                })
            }
        }
    }

    /// The child with this id: from the header or, when the return has none, made now.
    fn child(&mut self, id: &str, source: &Source) -> Option<&mut StagedChild> {
        if !self.header_read && !self.children.contains_key(id) {
            self.children.insert(
                id.to_owned(),
                StagedChild {
                    person: Person::new(
                        PersonKey::new(self.sys, id),
                        PersonKind::Child,
                        source.clone(),
                    ),
                    facts: LookedAfterChild::default(),
                    seen: Vec::new(),
                    from_header: false,
                },
            );
        }
        self.children.get_mut(id)
    }

    /// Reads every row through `each`, with the row's child id, counting rows and
    /// quarantining those whose handler returns a problem.
    fn rows<R: Read>(
        &mut self,
        reader: &mut TableReader<R>,
        mut each: impl FnMut(&mut Self, &Row<'_>, &Source, &str) -> Result<(), Problem>,
    ) -> Result<(), TableError> {
        let child = reader.require("CHILD")?;
        let file = reader.file().to_owned();
        let origin = patchwork_core::Origin::new(self.sys, Some(file.clone()));
        let (mut rows, mut loaded, mut quarantined) = (0u64, 0u64, 0u64);
        while let Some(row) = reader.next_row()? {
            rows += 1;
            let source = Source::at(&origin, row.line());
            let result = row
                .check_width()
                .and_then(|()| row.required(child))
                .and_then(|id| each(self, &row, &source, id));
            match result {
                Ok(()) => loaded += 1,
                Err(problem) => {
                    quarantined += 1;
                    self.report.push(problem);
                }
            }
        }
        *self.report.file(&file) += FileCounts {
            rows,
            loaded,
            quarantined,
            bytes: reader.bytes_read(),
        };
        Ok(())
    }

    /// Rows of a file about a child already in the header; `single` files give at most
    /// one row per child. A `DOB` that differs from the header's is a warning.
    fn child_rows<R: Read>(
        &mut self,
        reader: &mut TableReader<R>,
        file: File903,
        single: bool,
        mut each: impl FnMut(&Row<'_>, &mut StagedChild) -> Result<(), Problem>,
    ) -> Result<(), TableError> {
        let child = reader.require("CHILD")?;
        let dob = reader.column("DOB");
        self.rows(reader, |me, row, source, id| {
            let Some(c) = me.child(id, source) else {
                return Err(unknown_child(row, child));
            };
            if single && c.seen.contains(&file) {
                return Err(row.problem_at(
                    child,
                    ProblemKind::DuplicateId,
                    format!("a second row for this child in {}", file.file_name()),
                ));
            }
            let born = date(row, dob)?;
            each(row, c)?;
            if c.person.birth_date.is_none() && !c.from_header {
                // No header: the first date of birth given stands in for it.
                c.person.birth_date = born;
            }
            if single {
                c.seen.push(file);
            }
            if born.is_some() && c.person.birth_date.is_some() && born != c.person.birth_date {
                me.report.push(Problem {
                    severity: Severity::Warning,
                    ..row.problem_at(
                        dob.expect("has a date"),
                        ProblemKind::BadValue,
                        "DOB differs from the child's date of birth already read (the header's, or the first given); that one is kept",
                    )
                });
            }
            Ok(())
        })
    }
}

fn unknown_child(row: &Row<'_>, child: Column) -> Problem {
    row.problem_at(
        child,
        ProblemKind::UnknownReference,
        "child is not in header.csv",
    )
}
