//! Settings and secrets (owners): each value with who changed it last and whether the running
//! server reads it without a restart. A secret is typed in, never shown back: only "set" and at
//! most its last two characters.

use leptos::prelude::*;

use super::Problem;
use crate::{
    client::{Method, use_desk},
    format::second,
    wire::{
        ErrorBody,
        settings::{SettingChange, SettingView},
    },
};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let desk = use_desk();
    let settings = RwSignal::new(None::<Result<Vec<SettingView>, ErrorBody>>);
    let notice = RwSignal::new(None::<String>);
    let problem = RwSignal::new(None::<ErrorBody>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            settings.set(Some(desk.get("/admin/api/settings").await));
        });
    });
    let changed = move |answer: Result<Option<SettingView>, ErrorBody>| match answer {
        Ok(Some(setting)) => {
            notice.set(Some(format!("Saved: {}", setting.label)));
            problem.set(None);
            settings.update(|all| {
                if let Some(Ok(all)) = all {
                    for row in all.iter_mut().filter(|row| row.key == setting.key) {
                        *row = setting.clone();
                    }
                }
            });
        }
        Ok(None) => {}
        Err(error) => {
            notice.set(None);
            problem.set(Some(error));
        }
    };
    view! {
        <h1>"Settings and secrets"</h1>
        <p class="muted">
            "Secrets are sealed at rest and never shown again once saved. Every change goes to the audit log, secrets as “set” / “not set”."
        </p>
        {move || notice.get().map(|text| view! { <div class="notice" data-testid="notice">{text}</div> })}
        {move || problem.get().map(|error| view! { <Problem error /> })}
        {move || match settings.get() {
            None => view! { <div class="loading">"Loading…"</div> }.into_any(),
            Some(Err(error)) => view! { <Problem error /> }.into_any(),
            Some(Ok(list)) => view! {
                <table class="table settings" data-testid="settings">
                    <thead>
                        <tr><th>"Setting"</th><th>"Now"</th><th>"Change"</th></tr>
                    </thead>
                    <tbody>
                        {list.into_iter().map(|setting| view! { <SettingRow setting changed /> }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        }}
    }
}

#[component]
fn SettingRow(
    setting: SettingView,
    changed: impl Fn(Result<Option<SettingView>, ErrorBody>) + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let desk = use_desk();
    let draft = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let key = setting.key.clone();
    let path = format!("/admin/api/settings/{key}");
    let save_path = path.clone();
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let path = save_path.clone();
        let change = SettingChange {
            value: draft.get_untracked(),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = desk
                .send::<SettingView>(Method::Put, &path, Some(&change))
                .await;
            busy.set(false);
            if answer.is_ok() {
                draft.set(String::new());
            }
            changed(answer);
        });
    };
    let clear = move |_| {
        let path = path.clone();
        leptos::task::spawn_local(async move {
            changed(
                desk.send::<SettingView>(Method::Delete, &path, None::<&()>)
                    .await,
            );
        });
    };
    let shown = match (&setting.value, &setting.masked) {
        (Some(value), _) => value.clone(),
        (None, Some(masked)) => masked.clone(),
        (None, None) => "not set".to_owned(),
    };
    let who = setting.updated_at.as_deref().map(|at| {
        format!(
            "{} · {}",
            second(at),
            setting.updated_by.clone().unwrap_or_default()
        )
    });
    let input_type = if setting.secret { "password" } else { "text" };
    view! {
        <tr data-testid=format!("setting-{key}")>
            <td>
                <div class="setting-label">
                    {setting.label.clone()}
                    {setting.secret.then(|| view! { <span class="badge">"secret"</span> })}
                    {if setting.live {
                        view! { <span class="badge ok" title="Read on use">"live"</span> }.into_any()
                    } else {
                        view! { <span class="badge bad" title="Needs the environment and a restart">"stored only"</span> }.into_any()
                    }}
                </div>
                <div class="muted small"><code>{key.clone()}</code>" · "{setting.note.clone()}</div>
            </td>
            <td>
                <div data-testid=format!("setting-value-{key}") class:unset=!setting.set>{shown}</div>
                {who.map(|who| view! { <div class="muted small">{who}</div> })}
            </td>
            <td>
                <form class="inline-form" on:submit=save>
                    <input
                        type=input_type
                        autocomplete="off"
                        data-testid=format!("setting-input-{key}")
                        placeholder=if setting.secret { "new value (not shown)" } else { "new value" }
                        required
                        prop:value=draft
                        on:input=move |ev| draft.set(event_target_value(&ev))
                    />
                    <button type="submit" data-testid=format!("setting-save-{key}") disabled=move || busy.get()>
                        "Save"
                    </button>
                    {setting.set.then(|| view! {
                        <button type="button" class="secondary" data-testid=format!("setting-clear-{key}") on:click=clear.clone()>
                            "Clear"
                        </button>
                    })}
                </form>
            </td>
        </tr>
    }
}
