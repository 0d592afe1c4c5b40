//! OAuth authorization codes: single use, replays visible, purged once expired.

use std::sync::Arc;

use crate::fixtures::*;
use crate::{committed, rolled_back};

#[tokio::test]
async fn a_code_is_used_once_and_a_replay_is_visible() {
    on_both(|env| async move {
        let code = auth_code("code-hash", 2_000);
        committed!(env, |tx| tx
            .insert_authorization_code(&code)
            .await
            .expect("insert"));

        // The first use answers the code as stored: not used yet.
        let first = committed!(env, |tx| tx
            .use_authorization_code("code-hash")
            .await
            .expect("use"));
        assert_eq!(first, Some(code.clone()));

        // The second use answers it used: a replay.
        let second = committed!(env, |tx| tx
            .use_authorization_code("code-hash")
            .await
            .expect("use"))
        .expect("still stored");
        assert!(second.used);
        assert_eq!(
            second,
            ferrodoor_core::entity::AuthorizationCode { used: true, ..code }
        );
        // And stays so.
        let third = committed!(env, |tx| tx
            .use_authorization_code("code-hash")
            .await
            .expect("use"))
        .expect("still stored");
        assert!(third.used);
    })
    .await;
}

#[tokio::test]
async fn an_unknown_code_is_none() {
    on_both(|env| async move {
        assert_eq!(
            committed!(env, |tx| tx
                .use_authorization_code("never-issued")
                .await
                .expect("use")),
            None
        );
        // Recording a token for it is harmless and creates nothing.
        committed!(env, |tx| tx
            .set_authorization_code_token("never-issued", "jti")
            .await
            .expect("set token"));
        assert_eq!(
            committed!(env, |tx| tx
                .use_authorization_code("never-issued")
                .await
                .expect("use")),
            None
        );
    })
    .await;
}

#[tokio::test]
async fn a_duplicate_code_conflicts() {
    on_both(|env| async move {
        committed!(env, |tx| tx
            .insert_authorization_code(&auth_code("dup", 2_000))
            .await
            .expect("insert"));
        expect_conflict(
            rolled_back!(env, |tx| tx
                .insert_authorization_code(&auth_code("dup", 3_000))
                .await),
            "authorization code already exists",
        );
    })
    .await;
}

#[tokio::test]
async fn the_issued_token_is_recorded_on_the_code() {
    on_both(|env| async move {
        committed!(env, |tx| tx
            .insert_authorization_code(&auth_code("c1", 2_000))
            .await
            .expect("insert"));
        committed!(env, |tx| {
            let used = tx
                .use_authorization_code("c1")
                .await
                .expect("use")
                .expect("found");
            assert!(!used.used);
            assert_eq!(used.token_name, None);
            tx.set_authorization_code_token("c1", "jti-from-c1")
                .await
                .expect("set token");
        });
        // A replay finds the token to revoke.
        let replay = committed!(env, |tx| tx
            .use_authorization_code("c1")
            .await
            .expect("use"))
        .expect("found");
        assert!(replay.used);
        assert_eq!(replay.token_name.as_deref(), Some("jti-from-c1"));
    })
    .await;
}

#[tokio::test]
async fn a_use_rolled_back_leaves_the_code_unused() {
    on_both(|env| async move {
        committed!(env, |tx| tx
            .insert_authorization_code(&auth_code("c1", 2_000))
            .await
            .expect("insert"));
        let used = rolled_back!(env, |tx| {
            let used = tx.use_authorization_code("c1").await.expect("use");
            tx.set_authorization_code_token("c1", "jti")
                .await
                .expect("set token");
            used
        })
        .expect("found");
        assert!(!used.used);
        let again = committed!(env, |tx| tx
            .use_authorization_code("c1")
            .await
            .expect("use"))
        .expect("found");
        assert!(!again.used);
        assert_eq!(again.token_name, None);
    })
    .await;
}

/// Ten exchanges of one code at once: exactly one reads it unused. On PostgreSQL the others
/// wait on the row lock and then read it used; on SQLite they queue for the writer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_concurrent_uses_of_one_code_see_it_unused_once() {
    on_both(|env| async move {
        committed!(env, |tx| tx
            .insert_authorization_code(&auth_code("raced", 2_000))
            .await
            .expect("insert"));
        let barrier = Arc::new(tokio::sync::Barrier::new(10));
        let mut tasks = Vec::new();
        for i in 0..10 {
            let env = env.clone();
            let barrier = barrier.clone();
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                let mut tx = env.tx().await;
                let code = tx
                    .use_authorization_code("raced")
                    .await
                    .expect("use")
                    .expect("found");
                if !code.used {
                    // Hold the lock a little, as a real exchange does while it signs.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    tx.set_authorization_code_token("raced", &format!("jti-{i}"))
                        .await
                        .expect("set token");
                }
                tx.commit().await.expect("commit");
                (i, code.used)
            }));
        }
        let mut winners = Vec::new();
        for t in tasks {
            let (i, used) = t.await.expect("task");
            if !used {
                winners.push(i);
            }
        }
        assert_eq!(winners.len(), 1, "winners: {winners:?}");
        let last = committed!(env, |tx| tx
            .use_authorization_code("raced")
            .await
            .expect("use"))
        .expect("found");
        assert!(last.used);
        assert_eq!(last.token_name, Some(format!("jti-{}", winners[0])));
    })
    .await;
}

#[tokio::test]
async fn purge_removes_expired_codes_used_or_not() {
    on_both(|env| async move {
        let now = 1_000;
        committed!(env, |tx| {
            for (hash, expires_at) in [
                ("old", now - 1),
                ("old-used", now - 1),
                ("edge", now),
                ("new", now + 60),
            ] {
                tx.insert_authorization_code(&auth_code(hash, expires_at))
                    .await
                    .expect("insert");
            }
            tx.use_authorization_code("old-used")
                .await
                .expect("use")
                .expect("found");
        });
        assert_eq!(
            committed!(env, |tx| tx.purge_expired(now).await.expect("purge")),
            2
        );
        let left = committed!(env, |tx| {
            let mut left = Vec::new();
            for hash in ["old", "old-used", "edge", "new"] {
                if tx
                    .use_authorization_code(hash)
                    .await
                    .expect("use")
                    .is_some()
                {
                    left.push(hash);
                }
            }
            left
        });
        assert_eq!(left, ["edge", "new"]);
        assert_eq!(
            committed!(env, |tx| tx.purge_expired(now).await.expect("purge")),
            0
        );
    })
    .await;
}
