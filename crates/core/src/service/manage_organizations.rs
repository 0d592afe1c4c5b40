//! Organizations: created and deleted by global admins, edited by their own admins.

use serde_json::Value;

use super::{Core, ListParams};
use crate::authz::{AdminScope, Principal, require_admin_of, require_global_admin};
use crate::clock::Now;
use crate::entity::{BUILT_IN_ORG, GLOBAL_OWNER, Organization, validate_name};
use crate::error::{Error, Result};
use crate::fields::{self, CASDOOR_IGNORED_ORGANIZATION_FIELDS as IGNORED};
use crate::store::{Page, StoreError};

pub const ORGANIZATION_LIST_FIELDS: &[&str] = &["name", "displayName", "createdTime", "websiteUrl"];

impl Core {
    /// Global admins see every organization; anyone else only their own.
    pub async fn list_organizations(
        &self,
        who: &Principal,
        params: &ListParams,
    ) -> Result<Page<Organization>> {
        let query = params.to_query(ORGANIZATION_LIST_FIELDS)?;
        match who.admin_scope() {
            AdminScope::Everything => Ok(self.store.list_organizations(&query).await?),
            _ => {
                let own = match who {
                    Principal::User { user, .. } => user.owner.clone(),
                    Principal::Application(app) => app.organization.clone(),
                };
                let items: Vec<Organization> = self
                    .store
                    .get_organization(&own)
                    .await?
                    .into_iter()
                    .collect();
                Ok(Page {
                    total: items.len() as u64,
                    items,
                })
            }
        }
    }

    pub async fn get_organization(&self, who: &Principal, name: &str) -> Result<Organization> {
        let member = who.user().is_some_and(|u| u.owner == name);
        if !member {
            require_admin_of(who, name)?;
        }
        self.store
            .get_organization(name)
            .await?
            .ok_or_else(|| Error::not_found(format!("organization {name} not found")))
    }

    pub async fn add_organization(
        &self,
        who: &Principal,
        body: &Value,
        now: Now,
    ) -> Result<Organization> {
        require_global_admin(who)?;
        let map = fields::object(body, Organization::FIELDS, IGNORED)?;
        let mut org: Organization = fields::build(map, Organization::FIELDS)?;
        validate_name("organization", &org.name)?;
        super::signin_limit::validate_organization_fields(&org)?;
        org.owner = GLOBAL_OWNER.into();
        org.created_time = now.rfc3339();
        if org.password_type.is_empty() {
            org.password_type = "argon2id".into();
        }
        let mut tx = self.store.begin().await?;
        tx.insert_organization(&org)
            .await
            .map_err(|e| conflict(e, &org.name))?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn update_organization(
        &self,
        who: &Principal,
        name: &str,
        body: &Value,
    ) -> Result<bool> {
        require_admin_of(who, name)?;
        let map = fields::object(body, Organization::FIELDS, IGNORED)?;
        // Read, merge and write in one transaction with the row locked: a concurrent
        // update of other fields is waited for, never overwritten with what was read before.
        let mut tx = self.store.begin().await?;
        let current = tx
            .get_organization_for_update(name)
            .await?
            .ok_or_else(|| Error::not_found(format!("organization {name} not found")))?;
        let changed = fields::changed_fields(&current, map);
        if let Some(f) = changed
            .iter()
            .find(|f| ["owner", "name", "createdTime"].contains(&f.as_str()))
        {
            return Err(Error::invalid(format!("the field `{f}` cannot be changed")));
        }
        let updated: Organization = fields::merge(&current, map, Organization::FIELDS)?;
        super::signin_limit::validate_organization_fields(&updated)?;
        if updated == current {
            return Ok(false);
        }
        let affected = tx.update_organization(&updated).await?;
        tx.commit().await?;
        Ok(affected)
    }

    pub async fn delete_organization(&self, who: &Principal, name: &str) -> Result<bool> {
        require_global_admin(who)?;
        if name == BUILT_IN_ORG {
            return Err(Error::forbidden(
                "the built-in organization cannot be deleted",
            ));
        }
        let mut tx = self.store.begin().await?;
        let affected = tx.delete_organization(name).await.map_err(|e| match e {
            StoreError::Reference(_) => Error::Conflict(format!(
                "organization {name} still has users or applications; delete them first"
            )),
            other => other.into(),
        })?;
        tx.commit().await?;
        Ok(affected)
    }
}

fn conflict(e: StoreError, name: &str) -> Error {
    match e {
        StoreError::Conflict(_) => Error::Conflict(format!("organization {name} already exists")),
        other => other.into(),
    }
}
