use leptos::prelude::*;

use crate::{status::StatusCard, telegram};

/// "About the service": where the service stands, and where the app runs.
#[component]
pub fn StatusPage() -> impl IntoView {
    // Known only in the browser, once Telegram's script has read the launch parameters.
    let platform = RwSignal::new(None::<String>);
    Effect::new(move |_| platform.set(telegram::platform()));

    view! {
        <header class="hero">
            <h1>"Hauler"</h1>
            <p class="muted">"Грузы биржи CargoTech — прямо в Telegram"</p>
        </header>
        <StatusCard />
        <p class="muted small one-line" data-testid="telegram-platform">
            {move || platform.get().map(|p| format!("Telegram: {p}"))}
        </p>
    }
}
