//! Benchmark B2 (vulndesk side): one million `vers` range checks over six ecosystems.
//!
//! Usage: `cargo run --release -p vulndesk-match --example range_bench -- [--data DIR]
//! [--out FILE] [--checks N]`. `DIR` holds `PyPI/all.zip` and `Go/all.zip` (by default the
//! shared data folder beside the checkout); `FILE` is the TSV written for the peer (by
//! default `range_bench.tsv` in the current directory); `N` defaults to 1,000,000.
//!
//! The workload is deterministic (a fixed-seed xorshift generator and sorted inputs):
//!
//! - PyPI and Go ranges come from the OSV records of the shared data: each `ECOSYSTEM`
//!   (PyPI) or `SEMVER` (Go) range is walked the way the OSV schema evaluates it and written
//!   as a `vers:pypi/...` or `vers:golang/...` string (`>=introduced|<fixed`, `<=` for
//!   `last_affected`, Go versions with the `v` that purl uses). The versions checked are
//!   the versions the package's records name, versions derived from them (`rc1`, `.post1`,
//!   `.dev0`, an extra release component, a patch bump, a Go pseudo-version,
//!   `+incompatible`) and versions of other packages.
//! - npm, Maven, Debian and RPM ranges are synthetic: per made-up package a release history
//!   of real-looking versions (SemVer pre-releases, Maven `.Final`/`-RC1`/`.RELEASE`/
//!   `-SNAPSHOT`/`-jre`, Debian epochs, `+dfsg`, `~deb11u1` and `ubuntu` revisions, RPM
//!   `el8_6`-style releases and epochs) is sorted with vulndesk's order, then OSV-like
//!   ranges are drawn over it: one to three introduced/fixed intervals, `last_affected`
//!   bounds, open-ended ranges and lists of pinned versions.
//!
//! Each triple (scheme, `vers` string, version) is written to the TSV with vulndesk's
//! verdict, so that `tests/referee/range_bench_univers.py` checks exactly the same triples
//! with `univers` and compares verdicts. Timings, best of three: `contains` alone over the
//! one million checks (ranges parsed once, versions parsed beforehand), the same per
//! ecosystem, and the whole path (parse every distinct range once, then parse each check's
//! version and call `contains`). Results are printed as `key=value` lines for
//! `scripts/bench-match.sh`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use vulndesk_match::{Ecosystem, Event, OsvRangeKind, Vers, Version, load_paths, parse};

const DEFAULT_CHECKS: usize = 1_000_000;
const ROUNDS: usize = 3;

/// The ecosystems of the workload, with their `vers` schemes, in output order.
const SCHEMES: [(Ecosystem, &str); 6] = [
    (Ecosystem::Npm, "npm"),
    (Ecosystem::PyPI, "pypi"),
    (Ecosystem::Maven, "maven"),
    (Ecosystem::Debian, "deb"),
    (Ecosystem::Rpm, "rpm"),
    (Ecosystem::Go, "golang"),
];

/// A small xorshift generator, so that runs are repeatable without another dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True with probability `percent` in 100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One package of the workload: its ranges as canonical `vers` strings and the versions
/// that are checked against them.
#[derive(Default)]
struct Package {
    ranges: Vec<String>,
    versions: Vec<String>,
}

/// The options from the command line.
struct Options {
    data: PathBuf,
    out: PathBuf,
    checks: usize,
}

fn options() -> Options {
    let mut options = Options {
        data: PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv")),
        out: PathBuf::from("range_bench.tsv"),
        checks: DEFAULT_CHECKS,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| fail(&format!("{flag} needs a value")));
        match flag.as_str() {
            "--data" => options.data = PathBuf::from(value),
            "--out" => options.out = PathBuf::from(value),
            "--checks" => options.checks = value.parse().unwrap_or_else(|_| fail("--checks needs a number")),
            _ => fail(&format!("unknown argument {flag}")),
        }
    }
    options
}

fn fail(message: &str) -> ! {
    eprintln!("range_bench: {message}");
    std::process::exit(2);
}

