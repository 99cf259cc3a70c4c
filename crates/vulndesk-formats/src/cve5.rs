//! CVE JSON 5 records (CVE Record Format 5.1, state `PUBLISHED`) from an
//! [`AdvisoryDoc`], for a CNA submitting to CVE Services.
//!
//! Each vulnerability with a CVE id becomes one record; vulnerabilities
//! without one are skipped, and a document without any is an error. The CNA
//! container holds:
//!
//! - `title` (the vulnerability title, else the document title) and
//!   `descriptions`: the CVE Program requires an English description, so the
//!   document must be English (`en`, `en-US`, …); the texts of translated
//!   documents (`zh-CN`, …) are added beside it by
//!   [`render_with_translations`], matched by CVE id.
//! - `affected`: one entry per vendor and product name among the products
//!   of the vulnerability's `product_states`, listing each product version
//!   as `affected` (known affected), `unaffected` (fixed, known not
//!   affected) or `unknown` (under investigation), `defaultStatus: unknown`.
//!   Then one entry per document package (packages are not tied to one
//!   vulnerability in the model, so every record lists them all): OSV
//!   events become ranges (`introduced` … `fixed`/`limit` → `lessThan`,
//!   `last_affected` → `lessThanOrEqual`, an open range → `lessThan: "*"`),
//!   listed versions become single `affected` versions, and
//!   `defaultStatus` is `unaffected` when there are ranges (the ranges are
//!   then the whole story) and `unknown` otherwise. A package of a known
//!   ecosystem is named by `collectionURL` + `packageName`, any other by
//!   `vendor: "N/A"` + `product`.
//! - `problemTypes` (the CWE), `metrics` (one `cvssV3_0`/`cvssV3_1` and one
//!   `cvssV4_0` entry with the required fields; `baseSeverity` is derived
//!   from the score so that it always agrees with it), `references`
//!   (vulnerability, then document, then remediation URLs, each once;
//!   `is_self` is tagged `vendor-advisory`, remediation URLs `patch`),
//!   `credits` (vulnerability acknowledgments as `reporter`, then the
//!   document's as `finder`, the schema's default), `solutions` (vendor
//!   fix, no fix planned, none available) and `workarounds` (mitigation,
//!   workaround).
//!
//! Requirements of the schema that the model cannot guarantee are checked
//! and reported as [`Cve5Error`]s rather than producing an invalid record.

use serde_json::{Map, Value, json};

use crate::advisory::{AdvisoryDoc, AffectedPackage, ProductStatus, RemediationKind, Score, Vulnerability};

/// The CVE record format version written into `dataVersion`.
pub const DATA_VERSION: &str = "5.1";

/// The schema's longest `title`, in characters.
const MAX_TITLE: usize = 256;
/// The schema's longest description value, in characters.
const MAX_TEXT: usize = 4096;

/// Why no valid CVE record can be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Cve5Error {
    /// No vulnerability of the document has a CVE id.
    #[error("advisory {doc_id}: no vulnerability has a CVE id, so there is no CVE record to write")]
    NoCve {
        /// The advisory id.
        doc_id: String,
    },
    /// The document is not in English; CVE records need an English description.
    #[error(
        "advisory {doc_id} is in {lang:?}; a CVE record needs an English description (render the English version and pass this one as a translation)"
    )]
    NotEnglish {
        /// The advisory id.
        doc_id: String,
        /// Its language.
        lang: String,
    },
    /// The assigner's organisation id is not a version 4 UUID.
    #[error("assigner org id {0:?} is not a version 4 UUID")]
    BadOrgId(String),
    /// The assigner's short name is not 2–32 characters long.
    #[error("assigner short name {0:?} must be 2 to 32 characters long")]
    BadShortName(String),
    /// A CVE id does not match `CVE-YYYY-NNNN…`.
    #[error("advisory {doc_id}: {cve:?} is not a CVE id")]
    BadCveId {
        /// The advisory id.
        doc_id: String,
        /// The id as written.
        cve: String,
    },
    /// The vulnerability has no description, or the document is untitled.
    #[error("{cve}: the {field} is empty")]
    Empty {
        /// The CVE id.
        cve: String,
        /// `description` or `title`.
        field: &'static str,
    },
    /// A text is longer than the schema allows.
    #[error("{cve}: the {field} is {len} characters long; CVE records allow {max}")]
    TooLong {
        /// The CVE id.
        cve: String,
        /// Which text.
        field: &'static str,
        /// Its length in characters.
        len: usize,
        /// The schema's maximum.
        max: usize,
    },
    /// Neither a product status nor a package says what is affected.
    #[error("{cve}: no product status and no package; a CVE record must name an affected product")]
    NoAffected {
        /// The CVE id.
        cve: String,
    },
    /// No reference URL at all.
    #[error("{cve}: a CVE record needs at least one reference URL")]
    NoReferences {
        /// The CVE id.
        cve: String,
    },
    /// A CVSS vector of a version CVE records do not take here.
    #[error("{cve}: unsupported CVSS vector {vector:?}")]
    UnsupportedCvss {
        /// The CVE id.
        cve: String,
        /// The vector.
        vector: String,
    },
}

