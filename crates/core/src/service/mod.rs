//! Use cases. Each public method of [`Core`] is one request's worth of work: it checks who
//! asks, opens at most the transactions it needs, and commits all of its writes together.

mod account;
pub mod audit;
mod auth;
mod bootstrap;
mod casdoor_reads;
mod casdoor_users;
pub mod dashboard;
mod enforce;
pub mod grants;
pub mod init_data;
mod list;
mod manage_applications;
mod manage_authz;
mod manage_organizations;
mod manage_providers;
mod manage_users;
pub mod oauth;
mod objects;
mod oidc;
pub mod signin_limit;
mod verification_files;
pub mod webhooks;
mod wechat_binding;
pub mod wechat_login;
mod wechat_login_grouped;
pub mod wechat_scan;
pub mod wechat_web;
// Casdoor's sessions, tokens and certificates (issue 13)
pub mod casdoor_sessions;
pub mod manage_certs;
pub mod manage_tokens;
// issue 12: a user's roles and permissions in get-account, userinfo and the JWT
pub mod user_grants;
pub use account::Account;
// issue 12: Casdoor's policy endpoints and Casbin helper reads; the group tree
pub mod group_tree;
mod init_authz;
pub mod policies;

use std::sync::Arc;

use crate::entity::{Application, BUILT_IN_CERT};
use crate::error::{Error, Result};
use crate::keys::SigningKey;
use crate::password::PasswordHasher;
use crate::store::Store;

pub use auth::SignedIn;
pub use casdoor_users::{SignupForm, UserKey};
pub use enforce::{EnforceAnswer, EnforceTarget};
pub use grants::{TokenParams, TokenResponse};
pub use list::ListParams;
/// The fields each list may be filtered and sorted on.
pub use manage_applications::APPLICATION_LIST_FIELDS;
pub use manage_applications::check_application_values;
pub use manage_authz::AUTHZ_LIST_FIELDS;
pub use manage_organizations::ORGANIZATION_LIST_FIELDS;
pub use manage_providers::PROVIDER_LIST_FIELDS;
pub use manage_users::USER_LIST_FIELDS;
pub use manage_users::{apply_user_patch, user_patch};
pub use webhooks::WEBHOOK_LIST_FIELDS;
pub use wechat_login::{
    MiniProgramLogin, WeChatFailure, WeChatGateway, WeChatPhone, WeChatSession,
};
pub use wechat_scan::{
    Requester, SCAN_COOKIE, ScanAction, ScanProgress, ScanStart, ScanView, TICKET_SECONDS,
};
pub use wechat_web::{
    SignInButton, WEB_LOGIN_COOKIE, WECHAT_CALLBACK_PATH, WeChatProfile, WeChatWebGrant,
    WebLoginEnd, WebLoginStart,
};

/// Settings the core needs from the server's configuration.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// The public base URL: the `iss` of every token and the base of discovery.
    pub issuer: String,
    /// How long a console sign-in lasts.
    pub session_seconds: i64,
    /// How many argon2 hashes may run at once.
    pub password_hash_concurrency: usize,
    /// Seals secrets kept at rest (WeChat session keys).
    pub secret_key: crate::seal::SecretKey,
    /// The algorithm of generated signing keys (the built-in certificate, rotations).
    pub signing_algorithm: crate::keys::KeyAlgorithmChoice,
    /// Whether webhooks may target loopback, private, link-local and metadata addresses.
    pub webhook_allow_private: bool,
    /// Where browsers go for WeChat's sign-in pages (`connect/qrconnect`…).
    pub wechat_open_base: String,
    /// How long a PC scan sign-in code lives ([`TICKET_SECONDS`] by default).
    pub wechat_scan_ticket_seconds: i64,
}

