/// An OAuth authorization code, stored by its sha256 only. Single use, minutes long, bound
/// to the client and the redirect URI it was issued for. A used code is kept until it
/// expires so a replay can be detected (and the tokens issued from it revoked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    pub code_hash: String,
    /// Application name.
    pub application: String,
    pub organization: String,
    pub user_name: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: String,
    /// PKCE challenge; empty when the (confidential) client sent none.
    pub code_challenge: String,
    /// `S256` or `plain`.
    pub code_challenge_method: String,
    /// When the user signed in (unix seconds), for the ID token's `auth_time`.
    pub auth_time: i64,
    pub expires_at: i64,
    pub used: bool,
    /// The token row issued for this code, once it was exchanged.
    pub token_name: Option<String>,
}
