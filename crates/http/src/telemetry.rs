//! HTTP and sign-in metrics, and `GET /api/metrics`.
//!
//! Requests are counted by route template (axum's `MatchedPath`, so `/console/{*path}`
//! is one series however many files it serves), method and status. Requests that matched
//! no route are labelled `unmatched`.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ferrodoor_core::authz;

use crate::AppState;
use crate::error::{ApiError, OAuthApiError, status_of};
use crate::extract::Caller;

/// Requests by `route`, `method` and `status`.
pub const HTTP_REQUESTS: &str = "ferrodoor_http_requests_total";
/// Latency by `route`, `method` and `status` (seconds).
pub const HTTP_DURATION: &str = "ferrodoor_http_request_duration_seconds";
/// Sign-ins by `method` and `outcome` (`success`, `failure`: refused, `error`: the server
/// or WeChat failed).
pub const LOGINS: &str = "ferrodoor_logins_total";

/// What `/api/metrics` answers and who may read it; the server wires the exporter in.
#[derive(Clone)]
pub struct MetricsEndpoint {
    /// Renders the Prometheus text exposition (refreshing gauges such as the pool's first).
    pub render: Arc<dyn Fn() -> String + Send + Sync>,
    /// A bearer token that may scrape without an account (`FERRODOOR_METRICS_TOKEN`).
    pub token: Option<String>,
}

/// The route template a handler ran under, handed from the inner layer to the outer one.
#[derive(Clone)]
struct RouteLabel(String);

/// Inner layer (`route_layer`): notes the matched route template on the response.
pub(crate) async fn label_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let mut response = next.run(req).await;
    if let Some(route) = route {
        response.extensions_mut().insert(RouteLabel(route));
    }
    response
}

/// Outer layer: counts every request with its latency.
pub(crate) async fn count_requests(req: Request, next: Next) -> Response {
    let method = method_label(req.method());
    let started = Instant::now();
    let mut response = next.run(req).await;
    // Taken, not cloned: nothing after this layer reads it.
    let route = response
        .extensions_mut()
        .remove::<RouteLabel>()
        .map(|r| r.0)
        .unwrap_or_else(|| "unmatched".to_string());
    let status = response.status().as_u16().to_string();
    let labels = [
        ("route", route),
        ("method", method.to_string()),
        ("status", status),
    ];
    metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
    metrics::histogram!(HTTP_DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// Any method outside the standard ones is `other`, so a caller cannot mint series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// An error that knows the status it is answered with.
pub(crate) trait Answered {
    fn status(&self) -> StatusCode;
}

impl Answered for ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Core(e) => status_of(e),
            ApiError::Http(status, _) => *status,
        }
    }
}

impl Answered for OAuthApiError {
    fn status(&self) -> StatusCode {
        status_of(&self.0)
    }
}

impl Answered for ferrodoor_core::Error {
    fn status(&self) -> StatusCode {
        status_of(self)
    }
}

/// Counts one sign-in attempt by `method` (see [`login_method`] and the handlers).
pub(crate) fn login<T, E: Answered>(method: &'static str, result: &Result<T, E>) {
    let outcome = match result {
        Ok(_) => "success",
        Err(e) if e.status().is_server_error() => "error",
        Err(_) => "failure",
    };
    metrics::counter!(LOGINS, "method" => method, "outcome" => outcome).increment(1);
}

/// Runs a sign-in whose records carry `method` (`loginMethod`), and counts it by `method`.
pub(crate) async fn sign_in<T, E: Answered>(
    method: &'static str,
    attempt: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let result = ferrodoor_core::service::audit::signing_in_by(method, attempt).await;
    login(method, &result);
    result
}

/// The sign-in method of a token request: the mini program login (with or without a
/// phone code), else the grant type.
pub(crate) fn login_method(tag: &str, grant_type: &str, phone_code: &str) -> &'static str {
    if tag == ferrodoor_core::service::grants::WECHAT_MINIPROGRAM_TAG {
        return if phone_code.trim().is_empty() {
            "wechat_miniprogram"
        } else {
            "wechat_miniprogram_phone"
        };
    }
    match grant_type {
        "authorization_code" => "authorization_code",
        "refresh_token" => "refresh_token",
        "password" => "password",
        "client_credentials" => "client_credentials",
        _ => "unsupported",
    }
}

/// `GET /api/metrics`: the operator's bearer token, else a global admin's credentials.
pub async fn metrics_endpoint(
    State(state): State<AppState>,
    mut parts: Parts,
) -> Result<Response, ApiError> {
    let Some(endpoint) = state.metrics.clone() else {
        return Err(ApiError::Http(
            StatusCode::NOT_FOUND,
            "metrics are not enabled on this server".into(),
        ));
    };
    let presented = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, token)| token.trim().to_string());
    let by_token = presented
        .as_deref()
        .is_some_and(|t| authz::metrics_token_matches(endpoint.token.as_deref(), t));
    if !by_token {
        let Caller(who) = Caller::from_request_parts(&mut parts, &state).await?;
        authz::require_metrics_reader(&who)?;
    }
    let mut response = (endpoint.render)().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Makes the caller's address, method, path and language visible to the records the
/// request writes. The path only: query strings may carry secrets (`clientSecret`).
pub(crate) async fn audit_scope(req: Request, next: Next) -> Response {
    let client_ip = crate::client_ip::ClientIp::of(&req).text();
    let language = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split([',', ';']).next())
        .map(|v| v.trim().chars().take(16).collect())
        .unwrap_or_default();
    let info = ferrodoor_core::service::audit::RequestInfo {
        client_ip,
        method: req.method().as_str().to_string(),
        request_uri: req.uri().path().chars().take(1000).collect(),
        language,
    };
    info.scope(next.run(req)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_methods() {
        assert_eq!(
            login_method("wechat_miniprogram", "", ""),
            "wechat_miniprogram"
        );
        assert_eq!(
            login_method("wechat_miniprogram", "authorization_code", "pc"),
            "wechat_miniprogram_phone"
        );
        assert_eq!(login_method("", "refresh_token", ""), "refresh_token");
        assert_eq!(login_method("", "implicit", ""), "unsupported");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }
}
