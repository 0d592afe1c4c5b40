//! Casdoor's authorization objects: models, permissions, roles, groups, adapters and
//! enforcers, with Casdoor's JSON names. Each is unique by (`owner`, `name`) and referred to
//! as `owner/name`.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// A list of ids as clients send it: `null` (Go's nil slice) is empty, and empty strings
/// (the Python SDK's `[""]` defaults) are dropped.
pub(crate) fn id_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let items: Option<Vec<Option<String>>> = Option::deserialize(d)?;
    Ok(items
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect())
}

/// A string that clients may send as `null`.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(d)?.unwrap_or_default())
}

/// A Casbin model (`modelText` in Casbin's INI-like syntax).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Model {
    pub owner: String,
    pub name: String,
    pub created_time: String,
    #[serde(deserialize_with = "text")]
    pub display_name: String,
    #[serde(deserialize_with = "text")]
    pub description: String,
    #[serde(deserialize_with = "text")]
    pub model_text: String,
}

/// Who (users, groups, roles) may do which actions on which resources, in which domains.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Permission {
    pub owner: String,
    pub name: String,
    pub created_time: String,
    #[serde(deserialize_with = "text")]
    pub display_name: String,
    #[serde(deserialize_with = "text")]
    pub description: String,
    /// `owner/name` of users (`*` or `owner/*` for all).
    #[serde(deserialize_with = "id_list")]
    pub users: Vec<String>,
    #[serde(deserialize_with = "id_list")]
    pub groups: Vec<String>,
    #[serde(deserialize_with = "id_list")]
    pub roles: Vec<String>,
    #[serde(deserialize_with = "id_list")]
    pub domains: Vec<String>,
    /// The model's name in the permission's organization, or `owner/name`; empty: Casdoor's
    /// built-in RBAC model.
    #[serde(deserialize_with = "text")]
    pub model: String,
    #[serde(deserialize_with = "text")]
    pub adapter: String,
    #[serde(deserialize_with = "text")]
    pub resource_type: String,
    #[serde(deserialize_with = "id_list")]
    pub resources: Vec<String>,
    #[serde(deserialize_with = "id_list")]
    pub actions: Vec<String>,
    /// `Allow` or `Deny`.
    #[serde(deserialize_with = "text")]
    pub effect: String,
    pub is_enabled: bool,
    #[serde(deserialize_with = "text")]
    pub expire_time: String,
    #[serde(deserialize_with = "text")]
    pub submitter: String,
    #[serde(deserialize_with = "text")]
    pub approver: String,
    #[serde(deserialize_with = "text")]
    pub approve_time: String,
    #[serde(deserialize_with = "text")]
    pub state: String,
}

/// A role: its members (users, groups) and sub-roles, whose members get this role's
/// permissions too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Role {
    pub owner: String,
    pub name: String,
    pub created_time: String,
    #[serde(deserialize_with = "text")]
    pub display_name: String,
    #[serde(deserialize_with = "text")]
    pub description: String,
    #[serde(deserialize_with = "id_list")]
    pub users: Vec<String>,
    #[serde(deserialize_with = "id_list")]
    pub groups: Vec<String>,
    #[serde(deserialize_with = "id_list")]
    pub roles: Vec<String>,
    #[serde(deserialize_with = "id_list")]
    pub domains: Vec<String>,
    pub is_enabled: bool,
}

/// A group of users; users name their groups (`owner/name`) in their `groups` field.
/// `parentId` is the parent group's name, or the organization's name for a top group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Group {
    pub owner: String,
    pub name: String,
    pub created_time: String,
    pub updated_time: String,
    #[serde(deserialize_with = "text")]
    pub display_name: String,
    #[serde(deserialize_with = "text")]
    pub manager: String,
    #[serde(deserialize_with = "text")]
    pub contact_email: String,
    #[serde(rename = "type", deserialize_with = "text")]
    pub type_: String,
    #[serde(deserialize_with = "text")]
    pub parent_id: String,
    pub is_top_group: bool,
    pub is_enabled: bool,
    #[serde(deserialize_with = "properties")]
    pub properties: BTreeMap<String, String>,
}

fn properties<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(Option::deserialize(d)?.unwrap_or_default())
}

/// Where a Casdoor enforcer keeps its policies. Ferrodoor records adapters (clients create
/// and read them) but connects to no outside database: permissions keep their policies in
/// Ferrodoor's own tables whatever their adapter says.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Adapter {
    pub owner: String,
    pub name: String,
    pub created_time: String,
    #[serde(deserialize_with = "text")]
    pub table: String,
    pub use_same_db: bool,
    #[serde(rename = "type", deserialize_with = "text")]
    pub type_: String,
    #[serde(deserialize_with = "text")]
    pub database_type: String,
    #[serde(deserialize_with = "text")]
    pub host: String,
    pub port: i64,
    #[serde(deserialize_with = "text")]
    pub user: String,
    /// Write-only over the API (answers show `***`).
    #[serde(deserialize_with = "text")]
    pub password: String,
    #[serde(deserialize_with = "text")]
    pub database: String,
}

/// A named (model, adapter) pair that `/api/enforce?enforcerId=` asks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Enforcer {
    pub owner: String,
    pub name: String,
    pub created_time: String,
    pub updated_time: String,
    #[serde(deserialize_with = "text")]
    pub display_name: String,
    #[serde(deserialize_with = "text")]
    pub description: String,
    /// `owner/name` of a model.
    #[serde(deserialize_with = "text")]
    pub model: String,
    #[serde(deserialize_with = "text")]
    pub adapter: String,
    /// Rules added through Casdoor's policy endpoints (`add-policy`, …), each
    /// `[ptype, v0, …]`: kept in the enforcer's row, not settable through its fields and
    /// never shown in its answers (`get-policies` lists them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Vec<String>>,
}

