//! Business-domain verification files (WeChat `web-view`): admins upload one per WeChat
//! provider (`?id=owner/provider`), and `GET /<name>.txt` answers it at the origin's root.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use ferrodoor_core::clock::Now;
use ferrodoor_core::entity::is_verification_file_name;
use serde::Deserialize;

use super::management::ListQs;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, JsonBody, Q};
use crate::response::Envelope;

/// `GET /api/get-verification-file?id=owner/provider`: the file, or `null`.
pub async fn get(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let (_, provider) = qs.id()?;
    Ok(Envelope::ok(
        s.core.get_verification_file(&who, &provider).await?,
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Upload {
    file_name: String,
    content: String,
}

/// `POST /api/upload-verification-file?id=owner/provider {fileName, content}`: stores it
/// (replacing the provider's previous one); answers `Affected` with the file in `data2`.
pub async fn upload(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (_, provider) = qs.id()?;
    let upload: Upload = serde_json::from_value(body)
        .map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))?;
    let file = s
        .core
        .set_verification_file(
            &who,
            &provider,
            &upload.file_name,
            &upload.content,
            Now::wall_clock(),
        )
        .await?;
    Ok(Envelope::affected(true).with_data2(file))
}

/// `POST /api/delete-verification-file?id=owner/provider`.
pub async fn delete(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let (_, provider) = qs.id()?;
    Ok(Envelope::affected(
        s.core
            .delete_verification_file(&who, &provider, Now::wall_clock())
            .await?,
    ))
}

/// `GET /<name>.txt`: the stored file as plain text; an unknown file 404; anything that
/// is not a verification file's name is the ordinary 404 of an unknown path. The name is
/// read from the raw path, not decoded: a valid one has no `%` to decode.
pub async fn serve(State(s): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    let file = uri.path().trim_start_matches('/');
    if !is_verification_file_name(file) {
        return Err(super::wellknown::not_found(uri.clone()).await);
    }
    let Some(content) = s.core.served_verification_file(file).await? else {
        return Err(ApiError::Http(
            StatusCode::NOT_FOUND,
            format!("no such file: /{file}"),
        ));
    };
    let mut response = (StatusCode::OK, content).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}
