//! The server under test as a process of its own, so that its memory is its own
//! (`server_rss_mb=`, read from `/proc/<pid>/status`) and it can be stopped and started again
//! mid-run (`--warm`). The bench runs itself as the child (`--serve hauler`, or `--serve plain`
//! for the plain axum handler the cached list is compared with); the child says its address on
//! stdout, answers `figures` with the gateway's figures as one JSON line, and stops on SIGTERM as
//! an orchestrator stops Hauler (draining, then saying what its drivers asked most).

use std::{
    collections::HashMap,
    path::Path,
    process::Stdio,
    sync::{Arc, atomic::Ordering},
};

use axum::{Router, body::Bytes, http::header, routing::get, serve::ListenerExt};
use serde::{Deserialize, Serialize};
use server::{Application, cargotech::ListTimingsSummary, config::Config};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    process::{Child, ChildStdin, Command},
};

/// Lines of the child's own protocol on stdout (anything else there is the server's logging).
const LISTENING: &str = "bench-listening ";
const FIGURES: &str = "bench-figures ";

/// What the server's gateway counted, as the child says it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ServerFigures {
    pub calls_by_driver: HashMap<i64, u64>,
    pub hits: u64,
    pub revalidations: u64,
    pub misses: u64,
    pub coalesced: u64,
    pub narrowed: u64,
    pub lists: ListTimingsSummary,
}

impl ServerFigures {
    pub fn hit_ratio(&self) -> f64 {
        let hits = self.hits + self.revalidations;
        hits as f64 / (hits + self.misses).max(1) as f64
    }

    /// Two instances' figures, one after the other: counts add up; of the percentiles, the
    /// slower instance's stand.
    pub fn then(mut self, later: ServerFigures) -> Self {
        for (driver, calls) in later.calls_by_driver {
            *self.calls_by_driver.entry(driver).or_default() += calls;
        }
        self.hits += later.hits;
        self.revalidations += later.revalidations;
        self.misses += later.misses;
        self.coalesced += later.coalesced;
        self.narrowed += later.narrowed;
        let (a, b) = (self.lists, later.lists);
        self.lists = ListTimingsSummary {
            from_cache: a.from_cache + b.from_cache,
            waited: a.waited + b.waited,
            cached_p50_ms: a.cached_p50_ms.max(b.cached_p50_ms),
            cached_p95_ms: a.cached_p95_ms.max(b.cached_p95_ms),
            cached_p99_ms: a.cached_p99_ms.max(b.cached_p99_ms),
        };
        self
    }
}

/// A child server process, killed when dropped.
pub struct ServerProcess {
    child: Child,
    stdin: ChildStdin,
    /// The child's protocol lines; the rest of its stdout (its logging) is read and dropped, so
    /// it never blocks on a full pipe.
    said: tokio::sync::mpsc::UnboundedReceiver<String>,
    pub base: String,
}

impl ServerProcess {
    /// Hauler with exactly these variables (nothing else from the bench's environment).
    pub async fn hauler(vars: &HashMap<String, String>) -> Self {
        let mut command = Command::new(std::env::current_exe().expect("the bench's own path"));
        command.args(["--serve", "hauler"]).env_clear().envs(vars);
        Self::spawn(command).await
    }

    /// A plain axum handler answering `path` with `body` as JSON.
    pub async fn plain(path: &str, body: &Path) -> Self {
        let mut command = Command::new(std::env::current_exe().expect("the bench's own path"));
        command
            .args(["--serve", "plain", "--plain-path", path, "--plain-body"])
            .arg(body)
            .env_clear();
        Self::spawn(command).await
    }

