//! Casdoor's policy endpoints on an enforcer and its Casbin helper reads of a user, with
//! who may use them.

use serde_json::{Value, json};

use crate::authz::org_with_app;
use crate::on_both_backends;

fn rules(answer: &Value) -> Vec<Vec<String>> {
    answer
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut row = vec![r["Ptype"].as_str().unwrap().to_string()];
            for i in 0..6 {
                row.push(r[format!("V{i}")].as_str().unwrap().to_string());
            }
            while row.last().is_some_and(String::is_empty) {
                row.pop();
            }
            row
        })
        .collect()
}

fn row(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

on_both_backends!(policy_endpoints_and_helper_reads, |kit| {
    let app = org_with_app(kit, "acme", &["alice", "bob"]).await;
    let other = org_with_app(kit, "other", &["eve"]).await;
    kit.post(
        "/api/add-role",
        json!({"owner": "acme", "name": "reader", "users": ["acme/alice"]}),
        &app,
    )
    .await
    .ok();
    kit.post(
        "/api/add-model",
        json!({"owner": "acme", "name": "rbac", "modelText": crate::authz::RBAC}),
        &app,
    )
    .await
    .ok();
    kit.post(
        "/api/add-permission",
        json!({"owner": "acme", "name": "read-docs", "model": "rbac", "roles": ["acme/reader"], "users": ["acme/bob"],
               "resources": ["doc1", "doc2"], "actions": ["read"], "submitter": "alice"}),
        &app,
    )
    .await
    .ok();
    kit.post(
        "/api/add-enforcer",
        json!({"owner": "acme", "name": "e", "model": "acme/rbac"}),
        &app,
    )
    .await
    .ok();

    // The permissions' rules, then the enforcer's own.
    let all = kit.get("/api/get-policies?id=acme/e", &app).await;
    let got = rules(all.ok());
    assert!(
        got.contains(&row(&[
            "p",
            "acme/reader",
            "doc1",
            "read",
            "allow",
            "",
            "acme/read-docs"
        ])),
        "{got:?}"
    );
    assert!(
        got.contains(&row(&["g", "acme/alice", "acme/reader"])),
        "{got:?}"
    );
    assert_eq!(all.ok()[0]["Id"], 1);
    let q = "/api/enforce?enforcerId=acme/e";
    let ask = |sub: &'static str, obj: &'static str| {
        let app = app.clone();
        async move {
            kit.post(q, json!([sub, obj, "read"]), &app)
                .await
                .ok()
                .clone()
        }
    };
    assert_eq!(ask("acme/alice", "doc1").await, json!([true]));
    assert_eq!(ask("acme/alice", "doc9").await, json!([false]));

    // Own rules: seen by the next enforce, listed, updated, removed.
    let add = kit
        .post(
            "/api/add-policy?id=acme/e",
            json!({"Ptype": "p", "V0": "acme/alice", "V1": "doc9", "V2": "read", "V3": "allow"}),
            &app,
        )
        .await;
    assert_eq!(add.ok(), "Affected");
    assert_eq!(ask("acme/alice", "doc9").await, json!([true]));
    let again = kit
        .post(
            "/api/add-policy?id=acme/e",
            json!({"ptype": "p", "v0": "acme/alice", "v1": "doc9", "v2": "read", "v3": "allow"}),
            &app,
        )
        .await;
    assert_eq!(again.ok(), "Unaffected");
    // The change is recorded once, against the enforcer; the repeat changed nothing.
    let recorded = kit
        .get(
            "/api/get-records?organization=acme&field=action&value=add-policy",
            &kit.admin,
        )
        .await;
    let recorded = recorded.ok().as_array().unwrap().clone();
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0]["object"], "acme/e");
    let filtered = kit
        .post(
            "/api/get-filtered-policies?id=acme/e",
            json!([{"ptype": "p", "fieldIndex": 1, "fieldValues": ["doc9"]}]),
            &app,
        )
        .await;
    assert_eq!(
        rules(filtered.ok()),
        vec![row(&["p", "acme/alice", "doc9", "read", "allow"])]
    );
    let upd = kit
        .post(
            "/api/update-policy?id=acme/e",
            json!([{"Ptype": "p", "V0": "acme/alice", "V1": "doc9", "V2": "read", "V3": "allow"},
                   {"Ptype": "p", "V0": "acme/bob", "V1": "doc9", "V2": "read", "V3": "allow"}]),
            &app,
        )
        .await;
    assert_eq!(upd.ok(), "Affected");
    assert_eq!(ask("acme/alice", "doc9").await, json!([false]));
    assert_eq!(ask("acme/bob", "doc9").await, json!([true]));
    // A permission's rule is changed through the permission, not here.
    let refused = kit
        .post(
            "/api/remove-policy?id=acme/e",
            json!({"Ptype": "g", "V0": "acme/alice", "V1": "acme/reader"}),
            &app,
        )
        .await
        .error(400);
    assert!(refused.contains("comes from the permissions"), "{refused}");
    let rm = kit
        .post(
            "/api/remove-policy?id=acme/e",
            json!({"Ptype": "p", "V0": "acme/bob", "V1": "doc9", "V2": "read", "V3": "allow"}),
            &app,
        )
        .await;
    assert_eq!(rm.ok(), "Affected");
    assert_eq!(ask("acme/bob", "doc9").await, json!([false]));
    // The enforcer's answers never show its rules; its fields cannot set them.
    let e = kit.get("/api/get-enforcer?id=acme/e", &app).await;
    assert!(e.ok().get("rules").is_none());
    kit.post(
        "/api/update-enforcer?id=acme/e",
        json!({"rules": [["p", "x"]]}),
        &app,
    )
    .await
    .error(400);
    for (path, body) in [
        (
            "/api/add-policy?id=acme/e",
            json!({"Ptype": "p2", "V0": "x"}),
        ),
        ("/api/add-policy?id=acme/e", json!({"Ptype": "p"})),
        (
            "/api/add-policy?id=acme/nope",
            json!({"Ptype": "p", "V0": "x"}),
        ),
        ("/api/add-policy?id=acme/e", json!({"Ptype": "p", "V0": 5})),
    ] {
        kit.post(path, body, &app).await.error(400);
    }
    kit.post(
        "/api/update-policy?id=acme/e",
        json!([{"Ptype": "p", "V0": "x"}]),
        &app,
    )
    .await
    .error(400);

    // IDOR: another organization's application and a plain user get 403, nothing changes.
    let alice = kit.sign_in("acme", "alice", "pw-alice-123").await;
    let before = rules(kit.get("/api/get-policies?id=acme/e", &app).await.ok());
    for who in [&other, &alice] {
        kit.get("/api/get-policies?id=acme/e", who).await.error(403);
        kit.post("/api/get-filtered-policies?id=acme/e", json!([]), who)
            .await
            .error(403);
        kit.post(
            "/api/add-policy?id=acme/e",
            json!({"Ptype": "p", "V0": "acme/alice", "V1": "doc9", "V2": "read"}),
            who,
        )
        .await
        .error(403);
        kit.post("/api/update-policy?id=acme/e", json!([{"Ptype": "g", "V0": "acme/alice", "V1": "acme/reader"}, {"Ptype": "g", "V0": "other/eve", "V1": "acme/reader"}]), who)
            .await
            .error(403);
        kit.post(
            "/api/remove-policy?id=acme/e",
            json!({"Ptype": "g", "V0": "acme/alice", "V1": "acme/reader"}),
            who,
        )
        .await
        .error(403);
    }
    assert_eq!(
        rules(kit.get("/api/get-policies?id=acme/e", &app).await.ok()),
        before
    );

    // Helper reads: a user's own, or a manager's of the user's organization.
    let objects = kit.get("/api/get-all-objects", &alice).await;
    assert_eq!(objects.ok(), &json!(["doc1", "doc2"]));
    assert_eq!(
        kit.get("/api/get-all-actions", &alice).await.ok(),
        &json!(["read"])
    );
    assert_eq!(
        kit.get("/api/get-all-roles", &alice).await.ok(),
        &json!(["reader"])
    );
    assert_eq!(
        kit.get("/api/get-all-roles?userId=acme/alice", &alice)
            .await
            .ok(),
        &json!(["reader"])
    );
    assert_eq!(
        kit.get("/api/get-all-roles?userId=acme/bob", &app)
            .await
            .ok(),
        &json!([])
    );
    assert_eq!(
        kit.get("/api/get-all-objects?userId=acme/bob", &app)
            .await
            .ok(),
        &json!(["doc1", "doc2"])
    );
    for path in [
        "/api/get-all-objects",
        "/api/get-all-actions",
        "/api/get-all-roles",
    ] {
        kit.get(&format!("{path}?userId=acme/bob"), &alice)
            .await
            .error(403);
        kit.get(&format!("{path}?userId=acme/alice"), &other)
            .await
            .error(403);
        kit.get(&format!("{path}?userId=nobody"), &app)
            .await
            .error(400);
        kit.get(path, &app).await.error(400);
    }
    let mine = kit.get("/api/get-permissions-by-submitter", &alice).await;
    assert_eq!(mine.ok().as_array().unwrap().len(), 1);
    assert_eq!(mine.body["data2"], 1);
    let bob = kit.sign_in("acme", "bob", "pw-bob-123").await;
    let his = kit.get("/api/get-permissions-by-submitter", &bob).await;
    assert_eq!(his.ok(), &json!([]), "only what the caller submitted");
    kit.get("/api/get-permissions-by-submitter", &app)
        .await
        .error(400);
});

