//! Plans and promo codes.

use leptos::prelude::*;

#[component]
pub fn PromoPage() -> impl IntoView {
    view! { <h1>"Plans and promo codes"</h1> }
}
