//! `config_version`: one row that grows with every write to the objects nodes keep in
//! memory (organizations, applications, providers, certificates, webhooks).

/// Expands the config-version queries for the backend in scope; see [`crate::backend`].
macro_rules! config_version_queries {
    () => {
        pub(crate) async fn config_version(c: &mut Conn) -> StoreResult<i64> {
            sqlx::query_scalar("SELECT version FROM config_version WHERE id = 1")
                .fetch_one(&mut *c)
                .await
                .map_err(db_error)
        }

        pub(crate) async fn bump_config_version(c: &mut Conn) -> StoreResult<()> {
            let sql = "UPDATE config_version SET version = version + 1 WHERE id = 1";
            execute(c, sql, vec![]).await?;
            Ok(())
        }
    };
}
pub(crate) use config_version_queries;