on_both_backends!(groups_answer_as_a_tree, |kit| {
    let app = org_with_app(kit, "acme", &[]).await;
    let other = org_with_app(kit, "other", &[]).await;
    for (name, parent) in [
        ("eng", ""),
        ("backend", "eng"),
        ("db", "backend"),
        ("sales", ""),
    ] {
        kit.post(
            "/api/add-group",
            json!({"owner": "acme", "name": name, "displayName": name.to_uppercase(), "parentId": parent}),
            &app,
        )
        .await
        .ok();
    }
    let tree = kit
        .get("/api/get-groups?owner=acme&withTree=true", &app)
        .await;
    let t = tree.ok();
    let keys: Vec<&str> = t
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["eng", "sales"]);
    let eng = &t[0];
    assert_eq!(eng["title"], "ENG");
    assert_eq!(eng["haveChildren"], true);
    assert_eq!(eng["children"][0]["key"], "backend");
    assert_eq!(eng["children"][0]["children"][0]["key"], "db");
    assert!(t[1].get("children").is_none());
    // A page: each group says whether it has children and names its parent.
    let page = kit
        .get(
            "/api/get-groups?owner=acme&p=1&pageSize=10&sortField=name",
            &app,
        )
        .await;
    let by_name = |n: &str| {
        page.ok()
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == n)
            .unwrap()
            .clone()
    };
    assert_eq!(by_name("backend")["haveChildren"], true);
    assert_eq!(by_name("backend")["parentName"], "ENG");
    assert_eq!(by_name("db")["haveChildren"], false);
    assert_eq!(by_name("eng")["parentName"], "");
    assert_eq!(page.body["data2"], 4);
    // Another organization sees none of it.
    kit.get("/api/get-groups?owner=acme&withTree=true", &other)
        .await
        .error(403);
    assert_eq!(
        kit.get("/api/get-groups?withTree=true", &other).await.ok(),
        &json!([])
    );
});
