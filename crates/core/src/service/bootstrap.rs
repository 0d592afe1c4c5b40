//! What a fresh server needs before anyone can sign in: the built-in organization, its
//! application, the default signing certificate and the admin.

use super::Core;
use crate::clock::Now;
use crate::entity::{
    Application, BUILT_IN_APP, BUILT_IN_CERT, BUILT_IN_ORG, GLOBAL_OWNER, Organization, User,
};
use crate::error::Result;
use crate::keys::generate_cert;
use crate::token::random_token;

impl Core {
    /// Creates whatever of the built-in objects is missing; changes nothing that exists.
    /// Answers the admin's password when it had to generate one (to be shown once).
    pub async fn bootstrap(
        &self,
        admin_password: Option<String>,
        now: Now,
    ) -> Result<Option<String>> {
        let mut generated = None;
        // Key generation takes a moment; do it before opening the write transaction.
        let cert = match self.store.get_cert(BUILT_IN_CERT).await? {
            Some(_) => None,
            None => Some(generate_cert(
                BUILT_IN_CERT,
                self.config.signing_algorithm,
                now,
            )?),
        };
        let admin = match self.store.get_user(BUILT_IN_ORG, "admin").await? {
            Some(_) => None,
            None => {
                let password = match admin_password {
                    Some(p) if !p.is_empty() => p,
                    _ => {
                        let p = random_token(18);
                        generated = Some(p.clone());
                        p
                    }
                };
                Some(self.passwords.hash(password).await?)
            }
        };
        let mut tx = self.store.begin().await?;
        if let Some(cert) = &cert {
            tx.insert_cert(cert).await?;
        }
        if tx.get_organization(BUILT_IN_ORG).await?.is_none() {
            tx.insert_organization(&Organization {
                owner: GLOBAL_OWNER.into(),
                name: BUILT_IN_ORG.into(),
                created_time: now.rfc3339(),
                display_name: "Built-in Organization".into(),
                password_type: "argon2id".into(),
                default_application: BUILT_IN_APP.into(),
                ..Organization::default()
            })
            .await?;
        }
        if tx.get_application(BUILT_IN_APP).await?.is_none() {
            tx.insert_application(&Application {
                name: BUILT_IN_APP.into(),
                created_time: now.rfc3339(),
                display_name: "Ferrodoor".into(),
                organization: BUILT_IN_ORG.into(),
                cert: BUILT_IN_CERT.into(),
                enable_sign_up: false,
                client_id: new_client_id(),
                client_secret: new_client_secret(),
                grant_types: vec![
                    "authorization_code".into(),
                    "password".into(),
                    "refresh_token".into(),
                ],
                ..Application::default()
            })
            .await?;
        }
        if let Some(hash) = admin {
            tx.insert_user(&User {
                owner: BUILT_IN_ORG.into(),
                name: "admin".into(),
                created_time: now.rfc3339(),
                updated_time: now.rfc3339(),
                id: uuid::Uuid::new_v4().to_string(),
                type_: "normal-user".into(),
                password_hash: Some(hash),
                display_name: "Admin".into(),
                is_admin: true,
                signup_application: BUILT_IN_APP.into(),
                ..User::default()
            })
            .await?;
        }
        tx.commit().await?;
        Ok(generated)
    }
}

/// Casdoor's client id format: 20 hex characters.
pub(crate) fn new_client_id() -> String {
    random_hex(10)
}

/// Casdoor's client secret format: 40 hex characters.
pub(crate) fn new_client_secret() -> String {
    random_hex(20)
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if aws_lc_rs::rand::fill(&mut buf).is_err() {
        use rand::RngCore;
        rand::thread_rng().fill_bytes(&mut buf);
    }
    hex::encode(buf)
}
