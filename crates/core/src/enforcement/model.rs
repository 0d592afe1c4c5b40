//! Casbin models and enforcers on casbin-rs, guarded so nothing a caller sends can panic:
//! casbin-rs's `DefaultEffector` panics on an effect it does not know (checked here when a
//! model is saved and again when one is built), and its regex and key functions unwrap
//! patterns (every build and enforce runs under a panic guard).

use std::panic::{AssertUnwindSafe, catch_unwind};

use casbin::{CoreApi, DefaultModel, Enforcer, MemoryAdapter, MgmtApi, Model};

use super::index::{Decision, Index};

/// Casdoor's built-in model for permissions that name none (`GetBuiltInModel("")`).
pub const BUILT_IN_MODEL: &str = "[request_definition]
r = sub, obj, act

[policy_definition]
p = sub, obj, act, eft, \"\", permissionId

[role_definition]
g = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act";

/// The effects casbin-rs's `DefaultEffector` evaluates (after `p.eft` → `p_eft`).
const KNOWN_EFFECTS: &[&str] = &[
    "some(where (p_eft == allow))",
    "!some(where (p_eft == deny))",
    "some(where (p_eft == allow)) && !some(where (p_eft == deny))",
    "priority(p_eft) || deny",
];

/// Casdoor keeps the permission id in the sixth policy field.
const POLICY_FIELDS: usize = 6;

/// A model text Casbin cannot use, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ModelError(pub String);

/// A built enforcer and the shape of its model.
pub struct Built {
    pub enforcer: Enforcer,
    /// Number of `g` fields (0: the model has no role definition).
    pub role_fields: usize,
    /// Whether `r` has a domain field (Casdoor: `r = sub, dom, obj, act`).
    pub has_domain: bool,
}

fn definition(m: &DefaultModel, sec: &str) -> Option<(String, Vec<String>)> {
    let ast = m.get_model().get(sec)?.get(sec)?;
    Some((ast.value.clone(), ast.tokens.clone()))
}

/// Parses a model text the way Casdoor does (`GetBuiltInModel`): empty means the built-in
/// model; the policy definition is padded to six fields, the sixth being `permissionId`.
/// casbin-rs's parser runs in a task, so a panic in it is an error, not a crash.
pub async fn parse(text: &str) -> Result<DefaultModel, ModelError> {
    let text = text.to_string();
    tokio::spawn(async move { parse_unguarded(&text).await })
        .await
        .map_err(|_| ModelError("invalid model text (casbin cannot parse it)".into()))?
}

async fn parse_unguarded(text: &str) -> Result<DefaultModel, ModelError> {
    let text = if text.trim().is_empty() {
        BUILT_IN_MODEL
    } else {
        text
    };
    let mut m = DefaultModel::from_str(text)
        .await
        .map_err(|e| ModelError(format!("invalid model text: {e}")))?;
    for (sec, what) in [
        ("r", "[request_definition] r"),
        ("p", "[policy_definition] p"),
        ("e", "[policy_effect] e"),
        ("m", "[matchers] m"),
    ] {
        if definition(&m, sec).is_none() {
            return Err(ModelError(format!("the model has no {what}")));
        }
    }
    let (effect, _) = definition(&m, "e").unwrap_or_default();
    if !KNOWN_EFFECTS.contains(&effect.as_str()) {
        return Err(ModelError(format!(
            "unsupported policy effect {:?}; use one of: some(where (p.eft == allow)), \
             !some(where (p.eft == deny)), some(where (p.eft == allow)) && \
             !some(where (p.eft == deny)), priority(p.eft) || deny",
            effect.replace("p_eft", "p.eft")
        )));
    }
    let (value, _) = definition(&m, "p").unwrap_or_default();
    let mut fields: Vec<String> = value.split(',').map(|f| f.trim().to_string()).collect();
    if fields.len() > POLICY_FIELDS {
        return Err(ModelError(format!(
            "the policy definition may have at most {POLICY_FIELDS} fields, got {}",
            fields.len()
        )));
    }
    if fields.len() == POLICY_FIELDS {
        if fields[POLICY_FIELDS - 1] != "permissionId" {
            return Err(ModelError(format!(
                "the sixth field of the policy definition must be permissionId, got {}",
                fields[POLICY_FIELDS - 1]
            )));
        }
    } else {
        while fields.len() < POLICY_FIELDS - 1 {
            fields.push(format!("unused{}", fields.len()));
        }
        fields.push("permissionId".into());
    }
    if fields.iter().any(|f| f.is_empty()) {
        return Err(ModelError(
            "the policy definition has an empty field".into(),
        ));
    }
    m.add_def("p", "p", &fields.join(", "));
    Ok(m)
}

