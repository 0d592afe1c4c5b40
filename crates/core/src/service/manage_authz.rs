//! Models, permissions, roles, groups, adapters and enforcers: Casdoor's CRUD, one generic
//! implementation for the six kinds. Every change bumps the authorization version in its
//! transaction, so every node's enforcers see it on their next enforce.

use std::any::Any;

use serde_json::Value;

use super::audit::Event;
use super::{Core, ListParams};
use crate::authz::{Principal, authz_list_scope, require_can_manage_authz};
use crate::clock::Now;
use crate::enforcement::{model, policy};
use crate::entity::{
    Adapter, AuthzObject, Group, MASK, Model, Permission, Role, split_id, validate_name,
};
use crate::error::{Error, Result};
use crate::fields;
use crate::store::{AuthzRecord, Page, StoreError, StoreTx};

/// The fields every authorization list may be filtered and sorted on.
pub const AUTHZ_LIST_FIELDS: &[&str] = &["owner", "name", "createdTime", "displayName"];

pub(crate) fn to_record<T: AuthzObject>(obj: &T) -> Result<AuthzRecord> {
    Ok(AuthzRecord {
        owner: obj.owner().to_string(),
        name: obj.name().to_string(),
        created_time: obj.created_time().to_string(),
        display_name: obj.display_name().to_string(),
        body: serde_json::to_string(obj).map_err(|e| Error::Internal(e.to_string()))?,
    })
}

pub(crate) fn from_record<T: AuthzObject>(record: AuthzRecord) -> Result<T> {
    let mut obj: T = serde_json::from_str(&record.body).map_err(|e| {
        Error::Internal(format!(
            "stored {} {}/{} is unreadable: {e}",
            T::NOUN,
            record.owner,
            record.name
        ))
    })?;
    // The key columns are the truth (a rename rewrites both, but be safe).
    let mut value = serde_json::to_value(&obj).map_err(|e| Error::Internal(e.to_string()))?;
    if let Value::Object(map) = &mut value {
        map.insert("owner".into(), Value::String(record.owner));
        map.insert("name".into(), Value::String(record.name));
    }
    obj = serde_json::from_value(value).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(obj)
}

/// A unique violation on writing `obj` names it.
fn already_exists<T: AuthzObject>(obj: &T) -> impl FnOnce(StoreError) -> Error + '_ {
    move |e| match e {
        StoreError::Conflict(_) => {
            Error::Conflict(format!("{} {} already exists", T::NOUN, obj.id()))
        }
        other => other.into(),
    }
}

/// What an answer shows of an object (adapters' database passwords are write-only; an
/// enforcer's own rules are read through `get-policies`).
fn masked<T: AuthzObject>(mut obj: T) -> T {
    if let Some(a) = (&mut obj as &mut dyn Any).downcast_mut::<Adapter>()
        && !a.password.is_empty()
    {
        a.password = MASK.into();
    }
    if let Some(e) = (&mut obj as &mut dyn Any).downcast_mut::<crate::entity::Enforcer>() {
        e.rules.clear();
    }
    obj
}

/// `owner/name` of a model a permission or enforcer names (a bare name is in `owner`).
pub(crate) fn model_id(owner: &str, model: &str) -> String {
    if model.contains('/') {
        model.to_string()
    } else {
        format!("{owner}/{model}")
    }
}

impl Core {
    pub async fn list_authz<T: AuthzObject>(
        &self,
        who: &Principal,
        owner: Option<&str>,
        params: &ListParams,
    ) -> Result<Page<T>> {
        let query = params.to_query(AUTHZ_LIST_FIELDS)?;
        let owner = authz_list_scope(who, owner)?;
        let page = self
            .store
            .list_authz(T::KIND, owner.as_deref(), &query)
            .await?;
        Ok(Page {
            total: page.total,
            items: page
                .items
                .into_iter()
                .map(|r| from_record::<T>(r).map(masked))
                .collect::<Result<_>>()?,
        })
    }

    /// Casdoor's `get-permissions-by-role`: the permissions of the role's organization that
    /// name the role (`owner/name`) among their roles.
    pub async fn permissions_by_role(
        &self,
        who: &Principal,
        owner: &str,
        name: &str,
    ) -> Result<Vec<Permission>> {
        require_can_manage_authz(who, owner)?;
        let role_id = format!("{owner}/{name}");
        let all = self
            .store
            .list_authz(
                Permission::KIND,
                Some(owner),
                &crate::store::ListQuery::default(),
            )
            .await?;
        all.items
            .into_iter()
            .map(from_record::<Permission>)
            .filter(|p| p.as_ref().map_or(true, |p| p.roles.contains(&role_id)))
            .collect()
    }

    /// None when there is no such object (Casdoor answers `data: null`).
    pub async fn get_authz<T: AuthzObject>(
        &self,
        who: &Principal,
        owner: &str,
        name: &str,
    ) -> Result<Option<T>> {
        require_can_manage_authz(who, owner)?;
        match self.store.get_authz(T::KIND, owner, name).await? {
            Some(r) => Ok(Some(masked(from_record::<T>(r)?))),
            None => Ok(None),
        }
    }

    pub async fn add_authz<T: AuthzObject>(
        &self,
        who: &Principal,
        body: &Value,
        now: Now,
    ) -> Result<T> {
        let map = fields::object(body, T::FIELDS, T::IGNORED)?;
        let mut obj: T = fields::build(map, T::FIELDS)?;
        require_can_manage_authz(who, obj.owner())?;
        validate_name("organization", obj.owner())?;
        validate_name(T::NOUN, obj.name())?;
        if obj.created_time().is_empty() {
            obj.set_created_time(&now.rfc3339());
        }
        obj.set_updated_time(&now.rfc3339());
        let mut tx = self.store.begin().await?;
        self.check_object(&mut *tx, &mut obj, None).await?;
        tx.insert_authz(T::KIND, &to_record(&obj)?)
            .await
            .map_err(already_exists(&obj))?;
        tx.bump_authz_version().await?;
        let event = Event::by(who, T::ACTIONS[0], obj.owner(), obj.id());
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        Ok(masked(obj))
    }

