//! Shippers a driver can trust: the score worked out from what Hauler saw on the exchange (loads,
//! re-posts, re-prices, ₽/km against the route's median) and from drivers' reports once a
//! moderator approved them, checked against figures worked out by hand; the bot's question a day
//! after a response, in the driver's language and after their quiet hours; and moderation.

use std::time::Duration;

use admin::wire::Role;
use chrono::Timelike;
use reqwest::Method;
use serde_json::{Value, json};
use server::sandbox::cargotech::{Exchange, ExchangeConfig, Posting};

use crate::{
    admin::{AdminBrowser, log_in, make_admin},
    support::{
        Options, TestApp, backends, chat_with, instant_exchange, scalar, serve_exchange,
        spawn_app_with,
    },
};

/// ООО «Северный Путь» and ООО «ТрансЛогистик», shippers of the sandbox's catalog.
const NORTH: &str = "7707083893";
const TRANS: &str = "7736050003";

/// An app on an exchange with no loads but those the test posts.
async fn app_on_an_empty_exchange(
    test: &str,
    backend: (crate::support::Db, crate::support::Store),
) -> (Exchange, TestApp) {
    let (url, exchange) = serve_exchange(ExchangeConfig {
        loads: 0,
        ..instant_exchange()
    })
    .await;
    let app = spawn_app_with(
        test,
        backend,
        Options {
            extra_vars: vec![("CARGOTECH_BASE_URL", url)],
        },
    )
    .await;
    (exchange, app)
}

/// A load of `shipper` on a 1000 km route paying `rub`, loading `hours` after the first morning.
fn post(exchange: &Exchange, from: &str, to: &str, rub: u64, shipper: &str, hours: u32) -> u64 {
    exchange
        .post(&Posting {
            from: from.into(),
            to: to.into(),
            distance_km: 1000,
            weight_kg: 20_000,
            price_kopecks: rub * 100,
            shipper_inn: shipper.into(),
            loading_in_hours: hours,
        })
        .expect("the catalog knows the cities and the shipper")
}

/// A driver's session on the same server; they keep no quiet hours (the bot may write at any
/// hour of the day the test runs).
async fn driver(app: &TestApp, telegram_id: i64, language: &str) -> TestApp {
    let mut driver = app.same_server();
    driver
        .sign_in_as(json!({"id": telegram_id, "first_name": "Водитель", "language_code": language}))
        .await;
    let awake = json!({"notifications": true, "utc_offset_minutes": 180, "quiet_hours": null});
    let (status, body) = driver
        .call(Method::PUT, "/api/v1/me/profile", Some(awake))
        .await;
    assert_eq!(status, 200, "{body}");
    driver
}

