//! Metrics in Prometheus's text format, read at `/metrics` with a service token. Two kinds of
//! family make the page (the list with each one's meaning is [`families`]): the instance's own
//! state read at each scrape (requests by route, the exchange's calls, budget, cache, breaker,
//! card queue, live feeds, the outbox and payments), and counters the `metrics` recorder keeps
//! as things happen. Recording stays cheap on the hot path: atomics, no lock held across an
//! await, nothing allocated for a request whose route was seen before.

pub mod dashboard;
pub mod families;
mod histogram;
mod requests;

use std::fmt::{Display, Write};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

pub use families::Family;
pub use histogram::{Histogram, LATENCY, WAIT};
pub use requests::{InFlight, RequestMetrics, RouteFigures};

/// Installs the process-wide metrics recorder once; later calls (tests start many apps) reuse
/// it. The recorded families are described, and those without labels exported as 0 from the
/// start, so a dashboard finds every one before anything happened.
pub fn install_recorder() -> PrometheusHandle {
    static HANDLE: std::sync::OnceLock<PrometheusHandle> = std::sync::OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder (a test harness's) may already be installed: then ours only renders.
            let _ = metrics::set_global_recorder(recorder);
            for family in families::ALL {
                let families::Source::Recorder { labelled } = family.source else {
                    continue;
                };
                if family.kind == families::Kind::Counter {
                    metrics::describe_counter!(family.name, family.help);
                    if !labelled {
                        metrics::counter!(family.name).increment(0);
                    }
                } else {
                    metrics::describe_histogram!(family.name, family.help);
                }
            }
            handle
        })
        .clone()
}

/// The page `/metrics` answers with, written family by family after what the recorder holds.
pub struct Exposition {
    text: String,
}

impl Exposition {
    pub fn new(recorded: String) -> Self {
        let mut text = recorded;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        Self { text }
    }

    /// Begins a family: its help and type lines. Its samples follow.
    pub fn family(&mut self, family: &Family) -> &mut Self {
        let _ = writeln!(self.text, "# HELP {} {}", family.name, family.help);
        let _ = writeln!(self.text, "# TYPE {} {}", family.name, family.kind.as_str());
        self
    }

    pub fn sample(&mut self, family: &Family, labels: &[(&str, &str)], value: impl Display) {
        self.line(family.name, "", labels, None, value);
    }

    pub fn histogram(&mut self, family: &Family, labels: &[(&str, &str)], histogram: &Histogram) {
        let (buckets, sum, count) = histogram.cumulative();
        for (bound, cumulative) in buckets {
            let le = bound.map_or_else(|| "+Inf".to_owned(), |bound| bound.to_string());
            self.line(family.name, "_bucket", labels, Some(&le), cumulative);
        }
        self.line(family.name, "_sum", labels, None, sum);
        self.line(family.name, "_count", labels, None, count);
    }

    pub fn finish(self) -> String {
        self.text
    }

    fn line(
        &mut self,
        name: &str,
        suffix: &str,
        labels: &[(&str, &str)],
        le: Option<&str>,
        value: impl Display,
    ) {
        let text = &mut self.text;
        text.push_str(name);
        text.push_str(suffix);
        let all = labels.iter().copied().chain(le.map(|le| ("le", le)));
        for (n, (label, value)) in all.enumerate() {
            text.push(if n == 0 { '{' } else { ',' });
            let _ = write!(text, "{label}=\"");
            for c in value.chars() {
                match c {
                    '\\' => text.push_str("\\\\"),
                    '"' => text.push_str("\\\""),
                    '\n' => text.push_str("\\n"),
                    c => text.push(c),
                }
            }
            text.push('"');
        }
        if !labels.is_empty() || le.is_some() {
            text.push('}');
        }
        let _ = writeln!(text, " {value}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_and_a_histogram_ends_with_its_sum_and_count() {
        let mut out = Exposition::new("recorded_total 3".into());
        out.family(&families::LIVE_CONNECTIONS)
            .sample(&families::LIVE_CONNECTIONS, &[], 2);
        out.sample(
            &families::PAYMENTS,
            &[("provider", "odd\"name\\"), ("state", "pending")],
            1,
        );
        let histogram = Histogram::new(&[1.0]);
        histogram.observe(std::time::Duration::from_millis(250));
        out.histogram(&families::CARD_QUEUE_WAIT, &[], &histogram);
        assert_eq!(
            out.finish(),
            "recorded_total 3\n\
             # HELP hauler_live_connections Live feeds (/api/v1/live) open on this instance.\n\
             # TYPE hauler_live_connections gauge\n\
             hauler_live_connections 2\n\
             hauler_payments{provider=\"odd\\\"name\\\\\",state=\"pending\"} 1\n\
             hauler_card_queue_wait_seconds_bucket{le=\"1\"} 1\n\
             hauler_card_queue_wait_seconds_bucket{le=\"+Inf\"} 1\n\
             hauler_card_queue_wait_seconds_sum 0.25\n\
             hauler_card_queue_wait_seconds_count 1\n"
        );
    }

    /// Every name the code counts through the `metrics` recorder (the server's and the domain's)
    /// is in the catalogue, so the README and the dashboard check know it.
    #[test]
    fn every_recorded_metric_is_in_the_catalogue() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![crates.join("src"), crates.join("../domain/src")];
        let mut names = Vec::new();
        while let Some(path) = files.pop() {
            if path.is_dir() {
                files.extend(
                    std::fs::read_dir(&path)
                        .expect("the source folder reads")
                        .map(|entry| entry.expect("an entry").path()),
                );
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for macro_call in ["counter!(\"", "histogram!(\"", "gauge!(\""] {
                for (_, rest) in text.match_indices(macro_call).map(|(at, _)| {
                    let rest = &text[at + macro_call.len()..];
                    (at, rest)
                }) {
                    if let Some(end) = rest.find('"') {
                        names.push((rest[..end].to_owned(), path.display().to_string()));
                    }
                }
            }
        }
        assert!(names.len() > 10, "the source was searched: {names:?}");
        for (name, file) in names {
            assert!(
                families::ALL.iter().any(|family| family.name == name),
                "{name} (counted in {file}) is missing from telemetry/metrics/families.rs"
            );
        }
    }
}
