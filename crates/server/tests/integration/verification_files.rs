//! WeChat business-domain verification files over real HTTP, both backends: uploaded per
//! provider by whoever manages it, served at the origin's root by exact name as plain text,
//! everything else at the root 404, bad names and content refused with nothing stored.

use reqwest::StatusCode;
use serde_json::json;

use crate::kit::{APP1, Auth, Kit};
use crate::on_both_backends;

const FILE: &str = "MP_verify_a1B2c3D4e5F6.txt";
const CONTENT: &str = "a1B2c3D4e5F6g7H8";

async fn root(kit: &Kit, path: &str) -> (StatusCode, Option<String>, String) {
    let res = kit.http.get(kit.url(path)).send().await.unwrap();
    let status = res.status();
    let kind = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    (status, kind, res.text().await.unwrap())
}

fn upload(provider: &str) -> String {
    format!("/api/upload-verification-file?id=admin/{provider}")
}

on_both_backends!(
    an_uploaded_file_is_served_at_the_root_and_nothing_else_is,
    |kit| {
        kit.setup_miniprogram("test", "app-mini", APP1).await;
        let provider = "provider-app-mini";
        // Nothing yet: null, and the root answers 404.
        let none = kit
            .get(
                &format!("/api/get-verification-file?id=admin/{provider}"),
                &kit.admin,
            )
            .await;
        assert!(none.ok().is_null(), "{}", none.text);
        assert_eq!(
            root(kit, &format!("/{FILE}")).await.0,
            StatusCode::NOT_FOUND
        );

        let res = kit
            .post(
                &upload(provider),
                json!({"fileName": FILE, "content": CONTENT}),
                &kit.admin,
            )
            .await;
        assert_eq!(res.ok(), "Affected");
        assert_eq!(res.body["data2"]["fileName"], FILE);
        let (status, kind, text) = root(kit, &format!("/{FILE}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(kind.as_deref(), Some("text/plain; charset=utf-8"));
        assert_eq!(text, CONTENT);
        let got = kit
            .get(
                &format!("/api/get-verification-file?id=admin/{provider}"),
                &kit.admin,
            )
            .await;
        assert_eq!(got.ok()["content"], CONTENT);

        // Exact name only: other case, other extension, traversal, encoded traversal: 404.
        for path in [
            "/mp_verify_a1b2c3d4e5f6.txt",
            "/MP_verify_a1B2c3D4e5F6.TXT",
            "/MP_verify_a1B2c3D4e5F6.txt.bak",
            "/MP_verify_a1B2c3D4e5F6",
            "/..%2fMP_verify_a1B2c3D4e5F6.txt",
            "/%2e%2e%2fferrodoor.db.txt",
            "/ferrodoor.key",
            "/Cargo.toml",
            "/favicon.ico",
        ] {
            assert_eq!(root(kit, path).await.0, StatusCode::NOT_FOUND, "{path}");
        }
        // The rest of the root still works.
        assert_eq!(root(kit, "/api/health").await.0, StatusCode::OK);
        assert_eq!(root(kit, "/console/").await.0, StatusCode::OK);

        // A new upload replaces the provider's file; the old name is gone.
        let res = kit
            .post(
                &upload(provider),
                json!({"fileName": "MP_verify_new.txt", "content": "new\n"}),
                &kit.admin,
            )
            .await;
        assert_eq!(res.ok(), "Affected");
        assert_eq!(
            root(kit, &format!("/{FILE}")).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(root(kit, "/MP_verify_new.txt").await.2, "new\n");

        // Another provider cannot take that name: 409, nothing changed.
        kit.post(
        "/api/add-provider",
        json!({"owner": "admin", "name": "web", "type": "WeChat", "clientId": "wx2", "clientSecret": "s"}),
        &kit.admin,
    )
    .await
    .ok();
        kit.post(
            &upload("web"),
            json!({"fileName": "MP_verify_new.txt", "content": "mine"}),
            &kit.admin,
        )
        .await
        .error(409);
        assert_eq!(root(kit, "/MP_verify_new.txt").await.2, "new\n");

        // Deleting the provider deletes its file.
        let del = kit
            .post(
                &format!("/api/delete-provider?id=admin/{provider}"),
                json!({}),
                &kit.admin,
            )
            .await;
        assert_eq!(del.ok(), "Affected");
        assert_eq!(
            root(kit, "/MP_verify_new.txt").await.0,
            StatusCode::NOT_FOUND
        );
    }
);

on_both_backends!(
    bad_files_and_other_callers_are_refused_with_nothing_stored,
    |kit| {
        kit.setup_miniprogram("test", "app-mini", APP1).await;
        let url = upload("provider-app-mini");
        for (body, why) in [
            (json!({"fileName": "../x.txt", "content": "x"}), "fileName"),
            (json!({"fileName": "x.html", "content": "x"}), "fileName"),
            (json!({"fileName": "a/b.txt", "content": "x"}), "fileName"),
            (json!({"fileName": "x.txt", "content": ""}), "empty"),
            (
                json!({"fileName": "x.txt", "content": "a".repeat(1025)}),
                "1024",
            ),
            (
                json!({"fileName": "x.txt", "content": "<\u{7}>"}),
                "plain text",
            ),
            (json!({"fileName": "x.txt"}), "invalid body"),
            (
                json!({"fileName": "x.txt", "content": "x", "path": "/etc"}),
                "invalid body",
            ),
        ] {
            let msg = kit.post(&url, body.clone(), &kit.admin).await.error(400);
            assert!(msg.contains(why), "{body}: {msg}");
        }
        assert_eq!(root(kit, "/x.txt").await.0, StatusCode::NOT_FOUND);
        // Not a WeChat provider.
        kit.post(
        "/api/add-provider",
        json!({"owner": "admin", "name": "github", "type": "GitHub", "clientId": "c", "clientSecret": "s"}),
        &kit.admin,
    )
    .await
    .ok();
        let msg = kit
            .post(
                &upload("github"),
                json!({"fileName": "x.txt", "content": "x"}),
                &kit.admin,
            )
            .await
            .error(400);
        assert!(msg.contains("not a WeChat provider"), "{msg}");
        kit.post(
            &upload("nope"),
            json!({"fileName": "x.txt", "content": "x"}),
            &kit.admin,
        )
        .await
        .error(404);

        // IDOR: an organization's admin, a plain user and nobody may not touch a global
        // provider's file, nor read it.
        for (name, admin) in [("boss", true), ("joe", false)] {
            kit.post(
            "/api/add-user",
            json!({"owner": "test", "name": name, "password": format!("{name}-password-1"), "isAdmin": admin}),
            &kit.admin,
        )
        .await
        .ok();
        }
        let boss = kit.sign_in("test", "boss", "boss-password-1").await;
        let joe = kit.sign_in("test", "joe", "joe-password-1").await;
        for who in [&boss, &joe] {
            kit.post(&url, json!({"fileName": "x.txt", "content": "x"}), who)
                .await
                .error(403);
            kit.get("/api/get-verification-file?id=admin/provider-app-mini", who)
                .await
                .error(403);
            kit.post(
                "/api/delete-verification-file?id=admin/provider-app-mini",
                json!({}),
                who,
            )
            .await
            .error(403);
        }
        kit.post(
            &url,
            json!({"fileName": "x.txt", "content": "x"}),
            &Auth::None,
        )
        .await
        .error(401);
        assert_eq!(root(kit, "/x.txt").await.0, StatusCode::NOT_FOUND);

        // The admin's upload, then delete: Affected once, Unaffected after.
        kit.post(
            &url,
            json!({"fileName": "x.txt", "content": "x"}),
            &kit.admin,
        )
        .await
        .ok();
        assert_eq!(root(kit, "/x.txt").await.2, "x");
        let del = "/api/delete-verification-file?id=admin/provider-app-mini";
        assert_eq!(kit.post(del, json!({}), &kit.admin).await.ok(), "Affected");
        assert_eq!(
            kit.post(del, json!({}), &kit.admin).await.ok(),
            "Unaffected"
        );
        assert_eq!(root(kit, "/x.txt").await.0, StatusCode::NOT_FOUND);
    }
);
