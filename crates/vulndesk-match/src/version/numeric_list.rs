//! Versions that are plain lists of numbers: Hackage and CRAN.
//!
//! Hackage versions are Haskell `Data.Version` branches, dotted lists of non-negative
//! integers compared lexicographically, so `1.0` sorts before `1.0.0`. CRAN versions (R's
//! `package_version`) are numbers separated by `.` or `-`, compared the same way, so
//! `0.1-0` equals `0.01.0` and `0.1.0` sorts before `0.1.0.0`. A list that is a prefix of
//! another sorts first, which is exactly the derived order of a `Vec`.

use super::num::Num;

/// A version that is a list of numbers compared lexicographically.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct NumericList(Vec<Num>);

impl NumericList {
    /// Parses a Hackage version: numbers separated by dots.
    pub(crate) fn parse_hackage(text: &str) -> Result<NumericList, &'static str> {
        Self::parse_with(text, &['.'], "a Hackage version is numbers separated by dots")
    }

    /// Parses a CRAN version: numbers separated by dots or hyphens.
    pub(crate) fn parse_cran(text: &str) -> Result<NumericList, &'static str> {
        Self::parse_with(text, &['.', '-'], "a CRAN version is numbers separated by dots or hyphens")
    }

    fn parse_with(text: &str, separators: &[char], reason: &'static str) -> Result<NumericList, &'static str> {
        text.split(separators)
            .map(|part| Num::parse(part).ok_or(reason))
            .collect::<Result<Vec<_>, _>>()
            .map(NumericList)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_sort_first() {
        let cran = |s| NumericList::parse_cran(s).expect("valid version");
        assert_eq!(cran("0.01.0"), cran("0.1-0"));
        assert!(cran("0.1.0") < cran("0.1.0.0"));
        assert!(cran("0.9") < cran("0.75"));
        let hackage = |s| NumericList::parse_hackage(s).expect("valid version");
        assert!(hackage("1.0") < hackage("1.0.0"));
        assert!(NumericList::parse_hackage("1.0-2").is_err());
        assert!(NumericList::parse_cran("1..2").is_err());
    }
}
