//! Throw-away databases for tests (feature `testing`).
//!
//! ```ignore
//! let db = TestDb::postgres().await; // or TestDb::sqlite()
//! let store = db.store();            // migrated and ready
//! // … db.url() for code that connects by itself …
//! db.cleanup().await;
//! ```
//!
//! PostgreSQL databases are created on the server named by `FERRODOOR_TEST_PG_URL` as
//! `ferrodoor_t_<random>`. When it is set the PostgreSQL tests are mandatory: an unreachable
//! server panics. When it is unset the default local server
//! (`postgres://postgres@127.0.0.1:5432/postgres`) is tried; when nothing answers there,
//! `TestDb::postgres` answers `None`, the test skips its PostgreSQL half, and the test
//! process says so once on the terminal (see `PgTestServer`).
//! A `TestDb` dropped without `cleanup` (a failed test) still removes its database or
//! directory, best effort. Failing to set one up otherwise panics: this is test support.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ferrodoor_core::store::Store;
use sqlx::Connection;

use crate::Database;

pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// The variable naming the PostgreSQL server of the tests (and making them mandatory).
pub const PG_URL_VAR: &str = "FERRODOOR_TEST_PG_URL";

/// Where the PostgreSQL tests run, or why they do not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PgTestServer {
    /// Run them on this server (its admin URL).
    Use(String),
    /// Skip them: the variable is unset and the default server did not answer (why).
    Skip(String),
}

impl PgTestServer {
    /// Decides from the variable's value and the default URL. `Err` when the variable names
    /// a server that cannot be reached: set means mandatory.
    pub async fn decide(configured: Option<String>, default_url: &str) -> Result<Self, String> {
        match configured.filter(|v| !v.trim().is_empty()) {
            Some(url) => match reachable(&url).await {
                Ok(()) => Ok(PgTestServer::Use(url)),
                Err(e) => Err(format!(
                    "{PG_URL_VAR}={url} is set, so the PostgreSQL tests are mandatory, but the server cannot be reached: {e}"
                )),
            },
            None => Ok(match reachable(default_url).await {
                Ok(()) => PgTestServer::Use(default_url.to_string()),
                Err(e) => PgTestServer::Skip(format!(
                    "PostgreSQL tests SKIPPED (only SQLite was tested): {PG_URL_VAR} is unset and no server answers at {default_url} ({e}). To run them, start PostgreSQL and set {PG_URL_VAR}=postgres://USER@HOST:PORT/postgres; they are then mandatory."
                )),
            }),
        }
    }

    /// The decision for this test process, made once (`FERRODOOR_TEST_PG_URL`, else the
    /// default). A skip is written straight to the terminal once, past the test harness's
    /// output capture, so a passing run still says PostgreSQL was not tested.
    pub async fn for_this_process() -> Self {
        static DECIDED: OnceLock<PgTestServer> = OnceLock::new();
        if let Some(decided) = DECIDED.get() {
            return decided.clone();
        }
        let decided = Self::decide(std::env::var(PG_URL_VAR).ok(), DEFAULT_PG_URL)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if DECIDED.set(decided.clone()).is_ok()
            && let PgTestServer::Skip(why) = &decided
        {
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "\n{why}\n");
        }
        decided
    }
}

async fn reachable(url: &str) -> Result<(), String> {
    let connect = sqlx::PgConnection::connect(url);
    match tokio::time::timeout(Duration::from_secs(5), connect).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 5 s".into()),
    }
}

pub struct TestDb {
    url: String,
    db: Option<Database>,
    place: Place,
}

