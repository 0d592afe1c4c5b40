//! `tokens`: rows, list allow-list and queries.

use ferrodoor_core::entity::Token;

crate::tables::table! {
    /// The refresh-token hash is never listed or matched.
    TokenRow for Token in "tokens" {
        key {
            name: String = "name", list("name", Text);
        }
        columns {
            owner: String = "owner", list("owner", Text);
            created_time: String = "created_time", list("createdTime", Text);
            application: String = "application", list("application", Text);
            organization: String = "organization", list("organization", Text);
            user: String = "user_name", list("user", Text);
            expires_in: i64 = "expires_in", list("expiresIn", Number);
            scope: String = "scope", list("scope", Text);
            token_type: String = "token_type", list("tokenType", Text);
            grant_type: String = "grant_type", list("grantType", Text);
            expires_at: i64 = "expires_at", unlisted;
            refresh_token_hash: Option<String> = "refresh_token_hash", secret;
            refresh_expires_at: i64 = "refresh_expires_at", unlisted;
            revoked: bool = "revoked", list("revoked", Bool);
            family: String = "family", unlisted;
            auth_time: i64 = "auth_time", unlisted;
        }
        conflict = |token, db_message| conflict_message(token, db_message);
    }
}

pub(crate) const FIND_BY_REFRESH_HASH: &str = "SELECT * FROM tokens WHERE refresh_token_hash = $1";

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
        pub(crate) async fn get_token_by_refresh_hash(
            c: &mut Conn,
            hash: &str,
        ) -> StoreResult<Option<Token>> {
            fetch_optional::<TokenRow>(c, tokens::FIND_BY_REFRESH_HASH, vec![hash.into()]).await
        }

        /// True only when the token was live: revoking twice answers false the second time.
        pub(crate) async fn revoke_token(c: &mut Conn, name: &str) -> StoreResult<bool> {
            let sql = "UPDATE tokens SET revoked = TRUE WHERE name = $1 AND revoked = FALSE";
            Ok(execute(c, sql, vec![name.into()]).await? > 0)
        }

        pub(crate) async fn revoke_user_tokens(
            c: &mut Conn,
            owner: &str,
            name: &str,
        ) -> StoreResult<u64> {
            let sql = "UPDATE tokens SET revoked = TRUE \
                 WHERE organization = $1 AND user_name = $2 AND revoked = FALSE";
            execute(c, sql, vec![owner.into(), name.into()]).await
        }

        /// The empty family (tokens issued before families existed) is no chain: never
        /// revoked as one.
        pub(crate) async fn revoke_token_family(c: &mut Conn, family: &str) -> StoreResult<u64> {
            let sql = "UPDATE tokens SET revoked = TRUE \
                 WHERE family = $1 AND family <> '' AND revoked = FALSE";
            execute(c, sql, vec![family.into()]).await
        }
    };
}
pub(crate) use token_queries;
