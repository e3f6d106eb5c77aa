//! The admin dashboard's operations pages over HTTP: the overview, the CargoTech connection,
//! settings and secrets, service tokens, and the promise that no secret ever comes back out.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use admin::wire::Role;
use base64::{Engine, engine::general_purpose::STANDARD};
use domain::{
    sealing::{Sealer, SealingKey},
    settings,
};
use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use server::{
    sandbox::cargotech::{self as exchange, ExchangeConfig},
    telegram::init_data::signed_init_data,
};

use crate::subscriptions::{pay_on_checkout_page, settled, start_buying};
use crate::{
    admin::{AdminBrowser, log_in, make_admin},
    support::{
        Db, Options, Store, TestApp, app_with_exchange, backends, chat_with, free_port, record,
        scalar, site_root, spawn_app, spawn_app_with,
    },
};

const OWNER: &str = "owner@hauler.test";

fn driver(id: i64) -> Value {
    json!({"id": id, "first_name": "Степан", "language_code": "ru"})
}

async fn owner(app: &TestApp) -> AdminBrowser<'_> {
    make_admin(app, OWNER, Role::Owner).await;
    log_in(app, OWNER).await
}

async fn overview(browser: &AdminBrowser<'_>) -> Value {
    let (status, body) = browser.call(Method::GET, "/admin/api/overview", None).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The driver buys the `days`-day plan and pays on the YooKassa page; returns the settled payment.
async fn buy_and_pay(app: &TestApp, days: u64) -> Value {
    let payment = start_buying(app, days, None).await;
    pay_on_checkout_page(app, &payment).await;
    settled(app, &payment["id"]).await
}

#[tokio::test]
async fn the_overview_moves_when_a_driver_signs_in_and_when_they_pay() {
    for backend in backends() {
        let app = spawn_app("admin_overview", backend).await;
        let mut phone = app.same_server();
        let browser = owner(&app).await;
        let before = overview(&browser).await;
        assert_eq!(before["drivers"]["total"], 0);
        assert_eq!(before["revenue"]["rub_30_days_kopecks"], 0);
        assert_eq!(before["days"].as_array().unwrap().len(), 30);
        for figure in [
            "budget_per_minute",
            "cache_hit_ratio",
            "breaker",
            "connection",
        ] {
            assert!(!before["upstream"][figure].is_null(), "{figure}: {before}");
        }
        assert!(before["outbox_backlog"].is_u64());

        phone.sign_in_as(driver(930_001)).await;
        let signed_in = overview(&browser).await;
        assert_eq!(signed_in["drivers"]["total"], 1, "{backend:?}");
        assert_eq!(signed_in["drivers"]["active_today"], 1);
        assert_eq!(signed_in["drivers"]["new_this_week"], 1);
        assert_eq!(signed_in["access"]["trials"], 1);
        assert_eq!(signed_in["access"]["paying"], 0);
        assert_eq!(signed_in["days"][29]["new_drivers"], 1);

        let payment = buy_and_pay(&phone, 30).await;
        assert_eq!(payment["status"], "succeeded", "{payment}");
        let paid = overview(&browser).await;
        let amount = payment["amount_kopecks"].as_i64().unwrap();
        assert!(amount > 0);
        assert_eq!(
            paid["revenue"]["rub_today_kopecks"], amount,
            "{backend:?}: {paid}"
        );
        assert_eq!(paid["revenue"]["rub_30_days_kopecks"], amount);
        assert_eq!(paid["days"][29]["rub_kopecks"], amount);
        assert_eq!(paid["revenue"]["stars_30_days"], 0);
        assert_eq!(paid["access"]["paying"], 1);
        assert_eq!(paid["access"]["trials"], 0);

        // Support staff read the overview too.
        make_admin(&app, "support@hauler.test", Role::Support).await;
        let support = log_in(&app, "support@hauler.test").await;
        assert_eq!(overview(&support).await["drivers"]["total"], 1);
    }
}

#[tokio::test]
async fn the_overview_answers_at_once_while_the_exchange_is_slow() {
    let (exchange, app) = app_with_exchange("admin_overview_slow", backends()[0], &[]).await;
    exchange.set_latency(Duration::from_secs(20));
    let browser = owner(&app).await;
    let started = Instant::now();
    overview(&browser).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_admin_completes_an_sms_login_on_the_connection_page() {
    for backend in backends() {
        let (exchange, app) = app_with_exchange("admin_connection_sms", backend, &[]).await;
        make_admin(&app, "admin@hauler.test", Role::Admin).await;
        make_admin(&app, "support@hauler.test", Role::Support).await;
        let admin = log_in(&app, "admin@hauler.test").await;
        let support = log_in(&app, "support@hauler.test").await;

        let (status, page) = support
            .call(Method::GET, "/admin/api/connection", None)
            .await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["account"], "main");
        let (status, refusal) = support
            .call(Method::POST, "/admin/api/connection/login", None)
            .await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (403, Some("role_insufficient"))
        );

        // The sandbox's knobs from the page: demand an SMS code from the next login.
        let (status, stats) = admin
            .call(Method::GET, "/admin/api/connection/sandbox", None)
            .await;
        assert_eq!(status, 200, "{stats}");
        let (status, _) = admin
            .call(
                Method::POST,
                "/admin/api/connection/sandbox",
                Some(json!({"demand_sms": true})),
            )
            .await;
        assert_eq!(status, 200);
        let (status, dropped) = admin
            .call(Method::POST, "/admin/api/connection/drop-token", None)
            .await;
        assert_eq!(status, 200, "{dropped}");
        assert_eq!(dropped["state"], "not_connected");

        let (status, waiting) = admin
            .call(Method::POST, "/admin/api/connection/login", None)
            .await;
        assert_eq!(status, 200, "{waiting}");
        assert_eq!(waiting["state"], "sms_required", "{backend:?}: {waiting}");

        for (code, expected) in [("000000", "sms_code_wrong"), ("12ab", "sms_code_wrong")] {
            let (status, refusal) = admin
                .call(
                    Method::POST,
                    "/admin/api/connection/sms-code",
                    Some(json!({"code": code})),
                )
                .await;
            assert_eq!((status, refusal["code"].as_str()), (422, Some(expected)));
        }
        let (status, connected) = admin
            .call(
                Method::POST,
                "/admin/api/connection/sms-code",
                Some(json!({"code": "123456"})),
            )
            .await;
        assert_eq!(status, 200, "{connected}");
        assert_eq!(connected["state"], "connected");
        assert!(connected["token_age_seconds"].as_u64().unwrap() < 60);
        let actions: Vec<&str> = connected["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|event| event["action"].as_str().unwrap())
            .collect();
        for action in [
            "cargotech.sms_code_accepted",
            "cargotech.sms_code_requested",
            "cargotech.token_dropped",
        ] {
            assert!(actions.contains(&action), "{action} in {actions:?}");
        }
        assert_eq!(connected["history"][0]["actor"], "admin:admin@hauler.test");

        let (status, refusal) = admin
            .call(
                Method::POST,
                "/admin/api/connection/sms-code",
                Some(json!({"code": "123456"})),
            )
            .await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (409, Some("sms_code_not_pending"))
        );
        assert!(exchange.stats().logins >= 2);
    }
}

