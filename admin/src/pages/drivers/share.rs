//! A driver's share of the exchange's calls on their page: what they may cause now and caused in
//! the last hour, and (admins) a cut to so many calls a minute, or lifting it.

use leptos::prelude::*;

use crate::{
    client::{Method, use_desk},
    i18n::use_texts,
    pages::table::answered,
    wire::{
        ErrorBody,
        drivers::{ShareCut, UpstreamShare, cut_problem},
    },
};

#[component]
pub(super) fn ShareControl(id: i64) -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let d = &t.drivers;
    let share = RwSignal::new(None::<Result<UpstreamShare, ErrorBody>>);
    let path = format!("/admin/api/drivers/{id}/upstream-share");
    Effect::new({
        let path = path.clone();
        move |_| {
            let path = path.clone();
            leptos::task::spawn_local(async move { share.set(Some(desk.get(&path).await)) });
        }
    });
    let cap = RwSignal::new("10".to_owned());
    let outcome = RwSignal::new(None::<Result<String, ErrorBody>>);
    let busy = RwSignal::new(false);
    let send = move |cap_per_minute: Option<u32>| {
        if cut_problem(cap_per_minute).is_some() {
            outcome.set(Some(Err(t.refusal("invalid_share", d.cut_problem))));
            return;
        }
        busy.set(true);
        let path = path.clone();
        leptos::task::spawn_local(async move {
            let answer = desk
                .send::<UpstreamShare>(Method::Put, &path, Some(&ShareCut { cap_per_minute }))
                .await;
            busy.set(false);
            match answer {
                Ok(Some(changed)) => {
                    outcome.set(Some(Ok(
                        cap_per_minute.map_or(d.cut_lifted.into(), d.cut_done)
                    )));
                    share.set(Some(Ok(changed)));
                }
                Ok(None) => outcome.set(Some(Err(t.transport()))),
                Err(error) => outcome.set(Some(Err(error))),
            }
        });
    };
    let cut = {
        let send = send.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            match cap.get_untracked().trim().parse::<u32>() {
                Ok(cap) => send(Some(cap)),
                Err(_) => outcome.set(Some(Err(t.refusal("invalid_share", d.cut_problem)))),
            }
        }
    };
    view! {
        <form class="card" data-testid="share-control" novalidate on:submit=cut>
            <h3>{d.upstream_share}</h3>
            {move || {
                answered(share.get(), Some("share-loading"), |share| {
                    let cut = share.cap_per_minute.map_or(d.share_uncut.to_owned(), d.share_cut_to);
                    view! {
                        <p class="muted" data-testid="share-note">
                            {(d.share_note)(share.share_per_minute, share.calls_last_hour)}
                            " "
                            {cut}
                        </p>
                    }
                    .into_any()
                })
            }}
            <label>
                {d.cut_label}
                <input
                    type="number"
                    min="0"
                    max="1000"
                    data-testid="share-cap"
                    prop:value=cap
                    on:input=move |event| cap.set(event_target_value(&event))
                />
            </label>
            <div class="buttons">
                <button type="submit" data-testid="share-cut" disabled=move || busy.get()>
                    {d.cut}
                </button>
                <button
                    type="button"
                    class="secondary"
                    data-testid="share-lift"
                    disabled=move || busy.get()
                    on:click=move |_| send(None)
                >
                    {d.lift_cut}
                </button>
            </div>
            {move || {
                outcome.get().map(|outcome| match outcome {
                    Ok(done) => view! { <p class="notice" data-testid="share-result">{done}</p> }.into_any(),
                    Err(error) => view! {
                        <p class="problem" data-testid="share-result" data-code=error.code.clone()>
                            {error.message}
                        </p>
                    }
                    .into_any(),
                })
            }}
        </form>
    }
}
