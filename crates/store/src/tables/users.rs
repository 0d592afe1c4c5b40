//! `users`: rows, list allow-list and queries, including the WeChat and phone lookups.

use ferrodoor_core::entity::User;
use ferrodoor_core::store::WeChatLookup;

use crate::tables::Value;

crate::tables::table! {
    /// Every column of [`User`]; the password hash is never listed or matched.
    UserRow for User in "users" {
        key {
            owner: String = "owner", list("owner", Text);
            name: String = "name", list("name", Text);
        }
        columns {
            created_time: String = "created_time", list("createdTime", Text);
            updated_time: String = "updated_time", list("updatedTime", Text);
            id: String = "id", list("id", Text);
            type_: String = "type", list("type", Text);
            password_hash: Option<String> = "password_hash", secret;
            display_name: String = "display_name", list("displayName", Text);
            first_name: String = "first_name", list("firstName", Text);
            last_name: String = "last_name", list("lastName", Text);
            avatar: String = "avatar", list("avatar", Text);
            email: String = "email", list("email", Text);
            email_verified: bool = "email_verified", list("emailVerified", Bool);
            phone: String = "phone", list("phone", Text);
            country_code: String = "country_code", list("countryCode", Text);
            region: String = "region", list("region", Text);
            location: String = "location", list("location", Text);
            affiliation: String = "affiliation", list("affiliation", Text);
            title: String = "title", list("title", Text);
            homepage: String = "homepage", list("homepage", Text);
            bio: String = "bio", list("bio", Text);
            tag: String = "tag", list("tag", Text);
            language: String = "language", list("language", Text);
            gender: String = "gender", list("gender", Text);
            birthday: String = "birthday", list("birthday", Text);
            is_admin: bool = "is_admin", list("isAdmin", Bool);
            is_forbidden: bool = "is_forbidden", list("isForbidden", Bool);
            is_deleted: bool = "is_deleted", list("isDeleted", Bool);
            signup_application: String = "signup_application", list("signupApplication", Text);
            wechat: String = "wechat", list("wechat", Text);
            properties: String = "properties", list("properties", Text), json;
            // Casdoor's `groups`: ids (`owner/name`) of the user's groups, as JSON.
            groups: String = "group_ids", unlisted, json;
            email_pending: bool = "email_pending", unlisted;
            phone_pending: bool = "phone_pending", unlisted;
            signin_wrong_times: i64 = "signin_wrong_times", list("signinWrongTimes", Number);
            // Unix seconds in the database (compared in SQL), Casdoor's RFC 3339 in JSON.
            last_signin_wrong_time: i64 = "last_signin_wrong_time", unlisted, unix_time;
        }
        // The plaintext is input only; the core masks it from `password_hash` on output.
        defaults { password: String::new() }
        conflict = |user, db_message| conflict_message(user, db_message);
        reference = |user| format!("organization {} does not exist", user.owner);
    }
}

pub(crate) fn conflict_message(user: &User, db_message: &str) -> String {
    if db_message.contains("users.id") || db_message.contains("users_id_key") {
        format!("user id {} already in use", user.id)
    } else {
        format!("user {}/{} already exists", user.owner, user.name)
    }
}

/// Counts an attempt unless `$3` (the limit) were counted since `$4` (window start, unix
/// seconds); `$5` is now. One statement, so concurrent attempts on any node are all counted.
pub(crate) const CLAIM_SIGNIN_ATTEMPT: &str = "UPDATE users SET signin_wrong_times = CASE \
     WHEN last_signin_wrong_time < $4 THEN 1 ELSE signin_wrong_times + 1 END, \
     last_signin_wrong_time = $5 \
     WHERE owner = $1 AND name = $2 \
     AND (signin_wrong_times < $3 OR last_signin_wrong_time < $4)";

pub(crate) const RESET_SIGNIN_WRONG_TIMES: &str = "UPDATE users \
     SET signin_wrong_times = 0, last_signin_wrong_time = 0 WHERE owner = $1 AND name = $2";

