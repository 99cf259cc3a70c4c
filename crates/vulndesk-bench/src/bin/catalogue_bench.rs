//! `catalogue-bench`: SBOM ingest (B6) and the catalogue's reverse query (B3), on SQLite and
//! PostgreSQL.
//!
//! It loads the shared OSV data (`PyPI`, `Go` and `crates.io` `all.zip` under `--osv-dir`) into a
//! `vulndesk_match::Index` once, then for each backend opens a fresh, migrated database
//! (`TestDb::new_on`: SQLite in a temporary folder, or a new PostgreSQL database on
//! `VULNDESK_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/`, dropped at the end) and
//! measures:
//!
//! - **B6**, one SBOM ingested end to end: a CycloneDX 1.6 JSON document of `--sbom-components`
//!   components (plus its main component) with a dependency tree (one edge per component), half
//!   of them real (package, version) pairs from the OSV data, a quarter real packages at random
//!   versions and a quarter made-up packages. Phases: parse (`read_sbom`), convert
//!   (`stored_components` and the edges), store (`Store::import_sbom`, one transaction), match
//!   (`Store::components_of`, then `Index::query_purl` for every purl, giving the findings).
//!   Each run imports into a new product version; the best of `--runs` runs (by total) is
//!   reported, on the empty database and again after B3 has filled it.
//! - **B3**, the reverse query: `--versions` product versions of `--components` components each,
//!   imported with `Store::import_sbom`, drawn Zipf-like from a pool of `--pool` packages (every
//!   package of the OSV data, padded with made-up ones), so hot packages are in nearly every
//!   product version. Then `--advisories` advisories (a quarter affecting hot packages, half
//!   affecting a package drawn uniformly from the pool, a quarter drawn from the whole index) are
//!   answered: for each package an advisory names, `Store::occurrences` (one indexed lookup),
//!   then `Index::evaluate` on each occurrence's version; the answer is the set of affected
//!   product versions. Latency is per advisory, one at a time. For `--rescan-advisories` of them
//!   the strawman is timed too: `Store::components_of` for every product version, testing every
//!   component; its answer must equal the reverse query's.
//!
//! ```sh
//! CARGO_TARGET_DIR=/work/target-bench cargo run --release -p vulndesk-bench --bin catalogue-bench -- \
//!     --backends sqlite,postgres --versions 5000 --components 1000 --sbom-components 20000
//! ```
//!
//! A quick run: `--versions 200 --components 200 --advisories 100 --rescan-advisories 3`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use vulndesk_core::{AuditContext, OrgId, OrgKind, ProductId, ProductVersionId, Slug, Timestamp, VendorId};
use vulndesk_formats::purl::{Purl, PurlParts};
use vulndesk_formats::sbom::{Component, Sbom, SbomFormat, read_sbom};
use vulndesk_match::osv::{Advisory, normalise_name};
use vulndesk_match::{Ecosystem, Event, Index, load_paths};
use vulndesk_store::catalogue::{Product, ProductVersion, SbomRecord, StoredComponent, Vendor};
use vulndesk_store::testing::TestDb;
use vulndesk_store::{Backend, NewOrganisation, Store};

/// 2026-01-01T00:00:00Z: the benchmark's audit time (only the `vulndesk` binary reads the clock).
const START_MICROS: i64 = 1_767_225_600_000_000;
/// Versions drawn per pool package for B3, so that product versions share component versions.
const VARIANTS: usize = 6;
/// Product versions per product in B3.
const VERSIONS_PER_PRODUCT: usize = 100;
/// Zipf exponent of the B3 package draw.
const ZIPF_S: f64 = 1.0;
/// Packages of the lowest ranks count as hot when choosing advisories.
const HOT_RANKS: usize = 200;

/// Measures SBOM ingest (B6) and the reverse query (B3) on SQLite and PostgreSQL.
#[derive(Parser)]
#[command(name = "catalogue-bench")]
struct Args {
    /// Backends to measure, comma-separated: sqlite, postgres.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<String>,
    /// B3: product versions.
    #[arg(long, default_value_t = 5000)]
    versions: usize,
    /// B3: components per product version.
    #[arg(long, default_value_t = 1000)]
    components: usize,
    /// B3: packages the components are drawn from (the OSV data's packages, padded with made-up ones).
    #[arg(long, default_value_t = 20_000)]
    pool: usize,
    /// B3: advisories answered.
    #[arg(long, default_value_t = 1000)]
    advisories: usize,
    /// B3: advisories answered by the strawman rescan too.
    #[arg(long, default_value_t = 20)]
    rescan_advisories: usize,
    /// B3: product versions imported concurrently while populating.
    #[arg(long, default_value_t = 4)]
    populate_concurrency: usize,
    /// B6: components of the SBOM (besides its main component).
    #[arg(long, default_value_t = 20_000)]
    sbom_components: usize,
    /// B6: runs per database state (the best is reported).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Folder holding `PyPI/all.zip`, `Go/all.zip` and `crates.io/all.zip`.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv"))]
    osv_dir: PathBuf,
    /// Seed of the generators (the SBOMs, the catalogue and the advisories are repeatable).
    #[arg(long, default_value_t = 0x9E37_79B9_7F4A_7C15)]
    seed: u64,
}

