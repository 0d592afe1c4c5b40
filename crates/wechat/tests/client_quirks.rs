//! The client against a canned server that answers the odd ways WeChat (or a
//! proxy in front of it) does, and records what the client sent.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use ferrodoor_wechat::{ErrorKind, WeChatClient, WeChatError};
use serde_json::{Value, json};

#[derive(Clone, Default)]
struct Canned {
    answer: Arc<Mutex<CannedAnswer>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

#[derive(Clone, Default)]
struct CannedAnswer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

#[derive(Debug, Clone)]
struct Seen {
    path: String,
    raw_query: String,
    query: HashMap<String, String>,
    content_type: String,
    body: String,
}

async fn handler(
    State(canned): State<Canned>,
    uri: axum::http::Uri,
    RawQuery(raw_query): RawQuery,
    Query(query): Query<HashMap<String, String>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    canned.seen.lock().unwrap().push(Seen {
        path: uri.path().to_owned(),
        raw_query: raw_query.unwrap_or_default(),
        query,
        content_type: headers
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default(),
        body: String::from_utf8(body.to_vec()).unwrap(),
    });
    let CannedAnswer {
        status,
        headers,
        body,
    } = canned.answer.lock().unwrap().clone();
    let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
    for (name, value) in headers {
        response.headers_mut().insert(
            header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            value.parse().unwrap(),
        );
    }
    response
}

async fn canned_server() -> (SocketAddr, Canned, WeChatClient) {
    let canned = Canned::default();
    let app = Router::new()
        .fallback(any(handler))
        .with_state(canned.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = WeChatClient::new(&format!("http://{addr}")).unwrap();
    (addr, canned, client)
}

impl Canned {
    fn answer(&self, status: u16, content_type: &str, body: &str) {
        *self.answer.lock().unwrap() = CannedAnswer {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: body.into(),
        };
    }

    fn last(&self) -> Seen {
        self.seen.lock().unwrap().last().cloned().unwrap()
    }
}

#[tokio::test]
async fn code_to_session_url_encodes_every_value() {
    let (_, canned, client) = canned_server().await;
    canned.answer(200, "text/plain", r#"{"session_key":"k","openid":"o1"}"#);
    let tricky_code = "a+b&grant_type=evil/é ?#";
    let tricky_secret = "s=1&x";
    client
        .code_to_session("wxapp", tricky_secret, tricky_code)
        .await
        .unwrap();
    let seen = canned.last();
    assert_eq!(seen.path, "/sns/jscode2session");
    assert_eq!(seen.query["js_code"], tricky_code);
    assert_eq!(seen.query["secret"], tricky_secret);
    assert_eq!(seen.query["appid"], "wxapp");
    assert_eq!(seen.query["grant_type"], "authorization_code");
    assert_eq!(seen.query.len(), 4, "{:?}", seen.raw_query);
}

#[tokio::test]
async fn text_plain_string_errcode_is_an_api_error() {
    let (_, canned, client) = canned_server().await;
    canned.answer(
        200,
        "text/plain",
        r#"{"errcode":"40029","errmsg":"invalid code, rid: 1-2-3"}"#,
    );
    let error = client.code_to_session("wx", "s", "c").await.unwrap_err();
    assert_eq!(
        error,
        WeChatError::Api {
            errcode: 40029,
            errmsg: "invalid code, rid: 1-2-3".into()
        }
    );
}

#[tokio::test]
async fn success_without_errcode_and_empty_unionid() {
    let (_, canned, client) = canned_server().await;
    canned.answer(
        200,
        "text/html",
        r#"{"session_key":"k","openid":"o1","unionid":""}"#,
    );
    let session = client.code_to_session("wx", "s", "c").await.unwrap();
    assert_eq!((session.openid.as_str(), session.unionid), ("o1", None));
}

#[tokio::test]
async fn non_json_200_is_malformed() {
    let (_, canned, client) = canned_server().await;
    canned.answer(200, "text/html", "<html>gateway</html>");
    let error = client.code_to_session("wx", "s", "c").await.unwrap_err();
    assert!(matches!(error, WeChatError::Malformed(_)), "{error:?}");
}

#[tokio::test]
async fn oversized_body_is_malformed() {
    let (_, canned, client) = canned_server().await;
    let huge = format!(
        r#"{{"openid":"o","session_key":"k","pad":"{}"}}"#,
        "x".repeat(100_000)
    );
    canned.answer(200, "application/json", &huge);
    let error = client.code_to_session("wx", "s", "c").await.unwrap_err();
    assert!(matches!(error, WeChatError::Malformed(_)), "{error:?}");
}

#[tokio::test]
async fn error_statuses_and_redirects_are_http_status() {
    let (_, canned, client) = canned_server().await;
    canned.answer(502, "text/html", "bad gateway");
    let error = client.stable_token("wx", "s", false).await.unwrap_err();
    assert_eq!(error, WeChatError::HttpStatus(502));
    *canned.answer.lock().unwrap() = CannedAnswer {
        status: 302,
        headers: vec![("location".into(), "http://127.0.0.1:1/elsewhere".into())],
        body: String::new(),
    };
    let error = client.stable_token("wx", "s", false).await.unwrap_err();
    assert_eq!(error, WeChatError::HttpStatus(302));
    assert_eq!(
        canned.seen.lock().unwrap().len(),
        2,
        "redirect not followed"
    );
}

#[tokio::test]
async fn stable_token_sends_the_documented_json() {
    let (_, canned, client) = canned_server().await;
    canned.answer(
        200,
        "application/json; encoding=utf-8",
        r#"{"access_token":"AT","expires_in":"7200"}"#,
    );
    let token = client.stable_token("wxapp", "sec", true).await.unwrap();
    assert_eq!(token.expires_in, 7200);
    let seen = canned.last();
    assert_eq!(seen.path, "/cgi-bin/stable_token");
    assert!(seen.content_type.starts_with("application/json"));
    assert_eq!(
        serde_json::from_str::<Value>(&seen.body).unwrap(),
        json!({"grant_type":"client_credential","appid":"wxapp","secret":"sec","force_refresh":true})
    );
}

#[tokio::test]
async fn phone_request_shape_with_and_without_openid() {
    let (_, canned, client) = canned_server().await;
    canned.answer(
        200,
        "application/json",
        r#"{"errcode":0,"errmsg":"ok","phone_info":{"phoneNumber":"13800138000","purePhoneNumber":"13800138000","countryCode":"86","watermark":{"timestamp":1637744274,"appid":"wxapp"}}}"#,
    );
    let phone = client
        .get_user_phone_number("TOKEN/+=", "pcode", None)
        .await
        .unwrap();
    assert_eq!(phone.country_code, "86");
    let seen = canned.last();
    assert_eq!(seen.path, "/wxa/business/getuserphonenumber");
    assert_eq!(seen.query["access_token"], "TOKEN/+=");
    assert_eq!(
        serde_json::from_str::<Value>(&seen.body).unwrap(),
        json!({"code": "pcode"})
    );
    client
        .get_user_phone_number("T", "pcode", Some("oOPENID"))
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&canned.last().body).unwrap(),
        json!({"code": "pcode", "openid": "oOPENID"})
    );
}

#[tokio::test]
async fn connection_refused_is_unreachable_without_secrets() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = WeChatClient::new(&format!("http://{addr}")).unwrap();
    let secret = "super-secret-app-secret";
    let error = client
        .code_to_session("wxapp", secret, "code")
        .await
        .unwrap_err();
    assert!(matches!(error, WeChatError::Unreachable(_)), "{error:?}");
    assert_eq!(error.kind(), ErrorKind::Upstream);
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(secret), "{shown}");
    assert!(!shown.contains("secret="), "{shown}");
    let error = client
        .get_user_phone_number("ACCESS-TOKEN-VALUE", "code", None)
        .await
        .unwrap_err();
    assert!(!format!("{error} {error:?}").contains("ACCESS-TOKEN-VALUE"));
}

#[tokio::test]
async fn silent_server_times_out_without_secrets() {
    // Accepts connections but never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let _held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let client = WeChatClient::with_timeouts(
        &format!("http://{addr}"),
        Duration::from_millis(500),
        Duration::from_millis(300),
    )
    .unwrap();
    let error = client
        .code_to_session("wxapp", "super-secret", "code")
        .await
        .unwrap_err();
    assert_eq!(error, WeChatError::Timeout);
    assert!(!format!("{error:?}").contains("super-secret"));
}
