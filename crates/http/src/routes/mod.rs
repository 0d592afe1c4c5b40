//! Route table. Paths and JSON shapes are Casdoor's.

mod account;
mod authorize;
mod management;
mod oauth;
pub(crate) mod token;
mod wechat;
mod wellknown;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/login/oauth/access_token", post(token::token_endpoint))
        .route("/oauth/token", post(token::token_endpoint))
        .route(
            "/api/login/oauth/refresh_token",
            post(token::token_endpoint),
        )
        .route(
            "/login/oauth/authorize",
            get(authorize::authorize_page).post(authorize::authorize_submit),
        )
        .route("/api/login/oauth/introspect", post(oauth::introspect))
        .route("/api/login/oauth/revoke", post(oauth::revoke))
        .route("/api/bind-wechat", post(wechat::bind))
        .route("/api/unbind-wechat", post(wechat::unbind))
        .route("/api/get-identity-events", get(wechat::events))
        .route("/api/wechat/decrypt", post(wechat::decrypt))
        .route(
            "/api/wechat/verify-signature",
            post(wechat::verify_signature),
        )
        .route("/api/login", post(account::login))
        .route("/api/logout", get(account::logout).post(account::logout))
        .route("/api/get-account", get(account::get_account))
        .route(
            "/api/userinfo",
            get(account::userinfo).post(account::userinfo),
        )
        .route(
            "/.well-known/openid-configuration",
            get(wellknown::discovery),
        )
        .route("/.well-known/jwks", get(wellknown::jwks))
        .route("/api/health", get(wellknown::health))
        .merge(management::routes())
        .merge(crate::console::routes())
        .fallback(wellknown::not_found)
}
