//! Running a test on both backends, and entities to store.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use ferrodoor_core::entity::{
    Application, AuthorizationCode, IdentityEvent, Organization, ProviderItem, Session, Token,
    User, WeChatIdentity,
};
use ferrodoor_core::store::{Store, StoreError, StoreTx};
use ferrodoor_store::testdb::TestDb;

/// What a test body gets.
#[derive(Clone)]
pub struct Env {
    pub store: Arc<dyn Store>,
    pub backend: &'static str,
    pub url: String,
}

impl Env {
    pub async fn tx(&self) -> Box<dyn StoreTx> {
        self.store.begin().await.expect("begin")
    }

    pub fn is_postgres(&self) -> bool {
        self.backend == "postgres"
    }
}

/// Runs `test` on SQLite, then on PostgreSQL, each with a fresh migrated database.
pub async fn on_both<F, Fut>(test: F)
where
    F: Fn(Env) -> Fut,
    Fut: Future<Output = ()>,
{
    // `postgres()` is None when the PostgreSQL tests are skipped (it said so on the terminal).
    let dbs = [Some(TestDb::sqlite().await), TestDb::postgres().await];
    for db in dbs.into_iter().flatten() {
        // Shown with the failure, so it says which backend failed.
        println!("--- backend: {}", db.backend_name());
        let env = Env {
            store: db.store(),
            backend: db.backend_name(),
            url: db.url().to_string(),
        };
        assert_eq!(env.store.backend_name(), env.backend);
        test(env).await;
        db.cleanup().await;
    }
}

/// Runs a body in a transaction and commits it.
#[macro_export]
macro_rules! committed {
    ($env:expr, |$tx:ident| $body:expr) => {{
        let mut $tx = $env.tx().await;
        let out = $body;
        $tx.commit().await.expect("commit");
        out
    }};
}

/// Runs a body in a transaction and drops it (rolled back). Use it for calls expected to
/// fail: a second transaction must not be opened while one is alive, as on SQLite the
/// second waits for the single writer the first one holds.
#[macro_export]
macro_rules! rolled_back {
    ($env:expr, |$tx:ident| $body:expr) => {{
        let mut $tx = $env.tx().await;
        let out = $body;
        drop($tx);
        out
    }};
}

pub fn org(name: &str) -> Organization {
    Organization {
        owner: "admin".into(),
        name: name.into(),
        created_time: "2024-01-01T00:00:00Z".into(),
        display_name: format!("Org {name}"),
        website_url: "https://example.com".into(),
        password_type: "argon2id".into(),
        ..Default::default()
    }
}

pub fn app(name: &str, organization: &str, client_id: &str) -> Application {
    Application {
        name: name.into(),
        created_time: "2024-01-02T00:00:00Z".into(),
        organization: organization.into(),
        client_id: client_id.into(),
        client_secret: format!("secret-{name}"),
        redirect_uris: vec![
            "https://a.example/cb".into(),
            "https://b.example/cb?x=1".into(),
        ],
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        expire_in_hours: 1.5,
        refresh_expire_in_hours: 720.0,
        providers: vec![ProviderItem {
            owner: "admin".into(),
            name: "wx".into(),
            can_sign_up: true,
            can_sign_in: true,
            rule: "None".into(),
            ..Default::default()
        }],
        ..Default::default()
    }
}

pub fn user(owner: &str, name: &str) -> User {
    let mut properties = BTreeMap::new();
    properties.insert("level".to_string(), "3".to_string());
    properties.insert("note".to_string(), "quote \" and unicode ✓".to_string());
    User {
        owner: owner.into(),
        name: name.into(),
        created_time: "2024-01-03T00:00:00Z".into(),
        updated_time: "2024-01-03T00:00:00Z".into(),
        id: uuid::Uuid::new_v4().to_string(),
        type_: "normal-user".into(),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        display_name: format!("User {name}"),
        email: format!("{name}@example.com"),
        email_verified: true,
        phone: "13800000000".into(),
        is_admin: false,
        properties,
        ..Default::default()
    }
}

