//! Casdoor's management API: round trips, who may do what, secrets, bad input, init data.

use reqwest::StatusCode;
use serde_json::json;

use crate::kit::{ADMIN_PASSWORD, APP1, Auth, Backend, Kit};
use crate::on_both_backends;

on_both_backends!(
    organizations_applications_providers_and_users_round_trip,
    |kit| {
        let admin = &kit.admin;
        let res = kit.post("/api/add-organization", json!({"owner": "admin", "name": "acme", "displayName": "Acme", "websiteUrl": "https://acme.example"}), admin).await;
        assert_eq!(res.ok(), "Affected");
        let org = kit.get("/api/get-organization?id=admin/acme", admin).await;
        assert_eq!(org.ok()["displayName"], "Acme");
        assert_eq!(
            kit.post(
                "/api/update-organization?id=admin/acme",
                json!({"displayName": "Acme Inc"}),
                admin
            )
            .await
            .ok(),
            "Affected"
        );
        let org = kit.get("/api/get-organization?id=admin/acme", admin).await;
        assert_eq!(org.ok()["displayName"], "Acme Inc");
        assert_eq!(
            org.ok()["websiteUrl"],
            "https://acme.example",
            "update keeps omitted fields"
        );

        let res = kit.post("/api/add-provider", json!({"owner": "admin", "name": "wx-acme", "category": "OAuth", "type": "WeChatMiniProgram", "clientId": APP1.0, "clientSecret": APP1.1}), admin).await;
        res.ok();
        let app = kit
        .post(
            "/api/add-application",
            json!({"owner": "admin", "name": "acme-mini", "organization": "acme", "redirectUris": ["https://acme.example/cb"],
                   "expireInHours": 2, "providers": [{"owner": "admin", "name": "wx-acme", "canSignIn": true}]}),
            admin,
        )
        .await;
        app.ok();
        let client_id = app.body["data2"]["clientId"].as_str().unwrap().to_string();
        assert_eq!(client_id.len(), 20);
        assert_eq!(
            app.body["data2"]["clientSecret"].as_str().unwrap().len(),
            40
        );
        let got = kit
            .get("/api/get-application?id=admin/acme-mini", admin)
            .await;
        let got = got.ok();
        assert_eq!(got["clientId"], client_id);
        assert_eq!(got["redirectUris"], json!(["https://acme.example/cb"]));
        assert_eq!(got["expireInHours"], 2.0);
        assert_eq!(got["providers"][0]["name"], "wx-acme");
        assert_eq!(got["providers"][0]["provider"]["type"], "WeChatMiniProgram");
        let apps = kit
            .get(
                "/api/get-organization-applications?owner=admin&organization=acme",
                admin,
            )
            .await;
        assert_eq!(apps.ok().as_array().unwrap().len(), 1);

        let res = kit.post("/api/add-user", json!({"owner": "acme", "name": "alice", "displayName": "Alice", "email": "alice@acme.example", "password": "pw-alice-1", "properties": {"team": "red"}}), admin).await;
        res.ok();
        let user = kit.get("/api/get-user?id=acme/alice", admin).await;
        let user = user.ok();
        assert_eq!(user["email"], "alice@acme.example");
        assert_eq!(user["properties"]["team"], "red");
        assert_eq!(user["password"], "***");
        assert_eq!(user["id"].as_str().unwrap().len(), 36);
        let users = kit
            .get("/api/get-users?owner=acme&p=1&pageSize=10", admin)
            .await;
        assert_eq!(users.ok().as_array().unwrap().len(), 1);
        assert_eq!(users.body["data2"], 1);

        assert_eq!(
            kit.post(
                "/api/delete-user",
                json!({"owner": "acme", "name": "alice"}),
                admin
            )
            .await
            .ok(),
            "Affected"
        );
        kit.get("/api/get-user?id=acme/alice", admin)
            .await
            .error(404);
        assert_eq!(
            kit.post(
                "/api/delete-application",
                json!({"owner": "admin", "name": "acme-mini"}),
                admin
            )
            .await
            .ok(),
            "Affected"
        );
        assert_eq!(
            kit.post(
                "/api/delete-provider",
                json!({"owner": "admin", "name": "wx-acme"}),
                admin
            )
            .await
            .ok(),
            "Affected"
        );
        assert_eq!(
            kit.post(
                "/api/delete-organization",
                json!({"owner": "admin", "name": "acme"}),
                admin
            )
            .await
            .ok(),
            "Affected"
        );
        kit.get("/api/get-organization?id=admin/acme", admin)
            .await
            .error(404);
        assert_eq!(
            kit.post(
                "/api/delete-organization",
                json!({"owner": "admin", "name": "acme"}),
                admin
            )
            .await
            .ok(),
            "Unaffected"
        );
    }
);