/// Builds an enforcer holding `policies` (six values each) and `grouping` (`[member, role,
/// domain]`), cut to the model's field counts. Panics inside casbin become errors.
pub async fn build(
    model: DefaultModel,
    policies: Vec<Vec<String>>,
    grouping: Vec<Vec<String>>,
) -> Result<Built, ModelError> {
    // A task so that a panic inside casbin-rs ends only the task; its error is ours.
    let task = tokio::spawn(async move {
        let role_fields = definition(&model, "g").map_or(0, |(v, _)| v.split(',').count());
        let (_, r_tokens) = definition(&model, "r").unwrap_or_default();
        let has_domain = r_tokens.iter().any(|t| t == "r_dom");
        let mut enforcer = Enforcer::new(model, MemoryAdapter::default())
            .await
            .map_err(|e| ModelError(format!("invalid model: {e}")))?;
        enforcer.enable_auto_save(false);
        if !policies.is_empty() {
            enforcer
                .add_policies(policies)
                .await
                .map_err(|e| ModelError(format!("cannot load policies: {e}")))?;
        }
        if role_fields > 0 && !grouping.is_empty() {
            let rows = grouping
                .into_iter()
                .map(|mut r| {
                    r.resize(role_fields, String::new());
                    r
                })
                .collect::<Vec<_>>();
            let mut unique = super::policy::Unique::default();
            rows.into_iter().for_each(|r| unique.push(r));
            enforcer
                .add_grouping_policies(unique.rows)
                .await
                .map_err(|e| ModelError(format!("cannot load role links: {e}")))?;
        }
        Ok(Built {
            enforcer,
            role_fields,
            has_domain,
        })
    });
    task.await
        .map_err(|_| ModelError("the model cannot be evaluated (casbin failed)".into()))?
}

/// Checks a model text when it is saved: it parses, its effect is known, its matcher
/// compiles and evaluates on an empty request.
pub async fn validate(text: &str) -> Result<(), ModelError> {
    let m = parse(text).await?;
    let (_, r_tokens) = definition(&m, "r").unwrap_or_default();
    let built = build(m, Vec::new(), Vec::new()).await?;
    let probe = vec![String::new(); r_tokens.len()];
    enforce(&built.enforcer, &probe)
        .map(|_| ())
        .map_err(|e| ModelError(format!("the matcher cannot be evaluated: {e}")))
}

/// An enforcer with its index (None: its model is not of the shape the index answers).
pub struct Compiled {
    pub enforcer: Enforcer,
    index: Option<Index>,
    policies: usize,
}

impl Compiled {
    /// Indexes a built enforcer; a panic while indexing leaves casbin's scan.
    pub fn new(enforcer: Enforcer) -> Compiled {
        let index = catch_unwind(AssertUnwindSafe(|| Index::new(&enforcer))).unwrap_or(None);
        let policies = enforcer
            .get_model()
            .get_model()
            .get("p")
            .and_then(|p| p.get("p"))
            .map_or(0, |p| p.get_policy().len());
        Compiled {
            enforcer,
            index,
            policies,
        }
    }

    pub fn is_indexed(&self) -> bool {
        self.index.is_some()
    }

    /// Whether an answer may scan many policies (then it belongs off the async workers).
    pub fn is_slow(&self) -> bool {
        self.index.is_none() && self.policies > SLOW_SCAN_POLICIES
    }

    /// One request, from the index when there is one, else from casbin's scan.
    pub fn enforce(&self, request: &[String]) -> Result<bool, ModelError> {
        match self.indexed(request) {
            Some(decision) => Ok(decision.allowed),
            None => enforce(&self.enforcer, request),
        }
    }

    /// One request and the policy that decided it, when the index answers (casbin's scan
    /// does not say which policy matched without its logging feature).
    pub fn explain(&self, request: &[String]) -> Result<Explained, ModelError> {
        let Some(decision) = self.indexed(request) else {
            return Ok(Explained {
                allowed: enforce(&self.enforcer, request)?,
                explained: false,
                policy: None,
            });
        };
        let policy = decision.policy.and_then(|i| {
            let policies = self.enforcer.get_model().get_model().get("p")?.get("p")?;
            policies.get_policy().iter().nth(i).cloned()
        });
        Ok(Explained {
            allowed: decision.allowed,
            explained: true,
            policy,
        })
    }

    fn indexed(&self, request: &[String]) -> Option<Decision> {
        let index = self.index.as_ref()?;
        catch_unwind(AssertUnwindSafe(|| index.enforce(&self.enforcer, request))).unwrap_or(None)
    }
}

/// An answer and, when the index gave it, the policy row it rests on (`None` with
/// `explained`: the effect's default answered, no policy).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Explained {
    pub allowed: bool,
    pub explained: bool,
    pub policy: Option<Vec<String>>,
}

/// Past this many policies casbin's scan takes long enough to stall an async worker.
const SLOW_SCAN_POLICIES: usize = 1000;

