//! `casdoor_sessions`: Casdoor's Session objects (one per user and application).

use ferrodoor_core::entity::CasdoorSession;

crate::tables::table! {
    CasdoorSessionRow for CasdoorSession in "casdoor_sessions" {
        key {
            owner: String = "owner", list("owner", Text);
            name: String = "name", list("name", Text);
            application: String = "application", list("application", Text);
        }
        columns {
            created_time: String = "created_time", list("createdTime", Text);
            session_id: String = "session_id", unlisted, json;
        }
        conflict = |s, _| format!("session {} already exists", s.id_string());
    }
}

/// Expands the session-object queries for the backend in scope; see [`crate::backend`].
macro_rules! casdoor_session_queries {
    () => {
        /// Everything a user is signed in with: their Session objects and console sessions.
        pub(crate) async fn delete_user_sessions(
            c: &mut Conn,
            owner: &str,
            name: &str,
        ) -> StoreResult<u64> {
            let mut deleted = 0;
            for sql in [
                "DELETE FROM casdoor_sessions WHERE owner = $1 AND name = $2",
                "DELETE FROM sessions WHERE owner = $1 AND name = $2",
            ] {
                deleted += execute(c, sql, vec![owner.into(), name.into()]).await?;
            }
            Ok(deleted)
        }
    };
}
pub(crate) use casdoor_session_queries;