/// Renders one CVE record per vulnerability with a CVE id, in document order.
///
/// `assigner_org_id` is the CNA's organisation UUID in CVE Services,
/// `assigner_short_name` its short name.
///
/// # Errors
///
/// See [`Cve5Error`].
pub fn render(doc: &AdvisoryDoc, assigner_org_id: &str, assigner_short_name: &str) -> Result<Vec<Value>, Cve5Error> {
    render_with_translations(doc, &[], assigner_org_id, assigner_short_name)
}

/// Like [`render`], adding the descriptions of the same advisory in other
/// languages (matched to vulnerabilities by CVE id).
///
/// # Errors
///
/// See [`Cve5Error`]; `doc` must be English.
pub fn render_with_translations(
    doc: &AdvisoryDoc,
    translations: &[&AdvisoryDoc],
    assigner_org_id: &str,
    assigner_short_name: &str,
) -> Result<Vec<Value>, Cve5Error> {
    if !is_uuid_v4(assigner_org_id) {
        return Err(Cve5Error::BadOrgId(assigner_org_id.to_owned()));
    }
    if !(2..=32).contains(&assigner_short_name.chars().count()) {
        return Err(Cve5Error::BadShortName(assigner_short_name.to_owned()));
    }
    if !is_english(&doc.lang) {
        return Err(Cve5Error::NotEnglish { doc_id: doc.id.clone(), lang: doc.lang.clone() });
    }
    let mut records = Vec::new();
    for v in &doc.vulnerabilities {
        let Some(cve) = &v.cve else { continue };
        if !is_cve_id(cve) {
            return Err(Cve5Error::BadCveId { doc_id: doc.id.clone(), cve: cve.clone() });
        }
        records.push(record(doc, v, cve, translations, assigner_org_id, assigner_short_name)?);
    }
    if records.is_empty() {
        return Err(Cve5Error::NoCve { doc_id: doc.id.clone() });
    }
    Ok(records)
}

fn is_uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, c)| if [8, 13, 18, 23].contains(&i) { *c == b'-' } else { c.is_ascii_hexdigit() })
        && b[14] == b'4'
        && matches!(b[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}

fn is_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else { return false };
    let Some((year, number)) = rest.split_once('-') else { return false };
    year.len() == 4
        && year.bytes().all(|c| c.is_ascii_digit())
        && (4..=19).contains(&number.len())
        && number.bytes().all(|c| c.is_ascii_digit())
}

/// `en`, `en-US`, `en_GB`, … as the schema's `englishLanguage` pattern wants.
fn is_english(lang: &str) -> bool {
    lang == "en" || lang.starts_with("en-") || lang.starts_with("en_")
}

fn checked(cve: &str, field: &'static str, text: &str, max: usize) -> Result<(), Cve5Error> {
    if text.trim().is_empty() {
        return Err(Cve5Error::Empty { cve: cve.to_owned(), field });
    }
    let len = text.chars().count();
    if len > max {
        return Err(Cve5Error::TooLong { cve: cve.to_owned(), field, len, max });
    }
    Ok(())
}

