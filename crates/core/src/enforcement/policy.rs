//! Casbin policies from permissions, roles and groups, built the way Casdoor's
//! `object/permission_enforcer.go` builds them:
//! - `p` rows `[subject, resource, action, effect, "", permissionId]`, or with domains
//!   `[subject, domain, resource, action, effect, permissionId]`, for every subject (users,
//!   `group:<id>` for groups, role ids), resource and action;
//! - `g` rows `[member, role-or-group, domain]`: a role's users, groups and sub-roles
//!   (members of a sub-role get the including role's permissions), the users of every group
//!   a permission or role names. `*` and `owner/*` name every role or group of an owner.

use std::collections::{BTreeMap, HashSet};

use crate::entity::{Permission, Role};

/// Casdoor's subject for a group (`GetGroupWithPrefix`).
pub fn group_subject(group_id: &str) -> String {
    format!("group:{group_id}")
}

/// What policy building needs besides the permissions.
#[derive(Debug, Default)]
pub struct Directory<'a> {
    /// Roles by `owner/name`.
    pub roles: BTreeMap<String, &'a Role>,
    /// Group id (`owner/name`) → its users' ids, from the users' `groups` fields.
    pub members: BTreeMap<String, Vec<String>>,
}

impl Directory<'_> {
    fn roles_of(&self, owner: &str) -> Vec<&Role> {
        self.roles
            .values()
            .filter(|r| r.owner == owner)
            .copied()
            .collect()
    }

    /// The users of a group; `owner/*`: of every group of the owner.
    fn users_in_group(&self, group_id: &str) -> Vec<String> {
        match group_id.split_once('/') {
            Some((owner, "*")) => {
                let prefix = format!("{owner}/");
                let mut users: Vec<String> = self
                    .members
                    .iter()
                    .filter(|(g, _)| g.starts_with(&prefix))
                    .flat_map(|(_, u)| u.iter().cloned())
                    .collect();
                users.sort();
                users.dedup();
                users
            }
            _ => self.members.get(group_id).cloned().unwrap_or_default(),
        }
    }

    /// A role and every role reachable through its sub-roles (each once); `*` / `owner/*`:
    /// every role of the owner.
    fn roles_in_role<'s>(
        &'s self,
        owner: &str,
        role_id: &str,
        visited: &mut HashSet<String>,
    ) -> Vec<&'s Role> {
        let role_id = if role_id == "*" {
            format!("{owner}/*")
        } else {
            role_id.to_string()
        };
        if let Some((role_owner, "*")) = role_id.split_once('/') {
            return self.roles_of(role_owner);
        }
        let Some(role) = self.roles.get(&role_id).copied() else {
            return Vec::new();
        };
        visited.insert(role_id);
        let mut roles = vec![role];
        for sub in &role.roles {
            if !visited.contains(sub) {
                roles.extend(self.roles_in_role(&role.owner, sub, visited));
            }
        }
        roles
    }
}

/// `*` in a permission's or role's groups means every group of its owner.
fn group_id(owner: &str, group: &str) -> String {
    if group == "*" {
        format!("{owner}/*")
    } else {
        group.to_string()
    }
}

/// The `p` rows of one permission (six values each).
pub fn policies(permission: &Permission) -> Vec<Vec<String>> {
    let permission_id = format!("{}/{}", permission.owner, permission.name);
    let effect = permission.effect.to_lowercase();
    let subjects = permission
        .users
        .iter()
        .cloned()
        .chain(
            permission
                .groups
                .iter()
                .map(|g| group_subject(&group_id(&permission.owner, g))),
        )
        .chain(permission.roles.iter().cloned());
    let mut rows = Vec::new();
    for subject in subjects {
        for resource in &permission.resources {
            for action in &permission.actions {
                if permission.domains.is_empty() {
                    rows.push(vec![
                        subject.clone(),
                        resource.clone(),
                        action.clone(),
                        effect.clone(),
                        String::new(),
                        permission_id.clone(),
                    ]);
                } else {
                    for domain in &permission.domains {
                        rows.push(vec![
                            subject.clone(),
                            domain.clone(),
                            resource.clone(),
                            action.clone(),
                            effect.clone(),
                            permission_id.clone(),
                        ]);
                    }
                }
            }
        }
    }
    rows
}

/// The `g` rows (`[member, role, domain]`, domain empty without domains) of a set of
/// permissions, each once.
pub fn grouping_policies(permissions: &[&Permission], dir: &Directory<'_>) -> Vec<Vec<String>> {
    let mut out = Unique::default();
    for permission in permissions {
        let domains: Vec<&str> = if permission.domains.is_empty() {
            vec![""]
        } else {
            permission.domains.iter().map(String::as_str).collect()
        };
        let mut link = |member: &str, role: &str| {
            for domain in &domains {
                out.push(vec![
                    member.to_string(),
                    role.to_string(),
                    domain.to_string(),
                ]);
            }
        };
        for group in &permission.groups {
            let id = group_id(&permission.owner, group);
            let subject = group_subject(&id);
            for user in dir.users_in_group(&id) {
                link(&user, &subject);
            }
        }
        for role_id in &permission.roles {
            let mut visited = HashSet::new();
            for role in dir.roles_in_role(&permission.owner, role_id, &mut visited) {
                let this = format!("{}/{}", role.owner, role.name);
                for user in &role.users {
                    link(user, &this);
                }
                for group in &role.groups {
                    let id = group_id(&role.owner, group);
                    let subject = group_subject(&id);
                    link(&subject, &this);
                    for user in dir.users_in_group(&id) {
                        link(&user, &subject);
                    }
                }
                for sub in &role.roles {
                    link(sub, &this);
                }
            }
        }
    }
    out.rows
}

