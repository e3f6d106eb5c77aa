//! Paid access over HTTP: the paywall, the trial, buying a plan on the sandbox YooKassa page,
//! notifications that are trusted only after YooKassa confirms them, and promo codes.

use std::time::Duration;

use app::subscription::PromoBenefit;
use chrono::Utc;
use domain::{
    flags::{self, Flag},
    promo::{self, NewPromoCode},
};
use futures_util::future::join_all;
use reqwest::Method;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};

use crate::support::{Db, Options, Store, TestApp, backends, scalar, spawn_app, spawn_app_with};

const NOTIFICATIONS: &str = "/api/v1/payments/yookassa/notifications";

fn driver(id: i64) -> Value {
    json!({"id": id, "first_name": "Степан", "language_code": "ru"})
}

/// The plan of `days` days, as the paywall lists it.
pub(crate) async fn plan(app: &TestApp, days: u64) -> Value {
    let (status, view) = app.call(Method::GET, "/api/v1/subscription", None).await;
    assert_eq!(status, 200, "{view}");
    view["plans"]
        .as_array()
        .unwrap()
        .iter()
        .find(|plan| plan["days"] == days)
        .cloned()
        .unwrap_or_else(|| panic!("a {days}-day plan in {view}"))
}

/// Starts buying a plan: Hauler's payment, pending, with YooKassa's page to pay on.
pub(crate) async fn start_buying(app: &TestApp, days: u64, promo: Option<&str>) -> Value {
    let plan = plan(app, days).await;
    let (status, payment) = app
        .call(
            Method::POST,
            "/api/v1/payments",
            Some(json!({"plan_id": plan["id"], "promo_code": promo})),
        )
        .await;
    assert_eq!(status, 201, "{payment}");
    payment
}

/// The driver presses "Оплатить" on the sandbox YooKassa page.
pub(crate) async fn pay_on_checkout_page(app: &TestApp, payment: &Value) {
    let page = payment["confirmation_url"]
        .as_str()
        .expect("a page to pay on");
    let html = app.client.get(page).send().await.unwrap();
    assert_eq!(html.status(), 200);
    assert!(html.text().await.unwrap().contains("sandbox-pay"));
    let paid = app.client.post(format!("{page}/pay")).send().await.unwrap();
    assert_eq!(paid.status(), 303, "back to the app after paying");
    let back = paid.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.ends_with(&format!("/subscription?payment={}", payment["id"])),
        "{back}"
    );
}

