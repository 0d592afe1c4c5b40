//! WeChat sign-in from the hosted page over real HTTP: website QR (`snsapi_login`) and the
//! Official Account inside WeChat's browser (`snsapi_base`, then `snsapi_userinfo`), one
//! person one account by unionid, the provider item's canSignUp/canSignIn, and WeChat's
//! errors (40029, snapshot users, WeChat down) answered clearly with nothing written.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE, USER_AGENT};
use serde_json::{Value, json};

use crate::kit::{APP1, APP2, APP3, APP4, Auth, Kit};
use crate::on_both_backends;
use ferrodoor_wechat::emulator::{Fault, FaultMode, WebScope, openid_for};

const REDIRECT: &str = "http://rp.example/cb";
const WECHAT_UA: &str =
    "Mozilla/5.0 (iPhone) AppleWebKit (KHTML, like Gecko) MicroMessenger/8.0.50";
const DESKTOP_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) Chrome/140";

struct Site {
    client_id: String,
    client_secret: String,
    mini_client_id: String,
}

/// Organization `test` with a mini program (APP1), and a website application `site`
/// whose WeChat provider is the website app `web_appid` with the Official Account
/// `oa_appid`; `item` is the provider item of `site`.
async fn setup(kit: &Kit, (oa_appid, oa_secret): (&str, &str), item: Value) -> Site {
    let mini_client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    kit.post(
        "/api/add-provider",
        json!({"owner": "admin", "name": "wechat-web", "displayName": "WeChat <Acme>", "category": "OAuth",
               "type": "WeChat", "clientId": APP2.0, "clientSecret": APP2.1,
               "clientId2": oa_appid, "clientSecret2": oa_secret}),
        &kit.admin,
    )
    .await
    .ok();
    let mut item = item;
    item["owner"] = json!("admin");
    item["name"] = json!("wechat-web");
    let res = kit
        .post(
            "/api/add-application",
            json!({"owner": "admin", "name": "site", "organization": "test", "enableSignUp": true,
                   "redirectUris": [REDIRECT], "grantTypes": ["authorization_code"],
                   "providers": [item]}),
            &kit.admin,
        )
        .await;
    res.ok();
    Site {
        client_id: res.body["data2"]["clientId"].as_str().unwrap().into(),
        client_secret: res.body["data2"]["clientSecret"].as_str().unwrap().into(),
        mini_client_id,
    }
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A browser: its own cookie for the sign-in, its user agent.
struct Browser {
    http: reqwest::Client,
    ua: &'static str,
    cookie: Option<String>,
}

enum Step {
    /// To WeChat's page: (scope, state).
    WeChat(String, String),
    /// Back to the relying party with an authorization code.
    Done(String),
    Refused(StatusCode, String),
}

impl Browser {
    fn new(ua: &'static str) -> Self {
        Browser {
            http: no_redirects(),
            ua,
            cookie: None,
        }
    }

    async fn go(&mut self, url: &str) -> Step {
        let mut request = self.http.get(url).header(USER_AGENT, self.ua);
        if let Some(c) = &self.cookie {
            request = request.header(COOKIE, c);
        }
        let res = request.send().await.unwrap();
        if let Some(set) = res.headers().get(SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_string();
            self.cookie = pair
                .split_once('=')
                .filter(|(_, v)| !v.is_empty())
                .map(|_| pair.clone());
        }
        let status = res.status();
        let location = res
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_string());
        let text = res.text().await.unwrap();
        match location {
            Some(l) if l.starts_with(REDIRECT) => {
                assert_eq!(param(&l, "state").as_deref(), Some("rp-state"));
                Step::Done(param(&l, "code").unwrap())
            }
            Some(l) => {
                assert!(l.ends_with("#wechat_redirect"), "{l}");
                let l = l.trim_end_matches("#wechat_redirect");
                Step::WeChat(param(l, "scope").unwrap(), param(l, "state").unwrap())
            }
            None => Step::Refused(status, text),
        }
    }

    /// From the relying party's button to WeChat's page.
    async fn start(&mut self, kit: &Kit, site: &Site) -> Step {
        let url = kit.url(&format!(
            "/login/wechat?client_id={}&response_type=code&redirect_uri={REDIRECT}&scope=openid&state=rp-state&provider=wechat-web",
            site.client_id
        ));
        self.go(&url).await
    }

    async fn callback(&mut self, kit: &Kit, code: &str, state: &str) -> Step {
        self.go(&kit.url(&format!("/login/wechat/callback?code={code}&state={state}")))
            .await
    }
}

