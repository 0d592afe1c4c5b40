//! Binding a WeChat Mini Program identity to an account that already exists (signed in by
//! password, OIDC or another mini program), and unbinding it. Casdoor cannot do this
//! (#2613, #1801). An identity linked to someone else is refused: no silent takeover.
//! Every link and unlink is recorded with its time and actor.

use super::Core;
use super::audit::Event;
use super::wechat_login::link_event;
use crate::authz::{Principal, require_can_read_user};
use crate::clock::Now;
use crate::entity::{IdentityEvent, User, WeChatIdentity};
use crate::error::{Error, Result};
use crate::store::{StoreError, WeChatLookup};

impl Core {
    /// Links the WeChat identity behind a fresh `wx.login` code to the signed-in user.
    pub async fn bind_wechat(
        &self,
        who: &Principal,
        client_id: &str,
        code: &str,
        now: Now,
    ) -> Result<WeChatIdentity> {
        let me = who
            .user()
            .ok_or_else(|| Error::invalid("binding needs a signed-in user, not an application"))?
            .clone();
        let objects = self.objects().await?;
        let app = objects.client(client_id).await?;
        if app.organization != me.owner {
            return Err(Error::forbidden(format!(
                "application {} belongs to organization {}, not {}",
                app.name, app.organization, me.owner
            )));
        }
        let provider = objects.miniprogram_provider(&app).await?;
        let session = self.exchange_login_code(&provider, code, now).await?;
        let identity = WeChatIdentity {
            organization: me.owner.clone(),
            appid: provider.client_id.clone(),
            openid: session.openid.clone(),
            unionid: session.unionid.clone(),
            user_name: me.name.clone(),
            created_time: now.rfc3339(),
            updated_time: now.rfc3339(),
            session_key_sealed: self.seal_session_key(&session)?,
        };
        let lookup = WeChatLookup {
            organization: &me.owner,
            appid: &provider.client_id,
            openid: &session.openid,
            unionid: session.unionid.as_deref(),
        };
        let taken = || {
            Error::Conflict(
                "this WeChat account is already linked to another user; unbind it there first"
                    .into(),
            )
        };
        let mut tx = self.store.begin().await?;
        match tx.find_user_by_wechat(lookup).await? {
            Some(owner) if owner.name != me.name => return Err(taken()),
            // Already linked to this user: a later login, nothing to record.
            Some(_) if tx.touch_wechat_identity(&identity).await? => {
                tx.commit().await?;
                return Ok(identity);
            }
            _ => {}
        }
        tx.insert_wechat_identity(&identity)
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => taken(),
                other => other.into(),
            })?;
        tx.insert_identity_event(&IdentityEvent {
            method: "bind".into(),
            ..link_event(&identity, &me, "bind", now)
        })
        .await?;
        let mut updated: User = me.clone();
        if me.wechat.is_empty() {
            updated.wechat = session.openid.clone();
            updated.updated_time = now.rfc3339();
            tx.update_user(&updated).await?;
        }
        let event = Event::by(who, "bind-wechat", &me.owner, me.id_string()).about(&updated);
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        Ok(identity)
    }

    /// Unlinks the user's identity of the application's mini program. `target`: another
    /// user (admins only); None for the caller.
    pub async fn unbind_wechat(
        &self,
        who: &Principal,
        target: Option<(&str, &str)>,
        client_id: &str,
        now: Now,
    ) -> Result<u64> {
        let (owner, name) = match (target, who.user()) {
            (Some((o, n)), _) => (o.to_string(), n.to_string()),
            (None, Some(me)) => (me.owner.clone(), me.name.clone()),
            (None, None) => return Err(Error::invalid("say which user: ?id=owner/name")),
        };
        if !who.is_user(&owner, &name) {
            crate::authz::require_admin_of(who, &owner)?;
        }
        let objects = self.objects().await?;
        let app = objects.client(client_id).await?;
        let provider = objects.miniprogram_provider(&app).await?;
        let mut tx = self.store.begin().await?;
        let linked = tx.list_wechat_identities(&owner, &name).await?;
        let removed = tx
            .delete_wechat_identities(&owner, &provider.client_id, &name)
            .await?;
        for identity in linked.iter().filter(|i| i.appid == provider.client_id) {
            tx.insert_identity_event(&IdentityEvent {
                organization: owner.clone(),
                appid: identity.appid.clone(),
                openid: identity.openid.clone(),
                user_name: name.clone(),
                action: "unlink".into(),
                actor: who.subject(),
                method: if who.is_user(&owner, &name) {
                    "unbind".into()
                } else {
                    "admin".into()
                },
                created_time: now.rfc3339(),
            })
            .await?;
        }
        // Casdoor's `wechat` column must not keep matching an unlinked openid.
        let mut user = tx.get_user_for_update(&owner, &name).await?;
        if let Some(user) = user.as_mut()
            && linked
                .iter()
                .any(|i| i.appid == provider.client_id && i.openid == user.wechat)
        {
            user.wechat.clear();
            user.updated_time = now.rfc3339();
            tx.update_user(user).await?;
        }
        if removed > 0 {
            let mut event = Event::by(who, "unbind-wechat", &owner, format!("{owner}/{name}"));
            if let Some(user) = &user {
                event = event.about(user);
            }
            self.record(&mut *tx, event, now).await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// The link/unlink history of a user (the user or their admins).
    pub async fn list_identity_events(
        &self,
        who: &Principal,
        owner: &str,
        name: &str,
    ) -> Result<Vec<IdentityEvent>> {
        require_can_read_user(who, owner, name)?;
        Ok(self.store.list_identity_events(owner, name).await?)
    }
}

impl Core {
    /// The opened session key of the caller's identity in the application's mini program.
    async fn my_session_key(&self, who: &Principal, client_id: &str) -> Result<(String, String)> {
        let me = who
            .user()
            .ok_or_else(|| Error::invalid("decryption needs a signed-in WeChat user"))?;
        let objects = self.objects().await?;
        let app = objects.client(client_id).await?;
        if app.organization != me.owner {
            return Err(Error::forbidden(
                "the application belongs to another organization",
            ));
        }
        let provider = objects.miniprogram_provider(&app).await?;
        let identity = self
            .store
            .list_wechat_identities(&me.owner, &me.name)
            .await?
            .into_iter()
            .filter(|i| i.appid == provider.client_id)
            .max_by(|a, b| a.updated_time.cmp(&b.updated_time))
            .ok_or_else(|| {
                Error::not_found("no WeChat identity of this mini program is linked to the user")
            })?;
        let key = identity
            .session_key_sealed
            .as_deref()
            .and_then(|sealed| self.sealer.open(sealed))
            .ok_or_else(|| {
                Error::Conflict(
                    "no usable session key: log in with a fresh wx.login code first".into(),
                )
            })?;
        Ok((key, provider.client_id.clone()))
    }

    /// Decrypts the mini program's `encryptedData` with the user's latest session key
    /// (which never leaves the server) and checks its watermark.
    pub async fn decrypt_wechat_data(
        &self,
        who: &Principal,
        client_id: &str,
        encrypted_data: &str,
        iv: &str,
    ) -> Result<serde_json::Value> {
        let (key, appid) = self.my_session_key(who, client_id).await?;
        self.wechat.decrypt_data(&key, iv, encrypted_data, &appid).map_err(|e| {
            Error::invalid(format!(
                "could not decrypt: {e} (if the data came before the latest wx.login, log in again and ask for it anew)"
            ))
        })
    }

    /// Checks a `rawData` signature against the user's latest session key.
    pub async fn verify_wechat_signature(
        &self,
        who: &Principal,
        client_id: &str,
        raw_data: &str,
        signature: &str,
    ) -> Result<bool> {
        let (key, _) = self.my_session_key(who, client_id).await?;
        Ok(self
            .wechat
            .raw_data_signature_valid(raw_data, &key, signature))
    }
}
