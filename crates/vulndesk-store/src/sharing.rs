//! Reports to the authority over the network, both ends.
//!
//! Provider side: the organisation's configured endpoint, and [`Delivery`] rows that the job
//! runner sends. A delivery is claimed with a lease (`claimed_until`): the claiming `UPDATE`
//! checks the lease again under the row lock, so two instances never send one delivery at once,
//! and a delivery whose sender died is claimed again when its lease runs out. Every attempt is
//! recorded; the receiver deduplicates by the idempotency key, so a retry after a lost answer
//! never files twice.
//!
//! Platform side: registered providers (bearer tokens stored as SHA-256, HMAC keys for the
//! signatures), agency subscribers (webhook URL and secret), and the reports received, each
//! with its receipt in the intake receipt log and its relays queued in the same transaction.

use sqlx::Row;
use sqlx::any::AnyRow;
use vulndesk_core::{AuditContext, OrgId, Timestamp};

use crate::{Result, Store, StoreError, event};

/// Where and how an organisation submits its reports to the authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorityEndpoint {
    /// The organisation.
    pub org: OrgId,
    /// The sharing platform's `…/api/v1/authority/reports` URL.
    pub url: String,
    /// The bearer token the platform gave the organisation.
    pub token: String,
    /// The key the platform gave for signing (HMAC-SHA256 of the body).
    pub hmac_secret: String,
}

/// An HTTP delivery to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// Its id.
    pub id: String,
    /// The organisation sending it.
    pub org: OrgId,
    /// `authority_submission` or `relay`.
    pub kind: String,
    /// Where it goes.
    pub url: String,
    /// A bearer token to present, or empty.
    pub bearer: String,
    /// The HMAC-SHA256 key the body is signed with.
    pub hmac_secret: String,
    /// Sent as `Idempotency-Key`; the same on every attempt.
    pub idempotency_key: String,
    /// The JSON body.
    pub body: String,
    /// What it is about (an authority report's id, a shared report's id).
    pub related: String,
}

impl NewDelivery {
    /// A mail to queue: sent by SMTP to `to`, its body the JSON `{"subject", "text"}` the mail
    /// sender reads. The id is also its idempotency key (its Message-ID), the same on every attempt.
    pub fn mail(id: String, org: OrgId, kind: &str, to: &str, subject: &str, text: &str, related: &str) -> Self {
        Self {
            idempotency_key: id.clone(),
            id,
            org,
            kind: kind.to_owned(),
            url: format!("mailto:{to}"),
            bearer: String::new(),
            hmac_secret: String::new(),
            body: serde_json::json!({"subject": subject, "text": text}).to_string(),
            related: related.to_owned(),
        }
    }
}

/// A delivery as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// What was queued.
    pub new: NewDelivery,
    /// `pending`, `delivered` or `failed`.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// When the next attempt is due.
    pub next_attempt_at: Timestamp,
    /// The last error, if any.
    pub last_error: String,
    /// The receiver's answer to the successful attempt.
    pub response: String,
    /// When it was delivered.
    pub delivered_at: Option<Timestamp>,
}

/// One attempt, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// When.
    pub at: Timestamp,
    /// The HTTP status (0 when there was no answer).
    pub status_code: i64,
    /// What went wrong, or empty.
    pub error: String,
    /// How long it took.
    pub duration_ms: i64,
}

/// A provider registered with a sharing platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    /// Its id.
    pub id: String,
    /// The platform organisation.
    pub org: OrgId,
    /// Its name.
    pub name: String,
    /// The key its requests are signed with.
    pub hmac_secret: String,
}

/// An agency subscribed to a sharing platform's reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    /// Its id.
    pub id: String,
    /// The platform organisation.
    pub org: OrgId,
    /// Its name.
    pub name: String,
    /// Its webhook.
    pub url: String,
    /// The key relays to it are signed with.
    pub secret: String,
}

