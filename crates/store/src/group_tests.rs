//! One group of grouped writes, made on purpose (the queue groups only what waits at the
//! same moment, which a test cannot force): what applies within a group.

use ferrodoor_core::entity::{IdentityEvent, Organization, Token, User, WeChatIdentity};
use ferrodoor_core::store::{GroupedSignup, GroupedWrite, WeChatLookup};

use crate::Inner;
use crate::testdb::TestDb;

fn signup(name: &str, appid: &str, unionid: &str) -> GroupedWrite {
    let user = User {
        owner: "acme".into(),
        name: name.into(),
        id: format!("id-{name}"),
        ..User::default()
    };
    let identity = WeChatIdentity {
        organization: "acme".into(),
        appid: appid.into(),
        openid: "same-person".into(),
        unionid: Some(unionid.into()),
        user_name: name.into(),
        created_time: String::new(),
        updated_time: String::new(),
        session_key_sealed: None,
    };
    let event = IdentityEvent {
        organization: "acme".into(),
        appid: appid.into(),
        openid: "same-person".into(),
        user_name: name.into(),
        action: "link".into(),
        actor: String::new(),
        method: "login".into(),
        created_time: String::new(),
    };
    GroupedWrite {
        identity: None,
        signup: Some(GroupedSignup {
            user,
            identity,
            event,
        }),
        token: Token {
            name: format!("token-{name}"),
            ..Token::default()
        },
        records: Vec::new(),
        deliveries: Vec::new(),
    }
}

/// Runs one group on `db`'s writer, as the grants' queue would.
async fn one_group(db: &TestDb, writes: Vec<GroupedWrite>) -> Vec<bool> {
    let answers = match &db.database().inner {
        Inner::Sqlite(b) => {
            crate::sqlite::group::commit(&b.writer, &b.own.group_writer, writes).await
        }
        Inner::Postgres(b) => crate::postgres::group::commit(&b.writer, None, writes).await,
    };
    answers.into_iter().map(|a| a.expect("write")).collect()
}

fn returning(user: &str, session_key: &str, token: &str) -> GroupedWrite {
    let mut write = signup(user, "wxA", "U-unused");
    write.signup = None;
    write.token.name = token.into();
    write.identity = Some(WeChatIdentity {
        organization: "acme".into(),
        appid: "wxA".into(),
        openid: format!("o-{user}"),
        unionid: None,
        user_name: user.into(),
        created_time: String::new(),
        updated_time: format!("t-{session_key}"),
        session_key_sealed: Some(session_key.into()),
    });
    write
}

/// Three returning sign-ins in one group, touched by one statement: two of one person (both
/// apply, the later session key stays, as if one after the other) and one of a user
/// forbidden since the read (does not apply, writes nothing).
async fn returning_sign_ins_in_one_group(db: TestDb) {
    let store = db.store();
    let mut tx = store.begin().await.expect("begin");
    let org = Organization {
        name: "acme".into(),
        ..Organization::default()
    };
    tx.insert_organization(&org).await.expect("org");
    for (name, forbidden) in [("alice", false), ("bob", true)] {
        let user = User {
            owner: "acme".into(),
            name: name.into(),
            id: format!("id-{name}"),
            is_forbidden: forbidden,
            ..User::default()
        };
        tx.insert_user(&user).await.expect("user");
        let mut identity = returning(name, "old", "-").identity.expect("identity");
        identity.updated_time = "t-old".into();
        tx.insert_wechat_identity(&identity)
            .await
            .expect("identity");
    }
    tx.commit().await.expect("commit");
    let writes = vec![
        returning("alice", "k1", "t1"),
        returning("bob", "kb", "t2"),
        returning("alice", "k2", "t3"),
    ];
    assert_eq!(
        one_group(&db, writes).await,
        [true, false, true],
        "{}",
        db.backend_name()
    );
    let alice = store
        .list_wechat_identities("acme", "alice")
        .await
        .expect("list");
    assert_eq!(alice[0].session_key_sealed.as_deref(), Some("k2"));
    assert_eq!(alice[0].updated_time, "t-k2");
    let bob = store
        .list_wechat_identities("acme", "bob")
        .await
        .expect("list");
    assert_eq!(bob[0].session_key_sealed.as_deref(), Some("old"));
    assert!(store.get_token("t1").await.expect("get").is_some());
    assert!(store.get_token("t2").await.expect("get").is_none());
    assert!(store.get_token("t3").await.expect("get").is_some());
    db.cleanup().await;
}

#[tokio::test]
async fn returning_sign_ins_in_one_group_sqlite() {
    returning_sign_ins_in_one_group(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn returning_sign_ins_in_one_group_postgres() {
    if let Some(db) = TestDb::postgres().await {
        returning_sign_ins_in_one_group(db).await;
    }
}

/// Two first sign-ins of one person (one unionid, two mini programs) in one group: the
/// first makes the account, the second does not apply.
async fn one_account_per_unionid_in_a_group(db: TestDb) {
    let mut tx = db.store().begin().await.expect("begin");
    let org = Organization {
        name: "acme".into(),
        ..Organization::default()
    };
    tx.insert_organization(&org).await.expect("org");
    tx.commit().await.expect("commit");
    let writes = vec![signup("first", "wxA", "U1"), signup("second", "wxB", "U1")];
    let applied = one_group(&db, writes).await;
    assert_eq!(applied, [true, false], "{}", db.backend_name());
    let store = db.store();
    assert!(
        store
            .get_user("acme", "first")
            .await
            .expect("get")
            .is_some()
    );
    assert!(
        store
            .get_user("acme", "second")
            .await
            .expect("get")
            .is_none()
    );
    assert!(
        store
            .get_token("token-second")
            .await
            .expect("get")
            .is_none()
    );
    // The person's second mini program finds the account through the unionid, on the
    // connections sign-ins read with (SQLite: the inline readers), right after the commit.
    let lookup = WeChatLookup {
        organization: "acme",
        appid: "wxB",
        openid: "same-person",
        unionid: Some("U1"),
    };
    let found = store.find_user_by_wechat(lookup).await.expect("lookup");
    assert_eq!(found.map(|u| u.name).as_deref(), Some("first"));
    db.cleanup().await;
}

#[tokio::test]
async fn one_account_per_unionid_in_a_group_sqlite() {
    one_account_per_unionid_in_a_group(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn one_account_per_unionid_in_a_group_postgres() {
    if let Some(db) = TestDb::postgres().await {
        one_account_per_unionid_in_a_group(db).await;
    }
}
