//! PostgreSQL outages, against the `hauler` binary and a PostgreSQL cluster of the test's own
//! (its own `initdb`, started and stopped with `pg_ctl` on a free port), so the test can take the
//! database away while drivers browse: restarted, stopped for fifteen seconds, hung (its
//! processes frozen), and two instances started at the same moment on an empty database. Each
//! test prints what it sent and saw.
//!
//! They need PostgreSQL's binaries, which CI has when it sets `DATABASE_URL`; without it they say
//! loudly that they did not run (on the terminal, past the test harness's capture).

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use sea_orm::Database;
use serde_json::{Value, json};
use server::sandbox::cargotech::Exchange;
use tempfile::TempDir;

use crate::{
    process::{Api, Hauler, http, until_async},
    support::{
        Db, Frozen, Store, free_port, instant_exchange, loud, record, scalar, serve_exchange,
    },
};

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
/// Longer than a refusal may take while the database is away: the pool's wait (800 ms) and the
/// answer, with room for a busy CI machine. The old pool made each one wait 5 s.
const PROMPT: Duration = Duration::from_secs(2);
/// Longer than any answer may take at all (a cached list included) on a busy CI machine.
const HANG: Duration = Duration::from_secs(3);
const DRIVERS: i64 = 4;
/// How long after PostgreSQL is back a request may still meet the outage (the pool finds its
/// old connections dead and opens new ones).
const SETTLING: Duration = Duration::from_secs(5);

/// PostgreSQL restarted while drivers browse, bot messages arrive and a Stars payment comes in:
/// requests that need the database are told `503 database_unavailable` promptly, cached lists
/// keep flowing, and afterwards every bot message went out once and the payment counts once,
/// without restarting Hauler.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_restarted_under_load_loses_no_bot_message_or_payment() {
    let Some(postgres) = OwnPostgres::start("faults_pg_restart").await else {
        return;
    };
    let (hauler, _exchange, sessions) =
        drivers_on(&postgres, ("STARS_PLATFORMS", "ios".into()), 710_000).await;
    let api = hauler.api.clone();
    let payer = sessions[0].clone();
    let (payment_id, stars) = buy_with_stars(&api, &payer).await;

    let load = Load::start(&api, &sessions);
    // Chats that write to the bot around the restart: each must get exactly one answer.
    let mut chats: Vec<i64> = (1..=5).map(|n| 720_000 + n).collect();
    for chat in &chats {
        writes_to_the_bot(&api, json!({"chat_id": chat, "text": "/start"})).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;

    load.outage_begins();
    postgres.stop().await;
    for n in 6..=10 {
        let chat = 720_000 + n;
        writes_to_the_bot(&api, json!({"chat_id": chat, "text": "/start"})).await;
        chats.push(chat);
    }
    // The stars are taken while the database is down: the payment arrives all the same.
    let charge = "stx-restart-charge";
    writes_to_the_bot(&api, successful_payment(710_001, payment_id, stars, charge)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    postgres.start_again().await;
    load.outage_ends();

    until_async("the payment is recorded", || async {
        payment_status(&api, &payer, payment_id).await == "succeeded"
    })
    .await;
    until_async("every chat is answered", || async {
        let mut answered = true;
        for chat in &chats {
            answered &= !messages_to(&api, *chat).await.is_empty();
        }
        answered
    })
    .await;
    // Time for a message sent twice to show.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = load.stop().await;

    let mut lost = 0;
    let mut twice = 0;
    for chat in &chats {
        match messages_to(&api, *chat).await.len() {
            0 => lost += 1,
            1 => {}
            _ => twice += 1,
        }
    }
    let database = Database::connect(&postgres.url()).await.unwrap();
    let grants = scalar(
        &database,
        &format!("SELECT COUNT(*) FROM access_grants WHERE source_ref = 'payment:{payment_id}'"),
    )
    .await;
    let charges = scalar(
        &database,
        &format!("SELECT COUNT(*) FROM payments WHERE provider_payment_id = '{charge}'"),
    )
    .await;
    loud(&format!(
        "PostgreSQL restarted under load: {seen}; bot: {} chats wrote, {lost} lost, {twice} \
         answered twice; the Stars payment made during the outage: {grants} grant(s), charge \
         attached {charges} time(s); Hauler not restarted",
        chats.len()
    ));
    seen.assert_prompt_and_clear();
    assert_eq!(seen.lists_failed, 0, "cached lists kept flowing: {seen}");
    assert_eq!((lost, twice), (0, 0));
    assert_eq!((grants, charges), (1, 1));
    drop(hauler);
}

/// PostgreSQL stopped for fifteen seconds while drivers browse: their cached lists keep coming
/// (no failure at all), what needs the database is refused promptly with `503
/// database_unavailable`, and once PostgreSQL is back everything answers again by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_stopped_for_fifteen_seconds_cached_lists_keep_flowing() {
    let outage = Outage::Stopped(Duration::from_secs(15));
    let Some((seen, recovered_after)) =
        drivers_browse_through("faults_pg_stopped", 730_000, outage).await
    else {
        return;
    };
    loud(&format!(
        "PostgreSQL stopped for 15 s under load: {seen}; the database's answers came back \
         {recovered_after:?} after PostgreSQL did, without restarting Hauler"
    ));
    seen.assert_rode_out_the_outage();
}

