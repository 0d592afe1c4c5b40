//! `wechat_identities` and `wechat_code_claims`.

use ferrodoor_core::entity::WeChatIdentity;

crate::tables::table! {
    WeChatIdentityRow for WeChatIdentity in "wechat_identities" {
        key {
            organization: String = "organization", unlisted;
            appid: String = "appid", unlisted;
            openid: String = "openid", unlisted;
        }
        columns {
            unionid: Option<String> = "unionid", unlisted;
            user_name: String = "user_name", unlisted;
            created_time: String = "created_time", unlisted;
            updated_time: String = "updated_time", unlisted;
            session_key_sealed: Option<String> = "session_key_sealed", secret;
        }
        conflict = |i, _| format!(
            "WeChat identity {}/{} is already linked in organization {}",
            i.appid, i.openid, i.organization
        );
        reference = |i| format!("user {}/{} does not exist", i.organization, i.user_name);
    }
}

pub(crate) const LIST_OF_USER: &str = "SELECT * FROM wechat_identities \
     WHERE organization = $1 AND user_name = $2 ORDER BY created_time, appid, openid";

/// A login's touch of its identity: `$1`–`$3` the key, `$4` unionid, `$5` time, `$6` the
/// sealed session key (see [`touch_values`]). A known unionid and session key stay when
/// the login did not present one.
pub(crate) const TOUCH: &str = "UPDATE wechat_identities SET unionid = COALESCE($4, unionid), \
     updated_time = $5, session_key_sealed = COALESCE($6, session_key_sealed) \
     WHERE organization = $1 AND appid = $2 AND openid = $3";

/// [`TOUCH`] of `rows` identities at once (a size [`crate::tables::row_chunks`] answers),
/// each only while it names its user (the row's seventh value) and that user is neither
/// forbidden nor deleted; answers the keys it touched. Row `r` binds [`touch_values`] and
/// the user's name after the `r` rows before it.
pub(crate) fn touch_linked_sql(rows: usize) -> &'static str {
    static TEXTS: crate::tables::TextsBySize = crate::tables::TextsBySize::new();
    TEXTS.get(rows, |rows| {
        format!(
            "UPDATE wechat_identities SET unionid = COALESCE(v.column4, unionid), \
             updated_time = v.column5, session_key_sealed = COALESCE(v.column6, session_key_sealed) \
             FROM (VALUES {}) AS v \
             WHERE organization = v.column1 AND appid = v.column2 AND openid = v.column3 \
             AND user_name = v.column7 AND EXISTS (SELECT 1 FROM users \
             WHERE owner = v.column1 AND name = v.column7 AND NOT is_forbidden AND NOT is_deleted) \
             RETURNING organization, appid, openid",
            crate::tables::value_lists(rows, 7)
        )
    })
}

/// [`touch_linked_sql`]'s values for `identities`: each one's [`touch_values`] and its
/// user's name.
pub(crate) fn touch_linked_values<'a>(
    identities: &[&'a WeChatIdentity],
) -> Vec<crate::tables::Value<'a>> {
    let mut values = Vec::with_capacity(identities.len() * 7);
    for i in identities {
        values.extend(touch_values(i));
        values.push(i.user_name.as_str().into());
    }
    values
}

/// An identity of organization `$1` with unionid `$2`, if any (`wechat_identities_unionid_idx`).
pub(crate) const UNIONID_LINKED: &str = "SELECT organization, appid, openid \
     FROM wechat_identities WHERE organization = $1 AND unionid = $2 LIMIT 1";

/// An identity's key, as [`touch_linked_sql`] answers it.
pub(crate) type IdentityKey = (String, String, String);

/// An identity's key, borrowed: to sort, compare and look up without copying.
pub(crate) fn key(i: &WeChatIdentity) -> (&str, &str, &str) {
    (&i.organization, &i.appid, &i.openid)
}

pub(crate) fn touch_values(i: &WeChatIdentity) -> Vec<crate::tables::Value<'_>> {
    vec![
        i.organization.as_str().into(),
        i.appid.as_str().into(),
        i.openid.as_str().into(),
        i.unionid.as_deref().into(),
        i.updated_time.as_str().into(),
        i.session_key_sealed.as_deref().into(),
    ]
}

/// Expands the WeChat queries for the backend in scope; see [`crate::backend`].
macro_rules! wechat_queries {
    () => {
        pub(crate) async fn list_wechat_identities(
            c: &mut Conn,
            owner: &str,
            name: &str,
        ) -> StoreResult<Vec<WeChatIdentity>> {
            let args = vec![owner.into(), name.into()];
            fetch_all::<WeChatIdentityRow>(c, wechat::LIST_OF_USER, args).await
        }

        /// Keeps a known unionid (and session key) when the login did not present one.
        pub(crate) async fn touch_wechat_identity(
            c: &mut Conn,
            i: &WeChatIdentity,
        ) -> StoreResult<bool> {
            Ok(execute(c, wechat::TOUCH, wechat::touch_values(i)).await? > 0)
        }

        /// Served by `wechat_identities_user_idx` (organization, user_name).
        pub(crate) async fn delete_wechat_identities(
            c: &mut Conn,
            organization: &str,
            appid: &str,
            user_name: &str,
        ) -> StoreResult<u64> {
            let sql = "DELETE FROM wechat_identities \
                 WHERE organization = $1 AND appid = $2 AND user_name = $3";
            execute(
                c,
                sql,
                vec![organization.into(), appid.into(), user_name.into()],
            )
            .await
        }

        pub(crate) async fn claim_wechat_code(
            c: &mut Conn,
            appid: &str,
            code_hash: &str,
            expires_at: i64,
        ) -> StoreResult<bool> {
            let sql = "INSERT INTO wechat_code_claims (appid, code_hash, expires_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (appid, code_hash) DO NOTHING";
            let args = vec![appid.into(), code_hash.into(), expires_at.into()];
            Ok(execute(c, sql, args).await? == 1)
        }

        pub(crate) async fn release_wechat_code(
            c: &mut Conn,
            appid: &str,
            code_hash: &str,
        ) -> StoreResult<()> {
            let sql = "DELETE FROM wechat_code_claims WHERE appid = $1 AND code_hash = $2";
            execute(c, sql, vec![appid.into(), code_hash.into()]).await?;
            Ok(())
        }
    };
}
pub(crate) use wechat_queries;
