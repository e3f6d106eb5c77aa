//! The overview: whether the service is healthy, at a glance.

use leptos::prelude::*;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let desk = crate::client::use_desk();
    view! {
        <h1>"Overview"</h1>
        <p data-testid="greeting">
            {move || desk.session.get().map(|s| format!("Signed in as {}", s.admin.email))}
        </p>
    }
}
