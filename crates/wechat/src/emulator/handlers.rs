//! The emulator's HTTP surface: WeChat's three APIs and the `/__emulator/`
//! control endpoints (listed in the [`super`] module docs).

use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use super::world::{Rejection, World};
use super::{ControlError, Emulator, Fault, FaultMode};

pub(super) fn router(emulator: Emulator) -> Router {
    let control = Router::new()
        .route("/__emulator/login", post(control_login))
        .route("/__emulator/phone-code", post(control_phone_code))
        .route("/__emulator/encrypted-data", post(control_encrypted_data))
        .route("/__emulator/faults", post(control_faults))
        .route("/__emulator/stats", get(control_stats))
        .route("/__emulator/web-code", post(super::pages::control_web_code))
        .route("/__emulator/wxacodes", get(super::pages::control_wxa_codes))
        .layer(axum::middleware::from_fn(allow_any_origin));
    Router::new()
        .route("/sns/jscode2session", get(code_to_session))
        .route("/cgi-bin/stable_token", post(stable_token))
        .route("/wxa/business/getuserphonenumber", post(phone_number))
        .route("/sns/oauth2/access_token", get(web_access_token))
        .route("/sns/oauth2/refresh_token", get(web_refresh_token))
        .route("/sns/userinfo", get(web_user_info))
        .route("/wxa/getwxacodeunlimit", post(wxa_code))
        .merge(super::pages::router())
        .merge(control)
        .with_state(emulator)
}

