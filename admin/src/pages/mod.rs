//! The dashboard's pages, one module each.

mod admins;
mod audit;
mod cabinet;
mod cities;
mod connection;
mod drivers;
mod flags;
mod login;
mod overview;
mod payments;
mod promo;
mod security;
mod service_tokens;
mod settings;
mod shipper_reports;
mod table;

use std::time::Duration;

use leptos::prelude::*;

pub use crate::page::Page;
pub use login::LoginPage;

pub fn render(page: Page) -> AnyView {
    match page {
        Page::Overview => view! { <overview::OverviewPage /> }.into_any(),
        Page::Drivers => view! { <drivers::DriversPage /> }.into_any(),
        Page::Payments => view! { <payments::PaymentsPage /> }.into_any(),
        Page::Promo => view! { <promo::PromoPage /> }.into_any(),
        Page::Flags => view! { <flags::FlagsPage /> }.into_any(),
        Page::Settings => view! { <settings::SettingsPage /> }.into_any(),
        Page::Connection => view! { <connection::ConnectionPage /> }.into_any(),
        Page::ServiceTokens => view! { <service_tokens::ServiceTokensPage /> }.into_any(),
        Page::Audit => view! { <audit::AuditPage /> }.into_any(),
        Page::Admins => view! { <admins::AdminsPage /> }.into_any(),
        Page::Security => view! { <security::SecurityPage /> }.into_any(),
        Page::ShipperReports => view! { <shipper_reports::ShipperReportsPage /> }.into_any(),
        Page::Cabinet => view! { <cabinet::CabinetPage /> }.into_any(),
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    let t = crate::i18n::use_texts();
    view! {
        <div class="content">
            <h1>{t.common.not_found}</h1>
            <a href="/admin">{t.common.back_to_overview}</a>
        </div>
    }
}

/// A refusal or failure, shown where the data would be; its code, for support, on hover.
#[component]
pub fn Problem(error: crate::wire::ErrorBody) -> impl IntoView {
    view! {
        <div class="problem" data-testid="problem" data-code=error.code.clone() title=error.code>
            {error.message}
        </div>
    }
}

/// How long typing must pause before a search runs.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// Runs `then` once typing has paused, forgetting any run still waiting.
fn debounced(timer: StoredValue<Option<TimeoutHandle>>, then: impl FnOnce() + 'static) {
    if let Some(handle) = timer.get_value() {
        handle.clear();
    }
    timer.set_value(set_timeout_with_handle(then, DEBOUNCE).ok());
}

/// An empty text field is no filter, no limit, no value.
fn optional(text: String) -> Option<String> {
    let text = text.trim().to_owned();
    (!text.is_empty()).then_some(text)
}