/// A small xorshift generator, so that runs are repeatable without another dependency.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn version(&mut self) -> String {
        format!("{}.{}.{}", self.below(5), self.below(20), self.below(30))
    }
}

/// A package of the OSV data with every version its records' range events name.
struct RealPackage {
    ecosystem: Ecosystem,
    name: String,
    versions: Vec<String>,
}

fn main() -> ExitCode {
    vulndesk_bench::exit_code(run(&Args::parse()))
}

fn run(args: &Args) -> anyhow::Result<bool> {
    let backends = vulndesk_bench::parse_backends(&args.backends)?;
    if args.components == 0 || args.versions == 0 || args.runs == 0 || args.populate_concurrency == 0 {
        bail!("--versions, --components, --runs and --populate-concurrency must be at least 1");
    }

    let paths: Vec<PathBuf> =
        ["PyPI", "Go", "crates.io"].iter().map(|e| args.osv_dir.join(e).join("all.zip")).collect();
    eprintln!("loading {}…", paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "));
    let started = Instant::now();
    let (index, report) = load_paths(&paths, |_| {}).context("load the OSV data")?;
    let load = started.elapsed();
    let index = Arc::new(index);
    let real = real_packages(&index);
    eprintln!(
        "{} records in {:.1} s; {} packages with versions in range events",
        report.records_read,
        load.as_secs_f64(),
        real.len()
    );

    let mut rng = Rng::new(args.seed);
    let sbom_json = b6_sbom_json(&real, args.sbom_components, &mut rng);
    let pool = Arc::new(b3_pool(&real, args.pool, &mut rng));
    let picks = pick_advisories(&index, &pool, args.advisories, &mut rng);

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut results = Vec::new();
    let mut all_ok = true;
    for &backend in &backends {
        let name = backend_name(backend);
        eprintln!("== {name}");
        let db = rt.block_on(TestDb::new_on(backend));
        let result = rt.block_on(bench_backend(args, name, &db.store, &index, &sbom_json, &pool, &picks));
        rt.block_on(db.store.close());
        drop(db);
        let result = result.context(name)?;
        all_ok &= result.b3.mismatches == 0;
        results.push(result);
        if results.len() < backends.len() {
            eprintln!("results so far:");
            eprint!("{}", render(args, &report, load, real.len(), &pool, &picks, &sbom_json, &results));
        }
    }

    print!("{}", render(args, &report, load, real.len(), &pool, &picks, &sbom_json, &results));
    Ok(all_ok)
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

/// Every package of the loaded records with the versions its range events name (not `0`),
/// in a stable order.
fn real_packages(index: &Index) -> Vec<RealPackage> {
    let mut packages: std::collections::BTreeMap<(Ecosystem, String), BTreeSet<String>> = Default::default();
    for advisory in index.database().advisories() {
        for affected in &advisory.affected {
            let entry = packages.entry((affected.ecosystem, affected.name.clone())).or_default();
            for spec in &affected.ranges {
                for event in &spec.events {
                    let (Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v)) = event else { continue };
                    if v != "0" {
                        entry.insert(v.clone());
                    }
                }
            }
        }
    }
    packages
        .into_iter()
        .filter(|(_, versions)| !versions.is_empty())
        .map(|((ecosystem, name), versions)| RealPackage { ecosystem, name, versions: versions.into_iter().collect() })
        .collect()
}

/// A package URL for a package of one of the three ecosystems; Go versions get their `v`.
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

fn made_up(ecosystem: Ecosystem, i: usize) -> String {
    match ecosystem {
        Ecosystem::Go => format!("example.com/vulndesk-bench/internal/mod{i}"),
        Ecosystem::CratesIo => format!("vdbench-internal-crate-{i}"),
        _ => format!("vdbench-internal-lib-{i}"),
    }
}

const ECOSYSTEMS: [Ecosystem; 3] = [Ecosystem::PyPI, Ecosystem::Go, Ecosystem::CratesIo];

/// The B6 SBOM as CycloneDX 1.6 JSON: `n` components under a main component, each with one
/// parent (the main component for the first 50, an earlier component for the rest).
fn b6_sbom_json(real: &[RealPackage], n: usize, rng: &mut Rng) -> Vec<u8> {
    let mut components = Vec::with_capacity(n);
    let mut children: Vec<Vec<String>> = vec![Vec::new(); n + 1];
    for i in 0..n {
        let (ecosystem, name, version) = match i % 4 {
            0 | 1 => {
                let p = &real[rng.below(real.len())];
                (p.ecosystem, p.name.clone(), p.versions[rng.below(p.versions.len())].clone())
            }
            2 => {
                let p = &real[rng.below(real.len())];
                (p.ecosystem, p.name.clone(), rng.version())
            }
            _ => {
                let ecosystem = ECOSYSTEMS[rng.below(ECOSYSTEMS.len())];
                (ecosystem, made_up(ecosystem, i), rng.version())
            }
        };
        let Some(purl) = purl_of(ecosystem, &name, &version) else { continue };
        let version = purl.version().unwrap_or_default().to_owned();
        let bom_ref = format!("c{i}");
        let parent = if i < 50 { 0 } else { 1 + rng.below(i) };
        children[parent].push(bom_ref.clone());
        components.push(serde_json::json!({
            "type": "library",
            "bom-ref": bom_ref,
            "name": name,
            "version": version,
            "purl": purl.to_string(),
            "supplier": {"name": "Bench Upstream"},
            "hashes": [{"alg": "SHA-256", "content": format!("{:016x}{:016x}{:016x}{:016x}",
                rng.next(), rng.next(), rng.next(), rng.next())}],
        }));
    }
    let dependencies: Vec<serde_json::Value> = children
        .into_iter()
        .enumerate()
        .filter(|(_, c)| !c.is_empty())
        .map(|(i, c)| {
            let from = if i == 0 { "root".to_owned() } else { format!("c{}", i - 1) };
            serde_json::json!({"ref": from, "dependsOn": c})
        })
        .collect();
    let doc = serde_json::json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {"component": {"type": "firmware", "bom-ref": "root", "name": "AX3000 firmware", "version": "2.1.4"}},
        "components": components,
        "dependencies": dependencies,
    });
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// The B3 package pool: every real package and made-up ones up to `size`, shuffled (the
/// position is the Zipf rank), each with `VARIANTS` stored components at versions drawn from
/// its known versions (two in three) or at random.
struct Pool {
    /// `variants[rank]`: the stored components of the package at that rank.
    variants: Vec<Vec<StoredComponent>>,
    /// Rank of each real package by `(OSV ecosystem, package key)`.
    rank_of: HashMap<(String, String), usize>,
    /// Cumulative Zipf weights by rank.
    cumulative: Vec<f64>,
    real: usize,
}

