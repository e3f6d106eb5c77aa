//! The cache and session store, on its own and inside the running app, including a real Redis
//! that goes down mid-run.

use std::time::Duration;

use domain::store::{SharedStore, StoreHealth};
use serde_json::Value;

use crate::{
    metrics,
    support::{Db, Options, OwnRedis, Store, app_with_exchange, free_port, record, spawn_app_with},
};

async fn behaves_like_a_store(store: &SharedStore) {
    let key = format!("test:{}", std::process::id());
    assert_eq!(store.get(&key).await, None);
    store.set(&key, b"value", Duration::from_secs(60)).await;
    assert_eq!(store.get(&key).await.as_deref(), Some(&b"value"[..]));
    store.delete(&key).await;
    assert_eq!(store.get(&key).await, None);

    store
        .set_json(&key, &vec![1, 2, 3], Duration::from_millis(300))
        .await;
    assert_eq!(store.get_json::<Vec<i32>>(&key).await, Some(vec![1, 2, 3]));
    // Hits counted in a window its first hit opens.
    let knocks = format!("{key}:knocks");
    let window = Duration::from_millis(300);
    for expected in 1..=3 {
        assert_eq!(store.hit(&knocks, window).await.hits, expected);
    }
    let counted = store.hits(&knocks).await;
    assert_eq!(counted.hits, 3, "looking counts nothing");
    assert!(counted.resets_in <= window, "{counted:?}");
    assert_eq!(store.hits(&format!("{key}:other")).await.hits, 0);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        store.get(&key).await,
        None,
        "the entry outlived its time to live"
    );
    assert_eq!(store.hits(&knocks).await.hits, 0, "the window ended");
    assert_eq!(store.hit(&knocks, window).await.hits, 1, "a new window");
}

#[tokio::test]
async fn the_in_process_store_keeps_values_until_they_expire() {
    record("store_in_process", Db::Sqlite, Store::InProcess);
    let store = SharedStore::in_process();
    behaves_like_a_store(&store).await;
    assert_eq!(store.health(), StoreHealth::InProcess);
}

#[tokio::test]
async fn the_redis_store_keeps_values_until_they_expire() {
    record("store_redis", Db::Sqlite, Store::Redis);
    // The shared Redis when one is configured, else one of the test's own.
    let own = std::env::var("REDIS_URL")
        .is_err()
        .then(|| OwnRedis::start(free_port()));
    let url = own
        .as_ref()
        .map(OwnRedis::url)
        .unwrap_or_else(|| std::env::var("REDIS_URL").unwrap());
    let store = SharedStore::with_redis(&url, "test-store").unwrap();
    let _own = match own {
        Some(redis) => Some(redis.until_up(&store).await),
        None => None,
    };
    behaves_like_a_store(&store).await;
    assert_eq!(store.check().await, StoreHealth::Up);

    // Another deployment on the same Redis, with its own prefix, sees none of these keys.
    let staging = SharedStore::with_redis(&url, "test-store-staging").unwrap();
    store
        .set("shared-name", b"production", Duration::from_secs(60))
        .await;
    assert_eq!(staging.get("shared-name").await, None);
    staging
        .set("shared-name", b"staging", Duration::from_secs(60))
        .await;
    assert_eq!(
        store.get("shared-name").await.as_deref(),
        Some(&b"production"[..])
    );
}

