//! The admin dashboard's drivers pages over HTTP: finding a driver among many, banning one out of
//! an open Mini App at once, gifting days, writing through the bot, and the audit log that
//! remembers who did each of these, with its CSV export.

use admin::wire::Role;
use domain::{
    access,
    drivers::{self, TelegramProfile},
};
use reqwest::Method;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, sea_query::Expr,
};
use serde_json::{Value, json};

use crate::{
    admin::{AdminBrowser, log_in, make_admin},
    support::{TestApp, backends, chat_with, scalar, spawn_app},
};

/// A driver who opened the Mini App from Telegram (and began the trial when `trial`).
async fn driver(app: &TestApp, user: Value, trial: bool) -> (TestApp, i64) {
    let mut phone = app.same_server();
    let driver = if trial {
        phone.sign_in_as(user).await
    } else {
        phone.sign_in_without_access(user).await
    };
    let id = driver["id"].as_i64().expect("the driver's id");
    (phone, id)
}

async fn staff<'a>(app: &'a TestApp, email: &str, role: Role) -> AdminBrowser<'a> {
    make_admin(app, email, role).await;
    log_in(app, email).await
}

/// Moves a driver's access end into the past, as time would.
async fn let_access_lapse(db: &DatabaseConnection, driver_id: i64) {
    access::subscription::Entity::update_many()
        .col_expr(
            access::subscription::Column::EndsAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(2)),
        )
        .filter(access::subscription::Column::DriverId.eq(driver_id))
        .exec(db)
        .await
        .unwrap();
}

fn ids(page: &Value) -> Vec<i64> {
    page["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {page}"))
        .iter()
        .map(|row| row["id"].as_i64().unwrap())
        .collect()
}

async fn found(owner: &AdminBrowser<'_>, query: &str) -> Vec<i64> {
    let (status, page) = owner
        .call(Method::GET, &format!("/admin/api/drivers?{query}"), None)
        .await;
    assert_eq!(status, 200, "{query}: {page}");
    assert_eq!(page["total"].as_u64().unwrap() as usize, ids(&page).len());
    ids(&page)
}

#[tokio::test]
async fn staff_find_a_driver_by_name_username_or_telegram_id_and_by_subscription_state() {
    for backend in backends() {
        let app = spawn_app("admin_drivers_search", backend).await;
        let owner = staff(&app, "owner@hauler.test", Role::Owner).await;
        let (_, ivan) = driver(
            &app,
            json!({"id": 930_001, "first_name": "Иван", "last_name": "Петров", "username": "ivan_p"}),
            true,
        )
        .await;
        let (_, sergey) = driver(
            &app,
            json!({"id": 930_002, "first_name": "Sergey", "username": "serg"}),
            false,
        )
        .await;
        let (_, banned) = driver(&app, json!({"id": 930_003, "first_name": "Олег"}), true).await;
        let (_, lapsed) = driver(&app, json!({"id": 930_004, "first_name": "Пётр"}), true).await;
        let (_, paying) = driver(&app, json!({"id": 930_005, "first_name": "Анна"}), false).await;
        let (status, _) = owner
            .call(
                Method::POST,
                &format!("/admin/api/drivers/{banned}/ban"),
                None,
            )
            .await;
        assert_eq!(status, 200);
        let_access_lapse(&app.database().await, lapsed).await;
        let (status, _) = owner
            .call(
                Method::POST,
                &format!("/admin/api/drivers/{paying}/gift"),
                Some(json!({"days": 30})),
            )
            .await;
        assert_eq!(status, 200);

        assert_eq!(found(&owner, "q=иван").await, [ivan], "{backend:?}");
        assert_eq!(found(&owner, "q=Петров").await, [ivan]);
        assert_eq!(
            found(&owner, "q=%D0%98%D0%B2%D0%B0%D0%BD%20%D0%9F").await,
            [ivan],
            "full name"
        );
        assert_eq!(
            found(&owner, "q=%40IVAN_P").await,
            [ivan],
            "a username, any case"
        );
        assert_eq!(found(&owner, "q=930002").await, [sergey], "a Telegram id");
        assert_eq!(
            found(&owner, "q=%25").await,
            Vec::<i64>::new(),
            "wildcards are literal"
        );
        assert_eq!(found(&owner, "q=nobody").await, Vec::<i64>::new());

        assert_eq!(found(&owner, "state=trial").await, [ivan]);
        assert_eq!(found(&owner, "state=never").await, [sergey]);
        assert_eq!(found(&owner, "state=banned").await, [banned]);
        assert_eq!(found(&owner, "state=expired").await, [lapsed]);
        assert_eq!(found(&owner, "state=active").await, [paying]);
        assert_eq!(
            found(&owner, "state=trial&q=sergey").await,
            Vec::<i64>::new()
        );

        let (_, page) = owner.call(Method::GET, "/admin/api/drivers", None).await;
        assert_eq!(
            ids(&page),
            [paying, lapsed, banned, sergey, ivan],
            "newest first"
        );
        let row = &page["rows"][4];
        assert_eq!(row["name"], "Иван Петров");
        assert_eq!(row["username"], "ivan_p");
        assert_eq!(row["telegram_id"], 930_001);
        assert_eq!(row["state"], "trial");
        assert!(row["access_ends_at"].is_string());
        assert_eq!(page["rows"][1]["state"], "expired");

        let (_, by_end) = owner
            .call(Method::GET, "/admin/api/drivers?sort=access_ends", None)
            .await;
        let by_end = ids(&by_end);
        assert_eq!(by_end[0], lapsed, "{backend:?}: the earliest end first");
        assert_eq!(by_end[4], sergey, "never subscribed last");
    }
}

