use serde::{Deserialize, Serialize};

/// A row per issued access token (and its refresh token). The JWT itself is not stored:
/// its `jti` names this row, which is how revocation reaches a signed token.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Token {
    pub owner: String,
    pub name: String,
    pub created_time: String,
    pub application: String,
    pub organization: String,
    /// The user's name in `organization`; empty for client-credentials tokens.
    pub user: String,
    /// Access-token lifetime in seconds.
    pub expires_in: i64,
    pub scope: String,
    pub token_type: String,
    pub grant_type: String,
    #[serde(skip)]
    pub expires_at: i64,
    /// sha256 (hex) of the opaque refresh token; the token itself is only in the answer.
    #[serde(skip)]
    pub refresh_token_hash: Option<String>,
    #[serde(skip)]
    pub refresh_expires_at: i64,
    pub revoked: bool,
    /// The name of the first token of a refresh chain: every rotation keeps it, so reuse
    /// of a spent refresh token can revoke the whole chain (RFC 6819 §5.2.2.3).
    #[serde(skip)]
    pub family: String,
    /// When the user signed in (unix seconds); kept across refreshes for `auth_time`.
    #[serde(skip)]
    pub auth_time: i64,
}
