//! The seed documents' flow, and everything around it that must hold.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::json;

use crate::kit::{APP1, APP2, APP3, Auth, Kit};
use crate::on_both_backends;
use ferrodoor_wechat::emulator::{Fault, FaultMode};

const SEED_TOKEN_PATH: &str = "/api/login/oauth/access_token";
const HANZO_TOKEN_PATH: &str = "/oauth/token";

/// The seeds' first request, then their update-user request, byte for byte.
async fn seed_flow(kit: &Kit, token_path: &str) {
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    let code = kit.wx_login(APP1.0, "alice");
    let login = kit
        .miniprogram_login(
            token_path,
            &client_id,
            &code,
            "Alice",
            "https://img.example/a.png",
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let body = &login.body;
    for key in [
        "access_token",
        "id_token",
        "refresh_token",
        "token_type",
        "expires_in",
        "scope",
    ] {
        assert!(
            body.get(key).is_some(),
            "the answer lacks {key}: {}",
            login.text
        );
    }
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 168 * 3600);
    let session_key = kit
        .emulator
        .session_key(
            APP1.0,
            &ferrodoor_wechat::emulator::openid_for(APP1.0, "alice"),
        )
        .unwrap();
    assert!(
        !login.text.contains(&session_key),
        "session_key leaked in the token answer"
    );
    assert!(!login.text.contains("session_key"));
    let token = body["access_token"].as_str().unwrap().to_string();
    let bearer = Auth::Bearer(token.clone());

    let account = kit.get("/api/get-account", &bearer).await;
    let me = account.ok().clone();
    let openid = ferrodoor_wechat::emulator::openid_for(APP1.0, "alice");
    assert_eq!(me["owner"], "test");
    assert_eq!(me["name"], format!("wechat-{openid}"));
    assert_eq!(me["displayName"], "Alice");
    assert_eq!(me["avatar"], "https://img.example/a.png");
    assert_eq!(me["wechat"], openid);
    assert!(!account.text.contains(&session_key));

    // The seed's update-user: JSON body {owner, name, displayName, avatar} with the Bearer token.
    let res = kit
        .http
        .post(kit.url("/api/update-user"))
        .header("Authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(json!({"owner": "test", "name": me["name"], "displayName": "Alice W.", "avatar": "https://img.example/b.png"}).to_string())
        .send()
        .await
        .unwrap();
    let res = Kit::answer(res).await;
    assert_eq!(res.ok(), "Affected");
    let me = kit.get("/api/get-account", &bearer).await.ok().clone();
    assert_eq!(me["displayName"], "Alice W.");
    assert_eq!(me["avatar"], "https://img.example/b.png");

    let info = kit.get("/api/userinfo", &bearer).await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.text);
    assert_eq!(info.body["sub"], me["id"]);
    assert_eq!(info.body["name"], "Alice W.");
}

on_both_backends!(seed_flow_on_the_casdoor_path, |kit| {
    seed_flow(kit, SEED_TOKEN_PATH).await
});
on_both_backends!(seed_flow_on_the_hanzo_path, |kit| {
    seed_flow(kit, HANZO_TOKEN_PATH).await
});

on_both_backends!(
    returning_users_keep_their_account_and_update_their_profile,
    |kit| {
        let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
        let first = kit
            .miniprogram_login(
                SEED_TOKEN_PATH,
                &client_id,
                &kit.wx_login(APP1.0, "bob"),
                "",
                "",
            )
            .await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.text);
        let second = kit
            .miniprogram_login(
                SEED_TOKEN_PATH,
                &client_id,
                &kit.wx_login(APP1.0, "bob"),
                "Bobby",
                "",
            )
            .await;
        assert_eq!(second.status, StatusCode::OK, "{}", second.text);
        assert_eq!(kit.user_count("test").await, 1);
        let me = kit
            .get(
                "/api/get-account",
                &Auth::Bearer(second.body["access_token"].as_str().unwrap().into()),
            )
            .await;
        assert_eq!(me.ok()["displayName"], "Bobby");
        // The first token still works: logging in again does not sign the user out elsewhere.
        let old = kit
            .get(
                "/api/get-account",
                &Auth::Bearer(first.body["access_token"].as_str().unwrap().into()),
            )
            .await;
        old.ok();
    }
);

