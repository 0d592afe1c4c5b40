//! Discovery and the public keys.

use jsonwebtoken::jwk::JwkSet;
use serde_json::{Value, json};

use super::Core;
use crate::error::Result;
use crate::keys::SigningKey;

impl Core {
    /// Every certificate's public key, so tokens of any application verify.
    pub async fn jwks(&self) -> Result<JwkSet> {
        let mut keys = Vec::new();
        for cert in self.store.list_certs().await? {
            match SigningKey::from_cert(&cert) {
                Ok(key) => keys.push(key.jwk),
                Err(e) => {
                    tracing::warn!(cert = %cert.name, error = %e, "certificate left out of the JWKS")
                }
            }
        }
        Ok(JwkSet { keys })
    }

    /// `/.well-known/openid-configuration`: lists only what this server really does.
    pub fn discovery(&self) -> Value {
        let iss = &self.config.issuer;
        json!({
            "issuer": iss,
            "authorization_endpoint": format!("{iss}/login/oauth/authorize"),
            "token_endpoint": format!("{iss}/api/login/oauth/access_token"),
            "userinfo_endpoint": format!("{iss}/api/userinfo"),
            "jwks_uri": format!("{iss}/.well-known/jwks"),
            "introspection_endpoint": format!("{iss}/api/login/oauth/introspect"),
            "revocation_endpoint": format!("{iss}/api/login/oauth/revoke"),
            "end_session_endpoint": format!("{iss}/api/logout"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "client_credentials", "password", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "RS384", "RS512", "ES256", "ES384"],
            "scopes_supported": ["openid", "profile", "email", "phone"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "azp", "name", "preferred_username", "picture", "email", "email_verified", "phone_number"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_parameter_supported": false,
            "request_parameter_supported": false,
            "request_uri_parameter_supported": false,
        })
    }

    /// Key rotation: a new certificate replaces `name` in every application that signs
    /// with it. The old one stays published (and verifying) until it is deleted, so tokens
    /// it signed keep working until they expire. Answers the new certificate (masked).
    pub async fn rotate_cert(
        &self,
        who: &crate::authz::Principal,
        name: &str,
        now: crate::clock::Now,
    ) -> crate::error::Result<crate::entity::Cert> {
        crate::authz::require_global_admin(who)?;
        if self.store.get_cert(name).await?.is_none() {
            return Err(crate::error::Error::not_found(format!(
                "certificate {name} not found"
            )));
        }
        let base = name.split("--").next().unwrap_or(name);
        let stamp = now.0.unix_timestamp();
        let new_name = format!("{base}--{stamp}");
        let cert = crate::keys::generate_cert(&new_name, self.config.signing_algorithm, now)?;
        let apps = self
            .store
            .list_applications(None, &crate::store::ListQuery::default())
            .await?;
        let uses_it = |a: &crate::entity::Application| {
            a.cert == name || (a.cert.is_empty() && name == crate::entity::BUILT_IN_CERT)
        };
        let mut tx = self.store.begin().await?;
        tx.insert_cert(&cert).await?;
        for listed in apps.items.iter().filter(|a| uses_it(a)) {
            // Re-read with the row locked: only `cert` changes, whatever else was updated
            // since the list was read.
            let Some(mut app) = tx.get_application_for_update(&listed.name).await? else {
                continue;
            };
            if !uses_it(&app) {
                continue;
            }
            app.cert = new_name.clone();
            for item in &mut app.providers {
                item.provider = None;
            }
            tx.update_application(&app).await?;
        }
        tx.commit().await?;
        Ok(cert.masked())
    }
}
