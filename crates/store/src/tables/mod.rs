//! One file per table: its row type, its list allow-list and a macro with its queries.
//!
//! The queries are macros rather than functions because sqlx's executor and codec traits
//! are per backend: [`crate::backend::define_backend`] expands every macro once for SQLite
//! and once for PostgreSQL, from the same SQL text.

pub(crate) mod applications;
pub(crate) mod authorization_codes;
pub(crate) mod authz;
pub(crate) mod certs;
pub(crate) mod identity_events;
pub(crate) mod organizations;
pub(crate) mod providers;
pub(crate) mod sessions;
pub(crate) mod tokens;
pub(crate) mod users;
pub(crate) mod wechat;
pub(crate) mod wechat_tokens;

#[cfg(test)]
mod plans;

use ferrodoor_core::store::StoreResult;

/// A row as read, turned into the core's entity (JSON columns are parsed here).
pub(crate) trait IntoEntity {
    type Entity;
    fn into_entity(self) -> StoreResult<Self::Entity>;
}
