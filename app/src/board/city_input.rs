//! A city field with suggestions from the exchange's points dictionary: typed letters wait a
//! moment (so a fast typist sends one request, not five), then a short list to pick from.

use std::time::Duration;

use leptos::{prelude::*, task::spawn_local};

use super::use_board;
use crate::{
    api::encode,
    cargo::{dictionary::City, filter::PlaceFilter},
    i18n::use_texts,
    telegram::{self, Haptic},
};

const DEBOUNCE: Duration = Duration::from_millis(250);
const RADII_KM: [u32; 6] = [0, 25, 50, 100, 200, 500];

#[component]
pub fn CityInput(
    /// `from` or `to`, for test ids and labels.
    name: &'static str,
    #[prop(into)] label: Signal<&'static str>,
    place: RwSignal<Option<PlaceFilter>>,
    /// Set while letters are typed but no city is picked (the form then says "pick one").
    unresolved: RwSignal<bool>,
    #[prop(into)] error: Signal<Option<String>>,
    /// The radius beside the city (a filter's places have one, a home city has none).
    #[prop(default = true)]
    radius: bool,
) -> impl IntoView {
    let board = use_board();
    let text = use_texts();
    let typed = RwSignal::new(
        place
            .get_untracked()
            .map(|place| place.city_name)
            .unwrap_or_default(),
    );
    let suggestions = RwSignal::new(Vec::<City>::new());
    let not_loaded = RwSignal::new(false);
    let asked = StoredValue::new(0_u32);

    Effect::new(move |_| {
        unresolved.set(!typed.with(|t| t.trim().is_empty()) && place.with(Option::is_none));
    });
    let on_input = move |value: String| {
        typed.set(value.clone());
        if value.trim().is_empty() {
            place.set(None);
            suggestions.set(Vec::new());
            return;
        }
        // Typing over a chosen city un-chooses it until a suggestion is picked.
        if place.with_untracked(|p| p.as_ref().is_some_and(|p| p.city_name != value)) {
            place.set(None);
        }
        asked.update_value(|n| *n += 1);
        let ticket = asked.get_value();
        set_timeout(
            move || {
                if asked.try_get_value() != Some(ticket) || value.trim().chars().count() < 2 {
                    return;
                }
                board.with_api(move |api| {
                    spawn_local(async move {
                        let path = format!("/api/v1/cities?q={}", encode(value.trim()));
                        let answer = api.get::<Vec<City>>(&path).await;
                        // Newer letters were typed, or the driver has left the page.
                        if asked.try_get_value() != Some(ticket) {
                            return;
                        }
                        not_loaded.set(
                            answer
                                .as_ref()
                                .is_err_and(|error| error.code == "cities_not_loaded"),
                        );
                        if let Ok(cities) = answer {
                            suggestions.set(cities.into_iter().take(6).collect());
                        }
                    });
                });
            },
            DEBOUNCE,
        );
    };
    let choose = move |city: City| {
        telegram::haptic(Haptic::Selection);
        typed.set(city.name.clone());
        let radius_km = place.with_untracked(|p| p.as_ref().map_or(0, |p| p.radius_km));
        place.set(Some(PlaceFilter {
            city_id: city.id,
            point_type: city.point_type,
            city_name: city.name,
            radius_km,
        }));
        suggestions.set(Vec::new());
    };

    view! {
        <div class="field" data-testid=format!("field-{name}")>
            <label class="field-label" for=format!("city-{name}")>{move || label.get()}</label>
            <div class="city-row">
                <input
                    id=format!("city-{name}")
                    class="input"
                    type="search"
                    autocomplete="off"
                    data-testid=format!("city-{name}")
                    placeholder=text.city_placeholder
                    prop:value=move || typed.get()
                    on:input=move |event| on_input(event_target_value(&event))
                />
                <select
                    class="input radius"
                    hidden=!radius
                    aria-label=text.radius
                    data-testid=format!("radius-{name}")
                    disabled=move || place.with(Option::is_none)
                    on:change=move |event| {
                        let radius_km = event_target_value(&event).parse().unwrap_or(0);
                        place.update(|p| if let Some(p) = p { p.radius_km = radius_km });
                    }
                >
                    {RADII_KM
                        .into_iter()
                        .map(|km| {
                            let selected = move || place.with(|p| p.as_ref().map_or(0, |p| p.radius_km) == km);
                            view! {
                                <option value=km.to_string() selected=selected>
                                    {if km == 0 { format!("±0 {}", text.km) } else { format!("+{km} {}", text.km) }}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <Show when=move || suggestions.with(|s| !s.is_empty())>
                <ul class="suggestions" role="listbox" data-testid=format!("suggestions-{name}")>
                    <For each=move || suggestions.get() key=|city| city.id let(city)>
                        <li>
                            <button type="button" class="suggestion" on:click={
                                let city = city.clone();
                                move |_| choose(city.clone())
                            }>{city.name.clone()}</button>
                        </li>
                    </For>
                </ul>
            </Show>
            <Show when=move || not_loaded.get()>
                <p class="field-hint" data-testid=format!("cities-not-loaded-{name}")>{text.cities_not_loaded}</p>
            </Show>
            <FieldError error />
        </div>
    }
}

/// The problem with a field, right under it; the space is always there, so nothing jumps.
#[component]
pub fn FieldError(#[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p class="field-error" role="alert" data-testid="field-error">
            {move || error.get()}
        </p>
    }
}
