//! OAuth 2.0 authorization-code flow with PKCE, introspection (RFC 7662), revocation
//! (RFC 7009) and RP-initiated logout.

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use std::sync::Arc;

use super::Core;
use super::auth::secrets_match;
use super::grants::{TokenParams, TokenResponse};
use crate::clock::Now;
use crate::entity::{Application, AuthorizationCode, User};
use crate::error::{Error, OAuthErrorCode as Code, Result};
use crate::store::StoreTx;
use crate::token::{
    hash_secret, random_token, token_kid, verify_access_token, verify_id_token_hint,
};

/// How long an authorization code lives.
const CODE_SECONDS: i64 = 300;

/// A checked authorization request (`/login/oauth/authorize`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AuthorizeRequest {
    pub client_id: String,
    pub response_type: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub nonce: String,
    pub code_challenge: String,
    pub code_challenge_method: String,
}

/// Why an authorization request fails: before the redirect URI is trusted the user sees an
/// error page; after, the error goes back to the client by redirect.
#[derive(Debug)]
pub enum AuthorizeError {
    /// Unknown client or unregistered redirect URI: never redirect (no open redirect).
    Page(String),
    /// The server could not check the request (the database is away, …): an error page
    /// with the error's own status (503 for an outage), never its internals.
    Failed(Error),
    /// `redirect_uri?error=…&error_description=…&state=…`
    Redirect {
        redirect_uri: String,
        error: Code,
        description: String,
        state: String,
    },
}

impl Core {
    /// Checks an authorization request; answers the application to sign in to.
    pub async fn check_authorize_request(
        &self,
        req: &AuthorizeRequest,
    ) -> Result<Application, AuthorizeError> {
        let app = match self
            .store
            .get_application_by_client_id(&req.client_id)
            .await
        {
            Ok(Some(app)) => app,
            Ok(None) => return Err(AuthorizeError::Page("unknown client_id".into())),
            Err(e) => return Err(AuthorizeError::Failed(e.into())),
        };
        // Exact string match, as RFC 6749 §3.1.2 and OAuth 2.1 require: no prefix, no
        // normalisation (Casdoor's CVE-2026-5467 was an open redirect).
        if req.redirect_uri.is_empty() || !app.redirect_uris.contains(&req.redirect_uri) {
            return Err(AuthorizeError::Page(
                "redirect_uri is not registered for this application".into(),
            ));
        }
        let redirect = |error, description: &str| AuthorizeError::Redirect {
            redirect_uri: req.redirect_uri.clone(),
            error,
            description: description.to_string(),
            state: req.state.clone(),
        };
        if req.response_type != "code" {
            return Err(redirect(
                Code::UnsupportedResponseType,
                "only response_type=code is supported",
            ));
        }
        match (
            req.code_challenge.as_str(),
            req.code_challenge_method.as_str(),
        ) {
            ("", "") => {}
            (c, "S256") if is_pkce_value(c) => {}
            (_, "plain") => {
                return Err(redirect(
                    Code::InvalidRequest,
                    "PKCE method plain is not allowed; use S256",
                ));
            }
            (_, "S256") => {
                return Err(redirect(
                    Code::InvalidRequest,
                    "code_challenge is malformed",
                ));
            }
            _ => {
                return Err(redirect(
                    Code::InvalidRequest,
                    "code_challenge_method must be S256",
                ));
            }
        }
        Ok(app)
    }

    /// The user signed in on the hosted page: checks the password and answers the URL to
    /// redirect to, carrying a fresh one-time code and the client's `state`.
    pub async fn authorize_with_password(
        &self,
        req: &AuthorizeRequest,
        username: &str,
        password: &str,
        now: Now,
    ) -> Result<String> {
        let app = self
            .check_authorize_request(req)
            .await
            .map_err(|e| match e {
                AuthorizeError::Page(m) => Error::invalid(m),
                AuthorizeError::Failed(e) => e,
                AuthorizeError::Redirect { description, .. } => Error::invalid(description),
            })?;
        if !app.enable_password {
            return Err(Error::forbidden(
                "password sign-in is off for this application",
            ));
        }
        let user = self
            .user_by_password(&app.organization, username, password, now)
            .await?
            .filter(User::is_active)
            .ok_or_else(|| Error::Unauthenticated("wrong username or password".into()))?;
        let mut tx = self.store.begin().await?;
        let location = Self::issue_code(&mut *tx, &app, req, &user, now).await?;
        tx.commit().await?;
        Ok(location)
    }

