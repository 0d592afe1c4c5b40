//! `sessions` (console sign-ins) and the purge of everything that expires.

use ferrodoor_core::entity::Session;
use ferrodoor_core::store::StoreResult;

use super::IntoEntity;

#[derive(sqlx::FromRow)]
pub(crate) struct SessionRow {
    id_hash: String,
    owner: String,
    name: String,
    created_at: i64,
    expires_at: i64,
}

impl IntoEntity for SessionRow {
    type Entity = Session;

    fn into_entity(self) -> StoreResult<Session> {
        let r = self;
        Ok(Session {
            id_hash: r.id_hash,
            owner: r.owner,
            name: r.name,
            created_at: r.created_at,
            expires_at: r.expires_at,
        })
    }
}

/// Expands the session queries for the backend in scope; see [`crate::backend`].
macro_rules! session_queries {
    () => {
        pub(crate) async fn get_session(
            c: &mut Conn,
            id_hash: &str,
        ) -> StoreResult<Option<Session>> {
            let row: Option<SessionRow> =
                sqlx::query_as("SELECT * FROM sessions WHERE id_hash = $1")
                    .bind(id_hash)
                    .fetch_optional(&mut *c)
                    .await
                    .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
        }

        pub(crate) async fn insert_session(c: &mut Conn, s: &Session) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO sessions (id_hash, owner, name, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&s.id_hash)
            .bind(&s.owner)
            .bind(&s.name)
            .bind(s.created_at)
            .bind(s.expires_at)
            .execute(&mut *c)
            .await
            .map_err(db_error)
            .on_conflict(|_| "session already exists".to_string())?;
            Ok(())
        }

        pub(crate) async fn delete_session(c: &mut Conn, id_hash: &str) -> StoreResult<bool> {
            let done = sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(&mut *c)
                .await
                .map_err(db_error)?;
            Ok(done.rows_affected() > 0)
        }

        /// A token goes once both its access and its refresh lifetime are over.
        pub(crate) async fn purge_expired(c: &mut Conn, now: i64) -> StoreResult<u64> {
            let mut deleted = 0;
            for sql in [
                "DELETE FROM wechat_code_claims WHERE expires_at < $1",
                "DELETE FROM authorization_codes WHERE expires_at < $1",
                "DELETE FROM sessions WHERE expires_at < $1",
                "DELETE FROM tokens WHERE expires_at < $1 AND refresh_expires_at < $1",
            ] {
                let done = sqlx::query(sql)
                    .bind(now)
                    .execute(&mut *c)
                    .await
                    .map_err(db_error)?;
                deleted += done.rows_affected();
            }
            Ok(deleted)
        }
    };
}
pub(crate) use session_queries;
