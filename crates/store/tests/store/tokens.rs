//! Revocation counts and the purge of expired rows.

use crate::committed;
use crate::fixtures::*;

#[tokio::test]
async fn revoke_answers_whether_the_token_was_live() {
    on_both(|env| async move {
        committed!(env, |tx| tx
            .insert_token(&token("jti", "acme", "alice", 10, None))
            .await
            .expect("token"));
        assert!(committed!(env, |tx| tx
            .revoke_token("jti")
            .await
            .expect("revoke")));
        assert!(
            env.store
                .get_token("jti")
                .await
                .expect("get")
                .expect("found")
                .revoked
        );
        assert!(!committed!(env, |tx| tx
            .revoke_token("jti")
            .await
            .expect("revoke")));
        assert!(!committed!(env, |tx| tx
            .revoke_token("unknown")
            .await
            .expect("revoke")));
    })
    .await;
}

#[tokio::test]
async fn revoke_user_tokens_counts_the_live_ones() {
    on_both(|env| async move {
        committed!(env, |tx| {
            tx.insert_token(&token("a1", "acme", "alice", 10, Some(("r1", 20))))
                .await
                .expect("token");
            tx.insert_token(&token("a2", "acme", "alice", 10, None))
                .await
                .expect("token");
            let mut dead = token("a3", "acme", "alice", 10, None);
            dead.revoked = true;
            tx.insert_token(&dead).await.expect("token");
            tx.insert_token(&token("bob", "acme", "bob", 10, None))
                .await
                .expect("token");
            tx.insert_token(&token("other-org", "beta", "alice", 10, None))
                .await
                .expect("token");
            tx.insert_token(&token("cc", "acme", "", 10, None))
                .await
                .expect("token");
        });
        assert_eq!(
            committed!(env, |tx| tx
                .revoke_user_tokens("acme", "alice")
                .await
                .expect("revoke")),
            2
        );
        assert_eq!(
            committed!(env, |tx| tx
                .revoke_user_tokens("acme", "alice")
                .await
                .expect("revoke")),
            0
        );
        for name in ["a1", "a2", "a3"] {
            assert!(
                env.store
                    .get_token(name)
                    .await
                    .expect("get")
                    .expect("found")
                    .revoked,
                "{name}"
            );
        }
        for name in ["bob", "other-org", "cc"] {
            assert!(
                !env.store
                    .get_token(name)
                    .await
                    .expect("get")
                    .expect("found")
                    .revoked,
                "{name}"
            );
        }
        // Rolled back with its transaction.
        let mut tx = env.tx().await;
        assert_eq!(
            tx.revoke_user_tokens("acme", "bob").await.expect("revoke"),
            1
        );
        drop(tx);
        assert!(
            !env.store
                .get_token("bob")
                .await
                .expect("get")
                .expect("found")
                .revoked
        );
    })
    .await;
}

#[tokio::test]
async fn purge_removes_exactly_what_expired() {
    on_both(|env| async move {
        let now = 1_000;
        committed!(env, |tx| {
            assert!(
                tx.claim_wechat_code("wx", "old", now - 1)
                    .await
                    .expect("claim")
            );
            assert!(
                tx.claim_wechat_code("wx", "edge", now)
                    .await
                    .expect("claim")
            );
            assert!(
                tx.claim_wechat_code("wx", "new", now + 300)
                    .await
                    .expect("claim")
            );
            tx.insert_session(&session("s-old", "acme", "alice", now - 1))
                .await
                .expect("session");
            tx.insert_session(&session("s-new", "acme", "alice", now + 1))
                .await
                .expect("session");
            // Access expired, no refresh token: gone.
            tx.insert_token(&token("t-access-only", "acme", "alice", now - 1, None))
                .await
                .expect("token");
            // Access expired, refresh still valid: kept.
            tx.insert_token(&token(
                "t-refreshable",
                "acme",
                "alice",
                now - 1,
                Some(("r1", now + 1)),
            ))
            .await
            .expect("t");
            // Both expired: gone.
            tx.insert_token(&token(
                "t-dead",
                "acme",
                "alice",
                now - 10,
                Some(("r2", now - 1)),
            ))
            .await
            .expect("t");
            // Live.
            tx.insert_token(&token("t-live", "acme", "alice", now + 1, None))
                .await
                .expect("t");
        });
        assert_eq!(
            committed!(env, |tx| tx.purge_expired(now).await.expect("purge")),
            4
        );

        let s = &env.store;
        assert!(s.get_session("s-old").await.expect("get").is_none());
        assert!(s.get_session("s-new").await.expect("get").is_some());
        assert!(s.get_token("t-access-only").await.expect("get").is_none());
        assert!(s.get_token("t-dead").await.expect("get").is_none());
        assert!(s.get_token("t-refreshable").await.expect("get").is_some());
        assert!(s.get_token("t-live").await.expect("get").is_some());
        // The purged claim can be claimed again; the others are still held.
        let (old, edge, new) = committed!(env, |tx| (
            tx.claim_wechat_code("wx", "old", now + 300)
                .await
                .expect("claim"),
            tx.claim_wechat_code("wx", "edge", now + 300)
                .await
                .expect("claim"),
            tx.claim_wechat_code("wx", "new", now + 300)
                .await
                .expect("claim"),
        ));
        assert_eq!((old, edge, new), (true, false, false));

        assert_eq!(
            committed!(env, |tx| tx.purge_expired(now).await.expect("purge")),
            0
        );
    })
    .await;
}

