//! Unique keys, foreign keys and the user cascade.

use ferrodoor_core::entity::{Cert, Provider};
use ferrodoor_core::store::StoreError;

use crate::fixtures::*;
use crate::{committed, rolled_back};

#[tokio::test]
async fn duplicate_keys_are_conflicts_that_name_the_thing() {
    on_both(|env| async move {
        let alice = org_with_user(&env, "test", "alice").await;
        committed!(env, |tx| {
            tx.insert_application(&app("app-1", "test", "cid-1"))
                .await
                .expect("app");
            tx.insert_provider(&Provider {
                name: "p".into(),
                ..Default::default()
            })
            .await
            .expect("provider");
            tx.insert_cert(&Cert {
                name: "c".into(),
                ..Default::default()
            })
            .await
            .expect("cert");
            tx.insert_token(&token("jti", "test", "alice", 10, Some(("rh", 20))))
                .await
                .expect("token");
            tx.insert_session(&session("sid", "test", "alice", 10))
                .await
                .expect("session");
            tx.insert_wechat_identity(&identity("test", "wx", "o1", None, "alice"))
                .await
                .expect("identity");
        });

        // Each failure in its own transaction: on PostgreSQL a failed statement aborts it.
        let r = rolled_back!(env, |tx| tx.insert_organization(&org("test")).await);
        expect_conflict(r, "organization test already exists");
        let r = rolled_back!(env, |tx| tx.insert_user(&user("test", "alice")).await);
        expect_conflict(r, "user test/alice already exists");
        let mut same_id = user("test", "alice2");
        same_id.id = alice.id.clone();
        let r = rolled_back!(env, |tx| tx.insert_user(&same_id).await);
        expect_conflict(r, &format!("user id {} already in use", alice.id));
        let r = rolled_back!(env, |tx| tx
            .insert_application(&app("app-1", "test", "cid-other"))
            .await);
        expect_conflict(r, "application app-1 already exists");
        let r = rolled_back!(env, |tx| tx
            .insert_application(&app("app-2", "test", "cid-1"))
            .await);
        expect_conflict(r, "client_id cid-1 already in use");
        let r = rolled_back!(env, |tx| tx
            .insert_provider(&Provider {
                name: "p".into(),
                ..Default::default()
            })
            .await);
        expect_conflict(r, "provider p already exists");
        let r = rolled_back!(env, |tx| tx
            .insert_cert(&Cert {
                name: "c".into(),
                ..Default::default()
            })
            .await);
        expect_conflict(r, "cert c already exists");
        let r = rolled_back!(env, |tx| tx
            .insert_token(&token("jti", "test", "alice", 10, None))
            .await);
        expect_conflict(r, "token jti already exists");
        let r = rolled_back!(env, |tx| tx
            .insert_token(&token("jti-2", "test", "alice", 10, Some(("rh", 20))))
            .await);
        expect_conflict(r, "refresh token already in use");
        let r = rolled_back!(env, |tx| tx
            .insert_session(&session("sid", "test", "alice", 10))
            .await);
        expect_conflict(r, "session already exists");
        let r = rolled_back!(env, |tx| tx
            .insert_wechat_identity(&identity("test", "wx", "o1", Some("u"), "bob"))
            .await);
        expect_conflict(r, "wx/o1 is already linked in organization test");

        // Nothing of the failed attempts was written.
        assert_eq!(
            env.store.get_user("test", "alice2").await.expect("get"),
            None
        );
        assert_eq!(env.store.get_application("app-2").await.expect("get"), None);
        assert_eq!(env.store.get_token("jti-2").await.expect("get"), None);
    })
    .await;
}

#[tokio::test]
async fn updates_into_a_taken_key_are_conflicts() {
    on_both(|env| async move {
        let alice = org_with_user(&env, "test", "alice").await;
        let mut bob = user("test", "bob");
        committed!(env, |tx| {
            tx.insert_user(&bob).await.expect("bob");
            tx.insert_application(&app("app-1", "test", "cid-1"))
                .await
                .expect("app 1");
            tx.insert_application(&app("app-2", "test", "cid-2"))
                .await
                .expect("app 2");
        });
        let r = rolled_back!(env, |tx| tx
            .update_application(&app("app-2", "test", "cid-1"))
            .await);
        expect_conflict(r, "client_id cid-1 already in use");
        bob.id = alice.id.clone();
        let r = rolled_back!(env, |tx| tx.update_user(&bob).await);
        expect_conflict(r, "already in use");
        let stored = env
            .store
            .get_application("app-2")
            .await
            .expect("get")
            .expect("found");
        assert_eq!(stored.client_id, "cid-2");
    })
    .await;
}