/// The whole website QR sign-in of `person`; answers the account's id.
async fn qr_sign_in(kit: &Kit, site: &Site, person: &str) -> String {
    let mut browser = Browser::new(DESKTOP_UA);
    let Step::WeChat(scope, state) = browser.start(kit, site).await else {
        panic!("no redirect to WeChat")
    };
    assert_eq!(scope, "snsapi_login");
    let code = kit
        .emulator
        .web_code(APP2.0, person, WebScope::Login, false)
        .unwrap();
    match browser.callback(kit, &code, &state).await {
        Step::Done(code) => account_of(kit, site, &code).await,
        Step::Refused(status, text) => panic!("refused {status}: {text}"),
        Step::WeChat(..) => panic!("sent to WeChat again"),
    }
}

/// Exchanges the relying party's code; answers the account id behind it.
async fn account_of(kit: &Kit, site: &Site, code: &str) -> String {
    let tokens = kit
        .post_form(
            "/api/login/oauth/access_token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &site.client_id),
                ("client_secret", &site.client_secret),
                ("code", code),
                ("redirect_uri", REDIRECT),
            ],
        )
        .await;
    tokens.ok_status();
    let access = Auth::Bearer(tokens.body["access_token"].as_str().unwrap().into());
    kit.get("/api/get-account", &access).await.ok()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn mini_program_account(kit: &Kit, site: &Site, person: &str) -> String {
    let code = kit.wx_login(APP1.0, person);
    let res = kit
        .miniprogram_login(
            "/api/login/oauth/access_token",
            &site.mini_client_id,
            &code,
            "",
            "",
        )
        .await;
    res.ok_status();
    let access = Auth::Bearer(res.body["access_token"].as_str().unwrap().into());
    kit.get("/api/get-account", &access).await.ok()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn allowed() -> Value {
    json!({"canSignUp": true, "canSignIn": true})
}

on_both_backends!(
    the_page_shows_the_provider_and_qr_sign_in_makes_one_account_with_the_mini_program,
    |kit| {
        let site = setup(kit, APP4, allowed()).await;
        let page = kit
            .get(
                &format!(
                    "/login/oauth/authorize?client_id={}&response_type=code&redirect_uri={REDIRECT}&state=rp-state",
                    site.client_id
                ),
                &Auth::None,
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        // The provider's display name, escaped, on a button to /login/wechat.
        assert!(
            page.text.contains(">WeChat &lt;Acme&gt;</a>"),
            "{}",
            page.text
        );
        assert!(page.text.contains("/login/wechat?client_id="));
        // Alice used the mini program first; the website QR finds her by unionid.
        let from_mini = mini_program_account(kit, &site, "alice").await;
        let first = qr_sign_in(kit, &site, "alice").await;
        assert_eq!(first, from_mini);
        let again = qr_sign_in(kit, &site, "alice").await;
        assert_eq!(again, from_mini);
        // A new person gets a new account, found again the next time.
        let bob = qr_sign_in(kit, &site, "bob").await;
        assert_ne!(bob, from_mini);
        assert_eq!(qr_sign_in(kit, &site, "bob").await, bob);
        assert_eq!(kit.user_count("test").await, 2);
    }
);

on_both_backends!(
    official_account_is_silent_for_a_known_person_and_asks_once_for_a_new_one,
    |kit| {
        let site = setup(kit, APP4, allowed()).await;
        let alice = mini_program_account(kit, &site, "alice").await;
        let mut phone = Browser::new(WECHAT_UA);
        // Unknown to the Official Account: snsapi_base finds nobody, so WeChat is asked
        // again with snsapi_userinfo (profile and unionid).
        let Step::WeChat(scope, state) = phone.start(kit, &site).await else {
            panic!("no redirect to WeChat")
        };
        assert_eq!(scope, "snsapi_base");
        let code = kit
            .emulator
            .web_code(APP4.0, "alice", WebScope::Base, false)
            .unwrap();
        let Step::WeChat(scope, state) = phone.callback(kit, &code, &state).await else {
            panic!("snsapi_base of an unknown person did not ask again")
        };
        assert_eq!(scope, "snsapi_userinfo");
        let code = kit
            .emulator
            .web_code(APP4.0, "alice", WebScope::UserInfo, false)
            .unwrap();
        let Step::Done(rp_code) = phone.callback(kit, &code, &state).await else {
            panic!("snsapi_userinfo did not sign in")
        };
        assert_eq!(account_of(kit, &site, &rp_code).await, alice);
        // Known now: snsapi_base alone signs in, silently.
        let Step::WeChat(scope, state) = phone.start(kit, &site).await else {
            panic!("no redirect to WeChat")
        };
        assert_eq!(scope, "snsapi_base");
        let calls = kit.emulator.stats().web_userinfo_calls;
        let code = kit
            .emulator
            .web_code(APP4.0, "alice", WebScope::Base, false)
            .unwrap();
        let Step::Done(rp_code) = phone.callback(kit, &code, &state).await else {
            panic!("a known person was asked again")
        };
        assert_eq!(account_of(kit, &site, &rp_code).await, alice);
        assert_eq!(kit.emulator.stats().web_userinfo_calls, calls);
        assert_eq!(kit.user_count("test").await, 1);
    }
);

on_both_backends!(
    without_a_unionid_nothing_is_merged_and_snapshot_users_are_refused,
    |kit| {
        // APP3 is not bound to the Open Platform: no unionid.
        let site = setup(kit, APP3, allowed()).await;
        let alice = mini_program_account(kit, &site, "alice").await;
        let mut phone = Browser::new(WECHAT_UA);
        let Step::WeChat(_, state) = phone.start(kit, &site).await else {
            panic!()
        };
        let code = kit
            .emulator
            .web_code(APP3.0, "alice", WebScope::Base, false)
            .unwrap();
        let Step::WeChat(_, state) = phone.callback(kit, &code, &state).await else {
            panic!()
        };
        let code = kit
            .emulator
            .web_code(APP3.0, "alice", WebScope::UserInfo, false)
            .unwrap();
        let Step::Done(rp_code) = phone.callback(kit, &code, &state).await else {
            panic!()
        };
        let other = account_of(kit, &site, &rp_code).await;
        assert_ne!(other, alice, "merged without a unionid");
        assert_eq!(kit.user_count("test").await, 2);
        // A snapshot-page user: 403, no account, no identity.
        let mut snap = Browser::new(WECHAT_UA);
        let Step::WeChat(_, state) = snap.start(kit, &site).await else {
            panic!()
        };
        let code = kit
            .emulator
            .web_code(APP3.0, "carol", WebScope::Base, true)
            .unwrap();
        let Step::Refused(status, text) = snap.callback(kit, &code, &state).await else {
            panic!("a snapshot user was let in")
        };
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(text.contains("snapshot"), "{text}");
        assert_eq!(kit.user_count("test").await, 2);
        assert_ne!(openid_for(APP3.0, "carol"), "");
    }
);

on_both_backends!(
    a_callback_in_another_browser_or_with_a_bad_code_or_wechat_down_writes_nothing,
    |kit| {
        let site = setup(kit, APP4, allowed()).await;
        let mut victim = Browser::new(DESKTOP_UA);
        let mut attacker = Browser::new(DESKTOP_UA);
        let Step::WeChat(_, state) = attacker.start(kit, &site).await else {
            panic!()
        };
        let code = kit
            .emulator
            .web_code(APP2.0, "mallory", WebScope::Login, false)
            .unwrap();
        // Login CSRF: the attacker's callback URL opened in the victim's browser.
        let Step::Refused(status, text) = victim.callback(kit, &code, &state).await else {
            panic!("a callback of another browser signed in")
        };
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(text.contains("not started in this browser"), "{text}");
        // The victim's own attempt does not accept the attacker's state either.
        let Step::WeChat(_, _) = victim.start(kit, &site).await else {
            panic!()
        };
        let Step::Refused(status, _) = victim.callback(kit, &code, &state).await else {
            panic!()
        };
        assert_eq!(status, StatusCode::BAD_REQUEST);
        // 40029: an invalid code.
        let Step::WeChat(_, state) = attacker.start(kit, &site).await else {
            panic!()
        };
        let Step::Refused(status, text) = attacker.callback(kit, "made-up-code", &state).await
        else {
            panic!()
        };
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(text.contains("40029"), "{text}");
        // WeChat down: 502; too slow: 504. The code is still good afterwards.
        let code = kit
            .emulator
            .web_code(APP2.0, "mallory", WebScope::Login, false)
            .unwrap();
        kit.emulator.set_fault(Fault::times(FaultMode::Http500, 1));
        let Step::Refused(status, _) = attacker.callback(kit, &code, &state).await else {
            panic!()
        };
        assert_eq!(status, StatusCode::BAD_GATEWAY);
        kit.emulator.set_fault(Fault::times(FaultMode::Drop, 1));
        let Step::Refused(status, _) = attacker.callback(kit, &code, &state).await else {
            panic!()
        };
        assert_eq!(status, StatusCode::BAD_GATEWAY);
        kit.emulator.set_fault(Fault::always(FaultMode::Slow));
        let Step::Refused(status, _) = attacker.callback(kit, "slow-code", &state).await else {
            panic!()
        };
        assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
        kit.emulator.set_fault(Fault::always(FaultMode::None));
        assert_eq!(
            kit.user_count("test").await,
            0,
            "a failed sign-in wrote a user"
        );
        let Step::Done(_) = attacker.callback(kit, &code, &state).await else {
            panic!("the code did not survive WeChat's failures")
        };
        assert_eq!(kit.user_count("test").await, 1);
    }
);

on_both_backends!(
    the_provider_items_can_sign_up_and_can_sign_in_are_honoured,
    |kit| {
        let site = setup(kit, APP4, json!({"canSignUp": false, "canSignIn": true})).await;
        let mut browser = Browser::new(DESKTOP_UA);
        let Step::WeChat(_, state) = browser.start(kit, &site).await else {
            panic!()
        };
        let code = kit
            .emulator
            .web_code(APP2.0, "dora", WebScope::Login, false)
            .unwrap();
        let Step::Refused(status, text) = browser.callback(kit, &code, &state).await else {
            panic!("signed up although canSignUp is off")
        };
        assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
        assert!(text.contains("does not allow signing up"), "{text}");
        assert_eq!(kit.user_count("test").await, 0);
        // Known through the mini program: signing in is allowed.
        let dora = mini_program_account(kit, &site, "dora").await;
        assert_eq!(qr_sign_in(kit, &site, "dora").await, dora);
        // canSignIn off: no button, and no sign-in with it.
        let mut app = kit
            .get("/api/get-application?id=admin/site", &kit.admin)
            .await
            .ok()
            .clone();
        app["providers"] = json!([{"owner": "admin", "name": "wechat-web", "canSignUp": true, "canSignIn": false}]);
        kit.post("/api/update-application?id=admin/site", app, &kit.admin)
            .await
            .ok();
        let page = kit
            .get(
                &format!(
                    "/login/oauth/authorize?client_id={}&response_type=code&redirect_uri={REDIRECT}",
                    site.client_id
                ),
                &Auth::None,
            )
            .await;
        assert!(!page.text.contains("/login/wechat?"), "{}", page.text);
        let mut browser = Browser::new(DESKTOP_UA);
        let Step::WeChat(_, state) = browser.start(kit, &site).await else {
            panic!()
        };
        let code = kit
            .emulator
            .web_code(APP2.0, "dora", WebScope::Login, false)
            .unwrap();
        let Step::Refused(status, _) = browser.callback(kit, &code, &state).await else {
            panic!("signed in although canSignIn is off")
        };
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);

/// The sign-in page as `ua` sees it: (CSP, the embedded QR's iframe `src`, the cookie set).
async fn sign_in_page(
    kit: &Kit,
    site: &Site,
    ua: &str,
) -> (String, Option<String>, Option<String>) {
    let res = no_redirects()
        .get(kit.url(&format!(
            "/login/oauth/authorize?client_id={}&response_type=code&redirect_uri={REDIRECT}&scope=openid&state=rp-state",
            site.client_id
        )))
        .header(USER_AGENT, ua)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name| {
        res.headers()
            .get(name)
            .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_string())
    };
    let csp = header(reqwest::header::CONTENT_SECURITY_POLICY).unwrap();
    let cookie = header(SET_COOKIE).map(|c| c.split(';').next().unwrap().to_string());
    let text = res.text().await.unwrap();
    let src = text.split("<iframe ").nth(1).map(|tag| {
        let src = tag
            .split("src=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        src.replace("&amp;", "&")
    });
    (csp, src, cookie)
}

on_both_backends!(
    the_embedded_qr_is_the_button_flow_bound_to_the_browser,
    |kit| {
        let site = setup(kit, APP4, allowed()).await;
        let open = kit
            .settings
            .wechat_open_base
            .trim_end_matches('/')
            .to_string();
        let (csp, src, cookie) = sign_in_page(kit, &site, DESKTOP_UA).await;
        // Exactly the configured WeChat origin may be framed; nothing else is loosened.
        assert!(csp.ends_with(&format!("; frame-src {open}")), "{csp}");
        assert!(csp.starts_with("default-src 'none';"), "{csp}");
        let src = src.expect("no embedded QR on the page");
        let expected = format!(
            "{open}/connect/qrconnect?appid={}&scope=snsapi_login&redirect_uri={}&state=",
            APP2.0,
            url::form_urlencoded::byte_serialize(kit.url("/login/wechat/callback").as_bytes())
                .collect::<String>()
        );
        assert!(src.starts_with(&expected), "{src}");
        assert!(
            src.contains("&login_type=jssdk&self_redirect=false&"),
            "{src}"
        );
        let state = param(&src, "state").unwrap();
        let cookie = cookie.expect("no attempt cookie");
        assert!(cookie.starts_with("ferrodoor_wechat_login="), "{cookie}");

        // Another browser (none, or with its own page's cookie) cannot finish this state.
        let code = kit
            .emulator
            .web_code(APP2.0, "alice", WebScope::Login, false)
            .unwrap();
        let mut stranger = Browser::new(DESKTOP_UA);
        let Step::Refused(status, _) = stranger.callback(kit, &code, &state).await else {
            panic!("a browser without the cookie finished the sign-in")
        };
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (_, _, other_cookie) = sign_in_page(kit, &site, DESKTOP_UA).await;
        stranger.cookie = other_cookie;
        let Step::Refused(status, _) = stranger.callback(kit, &code, &state).await else {
            panic!("another browser's cookie finished the sign-in")
        };
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(kit.user_count("test").await, 0);

        // The browser that showed the QR signs in, as the same user as via the button.
        let mut browser = Browser::new(DESKTOP_UA);
        browser.cookie = Some(cookie);
        let code = kit
            .emulator
            .web_code(APP2.0, "alice", WebScope::Login, false)
            .unwrap();
        let Step::Done(rp_code) = browser.callback(kit, &code, &state).await else {
            panic!("the browser that showed the QR was refused")
        };
        let embedded = account_of(kit, &site, &rp_code).await;
        assert_eq!(qr_sign_in(kit, &site, "alice").await, embedded);
        assert_eq!(kit.user_count("test").await, 1);

        // Inside WeChat's browser there is nothing to scan: no iframe, no frame-src.
        let (csp, src, _) = sign_in_page(kit, &site, WECHAT_UA).await;
        assert_eq!(src, None);
        assert!(!csp.contains("frame-src"), "{csp}");
    }
);

on_both_backends!(
    the_embedded_qr_follows_the_providers_sign_in_switch,
    |kit| {
        let site = setup(kit, APP4, json!({"canSignUp": true, "canSignIn": false})).await;
        let (csp, src, cookie) = sign_in_page(kit, &site, DESKTOP_UA).await;
        assert_eq!(src, None);
        assert_eq!(cookie, None);
        assert!(!csp.contains("frame-src"), "{csp}");
    }
);
