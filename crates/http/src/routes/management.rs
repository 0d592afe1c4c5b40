//! Casdoor's management API for organizations, applications, providers and users.
//! Lists put the total in `data2` when paged; changes answer `"Affected"`/`"Unaffected"`
//! (and, new in Ferrodoor, the created object in `data2` of an `add-*`).

use axum::extract::State;
use ferrodoor_core::clock::Now;
use ferrodoor_core::entity::split_id;
use ferrodoor_core::service::ListParams;
use ferrodoor_core::store::Page;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{Caller, JsonBody, Q};
use crate::response::Envelope;

/// Casdoor's list and lookup query parameters.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListQs {
    id: Option<String>,
    owner: Option<String>,
    pub(crate) organization: Option<String>,
    p: Option<u32>,
    page_size: Option<u32>,
    field: Option<String>,
    value: Option<String>,
    sort_field: Option<String>,
    sort_order: Option<String>,
}

impl ListQs {
    pub(crate) fn params(&self) -> ListParams {
        ListParams {
            page: self.p,
            page_size: self.page_size,
            field: self.field.clone(),
            value: self.value.clone(),
            sort_field: self.sort_field.clone(),
            sort_order: self.sort_order.clone(),
        }
    }

    /// `?id=owner/name`.
    pub(crate) fn id(&self) -> Result<(String, String), ApiError> {
        let id = self.id.as_deref().unwrap_or("");
        split_id(id)
            .map(|(o, n)| (o.to_string(), n.to_string()))
            .ok_or_else(|| ApiError::bad_request(format!("id must be owner/name, got {id:?}")))
    }

    /// The owner filter; Casdoor's `owner=admin` on global lists means "all".
    pub(crate) fn owner_filter(&self) -> Option<&str> {
        self.owner.as_deref().filter(|o| !o.is_empty())
    }
}

pub(crate) fn page<T: Serialize>(page: Page<T>, params: &ListParams) -> Envelope {
    let envelope = Envelope::ok(&page.items);
    if params.is_paged() {
        envelope.with_data2(page.total)
    } else {
        envelope
    }
}

/// Target of a `delete-*`/`update-*`: `?id=owner/name`, else the body's `owner` and `name`.
pub(crate) fn target(qs: &ListQs, body: &Value) -> Result<(String, String), ApiError> {
    if qs.id.is_some() {
        return qs.id();
    }
    let field = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (owner, name) = (field("owner"), field("name"));
    if name.is_empty() {
        return Err(ApiError::bad_request(
            "say which object: ?id=owner/name or a body with owner and name",
        ));
    }
    Ok((owner, name))
}

pub async fn get_organizations(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let params = qs.params();
    Ok(page(
        s.core.list_organizations(&who, &params).await?,
        &params,
    ))
}

pub async fn get_organization(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let (_, name) = qs.id()?;
    Ok(Envelope::ok(s.core.get_organization(&who, &name).await?))
}

pub async fn add_organization(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let org = s
        .core
        .add_organization(&who, &body, Now::wall_clock())
        .await?;
    Ok(Envelope::affected(true).with_data2(org))
}

pub async fn update_organization(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (_, name) = target(&qs, &body)?;
    Ok(Envelope::affected(
        s.core
            .update_organization(&who, &name, &body, Now::wall_clock())
            .await?,
    ))
}

pub async fn delete_organization(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (_, name) = target(&qs, &body)?;
    Ok(Envelope::affected(
        s.core
            .delete_organization(&who, &name, Now::wall_clock())
            .await?,
    ))
}

pub async fn get_applications(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let params = qs.params();
    let org = qs.organization.as_deref().filter(|o| !o.is_empty());
    Ok(page(
        s.core.list_applications(&who, org, &params).await?,
        &params,
    ))
}

pub async fn get_application(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let (_, name) = qs.id()?;
    Ok(Envelope::ok(s.core.get_application(&who, &name).await?))
}

pub async fn add_application(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let app = s
        .core
        .add_application(&who, &body, Now::wall_clock())
        .await?;
    Ok(Envelope::affected(true).with_data2(app))
}

