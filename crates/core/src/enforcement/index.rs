//! An index that answers exactly what casbin-rs's `Enforcer::enforce` answers, without its
//! scan of every policy, for models of one recognised shape:
//! - the matcher is a top-level `&&` of terms, each `r.X == p.Y` (either order) or a role
//!   function of the role definition `g(r.A, p.B)` / `g(r.A, p.B, r.C)` (`g2`, … too);
//! - the effect is allow-override, deny-override or allow-and-deny;
//! - there is at least one policy (with none casbin evaluates the matcher on empty values).
//!
//! Anything else (`||`, `!`, parentheses, functions such as keyMatch, literals, `priority`)
//! has no index and keeps casbin's scan. Why the answer is casbin's:
//! - casbin evaluates the matcher per policy and feeds the policy's effect (`p.eft`
//!   "allow"/"deny", anything else indeterminate; no `eft` field: allow) to its effector;
//!   for the three effects the result depends only on whether some matched policy allows
//!   and whether some denies, not on order (string equality and `g` cannot fail);
//! - the equality terms select exactly the bucket keyed by the request's values;
//! - a `g(r.A, p.B, …)` term holds iff the role manager's `has_link(r.A, p.B, dom)` does.
//!   Candidates are the bucket's policies whose `p.B` is r.A or reachable from r.A over the
//!   same links casbin's role manager holds (built from the same `g` rows, every role
//!   definition sharing one manager as in casbin-rs; Ferrodoor sets no role or domain
//!   matching function, so the manager's links are exactly those rows), searched without
//!   casbin's depth limit, so a superset of what `has_link` accepts; each candidate is then
//!   confirmed with the enforcer's own role manager, which applies the depth limit.

use std::collections::{HashMap, HashSet, VecDeque};

use casbin::{CoreApi, Enforcer, RoleManager};

/// casbin-rs's role manager keeps links added without a domain under this name.
const DEFAULT_DOMAIN: &str = "DEFAULT";

/// The effects of casbin-rs's `DefaultEffector` that the index evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// `some(where (p.eft == allow))`
    AllowOverride,
    /// `!some(where (p.eft == deny))`
    DenyOverride,
    /// `some(where (p.eft == allow)) && !some(where (p.eft == deny))`
    AllowAndDeny,
}

impl Effect {
    fn parse(escaped: &str) -> Option<Effect> {
        match escaped {
            "some(where (p_eft == allow))" => Some(Effect::AllowOverride),
            "!some(where (p_eft == deny))" => Some(Effect::DenyOverride),
            "some(where (p_eft == allow)) && !some(where (p_eft == deny))" => {
                Some(Effect::AllowAndDeny)
            }
            _ => None,
        }
    }

    fn verdict(self, allowed: bool, denied: bool) -> bool {
        match self {
            Effect::AllowOverride => allowed,
            Effect::DenyOverride => !denied,
            Effect::AllowAndDeny => allowed && !denied,
        }
    }

    /// The verdict and the policy it rests on: an allowing one for an allow, a denying one
    /// for a deny; none when the effect's default answered (no policy allows under
    /// allow-override, none matched under deny-override).
    fn decision(self, allowed: Option<usize>, denied: Option<usize>) -> Decision {
        let verdict = self.verdict(allowed.is_some(), denied.is_some());
        let policy = match (self, verdict) {
            (_, true) => allowed,
            (Effect::AllowOverride, false) => None,
            (_, false) => denied,
        };
        Decision {
            allowed: verdict,
            policy,
        }
    }

    /// Whether one more matched policy cannot change the verdict.
    fn settled(self, allowed: bool, denied: bool) -> bool {
        match self {
            Effect::AllowOverride => allowed,
            Effect::DenyOverride | Effect::AllowAndDeny => denied,
        }
    }
}

/// An answer and the position of the policy it rests on, in the enforcer's policy order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub policy: Option<usize>,
}

/// A policy's effect as casbin-rs reads it when the policy matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Eft {
    Allow,
    Deny,
    Indeterminate,
}

/// `g(r.member, p.role)` or `g(r.member, p.role, r.domain)`: positions in the request (r)
/// and the policy (p).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Link {
    member: usize,
    role: usize,
    domain: Option<usize>,
}

/// A recognised matcher: `r[r] == p[p]` for every pair, and every link.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Shape {
    equal: Vec<(usize, usize)>,
    links: Vec<Link>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Ident(&'a str),
    Eq,
    And,
    Open,
    Close,
    Comma,
}