on_both_backends!(duplicates_and_dangling_references_are_conflicts, |kit| {
    let admin = &kit.admin;
    kit.post("/api/add-organization", json!({"name": "acme"}), admin)
        .await
        .ok();
    kit.post("/api/add-organization", json!({"name": "acme"}), admin)
        .await
        .error(409);
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "bob"}),
        admin,
    )
    .await
    .ok();
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "bob"}),
        admin,
    )
    .await
    .error(409);
    let msg = kit
        .post(
            "/api/delete-organization",
            json!({"owner": "admin", "name": "acme"}),
            admin,
        )
        .await
        .error(409);
    assert!(msg.contains("users"), "{msg}");
    kit.get("/api/get-user?id=acme/bob", admin).await.ok();
    let msg = kit
        .post(
            "/api/add-application",
            json!({"name": "x", "organization": "nowhere"}),
            admin,
        )
        .await
        .error(400);
    assert!(msg.contains("nowhere"), "{msg}");
    let msg = kit
        .post(
            "/api/add-application",
            json!({"name": "x", "organization": "acme", "providers": [{"name": "missing"}]}),
            admin,
        )
        .await
        .error(400);
    assert!(msg.contains("missing"), "{msg}");
});

on_both_backends!(ordinary_users_are_refused_admin_operations, |kit| {
    let admin = &kit.admin;
    kit.post("/api/add-organization", json!({"name": "acme"}), admin)
        .await
        .ok();
    kit.post("/api/add-organization", json!({"name": "beta"}), admin)
        .await
        .ok();
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "joe", "password": "joe-password"}),
        admin,
    )
    .await
    .ok();
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "boss", "password": "boss-password", "isAdmin": true}),
        admin,
    )
    .await
    .ok();
    kit.post(
        "/api/add-user",
        json!({"owner": "beta", "name": "eve", "password": "eve-password"}),
        admin,
    )
    .await
    .ok();
    let joe = kit.sign_in("acme", "joe", "joe-password").await;
    kit.post("/api/add-organization", json!({"name": "mine"}), &joe)
        .await
        .error(403);
    kit.get("/api/get-users?owner=acme", &joe).await.error(403);
    kit.get("/api/get-user?id=acme/boss", &joe).await.error(403);
    kit.post("/api/add-user", json!({"owner": "acme", "name": "x"}), &joe)
        .await
        .error(403);
    kit.post(
        "/api/delete-user",
        json!({"owner": "acme", "name": "boss"}),
        &joe,
    )
    .await
    .error(403);
    kit.get("/api/get-applications?owner=admin", &joe)
        .await
        .error(403);
    kit.get("/api/get-providers?owner=admin", &joe)
        .await
        .error(403);
    kit.get("/api/get-user?id=acme/joe", &joe).await.ok();
    let orgs = kit.get("/api/get-organizations?owner=admin", &joe).await;
    assert_eq!(
        orgs.ok().as_array().unwrap().len(),
        1,
        "a user sees only their organization"
    );

    // An organization's admin administers that organization only.
    let boss = kit.sign_in("acme", "boss", "boss-password").await;
    kit.get("/api/get-users?owner=acme", &boss).await.ok();
    kit.get("/api/get-users?owner=beta", &boss).await.error(403);
    kit.post(
        "/api/update-user?id=beta/eve",
        json!({"displayName": "x"}),
        &boss,
    )
    .await
    .error(403);
    kit.post(
        "/api/add-user",
        json!({"owner": "beta", "name": "spy"}),
        &boss,
    )
    .await
    .error(403);
    kit.post(
        "/api/delete-organization",
        json!({"owner": "admin", "name": "beta"}),
        &boss,
    )
    .await
    .error(403);
    kit.post(
        "/api/update-user?id=acme/joe",
        json!({"displayName": "Joe"}),
        &boss,
    )
    .await
    .ok();
    kit.post(
        "/api/update-user?id=built-in/admin",
        json!({"isAdmin": false}),
        &boss,
    )
    .await
    .error(403);
    kit.post(
        "/api/update-user?id=built-in/admin",
        json!({"isAdmin": false}),
        admin,
    )
    .await
    .error(403);

    // No credentials at all.
    kit.get("/api/get-users?owner=acme", &Auth::None)
        .await
        .error(401);
    kit.get("/api/get-account", &Auth::None).await.error(401);
    kit.get(
        "/api/get-account",
        &Auth::Cookie("ferrodoor_session=forged".into()),
    )
    .await
    .error(401);
});

