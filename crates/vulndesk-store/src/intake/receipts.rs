//! The receipt log (Art. 5): listing and exporting receipts, verifying the chain and every stored
//! payload, and retention (purging old receipts is refused by the database itself while they are
//! younger than the retention period).

use futures_util::TryStreamExt;
use sqlx::Row;
use sqlx::any::AnyRow;
use vulndesk_core::chain::{self, ChainBreak, LinkHash, Verifier};
use vulndesk_core::intake::{Channel, MIN_RETENTION_DAYS, ReceiptFields};
use vulndesk_core::{AuditContext, OrgId, Timestamp};

use crate::{Result, Store, StoreError, event};

/// One receipt as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Its place in the chain.
    pub seq: i64,
    /// When it arrived.
    pub received_at: Timestamp,
    /// How it arrived.
    pub channel: Channel,
    /// The receiving organisation's id.
    pub org: String,
    /// The program's id, or empty.
    pub program: String,
    /// The report's id, or empty.
    pub report: String,
    /// The source address, or empty.
    pub source: String,
    /// The user agent, or empty.
    pub user_agent: String,
    /// SHA-256 of the stored payload.
    pub payload_sha256: String,
    /// The previous receipt's hash.
    pub prev_hash: String,
    /// This receipt's hash.
    pub hash: String,
}

/// The outcome of verifying the receipt log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptCheck {
    /// Every receipt, payload and attachment checked out.
    Ok {
        /// Receipts checked.
        count: u64,
        /// The chain head (hex).
        head: String,
    },
    /// The first bad receipt.
    Broken(ChainBreak),
}

macro_rules! columns {
    () => {
        "r.seq, r.received_at, r.channel, r.org_id, r.program_id, r.report_id, r.source, r.user_agent, r.payload_sha256, r.prev_hash, r.hash"
    };
}

