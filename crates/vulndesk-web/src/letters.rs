//! The acknowledgement (thank-you) letter for a valid report, as a bilingual PDF (zh-CN and
//! English on one page), for the reporter: from the tracking page or their own reports page.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use vulndesk_core::intake::Report;
use vulndesk_core::{Locale, Timestamp};
use vulndesk_formats::pdf::{Block, Document};

use crate::auth::RequestCtx;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::state::AppState;

/// The facts a letter states.
pub(crate) struct LetterFacts {
    pub(crate) org: String,
    pub(crate) program: String,
    pub(crate) reporter: String,
    pub(crate) title: String,
    pub(crate) product: String,
    pub(crate) received_at: Timestamp,
    pub(crate) receipt_seq: i64,
    pub(crate) case_number: String,
    pub(crate) advisory: String,
    pub(crate) issued_at: Timestamp,
}

/// The letter as PDF bytes: the same text in Chinese, then in English.
pub(crate) fn render(f: &LetterFacts) -> Vec<u8> {
    let zh = Tr::new(Locale::ZhCn);
    let en = Tr::new(Locale::En);
    let day = |t: Timestamp| t.to_rfc3339()[..10].to_owned();
    let args = |tr: &Tr| {
        let reporter = if f.reporter.is_empty() { tr.t("letter-anonymous") } else { f.reporter.clone() };
        vec![
            ("org", f.org.clone()),
            ("program", f.program.clone()),
            ("reporter", reporter),
            ("title", f.title.clone()),
            ("product", f.product.clone()),
            ("received", day(f.received_at)),
            ("case", f.case_number.clone()),
        ]
    };
    let mut doc = Document::new(format!("{} / {}", zh.t("letter-title"), en.t("letter-title")), "zh-CN")
        .author(f.org.clone())
        .footer(format!("{} · {} {}", f.org, en.t("tracking-receipt-number"), f.receipt_seq));
    for (tr, first) in [(&zh, true), (&en, false)] {
        if !first {
            doc.push(Block::Rule);
        }
        doc.push(Block::Title(tr.t("letter-title")));
        doc.push(Block::Paragraph(tr.t_args("letter-body", &args(tr))));
        let mut fields = vec![
            (tr.t("letter-report"), f.title.clone()),
            (tr.t("field-product"), f.product.clone()),
            (tr.t("tracking-received-at"), day(f.received_at)),
            (tr.t("tracking-receipt-number"), f.receipt_seq.to_string()),
            (tr.t("letter-case"), f.case_number.clone()),
        ];
        if !f.advisory.is_empty() {
            fields.push((tr.t("letter-advisory"), f.advisory.clone()));
        }
        doc.push(Block::Fields(fields));
        doc.push(Block::Paragraph(tr.t_args("letter-closing", &[("org", f.org.clone()), ("date", day(f.issued_at))])));
        doc.push(Block::Spacer);
    }
    doc.render()
}

/// The letter for `r`, if it is valid; each issue is audited.
pub(crate) async fn acknowledgement(state: &AppState, ctx: &RequestCtx, r: &Report) -> Result<Response, AppError> {
    if !crate::rewards::is_valid_report(state, r).await? {
        return Err(AppError::NotFound);
    }
    let org = state.store.org_by_id(r.org).await?.ok_or(AppError::NotFound)?;
    let program = state.store.program_by_id(r.program).await?.ok_or(AppError::NotFound)?;
    let mut case_number = String::new();
    let mut advisory = String::new();
    for id in state.store.cases_for_report(r.id).await? {
        if let Some(c) = state.store.case(id).await? {
            case_number = c.number.clone();
            if let Some(a) = state.store.advisory_of(c.id).await?
                && a.initial_release_at.is_some()
            {
                advisory = a.tracking_id.clone();
            }
        }
    }
    let now = state.clock.now();
    let facts = LetterFacts {
        org: org.name.clone(),
        program: program.name,
        reporter: r.credit_name.clone(),
        title: r.title.clone(),
        product: format!("{} {}", r.product, r.version).trim().to_owned(),
        received_at: r.received_at,
        receipt_seq: r.receipt_seq,
        case_number,
        advisory,
        issued_at: now,
    };
    let bytes = render(&facts);
    let details = serde_json::json!({"letter": "acknowledgement"});
    state
        .store
        .record_audit(&ctx.audit(now).event(
            "report.letter",
            "report",
            &r.id.to_string(),
            Some(org.id.to_string()),
            details.to_string(),
        ))
        .await?;
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"acknowledgement.pdf\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