fn record(
    doc: &AdvisoryDoc,
    v: &Vulnerability,
    cve: &str,
    translations: &[&AdvisoryDoc],
    org_id: &str,
    short_name: &str,
) -> Result<Value, Cve5Error> {
    let lang = doc.lang.as_str();
    let title = if v.title.trim().is_empty() { &doc.title } else { &v.title };
    checked(cve, "title", title, MAX_TITLE)?;
    checked(cve, "description", &v.description, MAX_TEXT)?;

    let mut descriptions = vec![json!({"lang": lang, "value": v.description})];
    for t in translations {
        let same = t.vulnerabilities.iter().find(|tv| tv.cve.as_deref() == Some(cve));
        if let Some(tv) = same.filter(|tv| !tv.description.trim().is_empty()) {
            checked(cve, "translated description", &tv.description, MAX_TEXT)?;
            descriptions.push(json!({"lang": t.lang, "value": tv.description}));
        }
    }

    let mut affected = product_entries(doc, v);
    affected.extend(doc.packages.iter().map(package_entry));
    if affected.is_empty() {
        return Err(Cve5Error::NoAffected { cve: cve.to_owned() });
    }
    let references = references(doc, v);
    if references.is_empty() {
        return Err(Cve5Error::NoReferences { cve: cve.to_owned() });
    }

    let mut cna = Map::new();
    cna.insert("providerMetadata".into(), json!({"orgId": org_id, "shortName": short_name}));
    cna.insert("title".into(), json!(title));
    if let Some(date) = &v.release_date {
        cna.insert("datePublic".into(), json!(date));
    }
    cna.insert("descriptions".into(), Value::Array(descriptions));
    cna.insert("affected".into(), Value::Array(affected));
    if let Some((id, name)) = &v.cwe {
        let text = if name.is_empty() { id.clone() } else { format!("{id} {name}") };
        cna.insert(
            "problemTypes".into(),
            json!([{"descriptions": [{"lang": "en", "cweId": id, "description": text, "type": "CWE"}]}]),
        );
    }
    let metrics = metrics(cve, v)?;
    if !metrics.is_empty() {
        cna.insert("metrics".into(), Value::Array(metrics));
    }
    cna.insert("references".into(), Value::Array(references));
    let credits = credits(doc, v);
    if !credits.is_empty() {
        cna.insert("credits".into(), Value::Array(credits));
    }
    let (solutions, workarounds) = remedies(cve, v, lang)?;
    if !solutions.is_empty() {
        cna.insert("solutions".into(), Value::Array(solutions));
    }
    if !workarounds.is_empty() {
        cna.insert("workarounds".into(), Value::Array(workarounds));
    }

    Ok(json!({
        "dataType": "CVE_RECORD",
        "dataVersion": DATA_VERSION,
        "cveMetadata": {
            "cveId": cve,
            "assignerOrgId": org_id,
            "assignerShortName": short_name,
            "state": "PUBLISHED",
            "datePublished": doc.initial_release_date,
            "dateUpdated": doc.current_release_date,
        },
        "containers": {"cna": Value::Object(cna)},
    }))
}

fn status_word(status: &ProductStatus) -> &'static str {
    match status {
        ProductStatus::KnownAffected => "affected",
        ProductStatus::Fixed | ProductStatus::KnownNotAffected { .. } => "unaffected",
        ProductStatus::UnderInvestigation => "unknown",
    }
}

/// One entry per (vendor, product name), in first-mention order.
fn product_entries(doc: &AdvisoryDoc, v: &Vulnerability) -> Vec<Value> {
    // (vendor, product, versions as (version, status), status of unversioned products)
    type Group<'a> = (&'a str, &'a str, Vec<(&'a str, &'static str)>, Option<&'static str>);
    let mut groups: Vec<Group<'_>> = Vec::new();
    for state in &v.product_states {
        let Some(p) = doc.products.iter().find(|p| p.id == state.product_id) else { continue };
        let vendor = if p.vendor.trim().is_empty() { "N/A" } else { p.vendor.as_str() };
        if p.name.trim().is_empty() {
            continue;
        }
        let status = status_word(&state.status);
        let idx = match groups.iter().position(|g| g.0 == vendor && g.1 == p.name) {
            Some(i) => i,
            None => {
                groups.push((vendor, &p.name, Vec::new(), None));
                groups.len() - 1
            }
        };
        let group = &mut groups[idx];
        if p.version.trim().is_empty() {
            group.3 = Some(status);
        } else if !group.2.iter().any(|(ver, _)| *ver == p.version) {
            group.2.push((&p.version, status));
        }
    }
    groups
        .into_iter()
        .map(|(vendor, product, versions, unversioned)| {
            let mut entry = Map::new();
            entry.insert("vendor".into(), json!(vendor));
            entry.insert("product".into(), json!(product));
            if !versions.is_empty() {
                let list: Vec<Value> = versions
                    .into_iter()
                    .map(|(version, status)| json!({"version": version, "status": status}))
                    .collect();
                entry.insert("versions".into(), Value::Array(list));
            }
            entry.insert("defaultStatus".into(), json!(unversioned.unwrap_or("unknown")));
            Value::Object(entry)
        })
        .collect()
}

