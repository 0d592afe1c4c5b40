//! Sends the webhook outbox: every node polls for due deliveries, leases each (exactly one
//! node gets it), sends it signed, and notes the outcome (retried with backoff on failure).
//! A delivery leased by a node that dies is sent by another once the lease runs out: at
//! least once, never lost.
//!
//! SSRF guard: every name the client resolves, on the first request and on each redirect,
//! goes through [`GuardedResolver`], and redirects to literal addresses are checked by the
//! redirect policy, so an allowed host cannot lead to an internal one later.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ferrodoor_core::clock::Now;
use ferrodoor_core::netguard;
use ferrodoor_core::service::Core;
use ferrodoor_core::service::webhooks::{OutgoingDelivery, SIGNATURE_HEADER, SendOutcome};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// How the sender runs (from the settings).
#[derive(Debug, Clone)]
pub struct SenderSettings {
    pub poll: Duration,
    pub timeout: Duration,
    pub retry_base_seconds: i64,
    pub allow_private: bool,
}

/// Deliveries leased per poll.
const BATCH: i64 = 32;

/// Resolves with the system resolver and refuses internal addresses (unless allowed).
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            for addr in &addrs {
                netguard::check_address(addr.ip(), allow)?;
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Literal IP hosts never reach the resolver: check them here (first URL and redirects).
fn check_literal(url: &reqwest::Url, allow_private: bool) -> ferrodoor_core::error::Result<()> {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => netguard::check_address(ip.into(), allow_private),
        Some(url::Host::Ipv6(ip)) => netguard::check_address(ip.into(), allow_private),
        _ => Ok(()),
    }
}

pub fn client(settings: &SenderSettings) -> anyhow::Result<reqwest::Client> {
    let allow = settings.allow_private;
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 5 {
            return attempt.error("too many redirects");
        }
        match check_literal(attempt.url(), allow) {
            Ok(()) => attempt.follow(),
            Err(e) => attempt.error(e.to_string()),
        }
    });
    Ok(reqwest::Client::builder()
        .timeout(settings.timeout)
        .redirect(policy)
        .dns_resolver(GuardedResolver {
            allow_private: allow,
        })
        .user_agent(concat!("Ferrodoor-Webhook/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// Polls and sends until `stopped` turns true (the server's shutdown signal): a poll's
/// sends in flight are finished, no later poll is made.
pub fn spawn(
    core: Arc<Core>,
    settings: SenderSettings,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let http = client(&settings)?;
    // The lease outlasts a send (timeout), so one node's slow send is not repeated by another.
    let lease = i64::try_from(settings.timeout.as_secs()).unwrap_or(60) * 2 + 30;
    Ok(tokio::spawn(async move {
        let mut tick = tokio::time::interval(settings.poll);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = stopped.wait_for(|s| *s) => break,
                _ = tick.tick() => {}
            }
            let claimed = match core
                .claim_webhook_deliveries(Now::wall_clock(), lease, BATCH)
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming webhook deliveries failed");
                    continue;
                }
            };
            let mut sends = tokio::task::JoinSet::new();
            for d in claimed {
                let (core, http, settings) = (core.clone(), http.clone(), settings.clone());
                sends.spawn(async move {
                    let outcome = send(&http, &d, settings.allow_private).await;
                    if let Some(error) = &outcome.error {
                        tracing::info!(delivery = %d.delivery.id, status = outcome.status, %error, "webhook delivery failed");
                    }
                    let done = core
                        .finish_webhook_delivery(
                            d.delivery,
                            &outcome,
                            settings.retry_base_seconds,
                            Now::wall_clock(),
                        )
                        .await;
                    if let Err(e) = done {
                        tracing::warn!(error = %e, "noting a webhook delivery failed");
                    }
                });
            }
            sends.join_all().await;
        }
    }))
}

async fn send(http: &reqwest::Client, d: &OutgoingDelivery, allow_private: bool) -> SendOutcome {
    let failed = |status: u16, error: String| SendOutcome {
        status,
        error: Some(error),
    };
    let url = match reqwest::Url::parse(&d.url) {
        Ok(u) => u,
        Err(e) => return failed(0, format!("url: {e}")),
    };
    if let Err(e) = check_literal(&url, allow_private) {
        return failed(0, e.to_string());
    }
    let method = reqwest::Method::from_bytes(d.method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let mut request = http
        .request(method, url)
        .header(reqwest::header::CONTENT_TYPE, &d.content_type)
        .header(SIGNATURE_HEADER, &d.signature)
        .header("X-Ferrodoor-Event", &d.delivery.event)
        .header("X-Ferrodoor-Delivery", &d.delivery.id);
    for h in &d.headers {
        request = request.header(&h.name, &h.value);
    }
    match request.body(d.delivery.payload.clone()).send().await {
        Ok(answer) if answer.status().is_success() => SendOutcome {
            status: answer.status().as_u16(),
            error: None,
        },
        Ok(answer) => failed(
            answer.status().as_u16(),
            format!("the receiver answered {}", answer.status()),
        ),
        // The error's chain names the refused address or the timeout.
        Err(e) => failed(0, error_chain(&e)),
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text.chars().take(500).collect()
}
