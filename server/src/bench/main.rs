//! `hauler-bench --drivers N --seconds S`: simulated drivers browsing for loads, first through
//! Hauler (shared cache, single flight, budget) and then through a naive per-driver cache, each
//! against its own sandbox exchange answering in ~700 ms and allowing 600 requests a minute.
//! Drivers sign in (Telegram launch data, then the trial) before the run, as real ones do; after
//! it, the paywall check is timed on its own. Prints a table and one `bench: key=value …` line.

mod access_check;
mod drivers;
mod report;
mod sign_in;

use std::{collections::HashMap, sync::atomic::Ordering, time::Duration};

use clap::Parser;
use server::{
    Application,
    cargotech::Client,
    config::{Config, SANDBOX_CARGOTECH_PASSWORD, SANDBOX_CARGOTECH_PHONE},
    sandbox::cargotech::{self as exchange, ExchangeConfig},
};

use self::{
    access_check::AccessCheck,
    drivers::{Outcome, Target},
    report::{CacheFigures, Figures},
};

#[derive(Parser)]
#[command(about = "Simulated drivers against Hauler and a naive baseline")]
struct Args {
    #[arg(long, default_value_t = 1000)]
    drivers: usize,
    #[arg(long, default_value_t = 60)]
    seconds: u64,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let duration = Duration::from_secs(args.seconds);
    println!(
        "bench: {} drivers for {} s against Hauler, then against a naive per-driver cache",
        args.drivers, args.seconds
    );

    let (hauler, access) = hauler(args.drivers, duration).await;
    let baseline = baseline(args.drivers, duration).await;
    report::print(&hauler, &baseline, &access, args.drivers, args.seconds);
}

fn exchange_config() -> ExchangeConfig {
    ExchangeConfig {
        latency: Duration::from_millis(700),
        jitter: Duration::from_millis(150),
        per_minute: 600,
        ..ExchangeConfig::default()
    }
}

async fn hauler(drivers: usize, duration: Duration) -> (Figures, AccessCheck) {
    let (address, exchange) = exchange::serve("127.0.0.1:0".parse().unwrap(), exchange_config())
        .await
        .expect("the exchange starts");
    let data = tempfile::tempdir().expect("a temporary folder");
    let vars: HashMap<String, String> = [
        ("LISTEN_ADDR", "127.0.0.1:0".to_owned()),
        ("DATA_DIR", data.path().display().to_string()),
        ("CARGOTECH_BASE_URL", format!("http://{address}")),
        ("RUST_LOG", "error".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    // Only these variables: the app under test keeps its in-process store whatever the
    // environment says; `REDIS_URL` is for timing the access check alone.
    let config = Config::from_vars(vars).expect("a valid configuration");
    let sqlite = config.sqlite_path();
    server::telemetry::init(&config);
    let app = Application::build(config).await.expect("Hauler starts");
    let base = format!("http://{}", app.address());
    let gateway = app.gateway();
    tokio::spawn(app.run_until_stopped());
    drivers::wait_until_connected(&base).await;
    let signed_in = sign_in::sign_in_all(&base, drivers).await;
    exchange.reset_stats();

    let sessions = signed_in
        .iter()
        .map(|driver| driver.token.clone())
        .collect();
    let outcomes = drivers::run(drivers, duration, Target::Hauler { base, sessions }).await;
    let figures = Figures::new(
        &outcomes,
        &exchange.stats(),
        Some(CacheFigures {
            hit_ratio: gateway.cache_hit_ratio(),
            coalesced: gateway.stats.coalesced.load(Ordering::Relaxed),
            narrowed: gateway.stats.narrowed.load(Ordering::Relaxed),
        }),
    );
    let access = access_check::measure(&sqlite, signed_in.iter().map(|d| d.telegram_id)).await;
    (figures, access)
}

async fn baseline(drivers: usize, duration: Duration) -> Figures {
    let (address, exchange) = exchange::serve("127.0.0.1:0".parse().unwrap(), exchange_config())
        .await
        .expect("the exchange starts");
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
    Figures::new(&outcomes, &exchange.stats(), None)
}
