//! The intake writer: every inbound message (a new report, a reporter's reply) goes through one
//! queue per process and is committed in batches (group commit), so that many concurrent
//! submissions share one transaction and one fsync. The caller's future resolves only after its
//! batch is durably committed; only then may the HTTP answer say "received".
//!
//! Each item appends one receipt to the hash-chained receipt log, with the SHA-256 of its stored
//! payload, in the same transaction as the report, attachments and outbox rows. If a batch fails,
//! its items are retried one by one, so one bad item never takes its neighbours down with it.

use sqlx::{AnyConnection, Row};
use tokio::sync::{mpsc, oneshot};
use vulndesk_core::chain::{self, LinkHash};
use vulndesk_core::intake::{AttachmentTag, Channel, ReceiptFields, Report};
use vulndesk_core::{AttachmentId, MessageId, OrgId, OutboxId, ProgramId, ReportId, Timestamp, UserId};

use crate::{Backend, Result, StoreError};

/// Most items committed in one transaction.
const MAX_BATCH: usize = 256;

/// A file to store with a report or message.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    /// Its id.
    pub id: AttachmentId,
    /// What it is.
    pub tag: AttachmentTag,
    /// The name the sender gave it (cleaned by the caller).
    pub filename: String,
    /// The content type vulndesk detected (never the sender's claim alone).
    pub content_type: String,
    /// The bytes.
    pub content: Vec<u8>,
}

/// A message on a report's thread.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Its id.
    pub id: MessageId,
    /// `reporter` or `staff`.
    pub author: &'static str,
    /// The staff member, for staff messages.
    pub user: Option<UserId>,
    /// `message`, `acknowledge`, `request_info`, `rejection`.
    pub kind: &'static str,
    /// The text.
    pub body: String,
}

/// A message to queue in the outbox (delivered by the notification work).
#[derive(Debug, Clone)]
pub struct NewOutbox {
    /// Its id.
    pub id: OutboxId,
    /// The organisation it belongs to.
    pub org: Option<OrgId>,
    /// `email` or `webhook`.
    pub channel: &'static str,
    /// Which message: `report.received`, `report.acknowledged`, …
    pub template: &'static str,
    /// Where it goes.
    pub recipient: String,
    /// The subject line.
    pub subject: String,
    /// The text.
    pub body: String,
    /// The object it is about (a report id).
    pub related: Option<String>,
}

/// What arrived.
#[derive(Debug, Clone)]
pub enum InboundKind {
    /// A new report through a program.
    NewReport {
        /// The report (its `receipt_seq` is filled in by the writer).
        report: Box<Report>,
        /// SHA-256 (hex) of the tracking token.
        tracking_hash: String,
    },
    /// A reporter's reply on the tracking page.
    ReporterMessage {
        /// The report it belongs to.
        report: ReportId,
        /// The message.
        message: NewMessage,
    },
    /// A provider's report to a sharing platform, with its relays to the agency subscribers:
    /// stored, receipted and queued in one transaction, so a report is relayed exactly when it
    /// is received.
    SharedReport {
        /// The report as stored (its `receipt_seq` is filled in by the writer).
        report: Box<crate::sharing::SharedReport>,
        /// One delivery per subscriber.
        relays: Vec<crate::sharing::NewDelivery>,
    },
}

/// One inbound message to commit durably with its receipt.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// When it arrived.
    pub received_at: Timestamp,
    /// How it arrived.
    pub channel: Channel,
    /// The receiving organisation.
    pub org: OrgId,
    /// The program, if any.
    pub program: Option<ProgramId>,
    /// The source address (empty when the organisation does not keep it).
    pub source: String,
    /// The user agent (empty when not kept).
    pub user_agent: String,
    /// The canonical bytes of what arrived, as hashed into the receipt.
    pub payload: Vec<u8>,
    /// The report or message.
    pub kind: InboundKind,
    /// Files that came with it.
    pub attachments: Vec<NewAttachment>,
    /// Mail to queue with it (the new-report notice to the team, the reporter's confirmation).
    pub outbox: Vec<NewOutbox>,
}

/// The proof of receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The receipt's sequence number.
    pub seq: i64,
    /// The receipt's hash (hex).
    pub hash: String,
}

type Job = (Inbound, oneshot::Sender<Result<Accepted>>);

