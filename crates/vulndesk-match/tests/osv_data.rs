//! The matching engine on real OSV data: the PyPI, Go and crates.io `all.zip` archives in
//! `../shared/data/osv` (pypa/advisory-database, CC-BY-4.0; golang/vulndb, CC-BY-4.0;
//! rustsec/advisory-db, CC0-1.0), loaded whole and scanned with a CycloneDX SBOM of
//! package versions whose advisories were checked by hand against the records.

mod common;

use std::path::PathBuf;
use std::sync::LazyLock;

use vulndesk_match::osv::SkipReason;
use vulndesk_match::{Ecosystem, Index, LoadReport, Progress, findings_json, load_paths, scan_sbom, scan_sbom_report};

fn archive(ecosystem: &str) -> PathBuf {
    let path = common::data_dir("osv").join(ecosystem).join("all.zip");
    assert!(path.is_file(), "the OSV archive {} is missing from the shared test data", path.display());
    path
}

/// The three archives, loaded once for all tests of this file.
static LOADED: LazyLock<(Index, LoadReport, usize)> = LazyLock::new(|| {
    let paths = [archive("PyPI"), archive("Go"), archive("crates.io")];
    let mut paths_seen = 0;
    let (index, report) = load_paths(&paths, |progress| {
        if let Progress::Path { .. } = progress {
            paths_seen += 1;
        }
    })
    .expect("the shared OSV archives load");
    (index, report, paths_seen)
});

#[test]
fn loads_the_three_archives() {
    let (index, report, paths_seen) = &*LOADED;
    println!("{report}");
    assert_eq!(*paths_seen, 3);
    assert_eq!(report.files, 2661 + 4291 + 1206);
    assert_eq!(report.records_read, 2661 + 4291 + 1206);
    assert_eq!(index.database().len(), 2661 + 4291 + 1206, "ids are unique across the archives");
    let by_ecosystem: Vec<(&str, usize)> =
        report.records_by_ecosystem.iter().map(|(name, count)| (name.as_str(), *count)).collect();
    assert_eq!(by_ecosystem, [("Go", 4291), ("PyPI", 2661), ("crates.io", 1206)]);
    assert_eq!(report.withdrawn, 10 + 17 + 13);
    assert_eq!(report.git_ranges_ignored, 1391, "only the PyPI records have GIT ranges");
    assert_eq!(report.affected_entries, 2661 + 6125 + 1206);
    assert_eq!(report.ranges, 2659 + 6125 + 1206, "every SEMVER and ECOSYSTEM range parses");
    assert_eq!(report.listed_versions, 140_847 - report.unparseable_versions.count);
    // Every PyPI string parses (legacy versions get PEP 440's legacy order) and the Go and
    // RustSec ranges are valid SemVer, so nothing is unparseable in this data.
    assert_eq!(report.unparseable_versions.count, 0, "{:?}", report.unparseable_versions.examples);
    assert_eq!(report.skipped_count(SkipReason::UnknownEcosystem), 0);
    assert_eq!(report.skipped_count(SkipReason::InvalidModified), 0);
    // PYSEC-2022-15 (loguru) names its package with neither ranges nor versions.
    assert_eq!(report.skipped_count(SkipReason::NothingToMatch), 1);
    assert_eq!((report.inserted, report.replaced, report.kept_existing), (8158, 0, 0));
}

#[test]
fn loading_an_archive_twice_keeps_one_copy() {
    let path = archive("crates.io");
    let (index, report) = load_paths(&[path.clone(), path], |_| {}).expect("loads");
    assert_eq!((report.inserted, report.replaced, report.kept_existing), (1206, 0, 1206));
    assert_eq!(index.database().len(), 1206);
}

#[test]
fn queries_find_real_advisories() {
    let (index, _, _) = &*LOADED;
    let ids = |ecosystem, name, version| -> Vec<String> {
        let mut ids: Vec<String> = index
            .query(ecosystem, name, version)
            .expect("a valid version")
            .iter()
            .map(|hit| hit.advisory.id.clone())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        ids(Ecosystem::Go, "github.com/gin-gonic/gin", "v1.5.0"),
        ["GO-2020-0001", "GO-2021-0052", "GO-2023-1737"]
    );
    assert_eq!(ids(Ecosystem::PyPI, "PyYAML", "5.1"), ["PYSEC-2020-176", "PYSEC-2020-96", "PYSEC-2021-142"]);
    assert_eq!(
        ids(Ecosystem::CratesIo, "openssl", "0.10.8"),
        [
            "RUSTSEC-2018-0010",
            "RUSTSEC-2023-0022",
            "RUSTSEC-2023-0023",
            "RUSTSEC-2023-0024",
            "RUSTSEC-2023-0044",
            "RUSTSEC-2023-0072",
            "RUSTSEC-2024-0357",
            "RUSTSEC-2025-0004",
        ]
    );
    assert!(ids(Ecosystem::CratesIo, "openssl", "0.10.72").is_empty());
    let coverage = index.coverage("RUSTSEC-2018-0003").expect("a known advisory");
    assert_eq!(coverage.len(), 1);
    assert_eq!((coverage[0].name, coverage[0].ranges.len(), coverage[0].ranges[0].events.len()), ("smallvec", 1, 8));
}

