//! The emulator's HTTP control endpoints, driven the way a non-Rust test or a
//! developer with curl would, and the crypto round trip through them.

mod common;

use common::*;
use ferrodoor_wechat::crypto::{decrypt_data, verify_raw_data_signature};
use ferrodoor_wechat::emulator::openid_for;
use serde_json::{Value, json};

async fn post(setup: &Setup, path: &str, body: Value) -> (u16, Value) {
    let answer = reqwest::Client::new()
        .post(format!("{}{path}", setup.base_url()))
        .body(body.to_string()) // no Content-Type on purpose: curl -d style
        .send()
        .await
        .unwrap();
    let status = answer.status().as_u16();
    (status, answer.json().await.unwrap())
}

#[tokio::test]
async fn login_code_from_http_works_with_the_client() {
    let setup = start().await;
    let (status, answer) = post(
        &setup,
        "/__emulator/login",
        json!({"appid": BOUND_APP, "user": "alice"}),
    )
    .await;
    assert_eq!(status, 200);
    let code = answer["code"].as_str().unwrap();
    let session = setup
        .client
        .code_to_session(BOUND_APP, BOUND_SECRET, code)
        .await
        .unwrap();
    assert_eq!(session.openid, openid_for(BOUND_APP, "alice"));
}

#[tokio::test]
async fn jscode2session_answers_text_plain_like_wechat() {
    let setup = start().await;
    let code = setup.emulator.login_code(BOUND_APP, "alice").unwrap();
    let answer = reqwest::Client::new()
        .get(format!("{}/sns/jscode2session", setup.base_url()))
        .query(&[
            ("appid", BOUND_APP),
            ("secret", BOUND_SECRET),
            ("js_code", code.as_str()),
            ("grant_type", "authorization_code"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["content-type"], "text/plain");
    let body: Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
    assert_eq!(body["openid"], openid_for(BOUND_APP, "alice"));
    assert!(
        body.get("errcode").is_none(),
        "success has no errcode: {body}"
    );
}

#[tokio::test]
async fn phone_code_from_http_works_with_the_client() {
    let setup = start().await;
    let (status, answer) = post(
        &setup,
        "/__emulator/phone-code",
        json!({"appid": BOUND_APP, "user": "alice", "phone": "+86 13800138000"}),
    )
    .await;
    assert_eq!(status, 200);
    let token = setup
        .client
        .stable_token(BOUND_APP, BOUND_SECRET, false)
        .await
        .unwrap();
    let phone = setup
        .client
        .get_user_phone_number(&token.access_token, answer["code"].as_str().unwrap(), None)
        .await
        .unwrap();
    assert_eq!(phone.pure_phone_number, "13800138000");
}

#[tokio::test]
async fn faults_and_stats_over_http() {
    let setup = start().await;
    let (status, _) = post(
        &setup,
        "/__emulator/faults",
        json!({"mode": "busy", "count": 1}),
    )
    .await;
    assert_eq!(status, 200);
    let error = setup
        .client
        .stable_token(BOUND_APP, BOUND_SECRET, false)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(-1));
    setup
        .client
        .stable_token(BOUND_APP, BOUND_SECRET, false)
        .await
        .unwrap();
    let stats: Value = reqwest::get(format!("{}/__emulator/stats", setup.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        stats,
        json!({"jscode2session_calls": 0, "stable_token_calls": 2, "stable_token_minted": 1, "phone_calls": 0,
               "web_token_calls": 0, "web_userinfo_calls": 0, "wxa_code_calls": 0})
    );
    let (status, _) = post(&setup, "/__emulator/faults", json!({"mode": "explode"})).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn encrypted_data_decrypts_with_the_latest_session_key() {
    let setup = start().await;
    let (status, answer) = post(
        &setup,
        "/__emulator/encrypted-data",
        json!({"appid": BOUND_APP, "user": "alice", "data": {"nickName": "Band"}}),
    )
    .await;
    assert_eq!(status, 409, "no session key before a login: {answer}");

    let session = setup.login("alice").await;
    let (status, answer) = post(
        &setup,
        "/__emulator/encrypted-data",
        json!({"appid": BOUND_APP, "user": "alice", "data": {"nickName": "Band", "gender": 1}}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let key = session.session_key.expose();
    let data = decrypt_data(
        key,
        answer["iv"].as_str().unwrap(),
        answer["encryptedData"].as_str().unwrap(),
        BOUND_APP,
    )
    .unwrap();
    assert_eq!(data["nickName"], "Band");
    assert_eq!(data["watermark"]["appid"], BOUND_APP);
    let raw_data = answer["rawData"].as_str().unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(raw_data).unwrap(),
        json!({"nickName": "Band", "gender": 1})
    );
    assert!(verify_raw_data_signature(
        raw_data,
        key,
        answer["signature"].as_str().unwrap()
    ));

    // A later wx.login rotates the key: the old data no longer opens with the new key.
    let newer = setup.login("alice").await;
    let stale = decrypt_data(
        newer.session_key.expose(),
        answer["iv"].as_str().unwrap(),
        answer["encryptedData"].as_str().unwrap(),
        BOUND_APP,
    );
    assert!(stale.is_err());
}

#[tokio::test]
async fn control_errors_have_statuses() {
    let setup = start().await;
    let (status, answer) = post(
        &setup,
        "/__emulator/login",
        json!({"appid": "wxnope", "user": "alice"}),
    )
    .await;
    assert_eq!(status, 404);
    assert!(answer["error"].as_str().unwrap().contains("wxnope"));
    let (status, _) = post(&setup, "/__emulator/login", json!({"appid": BOUND_APP})).await;
    assert_eq!(status, 400);
    let (status, _) = post(
        &setup,
        "/__emulator/login",
        json!({"appid": BOUND_APP, "user": ""}),
    )
    .await;
    assert_eq!(status, 400);
    for phone in ["", "+86", "138-abc", "+8613800138000", "123"] {
        let (status, _) = post(
            &setup,
            "/__emulator/phone-code",
            json!({"appid": BOUND_APP, "user": "alice", "phone": phone}),
        )
        .await;
        assert_eq!(status, 400, "phone {phone:?} accepted");
    }
}
