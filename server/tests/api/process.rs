//! A `hauler serve` process of a test's own, for the fault tests: started with only the variables
//! the test gives, spoken to over HTTP as drivers and probes do, signalled and killed.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use server::{config::SANDBOX_BOT_TOKEN, telegram::init_data::signed_init_data};

use crate::support::{free_port, site_root};

pub const DRAIN_DELAY_SECONDS: u64 = 2;
/// The shortest grace the drain delay allows: the delay, the 30 s request timeout and 5 s.
pub const GRACE: Duration = Duration::from_secs(DRAIN_DELAY_SECONDS + 35);

/// A `hauler serve` process of the test's own, killed when dropped.
pub struct Hauler {
    child: Child,
    pub api: Api,
    logs: PathBuf,
}

impl Hauler {
    /// Starts the binary on a free port with only the given variables, the drain delay and the
    /// shortest grace it allows; returns once it answers.
    pub async fn start(data: &Path, vars: &[(&str, String)]) -> Self {
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
    pub fn terminate(&self) -> Instant {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        Instant::now()
    }

    pub async fn exit_within(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                return exit;
            }
            assert!(started.elapsed() < limit, "the instance did not exit");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn logs(&self) -> String {
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
pub struct Api {
    pub client: reqwest::Client,
    pub host: String,
}

impl Api {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.host)
    }

    pub async fn until_connected_to_the_exchange(&self) {
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
    pub async fn driver_session(&self, telegram_id: i64) -> String {
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
    pub async fn list(&self, session: &str, offset: u32) -> u16 {
        self.client
            .get(self.url(&format!("/api/v1/cargos?offset={offset}&limit=20")))
            .bearer_auth(session)
            .send()
            .await
            .map_or(0, |response| response.status().as_u16())
    }

    /// The live channel of new loads, as the Mini App's `EventSource` opens it.
    pub async fn open_live(&self, session: &str) -> reqwest::Response {
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
    pub async fn fresh_get(&self, path: &str) -> (u16, Value) {
        let response = http()
            .get(self.url(path))
            .send()
            .await
            .expect("the instance still accepts during the drain delay");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }
}

pub async fn writes_to_the_bot(control: &reqwest::Client, telegram_url: &str, chat_id: i64) {
    let response = control
        .post(format!("{telegram_url}/__sandbox/updates"))
        .json(&json!({"chat_id": chat_id, "text": "/start"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
}

/// An HTTP client (reqwest is built without a default TLS provider; ring is the one shipped).
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Serves a sandbox on a listener of the test's own; its base URL.
pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{address}")
}

/// Waits (up to thirty seconds) until `done`.
pub async fn until(what: &str, done: impl Fn() -> bool) {
    until_async(what, || std::future::ready(done())).await;
}

pub async fn until_async<F: Future<Output = bool>>(what: &str, done: impl Fn() -> F) {
    let started = Instant::now();
    while !done().await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "waited for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl Api {
    /// A page of loads: its status and the ids of its cards.
    pub async fn list_ids(&self, session: &str, offset: u32) -> (u16, Vec<u64>) {
        let Ok(response) = self
            .client
            .get(self.url(&format!("/api/v1/cargos?offset={offset}&limit=20")))
            .bearer_auth(session)
            .send()
            .await
        else {
            return (0, Vec::new());
        };
        let status = response.status().as_u16();
        let page: Value = response.json().await.unwrap_or_default();
        let ids = page["cards"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|card| card["id"].as_u64())
            .collect();
        (status, ids)
    }

    /// A load's card, as a driver opens it from a list: its status.
    pub async fn card(&self, session: &str, id: u64) -> u16 {
        self.client
            .get(self.url(&format!("/api/v1/cargos/{id}")))
            .bearer_auth(session)
            .send()
            .await
            .map_or(0, |response| response.status().as_u16())
    }
}
