//! The suite: runs everything in order on a quiet machine, and renders the result as the
//! tables of BENCHMARKS.md.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{Context, Result};
use serde::Serialize;

use crate::scenarios::{self, Measurement, Scenario};
use crate::setup::{self, ADMIN_PASSWORD, APP_SECRET, APPID};
use crate::sign::{self, SignBound};
use crate::{SuiteArgs, load_client, procs, threads};

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, Serialize)]
pub struct BackendResults {
    pub backend: Backend,
    /// Spawn to first 200 of /api/health, on an empty database (schema, key generation).
    pub cold_start_ms: f64,
    /// The same on the database the run left behind.
    pub warm_start_ms: f64,
    pub idle_rss_kib: u64,
    /// The anonymous part of the idle RSS (the rest is the binary's pages mapped from the
    /// file, shared and dropped first under memory pressure).
    pub idle_anon_kib: u64,
    pub peak_rss_kib: u64,
    pub measurements: Vec<Measurement>,
}

#[derive(Debug, Serialize)]
pub struct SuiteResults {
    pub machine: String,
    pub threads: usize,
    pub binary_bytes: u64,
    pub requests_per_run: usize,
    pub signing_algorithm: String,
    pub runs: usize,
    /// The signing bound before the backends' runs and after them: this VM's speed drifts
    /// by minutes, and the ratios divide by the mean of the two.
    pub sign: SignBound,
    pub sign_after: SignBound,
    pub backends: Vec<BackendResults>,
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU", str::trim)
        .to_string();
    format!("{model}, {} threads", threads())
}

pub async fn suite(args: &SuiteArgs) -> Result<SuiteResults> {
    let binary_bytes = std::fs::metadata(&args.bin)
        .with_context(|| {
            format!(
                "{}: build it with `cargo build --release`",
                args.bin.display()
            )
        })?
        .len();
    eprintln!(
        "signing bound ({} threads, {} s each)…",
        threads(),
        args.sign_seconds
    );
    let sign = sign::measure(threads(), Duration::from_secs_f64(args.sign_seconds))?;
    let dir = tempfile::tempdir()?;
    let emulator = procs::emulator(&args.bin, dir.path(), &format!("{APPID}:{APP_SECRET}")).await?;
    let mut backends = Vec::new();
    for &backend in &args.backends {
        eprintln!("{backend:?}…");
        backends.push(measure_backend(args, backend, dir.path(), &emulator.base).await?);
    }
    emulator.stop().await?;
    eprintln!("signing bound again…");
    let sign_after = sign::measure(threads(), Duration::from_secs_f64(args.sign_seconds))?;
    Ok(SuiteResults {
        machine: machine(),
        threads: threads(),
        binary_bytes,
        requests_per_run: args.requests,
        signing_algorithm: args.signing_algorithm.clone(),
        runs: args.runs,
        sign,
        sign_after,
        backends,
    })
}

/// A fresh database of `backend`: its URL, and the PostgreSQL test database to drop after.
pub async fn database(
    backend: Backend,
    dir: &std::path::Path,
) -> Result<(String, Option<ferrodoor_store::testdb::TestDb>)> {
    let pg = match backend {
        Backend::Postgres => Some(
            ferrodoor_store::testdb::TestDb::postgres()
                .await
                .context("no PostgreSQL for the bench: set FERRODOOR_TEST_PG_URL")?,
        ),
        Backend::Sqlite => None,
    };
    let url = match &pg {
        Some(db) => db.url().to_string(),
        None => format!("sqlite://{}/bench.db", dir.display()),
    };
    Ok((url, pg))
}

