//! `/metrics` in Prometheus's text format, for monitoring with a service token.

use axum::{Router, extract::State, routing::get};
use metrics_exporter_prometheus::PrometheusHandle;

use crate::{machines::ServiceTokens, web::extract::ServiceClient};

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
