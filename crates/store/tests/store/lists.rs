//! Filtering, sorting and paging; injection attempts through value and field name.

use ferrodoor_core::store::{ListQuery, StoreError};

use crate::committed;
use crate::fixtures::*;

fn query(
    filter: Option<(&str, &str)>,
    sort: Option<(&str, bool)>,
    page: Option<(u32, u32)>,
) -> ListQuery {
    ListQuery {
        filter: filter.map(|(f, v)| (f.to_string(), v.to_string())),
        sort: sort.map(|(f, d)| (f.to_string(), d)),
        page,
    }
}

fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|i| name(i).to_string()).collect()
}

/// acme: u1..u7 (display names "Member 1".."Member 7", u3 and u6 admins, created in
/// reverse order); other: x1.
async fn seed_users(env: &Env) {
    committed!(env, |tx| {
        tx.insert_organization(&org("acme")).await.expect("org");
        tx.insert_organization(&org("other")).await.expect("org");
        for i in 1..=7 {
            let mut u = user("acme", &format!("u{i}"));
            u.display_name = format!("Member {i}");
            u.created_time = format!("2024-01-{:02}T00:00:00Z", 10 - i);
            u.is_admin = i % 3 == 0;
            tx.insert_user(&u).await.expect("user");
        }
        let mut x = user("other", "x1");
        x.display_name = "member x".into();
        x.created_time = "2024-02-01T00:00:00Z".into();
        tx.insert_user(&x).await.expect("user");
    });
}

#[tokio::test]
async fn users_filter_sort_page_and_total() {
    on_both(|env| async move {
        seed_users(&env).await;
        let s = &env.store;

        // Default order: created_time, then the key.
        let all = s
            .list_users(None, &ListQuery::default())
            .await
            .expect("list");
        assert_eq!(all.total, 8);
        assert_eq!(names(&all.items, |u| &u.name)[..3], ["u7", "u6", "u5"]);

        let scoped = s
            .list_users(Some("acme"), &query(None, Some(("name", false)), None))
            .await
            .expect("list");
        assert_eq!(
            names(&scoped.items, |u| &u.name),
            ["u1", "u2", "u3", "u4", "u5", "u6", "u7"]
        );
        assert!(
            scoped
                .items
                .iter()
                .all(|u| u.password.is_empty() && u.password_hash.is_some())
        );

        // Page 2 of 3, descending by name; the total ignores paging.
        let page = s
            .list_users(
                Some("acme"),
                &query(None, Some(("name", true)), Some((2, 3))),
            )
            .await
            .expect("list");
        assert_eq!(names(&page.items, |u| &u.name), ["u4", "u3", "u2"]);
        assert_eq!(page.total, 7);
        let last = s
            .list_users(
                Some("acme"),
                &query(None, Some(("name", true)), Some((3, 3))),
            )
            .await
            .expect("list");
        assert_eq!(names(&last.items, |u| &u.name), ["u1"]);
        let past = s
            .list_users(Some("acme"), &query(None, None, Some((9, 3))))
            .await
            .expect("list");
        assert!(past.items.is_empty());
        assert_eq!(past.total, 7);

        // Substring filter, case-insensitive, across organizations unless scoped.
        let members = s
            .list_users(None, &query(Some(("displayName", "MEMBER")), None, None))
            .await
            .expect("list");
        assert_eq!(members.total, 8);
        let x = s
            .list_users(
                Some("other"),
                &query(Some(("displayName", "member")), None, None),
            )
            .await
            .expect("list");
        assert_eq!(names(&x.items, |u| &u.name), ["x1"]);
        let five = s
            .list_users(None, &query(Some(("displayName", "r 5")), None, None))
            .await
            .expect("list");
        assert_eq!(names(&five.items, |u| &u.name), ["u5"]);

        // Filter and paging together.
        let paged = s
            .list_users(
                Some("acme"),
                &query(Some(("name", "u")), Some(("name", false)), Some((1, 2))),
            )
            .await
            .expect("list");
        assert_eq!(names(&paged.items, |u| &u.name), ["u1", "u2"]);
        assert_eq!(paged.total, 7);

        // `type` is a keyword in SQL: still a plain column to filter and sort by.
        let typed = s
            .list_users(
                None,
                &query(Some(("type", "NORMAL")), Some(("type", true)), None),
            )
            .await
            .expect("list");
        assert_eq!(typed.total, 8);

        // A boolean field matches as 1 / 0.
        let admins = s
            .list_users(
                Some("acme"),
                &query(Some(("isAdmin", "1")), Some(("name", false)), None),
            )
            .await
            .expect("list");
        assert_eq!(names(&admins.items, |u| &u.name), ["u3", "u6"]);
        // Sorting by a boolean puts false first.
        let by_admin = s
            .list_users(
                Some("acme"),
                &query(None, Some(("isAdmin", true)), Some((1, 2))),
            )
            .await
            .expect("list");
        assert_eq!(names(&by_admin.items, |u| &u.name), ["u3", "u6"]);
    })
    .await;
}

