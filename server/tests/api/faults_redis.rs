//! Redis, the instances' shared counter and cache, dies and comes back while two real `hauler`
//! processes serve on one PostgreSQL database, against one sandbox exchange and one sandbox
//! Telegram served by the test (which count logins and calls). The database is the durable store:
//! it grants the jobs' leases, keeps the exchange's token and counts the live instances, so the
//! service goes on without Redis and finds it again when it returns. Each test prints what it
//! did and what it saw.
//!
//! They need PostgreSQL and run when `DATABASE_URL` and `REDIS_URL` are set (as in CI); the
//! Redis they kill is their own. Without them they say so and run nothing.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use domain::store::SharedStore;
use futures_util::future::join_all;
use sea_orm::Database;
use server::{
    config::SANDBOX_BOT_TOKEN,
    sandbox::{
        cargotech::Exchange,
        telegram::{self as telegram, SandboxTelegram},
    },
};
use tempfile::TempDir;
use tokio::task::JoinHandle;

use crate::{
    process::{Api, Hauler, http, serve, until, until_async, writes_to_the_bot},
    support::{
        Db, OwnRedis, Store, free_port, fresh_postgres_database, instant_exchange, record,
        serve_exchange,
    },
};

/// The exchange's calls a minute for the test: small, so a minute's worth is quickly reached.
const BUDGET: u32 = 60;
/// One key for every instance, as one deployment's instances share theirs.
const ENCRYPTION_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// Several drivers on each of two instances browse lists and open cards while Redis is killed
/// and, a while later, started again (empty, as a restarted Redis is): every request is answered,
/// the exchange never sees more than the budget in any minute, and the instances use Redis
/// again once it is back.
#[tokio::test]
async fn redis_killed_under_load_and_brought_back_loses_no_request_and_keeps_the_budget() {
    let Some(mut deployment) = Deployment::start("faults_redis_under_load", 2).await else {
        return;
    };
    let browsing = Arc::new(AtomicBool::new(true));
    let (load, sessions) = deployment.start_browsing(830_100, &browsing).await;

    tokio::time::sleep(Duration::from_secs(3)).await;
    let calls_before = deployment.exchange.stats().requests;
    deployment.kill_redis();
    let outage = Instant::now();
    until_async("both instances see Redis down", || {
        deployment.every_store_is("degraded")
    })
    .await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let calls_in_outage = deployment.exchange.stats().requests - calls_before;
    deployment.restart_redis().await;
    let outage_lasted = outage.elapsed();
    until_async("both instances use Redis again", || {
        deployment.every_store_is("up")
    })
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    browsing.store(false, Ordering::Relaxed);
    // A page nobody asked before on each instance: a call counted in Redis's budget again.
    let fresh_pages = join_all(deployment.instances.iter().enumerate().map(|(n, hauler)| {
        let session = &sessions[n * 3];
        hauler.api.list(session, 1000 + 200 * n as u32)
    }))
    .await;

    let Walk {
        answered, failed, ..
    } = Walk::of(load).await;
    let stats = deployment.exchange.stats();
    // The instances' own work goes on (new loads, prefetching): the log is read between two
    // counts of the exchange's calls, the second once the calls granted by then have arrived.
    let shared_log = deployment.shared_budget_log().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let calls_after_the_log = deployment.exchange.stats().requests;
    crate::support::loud(&format!(
        "Redis killed under load for {outage_lasted:?} with 2 instances and 6 drivers browsing: \
         {answered} requests answered 200, {} failed {failed:?}; the exchange saw {} calls \
         ({calls_before} before the outage, {calls_in_outage} during it), at most {} in any \
         minute (budget {BUDGET}), {} refused as too many; after Redis returned both instances \
         report it up, a page nobody asked before answered {fresh_pages:?} and the shared budget \
         log in Redis holds {shared_log} calls ({calls_after_the_log} made by a second later), \
         every call of the minute written back",
        failed.len(),
        stats.requests,
        stats.peak_per_minute,
        stats.throttled,
    ));
    assert!(failed.is_empty(), "failed driver requests: {failed:?}");
    assert!(answered > 0);
    assert!(
        stats.peak_per_minute <= u64::from(BUDGET),
        "{} calls in a minute",
        stats.peak_per_minute
    );
    assert_eq!(stats.throttled, 0);
    assert_eq!(fresh_pages, [200, 200]);
    assert!(
        (stats.requests..=calls_after_the_log).contains(&shared_log),
        "the budget is counted in Redis again, with the calls made without it: {shared_log} in \
         the log, {} calls before it was read and {calls_after_the_log} after",
        stats.requests,
    );
}

/// How long the hung Redis story keeps Redis stopped.
const HUNG_FOR: Duration = Duration::from_secs(8);

