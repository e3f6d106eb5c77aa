//! The optional second factor, as an admin meets it: setting it up from a QR code, logging in
//! with the app's code (each code once), wrong codes throttled like wrong passwords, turning it
//! off, and an owner resetting it for someone who lost their phone.

use admin::wire::Role;
use reqwest::Method;
use serde_json::{Value, json};
use totp_rs::{Builder, Secret};

use crate::{
    admin::{AdminBrowser, PASSWORD, log_in, make_admin},
    support::{TestApp, backends, scalar, spawn_app},
};

/// The authenticator app on the admin's phone.
struct Phone {
    totp: totp_rs::Totp,
}

impl Phone {
    fn scan(setup: &Value) -> Self {
        let secret = Secret::try_from_base32(setup["secret"].as_str().unwrap()).unwrap();
        let totp = Builder::new().with_secret(secret).build().unwrap();
        Self { totp }
    }

    /// The code the app shows `steps` steps from now (-1: the one that just passed).
    fn code(&self, steps: i64) -> String {
        let now = chrono::Utc::now().timestamp();
        self.totp.generate((now + steps * 30) as u64).to_string()
    }

    /// A six-digit code the app does not show around now.
    fn wrong_code(&self) -> String {
        let shown = [self.code(-1), self.code(0), self.code(1)];
        (0..)
            .map(|n| format!("{:06}", (123_456 + n) % 1_000_000))
            .find(|code| !shown.contains(code))
            .unwrap()
    }
}

/// Codes change every 30 s: a story starts early in a step so the window stays put.
async fn early_in_a_step() {
    let into = chrono::Utc::now().timestamp() % 30;
    if into > 22 {
        tokio::time::sleep(std::time::Duration::from_secs((31 - into) as u64)).await;
    }
}

async fn log_in_with(app: &TestApp, email: &str, code: Option<&str>) -> (u16, Value) {
    let mut body = json!({"email": email, "password": PASSWORD});
    if let Some(code) = code {
        body["code"] = json!(code);
    }
    let response = app
        .client
        .post(app.url("/admin/api/login"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn confirm(browser: &AdminBrowser<'_>, code: &str) -> (u16, Value) {
    browser
        .call(
            Method::POST,
            "/admin/api/second-factor/confirm",
            Some(json!({"code": code})),
        )
        .await
}

async fn turn_on(browser: &AdminBrowser<'_>) -> Phone {
    let (status, setup) = browser
        .call(Method::POST, "/admin/api/second-factor/setup", None)
        .await;
    assert_eq!(status, 200, "{setup}");
    let phone = Phone::scan(&setup);
    let (status, state) = confirm(browser, &phone.code(-1)).await;
    assert_eq!(
        (status, state["enabled"].as_bool()),
        (200, Some(true)),
        "{state}"
    );
    phone
}

#[tokio::test]
async fn an_admin_turns_on_the_second_factor_and_then_logs_in_with_a_code_that_works_once() {
    for backend in backends() {
        early_in_a_step().await;
        let app = spawn_app("admin_second_factor", backend).await;
        make_admin(&app, "admin@hauler.test", Role::Admin).await;
        let browser = log_in(&app, "admin@hauler.test").await;
        let (_, state) = browser
            .call(Method::GET, "/admin/api/second-factor", None)
            .await;
        assert_eq!(state["enabled"], false);

        let (status, setup) = browser
            .call(Method::POST, "/admin/api/second-factor/setup", None)
            .await;
        assert_eq!(status, 200, "{setup}");
        let url = setup["otpauth_url"].as_str().unwrap();
        assert!(
            url.starts_with("otpauth://totp/Hauler:admin%40hauler.test?"),
            "{url}"
        );
        assert!(url.contains(&format!("secret={}", setup["secret"].as_str().unwrap())));
        assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));
        let phone = Phone::scan(&setup);

        // Until a first code confirms the app has it, nothing changes at login.
        assert_eq!(log_in_with(&app, "admin@hauler.test", None).await.0, 200);
        let (status, refusal) = confirm(&browser, &phone.wrong_code()).await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (422, Some("second_factor_code_wrong"))
        );
        let (status, state) = confirm(&browser, &phone.code(-1)).await;
        assert_eq!(
            (status, state["enabled"].as_bool()),
            (200, Some(true)),
            "{state}"
        );

        let (status, refusal) = log_in_with(&app, "admin@hauler.test", None).await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (401, Some("second_factor_required"))
        );
        let (status, refusal) =
            log_in_with(&app, "admin@hauler.test", Some(&phone.wrong_code())).await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (401, Some("second_factor_code_wrong"))
        );
        let now = phone.code(0);
        let (status, session) = log_in_with(&app, "admin@hauler.test", Some(&now)).await;
        assert_eq!(status, 200, "{backend:?}: {session}");
        let (status, refusal) = log_in_with(&app, "admin@hauler.test", Some(&now)).await;
        assert_eq!(
            (status, refusal["code"].as_str()),
            (401, Some("second_factor_code_wrong")),
            "a code works once"
        );

        let (status, state) = browser
            .call(
                Method::POST,
                "/admin/api/second-factor/disable",
                Some(json!({"code": phone.code(1)})),
            )
            .await;
        assert_eq!(
            (status, state["enabled"].as_bool()),
            (200, Some(false)),
            "{state}"
        );
        assert_eq!(log_in_with(&app, "admin@hauler.test", None).await.0, 200);

        let db = app.database().await;
        for action in [
            "admin.second_factor_enabled",
            "admin.second_factor_disabled",
        ] {
            let audited = scalar(
                &db,
                &format!(
                    "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' \
                     AND actor = 'admin:admin@hauler.test'"
                ),
            )
            .await;
            assert_eq!(audited, 1, "{action}");
        }
        let plain = scalar(
            &db,
            &format!(
                "SELECT COUNT(*) FROM admin_second_factors WHERE secret LIKE '%{}%'",
                setup["secret"].as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(plain, 0, "the secret is sealed at rest");
    }
}

