//! The admin dashboard's API as the people who run Hauler use it: logging in, sessions that are
//! cookies nobody's script can read, CSRF on every change, throttled guessing, roles, and a
//! refusal for anyone else.

use std::io::Write;

use admin::wire::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use server::admin::accounts;

use crate::support::{TestApp, backends, bundle_file, spawn_app};

pub const PASSWORD: &str = "correct horse battery staple";

/// An admin's browser: the session cookie and the CSRF token it got at login.
pub struct AdminBrowser<'a> {
    pub app: &'a TestApp,
    pub cookie: String,
    pub csrf: String,
}

impl AdminBrowser<'_> {
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(path))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

pub async fn make_admin(app: &TestApp, email: &str, role: Role) {
    accounts::create(&app.database().await, email, PASSWORD, role, "test")
        .await
        .unwrap();
}

async fn log_in_raw(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/admin/api/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

/// How many audit entries of `action` name `object`.
pub async fn audited(app: &TestApp, action: &str, object: &str) -> i64 {
    crate::support::scalar(
        &app.database().await,
        &format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND object = '{object}'"
        ),
    )
    .await
}

/// A browser at another address of this machine: all of 127.0.0.0/8 is loopback.
pub fn browser_at(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// A login from `browser`: the status and the refusal's code (`None` for a session).
pub async fn log_in_from(
    app: &TestApp,
    browser: &reqwest::Client,
    email: &str,
    password: &str,
) -> (u16, Option<String>) {
    let response = browser
        .post(app.url("/admin/api/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().map(str::to_owned))
}

pub async fn log_in<'a>(app: &'a TestApp, email: &str) -> AdminBrowser<'a> {
    let response = log_in_raw(app, email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    AdminBrowser {
        app,
        cookie: cookie.split(';').next().unwrap().to_owned(),
        csrf: body["csrf"].as_str().unwrap().to_owned(),
    }
}

#[tokio::test]
async fn an_owner_logs_in_with_a_cookie_no_script_can_read() {
    for backend in backends() {
        let app = spawn_app("admin_login", backend).await;
        make_admin(&app, "Owner@Hauler.test", Role::Owner).await;
        let response = log_in_raw(&app, " owner@hauler.test ", PASSWORD).await;
        assert_eq!(response.status(), 200);
        let cookie = response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_owned();
        for attribute in ["hauler_admin=", "HttpOnly", "SameSite=Strict", "Path=/"] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body["admin"],
            json!({"email": "owner@hauler.test", "role": "owner"})
        );

        let browser = log_in(&app, "owner@hauler.test").await;
        let (status, session) = browser.call(Method::GET, "/admin/api/session", None).await;
        assert_eq!(status, 200, "{backend:?}");
        assert_eq!(session["admin"]["email"], "owner@hauler.test");
        let db = app.database().await;
        let logins = crate::support::scalar(
            &db,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'admin.login' AND actor = 'admin:owner@hauler.test'",
        )
        .await;
        assert_eq!(logins, 2);
    }
}

#[tokio::test]
async fn every_admin_call_refuses_nobody_with_401_and_a_driver_with_403() {
    let backend = backends()[0];
    let mut app = spawn_app("admin_refusals", backend).await;
    let calls = [
        (Method::GET, "/admin/api/session"),
        (Method::GET, "/admin/api/flags"),
        (Method::PUT, "/admin/api/flags/trial"),
        (Method::POST, "/admin/api/logout"),
        (Method::POST, "/admin/api/logout-everywhere"),
    ];
    for (method, path) in &calls {
        let (status, body) = app
            .call(method.clone(), path, Some(json!({"on": false})))
            .await;
        assert_eq!(status, 401, "{method} {path}: {body}");
        assert_eq!(body["code"], "admin_session_missing");
    }
    app.sign_in_as(json!({"id": 910_001, "first_name": "Водитель"}))
        .await;
    for (method, path) in &calls {
        let (status, body) = app
            .call(method.clone(), path, Some(json!({"on": false})))
            .await;
        assert_eq!(status, 403, "{method} {path}: {body}");
        assert_eq!(body["code"], "admin_only");
    }
}

#[tokio::test]
async fn a_change_without_the_csrf_token_is_refused_and_changes_nothing() {
    for backend in backends() {
        let app = spawn_app("admin_csrf", backend).await;
        make_admin(&app, "admin@hauler.test", Role::Admin).await;
        let browser = log_in(&app, "admin@hauler.test").await;
        let forged = app
            .client
            .put(app.url("/admin/api/flags/trial"))
            .header("cookie", &browser.cookie)
            .json(&json!({"on": false}))
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403);
        let forged: Value = forged.json().await.unwrap();
        assert_eq!(forged["code"], "csrf_invalid");
        let (_, flags) = browser.call(Method::GET, "/admin/api/flags", None).await;
        let trial = |flags: &Value| {
            flags
                .as_array()
                .unwrap()
                .iter()
                .find(|flag| flag["name"] == "trial")
                .unwrap()["on"]
                .clone()
        };
        assert_eq!(trial(&flags), true, "unchanged");

        let (status, changed) = browser
            .call(
                Method::PUT,
                "/admin/api/flags/trial",
                Some(json!({"on": false})),
            )
            .await;
        assert_eq!(status, 200, "{changed}");
        assert_eq!(changed["on"], false);
        let (status, _) = browser
            .call(
                Method::PUT,
                "/admin/api/flags/warp_drive",
                Some(json!({"on": true})),
            )
            .await;
        assert_eq!(status, 404);
        let audited = crate::support::scalar(
            &app.database().await,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'flag.changed' AND object = 'flag:trial' AND details LIKE '%\"before\":true%'",
        )
        .await;
        assert_eq!(
            audited, 1,
            "{backend:?}: who changed what, before and after"
        );
    }
}