/// A report a sharing platform received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedReport {
    /// Its id.
    pub id: String,
    /// The platform organisation.
    pub org: OrgId,
    /// The provider that sent it.
    pub provider: String,
    /// The provider's idempotency key.
    pub idempotency_key: String,
    /// Its receipt (filled in when stored).
    pub receipt_seq: i64,
    /// The provider's id for the report.
    pub report_id: String,
    /// `initial` or `update`.
    pub kind: String,
    /// For an update, the provider's id of the report it updates, or empty.
    pub updates: String,
    /// The provider's case number.
    pub case_number: String,
    /// When the provider became aware.
    pub aware_at: Timestamp,
    /// When it arrived.
    pub received_at: Timestamp,
    /// The sub-library.
    pub sub_library: String,
    /// The product type, or empty.
    pub product_type: String,
    /// The grade.
    pub grade: String,
    /// The product.
    pub product_name: String,
    /// The document as received.
    pub document: String,
}

impl SharedReport {
    /// Whether it arrived more than 48 hours after the provider became aware (R7).
    pub fn late(&self) -> bool {
        !vulndesk_core::authority::on_time(self.aware_at, self.received_at)
    }
}

/// Seconds to wait before the next attempt after `attempts` failed ones: 10 s after the first,
/// then 20 s, 40 s, … capped at one hour.
pub fn backoff_secs(attempts: i64) -> i64 {
    let exp = u32::try_from((attempts - 1).clamp(0, 12)).unwrap_or(12);
    (10_i64 << exp).min(3600)
}

/// Attempts after which a delivery is given up (and shown as failed).
pub const MAX_ATTEMPTS: i64 = 12;

macro_rules! delivery_columns {
    () => {
        "id, org_id, kind, url, bearer, hmac_secret, idempotency_key, body, related, status, attempts, next_attempt_at, \
         last_error, response, delivered_at"
    };
}

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> Result<T> {
    s.parse().map_err(|_| StoreError::corrupt(format!("{what} {s:?}")))
}

fn delivery_from_row(r: &AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        new: NewDelivery {
            id: r.try_get("id")?,
            org: parse(&r.try_get::<String, _>("org_id")?, "organisation id")?,
            kind: r.try_get("kind")?,
            url: r.try_get("url")?,
            bearer: r.try_get("bearer")?,
            hmac_secret: r.try_get("hmac_secret")?,
            idempotency_key: r.try_get("idempotency_key")?,
            body: r.try_get("body")?,
            related: r.try_get("related")?,
        },
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: Timestamp::from_micros(r.try_get("next_attempt_at")?),
        last_error: r.try_get("last_error")?,
        response: r.try_get("response")?,
        delivered_at: r.try_get::<Option<i64>, _>("delivered_at")?.map(Timestamp::from_micros),
    })
}

macro_rules! shared_columns {
    () => {
        "id, org_id, provider_id, idempotency_key, receipt_seq, report_id, kind, updates_id, case_number, aware_at, received_at, \
         sub_library, grade, product_name, document, product_type"
    };
}

fn shared_from_row(r: &AnyRow) -> Result<SharedReport> {
    Ok(SharedReport {
        id: r.try_get("id")?,
        org: parse(&r.try_get::<String, _>("org_id")?, "organisation id")?,
        provider: r.try_get("provider_id")?,
        idempotency_key: r.try_get("idempotency_key")?,
        receipt_seq: r.try_get("receipt_seq")?,
        report_id: r.try_get("report_id")?,
        kind: r.try_get("kind")?,
        updates: r.try_get("updates_id")?,
        case_number: r.try_get("case_number")?,
        aware_at: Timestamp::from_micros(r.try_get("aware_at")?),
        received_at: Timestamp::from_micros(r.try_get("received_at")?),
        sub_library: r.try_get("sub_library")?,
        grade: r.try_get("grade")?,
        product_name: r.try_get("product_name")?,
        document: r.try_get("document")?,
        product_type: r.try_get("product_type")?,
    })
}

