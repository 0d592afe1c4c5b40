//! stable_token and getuserphonenumber against the emulator over loopback HTTP.

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use ferrodoor_wechat::emulator::openid_for;
use ferrodoor_wechat::{ErrorKind, WeChatError};

#[tokio::test]
async fn stable_token_is_reused_with_its_remaining_time() {
    let setup = start().await;
    let first = setup
        .client
        .stable_token(BOUND_APP, BOUND_SECRET, false)
        .await
        .unwrap();
    assert_eq!(first.expires_in, 7200);
    assert!(first.access_token.len() >= 100);
    setup.emulator.advance_clock(Duration::from_secs(6000));
    let second = setup
        .client
        .stable_token(BOUND_APP, BOUND_SECRET, false)
        .await
        .unwrap();
    assert_eq!(second.access_token, first.access_token);
    // Whole seconds left, rounded down: the milliseconds this test took count.
    assert!(
        (1199..=1200).contains(&second.expires_in),
        "{}",
        second.expires_in
    );
    let stats = setup.emulator.stats();
    assert_eq!(
        (stats.stable_token_calls, stats.stable_token_minted),
        (2, 1)
    );
}

#[tokio::test]
async fn stable_token_is_renewed_five_minutes_early_and_the_old_one_still_works() {
    let setup = start().await;
    let old = setup
        .client
        .stable_token(BOUND_APP, BOUND_SECRET, false)
        .await
        .unwrap();
    setup.emulator.advance_clock(Duration::from_secs(7000));
    let new = setup
        .client
        .stable_token(BOUND_APP, BOUND_SECRET, false)
        .await
        .unwrap();
    assert_ne!(new.access_token, old.access_token);
    assert_eq!(new.expires_in, 7200);
    assert_eq!(setup.emulator.stats().stable_token_minted, 2);
    let code = setup
        .emulator
        .phone_code(BOUND_APP, "alice", "13800138000")
        .unwrap();
    setup
        .client
        .get_user_phone_number(&old.access_token, &code, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn tokens_are_per_app() {
    let setup = start().await;
    let bound = setup
        .client
        .stable_token(BOUND_APP, BOUND_SECRET, false)
        .await
        .unwrap();
    let plain = setup
        .client
        .stable_token(PLAIN_APP, PLAIN_SECRET, false)
        .await
        .unwrap();
    assert_ne!(bound.access_token, plain.access_token);
    let code = setup
        .emulator
        .phone_code(BOUND_APP, "alice", "13800138000")
        .unwrap();
    let error = setup
        .client
        .get_user_phone_number(&plain.access_token, &code, None)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidCode);
}

#[tokio::test]
async fn force_refresh_invalidates_the_old_token() {
    let setup = start().await;
    let old = setup
        .client
        .stable_token(BOUND_APP, BOUND_SECRET, false)
        .await
        .unwrap();
    let new = setup
        .client
        .stable_token(BOUND_APP, BOUND_SECRET, true)
        .await
        .unwrap();
    assert_ne!(new.access_token, old.access_token);
    let code = setup
        .emulator
        .phone_code(BOUND_APP, "alice", "13800138000")
        .unwrap();
    let error = setup
        .client
        .get_user_phone_number(&old.access_token, &code, None)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(40001));
    assert_eq!(error.kind(), ErrorKind::InvalidCredential);
    assert!(!error.to_string().contains(&old.access_token));
    setup
        .client
        .get_user_phone_number(&new.access_token, &code, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn expired_token_is_token_expired() {
    let setup = start().await;
    let token = setup
        .client
        .stable_token(BOUND_APP, BOUND_SECRET, false)
        .await
        .unwrap();
    setup.emulator.advance_clock(Duration::from_secs(7200));
    let code = setup
        .emulator
        .phone_code(BOUND_APP, "alice", "13800138000")
        .unwrap();
    let error = setup
        .client
        .get_user_phone_number(&token.access_token, &code, None)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::TokenExpired);
}

#[tokio::test]
async fn stable_token_checks_the_secret() {
    let setup = start().await;
    let error = setup
        .client
        .stable_token(BOUND_APP, PLAIN_SECRET, false)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(40125));
    assert!(!format!("{error:?}").contains(PLAIN_SECRET));
}

async fn token(setup: &Setup) -> String {
    setup
        .client
        .stable_token(BOUND_APP, BOUND_SECRET, false)
        .await
        .unwrap()
        .access_token
}

#[tokio::test]
async fn chinese_phone_number_flow() {
    let setup = start().await;
    let token = token(&setup).await;
    let code = setup
        .emulator
        .phone_code(BOUND_APP, "alice", "+86 13800138000")
        .unwrap();
    let phone = setup
        .client
        .get_user_phone_number(&token, &code, None)
        .await
        .unwrap();
    assert_eq!(phone.phone_number, "13800138000");
    assert_eq!(phone.pure_phone_number, "13800138000");
    assert_eq!(phone.country_code, "86");
    assert_eq!(phone.watermark.appid, BOUND_APP);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((phone.watermark.timestamp - now).abs() <= 5);
}

#[tokio::test]
async fn foreign_phone_number_keeps_its_country_code() {
    let setup = start().await;
    let token = token(&setup).await;
    let code = setup
        .emulator
        .phone_code(BOUND_APP, "alice", "+1 2025550123")
        .unwrap();
    let phone = setup
        .client
        .get_user_phone_number(&token, &code, None)
        .await
        .unwrap();
    assert_eq!(phone.phone_number, "+12025550123");
    assert_eq!(phone.pure_phone_number, "2025550123");
    assert_eq!(phone.country_code, "1");
}

#[tokio::test]
async fn phone_code_is_single_use() {
    let setup = start().await;
    let token = token(&setup).await;
    let code = setup
        .emulator
        .phone_code(BOUND_APP, "alice", "13800138000")
        .unwrap();
    setup
        .client
        .get_user_phone_number(&token, &code, None)
        .await
        .unwrap();
    let error = setup
        .client
        .get_user_phone_number(&token, &code, None)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(40029));
}

#[tokio::test]
async fn phone_code_expires() {
    let setup = start().await;
    let token = token(&setup).await;
    let code = setup
        .emulator
        .phone_code(BOUND_APP, "alice", "13800138000")
        .unwrap();
    setup.emulator.advance_clock(Duration::from_secs(301));
    let error = setup
        .client
        .get_user_phone_number(&token, &code, None)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidCode);
}

#[tokio::test]
async fn phone_code_checks_the_optional_openid() {
    let setup = start().await;
    let token = token(&setup).await;
    let code = setup
        .emulator
        .phone_code(BOUND_APP, "alice", "13800138000")
        .unwrap();
    let bob = openid_for(BOUND_APP, "bob");
    let error = setup
        .client
        .get_user_phone_number(&token, &code, Some(&bob))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, WeChatError::Api { errcode: 40003, .. }),
        "{error:?}"
    );
    let alice = openid_for(BOUND_APP, "alice");
    let phone = setup
        .client
        .get_user_phone_number(&token, &code, Some(&alice))
        .await
        .unwrap();
    assert_eq!(phone.pure_phone_number, "13800138000");
}

#[tokio::test]
async fn unknown_token_is_invalid_credential() {
    let setup = start().await;
    let code = setup
        .emulator
        .phone_code(BOUND_APP, "alice", "13800138000")
        .unwrap();
    let error = setup
        .client
        .get_user_phone_number("not-a-token", &code, None)
        .await
        .unwrap_err();
    assert_eq!(error.errcode(), Some(40001));
}
