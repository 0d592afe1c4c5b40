/// A console sign-in (cookie). Only the sha256 of the cookie value is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id_hash: String,
    pub owner: String,
    pub name: String,
    pub created_at: i64,
    pub expires_at: i64,
}