/// One request by casbin's scan; its errors and panics (bad patterns in regexMatch, …)
/// become errors.
pub fn enforce(enforcer: &Enforcer, request: &[String]) -> Result<bool, ModelError> {
    match catch_unwind(AssertUnwindSafe(|| enforcer.enforce(request.to_vec()))) {
        Ok(Ok(allowed)) => Ok(allowed),
        Ok(Err(e)) => Err(ModelError(e.to_string())),
        Err(_) => Err(ModelError(
            "the request cannot be evaluated (an invalid pattern in a policy or request)".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[tokio::test]
    async fn built_in_model_with_roles() {
        let m = parse("").await.unwrap();
        let built = build(
            m,
            vec![row(&["acme/reader", "doc", "read", "allow", "", "acme/p"])],
            vec![row(&["acme/alice", "acme/reader", ""])],
        )
        .await
        .unwrap();
        assert_eq!(built.role_fields, 2);
        let e = &built.enforcer;
        assert!(enforce(e, &row(&["acme/alice", "doc", "read"])).unwrap());
        assert!(!enforce(e, &row(&["acme/alice", "doc", "write"])).unwrap());
        assert!(!enforce(e, &row(&["acme/bob", "doc", "read"])).unwrap());
        assert!(enforce(e, &row(&["acme/alice", "doc"])).is_err());
    }

    #[tokio::test]
    async fn unknown_effects_and_bad_matchers_are_refused_not_panicked() {
        let bad_effect = BUILT_IN_MODEL.replace(
            "e = some(where (p.eft == allow))",
            "e = subjectPriority(p.eft) || deny",
        );
        let err = validate(&bad_effect).await.unwrap_err();
        assert!(err.0.contains("unsupported policy effect"), "{err}");
        let bad_matcher = BUILT_IN_MODEL.replace(
            "m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act",
            "m = r.sub == && (",
        );
        assert!(validate(&bad_matcher).await.is_err());
        let unknown_var = BUILT_IN_MODEL.replace(
            "m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act",
            "m = r.nothing == p.sub",
        );
        assert!(validate(&unknown_var).await.is_err());
        assert!(validate("not a model").await.is_err());
        // Odd texts casbin-rs's parser meets: each an error (or a usable model), never a panic.
        for text in [
            "[request_definition]",
            "[request_definition]\nr = \n[policy_definition]\np = \n[policy_effect]\ne = \n[matchers]\nm = ",
            "[matchers]\nm = r.sub == p.sub\n[matchers]\nm = (",
            "[request_definition]\nr = sub\n[policy_definition]\np = sub\n[role_definition]\ng = _\n\
             [policy_effect]\ne = some(where (p.eft == allow))\n[matchers]\nm = g(r.sub)",
            "[request_definition]\nr = sub, obj, act\n[policy_definition]\np = sub, obj, act, eft, x, y, z\n\
             [policy_effect]\ne = some(where (p.eft == allow))\n[matchers]\nm = r.sub == p.sub",
            "\u{0}[\u{ffff}]=\n=",
        ] {
            let _ = validate(text).await;
        }
        assert!(validate("").await.is_ok());
    }

    #[tokio::test]
    async fn an_invalid_regex_in_a_policy_is_an_error_not_a_panic() {
        let text = "[request_definition]\nr = sub, obj, act\n\n[policy_definition]\n\
                    p = sub, obj, act\n\n[policy_effect]\ne = some(where (p.eft == allow))\n\n\
                    [matchers]\nm = r.sub == p.sub && regexMatch(r.obj, p.obj) && r.act == p.act";
        validate(text).await.unwrap();
        let built = build(
            parse(text).await.unwrap(),
            vec![row(&["alice", "([", "read", "", "", "acme/p"])],
            vec![],
        )
        .await
        .unwrap();
        assert!(enforce(&built.enforcer, &row(&["alice", "x", "read"])).is_err());
    }

    #[tokio::test]
    async fn domains_and_six_field_definitions() {
        let text = "[request_definition]\nr = sub, dom, obj, act\n\n[policy_definition]\n\
                    p = sub, dom, obj, act, eft, permissionId\n\n[role_definition]\ng = _, _, _\n\n\
                    [policy_effect]\ne = some(where (p.eft == allow)) && !some(where (p.eft == deny))\n\n\
                    [matchers]\nm = g(r.sub, p.sub, r.dom) && r.dom == p.dom && r.obj == p.obj && r.act == p.act";
        let built = build(
            parse(text).await.unwrap(),
            vec![
                row(&["acme/admins", "d1", "data", "write", "allow", "acme/p"]),
                row(&["acme/mallory", "d1", "data", "write", "deny", "acme/p"]),
            ],
            vec![
                row(&["acme/alice", "acme/admins", "d1"]),
                row(&["acme/mallory", "acme/admins", "d1"]),
            ],
        )
        .await
        .unwrap();
        assert!(built.has_domain);
        let e = &built.enforcer;
        assert!(enforce(e, &row(&["acme/alice", "d1", "data", "write"])).unwrap());
        assert!(!enforce(e, &row(&["acme/alice", "d2", "data", "write"])).unwrap());
        assert!(!enforce(e, &row(&["acme/mallory", "d1", "data", "write"])).unwrap());
        let wrong_sixth = text.replace("eft, permissionId", "eft, other");
        assert!(parse(&wrong_sixth).await.is_err());
    }
}
