//! Records (read) and webhooks (managed by the admins of their organization), and the
//! outbox's two steps the sender calls: claim due deliveries, note how each went.

use aws_lc_rs::hmac;
use serde_json::Value;

use super::audit::{EVENTS, Event};
use super::{Core, ListParams};
use crate::authz::{Principal, require_can_audit};
use crate::clock::Now;
use crate::entity::{
    GLOBAL_OWNER, MASK, Record, Webhook, WebhookDelivery, WebhookHeader, validate_name,
};
use crate::error::{Error, Result};
use crate::fields;
use crate::store::{Page, StoreError};

pub const WEBHOOK_LIST_FIELDS: &[&str] = &[
    "name",
    "createdTime",
    "organization",
    "url",
    "method",
    "isEnabled",
];
/// Casdoor fields Ferrodoor accepts and does not model.
const IGNORED: &[&str] = &["tokenFields", "singleOrgOnly"];
/// The header carrying `sha256=<hex HMAC-SHA256 of the body>`.
pub const SIGNATURE_HEADER: &str = "X-Ferrodoor-Signature-256";
/// After this many failed attempts a delivery is given up (`failed`).
pub const MAX_ATTEMPTS: i64 = 12;
/// The longest wait between two attempts.
const MAX_BACKOFF_SECONDS: i64 = 3600;

/// A delivery to send now: its row (leased to this node) and the request to make.
#[derive(Debug, Clone)]
pub struct OutgoingDelivery {
    pub delivery: WebhookDelivery,
    pub url: String,
    pub method: String,
    pub content_type: String,
    pub headers: Vec<WebhookHeader>,
    /// The value of [`SIGNATURE_HEADER`].
    pub signature: String,
}

/// How a send went: the receiver's status (0: no answer) and, when it failed, why.
#[derive(Debug, Clone)]
pub struct SendOutcome {
    pub status: u16,
    pub error: Option<String>,
}

/// `sha256=<hex>` of `body` under `secret`; receivers compute the same to verify.
pub fn webhook_signature(secret: &str, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes());
    format!("sha256={}", hex::encode(hmac::sign(&key, body).as_ref()))
}

/// The wait before attempt `attempts + 1`: `base`, doubling, at most an hour.
pub fn backoff_seconds(base: i64, attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    base.max(1)
        .saturating_mul(1_i64 << doublings)
        .min(MAX_BACKOFF_SECONDS)
}

fn mask(mut w: Webhook) -> Webhook {
    w.secret = if w.secret_sealed.is_empty() {
        String::new()
    } else {
        MASK.to_string()
    };
    w.secret_sealed.clear();
    w
}

fn not_found(owner: &str, name: &str) -> Error {
    Error::not_found(format!("webhook {owner}/{name} not found"))
}

impl Core {
    /// `organization`: one organization's records (its admins); None: all (global admins).
    pub async fn list_records(
        &self,
        who: &Principal,
        organization: Option<&str>,
        params: &ListParams,
    ) -> Result<Page<Record>> {
        let query = params.to_query(Record::LIST_FIELDS)?;
        require_can_audit(who, organization)?;
        Ok(self.store.list_records(organization, &query).await?)
    }

    pub async fn get_record(&self, who: &Principal, name: &str) -> Result<Record> {
        let record = self.store.get_record(name).await?;
        // The same answer for another organization's record and none, so names cannot be
        // probed.
        match record {
            Some(r) if require_can_audit(who, Some(&r.organization)).is_ok() => Ok(r),
            _ => Err(Error::not_found(format!("record {name} not found"))),
        }
    }

    pub async fn list_webhooks(
        &self,
        who: &Principal,
        organization: Option<&str>,
        params: &ListParams,
    ) -> Result<Page<Webhook>> {
        let query = params.to_query(WEBHOOK_LIST_FIELDS)?;
        require_can_audit(who, organization)?;
        let page = self.store.list_webhooks(organization, &query).await?;
        Ok(Page {
            total: page.total,
            items: page.items.into_iter().map(mask).collect(),
        })
    }

    pub async fn get_webhook(&self, who: &Principal, owner: &str, name: &str) -> Result<Webhook> {
        let webhook = self
            .store
            .get_webhook(owner, name)
            .await?
            .ok_or_else(|| not_found(owner, name))?;
        require_can_audit(who, Some(&webhook.organization))?;
        Ok(mask(webhook))
    }

