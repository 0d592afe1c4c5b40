//! PC sign-in by scanning the mini program's code, over real HTTP against the emulator:
//! the page shows a code whose scene is a ticket, the mini program (with its own user's
//! token) scans and confirms or cancels, the page's poll finishes the relying party's
//! authorization. Each threat of the model in `service::wechat_scan` has a test here.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE, USER_AGENT};
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::kit::{APP1, APP3, Auth, Backend, Kit};
use crate::on_both_backends;
use ferrodoor_wechat::emulator::{Fault, FaultMode, scene_of};

const REDIRECT: &str = "http://rp.example/cb";
const PC_UA: &str = "Mozilla/5.0 (X11; Linux x86_64) Chrome/140 scan-test";

struct Site {
    client_id: String,
    client_secret: String,
    mini_client_id: String,
}

/// Organization `test`: the mini program `app-mini` (APP1) and the website `site`, whose
/// sign-in page offers the mini program's code.
async fn setup(kit: &Kit) -> Site {
    let mini_client_id = kit.setup_miniprogram("test", "app-mini", APP1).await;
    let res = kit
        .post(
            "/api/add-application",
            json!({"owner": "admin", "name": "site", "displayName": "Acme <Shop>", "organization": "test",
                   "enableSignUp": true, "redirectUris": [REDIRECT], "grantTypes": ["authorization_code"],
                   "providers": [{"owner": "admin", "name": "provider-app-mini", "canSignUp": true, "canSignIn": true}]}),
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

/// A PC browser: its cookie jar is the one cookie the scan page sets.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookie: Option<String>,
    /// The `X-Forwarded-For` it sends (as if it were behind a proxy, or forging one).
    forwarded_for: Option<String>,
}

impl Browser {
    fn new(base: &str) -> Self {
        Browser {
            http: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: base.to_string(),
            cookie: None,
            forwarded_for: None,
        }
    }

    /// Opens the scan page of `site`; answers the scene shown (read from the code's
    /// picture, as the phone would), or the refusal.
    async fn open(&mut self, site: &Site) -> Result<String, (StatusCode, String)> {
        let url = format!(
            "{}/login/wechat/scan?client_id={}&response_type=code&redirect_uri={REDIRECT}&scope=openid&state=rp-state",
            self.base, site.client_id
        );
        let mut req = self.http.get(url).header(USER_AGENT, PC_UA);
        if let Some(xff) = &self.forwarded_for {
            req = req.header("x-forwarded-for", xff);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let set = res
            .headers()
            .get(SET_COOKIE)
            .map(|v| v.to_str().unwrap().to_string());
        let text = res.text().await.unwrap();
        if status != StatusCode::OK {
            assert!(set.is_none(), "a refused page set a cookie");
            return Err((status, text));
        }
        let set = set.expect("the scan page sets the browser's cookie");
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        self.cookie = Some(set.split(';').next().unwrap().to_string());
        assert!(text.contains("Sign in to Acme &lt;Shop&gt;"), "{text}");
        let b64 = text
            .split("data:image/png;base64,")
            .nth(1)
            .and_then(|t| t.split('"').next())
            .unwrap();
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        Ok(scene_of(&png).expect("the picture is the emulator's mini-program code"))
    }

    /// One poll: (HTTP status, body).
    async fn poll(&self, scene: &str) -> (StatusCode, Value) {
        let mut req = self.http.get(format!(
            "{}/login/wechat/scan/status?scene={scene}",
            self.base
        ));
        if let Some(c) = &self.cookie {
            req = req.header(COOKIE, c);
        }
        let res = req.send().await.unwrap();
        (res.status(), res.json().await.unwrap())
    }

    async fn status(&self, scene: &str) -> String {
        let (code, body) = self.poll(scene).await;
        assert_eq!(code, StatusCode::OK, "{body}");
        body["data"]["status"].as_str().unwrap().to_string()
    }
}

/// The mini program's user `person`: their access token.
async fn phone_of(kit: &Kit, site: &Site, person: &str) -> Auth {
    phone_in(kit, &site.mini_client_id, APP1.0, person).await
}

async fn phone_in(kit: &Kit, client_id: &str, appid: &str, person: &str) -> Auth {
    let code = kit.wx_login(appid, person);
    let res = kit
        .miniprogram_login("/api/login/oauth/access_token", client_id, &code, "", "")
        .await;
    res.ok_status();
    Auth::Bearer(res.body["access_token"].as_str().unwrap().into())
}

async fn answer(kit: &Kit, phone: &Auth, scene: &str, action: &str) -> (StatusCode, Value) {
    let res = kit
        .post(
            "/api/wechat/scan-login",
            json!({"scene": scene, "action": action}),
            phone,
        )
        .await;
    (res.status, res.body)
}

async fn account(kit: &Kit, auth: &Auth) -> String {
    kit.get("/api/get-account", auth).await.ok()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The relying party's code → the account id behind it.
async fn rp_account(kit: &Kit, site: &Site, location: &str) -> String {
    let url = url::Url::parse(location).unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "rp-state");
    let tokens = kit
        .post_form(
            "/api/login/oauth/access_token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &site.client_id),
                ("client_secret", &site.client_secret),
                ("code", &q["code"]),
                ("redirect_uri", REDIRECT),
            ],
        )
        .await;
    tokens.ok_status();
    account(
        kit,
        &Auth::Bearer(tokens.body["access_token"].as_str().unwrap().into()),
    )
    .await
}

on_both_backends!(
    a_confirmed_scan_signs_the_browser_in_once_as_the_person_who_confirmed,
    |kit| {
        let site = setup(kit).await;
        let alice = phone_of(kit, &site, "alice").await;
        let mut pc = Browser::new(&kit.base);
        let scene = pc.open(&site).await.unwrap();
        // The code WeChat drew is for the mini program's answering page.
        let drawn = kit.emulator.wxa_codes();
        assert_eq!(drawn.last().unwrap().scene, scene);
        assert_eq!(drawn.last().unwrap().appid, APP1.0);
        assert!(scene.len() <= 32);
        assert_eq!(pc.status(&scene).await, "waiting");
        // Confirming before scanning is refused: the person must see what asks first.
        assert_eq!(
            answer(kit, &alice, &scene, "confirm").await.0,
            StatusCode::BAD_REQUEST
        );
        let (code, view) = answer(kit, &alice, &scene, "scan").await;
        assert_eq!(code, StatusCode::OK, "{view}");
        // What the phone shows before confirming: the application and the asking browser.
        assert_eq!(view["data"]["application"], "Acme <Shop>");
        assert_eq!(view["data"]["requesterIp"], "127.0.0.1");
        assert_eq!(view["data"]["requesterAgent"], PC_UA);
        assert_eq!(pc.status(&scene).await, "scanned");
        let (code, view) = answer(kit, &alice, &scene, "confirm").await;
        assert_eq!(code, StatusCode::OK, "{view}");
        let (code, body) = pc.poll(&scene).await;
        assert_eq!(code, StatusCode::OK, "{body}");
        assert_eq!(body["data"]["status"], "confirmed");
        let location = body["data"]["location"].as_str().unwrap();
        // The browser is signed in as the very person who confirmed on the phone.
        assert_eq!(
            rp_account(kit, &site, location).await,
            account(kit, &alice).await
        );
        // Single use: the ticket never signs in again, nor changes.
        let (code, body) = pc.poll(&scene).await;
        assert_eq!(code, StatusCode::BAD_REQUEST, "{body}");
        assert!(body["msg"].as_str().unwrap().contains("already used"));
        assert_eq!(
            answer(kit, &alice, &scene, "confirm").await.0,
            StatusCode::CONFLICT
        );
        assert_eq!(kit.user_count("test").await, 1);
    }
);

on_both_backends!(a_cancelled_or_expired_ticket_signs_nobody_in, |kit| {
    let site = setup(kit).await;
    let alice = phone_of(kit, &site, "alice").await;
    let mut pc = Browser::new(&kit.base);
    let scene = pc.open(&site).await.unwrap();
    assert_eq!(answer(kit, &alice, &scene, "scan").await.0, StatusCode::OK);
    assert_eq!(
        answer(kit, &alice, &scene, "cancel").await.0,
        StatusCode::OK
    );
    assert_eq!(pc.status(&scene).await, "cancelled");
    // Cancelled for good: confirming afterwards changes nothing.
    assert_eq!(
        answer(kit, &alice, &scene, "confirm").await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(pc.status(&scene).await, "cancelled");

    // An expired ticket (its expiry moved to the past in the database, as time would).
    let scene = pc.open(&site).await.unwrap();
    assert_eq!(answer(kit, &alice, &scene, "scan").await.0, StatusCode::OK);
    let store = kit.db.as_ref().unwrap().store();
    let mut tx = store.begin().await.unwrap();
    let mut ticket = tx
        .get_scan_ticket_for_update(&scene)
        .await
        .unwrap()
        .unwrap();
    ticket.expires_at = ticket.created_at - 1;
    assert!(tx.update_scan_ticket(&ticket).await.unwrap());
    tx.commit().await.unwrap();
    let (code, body) = answer(kit, &alice, &scene, "confirm").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(body["msg"].as_str().unwrap().contains("expired"), "{body}");
    assert_eq!(pc.status(&scene).await, "expired");
    // Unknown scenes are 404, not a hint.
    assert_eq!(pc.poll("no-such-scene").await.0, StatusCode::NOT_FOUND);
});

on_both_backends!(
    a_ticket_confirmed_for_browser_a_never_signs_in_browser_b,
    |kit| {
        let site = setup(kit).await;
        let alice = phone_of(kit, &site, "alice").await;
        let mut victim = Browser::new(&kit.base);
        let mut attacker = Browser::new(&kit.base);
        // Login CSRF: the attacker has a ticket of their own (and its cookie) …
        let _own = attacker.open(&site).await.unwrap();
        // … and reads the scene off the victim's screen.
        let scene = victim.open(&site).await.unwrap();
        assert_eq!(answer(kit, &alice, &scene, "scan").await.0, StatusCode::OK);
        assert_eq!(
            answer(kit, &alice, &scene, "confirm").await.0,
            StatusCode::OK
        );
        for b in [&attacker, &Browser::new(&kit.base)] {
            let (code, body) = b.poll(&scene).await;
            assert_eq!(code, StatusCode::FORBIDDEN, "{body}");
            assert!(body["data"]["location"].is_null());
        }
        // The browser that asked still finishes, as Alice.
        let (code, body) = victim.poll(&scene).await;
        assert_eq!(code, StatusCode::OK, "{body}");
        let location = body["data"]["location"].as_str().unwrap();
        assert_eq!(
            rp_account(kit, &site, location).await,
            account(kit, &alice).await
        );
    }
);

on_both_backends!(
    only_the_scanner_of_the_organization_answers_and_wechat_down_stores_nothing,
    |kit| {
        let site = setup(kit).await;
        let alice = phone_of(kit, &site, "alice").await;
        let bob = phone_of(kit, &site, "bob").await;
        // Eve has an account in another organization, through another mini program.
        let other = kit.setup_miniprogram("other", "other-mini", APP3).await;
        let eve = phone_in(kit, &other, APP3.0, "eve").await;
        let mut pc = Browser::new(&kit.base);
        let scene = pc.open(&site).await.unwrap();
        assert_eq!(
            answer(kit, &eve, &scene, "scan").await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            answer(kit, &Auth::None, &scene, "scan").await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(answer(kit, &alice, &scene, "scan").await.0, StatusCode::OK);
        // Bob cannot take over (confirm or cancel) the code Alice scanned.
        for action in ["scan", "confirm", "cancel"] {
            assert_eq!(
                answer(kit, &bob, &scene, action).await.0,
                StatusCode::FORBIDDEN,
                "{action}"
            );
        }
        assert_eq!(pc.status(&scene).await, "scanned");
        assert_eq!(
            answer(kit, &alice, &scene, "dance").await.0,
            StatusCode::BAD_REQUEST
        );
        // WeChat down while drawing the code: 502, no ticket, no cookie.
        let drawn = kit.emulator.wxa_codes().len();
        kit.emulator.set_fault(Fault::always(FaultMode::Http500));
        let (code, _) = Browser::new(&kit.base).open(&site).await.unwrap_err();
        assert_eq!(code, StatusCode::BAD_GATEWAY);
        kit.emulator.set_fault(Fault::always(FaultMode::None));
        assert_eq!(kit.emulator.wxa_codes().len(), drawn);
    }
);

/// Two nodes on one PostgreSQL database: the code shown by node A, answered through node
/// B, finished by the browser polling node B.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_share_a_ticket() {
    // One origin (the tokens' issuer) for both, as behind a load balancer.
    let Some(kit) = Kit::start_with(Backend::Postgres, |s| {
        s.origin = Some("https://login.example.test".into())
    })
    .await
    else {
        return;
    };
    let node_b = ferrodoor::start(
        &kit.settings,
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
    )
    .await
    .unwrap();
    let base_b = format!("http://{}", node_b.addr);
    let site = setup(&kit).await;
    let alice = phone_of(&kit, &site, "alice").await;
    let mut pc = Browser::new(&kit.base);
    let scene = pc.open(&site).await.unwrap();
    let on_b = |path: &str| format!("{base_b}{path}");
    let answer_b = |action: &'static str| {
        let http = kit.http.clone();
        let url = on_b("/api/wechat/scan-login");
        let Auth::Bearer(token) = &alice else {
            unreachable!()
        };
        let token = token.clone();
        let scene = scene.clone();
        async move {
            http.post(url)
                .bearer_auth(token)
                .json(&json!({"scene": scene, "action": action}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(answer_b("scan").await, StatusCode::OK);
    assert_eq!(answer_b("confirm").await, StatusCode::OK);
    pc.base = base_b.clone();
    let (code, body) = pc.poll(&scene).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let location = body["data"]["location"].as_str().unwrap();
    assert_eq!(
        rp_account(&kit, &site, location).await,
        account(&kit, &alice).await
    );
    // Used on B means used on A.
    pc.base = kit.base.clone();
    assert_eq!(pc.poll(&scene).await.0, StatusCode::BAD_REQUEST);
    node_b.stop().await.unwrap();
    kit.stop().await;
}

/// One client-address rule for the rate limiter, the records and the phone's view of the
/// asking browser: `X-Forwarded-For` names the client only when the peer (here loopback)
/// is a trusted proxy; from any other peer it is the peer, whatever the header says.
async fn client_address_behind_a_proxy(trusted: bool) {
    let kit = Kit::start_with(crate::kit::Backend::Sqlite, |s| {
        if trusted {
            s.trusted_proxies = "127.0.0.1".into();
        }
    })
    .await
    .unwrap();
    let expected = if trusted { "203.0.113.7" } else { "127.0.0.1" };
    let site = setup(&kit).await;
    let alice = phone_of(&kit, &site, "alice").await;
    let mut pc = Browser::new(&kit.base);
    pc.forwarded_for = Some("198.51.100.1, 203.0.113.7".into());
    let scene = pc.open(&site).await.unwrap();
    let (code, view) = answer(&kit, &alice, &scene, "scan").await;
    assert_eq!(code, StatusCode::OK, "{view}");
    assert_eq!(view["data"]["requesterIp"], expected);

    let refused = kit
        .http
        .post(kit.url("/api/login"))
        .header("x-forwarded-for", "203.0.113.7")
        .json(&json!({"organization": "test", "username": "nobody", "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let records = kit
        .get(
            "/api/get-records?organization=test&field=action&value=login-failed",
            &kit.admin,
        )
        .await;
    let list = records.ok().as_array().unwrap().clone();
    assert_eq!(list.len(), 1, "{}", records.text);
    assert_eq!(list[0]["clientIp"], expected);
    kit.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_address_from_a_trusted_proxy_is_the_forwarded_one() {
    client_address_behind_a_proxy(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn client_address_from_an_untrusted_peer_ignores_forwarded_for() {
    client_address_behind_a_proxy(false).await;
}
