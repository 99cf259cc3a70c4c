//! What vulndesk publishes: the CSAF 2.0 trusted-provider tree under `/.well-known/csaf/`
//! (provider-metadata.json, a ROLIE feed, index.txt and changes.csv per TLP folder, every
//! document with its `.sha256`, `.sha512` and `.asc`, and the public OpenPGP key), the public
//! advisory pages in both languages, and an Atom feed.
//!
//! Everything served is the stored bytes of a published revision. TLP:CLEAR is for everyone;
//! TLP:GREEN needs a signed-in account; TLP:AMBER and RED need the right to read the
//! organisation's cases. A document the caller may not read is a 404, so its existence is not
//! revealed either.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use vulndesk_core::Action;
use vulndesk_formats::advisory::{Publisher, Tlp};
use vulndesk_formats::csaf_provider::{self, Entry, ProviderInfo};
use vulndesk_store::publication::AdvisoryDocument;

use super::{Chrome, render};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::state::AppState;

fn folder_tlp(folder: &str) -> Option<Tlp> {
    Tlp::ALL.into_iter().find(|t| csaf_provider::tlp_label(*t).eq_ignore_ascii_case(folder))
}

fn folder_of(tlp: Tlp) -> String {
    csaf_provider::tlp_label(tlp).to_lowercase()
}

/// Whether the caller may read a document of this label and organisation.
fn may_read(ctx: &RequestCtx, tlp: Tlp, org: vulndesk_core::OrgId) -> bool {
    match tlp {
        Tlp::Clear => true,
        Tlp::Green => ctx.user.is_some(),
        Tlp::Amber | Tlp::Red => ctx.require(Action::ViewCases(org)).is_ok(),
    }
}

