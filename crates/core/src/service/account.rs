//! What a signed-in user may ask about themselves.

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Core;
use crate::authz::{Credential, Principal};
use crate::entity::{Organization, User};
use crate::error::{Error, Result};

/// Casdoor's `get-account` data: the user's fields, `groups` among them, plus `roles` and
/// `permissions` (masked: see [`super::user_grants`]).
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    #[serde(flatten)]
    pub user: User,
    pub roles: Vec<Value>,
    pub permissions: Vec<Value>,
}

impl Core {
    /// Casdoor's `get-account`: the caller (masked) with their roles and permissions, and
    /// their organization.
    pub async fn get_account(&self, who: &Principal) -> Result<(Account, Option<Organization>)> {
        let user = who
            .user()
            .ok_or_else(|| Error::invalid("an application has no account; use a user's token"))?
            .clone();
        let grants = self.grants_of(&user).await?;
        let org = self.store.get_organization(&user.owner).await?;
        let account = Account {
            user: user.masked(),
            roles: grants.roles_json(),
            permissions: grants.permissions_json(),
        };
        Ok((account, org))
    }

    /// OIDC UserInfo, filtered by the token's scope (a console session sees everything).
    /// `profile` also releases Casdoor's `groups`, `roles` and `permissions` (names; each
    /// left out when empty, as Casdoor's `omitempty`).
    pub async fn userinfo(&self, who: &Principal) -> Result<Value> {
        let Principal::User { user, credential } = who else {
            return Err(Error::invalid("userinfo needs a user's access token"));
        };
        let (scope, audience) = match credential {
            Credential::Bearer {
                scope, client_id, ..
            } => (scope.as_str(), client_id.as_str()),
            Credential::Session => ("openid profile email phone", ""),
        };
        let scopes: Vec<&str> = scope.split_whitespace().collect();
        let mut info = Map::new();
        info.insert("sub".into(), json!(user.id));
        info.insert("iss".into(), json!(self.config.issuer));
        if !audience.is_empty() {
            info.insert("aud".into(), json!(audience));
        }
        if scopes.contains(&"profile") {
            info.insert("preferred_username".into(), json!(user.name));
            info.insert("name".into(), json!(user.display_name));
            info.insert("picture".into(), json!(user.avatar));
            info.insert("owner".into(), json!(user.owner));
            let grants = self.grants_of(user).await?;
            for (claim, names) in [
                ("groups", user.groups.clone()),
                ("roles", grants.role_names()),
                ("permissions", grants.permission_names()),
            ] {
                if !names.is_empty() {
                    info.insert(claim.into(), json!(names));
                }
            }
        }
        if scopes.contains(&"email") {
            info.insert("email".into(), json!(user.email));
            info.insert("email_verified".into(), json!(user.email_verified));
        }
        if scopes.contains(&"phone") {
            info.insert("phone_number".into(), json!(user.phone));
        }
        Ok(Value::Object(info))
    }
}
