use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;

pub async fn discovery(State(state): State<AppState>) -> Json<Value> {
    Json(state.core.discovery())
}

pub async fn jwks(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let set = state.core.jwks().await?;
    Ok(Json(
        serde_json::to_value(set).unwrap_or_else(|_| json!({"keys": []})),
    ))
}

/// Liveness and database reachability (503 while the database is down).
pub async fn health(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    state
        .core
        .store()
        .ping()
        .await
        .map_err(ferrodoor_core::Error::from)?;
    Ok(Json(
        json!({"status": "ok", "database": state.core.store().backend_name()}),
    ))
}

pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::Http(
        StatusCode::NOT_FOUND,
        format!("no such endpoint: {}", uri.path()),
    )
}

/// The OpenAPI document, embedded at compile time.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// `GET /api/openapi.json`: the document, its server being this server's public origin and
/// its version this build's.
pub async fn openapi(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    let mut doc: Value = serde_json::from_str(OPENAPI)
        .map_err(|e| ferrodoor_core::Error::Internal(format!("openapi.json: {e}")))?;
    doc["servers"] = json!([{ "url": state.origin }]);
    doc["info"]["version"] = json!(env!("CARGO_PKG_VERSION"));
    Ok(Json(doc))
}
