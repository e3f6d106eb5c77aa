//! A load's detail: it opens at once with what the list already knew, then fills in the rest
//! (addresses, the shipper's note, contacts). When the detail waits in line for the exchange,
//! the page says "Загружаем подробности…" and asks again when the server says to (it holds an ask
//! for a card due within seconds until the card comes) until it arrives, in the place the
//! skeleton kept for it.
//! "Откликнуться" is Telegram's MainButton.

use std::time::Duration;

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

use super::{
    card::{ShipperBadge, card_age, dates_line, size_line},
    use_board,
};
use crate::{
    actions::{BackAction, MainAction},
    api::{Answer, Method, encode, pause},
    cargo::{
        card::{CargoCard, CargoDetail, PendingDetail, format_rub, format_rub_per_km, format_when},
        response::{CargoResponse, ResponseStatus, StatusChange},
    },
    i18n::{Texts, use_texts},
    session::ApiErrorBody,
    telegram::{self, Haptic},
};

#[derive(Debug, Clone, PartialEq)]
enum Fetch {
    Waiting,
    /// In line for the exchange: asked again until it arrives.
    Queued(Box<PendingDetail>),
    Arrived(Box<CargoDetail>),
    Taken,
    Failed(ApiErrorBody),
}

#[component]
pub fn CargoPage() -> impl IntoView {
    let board = use_board();
    let text = use_texts();
    let navigate = use_navigate();
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<u64>().ok())));
    // A link the bot sent carries `?link=`: passed on, it keeps the load open even when no list
    // shows it any more.
    let query = use_query_map();
    let link = Memo::new(move |_| {
        query.with(|q| {
            q.get("link")
                .map(|token| format!("?link={}", encode(&token)))
                .unwrap_or_default()
        })
    });
    let fetch = RwSignal::new(Fetch::Waiting);
    let responded = RwSignal::new(false);
    let responding = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);

    // What the list knew, shown before the detail arrives.
    let known = Memo::new(move |_| {
        id.get()
            .and_then(|id| board.known.with(|known| known.get(&id).cloned()))
    });
    let card = Memo::new(move |_| match fetch.get() {
        Fetch::Arrived(detail) => Some(detail.card),
        Fetch::Queued(pending) => known.get().or(pending.card),
        _ => known.get(),
    });

    let shown = id;
    let load = move || {
        let (Some(api), Some(id)) = (board.api(), id.get_untracked()) else {
            return;
        };
        fetch.set(Fetch::Waiting);
        let path = format!("/api/v1/cargos/{id}{}", link.get_untracked());
        spawn_local(async move {
            // The page was left, or another card opened: an answer is nobody's.
            let left = move || {
                fetch.try_get_untracked().is_none() || shown.try_get_untracked() != Some(Some(id))
            };
            loop {
                let answer = api
                    .get_or_later::<Box<CargoDetail>, Box<PendingDetail>>(&path)
                    .await;
                if left() {
                    return;
                }
                let next = match answer {
                    Ok(Answer::Later(pending)) => {
                        let again = Duration::from_secs(pending.ask_again_seconds.into());
                        fetch.set(Fetch::Queued(pending));
                        pause(again).await;
                        if left() {
                            return;
                        }
                        continue;
                    }
                    Ok(Answer::Ready(detail)) => {
                        responded.set(detail.card.responded);
                        Fetch::Arrived(detail)
                    }
                    Err(error) if error.code == "cargo_not_available" => Fetch::Taken,
                    Err(error) => {
                        board.access.ran_out(&error);
                        Fetch::Failed(error)
                    }
                };
                fetch.set(next);
                return;
            }
        });
    };
    Effect::new(move |_| {
        if board.signed_in() && id.get().is_some() {
            load();
        }
    });
    Effect::new(move |_| {
        if known.get().is_some_and(|card| card.responded) {
            responded.set(true);
        }
    });

    let respond = move || {
        let Some(id) = id.get_untracked() else {
            return;
        };
        responding.set(true);
        board.with_api(move |api| {
            spawn_local(async move {
                let path = format!("/api/v1/cargos/{id}/response{}", link.get_untracked());
                let answer = api
                    .send::<CargoResponse>(Method::Post, &path, None::<&()>)
                    .await;
                responding.set(false);
                match answer {
                    Ok(_) => {
                        telegram::haptic(Haptic::Success);
                        responded.set(true);
                        board.mark_responded(id);
                        notice.set(None);
                    }
                    Err(error) => {
                        telegram::haptic(Haptic::Error);
                        board.access.ran_out(&error);
                        if error.code == "cargo_not_available" {
                            fetch.set(Fetch::Taken);
                        }
                        notice.set(Some(text.problem(&error)));
                    }
                }
            })
        });
    };
    let hide = {
        let navigate = navigate.clone();
        move |_| {
            let Some(id) = id.get_untracked() else {
                return;
            };
            telegram::haptic(Haptic::Tap);
            board.forget(id);
            let navigate = navigate.clone();
            board.with_api(move |api| {
                spawn_local(async move {
                    let path = format!("/api/v1/cargos/{id}/hidden");
                    let _ = api.send::<()>(Method::Put, &path, None::<&()>).await;
                });
            });
            navigate("/", Default::default());
        }
    };
    let called = move || {
        let (Some(api), Some(id)) = (board.api(), id.get_untracked()) else {
            return;
        };
        if responded.get_untracked() {
            spawn_local(async move {
                let path = format!("/api/v1/cargos/{id}/response");
                let body = StatusChange {
                    status: ResponseStatus::Contacted,
                };
                let _ = api
                    .send::<CargoResponse>(Method::Put, &path, Some(&body))
                    .await;
            });
        }
    };
    let go_back = move || navigate("/", Default::default());
    let taken = move || fetch.with(|f| *f == Fetch::Taken);

    view! {
        <BackAction label=text.back on_back=go_back />
        <article class="detail" data-testid="cargo-detail">
            {move || match card.get() {
                Some(card) => view! { <Summary card text=text /> }.into_any(),
                None if !taken() => view! { <SummarySkeleton /> }.into_any(),
                None => ().into_any(),
            }}
            <Show when=taken>
                <div class="card notice" data-testid="cargo-taken">
                    <p>{text.load_taken}</p>
                </div>
            </Show>
            <Show when=move || responded.get()>
                <div class="card notice success-notice" data-testid="responded">
                    <p>{text.responded_sent}</p>
                </div>
            </Show>
            {move || notice.get().map(|message| view! { <p class="form-error" data-testid="respond-error">{message}</p> })}
            {move || match fetch.get() {
                Fetch::Arrived(detail) => view! { <Particulars detail=*detail text=text on_call=called /> }.into_any(),
                Fetch::Waiting => view! { <ParticularsSkeleton note=None /> }.into_any(),
                Fetch::Queued(_) => view! { <ParticularsSkeleton note=Some(text.details_coming) /> }.into_any(),
                Fetch::Failed(error) => {
                    let message = text.problem(&error);
                    view! {
                        <div class="card notice error-notice" data-testid="detail-error">
                            <p>{message}</p>
                            <button class="button secondary" on:click=move |_| load()>{text.retry}</button>
                        </div>
                    }
                    .into_any()
                }
                Fetch::Taken => ().into_any(),
            }}
            {move || card.get().and_then(|card| back_home_link(&card))}
            <Show when=move || !taken()>
                <button class="button secondary hide-button" data-testid="hide-load" on:click=hide.clone()>
                    {text.hide_load}
                </button>
            </Show>
        </article>
        <MainAction
            text=text.respond
            visible=Signal::derive(move || !responded.get() && matches!(fetch.get(), Fetch::Arrived(_)))
            busy=responding
            on_press=respond
        />
    }
}