on_both_backends!(
    a_replayed_code_gets_invalid_grant_and_changes_nothing,
    |kit| {
        let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
        let code = kit.wx_login(APP1.0, "carol");
        kit.miniprogram_login(SEED_TOKEN_PATH, &client_id, &code, "", "")
            .await
            .ok_status();
        let replay = kit
            .miniprogram_login(SEED_TOKEN_PATH, &client_id, &code, "Mallory", "")
            .await;
        assert_eq!(replay.status, StatusCode::BAD_REQUEST, "{}", replay.text);
        assert_eq!(replay.body["error"], "invalid_grant");
        assert_eq!(kit.user_count("test").await, 1);
        let users = kit.get("/api/get-users?owner=test", &kit.admin).await;
        assert_eq!(
            users.ok()[0]["displayName"],
            "",
            "a replay must not change the profile"
        );
        assert_eq!(kit.emulator.stats().jscode2session_calls, 1);
    }
);

on_both_backends!(
    the_same_code_sent_ten_times_at_once_reaches_wechat_once,
    |kit| {
        let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
        let code = kit.wx_login(APP1.0, "dave");
        let answers = join_all(
            (0..10).map(|_| kit.miniprogram_login(SEED_TOKEN_PATH, &client_id, &code, "", "")),
        )
        .await;
        let ok = answers
            .iter()
            .filter(|a| a.status == StatusCode::OK)
            .count();
        let refused = answers
            .iter()
            .filter(|a| a.status == StatusCode::BAD_REQUEST && a.body["error"] == "invalid_grant")
            .count();
        assert_eq!((ok, refused), (1, 9));
        assert_eq!(kit.emulator.stats().jscode2session_calls, 1);
    }
);

on_both_backends!(
    a_hundred_concurrent_first_logins_of_one_person_create_one_user,
    |kit| {
        let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
        let codes: Vec<String> = (0..100).map(|_| kit.wx_login(APP1.0, "erin")).collect();
        let answers = join_all(
            codes
                .iter()
                .map(|code| kit.miniprogram_login(SEED_TOKEN_PATH, &client_id, code, "Erin", "")),
        )
        .await;
        for a in &answers {
            assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        }
        assert_eq!(kit.user_count("test").await, 1);
        let subs: std::collections::HashSet<String> = answers
            .iter()
            .map(|a| {
                let token = a.body["access_token"].as_str().unwrap();
                let payload = token.split('.').nth(1).unwrap();
                let claims: serde_json::Value =
                    serde_json::from_slice(&base64_decode(payload)).unwrap();
                claims["sub"].as_str().unwrap().to_string()
            })
            .collect();
        assert_eq!(subs.len(), 1, "every login must be the same user");
    }
);

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

on_both_backends!(
    login_only_mode_refuses_unknown_people_and_creates_nobody,
    |kit| {
        let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
        let res = kit
            .post(
                "/api/update-application?id=admin/app-mini",
                json!({"enableSignUp": false}),
                &kit.admin,
            )
            .await;
        assert_eq!(res.ok(), "Affected");
        let login = kit
            .miniprogram_login(
                SEED_TOKEN_PATH,
                &client_id,
                &kit.wx_login(APP1.0, "frank"),
                "",
                "",
            )
            .await;
        assert_eq!(login.status, StatusCode::BAD_REQUEST, "{}", login.text);
        assert_eq!(login.body["error"], "invalid_grant");
        assert!(
            login.body["error_description"]
                .as_str()
                .unwrap()
                .contains("login-only")
        );
        assert_eq!(kit.user_count("test").await, 0);
    }
);

