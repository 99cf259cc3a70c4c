//! The CSAF trusted-provider files of [`csaf_provider`]: provider metadata
//! valid against the OASIS provider schema (with local copies of the CSAF
//! and FIRST CVSS schemas it references, `shared/data/csaf`, oasis-tcs/csaf),
//! a ROLIE feed shaped like the OASIS example feed, hash files that the real
//! `sha256sum -c` / `sha512sum -c` accept, and the `index.txt` /
//! `changes.csv` contents and order.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};
use vulndesk_formats::advisory::{Publisher, Tlp};
use vulndesk_formats::csaf_provider::{
    self, Algo, Entry, ProviderInfo, changes_csv, document_path, hash_line, index_txt, provider_metadata, rolie_feed,
    security_txt_line,
};

const CSAF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/csaf");

fn read_json(rel: &str) -> Value {
    let text = std::fs::read_to_string(format!("{CSAF}/{rel}")).unwrap_or_else(|e| panic!("read {rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel} is not JSON: {e}"))
}

fn provider_validator() -> jsonschema::Validator {
    let resource = |rel: &str| jsonschema::Resource::from_contents(read_json(rel)).expect("a schema resource");
    jsonschema::options()
        .should_validate_formats(true)
        .with_resource(csaf_provider::CSAF_SCHEMA_URL, resource("json_schema/csaf_json_schema.json"))
        .with_resource("https://www.first.org/cvss/cvss-v2.0.json", resource("referenced_schema/first/cvss-v2.0.json"))
        .with_resource("https://www.first.org/cvss/cvss-v3.0.json", resource("referenced_schema/first/cvss-v3.0.json"))
        .with_resource("https://www.first.org/cvss/cvss-v3.1.json", resource("referenced_schema/first/cvss-v3.1.json"))
        .build(&read_json("json_schema/provider_json_schema.json"))
        .expect("the provider schema compiles with local references only")
}

fn assert_valid_metadata(doc: &Value) {
    let v = provider_validator();
    let errors: Vec<String> = v.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "invalid provider metadata: {errors:#?}\n{doc:#}");
}

fn info() -> ProviderInfo {
    ProviderInfo {
        canonical_url: "https://psirt.example.com/.well-known/csaf/provider-metadata.json".into(),
        base_url: "https://psirt.example.com/.well-known/csaf".into(),
        publisher: Publisher {
            name: "Example PSIRT".into(),
            namespace: "https://psirt.example.com".into(),
            contact: Some("psirt@example.com".into()),
        },
        public_key_url: "https://psirt.example.com/.well-known/csaf/openpgp/psirt.asc".into(),
        fingerprint: "8F5F267907B2C4559DB360DB2294BA7D2B2298B1".into(),
        last_updated: "2026-03-01T10:00:00Z".into(),
        list_on_aggregators: true,
        mirror_on_aggregators: true,
    }
}

fn entry(tlp: Tlp, id: &str, initial: &str, current: &str) -> Entry {
    Entry {
        tlp,
        path: document_path(id, initial),
        id: id.into(),
        title: format!("{id}: Example advisory"),
        initial_release_date: initial.into(),
        current_release_date: current.into(),
        summary: format!("Vulnerabilities fixed ({id})"),
    }
}

fn entries() -> Vec<Entry> {
    vec![
        entry(Tlp::Clear, "VD-2025-0042", "2025-12-30T08:00:00Z", "2026-02-10T08:00:00Z"),
        entry(Tlp::Clear, "VD-2026-0001", "2026-01-05T08:00:00Z", "2026-01-05T08:00:00Z"),
        entry(Tlp::Clear, "VD-2026-0002", "2026-02-01T08:00:00Z", "2026-02-20T12:30:00Z"),
        entry(Tlp::Amber, "VD-2026-0003", "2026-02-02T08:00:00Z", "2026-02-02T08:00:00Z"),
    ]
}

#[test]
fn provider_metadata_validates_for_any_set_of_labels() {
    for tlps in [&[Tlp::Clear][..], &[Tlp::Clear, Tlp::Amber], &Tlp::ALL, &[]] {
        assert_valid_metadata(&provider_metadata(&info(), tlps));
    }
    let mut no_contact = info();
    no_contact.publisher.contact = None;
    no_contact.mirror_on_aggregators = false;
    assert_valid_metadata(&provider_metadata(&no_contact, &[Tlp::Green]));
}

