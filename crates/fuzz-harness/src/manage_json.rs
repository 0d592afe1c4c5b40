//! Management-API bodies: strict field checking, building new entities, and merging partial
//! updates. A user update must never change a field the caller may not change.

use std::collections::BTreeMap;
use std::sync::Arc;

use arbitrary::{Arbitrary, Result, Unstructured};
use ferrodoor_core::authz::{Credential, Principal};
use ferrodoor_core::clock::Now;
use ferrodoor_core::entity::{Application, BUILT_IN_ORG, Organization, Provider, User};
use ferrodoor_core::fields::{self, *};
use ferrodoor_core::service::{apply_user_patch, check_application_values, user_patch};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

#[derive(Debug, Arbitrary, Clone, Copy)]
enum Entity {
    User,
    Organization,
    Application,
    Provider,
}

#[derive(Debug, Arbitrary, Clone, Copy, PartialEq)]
enum Caller {
    TheUserThemselves,
    OtherUserOfTheOrg,
    AdminOfTheOrg,
    AdminOfAnotherOrg,
    ForbiddenAdminOfTheOrg,
    GlobalAdmin,
    AppOfTheOrg,
    BuiltInApp,
}

#[derive(Debug)]
struct Input {
    entity: Entity,
    caller: Caller,
    current: User,
    body: Value,
}

fn keys(entity: Entity) -> Vec<&'static str> {
    let (known, ignored) = match entity {
        Entity::User => (User::FIELDS, CASDOOR_IGNORED_USER_FIELDS),
        Entity::Organization => (Organization::FIELDS, CASDOOR_IGNORED_ORGANIZATION_FIELDS),
        Entity::Application => (Application::FIELDS, CASDOOR_IGNORED_APPLICATION_FIELDS),
        Entity::Provider => (Provider::FIELDS, CASDOOR_IGNORED_PROVIDER_FIELDS),
    };
    known
        .iter()
        .chain(ignored.iter().take(4))
        .copied()
        .collect()
}

fn current_user(u: &mut Unstructured<'_>) -> Result<User> {
    let built_in_admin = u.ratio(1, 8)?;
    let mut properties = BTreeMap::new();
    if u.arbitrary()? {
        properties.insert(u.arbitrary()?, u.arbitrary()?);
    }
    Ok(User {
        owner: if built_in_admin {
            BUILT_IN_ORG.into()
        } else {
            "acme".into()
        },
        name: if built_in_admin {
            "admin".into()
        } else {
            "alice".into()
        },
        id: "8f4e2c1a-0000-4000-8000-000000000001".into(),
        type_: "normal-user".into(),
        created_time: "2026-01-01T00:00:00Z".into(),
        updated_time: "2026-01-02T00:00:00Z".into(),
        password_hash: u
            .arbitrary::<bool>()?
            .then(|| "$argon2id$stored".to_string()),
        display_name: u.arbitrary()?,
        email: u.arbitrary()?,
        is_admin: u.arbitrary()?,
        is_forbidden: u.arbitrary()?,
        wechat: u.arbitrary()?,
        properties,
        ..User::default()
    })
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let entity: Entity = u.arbitrary()?;
        let caller = u.arbitrary()?;
        let current = current_user(u)?;
        let body = if u.ratio(1, 4)? {
            // Raw text, as the JSON extractor would read it.
            serde_json::from_slice(u.arbitrary()?).unwrap_or(Value::Null)
        } else {
            let mut map = crate::json::object(u, &keys(entity), 1)?;
            // Often send back (part of) the current object, as Casdoor clients do.
            if u.arbitrary()?
                && let Ok(Value::Object(cur)) = serde_json::to_value(current.clone().masked())
            {
                for (k, v) in cur {
                    if u.ratio(3, 4)? {
                        map.entry(k).or_insert(v);
                    }
                }
            }
            Value::Object(map)
        };
        Ok(Input {
            entity,
            caller,
            current,
            body,
        })
    }
}

fn principal(caller: Caller, current: &User) -> Principal {
    let user = |owner: &str, name: &str, admin: bool, forbidden: bool| Principal::User {
        user: Box::new(User {
            owner: owner.into(),
            name: name.into(),
            is_admin: admin,
            is_forbidden: forbidden,
            ..User::default()
        }),
        credential: Credential::Session,
    };
    let app = |org: &str| {
        Principal::Application(Arc::new(Application {
            name: "app".into(),
            organization: org.into(),
            ..Application::default()
        }))
    };
    let org = current.owner.as_str();
    match caller {
        Caller::TheUserThemselves => Principal::User {
            user: Box::new(current.clone()),
            credential: Credential::Session,
        },
        Caller::OtherUserOfTheOrg => user(org, "mallory", false, false),
        Caller::AdminOfTheOrg => user(org, "boss", true, false),
        Caller::AdminOfAnotherOrg => user("other", "boss", true, false),
        Caller::ForbiddenAdminOfTheOrg => user(org, "boss", true, true),
        Caller::GlobalAdmin => user(BUILT_IN_ORG, "root", true, false),
        Caller::AppOfTheOrg => app(org),
        Caller::BuiltInApp => app(BUILT_IN_ORG),
    }
}

