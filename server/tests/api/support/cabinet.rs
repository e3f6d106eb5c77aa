//! Where every cabinet story starts: a fresh app, a driver signed in to the Mini App, an admin
//! signed in to the dashboard, and what they do most: the admin gives the driver a pass, a
//! browser signs in to the cabinet with it.

use admin::wire::Role;
use reqwest::{Method, header};
use serde_json::{Value, json};

use super::{Db, Options, Store, TestApp, spawn_app_with};
use crate::admin::{AdminBrowser, log_in, make_admin};

const ADMIN: &str = "cabinet-admin@hauler.test";

pub struct CabinetStory {
    /// Signed in as the driver.
    pub app: TestApp,
    pub driver_id: i64,
    admin_cookie: String,
    admin_csrf: String,
}

/// A pass the admin gave: its id and its token (64 URL-safe characters).
pub struct GivenPass {
    pub id: i64,
    pub token: String,
}

impl CabinetStory {
    pub async fn start(test: &str, backend: (Db, Store), telegram_id: i64) -> Self {
        Self::start_with(test, backend, telegram_id, Options::default()).await
    }

    pub async fn start_with(
        test: &str,
        backend: (Db, Store),
        telegram_id: i64,
        options: Options,
    ) -> Self {
        let mut app = spawn_app_with(test, backend, options).await;
        let driver = app
            .sign_in_without_access(
                json!({"id": telegram_id, "first_name": "Пётр", "language_code": "ru"}),
            )
            .await;
        make_admin(&app, ADMIN, Role::Admin).await;
        let admin = log_in(&app, ADMIN).await;
        let (admin_cookie, admin_csrf) = (admin.cookie, admin.csrf);
        Self {
            driver_id: driver["id"].as_i64().unwrap(),
            app,
            admin_cookie,
            admin_csrf,
        }
    }

    /// The admin's browser, signed in.
    pub fn admin(&self) -> AdminBrowser<'_> {
        AdminBrowser {
            app: &self.app,
            cookie: self.admin_cookie.clone(),
            csrf: self.admin_csrf.clone(),
        }
    }

    /// The admin gives the driver a pass of `hours`.
    pub async fn grant(&self, hours: u32) -> GivenPass {
        let (status, issued) = self
            .admin()
            .call(
                Method::POST,
                "/admin/api/passes",
                Some(json!({"driver_id": self.driver_id, "hours": hours})),
            )
            .await;
        assert_eq!(status, 201, "{issued}");
        let token = issued["token"].as_str().unwrap().to_owned();
        assert_eq!(token.len(), 64);
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        GivenPass {
            id: issued["pass"]["id"].as_i64().unwrap(),
            token,
        }
    }

    /// A browser signs in to the cabinet with a pass's token: the cookie pair it was given
    /// (`hauler_cabinet=…`, HttpOnly, path `/`, `SameSite=Lax`, not `Secure` over http) and the
    /// answer.
    pub async fn sign_in(&self, token: &str) -> (String, Value) {
        let response = self
            .app
            .client
            .post(self.app.url("/api/v1/cabinet/authenticate"))
            .json(&json!({"token": token}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let cookie = response.headers()[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_owned();
        for attribute in ["HttpOnly", "Path=/", "SameSite=Lax"] {
            assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
        }
        assert!(
            !cookie.contains("Secure"),
            "sandbox mode serves http: {cookie}"
        );
        let pair = cookie.split(';').next().unwrap().to_owned();
        (pair, response.json().await.unwrap())
    }

    /// A pass given and a browser signed in with it: the pass and the browser's cookie pair.
    pub async fn signed_in_with_pass(&self, hours: u32) -> (GivenPass, String) {
        let pass = self.grant(hours).await;
        let (cookie, _) = self.sign_in(&pass.token).await;
        (pass, cookie)
    }
}
