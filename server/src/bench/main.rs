//! `hauler-bench --drivers N --seconds S`: simulated drivers browsing for loads, first through
//! Hauler (shared cache, single flight, budget) and then through a naive per-driver cache, each
//! against its own sandbox exchange answering in ~700 ms and allowing 600 requests a minute.
//! Drivers sign in (Telegram launch data, then the trial) before the run, as real ones do; after
//! it, the paywall check is timed on its own. With `--accounts N`, Hauler calls through N CargoTech
//! accounts, each allowed 600 a minute (the baseline keeps one). Hauler and each exchange run on
//! runtimes of their own, apart from the drivers' tasks. With `--greedy N`, N more drivers run
//! scripts beside them that hammer what would cost the exchange calls (see `greedy`). Hauler runs
//! as a process of its own (`server_process`), so its memory is measured apart from the simulated
//! drivers (`server_rss_signed_in_mb=` once they have signed in, `server_rss_mb=` at its peak while
//! they browse, and `server_rss_after_mb=` once they have gone); after the run, a
//! cached list page is asked as fast as it is answered, through Hauler and from a plain axum
//! handler returning the same bytes (`cached_list_rps=`, `plain_axum_rps=`); then a fresh Hauler
//! and a fresh plain axum handler are each left holding 10,000 connections idle after one
//! request, for what one costs (`server_idle_connection_kb=`, `plain_axum_idle_connection_kb=`).
//! With `--warm`, Hauler
//! is restarted halfway, as a deploy does, on Redis (the environment's `REDIS_URL`, else a
//! redis-server of the bench's own): a second instance starts on the same database and Redis, the
//! drivers move to it once it is connected, and the first is stopped. Prints a table and one
//! `bench: key=value …` line. `--cabinet` times the cabinet proxy instead (see `cabinet`);
//! `--places` counts what the searches by place cost the exchange (see `places`).

mod access_check;
mod cabinet;
mod drivers;
mod greedy;
mod machine;
mod percentiles;
mod places;
mod report;
mod server_process;
mod sign_in;
mod throughput;

