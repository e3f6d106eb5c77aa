//! The three pages of the searches by place. Each asks one `GET /api/v1/cargos/…` and shows the
//! page of placed cards: an ordinary card with how far its loading city is (or what it adds to
//! the route).

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::{use_navigate, use_query_map};

use super::texts::{PlaceTexts, use_place_texts};
use crate::{
    actions::BackAction,
    api::encode,
    board::{Board, CardView, CityInput, use_board},
    cargo::{
        filter::PlaceFilter,
        place::{NEAR_RADII_KM, PlacedPage},
    },
    i18n::use_texts,
    session::ApiErrorBody,
    telegram::{
        self, Haptic,
        location::{self, Located},
    },
};

/// Cards a search page shows.
const PAGE: u32 = 50;
const CORRIDORS_KM: [u32; 3] = [25, 50, 100];

/// Where a search stands.
#[derive(Debug, Clone, PartialEq)]
enum Search {
    Idle,
    /// Waiting for Telegram or the browser to say where the driver is.
    Locating,
    Asking,
    Found(PlacedPage),
    Failed(ApiErrorBody),
}

/// Asks `path` and puts the answer in `search`.
fn ask(board: Board, path: String, search: RwSignal<Search>) {
    search.set(Search::Asking);
    board.with_api(move |api| {
        spawn_local(async move {
            search.set(match api.get::<PlacedPage>(&path).await {
                Ok(page) => Search::Found(page),
                Err(error) => Search::Failed(error),
            });
        });
    });
}

fn go_home() -> impl Fn() + Clone + 'static {
    let navigate = use_navigate();
    move || navigate("/", Default::default())
}

