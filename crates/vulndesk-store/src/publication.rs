//! Fixes, advisories and the publication gate's records (Art. 7(3), Art. 9).
//!
//! A published document is never changed: publishing a revision stores the exact bytes of every
//! rendering with their hashes and signature, in the same transaction as the revision, the gate
//! decision that allowed it and the audit event; the CSAF provider then serves those bytes, so a
//! hash or signature once published stays true.

use sqlx::Row;
use sqlx::any::AnyRow;
use vulndesk_core::{AuditContext, CaseId, OrgId, ProductVersionId, Timestamp};

use crate::{Result, Store, StoreError, event};

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.parse().map_err(|_| StoreError::corrupt(format!("{what} {s:?}")))
}

fn ts(r: &AnyRow, column: &str) -> Result<Timestamp> {
    Ok(Timestamp::from_micros(r.try_get(column)?))
}

fn opt_ts(r: &AnyRow, column: &str) -> Result<Option<Timestamp>> {
    Ok(r.try_get::<Option<i64>, _>(column)?.map(Timestamp::from_micros))
}

/// The fix (or mitigation, workaround, or the fact that there is none) for one affected product
/// version of a case (R11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFix {
    /// Its id (a UUID).
    pub id: String,
    /// The case.
    pub case: CaseId,
    /// The product version it is for.
    pub product_version: ProductVersionId,
    /// `vendor_fix`, `mitigation`, `workaround`, `no_fix_planned` or `none_available`.
    pub kind: String,
    /// The version that has the fix (empty for a mitigation).
    pub fixed_in: String,
    /// When the fix was released.
    pub released_at: Option<Timestamp>,
    /// What to do, in Chinese.
    pub details: String,
    /// What to do, in English.
    pub details_en: String,
    /// Where to get it.
    pub url: String,
    /// Users must act (upgrade software or firmware) to be safe.
    pub users_must_act: bool,
    /// Who recorded it.
    pub created_by: String,
    /// When it was recorded.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl CaseFix {
    /// Whether this is a remedy (a fix, mitigation or workaround), not the record that there is none.
    pub fn is_remedy(&self) -> bool {
        matches!(self.kind.as_str(), "vendor_fix" | "mitigation" | "workaround")
    }
}

