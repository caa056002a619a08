//! National identifiers that carry their own check character: the NHS number and the
//! Unique Pupil Number (UPN).
//!
//! Both are validated on construction, so a value of type [`NhsNumber`] or [`Upn`] is
//! always well formed. Error messages never repeat the identifier itself: an error may end
//! up in a log or an import report, and an NHS number identifies a child.
//!
//! ```
//! use patchwork_core::{NhsNumber, Upn};
//!
//! let nhs: NhsNumber = "943 476 5919".parse()?;
//! assert_eq!(nhs.to_string(), "9434765919");
//! assert!("9434765918".parse::<NhsNumber>().is_err());
//!
//! let upn: Upn = "A123456789012".parse()?;
//! assert_eq!(upn.as_str(), "A123456789012");
//! # Ok::<(), patchwork_core::IdError>(())
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a string is not a valid NHS number or UPN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// An NHS number must have exactly ten digits (spaces and hyphens between groups are allowed).
    #[error("NHS number must have 10 digits, found {found}")]
    NhsLength {
        /// How many digits were found.
        found: usize,
    },
    /// An NHS number held a character that is not a digit, space or hyphen.
    #[error("NHS number contains a character that is not a digit at position {position}")]
    NhsCharacter {
        /// 1-based position of the character in the input.
        position: usize,
    },
    /// The modulus-11 check gives 10, which no NHS number may have.
    #[error("NHS number is invalid: its modulus-11 check gives 10")]
    NhsCheckTen,
    /// The tenth digit is not the modulus-11 check digit of the first nine.
    #[error("NHS number check digit is wrong: expected {expected}, found {found}")]
    NhsCheckDigit {
        /// The check digit the first nine digits call for.
        expected: u8,
        /// The check digit given.
        found: u8,
    },
    /// Ten identical digits (such as `9999999999`) are placeholders, not NHS numbers, even
    /// where the check digit happens to fit.
    #[error("NHS number is a placeholder (all digits the same)")]
    NhsPlaceholder,
    /// A UPN has exactly 13 characters.
    #[error("UPN must have 13 characters, found {found}")]
    UpnLength {
        /// How many characters were found.
        found: usize,
    },
    /// A UPN character is not allowed where it stands (characters 2-12 are digits; the
    /// first and last are letters from the check alphabet, the last may also be a digit).
    #[error("UPN has an invalid character at position {position}")]
    UpnCharacter {
        /// 1-based position of the offending character.
        position: usize,
    },
    /// The first character is not the check letter of the other twelve.
    #[error("UPN check letter is wrong: expected {expected}, found {found}")]
    UpnCheckLetter {
        /// The check letter the other twelve characters call for.
        expected: char,
        /// The letter given.
        found: char,
    },
}

/// A ten-digit NHS number whose modulus-11 check digit has been verified.
///
/// Parsing accepts the usual `3 3 4` grouping with spaces or hyphens; [`fmt::Display`]
/// writes the ten digits without separators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NhsNumber(std::num::NonZeroU64);

impl NhsNumber {
    /// Validates `text` as an NHS number.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let mut digits = [0u8; 10];
        let mut count = 0usize;
        for (i, c) in text.trim().chars().enumerate() {
            match c {
                '0'..='9' => {
                    if count < 10 {
                        digits[count] = c as u8 - b'0';
                    }
                    count += 1;
                }
                ' ' | '-' => {}
                _ => return Err(IdError::NhsCharacter { position: i + 1 }),
            }
        }
        if count != 10 {
            return Err(IdError::NhsLength { found: count });
        }
        if digits.iter().all(|&d| d == digits[0]) {
            return Err(IdError::NhsPlaceholder);
        }
        let expected = nhs_check_digit(&digits[..9]).ok_or(IdError::NhsCheckTen)?;
        if expected != digits[9] {
            return Err(IdError::NhsCheckDigit {
                expected,
                found: digits[9],
            });
        }
        let value = digits.iter().fold(0u64, |acc, &d| acc * 10 + u64::from(d));
        // Ten zeros are a placeholder, refused above, so the value is never zero.
        std::num::NonZeroU64::new(value)
            .map(Self)
            .ok_or(IdError::NhsPlaceholder)
    }

    /// The number as a ten-digit integer (leading zeros are possible in principle).
    pub fn value(self) -> u64 {
        self.0.get()
    }
}

/// Modulus-11 check digit of the first nine digits, or `None` when the check gives 10.
fn nhs_check_digit(first_nine: &[u8]) -> Option<u8> {
    let sum: u32 = first_nine
        .iter()
        .zip((2..=10).rev())
        .map(|(&d, w)| u32::from(d) * w)
        .sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        n => Some(n as u8),
    }
}

