//! Requests by route: how many, with which status class, how long until the answer's head, and
//! how many are in flight. Routes are their templates (`/api/v1/cargos/{id}`), never raw paths,
//! so the number of series stays that of the router's routes; a request no route matched (static
//! files, unknown paths) counts as `unmatched`. A route's figures are found by one read lock and
//! kept in atomics: counting a request allocates nothing once its route was seen.

use std::{
    collections::HashMap,
    sync::{
        Arc, RwLock,
        atomic::{AtomicI64, AtomicU64, Ordering},
    },
    time::Duration,
};

use axum::http::Method;

use super::{Exposition, families, histogram::Histogram, histogram::LATENCY};

/// The methods counted apart; any other counts as `other`.
const METHODS: [&str; 6] = ["GET", "POST", "PUT", "PATCH", "DELETE", "other"];
const STATUS_CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];
const UNMATCHED: &str = "unmatched";

pub struct RequestMetrics {
    routes: RwLock<HashMap<Box<str>, Arc<RouteFigures>>>,
    unmatched: Arc<RouteFigures>,
    in_flight: Arc<AtomicI64>,
}

/// One route's figures, per method.
pub struct RouteFigures {
    methods: [MethodFigures; METHODS.len()],
}

struct MethodFigures {
    by_status: [AtomicU64; STATUS_CLASSES.len()],
    latency: Histogram,
}

/// A request in flight; dropping it (answered, or abandoned by its client) counts it out.
pub struct InFlight(Arc<AtomicI64>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Default for RequestMetrics {
    fn default() -> Self {
        Self {
            routes: RwLock::default(),
            unmatched: Arc::new(RouteFigures::new()),
            in_flight: Arc::default(),
        }
    }
}

impl RequestMetrics {
    /// The figures of the route with this template (`None`: no route matched).
    pub fn route(&self, template: Option<&str>) -> Arc<RouteFigures> {
        let Some(template) = template else {
            return Arc::clone(&self.unmatched);
        };
        if let Some(figures) = self
            .routes
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(template)
        {
            return Arc::clone(figures);
        }
        let mut routes = self.routes.write().unwrap_or_else(|p| p.into_inner());
        Arc::clone(
            routes
                .entry(template.into())
                .or_insert_with(|| Arc::new(RouteFigures::new())),
        )
    }

    pub fn started(&self) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(Arc::clone(&self.in_flight))
    }

    pub fn write(&self, out: &mut Exposition) {
        let routes = self.routes.read().unwrap_or_else(|p| p.into_inner());
        let mut all: Vec<(&str, &RouteFigures)> = routes
            .iter()
            .map(|(template, figures)| (&**template, &**figures))
            .collect();
        all.sort_by_key(|(template, _)| *template);
        all.push((UNMATCHED, &*self.unmatched));

        out.family(&families::HTTP_REQUESTS);
        for &(route, figures) in &all {
            for (&method, one) in METHODS.iter().zip(&figures.methods) {
                for (&status, count) in STATUS_CLASSES.iter().zip(&one.by_status) {
                    let count = count.load(Ordering::Relaxed);
                    if count > 0 {
                        out.sample(
                            &families::HTTP_REQUESTS,
                            &[("method", method), ("route", route), ("status", status)],
                            count,
                        );
                    }
                }
            }
        }
        out.family(&families::HTTP_REQUEST_DURATION);
        for &(route, figures) in &all {
            for (&method, one) in METHODS.iter().zip(&figures.methods) {
                if one.latency.count() > 0 {
                    out.histogram(
                        &families::HTTP_REQUEST_DURATION,
                        &[("method", method), ("route", route)],
                        &one.latency,
                    );
                }
            }
        }
        out.family(&families::HTTP_IN_FLIGHT);
        out.sample(
            &families::HTTP_IN_FLIGHT,
            &[],
            self.in_flight.load(Ordering::Relaxed),
        );
    }
}

impl RouteFigures {
    fn new() -> Self {
        Self {
            methods: std::array::from_fn(|_| MethodFigures {
                by_status: Default::default(),
                latency: Histogram::new(LATENCY),
            }),
        }
    }

    /// One answered request: its method, its status and how long its answer's head took.
    pub fn record(&self, method: &Method, status: u16, elapsed: Duration) {
        let figures = &self.methods[method_index(method)];
        let class = usize::from(status / 100).clamp(1, STATUS_CLASSES.len()) - 1;
        figures.by_status[class].fetch_add(1, Ordering::Relaxed);
        figures.latency.observe(elapsed);
    }
}

fn method_index(method: &Method) -> usize {
    match *method {
        Method::GET => 0,
        Method::POST => 1,
        Method::PUT => 2,
        Method::PATCH => 3,
        Method::DELETE => 4,
        _ => 5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_count_by_route_template_method_and_status_class() {
        let metrics = RequestMetrics::default();
        let cards = metrics.route(Some("/api/v1/cargos/{id}"));
        cards.record(&Method::GET, 200, Duration::from_millis(3));
        metrics.route(Some("/api/v1/cargos/{id}")).record(
            &Method::GET,
            404,
            Duration::from_millis(2),
        );
        metrics
            .route(None)
            .record(&Method::HEAD, 200, Duration::from_millis(1));
        let in_flight = metrics.started();

        let mut out = Exposition::new(String::new());
        metrics.write(&mut out);
        let text = out.finish();
        for line in [
            r#"hauler_http_requests_total{method="GET",route="/api/v1/cargos/{id}",status="2xx"} 1"#,
            r#"hauler_http_requests_total{method="GET",route="/api/v1/cargos/{id}",status="4xx"} 1"#,
            r#"hauler_http_requests_total{method="other",route="unmatched",status="2xx"} 1"#,
            r#"hauler_http_request_duration_seconds_bucket{method="GET",route="/api/v1/cargos/{id}",le="0.005"} 2"#,
            r#"hauler_http_request_duration_seconds_count{method="GET",route="/api/v1/cargos/{id}"} 2"#,
            "hauler_http_requests_in_flight 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        drop(in_flight);
        let mut out = Exposition::new(String::new());
        metrics.write(&mut out);
        assert!(out.finish().contains("hauler_http_requests_in_flight 0"));
    }
}