/// What the store needs to know of an authorization object.
pub trait AuthzObject:
    Serialize + serde::de::DeserializeOwned + Clone + Default + PartialEq + Send + Sync + 'static
{
    const KIND: crate::store::AuthzKind;
    /// Casdoor's name of the kind in messages ("role", "permission", …).
    const NOUN: &'static str;
    /// The record actions (events) of adding, updating and deleting one: `add-role`, ….
    const ACTIONS: [&'static str; 3];
    /// The JSON fields a body may set.
    const FIELDS: &'static [&'static str];
    /// Fields Casdoor's clients send that Ferrodoor does not keep.
    const IGNORED: &'static [&'static str];
    fn owner(&self) -> &str;
    fn name(&self) -> &str;
    fn display_name(&self) -> &str;
    fn created_time(&self) -> &str;
    fn set_created_time(&mut self, at: &str);
    /// Stamps `updatedTime` where the kind has one.
    fn set_updated_time(&mut self, _at: &str) {}
    fn id(&self) -> String {
        format!("{}/{}", self.owner(), self.name())
    }
}

/// `kind`, noun, display name field (or `name`), whether it has `updatedTime`, fields, ignored.
macro_rules! authz_object {
    ($t:ty, $kind:ident, $noun:literal, $display:ident, $updated:tt, [$($f:literal),* $(,)?], [$($i:literal),* $(,)?]) => {
        impl AuthzObject for $t {
            const KIND: crate::store::AuthzKind = crate::store::AuthzKind::$kind;
            const NOUN: &'static str = $noun;
            const ACTIONS: [&'static str; 3] =
                [concat!("add-", $noun), concat!("update-", $noun), concat!("delete-", $noun)];
            const FIELDS: &'static [&'static str] = &[$($f),*];
            const IGNORED: &'static [&'static str] = &[$($i),*];
            fn owner(&self) -> &str {
                &self.owner
            }
            fn name(&self) -> &str {
                &self.name
            }
            fn display_name(&self) -> &str {
                &self.$display
            }
            fn created_time(&self) -> &str {
                &self.created_time
            }
            fn set_created_time(&mut self, at: &str) {
                self.created_time = at.to_string();
            }
            fn set_updated_time(&mut self, at: &str) {
                authz_object!(@updated $updated, self, at);
            }
        }
    };
    (@updated true, $s:ident, $at:ident) => {
        $s.updated_time = $at.to_string()
    };
    (@updated false, $s:ident, $at:ident) => {
        let _ = ($s, $at);
    };
}

authz_object!(
    Model,
    Model,
    "model",
    display_name,
    false,
    [
        "owner",
        "name",
        "createdTime",
        "displayName",
        "description",
        "modelText"
    ],
    // The Python SDK's Model class carries group-like fields it never fills.
    [
        "updatedTime",
        "manager",
        "contactEmail",
        "type",
        "parentId",
        "isTopModel",
        "users",
        "title",
        "key",
        "children",
        "isEnabled"
    ]
);
authz_object!(
    Permission,
    Permission,
    "permission",
    display_name,
    false,
    [
        "owner",
        "name",
        "createdTime",
        "displayName",
        "description",
        "users",
        "groups",
        "roles",
        "domains",
        "model",
        "adapter",
        "resourceType",
        "resources",
        "actions",
        "effect",
        "isEnabled",
        "expireTime",
        "submitter",
        "approver",
        "approveTime",
        "state"
    ],
    // Casdoor's answers carry them (computed); the SDKs send them back.
    ["sourceGroups", "sourceRoles"]
);
authz_object!(
    Role,
    Role,
    "role",
    display_name,
    false,
    [
        "owner",
        "name",
        "createdTime",
        "displayName",
        "description",
        "users",
        "groups",
        "roles",
        "domains",
        "isEnabled"
    ],
    ["sourceGroups"]
);
authz_object!(
    Group,
    Group,
    "group",
    display_name,
    true,
    [
        "owner",
        "name",
        "createdTime",
        "updatedTime",
        "displayName",
        "manager",
        "contactEmail",
        "type",
        "parentId",
        "isTopGroup",
        "isEnabled",
        "properties"
    ],
    // Computed by Casdoor when it answers (members, tree view, LDAP gid).
    [
        "parentName",
        "users",
        "title",
        "key",
        "haveChildren",
        "children",
        "gidNumber"
    ]
);
authz_object!(
    Adapter,
    Adapter,
    "adapter",
    name,
    false,
    [
        "owner",
        "name",
        "createdTime",
        "table",
        "useSameDb",
        "type",
        "databaseType",
        "host",
        "port",
        "user",
        "password",
        "database"
    ],
    ["tableNamePrefix", "isEnabled", "updatedTime", "displayName"]
);
authz_object!(
    Enforcer,
    Enforcer,
    "enforcer",
    display_name,
    true,
    [
        "owner",
        "name",
        "createdTime",
        "updatedTime",
        "displayName",
        "description",
        "model",
        "adapter"
    ],
    ["modelCfg", "isEnabled"]
);

super::debug_without_secrets!(Adapter: owner, name, host);
