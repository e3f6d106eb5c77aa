//! The overview: whether the service is healthy, at a glance, with the last hour's calls to the
//! exchange by kind and the drivers who caused most of them. It refreshes itself every ten
//! seconds; the charts are plain inline SVG.

use leptos::prelude::*;

use super::table::{Empty, Heading, Table, answered};
use crate::{
    client::use_desk,
    format::second,
    i18n::use_texts,
    wire::{
        ErrorBody,
        overview::{DayFigures, Overview, UpstreamUse},
    },
};

const REFRESH_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// `123456` kopecks as `1 234,56 ₽`; whole roubles without the kopecks.
pub fn roubles(kopecks: i64) -> String {
    let sign = if kopecks < 0 { "−" } else { "" };
    let kopecks = kopecks.unsigned_abs();
    let whole = grouped(kopecks / 100);
    match kopecks % 100 {
        0 => format!("{sign}{whole} ₽"),
        rest => format!("{sign}{whole},{rest:02} ₽"),
    }
}

/// `1234567` as `1 234 567`.
pub fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(digit);
    }
    out
}

#[component]
pub fn OverviewPage() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let figures = RwSignal::new(None::<Result<Overview, ErrorBody>>);
    let load = move || {
        leptos::task::spawn_local(async move {
            let answer = desk.get::<Overview>("/admin/api/overview").await;
            // A failed refresh keeps the last good figures on screen.
            if answer.is_ok() || figures.with_untracked(|f| !matches!(f, Some(Ok(_)))) {
                figures.set(Some(answer));
            }
        });
    };
    Effect::new(move |_| {
        load();
        if let Ok(handle) = set_interval_with_handle(load, REFRESH_EVERY) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <h1>{t.nav.overview}</h1>
        {move || {
            answered(figures.get(), None, |overview| view! { <Figures overview /> }.into_any())
        }}
    }
}

#[component]
fn Metric(
    label: &'static str,
    value: String,
    #[prop(optional)] hint: Option<String>,
    #[prop(optional)] tone: Option<&'static str>,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <div class="card metric" data-testid=format!("metric-{testid}")>
            <div class="label">{label}</div>
            <div class=format!("value {}", tone.unwrap_or_default())>{value}</div>
            {hint.map(|hint| view! { <div class="hint">{hint}</div> })}
        </div>
    }
}

#[component]
fn Figures(overview: Overview) -> impl IntoView {
    let t = use_texts();
    let o = &t.overview;
    let Overview {
        taken_at,
        drivers,
        access,
        revenue,
        upstream,
        upstream_use,
        outbox_backlog,
        days,
    } = overview;
    let budget_share = if upstream.budget_per_minute == 0 {
        0.0
    } else {
        f64::from(upstream.used_last_minute) / f64::from(upstream.budget_per_minute)
    };
    let outbox_tone = if outbox_backlog > 100 { "bad" } else { "" };
    let budget_tone = if budget_share > 0.9 { "bad" } else { "" };
    let breaker_tone = if upstream.breaker == "closed" {
        "good"
    } else {
        "bad"
    };
    let link_tone = if upstream.connection.is_healthy() {
        "good"
    } else {
        "bad"
    };
    let pause =
        (upstream.paused_for_ms > 0).then(|| (o.paused)(upstream.paused_for_ms.div_ceil(1000)));
    let revenue_days: Vec<(String, f64)> = days
        .iter()
        .map(|day| (day.day.clone(), day.rub_kopecks as f64 / 100.0))
        .collect();
    let driver_days: Vec<(String, f64)> = days
        .iter()
        .map(|day: &DayFigures| (day.day.clone(), day.new_drivers as f64))
        .collect();
    view! {
        <p class="muted" data-testid="taken-at">
            {(o.as_of)(&second(&taken_at))}
        </p>
        <h2>{o.drivers_and_money}</h2>
        <div class="cards five">
            <Metric label=o.drivers value=grouped(drivers.total) testid="drivers"
                hint=(o.new_this_week)(drivers.new_this_week) />
            <Metric label=o.active_today value=grouped(drivers.active_today) testid="active-today"
                hint=o.active_hint.to_owned() />
            <Metric label=o.paying value=grouped(access.paying) testid="paying"
                hint=(o.on_trial)(access.trials) />
            <Metric label=o.revenue_today value=roubles(revenue.rub_today_kopecks) testid="revenue-today"
                hint=(o.stars_today)(&grouped(revenue.stars_today.max(0) as u64)) />
            <Metric label=o.revenue_30 value=roubles(revenue.rub_30_days_kopecks) testid="revenue-30"
                hint=(o.stars_30)(&grouped(revenue.stars_30_days.max(0) as u64)) />
        </div>
        <h2>{o.upstream_and_delivery}</h2>
        <div class="cards six">
            <Metric label=o.budget testid="budget" tone=budget_tone
                value=format!("{} / {}", upstream.used_last_minute, upstream.budget_per_minute)
                hint=pause.unwrap_or_else(|| (o.used)(budget_share * 100.0)) />
            <Metric label=o.cache testid="cache"
                value=format!("{:.0} %", upstream.cache_hit_ratio * 100.0) />
            <Metric label=o.queue testid="queue" value=grouped(upstream.queue_depth) />
            <Metric label=o.breaker testid="breaker" tone=breaker_tone
                value=t.value(&upstream.breaker).to_owned() />
            <Metric label=o.connection testid="connection" tone=link_tone
                value=t.link_state(upstream.connection).to_owned() />
            <Metric label=o.outbox testid="outbox" value=grouped(outbox_backlog)
                tone=outbox_tone />
        </div>
        <UpstreamUseView used=upstream_use />
        <div class="charts">
            <BarChart title=o.chart_revenue testid="chart-revenue" bars=revenue_days />
            <BarChart title=o.chart_drivers testid="chart-drivers" bars=driver_days />
        </div>
    }
}

