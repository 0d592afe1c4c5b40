//! The real `ferrodoor serve` process killed with SIGKILL while logins are in flight, then
//! started again on the same database: every login that got a 200 has its user and a
//! working token, nobody got two users, and the server starts cleanly (SQLite recovers its
//! WAL).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ferrodoor::Settings;
use ferrodoor_wechat::emulator::{EmulatedApp, EmulatorConfig};
use reqwest::StatusCode;

use crate::child::spawn_server;
use crate::kit::{ADMIN_PASSWORD, APP1, Auth, Backend, Kit};

const TOKEN: &str = "/api/login/oauth/access_token";
const WORKERS: usize = 8;
/// Logins that must have succeeded under load before the kill.
const KILL_AFTER: usize = 30;

/// One login's outcome: who, and the access token when it got a 200.
struct Outcome {
    person: String,
    token: Option<String>,
    /// No answer: the request was in flight when the server died.
    cut: bool,
}

async fn login_once(kit: &Kit, client_id: &str, person: &str) -> Outcome {
    let code = kit.wx_login(APP1.0, person);
    let form = [
        ("tag", "wechat_miniprogram"),
        ("client_id", client_id),
        ("code", code.as_str()),
    ];
    let sent = kit.http.post(kit.url(TOKEN)).form(&form).send().await;
    let (token, cut) = match sent {
        Err(_) => (None, true),
        Ok(res) if res.status() == StatusCode::OK => match res.json::<serde_json::Value>().await {
            Ok(body) => (body["access_token"].as_str().map(str::to_string), false),
            Err(_) => (None, true),
        },
        Ok(res) => {
            let status = res.status();
            let text = res.text().await.unwrap_or_default();
            panic!("a login under load answered {status} {text}");
        }
    };
    Outcome {
        person: person.to_string(),
        token,
        cut,
    }
}

async fn kill_under_load(backend: Backend) {
    let (emu_addr, emulator) =
        ferrodoor_wechat::emulator::spawn(EmulatorConfig::with_apps(vec![EmulatedApp {
            appid: APP1.0.into(),
            secret: APP1.1.into(),
            unionid_bound: true,
            platform: ferrodoor_wechat::emulator::DEFAULT_PLATFORM.into(),
        }]))
        .await
        .unwrap();
    let Some(db) = backend.test_db().await else {
        return;
    };
    let settings = Settings {
        database_url: db.url().into(),
        wechat_api_base: format!("http://{emu_addr}"),
        ..Settings::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut kit = Kit {
        server: None,
        base: String::new(),
        http: reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap(),
        emulator,
        db: Some(db),
        settings,
        admin: Auth::None,
    };
    let (mut child, base) = spawn_server(&kit, dir.path(), &[]).await;
    kit.base = base;
    kit.admin = kit.sign_in("built-in", "admin", ADMIN_PASSWORD).await;
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    // Returning users, to mix later logins into the first ones.
    let returning: Vec<String> = (0..WORKERS).map(|i| format!("back{i}")).collect();
    for person in &returning {
        assert!(login_once(&kit, &client_id, person).await.token.is_some());
    }

    let stop = Arc::new(AtomicBool::new(false));
    let kit = Arc::new(kit);
    let workers = (0..WORKERS).map(|w| {
        let (kit, stop, client_id) = (kit.clone(), stop.clone(), client_id.clone());
        let returning = returning[w].clone();
        tokio::spawn(async move {
            let mut outcomes = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let person = if i % 4 == 3 {
                    returning.clone()
                } else {
                    format!("first{w}-{i}")
                };
                let outcome = login_once(&kit, &client_id, &person).await;
                let cut = outcome.cut;
                outcomes.push(outcome);
                if cut {
                    break;
                }
                i += 1;
            }
            outcomes
        })
    });
    let workers: Vec<_> = workers.collect();
    // Kill once enough logins went through; the workers are mid-request by then.
    let started = Instant::now();
    while kit.emulator.stats().jscode2session_calls < (WORKERS + KILL_AFTER) as u64 {
        assert!(started.elapsed() < Duration::from_secs(20), "load too slow");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.start_kill().unwrap();
    let status = child.wait().await.unwrap();
    stop.store(true, Ordering::Relaxed);
    let mut outcomes = Vec::new();
    for w in workers {
        outcomes.extend(w.await.unwrap());
    }
    let ok: Vec<&Outcome> = outcomes.iter().filter(|o| o.token.is_some()).collect();
    let cut = outcomes.iter().filter(|o| o.cut).count();
    println!(
        "{backend:?}: killed ({status}) with {cut} logins in flight; {} logins got a 200 under load",
        ok.len()
    );
    assert!(ok.len() >= KILL_AFTER / 2, "too few logins before the kill");
    if let Backend::Sqlite = backend {
        let file = kit
            .settings
            .database_url
            .expose()
            .trim_start_matches("sqlite://");
        println!(
            "WAL left by the killed process: {} bytes",
            std::fs::metadata(format!("{file}-wal")).map_or(0, |m| m.len())
        );
    }

    // Restart on the same database; it must come up by itself.
    let mut kit = Arc::into_inner(kit).expect("the workers are done");
    let (child, base) = spawn_server(&kit, dir.path(), &[]).await;
    kit.base = base;
    kit.admin = kit.sign_in("built-in", "admin", ADMIN_PASSWORD).await;
    // Every 200 before the kill: the user exists and the token still works.
    let mut name_of = std::collections::HashMap::new();
    for o in &ok {
        let token = Auth::Bearer(o.token.clone().unwrap());
        let account = kit.get("/api/get-account", &token).await;
        let name = account.ok()["name"].as_str().unwrap().to_string();
        let known = name_of.entry(o.person.clone()).or_insert(name.clone());
        assert_eq!(*known, name, "{} has two users", o.person);
    }
    // Everyone who tried logs in again and gets the same single user.
    let mut people: Vec<&str> = outcomes.iter().map(|o| o.person.as_str()).collect();
    people.extend(returning.iter().map(String::as_str));
    people.sort_unstable();
    people.dedup();
    for person in &people {
        let again = login_once(&kit, &client_id, person).await;
        let token = Auth::Bearer(again.token.expect("login after restart"));
        let account = kit.get("/api/get-account", &token).await;
        let name = account.ok()["name"].as_str().unwrap();
        if let Some(known) = name_of.get(*person) {
            assert_eq!(known, name, "{person} has another user after the restart");
        }
    }
    assert_eq!(
        kit.user_count("test").await,
        people.len() as u64,
        "one user per person"
    );
    let mut child = child;
    child.kill().await.unwrap();
    kit.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_login_load_loses_no_acknowledged_login_sqlite() {
    kill_under_load(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_under_login_load_loses_no_acknowledged_login_postgres() {
    kill_under_load(Backend::Postgres).await;
}