#[tokio::test]
async fn missing_parents_are_reference_errors() {
    on_both(|env| async move {
        let r = rolled_back!(env, |tx| tx.insert_user(&user("nowhere", "alice")).await);
        expect_reference(r, "organization nowhere does not exist");
        let r = rolled_back!(env, |tx| tx
            .insert_application(&app("a", "nowhere", "cid"))
            .await);
        expect_reference(r, "organization nowhere does not exist");
        committed!(env, |tx| tx
            .insert_organization(&org("test"))
            .await
            .expect("org"));
        let r = rolled_back!(env, |tx| tx
            .insert_wechat_identity(&identity("test", "wx", "o1", None, "ghost"))
            .await);
        expect_reference(r, "user test/ghost does not exist");
        // An existing application moved to a missing organization.
        committed!(env, |tx| tx
            .insert_application(&app("a", "test", "cid"))
            .await
            .expect("app"));
        let r = rolled_back!(env, |tx| tx
            .update_application(&app("a", "nowhere", "cid"))
            .await);
        expect_reference(r, "organization nowhere does not exist");
    })
    .await;
}

#[tokio::test]
async fn an_organization_with_applications_or_users_cannot_be_deleted() {
    on_both(|env| async move {
        org_with_user(&env, "test", "alice").await;
        committed!(env, |tx| tx
            .insert_application(&app("app-1", "test", "cid-1"))
            .await
            .expect("app"));

        let r = rolled_back!(env, |tx| tx.delete_organization("test").await);
        expect_reference(r, "organization test still has users or applications");

        assert!(committed!(env, |tx| tx
            .delete_application("app-1")
            .await
            .expect("delete app")));
        let r = rolled_back!(env, |tx| tx.delete_organization("test").await);
        expect_reference(r, "organization test still has users or applications");
        assert!(
            env.store
                .get_organization("test")
                .await
                .expect("get")
                .is_some()
        );

        assert!(committed!(env, |tx| tx
            .delete_user("test", "alice")
            .await
            .expect("delete user")));
        assert!(committed!(env, |tx| tx
            .delete_organization("test")
            .await
            .expect("delete org")));
        assert_eq!(env.store.get_organization("test").await.expect("get"), None);
    })
    .await;
}

#[tokio::test]
async fn deleting_a_user_removes_its_identities_tokens_and_sessions() {
    on_both(|env| async move {
        org_with_user(&env, "test", "alice").await;
        committed!(env, |tx| {
            tx.insert_user(&user("test", "bob")).await.expect("bob");
            tx.insert_wechat_identity(&identity("test", "wxA", "oA", Some("u"), "alice"))
                .await
                .expect("id A");
            tx.insert_wechat_identity(&identity("test", "wxB", "oB", Some("u"), "alice"))
                .await
                .expect("id B");
            tx.insert_wechat_identity(&identity("test", "wxA", "oBob", None, "bob"))
                .await
                .expect("id bob");
            tx.insert_token(&token("t-alice-1", "test", "alice", 10, Some(("r1", 20))))
                .await
                .expect("t1");
            tx.insert_token(&token("t-alice-2", "test", "alice", 10, None))
                .await
                .expect("t2");
            tx.insert_token(&token("t-bob", "test", "bob", 10, None))
                .await
                .expect("t bob");
            tx.insert_token(&token("t-cc", "test", "", 10, None))
                .await
                .expect("t cc");
            tx.insert_session(&session("s-alice", "test", "alice", 10))
                .await
                .expect("s alice");
            tx.insert_session(&session("s-bob", "test", "bob", 10))
                .await
                .expect("s bob");
        });

        assert!(committed!(env, |tx| tx
            .delete_user("test", "alice")
            .await
            .expect("delete")));

        assert_eq!(
            env.store.get_user("test", "alice").await.expect("get"),
            None
        );
        assert!(
            env.store
                .list_wechat_identities("test", "alice")
                .await
                .expect("list")
                .is_empty()
        );
        assert_eq!(env.store.get_token("t-alice-1").await.expect("get"), None);
        assert_eq!(env.store.get_token("t-alice-2").await.expect("get"), None);
        assert_eq!(
            env.store
                .get_token_by_refresh_hash("r1")
                .await
                .expect("get"),
            None
        );
        assert_eq!(env.store.get_session("s-alice").await.expect("get"), None);
        // Nobody else's rows.
        assert_eq!(
            env.store
                .list_wechat_identities("test", "bob")
                .await
                .expect("list")
                .len(),
            1
        );
        assert!(env.store.get_token("t-bob").await.expect("get").is_some());
        assert!(env.store.get_token("t-cc").await.expect("get").is_some());
        assert!(env.store.get_session("s-bob").await.expect("get").is_some());
        // The identity is free to be linked again.
        committed!(env, |tx| {
            tx.insert_wechat_identity(&identity("test", "wxA", "oA", None, "bob"))
                .await
                .expect("relink")
        });

        assert!(!committed!(env, |tx| tx
            .delete_user("test", "alice")
            .await
            .expect("delete")));
    })
    .await;
}

// Defense in depth behind the HTTP layer's NUL check: a value PostgreSQL cannot hold is the
// request's fault (400), not a server error (500).
#[tokio::test]
async fn values_the_database_cannot_hold_are_invalid() {
    on_both(|env| async move {
        let r = rolled_back!(env, |tx| tx.insert_organization(&org("a\0b")).await);
        if env.is_postgres() {
            assert!(matches!(r, Err(StoreError::Invalid(_))), "{r:?}");
        } else {
            // SQLite stores it; the HTTP layer refuses NUL before it gets here.
            assert!(r.is_ok(), "{r:?}");
        }
    })
    .await;
}