fn b3_pool(real: &[RealPackage], size: usize, rng: &mut Rng) -> Pool {
    let mut entries: Vec<(Ecosystem, String, Option<&RealPackage>)> =
        real.iter().map(|p| (p.ecosystem, p.name.clone(), Some(p))).collect();
    let mut i = 0;
    while entries.len() < size {
        let ecosystem = ECOSYSTEMS[i % ECOSYSTEMS.len()];
        entries.push((ecosystem, made_up(ecosystem, i), None));
        i += 1;
    }
    for k in (1..entries.len()).rev() {
        entries.swap(k, rng.below(k + 1));
    }
    entries.truncate(size.max(1));
    let mut components = Vec::with_capacity(entries.len() * VARIANTS);
    for (ecosystem, name, known) in &entries {
        for _ in 0..VARIANTS {
            let version = match known {
                Some(p) if rng.below(3) < 2 => p.versions[rng.below(p.versions.len())].clone(),
                _ => rng.version(),
            };
            let purl = purl_of(*ecosystem, name, &version);
            let version = purl.as_ref().and_then(|p| p.version()).unwrap_or(&version).to_owned();
            components.push(Component {
                bom_ref: String::new(),
                name: name.clone(),
                version: Some(version),
                purl,
                ..Component::default()
            });
        }
    }
    let sbom = Sbom {
        format: SbomFormat::CycloneDxJson,
        spec_version: "1.6".into(),
        name: None,
        roots: Vec::new(),
        components,
        dependencies: Vec::new(),
    };
    let stored = vulndesk_web::stored_components(&sbom);
    let variants: Vec<Vec<StoredComponent>> = stored.chunks(VARIANTS).map(<[StoredComponent]>::to_vec).collect();
    let mut rank_of = HashMap::new();
    for (rank, (e, _, known)) in entries.iter().enumerate() {
        if known.is_some() {
            let c = &variants[rank][0];
            debug_assert_eq!(c.ecosystem, e.osv_name());
            rank_of.entry((c.ecosystem.clone(), c.package_key.clone())).or_insert(rank);
        }
    }
    let mut cumulative = Vec::with_capacity(variants.len());
    let mut total = 0.0;
    for rank in 0..variants.len() {
        total += 1.0 / ((rank + 1) as f64).powf(ZIPF_S);
        cumulative.push(total);
    }
    let real_count = entries.iter().filter(|(_, _, k)| k.is_some()).count();
    Pool { variants, rank_of, cumulative, real: real_count }
}

