//! Receiving a report or a reporter's reply, shared by the public form, the API and the tracking
//! page: reading the input (JSON or multipart), checking every field, sniffing attachments, building
//! the canonical payload that the receipt hashes, queueing the notices, and handing it all to the
//! store's group-commit writer. The answer goes out only after the commit.

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::extract::Multipart;
use base64::Engine;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use mail_parser::MimeHeaders;
use serde::{Deserialize, Serialize};
use vulndesk_core::intake::{AttachmentTag, Channel, Program, Report, ReportStatus};
use vulndesk_core::{AttachmentId, Locale, MessageId, OutboxId, PersonRole, ReportId};
use vulndesk_store::intake::{Accepted, Inbound, InboundKind, NewAttachment, NewMessage, NewOutbox};

use crate::auth::{RequestCtx, random_secret, sha256_hex};
use crate::error::{AppError, FieldError};
use crate::state::AppState;

/// Limits on what a submission may carry.
#[derive(Debug, Clone)]
pub struct IntakeLimits {
    /// Largest attachment, in bytes (default 25 MiB).
    pub max_attachment_bytes: usize,
    /// Most attachments on one submission.
    pub max_attachments: usize,
    /// Submissions per source address per minute.
    pub per_source_per_minute: u32,
    /// Submissions per program per minute.
    pub per_program_per_minute: u32,
}

impl Default for IntakeLimits {
    fn default() -> Self {
        Self {
            max_attachment_bytes: 25 << 20,
            max_attachments: 10,
            per_source_per_minute: 20,
            per_program_per_minute: 600,
        }
    }
}

impl IntakeLimits {
    /// The largest request body an intake route accepts.
    pub fn max_body(&self) -> usize {
        self.max_attachment_bytes.saturating_mul(self.max_attachments).saturating_add(2 << 20)
    }
}

/// Flood control: a GCRA bucket per source address and per program in each instance, and on
/// PostgreSQL, where several instances may share the database behind a load balancer, a sliding
/// one-minute count per key in the database too (`Store::take_rate`), so the limits hold for the
/// whole deployment and not once per instance. The in-memory buckets stay in front: a flood from
/// one address is refused there without a round trip. SQLite is one process's database, so the
/// in-memory buckets are the whole count there. Source addresses are kept in the database only as
/// SHA-256 digests, for two minutes.
pub(crate) struct Flood {
    by_source: DefaultKeyedRateLimiter<String>,
    by_program: DefaultKeyedRateLimiter<String>,
    clock: governor::clock::DefaultClock,
    per_source: u32,
    per_program: u32,
    shared: bool,
}

impl Flood {
    pub(crate) fn new(limits: &IntakeLimits, shared: bool) -> Arc<Self> {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        Arc::new(Self {
            by_source: RateLimiter::keyed(quota(limits.per_source_per_minute)),
            by_program: RateLimiter::keyed(quota(limits.per_program_per_minute)),
            clock: governor::clock::DefaultClock::default(),
            per_source: limits.per_source_per_minute.max(1),
            per_program: limits.per_program_per_minute.max(1),
            shared,
        })
    }

    /// Takes one submission from the source's and the program's allowance, or says how many
    /// seconds to wait.
    pub(crate) async fn check(
        &self,
        store: &vulndesk_store::Store,
        now: vulndesk_core::Timestamp,
        source: &str,
        program: &str,
    ) -> Result<(), AppError> {
        for (limiter, key) in [(&self.by_source, source), (&self.by_program, program)] {
            if let Err(not_until) = limiter.check_key(&key.to_owned()) {
                use governor::clock::Clock;
                let wait = not_until.wait_time_from(self.clock.now()).as_secs().max(1);
                return Err(AppError::TooManyRequests(wait));
            }
        }
        if self.shared {
            let source_key = format!("intake-source:{}", sha256_hex(source));
            let program_key = format!("intake-program:{program}");
            for (key, limit) in [(source_key, self.per_source), (program_key, self.per_program)] {
                if let Some(wait) = store.take_rate(&key, limit, now).await? {
                    return Err(AppError::TooManyRequests(wait));
                }
            }
        }
        Ok(())
    }
}

