//! The WeChat access tokens every node shares, kept in the database and sealed at rest
//! with the server's secret key.

use std::sync::Arc;

use async_trait::async_trait;
use ferrodoor_core::seal::Sealer;
use ferrodoor_core::store::Store;
use ferrodoor_wechat::{SharedToken, SharedTokens};

/// Every write is one short transaction of its own: no lock or writer is held while WeChat
/// is asked (the lease row says who is asking).
pub struct DbSharedTokens {
    store: Arc<dyn Store>,
    sealer: Sealer,
}

impl DbSharedTokens {
    pub fn new(store: Arc<dyn Store>, sealer: Sealer) -> Self {
        DbSharedTokens { store, sealer }
    }
}

fn text(e: ferrodoor_core::store::StoreError) -> String {
    e.to_string()
}

#[async_trait]
impl SharedTokens for DbSharedTokens {
    async fn read(&self, appid: &str) -> Result<Option<SharedToken>, String> {
        let row = self
            .store
            .get_wechat_access_token(appid)
            .await
            .map_err(|e| e.to_string())?;
        Ok(row.map(|r| SharedToken {
            // Sealed with another key (the key was changed): as good as no token.
            token: r.token_sealed.and_then(|s| self.sealer.open(&s)),
            expires_at: r.expires_at,
            version: r.version,
        }))
    }

    async fn lease(&self, appid: &str, version: i64, now: i64, until: i64) -> Result<bool, String> {
        let mut tx = self.store.begin().await.map_err(text)?;
        let leased = tx
            .lease_wechat_access_token(appid, version, now, until)
            .await
            .map_err(text)?;
        tx.commit().await.map_err(text)?;
        Ok(leased)
    }

    async fn store(
        &self,
        appid: &str,
        version: i64,
        token: &str,
        expires_at: i64,
    ) -> Result<Option<i64>, String> {
        let sealed = self.sealer.seal(token).map_err(|e| e.to_string())?;
        let mut tx = self.store.begin().await.map_err(text)?;
        let stored = tx
            .store_wechat_access_token(appid, version, &sealed, expires_at)
            .await
            .map_err(text)?;
        tx.commit().await.map_err(text)?;
        Ok(stored)
    }

    async fn release(&self, appid: &str, version: i64) -> Result<(), String> {
        let mut tx = self.store.begin().await.map_err(text)?;
        tx.release_wechat_access_token(appid, version)
            .await
            .map_err(text)?;
        tx.commit().await.map_err(text)
    }
}
