//! The storage port. One implementation (sqlx, SQLite and PostgreSQL) lives in `ferrodoor-store`.
//!
//! Reads go through [`Store`] directly. Every change goes through a [`StoreTx`]: the service
//! that owns a use case opens one transaction, does all of its writes in it and commits,
//! so a multi-row change is never half-written.

use async_trait::async_trait;

use crate::entity::{
    Application, AuthorizationCode, CasdoorSession, Cert, IdentityEvent, Organization, Provider,
    Record, ScanTicket, Session, Token, User, WeChatIdentity, Webhook, WebhookDelivery,
};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness rule would be broken (the message names what clashed).
    #[error("{0}")]
    Conflict(String),
    /// A row refers to one that does not exist, or is still referred to.
    #[error("{0}")]
    Reference(String),
    /// The database refused a value it cannot hold (PostgreSQL: a NUL in text, an
    /// out-of-range number): the request's fault, not the server's.
    #[error("invalid value: {0}")]
    Invalid(String),
    /// The database cannot be reached right now: 503, retry later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Other(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Filtering, sorting and paging of a list, with field names already checked against the
/// entity's allow-list (the store checks them again: they become column names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// (JSON field name, substring to look for)
    pub filter: Option<(String, String)>,
    /// (JSON field name, descending)
    pub sort: Option<(String, bool)>,
    /// (1-based page, page size)
    pub page: Option<(u32, u32)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Number of matching rows regardless of paging.
    pub total: u64,
}

/// An email or a phone number to find a user by (Casdoor's get-user `?email=` / `?phone=`).
#[derive(Debug, Clone, Copy)]
pub enum Contact<'a> {
    Email(&'a str),
    Phone(&'a str),
}

/// Which WeChat identity a login presents.
#[derive(Debug, Clone, Copy)]
pub struct WeChatLookup<'a> {
    pub organization: &'a str,
    pub appid: &'a str,
    pub openid: &'a str,
    pub unionid: Option<&'a str>,
}

/// The shared WeChat access token of one AppID (see `wechat_access_tokens`).
#[derive(Clone, PartialEq, Eq)]
pub struct StoredAccessToken {
    pub appid: String,
    /// Sealed with the server's secret key; None before the first fetch.
    pub token_sealed: Option<String>,
    /// Unix seconds.
    pub expires_at: i64,
    /// Grows with every token stored.
    pub version: i64,
}

impl std::fmt::Debug for StoredAccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredAccessToken")
            .field("appid", &self.appid)
            .field("expires_at", &self.expires_at)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// The kinds of authorization object, each in its own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthzKind {
    Model,
    Permission,
    Role,
    Group,
    Adapter,
    Enforcer,
}

/// How many sign-in records of one `action` and `login_method` a day (`YYYY-MM-DD`, UTC) has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigninCount {
    pub day: String,
    pub action: String,
    pub login_method: String,
    pub count: u64,
}

/// An authorization object as stored: its key and list columns, and the whole object as
/// JSON (the core owns its shape; see `entity::authz`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthzRecord {
    pub owner: String,
    pub name: String,
    pub created_time: String,
    pub display_name: String,
    pub body: String,
}

/// The stored versions a request reads once (see [`Store::versions`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    pub config: i64,
    pub authz: i64,
}

/// What a token grant writes (the token, its records and their webhook deliveries),
/// committed together with other grants' writes (see [`Store::commit_grouped`]).
#[derive(Debug, Clone)]
pub struct GroupedWrite {
    /// A returning WeChat sign-in: the identity's session key and time are updated, and
    /// everything is written only if the identity still names `user_name` and that user
    /// is neither forbidden nor deleted (what the caller read before, checked again in
    /// the writing transaction).
    pub identity: Option<WeChatIdentity>,
    /// A first WeChat sign-in's new account.
    pub signup: Option<GroupedSignup>,
    pub token: Token,
    pub records: Vec<Record>,
    pub deliveries: Vec<WebhookDelivery>,
}

/// A new account made by a first WeChat sign-in: the user, the identity linked to it and
/// the link's event. Written only if, in the writing transaction, no identity of the
/// organization has the identity's unionid (else that person has an account already);
/// a user or identity that exists by then fails the write with a conflict.
#[derive(Debug, Clone)]
pub struct GroupedSignup {
    pub user: User,
    pub identity: WeChatIdentity,
    pub event: IdentityEvent,
}

