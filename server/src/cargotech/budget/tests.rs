use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
};

use domain::store::{Fleet, RedisStore};

use super::*;

fn config(per_minute: u32, queue_limit: usize, window: Duration) -> BudgetConfig {
    BudgetConfig {
        per_minute,
        queue_limit,
        key: format!("test:budget:{}", rand::random::<u64>()),
        window,
    }
}

async fn burst(budget: &UpstreamBudget, priority: Priority, calls: usize, wait: Duration) -> usize {
    let mut handles = Vec::new();
    for _ in 0..calls {
        let budget = budget.clone();
        handles.push(tokio::spawn(async move {
            budget.acquire(priority, wait).await.is_ok()
        }));
    }
    let mut granted = 0;
    for handle in handles {
        granted += usize::from(handle.await.unwrap());
    }
    granted
}

#[tokio::test]
async fn a_burst_of_card_details_never_gets_more_than_its_share_of_one_window() {
    let budget =
        UpstreamBudget::in_process(config(100, 1000, Duration::from_secs(60)), Fleet::alone());
    let granted = burst(&budget, Priority::Detail, 300, Duration::from_millis(200)).await;
    assert_eq!(granted, 90, "cards stop at 90 % of the window");
    let snapshot = budget.snapshot().await;
    assert_eq!(snapshot.used_in_window, 90);
    assert_eq!(snapshot.refused[Priority::Detail.index()], 210);
}

#[tokio::test]
async fn lower_priorities_slow_down_first_and_lists_keep_headroom() {
    let budget =
        UpstreamBudget::in_process(config(100, 1000, Duration::from_secs(60)), Fleet::alone());
    let short = Duration::from_millis(50);
    assert_eq!(burst(&budget, Priority::Background, 200, short).await, 80);
    assert_eq!(burst(&budget, Priority::Detail, 200, short).await, 10);
    assert_eq!(burst(&budget, Priority::List, 200, short).await, 10);
    assert_eq!(budget.snapshot().await.used_in_window, 100);
}

#[tokio::test]
async fn slots_come_back_as_the_window_slides() {
    let budget =
        UpstreamBudget::in_process(config(10, 1000, Duration::from_millis(400)), Fleet::alone());
    assert_eq!(burst(&budget, Priority::List, 10, Duration::ZERO).await, 10);
    // The next ten wait for the window to slide, then all get through.
    assert_eq!(
        burst(&budget, Priority::List, 10, Duration::from_secs(3)).await,
        10
    );
}

