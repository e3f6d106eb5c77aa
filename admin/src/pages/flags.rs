//! Feature flags: each switch with what it does; a change reaches every instance at once. A
//! switch stays disabled while its change is on its way, so what it shows is what the server
//! holds.

use leptos::prelude::*;

use super::table::{Table, answered};
use crate::{
    client::{Method, use_desk},
    i18n::use_texts,
    wire::{ErrorBody, FlagChange, FlagView},
};

#[component]
pub fn FlagsPage() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let flags = RwSignal::new(None::<Result<Vec<FlagView>, ErrorBody>>);
    let saving = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            flags.set(Some(desk.get("/admin/api/flags").await));
        });
    });
    let switch = move |name: String, on: bool| {
        saving.set(Some(name.clone()));
        leptos::task::spawn_local(async move {
            let answer = desk
                .send::<FlagView>(
                    Method::Put,
                    &format!("/admin/api/flags/{name}"),
                    Some(&FlagChange { on }),
                )
                .await;
            match answer {
                Ok(Some(changed)) => flags.update(|flags| {
                    if let Some(Ok(list)) = flags {
                        for flag in list.iter_mut().filter(|flag| flag.name == changed.name) {
                            *flag = changed.clone();
                        }
                    }
                }),
                Ok(None) => {}
                Err(error) => flags.set(Some(Err(error))),
            }
            saving.set(None);
        });
    };
    view! {
        <h1>{t.nav.flags}</h1>
        {move || answered(flags.get(), None, |list| {
            view! {
                <Table testid="flags">
                    {list
                        .into_iter()
                        .map(|flag| {
                            let name = flag.name.clone();
                            let row = flag.name.clone();
                            view! {
                                <tr data-testid=format!("flag-{}", flag.name)>
                                    <td>
                                        <input
                                            type="checkbox"
                                            data-testid=format!("flag-toggle-{}", flag.name)
                                            prop:checked=flag.on
                                            disabled=move || saving.with(|saving| saving.as_ref() == Some(&row))
                                            on:change=move |ev| switch(name.clone(), event_target_checked(&ev))
                                        />
                                    </td>
                                    <td><code>{flag.name.clone()}</code></td>
                                    <td>
                                        {(t.flags.description)(&flag.name)
                                            .map_or_else(|| flag.description.clone(), str::to_owned)}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </Table>
            }
                .into_any()
        })}
    }
}
