use serde::{Deserialize, Serialize};

/// Casdoor's `Record`: one management write, sign-in, sign-out or failed sign-in. Written
/// in the transaction of the change it describes; never holds a secret or a token.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Record {
    pub name: String,
    /// The organization, as in Casdoor (`owner` = `organization`).
    pub owner: String,
    pub created_time: String,
    /// The organization of the object changed or of the user signing in (Casdoor: the
    /// caller's), so an organization's admins and webhooks see what happens in it.
    pub organization: String,
    pub client_ip: String,
    /// Who acted: the user's name when they belong to `organization`, else their
    /// `owner/name` (`app/<name>` for an application).
    pub user: String,
    pub method: String,
    /// The path and query, without query values that could be secrets.
    pub request_uri: String,
    /// The event: `login`, `logout`, `signup`, `add-user`, … (Casdoor: the API path).
    pub action: String,
    pub language: String,
    /// The object concerned, `owner/name` (Casdoor stores the request body, secrets and
    /// all; Ferrodoor stores only which object).
    pub object: String,
    /// `{"status":"ok"}` or `{"status":"error","msg":…}`.
    pub response: String,
    pub status_code: i64,
    /// Whether a webhook delivery was queued for it.
    pub is_triggered: bool,
    /// Ferrodoor's: how a sign-in record's user signed in (`signup`, `login`,
    /// `login-failed`), with the names of the `ferrodoor_logins_total` metric's `method`
    /// label (`wechat_miniprogram`, `password`, …); empty for other records.
    pub login_method: String,
}

impl Record {
    pub const LIST_FIELDS: &'static [&'static str] = &[
        "name",
        "createdTime",
        "organization",
        "clientIp",
        "user",
        "method",
        "action",
        "object",
        "statusCode",
        "loginMethod",
    ];
}
