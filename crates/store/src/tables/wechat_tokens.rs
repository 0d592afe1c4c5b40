//! `wechat_access_tokens`: one WeChat access token per AppID, shared by every node.
//! Leases and stores are conditional on `version`, so they are safe from several nodes.

use ferrodoor_core::store::{StoreResult, StoredAccessToken};

use super::IntoEntity;

#[derive(sqlx::FromRow)]
pub(crate) struct AccessTokenRow {
    appid: String,
    token_sealed: Option<String>,
    expires_at: i64,
    version: i64,
}

impl IntoEntity for AccessTokenRow {
    type Entity = StoredAccessToken;

    fn into_entity(self) -> StoreResult<StoredAccessToken> {
        Ok(StoredAccessToken {
            appid: self.appid,
            token_sealed: self.token_sealed,
            expires_at: self.expires_at,
            version: self.version,
        })
    }
}

/// Expands the access token queries for the backend in scope; see [`crate::backend`].
macro_rules! wechat_token_queries {
    () => {
        pub(crate) async fn get_wechat_access_token(
            c: &mut Conn,
            appid: &str,
        ) -> StoreResult<Option<StoredAccessToken>> {
            let row: Option<AccessTokenRow> = sqlx::query_as(
                "SELECT appid, token_sealed, expires_at, version FROM wechat_access_tokens \
                 WHERE appid = $1",
            )
            .bind(appid)
            .fetch_optional(&mut *c)
            .await
            .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
        }

        pub(crate) async fn lease_wechat_access_token(
            c: &mut Conn,
            appid: &str,
            version: i64,
            now: i64,
            until: i64,
        ) -> StoreResult<bool> {
            if version == 0 {
                // The first fetch ever: whoever creates the record holds the lease.
                let created = sqlx::query(
                    "INSERT INTO wechat_access_tokens (appid, lease_until) VALUES ($1, $2) \
                     ON CONFLICT (appid) DO NOTHING",
                )
                .bind(appid)
                .bind(until)
                .execute(&mut *c)
                .await
                .map_err(db_error)?;
                if created.rows_affected() == 1 {
                    return Ok(true);
                }
            }
            let leased = sqlx::query(
                "UPDATE wechat_access_tokens SET lease_until = $4 \
                 WHERE appid = $1 AND version = $2 AND lease_until <= $3",
            )
            .bind(appid)
            .bind(version)
            .bind(now)
            .bind(until)
            .execute(&mut *c)
            .await
            .map_err(db_error)?;
            Ok(leased.rows_affected() == 1)
        }

        pub(crate) async fn store_wechat_access_token(
            c: &mut Conn,
            appid: &str,
            version: i64,
            token_sealed: &str,
            expires_at: i64,
        ) -> StoreResult<Option<i64>> {
            sqlx::query_scalar(
                "UPDATE wechat_access_tokens SET token_sealed = $3, expires_at = $4, \
                 version = version + 1, lease_until = 0 \
                 WHERE appid = $1 AND version = $2 RETURNING version",
            )
            .bind(appid)
            .bind(version)
            .bind(token_sealed)
            .bind(expires_at)
            .fetch_optional(&mut *c)
            .await
            .map_err(db_error)
        }

        pub(crate) async fn release_wechat_access_token(
            c: &mut Conn,
            appid: &str,
            version: i64,
        ) -> StoreResult<()> {
            sqlx::query(
                "UPDATE wechat_access_tokens SET lease_until = 0 \
                 WHERE appid = $1 AND version = $2",
            )
            .bind(appid)
            .bind(version)
            .execute(&mut *c)
            .await
            .map_err(db_error)?;
            Ok(())
        }
    };
}
pub(crate) use wechat_token_queries;
