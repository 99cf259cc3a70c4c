//! Re-matching an operator's assets (Art. 8): the deployment's OSV data, the CSAF documents its
//! vendor feeds delivered and the VEX documents it uploaded, against every asset's components
//! (package URLs) and its vendor, product and version. The result goes to
//! [`Store::sync_findings`], which keeps one finding per (asset, vulnerability).
//!
//! Runs after every inventory change, VEX upload and OSV import (by the web layer and the CLI),
//! after every feed pull that brought something new, and hourly for every organisation with
//! assets (which also ends expired risk acceptances).

use std::collections::HashMap;
use std::sync::Arc;

use vulndesk_core::sla::{AssetClass, Exposure, SlaMatrix};
use vulndesk_core::{AuditContext, OrgId, Timestamp};
use vulndesk_formats::purl::Purl;
use vulndesk_formats::vex::{self, ProductRef, Statement, Status};
use vulndesk_match::Index;
use vulndesk_match::Vers;
use vulndesk_store::assets::Asset;
use vulndesk_store::findings::{Match, SyncReport};
use vulndesk_store::{Store, StoreError};

/// `Store::osv_stamp`: (count, latest import time).
type OsvStamp = (i64, i64);

/// How long an index found current stays trusted without a look at the database, when change
/// notices are being listened to: the safety net for a notice that never came.
const SAFETY_NET: std::time::Duration = std::time::Duration::from_secs(60);

/// The in-memory OSV index of this process, with the store stamp it was built from; rebuilt
/// when the stored records changed (by this instance or another one sharing the database).
///
/// How it learns of a change: this process's own imports at once (`Store::osv_generation`);
/// on PostgreSQL, once [`OsvCache::watch`] runs, other instances' imports by their
/// `LISTEN`/`NOTIFY` notice, and anything missed by a look at the stamp at least every
/// [`SAFETY_NET`]. Without a listener (SQLite, where another process may import into the same
/// file) the stamp is read on every use, as it is cheap there.
#[derive(Default)]
pub struct OsvCache {
    built: tokio::sync::Mutex<Option<Built>>,
    /// Set by a notice from another instance; cleared when the stamp is read.
    changed: std::sync::atomic::AtomicBool,
    /// Whether a notice listener runs for this cache.
    watched: std::sync::atomic::AtomicBool,
    /// How many times the stamp was read (for tests and metrics).
    stamp_reads: std::sync::atomic::AtomicU64,
}

struct Built {
    stamp: OsvStamp,
    index: Arc<Index>,
    /// The store's own-import counter when the stamp was read.
    generation: u64,
    /// When the stamp was read, by the caller's clock.
    checked_at: Timestamp,
}

