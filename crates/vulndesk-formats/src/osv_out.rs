//! An [`AdvisoryDoc`] as one OSV record (OSV schema 1.6), for feeds that OSV
//! tooling (osv-scanner, osv.dev importers, Renovate) reads.
//!
//! One advisory becomes one record, whatever the number of vulnerabilities
//! in it. The mapping:
//!
//! - `id`: the advisory id when its prefix is one the OSV schema registers
//!   (`CVE-`, `GHSA-`, `GO-`, …, checked with [`VulnId`]); otherwise
//!   `x_` + the advisory id (`x_VD-2026-0007`). The schema's id pattern
//!   accepts only registered home-database prefixes or the `x_` prefix, and
//!   vulndesk's publishers have no registered prefix. See [`osv_id`].
//! - `published` / `modified`: the initial and current release dates.
//! - `aliases`: every vulnerability's CVE id and other ids (CNVD, CNNVD, …),
//!   deduplicated, in document order, without the record's own id.
//! - `summary`: the document title; `details`: the document summary, then
//!   each vulnerability's description (headed by its title when there are
//!   several).
//! - `severity`: one `CVSS_V3` and one `CVSS_V4` entry at most; with several
//!   vulnerabilities, the vector with the highest base score of each version.
//! - `affected`: one entry per [`AffectedPackage`]. OSV cannot describe a
//!   product without a package (`package.ecosystem` and `package.name` are
//!   required), so products of the CSAF product tree that have no package
//!   are **left out**: the CSAF and CVE outputs carry them. A package with
//!   an empty ecosystem takes the OSV ecosystem of its purl type (`pkg:npm`
//!   → `npm`, …); when there is none either, the package is left out too.
//! - `ranges`: one range of the package's type (`ECOSYSTEM` when the model
//!   leaves it empty); events get an `introduced:
//!   "0"` first when no `introduced` opens them (the schema requires one),
//!   and a range that mixes `fixed` and `last_affected` (which the schema
//!   forbids) is split in two, each keeping its introduced/closing pairs. A
//!   `GIT` range takes the package name as its `repo`.
//! - `references`: the document's own URL (`is_self`) and pages under the
//!   publisher's namespace are `ADVISORY`, remediation URLs are `FIX`, the
//!   rest `WEB`; each URL once.
//! - `credits`: document acknowledgments, then the vulnerabilities'
//!   (`REPORTER`: vulndesk credits reporters who consented to be named).
//! - `database_specific`: `cwe_ids` (always, possibly empty) and `grade`, the
//!   highest Chinese grade (`超危` > `高危` > `中危` > `低危`) when assessed.

use serde_json::{Map, Value, json};

use crate::advisory::{AdvisoryDoc, AffectedPackage, Reference, Score};
use crate::ident::{Scheme, VulnId};
use crate::purl::Purl;

/// The OSV schema version written into `schema_version`.
pub const SCHEMA_VERSION: &str = "1.6.0";

/// Renders the advisory as one OSV record.
pub fn render(doc: &AdvisoryDoc) -> Value {
    let id = osv_id(&doc.id);
    let mut record = Map::new();
    record.insert("schema_version".into(), json!(SCHEMA_VERSION));
    record.insert("id".into(), json!(id));
    record.insert("modified".into(), json!(doc.current_release_date));
    record.insert("published".into(), json!(doc.initial_release_date));

    let aliases = aliases(doc, &id);
    if !aliases.is_empty() {
        record.insert("aliases".into(), json!(aliases));
    }
    record.insert("summary".into(), json!(doc.title));
    record.insert("details".into(), json!(details(doc)));

    let severity = severity(doc);
    if !severity.is_empty() {
        record.insert("severity".into(), Value::Array(severity));
    }
    let affected: Vec<Value> = doc.packages.iter().filter_map(affected).collect();
    if !affected.is_empty() {
        record.insert("affected".into(), Value::Array(affected));
    }
    let references = references(doc);
    if !references.is_empty() {
        record.insert("references".into(), Value::Array(references));
    }
    let credits = credits(doc);
    if !credits.is_empty() {
        record.insert("credits".into(), Value::Array(credits));
    }
    record.insert("database_specific".into(), database_specific(doc));
    Value::Object(record)
}