/// The last hour's calls to the exchange by kind, and the costliest drivers, each a link to
/// their page (where an admin may cut their share or ban them).
#[component]
fn UpstreamUseView(used: UpstreamUse) -> impl IntoView {
    let t = use_texts();
    let o = &t.overview;
    let rows = used
        .top_drivers
        .iter()
        .map(|driver| {
            let share = match driver.cap_per_minute {
                Some(cap) => (o.cut_to)(cap),
                None => o.fair.to_owned(),
            };
            let name = if driver.name.is_empty() {
                format!("#{}", driver.driver_id)
            } else {
                driver.name.clone()
            };
            view! {
                <tr data-testid=format!("top-driver-{}", driver.driver_id)>
                    <td>
                        <a href=format!("/admin/drivers/{}", driver.driver_id) data-testid="top-driver-link">
                            {name}
                        </a>
                        {driver.banned.then(|| view! { <span class="badge bad">{o.banned}</span> })}
                    </td>
                    <td class="num" data-testid="top-driver-calls">{grouped(driver.calls)}</td>
                    <td>{share}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>{o.upstream_use}</h2>
        <div class="cards five">
            <Metric label=o.lists testid="use-lists" value=grouped(used.lists) />
            <Metric label=o.details testid="use-details" value=grouped(used.details) />
            <Metric label=o.cities testid="use-cities" value=grouped(used.cities) />
            <Metric label=o.login testid="use-login" value=grouped(used.login) />
            <Metric label=o.background testid="use-background" value=grouped(used.background) />
        </div>
        <h3>{o.top_drivers}</h3>
        {if used.top_drivers.is_empty() {
            view! { <Empty text=o.no_driver_calls testid="no-top-drivers" /> }.into_any()
        } else {
            view! {
                <Table
                    testid="top-drivers"
                    headings=vec![o.driver.into(), Heading::numeric(o.calls), o.share.into()]
                >
                    {rows}
                </Table>
            }
            .into_any()
        }}
    }
}

/// A bar per day, the highest bar full height; each bar says its day and value on hover.
#[component]
fn BarChart(title: &'static str, testid: &'static str, bars: Vec<(String, f64)>) -> impl IntoView {
    const WIDTH: f64 = 600.0;
    const HEIGHT: f64 = 150.0;
    let top = bars.iter().map(|(_, value)| *value).fold(0.0, f64::max);
    let slot = WIDTH / bars.len().max(1) as f64;
    let first = bars.first().map(|(day, _)| day.clone()).unwrap_or_default();
    let last = bars.last().map(|(day, _)| day.clone()).unwrap_or_default();
    let rects = bars
        .into_iter()
        .enumerate()
        .map(|(index, (day, value))| {
            let height = if top > 0.0 {
                value / top * (HEIGHT - 4.0)
            } else {
                0.0
            };
            let height = if value > 0.0 { height.max(2.0) } else { 0.0 };
            view! {
                <rect
                    class="bar"
                    x=format!("{:.1}", index as f64 * slot + 1.0)
                    y=format!("{:.1}", HEIGHT - height)
                    width=format!("{:.1}", (slot - 2.0).max(1.0))
                    height=format!("{height:.1}")
                >
                    <title>{format!("{day}: {}", trim_number(value))}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <figure class="card chart" data-testid=testid>
            <figcaption>
                {title}
                <span class="muted">{(use_texts().overview.peak)(&trim_number(top))}</span>
            </figcaption>
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none" role="img" aria-label=title>
                <line class="baseline" x1="0" y1=HEIGHT.to_string() x2=WIDTH.to_string() y2=HEIGHT.to_string() />
                {rects}
            </svg>
            <div class="axis"><span>{first}</span><span>{last}</span></div>
        </figure>
    }
}

fn trim_number(value: f64) -> String {
    if value.fract() == 0.0 {
        grouped(value.max(0.0) as u64)
    } else {
        format!("{value:.2}")
    }
}
