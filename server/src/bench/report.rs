//! The figures of one run, a table for people and one `bench:` line for scripts.

use std::time::Duration;

use server::sandbox::cargotech::Stats;

use super::drivers::{Kind, Outcome};

pub struct Figures {
    requests: usize,
    failed: usize,
    list: Percentiles,
    detail: Percentiles,
    /// Share of list requests answered without waiting on the exchange (< 100 ms).
    list_without_wait_pct: f64,
    upstream_calls: u64,
    upstream_max_per_min: u64,
    upstream_429: u64,
    cache: Option<(f64, u64)>,
    memory_mb: f64,
}

struct Percentiles {
    p50: f64,
    p95: f64,
    p99: f64,
}

impl Percentiles {
    fn of(mut latencies: Vec<Duration>) -> Self {
        latencies.sort();
        let at = |q: f64| {
            if latencies.is_empty() {
                return 0.0;
            }
            let index = ((latencies.len() as f64 - 1.0) * q).round() as usize;
            latencies[index].as_secs_f64() * 1000.0
        };
        Self {
            p50: at(0.50),
            p95: at(0.95),
            p99: at(0.99),
        }
    }
}

impl Figures {
    /// `upstream` is what the exchange counted; `cache` is Hauler's hit ratio and coalesced calls.
    pub fn new(outcomes: &[Outcome], upstream: &Stats, cache: Option<(f64, u64)>) -> Self {
        let latencies = |kind| {
            outcomes
                .iter()
                .filter(|o| o.kind == kind && o.ok)
                .map(|o| o.latency)
                .collect::<Vec<_>>()
        };
        let lists: Vec<&Outcome> = outcomes.iter().filter(|o| o.kind == Kind::List).collect();
        let fast = lists
            .iter()
            .filter(|o| o.ok && o.latency < Duration::from_millis(100))
            .count();
        Self {
            requests: outcomes.len(),
            failed: outcomes.iter().filter(|o| !o.ok).count(),
            list: Percentiles::of(latencies(Kind::List)),
            detail: Percentiles::of(latencies(Kind::Detail)),
            list_without_wait_pct: 100.0 * fast as f64 / lists.len().max(1) as f64,
            upstream_calls: upstream.requests,
            upstream_max_per_min: upstream.peak_per_minute,
            upstream_429: upstream.throttled,
            cache,
            memory_mb: resident_mb(),
        }
    }

    fn fields(&self, prefix: &str) -> Vec<(String, String)> {
        let mut fields = vec![
            ("driver_requests", self.requests.to_string()),
            ("failed_requests", self.failed.to_string()),
            ("upstream_calls", self.upstream_calls.to_string()),
            (
                "upstream_max_per_min",
                self.upstream_max_per_min.to_string(),
            ),
            ("upstream_429", self.upstream_429.to_string()),
            ("list_p50_ms", format!("{:.1}", self.list.p50)),
            ("list_p95_ms", format!("{:.1}", self.list.p95)),
            ("list_p99_ms", format!("{:.1}", self.list.p99)),
            ("detail_p50_ms", format!("{:.1}", self.detail.p50)),
            ("detail_p95_ms", format!("{:.1}", self.detail.p95)),
            ("detail_p99_ms", format!("{:.1}", self.detail.p99)),
            (
                "list_without_wait_pct",
                format!("{:.1}", self.list_without_wait_pct),
            ),
            ("process_rss_mb", format!("{:.0}", self.memory_mb)),
        ];
        if let Some((ratio, coalesced)) = self.cache {
            fields.push(("cache_hit_ratio", format!("{ratio:.3}")));
            fields.push(("coalesced", coalesced.to_string()));
        }
        fields
            .into_iter()
            .map(|(k, v)| (format!("{prefix}{k}"), v))
            .collect()
    }
}

pub fn print(hauler: &Figures, baseline: &Figures, drivers: usize, seconds: u64) {
    let ours = hauler.fields("");
    let theirs = baseline.fields("baseline_");
    println!(
        "\n{:<28} {:>14} {:>14}",
        "figure", "Hauler", "naive baseline"
    );
    for (name, value) in &ours {
        let other = theirs
            .iter()
            .find(|(k, _)| k.trim_start_matches("baseline_") == name)
            .map_or("-", |(_, v)| v.as_str());
        println!("{name:<28} {value:>14} {other:>14}");
    }
    let ratio = baseline.upstream_calls as f64 / hauler.upstream_calls.max(1) as f64;
    println!("upstream calls saved: {ratio:.1}x fewer than the baseline\n");
    let line: Vec<String> = [
        ("drivers".to_owned(), drivers.to_string()),
        ("seconds".to_owned(), seconds.to_string()),
    ]
    .into_iter()
    .chain(ours)
    .chain(theirs)
    .chain([("upstream_saving_x".to_owned(), format!("{ratio:.1}"))])
    .map(|(k, v)| format!("{k}={v}"))
    .collect();
    println!("bench: {}", line.join(" "));
}

/// This process's resident memory (server, exchange and simulated drivers together).
fn resident_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