    async fn spawn(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the bench starts its server process");
        let stdin = child.stdin.take().expect("piped");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped")).lines();
        let (tell, mut said) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(Some(line)) = stdout.next_line().await {
                if line.starts_with(LISTENING) || line.starts_with(FIGURES) {
                    let _ = tell.send(line);
                }
            }
        });
        let base = said
            .recv()
            .await
            .and_then(|line| line.strip_prefix(LISTENING).map(str::to_owned))
            .expect("the server process says where it listens");
        Self {
            child,
            stdin,
            said,
            base,
        }
    }

    /// The gateway's figures so far.
    pub async fn figures(&mut self) -> ServerFigures {
        let _ = self.stdin.write_all(b"figures\n").await;
        let _ = self.stdin.flush().await;
        self.said
            .recv()
            .await
            .and_then(|line| serde_json::from_str(line.strip_prefix(FIGURES)?).ok())
            .unwrap_or_default()
    }

    /// Forgets the peak of resident memory so far (Linux's `clear_refs`), so that the next
    /// [`ServerProcess::memory_mb`] says the peak since.
    pub fn forget_peak(&self) {
        if let Some(pid) = self.child.id() {
            let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
        }
    }

    /// Resident memory now and at its peak, in MB.
    pub fn memory_mb(&self) -> (f64, f64) {
        let status = self
            .child
            .id()
            .and_then(|pid| std::fs::read_to_string(format!("/proc/{pid}/status")).ok())
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|line| line.starts_with(name))
                .and_then(|line| line.split_whitespace().nth(1)?.parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// SIGTERM, as an orchestrator stops an instance; returns once it has exited.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await;
        }
        let _ = self.child.wait().await;
    }
}

/// The child: Hauler configured by its environment, until SIGTERM.
pub async fn serve_hauler() {
    let config = Config::from_vars(std::env::vars().collect()).expect("a valid configuration");
    server::telemetry::init(&config);
    let app = Application::build(config).await.expect("Hauler starts");
    let gateway = app.gateway();
    println!("{LISTENING}http://{}", app.address());
    // The bench's questions, one a line, read on a thread of their own (stdin blocks).
    let (asked, mut questions) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines().map_while(Result::ok) {
            if asked.send(line).is_err() {
                return;
            }
        }
    });
    let answering = async {
        while let Some(line) = questions.recv().await {
            if line.trim() == "figures" {
                let caches = gateway.cache_stats();
                let figures = ServerFigures {
                    calls_by_driver: gateway
                        .upstream_calls_by_driver()
                        .into_iter()
                        .map(|(driver, calls)| (driver.into(), calls))
                        .collect(),
                    hits: caches
                        .iter()
                        .map(|(_, s)| s.hits.load(Ordering::Relaxed))
                        .sum(),
                    revalidations: caches
                        .iter()
                        .map(|(_, s)| s.revalidations.load(Ordering::Relaxed))
                        .sum(),
                    misses: caches
                        .iter()
                        .map(|(_, s)| s.misses.load(Ordering::Relaxed))
                        .sum(),
                    coalesced: caches
                        .iter()
                        .map(|(_, s)| s.coalesced.load(Ordering::Relaxed))
                        .sum(),
                    narrowed: caches
                        .iter()
                        .map(|(_, s)| s.narrowed.load(Ordering::Relaxed))
                        .sum(),
                    lists: gateway.list_timings.summary(),
                };
                let json = serde_json::to_string(&figures).unwrap_or_default();
                println!("{FIGURES}{json}");
            }
        }
        // The bench went away: nothing more to answer, serve until stopped.
        std::future::pending::<()>().await;
    };
    tokio::select! {
        outcome = app.run_until_stopped() => outcome.expect("Hauler serves"),
        () = answering => {}
    }
}

/// The child: one plain axum handler answering the same bytes as the cached list, on the same
/// kind of runtime and listener, for `plain_axum_rps=`.
pub async fn serve_plain(path: &str, body: &Path) {
    let body = Bytes::from(std::fs::read(body).expect("the page to answer"));
    let body = Arc::new(body);
    let router = Router::new().route(
        path,
        get(move || {
            let body = Arc::clone(&body);
            async move {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    (*body).clone(),
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    println!(
        "{LISTENING}http://{}",
        listener.local_addr().expect("bound")
    );
    let listener = listener.tap_io(|connection: &mut tokio::net::TcpStream| {
        let _ = connection.set_nodelay(true);
    });
    axum::serve(listener, router)
        .await
        .expect("the plain handler serves");
}
