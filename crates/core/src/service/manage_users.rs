//! Users. Admins of an organization manage its users; a user may change only their own
//! profile fields. Updates are partial: what the body leaves out is kept.

use serde_json::{Map, Value};

use super::audit::Event;
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
        if !user.groups.is_empty() {
            tx.bump_authz_version().await?;
        }
        let event = Event::by(who, "add-user", &user.owner, user.id_string()).about(&user);
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        Ok(user.masked())
    }

    pub(super) async fn new_password_hash(&self, password: &str) -> Result<Option<String>> {
        if password.is_empty() || password == MASK {
            return Ok(None);
        }
        if password.chars().count() > 256 {
            return Err(Error::invalid("a password may have at most 256 characters"));
        }
        Ok(Some(self.passwords.hash(password.to_string()).await?))
    }

    /// Applies the fields present in `body` (only those named in `columns`, Casdoor's
    /// `?columns=`, when given) to user `owner/name`, in one transaction with the row
    /// locked, after checking the caller may change every one of them.
    pub async fn update_user(
        &self,
        who: &Principal,
        owner: &str,
        name: &str,
        body: &Value,
        columns: Option<&str>,
        now: Now,
    ) -> Result<bool> {
        let patch = user_patch(body, columns)?;
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
        if updated.groups != current.groups {
            // Group membership feeds the enforcers.
            tx.bump_authz_version().await?;
        }
        // A forbidden or deleted user's tokens stop working at once (the bearer check also
        // looks at the user; revoking makes it visible in the token list too).
        if !updated.is_active() && current.is_active() {
            tx.revoke_user_tokens(owner, name).await?;
        }
        let event = Event::by(who, "update-user", owner, updated.id_string()).about(&updated);
        self.record(&mut *tx, event, now).await?;
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
        now: Now,
    ) -> Result<u64> {
        require_admin_of(who, owner)?;
        let mut tx = self.store.begin().await?;
        let n = tx.revoke_user_tokens(owner, name).await?;
        let event = Event::by(who, "revoke-user-tokens", owner, format!("{owner}/{name}"));
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        crate::telemetry::tokens_revoked("admin", n);
        Ok(n)
    }

    pub async fn delete_user(
        &self,
        who: &Principal,
        owner: &str,
        name: &str,
        now: Now,
    ) -> Result<bool> {
        require_admin_of(who, owner)?;
        if owner == BUILT_IN_ORG && name == "admin" {
            return Err(Error::forbidden("built-in/admin cannot be deleted"));
        }
        let mut tx = self.store.begin().await?;
        let Some(user) = tx.get_user_for_update(owner, name).await? else {
            return Ok(false);
        };
        let affected = tx.delete_user(owner, name).await?;
        if affected {
            // The user leaves their groups.
            tx.bump_authz_version().await?;
        }
        let event = Event::by(who, "delete-user", owner, user.id_string()).about(&user);
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        Ok(affected)
    }
}

