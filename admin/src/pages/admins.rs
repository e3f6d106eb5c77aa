//! Admins (owners): who runs Hauler, with which role; inviting someone with a first password to
//! hand over; changing a role; switching an account off, which ends its sessions at once.

use leptos::prelude::*;

use super::{
    Problem,
    table::{Table, answered},
};
use crate::{
    client::{Method, use_desk},
    i18n::use_texts,
    wire::{
        ErrorBody, Role,
        admins::{AdminChange, AdminView, NewAdmin},
    },
};

const ROLES: [Role; 3] = [Role::Support, Role::Admin, Role::Owner];

#[component]
pub fn AdminsPage() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let admins = RwSignal::new(None::<Result<Vec<AdminView>, ErrorBody>>);
    let problem = RwSignal::new(None::<ErrorBody>);
    let notice = RwSignal::new(None::<String>);
    let load = move || {
        leptos::task::spawn_local(async move {
            admins.set(Some(desk.get("/admin/api/admins").await));
        });
    };
    Effect::new(move |_| load());

    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Admin);
    let invite = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let new = NewAdmin {
            email: email.get_untracked(),
            role: role.get_untracked(),
            password: password.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match desk
                .send::<AdminView>(Method::Post, "/admin/api/admins", Some(&new))
                .await
            {
                Ok(_) => {
                    problem.set(None);
                    notice.set(Some((t.admins.invited)(&new.email)));
                    email.set(String::new());
                    password.set(String::new());
                    load();
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    let reset_code = move |id: i64| {
        leptos::task::spawn_local(async move {
            match desk
                .send::<()>(
                    Method::Delete,
                    &format!("/admin/api/admins/{id}/second-factor"),
                    None::<&()>,
                )
                .await
            {
                Ok(_) => {
                    problem.set(None);
                    load();
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };
    let change = move |id: i64, change: AdminChange| {
        leptos::task::spawn_local(async move {
            match desk
                .send::<AdminView>(
                    Method::Put,
                    &format!("/admin/api/admins/{id}"),
                    Some(&change),
                )
                .await
            {
                Ok(_) => {
                    problem.set(None);
                    load();
                }
                Err(error) => problem.set(Some(error)),
            }
        });
    };

    view! {
        <h1>{t.nav.admins}</h1>
        {move || problem.get().map(|error| view! { <Problem error /> })}
        {move || notice.get().map(|text| view! { <p class="notice" data-testid="admins-notice">{text}</p> })}
        {move || answered(admins.get(), None, |list| view! {
            <Table
                testid="admins"
                headings=vec![
                    t.common.email.into(),
                    t.common.role.into(),
                    t.admins.last_login.into(),
                    t.admins.invited_by.into(),
                    t.admins.second_factor.into(),
                    "".into(),
                ]
            >
                {list.into_iter().map(|admin| {
                    let id = admin.id;
                    let disabled = admin.disabled;
                    view! {
                        <tr data-testid="admin-row">
                            <td>{admin.email.clone()}</td>
                            <td>
                                <select on:change=move |ev| {
                                    if let Some(role) = Role::parse(&event_target_value(&ev)) {
                                        change(id, AdminChange { role: Some(role), disabled: None });
                                    }
                                }>
                                    {ROLES.into_iter().map(|option| view! {
                                        <option value=option.as_str() selected=option == admin.role>{t.role(option)}</option>
                                    }).collect_view()}
                                </select>
                            </td>
                            <td>{admin.last_login_at.clone().unwrap_or_else(|| t.common.never.into())}</td>
                            <td>{admin.created_by.clone()}</td>
                            <td>
                                {admin.second_factor.then(|| view! {
                                    <button class="secondary" data-testid="reset-second-factor" on:click=move |_| reset_code(id)>
                                        {t.admins.reset_second_factor}
                                    </button>
                                })}
                            </td>
                            <td>
                                <button
                                    class=if disabled { "secondary" } else { "danger" }
                                    on:click=move |_| change(id, AdminChange { role: None, disabled: Some(!disabled) })
                                >
                                    {if disabled { t.admins.switch_on } else { t.admins.switch_off }}
                                </button>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </Table>
        }.into_any())}
        <h2>{t.admins.invite_heading}</h2>
        <form class="card toolbar" on:submit=invite data-testid="invite-admin">
            <label>{t.common.email}
                <input type="email" required prop:value=email on:input=move |ev| email.set(event_target_value(&ev)) />
            </label>
            <label>{t.admins.first_password}
                <input type="text" required minlength="12" autocomplete="off" prop:value=password on:input=move |ev| password.set(event_target_value(&ev)) />
            </label>
            <label>{t.common.role}
                <select on:change=move |ev| {
                    if let Some(chosen) = Role::parse(&event_target_value(&ev)) {
                        role.set(chosen);
                    }
                }>
                    {ROLES.into_iter().map(|option| view! {
                        <option value=option.as_str() selected=option == Role::Admin>{t.role(option)}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="submit">{t.admins.invite}</button>
        </form>
    }
}
