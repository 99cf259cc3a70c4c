//! Fresh databases for tests: a SQLite file in a temporary folder, or a new, uniquely named
//! PostgreSQL database that is dropped afterwards.
//!
//! Which one is chosen by `VULNDESK_TEST_DATABASE` (`sqlite`, the default, or `postgres`); the
//! PostgreSQL server is `VULNDESK_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/`).
//! The test command runs the whole suite once with each.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::{Connection, Executor};

use crate::{Backend, OpenOptions, Store};

/// Which backend the tests of this run use.
pub fn backend_under_test() -> Backend {
    match std::env::var("VULNDESK_TEST_DATABASE").as_deref() {
        Ok("postgres") | Ok("postgresql") | Ok("pg") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

fn pg_server_url() -> String {
    std::env::var("VULNDESK_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/".into())
}

fn with_db(server: &str, db: &str) -> String {
    let mut u = url::Url::parse(server).expect("VULNDESK_TEST_PG_URL must be a URL");
    u.set_path(db);
    u.to_string()
}

/// A fresh, migrated database, removed when dropped.
pub struct TestDb {
    /// The store over it.
    pub store: Store,
    /// The URL it was opened with (for starting a server process on it).
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Dir(PathBuf),
    PgDatabase { server: String, name: String },
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    /// A fresh, migrated database on the backend under test.
    pub async fn new() -> Self {
        Self::new_on(backend_under_test()).await
    }

    /// A fresh database on `backend`, without running migrations.
    pub async fn empty_on(backend: Backend) -> Self {
        let unique = format!(
            "vulndesk_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(&unique);
                std::fs::create_dir_all(&dir).expect("temp dir");
                let url = format!("sqlite://{}", dir.join("vulndesk.db").display());
                let store = Store::open(&url, &OpenOptions::default()).await.expect("open sqlite");
                Self { store, url, cleanup: Cleanup::Dir(dir) }
            }
            Backend::Postgres => {
                let server = pg_server_url();
                let mut conn = sqlx::PgConnection::connect(&with_db(&server, "postgres"))
                    .await
                    .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {server}: {e}"));
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {unique}"))).await.expect("create database");
                let url = with_db(&server, &unique);
                let store = Store::open(&url, &OpenOptions { max_connections: 4 }).await.expect("open postgres");
                Self { store, url, cleanup: Cleanup::PgDatabase { server, name: unique } }
            }
        }
    }

    /// A fresh, migrated database on `backend`.
    pub async fn new_on(backend: Backend) -> Self {
        let db = Self::empty_on(backend).await;
        db.store.migrate().await.expect("migrations");
        db
    }

    /// Runs raw SQL on the database as an attacker with direct access would (tamper tests).
    pub async fn raw(&self, sql: &str) -> Result<u64, sqlx::Error> {
        let done = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(self.store.write()).await?;
        Ok(done.rows_affected())
    }
}

/// Runs raw SQL on the database at `url` through a store of its own: for a database another
/// process replaced (a restore), which an open `TestDb` store would no longer see.
pub async fn raw_at(url: &str, sql: &str) -> Result<u64, sqlx::Error> {
    let store = Store::open(url, &OpenOptions { max_connections: 1 }).await.expect("open");
    let done = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(store.write()).await;
    store.close().await;
    Ok(done?.rows_affected())
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PgDatabase { server, name } => {
                let (server, name) = (server.clone(), name.clone());
                // Dropping runs on its own thread and runtime: Drop cannot await.
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                        return;
                    };
                    rt.block_on(async move {
                        if let Ok(mut conn) = sqlx::PgConnection::connect(&with_db(&server, "postgres")).await {
                            let _ = conn
                                .execute(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}
