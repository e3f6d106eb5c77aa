//! Drivers.

use leptos::prelude::*;

#[component]
pub fn DriversPage() -> impl IntoView {
    view! { <h1>"Drivers"</h1> }
}
