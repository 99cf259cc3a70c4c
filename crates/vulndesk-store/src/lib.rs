//! vulndesk's storage: one [`Store`] over SQLite (embedded, the default) and PostgreSQL.
//!
//! Queries are written once, in the SQL both databases accept (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`), and run through sqlx's `Any` driver; columns use only the types both read the
//! same way (`TEXT`, `BIGINT`), and times are microseconds since the epoch. What differs lives in
//! [`sqlite`] and [`postgres`]: how connections are opened, how writers are serialised, and the
//! migrations of each. One conformance suite (`tests/conformance.rs`) runs unchanged against both.
//!
//! Every method that changes state takes an [`AuditContext`] and appends the audit event in the
//! same transaction as the change: a change without its audit event cannot be committed.

pub mod assets;
mod audit;
pub mod authority;
mod backup;
pub mod cases;
pub mod catalogue;
mod error;
pub mod feeds;
pub mod findings;
pub mod gauges;
pub mod handoffs;
pub mod intake;
mod jobs;
pub mod mfa;
mod org;
mod postgres;
pub mod publication;
mod rate;
pub mod reseal;
mod restriction;
pub mod rewards;
mod seal;
mod session;
mod settings;
pub mod sharing;
mod sqlite;
pub mod teams;
pub mod testing;
mod user;

use std::sync::Arc;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyConnection, AnyPool};
use vulndesk_core::AuditContext;
use vulndesk_core::audit::NewAuditEvent;

pub use audit::ChainReport;
pub use error::StoreError;
pub use org::{Member, NewOrganisation};
pub use seal::parse_key as parse_attachment_key;
pub use session::{NewApiToken, NewSession, Session, StoredToken};
pub use sqlx::Error as SqlxError;
pub use user::{NewUser, UserWithHash};

/// The result of a store call.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file in WAL mode.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// `sqlite` or `postgres`, as `/healthz` reports it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Tuning knobs for opening a store.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Connections for readers (SQLite) or for everything (PostgreSQL).
    pub max_connections: u32,
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self { max_connections: 8 }
    }
}

/// The storage interface. Cheap to clone; every clone shares the same pools.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    /// Where state changes go. For SQLite a pool of one connection, so writers queue in-process
    /// instead of failing with `SQLITE_BUSY`; for PostgreSQL the same pool as `read`.
    write: AnyPool,
    /// Where reads go.
    read: AnyPool,
    /// The URL with any password replaced, for messages.
    display_url: String,
    /// The URL as given, for the change listener's own connection (never shown).
    url: String,
    /// Bumped after every committed OSV import by this process (see [`Store::osv_generation`]).
    osv_generation: std::sync::atomic::AtomicU64,
    /// The group-commit queue for inbound messages.
    intake: intake::writer::Writer,
    /// The key attachments are encrypted with, once configured.
    attachment_key: seal::KeyCell,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.inner.backend).field("url", &self.inner.display_url).finish()
    }
}

/// Replaces the password in a database URL with `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

