//! Casdoor's Session objects, `sso-logout`, token management and certificate changes
//! (issue 13), over real HTTP on both backends: what the SDKs see, what stops working, and
//! what another organization's admin (IDOR) and a plain user are refused.

use serde_json::{Value, json};

use crate::kit::{Auth, Kit};
use crate::on_both_backends;

const TOKEN: &str = "/api/login/oauth/access_token";

/// Organizations acme and other, each with an admin `boss`; acme's application `web`
/// (password grant) and users `alice` (plain) and `bob`. Answers web's client id.
async fn setup(kit: &Kit) -> String {
    for org in ["acme", "other"] {
        kit.post("/api/add-organization", json!({"name": org}), &kit.admin)
            .await
            .ok();
        kit.post(
            "/api/add-user",
            json!({"owner": org, "name": "boss", "password": "boss-Passw0rd", "isAdmin": true}),
            &kit.admin,
        )
        .await
        .ok();
    }
    for user in ["alice", "bob"] {
        kit.post(
            "/api/add-user",
            json!({"owner": "acme", "name": user, "password": format!("{user}-Passw0rd")}),
            &kit.admin,
        )
        .await
        .ok();
    }
    let app = kit
        .post(
            "/api/add-application",
            json!({"name": "web", "organization": "acme", "grantTypes": ["password", "refresh_token"]}),
            &kit.admin,
        )
        .await;
    app.ok();
    app.body["data2"]["clientId"].as_str().unwrap().to_string()
}

/// A password-grant access token (and refresh token) of acme's `user`.
async fn password_token(kit: &Kit, client_id: &str, user: &str) -> (String, String) {
    let password = format!("{user}-Passw0rd");
    let res = kit
        .post_form(
            TOKEN,
            &[
                ("grant_type", "password"),
                ("client_id", client_id),
                ("username", user),
                ("password", &password),
            ],
        )
        .await;
    res.ok_status();
    (
        res.body["access_token"].as_str().unwrap().to_string(),
        res.body["refresh_token"].as_str().unwrap_or("").to_string(),
    )
}

async fn account_status(kit: &Kit, auth: &Auth) -> u16 {
    kit.get("/api/get-account", auth).await.status.as_u16()
}

fn session(name: &str, ids: &[&str]) -> Value {
    json!({"owner": "acme", "name": name, "application": "web", "createdTime": "", "sessionId": ids})
}

