//! Connecting, migrating and failing to connect.

use std::time::{Duration, Instant};

use ferrodoor_core::store::StoreError;
use ferrodoor_store::Database;

use crate::fixtures::*;

#[tokio::test]
async fn ping_and_migrations_are_idempotent() {
    on_both(|env| async move {
        env.store.ping().await.expect("ping");
        // The test database is migrated already: migrating again changes nothing.
        ferrodoor_store::migrate(&env.url)
            .await
            .expect("migrate again");
        let db = Database::connect(&env.url).await.expect("connect");
        assert_eq!(db.backend_name(), env.backend);
        db.migrate().await.expect("migrate");
        db.store().ping().await.expect("ping");
        db.close().await;
        let store = ferrodoor_store::open(&env.url).await.expect("open");
        assert_eq!(store.backend_name(), env.backend);
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_database_is_unavailable_quickly() {
    on_both(|env| async move {
        let url = if env.is_postgres() {
            // Nothing listens on port 1.
            "postgres://postgres@127.0.0.1:1/ferrodoor".to_string()
        } else {
            "sqlite:///nonexistent-dir-for-ferrodoor-tests/sub/ferrodoor.db".to_string()
        };
        let started = Instant::now();
        match Database::connect(&url).await {
            Err(StoreError::Unavailable(_)) => {}
            Err(other) => panic!("expected Unavailable, got {other:?}"),
            Ok(_) => panic!("expected Unavailable, connected"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "took {:?}",
            started.elapsed()
        );
    })
    .await;
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    on_both(|env| async move {
        for url in ["mysql://root@127.0.0.1/x", "sqlite::memory:", "nonsense"] {
            assert!(
                matches!(Database::connect(url).await, Err(StoreError::Other(_))),
                "{url} ({})",
                env.backend
            );
        }
    })
    .await;
}
