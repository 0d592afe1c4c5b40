//! `/api/enforce` and `/api/batch-enforce`: Casdoor's questions ("may `sub` do `act` on
//! `obj`") against the permissions a query names, answered by cached casbin-rs enforcers.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::Value;

use super::Core;
use super::manage_authz::{from_record, model_id};
use crate::authz::{Principal, require_can_enforce};
use crate::enforcement::model::{Compiled, Explained};
use crate::enforcement::policy::{self, Directory};
use crate::enforcement::{EnforcerSet, model};
use crate::entity::{AuthzObject, Enforcer, Model, Permission, Role, split_id};
use crate::error::{Error, Result};
use crate::store::ListQuery;

/// The `p` rows (six values) and `g` rows (`[member, role, domain]`) of one enforcer.
#[derive(Debug, Clone, Default)]
pub(super) struct Rules {
    p: Vec<Vec<String>>,
    g: Vec<Vec<String>>,
}

impl Rules {
    /// Adds an enforcer's own `[ptype, v…]` rules (`p` padded to six values).
    fn add_own(&mut self, own: &[Vec<String>]) {
        for rule in own {
            let Some((ptype, values)) = rule.split_first() else {
                continue;
            };
            let mut values = values.to_vec();
            if ptype == "p" {
                values.resize(6, String::new());
                self.p.push(values);
            } else {
                self.g.push(values);
            }
        }
    }

    /// `[ptype, v…]` rows, trailing empty values cut (as Casdoor's `CasbinToSlice`).
    fn tagged(self) -> impl Iterator<Item = Vec<String>> {
        let tag = |ptype: &str, row: Vec<String>| {
            let mut out = vec![ptype.to_string()];
            out.extend(row);
            while out.len() > 1 && out.last().is_some_and(String::is_empty) {
                out.pop();
            }
            out
        };
        let p = self.p.into_iter().map(move |r| tag("p", r));
        let g = self.g.into_iter().map(move |r| tag("g", r));
        p.chain(g)
    }
}

/// Casdoor's query parameters; exactly one may be given.
#[derive(Debug, Clone, Default)]
pub struct EnforceTarget {
    pub permission_id: Option<String>,
    pub model_id: Option<String>,
    pub resource_id: Option<String>,
    pub enforcer_id: Option<String>,
    pub owner: Option<String>,
}

/// One result per enforcer asked (per model and adapter of the permissions), and the
/// enforcers' `model/adapter` keys (Casdoor's `data2`).
#[derive(Debug, Clone, PartialEq)]
pub struct EnforceAnswer<T> {
    pub results: Vec<T>,
    pub keys: Vec<String>,
}

/// Which permissions a question is about.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Question {
    Permission(String),
    Model(String),
    Enforcer(String),
    /// (resource id, organization searched; None: every organization)
    Resource(String, Option<String>),
    Owner(String),
}

impl Question {
    fn cache_key(&self) -> String {
        match self {
            Question::Permission(id) => format!("permission:{id}"),
            Question::Model(id) => format!("model:{id}"),
            Question::Enforcer(id) => format!("enforcer:{id}"),
            Question::Resource(id, org) => {
                format!("resource:{}:{id}", org.as_deref().unwrap_or("*"))
            }
            Question::Owner(o) => format!("owner:{o}"),
        }
    }

    /// The organization whose permissions are asked about (None: several).
    fn organization(&self) -> Option<&str> {
        match self {
            Question::Permission(id) | Question::Model(id) | Question::Enforcer(id) => {
                split_id(id).map(|(o, _)| o)
            }
            Question::Resource(_, org) => org.as_deref(),
            Question::Owner(o) => Some(o),
        }
    }
}

fn non_empty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn checked_id(what: &str, id: &str) -> Result<String> {
    split_id(id)
        .map(|(o, n)| format!("{o}/{n}"))
        .ok_or_else(|| Error::invalid(format!("{what} must be owner/name, got {id:?}")))
}

fn question(who: &Principal, t: &EnforceTarget) -> Result<Question> {
    let given = [
        &t.permission_id,
        &t.model_id,
        &t.resource_id,
        &t.enforcer_id,
        &t.owner,
    ]
    .iter()
    .filter(|v| non_empty(v).is_some())
    .count();
    if given > 1 {
        return Err(Error::invalid(
            "Only one of the parameters (permissionId, modelId, resourceId, enforcerId, owner) \
             should be provided",
        ));
    }
    if let Some(id) = non_empty(&t.permission_id) {
        return Ok(Question::Permission(checked_id("permissionId", id)?));
    }
    if let Some(id) = non_empty(&t.model_id) {
        return Ok(Question::Model(checked_id("modelId", id)?));
    }
    if let Some(id) = non_empty(&t.enforcer_id) {
        return Ok(Question::Enforcer(checked_id("enforcerId", id)?));
    }
    if let Some(id) = non_empty(&t.resource_id) {
        let org = crate::authz::enforce_resource_scope(who);
        return Ok(Question::Resource(id.to_string(), org));
    }
    if let Some(owner) = non_empty(&t.owner) {
        return Ok(Question::Owner(owner.to_string()));
    }
    Err(Error::invalid(
        "Missing parameter: one of permissionId, modelId, resourceId, enforcerId, owner",
    ))
}