/// The OSV id for an advisory id: the id itself when the OSV schema knows its
/// prefix (CVE, GHSA or a registered OSV database), else `x_` + the id.
pub fn osv_id(doc_id: &str) -> String {
    match VulnId::parse(doc_id).map(|id| id.scheme()) {
        Ok(Scheme::Cve | Scheme::Ghsa | Scheme::Osv(_)) => doc_id.to_owned(),
        _ => format!("x_{doc_id}"),
    }
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !item.is_empty() && !list.iter().any(|x| x == item) {
        list.push(item.to_owned());
    }
}

fn aliases(doc: &AdvisoryDoc, own_id: &str) -> Vec<String> {
    let mut out = Vec::new();
    for v in &doc.vulnerabilities {
        if let Some(cve) = &v.cve {
            push_unique(&mut out, cve);
        }
        for (_, id) in &v.ids {
            push_unique(&mut out, id);
        }
    }
    out.retain(|a| a != own_id && a != &doc.id);
    out
}

fn details(doc: &AdvisoryDoc) -> String {
    let mut parts = Vec::new();
    if !doc.summary.is_empty() {
        parts.push(doc.summary.clone());
    }
    let several = doc.vulnerabilities.len() > 1;
    for v in &doc.vulnerabilities {
        if v.description.is_empty() {
            continue;
        }
        if several && !v.title.is_empty() {
            parts.push(format!("{}\n\n{}", v.title, v.description));
        } else {
            parts.push(v.description.clone());
        }
    }
    parts.join("\n\n")
}

fn best<'a>(scores: impl Iterator<Item = &'a Score>) -> Option<&'a Score> {
    scores.fold(None, |acc: Option<&Score>, s| match acc {
        Some(a) if a.base_score >= s.base_score => Some(a),
        _ => Some(s),
    })
}

fn severity(doc: &AdvisoryDoc) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(s) = best(doc.vulnerabilities.iter().filter_map(|v| v.cvss_v3.as_ref())) {
        out.push(json!({"type": "CVSS_V3", "score": s.vector}));
    }
    if let Some(s) = best(doc.vulnerabilities.iter().filter_map(|v| v.cvss_v4.as_ref())) {
        out.push(json!({"type": "CVSS_V4", "score": s.vector}));
    }
    out
}

/// The OSV ecosystem for a purl type, where one clearly corresponds.
fn ecosystem_of_purl(purl: &str) -> Option<&'static str> {
    let purl = Purl::parse(purl).ok()?;
    Some(match purl.purl_type() {
        "npm" => "npm",
        "pypi" => "PyPI",
        "maven" => "Maven",
        "cargo" => "crates.io",
        "golang" => "Go",
        "gem" => "RubyGems",
        "nuget" => "NuGet",
        "composer" => "Packagist",
        "hex" => "Hex",
        "pub" => "Pub",
        "hackage" => "Hackage",
        "cran" => "CRAN",
        "conan" => "ConanCenter",
        "swift" => "SwiftURL",
        "github" => "GitHub Actions",
        "deb" => match purl.namespace() {
            Some("debian") => "Debian",
            Some("ubuntu") => "Ubuntu",
            _ => return None,
        },
        "apk" => match purl.namespace() {
            Some("alpine") => "Alpine",
            Some("wolfi") => "Wolfi",
            _ => return None,
        },
        _ => return None,
    })
}

fn affected(p: &AffectedPackage) -> Option<Value> {
    let ecosystem =
        if p.ecosystem.is_empty() { ecosystem_of_purl(p.purl.as_deref()?)?.to_owned() } else { p.ecosystem.clone() };
    let mut package = Map::new();
    package.insert("ecosystem".into(), json!(ecosystem));
    package.insert("name".into(), json!(p.name));
    if let Some(purl) = &p.purl {
        package.insert("purl".into(), json!(purl));
    }
    let mut entry = Map::new();
    entry.insert("package".into(), Value::Object(package));
    let ranges = ranges(p);
    if !ranges.is_empty() {
        entry.insert("ranges".into(), Value::Array(ranges));
    }
    if !p.versions.is_empty() {
        entry.insert("versions".into(), json!(p.versions));
    }
    Some(Value::Object(entry))
}

