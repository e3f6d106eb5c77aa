//! The cache and session store, on its own and inside the running app, including a real Redis
//! that goes down mid-run.

use std::time::Duration;

use domain::store::{SharedStore, StoreHealth};
use serde_json::Value;

use crate::support::{Db, Options, OwnRedis, Store, free_port, record, spawn_app_with};

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
