//! Property tests: parsing never panics, every order is a total order that agrees with
//! equality and hashing, and printed versions parse back to the same key.

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use proptest::prelude::*;
use vulndesk_match::{Ecosystem, Version, parse};

/// Pieces that version strings of every ecosystem are built from, so that random strings
/// hit the interesting cases (qualifiers, separators, leading zeros, `~` and `^`).
///
/// `#` is left out on purpose: PHP's `#` rule is not transitive, and the Packagist key
/// departs from it (see the Packagist module), so it has no total order to check.
const PIECES: &[&str] = &[
    "0", "1", "2", "9", "10", "00", "01", "007", "20240101", "a", "b", "c", "m", "p", "r", "x", "rc", "RC", "alpha",
    "beta", "BETA", "pre", "post", "dev", "sp", "ga", "final", "snapshot", "pl", "cvs", "git", "v", "~", "^", "+", "-",
    ".", "_", ":", "-r", ".0", ".1",
];

fn version_like() -> impl Strategy<Value = String> {
    pieces(1..8)
}

fn pieces(count: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), count).prop_map(|pieces| pieces.concat())
}

/// Three versions sharing a prefix, so that comparisons reach deep into the keys.
fn close_triple() -> impl Strategy<Value = (String, String, String)> {
    (pieces(1..4), pieces(0..4), pieces(0..4), pieces(0..4))
        .prop_map(|(prefix, a, b, c)| (format!("{prefix}{a}"), format!("{prefix}{b}"), format!("{prefix}{c}")))
}

fn ecosystem() -> impl Strategy<Value = Ecosystem> {
    prop::sample::select(Ecosystem::ALL.to_vec())
}

/// Every ecosystem but Maven, whose own order is not transitive on arbitrary text (see
/// [`maven_comparable_version_is_not_transitive`]); Maven gets conventional versions below.
fn ordered_ecosystem() -> impl Strategy<Value = Ecosystem> {
    let all: Vec<Ecosystem> = Ecosystem::ALL.into_iter().filter(|e| *e != Ecosystem::Maven).collect();
    prop::sample::select(all)
}

/// A Maven version in the conventional shape: release numbers, then hyphenated qualifiers
/// or build numbers, each qualifier possibly followed directly by a number.
fn maven_version() -> impl Strategy<Value = String> {
    let release = "[0-9]{1,2}(\\.[0-9]{1,2}){0,3}";
    let part = prop::sample::select(vec![
        "alpha",
        "beta",
        "milestone",
        "rc",
        "cr",
        "snapshot",
        "SNAPSHOT",
        "sp",
        "ga",
        "final",
        "release",
        "foo",
        "jre",
        "1",
        "2",
        "10",
        "20240101",
    ]);
    let suffix = (part, prop::option::of(0u8..12)).prop_map(|(p, n)| match n {
        Some(n) => format!("-{p}{n}"),
        None => format!("-{p}"),
    });
    (release, prop::collection::vec(suffix, 0..3)).prop_map(|(r, s)| format!("{r}{}", s.concat()))
}

fn hash_of(v: &Version) -> u64 {
    let mut hasher = DefaultHasher::new();
    v.hash(&mut hasher);
    hasher.finish()
}