fn receipt_from_row(row: &AnyRow) -> Result<Receipt> {
    let channel: String = row.try_get("channel")?;
    Ok(Receipt {
        seq: row.try_get("seq")?,
        received_at: Timestamp::from_micros(row.try_get("received_at")?),
        channel: Channel::parse(&channel).ok_or_else(|| StoreError::corrupt(format!("receipt channel {channel:?}")))?,
        org: row.try_get("org_id")?,
        program: row.try_get::<Option<String>, _>("program_id")?.unwrap_or_default(),
        report: row.try_get::<Option<String>, _>("report_id")?.unwrap_or_default(),
        source: row.try_get("source")?,
        user_agent: row.try_get("user_agent")?,
        payload_sha256: row.try_get("payload_sha256")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

impl Receipt {
    fn fields(&self) -> [Vec<u8>; 9] {
        ReceiptFields {
            received_at: self.received_at,
            channel: self.channel,
            org: &self.org,
            program: &self.program,
            report: &self.report,
            source: &self.source,
            user_agent: &self.user_agent,
            payload_sha256: &self.payload_sha256,
        }
        .chain_fields(self.seq)
    }
}

impl Store {
    /// An organisation's receipts, newest first, paging backwards from `before`.
    pub async fn receipts_of(&self, org: OrgId, before: Option<i64>, limit: i64) -> Result<Vec<Receipt>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM receipts r WHERE r.org_id = $1 AND r.seq < $2 ORDER BY r.seq DESC LIMIT $3"
        ))
        .bind(org.to_string())
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(self.read())
        .await?;
        rows.iter().map(receipt_from_row).collect()
    }

    /// The receipt with this sequence number and its stored payload.
    pub async fn receipt(&self, seq: i64) -> Result<Option<(Receipt, Vec<u8>)>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            ", p.payload FROM receipts r JOIN receipt_payloads p ON p.seq = r.seq WHERE r.seq = $1"
        ))
        .bind(seq)
        .fetch_optional(self.read())
        .await?;
        row.map(|r| Ok((receipt_from_row(&r)?, r.try_get("payload")?))).transpose()
    }

    /// The newest receipt of each channel for an organisation (for the intake health page).
    pub async fn last_receipt_per_channel(&self, org: OrgId) -> Result<Vec<Receipt>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM receipts r WHERE r.seq IN (SELECT MAX(seq) FROM receipts WHERE org_id = $1 GROUP BY channel) ORDER BY r.channel"
        ))
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(receipt_from_row).collect()
    }

    /// The hash of the newest receipt of the whole log, for exports (the chain head).
    pub async fn receipt_head(&self) -> Result<Option<(i64, String)>> {
        let row =
            sqlx::query("SELECT seq, hash FROM receipts ORDER BY seq DESC LIMIT 1").fetch_optional(self.read()).await?;
        row.map(|r| Ok((r.try_get("seq")?, r.try_get("hash")?))).transpose()
    }

    /// Walks the whole receipt log in order: re-hashes every stored payload against its receipt,
    /// every attachment the payload names against its recorded hash, and the chain itself.
    pub async fn receipts_verify(&self) -> Result<ReceiptCheck> {
        let mut conn = self.read().acquire().await?;
        let anchor =
            sqlx::query("SELECT seq, hash FROM receipt_anchor WHERE id = 1").fetch_optional(&mut *conn).await?;
        let mut v = match anchor {
            Some(r) => {
                let seq: i64 = r.try_get("seq")?;
                let hash: String = r.try_get("hash")?;
                Verifier::resume(
                    seq,
                    LinkHash::from_hex(&hash).ok_or_else(|| StoreError::corrupt("receipt anchor hash"))?,
                )
            }
            None => Verifier::new(),
        };
        let mut attachments_to_check: Vec<(i64, String, String)> = Vec::new();
        {
            let mut rows = sqlx::query(concat!(
                "SELECT ",
                columns!(),
                ", p.payload FROM receipts r LEFT JOIN receipt_payloads p ON p.seq = r.seq ORDER BY r.seq"
            ))
            .fetch(&mut *conn);
            while let Some(row) = rows.try_next().await? {
                let receipt = receipt_from_row(&row)?;
                let payload: Option<Vec<u8>> = row.try_get("payload")?;
                let fields = receipt.fields();
                let refs: Vec<&[u8]> = fields.iter().map(Vec::as_slice).collect();
                if let Err(b) = v.push(receipt.seq, &receipt.prev_hash, &receipt.hash, &refs) {
                    return Ok(ReceiptCheck::Broken(b));
                }
                let Some(payload) = payload else {
                    return Ok(ReceiptCheck::Broken(Verifier::payload_mismatch(receipt.seq)));
                };
                if hex::encode(chain::sha256(&payload)) != receipt.payload_sha256 {
                    return Ok(ReceiptCheck::Broken(Verifier::payload_mismatch(receipt.seq)));
                }
                // The payload names each attachment with its hash; the stored files must match.
                if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(&payload) {
                    for a in doc["attachments"].as_array().into_iter().flatten() {
                        if let (Some(id), Some(sha)) = (a["id"].as_str(), a["sha256"].as_str()) {
                            attachments_to_check.push((receipt.seq, id.to_owned(), sha.to_owned()));
                        }
                    }
                }
            }
        }
        for (seq, id, sha) in attachments_to_check {
            let row = sqlx::query("SELECT content, sealed FROM attachments WHERE id = $1")
                .bind(&id)
                .fetch_optional(&mut *conn)
                .await?;
            let content = match row {
                Some(r) => {
                    let sealed = r.try_get::<i64, _>("sealed")? != 0;
                    match crate::seal::open(self.attachment_key(), &id, r.try_get("content")?, sealed) {
                        Ok(plain) => Some(plain),
                        // Without the key the check cannot be made: say so, not "broken".
                        Err(e) if sealed && self.attachment_key().get().is_none() => return Err(e),
                        Err(_) => None,
                    }
                }
                None => None,
            };
            if content.is_none_or(|c| hex::encode(chain::sha256(&c)) != sha) {
                return Ok(ReceiptCheck::Broken(Verifier::payload_mismatch(seq)));
            }
        }
        Ok(ReceiptCheck::Ok { count: v.count(), head: v.head().to_hex() })
    }

    /// How long receipts are kept, in days.
    pub async fn retention_days(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT value FROM intake_settings WHERE key = 'retention_days'")
            .fetch_one(self.read())
            .await?)
    }

    /// Raises the retention period. Lowering it (or going under 183 days) is refused by the
    /// database; the refusal is audited.
    pub async fn set_retention_days(&self, days: i64, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        let result = sqlx::query("UPDATE intake_settings SET value = $1 WHERE key = 'retention_days'")
            .bind(days)
            .execute(&mut *tx)
            .await;
        match result.map_err(StoreError::from) {
            Ok(_) => {
                let details = serde_json::json!({"days": days});
                self.audit_in(
                    &mut tx,
                    &event(ctx, "receipts.retention_set", "settings", "retention_days", None, details),
                )
                .await?;
                tx.commit().await?;
                Ok(())
            }
            Err(StoreError::Refused(why)) => {
                drop(tx);
                let details = serde_json::json!({"days": days, "minimum": MIN_RETENTION_DAYS, "why": why});
                self.record_audit(&event(
                    ctx,
                    "receipts.retention_refused",
                    "settings",
                    "retention_days",
                    None,
                    details,
                ))
                .await?;
                Err(StoreError::Refused(why))
            }
            Err(e) => Err(e),
        }
    }

    /// Deletes every receipt up to and including `through_seq` (oldest first, so the chain stays
    /// verifiable from an anchor). The database refuses if any of them is younger than the
    /// retention period; the refusal, and a successful purge, are audited.
    pub async fn purge_receipts_through(&self, through_seq: i64, ctx: &AuditContext) -> Result<u64> {
        let mut tx = self.begin().await?;
        let last =
            sqlx::query("SELECT hash FROM receipts WHERE seq = $1").bind(through_seq).fetch_optional(&mut *tx).await?;
        let Some(last) = last else { return Err(StoreError::NotFound) };
        let hash: String = last.try_get("hash")?;
        let deleted = sqlx::query("DELETE FROM receipts WHERE seq <= $1").bind(through_seq).execute(&mut *tx).await;
        match deleted.map_err(StoreError::from) {
            Ok(done) => {
                sqlx::query("DELETE FROM receipt_anchor WHERE id = 1").execute(&mut *tx).await?;
                sqlx::query("INSERT INTO receipt_anchor (id, seq, hash) VALUES (1, $1, $2)")
                    .bind(through_seq)
                    .bind(&hash)
                    .execute(&mut *tx)
                    .await?;
                let details = serde_json::json!({"through_seq": through_seq, "deleted": done.rows_affected()});
                self.audit_in(
                    &mut tx,
                    &event(ctx, "receipts.purge", "receipts", &through_seq.to_string(), None, details),
                )
                .await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }
            Err(StoreError::Refused(why)) => {
                drop(tx);
                let details = serde_json::json!({"through_seq": through_seq, "why": why});
                self.record_audit(&event(
                    ctx,
                    "receipts.purge_refused",
                    "receipts",
                    &through_seq.to_string(),
                    None,
                    details,
                ))
                .await?;
                Err(StoreError::Refused(why))
            }
            Err(e) => Err(e),
        }
    }
}
