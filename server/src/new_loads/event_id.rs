//! Where an event stands in its filter's feed, the same on every instance: what a reconnecting
//! Mini App sends back as `Last-Event-ID` to get what it missed.

use std::fmt;

/// An event's place in its filter's feed: milliseconds, then a sequence within them (Redis
/// stream ids have this shape). Sent as `<ms>-<seq>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventId {
    pub(super) ms: u64,
    pub(super) seq: u64,
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

impl std::str::FromStr for EventId {
    type Err = ();

    fn from_str(text: &str) -> Result<Self, ()> {
        let (ms, seq) = text.split_once('-').unwrap_or((text, "0"));
        Ok(Self {
            ms: ms.parse().map_err(drop)?,
            seq: seq.parse().map_err(drop)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::EventId;

    #[test]
    fn event_ids_read_as_redis_writes_them_and_order_by_time_then_sequence() {
        let early: EventId = "1732345678901-0".parse().unwrap();
        let same_ms: EventId = "1732345678901-1".parse().unwrap();
        let later: EventId = "1732345678902".parse().unwrap();
        assert!(early < same_ms && same_ms < later);
        assert_eq!(same_ms.to_string(), "1732345678901-1");
        assert!("".parse::<EventId>().is_err());
        assert!("12-x".parse::<EventId>().is_err());
    }
}
