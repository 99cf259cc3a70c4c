//! The audit chain in the database: appending under a lock, listing, and verifying.

use futures_util::TryStreamExt;
use sqlx::{AnyConnection, Row};
use vulndesk_core::Timestamp;
use vulndesk_core::audit::{AuditEvent, NewAuditEvent};
use vulndesk_core::chain::{ChainBreak, LinkHash, Verifier};

use crate::{Backend, Result, Store, StoreError};

pub(crate) async fn append(backend: Backend, conn: &mut AnyConnection, e: &NewAuditEvent) -> Result<i64> {
    if backend == Backend::Postgres {
        // Serialises appends across every server instance until this transaction ends. SQLite
        // needs nothing: its one writer connection already serialises transactions.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(crate::postgres::AUDIT_CHAIN_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    let last =
        sqlx::query("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetch_optional(&mut *conn).await?;
    let (prev_seq, prev) = match last {
        None => (0, LinkHash::GENESIS),
        Some(row) => {
            let seq: i64 = row.try_get("seq")?;
            let hash: String = row.try_get("hash")?;
            (
                seq,
                LinkHash::from_hex(&hash)
                    .ok_or_else(|| StoreError::corrupt(format!("audit event {seq} has a malformed hash")))?,
            )
        }
    };
    let seq = prev_seq + 1;
    let hash = e.hash_after(seq, prev);
    sqlx::query(
        "INSERT INTO audit_events (seq, at, actor, action, object_type, object_id, org_id, source, details, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(seq)
    .bind(e.at.as_micros())
    .bind(&e.actor)
    .bind(&e.action)
    .bind(&e.object_type)
    .bind(&e.object_id)
    .bind(e.org.as_deref())
    .bind(&e.source)
    .bind(&e.details)
    .bind(prev.to_hex())
    .bind(hash.to_hex())
    .execute(&mut *conn)
    .await?;
    Ok(seq)
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<AuditEvent> {
    Ok(AuditEvent {
        seq: row.try_get("seq")?,
        event: NewAuditEvent {
            at: Timestamp::from_micros(row.try_get("at")?),
            actor: row.try_get("actor")?,
            action: row.try_get("action")?,
            object_type: row.try_get("object_type")?,
            object_id: row.try_get("object_id")?,
            org: row.try_get("org_id")?,
            source: row.try_get("source")?,
            details: row.try_get("details")?,
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

macro_rules! columns {
    () => {
        "seq, at, actor, action, object_type, object_id, org_id, source, details, prev_hash, hash"
    };
}

/// The outcome of walking the whole audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainReport {
    /// Every event checked out.
    Ok {
        /// How many events.
        count: u64,
        /// The hash of the last event (hex), or the genesis hash for an empty chain.
        head: String,
    },
    /// The first broken link.
    Broken(ChainBreak),
}

impl Store {
    /// The newest events first: the whole deployment's, or one organisation's; `before` pages
    /// backwards by sequence number.
    pub async fn audit_list(&self, org: Option<&str>, before: Option<i64>, limit: i64) -> Result<Vec<AuditEvent>> {
        let before = before.unwrap_or(i64::MAX);
        let rows = match org {
            None => {
                sqlx::query(concat!(
                    "SELECT ",
                    columns!(),
                    " FROM audit_events WHERE seq < $1 ORDER BY seq DESC LIMIT $2"
                ))
                .bind(before)
                .bind(limit)
                .fetch_all(self.read())
                .await?
            }
            Some(org) => {
                sqlx::query(concat!(
                    "SELECT ",
                    columns!(),
                    " FROM audit_events WHERE org_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"
                ))
                .bind(org)
                .bind(before)
                .bind(limit)
                .fetch_all(self.read())
                .await?
            }
        };
        rows.iter().map(from_row).collect()
    }

    /// Every event about one object, oldest first (for a case's dossier).
    pub async fn audit_of_object(&self, object_type: &str, object_id: &str) -> Result<Vec<AuditEvent>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            columns!(),
            " FROM audit_events WHERE object_type = $1 AND object_id = $2 ORDER BY seq"
        ))
        .bind(object_type)
        .bind(object_id)
        .fetch_all(self.read())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// How many audit events exist.
    pub async fn audit_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM audit_events").fetch_one(self.read()).await?)
    }

    /// Walks the whole chain in order, streaming rows, and re-computes every hash.
    pub async fn audit_verify(&self) -> Result<ChainReport> {
        let mut conn = self.read().acquire().await?;
        let mut rows = sqlx::query(concat!("SELECT ", columns!(), " FROM audit_events ORDER BY seq")).fetch(&mut *conn);
        let mut v = Verifier::new();
        while let Some(row) = rows.try_next().await? {
            let e = from_row(&row)?;
            if let Err(b) = e.verify_into(&mut v) {
                return Ok(ChainReport::Broken(b));
            }
        }
        Ok(ChainReport::Ok { count: v.count(), head: v.head().to_hex() })
    }
}
