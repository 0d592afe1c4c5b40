//! Organizations, applications and providers kept in memory between requests.
//!
//! Freshness: every write to them (and to certificates and webhooks) moves the stored
//! config version in the writing transaction (the store does it, so no use case can forget
//! it). A request that needs them reads that version once — one indexed single-row read
//! instead of a read and decode per object — so the very next request on ANY node sees a
//! committed change (bound: zero; cost: one read per request).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::entity::{Application, Organization, Provider, ProviderKind, Webhook};
use crate::error::{Error, OAuthErrorCode as Code, Result};
use crate::store::StoreResult;
use crate::versioned::VersionedMap;

use super::Core;

/// Past this many cached objects of one kind the cache starts over (a caller guessing
/// client ids reads the store but does not fill the cache: misses are not kept).
const MAX_OBJECTS: usize = 4096;

/// How old the config version may be when a token is verified (which reads none itself).
pub(crate) const KEY_VERSION_AGE: Duration = Duration::from_secs(1);

pub(crate) struct ObjectCache {
    applications_by_client_id: VersionedMap<Arc<Application>>,
    providers: VersionedMap<Arc<Provider>>,
    organizations: VersionedMap<Arc<Organization>>,
    /// Each organization's enabled webhooks (what its records are delivered to).
    webhooks: VersionedMap<Arc<Vec<Webhook>>>,
    /// The newest config version this node has read, and when.
    newest: Mutex<Option<(i64, Instant)>>,
}

impl Default for ObjectCache {
    fn default() -> Self {
        ObjectCache {
            applications_by_client_id: VersionedMap::new(MAX_OBJECTS),
            providers: VersionedMap::new(MAX_OBJECTS),
            organizations: VersionedMap::new(MAX_OBJECTS),
            webhooks: VersionedMap::new(MAX_OBJECTS),
            newest: Mutex::new(None),
        }
    }
}

impl ObjectCache {
    fn saw(&self, version: i64) {
        let mut newest = self.newest.lock().unwrap_or_else(|p| p.into_inner());
        if newest.is_none_or(|(v, _)| v <= version) {
            *newest = Some((version, Instant::now()));
        }
    }

    fn recent(&self) -> Option<i64> {
        let newest = self.newest.lock().unwrap_or_else(|p| p.into_inner());
        newest
            .filter(|(_, at)| at.elapsed() < KEY_VERSION_AGE)
            .map(|(v, _)| v)
    }
}

/// The stored objects as of one config version, for one request.
pub(crate) struct Objects<'c> {
    core: &'c Core,
    version: i64,
    /// The authorization version read by the same statement (what a token's grants are
    /// computed at).
    authz_version: i64,
}

impl Core {
    /// Reads the config and authorization versions (one statement); what the view answers
    /// is at least that new.
    pub(crate) async fn objects(&self) -> Result<Objects<'_>> {
        let versions = self.store.versions().await?;
        self.object_cache.saw(versions.config);
        Ok(Objects {
            core: self,
            version: versions.config,
            authz_version: versions.authz,
        })
    }

    /// The newest config version read on this node, read again when older than
    /// [`KEY_VERSION_AGE`].
    pub(crate) async fn recent_config_version(&self) -> Result<i64> {
        match self.object_cache.recent() {
            Some(version) => Ok(version),
            None => Ok(self.objects().await?.version),
        }
    }
}

impl Objects<'_> {
    /// The authorization version read with this view's config version.
    pub(crate) fn authz_version(&self) -> i64 {
        self.authz_version
    }

    /// `organization`'s enabled webhooks.
    pub(crate) async fn enabled_webhooks(&self, organization: &str) -> Result<Arc<Vec<Webhook>>> {
        let read = async {
            let found = self.core.store.enabled_webhooks(organization).await?;
            Ok(Some(Arc::new(found)))
        };
        let found = self
            .cached(&self.core.object_cache.webhooks, organization, read)
            .await?;
        Ok(found.unwrap_or_default())
    }

    pub(crate) async fn application_by_client_id(
        &self,
        client_id: &str,
    ) -> Result<Option<Arc<Application>>> {
        let read = shared(self.core.store.get_application_by_client_id(client_id));
        self.cached(
            &self.core.object_cache.applications_by_client_id,
            client_id,
            read,
        )
        .await
    }

    pub(crate) async fn provider(&self, name: &str) -> Result<Option<Arc<Provider>>> {
        let read = shared(self.core.store.get_provider(name));
        self.cached(&self.core.object_cache.providers, name, read)
            .await
    }

    pub(crate) async fn organization(&self, name: &str) -> Result<Option<Arc<Organization>>> {
        let read = shared(self.core.store.get_organization(name));
        self.cached(&self.core.object_cache.organizations, name, read)
            .await
    }

    /// The application a token request names by `client_id`.
    pub(crate) async fn client(&self, client_id: &str) -> Result<Arc<Application>> {
        if client_id.is_empty() {
            return Err(Error::oauth(Code::InvalidClient, "client_id is required"));
        }
        self.application_by_client_id(client_id)
            .await?
            .ok_or_else(|| Error::oauth(Code::InvalidClient, "client_id is invalid"))
    }

    /// The first provider of the application that is a WeChat Mini Program.
    pub(crate) async fn miniprogram_provider(&self, app: &Application) -> Result<Arc<Provider>> {
        for item in &app.providers {
            if let Some(p) = self.provider(&item.name).await?
                && p.kind() == ProviderKind::WeChatMiniProgram
            {
                return Ok(p);
            }
        }
        Err(Error::oauth(
            Code::UnauthorizedClient,
            "the application does not support WeChat Mini Program login: add a provider of type WeChatMiniProgram to it",
        ))
    }

    /// The cached value, or the store's (kept when found).
    async fn cached<V: Clone>(
        &self,
        map: &VersionedMap<V>,
        key: &str,
        read: impl Future<Output = StoreResult<Option<V>>>,
    ) -> Result<Option<V>> {
        if let Some(found) = map.get(self.version, key) {
            return Ok(Some(found));
        }
        let found = read.await?;
        if let Some(value) = &found {
            map.put(self.version, key, value.clone());
        }
        Ok(found)
    }
}

/// A store read whose object is kept shared: the cache hands out references, not copies of
/// objects with dozens of strings.
async fn shared<V>(
    read: impl Future<Output = StoreResult<Option<V>>>,
) -> StoreResult<Option<Arc<V>>> {
    Ok(read.await?.map(Arc::new))
}
