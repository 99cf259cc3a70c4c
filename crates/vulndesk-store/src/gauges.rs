//! What `/metrics` reads from the database at each scrape: counts that hold across instances
//! (every instance reports the same numbers, so dashboards take any one of them).

use sqlx::Row;
use vulndesk_core::Timestamp;

use crate::{Result, Store};

/// The database's side of the metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gauges {
    /// Receipts in the log (every accepted report, over every channel).
    pub receipts: i64,
    /// Deliveries (mail, HTTP) by status: the outbox.
    pub deliveries: Vec<(String, i64)>,
    /// Cases by state.
    pub cases: Vec<(String, i64)>,
    /// Operators' open findings, and of those the overdue ones.
    pub findings_open: i64,
    /// Open findings past their deadline.
    pub findings_overdue: i64,
    /// Connections of the write and read pools: (open, idle) each.
    pub pools: [(u32, usize); 2],
}

fn grouped(rows: &[sqlx::any::AnyRow]) -> Result<Vec<(String, i64)>> {
    rows.iter().map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?))).collect()
}

impl Store {
    /// Reads the gauges now.
    pub async fn gauges(&self, now: Timestamp) -> Result<Gauges> {
        let receipts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM receipts").fetch_one(self.read()).await?;
        let deliveries = sqlx::query("SELECT status, COUNT(*) FROM deliveries GROUP BY status ORDER BY status")
            .fetch_all(self.read())
            .await?;
        let cases = sqlx::query("SELECT state, COUNT(*) FROM cases GROUP BY state ORDER BY state")
            .fetch_all(self.read())
            .await?;
        let findings_open: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM findings WHERE state IN ('verifying', 'remediating')")
                .fetch_one(self.read())
                .await?;
        let findings_overdue: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM findings WHERE state IN ('verifying', 'remediating') AND due_at < $1",
        )
        .bind(now.as_micros())
        .fetch_one(self.read())
        .await?;
        Ok(Gauges {
            receipts,
            deliveries: grouped(&deliveries)?,
            cases: grouped(&cases)?,
            findings_open,
            findings_overdue,
            pools: [(self.write().size(), self.write().num_idle()), (self.read().size(), self.read().num_idle())],
        })
    }
}