#[tokio::test]
async fn a_real_exchange_gets_no_sandbox_knobs() {
    let app = spawn_app_with(
        "admin_connection_no_sandbox",
        backends()[0],
        Options {
            // Nothing answers there, as a real exchange would not answer /__sandbox/.
            extra_vars: vec![("CARGOTECH_BASE_URL", "http://127.0.0.1:9".into())],
        },
    )
    .await;
    let browser = owner(&app).await;
    let (status, body) = browser
        .call(Method::GET, "/admin/api/connection/sandbox", None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("not_a_sandbox"))
    );
    let (status, body) = browser
        .call(
            Method::POST,
            "/admin/api/connection/sandbox",
            Some(json!({"latency_ms": 10})),
        )
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("not_a_sandbox"))
    );
}

#[tokio::test]
async fn a_secret_set_on_the_dashboard_never_comes_back_and_yookassa_sells_without_a_restart() {
    const SECRET: &str = "live_owner-typed-secret-0042";
    for backend in backends() {
        let (yookassa, _shop) = server::sandbox::yookassa::serve(
            "127.0.0.1:0".parse().unwrap(),
            "dashboard-shop",
            SECRET,
            "http://127.0.0.1:9/nobody-listens",
        )
        .await
        .unwrap();
        let mut app = spawn_app_with(
            "admin_settings_shop",
            backend,
            Options {
                extra_vars: vec![("YOOKASSA_BASE_URL", format!("http://{yookassa}"))],
            },
        )
        .await;
        app.sign_in_without_access(driver(930_101)).await;
        let (_, view) = app.call(Method::GET, "/api/v1/subscription", None).await;
        let buy = json!({"plan_id": view["plans"][0]["id"]});
        let (status, refusal) = app
            .call(Method::POST, "/api/v1/payments", Some(buy.clone()))
            .await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (503, Some("payments_unavailable"))
        );

        let browser = owner(&app).await;
        let mut answers = Vec::new();
        for (key, value) in [
            ("yookassa.shop_id", "dashboard-shop"),
            ("yookassa.secret_key", SECRET),
        ] {
            let (status, setting) = browser
                .call(
                    Method::PUT,
                    &format!("/admin/api/settings/{key}"),
                    Some(json!({"value": value})),
                )
                .await;
            assert_eq!(status, 200, "{setting}");
            answers.push(setting);
        }
        let (status, list) = browser.call(Method::GET, "/admin/api/settings", None).await;
        assert_eq!(status, 200);
        answers.push(list.clone());
        let secret = list
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == "yookassa.secret_key")
            .unwrap();
        assert_eq!(secret["set"], true);
        assert_eq!(secret["masked"], "••••42");
        assert!(secret["value"].is_null());
        let shop = list
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == "yookassa.shop_id")
            .unwrap();
        assert_eq!(shop["value"], "dashboard-shop");
        let bot = list
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == "telegram.bot_token")
            .unwrap();
        assert_eq!(bot["set"], false);

        let (status, payment) = app.call(Method::POST, "/api/v1/payments", Some(buy)).await;
        assert_eq!(status, 201, "{backend:?}: {payment}");
        answers.push(payment);
        for answer in &answers {
            assert!(!answer.to_string().contains(SECRET), "{answer}");
        }

        let db = app.database().await;
        let at_rest = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM settings WHERE value LIKE '%{SECRET}%'"),
        )
        .await;
        assert_eq!(at_rest, 0, "sealed at rest");
        let audited = scalar(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'setting.changed' \
             AND object = 'setting:yookassa.secret_key' AND actor = 'admin:owner@hauler.test' \
             AND details LIKE '%\"before\":\"not set\"%' AND details LIKE '%\"after\":\"set\"%'",
        )
        .await;
        assert_eq!(audited, 1, "{backend:?}");
        let leaked = scalar(
            &db,
            &format!("SELECT COUNT(*) FROM audit_log WHERE details LIKE '%{SECRET}%'"),
        )
        .await;
        assert_eq!(leaked, 0);

        let (status, refusal) = browser
            .call(
                Method::PUT,
                "/admin/api/settings/telegram.operator_chat_id",
                Some(json!({"value": "not a chat"})),
            )
            .await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (422, Some("setting_invalid"))
        );
        let (status, refusal) = browser
            .call(
                Method::PUT,
                "/admin/api/settings/warp.drive",
                Some(json!({"value": "1"})),
            )
            .await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (404, Some("setting_not_found"))
        );
        let (status, cleared) = browser
            .call(
                Method::DELETE,
                "/admin/api/settings/yookassa.secret_key",
                None,
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(cleared["set"], false);
    }
}