    /// Stores a fresh one-time authorization code for `user` (through `tx`) and answers
    /// the URL to redirect to: `redirect_uri?code=…&state=…`.
    pub(crate) async fn issue_code(
        tx: &mut dyn StoreTx,
        app: &Application,
        req: &AuthorizeRequest,
        user: &User,
        now: Now,
    ) -> Result<String> {
        let code = random_token(32);
        let row = AuthorizationCode {
            code_hash: hash_secret(code.as_bytes()),
            application: app.name.clone(),
            organization: user.owner.clone(),
            user_name: user.name.clone(),
            redirect_uri: req.redirect_uri.clone(),
            scope: if req.scope.is_empty() {
                "openid".into()
            } else {
                req.scope.clone()
            },
            nonce: req.nonce.clone(),
            code_challenge: req.code_challenge.clone(),
            code_challenge_method: req.code_challenge_method.clone(),
            auth_time: now.unix(),
            expires_at: now.unix() + CODE_SECONDS,
            used: false,
            token_name: None,
        };
        tx.insert_authorization_code(&row).await?;
        let mut url = url::Url::parse(&req.redirect_uri)
            .map_err(|_| Error::invalid("redirect_uri is not a URL"))?;
        url.query_pairs_mut().append_pair("code", &code);
        if !req.state.is_empty() {
            url.query_pairs_mut().append_pair("state", &req.state);
        }
        Ok(url.to_string())
    }

    /// `grant_type=authorization_code`. A replayed code revokes what it was exchanged for.
    pub(crate) async fn authorization_code_grant(
        &self,
        params: &TokenParams,
        now: Now,
    ) -> Result<TokenResponse> {
        let objects = self.objects().await?;
        let app = objects.client(&params.client_id).await?;
        Self::check_sent_secret(params, &app)?;
        let authenticated = !params.client_secret.is_empty();
        if params.code.is_empty() {
            return Err(Error::oauth(Code::InvalidRequest, "code is required"));
        }
        let invalid = |d: &str| Error::oauth(Code::InvalidGrant, d);
        let code_hash = hash_secret(params.code.as_bytes());
        let mut tx = self.store.begin().await?;
        let code = tx
            .use_authorization_code(&code_hash)
            .await?
            .ok_or_else(|| invalid("code is invalid"))?;
        if code.used {
            if let Some(token) = &code.token_name {
                tx.revoke_token_family(token).await?;
            }
            tx.commit().await?;
            return Err(invalid(
                "code was already used; the tokens issued for it are revoked",
            ));
        }
        // From here the code is spent whatever happens, so a wrong verifier cannot be retried.
        let check = || -> Result<()> {
            if code.application != app.name {
                return Err(invalid("code was issued to another client"));
            }
            if code.expires_at <= now.unix() {
                return Err(invalid("code expired"));
            }
            // RFC 6749 §4.1.3 wants the redirect_uri repeated; Casdoor's SDKs never send it
            // (Casdoor does not check it). The code is bound to the exact URI it was issued
            // for, so a missing one is accepted and a different one refused.
            if !params.redirect_uri.is_empty() && code.redirect_uri != params.redirect_uri {
                return Err(invalid(
                    "redirect_uri does not match the authorization request",
                ));
            }
            if code.code_challenge.is_empty() {
                if !authenticated {
                    return Err(Error::oauth(
                        Code::InvalidClient,
                        "public clients must use PKCE; otherwise authenticate with client_secret",
                    ));
                }
            } else if params.code_verifier.is_empty()
                || !pkce_s256_matches(&params.code_verifier, &code.code_challenge)
            {
                return Err(invalid("code_verifier does not match the code_challenge"));
            }
            Ok(())
        };
        if let Err(e) = check() {
            tx.commit().await?;
            return Err(e);
        }
        let user = tx
            .get_user(&code.organization, &code.user_name)
            .await?
            .filter(User::is_active)
            .ok_or_else(|| invalid("the user no longer exists or is forbidden"))?;
        let mut pending =
            Self::pending_token(&app, Some(&user), "authorization_code", &code.scope, now);
        pending.row.auth_time = code.auth_time;
        self.insert_issued_token(&mut *tx, &app, Some(&user), &pending, now)
            .await?;
        tx.set_authorization_code_token(&code_hash, &pending.row.name)
            .await?;
        tx.commit().await?;
        self.token_response(&objects, &app, Some(&user), pending, &code.nonce, "", now)
            .await
    }

    /// An application authenticating itself for introspection or revocation.
    async fn authenticated_client(
        &self,
        client_id: &str,
        client_secret: &str,
    ) -> Result<Arc<Application>> {
        self.authenticate_client(client_id, client_secret)
            .await
            .map_err(|_| Error::oauth(Code::InvalidClient, "client authentication failed"))
    }

    /// RFC 7662. Only tokens of the client's own organization are described; anything
    /// else is `{"active": false}`, like an unknown token.
    pub async fn introspect(
        &self,
        client_id: &str,
        client_secret: &str,
        token: &str,
        now: Now,
    ) -> Result<Value> {
        let client = self.authenticated_client(client_id, client_secret).await?;
        let inactive = json!({ "active": false });
        let Some((row, claims_sub)) = self.find_token(token, now).await? else {
            return Ok(inactive);
        };
        let same_org = row.organization == client.organization
            || client.organization == crate::entity::BUILT_IN_ORG;
        if row.revoked || row.expires_at <= now.unix() || !same_org {
            return Ok(inactive);
        }
        let app = self.store.get_application(&row.application).await?;
        let client_id = app.map(|a| a.client_id).unwrap_or_default();
        let created = row.expires_at - row.expires_in;
        Ok(json!({
            "active": true,
            "scope": row.scope,
            "client_id": client_id,
            "username": row.user,
            "token_type": "Bearer",
            "exp": row.expires_at,
            "iat": created,
            "nbf": created,
            "sub": claims_sub,
            "aud": [client_id],
            "iss": self.config.issuer,
            "jti": format!("admin/{}", row.name),
        }))
    }