/// The sending half of the writer's queue.
#[derive(Clone)]
pub(crate) struct Writer {
    tx: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer task on the current runtime.
    pub(crate) fn start(backend: Backend, pool: sqlx::AnyPool, key: crate::seal::KeyCell) -> Self {
        let (tx, rx) = mpsc::channel::<Job>(8192);
        tokio::spawn(run(backend, pool, rx, key));
        Self { tx }
    }

    /// Whether the writer task is still taking work.
    pub(crate) fn is_alive(&self) -> bool {
        !self.tx.is_closed()
    }

    /// Queues an inbound message and waits until it is durably committed.
    pub(crate) async fn submit(&self, inbound: Inbound) -> Result<Accepted> {
        let (tx, rx) = oneshot::channel();
        self.tx.send((inbound, tx)).await.map_err(|_| StoreError::Invalid("the intake writer has stopped".into()))?;
        rx.await.map_err(|_| StoreError::Invalid("the intake writer stopped before committing".into()))?
    }
}

async fn run(backend: Backend, pool: sqlx::AnyPool, mut rx: mpsc::Receiver<Job>, key: crate::seal::KeyCell) {
    let mut batch: Vec<Job> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let items: Vec<&Inbound> = batch.iter().map(|(i, _)| i).collect();
        match commit(backend, &pool, &items, &key).await {
            Ok(accepted) => {
                for ((_, reply), a) in batch.drain(..).zip(accepted) {
                    let _ = reply.send(Ok(a));
                }
            }
            Err(e) if batch.len() == 1 => {
                if let Some((_, reply)) = batch.pop() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(_) => {
                // Retry one by one: only the items that fail on their own are refused.
                for (item, reply) in batch.drain(..) {
                    let result = commit(backend, &pool, &[&item], &key).await.map(|mut v| v.remove(0));
                    let _ = reply.send(result);
                }
            }
        }
    }
}

async fn commit(
    backend: Backend,
    pool: &sqlx::AnyPool,
    items: &[&Inbound],
    key: &crate::seal::KeyCell,
) -> Result<Vec<Accepted>> {
    let mut tx = pool.begin().await?;
    let (mut seq, mut prev) = chain_head(backend, &mut tx).await?;
    // Every row of the batch is prepared first, then each table gets a few multi-row INSERTs:
    // a statement is a round trip to the database (to SQLite's worker thread, or to the server),
    // and one per table per batch instead of several per report is what makes group commit pay.
    let mut rows = Vec::with_capacity(items.len());
    for item in items {
        seq += 1;
        let row = ReceiptRow::new(item, seq, prev);
        prev = row.hash;
        rows.push(row);
    }
    insert_receipts(&mut tx, &rows).await?;
    let reports: Vec<(&Report, &str, i64)> = rows
        .iter()
        .filter_map(|r| match &r.item.kind {
            InboundKind::NewReport { report, tracking_hash } => Some((report.as_ref(), tracking_hash.as_str(), r.seq)),
            InboundKind::ReporterMessage { .. } | InboundKind::SharedReport { .. } => None,
        })
        .collect();
    insert_reports(&mut tx, &reports).await?;
    let mut outbox = Vec::new();
    for r in &rows {
        let message_id = match &r.item.kind {
            InboundKind::NewReport { .. } => None,
            InboundKind::SharedReport { report, relays } => {
                crate::sharing::insert_shared(&mut tx, report, r.seq, relays, r.item.received_at).await?;
                None
            }
            InboundKind::ReporterMessage { report, message } => {
                insert_message(&mut tx, *report, message, r.item.received_at, Some(r.seq)).await?;
                // A reply to a request for information puts the report back in the queue.
                sqlx::query("UPDATE reports SET status = 'acknowledged' WHERE id = $1 AND status = 'needs_info'")
                    .bind(report.to_string())
                    .execute(&mut *tx)
                    .await?;
                Some(message.id)
            }
        };
        for a in &r.item.attachments {
            insert_attachment(&mut tx, &r.report_id, message_id, a, r.item.received_at, key).await?;
        }
        outbox.extend(r.item.outbox.iter().map(|o| (o, r.item.received_at)));
    }
    insert_outbox_rows(&mut tx, &outbox).await?;
    tx.commit().await?;
    Ok(rows.iter().map(|r| Accepted { seq: r.seq, hash: r.hash.to_hex() }).collect())
}

