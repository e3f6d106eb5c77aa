//! Hauler's Leptos application: pages, components, the types that cross the wire, and the server
//! functions behind them. The database and the rules live in the server-only `domain` crate; the
//! server functions here reach them only through what the server provides by context.

pub mod actions;
pub mod api;
pub mod board;
pub mod boot;
pub mod cabinet;
pub mod cargo;
pub mod error;
pub mod i18n;
pub mod pages;
pub mod paywall;
pub mod place;
pub mod profile;
pub mod session;
pub mod shipper;
pub mod status;
pub mod subscription;
pub mod telegram;

use leptos::prelude::*;
use leptos_router::{
    Lazy, LazyRoute,
    components::{Route, Router, Routes},
    lazy_route, path,
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
    /// The loads-before-the-bundle script as the site's build minified it; `None` inlines
    /// [`boot::SCRIPT`] as written.
    pub boot_script: Option<std::sync::Arc<str>>,
}

/// The drivers' bundle's chunk loader, which its module imports (`cargo xtask site` writes it under
/// this name, as leptos's lazy routes expect).
const CHUNK_LOADER: &str = "__wasm_split.______________________.js";

/// The HTML document around the app, rendered on the server. Telegram's script is deferred: it
/// runs before the app's module (deferred scripts keep their order) without holding up the first
/// paint.
pub fn shell(options: LeptosOptions, document: &Document) -> impl IntoView + use<> {
    let Document {
        telegram_script,
        demo_login,
        inline_css,
        boot_script,
    } = document.clone();
    let style = match inline_css {
        Some(css) => {
            view! { <style id="hauler-css" inner_html=css.to_string()></style> }.into_any()
        }
        None => {
            let href = format!("/{}/hauler.css", options.site_pkg_dir);
            view! { <link id="hauler-css" rel="stylesheet" href=href /> }.into_any()
        }
    };
    let boot_script =
        boot_script.map_or_else(|| boot::SCRIPT.to_string(), |script| script.to_string());
    let chunk_loader = format!("/{}/{CHUNK_LOADER}", options.site_pkg_dir);
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
                // Every driver page has the same title, so it is written here rather than kept by
                // leptos_meta in the browser bundle.
                <title>"Hauler"</title>
                // Linked, or a browser asks for /favicon.ico and gets the 404 page (7 KB) while
                // the app's module is still coming.
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                {style}
                <script inner_html=boot_script></script>
                <script src=telegram_script defer></script>
                {demo_login.then(|| view! { <meta name="hauler-demo-login" content="sandbox" /> })}
                <HydrationScripts options />
                // The module imports it: asked for beside the module rather than once the module
                // has come and run, a round trip later.
                <link rel="modulepreload" href=chunk_loader crossorigin="" />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    let sign_in = session::provide_sign_in();
    let lang = i18n::provide_lang(sign_in);
    let access = paywall::provide_access(sign_in);
    board::provide_board(sign_in, access);
    // Effects run only in the browser, so this flips once the app has taken the page over.
    let ready = RwSignal::new(false);
    Effect::new(move |_| ready.set(true));

    view! {
        <Router>
            <main class="app" data-ready=move || ready.get().to_string()>
                <paywall::FollowStartParam />
                <boot::OpenTappedCard />
                // Rendered again only if Telegram says the driver reads English.
                {move || {
                    provide_context(lang.get().texts());
                    view! {
                        <Routes fallback=pages::NotFound>
                            <Route path=path!("/") view=|| view! { <paywall::Gate><board::LoadsPage /></paywall::Gate> } />
                            <Route path=path!("/filters") view={Lazy::<Filters>::new()} />
                            <Route path=path!("/cargo/:id") view={Lazy::<Cargo>::new()} />
                            <Route path=path!("/shipper/:inn") view={Lazy::<Shipper>::new()} />
                            <Route path=path!("/responses") view={Lazy::<Responses>::new()} />
                            <Route path=path!("/subscription") view={Lazy::<Subscription>::new()} />
                            <Route path=path!("/status") view={Lazy::<Status>::new()} />
                            <Route path=path!("/profile") view={Lazy::<ProfileRoute>::new()} />
                            <Route path=path!("/passes") view={Lazy::<Passes>::new()} />
                            <Route path=path!("/near") view={Lazy::<Near>::new()} />
                            <Route path=path!("/along") view={Lazy::<Along>::new()} />
                            <Route path=path!("/back-home") view={Lazy::<BackHome>::new()} />
                        </Routes>
                    }
                }}
            </main>
        </Router>
    }
}