pub fn identity(
    organization: &str,
    appid: &str,
    openid: &str,
    unionid: Option<&str>,
    user: &str,
) -> WeChatIdentity {
    WeChatIdentity {
        organization: organization.into(),
        appid: appid.into(),
        openid: openid.into(),
        unionid: unionid.map(Into::into),
        user_name: user.into(),
        created_time: "2024-01-04T00:00:00Z".into(),
        updated_time: "2024-01-04T00:00:00Z".into(),
        session_key_sealed: Some(format!("sealed-{openid}")),
    }
}

/// A link or unlink of `appid`/`openid` to `organization`/`user`, at `created_time`.
pub fn event(
    organization: &str,
    user: &str,
    appid: &str,
    openid: &str,
    action: &str,
    created_time: &str,
) -> IdentityEvent {
    IdentityEvent {
        organization: organization.into(),
        appid: appid.into(),
        openid: openid.into(),
        user_name: user.into(),
        action: action.into(),
        actor: format!("{organization}/{user}"),
        method: if action == "link" { "login" } else { "unbind" }.into(),
        created_time: created_time.into(),
    }
}

pub fn token(
    name: &str,
    organization: &str,
    user: &str,
    expires_at: i64,
    refresh: Option<(&str, i64)>,
) -> Token {
    Token {
        owner: "admin".into(),
        name: name.into(),
        created_time: "2024-01-05T00:00:00Z".into(),
        application: "app".into(),
        organization: organization.into(),
        user: user.into(),
        expires_in: 3600,
        scope: "openid profile".into(),
        token_type: "Bearer".into(),
        grant_type: if user.is_empty() {
            "client_credentials"
        } else {
            "authorization_code"
        }
        .into(),
        expires_at,
        refresh_token_hash: refresh.map(|(h, _)| h.to_string()),
        refresh_expires_at: refresh.map(|(_, at)| at).unwrap_or(0),
        revoked: false,
        // The first token of its chain.
        family: name.into(),
        auth_time: 1_500,
    }
}

pub fn auth_code(code_hash: &str, expires_at: i64) -> AuthorizationCode {
    AuthorizationCode {
        code_hash: code_hash.into(),
        application: "app".into(),
        organization: "acme".into(),
        user_name: "alice".into(),
        redirect_uri: "https://a.example/cb?x=1".into(),
        scope: "openid profile".into(),
        nonce: "n-0S6_WzA2Mj".into(),
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        code_challenge_method: "S256".into(),
        auth_time: 1_234,
        expires_at,
        used: false,
        token_name: None,
    }
}

pub fn session(id_hash: &str, owner: &str, name: &str, expires_at: i64) -> Session {
    Session {
        id_hash: id_hash.into(),
        owner: owner.into(),
        name: name.into(),
        created_at: 1_000,
        expires_at,
    }
}

/// An organization with one user, committed.
pub async fn org_with_user(env: &Env, org_name: &str, user_name: &str) -> User {
    let u = user(org_name, user_name);
    committed!(env, |tx| {
        tx.insert_organization(&org(org_name))
            .await
            .expect("insert org");
        tx.insert_user(&u).await.expect("insert user");
    });
    u
}

pub fn expect_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>, needle: &str) {
    match result {
        Err(StoreError::Conflict(msg)) => assert!(
            msg.contains(needle),
            "conflict message {msg:?} lacks {needle:?}"
        ),
        other => panic!("expected Conflict containing {needle:?}, got {other:?}"),
    }
}

pub fn expect_reference<T: std::fmt::Debug>(result: Result<T, StoreError>, needle: &str) {
    match result {
        Err(StoreError::Reference(msg)) => assert!(
            msg.contains(needle),
            "reference message {msg:?} lacks {needle:?}"
        ),
        other => panic!("expected Reference containing {needle:?}, got {other:?}"),
    }
}