/// "Обратный груз": loads from the card's unloading city back towards the driver's home (or the
/// card's origin), from its unloading day on; only when the card names both cities.
fn back_home_link(card: &CargoCard) -> Option<impl IntoView + use<>> {
    let (from, origin) = (card.to_city_id?, card.from_city_id?);
    let day = card
        .unloading_at
        .as_deref()
        .and_then(|at| at.get(..10))
        .map(|day| format!("&day={day}"))
        .unwrap_or_default();
    let href = format!("/back-home?from={from}&origin={origin}{day}");
    let label = crate::place::use_place_texts().back_title;
    Some(view! { <a class="button secondary" href=href data-testid="back-home">{label}</a> })
}

/// "01.12, 06:00 · Волгоград, ул. Складская, 7".
fn place_and_time(address: &str, when: &str) -> String {
    if when.is_empty() {
        address.to_owned()
    } else {
        format!("{when} · {address}")
    }
}

#[component]
fn Summary(card: CargoCard, text: &'static Texts) -> impl IntoView {
    let price = card.price_kopecks.map(format_rub);
    let per_km = card
        .price_per_km_kopecks()
        .map(|kopecks| format_rub_per_km(kopecks, text.km));
    view! {
        <header class="detail-head">
            <h1 class="detail-route" data-testid="detail-route">{card.route()}</h1>
            <p class="detail-price">
                <span class="price">{price}</span>
                <span class="muted">{per_km}</span>
            </p>
            <p class="muted">{dates_line(&card)}</p>
            <p>{size_line(&card, text)} " " {card_age(&card, text)}</p>
            <p class="muted small">
                {card
                    .truck_types
                    .iter()
                    .chain(&card.load_types)
                    .map(|pill| pill.name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")}
            </p>
        </header>
    }
}

#[component]
fn SummarySkeleton() -> impl IntoView {
    view! {
        <header class="detail-head" aria-hidden="true">
            <div class="skeleton-line wide"></div>
            <div class="skeleton-line"></div>
            <div class="skeleton-line short"></div>
        </header>
    }
}

/// Where the particulars will be; while they wait in line, the first line says so (in the
/// line's own height, so nothing moves).
#[component]
fn ParticularsSkeleton(note: Option<&'static str>) -> impl IntoView {
    view! {
        <section class="card" data-testid="detail-skeleton">
            {match note {
                Some(note) => view! { <p class="skeleton-note muted small" data-testid="detail-pending">{note}</p> }.into_any(),
                None => view! { <div class="skeleton-line" aria-hidden="true"></div> }.into_any(),
            }}
            <div class="skeleton-line wide" aria-hidden="true"></div>
            <div class="skeleton-line short" aria-hidden="true"></div>
        </section>
    }
}

/// What only the detail knows: addresses, the shipper, payment, the note and the contacts.
#[component]
fn Particulars(
    detail: CargoDetail,
    text: &'static Texts,
    on_call: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let card = &detail.card;
    let mut facts: Vec<(&'static str, String)> = Vec::new();
    if let Some(address) = &detail.from_address {
        let when = card
            .loading_at
            .as_deref()
            .map(format_when)
            .unwrap_or_default();
        facts.push((text.loading, place_and_time(address, &when)));
    }
    if let Some(address) = &detail.to_address {
        let when = card
            .unloading_at
            .as_deref()
            .map(format_when)
            .unwrap_or_default();
        facts.push((text.unloading, place_and_time(address, &when)));
    }
    if let Some(cargo) = &detail.cargo_type {
        facts.push((text.cargo_type, cargo.clone()));
    }
    if let Some(shipper) = detail
        .shipper_name
        .as_ref()
        .or(detail.company_name.as_ref())
    {
        facts.push((text.shipper, shipper.clone()));
    }
    if let Some(payment) = &card.payment {
        let mut terms = Vec::new();
        match payment.with_vat {
            Some(true) => terms.push(text.with_vat.to_owned()),
            Some(false) => terms.push(text.without_vat.to_owned()),
            None => {}
        }
        if payment.cash {
            terms.push(text.cash.to_owned());
        }
        if payment.prepayment {
            terms.push(text.prepayment.to_owned());
        }
        if let Some(days) = payment.delay_days {
            terms.push(text.delay_days.replace("{n}", &days.to_string()));
        }
        if !terms.is_empty() {
            facts.push((text.payment, terms.join(", ")));
        }
    }
    let flags: Vec<&str> = [
        detail.round_trip.then_some(text.round_trip),
        detail.partial_load.then_some(text.partial_load),
    ]
    .into_iter()
    .flatten()
    .collect();

    let shipper_link = detail.shipper_inn.clone().map(|inn| {
        let mark = card.shipper.clone();
        view! {
            <a class="shipper-link" href=format!("/shipper/{inn}?from={}", card.id) data-testid="shipper-link">
                {mark.map(|mark| view! { <ShipperBadge mark text /> })}
                <span>{text.about_shipper}</span>
            </a>
        }
    });
    view! {
        <section class="card">
            {shipper_link}
            <dl class="facts">
                {facts
                    .into_iter()
                    .map(|(name, value)| view! { <dt>{name}</dt><dd>{value}</dd> })
                    .collect_view()}
            </dl>
            {(!flags.is_empty()).then(|| view! { <p class="muted small">{flags.join(" · ")}</p> })}
        </section>
        {detail.note.clone().map(|note| view! {
            <section class="card">
                <h2>{text.note}</h2>
                <pre class="note" data-testid="note">{note}</pre>
            </section>
        })}
        <section class="card" data-testid="contacts">
            <h2>{text.contacts}</h2>
            {if detail.contacts.is_empty() {
                view! { <p class="muted">{text.no_contacts}</p> }.into_any()
            } else {
                detail
                    .contacts
                    .iter()
                    .map(|contact| {
                        view! {
                            <div class="contact">
                                <span>{contact.name.clone().unwrap_or_else(|| "—".into())}</span>
                                {contact
                                    .phones
                                    .iter()
                                    .map(|phone| match &phone.tel {
                                        Some(tel) => view! {
                                            <a class="phone" href=format!("tel:{tel}") data-testid="phone"
                                                on:click=move |_| on_call()>{phone.display.clone()}</a>
                                        }
                                        .into_any(),
                                        None => view! { <span class="phone">{phone.display.clone()}</span> }.into_any(),
                                    })
                                    .collect_view()}
                            </div>
                        }
                    })
                    .collect_view()
                    .into_any()
            }}
        </section>
    }
}
