//! Intake storage: programs and filings (here), inbound submissions through the group-commit
//! writer ([`writer`]), reports and their triage ([`reports`]), and the receipt log
//! ([`receipts`]).

mod receipts;
mod reports;
pub(crate) mod writer;

pub use receipts::{Receipt, ReceiptCheck};
pub use reports::{AttachmentMeta, Message, OutboxRow, ReportFilter, StaffAction};
pub use writer::{Accepted, Inbound, InboundKind, NewAttachment, NewMessage, NewOutbox};

use sqlx::Row;
use sqlx::any::AnyRow;
use vulndesk_core::intake::{Filing, Program, ProgramScope};
use vulndesk_core::{AuditContext, Locale, OrgId, ProgramId, Slug, Timestamp};

use crate::{Result, Store, StoreError, event};

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.parse().map_err(|_| StoreError::corrupt(format!("{what} {s:?}")))
}

macro_rules! program_columns {
    () => {
        "id, org_id, slug, name, scope, scope_note, policy_zh, policy_en, safe_harbour_zh, safe_harbour_en, \
         anonymous, ack_sla_hours, languages, filing_exempt, closed_reason, created_at"
    };
}

fn program_from_row(row: &AnyRow) -> Result<Program> {
    let slug: String = row.try_get("slug")?;
    let scope: String = row.try_get("scope")?;
    let languages: String = row.try_get("languages")?;
    Ok(Program {
        id: parse(&row.try_get::<String, _>("id")?, "program id")?,
        org: parse(&row.try_get::<String, _>("org_id")?, "organisation id")?,
        slug: Slug::parse(&slug).map_err(|e| StoreError::corrupt(format!("program slug {slug:?}: {e}")))?,
        name: row.try_get("name")?,
        scope: ProgramScope::parse(&scope).ok_or_else(|| StoreError::corrupt(format!("program scope {scope:?}")))?,
        scope_note: row.try_get("scope_note")?,
        policy_zh: row.try_get("policy_zh")?,
        policy_en: row.try_get("policy_en")?,
        safe_harbour_zh: row.try_get("safe_harbour_zh")?,
        safe_harbour_en: row.try_get("safe_harbour_en")?,
        anonymous: row.try_get::<i64, _>("anonymous")? != 0,
        ack_sla_hours: u32::try_from(row.try_get::<i64, _>("ack_sla_hours")?).unwrap_or(72),
        languages: languages.split(',').filter_map(Locale::from_tag).collect(),
        filing_exempt: row.try_get::<i64, _>("filing_exempt")? != 0,
        closed_reason: row.try_get("closed_reason")?,
        created_at: Timestamp::from_micros(row.try_get("created_at")?),
    })
}

fn languages_text(l: &[Locale]) -> String {
    l.iter().map(|l| l.tag()).collect::<Vec<_>>().join(",")
}

