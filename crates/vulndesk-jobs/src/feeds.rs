//! Pulling vendors' CSAF providers (Art. 8: operators track flaws in what they run).
//!
//! For each feed: `provider-metadata.json` → its OpenPGP public key(s), its ROLIE feeds and its
//! directory distributions (`index.txt`) → each listed document with its `.sha256`, `.sha512`
//! and `.asc`. A document is kept only when
//! both hashes match, the signature verifies against a key the metadata names, vulndesk reads
//! it as CSAF 2.0 and the mandatory tests pass. Anything else is logged with why and never used.
//! Pulls are incremental: an entry whose `updated` date (ROLIE) and hash are unchanged is not
//! checked or stored again. HTTP goes through the same destination policy as deliveries (no private networks
//! unless allowed).

use std::time::Duration;

use sha2::{Digest, Sha256, Sha512};
use vulndesk_core::Clock;
use vulndesk_store::feeds::{Feed, FeedDocument};
use vulndesk_store::{Store, StoreError};

use crate::deliver::Destinations;

/// The most a metadata file, feed or document may weigh.
const MAX_BYTES: u64 = 16 << 20;

/// What one pull did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullReport {
    /// Documents checked and kept (new or changed).
    pub accepted: usize,
    /// Entries unchanged since the last pull.
    pub unchanged: usize,
    /// Documents refused, with why.
    pub rejected: Vec<(String, String)>,
}

fn agent(dest: Destinations) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .max_redirects(0)
        .build();
    crate::deliver::agent_for(config, dest)
}

fn get(agent: &ureq::Agent, url: &str) -> Result<Vec<u8>, String> {
    let mut resp = agent.get(url).call().map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(format!("{url}: HTTP {status}"));
    }
    resp.body_mut().with_config().limit(MAX_BYTES).read_to_vec().map_err(|e| format!("{url}: {e}"))
}

fn get_json(agent: &ureq::Agent, url: &str) -> Result<serde_json::Value, String> {
    let bytes = get(agent, url)?;
    serde_json::from_slice(&bytes).map_err(|e| format!("{url}: not JSON: {e}"))
}

/// The hex digest at the start of a `sha256sum`-style line.
fn first_word(text: &[u8]) -> String {
    String::from_utf8_lossy(text).split_whitespace().next().unwrap_or_default().to_ascii_lowercase()
}

/// Checks one document's bytes against its hashes, signature and CSAF; answers the document
/// to keep, or why it is refused.
fn check_document(
    agent: &ureq::Agent,
    keys: &[String],
    url: &str,
    bytes: &[u8],
    updated: &str,
) -> Result<FeedDocument, String> {
    let sha256 = hex::encode(Sha256::digest(bytes));
    let want256 = first_word(&get(agent, &format!("{url}.sha256"))?);
    if want256 != sha256 {
        return Err(format!("SHA-256 mismatch: the .sha256 file says {want256}, the document is {sha256}"));
    }
    let sha512 = hex::encode(Sha512::digest(bytes));
    let want512 = first_word(&get(agent, &format!("{url}.sha512"))?);
    if want512 != sha512 {
        return Err("SHA-512 mismatch".into());
    }
    let signature =
        String::from_utf8(get(agent, &format!("{url}.asc"))?).map_err(|_| "the signature is not text".to_owned())?;
    if !keys.iter().any(|k| vulndesk_formats::openpgp::verify_detached(k, bytes, &signature).is_ok()) {
        return Err("the OpenPGP signature does not verify with the provider's public key".into());
    }
    let json: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let failures = vulndesk_formats::csaf::check(&json);
    if let Some(f) = failures.first() {
        return Err(format!("CSAF mandatory test {} fails at {}: {}", f.test, f.path, f.message));
    }
    let doc = vulndesk_formats::csaf::read(bytes).map_err(|e| format!("not a CSAF document vulndesk reads: {e}"))?;
    Ok(FeedDocument {
        url: url.to_owned(),
        tracking_id: doc.id,
        title: doc.title,
        current_release_date: if updated.is_empty() {
            json["document"]["tracking"]["current_release_date"].as_str().unwrap_or_default().to_owned()
        } else {
            updated.to_owned()
        },
        sha256,
        document: String::from_utf8_lossy(bytes).into_owned(),
    })
}

/// The work of one pull, without the store: what to keep and what to refuse.
struct Fetched {
    keep: Vec<FeedDocument>,
    unchanged: usize,
    refused: Vec<(String, String)>,
}

