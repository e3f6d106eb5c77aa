//! The service status card: the first vertical slice from the page through a server function to
//! the database and back.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceStatus {
    /// "SQLite" or "PostgreSQL".
    pub database: String,
    pub migrations_applied: u32,
    pub drivers: u64,
    /// Whether the service runs against the built-in sandbox upstreams.
    pub sandbox: bool,
}

/// One reading of the service's status, as the server makes it.
#[cfg(feature = "ssr")]
pub type StatusReading =
    std::pin::Pin<Box<dyn Future<Output = Result<ServiceStatus, AppError>> + Send>>;

/// Where the server function reads the status from: the server provides one by context, so this
/// crate never reaches the database itself.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct StatusSource(pub std::sync::Arc<dyn Fn() -> StatusReading + Send + Sync>);

/// Reads the service's state from the database.
#[server(prefix = "/api/fn", endpoint = "service_status")]
pub async fn read_service_status() -> Result<ServiceStatus, AppError> {
    let Some(StatusSource(read)) = use_context::<StatusSource>() else {
        leptos::logging::error!("StatusSource missing from the server function context");
        return Err(AppError::internal());
    };
    read().await
}

#[component]
pub fn StatusCard() -> impl IntoView {
    let check = Action::new(|_: &()| read_service_status());
    let pending = check.pending();

    view! {
        <section class="card status-card">
            <h2>"Состояние сервиса"</h2>
            <div class="status-result" aria-live="polite">
                {move || match check.value().get() {
                    None => view! { <p class="muted">"Нажмите «Проверить», чтобы спросить сервер"</p> }.into_any(),
                    Some(Ok(status)) => view! { <StatusFacts status /> }.into_any(),
                    Some(Err(error)) => {
                        view! { <p class="error" data-code=format!("{:?}", error.code)>{error.message}</p> }
                            .into_any()
                    }
                }}
            </div>
            <button
                class="button"
                data-testid="check-status"
                disabled=pending
                on:click=move |_| {
                    check.dispatch(());
                }
            >
                {move || if pending.get() { "Проверяем…" } else { "Проверить" }}
            </button>
        </section>
    }
}

#[component]
fn StatusFacts(status: ServiceStatus) -> impl IntoView {
    view! {
        <dl class="facts" data-testid="status-facts">
            <dt>"База данных"</dt>
            <dd data-testid="status-database">{status.database}</dd>
            <dt>"Миграций применено"</dt>
            <dd data-testid="status-migrations">{status.migrations_applied}</dd>
            <dt>"Водителей"</dt>
            <dd data-testid="status-drivers">{status.drivers}</dd>
            <dt>"Режим"</dt>
            <dd>{if status.sandbox { "песочница" } else { "боевой" }}</dd>
        </dl>
    }
}
