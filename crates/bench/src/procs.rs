//! The processes under test: the `ferrodoor` binary as a server and as the WeChat emulator,
//! each on a free loopback port, its output in a log file, killed when dropped.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use tokio::process::{Child, Command};

pub struct Process {
    child: Child,
    pub base: String,
}

impl Process {
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Resident memory now (`VmRSS`), at its highest (`VmHWM`) and the anonymous part of
    /// now (`RssAnon`: what the process allocated, not the code and data mapped from its
    /// file), in KiB.
    pub fn memory_kib(&self) -> Result<(u64, u64, u64)> {
        let pid = self.pid().context("process has exited")?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
        let field = |name: &str| -> Result<u64> {
            let line = status
                .lines()
                .find(|l| l.starts_with(name))
                .with_context(|| format!("{name} missing in /proc/{pid}/status"))?;
            let value = line[name.len()..].trim().trim_end_matches("kB").trim();
            Ok(value.parse()?)
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?, field("RssAnon:")?))
    }

    /// SIGTERM, as an operator would stop it (callgrind writes its profile then), and
    /// SIGKILL if it is not gone after ten seconds.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(pid) = self.pid() {
            std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()?;
            if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
                .await
                .is_ok()
            {
                return Ok(());
            }
        }
        self.child.kill().await?;
        Ok(())
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> Result<u16> {
    let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(probe.local_addr()?.port())
}

fn command(bin: &Path, cwd: &Path, log: &Path) -> Result<Command> {
    let out = std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
    let mut cmd = Command::new(bin);
    cmd.current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out)
        .kill_on_drop(true);
    // Only what the benchmark sets: no FERRODOOR_* of the caller's shell.
    for (key, _) in std::env::vars() {
        if key.starts_with("FERRODOOR_") {
            cmd.env_remove(key);
        }
    }
    Ok(cmd)
}

/// Polls `url` until it answers 200; answers the time since `started`.
async fn wait_healthy(
    http: &reqwest::Client,
    url: &str,
    child: &mut Child,
    started: Instant,
) -> Result<Duration> {
    while started.elapsed() < Duration::from_secs(30) {
        if let Some(status) = child.try_wait()? {
            bail!("{url}: process exited ({status})");
        }
        if let Ok(res) = http.get(url).send().await
            && res.status().is_success()
        {
            return Ok(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    bail!("{url} did not answer within 30 s")
}

/// `ferrodoor wechat-emulator --app appid:secret`.
pub async fn emulator(bin: &Path, dir: &Path, app: &str) -> Result<Process> {
    let port = free_port()?;
    let log = dir.join("wechat-emulator.log");
    let mut child = command(bin, dir, &log)?
        .args(["wechat-emulator", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--app", app])
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    wait_healthy(
        &http,
        &format!("{base}/__emulator/stats"),
        &mut child,
        Instant::now(),
    )
    .await
    .with_context(|| format!("see {}", log.display()))?;
    Ok(Process { child, base })
}

/// `ferrodoor serve` on `database_url`; answers the process and the time from spawn to the
/// first 200 of `/api/health`.
pub async fn server(
    bin: &Path,
    dir: &Path,
    database_url: &str,
    wechat_api_base: &str,
    admin_password: &str,
    signing_algorithm: &str,
) -> Result<(Process, Duration)> {
    let port = free_port()?;
    let log = dir.join(format!("ferrodoor-{port}.log"));
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let started = Instant::now();
    let mut child = command(bin, dir, &log)?
        .arg("serve")
        .env("FERRODOOR_LISTEN", format!("127.0.0.1:{port}"))
        .env("FERRODOOR_ORIGIN", &base)
        .env("FERRODOOR_DATABASE_URL", database_url)
        .env("FERRODOOR_WECHAT_API_BASE", wechat_api_base)
        .env("FERRODOOR_ADMIN_PASSWORD", admin_password)
        .env("FERRODOOR_SIGNING_ALGORITHM", signing_algorithm)
        // The load comes from one address; the per-client limit would measure itself.
        .env("FERRODOOR_RATE_LIMIT_PER_MINUTE", "10000000")
        .env("FERRODOOR_RATE_LIMIT_BURST", "10000000")
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let startup = wait_healthy(&http, &format!("{base}/api/health"), &mut child, started)
        .await
        .with_context(|| format!("see {}", log.display()))?;
    Ok((Process { child, base }, startup))
}