on_both_backends!(
    unknown_clients_and_apps_without_a_mini_program_provider_are_refused,
    |kit| {
        kit.setup_miniprogram("test", "app-mini", APP1).await;
        let code = kit.wx_login(APP1.0, "gina");
        let res = kit
            .miniprogram_login(SEED_TOKEN_PATH, "no-such-client", &code, "", "")
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text);
        assert_eq!(res.body["error"], "invalid_client");
        let plain = kit
            .post(
                "/api/add-application",
                json!({"name": "app-plain", "organization": "test"}),
                &kit.admin,
            )
            .await;
        plain.ok();
        let plain_id = plain.body["data2"]["clientId"].as_str().unwrap();
        let res = kit
            .miniprogram_login(SEED_TOKEN_PATH, plain_id, &code, "", "")
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text);
        assert_eq!(res.body["error"], "unauthorized_client");
        let res = kit
            .post_form(
                SEED_TOKEN_PATH,
                &[("tag", "wechat_miniprogram"), ("client_id", plain_id)],
            )
            .await;
        assert_eq!(res.body["error"], "invalid_request", "{}", res.text);
        assert_eq!(kit.emulator.stats().jscode2session_calls, 0);
    }
);

on_both_backends!(
    a_wechat_provider_flagged_as_mini_program_is_used_as_the_seeds_say,
    |kit| {
        kit.post("/api/add-organization", json!({"name": "test"}), &kit.admin)
            .await
            .ok();
        kit.post(
        "/api/add-provider",
        json!({"name": "wechat-web", "type": "WeChat", "clientId": "wx-web-only", "clientSecret": "s"}),
        &kit.admin,
    )
    .await
    .ok();
        kit.post(
        "/api/add-provider",
        json!({"name": "wechat-mp", "type": "WeChat", "subType": "Mini Program", "clientId": APP1.0, "clientSecret": APP1.1}),
        &kit.admin,
    )
    .await
    .ok();
        let app = kit
        .post(
            "/api/add-application",
            json!({"name": "app", "organization": "test", "providers": [{"name": "wechat-web"}, {"name": "wechat-mp"}]}),
            &kit.admin,
        )
        .await;
        let client_id = app.body["data2"]["clientId"].as_str().unwrap().to_string();
        let login = kit
            .miniprogram_login(
                SEED_TOKEN_PATH,
                &client_id,
                &kit.wx_login(APP1.0, "hank"),
                "",
                "",
            )
            .await;
        assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    }
);

on_both_backends!(
    unionid_links_one_person_across_the_organizations_mini_programs,
    |kit| {
        let first = kit.setup_miniprogram("test", "app-one", APP1).await;
        let second = kit.setup_miniprogram("test", "app-two", APP2).await;
        let unbound = kit.setup_miniprogram("test", "app-three", APP3).await;
        kit.miniprogram_login(
            SEED_TOKEN_PATH,
            &first,
            &kit.wx_login(APP1.0, "ivy"),
            "",
            "",
        )
        .await
        .ok_status();
        kit.miniprogram_login(
            SEED_TOKEN_PATH,
            &second,
            &kit.wx_login(APP2.0, "ivy"),
            "",
            "",
        )
        .await
        .ok_status();
        assert_eq!(kit.user_count("test").await, 1, "same unionid, same user");
        kit.miniprogram_login(
            SEED_TOKEN_PATH,
            &unbound,
            &kit.wx_login(APP3.0, "ivy"),
            "",
            "",
        )
        .await
        .ok_status();
        assert_eq!(
            kit.user_count("test").await,
            2,
            "no unionid: a separate identity"
        );
    }
);

