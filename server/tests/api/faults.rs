//! Faults a real deployment meets, against the `hauler` binary itself, started as a process the
//! test signals: SIGTERM while drivers' requests are in flight, and while a bot message is on
//! its way to Telegram. The exchange and Telegram are sandboxes served by the test, so they
//! outlive the instance and can be slowed down. Each test prints what it did and what it saw.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use sea_orm::Database;
use serde_json::{Value, json};
use server::{
    config::SANDBOX_BOT_TOKEN,
    sandbox::telegram::{self as telegram, SandboxTelegram},
    telegram::init_data::signed_init_data,
};
use tokio::net::TcpStream;

use crate::support::{
    Db, Store, databases, free_port, fresh_postgres_database, instant_exchange, record, scalar,
    serve_exchange, site_root,
};

const DRAIN_DELAY_SECONDS: u64 = 2;
/// The shortest grace the drain delay allows: the delay, the 30 s request timeout and 5 s.
const GRACE: Duration = Duration::from_secs(DRAIN_DELAY_SECONDS + 35);
const IN_FLIGHT: u32 = 20;

/// Twenty drivers' lists wait on a slow exchange when the instance is told to stop: `/readyz`
/// says it is draining, new connections are refused once the drain delay is over, all twenty
/// are answered, a Mini App's live channel is told to reconnect (elsewhere), and the process
/// exits cleanly within the grace period.
#[tokio::test]
async fn sigterm_with_twenty_requests_in_flight_answers_every_one_and_exits_in_time() {
    record("faults_sigterm_in_flight", Db::Sqlite, Store::InProcess);
    let (exchange_url, exchange) = serve_exchange(instant_exchange()).await;
    let data = tempfile::tempdir().unwrap();
    let mut hauler = Hauler::start(
        data.path(),
        &[
            ("CARGOTECH_BASE_URL", exchange_url),
            ("TELEGRAM_UPDATES", "off".into()),
        ],
    )
    .await;
    let api = hauler.api.clone();
    api.until_connected_to_the_exchange().await;
    let session = api.driver_session(700_101).await;
    assert_eq!(api.list(&session, 0).await, 200, "a first list, quickly");
    let live = api.open_live(&session).await;

    exchange.set_latency(Duration::from_secs(4));
    exchange.reset_stats();
    // Twenty pages far apart, each needing a call of its own to the now slow exchange.
    let requests: Vec<_> = (1..=IN_FLIGHT)
        .map(|page| {
            let (api, session) = (api.clone(), session.clone());
            tokio::spawn(async move {
                let status = api.list(&session, page * 100).await;
                (status, Instant::now())
            })
        })
        .collect();
    until("the exchange has all twenty calls", || {
        exchange.stats().lists >= u64::from(IN_FLIGHT)
    })
    .await;

    let signalled = hauler.terminate();
    // Asked until the signal has landed: the answer a balancer's probe gets while draining.
    let (mut ready_status, mut ready_body) = api.fresh_get("/readyz").await;
    while ready_status == 200 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        (ready_status, ready_body) = api.fresh_get("/readyz").await;
    }
    let mut accepted_while_draining = 0;
    while TcpStream::connect(api.host.as_str()).await.is_ok() {
        accepted_while_draining += 1;
        assert!(signalled.elapsed() < GRACE, "the listener never closed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let refused_from = Instant::now();
    let farewell = tokio::time::timeout(GRACE, live.text())
        .await
        .expect("the live channel ends")
        .unwrap_or_default();

    let mut answered = Vec::new();
    for request in requests {
        answered.push(request.await.unwrap());
    }
    let exit = hauler.exit_within(GRACE + Duration::from_secs(5)).await;
    let stopped_after = signalled.elapsed();
    let ok = answered.iter().filter(|(status, _)| *status == 200).count();
    let after_close = answered.iter().filter(|(_, at)| *at > refused_from).count();
    println!(
        "SIGTERM with {IN_FLIGHT} lists in flight: {ok} answered 200, {after_close} of them after \
         the listener closed; /readyz while draining: {ready_status} {ready_body}; {} new \
         connections accepted during the {DRAIN_DELAY_SECONDS} s drain delay, then refused; \
         the live channel's last words: {farewell:?}; exit {exit} after {stopped_after:?} \
         (grace {GRACE:?})",
        accepted_while_draining,
    );
    assert_eq!(ok, IN_FLIGHT as usize, "{answered:?}");
    assert_eq!(ready_status, 503);
    assert_eq!(ready_body["status"], "draining");
    assert!(
        farewell.contains("event: reconnect") && farewell.contains("retry: 1000"),
        "{farewell}"
    );
    assert!(exit.success(), "{exit}");
    assert!(stopped_after < GRACE, "{stopped_after:?}");
    let logs = hauler.logs();
    assert!(
        logs.contains("every request answered, every job finished"),
        "{logs}"
    );
}

/// A driver writes to the bot, and the instance is told to stop while the answer is on its way
/// to Telegram (which is slow to confirm it). The message is finished, not cut: sent once and
/// marked sent. The instance that takes over does not send it again.
#[tokio::test]
async fn a_bot_message_being_sent_at_sigterm_goes_out_once_and_is_marked_sent() {
    for db in databases() {
        let control = http();
        let telegram = SandboxTelegram::new(SANDBOX_BOT_TOKEN);
        let telegram_url = serve(telegram::router(telegram.clone())).await;
        let data = tempfile::tempdir().unwrap();
        let database_url = match db {
            Db::Sqlite => format!("sqlite://{}/hauler.sqlite?mode=rwc", data.path().display()),
            Db::Postgres => fresh_postgres_database().await,
        };
        record("faults_sigterm_outbox", db, Store::InProcess);
        let vars = [
            ("TELEGRAM_API_BASE_URL", telegram_url.clone()),
            ("DATABASE_URL", database_url.clone()),
        ];
        let mut stopping = Hauler::start(data.path(), &vars).await;
        let driver = 820_101;
        control
            .post(format!("{telegram_url}/__sandbox/control"))
            .json(&json!({"answer_delay_ms": 3000}))
            .send()
            .await
            .unwrap();
        writes_to_the_bot(&control, &telegram_url, driver).await;
        until("the answer reaches Telegram", || {
            !telegram.messages_to(driver).is_empty()
        })
        .await;

        let signalled = stopping.terminate();
        let exit = stopping.exit_within(GRACE + Duration::from_secs(5)).await;
        let stopped_after = signalled.elapsed();
        let db_connection = Database::connect(&database_url).await.unwrap();
        let sent = scalar(
            &db_connection,
            &format!(
                "SELECT COUNT(*) FROM outbox_messages WHERE chat_id = {driver} \
                 AND status = 'sent' AND attempts = 1"
            ),
        )
        .await;
        let waiting = scalar(
            &db_connection,
            "SELECT COUNT(*) FROM outbox_messages WHERE status <> 'sent'",
        )
        .await;

        control
            .post(format!("{telegram_url}/__sandbox/control"))
            .json(&json!({"answer_delay_ms": 0}))
            .send()
            .await
            .unwrap();
        let successor = Hauler::start(data.path(), &vars).await;
        // Messages go out oldest first: once a later one is delivered, an earlier one left
        // behind would have gone out before it.
        let later = 820_102;
        writes_to_the_bot(&control, &telegram_url, later).await;
        until("the successor answers a later driver", || {
            !telegram.messages_to(later).is_empty()
        })
        .await;
        let delivered = telegram.messages_to(driver).len();
        println!(
            "{db:?}: SIGTERM while a bot message was unconfirmed: exit {exit} after \
             {stopped_after:?}; rows sent once and marked: {sent}, rows not sent: {waiting}; \
             the driver got {delivered} message(s), the successor sent none again"
        );
        assert!(exit.success(), "{exit}");
        assert_eq!(sent, 1, "the message in hand is marked sent");
        assert_eq!(waiting, 0);
        assert_eq!(delivered, 1, "{:?}", telegram.messages_to(driver));
        drop(successor);
    }
}

/// A `hauler serve` process of the test's own, killed when dropped.
pub(crate) struct Hauler {
    child: Child,
    pub(crate) api: Api,
    logs: PathBuf,
}

impl Hauler {
    /// Starts the binary on a free port with only the given variables, the drain delay and the
    /// shortest grace it allows; returns once it answers.
    pub(crate) async fn start(data: &Path, vars: &[(&str, String)]) -> Self {
        let port = free_port();
        let logs = data.join(format!("hauler-{port}.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_hauler"));
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("DATA_DIR", data)
            .env("SITE_ROOT", site_root())
            .env(
                "SHUTDOWN_DRAIN_DELAY_SECONDS",
                DRAIN_DELAY_SECONDS.to_string(),
            )
            .env("SHUTDOWN_GRACE_SECONDS", GRACE.as_secs().to_string())
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .current_dir(data)
            .stdout(std::fs::File::create(&logs).unwrap())
            .stderr(Stdio::null());
        for (name, value) in vars {
            command.env(name, value);
        }
        let child = command.spawn().unwrap();
        let api = Api {
            client: http(),
            host: format!("127.0.0.1:{port}"),
        };
        until_async("the instance answers", || async {
            api.client
                .get(api.url("/healthz"))
                .send()
                .await
                .is_ok_and(|response| response.status() == 200)
        })
        .await;
        Self { child, api, logs }
    }

    /// Sends SIGTERM, as an orchestrator stopping the instance does; returns when.
    fn terminate(&self) -> Instant {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        Instant::now()
    }

    async fn exit_within(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                return exit;
            }
            assert!(started.elapsed() < limit, "the instance did not exit");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) fn logs(&self) -> String {
        std::fs::read_to_string(&self.logs).unwrap_or_default()
    }
}

