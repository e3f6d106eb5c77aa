//! The loads a driver hid, listed in the profile, each with "Bring back": it shows in the list
//! again at once.

use leptos::{prelude::*, task::spawn_local};
use serde::{Deserialize, Serialize};

use super::texts::use_profile_texts;
use crate::{
    api::Method,
    board::use_board,
    i18n::use_texts,
    paywall::{format_day, use_access},
    telegram::{self, Haptic},
};

/// A load the driver hid (`GET /api/v1/me/hidden`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HiddenLoad {
    pub cargo_id: u64,
    /// RFC 3339.
    pub hidden_at: String,
}

#[component]
pub(super) fn HiddenLoads() -> impl IntoView {
    let t = use_profile_texts();
    let text = use_texts();
    let access = use_access();
    let board = use_board();
    let loads = RwSignal::new(None::<Vec<HiddenLoad>>);
    let notice = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(api) = access.api.get() {
            spawn_local(async move {
                if let Ok(list) = api.get::<Vec<HiddenLoad>>("/api/v1/me/hidden").await {
                    loads.set(Some(list));
                }
            });
        }
    });
    let bring_back = move |id: u64| {
        let Some(api) = access.api.get_untracked() else {
            return;
        };
        telegram::haptic(Haptic::Tap);
        spawn_local(async move {
            let path = format!("/api/v1/cargos/{id}/hidden");
            match api.send::<()>(Method::Delete, &path, None::<&()>).await {
                Ok(_) => {
                    telegram::haptic(Haptic::Success);
                    loads.update(|list| {
                        if let Some(list) = list {
                            list.retain(|load| load.cargo_id != id);
                        }
                    });
                    notice.set(Some(t.brought_back.to_owned()));
                    // The list gets it back, with what is on screen kept until it arrives.
                    board.reload(true);
                }
                Err(error) => {
                    telegram::haptic(Haptic::Error);
                    access.ran_out(&error);
                    notice.set(Some(text.problem(&error)));
                }
            }
        });
    };
    view! {
        <section class="card profile-section" data-testid="hidden-loads">
            <h2 class="section-title">{t.hidden}</h2>
            {move || match loads.get() {
                None => view! { <div class="skeleton-line"></div> }.into_any(),
                Some(list) if list.is_empty() => {
                    view! { <p class="muted small" data-testid="no-hidden">{t.no_hidden}</p> }.into_any()
                }
                Some(list) => {
                    view! {
                        <ul class="saved-list">
                            {list
                                .into_iter()
                                .map(|load| {
                                    let id = load.cargo_id;
                                    view! {
                                        <li class="saved-item" data-testid="hidden-load" data-cargo-id=id.to_string()>
                                            <span class="hidden-what">
                                                {t.load_no.replace("{id}", &id.to_string())}
                                                " · "
                                                <span class="muted">
                                                    {t.hidden_on.replace("{date}", &format_day(&load.hidden_at))}
                                                </span>
                                            </span>
                                            <button
                                                type="button"
                                                class="button secondary small-button"
                                                data-testid="bring-back"
                                                on:click=move |_| bring_back(id)
                                            >
                                                {t.bring_back}
                                            </button>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }
            }}
            <p class="field-hint" role="status" data-testid="hidden-notice">{move || notice.get()}</p>
        </section>
    }
}
