//! The figures of one run, a table for people and one `bench:` line for scripts.

use std::{
    collections::{BTreeMap, HashSet},
    time::Duration,
};

use server::{cargotech::ListTimingsSummary, sandbox::cargotech::Stats};

use super::{
    access_check::{AccessCheck, Timings},
    drivers::{Asked, Failure, Kind, Outcome},
    greedy::GreedyFigures,
    percentiles::Percentiles,
};

/// What the greedy drivers did, and the upstream calls Hauler's ledger charged to them.
pub struct Greed {
    pub figures: GreedyFigures,
    pub upstream_calls: u64,
}

impl Greed {
    /// The ordinary drivers' refusals beside the greedy drivers' own figures.
    fn fields(&self, hauler: &Figures) -> Vec<(String, String)> {
        let ordinary = |code: &str| {
            hauler
                .failures
                .iter()
                .filter(|(failure, _)| failure.code == code)
                .map(|(_, count)| count)
                .sum::<usize>()
                .to_string()
        };
        let mut fields = vec![
            ("others_upstream_busy", ordinary("upstream_busy")),
            ("others_too_many_requests", ordinary("too_many_requests")),
        ];
        let greedy = &self.figures;
        if greedy.drivers > 0 {
            let share = self.upstream_calls as f64 / hauler.upstream_calls.max(1) as f64;
            fields.extend([
                ("greedy_drivers", greedy.drivers.to_string()),
                ("greedy_requests", greedy.requests.to_string()),
                ("greedy_refused", greedy.refused.to_string()),
                ("greedy_upstream_calls", self.upstream_calls.to_string()),
                ("greedy_upstream_share", format!("{share:.3}")),
                ("promo_guesses", greedy.promo_guesses.to_string()),
                (
                    "promo_guesses_accepted",
                    greedy.promo_guesses_accepted.to_string(),
                ),
            ]);
        }
        fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }
}

/// Hauler's shared cache over the run.
pub struct CacheFigures {
    pub hit_ratio: f64,
    /// Drivers' questions that joined a call already in flight.
    pub coalesced: u64,
    /// Narrow lists answered from a broader one held in full.
    pub narrowed: u64,
    /// Drivers' lists as the server timed them.
    pub lists: ListTimingsSummary,
}

pub struct Figures {
    requests: usize,
    failed: usize,
    /// Failed requests by answer (status and error code).
    failures: BTreeMap<Failure, usize>,
    list: Percentiles,
    detail: Percentiles,
    /// Share of list requests answered without waiting on the exchange (< 100 ms).
    list_without_wait_pct: f64,
    upstream_calls: u64,
    /// Of those, list pages and detail cards.
    upstream_lists: u64,
    upstream_details: u64,
    upstream_max_per_min: u64,
    upstream_429: u64,
    cache: Option<CacheFigures>,
    memory_mb: f64,
    minutes: Vec<Minute>,
    /// Requests turned away (`503` or `429`).
    refusals: usize,
    /// Cards Hauler put in line, and how long each took from its first `202` until it came.
    queued_details: usize,
    detail_wait: Percentiles,
    /// The fewest calls any design could have made for the same questions.
    calls_min: u64,
}

/// How long a list answer may be reused: the freshness window `upstream_calls_min` counts
/// distinct list questions in (Hauler's default list time to live).
const FRESHNESS_WINDOW: Duration = Duration::from_secs(300);

/// Distinct list questions (a filter's window of 100 loads) per freshness window, plus distinct
/// cards: what any design would have to ask the exchange at least once.
fn fewest_calls(outcomes: &[Outcome]) -> u64 {
    let mut lists = HashSet::new();
    let mut cards = HashSet::new();
    for outcome in outcomes {
        match &outcome.asked {
            Asked::List { question, window } => {
                let fresh_for = outcome.at.as_secs() / FRESHNESS_WINDOW.as_secs();
                lists.insert((question, *window, fresh_for));
            }
            Asked::Card(id) => {
                cards.insert(*id);
            }
        }
    }
    (lists.len() + cards.len()) as u64
}

