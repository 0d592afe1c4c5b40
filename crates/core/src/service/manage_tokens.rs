//! Casdoor's token management (`get-tokens`, `get-token`, `add-`, `update-`,
//! `delete-token`) for an organization's admins.
//!
//! Ferrodoor stores no access token (only the row its `jti` names) and only the hash of a
//! refresh token, so no answer carries a usable token or a hash, except the access token
//! `add-token` issues, answered once. Casdoor's admin API shows `accessToken`,
//! `refreshToken` and their hashes: a difference, in the README.

use serde_json::Value;

use super::audit::Event;
use super::{Core, ListParams};
use crate::authz::{
    Principal, require_can_issue_token, require_can_manage_sign_ins, sign_in_list_scope,
};
use crate::clock::Now;
use crate::entity::{GLOBAL_OWNER, Token, validate_name};
use crate::error::{Error, Result};
use crate::fields;
use crate::store::{Page, StoreError};

/// The Token fields Ferrodoor answers and reads (Casdoor's names).
pub const TOKEN_FIELDS: &[&str] = &[
    "owner",
    "name",
    "createdTime",
    "application",
    "organization",
    "user",
    "expiresIn",
    "scope",
    "tokenType",
    "grantType",
    "revoked",
];
pub const TOKEN_LIST_FIELDS: &[&str] = TOKEN_FIELDS;
/// Casdoor Token fields that Ferrodoor does not store (the SDKs send them, empty).
const IGNORED: &[&str] = &[
    "code",
    "accessToken",
    "refreshToken",
    "codeChallenge",
    "codeIsUsed",
    "codeExpireIn",
    "idToken",
    "accessTokenHash",
    "refreshTokenHash",
    "idTokenHash",
    "resource",
    "dPoPJkt",
    "sessionId",
];
/// Fields an update may not change: they say whose token it is and what it grants.
const FIXED: &[&str] = &[
    "owner",
    "name",
    "createdTime",
    "application",
    "organization",
    "user",
    "scope",
    "tokenType",
    "grantType",
];

/// The token `add-token` issued: its row and, this once, the signed access token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: Token,
    pub access_token: String,
}

fn token_body(body: &Value) -> Result<serde_json::Map<String, Value>> {
    let body = fields::canonical_keys(body, TOKEN_FIELDS, IGNORED);
    Ok(fields::object(&body, TOKEN_FIELDS, IGNORED)?.clone())
}

impl Core {
    /// `organization`: one organization's tokens; none (or Casdoor's `admin`): what the
    /// caller administers.
    pub async fn list_tokens(
        &self,
        who: &Principal,
        organization: Option<&str>,
        params: &ListParams,
    ) -> Result<Page<Token>> {
        let query = params.to_query(TOKEN_LIST_FIELDS)?;
        let scope = sign_in_list_scope(who, organization)?;
        Ok(self.store.list_tokens(scope.as_deref(), &query).await?)
    }

    /// None (Casdoor's `data: null`) when there is none, and for another organization's
    /// token, so token names cannot be probed.
    pub async fn get_token(&self, who: &Principal, name: &str) -> Result<Option<Token>> {
        let token = self.store.get_token(name).await?;
        Ok(token.filter(|t| require_can_manage_sign_ins(who, Some(&t.organization)).is_ok()))
    }

