//! Building the network from the staged rows: the year on the outcome rows, the order
//! of each child's episodes and social workers, and what the network refuses.

use chrono::NaiveDate;
use patchwork_core::{
    Agency, AgencyKind, EndReason, Episode, EpisodeDetail, EpisodeKey, Involvement, InvolvementKey,
    Network, OtherIdentifier, Period, PersonKey, Professional, ProfessionalKey, Role, RoleCategory,
    Sensitivity, Source, SwChangeReason, WorkerChangeAt,
};

use super::CollectionYear;
use super::codes;
use super::columns::File903;
use super::import::{ImportOptions, Ssda903Import};
use super::rows::Importer;
use crate::report::{Problem, ProblemKind, Severity};
use crate::ssd::council_agency_key;

impl Importer<'_> {
    pub(super) fn finish(
        mut self,
        options: &ImportOptions,
        year: Option<CollectionYear>,
    ) -> Ssda903Import {
        let mut net = Network::new();
        net.add_agency(Agency {
            key: council_agency_key(self.sys),
            name: options.council_name.clone(),
            kind: AgencyKind::ChildrensSocialCare,
            ods_code: None,
            school_urn: None,
            source: Source::system(self.sys),
        })
        .expect("the first record of an empty network");

        // Date the outcome rows with the year.
        match year {
            Some(y) => {
                for (id, mut o) in std::mem::take(&mut self.outcomes) {
                    o.year = y.0;
                    if let Some(c) = self.children.get_mut(&id) {
                        c.facts.outcomes.push(o);
                    }
                }
                for (id, mut l) in std::mem::take(&mut self.leavers) {
                    l.year = y.0;
                    if let Some(c) = self.children.get_mut(&id) {
                        c.facts.care_leaver.push(l);
                    }
                }
            }
            None => {
                let n = self.outcomes.len() + self.leavers.len();
                if n > 0 {
                    self.report.push(Problem {
                        file: "oc2.csv, oc3.csv".into(),
                        line: None,
                        column: None,
                        kind: ProblemKind::MissingValue,
                        severity: Severity::Quarantined,
                        message: format!(
                            "{n} OC2/OC3 row(s) left out: the collection year is unknown (no episodes, and none given)"
                        ),
                    });
                }
            }
        }

        // Social worker episodes, per child in date order: the reason of each becomes
        // the end reason of the one before, and what cannot is kept on the child.
        self.sw
            .sort_by(|a, b| (&a.child, a.start).cmp(&(&b.child, b.start)));
        let mut involvements: Vec<(Involvement, String, u64)> = Vec::with_capacity(self.sw.len());
        // The previous episode kept: its index in `self.sw` and in `involvements`.
        let mut previous: Option<(usize, usize)> = None;
        let mut sw_problems = Vec::new();
        for (i, s) in self.sw.iter().enumerate() {
            let prev = previous
                .filter(|&(p, _)| self.sw[p].child == s.child)
                .map(|(_, v)| v);
            if let Some((p, _)) = previous.filter(|&(p, _)| self.sw[p].child == s.child)
                && let p = &self.sw[p]
            {
                if p.start == s.start && p.worker == s.worker {
                    sw_problems.push((
                        s.file.clone(),
                        s.line,
                        ProblemKind::DuplicateId,
                        "a second social worker episode of this child, worker and start date",
                    ));
                    continue;
                }
                if p.end.is_none_or(|end| end > s.start) {
                    // The network holds overlapping allocations (two workers at once is a
                    // gap it reports); the return does not allow them.
                    self.report.push(Problem {
                        file: s.file.clone(),
                        line: Some(s.line),
                        column: Some("SW_DECOM".into()),
                        kind: ProblemKind::Rejected,
                        severity: Severity::Warning,
                        message: "starts before the child's previous social worker episode ends (validator rule SW08); loaded".into(),
                    });
                }
            }
            if let (Some(p), Some(reason)) = (prev, s.reason)
                && involvements[p].0.period.end.is_some()
            {
                involvements[p].0.end_reason = Some(EndReason::Dfe(reason));
            }
            let derived = start_reason(prev.map(|p| &involvements[p].0));
            if derived != s.reason
                && let Some(c) = self.children.get_mut(&s.child)
            {
                c.facts.worker_changes.push(WorkerChangeAt {
                    start: s.start,
                    worker: s.worker.clone(),
                    reason: s.reason,
                });
            }
            involvements.push((
                Involvement {
                    key: InvolvementKey::new(
                        self.sys,
                        format!("sw_episodes/{}/{}/{}", s.child, s.start, s.worker),
                    ),
                    person: PersonKey::new(self.sys, &s.child),
                    professional: Some(ProfessionalKey::new(self.sys, &s.worker)),
                    team: None,
                    role: Role::new("SW", RoleCategory::AllocatedSocialWorker),
                    period: Period {
                        start: Some(s.start),
                        end: s.end,
                    },
                    end_reason: None,
                    sensitivity: Sensitivity::Standard,
                    source: s.source.clone(),
                },
                s.file.clone(),
                s.line,
            ));
            previous = Some((i, involvements.len() - 1));
        }
        for (file, line, kind, message) in sw_problems {
            self.quarantine(&file, line, Some("SW_DECOM"), kind, message.to_owned());
        }

        for (_, c) in std::mem::take(&mut self.children) {
            let mut p = c.person;
            let mut facts = c.facts;
            facts.reviews.sort_by_key(|r| r.date);
            facts.missing.sort_by_key(|m| m.start);
            facts.adoption_decisions.sort_by_key(|d| d.date);
            if let Some(text) = &facts.upn_as_given
                && !codes::UPN_UNKNOWN.contains(&text.as_str())
            {
                p.other_identifiers.push(OtherIdentifier {
                    kind: "UPN (as given, not valid)".into(),
                    value: text.clone(),
                });
            }
            if !facts.is_empty() {
                p.looked_after = Some(Box::new(facts));
            }
            let line = p.source.row_number().unwrap_or(0);
            let file = p
                .source
                .file_name()
                .map_or_else(|| File903::Header.file_name(), str::to_owned);
            if let Err(e) = net.add_person(p) {
                self.refused(&file, line, e);
            }
        }

        // Episodes, per child in date order; one that starts before the previous ends
        // overlaps it and is quarantined.
        self.episodes
            .sort_by(|a, b| (&a.child, a.start).cmp(&(&b.child, b.start)));
        let mut last: Option<(String, Option<NaiveDate>, NaiveDate)> = None;
        for e in std::mem::take(&mut self.episodes) {
            if let Some((child, _, start)) = &last
                && *child == e.child
                && *start == e.start
            {
                self.quarantine(
                    &e.file,
                    e.line,
                    Some("DECOM"),
                    ProblemKind::DuplicateId,
                    "a second episode of this child starting on this date".into(),
                );
                continue;
            }
            if let Some((child, end, _)) = &last
                && *child == e.child
                && end.is_none_or(|end| end > e.start)
            {
                let kind = if end.is_none() {
                    "the child's previous episode is still open when this one starts"
                } else {
                    "this episode starts before the child's previous episode ends"
                };
                self.quarantine(
                    &e.file,
                    e.line,
                    Some("DECOM"),
                    ProblemKind::Rejected,
                    format!("overlapping episodes: {kind}"),
                );
                continue;
            }
            let episode = Episode {
                key: EpisodeKey::new(self.sys, format!("episodes/{}/{}", e.child, e.start)),
                person: PersonKey::new(self.sys, &e.child),
                period: Period {
                    start: Some(e.start),
                    end: e.end,
                },
                detail: EpisodeDetail::LookedAfter {
                    legal_status: e.legal_status,
                    placement: e.placement,
                    care: Some(Box::new(e.care)),
                },
                source: e.source,
            };
            match net.add_episode(episode) {
                Ok(()) => last = Some((e.child, e.end, e.start)),
                Err(err) => self.refused(&e.file, e.line, err),
            }
        }

        for (inv, file, line) in involvements {
            let worker = inv.professional.clone().expect("set above");
            if net.professional(&worker).is_none() {
                let mut p = Professional::new(worker.clone(), Source::system(self.sys));
                if worker
                    .id()
                    .get(..2)
                    .is_some_and(|s| s.eq_ignore_ascii_case("SW"))
                {
                    p.registration_number = Some(worker.id().to_owned());
                }
                p.job_title = Some("Social worker".into());
                p.agency = Some(council_agency_key(self.sys));
                net.add_professional(p).expect("checked absent above");
            }
            if let Err(err) = net.add_involvement(inv) {
                self.refused(&file, line, err);
            }
        }

        Ssda903Import {
            network: net,
            report: self.report,
            year,
        }
    }

    /// Records a row the network refused, moving it from loaded to quarantined.
    fn refused(&mut self, file: &str, line: u64, err: patchwork_core::Error) {
        use patchwork_core::Error as E;
        let kind = match &err {
            E::DuplicateKey { .. } => ProblemKind::DuplicateId,
            E::UnknownReference { .. } | E::NotFound { .. } => ProblemKind::UnknownReference,
            E::EndBeforeStart { .. } | E::DeathBeforeBirth { .. } => ProblemKind::EndBeforeStart,
            _ => ProblemKind::Rejected,
        };
        self.quarantine(file, line, None, kind, err.to_string());
    }

    fn quarantine(
        &mut self,
        file: &str,
        line: u64,
        column: Option<&str>,
        kind: ProblemKind,
        message: String,
    ) {
        self.report.push(Problem {
            file: file.to_owned(),
            line: Some(line),
            column: column.map(str::to_owned),
            kind,
            severity: Severity::Quarantined,
            message,
        });
        let counts = self.report.file(file);
        counts.loaded = counts.loaded.saturating_sub(1);
        counts.quarantined += 1;
    }
}

/// The reason a social worker episode starts, as read from the child's previous social
/// worker involvement: the reason it ended, or first contact when there is none (or it
/// ended for a reason outside the DfE list, such as the case closing). `None` when the
/// previous one is still open.
pub(crate) fn start_reason(previous: Option<&Involvement>) -> Option<SwChangeReason> {
    match previous {
        None => Some(SwChangeReason::FirstContact),
        Some(p) if p.period.end.is_none() => None,
        Some(p) => match &p.end_reason {
            Some(EndReason::Dfe(r)) => Some(*r),
            _ => Some(SwChangeReason::FirstContact),
        },
    }
}
