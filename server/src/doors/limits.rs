//! Counting knocks at each door in the shared store (the same counts on every instance with
//! Redis), per driver and per client address. Promo codes are also limited by wrong guesses: once a
//! driver or an address has tried too many codes that do not exist, every promo code it sends is
//! refused until the window ends, whether it comes to be checked, redeemed or paid with
//! ([`Doors::admit_promo_code`]).

use std::{
    fmt,
    net::{IpAddr, Ipv6Addr},
    sync::Arc,
    time::Duration,
};

use domain::{DriverId, store::SharedStore};

use crate::config::{Allowance, DoorsConfig};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    SignIn,
    Trial,
    /// Checking or redeeming a promo code.
    Promo,
    /// Opening a payment, which may carry a promo code.
    Payment,
    Respond,
    /// Saving a filter or changing the remembered one.
    Filters,
    /// Making a one-time link that opens the cabinet in another browser.
    CabinetLink,
}

impl Door {
    fn name(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::Trial => "trial",
            Self::Promo => "promo",
            Self::Payment => "payment",
            Self::Respond => "respond",
            Self::Filters => "filters",
            Self::CabinetLink => "cabinet_link",
        }
    }
}

impl fmt::Display for Door {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A knock refused: the door opens again after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub retry_after: Duration,
}

#[derive(Clone)]
pub struct Doors {
    store: SharedStore,
    limits: Arc<DoorsConfig>,
}

/// What a count is kept for: the door's knocks, or wrong promo codes.
const WRONG_PROMO: &str = "wrong_promo";

impl Doors {
    pub fn new(store: SharedStore, limits: DoorsConfig) -> Self {
        Self {
            store,
            limits: Arc::new(limits),
        }
    }

    /// Counts a knock at `door` by `driver` (when signed in) from `client`, or refuses it when
    /// either has knocked as often as the door takes in its window.
    pub async fn knock(
        &self,
        door: Door,
        driver: Option<DriverId>,
        client: IpAddr,
    ) -> Result<(), Refused> {
        let allowance = self.allowance(door);
        for (key, limit) in keys(door.name(), allowance, driver, client) {
            let count = self.store.hit(&key, allowance.window).await;
            if count.hits > u64::from(limit) {
                return Err(refused(count.resets_in));
            }
        }
        Ok(())
    }

    /// Counts a promo code that does not exist, tried by `driver` from `client`.
    pub async fn wrong_promo_code(&self, driver: Option<DriverId>, client: IpAddr) {
        let allowance = self.limits.wrong_promo;
        for (key, _) in keys(WRONG_PROMO, allowance, driver, client) {
            self.store.hit(&key, allowance.window).await;
        }
    }

    /// Whether `driver` (when signed in) from `client` may try a promo code: not while either has
    /// tried too many that do not exist in the window.
    pub async fn admit_promo_code(
        &self,
        driver: Option<DriverId>,
        client: IpAddr,
    ) -> Result<(), Refused> {
        let allowance = self.limits.wrong_promo;
        for (key, limit) in keys(WRONG_PROMO, allowance, driver, client) {
            let count = self.store.hits(&key).await;
            if count.hits >= u64::from(limit) {
                return Err(refused(count.resets_in));
            }
        }
        Ok(())
    }

    fn allowance(&self, door: Door) -> Allowance {
        let limits = &self.limits;
        match door {
            Door::SignIn => limits.sign_in,
            Door::Trial => limits.trial,
            Door::Promo => limits.promo,
            Door::Payment => limits.payment,
            Door::Respond => limits.respond,
            Door::Filters => limits.filters,
            Door::CabinetLink => limits.cabinet_link,
        }
    }
}

/// The counters a knock counts in, each with its limit: the address's, and the driver's when the
/// door knows drivers and the knock comes from one.
fn keys(
    what: &str,
    allowance: Allowance,
    driver: Option<DriverId>,
    client: IpAddr,
) -> Vec<(String, u32)> {
    let mut keys = vec![(
        format!("door:{what}:address:{}", network(client)),
        allowance.per_address,
    )];
    if let (Some(driver), Some(limit)) = (driver, allowance.per_driver) {
        keys.push((format!("door:{what}:driver:{driver}"), limit));
    }
    keys
}

