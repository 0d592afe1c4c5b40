//! Four times as many concurrent requests as PostgreSQL's pool has connections (16), of
//! every kind that writes. A use case holds at most one connection at a time (it reads
//! through its transaction), so every request succeeds and none waits for the acquire
//! timeout — set short here, so a regression fails in seconds with 503s rather than slowly.

use std::future::Future;
use std::time::{Duration, Instant};

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::kit::{APP1, Answer, Auth, Backend, Kit};
use crate::oidc::{REDIRECT, VERIFIER, challenge, no_redirects, query_param};
use crate::wechat_accounts::phone_login;

/// 4 × the PostgreSQL pool.
const CONCURRENT: usize = 64;
const ACQUIRE_TIMEOUT_MS: u64 = 2_000;
const TOKEN: &str = "/api/login/oauth/access_token";

/// Runs `CONCURRENT` requests at once and answers what each gave back; prints the tally
/// (the figures in the closing note) and records every failure in `failures`.
async fn at_once<F, Fut, R>(
    backend: Backend,
    failures: &std::sync::Mutex<Vec<String>>,
    kind: &str,
    request: F,
) -> Vec<R>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = (StatusCode, String, R)>,
{
    let started = Instant::now();
    let answers = join_all((0..CONCURRENT).map(request)).await;
    let took = started.elapsed();
    let succeeded = |s: StatusCode| s.is_success() || s == StatusCode::SEE_OTHER;
    let ok = answers.iter().filter(|(s, _, _)| succeeded(*s)).count();
    let unavailable = answers
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    println!(
        "{backend:?}: {CONCURRENT} concurrent {kind}: {ok} succeeded, {unavailable} × 503, {} other, in {took:?}",
        CONCURRENT - ok - unavailable
    );
    for (status, text, _) in answers.iter().filter(|(s, _, _)| !succeeded(*s)) {
        failures
            .lock()
            .unwrap()
            .push(format!("{kind}: {status} {text}"));
    }
    answers.into_iter().map(|(_, _, r)| r).collect()
}

fn tally(answer: Answer) -> (StatusCode, String, Answer) {
    (answer.status, answer.text.clone(), answer)
}

fn user(i: usize) -> String {
    format!("u{i}")
}

fn password(i: usize) -> String {
    format!("password-of-u{i}")
}