#[tokio::test]
async fn the_list_pages_through_every_match_with_the_total_and_refuses_bad_values() {
    for backend in backends() {
        let app = spawn_app("admin_drivers_pages", backend).await;
        let owner = staff(&app, "owner@hauler.test", Role::Owner).await;
        let db = app.database().await;
        let names = [
            "Дмитрий",
            "Борис",
            "Алексей",
            "Виктор",
            "Григорий",
            "Евгений",
            "Жанна",
        ];
        for (n, name) in names.iter().enumerate() {
            drivers::upsert(
                &db,
                &TelegramProfile {
                    telegram_id: 940_000 + n as i64,
                    first_name: (*name).into(),
                    last_name: None,
                    username: None,
                    language_code: Some("ru".into()),
                    photo_url: None,
                },
            )
            .await
            .unwrap();
        }
        let mut seen = Vec::new();
        for (page, expected) in [(1, 3), (2, 3), (3, 1), (4, 0)] {
            let (status, body) = owner
                .call(
                    Method::GET,
                    &format!("/admin/api/drivers?per_page=3&page={page}&sort=name"),
                    None,
                )
                .await;
            assert_eq!(status, 200, "{body}");
            assert_eq!(body["total"], 7, "{backend:?}");
            assert_eq!(body["per_page"], 3);
            assert_eq!(
                body["rows"].as_array().unwrap().len(),
                expected,
                "page {page}"
            );
            seen.extend(
                body["rows"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|row| row["name"].as_str().unwrap().to_owned()),
            );
        }
        let mut sorted: Vec<String> = names.iter().map(|name| name.to_string()).collect();
        sorted.sort();
        assert_eq!(seen, sorted, "{backend:?}: by name, each once");

        for (query, code) in [
            ("per_page=101", "invalid_page_size"),
            ("per_page=0", "invalid_page_size"),
            ("page=0", "invalid_page"),
            ("page=two", "invalid_page"),
            ("state=vip", "invalid_state"),
            ("sort=random", "invalid_sort"),
        ] {
            let (status, body) = owner
                .call(Method::GET, &format!("/admin/api/drivers?{query}"), None)
                .await;
            assert_eq!(status, 400, "{query}: {body}");
            assert_eq!(body["code"], code, "{query}");
        }
    }
}

