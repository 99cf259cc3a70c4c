//! Version strings of every ecosystem (`vulndesk_match::parse`), `vers:` ranges
//! (`Vers::parse` and `Vers::parse_unsorted`) and OSV `versions` lists (`Range::from_versions`).
//!
//! Input: the first byte chooses the ecosystem (and the `vers` scheme); the rest, read as
//! lossy UTF-8, is split into lines, the first lines being versions.
//!
//! Properties:
//! * comparison is reflexive, antisymmetric, agrees with `==` and with `Hash`, for the first
//!   two lines parsed as versions; the printed version parses again to an equal version;
//! * for ecosystems with a total order (all but Maven, and Packagist without `#`), the order
//!   is transitive over the first three lines;
//! * a `vers` range (the whole text if it starts with `vers:`, and `vers:<scheme>/<line 1>`)
//!   prints in canonical form, which `Vers::parse` accepts and reads back to an equal range
//!   giving the same answer for the second line's version; a range `Vers::parse` accepts is
//!   also accepted, equal, by `Vers::parse_unsorted`;
//! * an OSV `versions` list built from all the lines contains each of its versions.
#![no_main]

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use libfuzzer_sys::fuzz_target;
use vulndesk_match::{Ecosystem, Range, Vers, Version, parse};

/// `vers` schemes this crate supports (purl types plus the spec's own `semver`, and the
/// `alpine`/`debian` aliases), and one unsupported one.
const SCHEMES: &[&str] = &[
    "pypi", "npm", "cargo", "golang", "maven", "nuget", "gem", "composer", "deb", "rpm", "apk", "pub", "hackage",
    "cran", "hex", "generic", "semver", "alpine", "debian", "conan",
];

fn hash_of(v: &Version) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

fn totally_ordered(ecosystem: Ecosystem, texts: &[&str]) -> bool {
    match ecosystem {
        Ecosystem::Maven => false,
        Ecosystem::Packagist => !texts.iter().any(|t| t.contains('#')),
        _ => true,
    }
}

fn check_pair(x: &Version, y: &Version) {
    assert_eq!(x.cmp(y), y.cmp(x).reverse(), "{x:?} vs {y:?}: not antisymmetric");
    assert_eq!(x.cmp(y) == Ordering::Equal, x == y, "{x:?} vs {y:?}: order and == disagree");
    assert_eq!(x.partial_cmp(y), Some(x.cmp(y)));
    if x == y {
        assert_eq!(hash_of(x), hash_of(y), "{x:?} == {y:?} but their hashes differ");
    }
}

fn check_vers(text: &str, probe: Option<&str>) {
    let strict = Vers::parse(text);
    let Ok(vers) = Vers::parse_unsorted(text) else {
        assert!(strict.is_err(), "{text:?}: parse accepts what parse_unsorted refuses");
        return;
    };
    if let Ok(strict) = &strict {
        assert_eq!(strict, &vers, "{text:?}: parse and parse_unsorted disagree");
    }
    // With a non-total order, sorting gives no canonical order to check.
    let texts: Vec<&str> = vers.constraints().iter().map(|c| c.version.as_str()).collect();
    if !totally_ordered(vers.ecosystem(), &texts) {
        return;
    }
    let canonical = vers.to_string();
    let again = match Vers::parse(&canonical) {
        Ok(v) => v,
        Err(e) => panic!("{text:?} printed as {canonical:?}, which Vers::parse refuses: {e}"),
    };
    assert_eq!(again, vers, "{text:?} -> {canonical:?}");
    assert_eq!(again.to_string(), canonical, "{text:?}: canonical form not stable");
    if let Some(probe) = probe
        && let Ok(v) = vers.parse_version(probe)
    {
        assert_eq!(vers.contains(&v), again.contains(&v), "{text:?} vs {canonical:?} on {probe:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let ecosystem = Ecosystem::ALL[usize::from(selector) % Ecosystem::ALL.len()];
    let scheme = SCHEMES[usize::from(selector) % SCHEMES.len()];
    let text = String::from_utf8_lossy(rest);
    let lines: Vec<&str> = text.split('\n').take(32).collect();

    let parsed: Vec<Option<Version>> = lines.iter().map(|l| parse(ecosystem, l).ok()).collect();
    for v in parsed.iter().flatten() {
        assert_eq!(v.cmp(v), Ordering::Equal, "{v:?} is not equal to itself");
        assert_eq!(v, v);
        let again = parse(ecosystem, v.as_str()).expect("a printed version parses again");
        assert_eq!(&again, v, "{v:?} printed and parsed again differs");
        assert_eq!(hash_of(&again), hash_of(v));
    }
    if let [Some(x), Some(y), ..] = parsed.as_slice() {
        check_pair(x, y);
    }
    if let [Some(x), Some(y), Some(z), ..] = parsed.as_slice()
        && totally_ordered(ecosystem, &[x.as_str(), y.as_str(), z.as_str()])
    {
        let all = [x, y, z];
        for a in all {
            for b in all {
                check_pair(a, b);
                for c in all {
                    if a <= b && b <= c {
                        assert!(a <= c, "{a:?} <= {b:?} <= {c:?} but not {a:?} <= {c:?}");
                    }
                }
            }
        }
    }

    // OSV `versions` lists: every listed version is in the list (all lines must parse).
    if let Ok(range) = Range::from_versions(ecosystem, &lines) {
        for line in &lines {
            let v = range.parse_version(line).expect("a listed version parses");
            if totally_ordered(ecosystem, &lines) {
                assert!(range.contains(&v), "{line:?} is listed but not contained");
            }
        }
    }

    let probe = lines.get(1).copied();
    if text.starts_with("vers:") {
        check_vers(lines[0], probe);
    }
    check_vers(&format!("vers:{scheme}/{}", lines[0]), probe);
});