on_both_backends!(session_objects_as_casdoor_keeps_them, |kit| {
    setup(kit).await;
    let boss = kit.sign_in("acme", "boss", "boss-Passw0rd").await;
    let a = kit
        .post("/api/add-session", session("alice", &["s1", "s2"]), &boss)
        .await;
    assert_eq!(a.ok(), "Affected");
    // The same ids again change nothing; a new one is added to the same object.
    assert_eq!(
        kit.post("/api/add-session", session("alice", &["s2"]), &boss)
            .await
            .ok(),
        "Unaffected"
    );
    assert_eq!(
        kit.post("/api/add-session", session("alice", &["s3"]), &boss)
            .await
            .ok(),
        "Affected"
    );
    let got = kit
        .get("/api/get-session?sessionPkId=acme/alice/web", &boss)
        .await;
    assert_eq!(got.ok()["sessionId"], json!(["s1", "s2", "s3"]));
    assert!(!got.ok()["createdTime"].as_str().unwrap().is_empty());
    let none = kit
        .get("/api/get-session?sessionPkId=acme/bob/web", &boss)
        .await;
    assert!(none.ok().is_null());
    let dup = kit
        .get(
            "/api/is-session-duplicated?sessionPkId=acme/alice/web&sessionId=s1",
            &boss,
        )
        .await;
    assert_eq!(dup.ok(), true);

    // A session for a user or application that does not exist is refused, nothing written.
    kit.post("/api/add-session", session("nobody", &["x"]), &boss)
        .await
        .error(400);
    let list = kit
        .get("/api/get-sessions?owner=acme&p=1&pageSize=10", &boss)
        .await;
    assert_eq!(list.ok().as_array().unwrap().len(), 1);
    assert_eq!(list.body["data2"], 1);

    // update-session replaces the ids; delete-session ?sessionId= removes one, the last
    // one takes the object with it.
    assert_eq!(
        kit.post("/api/update-session", session("alice", &["only"]), &boss)
            .await
            .ok(),
        "Affected"
    );
    let dup = kit
        .get(
            "/api/is-session-duplicated?sessionPkId=acme/alice/web&sessionId=only",
            &boss,
        )
        .await;
    assert_eq!(dup.ok(), false);
    let del = kit
        .post(
            "/api/delete-session?sessionId=only",
            session("alice", &[]),
            &boss,
        )
        .await;
    assert_eq!(del.ok(), "Affected");
    assert!(
        kit.get("/api/get-session?sessionPkId=acme/alice/web", &boss)
            .await
            .ok()
            .is_null()
    );
    assert_eq!(
        kit.post("/api/delete-session", session("alice", &[]), &boss)
            .await
            .ok(),
        "Unaffected"
    );

    // IDOR: another organization's admin and a plain user of acme are refused, and lists
    // of theirs do not show acme's sessions.
    kit.post("/api/add-session", session("bob", &["b1"]), &boss)
        .await
        .ok();
    let other = kit.sign_in("other", "boss", "boss-Passw0rd").await;
    let alice = kit.sign_in("acme", "alice", "alice-Passw0rd").await;
    for who in [&other, &alice] {
        kit.get("/api/get-session?sessionPkId=acme/bob/web", who)
            .await
            .error(403);
        kit.get("/api/get-sessions?owner=acme", who)
            .await
            .error(403);
        kit.post("/api/add-session", session("bob", &["evil"]), who)
            .await
            .error(403);
        kit.post("/api/update-session", session("bob", &[]), who)
            .await
            .error(403);
        kit.post("/api/delete-session", session("bob", &[]), who)
            .await
            .error(403);
    }
    let theirs = kit.get("/api/get-sessions", &other).await;
    assert_eq!(theirs.ok(), &json!([]));
    let still = kit
        .get("/api/get-session?sessionPkId=acme/bob/web", &boss)
        .await;
    assert_eq!(still.ok()["sessionId"], json!(["b1"]));
});

on_both_backends!(sso_logout_signs_the_user_out_everywhere, |kit| {
    let client_id = setup(kit).await;
    let boss = kit.sign_in("acme", "boss", "boss-Passw0rd").await;
    let console = kit.sign_in("acme", "alice", "alice-Passw0rd").await;
    let (first, refresh) = password_token(kit, &client_id, "alice").await;
    let (second, _) = password_token(kit, &client_id, "alice").await;
    let (bobs, _) = password_token(kit, &client_id, "bob").await;
    kit.post("/api/add-session", session("alice", &["s1"]), &boss)
        .await
        .ok();

    // logoutAll=false: only the token the request was made with.
    let one = kit
        .post(
            "/api/sso-logout?logoutAll=false",
            json!({}),
            &Auth::Bearer(first.clone()),
        )
        .await;
    assert!(one.ok().is_null());
    assert_eq!(account_status(kit, &Auth::Bearer(first.clone())).await, 401);
    assert_eq!(
        account_status(kit, &Auth::Bearer(second.clone())).await,
        200
    );
    assert_eq!(account_status(kit, &console).await, 200);

    // Everywhere: every token, refresh token, console session and Session object of hers.
    let all = kit
        .get("/api/sso-logout", &Auth::Bearer(second.clone()))
        .await;
    assert!(all.ok().is_null());
    assert_eq!(
        account_status(kit, &Auth::Bearer(second.clone())).await,
        401
    );
    assert_eq!(account_status(kit, &console).await, 401);
    assert!(
        kit.get("/api/get-session?sessionPkId=acme/alice/web", &boss)
            .await
            .ok()
            .is_null()
    );
    let refreshed = kit
        .post_form(
            TOKEN,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &client_id),
                ("refresh_token", &refresh),
            ],
        )
        .await;
    assert_eq!(refreshed.status.as_u16(), 400, "{}", refreshed.text);
    // Nobody else is signed out; a second call (nobody signed in) answers ok, as Casdoor's.
    assert_eq!(account_status(kit, &Auth::Bearer(bobs)).await, 200);
    assert_eq!(account_status(kit, &boss).await, 200);
    assert!(
        kit.get("/api/sso-logout", &Auth::Bearer(second))
            .await
            .ok()
            .is_null()
    );
    assert!(kit.get("/api/sso-logout", &Auth::None).await.ok().is_null());
});

