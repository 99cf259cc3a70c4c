//! Article 7(2) reports to the authority. A report is a draft until it is submitted; a submitted
//! report is never changed again (the `UPDATE`s here only touch drafts, and say so when there
//! was none), and the earliest submitted initial report is what meets the case's 48-hour deadline.

use sqlx::Row;
use sqlx::any::AnyRow;
use vulndesk_core::{AuditContext, CaseId, Timestamp};

use crate::{Result, Store, StoreError, event};

/// A report to the authority, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorityReport {
    /// Its id (a UUID).
    pub id: String,
    /// The organisation (the provider).
    pub org: vulndesk_core::OrgId,
    /// The case it reports.
    pub case: CaseId,
    /// 1 for the case's first report, then 2, 3, ...
    pub seq: i64,
    /// `initial` or `update`.
    pub kind: String,
    /// The report an update follows on.
    pub updates: Option<String>,
    /// `general`, `industrial_control`, `mobile_application`, `connected_vehicle`.
    pub sub_library: String,
    /// A [`vulndesk_core::authority::ProductType`] name, or empty.
    pub product_type: String,
    /// Product name (mandatory).
    pub product_name: String,
    /// Model(s) (mandatory).
    pub model: String,
    /// Affected version(s) (mandatory).
    pub versions: String,
    /// Technical characteristics (mandatory).
    pub characteristics: String,
    /// Harm (mandatory).
    pub harm: String,
    /// Scope of impact (mandatory).
    pub scope_of_impact: String,
    /// CVSS vector.
    pub cvss_vector: String,
    /// CVSS score computed by vulndesk.
    pub cvss_score: String,
    /// The grade (`critical`, `high`, `medium`, `low`).
    pub grade: String,
    /// The GB/T 30279 comprehensive grade.
    pub gbt_grade: String,
    /// CVE, CNVD, CNNVD ids, space-separated.
    pub identifiers: String,
    /// Fix status in words.
    pub fix_status: String,
    /// The provider's name.
    pub provider_name: String,
    /// How the authority reaches the provider.
    pub provider_contact: String,
    /// When the provider became aware.
    pub aware_at: Timestamp,
    /// Affected components, one `purl vers` per line.
    pub components: String,
    /// `draft` or `submitted`.
    pub status: String,
    /// When it was submitted.
    pub submitted_at: Option<Timestamp>,
    /// `manual` (filed on the authority's site) or `api`.
    pub channel: String,
    /// The authority's receipt number.
    pub receipt_number: String,
    /// What proves the submission (a note, a reference to a screenshot).
    pub evidence: String,
    /// Who recorded the submission.
    pub submitted_by: String,
    /// When the draft was made.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

macro_rules! columns {
    () => {
        "id, org_id, case_id, seq, kind, updates_id, sub_library, product_name, model, versions, characteristics, harm, \
         scope_of_impact, cvss_vector, cvss_score, grade, gbt_grade, identifiers, fix_status, provider_name, provider_contact, \
         aware_at, components, status, submitted_at, channel, receipt_number, evidence, submitted_by, created_at, updated_at"
    };
}

/// What a read selects: the columns above and the product type (added later, set apart from the
/// INSERT's positional values).
macro_rules! select_columns {
    () => {
        concat!(columns!(), ", product_type")
    };
}

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.parse().map_err(|_| StoreError::corrupt(format!("{what} {s:?}")))
}

fn from_row(r: &AnyRow) -> Result<AuthorityReport> {
    Ok(AuthorityReport {
        id: r.try_get("id")?,
        org: parse(&r.try_get::<String, _>("org_id")?, "organisation id")?,
        case: parse(&r.try_get::<String, _>("case_id")?, "case id")?,
        seq: r.try_get("seq")?,
        kind: r.try_get("kind")?,
        updates: r.try_get("updates_id")?,
        sub_library: r.try_get("sub_library")?,
        product_type: r.try_get("product_type")?,
        product_name: r.try_get("product_name")?,
        model: r.try_get("model")?,
        versions: r.try_get("versions")?,
        characteristics: r.try_get("characteristics")?,
        harm: r.try_get("harm")?,
        scope_of_impact: r.try_get("scope_of_impact")?,
        cvss_vector: r.try_get("cvss_vector")?,
        cvss_score: r.try_get("cvss_score")?,
        grade: r.try_get("grade")?,
        gbt_grade: r.try_get("gbt_grade")?,
        identifiers: r.try_get("identifiers")?,
        fix_status: r.try_get("fix_status")?,
        provider_name: r.try_get("provider_name")?,
        provider_contact: r.try_get("provider_contact")?,
        aware_at: Timestamp::from_micros(r.try_get("aware_at")?),
        components: r.try_get("components")?,
        status: r.try_get("status")?,
        submitted_at: r.try_get::<Option<i64>, _>("submitted_at")?.map(Timestamp::from_micros),
        channel: r.try_get("channel")?,
        receipt_number: r.try_get("receipt_number")?,
        evidence: r.try_get("evidence")?,
        submitted_by: r.try_get("submitted_by")?,
        created_at: Timestamp::from_micros(r.try_get("created_at")?),
        updated_at: Timestamp::from_micros(r.try_get("updated_at")?),
    })
}

/// A submission to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// When it was filed.
    pub at: Timestamp,
    /// `manual` or `api`.
    pub channel: String,
    /// The authority's receipt number.
    pub receipt_number: String,
    /// What proves it.
    pub evidence: String,
}