on_both_backends!(
    client_credentials_administer_their_own_organization,
    |kit| {
        let admin = &kit.admin;
        kit.post("/api/add-organization", json!({"name": "acme"}), admin)
            .await
            .ok();
        kit.post("/api/add-organization", json!({"name": "beta"}), admin)
            .await
            .ok();
        let app = kit
            .post(
                "/api/add-application",
                json!({"name": "acme-app", "organization": "acme"}),
                admin,
            )
            .await;
        let id = app.body["data2"]["clientId"].as_str().unwrap().to_string();
        let secret = app.body["data2"]["clientSecret"]
            .as_str()
            .unwrap()
            .to_string();
        let basic = Auth::Basic(id.clone(), secret.clone());
        kit.post(
            "/api/add-user",
            json!({"owner": "acme", "name": "sdk-user"}),
            &basic,
        )
        .await
        .ok();
        kit.get("/api/get-users?owner=acme", &basic).await.ok();
        kit.get("/api/get-users?owner=beta", &basic)
            .await
            .error(403);
        // Casdoor's Python SDK sends the credentials in the query string.
        kit.get(
            &format!("/api/get-users?owner=acme&clientId={id}&clientSecret={secret}"),
            &Auth::None,
        )
        .await
        .ok();
        kit.get(
            "/api/get-users?owner=acme",
            &Auth::Basic(id, "wrong".into()),
        )
        .await
        .error(401);
    }
);

on_both_backends!(secrets_never_leave_the_server, |kit| {
    let admin = &kit.admin;
    kit.setup_miniprogram("acme", "acme-mini", APP1).await;
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "sam", "password": "sam-secret-password"}),
        admin,
    )
    .await
    .ok();
    for path in [
        "/api/get-providers?owner=admin",
        "/api/get-provider?id=admin/provider-acme-mini",
        "/api/get-applications?owner=admin",
        "/api/get-application?id=admin/acme-mini",
        "/api/get-users?owner=acme",
        "/api/get-user?id=acme/sam",
    ] {
        let res = kit.get(path, admin).await;
        res.ok();
        assert!(!res.text.contains(APP1.1), "{path} shows the AppSecret");
        assert!(
            !res.text.contains("sam-secret-password"),
            "{path} shows a password"
        );
        assert!(
            !res.text.contains("$argon2"),
            "{path} shows a password hash"
        );
    }
    let provider = kit
        .get("/api/get-provider?id=admin/provider-acme-mini", admin)
        .await;
    assert_eq!(provider.ok()["clientSecret"], "***");
    // Sending the masked value back keeps the stored secret (the login still works).
    let mut p = provider.body["data"].clone();
    p["displayName"] = json!("renamed");
    kit.post("/api/update-provider?id=admin/provider-acme-mini", p, admin)
        .await
        .ok();
    let app = kit
        .get("/api/get-application?id=admin/acme-mini", admin)
        .await;
    let client_id = app.ok()["clientId"].as_str().unwrap().to_string();
    let login = kit
        .miniprogram_login(
            "/api/login/oauth/access_token",
            &client_id,
            &kit.wx_login(APP1.0, "sam"),
            "",
            "",
        )
        .await;
    login.ok_status();
    let cert = kit.get("/.well-known/jwks", &Auth::None).await;
    assert!(!cert.text.contains("PRIVATE"));
    assert!(cert.body["keys"][0].get("d").is_none());
});

