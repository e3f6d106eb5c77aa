//! The fair share counted in Redis, shared by every instance: each a script run atomically on
//! Redis's own clock, so instances with skewed clocks agree. Keys, under the store's prefix:
//! `fair-share:calls:<driver>` (the driver's charges of the last minute, a sorted set),
//! `fair-share:active` (drivers by when they were last charged), and per five minutes
//! `fair-share:cost:<step>` (calls by driver) and `fair-share:kinds:<step>` (calls by kind),
//! kept a little over an hour.

use std::{collections::HashMap, time::Duration};

use domain::{DriverId, store::RedisStore};
use redis::{RedisResult, Script};

use super::{MINUTE, OverShare, STEP, STEPS_IN_AN_HOUR, UpstreamKind, UpstreamUse};

/// How long a step's counts are kept: the hour they count in, and a step more.
const KEEP: Duration = Duration::from_secs(65 * 60);

/// KEYS[1] the driver's charges, KEYS[2] the active drivers. ARGV: share, minute ms, active-for
/// ms, a unique member, driver, kind, the use keys' base, step ms, keep ms.
/// Returns {admitted (0/1), ms until the share has room, active drivers}.
const ADMIT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local share = tonumber(ARGV[1])
local minute = tonumber(ARGV[2])
local active_for = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - minute)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - active_for)
local used = redis.call('ZCARD', KEYS[1])
if used >= share then
  local wait = minute
  if share > 0 then
    local freeing = redis.call('ZRANGE', KEYS[1], used - share, used - share, 'WITHSCORES')
    if freeing[2] then wait = tonumber(freeing[2]) + minute - now end
  end
  return {0, math.max(wait, 1), redis.call('ZCARD', KEYS[2])}
end
redis.call('ZADD', KEYS[1], now, now .. '-' .. ARGV[4])
redis.call('PEXPIRE', KEYS[1], minute)
redis.call('ZADD', KEYS[2], now, ARGV[5])
redis.call('PEXPIRE', KEYS[2], active_for)
local step = math.floor(now / tonumber(ARGV[8]))
local cost = ARGV[7] .. ':cost:' .. step
redis.call('ZINCRBY', cost, 1, ARGV[5])
redis.call('PEXPIRE', cost, tonumber(ARGV[9]))
local kinds = ARGV[7] .. ':kinds:' .. step
redis.call('HINCRBY', kinds, ARGV[6], 1)
redis.call('PEXPIRE', kinds, tonumber(ARGV[9]))
return {1, 0, redis.call('ZCARD', KEYS[2])}
";

/// ARGV: the use keys' base, kind, step ms, keep ms.
const RECORD: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local kinds = ARGV[1] .. ':kinds:' .. math.floor(now / tonumber(ARGV[3]))
redis.call('HINCRBY', kinds, ARGV[2], 1)
redis.call('PEXPIRE', kinds, tonumber(ARGV[4]))
return 1
";

/// ARGV: the use keys' base, step ms, steps in an hour. Returns {{kind, calls, …}, {driver,
/// calls, …}} over the last hour's steps, every value a string.
const LAST_HOUR: &str = r"
local t = redis.call('TIME')
local step = math.floor((tonumber(t[1]) * 1000) / tonumber(ARGV[2]))
local kinds, drivers = {}, {}
for s = step - tonumber(ARGV[3]) + 1, step do
  local counts = redis.call('HGETALL', ARGV[1] .. ':kinds:' .. s)
  for i = 1, #counts, 2 do kinds[counts[i]] = (kinds[counts[i]] or 0) + tonumber(counts[i + 1]) end
  local costs = redis.call('ZRANGE', ARGV[1] .. ':cost:' .. s, 0, -1, 'WITHSCORES')
  for i = 1, #costs, 2 do drivers[costs[i]] = (drivers[costs[i]] or 0) + tonumber(costs[i + 1]) end
end
local by_kind, by_driver = {}, {}
for kind, calls in pairs(kinds) do table.insert(by_kind, kind); table.insert(by_kind, tostring(calls)) end
for driver, calls in pairs(drivers) do table.insert(by_driver, driver); table.insert(by_driver, tostring(calls)) end
return {by_kind, by_driver}
";

pub(super) struct SharedLedger {
    redis: RedisStore,
    /// `<store prefix>:fair-share`.
    base: String,
}

impl SharedLedger {
    pub(super) fn new(redis: RedisStore, prefix: String) -> Self {
        Self {
            redis,
            base: format!("{prefix}:fair-share"),
        }
    }

    /// The driver charged, or refused; with the active drivers counted.
    pub(super) async fn admit(
        &self,
        driver: DriverId,
        kind: UpstreamKind,
        share: u32,
        active_for: Duration,
    ) -> RedisResult<(Result<(), OverShare>, u32)> {
        let driver = i64::from(driver);
        let script = Script::new(ADMIT);
        let mut admit = script.key(format!("{}:calls:{driver}", self.base));
        admit
            .key(format!("{}:active", self.base))
            .arg(share)
            .arg(millis(MINUTE))
            .arg(millis(active_for))
            .arg(rand::random::<u64>())
            .arg(driver)
            .arg(kind.as_str())
            .arg(&self.base)
            .arg(millis(STEP))
            .arg(millis(KEEP));
        let (admitted, wait_ms, active): (u8, u64, u32) = self.redis.invoke(&admit).await?;
        let outcome = if admitted == 1 {
            Ok(())
        } else {
            Err(OverShare {
                retry_after: Duration::from_millis(wait_ms).max(Duration::from_secs(1)),
            })
        };
        Ok((outcome, active.max(1)))
    }

    pub(super) async fn record(&self, kind: UpstreamKind) -> RedisResult<()> {
        let script = Script::new(RECORD);
        let mut record = script.arg(&self.base);
        record
            .arg(kind.as_str())
            .arg(millis(STEP))
            .arg(millis(KEEP));
        self.redis.invoke::<u8>(&record).await.map(drop)
    }

    pub(super) async fn last_hour(&self) -> RedisResult<UpstreamUse> {
        let script = Script::new(LAST_HOUR);
        let mut last_hour = script.arg(&self.base);
        last_hour.arg(millis(STEP)).arg(STEPS_IN_AN_HOUR);
        let (kinds, drivers): (Vec<String>, Vec<String>) = self.redis.invoke(&last_hour).await?;
        let mut used = UpstreamUse::default();
        for (kind, calls) in pairs(&kinds) {
            if let Some(kind) = UpstreamKind::parse(kind) {
                used.by_kind[kind.index()] = calls;
            }
        }
        let drivers: HashMap<DriverId, u64> = pairs(&drivers)
            .filter_map(|(driver, calls)| {
                Some((DriverId::from(driver.parse::<i64>().ok()?), calls))
            })
            .collect();
        used.drivers = super::costliest_first(drivers);
        Ok(used)
    }
}

/// `[name, count, name, count, …]` read as pairs; an unreadable count is none.
fn pairs(flat: &[String]) -> impl Iterator<Item = (&str, u64)> {
    flat.chunks_exact(2)
        .map(|pair| (pair[0].as_str(), pair[1].parse().unwrap_or(0)))
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}
