//! Reports to the authority through the API, both ends.
//!
//! Provider side: the organisation's endpoint (URL, the bearer token and signing key the
//! platform issued), and sending a complete draft: a delivery queued for the job runner, which
//! records the platform's receipt number as the submission when it is accepted.
//!
//! Platform side (an organisation with the sharing-platform role): registered providers (each
//! with its own token, `vdp_…`, and signing key, shown once), agency subscribers (webhook URL and
//! secret), and `POST /api/v1/authority/reports`: the provider is authenticated by its token and
//! the body's signature, the document is checked field by field, stored with a receipt in the
//! intake receipt log, and relayed to every subscriber in the same transaction. The same
//! idempotency key returns the original answer and never relays twice.

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};
use vulndesk_core::case::Case;
use vulndesk_core::intake::Channel;
use vulndesk_core::{Action, OrgKind, Organisation, Timestamp};
use vulndesk_store::StoreError;
use vulndesk_store::authority::AuthorityReport;
use vulndesk_store::intake::{Inbound, InboundKind};
use vulndesk_store::sharing::{AuthorityEndpoint, NewDelivery, Provider, SharedReport, Subscriber};

use crate::auth::{RequestCtx, random_secret, sha256_hex};
use crate::error::{AppError, FieldError};
use crate::state::AppState;

/// Provider tokens start with this, so they are never mistaken for an account's API token.
pub(crate) const PROVIDER_TOKEN_PREFIX: &str = "vdp_";

/// How far a signature's timestamp may be from the platform's clock.
const SIGNATURE_WINDOW_SECS: i64 = 300;

/// The provider's endpoint settings (page form and API body).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct EndpointForm {
    /// The platform's `…/api/v1/authority/reports` URL (http or https).
    #[serde(default)]
    pub(crate) url: String,
    /// The token the platform issued (`vdp_…`).
    #[serde(default)]
    pub(crate) token: String,
    /// The signing key the platform issued.
    #[serde(default)]
    pub(crate) hmac_secret: String,
}

pub(crate) async fn set_endpoint(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    f: &EndpointForm,
) -> Result<(), AppError> {
    ctx.require(Action::ManageOrganisation(org.id))?;
    let mut e = Vec::new();
    if !crate::validate::http_url(f.url.trim()) {
        e.push(FieldError::new("url", "invalid-url").with("value", f.url.trim()));
    }
    if f.token.trim().is_empty() {
        e.push(FieldError::new("token", "field-required"));
    }
    if f.hmac_secret.trim().len() < 16 {
        e.push(FieldError::new("hmac_secret", "secret-too-short").with("min", 16));
    }
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let endpoint = AuthorityEndpoint {
        org: org.id,
        url: f.url.trim().to_owned(),
        token: f.token.trim().to_owned(),
        hmac_secret: f.hmac_secret.trim().to_owned(),
    };
    Ok(state.store.set_authority_endpoint(&endpoint, &ctx.audit(state.clock.now())).await?)
}

/// Queues a complete draft for the platform. Refused while a mandatory field is empty, when no
/// endpoint is set, or while an earlier sending of it is still pending.
pub(crate) async fn send(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    case: &Case,
    report: &AuthorityReport,
) -> Result<(), AppError> {
    ctx.require(Action::ManageCases(org.id))?;
    if report.status != "draft" {
        return Err(AppError::Conflict("conflict-authority-submitted", Vec::new()));
    }
    let labels = crate::authority::missing_labels(&ctx.tr, report);
    if !labels.is_empty() {
        return Err(AppError::Refused(ctx.tr.t1("authority-missing", "fields", labels.join("、"))));
    }
    let Some(endpoint) = state.store.authority_endpoint(org.id).await? else {
        return Err(AppError::Conflict("conflict-authority-no-endpoint", Vec::new()));
    };
    if state.store.deliveries_for(&report.id).await?.iter().any(|d| d.status == "pending") {
        return Err(AppError::Conflict("conflict-authority-sending", Vec::new()));
    }
    let body = crate::authority::document(org, case, report).to_string();
    let delivery = NewDelivery {
        id: crate::auth::random_uuid().to_string(),
        org: org.id,
        kind: "authority_submission".into(),
        url: endpoint.url,
        bearer: endpoint.token,
        hmac_secret: endpoint.hmac_secret,
        // The report's id: a resend after a failed attempt is the same submission to the platform.
        idempotency_key: report.id.clone(),
        body,
        related: report.id.clone(),
    };
    Ok(state.store.queue_delivery(&delivery, &ctx.audit(state.clock.now())).await?)
}

