//! Redaction on export: spreadsheet-formula neutralisation (always on for CSV), and the
//! options of a redacted export ([`Redaction`]): keyed-hash pseudonymous ids, dates
//! coarsened to the month or year, postcodes coarsened to the district, small counts
//! suppressed.
//!
//! **Formulas.** A spreadsheet opening a CSV file runs a cell that starts with `=`, `+`,
//! `-` or `@` as a formula (and some also a tab, carriage return or NUL before one):
//! "CSV injection" (CWE-1236). Every CSV cell Patchwork exports goes through
//! [`neutralise_formula`], which puts an apostrophe in front of such a cell, so the
//! spreadsheet shows it as text. The rule is reversible: [`restore_formula`] gives the
//! original back, so a machine re-reading the file loses nothing (a cell that already
//! starts with apostrophes followed by a trigger gets one more, so it too comes back
//! exactly).

use std::borrow::Cow;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use sha2::{Digest, Sha256};

/// The characters that make a spreadsheet treat a cell as a formula when they start it.
pub const FORMULA_TRIGGERS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\0'];

/// True when `cell`, after any leading apostrophes, starts with a formula trigger: the
/// cells [`neutralise_formula`] changes.
fn needs_escape(cell: &str) -> bool {
    cell.trim_start_matches('\'')
        .starts_with(|c| FORMULA_TRIGGERS.contains(&c))
}

/// The cell as written to a CSV export: with an apostrophe in front when it would start
/// a formula (or is already an escaped one), otherwise unchanged.
///
/// ```
/// use patchwork_adapters::redaction::{neutralise_formula, restore_formula};
///
/// assert_eq!(neutralise_formula("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(neutralise_formula("-1"), "'-1");
/// assert_eq!(neutralise_formula("O'Brien"), "O'Brien");
/// assert_eq!(neutralise_formula("'=1"), "''=1");
/// for cell in ["=1", "'=1", "''+2", "plain", ""] {
///     assert_eq!(restore_formula(&neutralise_formula(cell)), cell);
/// }
/// ```
pub fn neutralise_formula(cell: &str) -> Cow<'_, str> {
    if needs_escape(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The original of a cell [`neutralise_formula`] wrote (the "machine" reading of an
/// export).
pub fn restore_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_escape(rest) => rest,
        _ => cell,
    }
}

/// The secret key of keyed-hash pseudonyms (HMAC-SHA256). Its bytes never appear in
/// `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct PseudonymKey(Vec<u8>);

/// A pseudonym key shorter than [`PseudonymKey::MIN_LEN`] bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a pseudonym key must be at least {min} bytes; this one has {len}", min = PseudonymKey::MIN_LEN)]
pub struct KeyTooShort {
    /// The length given.
    pub len: usize,
}

impl PseudonymKey {
    /// The shortest key accepted: 16 bytes (128 bits).
    pub const MIN_LEN: usize = 16;

    /// A key from secret bytes (keep them out of the export and out of the store).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, KeyTooShort> {
        let bytes = bytes.into();
        if bytes.len() < Self::MIN_LEN {
            return Err(KeyTooShort { len: bytes.len() });
        }
        Ok(Self(bytes))
    }

    /// HMAC-SHA256 of `message` under this key (RFC 2104).
    pub fn hmac(&self, message: &[u8]) -> [u8; 32] {
        hmac_sha256(&self.0, message)
    }

    /// The pseudonym of an identifier: `p` and the first 20 hex digits (80 bits) of the
    /// HMAC of `kind` and `value`, so that the same value gives the same pseudonym within
    /// an export and across exports with the same key, and different kinds of identifier
    /// never collide by design.
    pub fn pseudonym(&self, kind: &str, value: &str) -> String {
        let mut message = Vec::with_capacity(kind.len() + value.len() + 1);
        message.extend_from_slice(kind.as_bytes());
        message.push(0);
        message.extend_from_slice(value.as_bytes());
        let mac = self.hmac(&message);
        let mut out = String::with_capacity(21);
        out.push('p');
        for b in &mac[..10] {
            use fmt::Write;
            let _ = write!(out, "{b:02x}");
        }
        out
    }
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PseudonymKey({} bytes)", self.0.len())
    }
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