/// CORS on the control endpoints only, for any origin: the admin console's test login
/// plays the phone from the browser. The emulator is a development tool with no secrets
/// behind these endpoints; WeChat's own APIs stay as WeChat serves them (no CORS).
async fn allow_any_origin(request: Request, next: Next) -> Response {
    let mut response = if request.method() == Method::OPTIONS {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    for (name, value) in [
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        (header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS"),
        (header::ACCESS_CONTROL_ALLOW_HEADERS, "content-type"),
        (header::ACCESS_CONTROL_MAX_AGE, "600"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

#[derive(Clone, Copy)]
enum Api {
    CodeToSession,
    StableToken,
    PhoneNumber,
    WebToken,
    WebUserInfo,
    WxaCode,
}

impl Api {
    /// jscode2session and the sns/oauth2 APIs really do label their JSON `text/plain`.
    fn content_type(self) -> &'static str {
        match self {
            Api::CodeToSession | Api::WebToken | Api::WebUserInfo => "text/plain",
            Api::StableToken | Api::PhoneNumber | Api::WxaCode => {
                "application/json; encoding=utf-8"
            }
        }
    }
}

/// A successful answer: JSON, or the picture of `getwxacodeunlimit`.
pub(super) enum Reply {
    Json(Value),
    Png(Vec<u8>),
}

impl From<Value> for Reply {
    fn from(value: Value) -> Self {
        Reply::Json(value)
    }
}

async fn code_to_session(
    State(emulator): State<Emulator>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    answer(&emulator, Api::CodeToSession, |world, now, _| {
        world.code_to_session(now, &query).map(Reply::Json)
    })
    .await
}

async fn stable_token(State(emulator): State<Emulator>, body: Bytes) -> Response {
    answer(&emulator, Api::StableToken, |world, now, _| {
        world.stable_token(now, &body).map(Reply::Json)
    })
    .await
}

async fn phone_number(
    State(emulator): State<Emulator>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let token = query.get("access_token").map(String::as_str);
    answer(&emulator, Api::PhoneNumber, |world, now, unix_now| {
        world
            .phone_number(now, unix_now, token, &body)
            .map(Reply::Json)
    })
    .await
}

async fn web_access_token(
    State(emulator): State<Emulator>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    answer(&emulator, Api::WebToken, |world, now, _| {
        world.web_access_token(now, &query).map(Reply::Json)
    })
    .await
}

async fn web_refresh_token(
    State(emulator): State<Emulator>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    answer(&emulator, Api::WebToken, |world, now, _| {
        world.web_refresh_token(now, &query).map(Reply::Json)
    })
    .await
}

async fn web_user_info(
    State(emulator): State<Emulator>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    answer(&emulator, Api::WebUserInfo, |world, now, _| {
        world.web_user_info(now, &query).map(Reply::Json)
    })
    .await
}

async fn wxa_code(
    State(emulator): State<Emulator>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let token = query.get("access_token").map(String::as_str);
    answer(&emulator, Api::WxaCode, |world, now, _| {
        world.wxa_code(now, token, &body).map(Reply::Png)
    })
    .await
}

/// What to do with one API request once the fault slot has been consulted.
enum Plan {
    /// Answer with WeChat's verdict, after an optional delay (`slow`).
    Answer(Result<Reply, Rejection>, Option<Duration>),
    /// Answer with the fault instead; WeChat never saw the request.
    Fail(FaultMode),
}

/// Counts the call, applies an armed fault, else lets `process` answer.
/// A fault answer leaves the world untouched (the code stays usable), except
/// `slow`, which processes first and answers late.
async fn answer(
    emulator: &Emulator,
    api: Api,
    process: impl FnOnce(&mut World, Instant, i64) -> Result<Reply, Rejection>,
) -> Response {
    let plan = {
        let mut shared = emulator.lock();
        let stats = &mut shared.world.stats;
        match api {
            Api::CodeToSession => stats.jscode2session_calls += 1,
            Api::StableToken => stats.stable_token_calls += 1,
            Api::PhoneNumber => stats.phone_calls += 1,
            Api::WebToken => stats.web_token_calls += 1,
            Api::WebUserInfo => stats.web_userinfo_calls += 1,
            Api::WxaCode => stats.wxa_code_calls += 1,
        }
        let (now, unix_now) = (shared.now(), shared.unix_now());
        match shared.faults.take() {
            None | Some((FaultMode::None, _)) => {
                Plan::Answer(process(&mut shared.world, now, unix_now), None)
            }
            Some((FaultMode::Slow, delay)) => {
                Plan::Answer(process(&mut shared.world, now, unix_now), Some(delay))
            }
            Some((mode, _)) => Plan::Fail(mode),
        }
    };
    match plan {
        Plan::Answer(result, delay) => {
            if let Some(delay) = delay {
                tokio::time::sleep(delay).await;
            }
            match result {
                Ok(Reply::Json(value)) => wechat_reply(api, value),
                Ok(Reply::Png(png)) => ([(header::CONTENT_TYPE, "image/png")], png).into_response(),
                Err(rejection) => wechat_error(api, rejection.errcode, rejection.errmsg),
            }
        }
        Plan::Fail(mode) => fault_response(api, mode),
    }
}

fn fault_response(api: Api, mode: FaultMode) -> Response {
    match mode {
        FaultMode::Busy => wechat_error(api, -1, "system error"),
        FaultMode::RateLimit => wechat_error(
            api,
            45011,
            "api minute-quota reach limit  mustslower  retry next minute",
        ),
        FaultMode::Blocked => wechat_error(api, 40226, "code blocked"),
        FaultMode::Http500 => html(
            StatusCode::INTERNAL_SERVER_ERROR,
            "<html><body><h1>500 Internal Server Error</h1></body></html>",
        ),
        FaultMode::Garbage => html(
            StatusCode::OK,
            "<html><body>upstream connect error or disconnect/reset before headers</body></html>",
        ),
        // `answer` handles Slow and None; dropping is the safe reading of either.
        FaultMode::Drop | FaultMode::Slow | FaultMode::None => dropped_connection(),
    }
}

fn wechat_reply(api: Api, value: Value) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(api.content_type()),
        )],
        value.to_string(),
    )
        .into_response()
}

fn wechat_error(api: Api, errcode: i64, errmsg: &str) -> Response {
    let errmsg = format!("{errmsg}, rid: {}", request_id());
    wechat_reply(api, json!({ "errcode": errcode, "errmsg": errmsg }))
}

fn html(status: StatusCode, body: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/html")], body).into_response()
}

/// WeChat's request id shape, e.g. `6592f8a0-4b1c2d3e-5f6a7b8c`.
fn request_id() -> String {
    let mut bytes = [0u8; 8];
    // A failed fill leaves zeros: a dull rid, not a broken answer.
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as u32)
        .unwrap_or_default();
    format!(
        "{now:08x}-{}-{}",
        hex::encode(&bytes[..4]),
        hex::encode(&bytes[4..])
    )
}