/// Two instances rolled out at the same moment on a database nobody has migrated: one migrates
/// under the lock while the other waits, and both come up and serve.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_started_at_the_same_moment_on_an_empty_database_both_come_up() {
    let Some(postgres) = OwnPostgres::start("faults_pg_two_instances").await else {
        return;
    };
    let (first_data, second_data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let vars = [
        ("DATABASE_URL", postgres.url()),
        ("TELEGRAM_UPDATES", "off".into()),
    ];
    let (first, second) = tokio::join!(
        Hauler::start(first_data.path(), &vars),
        Hauler::start(second_data.path(), &vars)
    );
    let mut states = Vec::new();
    for hauler in [&first, &second] {
        let response = http().get(hauler.api.url("/readyz")).send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or_default();
        states.push((status, body["checks"]["database"]["state"].clone()));
    }
    let database = Database::connect(&postgres.url()).await.unwrap();
    let migrations = scalar(&database, "SELECT COUNT(*) FROM seaql_migrations").await;
    loud(&format!(
        "two instances started together on an empty database: /readyz {states:?}, \
         {migrations} migrations applied once"
    ));
    for (status, database) in &states {
        assert_eq!(*status, 200);
        assert_eq!(database, "up");
    }
    assert_eq!(
        migrations as usize,
        <migration::Migrator as migration::MigratorTrait>::migrations().len()
    );
}

