//! `hauler-bench --drivers N --seconds S`: simulated drivers browsing for loads, first through
//! Hauler (shared cache, single flight, budget) and then through a naive per-driver cache, each
//! against its own sandbox exchange answering in ~700 ms and allowing 600 requests a minute.
//! Drivers sign in (Telegram launch data, then the trial) before the run, as real ones do; after
//! it, the paywall check is timed on its own. With `--accounts N`, Hauler calls through N
//! CargoTech accounts, each allowed 600 a minute (the baseline keeps one). Hauler and each
//! exchange run on runtimes of their own, apart from the drivers' tasks. With `--greedy N`, N more
//! drivers run scripts beside them that hammer what would cost the exchange calls (see
//! `greedy`). Prints a table and one `bench: key=value …` line. `--cabinet` times the cabinet
//! proxy instead (see `cabinet`).

mod access_check;
mod cabinet;
mod drivers;
mod greedy;
mod machine;
mod percentiles;
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
    machine::Machine,
    report::{CacheFigures, Figures, Greed, Run},
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
    #[arg(long, default_value_t = 0)]
    greedy: usize,
    /// Instead of drivers: what the cabinet proxy adds to a 100 KB page and to WebSocket frames.
    #[arg(long)]
    cabinet: bool,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if args.cabinet {
        cabinet::run(200).await;
        return;
    }
    let duration = Duration::from_secs(args.seconds);
    println!(
        "bench: {} drivers for {} s against Hauler ({} CargoTech account(s)), then against a naive per-driver cache",
        args.drivers, args.seconds, args.accounts
    );

    let extra = (1..args.accounts)
        .map(|n| (format!("+7 911 222 22 0{n}"), format!("bench-account-{n}")))
        .collect();
    let (hauler, access, greedy) = hauler(args.drivers, args.greedy, duration, extra).await;
    let baseline = baseline(args.drivers, duration).await;
    report::print(
        &hauler,
        &baseline,
        &access,
        &greedy,
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
) -> (Figures, AccessCheck, Greed) {
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
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v)),
    );
    // Only these variables: the app under test keeps its in-process store whatever the
    // environment says; `REDIS_URL` is for timing the access check alone.
    let config = Config::from_vars(vars).expect("a valid configuration");
    let sqlite = config.database.sqlite_path();
    server::telemetry::init(&config);
    let hauler_machine = Machine::new("hauler", 2);
    let (base, gateway) = hauler_machine
        .run(async move {
            let app = Application::build(config).await.expect("Hauler starts");
            let base = format!("http://{}", app.address());
            let gateway = app.gateway();
            tokio::spawn(app.run_until_stopped());
            (base, gateway)
        })
        .await;
    drivers::wait_until_connected(&base).await;
    let mut signed_in = sign_in::sign_in_all(&base, drivers + greedy).await;
    let greedy_drivers = signed_in.split_off(drivers);
    let code_shape = greedy::seed_campaign(&sqlite).await;
    exchange.reset_stats();
    let calls_before = gateway.upstream_calls_by_driver();

    let sessions = signed_in
        .iter()
        .map(|driver| driver.token.clone())
        .collect();
    let greedy_sessions: Vec<String> = greedy_drivers.iter().map(|d| d.token.clone()).collect();
    let (outcomes, greed) = tokio::join!(
        drivers::run(
            drivers,
            duration,
            Target::Hauler {
                base: base.clone(),
                sessions
            }
        ),
        greedy::run(&base, &greedy_sessions, drivers, duration, &code_shape),
    );
    let calls = gateway.upstream_calls_by_driver();
    let greedy_calls = greedy_drivers
        .iter()
        .map(|driver| {
            let id = driver.driver_id.into();
            calls.get(&id).copied().unwrap_or(0) - calls_before.get(&id).copied().unwrap_or(0)
        })
        .sum();
    let figures = Figures::new(
        &outcomes,
        duration,
        &exchange.stats(),
        Some(CacheFigures {
            hit_ratio: gateway.cache_hit_ratio(),
            coalesced: gateway
                .cache_stats()
                .iter()
                .map(|(_, stats)| stats.coalesced.load(Ordering::Relaxed))
                .sum(),
            narrowed: gateway.cache_stats()[0].1.narrowed.load(Ordering::Relaxed),
            lists: gateway.list_timings.summary(),
        }),
    );
    let access = access_check::measure(&sqlite, signed_in.iter().map(|d| d.telegram_id)).await;
    let greed = Greed {
        figures: greed,
        upstream_calls: greedy_calls,
    };
    (figures, access, greed)
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