    /// Casdoor's `add-token`: issues a real access token for `user` of `organization`
    /// through `application` (no user: the application's own), at most the application's
    /// lifetime, without a refresh token.
    pub async fn add_token(&self, who: &Principal, body: &Value, now: Now) -> Result<IssuedToken> {
        let raw = token_body(body)?;
        for secret in ["accessToken", "refreshToken"] {
            if raw
                .get(secret)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
            {
                return Err(Error::invalid(format!(
                    "`{secret}` cannot be chosen: Ferrodoor issues the token itself and answers it once"
                )));
            }
        }
        let sent: Token = fields::build(&raw, TOKEN_FIELDS)?;
        let mut tx = self.store.begin().await?;
        let app = tx
            .get_application(&sent.application)
            .await?
            .ok_or_else(|| {
                Error::invalid(format!("application {:?} does not exist", sent.application))
            })?;
        let organization = if sent.organization.is_empty() {
            app.organization.clone()
        } else {
            sent.organization.clone()
        };
        require_can_issue_token(who, &organization, &app)?;
        let user = if sent.user.is_empty() {
            None
        } else {
            let user = tx
                .get_user(&organization, &sent.user)
                .await?
                .filter(|u| u.is_active())
                .ok_or_else(|| {
                    Error::invalid(format!(
                        "user {organization}/{} does not exist or may not sign in",
                        sent.user
                    ))
                })?;
            Some(user)
        };
        if user.is_none() && organization != app.organization {
            return Err(Error::invalid(
                "an application's own token belongs to the application's organization",
            ));
        }
        let grant = if sent.grant_type.is_empty() {
            "add-token"
        } else {
            sent.grant_type.as_str()
        };
        let mut pending = Self::pending_token(&app, user.as_ref(), grant, &sent.scope, now);
        if !sent.name.is_empty() {
            validate_name("token", &sent.name)?;
            pending.row.name = sent.name.clone();
            pending.row.family = sent.name.clone();
        }
        let lifetime = app.access_token_seconds();
        if sent.expires_in < 0 || sent.expires_in > lifetime {
            return Err(Error::invalid(format!(
                "expiresIn must be between 0 (the application's lifetime) and {lifetime} seconds"
            )));
        }
        if sent.expires_in > 0 {
            pending.row.expires_in = sent.expires_in;
            pending.row.expires_at = now.unix().saturating_add(sent.expires_in);
        }
        // Issued by an admin, not signed in to: nothing to refresh.
        pending.row.refresh_token_hash = None;
        pending.row.refresh_expires_at = 0;
        pending.refresh_token.clear();
        tx.insert_token(&pending.row).await.map_err(|e| match e {
            StoreError::Conflict(m) => Error::Conflict(m),
            other => other.into(),
        })?;
        let object = format!("{GLOBAL_OWNER}/{}", pending.row.name);
        self.record(
            &mut *tx,
            Event::by(who, "add-token", &organization, object),
            now,
        )
        .await?;
        tx.commit().await?;
        let token = pending.row.clone();
        // Read after the commit: the token's grants are at least as new as the token.
        let objects = self.objects().await?;
        let response = self
            .token_response(&objects, &app, user.as_ref(), pending, "", "", now)
            .await?;
        Ok(IssuedToken {
            token,
            access_token: response.access_token,
        })
    }

    /// Casdoor's `update-token`. What a token grants stays as issued: only `expiresIn` may
    /// shorten (0: expired now, as Casdoor's own sign-out does) and `revoked` may become
    /// true. The fields the SDKs send empty keep their value.
    pub async fn update_token(
        &self,
        who: &Principal,
        name: &str,
        body: &Value,
        now: Now,
    ) -> Result<bool> {
        let mut patch = token_body(body)?;
        patch.retain(|k, v| !(FIXED.contains(&k.as_str()) && v.as_str() == Some("")));
        let mut tx = self.store.begin().await?;
        let current = tx
            .get_token_for_update(name)
            .await?
            .filter(|t| require_can_manage_sign_ins(who, Some(&t.organization)).is_ok())
            .ok_or_else(|| Error::not_found(format!("token {name} not found")))?;
        let mut updated: Token = fields::merge(&current, &patch, TOKEN_FIELDS)?;
        // Not in the JSON shape, so not merged: as stored.
        updated.expires_at = current.expires_at;
        updated.refresh_token_hash = current.refresh_token_hash.clone();
        updated.refresh_expires_at = current.refresh_expires_at;
        updated.family = current.family.clone();
        updated.auth_time = current.auth_time;
        let fixed_changed = fields::changed_fields(&current, &patch)
            .into_iter()
            .find(|f| FIXED.contains(&f.as_str()));
        if let Some(field) = fixed_changed {
            return Err(Error::invalid(format!(
                "a token's `{field}` cannot be changed; issue another token"
            )));
        }
        if updated.expires_in > current.expires_in || updated.expires_in < 0 {
            return Err(Error::invalid(
                "a token's expiresIn may only be shortened (0: expired now)",
            ));
        }
        if current.revoked && !updated.revoked {
            return Err(Error::invalid("a revoked token cannot be restored"));
        }
        if updated == current {
            return Ok(false);
        }
        let shortened_by = current.expires_in - updated.expires_in;
        updated.expires_at = current.expires_at.saturating_sub(shortened_by);
        if updated.expires_in == 0 {
            updated.expires_at = updated.expires_at.min(now.unix());
        }
        let affected = tx.update_token(&updated).await?;
        let object = format!("{GLOBAL_OWNER}/{}", current.name);
        let event = Event::by(who, "update-token", &current.organization, object);
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        Ok(affected)
    }

    /// Casdoor's `delete-token`: the token stops working at once, and so does the refresh
    /// chain it belongs to (a refreshed successor would sign the same login back in).
    pub async fn delete_token(&self, who: &Principal, name: &str, now: Now) -> Result<bool> {
        let mut tx = self.store.begin().await?;
        let Some(current) = tx
            .get_token_for_update(name)
            .await?
            .filter(|t| require_can_manage_sign_ins(who, Some(&t.organization)).is_ok())
        else {
            return Ok(false);
        };
        tx.revoke_token_family(&current.family).await?;
        let affected = tx.delete_token(name).await?;
        let object = format!("{GLOBAL_OWNER}/{}", current.name);
        let event = Event::by(who, "delete-token", &current.organization, object);
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        Ok(affected)
    }
}
