//! Faults a real deployment meets, against the `hauler` binary itself, started as a process the
//! test signals: SIGTERM while drivers' requests are in flight, and while a bot message is on
//! its way to Telegram. The exchange and Telegram are sandboxes served by the test, so they
//! outlive the instance and can be slowed down. Each test prints what it did and what it saw.

use std::time::{Duration, Instant};

use sea_orm::Database;
use serde_json::json;
use server::{
    config::SANDBOX_BOT_TOKEN,
    sandbox::telegram::{self as telegram, SandboxTelegram},
};
use tokio::net::TcpStream;

use crate::{
    process::{DRAIN_DELAY_SECONDS, GRACE, Hauler, http, serve, until, writes_to_the_bot},
    support::{
        Db, Store, databases, fresh_postgres_database, instant_exchange, record, scalar,
        serve_exchange,
    },
};

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
    crate::support::loud(&format!(
        "SIGTERM with {IN_FLIGHT} lists in flight: {ok} answered 200, {after_close} of them after \
         the listener closed; /readyz while draining: {ready_status} {ready_body}; {} new \
         connections accepted during the {DRAIN_DELAY_SECONDS} s drain delay, then refused; \
         the live channel's last words: {farewell:?}; exit {exit} after {stopped_after:?} \
         (grace {GRACE:?})",
        accepted_while_draining,
    ));
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
        crate::support::loud(&format!(
            "{db:?}: SIGTERM while a bot message was unconfirmed: exit {exit} after \
             {stopped_after:?}; rows sent once and marked: {sent}, rows not sent: {waiting}; \
             the driver got {delivered} message(s), the successor sent none again"
        ));
        assert!(exit.success(), "{exit}");
        assert_eq!(sent, 1, "the message in hand is marked sent");
        assert_eq!(waiting, 0);
        assert_eq!(delivered, 1, "{:?}", telegram.messages_to(driver));
        drop(successor);
    }
}
