//! A user's roles, permissions and groups where Casdoor shows them: `get-account`,
//! `/api/userinfo` (scope `profile`) and the `JWT` access token; nobody else's.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::authz::org_with_app;
use crate::kit::{Auth, Kit};
use crate::on_both_backends;

const TOKEN: &str = "/api/login/oauth/access_token";

fn claims(jwt: &str) -> Value {
    serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(jwt.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap()
}

fn names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|v| v["name"].as_str().or(v.as_str()).unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// alice: in group staff and role editor (included by boss); bob: role other.
async fn grants(kit: &Kit, app: &Auth) {
    let add = |kind: &'static str, body: Value| async move {
        kit.post(&format!("/api/add-{kind}"), body, app).await.ok();
    };
    add("group", json!({"owner": "acme", "name": "staff"})).await;
    kit.post(
        "/api/update-user?id=acme/alice",
        json!({"groups": ["acme/staff"]}),
        app,
    )
    .await
    .ok();
    add(
        "role",
        json!({"owner": "acme", "name": "editor", "users": ["acme/alice"]}),
    )
    .await;
    add(
        "role",
        json!({"owner": "acme", "name": "boss", "roles": ["acme/editor"]}),
    )
    .await;
    add(
        "role",
        json!({"owner": "acme", "name": "other", "users": ["acme/bob"]}),
    )
    .await;
    for (name, users, groups, roles) in [
        (
            "p-direct",
            json!(["acme/alice", "acme/bob"]),
            json!([]),
            json!([]),
        ),
        ("p-group", json!([]), json!(["acme/staff"]), json!([])),
        ("p-role", json!([]), json!([]), json!(["acme/boss"])),
        (
            "p-bob",
            json!(["acme/bob"]),
            json!([]),
            json!(["acme/other"]),
        ),
    ] {
        add(
            "permission",
            json!({"owner": "acme", "name": name, "users": users, "groups": groups, "roles": roles,
                   "resources": ["doc"], "actions": ["read"], "submitter": "acme/admin-x"}),
        )
        .await;
    }
}

async fn password_token(kit: &Kit, client_id: &str, scope: &str) -> String {
    let res = kit
        .post_form(
            TOKEN,
            &[
                ("grant_type", "password"),
                ("client_id", client_id),
                ("username", "alice"),
                ("password", "pw-alice-123"),
                ("scope", scope),
            ],
        )
        .await;
    res.ok_status();
    res.body["access_token"].as_str().unwrap().to_string()
}

async fn password_app(kit: &Kit, name: &str, format: &str) -> String {
    let app = kit
        .post(
            "/api/add-application",
            json!({"name": name, "organization": "acme", "grantTypes": ["password"], "tokenFormat": format}),
            &kit.admin,
        )
        .await;
    app.ok();
    app.body["data2"]["clientId"].as_str().unwrap().to_string()
}

on_both_backends!(account_userinfo_and_jwt_show_the_users_own_grants, |kit| {
    let app = org_with_app(kit, "acme", &["alice", "bob"]).await;
    grants(kit, &app).await;

    let alice = kit.sign_in("acme", "alice", "pw-alice-123").await;
    let me = kit.get("/api/get-account", &alice).await;
    let data = me.ok();
    assert_eq!(names(&data["roles"]), vec!["boss", "editor"]);
    assert_eq!(
        names(&data["permissions"]),
        vec!["p-direct", "p-group", "p-role"]
    );
    assert_eq!(data["groups"], json!(["acme/staff"]));
    for r in data["roles"].as_array().unwrap() {
        assert_eq!(r["users"], Value::Null, "a role's members are not shown");
    }
    for p in data["permissions"].as_array().unwrap() {
        assert_eq!(p["users"], Value::Null);
        assert_eq!(p["submitter"], "");
    }
    assert!(!me.text.contains("acme/bob"), "nothing of bob: {}", me.text);

    // Bob's answer is his own, and a user without grants gets empty lists.
    let bob = kit.sign_in("acme", "bob", "pw-bob-123").await;
    let his = kit.get("/api/get-account", &bob).await;
    assert_eq!(names(&his.ok()["roles"]), vec!["other"]);
    assert_eq!(names(&his.ok()["permissions"]), vec!["p-bob", "p-direct"]);
    assert_eq!(his.ok()["groups"], json!([]));

    // The JWT format carries them; userinfo releases their names with `profile`.
    let full = password_app(kit, "full", "JWT").await;
    let token = password_token(kit, &full, "openid profile").await;
    let c = claims(&token);
    assert_eq!(names(&c["roles"]), vec!["boss", "editor"]);
    assert_eq!(
        names(&c["permissions"]),
        vec!["p-direct", "p-group", "p-role"]
    );
    assert_eq!(c["groups"], json!(["acme/staff"]));
    assert!(!token.is_empty() && !c.to_string().contains("acme/bob"));
    let info = kit.get("/api/userinfo", &Auth::Bearer(token)).await;
    assert_eq!(info.status, 200, "{}", info.text);
    assert_eq!(names(&info.body["roles"]), vec!["boss", "editor"]);
    assert_eq!(
        names(&info.body["permissions"]),
        vec!["p-direct", "p-group", "p-role"]
    );
    assert_eq!(info.body["groups"], json!(["acme/staff"]));
    let narrow = password_token(kit, &full, "openid email").await;
    let info = kit.get("/api/userinfo", &Auth::Bearer(narrow)).await;
    assert_eq!(info.status, 200, "{}", info.text);
    for claim in ["roles", "permissions", "groups"] {
        assert!(info.body.get(claim).is_none(), "{claim} needs profile");
    }

    // Other formats leave them out of the token.
    let standard = password_app(kit, "standard", "JWT-Standard").await;
    let c = claims(&password_token(kit, &standard, "openid profile").await);
    assert!(c.get("roles").is_none() && c.get("permissions").is_none());

    // A grant change shows on the next read.
    kit.post(
        "/api/update-role?id=acme/editor",
        json!({"users": []}),
        &app,
    )
    .await
    .ok();
    let me = kit.get("/api/get-account", &alice).await;
    assert_eq!(names(&me.ok()["roles"]), Vec::<String>::new());
    assert_eq!(names(&me.ok()["permissions"]), vec!["p-direct", "p-group"]);
});