/// PostgreSQL hangs (its processes frozen: connections are taken and never answered) while
/// people open the Mini App and press "Check" on the status card again and again: the checks wait
/// for the database until the pool gives up and say it is unavailable, and meanwhile the app's
/// page opens at once: a check waiting on the database never holds a page's turn to render. Once
/// PostgreSQL moves again, the check answers as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_hung_status_checks_wait_and_pages_still_open() {
    const CHECKS: usize = 40;
    let Some(postgres) = OwnPostgres::start("faults_pg_hung").await else {
        return;
    };
    let data = tempfile::tempdir().unwrap();
    let hauler = Hauler::start(
        data.path(),
        &[
            ("DATABASE_URL", postgres.url()),
            ("TELEGRAM_UPDATES", "off".into()),
        ],
    )
    .await;
    let api = hauler.api.clone();
    assert_eq!(status_check(&api).await.0, 200);

    let frozen = postgres.freeze();
    let checks: Vec<_> = (0..CHECKS)
        .map(|_| {
            let api = api.clone();
            tokio::spawn(async move { status_check(&api).await })
        })
        .collect();
    // The checks are all waiting on the database by now.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = Instant::now();
    let page = api.client.get(api.url("/")).send().await.unwrap();
    let page_status = page.status().as_u16();
    let page_whole = page.text().await.unwrap().contains("</html>");
    let page_came = asked.elapsed();
    let mut answers = Vec::new();
    for check in checks {
        answers.push(check.await.unwrap());
    }
    drop(frozen);
    let first_check_answered = answers.iter().map(|(_, _, at)| *at).min().unwrap();
    let refused = answers
        .iter()
        .filter(|(status, body, _)| *status == 503 && body.contains(r#""code":"unavailable""#))
        .count();
    let after = status_check(&api).await.0;

    loud(&format!(
        "PostgreSQL hung: the app's page came {page_came:?} after it was asked, while {CHECKS} \
         status checks waited (the first answered {:?} after the page was asked; answers {:?}); \
         once PostgreSQL moved again the check answered {after}",
        first_check_answered.saturating_duration_since(asked),
        answers
            .iter()
            .map(|(status, body, _)| (status, body))
            .collect::<std::collections::BTreeSet<_>>()
    ));
    assert_eq!((page_status, page_whole), (200, true));
    assert!(
        asked + page_came < first_check_answered,
        "the page came before any check waiting on the database was answered"
    );
    assert_eq!(refused, CHECKS, "every check said 503 unavailable");
    assert_eq!(after, 200);
}

/// PostgreSQL hangs for ten seconds while drivers browse: their cached lists keep coming, each
/// within one wait of the pool at most (before, a list asked the database up to three times in
/// turn, 2.4 s), what needs the database is refused promptly with `503 database_unavailable`,
/// and once PostgreSQL moves again everything answers by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_hung_for_ten_seconds_cached_lists_keep_flowing() {
    let outage = Outage::Hung(Duration::from_secs(10));
    let Some((seen, recovered_after)) =
        drivers_browse_through("faults_pg_hung_browsing", 740_000, outage).await
    else {
        return;
    };
    loud(&format!(
        "PostgreSQL hung for 10 s under load: {seen}; the database's answers came back \
         {recovered_after:?} after PostgreSQL moved again, without restarting Hauler"
    ));
    seen.assert_rode_out_the_outage();
}

/// How the database goes away.
enum Outage {
    /// Shut down: connections are refused.
    Stopped(Duration),
    /// Frozen: connections are taken and never answered.
    Hung(Duration),
}

/// Drivers browse one `hauler` on a PostgreSQL of its own through an outage: what they saw, and
/// how soon after PostgreSQL was back the database's answers came back. `None` (said loudly)
/// without PostgreSQL.
async fn drivers_browse_through(
    test: &str,
    first_driver: i64,
    outage: Outage,
) -> Option<(Seen, Duration)> {
    let postgres = OwnPostgres::start(test).await?;
    let (hauler, _exchange, sessions) =
        drivers_on(&postgres, ("TELEGRAM_UPDATES", "off".into()), first_driver).await;
    let api = hauler.api.clone();

    let load = Load::start(&api, &sessions);
    tokio::time::sleep(Duration::from_secs(2)).await;
    load.outage_begins();
    match outage {
        Outage::Stopped(lasting) => {
            postgres.stop().await;
            tokio::time::sleep(lasting).await;
            postgres.start_again().await;
        }
        Outage::Hung(lasting) => {
            let frozen = postgres.freeze();
            tokio::time::sleep(lasting).await;
            drop(frozen);
        }
    }
    load.outage_ends();
    let back = Instant::now();
    until_async("the profile answers again", || async {
        request(&api, &sessions[0], "/api/v1/me").await.0 == 200
    })
    .await;
    let recovered_after = back.elapsed();
    tokio::time::sleep(Duration::from_secs(2)).await;
    Some((load.stop().await, recovered_after))
}

/// The status card's server function, as its button calls it: the status, the body, and when
/// the answer came.
async fn status_check(api: &Api) -> (u16, String, Instant) {
    let response = api
        .client
        .post(api.url("/api/fn/service_status"))
        .header("content-type", "application/x-www-form-urlencoded")
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.text().await.unwrap_or_default();
    (status, body, Instant::now())
}

/// A PostgreSQL cluster of the test's own, stopped when dropped.
struct OwnPostgres {
    dir: TempDir,
    port: u16,
}