#[tokio::test]
async fn five_wrong_passwords_make_the_next_try_wait_and_say_how_long() {
    for backend in backends() {
        let app = spawn_app("admin_throttle", backend).await;
        make_admin(&app, "owner@hauler.test", Role::Owner).await;
        for attempt in 1..=4 {
            let response = log_in_raw(&app, "owner@hauler.test", "guess").await;
            assert_eq!(response.status(), 401, "attempt {attempt}");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["code"], "login_failed");
        }
        let fifth = log_in_raw(&app, "owner@hauler.test", "guess").await;
        assert_eq!(fifth.status(), 429);
        assert_eq!(
            fifth.headers()["retry-after"],
            "30",
            "{backend:?}: the dashboard says the wait in its reader's language"
        );
        let body: Value = fifth.json().await.unwrap();
        assert_eq!(body["code"], "login_throttled");
        assert_eq!(
            body["message"],
            "Too many failed attempts: try again in 30 s"
        );
        let right = log_in_raw(&app, "owner@hauler.test", PASSWORD).await;
        assert_eq!(
            right.status(),
            429,
            "{backend:?}: even the right password waits"
        );
    }
}

#[tokio::test]
async fn a_guesser_who_knows_the_owners_email_is_held_back_and_the_owner_still_gets_in() {
    for backend in backends() {
        let app = spawn_app("admin_guesser_held_back", backend).await;
        make_admin(&app, "owner@hauler.test", Role::Owner).await;
        let guesser = browser_at("127.0.0.2");
        for attempt in 1..=30 {
            let answer = log_in_from(&app, &guesser, "owner@hauler.test", "guess").await;
            let expected = if attempt <= 4 {
                (401, Some("login_failed".to_owned()))
            } else {
                (429, Some("login_throttled".to_owned()))
            };
            assert_eq!(answer, expected, "{backend:?}: attempt {attempt}");
        }
        let (status, _) = log_in_from(&app, &guesser, "owner@hauler.test", PASSWORD).await;
        assert_eq!(
            status, 429,
            "{backend:?}: the guesser's address waits, whatever it sends"
        );

        let owner = browser_at("127.0.0.3");
        assert_eq!(
            log_in_from(&app, &owner, "owner@hauler.test", PASSWORD).await,
            (200, None),
            "{backend:?}: the owner, from their own address"
        );
    }
}

