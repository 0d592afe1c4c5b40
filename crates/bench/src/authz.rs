//! `ferrodoor-bench authz` (issue 12): `POST /api/enforce?permissionId=…` as an application
//! (HTTP Basic client credentials, as Casdoor's SDKs can send them) against one permission
//! of `users × resources` policies, next to get-account in the same run; and the rebuild
//! time: the first enforce after one change to the permission (the change bumps the
//! authorization version, so the cached enforcer is rebuilt), timed from the client.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde::Serialize;
use serde_json::{Value, json};

use crate::load::Prepared;
use crate::report::{self, Backend};
use crate::scenarios::{self, Scenario, timed_run};
use crate::setup::{self, ADMIN_PASSWORD, APP_SECRET, APPID, Target};
use crate::stats::{Summary, percentile, summarize};
use crate::{load_client, procs};

pub const ORG: &str = "bench-org";
pub const PERMISSION: &str = "bench-perm";

#[derive(clap::Args)]
pub struct AuthzArgs {
    /// The server binary to measure (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/ferrodoor")]
    pub bin: std::path::PathBuf,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    pub backends: Vec<Backend>,
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    pub concurrency: Vec<usize>,
    /// Users added, each named in the permission.
    #[arg(long, default_value_t = 1000)]
    pub users: usize,
    /// Resources of the permission: it makes users × resources policies (one action).
    #[arg(long, default_value_t = 10)]
    pub resources: usize,
    /// Requests per timed run (a quarter of it, at least 200, at concurrency 1).
    #[arg(long, default_value_t = 2000)]
    pub requests: usize,
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Changes to the permission, each followed by a timed first enforce.
    #[arg(long, default_value_t = 20)]
    pub changes: usize,
    #[arg(long, default_value = "bench-authz.json")]
    pub out: std::path::PathBuf,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub scenario: &'static str,
    pub concurrency: usize,
    pub summary: Summary,
}

/// Client-side latencies of the change-then-enforce rounds, in milliseconds.
#[derive(Debug, Serialize, Default)]
pub struct Rebuild {
    pub changes: usize,
    pub update_p50_ms: f64,
    pub first_enforce_p50_ms: f64,
    pub first_enforce_max_ms: f64,
    pub cached_enforce_p50_ms: f64,
}

#[derive(Debug, Serialize)]
pub struct BackendAuthz {
    pub backend: Backend,
    pub policies: usize,
    pub setup_seconds: f64,
    pub rows: Vec<Row>,
    pub rebuild: Rebuild,
}

fn enforce_url(base: &str) -> String {
    format!("{base}/api/enforce?permissionId={ORG}/{PERMISSION}")
}

/// A Casbin request: a user of the permission on one of its resources (allowed), every
/// eighth on a resource it does not name (denied).
pub fn casbin_request(i: usize, users: usize, resources: usize) -> Value {
    let user = format!("{ORG}/user-{}", i % users.max(1));
    let resource = if i % 8 == 7 {
        "no-such-resource".to_string()
    } else {
        format!("resource-{}", i % resources.max(1))
    };
    json!([user, resource, "read"])
}

fn enforce_request(http: &reqwest::Client, t: &Target, body: &Value) -> Prepared {
    http.post(enforce_url(&t.base))
        .basic_auth(&t.client_id, Some(&t.client_secret))
        .json(body)
}

/// Sends a management or enforce request; answers `data` of an `ok` envelope.
async fn ok_data(request: Prepared) -> Result<Value> {
    let res = request.send().await?;
    let status = res.status();
    let answer: Value = res.json().await.context("answer is not JSON")?;
    if !status.is_success() || answer["status"] != "ok" {
        bail!("{status} {answer}");
    }
    Ok(answer["data"].clone())
}

