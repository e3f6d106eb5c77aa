//! Autopay over HTTP: switched on by paying with it asked for (the sandbox YooKassa saves the
//! card), off and on again in one tap; the bot's warning a day before a charge (held for quiet
//! hours); the renewal charged to the saved card, once however often the job runs; and a charge
//! the bank declines, which keeps every day already paid, tells the driver kindly and shows on
//! the dashboard's driver page.

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::future::join;
use reqwest::Method;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use admin::wire::Role;

use crate::{
    admin::{log_in, make_admin},
    subscriptions::{pay_on_checkout_page, plan, settled},
    support::{Options, TestApp, backends, chat_with, scalar, spawn_app_with},
};

/// How long before the end the card is charged, by default.
const CHARGE_BEFORE_END: chrono::Duration = chrono::Duration::hours(12);

fn driver(id: i64, language: &str) -> Value {
    json!({"id": id, "first_name": "Пётр", "language_code": language})
}

/// The app with the renewal job looking every `every` seconds.
async fn app(
    test: &str,
    backend: (crate::support::Db, crate::support::Store),
    every: &str,
) -> TestApp {
    spawn_app_with(
        test,
        backend,
        Options {
            extra_vars: vec![
                ("AUTOPAY_CHECK_SECONDS", every.into()),
                ("STARS_PLATFORMS", "ios".into()),
            ],
        },
    )
    .await
}

/// A signed-in driver without access, whose bot may speak at any hour.
async fn driver_at_any_hour(app: &mut TestApp, telegram_id: i64, language: &str) -> i64 {
    let me = app
        .sign_in_without_access(driver(telegram_id, language))
        .await;
    let (status, profile) = app
        .call(
            Method::PUT,
            "/api/v1/me/profile",
            Some(json!({"notifications": true, "quiet_hours": null, "utc_offset_minutes": 180})),
        )
        .await;
    assert_eq!(status, 200, "{profile}");
    me["id"].as_i64().unwrap()
}

/// Buys the plan of `days` days with autopay asked for, paying on the sandbox's page.
async fn buy_with_autopay(app: &TestApp, days: u64) -> Value {
    let plan = plan(app, days).await;
    let (status, payment) = app
        .call(
            Method::POST,
            "/api/v1/payments",
            Some(json!({"plan_id": plan["id"], "autopay": true})),
        )
        .await;
    assert_eq!(status, 201, "{payment}");
    pay_on_checkout_page(app, &payment).await;
    let paid = settled(app, &payment["id"]).await;
    assert_eq!(paid["status"], "succeeded", "{paid}");
    plan
}

async fn subscription(app: &TestApp) -> Value {
    let (status, view) = app.call(Method::GET, "/api/v1/subscription", None).await;
    assert_eq!(status, 200, "{view}");
    view
}

fn instant(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap_or_else(|| panic!("a date: {value}")))
        .unwrap()
        .with_timezone(&Utc)
}

/// Moves the driver's end of access, as time passing would.
async fn set_ends_at(db: &DatabaseConnection, driver_id: i64, ends_at: DateTime<Utc>) {
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                "UPDATE subscriptions SET ends_at = $1 WHERE driver_id = $2"
            }
            _ => "UPDATE subscriptions SET ends_at = ? WHERE driver_id = ?",
        },
        [ends_at.into(), driver_id.into()],
    ))
    .await
    .unwrap();
}

async fn stored_ends_at(db: &DatabaseConnection, driver_id: i64) -> DateTime<Utc> {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT ends_at FROM subscriptions WHERE driver_id = {driver_id}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index(0).unwrap()
}

/// The sandbox YooKassa's renewals: payments charged to a saved card, as it shows them.
async fn renewals_charged(app: &TestApp) -> Vec<Value> {
    let (_, payments) = app
        .call(Method::GET, "/sandbox/yookassa/__sandbox/payments", None)
        .await;
    payments
        .as_array()
        .unwrap()
        .iter()
        .filter(|payment| {
            payment["description"]
                .as_str()
                .is_some_and(|text| text.contains("продление"))
        })
        .cloned()
        .collect()
}

