//! `/healthz`: the process is alive. `/readyz`: each dependency by name with its state. A down
//! database makes the service unavailable (503); a down Redis or exchange only degrades it.

use std::time::Duration;

use app::platform::{AppState, database, store::StoreHealth};
use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;
use serde_json::json;

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn alive() -> Json<serde_json::Value> {
    Json(json!({ "status": "alive" }))
}

#[derive(Serialize)]
struct Readiness {
    status: &'static str,
    checks: Checks,
}

#[derive(Serialize)]
struct Checks {
    database: Check,
    store: Check,
    cargotech: Check,
}

#[derive(Serialize)]
struct Check {
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    backend: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

impl Check {
    fn new(state: &'static str, backend: Option<&'static str>, detail: Option<String>) -> Self {
        Self {
            state,
            backend,
            detail,
        }
    }
}

pub async fn ready(
    State((state, upstream)): State<(AppState, UpstreamProbe)>,
) -> (StatusCode, Json<serde_json::Value>) {
    let (database, store, cargotech) = tokio::join!(
        check_database(&state),
        check_store(&state),
        upstream.check()
    );

    let status = if database.state != "up" {
        "unavailable"
    } else if store.state == "degraded" || cargotech.state != "up" {
        "degraded"
    } else {
        "ready"
    };
    let code = if status == "unavailable" {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let body = Readiness {
        status,
        checks: Checks {
            database,
            store,
            cargotech,
        },
    };
    (code, Json(serde_json::to_value(body).unwrap_or_default()))
}

async fn check_database(state: &AppState) -> Check {
    let backend = Some(database::backend_name(&state.db));
    match tokio::time::timeout(CHECK_TIMEOUT, state.db.ping()).await {
        Ok(Ok(())) => Check::new("up", backend, None),
        Ok(Err(error)) => Check::new("down", backend, Some(error.to_string())),
        Err(_) => Check::new("down", backend, Some("no answer within 2 s".into())),
    }
}

async fn check_store(state: &AppState) -> Check {
    let backend = Some(state.store.backend());
    match tokio::time::timeout(CHECK_TIMEOUT, state.store.check()).await {
        Ok(StoreHealth::InProcess | StoreHealth::Up) => Check::new("up", backend, None),
        Ok(StoreHealth::Degraded { reason }) => Check::new(
            "degraded",
            backend,
            Some(format!("serving from the in-process fallback: {reason}")),
        ),
        Err(_) => Check::new("degraded", backend, Some("no answer within 2 s".into())),
    }
}

/// Whether the exchange answers HTTP at all. Logging in and the token's health belong to the
/// CargoTech gateway; this only tells an operator that the network path is open.
#[derive(Clone)]
pub struct UpstreamProbe {
    client: reqwest::Client,
    url: String,
}

impl UpstreamProbe {
    pub fn new(base_url: String) -> Self {
        let client = reqwest::Client::builder()
            .timeout(CHECK_TIMEOUT)
            .connect_timeout(CHECK_TIMEOUT)
            .build()
            .unwrap_or_default();
        Self {
            client,
            url: format!("{base_url}/v1/me"),
        }
    }

    async fn check(&self) -> Check {
        match self
            .client
            .get(&self.url)
            .header("accept", "application/json")
            .send()
            .await
        {
            // 401 without a token is the expected answer of a healthy exchange.
            Ok(response) if response.status().is_server_error() => Check::new(
                "down",
                None,
                Some(format!("the exchange answered {}", response.status())),
            ),
            Ok(response) if response.status() == reqwest::StatusCode::NOT_FOUND => Check::new(
                "down",
                None,
                Some("the exchange's base URL answers 404".into()),
            ),
            Ok(_) => Check::new("up", None, None),
            Err(error) if error.is_timeout() => {
                Check::new("down", None, Some("no answer within 2 s".into()))
            }
            Err(_) => Check::new("down", None, Some("the exchange cannot be reached".into())),
        }
    }
}
