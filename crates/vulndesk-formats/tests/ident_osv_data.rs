//! Real ids: every `id`, `aliases`, `related` and `upstream` entry of the OSV records in
//! `shared/data/osv/{PyPI,Go,crates.io}/all.zip` (PyPA advisory database, Go vulnerability
//! database, RustSec; CC-BY-4.0 and CC0-1.0) that looks like a CVE, GHSA, PYSEC, GO or RUSTSEC id
//! must parse as one, with its spelling kept; and the CVE JSON 5 examples in `shared/data/cve`.
//!
//! The data holds one malformed alias (a GHSA id with a trailing comma); it is listed in
//! [`KNOWN_MALFORMED`] and must be refused, so a change in the data is noticed either way.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;

use serde_json::Value;
use vulndesk_formats::ident::{IdError, Part, Scheme, VulnId};

/// Where the shared data is, relative to this crate.
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

/// Ids in the data that are malformed, with the scheme and part the error must name.
const KNOWN_MALFORMED: &[(&str, Scheme, Part)] = &[("GHSA-jf66-3q76-h5p5,", Scheme::Ghsa, Part::Group(3))];

/// The prefixes whose ids must all parse, and the scheme each gets.
const PREFIXES: &[(&str, Scheme)] = &[
    ("CVE-", Scheme::Cve),
    ("GHSA-", Scheme::Ghsa),
    ("PYSEC-", Scheme::Osv("PYSEC")),
    ("GO-", Scheme::Osv("GO")),
    ("RUSTSEC-", Scheme::Osv("RUSTSEC")),
];

/// Every JSON record in an OSV `all.zip`.
fn records(ecosystem: &str) -> Vec<Value> {
    let path = PathBuf::from(DATA).join("osv").join(ecosystem).join("all.zip");
    let file = File::open(&path).unwrap_or_else(|err| {
        panic!("the OSV data is missing: expected {} (shared/data beside the project): {err}", path.display())
    });
    let mut archive = zip::ZipArchive::new(BufReader::new(file)).expect("a zip archive");
    let mut records = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index_raw(index).expect("a zip entry");
        let mut raw = Vec::new();
        entry.read_to_end(&mut raw).expect("the entry's bytes");
        let method = entry.compression();
        let bytes = if method == zip::CompressionMethod::Stored {
            raw
        } else {
            assert_eq!(method, zip::CompressionMethod::DEFLATE, "entry {index} of {}", path.display());
            let mut inflated = Vec::new();
            flate2::read::DeflateDecoder::new(raw.as_slice()).read_to_end(&mut inflated).expect("deflated data");
            inflated
        };
        records.push(serde_json::from_slice(&bytes).expect("a JSON record"));
    }
    records
}

/// Every id a record names.
fn ids_of(record: &Value) -> Vec<String> {
    let mut ids = vec![record["id"].as_str().expect("an id").to_owned()];
    for field in ["aliases", "related", "upstream"] {
        if let Some(list) = record[field].as_array() {
            ids.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
        }
    }
    ids
}

#[test]
fn every_id_in_the_shared_osv_data_parses() {
    let mut seen = BTreeSet::new();
    for (ecosystem, expected_records) in [("PyPI", 2661), ("Go", 4291), ("crates.io", 1206)] {
        let records = records(ecosystem);
        assert_eq!(records.len(), expected_records, "{ecosystem}: the README's count");
        for record in &records {
            seen.extend(ids_of(record));
        }
    }
    let mut checked = [0usize; 5];
    let mut malformed = Vec::new();
    for text in &seen {
        let Some(kind) = PREFIXES.iter().position(|(prefix, _)| text.starts_with(prefix)) else { continue };
        match VulnId::parse(text) {
            Ok(id) => {
                assert_eq!(id.scheme(), PREFIXES[kind].1, "{text}");
                assert_eq!(&id.to_string(), text, "the data's spelling is canonical");
                checked[kind] += 1;
            }
            Err(IdError::Invalid { scheme, part, .. }) => malformed.push((text.as_str(), scheme, part)),
            Err(err) => panic!("{text}: {err}"),
        }
    }
    assert_eq!(malformed, KNOWN_MALFORMED, "only the known malformed ids are refused");
    // Distinct ids in the three archives (2026 snapshots; see shared/data/README.md).
    println!("distinct ids parsed (CVE, GHSA, PYSEC, GO, RUSTSEC): {checked:?}");
    assert!(checked.iter().all(|&count| count > 1000), "{checked:?}");
    assert_eq!(checked[2], 2661, "one PYSEC id per PyPI record");
    assert_eq!(checked[3], 4291, "one GO id per Go record");
}

#[test]
fn the_cve_schema_examples() {
    // The CVE program's examples use CVE-1900-1234, which matches the schema's pattern
    // but not the CVE numbering rules (years start at 1999), so vulndesk refuses it.
    for name in ["full-record-basic-example.json", "full-record-advanced-example.json"] {
        let path = PathBuf::from(DATA).join("cve").join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let record: Value = serde_json::from_str(&text).expect("JSON");
        let id = record["cveMetadata"]["cveId"].as_str().expect("cveMetadata.cveId");
        assert_eq!(id, "CVE-1900-1234");
        assert!(matches!(VulnId::parse(id), Err(IdError::Invalid { scheme: Scheme::Cve, part: Part::Year, .. })));
    }
}