/// One Casbin request: its values as strings (numbers and booleans as JSON writes them).
fn request(value: &Value) -> Result<Vec<String>> {
    let Value::Array(items) = value else {
        return Err(Error::invalid(
            "a Casbin request is a JSON array, e.g. [\"org/alice\", \"data1\", \"read\"]",
        ));
    };
    items
        .iter()
        .map(|v| match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Null => Ok(String::new()),
            _ => Err(Error::invalid(
                "attribute (ABAC) requests with JSON objects are not supported; send strings",
            )),
        })
        .collect()
}

fn batch(value: &Value) -> Result<Vec<Vec<String>>> {
    let Value::Array(items) = value else {
        return Err(Error::invalid(
            "a batch is a JSON array of Casbin requests, e.g. [[\"org/alice\", \"data1\", \"read\"]]",
        ));
    };
    items.iter().map(request).collect()
}

/// How one enforcer answers one request: [`Compiled::enforce`] or [`Compiled::explain`].
type AnswerOne<T> = fn(&Compiled, &[String]) -> std::result::Result<T, model::ModelError>;

/// Every enforcer's answers to the requests.
fn answers<T>(
    set: &EnforcerSet,
    requests: &[Vec<String>],
    one: AnswerOne<T>,
) -> Result<EnforceAnswer<Vec<T>>> {
    let mut answer = EnforceAnswer {
        results: Vec::with_capacity(set.groups.len()),
        keys: Vec::with_capacity(set.groups.len()),
    };
    for (key, enforcer) in &set.groups {
        let results = requests
            .iter()
            .map(|r| one(enforcer, r).map_err(|e| Error::invalid(e.0)))
            .collect::<Result<Vec<T>>>()?;
        answer.results.push(results);
        answer.keys.push(key.clone());
    }
    Ok(answer)
}

impl Core {
    pub async fn enforce(
        &self,
        who: &Principal,
        target: &EnforceTarget,
        body: &Value,
    ) -> Result<EnforceAnswer<bool>> {
        self.ask_one(who, target, body, Compiled::enforce).await
    }

    /// `/api/explain-enforce` (Ferrodoor's): one request, as `/api/enforce` asks it, answered
    /// with the policy that decided it, per enforcer (the console's "try a request").
    pub async fn explain_enforce(
        &self,
        who: &Principal,
        target: &EnforceTarget,
        body: &Value,
    ) -> Result<EnforceAnswer<Explained>> {
        self.ask_one(who, target, body, Compiled::explain).await
    }

