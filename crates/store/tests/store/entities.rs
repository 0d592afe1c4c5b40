//! Round trips of every entity, JSON columns included.

use ferrodoor_core::entity::{Cert, Provider, ProviderItem};
use ferrodoor_core::store::ListQuery;

use crate::committed;
use crate::fixtures::*;

#[tokio::test]
async fn organization_round_trip() {
    on_both(|env| async move {
        let mut o = org("acme");
        committed!(env, |tx| tx.insert_organization(&o).await.expect("insert"));
        assert_eq!(
            env.store.get_organization("acme").await.expect("get"),
            Some(o.clone())
        );

        o.display_name = "ACME Corp".into();
        o.default_application = "app-acme".into();
        assert!(committed!(env, |tx| tx
            .update_organization(&o)
            .await
            .expect("update")));
        assert_eq!(
            env.store.get_organization("acme").await.expect("get"),
            Some(o.clone())
        );
        assert!(!committed!(env, |tx| tx
            .update_organization(&org("nobody"))
            .await
            .expect("update")));

        assert!(committed!(env, |tx| tx
            .delete_organization("acme")
            .await
            .expect("delete")));
        assert_eq!(env.store.get_organization("acme").await.expect("get"), None);
        assert!(!committed!(env, |tx| tx
            .delete_organization("acme")
            .await
            .expect("delete")));
    })
    .await;
}

#[tokio::test]
async fn application_round_trip_with_json_fields() {
    on_both(|env| async move {
        let mut a = app("app-acme", "acme", "cid-acme");
        // The resolved provider is filled in on read by the core: never stored.
        a.providers[0].provider = Some(Provider {
            name: "wx".into(),
            ..Default::default()
        });
        committed!(env, |tx| {
            tx.insert_organization(&org("acme")).await.expect("org");
            tx.insert_application(&a).await.expect("insert");
        });
        let mut expected = a.clone();
        expected.providers[0].provider = None;
        assert_eq!(
            env.store.get_application("app-acme").await.expect("get"),
            Some(expected.clone())
        );
        assert_eq!(
            env.store
                .get_application_by_client_id("cid-acme")
                .await
                .expect("get"),
            Some(expected.clone())
        );
        assert_eq!(
            env.store
                .get_application_by_client_id("nope")
                .await
                .expect("get"),
            None
        );

        a.providers[0].provider = None;
        a.redirect_uris = vec![];
        a.grant_types
            .push("urn:ietf:params:oauth:grant-type:jwt-bearer".into());
        a.providers.push(ProviderItem {
            owner: "acme".into(),
            name: "sms".into(),
            ..Default::default()
        });
        a.enable_sign_up = false;
        a.expire_in_hours = 0.25;
        assert!(committed!(env, |tx| tx
            .update_application(&a)
            .await
            .expect("update")));
        assert_eq!(
            env.store.get_application("app-acme").await.expect("get"),
            Some(a.clone())
        );

        assert!(committed!(env, |tx| tx
            .delete_application("app-acme")
            .await
            .expect("delete")));
        assert_eq!(
            env.store.get_application("app-acme").await.expect("get"),
            None
        );
        assert!(!committed!(env, |tx| tx
            .delete_application("app-acme")
            .await
            .expect("delete")));
    })
    .await;
}