async fn list(driver: &TestApp, query: &str) -> Vec<Value> {
    let (status, page) = driver
        .call(
            Method::GET,
            &format!("/api/v1/cargos?limit=100{query}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{page}");
    page["cards"].as_array().unwrap().clone()
}

async fn open(driver: &TestApp, id: u64) -> Value {
    let (status, card) = driver
        .call(Method::GET, &format!("/api/v1/cargos/{id}"), None)
        .await;
    assert_eq!(status, 200, "{card}");
    card
}

async fn respond(driver: &TestApp, id: u64) {
    let (status, body) = driver
        .call(Method::POST, &format!("/api/v1/cargos/{id}/response"), None)
        .await;
    assert_eq!(status, 201, "{body}");
}

/// Time passes for one chat: what the bot holds for the next `hours` goes out now.
async fn hours_pass(app: &TestApp, chat_id: i64, hours: u32) -> u64 {
    let (status, body) = app
        .call(
            Method::POST,
            "/sandbox/hauler/__sandbox/advance",
            Some(json!({"chat_id": chat_id, "hours": hours})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    body["released"].as_u64().unwrap()
}

/// The bot's question about a load, once it came to the chat.
async fn question_about(app: &TestApp, chat_id: i64, cargo_id: u64, among: usize) -> Value {
    let messages = chat_with(app, chat_id, among).await;
    messages
        .into_iter()
        .find(|message| {
            message["reply_markup"]["inline_keyboard"]
                .to_string()
                .contains(&format!("shipper:{cargo_id}:"))
        })
        .unwrap_or_else(|| panic!("no question about {cargo_id} in chat {chat_id}"))
}

/// The driver presses the question's button for `outcome`.
async fn answer(app: &TestApp, chat_id: i64, question: &Value, outcome: &str) {
    let data = question["reply_markup"]["inline_keyboard"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row.as_array().unwrap())
        .map(|button| button["callback_data"].as_str().unwrap().to_owned())
        .find(|data| data.ends_with(&format!(":{outcome}")))
        .unwrap();
    let (status, body) = app
        .call(
            Method::POST,
            "/sandbox/telegram/__sandbox/updates",
            Some(json!({"chat_id": chat_id, "data": data})),
        )
        .await;
    assert_eq!(status, 204, "{body}");
}

/// Reports in a state, as moderators see them, waiting (five seconds at most) for `count`.
async fn reports(admin: &AdminBrowser<'_>, state: &str, count: usize) -> Vec<Value> {
    let mut listed = Vec::new();
    for _ in 0..50 {
        let (status, body) = admin
            .call(
                Method::GET,
                &format!("/admin/api/shipper-reports?state={state}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        listed = body.as_array().unwrap().clone();
        if listed.len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    listed
}

/// The shipper's page once `ready` holds (the sightings are written beside the lists).
async fn shipper_page(driver: &TestApp, inn: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let mut page = Value::Null;
    for _ in 0..50 {
        let (status, body) = driver
            .call(Method::GET, &format!("/api/v1/shippers/{inn}"), None)
            .await;
        page = body;
        if status == 200 && ready(&page) {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the shipper's page never showed what was expected: {page}");
}

#[tokio::test]
async fn the_score_is_worked_out_from_the_exchange_and_approved_reports_as_by_hand() {
    for backend in backends() {
        let (exchange, app) = app_on_an_empty_exchange("shippers_formula", backend).await;
        // Москва → Казань, 1000 km: «Северный Путь» pays 50 000 ₽, «ТрансЛогистик» 40, 60, 80.
        let l1 = post(&exchange, "Москва", "Казань", 50_000, NORTH, 1);
        for (rub, hours) in [(40_000, 2), (60_000, 3), (80_000, 4)] {
            post(&exchange, "Москва", "Казань", rub, TRANS, hours);
        }
        // Казань → Москва: «Северный Путь» 66 000 ₽, «ТрансЛогистик» 60 and 50.
        let l5 = post(&exchange, "Казань", "Москва", 66_000, NORTH, 5);
        for (rub, hours) in [(60_000, 6), (50_000, 7)] {
            post(&exchange, "Казань", "Москва", rub, TRANS, hours);
        }

        let anna = driver(&app, 840_001, "ru").await;
        let boris = driver(&app, 840_002, "ru").await;
        assert_eq!(list(&anna, "").await.len(), 7);
        // Cards name their shippers; lists do not.
        assert_eq!(open(&anna, l1).await["shipper_inn"], NORTH);
        assert_eq!(open(&anna, l5).await["shipper_inn"], NORTH);
        respond(&anna, l1).await;
        respond(&anna, l5).await;
        respond(&boris, l1).await;

        // The shipper raises the first load to 60 000 ₽ and posts the second again.
        assert!(exchange.reprice(l1, 6_000_000));
        let l8 = exchange.repost(l5).unwrap();
        // Lists of other questions go to the exchange again and see it.
        list(&anna, "&from_city_id=1").await;
        let from_kazan = list(&anna, "&from_city_id=3").await;
        assert!(from_kazan.iter().any(|card| card["id"] == l8));
        assert_eq!(open(&anna, l8).await["shipper_inn"], NORTH);

        // By hand: 3 loads (first, second, its re-post), 1 re-posted, 1 re-priced: 2 of 3 churned,
        // −20 × 2/3 = −13.33. Medians (re-posts left out): Москва → Казань 60, 40, 60, 80 → 60,
        // its 60 is 1.0; Казань → Москва 66, 60, 50 → 60, its 66 is 1.1; median 1.05, +5 %, so
        // +20 × 0.05 = +1. Seen today: +0. 50 − 13.33 + 1 = 37.67 → 38: careful.
        let page = shipper_page(&anna, NORTH, |page| {
            page["loads"] == 3 && page["repriced"] == 1 && page["reposted"] == 1
        })
        .await;
        assert_eq!(page["name"], "ООО «Северный Путь»", "{backend:?}: {page}");
        assert_eq!(page["days_seen"], 0);
        assert_eq!(page["rate_vs_median_percent"], 5, "{page}");
        assert_eq!(page["score"], 38, "{page}");
        assert_eq!(page["level"], "poor");
        assert_eq!(
            page["reports"],
            json!({"agreed": 0, "no_answer": 0, "already_gone": 0, "not_paid": 0})
        );

        // A day later the bot asks; Анна agreed on the first and was not paid for the second,
        // Борис got no answer on the first.
        assert_eq!(hours_pass(&app, 840_001, 24).await, 2);
        assert_eq!(hours_pass(&app, 840_002, 24).await, 1);
        let asked = question_about(&app, 840_001, l1, 4).await;
        answer(&app, 840_001, &asked, "agreed").await;
        let asked = question_about(&app, 840_001, l5, 4).await;
        answer(&app, 840_001, &asked, "not_paid").await;
        let asked = question_about(&app, 840_002, l1, 2).await;
        answer(&app, 840_002, &asked, "no_answer").await;

        // Nothing counts before a moderator looks.
        make_admin(&app, "moderator@hauler.test", Role::Admin).await;
        let moderator = log_in(&app, "moderator@hauler.test").await;
        let waiting = reports(&moderator, "pending", 3).await;
        assert_eq!(waiting.len(), 3, "{waiting:?}");
        let page = shipper_page(&anna, NORTH, |_| true).await;
        assert_eq!(
            (page["score"].clone(), page["pending_reports"].clone()),
            (json!(38), json!(3))
        );

        // Approved: Анна's "agreed" (+5). Rejected: her "not paid". Борис's waits.
        let anna_id = anna.call(Method::GET, "/api/v1/me", None).await.1["id"].clone();
        let by = |cargo: u64, outcome: &str| {
            waiting
                .iter()
                .find(|r| {
                    r["cargo_id"] == cargo && r["driver_id"] == anna_id && r["outcome"] == outcome
                })
                .unwrap()["id"]
                .clone()
        };
        let (agreed, not_paid) = (by(l1, "agreed"), by(l5, "not_paid"));
        let (status, body) = moderator
            .call(
                Method::POST,
                &format!("/admin/api/shipper-reports/{agreed}/approve"),
                None,
            )
            .await;
        assert_eq!(
            (status, body["state"].clone()),
            (200, json!("approved")),
            "{body}"
        );
        let (status, _) = moderator
            .call(
                Method::POST,
                &format!("/admin/api/shipper-reports/{not_paid}/reject"),
                None,
            )
            .await;
        assert_eq!(status, 200);
        // A verdict is final.
        let (status, body) = moderator
            .call(
                Method::POST,
                &format!("/admin/api/shipper-reports/{not_paid}/approve"),
                None,
            )
            .await;
        assert_eq!(
            (status, body["code"].clone()),
            (409, json!("shipper_report_not_pending"))
        );

        // By hand: 37.67 + 5 = 42.67 → 43: average. The rejected and the waiting ones do not count.
        let page = shipper_page(&anna, NORTH, |page| page["score"] == 43).await;
        assert_eq!(page["level"], "fair");
        assert_eq!(
            page["reports"],
            json!({"agreed": 1, "no_answer": 0, "already_gone": 0, "not_paid": 0})
        );
        assert_eq!(page["pending_reports"], 1);

        // Every card of its loads carries the mark.
        let cards = list(&anna, "&from_city_id=1").await;
        let first = cards.iter().find(|card| card["id"] == l1).unwrap();
        assert_eq!(
            first["shipper"],
            json!({"inn": NORTH, "score": 43, "level": "fair"})
        );
        assert_eq!(open(&anna, l8).await["card"]["shipper"]["score"], 43);

        let db = anna.database().await;
        assert_eq!(
            scalar(&db, "SELECT COUNT(*) FROM audit_log WHERE action IN ('shipper_report.approved', 'shipper_report.rejected')").await,
            2
        );
    }
}

#[tokio::test]
async fn the_bot_asks_a_day_after_a_response_after_quiet_hours_in_the_drivers_language() {
    for backend in backends() {
        let (exchange, app) = app_on_an_empty_exchange("shippers_question", backend).await;
        let load = post(&exchange, "Самара", "Уфа", 30_000, TRANS, 1);
        let other = post(&exchange, "Самара", "Пермь", 40_000, TRANS, 2);

        // Jack reads English; his quiet hours on UTC are from an hour ago to an hour from now,
        // so a day later is quiet too.
        let jack = driver(&app, 840_011, "en").await;
        let clock = |minutes: i64| {
            let at = chrono::Utc::now() + chrono::Duration::minutes(minutes);
            format!("{:02}:{:02}", at.hour(), at.minute())
        };
        let quiet = json!({"notifications": true, "utc_offset_minutes": 0,
            "quiet_hours": {"from": clock(-60), "until": clock(60)}});
        assert_eq!(
            jack.call(Method::PUT, "/api/v1/me/profile", Some(quiet))
                .await
                .0,
            200
        );
        list(&jack, "").await;
        respond(&jack, load).await;
        assert_eq!(
            chat_with(&app, 840_011, 1).await.len(),
            1,
            "the response's card only"
        );

        // Not before a day, nor in the quiet hours a day later.
        assert_eq!(hours_pass(&app, 840_011, 23).await, 0);
        assert_eq!(hours_pass(&app, 840_011, 24).await, 0);
        assert_eq!(hours_pass(&app, 840_011, 26).await, 1);
        let asked = question_about(&app, 840_011, load, 2).await;
        let text = asked["text"].as_str().unwrap();
        assert!(
            text.contains("Yesterday you responded") && text.contains("Самара → Уфа"),
            "{text}"
        );
        let labels: Vec<&str> = asked["reply_markup"]["inline_keyboard"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row.as_array().unwrap())
            .map(|button| button["text"].as_str().unwrap())
            .collect();
        assert_eq!(
            labels,
            ["We agreed", "No answer", "Load already gone", "Not paid"]
        );

        // In Russian for a Russian driver.
        let vera = driver(&app, 840_012, "ru").await;
        list(&vera, "").await;
        respond(&vera, other).await;
        assert_eq!(hours_pass(&app, 840_012, 24).await, 1);
        let asked = question_about(&app, 840_012, other, 2).await;
        assert!(
            asked["text"]
                .as_str()
                .unwrap()
                .starts_with("Вчера вы откликнулись")
        );
        assert_eq!(
            asked["reply_markup"]["inline_keyboard"][1][1]["text"],
            "Не заплатили"
        );

        // An answer waits for a moderator; a second answer before moderation replaces it.
        answer(&app, 840_012, &asked, "already_gone").await;
        answer(&app, 840_012, &asked, "no_answer").await;
        make_admin(&app, "support@hauler.test", Role::Support).await;
        let support = log_in(&app, "support@hauler.test").await;
        let waiting = reports(&support, "pending", 1).await;
        assert_eq!(waiting.len(), 1);
        assert_eq!(waiting[0]["outcome"], "no_answer", "{waiting:?}");
        assert_eq!(waiting[0]["shipper_name"], "ООО «ТрансЛогистик»");
        assert_eq!(waiting[0]["route"], "Самара → Пермь");
        // Support reads; only admins settle.
        let id = waiting[0]["id"].clone();
        let (status, body) = support
            .call(
                Method::POST,
                &format!("/admin/api/shipper-reports/{id}/approve"),
                None,
            )
            .await;
        assert_eq!(
            (status, body["code"].clone()),
            (403, json!("role_insufficient"))
        );
        // Jack has not answered: his report is only asked.
        assert_eq!(reports(&support, "asked", 1).await.len(), 1);
        let (status, body) = support
            .call(Method::GET, "/admin/api/shipper-reports?state=maybe", None)
            .await;
        assert_eq!(
            (status, body["code"].clone()),
            (400, json!("invalid_state"))
        );
    }
}

#[tokio::test]
async fn a_shipper_never_seen_is_not_found_and_an_inn_is_ten_or_twelve_digits() {
    let (_exchange, app) = app_on_an_empty_exchange("shippers_not_found", backends()[0]).await;
    let anna = driver(&app, 840_021, "en").await;
    let (status, body) = anna
        .call(Method::GET, &format!("/api/v1/shippers/{NORTH}"), None)
        .await;
    assert_eq!(
        (status, body["code"].clone()),
        (404, json!("shipper_not_found"))
    );
    let (status, body) = anna.call(Method::GET, "/api/v1/shippers/12345", None).await;
    assert_eq!((status, body["code"].clone()), (400, json!("invalid_inn")));
}

/// A list knows no shipper of a load until one of its cards is opened (the exchange names the
/// shipper in the card only). Anna lists a new load, opens it, and goes back to the list: the
/// card named «Северный Путь» and the list shows its mark from then on, though Hauler had just
/// noted that nobody knew the load's shipper.
#[tokio::test]
async fn a_card_opened_names_its_shipper_and_the_list_shows_the_mark_from_then_on() {
    for backend in backends() {
        let (exchange, app) = app_on_an_empty_exchange("shippers_named_by_card", backend).await;
        let first = post(&exchange, "Москва", "Казань", 50_000, NORTH, 1);
        let anna = driver(&app, 840_031, "ru").await;
        assert_eq!(list(&anna, "").await.len(), 1);
        assert_eq!(open(&anna, first).await["shipper_inn"], NORTH);
        // Hauler has seen a load of theirs: «Северный Путь» has a page, and so a mark.
        shipper_page(&anna, NORTH, |page| page["inn"] == NORTH).await;

        let new = post(&exchange, "Москва", "Казань", 55_000, NORTH, 2);
        let listed = list(&anna, "&from_city_id=1").await;
        let card = listed.iter().find(|card| card["id"] == new).unwrap();
        assert!(
            card["shipper"].is_null(),
            "no card named the shipper yet: {card}"
        );

        let opened = open(&anna, new).await;
        assert_eq!(opened["card"]["shipper"]["inn"], NORTH, "{opened}");
        // A page is served as it was made for two seconds: the next list comes after them.
        tokio::time::sleep(Duration::from_millis(2_200)).await;
        let listed = list(&anna, "&from_city_id=1").await;
        let card = listed.iter().find(|card| card["id"] == new).unwrap();
        assert_eq!(card["shipper"]["inn"], NORTH, "{card}");
    }
}