/// Redis hangs for eight seconds (its process stopped: connections are taken and never answered)
/// while drivers browse two instances. Nothing fails, and no driver waits on the silent Redis more
/// than once: the first command on an instance to find it silent leaves it alone for everything
/// there (sessions, cached answers, the budget, the fair share), and only a ping in the background
/// asks it again, which finds it answering once it is continued.
#[tokio::test]
async fn redis_hung_for_eight_seconds_no_driver_waits_on_it_twice() {
    let Some(deployment) = Deployment::start("faults_redis_hung", 2).await else {
        return;
    };
    let browsing = Arc::new(AtomicBool::new(true));
    let (load, sessions) = deployment.start_browsing(850_100, &browsing).await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    let frozen = deployment.redis.as_ref().unwrap().freeze();
    let hung = Instant::now();
    until_async("both instances leave the silent Redis alone", || {
        deployment.every_store_is("degraded")
    })
    .await;
    let left_alone_after = hung.elapsed();
    tokio::time::sleep(HUNG_FOR.saturating_sub(left_alone_after)).await;
    drop(frozen);
    let continued = Instant::now();
    until_async("both instances use Redis again", || {
        deployment.every_store_is("up")
    })
    .await;
    let asked_again_after = continued.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    browsing.store(false, Ordering::Relaxed);

    let walks = Walk::of(load).await;
    let slowest = walks.slow.iter().max().copied().unwrap_or_default();
    crate::support::loud(&format!(
        "Redis hung for {HUNG_FOR:?} under 2 instances and {} drivers browsing: both instances \
         left it alone {left_alone_after:?} after it stopped answering and asked it again \
         {asked_again_after:?} after it was continued; {} requests answered 200, {} failed \
         {:?}; {} answers took longer than Redis's response timeout ({REDIS_WAIT:?}), at most \
         {} of one driver, the slowest {slowest:?}",
        sessions.len(),
        walks.answered,
        walks.failed.len(),
        walks.failed,
        walks.slow.len(),
        walks.most_slow_of_one,
    ));
    assert!(walks.failed.is_empty(), "failed: {:?}", walks.failed);
    assert!(walks.answered > 0);
    // Those asking when it stopped answering waited on it; once left alone, it is asked again
    // only by the ping in the background.
    assert!(
        walks.most_slow_of_one <= 1,
        "a driver waited on the silent Redis twice: {} slow answers of one driver; all slow \
         answers {:?}",
        walks.most_slow_of_one,
        walks.slow
    );
    assert!(
        slowest < Duration::from_secs(3),
        "the slowest took {slowest:?}"
    );
}

/// Two instances started together on one database ride out a Redis outage: they logged in to
/// the exchange once between them, and when the exchange revokes the token during the outage
/// one instance logs in again and the other takes its token from the database; the bot's
/// updates are polled by one instance throughout (every message is answered once, during the
/// outage too), no job's lease changes hands, and after Redis returns both instances reach the
/// exchange for pages nobody asked before (their breakers are closed).
#[tokio::test]
async fn two_instances_through_a_redis_outage_log_in_once_and_run_each_job_once() {
    let Some(mut deployment) = Deployment::start("faults_redis_two_instances", 2).await else {
        return;
    };
    let mut sessions = Vec::new();
    for (n, hauler) in deployment.instances.iter().enumerate() {
        let session = hauler.api.driver_session(840_100 + n as i64).await;
        assert_eq!(hauler.api.list(&session, 0).await, 200);
        sessions.push(session);
    }
    let logins_at_start = deployment.exchange.stats().logins;
    let before = deployment.answered_once(840_200, "before the outage").await;

    deployment.kill_redis();
    until_async("both instances see Redis down", || {
        deployment.every_store_is("degraded")
    })
    .await;
    let mut during = Vec::new();
    for chat in 840_210..840_213 {
        during.push(deployment.answered_once(chat, "during the outage").await);
    }
    // The exchange forgets its tokens: each instance meets a 401 on a page it must fetch.
    deployment.exchange.revoke_tokens();
    let fresh_pages = join_all(
        deployment
            .instances
            .iter()
            .zip(&sessions)
            .map(|(hauler, session)| hauler.api.list(session, 1000)),
    )
    .await;
    let logins_in_outage = deployment.exchange.stats().logins - logins_at_start;

    deployment.restart_redis().await;
    until_async("both instances use Redis again", || {
        deployment.every_store_is("up")
    })
    .await;
    let after = deployment.answered_once(840_220, "after the outage").await;
    let pages_after = join_all(
        deployment
            .instances
            .iter()
            .zip(&sessions)
            .enumerate()
            .map(|(n, (hauler, session))| hauler.api.list(session, 2000 + 200 * n as u32)),
    )
    .await;
    let leases = deployment.leases().await;
    let stats = deployment.exchange.stats();
    crate::support::loud(&format!(
        "Two instances through a Redis outage: {logins_at_start} login(s) at start, \
         {logins_in_outage} after the exchange revoked the token during the outage (fresh pages \
         then: {fresh_pages:?}); bot messages answered once: before {before}, during {during:?}, \
         after {after}; pages nobody asked before, after Redis returned: {pages_after:?}; \
         leases (key, generation): {leases:?}; the exchange saw {} calls, at most {} a minute",
        stats.requests, stats.peak_per_minute,
    ));
    assert_eq!(logins_at_start, 1, "one login for both instances");
    assert_eq!(logins_in_outage, 1, "one login again during the outage");
    assert_eq!(fresh_pages, [200, 200]);
    assert!(before && after && during.iter().all(|answered| *answered));
    assert_eq!(pages_after, [200, 200], "both reach the exchange again");
    for (key, generation) in &leases {
        if !key.ends_with(".login") {
            assert_eq!(*generation, 1, "{key} changed hands");
        }
    }
    for job in [
        "bot-updates",
        "cities-refresh",
        "new-loads",
        "payments-clockwork",
        "retention",
    ] {
        assert!(
            leases.iter().any(|(key, _)| key.ends_with(job)),
            "{job}: {leases:?}"
        );
    }
}