fn main() {
    let options = options();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);

    let mut packages: BTreeMap<Ecosystem, Vec<Package>> = osv_packages(&options.data);
    for (ecosystem, _) in SCHEMES {
        if !matches!(ecosystem, Ecosystem::PyPI | Ecosystem::Go) {
            packages.insert(ecosystem, synthetic_packages(ecosystem, &mut rng));
        }
    }

    // The triples, grouped by ecosystem (so each ecosystem can be timed on its own).
    let per_ecosystem = options.checks / SCHEMES.len();
    let mut triples: Vec<(usize, String, String)> = Vec::with_capacity(options.checks);
    for (slot, (ecosystem, _)) in SCHEMES.iter().enumerate() {
        let want = if slot == SCHEMES.len() - 1 { options.checks - per_ecosystem * slot } else { per_ecosystem };
        let list = &packages[ecosystem];
        let pool: Vec<&String> = list.iter().flat_map(|p| &p.versions).collect();
        let with_ranges: Vec<&Package> = list.iter().filter(|p| !p.ranges.is_empty()).collect();
        for _ in 0..want {
            let package = *rng.pick(&with_ranges);
            let range = rng.pick(&package.ranges).clone();
            let version = match rng.below(10) {
                0..5 => rng.pick(&package.versions).clone(),
                5..8 => {
                    let base = rng.pick(&package.versions).clone();
                    let variants = variants(*ecosystem, &base);
                    rng.pick(&variants).clone()
                }
                _ => (*rng.pick(&pool)).clone(),
            };
            triples.push((slot, range, version));
        }
    }

    // Ranges parsed once each; versions parsed for every check.
    let mut distinct: HashMap<&str, usize> = HashMap::new();
    let mut ranges: Vec<Vers> = Vec::new();
    let mut checks: Vec<(usize, Version)> = Vec::with_capacity(triples.len());
    for (_, vers, version) in &triples {
        let index = *distinct.entry(vers.as_str()).or_insert_with(|| {
            ranges.push(Vers::parse(vers).expect("the generator writes canonical vers strings"));
            ranges.len() - 1
        });
        let parsed = ranges[index].parse_version(version).expect("the generator keeps parseable versions");
        checks.push((index, parsed));
    }
    let verdicts: Vec<bool> = checks.iter().map(|(range, version)| ranges[*range].contains(version)).collect();

    // contains() alone, over everything and per ecosystem.
    let contains_all = best_of(|| count_inside(&ranges, &checks));
    let mut bounds = Vec::new();
    let mut start = 0;
    for slot in 0..SCHEMES.len() {
        let end = start + triples[start..].iter().take_while(|t| t.0 == slot).count();
        bounds.push((start, end));
        start = end;
    }
    let per_scheme: Vec<Duration> =
        bounds.iter().map(|&(from, to)| best_of(|| count_inside(&ranges, &checks[from..to]))).collect();

    // The whole path: parse each distinct range once, then parse and check each version.
    let end_to_end = best_of(|| {
        let mut parsed: HashMap<&str, Vers> = HashMap::new();
        let mut inside = 0usize;
        for (_, vers, version) in &triples {
            let range = parsed.entry(vers.as_str()).or_insert_with(|| Vers::parse(vers).expect("checked above"));
            let version = range.parse_version(version).expect("checked above");
            inside += usize::from(range.contains(black_box(&version)));
        }
        inside
    });
    let texts: Vec<&str> = distinct.keys().copied().collect();
    let range_parse =
        best_of(|| texts.iter().map(|t| Vers::parse(black_box(t)).map_or(0, |v| v.constraints().len())).sum());

    write_tsv(&options.out, &triples, &verdicts);

    let rate = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
    println!("checks={}", checks.len());
    println!("distinct_ranges={}", ranges.len());
    println!("inside={}", verdicts.iter().filter(|v| **v).count());
    println!("contains_seconds={:.6}", contains_all.as_secs_f64());
    println!("contains_checks_per_s={:.0}", rate(checks.len(), contains_all));
    println!("end_to_end_seconds={:.6}", end_to_end.as_secs_f64());
    println!("end_to_end_checks_per_s={:.0}", rate(checks.len(), end_to_end));
    println!("range_parse_seconds={:.6}", range_parse.as_secs_f64());
    for (slot, (_, scheme)) in SCHEMES.iter().enumerate() {
        let (from, to) = bounds[slot];
        let distinct: BTreeSet<&str> = triples[from..to].iter().map(|t| t.1.as_str()).collect();
        println!("{scheme}.checks={}", to - from);
        println!("{scheme}.distinct_ranges={}", distinct.len());
        println!("{scheme}.contains_checks_per_s={:.0}", rate(to - from, per_scheme[slot]));
    }
    println!("tsv={}", options.out.display());
}