/// How precisely dates are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DateGrain {
    /// The whole date, `2024-07-02`.
    #[default]
    Day,
    /// The month, `2024-07`.
    Month,
    /// The year, `2024`.
    Year,
}

impl DateGrain {
    /// The date written at this grain.
    pub fn write(self, date: NaiveDate) -> String {
        match self {
            Self::Day => date.to_string(),
            Self::Month => format!("{:04}-{:02}", date.year(), date.month()),
            Self::Year => format!("{:04}", date.year()),
        }
    }
}

/// The postcode district (the outward code: `SW1A 1AA` -> `SW1A`, `M11AE` -> `M1`), or
/// `None` for text that is not shaped like a UK postcode (it is then withheld, not
/// guessed at).
pub fn postcode_district(postcode: &str) -> Option<String> {
    let compact: String = postcode
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    // The inward code is always a digit and two letters; the outward code 2 to 4
    // characters starting with a letter.
    let n = compact.len();
    if !(5..=7).contains(&n) || !compact.is_ascii() {
        return None;
    }
    let (outward, inward) = compact.split_at(n - 3);
    let inward_ok = inward.as_bytes()[0].is_ascii_digit()
        && inward.as_bytes()[1..].iter().all(u8::is_ascii_alphabetic);
    let outward_ok = outward.as_bytes()[0].is_ascii_alphabetic()
        && outward.bytes().all(|b| b.is_ascii_alphanumeric())
        && outward.bytes().any(|b| b.is_ascii_digit());
    (inward_ok && outward_ok).then(|| outward.to_owned())
}

/// Suppression of small counts in aggregate outputs, as official statistics do: a count
/// below `threshold` (and above zero) is written as `c`; any other count is rounded to the
/// nearest `round_to` (halves up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmallCounts {
    /// Counts from 1 to `threshold - 1` are suppressed.
    pub threshold: u64,
    /// Counts are rounded to a multiple of this (1: not rounded).
    pub round_to: u64,
}

impl Default for SmallCounts {
    /// Suppress 1 to 4, round to the nearest 5.
    fn default() -> Self {
        Self {
            threshold: 5,
            round_to: 5,
        }
    }
}

impl SmallCounts {
    /// The count as published: `0`, `c` (suppressed), or rounded.
    pub fn write(self, count: u64) -> String {
        if count == 0 {
            return "0".to_owned();
        }
        if count < self.threshold {
            return "c".to_owned();
        }
        let r = self.round_to.max(1);
        (((count + r / 2) / r) * r).to_string()
    }
}

/// How an export is redacted. The default redacts nothing (formula neutralisation is
/// not an option: CSV exports always do it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redaction {
    /// Replace person ids and identifiers (NHS number, UPN, other identifiers) with
    /// keyed-hash pseudonyms, and leave person names empty. Professionals, teams and
    /// agencies are not pseudonymised.
    pub pseudonymise: Option<PseudonymKey>,
    /// How precisely dates are written.
    pub dates: DateGrain,
    /// Write postcodes as their district only (unrecognisable postcodes are withheld).
    pub postcode_district: bool,
    /// Suppress small counts in aggregate outputs.
    pub small_counts: Option<SmallCounts>,
}

impl Redaction {
    /// True when anything is redacted (the export then cannot be read back as the same
    /// network).
    pub fn is_active(&self) -> bool {
        self.pseudonymise.is_some()
            || self.dates != DateGrain::Day
            || self.postcode_district
            || self.small_counts.is_some()
    }

    /// A count as published under these options.
    pub fn count(&self, count: u64) -> String {
        match self.small_counts {
            Some(s) => s.write(count),
            None => count.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2.
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