use std::{
    collections::HashMap,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use clap::{Parser, ValueEnum};
use server::{
    cargotech::Client,
    config::{Config, SANDBOX_CARGOTECH_PASSWORD, SANDBOX_CARGOTECH_PHONE},
    sandbox::cargotech::{self as exchange, ExchangeConfig},
};

use self::{
    access_check::AccessCheck,
    drivers::{Address, Outcome, Target},
    machine::Machine,
    report::{CacheFigures, Figures, Greed, Run, ServerSide, Throughput, WarmRestart},
    server_process::{ServerFigures, ServerProcess},
};

#[derive(Parser)]
#[command(about = "Simulated drivers against Hauler and a naive baseline")]
struct Args {
    #[arg(long, default_value_t = 1000)]
    drivers: usize,
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// CargoTech accounts Hauler calls through.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=9))]
    accounts: u8,
    /// Greedy drivers (scripts) running beside the ordinary ones.
    #[arg(long, default_value_t = 0, conflicts_with = "warm")]
    greedy: usize,
    /// Instead of drivers: what the cabinet proxy adds to a 100 KB page and to WebSocket frames.
    #[arg(long)]
    cabinet: bool,
    /// Instead of browsing: what the searches by place cost the exchange, against the ordinary
    /// lists of the same cities (`--drivers` search at once).
    #[arg(long, conflicts_with_all = ["cabinet", "warm", "greedy"])]
    places: bool,
    /// Restart Hauler halfway through, keeping the shared cache (Redis).
    #[arg(long)]
    warm: bool,
    /// Run as the server process under test (the bench starts itself so).
    #[arg(long, hide = true)]
    serve: Option<Role>,
    #[arg(long, hide = true, default_value = "/")]
    plain_path: String,
    #[arg(long, hide = true)]
    plain_body: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Role {
    Hauler,
    Plain,
}

/// The allocator `hauler` runs with, so that the server the benchmark starts is measured as
/// deployed.
#[global_allocator]
static ALLOCATOR: server::allocator::Allocator = server::allocator::Allocator;

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if args.cabinet {
        cabinet::run(200).await;
        return;
    }
    if args.places {
        places::run(args.drivers).await;
        return;
    }
    if args.serve.is_some() {
        // As `hauler` does. Not for the simulated drivers: giving freed memory back at once
        // costs CPU (fresh pages zeroed again, a fifth of the drivers' time in the first minute
        // of 20,000), which they would take from the server under test on the same cores.
        server::allocator::give_back_freed_memory_at_once();
    }
    match args.serve {
        Some(Role::Hauler) => return server_process::serve_hauler().await,
        Some(Role::Plain) => {
            let body = args.plain_body.expect("--plain-body");
            return server_process::serve_plain(&args.plain_path, &body).await;
        }
        None => {}
    }
    // reqwest is built without a default TLS provider (the server installs ring for itself).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let duration = Duration::from_secs(args.seconds);
    println!(
        "bench: {} drivers for {} s against Hauler ({} CargoTech account(s)), then against a naive per-driver cache",
        args.drivers, args.seconds, args.accounts
    );

    let extra = (1..args.accounts)
        .map(|n| (format!("+7 911 222 22 0{n}"), format!("bench-account-{n}")))
        .collect();
    let (hauler, access, greedy, server) =
        hauler(args.drivers, args.greedy, duration, extra, args.warm).await;
    let baseline = baseline(args.drivers, duration).await;
    report::print(
        &hauler,
        &baseline,
        &access,
        &greedy,
        &server,
        &Run {
            drivers: args.drivers,
            seconds: args.seconds,
            accounts: args.accounts,
        },
    );
}

fn exchange_config(extra_accounts: Vec<(String, String)>) -> ExchangeConfig {
    ExchangeConfig {
        latency: Duration::from_millis(700),
        jitter: Duration::from_millis(150),
        per_minute: 600,
        extra_accounts,
        ..ExchangeConfig::default()
    }
}

/// A sandbox exchange on a machine of its own, as the real one is.
async fn serve_exchange(
    machine: &Machine,
    extra_accounts: Vec<(String, String)>,
) -> (std::net::SocketAddr, exchange::Exchange) {
    let config = exchange_config(extra_accounts);
    machine
        .run(async move { exchange::serve("127.0.0.1:0".parse().unwrap(), config).await })
        .await
        .expect("the exchange starts")
}

async fn hauler(
    drivers: usize,
    greedy: usize,
    duration: Duration,
    extra_accounts: Vec<(String, String)>,
    warm: bool,
) -> (Figures, AccessCheck, Greed, ServerSide) {
    let mut vars: HashMap<String, String> = HashMap::new();
    for (n, (phone, password)) in extra_accounts.iter().enumerate() {
        vars.insert(format!("CARGOTECH_ACCOUNT_B{n}_PHONE"), phone.clone());
        vars.insert(format!("CARGOTECH_ACCOUNT_B{n}_PASSWORD"), password.clone());
    }
    let exchange_machine = Machine::new("exchange", 1);
    let (address, exchange) = serve_exchange(&exchange_machine, extra_accounts).await;
    let data = tempfile::tempdir().expect("a temporary folder");
    vars.extend(
        [
            ("LISTEN_ADDR", "127.0.0.1:0".to_owned()),
            ("DATA_DIR", data.path().display().to_string()),
            ("CARGOTECH_BASE_URL", format!("http://{address}")),
            ("RUST_LOG", "error".to_owned()),
            // The simulated drivers name their own addresses, as a proxy would (see sign_in).
            ("TRUSTED_PROXIES", "127.0.0.1".to_owned()),
            // A stopped instance's drivers have moved on already (`--warm`).
            ("SHUTDOWN_DRAIN_DELAY_SECONDS", "1".to_owned()),
            // The cached list's throughput is asked as one driver, as fast as the server answers:
            // their pace would refuse it (the pace is still checked on every request).
            ("LIMIT_PACE", "1000000,1000000".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v)),
    );
    // Only these variables: the app under test keeps its in-process store whatever the
    // environment says (`REDIS_URL` is for timing the access check alone), unless `--warm`
    // restarts it, which needs a cache that outlives an instance.
    let _own_redis = if warm {
        let (url, own) = redis_for_warm_restart();
        vars.insert("REDIS_URL".to_owned(), url);
        vars.insert(
            "REDIS_KEY_PREFIX".to_owned(),
            format!("bench-{:08x}", rand::random::<u32>()),
        );
        own
    } else {
        None
    };
    let sqlite = Config::from_vars(vars.clone())
        .expect("a valid configuration")
        .database
        .sqlite_path();
    let mut first = ServerProcess::hauler(&vars).await;
    let base = first.base.clone();
    drivers::wait_until_connected(&base).await;
    let mut signed_in = sign_in::sign_in_all(&base, drivers + greedy).await;
    // Signing every driver in at once is not measured, its peak of memory neither.
    let (signed_in_mb, _) = first.memory_mb();
    first.forget_peak();
    let greedy_drivers = signed_in.split_off(drivers);
    let code_shape = greedy::seed_campaign(&sqlite).await;
    exchange.reset_stats();
    let calls_before = first.figures().await.calls_by_driver;

    let sessions: Vec<String> = signed_in
        .iter()
        .map(|driver| driver.token.clone())
        .collect();
    let greedy_sessions: Vec<String> = greedy_drivers.iter().map(|d| d.token.clone()).collect();
    let address = Address::new(&base);
    let started = Instant::now();
    let restart = async {
        if !warm {
            return (first, None);
        }
        tokio::time::sleep(duration / 2).await;
        let (next, figures, peak_mb, at) = restart_halfway(first, &vars, &address, started).await;
        (next, Some((figures, peak_mb, at)))
    };
    let (outcomes, greed, (mut server, restarted)) = tokio::join!(
        drivers::run(
            drivers,
            duration,
            Target::Hauler {
                base: address.clone(),
                sessions: sessions.clone(),
            }
        ),
        greedy::run(&base, &greedy_sessions, drivers, duration, &code_shape),
        restart,
    );
    let (earlier, earlier_peak_mb, warm_restart) = match restarted {
        Some((earlier, peak_mb, at)) => (earlier, peak_mb, Some(at)),
        None => (ServerFigures::default(), 0.0, None),
    };
    let counted = earlier.then(server.figures().await);
    let calls = &counted.calls_by_driver;
    let greedy_calls = greedy_drivers
        .iter()
        .map(|driver| {
            let id = driver.driver_id;
            calls.get(&id).copied().unwrap_or(0) - calls_before.get(&id).copied().unwrap_or(0)
        })
        .sum();
    let figures = Figures::new(
        &outcomes,
        duration,
        &exchange.stats(),
        Some(CacheFigures {
            hit_ratio: counted.hit_ratio(),
            coalesced: counted.coalesced,
            narrowed: counted.narrowed,
            lists: counted.lists,
        }),
    );
    let (_, peak_mb) = server.memory_mb();
    // The drivers' connections have closed with their client; what the server still holds a
    // moment later is what it keeps while quiet.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (after_mb, _) = server.memory_mb();
    let throughput = throughput(&server, &sessions[0], data.path()).await;
    server.stop().await;
    let (idle_connection_kb, plain_axum_idle_connection_kb) =
        idle_connection_costs(&vars, data.path()).await;
    let access = access_check::measure(&sqlite, signed_in.iter().map(|d| d.telegram_id)).await;
    let greed = Greed {
        figures: greed,
        upstream_calls: greedy_calls,
    };
    let server_side = ServerSide {
        rss_signed_in_mb: signed_in_mb,
        rss_mb: peak_mb.max(earlier_peak_mb),
        rss_after_mb: after_mb,
        throughput,
        idle_connection_kb,
        plain_axum_idle_connection_kb,
        warm: warm_restart.map(|at| WarmRestart::of(&outcomes, at)),
    };
    (figures, access, greed, server_side)
}

/// Halfway through `--warm`: a second instance on the same database and Redis; once it is
/// connected the drivers move to it and the first is stopped. The new instance, the first's
/// figures and peak memory, and when the drivers moved.
async fn restart_halfway(
    mut first: ServerProcess,
    vars: &HashMap<String, String>,
    address: &Address,
    started: Instant,
) -> (ServerProcess, ServerFigures, f64, Duration) {
    let next = ServerProcess::hauler(vars).await;
    drivers::wait_until_connected(&next.base).await;
    address.switch(&next.base);
    let moved_at = started.elapsed();
    let figures = first.figures().await;
    let (_, peak_mb) = first.memory_mb();
    first.stop().await;
    (next, figures, peak_mb, moved_at)
}

/// The cached list page a driver asks most, as fast as it is answered: through Hauler, then the
/// same bytes from a plain axum handler in a process of its own.
async fn throughput(
    server: &ServerProcess,
    session: &str,
    scratch: &std::path::Path,
) -> Throughput {
    let path = "/api/v1/cargos";
    let query = "from_city_id=1&limit=20&offset=0";
    let url = format!("{}{path}?{query}", server.base);
    let page = reqwest::Client::new()
        .get(&url)
        .bearer_auth(session)
        .send()
        .await
        .expect("Hauler answers the list")
        .bytes()
        .await
        .expect("the page");
    let (cached_rps, cached_failed) = throughput::measure(&url, Some(session)).await;
    let body = scratch.join("plain-page.json");
    std::fs::write(&body, &page).expect("the page is written for the plain handler");
    let plain = ServerProcess::plain(path, &body).await;
    let (plain_rps, _) = throughput::measure(&format!("{}{path}?{query}", plain.base), None).await;
    plain.stop().await;
    Throughput {
        cached_list_rps: cached_rps,
        cached_list_failed: cached_failed,
        plain_axum_rps: plain_rps,
        page_bytes: page.len(),
    }
}

/// What a connection idle after one request costs a fresh Hauler (on the run's database) and a
/// fresh plain axum handler answering the same bytes, in KB: each process new, so that neither
/// reuses memory a run left free.
async fn idle_connection_costs(
    vars: &HashMap<String, String>,
    scratch: &std::path::Path,
) -> (f64, f64) {
    let path = "/healthz";
    let hauler = ServerProcess::hauler(vars).await;
    drivers::wait_until_connected(&hauler.base).await;
    let answer = reqwest::get(format!("{}{path}", hauler.base))
        .await
        .expect("Hauler answers its health")
        .bytes()
        .await
        .expect("the answer");
    let hauler_kb =
        throughput::idle_connection_kb(&hauler.base, path, || hauler.memory_mb().0).await;
    hauler.stop().await;
    let body = scratch.join("plain-health.json");
    std::fs::write(&body, &answer).expect("the answer is written for the plain handler");
    let plain = ServerProcess::plain(path, &body).await;
    let plain_kb = throughput::idle_connection_kb(&plain.base, path, || plain.memory_mb().0).await;
    plain.stop().await;
    (hauler_kb, plain_kb)
}

/// Redis for `--warm`: the environment's `REDIS_URL`, else a redis-server of the bench's own on a
/// free port (stopped when dropped).
fn redis_for_warm_restart() -> (String, Option<OwnRedis>) {
    if let Ok(url) = std::env::var("REDIS_URL") {
        return (url, None);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
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
        .expect("--warm needs REDIS_URL or redis-server installed");
    for _ in 0..50 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    (format!("redis://127.0.0.1:{port}"), Some(OwnRedis(child)))
}

struct OwnRedis(Child);

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn baseline(drivers: usize, duration: Duration) -> Figures {
    let exchange_machine = Machine::new("exchange", 1);
    let (address, exchange) = serve_exchange(&exchange_machine, Vec::new()).await;
    let client = Client::new(&format!("http://{address}"));
    let token = match client
        .login(SANDBOX_CARGOTECH_PHONE, SANDBOX_CARGOTECH_PASSWORD)
        .await
    {
        Ok(server::cargotech::LoginAnswer::Token(issued)) => issued.token,
        other => panic!("the baseline cannot log in: {other:?}"),
    };
    exchange.reset_stats();
    let outcomes: Vec<Outcome> = drivers::run(
        drivers,
        duration,
        Target::Naive {
            client,
            token: token.into(),
        },
    )
    .await;
    Figures::new(&outcomes, duration, &exchange.stats(), None)
}
