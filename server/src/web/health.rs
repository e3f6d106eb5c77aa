//! `/healthz`: the process is alive. `/readyz`: each dependency by name with its state. A down
//! database makes the service unavailable (503); a down Redis or exchange only degrades it. The
//! exchange's state is the CargoTech connection's, as its login and health checks left it.
//! `sealing` says whether the exchange's token sealed by another instance opens here: `mismatch`
//! (degraded) when the instances were given different `ENCRYPTION_KEY`s.
//! Once the instance begins to stop, `/readyz` answers `503 draining` at once, without checking
//! anything, so balancers send new requests elsewhere while the listener still takes them.

use std::{sync::Arc, time::Duration};

use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use domain::{database, store::StoreHealth};

use super::AppState;
use crate::cargotech::{Gateway, LinkState, service_state};

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
    sealing: Check,
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
    State((state, gateway, draining)): State<(AppState, Arc<Gateway>, CancellationToken)>,
) -> (StatusCode, Json<serde_json::Value>) {
    if draining.is_cancelled() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "draining" })),
        );
    }
    let (database, store, cargotech) = tokio::join!(
        check_database(&state),
        check_store(&state),
        check_cargotech(&gateway)
    );

    let sealing = check_sealing(&gateway);
    let status = if database.state != "up" {
        "unavailable"
    } else if store.state == "degraded" || cargotech.state != "up" || sealing.state != "up" {
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
            sealing,
        },
    };
    (code, Json(serde_json::to_value(body).unwrap_or_default()))
}

async fn check_database(state: &AppState) -> Check {
    let backend = Some(database::backend_name(&state.platform.db));
    match tokio::time::timeout(CHECK_TIMEOUT, state.platform.db.ping()).await {
        Ok(Ok(())) => Check::new("up", backend, None),
        Ok(Err(error)) => Check::new("down", backend, Some(error.to_string())),
        Err(_) => Check::new("down", backend, Some("no answer within 2 s".into())),
    }
}

async fn check_store(state: &AppState) -> Check {
    let backend = Some(state.platform.store.backend());
    match tokio::time::timeout(CHECK_TIMEOUT, state.platform.store.check()).await {
        Ok(StoreHealth::InProcess | StoreHealth::Up) => Check::new("up", backend, None),
        Ok(StoreHealth::Degraded { reason }) => Check::new(
            "degraded",
            backend,
            Some(format!("serving from the in-process fallback: {reason}")),
        ),
        Err(_) => Check::new("degraded", backend, Some("no answer within 2 s".into())),
    }
}

/// Up while any account is connected; the accounts that are not are named in the detail.
async fn check_cargotech(gateway: &Gateway) -> Check {
    let reports = gateway.connection_reports();
    let several = reports.len() > 1;
    let troubles: Vec<String> = reports
        .iter()
        .filter(|report| report.state != LinkState::Connected)
        .map(|report| {
            let state = serde_json::to_value(report.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned));
            let account = several.then(|| format!("account {}", report.account));
            [account, state, report.last_error.clone()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(": ")
        })
        .collect();
    let detail = (!troubles.is_empty()).then(|| troubles.join("; "));
    let state = match service_state(&reports) {
        LinkState::Connected => "up",
        LinkState::NotConnected | LinkState::LoggingIn => "connecting",
        _ => "down",
    };
    Check::new(state, None, detail)
}

/// `mismatch` while any account has met a token sealed elsewhere that does not open here.
fn check_sealing(gateway: &Gateway) -> Check {
    let problems: Vec<String> = gateway
        .connection_reports()
        .into_iter()
        .filter_map(|report| report.key_mismatch)
        .collect();
    if problems.is_empty() {
        Check::new("up", None, None)
    } else {
        Check::new("mismatch", None, Some(problems.join("; ")))
    }
}
