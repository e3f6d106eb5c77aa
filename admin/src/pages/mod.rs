//! The dashboard's pages, one module each.

mod flags;
mod login;
mod overview;

use leptos::prelude::*;

pub use login::LoginPage;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Overview,
    Flags,
}

impl Page {
    pub const ALL: [Page; 2] = [Page::Overview, Page::Flags];

    pub fn title(self) -> &'static str {
        match self {
            Self::Overview => "Overview",
            Self::Flags => "Feature flags",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Self::Overview => "overview",
            Self::Flags => "flags",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Self::Overview => "/admin",
            Self::Flags => "/admin/flags",
        }
    }
}

pub fn render(page: Page) -> AnyView {
    match page {
        Page::Overview => view! { <overview::OverviewPage /> }.into_any(),
        Page::Flags => view! { <flags::FlagsPage /> }.into_any(),
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! { <div class="content"><h1>"Not found"</h1><a href="/admin">"Back to the overview"</a></div> }
}

/// A refusal or failure, shown where the data would be.
#[component]
pub fn Problem(error: crate::wire::ErrorBody) -> impl IntoView {
    view! {
        <div class="problem" data-testid="problem" data-code=error.code.clone()>
            {error.message}
        </div>
    }
}
