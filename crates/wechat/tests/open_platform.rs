//! The Open Platform side of the emulator through the real client over loopback HTTP:
//! website and Official Account codes, `sns/oauth2` tokens, `sns/userinfo`, the pages a
//! browser sees, and `getwxacodeunlimit`.

mod common;

use std::time::Duration;

use common::*;
use ferrodoor_wechat::emulator::{WebScope, openid_for, scene_of, unionid_for, unionid_in};
use ferrodoor_wechat::{AccessTokenCache, ErrorKind, WxaCodeRequest};

const WEB_APP: &str = "wxweb0000000000001";
const WEB_SECRET: &str = "web-secret";
const OTHER_PLATFORM_APP: &str = "wxweb0000000000002";

async fn open_platform() -> Setup {
    let mut config = config();
    config
        .apps
        .push(format!("{WEB_APP}:{WEB_SECRET}:unionid").parse().unwrap());
    config.apps.push(
        format!("{OTHER_PLATFORM_APP}:{WEB_SECRET}:unionid=elsewhere")
            .parse()
            .unwrap(),
    );
    start_with(config).await
}

#[tokio::test]
async fn website_code_gives_openid_unionid_and_profile_one_unionid_per_platform() {
    let setup = open_platform().await;
    let code = setup
        .emulator
        .web_code(WEB_APP, "alice", WebScope::Login, false)
        .unwrap();
    let grant = setup
        .client
        .web_access_token(WEB_APP, WEB_SECRET, &code)
        .await
        .unwrap();
    assert_eq!(grant.openid, openid_for(WEB_APP, "alice"));
    // The same person as in the mini program of the same Open Platform account.
    assert_eq!(grant.unionid, Some(unionid_for("alice")));
    assert_eq!(setup.login("alice").await.unionid, grant.unionid);
    assert_eq!(grant.scope, "snsapi_login");
    assert!(!grant.is_snapshot_user);
    let profile = setup
        .client
        .web_user_info(&grant.access_token, &grant.openid)
        .await
        .unwrap();
    assert_eq!(profile.nickname, "alice");
    assert_eq!(profile.unionid, grant.unionid);
    // Another Open Platform account: another unionid for the same person.
    let code = setup
        .emulator
        .web_code(OTHER_PLATFORM_APP, "alice", WebScope::Login, false)
        .unwrap();
    let other = setup
        .client
        .web_access_token(OTHER_PLATFORM_APP, WEB_SECRET, &code)
        .await
        .unwrap();
    assert_eq!(other.unionid, Some(unionid_in("elsewhere", "alice")));
    assert_ne!(other.unionid, grant.unionid);
    assert!(!format!("{grant:?}").contains(&grant.access_token));
}

#[tokio::test]
async fn codes_are_single_use_per_app_and_secrets_are_checked() {
    let setup = open_platform().await;
    let code = setup
        .emulator
        .web_code(WEB_APP, "bob", WebScope::Login, false)
        .unwrap();
    let wrong_secret = setup
        .client
        .web_access_token(WEB_APP, "nope", &code)
        .await
        .unwrap_err();
    assert_eq!(wrong_secret.errcode(), Some(40125));
    let other_app = setup
        .client
        .web_access_token(BOUND_APP, BOUND_SECRET, &code)
        .await
        .unwrap_err();
    assert_eq!(other_app.kind(), ErrorKind::InvalidCode);
    setup
        .client
        .web_access_token(WEB_APP, WEB_SECRET, &code)
        .await
        .unwrap();
    let again = setup
        .client
        .web_access_token(WEB_APP, WEB_SECRET, &code)
        .await
        .unwrap_err();
    assert_eq!(again.kind(), ErrorKind::CodeUsed);
    let invalid = setup
        .client
        .web_access_token(WEB_APP, WEB_SECRET, "made-up")
        .await
        .unwrap_err();
    assert_eq!(invalid.errcode(), Some(40029));
    let code = setup
        .emulator
        .web_code(WEB_APP, "bob", WebScope::Login, false)
        .unwrap();
    setup.emulator.advance_clock(Duration::from_secs(301));
    let expired = setup
        .client
        .web_access_token(WEB_APP, WEB_SECRET, &code)
        .await
        .unwrap_err();
    assert_eq!(expired.errcode(), Some(40029));
}

#[tokio::test]
async fn refresh_token_renews_the_access_token_until_it_expires_after_30_days() {
    let setup = open_platform().await;
    let code = setup
        .emulator
        .web_code(WEB_APP, "carol", WebScope::Login, false)
        .unwrap();
    let grant = setup
        .client
        .web_access_token(WEB_APP, WEB_SECRET, &code)
        .await
        .unwrap();
    let renewed = setup
        .client
        .web_refresh_token(WEB_APP, &grant.refresh_token)
        .await
        .unwrap();
    assert_ne!(renewed.access_token, grant.access_token);
    assert_eq!(renewed.refresh_token, grant.refresh_token);
    assert_eq!(renewed.openid, grant.openid);
    let wrong = setup
        .client
        .web_refresh_token(WEB_APP, "unknown")
        .await
        .unwrap_err();
    assert_eq!(wrong.errcode(), Some(40030));
    setup
        .emulator
        .advance_clock(Duration::from_secs(30 * 24 * 3600 + 1));
    let expired = setup
        .client
        .web_refresh_token(WEB_APP, &grant.refresh_token)
        .await
        .unwrap_err();
    assert_eq!(expired.errcode(), Some(42002));
    let stale = setup
        .client
        .web_user_info(&renewed.access_token, &renewed.openid)
        .await
        .unwrap_err();
    assert_eq!(stale.kind(), ErrorKind::TokenExpired);
}

