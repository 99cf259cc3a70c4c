//! The files of a CSAF 2.0 trusted provider (CSAF 2.0 section 7, role
//! `csaf_trusted_provider`), as pure functions: the caller writes them.
//!
//! The tree under the base URL (`https://host/.well-known/csaf`,
//! requirement 7.1.9) follows the layout the BSI's `csaf_provider` uses, one
//! folder per TLP label (CSAF 2.0 speaks TLP 1.0, so TLP:CLEAR is `WHITE`):
//!
//! ```text
//! provider-metadata.json                  provider_metadata()   7.1.7, 7.1.20
//! white/csaf-feed-tlp-white.json          rolie_feed()          7.1.15
//! white/index.txt                         index_txt()           7.1.11
//! white/changes.csv                       changes_csv()         7.1.12
//! white/2026/vd-2026-0001.json            the document          7.1.14 (folder = year)
//! white/2026/vd-2026-0001.json.sha256     hash_line()           7.1.18
//! white/2026/vd-2026-0001.json.sha512     hash_line()           7.1.18
//! white/2026/vd-2026-0001.json.asc        openpgp::SigningKey   7.1.19
//! ```
//!
//! `index.txt` and `changes.csv` are per TLP folder, with paths relative to
//! it; each TLP folder is also listed as a `directory_url` distribution, so
//! both the directory-based (7.1.11–7.1.14) and the ROLIE-based
//! (7.1.15–7.1.17) requirement sets hold. Serving TLP:AMBER and TLP:RED
//! folders only to authorised users (7.1.4, 7.1.16), HTTPS (7.1.1) and the
//! `security.txt` line (7.1.8, [`security_txt_line`]) are the web crate's part.

use std::fmt::Write;

use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha512};

use crate::advisory::{Publisher, Tlp};

/// The CSAF 2.0 JSON schema URL, named in every ROLIE entry's `format`.
pub const CSAF_SCHEMA_URL: &str = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json";

/// What the provider metadata says about the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderInfo {
    /// `https://host/.well-known/csaf/provider-metadata.json`.
    pub canonical_url: String,
    /// `https://host/.well-known/csaf`, without a trailing slash.
    pub base_url: String,
    /// The publisher; written with category `vendor`.
    pub publisher: Publisher,
    /// Where the OpenPGP certificate is served.
    pub public_key_url: String,
    /// The certificate's fingerprint (40 hex digits for v4).
    pub fingerprint: String,
    /// When the provider metadata last changed (RFC 3339, UTC).
    pub last_updated: String,
    /// `list_on_CSAF_aggregators`: whether aggregators may list this provider.
    pub list_on_aggregators: bool,
    /// `mirror_on_CSAF_aggregators`: whether aggregators may mirror the documents.
    pub mirror_on_aggregators: bool,
}

/// One published CSAF document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The document's TLP label; the folder it lives in.
    pub tlp: Tlp,
    /// The path inside the TLP folder, `2026/vd-2026-0001.json` (see [`document_path`]).
    pub path: String,
    /// The document's tracking id.
    pub id: String,
    /// The document title.
    pub title: String,
    /// RFC 3339, UTC.
    pub initial_release_date: String,
    /// RFC 3339, UTC.
    pub current_release_date: String,
    /// One paragraph for the feed entry.
    pub summary: String,
}

/// A hash algorithm of the `.sha256` / `.sha512` files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algo {
    /// SHA-256, `.sha256`.
    Sha256,
    /// SHA-512, `.sha512`.
    Sha512,
}

impl Algo {
    /// The file extension without the dot: `sha256` or `sha512`.
    pub fn extension(self) -> &'static str {
        match self {
            Algo::Sha256 => "sha256",
            Algo::Sha512 => "sha512",
        }
    }
}

/// The CSAF 2.0 TLP label: `WHITE`, `GREEN`, `AMBER` or `RED`.
pub fn tlp_label(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "WHITE",
        Tlp::Green => "GREEN",
        Tlp::Amber => "AMBER",
        Tlp::Red => "RED",
    }
}

fn tlp_folder(tlp: Tlp) -> String {
    tlp_label(tlp).to_ascii_lowercase()
}

fn base(info: &ProviderInfo) -> &str {
    info.base_url.trim_end_matches('/')
}

/// The URL of a TLP folder, with a trailing slash: `{base}/white/`.
pub fn folder_url(info: &ProviderInfo, tlp: Tlp) -> String {
    format!("{}/{}/", base(info), tlp_folder(tlp))
}

/// The URL of the ROLIE feed of a TLP label: `{base}/white/csaf-feed-tlp-white.json`.
pub fn feed_url(info: &ProviderInfo, tlp: Tlp) -> String {
    let t = tlp_folder(tlp);
    format!("{}/{t}/csaf-feed-tlp-{t}.json", base(info))
}

/// The URL of a document: `{base}/{tlp}/{path}`.
pub fn document_url(info: &ProviderInfo, entry: &Entry) -> String {
    format!("{}/{}/{}", base(info), tlp_folder(entry.tlp), entry.path.trim_start_matches('/'))
}

/// The path of a document inside its TLP folder: the year of its initial
/// release, then the file name CSAF 2.0 section 5.1 prescribes (the id in
/// lower case, every character other than `a-z 0-9 + -` replaced by `_`,
/// then `.json`): `VD-2026-0001` released in 2026 → `2026/vd-2026-0001.json`.
pub fn document_path(id: &str, initial_release_date: &str) -> String {
    let year: String = initial_release_date.chars().take(4).collect();
    let name: String = id
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '+' || c == '-' { c } else { '_' })
        .collect();
    format!("{year}/{name}.json")
}

