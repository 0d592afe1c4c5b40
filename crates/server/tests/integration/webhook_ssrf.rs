//! The webhook SSRF guard at send time, end to end: webhooks saved where loopback receivers
//! were allowed (node A, `FERRODOOR_WEBHOOK_ALLOW_PRIVATE=true`) are refused when they are
//! sent by a node that does not allow them (node B), both for a literal address and for a
//! name that resolves to one (`localhost`, through the sender's guarded resolver). The
//! receiver gets nothing, and the delivery state says why.

use std::time::Duration;

use serde_json::{Value, json};

use crate::child::spawn_server;
use crate::kit::{Backend, Kit, counting_receiver};

async fn deliveries(kit: &Kit, webhook: &str) -> Vec<Value> {
    kit.get(
        &format!("/api/get-webhook-deliveries?id=admin/{webhook}"),
        &kit.admin,
    )
    .await
    .ok()
    .as_array()
    .unwrap()
    .clone()
}

async fn refused_at_send(backend: Backend) {
    // The in-process server does not send (it polls once at start, then not for an hour).
    let Some(mut kit) = Kit::start_with(backend, |s| s.webhook_poll_ms = 3_600_000).await else {
        return;
    };
    let (port, got) = counting_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let (_a, base_a) = spawn_server(
        &kit,
        dir.path(),
        &[
            ("FERRODOOR_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("FERRODOOR_WEBHOOK_POLL_MS", "3600000"),
        ],
    )
    .await;
    kit.base = base_a;
    kit.post(
        "/api/add-organization",
        json!({"owner": "admin", "name": "acme"}),
        &kit.admin,
    )
    .await
    .ok();
    for (name, host) in [("literal", "127.0.0.1"), ("named", "localhost")] {
        kit.post(
            "/api/add-webhook",
            json!({"owner": "admin", "name": name, "organization": "acme",
                   "url": format!("http://{host}:{port}/hook"), "events": ["add-user"]}),
            &kit.admin,
        )
        .await
        .ok();
    }
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "erin"}),
        &kit.admin,
    )
    .await
    .ok();

    // Node B, without the allowance, is the one that sends.
    let (_b, base_b) = spawn_server(
        &kit,
        dir.path(),
        &[
            ("FERRODOOR_WEBHOOK_POLL_MS", "50"),
            ("FERRODOOR_WEBHOOK_RETRY_BASE_SECONDS", "1"),
        ],
    )
    .await;
    kit.base = base_b;
    for name in ["literal", "named"] {
        let mut last = Vec::new();
        for _ in 0..300 {
            last = deliveries(&kit, name).await;
            if last.len() == 1 && last[0]["attempts"].as_i64() >= Some(1) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(last.len(), 1, "{name}: {last:?}");
        let d = &last[0];
        assert!(d["attempts"].as_i64() >= Some(1), "{name} never tried: {d}");
        assert_eq!(d["state"], "pending", "{name}: retried, not delivered: {d}");
        assert_eq!(d["lastStatus"], 0, "{name}: no request was made: {d}");
        let error = d["lastError"].as_str().unwrap();
        // localhost may resolve to ::1 first.
        assert!(
            error.contains("is loopback, private, link-local or metadata"),
            "{name}: {error}"
        );
        if name == "literal" {
            assert!(error.contains("127.0.0.1"), "{error}");
        }
    }
    assert_eq!(*got.lock().unwrap(), 0, "the receiver got a request");
    kit.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn internal_targets_are_refused_at_send_sqlite() {
    refused_at_send(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn internal_targets_are_refused_at_send_postgres() {
    refused_at_send(Backend::Postgres).await;
}
