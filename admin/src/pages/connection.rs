//! CargoTech connection.

use leptos::prelude::*;

#[component]
pub fn ConnectionPage() -> impl IntoView {
    view! { <h1>"CargoTech connection"</h1> }
}
