//! One group of grouped writes, made on purpose (the queue groups only what waits at the
//! same moment, which a test cannot force): what applies within a group.

use ferrodoor_core::entity::{IdentityEvent, Organization, Token, User, WeChatIdentity};
use ferrodoor_core::store::{GroupedSignup, GroupedWrite};

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
    let answers = match &db.database().inner {
        Inner::Sqlite(b) => crate::sqlite::commit_grouped_writes(&b.writer, None, writes).await,
        Inner::Postgres(b) => crate::postgres::commit_grouped_writes(&b.writer, None, writes).await,
    };
    let applied: Vec<bool> = answers.into_iter().map(|a| a.expect("write")).collect();
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
