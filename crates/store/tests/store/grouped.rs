//! Grouped writes (`Store::commit_grouped`): a token grant's token, record and deliveries,
//! committed with the others waiting at the same moment.

use std::sync::Arc;

use ferrodoor_core::entity::{Record, WebhookDelivery};
use ferrodoor_core::store::{GroupedSignup, GroupedWrite, StoreError};

use crate::committed;
use crate::fixtures::*;

fn write(name: &str, identity: Option<ferrodoor_core::entity::WeChatIdentity>) -> GroupedWrite {
    GroupedWrite {
        identity,
        signup: None,
        token: token(name, "acme", "alice", 100, None),
        records: vec![Record {
            name: format!("record-{name}"),
            owner: "acme".into(),
            organization: "acme".into(),
            action: "login".into(),
            ..Record::default()
        }],
        deliveries: vec![WebhookDelivery {
            id: format!("delivery-{name}"),
            webhook_owner: "acme".into(),
            webhook_name: "hook".into(),
            record_name: format!("record-{name}"),
            event: "login".into(),
            organization: "acme".into(),
            payload: "{}".into(),
            state: "pending".into(),
            ..WebhookDelivery::default()
        }],
    }
}

/// What a write left: its token, its record, its delivery.
async fn written(env: &Env, name: &str) -> (bool, bool, bool) {
    let token = env.store.get_token(name).await.expect("token").is_some();
    let record = env
        .store
        .get_record(&format!("record-{name}"))
        .await
        .expect("record")
        .is_some();
    let delivery = env
        .store
        .list_webhook_deliveries("acme", "hook")
        .await
        .expect("deliveries")
        .iter()
        .any(|d| d.id == format!("delivery-{name}"));
    (token, record, delivery)
}

/// Whether a grouped write applied, and what it left (see [`written`]).
type Outcome = (bool, (bool, bool, bool));
const FULLY: Outcome = (true, (true, true, true));
const NOTHING: Outcome = (false, (false, false, false));

async fn apply(
    env: &Env,
    name: &str,
    identity: Option<ferrodoor_core::entity::WeChatIdentity>,
) -> Outcome {
    let applied = env.store.commit_grouped(write(name, identity)).await;
    (applied.expect(name), written(env, name).await)
}

async fn session_key(env: &Env, user: &str) -> String {
    let linked = env.store.list_wechat_identities("acme", user).await;
    let key = linked.expect("list")[0].session_key_sealed.clone();
    key.unwrap_or_default()
}

#[tokio::test]
async fn a_grouped_write_applies_only_while_its_identity_links_an_active_user() {
    on_both(|env| async move {
        let mut alice = org_with_user(&env, "acme", "alice").await;
        committed!(env, |tx| {
            tx.insert_user(&user("acme", "bob")).await.expect("bob");
            tx.insert_wechat_identity(&identity("acme", "wxA", "o-alice", None, "alice"))
                .await
                .expect("identity");
        });
        let touched = ferrodoor_core::entity::WeChatIdentity {
            updated_time: "2024-02-01T00:00:00Z".into(),
            session_key_sealed: Some("sealed-new".into()),
            ..identity("acme", "wxA", "o-alice", None, "alice")
        };

        assert_eq!(apply(&env, "t1", Some(touched.clone())).await, FULLY);
        assert_eq!(session_key(&env, "alice").await, "sealed-new");
        let linked = env.store.list_wechat_identities("acme", "alice").await;
        assert_eq!(
            linked.expect("list")[0].updated_time,
            "2024-02-01T00:00:00Z"
        );

        // The identity links alice, not bob: nothing of the write is written.
        let for_bob = ferrodoor_core::entity::WeChatIdentity {
            user_name: "bob".into(),
            session_key_sealed: Some("sealed-bob".into()),
            ..touched.clone()
        };
        assert_eq!(apply(&env, "t2", Some(for_bob)).await, NOTHING);
        // An identity that is not linked at all.
        let unknown = identity("acme", "wxA", "o-nobody", None, "alice");
        assert_eq!(apply(&env, "t3", Some(unknown)).await, NOTHING);

        // Alice forbidden after the caller read her: refused in the writing transaction.
        alice.is_forbidden = true;
        committed!(env, |tx| assert!(
            tx.update_user(&alice).await.expect("forbid")
        ));
        assert_eq!(apply(&env, "t4", Some(touched.clone())).await, NOTHING);
        assert_eq!(session_key(&env, "alice").await, "sealed-new");

        // No identity to check (client credentials): always written.
        assert_eq!(apply(&env, "t5", None).await, FULLY);
    })
    .await;
}

