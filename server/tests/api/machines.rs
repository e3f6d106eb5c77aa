//! Machine clients and their service tokens, through `/metrics` (Prometheus text) — the
//! endpoint monitoring reads — and the `hauler service-token` command an operator runs.

use std::process::Command;

use domain::service_tokens;
use reqwest::Method;
use serde_json::json;

use crate::support::{Options, TestApp, backends, spawn_app_with};

const MONITORING: &str = "monitoring-secret-token";
const ROTATED: &str = "monitoring-next-token";

async fn metrics(app: &TestApp, token: Option<&str>) -> (u16, String) {
    let mut request = app.client.get(app.url("/metrics"));
    if let Some(token) = token {
        request = request.header("x-service-token", token);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn code(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body).unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn hauler(database_url: &str, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_hauler"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn monitoring_reads_metrics_with_its_token_and_nobody_else_does() {
    let hashes = format!(
        "{},{}",
        service_tokens::hash(MONITORING),
        service_tokens::hash(ROTATED)
    );
    let app = spawn_app_with(
        "machines_metrics",
        backends()[0],
        Options {
            extra_vars: vec![("SERVICE_TOKEN_MONITORING_HASH", hashes)],
        },
    )
    .await;
    // Something worth counting: a refused sign-in.
    app.call(
        Method::POST,
        "/api/v1/auth/telegram",
        Some(json!({"init_data": "x=1"})),
    )
    .await;

    let (status, body) = metrics(&app, None).await;
    assert_eq!(
        (status, code(&body).as_str()),
        (403, "service_token_required")
    );
    let (status, body) = metrics(&app, Some("a-guess")).await;
    assert_eq!(
        (status, code(&body).as_str()),
        (403, "service_token_invalid")
    );

    let (status, body) = metrics(&app, Some(MONITORING)).await;
    assert_eq!(status, 200);
    assert!(body.contains("auth_init_data_refused_total"), "{body}");
    // During a rotation the old and the new token both work.
    assert_eq!(metrics(&app, Some(ROTATED)).await.0, 200);
}

#[tokio::test]
async fn an_operator_makes_lists_and_revokes_a_token_from_the_command_line() {
    for backend in backends() {
        let app = spawn_app_with(
            "machines_command_line",
            backend,
            Options { extra_vars: vec![] },
        )
        .await;
        let created = hauler(&app.database_url, &["service-token", "create", "bot"]);
        let token = created
            .lines()
            .find_map(|line| line.strip_prefix("token: "))
            .expect("the token is printed once")
            .to_owned();
        let id = created
            .lines()
            .find_map(|line| line.strip_prefix("id: "))
            .unwrap()
            .to_owned();
        assert!(!hauler(&app.database_url, &["service-token", "list"]).contains(&token));

        assert_eq!(metrics(&app, Some(&token)).await.0, 200, "{backend:?}");
        let listed = hauler(&app.database_url, &["service-token", "list"]);
        assert!(listed.contains("\tbot\tlive\tlast used 20"), "{listed}");

        assert!(hauler(&app.database_url, &["service-token", "revoke", &id]).contains("revoked"));
        let (status, body) = metrics(&app, Some(&token)).await;
        assert_eq!(
            (status, code(&body).as_str()),
            (403, "service_token_invalid")
        );
    }
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = spawn_app_with(
        "machines_expired",
        backends()[0],
        Options { extra_vars: vec![] },
    )
    .await;
    let db = app.database().await;
    let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
    let (token, _) = service_tokens::create(&db, "monitoring", Some(yesterday), "test")
        .await
        .unwrap();
    let (status, body) = metrics(&app, Some(&token)).await;
    assert_eq!(
        (status, code(&body).as_str()),
        (403, "service_token_invalid")
    );
}
