//! `/api/metrics`: who may scrape, and a scrape after known traffic shows the exact counts.
//! The server is a child process so that nothing but this test's traffic is counted (the
//! recorder is per process, and the other tests share this one).

use serde_json::json;

use crate::child::spawn_server;
use crate::kit::{ADMIN_PASSWORD, APP1, Auth, Backend, Kit};

const METRICS_TOKEN: &str = "scrape-token-0123456789";

/// The value of the sample `name{labels}` whose labels are exactly `labels`.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut wanted: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    wanted.sort();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let (metric, given) = match series.split_once('{') {
                Some((m, rest)) => (m, rest.strip_suffix('}')?),
                None => (series, ""),
            };
            let mut given: Vec<String> = given
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
            given.sort();
            (metric == name && given == wanted).then(|| value.parse().ok())?
        })
}

fn count(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    sample(text, name, labels).unwrap_or_else(|| panic!("no {name} {labels:?} in\n{text}"))
}

async fn scrape(kit: &Kit, auth: &Auth) -> (u16, String) {
    let answer = kit.get("/api/metrics", auth).await;
    (answer.status.as_u16(), answer.text)
}

async fn exact_counts(backend: Backend) {
    let Some(mut kit) = Kit::start(backend).await else {
        return;
    };
    let client_id = kit.setup_miniprogram("acme", "mp", APP1).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = spawn_server(
        &kit,
        dir.path(),
        &[("FERRODOOR_METRICS_TOKEN", METRICS_TOKEN)],
    )
    .await;
    kit.base = base;

    // Who may scrape: the token or a global admin; nobody else.
    assert_eq!(scrape(&kit, &Auth::None).await.0, 401);
    assert_eq!(
        scrape(&kit, &Auth::Bearer("scrape-token".into())).await.0,
        401
    );
    let org_admin =
        json!({"owner": "acme", "name": "boss", "password": "boss-Passw0rd!", "isAdmin": true});
    kit.post("/api/add-user", org_admin, &kit.admin).await;
    let boss = kit.sign_in("acme", "boss", "boss-Passw0rd!").await;
    assert_eq!(scrape(&kit, &boss).await.0, 403);

    // Known traffic: the admin's console sign-in (boss's above is a second success), a
    // wrong password, two mini program logins and one with a bogus code, a refresh, a
    // revocation and an unknown path.
    let wrong = kit
        .post(
            "/api/login",
            json!({"organization": "built-in", "username": "admin", "password": "nope", "type": "login"}),
            &Auth::None,
        )
        .await;
    assert_eq!(wrong.status.as_u16(), 401, "{}", wrong.text);
    let admin = kit.sign_in("built-in", "admin", ADMIN_PASSWORD).await;
    let mut refresh = String::new();
    let mut access = String::new();
    for person in ["alice", "bob"] {
        let code = kit.wx_login(APP1.0, person);
        let answer = kit
            .miniprogram_login("/api/login/oauth/access_token", &client_id, &code, "", "")
            .await;
        answer.ok_status();
        // Alice's access token is revoked below, Bob's refresh token refreshed (which
        // revokes Bob's first token row).
        if person == "alice" {
            access = answer.body["access_token"].as_str().unwrap().to_string();
        } else {
            refresh = answer.body["refresh_token"].as_str().unwrap().to_string();
        }
    }
    let bogus = kit
        .miniprogram_login(
            "/api/login/oauth/access_token",
            &client_id,
            "bogus-code",
            "",
            "",
        )
        .await;
    assert!(bogus.status.is_client_error(), "{}", bogus.text);
    kit.refresh(&client_id, &refresh).await.ok_status();
    let revoked = kit
        .post_form(
            "/api/login/oauth/revoke",
            &[
                ("client_id", client_id.as_str()),
                ("token", access.as_str()),
            ],
        )
        .await;
    assert_eq!(revoked.status.as_u16(), 200, "{}", revoked.text);
    assert_eq!(
        kit.get("/no/such/page", &Auth::None).await.status.as_u16(),
        404
    );

    let (status, text) = scrape(&kit, &Auth::Bearer(METRICS_TOKEN.into())).await;
    assert_eq!(status, 200, "{text}");
    let logins = "ferrodoor_logins_total";
    let login = |method, outcome| count(&text, logins, &[("method", method), ("outcome", outcome)]);
    assert_eq!(login("console_password", "success"), 2.0);
    assert_eq!(login("console_password", "failure"), 1.0);
    assert_eq!(login("wechat_miniprogram", "success"), 2.0);
    assert_eq!(login("wechat_miniprogram", "failure"), 1.0);
    assert_eq!(login("refresh_token", "success"), 1.0);

    let calls = "ferrodoor_wechat_calls_total";
    let code2session = [("api", "jscode2session"), ("errcode", "0")];
    assert_eq!(count(&text, calls, &code2session), 2.0);
    let invalid_code = [("api", "jscode2session"), ("errcode", "40029")];
    assert_eq!(count(&text, calls, &invalid_code), 1.0);
    let latency = "ferrodoor_wechat_call_duration_seconds_count";
    assert_eq!(count(&text, latency, &[("api", "jscode2session")]), 3.0);
    // Every code was claimed (the bogus one too: WeChat saw it), in groups of one or more.
    let claims = [("queue", "code_claims")];
    assert_eq!(
        count(&text, "ferrodoor_db_grouped_jobs_total", &claims),
        3.0
    );
    let groups = count(&text, "ferrodoor_db_group_commits_total", &claims);
    assert!((1.0..=3.0).contains(&groups), "{groups} claim groups");

    // A refreshed token keeps the grant type of the chain it continues.
    let issued = "ferrodoor_tokens_issued_total";
    assert_eq!(
        count(&text, issued, &[("grant", "wechat_miniprogram")]),
        3.0
    );
    let revoked = "ferrodoor_tokens_revoked_total";
    assert_eq!(count(&text, revoked, &[("reason", "refresh")]), 1.0);
    assert_eq!(count(&text, revoked, &[("reason", "revoke")]), 1.0);

    let requests = "ferrodoor_http_requests_total";
    let req = |route, method, status| {
        sample(
            &text,
            requests,
            &[("route", route), ("method", method), ("status", status)],
        )
    };
    assert_eq!(req("/api/login", "POST", "200"), Some(2.0));
    assert_eq!(req("/api/login", "POST", "401"), Some(1.0));
    assert_eq!(
        req("/api/login/oauth/access_token", "POST", "200"),
        Some(3.0)
    );
    assert_eq!(req("/api/metrics", "GET", "401"), Some(2.0));
    assert_eq!(req("/api/metrics", "GET", "403"), Some(1.0));
    assert_eq!(req("unmatched", "GET", "404"), Some(1.0));
    // The path's own text never becomes a label.
    assert!(!text.contains("/no/such/page"));
    let histogram = "ferrodoor_http_request_duration_seconds_bucket";
    let le_inf = [
        ("route", "/api/login"),
        ("method", "POST"),
        ("status", "200"),
        ("le", "+Inf"),
    ];
    assert_eq!(count(&text, histogram, &le_inf), 2.0);

    let max = "ferrodoor_db_pool_max_connections";
    match backend {
        Backend::Sqlite => {
            assert_eq!(count(&text, max, &[("pool", "writer")]), 1.0);
            assert_eq!(count(&text, max, &[("pool", "reader")]), 4.0);
        }
        Backend::Postgres => assert_eq!(count(&text, max, &[("pool", "main")]), 16.0),
    }
    let pool = if matches!(backend, Backend::Sqlite) {
        "writer"
    } else {
        "main"
    };
    let idle = count(
        &text,
        "ferrodoor_db_pool_connections",
        &[("pool", pool), ("state", "idle")],
    );
    let busy = count(
        &text,
        "ferrodoor_db_pool_connections",
        &[("pool", pool), ("state", "in_use")],
    );
    assert!(
        idle + busy >= 1.0,
        "the pool holds a connection: {idle} + {busy}"
    );
    // The exposition never carries a secret of the traffic above.
    for secret in [ADMIN_PASSWORD, METRICS_TOKEN, &refresh, &access, APP1.1] {
        assert!(!text.contains(secret));
    }

    // A global admin's cookie scrapes too.
    assert_eq!(scrape(&kit, &admin).await.0, 200);
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    kit.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scrape_shows_exact_counts_sqlite() {
    exact_counts(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scrape_shows_exact_counts_postgres() {
    exact_counts(Backend::Postgres).await;
}
