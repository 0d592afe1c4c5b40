//! Extractors: who is calling, JSON bodies and Casdoor-style query strings, each failing
//! with an [`ApiError`] so even a malformed request gets the envelope and a clear `msg`.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ferrodoor_core::authz::Principal;
use ferrodoor_core::clock::Now;
use ferrodoor_core::{Error, OAuthErrorCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ApiError, OAuthApiError};
use crate::{AppState, MAX_BODY_BYTES};

/// The console's sign-in cookie.
pub const SESSION_COOKIE: &str = "ferrodoor_session";

/// PostgreSQL cannot store NUL in text (the query fails) and SQLite's `LIKE` stops at one
/// (a filter `%\0%` matches every row): no input may carry it, on either backend.
const NUL_REFUSED: &str = "text may not contain NUL (\\u0000) characters";

fn has_nul(s: &str) -> bool {
    s.contains('\0')
}

fn json_has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => has_nul(s),
        Value::Array(items) => items.iter().any(json_has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| has_nul(k) || json_has_nul(v)),
        _ => false,
    }
}

/// Whether a form-encoded string (query or body) decodes to a NUL anywhere.
pub fn form_has_nul(form: &[u8]) -> bool {
    url::form_urlencoded::parse(form).any(|(k, v)| has_nul(&k) || has_nul(&v))
}

/// An authenticated caller.
pub struct Caller(pub Principal);

/// Client credentials from HTTP Basic, if sent: `(client_id, client_secret)`.
pub fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, Error> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| Error::Unauthenticated("unreadable Authorization header".into()))?;
    let Some(encoded) = strip_scheme(value, "Basic") else {
        return Ok(None);
    };
    let decoded = STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| Error::Unauthenticated("malformed Basic credentials".into()))?;
    let (id, secret) = decoded
        .split_once(':')
        .filter(|_| !has_nul(&decoded))
        .ok_or_else(|| Error::Unauthenticated("malformed Basic credentials".into()))?;
    // RFC 6749 §2.3.1: both parts are form-urlencoded.
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Ok(Some((
        unescape(id).unwrap_or_default(),
        unescape(secret).unwrap_or_default(),
    )))
}

fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (given, rest) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then_some(rest)
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Cookie-authenticated writes must come from our own pages (CSRF: Casdoor had
/// CVE-2023-34927). The cookie is `SameSite=Strict` as well.
fn check_same_origin(parts: &Parts, origin: &str) -> Result<(), Error> {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let refuse = || Error::Forbidden("cross-site request refused".into());
    if let Some(o) = parts.headers.get(header::ORIGIN)
        && o.to_str().map_err(|_| refuse())? != origin
    {
        return Err(refuse());
    }
    if let Some(site) = parts.headers.get("sec-fetch-site")
        && !matches!(site.to_str().unwrap_or(""), "same-origin" | "none")
    {
        return Err(refuse());
    }
    Ok(())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let now = Now::wall_clock();
        let core = &state.core;
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let value = value
                .to_str()
                .map_err(|_| Error::Unauthenticated("unreadable Authorization header".into()))?;
            if let Some(token) = strip_scheme(value, "Bearer") {
                return Ok(Caller(core.authenticate_bearer(token.trim(), now).await?));
            }
            if let Some((id, secret)) = basic_credentials(&parts.headers)? {
                let app = core.authenticate_client(&id, &secret).await?;
                return Ok(Caller(Principal::Application(app)));
            }
            return Err(Error::Unauthenticated(
                "use a Bearer token or Basic client credentials".into(),
            )
            .into());
        }
        // Casdoor's SDKs may put client credentials in the query string.
        let query: Vec<(String, String)> = parts
            .uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default();
        let param = |k: &str| {
            query
                .iter()
                .find(|(name, _)| name == k)
                .map(|(_, v)| v.clone())
        };
        if let (Some(id), Some(secret)) = (param("clientId"), param("clientSecret")) {
            if has_nul(&id) || has_nul(&secret) {
                return Err(Error::Unauthenticated("malformed client credentials".into()).into());
            }
            let app = core.authenticate_client(&id, &secret).await?;
            return Ok(Caller(Principal::Application(app)));
        }
        if let Some(cookie) = cookie_value(&parts.headers, SESSION_COOKIE) {
            check_same_origin(parts, &state.origin)?;
            return Ok(Caller(core.authenticate_session(&cookie, now).await?));
        }
        Err(Error::Unauthenticated(
            "sign in, or send an access token (Authorization: Bearer …)".into(),
        )
        .into())
    }
}

/// A JSON object body. Refuses other content types (415), oversize bodies (413) and
/// malformed JSON (400) with a message that says which.
pub struct JsonBody(pub Value);

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            let mime = ct
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            mime == "application/json" || mime.ends_with("+json") || mime == "text/plain"
        })
        // No content type: Casdoor clients (and curl -d) often send none; the body decides.
        .unwrap_or(true)
}

pub async fn read_body(req: Request, state: &AppState) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::Http(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the request body is larger than {} KiB",
                    MAX_BODY_BYTES / 1024
                ),
            )
        } else {
            ApiError::bad_request(format!("could not read the request body: {e}"))
        }
    })
}

