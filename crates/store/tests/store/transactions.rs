//! Transactions: rollback on drop, isolation from readers, row locks.

use std::sync::Arc;

use crate::committed;
use crate::fixtures::*;

#[tokio::test]
async fn a_transaction_dropped_without_commit_writes_nothing() {
    on_both(|env| async move {
        {
            let mut tx = env.tx().await;
            tx.insert_organization(&org("acme")).await.expect("org");
            tx.insert_user(&user("acme", "alice")).await.expect("user");
            tx.insert_token(&token("jti", "acme", "alice", 10, None))
                .await
                .expect("token");
            assert!(
                tx.claim_wechat_code("wx", "code-hash", 10)
                    .await
                    .expect("claim")
            );
            // Dropped here.
        }
        assert_eq!(env.store.get_organization("acme").await.expect("get"), None);
        assert_eq!(
            env.store.get_user("acme", "alice").await.expect("get"),
            None
        );
        assert_eq!(env.store.get_token("jti").await.expect("get"), None);
        // The writer is usable again, and the claim was given back with the rest.
        let claimed = committed!(env, |tx| {
            tx.insert_organization(&org("acme"))
                .await
                .expect("org again");
            tx.claim_wechat_code("wx", "code-hash", 10)
                .await
                .expect("claim")
        });
        assert!(claimed);
        assert!(
            env.store
                .get_organization("acme")
                .await
                .expect("get")
                .is_some()
        );
    })
    .await;
}

#[tokio::test]
async fn readers_do_not_wait_for_an_open_transaction() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "alice").await;
        let mut tx = env.tx().await;
        let mut changed = tx
            .get_user_for_update("acme", "alice")
            .await
            .expect("get")
            .expect("found");
        changed.display_name = "Changed".into();
        assert!(tx.update_user(&changed).await.expect("update"));
        // While the transaction holds the writer (and on PostgreSQL the row lock), reads go
        // on and see the committed state.
        let seen = tokio::time::timeout(
            std::time::Duration::from_secs(3),
            env.store.get_user("acme", "alice"),
        )
        .await
        .expect("a read must not wait for the writer")
        .expect("get")
        .expect("found");
        assert_eq!(seen.display_name, "User alice");
        tx.commit().await.expect("commit");
        let seen = env
            .store
            .get_user("acme", "alice")
            .await
            .expect("get")
            .expect("found");
        assert_eq!(seen.display_name, "Changed");
    })
    .await;
}

/// Ten concurrent read-modify-writes of one user: none may be lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn read_for_update_loses_no_concurrent_change() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "alice").await;
        let barrier = Arc::new(tokio::sync::Barrier::new(10));
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let env = env.clone();
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let mut tx = env.tx().await;
                let mut u = tx
                    .get_user_for_update("acme", "alice")
                    .await
                    .expect("get")
                    .expect("found");
                let n: u32 = u
                    .properties
                    .get("counter")
                    .map_or(0, |v| v.parse().expect("number"));
                // Give the others every chance to read the same value.
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                u.properties.insert("counter".into(), (n + 1).to_string());
                assert!(tx.update_user(&u).await.expect("update"));
                tx.commit().await.expect("commit");
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        let u = env
            .store
            .get_user("acme", "alice")
            .await
            .expect("get")
            .expect("found");
        assert_eq!(u.properties.get("counter").map(String::as_str), Some("10"));
    })
    .await;
}