async fn measure_backend(
    args: &SuiteArgs,
    backend: Backend,
    dir: &std::path::Path,
    emulator: &str,
) -> Result<BackendResults> {
    let (url, pg) = database(backend, dir).await?;
    let start = || {
        procs::server(
            &args.bin,
            dir,
            &url,
            emulator,
            ADMIN_PASSWORD,
            &args.signing_algorithm,
        )
    };
    let (server, cold) = start().await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let (idle_rss_kib, _, idle_anon_kib) = server.memory_kib()?;

    let max_concurrency = args.concurrency.iter().copied().max().unwrap_or(16);
    let http = load_client(max_concurrency)?;
    let target = setup::miniprogram_app(&http, &server.base).await?;
    let returning = scenarios::returning_users(&http, emulator, &target, 64).await?;
    let ctx = scenarios::Context {
        http: &http,
        emulator,
        target: &target,
        returning: &returning,
        label: format!("{backend:?}"),
        server_pid: server.pid(),
    };
    // Untimed: warms connections, caches and the database's pages.
    scenarios::measure(&ctx, Scenario::LoginReturning, 16, 300, 1).await?;

    let mut measurements = Vec::new();
    for &scenario in &args.scenarios {
        for &c in &args.concurrency {
            let requests = scenarios::requests_at(c, args.requests);
            measurements.push(scenarios::measure(&ctx, scenario, c, requests, args.runs).await?);
        }
    }
    let (_, peak_rss_kib, _) = server.memory_kib()?;
    server.stop().await?;
    let (again, warm) = start().await?;
    again.stop().await?;
    if let Some(db) = pg {
        db.cleanup().await;
    }
    Ok(BackendResults {
        backend,
        cold_start_ms: cold.as_secs_f64() * 1000.0,
        warm_start_ms: warm.as_secs_f64() * 1000.0,
        idle_rss_kib,
        idle_anon_kib,
        peak_rss_kib,
        measurements,
    })
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// One figure of a signing bound.
type SignRate = fn(&SignBound) -> f64;

pub fn markdown(r: &SuiteResults) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Machine: {}. Binary: {:.1} MB. {} requests per run (a quarter at c=1), {} runs each; median run shown, spread = slowest–fastest run.\n",
        r.machine,
        r.binary_bytes as f64 / 1e6,
        r.requests_per_run,
        r.runs
    );
    let (s, e) = (&r.sign, &r.sign_after);
    let mean = |f: SignRate| (f(s) + f(e)) / 2.0;
    let _ = writeln!(
        out,
        "| signing bound ({} threads) | at the start | at the end | mean (the ratios divide by it) |\n|---|---:|---:|---:|",
        s.threads
    );
    let rows: [(&str, SignRate); 3] = [
        ("RS256 raw (RSA-2048, aws-lc-rs, key parsed once)", |b| {
            b.rs256_raw_per_second
        }),
        ("ES256 raw (P-256)", |b| b.es256_raw_per_second),
        ("Ferrodoor access token (claims + RS256)", |b| {
            b.ferrodoor_access_token_per_second
        }),
    ];
    for (label, rate) in rows {
        let _ = writeln!(
            out,
            "| {label} | {:.0} | {:.0} | {:.0} |",
            rate(s),
            rate(e),
            mean(rate)
        );
    }
    let rs256_cpu = mean(|b| b.rs256_cpu_ms_per_signature);
    let _ = writeln!(
        out,
        "\nCPU per signature (utime + stime of the signing threads), mean of the two: RS256 {:.3} ms ({:.3} and {:.3}), ES256 {:.4} ms.\n",
        rs256_cpu,
        s.rs256_cpu_ms_per_signature,
        e.rs256_cpu_ms_per_signature,
        mean(|b| b.es256_cpu_ms_per_signature)
    );
    let bound = if r.signing_algorithm.eq_ignore_ascii_case("ES256") {
        mean(|b| b.es256_raw_per_second)
    } else {
        mean(|b| b.rs256_raw_per_second)
    };
    for b in &r.backends {
        let _ = writeln!(out, "### {:?}, {} keys\n", b.backend, r.signing_algorithm);
        let _ = writeln!(
            out,
            "| scenario | c | req/s (spread) | p50 ms | p99 ms | errors | of signing bound | server CPU ms/req | × one RS256 signature |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        );
        for m in &b.measurements {
            let x = &m.summary.median;
            let cpu = x.server_cpu_ms_per_request.unwrap_or(f64::NAN);
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} ({:.0}–{:.0}) | {:.2} | {:.2} | {} | {:.0}% | {:.3} | {:.2} |",
                m.scenario.label(),
                m.concurrency,
                x.per_second,
                m.summary.min_per_second,
                m.summary.max_per_second,
                x.p50_ms,
                x.p99_ms,
                x.errors,
                100.0 * x.per_second / bound,
                cpu,
                cpu / rs256_cpu
            );
        }
        let _ = writeln!(
            out,
            "\nStart to healthy: {:.0} ms on an empty database, {:.0} ms on an existing one. RSS: {:.1} MiB idle ({:.1} MiB of it anonymous), {:.1} MiB peak under load.\n",
            b.cold_start_ms,
            b.warm_start_ms,
            mib(b.idle_rss_kib),
            mib(b.idle_anon_kib),
            mib(b.peak_rss_kib)
        );
    }
    out
}
