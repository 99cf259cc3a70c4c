//! An unbounded non-negative integer that version keys use for their numeric parts.
//!
//! Real version strings carry numbers far beyond `u64` (dates with times, hashes of digits,
//! the thirty-digit cases in the osv-scalibr fixtures), so numbers that do not fit are kept as
//! their decimal digits. The derived order is numeric because small numbers always sort before
//! big ones and big ones compare by digit count first.

use std::cmp::Ordering;
use std::fmt;

/// A non-negative integer of any size, normalised so that equal values are equal keys.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Num {
    /// A value that fits in a `u64`.
    Small(u64),
    /// The decimal digits of a value above `u64::MAX`, without leading zeros.
    Big(Box<str>),
}

impl Num {
    /// The value zero.
    pub(crate) const ZERO: Num = Num::Small(0);

    /// Parses a run of ASCII digits; returns `None` if the text is empty or has a non-digit.
    pub(crate) fn parse(digits: &str) -> Option<Num> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Self::from_digits(digits))
    }

    /// Builds a number from text that the caller knows to be ASCII digits only.
    ///
    /// An empty string is taken as zero, which suits the parsers that treat a missing
    /// number as zero.
    pub(crate) fn from_digits(digits: &str) -> Num {
        let trimmed = digits.trim_start_matches('0');
        if trimmed.len() <= 19 {
            // Nineteen digits always fit in a u64, so the parse cannot fail; the fallback
            // keeps the code free of panics all the same.
            return Num::Small(trimmed.parse().unwrap_or(0));
        }
        match trimmed.parse::<u64>() {
            Ok(value) => Num::Small(value),
            Err(_) => Num::Big(trimmed.into()),
        }
    }

    /// Returns true if the number is zero.
    pub(crate) fn is_zero(&self) -> bool {
        matches!(self, Num::Small(0))
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Num::Small(a), Num::Small(b)) => a.cmp(b),
            (Num::Small(_), Num::Big(_)) => Ordering::Less,
            (Num::Big(_), Num::Small(_)) => Ordering::Greater,
            (Num::Big(a), Num::Big(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        }
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Num::Small(value) => write!(f, "{value}"),
            Num::Big(digits) => f.write_str(digits),
        }
    }
}

/// Drops trailing zeros, so that number lists that are equal when padded with zeros become
/// identical.
pub(crate) fn trim_trailing_zeros(parts: &mut Vec<Num>) {
    while parts.last().is_some_and(Num::is_zero) {
        parts.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_numerically_across_sizes() {
        let small = Num::from_digits("18446744073709551615");
        let big = Num::from_digits("18446744073709551616");
        let bigger = Num::from_digits("999999999999999999999999999999");
        assert!(matches!(small, Num::Small(_)));
        assert!(matches!(big, Num::Big(_)));
        assert!(small < big);
        assert!(big < bigger);
        assert_eq!(Num::from_digits("007"), Num::Small(7));
        assert_eq!(Num::from_digits(""), Num::ZERO);
        assert_eq!(Num::parse("1a"), None);
    }
}
