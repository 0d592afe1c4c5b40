//! The hosted sign-in page of the authorization endpoint (`/login/oauth/authorize`). Plain
//! server-rendered HTML, every value escaped, no script: it works in a mini program's
//! web-view and in any browser.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use ferrodoor_core::Error;
use ferrodoor_core::clock::Now;
use ferrodoor_core::entity::Application;
use ferrodoor_core::entity::ProviderKind;
use ferrodoor_core::service::SignInButton;
use ferrodoor_core::service::oauth::{AuthorizeError, AuthorizeRequest};
use ferrodoor_core::service::wechat_web::EmbeddedQr;

use crate::AppState;
use crate::error::{ApiError, page_error};
use crate::extract::{Q, form_has_nul, read_body};

#[derive(Debug, Default, serde::Deserialize)]
pub struct AuthorizeQs {
    /// The sign-in provider chosen on the page (`/login/wechat`).
    #[serde(default)]
    pub(crate) provider: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    response_type: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    nonce: String,
    #[serde(default)]
    code_challenge: String,
    #[serde(default)]
    code_challenge_method: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

impl AuthorizeQs {
    /// The relying party's parameters as a query string, for the provider buttons.
    fn request_query(&self) -> String {
        let r = self.request();
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("client_id", &r.client_id),
            ("response_type", &r.response_type),
            ("redirect_uri", &r.redirect_uri),
            ("scope", &r.scope),
            ("state", &r.state),
            ("nonce", &r.nonce),
            ("code_challenge", &r.code_challenge),
            ("code_challenge_method", &r.code_challenge_method),
        ] {
            if !v.is_empty() {
                q.append_pair(k, v);
            }
        }
        q.finish()
    }

    pub(crate) fn request(&self) -> AuthorizeRequest {
        AuthorizeRequest {
            client_id: self.client_id.clone(),
            response_type: self.response_type.clone(),
            redirect_uri: self.redirect_uri.clone(),
            scope: self.scope.clone(),
            state: self.state.clone(),
            nonce: self.nonce.clone(),
            code_challenge: self.code_challenge.clone(),
            code_challenge_method: self.code_challenge_method.clone(),
        }
    }
}

/// A browser page: even a malformed query string is answered in HTML.
pub async fn authorize_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    qs: Result<Q<AuthorizeQs>, ApiError>,
) -> Response {
    let qs = match qs {
        Ok(Q(qs)) => qs,
        Err(ApiError::Http(status, msg)) => return error_page(status, &msg),
        Err(e) => return e.into_response(),
    };
    match s.core.check_authorize_request(&qs.request()).await {
        Ok(app) => sign_in_page(&s, &headers, &qs, &app, StatusCode::OK, None).await,
        Err(e) => authorize_error(e),
    }
}

pub async fn authorize_submit(State(s): State<AppState>, req: Request) -> Response {
    let headers = req.headers().clone();
    let body = match read_body(req, &s).await {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    if form_has_nul(&body) {
        return error_page(
            StatusCode::BAD_REQUEST,
            "the form may not contain NUL characters",
        );
    }
    let qs: AuthorizeQs = match serde_urlencoded::from_bytes(&body) {
        Ok(q) => q,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, &format!("invalid form: {e}")),
    };
    let app = match s.core.check_authorize_request(&qs.request()).await {
        Ok(app) => app,
        Err(e) => return authorize_error(e),
    };
    let request = qs.request();
    let attempt =
        s.core
            .authorize_with_password(&request, &qs.username, &qs.password, Now::wall_clock());
    let signed_in = crate::telemetry::sign_in("authorize_password", attempt).await;
    match signed_in {
        Ok(location) => Redirect::to(&location).into_response(),
        Err(Error::Unauthenticated(m) | Error::Forbidden(m) | Error::Invalid(m)) => {
            let status = StatusCode::UNAUTHORIZED;
            sign_in_page(&s, &headers, &qs, &app, status, Some(&m)).await
        }
        Err(e @ Error::TooManyAttempts { .. }) => {
            let (status, msg, wait) = page_error(&e);
            let page = sign_in_page(&s, &headers, &qs, &app, status, Some(&msg)).await;
            with_retry_after(page, wait)
        }
        Err(e) => failure_page(&e),
    }
}

/// A page for an error the user cannot fix by editing the form (status from `error.rs`).
pub(crate) fn failure_page(e: &Error) -> Response {
    let (status, msg, wait) = page_error(e);
    with_retry_after(error_page(status, &msg), wait)
}

