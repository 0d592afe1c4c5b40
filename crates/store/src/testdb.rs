//! Throw-away databases for tests (feature `testing`).
//!
//! ```ignore
//! let db = TestDb::postgres().await; // or TestDb::sqlite()
//! let store = db.store();            // migrated and ready
//! // … db.url() for code that connects by itself …
//! db.cleanup().await;
//! ```
//!
//! PostgreSQL databases are created on the server named by `FERRODOOR_TEST_PG_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`) as `ferrodoor_t_<random>`.
//! A `TestDb` dropped without `cleanup` (a failed test) still removes its database or
//! directory, best effort. Failing to set one up panics: this is test support.

use std::path::PathBuf;
use std::sync::Arc;

use ferrodoor_core::store::Store;
use sqlx::Connection;

use crate::Database;

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

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

    /// A migrated, freshly created PostgreSQL database.
    pub async fn postgres() -> TestDb {
        let admin_url =
            std::env::var("FERRODOOR_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_string());
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