/// An uploaded file before checks.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub(crate) tag: String,
    pub(crate) filename: String,
    pub(crate) bytes: Vec<u8>,
}

/// A submission as sent, before checks. Field names are the API's and the form's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SubmissionInput {
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) product: String,
    #[serde(default)]
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) cwe: String,
    #[serde(default)]
    pub(crate) reproduction: String,
    #[serde(default)]
    pub(crate) impact: String,
    #[serde(default)]
    pub(crate) contact: String,
    #[serde(default)]
    pub(crate) credit_name: String,
    #[serde(default)]
    pub(crate) language: String,
    #[serde(default)]
    pub(crate) accept_policy: bool,
    #[serde(default)]
    pub(crate) attachments: Vec<JsonAttachment>,
    #[serde(skip)]
    pub(crate) uploads: Vec<Upload>,
    /// Present only on forms, for the CSRF check.
    #[serde(skip)]
    pub(crate) csrf: String,
}

/// An attachment inside a JSON submission.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JsonAttachment {
    tag: String,
    filename: String,
    content_base64: String,
}

/// Reads a multipart body (the form or an API client) into a submission.
pub(crate) async fn read_multipart(mut mp: Multipart, limits: &IntakeLimits) -> Result<SubmissionInput, AppError> {
    let mut s = SubmissionInput::default();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => return Err(AppError::PayloadTooLarge),
            Err(e) => return Err(AppError::BadRequest(e.body_text())),
        };
        let name = field.name().unwrap_or("").to_owned();
        if let Some(tag) = name.strip_prefix("attachment_") {
            let filename = field.file_name().unwrap_or("").to_owned();
            let tag = tag.to_owned();
            let bytes = field.bytes().await.map_err(|e| match e.status() {
                axum::http::StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
                _ => AppError::BadRequest(e.body_text()),
            })?;
            if bytes.is_empty() && filename.is_empty() {
                continue; // An empty file input on the form.
            }
            if bytes.len() > limits.max_attachment_bytes {
                return Err(AppError::PayloadTooLarge);
            }
            s.uploads.push(Upload { tag, filename, bytes: bytes.to_vec() });
            continue;
        }
        let text = field.text().await.map_err(|e| AppError::BadRequest(e.body_text()))?;
        match name.as_str() {
            "title" => s.title = text,
            "description" => s.description = text,
            "product" => s.product = text,
            "version" => s.version = text,
            "cwe" => s.cwe = text,
            "reproduction" => s.reproduction = text,
            "impact" => s.impact = text,
            "contact" => s.contact = text,
            "credit_name" => s.credit_name = text,
            "language" => s.language = text,
            "accept_policy" => s.accept_policy = matches!(text.as_str(), "on" | "true" | "1" | "yes"),
            "csrf" => s.csrf = text,
            "message" => s.description = text,
            _ => {}
        }
    }
    Ok(s)
}

