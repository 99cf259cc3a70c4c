//! What suppliers say about their products and vulnerabilities, read from CSAF 2.0 documents
//! (security advisories and VEX profiles alike) and CycloneDX VEX (or any CycloneDX BOM with
//! `vulnerabilities[]`), into one neutral list of statements: this vulnerability is affecting,
//! not affecting (with the justification), fixed or under investigation in this product.
//!
//! An operator's findings use them twice (Art. 8): an affecting statement whose product is one
//! of its assets is a finding; a not-affected statement closes the finding with the document and
//! justification as its evidence.
//!
//! Reading is lenient where the standards are (unknown fields are ignored) and strict where a
//! statement would be meaningless: a vulnerability without an id, or a product reference that
//! names nothing, is skipped and counted, never guessed.

use std::collections::HashMap;

use serde_json::Value;

use crate::purl::Purl;

/// What a statement says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The product is affected.
    Affected,
    /// The product is not affected (see the justification).
    NotAffected,
    /// The product is fixed.
    Fixed,
    /// The supplier is still investigating.
    UnderInvestigation,
}

/// A product a statement is about: a package URL, or vendor, product and a version (or range).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductRef {
    /// The product's package URL, when the document gives a valid one.
    pub purl: Option<Purl>,
    /// The vendor (CSAF `vendor` branch, CycloneDX `supplier.name`).
    pub vendor: String,
    /// The product's name.
    pub product: String,
    /// One version, if the document names one.
    pub version: String,
    /// A version range (`vers:…`, or as written, such as `<=1.14.0`).
    pub range: String,
}

/// One statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The vulnerability: its CVE when there is one, otherwise the document's own id for it.
    pub vulnerability: String,
    /// Every id the document gives the vulnerability (CVE included).
    pub aliases: Vec<String>,
    /// `critical`, `high`, `medium` or `low`, when the document rates it.
    pub grade: Option<String>,
    /// What is said.
    pub status: Status,
    /// Why it is not affected (CSAF flag label or CycloneDX justification, and the details).
    pub justification: String,
    /// The product.
    pub product: ProductRef,
}

/// A document's statements.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statements {
    /// The document's id (CSAF `tracking.id`, CycloneDX `serialNumber`), or empty.
    pub document: String,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
    /// References that named no product, skipped.
    pub skipped: usize,
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VexError {
    /// Not JSON.
    #[error("not JSON: {0}")]
    Json(String),
    /// Neither CSAF 2.0 nor CycloneDX.
    #[error("neither a CSAF 2.0 document (document.csaf_version) nor CycloneDX (bomFormat)")]
    Format,
    /// No vulnerabilities at all.
    #[error("the document has no vulnerabilities[]")]
    NoVulnerabilities,
}

/// Reads a CSAF 2.0 or CycloneDX (JSON) document.
pub fn read(bytes: &[u8]) -> Result<Statements, VexError> {
    let json: Value = serde_json::from_slice(bytes).map_err(|e| VexError::Json(e.to_string()))?;
    if json["document"]["csaf_version"].is_string() {
        from_csaf(&json)
    } else if json["bomFormat"] == "CycloneDX" {
        from_cyclonedx(&json)
    } else {
        Err(VexError::Format)
    }
}

/// The format `read` takes a document for: `csaf` or `cyclonedx`.
pub fn format_of(bytes: &[u8]) -> Option<&'static str> {
    let json: Value = serde_json::from_slice(bytes).ok()?;
    if json["document"]["csaf_version"].is_string() {
        Some("csaf")
    } else if json["bomFormat"] == "CycloneDX" {
        Some("cyclonedx")
    } else {
        None
    }
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().trim().to_owned()
}

fn purl_of(v: &Value) -> Option<Purl> {
    v.as_str().and_then(|p| Purl::parse(p).ok())
}

/// A grade from a severity word (`CRITICAL`, `High`, `moderate`, …).
pub fn grade_of(severity: &str) -> Option<String> {
    match severity.trim().to_ascii_lowercase().as_str() {
        "critical" => Some("critical".into()),
        "high" | "important" => Some("high".into()),
        "medium" | "moderate" => Some("medium".into()),
        "low" => Some("low".into()),
        _ => None,
    }
}

