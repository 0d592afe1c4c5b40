//! Casdoor's user calls as its SDKs and the official mini-program example make them:
//! get-user by id, email or phone, update-user with `?columns=`, set-password,
//! check-user-password, sign-up and get-sorted-users.

use axum::extract::State;
use ferrodoor_core::clock::Now;
use ferrodoor_core::entity::split_id;
use ferrodoor_core::service::{ListParams, SignupForm, USER_LIST_FIELDS, UserKey};
use serde::Deserialize;
use serde_json::Value;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, FormParams, JsonBody, Q};
use crate::response::Envelope;

/// get-user's and update-user's query parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UserQs {
    id: String,
    owner: String,
    user_id: String,
    email: String,
    phone: String,
    columns: Option<String>,
}

fn some(s: &str) -> Option<&str> {
    Some(s).filter(|s| !s.is_empty())
}

impl UserQs {
    /// The user named, as Casdoor's `GetUser` reads it: `userId` (with `owner`), else
    /// `email`, `phone` (with `owner` or the id's owner, else in every organization),
    /// else `id=owner/name`.
    fn key(&self) -> Result<UserKey<'_>, ApiError> {
        let owner = some(&self.owner).or_else(|| split_id(&self.id).map(|(o, _)| o));
        if !self.user_id.is_empty() {
            return Ok(UserKey::Id {
                owner,
                id: &self.user_id,
            });
        }
        if !self.email.is_empty() {
            return Ok(UserKey::Email {
                owner,
                email: &self.email,
            });
        }
        if !self.phone.is_empty() {
            return Ok(UserKey::Phone {
                owner,
                phone: &self.phone,
            });
        }
        let (owner, name) = split_id(&self.id).ok_or_else(|| {
            ApiError::bad_request(format!(
                "say which user: id=owner/name, userId, email or phone (id was {:?})",
                self.id
            ))
        })?;
        Ok(UserKey::Name { owner, name })
    }
}

/// A user that does not exist answers `status: ok` with `data: null`, as Casdoor does.
pub async fn get_user(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<UserQs>,
) -> Result<Envelope, ApiError> {
    Ok(Envelope::ok(s.core.find_user(&who, qs.key()?).await?))
}

/// Target: `?id=owner/name`, else `?userId=` with `owner`, else the body's `owner` and
/// `name`, else the caller themselves (the official example sends only `name`).
pub async fn update_user(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<UserQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let field = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("");
    let (owner, name) = if let Some((o, n)) = split_id(&qs.id) {
        (o.to_string(), n.to_string())
    } else if !qs.id.is_empty() {
        return Err(ApiError::bad_request(format!(
            "id must be owner/name, got {:?}",
            qs.id
        )));
    } else if !qs.user_id.is_empty() {
        let owner = some(&qs.owner).ok_or_else(|| {
            ApiError::bad_request("userId needs the user's organization in owner")
        })?;
        s.core.user_name_by_id(&who, owner, &qs.user_id).await?
    } else {
        match (some(field("owner")), some(field("name")), who.user()) {
            (Some(o), Some(n), _) => (o.to_string(), n.to_string()),
            (None, Some(n), Some(me)) => (me.owner.clone(), n.to_string()),
            (None, None, Some(me)) => (me.owner.clone(), me.name.clone()),
            _ => {
                return Err(ApiError::bad_request(
                    "say which user: ?id=owner/name or a body with owner and name",
                ));
            }
        }
    };
    Ok(Envelope::affected(
        s.core
            .update_user(
                &who,
                &owner,
                &name,
                &body,
                qs.columns.as_deref(),
                Now::wall_clock(),
            )
            .await?,
    ))
}

/// `userOwner`, `userName`, `oldPassword`, `newPassword` as a form (URL-encoded or
/// multipart, as the SDKs send it) or in the query.
pub async fn set_password(
    State(s): State<AppState>,
    Caller(who): Caller,
    form: FormParams,
) -> Result<Envelope, ApiError> {
    let (owner, name) = (form.get("userOwner"), form.get("userName"));
    if owner.is_empty() || name.is_empty() {
        return Err(ApiError::bad_request("userOwner and userName are required"));
    }
    s.core
        .set_password(
            &who,
            owner,
            name,
            form.get("oldPassword"),
            form.get("newPassword"),
            Now::wall_clock(),
        )
        .await?;
    Ok(Envelope::ok(Value::Null))
}

/// The body is a user object (the Go SDK sends its whole `User`): `owner`, `name` and
/// `password` are read.
pub async fn check_user_password(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let field = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("");
    let owner = some(field("owner"))
        .map(str::to_string)
        .or_else(|| who.user().map(|u| u.owner.clone()))
        .ok_or_else(|| ApiError::bad_request("owner is required"))?;
    s.core
        .check_user_password(
            &who,
            &owner,
            field("name"),
            field("password"),
            Now::wall_clock(),
        )
        .await?;
    Ok(Envelope::ok(Value::Null))
}

pub async fn signup(
    State(s): State<AppState>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let form: SignupForm = serde_json::from_value(body)
        .map_err(|e| ApiError::bad_request(format!("invalid sign-up body: {e}")))?;
    Ok(Envelope::ok(
        s.core.sign_up(&form, Now::wall_clock()).await?,
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SortedQs {
    owner: String,
    sorter: String,
    limit: Option<u32>,
}

/// Casdoor's `get-sorted-users?owner=&sorter=created_time&limit=10`: the first `limit`
/// users by `sorter` (a column, snake or camel case), descending.
pub async fn get_sorted_users(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<SortedQs>,
) -> Result<Envelope, ApiError> {
    let sorter = ferrodoor_core::fields::snake_case(&qs.sorter);
    let field = USER_LIST_FIELDS
        .iter()
        .find(|f| ferrodoor_core::fields::snake_case(f) == sorter)
        .ok_or_else(|| ApiError::bad_request(format!("cannot sort users by {:?}", qs.sorter)))?;
    let params = ListParams {
        page: Some(1),
        page_size: Some(qs.limit.unwrap_or(10).clamp(1, 1000)),
        sort_field: Some(field.to_string()),
        sort_order: Some("descend".into()),
        ..ListParams::default()
    };
    let owner = some(&qs.owner);
    Ok(Envelope::ok(
        s.core.list_users(&who, owner, &params).await?.items,
    ))
}