/// The best wall time of [`ROUNDS`] runs of `work`, whose result is kept alive.
fn best_of(mut work: impl FnMut() -> usize) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        black_box(work());
        best = best.min(started.elapsed());
    }
    best
}

fn count_inside(ranges: &[Vers], checks: &[(usize, Version)]) -> usize {
    checks.iter().filter(|(range, version)| black_box(&ranges[*range]).contains(black_box(version))).count()
}

fn write_tsv(path: &PathBuf, triples: &[(usize, String, String)], verdicts: &[bool]) {
    let file = std::fs::File::create(path).unwrap_or_else(|err| fail(&format!("{}: {err}", path.display())));
    let mut out = BufWriter::new(file);
    let mut write = || -> std::io::Result<()> {
        writeln!(out, "scheme\tvers\tversion\tvulndesk")?;
        for ((slot, vers, version), inside) in triples.iter().zip(verdicts) {
            writeln!(out, "{}\t{vers}\t{version}\t{}", SCHEMES[*slot].1, u8::from(*inside))?;
        }
        out.flush()
    };
    write().unwrap_or_else(|err| fail(&format!("{}: {err}", path.display())));
}

// ---------------------------------------------------------------------------------------
// Ranges from the OSV records (PyPI, Go)
// ---------------------------------------------------------------------------------------

/// PyPI and Go packages from the shared OSV archives, by package name order.
fn osv_packages(data: &std::path::Path) -> BTreeMap<Ecosystem, Vec<Package>> {
    let paths: Vec<PathBuf> = ["PyPI", "Go"].iter().map(|e| data.join(e).join("all.zip")).collect();
    let (index, _) = load_paths(&paths, |_| {}).unwrap_or_else(|err| fail(&err.to_string()));
    let mut by_name: BTreeMap<(Ecosystem, String), (BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    for advisory in index.database().advisories() {
        for affected in &advisory.affected {
            let wanted = match affected.ecosystem {
                Ecosystem::PyPI => OsvRangeKind::Ecosystem,
                Ecosystem::Go => OsvRangeKind::SemVer,
                _ => continue,
            };
            let entry = by_name.entry((affected.ecosystem, affected.name.clone())).or_default();
            for spec in affected.ranges.iter().filter(|s| s.kind == wanted) {
                for event in &spec.events {
                    if let Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) = event
                        && v != "0"
                    {
                        entry.1.insert(written(affected.ecosystem, v));
                    }
                }
                if let Some(vers) = vers_of_events(affected.ecosystem, &spec.events) {
                    entry.0.insert(vers);
                }
            }
        }
    }
    let mut out: BTreeMap<Ecosystem, Vec<Package>> = BTreeMap::new();
    for ((ecosystem, _), (ranges, versions)) in by_name {
        if !versions.is_empty() {
            let package = Package { ranges: ranges.into_iter().collect(), versions: versions.into_iter().collect() };
            out.entry(ecosystem).or_default().push(package);
        }
    }
    for ecosystem in [Ecosystem::PyPI, Ecosystem::Go] {
        if out.get(&ecosystem).is_none_or(|p| p.iter().all(|p| p.ranges.is_empty())) {
            fail(&format!("no {ecosystem} ranges in {}", data.display()));
        }
    }
    out
}

/// A version as the `vers` string and the check write it: Go versions carry purl's `v`.
fn written(ecosystem: Ecosystem, version: &str) -> String {
    if ecosystem == Ecosystem::Go && !version.starts_with('v') { format!("v{version}") } else { version.to_owned() }
}