impl Pool {
    fn zipf_rank(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1.0);
        let x = rng.unit() * total;
        self.cumulative.partition_point(|&c| c < x).min(self.cumulative.len() - 1)
    }

    /// The components of product version `v`: `n` distinct packages (at most the pool's size).
    fn components_for(&self, v: usize, n: usize, seed: u64) -> Vec<StoredComponent> {
        let mut rng = Rng::new(seed ^ (v as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
        let n = n.min(self.variants.len());
        let mut seen = HashSet::with_capacity(n);
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            // Zipf draws repeat the hot ranks; past a few misses, fall back to uniform draws.
            let rank = if out.len() * 4 < self.variants.len() * 3 || rng.below(2) == 0 {
                self.zipf_rank(&mut rng)
            } else {
                rng.below(self.variants.len())
            };
            if !seen.insert(rank) {
                continue;
            }
            let variants = &self.variants[rank];
            let mut c = variants[rng.below(variants.len())].clone();
            c.bom_ref = format!("c{}", out.len());
            out.push(c);
        }
        out
    }
}

/// Where an advisory was drawn from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Hot,
    Pool,
    Any,
}

struct Pick {
    advisory: usize,
    kind: Kind,
}

/// Advisories to answer: a quarter affecting a hot package (rank below `HOT_RANKS`), half
/// affecting a package drawn uniformly from the pool's real packages, a quarter drawn from the
/// whole index (a slot whose draws are all taken already falls back to the next wider one). Withdrawn advisories are left out; each advisory is picked at most once.
fn pick_advisories(index: &Index, pool: &Pool, n: usize, rng: &mut Rng) -> Vec<Pick> {
    let advisories = index.database().advisories();
    let mut by_package: HashMap<(String, String), Vec<usize>> = HashMap::new();
    let mut live = Vec::new();
    for (i, a) in advisories.iter().enumerate() {
        if a.is_withdrawn() {
            continue;
        }
        live.push(i);
        for af in &a.affected {
            by_package
                .entry((af.ecosystem.osv_name().to_owned(), normalise_name(af.ecosystem, &af.name)))
                .or_default()
                .push(i);
        }
    }
    let mut ranked: Vec<(usize, &Vec<usize>)> =
        pool.rank_of.iter().filter_map(|(k, &rank)| by_package.get(k).map(|a| (rank, a))).collect();
    ranked.sort_by_key(|(rank, _)| *rank);
    let hot: Vec<&Vec<usize>> = ranked.iter().filter(|(r, _)| *r < HOT_RANKS).map(|(_, a)| *a).collect();
    let mut taken = HashSet::new();
    let mut picks = Vec::with_capacity(n);
    let mut attempts = 0;
    let mut misses = 0;
    while picks.len() < n && attempts < n * 100 {
        attempts += 1;
        // When a slot keeps drawing advisories already taken (the hot packages have only so
        // many), it falls back to a wider draw.
        let kind = match (picks.len() % 4, misses) {
            (_, 40..) | (3, _) => Kind::Any,
            (0, 0..20) => Kind::Hot,
            _ => Kind::Pool,
        };
        let advisory = match kind {
            Kind::Hot if !hot.is_empty() => {
                let list = hot[rng.below(hot.len())];
                list[rng.below(list.len())]
            }
            Kind::Pool if !ranked.is_empty() => {
                let list = ranked[rng.below(ranked.len())].1;
                list[rng.below(list.len())]
            }
            _ => live[rng.below(live.len())],
        };
        if taken.insert(advisory) {
            picks.push(Pick { advisory, kind });
            misses = 0;
        } else {
            misses += 1;
        }
    }
    picks
}

