//! `hauler-bench --cabinet`: what the cabinet proxy adds. A sandbox exchange answering at once
//! serves a 100 KB cabinet page and its live WebSocket; the same page is fetched straight from
//! the exchange (with the account's token) and through Hauler (with a pass), one request at a
//! time, and text frames are echoed through each. Prints p50/p95 of both and what Hauler adds,
//! and one `bench: key=value …` line.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use server::{
    Application,
    config::{Config, SANDBOX_CARGOTECH_PASSWORD, SANDBOX_CARGOTECH_PHONE},
    sandbox::cargotech::{self as exchange, ExchangeConfig},
};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

use super::{machine::Machine, percentiles::Percentiles, sign_in};

const PAGE_KB: usize = 100;

pub async fn run(requests: usize) {
    let exchange_machine = Machine::new("exchange", 1);
    let (address, _exchange) = exchange_machine
        .run(async move {
            let config = ExchangeConfig {
                latency: Duration::ZERO,
                jitter: Duration::ZERO,
                ..ExchangeConfig::default()
            };
            exchange::serve("127.0.0.1:0".parse().unwrap(), config).await
        })
        .await
        .expect("the exchange starts");
    let exchange_url = format!("http://{address}");
    let data = tempfile::tempdir().expect("a temporary folder");
    let vars: HashMap<String, String> = [
        ("LISTEN_ADDR", "127.0.0.1:0".to_owned()),
        ("DATA_DIR", data.path().display().to_string()),
        ("CARGOTECH_BASE_URL", exchange_url.clone()),
        ("CABINET_UPSTREAM_URL", format!("{exchange_url}/cabinet")),
        // The proxy's own cost is measured, not the budget's refusals.
        ("CABINET_REQUESTS_PER_MINUTE", "1000000".to_owned()),
        ("CARGOTECH_BUDGET_PER_MINUTE", "1000000".to_owned()),
        ("RUST_LOG", "error".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let config = Config::from_vars(vars).expect("a valid configuration");
    let database = format!(
        "sqlite://{}?mode=rwc",
        config.database.sqlite_path().display()
    );
    server::telemetry::init(&config);
    let hauler_machine = Machine::new("hauler", 2);
    let base = hauler_machine
        .run(async move {
            let app = Application::build(config).await.expect("Hauler starts");
            let base = format!("http://{}", app.address());
            tokio::spawn(app.run_until_stopped());
            base
        })
        .await;

    let driver = sign_in::sign_in_all(&base, 1).await.remove(0);
    let db = sea_orm::Database::connect(&database)
        .await
        .expect("Hauler's database opens");
    let (_, pass) = domain::cabinet::passes::grant(&db, driver.driver_id.into(), 24, "bench")
        .await
        .expect("a pass");
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{exchange_url}/v1/auth/login"))
        .json(&json!({"phone": SANDBOX_CARGOTECH_PHONE, "password": SANDBOX_CARGOTECH_PASSWORD}))
        .send()
        .await
        .expect("the exchange answers")
        .json()
        .await
        .expect("a token");
    let account = login["data"]["token"].as_str().expect("a token").to_owned();

    let page = format!("/cabinet/big?kb={PAGE_KB}");
    let direct = timed(requests, || {
        http.get(format!("{exchange_url}{page}"))
            .bearer_auth(&account)
            .send()
    })
    .await;
    let proxied = timed(requests, || {
        http.get(format!("{base}{page}"))
            .header("x-access-token", pass.expose())
            .send()
    })
    .await;

    let mut request = format!("ws://{address}/cabinet/live")
        .into_client_request()
        .expect("a request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {account}").parse().expect("a header"),
    );
    let direct_ws = echoes(request, requests).await;
    let hauler_ws = format!(
        "{}/cabinet/live?token={}",
        base.replacen("http", "ws", 1),
        pass.expose()
    )
    .into_client_request()
    .expect("a request");
    let proxied_ws = echoes(hauler_ws, requests).await;

    let (d, p) = (Percentiles::of(direct), Percentiles::of(proxied));
    let (dw, pw) = (Percentiles::of(direct_ws), Percentiles::of(proxied_ws));
    println!("cabinet proxy, {requests} requests of a {PAGE_KB} KB page, one at a time:");
    println!(
        "  straight to the exchange  p50 {:7.2} ms  p95 {:7.2} ms",
        d.p50, d.p95
    );
    println!(
        "  through Hauler            p50 {:7.2} ms  p95 {:7.2} ms",
        p.p50, p.p95
    );
    println!(
        "  added by Hauler           p50 {:7.2} ms  p95 {:7.2} ms",
        p.p50 - d.p50,
        p.p95 - d.p95
    );
    println!("WebSocket echo round trips ({requests}):");
    println!(
        "  straight                  p50 {:7.2} ms  p95 {:7.2} ms",
        dw.p50, dw.p95
    );
    println!(
        "  through Hauler            p50 {:7.2} ms  p95 {:7.2} ms",
        pw.p50, pw.p95
    );
    // A round trip crosses the relay twice.
    let per_frame = |through: f64, straight: f64| (through - straight) / 2.0;
    println!(
        "bench: cabinet_page_kb={PAGE_KB} cabinet_requests={requests} \
         cabinet_direct_p50_ms={:.2} cabinet_direct_p95_ms={:.2} \
         cabinet_proxy_p50_ms={:.2} cabinet_proxy_p95_ms={:.2} \
         cabinet_added_p50_ms={:.2} cabinet_added_p95_ms={:.2} \
         ws_direct_rtt_p50_ms={:.3} ws_proxy_rtt_p50_ms={:.3} \
         ws_added_per_frame_p50_ms={:.3} ws_added_per_frame_p95_ms={:.3}",
        d.p50,
        d.p95,
        p.p50,
        p.p95,
        p.p50 - d.p50,
        p.p95 - d.p95,
        dw.p50,
        pw.p50,
        per_frame(pw.p50, dw.p50),
        per_frame(pw.p95, dw.p95),
    );
}

/// Each request's time until its whole body has arrived.
async fn timed<F, Fut>(requests: usize, send: F) -> Vec<Duration>
where
    F: Fn() -> Fut,
    Fut: Future<Output = reqwest::Result<reqwest::Response>>,
{
    let mut times = Vec::with_capacity(requests);
    for _ in 0..requests + 5 {
        let started = Instant::now();
        let response = send().await.expect("an answer");
        assert!(response.status().is_success(), "{}", response.status());
        let body = response.bytes().await.expect("a body");
        assert!(body.len() >= PAGE_KB * 1000 / 2);
        times.push(started.elapsed());
    }
    // The first few warm the connections up.
    times.split_off(5)
}

/// Round trips of text frames the exchange's live feed echoes.
async fn echoes(
    request: tokio_tungstenite::tungstenite::handshake::client::Request,
    frames: usize,
) -> Vec<Duration> {
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("the live feed opens");
    let mut times = Vec::with_capacity(frames);
    for n in 0..frames {
        let started = Instant::now();
        socket
            .send(Message::Text(format!("frame {n}").into()))
            .await
            .expect("sent");
        // The feed's own updates and pings pass by; its end is a failure, not a wait.
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) if text.as_str().contains("\"echo\"") => break,
                Some(Ok(_)) => {}
                ended => panic!("the live feed ended: {ended:?}"),
            }
        }
        times.push(started.elapsed());
    }
    let _ = socket.close(None).await;
    times
}
