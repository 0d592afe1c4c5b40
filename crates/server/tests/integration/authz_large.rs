//! Enforce on the index's shapes and off them: casbin's scan of a large unindexed model
//! (run off the async workers) and allow-and-deny on an indexed one.

use serde_json::{Value, json};

use crate::authz::{RBAC, org_with_app};
use crate::on_both_backends;

on_both_backends!(large_unindexed_and_deny_models_answer_as_casbin, |kit| {
    let app = org_with_app(kit, "acme", &["alice", "bob"]).await;
    let add = async |kind: &str, body: Value| {
        kit.post(&format!("/api/add-{kind}"), body, &app).await.ok();
    };
    // keyMatch has no index: 1,200 policies go through casbin's scan.
    let paths = RBAC.replace("r.obj == p.obj", "keyMatch(r.obj, p.obj)");
    add(
        "model",
        json!({"owner": "acme", "name": "paths", "modelText": paths}),
    )
    .await;
    let resources: Vec<String> = (0..1200).map(|i| format!("/docs/{i}/*")).collect();
    add(
        "permission",
        json!({"owner": "acme", "name": "paths", "model": "paths", "users": ["acme/alice"],
               "resources": resources, "actions": ["read"], "effect": "Allow", "isEnabled": true}),
    )
    .await;
    let batch = kit
        .post(
            "/api/batch-enforce?permissionId=acme/paths",
            json!([
                ["acme/alice", "/docs/1199/a", "read"],
                ["acme/alice", "/other/a", "read"],
                ["acme/bob", "/docs/1/a", "read"]
            ]),
            &app,
        )
        .await;
    assert_eq!(batch.ok(), &json!([[true, false, false]]));
    // Allow and deny on an indexed model: alice's deny overrides her role's allow.
    let both = RBAC
        .replace("p = sub, obj, act\n", "p = sub, obj, act, eft\n")
        .replace(
            "e = some(where (p.eft == allow))",
            "e = some(where (p.eft == allow)) && !some(where (p.eft == deny))",
        );
    add(
        "model",
        json!({"owner": "acme", "name": "both", "modelText": both}),
    )
    .await;
    add(
        "role",
        json!({"owner": "acme", "name": "readers", "users": ["acme/alice", "acme/bob"]}),
    )
    .await;
    for (name, subjects, effect) in [
        ("read", json!({"roles": ["acme/readers"]}), "Allow"),
        ("no-alice", json!({"users": ["acme/alice"]}), "Deny"),
    ] {
        let mut body = json!({"owner": "acme", "name": name, "model": "both", "resources": ["doc"],
                              "actions": ["read"], "effect": effect, "isEnabled": true});
        for (k, v) in subjects.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        add("permission", body).await;
    }
    let batch = kit
        .post(
            "/api/batch-enforce?modelId=acme/both",
            json!([
                ["acme/alice", "doc", "read"],
                ["acme/bob", "doc", "read"],
                ["acme/bob", "doc", "write"]
            ]),
            &app,
        )
        .await;
    assert_eq!(batch.ok(), &json!([[false, true, false]]));
});
