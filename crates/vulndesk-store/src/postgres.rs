//! Opening a PostgreSQL database: one pool shared by readers and writers. Writers that must be
//! serialised across server instances (the audit chain) take a transaction-scoped advisory lock.

use sqlx::AnyPool;

use crate::OpenOptions;

/// Advisory lock keys, one per chain, held until the appending transaction ends.
pub(crate) const AUDIT_CHAIN_LOCK: i64 = 0x7664_0001;

pub(crate) async fn open(url: &str, options: &OpenOptions) -> Result<AnyPool, sqlx::Error> {
    crate::pool_options(options.max_connections.max(2))
        .connect(url)
        .await
}
