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
    /// The deadlines of open cases, by kind and state (`authority_report`, `overdue`, …).
    pub deadlines: Vec<((String, String), i64)>,
    /// Delivery attempts, by result (`ok` for a 2xx answer, `error` otherwise).
    pub delivery_attempts: Vec<(String, i64)>,
    /// Periodic jobs shared by the instances: their last run.
    pub job_runs: Vec<JobRun>,
}

/// The last run of a periodic job (feed pulls, OSV imports, the hourly re-match), whichever
/// instance ran it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    /// The job's name.
    pub name: String,
    /// When the last run started.
    pub started_at: Timestamp,
    /// When it ended; `None` while it runs (or when its instance died during it).
    pub finished_at: Option<Timestamp>,
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
        let mut deadlines: std::collections::BTreeMap<(String, String), i64> = std::collections::BTreeMap::new();
        let policy = vulndesk_core::deadline::DeadlinePolicy::default();
        for org in self.list_orgs().await? {
            let open = self.cases_of(org.id, true).await?;
            if open.is_empty() {
                continue;
            }
            for facts in self.deadline_facts_of_org(org.id, &open).await?.values() {
                for d in vulndesk_core::deadline::deadlines(facts, &policy) {
                    let key = (d.kind.as_str().to_owned(), d.state(now).as_str().to_owned());
                    *deadlines.entry(key).or_default() += 1;
                }
            }
        }
        let attempts = sqlx::query(
            "SELECT CASE WHEN status_code >= 200 AND status_code < 300 THEN 'ok' ELSE 'error' END AS result, COUNT(*) \
             FROM delivery_attempts GROUP BY 1 ORDER BY 1",
        )
        .fetch_all(self.read())
        .await?;
        let job_runs = sqlx::query("SELECT name, started_at, finished_at FROM job_runs ORDER BY name")
            .fetch_all(self.read())
            .await?
            .iter()
            .map(|r| {
                let started: i64 = r.try_get("started_at")?;
                let finished: i64 = r.try_get("finished_at")?;
                Ok(JobRun {
                    name: r.try_get("name")?,
                    started_at: Timestamp::from_micros(started),
                    finished_at: (finished >= started && finished > 0).then(|| Timestamp::from_micros(finished)),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Gauges {
            deadlines: deadlines.into_iter().collect(),
            delivery_attempts: grouped(&attempts)?,
            job_runs,
            receipts,
            deliveries: grouped(&deliveries)?,
            cases: grouped(&cases)?,
            findings_open,
            findings_overdue,
            pools: [(self.write().size(), self.write().num_idle()), (self.read().size(), self.read().num_idle())],
        })
    }
}
