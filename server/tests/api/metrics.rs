//! What monitoring reads at `/metrics` after a driver's ordinary day: lists, a card, a payment,
//! a response the bot tells them about, a live feed held open. Every metric the Grafana
//! dashboard (`ops/grafana/hauler.json`) queries must be there, each with a value that fits
//! what happened.

use std::collections::BTreeMap;

use domain::service_tokens;
use reqwest::Method;
use serde_json::json;

use crate::{
    subscriptions::{pay_on_checkout_page, settled, start_buying},
    support::{TestApp, app_with_exchange, backends},
};

/// The token monitoring reads `/metrics` with (its hash is the server's
/// `SERVICE_TOKEN_MONITORING_HASH`).
pub(crate) const MONITORING: &str = "monitoring-reads-the-dashboard";
const NINA: i64 = 700_123;

/// One line of the page: a metric's name, its labels and its value.
#[derive(Debug)]
pub(crate) struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

fn parse(text: &str) -> Vec<Sample> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("a value after the series");
            let (name, labels) = match series.split_once('{') {
                Some((name, labels)) => (name, labels.trim_end_matches('}')),
                None => (series, ""),
            };
            let labels = labels
                .split("\",")
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (label, value) = pair.split_once('=').expect("label=value");
                    (label.to_owned(), value.trim_matches('"').to_owned())
                })
                .collect();
            Sample {
                name: name.to_owned(),
                labels,
                value: value
                    .parse()
                    .unwrap_or_else(|_| panic!("a number in {line}")),
            }
        })
        .collect()
}

/// The samples with this name and these labels (among others).
fn matching<'a>(
    samples: &'a [Sample],
    name: &'a str,
    labels: &'a [(&str, &str)],
) -> impl Iterator<Item = &'a Sample> {
    samples.iter().filter(move |s| {
        s.name == name
            && labels
                .iter()
                .all(|(l, v)| s.labels.get(*l).map(String::as_str) == Some(*v))
    })
}

/// The value of the one sample with this name and these labels (among others).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let found: Vec<&Sample> = matching(samples, name, labels).collect();
    assert_eq!(found.len(), 1, "one {name}{labels:?} in {found:?}");
    found[0].value
}

/// What the samples with this name and these labels add up to: 0 for a labelled counter nothing
/// has counted yet (it is not on the page).
pub(crate) fn counted(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    matching(samples, name, labels).map(|s| s.value).sum()
}

/// `/metrics` as monitoring reads it, line by line.
pub(crate) async fn scrape(app: &TestApp) -> Vec<Sample> {
    let response = app
        .client
        .get(app.url("/metrics"))
        .header("x-service-token", MONITORING)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    parse(&response.text().await.unwrap())
}

