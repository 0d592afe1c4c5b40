//! The one place errors become HTTP responses.
//!
//! Casdoor answers every error with HTTP 200; Ferrodoor keeps its envelope (clients read
//! `status` and `msg`) but sends the status code that says what happened.

use std::any::Any;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ferrodoor_core::error::UpstreamFailure;
use ferrodoor_core::store::StoreError;
use ferrodoor_core::{Error, OAuthErrorCode};
use serde_json::json;

use crate::response::Envelope;

/// An error of a management or account endpoint, answered in the envelope.
#[derive(Debug)]
pub enum ApiError {
    Core(Error),
    /// A request the HTTP layer refuses before the core sees it (bad JSON, too large, …).
    Http(StatusCode, String),
}

impl ApiError {
    pub fn bad_request(msg: impl Into<String>) -> Self {
        ApiError::Http(StatusCode::BAD_REQUEST, msg.into())
    }
}

/// An error of the token endpoint, answered as `{"error","error_description"}` (RFC 6749).
#[derive(Debug)]
pub struct OAuthApiError(pub Error);

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::Core(e)
    }
}

impl From<Error> for OAuthApiError {
    fn from(e: Error) -> Self {
        OAuthApiError(e)
    }
}

/// The status code an error is answered with.
pub(crate) fn status_of(e: &Error) -> StatusCode {
    status_and_message(e).0
}

/// Status code and the message a client may see. Internal details are logged, not shown.
pub(crate) fn status_and_message(e: &Error) -> (StatusCode, String) {
    match e {
        Error::Invalid(m) => (StatusCode::BAD_REQUEST, m.clone()),
        Error::Unauthenticated(m) => (StatusCode::UNAUTHORIZED, m.clone()),
        Error::Forbidden(m) => (StatusCode::FORBIDDEN, m.clone()),
        Error::NotFound(m) => (StatusCode::NOT_FOUND, m.clone()),
        Error::Conflict(m) => (StatusCode::CONFLICT, m.clone()),
        Error::OAuth(o) => (oauth_status(o.code), o.description.clone()),
        Error::Upstream { failure, message } => (upstream_status(*failure), message.clone()),
        Error::TooManyAttempts { message, .. } => (StatusCode::TOO_MANY_REQUESTS, message.clone()),
        Error::Store(StoreError::Conflict(m)) => (StatusCode::CONFLICT, m.clone()),
        Error::Store(StoreError::Reference(m)) => (StatusCode::CONFLICT, m.clone()),
        Error::Store(StoreError::Invalid(m)) => (
            StatusCode::BAD_REQUEST,
            format!("the database cannot store a value of this request: {m}"),
        ),
        Error::Store(StoreError::Unavailable(_)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is unavailable; retry shortly".to_string(),
        ),
        Error::Store(StoreError::Other(_)) | Error::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal server error".to_string(),
        ),
    }
}

fn oauth_status(code: OAuthErrorCode) -> StatusCode {
    match code {
        OAuthErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
        OAuthErrorCode::AccessDenied => StatusCode::FORBIDDEN,
        OAuthErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

fn upstream_status(failure: UpstreamFailure) -> StatusCode {
    match failure {
        UpstreamFailure::Timeout => StatusCode::GATEWAY_TIMEOUT,
        UpstreamFailure::BadGateway => StatusCode::BAD_GATEWAY,
        UpstreamFailure::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        UpstreamFailure::Busy => StatusCode::SERVICE_UNAVAILABLE,
    }
}

fn log(e: &Error, status: StatusCode) {
    if status.is_server_error() {
        tracing::error!(error = %e, "request failed");
    } else {
        tracing::debug!(error = %e, "request refused");
    }
}

/// Seconds to wait before retrying, for the `Retry-After` of 503s and 429s: what the error
/// says when it knows (a frozen account), else a short pause.
fn retry_after(e: Option<&Error>) -> u64 {
    match e {
        Some(Error::TooManyAttempts {
            retry_after_seconds,
            ..
        }) => *retry_after_seconds,
        _ => 5,
    }
}

/// What a browser page (the hosted sign-in page) shows for an error: its status, a message
/// without internals (server errors get a fixed text), and the `Retry-After` seconds.
pub fn page_error(e: &Error) -> (StatusCode, String, Option<u64>) {
    let (status, msg) = status_and_message(e);
    log(e, status);
    let msg = match status {
        StatusCode::SERVICE_UNAVAILABLE => {
            "The service is temporarily unavailable. Please try again in a moment.".to_string()
        }
        s if s.is_server_error() => "The server could not complete the sign-in.".to_string(),
        _ => msg,
    };
    let wait = (status == StatusCode::SERVICE_UNAVAILABLE
        || status == StatusCode::TOO_MANY_REQUESTS)
        .then(|| retry_after(Some(e)));
    (status, msg, wait)
}

/// Headers every error of a class carries: a `WWW-Authenticate` challenge on 401s and a
/// `Retry-After` hint when trying again later can help.
fn add_headers(response: &mut Response, status: StatusCode, oauth: bool, error: Option<&Error>) {
    let headers = response.headers_mut();
    if status == StatusCode::UNAUTHORIZED {
        let challenge = if oauth {
            r#"Basic realm="OAuth2""#
        } else {
            r#"Bearer realm="ferrodoor""#
        };
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(challenge),
        );
    }
    if status == StatusCode::SERVICE_UNAVAILABLE || status == StatusCode::TOO_MANY_REQUESTS {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after(error)));
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, msg, error) = match &self {
            ApiError::Core(e) => {
                let (status, msg) = status_and_message(e);
                log(e, status);
                (status, msg, Some(e))
            }
            ApiError::Http(status, msg) => (*status, msg.clone(), None),
        };
        let mut response = (status, Envelope::error(msg)).into_response();
        add_headers(&mut response, status, false, error);
        response
    }
}

impl IntoResponse for OAuthApiError {
    fn into_response(self) -> Response {
        let (status, description) = status_and_message(&self.0);
        log(&self.0, status);
        let code = match &self.0 {
            Error::OAuth(o) => o.code.as_str(),
            Error::Invalid(_) | Error::Store(StoreError::Invalid(_)) => "invalid_request",
            Error::Unauthenticated(_) => "invalid_client",
            Error::Forbidden(_) => "access_denied",
            _ if status.is_server_error() && status != StatusCode::INTERNAL_SERVER_ERROR => {
                "temporarily_unavailable"
            }
            Error::Upstream { .. } | Error::TooManyAttempts { .. } => "temporarily_unavailable",
            _ => "server_error",
        };
        let mut response = (
            status,
            Json(json!({ "error": code, "error_description": description })),
        )
            .into_response();
        add_headers(&mut response, status, true, Some(&self.0));
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// A panic in a handler is a bug: answer 500 in the envelope, never a dropped connection.
pub fn panic_response(_: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Envelope::error("internal server error".to_string()),
    )
        .into_response()
}