pub fn run(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    match input.entity {
        Entity::User => {
            add::<User>(&input.body, User::FIELDS, CASDOOR_IGNORED_USER_FIELDS);
            update_user(&input);
        }
        Entity::Organization => {
            let o = Organization::FIELDS;
            add::<Organization>(&input.body, o, CASDOOR_IGNORED_ORGANIZATION_FIELDS);
            update(
                &Organization::default(),
                &input.body,
                o,
                CASDOOR_IGNORED_ORGANIZATION_FIELDS,
            );
        }
        Entity::Application => {
            let a = Application::FIELDS;
            let ignored = CASDOOR_IGNORED_APPLICATION_FIELDS;
            for app in [
                add::<Application>(&input.body, a, ignored),
                update(&Application::default(), &input.body, a, ignored),
            ]
            .into_iter()
            .flatten()
            {
                check_lifetimes(&app);
            }
        }
        Entity::Provider => {
            let p = Provider::FIELDS;
            add::<Provider>(&input.body, p, CASDOOR_IGNORED_PROVIDER_FIELDS);
            update(
                &Provider::default(),
                &input.body,
                p,
                CASDOOR_IGNORED_PROVIDER_FIELDS,
            );
        }
    }
}

fn add<T: DeserializeOwned>(body: &Value, known: &[&str], ignored: &[&str]) -> Option<T> {
    let map = fields::object(body, known, ignored).ok()?;
    fields::build(map, known).ok()
}

/// A merge changes exactly the fields the body names, nothing else.
fn update<T: Serialize + DeserializeOwned>(
    current: &T,
    body: &Value,
    known: &[&str],
    ignored: &[&str],
) -> Option<T> {
    let map = fields::object(body, known, ignored).ok()?;
    let merged: T = fields::merge(current, map, known).ok()?;
    let before = as_map(current);
    let after = as_map(&merged);
    for k in before.keys().chain(after.keys()) {
        if before.get(k) != after.get(k) {
            assert!(
                map.contains_key(k),
                "merge changed `{k}`, which the body did not name"
            );
        }
    }
    Some(merged)
}

fn as_map<T: Serialize>(v: &T) -> Map<String, Value> {
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        other => panic!("entity did not serialize to an object: {other:?}"),
    }
}

/// An application the checks accept gives token lifetimes a login can use.
fn check_lifetimes(app: &Application) {
    if check_application_values(app).is_err() {
        return;
    }
    let now = Now::from_unix(1_800_000_000).unix();
    for seconds in [app.access_token_seconds(), app.refresh_token_seconds()] {
        assert!(seconds > 0, "non-positive token lifetime {seconds}");
        assert!(
            now.checked_add(seconds).is_some(),
            "token lifetime {seconds}s overflows an expiry time"
        );
    }
}

fn update_user(input: &Input) {
    let Ok(patch) = user_patch(&input.body, None) else {
        return;
    };
    let current = &input.current;
    let who = principal(input.caller, current);
    let result = apply_user_patch(&who, current, &patch);
    let is_self = input.caller == Caller::TheUserThemselves;
    let admin = who.administers(&current.owner);
    if !is_self && !admin {
        assert!(
            result.is_err(),
            "{:?} changed a user it may not touch",
            input.caller
        );
        return;
    }
    match result {
        Ok(Some(updated)) => {
            let mut before = as_map(&current.clone().masked());
            let mut after = as_map(&updated);
            // The plaintext password never stays on the entity; hashing is the caller's.
            assert!(updated.password.is_empty() && updated.password_hash == current.password_hash);
            before.remove("password");
            after.remove("password");
            if patch.contains_key("password") {
                assert!(
                    admin || current.password_hash.is_none(),
                    "a non-admin changed an existing password"
                );
            }
            for (k, v) in &after {
                if before.get(k) == Some(v) {
                    continue;
                }
                assert!(
                    patch.contains_key(k),
                    "`{k}` changed but was not in the body"
                );
                assert!(
                    !["owner", "name", "id", "createdTime", "updatedTime"].contains(&k.as_str()),
                    "`{k}` changed"
                );
                if !admin {
                    assert!(
                        User::SELF_EDITABLE.contains(&k.as_str()),
                        "user changed own `{k}`"
                    );
                }
                if current.owner == BUILT_IN_ORG && current.name == "admin" {
                    assert!(
                        k != "isAdmin" && k != "isForbidden",
                        "built-in/admin lost `{k}`"
                    );
                }
            }
        }
        Ok(None) => {
            // "Nothing changes" must be true: the merge gives back the same user.
            if let Ok(merged) = fields::merge::<User>(current, &patch, User::FIELDS) {
                let mut a = as_map(&merged);
                let mut b = as_map(current);
                a.remove("password");
                b.remove("password");
                assert_eq!(a, b, "an update reported as no change changes the user");
            }
        }
        Err(_) => {}
    }
}
