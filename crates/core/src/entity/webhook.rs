use serde::{Deserialize, Serialize};

/// A header a webhook adds to each delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookHeader {
    pub name: String,
    pub value: String,
}

/// Casdoor's `Webhook`: where the records of chosen events of an organization are sent.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Webhook {
    pub owner: String,
    pub name: String,
    pub created_time: String,
    pub organization: String,
    pub url: String,
    pub method: String,
    pub content_type: String,
    pub headers: Vec<WebhookHeader>,
    pub events: Vec<String>,
    pub is_user_extended: bool,
    #[serde(default = "crate::entity::default_true")]
    pub is_enabled: bool,
    /// The HMAC-SHA256 key of the signature header (new in Ferrodoor). Write-only: answers
    /// show `***`; stored sealed.
    pub secret: String,
    #[serde(skip)]
    pub secret_sealed: String,
}

impl Webhook {
    pub const FIELDS: &'static [&'static str] = &[
        "owner",
        "name",
        "createdTime",
        "organization",
        "url",
        "method",
        "contentType",
        "headers",
        "events",
        "isUserExtended",
        "isEnabled",
        "secret",
    ];

    pub fn id_string(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

/// One send of one record to one webhook: the outbox row, written in the event's
/// transaction, leased by one node at a time and retried with backoff.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookDelivery {
    pub id: String,
    pub webhook_owner: String,
    pub webhook_name: String,
    pub record_name: String,
    pub event: String,
    pub organization: String,
    /// The JSON body sent.
    pub payload: String,
    /// `pending`, `delivered` or `failed` (gave up).
    pub state: String,
    pub attempts: i64,
    /// Unix seconds.
    pub next_attempt_at: i64,
    /// Unix seconds; a node owns the delivery until then.
    pub lease_until: i64,
    /// The receiver's last HTTP status (0: no answer).
    pub last_status: i64,
    pub last_error: String,
    pub created_at: i64,
    pub delivered_at: i64,
}

super::debug_without_secrets!(Webhook: owner, name, url);
