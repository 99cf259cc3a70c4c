//! The package ecosystems that vulndesk can order versions for, and how their names map in.
//!
//! OSV names ecosystems with strings such as `PyPI`, `Debian:12` or `Alpine:v3.20`, package
//! URLs name them with purl types such as `pypi`, `deb` or `apk`, and `vers` strings name them
//! with a scheme that is usually the purl type. All three map onto [`Ecosystem`], whose job is
//! to pick the version order.

use std::fmt;

/// A package ecosystem, which decides how its version strings are parsed and ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Ecosystem {
    /// Python packages on PyPI, ordered by PEP 440 with a fallback for legacy versions.
    PyPI,
    /// JavaScript packages on npm, ordered by SemVer 2.0 precedence.
    Npm,
    /// Rust crates on crates.io, ordered by SemVer 2.0 precedence.
    CratesIo,
    /// Go modules, ordered by SemVer with a `v` prefix; pseudo-versions order as pre-releases.
    Go,
    /// Java packages on Maven repositories, ordered as Maven's `ComparableVersion` does.
    Maven,
    /// .NET packages on NuGet, ordered by NuGet's SemVer dialect with four release parts.
    NuGet,
    /// Ruby gems, ordered as `Gem::Version` does.
    RubyGems,
    /// PHP packages on Packagist (Composer), ordered as PHP's `version_compare` does.
    Packagist,
    /// Debian packages, ordered by dpkg's rules.
    Debian,
    /// Ubuntu packages, ordered by dpkg's rules.
    Ubuntu,
    /// RPM packages (Red Hat, AlmaLinux, Rocky Linux, SUSE and others), ordered by rpmvercmp.
    Rpm,
    /// Alpine packages, ordered by apk's rules.
    Alpine,
    /// Wolfi and Chainguard packages, which use apk's rules.
    Wolfi,
    /// Dart packages on pub.dev, ordered by SemVer with build metadata taken into account.
    Pub,
    /// Haskell packages on Hackage, ordered as dotted numeric lists.
    Hackage,
    /// R packages on CRAN, ordered as numeric lists separated by `.` or `-`.
    Cran,
    /// Erlang and Elixir packages on Hex, ordered by SemVer 2.0 precedence.
    Hex,
    /// Anything else, ordered by the generic `vers` rules: numbers numerically, words by text.
    Generic,
}

impl Ecosystem {
    /// Every ecosystem, in declaration order.
    pub const ALL: [Ecosystem; 18] = [
        Ecosystem::PyPI,
        Ecosystem::Npm,
        Ecosystem::CratesIo,
        Ecosystem::Go,
        Ecosystem::Maven,
        Ecosystem::NuGet,
        Ecosystem::RubyGems,
        Ecosystem::Packagist,
        Ecosystem::Debian,
        Ecosystem::Ubuntu,
        Ecosystem::Rpm,
        Ecosystem::Alpine,
        Ecosystem::Wolfi,
        Ecosystem::Pub,
        Ecosystem::Hackage,
        Ecosystem::Cran,
        Ecosystem::Hex,
        Ecosystem::Generic,
    ];

    /// Maps an OSV `affected[].package.ecosystem` string to an ecosystem.
    ///
    /// Any `:<suffix>` (a release such as `Debian:12` or `Alpine:v3.20`, or a repository URL
    /// such as `Maven:https://maven.google.com`) is ignored, because the suffix scopes the
    /// package but does not change how its versions are ordered. Unknown names give `None`.
    pub fn from_osv_name(name: &str) -> Option<Ecosystem> {
        let base = name.split_once(':').map_or(name, |(base, _)| base).trim();
        let ecosystem = match base {
            "PyPI" => Ecosystem::PyPI,
            "npm" => Ecosystem::Npm,
            "crates.io" => Ecosystem::CratesIo,
            "Go" => Ecosystem::Go,
            "Maven" => Ecosystem::Maven,
            "NuGet" => Ecosystem::NuGet,
            "RubyGems" => Ecosystem::RubyGems,
            "Packagist" => Ecosystem::Packagist,
            "Debian" => Ecosystem::Debian,
            "Ubuntu" => Ecosystem::Ubuntu,
            "Red Hat" | "AlmaLinux" | "Rocky Linux" | "openSUSE" | "SUSE" | "Mageia" | "openEuler" | "Photon OS" => {
                Ecosystem::Rpm
            }
            "Alpine" | "Alpaquita" => Ecosystem::Alpine,
            "Wolfi" | "Chainguard" | "MinimOS" => Ecosystem::Wolfi,
            "Pub" => Ecosystem::Pub,
            "Hackage" | "GHC" => Ecosystem::Hackage,
            "CRAN" => Ecosystem::Cran,
            "Hex" => Ecosystem::Hex,
            _ => return None,
        };
        Some(ecosystem)
    }

    /// Maps a package-url type (the part after `pkg:`) to an ecosystem.
    ///
    /// The match is case-insensitive, as purl types are. Unknown types give `None`; the
    /// `generic` type gives [`Ecosystem::Generic`].
    pub fn from_purl_type(purl_type: &str) -> Option<Ecosystem> {
        let ecosystem = match purl_type.to_ascii_lowercase().as_str() {
            "pypi" => Ecosystem::PyPI,
            "npm" => Ecosystem::Npm,
            "cargo" => Ecosystem::CratesIo,
            "golang" => Ecosystem::Go,
            "maven" => Ecosystem::Maven,
            "nuget" => Ecosystem::NuGet,
            "gem" => Ecosystem::RubyGems,
            "composer" => Ecosystem::Packagist,
            "deb" => Ecosystem::Debian,
            "rpm" => Ecosystem::Rpm,
            "apk" => Ecosystem::Alpine,
            "pub" => Ecosystem::Pub,
            "hackage" => Ecosystem::Hackage,
            "cran" => Ecosystem::Cran,
            "hex" => Ecosystem::Hex,
            "generic" => Ecosystem::Generic,
            _ => return None,
        };
        Some(ecosystem)
    }

