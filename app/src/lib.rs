//! Hauler's Leptos application: pages, components, the types that cross the wire, and the server
//! functions behind them. Everything under `platform` is server-only (`ssr`).

pub mod actions;
pub mod api;
pub mod board;
pub mod cargo;
pub mod error;
pub mod i18n;
pub mod pages;
pub mod paywall;
pub mod session;
pub mod status;
pub mod subscription;
pub mod telegram;

#[cfg(feature = "ssr")]
pub mod platform;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

/// What the server puts around the app in every page.
#[derive(Debug, Clone)]
pub struct Document {
    /// The URL of Telegram's `telegram-web-app.js` (served locally in the sandbox, from
    /// telegram.org in production).
    pub telegram_script: String,
    /// Sandbox mode only: the page may offer the demo driver outside Telegram.
    pub demo_login: bool,
    /// The stylesheet, inlined so the first paint waits for no second request; `None` links it.
    pub inline_css: Option<std::sync::Arc<str>>,
}

/// The HTML document around the app, rendered on the server. Telegram's script is deferred: it
/// runs before hydration (deferred scripts keep their order) without holding up the first paint.
pub fn shell(options: LeptosOptions, document: &Document) -> impl IntoView + use<> {
    let Document {
        telegram_script,
        demo_login,
        inline_css,
    } = document.clone();
    let style = match inline_css {
        Some(css) => {
            view! { <style id="hauler-css" inner_html=css.to_string()></style> }.into_any()
        }
        None => {
            view! { <link id="hauler-css" rel="stylesheet" href="/pkg/hauler.css" /> }.into_any()
        }
    };
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
                {style}
                <script src=telegram_script defer></script>
                {demo_login.then(|| view! { <meta name="hauler-demo-login" content="sandbox" /> })}
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
    let lang = i18n::provide_lang();
    let sign_in = session::provide_sign_in();
    let access = paywall::provide_access(sign_in);
    board::provide_board(sign_in, access);
    // Effects run only in the browser, so this flips once hydration has happened.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <Title text="Hauler" />
        <Router>
            <main class="app" data-hydrated=move || hydrated.get().to_string()>
                <paywall::FollowStartParam />
                // Rendered again only if Telegram says the driver reads English.
                {move || {
                    provide_context(lang.get().texts());
                    view! {
                        <Routes fallback=pages::NotFound>
                            <Route path=path!("/") view=|| view! { <paywall::Gate><board::LoadsPage /></paywall::Gate> } />
                            <Route path=path!("/filters") view=board::FiltersPage />
                            <Route path=path!("/cargo/:id") view=|| view! { <paywall::Gate><board::CargoPage /></paywall::Gate> } />
                            <Route path=path!("/responses") view=board::ResponsesPage />
                            <Route path=path!("/subscription") view=paywall::SubscriptionPage />
                            <Route path=path!("/status") view=pages::StatusPage />
                        </Routes>
                    }
                }}
            </main>
        </Router>
    }
}
