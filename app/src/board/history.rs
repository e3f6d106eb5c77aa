//! The driver's responses, newest first, with where each one stands.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_navigate;

use super::{card::dates_line, use_board};
use crate::{
    actions::BackAction,
    cargo::{
        card::format_rub,
        response::{CargoResponse, ResponseStatus},
    },
    i18n::{Texts, use_texts},
    session::ApiErrorBody,
};

fn status_label(status: ResponseStatus, text: &Texts) -> &'static str {
    match status {
        ResponseStatus::Sent => text.status_sent,
        ResponseStatus::Viewed => text.status_viewed,
        ResponseStatus::Contacted => text.status_contacted,
    }
}

#[component]
pub fn ResponsesPage() -> impl IntoView {
    let board = use_board();
    let text = use_texts();
    let navigate = use_navigate();
    let history = RwSignal::new(None::<Result<Vec<CargoResponse>, ApiErrorBody>>);
    Effect::new(move |_| {
        if let Some(api) = board.signed_in().then(|| board.api()).flatten() {
            spawn_local(async move {
                history.set(Some(api.get("/api/v1/me/responses").await));
            });
        }
    });
    let go_back = move || navigate("/", Default::default());
    view! {
        <BackAction label=text.back on_back=go_back />
        <h1 class="page-title">{text.my_responses}</h1>
        <div class="cargo-list" data-testid="response-history">
            {move || {
                match history.get() {
                    None => view! { <super::card::CardSkeleton /> }.into_any(),
                    Some(Err(error)) => view! { <p class="form-error">{error.message}</p> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => {
                        view! { <p class="muted empty" data-testid="no-responses">{text.no_responses}</p> }.into_any()
                    }
                    Some(Ok(list)) => list
                        .into_iter()
                        .map(|response| {
                            let card = response.card;
                            view! {
                                <a class="cargo-card" href=format!("/cargo/{}", card.id) data-testid="response">
                                    <div class="cargo-card-top">
                                        <span class="route">{card.route()}</span>
                                        <span class="price">{card.price_kopecks.map(format_rub)}</span>
                                    </div>
                                    <div class="cargo-card-line muted">
                                        <span class="dates">{dates_line(&card)}</span>
                                        <span class="badge" data-status=response.status.as_str()>
                                            {status_label(response.status, text)}
                                        </span>
                                    </div>
                                </a>
                            }
                        })
                        .collect_view()
                        .into_any(),
                }
            }}
        </div>
    }
}
