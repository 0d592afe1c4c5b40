//! Latency percentiles and the median/spread of repeated runs.

use std::time::Duration;

use serde::Serialize;

/// One timed run of one scenario.
#[derive(Clone, Debug, Serialize)]
pub struct RunResult {
    pub requests: usize,
    pub errors: usize,
    pub seconds: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// The server's CPU time (utime + stime from /proc) over the run divided by the
    /// successful requests, in milliseconds; None when not measured (another server).
    pub server_cpu_ms_per_request: Option<f64>,
}

impl RunResult {
    pub fn from_latencies(mut latencies: Vec<Duration>, errors: usize, elapsed: Duration) -> Self {
        latencies.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let seconds = elapsed.as_secs_f64();
        RunResult {
            requests: latencies.len(),
            errors,
            seconds,
            per_second: latencies.len() as f64 / seconds,
            p50_ms: ms(percentile(&latencies, 0.50)),
            p99_ms: ms(percentile(&latencies, 0.99)),
            max_ms: ms(latencies.last().copied().unwrap_or_default()),
            server_cpu_ms_per_request: None,
        }
    }
}

/// Nearest-rank percentile of sorted values.
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The run with the median throughput stands for the scenario; min and max give the spread.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub median: RunResult,
    pub min_per_second: f64,
    pub max_per_second: f64,
    pub runs: usize,
}

pub fn summarize(mut runs: Vec<RunResult>) -> Option<Summary> {
    if runs.is_empty() {
        return None;
    }
    runs.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
    Some(Summary {
        min_per_second: runs[0].per_second,
        max_per_second: runs[runs.len() - 1].per_second,
        median: runs[runs.len() / 2].clone(),
        runs: runs.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&v, 0.50), Duration::from_millis(50));
        assert_eq!(percentile(&v, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&v, 1.0), Duration::from_millis(100));
        assert_eq!(percentile(&v[..1], 0.99), Duration::from_millis(1));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn median_run_and_spread() {
        let run = |per_second: f64| RunResult {
            requests: 1,
            errors: 0,
            seconds: 1.0,
            per_second,
            p50_ms: per_second,
            p99_ms: 0.0,
            max_ms: 0.0,
            server_cpu_ms_per_request: None,
        };
        let s = summarize(vec![run(30.0), run(10.0), run(20.0)]).unwrap();
        assert_eq!(s.median.per_second, 20.0);
        assert_eq!(s.median.p50_ms, 20.0);
        assert_eq!((s.min_per_second, s.max_per_second), (10.0, 30.0));
        assert!(summarize(vec![]).is_none());
    }
}