#[tokio::test]
async fn a_full_queue_refuses_at_once_instead_of_waiting() {
    // One call a window of 1.5 s: a waiter patient for 2.5 s can expect the next slot.
    let window = Duration::from_millis(1500);
    let budget = UpstreamBudget::in_process(config(1, 5, window), Fleet::alone());
    budget
        .acquire(Priority::List, Duration::ZERO)
        .await
        .unwrap();
    let mut waiters = Vec::new();
    for _ in 0..5 {
        let budget = budget.clone();
        waiters.push(tokio::spawn(async move {
            budget
                .acquire(Priority::List, Duration::from_millis(2500))
                .await
        }));
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(budget.snapshot().await.queue_depth, 5);
    let started = Instant::now();
    assert_eq!(
        budget.acquire(Priority::List, Duration::from_secs(2)).await,
        Err(BudgetError::QueueFull)
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "refused without waiting"
    );
    let mut outcomes = Vec::new();
    for waiter in waiters {
        outcomes.push(waiter.await.unwrap());
    }
    // The slot that frees goes to one; the next comes only after the others stop waiting, so
    // they are told then, not at their deadline.
    outcomes.sort_by_key(Result::is_err);
    assert_eq!(
        outcomes,
        [
            Ok(()),
            Err(BudgetError::Timeout),
            Err(BudgetError::Timeout),
            Err(BudgetError::Timeout),
            Err(BudgetError::Timeout)
        ]
    );
    assert!(
        started.elapsed() < Duration::from_millis(2300),
        "the others were refused as soon as the slot had gone, not at their deadline: {:?}",
        started.elapsed()
    );
    assert_eq!(
        budget.snapshot().await.queue_depth,
        0,
        "every waiter left the queue"
    );
}

/// A caller who cannot get a slot before it stops waiting is told so at once: a card confirmed
/// from the spare share of a busy budget is served as held without waiting 1.5 s in vain.
#[tokio::test]
async fn no_slot_in_time_is_said_at_once_not_at_the_deadline() {
    let redis = redis().await;
    let window = Duration::from_millis(1200);
    let budgets = [
        UpstreamBudget::in_process(config(10, 1000, window), Fleet::alone()),
        UpstreamBudget::shared(config(10, 1000, window), store(&redis.url), Fleet::alone()),
    ];
    for budget in budgets {
        // One call, then nine half a second later: the window is full.
        assert_eq!(burst(&budget, Priority::List, 1, Duration::ZERO).await, 1);
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(burst(&budget, Priority::List, 9, Duration::ZERO).await, 9);
        // Background work may use 8 of the 10: three must leave, and the third to leave is one
        // of the nine, 1.2 s after them. The first leaves within the caller's 0.9 s, but that
        // is not enough.
        let started = Instant::now();
        assert_eq!(
            budget
                .acquire(Priority::Background, Duration::from_millis(900))
                .await,
            Err(BudgetError::Timeout)
        );
        assert!(
            started.elapsed() < Duration::from_millis(300),
            "told at once, not after {:?}",
            started.elapsed()
        );
        // Patient enough, it gets the slot once they have left.
        assert_eq!(
            budget
                .acquire(Priority::Background, Duration::from_secs(3))
                .await,
            Ok(())
        );
        assert!(started.elapsed() >= Duration::from_millis(1000));
    }
}

#[tokio::test]
async fn retry_after_from_the_exchange_pauses_everyone() {
    let budget =
        UpstreamBudget::in_process(config(100, 1000, Duration::from_secs(60)), Fleet::alone());
    budget.pause_for(Duration::from_millis(300)).await;
    assert_eq!(
        budget
            .acquire(Priority::List, Duration::from_millis(100))
            .await,
        Err(BudgetError::Timeout)
    );
    assert!(
        budget
            .acquire(Priority::List, Duration::from_secs(2))
            .await
            .is_ok(),
        "after the pause"
    );
}

#[tokio::test]
async fn few_calls_left_upstream_hold_back_everything_but_lists() {
    let budget =
        UpstreamBudget::in_process(config(100, 1000, Duration::from_secs(60)), Fleet::alone());
    budget.observe_remaining(3);
    assert_eq!(
        budget
            .acquire(Priority::Detail, Duration::from_millis(50))
            .await,
        Err(BudgetError::Timeout)
    );
    assert!(
        budget
            .acquire(Priority::List, Duration::from_millis(50))
            .await
            .is_ok()
    );
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A Redis for the test: the configured one, or a redis-server of its own.
struct TestRedis {
    url: String,
    _child: Option<ChildGuard>,
}

struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn redis() -> TestRedis {
    if let Ok(url) = std::env::var("REDIS_URL") {
        return TestRedis { url, _child: None };
    }
    let port = free_port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server is installed (the test command installs it)");
    let url = format!("redis://127.0.0.1:{port}");
    for _ in 0..50 {
        if redis::Client::open(url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    TestRedis {
        url,
        _child: Some(ChildGuard(child)),
    }
}

/// Redis as the server asks it: the store's timeouts, and left alone after a failure.
fn store(url: &str) -> RedisStore {
    RedisStore::connect_lazily(url, None, "test", "Redis").unwrap()
}

fn store_on(port: u16) -> RedisStore {
    store(&format!("redis://127.0.0.1:{port}"))
}

/// Waits until a ping in the background has found a Redis left alone answering again.
async fn until_answering(redis: &RedisStore) {
    for _ in 0..50 {
        if redis.answering() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Redis was not asked again");
}

#[tokio::test]
async fn two_instances_sharing_redis_never_exceed_the_limit_together() {
    let redis = redis().await;
    let shared = config(50, 1000, Duration::from_secs(60));
    let first = UpstreamBudget::shared(shared.clone(), store(&redis.url), Fleet::alone());
    let second = UpstreamBudget::shared(shared, store(&redis.url), Fleet::alone());
    let (a, b) = tokio::join!(
        burst(&first, Priority::List, 80, Duration::from_millis(300)),
        burst(&second, Priority::List, 80, Duration::from_millis(300)),
    );
    assert_eq!(a + b, 50, "{a} + {b}");
}

#[tokio::test]
async fn a_pause_set_by_one_instance_holds_back_the_others_of_that_account_only() {
    let redis = redis().await;
    let account = config(50, 1000, Duration::from_secs(60));
    let first = UpstreamBudget::shared(account.clone(), store(&redis.url), Fleet::alone());
    let second = UpstreamBudget::shared(account, store(&redis.url), Fleet::alone());
    let other_account = UpstreamBudget::shared(
        config(50, 1000, Duration::from_secs(60)),
        store(&redis.url),
        Fleet::alone(),
    );

    first.pause_for(Duration::from_secs(30)).await;
    assert_eq!(
        second
            .acquire(Priority::List, Duration::from_millis(100))
            .await,
        Err(BudgetError::Timeout)
    );
    assert!(
        other_account
            .acquire(Priority::List, Duration::from_millis(100))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn with_redis_unreachable_the_budget_still_grants_from_this_process() {
    let budget = UpstreamBudget::shared(
        config(10, 100, Duration::from_secs(60)),
        store_on(free_port()),
        Fleet::alone(),
    );
    let started = Instant::now();
    assert_eq!(
        burst(&budget, Priority::List, 12, Duration::from_millis(500)).await,
        10
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

fn config_with_key(key: &str, per_minute: u32) -> BudgetConfig {
    BudgetConfig {
        key: key.to_owned(),
        ..config(per_minute, 1000, Duration::from_secs(60))
    }
}

/// An instance among `live` ones, as its heartbeats counted them.
fn among(live: u32) -> Fleet {
    let fleet = Fleet::alone();
    fleet.counted(live);
    fleet
}

#[tokio::test]
async fn without_a_shared_counter_each_of_two_live_instances_takes_half_the_budget() {
    let first = UpstreamBudget::in_process(config(60, 1000, Duration::from_secs(60)), among(2));
    let second = UpstreamBudget::in_process(config(60, 1000, Duration::from_secs(60)), among(2));
    let (a, b) = tokio::join!(
        burst(&first, Priority::List, 100, Duration::from_millis(100)),
        burst(&second, Priority::List, 100, Duration::from_millis(100)),
    );
    assert_eq!(
        (a, b),
        (30, 30),
        "600 / live instances each, never more in total"
    );
}

/// A redis-server of the test's own on `port`, which it may kill and start again; returns once
/// it answers.
async fn own_redis(port: u16) -> ChildGuard {
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server is installed (the test command installs it)");
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}")).unwrap();
    for _ in 0..50 {
        if client.get_multiplexed_async_connection().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ChildGuard(child)
}

/// Grants until one is refused at once, retrying while Redis is still starting.
async fn take_all(budget: &UpstreamBudget) -> usize {
    burst(budget, Priority::List, 20, Duration::from_millis(300)).await
}

#[tokio::test]
async fn through_a_redis_restart_two_instances_never_exceed_the_budget_together() {
    let port = free_port();
    let redis = own_redis(port).await;
    let shared = config(10, 1000, Duration::from_secs(60));
    let busy_key = shared.key.clone();
    let (busy_redis, quiet_redis) = (store_on(port), store_on(port));
    let busy = UpstreamBudget::shared(shared.clone(), busy_redis.clone(), among(2));
    let quiet = UpstreamBudget::shared(shared, quiet_redis.clone(), among(2));
    let mut busy_calls = 0;
    while busy_calls < 8 {
        if busy
            .acquire(Priority::List, Duration::from_millis(300))
            .await
            .is_ok()
        {
            busy_calls += 1;
        }
    }
    assert!(
        quiet
            .acquire(Priority::List, Duration::from_secs(1))
            .await
            .is_ok()
    );

    drop(redis);
    // Each may take its half (5), less what it knows was taken: the busy one its own 8, the
    // quiet one its own call and the 8 others it saw in the shared log.
    let (a, b) = tokio::join!(take_all(&busy), take_all(&quiet));
    assert_eq!((a, b), (0, 0), "9 of 10 taken before Redis died");

    let _redis = own_redis(port).await;
    until_answering(&busy_redis).await;
    until_answering(&quiet_redis).await;
    // A restarted Redis remembers nothing: each writes its calls of the window back first, and
    // keeps to its part for a window more.
    let (a, b) = tokio::join!(take_all(&busy), take_all(&quiet));
    assert_eq!((a, b), (0, 0));
    let newcomer = UpstreamBudget::shared(config_with_key(&busy_key, 10), store_on(port), among(2));
    assert_eq!(
        take_all(&newcomer).await,
        1,
        "the 9 calls were written back"
    );
}

/// Stands between the budget and Redis on a port of its own; while `slow` is set, Redis's
/// answers reach the budget only after `delay`, later than the budget waits for them.
async fn slow_answers(redis_port: u16, slow: Arc<AtomicBool>, delay: Duration) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = tokio::net::TcpStream::connect(("127.0.0.1", redis_port))
                .await
                .unwrap();
            let (mut client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            tokio::spawn(async move {
                let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
            });
            let slow = Arc::clone(&slow);
            tokio::spawn(async move {
                let mut buffer = vec![0; 64 * 1024];
                while let Ok(read @ 1..) = server_read.read(&mut buffer).await {
                    if slow.load(Ordering::Relaxed) {
                        tokio::time::sleep(delay).await;
                    }
                    if client_write.write_all(&buffer[..read]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

/// Redis takes a call's slot but its answer comes too late: the budget counts the call in this
/// process instead, and when Redis answers in time again the call is written back under the same
/// name, so the shared log holds each call once.
#[tokio::test]
async fn a_slot_whose_answer_was_lost_is_counted_once_when_redis_answers_again() {
    let port = free_port();
    let _redis = own_redis(port).await;
    let slow = Arc::new(AtomicBool::new(false));
    let proxy = slow_answers(port, Arc::clone(&slow), Duration::from_millis(600)).await;
    let shared = config(10, 1000, Duration::from_secs(60));
    let key = shared.key.clone();
    let redis = store_on(proxy);
    let budget = UpstreamBudget::shared(shared, redis.clone(), Fleet::alone());
    let mut calls = 0;
    let mut take = async || {
        assert!(
            budget
                .acquire(Priority::List, Duration::from_secs(2))
                .await
                .is_ok()
        );
        calls += 1;
    };
    take().await;

    slow.store(true, Ordering::Relaxed);
    take().await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    slow.store(false, Ordering::Relaxed);
    until_answering(&redis).await;
    take().await;

    let logged: u64 = store_on(port)
        .query(redis::cmd("ZCARD").arg(&key))
        .await
        .unwrap();
    assert_eq!(logged, calls, "every call in the shared log once");
}
