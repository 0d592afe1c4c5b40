//! Records (Casdoor's audit objects) and the webhook outbox. A record is written in the
//! transaction of the change it describes, and so is one delivery row per enabled webhook
//! of the organization that listens to the event: nothing is recorded or sent for a
//! change that rolled back, and a committed change is never left unsent.

use serde_json::json;

use super::Core;
use crate::authz::Principal;
use crate::clock::Now;
use crate::entity::{Record, User, Webhook, WebhookDelivery};
use crate::error::{Error, Result, UpstreamFailure};
use crate::store::StoreTx;

tokio::task_local! {
    static REQUEST: RequestInfo;
    static LOGIN_METHOD: &'static str;
}

/// Runs `f` (a sign-in) with the method its sign-in records (`signup`, `login`,
/// `login-failed`) carry in `loginMethod`: the HTTP layer's names, the same as the
/// `ferrodoor_logins_total` metric's `method` label.
pub async fn signing_in_by<F: std::future::Future>(method: &'static str, f: F) -> F::Output {
    LOGIN_METHOD.scope(method, f).await
}

/// The sign-in method of a record of `action`: empty unless it is a sign-in event.
fn login_method_of(action: &str) -> String {
    if matches!(action, "signup" | "login" | "login-failed") {
        LOGIN_METHOD
            .try_with(|m| (*m).to_string())
            .unwrap_or_default()
    } else {
        String::new()
    }
}

/// Where a request came from, set by the HTTP layer around each request.
#[derive(Debug, Clone, Default)]
pub struct RequestInfo {
    pub client_ip: String,
    pub method: String,
    /// Path and query; the HTTP layer leaves query values out.
    pub request_uri: String,
    pub language: String,
}

impl RequestInfo {
    /// Runs `f` with this request's information visible to the records it writes.
    pub async fn scope<F: std::future::Future>(self, f: F) -> F::Output {
        REQUEST.scope(self, f).await
    }

    fn current() -> RequestInfo {
        REQUEST.try_with(Clone::clone).unwrap_or_default()
    }
}

/// Every event a record can have, hence every event a webhook may listen to.
pub const EVENTS: &[&str] = &[
    "signup",
    "login",
    "login-failed",
    "logout",
    "add-organization",
    "update-organization",
    "delete-organization",
    "add-application",
    "update-application",
    "delete-application",
    "regenerate-client-secret",
    "rotate-cert",
    "add-provider",
    "update-provider",
    "delete-provider",
    "add-user",
    "update-user",
    "delete-user",
    "revoke-user-tokens",
    "bind-wechat",
    "unbind-wechat",
    "add-webhook",
    "update-webhook",
    "delete-webhook",
    // Casdoor's sessions, tokens and certificates (issue 13)
    "add-session",
    "update-session",
    "delete-session",
    "sso-logout",
    "add-token",
    "update-token",
    "delete-token",
    "add-cert",
    "update-cert",
    "delete-cert",
    // Authorization objects and an enforcer's own policies (issue 12)
    "add-model",
    "update-model",
    "delete-model",
    "add-adapter",
    "update-adapter",
    "delete-adapter",
    "add-enforcer",
    "update-enforcer",
    "delete-enforcer",
    "add-permission",
    "update-permission",
    "delete-permission",
    "add-role",
    "update-role",
    "delete-role",
    "add-group",
    "update-group",
    "delete-group",
    "add-policy",
    "update-policy",
    "remove-policy",
    // WeChat business-domain verification files (issue 14)
    "upload-verification-file",
    "delete-verification-file",
];

/// What happened, to whom, by whom.
pub(crate) struct Event<'a> {
    /// One of [`EVENTS`].
    pub action: &'static str,
    /// The organization it happened in.
    pub organization: &'a str,
    /// The object concerned, `owner/name`.
    pub object: String,
    /// Who acted (see [`Record::user`]).
    pub actor: String,
    /// The user the event is about, sent with `isUserExtended` webhooks.
    pub user: Option<&'a User>,
    /// The status answered and the message of a refusal.
    pub status_code: i64,
    pub message: String,
}

impl<'a> Event<'a> {
    /// A change made by `who` in `organization`.
    pub(crate) fn by(
        who: &Principal,
        action: &'static str,
        organization: &'a str,
        object: String,
    ) -> Self {
        let actor = match who.user() {
            Some(u) if u.owner == organization => u.name.clone(),
            _ => who.subject(),
        };
        Event {
            action,
            organization,
            object,
            actor,
            user: None,
            status_code: 200,
            message: String::new(),
        }
    }

    /// Something `user` did themselves (signed up, in or out).
    pub(crate) fn of_user(action: &'static str, user: &'a User) -> Self {
        Event {
            action,
            organization: &user.owner,
            object: user.id_string(),
            actor: user.name.clone(),
            user: Some(user),
            status_code: 200,
            message: String::new(),
        }
    }

    /// An application signing in for itself (client credentials).
    pub(crate) fn app_login(organization: &'a str, object: String) -> Self {
        Event {
            action: "login",
            status_code: 200,
            ..Event::failed_login(organization, object)
        }
    }