#[tokio::test]
async fn an_admin_who_is_not_an_owner_is_refused_secrets_and_service_tokens() {
    let app = spawn_app("admin_operations_roles", backends()[0]).await;
    make_admin(&app, "admin@hauler.test", Role::Admin).await;
    let admin = log_in(&app, "admin@hauler.test").await;
    let calls = [
        (Method::GET, "/admin/api/settings"),
        (Method::PUT, "/admin/api/settings/yookassa.secret_key"),
        (Method::DELETE, "/admin/api/settings/yookassa.secret_key"),
        (Method::GET, "/admin/api/service-tokens"),
        (Method::POST, "/admin/api/service-tokens"),
        (Method::DELETE, "/admin/api/service-tokens/1"),
    ];
    for (method, path) in calls {
        let (status, body) = admin
            .call(
                method.clone(),
                path,
                Some(json!({"value": "x", "name": "bot"})),
            )
            .await;
        assert_eq!(status, 403, "{method} {path}: {body}");
        assert_eq!(body["code"], "role_insufficient");
    }
    let db = app.database().await;
    let secrets =
        "SELECT COUNT(*) FROM settings WHERE key LIKE 'yookassa.%' OR key LIKE 'telegram.%'";
    assert_eq!(scalar(&db, secrets).await, 0);
    assert_eq!(scalar(&db, "SELECT COUNT(*) FROM service_tokens").await, 0);
}