#[tokio::test]
async fn provider_round_trip() {
    on_both(|env| async move {
        let mut p = Provider {
            owner: "admin".into(),
            name: "wx-mini".into(),
            created_time: "2024-01-01T00:00:00Z".into(),
            display_name: "Mini program".into(),
            category: "OAuth".into(),
            type_: "WeChatMiniProgram".into(),
            sub_type: "".into(),
            client_id: "wx1234".into(),
            client_secret: "app-secret".into(),
            client_id2: "".into(),
            client_secret2: "".into(),
            provider_url: "https://mp.weixin.qq.com".into(),
        };
        committed!(env, |tx| tx.insert_provider(&p).await.expect("insert"));
        assert_eq!(
            env.store.get_provider("wx-mini").await.expect("get"),
            Some(p.clone())
        );
        p.client_secret = "rotated".into();
        p.sub_type = "Mini Program".into();
        assert!(committed!(env, |tx| tx
            .update_provider(&p)
            .await
            .expect("update")));
        assert_eq!(
            env.store.get_provider("wx-mini").await.expect("get"),
            Some(p.clone())
        );
        assert!(committed!(env, |tx| tx
            .delete_provider("wx-mini")
            .await
            .expect("delete")));
        assert_eq!(env.store.get_provider("wx-mini").await.expect("get"), None);
        assert!(!committed!(env, |tx| tx
            .update_provider(&p)
            .await
            .expect("update")));
    })
    .await;
}

#[tokio::test]
async fn user_round_trip_with_properties_and_password_hash() {
    on_both(|env| async move {
        let mut u = org_with_user(&env, "acme", "alice").await;
        let stored = env
            .store
            .get_user("acme", "alice")
            .await
            .expect("get")
            .expect("found");
        assert_eq!(stored, u);
        assert_eq!(
            env.store.get_user_by_id(&u.id).await.expect("get"),
            Some(u.clone())
        );
        assert_eq!(env.store.get_user("acme", "bob").await.expect("get"), None);
        assert_eq!(
            env.store.get_user("other", "alice").await.expect("get"),
            None
        );

        // The plaintext is input only: never stored.
        u.password = "plaintext".into();
        u.password_hash = None;
        u.is_admin = true;
        u.is_forbidden = true;
        u.wechat = "o-openid".into();
        u.properties.insert("new".into(), "".into());
        u.properties.remove("level");
        assert!(committed!(env, |tx| tx
            .update_user(&u)
            .await
            .expect("update")));
        let stored = env
            .store
            .get_user("acme", "alice")
            .await
            .expect("get")
            .expect("found");
        assert_eq!(stored.password, "");
        u.password = String::new();
        assert_eq!(stored, u);

        let mut ghost = user("acme", "ghost");
        ghost.id = "ghost-id".into();
        assert!(!committed!(env, |tx| tx
            .update_user(&ghost)
            .await
            .expect("update")));
    })
    .await;
}

#[tokio::test]
async fn user_read_for_update_in_transaction() {
    on_both(|env| async move {
        let u = org_with_user(&env, "acme", "alice").await;
        let mut tx = env.tx().await;
        assert_eq!(
            tx.get_user_for_update("acme", "alice").await.expect("get"),
            Some(u)
        );
        assert_eq!(
            tx.get_user_for_update("acme", "nobody").await.expect("get"),
            None
        );
        tx.commit().await.expect("commit");
    })
    .await;
}

#[tokio::test]
async fn cert_round_trip() {
    on_both(|env| async move {
        let mut c = Cert {
            owner: "admin".into(),
            name: "cert-built-in".into(),
            created_time: "2024-01-01T00:00:00Z".into(),
            display_name: "Built-in".into(),
            scope: "JWT".into(),
            type_: "x509".into(),
            crypto_algorithm: "RS256".into(),
            bit_size: 4096,
            expire_in_years: 20,
            certificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".into(),
            private_key: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n".into(),
        };
        let mut second = c.clone();
        second.name = "cert-2".into();
        second.created_time = "2024-02-01T00:00:00Z".into();
        committed!(env, |tx| {
            tx.insert_cert(&second).await.expect("insert");
            tx.insert_cert(&c).await.expect("insert");
        });
        assert_eq!(
            env.store.get_cert("cert-built-in").await.expect("get"),
            Some(c.clone())
        );
        assert_eq!(
            env.store.list_certs().await.expect("list"),
            vec![c.clone(), second.clone()]
        );
        c.bit_size = 2048;
        c.private_key = "rotated".into();
        assert!(committed!(env, |tx| tx
            .update_cert(&c)
            .await
            .expect("update")));
        assert_eq!(
            env.store.get_cert("cert-built-in").await.expect("get"),
            Some(c)
        );
        assert_eq!(env.store.get_cert("nope").await.expect("get"), None);
    })
    .await;
}

