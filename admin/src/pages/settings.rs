//! Settings and secrets.

use leptos::prelude::*;

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! { <h1>"Settings and secrets"</h1> }
}