    /// A refused sign-in to `organization` (its status and message are set on recording).
    pub(crate) fn failed_login(organization: &'a str, object: String) -> Self {
        Event {
            action: "login-failed",
            organization,
            object,
            actor: String::new(),
            user: None,
            status_code: 401,
            message: String::new(),
        }
    }

    pub(crate) fn about(mut self, user: &'a User) -> Self {
        self.user = Some(user);
        self
    }
}

/// The status a refusal is answered with (kept in step with the HTTP layer's mapping for
/// the refusals a sign-in meets). Throttled attempts count as 500 here: they are not
/// recorded (a record per throttled guess would be the write load the throttle saves).
fn status_of(error: &Error) -> i64 {
    match error {
        Error::Invalid(_) => 400,
        Error::Unauthenticated(_) => 401,
        Error::Forbidden(_) => 403,
        Error::NotFound(_) => 404,
        Error::OAuth(e) if e.code == crate::error::OAuthErrorCode::InvalidClient => 401,
        Error::OAuth(_) => 400,
        Error::Upstream { failure, .. } => match failure {
            UpstreamFailure::Timeout => 504,
            UpstreamFailure::BadGateway => 502,
            UpstreamFailure::RateLimited => 429,
            UpstreamFailure::Busy => 503,
        },
        _ => 500,
    }
}

/// The record of `event` and one delivery per webhook of `webhooks` (the organization's
/// enabled ones) that listens to it. Runs in the request's task: the record carries the
/// request's address and sign-in method.
pub(crate) fn prepare_record(
    event: Event<'_>,
    webhooks: &[Webhook],
    now: Now,
) -> Result<(Record, Vec<WebhookDelivery>)> {
    let request = RequestInfo::current();
    let response = if event.status_code < 400 {
        json!({"status": "ok", "msg": ""})
    } else {
        json!({"status": "error", "msg": event.message})
    };
    let mut record = Record {
        name: crate::entity::append_only_name(),
        owner: event.organization.to_string(),
        created_time: now.rfc3339(),
        organization: event.organization.to_string(),
        client_ip: request.client_ip,
        user: event.actor,
        method: request.method,
        request_uri: request.request_uri,
        action: event.action.to_string(),
        language: request.language,
        object: event.object,
        response: response.to_string(),
        status_code: event.status_code,
        is_triggered: false,
        login_method: login_method_of(event.action),
    };
    let listening: Vec<&Webhook> = webhooks
        .iter()
        .filter(|w| w.events.iter().any(|e| e == event.action))
        .collect();
    record.is_triggered = !listening.is_empty();
    let mut deliveries = Vec::with_capacity(listening.len());
    for webhook in listening {
        let mut payload = serde_json::to_value(&record)
            .map_err(|e| Error::Internal(format!("record to JSON: {e}")))?;
        if webhook.is_user_extended {
            payload["extendedUser"] = match event.user {
                Some(u) => serde_json::to_value(u.clone().masked())
                    .map_err(|e| Error::Internal(format!("user to JSON: {e}")))?,
                None => serde_json::Value::Null,
            };
        }
        deliveries.push(WebhookDelivery {
            id: crate::entity::append_only_name(),
            webhook_owner: webhook.owner.clone(),
            webhook_name: webhook.name.clone(),
            record_name: record.name.clone(),
            event: record.action.clone(),
            organization: record.organization.clone(),
            payload: payload.to_string(),
            state: "pending".into(),
            created_at: now.unix(),
            next_attempt_at: now.unix(),
            ..WebhookDelivery::default()
        });
    }
    Ok((record, deliveries))
}

impl Core {
    /// Writes the record of `event` and queues its webhook deliveries, in `tx`.
    pub(crate) async fn record(
        &self,
        tx: &mut dyn StoreTx,
        event: Event<'_>,
        now: Now,
    ) -> Result<()> {
        let webhooks = tx.enabled_webhooks(event.organization).await?;
        let (record, deliveries) = prepare_record(event, &webhooks, now)?;
        for delivery in &deliveries {
            tx.insert_webhook_delivery(delivery).await?;
        }
        tx.insert_record(&record).await?;
        Ok(())
    }

    /// Records a refused sign-in in a transaction of its own (the sign-in wrote nothing),
    /// and one WeChat failed (502, 503, 504, 429: the dashboard's WeChat errors). Not our
    /// own failures (500: the database may be what failed). A failure to record is
    /// logged, never answered: the caller gets the refusal.
    pub(crate) async fn record_refusal(&self, mut event: Event<'_>, error: &Error, now: Now) {
        let status = status_of(error);
        if status == 500 {
            return;
        }
        event.status_code = status;
        event.message = error.to_string();
        let result = async {
            let mut tx = self.store.begin().await?;
            self.record(&mut *tx, event, now).await?;
            tx.commit().await?;
            Ok::<_, Error>(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "recording a refused sign-in failed");
        }
    }

    /// Deletes records older than `retention_days` and finished deliveries as old.
    pub async fn purge_records(&self, retention_days: i64, now: Now) -> Result<u64> {
        let before = now.plus_seconds(-retention_days.saturating_mul(86_400));
        let mut tx = self.store.begin().await?;
        let n = tx.purge_records(&before.rfc3339(), before.unix()).await?;
        tx.commit().await?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_is_named_once() {
        let mut names = EVENTS.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EVENTS.len());
    }
}