#[tokio::test]
async fn a_service_token_made_on_the_dashboard_opens_metrics_until_it_is_revoked() {
    for backend in backends() {
        let app = spawn_app("admin_service_tokens", backend).await;
        let browser = owner(&app).await;
        let (status, issued) = browser
            .call(
                Method::POST,
                "/admin/api/service-tokens",
                Some(json!({"name": "monitoring", "expires_in_days": 30})),
            )
            .await;
        assert_eq!(status, 201, "{issued}");
        let token = issued["token"].as_str().unwrap().to_owned();
        let id = issued["service_token"]["id"].as_i64().unwrap();
        assert_eq!(issued["service_token"]["state"], "live");
        assert!(issued["service_token"]["expires_at"].is_string());

        let metrics = |token: String| {
            let request = app
                .client
                .get(app.url("/metrics"))
                .header("x-service-token", token);
            async move {
                let response = request.send().await.unwrap();
                (response.status().as_u16(), response.text().await.unwrap())
            }
        };
        assert_eq!(metrics(token.clone()).await.0, 200, "{backend:?}");

        let (status, list) = browser
            .call(Method::GET, "/admin/api/service-tokens", None)
            .await;
        assert_eq!(status, 200);
        assert!(!list.to_string().contains(&token), "shown once only");
        assert_eq!(list[0]["name"], "monitoring");
        assert!(list[0]["last_used_at"].is_string(), "{list}");
        assert_eq!(list[0]["created_by"], "admin:owner@hauler.test");

        let (status, revoked) = browser
            .call(
                Method::DELETE,
                &format!("/admin/api/service-tokens/{id}"),
                None,
            )
            .await;
        assert_eq!(status, 200, "{revoked}");
        assert_eq!(revoked["state"], "revoked");
        let (status, body) = metrics(token).await;
        assert_eq!(status, 403);
        assert!(body.contains("service_token_invalid"), "{body}");
        let (status, _) = browser
            .call(
                Method::DELETE,
                &format!("/admin/api/service-tokens/{id}"),
                None,
            )
            .await;
        assert_eq!(status, 404, "revoked once");

        let (status, refusal) = browser
            .call(
                Method::POST,
                "/admin/api/service-tokens",
                Some(json!({"name": "no spaces please"})),
            )
            .await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (422, Some("service_token_name_invalid"))
        );

        let db = app.database().await;
        let audited = scalar(
            &db,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE object = 'service_token:{id}' \
                 AND action IN ('service_token.created', 'service_token.revoked') \
                 AND actor = 'admin:owner@hauler.test'"
            ),
        )
        .await;
        assert_eq!(audited, 2, "{backend:?}");
    }
}

fn hauler() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hauler"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(std::env::temp_dir());
    command
}

