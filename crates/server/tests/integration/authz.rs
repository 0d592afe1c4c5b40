//! Casdoor's authorization API on casbin-rs: objects, enforce, freshness, who may ask.

use serde_json::{Value, json};

use crate::kit::{Auth, Kit};
use crate::on_both_backends;

pub const RBAC: &str = "[request_definition]\nr = sub, obj, act\n\n[policy_definition]\n\
                    p = sub, obj, act\n\n[role_definition]\ng = _, _\n\n[policy_effect]\n\
                    e = some(where (p.eft == allow))\n\n[matchers]\n\
                    m = g(r.sub, p.sub) && r.obj == p.obj && r.act == p.act";

/// An organization with an application (answered as its Basic credentials) and users
/// (password `pw-<name>-123`).
pub async fn org_with_app(kit: &Kit, org: &str, users: &[&str]) -> Auth {
    kit.post("/api/add-organization", json!({"name": org}), &kit.admin)
        .await
        .ok();
    let app = kit
        .post(
            "/api/add-application",
            json!({"name": format!("app-{org}"), "organization": org}),
            &kit.admin,
        )
        .await;
    app.ok();
    for user in users {
        kit.post(
            "/api/add-user",
            json!({"owner": org, "name": user, "password": format!("pw-{user}-123")}),
            &kit.admin,
        )
        .await
        .ok();
    }
    Auth::Basic(
        app.body["data2"]["clientId"].as_str().unwrap().into(),
        app.body["data2"]["clientSecret"].as_str().unwrap().into(),
    )
}

async fn enforce(kit: &Kit, query: &str, request: Value, auth: &Auth) -> Value {
    kit.post(&format!("/api/enforce?{query}"), request, auth)
        .await
        .ok()
        .clone()
}