/// What a driver saw on their walk through the loads.
#[derive(Default)]
struct Walk {
    answered: usize,
    /// What failed, and its status.
    failed: Vec<(String, u16)>,
    /// The answers that took longer than Redis's response timeout (so may have waited on it).
    slow: Vec<Duration>,
    /// Of the drivers' walks together: the most slow answers one driver had.
    most_slow_of_one: usize,
}

impl Walk {
    /// The drivers' walks, together, once each has stopped.
    async fn of(load: Vec<JoinHandle<Walk>>) -> Self {
        let mut walks = Self::default();
        for driver in load {
            let walk = driver.await.unwrap();
            walks.answered += walk.answered;
            walks.failed.extend(walk.failed);
            walks.most_slow_of_one = walks.most_slow_of_one.max(walk.slow.len());
            walks.slow.extend(walk.slow);
        }
        walks
    }

    fn timed(&mut self, asked: Instant, status: u16, what: impl FnOnce() -> String) {
        let took = asked.elapsed();
        if took > REDIS_WAIT {
            self.slow.push(took);
        }
        match status {
            200 => self.answered += 1,
            status => self.failed.push((what(), status)),
        }
    }
}

/// The store's response timeout: an answer slower than this may have waited on a silent Redis.
const REDIS_WAIT: Duration = Duration::from_millis(500);

