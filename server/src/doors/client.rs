//! Who is knocking: the client's address as far as it can be trusted. The connection's own
//! address, unless it is one of the operator's proxies (`TRUSTED_PROXIES`); then the right-most
//! address in `X-Forwarded-For` that is not a trusted proxy, since each proxy appends the address
//! it was called from and everything further left was written by the caller.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

#[derive(Debug, Clone, Default)]
pub struct TrustedProxies {
    ranges: Vec<IpNet>,
}

impl TrustedProxies {
    pub fn new(ranges: Vec<IpNet>) -> Self {
        Self { ranges }
    }

    /// The client behind `peer`, the address the connection came from.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = unmapped(peer);
        if !contains(&self.ranges, peer) {
            return peer;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .collect();
        for hop in hops.into_iter().rev() {
            // A hop nobody can read ends what can be believed: the proxy is the client then.
            let Ok(address) = hop.trim().parse().map(unmapped) else {
                return peer;
            };
            if !contains(&self.ranges, address) {
                return address;
            }
        }
        peer
    }
}

/// An IPv4 address that arrived mapped into IPv6 is the IPv4 address.
fn unmapped(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether any of `nets` holds `address` (IPv4 mapped into IPv6 counts as IPv4).
pub fn contains(nets: &[IpNet], address: IpAddr) -> bool {
    let address = unmapped(address);
    nets.iter().any(|net| net.contains(&address))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::parse_ranges;

    fn proxies(ranges: &str) -> TrustedProxies {
        TrustedProxies::new(parse_ranges(ranges).unwrap())
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_forwarded_address_counts_only_behind_a_trusted_proxy() {
        let headers = forwarded("6.6.6.6, 185.71.76.7");
        let peer = ip("10.0.0.5");
        assert_eq!(
            proxies("").client(peer, &headers),
            peer,
            "no proxy is trusted"
        );
        let behind = proxies("10.0.0.0/8");
        assert_eq!(
            behind.client(peer, &headers),
            ip("185.71.76.7"),
            "the proxy's own record of who called it"
        );
        assert_eq!(
            behind.client(peer, &forwarded("185.71.76.7, 6.6.6.6")),
            ip("6.6.6.6"),
            "what the caller wrote itself further left is not believed"
        );
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_address() {
        let behind = proxies("10.0.0.0/8, 192.168.1.1");
        let headers = forwarded("6.6.6.6, 203.0.113.9, 192.168.1.1, 10.1.2.3");
        assert_eq!(behind.client(ip("10.0.0.5"), &headers), ip("203.0.113.9"));
    }

    #[test]
    fn without_a_usable_header_the_proxy_itself_is_the_client() {
        let behind = proxies("127.0.0.1");
        let peer = ip("127.0.0.1");
        assert_eq!(behind.client(peer, &HeaderMap::new()), peer);
        assert_eq!(behind.client(peer, &forwarded("nonsense")), peer);
        assert_eq!(
            behind.client(peer, &forwarded("6.6.6.6, nonsense, 127.0.0.1")),
            peer,
            "nothing left of an unreadable hop is believed"
        );
        assert_eq!(
            behind.client(ip("::ffff:127.0.0.1"), &forwarded("203.0.113.9")),
            ip("203.0.113.9"),
            "a mapped IPv4 peer is the IPv4 one"
        );
    }
}
