//! Test kit: starts a server on a fresh database and a WeChat emulator, and speaks HTTP.

use std::sync::{Arc, Mutex};

use ferrodoor::{RunningServer, Settings};
use ferrodoor_store::testdb::TestDb;
use ferrodoor_wechat::emulator::{EmulatedApp, Emulator, EmulatorConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub const ADMIN_PASSWORD: &str = "admin-pass-123";
/// The per-client rate limit of the test servers (per minute, and burst).
pub const TEST_RATE_LIMIT: u32 = 100_000;
/// Mini programs the emulator knows: two bound to one open platform (unionid), one not.
pub const APP1: (&str, &str) = ("wx1111111111111111", "secret-one-0000000000000000000000");
pub const APP2: (&str, &str) = ("wx2222222222222222", "secret-two-0000000000000000000000");
pub const APP3: (&str, &str) = ("wx3333333333333333", "secret-three-00000000000000000000");
/// Bound to the same open platform as APP1 and APP2: an Official Account in the web tests.
pub const APP4: (&str, &str) = ("wx4444444444444444", "secret-four-000000000000000000000");

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// A fresh database; `None` when the PostgreSQL tests are skipped (no server and
    /// `FERRODOOR_TEST_PG_URL` unset: the test process says so on the terminal).
    pub async fn test_db(self) -> Option<TestDb> {
        match self {
            Backend::Sqlite => Some(TestDb::sqlite().await),
            Backend::Postgres => TestDb::postgres().await,
        }
    }
}

/// Runs the same test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, |$kit:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn body($kit: &$crate::kit::Kit) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let kit = $crate::kit::Kit::start($crate::kit::Backend::Sqlite).await.unwrap();
                body(&kit).await;
                kit.stop().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let Some(kit) = $crate::kit::Kit::start($crate::kit::Backend::Postgres).await else {
                    return;
                };
                body(&kit).await;
                kit.stop().await;
            }
        }
    };
}

#[derive(Clone, Debug)]
pub enum Auth {
    None,
    Cookie(String),
    Bearer(String),
    Basic(String, String),
}

pub struct Kit {
    pub server: Option<RunningServer>,
    pub base: String,
    pub http: reqwest::Client,
    pub emulator: Emulator,
    pub db: Option<TestDb>,
    pub settings: Settings,
    pub admin: Auth,
}

pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn ok(&self) -> &Value {
        assert_eq!(
            self.status,
            StatusCode::OK,
            "expected 200, got {} {}",
            self.status,
            self.text
        );
        assert_eq!(self.body["status"], "ok", "{}", self.text);
        &self.body["data"]
    }

    pub fn error(&self, status: u16) -> String {
        assert_eq!(
            self.status.as_u16(),
            status,
            "expected {status}, got {} {}",
            self.status,
            self.text
        );
        self.body["msg"]
            .as_str()
            .or(self.body["error_description"].as_str())
            .unwrap_or("")
            .to_string()
    }
}

impl Kit {
    /// A server on a fresh database of `backend`; `None` when that is PostgreSQL and the
    /// PostgreSQL tests are skipped.
    pub async fn start(backend: Backend) -> Option<Kit> {
        Self::start_with(backend, |_| {}).await
    }

    pub async fn start_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Option<Kit> {
        let db = backend.test_db().await?;
        let apps = vec![
            EmulatedApp {
                appid: APP1.0.into(),
                secret: APP1.1.into(),
                unionid_bound: true,
                platform: ferrodoor_wechat::emulator::DEFAULT_PLATFORM.into(),
            },
            EmulatedApp {
                appid: APP2.0.into(),
                secret: APP2.1.into(),
                unionid_bound: true,
                platform: ferrodoor_wechat::emulator::DEFAULT_PLATFORM.into(),
            },
            EmulatedApp {
                appid: APP4.0.into(),
                secret: APP4.1.into(),
                unionid_bound: true,
                platform: ferrodoor_wechat::emulator::DEFAULT_PLATFORM.into(),
            },
            EmulatedApp {
                appid: APP3.0.into(),
                secret: APP3.1.into(),
                unionid_bound: false,
                platform: ferrodoor_wechat::emulator::DEFAULT_PLATFORM.into(),
            },
        ];
        let (emu_addr, emulator) =
            ferrodoor_wechat::emulator::spawn(EmulatorConfig::with_apps(apps))
                .await
                .unwrap();
        let mut settings = Settings {
            listen: "127.0.0.1:0".into(),
            database_url: db.url().into(),
            admin_password: Some(ADMIN_PASSWORD.into()),
            wechat_api_base: format!("http://{emu_addr}"),
            wechat_open_base: format!("http://{emu_addr}"),
            secret_key: Some("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=".into()),
            // Every request of a test comes from 127.0.0.1: a limit no test reaches unless
            // it sets a lower one (rate_limit.rs).
            rate_limit_per_minute: TEST_RATE_LIMIT,
            rate_limit_burst: TEST_RATE_LIMIT,
            ..Settings::default()
        };
        tweak(&mut settings);
        let mut kit = Kit {
            server: None,
            base: String::new(),
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            emulator,
            db: Some(db),
            settings,
            admin: Auth::None,
        };
        kit.boot().await;
        Some(kit)
    }

