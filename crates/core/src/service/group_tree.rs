//! Casdoor's `get-groups` extras: `haveChildren` and `parentName` on every listed group,
//! and `withTree=true`, the organization's groups as a tree of Casdoor's tree nodes
//! (`title`, `key`, `type`, `owner`, `children`) from the top groups down.
//!
//! Differs from Casdoor: `haveChildren` says whether another group has this one as its
//! parent (Casdoor's query also finds the group itself, so it is always true).

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::{Core, ListParams};
use crate::authz::Principal;
use crate::entity::Group;
use crate::error::{Error, Result};
use crate::store::Page;

/// A `get-groups` answer: a page of groups, or the tree.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupList {
    Page(Page<Value>),
    Tree(Vec<Value>),
}

fn to_json(g: &Group) -> Result<Map<String, Value>> {
    match serde_json::to_value(g).map_err(|e| Error::Internal(e.to_string()))? {
        Value::Object(m) => Ok(m),
        _ => Err(Error::Internal("a group is not a JSON object".into())),
    }
}

/// Casdoor's `ConvertToTreeData`: the nodes whose parent is `parent` (a group name, or the
/// organization's name for top groups), each with its children; `seen` ends a cycle.
pub fn tree(groups: &[Group], owner: &str, parent: &str, seen: &mut HashSet<String>) -> Vec<Value> {
    let mut nodes = Vec::new();
    for g in groups
        .iter()
        .filter(|g| g.owner == owner && g.parent_id == parent)
    {
        if !seen.insert(g.name.clone()) {
            continue;
        }
        let mut node = json!({"title": g.display_name, "key": g.name, "type": g.type_, "owner": g.owner,
                              "name": "", "haveChildren": false, "isTopGroup": g.is_top_group});
        let children = tree(groups, owner, &g.name, seen);
        if !children.is_empty() {
            node["haveChildren"] = json!(true);
            node["children"] = json!(children);
        }
        nodes.push(node);
    }
    nodes
}

impl Core {
    pub async fn list_groups(
        &self,
        who: &Principal,
        owner: Option<&str>,
        params: &ListParams,
        with_tree: bool,
    ) -> Result<GroupList> {
        let all = self
            .list_authz::<Group>(who, owner, &ListParams::default())
            .await?
            .items;
        if with_tree {
            let mut owners: Vec<&str> = all.iter().map(|g| g.owner.as_str()).collect();
            owners.dedup();
            let mut seen = HashSet::new();
            let nodes = owners
                .into_iter()
                .flat_map(|o| tree(&all, o, o, &mut seen))
                .collect();
            return Ok(GroupList::Tree(nodes));
        }
        let page = self.list_authz::<Group>(who, owner, params).await?;
        let items = page
            .items
            .iter()
            .map(|g| {
                let mut m = to_json(g)?;
                let have = all
                    .iter()
                    .any(|c| c.owner == g.owner && c.parent_id == g.name);
                let parent = all
                    .iter()
                    .find(|p| !g.is_top_group && p.owner == g.owner && p.name == g.parent_id)
                    .map_or("", |p| p.display_name.as_str());
                m.insert("haveChildren".into(), json!(have));
                m.insert("parentName".into(), json!(parent));
                Ok(Value::Object(m))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(GroupList::Page(Page {
            total: page.total,
            items,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, parent: &str) -> Group {
        Group {
            owner: "acme".into(),
            name: name.into(),
            display_name: name.to_uppercase(),
            parent_id: parent.into(),
            is_top_group: parent == "acme",
            ..Group::default()
        }
    }

    #[test]
    fn tree_from_the_top_groups_down() {
        let groups = vec![
            group("eng", "acme"),
            group("backend", "eng"),
            group("db", "backend"),
            group("sales", "acme"),
            // A cycle below no top group is not shown, and ends.
            group("x", "y"),
            group("y", "x"),
        ];
        let t = tree(&groups, "acme", "acme", &mut HashSet::new());
        assert_eq!(t.len(), 2);
        assert_eq!(t[0]["key"], "eng");
        assert_eq!(t[0]["title"], "ENG");
        assert_eq!(t[0]["haveChildren"], true);
        assert_eq!(t[0]["children"][0]["key"], "backend");
        assert_eq!(t[0]["children"][0]["children"][0]["key"], "db");
        assert!(t[0]["children"][0]["children"][0].get("children").is_none());
        assert_eq!(t[1]["key"], "sales");
        assert_eq!(t[1]["haveChildren"], false);
    }
}