    /// The token row a presented access token (JWT) or refresh token (opaque) names,
    /// with the subject; None when it names none or its signature fails.
    async fn find_token(
        &self,
        token: &str,
        now: Now,
    ) -> Result<Option<(crate::entity::Token, String)>> {
        if token.matches('.').count() == 2 {
            let Ok(kid) = token_kid(token) else {
                return Ok(None);
            };
            let Ok(key) = self.key(&kid).await else {
                return Ok(None);
            };
            let Ok(claims) = verify_access_token(&key, &self.config.issuer, token, now) else {
                return Ok(None);
            };
            let name = claims
                .jti
                .strip_prefix("admin/")
                .unwrap_or(&claims.jti)
                .to_string();
            return Ok(self.store.get_token(&name).await?.map(|t| (t, claims.sub)));
        }
        let row = self
            .store
            .get_token_by_refresh_hash(&hash_secret(token.as_bytes()))
            .await?;
        let Some(row) = row else { return Ok(None) };
        let sub = match self.store.get_user(&row.organization, &row.user).await? {
            Some(u) => u.id,
            None => String::new(),
        };
        Ok(Some((row, sub)))
    }

    /// RFC 7009: revokes an access or refresh token of the calling client. Unknown tokens
    /// and other clients' tokens are ignored (the answer is the same, so nothing leaks).
    pub async fn revoke(
        &self,
        client_id: &str,
        client_secret: &str,
        token: &str,
        now: Now,
    ) -> Result<()> {
        // A public client (no secret, e.g. the mini-program SDK) identifies itself by its
        // client id (RFC 7009 §2.1); it can only revoke its own application's tokens.
        let client = if client_secret.is_empty() {
            self.application_by_client_id(client_id).await?
        } else {
            self.authenticated_client(client_id, client_secret).await?
        };
        // Expired access tokens can still name their row, so look up without the expiry.
        let found = self.find_token(token, now).await?;
        if let Some((row, _)) = found
            && row.application == client.name
        {
            let mut tx = self.store.begin().await?;
            let revoked = tx.revoke_token(&row.name).await?;
            tx.commit().await?;
            crate::telemetry::tokens_revoked("revoke", u64::from(revoked));
        }
        Ok(())
    }

    /// RP-initiated logout: revokes the session the `id_token_hint` names and answers
    /// where to send the browser, if `post_logout_redirect_uri` is registered.
    pub async fn logout(
        &self,
        id_token_hint: &str,
        post_logout_redirect_uri: &str,
        state: &str,
    ) -> Result<Option<String>> {
        if id_token_hint.is_empty() {
            if post_logout_redirect_uri.is_empty() {
                return Ok(None);
            }
            return Err(Error::invalid(
                "post_logout_redirect_uri needs an id_token_hint",
            ));
        }
        let kid = token_kid(id_token_hint)?;
        let key = self.key(&kid).await?;
        let claims = verify_id_token_hint(&key, &self.config.issuer, id_token_hint)?;
        let name = claims.jti.strip_prefix("admin/").unwrap_or(&claims.jti);
        let mut tx = self.store.begin().await?;
        let revoked = tx.revoke_token(name).await?;
        tx.commit().await?;
        crate::telemetry::tokens_revoked("logout", u64::from(revoked));
        if post_logout_redirect_uri.is_empty() {
            return Ok(None);
        }
        let app = self
            .store
            .get_application_by_client_id(&claims.aud)
            .await?
            .ok_or_else(|| Error::invalid("the id_token_hint's client no longer exists"))?;
        if !app
            .redirect_uris
            .iter()
            .any(|u| u == post_logout_redirect_uri)
        {
            return Err(Error::invalid(
                "post_logout_redirect_uri is not registered for this application",
            ));
        }
        let mut url = url::Url::parse(post_logout_redirect_uri)
            .map_err(|_| Error::invalid("bad post_logout_redirect_uri"))?;
        if !state.is_empty() {
            url.query_pairs_mut().append_pair("state", state);
        }
        Ok(Some(url.to_string()))
    }
}

/// RFC 7636 §4.1: 43-128 characters of [A-Za-z0-9-._~].
fn is_pkce_value(s: &str) -> bool {
    (43..=128).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
}

/// BASE64URL(SHA256(verifier)) == challenge, in constant time.
fn pkce_s256_matches(verifier: &str, challenge: &str) -> bool {
    if !is_pkce_value(verifier) {
        return false;
    }
    let computed = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()));
    secrets_match(&computed, challenge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_vector() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(pkce_s256_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_s256_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cX"
        ));
        assert!(!pkce_s256_matches(
            "short",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }
}
