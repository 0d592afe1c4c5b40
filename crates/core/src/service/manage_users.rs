//! Users. Admins of an organization manage its users; a user may change only their own
//! profile fields. Updates are partial: what the body leaves out is kept.

use serde_json::{Map, Value};

use super::{Core, ListParams};
use crate::authz::{Principal, require_admin_of, require_can_read_user, require_can_update_user};
use crate::clock::Now;
use crate::entity::{BUILT_IN_ORG, MASK, User, WeChatIdentity, validate_name};
use crate::error::{Error, Result};
use crate::fields::{self, CASDOOR_IGNORED_USER_FIELDS as IGNORED};
use crate::store::{Page, StoreError};

pub const USER_LIST_FIELDS: &[&str] = &[
    "name",
    "displayName",
    "createdTime",
    "id",
    "email",
    "phone",
    "wechat",
    "tag",
    "signupApplication",
];

/// Fields the server maintains itself; a body may carry them (Casdoor clients send whole
/// objects back) but they never count as changes.
const SERVER_MAINTAINED: &[&str] = &["createdTime", "updatedTime"];

impl Core {
    /// `owner`: the organization; only global admins may list every organization's users.
    pub async fn list_users(
        &self,
        who: &Principal,
        owner: Option<&str>,
        params: &ListParams,
    ) -> Result<Page<User>> {
        let query = params.to_query(USER_LIST_FIELDS)?;
        match owner {
            Some(org) => require_admin_of(who, org)?,
            None => crate::authz::require_global_admin(who)?,
        }
        let page = self.store.list_users(owner, &query).await?;
        Ok(Page {
            total: page.total,
            items: page.items.into_iter().map(User::masked).collect(),
        })
    }

    pub async fn get_user(&self, who: &Principal, owner: &str, name: &str) -> Result<User> {
        require_can_read_user(who, owner, name)?;
        self.store
            .get_user(owner, name)
            .await?
            .map(User::masked)
            .ok_or_else(|| Error::not_found(format!("user {owner}/{name} not found")))
    }

    pub async fn add_user(&self, who: &Principal, body: &Value, now: Now) -> Result<User> {
        let map = fields::object(body, User::FIELDS, IGNORED)?;
        let mut user: User = fields::build(map, User::FIELDS)?;
        validate_name("user", &user.name)?;
        super::signin_limit::validate_user_fields(&user)?;
        require_admin_of(who, &user.owner)?;
        if self.store.get_organization(&user.owner).await?.is_none() {
            return Err(Error::invalid(format!(
                "organization {:?} does not exist",
                user.owner
            )));
        }
        if user.id.is_empty() {
            user.id = uuid::Uuid::new_v4().to_string();
        }
        if user.type_.is_empty() {
            user.type_ = "normal-user".into();
        }
        user.created_time = now.rfc3339();
        user.updated_time = now.rfc3339();
        user.password_hash = self.new_password_hash(&user.password).await?;
        user.password.clear();
        let mut tx = self.store.begin().await?;
        tx.insert_user(&user).await.map_err(|e| match e {
            StoreError::Conflict(_) => Error::Conflict(format!(
                "user {} or its id already exists",
                user.id_string()
            )),
            StoreError::Reference(_) => {
                Error::invalid(format!("organization {:?} does not exist", user.owner))
            }
            other => other.into(),
        })?;
        tx.commit().await?;
        Ok(user.masked())
    }

    async fn new_password_hash(&self, password: &str) -> Result<Option<String>> {
        if password.is_empty() || password == MASK {
            return Ok(None);
        }
        if password.chars().count() > 256 {
            return Err(Error::invalid("a password may have at most 256 characters"));
        }
        Ok(Some(self.passwords.hash(password.to_string()).await?))
    }

    /// Applies the fields present in `body` to user `owner/name`, in one transaction with
    /// the row locked, after checking the caller may change every one of them.
    pub async fn update_user(
        &self,
        who: &Principal,
        owner: &str,
        name: &str,
        body: &Value,
        now: Now,
    ) -> Result<bool> {
        let patch = user_patch(body)?;
        // Refuse early, before any work, when the caller may not touch this user at all.
        if !who.is_user(owner, name) && !who.administers(owner) {
            return Err(Error::forbidden(format!(
                "{} may not change user {owner}/{name}",
                who.subject()
            )));
        }
        let new_hash = match patch.get("password").and_then(Value::as_str) {
            Some(p) => self.new_password_hash(p).await?,
            None => None,
        };
        let mut tx = self.store.begin().await?;
        let current = tx
            .get_user_for_update(owner, name)
            .await?
            .ok_or_else(|| Error::not_found(format!("user {owner}/{name} not found")))?;
        let Some(mut updated) = apply_user_patch(who, &current, &patch)? else {
            return Ok(false);
        };
        if new_hash.is_some() {
            updated.password_hash = new_hash;
        }
        updated.updated_time = now.rfc3339();
        let affected = tx.update_user(&updated).await?;
        // A forbidden or deleted user's tokens stop working at once (the bearer check also
        // looks at the user; revoking makes it visible in the token list too).
        if !updated.is_active() && current.is_active() {
            tx.revoke_user_tokens(owner, name).await?;
        }
        tx.commit().await?;
        Ok(affected)
    }