impl CoreConfig {
    /// `secret_key` seals secrets at rest; there is deliberately no default, so a server
    /// cannot start with a well-known key.
    pub fn new(issuer: impl Into<String>, secret_key: [u8; 32]) -> Self {
        CoreConfig {
            issuer: issuer.into().trim_end_matches('/').to_string(),
            session_seconds: 24 * 3600,
            password_hash_concurrency: 2,
            secret_key: crate::seal::SecretKey(secret_key),
            signing_algorithm: crate::keys::KeyAlgorithmChoice::default(),
            webhook_allow_private: false,
            wechat_open_base: "https://open.weixin.qq.com".into(),
            wechat_scan_ticket_seconds: TICKET_SECONDS,
        }
    }
}

pub struct Core {
    store: Arc<dyn Store>,
    wechat: Arc<dyn WeChatGateway>,
    config: CoreConfig,
    passwords: PasswordHasher,
    sealer: crate::seal::Sealer,
    /// Loaded signing keys by certificate name, by config version (certificates change
    /// rarely; a rotated or deleted one is seen by every node, see [`Core::key`]).
    keys: crate::versioned::VersionedMap<Arc<SigningKey>>,
    /// Built casbin enforcers, dropped whenever the stored authorization version moves.
    enforcers: crate::enforcement::EnforcerCache,
    /// Organizations' roles and permissions by authorization version (every change to them
    /// moves it in its transaction, so a read at the current version is fresh): a
    /// `get-account` or a token costs the version read, not a read of every role and
    /// permission of the organization. Past 1,024 organizations it starts over.
    org_grants: crate::versioned::VersionedMap<Arc<user_grants::OrgAuthz>>,
    /// Organizations, applications and providers, by config version.
    object_cache: objects::ObjectCache,
}

impl Core {
    pub fn new(
        store: Arc<dyn Store>,
        wechat: Arc<dyn WeChatGateway>,
        config: CoreConfig,
    ) -> Result<Self> {
        Ok(Core {
            store,
            wechat,
            passwords: PasswordHasher::new(config.password_hash_concurrency)?,
            sealer: crate::seal::Sealer::new(&config.secret_key.0)?,
            config,
            keys: crate::versioned::VersionedMap::new(64),
            enforcers: crate::enforcement::EnforcerCache::new(
                crate::enforcement::MAX_CACHED_QUESTIONS,
            ),
            org_grants: crate::versioned::VersionedMap::new(1024),
            object_cache: objects::ObjectCache::default(),
        })
    }

    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The key of certificate `name`, loaded once per config version. Verifying a token
    /// reads no version of its own: it uses the newest this node has seen, read at most
    /// [`objects::KEY_VERSION_AGE`] ago, so a certificate rotated or deleted on another node
    /// stops verifying here within that bound.
    async fn key(&self, name: &str) -> Result<Arc<SigningKey>> {
        let version = self.recent_config_version().await?;
        if let Some(key) = self.keys.get(version, name) {
            return Ok(key);
        }
        let cert = self
            .store
            .get_cert(name)
            .await?
            .ok_or_else(|| Error::Unauthenticated(format!("unknown signing key {name}")))?;
        let key = Arc::new(SigningKey::from_cert(&cert)?);
        self.keys.put(version, name, key.clone());
        Ok(key)
    }

    /// The key an application signs with.
    async fn app_key(&self, app: &Application) -> Result<Arc<SigningKey>> {
        let name = if app.cert.is_empty() {
            BUILT_IN_CERT
        } else {
            app.cert.as_str()
        };
        self.key(name).await.map_err(|e| match e {
            Error::Unauthenticated(_) => Error::Internal(format!(
                "application {} uses missing certificate {name}",
                app.name
            )),
            other => other,
        })
    }
}

impl Core {
    /// Deletes what has expired (code claims, sessions, spent tokens); answers how many rows.
    pub async fn purge_expired(&self, now: crate::clock::Now) -> Result<u64> {
        let mut tx = self.store.begin().await?;
        let n = tx.purge_expired(now.unix()).await?;
        tx.commit().await?;
        Ok(n)
    }
}
