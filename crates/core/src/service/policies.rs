//! Casdoor's policy endpoints on an enforcer (`get-policies`, `get-filtered-policies`,
//! `add-policy`, `update-policy`, `remove-policy`, as its controllers/enforcer.go) and its
//! Casbin helper reads of a user (`get-all-objects`, `get-all-actions`, `get-all-roles`,
//! `get-permissions-by-submitter`).
//!
//! An enforcer's rules are those its model's permissions make (read-only here: change the
//! permission, role or group) plus its own, added through these endpoints and kept in its
//! row; `/api/enforce?enforcerId=` answers with both. Every change bumps the authorization
//! version in its transaction, like any other authorization change.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Core;
use super::audit::Event;
use super::manage_authz::{from_record, to_record};
use crate::authz::{Principal, grants_read_target, require_can_manage_authz};
use crate::clock::Now;
use crate::entity::{AuthzObject, Enforcer, Permission, split_id};
use crate::error::{Error, Result};
use crate::store::{AuthzKind, ListQuery};

/// Casdoor's `xormadapter.CasbinRule`: its Go fields have no JSON tags, so the names are
/// capitalized; lower-case names are accepted on input as Go's decoder does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CasbinRule {
    #[serde(rename = "Id", alias = "id")]
    pub id: i64,
    #[serde(rename = "Ptype", alias = "ptype")]
    pub ptype: String,
    #[serde(rename = "V0", alias = "v0")]
    pub v0: String,
    #[serde(rename = "V1", alias = "v1")]
    pub v1: String,
    #[serde(rename = "V2", alias = "v2")]
    pub v2: String,
    #[serde(rename = "V3", alias = "v3")]
    pub v3: String,
    #[serde(rename = "V4", alias = "v4")]
    pub v4: String,
    #[serde(rename = "V5", alias = "v5")]
    pub v5: String,
}

impl CasbinRule {
    fn from_tagged(id: i64, rule: &[String]) -> Self {
        let v = |i: usize| rule.get(i + 1).cloned().unwrap_or_default();
        CasbinRule {
            id,
            ptype: rule.first().cloned().unwrap_or_default(),
            v0: v(0),
            v1: v(1),
            v2: v(2),
            v3: v(3),
            v4: v(4),
            v5: v(5),
        }
    }

    fn values(&self) -> [&str; 6] {
        [&self.v0, &self.v1, &self.v2, &self.v3, &self.v4, &self.v5].map(String::as_str)
    }

    /// `[ptype, v…]` with trailing empty values cut (Casdoor's `CasbinToSlice`); only `p`
    /// and `g` rules (the models Ferrodoor builds have one policy and one role definition).
    fn tagged(&self) -> Result<Vec<String>> {
        if self.ptype != "p" && self.ptype != "g" {
            return Err(Error::invalid(format!(
                "Ptype must be \"p\" or \"g\", got {:?}",
                self.ptype
            )));
        }
        let mut out = vec![self.ptype.clone()];
        out.extend(self.values().iter().map(|s| s.to_string()));
        while out.len() > 1 && out.last().is_some_and(String::is_empty) {
            out.pop();
        }
        if out.len() < 2 {
            return Err(Error::invalid("a policy needs at least V0"));
        }
        Ok(out)
    }
}

/// Casdoor's `object.Filter` of `get-filtered-policies`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct Filter {
    ptype: String,
    field_index: Option<i64>,
    field_values: Vec<String>,
}

