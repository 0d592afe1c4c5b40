//! Beyond Casdoor: phone-number accounts and binding WeChat to existing accounts.

use reqwest::StatusCode;
use serde_json::json;

use crate::kit::{APP1, APP3, Auth, Kit};
use crate::on_both_backends;
use ferrodoor_wechat::emulator::openid_for;

const TOKEN: &str = "/api/login/oauth/access_token";

pub(crate) async fn phone_login(
    kit: &Kit,
    client_id: &str,
    user: &str,
    phone: &str,
) -> crate::kit::Answer {
    let code = kit.wx_login(APP1.0, user);
    let phone_code = kit.emulator.phone_code(APP1.0, user, phone).unwrap();
    kit.post_form(
        TOKEN,
        &[
            ("tag", "wechat_miniprogram"),
            ("client_id", client_id),
            ("code", &code),
            ("phone_code", &phone_code),
        ],
    )
    .await
}

fn bearer(answer: &crate::kit::Answer) -> Auth {
    Auth::Bearer(answer.body["access_token"].as_str().unwrap().to_string())
}

on_both_backends!(
    a_phone_login_creates_an_account_with_the_verified_number,
    |kit| {
        let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
        let first = phone_login(kit, &client_id, "pia", "13800138000").await;
        first.ok_status();
        let me = kit.get("/api/get-account", &bearer(&first)).await;
        assert_eq!(me.ok()["phone"], "13800138000");
        assert_eq!(me.ok()["countryCode"], "CN");
        // Later silent logins find the same account.
        let again = kit
            .miniprogram_login(TOKEN, &client_id, &kit.wx_login(APP1.0, "pia"), "", "")
            .await;
        let me2 = kit.get("/api/get-account", &bearer(&again)).await;
        assert_eq!(me2.ok()["id"], me.body["data"]["id"]);
        assert_eq!(kit.user_count("test").await, 1);
        // The WeChat access token behind getuserphonenumber is fetched once and reused.
        phone_login(kit, &client_id, "quin", "13900139000")
            .await
            .ok_status();
        assert_eq!(kit.emulator.stats().stable_token_calls, 1);
    }
);

on_both_backends!(
    a_phone_login_finds_a_pre_provisioned_account_even_in_login_only_mode,
    |kit| {
        let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
        kit.post(
            "/api/update-application?id=admin/app-mini",
            json!({"enableSignUp": false}),
            &kit.admin,
        )
        .await
        .ok();
        kit.post("/api/add-user", json!({"owner": "test", "name": "employee-7", "phone": "13700137000", "displayName": "Seven"}), &kit.admin).await.ok();
        // Without the phone, this WeChat user is unknown: refused.
        let silent = kit
            .miniprogram_login(TOKEN, &client_id, &kit.wx_login(APP1.0, "ray"), "", "")
            .await;
        assert_eq!(silent.body["error"], "invalid_grant");
        let login = phone_login(kit, &client_id, "ray", "13700137000").await;
        login.ok_status();
        let me = kit.get("/api/get-account", &bearer(&login)).await;
        assert_eq!(me.ok()["name"], "employee-7");
        assert_eq!(kit.user_count("test").await, 1);
        // From now on the silent login works too.
        let silent = kit
            .miniprogram_login(TOKEN, &client_id, &kit.wx_login(APP1.0, "ray"), "", "")
            .await;
        silent.ok_status();
        let events = kit
            .get("/api/get-identity-events?id=test/employee-7", &kit.admin)
            .await;
        let events = events.ok().as_array().unwrap().clone();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["action"], "link");
        assert_eq!(events[0]["method"], "phone-login");
        assert_eq!(events[0]["openid"], openid_for(APP1.0, "ray"));
    }
);

on_both_backends!(
    a_phone_of_another_account_or_another_person_is_refused,
    |kit| {
        let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
        kit.post(
            "/api/add-user",
            json!({"owner": "test", "name": "owner-of-phone", "phone": "13600136000"}),
            &kit.admin,
        )
        .await
        .ok();
        kit.miniprogram_login(TOKEN, &client_id, &kit.wx_login(APP1.0, "sol"), "", "")
            .await
            .ok_status();
        let clash = phone_login(kit, &client_id, "sol", "13600136000").await;
        assert_eq!(clash.status, StatusCode::CONFLICT, "{}", clash.text);
        // A phone code obtained by another WeChat user is refused by WeChat's openid check.
        let code = kit.wx_login(APP1.0, "sol");
        let stolen = kit
            .emulator
            .phone_code(APP1.0, "tim", "13500135000")
            .unwrap();
        let res = kit
            .post_form(
                TOKEN,
                &[
                    ("tag", "wechat_miniprogram"),
                    ("client_id", &client_id),
                    ("code", &code),
                    ("phone_code", &stolen),
                ],
            )
            .await;
        assert_eq!(res.body["error"], "invalid_grant", "{}", res.text);
        assert_eq!(kit.user_count("test").await, 2);
    }
);