    /// Starts (or restarts) the server on the kit's database.
    pub async fn boot(&mut self) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let server = ferrodoor::start(&self.settings, listener).await.unwrap();
        self.base = format!("http://{}", server.addr);
        self.server = Some(server);
        self.admin = self.sign_in("built-in", "admin", ADMIN_PASSWORD).await;
    }

    pub async fn restart(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.unwrap();
        }
        self.boot().await;
    }

    pub async fn stop(mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.unwrap();
        }
        if let Some(db) = self.db.take() {
            db.cleanup().await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn sign_in(&self, org: &str, user: &str, password: &str) -> Auth {
        let res = self
            .http
            .post(self.url("/api/login"))
            .json(&json!({"application": "app-built-in", "organization": org, "username": user, "password": password, "type": "login"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "sign-in of {org}/{user} failed"
        );
        let cookie = res
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap()
            .to_string();
        Auth::Cookie(cookie)
    }

    fn with_auth(&self, req: reqwest::RequestBuilder, auth: &Auth) -> reqwest::RequestBuilder {
        match auth {
            Auth::None => req,
            Auth::Cookie(c) => req.header("cookie", c),
            Auth::Bearer(t) => req.bearer_auth(t),
            Auth::Basic(id, secret) => req.basic_auth(id, Some(secret)),
        }
    }

    pub async fn answer(res: reqwest::Response) -> Answer {
        let status = res.status();
        let text = res.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer { status, body, text }
    }

    pub async fn get(&self, path: &str, auth: &Auth) -> Answer {
        Self::answer(
            self.with_auth(self.http.get(self.url(path)), auth)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post(&self, path: &str, body: Value, auth: &Auth) -> Answer {
        self.post_at(&self.base, path, body, auth).await
    }

    /// [`Kit::post`] to another server (a second node).
    pub async fn post_at(&self, base: &str, path: &str, body: Value, auth: &Auth) -> Answer {
        Self::answer(
            self.with_auth(self.http.post(format!("{base}{path}")), auth)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
        auth: &Auth,
    ) -> Answer {
        let req = self
            .http
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body);
        Self::answer(self.with_auth(req, auth).send().await.unwrap()).await
    }

    /// Form-encoded POST, as `wx.request` sends it with the seeds' header.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Answer {
        Self::answer(
            self.http
                .post(self.url(path))
                .form(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Creates an organization, a WeChat Mini Program provider for `appid` and an
    /// application using it; answers the application's client id.
    pub async fn setup_miniprogram(
        &self,
        org: &str,
        app: &str,
        (appid, secret): (&str, &str),
    ) -> String {
        if self
            .get(
                &format!("/api/get-organization?id=admin/{org}"),
                &self.admin,
            )
            .await
            .status
            != StatusCode::OK
        {
            self.post(
                "/api/add-organization",
                json!({"owner": "admin", "name": org, "displayName": org}),
                &self.admin,
            )
            .await
            .ok();
        }
        let provider = format!("provider-{app}");
        self.post(
            "/api/add-provider",
            json!({"owner": "admin", "name": provider, "category": "OAuth", "type": "WeChatMiniProgram", "clientId": appid, "clientSecret": secret}),
            &self.admin,
        )
        .await
        .ok();
        let res = self
            .post(
                "/api/add-application",
                json!({"owner": "admin", "name": app, "organization": org, "enableSignUp": true,
                       "providers": [{"owner": "admin", "name": provider, "canSignUp": true, "canSignIn": true}]}),
                &self.admin,
            )
            .await;
        res.ok();
        res.body["data2"]["clientId"].as_str().unwrap().to_string()
    }

    /// What `wx.login()` gives the phone of `user` in mini program `appid`.
    pub fn wx_login(&self, appid: &str, user: &str) -> String {
        self.emulator.login_code(appid, user).unwrap()
    }

    /// The seed's login request, verbatim: form-encoded tag, client_id, code, username, avatar.
    pub async fn miniprogram_login(
        &self,
        path: &str,
        client_id: &str,
        code: &str,
        username: &str,
        avatar: &str,
    ) -> Answer {
        let mut form = vec![
            ("tag", "wechat_miniprogram"),
            ("client_id", client_id),
            ("code", code),
        ];
        if !username.is_empty() {
            form.push(("username", username));
        }
        if !avatar.is_empty() {
            form.push(("avatar", avatar));
        }
        self.post_form(path, &form).await
    }

    /// `grant_type=refresh_token` as a public client.
    pub async fn refresh(&self, client_id: &str, refresh_token: &str) -> Answer {
        self.post_form(
            "/api/login/oauth/access_token",
            &[
                ("grant_type", "refresh_token"),
                ("client_id", client_id),
                ("refresh_token", refresh_token),
            ],
        )
        .await
    }

    pub async fn user_count(&self, org: &str) -> u64 {
        self.get(&format!("/api/get-user-count?owner={org}"), &self.admin)
            .await
            .ok()
            .as_u64()
            .unwrap()
    }
}

impl Answer {
    /// Asserts a 200 of the token endpoint.
    pub fn ok_status(&self) {
        assert_eq!(
            self.status,
            StatusCode::OK,
            "expected 200, got {} {}",
            self.status,
            self.text
        );
    }
}

/// A receiver on loopback that counts what reaches it.
pub async fn counting_receiver() -> (u16, Arc<Mutex<u32>>) {
    let got = Arc::new(Mutex::new(0_u32));
    let g = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let g = g.clone();
            async move {
                *g.lock().unwrap() += 1;
                "ok"
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (port, got)
}