#[tokio::test]
async fn like_metacharacters_match_themselves() {
    on_both(|env| async move {
        committed!(env, |tx| {
            tx.insert_organization(&org("acme")).await.expect("org");
            for (name, display) in [
                ("a", "50% off"),
                ("b", "500 off"),
                ("c", "a_c"),
                ("d", "abc"),
                ("e", r"back\slash"),
            ] {
                let mut u = user("acme", name);
                u.display_name = display.into();
                tx.insert_user(&u).await.expect("user");
            }
        });
        let find = |v: &'static str| {
            let store = env.store.clone();
            async move {
                let q = query(Some(("displayName", v)), Some(("name", false)), None);
                names(
                    &store.list_users(None, &q).await.expect("list").items,
                    |u| &u.name,
                )
            }
        };
        assert_eq!(find("50%").await, ["a"]);
        assert_eq!(find("a_c").await, ["c"]);
        assert_eq!(find("%").await, ["a"]);
        assert_eq!(find("_").await, ["c"]);
        assert_eq!(find(r"\").await, ["e"]);
        assert_eq!(find(r"k\s").await, ["e"]);
    })
    .await;
}

#[tokio::test]
async fn injection_through_value_or_field_name_goes_nowhere() {
    on_both(|env| async move {
        seed_users(&env).await;
        let s = &env.store;

        // The value is bound: it is only ever a substring to look for.
        for evil in ["' OR 1=1 --", "%' OR '1'='1", "'; DROP TABLE users; --"] {
            let page = s
                .list_users(Some("acme"), &query(Some(("name", evil)), None, None))
                .await
                .expect("list");
            assert_eq!(page.total, 0, "{evil}");
            assert!(page.items.is_empty());
        }

        // Field names are never written into SQL: anything off the allow-list is refused.
        let evil_fields = [
            "name LIKE '%' OR 1=1 --",
            "name) OR 1=1 --",
            "(CASE WHEN (SELECT 1)=1 THEN name ELSE id END)",
            "password_hash",
            "password",
            "display_name",
            "",
        ];
        for field in evil_fields {
            let filtered = s
                .list_users(None, &query(Some((field, "x")), None, None))
                .await;
            assert!(
                matches!(filtered, Err(StoreError::Other(_))),
                "filter on {field:?}: {filtered:?}"
            );
            let sorted = s
                .list_users(None, &query(None, Some((field, true)), None))
                .await;
            assert!(
                matches!(sorted, Err(StoreError::Other(_))),
                "sort on {field:?}: {sorted:?}"
            );
        }
        // Secrets of other tables are not matchable either.
        let secret = s
            .list_applications(None, &query(Some(("clientSecret", "s")), None, None))
            .await;
        assert!(matches!(secret, Err(StoreError::Other(_))));
        let secret = s
            .list_providers(None, &query(None, Some(("clientSecret2", false)), None))
            .await;
        assert!(matches!(secret, Err(StoreError::Other(_))));

        // Everything is still there.
        assert_eq!(
            s.list_users(None, &ListQuery::default())
                .await
                .expect("list")
                .total,
            8
        );
    })
    .await;
}

#[tokio::test]
async fn other_tables_list_by_scope_filter_and_sort() {
    on_both(|env| async move {
        committed!(env, |tx| {
            tx.insert_organization(&org("acme")).await.expect("org");
            tx.insert_organization(&org("beta")).await.expect("org");
            let mut a1 = app("app-a1", "acme", "c1");
            a1.expire_in_hours = 24.0;
            tx.insert_application(&a1).await.expect("app");
            let mut a2 = app("app-a2", "acme", "c2");
            a2.redirect_uris = vec!["https://special.example/cb".into()];
            tx.insert_application(&a2).await.expect("app");
            tx.insert_application(&app("app-b1", "beta", "c3"))
                .await
                .expect("app");
            for (name, owner) in [("p-admin", "admin"), ("p-acme", "acme")] {
                let p = ferrodoor_core::entity::Provider {
                    name: name.into(),
                    owner: owner.into(),
                    ..Default::default()
                };
                tx.insert_provider(&p).await.expect("provider");
            }
            tx.insert_token(&token("t1", "acme", "alice", 10, None))
                .await
                .expect("token");
            tx.insert_token(&token("t2", "acme", "bob", 10, None))
                .await
                .expect("token");
            tx.insert_token(&token("t3", "beta", "carol", 10, None))
                .await
                .expect("token");
        });
        let s = &env.store;

        let orgs = s
            .list_organizations(&query(None, Some(("name", true)), None))
            .await
            .expect("list");
        assert_eq!(names(&orgs.items, |o| &o.name), ["beta", "acme"]);

        let apps = s
            .list_applications(Some("acme"), &ListQuery::default())
            .await
            .expect("list");
        assert_eq!(names(&apps.items, |a| &a.name), ["app-a1", "app-a2"]);
        let by_uri = s
            .list_applications(None, &query(Some(("redirectUris", "special")), None, None))
            .await
            .expect("list");
        assert_eq!(names(&by_uri.items, |a| &a.name), ["app-a2"]);
        let by_hours = s
            .list_applications(
                None,
                &query(None, Some(("expireInHours", true)), Some((1, 1))),
            )
            .await
            .expect("list");
        assert_eq!(names(&by_hours.items, |a| &a.name), ["app-a1"]);
        assert_eq!(by_hours.total, 3);

        let providers = s
            .list_providers(Some("admin"), &ListQuery::default())
            .await
            .expect("list");
        assert_eq!(names(&providers.items, |p| &p.name), ["p-admin"]);

        let tokens = s
            .list_tokens(Some("acme"), &query(Some(("user", "bo")), None, None))
            .await
            .expect("list");
        assert_eq!(names(&tokens.items, |t| &t.name), ["t2"]);
        let all_tokens = s
            .list_tokens(None, &query(None, Some(("name", true)), None))
            .await
            .expect("list");
        assert_eq!(names(&all_tokens.items, |t| &t.name), ["t3", "t2", "t1"]);
    })
    .await;
}