on_both_backends!(roles_groups_and_permissions_answer_enforce_at_once, |kit| {
    let app = org_with_app(kit, "acme", &["alice", "bob", "carol"]).await;
    let bad = kit
        .post(
            "/api/add-model",
            json!({"owner": "acme", "name": "bad", "modelText": RBAC.replace("some(where (p.eft == allow))", "subjectPriority(p.eft) || deny")}),
            &app,
        )
        .await
        .error(400);
    assert!(bad.contains("unsupported policy effect"), "{bad}");
    let bad = kit
        .post(
            "/api/add-model",
            json!({"owner": "acme", "name": "bad", "modelText": RBAC.replace("r.act == p.act", "r.act == (")}),
            &app,
        )
        .await
        .error(400);
    assert!(bad.contains("model acme/bad"), "{bad}");
    kit.post(
        "/api/add-model",
        json!({"owner": "acme", "name": "rbac", "modelText": RBAC}),
        &app,
    )
    .await
    .ok();
    kit.post(
        "/api/add-role",
        json!({"owner": "acme", "name": "reader", "users": ["acme/alice"], "roles": ["acme/junior"]}),
        &app,
    )
    .await
    .ok();
    kit.post(
        "/api/add-role",
        json!({"owner": "acme", "name": "junior", "users": ["acme/carol"]}),
        &app,
    )
    .await
    .ok();
    kit.post(
        "/api/add-permission",
        json!({"owner": "acme", "name": "read-docs", "model": "rbac", "roles": ["acme/reader"],
               "users": [""], "groups": ["acme/staff"], "resources": ["doc1"], "actions": ["read"], "effect": "Allow", "isEnabled": true}),
        &app,
    )
    .await
    .ok();
    let q = "permissionId=acme/read-docs";
    assert_eq!(
        enforce(kit, q, json!(["acme/alice", "doc1", "read"]), &app).await,
        json!([true])
    );
    // Carol is in a sub-role of reader.
    assert_eq!(
        enforce(kit, q, json!(["acme/carol", "doc1", "read"]), &app).await,
        json!([true])
    );
    let batch = kit
        .post(
            &format!("/api/batch-enforce?{q}"),
            json!([
                ["acme/alice", "doc1", "read"],
                ["acme/alice", "doc1", "write"],
                ["acme/bob", "doc1", "read"]
            ]),
            &app,
        )
        .await;
    assert_eq!(batch.ok(), &json!([[true, false, false]]));
    assert_eq!(batch.body["data2"], json!(["rbac/"]));
    let by_model = enforce(
        kit,
        "modelId=acme/rbac",
        json!(["acme/alice", "doc1", "read"]),
        &app,
    )
    .await;
    assert_eq!(by_model, json!([true]));
    let by_owner = enforce(
        kit,
        "owner=acme",
        json!(["acme/alice", "doc1", "read"]),
        &app,
    )
    .await;
    assert_eq!(by_owner, json!([true]));

    // Removing alice from the role is seen by the very next enforce.
    kit.post(
        "/api/update-role?id=acme/reader",
        json!({"users": []}),
        &app,
    )
    .await
    .ok();
    assert_eq!(
        enforce(kit, q, json!(["acme/alice", "doc1", "read"]), &app).await,
        json!([false])
    );
    // Joining a group the permission names, through the user's `groups` field.
    kit.post(
        "/api/add-group",
        json!({"owner": "acme", "name": "staff", "displayName": "Staff"}),
        &app,
    )
    .await
    .ok();
    let group = kit.get("/api/get-group?id=acme/staff", &app).await;
    assert_eq!(group.ok()["isTopGroup"], true);
    assert_eq!(
        enforce(kit, q, json!(["acme/bob", "doc1", "read"]), &app).await,
        json!([false])
    );
    kit.post(
        "/api/update-user?id=acme/bob",
        json!({"groups": ["acme/staff"]}),
        &app,
    )
    .await
    .ok();
    assert_eq!(
        enforce(kit, q, json!(["acme/bob", "doc1", "read"]), &app).await,
        json!([true])
    );
    let bob = kit.get("/api/get-user?id=acme/bob", &app).await;
    assert_eq!(bob.ok()["groups"], json!(["acme/staff"]));

    // Lists, paging and reads keep Casdoor's shapes.
    let roles = kit
        .get("/api/get-roles?owner=acme&p=1&pageSize=1", &app)
        .await;
    assert_eq!(roles.ok().as_array().unwrap().len(), 1);
    assert_eq!(roles.body["data2"], 2);
    let missing = kit.get("/api/get-role?id=acme/nobody", &app).await;
    assert_eq!(missing.ok(), &Value::Null);
    let p = kit.get("/api/get-permission?id=acme/read-docs", &app).await;
    assert_eq!(p.ok()["users"], json!([]), "empty ids are dropped");
    assert_eq!(p.ok()["effect"], "Allow");

    // Deleting the permission: enforce on it is an error, by owner an empty answer.
    kit.post("/api/delete-permission?id=acme/read-docs", json!({}), &app)
        .await
        .ok();
    let gone = kit
        .post(
            &format!("/api/enforce?{q}"),
            json!(["acme/bob", "doc1", "read"]),
            &app,
        )
        .await
        .error(400);
    assert!(gone.contains("doesn't exist"), "{gone}");
    assert_eq!(
        enforce(kit, "owner=acme", json!(["acme/bob", "doc1", "read"]), &app).await,
        json!([])
    );

    // Bad requests are 400s, never a panic.
    for (query, body) in [
        ("", json!(["a", "b", "c"])),
        ("owner=acme&modelId=acme/rbac", json!(["a", "b", "c"])),
        ("modelId=acme/rbac", json!([{"Owner": "x"}, "b", "c"])),
    ] {
        kit.post(&format!("/api/enforce?{query}"), body, &app)
            .await
            .error(400);
    }
    kit.post("/api/batch-enforce?owner=acme", json!({"a": 1}), &app)
        .await
        .error(400);

    // Every write above is an audit record of acme's, naming the object (issue 16: every
    // management write is recorded, in its transaction).
    let records = kit
        .get(
            "/api/get-records?organization=acme&pageSize=200",
            &kit.admin,
        )
        .await;
    let list = records.ok().as_array().unwrap().clone();
    for (action, object) in [
        ("add-model", "acme/rbac"),
        ("add-role", "acme/reader"),
        ("add-role", "acme/junior"),
        ("add-permission", "acme/read-docs"),
        ("update-role", "acme/reader"),
        ("delete-permission", "acme/read-docs"),
    ] {
        assert!(
            list.iter()
                .any(|r| r["action"] == action && r["object"] == object),
            "no {action} record of {object}: {}",
            records.text
        );
    }
    // The refused model (400) changed nothing and is not recorded as a change.
    assert!(
        !list
            .iter()
            .any(|r| r["action"] == "add-model" && r["object"] == "acme/bad")
    );
});

