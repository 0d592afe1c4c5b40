//! The other grants of the token endpoint, and its Casdoor-compatible input forms.

use reqwest::StatusCode;
use serde_json::json;

use crate::kit::{APP1, Auth};
use crate::on_both_backends;

const TOKEN: &str = "/api/login/oauth/access_token";

on_both_backends!(client_credentials_tokens_act_for_the_application, |kit| {
    kit.post("/api/add-organization", json!({"name": "acme"}), &kit.admin)
        .await
        .ok();
    let app = kit
        .post(
            "/api/add-application",
            json!({"name": "svc", "organization": "acme", "grantTypes": ["client_credentials"]}),
            &kit.admin,
        )
        .await;
    let id = app.body["data2"]["clientId"].as_str().unwrap().to_string();
    let secret = app.body["data2"]["clientSecret"]
        .as_str()
        .unwrap()
        .to_string();
    let res = kit
        .post_form(
            TOKEN,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
            ],
        )
        .await;
    res.ok_status();
    assert!(
        res.body.get("refresh_token").is_none(),
        "no refresh token for client credentials"
    );
    let bearer = Auth::Bearer(res.body["access_token"].as_str().unwrap().into());
    kit.get("/api/get-users?owner=acme", &bearer).await.ok();
    kit.get("/api/get-users?owner=built-in", &bearer)
        .await
        .error(403);
    // HTTP Basic works too (client_secret_basic).
    let res = crate::kit::Kit::answer(
        kit.http
            .post(kit.url(TOKEN))
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    res.ok_status();
    let res = kit
        .post_form(
            TOKEN,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", "wrong"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.body["error"], "invalid_client");
    assert!(res.text.len() < 200 && !res.text.contains(&secret));
    let other = kit
        .post(
            "/api/add-application",
            json!({"name": "web", "organization": "acme"}),
            &kit.admin,
        )
        .await;
    let (oid, osecret) = (
        other.body["data2"]["clientId"].as_str().unwrap(),
        other.body["data2"]["clientSecret"].as_str().unwrap(),
    );
    let res = kit
        .post_form(
            TOKEN,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", oid),
                ("client_secret", osecret),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.body["error"], "unauthorized_client");
});

on_both_backends!(
    password_grant_checks_the_password_and_the_application,
    |kit| {
        kit.post("/api/add-organization", json!({"name": "acme"}), &kit.admin)
            .await
            .ok();
        let app = kit
            .post(
                "/api/add-application",
                json!({"name": "web", "organization": "acme", "grantTypes": ["password"]}),
                &kit.admin,
            )
            .await;
        let id = app.body["data2"]["clientId"].as_str().unwrap().to_string();
        kit.post(
            "/api/add-user",
            json!({"owner": "acme", "name": "pat", "password": "pat-password"}),
            &kit.admin,
        )
        .await
        .ok();
        let res = kit
            .post_form(
                TOKEN,
                &[
                    ("grant_type", "password"),
                    ("client_id", &id),
                    ("username", "pat"),
                    ("password", "pat-password"),
                ],
            )
            .await;
        res.ok_status();
        let me = kit
            .get(
                "/api/get-account",
                &Auth::Bearer(res.body["access_token"].as_str().unwrap().into()),
            )
            .await;
        assert_eq!(me.ok()["name"], "pat");
        for (user, password) in [("pat", "wrong"), ("nobody", "pat-password")] {
            let res = kit
                .post_form(
                    TOKEN,
                    &[
                        ("grant_type", "password"),
                        ("client_id", &id),
                        ("username", user),
                        ("password", password),
                    ],
                )
                .await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
            assert_eq!(res.body["error_description"], "wrong username or password");
        }
    }
);

on_both_backends!(refresh_tokens_rotate_and_work_once, |kit| {
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    let login = kit
        .miniprogram_login(TOKEN, &client_id, &kit.wx_login(APP1.0, "rita"), "", "")
        .await;
    let refresh = login.body["refresh_token"].as_str().unwrap().to_string();
    // Casdoor's Node SDK sends JSON bodies to the token endpoint.
    let res = kit.post(TOKEN, json!({"grant_type": "refresh_token", "client_id": client_id, "refresh_token": refresh}), &Auth::None).await;
    res.ok_status();
    assert_ne!(res.body["refresh_token"], refresh);
    kit.get(
        "/api/get-account",
        &Auth::Bearer(res.body["access_token"].as_str().unwrap().into()),
    )
    .await
    .ok();
    let again = kit.refresh(&client_id, &refresh).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert_eq!(again.body["error"], "invalid_grant");
    let dup = kit
        .post_form(
            TOKEN,
            &[
                ("grant_type", "refresh_token"),
                ("grant_type", "password"),
                ("client_id", &client_id),
            ],
        )
        .await;
    assert_eq!(dup.body["error"], "invalid_request", "{}", dup.text);
});
