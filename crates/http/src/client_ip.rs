//! The one client-address rule, used by the rate limiter, the audit records and the WeChat
//! scan sign-in (the asking browser's address shown on the phone): the TCP peer, or, when
//! the peer is a trusted proxy (`FERRODOOR_TRUSTED_PROXIES`), the last `X-Forwarded-For`
//! hop that is not one. What a client writes into `X-Forwarded-For` itself never counts.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// The proxies whose `X-Forwarded-For` names the client.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<[IpAddr]>);

impl TrustedProxies {
    pub fn new(proxies: &[IpAddr]) -> Self {
        TrustedProxies(proxies.into())
    }

    /// The client of a request from `peer`: the peer itself, or when the peer is a trusted
    /// proxy, the last `X-Forwarded-For` hop that is not one.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let trusted = |ip: &IpAddr| self.0.contains(ip);
        if !trusted(&peer) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !trusted(&ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        client
    }
}

/// The request's client address by the rule above; None when the connection has no peer
/// address (a router driven without `ConnectInfo`, as in unit tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The address as records and pages show it; empty when unknown.
    pub fn text(&self) -> String {
        self.0.map(|ip| ip.to_string()).unwrap_or_default()
    }

    pub fn of(req: &Request) -> ClientIp {
        req.extensions()
            .get::<ClientIp>()
            .copied()
            .unwrap_or(ClientIp(None))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .copied()
            .unwrap_or(ClientIp(None)))
    }
}

/// Middleware (outside every other that needs the address): works the client address out
/// once and puts it in the request's extensions.
pub async fn resolve(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip());
    let client = peer.map(|p| state.trusted_proxies.client_ip(p, req.headers()));
    req.extensions_mut().insert(ClientIp(client));
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xff(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", value.parse().unwrap());
        h
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        let ips: Vec<IpAddr> = list.iter().map(|t| t.parse().unwrap()).collect();
        TrustedProxies::new(&ips)
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let peer: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(proxies(&[]).client_ip(peer, &xff("203.0.113.9")), peer);
        let trusted = proxies(&["10.0.0.1", "10.0.0.2"]);
        assert_eq!(
            trusted.client_ip(peer, &xff("198.51.100.7, 203.0.113.9, 10.0.0.2")),
            "203.0.113.9".parse::<IpAddr>().unwrap(),
            "the last hop a trusted proxy added, not what the client wrote first"
        );
        assert_eq!(trusted.client_ip(peer, &HeaderMap::new()), peer);
        assert_eq!(trusted.client_ip(peer, &xff("garbage")), peer);
    }
}
