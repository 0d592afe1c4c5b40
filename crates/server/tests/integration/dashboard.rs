//! The console dashboard's counts (`get-record-stats`), computed by the database from the
//! records, after known traffic: sign-ins by method, sign-ups, failed WeChat sign-ins (a
//! code WeChat refuses, and WeChat busy), active users; who may read them.

use ferrodoor_wechat::emulator::{Fault, FaultMode};
use serde_json::{Value, json};

use crate::kit::{APP1, Auth, Backend, Kit};

/// Today's value (the last day) of a series.
fn today(series: &Value) -> u64 {
    let values = series.as_array().expect("a series");
    values.last().and_then(Value::as_u64).expect("a count")
}

async fn stats(kit: &Kit, query: &str, auth: &Auth) -> Value {
    kit.get(&format!("/api/get-record-stats?{query}"), auth)
        .await
        .ok()
        .clone()
}

async fn dashboard_counts(backend: Backend) {
    let Some(kit) = Kit::start(backend).await else {
        return;
    };
    let client_id = kit.setup_miniprogram("acme", "mp", APP1).await;
    let password = "dora-Passw0rd!";
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "dora", "password": password}),
        &kit.admin,
    )
    .await
    .ok();

    // Known traffic in acme: dora signs in twice and fails once; alice signs up and in
    // with the mini program; a code WeChat refuses; WeChat busy.
    kit.sign_in("acme", "dora", password).await;
    kit.sign_in("acme", "dora", password).await;
    let wrong = kit
        .post(
            "/api/login",
            json!({"organization": "acme", "username": "dora", "password": "nope", "type": "login"}),
            &Auth::None,
        )
        .await;
    wrong.error(401);
    let code = kit.wx_login(APP1.0, "alice");
    kit.miniprogram_login("/api/login/oauth/access_token", &client_id, &code, "", "")
        .await
        .ok_status();
    let refused = kit
        .miniprogram_login(
            "/api/login/oauth/access_token",
            &client_id,
            "not-a-code",
            "",
            "",
        )
        .await;
    assert_eq!(refused.status.as_u16(), 400, "{}", refused.text);
    kit.emulator.set_fault(Fault::always(FaultMode::Busy));
    let code = kit.wx_login(APP1.0, "bob");
    let busy = kit
        .miniprogram_login("/api/login/oauth/access_token", &client_id, &code, "", "")
        .await;
    kit.emulator.set_fault(Fault::always(FaultMode::None));
    assert!(busy.status.is_server_error(), "{}", busy.text);

    let acme = stats(&kit, "organization=acme&days=7", &kit.admin).await;
    assert_eq!(acme["organization"], "acme");
    assert_eq!(acme["days"].as_array().unwrap().len(), 7);
    assert_eq!(today(&acme["signins"]["console_password"]), 2, "{acme}");
    assert_eq!(today(&acme["signins"]["wechat_miniprogram"]), 1, "{acme}");
    assert_eq!(today(&acme["signups"]["wechat_miniprogram"]), 1, "{acme}");
    assert_eq!(today(&acme["failedSignins"]["console_password"]), 1);
    assert_eq!(
        today(&acme["wechatErrors"]["wechat_miniprogram"]),
        2,
        "{acme}"
    );
    assert!(acme["wechatErrors"].get("console_password").is_none());
    // dora and alice (twice each: one user each).
    assert_eq!(today(&acme["activeUsers"]), 2, "{acme}");
    // Nothing before today.
    let earlier: u64 = acme["activeUsers"].as_array().unwrap()[..6]
        .iter()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(earlier, 0);

    // The records carry the method the counts are made of.
    let records = kit
        .get(
            "/api/get-records?organization=acme&field=loginMethod&value=wechat_miniprogram&pageSize=50",
            &kit.admin,
        )
        .await;
    let list = records.ok().as_array().unwrap().clone();
    let busy_record = list
        .iter()
        .find(|r| r["action"] == "login-failed" && r["statusCode"].as_i64() >= Some(500))
        .unwrap_or_else(|| panic!("no WeChat failure recorded: {}", records.text));
    assert_eq!(busy_record["loginMethod"], "wechat_miniprogram");
    // Management writes carry none.
    let writes = kit
        .get(
            "/api/get-records?organization=acme&field=action&value=add-user",
            &kit.admin,
        )
        .await;
    assert_eq!(writes.ok()[0]["loginMethod"], "");

    // Every organization's: the global admin's sign-in (built-in) counts too.
    let all = stats(&kit, "days=1", &kit.admin).await;
    assert_eq!(all["organization"], "");
    assert!(today(&all["signins"]["console_password"]) >= 3, "{all}");

    // Who may read: acme's admin reads acme's; nobody else's, and not every organization's.
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "boss", "password": "boss-Passw0rd!", "isAdmin": true}),
        &kit.admin,
    )
    .await
    .ok();
    kit.post(
        "/api/add-organization",
        json!({"owner": "admin", "name": "other"}),
        &kit.admin,
    )
    .await
    .ok();
    let boss = kit.sign_in("acme", "boss", "boss-Passw0rd!").await;
    let own = stats(&kit, "organization=acme", &boss).await;
    assert_eq!(own["days"].as_array().unwrap().len(), 30);
    kit.get("/api/get-record-stats?organization=other", &boss)
        .await
        .error(403);
    kit.get("/api/get-record-stats", &boss).await.error(403);
    let dora = kit.sign_in("acme", "dora", password).await;
    kit.get("/api/get-record-stats?organization=acme", &dora)
        .await
        .error(403);
    kit.get("/api/get-record-stats?organization=acme", &Auth::None)
        .await
        .error(401);
    // Bad periods.
    for days in ["0", "367", "-1", "x"] {
        kit.get(
            &format!("/api/get-record-stats?organization=acme&days={days}"),
            &kit.admin,
        )
        .await
        .error(400);
    }
    kit.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dashboard_counts_sqlite() {
    dashboard_counts(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dashboard_counts_postgres() {
    dashboard_counts(Backend::Postgres).await;
}