/// The matcher's tokens, or None at any character outside the recognised shape.
fn tokenize(text: &str) -> Option<Vec<Tok<'_>>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let two = bytes.get(i..i + 2);
        if c.is_ascii_whitespace() {
            i += 1;
        } else if two == Some(b"==") {
            out.push(Tok::Eq);
            i += 2;
        } else if two == Some(b"&&") {
            out.push(Tok::And);
            i += 2;
        } else if c == b'(' || c == b')' || c == b',' {
            out.push(match c {
                b'(' => Tok::Open,
                b')' => Tok::Close,
                _ => Tok::Comma,
            });
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            out.push(Tok::Ident(&text[start..i]));
        } else {
            return None;
        }
    }
    Some(out)
}

/// Names the matcher may use: request and policy tokens (`r_sub`, `p_obj`) and role
/// functions with their number of arguments.
struct Names<'a> {
    r: &'a [String],
    p: &'a [String],
    roles: &'a HashMap<String, usize>,
}

impl Names<'_> {
    fn r(&self, name: &str) -> Option<usize> {
        self.r.iter().position(|t| t == name)
    }
    fn p(&self, name: &str) -> Option<usize> {
        self.p.iter().position(|t| t == name)
    }
}

/// The shape of an escaped matcher (`g(r_sub, p_sub) && r_obj == p_obj`), if recognised.
fn recognise(matcher: &str, names: &Names<'_>) -> Option<Shape> {
    let toks = tokenize(matcher)?;
    let mut shape = Shape {
        equal: Vec::new(),
        links: Vec::new(),
    };
    for term in toks.split(|t| *t == Tok::And) {
        match term {
            [Tok::Ident(a), Tok::Eq, Tok::Ident(b)] => {
                let pair = match (names.r(a), names.p(b)) {
                    (Some(r), Some(p)) => (r, p),
                    _ => (names.r(b)?, names.p(a)?),
                };
                shape.equal.push(pair);
            }
            [
                Tok::Ident(f),
                Tok::Open,
                Tok::Ident(a),
                Tok::Comma,
                Tok::Ident(b),
                rest @ ..,
            ] => {
                let domain = match rest {
                    [Tok::Close] => None,
                    [Tok::Comma, Tok::Ident(c), Tok::Close] => Some(names.r(c)?),
                    _ => return None,
                };
                let arity = if domain.is_some() { 3 } else { 2 };
                if names.roles.get(*f) != Some(&arity) {
                    return None;
                }
                shape.links.push(Link {
                    member: names.r(a)?,
                    role: names.p(b)?,
                    domain,
                });
            }
            _ => return None,
        }
    }
    Some(shape)
}

/// Appends a value to a key, length first, so that no two tuples of values share a key.
fn push(key: &mut Vec<u8>, value: &str) {
    key.extend_from_slice(&(value.len() as u64).to_le_bytes());
    key.extend_from_slice(value.as_bytes());
}

/// The policies of one key, in policy order (most keys have one).
enum Ids {
    One(usize),
    Many(Vec<usize>),
}

impl Ids {
    fn as_slice(&self) -> &[usize] {
        match self {
            Ids::One(i) => std::slice::from_ref(i),
            Ids::Many(v) => v,
        }
    }

    fn push(&mut self, i: usize) {
        match self {
            Ids::One(first) => *self = Ids::Many(vec![*first, i]),
            Ids::Many(v) => v.push(i),
        }
    }
}

fn has_duplicates(tokens: &[String]) -> bool {
    let mut seen = HashSet::new();
    !tokens.iter().all(|t| seen.insert(t))
}

/// Member → roles per domain: the links of casbin-rs's role manager.
type Graph = HashMap<String, HashMap<String, Vec<String>>>;

/// Policies by the values of the equality terms and of the first link's policy field
/// (empty when the matcher has no link).
pub struct Index {
    shape: Shape,
    effect: Effect,
    request_len: usize,
    effects: Vec<Eft>,
    /// Per policy, its values at the fields of the links after the first.
    other_roles: Vec<Vec<String>>,
    policies: HashMap<Vec<u8>, Ids>,
    graph: Graph,
}

