//! `vers` version range specifiers: `vers:<scheme>/<constraint>|<constraint>|...`.
//!
//! The package-url `vers` specification writes a range as a versioning scheme (usually a purl
//! type) and a `|`-separated list of constraints, each a comparator (`=`, implied when
//! absent, `!=`, `<`, `<=`, `>`, `>=`) and a percent-encoded version, or the single constraint
//! `*` for every version. The canonical form has no whitespace, no empty constraints and the
//! constraints sorted by version. Containment follows the specification's algorithm: equal
//! and not-equal constraints decide first, then the range constraints are walked in pairs.
//! Versions are parsed with the [`crate::Ecosystem`] that the scheme names, so a `vers`
//! range compares against the same keys as OSV ranges do.

use std::fmt;

use crate::Ecosystem;
use crate::version::{Version, VersionError, parse, sort_lenient};

/// A constraint's comparator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Comparator {
    /// `=`: exactly this version.
    Equal,
    /// `!=`: anything but this version.
    NotEqual,
    /// `<`: below this version.
    Less,
    /// `<=`: at or below this version.
    LessOrEqual,
    /// `>`: above this version.
    Greater,
    /// `>=`: at or above this version.
    GreaterOrEqual,
}

impl Comparator {
    /// The comparator as written in canonical form; `=` is implied and so empty.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparator::Equal => "",
            Comparator::NotEqual => "!=",
            Comparator::Less => "<",
            Comparator::LessOrEqual => "<=",
            Comparator::Greater => ">",
            Comparator::GreaterOrEqual => ">=",
        }
    }

    fn is_lower_bound(self) -> bool {
        matches!(self, Comparator::Greater | Comparator::GreaterOrEqual)
    }

    fn is_upper_bound(self) -> bool {
        matches!(self, Comparator::Less | Comparator::LessOrEqual)
    }

    /// Returns true if `version` satisfies this comparator against `bound`.
    fn admits(self, version: &Version, bound: &Version) -> bool {
        match self {
            Comparator::Equal => version == bound,
            Comparator::NotEqual => version != bound,
            Comparator::Less => version < bound,
            Comparator::LessOrEqual => version <= bound,
            Comparator::Greater => version > bound,
            Comparator::GreaterOrEqual => version >= bound,
        }
    }
}

/// One constraint of a `vers` range.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Constraint {
    /// How the version bounds the range.
    pub comparator: Comparator,
    /// The bounding version, percent-decoded and parsed.
    pub version: Version,
}

/// Why a `vers` string was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VersError {
    /// The string does not start with `vers:` and a scheme followed by `/`.
    #[error("not a vers range: expected vers:<scheme>/<constraints>")]
    NotVers,
    /// The scheme has no version order in this crate.
    #[error("unsupported vers scheme {0:?}")]
    UnsupportedScheme(String),
    /// The string breaks a rule of the canonical form.
    #[error("non-canonical VERS: {0}")]
    NonCanonical(&'static str),
    /// A constraint's version could not be parsed.
    #[error("cannot parse a vers version: {0}")]
    Version(#[from] VersionError),
}

/// A parsed `vers` range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vers {
    scheme: String,
    ecosystem: Ecosystem,
    /// The constraints sorted by version; empty means `*`, every version.
    constraints: Vec<Constraint>,
    /// The lower and upper bounds among the constraints, in order: computed once at parse so
    /// that [`Vers::contains`] allocates nothing.
    bounds: Vec<Constraint>,
}

/// Decodes `%XX` escapes; upper-case hex digits are the canonical spelling.
fn percent_decode(text: &str) -> Result<String, VersError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                .ok_or(VersError::NonCanonical("invalid percent-encoding in version"))?;
            if hex.iter().any(u8::is_ascii_lowercase) {
                return Err(VersError::NonCanonical("percent-encoding in version is not canonical"));
            }
            let value = std::str::from_utf8(hex)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or(VersError::NonCanonical("invalid percent-encoding in version"))?;
            out.push(value);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| VersError::NonCanonical("invalid percent-encoding in version"))
}