impl OsvCache {
    /// Listens for other instances' imports (PostgreSQL). Without it, or on SQLite, the stamp is
    /// read on every use. True when a listener runs.
    pub async fn watch(self: &Arc<Self>, store: &Store) -> Result<bool, StoreError> {
        let me = Arc::downgrade(self);
        let on = store
            .watch_osv_changes(move || {
                if let Some(cache) = me.upgrade() {
                    cache.changed.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            })
            .await?;
        self.watched.store(on, std::sync::atomic::Ordering::SeqCst);
        Ok(on)
    }

    /// How many times the stored stamp has been read.
    pub fn stamp_reads(&self) -> u64 {
        self.stamp_reads.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The current index at `now` (the caller's clock: it decides when the safety net is due).
    pub async fn index(&self, store: &Store, now: Timestamp) -> Result<Arc<Index>, StoreError> {
        use std::sync::atomic::Ordering::SeqCst;
        let mut built = self.built.lock().await;
        let generation = store.osv_generation();
        if let Some(b) = built.as_ref()
            && self.watched.load(SeqCst)
            && b.generation == generation
            && now < b.checked_at.plus(SAFETY_NET)
            && !self.changed.swap(false, SeqCst)
        {
            return Ok(b.index.clone());
        }
        // Cleared before the read, so a notice arriving meanwhile leads to another look.
        self.changed.store(false, SeqCst);
        self.stamp_reads.fetch_add(1, SeqCst);
        let stamp = store.osv_stamp().await?;
        let checked_at = now;
        if let Some(b) = built.as_mut()
            && b.stamp == stamp
        {
            b.generation = generation;
            b.checked_at = checked_at;
            return Ok(b.index.clone());
        }
        let bodies = store.osv_bodies().await?;
        let index = tokio::task::spawn_blocking(move || {
            let (index, unreadable) = Index::from_records(&bodies);
            if unreadable > 0 {
                tracing::warn!(unreadable, "stored OSV records could not be read; import them again");
            }
            Arc::new(index)
        })
        .await
        .map_err(|e| StoreError::Invalid(format!("building the OSV index failed: {e}")))?;
        *built = Some(Built { stamp, index: index.clone(), generation, checked_at });
        Ok(index)
    }
}

/// What sets an asset's remediation deadlines.
pub fn class_of(a: &Asset) -> AssetClass {
    AssetClass {
        protection_level: u8::try_from(a.protection_level).unwrap_or(2),
        exposure: if a.exposure == "internet_facing" { Exposure::InternetFacing } else { Exposure::Internal },
        critical_infrastructure: a.critical_infrastructure,
    }
}

/// The organisation's SLA matrix: its own if it set one (and it still reads), else the defaults.
pub async fn sla_of(store: &Store, org: OrgId) -> Result<SlaMatrix, StoreError> {
    Ok(match store.sla_matrix(org).await? {
        Some(text) => SlaMatrix::parse(&text).unwrap_or_else(|e| {
            tracing::warn!(%org, error = %e, "the stored SLA matrix does not read; using the defaults");
            SlaMatrix::default()
        }),
        None => SlaMatrix::default(),
    })
}

/// The name a vulnerability's findings go under: its CVE when it has one, so the same flaw from
/// OSV and from a vendor's CSAF is one finding.
pub fn canonical(id: &str, aliases: &[String]) -> String {
    std::iter::once(id)
        .chain(aliases.iter().map(String::as_str))
        .find(|a| a.starts_with("CVE-"))
        .unwrap_or(id)
        .to_owned()
}

fn same(a: &str, b: &str) -> bool {
    !a.is_empty() && a.trim().eq_ignore_ascii_case(b.trim())
}

/// Whether `version` is in `range`: a `vers:` range, or a comparison as CSAF product trees write
/// it (`<=1.14.0`, `>=2.0|<3.0`), read as a generic one.
fn in_range(range: &str, version: &str) -> bool {
    let text: String = if range.starts_with("vers:") {
        range.to_owned()
    } else {
        format!("vers:generic/{}", range.split_whitespace().collect::<String>())
    };
    Vers::parse_unsorted(&text)
        .ok()
        .and_then(|v| v.parse_version(version).ok().map(|x| v.contains(&x)))
        .unwrap_or(false)
}

/// Whether a version fits what a statement names: its version, else its range, else any.
fn version_fits(p: &ProductRef, version: &str) -> bool {
    if !p.version.is_empty() {
        p.version.trim() == version.trim()
    } else if !p.range.is_empty() {
        in_range(&p.range, version)
    } else {
        true
    }
}

/// What of the asset a statement's product is, if anything: a component's package URL, or the
/// asset itself (vendor, product or model, version).
fn product_match(p: &ProductRef, asset: &Asset, components: &[Purl]) -> Option<String> {
    if let Some(q) = &p.purl {
        return components
            .iter()
            .find(|c| {
                c.purl_type() == q.purl_type()
                    && c.namespace().unwrap_or_default().eq_ignore_ascii_case(q.namespace().unwrap_or_default())
                    && c.name().eq_ignore_ascii_case(q.name())
                    && match (q.version(), c.version()) {
                        (Some(want), Some(have)) => want == have,
                        (None, Some(have)) => version_fits(p, have),
                        (None, None) => p.version.is_empty() && p.range.is_empty(),
                        (Some(_), None) => false,
                    }
            })
            .map(ToString::to_string);
    }
    // vulndesk's own CSAF names a product "product model"; vendors' names carry a local-language
    // part ("Demo Networks 演示网络") an inventory may leave out.
    let product_and_model = format!("{} {}", asset.product.trim(), asset.model.trim());
    let vendor_fits = |v: &str| {
        let (v, mine) = (v.trim().to_lowercase(), asset.vendor.trim().to_lowercase());
        v.is_empty() || (!mine.is_empty() && (v == mine || v.starts_with(&format!("{mine} "))))
    };
    if (same(&p.product, &asset.product) || same(&p.product, &asset.model) || same(&p.product, &product_and_model))
        && vendor_fits(&p.vendor)
        && version_fits(p, &asset.version)
    {
        return Some(
            [asset.vendor.as_str(), asset.product.as_str(), asset.version.as_str()].join(" ").trim().to_owned(),
        );
    }
    // A component named without a package URL (CycloneDX without purl).
    components
        .iter()
        .find(|c| same(&p.product, c.name()) && c.version().is_some_and(|v| version_fits(p, v)))
        .map(ToString::to_string)
}

/// The statements an organisation's suppliers made: its feeds' CSAF documents and its uploaded
/// VEX documents, each with where it came from.
async fn statements(store: &Store, org: OrgId) -> Result<Vec<(String, Statement)>, StoreError> {
    let mut out = Vec::new();
    for feed in store.feeds(Some(org)).await? {
        for d in store.feed_documents(&feed.id).await? {
            match vex::read(d.document.as_bytes()) {
                Ok(s) => {
                    out.extend(s.statements.into_iter().map(|x| (format!("CSAF {} ({})", d.tracking_id, feed.name), x)))
                }
                Err(e) => {
                    tracing::warn!(feed = %feed.name, url = %d.url, error = %e, "a kept feed document has no statements")
                }
            }
        }
    }
    for d in store.vex_documents(org).await? {
        match vex::read(d.document.as_bytes()) {
            Ok(s) => out.extend(s.statements.into_iter().map(|x| (format!("VEX {}", d.name), x))),
            Err(e) => tracing::warn!(vex = %d.name, error = %e, "an uploaded VEX document does not read"),
        }
    }
    Ok(out)
}

/// One vulnerability found on one asset, before it is a [`Match`].
struct Found {
    purl: String,
    grade: String,
    source: String,
    names: Vec<String>,
}

/// Computes an organisation's current matches.
pub async fn matches(store: &Store, osv: &OsvCache, org: OrgId, now: Timestamp) -> Result<Vec<Match>, StoreError> {
    let assets = store.assets_of(org).await?;
    if assets.is_empty() {
        return Ok(Vec::new());
    }
    let index = osv.index(store, now).await?;
    let sla = sla_of(store, org).await?;
    let said = statements(store, org).await?;
    let mut out = Vec::new();
    for a in &assets {
        let components: Vec<Purl> = a.components.lines().filter_map(|c| Purl::parse(c).ok()).collect();
        let mut found: HashMap<String, Found> = HashMap::new();
        for c in &components {
            let Ok(hits) = index.query_purl(c) else { continue };
            for hit in hits {
                let adv = hit.advisory;
                let grade = adv.severity.as_deref().and_then(vex::grade_of).unwrap_or_default();
                let f = found.entry(canonical(&adv.id, &adv.aliases)).or_insert_with(|| Found {
                    purl: c.to_string(),
                    grade: String::new(),
                    source: format!("OSV {}", adv.id),
                    names: Vec::new(),
                });
                if vex::grade_rank(&grade) > vex::grade_rank(&f.grade) {
                    f.grade = grade;
                }
                f.names.push(adv.id.clone());
                f.names.extend(adv.aliases.iter().cloned());
            }
        }
        for (source, s) in said.iter().filter(|(_, s)| s.status == Status::Affected) {
            let Some(what) = product_match(&s.product, a, &components) else { continue };
            let f = found.entry(s.vulnerability.clone()).or_insert_with(|| Found {
                purl: what,
                grade: String::new(),
                source: source.clone(),
                names: Vec::new(),
            });
            let grade = s.grade.clone().unwrap_or_default();
            if vex::grade_rank(&grade) > vex::grade_rank(&f.grade) {
                f.grade = grade;
            }
            f.names.extend(s.aliases.iter().cloned());
        }
        for (vulnerability, f) in found {
            let covers = |s: &Statement| {
                s.vulnerability == vulnerability || s.aliases.iter().any(|x| x == &vulnerability || f.names.contains(x))
            };
            let not_affected = said
                .iter()
                .filter(|(_, s)| matches!(s.status, Status::NotAffected | Status::Fixed) && covers(s))
                .find_map(|(source, s)| {
                    product_match(&s.product, a, &components).map(|what| {
                        let verdict = if s.status == Status::Fixed { "fixed" } else { "not affected" };
                        let why =
                            if s.justification.is_empty() { String::new() } else { format!(": {}", s.justification) };
                        format!("{source}: {what} {verdict}{why}")
                    })
                });
            let days = sla.days(&f.grade, &class_of(a));
            out.push(Match {
                id: new_id(),
                asset: a.id.clone(),
                vulnerability,
                purl: f.purl,
                due: now.plus(std::time::Duration::from_secs(u64::from(days) * 86_400)),
                grade: f.grade,
                source: f.source,
                not_affected,
            });
        }
    }
    out.sort_by(|x, y| (&x.asset, &x.vulnerability).cmp(&(&y.asset, &y.vulnerability)));
    Ok(out)
}

/// A random id, minted like the web layer's.
fn new_id() -> String {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid().to_string()
}

/// Re-matches an organisation and brings its findings in step.
pub async fn rematch(store: &Store, osv: &OsvCache, org: OrgId, ctx: &AuditContext) -> Result<SyncReport, StoreError> {
    let m = matches(store, osv, org, ctx.at).await?;
    store.sync_findings(org, &m, ctx).await
}

/// Re-matches every organisation with assets (after an OSV import, and hourly).
pub async fn rematch_all(store: &Store, osv: &OsvCache, ctx: &AuditContext) -> Result<usize, StoreError> {
    let orgs = store.orgs_with_assets().await?;
    for org in &orgs {
        rematch(store, osv, *org, ctx).await?;
    }
    Ok(orgs.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(vendor: &str, product: &str, version: &str, range: &str) -> ProductRef {
        ProductRef {
            purl: None,
            vendor: vendor.into(),
            product: product.into(),
            version: version.into(),
            range: range.into(),
        }
    }

    fn asset(vendor: &str, product: &str, version: &str) -> Asset {
        Asset {
            id: "a".into(),
            org: "00000000-0000-0000-0000-000000000001".parse().expect("test value"),
            name: "edge".into(),
            hostnames: String::new(),
            addresses: String::new(),
            owner: String::new(),
            location: String::new(),
            exposure: "internal".into(),
            protection_level: 2,
            critical_infrastructure: false,
            vendor: vendor.into(),
            product: product.into(),
            model: "EG-2000".into(),
            version: version.into(),
            components: String::new(),
            created_at: Timestamp::from_micros(0),
        }
    }

    #[test]
    fn products_match_by_purl_name_and_version_or_range() {
        let a = asset("Demo Networks", "EdgeGate", "2.1.4");
        let comps = vec![
            Purl::parse("pkg:generic/dnsmasq@2.89").expect("test value"),
            Purl::parse("pkg:npm/%40scope/x@1.2.3").expect("test value"),
        ];
        let with_purl =
            |p: &str| ProductRef { purl: Some(Purl::parse(p).expect("test value")), ..ProductRef::default() };
        assert_eq!(
            product_match(&with_purl("pkg:generic/dnsmasq@2.89"), &a, &comps).as_deref(),
            Some("pkg:generic/dnsmasq@2.89")
        );
        assert_eq!(product_match(&with_purl("pkg:generic/dnsmasq@2.90"), &a, &comps), None);
        assert_eq!(
            product_match(&with_purl("pkg:generic/DNSMASQ@2.89"), &a, &comps).as_deref(),
            Some("pkg:generic/dnsmasq@2.89")
        );
        assert_eq!(
            product_match(&with_purl("pkg:deb/debian/dnsmasq@2.89"), &a, &comps),
            None,
            "another type is another package"
        );
        let mut ranged = with_purl("pkg:npm/%40scope/x");
        ranged.range = "vers:npm/>=1.0.0|<1.3.0".into();
        assert!(product_match(&ranged, &a, &comps).is_some());
        ranged.range = "vers:npm/>=1.3.0".into();
        assert!(product_match(&ranged, &a, &comps).is_none());
        assert!(product_match(&product("Demo Networks", "EdgeGate", "2.1.4", ""), &a, &comps).is_some());
        assert!(
            product_match(&product("demo networks", "EG-2000", "", "<=2.1.4"), &a, &comps).is_some(),
            "model, range"
        );
        assert!(product_match(&product("", "EdgeGate", "", "<2.1.4"), &a, &comps).is_none());
        assert!(product_match(&product("Other", "EdgeGate", "2.1.4", ""), &a, &comps).is_none(), "another vendor");
        assert!(
            product_match(&product("Demo Networks 演示网络", "EdgeGate EG-2000", "2.1.4", ""), &a, &comps).is_some(),
            "vulndesk's own CSAF: the vendor's full name, product and model"
        );
        assert!(
            product_match(&product("Demo", "EdgeGate", "2.1.4", ""), &a, &comps).is_none(),
            "a prefix is not a name"
        );
        assert!(product_match(&product("", "dnsmasq", "", "<2.90"), &a, &comps).is_some(), "a component by name");
        assert!(product_match(&product("", "", "", ""), &a, &comps).is_none(), "nothing named matches nothing");
    }

    #[test]
    fn the_cve_names_the_finding() {
        assert_eq!(canonical("GHSA-1", &["CVE-2024-1".into()]), "CVE-2024-1");
        assert_eq!(canonical("PYSEC-1", &["GHSA-2".into()]), "PYSEC-1");
        assert_eq!(canonical("CVE-2024-2", &[]), "CVE-2024-2");
    }

    #[test]
    fn ranges_as_csaf_writes_them() {
        assert!(in_range("<=1.14.0", "1.14.0"));
        assert!(!in_range("<=1.14.0", "1.14.1"));
        assert!(in_range(">= 2.0 | < 3.0", "2.5"));
        assert!(!in_range("not a range", "1.0"));
        assert_eq!(new_id().len(), 36);
    }
}
