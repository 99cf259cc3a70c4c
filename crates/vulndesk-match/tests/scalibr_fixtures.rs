//! Runs every comparison line of the osv-scalibr version fixtures against the version keys.
//!
//! Each fixture line is `a < b`, `a = b` or `a > b`; lines that are empty or start with `#`
//! or `//` are comments. Every line is checked in both directions, and `=` lines also check
//! that the two keys hash alike. The `-generated` files come from each ecosystem's own tools
//! (apk, dpkg, Maven's ComparableVersion, PHP, `packaging`, RubyGems, R); the others are
//! hand-written. A line that cannot pass under a total order is listed in [`KNOWN`] with the
//! reason, and the test fails if such a line starts passing, so the list stays honest.

mod common;

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use vulndesk_match::{Ecosystem, Version, parse};

/// Fixture lines that cannot pass, with the reason; see the crate's module docs too.
const KNOWN: &[(&str, &str, &str)] = &[(
    "packagist-versions.txt",
    "1.2.3.# = 1.2.3.1",
    "PHP's version_compare makes `#` equal to every number, which is not transitive \
     (the same file has `1.2.3.# = 1.2.3`, and 1.2.3 < 1.2.3.1), so no total order can \
     satisfy both lines; the key skips `#` parts, which keeps the other `#` lines",
)];

fn hash_of(v: &Version) -> u64 {
    let mut hasher = DefaultHasher::new();
    v.hash(&mut hasher);
    hasher.finish()
}

/// Checks one line; returns a description of the failure, if any.
fn check_line(ecosystem: Ecosystem, line: &str) -> Result<(), String> {
    let pieces: Vec<&str> = line.split(' ').collect();
    let [a, op, b] = pieces.as_slice() else {
        return Err(format!("malformed fixture line {line:?}"));
    };
    let expected = match *op {
        "<" => std::cmp::Ordering::Less,
        "=" => std::cmp::Ordering::Equal,
        ">" => std::cmp::Ordering::Greater,
        other => return Err(format!("unknown comparator {other:?} in {line:?}")),
    };
    let va = parse(ecosystem, a).map_err(|e| format!("{line:?}: {e}"))?;
    let vb = parse(ecosystem, b).map_err(|e| format!("{line:?}: {e}"))?;
    let forward = va.cmp(&vb);
    let backward = vb.cmp(&va);
    if forward != expected || backward != expected.reverse() {
        return Err(format!("{line:?}: expected {a} {op} {b}, got {forward:?} (and {backward:?} reversed)"));
    }
    if expected.is_eq() && (va != vb || hash_of(&va) != hash_of(&vb)) {
        return Err(format!("{line:?}: equal versions must be equal keys with equal hashes"));
    }
    Ok(())
}

/// Runs one fixture file and asserts that every line passes, apart from the known ones.
fn run(file: &str, ecosystem: Ecosystem) {
    let path = common::data_dir("versions/osv-scalibr").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    let mut total = 0;
    let mut passed = 0;
    let mut known_failed = 0;
    let mut failures = Vec::new();
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') || line.starts_with("//") {
            continue;
        }
        total += 1;
        let known = KNOWN.iter().find(|(f, l, _)| *f == file && *l == line);
        match (check_line(ecosystem, line), known) {
            (Ok(()), None) => passed += 1,
            (Ok(()), Some(_)) => {
                failures.push(format!("{line:?} is listed as a known failure but passes; remove it from KNOWN"))
            }
            (Err(_), Some(_)) => known_failed += 1,
            (Err(message), None) => failures.push(message),
        }
    }
    println!("{file} as {ecosystem}: {passed}/{total} passed, {known_failed} known failures");
    assert!(total > 0, "{file} has no comparison lines");
    assert!(
        failures.is_empty(),
        "{} of {total} lines of {file} failed as {ecosystem}:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

macro_rules! fixture {
    ($name:ident, $file:literal, $ecosystem:expr) => {
        #[test]
        fn $name() {
            run($file, $ecosystem);
        }
    };
}

fixture!(semver_as_npm, "semver-versions.txt", Ecosystem::Npm);
fixture!(semver_as_crates_io, "semver-versions.txt", Ecosystem::CratesIo);
fixture!(semver_as_go, "semver-versions.txt", Ecosystem::Go);
fixture!(semver_as_hex, "semver-versions.txt", Ecosystem::Hex);
fixture!(pub_versions, "pub-versions.txt", Ecosystem::Pub);
fixture!(nuget_versions, "nuget-versions.txt", Ecosystem::NuGet);
fixture!(redhat_versions, "redhat-versions.txt", Ecosystem::Rpm);
fixture!(cran_versions, "cran-versions.txt", Ecosystem::Cran);
fixture!(cran_generated, "cran-versions-generated.txt", Ecosystem::Cran);
fixture!(hackage_versions, "hackage-versions.txt", Ecosystem::Hackage);
fixture!(alpine_versions, "alpine-versions.txt", Ecosystem::Alpine);
fixture!(alpine_generated, "alpine-versions-generated.txt", Ecosystem::Alpine);
fixture!(debian_versions, "debian-versions.txt", Ecosystem::Debian);
fixture!(debian_generated, "debian-versions-generated.txt", Ecosystem::Debian);
fixture!(maven_versions, "maven-versions.txt", Ecosystem::Maven);
fixture!(maven_generated, "maven-versions-generated.txt", Ecosystem::Maven);
fixture!(pypi_versions, "pypi-versions.txt", Ecosystem::PyPI);
fixture!(pypi_generated, "pypi-versions-generated.txt", Ecosystem::PyPI);
fixture!(packagist_versions, "packagist-versions.txt", Ecosystem::Packagist);
fixture!(packagist_generated, "packagist-versions-generated.txt", Ecosystem::Packagist);
fixture!(rubygems_versions, "rubygems-versions.txt", Ecosystem::RubyGems);
fixture!(rubygems_generated, "rubygems-versions-generated.txt", Ecosystem::RubyGems);
