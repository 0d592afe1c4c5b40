//! code2Session against the emulator over loopback HTTP.

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::*;
use ferrodoor_wechat::emulator::{openid_for, unionid_for};
use ferrodoor_wechat::{ErrorKind, WeChatError};

#[tokio::test]
async fn bound_app_login_returns_openid_unionid_and_session_key() {
    let setup = start().await;
    let code = setup.emulator.login_code(BOUND_APP, "alice").unwrap();
    let session = setup
        .client
        .code_to_session(BOUND_APP, BOUND_SECRET, &code)
        .await
        .unwrap();
    assert_eq!(session.openid, openid_for(BOUND_APP, "alice"));
    assert_eq!(session.unionid, Some(unionid_for("alice")));
    let key = base64::engine::general_purpose::STANDARD
        .decode(session.session_key.expose())
        .unwrap();
    assert_eq!(key.len(), 16);
    assert_eq!(
        setup
            .emulator
            .session_key(BOUND_APP, &session.openid)
            .as_deref(),
        Some(session.session_key.expose())
    );
    assert_eq!(setup.emulator.stats().jscode2session_calls, 1);
}

#[tokio::test]
async fn unbound_app_gets_no_unionid() {
    let setup = start().await;
    let code = setup.emulator.login_code(PLAIN_APP, "alice").unwrap();
    let session = setup
        .client
        .code_to_session(PLAIN_APP, PLAIN_SECRET, &code)
        .await
        .unwrap();
    assert_eq!(session.openid, openid_for(PLAIN_APP, "alice"));
    assert_eq!(session.unionid, None);
}

#[tokio::test]
async fn openid_differs_per_app_and_user() {
    let setup = start().await;
    let alice_bound = setup.login("alice").await;
    let bob_bound = setup.login("bob").await;
    let code = setup.emulator.login_code(PLAIN_APP, "alice").unwrap();
    let alice_plain = setup
        .client
        .code_to_session(PLAIN_APP, PLAIN_SECRET, &code)
        .await
        .unwrap();
    assert_ne!(alice_bound.openid, bob_bound.openid);
    assert_ne!(alice_bound.openid, alice_plain.openid);
    assert_ne!(alice_bound.unionid, bob_bound.unionid);
}

#[tokio::test]
async fn every_exchange_issues_a_new_session_key() {
    let setup = start().await;
    let first = setup.login("alice").await;
    let second = setup.login("alice").await;
    assert_eq!(first.openid, second.openid);
    assert_ne!(first.session_key, second.session_key);
    assert_eq!(
        setup
            .emulator
            .session_key(BOUND_APP, &first.openid)
            .as_deref(),
        Some(second.session_key.expose()),
        "the emulator remembers only the latest key"
    );
}

#[tokio::test]
async fn wrong_secret_is_invalid_credential_and_keeps_the_code() {
    let setup = start().await;
    let code = setup.emulator.login_code(BOUND_APP, "alice").unwrap();
    let wrong_secret = "wrong-secret-value-do-not-print";
    let error = setup
        .client
        .code_to_session(BOUND_APP, wrong_secret, &code)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(40125));
    assert_eq!(error.kind(), ErrorKind::InvalidCredential);
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("invalid appsecret, rid: "), "{shown}");
    assert!(!shown.contains(wrong_secret), "{shown}");
    // The request was rejected before the code was looked at.
    setup
        .client
        .code_to_session(BOUND_APP, BOUND_SECRET, &code)
        .await
        .unwrap();
}

#[tokio::test]
async fn unknown_appid_is_invalid_credential() {
    let setup = start().await;
    let code = setup.emulator.login_code(BOUND_APP, "alice").unwrap();
    let error = setup
        .client
        .code_to_session("wx0000000000000000", BOUND_SECRET, &code)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(40013));
    assert_eq!(error.kind(), ErrorKind::InvalidCredential);
}

#[tokio::test]
async fn reused_code_is_code_used() {
    let setup = start().await;
    let code = setup.emulator.login_code(BOUND_APP, "alice").unwrap();
    setup
        .client
        .code_to_session(BOUND_APP, BOUND_SECRET, &code)
        .await
        .unwrap();
    let error = setup
        .client
        .code_to_session(BOUND_APP, BOUND_SECRET, &code)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::CodeUsed);
    let WeChatError::Api { errcode, errmsg } = error else {
        panic!("expected an API error");
    };
    assert_eq!(errcode, 40163);
    assert!(errmsg.starts_with("code been used, rid: "), "{errmsg}");
}

#[tokio::test]
async fn unknown_or_foreign_code_is_invalid_code() {
    let setup = start().await;
    let error = setup
        .client
        .code_to_session(BOUND_APP, BOUND_SECRET, "0a3Xyz-never-issued")
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidCode);
    let plain_code = setup.emulator.login_code(PLAIN_APP, "alice").unwrap();
    let error = setup
        .client
        .code_to_session(BOUND_APP, BOUND_SECRET, &plain_code)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidCode);
}

#[tokio::test]
async fn code_expires_after_the_ttl_by_clock() {
    let setup = start().await;
    let fresh = setup.emulator.login_code(BOUND_APP, "alice").unwrap();
    let stale = setup.emulator.login_code(BOUND_APP, "alice").unwrap();
    setup.emulator.advance_clock(Duration::from_secs(299));
    setup
        .client
        .code_to_session(BOUND_APP, BOUND_SECRET, &fresh)
        .await
        .unwrap();
    setup.emulator.advance_clock(Duration::from_secs(1));
    let error = setup
        .client
        .code_to_session(BOUND_APP, BOUND_SECRET, &stale)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(40029));
}

#[tokio::test]
async fn code_expires_after_a_short_real_ttl() {
    let mut config = config();
    config.code_ttl = Duration::from_millis(200);
    let setup = start_with(config).await;
    let code = setup.emulator.login_code(BOUND_APP, "alice").unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let error = setup
        .client
        .code_to_session(BOUND_APP, BOUND_SECRET, &code)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidCode);
}

#[tokio::test]
async fn session_key_never_shows_in_debug_output() {
    let setup = start().await;
    let session = setup.login("alice").await;
    let shown = format!("{session:?}");
    assert!(!shown.contains(session.session_key.expose()), "{shown}");
    assert!(shown.contains("SessionKey(***)"), "{shown}");
}
