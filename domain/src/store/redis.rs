//! The Redis side of the store: bytes under prefixed keys, and leases that one instance at a time
//! holds, each taken or renewed by one atomic script so that two instances can never
//! both believe they hold one, and counters of hits in windows, each hit counted by one script.

use std::{path::Path, time::Duration};

use redis::{
    AsyncCommands, Client, TlsCertificates,
    aio::{ConnectionManager, ConnectionManagerConfig},
};

use super::{KeyValueStore, StoreError, WindowCount};

/// A request to Redis that takes longer than this counts as a failure: the fallback is faster.
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// Takes the lease if it is free, renews it if the caller holds it: 1 when the caller holds it.
const HOLD_LEASE: &str = r"
local holder = redis.call('GET', KEYS[1])
if holder == false then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1
elseif holder == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return 1
end
return 0
";

/// Counts a hit in the key's window, opening the window with the first hit: `{hits, ms left}`.
const COUNT_HIT: &str = r"
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    left = tonumber(ARGV[1])
end
return {hits, left}
";

/// The hits in the key's open window, counting none: `{hits, ms left}`, `{0, 0}` without one.
const PEEK_HITS: &str = r"
local hits = redis.call('GET', KEYS[1])
if hits == false then
    return {0, 0}
end
return {tonumber(hits), math.max(redis.call('PTTL', KEYS[1]), 0)}
";

/// Deletes the lease only if the caller still holds it: 1 when it did.
const RELEASE_LEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('DEL', KEYS[1])
end
return 0
";

#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    /// Every key is `<prefix>:<key>`, so deployments (or test servers) can share one Redis.
    prefix: std::sync::Arc<str>,
}

impl RedisStore {
    /// Builds the client without connecting; the first command connects (and reconnects later).
    pub fn connect_lazily(
        url: &str,
        ca_file: Option<&Path>,
        prefix: &str,
    ) -> Result<Self, StoreError> {
        let client = client(url, ca_file)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|error| StoreError::BadUrl(error.to_string()))?;
        Ok(Self {
            connection,
            prefix: prefix.into(),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.prefix)
    }

    /// The underlying connection, for other shared structures (the upstream budget).
    pub fn connection(&self) -> redis::aio::ConnectionManager {
        self.connection.clone()
    }

    /// Takes or renews the lease under `key` for `holder`, in one step: `true` while it holds it.
    pub async fn hold_lease(
        &self,
        key: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let mut connection = self.connection.clone();
        let held: i64 = redis::cmd("EVAL")
            .arg(HOLD_LEASE)
            .arg(1)
            .arg(self.key(key))
            .arg(holder)
            .arg(millis(ttl))
            .query_async(&mut connection)
            .await
            .map_err(failure)?;
        Ok(held == 1)
    }

    /// Counts one hit under `key` in a window of `window` that its first hit opened.
    pub async fn hit(&self, key: &str, window: Duration) -> Result<WindowCount, StoreError> {
        self.count(COUNT_HIT, key, &[millis(window)]).await
    }

    /// The hits under `key` in its open window, counting none.
    pub async fn peek(&self, key: &str) -> Result<WindowCount, StoreError> {
        self.count(PEEK_HITS, key, &[]).await
    }

    async fn count(
        &self,
        script: &str,
        key: &str,
        args: &[u64],
    ) -> Result<WindowCount, StoreError> {
        let mut connection = self.connection.clone();
        let (hits, left): (u64, u64) = redis::cmd("EVAL")
            .arg(script)
            .arg(1)
            .arg(self.key(key))
            .arg(args)
            .query_async(&mut connection)
            .await
            .map_err(failure)?;
        Ok(WindowCount {
            hits,
            resets_in: Duration::from_millis(left),
        })
    }

    /// Lets the lease under `key` go if `holder` still holds it, in one step.
    pub async fn release_lease(&self, key: &str, holder: &str) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        redis::cmd("EVAL")
            .arg(RELEASE_LEASE)
            .arg(1)
            .arg(self.key(key))
            .arg(holder)
            .query_async::<i64>(&mut connection)
            .await
            .map(drop)
            .map_err(failure)
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
            .map(drop)
            .map_err(failure)
    }
}

/// A Redis client for `url`: `rediss://` speaks TLS, checking the server's certificate against
/// `ca_file` when one is given, else against the system's authorities.
pub fn client(url: &str, ca_file: Option<&Path>) -> Result<Client, StoreError> {
    let bad_url = |error: redis::RedisError| StoreError::BadUrl(error.to_string());
    let Some(ca_file) = ca_file else {
        return Client::open(url).map_err(bad_url);
    };
    let root_cert = std::fs::read(ca_file).map_err(|error| {
        StoreError::BadUrl(format!("cannot read {}: {error}", ca_file.display()))
    })?;
    let certificates = TlsCertificates {
        client_tls: None,
        root_cert: Some(root_cert),
    };
    Client::build_with_tls(url, certificates).map_err(bad_url)
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// Too slow, full (`OOM`: `maxmemory` reached under `noeviction`, so writes are refused), or not
/// answering.
fn failure(error: redis::RedisError) -> StoreError {
    if error.is_timeout() {
        StoreError::Slow
    } else if error.code() == Some("OOM") {
        StoreError::Full
    } else {
        StoreError::Unreachable(error.to_string())
    }
}

impl KeyValueStore for RedisStore {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut connection = self.connection.clone();
        connection.get(self.key(key)).await.map_err(failure)
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("PX")
            .arg(millis(ttl))
            .query_async::<()>(&mut connection)
            .await
            .map_err(failure)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        connection
            .del::<_, ()>(self.key(key))
            .await
            .map_err(failure)
    }

    async fn set_if_absent(
        &self,
        key: &str,
        value: &[u8],
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let mut connection = self.connection.clone();
        let answer: Option<String> = redis::cmd("SET")
            .arg(self.key(key))
            .arg(value)
            .arg("NX")
            .arg("PX")
            .arg(millis(ttl))
            .query_async(&mut connection)
            .await
            .map_err(failure)?;
        Ok(answer.is_some())
    }
}
