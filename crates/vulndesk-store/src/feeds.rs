//! Vendors' CSAF feeds an organisation pulls, the documents accepted from them and the ones
//! rejected (with why). The pulling and checking is the job runner's (`vulndesk_jobs::feeds`).

use sqlx::Row;
use vulndesk_core::{AuditContext, OrgId, Timestamp};

use crate::{Result, Store, StoreError, event};

/// A feed as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// Its id.
    pub id: String,
    /// The organisation that pulls it.
    pub org: OrgId,
    /// Its name.
    pub name: String,
    /// The provider's `provider-metadata.json`.
    pub url: String,
    /// When it was last pulled.
    pub last_run_at: Option<Timestamp>,
    /// `never`, `ok` or `failed`.
    pub last_status: String,
    /// Why the last pull failed.
    pub last_error: String,
}

/// A document accepted from a feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedDocument {
    /// Where it came from.
    pub url: String,
    /// Its CSAF tracking id.
    pub tracking_id: String,
    /// Its title.
    pub title: String,
    /// Its current release date.
    pub current_release_date: String,
    /// The SHA-256 of its bytes.
    pub sha256: String,
    /// The document.
    pub document: String,
}

fn feed_from_row(r: &sqlx::any::AnyRow) -> Result<Feed> {
    Ok(Feed {
        id: r.try_get("id")?,
        org: r.try_get::<String, _>("org_id")?.parse().map_err(|_| StoreError::corrupt("feed organisation"))?,
        name: r.try_get("name")?,
        url: r.try_get("url")?,
        last_run_at: r.try_get::<Option<i64>, _>("last_run_at")?.map(Timestamp::from_micros),
        last_status: r.try_get("last_status")?,
        last_error: r.try_get("last_error")?,
    })
}

impl Store {
    /// Adds a feed; the same URL twice in one organisation is a [`StoreError::Conflict`].
    pub async fn add_feed(&self, org: OrgId, id: &str, name: &str, url: &str, ctx: &AuditContext) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO feeds (id, org_id, name, url, created_at, last_run_at, last_status, last_error) \
             VALUES ($1, $2, $3, $4, $5, NULL, 'never', '')",
        )
        .bind(id)
        .bind(org.to_string())
        .bind(name)
        .bind(url)
        .bind(ctx.at.as_micros())
        .execute(&mut *tx)
        .await?;
        let details = serde_json::json!({"name": name, "url": url});
        self.audit_in(&mut tx, &event(ctx, "feed.add", "feed", id, Some(org.to_string()), details)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every feed, or one organisation's.
    pub async fn feeds(&self, org: Option<OrgId>) -> Result<Vec<Feed>> {
        let rows = sqlx::query(
            "SELECT id, org_id, name, url, last_run_at, last_status, last_error FROM feeds \
             WHERE ($1 = '' OR org_id = $1) ORDER BY org_id, name",
        )
        .bind(org.map(|o| o.to_string()).unwrap_or_default())
        .fetch_all(self.read())
        .await?;
        rows.iter().map(feed_from_row).collect()
    }

    /// The stored document from `url`, if any (for incremental pulls).
    pub async fn feed_document(&self, feed: &str, url: &str) -> Result<Option<FeedDocument>> {
        let row = sqlx::query(
            "SELECT url, tracking_id, title, current_release_date, sha256, document FROM feed_documents \
             WHERE feed_id = $1 AND url = $2",
        )
        .bind(feed)
        .bind(url)
        .fetch_optional(self.read())
        .await?;
        row.map(|r| {
            Ok(FeedDocument {
                url: r.try_get("url")?,
                tracking_id: r.try_get("tracking_id")?,
                title: r.try_get("title")?,
                current_release_date: r.try_get("current_release_date")?,
                sha256: r.try_get("sha256")?,
                document: r.try_get("document")?,
            })
        })
        .transpose()
    }

    /// A feed's accepted documents, by tracking id.
    pub async fn feed_documents(&self, feed: &str) -> Result<Vec<FeedDocument>> {
        let rows = sqlx::query(
            "SELECT url, tracking_id, title, current_release_date, sha256, document FROM feed_documents \
             WHERE feed_id = $1 ORDER BY tracking_id",
        )
        .bind(feed)
        .fetch_all(self.read())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(FeedDocument {
                    url: r.try_get("url")?,
                    tracking_id: r.try_get("tracking_id")?,
                    title: r.try_get("title")?,
                    current_release_date: r.try_get("current_release_date")?,
                    sha256: r.try_get("sha256")?,
                    document: r.try_get("document")?,
                })
            })
            .collect()
    }

    /// Keeps a document that passed every check (replacing an older revision from the same URL).
    pub async fn accept_feed_document(&self, feed: &str, d: &FeedDocument, at: Timestamp) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM feed_documents WHERE feed_id = $1 AND url = $2")
            .bind(feed)
            .bind(&d.url)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO feed_documents (feed_id, url, tracking_id, title, current_release_date, sha256, document, fetched_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(feed)
        .bind(&d.url)
        .bind(&d.tracking_id)
        .bind(&d.title)
        .bind(&d.current_release_date)
        .bind(&d.sha256)
        .bind(&d.document)
        .bind(at.as_micros())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Logs a rejected document with why (it is never used).
    pub async fn reject_feed_document(&self, feed: &Feed, url: &str, reason: &str, at: Timestamp) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO feed_rejections (feed_id, url, reason, at) VALUES ($1, $2, $3, $4)")
            .bind(&feed.id)
            .bind(url)
            .bind(reason)
            .bind(at.as_micros())
            .execute(&mut *tx)
            .await?;
        let ctx = AuditContext::system(at);
        let details = serde_json::json!({"url": url, "reason": reason});
        self.audit_in(&mut tx, &event(&ctx, "feed.reject", "feed", &feed.id, Some(feed.org.to_string()), details))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A feed's rejections, newest first (at most 200): (url, reason, when).
    pub async fn feed_rejections(&self, feed: &str) -> Result<Vec<(String, String, Timestamp)>> {
        let rows =
            sqlx::query("SELECT url, reason, at FROM feed_rejections WHERE feed_id = $1 ORDER BY at DESC LIMIT 200")
                .bind(feed)
                .fetch_all(self.read())
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("url")?, r.try_get("reason")?, Timestamp::from_micros(r.try_get("at")?))))
            .collect()
    }

    /// Records how a pull ended.
    pub async fn record_feed_run(&self, feed: &str, at: Timestamp, error: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE feeds SET last_run_at = $1, last_status = $2, last_error = $3 WHERE id = $4")
            .bind(at.as_micros())
            .bind(if error.is_some() { "failed" } else { "ok" })
            .bind(error.unwrap_or_default())
            .bind(feed)
            .execute(&self.inner.write)
            .await?;
        Ok(())
    }
}