/// Polls the payment as the Mini App does until it leaves `pending` (ten seconds at most).
pub(crate) async fn settled(app: &TestApp, payment_id: &Value) -> Value {
    let path = format!("/api/v1/payments/{payment_id}");
    for _ in 0..100 {
        let (status, payment) = app.call(Method::GET, &path, None).await;
        assert_eq!(status, 200, "{payment}");
        if payment["status"] != "pending" {
            return payment;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the payment stayed pending");
}

/// What the bot said in a chat, waiting (five seconds at most) until it has said something.
async fn bot_said(app: &TestApp, chat_id: i64) -> Vec<String> {
    let path = format!("/sandbox/telegram/__sandbox/messages?chat_id={chat_id}");
    let mut texts = Vec::new();
    for _ in 0..50 {
        let (_, messages) = app.call(Method::GET, &path, None).await;
        texts = messages
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["text"].as_str().unwrap().to_owned())
            .collect();
        if !texts.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    texts
}

/// The payment's YooKassa id, as Hauler recorded it.
async fn provider_id(db: &DatabaseConnection, payment_id: &Value) -> String {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT provider_payment_id FROM payments WHERE id = {payment_id}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index(0).unwrap()
}

fn notification(event: &str, provider_id: &str) -> Value {
    json!({"type": "notification", "event": event, "object": {"id": provider_id, "status": "succeeded", "paid": true}})
}

#[tokio::test]
async fn a_driver_without_access_meets_the_paywall_and_the_trial_opens_loads_once() {
    for backend in backends() {
        let mut app = spawn_app("paywall_trial", backend).await;
        app.sign_in_without_access(driver(900_001)).await;

        let (status, refusal) = app.call(Method::GET, "/api/v1/cargos", None).await;
        assert_eq!(status, 402, "{refusal}");
        assert_eq!(refusal["code"], "subscription_required");
        let (status, _) = app.call(Method::GET, "/api/v1/cargos/1", None).await;
        assert_eq!(status, 402, "a card is cargo data too");
        let (status, view) = app.call(Method::GET, "/api/v1/subscription", None).await;
        assert_eq!(status, 200);
        assert_eq!(view["access"]["active"], false);
        assert_eq!(view["trial_available"], true);
        assert_eq!(view["trial_days"], 3);
        assert_eq!(view["payments_enabled"], true);
        let days: Vec<u64> = view["plans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|plan| plan["days"].as_u64().unwrap())
            .collect();
        assert_eq!(days, [1, 7, 30, 90]);

        let (status, access) = app
            .call(Method::POST, "/api/v1/subscription/trial", None)
            .await;
        assert_eq!(status, 201, "{access}");
        assert_eq!(access["active"], true);
        assert_eq!(access["days_left"], 3);
        let (status, page) = app.call(Method::GET, "/api/v1/cargos", None).await;
        assert_eq!(
            status, 200,
            "{backend:?}: the trial opens loads at once: {page}"
        );

        let (status, again) = app
            .call(Method::POST, "/api/v1/subscription/trial", None)
            .await;
        assert_eq!(status, 409);
        assert_eq!(again["code"], "trial_used");
        let (_, view) = app.call(Method::GET, "/api/v1/subscription", None).await;
        assert_eq!(view["trial_available"], false);
    }
}

#[tokio::test]
async fn a_driver_pays_on_the_yookassa_page_and_loads_open_with_a_word_from_the_bot() {
    for backend in backends() {
        let mut app = spawn_app("pay_yookassa", backend).await;
        app.sign_in_without_access(driver(900_002)).await;

        let payment = start_buying(&app, 30, None).await;
        assert_eq!(payment["status"], "pending");
        assert_eq!(payment["amount_kopecks"], 199_000);
        assert_eq!(payment["days"], 30);
        pay_on_checkout_page(&app, &payment).await;

        let paid = settled(&app, &payment["id"]).await;
        assert_eq!(paid["status"], "succeeded", "{backend:?}");
        assert_eq!(paid["access"]["active"], true);
        assert_eq!(paid["access"]["days_left"], 30);
        assert_eq!(paid["confirmation_url"], Value::Null);
        let (status, _) = app.call(Method::GET, "/api/v1/cargos", None).await;
        assert_eq!(status, 200);

        let texts = bot_said(&app, 900_002).await;
        assert_eq!(texts.len(), 1, "{texts:?}");
        assert!(texts[0].contains("Оплата получена"), "{texts:?}");
        assert!(texts[0].contains("Доступ к грузам открыт до"), "{texts:?}");
    }
}

#[tokio::test]
async fn the_same_notification_delivered_twenty_times_at_once_to_two_instances_extends_once() {
    for backend in backends() {
        let (first, second) = two_instances("notification_twice", backend, 900_003).await;

        let payment = start_buying(&first, 7, None).await;
        pay_on_checkout_page(&first, &payment).await;
        // The sandbox's own notification may land on either instance, before or among the
        // twenty copies below; whichever records the payment, it counts once.
        let db = second.database().await;
        let provider_id = provider_id(&db, &payment["id"]).await;
        let deliveries = (0..20).map(|n| {
            let instance = if n % 2 == 0 { &first } else { &second };
            instance
                .client
                .post(instance.url(NOTIFICATIONS))
                .json(&notification("payment.succeeded", &provider_id))
                .send()
        });
        for answer in join_all(deliveries).await {
            assert_eq!(answer.unwrap().status(), 200);
        }

        let paid = settled(&first, &payment["id"]).await;
        assert_eq!(paid["status"], "succeeded");
        tokio::time::sleep(Duration::from_millis(500)).await;
        let grants = scalar(
            &db,
            &format!(
                "SELECT COUNT(*) FROM access_grants WHERE source_ref = 'payment:{}'",
                payment["id"]
            ),
        )
        .await;
        assert_eq!(grants, 1, "{backend:?}: one grant for one payment");
        let (_, view) = first.call(Method::GET, "/api/v1/subscription", None).await;
        assert_eq!(view["access"]["days_left"], 7, "extended once: {view}");
        let recorded = scalar(
            &db,
            &format!(
                "SELECT COUNT(*) FROM payment_events WHERE payment_id = {} AND kind = 'notification.payment.succeeded'",
                payment["id"]
            ),
        )
        .await;
        assert!(
            recorded >= 20,
            "every delivery is in the payment's history: {recorded}"
        );
    }
}

/// One deployment's two instances on the same database, with a driver signed in to the first
/// one and no access yet. YooKassa (the second one's sandbox) notifies the second, as a load
/// balancer may route it; with Redis they share its keys too, as one deployment does.
async fn two_instances(name: &str, backend: (Db, Store), telegram_id: i64) -> (TestApp, TestApp) {
    let prefix = format!("test-{name}-{:08x}", rand::random::<u32>());
    let second = spawn_app_with(
        &format!("{name}_second"),
        backend,
        Options {
            extra_vars: vec![("REDIS_KEY_PREFIX", prefix.clone())],
        },
    )
    .await;
    let mut first = spawn_app_with(
        name,
        backend,
        Options {
            extra_vars: vec![
                ("REDIS_KEY_PREFIX", prefix),
                ("DATABASE_URL", second.database_url.clone()),
                ("YOOKASSA_BASE_URL", second.url("/sandbox/yookassa")),
                ("YOOKASSA_SHOP_ID", "sandbox-shop".into()),
                ("YOOKASSA_SECRET_KEY", "sandbox-yookassa-secret-key".into()),
            ],
        },
    )
    .await;
    first.sign_in_without_access(driver(telegram_id)).await;
    (first, second)
}

#[tokio::test]
async fn a_payment_the_other_instance_records_opens_loads_at_once() {
    for backend in backends() {
        let (first, second) = two_instances("paid_elsewhere", backend, 900_005).await;
        let payment = start_buying(&first, 7, None).await;
        // The driver waits on the first instance's paywall, which has just said "no access".
        let (status, _) = first.call(Method::GET, "/api/v1/cargos", None).await;
        assert_eq!(status, 402, "{backend:?}: no loads before paying");

        pay_on_checkout_page(&first, &payment).await;
        // YooKassa tells the second instance. Watched in the database, not through the first
        // instance, which would settle the payment itself on seeing it pending.
        let db = second.database().await;
        let succeeded = format!(
            "SELECT COUNT(*) FROM payments WHERE id = {} AND status = 'succeeded'",
            payment["id"]
        );
        let mut waited = 0;
        while scalar(&db, &succeeded).await == 0 {
            assert!(
                waited < 200,
                "{backend:?}: the second instance records the payment"
            );
            waited += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        let (status, loads) = first.call(Method::GET, "/api/v1/cargos", None).await;
        assert_eq!(status, 200, "{backend:?}: loads open at once: {loads}");
        let (_, view) = first.call(Method::GET, "/api/v1/subscription", None).await;
        assert_eq!(view["access"]["days_left"], 7, "{backend:?}: {view}");
    }
}

#[tokio::test]
async fn a_notification_from_a_foreign_address_is_refused_and_changes_nothing() {
    let backend = backends()[0];
    let mut app = spawn_app_with(
        "notification_foreign",
        backend,
        Options {
            extra_vars: vec![
                ("YOOKASSA_ALLOWED_IPS", "185.71.76.0/27".into()),
                ("TRUSTED_PROXIES", "10.0.0.0/8".into()),
            ],
        },
    )
    .await;
    app.sign_in_without_access(driver(900_004)).await;
    let payment = start_buying(&app, 1, None).await;
    pay_on_checkout_page(&app, &payment).await;
    let db = app.database().await;
    let provider_id = provider_id(&db, &payment["id"]).await;

    let refused = app
        .client
        .post(app.url(NOTIFICATIONS))
        .json(&notification("payment.succeeded", &provider_id))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["code"], "notification_forbidden");
    // A forwarded address from an untrusted peer is not believed either.
    let forged = app
        .client
        .post(app.url(NOTIFICATIONS))
        .header("x-forwarded-for", "185.71.76.10")
        .json(&notification("payment.succeeded", &provider_id))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    tokio::time::sleep(Duration::from_millis(300)).await;
    let sql = format!(
        "SELECT COUNT(*) FROM payments WHERE id = {} AND status = 'pending'",
        payment["id"]
    );
    assert_eq!(scalar(&db, &sql).await, 1, "the payment is untouched");
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM access_grants").await, 0);
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM payment_events WHERE kind LIKE 'notification.%'"
        )
        .await,
        0,
        "nothing from a foreign sender is even recorded"
    );
}

#[tokio::test]
async fn a_notification_yookassa_does_not_confirm_changes_nothing_and_is_marked_suspicious() {
    for backend in backends() {
        let mut app = spawn_app("notification_unconfirmed", backend).await;
        app.sign_in_without_access(driver(900_005)).await;
        let payment = start_buying(&app, 30, None).await;
        let db = app.database().await;
        let provider_id = provider_id(&db, &payment["id"]).await;

        // Claims success for a payment the driver never paid.
        let claimed = app
            .client
            .post(app.url(NOTIFICATIONS))
            .json(&notification("payment.succeeded", &provider_id))
            .send()
            .await
            .unwrap();
        assert_eq!(claimed.status(), 200, "recorded, then checked");

        // A real, paid YooKassa payment of one rouble that names Hauler's payment in its metadata.
        let cheap = app
            .client
            .post(app.url("/sandbox/yookassa/v3/payments"))
            .basic_auth("sandbox-shop", Some("sandbox-yookassa-secret-key"))
            .header("Idempotence-Key", "forged-1")
            .json(&json!({
                "amount": {"value": "1.00", "currency": "RUB"},
                "capture": true,
                "confirmation": {"type": "redirect", "return_url": "https://example.com"},
                "metadata": {"hauler_payment_id": payment["id"].to_string(), "hauler_driver_id": "1"},
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(cheap.status(), 200);
        let cheap: Value = cheap.json().await.unwrap();
        let cheap_id = cheap["id"].as_str().unwrap();
        let paid = app
            .client
            .post(app.url(&format!("/sandbox/yookassa/checkout/{cheap_id}/pay")))
            .send()
            .await
            .unwrap();
        assert_eq!(paid.status(), 303);
        let claimed = app
            .client
            .post(app.url(NOTIFICATIONS))
            .json(&notification("payment.succeeded", cheap_id))
            .send()
            .await
            .unwrap();
        assert_eq!(claimed.status(), 200);

        tokio::time::sleep(Duration::from_millis(500)).await;
        let (_, view) = app
            .call(
                Method::GET,
                &format!("/api/v1/payments/{}", payment["id"]),
                None,
            )
            .await;
        assert_eq!(view["status"], "pending", "{backend:?}: {view}");
        assert_eq!(view["access"]["active"], false);
        assert_eq!(scalar(&db, "SELECT COUNT(*) FROM access_grants").await, 0);
        let suspicious = scalar(
            &db,
            "SELECT COUNT(*) FROM payment_events WHERE suspicious = TRUE",
        )
        .await;
        assert!(
            suspicious >= 1,
            "the forged payment's notification is flagged"
        );
    }
}

fn code(code: &str, benefit: PromoBenefit) -> NewPromoCode {
    NewPromoCode {
        code: code.into(),
        benefit,
        valid_from: None,
        valid_until: None,
        max_uses: None,
        campaign: None,
        created_by: "test".into(),
    }
}

#[tokio::test]
async fn a_promo_code_that_does_not_apply_says_exactly_why() {
    for backend in backends() {
        let mut app = spawn_app("promo_refusals", backend).await;
        let db = app.database().await;
        let day = chrono::Duration::days(1);
        for new in [
            NewPromoCode {
                valid_until: Some(Utc::now() - day),
                ..code("OLD2025", PromoBenefit::PercentOff(10))
            },
            NewPromoCode {
                valid_from: Some(Utc::now() + day),
                ..code("SOON", PromoBenefit::PercentOff(10))
            },
            NewPromoCode {
                max_uses: Some(1),
                ..code("ONCE", PromoBenefit::FreeDays(2))
            },
            code("week-free", PromoBenefit::FreeDays(7)),
            code("TENOFF", PromoBenefit::PercentOff(10)),
        ] {
            promo::create(&db, new).await.unwrap();
        }
        let mut other = app.same_server();
        other.sign_in_without_access(driver(900_010)).await;
        let (status, _) = other
            .call(
                Method::POST,
                "/api/v1/promo/redeem",
                Some(json!({"code": "once"})),
            )
            .await;
        assert_eq!(status, 200, "another driver takes the only use");

        app.sign_in_without_access(driver(900_011)).await;
        for (typed, expected) in [
            ("NOPE-123", "promo_unknown"),
            ("old2025", "promo_expired"),
            ("Soon", "promo_not_yet_valid"),
            ("ONCE", "promo_used_up"),
            ("x", "promo_invalid"),
        ] {
            let (status, body) = app
                .call(
                    Method::POST,
                    "/api/v1/promo/check",
                    Some(json!({"code": typed})),
                )
                .await;
            assert_eq!(status, 422, "{typed}: {body}");
            assert_eq!(body["code"], expected, "{typed}");
            assert!(!body["message"].as_str().unwrap().is_empty());
        }

        // Each kind of code has its own way in: a discount with a purchase, free days without.
        let month = plan(&app, 30).await;
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/payments",
                Some(json!({"plan_id": month["id"], "promo_code": "week-free"})),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("promo_free_days"))
        );
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/promo/redeem",
                Some(json!({"code": "tenoff"})),
            )
            .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("promo_needs_purchase"))
        );

        let (status, access) = app
            .call(
                Method::POST,
                "/api/v1/promo/redeem",
                Some(json!({"code": " Week-Free "})),
            )
            .await;
        assert_eq!(status, 200, "{access}");
        assert_eq!(access["days_left"], 7);
        let (status, again) = app
            .call(
                Method::POST,
                "/api/v1/promo/redeem",
                Some(json!({"code": "WEEK-FREE"})),
            )
            .await;
        assert_eq!(status, 422);
        assert_eq!(again["code"], "promo_already_used");
        let (status, _) = app.call(Method::GET, "/api/v1/cargos", None).await;
        assert_eq!(status, 200, "{backend:?}: free days open loads");

        let (status, garbage) = app
            .call(
                Method::POST,
                "/api/v1/promo/check",
                Some(json!({"promo": 5})),
            )
            .await;
        assert_eq!(status, 400);
        assert_eq!(garbage["code"], "invalid_body");
    }
}

