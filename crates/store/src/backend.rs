//! The port's implementation, written once and expanded per backend by [`define_backend`].

/// Expands, in the calling module, the [`Store`] and [`StoreTx`] implementations
/// (`Backend` and `Tx`) and every query (module `q`).
///
/// The calling module defines what differs between backends:
/// - `type Db` (the `sqlx::Database`) and `type Conn` (its connection type);
/// - `const NAME: &str`, answered by `backend_name`;
/// - `const BEGIN: &str`, the statement that opens a transaction;
/// - `const LOCK_ROWS: bool`, whether `SELECT … FOR UPDATE` is needed (and understood);
/// - `type Own`, the backend's own connections besides sqlx's pools, with
///   `async fn versions(&self, &Backend)` and
///   `async fn find_user_by_wechat(&self, &Backend, WeChatLookup)`: how the reads every
///   sign-in makes are run (SQLite: on the calling thread, see `sqlite/inline.rs`;
///   PostgreSQL: through the pool as every other read), and `async fn close(&self)`.
///
/// [`Store`]: ferrodoor_core::store::Store
/// [`StoreTx`]: ferrodoor_core::store::StoreTx
macro_rules! define_backend {
    () => {
        /// Every query, from the SQL text in `crate::tables`.
        pub(crate) mod q {
            #[allow(unused_imports)]
            use super::{Conn, Db, LOCK_ROWS};
            use crate::error::{Describe, db_error};
            use crate::tables::applications::{self, ApplicationRow};
            use crate::tables::authorization_codes::AuthorizationCodeRow;
            use crate::tables::certs::{self, CertRow};
            use crate::tables::identity_events::{self, IdentityEventRow};
            use crate::tables::organizations::OrganizationRow;
            use crate::tables::tokens::{self, TokenRow};
            use crate::tables::users::{self, UserRow};
            use crate::tables::wechat::{self, WeChatIdentityRow};
            use crate::tables::webhooks::{self, DeliveryRow, WebhookRow};
            use crate::tables::{IntoEntity, KeyValues, Table, Value};
            use ferrodoor_core::entity::{
                Application, AuthorizationCode, Cert, IdentityEvent, Token, User, WeChatIdentity,
                Webhook, WebhookDelivery,
            };
            use ferrodoor_core::store::{
                Contact, ListQuery, Page, SigninClaim, StoreError, StoreResult, WeChatLookup,
            };

            /// A [`Table`] whose row this backend decodes.
            pub(crate) trait Row:
                Table + for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row>
            {
            }
            impl<T> Row for T where T: Table + for<'r> sqlx::FromRow<'r, <Db as sqlx::Database>::Row> {}

            pub(crate) fn arguments(
                values: Vec<Value<'_>>,
            ) -> StoreResult<<Db as sqlx::Database>::Arguments> {
                use sqlx::Arguments as _;
                let mut args = <Db as sqlx::Database>::Arguments::default();
                for value in values {
                    match value {
                        Value::Str(v) => args.add(v),
                        Value::OptStr(v) => args.add(v),
                        Value::Owned(v) => args.add(v),
                        Value::Bool(v) => args.add(v),
                        Value::Int(v) => args.add(v),
                        Value::Float(v) => args.add(v),
                    }
                    .map_err(|e| StoreError::Other(format!("cannot bind a value: {e}")))?;
                }
                Ok(args)
            }

            /// Runs a statement; answers how many rows it affected.
            pub(crate) async fn execute(
                c: &mut Conn,
                sql: &'static str,
                values: Vec<Value<'_>>,
            ) -> StoreResult<u64> {
                let done = sqlx::query_with(sql, arguments(values)?)
                    .execute(&mut *c)
                    .await
                    .map_err(db_error)?;
                Ok(done.rows_affected())
            }

            pub(crate) async fn fetch_optional<T: Row>(
                c: &mut Conn,
                sql: &'static str,
                values: Vec<Value<'_>>,
            ) -> StoreResult<Option<T::Entity>> {
                let row: Option<T> = sqlx::query_as_with(sql, arguments(values)?)
                    .fetch_optional(&mut *c)
                    .await
                    .map_err(db_error)?;
                row.map(IntoEntity::into_entity).transpose()
            }

            pub(crate) async fn fetch_all<T: Row>(
                c: &mut Conn,
                sql: &'static str,
                values: Vec<Value<'_>>,
            ) -> StoreResult<Vec<T::Entity>> {
                let rows: Vec<T> = sqlx::query_as_with(sql, arguments(values)?)
                    .fetch_all(&mut *c)
                    .await
                    .map_err(db_error)?;
                rows.into_iter().map(IntoEntity::into_entity).collect()
            }

            pub(crate) async fn get<T: Row>(
                c: &mut Conn,
                key: T::Key<'_>,
            ) -> StoreResult<Option<T::Entity>> {
                fetch_optional::<T>(c, &T::statements().get, key.values()).await
            }

            /// [`get`], and on PostgreSQL the row stays locked until the transaction ends
            /// (SQLite's single writer serializes transactions already).
            pub(crate) async fn get_for_update<T: Row>(
                c: &mut Conn,
                key: T::Key<'_>,
            ) -> StoreResult<Option<T::Entity>> {
                let statements = T::statements();
                let sql = if LOCK_ROWS {
                    &statements.get_for_update
                } else {
                    &statements.get
                };
                fetch_optional::<T>(c, sql, key.values()).await
            }

            pub(crate) async fn insert<T: Row>(c: &mut Conn, entity: &T::Entity) -> StoreResult<()> {
                let sql = &T::statements().insert;
                let done = execute(c, sql, T::values(entity)?).await;
                crate::tables::describe::<T, _>(done, entity)?;
                Ok(())
            }

            /// Writes every column but the key; answers whether the row exists.
            pub(crate) async fn update<T: Row>(c: &mut Conn, entity: &T::Entity) -> StoreResult<bool> {
                let sql = &T::statements().update;
                let done = execute(c, sql, T::values(entity)?).await;
                Ok(crate::tables::describe::<T, _>(done, entity)? > 0)
            }

            pub(crate) async fn delete<T: Row>(c: &mut Conn, key: T::Key<'_>) -> StoreResult<bool> {
                Ok(execute(c, &T::statements().delete, key.values()).await? > 0)
            }

            /// A page of a table and the count of all rows matching the filter.
            pub(crate) async fn list<T: Row>(
                c: &mut Conn,
                scope: Option<(&'static str, &str)>,
                query: &ListQuery,
            ) -> StoreResult<Page<T::Entity>> {
                let sql = crate::list::build(&T::SCHEMA, scope, query)?;
                // Safe: the text holds only constants from the allow-list; values are bound.
                let mut count = sqlx::query_scalar::<Db, i64>(sqlx::AssertSqlSafe(sql.count));
                let mut select = sqlx::query_as::<Db, T>(sqlx::AssertSqlSafe(sql.select));
                for arg in sql.args {
                    count = count.bind(arg.clone());
                    select = select.bind(arg);
                }
                if let Some((limit, offset)) = sql.paging {
                    select = select.bind(limit).bind(offset);
                }
                let total = count.fetch_one(&mut *c).await.map_err(db_error)?;
                let rows = select.fetch_all(&mut *c).await.map_err(db_error)?;
                let items = rows
                    .into_iter()
                    .map(IntoEntity::into_entity)
                    .collect::<StoreResult<Vec<_>>>()?;
                Ok(Page {
                    items,
                    total: u64::try_from(total).unwrap_or(0),
                })
            }

            crate::tables::organizations::organization_queries!();
            crate::tables::applications::application_queries!();
            crate::tables::users::user_queries!();
            crate::tables::wechat::wechat_queries!();
            crate::tables::wechat_tokens::wechat_token_queries!();
            crate::tables::identity_events::identity_event_queries!();
            crate::tables::certs::cert_queries!();
            crate::tables::tokens::token_queries!();
            crate::tables::authorization_codes::authorization_code_queries!();
            crate::tables::sessions::session_queries!();
            crate::tables::authz::authz_queries!();
            crate::tables::versions::version_queries!(authz_version, bump_authz_version, "authz_version");
            crate::tables::versions::version_queries!(bump_config_version, "config_version");
            crate::tables::records::record_queries!();
            crate::tables::webhooks::webhook_queries!();
            crate::tables::verification_files::verification_file_queries!();
            crate::tables::casdoor_sessions::casdoor_session_queries!();
            crate::tables::certs::cert_use_queries!();
        }

        use crate::tables::applications::ApplicationRow;
        use crate::tables::authorization_codes::AuthorizationCodeRow;
        use crate::tables::certs::CertRow;
        use crate::tables::identity_events::IdentityEventRow;
        use crate::tables::organizations::OrganizationRow;
        use crate::tables::providers::ProviderRow;
        use crate::tables::scan_tickets::ScanTicketRow;
        use crate::tables::sessions::SessionRow;
        use crate::tables::tokens::TokenRow;
        use crate::tables::users::UserRow;
        use crate::tables::wechat::WeChatIdentityRow;
        use crate::tables::wechat_tokens::AccessTokenRow;
        use crate::tables::records::RecordRow;
        use crate::tables::webhooks::{DeliveryRow, WebhookRow};
        use crate::tables::verification_files::VerificationFileRow;
        use ferrodoor_core::entity::{Record, Webhook, WebhookDelivery};
        use ferrodoor_core::store::{GroupedWrite, Versions};
        use crate::tables::casdoor_sessions::CasdoorSessionRow;
        use ferrodoor_core::entity::CasdoorSession;

        /// Reads go to `reader`, transactions to `writer` (the same pool on PostgreSQL).
        pub(crate) struct Backend {
            pub(crate) reader: sqlx::Pool<Db>,
            pub(crate) writer: sqlx::Pool<Db>,
            /// How long one statement may take before it answers `Unavailable`; None: unbounded.
            pub(crate) statement_timeout: Option<std::time::Duration>,
            /// `wx.login` code claims, committed in groups (see `crate::claims`).
            pub(crate) claims: crate::claims::ClaimQueue,
            /// Token grants' writes, committed in groups (see `group.rs` beside the backend).
            pub(crate) grouped: crate::group::GroupQueue<GroupedWrite, bool>,
            /// The backend's own connections: what runs the reads every sign-in makes (and,
            /// on SQLite, the groups' writes and the checkpoints).
            pub(crate) own: Own,
        }

        /// The most grouped writes one transaction carries.
        pub(crate) const MAX_GROUPED_WRITES: usize = 64;

        impl Backend {
            async fn read(
                &self,
            ) -> ferrodoor_core::store::StoreResult<sqlx::pool::PoolConnection<Db>> {
                crate::pool_metrics::note_acquire("read", &self.reader);
                // A silent database hangs the pool's liveness ping too: bounded like a statement.
                let acquire = async { self.reader.acquire().await.map_err(crate::error::db_error) };
                bounded(self.statement_timeout, acquire).await
            }
        }

        /// A transaction and its statements' bound; dropping it without `commit` rolls it back.
        pub(crate) struct Tx(sqlx::Transaction<'static, Db>, Option<std::time::Duration>);

        impl Tx {
            /// Every write to an object nodes cache (the `config_version` row) moves the version
            /// in the same transaction, so no node can keep serving the old object once
            /// the change is committed.
            async fn config_changed(&mut self) -> StoreResult<()> {
                bounded(self.1, q::bump_config_version(&mut self.0)).await
            }
        }

        /// Bounds one statement on the client side too: a database that stopped answering
        /// (connection open, nothing comes back) cannot hold a request longer than this.
        async fn bounded<T>(
            limit: Option<std::time::Duration>,
            statement: impl std::future::Future<Output = StoreResult<T>>,
        ) -> StoreResult<T> {
            let Some(limit) = limit else {
                return statement.await;
            };
            tokio::time::timeout(limit, statement)
                .await
                .unwrap_or_else(|_| {
                    Err(ferrodoor_core::store::StoreError::Unavailable(format!(
                        "the database did not answer within {} ms",
                        limit.as_millis()
                    )))
                })
        }

        crate::backend::store_impl!();
        crate::backend::store_tx_impl!();
    };
}
pub(crate) use define_backend;

/// `Store` for `Backend`: each read borrows a reader connection for one query function.
macro_rules! store_impl {
    () => {
        #[async_trait::async_trait]
        impl ferrodoor_core::store::Store for Backend {
            async fn begin(&self) -> StoreResult<Box<dyn StoreTx>> {
                crate::pool_metrics::note_acquire("transaction", &self.writer);
                let begin = async {
                    self.writer
                        .begin_with(BEGIN)
                        .await
                        .map_err(crate::error::db_error)
                };
                let tx = bounded(self.statement_timeout, begin).await?;
                Ok(Box::new(Tx(tx, self.statement_timeout)))
            }

            async fn ping(&self) -> StoreResult<()> {
                let ping = async {
                    sqlx::query("SELECT 1")
                        .execute(&mut *self.read().await?)
                        .await
                        .map_err(crate::error::db_error)
                };
                bounded(self.statement_timeout, ping).await?;
                Ok(())
            }

            fn backend_name(&self) -> &'static str {
                NAME
            }

            async fn claim_wechat_code(
                &self,
                appid: &str,
                code_hash: &str,
                expires_at: i64,
            ) -> StoreResult<bool> {
                let claim = crate::claims::CodeClaim {
                    appid: appid.to_string(),
                    code_hash: code_hash.to_string(),
                    expires_at,
                };
                self.claims.claim(claim).await
            }

            async fn commit_grouped(&self, write: GroupedWrite) -> StoreResult<bool> {
                self.grouped.submit(write).await
            }

            async fn get_organization(&self, name: &str) -> StoreResult<Option<Organization>> {
                bounded(
                    self.statement_timeout,
                    q::get::<OrganizationRow>(&mut *self.read().await?, name),
                )
                .await
            }

            async fn list_organizations(
                &self,
                query: &ListQuery,
            ) -> StoreResult<Page<Organization>> {
                bounded(
                    self.statement_timeout,
                    q::list::<OrganizationRow>(&mut *self.read().await?, None, query),
                )
                .await
            }

            async fn get_application(&self, name: &str) -> StoreResult<Option<Application>> {
                bounded(
                    self.statement_timeout,
                    q::get::<ApplicationRow>(&mut *self.read().await?, name),
                )
                .await
            }

            async fn get_application_by_client_id(
                &self,
                client_id: &str,
            ) -> StoreResult<Option<Application>> {
                bounded(
                    self.statement_timeout,
                    q::get_application_by_client_id(&mut *self.read().await?, client_id),
                )
                .await
            }

            async fn list_applications(
                &self,
                organization: Option<&str>,
                query: &ListQuery,
            ) -> StoreResult<Page<Application>> {
                let scope = organization.map(|o| ("organization", o));
                bounded(
                    self.statement_timeout,
                    q::list::<ApplicationRow>(&mut *self.read().await?, scope, query),
                )
                .await
            }

            async fn get_provider(&self, name: &str) -> StoreResult<Option<Provider>> {
                bounded(
                    self.statement_timeout,
                    q::get::<ProviderRow>(&mut *self.read().await?, name),
                )
                .await
            }

            async fn list_providers(
                &self,
                owner: Option<&str>,
                query: &ListQuery,
            ) -> StoreResult<Page<Provider>> {
                let scope = owner.map(|o| ("owner", o));
                bounded(
                    self.statement_timeout,
                    q::list::<ProviderRow>(&mut *self.read().await?, scope, query),
                )
                .await
            }

            async fn get_user(&self, owner: &str, name: &str) -> StoreResult<Option<User>> {
                bounded(
                    self.statement_timeout,
                    q::get::<UserRow>(&mut *self.read().await?, (owner, name)),
                )
                .await
            }

            async fn get_user_by_id(&self, id: &str) -> StoreResult<Option<User>> {
                bounded(
                    self.statement_timeout,
                    q::get_user_by_id(&mut *self.read().await?, id),
                )
                .await
            }

            async fn find_user_by_contact(
                &self,
                owner: Option<&str>,
                contact: Contact<'_>,
            ) -> StoreResult<Option<User>> {
                bounded(
                    self.statement_timeout,
                    q::find_user_by_contact(&mut *self.read().await?, owner, contact),
                )
                .await
            }

            async fn list_users(
                &self,
                owner: Option<&str>,
                query: &ListQuery,
            ) -> StoreResult<Page<User>> {
                let scope = owner.map(|o| ("owner", o));
                bounded(
                    self.statement_timeout,
                    q::list::<UserRow>(&mut *self.read().await?, scope, query),
                )
                .await
            }

            async fn find_user_by_wechat(
                &self,
                lookup: WeChatLookup<'_>,
            ) -> StoreResult<Option<User>> {
                self.own.find_user_by_wechat(self, lookup).await
            }

            async fn list_wechat_identities(
                &self,
                owner: &str,
                name: &str,
            ) -> StoreResult<Vec<WeChatIdentity>> {
                bounded(
                    self.statement_timeout,
                    q::list_wechat_identities(&mut *self.read().await?, owner, name),
                )
                .await
            }

            async fn list_identity_events(
                &self,
                owner: &str,
                name: &str,
            ) -> StoreResult<Vec<IdentityEvent>> {
                bounded(
                    self.statement_timeout,
                    q::list_identity_events(&mut *self.read().await?, owner, name),
                )
                .await
            }

            async fn get_cert(&self, name: &str) -> StoreResult<Option<Cert>> {
                bounded(
                    self.statement_timeout,
                    q::get::<CertRow>(&mut *self.read().await?, name),
                )
                .await
            }

            async fn list_certs(&self) -> StoreResult<Vec<Cert>> {
                bounded(
                    self.statement_timeout,
                    q::list_certs(&mut *self.read().await?),
                )
                .await
            }

            async fn get_token(&self, name: &str) -> StoreResult<Option<Token>> {
                bounded(
                    self.statement_timeout,
                    q::get::<TokenRow>(&mut *self.read().await?, name),
                )
                .await
            }

            async fn get_token_by_refresh_hash(
                &self,
                refresh_token_hash: &str,
            ) -> StoreResult<Option<Token>> {
                bounded(
                    self.statement_timeout,
                    q::get_token_by_refresh_hash(&mut *self.read().await?, refresh_token_hash),
                )
                .await
            }

            async fn list_tokens(
                &self,
                organization: Option<&str>,
                query: &ListQuery,
            ) -> StoreResult<Page<Token>> {
                let scope = organization.map(|o| ("organization", o));
                bounded(
                    self.statement_timeout,
                    q::list::<TokenRow>(&mut *self.read().await?, scope, query),
                )
                .await
            }

            async fn get_session(&self, id_hash: &str) -> StoreResult<Option<Session>> {
                bounded(
                    self.statement_timeout,
                    q::get::<SessionRow>(&mut *self.read().await?, id_hash),
                )
                .await
            }

            async fn get_scan_ticket(&self, scene: &str) -> StoreResult<Option<ScanTicket>> {
                bounded(
                    self.statement_timeout,
                    q::get::<ScanTicketRow>(&mut *self.read().await?, scene),
                )
                .await
            }

            // ---- verification files ----
            async fn get_verification_file(
                &self,
                provider: &str,
            ) -> StoreResult<Option<ferrodoor_core::entity::VerificationFile>> {
                bounded(
                    self.statement_timeout,
                    q::get::<VerificationFileRow>(&mut *self.read().await?, provider),
                )
                .await
            }

            async fn get_verification_file_by_name(
                &self,
                file_name: &str,
            ) -> StoreResult<Option<ferrodoor_core::entity::VerificationFile>> {
                bounded(
                    self.statement_timeout,
                    q::get_verification_file_by_name(&mut *self.read().await?, file_name),
                )
                .await
            }

            async fn get_wechat_access_token(
                &self,
                appid: &str,
            ) -> StoreResult<Option<ferrodoor_core::store::StoredAccessToken>> {
                bounded(
                    self.statement_timeout,
                    q::get::<AccessTokenRow>(&mut *self.read().await?, appid),
                )
                .await
            }

            async fn get_authz(
                &self,
                kind: ferrodoor_core::store::AuthzKind,
                owner: &str,
                name: &str,
            ) -> StoreResult<Option<ferrodoor_core::store::AuthzRecord>> {
                bounded(
                    self.statement_timeout,
                    q::get_authz(&mut *self.read().await?, kind, owner, name, false),
                )
                .await
            }

            async fn list_authz(
                &self,
                kind: ferrodoor_core::store::AuthzKind,
                owner: Option<&str>,
                query: &ListQuery,
            ) -> StoreResult<Page<ferrodoor_core::store::AuthzRecord>> {
                bounded(
                    self.statement_timeout,
                    q::list_authz(&mut *self.read().await?, kind, owner, query),
                )
                .await
            }

            async fn authz_version(&self) -> StoreResult<i64> {
                bounded(
                    self.statement_timeout,
                    q::authz_version(&mut *self.read().await?),
                )
                .await
            }

            async fn versions(&self) -> StoreResult<Versions> {
                self.own.versions(self).await
            }

            async fn get_record(&self, name: &str) -> StoreResult<Option<Record>> {
                bounded(
                    self.statement_timeout,
                    q::get::<RecordRow>(&mut *self.read().await?, name),
                )
                .await
            }

            async fn list_records(
                &self,
                organization: Option<&str>,
                query: &ListQuery,
            ) -> StoreResult<Page<Record>> {
                let scope = organization.map(|o| ("organization", o));
                bounded(
                    self.statement_timeout,
                    q::list::<RecordRow>(&mut *self.read().await?, scope, query),
                )
                .await
            }

            // --- the dashboard's counts (issue 16) ---
            async fn count_signins(
                &self,
                organization: Option<&str>,
                since: &str,
            ) -> StoreResult<Vec<ferrodoor_core::store::SigninCount>> {
                let org = organization.unwrap_or("");
                bounded(
                    self.statement_timeout,
                    q::count_signins(&mut *self.read().await?, org, since),
                )
                .await
            }

            async fn count_active_users(
                &self,
                organization: Option<&str>,
                since: &str,
            ) -> StoreResult<Vec<(String, u64)>> {
                let org = organization.unwrap_or("");
                bounded(
                    self.statement_timeout,
                    q::count_active_users(&mut *self.read().await?, org, since),
                )
                .await
            }
            // --- end of the dashboard's counts ---

            async fn get_webhook(&self, owner: &str, name: &str) -> StoreResult<Option<Webhook>> {
                bounded(
                    self.statement_timeout,
                    q::get::<WebhookRow>(&mut *self.read().await?, (owner, name)),
                )
                .await
            }

            async fn list_webhooks(
                &self,
                organization: Option<&str>,
                query: &ListQuery,
            ) -> StoreResult<Page<Webhook>> {
                let scope = organization.map(|o| ("organization", o));
                bounded(
                    self.statement_timeout,
                    q::list::<WebhookRow>(&mut *self.read().await?, scope, query),
                )
                .await
            }

            async fn enabled_webhooks(&self, organization: &str) -> StoreResult<Vec<Webhook>> {
                bounded(
                    self.statement_timeout,
                    q::enabled_webhooks(&mut *self.read().await?, organization),
                )
                .await
            }

            async fn list_webhook_deliveries(
                &self,
                owner: &str,
                name: &str,
            ) -> StoreResult<Vec<WebhookDelivery>> {
                bounded(
                    self.statement_timeout,
                    q::list_deliveries(&mut *self.read().await?, owner, name),
                )
                .await
            }

            async fn due_webhook_deliveries(
                &self,
                now: i64,
                limit: i64,
            ) -> StoreResult<Vec<WebhookDelivery>> {
                bounded(
                    self.statement_timeout,
                    q::due_deliveries(&mut *self.read().await?, now, limit),
                )
                .await
            }

            // ---- Casdoor's Session objects (issue 13) ----
            async fn get_casdoor_session(
                &self,
                owner: &str,
                name: &str,
                application: &str,
            ) -> StoreResult<Option<CasdoorSession>> {
                bounded(
                    self.statement_timeout,
                    q::get::<CasdoorSessionRow>(
                        &mut *self.read().await?,
                        (owner, name, application),
                    ),
                )
                .await
            }

            async fn list_casdoor_sessions(
                &self,
                owner: Option<&str>,
                query: &ListQuery,
            ) -> StoreResult<Page<CasdoorSession>> {
                let scope = owner.map(|o| ("owner", o));
                bounded(
                    self.statement_timeout,
                    q::list::<CasdoorSessionRow>(&mut *self.read().await?, scope, query),
                )
                .await
            }
        }
    };
}
pub(crate) use store_impl;

/// `StoreTx` for `Tx`: every call runs on the transaction's connection.
macro_rules! store_tx_impl {
    () => {
        #[async_trait::async_trait]
        impl StoreTx for Tx {
            async fn commit(self: Box<Self>) -> StoreResult<()> {
                let limit = self.1;
                bounded(limit, async {
                    self.0.commit().await.map_err(crate::error::db_error)
                })
                .await
            }

            async fn get_organization(&mut self, name: &str) -> StoreResult<Option<Organization>> {
                bounded(self.1, q::get::<OrganizationRow>(&mut self.0, name)).await
            }

            async fn get_organization_for_update(
                &mut self,
                name: &str,
            ) -> StoreResult<Option<Organization>> {
                bounded(
                    self.1,
                    q::get_for_update::<OrganizationRow>(&mut self.0, name),
                )
                .await
            }

            async fn insert_organization(&mut self, org: &Organization) -> StoreResult<()> {
                let done = bounded(self.1, q::insert::<OrganizationRow>(&mut self.0, org)).await?;
                self.config_changed().await?;
                Ok(done)
            }

            async fn update_organization(&mut self, org: &Organization) -> StoreResult<bool> {
                let done = bounded(self.1, q::update::<OrganizationRow>(&mut self.0, org)).await?;
                self.config_changed().await?;
                Ok(done)
            }

            async fn delete_organization(&mut self, name: &str) -> StoreResult<bool> {
                let done = bounded(self.1, q::delete_organization(&mut self.0, name)).await?;
                self.config_changed().await?;
                Ok(done)
            }

            async fn get_application(&mut self, name: &str) -> StoreResult<Option<Application>> {
                bounded(self.1, q::get::<ApplicationRow>(&mut self.0, name)).await
            }

            async fn get_application_for_update(
                &mut self,
                name: &str,
            ) -> StoreResult<Option<Application>> {
                bounded(
                    self.1,
                    q::get_for_update::<ApplicationRow>(&mut self.0, name),
                )
                .await
            }

            async fn get_application_by_client_id(
                &mut self,
                client_id: &str,
            ) -> StoreResult<Option<Application>> {
                bounded(
                    self.1,
                    q::get_application_by_client_id(&mut self.0, client_id),
                )
                .await
            }

            async fn insert_application(&mut self, app: &Application) -> StoreResult<()> {
                let done = bounded(self.1, q::insert::<ApplicationRow>(&mut self.0, app)).await?;
                self.config_changed().await?;
                Ok(done)
            }

            async fn update_application(&mut self, app: &Application) -> StoreResult<bool> {
                let done = bounded(self.1, q::update::<ApplicationRow>(&mut self.0, app)).await?;
                self.config_changed().await?;
                Ok(done)
            }

            async fn delete_application(&mut self, name: &str) -> StoreResult<bool> {
                let done = bounded(self.1, q::delete::<ApplicationRow>(&mut self.0, name)).await?;
                self.config_changed().await?;
                Ok(done)
            }

            async fn get_provider(&mut self, name: &str) -> StoreResult<Option<Provider>> {
                bounded(self.1, q::get::<ProviderRow>(&mut self.0, name)).await
            }

            async fn get_provider_for_update(
                &mut self,
                name: &str,
            ) -> StoreResult<Option<Provider>> {
                bounded(self.1, q::get_for_update::<ProviderRow>(&mut self.0, name)).await
            }

            async fn insert_provider(&mut self, provider: &Provider) -> StoreResult<()> {
                let done = bounded(self.1, q::insert::<ProviderRow>(&mut self.0, provider)).await?;
                self.config_changed().await?;
                Ok(done)
            }

            async fn update_provider(&mut self, provider: &Provider) -> StoreResult<bool> {
                let done = bounded(self.1, q::update::<ProviderRow>(&mut self.0, provider)).await?;
                self.config_changed().await?;
                Ok(done)
            }

            async fn delete_provider(&mut self, name: &str) -> StoreResult<bool> {
                let done = bounded(self.1, q::delete::<ProviderRow>(&mut self.0, name)).await?;
                self.config_changed().await?;
                Ok(done)
            }

            async fn get_user(&mut self, owner: &str, name: &str) -> StoreResult<Option<User>> {
                bounded(self.1, q::get::<UserRow>(&mut self.0, (owner, name))).await
            }

            async fn get_user_for_update(
                &mut self,
                owner: &str,
                name: &str,
            ) -> StoreResult<Option<User>> {
                bounded(
                    self.1,
                    q::get_for_update::<UserRow>(&mut self.0, (owner, name)),
                )
                .await
            }

            async fn get_user_by_id(&mut self, id: &str) -> StoreResult<Option<User>> {
                bounded(self.1, q::get_user_by_id(&mut self.0, id)).await
            }

            async fn find_user_by_wechat(
                &mut self,
                lookup: WeChatLookup<'_>,
            ) -> StoreResult<Option<User>> {
                bounded(self.1, q::find_user_by_wechat(&mut self.0, lookup)).await
            }

            async fn insert_user(&mut self, user: &User) -> StoreResult<()> {
                bounded(self.1, q::insert::<UserRow>(&mut self.0, user)).await
            }

            async fn update_user(&mut self, user: &User) -> StoreResult<bool> {
                bounded(self.1, q::update::<UserRow>(&mut self.0, user)).await
            }

            async fn delete_user(&mut self, owner: &str, name: &str) -> StoreResult<bool> {
                bounded(self.1, q::delete_user(&mut self.0, owner, name)).await
            }

            async fn list_wechat_identities(
                &mut self,
                owner: &str,
                name: &str,
            ) -> StoreResult<Vec<WeChatIdentity>> {
                bounded(self.1, q::list_wechat_identities(&mut self.0, owner, name)).await
            }

            async fn insert_wechat_identity(
                &mut self,
                identity: &WeChatIdentity,
            ) -> StoreResult<()> {
                bounded(
                    self.1,
                    q::insert::<WeChatIdentityRow>(&mut self.0, identity),
                )
                .await
            }

            async fn touch_wechat_identity(
                &mut self,
                identity: &WeChatIdentity,
            ) -> StoreResult<bool> {
                bounded(self.1, q::touch_wechat_identity(&mut self.0, identity)).await
            }

            async fn delete_wechat_identities(
                &mut self,
                organization: &str,
                appid: &str,
                user_name: &str,
            ) -> StoreResult<u64> {
                bounded(
                    self.1,
                    q::delete_wechat_identities(&mut self.0, organization, appid, user_name),
                )
                .await
            }

            async fn insert_identity_event(&mut self, event: &IdentityEvent) -> StoreResult<()> {
                bounded(self.1, q::insert::<IdentityEventRow>(&mut self.0, event)).await
            }

            async fn find_user_by_phone(
                &mut self,
                owner: &str,
                phone: &str,
            ) -> StoreResult<Option<User>> {
                bounded(self.1, q::find_user_by_phone(&mut self.0, owner, phone)).await
            }

            async fn claim_wechat_code(
                &mut self,
                appid: &str,
                code_hash: &str,
                expires_at: i64,
            ) -> StoreResult<bool> {
                bounded(
                    self.1,
                    q::claim_wechat_code(&mut self.0, appid, code_hash, expires_at),
                )
                .await
            }

            async fn release_wechat_code(
                &mut self,
                appid: &str,
                code_hash: &str,
            ) -> StoreResult<()> {
                bounded(
                    self.1,
                    q::release_wechat_code(&mut self.0, appid, code_hash),
                )
                .await
            }

            async fn get_cert(&mut self, name: &str) -> StoreResult<Option<Cert>> {
                bounded(self.1, q::get::<CertRow>(&mut self.0, name)).await
            }

            async fn insert_cert(&mut self, cert: &Cert) -> StoreResult<()> {
                let done = bounded(self.1, q::insert::<CertRow>(&mut self.0, cert)).await?;
                self.config_changed().await?;
                Ok(done)
            }

            async fn update_cert(&mut self, cert: &Cert) -> StoreResult<bool> {
                let done = bounded(self.1, q::update::<CertRow>(&mut self.0, cert)).await?;
                self.config_changed().await?;
                Ok(done)
            }

            async fn get_token(&mut self, name: &str) -> StoreResult<Option<Token>> {
                bounded(self.1, q::get::<TokenRow>(&mut self.0, name)).await
            }

            async fn get_token_by_refresh_hash(
                &mut self,
                refresh_token_hash: &str,
            ) -> StoreResult<Option<Token>> {
                bounded(
                    self.1,
                    q::get_token_by_refresh_hash(&mut self.0, refresh_token_hash),
                )
                .await
            }

            async fn insert_token(&mut self, token: &Token) -> StoreResult<()> {
                bounded(self.1, q::insert::<TokenRow>(&mut self.0, token)).await
            }

            async fn revoke_token(&mut self, name: &str) -> StoreResult<bool> {
                bounded(self.1, q::revoke_token(&mut self.0, name)).await
            }

            async fn revoke_user_tokens(&mut self, owner: &str, name: &str) -> StoreResult<u64> {
                bounded(self.1, q::revoke_user_tokens(&mut self.0, owner, name)).await
            }

            async fn revoke_token_family(&mut self, family: &str) -> StoreResult<u64> {
                bounded(self.1, q::revoke_token_family(&mut self.0, family)).await
            }

            async fn insert_authorization_code(
                &mut self,
                code: &AuthorizationCode,
            ) -> StoreResult<()> {
                bounded(self.1, q::insert::<AuthorizationCodeRow>(&mut self.0, code)).await
            }

            async fn use_authorization_code(
                &mut self,
                code_hash: &str,
            ) -> StoreResult<Option<AuthorizationCode>> {
                bounded(self.1, q::use_authorization_code(&mut self.0, code_hash)).await
            }

            async fn set_authorization_code_token(
                &mut self,
                code_hash: &str,
                token_name: &str,
            ) -> StoreResult<()> {
                bounded(
                    self.1,
                    q::set_authorization_code_token(&mut self.0, code_hash, token_name),
                )
                .await
            }

            async fn get_session(&mut self, id_hash: &str) -> StoreResult<Option<Session>> {
                bounded(self.1, q::get::<SessionRow>(&mut self.0, id_hash)).await
            }

            async fn get_scan_ticket_for_update(
                &mut self,
                scene: &str,
            ) -> StoreResult<Option<ScanTicket>> {
                bounded(
                    self.1,
                    q::get_for_update::<ScanTicketRow>(&mut self.0, scene),
                )
                .await
            }

            async fn insert_scan_ticket(&mut self, ticket: &ScanTicket) -> StoreResult<()> {
                bounded(self.1, q::insert::<ScanTicketRow>(&mut self.0, ticket)).await
            }

            async fn update_scan_ticket(&mut self, ticket: &ScanTicket) -> StoreResult<bool> {
                bounded(self.1, q::update::<ScanTicketRow>(&mut self.0, ticket)).await
            }

            // ---- verification files ----
            async fn get_verification_file_for_update(
                &mut self,
                provider: &str,
            ) -> StoreResult<Option<ferrodoor_core::entity::VerificationFile>> {
                bounded(
                    self.1,
                    q::get_for_update::<VerificationFileRow>(&mut self.0, provider),
                )
                .await
            }

            async fn insert_verification_file(
                &mut self,
                file: &ferrodoor_core::entity::VerificationFile,
            ) -> StoreResult<()> {
                bounded(self.1, q::insert::<VerificationFileRow>(&mut self.0, file)).await
            }

            async fn update_verification_file(
                &mut self,
                file: &ferrodoor_core::entity::VerificationFile,
            ) -> StoreResult<bool> {
                bounded(self.1, q::update::<VerificationFileRow>(&mut self.0, file)).await
            }

            async fn delete_verification_file(&mut self, provider: &str) -> StoreResult<bool> {
                bounded(
                    self.1,
                    q::delete::<VerificationFileRow>(&mut self.0, provider),
                )
                .await
            }

            async fn insert_session(&mut self, session: &Session) -> StoreResult<()> {
                bounded(self.1, q::insert::<SessionRow>(&mut self.0, session)).await
            }

            async fn delete_session(&mut self, id_hash: &str) -> StoreResult<bool> {
                bounded(self.1, q::delete::<SessionRow>(&mut self.0, id_hash)).await
            }

            async fn get_wechat_access_token(
                &mut self,
                appid: &str,
            ) -> StoreResult<Option<ferrodoor_core::store::StoredAccessToken>> {
                bounded(self.1, q::get::<AccessTokenRow>(&mut self.0, appid)).await
            }

            async fn lease_wechat_access_token(
                &mut self,
                appid: &str,
                version: i64,
                now: i64,
                until: i64,
            ) -> StoreResult<bool> {
                bounded(
                    self.1,
                    q::lease_wechat_access_token(&mut self.0, appid, version, now, until),
                )
                .await
            }

            async fn store_wechat_access_token(
                &mut self,
                appid: &str,
                version: i64,
                token_sealed: &str,
                expires_at: i64,
            ) -> StoreResult<Option<i64>> {
                bounded(
                    self.1,
                    q::store_wechat_access_token(
                        &mut self.0,
                        appid,
                        version,
                        token_sealed,
                        expires_at,
                    ),
                )
                .await
            }

            async fn release_wechat_access_token(
                &mut self,
                appid: &str,
                version: i64,
            ) -> StoreResult<()> {
                bounded(
                    self.1,
                    q::release_wechat_access_token(&mut self.0, appid, version),
                )
                .await
            }

            async fn purge_expired(&mut self, now_unix: i64) -> StoreResult<u64> {
                bounded(self.1, q::purge_expired(&mut self.0, now_unix)).await
            }

            async fn claim_signin_attempt(
                &mut self,
                owner: &str,
                name: &str,
                limit: i64,
                window_start: i64,
                now: i64,
            ) -> StoreResult<SigninClaim> {
                bounded(
                    self.1,
                    q::claim_signin_attempt(&mut self.0, owner, name, limit, window_start, now),
                )
                .await
            }

            async fn reset_signin_wrong_times(
                &mut self,
                owner: &str,
                name: &str,
            ) -> StoreResult<()> {
                bounded(
                    self.1,
                    q::reset_signin_wrong_times(&mut self.0, owner, name),
                )
                .await
            }

            async fn get_authz_for_update(
                &mut self,
                kind: ferrodoor_core::store::AuthzKind,
                owner: &str,
                name: &str,
            ) -> StoreResult<Option<ferrodoor_core::store::AuthzRecord>> {
                bounded(self.1, q::get_authz(&mut self.0, kind, owner, name, true)).await
            }

            async fn list_all_authz(
                &mut self,
                kind: ferrodoor_core::store::AuthzKind,
                owner: Option<&str>,
            ) -> StoreResult<Vec<ferrodoor_core::store::AuthzRecord>> {
                let all = ListQuery::default();
                Ok(
                    bounded(self.1, q::list_authz(&mut self.0, kind, owner, &all))
                        .await?
                        .items,
                )
            }

            async fn insert_authz(
                &mut self,
                kind: ferrodoor_core::store::AuthzKind,
                record: &ferrodoor_core::store::AuthzRecord,
            ) -> StoreResult<()> {
                bounded(self.1, q::insert_authz(&mut self.0, kind, record)).await
            }

            async fn update_authz(
                &mut self,
                kind: ferrodoor_core::store::AuthzKind,
                owner: &str,
                name: &str,
                record: &ferrodoor_core::store::AuthzRecord,
            ) -> StoreResult<bool> {
                bounded(
                    self.1,
                    q::update_authz(&mut self.0, kind, owner, name, record),
                )
                .await
            }

            async fn delete_authz(
                &mut self,
                kind: ferrodoor_core::store::AuthzKind,
                owner: &str,
                name: &str,
            ) -> StoreResult<bool> {
                bounded(self.1, q::delete_authz(&mut self.0, kind, owner, name)).await
            }

            async fn bump_authz_version(&mut self) -> StoreResult<()> {
                bounded(self.1, q::bump_authz_version(&mut self.0)).await
            }

            async fn insert_record(&mut self, record: &Record) -> StoreResult<()> {
                bounded(self.1, q::insert::<RecordRow>(&mut self.0, record)).await
            }

            async fn purge_records(&mut self, before: &str, before_unix: i64) -> StoreResult<u64> {
                let records = bounded(self.1, q::purge_records(&mut self.0, before)).await?;
                Ok(records + q::purge_deliveries(&mut self.0, before_unix).await?)
            }

            async fn enabled_webhooks(&mut self, organization: &str) -> StoreResult<Vec<Webhook>> {
                bounded(self.1, q::enabled_webhooks(&mut self.0, organization)).await
            }

            async fn get_webhook(
                &mut self,
                owner: &str,
                name: &str,
            ) -> StoreResult<Option<Webhook>> {
                bounded(self.1, q::get::<WebhookRow>(&mut self.0, (owner, name))).await
            }

            async fn get_webhook_for_update(
                &mut self,
                owner: &str,
                name: &str,
            ) -> StoreResult<Option<Webhook>> {
                bounded(
                    self.1,
                    q::get_for_update::<WebhookRow>(&mut self.0, (owner, name)),
                )
                .await
            }

            async fn insert_webhook(&mut self, webhook: &Webhook) -> StoreResult<()> {
                let done = bounded(self.1, q::insert::<WebhookRow>(&mut self.0, webhook)).await?;
                self.config_changed().await?;
                Ok(done)
            }

            async fn update_webhook(&mut self, webhook: &Webhook) -> StoreResult<bool> {
                let done = bounded(self.1, q::update::<WebhookRow>(&mut self.0, webhook)).await?;
                self.config_changed().await?;
                Ok(done)
            }

            async fn delete_webhook(&mut self, owner: &str, name: &str) -> StoreResult<bool> {
                let done = bounded(self.1, q::delete_webhook(&mut self.0, owner, name)).await?;
                self.config_changed().await?;
                Ok(done)
            }

            async fn insert_webhook_delivery(
                &mut self,
                delivery: &WebhookDelivery,
            ) -> StoreResult<()> {
                bounded(self.1, q::insert::<DeliveryRow>(&mut self.0, delivery)).await
            }

            async fn lease_webhook_delivery(
                &mut self,
                id: &str,
                now: i64,
                until: i64,
            ) -> StoreResult<bool> {
                bounded(self.1, q::lease_delivery(&mut self.0, id, now, until)).await
            }

            async fn update_webhook_delivery(
                &mut self,
                delivery: &WebhookDelivery,
            ) -> StoreResult<bool> {
                bounded(self.1, q::update::<DeliveryRow>(&mut self.0, delivery)).await
            }

            // ---- Casdoor's Session objects, tokens and certificates (issue 13) ----
            async fn get_casdoor_session_for_update(
                &mut self,
                owner: &str,
                name: &str,
                application: &str,
            ) -> StoreResult<Option<CasdoorSession>> {
                bounded(
                    self.1,
                    q::get_for_update::<CasdoorSessionRow>(&mut self.0, (owner, name, application)),
                )
                .await
            }

            async fn insert_casdoor_session(
                &mut self,
                session: &CasdoorSession,
            ) -> StoreResult<()> {
                bounded(self.1, q::insert::<CasdoorSessionRow>(&mut self.0, session)).await
            }

            async fn update_casdoor_session(
                &mut self,
                session: &CasdoorSession,
            ) -> StoreResult<bool> {
                bounded(self.1, q::update::<CasdoorSessionRow>(&mut self.0, session)).await
            }

            async fn delete_casdoor_session(
                &mut self,
                owner: &str,
                name: &str,
                application: &str,
            ) -> StoreResult<bool> {
                bounded(
                    self.1,
                    q::delete::<CasdoorSessionRow>(&mut self.0, (owner, name, application)),
                )
                .await
            }

            async fn delete_user_sessions(&mut self, owner: &str, name: &str) -> StoreResult<u64> {
                bounded(self.1, q::delete_user_sessions(&mut self.0, owner, name)).await
            }

            async fn get_token_for_update(&mut self, name: &str) -> StoreResult<Option<Token>> {
                bounded(self.1, q::get_for_update::<TokenRow>(&mut self.0, name)).await
            }

            async fn update_token(&mut self, token: &Token) -> StoreResult<bool> {
                bounded(self.1, q::update::<TokenRow>(&mut self.0, token)).await
            }

            async fn delete_token(&mut self, name: &str) -> StoreResult<bool> {
                bounded(self.1, q::delete::<TokenRow>(&mut self.0, name)).await
            }

            async fn get_cert_for_update(&mut self, name: &str) -> StoreResult<Option<Cert>> {
                bounded(self.1, q::get_for_update::<CertRow>(&mut self.0, name)).await
            }

            async fn delete_cert(&mut self, name: &str) -> StoreResult<bool> {
                let done = bounded(self.1, q::delete::<CertRow>(&mut self.0, name)).await?;
                self.config_changed().await?;
                Ok(done)
            }

            async fn applications_using_cert(&mut self, cert: &str) -> StoreResult<Vec<String>> {
                bounded(self.1, q::applications_using_cert(&mut self.0, cert)).await
            }
        }
    };
}
pub(crate) use store_tx_impl;
