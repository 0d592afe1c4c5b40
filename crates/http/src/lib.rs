//! Ferrodoor's HTTP layer. Handlers only parse the request, call one [`Core`] method and
//! shape the answer; every error becomes a response in [`error`], nowhere else.

pub mod client_ip;
mod console;
mod error;
mod extract;
pub mod rate_limit;
mod response;
mod routes;
mod telemetry;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use ferrodoor_core::service::Core;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::sensitive_headers::SetSensitiveHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use error::ApiError;
pub use routes::ROUTES;
pub use telemetry::MetricsEndpoint;

/// The token endpoint's request parsing, as the handlers run it; public for the fuzz
/// harness (`crates/fuzz-harness`).
pub mod parsing {
    pub use crate::extract::{basic_credentials, parse_oauth_params};
    pub use crate::routes::token::token_params;
}

/// Largest request body accepted (JSON objects and forms are small; bigger is a mistake
/// or an attack).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// What every handler can reach: a handle, cloned by every extractor and layer that takes
/// the state (several times per request), so a clone is one reference count.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] holds.
#[derive(Clone)]
pub struct Shared {
    pub core: Arc<Core>,
    /// Whether cookies get the `Secure` attribute (the origin is https).
    pub secure_cookies: bool,
    /// The public origin, checked against `Origin` on cookie-authenticated writes.
    pub origin: String,
    /// WeChat's API base, shown to admins (the console offers a test login when it is the
    /// emulator).
    pub wechat_api_base: String,
    /// `/api/metrics`; None: the route answers 404.
    pub metrics: Option<MetricsEndpoint>,
    /// The per-client limit of the costly anonymous endpoints; None: off.
    pub rate_limit: Option<Arc<rate_limit::ClientRateLimit>>,
    /// Whose `X-Forwarded-For` names the client (see [`client_ip`]).
    pub trusted_proxies: client_ip::TrustedProxies,
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(core: Arc<Core>) -> Self {
        let origin = core.config().issuer.clone();
        AppState(Arc::new(Shared {
            secure_cookies: origin.starts_with("https://"),
            origin,
            core,
            wechat_api_base: String::new(),
            metrics: None,
            rate_limit: None,
            trusted_proxies: client_ip::TrustedProxies::default(),
        }))
    }

    /// The builders below run once, before the router clones the handle.
    fn shared_mut(&mut self) -> &mut Shared {
        Arc::make_mut(&mut self.0)
    }

    pub fn with_metrics(mut self, metrics: MetricsEndpoint) -> Self {
        self.shared_mut().metrics = Some(metrics);
        self
    }

    pub fn with_rate_limit(mut self, settings: &rate_limit::RateLimitSettings) -> Self {
        let shared = self.shared_mut();
        shared.rate_limit = rate_limit::ClientRateLimit::new(settings).map(Arc::new);
        shared.trusted_proxies = client_ip::TrustedProxies::new(&settings.trusted_proxies);
        self
    }

    pub fn with_wechat_api_base(mut self, base: &str) -> Self {
        self.shared_mut().wechat_api_base = base.to_string();
        self
    }
}

/// The whole HTTP API.
///
/// The layers wrap the routed service once instead of being applied to every route with
/// `Router::layer`: applied per route, each layer boxes the route again and every
/// `from_fn` layer clones the boxed rest of the stack for each request (about ninety
/// allocations per request with nine layers); around the router, those clones are
/// reference counts.
pub fn router(state: AppState) -> Router {
    let routed = routes::routes()
        .route_layer(axum::middleware::from_fn(telemetry::label_route))
        .with_state(state.clone());
    let layered = tower::ServiceBuilder::new()
        // Authorization headers and cookies never reach a log line.
        .layer(SetSensitiveHeadersLayer::new([
            AUTHORIZATION,
            COOKIE,
            SET_COOKIE,
        ]))
        // Spans name the path only: query strings may carry client secrets (Casdoor's SDKs
        // send `clientSecret` there).
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::extract::Request| {
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
        }))
        // Outside every layer that needs the client's address.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            client_ip::resolve,
        ))
        .layer(axum::middleware::from_fn(telemetry::audit_scope))
        .layer(axum::middleware::from_fn(telemetry::count_requests))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::GATEWAY_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(state, rate_limit::limit))
        .service(routed);
    Router::new().fallback_service(layered)
}
