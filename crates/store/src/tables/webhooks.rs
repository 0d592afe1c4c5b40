//! `webhooks` (Casdoor's objects) and `webhook_deliveries`, their outbox.

use ferrodoor_core::entity::{Webhook, WebhookDelivery};

crate::tables::table! {
    /// The signing secret is stored sealed, never listed.
    WebhookRow for Webhook in "webhooks" {
        key {
            owner: String = "owner", list("owner", Text);
            name: String = "name", list("name", Text);
        }
        columns {
            created_time: String = "created_time", list("createdTime", Text);
            organization: String = "organization", list("organization", Text);
            url: String = "url", list("url", Text);
            method: String = "method", list("method", Text);
            content_type: String = "content_type", list("contentType", Text);
            headers: String = "headers", unlisted, json;
            events: String = "events", unlisted, json;
            is_user_extended: bool = "is_user_extended", list("isUserExtended", Bool);
            is_enabled: bool = "is_enabled", list("isEnabled", Bool);
            secret_sealed: String = "secret_sealed", secret;
        }
        defaults { secret: String::new() }
        conflict = |w, _db_message| format!("webhook {} already exists", w.id_string());
    }
}

crate::tables::table! {
    /// Written with the event, updated only by the node holding its lease.
    DeliveryRow for WebhookDelivery in "webhook_deliveries" {
        key {
            id: String = "id", list("id", Text);
        }
        columns {
            webhook_owner: String = "webhook_owner", unlisted;
            webhook_name: String = "webhook_name", unlisted;
            record_name: String = "record_name", list("recordName", Text);
            event: String = "event", list("event", Text);
            organization: String = "organization", list("organization", Text);
            payload: String = "payload", unlisted;
            state: String = "state", list("state", Text);
            attempts: i64 = "attempts", list("attempts", Number);
            next_attempt_at: i64 = "next_attempt_at", list("nextAttemptAt", Number);
            lease_until: i64 = "lease_until", unlisted;
            last_status: i64 = "last_status", list("lastStatus", Number);
            last_error: String = "last_error", unlisted;
            created_at: i64 = "created_at", list("createdAt", Number);
            delivered_at: i64 = "delivered_at", unlisted;
        }
    }
}

pub(crate) const ENABLED_OF_ORGANIZATION: &str =
    "SELECT * FROM webhooks WHERE organization = $1 AND is_enabled = TRUE ORDER BY owner, name";
pub(crate) const DUE: &str = "SELECT * FROM webhook_deliveries \
     WHERE state = 'pending' AND next_attempt_at <= $1 AND lease_until <= $1 \
     ORDER BY next_attempt_at, created_at LIMIT $2";
/// Takes the lease only if nobody holds it: of several nodes, exactly one sees a row change.
pub(crate) const LEASE: &str = "UPDATE webhook_deliveries SET lease_until = $2 \
     WHERE id = $1 AND state = 'pending' AND lease_until <= $3";
pub(crate) const OF_WEBHOOK: &str = "SELECT * FROM webhook_deliveries \
     WHERE webhook_owner = $1 AND webhook_name = $2 ORDER BY created_at, id";

/// Expands the webhook queries for the backend in scope; see [`crate::backend`].
macro_rules! webhook_queries {
    () => {
        pub(crate) async fn enabled_webhooks(
            c: &mut Conn,
            organization: &str,
        ) -> StoreResult<Vec<Webhook>> {
            let args = vec![organization.into()];
            fetch_all::<WebhookRow>(c, webhooks::ENABLED_OF_ORGANIZATION, args).await
        }

        pub(crate) async fn due_deliveries(
            c: &mut Conn,
            now: i64,
            limit: i64,
        ) -> StoreResult<Vec<WebhookDelivery>> {
            fetch_all::<DeliveryRow>(c, webhooks::DUE, vec![now.into(), limit.into()]).await
        }

        pub(crate) async fn lease_delivery(
            c: &mut Conn,
            id: &str,
            now: i64,
            until: i64,
        ) -> StoreResult<bool> {
            let args = vec![id.into(), until.into(), now.into()];
            Ok(execute(c, webhooks::LEASE, args).await? == 1)
        }

        pub(crate) async fn list_deliveries(
            c: &mut Conn,
            owner: &str,
            name: &str,
        ) -> StoreResult<Vec<WebhookDelivery>> {
            let args = vec![owner.into(), name.into()];
            fetch_all::<DeliveryRow>(c, webhooks::OF_WEBHOOK, args).await
        }

        pub(crate) async fn delete_webhook(
            c: &mut Conn,
            owner: &str,
            name: &str,
        ) -> StoreResult<bool> {
            let sql =
                "DELETE FROM webhook_deliveries WHERE webhook_owner = $1 AND webhook_name = $2";
            execute(c, sql, vec![owner.into(), name.into()]).await?;
            delete::<WebhookRow>(c, (owner, name)).await
        }

        /// Deletes finished deliveries created before `before` (unix seconds).
        pub(crate) async fn purge_deliveries(c: &mut Conn, before: i64) -> StoreResult<u64> {
            let sql = "DELETE FROM webhook_deliveries WHERE created_at < $1 AND state <> 'pending'";
            execute(c, sql, vec![before.into()]).await
        }
    };
}
pub(crate) use webhook_queries;
