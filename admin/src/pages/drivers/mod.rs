//! Drivers: find one among many (search, state, order, pages), then their page: profile, access,
//! history, payments, responses, and what staff may do to them (gift days, ban, cut their share
//! of the exchange's calls, write through the bot), each answered in place.

mod actions;
mod detail;
mod list;
mod share;

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::wire::drivers::DriverState;
use detail::DriverView;
use list::DriverList;

fn short_day(at: &str) -> String {
    at.chars().take(10).collect()
}

fn state_badge(state: DriverState) -> &'static str {
    match state {
        DriverState::Active => "badge ok",
        DriverState::Banned => "badge bad",
        DriverState::Trial | DriverState::Expired | DriverState::Never => "badge",
    }
}

#[component]
pub fn DriversPage() -> impl IntoView {
    let params = use_params_map();
    move || match params.with(|params| params.get("id")) {
        Some(id) => {
            let id = id.parse::<i64>().unwrap_or(-1);
            view! { <DriverView id /> }.into_any()
        }
        None => view! { <DriverList /> }.into_any(),
    }
}
