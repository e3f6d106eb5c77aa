//! Who may deliver payment notifications: YooKassa's published address ranges (or the operator's
//! own list), with the client's address read from `X-Forwarded-For` only when the connection
//! comes from a proxy the operator trusts.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The ranges YooKassa sends notifications from, as it publishes them.
pub const YOOKASSA_RANGES: [&str; 7] = [
    "185.71.76.0/27",
    "185.71.77.0/27",
    "77.75.153.0/25",
    "77.75.156.11/32",
    "77.75.156.35/32",
    "77.75.154.128/25",
    "2a02:5180::/32",
];

/// Loopback, for the sandbox's YooKassa, which notifies from this very machine.
pub const LOOPBACK: [&str; 2] = ["127.0.0.0/8", "::1/128"];

#[derive(Debug, Clone, Default)]
pub struct NotificationGate {
    pub allowed: Vec<IpNet>,
    pub trusted_proxies: Vec<IpNet>,
}

impl NotificationGate {
    /// The sender as far as it can be trusted: the peer, or — when the peer is a trusted proxy —
    /// the nearest address in `X-Forwarded-For` that is not one of the trusted proxies.
    pub fn sender(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !contains(&self.trusted_proxies, peer) {
            return peer;
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .filter_map(|part| part.trim().parse().ok())
            .collect();
        forwarded
            .into_iter()
            .rev()
            .find(|address| !contains(&self.trusted_proxies, *address))
            .unwrap_or(peer)
    }

    pub fn allows(&self, sender: IpAddr) -> bool {
        contains(&self.allowed, sender)
    }
}

fn contains(nets: &[IpNet], address: IpAddr) -> bool {
    let address = match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    };
    nets.iter().any(|net| net.contains(&address))
}

/// The configuration reads ranges in the same form.
pub use crate::config::parse_ranges;

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(allowed: &str, proxies: &str) -> NotificationGate {
        NotificationGate {
            allowed: parse_ranges(allowed).unwrap(),
            trusted_proxies: parse_ranges(proxies).unwrap(),
        }
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn yookassa_addresses_pass_and_others_do_not() {
        let gate = gate(&YOOKASSA_RANGES.join(","), "");
        assert!(gate.allows("185.71.76.7".parse().unwrap()));
        assert!(gate.allows("77.75.156.11".parse().unwrap()));
        assert!(gate.allows("::ffff:185.71.77.1".parse().unwrap()));
        assert!(!gate.allows("77.75.156.12".parse().unwrap()));
        assert!(!gate.allows("127.0.0.1".parse().unwrap()));
    }

    #[test]
    fn a_forwarded_address_counts_only_behind_a_trusted_proxy() {
        let headers = forwarded("6.6.6.6, 185.71.76.7");
        let direct = gate("185.71.76.0/27", "");
        let peer: IpAddr = "10.0.0.5".parse().unwrap();
        assert_eq!(direct.sender(peer, &headers), peer, "no proxy is trusted");

        let proxied = gate("185.71.76.0/27", "10.0.0.0/8");
        assert_eq!(
            proxied.sender(peer, &headers),
            "185.71.76.7".parse::<IpAddr>().unwrap(),
            "the proxy's own record of who called it"
        );
        assert_eq!(
            proxied.sender(peer, &forwarded("185.71.76.7, 6.6.6.6")),
            "6.6.6.6".parse::<IpAddr>().unwrap(),
            "what the caller wrote itself further left is not believed"
        );
    }

    #[test]
    fn bad_ranges_are_named() {
        assert_eq!(parse_ranges("10.0.0.0/8, nonsense"), Err("nonsense".into()));
        assert_eq!(parse_ranges("1.2.3.4").unwrap().len(), 1);
    }
}
