//! `authz_models`, `authz_permissions`, `authz_roles`, `authz_groups`, `authz_adapters`,
//! `authz_enforcers` (one shape: key, list columns, the object as JSON) and `authz_version`.

use ferrodoor_core::store::{AuthzKind, AuthzRecord, StoreResult};

use super::IntoEntity;
use crate::list::{Kind, Table};

const FIELDS: &[(&str, &str, Kind)] = &[
    ("owner", "owner", Kind::Text),
    ("name", "name", Kind::Text),
    ("createdTime", "created_time", Kind::Text),
    ("displayName", "display_name", Kind::Text),
];

const fn table(name: &'static str) -> Table {
    Table {
        name,
        fields: FIELDS,
        key: "owner, name",
    }
}

const MODELS: Table = table("authz_models");
const PERMISSIONS: Table = table("authz_permissions");
const ROLES: Table = table("authz_roles");
const GROUPS: Table = table("authz_groups");
const ADAPTERS: Table = table("authz_adapters");
const ENFORCERS: Table = table("authz_enforcers");

/// The table of a kind (its name is a constant: safe to write into SQL text).
pub(crate) fn table_of(kind: AuthzKind) -> &'static Table {
    match kind {
        AuthzKind::Model => &MODELS,
        AuthzKind::Permission => &PERMISSIONS,
        AuthzKind::Role => &ROLES,
        AuthzKind::Group => &GROUPS,
        AuthzKind::Adapter => &ADAPTERS,
        AuthzKind::Enforcer => &ENFORCERS,
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuthzRow {
    owner: String,
    name: String,
    created_time: String,
    display_name: String,
    body: String,
}

impl IntoEntity for AuthzRow {
    type Entity = AuthzRecord;

    fn into_entity(self) -> StoreResult<AuthzRecord> {
        Ok(AuthzRecord {
            owner: self.owner,
            name: self.name,
            created_time: self.created_time,
            display_name: self.display_name,
            body: self.body,
        })
    }
}

/// Expands the authorization queries for the backend in scope; see [`crate::backend`].
macro_rules! authz_queries {
    () => {
        pub(crate) async fn get_authz(
            c: &mut Conn,
            kind: AuthzKind,
            owner: &str,
            name: &str,
            lock: bool,
        ) -> StoreResult<Option<AuthzRecord>> {
            let table = authz::table_of(kind).name;
            let lock = if lock && LOCK_ROWS { " FOR UPDATE" } else { "" };
            let sql = format!("SELECT * FROM {table} WHERE owner = $1 AND name = $2{lock}");
            let row: Option<AuthzRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(owner)
                .bind(name)
                .fetch_optional(&mut *c)
                .await
                .map_err(db_error)?;
            row.map(IntoEntity::into_entity).transpose()
        }

        pub(crate) async fn list_authz(
            c: &mut Conn,
            kind: AuthzKind,
            owner: Option<&str>,
            query: &ListQuery,
        ) -> StoreResult<Page<AuthzRecord>> {
            let scope = owner.map(|o| ("owner", o));
            list::<AuthzRow>(c, authz::table_of(kind), scope, query).await
        }

        pub(crate) async fn insert_authz(
            c: &mut Conn,
            kind: AuthzKind,
            r: &AuthzRecord,
        ) -> StoreResult<()> {
            let table = authz::table_of(kind).name;
            let sql = format!(
                "INSERT INTO {table} (owner, name, created_time, display_name, body) \
                 VALUES ($1, $2, $3, $4, $5)"
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&r.owner)
                .bind(&r.name)
                .bind(&r.created_time)
                .bind(&r.display_name)
                .bind(&r.body)
                .execute(&mut *c)
                .await
                .map_err(db_error)
                .on_conflict(|_| format!("{}/{} already exists", r.owner, r.name))?;
            Ok(())
        }

        pub(crate) async fn update_authz(
            c: &mut Conn,
            kind: AuthzKind,
            owner: &str,
            name: &str,
            r: &AuthzRecord,
        ) -> StoreResult<bool> {
            let table = authz::table_of(kind).name;
            let sql = format!(
                "UPDATE {table} SET owner = $3, name = $4, created_time = $5, \
                 display_name = $6, body = $7 WHERE owner = $1 AND name = $2"
            );
            let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(owner)
                .bind(name)
                .bind(&r.owner)
                .bind(&r.name)
                .bind(&r.created_time)
                .bind(&r.display_name)
                .bind(&r.body)
                .execute(&mut *c)
                .await
                .map_err(db_error)
                .on_conflict(|_| format!("{}/{} already exists", r.owner, r.name))?;
            Ok(done.rows_affected() > 0)
        }

        pub(crate) async fn delete_authz(
            c: &mut Conn,
            kind: AuthzKind,
            owner: &str,
            name: &str,
        ) -> StoreResult<bool> {
            let table = authz::table_of(kind).name;
            let sql = format!("DELETE FROM {table} WHERE owner = $1 AND name = $2");
            let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(owner)
                .bind(name)
                .execute(&mut *c)
                .await
                .map_err(db_error)?;
            Ok(done.rows_affected() > 0)
        }

        pub(crate) async fn authz_version(c: &mut Conn) -> StoreResult<i64> {
            sqlx::query_scalar("SELECT version FROM authz_version WHERE id = 1")
                .fetch_one(&mut *c)
                .await
                .map_err(db_error)
        }

        pub(crate) async fn bump_authz_version(c: &mut Conn) -> StoreResult<()> {
            sqlx::query("UPDATE authz_version SET version = version + 1 WHERE id = 1")
                .execute(&mut *c)
                .await
                .map_err(db_error)?;
            Ok(())
        }
    };
}
pub(crate) use authz_queries;
