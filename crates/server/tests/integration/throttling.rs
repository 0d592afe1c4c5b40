//! Guessing is throttled: an account freezes after its organization's `failedSigninLimit`
//! wrong passwords (Casdoor's fields and message) on every password path, and each client
//! address has a rate limit on the costly anonymous endpoints.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::kit::{APP1, Answer, Auth, Backend, Kit};
use crate::on_both_backends;

const TOKEN: &str = "/api/login/oauth/access_token";
const REDIRECT: &str = "https://app.example/cb";
const FROZEN: &str = "You have entered the wrong password or code too many times";

/// Organization `acme`, its user `pat` (password `pat-password`) and an application with
/// the password grant and the hosted page; answers the client id.
async fn setup(kit: &Kit, org_fields: serde_json::Value) -> String {
    let mut org = json!({"name": "acme"});
    org.as_object_mut()
        .unwrap()
        .extend(org_fields.as_object().unwrap().clone());
    kit.post("/api/add-organization", org, &kit.admin)
        .await
        .ok();
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "pat", "password": "pat-password"}),
        &kit.admin,
    )
    .await
    .ok();
    let app = kit
        .post(
            "/api/add-application",
            json!({"name": "web", "organization": "acme", "redirectUris": [REDIRECT], "grantTypes": ["authorization_code", "password"]}),
            &kit.admin,
        )
        .await;
    app.body["data2"]["clientId"].as_str().unwrap().to_string()
}

async fn console_sign_in(kit: &Kit, password: &str) -> Answer {
    kit.post(
        "/api/login",
        json!({"organization": "acme", "username": "pat", "password": password, "type": "login"}),
        &Auth::None,
    )
    .await
}

async fn password_grant(kit: &Kit, client_id: &str, password: &str) -> Answer {
    kit.post_form(
        TOKEN,
        &[
            ("grant_type", "password"),
            ("client_id", client_id),
            ("username", "pat"),
            ("password", password),
        ],
    )
    .await
}