/// How strict a grade is: critical 4 … low 1, anything else 0.
pub fn grade_rank(grade: &str) -> u8 {
    match grade {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// The strictest of two grades.
fn stricter(a: Option<String>, b: Option<String>) -> Option<String> {
    let rank = |g: &Option<String>| grade_rank(g.as_deref().unwrap_or_default());
    if rank(&b) > rank(&a) { b } else { a }
}

/// Walks a CSAF branch tree, collecting each product id's reference.
fn walk_branches(branches: &Value, at: ProductRef, out: &mut HashMap<String, ProductRef>) {
    for b in branches.as_array().into_iter().flatten() {
        let mut here = at.clone();
        let name = text(&b["name"]);
        match b["category"].as_str().unwrap_or_default() {
            "vendor" => here.vendor = name,
            "product_name" | "product_family" if here.product.is_empty() || b["category"] == "product_name" => {
                here.product = name;
            }
            "product_version" => here.version = name,
            "product_version_range" => here.range = name,
            _ => {}
        }
        if let Some(id) = b["product"]["product_id"].as_str() {
            let mut p = here.clone();
            if let Some(purl) = purl_of(&b["product"]["product_identification_helper"]["purl"]) {
                p.purl = Some(purl);
            }
            out.insert(id.to_owned(), p);
        }
        walk_branches(&b["branches"], here, out);
    }
}

/// Reads a CSAF 2.0 document's product tree and vulnerabilities.
pub fn from_csaf(json: &Value) -> Result<Statements, VexError> {
    let tree = &json["product_tree"];
    let mut products = HashMap::new();
    walk_branches(&tree["branches"], ProductRef::default(), &mut products);
    for f in tree["full_product_names"].as_array().into_iter().flatten() {
        if let Some(id) = f["product_id"].as_str() {
            products.insert(
                id.to_owned(),
                ProductRef {
                    purl: purl_of(&f["product_identification_helper"]["purl"]),
                    product: text(&f["name"]),
                    ..ProductRef::default()
                },
            );
        }
    }
    // A relationship's product is its component (`product_reference`) installed on or part of
    // another: the component is what an asset's inventory names.
    for r in tree["relationships"].as_array().into_iter().flatten() {
        let (Some(id), Some(of)) = (r["full_product_name"]["product_id"].as_str(), r["product_reference"].as_str())
        else {
            continue;
        };
        if let Some(p) = products.get(of).cloned() {
            products.insert(id.to_owned(), p);
        }
    }
    let vulnerabilities = json["vulnerabilities"].as_array().ok_or(VexError::NoVulnerabilities)?;
    let document = text(&json["document"]["tracking"]["id"]);
    let mut out = Statements { document: document.clone(), ..Statements::default() };
    for v in vulnerabilities {
        let mut aliases: Vec<String> = Vec::new();
        let cve = text(&v["cve"]);
        if !cve.is_empty() {
            aliases.push(cve.clone());
        }
        for id in v["ids"].as_array().into_iter().flatten() {
            let t = text(&id["text"]);
            if !t.is_empty() && !aliases.contains(&t) {
                aliases.push(t);
            }
        }
        let Some(name) = aliases.first().cloned() else {
            out.skipped += 1;
            continue;
        };
        let mut grade = None;
        // CSAF 2.0's `scores` (v3 and v2), CSAF 2.1's `metrics` (which adds v4), and the note a
        // 2.0 document carries a v4 vector in, as vulndesk writes it: `CVSS:4.0/… (base score
        // 9.3, CRITICAL)`.
        let scores = v["scores"].as_array().into_iter().flatten();
        let metrics = v["metrics"].as_array().into_iter().flatten().map(|m| &m["content"]);
        for s in scores.chain(metrics) {
            for key in ["cvss_v4", "cvss_v3", "cvss_v2"] {
                let g = grade_of(s[key]["baseSeverity"].as_str().unwrap_or_default());
                grade = stricter(grade, g);
            }
        }
        for n in v["notes"].as_array().into_iter().flatten() {
            if n["title"] == crate::csaf::CVSS_V4_NOTE_TITLE
                && let Some(text) = n["text"].as_str()
                && let Some(word) = text.trim().strip_suffix(')').and_then(|t| t.rsplit(", ").next())
            {
                grade = stricter(grade, grade_of(word));
            }
        }
        let why = |pid: &str| {
            let mut parts = Vec::new();
            for f in v["flags"].as_array().into_iter().flatten() {
                if f["product_ids"].as_array().into_iter().flatten().any(|p| p == pid) {
                    parts.push(text(&f["label"]));
                }
            }
            for t in v["threats"].as_array().into_iter().flatten().filter(|t| t["category"] == "impact") {
                if t["product_ids"].as_array().into_iter().flatten().any(|p| p == pid) {
                    parts.push(text(&t["details"]));
                }
            }
            parts.retain(|p| !p.is_empty());
            parts.join(": ")
        };
        let status = &v["product_status"];
        for (key, st) in [
            ("known_affected", Status::Affected),
            ("first_affected", Status::Affected),
            ("last_affected", Status::Affected),
            ("known_not_affected", Status::NotAffected),
            ("fixed", Status::Fixed),
            ("first_fixed", Status::Fixed),
            ("under_investigation", Status::UnderInvestigation),
        ] {
            for pid in status[key].as_array().into_iter().flatten().filter_map(Value::as_str) {
                let Some(product) = products.get(pid).cloned() else {
                    out.skipped += 1;
                    continue;
                };
                out.statements.push(Statement {
                    vulnerability: name.clone(),
                    aliases: aliases.clone(),
                    grade: grade.clone(),
                    status: st,
                    justification: if st == Status::NotAffected { why(pid) } else { String::new() },
                    product,
                });
            }
        }
    }
    Ok(out)
}

/// Collects CycloneDX components (nested ones too) by `bom-ref`.
fn collect_components(list: &Value, out: &mut HashMap<String, ProductRef>) {
    for c in list.as_array().into_iter().flatten() {
        let p = ProductRef {
            purl: purl_of(&c["purl"]),
            vendor: Some(text(&c["supplier"]["name"]))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| text(&c["publisher"])),
            product: text(&c["name"]),
            version: text(&c["version"]),
            range: String::new(),
        };
        if let Some(r) = c["bom-ref"].as_str() {
            out.insert(r.to_owned(), p);
        }
        collect_components(&c["components"], out);
    }
}

/// Reads a CycloneDX (JSON) document's `vulnerabilities[]`.
pub fn from_cyclonedx(json: &Value) -> Result<Statements, VexError> {
    let mut components = HashMap::new();
    if json["metadata"]["component"].is_object() {
        collect_components(&Value::Array(vec![json["metadata"]["component"].clone()]), &mut components);
    }
    collect_components(&json["components"], &mut components);
    let vulnerabilities = json["vulnerabilities"].as_array().ok_or(VexError::NoVulnerabilities)?;
    let mut out = Statements { document: text(&json["serialNumber"]), ..Statements::default() };
    for v in vulnerabilities {
        let id = text(&v["id"]);
        if id.is_empty() {
            out.skipped += 1;
            continue;
        }
        let mut aliases = vec![id.clone()];
        for r in v["references"].as_array().into_iter().flatten() {
            let t = text(&r["id"]);
            if !t.is_empty() && !aliases.contains(&t) {
                aliases.push(t);
            }
        }
        let name = aliases.iter().find(|a| a.starts_with("CVE-")).cloned().unwrap_or(id);
        let mut grade = None;
        for r in v["ratings"].as_array().into_iter().flatten() {
            grade = stricter(grade, grade_of(r["severity"].as_str().unwrap_or_default()));
        }
        let analysis = &v["analysis"];
        let state = match analysis["state"].as_str().unwrap_or_default() {
            "not_affected" | "false_positive" => Status::NotAffected,
            "resolved" | "resolved_with_pedigree" => Status::Fixed,
            "in_triage" => Status::UnderInvestigation,
            // `exploitable`, or no analysis: the BOM says the component has the vulnerability.
            _ => Status::Affected,
        };
        let justification = [text(&analysis["justification"]), text(&analysis["detail"])]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(": ");
        for a in v["affects"].as_array().into_iter().flatten() {
            let r = text(&a["ref"]);
            // A BOM-Link (`urn:cdx:…#bom-ref`) names a component of another BOM by its bom-ref.
            let local = r.rsplit_once('#').map_or(r.as_str(), |(_, x)| x);
            let product = components
                .get(&r)
                .or_else(|| components.get(local))
                .cloned()
                .or_else(|| Purl::parse(local).ok().map(|p| ProductRef { purl: Some(p), ..ProductRef::default() }));
            let Some(product) = product else {
                out.skipped += 1;
                continue;
            };
            let versions = a["versions"].as_array().filter(|v| !v.is_empty());
            let Some(versions) = versions else {
                out.statements.push(Statement {
                    vulnerability: name.clone(),
                    aliases: aliases.clone(),
                    grade: grade.clone(),
                    status: state,
                    justification: if state == Status::NotAffected { justification.clone() } else { String::new() },
                    product,
                });
                continue;
            };
            for ver in versions {
                let st = match ver["status"].as_str().unwrap_or_default() {
                    "unaffected" => Status::NotAffected,
                    "unknown" => Status::UnderInvestigation,
                    // `affected` is also the default.
                    _ => state,
                };
                let mut p = product.clone();
                p.version = text(&ver["version"]);
                p.range = text(&ver["range"]);
                out.statements.push(Statement {
                    vulnerability: name.clone(),
                    aliases: aliases.clone(),
                    grade: grade.clone(),
                    status: st,
                    justification: if st == Status::NotAffected {
                        if justification.is_empty() { "unaffected version".into() } else { justification.clone() }
                    } else {
                        String::new()
                    },
                    product: p,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared(path: &str) -> Vec<u8> {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data").join(path);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn csaf_vex_not_affected_carries_the_flag_and_the_impact() {
        let s = read(&shared("csaf/examples/csaf/csaf_vex/sec-vex-2022-0001.json")).expect("test value");
        assert!(!s.document.is_empty());
        let first = &s.statements[0];
        assert_eq!(first.vulnerability, "CVE-2021-44228");
        assert_eq!(first.status, Status::NotAffected);
        assert_eq!(first.product.vendor, "Secvisogram");
        assert_eq!(first.product.product, "Secvisogram");
        assert_eq!(first.product.range, "<=1.14.0");
        assert!(first.justification.starts_with("component_not_present: Secvisogram is written in JavaScript"));
    }

    #[test]
    fn csaf_relationships_name_the_component() {
        let doc = serde_json::json!({
            "document": {"csaf_version": "2.0", "tracking": {"id": "EX-1"}},
            "product_tree": {
                "branches": [{"category": "vendor", "name": "Example", "branches": [
                    {"category": "product_name", "name": "Router", "branches": [
                        {"category": "product_version", "name": "2.1", "product": {"name": "Router 2.1", "product_id": "R21"}}]},
                    {"category": "product_name", "name": "dnsmasq", "branches": [
                        {"category": "product_version", "name": "2.89", "product": {"name": "dnsmasq 2.89", "product_id": "D289",
                         "product_identification_helper": {"purl": "pkg:generic/dnsmasq@2.89"}}}]}]}],
                "relationships": [{"category": "installed_on", "product_reference": "D289", "relates_to_product_reference": "R21",
                    "full_product_name": {"name": "dnsmasq 2.89 on Router 2.1", "product_id": "D289-R21"}}]
            },
            "vulnerabilities": [{"cve": "CVE-2023-0001", "scores": [{"products": ["D289-R21"], "cvss_v3": {"baseSeverity": "HIGH"}}],
                "product_status": {"known_affected": ["D289-R21", "R21", "NOPE"]}}]
        });
        let s = from_csaf(&doc).expect("test value");
        assert_eq!(s.statements.len(), 2);
        assert_eq!(s.skipped, 1, "an unknown product id is skipped");
        // A CVSS 4.0 vector only: in the note vulndesk writes in CSAF 2.0, or in 2.1's metrics.
        let mut v4 = doc.clone();
        v4["vulnerabilities"][0]["scores"] = serde_json::json!([]);
        v4["vulnerabilities"][0]["notes"] = serde_json::json!([{"category": "other", "title": "CVSS v4.0",
            "text": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N (base score 9.3, CRITICAL)"}]);
        assert_eq!(from_csaf(&v4).expect("test value").statements[0].grade.as_deref(), Some("critical"));
        v4["vulnerabilities"][0]["notes"] = serde_json::json!([]);
        v4["vulnerabilities"][0]["metrics"] =
            serde_json::json!([{"products": ["D289-R21"], "content": {"cvss_v4": {"baseSeverity": "MEDIUM"}}}]);
        assert_eq!(from_csaf(&v4).expect("test value").statements[0].grade.as_deref(), Some("medium"));
        assert_eq!(s.statements[0].product.purl.as_ref().expect("test value").to_string(), "pkg:generic/dnsmasq@2.89");
        assert_eq!(s.statements[0].grade.as_deref(), Some("high"));
        assert_eq!(
            (
                s.statements[1].product.vendor.as_str(),
                s.statements[1].product.product.as_str(),
                s.statements[1].product.version.as_str()
            ),
            ("Example", "Router", "2.1")
        );
    }

    #[test]
    fn cyclonedx_vex_reads_states_justifications_and_bom_links() {
        let s = read(&shared("cyclonedx/VEX/vex.json")).expect("test value");
        let first = &s.statements[0];
        assert_eq!(first.vulnerability, "CVE-2020-25649");
        assert_eq!(first.status, Status::NotAffected);
        assert!(first.justification.starts_with("code_not_reachable: Automated dataflow analysis"));
        assert_eq!(
            first.product.purl.as_ref().expect("test value").name(),
            "jackson-databind",
            "a BOM-Link to a package URL"
        );
        let s = read(&shared("cyclonedx/VEX/CISA-Use-Cases/Case-8/vex.json")).expect("test value");
        // Its BOM-Links name components of other BOMs by bom-ref only: nothing to match on.
        assert!(s.statements.is_empty());
        assert_eq!(s.skipped, 11, "one per affects[] entry");
        let doc = serde_json::json!({
            "bomFormat": "CycloneDX", "specVersion": "1.5", "serialNumber": "urn:uuid:1",
            "components": [{"bom-ref": "ssl", "name": "openssl", "version": "3.0.7", "purl": "pkg:generic/openssl@3.0.7"}],
            "vulnerabilities": [
                {"id": "CVE-2022-3602", "ratings": [{"severity": "critical"}, {"severity": "low"}],
                 "analysis": {"state": "not_affected", "justification": "code_not_reachable", "detail": "no TLS client"},
                 "affects": [{"ref": "urn:cdx:abc/1#ssl"}, {"ref": "nothing-here"}]},
                {"id": "GHSA-x", "references": [{"id": "CVE-2024-9"}], "affects": [{"ref": "pkg:npm/left-pad@1.0.0",
                  "versions": [{"version": "1.0.0", "status": "affected"}, {"range": "vers:npm/>=2.0.0", "status": "unaffected"}]}]}
            ]
        });
        let s = from_cyclonedx(&doc).expect("test value");
        assert_eq!(s.document, "urn:uuid:1");
        assert_eq!(s.skipped, 1);
        assert_eq!(s.statements[0].status, Status::NotAffected);
        assert_eq!(s.statements[0].justification, "code_not_reachable: no TLS client");
        assert_eq!(s.statements[0].grade.as_deref(), Some("critical"));
        assert_eq!(s.statements[0].product.purl.as_ref().expect("test value").name(), "openssl");
        assert_eq!(s.statements[1].vulnerability, "CVE-2024-9", "the CVE names the vulnerability");
        assert_eq!(s.statements[1].status, Status::Affected);
        assert_eq!(s.statements[2].status, Status::NotAffected);
        assert_eq!(s.statements[2].product.range, "vers:npm/>=2.0.0");
    }

    #[test]
    fn other_documents_are_refused_with_the_reason() {
        assert!(matches!(read(b"{"), Err(VexError::Json(_))));
        assert_eq!(read(b"{\"a\": 1}"), Err(VexError::Format));
        assert_eq!(read(br#"{"bomFormat": "CycloneDX"}"#), Err(VexError::NoVulnerabilities));
    }

    proptest::proptest! {
        #[test]
        fn reading_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = read(&bytes);
        }

        #[test]
        fn odd_shapes_never_panic(cve in ".{0,12}", pid in ".{0,6}", label in ".{0,8}", r in ".{0,20}") {
            let csaf = serde_json::json!({"document": {"csaf_version": "2.0"}, "product_tree": {"branches": [{"name": 1, "category": [], "product": {"product_id": pid}}]},
                "vulnerabilities": [{"cve": cve, "flags": [{"label": label, "product_ids": pid}], "product_status": {"known_not_affected": [pid, 3]}}]});
            let _ = from_csaf(&csaf);
            let cdx = serde_json::json!({"bomFormat": "CycloneDX", "components": [{"bom-ref": r}], "vulnerabilities": [{"id": cve, "affects": [{"ref": r, "versions": [{}]}]}]});
            let _ = from_cyclonedx(&cdx);
        }
    }
}
