use serde_json::Value;

use crate::support::{Db, Options, Store, backends, spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_says_the_process_is_alive() {
    for backend in backends() {
        let app = spawn_app("healthz", backend).await;
        let response = app.get("/healthz").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.json::<Value>().await.unwrap()["status"], "alive");
    }
}

#[tokio::test]
async fn readyz_reports_each_dependency_by_name() {
    for backend in backends() {
        let app = spawn_app("readyz_by_name", backend).await;
        let response = app.get("/readyz").await;
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        let checks = &body["checks"];
        assert_eq!(checks["database"]["state"], "up", "{body}");
        let expected_db = if backend.0 == Db::Postgres {
            "PostgreSQL"
        } else {
            "SQLite"
        };
        assert_eq!(checks["database"]["backend"], expected_db);
        assert_eq!(checks["store"]["state"], "up", "{body}");
        let expected_store = if backend.1 == Store::Redis {
            "Redis"
        } else {
            "in-process"
        };
        assert_eq!(checks["store"]["backend"], expected_store);
        assert!(checks["cargotech"]["state"].is_string(), "{body}");
    }
}

#[tokio::test]
async fn an_unreachable_exchange_degrades_readiness_without_failing_it() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    // The listener is dropped here, so nothing answers on that port.
    let app = spawn_app_with(
        "readyz_exchange_down",
        (Db::Sqlite, Store::InProcess),
        Options {
            extra_vars: vec![("CARGOTECH_BASE_URL", format!("http://{closed}"))],
        },
    )
    .await;
    // The first login fails at once; readiness reports it.
    let mut body = Value::Null;
    for _ in 0..50 {
        let response = app.get("/readyz").await;
        assert_eq!(response.status(), 200);
        body = response.json().await.unwrap();
        if body["checks"]["cargotech"]["state"] == "down" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["checks"]["cargotech"]["state"], "down", "{body}");
    assert_eq!(body["checks"]["database"]["state"], "up");
}

/// Two instances on one database given different encryption keys (here each sandbox's own key,
/// kept in its data folder): the second cannot open the exchange token the first sealed, and
/// says so in `/readyz` rather than only logging in again.
#[tokio::test]
async fn an_instance_whose_key_cannot_open_the_shared_token_says_so_in_readyz() {
    let shared = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}/hauler.sqlite?mode=rwc",
        shared.path().display()
    );
    let instance = |name: &'static str| {
        spawn_app_with(
            name,
            (Db::Sqlite, Store::InProcess),
            Options {
                extra_vars: vec![("DATABASE_URL", url.clone())],
            },
        )
    };
    let first = instance("key_mismatch_first").await;
    let mut body = readiness(&first).await;
    for _ in 0..100 {
        if body["checks"]["cargotech"]["state"] == "up" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        body = readiness(&first).await;
    }
    assert_eq!(body["checks"]["cargotech"]["state"], "up", "{body}");
    assert_eq!(body["checks"]["sealing"]["state"], "up", "{body}");

    let second = instance("key_mismatch_second").await;
    let mut body = readiness(&second).await;
    for _ in 0..100 {
        if body["checks"]["sealing"]["state"] == "mismatch" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        body = readiness(&second).await;
    }
    assert_eq!(body["checks"]["sealing"]["state"], "mismatch", "{body}");
    assert_eq!(body["status"], "degraded", "{body}");
    let detail = body["checks"]["sealing"]["detail"]
        .as_str()
        .unwrap_or_default();
    assert!(detail.contains("ENCRYPTION_KEY"), "{detail}");
}

async fn readiness(app: &crate::support::TestApp) -> Value {
    app.get("/readyz").await.json().await.unwrap()
}