/// A newly registered provider's credentials, shown once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct ProviderCredentials {
    pub(crate) id: String,
    pub(crate) name: String,
    /// The bearer token the provider sends (`vdp_…`); only its hash is kept.
    pub(crate) token: String,
    /// The key the provider signs its requests with.
    pub(crate) hmac_secret: String,
}

fn require_platform(ctx: &RequestCtx, org: &Organisation) -> Result<(), AppError> {
    ctx.require(Action::ManageOrganisation(org.id))?;
    if org.kinds.contains(&OrgKind::SharingPlatform) {
        Ok(())
    } else {
        Err(AppError::Conflict("conflict-not-sharing-platform", Vec::new()))
    }
}

/// Registers a provider with the platform: its token and signing key are made here and shown once.
pub(crate) async fn create_provider(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    name: &str,
) -> Result<ProviderCredentials, AppError> {
    require_platform(ctx, org)?;
    let name = crate::validate::text("name", name, 200).map_err(|e| AppError::Validation(vec![e]))?;
    let token = format!("{PROVIDER_TOKEN_PREFIX}{}", random_secret());
    let p = Provider {
        id: crate::auth::random_uuid().to_string(),
        org: org.id,
        name: name.clone(),
        hmac_secret: random_secret(),
    };
    state.store.create_provider(&p, &sha256_hex(&token), &ctx.audit(state.clock.now())).await.map_err(|e| match e {
        StoreError::Conflict(_) => {
            AppError::Validation(vec![FieldError::new("name", "conflict-name").with("value", &name)])
        }
        other => other.into(),
    })?;
    Ok(ProviderCredentials { id: p.id, name, token, hmac_secret: p.hmac_secret })
}

/// An agency subscriber to add.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct SubscriberForm {
    #[serde(default)]
    pub(crate) name: String,
    /// Its webhook (http or https).
    #[serde(default)]
    pub(crate) url: String,
    /// The key relays are signed with (at least 16 characters).
    #[serde(default)]
    pub(crate) secret: String,
}

pub(crate) async fn create_subscriber(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
    f: &SubscriberForm,
) -> Result<Subscriber, AppError> {
    require_platform(ctx, org)?;
    let mut e = Vec::new();
    let name = crate::validate::text("name", &f.name, 200).map_err(|x| e.push(x)).ok();
    if !crate::validate::http_url(f.url.trim()) {
        e.push(FieldError::new("url", "invalid-url").with("value", f.url.trim()));
    }
    if f.secret.trim().len() < 16 {
        e.push(FieldError::new("secret", "secret-too-short").with("min", 16));
    }
    let Some(name) = name.filter(|_| e.is_empty()) else { return Err(AppError::Validation(e)) };
    let s = Subscriber {
        id: crate::auth::random_uuid().to_string(),
        org: org.id,
        name: name.clone(),
        url: f.url.trim().into(),
        secret: f.secret.trim().into(),
    };
    state.store.create_subscriber(&s, &ctx.audit(state.clock.now())).await.map_err(|e| match e {
        StoreError::Conflict(_) => {
            AppError::Validation(vec![FieldError::new("name", "conflict-name").with("value", &name)])
        }
        other => other.into(),
    })?;
    Ok(s)
}

/// The platform's answer to a provider.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub(crate) struct Received {
    /// The platform's receipt number for the report.
    pub(crate) receipt_number: String,
    pub(crate) received_at: String,
    /// How many agency subscribers it is relayed to.
    pub(crate) relayed_to: usize,
}