/// The hosted sign-in page: answers the authorization code.
async fn authorize(kit: &Kit, client_id: &str, i: usize) -> (StatusCode, String, String) {
    let ch = challenge(VERIFIER);
    let (name, password) = (user(i), password(i));
    let form = [
        ("client_id", client_id),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT),
        ("scope", "openid profile"),
        ("state", "s"),
        ("code_challenge", &ch),
        ("code_challenge_method", "S256"),
        ("username", &name),
        ("password", &password),
    ];
    let res = no_redirects()
        .post(kit.url("/login/oauth/authorize"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    let code = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .and_then(|l| query_param(l, "code"))
        .unwrap_or_default();
    (status, res.text().await.unwrap_or_default(), code)
}

async fn every_kind_of_write_at_four_times_the_pool(backend: Backend) {
    let Some(started_kit) = Kit::start_with(backend, |s| {
        s.database_acquire_timeout_ms = ACQUIRE_TIMEOUT_MS;
    })
    .await
    else {
        return;
    };
    let kit = &started_kit;
    let admin = &kit.admin;
    let failures = &std::sync::Mutex::new(Vec::new());
    kit.post("/api/add-organization", json!({"name": "acme"}), admin)
        .await
        .ok();
    let web = kit
        .post("/api/add-application", json!({"name": "web", "organization": "acme", "redirectUris": [REDIRECT], "grantTypes": ["authorization_code", "refresh_token", "password"]}), admin)
        .await;
    let web_id = web.body["data2"]["clientId"].as_str().unwrap().to_string();
    let mini_id = kit.setup_miniprogram("acme", "app-mini", APP1).await;
    let (web_id, mini_id) = (web_id.as_str(), mini_id.as_str());

    at_once(backend, failures, "add-user", |i| async move {
        let body = json!({"owner": "acme", "name": user(i), "password": password(i)});
        tally(kit.post("/api/add-user", body, admin).await)
    })
    .await;
    let codes = at_once(backend, failures, "hosted-page sign-ins", |i| {
        authorize(kit, web_id, i)
    })
    .await;
    let exchanged = at_once(backend, failures, "authorization_code exchanges", |i| {
        let code = codes[i].clone();
        async move {
            let form = [
                ("grant_type", "authorization_code"),
                ("client_id", web_id),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
            ];
            tally(kit.post_form(TOKEN, &form).await)
        }
    })
    .await;
    at_once(backend, failures, "refresh_token grants", |i| {
        let refresh = exchanged[i].body["refresh_token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        async move { tally(kit.refresh(web_id, &refresh).await) }
    })
    .await;
    let bearers = at_once(backend, failures, "password grants", |i| async move {
        let (name, password) = (user(i), password(i));
        let form = [
            ("grant_type", "password"),
            ("client_id", web_id),
            ("username", name.as_str()),
            ("password", password.as_str()),
        ];
        let answer = kit.post_form(TOKEN, &form).await;
        let bearer = Auth::Bearer(
            answer.body["access_token"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
        (answer.status, answer.text, bearer)
    })
    .await;
    at_once(backend, failures, "bind-wechat", |i| {
        let body =
            json!({"client_id": mini_id, "code": kit.wx_login(APP1.0, &format!("bind-{i}"))});
        let bearer = &bearers[i];
        async move { tally(kit.post("/api/bind-wechat", body, bearer).await) }
    })
    .await;
    at_once(backend, failures, "unbind-wechat", |i| {
        let bearer = &bearers[i];
        async move {
            let body = json!({"client_id": mini_id});
            tally(kit.post("/api/unbind-wechat", body, bearer).await)
        }
    })
    .await;
    at_once(backend, failures, "mini-program logins", |i| {
        let code = kit.wx_login(APP1.0, &format!("mp-{i}"));
        async move { tally(kit.miniprogram_login(TOKEN, mini_id, &code, "", "").await) }
    })
    .await;
    at_once(backend, failures, "phone logins", |i| async move {
        let phone = format!("1380000{i:04}");
        tally(phone_login(kit, mini_id, &format!("ph-{i}"), &phone).await)
    })
    .await;
    at_once(backend, failures, "update-user", |i| async move {
        let path = format!("/api/update-user?id=acme/{}", user(i));
        tally(
            kit.post(&path, json!({"displayName": format!("U {i}")}), admin)
                .await,
        )
    })
    .await;
    at_once(backend, failures, "add-provider", |i| async move {
        let body = json!({"name": format!("sms-{i}"), "category": "SMS", "type": "Aliyun SMS"});
        tally(kit.post("/api/add-provider", body, admin).await)
    })
    .await;
    // One row, locked by each in turn.
    at_once(
        backend,
        failures,
        "update-application of one application",
        |i| async move {
            let body = json!({"description": format!("edit {i}")});
            tally(
                kit.post("/api/update-application?id=admin/web", body, admin)
                    .await,
            )
        },
    )
    .await;
    let failures = failures.lock().unwrap().clone();
    assert!(
        failures.is_empty(),
        "{} failed: {failures:#?}",
        failures.len()
    );
    // What they wrote is there: 64 password users, 64 mini-program and 64 phone users.
    assert_eq!(kit.user_count("acme").await, 3 * CONCURRENT as u64);
    // The server still answers at once.
    let started = Instant::now();
    assert_eq!(
        kit.get("/api/health", &Auth::None).await.status,
        StatusCode::OK
    );
    assert!(started.elapsed() < Duration::from_millis(ACQUIRE_TIMEOUT_MS));
    started_kit.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_kind_of_write_succeeds_at_four_times_the_pool_size_postgres() {
    every_kind_of_write_at_four_times_the_pool(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_kind_of_write_succeeds_at_four_times_the_pool_size_sqlite() {
    every_kind_of_write_at_four_times_the_pool(Backend::Sqlite).await;
}
