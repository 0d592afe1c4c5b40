//! Concurrent partial updates of different fields of one object: each reads, merges and
//! writes in one transaction with the row locked, so every field ends as written (none is
//! overwritten with a value read before another update committed).

use futures::future::join_all;
use serde_json::json;

use crate::kit::Kit;
use crate::on_both_backends;

const ROUNDS: usize = 8;

/// Round after round, sets each field (to a value of that round) by its own request, all at
/// once; then every field must hold its value of the round.
async fn concurrent_field_updates(kit: &Kit, what: &str, id: &str, fields: &[&str]) {
    for round in 0..ROUNDS {
        let updates = fields.iter().map(|field| {
            let body = json!({ *field: format!("{field}-{round}") });
            async move {
                kit.post(&format!("/api/update-{what}?id={id}"), body, &kit.admin)
                    .await
                    .ok();
            }
        });
        join_all(updates).await;
        let stored = kit
            .get(&format!("/api/get-{what}?id={id}"), &kit.admin)
            .await;
        for field in fields {
            assert_eq!(
                stored.ok()[*field],
                format!("{field}-{round}"),
                "{what} {id}: {field} lost in round {round}"
            );
        }
    }
}

on_both_backends!(concurrent_partial_updates_lose_no_field, |kit| {
    let admin = &kit.admin;
    kit.post("/api/add-organization", json!({"name": "acme"}), admin)
        .await
        .ok();
    kit.post(
        "/api/add-application",
        json!({"name": "web", "organization": "acme"}),
        admin,
    )
    .await
    .ok();
    kit.post(
        "/api/add-provider",
        json!({"name": "sms", "category": "SMS", "type": "Aliyun SMS"}),
        admin,
    )
    .await
    .ok();
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "ann"}),
        admin,
    )
    .await
    .ok();
    let fields = ["displayName", "websiteUrl", "favicon", "defaultAvatar"];
    concurrent_field_updates(kit, "organization", "admin/acme", &fields).await;
    let fields = ["displayName", "logo", "homepageUrl", "description"];
    concurrent_field_updates(kit, "application", "admin/web", &fields).await;
    let fields = ["displayName", "providerUrl", "clientId", "clientId2"];
    concurrent_field_updates(kit, "provider", "admin/sms", &fields).await;
    let fields = [
        "displayName",
        "firstName",
        "lastName",
        "avatar",
        "bio",
        "title",
    ];
    concurrent_field_updates(kit, "user", "acme/ann", &fields).await;
});
