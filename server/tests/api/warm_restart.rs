//! A warm restart is not a cold start: a driver's lists are asked on one `hauler` process, which
//! is stopped as an orchestrator stops it (SIGTERM); a second process starts on the same database
//! (and Redis, when the environment has one) against the same sandbox exchange, served by the
//! test, which counts the calls. With Redis the shared cache survived: the lists are served at
//! once, without a call. Without it, the instance warmed the questions drivers asked most (kept
//! in the database) before any driver asked again: the lists are served without a call too.

use serde_json::{Value, json};
use server::{config::SANDBOX_BOT_TOKEN, telegram::init_data::signed_init_data};

use crate::{
    process::{Api, GRACE, Hauler, until},
    support::{
        Db, Store, backends, fresh_postgres_database, instant_exchange, record, serve_exchange,
    },
};

const DRIVER: i64 = 870_001;

#[tokio::test]
async fn after_a_restart_the_lists_drivers_asked_are_served_without_asking_the_exchange() {
    for (db, store) in backends() {
        record("warm_restart_lists", db, store);
        let (exchange_url, exchange) = serve_exchange(instant_exchange()).await;
        let data = tempfile::tempdir().unwrap();
        let mut vars = vec![
            ("CARGOTECH_BASE_URL", exchange_url),
            ("TELEGRAM_UPDATES", "off".to_owned()),
        ];
        if db == Db::Postgres {
            vars.push(("DATABASE_URL", fresh_postgres_database().await));
        }
        if store == Store::Redis {
            vars.push(("REDIS_URL", std::env::var("REDIS_URL").unwrap()));
            let prefix = format!("warm-restart-{:08x}", rand::random::<u32>());
            vars.push(("REDIS_KEY_PREFIX", prefix));
        }

        let mut first = Hauler::start(data.path(), &vars).await;
        first.api.until_connected_to_the_exchange().await;
        let session = first.api.driver_session(DRIVER).await;
        let (_, asked_first) = first.api.list_ids(&session, 0).await;
        let (_, asked_next) = first.api.list_ids(&session, 100).await;
        assert_eq!(
            (asked_first.len(), asked_next.len()),
            (20, 20),
            "two windows of loads asked"
        );
        first.terminate();
        assert!(first.exit_within(GRACE).await.success());
        let calls_before_restart = exchange.stats().lists;

        let second = Hauler::start(data.path(), &vars).await;
        second.api.until_connected_to_the_exchange().await;
        let session = match store {
            // Sessions live in Redis too: the driver's Mini App goes on with the one it holds.
            Store::Redis => session,
            // The in-process store went with the first instance: the Mini App signs in again.
            Store::InProcess => {
                // Warmed before any driver asks: both windows, at background priority.
                until("the most asked questions are warmed", || {
                    exchange.stats().lists >= calls_before_restart + 2
                })
                .await;
                sign_in(&second.api).await
            }
        };
        let calls_before_asking = exchange.stats().lists;
        let (status_first, served_first) = second.api.list_ids(&session, 0).await;
        let (status_next, served_next) = second.api.list_ids(&session, 100).await;
        let calls_for_asking = exchange.stats().lists - calls_before_asking;
        println!(
            "warm_restart_lists ({db:?}, {store:?}): the exchange saw {calls_before_restart} list \
             calls before the restart, {} while the second instance started, {calls_for_asking} \
             for the driver's two lists after it; answered {status_first} and {status_next}",
            calls_before_asking - calls_before_restart
        );
        assert_eq!((status_first, status_next), (200, 200));
        assert_eq!(calls_for_asking, 0, "both lists served from the cache");
        assert_eq!(served_first.len(), 20);
        assert_eq!(served_next.len(), 20);
        if store == Store::Redis {
            assert_eq!(
                calls_before_asking, calls_before_restart,
                "nothing to warm: the shared cache survived the restart"
            );
            assert_eq!((served_first, served_next), (asked_first, asked_next));
        }
    }
}

/// Signs the driver in again (their access is in the database already).
async fn sign_in(api: &Api) -> String {
    let user = json!({"id": DRIVER, "first_name": "Пётр", "language_code": "ru"});
    let init_data = signed_init_data(&user, chrono::Utc::now().timestamp(), SANDBOX_BOT_TOKEN);
    let signed_in: Value = api
        .client
        .post(api.url("/api/v1/auth/telegram"))
        .json(&json!({ "init_data": init_data }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    signed_in["token"].as_str().expect("a session").to_owned()
}
