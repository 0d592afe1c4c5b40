//! Two Ferrodoor servers on one PostgreSQL database, sharing nothing but the database (and
//! the configured origin and secret key, as a deployment behind a load balancer would).

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;
use tokio::net::TcpListener;

use crate::kit::{APP1, Answer, Auth, Backend, Kit};

const TOKEN: &str = "/api/login/oauth/access_token";

/// Node A (the kit's server, on a fresh PostgreSQL database) and node B, started with the
/// same settings: the same database, origin and secret key. `None`: PostgreSQL is skipped.
async fn two_nodes() -> Option<(Kit, ferrodoor::RunningServer)> {
    let kit = Kit::start_with(Backend::Postgres, |s| {
        s.origin = Some("https://login.example.test".into())
    })
    .await?;
    let node_b = ferrodoor::start(
        &kit.settings,
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
    )
    .await
    .unwrap();
    Some((kit, node_b))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_postgres_agree_on_users_codes_and_revocations() {
    let Some((kit, node_b)) = two_nodes().await else {
        return;
    };
    let base_b = format!("http://{}", node_b.addr);
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    // Forty concurrent first logins of one person, spread over both nodes: one user.
    let (k, id) = (&kit, client_id.as_str());
    let logins = (0..40).map(|i| {
        let base = if i % 2 == 0 {
            kit.base.clone()
        } else {
            base_b.clone()
        };
        let code = kit.wx_login(APP1.0, "nina");
        async move { login_at(k, &base, id, &code).await }
    });
    let answers = join_all(logins).await;
    for a in &answers {
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    }
    assert_eq!(kit.user_count("test").await, 1);

    // One code sent to both nodes at once reaches WeChat once.
    let calls_before = kit.emulator.stats().jscode2session_calls;
    let code = kit.wx_login(APP1.0, "nina");
    let both = join_all([
        login_at(&kit, &kit.base, &client_id, &code),
        login_at(&kit, &base_b, &client_id, &code),
    ])
    .await;
    let ok = both.iter().filter(|a| a.status == StatusCode::OK).count();
    assert_eq!(ok, 1, "{} / {}", both[0].text, both[1].text);
    assert_eq!(kit.emulator.stats().jscode2session_calls, calls_before + 1);

    // A token issued by node A works on node B; a revocation on node B is seen by node A.
    let token = answers[0].body["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let on_b = Kit::answer(
        kit.http
            .get(format!("{base_b}/api/get-account"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(on_b.ok()["owner"], "test");
    let Auth::Cookie(cookie) = &kit.admin else {
        panic!("admin signs in with a cookie")
    };
    let user = on_b.body["data"]["name"].as_str().unwrap().to_string();
    let revoked = Kit::answer(
        kit.http
            .post(format!("{base_b}/api/revoke-user-tokens?id=test/{user}"))
            .header("cookie", cookie)
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        revoked.ok(),
        41,
        "every login of the person had a live token"
    );
    kit.get("/api/get-account", &Auth::Bearer(token))
        .await
        .error(401);
    node_b.stop().await.unwrap();
    kit.stop().await;
}

/// The seed's mini-program login on node `base`.
async fn login_at(kit: &Kit, base: &str, client_id: &str, code: &str) -> Answer {
    post_login(
        kit,
        base,
        &[
            ("tag", "wechat_miniprogram"),
            ("client_id", client_id),
            ("code", code),
        ],
    )
    .await
}

async fn post_login(kit: &Kit, base: &str, form: &[(&str, &str)]) -> Answer {
    Kit::answer(
        kit.http
            .post(format!("{base}{TOKEN}"))
            .form(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// A phone login on node `base`: the phone number needs the app's access token.
async fn phone_login_at(kit: &Kit, base: &str, client_id: &str, person: &str) -> Answer {
    let code = kit.wx_login(APP1.0, person);
    let phone_code = kit
        .emulator
        .phone_code(APP1.0, person, "13800138000")
        .unwrap();
    let form = [
        ("tag", "wechat_miniprogram"),
        ("client_id", client_id),
        ("code", code.as_str()),
        ("phone_code", phone_code.as_str()),
    ];
    post_login(kit, base, &form).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_fetch_the_wechat_access_token_once_between_them() {
    let Some((kit, node_b)) = two_nodes().await else {
        return;
    };
    let bases = [kit.base.clone(), format!("http://{}", node_b.addr)];
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    let round = |tag: &'static str| {
        let (bases, client_id, kit) = (&bases, &client_id, &kit);
        async move {
            let logins = (0..16).map(|i| {
                let person = format!("{tag}{i}");
                async move { phone_login_at(kit, &bases[i % 2], client_id, &person).await }
            });
            for a in join_all(logins).await {
                assert_eq!(a.status, StatusCode::OK, "{}", a.text);
            }
        }
    };

    round("p").await;
    let stats = kit.emulator.stats();
    assert_eq!(stats.phone_calls, 16);
    assert_eq!(stats.stable_token_calls, 1, "one fetch for both nodes");

    // The token is kept sealed, under the version of the one fetch.
    let stored = kit
        .db
        .as_ref()
        .unwrap()
        .store()
        .get_wechat_access_token(APP1.0)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.version, 1);
    let sealer = ferrodoor_core::seal::Sealer::new(&secret_key(&kit)).unwrap();
    let token = sealer
        .open(stored.token_sealed.as_deref().unwrap())
        .unwrap();
    assert!(!stored.token_sealed.unwrap().contains(&token));

    // WeChat's clock passes the token's expiry: both nodes get 42001, one refetches.
    kit.emulator
        .advance_clock(std::time::Duration::from_secs(3 * 3600));
    round("q").await;
    let stats = kit.emulator.stats();
    assert_eq!(stats.stable_token_calls, 2, "one refetch for both nodes");
    assert_eq!(stats.stable_token_minted, 2);

    // Someone force-refreshes the token elsewhere: both nodes get 40001, one refetches.
    ferrodoor_wechat::WeChatClient::new(&kit.settings.wechat_api_base)
        .unwrap()
        .stable_token(APP1.0, APP1.1, true)
        .await
        .unwrap();
    round("r").await;
    let stats = kit.emulator.stats();
    assert_eq!(
        stats.stable_token_calls, 4,
        "the forced call and one refetch"
    );
    assert_eq!(stats.stable_token_minted, 3);
    node_b.stop().await.unwrap();
    kit.stop().await;
}

/// Enforcers are cached per node; every enforce compares the database's authorization
/// version first, so a grant changed through node A is seen by the very next enforce on
/// node B (bound: zero, for one single-row read per enforce).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_grant_changed_on_one_node_is_seen_by_the_next_enforce_on_the_other() {
    let Some((kit, node_b)) = two_nodes().await else {
        return;
    };
    let base_b = format!("http://{}", node_b.addr);
    let app = crate::authz::org_with_app(&kit, "acme", &["alice"]).await;
    kit.post(
        "/api/add-permission",
        json!({"owner": "acme", "name": "p", "users": ["acme/alice"], "resources": ["doc"], "actions": ["read"]}),
        &app,
    )
    .await
    .ok();
    let enforce_at = |base: String| {
        let kit = &kit;
        let app = &app;
        async move {
            kit.post_at(
                &base,
                "/api/enforce?permissionId=acme/p",
                json!(["acme/alice", "doc", "read"]),
                app,
            )
            .await
            .ok()
            .clone()
        }
    };
    // Node B builds and caches its enforcer.
    assert_eq!(enforce_at(base_b.clone()).await, json!([true]));
    assert_eq!(enforce_at(base_b.clone()).await, json!([true]));
    for (users, expect) in [
        (json!([]), json!([false])),
        (json!(["acme/alice"]), json!([true])),
    ] {
        kit.post(
            "/api/update-permission?id=acme/p",
            json!({"users": users}),
            &app,
        )
        .await
        .ok();
        assert_eq!(enforce_at(base_b.clone()).await, expect);
        assert_eq!(enforce_at(kit.base.clone()).await, expect);
    }
    node_b.stop().await.unwrap();
    kit.stop().await;
}

/// Applications, providers and organizations are cached per node; every request that uses
/// them compares the database's config version first, so a change made through node A is
/// seen by the very next request on node B (bound: zero, for one single-row read).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_application_changed_on_one_node_is_seen_by_the_next_login_on_the_other() {
    let Some((kit, node_b)) = two_nodes().await else {
        return;
    };
    let base_b = format!("http://{}", node_b.addr);
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    let login_b = |person: &str| {
        let code = kit.wx_login(APP1.0, person);
        let (kit, base_b, client_id) = (&kit, &base_b, &client_id);
        async move { login_at(kit, base_b, client_id, &code).await }
    };
    let update_app = |body: serde_json::Value| {
        let kit = &kit;
        async move {
            kit.post(
                "/api/update-application?id=admin/app-mini",
                body,
                &kit.admin,
            )
            .await
            .ok();
        }
    };
    // Node B reads and keeps the application, its provider and its organization.
    assert!(login_b("ann").await.body["access_token"].is_string());
    assert!(login_b("ann").await.body["access_token"].is_string());

    update_app(json!({"providers": []})).await;
    let refused = login_b("ann").await.error(400);
    assert!(refused.contains("WeChatMiniProgram"), "{refused}");

    update_app(json!({"providers": [{"owner": "admin", "name": "provider-app-mini", "canSignUp": false, "canSignIn": true}]})).await;
    let refused = login_b("bob").await.error(400);
    assert!(refused.contains("signing up"), "{refused}");
    assert!(login_b("ann").await.body["access_token"].is_string());

    // The provider's AppSecret changes on node A: node B sends the new one to WeChat,
    // which refuses it (the emulator knows the old one only).
    kit.post(
        "/api/update-provider?id=admin/provider-app-mini",
        json!({"clientSecret": "not-the-appsecret"}),
        &kit.admin,
    )
    .await
    .ok();
    assert_ne!(login_b("ann").await.status, StatusCode::OK);
    node_b.stop().await.unwrap();
    kit.stop().await;
}

/// A token verifies on every node while its certificate exists; deleted on node A, the
/// certificate stops verifying on node B within the config version's age (one second).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_certificate_deleted_on_one_node_stops_verifying_on_the_other() {
    let Some((kit, node_b)) = two_nodes().await else {
        return;
    };
    let base_b = format!("http://{}", node_b.addr);
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    let cert = json!({"owner": "admin", "name": "cert-old", "displayName": "old", "cryptoAlgorithm": "RS256", "privateKey": ""});
    kit.post("/api/add-cert", cert, &kit.admin).await.ok();
    let use_cert = |name: &'static str| {
        let kit = &kit;
        async move {
            kit.post(
                "/api/update-application?id=admin/app-mini",
                json!({"cert": name}),
                &kit.admin,
            )
            .await
            .ok();
        }
    };
    use_cert("cert-old").await;
    let code = kit.wx_login(APP1.0, "ann");
    let login = kit
        .miniprogram_login(TOKEN, &client_id, &code, "", "")
        .await;
    let token = login.body["access_token"].as_str().unwrap().to_string();
    let account_at_b = || {
        let request = kit
            .http
            .get(format!("{base_b}/api/get-account"))
            .bearer_auth(&token);
        async move { request.send().await.unwrap().status() }
    };
    assert_eq!(account_at_b().await, StatusCode::OK);

    use_cert("cert-built-in").await;
    kit.post("/api/delete-cert?id=admin/cert-old", json!({}), &kit.admin)
        .await
        .ok();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(account_at_b().await, StatusCode::UNAUTHORIZED);
    node_b.stop().await.unwrap();
    kit.stop().await;
}

fn secret_key(kit: &Kit) -> [u8; 32] {
    kit.settings.resolve_secret_key().unwrap()
}