    /// A webhook's deliveries with their state (attempts, last status and error).
    pub async fn list_webhook_deliveries(
        &self,
        who: &Principal,
        owner: &str,
        name: &str,
    ) -> Result<Vec<WebhookDelivery>> {
        self.get_webhook(who, owner, name).await?;
        Ok(self.store.list_webhook_deliveries(owner, name).await?)
    }

    /// Creates a webhook. Without a `secret` one is generated: the answer then shows it,
    /// once; later answers show `***`.
    pub async fn add_webhook(&self, who: &Principal, body: &Value, now: Now) -> Result<Webhook> {
        let map = fields::object(body, Webhook::FIELDS, IGNORED)?;
        let mut webhook: Webhook = fields::build(map, Webhook::FIELDS)?;
        if webhook.owner.is_empty() {
            webhook.owner = GLOBAL_OWNER.into();
        }
        validate_name("webhook", &webhook.name)?;
        require_can_audit(who, Some(&webhook.organization))?;
        webhook.created_time = now.rfc3339();
        if webhook.secret.is_empty() || webhook.secret == MASK {
            webhook.secret = crate::token::random_token(32);
        }
        self.check_webhook(&mut webhook).await?;
        webhook.secret_sealed = self.sealer.seal(&webhook.secret)?;
        let mut tx = self.store.begin().await?;
        if tx.get_organization(&webhook.organization).await?.is_none() {
            return Err(Error::invalid(format!(
                "organization {:?} does not exist",
                webhook.organization
            )));
        }
        tx.insert_webhook(&webhook).await.map_err(|e| match e {
            StoreError::Conflict(m) => Error::Conflict(m),
            other => other.into(),
        })?;
        let event = Event::by(
            who,
            "add-webhook",
            &webhook.organization,
            webhook.id_string(),
        );
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        webhook.secret_sealed.clear();
        Ok(webhook)
    }

    /// Applies the fields present in `body`, the row locked; `***` keeps the secret.
    pub async fn update_webhook(
        &self,
        who: &Principal,
        owner: &str,
        name: &str,
        body: &Value,
        now: Now,
    ) -> Result<bool> {
        let map = fields::object(body, Webhook::FIELDS, IGNORED)?;
        let mut tx = self.store.begin().await?;
        let current = tx
            .get_webhook_for_update(owner, name)
            .await?
            .ok_or_else(|| not_found(owner, name))?;
        require_can_audit(who, Some(&current.organization))?;
        let mut updated: Webhook = fields::merge(&mask(current.clone()), map, Webhook::FIELDS)?;
        if updated.owner != current.owner
            || updated.name != current.name
            || updated.organization != current.organization
            || updated.created_time != current.created_time
        {
            return Err(Error::invalid(
                "owner, name, organization and createdTime of a webhook cannot be changed",
            ));
        }
        updated.secret_sealed = if updated.secret.is_empty() || updated.secret == MASK {
            current.secret_sealed.clone()
        } else {
            self.sealer.seal(&updated.secret)?
        };
        self.check_webhook(&mut updated).await?;
        updated.secret.clear();
        let mut unchanged = current.clone();
        unchanged.secret.clear();
        if updated == unchanged {
            return Ok(false);
        }
        let affected = tx.update_webhook(&updated).await?;
        let event = Event::by(
            who,
            "update-webhook",
            &current.organization,
            current.id_string(),
        );
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        Ok(affected)
    }

    pub async fn delete_webhook(
        &self,
        who: &Principal,
        owner: &str,
        name: &str,
        now: Now,
    ) -> Result<bool> {
        let mut tx = self.store.begin().await?;
        let Some(current) = tx.get_webhook_for_update(owner, name).await? else {
            return Ok(false);
        };
        require_can_audit(who, Some(&current.organization))?;
        let affected = tx.delete_webhook(owner, name).await?;
        let event = Event::by(
            who,
            "delete-webhook",
            &current.organization,
            current.id_string(),
        );
        self.record(&mut *tx, event, now).await?;
        tx.commit().await?;
        Ok(affected)
    }