/// The user of exactly this identity (`$1` organization, `$2` appid, `$3` openid): what a
/// returning sign-in finds, through two primary keys. Kept apart from the unionid lookup
/// so that it is cheap to plan (PostgreSQL plans every statement each time, see
/// `postgres.rs`): one UNION ALL of both cost PostgreSQL more to plan than to run.
pub(crate) const FIND_BY_EXACT_IDENTITY: &str = "SELECT u.* FROM wechat_identities w \
     JOIN users u ON u.owner = w.organization AND u.name = w.user_name \
     WHERE w.organization = $1 AND w.appid = $2 AND w.openid = $3";

/// The user of another identity of the same person (`$1` organization, `$2` unionid): the
/// oldest link first.
pub(crate) const FIND_BY_UNIONID: &str = "SELECT u.* FROM wechat_identities w \
     JOIN users u ON u.owner = w.organization AND u.name = w.user_name \
     WHERE w.organization = $1 AND w.unionid = $2 \
     ORDER BY w.created_time, w.appid, w.openid LIMIT 1";

/// A user imported from Casdoor, by its `wechat` column: `$1` organization, `$2` openid,
/// `$3` unionid (either may be NULL); an openid match first.
pub(crate) const FIND_BY_WECHAT_COLUMN: &str = "SELECT * FROM users \
     WHERE owner = $1 AND wechat IN ($2, $3) \
     ORDER BY CASE WHEN wechat = $2 THEN 0 ELSE 1 END, created_time, name LIMIT 1";

/// A user by phone: `$1` owner, `$2` phone (exact, never empty: most users have `''`);
/// of several, the oldest. A phone the user set on themselves and nobody verified is not
/// theirs yet (pending).
pub(crate) const FIND_BY_PHONE: &str = "SELECT * FROM users WHERE owner = $1 AND phone = $2 \
     AND NOT phone_pending ORDER BY created_time, name LIMIT 1";

/// A user by email or phone for Casdoor's get-user: `$1` owner (NULL: every organization),
/// `$2` the value; pending (self-set, unverified) addresses never match.
pub(crate) const FIND_BY_EMAIL_ANY: &str = "SELECT * FROM users \
     WHERE ($1 IS NULL OR owner = $1) AND email = $2 AND NOT email_pending \
     ORDER BY created_time, owner, name LIMIT 1";
pub(crate) const FIND_BY_PHONE_ANY: &str = "SELECT * FROM users \
     WHERE ($1 IS NULL OR owner = $1) AND phone = $2 AND NOT phone_pending \
     ORDER BY created_time, owner, name LIMIT 1";

/// A user by its id (unique across organizations).
pub(crate) const FIND_BY_ID: &str = "SELECT * FROM users WHERE id = $1";

/// An empty openid or unionid must never match: every user without WeChat has `wechat = ''`.
pub(crate) fn non_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

/// How a WeChat sign-in finds its user: indexed queries, the first that finds someone
/// answers. The identity itself (primary keys), another identity with its unionid
/// (`wechat_identities_unionid_idx`), Casdoor's `wechat` column (index on owner, wechat).
/// None when the lookup has neither an openid nor a unionid.
pub(crate) fn wechat_lookups(lookup: WeChatLookup<'_>) -> Vec<(&'static str, Vec<Value<'_>>)> {
    let openid = non_empty(Some(lookup.openid));
    let unionid = non_empty(lookup.unionid);
    let mut queries = Vec::with_capacity(3);
    if openid.is_none() && unionid.is_none() {
        return queries;
    }
    let organization = Value::Str(lookup.organization);
    if let Some(openid) = openid {
        let exact = vec![organization.clone(), lookup.appid.into(), openid.into()];
        queries.push((FIND_BY_EXACT_IDENTITY, exact));
    }
    if let Some(unionid) = unionid {
        queries.push((FIND_BY_UNIONID, vec![organization.clone(), unionid.into()]));
    }
    let by_column = vec![organization, openid.into(), unionid.into()];
    queries.push((FIND_BY_WECHAT_COLUMN, by_column));
    queries
}