/// The answer of [`StoreTx::claim_signin_attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigninClaim {
    /// The attempt is counted; its password may be checked.
    Claimed,
    /// The account is frozen: its last wrong password was at `last_wrong_at` (unix seconds).
    Frozen { last_wrong_at: i64 },
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    async fn begin(&self) -> StoreResult<Box<dyn StoreTx>>;
    /// Whether the database answers (for `/api/health`).
    async fn ping(&self) -> StoreResult<()>;
    /// "sqlite" or "postgres".
    fn backend_name(&self) -> &'static str;

    /// Claims a one-time WeChat code (its sha256), committed when this answers: true when
    /// this call took it, false when it was claimed before (on any node). Concurrent claims
    /// are committed together (group commit); see `StoreTx::claim_wechat_code`.
    async fn claim_wechat_code(
        &self,
        appid: &str,
        code_hash: &str,
        expires_at: i64,
    ) -> StoreResult<bool>;

    /// Writes `write` in one transaction with the grouped writes waiting at the same
    /// moment, committed when this answers (group commit). False: `write.identity` no
    /// longer links an active user, and nothing of `write` was written.
    async fn commit_grouped(&self, write: GroupedWrite) -> StoreResult<bool>;

    async fn get_organization(&self, name: &str) -> StoreResult<Option<Organization>>;
    async fn list_organizations(&self, query: &ListQuery) -> StoreResult<Page<Organization>>;

    async fn get_application(&self, name: &str) -> StoreResult<Option<Application>>;
    async fn get_application_by_client_id(
        &self,
        client_id: &str,
    ) -> StoreResult<Option<Application>>;
    /// `organization`: only that organization's applications.
    async fn list_applications(
        &self,
        organization: Option<&str>,
        query: &ListQuery,
    ) -> StoreResult<Page<Application>>;

    async fn get_provider(&self, name: &str) -> StoreResult<Option<Provider>>;
    /// `owner`: only providers of that owner (`admin` for global ones, else an organization).
    async fn list_providers(
        &self,
        owner: Option<&str>,
        query: &ListQuery,
    ) -> StoreResult<Page<Provider>>;

    async fn get_user(&self, owner: &str, name: &str) -> StoreResult<Option<User>>;
    async fn get_user_by_id(&self, id: &str) -> StoreResult<Option<User>>;
    /// A user by email or phone, never by a pending (self-set, unverified) one; `owner`
    /// None searches every organization.
    async fn find_user_by_contact(
        &self,
        owner: Option<&str>,
        contact: Contact<'_>,
    ) -> StoreResult<Option<User>>;
    async fn list_users(&self, owner: Option<&str>, query: &ListQuery) -> StoreResult<Page<User>>;
    /// The user a WeChat identity belongs to: by (organization, appid, openid), else by
    /// unionid in the organization, else by Casdoor's `wechat` column (openid or unionid).
    async fn find_user_by_wechat(&self, lookup: WeChatLookup<'_>) -> StoreResult<Option<User>>;
    async fn list_wechat_identities(
        &self,
        owner: &str,
        name: &str,
    ) -> StoreResult<Vec<WeChatIdentity>>;
    /// Link and unlink records of a user, oldest first.
    async fn list_identity_events(
        &self,
        owner: &str,
        name: &str,
    ) -> StoreResult<Vec<IdentityEvent>>;

    async fn get_cert(&self, name: &str) -> StoreResult<Option<Cert>>;
    async fn list_certs(&self) -> StoreResult<Vec<Cert>>;

    async fn get_token(&self, name: &str) -> StoreResult<Option<Token>>;
    async fn get_token_by_refresh_hash(
        &self,
        refresh_token_hash: &str,
    ) -> StoreResult<Option<Token>>;
    async fn list_tokens(
        &self,
        organization: Option<&str>,
        query: &ListQuery,
    ) -> StoreResult<Page<Token>>;

    async fn get_session(&self, id_hash: &str) -> StoreResult<Option<Session>>;

    async fn get_scan_ticket(&self, scene: &str) -> StoreResult<Option<ScanTicket>>;

    // ---- verification files (WeChat business domains) ----
    async fn get_verification_file(
        &self,
        provider: &str,
    ) -> StoreResult<Option<crate::entity::VerificationFile>>;
    async fn get_verification_file_by_name(
        &self,
        file_name: &str,
    ) -> StoreResult<Option<crate::entity::VerificationFile>>;

    async fn get_wechat_access_token(&self, appid: &str) -> StoreResult<Option<StoredAccessToken>>;

    async fn get_authz(
        &self,
        kind: AuthzKind,
        owner: &str,
        name: &str,
    ) -> StoreResult<Option<AuthzRecord>>;
    /// `owner`: only that organization's objects. Filters and sorts on `owner`, `name`,
    /// `createdTime` and `displayName`.
    async fn list_authz(
        &self,
        kind: AuthzKind,
        owner: Option<&str>,
        query: &ListQuery,
    ) -> StoreResult<Page<AuthzRecord>>;
    /// Grows with every change to an authorization object or a user's groups, so every
    /// node can tell whether its enforcers are still current.
    async fn authz_version(&self) -> StoreResult<i64>;
    /// The config version (it grows with every write to an organization, application,
    /// provider, certificate or webhook, in that write's transaction: what lets nodes keep
    /// those in memory) and [`Store::authz_version`], read by one statement.
    async fn versions(&self) -> StoreResult<Versions>;
    async fn get_record(&self, name: &str) -> StoreResult<Option<Record>>;
    /// `organization`: only that organization's records.
    async fn list_records(
        &self,
        organization: Option<&str>,
        query: &ListQuery,
    ) -> StoreResult<Page<Record>>;
    // --- the dashboard's counts (issue 16) ---
    /// Sign-in records (signup, login, login-failed) created at or after `since` (RFC
    /// 3339, UTC), counted by day, action and sign-in method. `organization`: only that
    /// organization's; None: every organization's.
    async fn count_signins(
        &self,
        organization: Option<&str>,
        since: &str,
    ) -> StoreResult<Vec<SigninCount>>;
    /// Per day (`YYYY-MM-DD`) from `since`: the distinct users who signed up or in.
    async fn count_active_users(
        &self,
        organization: Option<&str>,
        since: &str,
    ) -> StoreResult<Vec<(String, u64)>>;
    // --- end of the dashboard's counts ---
    async fn get_webhook(&self, owner: &str, name: &str) -> StoreResult<Option<Webhook>>;
    /// `organization`: only the webhooks of that organization.
    async fn list_webhooks(
        &self,
        organization: Option<&str>,
        query: &ListQuery,
    ) -> StoreResult<Page<Webhook>>;
    /// The organization's enabled webhooks (what a record is delivered to).
    async fn enabled_webhooks(&self, organization: &str) -> StoreResult<Vec<Webhook>>;
    /// A webhook's deliveries, oldest first.
    async fn list_webhook_deliveries(
        &self,
        owner: &str,
        name: &str,
    ) -> StoreResult<Vec<WebhookDelivery>>;
    /// Pending deliveries due at `now` whose lease is free, soonest first.
    async fn due_webhook_deliveries(
        &self,
        now: i64,
        limit: i64,
    ) -> StoreResult<Vec<WebhookDelivery>>;

    // ---- Casdoor's Session objects, tokens and certificates (issue 13) ----
    async fn get_casdoor_session(
        &self,
        owner: &str,
        name: &str,
        application: &str,
    ) -> StoreResult<Option<CasdoorSession>>;
    /// `owner`: only that organization's sessions.
    async fn list_casdoor_sessions(
        &self,
        owner: Option<&str>,
        query: &ListQuery,
    ) -> StoreResult<Page<CasdoorSession>>;
}

