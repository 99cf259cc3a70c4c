//! Periodic jobs shared by every instance on the database. Each instance ticks on its own; a run
//! happens only in the instance that claims it, and only when the job's period has passed since
//! the last run started and no live lease is held, so N instances pull a feed once per period,
//! not N times, and never two at once. The claim is one conditional upsert: of two instances
//! racing, the database lets exactly one change the row.

use std::time::Duration;

use vulndesk_core::Timestamp;

use crate::{Result, Store};

impl Store {
    /// Claims a run of `job` for `holder` (an id unique to the process) at `now`, for at most
    /// `lease`, if none is running and the last run started at least `every` ago. True when this
    /// caller is to run it.
    pub async fn claim_job_run(
        &self,
        job: &str,
        holder: &str,
        now: Timestamp,
        lease: Duration,
        every: Duration,
    ) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO job_runs (name, holder, lease_until, started_at, finished_at) VALUES ($1, $2, $3, $4, 0) \
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until, \
             started_at = excluded.started_at \
             WHERE job_runs.lease_until < $4 AND job_runs.started_at <= $5",
        )
        .bind(job)
        .bind(holder)
        .bind(now.plus(lease).as_micros())
        .bind(now.as_micros())
        .bind(now.minus(every).as_micros())
        .execute(self.write())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends `holder`'s run of `job`: the lease is released (the period still counts from the
    /// start). Nothing happens when the lease was taken over meanwhile.
    pub async fn finish_job_run(&self, job: &str, holder: &str, now: Timestamp) -> Result<()> {
        sqlx::query("UPDATE job_runs SET lease_until = 0, finished_at = $3 WHERE name = $1 AND holder = $2")
            .bind(job)
            .bind(holder)
            .bind(now.as_micros())
            .execute(self.write())
            .await?;
        Ok(())
    }
}
