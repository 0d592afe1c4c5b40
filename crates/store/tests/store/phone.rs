//! `find_user_by_phone`: exact, within the organization, never by an empty phone.

use ferrodoor_core::entity::User;

use crate::committed;
use crate::fixtures::*;

fn with_phone(owner: &str, name: &str, phone: &str, created_time: &str) -> User {
    User {
        phone: phone.into(),
        created_time: created_time.into(),
        ..user(owner, name)
    }
}

async fn found(env: &Env, owner: &str, phone: &str) -> Option<String> {
    committed!(env, |tx| tx
        .find_user_by_phone(owner, phone)
        .await
        .expect("find"))
    .map(|u| u.name)
}

#[tokio::test]
async fn finds_the_exact_phone_within_the_organization() {
    on_both(|env| async move {
        let alice = with_phone("acme", "alice", "13800000001", "2024-01-03T00:00:00Z");
        committed!(env, |tx| {
            tx.insert_organization(&org("acme")).await.expect("acme");
            tx.insert_organization(&org("other")).await.expect("other");
            tx.insert_user(&alice).await.expect("alice");
            tx.insert_user(&with_phone(
                "acme",
                "bob",
                "13800000002",
                "2024-01-03T00:00:00Z",
            ))
            .await
            .expect("bob");
            tx.insert_user(&with_phone(
                "other",
                "olga",
                "13800000001",
                "2024-01-01T00:00:00Z",
            ))
            .await
            .expect("olga");
            tx.insert_user(&with_phone(
                "other",
                "oscar",
                "13900000009",
                "2024-01-01T00:00:00Z",
            ))
            .await
            .expect("oscar");
        });
        // The whole user comes back.
        assert_eq!(
            committed!(env, |tx| tx
                .find_user_by_phone("acme", "13800000001")
                .await
                .expect("find")),
            Some(alice)
        );
        assert_eq!(
            found(&env, "acme", "13800000002").await.as_deref(),
            Some("bob")
        );
        // Only inside the organization.
        assert_eq!(
            found(&env, "other", "13800000001").await.as_deref(),
            Some("olga")
        );
        assert_eq!(found(&env, "other", "13800000002").await, None);
        assert_eq!(found(&env, "acme", "13900000009").await, None);
        assert_eq!(found(&env, "nowhere", "13800000001").await, None);
        // Exact: no prefix, suffix, padding or pattern.
        for near in [
            "1380000000",
            "138000000011",
            "3800000001",
            " 13800000001",
            "13800000001 ",
            "+8613800000001",
            "1380000000_",
            "1380000000%",
            "%",
        ] {
            assert_eq!(found(&env, "acme", near).await, None, "{near:?}");
        }
    })
    .await;
}

#[tokio::test]
async fn an_empty_phone_matches_nobody() {
    on_both(|env| async move {
        committed!(env, |tx| {
            tx.insert_organization(&org("acme")).await.expect("acme");
            for name in ["no-phone-1", "no-phone-2"] {
                tx.insert_user(&with_phone("acme", name, "", "2024-01-03T00:00:00Z"))
                    .await
                    .expect("user");
            }
        });
        assert_eq!(found(&env, "acme", "").await, None);
        // Yet they are there to be found by name.
        assert!(
            env.store
                .get_user("acme", "no-phone-1")
                .await
                .expect("get")
                .is_some_and(|u| u.phone.is_empty())
        );
    })
    .await;
}

#[tokio::test]
async fn of_several_users_with_a_phone_the_oldest_wins() {
    on_both(|env| async move {
        committed!(env, |tx| {
            tx.insert_organization(&org("acme")).await.expect("acme");
            // Inserted newest first; names sort against the creation order.
            for (name, created_time) in [
                ("a-newest", "2024-03-01T00:00:00Z"),
                ("b-newer", "2024-02-01T00:00:00Z"),
                ("z-oldest", "2024-01-01T00:00:00Z"),
            ] {
                tx.insert_user(&with_phone("acme", name, "138", created_time))
                    .await
                    .expect("user");
            }
            // Created at the same time: the name decides, not the order of insertion.
            for name in ["m-twin", "c-twin"] {
                tx.insert_user(&with_phone("acme", name, "139", "2024-01-01T00:00:00Z"))
                    .await
                    .expect("twin");
            }
        });
        assert_eq!(
            found(&env, "acme", "138").await.as_deref(),
            Some("z-oldest")
        );
        assert_eq!(found(&env, "acme", "139").await.as_deref(), Some("c-twin"));
        // The oldest gone, the next one.
        assert!(committed!(env, |tx| tx
            .delete_user("acme", "z-oldest")
            .await
            .expect("delete")));
        assert_eq!(found(&env, "acme", "138").await.as_deref(), Some("b-newer"));
    })
    .await;
}

#[tokio::test]
async fn a_transaction_finds_the_phone_it_wrote_before_commit() {
    on_both(|env| async move {
        org_with_user(&env, "acme", "alice").await; // phone 13800000000
        let mut tx = env.tx().await;
        let mut alice = tx
            .get_user_for_update("acme", "alice")
            .await
            .expect("get")
            .expect("alice");
        alice.phone = "13811112222".into();
        assert!(tx.update_user(&alice).await.expect("update"));
        assert_eq!(
            tx.find_user_by_phone("acme", "13811112222")
                .await
                .expect("find")
                .map(|u| u.name)
                .as_deref(),
            Some("alice")
        );
        assert_eq!(
            tx.find_user_by_phone("acme", "13800000000")
                .await
                .expect("find"),
            None
        );
        tx.commit().await.expect("commit");
        assert_eq!(
            found(&env, "acme", "13811112222").await.as_deref(),
            Some("alice")
        );
        assert_eq!(found(&env, "acme", "13800000000").await, None);
    })
    .await;
}
