use std::time::Duration;

use domain::DriverId;

use super::{ShareRules, UpstreamKind, ledger::Ledger};

/// The defaults: half of one account's 600 calls goes round, 6 to 60 a driver.
fn rules() -> ShareRules {
    ShareRules {
        pool_per_minute: 300,
        floor_per_minute: 6,
        ceiling_per_minute: 60,
        active_for: Duration::from_secs(300),
    }
}

#[test]
fn a_lone_driver_may_spend_up_to_the_ceiling() {
    assert_eq!(rules().share_per_minute(1, None), 60);
    assert_eq!(
        rules().share_per_minute(0, None),
        60,
        "nobody active counts as one"
    );
}

#[test]
fn the_pool_is_split_evenly_between_the_active_drivers() {
    assert_eq!(rules().share_per_minute(10, None), 30);
    assert_eq!(rules().share_per_minute(30, None), 10);
    assert_eq!(rules().share_per_minute(40, None), 7, "rounded down");
}

#[test]
fn however_many_are_active_each_driver_keeps_the_floor() {
    assert_eq!(rules().share_per_minute(1000, None), 6);
    assert_eq!(rules().share_per_minute(u32::MAX, None), 6);
}

#[test]
fn an_admins_cut_lowers_the_share_and_never_raises_it() {
    assert_eq!(rules().share_per_minute(1, Some(5)), 5);
    assert_eq!(
        rules().share_per_minute(1000, Some(2)),
        2,
        "below the floor too"
    );
    assert_eq!(
        rules().share_per_minute(1, Some(0)),
        0,
        "cached answers only"
    );
    assert_eq!(rules().share_per_minute(10, Some(500)), 30);
}

#[test]
fn a_driver_over_their_share_is_refused_until_their_oldest_call_leaves_the_minute() {
    let mut ledger = Ledger::default();
    let greedy = DriverId::from(1);
    let active_for = rules().active_for;
    for _ in 0..3 {
        assert!(
            ledger
                .admit(greedy, UpstreamKind::Cities, 3, active_for)
                .is_ok()
        );
    }
    let refusal = ledger
        .admit(greedy, UpstreamKind::Detail, 3, active_for)
        .expect_err("the fourth call in a minute is over a share of three");
    assert!(refusal.retry_after <= Duration::from_secs(60));
    assert!(refusal.retry_after >= Duration::from_secs(59));

    let other = DriverId::from(2);
    assert!(
        ledger
            .admit(other, UpstreamKind::List, 3, active_for)
            .is_ok()
    );
    assert_eq!(ledger.active(), 2);
}

#[test]
fn a_cut_to_nothing_refuses_every_call_for_a_minute_at_a_time() {
    let mut ledger = Ledger::default();
    let refusal = ledger
        .admit(DriverId::from(7), UpstreamKind::List, 0, rules().active_for)
        .expect_err("a share of none");
    assert_eq!(refusal.retry_after, Duration::from_secs(60));
}

#[test]
fn the_last_hour_counts_calls_by_kind_and_drivers_by_cost() {
    let mut ledger = Ledger::default();
    let active_for = rules().active_for;
    let (light, heavy) = (DriverId::from(1), DriverId::from(2));
    ledger
        .admit(light, UpstreamKind::List, 10, active_for)
        .unwrap();
    for _ in 0..3 {
        ledger
            .admit(heavy, UpstreamKind::Detail, 10, active_for)
            .unwrap();
    }
    ledger.record(UpstreamKind::Background);
    ledger.record(UpstreamKind::Login);

    let used = ledger.last_hour();
    assert_eq!(used.of(UpstreamKind::List), 1);
    assert_eq!(used.of(UpstreamKind::Detail), 3);
    assert_eq!(used.of(UpstreamKind::Cities), 0);
    assert_eq!(used.of(UpstreamKind::Background), 1);
    assert_eq!(used.of(UpstreamKind::Login), 1);
    assert_eq!(used.drivers, vec![(heavy, 3), (light, 1)]);
}

/// Counted in this process while Redis cannot be reached: the instance knows only its own
/// charges, so a driver is never refused below their share (at worst a little over it passes).
#[tokio::test]
async fn with_redis_unreachable_a_driver_still_gets_their_whole_share() {
    let db = domain::database::connect("sqlite::memory:").await.unwrap();
    domain::database::migrate(&db).await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redis = domain::store::RedisStore::connect_lazily(
        &format!("redis://127.0.0.1:{port}"),
        None,
        "test",
        "Redis",
    )
    .unwrap();
    let shares = super::FairShare::new(rules(), db, Some((redis, "test".into())));
    let driver = DriverId::from(7);
    let mut admitted = 0;
    for _ in 0..100 {
        if shares.admit(driver, UpstreamKind::List).await.is_ok() {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 60, "a lone driver's ceiling, counted here");
}