/// Checks antisymmetry, transitivity and agreement with `Eq` and `Hash` on three versions.
fn check_total(ecosystem: Ecosystem, a: &str, b: &str, c: &str) -> Result<(), TestCaseError> {
    let (Ok(a), Ok(b), Ok(c)) = (parse(ecosystem, a), parse(ecosystem, b), parse(ecosystem, c)) else {
        return Ok(());
    };
    for (x, y) in [(&a, &b), (&b, &c), (&a, &c)] {
        // Antisymmetry, and equality agreeing with the order and the hash.
        prop_assert_eq!(x.cmp(y), y.cmp(x).reverse(), "{} vs {}", x, y);
        prop_assert_eq!(x.cmp(y) == Ordering::Equal, x == y, "{} vs {}", x, y);
        if x == y {
            prop_assert_eq!(hash_of(x), hash_of(y), "{} and {} are equal", x, y);
        }
    }
    // Transitivity over every arrangement of the three.
    let all = [&a, &b, &c];
    for x in all {
        for y in all {
            for z in all {
                if x <= y && y <= z {
                    prop_assert!(x <= z, "{} <= {} <= {} but not {} <= {}", x, y, z, x, z);
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5000))]

    #[test]
    fn parse_never_panics_on_any_text(ecosystem in ecosystem(), text in any::<String>()) {
        let _ = parse(ecosystem, &text);
    }

    #[test]
    fn parse_never_panics_on_version_like_text(ecosystem in ecosystem(), text in version_like()) {
        let _ = parse(ecosystem, &text);
    }

    #[test]
    fn maven_order_is_total_on_conventional_versions(
        a in maven_version(),
        b in maven_version(),
        c in maven_version(),
    ) {
        check_total(Ecosystem::Maven, &a, &b, &c)?;
    }

    #[test]
    fn orders_are_total_and_agree_with_eq_and_hash(
        ecosystem in ordered_ecosystem(),
        (a, b, c) in close_triple(),
    ) {
        check_total(ecosystem, &a, &b, &c)?;
    }
    #[test]
    fn debian_versions_round_trip(
        epoch in prop::option::of(0u32..5),
        upstream in "[0-9][0-9a-z.+~]{0,10}",
        revision in prop::option::of("[0-9a-z.+~]{1,8}"),
    ) {
        let mut text = String::new();
        if let Some(epoch) = epoch {
            text.push_str(&format!("{epoch}:"));
        }
        text.push_str(&upstream);
        if let Some(revision) = revision {
            text.push('-');
            text.push_str(&revision);
        }
        let version = parse(Ecosystem::Debian, &text).expect("a generated Debian version");
        prop_assert_eq!(version.to_string(), text.clone());
        let again = parse(Ecosystem::Debian, &version.to_string()).expect("round trip");
        prop_assert_eq!(&again, &version);
        prop_assert_eq!(hash_of(&again), hash_of(&version));
    }

    #[test]
    fn rpm_versions_round_trip(
        epoch in prop::option::of(0u32..5),
        version in "[0-9a-zA-Z._+~^]{1,12}",
        release in prop::option::of("[0-9a-zA-Z._+~^]{0,8}"),
    ) {
        let mut text = String::new();
        if let Some(epoch) = epoch {
            text.push_str(&format!("{epoch}:"));
        }
        text.push_str(&version);
        if let Some(release) = release {
            text.push('-');
            text.push_str(&release);
        }
        let parsed = parse(Ecosystem::Rpm, &text).expect("rpm accepts any text");
        prop_assert_eq!(parsed.to_string(), text.clone());
        let again = parse(Ecosystem::Rpm, &parsed.to_string()).expect("round trip");
        prop_assert_eq!(&again, &parsed);
    }

    #[test]
    fn semver_versions_round_trip(
        v in any::<bool>(),
        release in prop::collection::vec(0u64..1000, 3),
        pre in prop::option::of("[0-9A-Za-z-]{1,6}(\\.[0-9A-Za-z-]{1,6}){0,2}"),
        build in prop::option::of("[0-9A-Za-z-]{1,6}"),
    ) {
        let mut text = format!("{}{}.{}.{}", if v { "v" } else { "" }, release[0], release[1], release[2]);
        if let Some(pre) = &pre {
            text.push('-');
            text.push_str(pre);
        }
        if let Some(build) = &build {
            text.push('+');
            text.push_str(build);
        }
        for ecosystem in [Ecosystem::Npm, Ecosystem::CratesIo, Ecosystem::Go, Ecosystem::Pub] {
            let parsed = parse(ecosystem, &text).expect("a generated SemVer version");
            prop_assert_eq!(parsed.to_string(), text.clone());
            let again = parse(ecosystem, &parsed.to_string()).expect("round trip");
            prop_assert_eq!(&again, &parsed);
        }
        // Build metadata does not take part in SemVer precedence.
        let bare = text.split('+').next().unwrap_or_default();
        prop_assert_eq!(
            parse(Ecosystem::Npm, bare).expect("valid"),
            parse(Ecosystem::Npm, &text).expect("valid")
        );
    }
}

/// Maven's `ComparableVersion` is itself not transitive once a zero sits before a qualifier
/// inside a hyphenated part: `1-0.rc` < `1` (the zero counts as nothing next to "no item",
/// and `rc` is a pre-release) and `1` < `1-a` (an unknown qualifier sorts after a release),
/// yet `1-0.rc` > `1-a` (a number beats a qualifier item for item). This crate follows Maven
/// exactly, as all Maven fixtures require, so the total-order property is checked for Maven
/// on conventionally shaped versions only; this test pins the known exception.
#[test]
fn maven_comparable_version_is_not_transitive() {
    let maven = |s| parse(Ecosystem::Maven, s).expect("Maven accepts any text");
    assert!(maven("1-0.rc") < maven("1"));
    assert!(maven("1") < maven("1-a"));
    assert!(maven("1-0.rc") > maven("1-a"));
}
