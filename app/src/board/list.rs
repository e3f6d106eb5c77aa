//! The list of loads: the filter as chips, cards with infinite scroll and pull-to-refresh,
//! skeletons while loading, and an honest word when there is nothing, an error, or old data.

use leptos::{ev, prelude::*};

use super::{
    Board,
    card::{CardSkeleton, CardView},
    chips::{chips, without},
    use_board,
};
use crate::{
    cargo::card::format_rub,
    i18n::use_texts,
    place::use_place_texts,
    session::{SignIn, SignInStatus},
    telegram::{self, Haptic},
};

/// How far (px) a pull must go to refresh.
const PULL_TO_REFRESH: f64 = 64.0;

#[component]
pub fn LoadsPage() -> impl IntoView {
    let board = use_board();
    let sign_in = expect_context::<RwSignal<SignIn>>();
    let text = use_texts();
    keep_scroll_position(board);
    load_more_near_the_bottom(board);

    let on_board = move || matches!(sign_in.get(), SignIn::Pending | SignIn::Done(_));
    view! {
        <SignInStatus />
        <Show when=on_board>
            <nav class="toolbar">
                <a class="tool-button" href="/filters" data-testid="open-filters">
                    {text.filters}
                    {move || {
                        let count = chips(&board.filter.get(), text).len();
                        (count > 0).then(|| view! { <span class="count">{count}</span> })
                    }}
                </a>
                <a class="tool-link" href="/responses" data-testid="open-responses">
                    {text.my_responses}
                </a>
                <a class="tool-link" href="/passes" data-testid="open-cabinet">
                    {text.cabinet}
                </a>
                <a class="tool-link tool-icon" href="/profile" data-testid="open-profile" aria-label=text.profile title=text.profile>
                    "👤"
                </a>
                <a class="tool-link" href="/subscription" data-testid="open-subscription">
                    {move || match board.access.get() {
                        Some(access) if access.active => {
                            format!("{} · {}", text.subscription, text.days_left(access.days_left))
                        }
                        _ => text.subscription.to_owned(),
                    }}
                </a>
            </nav>
            <nav class="toolbar place-links">
                <a class="tool-link" href="/near" data-testid="open-near">{use_place_texts().near_link}</a>
                <a class="tool-link" href="/along" data-testid="open-along">{use_place_texts().along_link}</a>
            </nav>
            <FilterChips board />
            <PullToRefresh board>
                <StaleBanner board />
                <GoneSinceLastLook board />
                <Show when=move || board.listing.with(|l| l.capped)>
                    <div class="banner" data-testid="capped-banner">{use_texts().capped_sorted}</div>
                </Show>
                <div class="cargo-list" data-testid="cargo-list">
                    <For
                        each=move || board.listing.get().cards
                        key=|card| (card.id, card.responded)
                        let(card)
                    >
                        <CardView fresh=board.fresh.with_untracked(|f| f.contains(&card.id)) card text=text />
                    </For>
                    <Show when=move || board.listing.with(|l| !l.loaded && l.error.is_none())>
                        <ListLater board />
                        <CardSkeleton />
                        <CardSkeleton />
                        <CardSkeleton />
                        <CardSkeleton />
                    </Show>
                </div>
                <ListFooter board />
            </PullToRefresh>
        </Show>
    }
}

#[component]
fn FilterChips(board: Board) -> impl IntoView {
    let text = use_texts();
    let active = move || chips(&board.filter.get(), text);
    view! {
        <div class="chips" data-testid="chips">
            <For each=active key=|(chip, label)| (format!("{chip:?}"), label.clone()) let((chip, label))>
                <button
                    class="chip"
                    data-testid="chip"
                    on:click=move |_| {
                        telegram::haptic(Haptic::Selection);
                        board.apply(without(&board.filter.get_untracked(), chip));
                    }
                >
                    {label}
                    <span class="chip-x" aria-hidden="true">"×"</span>
                </button>
            </For>
            <Show when=move || { active().len() > 1 }>
                <button
                    class="chip chip-reset"
                    data-testid="reset-filters"
                    on:click=move |_| {
                        telegram::haptic(Haptic::Selection);
                        board.apply(Default::default());
                    }
                >
                    {text.reset_all}
                </button>
            </Show>
        </div>
    }
}

/// The first page waits for a busy exchange: how long, above the skeletons it will replace.
#[component]
fn ListLater(board: Board) -> impl IntoView {
    let text = use_texts();
    move || {
        board
            .listing
            .with(|listing| listing.later.clone())
            .map(|later| {
                let seconds = later.estimated_seconds.max(1).to_string();
                view! {
                    <div class="banner" data-testid="list-later" role="status">
                        {text.list_later.replace("{seconds}", &seconds)}
                    </div>
                }
            })
    }
}

#[component]
fn StaleBanner(board: Board) -> impl IntoView {
    let text = use_texts();
    move || {
        board.listing.with(|listing| listing.stale).map(|stale| {
            let minutes = (stale.age_seconds / 60).max(1);
            let age = format!("{minutes}\u{a0}{}", text.minutes_ago);
            view! {
                <div class="banner" data-testid="stale-banner">
                    {text.stale_data.replace("{age}", &age)}
                </div>
            }
        })
    }
}