#[tokio::test]
async fn twenty_drivers_racing_for_the_last_use_of_a_code_leave_exactly_one_winner() {
    for backend in backends() {
        let app = spawn_app("promo_race", backend).await;
        let db = app.database().await;
        promo::create(
            &db,
            NewPromoCode {
                max_uses: Some(1),
                ..code("LASTONE", PromoBenefit::FreeDays(5))
            },
        )
        .await
        .unwrap();
        let mut drivers = Vec::new();
        for n in 0..20 {
            let mut client = app.same_server();
            client.sign_in_without_access(driver(900_100 + n)).await;
            drivers.push(client);
        }
        let answers = join_all(drivers.iter().map(|client| {
            client.call(
                Method::POST,
                "/api/v1/promo/redeem",
                Some(json!({"code": "lastone"})),
            )
        }))
        .await;
        let winners = answers.iter().filter(|(status, _)| *status == 200).count();
        let used_up = answers
            .iter()
            .filter(|(status, body)| *status == 422 && body["code"] == "promo_used_up")
            .count();
        assert_eq!((winners, used_up), (1, 19), "{backend:?}: {answers:?}");
        assert_eq!(promo::used_count(&db, "LASTONE").await.unwrap(), Some(1));
    }
}

#[tokio::test]
async fn a_discount_code_lowers_the_price_and_a_full_discount_needs_no_payment() {
    for backend in backends() {
        let mut app = spawn_app("promo_discount", backend).await;
        let db = app.database().await;
        promo::create(&db, code("MINUS20", PromoBenefit::PercentOff(20)))
            .await
            .unwrap();
        promo::create(&db, code("ONTHEHOUSE", PromoBenefit::PercentOff(100)))
            .await
            .unwrap();
        app.sign_in_without_access(driver(900_200)).await;

        let (status, quote) = app
            .call(
                Method::POST,
                "/api/v1/promo/check",
                Some(json!({"code": "minus20"})),
            )
            .await;
        assert_eq!(status, 200, "{quote}");
        assert_eq!(quote["code"], "MINUS20");
        assert_eq!(
            quote["benefit"],
            json!({"kind": "percent_off", "value": 20})
        );
        let month = plan(&app, 30).await;
        let quoted = quote["plans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["plan_id"] == month["id"])
            .unwrap();
        assert_eq!(quoted["price_kopecks"], 159_200);

        let payment = start_buying(&app, 30, Some("minus20")).await;
        assert_eq!(
            payment["amount_kopecks"], 159_200,
            "YooKassa is asked for the lower price"
        );
        let (status, free) = app
            .call(
                Method::POST,
                "/api/v1/payments",
                Some(json!({"plan_id": month["id"], "promo_code": "ONTHEHOUSE"})),
            )
            .await;
        assert_eq!(status, 201, "{free}");
        assert_eq!(free["status"], "succeeded", "{backend:?}");
        assert_eq!(free["amount_kopecks"], 0);
        assert_eq!(free["confirmation_url"], Value::Null);
        assert_eq!(free["access"]["days_left"], 30);
    }
}

#[tokio::test]
async fn with_payments_switched_off_the_paywall_sells_nothing_and_says_so() {
    let backend = backends()[0];
    let mut app = spawn_app("payments_off", backend).await;
    flags::set(&app.database().await, Flag::Payments, false, "test")
        .await
        .unwrap();
    app.sign_in_without_access(driver(900_300)).await;
    let (_, view) = app.call(Method::GET, "/api/v1/subscription", None).await;
    assert_eq!(view["payments_enabled"], false);
    let month = plan(&app, 30).await;
    let (status, refusal) = app
        .call(
            Method::POST,
            "/api/v1/payments",
            Some(json!({"plan_id": month["id"]})),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(refusal["code"], "payments_disabled");
    let (status, missing) = app
        .call(
            Method::POST,
            "/api/v1/payments",
            Some(json!({"plan_id": 999})),
        )
        .await;
    assert_eq!(status, 403, "switched off comes first: {missing}");
    let (status, missing) = app.call(Method::GET, "/api/v1/payments/424242", None).await;
    assert_eq!(status, 404);
    assert_eq!(missing["code"], "payment_not_found");
}

#[tokio::test]
async fn a_refund_returns_money_through_yookassa_and_shortens_access_in_proportion() {
    const DESK: &str = "refund-desk-token-for-tests";
    for backend in backends() {
        let mut app = spawn_app_with(
            "refunds",
            backend,
            Options {
                extra_vars: vec![(
                    "SERVICE_TOKEN_BACKOFFICE_HASH",
                    domain::service_tokens::hash(DESK),
                )],
            },
        )
        .await;
        app.sign_in_without_access(driver(900_400)).await;
        let payment = start_buying(&app, 30, None).await;
        pay_on_checkout_page(&app, &payment).await;
        assert_eq!(
            settled(&app, &payment["id"]).await["access"]["days_left"],
            30
        );
        let refunds = app.url(&format!("/internal/v1/payments/{}/refunds", payment["id"]));
        let days_left = || async {
            let (_, view) = app.call(Method::GET, "/api/v1/subscription", None).await;
            view["access"]["days_left"].as_u64().unwrap()
        };

        let anonymous = app
            .client
            .post(&refunds)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            anonymous.status(),
            403,
            "refunds are for the back office only"
        );
        let half = app
            .client
            .post(&refunds)
            .header("x-service-token", DESK)
            .json(&json!({"amount_kopecks": 99_500}))
            .send()
            .await
            .unwrap();
        assert_eq!(half.status(), 201);
        let half: Value = half.json().await.unwrap();
        assert_eq!(half["refunded_kopecks"], 99_500);
        assert_eq!(
            days_left().await,
            15,
            "{backend:?}: half the money, half the days"
        );
        // YooKassa's own notification of that refund changes nothing more.
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(days_left().await, 15);

        let too_much = app
            .client
            .post(&refunds)
            .header("x-service-token", DESK)
            .json(&json!({"amount_kopecks": 100_000}))
            .send()
            .await
            .unwrap();
        assert_eq!(too_much.status(), 422);
        let too_much: Value = too_much.json().await.unwrap();
        assert_eq!(too_much["code"], "refund_amount_invalid");

        // A refund made in YooKassa's own dashboard reaches Hauler by notification.
        let db = app.database().await;
        let provider_id = provider_id(&db, &payment["id"]).await;
        let outside = app
            .client
            .post(app.url("/sandbox/yookassa/v3/refunds"))
            .basic_auth("sandbox-shop", Some("sandbox-yookassa-secret-key"))
            .header("Idempotence-Key", "dashboard-refund-1")
            .json(&json!({"payment_id": provider_id, "amount": {"value": "298.50", "currency": "RUB"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(outside.status(), 200);
        let mut left = 0;
        for _ in 0..50 {
            left = days_left().await;
            if left != 15 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(left, 10, "{backend:?}: 298.50 ₽ bought five of the days");

        let rest = app
            .client
            .post(&refunds)
            .header("x-service-token", DESK)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(rest.status(), 201);
        let rest: Value = rest.json().await.unwrap();
        assert_eq!(rest["refunded_kopecks"], 199_000);
        let (_, view) = app.call(Method::GET, "/api/v1/subscription", None).await;
        assert_eq!(
            view["access"]["active"], false,
            "everything refunded: {view}"
        );
        let (status, _) = app.call(Method::GET, "/api/v1/cargos", None).await;
        assert_eq!(status, 402);
        let audited = scalar(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'payment.refunded' AND actor = 'service:backoffice'",
        )
        .await;
        assert_eq!(audited, 2);
    }
}

#[tokio::test]
async fn the_bot_reminds_a_driver_three_days_before_access_ends_once() {
    let backend = backends()[0];
    let mut app = spawn_app_with(
        "reminders",
        backend,
        Options {
            extra_vars: vec![("PAYMENTS_CHECK_SECONDS", "1".into())],
        },
    )
    .await;
    let me = app.sign_in_as(driver(900_500)).await;
    // Bought long ago, ending in two and a half days.
    let db = app.database().await;
    let ends_at = Utc::now() + chrono::Duration::hours(60);
    let changed_at = Utc::now() - chrono::Duration::days(27);
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        match db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                "UPDATE subscriptions SET ends_at = $1, updated_at = $2 WHERE driver_id = $3"
            }
            _ => "UPDATE subscriptions SET ends_at = ?, updated_at = ? WHERE driver_id = ?",
        },
        [
            ends_at.into(),
            changed_at.into(),
            me["id"].as_i64().unwrap().into(),
        ],
    ))
    .await
    .unwrap();

    let texts = bot_said(&app, 900_500).await;
    assert_eq!(texts.len(), 1, "{texts:?}");
    assert!(texts[0].contains("закончится через 3 дня"), "{texts:?}");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(bot_said(&app, 900_500).await.len(), 1, "reminded once");
}

/// A driver on iOS, where the operator takes Telegram Stars.
async fn stars_app(test: &str, backend: (crate::support::Db, crate::support::Store)) -> TestApp {
    spawn_app_with(
        test,
        backend,
        Options {
            extra_vars: vec![
                ("STARS_PLATFORMS", "ios".into()),
                (
                    "SERVICE_TOKEN_BACKOFFICE_HASH",
                    domain::service_tokens::hash("stars-desk-token"),
                ),
            ],
        },
    )
    .await
}

/// Buys `plan` on iOS: Hauler's payment, pending, and the slug of its Telegram invoice link.
pub(crate) async fn buy_with_stars(app: &TestApp, plan: &Value) -> (Value, String) {
    let (status, payment) = app
        .call(
            Method::POST,
            "/api/v1/payments",
            Some(json!({"plan_id": plan["id"], "platform": "ios"})),
        )
        .await;
    assert_eq!(status, 201, "{payment}");
    let slug = payment["invoice_link"]
        .as_str()
        .and_then(|link| link.strip_prefix("https://t.me/$"))
        .expect("a Telegram invoice link")
        .to_owned();
    (payment, slug)
}

#[tokio::test]
async fn a_stars_purchase_grants_access_once_even_when_telegram_says_so_twice() {
    for backend in backends() {
        let mut app = stars_app("stars_purchase", backend).await;
        app.sign_in_without_access(driver(900_600)).await;
        let (_, view) = app.call(Method::GET, "/api/v1/subscription", None).await;
        assert_eq!(view["stars_platforms"], json!(["ios"]));
        let week = plan(&app, 7).await;
        let (payment, slug) = buy_with_stars(&app, &week).await;
        assert_eq!(payment["stars"], week["stars"]);
        assert_eq!(payment["confirmation_url"], Value::Null, "no YooKassa page");

        let (status, paid) = app
            .call(
                Method::POST,
                &format!("/sandbox/telegram/__sandbox/invoices/{slug}/pay"),
                Some(json!({"user_id": 900_600, "deliver_twice": true})),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            paid["status"], "paid",
            "the bot approved the pre-checkout: {paid}"
        );
        let settled = settled(&app, &payment["id"]).await;
        assert_eq!(settled["status"], "succeeded", "{backend:?}");
        assert_eq!(settled["access"]["days_left"], 7);
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (_, view) = app.call(Method::GET, "/api/v1/subscription", None).await;
        assert_eq!(view["access"]["days_left"], 7, "granted once: {view}");

        // Refunded through Telegram: the stars go back and so do the days.
        let refund = app
            .client
            .post(app.url(&format!("/internal/v1/payments/{}/refunds", payment["id"])))
            .header("x-service-token", "stars-desk-token")
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(refund.status(), 201);
        let (_, ledger) = app
            .call(Method::GET, "/sandbox/telegram/__sandbox/invoices", None)
            .await;
        let charge = paid["telegram_payment_charge_id"].as_str().unwrap();
        assert_eq!(ledger["charges"][charge]["refunded"], true, "{ledger}");
        let (_, view) = app.call(Method::GET, "/api/v1/subscription", None).await;
        assert_eq!(view["access"]["active"], false);
    }
}

/// Telegram shows the invoice's title in its own payment sheet: in the driver's language.
#[tokio::test]
async fn a_stars_invoice_is_titled_in_the_drivers_language() {
    let backend = backends()[0];
    let app = stars_app("stars_language", backend).await;
    for (id, language, title) in [
        (900_610, "en", "Hauler: 7 days"),
        (900_611, "ru", "Hauler: 7 дн."),
    ] {
        let mut driver = app.same_server();
        driver
            .sign_in_without_access(
                json!({"id": id, "first_name": "Sam", "language_code": language}),
            )
            .await;
        let week = plan(&driver, 7).await;
        let (_, slug) = buy_with_stars(&driver, &week).await;
        let (_, ledger) = driver
            .call(Method::GET, "/sandbox/telegram/__sandbox/invoices", None)
            .await;
        let invoice = ledger["invoices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|invoice| invoice["slug"] == slug.as_str())
            .expect("the invoice is at Telegram");
        assert_eq!(invoice["title"], title, "{language}");
    }
}

#[tokio::test]
async fn telegram_is_told_no_when_someone_else_tries_to_pay_a_drivers_stars_invoice() {
    let backend = backends()[0];
    let mut app = stars_app("stars_refused", backend).await;
    app.sign_in_without_access(driver(900_601)).await;
    let day = plan(&app, 1).await;
    let (payment, slug) = buy_with_stars(&app, &day).await;
    let (_, refused) = app
        .call(
            Method::POST,
            &format!("/sandbox/telegram/__sandbox/invoices/{slug}/pay"),
            Some(json!({"user_id": 555})),
        )
        .await;
    assert_eq!(refused["status"], "failed", "{refused}");
    assert!(
        refused["error_message"].as_str().unwrap().contains("счёт"),
        "{refused}"
    );
    let (_, view) = app
        .call(
            Method::GET,
            &format!("/api/v1/payments/{}", payment["id"]),
            None,
        )
        .await;
    assert_eq!(view["status"], "pending");
    // Android and the web still pay in roubles.
    let (_, roubles) = app
        .call(
            Method::POST,
            "/api/v1/payments",
            Some(json!({"plan_id": day["id"], "platform": "android"})),
        )
        .await;
    assert!(roubles["confirmation_url"].as_str().is_some(), "{roubles}");
    assert_eq!(roubles["stars"], Value::Null);
}

#[tokio::test]
async fn a_shop_entered_in_the_settings_takes_effect_without_a_restart_and_its_key_stays_sealed() {
    use base64::Engine;
    use domain::{
        sealing::{Sealer, SealingKey},
        settings,
    };
    use server::payments::shop::{SECRET_KEY_SETTING, SHOP_ID_SETTING};

    const SECRET: &str = "live_dashboard-secret-key-0042";
    for backend in backends() {
        let (yookassa, _shop) = server::sandbox::yookassa::serve(
            "127.0.0.1:0".parse().unwrap(),
            "dashboard-shop",
            SECRET,
            "http://127.0.0.1:9/nobody-listens",
        )
        .await
        .unwrap();
        let key = [42_u8; 32];
        let mut app = spawn_app_with(
            "shop_settings",
            backend,
            Options {
                extra_vars: vec![
                    ("YOOKASSA_BASE_URL", format!("http://{yookassa}")),
                    (
                        "ENCRYPTION_KEY",
                        base64::engine::general_purpose::STANDARD.encode(key),
                    ),
                ],
            },
        )
        .await;
        app.sign_in_without_access(driver(900_700)).await;
        let month = plan(&app, 30).await;
        let buy = json!({"plan_id": month["id"]});
        let (status, refusal) = app
            .call(Method::POST, "/api/v1/payments", Some(buy.clone()))
            .await;
        assert_eq!(status, 503, "no shop yet: {refusal}");
        assert_eq!(refusal["code"], "payments_unavailable");

        let db = app.database().await;
        let sealer = Sealer::new(SealingKey::new("k1", key).unwrap(), []);
        settings::put_plain(&db, SHOP_ID_SETTING, "dashboard-shop", "admin:owner@test")
            .await
            .unwrap();
        settings::put_sealed(&db, &sealer, SECRET_KEY_SETTING, SECRET, "admin:owner@test")
            .await
            .unwrap();
        let (status, payment) = app.call(Method::POST, "/api/v1/payments", Some(buy)).await;
        assert_eq!(status, 201, "{backend:?}: {payment}");
        assert!(
            payment["confirmation_url"]
                .as_str()
                .unwrap()
                .starts_with(&format!("http://{yookassa}/checkout/")),
            "{payment}"
        );
        assert!(!payment.to_string().contains(SECRET));
        let stored = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM settings WHERE value LIKE '%{SECRET}%'"),
        )
        .await;
        assert_eq!(stored, 0, "the key is sealed at rest");
    }
}

#[tokio::test]
async fn operators_hear_when_a_payment_notification_does_not_add_up() {
    let app = spawn_app_with(
        "payments_operator_alert",
        backends()[0],
        Options {
            extra_vars: vec![
                ("TELEGRAM_OPERATOR_CHAT_ID", "-100888".into()),
                ("OPERATOR_ALERTS_CHECK_SECONDS", "1".into()),
            ],
        },
    )
    .await;
    let forged = app
        .client
        .post(app.url(NOTIFICATIONS))
        .json(&notification("payment.succeeded", "2f00-no-such-payment"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 200, "recorded for the history");
    let mut alerts = Vec::new();
    for _ in 0..5 {
        alerts = bot_said(&app, -100_888).await;
        if !alerts.is_empty() {
            break;
        }
    }
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].contains("payment problem"), "{alerts:?}");
}

#[tokio::test]
async fn a_payment_canceled_on_the_yookassa_page_changes_nothing_and_the_bot_says_so() {
    for backend in backends() {
        let mut app = spawn_app("payment_canceled", backend).await;
        app.sign_in_without_access(driver(900_800)).await;
        let payment = start_buying(&app, 7, None).await;
        let page = payment["confirmation_url"].as_str().unwrap();
        let canceled = app
            .client
            .post(format!("{page}/cancel"))
            .send()
            .await
            .unwrap();
        assert_eq!(canceled.status(), 303);
        let settled = settled(&app, &payment["id"]).await;
        assert_eq!(settled["status"], "canceled", "{backend:?}");
        assert_eq!(settled["access"]["active"], false);
        let said = bot_said(&app, 900_800).await;
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].contains("Платёж не прошёл"), "{said:?}");
    }
}
