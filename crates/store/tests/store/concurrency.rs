//! One-time code claims and racing identity links.

use std::sync::Arc;

use ferrodoor_core::store::StoreError;

use crate::committed;
use crate::fixtures::*;

#[tokio::test]
async fn a_code_is_claimed_once_until_released() {
    on_both(|env| async move {
        assert!(committed!(env, |tx| tx
            .claim_wechat_code("wxA", "h1", 100)
            .await
            .expect("claim")));
        assert!(!committed!(env, |tx| tx
            .claim_wechat_code("wxA", "h1", 100)
            .await
            .expect("claim")));
        // Per appid.
        assert!(committed!(env, |tx| tx
            .claim_wechat_code("wxB", "h1", 100)
            .await
            .expect("claim")));
        committed!(env, |tx| tx
            .release_wechat_code("wxA", "h1")
            .await
            .expect("release"));
        assert!(committed!(env, |tx| tx
            .claim_wechat_code("wxA", "h1", 100)
            .await
            .expect("claim")));
        // Releasing a claim that does not exist is fine.
        committed!(env, |tx| tx
            .release_wechat_code("wxA", "never")
            .await
            .expect("release"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_claims_of_one_code_succeed_once() {
    on_both(|env| async move {
        let barrier = Arc::new(tokio::sync::Barrier::new(20));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let env = env.clone();
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let mut tx = env.tx().await;
                let won = tx
                    .claim_wechat_code("wxA", "same-code", 100)
                    .await
                    .expect("claim");
                tx.commit().await.expect("commit");
                won
            }));
        }
        let mut winners = 0;
        for t in tasks {
            if t.await.expect("task") {
                winners += 1;
            }
        }
        assert_eq!(winners, 1);
    })
    .await;
}

/// The claims a login makes (`Store::claim_wechat_code`, committed in groups): forty at
/// once over twenty codes, each code twice, and codes claimed before. Every code is won
/// exactly once, by the group or by a transaction, whichever came first.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn grouped_claims_win_each_code_once() {
    on_both(|env| async move {
        assert!(committed!(env, |tx| tx
            .claim_wechat_code("wxA", "code-0", 100)
            .await
            .expect("claim")));
        let barrier = Arc::new(tokio::sync::Barrier::new(40));
        let mut tasks = Vec::new();
        for i in 0..40 {
            let (store, barrier) = (env.store.clone(), barrier.clone());
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let code = format!("code-{}", i / 2);
                (i / 2, store.claim_wechat_code("wxA", &code, 100).await)
            }));
        }
        let mut wins = [0; 20];
        for t in tasks {
            let (code, won) = t.await.expect("task");
            wins[code] += usize::from(won.expect("claim"));
        }
        // code-0 was taken by the transaction before.
        assert_eq!(wins[0], 0);
        assert!(wins[1..].iter().all(|&w| w == 1), "{wins:?}");
        // Committed: a transaction sees them taken, another appid does not.
        assert!(!committed!(env, |tx| tx
            .claim_wechat_code("wxA", "code-7", 100)
            .await
            .expect("claim")));
        assert!(
            env.store
                .claim_wechat_code("wxB", "code-7", 100)
                .await
                .expect("claim")
        );
        // A released claim can be won again through the group.
        committed!(env, |tx| tx
            .release_wechat_code("wxA", "code-7")
            .await
            .expect("release"));
        assert!(
            env.store
                .claim_wechat_code("wxA", "code-7", 100)
                .await
                .expect("claim")
        );
    })
    .await;
}

/// Fifty logins of one new WeChat identity at once: exactly one links it. On PostgreSQL
/// the others wait on the unique index and then conflict; on SQLite they queue for the
/// writer and conflict in turn.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_links_of_one_identity_succeed_once() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "alice").await;
        committed!(env, |tx| tx
            .insert_user(&user("acme", "bob"))
            .await
            .expect("bob"));
        let barrier = Arc::new(tokio::sync::Barrier::new(50));
        let mut tasks = Vec::new();
        for i in 0..50 {
            let env = env.clone();
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let owner = if i % 2 == 0 { "alice" } else { "bob" };
                let mut tx = env.tx().await;
                let result = tx
                    .insert_wechat_identity(&identity("acme", "wxA", "o-race", None, owner))
                    .await;
                if result.is_ok() {
                    tx.commit().await.expect("commit");
                }
                result
            }));
        }
        let (mut ok, mut conflicts) = (0, 0);
        for t in tasks {
            match t.await.expect("task") {
                Ok(()) => ok += 1,
                Err(StoreError::Conflict(_)) => conflicts += 1,
                Err(other) => panic!("expected Conflict, got {other:?}"),
            }
        }
        assert_eq!((ok, conflicts), (1, 49));
        let linked = env
            .store
            .list_wechat_identities("acme", "alice")
            .await
            .expect("list")
            .len()
            + env
                .store
                .list_wechat_identities("acme", "bob")
                .await
                .expect("list")
                .len();
        assert_eq!(linked, 1);
    })
    .await;
}