impl Store {
    /// Stores a new draft report as the case's next one (its `seq` is assigned here).
    pub async fn create_authority_report(&self, r: &AuthorityReport, ctx: &AuditContext) -> Result<AuthorityReport> {
        let mut tx = self.begin().await?;
        let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM authority_reports WHERE case_id = $1")
            .bind(r.case.to_string())
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query(concat!(
            "INSERT INTO authority_reports (",
            columns!(),
            ", created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, \
             $22, $23, 'draft', NULL, '', '', '', '', $24, $24, $25)"
        ))
        .bind(&r.id)
        .bind(r.org.to_string())
        .bind(r.case.to_string())
        .bind(seq)
        .bind(&r.kind)
        .bind(&r.updates)
        .bind(&r.sub_library)
        .bind(&r.product_name)
        .bind(&r.model)
        .bind(&r.versions)
        .bind(&r.characteristics)
        .bind(&r.harm)
        .bind(&r.scope_of_impact)
        .bind(&r.cvss_vector)
        .bind(&r.cvss_score)
        .bind(&r.grade)
        .bind(&r.gbt_grade)
        .bind(&r.identifiers)
        .bind(&r.fix_status)
        .bind(&r.provider_name)
        .bind(&r.provider_contact)
        .bind(r.aware_at.as_micros())
        .bind(&r.components)
        .bind(ctx.at.as_micros())
        .bind(&ctx.actor)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE authority_reports SET product_type = $2 WHERE id = $1")
            .bind(&r.id)
            .bind(&r.product_type)
            .execute(&mut *tx)
            .await?;
        let details =
            serde_json::json!({"seq": seq, "kind": r.kind, "updates": r.updates, "sub_library": r.sub_library});
        self.audit_in(
            &mut tx,
            &event(ctx, "authority_report.create", "case", &r.case.to_string(), Some(r.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        self.authority_report(&r.id).await?.ok_or(StoreError::NotFound)
    }

    /// Replaces a draft's content. `Refused` when the report was submitted meanwhile.
    pub async fn update_authority_report(&self, r: &AuthorityReport, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE authority_reports SET sub_library = $2, product_name = $3, model = $4, versions = $5, characteristics = $6, \
             harm = $7, scope_of_impact = $8, cvss_vector = $9, cvss_score = $10, grade = $11, gbt_grade = $12, identifiers = $13, \
             fix_status = $14, provider_name = $15, provider_contact = $16, components = $17, updated_at = $18, \
             product_type = $19 WHERE id = $1 AND status = 'draft'",
        )
        .bind(&r.id)
        .bind(&r.sub_library)
        .bind(&r.product_name)
        .bind(&r.model)
        .bind(&r.versions)
        .bind(&r.characteristics)
        .bind(&r.harm)
        .bind(&r.scope_of_impact)
        .bind(&r.cvss_vector)
        .bind(&r.cvss_score)
        .bind(&r.grade)
        .bind(&r.gbt_grade)
        .bind(&r.identifiers)
        .bind(&r.fix_status)
        .bind(&r.provider_name)
        .bind(&r.provider_contact)
        .bind(&r.components)
        .bind(ctx.at.as_micros())
        .bind(&r.product_type)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Refused("the report was submitted and can no longer change".into()));
        }
        let details = serde_json::json!({"report": r.id, "seq": r.seq});
        self.audit_in(
            &mut tx,
            &event(ctx, "authority_report.edit", "case", &r.case.to_string(), Some(r.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that a draft was submitted. `Refused` when it was submitted already.
    pub async fn record_authority_submission(
        &self,
        r: &AuthorityReport,
        s: &Submission,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE authority_reports SET status = 'submitted', submitted_at = $2, channel = $3, receipt_number = $4, \
             evidence = $5, submitted_by = $6, updated_at = $7 WHERE id = $1 AND status = 'draft'",
        )
        .bind(&r.id)
        .bind(s.at.as_micros())
        .bind(&s.channel)
        .bind(&s.receipt_number)
        .bind(&s.evidence)
        .bind(&ctx.actor)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Refused("the report was submitted already".into()));
        }
        let details = serde_json::json!({"report": r.id, "seq": r.seq, "submitted_at": s.at.to_rfc3339(),
            "channel": s.channel, "receipt_number": s.receipt_number});
        self.audit_in(
            &mut tx,
            &event(ctx, "authority_report.submit", "case", &r.case.to_string(), Some(r.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The report with this id.
    pub async fn authority_report(&self, id: &str) -> Result<Option<AuthorityReport>> {
        let row = sqlx::query(concat!("SELECT ", select_columns!(), " FROM authority_reports WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// A case's reports, first first.
    pub async fn authority_reports_of(&self, case: CaseId) -> Result<Vec<AuthorityReport>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            select_columns!(),
            " FROM authority_reports WHERE case_id = $1 ORDER BY seq"
        ))
        .bind(case.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// When the case's first initial report was submitted, if it was.
    pub async fn authority_reported_at(&self, case: CaseId) -> Result<Option<Timestamp>> {
        let at: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(submitted_at) FROM authority_reports WHERE case_id = $1 AND kind = 'initial' AND status = 'submitted'",
        )
        .bind(case.to_string())
        .fetch_one(self.read())
        .await?;
        Ok(at.map(Timestamp::from_micros))
    }
}