#[tokio::test]
async fn hauler_secrets_reseal_moves_every_secret_to_the_current_key() {
    record("admin_secrets_reseal", Db::Sqlite, Store::InProcess);
    // A database of its own: no running server writes sealed values behind the test's back.
    let data = tempfile::tempdir().unwrap();
    let database_url = format!("sqlite://{}/hauler.sqlite?mode=rwc", data.path().display());
    let migrated = hauler()
        .env("DATABASE_URL", &database_url)
        .env("RUST_LOG", "warn")
        .arg("migrate")
        .status()
        .unwrap();
    assert!(migrated.success());
    let db = sea_orm::Database::connect(&database_url).await.unwrap();
    let (old, new) = ([1_u8; 32], [2_u8; 32]);
    let before = Sealer::new(SealingKey::new("old", old).unwrap(), []);
    for (key, value) in [
        ("yookassa.secret_key", "live_rotating-secret"),
        ("telegram.bot_token", "123:rotating-bot-token"),
    ] {
        settings::put_sealed(&db, &before, key, value, "test")
            .await
            .unwrap();
    }
    settings::put_plain(&db, "yookassa.shop_id", "shop-1", "test")
        .await
        .unwrap();
    let reseal = |previous: bool| {
        let mut command = hauler();
        command
            .env("DATABASE_URL", &database_url)
            .env("RUST_LOG", "warn")
            .env("ENCRYPTION_KEY", STANDARD.encode(new))
            .env("ENCRYPTION_KEY_ID", "new")
            .args(["secrets", "reseal"]);
        if previous {
            command.env(
                "ENCRYPTION_PREVIOUS_KEYS",
                format!("old:{}", STANDARD.encode(old)),
            );
        }
        command.output().unwrap()
    };

    let without_old_key = reseal(false);
    assert!(
        !without_old_key.status.success(),
        "the old key is needed to open them"
    );
    let complaint = format!(
        "{}{}",
        String::from_utf8_lossy(&without_old_key.stdout),
        String::from_utf8_lossy(&without_old_key.stderr)
    );
    assert!(complaint.contains("yookassa.secret_key"), "{complaint}");

    let output = reseal(true);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(printed.contains("2 re-sealed under key `new`"), "{printed}");
    assert!(!printed.contains("rotating"), "names only: {printed}");

    let after = Sealer::new(SealingKey::new("new", new).unwrap(), []);
    assert_eq!(
        settings::get_sealed(&db, &after, "yookassa.secret_key")
            .await
            .unwrap()
            .as_deref(),
        Some("live_rotating-secret")
    );
    assert_eq!(
        settings::get_sealed(&db, &after, "telegram.bot_token")
            .await
            .unwrap()
            .as_deref(),
        Some("123:rotating-bot-token")
    );
    assert_eq!(
        settings::get_plain(&db, "yookassa.shop_id")
            .await
            .unwrap()
            .as_deref(),
        Some("shop-1")
    );
    let again = reseal(false);
    assert!(again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stdout)
            .contains("0 re-sealed under key `new`, 2 already under it")
    );
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'secrets.resealed'"
        )
        .await,
        3,
        "every run is audited, the refused one too"
    );
}

/// Every answer a client got, to be searched for secrets afterwards.
struct Transcript {
    client: reqwest::Client,
    base: String,
    bodies: Vec<String>,
}