impl Store {
    /// Opens the database at `url` (`sqlite://PATH` or `postgres://…`). Does not run migrations.
    pub async fn open(url: &str, options: &OpenOptions) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let display_url = redact_url(url);
        let (backend, write, read) = if url.starts_with("sqlite:") {
            let (w, r) = sqlite::open(url, options).await.map_err(|e| StoreError::unavailable(&display_url, e))?;
            (Backend::Sqlite, w, r)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = postgres::open(url, options).await.map_err(|e| StoreError::unavailable(&display_url, e))?;
            (Backend::Postgres, pool.clone(), pool)
        } else {
            return Err(StoreError::Invalid(format!(
                "database URL {display_url:?} must start with sqlite:// or postgres://"
            )));
        };
        let attachment_key = seal::KeyCell::default();
        let intake = intake::writer::Writer::start(backend, write.clone(), attachment_key.clone());
        Ok(Self {
            inner: Arc::new(Inner {
                backend,
                write,
                read,
                display_url,
                url: url.to_owned(),
                osv_generation: std::sync::atomic::AtomicU64::new(0),
                intake,
                attachment_key,
            }),
        })
    }

    /// Brings the schema up to date. Safe to run from several processes at once on PostgreSQL
    /// (sqlx takes an advisory lock).
    pub async fn migrate(&self) -> Result<()> {
        let migrator = match self.inner.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator.run(&self.inner.write).await.map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// Applies the migrations up to and including `last` only: for upgrade tests, which fill a
    /// database in an older shape and then migrate it.
    #[doc(hidden)]
    pub async fn migrate_until(&self, last: i64) -> Result<()> {
        let mut migrator = match self.inner.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        let kept: Vec<_> = migrator.iter().filter(|m| m.version <= last).cloned().collect();
        migrator.migrations = std::borrow::Cow::Owned(kept);
        migrator.run(&self.inner.write).await.map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// Whether migrations this binary knows are missing from the database.
    pub async fn pending_migrations(&self) -> Result<usize> {
        let migrator = match self.inner.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        let applied: Vec<i64> = match sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_all(&self.inner.read)
            .await
        {
            Ok(v) => v,
            Err(_) => return Ok(migrator.iter().count()),
        };
        Ok(migrator.iter().filter(|m| !applied.contains(&m.version)).count())
    }

    /// Migrations recorded in the database that this binary does not know: the database was
    /// migrated by a newer vulndesk.
    pub async fn unknown_migrations(&self) -> Result<Vec<i64>> {
        let migrator = match self.inner.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_all(&self.inner.read)
            .await
            .unwrap_or_default();
        Ok(applied.into_iter().filter(|v| !migrator.iter().any(|m| m.version == *v)).collect())
    }

    /// The database server's clock, in Unix seconds (PostgreSQL; SQLite shares this machine's).
    pub async fn database_clock(&self) -> Result<Option<i64>> {
        match self.inner.backend {
            Backend::Sqlite => Ok(None),
            Backend::Postgres => Ok(Some(
                sqlx::query_scalar("SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS BIGINT)")
                    .fetch_one(&self.inner.read)
                    .await?,
            )),
        }
    }

    /// Encrypts attachments stored from now on with `key` (AES-256-GCM), and decrypts those that
    /// were. Set once, at start-up; a second call is refused.
    pub fn set_attachment_key(&self, key: [u8; 32]) -> Result<()> {
        self.inner.attachment_key.set(key).map_err(|_| StoreError::Invalid("the attachment key is already set".into()))
    }

    pub(crate) fn attachment_key(&self) -> &seal::KeyCell {
        &self.inner.attachment_key
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The database URL with the password hidden.
    pub fn display_url(&self) -> &str {
        &self.inner.display_url
    }

    /// A cheap round trip, for health checks.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.inner.read).await?;
        Ok(())
    }

    /// Closes the pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.inner.write.close().await;
        self.inner.read.close().await;
    }

    pub(crate) fn write(&self) -> &AnyPool {
        &self.inner.write
    }

    pub(crate) fn read(&self) -> &AnyPool {
        &self.inner.read
    }

    /// Starts a write transaction; on PostgreSQL nothing more, on SQLite the single writer
    /// connection is taken, so writes are serialised.
    pub(crate) async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(self.inner.write.begin().await?)
    }

    /// Appends an audit event inside the caller's transaction.
    pub(crate) async fn audit_in(&self, conn: &mut AnyConnection, event: &NewAuditEvent) -> Result<i64> {
        audit::append(self.inner.backend, conn, event).await
    }

    /// Commits an inbound message (a report, a reporter's reply) with its receipt, durably,
    /// batched with whatever else is arriving at the same moment. Returns only after the commit.
    pub async fn submit(&self, inbound: intake::Inbound) -> Result<intake::Accepted> {
        self.inner.intake.submit(inbound).await
    }

    pub(crate) fn intake_writer_alive(&self) -> bool {
        self.inner.intake.is_alive()
    }

    /// Appends one audit event on its own (a read, a refused attempt, a failed login).
    pub async fn record_audit(&self, event: &NewAuditEvent) -> Result<i64> {
        let mut tx = self.begin().await?;
        let seq = self.audit_in(&mut tx, event).await?;
        tx.commit().await?;
        Ok(seq)
    }
}

pub(crate) fn pool_options(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new().max_connections(max).acquire_timeout(std::time::Duration::from_secs(10))
}

/// Shortcut for building audit events in store modules.
pub(crate) fn event(
    ctx: &AuditContext,
    action: &str,
    object_type: &str,
    object_id: &str,
    org: Option<String>,
    details: serde_json::Value,
) -> NewAuditEvent {
    ctx.event(action, object_type, object_id, org, details.to_string())
}