#[tokio::test]
async fn a_ban_ends_the_drivers_open_session_at_once_and_an_unban_lets_them_back_in() {
    for backend in backends() {
        let app = spawn_app("admin_drivers_ban", backend).await;
        let admin = staff(&app, "admin@hauler.test", Role::Admin).await;
        let user = json!({"id": 931_001, "first_name": "Виктор"});
        let (mut phone, id) = driver(&app, user.clone(), true).await;
        let (status, _) = phone.call(Method::GET, "/api/v1/cargos", None).await;
        assert_eq!(status, 200, "{backend:?}: loads before the ban");

        let (status, detail) = admin
            .call(Method::POST, &format!("/admin/api/drivers/{id}/ban"), None)
            .await;
        assert_eq!(status, 200, "{detail}");
        assert_eq!(detail["access"]["state"], "banned");
        assert!(detail["profile"]["banned_at"].is_string());

        let (status, refusal) = phone.call(Method::GET, "/api/v1/cargos", None).await;
        assert_eq!(status, 401, "{backend:?}: the very next call");
        assert_eq!(refusal["code"], "session_expired");
        let init = server::telegram::init_data::signed_init_data(
            &user,
            chrono::Utc::now().timestamp(),
            server::config::SANDBOX_BOT_TOKEN,
        );
        let (status, refusal) = phone
            .call(
                Method::POST,
                "/api/v1/auth/telegram",
                Some(json!({"init_data": init})),
            )
            .await;
        assert_eq!(status, 403, "{refusal}");
        assert_eq!(refusal["code"], "driver_banned");

        let (status, detail) = admin
            .call(
                Method::POST,
                &format!("/admin/api/drivers/{id}/unban"),
                None,
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(detail["access"]["state"], "trial", "the trial runs on");
        phone.sign_in_without_access(user).await;
        let (status, _) = phone.call(Method::GET, "/api/v1/cargos", None).await;
        assert_eq!(status, 200, "{backend:?}: back in after the unban");

        let db = app.database().await;
        for (action, before, after) in [
            ("driver.banned", "false", "true"),
            ("driver.unbanned", "true", "false"),
        ] {
            let audited = scalar(
                &db,
                &format!(
                    "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' \
                     AND object = 'driver:{id}' AND actor = 'admin:admin@hauler.test' \
                     AND details LIKE '%\"before\":{{\"banned\":{before}}}%' \
                     AND details LIKE '%\"after\":{{\"banned\":{after}}}%' \
                     AND client_addr = '127.0.0.1'"
                ),
            )
            .await;
            assert_eq!(audited, 1, "{backend:?}: {action}");
        }
    }
}

#[tokio::test]
async fn support_may_gift_days_that_open_the_loads_but_may_not_ban_or_write() {
    for backend in backends() {
        let app = spawn_app("admin_drivers_gift", backend).await;
        let support = staff(&app, "support@hauler.test", Role::Support).await;
        let (phone, id) = driver(
            &app,
            json!({"id": 932_001, "first_name": "Жанна", "language_code": "ru"}),
            false,
        )
        .await;
        let (status, _) = phone.call(Method::GET, "/api/v1/cargos", None).await;
        assert_eq!(status, 402, "no access yet");

        let (status, detail) = support
            .call(
                Method::POST,
                &format!("/admin/api/drivers/{id}/gift"),
                Some(json!({"days": 14})),
            )
            .await;
        assert_eq!(status, 200, "{detail}");
        assert_eq!(detail["access"]["state"], "active");
        assert_eq!(detail["access"]["days_left"], 14);
        let grant = &detail["grants"][0];
        assert_eq!(grant["source"], "gift");
        assert_eq!(grant["days"], 14);
        assert_eq!(grant["granted_by"], "admin:support@hauler.test");
        assert!(
            grant["source_ref"]
                .as_str()
                .unwrap()
                .starts_with("gift:support@hauler.test:")
        );
        let (status, _) = phone.call(Method::GET, "/api/v1/cargos", None).await;
        assert_eq!(status, 200, "{backend:?}: the gift opens the loads at once");
        let messages = chat_with(&app, 932_001, 1).await;
        assert!(
            messages
                .iter()
                .any(|m| m["text"].as_str().unwrap().contains("подарили")),
            "{messages:?}"
        );

        let (status, again) = support
            .call(
                Method::POST,
                &format!("/admin/api/drivers/{id}/gift"),
                Some(json!({"days": 1})),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            again["grants"].as_array().unwrap().len(),
            2,
            "each gift is its own"
        );
        assert_eq!(again["access"]["days_left"], 15);

        for days in [json!(0), json!(366), json!(-5)] {
            let (status, body) = support
                .call(
                    Method::POST,
                    &format!("/admin/api/drivers/{id}/gift"),
                    Some(json!({"days": days})),
                )
                .await;
            assert_eq!(status, 422, "{days}: {body}");
            assert_eq!(body["code"], "invalid_days");
        }
        let (status, body) = support
            .call(
                Method::POST,
                &format!("/admin/api/drivers/{id}/gift"),
                Some(json!({"days": "many"})),
            )
            .await;
        assert_eq!(status, 400);
        assert_eq!(body["code"], "invalid_body");
        let (status, body) = support
            .call(
                Method::POST,
                "/admin/api/drivers/999999/gift",
                Some(json!({"days": 3})),
            )
            .await;
        assert_eq!(status, 404);
        assert_eq!(body["code"], "driver_not_found");

        for (path, body) in [
            ("ban", None),
            ("unban", None),
            ("message", Some(json!({"text": "Привет"}))),
        ] {
            let (status, refusal) = support
                .call(
                    Method::POST,
                    &format!("/admin/api/drivers/{id}/{path}"),
                    body,
                )
                .await;
            assert_eq!(status, 403, "{path}");
            assert_eq!(refusal["code"], "role_insufficient");
        }

        let db = app.database().await;
        let audited = scalar(
            &db,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'driver.days_gifted' \
                 AND object = 'driver:{id}' AND actor = 'admin:support@hauler.test' \
                 AND details LIKE '%\"before\":{{\"access_ends_at\":null}}%' \
                 AND details LIKE '%\"days\":14%'"
            ),
        )
        .await;
        assert_eq!(audited, 1, "{backend:?}: the first gift, from no access");
    }
}