/// Rows in first-seen order, without repeats (casbin refuses a batch holding a duplicate).
#[derive(Default)]
pub(crate) struct Unique {
    seen: HashSet<Vec<String>>,
    pub(crate) rows: Vec<Vec<String>>,
}

impl Unique {
    pub(crate) fn push(&mut self, row: Vec<String>) {
        if self.seen.insert(row.clone()) {
            self.rows.push(row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn permission() -> Permission {
        Permission {
            owner: "acme".into(),
            name: "read-docs".into(),
            users: ids(&["acme/alice"]),
            groups: ids(&["acme/staff"]),
            roles: ids(&["acme/reader"]),
            resources: ids(&["doc1"]),
            actions: ids(&["Read"]),
            effect: "Allow".into(),
            ..Permission::default()
        }
    }

    #[test]
    fn policies_name_every_subject_with_the_permission_id() {
        let rows = policies(&permission());
        assert_eq!(
            rows,
            vec![
                ids(&["acme/alice", "doc1", "Read", "allow", "", "acme/read-docs"]),
                ids(&[
                    "group:acme/staff",
                    "doc1",
                    "Read",
                    "allow",
                    "",
                    "acme/read-docs"
                ]),
                ids(&["acme/reader", "doc1", "Read", "allow", "", "acme/read-docs"]),
            ]
        );
    }

    #[test]
    fn domains_go_second_and_multiply_the_rows() {
        let p = Permission {
            users: ids(&["acme/alice"]),
            groups: vec![],
            roles: vec![],
            domains: ids(&["d1", "d2"]),
            resources: ids(&["r1", "r2"]),
            actions: ids(&["read", "write"]),
            ..permission()
        };
        let rows = policies(&p);
        assert_eq!(rows.len(), 8);
        assert_eq!(
            rows[0],
            ids(&["acme/alice", "d1", "r1", "read", "allow", "acme/read-docs"])
        );
        assert_eq!(
            rows[1],
            ids(&["acme/alice", "d2", "r1", "read", "allow", "acme/read-docs"])
        );
    }

    #[test]
    fn roles_sub_roles_and_groups_become_grouping_rows() {
        let reader = Role {
            owner: "acme".into(),
            name: "reader".into(),
            users: ids(&["acme/bob"]),
            groups: ids(&["acme/interns"]),
            roles: ids(&["acme/junior"]),
            ..Role::default()
        };
        let junior = Role {
            owner: "acme".into(),
            name: "junior".into(),
            users: ids(&["acme/carol"]),
            // A cycle back to reader must not loop.
            roles: ids(&["acme/reader"]),
            ..Role::default()
        };
        let mut dir = Directory::default();
        dir.roles.insert("acme/reader".into(), &reader);
        dir.roles.insert("acme/junior".into(), &junior);
        dir.members
            .insert("acme/staff".into(), ids(&["acme/dave", "acme/erin"]));
        dir.members
            .insert("acme/interns".into(), ids(&["acme/finn"]));
        let p = permission();
        let rows = grouping_policies(&[&p], &dir);
        let expect = [
            ["acme/dave", "group:acme/staff", ""],
            ["acme/erin", "group:acme/staff", ""],
            ["acme/bob", "acme/reader", ""],
            ["group:acme/interns", "acme/reader", ""],
            ["acme/finn", "group:acme/interns", ""],
            ["acme/junior", "acme/reader", ""],
            ["acme/carol", "acme/junior", ""],
            ["acme/reader", "acme/junior", ""],
        ];
        let expect: Vec<Vec<String>> = expect.iter().map(|r| ids(r)).collect();
        assert_eq!(rows, expect);
    }

    #[test]
    fn stars_name_every_role_and_group_of_the_owner() {
        let a = Role {
            owner: "acme".into(),
            name: "a".into(),
            users: ids(&["acme/u1"]),
            ..Role::default()
        };
        let other = Role {
            owner: "other".into(),
            name: "b".into(),
            users: ids(&["other/u2"]),
            ..Role::default()
        };
        let mut dir = Directory::default();
        dir.roles.insert("acme/a".into(), &a);
        dir.roles.insert("other/b".into(), &other);
        dir.members.insert("acme/g1".into(), ids(&["acme/u3"]));
        dir.members.insert("other/g2".into(), ids(&["other/u4"]));
        let p = Permission {
            roles: ids(&["*"]),
            groups: ids(&["*"]),
            users: vec![],
            ..permission()
        };
        let rows = grouping_policies(&[&p], &dir);
        assert!(rows.contains(&ids(&["acme/u1", "acme/a", ""])));
        assert!(rows.contains(&ids(&["acme/u3", "group:acme/*", ""])));
        assert!(
            !rows.iter().any(|r| r[0].starts_with("other/")),
            "another organization's roles and groups leaked in: {rows:?}"
        );
        assert_eq!(policies(&p)[0][0], "group:acme/*");
    }
}