/// Fetches the code of the page the server rendered, if it is a lazy one. The browser entry
/// awaits this before rendering, so the app draws the page in one go, as for a page in the main
/// module, rather than a blank route while its chunk comes.
pub async fn load_current_page() {
    let path = window().location().pathname().unwrap_or_default();
    match path.trim_end_matches('/') {
        "/filters" => Filters::preload().await,
        "/responses" => Responses::preload().await,
        "/subscription" => Subscription::preload().await,
        "/status" => Status::preload().await,
        "/profile" => ProfileRoute::preload().await,
        "/passes" => Passes::preload().await,
        "/near" => Near::preload().await,
        "/along" => Along::preload().await,
        "/back-home" => BackHome::preload().await,
        path if path.starts_with("/cargo/") => Cargo::preload().await,
        path if path.starts_with("/shipper/") => Shipper::preload().await,
        _ => {}
    }
}

// Every page but the loads list is a lazy route: its code is split into a chunk of its own that
// the browser fetches when the driver first opens it, so the first page downloads less. Each
// route is spelled out (no macro): `#[lazy_route]` names a chunk after where it is written.
// The pages need no route data, so `data` has nothing to start.

struct Filters;

#[lazy_route]
impl LazyRoute for Filters {
    fn data() -> Self {
        Filters
    }

    fn view(_this: Self) -> AnyView {
        view! { <board::FiltersPage /> }.into_any()
    }
}

struct Cargo;

#[lazy_route]
impl LazyRoute for Cargo {
    fn data() -> Self {
        Cargo
    }

    fn view(_this: Self) -> AnyView {
        view! { <paywall::Gate><board::CargoPage /></paywall::Gate> }.into_any()
    }
}

struct Shipper;

#[lazy_route]
impl LazyRoute for Shipper {
    fn data() -> Self {
        Shipper
    }

    fn view(_this: Self) -> AnyView {
        view! { <paywall::Gate><shipper::ShipperPage /></paywall::Gate> }.into_any()
    }
}

struct Responses;

#[lazy_route]
impl LazyRoute for Responses {
    fn data() -> Self {
        Responses
    }

    fn view(_this: Self) -> AnyView {
        view! { <board::ResponsesPage /> }.into_any()
    }
}

struct Subscription;

#[lazy_route]
impl LazyRoute for Subscription {
    fn data() -> Self {
        Subscription
    }

    fn view(_this: Self) -> AnyView {
        view! { <paywall::SubscriptionPage /> }.into_any()
    }
}

struct Status;

#[lazy_route]
impl LazyRoute for Status {
    fn data() -> Self {
        Status
    }

    fn view(_this: Self) -> AnyView {
        view! { <pages::StatusPage /> }.into_any()
    }
}

struct ProfileRoute;

#[lazy_route]
impl LazyRoute for ProfileRoute {
    fn data() -> Self {
        ProfileRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <profile::ProfilePage /> }.into_any()
    }
}

struct Passes;

#[lazy_route]
impl LazyRoute for Passes {
    fn data() -> Self {
        Passes
    }

    fn view(_this: Self) -> AnyView {
        view! { <cabinet::CabinetPage /> }.into_any()
    }
}

struct Near;

#[lazy_route]
impl LazyRoute for Near {
    fn data() -> Self {
        Near
    }

    fn view(_this: Self) -> AnyView {
        view! { <paywall::Gate><place::NearPage /></paywall::Gate> }.into_any()
    }
}

struct Along;

#[lazy_route]
impl LazyRoute for Along {
    fn data() -> Self {
        Along
    }

    fn view(_this: Self) -> AnyView {
        view! { <paywall::Gate><place::AlongPage /></paywall::Gate> }.into_any()
    }
}

struct BackHome;

#[lazy_route]
impl LazyRoute for BackHome {
    fn data() -> Self {
        BackHome
    }

    fn view(_this: Self) -> AnyView {
        view! { <paywall::Gate><place::BackHomePage /></paywall::Gate> }.into_any()
    }
}
