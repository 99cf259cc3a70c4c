//! Benchmark of the matching engine on the shared OSV data; run it with `--release`.
//!
//! Usage: `cargo run --release -p vulndesk-match --example match_bench [-- DATA_DIR]`, where
//! `DATA_DIR` holds `PyPI/all.zip`, `Go/all.zip` and `crates.io/all.zip` (by default the
//! shared data folder beside the checkout). It times the load of the three archives (the
//! first load of the process, so "cold" for the parser although the files may sit in the
//! page cache), builds a synthetic SBOM of 20,000 components, half of them real (package,
//! version) pairs (a package drawn uniformly, then one of the versions its records' range
//! events name) and half real packages at random
//! versions or made-up packages, times scanning it with everything in memory (best of five
//! after a warm-up), times 1,000,000 `Range::contains` checks, and prints a table with the
//! peak resident set size from `/proc/self/status` (`VmHWM`).

use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use vulndesk_formats::purl::{Purl, PurlParts};
use vulndesk_formats::sbom::{Component, Sbom, SbomFormat};
use vulndesk_match::{Ecosystem, Event, Index, Version, load_paths, scan_sbom};

const COMPONENTS: usize = 20_000;
const CHECKS: usize = 1_000_000;

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
}

fn main() {
    let data = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv")), PathBuf::from);
    let paths: Vec<PathBuf> = ["PyPI", "Go", "crates.io"].iter().map(|e| data.join(e).join("all.zip")).collect();

    let started = Instant::now();
    let (index, report) = match load_paths(&paths, |_| {}) {
        Ok(loaded) => loaded,
        Err(err) => {
            eprintln!("match_bench: {err}");
            std::process::exit(1);
        }
    };
    let load = started.elapsed();

    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let pairs = real_pairs(&index);
    let sbom = synthetic_sbom(&pairs, &mut rng);

    let warm = scan_sbom(&sbom, &index);
    let mut best = Duration::MAX;
    for _ in 0..5 {
        let started = Instant::now();
        let findings = scan_sbom(black_box(&sbom), &index);
        best = best.min(started.elapsed());
        assert_eq!(findings.len(), warm.len());
    }

    let checks = contains_workload(&index, &mut rng);
    let started = Instant::now();
    let mut hits = 0usize;
    for i in 0..CHECKS {
        let (range, version) = &checks[i % checks.len()];
        hits += usize::from(black_box(range).contains(black_box(version)));
    }
    let contains = started.elapsed();

    let per_sec = |n: usize, d: Duration| n as f64 / d.as_secs_f64();
    println!("| measure | count | time | rate |");
    println!("|---|---:|---:|---:|");
    println!(
        "| load 3 all.zip (cold) | {} records | {:.3} s | {:.0} records/s |",
        report.records_read,
        load.as_secs_f64(),
        per_sec(report.records_read, load)
    );
    println!(
        "| scan SBOM (warm, best of 5) | {COMPONENTS} components, {} findings | {:.1} ms | {:.0} components/s |",
        warm.len(),
        best.as_secs_f64() * 1e3,
        per_sec(COMPONENTS, best)
    );
    println!(
        "| Range::contains | {CHECKS} checks, {hits} inside | {:.1} ms | {:.0} checks/s |",
        contains.as_secs_f64() * 1e3,
        per_sec(CHECKS, contains)
    );
    println!("| peak RSS (VmHWM) | | | {} |", peak_rss().unwrap_or_else(|| "unknown".to_owned()));
}

/// Every (ecosystem, package name, version) named by a range event of a loaded record,
/// one entry per package with all of its versions, so that packages with many advisories
/// (Go's `stdlib`) are drawn as often as any other package, as in a real SBOM.
fn real_pairs(index: &Index) -> Vec<(Ecosystem, String, Vec<String>)> {
    let mut packages: BTreeMap<(Ecosystem, String), BTreeSet<String>> = BTreeMap::new();
    for advisory in index.database().advisories() {
        for affected in &advisory.affected {
            for spec in &affected.ranges {
                for event in &spec.events {
                    let (Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v)) = event else { continue };
                    if v != "0" {
                        packages.entry((affected.ecosystem, affected.name.clone())).or_default().insert(v.clone());
                    }
                }
            }
        }
    }
    packages
        .into_iter()
        .map(|((ecosystem, name), versions)| (ecosystem, name, versions.into_iter().collect()))
        .collect()
}