on_both_backends!(organizations_and_users_see_only_their_own_grants, |kit| {
    let app = org_with_app(kit, "acme", &["alice", "bob"]).await;
    let other = org_with_app(kit, "other", &["eve"]).await;
    kit.post(
        "/api/add-permission",
        json!({"owner": "acme", "name": "p", "users": ["acme/alice", "acme/bob"], "resources": ["doc"], "actions": ["read"]}),
        &app,
    )
    .await
    .ok();
    let q = "permissionId=acme/p";
    // Another organization's application gets nothing of acme.
    kit.post(
        &format!("/api/enforce?{q}"),
        json!(["acme/alice", "doc", "read"]),
        &other,
    )
    .await
    .error(403);
    // Nor its policies through the explaining enforce.
    kit.post(
        &format!("/api/explain-enforce?{q}"),
        json!(["acme/alice", "doc", "read"]),
        &other,
    )
    .await
    .error(403);
    kit.get("/api/get-permissions?owner=acme", &other)
        .await
        .error(403);
    kit.get("/api/get-permission?id=acme/p", &other)
        .await
        .error(403);
    kit.post(
        "/api/update-permission?id=acme/p",
        json!({"users": ["other/eve"]}),
        &other,
    )
    .await
    .error(403);
    kit.post(
        "/api/add-role",
        json!({"owner": "acme", "name": "planted", "users": ["other/eve"]}),
        &other,
    )
    .await
    .error(403);
    kit.post("/api/delete-permission?id=acme/p", json!({}), &other)
        .await
        .error(403);
    // Its own list does not include acme's.
    let mine = kit.get("/api/get-permissions", &other).await;
    assert_eq!(mine.ok(), &json!([]));

    // A user may ask about themselves only, and may not read or change grants.
    let alice = kit.sign_in("acme", "alice", "pw-alice-123").await;
    assert_eq!(
        enforce(kit, q, json!(["acme/alice", "doc", "read"]), &alice).await,
        json!([true])
    );
    kit.post(
        &format!("/api/enforce?{q}"),
        json!(["acme/bob", "doc", "read"]),
        &alice,
    )
    .await
    .error(403);
    kit.post(
        &format!("/api/batch-enforce?{q}"),
        json!([["acme/alice", "doc", "read"], ["acme/bob", "doc", "read"]]),
        &alice,
    )
    .await
    .error(403);
    // The explaining enforce: the same rule, and the policy that decided.
    kit.post(
        &format!("/api/explain-enforce?{q}"),
        json!(["acme/bob", "doc", "read"]),
        &alice,
    )
    .await
    .error(403);
    let explained = kit
        .post(
            &format!("/api/explain-enforce?{q}"),
            json!(["acme/alice", "doc", "read"]),
            &alice,
        )
        .await;
    assert_eq!(
        explained.ok(),
        &json!([{"allowed": true, "explained": true, "policy": ["acme/alice", "doc", "read", "allow", "", "acme/p"]}])
    );
    let explained = kit
        .post(
            &format!("/api/explain-enforce?{q}"),
            json!(["acme/alice", "doc", "write"]),
            &app,
        )
        .await;
    assert_eq!(
        explained.ok(),
        &json!([{"allowed": false, "explained": true, "policy": null}])
    );
    kit.get("/api/get-permissions?owner=acme", &alice)
        .await
        .error(403);
    kit.get("/api/get-permission?id=acme/p", &alice)
        .await
        .error(403);
    kit.post(
        "/api/update-permission?id=acme/p",
        json!({"users": ["acme/alice"]}),
        &alice,
    )
    .await
    .error(403);
    kit.post(
        "/api/update-user?id=acme/alice",
        json!({"groups": ["acme/admins"]}),
        &alice,
    )
    .await
    .error(403);
    // resourceId searches only the caller's organization.
    kit.post(
        "/api/add-permission",
        json!({"owner": "other", "name": "q", "users": ["other/eve"], "resources": ["doc"], "actions": ["read"]}),
        &other,
    )
    .await
    .ok();
    let by_resource = kit
        .post(
            "/api/enforce?resourceId=doc",
            json!(["other/eve", "doc", "read"]),
            &other,
        )
        .await;
    assert_eq!(by_resource.ok(), &json!([true]));
    assert_eq!(by_resource.body["data2"], json!(["/"]));
    let by_resource = kit
        .post(
            "/api/enforce?resourceId=doc",
            json!(["acme/alice", "doc", "read"]),
            &app,
        )
        .await;
    assert_eq!(by_resource.ok(), &json!([true]), "acme sees only its own p");
});