impl Filter {
    fn matches(&self, rule: &CasbinRule) -> bool {
        let ptype = if self.ptype.is_empty() {
            "p"
        } else {
            &self.ptype
        };
        if rule.ptype != ptype {
            return false;
        }
        match self.field_index {
            Some(i @ 0..=5) if !self.field_values.is_empty() => {
                let value = rule.values()[i as usize];
                self.field_values.iter().any(|v| v == value)
            }
            _ => true,
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(body: &Value, what: &str) -> Result<T> {
    serde_json::from_value(body.clone()).map_err(|e| Error::invalid(format!("{what}: {e}")))
}

fn owner_name(id: &str) -> Result<(&str, &str)> {
    split_id(id).ok_or_else(|| Error::invalid(format!("id must be owner/name, got {id:?}")))
}

/// What a policy change does to an enforcer's own rules.
enum Change {
    Add(Vec<String>),
    Update(Vec<String>, Vec<String>),
    Remove(Vec<String>),
}

impl Change {
    /// The record's action (Casdoor's endpoint names).
    fn action(&self) -> &'static str {
        match self {
            Change::Add(_) => "add-policy",
            Change::Update(..) => "update-policy",
            Change::Remove(_) => "remove-policy",
        }
    }
}

impl Core {
    /// `get-policies?id=`: every rule of the enforcer, numbered from 1.
    pub async fn get_policies(&self, who: &Principal, id: &str) -> Result<Vec<CasbinRule>> {
        let enforcer = self.enforcer_for(who, id).await?;
        Ok(self
            .enforcer_rules(&enforcer)
            .await?
            .iter()
            .zip(1..)
            .map(|(r, n)| CasbinRule::from_tagged(n, r))
            .collect())
    }

    /// `get-filtered-policies?id=` with a JSON array of filters; each must match.
    pub async fn get_filtered_policies(
        &self,
        who: &Principal,
        id: &str,
        body: &Value,
    ) -> Result<Vec<CasbinRule>> {
        let filters: Vec<Filter> = parse(body, "the body must be an array of filters")?;
        let all = self.get_policies(who, id).await?;
        Ok(all
            .into_iter()
            .filter(|r| filters.iter().all(|f| f.matches(r)))
            .collect())
    }

    /// `add-policy?id=` with one CasbinRule; false when the enforcer already holds it.
    pub async fn add_policy(
        &self,
        who: &Principal,
        id: &str,
        body: &Value,
        now: Now,
    ) -> Result<bool> {
        let rule: CasbinRule = parse(body, "the body must be a policy")?;
        self.change_rules(who, id, Change::Add(rule.tagged()?), now)
            .await
    }

    /// `update-policy?id=` with `[old, new]`; false when the old one is not its own.
    pub async fn update_policy(
        &self,
        who: &Principal,
        id: &str,
        body: &Value,
        now: Now,
    ) -> Result<bool> {
        let rules: Vec<CasbinRule> = parse(body, "the body must be [old policy, new policy]")?;
        let [old, new] = rules.as_slice() else {
            return Err(Error::invalid("the body must be [old policy, new policy]"));
        };
        if old.ptype != new.ptype {
            return Err(Error::invalid("the old and new policy must have one Ptype"));
        }
        self.change_rules(who, id, Change::Update(old.tagged()?, new.tagged()?), now)
            .await
    }

    /// `remove-policy?id=` with one CasbinRule; false when the enforcer does not hold it.
    pub async fn remove_policy(
        &self,
        who: &Principal,
        id: &str,
        body: &Value,
        now: Now,
    ) -> Result<bool> {
        let rule: CasbinRule = parse(body, "the body must be a policy")?;
        self.change_rules(who, id, Change::Remove(rule.tagged()?), now)
            .await
    }

    async fn enforcer_for(&self, who: &Principal, id: &str) -> Result<Enforcer> {
        let (owner, name) = owner_name(id)?;
        require_can_manage_authz(who, owner)?;
        let record = self
            .store
            .get_authz(AuthzKind::Enforcer, owner, name)
            .await?
            .ok_or_else(|| Error::invalid(format!("the enforcer: {owner}/{name} is not found")))?;
        from_record(record)
    }

    async fn change_rules(
        &self,
        who: &Principal,
        id: &str,
        change: Change,
        now: Now,
    ) -> Result<bool> {
        let action = change.action();
        // The permissions' rules are read first (they are not changed here); the
        // enforcer's own rules are changed under its row lock.
        let mut current = self.enforcer_for(who, id).await?;
        current.rules.clear();
        let derived = self.enforcer_rules(&current).await?;
        let (owner, name) = owner_name(id)?;
        let mut tx = self.store.begin().await?;
        let record = tx
            .get_authz_for_update(AuthzKind::Enforcer, owner, name)
            .await?
            .ok_or_else(|| Error::invalid(format!("the enforcer: {owner}/{name} is not found")))?;
        let mut enforcer: Enforcer = from_record(record)?;
        let from_permissions = |rule: &Vec<String>| {
            if derived.contains(rule) {
                Err(Error::invalid(format!(
                    "the policy {rule:?} comes from the permissions of model {}; change the \
                     permission, role or group instead",
                    enforcer.model
                )))
            } else {
                Ok(())
            }
        };
        let rules = &mut enforcer.rules;
        let affected = match change {
            Change::Add(rule) => {
                let new = !rules.contains(&rule) && !derived.contains(&rule);
                if new {
                    rules.push(rule);
                }
                new
            }
            Change::Update(old, new) => match rules.iter().position(|r| *r == old) {
                Some(i) => {
                    if rules.contains(&new) || derived.contains(&new) {
                        rules.remove(i);
                    } else {
                        rules[i] = new;
                    }
                    true
                }
                None => {
                    from_permissions(&old)?;
                    false
                }
            },
            Change::Remove(rule) => match rules.iter().position(|r| *r == rule) {
                Some(i) => {
                    rules.remove(i);
                    true
                }
                None => {
                    from_permissions(&rule)?;
                    false
                }
            },
        };
        if !affected {
            return Ok(false);
        }
        tx.update_authz(AuthzKind::Enforcer, owner, name, &to_record(&enforcer)?)
            .await?;
        tx.bump_authz_version().await?;
        let event = Event::by(who, action, owner, format!("{owner}/{name}"));
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// The user whose grants a helper read is about (see [`grants_read_target`]).
    async fn grants_user(
        &self,
        who: &Principal,
        user_id: Option<&str>,
    ) -> Result<super::user_grants::UserGrants> {
        let (owner, name) = grants_read_target(who, user_id)?;
        let user = self
            .store
            .get_user(&owner, &name)
            .await?
            .ok_or_else(|| Error::invalid(format!("The user: {owner}/{name} doesn't exist")))?;
        self.grants_of(&user).await
    }

    /// `get-all-objects`: the resources of the user's permissions, each once. Differs
    /// from Casdoor, whose answer also has the objects of everyone else's permissions
    /// sharing a model with one of the user's.
    pub async fn all_objects(&self, who: &Principal, user_id: Option<&str>) -> Result<Vec<String>> {
        let grants = self.grants_user(who, user_id).await?;
        Ok(unique(
            grants.permissions.iter().flat_map(|p| p.resources.iter()),
        ))
    }

    /// `get-all-actions`: the actions of the user's permissions, each once.
    pub async fn all_actions(&self, who: &Principal, user_id: Option<&str>) -> Result<Vec<String>> {
        let grants = self.grants_user(who, user_id).await?;
        Ok(unique(
            grants.permissions.iter().flat_map(|p| p.actions.iter()),
        ))
    }

    /// `get-all-roles`: the names of the user's roles (with the roles including them).
    pub async fn all_roles(&self, who: &Principal, user_id: Option<&str>) -> Result<Vec<String>> {
        Ok(self.grants_user(who, user_id).await?.role_names())
    }

    /// `get-permissions-by-submitter`: the signed-in user's organization's permissions
    /// they submitted, newest first.
    pub async fn permissions_by_submitter(&self, who: &Principal) -> Result<Vec<Permission>> {
        let user = who
            .user()
            .ok_or_else(|| Error::invalid("Please login first"))?;
        let page = self
            .store
            .list_authz(Permission::KIND, Some(&user.owner), &ListQuery::default())
            .await?;
        let mut mine = page
            .items
            .into_iter()
            .map(from_record::<Permission>)
            .filter(|p| p.as_ref().map_or(true, |p| p.submitter == user.name))
            .collect::<Result<Vec<_>>>()?;
        mine.sort_by(|a, b| b.created_time.cmp(&a.created_time));
        Ok(mine)
    }
}

fn unique<'a>(items: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    items.filter(|s| seen.insert(*s)).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rules_read_both_cases_and_cut_trailing_empties() {
        let r: CasbinRule =
            serde_json::from_value(json!({"Ptype": "p", "V0": "a", "v1": "b", "V2": ""})).unwrap();
        assert_eq!(r.tagged().unwrap(), vec!["p", "a", "b"]);
        let out = serde_json::to_value(CasbinRule::from_tagged(3, &r.tagged().unwrap())).unwrap();
        assert_eq!(out["Id"], 3);
        assert_eq!(out["V1"], "b");
        assert_eq!(out["V5"], "");
        let bad: CasbinRule = serde_json::from_value(json!({"Ptype": "p2", "V0": "a"})).unwrap();
        assert!(bad.tagged().is_err());
        let empty: CasbinRule = serde_json::from_value(json!({"Ptype": "p"})).unwrap();
        assert!(empty.tagged().is_err());
    }

    #[test]
    fn filters_as_casdoor() {
        let r = CasbinRule::from_tagged(1, &["p".into(), "alice".into(), "doc".into()]);
        let f = |v: Value| serde_json::from_value::<Filter>(v).unwrap().matches(&r);
        assert!(f(json!({})));
        assert!(!f(json!({"ptype": "g"})));
        assert!(f(json!({"fieldIndex": 0, "fieldValues": ["alice", "bob"]})));
        assert!(!f(json!({"fieldIndex": 1, "fieldValues": ["alice"]})));
        assert!(
            f(json!({"fieldIndex": 9, "fieldValues": ["x"]})),
            "out of range: ptype only"
        );
        assert!(f(json!({"fieldIndex": 1, "fieldValues": []})));
    }
}
