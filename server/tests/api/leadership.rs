//! Leases that let one instance at a time run a job (new-load alerts, the bot's polling, the
//! payments clockwork): on a real Redis shared by two instances, through a holder's lease lapsing
//! and through Redis dying and coming back; on the single instance without Redis; and on
//! PostgreSQL, which grants them whether Redis answers or not.

use std::time::Duration;

use domain::store::{SharedStore, StoreHealth};
use futures_util::future::join_all;

use crate::support::{Db, OwnRedis, Store, free_port, fresh_postgres_database, record, scalar};

const LEASE: &str = "lease:test-job";
const TTL: Duration = Duration::from_secs(30);

/// Two instances sharing one Redis (the same key prefix, as one deployment's instances do).
async fn two_instances(redis: OwnRedis, prefix: &str) -> (OwnRedis, SharedStore, SharedStore) {
    let first = SharedStore::with_redis(&redis.url(), prefix).unwrap();
    let second = SharedStore::with_redis(&redis.url(), prefix).unwrap();
    let redis = redis.until_up(&first).await.until_up(&second).await;
    (redis, first, second)
}

/// Every holder asks for the lease at the same moment; the holders that got it.
async fn contend<'a>(contenders: &[(&SharedStore, &'a str)]) -> Vec<&'a str> {
    let answers = join_all(
        contenders
            .iter()
            .map(|(store, holder)| store.hold_lease(LEASE, holder, TTL)),
    )
    .await;
    contenders
        .iter()
        .zip(answers)
        .filter(|(_, held)| *held)
        .map(|((_, holder), _)| *holder)
        .collect()
}

#[tokio::test]
async fn without_redis_the_one_instance_leads_through_its_own_store() {
    record("leadership_in_process", Db::Sqlite, Store::InProcess);
    let store = SharedStore::in_process();
    assert!(store.hold_lease(LEASE, "alerts", TTL).await);
    assert!(!store.hold_lease(LEASE, "another", TTL).await);
    assert!(store.hold_lease(LEASE, "alerts", TTL).await, "renewed");
    assert!(
        !store.hold_lease(LEASE, "another", TTL).await,
        "the holder keeps it while it renews"
    );
}

#[tokio::test]
async fn two_instances_contending_for_a_lease_on_redis_only_one_leads() {
    record("leadership_contention", Db::Sqlite, Store::Redis);
    let redis = OwnRedis::start(free_port());
    let (_redis, first, second) = two_instances(redis, "test-lease-contention").await;
    let contenders = [
        (&first, "first-a"),
        (&second, "second-a"),
        (&first, "first-b"),
        (&second, "second-b"),
        (&first, "first-c"),
        (&second, "second-c"),
    ];

    let leaders = contend(&contenders).await;
    assert_eq!(leaders.len(), 1, "{leaders:?}");
    for _ in 0..3 {
        assert_eq!(
            contend(&contenders).await,
            leaders,
            "the leader renews and nobody else takes over"
        );
    }
}

#[tokio::test]
async fn a_holder_whose_lease_lapsed_and_was_taken_cannot_renew_it() {
    record("leadership_lapsed", Db::Sqlite, Store::Redis);
    let redis = OwnRedis::start(free_port());
    let (_redis, first, second) = two_instances(redis, "test-lease-lapsed").await;

    assert!(
        first
            .hold_lease(LEASE, "paused", Duration::from_millis(300))
            .await
    );
    // The first holder stalls past its lease (a long garbage pause, a frozen VM).
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(second.hold_lease(LEASE, "successor", TTL).await);

    assert!(
        !first.hold_lease(LEASE, "paused", TTL).await,
        "the stalled holder cannot renew a lease another took"
    );
    assert!(
        !first.hold_lease(LEASE, "newcomer", TTL).await,
        "nor can anyone else on the stalled instance take it"
    );
    assert!(
        second.hold_lease(LEASE, "successor", TTL).await,
        "the successor keeps it"
    );
}

