//! The points dictionary's panel on the connection page: how many points city search answers
//! from and when they were read from the exchange; admins read them again now.

use leptos::prelude::*;

use super::Problem;
use crate::{
    client::{Method, use_desk},
    format::second,
    i18n::use_texts,
    wire::{ErrorBody, cities::CitiesView},
};

#[component]
pub fn CitiesPanel(may_act: impl Fn() -> bool + Send + Sync + Copy + 'static) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let c = &t.connection;
    let shown = RwSignal::new(None::<CitiesView>);
    let problem = RwSignal::new(None::<ErrorBody>);
    let load = move || {
        leptos::task::spawn_local(async move {
            shown.set(desk.get("/admin/api/cities").await.ok());
        });
    };
    Effect::new(move |_| load());
    let refresh = move |_| {
        problem.set(None);
        leptos::task::spawn_local(async move {
            match desk
                .send::<CitiesView>(Method::Post, "/admin/api/cities/refresh", None::<&()>)
                .await
            {
                Ok(view) => shown.set(view),
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    view! {
        <h2>{c.cities}</h2>
        <div class="card cities" data-testid="cities-panel">
            {move || shown.get().map(|view| {
                let line = match (view.points, view.refreshed_at.as_deref()) {
                    (Some(points), Some(at)) => (c.cities_line)(points, &second(at), view.refreshed_by.as_deref().unwrap_or("—")),
                    _ => c.cities_never.to_owned(),
                };
                view! {
                    <p data-testid="cities-state">{line}</p>
                    {view.refreshing.then(|| view! { <p class="muted">{c.cities_refreshing}</p> })}
                    {view.last_failure.map(|reason| view! { <p class="muted" data-testid="cities-failure">{(c.cities_failed)(&reason)}</p> })}
                }
            })}
            {move || problem.get().map(|error| view! { <Problem error /> })}
            <Show when=may_act>
                <div class="toolbar">
                    <button data-testid="cities-refresh" on:click=refresh>{c.refresh_cities}</button>
                    <button class="secondary" on:click=move |_| load()>{c.cities_look_again}</button>
                </div>
            </Show>
        </div>
    }
}
