//! A user's roles and permissions where Casdoor shows them (`get-account`, `/api/userinfo`,
//! the `JWT` access token), found the way Casdoor's `getPermissionsAndRolesByUser` finds
//! them: the roles naming the user or one of their groups, plus every role that includes
//! one of those (Casdoor's ancestors); the permissions naming the user, one of their groups
//! (or `*` / `owner/*` when they have a group), or one of their roles.
//!
//! Differs from Casdoor: only the user's own organization is searched (Casdoor matches the
//! id text in every organization's rows), and in every answer the roles' `users` and the
//! permissions' `users` are null and `submitter` empty (Casdoor masks them in `get-account`
//! only; its JWT lists every member of each role).

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use serde_json::Value;

use super::Core;
use super::manage_authz::from_record;
use crate::entity::{AuthzObject, Permission, Role, User};
use crate::error::{Error, Result};
use crate::store::ListQuery;

/// A user's roles and permissions, in Casdoor's order (direct roles' ancestors in the
/// organization's order; permissions by user, then by group, then by role; each once).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserGrants {
    pub roles: Vec<Role>,
    pub permissions: Vec<Permission>,
}

impl UserGrants {
    /// Casdoor's `GetMaskedRoles`: a role without its members.
    pub fn roles_json(&self) -> Vec<Value> {
        self.roles
            .iter()
            .map(|r| masked(r, &["users"], &[]))
            .collect()
    }

    /// Casdoor's `GetMaskedPermissions`: without `users` and `submitter`.
    pub fn permissions_json(&self) -> Vec<Value> {
        self.permissions
            .iter()
            .map(|p| masked(p, &["users"], &["submitter"]))
            .collect()
    }

    pub fn role_names(&self) -> Vec<String> {
        self.roles.iter().map(|r| r.name.clone()).collect()
    }

    pub fn permission_names(&self) -> Vec<String> {
        self.permissions.iter().map(|p| p.name.clone()).collect()
    }
}

fn masked<T: serde::Serialize>(obj: &T, nulled: &[&str], emptied: &[&str]) -> Value {
    let mut v = serde_json::to_value(obj).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        for k in nulled {
            map.insert((*k).into(), Value::Null);
        }
        for k in emptied {
            map.insert((*k).into(), Value::String(String::new()));
        }
    }
    v
}

/// The roles naming `user_id` or one of `groups`, and every role including one of them
/// (through sub-roles, at any depth), in `roles`' order.
pub fn roles_of(user_id: &str, groups: &[String], roles: &[Role]) -> Vec<Role> {
    let direct: BTreeSet<String> = roles
        .iter()
        .filter(|r| {
            r.users.iter().any(|u| u == user_id) || r.groups.iter().any(|g| groups.contains(g))
        })
        .map(Role::id)
        .collect();
    // Fixed point: a role is held when one of its sub-roles is.
    let mut held = direct;
    loop {
        let before = held.len();
        for r in roles {
            if !held.contains(&r.id()) && r.roles.iter().any(|s| held.contains(s)) {
                held.insert(r.id());
            }
        }
        if held.len() == before {
            break;
        }
    }
    roles
        .iter()
        .filter(|r| held.contains(&r.id()))
        .cloned()
        .collect()
}

/// The permissions granted to `user_id` directly, through `groups`, or through `roles`.
pub fn permissions_of(
    user_id: &str,
    owner: &str,
    groups: &[String],
    roles: &[Role],
    permissions: &[Permission],
) -> Vec<Permission> {
    let mut group_ids: Vec<String> = groups.to_vec();
    if !groups.is_empty() {
        group_ids.push("*".into());
        group_ids.push(format!("{owner}/*"));
    }
    let role_ids: Vec<String> = roles.iter().map(Role::id).collect();
    let by_user = permissions
        .iter()
        .filter(|p| p.users.iter().any(|u| u == user_id));
    let by_group = permissions
        .iter()
        .filter(|p| p.groups.iter().any(|g| group_ids.contains(g)));
    let by_role = permissions
        .iter()
        .filter(|p| p.roles.iter().any(|r| role_ids.contains(r)));
    let mut seen = HashSet::new();
    by_user
        .chain(by_group)
        .chain(by_role)
        .filter(|p| seen.insert(p.name.clone()))
        .cloned()
        .collect()
}

/// An organization's roles and permissions.
#[derive(Debug, Default)]
pub(crate) struct OrgAuthz {
    roles: Vec<Role>,
    permissions: Vec<Permission>,
}

impl Core {
    /// The roles and permissions of `user` (see the module documentation).
    pub async fn grants_of(&self, user: &User) -> Result<UserGrants> {
        let version = self.store.authz_version().await?;
        self.grants_at(user, version).await
    }

