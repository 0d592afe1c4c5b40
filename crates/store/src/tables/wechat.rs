//! `wechat_identities` and `wechat_code_claims`.

use ferrodoor_core::entity::WeChatIdentity;
use ferrodoor_core::store::StoreResult;

use super::IntoEntity;

#[derive(sqlx::FromRow)]
pub(crate) struct WeChatIdentityRow {
    organization: String,
    appid: String,
    openid: String,
    unionid: Option<String>,
    user_name: String,
    created_time: String,
    updated_time: String,
    session_key_sealed: Option<String>,
}

impl IntoEntity for WeChatIdentityRow {
    type Entity = WeChatIdentity;

    fn into_entity(self) -> StoreResult<WeChatIdentity> {
        let r = self;
        Ok(WeChatIdentity {
            organization: r.organization,
            appid: r.appid,
            openid: r.openid,
            unionid: r.unionid,
            user_name: r.user_name,
            created_time: r.created_time,
            updated_time: r.updated_time,
            session_key_sealed: r.session_key_sealed,
        })
    }
}

/// Expands the WeChat queries for the backend in scope; see [`crate::backend`].
macro_rules! wechat_queries {
    () => {
        pub(crate) async fn list_wechat_identities(
            c: &mut Conn,
            owner: &str,
            name: &str,
        ) -> StoreResult<Vec<WeChatIdentity>> {
            let rows: Vec<WeChatIdentityRow> = sqlx::query_as(
                "SELECT * FROM wechat_identities WHERE organization = $1 AND user_name = $2 \
                 ORDER BY created_time, appid, openid",
            )
            .bind(owner)
            .bind(name)
            .fetch_all(&mut *c)
            .await
            .map_err(db_error)?;
            rows.into_iter().map(IntoEntity::into_entity).collect()
        }

        pub(crate) async fn insert_wechat_identity(
            c: &mut Conn,
            i: &WeChatIdentity,
        ) -> StoreResult<()> {
            sqlx::query(
                "INSERT INTO wechat_identities (organization, appid, openid, unionid, user_name, \
                 created_time, updated_time, session_key_sealed) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&i.organization)
            .bind(&i.appid)
            .bind(&i.openid)
            .bind(&i.unionid)
            .bind(&i.user_name)
            .bind(&i.created_time)
            .bind(&i.updated_time)
            .bind(&i.session_key_sealed)
            .execute(&mut *c)
            .await
            .map_err(db_error)
            .on_conflict(|_| {
                format!(
                    "WeChat identity {}/{} is already linked in organization {}",
                    i.appid, i.openid, i.organization
                )
            })
            .on_reference(|| format!("user {}/{} does not exist", i.organization, i.user_name))?;
            Ok(())
        }

        /// Keeps a known unionid (and session key) when the login did not present one.
        pub(crate) async fn touch_wechat_identity(
            c: &mut Conn,
            i: &WeChatIdentity,
        ) -> StoreResult<bool> {
            let done = sqlx::query(
                "UPDATE wechat_identities SET unionid = COALESCE($4, unionid), updated_time = $5, \
                 session_key_sealed = COALESCE($6, session_key_sealed) \
                 WHERE organization = $1 AND appid = $2 AND openid = $3",
            )
            .bind(&i.organization)
            .bind(&i.appid)
            .bind(&i.openid)
            .bind(&i.unionid)
            .bind(&i.updated_time)
            .bind(&i.session_key_sealed)
            .execute(&mut *c)
            .await
            .map_err(db_error)?;
            Ok(done.rows_affected() > 0)
        }

        /// Served by `wechat_identities_user_idx` (organization, user_name).
        pub(crate) async fn delete_wechat_identities(
            c: &mut Conn,
            organization: &str,
            appid: &str,
            user_name: &str,
        ) -> StoreResult<u64> {
            let done = sqlx::query(
                "DELETE FROM wechat_identities \
                 WHERE organization = $1 AND appid = $2 AND user_name = $3",
            )
            .bind(organization)
            .bind(appid)
            .bind(user_name)
            .execute(&mut *c)
            .await
            .map_err(db_error)?;
            Ok(done.rows_affected())
        }

        pub(crate) async fn claim_wechat_code(
            c: &mut Conn,
            appid: &str,
            code_hash: &str,
            expires_at: i64,
        ) -> StoreResult<bool> {
            let done = sqlx::query(
                "INSERT INTO wechat_code_claims (appid, code_hash, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (appid, code_hash) DO NOTHING",
            )
            .bind(appid)
            .bind(code_hash)
            .bind(expires_at)
            .execute(&mut *c)
            .await
            .map_err(db_error)?;
            Ok(done.rows_affected() == 1)
        }

        pub(crate) async fn release_wechat_code(
            c: &mut Conn,
            appid: &str,
            code_hash: &str,
        ) -> StoreResult<()> {
            sqlx::query("DELETE FROM wechat_code_claims WHERE appid = $1 AND code_hash = $2")
                .bind(appid)
                .bind(code_hash)
                .execute(&mut *c)
                .await
                .map_err(db_error)?;
            Ok(())
        }
    };
}
pub(crate) use wechat_queries;
