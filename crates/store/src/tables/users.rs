//! `users`: rows, list allow-list and queries, including the WeChat and phone lookups.

use std::collections::BTreeMap;

use ferrodoor_core::entity::User;
use ferrodoor_core::store::StoreResult;

use super::IntoEntity;
use crate::error::from_json;
use crate::list::{Kind, Table};

/// Every JSON field of [`User`] but `password` (the hash is never listed or matched).
pub(crate) const TABLE: Table = Table {
    name: "users",
    fields: &[
        ("owner", "owner", Kind::Text),
        ("name", "name", Kind::Text),
        ("createdTime", "created_time", Kind::Text),
        ("updatedTime", "updated_time", Kind::Text),
        ("id", "id", Kind::Text),
        ("type", "type", Kind::Text),
        ("displayName", "display_name", Kind::Text),
        ("firstName", "first_name", Kind::Text),
        ("lastName", "last_name", Kind::Text),
        ("avatar", "avatar", Kind::Text),
        ("email", "email", Kind::Text),
        ("emailVerified", "email_verified", Kind::Bool),
        ("phone", "phone", Kind::Text),
        ("countryCode", "country_code", Kind::Text),
        ("region", "region", Kind::Text),
        ("location", "location", Kind::Text),
        ("affiliation", "affiliation", Kind::Text),
        ("title", "title", Kind::Text),
        ("homepage", "homepage", Kind::Text),
        ("bio", "bio", Kind::Text),
        ("tag", "tag", Kind::Text),
        ("language", "language", Kind::Text),
        ("gender", "gender", Kind::Text),
        ("birthday", "birthday", Kind::Text),
        ("isAdmin", "is_admin", Kind::Bool),
        ("isForbidden", "is_forbidden", Kind::Bool),
        ("isDeleted", "is_deleted", Kind::Bool),
        ("signupApplication", "signup_application", Kind::Text),
        ("wechat", "wechat", Kind::Text),
        ("properties", "properties", Kind::Text),
    ],
    key: "owner, name",
};

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    owner: String,
    name: String,
    created_time: String,
    updated_time: String,
    id: String,
    #[sqlx(rename = "type")]
    type_: String,
    password_hash: Option<String>,
    display_name: String,
    first_name: String,
    last_name: String,
    avatar: String,
    email: String,
    email_verified: bool,
    phone: String,
    country_code: String,
    region: String,
    location: String,
    affiliation: String,
    title: String,
    homepage: String,
    bio: String,
    tag: String,
    language: String,
    gender: String,
    birthday: String,
    is_admin: bool,
    is_forbidden: bool,
    is_deleted: bool,
    signup_application: String,
    wechat: String,
    properties: String,
    email_pending: bool,
    phone_pending: bool,
}

impl IntoEntity for UserRow {
    type Entity = User;

    fn into_entity(self) -> StoreResult<User> {
        let r = self;
        let properties: BTreeMap<String, String> = from_json(&r.properties, "users.properties")?;
        Ok(User {
            owner: r.owner,
            name: r.name,
            created_time: r.created_time,
            updated_time: r.updated_time,
            id: r.id,
            type_: r.type_,
            // The plaintext is input only; the core masks it from `password_hash` on output.
            password: String::new(),
            password_hash: r.password_hash,
            display_name: r.display_name,
            first_name: r.first_name,
            last_name: r.last_name,
            avatar: r.avatar,
            email: r.email,
            email_verified: r.email_verified,
            phone: r.phone,
            country_code: r.country_code,
            region: r.region,
            location: r.location,
            affiliation: r.affiliation,
            title: r.title,
            homepage: r.homepage,
            bio: r.bio,
            tag: r.tag,
            language: r.language,
            gender: r.gender,
            birthday: r.birthday,
            is_admin: r.is_admin,
            is_forbidden: r.is_forbidden,
            is_deleted: r.is_deleted,
            signup_application: r.signup_application,
            wechat: r.wechat,
            properties,
            email_pending: r.email_pending,
            phone_pending: r.phone_pending,
        })
    }
}

pub(crate) fn conflict_message(user: &User, db_message: &str) -> String {
    if db_message.contains("users.id") || db_message.contains("users_id_key") {
        format!("user id {} already in use", user.id)
    } else {
        format!("user {}/{} already exists", user.owner, user.name)
    }
}