enum Place {
    Dir(PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
    /// Already removed by `cleanup`.
    Gone,
}

impl TestDb {
    /// A migrated database in a fresh SQLite file in a temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir =
            std::env::temp_dir().join(format!("ferrodoor-t-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        let url = format!("sqlite://{}", dir.join("ferrodoor.db").display());
        let mut test_db = TestDb {
            url,
            db: None,
            place: Place::Dir(dir),
        };
        test_db.db = Some(connect_and_migrate(&test_db.url).await);
        test_db
    }

    /// A migrated, freshly created PostgreSQL database; `None` when the PostgreSQL tests
    /// are skipped (see `PgTestServer::for_this_process`).
    pub async fn postgres() -> Option<TestDb> {
        match PgTestServer::for_this_process().await {
            PgTestServer::Use(admin_url) => Some(Self::postgres_on(admin_url).await),
            PgTestServer::Skip(_) => None,
        }
    }

    /// A migrated, freshly created database on the PostgreSQL server `admin_url`.
    pub async fn postgres_on(admin_url: String) -> TestDb {
        let name = format!("ferrodoor_t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| {
                panic!("cannot reach the test PostgreSQL server (FERRODOOR_TEST_PG_URL): {e}")
            });
        // The name is ours (letters, digits, underscore): safe to write into the statement.
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        let _ = admin.close().await;
        let mut url = url::Url::parse(&admin_url)
            .unwrap_or_else(|e| panic!("bad FERRODOOR_TEST_PG_URL: {e}"));
        url.set_path(&format!("/{name}"));
        let mut test_db = TestDb {
            url: url.to_string(),
            db: None,
            place: Place::Postgres { admin_url, name },
        };
        test_db.db = Some(connect_and_migrate(&test_db.url).await);
        test_db
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn backend_name(&self) -> &'static str {
        match self.place {
            Place::Dir(_) => "sqlite",
            _ => "postgres",
        }
    }

    /// The database, connected and migrated.
    pub fn database(&self) -> &Database {
        self.db
            .as_ref()
            .unwrap_or_else(|| unreachable!("set by the constructors"))
    }

    pub fn store(&self) -> Arc<dyn Store> {
        self.database().store()
    }

    /// Closes the connections and removes the database.
    pub async fn cleanup(mut self) {
        if let Some(db) = self.db.take() {
            db.close().await;
        }
        match std::mem::replace(&mut self.place, Place::Gone) {
            Place::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Place::Postgres { admin_url, name } => drop_database(&admin_url, &name).await,
            Place::Gone => {}
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match std::mem::replace(&mut self.place, Place::Gone) {
            Place::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Place::Postgres { admin_url, name } => {
                // Drop may run inside a runtime, which must not be blocked on: use a thread
                // with a runtime of its own, and wait for it so the process does not exit first.
                let dropper = std::thread::spawn(move || {
                    if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        rt.block_on(drop_database(&admin_url, &name));
                    }
                });
                let _ = dropper.join();
            }
            Place::Gone => {}
        }
    }
}

async fn connect_and_migrate(url: &str) -> Database {
    let db = Database::connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot open test database: {e}"));
    db.migrate()
        .await
        .unwrap_or_else(|e| panic!("cannot migrate test database: {e}"));
    db
}

/// Best effort: `WITH (FORCE)` ends connections a test left open (PostgreSQL 13+).
async fn drop_database(admin_url: &str, name: &str) {
    if let Ok(mut admin) = sqlx::PgConnection::connect(admin_url).await {
        let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
        {
            eprintln!("could not drop test database {name}: {e}");
        }
        let _ = admin.close().await;
    }
}

#[cfg(test)]
impl TestDb {
    /// The backend of a SQLite test database.
    pub(crate) fn sqlite_backend(&self) -> &crate::sqlite::Backend {
        match &self.database().inner {
            crate::Inner::Sqlite(b) => b,
            crate::Inner::Postgres(_) => unreachable!("a SQLite test database"),
        }
    }

    /// The file of a SQLite test database.
    pub(crate) fn sqlite_file(&self) -> PathBuf {
        let options = self.sqlite_backend().writer.connect_options();
        options.get_filename().to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nothing listens on port 1.
    const NOBODY: &str = "postgres://postgres@127.0.0.1:1/postgres";

    #[tokio::test]
    async fn unset_and_no_default_server_skips_and_says_how_to_enable() {
        match PgTestServer::decide(None, NOBODY).await {
            Ok(PgTestServer::Skip(why)) => {
                assert!(why.contains("SKIPPED"), "{why}");
                assert!(why.contains(PG_URL_VAR), "{why}");
            }
            other => panic!("expected a skip, got {other:?}"),
        }
        // An empty value counts as unset.
        assert!(matches!(
            PgTestServer::decide(Some(" ".into()), NOBODY).await,
            Ok(PgTestServer::Skip(_))
        ));
    }

    #[tokio::test]
    async fn set_to_an_unreachable_server_fails() {
        let err = PgTestServer::decide(Some(NOBODY.into()), DEFAULT_PG_URL)
            .await
            .expect_err("a configured server that cannot be reached must fail the run");
        assert!(err.contains("mandatory"), "{err}");
    }
}
