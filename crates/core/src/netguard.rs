//! Which addresses a webhook may reach (CVE-2026-5469: Casdoor's webhooks reached internal
//! services). Refused unless the operator allows private targets: loopback, private,
//! shared (CGNAT), link-local (cloud metadata at 169.254.169.254), unspecified, multicast
//! and broadcast addresses, and their IPv6 counterparts (IPv4-mapped ones as IPv4).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{Error, Result};

pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_internal_v4(v4),
            None => is_internal_v6(v6),
        },
    }
}

fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        // 100.64.0.0/10: carrier-grade NAT, and Alibaba Cloud's metadata (100.100.100.200).
        || (a == 100 && (64..128).contains(&b))
}

fn is_internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // fc00::/7 unique local (AWS metadata fd00:ec2::254), fe80::/10 link-local.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
}

/// Refuses `ip` unless it is public or private targets are allowed.
pub fn check_address(ip: IpAddr, allow_internal: bool) -> Result<()> {
    if allow_internal || !is_internal(ip) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "webhook address {ip} is loopback, private, link-local or metadata; \
             allow it with FERRODOOR_WEBHOOK_ALLOW_PRIVATE=true"
        )))
    }
}

/// A webhook URL: http or https, a host, no credentials in it.
pub fn parse_webhook_url(text: &str) -> Result<url::Url> {
    let url =
        url::Url::parse(text).map_err(|e| Error::invalid(format!("webhook url {text:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::invalid("a webhook url must be http or https"));
    }
    if url.host().is_none() {
        return Err(Error::invalid("a webhook url needs a host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::invalid(
            "put credentials in a webhook header, not in its url",
        ));
    }
    Ok(url)
}

/// Resolves the URL's host and checks every address it has (at save; the sender checks
/// again at each connection and redirect, since DNS answers change).
pub async fn check_url(text: &str, allow_internal: bool) -> Result<()> {
    let url = parse_webhook_url(text)?;
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<IpAddr> = match url.host() {
        Some(url::Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
        Some(url::Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
        Some(url::Host::Domain(host)) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| Error::invalid(format!("webhook host {host:?} does not resolve: {e}")))?
            .map(|a| a.ip())
            .collect(),
        None => Vec::new(),
    };
    addrs
        .into_iter()
        .try_for_each(|ip| check_address(ip, allow_internal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "::1",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:4700::1111", "100.128.0.1"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn urls_are_checked_before_saving() {
        assert!(
            check_url("http://127.0.0.1:8080/hook", false)
                .await
                .is_err()
        );
        assert!(check_url("http://localhost/hook", false).await.is_err());
        assert!(check_url("http://127.0.0.1:8080/hook", true).await.is_ok());
        assert!(check_url("ftp://example.com/", true).await.is_err());
        assert!(check_url("http://u:p@127.0.0.1/", true).await.is_err());
    }
}
