//! `authz_models`, `authz_permissions`, `authz_roles`, `authz_groups`, `authz_adapters`,
//! `authz_enforcers` (one shape: key, list columns, the object as JSON); `authz_version` is in `versions`.

use ferrodoor_core::store::AuthzRecord;

/// Declares one authorization table: all six share [`AuthzRecord`]'s shape (the core owns
/// the shape of `body`, see `entity::authz`).
macro_rules! authz_table {
    ($row:ident, $table:literal) => {
        crate::tables::table! {
            #[doc = concat!("A row of `", $table, "`.")]
            $row for AuthzRecord in $table {
                key {
                    owner: String = "owner", list("owner", Text);
                    name: String = "name", list("name", Text);
                }
                columns {
                    created_time: String = "created_time", list("createdTime", Text);
                    display_name: String = "display_name", list("displayName", Text);
                    body: String = "body", unlisted;
                }
                conflict = |r, _m| format!("{}/{} already exists", r.owner, r.name);
            }
        }
    };
}

authz_table!(ModelRow, "authz_models");
authz_table!(PermissionRow, "authz_permissions");
authz_table!(RoleRow, "authz_roles");
authz_table!(GroupRow, "authz_groups");
authz_table!(AdapterRow, "authz_adapters");
authz_table!(EnforcerRow, "authz_enforcers");

/// Runs `$body` with `$row` naming the row type of `$kind`'s table.
macro_rules! for_kind {
    ($kind:expr, $row:ident => $body:expr) => {
        match $kind {
            AuthzKind::Model => {
                type $row = authz::ModelRow;
                $body
            }
            AuthzKind::Permission => {
                type $row = authz::PermissionRow;
                $body
            }
            AuthzKind::Role => {
                type $row = authz::RoleRow;
                $body
            }
            AuthzKind::Group => {
                type $row = authz::GroupRow;
                $body
            }
            AuthzKind::Adapter => {
                type $row = authz::AdapterRow;
                $body
            }
            AuthzKind::Enforcer => {
                type $row = authz::EnforcerRow;
                $body
            }
        }
    };
}
pub(crate) use for_kind;

/// Expands the authorization queries for the backend in scope; see [`crate::backend`].
macro_rules! authz_queries {
    () => {
        use crate::tables::authz::{self, for_kind};
        use ferrodoor_core::store::{AuthzKind, AuthzRecord};

        pub(crate) async fn get_authz(
            c: &mut Conn,
            kind: AuthzKind,
            owner: &str,
            name: &str,
            lock: bool,
        ) -> StoreResult<Option<AuthzRecord>> {
            for_kind!(kind, R => if lock {
                get_for_update::<R>(c, (owner, name)).await
            } else {
                get::<R>(c, (owner, name)).await
            })
        }

        pub(crate) async fn list_authz(
            c: &mut Conn,
            kind: AuthzKind,
            owner: Option<&str>,
            query: &ListQuery,
        ) -> StoreResult<Page<AuthzRecord>> {
            let scope = owner.map(|o| ("owner", o));
            for_kind!(kind, R => list::<R>(c, scope, query).await)
        }

        pub(crate) async fn insert_authz(
            c: &mut Conn,
            kind: AuthzKind,
            r: &AuthzRecord,
        ) -> StoreResult<()> {
            for_kind!(kind, R => insert::<R>(c, r).await)
        }

        /// Replaces (`owner`, `name`) by `r`; a rename is a delete and an insert (in the
        /// caller's transaction).
        pub(crate) async fn update_authz(
            c: &mut Conn,
            kind: AuthzKind,
            owner: &str,
            name: &str,
            r: &AuthzRecord,
        ) -> StoreResult<bool> {
            if r.owner == owner && r.name == name {
                return for_kind!(kind, R => update::<R>(c, r).await);
            }
            if !delete_authz(c, kind, owner, name).await? {
                return Ok(false);
            }
            insert_authz(c, kind, r).await?;
            Ok(true)
        }

        pub(crate) async fn delete_authz(
            c: &mut Conn,
            kind: AuthzKind,
            owner: &str,
            name: &str,
        ) -> StoreResult<bool> {
            for_kind!(kind, R => delete::<R>(c, (owner, name)).await)
        }
    };
}
pub(crate) use authz_queries;
