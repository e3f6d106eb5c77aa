//! Hauler's admin dashboard, for the people who run it, at a desk: a single-page area under
//! `/admin`, rendered by the server and hydrated by its own bundle (`admin-frontend`), so the
//! drivers' bundle never carries it. The JSON API it calls lives in the server
//! (`server::admin`); the types both speak are in [`wire`].

pub mod client;
pub mod format;
pub mod i18n;
mod layout;
mod page;
mod pages;
pub mod wire;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    components::{Route, Router, Routes},
    path,
};

use crate::{client::Desk, i18n::first_lang};

/// The HTML document around the dashboard, in the language the request asked for.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang=first_lang().code()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="robots" content="noindex" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <link rel="stylesheet" href=format!("/{}/admin.css", options.site_pkg_dir) />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <AdminApp />
            </body>
        </html>
    }
}

#[component]
pub fn AdminApp() -> impl IntoView {
    provide_meta_context();
    let desk = Desk {
        session: RwSignal::new(None),
        checked: RwSignal::new(false),
        lang: RwSignal::new(first_lang()),
    };
    provide_context(desk);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| {
        hydrated.set(true);
        leptos::task::spawn_local(async move {
            let session = desk.get("/admin/api/session").await.ok();
            desk.session.set(session);
            desk.checked.set(true);
        });
    });

    view! {
        <Title text=move || desk.lang.get().texts().common.brand />
        <Router>
            <div class="admin" data-hydrated=move || hydrated.get().to_string()>
                // Rendered again, texts and all, when the language is switched.
                {move || {
                    provide_context(desk.lang.get().texts());
                    view! {
                        <Routes fallback=pages::NotFound>
                            <Route path=path!("/admin/login") view=pages::LoginPage />
                            <Route path=path!("/admin") view=|| view! { <layout::Shell page=pages::Page::Overview /> } />
                            <Route path=path!("/admin/drivers") view=|| view! { <layout::Shell page=pages::Page::Drivers /> } />
                            <Route path=path!("/admin/drivers/:id") view=|| view! { <layout::Shell page=pages::Page::Drivers /> } />
                            <Route path=path!("/admin/payments") view=|| view! { <layout::Shell page=pages::Page::Payments /> } />
                            <Route path=path!("/admin/payments/:id") view=|| view! { <layout::Shell page=pages::Page::Payments /> } />
                            <Route path=path!("/admin/promo") view=|| view! { <layout::Shell page=pages::Page::Promo /> } />
                            <Route path=path!("/admin/flags") view=|| view! { <layout::Shell page=pages::Page::Flags /> } />
                            <Route path=path!("/admin/settings") view=|| view! { <layout::Shell page=pages::Page::Settings /> } />
                            <Route path=path!("/admin/connection") view=|| view! { <layout::Shell page=pages::Page::Connection /> } />
                            <Route path=path!("/admin/service-tokens") view=|| view! { <layout::Shell page=pages::Page::ServiceTokens /> } />
                            <Route path=path!("/admin/audit") view=|| view! { <layout::Shell page=pages::Page::Audit /> } />
                            <Route path=path!("/admin/admins") view=|| view! { <layout::Shell page=pages::Page::Admins /> } />
                            <Route path=path!("/admin/security") view=|| view! { <layout::Shell page=pages::Page::Security /> } />
                            <Route path=path!("/admin/shipper-reports") view=|| view! { <layout::Shell page=pages::Page::ShipperReports /> } />
                            <Route path=path!("/admin/cabinet") view=|| view! { <layout::Shell page=pages::Page::Cabinet /> } />
                        </Routes>
                    }
                }}
            </div>
        </Router>
    }
}
