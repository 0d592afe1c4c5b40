//! The token endpoint (`/api/login/oauth/access_token`, `/oauth/token`): one entry point,
//! one branch per grant, the same answer shape for all of them.

use serde::Serialize;
use std::sync::Arc;

use super::Core;
use super::audit::{Event, prepare_record};
use super::auth::secrets_match;
use super::objects::Objects;
use crate::clock::Now;
use crate::entity::{Application, GLOBAL_OWNER, Token, User, WeChatIdentity};
use crate::error::{Error, OAuthErrorCode as Code, Result};
use crate::store::{GroupedWrite, StoreTx};
use crate::token::{
    TokenRequest, hash_secret, new_refresh_token, sign_access_token_with, sign_id_token,
};

/// The token endpoint's parameters, from the query, a form or a JSON body (Casdoor reads
/// all three), with HTTP Basic client credentials already folded in.
#[derive(Debug, Clone, Default)]
pub struct TokenParams {
    pub grant_type: String,
    pub tag: String,
    pub client_id: String,
    pub client_secret: String,
    pub code: String,
    pub username: String,
    pub password: String,
    pub avatar: String,
    pub scope: String,
    pub nonce: String,
    pub refresh_token: String,
    pub redirect_uri: String,
    pub code_verifier: String,
    /// The mini program's `getPhoneNumber` code (phone-number login).
    pub phone_code: String,
}

/// Casdoor's `TokenWrapper`, the answer the seed documents read `access_token` from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    /// An OpenID Connect ID token when the scope has `openid`. For the mini-program login
    /// it is the access token itself, as in Casdoor (one signature per login; the access
    /// token carries `iss`, `sub`, `aud`, `exp`, `iat` and `auth_time` too).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub id_token: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub refresh_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub scope: String,
}

pub const WECHAT_MINIPROGRAM_TAG: &str = "wechat_miniprogram";

/// A token row ready to insert, and the secrets that go with it (signed after commit).
pub(crate) struct PendingToken {
    pub row: Token,
    pub refresh_token: String,
}

impl Core {
    pub async fn token_endpoint(&self, params: TokenParams, now: Now) -> Result<TokenResponse> {
        let result = self.token_grant(&params, now).await;
        if let Err(e) = &result {
            self.record_token_refusal(&params, e, now).await;
        }
        result
    }

    /// A refused token request of a known client is a failed sign-in of its organization.
    async fn record_token_refusal(&self, params: &TokenParams, error: &Error, now: Now) {
        let Ok(Some(app)) = self
            .store
            .get_application_by_client_id(&params.client_id)
            .await
        else {
            return;
        };
        let actor = if params.username.is_empty() {
            format!("app/{}", app.name)
        } else {
            params.username.clone()
        };
        let event = Event {
            actor,
            ..Event::failed_login(&app.organization, format!("{}/{}", app.owner, app.name))
        };
        self.record_refusal(event, error, now).await;
    }

    async fn token_grant(&self, params: &TokenParams, now: Now) -> Result<TokenResponse> {
        // Casdoor branches on the tag before looking at the grant type.
        if params.tag == WECHAT_MINIPROGRAM_TAG {
            return self.wechat_miniprogram_login(params, now).await;
        }
        match params.grant_type.as_str() {
            "client_credentials" => self.client_credentials_grant(params, now).await,
            "refresh_token" => self.refresh_token_grant(params, now).await,
            "password" => self.password_grant(params, now).await,
            "authorization_code" => self.authorization_code_grant(params, now).await,
            "" => Err(Error::oauth(Code::InvalidRequest, "grant_type is required")),
            other => Err(Error::oauth(
                Code::UnsupportedGrantType,
                format!("grant_type {other:?} is not supported"),
            )),
        }
    }

    pub(crate) async fn application_by_client_id(
        &self,
        client_id: &str,
    ) -> Result<Arc<Application>> {
        self.objects().await?.client(client_id).await
    }

    /// A confidential client: the secret must match.
    async fn confidential_client(
        objects: &Objects<'_>,
        params: &TokenParams,
    ) -> Result<Arc<Application>> {
        let app = objects.client(&params.client_id).await?;
        if !secrets_match(&params.client_secret, &app.client_secret) {
            return Err(Error::oauth(
                Code::InvalidClient,
                "client_secret is invalid",
            ));
        }
        Ok(app)
    }

    /// A client that sends a secret must send the right one; public clients send none.
    pub(crate) fn check_sent_secret(params: &TokenParams, app: &Application) -> Result<()> {
        if !params.client_secret.is_empty()
            && !secrets_match(&params.client_secret, &app.client_secret)
        {
            return Err(Error::oauth(
                Code::InvalidClient,
                "client_secret is invalid",
            ));
        }
        Ok(())
    }