on_both_backends!(bad_input_gets_a_clear_4xx_and_never_a_500, |kit| {
    let admin = &kit.admin;
    let msg = kit
        .post_raw(
            "/api/add-organization",
            "application/json",
            "{\"name\": ",
            admin,
        )
        .await
        .error(400);
    assert!(msg.contains("invalid JSON"), "{msg}");
    let msg = kit
        .post(
            "/api/add-organization",
            json!({"name": "acme", "colour": "red"}),
            admin,
        )
        .await
        .error(400);
    assert!(msg.contains("unknown field `colour`"), "{msg}");
    let msg = kit
        .post("/api/add-organization", json!({"name": "bad name!"}), admin)
        .await
        .error(400);
    assert!(msg.contains("invalid organization name"), "{msg}");
    let msg = kit
        .post(
            "/api/add-user",
            json!({"owner": "built-in", "name": "x", "isAdmin": "yes"}),
            admin,
        )
        .await
        .error(400);
    assert!(msg.contains("invalid"), "{msg}");
    let big = format!("{{\"name\":\"{}\"}}", "a".repeat(100_000));
    let msg = kit
        .post_raw("/api/add-organization", "application/json", big, admin)
        .await
        .error(413);
    assert!(msg.contains("larger than"), "{msg}");
    kit.post_raw(
        "/api/add-organization",
        "application/x-www-form-urlencoded",
        "name=x",
        admin,
    )
    .await
    .error(415);
    kit.post_raw("/api/add-organization", "application/json", "[1,2]", admin)
        .await
        .error(400);
    kit.get("/api/get-user?id=no-slash", admin).await.error(400);
    kit.get("/api/get-users?owner=built-in&pageSize=abc", admin)
        .await
        .error(400);
    kit.get(
        "/api/get-users?owner=built-in&field=password&value=x",
        admin,
    )
    .await
    .error(400);
    kit.get("/api/no-such-endpoint", admin).await.error(404);
    let res = kit
        .post_form("/api/login/oauth/access_token", &[("grant_type", "magic")])
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.body["error"], "unsupported_grant_type");
});

on_both_backends!(lists_filter_sort_and_page_without_sql_injection, |kit| {
    let admin = &kit.admin;
    kit.post("/api/add-organization", json!({"name": "acme"}), admin)
        .await
        .ok();
    for (name, display) in [
        ("ann", "Ann"),
        ("bill", "Bill"),
        ("cat", "Cat"),
        ("dan", "Dan%"),
    ] {
        kit.post(
            "/api/add-user",
            json!({"owner": "acme", "name": name, "displayName": display}),
            admin,
        )
        .await
        .ok();
    }
    let res = kit
        .get(
            "/api/get-users?owner=acme&field=displayName&value=a&sortField=name&sortOrder=descend",
            admin,
        )
        .await;
    let names: Vec<&str> = res
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["dan", "cat", "ann"]);
    let res = kit
        .get(
            "/api/get-users?owner=acme&p=2&pageSize=3&sortField=name",
            admin,
        )
        .await;
    assert_eq!(res.ok().as_array().unwrap().len(), 1);
    assert_eq!(res.body["data2"], 4);
    let res = kit
        .get(
            "/api/get-users?owner=acme&field=displayName&value=%25",
            admin,
        )
        .await;
    assert_eq!(
        res.ok().as_array().unwrap().len(),
        1,
        "% is matched literally"
    );
    let res = kit
        .get(
            "/api/get-users?owner=acme&field=name&value=%27%20OR%201%3D1%20--",
            admin,
        )
        .await;
    assert_eq!(res.ok().as_array().unwrap().len(), 0);
    kit.get(
        "/api/get-users?owner=acme&sortField=name%3B%20DROP%20TABLE%20users",
        admin,
    )
    .await
    .error(400);
    assert_eq!(kit.user_count("acme").await, 4);
});