/// A checked attachment ready to store.
fn check_uploads(
    s: &SubmissionInput,
    limits: &IntakeLimits,
    now: vulndesk_core::Timestamp,
    errors: &mut Vec<FieldError>,
) -> Result<Vec<NewAttachment>, AppError> {
    let mut uploads = s.uploads.clone();
    for (i, a) in s.attachments.iter().enumerate() {
        match base64::engine::general_purpose::STANDARD.decode(a.content_base64.as_bytes()) {
            Ok(bytes) => uploads.push(Upload { tag: a.tag.clone(), filename: a.filename.clone(), bytes }),
            Err(_) => errors.push(FieldError::new(&format!("attachments[{i}]"), "attachment-base64")),
        }
    }
    if uploads.iter().any(|u| u.bytes.len() > limits.max_attachment_bytes) {
        return Err(AppError::PayloadTooLarge);
    }
    if uploads.len() > limits.max_attachments {
        errors.push(FieldError::new("attachments", "attachment-too-many").with("max", limits.max_attachments));
    }
    let mut out = Vec::new();
    for (i, u) in uploads.into_iter().enumerate() {
        let Some(tag) = AttachmentTag::parse(&u.tag) else {
            errors.push(FieldError::new(&format!("attachments[{i}]"), "attachment-tag").with("value", &u.tag));
            continue;
        };
        if u.bytes.is_empty() {
            errors.push(FieldError::new(&format!("attachments[{i}]"), "attachment-empty"));
            continue;
        }
        out.push(NewAttachment {
            id: AttachmentId::from_uuid(new_id(now)),
            tag,
            filename: clean_filename(&u.filename),
            content_type: sniff(&u.bytes),
            content: u.bytes,
        });
    }
    Ok(out)
}

/// A new id for a stored row: time-ordered (UUID v7) from the clock in force, so rows written
/// together sit together in the indexes, with 74 random bits.
fn new_id(now: vulndesk_core::Timestamp) -> uuid::Uuid {
    let millis = u64::try_from(now.as_micros().div_euclid(1000)).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &rand::random()).into_uuid()
}

/// The content type from the bytes themselves (never the sender's claim): a known magic number,
/// else UTF-8 text, else opaque bytes.
pub fn sniff(bytes: &[u8]) -> String {
    if let Some(kind) = infer::get(bytes) {
        return kind.mime_type().to_owned();
    }
    if std::str::from_utf8(bytes).is_ok() { "text/plain".into() } else { "application/octet-stream".into() }
}

/// A file name safe to show and to put in a `Content-Disposition` header: no path, no control
/// characters, no quotes, at most 120 characters.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';' | '<' | '>'))
        .take(120)
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .to_owned();
    if cleaned.is_empty() { "attachment.bin".into() } else { cleaned }
}

fn text(field: &str, s: &str, max: usize, required: bool, errors: &mut Vec<FieldError>) -> String {
    let s = s.trim();
    if required && s.is_empty() {
        errors.push(FieldError::new(field, "field-required"));
    } else if s.chars().count() > max {
        errors.push(FieldError::new(field, "text-too-long").with("max", max));
    }
    s.to_owned()
}

/// A checked submission.
pub(crate) struct ValidSubmission {
    pub(crate) report: Report,
    pub(crate) attachments: Vec<NewAttachment>,
}

/// Checks every field of a new report against the program's rules; all problems at once.
pub(crate) fn validate_report(
    s: &SubmissionInput,
    program: &Program,
    limits: &IntakeLimits,
    fallback_language: Locale,
    now: vulndesk_core::Timestamp,
) -> Result<ValidSubmission, AppError> {
    let mut e = Vec::new();
    let title = text("title", &s.title, 300, true, &mut e);
    let description = text("description", &s.description, 100_000, true, &mut e);
    let product = text("product", &s.product, 200, true, &mut e);
    let version = text("version", &s.version, 100, false, &mut e);
    let reproduction = text("reproduction", &s.reproduction, 100_000, false, &mut e);
    let impact = text("impact", &s.impact, 20_000, false, &mut e);
    let contact = text("contact", &s.contact, 300, !program.anonymous, &mut e);
    let credit_name = text("credit_name", &s.credit_name, 100, false, &mut e);
    let cwe = s.cwe.trim().to_uppercase();
    let cwe = if cwe.is_empty() {
        None
    } else {
        let digits = cwe.strip_prefix("CWE-").unwrap_or(&cwe);
        if digits.is_empty() || digits.len() > 5 || !digits.chars().all(|c| c.is_ascii_digit()) {
            e.push(FieldError::new("cwe", "cwe-invalid").with("value", s.cwe.trim()));
            None
        } else {
            Some(format!("CWE-{digits}"))
        }
    };
    if !s.accept_policy {
        e.push(FieldError::new("accept_policy", "policy-not-accepted"));
    }
    let language = if s.language.trim().is_empty() {
        fallback_language
    } else {
        Locale::from_tag(&s.language).unwrap_or_else(|| {
            e.push(FieldError::new("language", "language-unknown").with("value", s.language.trim()));
            fallback_language
        })
    };
    let attachments = check_uploads(s, limits, now, &mut e)?;
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let report = Report {
        id: ReportId::from_uuid(new_id(now)),
        program: program.id,
        org: program.org,
        title,
        description,
        product,
        version,
        cwe,
        reproduction,
        impact,
        contact,
        credit_name,
        language,
        status: ReportStatus::New,
        status_reason: String::new(),
        received_at: vulndesk_core::Timestamp::from_micros(0),
        acknowledged_at: None,
        receipt_seq: 0,
    };
    Ok(ValidSubmission { report, attachments })
}

