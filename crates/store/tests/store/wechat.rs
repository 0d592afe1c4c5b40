//! `find_user_by_wechat`: by identity, by unionid, by Casdoor's `wechat` column.

use ferrodoor_core::store::WeChatLookup;

use crate::committed;
use crate::fixtures::*;

fn lookup<'a>(
    organization: &'a str,
    appid: &'a str,
    openid: &'a str,
    unionid: Option<&'a str>,
) -> WeChatLookup<'a> {
    WeChatLookup {
        organization,
        appid,
        openid,
        unionid,
    }
}

async fn found(env: &Env, l: WeChatLookup<'_>) -> Option<String> {
    let from_store = env
        .store
        .find_user_by_wechat(l)
        .await
        .expect("find")
        .map(|u| u.name);
    // The transaction's lookup answers the same.
    let mut tx = env.tx().await;
    let from_tx = tx
        .find_user_by_wechat(l)
        .await
        .expect("find in tx")
        .map(|u| u.name);
    assert_eq!(from_store, from_tx, "Store and StoreTx disagree");
    from_store
}

#[tokio::test]
async fn finds_by_openid_within_the_organization() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "alice").await;
        org_with_user(&env, "other", "olga").await;
        committed!(env, |tx| {
            tx.insert_wechat_identity(&identity("acme", "wxA", "o-1", None, "alice"))
                .await
                .expect("id");
        });
        assert_eq!(
            found(&env, lookup("acme", "wxA", "o-1", None))
                .await
                .as_deref(),
            Some("alice")
        );
        assert_eq!(
            found(&env, lookup("acme", "wxA", "o-1", Some("u-new")))
                .await
                .as_deref(),
            Some("alice")
        );
        // Same openid under another appid or organization is somebody else.
        assert_eq!(found(&env, lookup("acme", "wxB", "o-1", None)).await, None);
        assert_eq!(found(&env, lookup("other", "wxA", "o-1", None)).await, None);
        assert_eq!(found(&env, lookup("acme", "wxA", "o-2", None)).await, None);
    })
    .await;
}

#[tokio::test]
async fn finds_by_unionid_across_two_appids() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "alice").await;
        org_with_user(&env, "other", "olga").await;
        committed!(env, |tx| {
            tx.insert_user(&user("acme", "bob")).await.expect("bob");
            tx.insert_wechat_identity(&identity(
                "acme",
                "wxA",
                "oA-alice",
                Some("u-alice"),
                "alice",
            ))
            .await
            .expect("a");
            tx.insert_wechat_identity(&identity("acme", "wxB", "oB-bob", Some("u-bob"), "bob"))
                .await
                .expect("b");
            tx.insert_wechat_identity(&identity(
                "other",
                "wxA",
                "oA-olga",
                Some("u-alice"),
                "olga",
            ))
            .await
            .expect("o");
        });
        // First login through app B of the person known through app A.
        assert_eq!(
            found(&env, lookup("acme", "wxB", "oB-alice", Some("u-alice")))
                .await
                .as_deref(),
            Some("alice")
        );
        // Without the unionid there is nothing to go by.
        assert_eq!(
            found(&env, lookup("acme", "wxB", "oB-alice", None)).await,
            None
        );
        // The unionid only counts inside the organization.
        assert_eq!(
            found(&env, lookup("other", "wxB", "oB-x", Some("u-alice")))
                .await
                .as_deref(),
            Some("olga")
        );
        assert_eq!(
            found(&env, lookup("nowhere", "wxB", "oB-x", Some("u-alice"))).await,
            None
        );
        // The exact identity wins over a unionid match.
        assert_eq!(
            found(&env, lookup("acme", "wxB", "oB-bob", Some("u-alice")))
                .await
                .as_deref(),
            Some("bob")
        );
    })
    .await;
}

#[tokio::test]
async fn finds_by_casdoor_wechat_column() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "plain").await; // wechat = ''
        let mut by_openid = user("acme", "imported-openid");
        by_openid.wechat = "o-legacy".into();
        let mut by_unionid = user("acme", "imported-unionid");
        by_unionid.wechat = "u-legacy".into();
        committed!(env, |tx| {
            tx.insert_user(&by_openid).await.expect("user");
            tx.insert_user(&by_unionid).await.expect("user");
        });
        assert_eq!(
            found(&env, lookup("acme", "wxA", "o-legacy", None))
                .await
                .as_deref(),
            Some("imported-openid")
        );
        assert_eq!(
            found(&env, lookup("acme", "wxA", "o-new", Some("u-legacy")))
                .await
                .as_deref(),
            Some("imported-unionid")
        );
        // The openid match comes first.
        assert_eq!(
            found(&env, lookup("acme", "wxA", "o-legacy", Some("u-legacy")))
                .await
                .as_deref(),
            Some("imported-openid")
        );
        assert_eq!(
            found(&env, lookup("other", "wxA", "o-legacy", None)).await,
            None
        );
        // A linked identity wins over the column.
        committed!(env, |tx| {
            tx.insert_wechat_identity(&identity("acme", "wxA", "o-legacy", None, "plain"))
                .await
                .expect("id")
        });
        assert_eq!(
            found(&env, lookup("acme", "wxA", "o-legacy", None))
                .await
                .as_deref(),
            Some("plain")
        );
    })
    .await;
}

#[tokio::test]
async fn empty_ids_never_match_users_without_wechat() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "plain").await; // wechat = ''
        committed!(env, |tx| {
            tx.insert_wechat_identity(&identity("acme", "wxA", "o-1", Some(""), "plain"))
                .await
                .expect("id")
        });
        assert_eq!(found(&env, lookup("acme", "wxA", "", None)).await, None);
        assert_eq!(found(&env, lookup("acme", "wxA", "", Some(""))).await, None);
        assert_eq!(
            found(&env, lookup("acme", "wxB", "o-2", Some(""))).await,
            None
        );
    })
    .await;
}

#[tokio::test]
async fn a_transaction_finds_what_it_linked_before_commit() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "alice").await;
        let mut tx = env.tx().await;
        tx.insert_wechat_identity(&identity("acme", "wxA", "o-1", None, "alice"))
            .await
            .expect("id");
        let l = lookup("acme", "wxA", "o-1", None);
        assert_eq!(
            tx.find_user_by_wechat(l)
                .await
                .expect("find")
                .map(|u| u.name)
                .as_deref(),
            Some("alice")
        );
        // Not visible outside until committed.
        assert_eq!(env.store.find_user_by_wechat(l).await.expect("find"), None);
        tx.commit().await.expect("commit");
        assert!(
            env.store
                .find_user_by_wechat(l)
                .await
                .expect("find")
                .is_some()
        );
    })
    .await;
}