/// The fields of an update-user body to apply: the body is checked strictly (keys matched
/// case-insensitively, as Casdoor's Go decoding does), and fields the server maintains, or
/// an unchanged (`""` or masked) password, are dropped. With `columns` (Casdoor's
/// `?columns=display_name,avatar`, snake or camel case) only those fields count and the
/// rest of the body is not looked at: the Go SDK's `UpdateUserForColumns` sends the whole
/// struct, empty strings and all.
pub fn user_patch(body: &Value, columns: Option<&str>) -> Result<Map<String, Value>> {
    let body = fields::canonical_keys(body, User::FIELDS, IGNORED);
    let body = match columns.filter(|c| !c.trim().is_empty()) {
        Some(columns) => {
            let wanted = user_columns(columns)?;
            let Value::Object(map) = &body else {
                return Err(Error::invalid("the body must be a JSON object"));
            };
            Value::Object(
                map.iter()
                    .filter(|(k, _)| wanted.contains(&k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            )
        }
        None => body,
    };
    let map = fields::object(&body, User::FIELDS, IGNORED)?;
    Ok(map
        .iter()
        .filter(|(k, v)| {
            let unset_password =
                k.as_str() == "password" && matches!(v.as_str(), Some("") | Some(MASK));
            !SERVER_MAINTAINED.contains(&k.as_str())
                && !unset_password
                && User::FIELDS.contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect())
}

/// The JSON fields `?columns=` names. Casdoor columns Ferrodoor does not model are
/// accepted and ignored; a name that is no Casdoor column is refused.
fn user_columns(columns: &str) -> Result<Vec<&'static str>> {
    let mut wanted = Vec::new();
    for column in columns.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        let column = fields::snake_case(column);
        let find = |list: &[&'static str]| {
            list.iter()
                .copied()
                .find(|f| fields::snake_case(f) == column || f.eq_ignore_ascii_case(&column))
        };
        match (find(User::FIELDS), find(IGNORED)) {
            (Some(field), _) => wanted.push(field),
            (None, Some(_)) => {}
            (None, None) => {
                let shown: String = column.chars().take(64).collect();
                return Err(Error::invalid(format!("unknown user column `{shown}`")));
            }
        }
    }
    Ok(wanted)
}

/// `current` with `patch` applied, or `None` when nothing changes, after checking that
/// `who` may change every field that does. The plaintext password is cleared and the
/// stored hash kept: hashing a new password is the caller's job. An email or phone the
/// user sets themselves is marked pending (unverified, never used to find the account);
/// one an administrator sets is not. Pure, so the rules can be fuzzed without a database.
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
    // The hash and the pending marks are not part of the JSON the merge goes through.
    updated.password_hash = current.password_hash.clone();
    updated.email_pending = current.email_pending;
    updated.phone_pending = current.phone_pending;
    let by_admin = who.administers(&current.owner);
    let has = |f: &str| changed.iter().any(|c| c == f);
    if has("email") {
        updated.email_pending = !by_admin && !updated.email.is_empty();
        if !by_admin {
            updated.email_verified = false;
        }
    }
    if has("emailVerified") && updated.email_verified {
        updated.email_pending = false;
    }
    if has("phone") {
        updated.phone_pending = !by_admin && !updated.phone.is_empty();
    }
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
        let patch = user_patch(&json!({"displayName": "A", "updatedTime": "x"}), None).unwrap();
        assert!(!patch.contains_key("updatedTime"));
        let updated = apply_user_patch(&as_user(&current), &current, &patch)
            .unwrap()
            .unwrap();
        assert_eq!(updated.display_name, "A");
        assert_eq!(updated.password_hash, current.password_hash);
        let patch = user_patch(&json!({"isAdmin": true}), None).unwrap();
        assert!(matches!(
            apply_user_patch(&as_user(&current), &current, &patch),
            Err(Error::Forbidden(_))
        ));
        let unchanged = user_patch(&json!({"password": MASK, "name": "alice"}), None).unwrap();
        assert_eq!(
            apply_user_patch(&as_user(&current), &current, &unchanged).unwrap(),
            None
        );
    }

    fn wechat_user() -> User {
        User {
            password_hash: None,
            ..alice()
        }
    }

    /// The official mini-program example's profile save, as it sends it.
    #[test]
    fn the_example_profile_form_sets_only_its_columns() {
        let current = wechat_user();
        let body = json!({"id": "x", "name": "alice", "displayName": "Al", "avatar": "https://a/b.png",
            "email": "al@example.com", "phone": "13800000000", "password": "first-Passw0rd"});
        let patch = user_patch(&body, Some("display_name,avatar,email,phone,password")).unwrap();
        assert!(!patch.contains_key("id") && !patch.contains_key("name"));
        let updated = apply_user_patch(&as_user(&current), &current, &patch)
            .unwrap()
            .unwrap();
        assert_eq!(updated.display_name, "Al");
        assert!(updated.email_pending && updated.phone_pending && !updated.email_verified);
        // Once a password is set, the masked one re-sent is no change, a new one is refused.
        let with_password = alice();
        let again = json!({"displayName": "Al", "password": "***"});
        let patch = user_patch(&again, Some("display_name,password")).unwrap();
        assert!(!patch.contains_key("password"));
        let other = user_patch(&json!({"password": "new-one"}), Some("password")).unwrap();
        assert!(matches!(
            apply_user_patch(&as_user(&with_password), &with_password, &other),
            Err(Error::Forbidden(_))
        ));
    }

    #[test]
    fn columns_limit_the_body_and_unknown_columns_are_refused() {
        // The Go SDK's UpdateUserForColumns: the whole struct, empty strings included.
        let body = json!({"owner": "acme", "name": "alice", "displayName": "A", "isAdmin": false,
            "email": "", "weChat": "", "github": "", "notAField": 1});
        let patch = user_patch(&body, Some("displayName")).unwrap();
        assert_eq!(patch.keys().collect::<Vec<_>>(), vec!["displayName"]);
        assert!(user_patch(&body, Some("display_name,address")).is_ok());
        assert!(matches!(
            user_patch(&body, Some("no_such_column")),
            Err(Error::Invalid(_))
        ));
        let admin_set = user_patch(&json!({"email": "a@example.com"}), None).unwrap();
        let boss = Principal::User {
            user: Box::new(User {
                owner: "acme".into(),
                name: "boss".into(),
                is_admin: true,
                ..User::default()
            }),
            credential: Credential::Session,
        };
        let updated = apply_user_patch(&boss, &alice(), &admin_set)
            .unwrap()
            .unwrap();
        assert!(
            !updated.email_pending,
            "an email an admin sets is not pending"
        );
    }
}