async fn hosted_page(kit: &Kit, client_id: &str, password: &str) -> reqwest::Response {
    let form = [
        ("client_id", client_id),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("username", "pat"),
        ("password", password),
    ];
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(kit.url("/login/oauth/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> u64 {
    headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds")
}

async fn wrong_times(kit: &Kit) -> i64 {
    kit.get("/api/get-user?id=acme/pat", &kit.admin).await.ok()["signinWrongTimes"]
        .as_i64()
        .unwrap()
}

on_both_backends!(five_wrong_passwords_freeze_every_password_path, |kit| {
    let client_id = setup(kit, json!({})).await;
    // Casdoor's default: 5 attempts, then 15 minutes.
    for _ in 0..5 {
        console_sign_in(kit, "wrong").await.error(401);
    }
    assert_eq!(wrong_times(kit).await, 5);
    let user = kit.get("/api/get-user?id=acme/pat", &kit.admin).await;
    assert!(
        !user.ok()["lastSigninWrongTime"]
            .as_str()
            .unwrap()
            .is_empty()
    );
    // Now the right password is not even checked, on any path.
    let res = kit
        .http
        .post(kit.url("/api/login"))
        .json(&json!({"organization": "acme", "username": "pat", "password": "pat-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(res.headers());
    assert!((840..=900).contains(&wait), "Retry-After {wait}");
    let answer = Kit::answer(res).await;
    assert!(
        answer.body["msg"].as_str().unwrap().starts_with(FROZEN),
        "{}",
        answer.text
    );
    assert!(answer.text.contains("15 minutes"), "{}", answer.text);

    let grant = password_grant(kit, &client_id, "pat-password").await;
    assert_eq!(
        grant.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        grant.text
    );
    assert_eq!(grant.body["error"], "temporarily_unavailable");
    assert!(
        grant.body["error_description"]
            .as_str()
            .unwrap()
            .starts_with(FROZEN)
    );

    let page = hosted_page(kit, &client_id, "pat-password").await;
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(page.headers()) > 0);
    assert!(page.text().await.unwrap().contains(FROZEN));
    // Refused attempts are not counted again.
    assert_eq!(wrong_times(kit).await, 5);

    // An administrator unfreezes the account; a good password starts the count again.
    kit.post(
        "/api/update-user?id=acme/pat",
        json!({"owner": "acme", "name": "pat", "signinWrongTimes": 0}),
        &kit.admin,
    )
    .await
    .ok();
    for _ in 0..4 {
        password_grant(kit, &client_id, "wrong").await.error(400);
    }
    assert_eq!(wrong_times(kit).await, 4);
    let location = hosted_page(kit, &client_id, "pat-password").await;
    assert!(location.status().is_redirection(), "{}", location.status());
    assert_eq!(wrong_times(kit).await, 0);
    let user = kit.get("/api/get-user?id=acme/pat", &kit.admin).await;
    assert_eq!(user.ok()["lastSigninWrongTime"], "");
    for _ in 0..4 {
        console_sign_in(kit, "wrong").await.error(401);
    }
    console_sign_in(kit, "pat-password").await.ok();
});

on_both_backends!(the_organization_sets_the_limit_and_the_time, |kit| {
    let client_id = setup(
        kit,
        json!({"failedSigninLimit": 2, "failedSigninFrozenTime": 1}),
    )
    .await;
    let org = kit
        .get("/api/get-organization?id=admin/acme", &kit.admin)
        .await;
    assert_eq!(org.ok()["failedSigninLimit"], 2);
    assert_eq!(org.ok()["failedSigninFrozenTime"], 1);
    for _ in 0..2 {
        password_grant(kit, &client_id, "wrong").await.error(400);
    }
    let res = kit
        .http
        .post(kit.url(TOKEN))
        .form(&[
            ("grant_type", "password"),
            ("client_id", client_id.as_str()),
            ("username", "pat"),
            ("password", "pat-password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!((1..=60).contains(&retry_after(res.headers())));
    // Negative values are refused.
    let bad = kit
        .post(
            "/api/update-organization?id=admin/acme",
            json!({"owner": "admin", "name": "acme", "failedSigninLimit": -1}),
            &kit.admin,
        )
        .await;
    bad.error(400);
});

on_both_backends!(concurrent_wrong_guesses_are_all_counted, |kit| {
    setup(kit, json!({})).await;
    let guesses = (0..60).map(|i| {
        let kit = &kit;
        async move { console_sign_in(kit, &format!("guess-{i}")).await.status }
    });
    let statuses = join_all(guesses).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    println!("60 concurrent wrong passwords: {checked} checked (401), {refused} refused (429)");
    assert_eq!((checked, refused), (5, 55), "{statuses:?}");
    assert_eq!(wrong_times(kit).await, 5);
});

on_both_backends!(a_frozen_password_never_blocks_wechat_login, |kit| {
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    let first = kit
        .miniprogram_login(TOKEN, &client_id, &kit.wx_login(APP1.0, "wei"), "", "")
        .await;
    first.ok_status();
    let me = kit
        .get(
            "/api/get-account",
            &Auth::Bearer(first.body["access_token"].as_str().unwrap().into()),
        )
        .await;
    let name = me.ok()["name"].as_str().unwrap().to_string();
    kit.post(
        &format!("/api/update-user?id=test/{name}"),
        json!({"owner": "test", "name": name, "password": "wei-password"}),
        &kit.admin,
    )
    .await
    .ok();
    for _ in 0..5 {
        kit.post(
            "/api/login",
            json!({"organization": "test", "username": name, "password": "wrong"}),
            &Auth::None,
        )
        .await
        .error(401);
    }
    kit.post(
        "/api/login",
        json!({"organization": "test", "username": name, "password": "wei-password"}),
        &Auth::None,
    )
    .await
    .error(429);
    let again = kit
        .miniprogram_login(TOKEN, &client_id, &kit.wx_login(APP1.0, "wei"), "", "")
        .await;
    again.ok_status();
});

/// The per-client limit: a burst of 3, then 1 request a minute. Random codes from one
/// address reach WeChat 3 times, not 20.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_address_cannot_burn_the_wechat_quota() {
    let kit = Kit::start_with(Backend::Sqlite, |s| {
        s.rate_limit_per_minute = 1;
        s.rate_limit_burst = 3;
    })
    .await
    .unwrap();
    // The kit signed in as admin once (limited too): 2 requests of the burst are left.
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    let before = kit.emulator.stats().jscode2session_calls;
    let mut statuses = Vec::new();
    let mut wait = 0;
    for i in 0..20 {
        let res = kit
            .http
            .post(kit.url(TOKEN))
            .form(&[
                ("tag", "wechat_miniprogram"),
                ("client_id", client_id.as_str()),
                ("code", format!("random-code-{i}").as_str()),
            ])
            .send()
            .await
            .unwrap();
        if res.status() == StatusCode::TOO_MANY_REQUESTS {
            wait = retry_after(res.headers());
        }
        statuses.push(res.status());
    }
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    let calls = kit.emulator.stats().jscode2session_calls - before;
    println!("20 random codes from one address: {calls} reached WeChat, {limited} answered 429");
    assert_eq!(limited, 18, "{statuses:?}");
    assert_eq!(calls, 2);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    // A forged X-Forwarded-For from a peer that is not a trusted proxy changes nothing.
    let forged = kit
        .http
        .post(kit.url("/api/login"))
        .header("x-forwarded-for", "203.0.113.50")
        .json(&json!({"organization": "built-in", "username": "admin", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS);
    // Endpoints that cost nothing are not limited.
    kit.get("/api/health", &Auth::None).await.ok();
    kit.get("/.well-known/openid-configuration", &Auth::None)
        .await
        .ok_status();
    kit.stop().await;
}

/// Behind a trusted proxy the client is the address it forwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn clients_behind_a_trusted_proxy_are_told_apart() {
    let kit = Kit::start_with(Backend::Sqlite, |s| {
        s.rate_limit_per_minute = 1;
        s.rate_limit_burst = 1;
        s.trusted_proxies = "127.0.0.1".into();
    })
    .await
    .unwrap();
    let sign_in = |client: &'static str| {
        kit.http
            .post(kit.url("/api/login"))
            .header("x-forwarded-for", client)
            .json(&json!({"organization": "built-in", "username": "nobody", "password": "x"}))
            .send()
    };
    assert_eq!(
        sign_in("198.51.100.1").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in("198.51.100.1").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in("198.51.100.2").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    kit.stop().await;
}
