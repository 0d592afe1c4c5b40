//! Statements on the SQLite connections the store opens itself with rusqlite (the group
//! writer's, the inline readers'), beside sqlx's pools on the same file: the same SQL
//! text, values bound and rows decoded as sqlx binds and decodes them.

use std::path::Path;
use std::time::Duration;

use ferrodoor_core::store::StoreResult;
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{CachedStatement, Connection, OpenFlags, ToSql};

use crate::error::rusqlite_error;
use crate::tables::{FromSqliteRow, IntoEntity, Table, Value};

/// Statements kept prepared per connection: each table's insert in its 7 sizes, the
/// touch's, the lookups.
const STATEMENT_CACHE: usize = 64;

/// Opens `file` (created by the pool's writer, already in WAL mode) with the pools'
/// settings: foreign keys on, `synchronous = NORMAL`, `temp_store = MEMORY`, no automatic
/// checkpoints (`checkpoint.rs` runs them), `busy_timeout`.
pub(crate) fn open(
    file: &Path,
    flags: OpenFlags,
    busy_timeout: Duration,
) -> StoreResult<Connection> {
    let conn = Connection::open_with_flags(file, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(rusqlite_error)?;
    conn.busy_timeout(busy_timeout).map_err(rusqlite_error)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(rusqlite_error)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(rusqlite_error)?;
    conn.pragma_update(None, "temp_store", "MEMORY")
        .map_err(rusqlite_error)?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)
        .map_err(rusqlite_error)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// `sql`, prepared once per connection, with `values` bound to `$1`, `$2` … in order
/// (every text the store runs numbers them so; tested in `group.rs`).
pub(crate) fn bound<'c>(
    conn: &'c Connection,
    sql: &str,
    values: &[Value<'_>],
) -> rusqlite::Result<CachedStatement<'c>> {
    let mut statement = conn.prepare_cached(sql)?;
    for (i, value) in values.iter().enumerate() {
        statement.raw_bind_parameter(i + 1, value)?;
    }
    Ok(statement)
}

/// The first row of `sql` as `T`'s entity, if any.
pub(crate) fn fetch_optional<T: Table + FromSqliteRow>(
    conn: &Connection,
    sql: &str,
    values: &[Value<'_>],
) -> StoreResult<Option<T::Entity>> {
    let read = || -> rusqlite::Result<Option<T>> {
        let mut statement = bound(conn, sql, values)?;
        let mut rows = statement.raw_query();
        let row = rows.next()?.map(T::from_sqlite_row).transpose()?;
        Ok(row)
    };
    read()
        .map_err(rusqlite_error)?
        .map(IntoEntity::into_entity)
        .transpose()
}

/// Values bind as sqlx binds them on SQLite: text, NULL, integers (booleans 0 and 1), reals.
impl ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Str(v) => ValueRef::Text(v.as_bytes()),
            Value::OptStr(Some(v)) => ValueRef::Text(v.as_bytes()),
            Value::OptStr(None) => ValueRef::Null,
            Value::Owned(v) => ValueRef::Text(v.as_bytes()),
            Value::Bool(v) => ValueRef::Integer(i64::from(*v)),
            Value::Int(v) => ValueRef::Integer(*v),
            Value::Float(v) => ValueRef::Real(*v),
        }))
    }
}
