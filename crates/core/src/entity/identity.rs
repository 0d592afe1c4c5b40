/// A WeChat identity linked to a user: unique per (organization, appid, openid), enforced
/// by the database. `unionid` links the identities of one person across the apps of one
/// WeChat Open Platform account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WeChatIdentity {
    pub organization: String,
    pub appid: String,
    pub openid: String,
    pub unionid: Option<String>,
    pub user_name: String,
    pub created_time: String,
    pub updated_time: String,
    /// WeChat's `session_key` of the latest login, sealed with the server's secret key
    /// (AES-256-GCM). Needed to decrypt the mini program's `encryptedData`; never shown.
    #[serde(skip)]
    pub session_key_sealed: Option<String>,
}
