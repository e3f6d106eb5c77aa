//! Plans and promo codes: the plans the paywall sells (edited in place, switched on and off),
//! a form for one code, a generator for a campaign's batch, every code with its uses, and who
//! tries codes that do not exist.

mod codes;
mod forms;
mod guesses;
mod plans;

use leptos::prelude::*;

use crate::{client::use_desk, i18n::use_texts, wire::Role};
use codes::Codes;
use forms::{Batch, NewCode};
use guesses::Guesses;
use plans::Plans;

#[component]
pub fn PromoPage() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let may_change = Signal::derive(move || desk.may(Role::Admin));
    let codes_version = RwSignal::new(0_u32);
    view! {
        <h1>{t.nav.promo}</h1>
        <Plans may_change />
        <h2>{t.promo.new_code}</h2>
        {move || {
            if may_change.get() {
                view! {
                    <div class="cards promo-forms">
                        <NewCode codes_version />
                        <Batch codes_version />
                    </div>
                }
                    .into_any()
            } else {
                view! { <p class="muted">{t.promo.only_admins}</p> }.into_any()
            }
        }}
        <Codes may_change codes_version />
        <Guesses />
    }
}
