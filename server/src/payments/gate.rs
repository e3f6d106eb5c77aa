//! Who may deliver payment notifications: YooKassa's published address ranges (or the operator's
//! own list). The sender is the client's address as [`crate::doors::TrustedProxies`] reads it.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::doors::contains;

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
}

impl NotificationGate {
    pub fn allows(&self, sender: IpAddr) -> bool {
        contains(&self.allowed, sender)
    }
}

/// The configuration reads ranges in the same form.
pub use crate::config::parse_ranges;

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(allowed: &str) -> NotificationGate {
        NotificationGate {
            allowed: parse_ranges(allowed).unwrap(),
        }
    }

    #[test]
    fn yookassa_addresses_pass_and_others_do_not() {
        let gate = gate(&YOOKASSA_RANGES.join(","));
        assert!(gate.allows("185.71.76.7".parse().unwrap()));
        assert!(gate.allows("77.75.156.11".parse().unwrap()));
        assert!(gate.allows("::ffff:185.71.77.1".parse().unwrap()));
        assert!(!gate.allows("77.75.156.12".parse().unwrap()));
        assert!(!gate.allows("127.0.0.1".parse().unwrap()));
    }

    #[test]
    fn bad_ranges_are_named() {
        assert_eq!(parse_ranges("10.0.0.0/8, nonsense"), Err("nonsense".into()));
        assert_eq!(parse_ranges("1.2.3.4").unwrap().len(), 1);
    }
}