fn typed(body: impl Into<axum::body::Body>, content_type: &'static str) -> Response {
    let mut resp = Response::new(body.into());
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// The current CSAF documents (both profiles) the caller may read.
async fn readable_csaf(state: &AppState, ctx: &RequestCtx) -> Result<Vec<AdvisoryDocument>, AppError> {
    let mut docs = state.store.current_documents("csaf").await?;
    docs.extend(state.store.current_documents("csaf_vex").await?);
    docs.retain(|d| Tlp::parse(&d.tlp).is_some_and(|t| may_read(ctx, t, d.org)));
    docs.sort_by(|a, b| b.published_at.cmp(&a.published_at).then(a.path.cmp(&b.path)));
    Ok(docs)
}

fn entry(d: &AdvisoryDocument) -> Entry {
    let json: serde_json::Value = serde_json::from_str(&d.body).unwrap_or_default();
    let text = |p: &str| json.pointer(p).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    Entry {
        tlp: Tlp::parse(&d.tlp).unwrap_or(Tlp::Red),
        path: d.path.clone(),
        id: text("/document/tracking/id"),
        title: d.title.clone(),
        initial_release_date: text("/document/tracking/initial_release_date"),
        current_release_date: text("/document/tracking/current_release_date"),
        summary: json
            .pointer("/document/notes")
            .and_then(|n| n.as_array())
            .and_then(|n| n.iter().find(|x| x["category"] == "summary"))
            .and_then(|x| x["text"].as_str())
            .unwrap_or_default()
            .to_owned(),
    }
}

/// The provider's description at `base`: the signing key, and the publisher (the organisation
/// named by `publisher_slug`, else the one that published last). `None` until something is
/// published. Shared by the served tree and the static export, so both say the same.
async fn provider_info_at(
    store: &vulndesk_store::Store,
    base: &str,
    publisher_slug: Option<&str>,
    now: vulndesk_core::Timestamp,
) -> Result<Option<ProviderInfo>, vulndesk_store::StoreError> {
    let base = base.trim_end_matches('/');
    let Some(key) = store.signing_key().await? else { return Ok(None) };
    let published = store.published_advisories(None).await?;
    let orgs = store.list_orgs().await?;
    let chosen = publisher_slug
        .and_then(|slug| orgs.iter().find(|o| o.slug.as_str() == slug))
        .or_else(|| published.first().and_then(|a| orgs.iter().find(|o| o.id == a.org)));
    let Some(chosen) = chosen else { return Ok(None) };
    let last = published.iter().filter_map(|a| a.current_release_at).max().unwrap_or(now);
    Ok(Some(ProviderInfo {
        canonical_url: format!("{base}/.well-known/csaf/provider-metadata.json"),
        base_url: format!("{base}/.well-known/csaf"),
        publisher: Publisher { name: chosen.name.clone(), namespace: base.to_owned(), contact: None },
        public_key_url: format!("{base}/.well-known/csaf/openpgp/{}.asc", key.fingerprint),
        fingerprint: key.fingerprint,
        last_updated: last.to_rfc3339(),
        list_on_aggregators: true,
        mirror_on_aggregators: true,
    }))
}

async fn provider_info(state: &AppState, ctx: &RequestCtx) -> Result<ProviderInfo, AppError> {
    let slug = state.config.security_txt_org.as_deref();
    provider_info_at(&state.store, &state.public_base(ctx), slug, state.clock.now()).await?.ok_or(AppError::NotFound)
}

/// A hash file's line, `sha256sum`'s format, from the hex stored at publication (a published
/// document is never hashed again).
fn hash_file(hex: &str, path: &str) -> String {
    format!("{hex}  {}\n", path.rsplit('/').next().unwrap_or(path))
}

/// `/.well-known/csaf/provider-metadata.json`: 404 until something is published.
pub(crate) async fn provider_metadata(State(state): State<AppState>, ctx: RequestCtx) -> Result<Response, AppError> {
    let info = provider_info(&state, &ctx).await?;
    let mut tlps: Vec<Tlp> = Vec::new();
    for kind in ["csaf", "csaf_vex"] {
        for d in state.store.current_documents(kind).await? {
            if let Some(t) = Tlp::parse(&d.tlp).filter(|t| !tlps.contains(t)) {
                tlps.push(t);
            }
        }
    }
    let body = serde_json::to_string_pretty(&csaf_provider::provider_metadata(&info, &tlps))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(typed(body, "application/json"))
}

/// The public OpenPGP key the documents are signed with.
pub(crate) async fn public_key(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, AppError> {
    let key = state.store.signing_key().await?.ok_or(AppError::NotFound)?;
    if file != format!("{}.asc", key.fingerprint) {
        return Err(AppError::NotFound);
    }
    Ok(typed(key.public_armored, "application/pgp-keys"))
}

/// A TLP folder's feed, `index.txt` or `changes.csv`.
pub(crate) async fn folder_file(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((folder, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let tlp = folder_tlp(&folder).ok_or(AppError::NotFound)?;
    let entries: Vec<Entry> =
        readable_csaf(&state, &ctx).await?.iter().filter(|d| Tlp::parse(&d.tlp) == Some(tlp)).map(entry).collect();
    if tlp != Tlp::Clear && ctx.user.is_none() {
        return Err(AppError::NotFound);
    }
    match file.as_str() {
        "index.txt" => Ok(typed(csaf_provider::index_txt(&entries), "text/plain; charset=utf-8")),
        "changes.csv" => Ok(typed(csaf_provider::changes_csv(&entries), "text/csv; charset=utf-8")),
        f if f == format!("csaf-feed-tlp-{}.json", folder_of(tlp)) => {
            let info = provider_info(&state, &ctx).await?;
            let body = serde_json::to_string_pretty(&csaf_provider::rolie_feed(&info, tlp, &entries))
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(typed(body, "application/json"))
        }
        _ => Err(AppError::NotFound),
    }
}

/// A document, or its hash or signature file.
pub(crate) async fn document_file(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((folder, year, file)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let tlp = folder_tlp(&folder).ok_or(AppError::NotFound)?;
    let (name, suffix) = ["sha256", "sha512", "asc"]
        .iter()
        .find_map(|s| file.strip_suffix(&format!(".{s}")).map(|n| (n.to_owned(), *s)))
        .unwrap_or((file.clone(), ""));
    let path = format!("{year}/{name}");
    let d = state.store.document_at(tlp.as_str(), &path).await?.ok_or(AppError::NotFound)?;
    if !may_read(&ctx, tlp, d.org) || !(d.kind == "csaf" || d.kind == "csaf_vex") {
        return Err(AppError::NotFound);
    }
    Ok(match suffix {
        "sha256" => typed(hash_file(&d.sha256, &name), "text/plain; charset=utf-8"),
        "sha512" => typed(hash_file(&d.sha512, &name), "text/plain; charset=utf-8"),
        "asc" => typed(d.signature, "application/pgp-signature"),
        _ => typed(d.body, "application/json"),
    })
}

#[derive(Template)]
#[template(path = "advisories.html")]
struct ListPage {
    chrome: Chrome,
    advisories: Vec<(String, String, String, String)>,
}

/// `/advisories`: every published advisory the caller may read.
pub(crate) async fn list(State(state): State<AppState>, ctx: RequestCtx) -> Result<Response, AppError> {
    let advisories = state
        .store
        .published_advisories(None)
        .await?
        .into_iter()
        .filter(|a| Tlp::parse(&a.tlp).is_some_and(|t| may_read(&ctx, t, a.org)))
        .map(|a| {
            let title =
                if ctx.tr.locale == vulndesk_core::Locale::En && !a.title_en.is_empty() { a.title_en } else { a.title };
            (a.tracking_id, title, a.tlp, a.current_release_at.map(|t| t.to_rfc3339()).unwrap_or_default())
        })
        .collect();
    render(&ListPage { chrome: Chrome::new(&ctx), advisories })
}

#[derive(Template)]
#[template(path = "advisory_public.html")]
struct PublicPage {
    chrome: Chrome,
    tracking_id: String,
    body: String,
    downloads: Vec<(String, String)>,
    fingerprint: String,
}

/// `/advisories/{id}`: the published page in the reader's language (or the other one).
pub(crate) async fn show(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let a =
        state.store.advisory_by_tracking(&id).await?.filter(|a| a.status == "published").ok_or(AppError::NotFound)?;
    if !Tlp::parse(&a.tlp).is_some_and(|t| may_read(&ctx, t, a.org)) {
        return Err(AppError::NotFound);
    }
    let docs = state.store.documents_of(&a.id, a.version).await?;
    let (first, second) =
        if ctx.tr.locale == vulndesk_core::Locale::En { ("html_en", "html_zh") } else { ("html_zh", "html_en") };
    let body = docs
        .iter()
        .find(|d| d.kind == first)
        .or_else(|| docs.iter().find(|d| d.kind == second))
        .map(|d| d.body.clone())
        .ok_or(AppError::NotFound)?;
    render(&PublicPage {
        chrome: Chrome::new(&ctx),
        tracking_id: a.tracking_id.clone(),
        body,
        downloads: super::advisory::document_links(&state, &a).await?,
        fingerprint: state.store.signing_key().await?.map(|k| k.fingerprint).unwrap_or_default(),
    })
}

/// `/advisories/{id}/osv/{file}` and `/advisories/{id}/cve/{file}`: the OSV and CVE renderings.
pub(crate) async fn rendering(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((id, kind, file)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let a =
        state.store.advisory_by_tracking(&id).await?.filter(|a| a.status == "published").ok_or(AppError::NotFound)?;
    if !Tlp::parse(&a.tlp).is_some_and(|t| may_read(&ctx, t, a.org)) || !(kind == "osv" || kind == "cve") {
        return Err(AppError::NotFound);
    }
    let path = format!("{kind}/{file}");
    let d = state
        .store
        .documents_of(&a.id, a.version)
        .await?
        .into_iter()
        .find(|d| d.kind == kind && d.path == path)
        .ok_or(AppError::NotFound)?;
    Ok(typed(d.body, "application/json"))
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `/advisories.atom`: the TLP:CLEAR advisories, newest first.
pub(crate) async fn atom(State(state): State<AppState>, ctx: RequestCtx) -> Result<Response, AppError> {
    let base = state.public_base(&ctx);
    let published: Vec<_> =
        state.store.published_advisories(None).await?.into_iter().filter(|a| a.tlp == "CLEAR").collect();
    let updated = published.iter().filter_map(|a| a.current_release_at).max().unwrap_or(state.clock.now());
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>vulndesk advisories</title>\n\
         <id>{base}/advisories</id>\n<link rel=\"self\" href=\"{base}/advisories.atom\"/>\n<updated>{}</updated>\n",
        updated.to_rfc3339()
    );
    for a in &published {
        let title = if a.title_en.is_empty() { &a.title } else { &a.title_en };
        let summary = if a.summary_en.is_empty() { &a.summary } else { &a.summary_en };
        out.push_str(&format!(
            "<entry>\n<id>{base}/advisories/{id}</id>\n<title>{id}: {title}</title>\n<link href=\"{base}/advisories/{id}\"/>\n\
             <updated>{updated}</updated>\n<published>{published}</published>\n<author><name>vulndesk</name></author>\n<summary>{summary}</summary>\n</entry>\n",
            id = xml(&a.tracking_id),
            title = xml(title),
            updated = a.current_release_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            published = a.initial_release_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            summary = xml(summary),
        ));
    }
    out.push_str("</feed>\n");
    Ok(typed(out, "application/atom+xml"))
}

/// Whether the provider tree has anything in it (then security.txt names it).
pub(crate) async fn provider_published(state: &AppState) -> Result<bool, AppError> {
    Ok(state.store.signing_key().await?.is_some() && !state.store.published_advisories(None).await?.is_empty())
}

/// The provider tree as files, for hosting on a static web server under `base`
/// (`https://psirt.example.com`): provider-metadata.json, then per TLP in `include` the ROLIE
/// feed, index.txt, changes.csv and every current document with its hashes and signature, and
/// the public key. Paths are relative to `.well-known/csaf/`. Nothing is re-signed: the stored
/// published bytes and signatures are written as they are.
pub async fn export_tree(
    store: &vulndesk_store::Store,
    base: &str,
    publisher_slug: Option<&str>,
    include: &[Tlp],
    now: vulndesk_core::Timestamp,
) -> Result<Vec<(String, Vec<u8>)>, String> {
    let fail = |e: vulndesk_store::StoreError| e.to_string();
    let info = provider_info_at(store, base, publisher_slug, now)
        .await
        .map_err(fail)?
        .ok_or("nothing is published yet: publish an advisory first")?;
    let key = store.signing_key().await.map_err(fail)?.ok_or("no signing key")?;
    let mut docs = store.current_documents("csaf").await.map_err(fail)?;
    docs.extend(store.current_documents("csaf_vex").await.map_err(fail)?);
    let mut files = Vec::new();
    let mut present = Vec::new();
    for tlp in include {
        let mine: Vec<&AdvisoryDocument> = docs.iter().filter(|d| Tlp::parse(&d.tlp) == Some(*tlp)).collect();
        if mine.is_empty() {
            continue;
        }
        present.push(*tlp);
        let folder = folder_of(*tlp);
        let entries: Vec<Entry> = mine.iter().map(|d| entry(d)).collect();
        let feed =
            serde_json::to_vec_pretty(&csaf_provider::rolie_feed(&info, *tlp, &entries)).map_err(|e| e.to_string())?;
        files.push((format!("{folder}/csaf-feed-tlp-{folder}.json"), feed));
        files.push((format!("{folder}/index.txt"), csaf_provider::index_txt(&entries).into_bytes()));
        files.push((format!("{folder}/changes.csv"), csaf_provider::changes_csv(&entries).into_bytes()));
        for d in mine {
            files.push((format!("{folder}/{}", d.path), d.body.clone().into_bytes()));
            files.push((format!("{folder}/{}.sha256", d.path), hash_file(&d.sha256, &d.path).into_bytes()));
            files.push((format!("{folder}/{}.sha512", d.path), hash_file(&d.sha512, &d.path).into_bytes()));
            files.push((format!("{folder}/{}.asc", d.path), d.signature.clone().into_bytes()));
        }
    }
    let meta =
        serde_json::to_vec_pretty(&csaf_provider::provider_metadata(&info, &present)).map_err(|e| e.to_string())?;
    files.push(("provider-metadata.json".into(), meta));
    files.push((format!("openpgp/{}.asc", key.fingerprint), key.public_armored.into_bytes()));
    Ok(files)
}