#[tokio::test]
async fn official_account_base_scope_is_openid_only_and_snapshot_users_are_marked() {
    let setup = open_platform().await;
    let code = setup
        .emulator
        .web_code(WEB_APP, "dave", WebScope::Base, false)
        .unwrap();
    let base = setup
        .client
        .web_access_token(WEB_APP, WEB_SECRET, &code)
        .await
        .unwrap();
    assert_eq!(base.openid, openid_for(WEB_APP, "dave"));
    assert_eq!(base.unionid, None, "snsapi_base gives no unionid");
    let refused = setup
        .client
        .web_user_info(&base.access_token, &base.openid)
        .await
        .unwrap_err();
    assert_eq!(refused.errcode(), Some(48001));
    let code = setup
        .emulator
        .web_code(WEB_APP, "dave", WebScope::UserInfo, true)
        .unwrap();
    let snapshot = setup
        .client
        .web_access_token(WEB_APP, WEB_SECRET, &code)
        .await
        .unwrap();
    assert!(snapshot.is_snapshot_user);
    assert_ne!(snapshot.openid, base.openid, "a snapshot openid is fake");
    assert_eq!(snapshot.unionid, None);
}

#[tokio::test]
async fn pages_redirect_with_code_and_state_and_official_account_needs_wechat() {
    let setup = open_platform().await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = setup.base_url();
    let query = format!(
        "appid={WEB_APP}&redirect_uri=http%3A%2F%2Fsite.test%2Fcb&response_type=code&scope=snsapi_login&state=s1"
    );
    let page = http
        .get(format!("{base}/connect/qrconnect?{query}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Scan as"));
    let agreed = http
        .post(format!("{base}/connect/qrconnect"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("{query}&user=erin"))
        .send()
        .await
        .unwrap();
    assert_eq!(agreed.status(), 303);
    let location = url::Url::parse(agreed.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), "/cb");
    let pairs: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(pairs["state"], "s1");
    let grant = setup
        .client
        .web_access_token(WEB_APP, WEB_SECRET, &pairs["code"])
        .await
        .unwrap();
    assert_eq!(grant.openid, openid_for(WEB_APP, "erin"));

    let wrong_scope = http
        .get(format!(
            "{base}/connect/qrconnect?{}",
            query.replace("snsapi_login", "snsapi_base")
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_scope.status(), 400);

    let oa = format!(
        "{base}/connect/oauth2/authorize?{}",
        query.replace("snsapi_login", "snsapi_base")
    );
    let outside = http.get(&oa).send().await.unwrap();
    assert!(
        outside
            .text()
            .await
            .unwrap()
            .contains("open this link in WeChat")
    );
    let wechat_ua = "Mozilla/5.0 (iPhone) MicroMessenger/8.0.50";
    let first = http
        .get(&oa)
        .header("user-agent", wechat_ua)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200, "an unknown browser is asked who it is");
    // Known (cookie): snsapi_base redirects at once.
    let silent = http
        .get(&oa)
        .header("user-agent", wechat_ua)
        .header("cookie", "emulator_wechat_user=erin")
        .send()
        .await
        .unwrap();
    assert_eq!(silent.status(), 303);
}

#[tokio::test]
async fn mini_program_code_is_a_png_of_its_scene_through_the_token_cache() {
    let setup = open_platform().await;
    let cache = AccessTokenCache::new(setup.client.clone());
    let request = WxaCodeRequest {
        scene: "t-0123456789abcdef",
        page: "pages/web-login/index",
        env_version: "release",
        check_path: false,
    };
    let png = cache
        .wxa_code_unlimit(BOUND_APP, BOUND_SECRET, &request)
        .await
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    assert_eq!(scene_of(&png).as_deref(), Some("t-0123456789abcdef"));
    let codes = setup.emulator.wxa_codes();
    assert_eq!(codes.len(), 1);
    assert_eq!(codes[0].page, "pages/web-login/index");
    let bad = cache
        .wxa_code_unlimit(
            BOUND_APP,
            BOUND_SECRET,
            &WxaCodeRequest {
                scene: "with space",
                ..request
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.errcode(), Some(40169));
    let no_token = setup
        .client
        .wxa_code_unlimit("not-a-token", &request)
        .await
        .unwrap_err();
    assert_eq!(no_token.errcode(), Some(40001));
}