impl fmt::Display for NhsNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:010}", self.0.get())
    }
}

impl FromStr for NhsNumber {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The 23 letters of the UPN check alphabet (no I, O or S), indexed by value.
const UPN_ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// A 13-character Unique Pupil Number whose check letter has been verified.
///
/// Layout: check letter, 3-digit LA code, 4-digit establishment number, 3-digit serial,
/// and a final digit (permanent UPN) or letter (temporary UPN). Lower-case letters are
/// accepted and stored in upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Upn([u8; 13]);

impl Upn {
    /// Validates `text` as a UPN.
    pub fn parse(text: &str) -> Result<Self, IdError> {
        let text = text.trim();
        let count = text.chars().count();
        if count != 13 || text.len() != 13 {
            return Err(IdError::UpnLength { found: count });
        }
        let mut bytes = [0u8; 13];
        bytes.copy_from_slice(text.as_bytes());
        bytes.make_ascii_uppercase();
        let value_of = |b: u8| UPN_ALPHABET.iter().position(|&a| a == b);
        if value_of(bytes[0]).is_none() {
            return Err(IdError::UpnCharacter { position: 1 });
        }
        if let Some(i) = (1..12).find(|&i| !bytes[i].is_ascii_digit()) {
            return Err(IdError::UpnCharacter { position: i + 1 });
        }
        if !bytes[12].is_ascii_digit() && value_of(bytes[12]).is_none() {
            return Err(IdError::UpnCharacter { position: 13 });
        }
        let sum: usize = (1..13)
            .map(|i| {
                let v = if bytes[i].is_ascii_digit() {
                    usize::from(bytes[i] - b'0')
                } else {
                    value_of(bytes[i]).unwrap_or(0)
                };
                v * (i + 1)
            })
            .sum();
        let expected = UPN_ALPHABET[sum % 23];
        if expected != bytes[0] {
            return Err(IdError::UpnCheckLetter {
                expected: char::from(expected),
                found: char::from(bytes[0]),
            });
        }
        Ok(Self(bytes))
    }

    /// The UPN as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII bytes are ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The three-digit local-authority code (characters 2-4).
    pub fn la_code(&self) -> &str {
        &self.as_str()[1..4]
    }

    /// True for a temporary UPN, whose last character is a letter.
    pub fn is_temporary(&self) -> bool {
        self.0[12].is_ascii_alphabetic()
    }
}

impl fmt::Display for Upn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Upn {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

macro_rules! serde_as_string {
    ($ty:ty) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}
serde_as_string!(NhsNumber);
serde_as_string!(Upn);

#[cfg(test)]
mod tests {
    use super::*;

    // Worked by hand: 9 4 3 4 7 6 5 9 1 weighted 10..2 gives
    // 90+36+24+28+42+30+20+27+2 = 299; 299 mod 11 = 2; 11 - 2 = 9.
    #[test]
    fn nhs_number_with_correct_check_digit_is_accepted() {
        let n = NhsNumber::parse("9434765919").unwrap();
        assert_eq!(n.value(), 9_434_765_919);
        assert_eq!(NhsNumber::parse("943 476 5919").unwrap(), n);
        assert_eq!(NhsNumber::parse("943-476-5919").unwrap(), n);
        assert_eq!(n.to_string(), "9434765919");
    }

    // 4 0 1 0 2 3 2 1 3 weighted 10..2: 40+0+8+0+12+15+8+3+6 = 92; 92 mod 11 = 4; 11 - 4 = 7.
    #[test]
    fn second_hand_worked_nhs_number() {
        assert!(NhsNumber::parse("4010232137").is_ok());
        assert_eq!(
            NhsNumber::parse("4010232135"),
            Err(IdError::NhsCheckDigit {
                expected: 7,
                found: 5
            })
        );
    }

    #[test]
    fn nhs_number_errors_are_specific() {
        assert_eq!(
            NhsNumber::parse("9434765918"),
            Err(IdError::NhsCheckDigit {
                expected: 9,
                found: 8
            })
        );
        assert_eq!(
            NhsNumber::parse("943476591"),
            Err(IdError::NhsLength { found: 9 })
        );
        assert_eq!(
            NhsNumber::parse("94347659190"),
            Err(IdError::NhsLength { found: 11 })
        );
        assert_eq!(
            NhsNumber::parse("94347x5919"),
            Err(IdError::NhsCharacter { position: 6 })
        );
        assert_eq!(NhsNumber::parse(""), Err(IdError::NhsLength { found: 0 }));
        // 9999999999 fits the check digit (9*54 = 486; 486 mod 11 = 2; 11 - 2 = 9) but is a placeholder.
        assert_eq!(NhsNumber::parse("9999999999"), Err(IdError::NhsPlaceholder));
        // 1 2 3 4 5 6 7 8 9 -> 10+18+24+28+30+30+28+24+18 = 210; 210 mod 11 = 1; 11 - 1 = 10: never valid.
        assert_eq!(NhsNumber::parse("1234567890"), Err(IdError::NhsCheckTen));
        assert_eq!(NhsNumber::parse("1234567891"), Err(IdError::NhsCheckTen));
    }