#[tokio::test]
async fn a_message_from_an_admin_reaches_the_drivers_chat_as_plain_text() {
    for backend in backends() {
        let app = spawn_app("admin_drivers_message", backend).await;
        let admin = staff(&app, "admin@hauler.test", Role::Admin).await;
        let (_, id) = driver(&app, json!({"id": 933_001, "first_name": "Борис"}), true).await;
        let text = "Борис, завтра <b>техработы</b> с 02:00 до 03:00";
        let (status, body) = admin
            .call(
                Method::POST,
                &format!("/admin/api/drivers/{id}/message"),
                Some(json!({"text": format!("  {text}\n")})),
            )
            .await;
        assert_eq!(status, 204, "{body}");
        let messages = chat_with(&app, 933_001, 2).await;
        assert!(
            messages.iter().any(|m| m["text"] == text),
            "{backend:?}: {messages:?}"
        );

        for text in [String::new(), "   ".into(), "я".repeat(2001)] {
            let (status, body) = admin
                .call(
                    Method::POST,
                    &format!("/admin/api/drivers/{id}/message"),
                    Some(json!({"text": text})),
                )
                .await;
            assert_eq!(status, 422, "{body}");
            assert_eq!(body["code"], "invalid_text");
        }
        let (status, _) = admin
            .call(
                Method::POST,
                &format!("/admin/api/drivers/{id}/message"),
                Some(json!({"text": "я".repeat(2000)})),
            )
            .await;
        assert_eq!(status, 204, "2000 characters are allowed");

        let db = app.database().await;
        let audited = scalar(
            &db,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'driver.message_sent' \
                 AND object = 'driver:{id}' AND details LIKE '%техработы%'"
            ),
        )
        .await;
        assert_eq!(audited, 1, "{backend:?}");
    }
}

