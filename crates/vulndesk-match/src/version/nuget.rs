//! NuGet's version order: SemVer 2.0 precedence with up to four release numbers and
//! case-insensitive pre-release labels.
//!
//! NuGet (see `NuGet.Versioning.VersionComparer`) compares the release numbers, where a
//! missing fourth number (`Revision`) counts as zero, then puts a pre-release before its
//! release and compares pre-release labels one by one: numeric labels numerically and before
//! text labels, text labels ignoring ASCII case. Build metadata is ignored. That is the SemVer
//! key from [`super::semver`] with its case folding switched on, so this module only wraps it
//! to give NuGet keys their own type.

use super::semver::SemVer;

/// A NuGet key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct NuGetVersion(SemVer);

impl NuGetVersion {
    /// Parses a NuGet version.
    pub(crate) fn parse(text: &str) -> Result<NuGetVersion, &'static str> {
        SemVer::parse(text, true).map(NuGetVersion)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> NuGetVersion {
        NuGetVersion::parse(text).expect("valid version")
    }

    #[test]
    fn four_parts_and_case_folding() {
        assert_eq!(key("1.0"), key("1.0.0.0"));
        assert_eq!(key("1.0.0-BETA+AA"), key("1.0.0-beta"));
        assert!(key("1.0.0") < key("1.0.0.1-alpha"));
        assert!(key("1.0.0.1-alpha") < key("1.0.0.1"));
    }
}
