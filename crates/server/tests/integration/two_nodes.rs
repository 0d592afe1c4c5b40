//! Two Ferrodoor servers on one PostgreSQL database, sharing nothing but the database (and
//! the configured origin and secret key, as a deployment behind a load balancer would).

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;
use tokio::net::TcpListener;

use crate::kit::{APP1, Auth, Backend, Kit};

const TOKEN: &str = "/api/login/oauth/access_token";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_on_one_postgres_agree_on_users_codes_and_revocations() {
    let kit = Kit::start_with(Backend::Postgres, |s| {
        s.origin = Some("https://login.example.test".into())
    })
    .await;
    let node_b = ferrodoor::start(
        &kit.settings,
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
    )
    .await
    .unwrap();
    let base_b = format!("http://{}", node_b.addr);
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    let login_at = |base: String, code: String| {
        let client_id = client_id.clone();
        let http = kit.http.clone();
        async move {
            let form = [
                ("tag", "wechat_miniprogram"),
                ("client_id", client_id.as_str()),
                ("code", code.as_str()),
            ];
            Kit::answer(
                http.post(format!("{base}{TOKEN}"))
                    .form(&form)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };

    // Forty concurrent first logins of one person, spread over both nodes: one user.
    let logins = (0..40).map(|i| {
        let base = if i % 2 == 0 {
            kit.base.clone()
        } else {
            base_b.clone()
        };
        login_at(base, kit.wx_login(APP1.0, "nina"))
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
        login_at(kit.base.clone(), code.clone()),
        login_at(base_b.clone(), code),
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