/// An IPv6 client owns its whole /64 (one home or phone gets one), so that is what is counted.
fn network(client: IpAddr) -> IpAddr {
    match client {
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            IpAddr::V6(Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
        }
        v4 => v4,
    }
}

/// A whole second at least: `Retry-After` counts in seconds.
fn refused(resets_in: Duration) -> Refused {
    let seconds = resets_in.as_secs() + u64::from(resets_in.subsec_nanos() > 0);
    Refused {
        retry_after: Duration::from_secs(seconds.max(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    fn doors() -> Doors {
        let tight = Allowance {
            per_driver: Some(2),
            per_address: 3,
            window: MINUTE,
        };
        Doors::new(
            SharedStore::in_process(),
            DoorsConfig {
                sign_in: Allowance {
                    per_driver: None,
                    ..tight
                },
                trial: tight,
                promo: tight,
                wrong_promo: Allowance {
                    per_driver: Some(1),
                    per_address: 5,
                    window: MINUTE,
                },
                payment: tight,
                respond: tight,
                filters: tight,
                cabinet_link: tight,
                live_per_driver: 1,
                pace: crate::config::PaceRules {
                    per_second: 1,
                    burst: 1,
                },
            },
        )
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[tokio::test]
    async fn a_driver_over_the_limit_is_refused_while_another_is_served() {
        let doors = doors();
        let (one, two) = (Some(DriverId::from(1)), Some(DriverId::from(2)));
        let home = ip("203.0.113.1");
        assert!(doors.knock(Door::Trial, one, home).await.is_ok());
        assert!(doors.knock(Door::Trial, one, home).await.is_ok());
        let refused = doors.knock(Door::Trial, one, home).await.unwrap_err();
        assert!(refused.retry_after > Duration::ZERO && refused.retry_after <= MINUTE);
        assert!(
            doors
                .knock(Door::Trial, two, ip("203.0.113.2"))
                .await
                .is_ok()
        );
        assert!(
            doors.knock(Door::Respond, one, home).await.is_ok(),
            "doors count apart"
        );
    }

    #[tokio::test]
    async fn an_address_over_the_limit_is_refused_whoever_knocks() {
        let doors = doors();
        let shared = ip("2001:db8::1");
        for driver in 1..=3 {
            assert!(
                doors
                    .knock(Door::SignIn, Some(DriverId::from(driver)), shared)
                    .await
                    .is_ok()
            );
        }
        let neighbour = ip("2001:db8::ffff");
        assert!(
            doors.knock(Door::SignIn, None, neighbour).await.is_err(),
            "the same /64"
        );
        assert!(
            doors
                .knock(Door::SignIn, None, ip("2001:db8:1::1"))
                .await
                .is_ok()
        );
    }

    #[tokio::test]
    async fn wrong_promo_codes_keep_the_guesser_from_trying_more() {
        let doors = doors();
        let (guesser, home) = (Some(DriverId::from(7)), ip("198.51.100.7"));
        assert!(doors.admit_promo_code(guesser, home).await.is_ok());
        doors.wrong_promo_code(guesser, home).await;
        let refused = doors.admit_promo_code(guesser, home).await.unwrap_err();
        assert!(refused.retry_after <= MINUTE);
        assert!(
            doors.knock(Door::Promo, guesser, home).await.is_ok(),
            "other knocks count apart"
        );
        let neighbour = Some(DriverId::from(8));
        assert!(
            doors.admit_promo_code(neighbour, home).await.is_ok(),
            "the address has room"
        );
        for _ in 0..5 {
            doors.wrong_promo_code(neighbour, ip("198.51.100.8")).await;
        }
        assert!(
            doors
                .admit_promo_code(None, ip("198.51.100.8"))
                .await
                .is_err(),
            "nor the address"
        );
    }
}
