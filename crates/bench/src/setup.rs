//! Puts what the scenarios need into a fresh server: an organization, a WeChat Mini Program
//! provider for the emulator's app, an application using it — through the management API,
//! as an administrator would.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

pub const ADMIN_PASSWORD: &str = "bench-admin-password";
pub const APPID: &str = "wxbe0c4000000000001";
pub const APP_SECRET: &str = "bench-secret-000000000000000000001";

/// The application the load is aimed at.
#[derive(Clone, Debug)]
pub struct Target {
    pub base: String,
    pub client_id: String,
    pub client_secret: String,
}

async fn post(http: &reqwest::Client, url: &str, cookie: &str, body: Value) -> Result<Value> {
    let res = http
        .post(url)
        .header("cookie", cookie)
        .json(&body)
        .send()
        .await?;
    let status = res.status();
    let answer: Value = res.json().await.context("management answer is not JSON")?;
    if !status.is_success() || answer["status"] != "ok" {
        bail!("{url}: {status} {answer}");
    }
    Ok(answer)
}

pub async fn miniprogram_app(http: &reqwest::Client, base: &str) -> Result<Target> {
    let res = http
        .post(format!("{base}/api/login"))
        .json(
            &json!({"application": "app-built-in", "organization": "built-in",
                      "username": "admin", "password": ADMIN_PASSWORD, "type": "login"}),
        )
        .send()
        .await?;
    if !res.status().is_success() {
        bail!("admin sign-in: {}", res.status());
    }
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .context("no session cookie")?
        .to_string();
    post(
        http,
        &format!("{base}/api/add-organization"),
        &cookie,
        json!({"owner": "admin", "name": "bench-org", "displayName": "Bench"}),
    )
    .await?;
    post(
        http,
        &format!("{base}/api/add-provider"),
        &cookie,
        json!({"owner": "admin", "name": "bench-miniprogram", "category": "OAuth",
               "type": "WeChatMiniProgram", "clientId": APPID, "clientSecret": APP_SECRET}),
    )
    .await?;
    let app = post(
        http,
        &format!("{base}/api/add-application"),
        &cookie,
        json!({"owner": "admin", "name": "bench-app", "organization": "bench-org",
               "enableSignUp": true, "grantTypes": ["authorization_code", "refresh_token", "client_credentials"],
               "providers": [{"owner": "admin", "name": "bench-miniprogram",
                              "canSignUp": true, "canSignIn": true}]}),
    )
    .await?;
    let field = |name: &str| -> Result<String> {
        app["data2"][name]
            .as_str()
            .map(str::to_string)
            .with_context(|| format!("add-application answered no {name}"))
    };
    Ok(Target {
        base: base.to_string(),
        client_id: field("clientId")?,
        client_secret: field("clientSecret")?,
    })
}

/// One-time login codes from the emulator's control endpoint, as `wx.login()` would give
/// the phones of `users`; eight requests in flight.
pub async fn login_codes(
    http: &reqwest::Client,
    emulator: &str,
    users: &[String],
) -> Result<Vec<String>> {
    let url = format!("{emulator}/__emulator/login");
    let mut tasks = tokio::task::JoinSet::new();
    const LANES: usize = 8;
    for lane in 0..LANES {
        let (http, url) = (http.clone(), url.clone());
        let mine: Vec<(usize, String)> = users
            .iter()
            .enumerate()
            .skip(lane)
            .step_by(LANES)
            .map(|(i, u)| (i, u.clone()))
            .collect();
        tasks.spawn(async move {
            let mut codes = Vec::with_capacity(mine.len());
            for (i, user) in mine {
                let answer: Value = http
                    .post(&url)
                    .json(&json!({"appid": APPID, "user": user}))
                    .send()
                    .await?
                    .json()
                    .await?;
                let code = answer["code"]
                    .as_str()
                    .with_context(|| format!("emulator answered {answer}"))?;
                codes.push((i, code.to_string()));
            }
            anyhow::Ok(codes)
        });
    }
    let mut codes = vec![String::new(); users.len()];
    while let Some(lane) = tasks.join_next().await {
        for (i, code) in lane?? {
            codes[i] = code;
        }
    }
    Ok(codes)
}
