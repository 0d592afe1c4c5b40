//! `tokens`: rows, list allow-list and queries.

use ferrodoor_core::entity::Token;
use ferrodoor_core::store::StoreResult;

use super::IntoEntity;
use crate::list::{Kind, Table};

/// The JSON fields of [`Token`]; the refresh-token hash is never listed or matched.
pub(crate) const TABLE: Table = Table {
    name: "tokens",
    fields: &[
        ("owner", "owner", Kind::Text),
        ("name", "name", Kind::Text),
        ("createdTime", "created_time", Kind::Text),
        ("application", "application", Kind::Text),
        ("organization", "organization", Kind::Text),
        ("user", "user_name", Kind::Text),
        ("expiresIn", "expires_in", Kind::Number),
        ("scope", "scope", Kind::Text),
        ("tokenType", "token_type", Kind::Text),
        ("grantType", "grant_type", Kind::Text),
        ("revoked", "revoked", Kind::Bool),
    ],
    key: "name",
};

#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    owner: String,
    name: String,
    created_time: String,
    application: String,
    organization: String,
    user_name: String,
    expires_in: i64,
    scope: String,
    token_type: String,
    grant_type: String,
    expires_at: i64,
    refresh_token_hash: Option<String>,
    refresh_expires_at: i64,
    revoked: bool,
    family: String,
    auth_time: i64,
}

impl IntoEntity for TokenRow {
    type Entity = Token;

    fn into_entity(self) -> StoreResult<Token> {
        let r = self;
        Ok(Token {
            owner: r.owner,
            name: r.name,
            created_time: r.created_time,
            application: r.application,
            organization: r.organization,
            user: r.user_name,
            expires_in: r.expires_in,
            scope: r.scope,
            token_type: r.token_type,
            grant_type: r.grant_type,
            expires_at: r.expires_at,
            refresh_token_hash: r.refresh_token_hash,
            refresh_expires_at: r.refresh_expires_at,
            revoked: r.revoked,
            family: r.family,
            auth_time: r.auth_time,
        })
    }
}

pub(crate) fn conflict_message(token: &Token, db_message: &str) -> String {
    if db_message.contains("refresh_token_hash") {
        "refresh token already in use".to_string()
    } else {
        format!("token {} already exists", token.name)
    }
}

/// Expands the token queries for the backend in scope; see [`crate::backend`].
macro_rules! token_queries {
    () => {
        pub(crate) async fn get_token(c: &mut Conn, name: &str) -> StoreResult<Option<Token>> {
            let row: Option<TokenRow> = sqlx::query_as("SELECT * FROM tokens WHERE name = $1")
                .bind(name)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
        }

        pub(crate) async fn get_token_by_refresh_hash(
            c: &mut Conn,
            hash: &str,
        ) -> StoreResult<Option<Token>> {
            let sql = "SELECT * FROM tokens WHERE refresh_token_hash = $1";
            let row: Option<TokenRow> = sqlx::query_as(sql)
                .bind(hash)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
        }

        pub(crate) async fn list_tokens(
            c: &mut Conn,
            organization: Option<&str>,
            query: &ListQuery,
        ) -> StoreResult<Page<Token>> {
            let scope = organization.map(|o| ("organization", o));
            list::<TokenRow>(c, &tokens::TABLE, scope, query).await
        }

        pub(crate) async fn insert_token(c: &mut Conn, t: &Token) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO tokens (owner, name, created_time, application, organization, \
                 user_name, expires_in, scope, token_type, grant_type, expires_at, \
                 refresh_token_hash, refresh_expires_at, revoked, family, auth_time) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
            )
            .bind(&t.owner)
            .bind(&t.name)
            .bind(&t.created_time)
            .bind(&t.application)
            .bind(&t.organization)
            .bind(&t.user)
            .bind(t.expires_in)
            .bind(&t.scope)
            .bind(&t.token_type)
            .bind(&t.grant_type)
            .bind(t.expires_at)
            .bind(&t.refresh_token_hash)
            .bind(t.refresh_expires_at)
            .bind(t.revoked)
            .bind(&t.family)
            .bind(t.auth_time)
            .execute(&mut *c)
            .await
            .map_err(db_error)
            .on_conflict(|m| tokens::conflict_message(t, m))?;
            Ok(())
        }

        /// True only when the token was live: revoking twice answers false the second time.
        pub(crate) async fn revoke_token(c: &mut Conn, name: &str) -> StoreResult<bool> {
            let sql = "UPDATE tokens SET revoked = TRUE WHERE name = $1 AND revoked = FALSE";
            let done = sqlx::query(sql)
                .bind(name)
                .execute(&mut *c)
                .await
                .map_err(db_error)?;
            Ok(done.rows_affected() > 0)
        }

        pub(crate) async fn revoke_user_tokens(
            c: &mut Conn,
            owner: &str,
            name: &str,
        ) -> StoreResult<u64> {
            let done = sqlx::query(
                "UPDATE tokens SET revoked = TRUE \
                 WHERE organization = $1 AND user_name = $2 AND revoked = FALSE",
            )
            .bind(owner)
            .bind(name)
            .execute(&mut *c)
            .await
            .map_err(db_error)?;
            Ok(done.rows_affected())
        }

        /// The empty family (tokens issued before families existed) is no chain: never
        /// revoked as one.
        pub(crate) async fn revoke_token_family(c: &mut Conn, family: &str) -> StoreResult<u64> {
            let done = sqlx::query(
                "UPDATE tokens SET revoked = TRUE \
                 WHERE family = $1 AND family <> '' AND revoked = FALSE",
            )
            .bind(family)
            .execute(&mut *c)
            .await
            .map_err(db_error)?;
            Ok(done.rows_affected())
        }
    };
}
pub(crate) use token_queries;
