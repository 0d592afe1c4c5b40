//! `authorization_codes`: OAuth authorization codes, single use, kept until they expire so
//! a replay is recognized. Never listed.

use ferrodoor_core::entity::AuthorizationCode;
use ferrodoor_core::store::StoreResult;

use super::IntoEntity;

#[derive(sqlx::FromRow)]
pub(crate) struct AuthorizationCodeRow {
    code_hash: String,
    application: String,
    organization: String,
    user_name: String,
    redirect_uri: String,
    scope: String,
    nonce: String,
    code_challenge: String,
    code_challenge_method: String,
    auth_time: i64,
    expires_at: i64,
    used: bool,
    token_name: Option<String>,
}

impl IntoEntity for AuthorizationCodeRow {
    type Entity = AuthorizationCode;

    fn into_entity(self) -> StoreResult<AuthorizationCode> {
        let r = self;
        Ok(AuthorizationCode {
            code_hash: r.code_hash,
            application: r.application,
            organization: r.organization,
            user_name: r.user_name,
            redirect_uri: r.redirect_uri,
            scope: r.scope,
            nonce: r.nonce,
            code_challenge: r.code_challenge,
            code_challenge_method: r.code_challenge_method,
            auth_time: r.auth_time,
            expires_at: r.expires_at,
            used: r.used,
            token_name: r.token_name,
        })
    }
}

/// Expands the authorization code queries for the backend in scope; see [`crate::backend`].
macro_rules! authorization_code_queries {
    () => {
        pub(crate) async fn insert_authorization_code(
            c: &mut Conn,
            a: &AuthorizationCode,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO authorization_codes (code_hash, application, organization, \
                 user_name, redirect_uri, scope, nonce, code_challenge, code_challenge_method, \
                 auth_time, expires_at, used, token_name) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(&a.code_hash)
            .bind(&a.application)
            .bind(&a.organization)
            .bind(&a.user_name)
            .bind(&a.redirect_uri)
            .bind(&a.scope)
            .bind(&a.nonce)
            .bind(&a.code_challenge)
            .bind(&a.code_challenge_method)
            .bind(a.auth_time)
            .bind(a.expires_at)
            .bind(a.used)
            .bind(&a.token_name)
            .execute(&mut *c)
            .await
            .map_err(db_error)
            // The hash of a random code: a clash means the same code was stored twice.
            .on_conflict(|_| "authorization code already exists".to_string())?;
            Ok(())
        }

        /// Reads the code as it is and marks it used. On PostgreSQL the row stays locked
        /// until the transaction ends, so of concurrent uses exactly one reads `used ==
        /// false`; the others wait and then read it used. On SQLite the single writer
        /// serializes the transactions to the same effect.
        pub(crate) async fn use_authorization_code(
            c: &mut Conn,
            code_hash: &str,
        ) -> StoreResult<Option<AuthorizationCode>> {
            let sql = if LOCK_ROWS {
                "SELECT * FROM authorization_codes WHERE code_hash = $1 FOR UPDATE"
            } else {
                "SELECT * FROM authorization_codes WHERE code_hash = $1"
            };
            let row: Option<AuthorizationCodeRow> = sqlx::query_as(sql)
                .bind(code_hash)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)?;
            let Some(row) = row else { return Ok(None) };
            let code = row.into_entity()?;
            if !code.used {
                sqlx::query("UPDATE authorization_codes SET used = TRUE WHERE code_hash = $1")
                    .bind(code_hash)
                    .execute(&mut *c)
                    .await
                    .map_err(db_error)?;
            }
            Ok(Some(code))
        }

        /// Nothing happens for an unknown (or already purged) code.
        pub(crate) async fn set_authorization_code_token(
            c: &mut Conn,
            code_hash: &str,
            token_name: &str,
        ) -> StoreResult<()> {
            sqlx::query("UPDATE authorization_codes SET token_name = $2 WHERE code_hash = $1")
                .bind(code_hash)
                .bind(token_name)
                .execute(&mut *c)
                .await
                .map_err(db_error)?;
            Ok(())
        }
    };
}
pub(crate) use authorization_code_queries;
