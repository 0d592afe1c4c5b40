//! The WeChat and phone lookups run on every login, the event list on every identities
//! page: they must stay searches of the right indexes, never scans of a table or of a whole
//! organization.

use ferrodoor_core::entity::{IdentityEvent, Organization, User, WeChatIdentity};
use sqlx::Connection;

use super::identity_events;
use super::users::{FIND_BY_EXACT_IDENTITY, FIND_BY_PHONE, FIND_BY_UNIONID, FIND_BY_WECHAT_COLUMN};
use crate::testdb::TestDb;

/// Plans depend on the data: give the planner an organization of some size to look at.
async fn seed(db: &TestDb) {
    let mut tx = db.store().begin().await.expect("begin");
    let org = Organization {
        name: "org".into(),
        ..Default::default()
    };
    tx.insert_organization(&org).await.expect("org");
    for i in 0..300 {
        let user = User {
            owner: "org".into(),
            name: format!("u{i}"),
            id: format!("id-{i}"),
            email: "same@example.com".into(),
            phone: "same".into(),
            wechat: format!("o-{i}"),
            ..Default::default()
        };
        tx.insert_user(&user).await.expect("user");
        let identity = WeChatIdentity {
            organization: "org".into(),
            appid: format!("wx{}", i % 3),
            openid: format!("o-{i}"),
            unionid: Some(format!("u-{}", i / 3)),
            user_name: format!("u{i}"),
            created_time: String::new(),
            updated_time: String::new(),
            session_key_sealed: None,
        };
        tx.insert_wechat_identity(&identity)
            .await
            .expect("identity");
        let event = IdentityEvent {
            organization: "org".into(),
            appid: identity.appid,
            openid: identity.openid,
            user_name: identity.user_name,
            action: "link".into(),
            actor: "app/test".into(),
            method: "login".into(),
            created_time: String::new(),
        };
        tx.insert_identity_event(&event).await.expect("event");
    }
    tx.commit().await.expect("commit");
}

struct Lookup {
    sql: &'static str,
    args: &'static [Option<&'static str>],
    /// Lines the SQLite plan must contain.
    sqlite: &'static [&'static str],
    /// Index names the PostgreSQL plan must mention.
    postgres: &'static [&'static str],
}

const LOOKUPS: [Lookup; 5] = [
    Lookup {
        sql: FIND_BY_EXACT_IDENTITY,
        args: &[Some("org"), Some("wx"), Some("openid")],
        sqlite: &[
            "SEARCH w USING INDEX sqlite_autoindex_wechat_identities_1 \
             (organization=? AND appid=? AND openid=?)",
            "SEARCH u USING INDEX sqlite_autoindex_users_1 (owner=? AND name=?)",
        ],
        postgres: &["wechat_identities_pkey", "users_pkey"],
    },
    Lookup {
        sql: FIND_BY_UNIONID,
        args: &[Some("org"), Some("unionid")],
        sqlite: &[
            "SEARCH w USING INDEX wechat_identities_unionid_idx (organization=? AND unionid=?)",
            "SEARCH u USING INDEX sqlite_autoindex_users_1 (owner=? AND name=?)",
        ],
        postgres: &["wechat_identities_unionid_idx"],
    },
    Lookup {
        sql: FIND_BY_WECHAT_COLUMN,
        args: &[Some("org"), Some("openid"), None],
        sqlite: &["SEARCH users USING INDEX users_wechat_idx (owner=? AND wechat=?)"],
        postgres: &["users_wechat_idx"],
    },
    Lookup {
        sql: FIND_BY_PHONE,
        args: &[Some("org"), Some("phone")],
        sqlite: &["SEARCH users USING INDEX users_phone_idx (owner=? AND phone=?)"],
        postgres: &["users_phone_idx"],
    },
    Lookup {
        sql: identity_events::LIST,
        args: &[Some("org"), Some("u1")],
        sqlite: &[
            "SEARCH identity_events USING INDEX identity_events_user_idx \
             (organization=? AND user_name=?)",
        ],
        postgres: &["identity_events_user_idx"],
    },
];

#[tokio::test]
async fn wechat_lookups_search_their_indexes() {
    let db = TestDb::sqlite().await;
    seed(&db).await;
    // No ANALYZE: SQLite databases rarely get one, and without statistics an OR of the
    // two lookups would search the whole organization.
    let mut conn = sqlx::SqliteConnection::connect(db.url())
        .await
        .expect("connect");
    for lookup in &LOOKUPS {
        let sql = format!("EXPLAIN QUERY PLAN {}", lookup.sql);
        let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(sql));
        for a in lookup.args {
            q = q.bind(*a);
        }
        let plan: Vec<String> = q
            .fetch_all(&mut conn)
            .await
            .expect("plan")
            .into_iter()
            .map(|r| r.3)
            .collect();
        for line in lookup.sqlite {
            assert!(
                plan.iter().any(|l| l == line),
                "sqlite: {line:?} missing in {plan:#?}"
            );
        }
    }
    let _ = conn.close().await;
    db.cleanup().await;

    let Some(db) = TestDb::postgres().await else {
        return;
    };
    seed(&db).await;
    let mut conn = sqlx::PgConnection::connect(db.url())
        .await
        .expect("connect");
    sqlx::query("ANALYZE")
        .execute(&mut conn)
        .await
        .expect("analyze");
    // Tables this small may be scanned anyway; forbid it to see which indexes serve.
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut conn)
        .await
        .expect("set");
    for lookup in &LOOKUPS {
        let mut q =
            sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(format!("EXPLAIN {}", lookup.sql)));
        for a in lookup.args {
            q = q.bind(*a);
        }
        let plan: Vec<String> = q
            .fetch_all(&mut conn)
            .await
            .expect("plan")
            .into_iter()
            .map(|r| r.0)
            .collect();
        assert!(
            !plan.iter().any(|l| l.contains("Seq Scan")),
            "postgres: {plan:#?}"
        );
        for index in lookup.postgres {
            assert!(
                plan.iter().any(|l| l.contains(index)),
                "postgres: {index} unused in {plan:#?}"
            );
        }
    }
    let _ = conn.close().await;
    db.cleanup().await;
}
