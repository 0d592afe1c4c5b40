//! `authorization_codes`: OAuth authorization codes, single use, kept until they expire so
//! a replay is recognized. Never listed.

use ferrodoor_core::entity::AuthorizationCode;

crate::tables::table! {
    AuthorizationCodeRow for AuthorizationCode in "authorization_codes" {
        key {
            code_hash: String = "code_hash", secret;
        }
        columns {
            application: String = "application", unlisted;
            organization: String = "organization", unlisted;
            user_name: String = "user_name", unlisted;
            redirect_uri: String = "redirect_uri", unlisted;
            scope: String = "scope", unlisted;
            nonce: String = "nonce", unlisted;
            code_challenge: String = "code_challenge", unlisted;
            code_challenge_method: String = "code_challenge_method", unlisted;
            auth_time: i64 = "auth_time", unlisted;
            expires_at: i64 = "expires_at", unlisted;
            used: bool = "used", unlisted;
            token_name: Option<String> = "token_name", unlisted;
        }
        // The hash of a random code: a clash means the same code was stored twice.
        conflict = |_, _| "authorization code already exists".to_string();
    }
}

/// Expands the authorization code queries for the backend in scope; see [`crate::backend`].
macro_rules! authorization_code_queries {
    () => {
        /// Reads the code as it is and marks it used. On PostgreSQL the row stays locked
        /// until the transaction ends, so of concurrent uses exactly one reads `used ==
        /// false`; the others wait and then read it used. On SQLite the single writer
        /// serializes the transactions to the same effect.
        pub(crate) async fn use_authorization_code(
            c: &mut Conn,
            code_hash: &str,
        ) -> StoreResult<Option<AuthorizationCode>> {
            let Some(code) = get_for_update::<AuthorizationCodeRow>(c, code_hash).await? else {
                return Ok(None);
            };
            if !code.used {
                let sql = "UPDATE authorization_codes SET used = TRUE WHERE code_hash = $1";
                execute(c, sql, vec![code_hash.into()]).await?;
            }
            Ok(Some(code))
        }

        /// Nothing happens for an unknown (or already purged) code.
        pub(crate) async fn set_authorization_code_token(
            c: &mut Conn,
            code_hash: &str,
            token_name: &str,
        ) -> StoreResult<()> {
            let sql = "UPDATE authorization_codes SET token_name = $2 WHERE code_hash = $1";
            execute(c, sql, vec![code_hash.into(), token_name.into()]).await?;
            Ok(())
        }
    };
}
pub(crate) use authorization_code_queries;
