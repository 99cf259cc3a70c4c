//! [`CweId`]: a CWE id as people write it (`CWE-122`, `cwe-122` or `122`).

use std::fmt;
use std::str::FromStr;

use super::Cwe;

/// A CWE id: a positive number, written `CWE-<number>`.
///
/// Parsing accepts `CWE-122`, `cwe-122` (any case of the prefix) and a bare
/// `122`. It refuses everything else with a [`CweIdError`] that says what is
/// wrong: surrounding spaces, another prefix, no number, a leading zero, zero
/// itself, and NVD's placeholders `NVD-CWE-Other` and `NVD-CWE-noinfo`, which
/// look like ids but are not. A parsed id need not be in the catalogue: see
/// [`CweId::entry`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CweId(pub(super) u32);

/// Why a text is not a CWE id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CweIdError {
    /// The text is empty.
    #[error("a CWE id is empty; expected CWE-<number>, for example CWE-79")]
    Empty,
    /// The text starts or ends with white space.
    #[error("the CWE id {found:?} has white space around it")]
    Whitespace {
        /// The text, clipped.
        found: String,
    },
    /// One of NVD's placeholders (`NVD-CWE-Other`, `NVD-CWE-noinfo`), which
    /// mean "no CWE fits" or "not enough information", not a weakness.
    #[error("{found:?} is NVD's placeholder for \"no suitable CWE\", not a CWE id")]
    NvdPlaceholder {
        /// The text, clipped.
        found: String,
    },
    /// The text has a prefix other than `CWE-`.
    #[error("the CWE id {found:?} must start with \"CWE-\" or be a bare number")]
    WrongPrefix {
        /// The text, clipped.
        found: String,
    },
    /// Nothing follows `CWE-`.
    #[error("the CWE id {found:?} has no number after \"CWE-\"")]
    MissingNumber {
        /// The text, clipped.
        found: String,
    },
    /// The number holds something other than the digits 0–9.
    #[error("the number {found:?} of a CWE id must hold only the digits 0-9")]
    NotANumber {
        /// The number part, clipped.
        found: String,
    },
    /// The number starts with 0 (CWE writes CWE-79, never CWE-079).
    #[error("the number {found:?} of a CWE id must not start with 0")]
    LeadingZero {
        /// The number part, clipped.
        found: String,
    },
    /// The number is 0, which CWE never assigns.
    #[error("CWE ids start at 1; 0 is not one")]
    Zero,
    /// The number does not fit in 32 bits.
    #[error("the number {found:?} of a CWE id is too large")]
    TooLarge {
        /// The number part, clipped.
        found: String,
    },
}

impl CweId {
    /// The smallest id, CWE-1.
    pub const MIN: Self = Self(1);

    /// The id with this number; `None` for 0.
    pub fn new(number: u32) -> Option<Self> {
        (number > 0).then_some(Self(number))
    }

    /// Parses `CWE-122`, `cwe-122` or `122`.
    ///
    /// # Errors
    ///
    /// A [`CweIdError`] saying which part of the text is wrong.
    pub fn parse(text: &str) -> Result<Self, CweIdError> {
        if text.is_empty() {
            return Err(CweIdError::Empty);
        }
        if text.trim() != text {
            return Err(CweIdError::Whitespace { found: clip(text) });
        }
        let number = if text.as_bytes()[0].is_ascii_digit() {
            text
        } else if text.len() >= 4 && text.is_char_boundary(4) && text[..4].eq_ignore_ascii_case("CWE-") {
            &text[4..]
        } else if text.get(..8).is_some_and(|head| head.eq_ignore_ascii_case("NVD-CWE-")) {
            return Err(CweIdError::NvdPlaceholder { found: clip(text) });
        } else {
            return Err(CweIdError::WrongPrefix { found: clip(text) });
        };
        if number.is_empty() {
            return Err(CweIdError::MissingNumber { found: clip(text) });
        }
        if !number.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(CweIdError::NotANumber { found: clip(number) });
        }
        if number == "0" {
            return Err(CweIdError::Zero);
        }
        if number.starts_with('0') {
            return Err(CweIdError::LeadingZero { found: clip(number) });
        }
        number.parse::<u32>().map(Self).map_err(|_| CweIdError::TooLarge { found: clip(number) })
    }

    /// The number (122 for CWE-122).
    pub fn number(self) -> u32 {
        self.0
    }

    /// The catalogue's entry for this id, if CWE 4.14 has one.
    pub fn entry(self) -> Option<&'static Cwe> {
        super::get(self.0)
    }
}

impl fmt::Display for CweId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CWE-{}", self.0)
    }
}

impl FromStr for CweId {
    type Err = CweIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

/// Clips a text quoted in an error to 40 characters, so that a huge input
/// does not make a huge message.
fn clip(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}