impl Transcript {
    async fn call(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> (u16, String, reqwest::header::HeaderMap) {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let mut request = self.client.request(method, url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        self.bodies.push(format!("{headers:?}\n{text}"));
        (status, text, headers)
    }
}

#[tokio::test]
async fn no_secret_appears_in_any_response_or_log_line() {
    const BOT_TOKEN: &str = "7123456789:AAH-leak-canary-bot-token-xyz";
    const CARGO_PASSWORD: &str = "cargo-leak-canary-password";
    const YOOKASSA_SECRET: &str = "live_leak-canary-yookassa-key";
    const ADMIN_PASSWORD: &str = "owner-leak-canary-password";
    record("admin_secrets_never_leak", Db::Sqlite, Store::InProcess);

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let (cargotech, _exchange) = exchange::serve(
        "127.0.0.1:0".parse().unwrap(),
        ExchangeConfig {
            password: CARGO_PASSWORD.into(),
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            ..ExchangeConfig::default()
        },
    )
    .await
    .unwrap();
    let (yookassa, _shop) = server::sandbox::yookassa::serve(
        "127.0.0.1:0".parse().unwrap(),
        "leak-shop",
        YOOKASSA_SECRET,
        &format!("{base}/api/v1/payments/yookassa/notifications"),
    )
    .await
    .unwrap();
    // Telegram on a listener of its own, as in production: the Bot API is another host.
    let telegram = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let telegram_address = telegram.local_addr().unwrap();
    let stand_in = server::sandbox::telegram::router(
        server::sandbox::telegram::SandboxTelegram::new(BOT_TOKEN),
    );
    tokio::spawn(async move { axum::serve(telegram, stand_in).await });
    let data = tempfile::tempdir().unwrap();
    let server = hauler()
        .env("DATA_DIR", data.path())
        .env("SITE_ROOT", site_root())
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "debug")
        .env("TELEGRAM_BOT_TOKEN", BOT_TOKEN)
        .env(
            "TELEGRAM_API_BASE_URL",
            format!("http://{telegram_address}"),
        )
        .env("CARGOTECH_BASE_URL", format!("http://{cargotech}"))
        .env("CARGOTECH_PHONE", server::config::SANDBOX_CARGOTECH_PHONE)
        .env("CARGOTECH_PASSWORD", CARGO_PASSWORD)
        .env("YOOKASSA_BASE_URL", format!("http://{yookassa}"))
        .env("ADMIN_BOOTSTRAP_EMAIL", OWNER)
        .env("ADMIN_BOOTSTRAP_PASSWORD", ADMIN_PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = server.id();
    // Whatever happens below, the server stops and its output is read.
    let outcome = tokio::spawn(exercise(base, port)).await;
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let output = tokio::task::spawn_blocking(move || server.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let bodies = match outcome {
        Ok(bodies) => bodies,
        Err(panic) => {
            eprintln!("{}", String::from_utf8_lossy(&output.stderr));
            std::panic::resume_unwind(panic.into_panic());
        }
    };
    let logs = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(logs.lines().count() > 20, "debug logging ran: {logs}");
    let basic = STANDARD.encode(format!("leak-shop:{YOOKASSA_SECRET}"));
    for secret in [
        BOT_TOKEN,
        CARGO_PASSWORD,
        YOOKASSA_SECRET,
        ADMIN_PASSWORD,
        &basic,
    ] {
        for line in logs.lines() {
            assert!(!line.contains(secret), "a log line shows a secret: {line}");
        }
        for body in &bodies {
            assert!(!body.contains(secret), "an answer shows a secret: {body}");
        }
    }
    // The secret part of the bot token (after the colon) must not show up alone either.
    let token_secret = BOT_TOKEN.split_once(':').unwrap().1;
    assert!(!logs.contains(token_secret));
}

/// Logs in, sets secrets, buys, looks at every page; returns every answer's headers and body.
async fn exercise(base: String, port: u16) -> Vec<String> {
    const BOT_TOKEN: &str = "7123456789:AAH-leak-canary-bot-token-xyz";
    const CARGO_PASSWORD: &str = "cargo-leak-canary-password";
    const YOOKASSA_SECRET: &str = "live_leak-canary-yookassa-key";
    const ADMIN_PASSWORD: &str = "owner-leak-canary-password";
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut t = Transcript {
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base,
        bodies: Vec::new(),
    };
    let (status, _, _) = t
        .call(
            Method::POST,
            "/admin/api/login",
            &[],
            Some(json!({"email": OWNER, "password": "a wrong guess"})),
        )
        .await;
    assert_eq!(status, 401);
    let (status, body, headers) = t
        .call(
            Method::POST,
            "/admin/api/login",
            &[],
            Some(json!({"email": OWNER, "password": ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let cookie = headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = serde_json::from_str::<Value>(&body).unwrap()["csrf"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = [("cookie", cookie.as_str()), ("x-csrf-token", csrf.as_str())];

    for (key, value) in [
        ("yookassa.shop_id", "leak-shop"),
        ("yookassa.secret_key", YOOKASSA_SECRET),
        ("cargotech.phone", server::config::SANDBOX_CARGOTECH_PHONE),
        ("cargotech.password", CARGO_PASSWORD),
        ("telegram.bot_token", BOT_TOKEN),
        ("telegram.operator_chat_id", "-100777"),
    ] {
        let (status, body, _) = t
            .call(
                Method::PUT,
                &format!("/admin/api/settings/{key}"),
                &admin,
                Some(json!({"value": value})),
            )
            .await;
        assert_eq!(status, 200, "{key}: {body}");
    }
    // A malformed secret is refused without being repeated.
    let (status, _, _) = t
        .call(
            Method::PUT,
            "/admin/api/settings/telegram.bot_token",
            &admin,
            Some(json!({"value": format!("{CARGO_PASSWORD} not a token")})),
        )
        .await;
    assert_eq!(status, 422);

    // A driver signs in (launch data signed with the bot token) and pays.
    let init_data = signed_init_data(&driver(930_901), chrono::Utc::now().timestamp(), BOT_TOKEN);
    let (status, body, _) = t
        .call(
            Method::POST,
            "/api/v1/auth/telegram",
            &[],
            Some(json!({"init_data": init_data})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let bearer = format!(
        "Bearer {}",
        serde_json::from_str::<Value>(&body).unwrap()["token"]
            .as_str()
            .unwrap()
    );
    let driver_headers = [("authorization", bearer.as_str())];
    let (_, body, _) = t
        .call(Method::GET, "/api/v1/subscription", &driver_headers, None)
        .await;
    let plan = serde_json::from_str::<Value>(&body).unwrap()["plans"][0]["id"].clone();
    let (status, body, _) = t
        .call(
            Method::POST,
            "/api/v1/payments",
            &driver_headers,
            Some(json!({"plan_id": plan})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let payment: Value = serde_json::from_str(&body).unwrap();
    let page = payment["confirmation_url"].as_str().unwrap().to_owned();
    let (status, _, _) = t
        .call(Method::POST, &format!("{page}/pay"), &[], None)
        .await;
    assert_eq!(status, 303);
    let mut settled = false;
    for _ in 0..100 {
        let (_, body, _) = t
            .call(
                Method::GET,
                &format!("/api/v1/payments/{}", payment["id"]),
                &driver_headers,
                None,
            )
            .await;
        if serde_json::from_str::<Value>(&body).unwrap()["status"] == "succeeded" {
            settled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(settled, "the purchase went through");
    let (status, body, _) = t
        .call(Method::GET, "/api/v1/cargos", &driver_headers, None)
        .await;
    assert_eq!(status, 200, "the exchange login worked: {body}");

    // The dashboard, page by page and call by call.
    for path in [
        "/admin",
        "/admin/settings",
        "/admin/connection",
        "/admin/api/overview",
        "/admin/api/settings",
        "/admin/api/connection",
        "/admin/api/connection/sandbox",
        "/admin/api/service-tokens",
        "/admin/api/session",
    ] {
        let (status, body, _) = t.call(Method::GET, path, &admin, None).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    for path in [
        "/admin/api/connection/drop-token",
        "/admin/api/connection/login",
    ] {
        let (status, body, _) = t.call(Method::POST, path, &admin, None).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let (status, _, _) = t
        .call(
            Method::POST,
            "/admin/api/connection/sms-code",
            &admin,
            Some(json!({"code": "123456"})),
        )
        .await;
    assert_eq!(status, 409);
    let (status, _, _) = t
        .call(
            Method::POST,
            "/admin/api/service-tokens",
            &admin,
            Some(json!({"name": "monitoring"})),
        )
        .await;
    assert_eq!(status, 201);
    t.bodies
}

#[tokio::test]
async fn cargotech_credentials_entered_on_the_dashboard_are_used_at_the_next_login() {
    for backend in backends() {
        // The account's password was changed at the exchange; the server still knows the old one.
        let config = ExchangeConfig {
            latency: std::time::Duration::ZERO,
            jitter: std::time::Duration::ZERO,
            password: "changed-at-the-exchange".into(),
            ..Default::default()
        };
        let (address, _exchange) = exchange::serve("127.0.0.1:0".parse().unwrap(), config)
            .await
            .unwrap();
        let app = crate::support::spawn_app_with(
            "cargotech_credentials_from_settings",
            backend,
            crate::support::Options {
                extra_vars: vec![("CARGOTECH_BASE_URL", format!("http://{address}"))],
            },
        )
        .await;
        make_admin(&app, "owner@hauler.test", Role::Owner).await;
        let owner = log_in(&app, "owner@hauler.test").await;
        let (_, refused) = owner
            .call(Method::POST, "/admin/api/connection/login", None)
            .await;
        assert_eq!(refused["state"], "wrong_credentials", "{refused}");

        for (key, value) in [
            ("cargotech.phone", "+7 911 111 11 11"),
            ("cargotech.password", "changed-at-the-exchange"),
        ] {
            let (status, body) = owner
                .call(
                    Method::PUT,
                    &format!("/admin/api/settings/{key}"),
                    Some(json!({"value": value})),
                )
                .await;
            assert_eq!(status, 200, "{key}: {body}");
        }
        let (status, connected) = owner
            .call(Method::POST, "/admin/api/connection/login", None)
            .await;
        assert_eq!(status, 200, "{connected}");
        assert_eq!(
            connected["state"], "connected",
            "{backend:?}: no restart needed"
        );
    }
}

#[tokio::test]
async fn a_bot_token_entered_on_the_dashboard_takes_over_sign_ins_and_messages_without_a_restart() {
    const NEW_TOKEN: &str = "7000000002:a-token-from-botfather-after-a-leak";
    for backend in backends() {
        let mut app = spawn_app("admin_settings_bot_token", backend).await;
        let driver_id = app.sign_in_as(driver(934_001)).await["id"]
            .as_i64()
            .unwrap();
        let browser = owner(&app).await;
        let (status, body) = browser
            .call(
                Method::PUT,
                "/admin/api/settings/telegram.bot_token",
                Some(json!({"value": NEW_TOKEN})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        tokio::time::sleep(Duration::from_millis(1100)).await;

        // Telegram now signs launch data with the new token: only that is believed.
        let now = chrono::Utc::now().timestamp();
        let sign_in =
            |token: &str| json!({"init_data": signed_init_data(&driver(934_001), now, token)});
        let old = sign_in(server::config::SANDBOX_BOT_TOKEN);
        let (status, refused) = app
            .call(Method::POST, "/api/v1/auth/telegram", Some(old))
            .await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (401, Some("init_data_bad_signature"))
        );
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/auth/telegram",
                Some(sign_in(NEW_TOKEN)),
            )
            .await;
        assert_eq!(status, 200, "{backend:?}: {body}");

        // The sandbox Telegram knows only its own bot, so it refuses the new token: the message
        // waits in the outbox instead of being lost.
        let (status, body) = browser
            .call(
                Method::POST,
                &format!("/admin/api/drivers/{driver_id}/message"),
                Some(json!({"text": "Проверка связи"})),
            )
            .await;
        assert_eq!(status, 204, "{body}");
        let db = app.database().await;
        let mut refused_with = String::new();
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            refused_with = db
                .query_one_raw(sea_orm::Statement::from_string(
                    db.get_database_backend(),
                    "SELECT status, last_error FROM outbox_messages WHERE payload LIKE '%Проверка связи%'".to_owned(),
                ))
                .await
                .unwrap()
                .map(|row| {
                    let status: String = row.try_get("", "status").unwrap();
                    let error: Option<String> = row.try_get("", "last_error").unwrap();
                    format!("{status}: {}", error.unwrap_or_default())
                })
                .unwrap_or_default();
            if refused_with.contains("bot token") {
                break;
            }
        }
        assert_eq!(
            refused_with,
            "pending: Telegram is unavailable: the bot token is refused (401)"
        );
        assert!(
            chat_with(&app, 934_001, 2)
                .await
                .iter()
                .all(|m| m["text"] != "Проверка связи")
        );

        // Cleared, the environment's token is back, and the message goes out.
        let (status, _) = browser
            .call(
                Method::DELETE,
                "/admin/api/settings/telegram.bot_token",
                None,
            )
            .await;
        assert_eq!(status, 200);
        let mut delivered = false;
        for _ in 0..30 {
            let messages = chat_with(&app, 934_001, 1).await;
            if messages.iter().any(|m| m["text"] == "Проверка связи") {
                delivered = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        assert!(delivered, "{backend:?}: the waiting message is delivered");
    }
}