impl Drop for Hauler {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The instance's HTTP API, as a driver's Mini App and an operator's probe speak to it.
#[derive(Clone)]
pub(crate) struct Api {
    pub(crate) client: reqwest::Client,
    host: String,
}

impl Api {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.host)
    }

    pub(crate) async fn until_connected_to_the_exchange(&self) {
        until_async("the instance logs in to the exchange", || async {
            let Ok(response) = self.client.get(self.url("/readyz")).send().await else {
                return false;
            };
            let body: Value = response.json().await.unwrap_or_default();
            body["checks"]["cargotech"]["state"] == "up"
        })
        .await;
    }

    /// A driver opening the Mini App from Telegram and beginning the trial: the session token.
    pub(crate) async fn driver_session(&self, telegram_id: i64) -> String {
        let user = json!({"id": telegram_id, "first_name": "Пётр", "language_code": "ru"});
        let init_data = signed_init_data(&user, chrono::Utc::now().timestamp(), SANDBOX_BOT_TOKEN);
        let signed_in: Value = self
            .client
            .post(self.url("/api/v1/auth/telegram"))
            .json(&json!({ "init_data": init_data }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = signed_in["token"].as_str().expect("a session").to_owned();
        let trial = self
            .client
            .post(self.url("/api/v1/subscription/trial"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(trial.status(), 201);
        token
    }

    /// A page of loads: its status.
    pub(crate) async fn list(&self, session: &str, offset: u32) -> u16 {
        self.client
            .get(self.url(&format!("/api/v1/cargos?offset={offset}&limit=20")))
            .bearer_auth(session)
            .send()
            .await
            .map_or(0, |response| response.status().as_u16())
    }

    /// The live channel of new loads, as the Mini App's `EventSource` opens it.
    async fn open_live(&self, session: &str) -> reqwest::Response {
        let response = self
            .client
            .get(self.url(&format!("/api/v1/live?access_token={session}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response
    }

    /// A request on a connection of its own (as a balancer's probe makes).
    async fn fresh_get(&self, path: &str) -> (u16, Value) {
        let response = http()
            .get(self.url(path))
            .send()
            .await
            .expect("the instance still accepts during the drain delay");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }
}

async fn writes_to_the_bot(control: &reqwest::Client, telegram_url: &str, chat_id: i64) {
    let response = control
        .post(format!("{telegram_url}/__sandbox/updates"))
        .json(&json!({"chat_id": chat_id, "text": "/start"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

/// An HTTP client (reqwest is built without a default TLS provider; ring is the one shipped).
pub(crate) fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Serves a sandbox on a listener of the test's own; its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

/// Waits (up to thirty seconds) until `done`.
async fn until(what: &str, done: impl Fn() -> bool) {
    until_async(what, || std::future::ready(done())).await;
}

pub(crate) async fn until_async<F: Future<Output = bool>>(what: &str, done: impl Fn() -> F) {
    let started = Instant::now();
    while !done().await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "waited for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
