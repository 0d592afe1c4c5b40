//! Injected faults reach the client as the right error kind, and a faulted
//! request leaves the login code usable.

mod common;

use std::time::{Duration, Instant};

use common::*;
use ferrodoor_wechat::emulator::{Fault, FaultMode};
use ferrodoor_wechat::{ErrorKind, WeChatError};

/// Arms `mode` once, checks the exchange fails with `expected`, then checks
/// the same code still works: WeChat never processed the faulted request.
async fn assert_fault_maps_to(mode: FaultMode, expected: ErrorKind) -> WeChatError {
    let setup = start().await;
    let code = setup.emulator.login_code(BOUND_APP, "alice").unwrap();
    setup.emulator.set_fault(Fault::times(mode, 1));
    let error = setup
        .client
        .code_to_session(BOUND_APP, BOUND_SECRET, &code)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), expected, "{mode:?} gave {error:?}");
    setup
        .client
        .code_to_session(BOUND_APP, BOUND_SECRET, &code)
        .await
        .unwrap_or_else(|e| panic!("code consumed by {mode:?}: {e}"));
    assert_eq!(setup.emulator.stats().jscode2session_calls, 2);
    error
}

#[tokio::test]
async fn busy_is_busy() {
    let error = assert_fault_maps_to(FaultMode::Busy, ErrorKind::Busy).await;
    assert_eq!(error.errcode(), Some(-1));
}

#[tokio::test]
async fn rate_limit_is_rate_limited() {
    let error = assert_fault_maps_to(FaultMode::RateLimit, ErrorKind::RateLimited).await;
    assert_eq!(error.errcode(), Some(45011));
}

#[tokio::test]
async fn blocked_is_blocked() {
    let error = assert_fault_maps_to(FaultMode::Blocked, ErrorKind::Blocked).await;
    assert_eq!(error.errcode(), Some(40226));
}

#[tokio::test]
async fn http500_is_an_upstream_http_status() {
    let error = assert_fault_maps_to(FaultMode::Http500, ErrorKind::Upstream).await;
    assert_eq!(error, WeChatError::HttpStatus(500));
}

#[tokio::test]
async fn garbage_is_malformed() {
    let error = assert_fault_maps_to(FaultMode::Garbage, ErrorKind::Upstream).await;
    assert!(matches!(error, WeChatError::Malformed(_)), "{error:?}");
}

#[tokio::test]
async fn drop_is_unreachable() {
    let error = assert_fault_maps_to(FaultMode::Drop, ErrorKind::Upstream).await;
    assert!(matches!(error, WeChatError::Unreachable(_)), "{error:?}");
}

#[tokio::test]
async fn slow_beyond_the_client_timeout_is_timeout_and_consumes_the_code() {
    let setup = start().await;
    let impatient = setup.client_with_timeout(Duration::from_millis(300));
    let code = setup.emulator.login_code(BOUND_APP, "alice").unwrap();
    setup
        .emulator
        .set_fault(Fault::slow(Duration::from_secs(3), Some(1)));
    let started = Instant::now();
    let error = impatient
        .code_to_session(BOUND_APP, BOUND_SECRET, &code)
        .await
        .unwrap_err();
    assert_eq!(error, WeChatError::Timeout);
    assert_eq!(error.kind(), ErrorKind::Upstream);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // Like an answer lost in transit: WeChat processed it, so a retry is 40163.
    let retry = impatient
        .code_to_session(BOUND_APP, BOUND_SECRET, &code)
        .await
        .unwrap_err();
    assert_eq!(retry.kind(), ErrorKind::CodeUsed);
}

#[tokio::test]
async fn slow_within_the_client_timeout_succeeds_late() {
    let setup = start().await;
    let code = setup.emulator.login_code(BOUND_APP, "alice").unwrap();
    setup
        .emulator
        .set_fault(Fault::slow(Duration::from_millis(300), Some(1)));
    let started = Instant::now();
    setup
        .client
        .code_to_session(BOUND_APP, BOUND_SECRET, &code)
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn counted_fault_stops_after_count() {
    let setup = start().await;
    let code = setup.emulator.login_code(BOUND_APP, "alice").unwrap();
    setup.emulator.set_fault(Fault::times(FaultMode::Busy, 2));
    for _ in 0..2 {
        let error = setup
            .client
            .code_to_session(BOUND_APP, BOUND_SECRET, &code)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Busy);
    }
    setup
        .client
        .code_to_session(BOUND_APP, BOUND_SECRET, &code)
        .await
        .unwrap();
}

#[tokio::test]
async fn uncounted_fault_lasts_until_mode_none() {
    let setup = start().await;
    setup
        .emulator
        .set_fault(Fault::always(FaultMode::RateLimit));
    for _ in 0..3 {
        let error = setup
            .client
            .stable_token(BOUND_APP, BOUND_SECRET, false)
            .await
            .unwrap_err();
        assert_eq!(error.kind(), ErrorKind::RateLimited);
    }
    setup.emulator.set_fault(Fault::always(FaultMode::None));
    setup
        .client
        .stable_token(BOUND_APP, BOUND_SECRET, false)
        .await
        .unwrap();
    let stats = setup.emulator.stats();
    assert_eq!(
        (stats.stable_token_calls, stats.stable_token_minted),
        (4, 1)
    );
}

#[tokio::test]
async fn faults_apply_to_the_phone_api_too() {
    let setup = start().await;
    let token = setup
        .client
        .stable_token(BOUND_APP, BOUND_SECRET, false)
        .await
        .unwrap();
    let code = setup
        .emulator
        .phone_code(BOUND_APP, "alice", "13800138000")
        .unwrap();
    setup.emulator.set_fault(Fault::times(FaultMode::Drop, 1));
    let error = setup
        .client
        .get_user_phone_number(&token.access_token, &code, None)
        .await
        .unwrap_err();
    assert!(matches!(error, WeChatError::Unreachable(_)), "{error:?}");
    let phone = setup
        .client
        .get_user_phone_number(&token.access_token, &code, None)
        .await
        .unwrap();
    assert_eq!(phone.pure_phone_number, "13800138000");
    assert_eq!(setup.emulator.stats().phone_calls, 2);
}

#[tokio::test]
async fn control_endpoints_are_never_faulted() {
    let setup = start().await;
    setup.emulator.set_fault(Fault::always(FaultMode::Http500));
    let http = reqwest::Client::new();
    let answer = http
        .post(format!("{}/__emulator/login", setup.base_url()))
        .body(format!(r#"{{"appid":"{BOUND_APP}","user":"alice"}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn drop_sends_not_a_single_byte() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let setup = start().await;
    setup.emulator.set_fault(Fault::times(FaultMode::Drop, 1));
    let mut socket = tokio::net::TcpStream::connect(setup.addr).await.unwrap();
    socket
        .write_all(b"GET /sns/jscode2session?appid=x HTTP/1.1\r\nHost: wechat\r\n\r\n")
        .await
        .unwrap();
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(2), socket.read_to_end(&mut received))
        .await
        .expect("the emulator kept the connection open");
    // A clean close (0 bytes) or a reset are both "no answer".
    if read.is_ok() {
        assert!(
            received.is_empty(),
            "{}",
            String::from_utf8_lossy(&received)
        );
    }
}
