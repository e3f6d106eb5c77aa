//! `/metrics` in Prometheus's text format, for monitoring with a service token, and the layer
//! that counts every request by its route's template. The families and what each means are in
//! `telemetry::metrics::families`.

use std::{
    pin::Pin,
    sync::Arc,
    task::{Context, Poll, ready},
    time::Instant,
};

use axum::{
    Router,
    body::Body,
    extract::{MatchedPath, State},
    http::{Method, Request, header},
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::Utc;
use domain::{outbox, payments};
use metrics_exporter_prometheus::PrometheusHandle;
use sea_orm::DatabaseConnection;

use crate::{
    cargotech::Gateway,
    doors::LiveConnections,
    machines::ServiceTokens,
    telemetry::metrics::{Exposition, InFlight, RequestMetrics, RouteFigures, families as f},
    web::extract::ServiceClient,
};

/// What the page is made of: the recorder's counters and this instance's state.
#[derive(Clone, axum::extract::FromRef)]
pub struct MetricsState {
    pub handle: PrometheusHandle,
    pub tokens: ServiceTokens,
    pub requests: Arc<RequestMetrics>,
    pub gateway: Arc<Gateway>,
    pub live: LiveConnections,
    pub db: DatabaseConnection,
}

pub fn routes(state: MetricsState) -> Router {
    Router::new()
        .route("/metrics", get(render))
        .with_state(state)
}

async fn render(State(state): State<MetricsState>, client: ServiceClient) -> Response {
    tracing::debug!(client = client.name, "metrics were read");
    let mut out = Exposition::new(state.handle.render());
    state.requests.write(&mut out);
    state.gateway.write_metrics(&mut out).await;
    out.family(&f::LIVE_CONNECTIONS)
        .sample(&f::LIVE_CONNECTIONS, &[], state.live.total());
    write_database_figures(&mut out, &state.db).await;
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out.finish(),
    )
        .into_response()
}

/// The outbox's depth and the payments by provider and state. While the database cannot
/// answer, these families are left out (and the rest of the page still comes).
async fn write_database_figures(out: &mut Exposition, db: &DatabaseConnection) {
    let now = Utc::now();
    match outbox::depth(db, now).await {
        Ok(depth) => {
            let lag = depth.oldest_due_since.map_or(0.0, |since| {
                (now - since).num_milliseconds().max(0) as f64 / 1000.0
            });
            out.family(&f::OUTBOX_PENDING)
                .sample(&f::OUTBOX_PENDING, &[], depth.pending);
            out.family(&f::OUTBOX_DUE)
                .sample(&f::OUTBOX_DUE, &[], depth.due);
            out.family(&f::OUTBOX_LAG).sample(&f::OUTBOX_LAG, &[], lag);
        }
        Err(error) => tracing::warn!(%error, "the outbox's depth could not be read for metrics"),
    }
    match payments::tally(db, now - chrono::Duration::hours(1)).await {
        Ok((by_state, stuck)) => {
            out.family(&f::PAYMENTS);
            for (provider, state, count) in &by_state {
                out.sample(
                    &f::PAYMENTS,
                    &[("provider", provider.as_str()), ("state", state.as_str())],
                    count,
                );
            }
            out.family(&f::PAYMENTS_PENDING_OVER_HOUR);
            for provider in [payments::YOOKASSA, payments::STARS] {
                let count = stuck
                    .iter()
                    .find(|(p, _)| p == provider)
                    .map_or(0, |(_, n)| *n);
                out.sample(
                    &f::PAYMENTS_PENDING_OVER_HOUR,
                    &[("provider", provider)],
                    count,
                );
            }
        }
        Err(error) => tracing::warn!(%error, "payments could not be counted for metrics"),
    }
}

/// Counts every request by its route's template (`Router::layer` runs it after routing, so
/// the template is known), method and status, and times it to its answer's head.
#[derive(Clone)]
pub struct CountRequests(pub Arc<RequestMetrics>);

impl<S> tower::Layer<S> for CountRequests {
    type Service = Counted<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Counted {
            inner,
            metrics: Arc::clone(&self.0),
        }
    }
}

#[derive(Clone)]
pub struct Counted<S> {
    inner: S,
    metrics: Arc<RequestMetrics>,
}

impl<S> tower::Service<Request<Body>> for Counted<S>
where
    S: tower::Service<Request<Body>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Answer<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let route = self.metrics.route(
            request
                .extensions()
                .get::<MatchedPath>()
                .map(MatchedPath::as_str),
        );
        let timing = Timing {
            route,
            method: request.method().clone(),
            started: Instant::now(),
            _in_flight: self.metrics.started(),
        };
        Answer {
            inner: self.inner.call(request),
            timing: Some(timing),
        }
    }
}

struct Timing {
    route: Arc<RouteFigures>,
    method: Method,
    started: Instant,
    /// Counted out when the answer comes or the client gives up.
    _in_flight: InFlight,
}

pin_project_lite::pin_project! {
    /// A request's answer on its way, recorded once it comes.
    pub struct Answer<F> {
        #[pin]
        inner: F,
        timing: Option<Timing>,
    }
}

impl<F, E> Future for Answer<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let outcome = ready!(this.inner.poll(cx));
        if let (Ok(response), Some(timing)) = (&outcome, this.timing.take()) {
            timing.route.record(
                &timing.method,
                response.status().as_u16(),
                timing.started.elapsed(),
            );
        }
        Poll::Ready(outcome)
    }
}
