use leptos::prelude::*;

use crate::{session::SignInStatus, status::StatusCard, telegram};

#[component]
pub fn HomePage() -> impl IntoView {
    // Known only in the browser, once Telegram's script has read the launch parameters.
    let platform = RwSignal::new(None::<String>);
    Effect::new(move |_| platform.set(telegram::platform()));

    view! {
        <header class="hero">
            <h1>"Hauler"</h1>
            <p class="muted">"Грузы биржи CargoTech — прямо в Telegram"</p>
        </header>
        <SignInStatus />
        <StatusCard />
        <p class="muted small one-line" data-testid="telegram-platform">
            {move || platform.get().map(|p| format!("Telegram: {p}"))}
        </p>
    }
}