// A user with a password signs in, binds their WeChat, then logs in with WeChat.
on_both_backends!(
    binding_links_wechat_to_an_existing_account_and_refuses_takeovers,
    |kit| {
        let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
        kit.post(
            "/api/update-application?id=admin/app-mini",
            json!({"grantTypes": ["password"]}),
            &kit.admin,
        )
        .await
        .ok();
        kit.post(
            "/api/add-user",
            json!({"owner": "test", "name": "uma", "password": "uma-password"}),
            &kit.admin,
        )
        .await
        .ok();
        kit.post(
            "/api/add-user",
            json!({"owner": "test", "name": "vic", "password": "vic-password"}),
            &kit.admin,
        )
        .await
        .ok();
        let token = |user: &'static str| {
            let client_id = client_id.clone();
            async move {
                let res = kit
                    .post_form(
                        TOKEN,
                        &[
                            ("grant_type", "password"),
                            ("client_id", &client_id),
                            ("username", user),
                            ("password", &format!("{user}-password")),
                        ],
                    )
                    .await;
                bearer(&res)
            }
        };
        let uma = token("uma").await;
        let vic = token("vic").await;
        let bound = kit
            .post(
                "/api/bind-wechat",
                json!({"client_id": client_id, "code": kit.wx_login(APP1.0, "uma-phone")}),
                &uma,
            )
            .await;
        assert_eq!(bound.ok()["openid"], openid_for(APP1.0, "uma-phone"));
        let login = kit
            .miniprogram_login(
                TOKEN,
                &client_id,
                &kit.wx_login(APP1.0, "uma-phone"),
                "",
                "",
            )
            .await;
        assert_eq!(
            kit.get("/api/get-account", &bearer(&login)).await.ok()["name"],
            "uma"
        );
        // Vic cannot take Uma's WeChat.
        let takeover = kit
            .post(
                "/api/bind-wechat",
                json!({"client_id": client_id, "code": kit.wx_login(APP1.0, "uma-phone")}),
                &vic,
            )
            .await;
        assert!(takeover.error(409).contains("another user"));
        // Binding again is harmless.
        kit.post(
            "/api/bind-wechat",
            json!({"client_id": client_id, "code": kit.wx_login(APP1.0, "uma-phone")}),
            &uma,
        )
        .await
        .ok();
        // Unbinding: the identity goes, the history stays.
        let removed = kit
            .post("/api/unbind-wechat", json!({"client_id": client_id}), &uma)
            .await;
        assert_eq!(removed.ok(), 1);
        let identities = kit.get("/api/get-user-identities?id=test/uma", &uma).await;
        assert_eq!(identities.ok().as_array().unwrap().len(), 0);
        let events = kit.get("/api/get-identity-events?id=test/uma", &uma).await;
        let actions: Vec<(String, String, String)> = events
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap().into(),
                    e["method"].as_str().unwrap().into(),
                    e["actor"].as_str().unwrap().into(),
                )
            })
            .collect();
        assert_eq!(
            actions,
            vec![
                ("link".into(), "bind".into(), "test/uma".into()),
                ("unlink".into(), "unbind".into(), "test/uma".into())
            ]
        );
        // Both are records too (the repeated bind is not), filed under the organization.
        let records = kit
            .get(
                "/api/get-records?organization=test&field=object&value=test/uma",
                &kit.admin,
            )
            .await;
        let mut kinds: Vec<(String, String)> = records
            .ok()
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["action"].as_str().unwrap().ends_with("bind-wechat"))
            .map(|r| {
                (
                    r["action"].as_str().unwrap().into(),
                    r["user"].as_str().unwrap().into(),
                )
            })
            .collect();
        kinds.sort();
        assert_eq!(
            kinds,
            vec![
                ("bind-wechat".into(), "uma".into()),
                ("unbind-wechat".into(), "uma".into())
            ],
            "{}",
            records.text
        );
        // Now Vic may bind it; and a WeChat login no longer reaches Uma.
        kit.post(
            "/api/bind-wechat",
            json!({"client_id": client_id, "code": kit.wx_login(APP1.0, "uma-phone")}),
            &vic,
        )
        .await
        .ok();
        let login = kit
            .miniprogram_login(
                TOKEN,
                &client_id,
                &kit.wx_login(APP1.0, "uma-phone"),
                "",
                "",
            )
            .await;
        assert_eq!(
            kit.get("/api/get-account", &bearer(&login)).await.ok()["name"],
            "vic"
        );
        // Another user's events are not Uma's business.
        kit.get("/api/get-identity-events?id=test/vic", &uma)
            .await
            .error(403);
    }
);