#[tokio::test]
async fn after_a_drivers_day_every_metric_the_dashboard_reads_is_there_with_a_sensible_value() {
    let dashboard = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ops/grafana/hauler.json"),
    )
    .expect("the dashboard is in the repository");
    let queried = server::telemetry::metrics::dashboard::queried_metrics(&dashboard)
        .expect("the dashboard is JSON");
    for backend in backends() {
        let token_hash = service_tokens::hash(MONITORING);
        let (_exchange, mut app) = app_with_exchange(
            "metrics_day",
            backend,
            &[("SERVICE_TOKEN_MONITORING_HASH", &token_hash)],
        )
        .await;
        app.sign_in_without_access(
            json!({"id": NINA, "first_name": "Нина", "language_code": "ru"}),
        )
        .await;

        let payment = start_buying(&app, 30, None).await;
        pay_on_checkout_page(&app, &payment).await;
        assert_eq!(settled(&app, &payment["id"]).await["status"], "succeeded");

        let (status, page) = app.call(Method::GET, "/api/v1/cargos?limit=20", None).await;
        assert_eq!(status, 200, "{page}");
        let (status, _) = app.call(Method::GET, "/api/v1/cargos?limit=20", None).await;
        assert_eq!(status, 200, "the same list again, from the cache");
        let id = page["cards"][10]["id"]
            .as_u64()
            .expect("a card on the page");
        let (status, card) = app
            .call(Method::GET, &format!("/api/v1/cargos/{id}"), None)
            .await;
        assert_eq!(status, 200, "{card}");
        let (status, response) = app
            .call(Method::POST, &format!("/api/v1/cargos/{id}/response"), None)
            .await;
        assert_eq!(status, 201, "{response}");
        wait_for_messages(&app, 2).await;
        let token = app.bearer.clone().unwrap();
        let live = app
            .client
            .get(app.url(&format!("/api/v1/live?access_token={token}")))
            .send()
            .await
            .unwrap();
        assert_eq!(live.status(), 200);

        let samples = scrape(&app).await;
        for name in &queried {
            assert!(
                samples.iter().any(|s| &s.name == name),
                "{backend:?}: the dashboard reads {name}, which /metrics does not show"
            );
        }

        let lists = [("method", "GET"), ("route", "/api/v1/cargos")];
        let answered = value(
            &samples,
            "hauler_http_requests_total",
            &[lists[0], lists[1], ("status", "2xx")],
        );
        assert!(answered >= 2.0, "{answered}");
        assert_eq!(
            value(
                &samples,
                "hauler_http_request_duration_seconds_count",
                &lists
            ),
            answered,
            "every counted list request was timed"
        );
        assert_eq!(
            value(
                &samples,
                "hauler_http_request_duration_seconds_bucket",
                &[lists[0], lists[1], ("le", "+Inf")]
            ),
            answered
        );
        assert_eq!(
            value(
                &samples,
                "hauler_http_requests_total",
                &[
                    ("method", "GET"),
                    ("route", "/api/v1/cargos/{id}"),
                    ("status", "2xx")
                ]
            ),
            1.0,
            "the card counts under its route's template, not its path"
        );
        assert!(
            !samples.iter().any(|s| s
                .labels
                .get("route")
                .is_some_and(|r| r.contains(&id.to_string()))),
            "no raw path is a label"
        );
        assert!(value(&samples, "hauler_http_requests_in_flight", &[]) >= 1.0);

        let main = ("account", "main");
        for kind in ["login", "list", "detail"] {
            let calls = value(
                &samples,
                "hauler_upstream_calls_total",
                &[main, ("kind", kind), ("outcome", "ok")],
            );
            assert!(calls >= 1.0, "{kind}: {calls}");
        }
        let limit = value(&samples, "hauler_upstream_budget_per_minute", &[main]);
        let used = value(&samples, "hauler_upstream_budget_used", &[main]);
        assert!(
            limit > 0.0 && used >= 3.0 && used <= limit,
            "{used} of {limit}"
        );
        assert_eq!(
            value(&samples, "hauler_upstream_budget_waiting", &[main]),
            0.0
        );
        assert_eq!(
            value(&samples, "hauler_upstream_budget_paused_seconds", &[main]),
            0.0
        );
        assert!(
            value(
                &samples,
                "hauler_upstream_budget_slots_total",
                &[main, ("priority", "list"), ("result", "granted")]
            ) >= 1.0
        );
        assert_eq!(
            value(
                &samples,
                "hauler_upstream_breaker_state",
                &[("state", "closed")]
            ),
            1.0
        );
        assert_eq!(
            value(
                &samples,
                "hauler_upstream_breaker_state",
                &[("state", "open")]
            ),
            0.0
        );

        let list = ("cache", "list");
        assert!(
            value(
                &samples,
                "hauler_cache_lookups_total",
                &[list, ("result", "miss")]
            ) >= 1.0
        );
        assert!(
            value(
                &samples,
                "hauler_cache_lookups_total",
                &[list, ("result", "hit")]
            ) >= 1.0
        );
        assert!(
            value(
                &samples,
                "hauler_cache_lookups_total",
                &[("cache", "detail"), ("result", "miss")]
            ) >= 1.0
        );
        assert_eq!(
            value(&samples, "hauler_cache_stale_served_total", &[list]),
            0.0
        );
        assert!(value(&samples, "hauler_cache_coalesced_total", &[list]) >= 0.0);

        assert!(value(&samples, "hauler_card_queue_wait_seconds_count", &[]) >= 1.0);
        assert_eq!(
            value(&samples, "hauler_card_queue_length", &[("lane", "driver")]),
            0.0,
            "the card came: nobody waits"
        );
        assert_eq!(value(&samples, "hauler_card_queue_outside_total", &[]), 0.0);
        assert_eq!(value(&samples, "hauler_card_queue_expired_total", &[]), 0.0);

        assert_eq!(value(&samples, "hauler_live_connections", &[]), 1.0);
        assert_eq!(
            value(
                &samples,
                "hauler_payments",
                &[("provider", "yookassa"), ("state", "succeeded")]
            ),
            1.0
        );
        assert_eq!(
            value(
                &samples,
                "hauler_payments_pending_over_hour",
                &[("provider", "yookassa")]
            ),
            0.0
        );
        let pending = value(&samples, "hauler_outbox_pending", &[]);
        let due = value(&samples, "hauler_outbox_due", &[]);
        assert!(due <= pending, "{due} of {pending}");
        assert!(value(&samples, "hauler_outbox_lag_seconds", &[]) >= 0.0);
        assert!(value(&samples, "bot_messages_sent_total", &[]) >= 2.0);

        drop(live);
    }
}

/// Waits (five seconds at most) until the bot has told the driver `count` things: the payment
/// and the response.
async fn wait_for_messages(app: &TestApp, count: usize) {
    let path = format!("/sandbox/telegram/__sandbox/messages?chat_id={NINA}");
    for _ in 0..50 {
        let (_, messages) = app.call(Method::GET, &path, None).await;
        if messages.as_array().map_or(0, Vec::len) >= count {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the bot said fewer than {count} things");
}
