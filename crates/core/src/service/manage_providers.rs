//! Providers (WeChat Mini Program and others). Secrets are write-only: every answer shows
//! `***`, and `***` sent back keeps the stored secret.

use serde_json::Value;

use super::audit::Event;
use super::{Core, ListParams};
use crate::authz::{AdminScope, Principal, require_admin_of, require_can_manage_provider};
use crate::clock::Now;
use crate::entity::{GLOBAL_OWNER, MASK, Provider, validate_name};
use crate::error::{Error, Result};
use crate::fields::{self, CASDOOR_IGNORED_PROVIDER_FIELDS as IGNORED};
use crate::store::{Page, StoreError};

pub const PROVIDER_LIST_FIELDS: &[&str] = &[
    "name",
    "displayName",
    "createdTime",
    "category",
    "type",
    "owner",
];

/// Global providers' records belong to the built-in organization.
pub(crate) fn provider_org(p: &Provider) -> &str {
    if p.owner == GLOBAL_OWNER {
        crate::entity::BUILT_IN_ORG
    } else {
        &p.owner
    }
}

pub(crate) fn provider_id(p: &Provider) -> String {
    format!("{}/{}", p.owner, p.name)
}

pub(crate) fn mask_provider(mut p: Provider) -> Provider {
    for secret in [&mut p.client_secret, &mut p.client_secret2] {
        if !secret.is_empty() {
            *secret = MASK.to_string();
        }
    }
    p
}

impl Core {
    pub async fn list_providers(
        &self,
        who: &Principal,
        owner: Option<&str>,
        params: &ListParams,
    ) -> Result<Page<Provider>> {
        let query = params.to_query(PROVIDER_LIST_FIELDS)?;
        let page = match (who.admin_scope(), owner) {
            (AdminScope::Everything, owner) => self.store.list_providers(owner, &query).await?,
            (AdminScope::Organization(org), Some(owner))
                if owner == org || owner == GLOBAL_OWNER =>
            {
                self.store.list_providers(Some(owner), &query).await?
            }
            (AdminScope::Organization(org), None) => {
                self.store.list_providers(Some(&org), &query).await?
            }
            _ => {
                return Err(Error::forbidden(format!(
                    "{} may not list these providers",
                    who.subject()
                )));
            }
        };
        Ok(Page {
            total: page.total,
            items: page.items.into_iter().map(mask_provider).collect(),
        })
    }

    pub async fn get_provider(&self, who: &Principal, name: &str) -> Result<Provider> {
        let p = self
            .store
            .get_provider(name)
            .await?
            .ok_or_else(|| Error::not_found(format!("provider {name} not found")))?;
        // Org admins may look at global providers (to attach them), secrets masked.
        if !(p.owner == GLOBAL_OWNER && who.admin_scope() != AdminScope::Nothing) {
            require_admin_of(who, &p.owner)?;
        }
        Ok(mask_provider(p))
    }

    pub async fn add_provider(&self, who: &Principal, body: &Value, now: Now) -> Result<Provider> {
        let map = fields::object(body, Provider::FIELDS, IGNORED)?;
        let mut p: Provider = fields::build(map, Provider::FIELDS)?;
        if p.owner.is_empty() {
            p.owner = GLOBAL_OWNER.into();
        }
        require_can_manage_provider(who, &p.owner)?;
        validate_name("provider", &p.name)?;
        if p.type_.is_empty() {
            return Err(Error::invalid(
                "a provider needs a type, e.g. WeChatMiniProgram",
            ));
        }
        if p.category.is_empty() {
            p.category = "OAuth".into();
        }
        if p.client_secret == MASK || p.client_secret2 == MASK {
            return Err(Error::invalid(
                "`***` is not a secret; send the real AppSecret",
            ));
        }
        p.created_time = now.rfc3339();
        let mut tx = self.store.begin().await?;
        tx.insert_provider(&p).await.map_err(|e| match e {
            StoreError::Conflict(_) => {
                Error::Conflict(format!("provider {} already exists", p.name))
            }
            other => other.into(),
        })?;
        let event = Event::by(who, "add-provider", provider_org(&p), provider_id(&p));
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        Ok(mask_provider(p))
    }

    pub async fn update_provider(
        &self,
        who: &Principal,
        name: &str,
        body: &Value,
        now: Now,
    ) -> Result<bool> {
        let map = fields::object(body, Provider::FIELDS, IGNORED)?;
        // Read, merge and write in one transaction with the row locked: a concurrent
        // update of other fields is waited for, never overwritten with what was read before.
        let mut tx = self.store.begin().await?;
        let current = tx
            .get_provider_for_update(name)
            .await?
            .ok_or_else(|| Error::not_found(format!("provider {name} not found")))?;
        require_can_manage_provider(who, &current.owner)?;
        let mut updated: Provider = fields::merge(&current, map, Provider::FIELDS)?;
        if updated.name != current.name || updated.created_time != current.created_time {
            return Err(Error::invalid(
                "the fields `name` and `createdTime` cannot be changed",
            ));
        }
        if updated.owner != current.owner {
            require_can_manage_provider(who, &updated.owner)?;
        }
        // `***` (what every answer shows) and an empty value both keep the stored secret.
        if updated.client_secret == MASK || updated.client_secret.is_empty() {
            updated.client_secret = current.client_secret.clone();
        }
        if updated.client_secret2 == MASK || updated.client_secret2.is_empty() {
            updated.client_secret2 = current.client_secret2.clone();
        }
        if updated == current {
            return Ok(false);
        }
        let affected = tx.update_provider(&updated).await?;
        let event = Event::by(
            who,
            "update-provider",
            provider_org(&current),
            provider_id(&current),
        );
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        Ok(affected)
    }

    pub async fn delete_provider(&self, who: &Principal, name: &str, now: Now) -> Result<bool> {
        let mut tx = self.store.begin().await?;
        let Some(current) = tx.get_provider_for_update(name).await? else {
            return Ok(false);
        };
        require_can_manage_provider(who, &current.owner)?;
        let affected = tx.delete_provider(name).await?;
        let event = Event::by(
            who,
            "delete-provider",
            provider_org(&current),
            provider_id(&current),
        );
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        Ok(affected)
    }
}
