//! Benchmark of the matching engine on the shared OSV data; run it with `--release`.
//!
//! Usage: `cargo run --release -p vulndesk-match --example match_bench [-- DATA_DIR [OUT_DIR]]`,
//! where `DATA_DIR` holds `PyPI/all.zip`, `Go/all.zip` and `crates.io/all.zip` (by default the
//! shared data folder beside the checkout). It times the load of the three archives (the
//! first load of the process, so "cold" for the parser although the files may sit in the
//! page cache), builds a synthetic SBOM of 20,000 components, half of them real (package,
//! version) pairs (a package drawn uniformly, then one of the versions its records' range
//! events name) and half real packages at random
//! versions or made-up packages, times scanning it with everything in memory (best of five
//! after a warm-up), times 1,000,000 `Range::contains` checks, and prints a table with the
//! peak resident set size from `/proc/self/status` (`VmHWM`).
//!
//! It also times the cold path of benchmark B1 (`scripts/bench-match.sh`): from the start of
//! `main` to the first component answered (load, then a one-component scan) and to the whole
//! SBOM answered (load, then the first full scan). With `OUT_DIR`, it writes there, for the
//! peer side of B1 (`tests/referee/b1_peer.mjs`): `sbom.tsv` (per component: OSV ecosystem,
//! package name, version), `findings.tsv` (per finding: ecosystem, name, version, advisory
//! id) and `vulndesk.txt` (the timings and peak RSS as `key=value` lines).

use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vulndesk_formats::purl::{Purl, PurlParts};
use vulndesk_formats::sbom::{Component, Sbom, SbomFormat};
use vulndesk_match::{Ecosystem, Event, Finding, Index, Version, load_paths, purl_package, scan_sbom};

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
    let started = Instant::now();
    let data = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv")), PathBuf::from);
    let out_dir = std::env::args().nth(2).map(PathBuf::from);
    let paths: Vec<PathBuf> = ["PyPI", "Go", "crates.io"].iter().map(|e| data.join(e).join("all.zip")).collect();

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

    let first_sbom = Sbom { components: sbom.components[..1].to_vec(), ..sbom.clone() };
    black_box(scan_sbom(&first_sbom, &index));
    let first_answer = started.elapsed();
    let warm = scan_sbom(&sbom, &index);
    let cold = started.elapsed();
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

    if let Some(dir) = out_dir {
        let stats = format!(
            "records={}\ncomponents={COMPONENTS}\nfindings={}\nfirst_answer_seconds={:.6}\n\
             cold_seconds={:.6}\nwarm_seconds={:.6}\npeak_rss_kib={}\n",
            report.records_read,
            warm.len(),
            first_answer.as_secs_f64(),
            cold.as_secs_f64(),
            best.as_secs_f64(),
            peak_rss_kib().unwrap_or(0),
        );
        if let Err(err) = write_b1_files(&dir, &sbom, &warm, &stats) {
            eprintln!("match_bench: {}: {err}", dir.display());
            std::process::exit(1);
        }
    }
}

/// Writes the SBOM, the findings and the timings for the peer side of benchmark B1.
fn write_b1_files(dir: &Path, sbom: &Sbom, findings: &[Finding], stats: &str) -> std::io::Result<()> {
    let mut components = String::from("ecosystem\tname\tversion\n");
    for component in &sbom.components {
        let ecosystem = component.purl.as_ref().and_then(purl_package).map(|(e, _)| e.osv_name()).unwrap_or("?");
        let version = component.version.as_deref().unwrap_or("");
        components.push_str(&format!("{ecosystem}\t{}\t{version}\n", component.name));
    }
    std::fs::write(dir.join("sbom.tsv"), components)?;
    let mut lines = String::from("ecosystem\tname\tversion\tadvisory\n");
    for finding in findings {
        // The purl of a Go component carries a `v` that the SBOM's version does not.
        let version =
            if finding.ecosystem == "Go" { finding.version.trim_start_matches('v') } else { &finding.version };
        lines.push_str(&format!("{}\t{}\t{version}\t{}\n", finding.ecosystem, finding.name, finding.advisory));
    }
    std::fs::write(dir.join("findings.tsv"), lines)?;
    std::fs::write(dir.join("vulndesk.txt"), stats)
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
    peak_rss_kib().map(|kib| format!("{:.1} MiB", kib as f64 / 1024.0))
}

/// The peak resident set size in KiB, from `VmHWM` in `/proc/self/status`.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