fn fix_from_row(r: &AnyRow) -> Result<CaseFix> {
    Ok(CaseFix {
        id: r.try_get("id")?,
        case: parse(&r.try_get::<String, _>("case_id")?, "case id")?,
        product_version: parse(&r.try_get::<String, _>("product_version_id")?, "product version id")?,
        kind: r.try_get("kind")?,
        fixed_in: r.try_get("fixed_in")?,
        released_at: opt_ts(r, "released_at")?,
        details: r.try_get("details")?,
        details_en: r.try_get("details_en")?,
        url: r.try_get("url")?,
        users_must_act: r.try_get::<i64, _>("users_must_act")? != 0,
        created_by: r.try_get("created_by")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

/// A case's advisory, as stored (the draft and, once published, its current version number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Advisory {
    /// Its id (a UUID).
    pub id: String,
    /// The organisation.
    pub org: OrgId,
    /// The case.
    pub case: CaseId,
    /// The tracking id (the case number), also the file name stem of its CSAF documents.
    pub tracking_id: String,
    /// `CLEAR`, `GREEN`, `AMBER` or `RED`.
    pub tlp: String,
    /// Title in Chinese.
    pub title: String,
    /// Title in English.
    pub title_en: String,
    /// Summary in Chinese.
    pub summary: String,
    /// Summary in English.
    pub summary_en: String,
    /// Description in Chinese.
    pub description: String,
    /// Description in English.
    pub description_en: String,
    /// References, one `URL summary` per line.
    pub refs: String,
    /// Credit names, one per line (reporters who consented).
    pub acknowledgments: String,
    /// The CVE id, if assigned.
    pub cve: String,
    /// The severity the advisory states (gate rule 3 compares it with the case's).
    pub severity: String,
    /// Also publish a CSAF VEX document.
    pub vex: bool,
    /// `draft` (never published) or `published`.
    pub status: String,
    /// The last published version (0 before the first).
    pub version: i64,
    /// Who last edited the content.
    pub edited_by: String,
    /// A digest of the content as last saved.
    pub content_digest: String,
    /// Who confirmed the wording is factual (gate rule 3).
    pub reviewed_by: String,
    /// The content digest the reviewer confirmed; an edit after the review makes it stale.
    pub reviewed_digest: String,
    /// When the review was recorded.
    pub reviewed_at: Option<Timestamp>,
    /// When version 1 was published.
    pub initial_release_at: Option<Timestamp>,
    /// When the current version was published.
    pub current_release_at: Option<Timestamp>,
    /// When the draft was made.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

impl Advisory {
    /// Whether the current content was reviewed by someone other than its last editor.
    pub fn wording_reviewed(&self) -> bool {
        !self.reviewed_by.is_empty()
            && self.reviewed_digest == self.content_digest
            && self.reviewed_by != self.edited_by
    }
}

macro_rules! advisory_columns {
    () => {
        "id, org_id, case_id, tracking_id, tlp, title, title_en, summary, summary_en, description, \
     description_en, refs, acknowledgments, cve, severity, vex, status, version, edited_by, content_digest, reviewed_by, \
     reviewed_digest, reviewed_at, initial_release_at, current_release_at, created_at, updated_at"
    };
}

fn advisory_from_row(r: &AnyRow) -> Result<Advisory> {
    Ok(Advisory {
        id: r.try_get("id")?,
        org: parse(&r.try_get::<String, _>("org_id")?, "organisation id")?,
        case: parse(&r.try_get::<String, _>("case_id")?, "case id")?,
        tracking_id: r.try_get("tracking_id")?,
        tlp: r.try_get("tlp")?,
        title: r.try_get("title")?,
        title_en: r.try_get("title_en")?,
        summary: r.try_get("summary")?,
        summary_en: r.try_get("summary_en")?,
        description: r.try_get("description")?,
        description_en: r.try_get("description_en")?,
        refs: r.try_get("refs")?,
        acknowledgments: r.try_get("acknowledgments")?,
        cve: r.try_get("cve")?,
        severity: r.try_get("severity")?,
        vex: r.try_get::<i64, _>("vex")? != 0,
        status: r.try_get("status")?,
        version: r.try_get("version")?,
        edited_by: r.try_get("edited_by")?,
        content_digest: r.try_get("content_digest")?,
        reviewed_by: r.try_get("reviewed_by")?,
        reviewed_digest: r.try_get("reviewed_digest")?,
        reviewed_at: opt_ts(r, "reviewed_at")?,
        initial_release_at: opt_ts(r, "initial_release_at")?,
        current_release_at: opt_ts(r, "current_release_at")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

/// One published revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisoryRevision {
    /// The version number.
    pub number: i64,
    /// When it was published.
    pub released_at: Timestamp,
    /// What changed.
    pub summary: String,
    /// Who published it.
    pub released_by: String,
}

/// One published document: its exact bytes, hashes and signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdvisoryDocument {
    /// The advisory.
    pub advisory_id: String,
    /// The revision.
    pub number: i64,
    /// `csaf`, `csaf_vex`, `osv`, `cve`.
    pub kind: String,
    /// The organisation.
    pub org: OrgId,
    /// The TLP label it is published under.
    pub tlp: String,
    /// Where it is served, relative to its folder (`2026/vd-2026-0001.json`).
    pub path: String,
    /// The document's title.
    pub title: String,
    /// The bytes, as published.
    pub body: String,
    /// SHA-256 of the body, hex.
    pub sha256: String,
    /// SHA-512 of the body, hex.
    pub sha512: String,
    /// The ASCII-armored detached OpenPGP signature of the body.
    pub signature: String,
    /// When version 1 of the advisory was published.
    pub initial_release_at: Timestamp,
    /// When this revision was published.
    pub published_at: Timestamp,
}

macro_rules! document_columns {
    () => {
        "advisory_id, number, kind, org_id, tlp, path, title, body, sha256, sha512, signature, \
     initial_release_at, published_at"
    };
}

fn document_from_row(r: &AnyRow) -> Result<AdvisoryDocument> {
    Ok(AdvisoryDocument {
        advisory_id: r.try_get("advisory_id")?,
        number: r.try_get("number")?,
        kind: r.try_get("kind")?,
        org: parse(&r.try_get::<String, _>("org_id")?, "organisation id")?,
        tlp: r.try_get("tlp")?,
        path: r.try_get("path")?,
        title: r.try_get("title")?,
        body: r.try_get("body")?,
        sha256: r.try_get("sha256")?,
        sha512: r.try_get("sha512")?,
        signature: r.try_get("signature")?,
        initial_release_at: ts(r, "initial_release_at")?,
        published_at: ts(r, "published_at")?,
    })
}

/// A gate decision as stored: what was asked, the answer, and every rule's outcome (JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredGateDecision {
    /// Its id (a UUID).
    pub id: String,
    /// The organisation.
    pub org: OrgId,
    /// The case.
    pub case: CaseId,
    /// `publish`, `export`, `feed`, `share`.
    pub action: String,
    /// What it was about (the advisory's tracking id, a recipient).
    pub target: String,
    /// Whether the action was allowed.
    pub allowed: bool,
    /// `[{"rule", "verdict", "evidence", "unblock"}]`.
    pub outcomes: String,
    /// Who asked.
    pub requested_by: String,
    /// When.
    pub decided_at: Timestamp,
}

fn decision_from_row(r: &AnyRow) -> Result<StoredGateDecision> {
    Ok(StoredGateDecision {
        id: r.try_get("id")?,
        org: parse(&r.try_get::<String, _>("org_id")?, "organisation id")?,
        case: parse(&r.try_get::<String, _>("case_id")?, "case id")?,
        action: r.try_get("action")?,
        target: r.try_get("target")?,
        allowed: r.try_get::<i64, _>("allowed")? != 0,
        outcomes: r.try_get("outcomes")?,
        requested_by: r.try_get("requested_by")?,
        decided_at: ts(r, "decided_at")?,
    })
}

/// A record on the paths the regulation allows through the gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateEvidence {
    /// Its id (a UUID).
    pub id: String,
    /// The case.
    pub case: CaseId,
    /// `joint_assessment`, `authority_report`, `authority_outcome`, `mps_consent`.
    pub kind: String,
    /// What it says (meeting minutes, the report's number, the outcome).
    pub note: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: Timestamp,
}

/// The kinds of gate evidence.
pub const EVIDENCE_KINDS: [&str; 4] = ["joint_assessment", "authority_report", "authority_outcome", "mps_consent"];

/// A window in which nothing is published without MPS consent (Art. 9(6)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blackout {
    /// Its id (a UUID).
    pub id: String,
    /// The organisation, or `None` for every organisation.
    pub org: Option<OrgId>,
    /// From.
    pub starts_at: Timestamp,
    /// Until (exclusive).
    pub ends_at: Timestamp,
    /// Why (a national event).
    pub reason: String,
}

fn blackout_from_row(r: &AnyRow) -> Result<Blackout> {
    Ok(Blackout {
        id: r.try_get("id")?,
        org: r.try_get::<Option<String>, _>("org_id")?.map(|o| parse(&o, "organisation id")).transpose()?,
        starts_at: ts(r, "starts_at")?,
        ends_at: ts(r, "ends_at")?,
        reason: r.try_get("reason")?,
    })
}

/// The provider's OpenPGP key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKey {
    /// Upper-case hex fingerprint.
    pub fingerprint: String,
    /// The secret key, ASCII-armored.
    pub secret_armored: String,
    /// The public certificate, ASCII-armored.
    pub public_armored: String,
}

