//! The frame every signed-in page shares: the navigation, who is signed in, the language,
//! logging out. A visitor without a session is sent to the login page.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::{
    client::{Method, use_desk},
    i18n::{Lang, remember, use_texts},
    pages::{self, Page},
};

/// EN | RU: the page speaks the other language at once, and the next one the server renders too.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let choose = move |lang: Lang| {
        remember(lang);
        desk.lang.set(lang);
    };
    let options = Lang::ALL.into_iter().enumerate().map(move |(index, lang)| {
        view! {
            {(index > 0).then_some(" | ")}
            <button
                class="link"
                class:active=lang == t.lang
                aria-pressed=(lang == t.lang).to_string()
                data-testid=format!("lang-{}", lang.code())
                on:click=move |_| choose(lang)
            >
                {lang.code().to_uppercase()}
            </button>
        }
    });
    view! {
        <div class="lang-switch" role="group" aria-label=t.common.language data-testid="lang-switch">
            {options.collect_view()}
        </div>
    }
}

#[component]
pub fn Shell(page: Page) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
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
                <div class="brand">{t.common.brand}</div>
                {Page::ALL
                    .into_iter()
                    .map(|item| {
                        view! {
                            <a
                                href=item.path()
                                class:active=move || item == page
                                data-testid=format!("nav-{}", item.slug())
                            >
                                {t.page_title(item)}
                            </a>
                        }
                    })
                    .collect_view()}
                <div class="whoami">
                    {move || {
                        desk.session
                            .get()
                            .map(|s| format!("{} · {}", s.admin.email, t.role(s.admin.role)))
                    }}
                    <button class="link" data-testid="log-out" on:click=move |_| log_out(false)>
                        {t.common.log_out}
                    </button>
                    <button class="link" data-testid="log-out-everywhere" on:click=move |_| log_out(true)>
                        {t.common.log_out_everywhere}
                    </button>
                    <LangSwitch />
                </div>
            </nav>
            <main class="content">
                <Show
                    when=move || desk.session.with(Option::is_some)
                    fallback=move || view! { <div class="loading" data-testid="loading">{t.common.loading}</div> }
                >
                    {pages::render(page)}
                </Show>
            </main>
        </div>
    }
}