/// How long each card put in line waited to be filled.
fn waits_for_cards<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> Vec<Duration> {
    outcomes
        .into_iter()
        .filter_map(|outcome| outcome.filled_after.filter(|_| outcome.ok()))
        .collect()
}

/// One minute of the run: how the cold first minute differs from the warm ones after it.
struct Minute {
    requests: usize,
    busy_lists: usize,
    busy_details: usize,
    list: Percentiles,
    /// Lists answered within 100 ms, as the drivers timed them, in per cent.
    list_without_wait_pct: f64,
    detail: Percentiles,
    refusals: usize,
    detail_wait: Percentiles,
}

impl Minute {
    fn of(outcomes: &[&Outcome]) -> Self {
        let busy = |kind| {
            outcomes
                .iter()
                .filter(|o| {
                    o.kind == kind && o.failure.as_ref().is_some_and(Failure::is_upstream_busy)
                })
                .count()
        };
        let answered = |kind| answered(outcomes.iter().copied(), kind);
        Self {
            requests: outcomes.len(),
            busy_lists: busy(Kind::List),
            busy_details: busy(Kind::Detail),
            list: Percentiles::of(answered(Kind::List)),
            list_without_wait_pct: without_wait_pct(outcomes.iter().copied()),
            detail: Percentiles::of(answered(Kind::Detail)),
            refusals: outcomes
                .iter()
                .filter(|o| o.failure.as_ref().is_some_and(Failure::is_refusal))
                .count(),
            detail_wait: Percentiles::of(waits_for_cards(outcomes.iter().copied())),
        }
    }
}

/// Of the lists, those answered within 100 ms, in per cent.
fn without_wait_pct<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> f64 {
    let (mut lists, mut fast) = (0, 0);
    for list in outcomes.into_iter().filter(|o| o.kind == Kind::List) {
        lists += 1;
        fast += usize::from(list.ok() && list.latency < Duration::from_millis(100));
    }
    100.0 * fast as f64 / lists.max(1) as f64
}

/// How long each answered request of this kind took.
fn answered<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>, kind: Kind) -> Vec<Duration> {
    outcomes
        .into_iter()
        .filter(|o| o.kind == kind && o.ok())
        .map(|o| o.latency)
        .collect()
}

impl Figures {
    /// `upstream` is what the exchange counted; `cache` is Hauler's own (none for the baseline).
    pub fn new(
        outcomes: &[Outcome],
        run: Duration,
        upstream: &Stats,
        cache: Option<CacheFigures>,
    ) -> Self {
        let mut failures = BTreeMap::new();
        for failure in outcomes.iter().filter_map(|o| o.failure.as_ref()) {
            *failures.entry(failure.clone()).or_default() += 1;
        }
        // A driver's last round may begin just after the end: it counts in the last minute.
        let last = run.as_secs().saturating_sub(1) / 60;
        let minutes = (0..=last)
            .map(|minute| {
                let within: Vec<&Outcome> = outcomes
                    .iter()
                    .filter(|o| (o.at.as_secs() / 60).min(last) == minute)
                    .collect();
                Minute::of(&within)
            })
            .collect();
        Self {
            requests: outcomes.len(),
            failed: failures.values().sum(),
            failures,
            list: Percentiles::of(answered(outcomes, Kind::List)),
            detail: Percentiles::of(answered(outcomes, Kind::Detail)),
            list_without_wait_pct: without_wait_pct(outcomes),
            upstream_calls: upstream.requests,
            upstream_lists: upstream.lists,
            upstream_details: upstream.details,
            upstream_max_per_min: upstream.peak_per_minute,
            upstream_429: upstream.throttled,
            cache,
            memory_mb: resident_mb(),
            minutes,
            refusals: outcomes
                .iter()
                .filter(|o| o.failure.as_ref().is_some_and(Failure::is_refusal))
                .count(),
            queued_details: outcomes.iter().filter(|o| o.filled_after.is_some()).count(),
            detail_wait: Percentiles::of(waits_for_cards(outcomes)),
            calls_min: fewest_calls(outcomes),
        }
    }

