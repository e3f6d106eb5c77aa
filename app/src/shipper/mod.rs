//! A shipper's page: how long Hauler has seen it on the exchange, how many loads, how often they
//! were re-posted or re-priced, its ₽/km against its routes' median, what drivers reported after
//! responding (once a moderator approved it), and the one sentence that says how the score is
//! made. Reached from a load's card; its own chunk, so the list downloads none of it.

mod texts;

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use crate::{
    actions::BackAction,
    board::{ShipperBadge, use_board},
    cargo::shipper::{ShipperMark, ShipperProfile},
    i18n::use_texts,
    session::ApiErrorBody,
};
use texts::{ShipperTexts, use_shipper_texts};

#[component]
pub fn ShipperPage() -> impl IntoView {
    let board = use_board();
    let text = use_texts();
    let t = use_shipper_texts();
    let navigate = use_navigate();
    let params = use_params_map();
    let inn = Memo::new(move |_| params.with(|p| p.get("inn").unwrap_or_default()));
    let page = RwSignal::new(None::<Result<ShipperProfile, ApiErrorBody>>);
    Effect::new(move |_| {
        let inn = inn.get();
        if let Some(api) = board.signed_in().then(|| board.api()).flatten() {
            spawn_local(async move {
                let answer = api.get(&format!("/api/v1/shippers/{inn}")).await;
                if let Err(error) = &answer {
                    board.access.ran_out(error);
                }
                page.set(Some(answer));
            });
        }
    });
    // Back to the load the page was opened from (`?from=`), else to the list.
    let query = use_query_map();
    let go_back = move || {
        let back = query.with_untracked(|q| q.get("from")).map_or_else(
            || "/".to_owned(),
            |id| format!("/cargo/{}", id.trim_matches(|c: char| !c.is_ascii_digit())),
        );
        navigate(&back, Default::default());
    };
    view! {
        <BackAction label=text.back on_back=go_back />
        <h1 class="page-title">{t.title}</h1>
        <article class="detail" data-testid="shipper-page">
            {move || match page.get() {
                None => view! {
                    <section class="card" aria-hidden="true">
                        <div class="skeleton-line wide"></div>
                        <div class="skeleton-line"></div>
                    </section>
                }
                .into_any(),
                Some(Err(error)) => {
                    let message = if error.code == "shipper_not_found" {
                        t.not_seen.to_owned()
                    } else {
                        text.problem(&error)
                    };
                    view! { <p class="card notice" data-testid="shipper-problem">{message}</p> }.into_any()
                }
                Some(Ok(shipper)) => view! { <Profile shipper t /> }.into_any(),
            }}
        </article>
    }
}

#[component]
fn Profile(shipper: ShipperProfile, t: &'static ShipperTexts) -> impl IntoView {
    let text = use_texts();
    let mark = ShipperMark {
        inn: shipper.inn.clone(),
        score: shipper.score,
        level: shipper.level,
    };
    let share = |n: u32| {
        let percent = (f64::from(n) * 100.0 / f64::from(shipper.loads.max(1))).round();
        format!("{n} ({percent} %)")
    };
    let rate = shipper.rate_vs_median_percent.map_or_else(
        || t.too_few_to_compare.to_owned(),
        |percent| format!("{percent:+} %"),
    );
    let facts = [
        (
            "seen",
            t.seen,
            t.seen_for(shipper.days_seen, &shipper.first_seen_at),
        ),
        ("loads", t.loads, shipper.loads.to_string()),
        ("reposted", t.reposted, share(shipper.reposted)),
        ("repriced", t.repriced, share(shipper.repriced)),
        ("rate", t.rate, rate),
    ];
    let reports = shipper.reports;
    let said = [
        ("agreed", t.agreed, reports.agreed),
        ("no_answer", t.no_answer, reports.no_answer),
        ("already_gone", t.already_gone, reports.already_gone),
        ("not_paid", t.not_paid, reports.not_paid),
    ];
    view! {
        <header class="detail-head">
            <h2 data-testid="shipper-name">{shipper.name.clone().unwrap_or_else(|| text.shipper.to_owned())}</h2>
            <p class="muted">{format!("{} {}", t.inn, shipper.inn)}</p>
            <p class="shipper-score"><ShipperBadge mark text /></p>
        </header>
        <section class="card">
            <dl class="facts">
                {facts
                    .into_iter()
                    .map(|(key, name, value)| view! { <dt>{name}</dt><dd data-testid=format!("shipper-{key}")>{value}</dd> })
                    .collect_view()}
            </dl>
        </section>
        <section class="card">
            <h2>{t.reports}</h2>
            <dl class="facts">
                {said
                    .into_iter()
                    .map(|(key, name, count)| view! { <dt>{name}</dt><dd data-testid=format!("reports-{key}")>{count}</dd> })
                    .collect_view()}
            </dl>
            {(shipper.pending_reports > 0).then(|| view! {
                <p class="muted small" data-testid="reports-pending">{t.pending(shipper.pending_reports)}</p>
            })}
        </section>
        <p class="muted small" data-testid="shipper-formula">{t.formula}</p>
    }
}
