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
            "end_session_endpoint": format!("{iss}/api/logout"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["client_credentials", "password", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "RS384", "RS512", "ES256", "ES384"],
            "scopes_supported": ["openid", "profile", "email", "phone"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nbf", "auth_time", "nonce", "name", "preferred_username", "picture", "email", "email_verified", "phone_number"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "request_parameter_supported": false,
        })
    }
}