    /// Changes the fields present in `body`; `name` may change (a rename), `owner` not.
    pub async fn update_authz<T: AuthzObject>(
        &self,
        who: &Principal,
        owner: &str,
        name: &str,
        body: &Value,
        now: Now,
    ) -> Result<bool> {
        require_can_manage_authz(who, owner)?;
        let map = fields::object(body, T::FIELDS, T::IGNORED)?;
        let mut tx = self.store.begin().await?;
        let Some(current) = tx.get_authz_for_update(T::KIND, owner, name).await? else {
            return Ok(false);
        };
        let current: T = from_record(current)?;
        let mut updated: T = fields::merge(&current, map, T::FIELDS)?;
        if updated.owner() != current.owner() {
            return Err(Error::invalid(format!(
                "the owner of a {} cannot be changed",
                T::NOUN
            )));
        }
        validate_name(T::NOUN, updated.name())?;
        if updated.created_time().is_empty() {
            updated.set_created_time(current.created_time());
        }
        self.check_object(&mut *tx, &mut updated, Some(&current))
            .await?;
        if updated == current {
            return Ok(false);
        }
        updated.set_updated_time(&now.rfc3339());
        let affected = tx
            .update_authz(T::KIND, owner, name, &to_record(&updated)?)
            .await
            .map_err(already_exists(&updated))?;
        tx.bump_authz_version().await?;
        if affected {
            let event = Event::by(who, T::ACTIONS[1], owner, updated.id());
            self.record(&mut *tx, event, now).await?;
        }
        tx.commit().await?;
        Ok(affected)
    }

    pub async fn delete_authz<T: AuthzObject>(
        &self,
        who: &Principal,
        owner: &str,
        name: &str,
        now: Now,
    ) -> Result<bool> {
        require_can_manage_authz(who, owner)?;
        let mut tx = self.store.begin().await?;
        let affected = tx.delete_authz(T::KIND, owner, name).await?;
        if affected {
            tx.bump_authz_version().await?;
            let event = Event::by(who, T::ACTIONS[2], owner, format!("{owner}/{name}"));
            self.record(&mut *tx, event, now).await?;
        }
        tx.commit().await?;
        Ok(affected)
    }

    /// The rules of each kind, checked before an object is written.
    pub(super) async fn check_object<T: AuthzObject>(
        &self,
        tx: &mut dyn StoreTx,
        obj: &mut T,
        current: Option<&T>,
    ) -> Result<()> {
        let any = obj as &mut (dyn Any + Send);
        if let Some(m) = any.downcast_mut::<Model>() {
            model::validate(&m.model_text)
                .await
                .map_err(|e| Error::invalid(format!("model {}/{}: {e}", m.owner, m.name)))?;
        } else if let Some(p) = any.downcast_mut::<Permission>() {
            check_permission(tx, p).await?;
        } else if let Some(g) = any.downcast_mut::<Group>() {
            if g.parent_id.is_empty() || g.parent_id == g.owner {
                g.parent_id = g.owner.clone();
                g.is_top_group = true;
            } else {
                g.is_top_group = false;
                if g.parent_id == g.name {
                    return Err(Error::invalid("a group cannot be its own parent"));
                }
            }
        } else if let Some(a) = any.downcast_mut::<Adapter>() {
            let stored = current.and_then(|c| (c as &dyn Any).downcast_ref::<Adapter>());
            if a.password == MASK {
                match stored {
                    Some(s) => a.password = s.password.clone(),
                    None => {
                        return Err(Error::invalid("`***` is not a password"));
                    }
                }
            }
        } else if let Some(r) = any.downcast_mut::<Role>() {
            let id = format!("{}/{}", r.owner, r.name);
            if r.roles.contains(&id) {
                return Err(Error::invalid(format!("role {id} cannot include itself")));
            }
        }
        Ok(())
    }
}

/// Casdoor's `checkPermissionValid`: the effect is Allow or Deny (empty: Allow), the model
/// exists and parses, the policies fit it, and roles (domains) are dropped where the model
/// has no role (domain) definition.
async fn check_permission(tx: &mut dyn StoreTx, p: &mut Permission) -> Result<()> {
    p.effect = match p.effect.to_ascii_lowercase().as_str() {
        "" | "allow" => "Allow".into(),
        "deny" => "Deny".into(),
        other => {
            return Err(Error::invalid(format!(
                "effect must be Allow or Deny, not {other:?}"
            )));
        }
    };
    let text = if p.model.is_empty() {
        String::new()
    } else {
        let id = model_id(&p.owner, &p.model);
        let (owner, name) = split_id(&id)
            .ok_or_else(|| Error::invalid(format!("model must be owner/name, got {id:?}")))?;
        let record = tx
            .get_authz_for_update(crate::store::AuthzKind::Model, owner, name)
            .await?
            .ok_or_else(|| Error::invalid(format!("the model {id} does not exist")))?;
        from_record::<Model>(record)?.model_text
    };
    let m = model::parse(&text)
        .await
        .map_err(|e| Error::invalid(format!("the model of permission {}: {e}", p.name)))?;
    let built = model::build(m, policy::policies(p), Vec::new())
        .await
        .map_err(|e| Error::invalid(format!("permission {}: {e}", p.name)))?;
    if built.role_fields == 0 {
        p.roles.clear();
    }
    if built.role_fields < 3 && !built.has_domain {
        p.domains.clear();
    }
    Ok(())
}
