//! `ferrodoor-bench`: measures the release binary the way a user would run it — as its own
//! process, over loopback HTTP, against its WeChat emulator — and prints the figures that go
//! into BENCHMARKS.md. `bench/run.sh` runs everything; see BENCHMARKS.md.

mod authz;
mod cpu;
mod load;
mod procs;
mod report;
mod scenarios;
mod setup;
mod sign;
mod stats;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Load and signing benchmarks for Ferrodoor")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Everything: the signing bound, then every scenario on each database at each
    /// concurrency, memory and start-up times. Writes JSON to --out, Markdown to stdout.
    Suite(SuiteArgs),
    /// Enforce next to get-account on a 10,000-policy permission, and the enforcer's
    /// rebuild time after a change (issue 12). Writes JSON to --out, Markdown to stdout.
    Authz(authz::AuthzArgs),
    /// Only the signing bound.
    Sign {
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
    },
    /// `client_credentials` against any OAuth token endpoint (for side-by-side runs with
    /// other servers), HTTP Basic client authentication.
    ClientCredentials {
        #[arg(long)]
        token_url: String,
        #[arg(long)]
        client_id: String,
        #[arg(long)]
        client_secret: String,
        #[arg(long, short = 'c', default_value_t = 16)]
        concurrency: usize,
        #[arg(long, short = 'n', default_value_t = 2000)]
        requests: usize,
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
}

#[derive(clap::Args)]
pub struct SuiteArgs {
    /// The server binary to measure (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/ferrodoor")]
    bin: PathBuf,
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    backends: Vec<report::Backend>,
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    concurrency: Vec<usize>,
    /// Which scenarios (default: all).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "login-new,login-returning,get-account,client-credentials"
    )]
    scenarios: Vec<scenarios::Scenario>,
    /// Requests per timed run (a quarter of it, at least 200, at concurrency 1).
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    /// Timed runs per scenario and concurrency; the median run is reported, with the spread.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    #[arg(long, default_value_t = 3.0)]
    sign_seconds: f64,
    /// FERRODOOR_SIGNING_ALGORITHM of the server: RS256 or ES256.
    #[arg(long, default_value = "RS256")]
    signing_algorithm: String,
    #[arg(long, default_value = "bench-results.json")]
    out: PathBuf,
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[tokio::main]
async fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Suite(mut args) => {
            // The processes run in a temporary directory: a relative path would not resolve.
            args.bin = std::fs::canonicalize(&args.bin).with_context(|| {
                format!(
                    "{}: build it with `cargo build --release`",
                    args.bin.display()
                )
            })?;
            let results = report::suite(&args).await?;
            std::fs::write(&args.out, serde_json::to_string_pretty(&results)?)
                .with_context(|| format!("writing {}", args.out.display()))?;
            print!("{}", report::markdown(&results));
            eprintln!("JSON written to {}", args.out.display());
        }
        Command::Authz(mut args) => {
            args.bin = std::fs::canonicalize(&args.bin)
                .with_context(|| format!("{}: build it first", args.bin.display()))?;
            let results = authz::run(&args).await?;
            std::fs::write(&args.out, serde_json::to_string_pretty(&results)?)
                .with_context(|| format!("writing {}", args.out.display()))?;
            print!("{}", authz::markdown(&results));
            eprintln!("JSON written to {}", args.out.display());
        }
        Command::Sign { seconds } => {
            let bound = sign::measure(threads(), Duration::from_secs_f64(seconds))?;
            println!("{}", serde_json::to_string_pretty(&bound)?);
        }
        Command::ClientCredentials {
            token_url,
            client_id,
            client_secret,
            concurrency,
            requests,
            runs,
        } => {
            let http = load_client(concurrency)?;
            let target = setup::Target {
                base: String::new(),
                client_id,
                client_secret,
            };
            let mut results = Vec::new();
            for run in 0..runs {
                let prepared = (0..requests)
                    .map(|_| scenarios::client_credentials_request(&http, &token_url, &target))
                    .collect();
                let r = load::run(prepared, concurrency).await;
                eprintln!(
                    "  run {}: {:.0}/s p50 {:.2} ms p99 {:.2} ms errors {}",
                    run + 1,
                    r.per_second,
                    r.p50_ms,
                    r.p99_ms,
                    r.errors
                );
                results.push(r);
            }
            let summary = stats::summarize(results).context("no runs")?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
    }
    Ok(())
}

/// One client for the whole load: kept-alive connections, enough idle ones for every worker.
pub fn load_client(concurrency: usize) -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency.max(8))
        .timeout(Duration::from_secs(30))
        .build()?)
}