    /// How close Hauler came to the limit: refusals, cards in line and the fewest calls possible.
    fn limit_fields(&self) -> Vec<(String, String)> {
        let by_minute: Vec<String> = self
            .minutes
            .iter()
            .map(|minute| format!("{:.0}", minute.detail_wait.p95))
            .collect();
        vec![
            ("driver_refusals".to_owned(), self.refusals.to_string()),
            ("details_queued".to_owned(), self.queued_details.to_string()),
            (
                "detail_wait_p95_ms".to_owned(),
                format!("{:.0}", self.detail_wait.p95),
            ),
            (
                "detail_wait_p95_ms_by_minute".to_owned(),
                by_minute.join(","),
            ),
            ("upstream_calls_min".to_owned(), self.calls_min.to_string()),
            (
                "upstream_calls_over_min".to_owned(),
                format!(
                    "{:.2}",
                    self.upstream_calls as f64 / self.calls_min.max(1) as f64
                ),
            ),
        ]
    }

    fn fields(&self, prefix: &str) -> Vec<(String, String)> {
        let mut fields = vec![
            ("driver_requests", self.requests.to_string()),
            ("failed_requests", self.failed.to_string()),
            ("upstream_calls", self.upstream_calls.to_string()),
            ("upstream_list_calls", self.upstream_lists.to_string()),
            ("upstream_detail_calls", self.upstream_details.to_string()),
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
        if let Some(cache) = &self.cache {
            fields.push(("cache_hit_ratio", format!("{:.3}", cache.hit_ratio)));
            fields.push(("coalesced", cache.coalesced.to_string()));
            fields.push(("narrowed", cache.narrowed.to_string()));
            let lists = &cache.lists;
            let all = (lists.from_cache + lists.waited).max(1);
            fields.push((
                "server_list_without_wait_pct",
                format!("{:.1}", 100.0 * lists.from_cache as f64 / all as f64),
            ));
            fields.push((
                "server_cached_list_p50_ms",
                format!("{:.2}", lists.cached_p50_ms),
            ));
            fields.push((
                "server_cached_list_p95_ms",
                format!("{:.2}", lists.cached_p95_ms),
            ));
            fields.push((
                "server_cached_list_p99_ms",
                format!("{:.2}", lists.cached_p99_ms),
            ));
        }
        fields
            .into_iter()
            .map(|(k, v)| (format!("{prefix}{k}"), v))
            .collect()
    }

    /// The failed requests of a run through Hauler, so that drivers turned away (a session or
    /// paywall regression) cannot pass for a fast run.
    fn hauler_error_fields(&self) -> Vec<(String, String)> {
        let busy: usize = self
            .failures
            .iter()
            .filter(|(failure, _)| failure.is_upstream_busy())
            .map(|(_, count)| count)
            .sum();
        vec![
            ("hauler_errors".to_owned(), self.failed.to_string()),
            ("hauler_errors_upstream_busy".to_owned(), busy.to_string()),
            (
                "hauler_errors_other".to_owned(),
                (self.failed - busy).to_string(),
            ),
        ]
    }
}

fn access_fields(access: &AccessCheck) -> Vec<(String, String)> {
    let micros = |ms: f64| format!("{:.1}", ms * 1000.0);
    let mut fields = vec![
        (
            "access_check_p50_us".to_owned(),
            micros(access.in_process.cached.p50),
        ),
        (
            "access_check_p99_us".to_owned(),
            micros(access.in_process.cached.p99),
        ),
        (
            "access_check_uncached_p50_us".to_owned(),
            micros(access.in_process.uncached.p50),
        ),
    ];
    if let Ok(redis) = &access.redis {
        fields.extend([
            (
                "access_check_redis_p50_us".to_owned(),
                micros(redis.cached.p50),
            ),
            (
                "access_check_redis_p99_us".to_owned(),
                micros(redis.cached.p99),
            ),
            (
                "access_check_redis_uncached_p50_us".to_owned(),
                micros(redis.uncached.p50),
            ),
        ]);
    }
    fields
}

/// Hauler minute by minute (by when each request was made), in milliseconds.
fn print_minutes(hauler: &Figures) {
    println!("\nHauler by minute:");
    println!(
        "{:<8} {:>9} {:>9} {:>11} {:>13} {:>10} {:>13} {:>12} {:>12} {:>12}",
        "minute",
        "requests",
        "refused",
        "busy lists",
        "busy details",
        "list p95",
        "lists ≤100ms",
        "detail p50",
        "detail p95",
        "in line p95"
    );
    for (n, minute) in hauler.minutes.iter().enumerate() {
        println!(
            "{:<8} {:>9} {:>9} {:>11} {:>13} {:>10.1} {:>12.1}% {:>12.1} {:>12.1} {:>12.1}",
            n + 1,
            minute.requests,
            minute.refusals,
            minute.busy_lists,
            minute.busy_details,
            minute.list.p95,
            minute.list_without_wait_pct,
            minute.detail.p50,
            minute.detail.p95,
            minute.detail_wait.p95
        );
    }
}

fn print_access(access: &AccessCheck) {
    println!(
        "\naccess check (the paywall, on every cargo request), {} checks per store, in µs:",
        access.checks
    );
    println!("{:<28} {:>14} {:>14}", "store", "p50", "p99");
    let rows = |name: &str, timings: &Timings| {
        for (when, percentiles) in [
            ("cached", &timings.cached),
            ("first (database)", &timings.uncached),
        ] {
            println!(
                "{:<28} {:>14.1} {:>14.1}",
                format!("{name}, {when}"),
                percentiles.p50 * 1000.0,
                percentiles.p99 * 1000.0
            );
        }
    };
    rows("in-process", &access.in_process);
    match &access.redis {
        Ok(redis) => rows("Redis", redis),
        Err(why) => println!("Redis: {why}"),
    }
}

/// The server process on its own: its memory, a cached page's throughput beside a plain axum
/// handler's, and (`--warm`) how the drivers fared after the restart.
pub struct ServerSide {
    /// The server process's resident memory once every driver had signed in, before they browse.
    pub rss_signed_in_mb: f64,
    /// Its peak resident memory while the drivers browsed (the larger instance's with `--warm`).
    pub rss_mb: f64,
    /// Its resident memory once the drivers had gone and their connections had closed.
    pub rss_after_mb: f64,
    pub throughput: Throughput,
    /// What a connection idle after one request costs a fresh Hauler, in KB of resident memory.
    pub idle_connection_kb: f64,
    /// The same for a fresh plain axum handler.
    pub plain_axum_idle_connection_kb: f64,
    pub warm: Option<WarmRestart>,
}

pub struct Throughput {
    pub cached_list_rps: f64,
    /// Answers other than `200` while measuring it (none expected).
    pub cached_list_failed: u64,
    pub plain_axum_rps: f64,
    pub page_bytes: usize,
}

/// The minute after the drivers moved to the restarted instance.
pub struct WarmRestart {
    pub moved_at: Duration,
    pub lists: usize,
    pub without_wait_pct: f64,
    pub refusals: usize,
}

impl WarmRestart {
    pub fn of(outcomes: &[Outcome], moved_at: Duration) -> Self {
        let within = |o: &&Outcome| o.at >= moved_at && o.at < moved_at + Duration::from_secs(60);
        Self {
            moved_at,
            lists: outcomes
                .iter()
                .filter(within)
                .filter(|o| o.kind == Kind::List)
                .count(),
            without_wait_pct: without_wait_pct(outcomes.iter().filter(within)),
            refusals: outcomes
                .iter()
                .filter(within)
                .filter(|o| o.failure.as_ref().is_some_and(Failure::is_refusal))
                .count(),
        }
    }
}

impl ServerSide {
    fn fields(&self) -> Vec<(String, String)> {
        let t = &self.throughput;
        let mut fields = vec![
            (
                "server_rss_signed_in_mb",
                format!("{:.0}", self.rss_signed_in_mb),
            ),
            ("server_rss_mb", format!("{:.0}", self.rss_mb)),
            ("server_rss_after_mb", format!("{:.0}", self.rss_after_mb)),
            ("cached_list_rps", format!("{:.0}", t.cached_list_rps)),
            ("plain_axum_rps", format!("{:.0}", t.plain_axum_rps)),
            (
                "cached_list_vs_plain_pct",
                format!(
                    "{:.1}",
                    100.0 * t.cached_list_rps / t.plain_axum_rps.max(1.0)
                ),
            ),
            ("cached_list_failed", t.cached_list_failed.to_string()),
            ("cached_list_bytes", t.page_bytes.to_string()),
            (
                "server_idle_connection_kb",
                format!("{:.1}", self.idle_connection_kb),
            ),
            (
                "plain_axum_idle_connection_kb",
                format!("{:.1}", self.plain_axum_idle_connection_kb),
            ),
        ];
        if let Some(warm) = &self.warm {
            fields.extend([
                ("warm_restart_at_s", warm.moved_at.as_secs().to_string()),
                ("warm_first_min_lists", warm.lists.to_string()),
                (
                    "warm_first_min_lists_without_wait_pct",
                    format!("{:.1}", warm.without_wait_pct),
                ),
                ("warm_first_min_refusals", warm.refusals.to_string()),
            ]);
        }
        fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }
}

/// What was run: how many drivers, for how long, through how many accounts.
pub struct Run {
    pub drivers: usize,
    pub seconds: u64,
    pub accounts: u8,
}

pub fn print(
    hauler: &Figures,
    baseline: &Figures,
    access: &AccessCheck,
    greed: &Greed,
    server: &ServerSide,
    run: &Run,
) {
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
    let mut errors = hauler.hauler_error_fields();
    errors.extend(hauler.limit_fields());
    for (name, value) in &errors {
        println!("{name:<28} {value:>14} {:>14}", "-");
    }
    let mut answers: Vec<&Failure> = hauler.failures.keys().collect();
    answers.extend(baseline.failures.keys());
    answers.sort();
    answers.dedup();
    if !answers.is_empty() {
        println!("failed requests by answer:");
    }
    for answer in answers {
        let count = |figures: &Figures| figures.failures.get(answer).copied().unwrap_or(0);
        println!(
            "{:<28} {:>14} {:>14}",
            format!("  {answer}"),
            count(hauler),
            count(baseline)
        );
    }
    let ratio = baseline.upstream_calls as f64 / hauler.upstream_calls.max(1) as f64;
    println!("upstream calls saved: {ratio:.1}x fewer than the baseline");
    let greedy = greed.fields(hauler);
    println!("\nordinary drivers' refusals, and the greedy drivers (none unless --greedy):");
    for (name, value) in &greedy {
        println!("{name:<28} {value:>14}");
    }
    print_minutes(hauler);
    print_access(access);
    let server_fields = server.fields();
    println!(
        "\nthe server process alone; a cached list page ({} clients at once, {} s) beside a plain axum handler returning the same bytes; what a connection idle after one request costs each, fresh ({} connections):",
        super::throughput::CLIENTS,
        super::throughput::FOR.as_secs(),
        super::throughput::IDLE_CONNECTIONS,
    );
    for (name, value) in &server_fields {
        println!("{name:<28} {value:>14}");
    }
    println!();
    let line: Vec<String> = [
        ("drivers".to_owned(), run.drivers.to_string()),
        ("seconds".to_owned(), run.seconds.to_string()),
        ("accounts".to_owned(), run.accounts.to_string()),
    ]
    .into_iter()
    .chain(ours)
    .chain(theirs)
    .chain([("upstream_saving_x".to_owned(), format!("{ratio:.1}"))])
    .chain(errors)
    .chain(greedy)
    .chain(access_fields(access))
    .chain(server_fields)
    .map(|(k, v)| format!("{k}={v}"))
    .collect();
    println!("bench: {}", line.join(" "));
}

/// This process's resident memory (the exchange and the simulated drivers; the server runs
/// apart).
fn resident_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
