//! Settings and secrets (owners): each value with who changed it last and whether the running
//! server reads it without a restart. A secret is typed in, never shown back: only "set" and at
//! most its last two characters.

use leptos::prelude::*;

use super::{
    Problem,
    table::{Table, answered},
};
use crate::{
    client::{Method, use_desk},
    format::second,
    i18n::{Texts, use_texts},
    wire::{
        ErrorBody,
        settings::{SettingChange, SettingView},
    },
};

/// A setting's label and note in the dashboard's language.
fn words(t: &Texts, setting: &SettingView) -> (String, String) {
    match (t.settings.known)(&setting.key) {
        Some((label, note)) => (label.to_owned(), note.to_owned()),
        None => (setting.label.clone(), setting.note.clone()),
    }
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
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
            notice.set(Some((t.settings.saved)(&words(t, &setting).0)));
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
        <h1>{t.nav.settings}</h1>
        <p class="muted">{t.settings.intro}</p>
        {move || notice.get().map(|text| view! { <div class="notice" data-testid="notice">{text}</div> })}
        {move || problem.get().map(|error| view! { <Problem error /> })}
        {move || answered(settings.get(), None, |list| view! {
            <Table
                testid="settings"
                class="settings"
                headings=vec![t.settings.setting.into(), t.settings.now.into(), t.settings.change.into()]
            >
                {list.into_iter().map(|setting| view! { <SettingRow setting changed /> }).collect_view()}
            </Table>
        }.into_any())}
    }
}

#[component]
fn SettingRow(
    setting: SettingView,
    changed: impl Fn(Result<Option<SettingView>, ErrorBody>) + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let s = &t.settings;
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
        (None, None) => s.not_set.to_owned(),
    };
    let who = setting.updated_at.as_deref().map(|at| {
        format!(
            "{} · {}",
            second(at),
            setting.updated_by.clone().unwrap_or_default()
        )
    });
    let input_type = if setting.secret { "password" } else { "text" };
    let (label, note) = words(t, &setting);
    view! {
        <tr data-testid=format!("setting-{key}")>
            <td>
                <div class="setting-label">
                    {label}
                    {setting.secret.then(|| view! { <span class="badge">{s.secret}</span> })}
                </div>
                <div class="muted small"><code>{key.clone()}</code>" · "{note}</div>
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
                        placeholder=if setting.secret { s.new_secret } else { s.new_value }
                        required
                        prop:value=draft
                        on:input=move |ev| draft.set(event_target_value(&ev))
                    />
                    <button type="submit" data-testid=format!("setting-save-{key}") disabled=move || busy.get()>
                        {t.common.save}
                    </button>
                    {setting.set.then(|| view! {
                        <button type="button" class="secondary" data-testid=format!("setting-clear-{key}") on:click=clear.clone()>
                            {s.clear}
                        </button>
                    })}
                </form>
            </td>
        </tr>
    }
}