#[tokio::test]
async fn wrong_codes_are_throttled_like_wrong_passwords() {
    early_in_a_step().await;
    let app = spawn_app("admin_second_factor_throttle", backends()[0]).await;
    make_admin(&app, "admin@hauler.test", Role::Admin).await;
    let phone = turn_on(&log_in(&app, "admin@hauler.test").await).await;
    let mut last = (0, Value::Null);
    for _ in 0..5 {
        last = log_in_with(&app, "admin@hauler.test", Some(&phone.wrong_code())).await;
    }
    assert_eq!(
        (last.0, last.1["code"].as_str()),
        (429, Some("login_throttled")),
        "{}",
        last.1
    );
    let (status, _) = log_in_with(&app, "admin@hauler.test", Some(&phone.code(0))).await;
    assert_eq!(status, 429, "even the right code waits out the throttle");
}

#[tokio::test]
async fn an_owner_resets_the_second_factor_of_someone_who_lost_their_phone() {
    for backend in backends() {
        early_in_a_step().await;
        let app = spawn_app("admin_second_factor_reset", backend).await;
        make_admin(&app, "owner@hauler.test", Role::Owner).await;
        make_admin(&app, "support@hauler.test", Role::Support).await;
        let support = log_in(&app, "support@hauler.test").await;
        turn_on(&support).await;
        let db = app.database().await;
        let id = scalar(
            &db,
            "SELECT id FROM admins WHERE email = 'support@hauler.test'",
        )
        .await;
        let path = format!("/admin/api/admins/{id}/second-factor");

        let (status, _) = support.call(Method::DELETE, &path, None).await;
        assert_eq!(status, 403, "only owners reset");
        let owner = log_in(&app, "owner@hauler.test").await;
        let codes_on = |list: &Value| {
            list.as_array()
                .unwrap()
                .iter()
                .find(|admin| admin["id"] == id)
                .map(|admin| admin["second_factor"].clone())
        };
        let (_, admins) = owner.call(Method::GET, "/admin/api/admins", None).await;
        assert_eq!(codes_on(&admins), Some(json!(true)), "{admins}");
        let (status, body) = owner.call(Method::DELETE, &path, None).await;
        assert_eq!(status, 204, "{backend:?}: {body}");
        assert_eq!(log_in_with(&app, "support@hauler.test", None).await.0, 200);
        let (_, admins) = owner.call(Method::GET, "/admin/api/admins", None).await;
        assert_eq!(codes_on(&admins), Some(json!(false)), "{admins}");
        let (status, body) = owner.call(Method::DELETE, &path, None).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (404, Some("second_factor_not_found"))
        );
        let audited = scalar(
            &db,
            &format!(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'admin.second_factor_reset' \
                 AND object = 'admin:{id}' AND actor = 'admin:owner@hauler.test'"
            ),
        )
        .await;
        assert_eq!(audited, 1);
    }
}