#[async_trait]
pub trait StoreTx: Send {
    async fn commit(self: Box<Self>) -> StoreResult<()>;

    // Reads inside the transaction. A use case that holds a transaction reads through it,
    // never through the `Store`: on PostgreSQL a second connection per request would
    // exhaust the pool under load. `*_for_update` also locks the row (PostgreSQL) until the
    // transaction ends, for a read-modify-write that cannot lose a concurrent change.
    async fn get_organization(&mut self, name: &str) -> StoreResult<Option<Organization>>;
    async fn get_organization_for_update(
        &mut self,
        name: &str,
    ) -> StoreResult<Option<Organization>>;
    async fn get_application(&mut self, name: &str) -> StoreResult<Option<Application>>;
    async fn get_application_for_update(&mut self, name: &str) -> StoreResult<Option<Application>>;
    async fn get_application_by_client_id(
        &mut self,
        client_id: &str,
    ) -> StoreResult<Option<Application>>;
    async fn get_provider(&mut self, name: &str) -> StoreResult<Option<Provider>>;
    async fn get_provider_for_update(&mut self, name: &str) -> StoreResult<Option<Provider>>;
    async fn get_user(&mut self, owner: &str, name: &str) -> StoreResult<Option<User>>;
    async fn get_user_by_id(&mut self, id: &str) -> StoreResult<Option<User>>;
    async fn list_wechat_identities(
        &mut self,
        owner: &str,
        name: &str,
    ) -> StoreResult<Vec<WeChatIdentity>>;
    async fn get_cert(&mut self, name: &str) -> StoreResult<Option<Cert>>;
    async fn get_token(&mut self, name: &str) -> StoreResult<Option<Token>>;
    async fn get_token_by_refresh_hash(
        &mut self,
        refresh_token_hash: &str,
    ) -> StoreResult<Option<Token>>;
    async fn get_session(&mut self, id_hash: &str) -> StoreResult<Option<Session>>;
    async fn get_wechat_access_token(
        &mut self,
        appid: &str,
    ) -> StoreResult<Option<StoredAccessToken>>;

