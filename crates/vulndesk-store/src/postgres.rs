//! Opening a PostgreSQL database: one pool shared by readers and writers. Writers that must be
//! serialised across server instances (the audit chain) take a transaction-scoped advisory lock.

use sqlx::AnyPool;

use crate::OpenOptions;

/// Advisory lock keys, one per chain, held until the appending transaction ends.
pub(crate) const AUDIT_CHAIN_LOCK: i64 = 0x7664_0001;
pub(crate) const RECEIPT_CHAIN_LOCK: i64 = 0x7664_0002;
pub(crate) const CASE_NUMBER_LOCK: i64 = 0x7664_0003;

pub(crate) async fn open(url: &str, options: &OpenOptions) -> Result<AnyPool, sqlx::Error> {
    // One direct attempt first: a pool retries until its timeout and then reports only that it
    // timed out, while the operator needs the cause (refused, unknown host, bad password).
    use sqlx::Connection;
    let probe = tokio::time::timeout(std::time::Duration::from_secs(10), sqlx::AnyConnection::connect(url))
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)??;
    probe.close().await?;
    crate::pool_options(options.max_connections.max(2)).connect(url).await
}