/// A response whose body fails before its first byte: hyper then closes the
/// connection without writing the (still buffered) head, so the client sees
/// a dropped connection rather than any answer.
fn dropped_connection() -> Response {
    Response::new(Body::new(FailingBody))
}

struct FailingBody;

impl http_body::Body for FailingBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, io::Error>>> {
        Poll::Ready(Some(Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "emulated dropped connection",
        ))))
    }
}

#[derive(Deserialize)]
struct LoginRequest {
    appid: String,
    user: String,
}

#[derive(Deserialize)]
struct PhoneCodeRequest {
    appid: String,
    user: String,
    phone: String,
}

#[derive(Deserialize)]
struct EncryptedDataRequest {
    appid: String,
    user: String,
    data: Map<String, Value>,
}

async fn control_login(State(emulator): State<Emulator>, body: Bytes) -> Response {
    let result =
        control_json::<LoginRequest>(&body).and_then(|r| emulator.login_code(&r.appid, &r.user));
    control_reply(result.map(|code| json!({ "code": code })))
}

async fn control_phone_code(State(emulator): State<Emulator>, body: Bytes) -> Response {
    let result = control_json::<PhoneCodeRequest>(&body)
        .and_then(|r| emulator.phone_code(&r.appid, &r.user, &r.phone));
    control_reply(result.map(|code| json!({ "code": code })))
}

async fn control_encrypted_data(State(emulator): State<Emulator>, body: Bytes) -> Response {
    let result = control_json::<EncryptedDataRequest>(&body)
        .and_then(|r| emulator.encrypted_data(&r.appid, &r.user, r.data));
    control_reply(result.map(|data| json!(data)))
}

async fn control_faults(State(emulator): State<Emulator>, body: Bytes) -> Response {
    let result = control_json::<Fault>(&body).map(|fault| emulator.set_fault(fault));
    control_reply(result.map(|()| json!({ "ok": true })))
}

async fn control_stats(State(emulator): State<Emulator>) -> Response {
    control_reply(Ok(json!(emulator.stats())))
}

/// Control bodies are JSON whatever the Content-Type, so plain `curl -d` works.
pub(super) fn control_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ControlError> {
    serde_json::from_slice(body).map_err(|e| ControlError::BadRequest(e.to_string()))
}

pub(super) fn control_reply(result: Result<Value, ControlError>) -> Response {
    match result {
        Ok(value) => axum::Json(value).into_response(),
        Err(error) => {
            let status = match error {
                ControlError::UnknownApp(_) => StatusCode::NOT_FOUND,
                ControlError::BadRequest(_) => StatusCode::BAD_REQUEST,
                ControlError::NoSession(_) => StatusCode::CONFLICT,
            };
            (status, axum::Json(json!({ "error": error.to_string() }))).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{EmulatorConfig, spawn};

    #[tokio::test]
    async fn control_endpoints_allow_browsers_wechat_apis_do_not() {
        let (addr, _emulator) = spawn(EmulatorConfig::with_apps(vec![
            "wxcors:secret".parse().unwrap(),
        ]))
        .await
        .unwrap();
        let client = reqwest::Client::new();
        let preflight = client
            .request(
                reqwest::Method::OPTIONS,
                format!("http://{addr}/__emulator/login"),
            )
            .header("origin", "http://127.0.0.1:1")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
            .await
            .unwrap();
        assert_eq!(preflight.status(), 204);
        assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
        assert_eq!(
            preflight.headers()["access-control-allow-headers"],
            "content-type"
        );
        let login = client
            .post(format!("http://{addr}/__emulator/login"))
            .header("content-type", "application/json")
            .body(r#"{"appid":"wxcors","user":"alice"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 200);
        assert_eq!(login.headers()["access-control-allow-origin"], "*");
        let wechat = client
            .get(format!("http://{addr}/sns/jscode2session"))
            .send()
            .await
            .unwrap();
        assert!(
            wechat
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
    }
}