/// The distinct `(OSV ecosystem, package key)` an advisory names.
fn packages_of(advisory: &Advisory) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    for af in &advisory.affected {
        let key = (af.ecosystem.osv_name(), normalise_name(af.ecosystem, &af.name));
        if !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

/// One B6 run's phases.
#[derive(Clone, Copy, Default)]
struct Ingest {
    parse: Duration,
    convert: Duration,
    store: Duration,
    matching: Duration,
    components: usize,
    edges: usize,
    findings: usize,
    unmatched: usize,
}

impl Ingest {
    fn total(&self) -> Duration {
        self.parse + self.convert + self.store + self.matching
    }
}

/// The B6 results of one database state.
struct B6 {
    state: String,
    best: Ingest,
    totals: Vec<Duration>,
    /// `import_sbom` of the same components without the edges (one run), for the breakdown.
    store_without_edges: Duration,
}

/// The B3 results of one backend.
#[derive(Default)]
struct B3 {
    versions: usize,
    rows: usize,
    population: Duration,
    latencies: Vec<Duration>,
    lookups: Duration,
    evaluation: Duration,
    affected_total: usize,
    affected_by_kind: [(usize, usize); 3],
    occurrence_rows: usize,
    max_rows: usize,
    max_latency_advisory: String,
    rescans: Vec<(Duration, Duration)>,
    rescan_rows: usize,
    mismatches: usize,
}

struct Results {
    backend: &'static str,
    b6: Vec<B6>,
    b3: B3,
}

/// Everything one backend's database gets: the organisation and catalogue, B6, B3, B6 again.
async fn bench_backend(
    args: &Args,
    backend: &'static str,
    store: &Store,
    index: &Index,
    sbom_json: &[u8],
    pool: &Arc<Pool>,
    picks: &[Pick],
) -> anyhow::Result<Results> {
    let ctx = AuditContext::system(Timestamp::from_micros(START_MICROS));
    // B6 and B3 each have their own organisation, so that the reverse query sees B3's catalogue only.
    let (_, b6_vendor) = new_org(store, "bench-ingest", &ctx).await?;
    let (org, vendor) = new_org(store, "bench-networks", &ctx).await?;
    let b6_product = new_product(store, &b6_vendor, "AX3000", &ctx).await?;

    let mut b6 = Vec::new();
    eprintln!("{backend}: B6 on the empty database, {} runs…", args.runs);
    b6.push(b6_runs(args, store, index, sbom_json, &b6_product, "empty", &ctx).await?);

    eprintln!("{backend}: B3 populating {} product versions × {} components…", args.versions, args.components);
    let mut b3 = B3::default();
    let started = Instant::now();
    let versions = populate(args, store, &vendor, pool, &ctx).await?;
    b3.population = started.elapsed();
    b3.versions = versions.len();
    b3.rows = versions.len() * args.components.min(pool.variants.len());
    eprintln!("{backend}: populated in {:.1} s", b3.population.as_secs_f64());

    eprintln!("{backend}: B3 answering {} advisories…", picks.len());
    let mut answers = Vec::with_capacity(picks.len());
    for pick in picks {
        let advisory = &index.database().advisories()[pick.advisory];
        let packages = packages_of(advisory);
        let started = Instant::now();
        let mut affected: HashSet<ProductVersionId> = HashSet::new();
        let mut rows = 0;
        for (ecosystem, key) in &packages {
            let lookup = Instant::now();
            let occurrences = store.occurrences(org, ecosystem, key).await?;
            let evaluate = Instant::now();
            b3.lookups += evaluate - lookup;
            rows += occurrences.len();
            for o in &occurrences {
                if index.evaluate(&advisory.id, &o.version).is_some_and(|v| v.affected()) {
                    affected.insert(o.product_version);
                }
            }
            b3.evaluation += evaluate.elapsed();
        }
        let took = started.elapsed();
        if b3.latencies.iter().all(|&l| l < took) {
            b3.max_latency_advisory = format!("{} ({} packages, {rows} occurrences)", advisory.id, packages.len());
        }
        b3.latencies.push(took);
        b3.occurrence_rows += rows;
        b3.max_rows = b3.max_rows.max(rows);
        b3.affected_total += affected.len();
        let k = match pick.kind {
            Kind::Hot => 0,
            Kind::Pool => 1,
            Kind::Any => 2,
        };
        b3.affected_by_kind[k].0 += 1;
        b3.affected_by_kind[k].1 += affected.len();
        answers.push(affected);
    }

    let n = args.rescan_advisories.min(picks.len());
    eprintln!("{backend}: strawman rescan for {n} advisories ({} product versions each)…", versions.len());
    for j in 0..n {
        let i = j * picks.len() / n.max(1);
        let advisory = &index.database().advisories()[picks[i].advisory];
        let packages = packages_of(advisory);
        let started = Instant::now();
        let mut affected: HashSet<ProductVersionId> = HashSet::new();
        let mut rows = 0;
        for v in &versions {
            let components = store.components_of(*v).await?;
            rows += components.len();
            for c in &components {
                // Components whose package the advisory names are evaluated, as in the reverse query.
                if packages.iter().any(|(e, k)| *e == c.ecosystem && *k == c.package_key)
                    && index.evaluate(&advisory.id, &c.version).is_some_and(|v| v.affected())
                {
                    affected.insert(*v);
                }
            }
        }
        let took = started.elapsed();
        b3.rescan_rows = rows;
        if affected != answers[i] {
            b3.mismatches += 1;
            eprintln!(
                "{backend}: {} rescan found {} product versions, the reverse query {}",
                advisory.id,
                affected.len(),
                answers[i].len()
            );
        }
        b3.rescans.push((took, b3.latencies[i]));
        eprintln!("{backend}: rescan {}/{n}: {} in {:.2} s", j + 1, advisory.id, took.as_secs_f64());
    }

    eprintln!("{backend}: B6 on the populated database, {} runs…", args.runs);
    let state = format!("after B3 ({:.1}M component rows)", b3.rows as f64 / 1e6);
    b6.push(b6_runs(args, store, index, sbom_json, &b6_product, &state, &ctx).await?);
    Ok(Results { backend, b6, b3 })
}

/// An organisation with one vendor of the same name.
async fn new_org(store: &Store, slug: &str, ctx: &AuditContext) -> anyhow::Result<(OrgId, Vendor)> {
    let org = OrgId::from_uuid(uuid());
    let new = NewOrganisation { id: org, slug: Slug::parse(slug)?, name: slug.into(), kinds: vec![OrgKind::Provider] };
    store.create_org(&new, ctx).await?;
    let vendor = Vendor { id: VendorId::from_uuid(uuid()), org, name: slug.into(), website: String::new() };
    store.create_vendor(&vendor, ctx).await?;
    Ok((org, vendor))
}

fn uuid() -> uuid::Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

async fn new_product(store: &Store, vendor: &Vendor, name: &str, ctx: &AuditContext) -> anyhow::Result<Product> {
    let p = Product {
        id: ProductId::from_uuid(uuid()),
        org: vendor.org,
        vendor: vendor.id,
        vendor_name: vendor.name.clone(),
        name: name.to_owned(),
        description: String::new(),
    };
    store.create_product(&p, ctx).await?;
    Ok(p)
}

async fn new_version(
    store: &Store,
    product: &Product,
    version: String,
    ctx: &AuditContext,
) -> anyhow::Result<ProductVersion> {
    let v = ProductVersion {
        id: ProductVersionId::from_uuid(uuid()),
        org: product.org,
        product: product.id,
        product_name: product.name.clone(),
        model: String::new(),
        version,
        release_date: String::new(),
        support_status: "supported".into(),
    };
    store.create_product_version(&v, ctx).await?;
    Ok(v)
}

fn record(sbom: &Sbom, components: usize, warnings: usize, sha256: &str, ctx: &AuditContext) -> SbomRecord {
    SbomRecord {
        format: sbom.format.as_str().to_owned(),
        spec_version: sbom.spec_version.clone(),
        sha256: sha256.to_owned(),
        components: i64::try_from(components).unwrap_or(i64::MAX),
        warnings: i64::try_from(warnings).unwrap_or(i64::MAX),
        imported_by: ctx.actor.clone(),
        imported_at: ctx.at,
    }
}

/// `args.runs` ingests of the B6 SBOM, each into a new product version, and one more import
/// without the edges (not counted in the runs).
async fn b6_runs(
    args: &Args,
    store: &Store,
    index: &Index,
    json: &[u8],
    product: &Product,
    state: &str,
    ctx: &AuditContext,
) -> anyhow::Result<B6> {
    let mut best: Option<Ingest> = None;
    let mut totals = Vec::new();
    let sha256 = format!("{:064x}", json.len());
    for run in 0..args.runs {
        let version = new_version(store, product, format!("{state} {run}"), ctx).await?;
        let mut m = Ingest::default();

        let t = Instant::now();
        let (sbom, diagnostics) = read_sbom(json).context("read the B6 SBOM")?;
        m.parse = t.elapsed();

        let t = Instant::now();
        let components = vulndesk_web::stored_components(&sbom);
        let edges: Vec<(String, String)> = sbom
            .dependencies
            .iter()
            .flat_map(|(from, tos)| tos.iter().map(move |to| (from.clone(), to.clone())))
            .collect();
        let rec = record(&sbom, components.len(), diagnostics.len(), &sha256, ctx);
        m.convert = t.elapsed();

        let t = Instant::now();
        store.import_sbom(&version, &rec, &components, &edges, ctx).await?;
        m.store = t.elapsed();

        let t = Instant::now();
        let stored = store.components_of(version.id).await?;
        let mut findings: Vec<(String, String)> = Vec::new();
        for c in &stored {
            let Ok(purl) = Purl::parse(&c.purl) else {
                m.unmatched += 1;
                continue;
            };
            match index.query_purl(&purl) {
                Ok(hits) => findings.extend(hits.iter().map(|h| (c.bom_ref.clone(), h.advisory.id.clone()))),
                Err(_) => m.unmatched += 1,
            }
        }
        m.matching = t.elapsed();
        m.components = stored.len();
        m.edges = edges.len();
        m.findings = findings.len();
        eprintln!(
            "  run {}: parse {:.0} ms, convert {:.0} ms, store {:.0} ms, match {:.0} ms, total {:.0} ms, {} findings",
            run + 1,
            ms(m.parse),
            ms(m.convert),
            ms(m.store),
            ms(m.matching),
            ms(m.total()),
            m.findings
        );
        totals.push(m.total());
        if best.is_none_or(|b| m.total() < b.total()) {
            best = Some(m);
        }
    }
    let version = new_version(store, product, format!("{state} without edges"), ctx).await?;
    let (sbom, diagnostics) = read_sbom(json)?;
    let components = vulndesk_web::stored_components(&sbom);
    let rec = record(&sbom, components.len(), diagnostics.len(), &sha256, ctx);
    let t = Instant::now();
    store.import_sbom(&version, &rec, &components, &[], ctx).await?;
    let store_without_edges = t.elapsed();
    Ok(B6 { state: state.to_owned(), best: best.unwrap_or_default(), totals, store_without_edges })
}

/// Creates and imports the B3 product versions, `populate_concurrency` at a time.
async fn populate(
    args: &Args,
    store: &Store,
    vendor: &Vendor,
    pool: &Arc<Pool>,
    ctx: &AuditContext,
) -> anyhow::Result<Vec<ProductVersionId>> {
    let mut products = Vec::new();
    for p in 0..args.versions.div_ceil(VERSIONS_PER_PRODUCT) {
        products.push(new_product(store, vendor, &format!("Router R{p:03}"), ctx).await?);
    }
    let products = Arc::new(products);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..args.populate_concurrency {
        let (store, pool, products, next, ctx) =
            (store.clone(), pool.clone(), products.clone(), next.clone(), ctx.clone());
        let (total, per_version, seed) = (args.versions, args.components, args.seed);
        workers.spawn(async move {
            let mut ids = Vec::new();
            loop {
                let v = next.fetch_add(1, Ordering::Relaxed);
                if v >= total {
                    break;
                }
                let product = &products[v / VERSIONS_PER_PRODUCT];
                let version = new_version(&store, product, format!("1.{}", v % VERSIONS_PER_PRODUCT), &ctx).await?;
                let components = pool.components_for(v, per_version, seed);
                let rec = SbomRecord {
                    format: "cyclonedx-json".into(),
                    spec_version: "1.6".into(),
                    sha256: format!("{v:064x}"),
                    components: i64::try_from(components.len()).unwrap_or(i64::MAX),
                    warnings: 0,
                    imported_by: ctx.actor.clone(),
                    imported_at: ctx.at,
                };
                store.import_sbom(&version, &rec, &components, &[], &ctx).await?;
                ids.push(version.id);
                if (v + 1) % 500 == 0 {
                    eprintln!("  {} product versions in {:.1} s", v + 1, started.elapsed().as_secs_f64());
                }
            }
            anyhow::Ok(ids)
        });
    }
    let mut ids = Vec::with_capacity(args.versions);
    while let Some(done) = workers.join_next().await {
        ids.extend(done??);
    }
    Ok(ids)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into())
}