fn with_retry_after(mut res: Response, wait: Option<u64>) -> Response {
    if let Some(seconds) = wait {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    res
}

fn app_title(app: &ferrodoor_core::entity::Application) -> String {
    if app.display_name.is_empty() {
        app.name.clone()
    } else {
        app.display_name.clone()
    }
}

pub(crate) fn authorize_error(e: AuthorizeError) -> Response {
    match e {
        AuthorizeError::Page(msg) => error_page(StatusCode::BAD_REQUEST, &msg),
        AuthorizeError::Failed(e) => failure_page(&e),
        AuthorizeError::Redirect {
            redirect_uri,
            error,
            description,
            state,
        } => {
            let Ok(mut url) = url::Url::parse(&redirect_uri) else {
                return error_page(StatusCode::BAD_REQUEST, "redirect_uri is not a URL");
            };
            url.query_pairs_mut()
                .append_pair("error", error.as_str())
                .append_pair("error_description", &description);
            if !state.is_empty() {
                url.query_pairs_mut().append_pair("state", &state);
            }
            Redirect::to(url.as_str()).into_response()
        }
    }
}

/// HTML-escapes text for element content and double-quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center}\
main{background:#fff;padding:2rem;border-radius:10px;box-shadow:0 2px 12px #0002;width:min(22rem,90vw)}\
h1{font-size:1.3rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .2rem;font-size:.9rem}\
input{width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #bbb;border-radius:6px;font-size:1rem}\
button{margin-top:1.2rem;width:100%;padding:.7rem;border:0;border-radius:6px;background:#1a7f37;color:#fff;font-size:1rem}\
.error{color:#b42318;background:#fef3f2;padding:.6rem;border-radius:6px}\
.providers{margin:0 0 1rem}.provider{display:block;text-align:center;margin:.5rem 0;padding:.65rem;border:1px solid #1a7f37;border-radius:6px;color:#1a7f37;text-decoration:none}\
.status{font-size:1.05rem}.wxlogin{text-align:center;margin:0 0 1rem}";

/// The hosted pages' Content-Security-Policy (the sign-in page adds WeChat's `frame-src`).
const CSP: &str =
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

pub(crate) fn html_response(status: StatusCode, body: String) -> Response {
    let mut res = (status, Html(body)).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

/// The sign-in page of `app`: its provider buttons and, next to them, WeChat's embedded QR
/// (whose attempt cookie the page sets; it is the button flow's, see `wechat_web`).
async fn sign_in_page(
    s: &AppState,
    headers: &HeaderMap,
    qs: &AuthorizeQs,
    app: &Application,
    status: StatusCode,
    error: Option<&str>,
) -> Response {
    let buttons = s.core.sign_in_buttons(app).await.unwrap_or_default();
    let in_wechat = super::wechat_web::inside_wechat(headers);
    let qr = s
        .core
        .embedded_wechat_qr(app, &qs.request(), &buttons, in_wechat, Now::wall_clock())
        .await
        .unwrap_or_default();
    let mut response = page(status, qs, &app_title(app), &buttons, qr.as_ref(), error);
    if let Some(qr) = qr {
        let csp = format!("{CSP}; frame-src {}", qr.origin);
        if let Ok(v) = HeaderValue::from_str(&csp) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, v);
        }
        super::wechat_web::set_cookie(s, &mut response, &qr.start.cookie, qr.start.max_age);
    }
    response
}

fn page(
    status: StatusCode,
    qs: &AuthorizeQs,
    title: &str,
    buttons: &[SignInButton],
    qr: Option<&EmbeddedQr>,
    error: Option<&str>,
) -> Response {
    let request = qs.request_query();
    let buttons: String = buttons
        .iter()
        .map(|b| {
            let href = match b.kind {
                ProviderKind::WeChatMiniProgram => format!("/login/wechat/scan?{request}"),
                _ => format!(
                    "/login/wechat?{request}&provider={}",
                    url::form_urlencoded::byte_serialize(b.provider.as_bytes()).collect::<String>()
                ),
            };
            format!(
                "<a class=\"provider\" href=\"{}\">{}</a>",
                escape(&href),
                escape(&b.label)
            )
        })
        .collect();
    let buttons = if buttons.is_empty() {
        String::new()
    } else {
        format!("<nav class=\"providers\" aria-label=\"Sign-in providers\">{buttons}</nav>")
    };
    let hidden: String = [
        ("client_id", &qs.client_id),
        ("response_type", &qs.response_type),
        ("redirect_uri", &qs.redirect_uri),
        ("scope", &qs.scope),
        ("state", &qs.state),
        ("nonce", &qs.nonce),
        ("code_challenge", &qs.code_challenge),
        ("code_challenge_method", &qs.code_challenge_method),
    ]
    .iter()
    .map(|(k, v)| {
        format!(
            "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
            escape(v)
        )
    })
    .collect();
    let error = error
        .map(|m| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(m)))
        .unwrap_or_default();
    // WxLogin's iframe, as wxLogin.js makes it: WeChat's page may navigate the top window.
    let qr = qr
        .map(|qr| {
            format!(
                "<div class=\"wxlogin\"><iframe title=\"WeChat QR sign-in\" src=\"{}\" width=\"300\" height=\"400\" frameborder=\"0\" scrolling=\"no\" sandbox=\"allow-scripts allow-top-navigation allow-same-origin\"></iframe></div>",
                escape(&qr.start.location)
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>Sign in to {t}</title><style>{STYLE}</style></head><body><main><h1>Sign in to {t}</h1>{error}{buttons}{qr}\
<form method=\"post\" action=\"/login/oauth/authorize\">{hidden}\
<label for=\"username\">Username</label><input id=\"username\" name=\"username\" autocomplete=\"username\" required value=\"{u}\">\
<label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
<button type=\"submit\">Sign in</button></form></main></body></html>",
        t = escape(title),
        u = escape(&qs.username),
    );
    html_response(status, body)
}

pub(crate) fn error_page(status: StatusCode, msg: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign-in error</title><style>{STYLE}</style></head>\
<body><main><h1>Cannot sign in</h1><p class=\"error\">{}</p></main></body></html>",
        escape(msg)
    );
    html_response(status, body)
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            super::escape(r#"<img src=x onerror="a('b')">&"#),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;"
        );
    }
}