/// A driver's walk through the loads until told to stop: the first pages of the list and the
/// first cards on them, again and again, as a driver scrolls back and forth.
async fn browse(api: Api, session: String, driver: usize, browsing: Arc<AtomicBool>) -> Walk {
    let mut walk = Walk::default();
    let mut step = driver;
    while browsing.load(Ordering::Relaxed) {
        let offset = 20 * (step % 3) as u32;
        let asked = Instant::now();
        let (status, ids) = api.list_ids(&session, offset).await;
        walk.timed(asked, status, || format!("list {offset}"));
        if let Some(&id) = ids.get(step % 2) {
            let asked = Instant::now();
            let status = api.card(&session, id).await;
            walk.timed(asked, status, || format!("card {id}"));
        }
        step += 1;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    walk
}

/// Instances of one deployment: one PostgreSQL database, one Redis of the test's own (which it
/// kills and restarts on the same port), one sandbox exchange and one sandbox Telegram.
struct Deployment {
    instances: Vec<Hauler>,
    exchange: Exchange,
    telegram: SandboxTelegram,
    telegram_url: String,
    /// The test's own client, for the sandboxes' controls.
    control: reqwest::Client,
    redis: Option<OwnRedis>,
    redis_port: u16,
    prefix: String,
    database_url: String,
    _data: TempDir,
}

impl Deployment {
    /// `None`, said out loud, without PostgreSQL and Redis in the environment.
    async fn start(test: &str, instances: usize) -> Option<Self> {
        if std::env::var("DATABASE_URL").is_err() || std::env::var("REDIS_URL").is_err() {
            crate::support::loud(&format!(
                "{test}: NOT RUN: it needs PostgreSQL and Redis (set DATABASE_URL and REDIS_URL)"
            ));
            return None;
        }
        record(test, Db::Postgres, Store::Redis);
        let control = http();
        let (exchange_url, exchange) = serve_exchange(instant_exchange()).await;
        let telegram = SandboxTelegram::new(SANDBOX_BOT_TOKEN);
        let telegram_url = serve(telegram::router(telegram.clone())).await;
        let redis_port = free_port();
        let redis = OwnRedis::start(redis_port);
        let prefix = format!("{test}-{:08x}", rand::random::<u32>());
        let database_url = fresh_postgres_database().await;
        let data = tempfile::tempdir().unwrap();
        let vars = [
            ("DATABASE_URL", database_url.clone()),
            ("REDIS_URL", redis.url()),
            ("REDIS_KEY_PREFIX", prefix.clone()),
            ("CARGOTECH_BASE_URL", exchange_url),
            ("CARGOTECH_BUDGET_PER_MINUTE", BUDGET.to_string()),
            ("TELEGRAM_API_BASE_URL", telegram_url.clone()),
            ("ENCRYPTION_KEY", ENCRYPTION_KEY.into()),
            // The scheduled jobs' periods, short enough to pass many times during the test.
            ("NEW_LOADS_CHECK_SECONDS", "1".into()),
            ("PAYMENTS_CHECK_SECONDS", "1".into()),
            ("RETENTION_CHECK_SECONDS", "1".into()),
        ];
        let dirs: Vec<_> = (0..instances)
            .map(|n| {
                let dir = data.path().join(format!("instance-{n}"));
                std::fs::create_dir_all(&dir).unwrap();
                dir
            })
            .collect();
        // Started together, as an orchestrator starts a deployment's instances.
        let instances = join_all(dirs.iter().map(|dir| Hauler::start(dir, &vars))).await;
        for hauler in &instances {
            hauler.api.until_connected_to_the_exchange().await;
        }
        Some(Self {
            instances,
            exchange,
            telegram,
            telegram_url,
            control,
            redis: Some(redis),
            redis_port,
            prefix,
            database_url,
            _data: data,
        })
    }

    /// Three drivers on each instance, signed in, browsing until `browsing` is cleared: their
    /// walks, and their sessions.
    async fn start_browsing(
        &self,
        first_driver: i64,
        browsing: &Arc<AtomicBool>,
    ) -> (Vec<JoinHandle<Walk>>, Vec<String>) {
        let (mut load, mut sessions) = (Vec::new(), Vec::new());
        for (n, hauler) in self.instances.iter().enumerate() {
            for d in 0..3 {
                let session = hauler
                    .api
                    .driver_session(first_driver + (n as i64) * 10 + d)
                    .await;
                sessions.push(session.clone());
                let walk = browse(
                    hauler.api.clone(),
                    session,
                    sessions.len(),
                    Arc::clone(browsing),
                );
                load.push(tokio::spawn(walk));
            }
        }
        (load, sessions)
    }

    fn kill_redis(&mut self) {
        self.redis = None;
    }

    /// Starts Redis again on its port, empty; returns once it answers.
    async fn restart_redis(&mut self) {
        let redis = OwnRedis::start(self.redis_port);
        let probe = SharedStore::with_redis(&redis.url(), &self.prefix).unwrap();
        self.redis = Some(redis.until_up(&probe).await);
    }

    /// Whether every instance's `/readyz` reports the store so.
    async fn every_store_is(&self, state: &str) -> bool {
        for hauler in &self.instances {
            let (_, body) = hauler.api.fresh_get("/readyz").await;
            if body["checks"]["store"]["state"] != state {
                return false;
            }
        }
        true
    }

    /// A driver writes to the bot: whether exactly one answer comes (after waiting for one, and
    /// a little more for a second that must not come).
    async fn answered_once(&self, chat_id: i64, when: &str) -> bool {
        writes_to_the_bot(&self.control, &self.telegram_url, chat_id).await;
        until(&format!("the bot answers {when}"), || {
            !self.telegram.messages_to(chat_id).is_empty()
        })
        .await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        self.telegram.messages_to(chat_id).len() == 1
    }

    /// The calls of the last minute in the shared budget's log in Redis.
    async fn shared_budget_log(&self) -> u64 {
        let Some(redis) = &self.redis else {
            return 0;
        };
        let client = redis::Client::open(redis.url()).unwrap();
        let mut connection = client.get_multiplexed_async_connection().await.unwrap();
        redis::cmd("ZCARD")
            .arg(format!("{}:budget:cargotech:main", self.prefix))
            .query_async(&mut connection)
            .await
            .unwrap_or(0)
    }

    /// Every lease in the database, with its generation.
    async fn leases(&self) -> Vec<(String, i64)> {
        use sea_orm::{ConnectionTrait, Statement};
        let db = Database::connect(&self.database_url).await.unwrap();
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT key, generation FROM leases ORDER BY key",
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|row| {
                (
                    row.try_get_by_index::<String>(0).unwrap(),
                    row.try_get_by_index::<i64>(1).unwrap(),
                )
            })
            .collect()
    }
}