    /// Defaults, known events, a method that carries a body, a reachable public URL.
    async fn check_webhook(&self, w: &mut Webhook) -> Result<()> {
        if w.method.is_empty() {
            w.method = "POST".into();
        }
        w.method = w.method.to_ascii_uppercase();
        if !matches!(w.method.as_str(), "POST" | "PUT" | "PATCH") {
            return Err(Error::invalid(
                "a webhook's method must be POST, PUT or PATCH",
            ));
        }
        if w.content_type.is_empty() {
            w.content_type = "application/json".into();
        }
        if let Some(e) = w.events.iter().find(|e| !EVENTS.contains(&e.as_str())) {
            return Err(Error::invalid(format!(
                "unknown event {e:?}; events are {}",
                EVENTS.join(", ")
            )));
        }
        let bad_header = |h: &WebhookHeader| {
            h.name.is_empty()
                || !h
                    .name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                || h.value.bytes().any(|b| b.is_ascii_control())
        };
        if w.headers.iter().any(bad_header) {
            return Err(Error::invalid(
                "webhook header names are letters, digits and '-'; values have no control characters",
            ));
        }
        crate::netguard::check_url(&w.url, self.config.webhook_allow_private).await
    }

    /// Leases up to `limit` due deliveries to this node for `lease_seconds` and answers
    /// them ready to send. Of several nodes, exactly one leases each delivery.
    pub async fn claim_webhook_deliveries(
        &self,
        now: Now,
        lease_seconds: i64,
        limit: i64,
    ) -> Result<Vec<OutgoingDelivery>> {
        let due = self.store.due_webhook_deliveries(now.unix(), limit).await?;
        let mut claimed = Vec::with_capacity(due.len());
        for mut delivery in due {
            let mut tx = self.store.begin().await?;
            let until = now.unix() + lease_seconds;
            if !tx
                .lease_webhook_delivery(&delivery.id, now.unix(), until)
                .await?
            {
                continue;
            }
            delivery.lease_until = until;
            let webhook = tx
                .get_webhook(&delivery.webhook_owner, &delivery.webhook_name)
                .await?;
            tx.commit().await?;
            match webhook {
                Some(w) if w.is_enabled => {
                    let secret = self.sealer.open(&w.secret_sealed).ok_or_else(|| {
                        Error::Internal(format!(
                            "the secret of webhook {} cannot be opened",
                            w.name
                        ))
                    })?;
                    claimed.push(OutgoingDelivery {
                        signature: webhook_signature(&secret, delivery.payload.as_bytes()),
                        delivery,
                        url: w.url,
                        method: w.method,
                        content_type: w.content_type,
                        headers: w.headers,
                    });
                }
                _ => {
                    delivery.state = "failed".into();
                    delivery.last_error = "the webhook was disabled".into();
                    delivery.lease_until = 0;
                    self.save_delivery(&delivery).await?;
                }
            }
        }
        Ok(claimed)
    }

    /// Notes how a send went: delivered on a 2xx; else retried after the backoff (from
    /// `backoff_base` seconds), given up after [`MAX_ATTEMPTS`].
    pub async fn finish_webhook_delivery(
        &self,
        mut delivery: WebhookDelivery,
        outcome: &SendOutcome,
        backoff_base: i64,
        now: Now,
    ) -> Result<()> {
        delivery.attempts += 1;
        delivery.lease_until = 0;
        delivery.last_status = i64::from(outcome.status);
        delivery.last_error = outcome.error.clone().unwrap_or_default();
        let delivered = outcome.error.is_none() && (200..300).contains(&outcome.status);
        if delivered {
            delivery.state = "delivered".into();
            delivery.delivered_at = now.unix();
        } else if delivery.attempts >= MAX_ATTEMPTS {
            delivery.state = "failed".into();
        } else {
            delivery.next_attempt_at =
                now.unix() + backoff_seconds(backoff_base, delivery.attempts);
        }
        crate::telemetry::webhook_attempt(match delivery.state.as_str() {
            "delivered" => "delivered",
            "failed" => "failed",
            _ => "retry",
        });
        self.save_delivery(&delivery).await
    }

    async fn save_delivery(&self, delivery: &WebhookDelivery) -> Result<()> {
        let mut tx = self.store.begin().await?;
        tx.update_webhook_delivery(delivery).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hmac_sha256_of_the_body() {
        // RFC 4231 test case 2.
        assert_eq!(
            webhook_signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        assert_eq!(backoff_seconds(5, 1), 5);
        assert_eq!(backoff_seconds(5, 2), 10);
        assert_eq!(backoff_seconds(5, 4), 40);
        assert_eq!(backoff_seconds(5, 30), 3600);
    }
}
