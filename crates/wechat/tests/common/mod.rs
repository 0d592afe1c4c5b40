//! Shared setup: an emulator with two apps on loopback and a client pointed at it.
#![allow(dead_code)] // each test binary uses a different part

use std::net::SocketAddr;
use std::time::Duration;

use ferrodoor_wechat::WeChatClient;
use ferrodoor_wechat::emulator::{EmulatedApp, Emulator, EmulatorConfig, spawn};

/// Bound to an Open Platform account: code2Session returns a unionid.
pub const BOUND_APP: &str = "wx1111111111111111";
pub const BOUND_SECRET: &str = "bound-app-secret-0123456789abcdef";
/// Not bound: no unionid.
pub const PLAIN_APP: &str = "wx2222222222222222";
pub const PLAIN_SECRET: &str = "plain-app-secret-0123456789abcdef";

pub fn config() -> EmulatorConfig {
    EmulatorConfig::with_apps(vec![
        EmulatedApp {
            appid: BOUND_APP.into(),
            secret: BOUND_SECRET.into(),
            unionid_bound: true,
            platform: ferrodoor_wechat::emulator::DEFAULT_PLATFORM.into(),
        },
        format!("{PLAIN_APP}:{PLAIN_SECRET}").parse().unwrap(),
    ])
}

pub struct Setup {
    pub addr: SocketAddr,
    pub emulator: Emulator,
    pub client: WeChatClient,
}

impl Setup {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client with a short total timeout, for slow-answer tests.
    pub fn client_with_timeout(&self, total: Duration) -> WeChatClient {
        WeChatClient::with_timeouts(&self.base_url(), Duration::from_secs(1), total).unwrap()
    }

    /// Logs `user` in to the bound app: a fresh code, exchanged.
    pub async fn login(&self, user: &str) -> ferrodoor_wechat::CodeSession {
        let code = self.emulator.login_code(BOUND_APP, user).unwrap();
        self.client
            .code_to_session(BOUND_APP, BOUND_SECRET, &code)
            .await
            .unwrap()
    }
}

pub async fn start() -> Setup {
    start_with(config()).await
}

pub async fn start_with(config: EmulatorConfig) -> Setup {
    let (addr, emulator) = spawn(config).await.unwrap();
    let client = WeChatClient::new(&format!("http://{addr}")).unwrap();
    Setup {
        addr,
        emulator,
        client,
    }
}