/// The `vers` string of one OSV range's events, walked as the OSV schema evaluates them.
///
/// Events are sorted by version (stably, `introduced: "0"` first); each switch from "not
/// affected" to "affected" opens an interval and each switch back closes it, with `<` for
/// `fixed` and `<=` for `last_affected`. Empty intervals are dropped and `>=v|<=v` becomes
/// `v`. Ranges with a `limit` or an unparseable version give `None`.
fn vers_of_events(ecosystem: Ecosystem, events: &[Event]) -> Option<String> {
    let mut steps = Vec::new();
    for event in events {
        let (kind, text) = match event {
            Event::Introduced(text) => ('i', text),
            Event::Fixed(text) => ('f', text),
            Event::LastAffected(text) => ('l', text),
            Event::Limit(_) => return None,
        };
        let at = if kind == 'i' && text.trim() == "0" { None } else { Some(parse(ecosystem, text).ok()?) };
        let text = written(ecosystem, text);
        steps.push((at, kind, text));
    }
    steps.sort_by(|a, b| a.0.cmp(&b.0));
    let mut constraints: Vec<(&str, Version, String)> = Vec::new();
    let mut affected = false;
    for (at, kind, text) in steps {
        match (kind, at) {
            ('i', None) if !affected => affected = true,
            ('i', Some(at)) if !affected => {
                affected = true;
                constraints.push((">=", at, text));
            }
            ('f' | 'l', Some(at)) if affected => {
                affected = false;
                let comparator = if kind == 'f' { "<" } else { "<=" };
                match constraints.last() {
                    Some((">=", lower, _)) if *lower == at => {
                        let (_, lower, lower_text) = constraints.pop().expect("just seen");
                        if comparator == "<=" {
                            constraints.push(("", lower, lower_text));
                        }
                    }
                    _ => constraints.push((comparator, at, text)),
                }
            }
            _ => {}
        }
    }
    if constraints.is_empty() {
        return affected.then(|| format!("vers:{}/*", scheme_of(ecosystem)));
    }
    let mut vers = format!("vers:{}/", scheme_of(ecosystem));
    for (i, (comparator, _, text)) in constraints.iter().enumerate() {
        if i > 0 {
            vers.push('|');
        }
        let _ = write!(vers, "{comparator}{text}");
    }
    canonical(&vers)
}

fn scheme_of(ecosystem: Ecosystem) -> &'static str {
    SCHEMES.iter().find(|(e, _)| *e == ecosystem).map_or("generic", |(_, s)| s)
}

/// The canonical form of a `vers` string, or `None` if vulndesk refuses it.
fn canonical(vers: &str) -> Option<String> {
    let parsed = Vers::parse_unsorted(vers).ok()?;
    // Two constraints on equal versions (`1.0` and `1.0.0` in Maven) make an ambiguous range.
    if parsed.constraints().windows(2).any(|w| w[0].version == w[1].version) {
        return None;
    }
    let text = parsed.to_string();
    Vers::parse(&text).ok().map(|_| text)
}

/// Versions near `base`: what a scanner meets between the versions an advisory names.
fn variants(ecosystem: Ecosystem, base: &str) -> Vec<String> {
    let release_only = base.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let mut out = match ecosystem {
        Ecosystem::PyPI if release_only => {
            vec![format!("{base}rc1"), format!("{base}.post1"), format!("{base}.dev0"), format!("{base}.1")]
        }
        Ecosystem::PyPI if !base.contains(".post") && !base.contains(".dev") => vec![format!("{base}.post1")],
        Ecosystem::PyPI => Vec::new(),
        Ecosystem::Go => {
            let core = base.split(['-', '+']).next().unwrap_or(base);
            let bumped = bump_last(core);
            let mut out = vec![
                format!("{bumped}-rc.1"),
                bumped.clone(),
                format!("{bumped}-0.20230411120000-3b4c5d6e7f80"),
                format!("{core}-0.20220101000000-0123456789ab"),
            ];
            if !core.starts_with("v0.") && !core.starts_with("v1.") {
                out.push(format!("{core}+incompatible"));
            }
            out
        }
        Ecosystem::Npm => {
            let core = base.split(['-', '+']).next().unwrap_or(base);
            vec![format!("{}-rc.1", bump_last(core)), bump_last(core), format!("{core}-0")]
        }
        Ecosystem::Maven => {
            vec![format!("{base}.0"), format!("{base}-SNAPSHOT"), format!("{base}-RC1"), format!("{base}.1")]
        }
        Ecosystem::Debian => vec![format!("{base}+deb12u1"), format!("{base}~deb11u1"), format!("{base}build1")],
        Ecosystem::Rpm => vec![format!("{base}.1"), format!("{base}_1"), format!("{base}~rc1")],
        _ => Vec::new(),
    };
    out.retain(|v| parse(ecosystem, v).is_ok());
    if out.is_empty() {
        out.push(base.to_owned());
    }
    out
}

