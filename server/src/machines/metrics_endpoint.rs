//! `/metrics` in Prometheus's text format, for monitoring with a service token.

use axum::{Router, extract::State, routing::get};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::{ServiceClient, ServiceTokens};

/// Installs the process-wide recorder once; later calls (tests start many apps) reuse it.
pub fn install_recorder() -> PrometheusHandle {
    static HANDLE: std::sync::OnceLock<PrometheusHandle> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder (a test harness's) may already be installed: then ours only renders.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

#[derive(Clone, axum::extract::FromRef)]
struct MetricsState {
    handle: PrometheusHandle,
    tokens: ServiceTokens,
}

pub fn routes(handle: PrometheusHandle, tokens: ServiceTokens) -> Router {
    Router::new()
        .route("/metrics", get(render))
        .with_state(MetricsState { handle, tokens })
}

async fn render(State(handle): State<PrometheusHandle>, client: ServiceClient) -> String {
    tracing::debug!(client = client.name, "metrics were read");
    handle.render()
}