on_both_backends!(every_kind_stays_in_its_organization, |kit| {
    let app = org_with_app(kit, "acme", &["alice"]).await;
    let other = org_with_app(kit, "other", &["eve"]).await;
    let alice = kit.sign_in("acme", "alice", "pw-alice-123").await;
    let kinds = [
        ("model", json!({"modelText": RBAC})),
        ("role", json!({"users": ["acme/alice"]})),
        ("group", json!({"displayName": "G"})),
        ("adapter", json!({"table": "t"})),
        ("enforcer", json!({"model": "acme/x"})),
    ];
    for (kind, fields) in &kinds {
        let mut body = fields.clone();
        body["owner"] = json!("acme");
        body["name"] = json!("x");
        kit.post(&format!("/api/add-{kind}"), body.clone(), &app)
            .await
            .ok();
        let id = "?id=acme/x";
        for who in [&other, &alice] {
            kit.get(&format!("/api/get-{kind}{id}"), who)
                .await
                .error(403);
            kit.get(&format!("/api/get-{kind}s?owner=acme"), who)
                .await
                .error(403);
            let mut planted = body.clone();
            planted["name"] = json!("planted");
            kit.post(&format!("/api/add-{kind}"), planted, who)
                .await
                .error(403);
            kit.post(
                &format!("/api/update-{kind}{id}"),
                json!({"displayName": "mine"}),
                who,
            )
            .await
            .error(403);
            kit.post(&format!("/api/delete-{kind}{id}"), json!({}), who)
                .await
                .error(403);
        }
        // Still there, unchanged, and only in acme's lists.
        let got = kit.get(&format!("/api/get-{kind}{id}"), &app).await;
        assert_eq!(got.ok()["name"], "x", "{kind}");
        assert_ne!(got.ok()["displayName"], "mine", "{kind}");
        let theirs = kit.get(&format!("/api/get-{kind}s"), &other).await;
        assert_eq!(theirs.ok(), &json!([]), "{kind}");
    }
    kit.get("/api/get-permissions-by-role?id=acme/x", &other)
        .await
        .error(403);
    kit.get("/api/get-permissions-by-role?id=acme/x", &alice)
        .await
        .error(403);
    kit.get("/api/get-permissions-by-role?id=acme/x", &app)
        .await
        .ok();
    // The adapter's database password never comes back.
    kit.post(
        "/api/update-adapter?id=acme/x",
        json!({"password": "db-secret-1"}),
        &app,
    )
    .await
    .ok();
    let adapter = kit.get("/api/get-adapter?id=acme/x", &app).await;
    assert_eq!(adapter.ok()["password"], "***");
    assert!(!adapter.text.contains("db-secret-1"));
});