/// Expands the user queries for the backend in scope; see [`crate::backend`].
macro_rules! user_queries {
    () => {
        pub(crate) async fn get_user_by_id(c: &mut Conn, id: &str) -> StoreResult<Option<User>> {
            fetch_optional::<UserRow>(c, users::FIND_BY_ID, vec![id.into()]).await
        }

        /// The first user [`users::wechat_lookups`] finds.
        pub(crate) async fn find_user_by_wechat(
            c: &mut Conn,
            lookup: WeChatLookup<'_>,
        ) -> StoreResult<Option<User>> {
            for (sql, values) in users::wechat_lookups(lookup) {
                if let Some(user) = fetch_optional::<UserRow>(c, sql, values).await? {
                    return Ok(Some(user));
                }
            }
            Ok(None)
        }

        /// An exact match on the `users_phone_idx` (owner, phone); an empty phone matches
        /// nobody.
        pub(crate) async fn find_user_by_phone(
            c: &mut Conn,
            owner: &str,
            phone: &str,
        ) -> StoreResult<Option<User>> {
            if phone.is_empty() {
                return Ok(None);
            }
            let args = vec![owner.into(), phone.into()];
            fetch_optional::<UserRow>(c, users::FIND_BY_PHONE, args).await
        }

        /// Casdoor's get-user by email or phone (`owner` None: every organization).
        pub(crate) async fn find_user_by_contact(
            c: &mut Conn,
            owner: Option<&str>,
            contact: Contact<'_>,
        ) -> StoreResult<Option<User>> {
            let (sql, value) = match contact {
                Contact::Email(v) => (users::FIND_BY_EMAIL_ANY, v),
                Contact::Phone(v) => (users::FIND_BY_PHONE_ANY, v),
            };
            if value.is_empty() {
                return Ok(None);
            }
            fetch_optional::<UserRow>(c, sql, vec![owner.into(), value.into()]).await
        }

        /// One statement, so concurrent attempts are each counted (see the trait).
        pub(crate) async fn claim_signin_attempt(
            c: &mut Conn,
            owner: &str,
            name: &str,
            limit: i64,
            window_start: i64,
            now: i64,
        ) -> StoreResult<SigninClaim> {
            let args = vec![
                owner.into(),
                name.into(),
                limit.into(),
                window_start.into(),
                now.into(),
            ];
            if execute(c, users::CLAIM_SIGNIN_ATTEMPT, args).await? > 0 {
                return Ok(SigninClaim::Claimed);
            }
            Ok(match get::<UserRow>(c, (owner, name)).await? {
                Some(user) => SigninClaim::Frozen {
                    last_wrong_at: crate::tables::unix_of_rfc3339(&user.last_signin_wrong_time),
                },
                None => SigninClaim::Claimed,
            })
        }

        pub(crate) async fn reset_signin_wrong_times(
            c: &mut Conn,
            owner: &str,
            name: &str,
        ) -> StoreResult<()> {
            execute(
                c,
                users::RESET_SIGNIN_WRONG_TIMES,
                vec![owner.into(), name.into()],
            )
            .await?;
            Ok(())
        }

        /// Tokens and sessions have no foreign key to users (client-credentials tokens have
        /// no user), so they go explicitly; WeChat identities go by `ON DELETE CASCADE`.
        /// Identity events stay: they are the audit trail.
        pub(crate) async fn delete_user(
            c: &mut Conn,
            owner: &str,
            name: &str,
        ) -> StoreResult<bool> {
            let sql = "DELETE FROM tokens WHERE organization = $1 AND user_name = $2";
            execute(c, sql, vec![owner.into(), name.into()]).await?;
            let sql = "DELETE FROM sessions WHERE owner = $1 AND name = $2";
            execute(c, sql, vec![owner.into(), name.into()]).await?;
            delete::<UserRow>(c, (owner, name)).await
        }
    };
}
pub(crate) use user_queries;