#[tokio::test]
async fn a_drivers_page_shows_profile_access_history_payments_responses_and_reach() {
    let app = spawn_app("admin_drivers_detail", backends()[0]).await;
    let support = staff(&app, "support@hauler.test", Role::Support).await;
    let (_, id) = driver(
        &app,
        json!({"id": 934_001, "first_name": "Алексей", "last_name": "Смирнов", "username": "alex"}),
        true,
    )
    .await;
    let (status, detail) = support
        .call(Method::GET, &format!("/admin/api/drivers/{id}"), None)
        .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["profile"]["telegram_id"], 934_001);
    assert_eq!(detail["profile"]["last_name"], "Смирнов");
    assert_eq!(detail["profile"]["bot_reachable"], true);
    assert_eq!(detail["access"]["state"], "trial");
    assert_eq!(detail["access"]["active"], true);
    assert_eq!(detail["grants"][0]["source"], "trial");
    assert_eq!(detail["payments"], json!([]));
    assert_eq!(detail["responses"], json!([]));

    drivers::set_bot_blocked(&app.database().await, 934_001, true)
        .await
        .unwrap();
    let (_, detail) = support
        .call(Method::GET, &format!("/admin/api/drivers/{id}"), None)
        .await;
    assert_eq!(detail["profile"]["bot_reachable"], false);
    let admin = staff(&app, "admin@hauler.test", Role::Admin).await;
    let (status, body) = admin
        .call(
            Method::POST,
            &format!("/admin/api/drivers/{id}/message"),
            Some(json!({"text": "Привет"})),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "bot_unreachable");

    let (status, body) = support
        .call(Method::GET, "/admin/api/drivers/999999", None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("driver_not_found"))
    );
    // What is not an id at all is refused before any lookup, ban or message.
    for path in [
        "/admin/api/drivers/not-a-number",
        "/admin/api/drivers/abc",
        "/admin/api/drivers/0",
        "/admin/api/drivers/9223372036854775808",
    ] {
        let (status, body) = support.call(Method::GET, path, None).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(body["code"], "invalid_id", "{path}: {body}");
    }
    let (status, body) = admin
        .call(Method::POST, "/admin/api/drivers/abc/ban", None)
        .await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_id")));
}