    /// [`Core::grants_of`] at an authorization version read before (with the config's).
    pub(crate) async fn grants_at(&self, user: &User, version: i64) -> Result<UserGrants> {
        let org = self.org_authz(&user.owner, version).await?;
        let id = user.id_string();
        let roles = roles_of(&id, &user.groups, &org.roles);
        let permissions = permissions_of(&id, &user.owner, &user.groups, &roles, &org.permissions);
        Ok(UserGrants { roles, permissions })
    }

    async fn org_authz(&self, owner: &str, version: i64) -> Result<Arc<OrgAuthz>> {
        if let Some(org) = self.org_grants.get(version, owner) {
            return Ok(org);
        }
        let org = Arc::new(OrgAuthz {
            roles: self.all_of_owner(owner).await?,
            permissions: self.all_of_owner(owner).await?,
        });
        self.org_grants.put(version, owner, org.clone());
        Ok(org)
    }

    async fn all_of_owner<T: AuthzObject>(&self, owner: &str) -> Result<Vec<T>> {
        let page = self
            .store
            .list_authz(T::KIND, Some(owner), &ListQuery::default())
            .await
            .map_err(Error::from)?;
        page.items.into_iter().map(from_record::<T>).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(name: &str, users: &[&str], groups: &[&str], subs: &[&str]) -> Role {
        Role {
            owner: "acme".into(),
            name: name.into(),
            users: users.iter().map(|s| s.to_string()).collect(),
            groups: groups.iter().map(|s| s.to_string()).collect(),
            roles: subs.iter().map(|s| s.to_string()).collect(),
            ..Role::default()
        }
    }

    fn perm(name: &str, users: &[&str], groups: &[&str], roles: &[&str]) -> Permission {
        Permission {
            owner: "acme".into(),
            name: name.into(),
            users: users.iter().map(|s| s.to_string()).collect(),
            groups: groups.iter().map(|s| s.to_string()).collect(),
            roles: roles.iter().map(|s| s.to_string()).collect(),
            submitter: "acme/admin".into(),
            ..Permission::default()
        }
    }

    #[test]
    fn roles_through_groups_and_including_roles() {
        let roles = vec![
            role("editor", &["acme/alice"], &[], &[]),
            role("boss", &[], &[], &["acme/editor"]),
            role("top", &[], &[], &["acme/boss"]),
            role("staff", &[], &["acme/dev"], &[]),
            role("other", &["acme/bob"], &[], &[]),
        ];
        let names = |r: Vec<Role>| r.into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(
            names(roles_of("acme/alice", &["acme/dev".into()], &roles)),
            vec!["editor", "boss", "top", "staff"]
        );
        assert_eq!(
            names(roles_of("acme/carol", &[], &roles)),
            Vec::<String>::new()
        );
        // A cycle of sub-roles ends.
        let cyclic = vec![
            role("a", &["acme/x"], &[], &["acme/b"]),
            role("b", &[], &[], &["acme/a"]),
        ];
        assert_eq!(names(roles_of("acme/x", &[], &cyclic)), vec!["a", "b"]);
    }

    #[test]
    fn permissions_by_user_group_wildcard_and_role_each_once() {
        let roles = vec![role("editor", &["acme/alice"], &[], &[])];
        let perms = vec![
            perm("direct", &["acme/alice"], &[], &[]),
            perm("by-group", &[], &["acme/dev"], &[]),
            perm("every-group", &[], &["acme/*"], &[]),
            perm("by-role", &[], &[], &["acme/editor"]),
            perm("twice", &["acme/alice"], &[], &["acme/editor"]),
            perm("not-mine", &["acme/bob"], &["acme/ops"], &["acme/other"]),
        ];
        let held = roles_of("acme/alice", &["acme/dev".into()], &roles);
        let got = permissions_of("acme/alice", "acme", &["acme/dev".into()], &held, &perms);
        let names: Vec<_> = got.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["direct", "twice", "by-group", "every-group", "by-role"]
        );
        // Without a group, group wildcards do not apply.
        let got = permissions_of("acme/alice", "acme", &[], &held, &perms);
        assert!(got.iter().all(|p| p.name != "every-group"));
    }

    #[test]
    fn answers_hide_members_and_submitter() {
        let g = UserGrants {
            roles: vec![role("editor", &["acme/alice", "acme/bob"], &[], &[])],
            permissions: vec![perm("p", &["acme/alice", "acme/bob"], &[], &[])],
        };
        let r = &g.roles_json()[0];
        assert_eq!(r["users"], Value::Null);
        assert_eq!(r["name"], "editor");
        let p = &g.permissions_json()[0];
        assert_eq!(p["users"], Value::Null);
        assert_eq!(p["submitter"], "");
        assert_eq!(g.role_names(), vec!["editor"]);
        assert_eq!(g.permission_names(), vec!["p"]);
    }
}
