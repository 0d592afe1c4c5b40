//! Switching from Casdoor with its own dump (`casdoor_dump/init_data.json`, made by
//! `casdoor_dump/make_dump.py` with Casdoor's structs and reference hash algorithms):
//! users sign in with their old passwords in every password type and are moved to
//! argon2id, the token Casdoor signed keeps working, the WeChat user's next mini-program
//! login finds them, and the report says what was skipped and why.

use std::path::PathBuf;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::kit::{APP1, Auth, Backend, Kit};

fn dump_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/integration/casdoor_dump")
}

fn fixtures() -> Value {
    let text = std::fs::read_to_string(dump_dir().join("passwords.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

async fn password_grant(kit: &Kit, user: &str, password: &str) -> StatusCode {
    kit.post_form(
        "/api/login/oauth/access_token",
        &[
            ("grant_type", "password"),
            ("client_id", "0ba528121ea87b3eb54d"),
            ("client_secret", "6b9fbd1c2a1f7b2c3d4e5f60718293a4b5c6d7e8"),
            ("username", user),
            ("password", password),
        ],
    )
    .await
    .status
}

async fn switch_from_casdoor(backend: Backend) {
    let fx = fixtures();
    let issuer = fx["issuer"].as_str().unwrap().to_string();
    let dump = dump_dir().join("init_data.json");
    // The start-up loader takes the dump as Casdoor wrote it.
    let Some(kit) = Kit::start_with(backend, |s| {
        s.origin = Some(issuer);
        s.init_data = Some(dump.clone());
    })
    .await
    else {
        return; // PostgreSQL not configured: skipped (the kit says so)
    };

    // Every password type signs in with the old password, and not with another.
    for (user, password) in fx["passwords"].as_object().unwrap() {
        let password = password.as_str().unwrap();
        assert_eq!(
            password_grant(&kit, user, password).await,
            StatusCode::OK,
            "{user} signs in with the Casdoor password"
        );
        assert_ne!(
            password_grant(&kit, user, &format!("{password}x")).await,
            StatusCode::OK,
            "{user}: a wrong password"
        );
    }
    // After a successful sign-in the hash is argon2id: it still verifies.
    assert_eq!(
        password_grant(&kit, "md5", "md5-Passw0rd").await,
        StatusCode::OK
    );
    // The user with an unsupported type and the one with an invalid name were skipped.
    let weird = kit.get("/api/get-user?id=acme/weird", &kit.admin).await;
    assert!(weird.ok().is_null());

    // The access token Casdoor issued (signed with the imported cert-acme) is accepted.
    let casdoor_token = fx["accessToken"].as_str().unwrap().to_string();
    let me = kit
        .get("/api/get-account", &Auth::Bearer(casdoor_token.clone()))
        .await;
    assert_eq!(me.ok()["name"], "bcrypt", "{}", me.text);
    // The authorization sections came in: bcrypt's role and the permission naming it.
    assert_eq!(me.ok()["roles"][0]["name"], "staff", "{}", me.text);
    assert_eq!(me.ok()["permissions"][0]["name"], "staff-read");
    let allowed = kit
        .post(
            "/api/enforce?permissionId=acme/staff-read",
            json!(["acme/bcrypt", "doc1", "read"]),
            &kit.admin,
        )
        .await;
    assert_eq!(allowed.ok(), &json!([true]));
    for id in [
        "group?id=acme/readers",
        "adapter?id=acme/adapter-1",
        "enforcer?id=acme/enforcer-1",
    ] {
        let got = kit.get(&format!("/api/get-{id}"), &kit.admin).await;
        assert!(got.ok().is_object(), "{id}: {}", got.text);
    }
    let broken = kit.get("/api/get-model?id=acme/broken", &kit.admin).await;
    assert!(
        broken.ok().is_null(),
        "a model that does not parse is skipped"
    );
    let jwks = kit.get("/.well-known/jwks", &Auth::None).await;
    assert!(
        jwks.body["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == "cert-acme")
    );
    // Tokens the imported app issues now are signed by Casdoor's certificate too.
    let fresh = kit
        .post_form(
            "/api/login/oauth/access_token",
            &[
                ("grant_type", "password"),
                ("client_id", "0ba528121ea87b3eb54d"),
                ("client_secret", "6b9fbd1c2a1f7b2c3d4e5f60718293a4b5c6d7e8"),
                ("username", "plain"),
                ("password", "plain-Passw0rd"),
            ],
        )
        .await;
    let header = fresh.body["access_token"]
        .as_str()
        .unwrap()
        .split('.')
        .next()
        .unwrap()
        .to_string();
    use base64::Engine;
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["kid"], "cert-acme");

    // The WeChat user's next mini-program login finds them (by Casdoor's wechat column).
    let wendy = fx["wechatUser"].as_str().unwrap();
    let before = kit.user_count("acme").await;
    let code = kit.wx_login(APP1.0, "wendy");
    let login = kit
        .miniprogram_login(
            "/api/login/oauth/access_token",
            "0ba528121ea87b3eb54d",
            &code,
            "",
            "",
        )
        .await;
    login.ok_status();
    let token = login.body["access_token"].as_str().unwrap().to_string();
    let account = kit.get("/api/get-account", &Auth::Bearer(token)).await;
    assert_eq!(account.ok()["name"], wendy);
    assert_eq!(kit.user_count("acme").await, before, "no new account");

    // Loading the dump again creates nothing and reports what it does not import.
    let report = ferrodoor::import_casdoor(&kit.settings, &dump)
        .await
        .unwrap();
    assert_eq!(report.created, 0, "{report:?}");
    let skipped: Vec<String> = report
        .skipped
        .iter()
        .map(|(what, why)| format!("{what}: {why}"))
        .collect();
    for expected in [
        "users/acme/weird: unsupported Casdoor password type \"sha1-custom\"",
        "certs/cert-built-in: a certificate of that name with another key exists already",
        "sessions (1): console sessions do not carry over",
        "models/acme/broken: model acme/broken: the model has no [policy_definition] p",
    ] {
        assert!(
            skipped.iter().any(|s| s.starts_with(expected)),
            "{expected:?} not in {skipped:#?}"
        );
    }
    assert!(
        skipped.iter().any(|s| s.starts_with("users/acme/bad name")),
        "{skipped:#?}"
    );
    kit.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_casdoor_dump_imports_and_its_users_and_tokens_keep_working_sqlite() {
    switch_from_casdoor(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_casdoor_dump_imports_and_its_users_and_tokens_keep_working_postgres() {
    switch_from_casdoor(Backend::Postgres).await;
}

/// The SDKs' user calls: get-user by id, email and phone (pending ones never match),
/// set-password (admin reset; the user with the old one; nobody else), sign-up.
async fn sdk_user_calls(kit: &Kit) {
    let admin = &kit.admin;
    kit.post(
        "/api/add-organization",
        json!({"owner": "admin", "name": "acme"}),
        admin,
    )
    .await
    .ok();
    let add = kit
        .post(
            "/api/add-user",
            json!({"owner": "acme", "name": "alice", "password": "alice-pass-1",
                   "email": "alice@example.com", "phone": "13900000000"}),
            admin,
        )
        .await;
    add.ok();
    let id = add.body["data2"]["id"].as_str().unwrap().to_string();
    for q in [
        format!("userId={id}&owner=acme"),
        format!("userId={id}"),
        "email=alice@example.com".to_string(),
        "owner=acme&email=alice@example.com".to_string(),
        "phone=13900000000".to_string(),
        "id=acme/alice".to_string(),
    ] {
        let res = kit.get(&format!("/api/get-user?{q}"), admin).await;
        assert_eq!(res.ok()["name"], "alice", "{q}");
    }
    for q in ["email=nobody@example.com", "id=acme/nobody", "userId=nope"] {
        let res = kit.get(&format!("/api/get-user?{q}"), admin).await;
        assert!(res.ok().is_null(), "{q}: {}", res.text);
    }
    // Alice sets her own email: pending, so nobody finds her by it.
    let alice = kit.sign_in("acme", "alice", "alice-pass-1").await;
    let token = kit
        .post(
            "/api/update-user?columns=email",
            json!({"email": "new@example.com", "isAdmin": true}),
            &alice,
        )
        .await;
    assert_eq!(token.ok(), "Affected");
    let res = kit.get("/api/get-user?email=new@example.com", admin).await;
    assert!(res.ok().is_null(), "{}", res.text);
    let me = kit.get("/api/get-user?id=acme/alice", admin).await;
    assert_eq!(me.ok()["isAdmin"], false, "columns limit the write");
    // Bob may not look alice up.
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "bob", "password": "bob-pass-1"}),
        admin,
    )
    .await
    .ok();
    let bob = kit.sign_in("acme", "bob", "bob-pass-1").await;
    let res = kit.get(&format!("/api/get-user?userId={id}"), &bob).await;
    assert!(res.ok().is_null());
    kit.get("/api/get-user?id=acme/alice", &bob)
        .await
        .error(403);

    // set-password: as a form, multipart too.
    let form = |old: &str, new: &str| {
        format!("userOwner=acme&userName=alice&oldPassword={old}&newPassword={new}")
    };
    let res = kit
        .post_raw(
            "/api/set-password",
            "application/x-www-form-urlencoded",
            form("", "x-pass-2"),
            &bob,
        )
        .await;
    res.error(403);
    let res = kit
        .post_raw(
            "/api/set-password",
            "application/x-www-form-urlencoded",
            form("wrong", "x-pass-2"),
            &alice,
        )
        .await;
    res.error(400);
    let res = kit
        .post_raw(
            "/api/set-password",
            "application/x-www-form-urlencoded",
            form("alice-pass-1", "alice-pass-2"),
            &alice,
        )
        .await;
    res.ok();
    kit.sign_in("acme", "alice", "alice-pass-2").await;
    let boundary = "XyZ";
    let multipart = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"userOwner\"\r\n\r\nacme\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"userName\"\r\n\r\nalice\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"oldPassword\"\r\n\r\n\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"newPassword\"\r\n\r\nalice-pass-3\r\n\
         --{boundary}--\r\n"
    );
    let res = kit
        .post_raw(
            "/api/set-password",
            &format!("multipart/form-data; boundary={boundary}"),
            multipart,
            admin,
        )
        .await;
    res.ok();
    kit.sign_in("acme", "alice", "alice-pass-3").await;
}

/// Certificates (public part only, global administrators only) and organization names.
/// Runs after [`sdk_user_calls`]: acme and its user bob exist.
async fn sdk_read_calls(kit: &Kit) {
    let admin = &kit.admin;
    for path in ["/api/get-certs?owner=admin", "/api/get-global-certs"] {
        let res = kit.get(path, admin).await;
        let certs = res.ok().as_array().expect("an array").clone();
        assert!(!certs.is_empty(), "{path}: {}", res.text);
        for cert in &certs {
            assert_eq!(
                cert["privateKey"], "***",
                "{path}: a private key left the server"
            );
            let pem = cert["certificate"].as_str().unwrap_or("");
            assert!(pem.starts_with("-----BEGIN CERTIFICATE"), "{path}: {pem}");
        }
    }
    let certs = kit.get("/api/get-certs", admin).await;
    let name = certs.ok()[0]["name"].as_str().unwrap().to_string();
    let one = kit
        .get(&format!("/api/get-cert?id=admin/{name}"), admin)
        .await;
    assert_eq!(one.ok()["name"], name.as_str());
    assert_eq!(one.ok()["privateKey"], "***");
    let none = kit.get("/api/get-cert?id=admin/no-such-cert", admin).await;
    assert!(none.ok().is_null(), "{}", none.text);

    let bob = kit.sign_in("acme", "bob", "bob-pass-1").await;
    kit.get("/api/get-certs", &bob).await.error(403);
    kit.get(&format!("/api/get-cert?id=admin/{name}"), &bob)
        .await
        .error(403);

    let names = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .expect("an array")
            .iter()
            .map(|o| o["name"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let all = kit
        .get("/api/get-organization-names?owner=admin", admin)
        .await;
    assert!(
        names(all.ok()).contains(&"acme".to_string()),
        "{}",
        all.text
    );
    let own = kit.get("/api/get-organization-names", &bob).await;
    assert_eq!(
        names(own.ok()),
        vec!["acme".to_string()],
        "bob sees only his own"
    );
}

crate::on_both_backends!(the_sdks_user_calls_answer_as_casdoor, |kit| {
    sdk_user_calls(kit).await;
    sdk_read_calls(kit).await;
});