impl OwnPostgres {
    /// A fresh cluster, started; `None` (said loudly) when the environment has no PostgreSQL.
    async fn start(test: &str) -> Option<Self> {
        if std::env::var("DATABASE_URL").is_err() {
            loud(&format!(
                "{test}: NOT RUN: DATABASE_URL is not set, so this PostgreSQL fault test did not \
                 run (CI sets it; set it to run the PostgreSQL fault tests)"
            ));
            return None;
        }
        assert!(
            Path::new(PG_BIN).join("initdb").is_file(),
            "DATABASE_URL is set but PostgreSQL's binaries are not in {PG_BIN}"
        );
        record(test, Db::Postgres, Store::InProcess);
        let dir = tempfile::tempdir().unwrap();
        let cluster = Self {
            dir,
            port: free_port(),
        };
        let initdb = format!(
            "{PG_BIN}/initdb -D {} -A trust -U postgres --no-sync",
            cluster.data().display()
        );
        let prepare = cluster.dir.path().to_owned();
        tokio::task::spawn_blocking(move || {
            if running_as_root() {
                // initdb refuses root: the cluster belongs to the unprivileged postgres user.
                let mut chown = Command::new("chown");
                chown.arg("postgres:postgres").arg(&prepare);
                run(chown);
            }
            run(as_postgres(&initdb));
        })
        .await
        .unwrap();
        cluster.start_again().await;
        Some(cluster)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("pg")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn pg_ctl(&self, action: &str) -> String {
        format!(
            "{PG_BIN}/pg_ctl -D {data} -l {dir}/pg.log -o '-c listen_addresses=127.0.0.1 -p {port} \
             -k {dir} -c fsync=off' -w -m fast {action}",
            data = self.data().display(),
            dir = self.dir.path().display(),
            port = self.port,
        )
    }

    async fn start_again(&self) {
        let command = self.pg_ctl("start");
        tokio::task::spawn_blocking(move || run(as_postgres(&command)))
            .await
            .unwrap();
    }

    /// Stops the server and every session where they are (`SIGSTOP`): connections are taken
    /// by the kernel and never answered, as with a database that hangs.
    fn freeze(&self) -> Frozen {
        let pid_file = std::fs::read_to_string(self.data().join("postmaster.pid")).unwrap();
        let server = pid_file.lines().next().unwrap().trim();
        let mut frozen = Frozen::default();
        // The server first, so it starts no session meanwhile.
        frozen.stop(server);
        let children = Command::new("pgrep").args(["-P", server]).output().unwrap();
        for child in String::from_utf8_lossy(&children.stdout).split_whitespace() {
            frozen.stop(child);
        }
        frozen
    }

    /// A fast shutdown: sessions are ended, connections refused until it starts again.
    async fn stop(&self) {
        let command = self.pg_ctl("stop");
        tokio::task::spawn_blocking(move || run(as_postgres(&command)))
            .await
            .unwrap();
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = as_postgres(&self.pg_ctl("stop").replace("-m fast", "-m immediate")).status();
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

fn as_postgres(command: &str) -> Command {
    let mut shell = if running_as_root() {
        let mut su = Command::new("su");
        su.args(["postgres", "-s", "/bin/sh", "-c"]);
        su
    } else {
        let mut sh = Command::new("sh");
        sh.arg("-c");
        sh
    };
    shell.arg(command).stdout(std::process::Stdio::null());
    shell
}

fn run(mut command: Command) {
    let status = command.status().unwrap();
    assert!(status.success(), "{command:?}: {status}");
}

/// A `hauler` on this PostgreSQL (with `var` set besides, its data beside the cluster's) and a
/// sandbox exchange of the test's own, connected to it, and drivers signed in there: the
/// instance, the exchange, the drivers' sessions.
async fn drivers_on(
    postgres: &OwnPostgres,
    var: (&str, String),
    first_driver: i64,
) -> (Hauler, Exchange, Vec<String>) {
    let (exchange_url, exchange) = serve_exchange(instant_exchange()).await;
    let hauler = Hauler::start(
        postgres.dir.path(),
        &[
            ("DATABASE_URL", postgres.url()),
            ("CARGOTECH_BASE_URL", exchange_url),
            var,
        ],
    )
    .await;
    hauler.api.until_connected_to_the_exchange().await;
    let sessions = signed_in_drivers(&hauler.api, first_driver).await;
    (hauler, exchange, sessions)
}

/// Drivers who opened the Mini App and began the trial, each with a first page of loads seen
/// (so the exchange's answer is cached): their session tokens.
async fn signed_in_drivers(api: &Api, first_id: i64) -> Vec<String> {
    let mut sessions = Vec::new();
    for n in 1..=DRIVERS {
        let session = api.driver_session(first_id + n).await;
        assert_eq!(api.list(&session, 0).await, 200);
        sessions.push(session);
    }
    sessions
}

/// A request as a driver's Mini App makes it: status, the refusal's code, and how long it took.
async fn request(api: &Api, session: &str, path: &str) -> (u16, String, Duration) {
    let started = Instant::now();
    let Ok(response) = api
        .client
        .get(api.url(path))
        .bearer_auth(session)
        .timeout(Duration::from_secs(10))
        .send()
        .await
    else {
        return (0, "no answer".into(), started.elapsed());
    };
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or_default();
    let code = body["code"].as_str().unwrap_or_default().to_owned();
    (status, code, started.elapsed())
}

/// Drivers browsing throughout: each alternately opens their cached first page of loads and
/// their profile (which needs the database).
struct Load {
    running: Arc<AtomicBool>,
    /// When the outage began and ended, as the test saw it.
    outage: Arc<Mutex<(Option<Instant>, Option<Instant>)>>,
    seen: Arc<Mutex<Seen>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

#[derive(Debug, Default, Clone)]
struct Seen {
    sent: u64,
    lists_sent: u64,
    lists_failed: u64,
    needing_database_sent: u64,
    needing_database_refused: u64,
    /// Refusals other than `503 database_unavailable` (a `500`, a hang cut off, no answer).
    unclear: Vec<(u16, String)>,
    slowest_refusal: Duration,
    slowest_list: Duration,
    slowest: Duration,
    failed_after: u64,
}

impl std::fmt::Display for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} requests sent ({} cached lists, {} failed; {} needing the database, {} refused \
             with 503 database_unavailable, the slowest refusal after {:?}); slowest list \
             {:?}, slowest answer {:?}; unclear answers {:?}; failures after recovery {}",
            self.sent,
            self.lists_sent,
            self.lists_failed,
            self.needing_database_sent,
            self.needing_database_refused,
            self.slowest_refusal,
            self.slowest_list,
            self.slowest,
            self.unclear,
            self.failed_after,
        )
    }
}