    /// The WeChat identities linked to a user (the user themselves or their admins).
    pub async fn list_user_identities(
        &self,
        who: &Principal,
        owner: &str,
        name: &str,
    ) -> Result<Vec<WeChatIdentity>> {
        require_can_read_user(who, owner, name)?;
        Ok(self.store.list_wechat_identities(owner, name).await?)
    }

    /// Signs a user out everywhere: every token of theirs stops working. Answers how many
    /// live tokens were revoked.
    pub async fn revoke_user_tokens(
        &self,
        who: &Principal,
        owner: &str,
        name: &str,
    ) -> Result<u64> {
        require_admin_of(who, owner)?;
        let mut tx = self.store.begin().await?;
        let n = tx.revoke_user_tokens(owner, name).await?;
        tx.commit().await?;
        Ok(n)
    }

    pub async fn delete_user(&self, who: &Principal, owner: &str, name: &str) -> Result<bool> {
        require_admin_of(who, owner)?;
        if owner == BUILT_IN_ORG && name == "admin" {
            return Err(Error::forbidden("built-in/admin cannot be deleted"));
        }
        let mut tx = self.store.begin().await?;
        let affected = tx.delete_user(owner, name).await?;
        tx.commit().await?;
        Ok(affected)
    }
}

/// The fields of an update-user body to apply: the body is checked strictly, and fields the
/// server maintains, or an unchanged (`""` or masked) password, are dropped.
pub fn user_patch(body: &Value) -> Result<Map<String, Value>> {
    let map = fields::object(body, User::FIELDS, IGNORED)?;
    Ok(map
        .iter()
        .filter(|(k, v)| {
            let unset_password =
                k.as_str() == "password" && matches!(v.as_str(), Some("") | Some(MASK));
            !SERVER_MAINTAINED.contains(&k.as_str()) && !unset_password
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect())
}

/// `current` with `patch` applied, or `None` when nothing changes, after checking that
/// `who` may change every field that does. The plaintext password is cleared and the
/// stored hash kept: hashing a new password is the caller's job. Pure, so the rules can be fuzzed without a database.
pub fn apply_user_patch(
    who: &Principal,
    current: &User,
    patch: &Map<String, Value>,
) -> Result<Option<User>> {
    let mut changed = fields::changed_fields(&current.clone().masked(), patch);
    if patch.contains_key("password") && !changed.iter().any(|f| f == "password") {
        changed.push("password".into());
    }
    require_can_update_user(who, current, &changed)?;
    if changed.is_empty() {
        return Ok(None);
    }
    if current.owner == BUILT_IN_ORG
        && current.name == "admin"
        && changed.iter().any(|f| f == "isAdmin" || f == "isForbidden")
    {
        return Err(Error::forbidden(
            "built-in/admin cannot be demoted or forbidden",
        ));
    }
    let mut updated: User = fields::merge(current, patch, User::FIELDS)?;
    super::signin_limit::validate_user_fields(&updated)?;
    updated.password.clear();
    // The hash is not part of the JSON the merge goes through.
    updated.password_hash = current.password_hash.clone();
    Ok(Some(updated))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::Credential;
    use serde_json::json;

    fn alice() -> User {
        User {
            owner: "acme".into(),
            name: "alice".into(),
            password_hash: Some("$argon2id$stored".into()),
            ..User::default()
        }
    }

    fn as_user(u: &User) -> Principal {
        Principal::User {
            user: Box::new(u.clone()),
            credential: Credential::Session,
        }
    }

    /// The fuzz harness's invariants, for one input each: the stored hash survives the
    /// merge, a user changes only their profile, and server-maintained fields are dropped.
    #[test]
    fn patches_keep_the_hash_and_respect_who_may_change_what() {
        let current = alice();
        let patch = user_patch(&json!({"displayName": "A", "updatedTime": "x"})).unwrap();
        assert!(!patch.contains_key("updatedTime"));
        let updated = apply_user_patch(&as_user(&current), &current, &patch)
            .unwrap()
            .unwrap();
        assert_eq!(updated.display_name, "A");
        assert_eq!(updated.password_hash, current.password_hash);
        let patch = user_patch(&json!({"isAdmin": true})).unwrap();
        assert!(matches!(
            apply_user_patch(&as_user(&current), &current, &patch),
            Err(Error::Forbidden(_))
        ));
        let unchanged = user_patch(&json!({"password": MASK, "name": "alice"})).unwrap();
        assert_eq!(
            apply_user_patch(&as_user(&current), &current, &unchanged).unwrap(),
            None
        );
    }
}
