//! One-row version tables (`authz_version`, `config_version`): each grows with every write
//! to the objects nodes keep in memory, in the writing transaction, and is read once per
//! request that uses them.

/// Expands a version's read and bump for the backend in scope; see [`crate::backend`].
macro_rules! version_queries {
    ($read:ident, $bump:ident, $table:literal) => {
        pub(crate) async fn $read(c: &mut Conn) -> StoreResult<i64> {
            sqlx::query_scalar(concat!("SELECT version FROM ", $table, " WHERE id = 1"))
                .fetch_one(&mut *c)
                .await
                .map_err(db_error)
        }

        crate::tables::versions::version_queries!($bump, $table);
    };
    // A version read only with the other (see `BOTH_VERSIONS`).
    ($bump:ident, $table:literal) => {
        pub(crate) async fn $bump(c: &mut Conn) -> StoreResult<()> {
            let sql = concat!("UPDATE ", $table, " SET version = version + 1 WHERE id = 1");
            execute(c, sql, vec![]).await?;
            Ok(())
        }
    };
}
pub(crate) use version_queries;

/// Both versions, config's first, in one row.
pub(crate) const BOTH_VERSIONS: &str = "SELECT (SELECT version FROM config_version WHERE id = 1), \
     (SELECT version FROM authz_version WHERE id = 1)";
