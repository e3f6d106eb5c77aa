//! Hauler's Leptos application: pages, components, the types that cross the wire, and the server
//! functions behind them. Everything under `platform` is server-only (`ssr`).

pub mod cargo;
pub mod error;
pub mod i18n;
pub mod pages;
pub mod session;
pub mod status;
pub mod telegram;

#[cfg(feature = "ssr")]
pub mod platform;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

/// The HTML document around the app, rendered on the server. `telegram_script` is the URL of
/// Telegram's `telegram-web-app.js` (served locally in the sandbox, from telegram.org in
/// production); it loads before hydration so the app can talk to Telegram at once.
pub fn shell(options: LeptosOptions, telegram_script: &str) -> impl IntoView + use<> {
    let telegram_script = telegram_script.to_owned();
    view! {
        <!DOCTYPE html>
        <html lang="ru">
            <head>
                <meta charset="utf-8" />
                <meta
                    name="viewport"
                    content="width=device-width, initial-scale=1, viewport-fit=cover"
                />
                <meta name="color-scheme" content="light dark" />
                <script src=telegram_script></script>
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    i18n::provide_lang();
    session::provide_sign_in();
    // Effects run only in the browser, so this flips once hydration has happened.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <Stylesheet id="hauler" href="/pkg/hauler.css" />
        <Title text="Hauler" />
        <Router>
            <main class="app" data-hydrated=move || hydrated.get().to_string()>
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::HomePage />
                </Routes>
            </main>
        </Router>
    }
}