/// The canonical record of what arrived, hashed into the receipt: every field as received and each
/// attachment by its hash.
#[derive(Serialize)]
struct Payload<'a> {
    kind: &'static str,
    channel: &'static str,
    program: &'a str,
    received_at: String,
    fields: serde_json::Value,
    attachments: Vec<serde_json::Value>,
}

fn payload(
    kind: &'static str,
    channel: Channel,
    program: &Program,
    at: vulndesk_core::Timestamp,
    fields: serde_json::Value,
    attachments: &[NewAttachment],
) -> Vec<u8> {
    let p = Payload {
        kind,
        channel: channel.as_str(),
        program: program.slug.as_str(),
        received_at: at.to_rfc3339(),
        fields,
        attachments: attachments
            .iter()
            .map(|a| {
                serde_json::json!({"id": a.id.to_string(), "tag": a.tag.as_str(), "filename": a.filename,
                    "content_type": a.content_type, "size": a.content.len(),
                    "sha256": hex::encode(vulndesk_core::chain::sha256(&a.content))})
            })
            .collect(),
    };
    serde_json::to_vec(&p).unwrap_or_default()
}

/// What the reporter gets back.
pub(crate) struct Receipted {
    pub(crate) accepted: Accepted,
    pub(crate) tracking_token: String,
}

fn looks_like_email(s: &str) -> bool {
    crate::validate::email("contact", s).is_ok() && !s.is_empty()
}

/// The settings key of an organisation's choice about recording reporters' network details.
pub(crate) fn privacy_key(org: vulndesk_core::OrgId) -> String {
    format!("org:{org}:record_source")
}

/// The source address and user agent to record in a receipt: both, or neither when the
/// organisation chose not to keep reporters' network details.
async fn source_for(
    state: &AppState,
    ctx: &RequestCtx,
    org: vulndesk_core::OrgId,
) -> Result<(String, String), AppError> {
    let keep = state.store.setting(&privacy_key(org)).await?.is_none_or(|v| v != "no");
    Ok(if keep { (ctx.source.clone(), ctx.user_agent.clone()) } else { (String::new(), String::new()) })
}

/// The URL of the tracking page for a token.
pub(crate) fn tracking_url(state: &AppState, ctx: &RequestCtx, token: &str) -> String {
    format!("{}/t/{token}", state.public_base(ctx))
}