#[tokio::test]
async fn token_and_session_round_trip() {
    on_both(|env| async move {
        let t = token("jti-1", "acme", "alice", 2_000, Some(("rhash-1", 9_000)));
        let cc = token("jti-cc", "acme", "", 2_000, None);
        let s = session("sid-hash", "acme", "alice", 5_000);
        committed!(env, |tx| {
            tx.insert_token(&t).await.expect("token");
            tx.insert_token(&cc)
                .await
                .expect("client-credentials token");
            tx.insert_session(&s).await.expect("session");
        });
        assert_eq!(
            env.store.get_token("jti-1").await.expect("get"),
            Some(t.clone())
        );
        assert_eq!(env.store.get_token("jti-cc").await.expect("get"), Some(cc));
        assert_eq!(
            env.store
                .get_token_by_refresh_hash("rhash-1")
                .await
                .expect("get"),
            Some(t)
        );
        assert_eq!(
            env.store
                .get_token_by_refresh_hash("other")
                .await
                .expect("get"),
            None
        );
        assert_eq!(
            env.store.get_session("sid-hash").await.expect("get"),
            Some(s)
        );
        assert!(committed!(env, |tx| tx
            .delete_session("sid-hash")
            .await
            .expect("delete")));
        assert_eq!(env.store.get_session("sid-hash").await.expect("get"), None);
        assert!(!committed!(env, |tx| tx
            .delete_session("sid-hash")
            .await
            .expect("delete")));
    })
    .await;
}

#[tokio::test]
async fn wechat_identity_list_and_touch() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "alice").await;
        let a = identity("acme", "wxA", "oA", None, "alice");
        let mut b = identity("acme", "wxB", "oB", Some("u-1"), "alice");
        b.created_time = "2024-01-05T00:00:00Z".into();
        committed!(env, |tx| {
            tx.insert_wechat_identity(&b).await.expect("b");
            tx.insert_wechat_identity(&a).await.expect("a");
        });
        assert_eq!(
            env.store
                .list_wechat_identities("acme", "alice")
                .await
                .expect("list"),
            vec![a.clone(), b.clone()]
        );
        assert_eq!(
            env.store
                .list_wechat_identities("acme", "bob")
                .await
                .expect("list"),
            vec![]
        );

        // A unionid that appeared since is recorded; a login without one keeps it.
        let mut touched = a.clone();
        touched.unionid = Some("u-1".into());
        touched.updated_time = "2024-03-01T00:00:00Z".into();
        assert!(committed!(env, |tx| tx
            .touch_wechat_identity(&touched)
            .await
            .expect("touch")));
        let mut again = touched.clone();
        again.unionid = None;
        again.updated_time = "2024-04-01T00:00:00Z".into();
        assert!(committed!(env, |tx| tx
            .touch_wechat_identity(&again)
            .await
            .expect("touch")));
        let listed = env
            .store
            .list_wechat_identities("acme", "alice")
            .await
            .expect("list");
        assert_eq!(listed[0].unionid.as_deref(), Some("u-1"));
        assert_eq!(listed[0].updated_time, "2024-04-01T00:00:00Z");
        assert_eq!(listed[0].created_time, a.created_time);

        let unknown = identity("acme", "wxC", "oC", None, "alice");
        assert!(!committed!(env, |tx| tx
            .touch_wechat_identity(&unknown)
            .await
            .expect("touch")));
        // Reads through the list API still work for every table (smoke).
        assert_eq!(
            env.store
                .list_organizations(&ListQuery::default())
                .await
                .expect("list")
                .total,
            1
        );
    })
    .await;
}