/// The package collection URL for an OSV ecosystem, from the schema's examples.
fn collection_url(ecosystem: &str) -> Option<&'static str> {
    Some(match ecosystem {
        "PyPI" => "https://pypi.python.org",
        "npm" => "https://registry.npmjs.org",
        "crates.io" => "https://crates.io",
        "Maven" => "https://repo.maven.apache.org/maven2",
        "Go" => "https://golang.org/pkg",
        "RubyGems" => "https://rubygems.org",
        "NuGet" => "https://nuget.org/packages",
        "Packagist" => "https://packagist.org",
        "Hex" => "https://repo.hex.pm",
        "Pub" => "https://pub.dev",
        "Hackage" => "https://hackage.haskell.org",
        "CRAN" => "https://cran.r-project.org",
        "Debian" => "https://packages.debian.org",
        _ => return None,
    })
}

/// The CVE `versionType` for an OSV range type and ecosystem.
fn version_type(p: &AffectedPackage) -> &'static str {
    match p.range_type.as_str() {
        "SEMVER" => "semver",
        "GIT" => "git",
        _ => match p.ecosystem.as_str() {
            "PyPI" => "python",
            "Maven" => "maven",
            "npm" | "crates.io" | "Go" | "Hex" | "Pub" => "semver",
            "Red Hat" | "AlmaLinux" | "Rocky Linux" | "openSUSE" | "SUSE" | "Mageia" | "openEuler" => "rpm",
            _ => "custom",
        },
    }
}

fn package_entry(p: &AffectedPackage) -> Value {
    let mut entry = Map::new();
    match collection_url(&p.ecosystem) {
        Some(url) => {
            entry.insert("collectionURL".into(), json!(url));
            entry.insert("packageName".into(), json!(p.name));
        }
        None => {
            entry.insert("vendor".into(), json!("N/A"));
            entry.insert("product".into(), json!(p.name));
        }
    }
    if p.range_type == "GIT" && p.name.contains("://") {
        entry.insert("repo".into(), json!(p.name));
    }
    let vt = version_type(p);
    let mut versions: Vec<Value> = Vec::new();
    let mut start: Option<&str> = None;
    for (kind, version) in &p.events {
        match kind.as_str() {
            "introduced" => {
                if let Some(open) = start.replace(version) {
                    // Two introduced in a row: the first range stays open up to the second.
                    versions
                        .push(json!({"version": open, "status": "affected", "lessThan": version, "versionType": vt}));
                }
            }
            "fixed" | "limit" => {
                let from = start.take().unwrap_or("0");
                versions.push(json!({"version": from, "status": "affected", "lessThan": version, "versionType": vt}));
            }
            "last_affected" => {
                let from = start.take().unwrap_or("0");
                versions.push(
                    json!({"version": from, "status": "affected", "lessThanOrEqual": version, "versionType": vt}),
                );
            }
            _ => {}
        }
    }
    if let Some(open) = start {
        versions.push(json!({"version": open, "status": "affected", "lessThan": "*", "versionType": vt}));
    }
    let has_ranges = !versions.is_empty();
    for version in &p.versions {
        let item = json!({"version": version, "status": "affected"});
        if !version.is_empty() && !versions.contains(&item) {
            versions.push(item);
        }
    }
    versions.dedup();
    if !versions.is_empty() {
        entry.insert("versions".into(), Value::Array(versions));
    }
    entry.insert("defaultStatus".into(), json!(if has_ranges { "unaffected" } else { "unknown" }));
    Value::Object(entry)
}

