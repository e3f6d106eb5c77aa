//! Named filters on the filter form: pick one (the loads show at once), keep the current filter
//! under a name (with or without news of new loads), forget one. They are kept server-side, so
//! every device of the driver's sees the same list.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_navigate;

use super::{Board, city_input::FieldError, draft::Draft};
use crate::{
    api::Method,
    cargo::{
        filter::{CargoFilter, FieldError as Problem, PlaceFilter},
        saved::{SavedFilter, SavedFilterDraft},
    },
    i18n::use_texts,
    telegram::{self, Haptic},
};

/// Named filters: pick one (it is shown at once), keep the current one under a name, forget one.
#[component]
pub(super) fn SavedFilters(
    board: Board,
    draft: RwSignal<Draft>,
    outcome: Signal<Result<CargoFilter, Vec<Problem>>>,
    from: RwSignal<Option<PlaceFilter>>,
    to: RwSignal<Option<PlaceFilter>>,
) -> impl IntoView {
    let text = use_texts();
    let navigate = use_navigate();
    let saved = RwSignal::new(Vec::<SavedFilter>::new());
    let name = RwSignal::new(String::new());
    let notify = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    let refresh = move || {
        if let Some(api) = board.api() {
            spawn_local(async move {
                if let Ok(list) = api.get::<Vec<SavedFilter>>("/api/v1/me/filters").await {
                    saved.set(list);
                }
            });
        }
    };
    Effect::new(move |_| {
        if board.signed_in() {
            refresh();
        }
    });
    let save = move || {
        let Ok(filter) = outcome.get_untracked() else {
            telegram::haptic(Haptic::Error);
            problem.set(Some(text.fix_filter.to_owned()));
            return;
        };
        let Some(api) = board.api() else { return };
        let body = SavedFilterDraft {
            name: name.get_untracked(),
            filter,
            notify: notify.get_untracked(),
        };
        spawn_local(async move {
            match api
                .send::<SavedFilter>(Method::Post, "/api/v1/me/filters", Some(&body))
                .await
            {
                Ok(_) => {
                    telegram::haptic(Haptic::Success);
                    name.set(String::new());
                    problem.set(None);
                    refresh();
                }
                Err(error) => {
                    telegram::haptic(Haptic::Error);
                    problem.set(Some(error.message));
                }
            }
        });
    };
    let forget = move |id: i64| {
        let Some(api) = board.api() else { return };
        spawn_local(async move {
            let path = format!("/api/v1/me/filters/{id}");
            if api
                .send::<()>(Method::Delete, &path, None::<&()>)
                .await
                .is_ok()
            {
                saved.update(|list| list.retain(|s| s.id != id));
            }
        });
    };
    let pick = move |filter: CargoFilter| {
        telegram::haptic(Haptic::Selection);
        let picked = Draft::from_filter(&filter);
        from.set(picked.from.clone());
        to.set(picked.to.clone());
        draft.set(picked);
        board.apply(filter);
        navigate("/", Default::default());
    };
    view! {
        <section class="card saved" data-testid="saved-filters">
            <h2>{text.saved_filters}</h2>
            <ul class="saved-list">
                <For each=move || saved.get() key=|s| (s.id, s.name.clone(), s.notify) let(s)>
                    <li class="saved-item" data-testid="saved-filter">
                        <button type="button" class="saved-pick" on:click={
                            let filter = s.filter.clone();
                            let pick = pick.clone();
                            move |_| pick(filter.clone())
                        }>
                            {s.name.clone()}
                            {s.notify.then_some(" 🔔")}
                        </button>
                        <button type="button" class="saved-delete" aria-label=text.delete
                            on:click=move |_| forget(s.id)>"×"</button>
                    </li>
                </For>
            </ul>
            <div class="save-row">
                <input class="input" data-testid="saved-name" maxlength="60"
                    placeholder=text.filter_name
                    prop:value=move || name.get()
                    on:input=move |e| name.set(event_target_value(&e)) />
                <label class="check">
                    <input type="checkbox" prop:checked=move || notify.get()
                        on:change=move |e| notify.set(event_target_checked(&e)) />
                    {text.notify_new}
                </label>
                <button type="button" class="button secondary" data-testid="save-filter"
                    disabled=move || name.with(|n| n.trim().is_empty())
                    on:click=move |_| save()>
                    {text.save_as}
                </button>
                <FieldError error=problem />
            </div>
        </section>
    }
}