pub async fn update_application(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (_, name) = target(&qs, &body)?;
    Ok(Envelope::affected(
        s.core
            .update_application(&who, &name, &body, Now::wall_clock())
            .await?,
    ))
}

pub async fn delete_application(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (_, name) = target(&qs, &body)?;
    Ok(Envelope::affected(
        s.core
            .delete_application(&who, &name, Now::wall_clock())
            .await?,
    ))
}

pub async fn get_providers(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let params = qs.params();
    Ok(page(
        s.core
            .list_providers(&who, qs.owner_filter(), &params)
            .await?,
        &params,
    ))
}

pub async fn get_provider(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let (_, name) = qs.id()?;
    Ok(Envelope::ok(s.core.get_provider(&who, &name).await?))
}

pub async fn add_provider(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let provider = s.core.add_provider(&who, &body, Now::wall_clock()).await?;
    Ok(Envelope::affected(true).with_data2(provider))
}

pub async fn update_provider(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (_, name) = target(&qs, &body)?;
    Ok(Envelope::affected(
        s.core
            .update_provider(&who, &name, &body, Now::wall_clock())
            .await?,
    ))
}

pub async fn delete_provider(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (_, name) = target(&qs, &body)?;
    Ok(Envelope::affected(
        s.core
            .delete_provider(&who, &name, Now::wall_clock())
            .await?,
    ))
}

pub async fn get_users(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let params = qs.params();
    Ok(page(
        s.core.list_users(&who, qs.owner_filter(), &params).await?,
        &params,
    ))
}

pub async fn get_user_count(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let params = ListParams {
        page: Some(1),
        page_size: Some(1),
        ..ListParams::default()
    };
    Ok(Envelope::ok(
        s.core
            .list_users(&who, qs.owner_filter(), &params)
            .await?
            .total,
    ))
}

pub async fn add_user(
    State(s): State<AppState>,
    Caller(who): Caller,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let user = s.core.add_user(&who, &body, Now::wall_clock()).await?;
    Ok(Envelope::affected(true).with_data2(user))
}

pub async fn delete_user(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
    JsonBody(body): JsonBody,
) -> Result<Envelope, ApiError> {
    let (owner, name) = target(&qs, &body)?;
    Ok(Envelope::affected(
        s.core
            .delete_user(&who, &owner, &name, Now::wall_clock())
            .await?,
    ))
}

pub async fn get_user_identities(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let (owner, name) = qs.id()?;
    Ok(Envelope::ok(
        s.core.list_user_identities(&who, &owner, &name).await?,
    ))
}

pub async fn revoke_user_tokens(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let (owner, name) = qs.id()?;
    Ok(Envelope::ok(
        s.core
            .revoke_user_tokens(&who, &owner, &name, Now::wall_clock())
            .await?,
    ))
}

pub async fn regenerate_client_secret(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let (_, name) = qs.id()?;
    Ok(Envelope::ok(
        s.core
            .regenerate_client_secret(&who, &name, Now::wall_clock())
            .await?,
    ))
}

/// What the console needs to know about this server (admins only).
pub async fn get_server_info(
    State(s): State<AppState>,
    Caller(who): Caller,
) -> Result<Envelope, ApiError> {
    if who.admin_scope() == ferrodoor_core::authz::AdminScope::Nothing {
        return Err(ferrodoor_core::Error::forbidden("administrators only").into());
    }
    Ok(Envelope::ok(serde_json::json!({
        "origin": s.origin,
        "wechatApiBase": s.wechat_api_base,
        "database": s.core.store().backend_name(),
        "version": env!("CARGO_PKG_VERSION"),
    })))
}

/// Replaces a signing certificate by a new one; the old one keeps verifying its tokens.
pub async fn rotate_cert(
    State(s): State<AppState>,
    Caller(who): Caller,
    Q(qs): Q<ListQs>,
) -> Result<Envelope, ApiError> {
    let (_, name) = qs.id()?;
    Ok(Envelope::ok(
        s.core.rotate_cert(&who, &name, Now::wall_clock()).await?,
    ))
}