/// A CycloneDX 1.5 SBOM with real vulnerable and fixed versions, a component without a purl
/// and one of an ecosystem the archives do not cover.
fn sbom_json() -> String {
    let components = [
        ("pkg:pypi/Jinja2@2.10", "jinja2"),
        ("pkg:pypi/pyyaml@5.1", "pyyaml"),
        ("pkg:pypi/accesscontrol@5.1", "accesscontrol"),
        ("pkg:pypi/jinja2@3.1.4", "jinja2-new"),
        ("pkg:golang/github.com/gin-gonic/gin@v1.6.0", "gin"),
        ("pkg:cargo/smallvec@0.6.9", "smallvec"),
        ("pkg:cargo/time@0.2.10", "time"),
        ("pkg:cargo/smallvec@1.13.2", "smallvec-new"),
        ("pkg:npm/left-pad@1.3.0", "left-pad"),
    ];
    let mut list: Vec<serde_json::Value> = components
        .iter()
        .map(|(purl, name)| serde_json::json!({"type": "library", "bom-ref": name, "name": name, "purl": purl}))
        .collect();
    list.push(serde_json::json!({"type": "library", "bom-ref": "nopurl", "name": "nopurl", "version": "1.0"}));
    serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1, "components": list}).to_string()
}

#[test]
fn scans_a_cyclonedx_sbom() {
    let (index, _, _) = &*LOADED;
    let (sbom, diagnostics) = vulndesk_formats::sbom::read_sbom(sbom_json().as_bytes()).expect("a valid SBOM");
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let findings = scan_sbom(&sbom, index);
    let summary: Vec<(&str, &str, Vec<&str>)> = findings
        .iter()
        .map(|f| (f.purl.as_str(), f.advisory.as_str(), f.fixed.iter().map(String::as_str).collect()))
        .collect();
    let expected: Vec<(&str, &str, Vec<&str>)> = vec![
        ("pkg:cargo/smallvec@0.6.9", "RUSTSEC-2018-0018", vec!["0.6.13"]),
        ("pkg:cargo/smallvec@0.6.9", "RUSTSEC-2019-0009", vec!["0.6.10"]),
        ("pkg:cargo/smallvec@0.6.9", "RUSTSEC-2019-0012", vec!["0.6.10"]),
        ("pkg:cargo/smallvec@0.6.9", "RUSTSEC-2021-0003", vec!["0.6.14", "1.6.1"]),
        (
            "pkg:cargo/time@0.2.10",
            "RUSTSEC-2020-0071",
            vec!["0.2.0", "0.2.1", "0.2.2", "0.2.3", "0.2.4", "0.2.5", "0.2.6", "0.2.23"],
        ),
        ("pkg:golang/github.com/gin-gonic/gin@v1.6.0", "GO-2021-0052", vec!["1.7.7"]),
        ("pkg:golang/github.com/gin-gonic/gin@v1.6.0", "GO-2023-1737", vec!["1.9.1"]),
        ("pkg:pypi/accesscontrol@5.1", "PYSEC-2021-335", vec!["4.3", "5.2"]),
        ("pkg:pypi/accesscontrol@5.1", "PYSEC-2021-370", vec!["4.3", "5.2"]),
        ("pkg:pypi/jinja2@2.10", "PYSEC-2019-217", vec!["2.10.1"]),
        ("pkg:pypi/jinja2@2.10", "PYSEC-2021-66", vec!["2.11.3"]),
        ("pkg:pypi/pyyaml@5.1", "PYSEC-2020-176", vec!["5.2b1"]),
        ("pkg:pypi/pyyaml@5.1", "PYSEC-2020-96", vec!["5.3.1"]),
        ("pkg:pypi/pyyaml@5.1", "PYSEC-2021-142", vec!["5.4"]),
    ];
    assert_eq!(summary, expected);

    // Names, ecosystems, aliases and severities come from the records.
    let gin = &findings[5];
    assert_eq!(
        (gin.name.as_str(), gin.version.as_str(), gin.ecosystem.as_str()),
        ("github.com/gin-gonic/gin", "v1.6.0", "Go")
    );
    assert_eq!(gin.aliases, ["CVE-2020-28483", "GHSA-h395-qcrw-5vmq"].map(str::to_owned).to_vec());
    assert_eq!(gin.severity, None, "Go records carry no severity");
    // Severities are FIRST's ratings of the records' CVSS vectors; RUSTSEC-2018-0018 and the
    // PyPI records have none.
    let severities: Vec<Option<&str>> = findings.iter().map(|f| f.severity.as_deref()).collect();
    let mut expected_severities = vec![None, Some("CRITICAL"), Some("CRITICAL"), Some("CRITICAL"), Some("MEDIUM")];
    expected_severities.extend([None; 9]);
    assert_eq!(severities, expected_severities);
    assert_eq!(
        findings_json(&findings[1..2]),
        r#"{"findings":[{"purl":"pkg:cargo/smallvec@0.6.9","name":"smallvec","version":"0.6.9","ecosystem":"crates.io","advisory":"RUSTSEC-2019-0009","aliases":["CVE-2019-15551","GHSA-mm7v-vpv8-xfc3"],"fixed":["0.6.10"],"severity":"CRITICAL"}]}"#
    );

    let report = scan_sbom_report(&sbom, index);
    assert_eq!((report.components, report.scanned), (10, 9));
    assert_eq!(report.unscanned.values().flatten().collect::<Vec<_>>(), ["nopurl"]);
}
