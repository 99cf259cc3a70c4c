//! Flood control shared by every instance on the database: a sliding one-minute window per key
//! (a source address, a program). Each instance also keeps its own in-memory buckets in front of
//! this, so a flood from one address is mostly refused without a database round trip; this count
//! is what keeps N instances behind a load balancer from letting N times the limit through.
//!
//! The estimate is the usual sliding-window one: the hits of the current minute plus the previous
//! minute's hits weighted by the share of it still inside the last sixty seconds. A hit is counted
//! by one atomic upsert; a refused hit is taken back, so refusals do not use up the allowance and
//! two instances racing for the last place cannot both get it.

use vulndesk_core::Timestamp;

use crate::{Result, Store};

/// The window length, in microseconds.
const WINDOW: i64 = 60_000_000;

impl Store {
    /// Counts one hit on `key` at `now` against `per_minute`. `Ok(None)` when it is allowed;
    /// `Ok(Some(seconds))` when it is refused, with how long to wait before the next one fits.
    pub async fn take_rate(&self, key: &str, per_minute: u32, now: Timestamp) -> Result<Option<u64>> {
        let now = now.as_micros();
        let start = now.div_euclid(WINDOW) * WINDOW;
        let hits: i64 = sqlx::query_scalar(
            "INSERT INTO rate_windows (key, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (key, window_start) DO UPDATE SET hits = rate_windows.hits + 1 RETURNING hits",
        )
        .bind(key)
        .bind(start)
        .fetch_one(self.write())
        .await?;
        if hits == 1 {
            // The key's first hit in a new minute: windows older than the previous one count for
            // no key any more.
            sqlx::query("DELETE FROM rate_windows WHERE window_start < $1")
                .bind(start - WINDOW)
                .execute(self.write())
                .await?;
        }
        let previous: Option<i64> =
            sqlx::query_scalar("SELECT hits FROM rate_windows WHERE key = $1 AND window_start = $2")
                .bind(key)
                .bind(start - WINDOW)
                .fetch_optional(self.write())
                .await?;
        let elapsed = now - start;
        let previous = i128::from(previous.unwrap_or(0));
        let (hits, limit, window) = (i128::from(hits), i128::from(per_minute), i128::from(WINDOW));
        // In integers, so a hit exactly at the limit is not refused by a rounding error:
        // previous × (window − elapsed) / window + hits ≤ limit.
        if previous * (window - i128::from(elapsed)) + hits * window <= limit * window {
            return Ok(None);
        }
        sqlx::query("UPDATE rate_windows SET hits = hits - 1 WHERE key = $1 AND window_start = $2")
            .bind(key)
            .bind(start)
            .execute(self.write())
            .await?;
        // When the next hit fits: once the previous minute's weight has fallen far enough, if the
        // current minute leaves room (previous × (window − t) / window + hits ≤ limit, with `hits`
        // now counting that next hit in place of this refused one); otherwise the next minute.
        let fits_at = if hits <= limit && previous > 0 { window - window * (limit - hits) / previous } else { window };
        let wait = (fits_at - i128::from(elapsed)).max(1);
        let wait = u64::try_from((wait + 999_999) / 1_000_000).unwrap_or(60);
        Ok(Some(wait))
    }
}