on_both_backends!(
    binding_needs_a_user_of_the_applications_organization,
    |kit| {
        let client_id = kit.setup_miniprogram("test", "app-mini", APP3).await;
        // The built-in admin belongs to another organization.
        let res = kit
            .post(
                "/api/bind-wechat",
                json!({"client_id": client_id, "code": kit.wx_login(APP3.0, "x")}),
                &kit.admin,
            )
            .await;
        res.error(403);
        kit.post(
            "/api/bind-wechat",
            json!({"client_id": client_id}),
            &Auth::None,
        )
        .await
        .error(401);
        let res = kit
            .post(
                "/api/bind-wechat",
                json!({"client_id": client_id, "code": "c", "extra": 1}),
                &kit.admin,
            )
            .await;
        res.error(400);
    }
);

on_both_backends!(public_clients_revoke_their_own_tokens_by_client_id, |kit| {
    let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    let login = kit
        .miniprogram_login(TOKEN, &client_id, &kit.wx_login(APP1.0, "wes"), "", "")
        .await;
    let refresh = login.body["refresh_token"].as_str().unwrap();
    let res = kit
        .post_form(
            "/api/login/oauth/revoke",
            &[("client_id", client_id.as_str()), ("token", refresh)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    kit.get("/api/get-account", &bearer(&login))
        .await
        .error(401);
});

on_both_backends!(
    encrypted_data_is_decrypted_with_a_session_key_that_never_leaves,
    |kit| {
        let client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
        let login = kit
            .miniprogram_login(TOKEN, &client_id, &kit.wx_login(APP1.0, "xia"), "", "")
            .await;
        let me = bearer(&login);
        let openid = openid_for(APP1.0, "xia");
        let session_key = kit.emulator.session_key(APP1.0, &openid).unwrap();
        // At rest the session key is sealed, not stored as such.
        let identities = kit
            .db
            .as_ref()
            .unwrap()
            .store()
            .list_wechat_identities("test", &format!("wechat-{openid}"))
            .await
            .unwrap();
        let sealed = identities[0].session_key_sealed.clone().unwrap();
        assert!(!sealed.contains(&session_key));

        let mut data = serde_json::Map::new();
        data.insert("phoneNumber".into(), json!("13800138000"));
        let enc = kit.emulator.encrypted_data(APP1.0, "xia", data).unwrap();
        let res = kit
            .post(
                "/api/wechat/decrypt",
                json!({"client_id": client_id, "encryptedData": enc.encrypted_data, "iv": enc.iv}),
                &me,
            )
            .await;
        let plain = res.ok().clone();
        assert_eq!(plain["phoneNumber"], "13800138000");
        assert_eq!(plain["watermark"]["appid"], APP1.0);
        assert!(!res.text.contains(&session_key));
        let ok = kit.post("/api/wechat/verify-signature", json!({"client_id": client_id, "rawData": enc.raw_data, "signature": enc.signature}), &me).await;
        assert_eq!(ok.ok()["valid"], true);
        let bad = kit.post("/api/wechat/verify-signature", json!({"client_id": client_id, "rawData": format!("{} ", enc.raw_data), "signature": enc.signature}), &me).await;
        assert_eq!(bad.ok()["valid"], false);

        // A new wx.login replaces the session key: data encrypted with the old one fails clearly.
        kit.miniprogram_login(TOKEN, &client_id, &kit.wx_login(APP1.0, "xia"), "", "")
            .await
            .ok_status();
        let stale = kit
            .post(
                "/api/wechat/decrypt",
                json!({"client_id": client_id, "encryptedData": enc.encrypted_data, "iv": enc.iv}),
                &me,
            )
            .await;
        assert!(stale.error(400).contains("log in again"));
        // Another user's token cannot use Xia's key, and the admin has no WeChat identity here.
        kit.post(
            "/api/wechat/decrypt",
            json!({"client_id": client_id, "encryptedData": enc.encrypted_data, "iv": enc.iv}),
            &kit.admin,
        )
        .await
        .error(403);
    }
);
