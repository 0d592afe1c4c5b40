//! `sessions` (console sign-ins) and the purge of everything that expires.

use ferrodoor_core::entity::Session;

crate::tables::table! {
    SessionRow for Session in "sessions" {
        key {
            id_hash: String = "id_hash", secret;
        }
        columns {
            owner: String = "owner", unlisted;
            name: String = "name", unlisted;
            created_at: i64 = "created_at", unlisted;
            expires_at: i64 = "expires_at", unlisted;
        }
        conflict = |_, _| "session already exists".to_string();
    }
}

/// Expands the purge for the backend in scope; see [`crate::backend`].
macro_rules! session_queries {
    () => {
        /// A token goes once both its access and its refresh lifetime are over.
        pub(crate) async fn purge_expired(c: &mut Conn, now: i64) -> StoreResult<u64> {
            let mut deleted = 0;
            for sql in [
                "DELETE FROM wechat_code_claims WHERE expires_at < $1",
                "DELETE FROM authorization_codes WHERE expires_at < $1",
                "DELETE FROM sessions WHERE expires_at < $1",
                "DELETE FROM wechat_scan_tickets WHERE expires_at < $1",
                "DELETE FROM tokens WHERE expires_at < $1 AND refresh_expires_at < $1",
            ] {
                deleted += execute(c, sql, vec![now.into()]).await?;
            }
            Ok(deleted)
        }
    };
}
pub(crate) use session_queries;