#[tokio::test]
async fn a_moment_of_slowness_in_redis_signs_nobody_out() {
    record("store_redis_slow", Db::Sqlite, Store::Redis);
    let port = free_port();
    let redis = OwnRedis::start(port);
    let store = SharedStore::with_redis(&redis.url(), "test-store-slow").unwrap();
    let _redis = redis.until_up(&store).await;
    store
        .set("session:busy", b"signed-in", Duration::from_secs(60))
        .await;

    // Redis stalls for 0.7 s: longer than one answer may take, shorter than two.
    let mut stall = tokio::process::Command::new("redis-cli")
        .args(["-p", &port.to_string(), "DEBUG", "SLEEP", "0.7"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        store.get("session:busy").await.as_deref(),
        Some(&b"signed-in"[..]),
        "the session is still found"
    );
    assert_eq!(
        store.health(),
        StoreHealth::Up,
        "and no outage was declared"
    );
    stall.wait().await.unwrap();
}

#[tokio::test]
async fn when_redis_dies_the_store_falls_back_and_recovers_when_it_returns() {
    record("store_redis_outage", Db::Sqlite, Store::Redis);
    let port = free_port();
    let redis = OwnRedis::start(port);
    let store = SharedStore::with_redis(&redis.url(), "test-store-outage").unwrap();
    let redis = redis.until_up(&store).await;

    store
        .set("session:a", b"before", Duration::from_secs(60))
        .await;
    assert_eq!(
        store.get("session:a").await.as_deref(),
        Some(&b"before"[..])
    );

    drop(redis);
    // Every call still answers, from the in-process fallback, and promptly.
    let started = std::time::Instant::now();
    store
        .set("session:b", b"during", Duration::from_secs(60))
        .await;
    assert_eq!(
        store.get("session:b").await.as_deref(),
        Some(&b"during"[..])
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the fallback waited too long"
    );
    assert!(
        matches!(store.health(), StoreHealth::Degraded { .. }),
        "{:?}",
        store.health()
    );

    let redis = OwnRedis::start(port);
    let _redis = redis.until_up(&store).await;
    assert_eq!(store.health(), StoreHealth::Up);
    store
        .set("session:c", b"after", Duration::from_secs(60))
        .await;
    assert_eq!(store.get("session:c").await.as_deref(), Some(&b"after"[..]));
}

#[tokio::test]
async fn with_redis_down_the_app_still_serves_and_readyz_says_degraded() {
    let closed = free_port();
    let app = spawn_app_with(
        "app_redis_down",
        (Db::Sqlite, Store::Redis),
        Options {
            extra_vars: vec![("REDIS_URL", format!("redis://127.0.0.1:{closed}"))],
        },
    )
    .await;

    let page = app.get("/").await;
    assert_eq!(page.status(), 200);
    let status = app
        .client
        .post(app.url("/api/fn/service_status"))
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(status.status(), 200);

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(body["checks"]["store"]["state"], "degraded");
    assert_eq!(body["checks"]["store"]["backend"], "Redis");
}

/// Every key a Redis holds, sorted.
async fn keys_in(url: &str) -> Vec<String> {
    let client = redis::Client::open(url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut connection)
        .await
        .unwrap();
    keys.sort();
    keys
}

/// Leaves a Redis `room` bytes above what it uses now, evicting nothing once that is reached
/// (`noeviction`, Redis's default): it then refuses writes that need more memory.
async fn fill_up_soon(url: &str, room: u64) {
    let client = redis::Client::open(url).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let info: String = redis::cmd("INFO")
        .arg("memory")
        .query_async(&mut connection)
        .await
        .unwrap();
    let used: u64 = info
        .lines()
        .find_map(|line| line.strip_prefix("used_memory:"))
        .and_then(|bytes| bytes.trim().parse().ok())
        .expect("INFO memory says how much Redis uses");
    for (name, value) in [
        ("maxmemory-policy", "noeviction".to_owned()),
        ("maxmemory", (used + room).to_string()),
    ] {
        redis::cmd("CONFIG")
            .arg("SET")
            .arg(name)
            .arg(value)
            .query_async::<()>(&mut connection)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn a_full_redis_refuses_the_cache_but_signs_nobody_out() {
    record("store_redis_full", Db::Sqlite, Store::Redis);
    let redis = OwnRedis::start(free_port());
    let store = SharedStore::with_redis(&redis.url(), "test-store-full").unwrap();
    let redis = redis.until_up(&store).await;
    // Another instance of the same deployment.
    let other = SharedStore::with_redis(&redis.url(), "test-store-full").unwrap();
    let hour = Duration::from_secs(3600);
    store.set("session:before", b"signed-in", hour).await;
    store
        .set("cache:list:tver", b"an hour-old page", hour)
        .await;

    // The exchange's answers pour in until Redis, out of memory, refuses them.
    fill_up_soon(&redis.url(), 256 * 1024).await;
    let answer = vec![b'x'; 16 * 1024];
    for n in 0..100 {
        store.set(&format!("cache:list:{n}"), &answer, hour).await;
    }
    let held = keys_in(&redis.url()).await;
    assert!(
        held.len() < 60,
        "Redis refused no answer, so the story tests nothing: it holds {} keys",
        held.len()
    );

    // A full Redis still answers: it is not called down, and nothing is read from elsewhere.
    assert_eq!(
        store.health(),
        StoreHealth::Up,
        "a full Redis was called down"
    );
    assert_eq!(
        store.get("session:before").await.as_deref(),
        Some(&b"signed-in"[..]),
        "the driver signed in before Redis filled up was signed out on this instance"
    );
    assert_eq!(
        other.get("session:before").await.as_deref(),
        Some(&b"signed-in"[..]),
        "and on the other"
    );
    // The answers Redis refused are served from this instance's memory.
    assert_eq!(
        store.get("cache:list:99").await.as_deref(),
        Some(&answer[..]),
        "an answer Redis refused was lost"
    );
    // A page Redis held from before is refreshed: the fresh one is served, not Redis's old one.
    store.set("cache:list:tver", b"a fresh page", hour).await;
    assert_eq!(
        store.get("cache:list:tver").await.as_deref(),
        Some(&b"a fresh page"[..]),
        "the old page Redis still held was served over the fresh one it refused"
    );
    // A driver signing in now is kept by the instance that signed them in.
    store
        .set_mirrored("session:during", b"signed-in", hour)
        .await;
    assert_eq!(
        store.get("session:during").await.as_deref(),
        Some(&b"signed-in"[..])
    );
}

#[tokio::test]
async fn cached_answers_in_a_redis_of_their_own_never_touch_the_sessions_redis() {
    record("store_redis_cache_apart", Db::Sqlite, Store::Redis);
    let (shared, cache) = (OwnRedis::start(free_port()), OwnRedis::start(free_port()));
    let (shared_url, cache_url) = (shared.url(), cache.url());
    let prefix = "test-store-apart";
    let store =
        SharedStore::with_redis_trusting(&shared_url, Some(&cache_url), None, prefix).unwrap();
    let (_shared, cache) = (shared.until_up(&store).await, cache);
    let other =
        SharedStore::with_redis_trusting(&shared_url, Some(&cache_url), None, prefix).unwrap();
    let hour = Duration::from_secs(3600);

    store.set("session:anna", b"signed-in", hour).await;
    store.set("cache:list:moscow", b"[cards]", hour).await;
    assert_eq!(
        keys_in(&shared_url).await,
        ["test-store-apart:session:anna"]
    );
    assert_eq!(
        keys_in(&cache_url).await,
        ["test-store-apart:cache:list:moscow"]
    );
    assert_eq!(
        other.get("cache:list:moscow").await.as_deref(),
        Some(&b"[cards]"[..]),
        "the other instance reads the cached answer from the cache's Redis"
    );

    // The cache's Redis dies: the answers go to each instance's memory, the sessions stay shared.
    drop(cache);
    store.set("cache:list:tver", b"[more cards]", hour).await;
    assert_eq!(
        store.get("cache:list:tver").await.as_deref(),
        Some(&b"[more cards]"[..])
    );
    store.set("session:boris", b"signed-in", hour).await;
    assert_eq!(
        other.get("session:boris").await.as_deref(),
        Some(&b"signed-in"[..]),
        "a session begun while the cache's Redis was down was not shared"
    );
    match store.health() {
        StoreHealth::Degraded { reason } => {
            assert!(reason.starts_with("the cache's Redis"), "{reason}");
        }
        health => panic!("the cache's Redis is down, yet the store says {health:?}"),
    }
}

#[tokio::test]
async fn a_server_told_of_a_cache_redis_keeps_the_exchanges_answers_there() {
    let (shared, cache) = (OwnRedis::start(free_port()), OwnRedis::start(free_port()));
    let (shared_url, cache_url) = (shared.url(), cache.url());
    let probe =
        SharedStore::with_redis_trusting(&shared_url, Some(&cache_url), None, "probe").unwrap();
    let (_shared, _cache) = (shared.until_up(&probe).await, cache);
    let (_exchange, mut app) = app_with_exchange(
        "app_redis_cache_apart",
        (Db::Sqlite, Store::Redis),
        &[
            ("REDIS_URL", &shared_url),
            ("REDIS_CACHE_URL", &cache_url),
            ("REDIS_KEY_PREFIX", "apart"),
            (
                "SERVICE_TOKEN_MONITORING_HASH",
                &domain::service_tokens::hash(metrics::MONITORING),
            ),
        ],
    )
    .await;
    app.sign_in_as(serde_json::json!({"id": 730_001, "first_name": "Анна", "language_code": "ru"}))
        .await;
    let list = app.get("/api/v1/cargos?limit=20").await;
    assert_eq!(list.status(), 200);

    let cached = keys_in(&cache_url).await;
    assert!(
        !cached.is_empty() && cached.iter().all(|key| key.starts_with("apart:cache:")),
        "the cache's Redis holds {cached:?}"
    );
    let shared = keys_in(&shared_url).await;
    assert!(
        shared.iter().any(|key| key.starts_with("apart:session")),
        "the shared Redis holds no session: {shared:?}"
    );
    assert!(
        !shared.iter().any(|key| key.starts_with("apart:cache:")),
        "a cached answer landed in the shared Redis: {shared:?}"
    );
    let ready: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["checks"]["store"]["state"], "up", "{ready}");

    // The cache's Redis fills up: lists are still answered, and monitoring sees the refusals.
    let refused = || async {
        let page = metrics::scrape(&app).await;
        metrics::counted(
            &page,
            "hauler_store_writes_refused_total",
            &[("redis", "cache")],
        )
    };
    let before = refused().await;
    fill_up_soon(&cache_url, 0).await;
    for city in 1..=3 {
        let list = app
            .get(&format!("/api/v1/cargos?from_city_id={city}&limit=20"))
            .await;
        assert_eq!(
            list.status(),
            200,
            "a list asked while the cache's Redis is full"
        );
    }
    assert!(
        refused().await > before,
        "the full cache's Redis refused nothing monitoring could see"
    );
    let ready: Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(
        ready["checks"]["store"]["state"], "up",
        "a full Redis is not down: {ready}"
    );
}