#[tokio::test]
async fn with_redis_down_nobody_leads_and_one_leads_again_when_it_returns() {
    record("leadership_redis_outage", Db::Sqlite, Store::Redis);
    let port = free_port();
    let (redis, first, second) = two_instances(OwnRedis::start(port), "test-lease-outage").await;
    assert!(first.hold_lease(LEASE, "leader", TTL).await);
    assert!(!second.hold_lease(LEASE, "follower", TTL).await);

    drop(redis);
    // Asked at once, then again once Redis is tried anew after a failure.
    for _ in 0..2 {
        let leaders = contend(&[(&first, "leader"), (&second, "follower")]).await;
        assert_eq!(
            leaders,
            Vec::<&str>::new(),
            "no instance leads from its own memory"
        );
        assert!(matches!(first.health(), StoreHealth::Degraded { .. }));
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    // The cache still answers from the in-process fallback meanwhile.
    first
        .set("cargo-list:during", b"cached", Duration::from_secs(60))
        .await;
    assert_eq!(
        first.get("cargo-list:during").await.as_deref(),
        Some(&b"cached"[..])
    );

    let _redis = OwnRedis::start(port)
        .until_up(&first)
        .await
        .until_up(&second)
        .await;
    let leaders = contend(&[(&first, "leader"), (&second, "follower")]).await;
    assert_eq!(leaders.len(), 1, "exactly one leads again: {leaders:?}");
    assert_eq!(
        contend(&[(&first, "leader"), (&second, "follower")]).await,
        leaders
    );
}

/// An instance that stops lets its lease go, so another takes the job over at once rather than
/// after the lease lapses; a release by anyone but the holder changes nothing.
#[tokio::test]
async fn a_lease_released_by_a_stopping_instance_goes_to_another_at_once() {
    record("leadership_release", Db::Sqlite, Store::Redis);
    let redis = OwnRedis::start(free_port());
    let (_redis, stopping, staying) = two_instances(redis, "test-lease-release").await;
    assert!(stopping.hold_lease(LEASE, "stopping", TTL).await);

    staying.release_lease(LEASE, "staying").await;
    assert!(
        !staying.hold_lease(LEASE, "staying", TTL).await,
        "only the holder releases its lease"
    );

    stopping.release_lease(LEASE, "stopping").await;
    assert!(
        staying.hold_lease(LEASE, "staying", TTL).await,
        "taken over long before the lease would have lapsed"
    );
    stopping.release_lease(LEASE, "stopping").await;
    assert!(
        staying.hold_lease(LEASE, "staying", TTL).await,
        "the old holder's late release leaves the new holder's lease alone"
    );
}

/// On PostgreSQL the database grants leases: with Redis down, two instances still have exactly
/// one leader; a lapsed lease goes to the other (its old holder cannot renew it) and a released
/// one at once, each change of hands a new generation.
#[tokio::test]
async fn on_postgresql_the_database_grants_leases_while_redis_is_down() {
    if std::env::var("DATABASE_URL").is_err() {
        println!("leadership_database: NOT RUN: it needs PostgreSQL (set DATABASE_URL)");
        return;
    }
    record("leadership_database", Db::Postgres, Store::Redis);
    let db = domain::database::connect(&fresh_postgres_database().await)
        .await
        .unwrap();
    domain::database::migrate(&db).await.unwrap();
    // A Redis nobody listens on: down from the start.
    let redis = format!("redis://127.0.0.1:{}", free_port());
    let first = SharedStore::with_redis(&redis, "test-lease-database").unwrap();
    let second = SharedStore::with_redis(&redis, "test-lease-database").unwrap();
    first.lead_through(&db);
    second.lead_through(&db);

    let leaders = contend(&[(&first, "first"), (&second, "second")]).await;
    assert_eq!(leaders.len(), 1, "{leaders:?}");
    assert!(matches!(first.check().await, StoreHealth::Degraded { .. }));

    let short = Duration::from_millis(500);
    assert!(first.hold_lease("lease:short", "paused", short).await);
    assert!(!second.hold_lease("lease:short", "successor", short).await);
    tokio::time::sleep(short + Duration::from_millis(200)).await;
    assert!(second.hold_lease("lease:short", "successor", TTL).await);
    assert!(
        !first.hold_lease("lease:short", "paused", TTL).await,
        "the old holder cannot renew a lease taken over"
    );
    first.release_lease("lease:short", "paused").await;
    assert!(second.hold_lease("lease:short", "successor", TTL).await);
    second.release_lease("lease:short", "successor").await;
    assert!(
        first.hold_lease("lease:short", "newcomer", TTL).await,
        "a released lease is taken at once"
    );
    let generation = scalar(
        &db,
        "SELECT generation FROM leases WHERE key = 'lease:short'",
    )
    .await;
    assert_eq!(generation, 3, "three holders in turn");
}