impl Store {
    /// Records (or replaces) the fix for one product version of a case.
    pub async fn put_fix(&self, org: OrgId, f: &CaseFix, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM case_fixes WHERE case_id = $1 AND product_version_id = $2")
            .bind(f.case.to_string())
            .bind(f.product_version.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO case_fixes (id, case_id, product_version_id, kind, fixed_in, released_at, details, details_en, url, \
             users_must_act, created_by, created_at, updated_at) \
             SELECT $1, c.id, v.id, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12 FROM cases c, product_versions v \
             WHERE c.id = $2 AND v.id = $3 AND c.org_id = $13 AND v.org_id = $13",
        )
        .bind(&f.id)
        .bind(f.case.to_string())
        .bind(f.product_version.to_string())
        .bind(&f.kind)
        .bind(&f.fixed_in)
        .bind(f.released_at.map(Timestamp::as_micros))
        .bind(&f.details)
        .bind(&f.details_en)
        .bind(&f.url)
        .bind(i64::from(f.users_must_act))
        .bind(&ctx.actor)
        .bind(ctx.at.as_micros())
        .bind(org.to_string())
        .execute(&mut *tx)
        .await
        .and_then(|done| if done.rows_affected() == 1 { Ok(()) } else { Err(sqlx::Error::RowNotFound) })?;
        let details = serde_json::json!({"product_version": f.product_version.to_string(), "kind": f.kind,
            "fixed_in": f.fixed_in, "users_must_act": f.users_must_act});
        self.audit_in(&mut tx, &event(ctx, "case.fix", "case", &f.case.to_string(), Some(org.to_string()), details))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a case's fix record.
    pub async fn remove_fix(&self, org: OrgId, case: CaseId, id: &str, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM case_fixes WHERE id = $1 AND case_id = $2")
            .bind(id)
            .bind(case.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        self.audit_in(
            &mut tx,
            &event(
                ctx,
                "case.fix_remove",
                "case",
                &case.to_string(),
                Some(org.to_string()),
                serde_json::json!({"id": id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A case's fixes, oldest first.
    pub async fn fixes_of(&self, case: CaseId) -> Result<Vec<CaseFix>> {
        let rows = sqlx::query(
            "SELECT id, case_id, product_version_id, kind, fixed_in, released_at, details, details_en, url, users_must_act, \
             created_by, created_at, updated_at FROM case_fixes WHERE case_id = $1 ORDER BY created_at, id",
        )
        .bind(case.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(fix_from_row).collect()
    }

    /// The case's advisory, if one was drafted.
    pub async fn advisory_of(&self, case: CaseId) -> Result<Option<Advisory>> {
        let row = sqlx::query(concat!("SELECT ", advisory_columns!(), " FROM advisories WHERE case_id = $1"))
            .bind(case.to_string())
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(advisory_from_row).transpose()
    }

    /// The advisory with this tracking id.
    pub async fn advisory_by_tracking(&self, tracking_id: &str) -> Result<Option<Advisory>> {
        let row = sqlx::query(concat!("SELECT ", advisory_columns!(), " FROM advisories WHERE tracking_id = $1"))
            .bind(tracking_id)
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(advisory_from_row).transpose()
    }

    /// Every published advisory, newest release first (all organisations when `org` is `None`).
    pub async fn published_advisories(&self, org: Option<OrgId>) -> Result<Vec<Advisory>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            advisory_columns!(),
            " FROM advisories WHERE status = 'published' AND ($1 = '' OR org_id = $1) \
             ORDER BY current_release_at DESC, tracking_id"
        ))
        .bind(org.map(|o| o.to_string()).unwrap_or_default())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(advisory_from_row).collect()
    }

    /// Saves the advisory's draft content (creating it on the first save). Review, status,
    /// version and release dates are not touched here.
    pub async fn save_advisory(&self, a: &Advisory, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE advisories SET tlp = $2, title = $3, title_en = $4, summary = $5, summary_en = $6, description = $7, \
             description_en = $8, refs = $9, acknowledgments = $10, cve = $11, severity = $12, vex = $13, edited_by = $14, \
             content_digest = $15, updated_at = $16 WHERE id = $1",
        )
        .bind(&a.id)
        .bind(&a.tlp)
        .bind(&a.title)
        .bind(&a.title_en)
        .bind(&a.summary)
        .bind(&a.summary_en)
        .bind(&a.description)
        .bind(&a.description_en)
        .bind(&a.refs)
        .bind(&a.acknowledgments)
        .bind(&a.cve)
        .bind(&a.severity)
        .bind(i64::from(a.vex))
        .bind(&ctx.actor)
        .bind(&a.content_digest)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let action = if done.rows_affected() == 0 {
            sqlx::query(concat!(
                "INSERT INTO advisories (",
                advisory_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
                 $15, $16, 'draft', 0, $17, $18, '', '', NULL, NULL, NULL, $19, $19)"
            ))
            .bind(&a.id)
            .bind(a.org.to_string())
            .bind(a.case.to_string())
            .bind(&a.tracking_id)
            .bind(&a.tlp)
            .bind(&a.title)
            .bind(&a.title_en)
            .bind(&a.summary)
            .bind(&a.summary_en)
            .bind(&a.description)
            .bind(&a.description_en)
            .bind(&a.refs)
            .bind(&a.acknowledgments)
            .bind(&a.cve)
            .bind(&a.severity)
            .bind(i64::from(a.vex))
            .bind(&ctx.actor)
            .bind(&a.content_digest)
            .bind(ctx.at.as_micros())
            .execute(&mut *tx)
            .await?;
            "advisory.create"
        } else {
            "advisory.update"
        };
        let details = serde_json::json!({"tracking_id": a.tracking_id, "tlp": a.tlp, "digest": a.content_digest});
        self.audit_in(&mut tx, &event(ctx, action, "case", &a.case.to_string(), Some(a.org.to_string()), details))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that `ctx.actor` confirmed the wording of the advisory's content `digest`.
    /// `Refused` when the content changed since the reviewer loaded it, or when the reviewer is
    /// its last editor (a reviewer is someone else).
    pub async fn review_advisory(&self, a: &Advisory, digest: &str, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE advisories SET reviewed_by = $2, reviewed_digest = $3, reviewed_at = $4 \
             WHERE id = $1 AND content_digest = $3 AND edited_by <> $2",
        )
        .bind(&a.id)
        .bind(&ctx.actor)
        .bind(digest)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Refused(
                "the advisory changed since it was loaded, or the reviewer is its last editor".into(),
            ));
        }
        let details = serde_json::json!({"tracking_id": a.tracking_id, "digest": digest});
        self.audit_in(
            &mut tx,
            &event(ctx, "advisory.review", "case", &a.case.to_string(), Some(a.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes revision `number` of the advisory: the revision, its documents and the gate
    /// decision that allowed it, in one transaction. `Refused` when another revision got there
    /// first (the version moved).
    pub async fn publish_advisory(
        &self,
        a: &Advisory,
        number: i64,
        summary: &str,
        documents: &[AdvisoryDocument],
        decision: &StoredGateDecision,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE advisories SET status = 'published', version = $2, current_release_at = $3, \
             initial_release_at = COALESCE(initial_release_at, $3), updated_at = $3 WHERE id = $1 AND version = $4",
        )
        .bind(&a.id)
        .bind(number)
        .bind(ctx.at.as_micros())
        .bind(number - 1)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Refused("another revision of this advisory was published meanwhile".into()));
        }
        sqlx::query(
            "INSERT INTO advisory_revisions (advisory_id, number, released_at, summary, released_by) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&a.id)
        .bind(number)
        .bind(ctx.at.as_micros())
        .bind(summary)
        .bind(&ctx.actor)
        .execute(&mut *tx)
        .await?;
        for d in documents {
            sqlx::query(concat!(
                "INSERT INTO advisory_documents (",
                document_columns!(),
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            ))
            .bind(&d.advisory_id)
            .bind(d.number)
            .bind(&d.kind)
            .bind(d.org.to_string())
            .bind(&d.tlp)
            .bind(&d.path)
            .bind(&d.title)
            .bind(&d.body)
            .bind(&d.sha256)
            .bind(&d.sha512)
            .bind(&d.signature)
            .bind(d.initial_release_at.as_micros())
            .bind(d.published_at.as_micros())
            .execute(&mut *tx)
            .await?;
        }
        self.insert_decision(&mut tx, decision).await?;
        let details = serde_json::json!({"tracking_id": a.tracking_id, "version": number, "tlp": a.tlp,
            "documents": documents.iter().map(|d| &d.path).collect::<Vec<_>>(), "decision": decision.id});
        self.audit_in(
            &mut tx,
            &event(ctx, "advisory.publish", "case", &a.case.to_string(), Some(a.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn insert_decision(&self, tx: &mut sqlx::Transaction<'_, sqlx::Any>, d: &StoredGateDecision) -> Result<()> {
        sqlx::query(
            "INSERT INTO gate_decisions (id, org_id, case_id, action, target, allowed, outcomes, requested_by, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&d.id)
        .bind(d.org.to_string())
        .bind(d.case.to_string())
        .bind(&d.action)
        .bind(&d.target)
        .bind(i64::from(d.allowed))
        .bind(&d.outcomes)
        .bind(&d.requested_by)
        .bind(d.decided_at.as_micros())
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Records a gate decision (refusals, and allowed actions that store nothing else).
    pub async fn record_gate_decision(&self, d: &StoredGateDecision, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        self.insert_decision(&mut tx, d).await?;
        let action = if d.allowed { "gate.allow" } else { "gate.block" };
        let details = serde_json::json!({"action": d.action, "target": d.target, "decision": d.id});
        self.audit_in(&mut tx, &event(ctx, action, "case", &d.case.to_string(), Some(d.org.to_string()), details))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A case's gate decisions, newest first.
    pub async fn gate_decisions_of(&self, case: CaseId) -> Result<Vec<StoredGateDecision>> {
        let rows = sqlx::query(
            "SELECT id, org_id, case_id, action, target, allowed, outcomes, requested_by, decided_at FROM gate_decisions \
             WHERE case_id = $1 ORDER BY decided_at DESC, id",
        )
        .bind(case.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(decision_from_row).collect()
    }

    /// Records gate evidence for a case.
    pub async fn add_gate_evidence(&self, org: OrgId, e: &GateEvidence, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO gate_evidence (id, case_id, kind, note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&e.id)
        .bind(e.case.to_string())
        .bind(&e.kind)
        .bind(&e.note)
        .bind(&ctx.actor)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"kind": e.kind, "note": e.note});
        self.audit_in(
            &mut tx,
            &event(ctx, "gate.evidence", "case", &e.case.to_string(), Some(org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A case's gate evidence, oldest first.
    pub async fn gate_evidence_of(&self, case: CaseId) -> Result<Vec<GateEvidence>> {
        let rows = sqlx::query(
            "SELECT id, case_id, kind, note, recorded_by, recorded_at FROM gate_evidence WHERE case_id = $1 \
             ORDER BY recorded_at, id",
        )
        .bind(case.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(GateEvidence {
                    id: r.try_get("id")?,
                    case: parse(&r.try_get::<String, _>("case_id")?, "case id")?,
                    kind: r.try_get("kind")?,
                    note: r.try_get("note")?,
                    recorded_by: r.try_get("recorded_by")?,
                    recorded_at: ts(r, "recorded_at")?,
                })
            })
            .collect()
    }

    /// Adds a blackout window (`org` `None`: for every organisation).
    pub async fn add_blackout(&self, b: &Blackout, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO blackout_windows (id, org_id, starts_at, ends_at, reason, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&b.id)
        .bind(b.org.map(|o| o.to_string()))
        .bind(b.starts_at.as_micros())
        .bind(b.ends_at.as_micros())
        .bind(&b.reason)
        .bind(&ctx.actor)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"starts_at": b.starts_at.to_rfc3339(), "ends_at": b.ends_at.to_rfc3339(),
            "reason": b.reason});
        self.audit_in(
            &mut tx,
            &event(ctx, "blackout.create", "blackout", &b.id, b.org.map(|o| o.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every blackout window that has not ended at `now`, soonest first (the administrators' calendar).
    pub async fn upcoming_blackouts(&self, now: Timestamp) -> Result<Vec<Blackout>> {
        let rows = sqlx::query(
            "SELECT id, org_id, starts_at, ends_at, reason FROM blackout_windows WHERE ends_at > $1 ORDER BY starts_at, id",
        )
        .bind(now.as_micros())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(blackout_from_row).collect()
    }

    /// The blackout windows that apply to the organisation (its own and the site-wide ones) and
    /// have not ended at `now`, soonest first.
    pub async fn blackouts_for(&self, org: OrgId, now: Timestamp) -> Result<Vec<Blackout>> {
        let rows = sqlx::query(
            "SELECT id, org_id, starts_at, ends_at, reason FROM blackout_windows \
             WHERE (org_id IS NULL OR org_id = $1) AND ends_at > $2 ORDER BY starts_at, id",
        )
        .bind(org.to_string())
        .bind(now.as_micros())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(blackout_from_row).collect()
    }

    /// The advisory's published revisions, oldest first.
    pub async fn advisory_revisions(&self, advisory_id: &str) -> Result<Vec<AdvisoryRevision>> {
        let rows = sqlx::query(
            "SELECT number, released_at, summary, released_by FROM advisory_revisions WHERE advisory_id = $1 ORDER BY number",
        )
        .bind(advisory_id)
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AdvisoryRevision {
                    number: r.try_get("number")?,
                    released_at: ts(r, "released_at")?,
                    summary: r.try_get("summary")?,
                    released_by: r.try_get("released_by")?,
                })
            })
            .collect()
    }

    /// The newest revision of every published document of the given kind, newest first.
    pub async fn current_documents(&self, kind: &str) -> Result<Vec<AdvisoryDocument>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            document_columns!(),
            " FROM advisory_documents d WHERE kind = $1 AND number = \
             (SELECT MAX(number) FROM advisory_documents e WHERE e.advisory_id = d.advisory_id AND e.kind = d.kind) \
             ORDER BY published_at DESC, path"
        ))
        .bind(kind)
        .fetch_all(self.read())
        .await?;
        rows.iter().map(document_from_row).collect()
    }

    /// The newest published document at `path` (`2026/vd-2026-0001.json`) under label `tlp`.
    pub async fn document_at(&self, tlp: &str, path: &str) -> Result<Option<AdvisoryDocument>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            document_columns!(),
            " FROM advisory_documents WHERE tlp = $1 AND path = $2 ORDER BY number DESC LIMIT 1"
        ))
        .bind(tlp)
        .bind(path)
        .fetch_optional(self.read())
        .await?;
        row.as_ref().map(document_from_row).transpose()
    }

    /// The advisory's documents of revision `number`.
    pub async fn documents_of(&self, advisory_id: &str, number: i64) -> Result<Vec<AdvisoryDocument>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            document_columns!(),
            " FROM advisory_documents WHERE advisory_id = $1 AND number = $2 ORDER BY kind"
        ))
        .bind(advisory_id)
        .bind(number)
        .fetch_all(self.read())
        .await?;
        rows.iter().map(document_from_row).collect()
    }

    /// The active signing key, if one was made.
    pub async fn signing_key(&self) -> Result<Option<SigningKey>> {
        let row = sqlx::query(
            "SELECT fingerprint, secret_armored, public_armored FROM signing_keys WHERE active = 1 \
             ORDER BY created_at LIMIT 1",
        )
        .fetch_optional(self.read())
        .await?;
        row.map(|r| {
            Ok(SigningKey {
                fingerprint: r.try_get("fingerprint")?,
                secret_armored: r.try_get("secret_armored")?,
                public_armored: r.try_get("public_armored")?,
            })
        })
        .transpose()
    }

    /// Keeps `candidate` as the signing key unless one exists already; returns the key in force
    /// (so two instances generating at once agree on the first one stored).
    pub async fn ensure_signing_key(&self, candidate: &SigningKey, ctx: &AuditContext) -> Result<SigningKey> {
        let mut tx = self.begin().await?;
        let existing: Option<String> =
            sqlx::query_scalar("SELECT fingerprint FROM signing_keys WHERE active = 1 ORDER BY created_at LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
        if existing.is_none() {
            sqlx::query(
                "INSERT INTO signing_keys (fingerprint, secret_armored, public_armored, active, created_at) \
                 VALUES ($1, $2, $3, 1, $4)",
            )
            .bind(&candidate.fingerprint)
            .bind(&candidate.secret_armored)
            .bind(&candidate.public_armored)
            .bind(ctx.at.as_micros())
            .execute(&mut *tx)
            .await?;
            let details = serde_json::json!({"fingerprint": candidate.fingerprint});
            self.audit_in(
                &mut tx,
                &event(ctx, "signing_key.create", "signing_key", &candidate.fingerprint, None, details),
            )
            .await?;
        }
        tx.commit().await?;
        self.signing_key().await?.ok_or(StoreError::NotFound)
    }
}
