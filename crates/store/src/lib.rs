//! Ferrodoor's storage: the core's [`Store`] port on sqlx, for SQLite (the embedded default)
//! and PostgreSQL, from the same SQL text.
//!
//! ```no_run
//! # async fn run() -> Result<(), ferrodoor_core::store::StoreError> {
//! let db = ferrodoor_store::Database::connect("sqlite://ferrodoor.db").await?;
//! db.migrate().await?; // `serve` does this at start; `ferrodoor migrate` does only this
//! let store = db.store();
//! # Ok(()) }
//! ```
//!
//! URLs: `sqlite://path/to/file.db` (created if missing) or `postgres://…` / `postgresql://…`.
//!
//! - SQLite runs in WAL mode with `foreign_keys=ON` and a 5 s busy timeout. Every transaction
//!   goes through a single writer connection, so concurrent writers queue rather than fail;
//!   reads use a separate pool of 4 read-only connections. The sign-in's paths run on
//!   connections of the store's own (rusqlite, same file, same settings): token grants and
//!   code claims commit in groups on a writer thread of their own, the reads every sign-in
//!   makes run on the calling thread, and checkpoints on a thread of their own
//!   (`sqlite/group.rs`, `sqlite/inline.rs`, `sqlite/checkpoint.rs`).
//! - PostgreSQL uses one pool of 16 connections; acquiring one times out after 5 s (see
//!   [`PoolSettings`]), so an unreachable database answers [`StoreError::Unavailable`] (503)
//!   quickly; so does a statement that runs (or waits for an answer) longer than the
//!   statement timeout (5 s). Connections broken while the database was away are replaced on their next
//!   use, so the pool recovers by itself.
//!
//! Migrations are SQL files under `migrations/<backend>/`, embedded in the binary.
//!
//! Rule for callers: hold at most one [`StoreTx`](ferrodoor_core::store::StoreTx) at a time
//! per task, and drop (or commit) it before calling `begin` again. On SQLite a second
//! `begin` waits for the single writer the first transaction holds, and fails with
//! [`StoreError::Unavailable`] after 10 s. Reads through the [`Store`] never wait for it.

use std::sync::Arc;
use std::time::Duration;

use ferrodoor_core::store::{Store, StoreError, StoreResult};

pub use group::{COMMITS as GROUP_COMMITS_METRIC, JOBS as GROUPED_JOBS_METRIC};
pub use pool_metrics::{PoolStats, WAITS as POOL_WAITS_METRIC};

mod backend;
mod claims;
mod error;
mod group;
mod group_plan;
#[cfg(test)]
mod group_tests;
mod list;
mod pool_metrics;
mod postgres;
mod sqlite;
mod tables;

#[cfg(any(test, feature = "testing"))]
pub mod testdb;

/// A connected database: runs migrations and hands out the [`Store`].
pub struct Database {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    Sqlite(Arc<sqlite::Backend>),
    Postgres(Arc<postgres::Backend>),
}

/// Tunables of the connection pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolSettings {
    /// PostgreSQL: how long a request waits for a connection (also when the database cannot
    /// be reached) before answering [`StoreError::Unavailable`].
    pub acquire_timeout: Duration,
    /// PostgreSQL: how long one statement may run, bounded on both sides: the server cancels
    /// it (`statement_timeout`) and the client stops waiting, so a database that went silent
    /// (connection open, no answer) answers [`StoreError::Unavailable`] after it rather than
    /// holding the request. SQLite runs in the process: its statements are bounded by the
    /// busy timeout and the writer queue.
    pub statement_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(5),
        }
    }
}

impl Database {
    /// Connects (creating a missing SQLite file) without migrating. Fails with
    /// [`StoreError::Unavailable`] when the server cannot be reached, and with
    /// [`StoreError::Other`] for a URL that names no supported backend.
    pub async fn connect(url: &str) -> StoreResult<Database> {
        Self::connect_with(url, PoolSettings::default()).await
    }

    /// [`Database::connect`] with pool settings.
    pub async fn connect_with(url: &str, pool: PoolSettings) -> StoreResult<Database> {
        let inner = match backend_of(url)? {
            Backend::Sqlite => Inner::Sqlite(Arc::new(sqlite::connect(url).await?)),
            Backend::Postgres => Inner::Postgres(Arc::new(postgres::connect(url, pool).await?)),
        };
        Ok(Database { inner })
    }

    /// Applies the migrations not applied yet (idempotent).
    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.inner {
            Inner::Sqlite(b) => b.migrate().await,
            Inner::Postgres(b) => b.migrate().await,
        }
    }

    pub fn store(&self) -> Arc<dyn Store> {
        match &self.inner {
            Inner::Sqlite(b) => b.clone(),
            Inner::Postgres(b) => b.clone(),
        }
    }

    /// "sqlite" or "postgres".
    pub fn backend_name(&self) -> &'static str {
        match &self.inner {
            Inner::Sqlite(_) => "sqlite",
            Inner::Postgres(_) => "postgres",
        }
    }

    /// The connection pools' sizes now (for metrics).
    pub fn pool_stats(&self) -> Vec<PoolStats> {
        match &self.inner {
            Inner::Sqlite(b) => vec![
                pool_metrics::stats("reader", &b.reader),
                pool_metrics::stats("writer", &b.writer),
            ],
            Inner::Postgres(b) => vec![pool_metrics::stats("main", &b.writer)],
        }
    }

    /// Closes the connections (also those of every [`Store`] handed out), waiting for the
    /// ones in use to be returned.
    pub async fn close(&self) {
        match &self.inner {
            Inner::Sqlite(b) => b.close().await,
            Inner::Postgres(b) => b.close().await,
        }
    }
}

/// Connects without migrating: `Database::connect(url)` then `store()`.
pub async fn open(url: &str) -> StoreResult<Arc<dyn Store>> {
    Ok(Database::connect(url).await?.store())
}

/// Connects, migrates and closes: what `ferrodoor migrate` does.
pub async fn migrate(url: &str) -> StoreResult<()> {
    let db = Database::connect(url).await?;
    let result = db.migrate().await;
    db.close().await;
    result
}

enum Backend {
    Sqlite,
    Postgres,
}

fn backend_of(url: &str) -> StoreResult<Backend> {
    let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
    match scheme.as_deref() {
        Some("sqlite") => Ok(Backend::Sqlite),
        Some("postgres" | "postgresql") => Ok(Backend::Postgres),
        // The URL itself is not repeated: it may hold a password.
        _ => Err(StoreError::Other(
            "unsupported database URL: expected sqlite:… or postgres://…".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_of_dispatches_on_scheme() {
        assert!(matches!(backend_of("sqlite://x.db"), Ok(Backend::Sqlite)));
        assert!(matches!(backend_of("sqlite:x.db"), Ok(Backend::Sqlite)));
        assert!(matches!(
            backend_of("postgres://u@h/db"),
            Ok(Backend::Postgres)
        ));
        assert!(matches!(
            backend_of("PostgreSQL://u@h/db"),
            Ok(Backend::Postgres)
        ));
        match backend_of("mysql://root:secret@h/db") {
            Err(StoreError::Other(m)) => assert!(!m.contains("secret")),
            _ => panic!("mysql must be refused"),
        }
    }
}
