//! How many logins this instance checks at once: two per client address and two per core in
//! all (one hashing, one waiting its turn). Checking a password costs a core for tens of
//! milliseconds (see [`super::passwords`]), so a burst beyond that would only queue; it is
//! refused at once instead (the dashboard says to try again in a moment), and one address's
//! burst cannot take every place from the others.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

const PER_ADDRESS: usize = 2;
const PER_CORE: usize = 2;

#[derive(Clone)]
pub struct LoginGate {
    inner: Arc<Places>,
}

struct Places {
    total: usize,
    taken: Mutex<Taken>,
}

#[derive(Default)]
struct Taken {
    total: usize,
    by_address: HashMap<String, usize>,
}

/// A place in the gate, given back when dropped.
pub struct Admitted {
    places: Arc<Places>,
    address: String,
}

impl LoginGate {
    pub fn for_this_machine() -> Self {
        Self::with_places(PER_CORE * std::thread::available_parallelism().map_or(2, usize::from))
    }

    fn with_places(total: usize) -> Self {
        Self {
            inner: Arc::new(Places {
                total,
                taken: Mutex::new(Taken::default()),
            }),
        }
    }

    /// A place for a login from `address`, or `None` when this address or the instance has as
    /// many logins in hand as it may.
    pub fn admit(&self, address: &str) -> Option<Admitted> {
        let mut taken = self
            .inner
            .taken
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        let at_address = taken.by_address.get(address).copied().unwrap_or(0);
        if taken.total >= self.inner.total || at_address >= PER_ADDRESS {
            return None;
        }
        taken.total += 1;
        taken.by_address.insert(address.to_owned(), at_address + 1);
        Some(Admitted {
            places: self.inner.clone(),
            address: address.to_owned(),
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut taken = self
            .places
            .taken
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        taken.total -= 1;
        if let Some(count) = taken.by_address.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                taken.by_address.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_takes_two_places_and_the_others_keep_theirs() {
        let gate = LoginGate::with_places(3);
        let first = gate.admit("203.0.113.7").unwrap();
        let _second = gate.admit("203.0.113.7").unwrap();
        assert!(gate.admit("203.0.113.7").is_none(), "a third at once");
        let other = gate.admit("198.51.100.1").unwrap();
        assert!(gate.admit("198.51.100.2").is_none(), "the instance is full");
        drop(other);
        drop(first);
        let _again = gate.admit("203.0.113.7").expect("a place given back");
        assert!(gate.admit("198.51.100.2").is_some());
    }
}
