//! Service tokens.

use leptos::prelude::*;

#[component]
pub fn ServiceTokensPage() -> impl IntoView {
    view! { <h1>"Service tokens"</h1> }
}