    #[test]
    fn nhs_error_message_does_not_repeat_the_number() {
        let err = NhsNumber::parse("9434765918").unwrap_err().to_string();
        assert!(!err.contains("943476591"), "{err}");
    }

    // Check letter worked by hand for A123456789012:
    // characters 2..13 = 1 2 3 4 5 6 7 8 9 0 1 2 with weights 2..13:
    // 2+6+12+20+30+42+56+72+90+0+12+26 = 368; 368 mod 23 = 0 -> 'A'.
    #[test]
    fn upn_with_correct_check_letter_is_accepted() {
        let upn = Upn::parse("A123456789012").unwrap();
        assert_eq!(upn.la_code(), "123");
        assert!(!upn.is_temporary());
        assert_eq!(Upn::parse("a123456789012").unwrap(), upn);
    }

    // Temporary UPN ending in a letter: 9 3 8 2 0 1 2 0 0 1 2 then 'C' (value 2), weights 2..13:
    // 18+9+32+10+0+7+16+0+0+11+24+26 = 153; 153 mod 23 = 15 -> 'R'.
    // Had the letter counted as 0 the sum would be 127 -> 12 -> 'N'.
    #[test]
    fn temporary_upn_uses_letter_values_in_the_check() {
        let upn = Upn::parse("R93820120012C").unwrap();
        assert!(upn.is_temporary());
        assert_eq!(
            Upn::parse("N93820120012C"),
            Err(IdError::UpnCheckLetter {
                expected: 'R',
                found: 'N'
            })
        );
    }

    #[test]
    fn upn_errors_are_specific() {
        assert_eq!(
            Upn::parse("B123456789012"),
            Err(IdError::UpnCheckLetter {
                expected: 'A',
                found: 'B'
            })
        );
        assert_eq!(
            Upn::parse("A12345678901"),
            Err(IdError::UpnLength { found: 12 })
        );
        assert_eq!(
            Upn::parse("A12345X789012"),
            Err(IdError::UpnCharacter { position: 7 })
        );
        // I, O and S are not in the check alphabet.
        assert_eq!(
            Upn::parse("I123456789012"),
            Err(IdError::UpnCharacter { position: 1 })
        );
        assert_eq!(
            Upn::parse("A12345678901S"),
            Err(IdError::UpnCharacter { position: 13 })
        );
        // Multi-byte characters never panic on slicing.
        assert!(Upn::parse("Ä12345678901").is_err());
    }

    #[test]
    fn identifiers_round_trip_through_serde() {
        let n = NhsNumber::parse("9434765919").unwrap();
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, "\"9434765919\"");
        assert_eq!(serde_json::from_str::<NhsNumber>(&json).unwrap(), n);
        assert!(serde_json::from_str::<NhsNumber>("\"9434765918\"").is_err());
        let u = Upn::parse("A123456789012").unwrap();
        assert_eq!(
            serde_json::from_str::<Upn>(&serde_json::to_string(&u).unwrap()).unwrap(),
            u
        );
    }

    proptest::proptest! {
        /// Any nine digits plus their computed check digit form a valid number, and changing
        /// the last digit to anything else makes it invalid.
        #[test]
        fn every_single_digit_change_of_the_check_digit_is_caught(first in proptest::collection::vec(0u8..10, 9), other in 0u8..10) {
            if let Some(check) = nhs_check_digit(&first) {
                let mut text: String = first.iter().map(|d| char::from(b'0' + d)).collect();
                let all_same = first.iter().all(|&d| d == check);
                text.push(char::from(b'0' + check));
                proptest::prop_assert_eq!(NhsNumber::parse(&text).is_ok(), !all_same);
                if other != check {
                    text.pop();
                    text.push(char::from(b'0' + other));
                    proptest::prop_assert!(NhsNumber::parse(&text).is_err());
                }
            }
        }

        /// Parsing arbitrary text never panics.
        #[test]
        fn parsing_never_panics(s in "\\PC{0,20}") {
            let _ = NhsNumber::parse(&s);
            let _ = Upn::parse(&s);
        }
    }
}
