//! Payments.

use leptos::prelude::*;

#[component]
pub fn PaymentsPage() -> impl IntoView {
    view! { <h1>"Payments"</h1> }
}