#[test]
fn the_provider_schema_is_really_checked() {
    let v = provider_validator();
    let mut doc = provider_metadata(&info(), &[Tlp::Clear]);
    doc["publisher"]["category"] = json!("psirt");
    assert!(!v.is_valid(&doc), "a bad publisher category (from the referenced CSAF schema) was accepted");
    let mut doc = provider_metadata(&info(), &[Tlp::Clear]);
    doc["distributions"][1]["rolie"]["feeds"][0]["tlp_label"] = json!("CLEAR");
    assert!(!v.is_valid(&doc), "TLP 2.0's CLEAR is not a CSAF 2.0 label");
}

#[test]
fn provider_metadata_content() {
    let doc = provider_metadata(&info(), &[Tlp::Amber, Tlp::Clear]);
    assert_eq!(doc["role"], "csaf_trusted_provider");
    assert_eq!(doc["metadata_version"], "2.0");
    assert_eq!(doc["canonical_url"], info().canonical_url);
    assert_eq!(
        doc["publisher"],
        json!({"category": "vendor", "name": "Example PSIRT", "namespace": "https://psirt.example.com", "contact_details": "psirt@example.com"})
    );
    assert_eq!(
        doc["public_openpgp_keys"],
        json!([{"fingerprint": "8F5F267907B2C4559DB360DB2294BA7D2B2298B1", "url": "https://psirt.example.com/.well-known/csaf/openpgp/psirt.asc"}])
    );
    assert_eq!(
        doc["distributions"],
        json!([
            {"directory_url": "https://psirt.example.com/.well-known/csaf/white"},
            {"directory_url": "https://psirt.example.com/.well-known/csaf/amber"},
            {"rolie": {"feeds": [
                {"summary": "All TLP:WHITE advisories of Example PSIRT.", "tlp_label": "WHITE",
                 "url": "https://psirt.example.com/.well-known/csaf/white/csaf-feed-tlp-white.json"},
                {"summary": "All TLP:AMBER advisories of Example PSIRT.", "tlp_label": "AMBER",
                 "url": "https://psirt.example.com/.well-known/csaf/amber/csaf-feed-tlp-amber.json"}
            ]}}
        ])
    );
}

/// The shape of a JSON value: objects by their keys, arrays by their
/// elements' shapes (deduplicated), scalars by type.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(items) => {
            let mut shapes: Vec<Value> = Vec::new();
            for s in items.iter().map(shape) {
                if !shapes.contains(&s) {
                    shapes.push(s);
                }
            }
            Value::Array(shapes)
        }
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => Value::Null,
    }
}

#[test]
fn the_rolie_feed_has_the_shape_of_the_oasis_example() {
    let example = read_json("examples/ROLIE/example-01-feed-tlp-white.json");
    let ours = rolie_feed(&info(), Tlp::Clear, &entries());
    assert_eq!(shape(&ours), shape(&example));
    // Same fixed values as the example.
    assert_eq!(ours["feed"]["category"], example["feed"]["category"]);
    assert_eq!(ours["feed"]["entry"][0]["format"], example["feed"]["entry"][0]["format"]);
    assert_eq!(ours["feed"]["entry"][0]["content"]["type"], "application/json");
    let rels = |feed: &Value| -> Vec<String> {
        let mut rels: Vec<String> = feed["feed"]["entry"][0]["link"]
            .as_array()
            .expect("links")
            .iter()
            .filter_map(|l| l["rel"].as_str().map(str::to_owned))
            .collect();
        rels.dedup();
        rels
    };
    assert_eq!(rels(&ours), rels(&example));
}