fn mem_total() -> String {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with("MemTotal:"))?.to_owned();
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.1} GiB", kib / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The report: machine, B6, B3 and the strawman, as markdown.
#[allow(clippy::too_many_arguments)]
fn render(
    args: &Args,
    report: &vulndesk_match::LoadReport,
    load: Duration,
    real: usize,
    pool: &Pool,
    picks: &[Pick],
    sbom_json: &[u8],
    results: &[Results],
) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    macro_rules! println {
        () => {
            out.push('\n')
        };
        ($($t:tt)*) => {{
            let _ = writeln!(out, $($t)*);
        }};
    }
    let nproc = std::thread::available_parallelism().map_or(0, usize::from);
    println!();
    println!("machine: {nproc} cores (nproc), CPU {}, RAM {}", cpu_model(), mem_total());
    println!(
        "OSV index: {} records from PyPI, Go, crates.io loaded in {:.1} s; {} packages with versions in range events",
        report.records_read,
        load.as_secs_f64(),
        real
    );
    println!();
    println!("### B6: {}-component CycloneDX 1.6 SBOM ingest, best of {} (by total)", args.sbom_components, args.runs);
    println!();
    if let Some(b) = results.first().and_then(|r| r.b6.first()) {
        println!(
            "SBOM: {:.1} MiB JSON, {} components stored (with the main component), {} dependency edges",
            sbom_json.len() as f64 / 1048576.0,
            b.best.components,
            b.best.edges
        );
        println!();
    }
    println!(
        "| backend | database | parse ms | convert ms | store ms | match ms | total ms | all totals ms | findings | goal < 2 s | store w/o edges ms |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---|---:|---|---:|");
    for r in results {
        for b in &r.b6 {
            let m = &b.best;
            println!(
                "| {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {} | {} | {} | {:.0} |",
                r.backend,
                b.state,
                ms(m.parse),
                ms(m.convert),
                ms(m.store),
                ms(m.matching),
                ms(m.total()),
                b.totals.iter().map(|t| format!("{:.0}", ms(*t))).collect::<Vec<_>>().join(" / "),
                m.findings,
                if m.total() < Duration::from_secs(2) { "met" } else { "NOT met" },
                ms(b.store_without_edges),
            );
        }
    }
    println!();
    println!(
        "### B3: reverse query over {} product versions × {} components, {} advisories",
        args.versions,
        args.components,
        picks.len()
    );
    println!();
    let kinds = |k: Kind| picks.iter().filter(|p| p.kind == k).count();
    println!(
        "pool: {} packages ({} real from the OSV data, {} made up), Zipf s = {ZIPF_S} by rank; advisories: {} on hot \
         packages (rank < {HOT_RANKS}), {} on a uniformly drawn pool package, {} from the whole index",
        pool.variants.len(),
        pool.real,
        pool.variants.len() - pool.real,
        kinds(Kind::Hot),
        kinds(Kind::Pool),
        kinds(Kind::Any)
    );
    println!();
    println!(
        "| backend | component rows | population s | rows/s | p50 ms | p99 ms | max ms | mean affected PVs | mean occurrence rows | max rows | goal p99 < 100 ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for r in results {
        let b = &r.b3;
        let mut sorted = b.latencies.clone();
        sorted.sort_unstable();
        let n = sorted.len().max(1) as f64;
        let p99 = percentile(&sorted, 0.99);
        println!(
            "| {} | {} | {:.1} | {:.0} | {:.2} | {:.2} | {:.2} | {:.1} | {:.1} | {} | {} |",
            r.backend,
            b.rows,
            b.population.as_secs_f64(),
            b.rows as f64 / b.population.as_secs_f64(),
            ms(percentile(&sorted, 0.5)),
            ms(p99),
            ms(sorted.last().copied().unwrap_or_default()),
            b.affected_total as f64 / n,
            b.occurrence_rows as f64 / n,
            b.max_rows,
            if p99 < Duration::from_millis(100) { "met" } else { "NOT met" },
        );
    }
    println!();
    for r in results {
        let b = &r.b3;
        let per = |(count, total): (usize, usize)| if count == 0 { 0.0 } else { total as f64 / count as f64 };
        println!(
            "{}: time in Store::occurrences {:.1} s, in Index::evaluate {:.1} s; mean affected PVs by kind: hot {:.1}, \
             pool {:.1}, any {:.1}; slowest advisory {}",
            r.backend,
            b.lookups.as_secs_f64(),
            b.evaluation.as_secs_f64(),
            per(b.affected_by_kind[0]),
            per(b.affected_by_kind[1]),
            per(b.affected_by_kind[2]),
            b.max_latency_advisory
        );
    }
    println!();
    println!("### B3 strawman: rescan the portfolio (components_of every product version, test every component)");
    println!();
    println!(
        "| backend | advisories | rows read per advisory | rescan mean s | reverse query mean ms (same advisories) | ratio | answers equal |"
    );
    println!("|---|---:|---:|---:|---:|---:|---|");
    for r in results {
        let b = &r.b3;
        if b.rescans.is_empty() {
            continue;
        }
        let n = b.rescans.len() as f64;
        let rescan = b.rescans.iter().map(|(r, _)| r.as_secs_f64()).sum::<f64>() / n;
        let reverse = b.rescans.iter().map(|(_, q)| q.as_secs_f64()).sum::<f64>() / n;
        println!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.0}× | {} |",
            r.backend,
            b.rescans.len(),
            b.rescan_rows,
            rescan,
            reverse * 1000.0,
            rescan / reverse.max(1e-9),
            if b.mismatches == 0 { "yes".to_owned() } else { format!("NO ({} differ)", b.mismatches) }
        );
    }
    out
}