fn references(doc: &AdvisoryDoc, v: &Vulnerability) -> Vec<Value> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut add = |url: &str, name: &str, tag: Option<&str>, out: &mut Vec<Value>| {
        if url.is_empty() || seen.iter().any(|s| s == url) {
            return;
        }
        let mut r = Map::new();
        r.insert("url".into(), json!(url));
        if !name.trim().is_empty() {
            r.insert("name".into(), json!(name.chars().take(512).collect::<String>()));
        }
        if let Some(tag) = tag {
            r.insert("tags".into(), json!([tag]));
        }
        out.push(Value::Object(r));
        seen.push(url.to_owned());
    };
    for r in v.references.iter().chain(&doc.references) {
        add(&r.url, &r.summary, r.is_self.then_some("vendor-advisory"), &mut out);
    }
    for rem in &v.remediations {
        if let Some(url) = &rem.url {
            add(url, "", Some("patch"), &mut out);
        }
    }
    out.truncate(512);
    out
}

/// The CVSS severity band of a score (the same for v3.x and v4.0).
fn severity_of(score: f64) -> &'static str {
    if score == 0.0 {
        "NONE"
    } else if score < 4.0 {
        "LOW"
    } else if score < 7.0 {
        "MEDIUM"
    } else if score < 9.0 {
        "HIGH"
    } else {
        "CRITICAL"
    }
}

fn metric(cve: &str, s: &Score) -> Result<Value, Cve5Error> {
    let (key, version) = if s.vector.starts_with("CVSS:3.1/") {
        ("cvssV3_1", "3.1")
    } else if s.vector.starts_with("CVSS:3.0/") {
        ("cvssV3_0", "3.0")
    } else if s.vector.starts_with("CVSS:4.0/") {
        ("cvssV4_0", "4.0")
    } else {
        return Err(Cve5Error::UnsupportedCvss { cve: cve.to_owned(), vector: s.vector.clone() });
    };
    let body = json!({
        "version": version,
        "vectorString": s.vector,
        "baseScore": s.base_score,
        "baseSeverity": severity_of(s.base_score),
    });
    Ok(json!({"format": "CVSS", "scenarios": [{"lang": "en", "value": "GENERAL"}], key: body}))
}

fn metrics(cve: &str, v: &Vulnerability) -> Result<Vec<Value>, Cve5Error> {
    v.cvss_v4.iter().chain(&v.cvss_v3).map(|s| metric(cve, s)).collect()
}

fn credits(doc: &AdvisoryDoc, v: &Vulnerability) -> Vec<Value> {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    let named =
        v.acknowledgments.iter().map(|n| (n, "reporter")).chain(doc.acknowledgments.iter().map(|n| (n, "finder")));
    for (name, kind) in named {
        if !name.trim().is_empty() && !seen.contains(&name.as_str()) {
            seen.push(name);
            out.push(json!({"lang": doc.lang, "value": name, "type": kind}));
        }
    }
    out
}

fn remedies(cve: &str, v: &Vulnerability, lang: &str) -> Result<(Vec<Value>, Vec<Value>), Cve5Error> {
    let (mut solutions, mut workarounds) = (Vec::new(), Vec::new());
    for rem in &v.remediations {
        let text = match &rem.url {
            Some(url) if !rem.details.contains(url.as_str()) => format!("{} {url}", rem.details).trim().to_owned(),
            _ => rem.details.trim().to_owned(),
        };
        if text.is_empty() {
            continue;
        }
        checked(cve, "remediation text", &text, MAX_TEXT)?;
        let item = json!({"lang": lang, "value": text});
        let list = match rem.kind {
            RemediationKind::Mitigation | RemediationKind::Workaround => &mut workarounds,
            RemediationKind::VendorFix | RemediationKind::NoFixPlanned | RemediationKind::NoneAvailable => {
                &mut solutions
            }
        };
        if !list.contains(&item) {
            list.push(item);
        }
    }
    Ok((solutions, workarounds))
}