    fn require_grant(app: &Application, grant: &str) -> Result<()> {
        if app.grant_types.iter().any(|g| g == grant) {
            Ok(())
        } else {
            Err(Error::oauth(
                Code::UnauthorizedClient,
                format!("the application does not allow the {grant} grant (see its grantTypes)"),
            ))
        }
    }

    /// A token row for `user` (or the application itself), not yet stored.
    pub(crate) fn pending_token(
        app: &Application,
        user: Option<&User>,
        grant: &str,
        scope: &str,
        now: Now,
    ) -> PendingToken {
        let with_refresh = user.is_some();
        let (refresh_token, refresh_hash) = if with_refresh {
            new_refresh_token()
        } else {
            (String::new(), String::new())
        };
        let expires_in = app.access_token_seconds();
        let name = crate::entity::append_only_name();
        PendingToken {
            row: Token {
                owner: GLOBAL_OWNER.into(),
                family: name.clone(),
                name,
                created_time: now.rfc3339(),
                application: app.name.clone(),
                organization: user
                    .map(|u| u.owner.clone())
                    .unwrap_or_else(|| app.organization.clone()),
                user: user.map(|u| u.name.clone()).unwrap_or_default(),
                expires_in,
                scope: scope.to_string(),
                token_type: "Bearer".into(),
                grant_type: grant.to_string(),
                expires_at: now.unix().saturating_add(expires_in),
                refresh_token_hash: with_refresh.then_some(refresh_hash),
                refresh_expires_at: if with_refresh {
                    now.unix().saturating_add(app.refresh_token_seconds())
                } else {
                    0
                },
                revoked: false,
                auth_time: if user.is_some() { now.unix() } else { 0 },
            },
            refresh_token,
        }
    }

