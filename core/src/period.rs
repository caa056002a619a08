//! Half-open validity periods.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Error;

/// A half-open period `[start, end)`.
///
/// `start = None` means "since before our records begin"; `end = None` means still open.
/// A period contains `as_of` when `start <= as_of < end`, so an involvement that ends on a
/// date is no longer active on that date.
///
/// ```
/// use chrono::NaiveDate;
/// use patchwork_core::Period;
///
/// let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
/// let p = Period::new(Some(d(1, 10)), Some(d(3, 1)))?;
/// assert!(p.contains(d(1, 10)));   // the start day is inside
/// assert!(!p.contains(d(3, 1)));   // the end day is not
/// assert!(Period::new(Some(d(3, 1)), Some(d(1, 10))).is_err());
/// # Ok::<(), patchwork_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Period {
    /// First day inside the period; `None` when unknown or since before our records.
    pub start: Option<NaiveDate>,
    /// First day after the period; `None` while it is open.
    pub end: Option<NaiveDate>,
}

impl Period {
    /// A period from `start` to `end`; fails when `end` is before `start`.
    ///
    /// `end == start` is allowed and gives an empty period (recorded and closed the same
    /// day, as case systems do for entries made in error).
    pub fn new(start: Option<NaiveDate>, end: Option<NaiveDate>) -> Result<Self, Error> {
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            return Err(Error::EndBeforeStart { start: s, end: e });
        }
        Ok(Self { start, end })
    }

    /// An open period starting on `start`.
    pub fn from(start: NaiveDate) -> Self {
        Self {
            start: Some(start),
            end: None,
        }
    }

    /// A period with no known start and no end.
    pub fn always() -> Self {
        Self::default()
    }

    /// True when `start <= as_of < end`.
    #[inline]
    pub fn contains(&self, as_of: NaiveDate) -> bool {
        self.start.is_none_or(|s| s <= as_of) && self.end.is_none_or(|e| as_of < e)
    }

    /// True when the period has ended on or before `as_of`.
    pub fn ended_by(&self, as_of: NaiveDate) -> bool {
        self.end.is_some_and(|e| e <= as_of)
    }

    /// True when the period and `[from, to)` share at least one day.
    pub fn overlaps(&self, from: NaiveDate, to: NaiveDate) -> bool {
        from < to && self.start.is_none_or(|s| s < to) && self.end.is_none_or(|e| from < e)
    }

    /// Checks that `end` is not before `start`; used for records built field by field.
    pub fn validate(&self) -> Result<(), Error> {
        Self::new(self.start, self.end).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, day).unwrap()
    }

    #[test]
    fn half_open_edges() {
        let p = Period::new(Some(d(1, 10)), Some(d(1, 20))).unwrap();
        assert!(!p.contains(d(1, 9)));
        assert!(p.contains(d(1, 10)));
        assert!(p.contains(d(1, 19)));
        assert!(!p.contains(d(1, 20)));
        assert!(p.ended_by(d(1, 20)));
        assert!(!p.ended_by(d(1, 19)));
    }

    #[test]
    fn open_ends() {
        let open = Period::from(d(1, 10));
        assert!(open.contains(d(12, 31)));
        assert!(!open.contains(d(1, 9)));
        assert!(!open.ended_by(d(12, 31)));
        let unknown_start = Period::new(None, Some(d(2, 1))).unwrap();
        assert!(unknown_start.contains(NaiveDate::MIN));
        assert!(!unknown_start.contains(d(2, 1)));
        assert!(Period::always().contains(d(6, 6)));
    }

    #[test]
    fn empty_period_contains_nothing() {
        let p = Period::new(Some(d(1, 10)), Some(d(1, 10))).unwrap();
        assert!(!p.contains(d(1, 10)));
        assert!(!p.contains(d(1, 9)));
    }

    #[test]
    fn end_before_start_is_rejected() {
        assert_eq!(
            Period::new(Some(d(2, 1)), Some(d(1, 31))),
            Err(Error::EndBeforeStart {
                start: d(2, 1),
                end: d(1, 31)
            })
        );
    }

    #[test]
    fn overlaps_window() {
        let p = Period::new(Some(d(2, 1)), Some(d(3, 1))).unwrap();
        assert!(p.overlaps(d(1, 1), d(2, 2)));
        assert!(!p.overlaps(d(1, 1), d(2, 1)));
        assert!(!p.overlaps(d(3, 1), d(4, 1)));
        assert!(p.overlaps(d(2, 28), d(4, 1)));
    }
}