#[tokio::test]
async fn guessing_from_many_addresses_holds_back_each_guesser_but_never_the_owner() {
    for backend in backends() {
        let app = spawn_app("admin_guessers_spread", backend).await;
        make_admin(&app, "owner@hauler.test", Role::Owner).await;
        let guessers: Vec<_> = (10..22)
            .map(|host| browser_at(&format!("127.0.0.{host}")))
            .collect();
        for (n, guesser) in guessers.iter().enumerate() {
            let (status, _) = log_in_from(&app, guesser, "owner@hauler.test", "guess").await;
            // Ten failures on the account are free; then it is held against guessing.
            let expected = if n < 10 { 401 } else { 429 };
            assert_eq!(status, expected, "{backend:?}: guesser {n}");
        }
        for guesser in &guessers {
            let (status, code) = log_in_from(&app, guesser, "owner@hauler.test", PASSWORD).await;
            assert_eq!(
                (status, code.as_deref()),
                (429, Some("login_throttled")),
                "{backend:?}: an address that failed waits, even with the password"
            );
        }
        // An address with no failures is heard once (its password checked), then held back.
        let newcomer = browser_at("127.0.0.40");
        for password in ["another guess", PASSWORD] {
            let (status, code) = log_in_from(&app, &newcomer, "owner@hauler.test", password).await;
            assert_eq!((status, code.as_deref()), (429, Some("login_throttled")));
        }
        let owner_account = "admin:owner@hauler.test";
        let failed = audited(&app, "admin.login_failed", owner_account).await;
        let throttled = audited(&app, "admin.login_throttled", owner_account).await;
        assert_eq!((failed, throttled), (12 + 1, 12 + 1), "{backend:?}");

        let owner = browser_at("127.0.0.3");
        assert_eq!(
            log_in_from(&app, &owner, "owner@hauler.test", PASSWORD).await,
            (200, None),
            "{backend:?}: the owner, from an address with no failures, gets in"
        );
    }
}