/// A JSON body of any shape; `what` names what is expected, for the errors.
async fn read_json(req: Request, state: &AppState, what: &str) -> Result<Value, ApiError> {
    if !is_json(req.headers()) {
        return Err(ApiError::Http(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the body as JSON (Content-Type: application/json)".into(),
        ));
    }
    let bytes = read_body(req, state).await?;
    if bytes.is_empty() {
        return Err(ApiError::bad_request(format!(
            "the request body is empty; send {what}"
        )));
    }
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request(format!("invalid JSON: {e}")))?;
    if json_has_nul(&value) {
        return Err(ApiError::bad_request(NUL_REFUSED));
    }
    Ok(value)
}

impl FromRequest<AppState> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let value = read_json(req, state, "a JSON object").await?;
        if !value.is_object() {
            return Err(ApiError::bad_request("the body must be a JSON object"));
        }
        Ok(JsonBody(value))
    }
}

/// A JSON array body (a Casbin request, or a batch of them).
pub struct JsonArray(pub Value);

impl FromRequest<AppState> for JsonArray {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let value = read_json(req, state, "a JSON array").await?;
        if !value.is_array() {
            return Err(ApiError::bad_request("the body must be a JSON array"));
        }
        Ok(JsonArray(value))
    }
}

/// A query string read into `T`, failing with a 400 envelope.
pub struct Q<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        if form_has_nul(query.as_bytes()) {
            return Err(ApiError::bad_request(NUL_REFUSED));
        }
        serde_urlencoded::from_str(query)
            .map(Q)
            .map_err(|e| ApiError::bad_request(format!("invalid query string: {e}")))
    }
}

/// Reads the token endpoint's parameters from the query, a form body and a JSON body.
pub async fn oauth_params(
    req: Request,
    state: &AppState,
) -> Result<(HeaderMap, Vec<(String, String)>), OAuthApiError> {
    let headers = req.headers().clone();
    let query = req.uri().query().map(str::to_owned);
    let bytes = read_body(req, state).await.map_err(|e| match e {
        ApiError::Http(_, msg) | ApiError::Core(Error::Invalid(msg)) => {
            OAuthApiError(Error::oauth(OAuthErrorCode::InvalidRequest, msg))
        }
        ApiError::Core(e) => OAuthApiError(e),
    })?;
    let params = parse_oauth_params(query.as_deref(), &headers, &bytes)?;
    Ok((headers, params))
}

/// The parameters of an OAuth request, in order: the query's, then the body's (a JSON
/// object when the content type says so, else a form). Separate from [`oauth_params`] so
/// the parsing can be fuzzed without a server.
pub fn parse_oauth_params(
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<(String, String)>, Error> {
    let mut params: Vec<(String, String)> = query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    if body.is_empty() {
        return Ok(params);
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if content_type == "application/json" {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            Error::oauth(
                OAuthErrorCode::InvalidRequest,
                format!("invalid JSON body: {e}"),
            )
        })?;
        let Value::Object(map) = value else {
            return Err(Error::oauth(
                OAuthErrorCode::InvalidRequest,
                "the JSON body must be an object",
            ));
        };
        for (k, v) in map {
            let v = match v {
                Value::String(s) => s,
                Value::Null => continue,
                other => other.to_string(),
            };
            params.push((k, v));
        }
    } else {
        params.extend(url::form_urlencoded::parse(body).into_owned());
    }
    if params.iter().any(|(k, v)| has_nul(k) || has_nul(v)) {
        return Err(Error::oauth(OAuthErrorCode::InvalidRequest, NUL_REFUSED));
    }
    Ok(params)
}

/// Casdoor's form parameters from the query string and the body, whichever encoding its
/// SDKs use: `application/x-www-form-urlencoded`, `multipart/form-data` (the Go and
/// Node.js SDKs' `set-password`) or a JSON object. Body values come after the query's.
pub struct FormParams(pub Vec<(String, String)>);

impl FormParams {
    /// The last value of `name` (a body value overrides the query's), or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

impl FromRequest<AppState> for FormParams {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let query = req.uri().query().unwrap_or("").to_owned();
        let mut params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        if content_type.starts_with("multipart/form-data") {
            let mut form = axum::extract::Multipart::from_request(req, state)
                .await
                .map_err(|e| ApiError::bad_request(format!("invalid multipart body: {e}")))?;
            while let Some(field) = form
                .next_field()
                .await
                .map_err(|e| ApiError::bad_request(format!("invalid multipart body: {e}")))?
            {
                let name = field.name().unwrap_or("").to_string();
                let value = field
                    .text()
                    .await
                    .map_err(|e| ApiError::bad_request(format!("invalid multipart field: {e}")))?;
                params.push((name, value));
            }
        } else {
            let bytes = read_body(req, state).await?;
            let json_body = content_type.starts_with("application/json")
                || (content_type.is_empty() && bytes.first() == Some(&b'{'));
            if json_body {
                let value: Value = serde_json::from_slice(&bytes)
                    .map_err(|e| ApiError::bad_request(format!("invalid JSON: {e}")))?;
                let Value::Object(map) = value else {
                    return Err(ApiError::bad_request("the body must be a JSON object"));
                };
                for (k, v) in map {
                    match v {
                        Value::String(s) => params.push((k, s)),
                        Value::Null => {}
                        other => params.push((k, other.to_string())),
                    }
                }
            } else {
                params.extend(url::form_urlencoded::parse(&bytes).into_owned());
            }
        }
        if params.iter().any(|(k, v)| has_nul(k) || has_nul(v)) {
            return Err(ApiError::bad_request(NUL_REFUSED));
        }
        Ok(FormParams(params))
    }
}
