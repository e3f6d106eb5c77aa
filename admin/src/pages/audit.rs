//! Audit log: who did what to which object, newest first; filtered by actor, action, object and
//! dates, and exported as CSV with the same filters.

use leptos::prelude::*;

use super::{
    debounced,
    table::{Empty, Heading, Pager, Table, answered, turns},
};
use crate::{
    client::use_desk,
    format::{encode, minute},
    i18n::use_texts,
    wire::{
        ErrorBody,
        audit::{AUDIT_PER_PAGE, AuditPage},
    },
};

/// The filters as the API reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Filters {
    actor: String,
    action: String,
    object: String,
    from: String,
    to: String,
}

impl Filters {
    fn query(&self) -> String {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("object", &self.object),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .map(|(name, value)| format!("{name}={}", encode(value.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let a = &t.audit;
    // What is typed, and (after a pause) what is asked.
    let typed = RwSignal::new(Filters::default());
    let applied = RwSignal::new(Filters::default());
    let page = RwSignal::new(1u64);
    let timer = StoredValue::new(None::<TimeoutHandle>);
    let log = RwSignal::new(None::<Result<AuditPage, ErrorBody>>);
    let busy = RwSignal::new(false);
    let asked = StoredValue::new(0u64);

    Effect::new(move |_| {
        let filters = applied.get().query();
        let path = format!(
            "/admin/api/audit?{filters}{}page={}&per_page={AUDIT_PER_PAGE}",
            if filters.is_empty() { "" } else { "&" },
            page.get()
        );
        let ticket = asked.get_value() + 1;
        asked.set_value(ticket);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = desk.get::<AuditPage>(&path).await;
            if asked.get_value() == ticket {
                log.set(Some(answer));
                busy.set(false);
            }
        });
    });

    // Text filters wait for a pause in typing; dates apply at once.
    let edit = move |change: fn(&mut Filters, String), at_once: bool| {
        move |event| {
            typed.update(|filters| change(filters, event_target_value(&event)));
            let apply = move || {
                applied.set(typed.get_untracked());
                page.set(1);
            };
            if at_once {
                apply();
            } else {
                debounced(timer, apply);
            }
        }
    };
    let export = move || {
        let filters = applied.get().query();
        if filters.is_empty() {
            "/admin/api/audit.csv".to_owned()
        } else {
            format!("/admin/api/audit.csv?{filters}")
        }
    };

    view! {
        <div class="page-head">
            <h1>{t.nav.audit}</h1>
            <a class="button secondary" href=export download data-testid="audit-export" rel="external">
                {t.common.export_csv}
            </a>
        </div>
        <div class="toolbar">
            <label>
                {a.actor_contains}
                <input
                    type="search"
                    data-testid="audit-actor"
                    placeholder="admin:ops@…"
                    prop:value=move || typed.with(|f| f.actor.clone())
                    on:input=edit(|f, value| f.actor = value, false)
                />
            </label>
            <label>
                {a.action_starts}
                <input
                    type="search"
                    data-testid="audit-action"
                    placeholder="driver."
                    prop:value=move || typed.with(|f| f.action.clone())
                    on:input=edit(|f, value| f.action = value, false)
                />
            </label>
            <label>
                {a.object}
                <input
                    type="search"
                    data-testid="audit-object"
                    placeholder="driver:42"
                    prop:value=move || typed.with(|f| f.object.clone())
                    on:input=edit(|f, value| f.object = value, false)
                />
            </label>
            <label>
                {t.common.from}
                <input
                    type="date"
                    data-testid="audit-from"
                    prop:value=move || typed.with(|f| f.from.clone())
                    on:change=edit(|f, value| f.from = value, true)
                />
            </label>
            <label>
                {t.common.to}
                <input
                    type="date"
                    data-testid="audit-to"
                    prop:value=move || typed.with(|f| f.to.clone())
                    on:change=edit(|f, value| f.to = value, true)
                />
            </label>
        </div>
        {move || answered(log.get(), Some("audit-loading"), |found| {
            if found.rows.is_empty() {
                return view! { <Empty text=a.none_match testid="audit-empty" /> }.into_any();
            }
            let pages = found.pages();
            let count = t.count(found.total, t.nouns.entry);
            let headings: Vec<Heading> = vec![
                t.common.when_utc.into(),
                a.actor.into(),
                a.action.into(),
                a.object.into(),
                a.details.into(),
                a.source_address.into(),
            ];
            let rows = found
                .rows
                .into_iter()
                .map(|row| {
                    let action = row.action.clone();
                    view! {
                        <tr data-testid="audit-row" data-action=action>
                            <td class="nowrap">{minute(&row.occurred_at)}</td>
                            <td>{row.actor}</td>
                            <td><code>{row.action}</code></td>
                            <td>{row.object}</td>
                            <td class="details"><code>{row.details}</code></td>
                            <td>{row.client_addr}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <Table testid="audit-table" class="audit" stale=busy headings>{rows}</Table>
                <Pager page=page.get_untracked() pages count turn=turns(page) />
            }
                .into_any()
        })}
    }
}