on_both_backends!(tokens_are_managed_without_showing_them, |kit| {
    let client_id = setup(kit).await;
    let boss = kit.sign_in("acme", "boss", "boss-Passw0rd").await;
    let other = kit.sign_in("other", "boss", "boss-Passw0rd").await;
    let alice = kit.sign_in("acme", "alice", "alice-Passw0rd").await;
    let (bearer, _) = password_token(kit, &client_id, "alice").await;

    let list = kit
        .get("/api/get-tokens?owner=admin&p=1&pageSize=50", &boss)
        .await;
    let tokens = list.ok().as_array().unwrap().clone();
    let mine: Vec<&Value> = tokens.iter().filter(|t| t["user"] == "alice").collect();
    assert_eq!(mine.len(), 1, "{}", list.text);
    let name = mine[0]["name"].as_str().unwrap().to_string();
    // Nothing usable or a hash in any answer.
    assert!(!list.text.contains(&bearer));
    for field in [
        "accessToken",
        "refreshToken",
        "accessTokenHash",
        "refreshTokenHash",
    ] {
        assert!(mine[0].get(field).is_none(), "{field} answered");
    }
    let got = kit
        .get(&format!("/api/get-token?id=admin/{name}"), &boss)
        .await;
    assert_eq!(got.ok()["organization"], "acme");

    // IDOR: another organization's admin and a plain user see nothing and change nothing.
    assert!(
        kit.get(&format!("/api/get-token?id=admin/{name}"), &other)
            .await
            .ok()
            .is_null()
    );
    let theirs = kit.get("/api/get-tokens?owner=admin", &other).await;
    assert!(
        theirs
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["organization"] != "acme")
    );
    kit.get("/api/get-tokens", &alice).await.error(403);
    let body = json!({"owner": "admin", "name": name, "expiresIn": 0});
    kit.post("/api/update-token", body.clone(), &other)
        .await
        .error(404);
    assert_eq!(
        kit.post("/api/delete-token", body.clone(), &other)
            .await
            .ok(),
        "Unaffected"
    );
    assert_eq!(
        account_status(kit, &Auth::Bearer(bearer.clone())).await,
        200
    );

    // What a token grants cannot change; its life can only shorten.
    kit.post(
        "/api/update-token",
        json!({"owner": "admin", "name": name, "scope": "admin"}),
        &boss,
    )
    .await
    .error(400);
    kit.post(
        "/api/update-token",
        json!({"owner": "admin", "name": name, "expiresIn": 99_999_999}),
        &boss,
    )
    .await
    .error(400);
    // The whole struct back, as the SDKs send it (empty strings unchanged): expired now.
    let mut whole = got.ok().clone();
    whole["expiresIn"] = json!(0);
    whole["accessToken"] = json!("");
    whole["code"] = json!("");
    assert_eq!(
        kit.post("/api/update-token", whole, &boss).await.ok(),
        "Affected"
    );
    assert_eq!(account_status(kit, &Auth::Bearer(bearer)).await, 401);

    // add-token issues a real token of acme's application for acme's user, shown once.
    let added = kit
        .post("/api/add-token", json!({"owner": "admin", "name": "minted", "application": "web", "organization": "acme", "user": "bob", "scope": "read"}), &boss)
        .await;
    assert_eq!(added.ok(), "Affected");
    let minted = added.body["data2"]["accessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let me = kit
        .get("/api/get-account", &Auth::Bearer(minted.clone()))
        .await;
    assert_eq!(me.ok()["name"], "bob");
    let again = kit.get("/api/get-token?id=admin/minted", &boss).await;
    assert!(!again.text.contains(&minted));
    kit.post(
        "/api/add-token",
        json!({"application": "web", "organization": "acme", "user": "bob"}),
        &other,
    )
    .await
    .error(403);
    kit.post(
        "/api/add-token",
        json!({"application": "web", "user": "bob", "accessToken": "chosen"}),
        &boss,
    )
    .await
    .error(400);
    kit.post(
        "/api/add-token",
        json!({"application": "web", "user": "nobody"}),
        &boss,
    )
    .await
    .error(400);

    // Deleting revokes at once.
    assert_eq!(
        kit.post("/api/delete-token?id=admin/minted", json!({}), &boss)
            .await
            .ok(),
        "Affected"
    );
    assert_eq!(account_status(kit, &Auth::Bearer(minted)).await, 401);
    assert!(
        kit.get("/api/get-token?id=admin/minted", &boss)
            .await
            .ok()
            .is_null()
    );
});