#[tokio::test]
async fn revoke_token_family_revokes_the_live_tokens_of_one_chain() {
    on_both(|env| async move {
        let member = |name: &str, family: &str, revoked: bool| {
            let mut t = token(name, "acme", "alice", 10, Some((name, 20)));
            t.family = family.into();
            t.revoked = revoked;
            t
        };
        committed!(env, |tx| {
            for t in [
                member("f1", "f1", true),
                member("f1-r1", "f1", false),
                member("f1-r2", "f1", false),
                member("f2", "f2", false),
                // Issued before families existed.
                member("legacy-1", "", false),
                member("legacy-2", "", false),
            ] {
                tx.insert_token(&t).await.expect("token");
            }
        });
        assert_eq!(
            committed!(env, |tx| tx
                .revoke_token_family("f1")
                .await
                .expect("revoke")),
            2
        );
        assert_eq!(
            committed!(env, |tx| tx
                .revoke_token_family("f1")
                .await
                .expect("revoke")),
            0
        );
        // The empty family is no chain.
        assert_eq!(
            committed!(env, |tx| tx.revoke_token_family("").await.expect("revoke")),
            0
        );
        assert_eq!(
            committed!(env, |tx| tx
                .revoke_token_family("unknown")
                .await
                .expect("revoke")),
            0
        );
        for (name, revoked) in [
            ("f1", true),
            ("f1-r1", true),
            ("f1-r2", true),
            ("f2", false),
            ("legacy-1", false),
            ("legacy-2", false),
        ] {
            assert_eq!(
                env.store
                    .get_token(name)
                    .await
                    .expect("get")
                    .expect("found")
                    .revoked,
                revoked,
                "{name}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn a_token_keeps_its_family_and_auth_time() {
    on_both(|env| async move {
        let first = token("jti-1", "acme", "alice", 2_000, Some(("rh-1", 9_000)));
        let mut rotated = token("jti-2", "acme", "alice", 3_000, Some(("rh-2", 9_500)));
        rotated.family = "jti-1".into();
        rotated.auth_time = 1_700_000_000;
        let mut plain = token("jti-3", "acme", "alice", 3_000, None);
        plain.family = String::new();
        plain.auth_time = 0;
        committed!(env, |tx| {
            for t in [&first, &rotated, &plain] {
                tx.insert_token(t).await.expect("token");
            }
        });
        let got = env
            .store
            .get_token("jti-2")
            .await
            .expect("get")
            .expect("found");
        assert_eq!(
            (got.family.as_str(), got.auth_time),
            ("jti-1", 1_700_000_000)
        );
        assert_eq!(got, rotated);
        assert_eq!(
            env.store
                .get_token_by_refresh_hash("rh-1")
                .await
                .expect("get"),
            Some(first)
        );
        assert_eq!(
            env.store.get_token("jti-3").await.expect("get"),
            Some(plain)
        );
        let page = env
            .store
            .list_tokens(Some("acme"), &Default::default())
            .await
            .expect("list");
        let listed = page
            .items
            .iter()
            .find(|t| t.name == "jti-2")
            .expect("listed");
        assert_eq!(listed, &rotated);
    })
    .await;
}