/// Encodes the characters that cannot appear literally in a constraint's version.
fn percent_encode(text: &str, out: &mut String) {
    for byte in text.bytes() {
        let plain = byte.is_ascii_alphanumeric() || b".-_~+:^".contains(&byte);
        if plain {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

impl Vers {
    /// Parses a `vers` string in canonical form, refusing anything non-canonical.
    pub fn parse(text: &str) -> Result<Vers, VersError> {
        Self::parse_inner(text, true)
    }

    /// Parses a `vers` string whose constraints may be in any order, then sorts them.
    ///
    /// Every other canonical-form rule still applies. [`Vers`]'s `Display` then gives the
    /// canonical form, which is how the specification's "validate" tests normalise a range.
    pub fn parse_unsorted(text: &str) -> Result<Vers, VersError> {
        Self::parse_inner(text, false)
    }

    fn parse_inner(text: &str, require_sorted: bool) -> Result<Vers, VersError> {
        if text.chars().any(char::is_whitespace) {
            return Err(VersError::NonCanonical("whitespace is not permitted"));
        }
        let rest = text.strip_prefix("vers:").ok_or(VersError::NotVers)?;
        let (scheme, list) = rest.split_once('/').ok_or(VersError::NotVers)?;
        if scheme.is_empty() {
            return Err(VersError::NotVers);
        }
        let ecosystem =
            Ecosystem::from_vers_scheme(scheme).ok_or_else(|| VersError::UnsupportedScheme(scheme.to_owned()))?;
        if list.is_empty() {
            return Err(VersError::NonCanonical("the constraint list is empty"));
        }
        if list.starts_with('|') {
            return Err(VersError::NonCanonical("leading pipe is not permitted"));
        }
        if list.ends_with('|') {
            return Err(VersError::NonCanonical("trailing pipe is not permitted"));
        }
        if list.contains("||") {
            return Err(VersError::NonCanonical("consecutive pipes are not permitted"));
        }
        let mut constraints = Vec::new();
        if list != "*" {
            for item in list.split('|') {
                constraints.push(Self::constraint(ecosystem, item)?);
            }
        }
        let sorted = constraints.windows(2).all(|w| w[0].version <= w[1].version);
        if !sorted {
            if require_sorted {
                return Err(VersError::NonCanonical("constraints are not sorted by version"));
            }
            sort_lenient(&mut constraints, |a, b| a.version.cmp(&b.version));
        }
        let bounds = constraints
            .iter()
            .filter(|c| c.comparator.is_lower_bound() || c.comparator.is_upper_bound())
            .cloned()
            .collect();
        Ok(Vers { scheme: scheme.to_owned(), ecosystem, constraints, bounds })
    }

    fn constraint(ecosystem: Ecosystem, item: &str) -> Result<Constraint, VersError> {
        if item == "*" {
            return Err(VersError::NonCanonical("* must be the only constraint"));
        }
        let (comparator, version) = [
            (">=", Comparator::GreaterOrEqual),
            ("<=", Comparator::LessOrEqual),
            ("!=", Comparator::NotEqual),
            ("<", Comparator::Less),
            (">", Comparator::Greater),
            ("=", Comparator::Equal),
        ]
        .iter()
        .find_map(|(prefix, comparator)| item.strip_prefix(prefix).map(|v| (*comparator, v)))
        .unwrap_or((Comparator::Equal, item));
        if version.is_empty() {
            return Err(VersError::NonCanonical("a constraint has no version"));
        }
        let decoded = percent_decode(version)?;
        Ok(Constraint { comparator, version: parse(ecosystem, &decoded)? })
    }

    /// The versioning scheme as written, such as `npm` or `pypi`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// The ecosystem whose order the range's versions were parsed with.
    pub fn ecosystem(&self) -> Ecosystem {
        self.ecosystem
    }

    /// The constraints, sorted by version; empty for `*`.
    pub fn constraints(&self) -> &[Constraint] {
        &self.constraints
    }

    /// Parses a version with the range's order, ready for [`Vers::contains`].
    pub fn parse_version(&self, text: &str) -> Result<Version, VersError> {
        Ok(parse(self.ecosystem, text)?)
    }

    /// Returns true if `version` lies in the range, by the `vers` specification's algorithm.
    pub fn contains(&self, version: &Version) -> bool {
        if self.constraints.is_empty() {
            return true;
        }
        let mut has_equal = false;
        let mut has_not_equal = false;
        for c in &self.constraints {
            match c.comparator {
                Comparator::Equal => {
                    if c.version == *version {
                        return true;
                    }
                    has_equal = true;
                }
                Comparator::NotEqual => {
                    if c.version == *version {
                        return false;
                    }
                    has_not_equal = true;
                }
                _ => {}
            }
        }
        let bounds = self.bounds.as_slice();
        match bounds {
            // Only "!=" constraints: everything else is in the range.
            [] => has_not_equal && !has_equal,
            [only] => only.comparator.admits(version, &only.version),
            _ => {
                let last = bounds.len() - 2;
                for (i, pair) in bounds.windows(2).enumerate() {
                    let (current, next) = (&pair[0], &pair[1]);
                    if i == 0
                        && current.comparator.is_upper_bound()
                        && current.comparator.admits(version, &current.version)
                    {
                        return true;
                    }
                    if i == last && next.comparator.is_lower_bound() && next.comparator.admits(version, &next.version) {
                        return true;
                    }
                    if current.comparator.is_lower_bound()
                        && next.comparator.is_upper_bound()
                        && current.comparator.admits(version, &current.version)
                        && next.comparator.admits(version, &next.version)
                    {
                        return true;
                    }
                }
                false
            }
        }
    }
}

impl fmt::Display for Vers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = format!("vers:{}/", self.scheme);
        if self.constraints.is_empty() {
            out.push('*');
        }
        for (i, c) in self.constraints.iter().enumerate() {
            if i > 0 {
                out.push('|');
            }
            out.push_str(c.comparator.as_str());
            percent_encode(c.version.as_str(), &mut out);
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(vers: &str, version: &str) -> bool {
        let range = Vers::parse(vers).expect("a canonical vers");
        let version = range.parse_version(version).expect("a valid version");
        range.contains(&version)
    }

    #[test]
    fn containment() {
        assert!(contains("vers:npm/*", "1.0.0"));
        assert!(contains("vers:npm/>=1.0.0|<2.0.0", "1.5.0"));
        assert!(!contains("vers:npm/>=1.0.0|<2.0.0", "2.0.0"));
        assert!(contains("vers:npm/<1.0.0|>=2.0.0", "0.5.0"));
        assert!(contains("vers:npm/<1.0.0|>=2.0.0", "2.0.0"));
        assert!(!contains("vers:npm/<1.0.0|>=2.0.0", "1.5.0"));
        assert!(contains("vers:npm/!=1.0.0", "1.5.0"));
        assert!(!contains("vers:npm/!=1.0.0", "1.0.0"));
        assert!(contains("vers:deb/>=1.0-1|<1.0-2", "1.0-2~rc1"));
    }

    #[test]
    fn canonical_form_rules() {
        assert!(matches!(Vers::parse("vers:npm/>=2.0.0|<1.0.0"), Err(VersError::NonCanonical(_))));
        assert!(matches!(Vers::parse("vers:npm/|1.0.0"), Err(VersError::NonCanonical(_))));
        assert!(matches!(Vers::parse("npm/1.0.0"), Err(VersError::NotVers)));
        assert!(matches!(Vers::parse("vers:conan/1.0"), Err(VersError::UnsupportedScheme(_))));
        let sorted = Vers::parse_unsorted("vers:pypi/2.0|>=1.0").expect("valid");
        assert_eq!(sorted.to_string(), "vers:pypi/>=1.0|2.0");
    }

    /// Found by `cargo fuzz run versions`: Maven's order is not transitive, and sorting these
    /// constraints with `slice::sort_by` panicked.
    #[test]
    fn unsorted_maven_constraints_with_a_non_transitive_order_do_not_panic() {
        let versions = [
            "1-rc", "1.0", "1-sp", "19", "1-sp", "1.az9", "2", "1.0", "1-sp", "1-0.rc", "1.az9", "1.0.a1", "1-0.rc",
            "19", "1-rc", "1-0.1", "1.0", "1.0.a9", "1-0.rc", "1-0.rc", "1-0.rc",
        ];
        let text = format!("vers:maven/{}", versions.join("|"));
        let vers = Vers::parse_unsorted(&text).expect("every Maven version parses");
        assert_eq!(vers.constraints().len(), versions.len());
    }
}