on_both_backends!(
    update_user_lets_users_change_only_their_own_profile,
    |kit| {
        let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
        let a = kit
            .miniprogram_login(
                SEED_TOKEN_PATH,
                &client_id,
                &kit.wx_login(APP1.0, "amy"),
                "Amy",
                "",
            )
            .await;
        let b = kit
            .miniprogram_login(
                SEED_TOKEN_PATH,
                &client_id,
                &kit.wx_login(APP1.0, "ben"),
                "Ben",
                "",
            )
            .await;
        let amy = Auth::Bearer(a.body["access_token"].as_str().unwrap().into());
        let ben_name = format!(
            "wechat-{}",
            ferrodoor_wechat::emulator::openid_for(APP1.0, "ben")
        );
        let amy_name = format!(
            "wechat-{}",
            ferrodoor_wechat::emulator::openid_for(APP1.0, "amy")
        );
        let _ = b;

        // An admin gives Amy an email; her own later profile update must keep it.
        kit.post(
            &format!("/api/update-user?id=test/{amy_name}"),
            json!({"email": "amy@example.com"}),
            &kit.admin,
        )
        .await
        .ok();

        let idor = kit
            .post(
                "/api/update-user",
                json!({"owner": "test", "name": ben_name, "displayName": "pwned"}),
                &amy,
            )
            .await;
        idor.error(403);
        let idor = kit
            .post(
                &format!("/api/update-user?id=test/{ben_name}"),
                json!({"displayName": "pwned"}),
                &amy,
            )
            .await;
        idor.error(403);
        for (field, value) in [
            ("isAdmin", json!(true)),
            ("wechat", json!("someone-else")),
            ("properties", json!({"x": "y"})),
            ("password", json!("new-password")),
            ("isForbidden", json!(true)),
            ("email", json!("other@example.com")),
        ] {
            let res = kit
                .post(
                    "/api/update-user",
                    json!({"owner": "test", "name": amy_name, field: value}),
                    &amy,
                )
                .await;
            let msg = res.error(403);
            assert!(msg.contains(field), "{field}: {msg}");
        }
        let rename = kit
            .post(
                &format!("/api/update-user?id=test/{amy_name}"),
                json!({"name": "amy2"}),
                &amy,
            )
            .await;
        rename.error(403);
        let ben = kit
            .get(&format!("/api/get-user?id=test/{ben_name}"), &kit.admin)
            .await;
        assert_eq!(ben.ok()["displayName"], "Ben");

        let ok = kit
            .post(
                "/api/update-user",
                json!({"owner": "test", "name": amy_name, "displayName": "Amy B."}),
                &amy,
            )
            .await;
        assert_eq!(ok.ok(), "Affected");
        let me = kit.get("/api/get-account", &amy).await.ok().clone();
        assert_eq!(me["displayName"], "Amy B.");
        assert_eq!(
            me["email"], "amy@example.com",
            "partial update must keep omitted fields"
        );
        assert_eq!(me["isAdmin"], false);
    }
);

on_both_backends!(tokens_of_forbidden_or_deleted_users_stop_working, |kit| {
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    let a = kit
        .miniprogram_login(
            SEED_TOKEN_PATH,
            &client_id,
            &kit.wx_login(APP1.0, "kim"),
            "",
            "",
        )
        .await;
    let token = Auth::Bearer(a.body["access_token"].as_str().unwrap().into());
    let name = format!(
        "wechat-{}",
        ferrodoor_wechat::emulator::openid_for(APP1.0, "kim")
    );
    kit.get("/api/get-account", &token).await.ok();
    kit.post(
        &format!("/api/update-user?id=test/{name}"),
        json!({"isForbidden": true}),
        &kit.admin,
    )
    .await
    .ok();
    kit.get("/api/get-account", &token).await.error(401);
    let again = kit
        .miniprogram_login(
            SEED_TOKEN_PATH,
            &client_id,
            &kit.wx_login(APP1.0, "kim"),
            "",
            "",
        )
        .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "{}", again.text);
    kit.post(
        &format!("/api/update-user?id=test/{name}"),
        json!({"isForbidden": false}),
        &kit.admin,
    )
    .await
    .ok();
    let b = kit
        .miniprogram_login(
            SEED_TOKEN_PATH,
            &client_id,
            &kit.wx_login(APP1.0, "kim"),
            "",
            "",
        )
        .await;
    let token = Auth::Bearer(b.body["access_token"].as_str().unwrap().into());
    kit.get("/api/get-account", &token).await.ok();
    kit.post(
        "/api/delete-user",
        json!({"owner": "test", "name": name}),
        &kit.admin,
    )
    .await
    .ok();
    kit.get("/api/get-account", &token).await.error(401);
});

