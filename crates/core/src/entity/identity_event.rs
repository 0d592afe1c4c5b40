/// A record of a WeChat identity being linked to or unlinked from a user: when, by whom.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IdentityEvent {
    pub organization: String,
    pub appid: String,
    pub openid: String,
    pub user_name: String,
    /// `link` or `unlink`.
    pub action: String,
    /// Who did it: `owner/name` of a user, or `app/<name>`.
    pub actor: String,
    /// How: `login`, `phone-login`, `bind`, `unbind`, `admin`.
    pub method: String,
    pub created_time: String,
}
