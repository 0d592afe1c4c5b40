//! The Prometheus recorder behind `/api/metrics`: installed once per process (every server
//! started in it shares it), with the database pool's gauges refreshed at each scrape.

use std::sync::{Arc, OnceLock};

use anyhow::{Result, anyhow};
use ferrodoor_http::MetricsEndpoint;
use ferrodoor_store::Database;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Connections open in each pool, by `pool` and `state` (`in_use`, `idle`).
pub const DB_POOL_CONNECTIONS: &str = "ferrodoor_db_pool_connections";
/// The most connections each pool may open, by `pool`.
pub const DB_POOL_MAX: &str = "ferrodoor_db_pool_max_connections";

/// Latency buckets (seconds) of every histogram: 1 ms to 10 s.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

fn handle() -> Result<PrometheusHandle> {
    if let Some(h) = HANDLE.get() {
        return Ok(h.clone());
    }
    let recorder = PrometheusBuilder::new()
        .set_buckets(BUCKETS)
        .map_err(|e| anyhow!("metric buckets: {e}"))?
        .build_recorder();
    let handle = recorder.handle();
    // Another thread may have won the race; then its recorder stays and ours is dropped.
    if HANDLE.set(handle).is_ok() {
        metrics::set_global_recorder(recorder)
            .map_err(|e| anyhow!("installing the metrics recorder: {e}"))?;
        describe();
    }
    HANDLE
        .get()
        .cloned()
        .ok_or_else(|| anyhow!("metrics recorder missing"))
}

/// The endpoint of a server on `db`.
pub fn endpoint(db: Arc<Database>, token: Option<String>) -> Result<MetricsEndpoint> {
    let handle = handle()?;
    let render = move || {
        for stats in db.pool_stats() {
            let gauge = |state: &'static str, value: u32| {
                metrics::gauge!(DB_POOL_CONNECTIONS, "pool" => stats.pool, "state" => state)
                    .set(f64::from(value));
            };
            gauge("in_use", stats.in_use());
            gauge("idle", stats.idle);
            metrics::gauge!(DB_POOL_MAX, "pool" => stats.pool).set(f64::from(stats.max));
        }
        handle.render()
    };
    Ok(MetricsEndpoint {
        render: Arc::new(render),
        token: token.filter(|t| !t.is_empty()),
    })
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "ferrodoor_http_requests_total",
        "HTTP requests by route template, method and status."
    );
    describe_histogram!(
        "ferrodoor_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "HTTP request latency by route template, method and status."
    );
    describe_counter!(
        "ferrodoor_logins_total",
        "Sign-in attempts by method and outcome (success, failure, error)."
    );
    describe_counter!(
        ferrodoor_wechat::telemetry::CALLS,
        "WeChat API calls by API and errcode (0: success)."
    );
    describe_histogram!(
        ferrodoor_wechat::telemetry::DURATION,
        metrics::Unit::Seconds,
        "WeChat API call latency by API."
    );
    describe_gauge!(
        DB_POOL_CONNECTIONS,
        "Database connections by pool and state (in_use, idle)."
    );
    describe_gauge!(DB_POOL_MAX, "Most connections a pool may open.");
    describe_counter!(
        ferrodoor_store::POOL_WAITS_METRIC,
        "Database connection requests that found no idle connection, by role."
    );
    describe_counter!(
        ferrodoor_store::GROUP_COMMITS_METRIC,
        "Group commits (one transaction or statement for every job waiting), by queue."
    );
    describe_counter!(
        ferrodoor_store::GROUPED_JOBS_METRIC,
        "Jobs committed in groups, by queue (divided by the commits: the mean group size)."
    );
    describe_counter!(
        ferrodoor_core::telemetry::TOKENS_ISSUED,
        "Tokens issued by grant type."
    );
    describe_counter!(
        ferrodoor_core::telemetry::TOKENS_REVOKED,
        "Tokens revoked by reason."
    );
}
