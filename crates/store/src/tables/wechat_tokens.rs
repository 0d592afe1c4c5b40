//! `wechat_access_tokens`: one WeChat access token per AppID, shared by every node.
//! Leases and stores are conditional on `version`, so they are safe from several nodes.

use ferrodoor_core::store::StoredAccessToken;

crate::tables::table! {
    /// `lease_until` is the store's own business: never read into the entity.
    AccessTokenRow for StoredAccessToken in "wechat_access_tokens" {
        key {
            appid: String = "appid", unlisted;
        }
        columns {
            token_sealed: Option<String> = "token_sealed", secret;
            expires_at: i64 = "expires_at", unlisted;
            version: i64 = "version", unlisted;
        }
    }
}

/// Expands the access token queries for the backend in scope; see [`crate::backend`].
macro_rules! wechat_token_queries {
    () => {
        pub(crate) async fn lease_wechat_access_token(
            c: &mut Conn,
            appid: &str,
            version: i64,
            now: i64,
            until: i64,
        ) -> StoreResult<bool> {
            if version == 0 {
                // The first fetch ever: whoever creates the record holds the lease.
                let sql = "INSERT INTO wechat_access_tokens (appid, lease_until) VALUES ($1, $2) \
                     ON CONFLICT (appid) DO NOTHING";
                if execute(c, sql, vec![appid.into(), until.into()]).await? == 1 {
                    return Ok(true);
                }
            }
            let sql = "UPDATE wechat_access_tokens SET lease_until = $4 \
                 WHERE appid = $1 AND version = $2 AND lease_until <= $3";
            let args = vec![appid.into(), version.into(), now.into(), until.into()];
            Ok(execute(c, sql, args).await? == 1)
        }

        pub(crate) async fn store_wechat_access_token(
            c: &mut Conn,
            appid: &str,
            version: i64,
            token_sealed: &str,
            expires_at: i64,
        ) -> StoreResult<Option<i64>> {
            let sql = "UPDATE wechat_access_tokens SET token_sealed = $3, expires_at = $4, \
                 version = version + 1, lease_until = 0 \
                 WHERE appid = $1 AND version = $2 RETURNING version";
            let args = vec![
                appid.into(),
                version.into(),
                token_sealed.into(),
                expires_at.into(),
            ];
            sqlx::query_scalar_with(sql, arguments(args)?)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)
        }

        pub(crate) async fn release_wechat_access_token(
            c: &mut Conn,
            appid: &str,
            version: i64,
        ) -> StoreResult<()> {
            let sql = "UPDATE wechat_access_tokens SET lease_until = 0 \
                 WHERE appid = $1 AND version = $2";
            execute(c, sql, vec![appid.into(), version.into()]).await?;
            Ok(())
        }
    };
}
pub(crate) use wechat_token_queries;