    /// Inserts fail with [`StoreError::Conflict`] when the key exists; updates and deletes
    /// answer whether a row was affected.
    async fn insert_organization(&mut self, org: &Organization) -> StoreResult<()>;
    async fn update_organization(&mut self, org: &Organization) -> StoreResult<bool>;
    /// Fails with [`StoreError::Reference`] while users or applications still belong to it.
    async fn delete_organization(&mut self, name: &str) -> StoreResult<bool>;

    async fn insert_application(&mut self, app: &Application) -> StoreResult<()>;
    async fn update_application(&mut self, app: &Application) -> StoreResult<bool>;
    async fn delete_application(&mut self, name: &str) -> StoreResult<bool>;

    async fn insert_provider(&mut self, provider: &Provider) -> StoreResult<()>;
    async fn update_provider(&mut self, provider: &Provider) -> StoreResult<bool>;
    async fn delete_provider(&mut self, name: &str) -> StoreResult<bool>;

    /// Reads the user and, on PostgreSQL, locks the row until the transaction ends, so a
    /// read-modify-write cannot lose a concurrent change.
    async fn get_user_for_update(&mut self, owner: &str, name: &str) -> StoreResult<Option<User>>;
    /// Same lookup as [`Store::find_user_by_wechat`], inside the transaction.
    async fn find_user_by_wechat(&mut self, lookup: WeChatLookup<'_>) -> StoreResult<Option<User>>;
    async fn insert_user(&mut self, user: &User) -> StoreResult<()>;
    /// Writes every column of the user (including `password_hash`).
    async fn update_user(&mut self, user: &User) -> StoreResult<bool>;
    /// Deletes the user with its WeChat identities and tokens.
    async fn delete_user(&mut self, owner: &str, name: &str) -> StoreResult<bool>;

    /// Fails with [`StoreError::Conflict`] when (organization, appid, openid) is linked already.
    async fn insert_wechat_identity(&mut self, identity: &WeChatIdentity) -> StoreResult<()>;
    /// Records a later login of a known identity (its unionid may have appeared since and its
    /// `updated_time` moves). Answers false when no such identity exists.
    async fn touch_wechat_identity(&mut self, identity: &WeChatIdentity) -> StoreResult<bool>;

    /// Unlinks the user's identities of one mini program; answers how many were removed.
    async fn delete_wechat_identities(
        &mut self,
        organization: &str,
        appid: &str,
        user_name: &str,
    ) -> StoreResult<u64>;
    async fn insert_identity_event(&mut self, event: &IdentityEvent) -> StoreResult<()>;
    /// The user of `owner` whose `phone` is exactly `phone` (several: the oldest).
    async fn find_user_by_phone(&mut self, owner: &str, phone: &str) -> StoreResult<Option<User>>;

    /// Claims a one-time WeChat code (its sha256) so it is exchanged at most once, even
    /// across several servers. Answers false when it was claimed before.
    async fn claim_wechat_code(
        &mut self,
        appid: &str,
        code_hash: &str,
        expires_at: i64,
    ) -> StoreResult<bool>;
    /// Gives a claim back (the exchange failed before WeChat saw the code).
    async fn release_wechat_code(&mut self, appid: &str, code_hash: &str) -> StoreResult<()>;

    async fn insert_cert(&mut self, cert: &Cert) -> StoreResult<()>;
    async fn update_cert(&mut self, cert: &Cert) -> StoreResult<bool>;

    async fn insert_token(&mut self, token: &Token) -> StoreResult<()>;
    async fn revoke_token(&mut self, name: &str) -> StoreResult<bool>;
    /// Revokes every token of a user; answers how many were live.
    async fn revoke_user_tokens(&mut self, owner: &str, name: &str) -> StoreResult<u64>;

    /// Revokes every live token of a refresh chain; answers how many.
    async fn revoke_token_family(&mut self, family: &str) -> StoreResult<u64>;

    async fn insert_authorization_code(&mut self, code: &AuthorizationCode) -> StoreResult<()>;
    /// Marks the code used and answers it as it was before (so `used == true` in the
    /// answer means a replay). Locks the row on PostgreSQL; None for an unknown code.
    async fn use_authorization_code(
        &mut self,
        code_hash: &str,
    ) -> StoreResult<Option<AuthorizationCode>>;
    /// Records the token issued for a code (revoked if the code is ever replayed).
    async fn set_authorization_code_token(
        &mut self,
        code_hash: &str,
        token_name: &str,
    ) -> StoreResult<()>;

    async fn insert_session(&mut self, session: &Session) -> StoreResult<()>;
    async fn delete_session(&mut self, id_hash: &str) -> StoreResult<bool>;

    async fn get_scan_ticket_for_update(&mut self, scene: &str) -> StoreResult<Option<ScanTicket>>;
    async fn insert_scan_ticket(&mut self, ticket: &ScanTicket) -> StoreResult<()>;
    async fn update_scan_ticket(&mut self, ticket: &ScanTicket) -> StoreResult<bool>;

    // ---- verification files (WeChat business domains) ----
    async fn get_verification_file_for_update(
        &mut self,
        provider: &str,
    ) -> StoreResult<Option<crate::entity::VerificationFile>>;
    async fn insert_verification_file(
        &mut self,
        file: &crate::entity::VerificationFile,
    ) -> StoreResult<()>;
    async fn update_verification_file(
        &mut self,
        file: &crate::entity::VerificationFile,
    ) -> StoreResult<bool>;
    async fn delete_verification_file(&mut self, provider: &str) -> StoreResult<bool>;

    /// Takes the right to fetch the next access token of `appid` until `until` (unix
    /// seconds), when its record is still at `version` (0: no record yet, one is created)
    /// and no other lease runs at `now`. Answers whether it was taken.
    async fn lease_wechat_access_token(
        &mut self,
        appid: &str,
        version: i64,
        now: i64,
        until: i64,
    ) -> StoreResult<bool>;
    /// Stores a token fetched under the lease taken at `version`, ends the lease and
    /// answers the new version; None when the record is no longer at `version`.
    async fn store_wechat_access_token(
        &mut self,
        appid: &str,
        version: i64,
        token_sealed: &str,
        expires_at: i64,
    ) -> StoreResult<Option<i64>>;
    /// Ends a lease taken at `version` without storing a token.
    async fn release_wechat_access_token(&mut self, appid: &str, version: i64) -> StoreResult<()>;

    /// Removes expired code claims, authorization codes, sessions, scan tickets and tokens
    /// past their refresh expiry.
    async fn purge_expired(&mut self, now_unix: i64) -> StoreResult<u64>;

    /// Reads the object and, on PostgreSQL, locks its row until the transaction ends.
    async fn get_authz_for_update(
        &mut self,
        kind: AuthzKind,
        owner: &str,
        name: &str,
    ) -> StoreResult<Option<AuthzRecord>>;
    /// Every object of the kind (owner `None`: of every organization), inside the transaction.
    async fn list_all_authz(
        &mut self,
        kind: AuthzKind,
        owner: Option<&str>,
    ) -> StoreResult<Vec<AuthzRecord>>;
    /// Fails with [`StoreError::Conflict`] when (owner, name) exists.
    async fn insert_authz(&mut self, kind: AuthzKind, record: &AuthzRecord) -> StoreResult<()>;
    /// Replaces the object stored as (`owner`, `name`), which `record` may rename.
    async fn update_authz(
        &mut self,
        kind: AuthzKind,
        owner: &str,
        name: &str,
        record: &AuthzRecord,
    ) -> StoreResult<bool>;
    async fn delete_authz(&mut self, kind: AuthzKind, owner: &str, name: &str)
    -> StoreResult<bool>;
    /// Marks every node's enforcers stale; call in each transaction that changes what an
    /// enforce answers.
    async fn bump_authz_version(&mut self) -> StoreResult<()>;
    /// Counts a password attempt of the user before its password is checked, in one atomic
    /// statement (concurrent attempts are all counted, on every node): the user's
    /// `signin_wrong_times` grows by one (restarts at 1 when the last wrong one was before
    /// `window_start`) and `last_signin_wrong_time` becomes `now`, unless `limit` attempts
    /// were counted since `window_start`: then nothing changes and the account is frozen.
    /// An unknown user answers `Claimed` (there is nothing to count).
    async fn claim_signin_attempt(
        &mut self,
        owner: &str,
        name: &str,
        limit: i64,
        window_start: i64,
        now: i64,
    ) -> StoreResult<SigninClaim>;
    /// A good password: the count starts again from zero.
    async fn reset_signin_wrong_times(&mut self, owner: &str, name: &str) -> StoreResult<()>;
    async fn insert_record(&mut self, record: &Record) -> StoreResult<()>;
    /// Removes records created before `before` (RFC 3339) and finished deliveries created
    /// before `before_unix`; answers how many rows.
    async fn purge_records(&mut self, before: &str, before_unix: i64) -> StoreResult<u64>;
    /// The enabled webhooks of an organization (to queue an event's deliveries).
    async fn enabled_webhooks(&mut self, organization: &str) -> StoreResult<Vec<Webhook>>;
    async fn get_webhook(&mut self, owner: &str, name: &str) -> StoreResult<Option<Webhook>>;
    async fn get_webhook_for_update(
        &mut self,
        owner: &str,
        name: &str,
    ) -> StoreResult<Option<Webhook>>;
    async fn insert_webhook(&mut self, webhook: &Webhook) -> StoreResult<()>;
    async fn update_webhook(&mut self, webhook: &Webhook) -> StoreResult<bool>;
    /// Deletes the webhook and its deliveries.
    async fn delete_webhook(&mut self, owner: &str, name: &str) -> StoreResult<bool>;
    async fn insert_webhook_delivery(&mut self, delivery: &WebhookDelivery) -> StoreResult<()>;
    /// Takes the right to send a pending delivery until `until` when nobody holds it at
    /// `now`; answers whether it was taken (by several nodes at once: exactly one).
    async fn lease_webhook_delivery(&mut self, id: &str, now: i64, until: i64)
    -> StoreResult<bool>;
    /// Writes a delivery's outcome (only its lease holder does).
    async fn update_webhook_delivery(&mut self, delivery: &WebhookDelivery) -> StoreResult<bool>;

    // ---- Casdoor's Session objects, tokens and certificates (issue 13) ----
    async fn get_casdoor_session_for_update(
        &mut self,
        owner: &str,
        name: &str,
        application: &str,
    ) -> StoreResult<Option<CasdoorSession>>;
    async fn insert_casdoor_session(&mut self, session: &CasdoorSession) -> StoreResult<()>;
    async fn update_casdoor_session(&mut self, session: &CasdoorSession) -> StoreResult<bool>;
    async fn delete_casdoor_session(
        &mut self,
        owner: &str,
        name: &str,
        application: &str,
    ) -> StoreResult<bool>;
    /// Deletes every Session object and console session of a user; answers how many rows.
    async fn delete_user_sessions(&mut self, owner: &str, name: &str) -> StoreResult<u64>;
    async fn get_token_for_update(&mut self, name: &str) -> StoreResult<Option<Token>>;
    async fn update_token(&mut self, token: &Token) -> StoreResult<bool>;
    async fn delete_token(&mut self, name: &str) -> StoreResult<bool>;
    async fn get_cert_for_update(&mut self, name: &str) -> StoreResult<Option<Cert>>;
    async fn delete_cert(&mut self, name: &str) -> StoreResult<bool>;
    /// The names of the applications that sign with the certificate.
    async fn applications_using_cert(&mut self, cert: &str) -> StoreResult<Vec<String>>;
}