/// Thirty grouped writes at once, one of them refused by the database (its token's name is
/// taken): that one fails alone, every other one is written once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_refused_write_fails_alone_and_the_others_of_its_group_are_written() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "alice").await;
        committed!(env, |tx| tx
            .insert_token(&token("w-7", "acme", "alice", 100, None))
            .await
            .expect("taken name"));
        let barrier = Arc::new(tokio::sync::Barrier::new(30));
        let tasks: Vec<_> = (0..30)
            .map(|i| {
                let (store, barrier) = (env.store.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    (
                        i,
                        store.commit_grouped(write(&format!("w-{i}"), None)).await,
                    )
                })
            })
            .collect();
        for task in tasks {
            let (i, answer) = task.await.expect("task");
            if i == 7 {
                assert!(matches!(answer, Err(StoreError::Conflict(_))), "{answer:?}");
                // Its record and delivery were not written either.
                assert!(!written(&env, "w-7").await.1);
            } else {
                assert!(answer.expect("write"), "w-{i}");
                assert_eq!(written(&env, &format!("w-{i}")).await, (true, true, true));
            }
        }
    })
    .await;
}

fn signup(name: &str, appid: &str, openid: &str, unionid: Option<&str>) -> GroupedWrite {
    let user = user("acme", name);
    let identity = identity("acme", appid, openid, unionid, name);
    GroupedWrite {
        signup: Some(GroupedSignup {
            event: event("acme", name, appid, openid, "link", "2024-01-04T00:00:00Z"),
            user,
            identity,
        }),
        ..write(&format!("token-{name}"), None)
    }
}

/// A first sign-in's grouped write makes the account (user, identity, link event) with its
/// token and records, unless the person has an account by unionid by then; a name taken
/// since the caller looked is a conflict.
#[tokio::test]
async fn a_grouped_signup_makes_the_account_unless_the_unionid_has_one() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "alice").await;
        let first = signup("wechat-o1", "wxA", "o1", Some("U1"));
        assert!(env.store.commit_grouped(first).await.expect("first"));
        assert!(
            env.store
                .get_user("acme", "wechat-o1")
                .await
                .expect("get")
                .is_some()
        );
        let linked = env
            .store
            .list_wechat_identities("acme", "wechat-o1")
            .await
            .expect("list");
        assert_eq!(linked.len(), 1);
        assert_eq!(linked[0].unionid.as_deref(), Some("U1"));
        let events = env
            .store
            .list_identity_events("acme", "wechat-o1")
            .await
            .expect("events");
        assert_eq!(events.len(), 1);
        assert_eq!(written(&env, "token-wechat-o1").await, (true, true, true));

        // The same person (unionid) from another mini program: not a second account.
        let again = signup("wechat-o2", "wxB", "o2", Some("U1"));
        assert!(!env.store.commit_grouped(again).await.expect("again"));
        assert!(
            env.store
                .get_user("acme", "wechat-o2")
                .await
                .expect("get")
                .is_none()
        );
        assert_eq!(
            written(&env, "token-wechat-o2").await,
            (false, false, false)
        );

        // A user of that name exists by now.
        let taken = signup("alice", "wxA", "o3", None);
        let answer = env.store.commit_grouped(taken).await;
        assert!(matches!(answer, Err(StoreError::Conflict(_))), "{answer:?}");
        assert!(
            env.store
                .list_wechat_identities("acme", "alice")
                .await
                .expect("list")
                .is_empty()
        );
    })
    .await;
}

/// Ten first sign-ins of one person (one unionid) from ten mini programs at once, grouped
/// or not: one account.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_grouped_signups_of_one_unionid_make_one_account() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "alice").await;
        let barrier = Arc::new(tokio::sync::Barrier::new(10));
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let (store, barrier) = (env.store.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    let write = signup(&format!("wechat-p{i}"), &format!("wx{i}"), "p", Some("U9"));
                    store.commit_grouped(write).await.expect("write")
                })
            })
            .collect();
        let mut made = 0;
        for task in tasks {
            made += usize::from(task.await.expect("task"));
        }
        assert_eq!(made, 1);
    })
    .await;
}