/// Waits for the start-up refresh of the points dictionary to be written to the audit log.
async fn dictionary_loaded(admin: &AdminBrowser<'_>) {
    for _ in 0..300 {
        let (_, page) = admin
            .call(
                Method::GET,
                "/admin/api/audit?action=cities.refreshed",
                None,
            )
            .await;
        if page["total"].as_u64().unwrap_or(0) > 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the points dictionary was not loaded within 30 s");
}

#[tokio::test]
async fn the_audit_log_filters_by_actor_action_object_and_date_and_exports_csv() {
    for backend in backends() {
        let app = spawn_app("admin_audit", backend).await;
        let owner = staff(&app, "owner@hauler.test", Role::Owner).await;
        let support = staff(&app, "support@hauler.test", Role::Support).await;
        // A fresh server loads the exchange's points dictionary at start and audits it: that
        // row comes first, so that every row after it is the admins' own.
        dictionary_loaded(&support).await;
        let (_, first) = driver(&app, json!({"id": 935_001, "first_name": "Анна"}), false).await;
        let (_, second) = driver(&app, json!({"id": 935_002, "first_name": "Олег"}), false).await;
        for (browser, id) in [(&support, first), (&owner, second)] {
            let (status, _) = browser
                .call(
                    Method::POST,
                    &format!("/admin/api/drivers/{id}/gift"),
                    Some(json!({"days": 7})),
                )
                .await;
            assert_eq!(status, 200);
        }
        let (status, _) = owner
            .call(
                Method::POST,
                &format!("/admin/api/drivers/{second}/message"),
                Some(json!({"text": "Строка, с \"кавычками\"\nи переносом"})),
            )
            .await;
        assert_eq!(status, 204);

        let audit = |query: &str| {
            let query = query.to_owned();
            let support = &support;
            async move {
                let (status, page) = support
                    .call(Method::GET, &format!("/admin/api/audit?{query}"), None)
                    .await;
                assert_eq!(status, 200, "{query}: {page}");
                page
            }
        };
        let everything = audit("").await;
        let rows = everything["rows"].as_array().unwrap();
        assert_eq!(rows[0]["action"], "driver.message_sent", "newest first");
        assert!(everything["total"].as_u64().unwrap() >= 5, "logins too");

        let driver_actions = audit("action=driver.").await;
        assert_eq!(driver_actions["total"], 3, "{backend:?}");
        let by_support = audit("actor=support%40").await;
        assert!(
            by_support["rows"]
                .as_array()
                .unwrap()
                .iter()
                .all(|row| row["actor"] == "admin:support@hauler.test")
        );
        let gift = audit(&format!("object=driver:{first}")).await;
        assert_eq!(gift["total"], 1);
        assert_eq!(gift["rows"][0]["actor"], "admin:support@hauler.test");
        let details: Value =
            serde_json::from_str(gift["rows"][0]["details"].as_str().unwrap()).unwrap();
        assert_eq!(details["before"]["access_ends_at"], Value::Null);
        assert!(details["after"]["access_ends_at"].is_string());

        let today = chrono::Utc::now().date_naive();
        let yesterday = today.pred_opt().unwrap();
        assert_eq!(
            audit(&format!("action=driver.&from={today}&to={today}")).await["total"],
            3
        );
        assert_eq!(
            audit(&format!("action=driver.&to={yesterday}")).await["total"],
            0
        );
        let paged = audit("per_page=2&page=2").await;
        assert_eq!(paged["rows"].as_array().unwrap().len(), 2);
        assert_eq!(paged["rows"][0]["id"], rows[2]["id"]);

        for (query, code) in [
            ("from=yesterday", "invalid_date"),
            ("page=0", "invalid_page"),
        ] {
            let (status, body) = support
                .call(Method::GET, &format!("/admin/api/audit?{query}"), None)
                .await;
            assert_eq!(status, 400, "{query}");
            assert_eq!(body["code"], code);
        }

        let response = app
            .client
            .get(app.url(&format!("/admin/api/audit.csv?object=driver:{second}")))
            .header("cookie", &support.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let disposition = response.headers()["content-disposition"].to_str().unwrap();
        assert!(
            disposition.starts_with("attachment; filename=\"hauler-audit-")
                && disposition.ends_with(".csv\""),
            "{disposition}"
        );
        let csv = response.text().await.unwrap();
        let mut lines = csv.split("\r\n");
        assert_eq!(
            lines.next(),
            Some("id,occurred_at,actor,action,object,details,client_addr")
        );
        assert!(
            csv.contains(",admin:owner@hauler.test,driver.message_sent,"),
            "{csv}"
        );
        assert!(
            csv.contains(r#""{""text"":""Строка, с \""кавычками\""\nи переносом""}""#),
            "{backend:?}: quotes doubled, the field quoted: {csv}"
        );
        assert_eq!(
            csv.matches("driver.").count(),
            2,
            "only this driver's entries"
        );
    }
}

#[tokio::test]
async fn nobody_gets_401_and_a_driver_gets_403_on_the_drivers_and_audit_routes() {
    let app = spawn_app("admin_drivers_refusals", backends()[0]).await;
    let (phone, id) = driver(&app, json!({"id": 936_001, "first_name": "Евгений"}), true).await;
    let calls = [
        (Method::GET, "/admin/api/drivers".to_owned()),
        (Method::GET, format!("/admin/api/drivers/{id}")),
        (Method::POST, format!("/admin/api/drivers/{id}/ban")),
        (Method::POST, format!("/admin/api/drivers/{id}/unban")),
        (Method::POST, format!("/admin/api/drivers/{id}/gift")),
        (Method::POST, format!("/admin/api/drivers/{id}/message")),
        (Method::GET, "/admin/api/audit".to_owned()),
        (Method::GET, "/admin/api/audit.csv".to_owned()),
    ];
    let nobody = app.same_server();
    for (method, path) in &calls {
        let (status, body) = nobody
            .call(method.clone(), path, Some(json!({"days": 3, "text": "x"})))
            .await;
        assert_eq!(status, 401, "{method} {path}: {body}");
        assert_eq!(body["code"], "admin_session_missing");
        let (status, body) = phone
            .call(method.clone(), path, Some(json!({"days": 3, "text": "x"})))
            .await;
        assert_eq!(status, 403, "{method} {path}: {body}");
        assert_eq!(body["code"], "admin_only");
    }
    let (status, _) = phone.call(Method::GET, "/api/v1/cargos", None).await;
    assert_eq!(status, 200, "and nothing was done to the driver");
}

/// A hundred thousand drivers, made in one statement; the list still answers every kind of
/// question right (search, filter, sort, a deep page). How quickly is the benchmark's business,
/// not a test's.
#[tokio::test]
async fn a_hundred_thousand_drivers_are_searched_filtered_and_paged() {
    for backend in backends() {
        let app = spawn_app("admin_drivers_many", backend).await;
        let owner = staff(&app, "owner@hauler.test", Role::Owner).await;
        driver(&app, json!({"id": 937_000, "first_name": "Образец"}), true).await;
        let db = app.database().await;
        db.execute_unprepared(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) \
             INSERT INTO drivers (telegram_id, first_name, username, created_at, updated_at, utc_offset_minutes) \
             SELECT 5000000 + i, 'Водитель ' || i, 'driver' || i, \
                    (SELECT created_at FROM drivers LIMIT 1), (SELECT created_at FROM drivers LIMIT 1), 180 \
             FROM n",
        )
        .await
        .unwrap();
        db.execute_unprepared(
            "INSERT INTO subscriptions (driver_id, ends_at, updated_at) \
             SELECT id, created_at, created_at FROM drivers WHERE telegram_id % 3 = 0",
        )
        .await
        .unwrap();
        for query in [
            "",
            "q=%D0%B2%D0%BE%D0%B4%D0%B8%D1%82%D0%B5%D0%BB%D1%8C%2099999",
            "q=5099999",
            "state=expired&sort=access_ends&per_page=100&page=300",
            "state=never&sort=name&page=2000",
            "state=active",
        ] {
            let (status, page) = owner
                .call(Method::GET, &format!("/admin/api/drivers?{query}"), None)
                .await;
            assert_eq!(status, 200, "{backend:?} {query}: {page}");
            // Every made-up subscription has ended: only the sample driver may be active.
            assert_eq!(
                page["rows"].as_array().unwrap().is_empty(),
                query == "state=active" && page["total"] == 0,
                "{backend:?} {query}: a page of drivers, even deep down: {}",
                page["total"]
            );
            if query == "q=5099999" {
                assert_eq!(page["total"], 1);
            }
            if query.is_empty() {
                assert_eq!(page["total"], 100_001);
            }
        }
        let expired = scalar(
            &db,
            "SELECT COUNT(*) FROM subscriptions WHERE driver_id IN \
             (SELECT id FROM drivers WHERE telegram_id % 3 = 0)",
        )
        .await;
        let (_, page) = owner
            .call(Method::GET, "/admin/api/drivers?state=expired", None)
            .await;
        assert_eq!(page["total"].as_i64().unwrap(), expired, "{backend:?}");
    }
}