impl Index {
    /// The index of a built enforcer, or None when its model is not of the recognised shape.
    pub fn new(enforcer: &Enforcer) -> Option<Index> {
        let model = enforcer.get_model().get_model();
        let one = |sec: &str| model.get(sec)?.get(sec);
        let (r, p, e, m) = (one("r")?, one("p")?, one("e")?, one("m")?);
        if has_duplicates(&r.tokens) || has_duplicates(&p.tokens) {
            return None;
        }
        let effect = Effect::parse(&e.value)?;
        let mut roles = HashMap::new();
        let mut graph = Graph::new();
        for (name, def) in model.get("g").into_iter().flatten() {
            let arity = def.value.matches('_').count();
            roles.insert(name.clone(), arity);
            for rule in def.get_policy() {
                let domain = match (arity, rule.get(2)) {
                    (2, _) if rule.len() >= 2 => DEFAULT_DOMAIN,
                    (3, Some(d)) => d.as_str(),
                    _ => return None,
                };
                // casbin-rs's role manager ignores a link of a name to itself.
                if rule[0] != rule[1] {
                    graph
                        .entry(domain.to_string())
                        .or_default()
                        .entry(rule[0].clone())
                        .or_default()
                        .push(rule[1].clone());
                }
            }
        }
        let names = Names {
            r: &r.tokens,
            p: &p.tokens,
            roles: &roles,
        };
        let shape = recognise(&m.value, &names)?;
        let policies = p.get_policy();
        if policies.is_empty() || policies.iter().any(|v| v.len() != p.tokens.len()) {
            return None;
        }
        let eft = p.tokens.iter().position(|t| t == "p_eft");
        let mut index = Index {
            effect,
            request_len: r.tokens.len(),
            effects: Vec::with_capacity(policies.len()),
            other_roles: Vec::new(),
            policies: HashMap::with_capacity(policies.len()),
            graph,
            shape,
        };
        let mut key = Vec::new();
        for (i, values) in policies.iter().enumerate() {
            index.effects.push(match eft.map(|j| values[j].as_str()) {
                None | Some("allow") => Eft::Allow,
                Some("deny") => Eft::Deny,
                Some(_) => Eft::Indeterminate,
            });
            key.clear();
            for &(_, p) in &index.shape.equal {
                push(&mut key, &values[p]);
            }
            push(
                &mut key,
                index.shape.links.first().map_or("", |l| &values[l.role]),
            );
            match index.policies.get_mut(&key) {
                Some(ids) => ids.push(i),
                None => {
                    index.policies.insert(key.clone(), Ids::One(i));
                }
            }
            if index.shape.links.len() > 1 {
                let others = index.shape.links[1..].iter();
                index
                    .other_roles
                    .push(others.map(|l| values[l.role].clone()).collect());
            }
        }
        Some(index)
    }

    /// casbin-rs's answer to `request` and the policy that decided it, or None when casbin
    /// must be asked (a request of another length, which casbin refuses with its own error).
    pub fn enforce(&self, enforcer: &Enforcer, request: &[String]) -> Option<Decision> {
        if request.len() != self.request_len {
            return None;
        }
        let mut key = Vec::with_capacity(64);
        for &(r, _) in &self.shape.equal {
            push(&mut key, &request[r]);
        }
        let prefix = key.len();
        // The first matching policy that allows and the first that denies.
        let (mut allowed, mut denied) = (None, None);
        let mut decide = |i: usize| {
            match self.effects[i] {
                Eft::Allow => allowed = allowed.or(Some(i)),
                Eft::Deny => denied = denied.or(Some(i)),
                Eft::Indeterminate => {}
            }
            self.effect.settled(allowed.is_some(), denied.is_some())
        };
        let Some(first) = self.shape.links.first() else {
            push(&mut key, "");
            for &i in self.policies.get(&key).map_or(&[][..], Ids::as_slice) {
                if decide(i) {
                    break;
                }
            }
            return Some(self.effect.decision(allowed, denied));
        };
        let rm = enforcer.get_role_manager();
        let rm = rm.read();
        let member = request[first.member].as_str();
        let domain = first.domain.map(|d| request[d].as_str());
        'roles: for role in self.reachable(member, domain) {
            key.truncate(prefix);
            push(&mut key, role);
            let Some(ids) = self.policies.get(&key) else {
                continue;
            };
            if !rm.has_link(member, role, domain) {
                continue;
            }
            for &i in ids.as_slice() {
                if self.other_links_hold(&*rm, request, i) && decide(i) {
                    break 'roles;
                }
            }
        }
        Some(self.effect.decision(allowed, denied))
    }

    /// The links after the first, for policy `i`, as casbin's `g` functions answer them.
    fn other_links_hold(&self, rm: &dyn RoleManager, request: &[String], i: usize) -> bool {
        let Some(roles) = self.other_roles.get(i) else {
            return true;
        };
        self.shape.links[1..].iter().zip(roles).all(|(l, role)| {
            let domain = l.domain.map(|d| request[d].as_str());
            rm.has_link(&request[l.member], role, domain)
        })
    }

    /// `member` and every name reachable from it over the links of `domain`, each once.
    fn reachable<'a>(&'a self, member: &'a str, domain: Option<&str>) -> Vec<&'a str> {
        let mut out = vec![member];
        let Some(links) = self.graph.get(domain.unwrap_or(DEFAULT_DOMAIN)) else {
            return out;
        };
        let mut seen: HashSet<&str> = HashSet::from([member]);
        let mut queue = VecDeque::from([member]);
        while let Some(name) = queue.pop_front() {
            for role in links.get(name).into_iter().flatten() {
                if seen.insert(role) {
                    out.push(role);
                    queue.push_back(role);
                }
            }
        }
        out
    }
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
