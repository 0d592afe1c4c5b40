//! Unlinking WeChat identities, and the audit trail of links and unlinks.

use ferrodoor_core::entity::IdentityEvent;
use ferrodoor_core::store::WeChatLookup;

use crate::fixtures::*;
use crate::{committed, rolled_back};

async fn events(env: &Env, owner: &str, name: &str) -> Vec<IdentityEvent> {
    env.store
        .list_identity_events(owner, name)
        .await
        .expect("list events")
}

/// (appid, openid) of a user's identities.
async fn linked(env: &Env, owner: &str, name: &str) -> Vec<(String, String)> {
    let mut ids: Vec<_> = env
        .store
        .list_wechat_identities(owner, name)
        .await
        .expect("list identities")
        .into_iter()
        .map(|i| (i.appid, i.openid))
        .collect();
    ids.sort();
    ids
}

fn pairs(ids: &[(&str, &str)]) -> Vec<(String, String)> {
    ids.iter()
        .map(|(a, o)| (a.to_string(), o.to_string()))
        .collect()
}

#[tokio::test]
async fn events_round_trip_oldest_first_then_in_insertion_order() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "alice").await;
        // Inserted newest first; the three of 10:00 in an order no column sorts them in.
        let late = event(
            "acme",
            "alice",
            "wxA",
            "o-1",
            "unlink",
            "2024-03-01T12:00:00Z",
        );
        let tie_1 = IdentityEvent {
            actor: "z/zed".into(),
            method: "unbind".into(),
            ..event(
                "acme",
                "alice",
                "wxC",
                "o-3",
                "unlink",
                "2024-03-01T10:00:00Z",
            )
        };
        let tie_2 = IdentityEvent {
            actor: "app/console".into(),
            method: "admin".into(),
            ..event(
                "acme",
                "alice",
                "wxA",
                "o-1",
                "link",
                "2024-03-01T10:00:00Z",
            )
        };
        let tie_3 = IdentityEvent {
            actor: "m/mid".into(),
            method: "phone-login".into(),
            ..event(
                "acme",
                "alice",
                "wxB",
                "o-2",
                "link",
                "2024-03-01T10:00:00Z",
            )
        };
        let early = event(
            "acme",
            "alice",
            "wxB",
            "o-9",
            "link",
            "2024-01-01T00:00:00Z",
        );
        committed!(env, |tx| {
            tx.insert_identity_event(&late).await.expect("late");
            tx.insert_identity_event(&tie_1).await.expect("tie 1");
            tx.insert_identity_event(&tie_2).await.expect("tie 2");
        });
        committed!(env, |tx| {
            tx.insert_identity_event(&tie_3).await.expect("tie 3");
            tx.insert_identity_event(&early).await.expect("early");
        });
        // Every field comes back as written.
        assert_eq!(
            events(&env, "acme", "alice").await,
            [early, tie_1, tie_2, tie_3, late]
        );
        assert!(events(&env, "acme", "nobody").await.is_empty());
        assert!(events(&env, "nowhere", "alice").await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn events_are_per_user_and_organization() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "alice").await;
        org_with_user(&env, "other", "alice").await;
        let t = "2024-03-01T10:00:00Z";
        let mine = event("acme", "alice", "wxA", "o-1", "link", t);
        let same_name_elsewhere = event("other", "alice", "wxA", "o-1", "link", t);
        let someone_else = event("acme", "bob", "wxA", "o-2", "link", t);
        committed!(env, |tx| {
            tx.insert_identity_event(&same_name_elsewhere)
                .await
                .expect("other");
            tx.insert_identity_event(&mine).await.expect("mine");
            tx.insert_identity_event(&someone_else).await.expect("bob");
        });
        assert_eq!(events(&env, "acme", "alice").await, [mine]);
        assert_eq!(events(&env, "other", "alice").await, [same_name_elsewhere]);
        // No foreign key: bob was never a user.
        assert_eq!(events(&env, "acme", "bob").await, [someone_else]);
    })
    .await;
}

#[tokio::test]
async fn events_are_written_only_on_commit() {
    on_both(|env| async move {
        let e = event(
            "acme",
            "alice",
            "wxA",
            "o-1",
            "link",
            "2024-03-01T10:00:00Z",
        );
        let mut tx = env.tx().await;
        tx.insert_identity_event(&e).await.expect("insert");
        assert!(events(&env, "acme", "alice").await.is_empty());
        tx.commit().await.expect("commit");
        assert_eq!(
            events(&env, "acme", "alice").await,
            std::slice::from_ref(&e)
        );

        rolled_back!(env, |tx| tx
            .insert_identity_event(&e)
            .await
            .expect("insert"));
        assert_eq!(
            events(&env, "acme", "alice").await,
            std::slice::from_ref(&e)
        );
        // The same event twice is two events: nothing in it is a key.
        committed!(env, |tx| tx.insert_identity_event(&e).await.expect("again"));
        assert_eq!(events(&env, "acme", "alice").await, [e.clone(), e]);
    })
    .await;
}