async fn init_data_and_restart(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("init_data.json");
    std::fs::write(
        &path,
        json!({
            "organizations": [{"owner": "admin", "name": "test", "displayName": "Test", "accountItems": []}],
            "providers": [{"owner": "admin", "name": "provider_wechat_mp", "category": "OAuth", "type": "WeChatMiniProgram", "clientId": APP1.0, "clientSecret": APP1.1}],
            "applications": [{"owner": "admin", "name": "app-test", "organization": "test", "clientId": "6825f4f0af45554c8952", "clientSecret": "0123456789abcdef0123456789abcdef01234567",
                              "enableSignUp": true, "providers": [{"owner": "admin", "name": "provider_wechat_mp"}], "signupItems": []}],
            "users": [{"owner": "test", "name": "tom", "password": "tom-password", "displayName": "Tom", "isAdmin": true, "github": ""}],
            "certs": []
        })
        .to_string(),
    )
    .unwrap();
    let Some(mut kit) = Kit::start_with(backend, |s| s.init_data = Some(path.clone())).await else {
        return;
    };
    let count = || async {
        (
            kit.user_count("test").await,
            kit.get("/api/get-applications?owner=admin", &kit.admin)
                .await
                .ok()
                .as_array()
                .unwrap()
                .len(),
        )
    };
    let before = count().await;
    assert_eq!(before, (1, 2));
    // The seeds' client id works as given in init data.
    let login = kit
        .miniprogram_login(
            "/api/login/oauth/access_token",
            "6825f4f0af45554c8952",
            &kit.wx_login(APP1.0, "uma"),
            "",
            "",
        )
        .await;
    login.ok_status();
    kit.post(
        "/api/update-user?id=test/tom",
        json!({"displayName": "Thomas"}),
        &kit.admin,
    )
    .await
    .ok();
    kit.restart().await;
    kit.restart().await;
    let tom = kit.sign_in("test", "tom", "tom-password").await;
    let me = kit.get("/api/get-account", &tom).await;
    assert_eq!(
        me.ok()["displayName"],
        "Thomas",
        "init data must not overwrite later changes"
    );
    assert_eq!(
        kit.user_count("test").await,
        2,
        "restarts keep data and add nothing"
    );
    // The admin password is not reset by a restart with another configured password.
    kit.settings.admin_password = Some("another".into());
    kit.restart().await;
    let _ = kit.sign_in("built-in", "admin", ADMIN_PASSWORD).await;
    kit.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn init_data_is_idempotent_and_restarts_keep_data_sqlite() {
    init_data_and_restart(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn init_data_is_idempotent_and_restarts_keep_data_postgres() {
    init_data_and_restart(Backend::Postgres).await;
}

on_both_backends!(a_regenerated_client_secret_replaces_the_old_one, |kit| {
    kit.post("/api/add-organization", json!({"name": "acme"}), &kit.admin)
        .await
        .ok();
    let app = kit
        .post(
            "/api/add-application",
            json!({"name": "svc", "organization": "acme"}),
            &kit.admin,
        )
        .await;
    let id = app.body["data2"]["clientId"].as_str().unwrap().to_string();
    let old = app.body["data2"]["clientSecret"]
        .as_str()
        .unwrap()
        .to_string();
    kit.get(
        "/api/get-users?owner=acme",
        &Auth::Basic(id.clone(), old.clone()),
    )
    .await
    .ok();
    let res = kit
        .post(
            "/api/regenerate-client-secret?id=admin/svc",
            json!({}),
            &kit.admin,
        )
        .await;
    let new = res.ok()["clientSecret"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    kit.get("/api/get-users?owner=acme", &Auth::Basic(id.clone(), old))
        .await
        .error(401);
    kit.get("/api/get-users?owner=acme", &Auth::Basic(id, new))
        .await
        .ok();
    let info = kit.get("/api/get-server-info", &kit.admin).await;
    assert_eq!(info.ok()["origin"], kit.base);
});
