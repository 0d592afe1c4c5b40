//! Who is asking: bearer tokens, client credentials and console sessions.

use std::sync::Arc;
use subtle::ConstantTimeEq;

use super::Core;
use super::audit::Event;
use crate::authz::{Credential, Principal};
use crate::clock::Now;
use crate::entity::{Application, Session, User};
use crate::error::{Error, Result};
use crate::token::{hash_secret, random_token, token_kid, verify_access_token};

/// A new console sign-in: the cookie value to hand out and who it belongs to.
pub struct SignedIn {
    pub cookie: String,
    pub user: User,
    pub expires_in: i64,
}

/// Constant-time comparison of a presented secret with the stored one.
pub(crate) fn secrets_match(presented: &str, stored: &str) -> bool {
    !stored.is_empty() && bool::from(presented.as_bytes().ct_eq(stored.as_bytes()))
}

impl Core {
    /// Verifies an access token: signature (with the key its `kid` names, in that key's
    /// algorithm), issuer and expiry; then that its row is not revoked and its user still
    /// exists and is neither forbidden nor deleted.
    pub async fn authenticate_bearer(&self, token: &str, now: Now) -> Result<Principal> {
        let kid = token_kid(token)?;
        let key = self.key(&kid).await?;
        let claims = verify_access_token(&key, &self.config.issuer, token, now)?;
        let name = claims.jti.strip_prefix("admin/").unwrap_or(&claims.jti);
        let row = self
            .store
            .get_token(name)
            .await?
            .ok_or_else(|| Error::Unauthenticated("access token has been revoked".into()))?;
        if row.revoked {
            return Err(Error::Unauthenticated(
                "access token has been revoked".into(),
            ));
        }
        if row.expires_at <= now.unix() {
            return Err(Error::Unauthenticated("access token expired".into()));
        }
        if row.user.is_empty() {
            let app = self
                .store
                .get_application(&row.application)
                .await?
                .ok_or_else(|| {
                    Error::Unauthenticated("the token's application no longer exists".into())
                })?;
            return Ok(Principal::Application(Arc::new(app)));
        }
        let user = self.active_user(&row.organization, &row.user).await?;
        Ok(Principal::User {
            user: Box::new(user),
            credential: Credential::Bearer {
                token_name: row.name,
                scope: row.scope,
                application: row.application,
                client_id: claims.azp,
            },
        })
    }

    async fn active_user(&self, owner: &str, name: &str) -> Result<User> {
        let user = self
            .store
            .get_user(owner, name)
            .await?
            .ok_or_else(|| Error::Unauthenticated("the user no longer exists".into()))?;
        if !user.is_active() {
            return Err(Error::Unauthenticated("the user is forbidden".into()));
        }
        Ok(user)
    }

    /// An application proving itself with its client id and secret.
    pub async fn authenticate_client(
        &self,
        client_id: &str,
        client_secret: &str,
    ) -> Result<Arc<Application>> {
        let app = self
            .objects()
            .await?
            .application_by_client_id(client_id)
            .await?;
        match app {
            Some(app) if secrets_match(client_secret, &app.client_secret) => Ok(app),
            _ => Err(Error::Unauthenticated(
                "invalid client id or client secret".into(),
            )),
        }
    }

    /// Password sign-in for the console and Casdoor's `POST /api/login`. Unknown users and
    /// wrong passwords take the same time and give the same answer.
    pub async fn sign_in(
        &self,
        organization: &str,
        username: &str,
        password: &str,
        now: Now,
    ) -> Result<SignedIn> {
        let refused = match self
            .user_by_password(organization, username, password, now)
            .await
        {
            Err(e) => Err(e),
            Ok(None) => Err(Error::Unauthenticated("wrong username or password".into())),
            Ok(Some(user)) if !user.is_active() => {
                Err(Error::Forbidden("the user is forbidden".into()))
            }
            Ok(Some(user)) => Ok(user),
        };
        let user = match refused {
            Ok(user) => user,
            Err(e) => {
                let event = Event {
                    actor: username.to_string(),
                    ..Event::failed_login(organization, format!("{organization}/{username}"))
                };
                self.record_refusal(event, &e, now).await;
                return Err(e);
            }
        };
        let cookie = random_token(32);
        let session = Session {
            id_hash: hash_secret(cookie.as_bytes()),
            owner: user.owner.clone(),
            name: user.name.clone(),
            created_at: now.unix(),
            expires_at: now.unix() + self.config.session_seconds,
        };
        let mut tx = self.store.begin().await?;
        tx.insert_session(&session).await?;
        self.record(&mut *tx, Event::of_user("login", &user), now)
            .await?;
        tx.commit().await?;
        Ok(SignedIn {
            cookie,
            user: user.masked(),
            expires_in: self.config.session_seconds,
        })
    }

    /// Replaces a password hash imported from Casdoor by an argon2id one, now that the
    /// password is known to be right; a concurrent change of the password wins.
    pub(super) async fn upgrade_casdoor_hash(&self, user: &User, password: &str) -> Result<()> {
        let new_hash = self.passwords.hash(password.to_string()).await?;
        let mut tx = self.store.begin().await?;
        if let Some(mut current) = tx.get_user_for_update(&user.owner, &user.name).await?
            && current.password_hash == user.password_hash
        {
            current.password_hash = Some(new_hash);
            tx.update_user(&current).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn authenticate_session(&self, cookie: &str, now: Now) -> Result<Principal> {
        let session = self
            .store
            .get_session(&hash_secret(cookie.as_bytes()))
            .await?
            .filter(|s| s.expires_at > now.unix())
            .ok_or_else(|| {
                Error::Unauthenticated("the session has expired; sign in again".into())
            })?;
        let user = self.active_user(&session.owner, &session.name).await?;
        Ok(Principal::User {
            user: Box::new(user),
            credential: Credential::Session,
        })
    }

    pub async fn sign_out(&self, cookie: &str, now: Now) -> Result<()> {
        let id_hash = hash_secret(cookie.as_bytes());
        let mut tx = self.store.begin().await?;
        let session = tx.get_session(&id_hash).await?;
        tx.delete_session(&id_hash).await?;
        let user = match session {
            Some(s) => tx.get_user(&s.owner, &s.name).await?,
            None => None,
        };
        if let Some(user) = &user {
            self.record(&mut *tx, Event::of_user("logout", user), now)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