/// Splits events into segments that each start at an `introduced`, so that
/// `fixed` and `last_affected` segments can go to separate ranges.
fn segments(events: &[(String, String)]) -> Vec<Vec<(String, String)>> {
    let mut out: Vec<Vec<(String, String)>> = Vec::new();
    for (kind, version) in events {
        if kind == "introduced" || out.is_empty() {
            out.push(Vec::new());
        }
        if let Some(last) = out.last_mut() {
            last.push((kind.clone(), version.clone()));
        }
    }
    for seg in &mut out {
        if seg.first().is_none_or(|(k, _)| k != "introduced") {
            seg.insert(0, ("introduced".into(), "0".into()));
        }
    }
    out
}

fn ranges(p: &AffectedPackage) -> Vec<Value> {
    if p.events.is_empty() {
        return Vec::new();
    }
    let (mut fixed_style, mut last_style) = (Vec::new(), Vec::new());
    for seg in segments(&p.events) {
        if seg.iter().any(|(k, _)| k == "last_affected") {
            last_style.extend(seg);
        } else {
            fixed_style.extend(seg);
        }
    }
    let range_type = if p.range_type.is_empty() { "ECOSYSTEM" } else { p.range_type.as_str() };
    [fixed_style, last_style]
        .into_iter()
        .filter(|events| !events.is_empty())
        .map(|events| {
            let events: Vec<Value> = events.into_iter().map(|(k, v)| json!({ k: v })).collect();
            let mut range = Map::new();
            range.insert("type".into(), json!(range_type));
            if range_type == "GIT" {
                range.insert("repo".into(), json!(p.name));
            }
            range.insert("events".into(), Value::Array(events));
            Value::Object(range)
        })
        .collect()
}

fn references(doc: &AdvisoryDoc) -> Vec<Value> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let namespace = doc.publisher.namespace.trim_end_matches('/');
    let own_page = |r: &Reference| {
        r.is_self || (!namespace.is_empty() && (r.url == namespace || r.url.starts_with(&format!("{namespace}/"))))
    };
    let mut add = |url: &str, kind: &str| {
        if !url.is_empty() && !seen.iter().any(|s| s == url) {
            seen.push(url.to_owned());
            out.push(json!({"type": kind, "url": url}));
        }
    };
    for r in &doc.references {
        add(&r.url, if own_page(r) { "ADVISORY" } else { "WEB" });
    }
    for v in &doc.vulnerabilities {
        for r in &v.references {
            add(&r.url, if r.is_self { "ADVISORY" } else { "WEB" });
        }
        for rem in &v.remediations {
            if let Some(url) = &rem.url {
                add(url, "FIX");
            }
        }
    }
    out
}

fn credits(doc: &AdvisoryDoc) -> Vec<Value> {
    let mut names: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for name in &doc.acknowledgments {
        if !name.is_empty() && !names.contains(name) {
            names.push(name.clone());
            out.push(json!({"name": name}));
        }
    }
    for v in &doc.vulnerabilities {
        for name in &v.acknowledgments {
            if !name.is_empty() && !names.contains(name) {
                names.push(name.clone());
                out.push(json!({"name": name, "type": "REPORTER"}));
            }
        }
    }
    out
}

/// The rank of a Chinese grade; higher is more severe.
fn grade_rank(grade: &str) -> u8 {
    match grade {
        "超危" => 4,
        "高危" => 3,
        "中危" => 2,
        "低危" => 1,
        _ => 0,
    }
}

fn database_specific(doc: &AdvisoryDoc) -> Value {
    let mut cwe_ids = Vec::new();
    for v in &doc.vulnerabilities {
        if let Some((id, _)) = &v.cwe {
            push_unique(&mut cwe_ids, id);
        }
    }
    let grade = doc.vulnerabilities.iter().filter_map(|v| v.grade.as_deref()).max_by_key(|g| grade_rank(g));
    let mut out = Map::new();
    out.insert("cwe_ids".into(), json!(cwe_ids));
    if let Some(grade) = grade {
        out.insert("grade".into(), json!(grade));
    }
    Value::Object(out)
}
