//! `spawn_app`: a fresh server (fresh database, fresh data folder) per test.

pub mod cabinet;

use std::{
    collections::HashMap,
    io::Write,
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use domain::store::{SharedStore, StoreHealth};

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use server::{
    Application,
    config::{Config, SANDBOX_BOT_TOKEN},
    sandbox::cargotech::{self as exchange, Exchange, ExchangeConfig},
    telegram::init_data::signed_init_data,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Store {
    InProcess,
    Redis,
}

/// The embedded default always; the scaled-out pair when the environment offers it.
pub fn backends() -> Vec<(Db, Store)> {
    let mut backends = vec![(Db::Sqlite, Store::InProcess)];
    let postgres = std::env::var("DATABASE_URL").is_ok();
    let redis = std::env::var("REDIS_URL").is_ok();
    if postgres || redis {
        backends.push((
            if postgres { Db::Postgres } else { Db::Sqlite },
            if redis {
                Store::Redis
            } else {
                Store::InProcess
            },
        ));
    }
    backends
}

pub fn databases() -> Vec<Db> {
    let mut databases = vec![Db::Sqlite];
    if std::env::var("DATABASE_URL").is_ok() {
        databases.push(Db::Postgres);
    }
    databases
}

pub struct TestApp {
    pub address: String,
    /// The signed-in driver's session token, sent with every request once set.
    pub bearer: Option<String>,
    /// The running app's CargoTech gateway, for what has no HTTP surface yet (admin actions).
    pub gateway: std::sync::Arc<server::cargotech::Gateway>,
    /// The running app's money path, to run a job's round by hand (autopay renewals).
    pub billing: server::payments::Billing,
    pub client: reqwest::Client,
    /// The database this instance uses: its own, or another instance's when the test shares one.
    pub database_url: String,
    /// Stops the server when the last handle on it goes: a test that starts one per backend
    /// does not leave the first one's jobs running while the second works. The server keeps its
    /// data folder until it has stopped.
    _server: std::sync::Arc<tokio_util::sync::DropGuard>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.authorize(self.client.get(self.url(path)))
            .send()
            .await
            .expect("the server answers")
    }

    /// Another client of the same running server, signed in as nobody yet.
    pub fn same_server(&self) -> TestApp {
        TestApp {
            address: self.address.clone(),
            bearer: None,
            gateway: std::sync::Arc::clone(&self.gateway),
            billing: self.billing.clone(),
            client: self.client.clone(),
            database_url: self.database_url.clone(),
            _server: std::sync::Arc::clone(&self._server),
        }
    }

    /// Adds the signed-in driver's session, if there is one.
    pub fn authorize(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.bearer {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// Any call as the signed-in driver: the status and the JSON body (`null` when there is none).
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.authorize(self.client.request(method, self.url(path)));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// A driver who opened the app from Telegram and began the free trial (or had begun it
    /// before): signed in, with access to loads. Returns the driver.
    pub async fn sign_in_as(&mut self, user: serde_json::Value) -> serde_json::Value {
        let driver = self.sign_in_without_access(user).await;
        let (status, body) = self
            .call(reqwest::Method::POST, "/api/v1/subscription/trial", None)
            .await;
        assert!(
            status == 201 || (status == 409 && body["code"] == "trial_used"),
            "starting the trial: {status} {body}"
        );
        driver
    }

    /// Opens the app from Telegram as this user: launch data signed with the sandbox bot token,
    /// exchanged for a session every later request carries. Returns the driver.
    pub async fn sign_in_without_access(&mut self, user: serde_json::Value) -> serde_json::Value {
        let init_data = signed_init_data(&user, chrono::Utc::now().timestamp(), SANDBOX_BOT_TOKEN);
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/auth/telegram",
                Some(serde_json::json!({ "init_data": init_data })),
            )
            .await;
        assert_eq!(status, 200, "signing in: {body}");
        self.bearer = Some(body["token"].as_str().expect("a token").to_owned());
        body["driver"].clone()
    }

    /// A second connection to the app's database, to arrange or inspect data directly.
    pub async fn database(&self) -> DatabaseConnection {
        Database::connect(&self.database_url)
            .await
            .expect("the test database opens")
    }
}

#[derive(Default)]
pub struct Options {
    pub extra_vars: Vec<(&'static str, String)>,
}

pub async fn spawn_app(test: &str, (db, store): (Db, Store)) -> TestApp {
    spawn_app_with(test, (db, store), Options::default()).await
}

pub async fn spawn_app_with(test: &str, (db, store): (Db, Store), options: Options) -> TestApp {
    let data_dir = tempfile::tempdir().expect("a temporary data folder");
    let mut vars: HashMap<String, String> = HashMap::from([
        ("LISTEN_ADDR".into(), "127.0.0.1:0".into()),
        ("DATA_DIR".into(), data_dir.path().display().to_string()),
        ("SITE_ROOT".into(), site_root().display().to_string()),
        ("RUST_LOG".into(), "warn".into()),
    ]);
    if store == Store::Redis
        && let Ok(url) = std::env::var("REDIS_URL")
    {
        vars.insert("REDIS_URL".into(), url);
        // Test servers share one Redis: each keeps to its own keys unless a test says otherwise.
        vars.insert(
            "REDIS_KEY_PREFIX".into(),
            format!("test-{test}-{:08x}", rand::random::<u32>()),
        );
    }
    for (name, value) in options.extra_vars {
        vars.insert(name.into(), value);
    }
    // A fresh database of the test's own, unless the test shares another instance's.
    if !vars.contains_key("DATABASE_URL") {
        let url = match db {
            Db::Sqlite => format!(
                "sqlite://{}/hauler.sqlite?mode=rwc",
                data_dir.path().display()
            ),
            Db::Postgres => fresh_postgres_database().await,
        };
        vars.insert("DATABASE_URL".into(), url);
    }
    let database_url = vars["DATABASE_URL"].clone();
    assert_eq!(
        store == Store::Redis,
        vars.contains_key("REDIS_URL"),
        "{test}: no Redis URL"
    );
    let config = Config::from_vars(vars).expect("the test configuration is valid");
    server::telemetry::init(&config);
    let app = Application::build(config).await.expect("the app starts");
    let address = format!("http://{}", app.address());
    let gateway = app.gateway();
    let billing = app.billing();
    let stopper = app.stopper();
    tokio::spawn(async move {
        let _ = app.run_until_stopped().await;
        drop(data_dir);
    });
    record(test, db, store);

    TestApp {
        address,
        bearer: None,
        gateway,
        billing,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a client"),
        database_url,
        _server: std::sync::Arc::new(stopper.drop_guard()),
    }
}

/// A sandbox exchange answering at once (tests are quick), otherwise as `config` says.
pub fn instant_exchange() -> ExchangeConfig {
    ExchangeConfig {
        latency: Duration::ZERO,
        jitter: Duration::ZERO,
        ..ExchangeConfig::default()
    }
}

/// Serves a sandbox exchange on a listener of its own, which the test can steer; returns its
/// base URL (what `CARGOTECH_BASE_URL` takes).
pub async fn serve_exchange(config: ExchangeConfig) -> (String, Exchange) {
    let (address, exchange) = exchange::serve("127.0.0.1:0".parse().unwrap(), config)
        .await
        .unwrap();
    (format!("http://{address}"), exchange)
}

/// The app against an instant sandbox exchange of its own.
pub async fn app_with_exchange(
    test: &str,
    backend: (Db, Store),
    extra: &[(&'static str, &str)],
) -> (Exchange, TestApp) {
    let (url, exchange) = serve_exchange(instant_exchange()).await;
    let mut extra_vars = vec![("CARGOTECH_BASE_URL", url)];
    extra_vars.extend(extra.iter().map(|(name, value)| (*name, value.to_string())));
    let app = spawn_app_with(test, backend, Options { extra_vars }).await;
    (exchange, app)
}

/// A new, empty PostgreSQL database beside the one `DATABASE_URL` names.
pub async fn fresh_postgres_database() -> String {
    let admin_url = std::env::var("DATABASE_URL").expect("DATABASE_URL is set");
    let admin = Database::connect(&admin_url)
        .await
        .expect("PostgreSQL at DATABASE_URL answers");
    let name = format!("hauler_test_{}", random_suffix());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("a test database can be created");
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url.as_str(), String::new()),
    };
    let base = base
        .rsplit_once('/')
        .map(|(server, _)| server)
        .unwrap_or(base);
    format!("{base}/{name}{query}")
}

/// Unique across test processes (the clock and the process id) and within one, where two tests
/// may read the same clock tick (a counter).
fn random_suffix() -> String {
    use std::{
        sync::atomic::{AtomicU64, Ordering},
        time::{SystemTime, UNIX_EPOCH},
    };
    static TAKEN: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let n = TAKEN.fetch_add(1, Ordering::Relaxed);
    format!("{:x}{:x}_{n}", nanos, std::process::id())
}

pub fn site_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/site")
}

/// A file of the built bundles at the address pages link it by: `/pkg/<build>/<name>`.
pub fn bundle_file(name: &str) -> String {
    let build = std::fs::read_to_string(site_root().join("pkg/build"))
        .expect("the site is built (cargo xtask site) before the tests");
    format!("/pkg/{}/{name}", build.trim())
}

/// Where the build wrote a file of the bundles, on disk (see [`bundle_file`]).
pub fn built_file(name: &str) -> PathBuf {
    site_root().join(bundle_file(name).trim_start_matches('/'))
}

/// One line per server a test starts, so the test command can say what ran against what.
pub fn record(test: &str, db: Db, store: Store) {
    let Ok(path) = std::env::var("HAULER_TEST_REPORT") else {
        return;
    };
    let db = match db {
        Db::Sqlite => "SQLite",
        Db::Postgres => "PostgreSQL",
    };
    let store = match store {
        Store::InProcess => "in-process",
        Store::Redis => "Redis",
    };
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        // One write per line: tests run in parallel and append to the same file.
        let line = format!("database={db} store={store} test={test}\n");
        let _ = file.write_all(line.as_bytes());
    }
}

/// A redis-server of the test's own, on a free port, so it can be killed.
pub struct OwnRedis {
    child: Child,
    port: u16,
}

impl OwnRedis {
    pub fn start(port: u16) -> Self {
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
                // The test's own: it may stall it on purpose (`DEBUG SLEEP`).
                "--enable-debug-command",
                "yes",
            ])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed (the test command installs it)");
        Self { child, port }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server where it is (`SIGSTOP`), as a Redis that hangs: connections are taken
    /// and never answered, until the guard is dropped.
    pub fn freeze(&self) -> Frozen {
        let mut frozen = Frozen::default();
        frozen.stop(&self.child.id().to_string());
        frozen
    }

    pub async fn until_up(self, store: &SharedStore) -> Self {
        for _ in 0..50 {
            if store.check().await == StoreHealth::Up {
                return self;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the test's redis-server did not come up");
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Processes stopped where they are (`SIGSTOP`) until this is dropped, then continued in the
/// reverse order.
#[derive(Default)]
pub struct Frozen(Vec<String>);

impl Frozen {
    pub fn stop(&mut self, pid: &str) {
        assert!(signal("STOP", pid), "kill -STOP {pid}");
        self.0.push(pid.to_owned());
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        for pid in self.0.iter().rev() {
            signal("CONT", pid);
        }
    }
}

fn signal(name: &str, pid: &str) -> bool {
    Command::new("kill")
        .args([&format!("-{name}"), pid])
        .status()
        .is_ok_and(|status| status.success())
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What the bot has said in a chat, waiting (up to five seconds) for at least `count` messages.
pub async fn chat_with(app: &TestApp, chat_id: i64, count: usize) -> Vec<serde_json::Value> {
    let path = format!("/sandbox/telegram/__sandbox/messages?chat_id={chat_id}");
    let mut messages = Vec::new();
    for _ in 0..50 {
        messages = app
            .call(reqwest::Method::GET, &path, None)
            .await
            .1
            .as_array()
            .cloned()
            .unwrap_or_default();
        if messages.len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    messages
}

/// One number from the database, e.g. `SELECT COUNT(*) …`.
pub async fn scalar(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index(0).unwrap()
}

/// Said on the terminal itself (the harness captures `println!` of tests that pass): what a fault
/// test did and saw, for CI's log.
pub fn loud(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Cards (a page's `cards`, or a detail) without their shippers' marks and their ages: a mark
/// appears once a card of the load named its shipper, and a card ages by the second, so two
/// answers a moment apart may differ by them alone.
pub fn without_marks(value: &serde_json::Value) -> serde_json::Value {
    let mut value = value.clone();
    let strip = |card: &mut serde_json::Value| {
        if let Some(card) = card.as_object_mut() {
            card.remove("shipper");
            card.remove("age_seconds");
        }
    };
    match &mut value {
        serde_json::Value::Array(cards) => cards.iter_mut().for_each(strip),
        serde_json::Value::Object(detail) => match detail.get_mut("card") {
            Some(card) => strip(card),
            // A card itself.
            None => {
                detail.remove("shipper");
                detail.remove("age_seconds");
            }
        },
        _ => {}
    }
    value
}