async fn insert_delivery(conn: &mut sqlx::AnyConnection, d: &NewDelivery, now: Timestamp) -> Result<()> {
    sqlx::query(concat!(
        "INSERT INTO deliveries (",
        delivery_columns!(),
        ", claimed_until, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', 0, $10, '', '', NULL, 0, $10)"
    ))
    .bind(&d.id)
    .bind(d.org.to_string())
    .bind(&d.kind)
    .bind(&d.url)
    .bind(&d.bearer)
    .bind(&d.hmac_secret)
    .bind(&d.idempotency_key)
    .bind(&d.body)
    .bind(&d.related)
    .bind(now.as_micros())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Stores a received report under its receipt and queues its relays (called by the intake
/// writer inside the receipt's transaction).
pub(crate) async fn insert_shared(
    conn: &mut sqlx::AnyConnection,
    r: &SharedReport,
    receipt_seq: i64,
    relays: &[NewDelivery],
    now: Timestamp,
) -> Result<()> {
    sqlx::query(concat!(
        "INSERT INTO shared_reports (",
        shared_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    ))
    .bind(&r.id)
    .bind(r.org.to_string())
    .bind(&r.provider)
    .bind(&r.idempotency_key)
    .bind(receipt_seq)
    .bind(&r.report_id)
    .bind(&r.kind)
    .bind(&r.updates)
    .bind(&r.case_number)
    .bind(r.aware_at.as_micros())
    .bind(r.received_at.as_micros())
    .bind(&r.sub_library)
    .bind(&r.grade)
    .bind(&r.product_name)
    .bind(&r.document)
    .bind(&r.product_type)
    .execute(&mut *conn)
    .await?;
    for d in relays {
        insert_delivery(conn, d, now).await?;
    }
    Ok(())
}

impl Store {
    /// Sets (or replaces) the organisation's authority endpoint. The audit event names the URL,
    /// never the secrets.
    pub async fn set_authority_endpoint(&self, e: &AuthorityEndpoint, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM authority_endpoints WHERE org_id = $1")
            .bind(e.org.to_string())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO authority_endpoints (org_id, url, token, hmac_secret, updated_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(e.org.to_string())
        .bind(&e.url)
        .bind(&e.token)
        .bind(&e.hmac_secret)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"url": e.url});
        self.audit_in(
            &mut tx,
            &event(ctx, "authority_endpoint.set", "organisation", &e.org.to_string(), Some(e.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organisation's authority endpoint, if one is set.
    pub async fn authority_endpoint(&self, org: OrgId) -> Result<Option<AuthorityEndpoint>> {
        let row = sqlx::query("SELECT url, token, hmac_secret FROM authority_endpoints WHERE org_id = $1")
            .bind(org.to_string())
            .fetch_optional(self.read())
            .await?;
        row.map(|r| {
            Ok(AuthorityEndpoint {
                org,
                url: r.try_get("url")?,
                token: r.try_get("token")?,
                hmac_secret: r.try_get("hmac_secret")?,
            })
        })
        .transpose()
    }

    /// Queues a delivery, audited.
    pub async fn queue_delivery(&self, d: &NewDelivery, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_delivery(&mut tx, d, ctx.at).await?;
        let details = serde_json::json!({"kind": d.kind, "url": d.url, "related": d.related});
        self.audit_in(&mut tx, &event(ctx, "delivery.queue", "delivery", &d.id, Some(d.org.to_string()), details))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Claims the delivery due soonest for `lease`, if any: no other instance gets it until the
    /// lease runs out or it is settled.
    pub async fn claim_delivery(&self, now: Timestamp, lease: std::time::Duration) -> Result<Option<Delivery>> {
        let until = now.plus(lease).as_micros();
        for _ in 0..3 {
            let candidate: Option<String> = sqlx::query_scalar(
                "SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= $1 AND claimed_until < $1 \
                 ORDER BY next_attempt_at, id LIMIT 1",
            )
            .bind(now.as_micros())
            .fetch_optional(self.read())
            .await?;
            let Some(id) = candidate else { return Ok(None) };
            // The condition is checked again by the UPDATE itself: of two instances racing for
            // one row, only the first changes it.
            let claimed = sqlx::query(
                "UPDATE deliveries SET claimed_until = $2 WHERE id = $1 AND status = 'pending' AND claimed_until < $3",
            )
            .bind(&id)
            .bind(until)
            .bind(now.as_micros())
            .execute(self.write())
            .await?;
            if claimed.rows_affected() == 1 {
                return self.delivery(&id).await;
            }
        }
        Ok(None)
    }

    /// Records an attempt. A success settles the delivery; a failure schedules the next attempt
    /// with [`backoff_secs`], or gives up after [`MAX_ATTEMPTS`].
    /// `permanent` marks a refusal that no retry can change (an SMTP 5xx: the address does not
    /// exist, the domain refuses): the delivery fails at once, as a bounce.
    pub async fn record_attempt(
        &self,
        d: &Delivery,
        a: &Attempt,
        delivered: bool,
        permanent: bool,
        response: &str,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO delivery_attempts (delivery_id, at, status_code, error, duration_ms) VALUES ($1, $2, $3, $4, $5)")
            .bind(&d.new.id)
            .bind(a.at.as_micros())
            .bind(a.status_code)
            .bind(&a.error)
            .bind(a.duration_ms)
            .execute(&mut *tx)
            .await?;
        let attempts = d.attempts + 1;
        if delivered {
            sqlx::query(
                "UPDATE deliveries SET status = 'delivered', attempts = $2, delivered_at = $3, response = $4, last_error = '', \
                 claimed_until = 0 WHERE id = $1",
            )
            .bind(&d.new.id)
            .bind(attempts)
            .bind(a.at.as_micros())
            .bind(response)
            .execute(&mut *tx)
            .await?;
        } else {
            let status = if permanent {
                "bounced"
            } else if attempts >= MAX_ATTEMPTS {
                "failed"
            } else {
                "pending"
            };
            let next = a.at.plus(std::time::Duration::from_secs(u64::try_from(backoff_secs(attempts)).unwrap_or(3600)));
            sqlx::query(
                "UPDATE deliveries SET status = $2, attempts = $3, next_attempt_at = $4, last_error = $5, claimed_until = 0 \
                 WHERE id = $1",
            )
            .bind(&d.new.id)
            .bind(status)
            .bind(attempts)
            .bind(next.as_micros())
            .bind(&a.error)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The delivery with this id.
    pub async fn delivery(&self, id: &str) -> Result<Option<Delivery>> {
        let row = sqlx::query(concat!("SELECT ", delivery_columns!(), " FROM deliveries WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.read())
            .await?;
        row.as_ref().map(delivery_from_row).transpose()
    }

    /// The deliveries about an object, oldest first.
    pub async fn deliveries_for(&self, related: &str) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            delivery_columns!(),
            " FROM deliveries WHERE related = $1 ORDER BY created_at, id"
        ))
        .bind(related)
        .fetch_all(self.read())
        .await?;
        rows.iter().map(delivery_from_row).collect()
    }

    /// When the first delivery of `kind` about `related` was delivered, if one was.
    pub async fn first_delivered(&self, kind: &str, related: &str) -> Result<Option<Timestamp>> {
        let at: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(delivered_at) FROM deliveries WHERE kind = $1 AND related = $2 AND status = 'delivered'",
        )
        .bind(kind)
        .bind(related)
        .fetch_one(self.read())
        .await?;
        Ok(at.map(Timestamp::from_micros))
    }

    /// The attempts of a delivery, oldest first.
    pub async fn attempts_of(&self, delivery: &str) -> Result<Vec<Attempt>> {
        let rows = sqlx::query(
            "SELECT at, status_code, error, duration_ms FROM delivery_attempts WHERE delivery_id = $1 ORDER BY at",
        )
        .bind(delivery)
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Attempt {
                    at: Timestamp::from_micros(r.try_get("at")?),
                    status_code: r.try_get("status_code")?,
                    error: r.try_get("error")?,
                    duration_ms: r.try_get("duration_ms")?,
                })
            })
            .collect()
    }

    /// Registers a provider with a sharing platform; `token_hash` is the SHA-256 of its token.
    pub async fn create_provider(&self, p: &Provider, token_hash: &str, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO sharing_providers (id, org_id, name, token_hash, hmac_secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&p.id)
            .bind(p.org.to_string())
            .bind(&p.name)
            .bind(token_hash)
            .bind(&p.hmac_secret)
            .bind(ctx.at.as_micros())
            .execute(&mut *tx)
            .await?;
        let details = serde_json::json!({"name": p.name});
        self.audit_in(
            &mut tx,
            &event(ctx, "sharing.provider_create", "provider", &p.id, Some(p.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The provider whose token hashes to `token_hash`.
    pub async fn provider_by_token(&self, token_hash: &str) -> Result<Option<Provider>> {
        let row = sqlx::query("SELECT id, org_id, name, hmac_secret FROM sharing_providers WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(self.read())
            .await?;
        row.map(|r| {
            Ok(Provider {
                id: r.try_get("id")?,
                org: parse(&r.try_get::<String, _>("org_id")?, "organisation id")?,
                name: r.try_get("name")?,
                hmac_secret: r.try_get("hmac_secret")?,
            })
        })
        .transpose()
    }

    /// The platform's providers, by name.
    pub async fn providers_of(&self, org: OrgId) -> Result<Vec<Provider>> {
        let rows =
            sqlx::query("SELECT id, org_id, name, hmac_secret FROM sharing_providers WHERE org_id = $1 ORDER BY name")
                .bind(org.to_string())
                .fetch_all(self.read())
                .await?;
        rows.iter()
            .map(|r| {
                Ok(Provider {
                    id: r.try_get("id")?,
                    org,
                    name: r.try_get("name")?,
                    hmac_secret: r.try_get("hmac_secret")?,
                })
            })
            .collect()
    }

    /// Subscribes an agency to the platform's reports.
    pub async fn create_subscriber(&self, s: &Subscriber, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO sharing_subscribers (id, org_id, name, url, secret, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&s.id)
            .bind(s.org.to_string())
            .bind(&s.name)
            .bind(&s.url)
            .bind(&s.secret)
            .bind(ctx.at.as_micros())
            .execute(&mut *tx)
            .await?;
        let details = serde_json::json!({"name": s.name, "url": s.url});
        self.audit_in(
            &mut tx,
            &event(ctx, "sharing.subscriber_create", "subscriber", &s.id, Some(s.org.to_string()), details),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The platform's subscribers, by name.
    pub async fn subscribers_of(&self, org: OrgId) -> Result<Vec<Subscriber>> {
        let rows = sqlx::query(
            "SELECT id, org_id, name, url, secret FROM sharing_subscribers WHERE org_id = $1 ORDER BY name",
        )
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Subscriber {
                    id: r.try_get("id")?,
                    org,
                    name: r.try_get("name")?,
                    url: r.try_get("url")?,
                    secret: r.try_get("secret")?,
                })
            })
            .collect()
    }

    /// The report a provider sent under this idempotency key, if any.
    pub async fn shared_report_by_key(&self, provider: &str, key: &str) -> Result<Option<SharedReport>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            shared_columns!(),
            " FROM shared_reports WHERE provider_id = $1 AND idempotency_key = $2"
        ))
        .bind(provider)
        .bind(key)
        .fetch_optional(self.read())
        .await?;
        row.as_ref().map(shared_from_row).transpose()
    }

    /// The reports the platform received, newest first.
    pub async fn shared_reports_of(&self, org: OrgId) -> Result<Vec<SharedReport>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            shared_columns!(),
            " FROM shared_reports WHERE org_id = $1 ORDER BY received_at DESC, id"
        ))
        .bind(org.to_string())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(shared_from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_ten_seconds_up_to_an_hour() {
        let waits: Vec<i64> = (1..=10).map(backoff_secs).collect();
        assert_eq!(waits, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]);
        assert_eq!(backoff_secs(0), 10);
        assert_eq!(backoff_secs(1000), 3600);
    }
}

/// A notice's acknowledgement link, as stored (the secret itself is never kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeAck {
    /// SHA-256 of the link's secret, hex.
    pub token_hash: String,
    /// The delivery (the mail) it belongs to.
    pub delivery_id: String,
    /// The organisation that sent it.
    pub org: OrgId,
    /// What it is about (the case id).
    pub related: String,
    /// Who it went to (a name).
    pub recipient: String,
    /// When the recipient acknowledged it.
    pub acknowledged_at: Option<Timestamp>,
}

fn ack_from_row(r: &AnyRow) -> Result<NoticeAck> {
    Ok(NoticeAck {
        token_hash: r.try_get("token_hash")?,
        delivery_id: r.try_get("delivery_id")?,
        org: r.try_get::<String, _>("org_id")?.parse().map_err(|_| StoreError::corrupt("notice ack organisation"))?,
        related: r.try_get("related")?,
        recipient: r.try_get("recipient")?,
        acknowledged_at: r.try_get::<Option<i64>, _>("acknowledged_at")?.map(Timestamp::from_micros),
    })
}

impl Store {
    /// Queues a notice with its acknowledgement link, in one transaction.
    pub async fn queue_notice(
        &self,
        d: &NewDelivery,
        token_hash: &str,
        recipient: &str,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_delivery(&mut tx, d, ctx.at).await?;
        sqlx::query(
            "INSERT INTO notice_acks (token_hash, delivery_id, org_id, related, recipient, created_at, acknowledged_at, \
             acknowledged_from) VALUES ($1, $2, $3, $4, $5, $6, NULL, '')",
        )
        .bind(token_hash)
        .bind(&d.id)
        .bind(d.org.to_string())
        .bind(&d.related)
        .bind(recipient)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"kind": d.kind, "url": d.url, "related": d.related, "recipient": recipient});
        self.audit_in(&mut tx, &event(ctx, "delivery.queue", "delivery", &d.id, Some(d.org.to_string()), details))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The acknowledgement link with this secret's hash.
    pub async fn notice_ack(&self, token_hash: &str) -> Result<Option<NoticeAck>> {
        let row = sqlx::query(
            "SELECT token_hash, delivery_id, org_id, related, recipient, acknowledged_at FROM notice_acks WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.read())
        .await?;
        row.as_ref().map(ack_from_row).transpose()
    }

    /// The acknowledgement links of everything sent about `related`.
    pub async fn notice_acks_for(&self, related: &str) -> Result<Vec<NoticeAck>> {
        let rows = sqlx::query(
            "SELECT token_hash, delivery_id, org_id, related, recipient, acknowledged_at FROM notice_acks WHERE related = $1",
        )
        .bind(related)
        .fetch_all(self.read())
        .await?;
        rows.iter().map(ack_from_row).collect()
    }

    /// Records the acknowledgement (the first one counts); answers whether this call recorded it.
    pub async fn acknowledge_notice(&self, ack: &NoticeAck, ctx: &AuditContext) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE notice_acks SET acknowledged_at = $2, acknowledged_from = $3 WHERE token_hash = $1 AND acknowledged_at IS NULL",
        )
        .bind(&ack.token_hash)
        .bind(ctx.at.as_micros())
        .bind(&ctx.source)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 1 {
            let details = serde_json::json!({"delivery": ack.delivery_id, "recipient": ack.recipient});
            self.audit_in(
                &mut tx,
                &event(ctx, "notice.acknowledge", "case", &ack.related, Some(ack.org.to_string()), details),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}

impl Store {
    /// Sets (or replaces) a customer's notice webhook; `NotFound` when the customer is not the
    /// organisation's.
    pub async fn set_customer_webhook(
        &self,
        org: OrgId,
        customer: &str,
        url: &str,
        secret: &str,
        ctx: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let known: Option<String> = sqlx::query_scalar("SELECT id FROM customers WHERE id = $1 AND org_id = $2")
            .bind(customer)
            .bind(org.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if known.is_none() {
            return Err(StoreError::NotFound);
        }
        sqlx::query("DELETE FROM customer_webhooks WHERE customer_id = $1").bind(customer).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO customer_webhooks (customer_id, org_id, url, secret, updated_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(customer)
        .bind(org.to_string())
        .bind(url)
        .bind(secret)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"url": url});
        self.audit_in(&mut tx, &event(ctx, "customer.webhook", "customer", customer, Some(org.to_string()), details))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A customer's notice webhook (URL and signing key), if set.
    pub async fn customer_webhook(&self, customer: &str) -> Result<Option<(String, String)>> {
        let row = sqlx::query("SELECT url, secret FROM customer_webhooks WHERE customer_id = $1")
            .bind(customer)
            .fetch_optional(self.read())
            .await?;
        row.map(|r| Ok((r.try_get("url")?, r.try_get("secret")?))).transpose()
    }
}
