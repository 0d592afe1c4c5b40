//! `ferrodoor serve` as a child process: what a test needs when it kills the server, or
//! counts what one process alone did (metrics).

use std::process::Stdio;
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tokio::process::{Child, Command};

use crate::kit::{ADMIN_PASSWORD, Kit, TEST_RATE_LIMIT};

/// The secret key of every child (fixed, so tokens survive a restart).
pub const SECRET_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

/// `ferrodoor serve` as a child process on a free port, on the kit's database and emulator,
/// with `env` added; killed if the test panics.
pub async fn spawn_server(
    kit: &Kit,
    dir: &std::path::Path,
    env: &[(&str, &str)],
) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_ferrodoor"))
        .arg("serve")
        .current_dir(dir)
        .env("FERRODOOR_LISTEN", format!("127.0.0.1:{port}"))
        // Fixed, so tokens issued before the restart (on another port) stay valid.
        .env("FERRODOOR_ORIGIN", "http://ferrodoor.test")
        .env("FERRODOOR_DATABASE_URL", kit.settings.database_url.expose())
        .env("FERRODOOR_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("FERRODOOR_WECHAT_API_BASE", &kit.settings.wechat_api_base)
        .env("FERRODOOR_SECRET_KEY", SECRET_KEY)
        // The load comes from one address.
        .env(
            "FERRODOOR_RATE_LIMIT_PER_MINUTE",
            TEST_RATE_LIMIT.to_string(),
        )
        .env("FERRODOOR_RATE_LIMIT_BURST", TEST_RATE_LIMIT.to_string())
        .env("FERRODOOR_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        if let Ok(res) = kit.http.get(format!("{base}/api/health")).send().await
            && res.status() == StatusCode::OK
        {
            return (child, base);
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not start"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