impl Store {
    /// Creates a program. A taken slug is [`StoreError::Conflict`]. The caller has checked the
    /// filing rule ([`vulndesk_core::intake::may_open_program`]).
    pub async fn create_program(&self, p: &Program, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(concat!(
            "INSERT INTO programs (",
            program_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
        .bind(p.id.to_string())
        .bind(p.org.to_string())
        .bind(p.slug.as_str())
        .bind(&p.name)
        .bind(p.scope.as_str())
        .bind(&p.scope_note)
        .bind(&p.policy_zh)
        .bind(&p.policy_en)
        .bind(&p.safe_harbour_zh)
        .bind(&p.safe_harbour_en)
        .bind(i64::from(p.anonymous))
        .bind(i64::from(p.ack_sla_hours))
        .bind(languages_text(&p.languages))
        .bind(i64::from(p.filing_exempt))
        .bind(p.closed_reason.as_deref())
        .bind(p.created_at.as_micros())
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::from(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("program slug {} is taken", p.slug)),
            other => other,
        })?;
        let details = serde_json::json!({"slug": p.slug.as_str(), "scope": p.scope.as_str(), "anonymous": p.anonymous,
            "ack_sla_hours": p.ack_sla_hours, "filing_exempt": p.filing_exempt});
        let org = p.org.to_string();
        self.audit_in(&mut tx, &event(ctx, "program.create", "program", &p.id.to_string(), Some(org), details)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces a program's settings (everything but its id, organisation, slug and creation time).
    pub async fn update_program(&self, p: &Program, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE programs SET name = $1, scope = $2, scope_note = $3, policy_zh = $4, policy_en = $5, \
             safe_harbour_zh = $6, safe_harbour_en = $7, anonymous = $8, ack_sla_hours = $9, languages = $10, \
             filing_exempt = $11, closed_reason = $12 WHERE id = $13",
        )
        .bind(&p.name)
        .bind(p.scope.as_str())
        .bind(&p.scope_note)
        .bind(&p.policy_zh)
        .bind(&p.policy_en)
        .bind(&p.safe_harbour_zh)
        .bind(&p.safe_harbour_en)
        .bind(i64::from(p.anonymous))
        .bind(i64::from(p.ack_sla_hours))
        .bind(languages_text(&p.languages))
        .bind(i64::from(p.filing_exempt))
        .bind(p.closed_reason.as_deref())
        .bind(p.id.to_string())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        let details = serde_json::json!({"scope": p.scope.as_str(), "anonymous": p.anonymous, "closed_reason": p.closed_reason,
            "ack_sla_hours": p.ack_sla_hours, "filing_exempt": p.filing_exempt});
        let org = p.org.to_string();
        self.audit_in(&mut tx, &event(ctx, "program.update", "program", &p.id.to_string(), Some(org), details)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The program with this slug.
    pub async fn program_by_slug(&self, slug: &str) -> Result<Option<Program>> {
        let row = sqlx::query(concat!("SELECT ", program_columns!(), " FROM programs WHERE slug = $1"))
            .bind(slug)
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(program_from_row).transpose()
    }

    /// The program with this id.
    pub async fn program_by_id(&self, id: ProgramId) -> Result<Option<Program>> {
        let row = sqlx::query(concat!("SELECT ", program_columns!(), " FROM programs WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(program_from_row).transpose()
    }

    /// An organisation's programs, by slug.
    pub async fn programs_of(&self, org: OrgId) -> Result<Vec<Program>> {
        let rows =
            sqlx::query(concat!("SELECT ", program_columns!(), " FROM programs WHERE org_id = $1 ORDER BY slug"))
                .bind(org.to_string())
                .fetch_all(self.read())
                .await?;
        rows.iter().map(program_from_row).collect()
    }

    /// Records or replaces a collection platform's filing; the change is audited with the fields
    /// that changed, so the platform knows to update its filing with the authority (R24).
    pub async fn set_filing(&self, org: OrgId, f: &Filing, ctx: &AuditContext) -> Result<Vec<&'static str>> {
        let before = self.filing_of(org).await?;
        let changed: Vec<&'static str> = match &before {
            None => vec!["filing"],
            Some(b) => [
                ("filing_number", b.filing_number != f.filing_number),
                ("filed_on", b.filed_on != f.filed_on),
                ("platform_name", b.platform_name != f.platform_name),
                ("homepage_url", b.homepage_url != f.homepage_url),
                ("icp_number", b.icp_number != f.icp_number),
                ("sponsor", b.sponsor != f.sponsor),
                ("contact", b.contact != f.contact),
                ("rules", b.rules != f.rules),
            ]
            .into_iter()
            .filter_map(|(k, c)| c.then_some(k))
            .collect(),
        };
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM filings WHERE org_id = $1").bind(org.to_string()).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO filings (org_id, filing_number, filed_on, platform_name, homepage_url, icp_number, sponsor, contact, rules, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(org.to_string())
        .bind(&f.filing_number)
        .bind(&f.filed_on)
        .bind(&f.platform_name)
        .bind(&f.homepage_url)
        .bind(&f.icp_number)
        .bind(&f.sponsor)
        .bind(&f.contact)
        .bind(&f.rules)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"filing_number": f.filing_number, "changed": changed});
        let id = org.to_string();
        self.audit_in(&mut tx, &event(ctx, "filing.set", "organisation", &id, Some(id.clone()), details)).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// The organisation's filing record, if any.
    pub async fn filing_of(&self, org: OrgId) -> Result<Option<Filing>> {
        let row = sqlx::query(
            "SELECT filing_number, filed_on, platform_name, homepage_url, icp_number, sponsor, contact, rules FROM filings WHERE org_id = $1",
        )
        .bind(org.to_string())
        .fetch_optional(self.read())
        .await?;
        row.map(|r| {
            Ok(Filing {
                filing_number: r.try_get("filing_number")?,
                filed_on: r.try_get("filed_on")?,
                platform_name: r.try_get("platform_name")?,
                homepage_url: r.try_get("homepage_url")?,
                icp_number: r.try_get("icp_number")?,
                sponsor: r.try_get("sponsor")?,
                contact: r.try_get("contact")?,
                rules: r.try_get("rules")?,
            })
        })
        .transpose()
    }
}

/// An organisation's `security.txt` settings as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityTxtSettings {
    /// Contact URIs, in order.
    pub contact: Vec<String>,
    /// When the published file expires.
    pub expires_at: Timestamp,
    /// Policy URL (may be empty).
    pub policy_url: String,
    /// Acknowledgments URL (may be empty).
    pub acknowledgments_url: String,
    /// Preferred language tags.
    pub preferred_languages: Vec<String>,
    /// Canonical URL (may be empty).
    pub canonical_url: String,
}

impl Store {
    /// Stores an organisation's `security.txt` settings.
    pub async fn set_security_txt(&self, org: OrgId, s: &SecurityTxtSettings, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM security_txt WHERE org_id = $1").bind(org.to_string()).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO security_txt (org_id, contact, expires_at, policy_url, acknowledgments_url, preferred_languages, canonical_url, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(org.to_string())
        .bind(s.contact.join("\n"))
        .bind(s.expires_at.as_micros())
        .bind(&s.policy_url)
        .bind(&s.acknowledgments_url)
        .bind(s.preferred_languages.join(","))
        .bind(&s.canonical_url)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let id = org.to_string();
        let details = serde_json::json!({"contact": s.contact, "expires_at": s.expires_at.to_rfc3339()});
        self.audit_in(&mut tx, &event(ctx, "security_txt.set", "organisation", &id, Some(id.clone()), details)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// An organisation's `security.txt` settings, if any.
    pub async fn security_txt_of(&self, org: OrgId) -> Result<Option<SecurityTxtSettings>> {
        let row = sqlx::query(
            "SELECT contact, expires_at, policy_url, acknowledgments_url, preferred_languages, canonical_url FROM security_txt WHERE org_id = $1",
        )
        .bind(org.to_string())
        .fetch_optional(self.read())
        .await?;
        row.map(|r| {
            let contact: String = r.try_get("contact")?;
            let langs: String = r.try_get("preferred_languages")?;
            Ok(SecurityTxtSettings {
                contact: contact.lines().map(str::to_owned).filter(|c| !c.is_empty()).collect(),
                expires_at: Timestamp::from_micros(r.try_get("expires_at")?),
                policy_url: r.try_get("policy_url")?,
                acknowledgments_url: r.try_get("acknowledgments_url")?,
                preferred_languages: langs.split(',').map(str::to_owned).filter(|l| !l.is_empty()).collect(),
                canonical_url: r.try_get("canonical_url")?,
            })
        })
        .transpose()
    }

    /// Whether the intake writer is running (for `/healthz`).
    pub fn intake_alive(&self) -> bool {
        self.intake_writer_alive()
    }
}
