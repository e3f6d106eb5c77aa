//! The cabinet: passes to the exchange's web cabinet (issued to a driver for a set time, found
//! by driver and state, revoked), the sessions opened with them (who, when, how much), and the
//! paths no pass may open. Any staff reads; admins change, and every change is audited.

mod passes;
mod policy;
mod sessions;

use leptos::prelude::*;

use crate::{client::use_desk, i18n::use_texts, wire::Role};
use passes::Passes;
use policy::Policy;
use sessions::Sessions;

#[component]
pub fn CabinetPage() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let may_change = Signal::derive(move || desk.may(Role::Admin));
    view! {
        <h1>{t.nav.cabinet}</h1>
        <p class="muted">{t.cabinet.intro}</p>
        <Show when=move || !may_change.get()>
            <p class="muted">{t.cabinet.only_admins}</p>
        </Show>
        <Passes may_change />
        <Sessions />
        <Policy may_change />
    }
}