/// The user of an identity: `$1` organization, `$2` appid, `$3` openid, `$4` unionid
/// (NULL when absent). The exact identity comes first, then unionid matches, oldest first.
/// UNION ALL rather than OR: with OR, SQLite settles for scanning the organization.
pub(crate) const FIND_BY_IDENTITY: &str = "SELECT u.* FROM ( \
       SELECT organization, user_name, 0 AS pref, created_time, appid, openid \
       FROM wechat_identities WHERE organization = $1 AND appid = $2 AND openid = $3 \
       UNION ALL \
       SELECT organization, user_name, 1 AS pref, created_time, appid, openid \
       FROM wechat_identities WHERE organization = $1 AND unionid = $4 \
     ) w JOIN users u ON u.owner = w.organization AND u.name = w.user_name \
     ORDER BY w.pref, w.created_time, w.appid, w.openid LIMIT 1";

/// A user imported from Casdoor, by its `wechat` column: `$1` organization, `$2` openid,
/// `$3` unionid (either may be NULL); an openid match first.
pub(crate) const FIND_BY_WECHAT_COLUMN: &str = "SELECT * FROM users \
     WHERE owner = $1 AND wechat IN ($2, $3) \
     ORDER BY CASE WHEN wechat = $2 THEN 0 ELSE 1 END, created_time, name LIMIT 1";

/// A user by phone: `$1` owner, `$2` phone (exact, never empty: most users have `''`);
/// of several, the oldest.
/// A phone the user set on themselves and nobody verified is not theirs yet (pending).
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

/// An empty openid or unionid must never match: every user without WeChat has `wechat = ''`.
pub(crate) fn non_empty(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.is_empty())
}

