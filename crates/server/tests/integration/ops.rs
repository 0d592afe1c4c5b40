//! Records and webhooks end to end: a real receiver on loopback (allowed by configuration)
//! gets each event once with a valid signature, also after being down for a while (the
//! retries visible in the delivery state); records hold the management writes and
//! sign-ins of the test and no secret; another organization's admin sees none of them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_lc_rs::hmac;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::kit::{APP1, Auth, Backend, Kit};

/// One request the receiver got: its headers and body.
type Got = Arc<Mutex<Vec<(HeaderMap, String)>>>;

struct Receiver {
    url: String,
    got: Got,
    /// While false the receiver answers 503 (and keeps nothing).
    up: Arc<AtomicBool>,
}

async fn receiver() -> Receiver {
    let got: Got = Arc::default();
    let up = Arc::new(AtomicBool::new(true));
    let (g, u) = (got.clone(), up.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let (g, u) = (g.clone(), u.clone());
            async move {
                if !u.load(Ordering::SeqCst) {
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                g.lock().unwrap().push((headers, body));
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, got, up }
}

/// The events the receiver got so far, by the event header.
fn events(got: &Got) -> Vec<String> {
    got.lock()
        .unwrap()
        .iter()
        .map(|(h, _)| h["x-ferrodoor-event"].to_str().unwrap().to_string())
        .collect()
}

/// Waits (polling, no timing asserted) until `done` holds; fails after a minute.
async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..600 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("gave up waiting for {what}");
}

/// The test webhook's deliveries, as `get-webhook-deliveries` shows them.
async fn deliveries(kit: &Kit) -> Vec<Value> {
    let answer = kit
        .get("/api/get-webhook-deliveries?id=admin/hook", &kit.admin)
        .await;
    answer.ok().as_array().unwrap().clone()
}

fn expected_signature(secret: &str, body: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    format!(
        "sha256={}",
        hex_encode(hmac::sign(&key, body.as_bytes()).as_ref())
    )
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// None: PostgreSQL is not there (the test skips).
async fn start(backend: Backend) -> Option<Kit> {
    Kit::start_with(backend, |s| {
        s.webhook_allow_private = true;
        s.webhook_poll_ms = 50;
        s.webhook_retry_base_seconds = 1;
    })
    .await
}

async fn webhooks_and_records(backend: Backend) {
    let Some(kit) = start(backend).await else {
        return;
    };
    let client_id = kit.setup_miniprogram("acme", "mp", APP1).await;
    let rx = receiver().await;
    let added = kit
        .post(
            "/api/add-webhook",
            json!({"owner": "admin", "name": "hook", "organization": "acme", "url": rx.url,
                   "events": ["signup", "login", "logout", "add-user", "update-user", "delete-user", "login-failed"],
                   "isUserExtended": true, "headers": [{"name": "X-Tenant", "value": "acme"}]}),
            &kit.admin,
        )
        .await;
    added.ok();
    // The generated secret is shown once; every later answer masks it.
    let secret = added.body["data2"]["secret"].as_str().unwrap().to_string();
    assert!(secret.len() >= 32, "{}", added.text);
    let shown = kit.get("/api/get-webhook?id=admin/hook", &kit.admin).await;
    assert_eq!(shown.ok()["secret"], "***");
    assert!(!shown.text.contains(&secret));

    // Known traffic in acme.
    let password = "carol-Passw0rd!";
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "carol", "password": password}),
        &kit.admin,
    )
    .await
    .ok();
    kit.post(
        "/api/update-user?id=acme/carol",
        json!({"displayName": "Carol"}),
        &kit.admin,
    )
    .await
    .ok();
    let wrong = kit
        .post(
            "/api/login",
            json!({"organization": "acme", "username": "carol", "password": "wrong-password", "type": "login"}),
            &Auth::None,
        )
        .await;
    assert_eq!(wrong.status.as_u16(), 401, "{}", wrong.text);
    let carol = kit.sign_in("acme", "carol", password).await;
    let answer = kit.post("/api/logout", json!({}), &carol).await;
    assert_eq!(answer.status.as_u16(), 200, "{}", answer.text);
    let code = kit.wx_login(APP1.0, "alice");
    let login = kit
        .miniprogram_login("/api/login/oauth/access_token", &client_id, &code, "", "")
        .await;
    login.ok_status();
    let access_token = login.body["access_token"].as_str().unwrap().to_string();
    kit.post("/api/delete-user?id=acme/carol", json!({}), &kit.admin)
        .await
        .ok();

    let mut wanted = vec![
        "add-user",
        "update-user",
        "login-failed",
        "login",
        "logout",
        "signup",
        "login",
        "delete-user",
    ];
    until("every event delivered", async || {
        events(&rx.got).len() >= wanted.len()
    })
    .await;
    // Each event once (the sender has no more to send: nothing pending).
    until("no delivery pending", async || {
        deliveries(&kit)
            .await
            .iter()
            .all(|d| d["state"] == "delivered")
    })
    .await;
    let mut got = events(&rx.got);
    got.sort();
    wanted.sort();
    assert_eq!(got, wanted);
    for (headers, body) in rx.got.lock().unwrap().iter() {
        assert_eq!(
            headers["x-ferrodoor-signature-256"].to_str().unwrap(),
            expected_signature(&secret, body),
            "signature of {body}"
        );
        assert_eq!(headers["x-tenant"], "acme");
        let payload: Value = serde_json::from_str(body).unwrap();
        assert_eq!(payload["organization"], "acme");
        assert!(
            !body.contains(password) && !body.contains(&secret) && !body.contains(&access_token)
        );
        if payload["action"] == "signup" {
            assert_eq!(payload["extendedUser"]["owner"], "acme", "{body}");
            assert!(payload["extendedUser"].get("passwordHash").is_none());
        }
    }

    // The records of the test, none with a secret.
    let records = kit
        .get(
            "/api/get-records?organization=acme&pageSize=100",
            &kit.admin,
        )
        .await;
    let list = records.ok().as_array().unwrap().clone();
    let actions: Vec<&str> = list.iter().map(|r| r["action"].as_str().unwrap()).collect();
    for action in [
        "add-user",
        "update-user",
        "login-failed",
        "login",
        "logout",
        "signup",
        "delete-user",
        "add-application",
    ] {
        assert!(
            actions.contains(&action),
            "{action} missing from {actions:?}"
        );
    }
    let failed = list.iter().find(|r| r["action"] == "login-failed").unwrap();
    assert_eq!(failed["statusCode"], 401);
    assert_eq!(failed["user"], "carol");
    assert_eq!(failed["clientIp"], "127.0.0.1");
    for needle in [
        password,
        "wrong-password",
        secret.as_str(),
        access_token.as_str(),
        APP1.1,
    ] {
        assert!(!records.text.contains(needle), "a record holds a secret");
    }
    let one = kit
        .get(
            &format!(
                "/api/get-record?id=acme/{}",
                list[0]["name"].as_str().unwrap()
            ),
            &kit.admin,
        )
        .await;
    assert_eq!(one.ok()["name"], list[0]["name"]);

    // IDOR: another organization's admin sees neither acme's records nor its webhooks.
    kit.post(
        "/api/add-organization",
        json!({"owner": "admin", "name": "other"}),
        &kit.admin,
    )
    .await
    .ok();
    kit.post(
        "/api/add-user",
        json!({"owner": "other", "name": "boss", "password": "boss-Passw0rd!", "isAdmin": true}),
        &kit.admin,
    )
    .await
    .ok();
    let boss = kit.sign_in("other", "boss", "boss-Passw0rd!").await;
    kit.get("/api/get-records?organization=acme", &boss)
        .await
        .error(403);
    kit.get("/api/get-records", &boss).await.error(403);
    kit.get("/api/get-webhook?id=admin/hook", &boss)
        .await
        .error(403);
    kit.get(
        &format!(
            "/api/get-record?id=acme/{}",
            list[0]["name"].as_str().unwrap()
        ),
        &boss,
    )
    .await
    .error(404);
    let update = kit
        .post(
            "/api/update-webhook?id=admin/hook",
            json!({"url": "http://127.0.0.1:1/x"}),
            &boss,
        )
        .await;
    update.error(403);

    // The receiver down for a while: deliveries are retried (visible), then all arrive once.
    rx.up.store(false, Ordering::SeqCst);
    let before = events(&rx.got).len();
    for name in ["Carol 2", "Carol 3"] {
        kit.post(
            "/api/add-user",
            json!({"owner": "acme", "name": name.replace(' ', "-").to_lowercase(), "displayName": name}),
            &kit.admin,
        )
        .await
        .ok();
    }
    until("two failed attempts each", async || {
        let pending: Vec<Value> = deliveries(&kit)
            .await
            .iter()
            .filter(|d| d["state"] == "pending")
            .cloned()
            .collect();
        pending.len() == 2
            && pending
                .iter()
                .all(|d| d["attempts"].as_i64() >= Some(2) && d["lastStatus"] == 503)
    })
    .await;
    assert_eq!(events(&rx.got).len(), before);
    rx.up.store(true, Ordering::SeqCst);
    until("the held deliveries", async || {
        events(&rx.got).len() == before + 2
    })
    .await;
    until("no delivery pending", async || {
        deliveries(&kit)
            .await
            .iter()
            .all(|d| d["state"] == "delivered")
    })
    .await;
    assert_eq!(events(&rx.got).len(), before + 2);
    kit.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webhooks_and_records_sqlite() {
    webhooks_and_records(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn webhooks_and_records_postgres() {
    webhooks_and_records(Backend::Postgres).await;
}

/// Without the operator's allowance, internal targets are refused at save.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn internal_webhook_targets_are_refused() {
    let kit = Kit::start(Backend::Sqlite).await.unwrap();
    kit.setup_miniprogram("acme", "mp", APP1).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::1]/",
        "file:///etc/passwd",
    ] {
        let answer = kit
            .post(
                "/api/add-webhook",
                json!({"owner": "admin", "name": "h", "organization": "acme", "url": url, "events": ["login"]}),
                &kit.admin,
            )
            .await;
        answer.error(400);
    }
    kit.stop().await;
}

