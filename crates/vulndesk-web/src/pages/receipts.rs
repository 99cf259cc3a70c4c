//! The receipt log for inspectors: the newest receipts, the last receipt per channel (is every
//! channel alive?), recent intake failures, the outbox, and the exports in CSV and JSON with the
//! chain head, so an inspector can check the log outside vulndesk.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use vulndesk_core::{Action, Organisation};
use vulndesk_store::intake::Receipt;

use super::{Chrome, render};
use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::ops;
use crate::state::AppState;

struct LastRow {
    channel: String,
    seq: i64,
    at: String,
}

struct FailureRow {
    at: String,
    channel: String,
    program: String,
    reason: String,
}

struct OutboxLine {
    at: String,
    template: String,
    recipient: String,
    subject: String,
    status: String,
}

struct ReceiptRow {
    seq: i64,
    at: String,
    channel: String,
    source: String,
    payload: String,
    hash: String,
}

#[derive(Template)]
#[template(path = "receipts.html")]
struct ReceiptsPage {
    chrome: Chrome,
    org_name: String,
    org_slug: String,
    retention_days: i64,
    last: Vec<LastRow>,
    failures: Vec<FailureRow>,
    outbox: Vec<OutboxLine>,
    receipts: Vec<ReceiptRow>,
}

pub(crate) async fn readable_org(state: &AppState, ctx: &RequestCtx, slug: &str) -> Result<Organisation, AppError> {
    let org = ops::visible_org(state, ctx, slug).await?;
    ctx.require(Action::ViewReceipts(org.id))?;
    Ok(org)
}

pub(crate) async fn page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let org = readable_org(&state, &ctx, &slug).await?;
    let tr = ctx.tr;
    let last = state
        .store
        .last_receipt_per_channel(org.id)
        .await?
        .into_iter()
        .map(|r| LastRow {
            channel: tr.t(&format!("channel-{}", r.channel.as_str())),
            seq: r.seq,
            at: r.received_at.to_rfc3339(),
        })
        .collect();
    let slugs: Vec<String> = state.store.programs_of(org.id).await?.into_iter().map(|p| p.slug.to_string()).collect();
    let failures = state
        .store
        .recent_intake_failures(200)
        .await?
        .into_iter()
        .filter(|(_, _, program, _)| slugs.contains(program))
        .take(20)
        .map(|(at, channel, program, reason)| FailureRow { at: at.to_rfc3339(), channel, program, reason })
        .collect();
    let outbox = state
        .store
        .outbox_of(org.id, 20)
        .await?
        .into_iter()
        .map(|o| OutboxLine {
            at: o.created_at.to_rfc3339(),
            template: o.template,
            recipient: o.recipient,
            subject: o.subject,
            status: o.status,
        })
        .collect();
    let receipts = state
        .store
        .receipts_of(org.id, None, 100)
        .await?
        .into_iter()
        .map(|r| ReceiptRow {
            seq: r.seq,
            at: r.received_at.to_rfc3339(),
            channel: tr.t(&format!("channel-{}", r.channel.as_str())),
            source: r.source,
            payload: r.payload_sha256.chars().take(16).collect(),
            hash: r.hash.chars().take(16).collect(),
        })
        .collect();
    render(&ReceiptsPage {
        chrome: Chrome::new(&ctx),
        org_name: org.name,
        org_slug: org.slug.to_string(),
        retention_days: state.store.retention_days().await?,
        last,
        failures,
        outbox,
        receipts,
    })
}

/// Every receipt of the organisation, oldest first, for exports.
pub(crate) async fn all_receipts(state: &AppState, org: &Organisation) -> Result<Vec<Receipt>, AppError> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = state.store.receipts_of(org.id, before, 5000).await?;
        let Some(last) = page.last() else { break };
        before = Some(last.seq);
        let done = page.len() < 5000;
        out.extend(page);
        if done {
            break;
        }
    }
    out.reverse();
    Ok(out)
}

pub(crate) fn receipt_json(r: &Receipt) -> serde_json::Value {
    serde_json::json!({
        "seq": r.seq, "received_at": r.received_at.to_rfc3339(), "channel": r.channel.as_str(), "program_id": r.program,
        "report_id": r.report, "source": r.source, "user_agent": r.user_agent, "payload_sha256": r.payload_sha256,
        "prev_hash": r.prev_hash, "hash": r.hash,
    })
}

/// The export document: the organisation's receipts and the head of the whole chain.
pub(crate) async fn export_json(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
) -> Result<serde_json::Value, AppError> {
    let receipts = all_receipts(state, org).await?;
    let head = state.store.receipt_head().await?;
    state
        .store
        .record_audit(&ctx.audit(state.clock.now()).event(
            "receipts.export",
            "organisation",
            &org.id.to_string(),
            Some(org.id.to_string()),
            serde_json::json!({"count": receipts.len()}).to_string(),
        ))
        .await?;
    Ok(serde_json::json!({
        "organisation": org.slug.as_str(),
        "exported_at": state.clock.now().to_rfc3339(),
        "chain_head": head.map(|(seq, hash)| serde_json::json!({"seq": seq, "hash": hash})),
        "hash_algorithm": "SHA-256 over the previous hash and each field, length-prefixed (see ARCHITECTURE.md)",
        "receipts": receipts.iter().map(receipt_json).collect::<Vec<_>>(),
    }))
}

/// One CSV field, quoted when needed, with formula characters neutralised for spreadsheets.
pub(crate) fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

pub(crate) async fn export_csv_text(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
) -> Result<String, AppError> {
    let doc = export_json(state, ctx, org).await?;
    let mut out =
        String::from("seq,received_at,channel,program_id,report_id,source,user_agent,payload_sha256,prev_hash,hash\n");
    for r in doc["receipts"].as_array().into_iter().flatten() {
        let cols = [
            "seq",
            "received_at",
            "channel",
            "program_id",
            "report_id",
            "source",
            "user_agent",
            "payload_sha256",
            "prev_hash",
            "hash",
        ];
        let line: Vec<String> = cols
            .iter()
            .map(|c| match &r[*c] {
                serde_json::Value::String(s) => csv_field(s),
                other => other.to_string(),
            })
            .collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    if let Some(head) = doc["chain_head"].as_object() {
        out.push_str(&format!("# chain head: seq {} hash {}\n", head["seq"], head["hash"].as_str().unwrap_or("")));
    }
    Ok(out)
}

fn download(body: String, content_type: &'static str, filename: String) -> Response {
    let mut resp = body.into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        resp.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

pub(crate) async fn csv(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let org = readable_org(&state, &ctx, &slug).await?;
    let text = export_csv_text(&state, &ctx, &org).await?;
    Ok(download(text, "text/csv; charset=utf-8", format!("{}-receipts.csv", org.slug)))
}

pub(crate) async fn json(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let org = readable_org(&state, &ctx, &slug).await?;
    let doc = export_json(&state, &ctx, &org).await?;
    Ok(download(
        serde_json::to_string_pretty(&doc).unwrap_or_default(),
        "application/json",
        format!("{}-receipts.json", org.slug),
    ))
}
