//! `RunningServer::stop` ends the webhook sender and the purger too: after a stop, a
//! delivery committed (by another node on the same database) is not sent by the stopped
//! server's sender.

use std::time::Duration;

use serde_json::json;

use crate::child::spawn_server;
use crate::kit::{Backend, Kit, counting_receiver};

async fn nothing_sent_after_stop(backend: Backend) {
    let Some(mut kit) = Kit::start_with(backend, |s| {
        s.webhook_allow_private = true;
        s.webhook_poll_ms = 50;
    })
    .await
    else {
        return;
    };
    let (port, got) = counting_receiver().await;
    let url = format!("http://127.0.0.1:{port}/hook");
    kit.post(
        "/api/add-organization",
        json!({"owner": "admin", "name": "acme"}),
        &kit.admin,
    )
    .await
    .ok();
    kit.post(
        "/api/add-webhook",
        json!({"owner": "admin", "name": "hook", "organization": "acme", "url": url, "events": ["add-user"]}),
        &kit.admin,
    )
    .await
    .ok();
    // The sender runs: an event is delivered.
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "before-stop"}),
        &kit.admin,
    )
    .await
    .ok();
    for _ in 0..300 {
        if *got.lock().unwrap() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(*got.lock().unwrap(), 1, "the running sender delivers");

    kit.server.take().unwrap().stop().await.unwrap();
    // Another node (which polls only once, at its start) commits an event after the stop.
    let dir = tempfile::tempdir().unwrap();
    let (_other, base) = spawn_server(
        &kit,
        dir.path(),
        &[
            ("FERRODOOR_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("FERRODOOR_WEBHOOK_POLL_MS", "3600000"),
        ],
    )
    .await;
    kit.base = base;
    // Its one poll runs as it starts, possibly after it answers health: let it pass first
    // (on a loaded machine it once came after the event below and sent it).
    tokio::time::sleep(Duration::from_millis(1000)).await;
    kit.post(
        "/api/add-user",
        json!({"owner": "acme", "name": "after-stop"}),
        &kit.admin,
    )
    .await
    .ok();
    // Forty of the stopped sender's poll periods: it would have sent by now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(*got.lock().unwrap(), 1, "a stopped server sent a webhook");
    let deliveries = kit
        .get("/api/get-webhook-deliveries?id=admin/hook", &kit.admin)
        .await;
    let list = deliveries.ok().as_array().unwrap().clone();
    let pending: Vec<_> = list.iter().filter(|d| d["state"] == "pending").collect();
    assert_eq!(pending.len(), 1, "{}", deliveries.text);
    assert_eq!(pending[0]["attempts"], 0, "{}", deliveries.text);
    kit.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_is_sent_after_stop_sqlite() {
    nothing_sent_after_stop(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn nothing_is_sent_after_stop_postgres() {
    nothing_sent_after_stop(Backend::Postgres).await;
}
