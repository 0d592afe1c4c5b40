//! PostgreSQL going away and coming back, through a proxy the test switches off: requests
//! that need the database answer 503 within the pool's acquire timeout (never 500, never a
//! hang), and the server recovers by itself.
//!
//! SQLite has no such test: the database is a file of the process, so "unavailable" means
//! a failing disk, which cannot be switched off and on from a test without root (and a
//! locked file is already covered: SQLITE_BUSY maps to 503).

use std::time::{Duration, Instant};

use futures::future::join_all;
use reqwest::StatusCode;

use crate::kit::{APP1, Answer, Auth, Backend, Kit};
use crate::tcp_proxy::TcpProxy;

const TOKEN: &str = "/api/login/oauth/access_token";
const ACQUIRE_TIMEOUT_MS: u64 = 1_000;
/// The acquire timeout plus the time a request may spend elsewhere.
const ANSWER_WITHIN: Duration = Duration::from_millis(ACQUIRE_TIMEOUT_MS + 1_500);

fn pg_upstream() -> String {
    let url = std::env::var("FERRODOOR_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let url = url::Url::parse(&url).unwrap();
    format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432))
}

/// A first (or later) mini-program login.
async fn login(kit: &Kit, client_id: &str, code: &str) -> Answer {
    let form = [
        ("tag", "wechat_miniprogram"),
        ("client_id", client_id),
        ("code", code),
    ];
    Kit::answer(
        kit.http
            .post(kit.url(TOKEN))
            .form(&form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// A server on PostgreSQL through `proxy`, a mini-program application and its first user
/// signed in: (kit, client id, the user's access token, refresh token). None without
/// PostgreSQL.
async fn signed_in_behind(
    proxy: &TcpProxy,
    tweak: impl FnOnce(&mut ferrodoor::Settings),
) -> Option<(Kit, String, Auth, String)> {
    let proxy_addr = proxy.addr();
    let kit = Kit::start_with(Backend::Postgres, |s| {
        let mut url = url::Url::parse(s.database_url.expose()).unwrap();
        url.set_host(Some(&proxy_addr.ip().to_string())).unwrap();
        url.set_port(Some(proxy_addr.port())).unwrap();
        s.database_url = url.as_str().into();
        tweak(s);
    })
    .await?;
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    let first = login(&kit, &client_id, &kit.wx_login(APP1.0, "olga")).await;
    first.ok_status();
    let access = Auth::Bearer(first.body["access_token"].as_str().unwrap().to_string());
    let refresh = first.body["refresh_token"].as_str().unwrap().to_string();
    Some((kit, client_id, access, refresh))
}

async fn timed<F: Future<Output = Answer>>(f: F) -> (Answer, Duration) {
    let started = Instant::now();
    let answer = f.await;
    (answer, started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn database_outage_gives_503_quickly_and_the_server_recovers_by_itself() {
    let proxy = TcpProxy::start(&pg_upstream()).await;
    let Some((kit, client_id, access, refresh)) = signed_in_behind(&proxy, |s| {
        s.database_acquire_timeout_ms = ACQUIRE_TIMEOUT_MS;
    })
    .await
    else {
        return;
    };

    proxy.down().await;
    let code = kit.wx_login(APP1.0, "pia");
    let page_path = format!(
        "/login/oauth/authorize?client_id={client_id}&response_type=code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb"
    );
    let page_form = format!(
        "client_id={client_id}&response_type=code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&username=olga&password=pw"
    );
    let (health, login_down, refreshed, account, users, page, page_post) = tokio::join!(
        timed(kit.get("/api/health", &Auth::None)),
        timed(login(&kit, &client_id, &code)),
        timed(kit.refresh(&client_id, &refresh)),
        timed(kit.get("/api/get-account", &access)),
        timed(kit.get("/api/get-users?owner=test", &kit.admin)),
        timed(kit.get(&page_path, &Auth::None)),
        timed(kit.post_raw(
            "/login/oauth/authorize",
            "application/x-www-form-urlencoded",
            page_form,
            &Auth::None
        )),
    );
    for (what, (answer, took)) in [
        ("health", &health),
        ("login", &login_down),
        ("refresh", &refreshed),
        ("get-account", &account),
        ("get-users", &users),
        ("sign-in page", &page),
        ("sign-in form", &page_post),
    ] {
        assert_eq!(
            answer.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{what}: {}",
            answer.text
        );
        assert!(*took < ANSWER_WITHIN, "{what} took {took:?}");
        println!("database down: {what} answered 503 in {took:?}");
    }
    assert!(health.0.body["msg"].as_str().unwrap().contains("database"));
    assert_eq!(users.0.body["status"], "error");
    assert_eq!(login_down.0.body["error"], "temporarily_unavailable");
    assert_eq!(refreshed.0.body["error"], "temporarily_unavailable");
    // The hosted page says so in words, with no internals (it once showed a 400 "server
    // error: database unavailable: pool timed out …").
    for (answer, _) in [&page, &page_post] {
        assert!(
            answer.text.contains("temporarily unavailable"),
            "{}",
            answer.text
        );
        for internal in ["database", "pool", "server error", "timed out"] {
            assert!(
                !answer.text.contains(internal),
                "{internal}: {}",
                answer.text
            );
        }
    }

    // Back up: no restart, the pool replaces its broken connections.
    proxy.up().await;
    let started = Instant::now();
    while kit.get("/api/health", &Auth::None).await.status != StatusCode::OK {
        assert!(started.elapsed() < Duration::from_secs(10), "no recovery");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The code of the refused login never reached WeChat: it still works.
    login(&kit, &client_id, &code).await.ok_status();
    kit.get("/api/get-account", &access).await.ok();
    kit.refresh(&client_id, &refresh).await.ok_status();
    assert_eq!(kit.user_count("test").await, 2);

    cut_under_load(&kit, &proxy, &client_id).await;
    kit.stop().await;
}

/// Cuts the database while logins run: each login either succeeded (its user and token are
/// there afterwards) or answered 503; none left a half-made user behind.
async fn cut_under_load(kit: &Kit, proxy: &TcpProxy, client_id: &str) {
    let people: Vec<String> = (0..24).map(|i| format!("cut{i}")).collect();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let logins = people.iter().enumerate().map(|(i, person)| {
        let (code, done) = (kit.wx_login(APP1.0, person), &done);
        async move {
            // Spread, so some are mid-transaction when the cut comes.
            tokio::time::sleep(Duration::from_millis(15 * i as u64)).await;
            let answer = login(kit, client_id, &code).await;
            done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            answer
        }
    });
    let (answers, ()) = tokio::join!(join_all(logins), async {
        while done.load(std::sync::atomic::Ordering::Relaxed) < 8 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        proxy.down().await;
    });
    let ok = answers
        .iter()
        .filter(|a| a.status == StatusCode::OK)
        .count();
    for a in &answers {
        assert!(
            a.status == StatusCode::OK || a.status == StatusCode::SERVICE_UNAVAILABLE,
            "{} {}",
            a.status,
            a.text
        );
    }
    println!(
        "cut under load: {ok} of {} logins succeeded, the rest answered 503",
        answers.len()
    );
    proxy.up().await;
    let started = Instant::now();
    while kit.get("/api/health", &Auth::None).await.status != StatusCode::OK {
        assert!(started.elapsed() < Duration::from_secs(10), "no recovery");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for a in answers.iter().filter(|a| a.status == StatusCode::OK) {
        let token = Auth::Bearer(a.body["access_token"].as_str().unwrap().to_string());
        kit.get("/api/get-account", &token).await.ok();
    }
    // Everyone logs in again: one user each, whether or not the cut login had made it.
    for person in &people {
        login(kit, client_id, &kit.wx_login(APP1.0, person))
            .await
            .ok_status();
    }
    assert_eq!(kit.user_count("test").await, 2 + people.len() as u64);
}

const STATEMENT_TIMEOUT_MS: u64 = 1_000;
const SILENT_ACQUIRE_TIMEOUT_MS: u64 = 10_000;

/// PostgreSQL going silent (connections stay open, nothing comes back): every request that
/// needs it answers 503 within the statement timeout instead of hanging until the HTTP
/// timeout (30 s; before the bound, every one of these did), and the server recovers when
/// the traffic flows again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn silent_database_gives_503_within_the_statement_timeout() {
    let proxy = TcpProxy::start(&pg_upstream()).await;
    let Some((kit, client_id, access, refresh)) = signed_in_behind(&proxy, |s| {
        s.database_acquire_timeout_ms = SILENT_ACQUIRE_TIMEOUT_MS;
        s.database_statement_timeout_ms = STATEMENT_TIMEOUT_MS;
    })
    .await
    else {
        return;
    };

    proxy.freeze();
    let code = kit.wx_login(APP1.0, "pia");
    // Taking a connection (the pool pings it) and then one statement: each bounded by the
    // statement timeout, well before the acquire timeout.
    let within = Duration::from_millis(2 * STATEMENT_TIMEOUT_MS + 1_500);
    let (health, login_silent, refreshed, account, users) = tokio::join!(
        timed(kit.get("/api/health", &Auth::None)),
        timed(login(&kit, &client_id, &code)),
        timed(kit.refresh(&client_id, &refresh)),
        timed(kit.get("/api/get-account", &access)),
        timed(kit.get("/api/get-users?owner=test", &kit.admin)),
    );
    for (what, (answer, took)) in [
        ("health", &health),
        ("login", &login_silent),
        ("refresh", &refreshed),
        ("get-account", &account),
        ("get-users", &users),
    ] {
        assert_eq!(
            answer.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{what}: {}",
            answer.text
        );
        assert!(*took < within, "{what} took {took:?}");
        println!("database silent: {what} answered 503 in {took:?}");
    }
    assert_eq!(login_silent.0.body["error"], "temporarily_unavailable");

    proxy.thaw();
    let started = Instant::now();
    while kit.get("/api/health", &Auth::None).await.status != StatusCode::OK {
        assert!(started.elapsed() < Duration::from_secs(15), "no recovery");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Once answers flow again, every kind of request works without a restart.
    let started = Instant::now();
    loop {
        let answer = login(&kit, &client_id, &kit.wx_login(APP1.0, "pia")).await;
        if answer.status == StatusCode::OK {
            break;
        }
        assert_eq!(
            answer.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{}",
            answer.text
        );
        assert!(started.elapsed() < Duration::from_secs(15), "no recovery");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    kit.get("/api/get-account", &access).await.ok();
    kit.stop().await;
}
