//! Paid access as the driver meets it: the paywall that stands in for the loads while the driver
//! has no access, and the subscription page. Both sell through the same offer (trial, plans,
//! promo code, YooKassa), and both tell the shared [`DriverAccess`] when access begins, so the
//! board loads without a reload.

mod access;
mod offer;
mod page;
mod plans;
mod price;
mod promo;
mod sale;

pub use access::{DriverAccess, format_day, provide_access, use_access};
pub use page::{FollowStartParam, SubscriptionPage};

use leptos::prelude::*;

use crate::{i18n::use_texts, session::SignInStatus};
use offer::Offer;
use sale::{Sale, Unlock};

/// The loads for a driver with access; the paywall in their place for one without.
#[component]
pub fn Gate(children: ChildrenFn) -> impl IntoView {
    let access = use_access();
    // Keeps the paywall up a moment after a payment, so the driver sees it went through.
    let holding = RwSignal::new(false);
    view! {
        <Show when=move || access.locked() || holding.get() fallback=move || children()>
            {move || Suspend::new(paywall(holding))}
        </Show>
    }
}

/// The paywall's code (with the offer it sells through) is a chunk of its own, fetched when a
/// driver without access meets it: a subscribed driver's first page never needs it, and the
/// server never renders it (it does not know the driver before the sign-in).
#[lazy]
fn paywall(holding: RwSignal<bool>) -> AnyView {
    view! { <Paywall holding /> }.into_any()
}

#[component]
fn Paywall(holding: RwSignal<bool>) -> impl IntoView {
    let text = use_texts();
    let hold = Callback::new(move |how: Unlock| {
        if how != Unlock::Trial {
            holding.set(true);
        }
    });
    let sale = Sale::new(use_access(), Some(hold));
    view! {
        <SignInStatus />
        <div class="paywall" data-testid="paywall">
            <header class="paywall-head">
                <h1 class="page-title">{text.paywall_title}</h1>
                <p class="muted">{text.paywall_pitch}</p>
            </header>
            <Offer sale on_continue=move || holding.set(false) auto_continue=true />
        </div>
    }
}