/// `base` with its last run of digits incremented (`1.2.3` to `1.2.4`).
fn bump_last(base: &str) -> String {
    let digits_end = base.rfind(|c: char| c.is_ascii_digit()).map_or(0, |i| i + 1);
    let digits_start = base[..digits_end].rfind(|c: char| !c.is_ascii_digit()).map_or(0, |i| i + 1);
    match base[digits_start..digits_end].parse::<u64>() {
        Ok(n) => format!("{}{}{}", &base[..digits_start], n + 1, &base[digits_end..]),
        Err(_) => format!("{base}.1"),
    }
}

// ---------------------------------------------------------------------------------------
// Synthetic packages (npm, Maven, Debian, RPM)
// ---------------------------------------------------------------------------------------

const SYNTHETIC_PACKAGES: usize = 800;

/// Made-up packages with release histories and OSV-like ranges over them.
fn synthetic_packages(ecosystem: Ecosystem, rng: &mut Rng) -> Vec<Package> {
    let mut out = Vec::with_capacity(SYNTHETIC_PACKAGES);
    for _ in 0..SYNTHETIC_PACKAGES {
        let history = history(ecosystem, rng);
        let mut ranges = BTreeSet::new();
        for _ in 0..1 + rng.below(4) {
            if let Some(vers) = synthetic_range(ecosystem, &history, rng) {
                ranges.insert(vers);
            }
        }
        out.push(Package { ranges: ranges.into_iter().collect(), versions: history });
    }
    out
}

/// A release history of 6 to 40 versions, sorted and deduplicated by vulndesk's order.
fn history(ecosystem: Ecosystem, rng: &mut Rng) -> Vec<String> {
    let style = rng.below(6);
    let (mut major, mut minor, mut patch) = (rng.below(4) as u64, rng.below(12) as u64, rng.below(5) as u64);
    let epoch = if rng.chance(15) { format!("{}:", 1 + rng.below(2)) } else { String::new() };
    let distro = *rng.pick(&["el7", "el8", "el8_6", "el9", "el9_2", "fc38", "amzn2"]);
    let mut texts = Vec::new();
    for _ in 0..6 + rng.below(35) {
        match rng.below(20) {
            0..12 => patch += 1,
            12..17 => (minor, patch) = (minor + 1, 0),
            17 => (major, minor, patch) = (major + 1, 0, 0),
            _ => {}
        }
        let pre = rng.chance(12);
        let n = 1 + rng.below(4);
        let text = match ecosystem {
            Ecosystem::Npm => {
                let mut v = format!("{major}.{minor}.{patch}");
                if pre {
                    let tag = *rng.pick(&["alpha", "beta", "rc", "next", "canary"]);
                    let _ = write!(v, "-{tag}.{n}");
                } else if rng.chance(1) {
                    let _ = write!(v, "+build.{n}");
                }
                v
            }
            Ecosystem::Maven => maven_version(style, (major, minor, patch), pre, n, rng),
            Ecosystem::Debian => {
                let upstream = match style {
                    0 => format!("{major}.{minor}.{patch}"),
                    1 => format!("{major}.{minor}.{}{}", patch / 3, char::from(b'a' + (patch % 26) as u8)),
                    2 => format!("{major}.{minor}+dfsg"),
                    _ => format!("{major}.{minor}.{patch}"),
                };
                let upstream = if pre { format!("{upstream}~rc{n}") } else { upstream };
                let revision = match rng.below(6) {
                    0 => format!("{n}"),
                    1 => format!("{n}ubuntu{}", rng.below(5)),
                    2 => format!("{n}ubuntu0.{}.04.{}", 18 + 2 * rng.below(3), 1 + rng.below(3)),
                    3 => format!("{n}+deb{}u{}", 10 + rng.below(3), 1 + rng.below(4)),
                    4 => format!("{n}~deb{}u{}", 10 + rng.below(3), 1 + rng.below(4)),
                    _ => format!("0ubuntu{n}"),
                };
                format!("{epoch}{upstream}-{revision}")
            }
            Ecosystem::Rpm => {
                let release = match rng.below(4) {
                    0 => format!("{n}.{distro}"),
                    1 => format!("{}.{}.{distro}", 10 + rng.below(300), rng.below(5)),
                    2 => format!("{}.{distro}_{}", n, rng.below(8)),
                    _ => format!("{n}.{}.{distro}", rng.below(3)),
                };
                let upstream = if style == 1 {
                    format!("{major}.{minor}.{}{}", patch / 3, char::from(b'a' + (patch % 26) as u8))
                } else {
                    format!("{major}.{minor}.{patch}")
                };
                format!("{epoch}{upstream}-{release}")
            }
            _ => unreachable!("only synthetic ecosystems have histories"),
        };
        texts.push(text);
    }
    let mut parsed: Vec<(Version, String)> =
        texts.into_iter().filter_map(|t| parse(ecosystem, &t).ok().map(|v| (v, t))).collect();
    parsed.sort_by(|a, b| a.0.cmp(&b.0));
    parsed.dedup_by(|a, b| a.0 == b.0);
    parsed.into_iter().map(|(_, t)| t).collect()
}

