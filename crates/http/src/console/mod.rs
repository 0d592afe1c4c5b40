//! The admin console: plain HTML, CSS and JavaScript modules from `crates/http/console/`,
//! embedded in the binary and served at `/console/` (no build step, no second server).
//!
//! The console is a client of the management API like any other: it signs in with
//! `POST /api/login` (the `SameSite=Strict` session cookie) and calls `/api/...`. Its pages
//! carry a strict Content-Security-Policy: scripts and styles from this origin only, no
//! inline code, no framing.

use axum::extract::{Path, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::AppState;

/// Where the console lives.
pub const CONSOLE_PATH: &str = "/console/";

/// A file of the console, embedded at compile time.
struct Asset {
    path: &'static str,
    body: &'static [u8],
}

/// Lists the embedded files: paths relative to `crates/http/console/`.
macro_rules! assets {
    ($($path:literal),* $(,)?) => {
        &[$(Asset {
            path: $path,
            body: include_bytes!(concat!("../../console/", $path)),
        }),*]
    };
}

static ASSETS: &[Asset] = assets![
    "index.html",
    "console.css",
    "icon.svg",
    "js/main.js",
    "js/api.js",
    "js/dom.js",
    "js/router.js",
    "js/ui.js",
    "js/form.js",
    "js/list.js",
    "js/providers-kind.js",
    "js/pages/login.js",
    "js/pages/overview.js",
    "js/pages/organizations.js",
    "js/pages/applications.js",
    "js/pages/providers.js",
    "js/pages/users.js",
    "js/pages/setup.js",
    "js/pages/snippet.js",
    "js/pages/verification-file.js",
    // Operations (issue 16)
    "js/chart.js",
    "js/pages/dashboard.js",
    "js/pages/records.js",
    "js/pages/webhooks.js",
    "js/pages/authz-object.js",
    "js/pages/roles.js",
    "js/pages/permissions.js",
    "js/pages/groups.js",
    "js/pages/models.js",
];

pub async fn to_console() -> Redirect {
    Redirect::to(CONSOLE_PATH)
}

pub async fn index(State(state): State<AppState>) -> Response {
    serve(&state, "index.html")
}

pub async fn asset(State(state): State<AppState>, Path(path): Path<String>) -> Response {
    serve(&state, &path)
}

fn serve(state: &AppState, path: &str) -> Response {
    let csp = content_security_policy(&state.wechat_api_base);
    let (status, content_type, body): (_, _, &'static [u8]) =
        match ASSETS.iter().find(|a| a.path == path) {
            Some(asset) => (StatusCode::OK, content_type(asset.path), asset.body),
            None => (
                StatusCode::NOT_FOUND,
                "text/plain; charset=utf-8",
                b"not found\n",
            ),
        };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    for (name, value) in SECURITY_HEADERS {
        headers.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    response
}

/// Sent with every console file. The files are embedded, so a revalidation is cheap and
/// a new binary is picked up at once (`no-cache`).
const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-cache"),
    ("cross-origin-opener-policy", "same-origin"),
];

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

/// Everything from this origin only, nothing inline. The one exception: when WeChat's API
/// base is not WeChat itself (the emulator), the console may call it for a test login.
fn content_security_policy(wechat_api_base: &str) -> String {
    let connect = match emulator_origin(wechat_api_base) {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_string(),
    };
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src {connect}; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The origin of a WeChat API base that is not `api.weixin.qq.com`, if it is a plain
/// http(s) origin (anything else is left out of the policy).
fn emulator_origin(base: &str) -> Option<String> {
    let url = url::Url::parse(base).ok()?;
    let host = url.host_str()?;
    if !matches!(url.scheme(), "http" | "https") || host.ends_with("weixin.qq.com") {
        return None;
    }
    Some(url.origin().ascii_serialization())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_allows_the_emulator_only() {
        let csp = content_security_policy("https://api.weixin.qq.com");
        assert!(csp.contains("connect-src 'self';"), "{csp}");
        assert!(csp.starts_with("default-src 'self'; script-src 'self';"));
        assert!(!csp.contains("unsafe"));
        let csp = content_security_policy("http://127.0.0.1:9090/");
        assert!(
            csp.contains("connect-src 'self' http://127.0.0.1:9090;"),
            "{csp}"
        );
        for odd in ["", "not a url", "javascript:alert(1)", "file:///etc"] {
            assert!(
                content_security_policy(odd).contains("connect-src 'self';"),
                "{odd}"
            );
        }
    }

    #[test]
    fn every_asset_has_a_type_and_every_module_import_resolves() {
        for asset in ASSETS {
            assert_ne!(
                content_type(asset.path),
                "application/octet-stream",
                "{}",
                asset.path
            );
            let Some(dir) = asset.path.strip_suffix(".js").map(|_| parent(asset.path)) else {
                continue;
            };
            let text = std::str::from_utf8(asset.body).unwrap();
            assert!(!text.contains("innerHTML"), "{} uses innerHTML", asset.path);
            for import in imports(text) {
                let target = resolve(dir, import);
                assert!(
                    ASSETS.iter().any(|a| a.path == target),
                    "{} imports {import} ({target}), which is not embedded",
                    asset.path
                );
            }
        }
    }

    /// The webhook page offers exactly the events the server records (issue 16).
    #[test]
    fn the_webhook_page_lists_every_event_and_no_other() {
        let page = ASSETS
            .iter()
            .find(|a| a.path == "js/pages/webhooks.js")
            .unwrap();
        let text = std::str::from_utf8(page.body).unwrap();
        let list = text
            .split("export const EVENTS = [")
            .nth(1)
            .and_then(|t| t.split("];").next())
            .expect("webhooks.js declares EVENTS");
        let offered: Vec<&str> = list
            .split(',')
            .map(|e| e.trim().trim_matches('\''))
            .filter(|e| !e.is_empty())
            .collect();
        assert_eq!(offered, ferrodoor_core::service::audit::EVENTS);
    }

    #[test]
    fn the_page_loads_no_inline_code() {
        let index = ASSETS.iter().find(|a| a.path == "index.html").unwrap();
        let html = std::str::from_utf8(index.body).unwrap();
        assert!(html.contains(r#"<script type="module" src="js/main.js"></script>"#));
        assert!(!html.contains("<style"));
        assert!(!html.contains(" style="));
        let handler = html
            .split_whitespace()
            .any(|word| word.starts_with("on") && word.contains('='));
        assert!(!handler, "an inline event handler");
    }

    fn parent(path: &str) -> &str {
        path.rsplit_once('/').map_or("", |(dir, _)| dir)
    }

    /// The relative specifiers of `import … from "./x.js"` lines.
    fn imports(js: &str) -> Vec<&str> {
        js.lines()
            .filter(|l| l.starts_with("import ") || l.starts_with("} from "))
            .filter_map(|l| l.split(['"', '\'']).nth(1))
            .collect()
    }

    fn resolve(dir: &str, spec: &str) -> String {
        let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
        for part in spec.split('/') {
            match part {
                "." => {}
                ".." => {
                    parts.pop();
                }
                p => parts.push(p),
            }
        }
        parts.join("/")
    }
}
