//! The load generator: `concurrency` workers take prepared requests from one queue, each
//! over its own kept-alive connection, and time every request from send to full body.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::stats::RunResult;

/// One request, ready to send: everything it needs (a one-time code, a token) is prepared
/// before the clock starts.
pub type Prepared = reqwest::RequestBuilder;

/// Sends every prepared request with `concurrency` in flight; answers the timings of the
/// successful ones, and how many failed (non-2xx or transport error). The first failure's
/// text is printed, so a broken set-up does not pass for a slow server.
pub async fn run(requests: Vec<Prepared>, concurrency: usize) -> RunResult {
    let total = requests.len();
    let queue: Arc<Vec<std::sync::Mutex<Option<Prepared>>>> = Arc::new(
        requests
            .into_iter()
            .map(|r| std::sync::Mutex::new(Some(r)))
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let reported = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::with_capacity(concurrency);
    for _ in 0..concurrency.max(1) {
        let (queue, next, reported) = (queue.clone(), next.clone(), reported.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(total / concurrency.max(1) + 1);
            let mut errors = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(slot) = queue.get(i) else { break };
                let Some(request) = slot.lock().ok().and_then(|mut s| s.take()) else {
                    continue;
                };
                let sent = Instant::now();
                let outcome = match request.send().await {
                    Ok(res) => {
                        let status = res.status();
                        match res.bytes().await {
                            Ok(_) if status.is_success() => Ok(()),
                            Ok(body) => {
                                Err(format!("{status}: {}", String::from_utf8_lossy(&body)))
                            }
                            Err(e) => Err(e.to_string()),
                        }
                    }
                    Err(e) => Err(e.to_string()),
                };
                match outcome {
                    Ok(()) => latencies.push(sent.elapsed()),
                    Err(text) => {
                        errors += 1;
                        if reported.fetch_add(1, Ordering::Relaxed) == 0 {
                            eprintln!("  first failure: {}", truncate(&text, 300));
                        }
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(total);
    let mut errors = 0;
    for worker in workers {
        match worker.await {
            Ok((l, e)) => {
                latencies.extend(l);
                errors += e;
            }
            Err(_) => errors += 1,
        }
    }
    RunResult::from_latencies(latencies, errors, started.elapsed())
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}