/// A Maven version in one of the release styles seen on Maven Central.
fn maven_version(style: usize, (major, minor, patch): (u64, u64, u64), pre: bool, n: usize, rng: &mut Rng) -> String {
    match style {
        // Hibernate, Netty, JBoss: 5.4.2.Final, 4.1.100.Final, 6.0.0.CR1, 6.0.0.Beta2
        0 => {
            let tag = if pre { format!("{}{n}", rng.pick(&["Alpha", "Beta", "CR"])) } else { "Final".to_owned() };
            format!("{major}.{minor}.{patch}.{tag}")
        }
        // Older Spring: 4.3.2.RELEASE, 5.0.0.M1, 5.0.0.RC2
        1 => {
            let tag = if pre { format!("{}{n}", rng.pick(&["M", "RC"])) } else { "RELEASE".to_owned() };
            format!("{major}.{minor}.{patch}.{tag}")
        }
        // Plain with dashed qualifiers: 2.17.1, 3.0.0-M1, 1.0-beta-2, 2.0.0-alpha1, 1.2-SNAPSHOT
        2 => {
            let base = format!("{major}.{minor}.{patch}");
            if pre {
                let tag = *rng.pick(&["-M", "-RC", "-beta-", "-alpha", "-rc", "-SNAPSHOT"]);
                if tag == "-SNAPSHOT" { format!("{base}{tag}") } else { format!("{base}{tag}{n}") }
            } else {
                base
            }
        }
        // Two-part and four-part: 1.7, 2.13.4.2
        3 => {
            if patch % 3 == 0 {
                format!("{major}.{minor}")
            } else {
                format!("{major}.{minor}.{patch}.{}", rng.below(3))
            }
        }
        // Guava: 31.1-jre, 31.1-android, 32.0.0-rc1
        4 => {
            let flavour = *rng.pick(&["jre", "android"]);
            if pre { format!("{}.{minor}.0-rc{n}", major + 20) } else { format!("{}.{minor}-{flavour}", major + 20) }
        }
        _ => format!("{major}.{minor}.{patch}"),
    }
}

/// `k` distinct positions below `n` (fewer if `n` is smaller), in increasing order.
fn cut(rng: &mut Rng, n: usize, k: usize) -> Vec<usize> {
    let mut picks: BTreeSet<usize> = BTreeSet::new();
    while picks.len() < k.min(n) {
        picks.insert(rng.below(n));
    }
    picks.into_iter().collect()
}

/// One OSV-like range over `history`, as a canonical `vers` string.
fn synthetic_range(ecosystem: Ecosystem, history: &[String], rng: &mut Rng) -> Option<String> {
    let scheme = scheme_of(ecosystem);
    let n = history.len();
    let body = match rng.below(20) {
        // introduced 0, fixed X
        0..4 => format!("<{}", history[cut(rng, n, 1)[0]]),
        // introduced 0, last_affected X
        4 => format!("<={}", history[cut(rng, n, 1)[0]]),
        // introduced X, no fix
        5 => format!(">={}", history[cut(rng, n, 1)[0]]),
        // pinned versions, as from an OSV `versions` list
        6..8 => {
            let k = 1 + rng.below(4);
            cut(rng, n, k).iter().map(|&i| history[i].clone()).collect::<Vec<_>>().join("|")
        }
        // introduced X, last_affected Y
        8..10 => {
            let c = cut(rng, n, 2);
            format!(">={}|<={}", history[c[0]], *history.get(*c.get(1)?)?)
        }
        // one to three introduced/fixed intervals
        _ => {
            let intervals = 1 + rng.below(3);
            let c = cut(rng, n, 2 * intervals);
            if c.len() % 2 == 1 {
                return None;
            }
            c.chunks(2).map(|p| format!(">={}|<{}", history[p[0]], history[p[1]])).collect::<Vec<_>>().join("|")
        }
    };
    canonical(&format!("vers:{scheme}/{body}"))
}