/// The receipt number of a platform receipt.
pub(crate) fn receipt_number(org: &Organisation, seq: i64) -> String {
    format!("{}-{seq:08}", org.slug.as_str().to_ascii_uppercase())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

/// Checks the provider's token and the body's signature; 401 (with no detail) otherwise.
async fn authenticate(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Provider, AppError> {
    let token =
        header(headers, "authorization").and_then(|a| a.strip_prefix("Bearer ")).map(str::trim).unwrap_or_default();
    if !token.starts_with(PROVIDER_TOKEN_PREFIX) {
        return Err(AppError::Unauthenticated);
    }
    let provider = state.store.provider_by_token(&sha256_hex(token)).await?.ok_or(AppError::Unauthenticated)?;
    let timestamp: i64 =
        header(headers, "x-vulndesk-timestamp").and_then(|t| t.parse().ok()).ok_or(AppError::Unauthenticated)?;
    let now = state.clock.now().as_micros().div_euclid(1_000_000);
    if (now - timestamp).abs() > SIGNATURE_WINDOW_SECS {
        return Err(AppError::Unauthenticated);
    }
    let given = header(headers, "x-vulndesk-signature").unwrap_or_default();
    let body = std::str::from_utf8(body).map_err(|_| AppError::BadRequest("the body is not UTF-8".into()))?;
    let expected = vulndesk_jobs::deliver::signature(&provider.hmac_secret, timestamp, body);
    if !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        return Err(AppError::Unauthenticated);
    }
    Ok(provider)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks a received document field by field (every problem at once).
fn check_document(doc: &serde_json::Value) -> Result<(), AppError> {
    let mut e = Vec::new();
    let text =
        |pointer: &str| doc.pointer(pointer).and_then(|v| v.as_str()).map(str::trim).unwrap_or_default().to_owned();
    if doc.get("schema").and_then(|s| s.as_str()) != Some(crate::authority::SCHEMA) {
        e.push(FieldError::new("schema", "authority-schema").with("schema", crate::authority::SCHEMA));
    }
    if !matches!(text("/kind").as_str(), "initial" | "update") {
        e.push(FieldError::new("kind", "invalid-choice").with("value", text("/kind")));
    }
    if vulndesk_core::authority::SubLibrary::parse(&text("/sub_library")).is_none() {
        e.push(FieldError::new("sub_library", "invalid-choice").with("value", text("/sub_library")));
    }
    let product_type = text("/product_type");
    if !product_type.is_empty() && vulndesk_core::authority::ProductType::parse(&product_type).is_none() {
        e.push(FieldError::new("product_type", "invalid-choice").with("value", product_type));
    }
    for (pointer, field) in [("/id", "id"), ("/case/number", "case_number"), ("/provider/name", "provider_name")] {
        if text(pointer).is_empty() {
            e.push(FieldError::new(field, "field-required"));
        }
    }
    if Timestamp::parse_rfc3339(&text("/case/aware_at")).is_none() {
        e.push(FieldError::new("case_aware_at", "date-time-invalid").with("value", text("/case/aware_at")));
    }
    for f in vulndesk_core::authority::Field::MANDATORY {
        if text(&format!("/{}", f.as_str())).is_empty() {
            e.push(FieldError::new(f.as_str(), "field-required"));
        }
    }
    if e.is_empty() { Ok(()) } else { Err(AppError::Validation(e)) }
}

/// Receives a provider's report: authenticates, checks, stores with a receipt and relays.
/// Returns the answer and whether it was new (201) or a replay of the same key (200).
pub(crate) async fn receive(
    state: &AppState,
    ctx: &RequestCtx,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Received, bool), AppError> {
    let provider = authenticate(state, headers, body).await?;
    let org = state.store.org_by_id(provider.org).await?.ok_or(AppError::Unauthenticated)?;
    let key = header(headers, "idempotency-key").unwrap_or_default().to_owned();
    if key.is_empty() || key.len() > 200 {
        return Err(AppError::Validation(vec![FieldError::new("idempotency_key", "field-required")]));
    }
    if let Some(done) = state.store.shared_report_by_key(&provider.id, &key).await? {
        let relayed = state.store.deliveries_for(&done.id).await?.len();
        return Ok((answer(&org, &done, relayed), false));
    }
    let doc: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| AppError::BadRequest(format!("the body is not JSON: {e}")))?;
    check_document(&doc)?;
    let text = |pointer: &str| doc.pointer(pointer).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let now = state.clock.now();
    let shared = SharedReport {
        id: crate::auth::random_uuid().to_string(),
        org: org.id,
        provider: provider.id.clone(),
        idempotency_key: key.clone(),
        receipt_seq: 0,
        report_id: text("/id"),
        kind: text("/kind"),
        updates: text("/updates"),
        case_number: text("/case/number"),
        aware_at: Timestamp::parse_rfc3339(&text("/case/aware_at")).unwrap_or(now),
        received_at: now,
        sub_library: text("/sub_library"),
        grade: text("/severity/grade"),
        product_name: text("/product_name"),
        document: doc.to_string(),
        product_type: text("/product_type").trim().to_owned(),
    };
    let subscribers = state.store.subscribers_of(org.id).await?;
    // Each relay carries the document as received and who sent it; the same key on every
    // attempt lets a subscriber drop a repeat.
    let relay_body = serde_json::json!({
        "platform": org.slug.as_str(),
        "provider": provider.name,
        "received_at": now.to_rfc3339(),
        "report": doc,
    })
    .to_string();
    let relays: Vec<NewDelivery> = subscribers
        .iter()
        .map(|s| NewDelivery {
            id: crate::auth::random_uuid().to_string(),
            org: org.id,
            kind: "relay".into(),
            url: s.url.clone(),
            bearer: String::new(),
            hmac_secret: s.secret.clone(),
            idempotency_key: format!("{}:{}", shared.id, s.id),
            body: relay_body.clone(),
            related: shared.id.clone(),
        })
        .collect();
    let inbound = Inbound {
        received_at: now,
        channel: Channel::Api,
        org: org.id,
        program: None,
        source: ctx.source.clone(),
        user_agent: ctx.user_agent.clone(),
        payload: body.to_vec(),
        kind: InboundKind::SharedReport { report: Box::new(shared.clone()), relays },
        attachments: Vec::new(),
        outbox: Vec::new(),
    };
    match state.store.submit(inbound).await {
        Ok(accepted) => {
            let mut stored = shared.clone();
            stored.receipt_seq = accepted.seq;
            Ok((answer(&org, &stored, subscribers.len()), true))
        }
        Err(e) => {
            // Two requests with one key at once: the loser finds the winner's report.
            if let Some(done) = state.store.shared_report_by_key(&provider.id, &key).await? {
                let relayed = state.store.deliveries_for(&done.id).await?.len();
                return Ok((answer(&org, &done, relayed), false));
            }
            Err(e.into())
        }
    }
}

fn answer(org: &Organisation, r: &SharedReport, relayed_to: usize) -> Received {
    Received { receipt_number: receipt_number(org, r.receipt_seq), received_at: r.received_at.to_rfc3339(), relayed_to }
}

/// A received report with its receipt number, provider name and relay state.
pub(crate) struct ReceivedReport {
    pub(crate) report: SharedReport,
    pub(crate) receipt_number: String,
    /// For an update: the receipt number of the report it updates, when the platform has it.
    pub(crate) updates_receipt: Option<String>,
    pub(crate) provider: String,
    pub(crate) relays: usize,
    pub(crate) relays_delivered: usize,
}

/// What the platform received, newest first (the platform's admins and auditors).
pub(crate) async fn received(
    state: &AppState,
    ctx: &RequestCtx,
    org: &Organisation,
) -> Result<Vec<ReceivedReport>, AppError> {
    ctx.require(Action::ViewAuditLog(Some(org.id)))?;
    let providers: std::collections::HashMap<String, String> =
        state.store.providers_of(org.id).await?.into_iter().map(|p| (p.id, p.name)).collect();
    let mut out = Vec::new();
    let all = state.store.shared_reports_of(org.id).await?;
    // The provider names the report it updates by its own id; the chain links them here.
    let by_report: std::collections::HashMap<(String, String), i64> =
        all.iter().map(|r| ((r.provider.clone(), r.report_id.clone()), r.receipt_seq)).collect();
    for r in all {
        let deliveries = state.store.deliveries_for(&r.id).await?;
        out.push(ReceivedReport {
            updates_receipt: (!r.updates.is_empty())
                .then(|| by_report.get(&(r.provider.clone(), r.updates.clone())).map(|seq| receipt_number(org, *seq)))
                .flatten(),
            receipt_number: receipt_number(org, r.receipt_seq),
            provider: providers.get(&r.provider).cloned().unwrap_or_default(),
            relays: deliveries.len(),
            relays_delivered: deliveries.iter().filter(|d| d.status == "delivered").count(),
            report: r,
        });
    }
    Ok(out)
}