impl Seen {
    /// Cached lists flowed throughout, the outage was felt by what needs the database, every
    /// refusal was prompt and clear, and everything answered again once the database was back.
    fn assert_rode_out_the_outage(&self) {
        self.assert_prompt_and_clear();
        assert_eq!(self.lists_failed, 0, "cached lists kept flowing: {self}");
        assert!(
            self.needing_database_refused > 0,
            "the outage was felt by what needs the database: {self}"
        );
        assert_eq!(self.failed_after, 0, "everything recovered: {self}");
    }

    fn assert_prompt_and_clear(&self) {
        assert!(self.unclear.is_empty(), "every refusal was clear: {self}");
        assert!(self.slowest_refusal < PROMPT, "refused promptly: {self}");
        // A cached list reads the database only for what it can do without (the access check,
        // the marks), and waits on the pool once at most.
        assert!(
            self.slowest_list < PROMPT,
            "lists waited once at most: {self}"
        );
        assert!(self.slowest < HANG, "no request hung: {self}");
    }
}

impl Load {
    fn start(api: &Api, sessions: &[String]) -> Self {
        let load = Self {
            running: Arc::new(AtomicBool::new(true)),
            outage: Arc::default(),
            seen: Arc::default(),
            tasks: Vec::new(),
        };
        let tasks = sessions
            .iter()
            .map(|session| {
                let (api, session) = (api.clone(), session.clone());
                let (running, outage, seen) = (
                    Arc::clone(&load.running),
                    Arc::clone(&load.outage),
                    Arc::clone(&load.seen),
                );
                tokio::spawn(async move {
                    while running.load(Ordering::Relaxed) {
                        for path in ["/api/v1/cargos?offset=0&limit=20", "/api/v1/me"] {
                            let answer = request(&api, &session, path).await;
                            let ended = outage.lock().unwrap().1;
                            let after = ended.is_some_and(|ended| ended.elapsed() > SETTLING);
                            seen.lock().unwrap().note(path, answer, after);
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                })
            })
            .collect();
        Self { tasks, ..load }
    }

    fn outage_begins(&self) {
        self.outage.lock().unwrap().0 = Some(Instant::now());
    }

    fn outage_ends(&self) {
        self.outage.lock().unwrap().1 = Some(Instant::now());
    }

    async fn stop(self) -> Seen {
        self.running.store(false, Ordering::Relaxed);
        for task in self.tasks {
            task.await.unwrap();
        }
        self.seen.lock().unwrap().clone()
    }
}

impl Seen {
    fn note(&mut self, path: &str, (status, code, took): (u16, String, Duration), after: bool) {
        self.sent += 1;
        self.slowest = self.slowest.max(took);
        let list = path.starts_with("/api/v1/cargos");
        if list {
            self.lists_sent += 1;
            self.slowest_list = self.slowest_list.max(took);
        } else {
            self.needing_database_sent += 1;
        }
        if status == 200 {
            return;
        }
        if list {
            self.lists_failed += 1;
        }
        if after {
            self.failed_after += 1;
        }
        if status == 503 && code == "database_unavailable" {
            self.needing_database_refused += u64::from(!list);
            self.slowest_refusal = self.slowest_refusal.max(took);
        } else {
            self.unclear.push((status, code));
        }
    }
}

/// A driver (or a payment) doing something in the chat, through Telegram's stand-in.
async fn writes_to_the_bot(api: &Api, update: Value) {
    let response = api
        .client
        .post(api.url("/sandbox/telegram/__sandbox/updates"))
        .json(&update)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

async fn messages_to(api: &Api, chat_id: i64) -> Vec<Value> {
    api.client
        .get(api.url(&format!(
            "/sandbox/telegram/__sandbox/messages?chat_id={chat_id}"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Starts buying the week on iOS (Telegram Stars): the payment's id and its price in stars.
async fn buy_with_stars(api: &Api, session: &str) -> (i64, i64) {
    let view: Value = api
        .client
        .get(api.url("/api/v1/subscription"))
        .bearer_auth(session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let week = view["plans"]
        .as_array()
        .and_then(|plans| plans.iter().find(|plan| plan["days"] == 7))
        .cloned()
        .unwrap_or_else(|| panic!("a week's plan in {view}"));
    let payment: Value = api
        .client
        .post(api.url("/api/v1/payments"))
        .bearer_auth(session)
        .json(&json!({"plan_id": week["id"], "platform": "ios"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = payment["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{payment}"));
    let stars = payment["stars"]
        .as_i64()
        .unwrap_or_else(|| panic!("{payment}"));
    (id, stars)
}

/// Telegram's `successful_payment` for the payment, as it arrives after the stars are taken.
fn successful_payment(payer: i64, payment_id: i64, stars: i64, charge: &str) -> Value {
    let date = chrono::Utc::now().timestamp();
    json!({"message": {
        "message_id": date,
        "date": date,
        "chat": {"id": payer, "type": "private"},
        "from": {"id": payer, "is_bot": false, "first_name": "Driver"},
        "successful_payment": {
            "currency": "XTR",
            "total_amount": stars,
            "invoice_payload": format!("payment:{payment_id}"),
            "telegram_payment_charge_id": charge,
            "provider_payment_charge_id": "",
        },
    }})
}

async fn payment_status(api: &Api, session: &str, payment_id: i64) -> String {
    let Ok(response) = api
        .client
        .get(api.url(&format!("/api/v1/payments/{payment_id}")))
        .bearer_auth(session)
        .send()
        .await
    else {
        return String::new();
    };
    let body: Value = response.json().await.unwrap_or_default();
    body["status"].as_str().unwrap_or_default().to_owned()
}