/// The provider metadata (`provider-metadata.json`, requirement 7.1.7):
/// one ROLIE feed and one directory per TLP label in `tlps_present` (in
/// [`Tlp::ALL`] order), and the signing key (7.1.20).
pub fn provider_metadata(info: &ProviderInfo, tlps_present: &[Tlp]) -> Value {
    let tlps: Vec<Tlp> = Tlp::ALL.into_iter().filter(|t| tlps_present.contains(t)).collect();
    let mut distributions: Vec<Value> =
        tlps.iter().map(|&t| json!({"directory_url": folder_url(info, t).trim_end_matches('/')})).collect();
    if !tlps.is_empty() {
        let feeds: Vec<Value> = tlps
            .iter()
            .map(|&t| {
                json!({
                    "summary": format!("All TLP:{} advisories of {}.", tlp_label(t), info.publisher.name),
                    "tlp_label": tlp_label(t),
                    "url": feed_url(info, t),
                })
            })
            .collect();
        distributions.push(json!({"rolie": {"feeds": feeds}}));
    }
    let mut publisher = json!({
        "category": "vendor",
        "name": info.publisher.name,
        "namespace": info.publisher.namespace,
    });
    if let Some(contact) = info.publisher.contact.as_deref().filter(|c| !c.trim().is_empty()) {
        publisher["contact_details"] = json!(contact);
    }
    let mut doc = json!({
        "canonical_url": info.canonical_url,
        "last_updated": info.last_updated,
        "list_on_CSAF_aggregators": info.list_on_aggregators,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": info.mirror_on_aggregators,
        "public_openpgp_keys": [{"fingerprint": info.fingerprint, "url": info.public_key_url}],
        "publisher": publisher,
        "role": "csaf_trusted_provider",
    });
    if !distributions.is_empty() {
        doc["distributions"] = Value::Array(distributions);
    }
    doc
}

/// Entries newest first (by current release date, then path).
fn newest_first<'a>(entries: impl Iterator<Item = &'a Entry>) -> Vec<&'a Entry> {
    let mut list: Vec<&Entry> = entries.collect();
    list.sort_by(|a, b| b.current_release_date.cmp(&a.current_release_date).then_with(|| a.path.cmp(&b.path)));
    list
}

/// The ROLIE feed of one TLP label (requirement 7.1.15): the entries of
/// that label, newest first, each linking the document, its hashes and its
/// signature. `updated` is the newest entry's current release date, or the
/// provider's `last_updated` for an empty feed.
pub fn rolie_feed(info: &ProviderInfo, tlp: Tlp, entries: &[Entry]) -> Value {
    let label = tlp_label(tlp);
    let list = newest_first(entries.iter().filter(|e| e.tlp == tlp));
    let updated = list.first().map_or(info.last_updated.as_str(), |e| e.current_release_date.as_str());
    let items: Vec<Value> = list
        .iter()
        .map(|e| {
            let url = document_url(info, e);
            json!({
                "id": e.id,
                "title": e.title,
                "link": [
                    {"rel": "self", "href": url},
                    {"rel": "hash", "href": format!("{url}.sha256")},
                    {"rel": "hash", "href": format!("{url}.sha512")},
                    {"rel": "signature", "href": format!("{url}.asc")},
                ],
                "published": e.initial_release_date,
                "updated": e.current_release_date,
                "summary": {"content": e.summary},
                "content": {"type": "application/json", "src": url},
                "format": {"schema": CSAF_SCHEMA_URL, "version": "2.0"},
            })
        })
        .collect();
    json!({
        "feed": {
            "id": format!("csaf-feed-tlp-{}", label.to_ascii_lowercase()),
            "title": format!("{} CSAF feed (TLP:{label})", info.publisher.name),
            "link": [{"rel": "self", "href": feed_url(info, tlp)}],
            "category": [{"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"}],
            "updated": updated,
            "entry": items,
        }
    })
}

/// `index.txt` (requirement 7.1.11): one path per line, in the order given.
/// Pass the entries of one TLP folder.
pub fn index_txt(entries: &[Entry]) -> String {
    entries.iter().fold(String::new(), |mut out, e| {
        out.push_str(&e.path);
        out.push('\n');
        out
    })
}

fn csv_field(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `changes.csv` (requirement 7.1.12): `"path","current_release_date"`
/// lines, newest first. Pass the entries of one TLP folder.
pub fn changes_csv(entries: &[Entry]) -> String {
    newest_first(entries.iter()).into_iter().fold(String::new(), |mut out, e| {
        let _ = writeln!(out, "{},{}", csv_field(&e.path), csv_field(&e.current_release_date));
        out
    })
}

/// The content of a `.sha256` / `.sha512` file (requirement 7.1.18) in
/// the `sha256sum` format: `<lower-case hex>  <file name>\n`, where the
/// file name is the document's (`vd-2026-0001.json`, no folder).
pub fn hash_line(bytes: &[u8], file_name: &str, algo: Algo) -> String {
    let digest: Vec<u8> = match algo {
        Algo::Sha256 => Sha256::digest(bytes).to_vec(),
        Algo::Sha512 => Sha512::digest(bytes).to_vec(),
    };
    let mut out = String::with_capacity(digest.len() * 2 + file_name.len() + 3);
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    let _ = writeln!(out, "  {file_name}");
    out
}

/// The `security.txt` line that points to the provider metadata
/// (requirement 7.1.8), without a line break: `CSAF: https://…/provider-metadata.json`.
pub fn security_txt_line(canonical_url: &str) -> String {
    format!("CSAF: {canonical_url}")
}