/// One receipt ready to insert, with its place in the chain.
struct ReceiptRow<'a> {
    item: &'a Inbound,
    seq: i64,
    org: String,
    program: String,
    report_id: String,
    payload_sha256: String,
    prev: LinkHash,
    hash: LinkHash,
}

impl<'a> ReceiptRow<'a> {
    fn new(item: &'a Inbound, seq: i64, prev: LinkHash) -> Self {
        let org = item.org.to_string();
        let program = item.program.map(|p| p.to_string()).unwrap_or_default();
        let report_id = match &item.kind {
            InboundKind::NewReport { report, .. } => report.id.to_string(),
            InboundKind::ReporterMessage { report, .. } => report.to_string(),
            InboundKind::SharedReport { report, .. } => report.id.clone(),
        };
        let payload_sha256 = hex::encode(chain::sha256(&item.payload));
        let fields = ReceiptFields {
            received_at: item.received_at,
            channel: item.channel,
            org: &org,
            program: &program,
            report: &report_id,
            source: &item.source,
            user_agent: &item.user_agent,
            payload_sha256: &payload_sha256,
        };
        let chain_fields = fields.chain_fields(seq);
        let refs: Vec<&[u8]> = chain_fields.iter().map(Vec::as_slice).collect();
        let hash = chain::link_hash(prev, &refs);
        Self { item, seq, org, program, report_id, payload_sha256, prev, hash }
    }
}

/// Rows per multi-row INSERT. Each row count is its own prepared statement, and sqlx keeps 100
/// per connection: 16 sizes × 4 tables fit; 64 sizes did not, and re-preparing large statements on
/// every batch made PostgreSQL 15× slower at high concurrency (measured with `intake-bench`).
const CHUNK: usize = 16;

