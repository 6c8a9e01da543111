//! Who is on the other end: the peer address, the client behind trusted reverse proxies,
//! whether the request came over HTTPS, and whether it is a local, unproxied request.
//!
//! Addresses are used in memory only (rate limits, the loopback rule for admin); they are
//! never stored or logged.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Extensions, HeaderMap, header};

pub use crate::config::Network;

/// Headers a reverse proxy adds. Any of them means "not a direct local request".
const PROXY_HEADERS: &[&str] = &[
    "forwarded",
    "x-real-ip",
    "x-client-ip",
    "x-cluster-client-ip",
    "true-client-ip",
    "cf-connecting-ip",
    "fastly-client-ip",
    "via",
];

pub use crate::config::canonical_ip as canonical;

/// True for loopback addresses (`127.0.0.0/8`, `::1`, and `::ffff:127.x.y.z`).
pub fn is_loopback(ip: IpAddr) -> bool {
    canonical(ip).is_loopback()
}

/// The rate-limit bucket of an address: the address itself for IPv4, its /64 for IPv6
/// (one subscriber gets a whole /64, so single addresses would be free to rotate).
pub fn bucket(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        v4 => v4,
    }
}

/// The TCP peer of the request (real connections and router tests alike).
pub fn peer(extensions: &Extensions) -> Option<SocketAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
        .or_else(|| extensions.get::<MockConnectInfo<SocketAddr>>().map(|m| m.0))
}

/// True when a proxy header is present (`Forwarded`, any `X-Forwarded-*`, `X-Real-IP`, …).
pub fn is_proxied(headers: &HeaderMap) -> bool {
    headers.keys().any(|k| k.as_str().starts_with("x-forwarded-") || PROXY_HEADERS.contains(&k.as_str()))
}

/// True when the `Host` header names this machine (`localhost`, `127.x.y.z`, `[::1]`),
/// with or without a port: a page on another site that rebinds its DNS name to 127.0.0.1
/// still sends its own name.
pub fn host_is_loopback(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else { return false };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host
            .rsplit_once(':')
            .map_or(host, |(name, port)| if port.bytes().all(|b| b.is_ascii_digit()) { name } else { host }),
    };
    name.eq_ignore_ascii_case("localhost") || name.parse::<IpAddr>().is_ok_and(is_loopback)
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the nearest
/// untrusted address in `X-Forwarded-For` (right to left; a client can prepend anything).
pub fn client_ip(extensions: &Extensions, headers: &HeaderMap, trusted: &[Network]) -> Option<IpAddr> {
    let peer = canonical(peer(extensions)?.ip());
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in forwarded.iter().rev() {
        match hop.parse::<IpAddr>() {
            Ok(ip) if is_trusted(ip) => continue,
            Ok(ip) => return Some(canonical(ip)),
            Err(_) => break,
        }
    }
    Some(peer)
}

/// True when the request reached us over HTTPS: `public_url` is https, or a trusted proxy
/// says so in `X-Forwarded-Proto`.
pub fn is_https(extensions: &Extensions, headers: &HeaderMap, public_url: &str, trusted: &[Network]) -> bool {
    if public_url.starts_with("https://") {
        return true;
    }
    let from_trusted = peer(extensions).is_some_and(|p| trusted.iter().any(|n| n.contains(p.ip())));
    from_trusted
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.split(',').next().is_some_and(|p| p.trim().eq_ignore_ascii_case("https")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ext(peer: &str) -> Extensions {
        let mut e = Extensions::new();
        e.insert(ConnectInfo(peer.parse::<SocketAddr>().expect("addr")));
        e
    }

    #[test]
    fn networks_and_loopback() {
        let net = Network::parse("10.0.0.0/8").expect("cidr");
        assert!(net.contains("10.1.2.3".parse().expect("ip")));
        assert!(!net.contains("11.0.0.1".parse().expect("ip")));
        assert!(Network::parse("::1").expect("v6").contains("::1".parse().expect("ip")));
        assert!(Network::parse("1.2.3.4/33").is_none());
        assert!(is_loopback("::ffff:127.0.0.1".parse().expect("mapped")));
        assert!(!is_loopback("::ffff:10.0.0.1".parse().expect("mapped")));
        assert_eq!(bucket("2001:db8::1".parse().expect("v6")), bucket("2001:db8::ffff".parse().expect("v6")));
    }

    #[test]
    fn host_header_must_name_this_machine() {
        let mut h = HeaderMap::new();
        for (host, ok) in [
            ("127.0.0.1:8080", true),
            ("localhost", true),
            ("[::1]:80", true),
            ("evil.example", false),
            ("127.0.0.1.evil.example", false),
        ] {
            h.insert(header::HOST, HeaderValue::from_static(host));
            assert_eq!(host_is_loopback(&h), ok, "{host}");
        }
        assert!(!host_is_loopback(&HeaderMap::new()), "no Host: not local");
    }

    #[test]
    fn client_address_behind_trusted_proxies_only() {
        let trusted = [Network::parse("127.0.0.1").expect("ip")];
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_static("6.6.6.6, 203.0.113.5"));
        assert_eq!(client_ip(&ext("127.0.0.1:1"), &h, &trusted), "203.0.113.5".parse().ok(), "nearest untrusted hop");
        assert_eq!(client_ip(&ext("198.51.100.1:1"), &h, &trusted), "198.51.100.1".parse().ok(), "untrusted peer");
        assert!(is_proxied(&h));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(is_https(&ext("127.0.0.1:1"), &h, "", &trusted));
        assert!(!is_https(&ext("198.51.100.1:1"), &h, "", &trusted), "only a trusted proxy is believed");
    }
}