/// Waits (thirty seconds at most: a CI machine running other stories may be slow) until `done`
/// holds for what `read` gives.
async fn until<T>(what: &str, mut read: impl AsyncFnMut() -> T, done: impl Fn(&T) -> bool) -> T {
    for _ in 0..300 {
        let value = read().await;
        if done(&value) {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what} did not happen");
}

#[tokio::test]
async fn autopay_is_switched_on_by_paying_with_it_and_off_and_on_again_in_one_tap() {
    for backend in backends() {
        let mut app = app("autopay_switch", backend, "3600").await;
        driver_at_any_hour(&mut app, 930_001, "ru").await;

        let (status, autopay) = app.call(Method::GET, "/api/v1/me/autopay", None).await;
        assert_eq!(status, 200);
        assert_eq!(autopay["state"], "off", "{backend:?}: {autopay}");
        assert_eq!(autopay["card"], Value::Null);
        let (status, refusal) = app
            .call(
                Method::PUT,
                "/api/v1/me/autopay",
                Some(json!({"enabled": true})),
            )
            .await;
        assert_eq!(status, 409, "{refusal}");
        assert_eq!(refusal["code"], "autopay_needs_card");
        assert!(
            refusal["message"]
                .as_str()
                .unwrap()
                .contains("Продлевать автоматически")
        );

        // Telegram Stars cannot renew by themselves.
        let month = plan(&app, 30).await;
        let (status, refusal) = app
            .call(
                Method::POST,
                "/api/v1/payments",
                Some(json!({"plan_id": month["id"], "platform": "ios", "autopay": true})),
            )
            .await;
        assert_eq!(status, 422, "{refusal}");
        assert_eq!(refusal["code"], "autopay_not_for_stars");

        buy_with_autopay(&app, 30).await;
        let view = subscription(&app).await;
        let autopay = &view["autopay"];
        assert_eq!(autopay["state"], "on", "{backend:?}: {view}");
        assert_eq!(autopay["card"], "Bank card *4477");
        assert_eq!(autopay["days"], 30);
        assert_eq!(autopay["price_kopecks"], month["price_kopecks"]);
        assert_eq!(
            instant(&autopay["next_charge_at"]),
            instant(&view["access"]["until"]) - CHARGE_BEFORE_END,
            "charged half a day before access ends"
        );

        let (status, off) = app
            .call(
                Method::PUT,
                "/api/v1/me/autopay",
                Some(json!({"enabled": false})),
            )
            .await;
        assert_eq!(status, 200, "{off}");
        assert_eq!(off["state"], "off");
        assert_eq!(off["next_charge_at"], Value::Null);
        assert_eq!(
            off["card"], "Bank card *4477",
            "the card stays for one tap back"
        );
        let (status, on) = app
            .call(
                Method::PUT,
                "/api/v1/me/autopay",
                Some(json!({"enabled": true})),
            )
            .await;
        assert_eq!(status, 200, "{on}");
        assert_eq!(on["state"], "on");
    }
}

#[tokio::test]
async fn the_bot_warns_a_day_before_the_charge_and_the_saved_card_renews_the_plan() {
    for backend in backends() {
        let mut app = app("autopay_renewal", backend, "1").await;
        let driver_id = driver_at_any_hour(&mut app, 930_002, "ru").await;
        buy_with_autopay(&app, 7).await;
        let db = app.database().await;
        let before = chat_with(&app, 930_002, 1).await.len();

        // The charge is 20 hours away: the warning comes now, the charge does not.
        let ends_at = Utc::now() + CHARGE_BEFORE_END + chrono::Duration::hours(20);
        set_ends_at(&db, driver_id, ends_at).await;
        let said = chat_with(&app, 930_002, before + 1).await;
        let warning = said[before]["text"].as_str().unwrap().to_owned();
        assert!(
            warning.starts_with("🔄 Автоплатёж"),
            "{backend:?}: {warning}"
        );
        assert!(warning.contains("•••• 4477"), "{warning}");
        assert!(warning.contains("на 7 дн."), "{warning}");
        assert!(warning.contains("в профиле"), "{warning}");
        assert!(
            renewals_charged(&app).await.is_empty(),
            "nothing charged a day ahead"
        );

        // The day has passed: the card is charged and the week added to the days paid.
        let ends_at = Utc::now() + chrono::Duration::hours(6);
        set_ends_at(&db, driver_id, ends_at).await;
        let renewed = until(
            "the renewal",
            async || stored_ends_at(&db, driver_id).await,
            |now_ends| *now_ends > ends_at,
        )
        .await;
        assert_eq!(
            renewed.timestamp(),
            (ends_at + chrono::Duration::days(7)).timestamp(),
            "{backend:?}: the week counts from the end of the days already paid"
        );
        let charged = renewals_charged(&app).await;
        assert_eq!(charged.len(), 1, "{charged:?}");
        assert_eq!(charged[0]["status"], "succeeded");
        let view = subscription(&app).await;
        assert_eq!(view["autopay"]["state"], "on", "{view}");
        // A new end date is a new period, warned of in its turn; then the renewal's receipt.
        until(
            "the word on the renewal",
            async || chat_with(&app, 930_002, before + 1).await,
            |said| {
                said[before..]
                    .iter()
                    .any(|m| m["text"].as_str().unwrap().contains("Оплата получена"))
            },
        )
        .await;
    }
}

#[tokio::test]
async fn the_renewal_job_run_twice_charges_once() {
    for backend in backends() {
        // The job's own rounds are an hour apart: the test runs them.
        let mut app = app("autopay_twice", backend, "3600").await;
        let driver_id = driver_at_any_hour(&mut app, 930_003, "ru").await;
        buy_with_autopay(&app, 7).await;
        let db = app.database().await;
        let ends_at = Utc::now() + chrono::Duration::hours(1);
        set_ends_at(&db, driver_id, ends_at).await;
        let now = Utc::now();
        let stop = CancellationToken::new();

        // Two instances at the same moment, each seeing the period due.
        let (first, second) = join(
            app.billing.renew_due(now, &stop),
            app.billing.renew_due(now, &stop),
        )
        .await;
        first.unwrap();
        second.unwrap();
        // And the same period once more, as an instance with a stale view of the end date would.
        let again = app.billing.renew(driver_id.into(), ends_at).await.unwrap();
        assert_eq!(again, server::payments::renewals::Renewed::Charged);
        app.billing.renew_due(Utc::now(), &stop).await.unwrap();

        let charged = renewals_charged(&app).await;
        assert_eq!(charged.len(), 1, "{backend:?}: one charge: {charged:?}");
        assert_eq!(
            stored_ends_at(&db, driver_id).await.timestamp(),
            (ends_at + chrono::Duration::days(7)).timestamp(),
            "{backend:?}: one week added"
        );
        let renewals = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM payments WHERE driver_id = {driver_id} AND idempotence_key LIKE 'autopay-%'"),
        )
        .await;
        assert_eq!(renewals, 1);
        let granted = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM access_grants WHERE driver_id = {driver_id} AND source = 'payment'"),
        )
        .await;
        assert_eq!(granted, 2, "the purchase and one renewal");
    }
}

