//! The filter form: every field of the gateway's filter, each problem explained next to its field
//! before anything is sent, and below them the named filters to keep and pick (`saved_filters`).
//! Telegram's MainButton shows the loads; the BackButton returns to them unchanged.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::{
    chips::sort_label,
    city_input::{CityInput, FieldError},
    draft::{Draft, WeightChoice},
    saved_filters::SavedFilters,
    use_board,
};
use crate::{
    actions::{BackAction, MainAction},
    cargo::{
        dictionary::{load_types, truck_types},
        filter::{FieldError as Problem, FilterField, SortOrder, WeightCategory, WeightPreset},
    },
    i18n::{Lang, use_texts},
    telegram::{self, Haptic},
};

const SORTS: [SortOrder; 5] = [
    SortOrder::Newest,
    SortOrder::Price,
    SortOrder::PricePerKm,
    SortOrder::Distance,
    SortOrder::LoadingDate,
];

#[component]
pub fn FiltersPage() -> impl IntoView {
    let board = use_board();
    let text = use_texts();
    let navigate = use_navigate();
    let draft = RwSignal::new(Draft::from_filter(&board.filter.get_untracked()));
    let from = RwSignal::new(draft.get_untracked().from);
    let to = RwSignal::new(draft.get_untracked().to);
    let from_unresolved = RwSignal::new(false);
    let to_unresolved = RwSignal::new(false);
    Effect::new(move |_| {
        let (from, to) = (from.get(), to.get());
        draft.update(|d| {
            d.from = from;
            d.to = to;
        });
    });

    let outcome = Memo::new(move |_| {
        let mut result = draft.with(|d| d.to_filter(text));
        for (field, unresolved, what) in [
            (FilterField::From, from_unresolved.get(), "погрузки"),
            (FilterField::To, to_unresolved.get(), "выгрузки"),
        ] {
            if unresolved {
                let problem = Problem {
                    field,
                    code: crate::cargo::filter::FilterProblem::InvalidCity,
                    message: format!("Выберите город {what} из списка"),
                };
                match &mut result {
                    Ok(_) => result = Err(vec![problem]),
                    Err(errors) => errors.push(problem),
                }
            }
        }
        result
    });
    let error_of = move |field: FilterField| {
        Signal::derive(move || {
            outcome.with(|outcome| {
                outcome
                    .as_ref()
                    .err()
                    .and_then(|errors| errors.iter().find(|e| e.field == field))
                    .map(|e| e.message.clone())
            })
        })
    };
    let tried = RwSignal::new(false);

    let go_back = {
        let navigate = navigate.clone();
        move || navigate("/", Default::default())
    };
    let show_loads = {
        let navigate = navigate.clone();
        move || match outcome.get_untracked() {
            Ok(filter) => {
                board.apply(filter);
                navigate("/", Default::default());
            }
            Err(_) => {
                tried.set(true);
                telegram::haptic(Haptic::Error);
            }
        }
    };

    view! {
        <BackAction label=text.back on_back=go_back />
        <h1 class="page-title">{text.filters}</h1>
        <form class="filter-form" data-testid="filter-form" on:submit=|event| event.prevent_default()>
            <CityInput name="from" label=text.from place=from unresolved=from_unresolved error=error_of(FilterField::From) />
            <CityInput name="to" label=text.to place=to unresolved=to_unresolved error=error_of(FilterField::To) />

            <div class="field">
                <label class="field-label" for="loading-date">{text.loading_date}</label>
                <input
                    id="loading-date"
                    class="input"
                    type="date"
                    data-testid="loading-date"
                    value=draft.with_untracked(|d| d.loading_date.clone())
                    on:input=move |e| draft.update(|d| d.loading_date = event_target_value(&e))
                />
                <FieldError error=error_of(FilterField::LoadingDate) />
            </div>

            <WeightField draft error=error_of(FilterField::WeightVolume) />
            <Choices draft kinds=Kinds::Truck title=text.truck_types name="truck-types" />
            <Choices draft kinds=Kinds::Loading title=text.load_types name="load-types" />
            <RangeField draft range=Bounds::Distance title=text.distance_km name="distance" error=error_of(FilterField::DistanceKm) />
            <RangeField draft range=Bounds::Price title=text.price_rub name="price" error=error_of(FilterField::PriceRub) />
            <RangeField draft range=Bounds::PricePerKm title=text.price_per_km name="price-per-km" error=error_of(FilterField::PricePerKmRub) />

            <div class="field">
                <label class="field-label" for="shipper-inn">{text.shipper_inn}</label>
                <input
                    id="shipper-inn"
                    class="input"
                    inputmode="numeric"
                    data-testid="shipper-inn"
                    value=draft.with_untracked(|d| d.shipper_inn.clone())
                    on:input=move |e| draft.update(|d| d.shipper_inn = event_target_value(&e))
                />
                <FieldError error=error_of(FilterField::ShipperInn) />
            </div>

            <div class="field">
                <label class="field-label" for="sort">{text.sort}</label>
                <select
                    id="sort"
                    class="input"
                    data-testid="sort"
                    on:change=move |e| {
                        let index: usize = event_target_value(&e).parse().unwrap_or(0);
                        draft.update(|d| d.sort = SORTS.get(index).copied().unwrap_or_default());
                    }
                >
                    {SORTS
                        .iter()
                        .enumerate()
                        .map(|(index, sort)| {
                            let sort = *sort;
                            view! {
                                <option value=index.to_string() selected=move || draft.with(|d| d.sort == sort)>
                                    {move || sort_label(sort, text)}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </div>
            <p class="form-error" role="alert" data-testid="form-error">
                {move || (tried.get() && outcome.with(Result::is_err)).then_some(text.fix_filter)}
            </p>
        </form>
        <SavedFilters board draft outcome=outcome.into() from to />
        <MainAction
            text=text.show_loads
            visible=Signal::derive(|| true)
            busy=Signal::derive(|| false)
            on_press=show_loads
        />
    }
}

fn toggle(ids: &mut Vec<u32>, id: u32) {
    telegram::haptic(Haptic::Selection);
    if let Some(at) = ids.iter().position(|known| *known == id) {
        ids.remove(at);
    } else {
        ids.push(id);
    }
}

#[component]
fn WeightField(
    draft: RwSignal<Draft>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let text = use_texts();
    let choose = move |choice: WeightChoice| {
        telegram::haptic(Haptic::Selection);
        draft.update(|d| {
            d.weight = if d.weight == choice {
                WeightChoice::Any
            } else {
                choice
            }
        });
    };
    // One button per choice; pressed again, a choice goes back to "any".
    let option = move |choice: WeightChoice, label: &'static str| {
        view! {
            <button
                type="button"
                class="choice"
                class:chosen=move || draft.with(|d| d.weight == choice)
                aria-pressed=move || draft.with(|d| d.weight == choice).to_string()
                on:click=move |_| choose(choice)
            >
                {label}
            </button>
        }
    };
    view! {
        <fieldset class="field" data-testid="field-weight">
            <legend class="field-label">{text.weight_volume}</legend>
            // The categories come first: they are how drivers size a load; trucks follow.
            <div class="choice-row">
                {option(WeightChoice::Any, text.any_weight)}
                {WeightCategory::ALL
                    .into_iter()
                    .map(|category| {
                        option(WeightChoice::Category(category), text.weight_category(category))
                    })
                    .collect_view()}
                {WeightPreset::ALL
                    .into_iter()
                    .map(|preset| option(WeightChoice::Preset(preset), preset.label(text.lang)))
                    .collect_view()}
                <button
                    type="button"
                    class="choice"
                    data-testid="weight-custom"
                    class:chosen=move || draft.with(|d| d.weight == WeightChoice::Custom)
                    on:click=move |_| choose(WeightChoice::Custom)
                >
                    {text.custom}
                </button>
            </div>
            <Show when=move || draft.with(|d| d.weight == WeightChoice::Custom)>
                <div class="range-row">
                    <input class="input" inputmode="decimal" data-testid="custom-tonnes"
                        placeholder=text.tonnes
                        value=draft.with_untracked(|d| d.tonnes.clone())
                        on:input=move |e| draft.update(|d| d.tonnes = event_target_value(&e)) />
                    <input class="input" inputmode="decimal" data-testid="custom-cubic-metres"
                        placeholder=text.cubic_metres
                        value=draft.with_untracked(|d| d.cubic_metres.clone())
                        on:input=move |e| draft.update(|d| d.cubic_metres = event_target_value(&e)) />
                </div>
            </Show>
            <FieldError error />
        </fieldset>
    }
}

/// Which dictionary a set of choices offers.
#[derive(Debug, Clone, Copy)]
enum Kinds {
    Truck,
    Loading,
}

impl Kinds {
    fn options(self, lang: Lang) -> &'static [(u32, &'static str, &'static str)] {
        match self {
            Self::Truck => truck_types(lang),
            Self::Loading => load_types(lang),
        }
    }

    fn of(self, draft: &Draft) -> &Vec<u32> {
        match self {
            Self::Truck => &draft.truck_types,
            Self::Loading => &draft.load_types,
        }
    }

    fn of_mut(self, draft: &mut Draft) -> &mut Vec<u32> {
        match self {
            Self::Truck => &mut draft.truck_types,
            Self::Loading => &mut draft.load_types,
        }
    }
}

#[component]
fn Choices(
    draft: RwSignal<Draft>,
    kinds: Kinds,
    title: &'static str,
    name: &'static str,
) -> impl IntoView {
    let chosen = move |id: u32| draft.with(|d| kinds.of(d).contains(&id));
    view! {
        <fieldset class="field" data-testid=format!("field-{name}")>
            <legend class="field-label">{title}</legend>
            <div class="choice-row">
                {kinds
                    .options(use_texts().lang)
                    .iter()
                    .map(|(id, label, _)| {
                        let id = *id;
                        view! {
                            <button
                                type="button"
                                class="choice"
                                class:chosen=move || chosen(id)
                                aria-pressed=move || chosen(id).to_string()
                                on:click=move |_| draft.update(|d| toggle(kinds.of_mut(d), id))
                            >
                                {*label}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
        </fieldset>
    }
}

/// Which range a pair of fields edits.
#[derive(Debug, Clone, Copy)]
enum Bounds {
    Distance,
    Price,
    PricePerKm,
}

impl Bounds {
    fn ends(self, draft: &Draft) -> [&String; 2] {
        match self {
            Self::Distance => [&draft.distance_min, &draft.distance_max],
            Self::Price => [&draft.price_min, &draft.price_max],
            Self::PricePerKm => [&draft.price_per_km_min, &draft.price_per_km_max],
        }
    }

    fn end_mut(self, draft: &mut Draft, max: bool) -> &mut String {
        match (self, max) {
            (Self::Distance, false) => &mut draft.distance_min,
            (Self::Distance, true) => &mut draft.distance_max,
            (Self::Price, false) => &mut draft.price_min,
            (Self::Price, true) => &mut draft.price_max,
            (Self::PricePerKm, false) => &mut draft.price_per_km_min,
            (Self::PricePerKm, true) => &mut draft.price_per_km_max,
        }
    }
}

/// "from" and "to" for one range. The inputs are the driver's own: they start from the filter
/// and report every keystroke, and nothing else ever rewrites them.
#[component]
fn RangeField(
    draft: RwSignal<Draft>,
    range: Bounds,
    title: &'static str,
    name: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let text = use_texts();
    let [min, max] = draft.with_untracked(|d| range.ends(d).map(String::clone));
    let set = move |max: bool, value: String| draft.update(|d| *range.end_mut(d, max) = value);
    view! {
        <div class="field" data-testid=format!("field-{name}")>
            <label class="field-label" for=format!("{name}-min")>{title}</label>
            <div class="range-row">
                <input id=format!("{name}-min") class="input" inputmode="decimal"
                    data-testid=format!("{name}-min")
                    placeholder=text.min
                    value=min
                    on:input=move |e| set(false, event_target_value(&e)) />
                <input class="input" inputmode="decimal"
                    data-testid=format!("{name}-max")
                    aria-label=format!("{title} {}", text.max)
                    placeholder=text.max
                    value=max
                    on:input=move |e| set(true, event_target_value(&e)) />
            </div>
            <FieldError error />
        </div>
    }
}