/// Commits a new report with its receipt and notices; answers only after the commit.
pub(crate) async fn accept_report(
    state: &AppState,
    ctx: &RequestCtx,
    program: &Program,
    channel: Channel,
    valid: ValidSubmission,
    fields: serde_json::Value,
) -> Result<Receipted, AppError> {
    let now = state.clock.now();
    let ValidSubmission { mut report, attachments } = valid;
    report.received_at = now;
    let token = random_secret();
    let url = tracking_url(state, ctx, &token);
    let body = payload("report", channel, program, now, fields, &attachments);

    // Notices: the people who triage this organisation's reports, and the reporter if they left
    // an e-mail address.
    let mut outbox = Vec::new();
    for m in state.store.members_of(program.org).await? {
        let triages = m.roles.iter().any(|r| matches!(r, PersonRole::Triager | PersonRole::Coordinator));
        if triages && !m.user.email.is_empty() && !m.user.disabled {
            let tr = crate::i18n::Tr::new(m.user.locale.unwrap_or(state.config.default_locale));
            outbox.push(NewOutbox {
                id: OutboxId::from_uuid(new_id(now)),
                org: Some(program.org),
                channel: "email",
                template: "report.received.team",
                recipient: m.user.email.clone(),
                subject: tr.t_args("mail-new-report-subject", &[("program", program.name.clone())]),
                body: tr.t_args(
                    "mail-new-report-body",
                    &[("program", program.name.clone()), ("title", report.title.clone())],
                ),
                related: Some(report.id.to_string()),
            });
        }
    }
    if looks_like_email(&report.contact) {
        let tr = crate::i18n::Tr::new(report.language);
        outbox.push(NewOutbox {
            id: OutboxId::from_uuid(new_id(now)),
            org: Some(program.org),
            channel: "email",
            template: "report.received.reporter",
            recipient: report.contact.clone(),
            subject: tr.t_args("mail-receipt-subject", &[("program", program.name.clone())]),
            body: tr.t_args("mail-receipt-body", &[("url", url.clone())]),
            related: Some(report.id.to_string()),
        });
    }
    let (source, user_agent) = source_for(state, ctx, program.org).await?;
    let inbound = Inbound {
        received_at: now,
        channel,
        org: program.org,
        program: Some(program.id),
        source,
        user_agent,
        payload: body,
        kind: InboundKind::NewReport { report: Box::new(report), tracking_hash: sha256_hex(&token) },
        attachments,
        outbox,
    };
    let accepted = submit(state, channel, program, inbound).await?;
    Ok(Receipted { accepted, tracking_token: token })
}

/// Commits a reporter's reply on the tracking page with its receipt.
pub(crate) async fn accept_reply(
    state: &AppState,
    ctx: &RequestCtx,
    program: &Program,
    report: &Report,
    s: &SubmissionInput,
    limits: &IntakeLimits,
) -> Result<Accepted, AppError> {
    let now = state.clock.now();
    let mut e = Vec::new();
    let body = text("message", &s.description, 100_000, true, &mut e);
    let attachments = check_uploads(s, limits, now, &mut e)?;
    if !e.is_empty() {
        return Err(AppError::Validation(e));
    }
    let fields = serde_json::json!({"report": report.id.to_string(), "message": body});
    let (source, user_agent) = source_for(state, ctx, program.org).await?;
    let inbound = Inbound {
        received_at: now,
        channel: Channel::Tracking,
        org: program.org,
        program: Some(program.id),
        source,
        user_agent,
        payload: payload("reply", Channel::Tracking, program, now, fields, &attachments),
        kind: InboundKind::ReporterMessage {
            report: report.id,
            message: NewMessage {
                id: MessageId::from_uuid(new_id(now)),
                author: "reporter",
                user: None,
                kind: "message",
                body,
            },
        },
        attachments,
        outbox: Vec::new(),
    };
    submit(state, Channel::Tracking, program, inbound).await
}