    /// Signs the access token of a stored row and shapes the answer; the token's grants
    /// are those at `objects`' authorization version.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn token_response(
        &self,
        objects: &Objects<'_>,
        app: &Application,
        user: Option<&User>,
        pending: PendingToken,
        nonce: &str,
        tag: &str,
        now: Now,
    ) -> Result<TokenResponse> {
        crate::telemetry::token_issued(&pending.row.grant_type);
        let key = self.app_key(app).await?;
        let request = TokenRequest {
            application: app,
            user,
            token_name: &pending.row.name,
            scope: &pending.row.scope,
            nonce,
            tag,
            expires_in: pending.row.expires_in,
        };
        let grants = match user {
            Some(u) if crate::token::carries_grants(&app.token_format) => {
                Some(self.grants_at(u, objects.authz_version()).await?)
            }
            _ => None,
        };
        let access_token =
            sign_access_token_with(&key, &self.config.issuer, &request, grants.as_ref(), now)?;
        let id_token = match user {
            _ if pending.row.grant_type == WECHAT_MINIPROGRAM_TAG => access_token.clone(),
            Some(u) if pending.row.scope.split_whitespace().any(|s| s == "openid") => {
                sign_id_token(
                    &key,
                    &self.config.issuer,
                    &request,
                    u,
                    pending.row.auth_time,
                    now,
                )?
            }
            _ => String::new(),
        };
        Ok(TokenResponse {
            id_token,
            access_token,
            refresh_token: pending.refresh_token,
            token_type: "Bearer",
            expires_in: pending.row.expires_in,
            scope: pending.row.scope,
        })
    }

    /// Stores a new token and the record of its sign-in, committed with the other grants
    /// waiting at the same moment (group commit).
    async fn store_token(
        &self,
        objects: &Objects<'_>,
        app: &Application,
        user: Option<&User>,
        pending: &PendingToken,
        now: Now,
    ) -> Result<()> {
        let write = Self::grouped_write(objects, app, user, pending, None, now).await?;
        // Without an identity or a sign-up to check, a grouped write always applies.
        if !self.store.commit_grouped(write).await? {
            return Err(Error::Internal(
                "a token grant's write did not apply".into(),
            ));
        }
        Ok(())
    }

    /// What [`Core::insert_issued_token`] writes, as one grouped write (the webhooks from
    /// `objects`, read at the request's config version); `identity`: see
    /// [`GroupedWrite::identity`].
    pub(crate) async fn grouped_write(
        objects: &Objects<'_>,
        app: &Application,
        user: Option<&User>,
        pending: &PendingToken,
        identity: Option<WeChatIdentity>,
        now: Now,
    ) -> Result<GroupedWrite> {
        let mut write = GroupedWrite {
            identity,
            signup: None,
            token: pending.row.clone(),
            records: Vec::new(),
            deliveries: Vec::new(),
        };
        Self::add_record(&mut write, objects, login_event(app, user), now).await?;
        Ok(write)
    }

    /// Adds the record of `event` and its deliveries to `write`.
    pub(crate) async fn add_record(
        write: &mut GroupedWrite,
        objects: &Objects<'_>,
        event: Event<'_>,
        now: Now,
    ) -> Result<()> {
        let webhooks = objects.enabled_webhooks(event.organization).await?;
        let (record, deliveries) = prepare_record(event, &webhooks, now)?;
        write.records.push(record);
        write.deliveries.extend(deliveries);
        Ok(())
    }

    /// Stores a new token and records the sign-in (`login`) it completes, in `tx`.
    pub(crate) async fn insert_issued_token(
        &self,
        tx: &mut dyn StoreTx,
        app: &Application,
        user: Option<&User>,
        pending: &PendingToken,
        now: Now,
    ) -> Result<()> {
        tx.insert_token(&pending.row).await?;
        self.record(tx, login_event(app, user), now).await
    }

    async fn client_credentials_grant(
        &self,
        params: &TokenParams,
        now: Now,
    ) -> Result<TokenResponse> {
        let objects = self.objects().await?;
        let app = Self::confidential_client(&objects, params).await?;
        Self::require_grant(&app, "client_credentials")?;
        let pending = Self::pending_token(&app, None, "client_credentials", &params.scope, now);
        self.store_token(&objects, &app, None, &pending, now)
            .await?;
        self.token_response(&objects, &app, None, pending, "", "", now)
            .await
    }

    async fn password_grant(&self, params: &TokenParams, now: Now) -> Result<TokenResponse> {
        let objects = self.objects().await?;
        let app = objects.client(&params.client_id).await?;
        Self::require_grant(&app, "password")?;
        if !app.enable_password {
            return Err(Error::oauth(
                Code::UnauthorizedClient,
                "password sign-in is off for this application",
            ));
        }
        Self::check_sent_secret(params, &app)?;
        let user = self
            .user_by_password(&app.organization, &params.username, &params.password, now)
            .await?
            .filter(User::is_active)
            .ok_or_else(|| Error::oauth(Code::InvalidGrant, "wrong username or password"))?;
        let scope = if params.scope.is_empty() {
            "openid profile"
        } else {
            params.scope.as_str()
        };
        let pending = Self::pending_token(&app, Some(&user), "password", scope, now);
        self.store_token(&objects, &app, Some(&user), &pending, now)
            .await?;
        self.token_response(&objects, &app, Some(&user), pending, &params.nonce, "", now)
            .await
    }

    /// Rotates: the presented refresh token's row is revoked and a new one issued in the
    /// same chain, in one transaction. A spent refresh token presented again means it was
    /// stolen or replayed: the whole chain is revoked (RFC 6819 §5.2.2.3).
    async fn refresh_token_grant(&self, params: &TokenParams, now: Now) -> Result<TokenResponse> {
        let objects = self.objects().await?;
        let app = objects.client(&params.client_id).await?;
        Self::check_sent_secret(params, &app)?;
        let invalid = || {
            Error::oauth(
                Code::InvalidGrant,
                "refresh_token is invalid, expired or already used",
            )
        };
        if params.refresh_token.is_empty() {
            return Err(Error::oauth(
                Code::InvalidRequest,
                "refresh_token is required",
            ));
        }
        let old = self
            .store
            .get_token_by_refresh_hash(&hash_secret(params.refresh_token.as_bytes()))
            .await?
            .ok_or_else(invalid)?;
        if old.application != app.name {
            return Err(invalid());
        }
        if old.revoked {
            let mut tx = self.store.begin().await?;
            let n = tx.revoke_token_family(&old.family).await?;
            tx.commit().await?;
            crate::telemetry::tokens_revoked("replay", n);
            tracing::warn!(family = %old.family, revoked = n, "spent refresh token reused; chain revoked");
            return Err(invalid());
        }
        if old.refresh_expires_at <= now.unix() {
            return Err(invalid());
        }
        let user = self
            .store
            .get_user(&old.organization, &old.user)
            .await?
            .filter(User::is_active)
            .ok_or_else(|| {
                Error::oauth(
                    Code::InvalidGrant,
                    "the user no longer exists or is forbidden",
                )
            })?;
        let mut pending = Self::pending_token(&app, Some(&user), &old.grant_type, &old.scope, now);
        pending.row.family = if old.family.is_empty() {
            old.name.clone()
        } else {
            old.family.clone()
        };
        pending.row.auth_time = old.auth_time;
        let mut tx = self.store.begin().await?;
        // Only one of two concurrent refreshes with the same token wins the revocation.
        if !tx.revoke_token(&old.name).await? {
            return Err(invalid());
        }
        self.insert_issued_token(&mut *tx, &app, Some(&user), &pending, now)
            .await?;
        tx.commit().await?;
        crate::telemetry::tokens_revoked("refresh", 1);
        self.token_response(&objects, &app, Some(&user), pending, "", "", now)
            .await
    }
}

/// The sign-in a new token completes: the user's, or the application's own.
fn login_event<'a>(app: &'a Application, user: Option<&'a User>) -> Event<'a> {
    match user {
        Some(u) => Event::of_user("login", u),
        None => Event {
            actor: format!("app/{}", app.name),
            ..Event::app_login(&app.organization, format!("{}/{}", app.owner, app.name))
        },
    }
}