    /// One request (the body), one answer per enforcer.
    async fn ask_one<T: Send + 'static>(
        &self,
        who: &Principal,
        target: &EnforceTarget,
        body: &Value,
        one: AnswerOne<T>,
    ) -> Result<EnforceAnswer<T>> {
        let req = request(body)?;
        let answer = self
            .ask(who, target, std::slice::from_ref(&req), one)
            .await?;
        let results = answer
            .results
            .into_iter()
            .map(|mut r| {
                r.pop()
                    .ok_or_else(|| Error::Internal("an enforcer gave no answer".into()))
            })
            .collect::<Result<Vec<T>>>()?;
        Ok(EnforceAnswer {
            results,
            keys: answer.keys,
        })
    }

    pub async fn batch_enforce(
        &self,
        who: &Principal,
        target: &EnforceTarget,
        body: &Value,
    ) -> Result<EnforceAnswer<Vec<bool>>> {
        let requests = batch(body)?;
        self.ask(who, target, &requests, Compiled::enforce).await
    }

    async fn ask<T: Send + 'static>(
        &self,
        who: &Principal,
        target: &EnforceTarget,
        requests: &[Vec<String>],
        one: AnswerOne<T>,
    ) -> Result<EnforceAnswer<Vec<T>>> {
        let question = question(who, target)?;
        let subjects: Vec<&str> = requests
            .iter()
            .map(|r| r.first().map_or("", String::as_str))
            .collect();
        match question.organization() {
            Some(org) => require_can_enforce(who, org, &subjects)?,
            None => crate::authz::require_global_admin(who)?,
        }
        let set = self.enforcers(&question).await?;
        if !set.groups.iter().any(|(_, e)| e.is_slow()) {
            return answers(&set, requests, one);
        }
        // casbin's scan of many policies would stall an async worker for milliseconds.
        let requests = requests.to_vec();
        tokio::task::spawn_blocking(move || answers(&set, &requests, one))
            .await
            .map_err(|_| Error::Internal("the enforce task failed".into()))?
    }

    /// The enforcers of a question: cached while the authorization version stays.
    async fn enforcers(&self, question: &Question) -> Result<Arc<EnforcerSet>> {
        let version = self.store.authz_version().await?;
        let key = question.cache_key();
        if let Some(set) = self.enforcers.get(version, &key) {
            return Ok(set);
        }
        let set = Arc::new(self.build_enforcers(question).await?);
        self.enforcers.put(version, &key, set.clone());
        Ok(set)
    }

    async fn all<T: AuthzObject>(&self, owner: Option<&str>) -> Result<Vec<T>> {
        let page = self
            .store
            .list_authz(T::KIND, owner, &ListQuery::default())
            .await?;
        page.items.into_iter().map(from_record::<T>).collect()
    }

    async fn one<T: AuthzObject>(&self, id: &str) -> Result<Option<T>> {
        let Some((owner, name)) = split_id(id) else {
            return Ok(None);
        };
        match self.store.get_authz(T::KIND, owner, name).await? {
            Some(r) => Ok(Some(from_record(r)?)),
            None => Ok(None),
        }
    }

    /// The permissions a question is about.
    async fn permissions_of(&self, question: &Question) -> Result<Vec<Permission>> {
        Ok(match question {
            Question::Permission(id) => {
                vec![self.one::<Permission>(id).await?.ok_or_else(|| {
                    Error::invalid(format!("The permission: \"{id}\" doesn't exist"))
                })?]
            }
            Question::Model(id) => self.permissions_of_model(id).await?,
            Question::Enforcer(id) => {
                let enforcer = self
                    .one::<Enforcer>(id)
                    .await?
                    .ok_or_else(|| Error::invalid(format!("the enforcer: {id} doesn't exist")))?;
                self.permissions_of_model(&model_id(&enforcer.owner, &enforcer.model))
                    .await?
            }
            Question::Resource(resource, org) => self
                .all::<Permission>(org.as_deref())
                .await?
                .into_iter()
                .filter(|p| p.resources.contains(resource))
                .collect(),
            Question::Owner(owner) => self.all::<Permission>(Some(owner)).await?,
        })
    }

    async fn permissions_of_model(&self, id: &str) -> Result<Vec<Permission>> {
        let owner = split_id(id).map(|(o, _)| o).unwrap_or_default();
        Ok(self
            .all::<Permission>(Some(owner))
            .await?
            .into_iter()
            .filter(|p| !p.model.is_empty() && model_id(&p.owner, &p.model) == id)
            .collect())
    }

    async fn build_enforcers(&self, question: &Question) -> Result<EnforcerSet> {
        let permissions = self.permissions_of(question).await?;
        let groups = self.derived_rules(&permissions).await?;
        // An enforcer asked by id also holds the rules added through the policy endpoints.
        let own = match question {
            Question::Enforcer(id) => self.one::<Enforcer>(id).await?,
            _ => None,
        };
        let mut set = EnforcerSet { groups: Vec::new() };
        let mut todo = Vec::new();
        for (key, (first, mut rules)) in groups {
            if let Some(e) = &own {
                rules.add_own(&e.rules);
            }
            todo.push((key, first.model.clone(), first.owner.clone(), rules));
        }
        if let Some(e) = own.filter(|_| todo.is_empty()) {
            let mut rules = Rules::default();
            rules.add_own(&e.rules);
            let key = format!("{}/{}", e.model, e.adapter);
            todo.push((key, e.model.clone(), e.owner.clone(), rules));
        }
        for (key, model_name, owner, rules) in todo {
            let text = self.model_text(&owner, &model_name).await?;
            let parsed = model::parse(&text)
                .await
                .map_err(|e| Error::invalid(format!("model of {key}: {e}")))?;
            let built = model::build(parsed, rules.p, rules.g)
                .await
                .map_err(|e| Error::invalid(format!("permissions of {key}: {e}")))?;
            set.groups.push((key, model::Compiled::new(built.enforcer)));
        }
        Ok(set)
    }

    /// The text of the model a permission or enforcer of `owner` names (empty: Casdoor's
    /// built-in model, which it also falls back to when the named one is gone).
    async fn model_text(&self, owner: &str, model: &str) -> Result<String> {
        if model.is_empty() {
            return Ok(String::new());
        }
        Ok(self
            .one::<Model>(&model_id(owner, model))
            .await?
            .map(|m| m.model_text)
            .unwrap_or_default())
    }

    /// Casdoor's `GroupPermissionsByModelAdapter`: per `model/adapter` key, its first
    /// permission and the `p` and `g` rules the permissions make.
    async fn derived_rules<'p>(
        &self,
        permissions: &'p [Permission],
    ) -> Result<BTreeMap<String, (&'p Permission, Rules)>> {
        let mut groups: BTreeMap<String, Vec<&Permission>> = BTreeMap::new();
        for p in permissions {
            groups
                .entry(format!("{}/{}", p.model, p.adapter))
                .or_default()
                .push(p);
        }
        let roles = self.roles_for(permissions).await?;
        let mut dir = Directory::default();
        for role in &roles {
            dir.roles.insert(role.id(), role);
        }
        dir.members = self.group_members(permissions, &roles).await?;
        Ok(groups
            .into_iter()
            .map(|(key, perms)| {
                let rules = Rules {
                    p: perms.iter().flat_map(|p| policy::policies(p)).collect(),
                    g: policy::grouping_policies(&perms, &dir),
                };
                (key, (perms[0], rules))
            })
            .collect())
    }

    /// Every rule an enforcer holds, as Casdoor's `get-policies` lists its adapter's rows:
    /// `[ptype, v0, …]`, the permissions' first (`p`, then `g`), then its own.
    pub(super) async fn enforcer_rules(&self, enforcer: &Enforcer) -> Result<Vec<Vec<String>>> {
        let id = model_id(&enforcer.owner, &enforcer.model);
        let permissions = self.permissions_of_model(&id).await?;
        let mut out = Vec::new();
        for (_, (_, rules)) in self.derived_rules(&permissions).await? {
            out.extend(rules.tagged());
        }
        out.extend(enforcer.rules.iter().cloned());
        Ok(out)
    }

    /// Every role of the organizations the permissions (and their role ids) belong to.
    async fn roles_for(&self, permissions: &[Permission]) -> Result<Vec<Role>> {
        let mut owners = BTreeSet::new();
        for p in permissions {
            if p.roles.is_empty() {
                continue;
            }
            owners.insert(p.owner.clone());
            for r in &p.roles {
                if let Some((o, _)) = split_id(r) {
                    owners.insert(o.to_string());
                }
            }
        }
        let mut roles = Vec::new();
        for owner in owners {
            roles.extend(self.all::<Role>(Some(&owner)).await?);
        }
        Ok(roles)
    }

    /// Group id → its users, for the organizations whose groups are named.
    async fn group_members(
        &self,
        permissions: &[Permission],
        roles: &[Role],
    ) -> Result<BTreeMap<String, Vec<String>>> {
        let mut owners = BTreeSet::new();
        let named = permissions
            .iter()
            .map(|p| (&p.owner, &p.groups))
            .chain(roles.iter().map(|r| (&r.owner, &r.groups)));
        for (owner, groups) in named {
            for g in groups {
                match split_id(g) {
                    Some((o, _)) => owners.insert(o.to_string()),
                    None => owners.insert(owner.clone()),
                };
            }
        }
        let mut members: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for owner in owners {
            let users = self
                .store
                .list_users(Some(&owner), &ListQuery::default())
                .await?;
            for user in users.items {
                for g in &user.groups {
                    members.entry(g.clone()).or_default().push(user.id_string());
                }
            }
        }
        Ok(members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_are_arrays_of_scalars() {
        assert_eq!(
            request(&json!(["a", 1, true, null])).unwrap(),
            vec!["a", "1", "true", ""]
        );
        assert!(request(&json!({"sub": "a"})).is_err());
        assert!(request(&json!([{"Owner": "x"}])).is_err());
        assert!(batch(&json!(["a", "b"])).is_err());
        assert_eq!(batch(&json!([["a"], ["b"]])).unwrap().len(), 2);
    }

    #[test]
    fn exactly_one_target() {
        let who = Principal::Application(Arc::default());
        let t = EnforceTarget {
            permission_id: Some("acme/p".into()),
            owner: Some("acme".into()),
            ..EnforceTarget::default()
        };
        assert!(question(&who, &t).is_err());
        assert!(question(&who, &EnforceTarget::default()).is_err());
        let t = EnforceTarget {
            permission_id: Some("acme/p".into()),
            owner: Some(String::new()),
            ..EnforceTarget::default()
        };
        assert_eq!(
            question(&who, &t).unwrap(),
            Question::Permission("acme/p".into())
        );
        let t = EnforceTarget {
            model_id: Some("no-slash".into()),
            ..EnforceTarget::default()
        };
        assert!(question(&who, &t).is_err());
    }
}