    /// Maps a `vers` scheme to an ecosystem.
    ///
    /// The `vers` specification reuses purl types as schemes and adds a few of its own; of
    /// those, `semver` and `generic` are supported here. Schemes without a version order in
    /// this crate (for example `conan`, `gentoo` or `datetime`) give `None`.
    pub fn from_vers_scheme(scheme: &str) -> Option<Ecosystem> {
        match scheme {
            "semver" => Some(Ecosystem::Npm),
            "alpine" => Some(Ecosystem::Alpine),
            "debian" => Some(Ecosystem::Debian),
            other => Ecosystem::from_purl_type(other),
        }
    }

    /// The canonical OSV name of the ecosystem (without any release suffix).
    ///
    /// [`Ecosystem::Rpm`] answers `Red Hat`, [`Ecosystem::Wolfi`] answers `Wolfi` and
    /// [`Ecosystem::Generic`] answers `Generic`, which OSV does not define.
    pub fn osv_name(self) -> &'static str {
        match self {
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Npm => "npm",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Go => "Go",
            Ecosystem::Maven => "Maven",
            Ecosystem::NuGet => "NuGet",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::Packagist => "Packagist",
            Ecosystem::Debian => "Debian",
            Ecosystem::Ubuntu => "Ubuntu",
            Ecosystem::Rpm => "Red Hat",
            Ecosystem::Alpine => "Alpine",
            Ecosystem::Wolfi => "Wolfi",
            Ecosystem::Pub => "Pub",
            Ecosystem::Hackage => "Hackage",
            Ecosystem::Cran => "CRAN",
            Ecosystem::Hex => "Hex",
            Ecosystem::Generic => "Generic",
        }
    }

    /// Returns true if the ecosystem's versions follow SemVer closely enough that an OSV
    /// `SEMVER` range can be evaluated with the ecosystem's own order.
    pub fn is_semver_like(self) -> bool {
        matches!(self, Ecosystem::Npm | Ecosystem::CratesIo | Ecosystem::Go | Ecosystem::Hex | Ecosystem::Pub)
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.osv_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_osv_names() {
        let cases = [
            ("PyPI", Ecosystem::PyPI),
            ("npm", Ecosystem::Npm),
            ("crates.io", Ecosystem::CratesIo),
            ("Go", Ecosystem::Go),
            ("Maven", Ecosystem::Maven),
            ("Maven:https://maven.google.com", Ecosystem::Maven),
            ("NuGet", Ecosystem::NuGet),
            ("RubyGems", Ecosystem::RubyGems),
            ("Packagist", Ecosystem::Packagist),
            ("Debian:12", Ecosystem::Debian),
            ("Ubuntu:22.04:LTS", Ecosystem::Ubuntu),
            ("Alpine:v3.20", Ecosystem::Alpine),
            ("Red Hat", Ecosystem::Rpm),
            ("Red Hat:rhel_aus:8.4::appstream", Ecosystem::Rpm),
            ("AlmaLinux:9", Ecosystem::Rpm),
            ("Rocky Linux:8", Ecosystem::Rpm),
            ("Pub", Ecosystem::Pub),
            ("Hackage", Ecosystem::Hackage),
            ("CRAN", Ecosystem::Cran),
            ("Wolfi", Ecosystem::Wolfi),
        ];
        for (name, expected) in cases {
            assert_eq!(Ecosystem::from_osv_name(name), Some(expected), "OSV name {name}");
        }
        assert_eq!(Ecosystem::from_osv_name("pypi"), None);
        assert_eq!(Ecosystem::from_osv_name("Nonsense"), None);
    }

    #[test]
    fn maps_purl_types() {
        let cases = [
            ("pypi", Ecosystem::PyPI),
            ("npm", Ecosystem::Npm),
            ("cargo", Ecosystem::CratesIo),
            ("golang", Ecosystem::Go),
            ("maven", Ecosystem::Maven),
            ("nuget", Ecosystem::NuGet),
            ("gem", Ecosystem::RubyGems),
            ("composer", Ecosystem::Packagist),
            ("deb", Ecosystem::Debian),
            ("rpm", Ecosystem::Rpm),
            ("apk", Ecosystem::Alpine),
            ("pub", Ecosystem::Pub),
            ("hackage", Ecosystem::Hackage),
            ("cran", Ecosystem::Cran),
            ("PyPI", Ecosystem::PyPI),
        ];
        for (purl_type, expected) in cases {
            assert_eq!(Ecosystem::from_purl_type(purl_type), Some(expected), "purl {purl_type}");
        }
        assert_eq!(Ecosystem::from_purl_type("conan"), None);
    }

    #[test]
    fn osv_names_round_trip() {
        for ecosystem in Ecosystem::ALL {
            if ecosystem == Ecosystem::Generic {
                continue;
            }
            assert_eq!(Ecosystem::from_osv_name(ecosystem.osv_name()), Some(ecosystem));
        }
    }
}