/// Fetches and checks a provider's documents. `known(url)` answers the stored document's
/// `updated` date and hash, for incremental pulls.
fn fetch(
    agent: &ureq::Agent,
    metadata_url: &str,
    known: &dyn Fn(&str) -> Option<(String, String)>,
) -> Result<Fetched, String> {
    let meta = get_json(agent, metadata_url)?;
    let mut keys = Vec::new();
    for k in meta["public_openpgp_keys"].as_array().into_iter().flatten() {
        if let Some(url) = k["url"].as_str() {
            let key = String::from_utf8(get(agent, url)?).map_err(|_| format!("{url}: the key is not text"))?;
            keys.push(key);
        }
    }
    if keys.is_empty() {
        return Err(format!("{metadata_url}: names no public OpenPGP key, so no document can be verified"));
    }
    // Every document the provider lists: ROLIE feed entries (with their `updated` date) and
    // directory distributions (`index.txt`, one path per line; no date, so only the hash
    // decides whether an entry changed). A document listed both ways is fetched once.
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut listed: Vec<String> = Vec::new();
    for dist in meta["distributions"].as_array().into_iter().flatten() {
        for f in dist["rolie"]["feeds"].as_array().into_iter().flatten() {
            let Some(feed_url) = f["url"].as_str() else { continue };
            let feed = get_json(agent, feed_url)?;
            for e in feed["feed"]["entry"].as_array().into_iter().flatten() {
                let Some(url) = e["content"]["src"].as_str() else { continue };
                entries.push((url.to_owned(), e["updated"].as_str().unwrap_or_default().to_owned()));
            }
        }
        if let Some(dir) = dist["directory_url"].as_str() {
            let dir = dir.trim_end_matches('/');
            let index = get(agent, &format!("{dir}/index.txt"))?;
            for line in String::from_utf8_lossy(&index).lines().map(str::trim).filter(|l| !l.is_empty()) {
                // Paths relative to the directory only: a listing cannot send us elsewhere.
                if line.contains("..") || line.contains("://") || line.starts_with('/') {
                    continue;
                }
                listed.push(format!("{dir}/{line}"));
            }
        }
    }
    for url in listed {
        if !entries.iter().any(|(u, _)| *u == url) {
            entries.push((url, String::new()));
        }
    }
    let mut out = Fetched { keep: Vec::new(), unchanged: 0, refused: Vec::new() };
    for (url, updated) in &entries {
        let bytes = match get(agent, url) {
            Ok(b) => b,
            Err(why) => {
                out.refused.push((url.clone(), why));
                continue;
            }
        };
        let sha = hex::encode(Sha256::digest(&bytes));
        if known(url).is_some_and(|(u, h)| h == sha && (updated.is_empty() || u == *updated)) {
            out.unchanged += 1;
            continue;
        }
        match check_document(agent, &keys, url, &bytes, updated) {
            Ok(d) => out.keep.push(d),
            Err(why) => out.refused.push((url.clone(), why)),
        }
    }
    Ok(out)
}

/// Pulls one feed now: keeps what passes, logs what does not, records the run.
pub async fn pull(store: &Store, clock: &dyn Clock, feed: &Feed, dest: Destinations) -> Result<PullReport, StoreError> {
    let mut known = std::collections::HashMap::new();
    for d in store.feed_documents(&feed.id).await? {
        known.insert(d.url.clone(), (d.current_release_date.clone(), d.sha256.clone()));
    }
    let url = feed.url.clone();
    let fetched = tokio::task::spawn_blocking(move || {
        let agent = agent(dest);
        fetch(&agent, &url, &|u| known.get(u).cloned())
    })
    .await
    .unwrap_or_else(|e| Err(format!("the puller failed: {e}")));
    let now = clock.now();
    match fetched {
        Ok(f) => {
            for d in &f.keep {
                store.accept_feed_document(&feed.id, d, now).await?;
            }
            for (url, why) in &f.refused {
                store.reject_feed_document(feed, url, why, now).await?;
            }
            store.record_feed_run(&feed.id, now, None).await?;
            Ok(PullReport { accepted: f.keep.len(), unchanged: f.unchanged, rejected: f.refused })
        }
        Err(why) => {
            store.record_feed_run(&feed.id, now, Some(&why)).await?;
            Err(StoreError::Invalid(why))
        }
    }
}

/// The most an OSV archive download may weigh (osv.dev's largest `all.zip` is well under it).
const MAX_ARCHIVE_BYTES: u64 = 4 << 30;

/// Downloads an OSV `all.zip` (or one record) from `url` into `to`, through the destination
/// policy (no private networks unless allowed) and without following redirects, so the URL
/// configured is the one read. Answers the bytes written.
pub fn download(url: &str, to: &std::path::Path, dest: Destinations) -> Result<u64, String> {
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(3600)))
        .http_status_as_error(false)
        .max_redirects(0)
        .build();
    let agent = crate::deliver::agent_for(config, dest);
    let mut resp = agent.get(url).call().map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(format!("{url}: HTTP {status}"));
    }
    let mut file = std::fs::File::create(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let mut body = resp.body_mut().with_config().limit(MAX_ARCHIVE_BYTES).reader();
    std::io::copy(&mut body, &mut file).map_err(|e| format!("{url}: {e}"))
}