fn synthetic_sbom(pairs: &[(Ecosystem, String, Vec<String>)], rng: &mut Rng) -> Sbom {
    let ecosystems = [Ecosystem::PyPI, Ecosystem::Go, Ecosystem::CratesIo];
    let mut components = Vec::with_capacity(COMPONENTS);
    for i in 0..COMPONENTS {
        let random_version = format!("{}.{}.{}", rng.below(5), rng.below(20), rng.below(30));
        let (ecosystem, name, version) = match i % 4 {
            0 | 1 => {
                let (ecosystem, name, versions) = &pairs[rng.below(pairs.len())];
                (*ecosystem, name.clone(), versions[rng.below(versions.len())].clone())
            }
            2 => {
                let (ecosystem, name, _) = &pairs[rng.below(pairs.len())];
                (*ecosystem, name.clone(), random_version)
            }
            _ => {
                let ecosystem = ecosystems[rng.below(ecosystems.len())];
                let name = if ecosystem == Ecosystem::Go {
                    format!("example.com/synthetic/pkg{i}")
                } else {
                    format!("synthetic-pkg-{i}")
                };
                (ecosystem, name, random_version)
            }
        };
        let purl = purl_of(ecosystem, &name, &version);
        components.push(Component {
            bom_ref: format!("c{i}"),
            name,
            version: Some(version),
            purl,
            ..Component::default()
        });
    }
    Sbom {
        format: SbomFormat::CycloneDxJson,
        spec_version: "1.5".to_owned(),
        name: None,
        roots: Vec::new(),
        components,
        dependencies: Vec::new(),
    }
}

fn purl_of(ecosystem: Ecosystem, name: &str, version: &str) -> Option<Purl> {
    let (ty, namespace, name, version) = match ecosystem {
        Ecosystem::Go => {
            let (namespace, last) =
                name.rsplit_once('/').map_or((None, name), |(ns, last)| (Some(ns.to_owned()), last));
            (
                "golang",
                namespace,
                last,
                if version.starts_with('v') { version.to_owned() } else { format!("v{version}") },
            )
        }
        Ecosystem::CratesIo => ("cargo", None, name, version.to_owned()),
        _ => ("pypi", None, name, version.to_owned()),
    };
    Purl::build(PurlParts {
        ty: Some(ty.to_owned()),
        namespace,
        name: Some(name.to_owned()),
        version: Some(version),
        ..PurlParts::default()
    })
    .ok()
}

/// Pairs of a range and a version parsed under its order, drawn from the loaded records.
fn contains_workload<'a>(index: &'a Index, rng: &mut Rng) -> Vec<(&'a vulndesk_match::Range, Version)> {
    let ranges: Vec<&vulndesk_match::Range> = index
        .database()
        .advisories()
        .iter()
        .flat_map(|a| &a.affected)
        .flat_map(|a| &a.ranges)
        .map(|spec| &spec.range)
        .collect();
    let mut versions: Vec<(Ecosystem, String)> = Vec::new();
    for advisory in index.database().advisories() {
        for affected in &advisory.affected {
            for spec in &affected.ranges {
                for event in &spec.events {
                    if let Event::Introduced(v) | Event::Fixed(v) = event {
                        versions.push((spec.range.ordering(), v.clone()));
                    }
                }
            }
        }
    }
    let mut checks = Vec::with_capacity(10_000);
    while checks.len() < 10_000 {
        let range = ranges[rng.below(ranges.len())];
        let (ordering, text) = &versions[rng.below(versions.len())];
        if *ordering != range.ordering() {
            continue;
        }
        if let Ok(version) = range.parse_version(text) {
            checks.push((range, version));
        }
    }
    checks
}

fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(format!("{:.1} MiB", kb / 1024.0))
}
