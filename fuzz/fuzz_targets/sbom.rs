//! The any-format SBOM reader (`vulndesk_formats::sbom::read_sbom_with`): CycloneDX JSON 1.2-1.7,
//! CycloneDX XML, CycloneDX textproto, SPDX 2.x JSON and tag-value, SPDX 3.0 JSON-LD; and
//! the scan of the imported SBOM against a small OSV index (`vulndesk_match::scan_sbom_report`).
//!
//! The limits are the ones the web upload uses (`catalogue::SBOM_MAX_BYTES`, 64 MiB, and the
//! default nesting limit of 64).
//!
//! Properties: reading and scanning never panic; every component's purl prints in canonical
//! form, which parses back to the same purl; errors and diagnostics render.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vulndesk_formats::purl::Purl;
use vulndesk_formats::sbom::{ReadOptions, read_sbom_with};
use vulndesk_match::{Index, findings_json, findings_table, scan_sbom_report};

/// `vulndesk_web::catalogue::SBOM_MAX_BYTES`.
const SBOM_MAX_BYTES: usize = 64 << 20;

/// OSV records for a few packages the seed SBOMs name, so that scanning finds something.
fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let record = |id: &str, ecosystem: &str, name: &str| {
            serde_json::json!({
                "id": id, "modified": "2024-01-01T00:00:00Z", "aliases": ["CVE-2024-0001"],
                "summary": "fuzz fixture",
                "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
                "affected": [{
                    "package": {"ecosystem": ecosystem, "name": name},
                    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "99"}]}],
                    "versions": ["1.0.0", "1.2.3"]
                }]
            })
            .to_string()
        };
        let records = [
            record("FUZZ-1", "npm", "lodash"),
            record("FUZZ-2", "PyPI", "django"),
            record("FUZZ-3", "Maven", "org.apache.logging.log4j:log4j-core"),
            record("FUZZ-4", "crates.io", "serde"),
            record("FUZZ-5", "Debian:12", "openssl"),
            record("FUZZ-6", "Go", "golang.org/x/net"),
        ];
        Index::from_records(records.iter().map(String::as_bytes)).0
    })
}

fuzz_target!(|data: &[u8]| {
    let options = ReadOptions { max_bytes: SBOM_MAX_BYTES, ..ReadOptions::default() };
    let (sbom, diagnostics) = match read_sbom_with(data, options) {
        Ok(read) => read,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    for d in &diagnostics {
        let _ = d.to_string();
    }
    let _ = sbom.format.to_string();
    for component in &sbom.components {
        if let Some(purl) = &component.purl {
            let canonical = purl.to_string();
            match Purl::parse(&canonical) {
                Ok(again) => assert_eq!(&again, purl, "component purl {canonical:?} changes when read back"),
                Err(e) => panic!("component purl prints as {canonical:?}, which does not parse: {e}"),
            }
        }
    }
    let report = scan_sbom_report(&sbom, index());
    let _ = findings_json(&report.findings);
    let _ = findings_table(&report.findings);
});