#[tokio::test]
async fn a_declined_renewal_keeps_every_day_paid_and_tells_the_driver_kindly() {
    for backend in backends() {
        let mut app = app("autopay_declined", backend, "1").await;
        let driver_id = driver_at_any_hour(&mut app, 930_004, "ru").await;
        buy_with_autopay(&app, 7).await;
        let db = app.database().await;
        let before = chat_with(&app, 930_004, 1).await.len();
        let (status, _) = app
            .call(
                Method::POST,
                "/sandbox/yookassa/__sandbox/control",
                Some(json!({"decline_next": 1})),
            )
            .await;
        assert_eq!(status, 204);

        let ends_at = Utc::now() + chrono::Duration::hours(6);
        set_ends_at(&db, driver_id, ends_at).await;
        let autopay = until(
            "the declined renewal",
            async || app.call(Method::GET, "/api/v1/me/autopay", None).await.1,
            |autopay| autopay["state"] == "failed",
        )
        .await;
        assert!(autopay["failed_at"].is_string(), "{autopay}");
        assert_eq!(
            autopay["card"],
            Value::Null,
            "the declined card is forgotten"
        );
        assert_eq!(
            stored_ends_at(&db, driver_id).await.timestamp(),
            ends_at.timestamp(),
            "{backend:?}: not a day lost"
        );
        let charged = renewals_charged(&app).await;
        assert_eq!(charged.len(), 1);
        assert_eq!(charged[0]["status"], "canceled");
        assert_eq!(
            charged[0]["cancellation_details"]["reason"],
            "insufficient_funds"
        );

        // The warning and the kind word go to one chat, a second or more apart (Telegram's rate
        // for a chat): wait for the word itself rather than a count of messages.
        let said = until(
            "the kind word on the declined renewal",
            async || chat_with(&app, 930_004, before + 2).await,
            |said| {
                said.iter().any(|m| {
                    m["text"]
                        .as_str()
                        .is_some_and(|text| text.starts_with("😔"))
                })
            },
        )
        .await;
        let texts: Vec<&str> = said.iter().map(|m| m["text"].as_str().unwrap()).collect();
        let kind = texts
            .iter()
            .find(|text| text.starts_with("😔"))
            .unwrap_or_else(|| panic!("{backend:?}: a kind word: {texts:?}"));
        assert!(kind.contains("деньги не списаны"), "{kind}");
        assert!(kind.contains("остаются за вами"), "{kind}");
        assert!(
            !texts.iter().any(|text| text.contains("Платёж не прошёл")),
            "one word, the kind one: {texts:?}"
        );

        // The dashboard's driver page says how autopay went.
        make_admin(&app, "desk@hauler.test", Role::Support).await;
        let desk = log_in(&app, "desk@hauler.test").await;
        let (status, page) = desk
            .call(
                Method::GET,
                &format!("/admin/api/drivers/{driver_id}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["autopay"]["state"], "failed", "{backend:?}: {page}");
        assert_eq!(page["autopay"]["failure"], "insufficient_funds");
        assert!(page["autopay"]["failed_at"].is_string());

        // The paywall takes it from here: paying again is by hand, or with autopay asked anew.
        let view = subscription(&app).await;
        assert_eq!(view["autopay"]["state"], "failed", "{view}");
        assert_eq!(view["access"]["active"], true);
        let (status, refusal) = app
            .call(
                Method::PUT,
                "/api/v1/me/autopay",
                Some(json!({"enabled": true})),
            )
            .await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (409, Some("autopay_needs_card"))
        );
        buy_with_autopay(&app, 7).await;
        assert_eq!(subscription(&app).await["autopay"]["state"], "on");
        let (_, page) = desk
            .call(
                Method::GET,
                &format!("/admin/api/drivers/{driver_id}"),
                None,
            )
            .await;
        assert_eq!(page["autopay"]["state"], "on", "{page}");
        assert_eq!(page["autopay"]["card"], "Bank card *4477");
    }
}

#[tokio::test]
async fn a_warning_due_in_quiet_hours_waits_for_them_to_end() {
    let backend = backends()[0];
    let mut app = app("autopay_quiet", backend, "1").await;
    let driver_id = driver_at_any_hour(&mut app, 930_005, "en").await;
    buy_with_autopay(&app, 7).await;
    // Quiet from an hour ago until two hours from now, on a UTC clock.
    let clock = |at: DateTime<Utc>| at.format("%H:%M").to_string();
    let now = Utc::now();
    let (status, profile) = app
        .call(
            Method::PUT,
            "/api/v1/me/profile",
            Some(
                json!({"notifications": true, "utc_offset_minutes": 0, "quiet_hours": {
                    "from": clock(now - chrono::Duration::hours(1)),
                    "until": clock(now + chrono::Duration::hours(2)),
                }}),
            ),
        )
        .await;
    assert_eq!(status, 200, "{profile}");
    let db = app.database().await;
    set_ends_at(
        &db,
        driver_id,
        now + CHARGE_BEFORE_END + chrono::Duration::hours(20),
    )
    .await;

    let held_until = until(
        "the held warning",
        async || {
            db.query_one_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT next_attempt_at FROM outbox_messages WHERE dedupe_key LIKE 'autopay-warning:{driver_id}:%'"),
            ))
            .await
            .unwrap()
            .map(|row| row.try_get_by_index::<DateTime<Utc>>(0).unwrap())
        },
        Option::is_some,
    )
    .await
    .unwrap();
    let quiet_ends = (now + chrono::Duration::hours(2))
        .format("%H:%M")
        .to_string();
    assert_eq!(held_until.format("%H:%M").to_string(), quiet_ends);
    assert!(held_until > Utc::now());
}
