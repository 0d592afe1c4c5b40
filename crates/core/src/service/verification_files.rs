//! Business-domain verification files: before a mini program may open a domain in a
//! `web-view`, WeChat fetches `https://<domain>/<name>.txt` and compares its text. Admins
//! upload the file WeChat gave them per WeChat provider; the server answers it at its
//! origin's root, by exact name only (see [`crate::entity::is_verification_file_name`]).

use super::Core;
use super::audit::Event;
use super::manage_providers::{provider_id, provider_org};
use crate::authz::{Principal, require_can_manage_provider};
use crate::clock::Now;
use crate::entity::{Provider, ProviderKind, VerificationFile};
use crate::error::{Error, Result};
use crate::store::StoreError;

impl Core {
    /// The provider's file, or `None` (its managers only).
    pub async fn get_verification_file(
        &self,
        who: &Principal,
        provider: &str,
    ) -> Result<Option<VerificationFile>> {
        let p = self.provider_of_file(provider).await?;
        require_can_manage_provider(who, &p.owner)?;
        Ok(self.store.get_verification_file(&p.name).await?)
    }

    /// Stores `file_name` with `content` as the provider's file, replacing its previous
    /// one. A name another provider serves is a conflict.
    pub async fn set_verification_file(
        &self,
        who: &Principal,
        provider: &str,
        file_name: &str,
        content: &str,
        now: Now,
    ) -> Result<VerificationFile> {
        let p = self.provider_of_file(provider).await?;
        require_can_manage_provider(who, &p.owner)?;
        if !matches!(
            p.kind(),
            ProviderKind::WeChatMiniProgram | ProviderKind::WeChatWeb
        ) {
            return Err(Error::invalid(format!(
                "provider {} is not a WeChat provider: verification files are WeChat's",
                p.name
            )));
        }
        let file = VerificationFile {
            provider: p.name.clone(),
            file_name: file_name.to_string(),
            content: content.to_string(),
            updated_time: now.rfc3339(),
        };
        file.validate()?;
        let conflict = |e: StoreError| match e {
            StoreError::Conflict(_) => Error::Conflict(format!(
                "another provider already serves {}",
                file.file_name
            )),
            other => other.into(),
        };
        let mut tx = self.store.begin().await?;
        if tx
            .get_verification_file_for_update(&p.name)
            .await?
            .is_some()
        {
            tx.update_verification_file(&file).await.map_err(conflict)?;
        } else {
            tx.insert_verification_file(&file).await.map_err(conflict)?;
        }
        let event = Event::by(
            who,
            "upload-verification-file",
            provider_org(&p),
            provider_id(&p),
        );
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        Ok(file)
    }

    /// Removes the provider's file; answers whether there was one.
    pub async fn delete_verification_file(
        &self,
        who: &Principal,
        provider: &str,
        now: Now,
    ) -> Result<bool> {
        let p = self.provider_of_file(provider).await?;
        require_can_manage_provider(who, &p.owner)?;
        let mut tx = self.store.begin().await?;
        let deleted = tx.delete_verification_file(&p.name).await?;
        if deleted {
            let event = Event::by(
                who,
                "delete-verification-file",
                provider_org(&p),
                provider_id(&p),
            );
            self.record(&mut *tx, event, now).await?;
        }
        tx.commit().await?;
        Ok(deleted)
    }

    /// The text served at `/<file_name>`, for anyone (WeChat's crawler); `None` for a name
    /// that is not a stored verification file (or not a verification file name at all).
    pub async fn served_verification_file(&self, file_name: &str) -> Result<Option<String>> {
        if !crate::entity::is_verification_file_name(file_name) {
            return Ok(None);
        }
        Ok(self
            .store
            .get_verification_file_by_name(file_name)
            .await?
            .map(|f| f.content))
    }

    async fn provider_of_file(&self, name: &str) -> Result<Provider> {
        self.store
            .get_provider(name)
            .await?
            .ok_or_else(|| Error::not_found(format!("provider {name} not found")))
    }
}