/// The users (no password: no hashing in the set-up), eight requests in flight, then the
/// one permission naming them all.
async fn seed(http: &reqwest::Client, t: &Target, args: &AuthzArgs) -> Result<()> {
    let mut lanes = tokio::task::JoinSet::new();
    const LANES: usize = 8;
    for lane in 0..LANES {
        let (http, t, users) = (http.clone(), t.clone(), args.users);
        lanes.spawn(async move {
            for i in (lane..users).step_by(LANES) {
                let body = json!({"owner": ORG, "name": format!("user-{i}"),
                                  "displayName": format!("User {i}")});
                ok_data(
                    http.post(format!("{}/api/add-user", t.base))
                        .basic_auth(&t.client_id, Some(&t.client_secret))
                        .json(&body),
                )
                .await
                .with_context(|| format!("add-user user-{i}"))?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(lane) = lanes.join_next().await {
        lane??;
    }
    let users: Vec<String> = (0..args.users).map(|i| format!("{ORG}/user-{i}")).collect();
    let resources: Vec<String> = (0..args.resources)
        .map(|i| format!("resource-{i}"))
        .collect();
    let body = json!({"owner": ORG, "name": PERMISSION, "displayName": "Bench",
                      "users": users, "resources": resources, "actions": ["read"],
                      "effect": "Allow", "isEnabled": true, "resourceType": "Application"});
    ok_data(
        http.post(format!("{}/api/add-permission", t.base))
            .basic_auth(&t.client_id, Some(&t.client_secret))
            .json(&body),
    )
    .await
    .context("add-permission")?;
    // The answers are right before anything is timed: allowed, and denied.
    for (i, expected) in [(0, true), (7, false)] {
        let data = ok_data(enforce_request(
            http,
            t,
            &casbin_request(i, args.users, args.resources),
        ))
        .await?;
        if data != json!([expected]) {
            bail!("enforce request {i}: expected [{expected}], answered {data}");
        }
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn p50_ms(mut v: Vec<Duration>) -> f64 {
    v.sort_unstable();
    ms(percentile(&v, 0.5))
}

/// `changes` rounds of: change the permission's description (update-permission), time the
/// first enforce after it (rebuild), then a second one (cached).
async fn rebuild(
    http: &reqwest::Client,
    t: &Target,
    args: &AuthzArgs,
    changes: usize,
) -> Result<Rebuild> {
    let (mut updates, mut firsts, mut cached) = (Vec::new(), Vec::new(), Vec::new());
    let url = format!("{}/api/update-permission?id={ORG}/{PERMISSION}", t.base);
    for i in 0..changes {
        let body = json!({"owner": ORG, "name": PERMISSION, "description": format!("change {i}")});
        let started = Instant::now();
        let affected = ok_data(
            http.post(&url)
                .basic_auth(&t.client_id, Some(&t.client_secret))
                .json(&body),
        )
        .await
        .context("update-permission")?;
        updates.push(started.elapsed());
        if affected != json!("Affected") {
            bail!("update-permission answered {affected}");
        }
        let req = casbin_request(i, args.users, args.resources);
        for times in [&mut firsts, &mut cached] {
            let started = Instant::now();
            ok_data(enforce_request(http, t, &req)).await?;
            times.push(started.elapsed());
        }
    }
    let max = firsts.iter().max().copied().unwrap_or_default();
    Ok(Rebuild {
        changes,
        update_p50_ms: p50_ms(updates),
        first_enforce_p50_ms: p50_ms(firsts),
        first_enforce_max_ms: ms(max),
        cached_enforce_p50_ms: p50_ms(cached),
    })
}

pub async fn run(args: &AuthzArgs) -> Result<Vec<BackendAuthz>> {
    let dir = tempfile::tempdir()?;
    let emulator = procs::emulator(&args.bin, dir.path(), &format!("{APPID}:{APP_SECRET}")).await?;
    let mut out = Vec::new();
    for &backend in &args.backends {
        eprintln!("{backend:?}…");
        out.push(measure_backend(args, backend, dir.path(), &emulator.base).await?);
    }
    emulator.stop().await?;
    Ok(out)
}

async fn measure_backend(
    args: &AuthzArgs,
    backend: Backend,
    dir: &std::path::Path,
    emulator: &str,
) -> Result<BackendAuthz> {
    let (url, pg) = report::database(backend, dir).await?;
    let (server, _) =
        procs::server(&args.bin, dir, &url, emulator, ADMIN_PASSWORD, "RS256").await?;
    let max_c = args.concurrency.iter().copied().max().unwrap_or(16);
    let http = load_client(max_c)?;
    let started = Instant::now();
    let target = setup::miniprogram_app(&http, &server.base).await?;
    seed(&http, &target, args).await?;
    let setup_seconds = started.elapsed().as_secs_f64();
    eprintln!("  set-up: {setup_seconds:.1} s");
    let returning = scenarios::returning_users(&http, emulator, &target, 64).await?;
    let ctx = scenarios::Context {
        http: &http,
        emulator,
        target: &target,
        returning: &returning,
        label: format!("{backend:?}"),
        server_pid: server.pid(),
    };
    // Untimed: warms connections and the enforcer cache.
    scenarios::measure(&ctx, Scenario::GetAccount, 16, 300, 1).await?;
    let mut rows = Vec::new();
    for &c in &args.concurrency {
        let n = scenarios::requests_at(c, args.requests);
        let m = scenarios::measure(&ctx, Scenario::GetAccount, c, n, args.runs).await?;
        rows.push(Row {
            scenario: Scenario::GetAccount.label(),
            concurrency: c,
            summary: m.summary,
        });
        let mut results = Vec::new();
        for run in 0..args.runs {
            let prepared = (0..n)
                .map(|i| {
                    let body = casbin_request(i + run * n, args.users, args.resources);
                    enforce_request(&http, &target, &body)
                })
                .collect();
            results.push(timed_run(server.pid(), ENFORCE_LABEL, c, run, prepared).await?);
        }
        rows.push(Row {
            scenario: ENFORCE_LABEL,
            concurrency: c,
            summary: summarize(results).context("no runs")?,
        });
    }
    let rebuild = rebuild(&http, &target, args, args.changes).await?;
    eprintln!("  rebuild: {rebuild:?}");
    server.stop().await?;
    if let Some(db) = pg {
        db.cleanup().await;
    }
    Ok(BackendAuthz {
        backend,
        policies: args.users * args.resources,
        setup_seconds,
        rows,
        rebuild,
    })
}

const ENFORCE_LABEL: &str = "enforce (permissionId, Basic)";

pub fn markdown(results: &[BackendAuthz]) -> String {
    let mut out = String::new();
    for b in results {
        let _ = writeln!(
            out,
            "### {:?}: {} policies, set-up {:.1} s\n",
            b.backend, b.policies, b.setup_seconds
        );
        let _ = writeln!(
            out,
            "| scenario | c | req/s (spread) | p50 ms | p99 ms | errors | server CPU ms/req |\n|---|---:|---:|---:|---:|---:|---:|"
        );
        for r in &b.rows {
            let x = &r.summary.median;
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} ({:.0}–{:.0}) | {:.2} | {:.2} | {} | {:.3} |",
                r.scenario,
                r.concurrency,
                x.per_second,
                r.summary.min_per_second,
                r.summary.max_per_second,
                x.p50_ms,
                x.p99_ms,
                x.errors,
                x.server_cpu_ms_per_request.unwrap_or(f64::NAN)
            );
        }
        let r = &b.rebuild;
        let _ = writeln!(
            out,
            "\nRebuild ({} changes, from the client): update-permission p50 {:.1} ms; first enforce after it p50 {:.1} ms (max {:.1}); the next enforce p50 {:.2} ms.\n",
            r.changes,
            r.update_p50_ms,
            r.first_enforce_p50_ms,
            r.first_enforce_max_ms,
            r.cached_enforce_p50_ms
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_cover_users_resources_and_denials() {
        assert_eq!(
            casbin_request(0, 1000, 10),
            json!(["bench-org/user-0", "resource-0", "read"])
        );
        assert_eq!(
            casbin_request(1013, 1000, 10),
            json!(["bench-org/user-13", "resource-3", "read"])
        );
        assert_eq!(casbin_request(7, 1000, 10)[1], "no-such-resource");
        assert_eq!(casbin_request(5, 0, 0)[0], "bench-org/user-0");
    }
}
