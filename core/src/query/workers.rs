//! Changes of allocated social worker, the statistic Ofsted and the DfE track.

use chrono::NaiveDate;
use serde::Serialize;

use crate::{EndReason, Error, InvolvementRef, Network, PersonKey, Professional, RoleCategory};

/// One change of allocated social worker.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerChange<'n> {
    /// The day the new allocation started.
    pub date: NaiveDate,
    /// The allocation that came before.
    pub previous: InvolvementRef<'n>,
    /// The new allocation.
    pub next: InvolvementRef<'n>,
    /// The previous social worker, if the involvement names one.
    pub previous_professional: Option<&'n Professional>,
    /// The new social worker, if the involvement names one.
    pub next_professional: Option<&'n Professional>,
    /// The reason recorded when the previous allocation ended.
    pub reason: Option<&'n EndReason>,
}

/// The changes of allocated social worker for one child in a window.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerChanges<'n> {
    /// Number of changes (`changes.len()`).
    pub count: usize,
    /// The changes, in date order.
    pub changes: Vec<WorkerChange<'n>>,
}

impl Network {
    /// Changes of allocated social worker for `child` that happened in `[from, to)`.
    ///
    /// The child's allocated-social-worker involvements are put in start-date order; each
    /// one that starts inside the window and names a different professional (or team)
    /// from the allocation before it is a change. The first allocation a child ever has is
    /// not a change, and re-allocating to the same worker is not one either. The reason
    /// is the end reason recorded on the previous allocation. Involvements with no start
    /// date cannot be placed in time and count only as a "previous" allocation.
    ///
    /// ```
    /// # use chrono::NaiveDate;
    /// # use patchwork_core::*;
    /// # let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
    /// # let src = Source::system("lcs");
    /// # let mut net = Network::new();
    /// # let child = PersonKey::new("lcs", "C1");
    /// # net.add_person(Person::new(child.clone(), PersonKind::Child, src.clone()))?;
    /// # for (i, (w, start, end)) in [("W1", d(1, 1), Some(d(4, 1))), ("W2", d(4, 1), None)].into_iter().enumerate() {
    /// #     net.add_professional(Professional::new(ProfessionalKey::new("lcs", w), src.clone()))?;
    /// #     net.add_involvement(Involvement { key: InvolvementKey::new("lcs", format!("I{i}")), person: child.clone(),
    /// #         professional: Some(ProfessionalKey::new("lcs", w)), team: None,
    /// #         role: Role::new("CW", RoleCategory::AllocatedSocialWorker), period: Period::new(Some(start), end)?,
    /// #         end_reason: end.map(|_| EndReason::parse("LEFTRL")), sensitivity: Sensitivity::Standard, source: src.clone() })?;
    /// # }
    /// // W1 held the case from January; W2 took over on 1 April when W1 left the role.
    /// let changes = net.worker_changes(&child, d(1, 1), d(12, 31))?;
    /// assert_eq!(changes.count, 1);
    /// assert_eq!(changes.changes[0].date, d(4, 1));
    /// assert_eq!(changes.changes[0].reason.unwrap().to_string(), "LEFTRL");
    /// # Ok::<(), patchwork_core::Error>(())
    /// ```
    pub fn worker_changes(
        &self,
        child: &PersonKey,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<WorkerChanges<'_>, Error> {
        let idx = self.require_person(child)?;
        let mut allocations: Vec<InvolvementRef<'_>> = self
            .involvements_of_person(idx)
            .map(|i| self.involvement_ref(i))
            .filter(|inv| inv.role() == RoleCategory::AllocatedSocialWorker)
            .collect();
        allocations.sort_by(|a, b| {
            a.period()
                .start
                .cmp(&b.period().start)
                .then_with(|| a.key().cmp(b.key()))
        });
        // Who holds an allocation: the professional, or the team for a team-only one.
        fn holder<'n>(inv: &InvolvementRef<'n>) -> Option<&'n crate::ExternalKey> {
            match inv.professional() {
                Some(p) => Some(&p.key.0),
                None => inv.team().map(|t| &t.key.0),
            }
        }
        let changes: Vec<WorkerChange<'_>> = allocations
            .windows(2)
            .filter_map(|pair| {
                let (previous, next) = (pair[0], pair[1]);
                let date = next.period().start?;
                (from <= date && date < to && holder(&previous) != holder(&next)).then(|| {
                    WorkerChange {
                        date,
                        previous,
                        next,
                        previous_professional: previous.professional(),
                        next_professional: next.professional(),
                        reason: previous.end_reason(),
                    }
                })
            })
            .collect();
        Ok(WorkerChanges {
            count: changes.len(),
            changes,
        })
    }
}