#[tokio::test]
async fn events_outlive_the_user_and_its_identities() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "alice").await;
        let link = event(
            "acme",
            "alice",
            "wxA",
            "o-1",
            "link",
            "2024-03-01T10:00:00Z",
        );
        let unlink = event(
            "acme",
            "alice",
            "wxA",
            "o-1",
            "unlink",
            "2024-03-02T10:00:00Z",
        );
        committed!(env, |tx| {
            tx.insert_wechat_identity(&identity("acme", "wxA", "o-1", None, "alice"))
                .await
                .expect("identity");
            tx.insert_identity_event(&link).await.expect("link");
        });
        committed!(env, |tx| {
            assert_eq!(
                tx.delete_wechat_identities("acme", "wxA", "alice")
                    .await
                    .expect("unlink"),
                1
            );
            tx.insert_identity_event(&unlink).await.expect("unlink");
        });
        assert!(committed!(env, |tx| tx
            .delete_user("acme", "alice")
            .await
            .expect("delete user")));
        assert_eq!(
            events(&env, "acme", "alice").await,
            [link.clone(), unlink.clone()]
        );
        // Nor does the organization's deletion take them (nothing refers to it).
        assert!(committed!(env, |tx| tx
            .delete_organization("acme")
            .await
            .expect("delete org")));
        assert_eq!(events(&env, "acme", "alice").await, [link, unlink]);
    })
    .await;
}

#[tokio::test]
async fn deleting_identities_takes_only_that_appid_of_that_user() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "alice").await;
        org_with_user(&env, "other", "alice").await;
        committed!(env, |tx| {
            tx.insert_user(&user("acme", "bob")).await.expect("bob");
            for (org, appid, openid, name) in [
                ("acme", "wxA", "oA-1", "alice"),
                ("acme", "wxA", "oA-2", "alice"),
                ("acme", "wxB", "oB-1", "alice"),
                ("acme", "wxA", "oA-bob", "bob"),
                ("other", "wxA", "oA-other", "alice"),
            ] {
                tx.insert_wechat_identity(&identity(org, appid, openid, Some("u"), name))
                    .await
                    .expect("identity");
            }
        });

        // Rolled back: nothing goes.
        assert_eq!(
            rolled_back!(env, |tx| tx
                .delete_wechat_identities("acme", "wxA", "alice")
                .await
                .expect("delete")),
            2
        );
        assert_eq!(
            linked(&env, "acme", "alice").await,
            pairs(&[("wxA", "oA-1"), ("wxA", "oA-2"), ("wxB", "oB-1")])
        );

        assert_eq!(
            committed!(env, |tx| tx
                .delete_wechat_identities("acme", "wxA", "alice")
                .await
                .expect("delete")),
            2
        );
        assert_eq!(
            linked(&env, "acme", "alice").await,
            pairs(&[("wxB", "oB-1")])
        );
        assert_eq!(
            linked(&env, "acme", "bob").await,
            pairs(&[("wxA", "oA-bob")])
        );
        assert_eq!(
            linked(&env, "other", "alice").await,
            pairs(&[("wxA", "oA-other")])
        );
        // The user stays; the identity no longer finds anybody (not even by unionid: the
        // lookup presents none), and can be linked again.
        assert!(
            env.store
                .get_user("acme", "alice")
                .await
                .expect("get")
                .is_some()
        );
        let lookup = WeChatLookup {
            organization: "acme",
            appid: "wxA",
            openid: "oA-1",
            unionid: None,
        };
        assert_eq!(
            env.store.find_user_by_wechat(lookup).await.expect("find"),
            None
        );
        committed!(env, |tx| tx
            .insert_wechat_identity(&identity("acme", "wxA", "oA-1", None, "bob"))
            .await
            .expect("relink"));

        // Nothing left to delete: 0, also for unknown users, appids and organizations.
        for (org, appid, name) in [
            ("acme", "wxA", "alice"),
            ("acme", "wxA", "nobody"),
            ("acme", "wxZ", "alice"),
            ("nowhere", "wxB", "alice"),
        ] {
            assert_eq!(
                committed!(env, |tx| tx
                    .delete_wechat_identities(org, appid, name)
                    .await
                    .expect("delete")),
                0,
                "{org}/{appid}/{name}"
            );
        }
        assert_eq!(
            committed!(env, |tx| tx
                .delete_wechat_identities("acme", "wxB", "alice")
                .await
                .expect("delete")),
            1
        );
        assert!(linked(&env, "acme", "alice").await.is_empty());
    })
    .await;
}