/// The outbox across processes: a delivery committed while the receiver is down survives a
/// kill -9 of its node and is sent after a restart; with two nodes on one database every
/// event arrives exactly once.
async fn outbox_across_nodes(backend: Backend) {
    use crate::child::spawn_server;
    // The in-process server polls once at start and then not for an hour: only the
    // children send.
    let Some(mut kit) = Kit::start_with(backend, |s| {
        s.webhook_allow_private = true;
        s.webhook_poll_ms = 3_600_000;
    })
    .await
    else {
        return;
    };
    kit.post(
        "/api/add-organization",
        json!({"owner": "admin", "name": "acme"}),
        &kit.admin,
    )
    .await
    .ok();
    let rx = receiver().await;
    rx.up.store(false, Ordering::SeqCst);
    let env = [
        ("FERRODOOR_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("FERRODOOR_WEBHOOK_POLL_MS", "50"),
        ("FERRODOOR_WEBHOOK_RETRY_BASE_SECONDS", "1"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let (mut first, base) = spawn_server(&kit, dir.path(), &env).await;
    kit.base = base;
    kit.post(
        "/api/add-webhook",
        json!({"owner": "admin", "name": "hook", "organization": "acme", "url": rx.url, "events": ["add-user"]}),
        &kit.admin,
    )
    .await
    .ok();
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "before-kill"}),
        &kit.admin,
    )
    .await
    .ok();
    until("a failed attempt", async || {
        deliveries(&kit).await[0]["attempts"].as_i64() >= Some(1)
    })
    .await;
    first.kill().await.unwrap(); // SIGKILL
    rx.up.store(true, Ordering::SeqCst);

    let (_second, base2) = spawn_server(&kit, dir.path(), &env).await;
    let (_third, base3) = spawn_server(&kit, dir.path(), &env).await;
    until("the delivery from before the kill", async || {
        events(&rx.got).len() == 1
    })
    .await;
    // Events on both nodes, each sent once by one of them.
    for i in 0..10 {
        kit.base = if i % 2 == 0 {
            base2.clone()
        } else {
            base3.clone()
        };
        kit.post(
            "/api/add-user",
            json!({"owner": "acme", "name": format!("user-{i}")}),
            &kit.admin,
        )
        .await
        .ok();
    }
    until("every delivery settled", async || {
        let all = deliveries(&kit).await;
        all.len() == 11 && all.iter().all(|d| d["state"] == "delivered")
    })
    .await;
    let mut ids: Vec<String> = rx
        .got
        .lock()
        .unwrap()
        .iter()
        .map(|(h, _)| h["x-ferrodoor-delivery"].to_str().unwrap().to_string())
        .collect();
    let received = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!((received, ids.len()), (11, 11), "each event exactly once");
    kit.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outbox_across_nodes_sqlite() {
    outbox_across_nodes(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn outbox_across_nodes_postgres() {
    outbox_across_nodes(Backend::Postgres).await;
}