on_both_backends!(forged_and_foreign_tokens_are_refused, |kit| {
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    let a = kit
        .miniprogram_login(
            SEED_TOKEN_PATH,
            &client_id,
            &kit.wx_login(APP1.0, "leo"),
            "",
            "",
        )
        .await;
    let token = a.body["access_token"].as_str().unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: serde_json::Value = serde_json::from_slice(&base64_decode(parts[1])).unwrap();
    claims["isAdmin"] = json!(true);
    claims["owner"] = json!("built-in");
    use base64::Engine;
    let forged_payload =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
    let forged = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    kit.get("/api/get-account", &Auth::Bearer(forged))
        .await
        .error(401);
    let none_header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(r#"{"alg":"none","typ":"JWT","kid":"cert-built-in"}"#);
    kit.get(
        "/api/get-account",
        &Auth::Bearer(format!("{none_header}.{}.", parts[1])),
    )
    .await
    .error(401);
    kit.get("/api/get-account", &Auth::Bearer("not-a-jwt".into()))
        .await
        .error(401);
    // The header names a key the server publishes.
    let header: serde_json::Value = serde_json::from_slice(&base64_decode(parts[0])).unwrap();
    let jwks = kit.get("/.well-known/jwks", &Auth::None).await;
    assert!(
        jwks.body["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == header["kid"])
    );
    assert_eq!(header["alg"], "RS256");
    let discovery = kit
        .get("/.well-known/openid-configuration", &Auth::None)
        .await;
    assert_eq!(discovery.body["issuer"], kit.base);
    assert_eq!(claims["iss"], kit.base);
});

// Every upstream fault: the right status, a clear description, nothing written, and
// (where WeChat did not consume the code) the same code works once WeChat is back.
on_both_backends!(
    wechat_faults_become_clear_gateway_errors_and_write_nothing,
    |kit| {
        let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
        let cases = [
            (FaultMode::Busy, 503, true),
            (FaultMode::RateLimit, 429, true),
            (FaultMode::Http500, 502, true),
            (FaultMode::Garbage, 502, true),
            (FaultMode::Drop, 502, true),
            (FaultMode::Blocked, 403, false),
        ];
        for (mode, status, retryable) in cases {
            let code = kit.wx_login(APP1.0, "max");
            kit.emulator.set_fault(Fault {
                mode,
                count: None,
                delay_ms: None,
            });
            let res = kit
                .miniprogram_login(SEED_TOKEN_PATH, &client_id, &code, "Max", "")
                .await;
            assert_eq!(res.status.as_u16(), status, "{mode:?}: {}", res.text);
            assert!(
                res.body["error_description"].as_str().unwrap().len() > 10,
                "{mode:?}: {}",
                res.text
            );
            assert_eq!(
                kit.user_count("test").await,
                0,
                "{mode:?} must write nothing"
            );
            kit.emulator.set_fault(Fault {
                mode: FaultMode::None,
                count: None,
                delay_ms: None,
            });
            if retryable {
                let retry = kit
                    .miniprogram_login(SEED_TOKEN_PATH, &client_id, &code, "Max", "")
                    .await;
                assert_eq!(
                    retry.status,
                    StatusCode::OK,
                    "{mode:?} retry: {}",
                    retry.text
                );
                kit.post("/api/delete-user", json!({"owner": "test", "name": format!("wechat-{}", ferrodoor_wechat::emulator::openid_for(APP1.0, "max"))}), &kit.admin).await.ok();
            }
        }
        // Wrong AppSecret in the provider: a configuration error, not the client's fault.
        kit.post(
            "/api/update-provider?id=admin/provider-app-mini",
            json!({"clientSecret": "wrong"}),
            &kit.admin,
        )
        .await
        .ok();
        let res = kit
            .miniprogram_login(
                SEED_TOKEN_PATH,
                &client_id,
                &kit.wx_login(APP1.0, "max"),
                "",
                "",
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_GATEWAY, "{}", res.text);
        assert!(!res.text.contains("wrong"), "the secret must not be echoed");
    }
);

on_both_backends!(a_slow_wechat_gives_504_within_the_timeout, |kit| {
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    let code = kit.wx_login(APP1.0, "ned");
    kit.emulator.set_fault(Fault {
        mode: FaultMode::Slow,
        count: Some(1),
        delay_ms: Some(6_000),
    });
    let started = std::time::Instant::now();
    let res = kit
        .miniprogram_login(SEED_TOKEN_PATH, &client_id, &code, "", "")
        .await;
    assert_eq!(res.status, StatusCode::GATEWAY_TIMEOUT, "{}", res.text);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(6),
        "the 5 s upstream timeout must apply"
    );
    assert_eq!(kit.user_count("test").await, 0);
    // WeChat may have consumed the code before the answer was lost: it stays spent, and the
    // client is told to get a new one rather than to retry it.
    let retry = kit
        .miniprogram_login(SEED_TOKEN_PATH, &client_id, &code, "", "")
        .await;
    assert_eq!(retry.status, StatusCode::BAD_REQUEST, "{}", retry.text);
    assert_eq!(retry.body["error"], "invalid_grant");
    assert_eq!(kit.user_count("test").await, 0);
});

async fn unreachable_wechat(backend: crate::kit::Backend) {
    let Some(kit) =
        Kit::start_with(backend, |s| s.wechat_api_base = "http://127.0.0.1:9".into()).await
    else {
        return;
    };
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    let res = kit
        .miniprogram_login(SEED_TOKEN_PATH, &client_id, "0a1b2c3d", "", "")
        .await;
    assert_eq!(res.status, StatusCode::BAD_GATEWAY, "{}", res.text);
    assert_eq!(res.body["error"], "temporarily_unavailable");
    assert_eq!(kit.user_count("test").await, 0);
    kit.stop().await;
}

#[tokio::test]
async fn an_unreachable_wechat_gives_502_sqlite() {
    unreachable_wechat(crate::kit::Backend::Sqlite).await;
}

#[tokio::test]
async fn an_unreachable_wechat_gives_502_postgres() {
    unreachable_wechat(crate::kit::Backend::Postgres).await;
}

on_both_backends!(
    admins_see_linked_identities_and_can_sign_a_user_out_everywhere,
    |kit| {
        let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
        let login = kit
            .miniprogram_login(
                SEED_TOKEN_PATH,
                &client_id,
                &kit.wx_login(APP1.0, "olga"),
                "",
                "",
            )
            .await;
        let token = Auth::Bearer(login.body["access_token"].as_str().unwrap().into());
        let openid = ferrodoor_wechat::emulator::openid_for(APP1.0, "olga");
        let id = format!("test/wechat-{openid}");
        let identities = kit
            .get(&format!("/api/get-user-identities?id={id}"), &kit.admin)
            .await;
        let list = identities.ok().as_array().unwrap().clone();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0]["appid"], APP1.0);
        assert_eq!(list[0]["openid"], openid);
        assert_eq!(
            list[0]["unionid"],
            ferrodoor_wechat::emulator::unionid_for("olga")
        );
        // The user may see their own identities, not revoke their way around admins.
        kit.get(&format!("/api/get-user-identities?id={id}"), &token)
            .await
            .ok();
        kit.post(
            &format!("/api/revoke-user-tokens?id={id}"),
            json!({}),
            &token,
        )
        .await
        .error(403);
        let revoked = kit
            .post(
                &format!("/api/revoke-user-tokens?id={id}"),
                json!({}),
                &kit.admin,
            )
            .await;
        assert_eq!(revoked.ok(), 1);
        kit.get("/api/get-account", &token).await.error(401);
    }
);