#[tokio::test]
async fn support_reads_flags_but_cannot_switch_them() {
    let app = spawn_app("admin_roles", backends()[0]).await;
    make_admin(&app, "support@hauler.test", Role::Support).await;
    let browser = log_in(&app, "support@hauler.test").await;
    let (status, _) = browser.call(Method::GET, "/admin/api/flags", None).await;
    assert_eq!(status, 200);
    let (status, body) = browser
        .call(
            Method::PUT,
            "/admin/api/flags/payments",
            Some(json!({"on": false})),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(body["code"], "role_insufficient");
}

#[tokio::test]
async fn logging_out_everywhere_ends_every_session_of_that_admin() {
    for backend in backends() {
        let app = spawn_app("admin_logout_everywhere", backend).await;
        make_admin(&app, "owner@hauler.test", Role::Owner).await;
        let desk = log_in(&app, "owner@hauler.test").await;
        let laptop = log_in(&app, "owner@hauler.test").await;
        let (status, _) = desk
            .call(Method::POST, "/admin/api/logout-everywhere", None)
            .await;
        assert_eq!(status, 204);
        let (status, _) = laptop.call(Method::GET, "/admin/api/session", None).await;
        assert_eq!(status, 401, "{backend:?}");
    }
}

#[tokio::test]
async fn the_dashboard_loads_its_own_bundle_and_the_drivers_pages_never_do() {
    let app = spawn_app("admin_bundle", backends()[0]).await;
    let admin_page = app.get("/admin/login").await.text().await.unwrap();
    assert!(
        admin_page.contains(&bundle_file("admin.js")),
        "{admin_page}"
    );
    assert!(!admin_page.contains("hauler.js"));
    // The tab shows the same icon as the drivers' pages.
    assert!(admin_page.contains(r#"<link rel="icon" type="image/svg+xml" href="/favicon.svg""#));
    let driver_page = app.get("/").await.text().await.unwrap();
    assert!(driver_page.contains(&bundle_file("hauler.js")));
    assert!(!driver_page.contains("admin"), "no trace of the dashboard");
}

#[tokio::test]
async fn the_login_page_arrives_in_the_language_the_cookie_or_else_the_browser_asks_for() {
    let app = spawn_app("admin_language", backends()[0]).await;
    let page = |headers: &'static [(&'static str, &'static str)]| {
        let mut request = app.client.get(app.url("/admin/login"));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        async move { request.send().await.unwrap().text().await.unwrap() }
    };

    let russian_browser = page(&[("accept-language", "ru-RU,ru;q=0.9,en;q=0.8")]).await;
    assert!(
        russian_browser.contains(r#"<html lang="ru""#),
        "{russian_browser}"
    );
    assert!(russian_browser.contains("Пароль"));

    let chose_english = page(&[
        ("accept-language", "ru-RU,ru;q=0.9"),
        ("cookie", "admin_lang=en"),
    ])
    .await;
    assert!(chose_english.contains(r#"<html lang="en""#));
    assert!(chose_english.contains("Password"));

    let chose_russian = page(&[("accept-language", "en-US"), ("cookie", "admin_lang=ru")]).await;
    assert!(chose_russian.contains("Войти"));

    let anyone_else = page(&[]).await;
    assert!(anyone_else.contains("Log in") && !anyone_else.contains("Войти"));
}

#[test]
fn the_first_owner_is_made_on_the_command_line_with_the_password_from_standard_input() {
    let data = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hauler"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", data.path())
        .args([
            "admin",
            "create",
            "--email",
            "first@hauler.test",
            "--role",
            "owner",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("created first@hauler.test (owner)"));

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hauler"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATA_DIR", data.path())
        .args(["admin", "create", "--email", "second@hauler.test"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "short").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("at least 12 characters"),
        "{output:?}"
    );
}

#[tokio::test]
async fn an_owner_invites_an_admin_changes_their_role_and_switches_them_off() {
    for backend in backends() {
        let app = spawn_app("admin_admins", backend).await;
        make_admin(&app, "owner@hauler.test", Role::Owner).await;
        let owner = log_in(&app, "owner@hauler.test").await;
        let (status, invited) = owner
            .call(
                Method::POST,
                "/admin/api/admins",
                Some(json!({"email": "Anna@Hauler.test", "role": "admin", "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, 201, "{invited}");
        assert_eq!(invited["email"], "anna@hauler.test");
        assert_eq!(invited["created_by"], "admin:owner@hauler.test");
        for (body, code) in [
            (
                json!({"email": "anna@hauler.test", "role": "admin", "password": PASSWORD}),
                "admin_exists",
            ),
            (
                json!({"email": "bob@hauler.test", "role": "admin", "password": "short"}),
                "weak_password",
            ),
            (
                json!({"email": "nobody", "role": "admin", "password": PASSWORD}),
                "invalid_email",
            ),
        ] {
            let (_, refused) = owner
                .call(Method::POST, "/admin/api/admins", Some(body))
                .await;
            assert_eq!(refused["code"], code);
        }

        let anna = log_in(&app, "anna@hauler.test").await;
        let (status, _) = anna.call(Method::GET, "/admin/api/admins", None).await;
        assert_eq!(status, 403, "only owners manage admins");
        let id = invited["id"].as_i64().unwrap();
        let (status, changed) = owner
            .call(
                Method::PUT,
                &format!("/admin/api/admins/{id}"),
                Some(json!({"role": "support"})),
            )
            .await;
        assert_eq!(status, 200, "{changed}");
        assert_eq!(changed["role"], "support");
        let (status, _) = anna.call(Method::GET, "/admin/api/session", None).await;
        assert_eq!(status, 401, "{backend:?}: a new role takes effect at once");
        let anna = log_in(&app, "anna@hauler.test").await;
        let (_, session) = anna.call(Method::GET, "/admin/api/session", None).await;
        assert_eq!(session["admin"]["role"], "support");

        let (status, _) = owner
            .call(
                Method::PUT,
                &format!("/admin/api/admins/{id}"),
                Some(json!({"disabled": true})),
            )
            .await;
        assert_eq!(status, 200);
        let (status, _) = anna.call(Method::GET, "/admin/api/session", None).await;
        assert_eq!(status, 401);
        assert_eq!(
            log_in_raw(&app, "anna@hauler.test", PASSWORD)
                .await
                .status(),
            401
        );

        let (_, me) = owner.call(Method::GET, "/admin/api/admins", None).await;
        let my_id = me.as_array().unwrap()[0]["id"].as_i64().unwrap();
        let (status, refused) = owner
            .call(
                Method::PUT,
                &format!("/admin/api/admins/{my_id}"),
                Some(json!({"disabled": true})),
            )
            .await;
        assert_eq!(status, 409);
        assert_eq!(refused["code"], "cannot_change_yourself");
    }
}