#[component]
pub fn NearPage() -> impl IntoView {
    let board = use_board();
    let text = use_texts();
    let t = use_place_texts();
    let radius = RwSignal::new(100_u32);
    let search = RwSignal::new(Search::Idle);
    // Set once the location was refused or could not be had: the driver picks a city instead.
    let fallback = RwSignal::new(None::<&'static str>);
    let city = RwSignal::new(None::<PlaceFilter>);
    let unresolved = RwSignal::new(false);
    let at = RwSignal::new(None::<(f64, f64)>);

    let run = move || {
        let query = match (at.get_untracked(), city.get_untracked()) {
            (Some((lat, lon)), _) => format!("lat={lat:.5}&lon={lon:.5}"),
            (None, Some(city)) => format!("city_id={}", city.city_id),
            (None, None) => return,
        };
        let path = format!(
            "/api/v1/cargos/near?{query}&radius_km={}&limit={PAGE}",
            radius.get_untracked()
        );
        ask(board, path, search);
    };
    let locate = move |_| {
        telegram::haptic(Haptic::Tap);
        search.set(Search::Locating);
        location::locate(move |located| match located {
            Located::At { lat, lon } => {
                fallback.set(None);
                at.set(Some((lat, lon)));
                run();
            }
            Located::Refused => {
                search.set(Search::Idle);
                fallback.set(Some(t.refused));
            }
            Located::Unavailable => {
                search.set(Search::Idle);
                fallback.set(Some(t.unavailable));
            }
        });
    };
    // A city picked in the fallback searches at once.
    Effect::new(move |_| {
        if city.with(Option::is_some) {
            at.set(None);
            run();
        }
    });

    view! {
        <BackAction label=text.back on_back=go_home() />
        <h1 class="page-title">{t.near_title}</h1>
        <section class="card">
            <p class="muted small">{t.radius}</p>
            <div class="chips" role="group" aria-label=t.radius>
                {NEAR_RADII_KM
                    .into_iter()
                    .map(|km| {
                        view! {
                            <button
                                class="chip"
                                class:selected=move || radius.get() == km
                                data-testid=format!("radius-{km}")
                                on:click=move |_| {
                                    radius.set(km);
                                    run();
                                }
                            >
                                {format!("{km} {}", text.km)}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <button class="button" data-testid="find-near" on:click=locate>{t.find_near}</button>
            {move || fallback.get().map(|why| view! {
                <p class="notice" data-testid="location-refused">{why}</p>
                <CityInput
                    name="near"
                    label=Signal::stored(t.city)
                    place=city
                    unresolved
                    error=Signal::stored(None::<String>)
                    radius=false
                />
            })}
        </section>
        <Results search t distance=Distance::FromYou />
    }
}

#[component]
pub fn AlongPage() -> impl IntoView {
    let board = use_board();
    let text = use_texts();
    let t = use_place_texts();
    let from = RwSignal::new(None::<PlaceFilter>);
    let to = RwSignal::new(None::<PlaceFilter>);
    let (from_open, to_open) = (RwSignal::new(false), RwSignal::new(false));
    let corridor = RwSignal::new(50_u32);
    let search = RwSignal::new(Search::Idle);
    let missing = RwSignal::new(false);
    let run = move || {
        let (Some(from), Some(to)) = (from.get_untracked(), to.get_untracked()) else {
            missing.set(true);
            return;
        };
        missing.set(false);
        let path = format!(
            "/api/v1/cargos/along?from_city_id={}&to_city_id={}&corridor_km={}&limit={PAGE}",
            from.city_id,
            to.city_id,
            corridor.get_untracked()
        );
        ask(board, path, search);
    };
    view! {
        <BackAction label=text.back on_back=go_home() />
        <h1 class="page-title">{t.along_title}</h1>
        <section class="card">
            <CityInput name="from" label=Signal::stored(t.route_from) place=from unresolved=from_open error=Signal::stored(None::<String>) radius=false />
            <CityInput name="to" label=Signal::stored(t.route_to) place=to unresolved=to_open error=Signal::stored(None::<String>) radius=false />
            <p class="muted small">{t.corridor}</p>
            <div class="chips" role="group" aria-label=t.corridor>
                {CORRIDORS_KM
                    .into_iter()
                    .map(|km| {
                        view! {
                            <button
                                class="chip"
                                class:selected=move || corridor.get() == km
                                data-testid=format!("corridor-{km}")
                                on:click=move |_| corridor.set(km)
                            >
                                {format!("{km} {}", text.km)}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <Show when=move || missing.get()>
                <p class="form-error" data-testid="pick-both">{t.pick_both}</p>
            </Show>
            <button class="button" data-testid="find-along" on:click=move |_| run()>{t.find_along}</button>
        </section>
        <Results search t distance=Distance::Detour />
    }
}

/// `/back-home?from=<unloading city>&origin=<loading city>&day=<unloading day>`, opened from a
/// card's "Обратный груз".
#[component]
pub fn BackHomePage() -> impl IntoView {
    let board = use_board();
    let text = use_texts();
    let t = use_place_texts();
    let query = use_query_map();
    let search = RwSignal::new(Search::Idle);
    Effect::new(move |_| {
        let (from, origin, day) = query.with(|q| (q.get("from"), q.get("origin"), q.get("day")));
        let (Some(from), Some(origin)) = (from, origin) else {
            return;
        };
        let day = day
            .map(|day| format!("&loading_from={}", encode(&day)))
            .unwrap_or_default();
        let path = format!(
            "/api/v1/cargos/back-home?from_city_id={}&origin_city_id={}{day}&limit={PAGE}",
            encode(&from),
            encode(&origin)
        );
        if board.signed_in() {
            ask(board, path, search);
        }
    });
    let toward = move || match search.get() {
        Search::Found(page) => page.toward.map(|city| city.name),
        _ => None,
    };
    view! {
        <BackAction label=text.back on_back=go_home() />
        <h1 class="page-title">{t.back_title}</h1>
        {move || toward().map(|name| view! {
            <p class="muted" data-testid="toward">{format!("{} {name}", t.toward)}</p>
        })}
        <Results search t distance=Distance::FromUnloading />
    }
}

/// What the distance on each card says.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Distance {
    FromYou,
    FromUnloading,
    Detour,
}

#[component]
fn Results(search: RwSignal<Search>, t: &'static PlaceTexts, distance: Distance) -> impl IntoView {
    let text = use_texts();
    move || match search.get() {
        Search::Idle => ().into_any(),
        Search::Locating => {
            view! { <p class="muted" data-testid="place-locating">{t.locating}</p> }.into_any()
        }
        Search::Asking => {
            view! { <p class="muted" data-testid="place-searching">{t.searching}</p> }.into_any()
        }
        Search::Failed(error) => {
            view! { <p class="form-error" data-testid="place-error">{text.problem(&error)}</p> }
                .into_any()
        }
        Search::Found(page) => {
            let cities = page
                .cities
                .iter()
                .map(|searched| format!("{} {}", searched.city.name, searched.km))
                .collect::<Vec<_>>()
                .join(", ");
            let empty = page.cards.is_empty();
            view! {
                <p class="muted small" data-testid="searched-cities">
                    {format!("{}: {cities} {}", t.searched_in, text.km)}
                </p>
                {empty.then(|| view! { <p class="empty" data-testid="place-empty">{t.nothing}</p> })}
                <div class="cards" data-testid="placed-cards">
                    {page
                        .cards
                        .into_iter()
                        .map(|placed| {
                            let label = match (distance, placed.detour_km) {
                                (Distance::Detour, Some(0)) => t.on_the_way.to_owned(),
                                (Distance::Detour, Some(km)) => format!("+{km} {}", t.detour),
                                (Distance::FromUnloading, _) => {
                                    format!("{} {}", placed.pickup_km, t.from_unloading)
                                }
                                _ => format!("{} {}", placed.pickup_km, t.from_you),
                            };
                            view! {
                                <div class="placed-card">
                                    <p class="pickup-km small" data-testid="placed-distance">{label}</p>
                                    <CardView card=placed.card text=text />
                                </div>
                            }
                        })
                        .collect_view()}
                </div>
            }
            .into_any()
        }
    }
}
