//! The Redis side of the store: bytes under prefixed keys, and leases that one instance at a time
//! holds, each taken or renewed by one atomic script so that two instances can never
//! both believe they hold one, and counters of hits in windows, each hit counted by one script.

use std::{path::Path, sync::Arc, time::Duration};

use redis::{
    AsyncCommands, Client, Cmd, ErrorKind, FromRedisValue, RedisError, RedisResult,
    ScriptInvocation, TlsCertificates,
    aio::{ConnectionManager, ConnectionManagerConfig},
};

use super::{
    KeyValueStore, StoreError, WindowCount,
    resting::{Resting, Turn},
};

/// A request to Redis that takes longer than this counts as a failure: the fallback is faster.
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
const CONNECT_TIMEOUT: Duration = Duration::from_millis(500);
/// A ping to a Redis at rest that has not answered by then found it silent (with the connection
/// manager's own retry it gives up sooner).
const PING_WITHIN: Duration = Duration::from_secs(3);

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
    prefix: Arc<str>,
    /// Shared by every clone: whatever asks this Redis leaves it alone together.
    resting: Arc<Resting>,
}

impl RedisStore {
    /// Builds the client without connecting; the first command connects (and reconnects later).
    /// `name` says which Redis it is in logs.
    pub fn connect_lazily(
        url: &str,
        ca_file: Option<&Path>,
        prefix: &str,
        name: &'static str,
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
            resting: Arc::new(Resting::new(name)),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.prefix)
    }

    /// Whether to ask Redis now: not while it is left alone after a failure. Once its rest is
    /// over, a ping in the background tries it, and it is asked again when that answers.
    pub fn answering(&self) -> bool {
        match self.resting.turn() {
            Turn::Ask => true,
            Turn::LeaveAlone => false,
            Turn::Probe => !self.ping_in_background(),
        }
    }

    /// Runs a script, unless Redis is left alone (then it fails at once); how it went is noted
    /// for everything that asks this Redis.
    pub async fn invoke<T: FromRedisValue>(&self, script: &ScriptInvocation<'_>) -> RedisResult<T> {
        if !self.answering() {
            return Err(left_alone());
        }
        let outcome = script.invoke_async(&mut self.connection.clone()).await;
        self.note(&outcome);
        outcome
    }

    /// As [`Self::invoke`], for a command.
    pub async fn query<T: FromRedisValue>(&self, command: &Cmd) -> RedisResult<T> {
        if !self.answering() {
            return Err(left_alone());
        }
        let outcome = command.query_async(&mut self.connection.clone()).await;
        self.note(&outcome);
        outcome
    }

    /// Notes how a command went: an answer (an error Redis replied with is one) ends Redis's
    /// rest, a failure to get one starts one.
    fn note<T>(&self, outcome: &RedisResult<T>) {
        match outcome {
            Err(error) if error.code().is_none() => self.failed(&failure(error)),
            _ => self.answered(),
        }
    }

    pub(super) fn answered(&self) {
        self.resting.answered();
    }

    pub(super) fn failed(&self, error: &StoreError) {
        if matches!(error, StoreError::Full) {
            self.resting.answered();
        } else {
            self.resting.failed(error.to_string());
        }
    }

    /// Why Redis is left alone; `None` while it answers.
    pub(super) fn rest_reason(&self) -> Option<String> {
        self.resting.reason()
    }

    /// Pings Redis from a task of its own, noting the answer; `false` outside a runtime (the
    /// caller asks instead, and its answer is noted).
    fn ping_in_background(&self) -> bool {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return false;
        };
        let redis = self.clone();
        runtime.spawn(async move {
            match tokio::time::timeout(PING_WITHIN, redis.ping()).await {
                Ok(Ok(())) => redis.answered(),
                Ok(Err(error)) => redis.failed(&error),
                Err(_) => redis.failed(&StoreError::Slow),
            }
        });
        true
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
            .map_err(|error| failure(&error))?;
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
            .map_err(|error| failure(&error))?;
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
            .map_err(|error| failure(&error))
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
            .map(drop)
            .map_err(|error| failure(&error))
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

/// What a command is told at once while Redis is left alone.
fn left_alone() -> RedisError {
    RedisError::from((ErrorKind::Client, "Redis is left alone after a failure"))
}

fn millis(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// Too slow, full (`OOM`: `maxmemory` reached under `noeviction`, so writes are refused), or not
/// answering.
fn failure(error: &RedisError) -> StoreError {
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
        connection
            .get(self.key(key))
            .await
            .map_err(|error| failure(&error))
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
            .map_err(|error| failure(&error))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let mut connection = self.connection.clone();
        connection
            .del::<_, ()>(self.key(key))
            .await
            .map_err(|error| failure(&error))
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
            .map_err(|error| failure(&error))?;
        Ok(answer.is_some())
    }
}
