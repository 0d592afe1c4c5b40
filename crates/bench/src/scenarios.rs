//! The measured scenarios. Each prepares its requests (codes, tokens) before the clock
//! starts, so only the server's work is timed.

use anyhow::Result;
use serde::Serialize;

use crate::load::{self, Prepared};
use crate::setup::{self, Target};
use crate::stats::{RunResult, Summary, summarize};

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// A phone that never signed in: jscode2session, a new user, a token.
    LoginNew,
    /// A known phone: jscode2session, profile update check, a token.
    LoginReturning,
    /// `GET /api/get-account` with a Bearer token: verify, two indexed reads.
    GetAccount,
    /// `client_credentials` at the token endpoint with HTTP Basic.
    ClientCredentials,
}

impl Scenario {
    pub fn label(self) -> &'static str {
        match self {
            Scenario::LoginNew => "mini-program login, new user",
            Scenario::LoginReturning => "mini-program login, returning user",
            Scenario::GetAccount => "get-account (Bearer)",
            Scenario::ClientCredentials => "client_credentials",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Measurement {
    pub scenario: Scenario,
    pub concurrency: usize,
    pub summary: Summary,
}

fn login_form(target: &Target, code: &str) -> Vec<(&'static str, String)> {
    vec![
        ("tag", "wechat_miniprogram".into()),
        ("client_id", target.client_id.clone()),
        ("code", code.to_string()),
    ]
}

fn login_request(http: &reqwest::Client, target: &Target, code: &str) -> Prepared {
    http.post(format!("{}/api/login/oauth/access_token", target.base))
        .form(&login_form(target, code))
}

/// The phones that sign in again and again, and a Bearer token for each.
pub struct Returning {
    pub users: Vec<String>,
    pub tokens: Vec<String>,
}

/// Signs `count` users in once (untimed), keeping their tokens.
pub async fn returning_users(
    http: &reqwest::Client,
    emulator: &str,
    target: &Target,
    count: usize,
) -> Result<Returning> {
    let users: Vec<String> = (0..count).map(|i| format!("regular-{i}")).collect();
    let codes = setup::login_codes(http, emulator, &users).await?;
    let mut tokens = Vec::with_capacity(count);
    for code in codes {
        let answer: serde_json::Value = login_request(http, target, &code)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let token = answer["access_token"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("login answered {answer}"))?;
        tokens.push(token.to_string());
    }
    Ok(Returning { users, tokens })
}

pub struct Context<'a> {
    pub http: &'a reqwest::Client,
    pub emulator: &'a str,
    pub target: &'a Target,
    pub returning: &'a Returning,
    /// Tells new users of one run from those of the next.
    pub label: String,
    /// The server's process, whose CPU time each run measures.
    pub server_pid: Option<u32>,
}

async fn prepare(
    ctx: &Context<'_>,
    scenario: Scenario,
    requests: usize,
    run: usize,
) -> Result<Vec<Prepared>> {
    let Context {
        http,
        target,
        returning,
        ..
    } = ctx;
    Ok(match scenario {
        Scenario::LoginNew => {
            let users: Vec<String> = (0..requests)
                .map(|i| format!("new-{}-{run}-{i}", ctx.label))
                .collect();
            login_requests(ctx, &users).await?
        }
        Scenario::LoginReturning => {
            let users: Vec<String> = (0..requests)
                .map(|i| returning.users[i % returning.users.len()].clone())
                .collect();
            login_requests(ctx, &users).await?
        }
        Scenario::GetAccount => (0..requests)
            .map(|i| {
                http.get(format!("{}/api/get-account", target.base))
                    .bearer_auth(&returning.tokens[i % returning.tokens.len()])
            })
            .collect(),
        Scenario::ClientCredentials => (0..requests)
            .map(|_| client_credentials_request(http, &token_url(target), target))
            .collect(),
    })
}

/// A login request for each phone in `users`, with a fresh code from the emulator.
async fn login_requests(ctx: &Context<'_>, users: &[String]) -> Result<Vec<Prepared>> {
    let codes = setup::login_codes(ctx.http, ctx.emulator, users).await?;
    Ok(codes
        .iter()
        .map(|c| login_request(ctx.http, ctx.target, c))
        .collect())
}

pub fn token_url(target: &Target) -> String {
    format!("{}/api/login/oauth/access_token", target.base)
}

pub fn client_credentials_request(
    http: &reqwest::Client,
    token_url: &str,
    target: &Target,
) -> Prepared {
    http.post(token_url)
        .basic_auth(&target.client_id, Some(&target.client_secret))
        .form(&[("grant_type", "client_credentials")])
}

/// Requests per timed run at concurrency `c`: a quarter (at least 200) at c=1, whose runs
/// are the slowest.
pub fn requests_at(c: usize, requests: usize) -> usize {
    if c == 1 {
        (requests / 4).max(200)
    } else {
        requests
    }
}

/// `runs` timed runs of `scenario` at `concurrency`, each after its own preparation.
pub async fn measure(
    ctx: &Context<'_>,
    scenario: Scenario,
    concurrency: usize,
    requests: usize,
    runs: usize,
) -> Result<Measurement> {
    let mut results: Vec<RunResult> = Vec::with_capacity(runs);
    for run in 0..runs {
        let prepared = prepare(ctx, scenario, requests, run + concurrency * 1000).await?;
        let result =
            timed_run(ctx.server_pid, scenario.label(), concurrency, run, prepared).await?;
        results.push(result);
    }
    let summary = summarize(results).ok_or_else(|| anyhow::anyhow!("no runs"))?;
    Ok(Measurement {
        scenario,
        concurrency,
        summary,
    })
}

/// One timed run of prepared requests, with the server's CPU time per request (when its
/// pid is known); prints a line about it.
pub async fn timed_run(
    server_pid: Option<u32>,
    label: &str,
    concurrency: usize,
    run: usize,
    prepared: Vec<Prepared>,
) -> Result<RunResult> {
    let pid = server_pid.map(|p| p.to_string());
    let cpu_before = pid
        .as_deref()
        .map(crate::cpu::tree_cpu_seconds)
        .transpose()?;
    let mut result = load::run(prepared, concurrency).await;
    if let (Some(pid), Some(before)) = (pid.as_deref(), cpu_before) {
        let used = crate::cpu::tree_cpu_seconds(pid)? - before;
        result.server_cpu_ms_per_request = Some(1000.0 * used / result.requests.max(1) as f64);
    }
    println!(
        "  {:<36} c={:<3} run {}: {:>8.0}/s  p50 {:>6.2} ms  p99 {:>6.2} ms  server CPU {:>5.2} ms/req  errors {}",
        label,
        concurrency,
        run + 1,
        result.per_second,
        result.p50_ms,
        result.p99_ms,
        result.server_cpu_ms_per_request.unwrap_or(f64::NAN),
        result.errors
    );
    Ok(result)
}
