//! A burst of wrong admin logins while drivers work: passwords are checked off the request
//! threads and only so many at once, so the drivers are still served, and every attempt is in
//! the audit log.

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::{Duration, Instant},
};

use admin::wire::Role;
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::json;

use crate::{
    admin::{audited, browser_at, log_in_from, make_admin},
    support::{backends, spawn_app},
};

#[tokio::test]
async fn forty_wrong_admin_logins_at_once_leave_drivers_served_and_every_attempt_audited() {
    for backend in backends() {
        let mut app = spawn_app("admin_login_load", backend).await;
        make_admin(&app, "owner@hauler.test", Role::Owner).await;
        app.sign_in_as(json!({"id": 560_001, "first_name": "Ольга", "language_code": "ru"}))
            .await;

        // Forty guessers, each from an address of its own, all at once.
        let guessers: Vec<_> = (1..=40)
            .map(|host| browser_at(&format!("127.0.1.{host}")))
            .collect();
        let guesses: Vec<_> = (1..=40).map(|n| format!("guess-{n}")).collect();
        let burst_over = AtomicBool::new(false);
        let burst = async {
            let answers =
                join_all(guessers.iter().zip(&guesses).map(|(guesser, guess)| {
                    log_in_from(&app, guesser, "owner@hauler.test", guess)
                }))
                .await;
            burst_over.store(true, Ordering::Relaxed);
            answers
        };
        let driver = async {
            let mut answers = Vec::new();
            let mut slowest = Duration::ZERO;
            loop {
                let started = Instant::now();
                answers.push(app.call(Method::GET, "/api/v1/me", None).await.0);
                slowest = slowest.max(started.elapsed());
                if burst_over.load(Ordering::Relaxed) {
                    return (answers, slowest);
                }
            }
        };
        let (answers, (driver_answers, slowest)) = tokio::join!(burst, driver);

        println!(
            "{backend:?}: the driver's slowest GET /api/v1/me during the burst took {slowest:?} \
             ({} calls)",
            driver_answers.len()
        );
        assert!(
            driver_answers.iter().all(|status| *status == 200),
            "{backend:?}: the driver was served every time: {driver_answers:?}"
        );
        for (status, code) in &answers {
            assert!(
                matches!(
                    (status, code.as_deref()),
                    (401, Some("login_failed"))
                        | (429, Some("login_throttled"))
                        | (503, Some("login_busy"))
                ),
                "{backend:?}: a guess is refused for what it is: {answers:?}"
            );
        }
        let owner_account = "admin:owner@hauler.test";
        let mut recorded = 0;
        for action in ["admin.login_failed", "admin.login_busy"] {
            recorded += audited(&app, action, owner_account).await;
        }
        assert_eq!(recorded, 40, "{backend:?}: every guess is in the audit log");
    }
}