#[test]
fn the_rolie_feed_lists_one_label_newest_first() {
    let feed = rolie_feed(&info(), Tlp::Clear, &entries());
    let f = &feed["feed"];
    assert_eq!(f["id"], "csaf-feed-tlp-white");
    assert_eq!(f["title"], "Example PSIRT CSAF feed (TLP:WHITE)");
    assert_eq!(
        f["link"],
        json!([{"rel": "self", "href": "https://psirt.example.com/.well-known/csaf/white/csaf-feed-tlp-white.json"}])
    );
    assert_eq!(f["updated"], "2026-02-20T12:30:00Z");
    let ids: Vec<&str> = f["entry"].as_array().expect("entries").iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(ids, ["VD-2026-0002", "VD-2025-0042", "VD-2026-0001"]);
    let url = "https://psirt.example.com/.well-known/csaf/white/2026/vd-2026-0002.json";
    assert_eq!(
        f["entry"][0]["link"],
        json!([
            {"rel": "self", "href": url},
            {"rel": "hash", "href": format!("{url}.sha256")},
            {"rel": "hash", "href": format!("{url}.sha512")},
            {"rel": "signature", "href": format!("{url}.asc")}
        ])
    );
    assert_eq!(f["entry"][0]["content"]["src"], url);
    assert_eq!(f["entry"][0]["published"], "2026-02-01T08:00:00Z");
    assert_eq!(f["entry"][0]["updated"], "2026-02-20T12:30:00Z");
    // An empty feed is still a feed, updated when the provider was.
    let empty = rolie_feed(&info(), Tlp::Red, &entries());
    assert_eq!(empty["feed"]["entry"], json!([]));
    assert_eq!(empty["feed"]["updated"], "2026-03-01T10:00:00Z");
}

#[test]
fn paths_follow_the_csaf_file_name_rule() {
    assert_eq!(document_path("VD-2026-0001", "2026-01-05T08:00:00Z"), "2026/vd-2026-0001.json");
    assert_eq!(
        document_path("Example Company - 2020-YH4711", "2020-07-01T10:09:07Z"),
        "2020/example_company_-_2020-yh4711.json"
    );
    assert_eq!(document_path("VD-2025-0042", "2025-12-30T08:00:00Z"), "2025/vd-2025-0042.json");
}

#[test]
fn index_txt_lists_every_path() {
    let white: Vec<Entry> = entries().into_iter().filter(|e| e.tlp == Tlp::Clear).collect();
    assert_eq!(index_txt(&white), "2025/vd-2025-0042.json\n2026/vd-2026-0001.json\n2026/vd-2026-0002.json\n");
    assert_eq!(index_txt(&[]), "");
}

#[test]
fn changes_csv_is_quoted_and_newest_first() {
    let white: Vec<Entry> = entries().into_iter().filter(|e| e.tlp == Tlp::Clear).collect();
    assert_eq!(
        changes_csv(&white),
        "\"2026/vd-2026-0002.json\",\"2026-02-20T12:30:00Z\"\n\
         \"2025/vd-2025-0042.json\",\"2026-02-10T08:00:00Z\"\n\
         \"2026/vd-2026-0001.json\",\"2026-01-05T08:00:00Z\"\n"
    );
    let mut odd = white[0].clone();
    odd.path = "2026/a\"b.json".into();
    assert_eq!(changes_csv(&[odd]), "\"2026/a\"\"b.json\",\"2026-02-10T08:00:00Z\"\n");
}

/// A temporary directory, removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn hash_files_pass_sha256sum_and_sha512sum() {
    let dir = TempDir(std::env::temp_dir().join(format!("vd-csaf-hash-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).expect("create the temp dir");
    let name = "vd-2026-0001.json";
    let bytes = "{\"document\": {\"title\": \"示例\"}}\n".as_bytes();
    std::fs::write(dir.0.join(name), bytes).expect("write the document");
    for (algo, tool) in [(Algo::Sha256, "sha256sum"), (Algo::Sha512, "sha512sum")] {
        let line = hash_line(bytes, name, algo);
        let hash_file = format!("{name}.{}", algo.extension());
        std::fs::write(dir.0.join(&hash_file), &line).expect("write the hash file");
        let out = Command::new(tool).arg("-c").arg(&hash_file).current_dir(&dir.0).output().expect("run the tool");
        assert!(
            out.status.success(),
            "{tool} -c {hash_file} failed on {line:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        // And the tool's own output is what we wrote.
        let own = Command::new(tool).arg(name).current_dir(&dir.0).output().expect("run the tool");
        assert_eq!(String::from_utf8_lossy(&own.stdout), line);
    }
    // A changed document fails the check.
    std::fs::write(dir.0.join(name), b"{}").expect("tamper");
    let out =
        Command::new("sha256sum").args(["-c", &format!("{name}.sha256")]).current_dir(&dir.0).output().expect("run");
    assert!(!out.status.success());
}

#[test]
fn security_txt_points_to_the_provider_metadata() {
    assert_eq!(
        security_txt_line("https://psirt.example.com/.well-known/csaf/provider-metadata.json"),
        "CSAF: https://psirt.example.com/.well-known/csaf/provider-metadata.json"
    );
}