/// `($1, $2, …), ($n+1, …)` for `rows` rows of `cols` columns.
fn values(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", (1..=cols).map(|c| format!("${}", r * cols + c)).collect::<Vec<_>>().join(", ")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A multi-row INSERT. The SQL is a fixed prefix and generated placeholders only; every value is
/// bound, so no input reaches the query text.
fn multi_insert(prefix: &'static str, rows: usize, cols: usize) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!("{prefix} VALUES {}", values(rows, cols)))
}

async fn insert_receipts(conn: &mut AnyConnection, rows: &[ReceiptRow<'_>]) -> Result<()> {
    for chunk in rows.chunks(CHUNK) {
        let sql = multi_insert(
            "INSERT INTO receipts (seq, received_at, channel, org_id, program_id, report_id, source, user_agent, payload_sha256, prev_hash, hash)",
            chunk.len(),
            11,
        );
        let mut q = sqlx::query(sql);
        for r in chunk {
            q = q
                .bind(r.seq)
                .bind(r.item.received_at.as_micros())
                .bind(r.item.channel.as_str())
                .bind(r.org.clone())
                .bind(r.program.clone())
                .bind(r.report_id.clone())
                .bind(r.item.source.clone())
                .bind(r.item.user_agent.clone())
                .bind(r.payload_sha256.clone())
                .bind(r.prev.to_hex())
                .bind(r.hash.to_hex());
        }
        q.execute(&mut *conn).await?;
        let sql = multi_insert("INSERT INTO receipt_payloads (seq, payload)", chunk.len(), 2);
        let mut q = sqlx::query(sql);
        for r in chunk {
            q = q.bind(r.seq).bind(r.item.payload.clone());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn insert_reports(conn: &mut AnyConnection, reports: &[(&Report, &str, i64)]) -> Result<()> {
    for chunk in reports.chunks(CHUNK) {
        let sql = multi_insert(
            "INSERT INTO reports (id, program_id, org_id, tracking_hash, title, description, product, version, cwe, reproduction, \
             impact, contact, credit_name, language, status, status_reason, received_at, acknowledged_at, receipt_seq)",
            chunk.len(),
            19,
        );
        let mut q = sqlx::query(sql);
        for (r, tracking_hash, seq) in chunk {
            q = q
                .bind(r.id.to_string())
                .bind(r.program.to_string())
                .bind(r.org.to_string())
                .bind((*tracking_hash).to_owned())
                .bind(r.title.clone())
                .bind(r.description.clone())
                .bind(r.product.clone())
                .bind(r.version.clone())
                .bind(r.cwe.clone())
                .bind(r.reproduction.clone())
                .bind(r.impact.clone())
                .bind(r.contact.clone())
                .bind(r.credit_name.clone())
                .bind(r.language.tag())
                .bind(r.status.as_str())
                .bind(r.status_reason.clone())
                .bind(r.received_at.as_micros())
                .bind(None::<i64>)
                .bind(*seq);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn insert_outbox_rows(conn: &mut AnyConnection, rows: &[(&NewOutbox, Timestamp)]) -> Result<()> {
    for chunk in rows.chunks(CHUNK) {
        let sql = multi_insert(
            "INSERT INTO outbox (id, org_id, channel, template, recipient, subject, body, related, status, created_at)",
            chunk.len(),
            10,
        );
        let mut q = sqlx::query(sql);
        for (o, at) in chunk {
            q = q
                .bind(o.id.to_string())
                .bind(o.org.map(|x| x.to_string()))
                .bind(o.channel)
                .bind(o.template)
                .bind(o.recipient.clone())
                .bind(o.subject.clone())
                .bind(o.body.clone())
                .bind(o.related.clone())
                .bind("pending")
                .bind(at.as_micros());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The last receipt's sequence number and hash, under the chain lock on PostgreSQL.
pub(crate) async fn chain_head(backend: Backend, conn: &mut AnyConnection) -> Result<(i64, LinkHash)> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(crate::postgres::RECEIPT_CHAIN_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    let row =
        sqlx::query("SELECT seq, hash FROM receipts ORDER BY seq DESC LIMIT 1").fetch_optional(&mut *conn).await?;
    let (seq, hash): (i64, String) = match row {
        Some(r) => (r.try_get("seq")?, r.try_get("hash")?),
        None => {
            match sqlx::query("SELECT seq, hash FROM receipt_anchor WHERE id = 1").fetch_optional(&mut *conn).await? {
                Some(r) => (r.try_get("seq")?, r.try_get("hash")?),
                None => return Ok((0, LinkHash::GENESIS)),
            }
        }
    };
    let hash =
        LinkHash::from_hex(&hash).ok_or_else(|| StoreError::corrupt(format!("receipt {seq} has a malformed hash")))?;
    Ok((seq, hash))
}

pub(crate) async fn insert_message(
    conn: &mut AnyConnection,
    report: ReportId,
    m: &NewMessage,
    at: Timestamp,
    receipt_seq: Option<i64>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO report_messages (id, report_id, author, user_id, kind, body, created_at, receipt_seq) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(m.id.to_string())
    .bind(report.to_string())
    .bind(m.author)
    .bind(m.user.map(|u| u.to_string()))
    .bind(m.kind)
    .bind(&m.body)
    .bind(at.as_micros())
    .bind(receipt_seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn insert_attachment(
    conn: &mut AnyConnection,
    report: &str,
    message: Option<MessageId>,
    a: &NewAttachment,
    at: Timestamp,
    key: &crate::seal::KeyCell,
) -> Result<()> {
    let id = a.id.to_string();
    let (stored, sealed) = crate::seal::seal(key, &id, &a.content)?;
    sqlx::query(
        "INSERT INTO attachments (id, report_id, message_id, tag, filename, content_type, size, sha256, content, created_at, sealed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(a.id.to_string())
    .bind(report)
    .bind(message.map(|m| m.to_string()))
    .bind(a.tag.as_str())
    .bind(&a.filename)
    .bind(&a.content_type)
    .bind(i64::try_from(a.content.len()).unwrap_or(i64::MAX))
    .bind(hex::encode(chain::sha256(&a.content)))
    .bind(stored)
    .bind(at.as_micros())
    .bind(i64::from(sealed))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn insert_outbox(conn: &mut AnyConnection, o: &NewOutbox, at: Timestamp) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox (id, org_id, channel, template, recipient, subject, body, related, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9)",
    )
    .bind(o.id.to_string())
    .bind(o.org.map(|x| x.to_string()))
    .bind(o.channel)
    .bind(o.template)
    .bind(&o.recipient)
    .bind(&o.subject)
    .bind(&o.body)
    .bind(o.related.as_deref())
    .bind(at.as_micros())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
