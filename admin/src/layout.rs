//! The frame every signed-in page shares: the navigation, who is signed in, logging out. A
//! visitor without a session is sent to the login page.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::{
    client::{Method, use_desk},
    pages::{self, Page},
};

#[component]
pub fn Shell(page: Page) -> impl IntoView {
    let desk = use_desk();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if desk.checked.get() && desk.session.with(Option::is_none) {
            navigate("/admin/login", Default::default());
        }
    });
    let log_out = move |everywhere: bool| {
        leptos::task::spawn_local(async move {
            let path = if everywhere {
                "/admin/api/logout-everywhere"
            } else {
                "/admin/api/logout"
            };
            let _ = desk.send::<()>(Method::Post, path, None::<&()>).await;
            desk.session.set(None);
        });
    };
    view! {
        <div class="frame">
            <nav class="sidebar" data-testid="admin-nav">
                <div class="brand">"Hauler admin"</div>
                {Page::ALL
                    .into_iter()
                    .map(|item| {
                        view! {
                            <a
                                href=item.path()
                                class:active=move || item == page
                                data-testid=format!("nav-{}", item.slug())
                            >
                                {item.title()}
                            </a>
                        }
                    })
                    .collect_view()}
                <div class="whoami">
                    {move || {
                        desk.session
                            .get()
                            .map(|s| format!("{} · {}", s.admin.email, s.admin.role.as_str()))
                    }}
                    <button class="link" data-testid="log-out" on:click=move |_| log_out(false)>
                        "Log out"
                    </button>
                    <button class="link" data-testid="log-out-everywhere" on:click=move |_| log_out(true)>
                        "Log out everywhere"
                    </button>
                </div>
            </nav>
            <main class="content">
                <Show
                    when=move || desk.session.with(Option::is_some)
                    fallback=|| view! { <div class="loading" data-testid="loading">"Loading…"</div> }
                >
                    {pages::render(page)}
                </Show>
            </main>
        </div>
    }
}
