//! What every list in the dashboard is made of, written once: the answer it waits for (loading,
//! refused, or there), the table with its headings, the card that stands in for an empty one, and
//! the pager under a long one. Pages bring only their columns and rows.

use leptos::prelude::*;

use super::Problem;
use crate::{i18n::use_texts, wire::ErrorBody};

/// An answer a page asked the API for: "Loading…" until it comes, the refusal if refused, else
/// what `shown` makes of it. `testid` names the loading line where a story waits on it.
pub fn answered<T>(
    answer: Option<Result<T, ErrorBody>>,
    testid: Option<&'static str>,
    shown: impl FnOnce(T) -> AnyView,
) -> AnyView {
    match answer {
        None => {
            let t = use_texts();
            view! { <div class="loading" data-testid=testid>{t.common.loading}</div> }.into_any()
        }
        Some(Err(error)) => view! { <Problem error /> }.into_any(),
        Some(Ok(answer)) => shown(answer),
    }
}

/// A column's heading; amounts are right-aligned.
#[derive(Debug, Clone, Copy)]
pub struct Heading {
    label: &'static str,
    numeric: bool,
}

impl Heading {
    pub fn numeric(label: &'static str) -> Self {
        Self {
            label,
            numeric: true,
        }
    }
}

impl From<&'static str> for Heading {
    fn from(label: &'static str) -> Self {
        Self {
            label,
            numeric: false,
        }
    }
}

/// Rows under one line of headings (none for a list that needs none). `stale` dims the rows
/// while a newer answer is on its way; `class` names a table styled apart.
#[component]
pub fn Table(
    testid: &'static str,
    #[prop(optional)] headings: Vec<Heading>,
    #[prop(optional, into)] stale: Signal<bool>,
    #[prop(optional)] class: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    let class = class.map_or_else(|| "table".to_owned(), |class| format!("table {class}"));
    let head = (!headings.is_empty()).then(|| {
        let cells = headings
            .into_iter()
            .map(
                |heading| view! { <th class=heading.numeric.then_some("num")>{heading.label}</th> },
            )
            .collect_view();
        view! {
            <thead>
                <tr>{cells}</tr>
            </thead>
        }
    });
    view! {
        <table class=class class:stale=move || stale.get() data-testid=testid>
            {head}
            <tbody>{children()}</tbody>
        </table>
    }
}

/// What stands where a list has nothing to show.
#[component]
pub fn Empty(text: &'static str, #[prop(optional)] testid: Option<&'static str>) -> impl IntoView {
    view! { <div class="card empty" data-testid=testid>{text}</div> }
}

/// Which way a pager's button turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    Back,
    On,
}

impl Turn {
    /// The page this turn leads to from `page`; never before the first.
    pub fn from(self, page: u64) -> u64 {
        match self {
            Turn::Back => page.saturating_sub(1).max(1),
            Turn::On => page + 1,
        }
    }
}

/// A pager's `turn` for a list that keeps its page in a signal: it turns from the page asked for
/// now, which a quick second click may already have moved past the page shown.
pub fn turns(page: RwSignal<u64>) -> impl Fn(Turn) + Copy + Send + Sync + 'static {
    move |turn: Turn| page.update(|page| *page = turn.from(*page))
}

/// "Page 2 of 40 · 1000 drivers" between a step back and a step on. `count`, when the page does
/// not say it elsewhere, follows the page number; `steps` are the buttons' words where previous
/// and next are not the right ones (a history: newer, older). Each list turns its own way: from
/// the page it asks for now, or from the page shown.
#[component]
pub fn Pager(
    /// The page shown, from 1.
    page: u64,
    pages: u64,
    #[prop(optional)] count: Option<String>,
    #[prop(optional)] steps: Option<(&'static str, &'static str)>,
    turn: impl Fn(Turn) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_texts();
    let (previous, next) = steps.unwrap_or((t.common.previous, t.common.next));
    let at = (t.common.page_of)(page, pages);
    let info = match count {
        Some(count) => format!("{at} · {count}"),
        None => at,
    };
    view! {
        <div class="pager" data-testid="pager">
            <button
                class="secondary"
                data-testid="pager-prev"
                disabled={page <= 1}
                on:click=move |_| turn(Turn::Back)
            >
                {previous}
            </button>
            <span data-testid="pager-info">{info}</span>
            <button
                class="secondary"
                data-testid="pager-next"
                disabled={page >= pages}
                on:click=move |_| turn(Turn::On)
            >
                {next}
            </button>
        </div>
    }
}
