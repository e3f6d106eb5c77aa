//! Named filters on the filter form: pick one (the loads show at once), keep the current filter
//! under a name (with or without news of new loads), change one (its name, its filter, its
//! alerts), pause or resume its alerts, forget one. They are kept server-side, so every device of
//! the driver's sees the same list.

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
    // The saved filter being changed: its name and alerts are in the row below, its filter in the
    // form above.
    let editing = RwSignal::new(None::<SavedFilter>);
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
        let changing = editing.get_untracked();
        let body = SavedFilterDraft {
            name: name.get_untracked(),
            filter,
            notify: notify.get_untracked(),
            paused: changing.as_ref().is_some_and(|saved| saved.paused),
        };
        board.with_api(move |api| {
            spawn_local(async move {
                let (method, path) = match &changing {
                    Some(saved) => (Method::Put, format!("/api/v1/me/filters/{}", saved.id)),
                    None => (Method::Post, "/api/v1/me/filters".to_owned()),
                };
                match api.send::<SavedFilter>(method, &path, Some(&body)).await {
                    Ok(_) => {
                        telegram::haptic(Haptic::Success);
                        name.set(String::new());
                        notify.set(false);
                        editing.set(None);
                        problem.set(None);
                        refresh();
                    }
                    Err(error) => {
                        telegram::haptic(Haptic::Error);
                        problem.set(Some(error.message));
                    }
                }
            })
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
    let pause = move |saved_filter: SavedFilter| {
        let Some(api) = board.api() else { return };
        telegram::haptic(Haptic::Selection);
        let body = SavedFilterDraft {
            name: saved_filter.name.clone(),
            filter: saved_filter.filter.clone(),
            notify: saved_filter.notify,
            paused: !saved_filter.paused,
        };
        spawn_local(async move {
            let path = format!("/api/v1/me/filters/{}", saved_filter.id);
            match api
                .send::<SavedFilter>(Method::Put, &path, Some(&body))
                .await
            {
                Ok(Some(changed)) => saved.update(|list| {
                    if let Some(entry) = list.iter_mut().find(|s| s.id == changed.id) {
                        *entry = changed;
                    }
                }),
                Ok(None) => {}
                Err(error) => {
                    telegram::haptic(Haptic::Error);
                    problem.set(Some(error.message));
                }
            }
        });
    };
    // Its filter goes into the form (the list is not changed yet), its name and alerts below.
    let edit = move |saved_filter: SavedFilter| {
        telegram::haptic(Haptic::Selection);
        let picked = Draft::from_filter(&saved_filter.filter);
        from.set(picked.from.clone());
        to.set(picked.to.clone());
        draft.set(picked);
        name.set(saved_filter.name.clone());
        notify.set(saved_filter.notify);
        problem.set(None);
        editing.set(Some(saved_filter));
    };
    let stop_editing = move || {
        editing.set(None);
        name.set(String::new());
        notify.set(false);
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
                <For each=move || saved.get() key=|s| (s.id, s.name.clone(), s.notify, s.paused) let(s)>
                    <li class="saved-item" class:paused=s.paused data-testid="saved-filter" data-paused=s.paused.to_string()>
                        <button type="button" class="saved-pick" on:click={
                            let filter = s.filter.clone();
                            let pick = pick.clone();
                            move |_| pick(filter.clone())
                        }>
                            {s.name.clone()}
                            {(s.notify && !s.paused).then_some(" 🔔")}
                            {(s.notify && s.paused).then(|| format!(" · {}", text.paused))}
                        </button>
                        {s.notify.then(|| {
                            let s = s.clone();
                            let label = if s.paused { text.resume_alerts } else { text.pause_alerts };
                            view! {
                                <button type="button" class="saved-tool" data-testid="pause-filter"
                                    aria-label=label title=label
                                    on:click=move |_| pause(s.clone())>
                                    {if s.paused { "▶" } else { "⏸" }}
                                </button>
                            }
                        })}
                        <button type="button" class="saved-tool" data-testid="edit-filter"
                            aria-label=text.edit title=text.edit
                            on:click={
                                let s = s.clone();
                                move |_| edit(s.clone())
                            }>"✎"</button>
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
                    {move || if editing.with(Option::is_some) { text.save_changes } else { text.save_as }}
                </button>
                <Show when=move || editing.with(Option::is_some)>
                    <button type="button" class="button secondary" data-testid="cancel-edit"
                        on:click=move |_| stop_editing()>
                        {text.cancel}
                    </button>
                </Show>
                <FieldError error=problem />
            </div>
        </section>
    }
}
