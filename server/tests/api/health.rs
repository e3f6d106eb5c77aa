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