/// Brings an e-mail (`.eml`, RFC 5322) into a program as a report: subject as title, text body as
/// description, sender as contact, MIME attachments as evidence. The receipt hashes the raw message
/// itself, so the original stays the evidence of what arrived.
pub(crate) async fn accept_email(
    state: &AppState,
    ctx: &RequestCtx,
    program: &Program,
    raw: &[u8],
) -> Result<Receipted, AppError> {
    let limits = &state.config.intake;
    let parsed = mail_parser::MessageParser::default()
        .parse(raw)
        .filter(|m| m.subject().is_some() || m.from().is_some() || m.text_body_count() > 0)
        .ok_or_else(|| AppError::Validation(vec![FieldError::new("eml", "eml-invalid")]))?;
    let title = parsed.subject().map(str::trim).filter(|s| !s.is_empty()).unwrap_or("(no subject)");
    let description = parsed.body_text(0).map(|b| b.trim().to_owned()).unwrap_or_default();
    let contact = parsed.from().and_then(|f| f.first()).and_then(|a| a.address()).unwrap_or("").to_owned();
    let uploads: Vec<Upload> = parsed
        .attachments()
        .map(|a| Upload {
            tag: "evidence".into(),
            filename: a.attachment_name().unwrap_or("attachment.bin").to_owned(),
            bytes: a.contents().to_vec(),
        })
        .collect();
    let input = SubmissionInput {
        title: title.chars().take(300).collect(),
        description: if description.is_empty() { "(empty message body)".into() } else { description },
        product: "(named in the message)".into(),
        contact,
        accept_policy: true,
        uploads,
        ..SubmissionInput::default()
    };
    let now = state.clock.now();
    let mut valid = validate_report(&input, program, limits, ctx.tr.locale, now)?;
    valid.report.contact = input.contact.chars().take(300).collect();
    let now = state.clock.now();
    let token = random_secret();
    valid.report.received_at = now;
    let inbound = Inbound {
        received_at: now,
        channel: Channel::Email,
        org: program.org,
        program: Some(program.id),
        source: ctx.actor.user().map(|u| format!("imported by {u}")).unwrap_or_default(),
        user_agent: String::new(),
        payload: raw.to_vec(),
        kind: InboundKind::NewReport { report: Box::new(valid.report), tracking_hash: sha256_hex(&token) },
        attachments: valid.attachments,
        outbox: Vec::new(),
    };
    let accepted = submit(state, Channel::Email, program, inbound).await?;
    Ok(Receipted { accepted, tracking_token: token })
}

async fn submit(state: &AppState, channel: Channel, program: &Program, inbound: Inbound) -> Result<Accepted, AppError> {
    match state.store.submit(inbound).await {
        Ok(a) => Ok(a),
        Err(e) => {
            let reason = e.to_string();
            tracing::error!(program = %program.slug, channel = channel.as_str(), error = %reason, "intake failed");
            let _ = state
                .store
                .record_intake_failure(state.clock.now(), channel.as_str(), program.slug.as_str(), &reason)
                .await;
            Err(AppError::Unavailable)
        }
    }
}

/// Markdown from a reporter, rendered to HTML with everything active stripped (scripts, event
/// handlers, styles, unknown schemes); links get `rel="noopener noreferrer nofollow"`.
pub fn safe_markdown(md: &str) -> String {
    let parser = pulldown_cmark::Parser::new_ext(md, pulldown_cmark::Options::ENABLE_TABLES);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    ammonia::Builder::default().link_rel(Some("noopener noreferrer nofollow")).clean(&html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_are_cleaned() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\Users\\x\\poc.py"), "poc.py");
        assert_eq!(clean_filename("a\"b;c\r\n.txt"), "abc.txt");
        assert_eq!(clean_filename(".htaccess"), "htaccess");
        assert_eq!(clean_filename(""), "attachment.bin");
        assert_eq!(clean_filename(&"x".repeat(500)).len(), 120);
    }

    #[test]
    fn content_is_sniffed_not_trusted() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"print('hello')"), "text/plain");
        assert_eq!(sniff(&[0xff, 0xfe, 0x00, 0x9f]), "application/octet-stream");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
    }

    #[test]
    fn markdown_is_rendered_without_anything_active() {
        let html =
            safe_markdown("**bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(!html.contains("<script") && !html.contains("javascript:") && !html.contains("onerror"), "{html}");
    }
}