on_both_backends!(
    certificates_are_added_changed_and_deleted_by_global_admins,
    |kit| {
        setup(kit).await;
        let boss = kit.sign_in("acme", "boss", "boss-Passw0rd").await;
        let body = json!({"owner": "admin", "name": "cert-acme", "displayName": "Acme", "cryptoAlgorithm": "RS256", "privateKey": ""});
        kit.post("/api/add-cert", body.clone(), &boss)
            .await
            .error(403);
        let added = kit.post("/api/add-cert", body, &kit.admin).await;
        assert_eq!(added.ok(), "Affected");
        assert_eq!(added.body["data2"]["privateKey"], "***");
        assert!(
            added.body["data2"]["certificate"]
                .as_str()
                .unwrap()
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
        assert!(!added.text.contains("PRIVATE KEY"));
        let got = kit
            .get("/api/get-cert?id=admin/cert-acme", &kit.admin)
            .await;
        assert_eq!(got.ok()["privateKey"], "***");

        // The whole struct back (masked key) with a new display name; the key cannot change.
        let mut whole = got.ok().clone();
        whole["displayName"] = json!("Acme Inc.");
        assert_eq!(
            kit.post("/api/update-cert", whole.clone(), &kit.admin)
                .await
                .ok(),
            "Affected"
        );
        whole["certificate"] =
            json!("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        kit.post("/api/update-cert", whole, &kit.admin)
            .await
            .error(400);
        kit.post(
            "/api/update-cert",
            json!({"name": "cert-acme", "displayName": "x"}),
            &boss,
        )
        .await
        .error(403);
        let shown = kit
            .get("/api/get-cert?id=admin/cert-acme", &kit.admin)
            .await;
        assert_eq!(shown.ok()["displayName"], "Acme Inc.");
        assert_eq!(shown.ok()["certificate"], got.ok()["certificate"]);

        // In use: refused; a token signed with it verifies; free again: deleted.
        kit.post(
            "/api/update-application",
            json!({"name": "web", "cert": "cert-acme"}),
            &kit.admin,
        )
        .await
        .ok();
        let msg = kit
            .post("/api/delete-cert?id=admin/cert-acme", json!({}), &kit.admin)
            .await
            .error(409);
        assert!(msg.contains("web"), "{msg}");
        kit.post(
            "/api/delete-cert?id=admin/cert-built-in",
            json!({}),
            &kit.admin,
        )
        .await
        .error(409);
        kit.post(
            "/api/update-application",
            json!({"name": "web", "cert": "cert-built-in"}),
            &kit.admin,
        )
        .await
        .ok();
        kit.post("/api/delete-cert?id=admin/cert-acme", json!({}), &boss)
            .await
            .error(403);
        assert_eq!(
            kit.post("/api/delete-cert?id=admin/cert-acme", json!({}), &kit.admin)
                .await
                .ok(),
            "Affected"
        );
        assert!(
            kit.get("/api/get-cert?id=admin/cert-acme", &kit.admin)
                .await
                .ok()
                .is_null()
        );
    }
);
