//! Every write to an object nodes keep in memory (organization, application, provider,
//! certificate, webhook) moves `config_version` in its own transaction; other writes and
//! rolled-back ones do not. The nodes' caches are only as fresh as this.

use ferrodoor_core::entity::{Cert, Provider, Webhook};

use crate::fixtures::*;
use crate::{committed, rolled_back};

async fn version(env: &Env) -> i64 {
    env.store.versions().await.expect("versions").config
}

/// Asserts that what the body committed moved the version.
macro_rules! moves {
    ($env:expr, $what:literal, |$tx:ident| $body:expr) => {{
        let before = version(&$env).await;
        committed!($env, |$tx| $body);
        assert!(
            version(&$env).await > before,
            "{} did not move the config version",
            $what
        );
    }};
}

#[tokio::test]
async fn every_write_to_a_cached_object_moves_the_version() {
    on_both(|env| async move {
        let mut o = org("acme");
        moves!(env, "insert_organization", |tx| tx
            .insert_organization(&o)
            .await
            .expect("org"));
        o.display_name = "ACME".into();
        moves!(env, "update_organization", |tx| tx
            .update_organization(&o)
            .await
            .expect("org"));

        let mut a = app("app-acme", "acme", "cid-acme");
        moves!(env, "insert_application", |tx| tx
            .insert_application(&a)
            .await
            .expect("app"));
        a.client_secret = "rotated".into();
        moves!(env, "update_application", |tx| tx
            .update_application(&a)
            .await
            .expect("app"));

        let mut p = Provider {
            owner: "admin".into(),
            name: "wx".into(),
            type_: "WeChatMiniProgram".into(),
            ..Default::default()
        };
        moves!(env, "insert_provider", |tx| tx
            .insert_provider(&p)
            .await
            .expect("provider"));
        p.client_secret = "new-appsecret".into();
        moves!(env, "update_provider", |tx| tx
            .update_provider(&p)
            .await
            .expect("provider"));

        let mut c = Cert {
            owner: "admin".into(),
            name: "cert-x".into(),
            crypto_algorithm: "RS256".into(),
            ..Default::default()
        };
        moves!(env, "insert_cert", |tx| tx
            .insert_cert(&c)
            .await
            .expect("cert"));
        c.display_name = "X".into();
        moves!(env, "update_cert", |tx| tx
            .update_cert(&c)
            .await
            .expect("cert"));

        let mut w = Webhook {
            owner: "admin".into(),
            name: "hook".into(),
            organization: "acme".into(),
            ..Default::default()
        };
        moves!(env, "insert_webhook", |tx| tx
            .insert_webhook(&w)
            .await
            .expect("webhook"));
        w.url = "https://example.test/hook".into();
        moves!(env, "update_webhook", |tx| tx
            .update_webhook(&w)
            .await
            .expect("webhook"));

        // A write to anything else, and a rolled-back write, leave it.
        let before = version(&env).await;
        committed!(env, |tx| tx
            .insert_user(&user("acme", "alice"))
            .await
            .expect("user"));
        rolled_back!(env, |tx| tx.update_application(&a).await.expect("app"));
        assert_eq!(version(&env).await, before);

        moves!(env, "delete_webhook", |tx| tx
            .delete_webhook("admin", "hook")
            .await
            .expect("webhook"));
        moves!(env, "delete_cert", |tx| tx
            .delete_cert("cert-x")
            .await
            .expect("cert"));
        moves!(env, "delete_provider", |tx| tx
            .delete_provider("wx")
            .await
            .expect("provider"));
        moves!(env, "delete_application", |tx| tx
            .delete_application("app-acme")
            .await
            .expect("app"));
        committed!(env, |tx| tx
            .delete_user("acme", "alice")
            .await
            .expect("user"));
        moves!(env, "delete_organization", |tx| tx
            .delete_organization("acme")
            .await
            .expect("org"));
    })
    .await;
}