/// Expands the user queries for the backend in scope; see [`crate::backend`].
macro_rules! user_queries {
    () => {
        pub(crate) async fn get_user(
            c: &mut Conn,
            owner: &str,
            name: &str,
        ) -> StoreResult<Option<User>> {
            let sql = "SELECT * FROM users WHERE owner = $1 AND name = $2";
            let row: Option<UserRow> = sqlx::query_as(sql)
                .bind(owner)
                .bind(name)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
        }

        pub(crate) async fn get_user_for_update(
            c: &mut Conn,
            owner: &str,
            name: &str,
        ) -> StoreResult<Option<User>> {
            let sql = if LOCK_ROWS {
                "SELECT * FROM users WHERE owner = $1 AND name = $2 FOR UPDATE"
            } else {
                "SELECT * FROM users WHERE owner = $1 AND name = $2"
            };
            let row: Option<UserRow> = sqlx::query_as(sql)
                .bind(owner)
                .bind(name)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
        }

        pub(crate) async fn get_user_by_id(c: &mut Conn, id: &str) -> StoreResult<Option<User>> {
            let row: Option<UserRow> = sqlx::query_as("SELECT * FROM users WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
        }

        pub(crate) async fn list_users(
            c: &mut Conn,
            owner: Option<&str>,
            query: &ListQuery,
        ) -> StoreResult<Page<User>> {
            let scope = owner.map(|o| ("owner", o));
            list::<UserRow>(c, &users::TABLE, scope, query).await
        }

        /// Two indexed queries: the identities (primary key, else the unionid index; the
        /// exact identity first), then Casdoor's `wechat` column (index on owner, wechat).
        pub(crate) async fn find_user_by_wechat(
            c: &mut Conn,
            lookup: WeChatLookup<'_>,
        ) -> StoreResult<Option<User>> {
            let openid = users::non_empty(Some(lookup.openid));
            let unionid = users::non_empty(lookup.unionid);
            let row: Option<UserRow> = sqlx::query_as(users::FIND_BY_IDENTITY)
                .bind(lookup.organization)
                .bind(lookup.appid)
                .bind(openid)
                .bind(unionid)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)?;
            if let Some(row) = row {
                return row.into_entity().map(Some);
            }
            if openid.is_none() && unionid.is_none() {
                return Ok(None);
            }
            let row: Option<UserRow> = sqlx::query_as(users::FIND_BY_WECHAT_COLUMN)
                .bind(lookup.organization)
                .bind(openid)
                .bind(unionid)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
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
            let row: Option<UserRow> = sqlx::query_as(users::FIND_BY_PHONE)
                .bind(owner)
                .bind(phone)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
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
            let row: Option<UserRow> = sqlx::query_as(sql)
                .bind(owner)
                .bind(value)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
        }

        pub(crate) async fn insert_user(c: &mut Conn, u: &User) -> StoreResult<()> {
            let properties = crate::error::to_json(&u.properties)?;
            sqlx::query(
                "INSERT INTO users (owner, name, created_time, updated_time, id, type, \
                 password_hash, display_name, first_name, last_name, avatar, email, \
                 email_verified, phone, country_code, region, location, affiliation, title, \
                 homepage, bio, tag, language, gender, birthday, is_admin, is_forbidden, \
                 is_deleted, signup_application, wechat, properties, email_pending, \
                 phone_pending) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
                 $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, \
                 $32, $33)",
            )
            .bind(&u.owner)
            .bind(&u.name)
            .bind(&u.created_time)
            .bind(&u.updated_time)
            .bind(&u.id)
            .bind(&u.type_)
            .bind(&u.password_hash)
            .bind(&u.display_name)
            .bind(&u.first_name)
            .bind(&u.last_name)
            .bind(&u.avatar)
            .bind(&u.email)
            .bind(u.email_verified)
            .bind(&u.phone)
            .bind(&u.country_code)
            .bind(&u.region)
            .bind(&u.location)
            .bind(&u.affiliation)
            .bind(&u.title)
            .bind(&u.homepage)
            .bind(&u.bio)
            .bind(&u.tag)
            .bind(&u.language)
            .bind(&u.gender)
            .bind(&u.birthday)
            .bind(u.is_admin)
            .bind(u.is_forbidden)
            .bind(u.is_deleted)
            .bind(&u.signup_application)
            .bind(&u.wechat)
            .bind(properties)
            .bind(u.email_pending)
            .bind(u.phone_pending)
            .execute(&mut *c)
            .await
            .map_err(db_error)
            .on_conflict(|m| users::conflict_message(u, m))
            .on_reference(|| format!("organization {} does not exist", u.owner))?;
            Ok(())
        }

        pub(crate) async fn update_user(c: &mut Conn, u: &User) -> StoreResult<bool> {
            let properties = crate::error::to_json(&u.properties)?;
            let done = sqlx::query(
                "UPDATE users SET created_time = $3, updated_time = $4, id = $5, type = $6, \
                 password_hash = $7, display_name = $8, first_name = $9, last_name = $10, \
                 avatar = $11, email = $12, email_verified = $13, phone = $14, country_code = $15, \
                 region = $16, location = $17, affiliation = $18, title = $19, homepage = $20, \
                 bio = $21, tag = $22, language = $23, gender = $24, birthday = $25, \
                 is_admin = $26, is_forbidden = $27, is_deleted = $28, signup_application = $29, \
                 wechat = $30, properties = $31, email_pending = $32, phone_pending = $33 \
                 WHERE owner = $1 AND name = $2",
            )
            .bind(&u.owner)
            .bind(&u.name)
            .bind(&u.created_time)
            .bind(&u.updated_time)
            .bind(&u.id)
            .bind(&u.type_)
            .bind(&u.password_hash)
            .bind(&u.display_name)
            .bind(&u.first_name)
            .bind(&u.last_name)
            .bind(&u.avatar)
            .bind(&u.email)
            .bind(u.email_verified)
            .bind(&u.phone)
            .bind(&u.country_code)
            .bind(&u.region)
            .bind(&u.location)
            .bind(&u.affiliation)
            .bind(&u.title)
            .bind(&u.homepage)
            .bind(&u.bio)
            .bind(&u.tag)
            .bind(&u.language)
            .bind(&u.gender)
            .bind(&u.birthday)
            .bind(u.is_admin)
            .bind(u.is_forbidden)
            .bind(u.is_deleted)
            .bind(&u.signup_application)
            .bind(&u.wechat)
            .bind(properties)
            .bind(u.email_pending)
            .bind(u.phone_pending)
            .execute(&mut *c)
            .await
            .map_err(db_error)
            .on_conflict(|m| users::conflict_message(u, m))?;
            Ok(done.rows_affected() > 0)
        }

        /// Tokens and sessions have no foreign key to users (client-credentials tokens have
        /// no user), so they go explicitly; WeChat identities go by `ON DELETE CASCADE`.
        /// Identity events stay: they are the audit trail.
        pub(crate) async fn delete_user(
            c: &mut Conn,
            owner: &str,
            name: &str,
        ) -> StoreResult<bool> {
            sqlx::query("DELETE FROM tokens WHERE organization = $1 AND user_name = $2")
                .bind(owner)
                .bind(name)
                .execute(&mut *c)
                .await
                .map_err(db_error)?;
            sqlx::query("DELETE FROM sessions WHERE owner = $1 AND name = $2")
                .bind(owner)
                .bind(name)
                .execute(&mut *c)
                .await
                .map_err(db_error)?;
            let done = sqlx::query("DELETE FROM users WHERE owner = $1 AND name = $2")
                .bind(owner)
                .bind(name)
                .execute(&mut *c)
                .await
                .map_err(db_error)?;
            Ok(done.rows_affected() > 0)
        }
    };
}
pub(crate) use user_queries;