/// The loads the driver saw last time that were taken since: a short, quiet section above the
/// list, so a load they meant to call about is not simply missing.
#[component]
fn GoneSinceLastLook(board: Board) -> impl IntoView {
    let text = use_texts();
    move || {
        let gone = board.listing.with(|listing| listing.gone.clone());
        (!gone.is_empty()).then(|| {
            view! {
                <details class="card notice gone-loads" data-testid="gone-loads">
                    <summary>{format!("{} · {}", text.gone_since, gone.len())}</summary>
                    <ul>
                        {gone
                            .into_iter()
                            .map(|load| {
                                let price = load.price_kopecks.map(format_rub);
                                view! {
                                    <li class="muted" data-testid="gone-load" data-id=load.id.to_string()>
                                        <s>{load.route()}</s>
                                        " "
                                        {price}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </details>
            }
        })
    }
}

#[component]
fn ListFooter(board: Board) -> impl IntoView {
    let text = use_texts();
    move || {
        let listing = board.listing.get();
        if let Some(error) = &listing.error {
            let message = text.problem(error);
            return view! {
                <div class="card notice error-notice" data-testid="list-error" data-code=error.code.clone()>
                    <p>{message}</p>
                    <button class="button secondary" data-testid="retry" on:click=move |_| {
                        if board.listing.with_untracked(|l| l.loaded) {
                            board.load_more()
                        } else {
                            board.reload(false)
                        }
                    }>{text.retry}</button>
                </div>
            }
            .into_any();
        }
        if listing.loaded && listing.cards.is_empty() && !listing.has_more() {
            return view! {
                <div class="empty" data-testid="empty-list">
                    <p class="empty-title">{text.nothing_found}</p>
                    <p class="muted">{text.widen_filters}</p>
                    <a class="button secondary" href="/filters">{text.filters}</a>
                </div>
            }
            .into_any();
        }
        if !listing.loaded {
            return ().into_any();
        }
        let shown = text
            .shown_of
            .replace("{n}", &listing.cards.len().to_string())
            .replace("{m}", &listing.total.to_string());
        view! {
            <div class="list-footer">
                <p class="muted small" data-testid="shown-of">{shown}</p>
                {listing.loading.then(|| view! { <CardSkeleton /> })}
                {(!listing.loading && listing.has_more())
                    .then(|| {
                        view! {
                            <button class="button secondary" data-testid="load-more" on:click=move |_| board.load_more()>
                                {text.load_more}
                            </button>
                        }
                    })}
            </div>
        }
        .into_any()
    }
}

/// Pull down at the top of the list to refresh, keeping the old cards until the new arrive.
#[component]
fn PullToRefresh(board: Board, children: Children) -> impl IntoView {
    let text = use_texts();
    let start = StoredValue::new(None::<f64>);
    let pull = RwSignal::new(0.0_f64);
    let at_top = || window().scroll_y().unwrap_or(0.0) <= 0.0;
    let first_y = |event: &ev::TouchEvent| {
        event
            .touches()
            .get(0)
            .map(|touch| f64::from(touch.client_y()))
    };
    view! {
        <div
            class="pull-area"
            on:touchstart=move |event| start.set_value(if at_top() { first_y(&event) } else { None })
            on:touchmove=move |event| {
                if let (Some(from), Some(now)) = (start.get_value(), first_y(&event)) {
                    pull.set(((now - from) * 0.5).clamp(0.0, PULL_TO_REFRESH * 1.4));
                }
            }
            on:touchend=move |_| {
                if pull.get_untracked() >= PULL_TO_REFRESH {
                    telegram::haptic(Haptic::Tap);
                    board.reload(true);
                }
                start.set_value(None);
                pull.set(0.0);
            }
        >
            <div
                class="pull-indicator"
                style:height=move || format!("{}px", pull.get())
                aria-hidden="true"
            >
                {move || (pull.get() >= PULL_TO_REFRESH).then_some(text.pull_to_refresh)}
            </div>
            {children()}
        </div>
    }
}

/// Going into a card and back returns the driver to the same place in the list.
fn keep_scroll_position(board: Board) {
    Effect::new(move |_| {
        let y = board.scroll_y.get_value();
        if y > 0.0 {
            window().scroll_to_with_x_and_y(0.0, y);
        }
    });
    on_cleanup(move || {
        #[cfg(feature = "browser")]
        board.scroll_y.set_value(window().scroll_y().unwrap_or(0.0));
    });
}

fn load_more_near_the_bottom(board: Board) {
    #[cfg(feature = "browser")]
    {
        /// Load the next page when the bottom is this close (px).
        const PREFETCH_MARGIN: f64 = 800.0;
        let handle = window_event_listener(ev::scroll, move |_| {
            let window = window();
            let viewport = window
                .inner_height()
                .ok()
                .and_then(|h| h.as_f64())
                .unwrap_or(0.0);
            let scrolled = window.scroll_y().unwrap_or(0.0);
            let height = document()
                .document_element()
                .map(|root| f64::from(root.scroll_height()))
                .unwrap_or(0.0);
            if scrolled + viewport >= height - PREFETCH_MARGIN {
                board.load_more();
            }
        });
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "browser"))]
    let _ = board;
}
