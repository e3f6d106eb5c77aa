//! `/passes`, the "Кабинет" page: the driver's passes, the plans on sale (bought through the
//! same YooKassa page or Stars invoice as a subscription), and for a live pass a link that opens
//! the cabinet here or — once, for a few minutes — in a browser on a computer.

use std::time::Duration;

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_navigate;

use super::{
    BoughtPass, BuyPass, LoginLink, PassState, PassView, PassesView, texts::use_cabinet_texts,
};
use crate::{
    actions::BackAction,
    api::{Api, Method},
    i18n::use_texts,
    paywall::{format_day, use_access},
    session::{SignIn, SignInStatus},
    telegram::{self, Haptic},
};

/// How often the passes are asked about while a payment is open, and how many times.
const POLL_EVERY: Duration = Duration::from_secs(2);
const POLLS: u32 = 450;

#[component]
pub fn CabinetPage() -> impl IntoView {
    let sign_in = expect_context::<RwSignal<SignIn>>();
    let text = use_texts();
    let t = use_cabinet_texts();
    let access = use_access();
    let navigate = use_navigate();
    let passes = RwSignal::new(None::<PassesView>);
    let bought = RwSignal::new(None::<BoughtPass>);
    let link = RwSignal::new(None::<(i64, LoginLink)>);
    let notice = RwSignal::new(None::<String>);
    let signed_in = Memo::new(move |_| sign_in.with(|state| matches!(state, SignIn::Done(_))));

    let load = move |api: Api| {
        spawn_local(async move {
            match api.get::<PassesView>("/api/v1/passes").await {
                Ok(view) => passes.set(Some(view)),
                Err(error) => notice.set(Some(text.problem(&error))),
            }
        });
    };
    Effect::new(move |_| {
        if let Some(api) = access.api.get() {
            load(api);
        }
    });

    let buy = move |plan_id: i64| {
        let Some(api) = access.api.get_untracked() else {
            return;
        };
        telegram::haptic(Haptic::Tap);
        spawn_local(async move {
            let request = BuyPass {
                plan_id,
                platform: telegram::platform(),
            };
            match api
                .send::<BoughtPass>(Method::Post, "/api/v1/passes", Some(&request))
                .await
            {
                Ok(Some(purchase)) => {
                    if let Some(url) = &purchase.payment.confirmation_url {
                        telegram::open_link(url);
                    } else if let Some(invoice) = &purchase.payment.invoice_link {
                        telegram::open_invoice(invoice);
                    }
                    let pass_id = purchase.pass.id;
                    bought.set(Some(purchase));
                    notice.set(Some(t.paying.to_owned()));
                    poll(api, passes, pass_id, POLLS);
                }
                Ok(None) => {}
                Err(error) => {
                    telegram::haptic(Haptic::Error);
                    notice.set(Some(text.problem(&error)));
                }
            }
        });
    };

    let make_link = move |pass_id: i64, open_here: bool| {
        let Some(api) = access.api.get_untracked() else {
            return;
        };
        telegram::haptic(Haptic::Tap);
        spawn_local(async move {
            let path = format!("/api/v1/passes/{pass_id}/link");
            match api
                .send::<LoginLink>(Method::Post, &path, None::<&()>)
                .await
            {
                Ok(Some(made)) => {
                    if open_here {
                        telegram::open_link(&made.url);
                    } else {
                        link.set(Some((pass_id, made)));
                    }
                }
                Ok(None) => {}
                Err(error) => notice.set(Some(text.problem(&error))),
            }
        });
    };

    view! {
        <BackAction label=text.back on_back=move || navigate("/", Default::default()) />
        <h1 class="page-title">{t.title}</h1>
        <Show when=move || signed_in.get() fallback=|| view! { <SignInStatus /> }>
            <p class="muted small">{t.intro}</p>
            {move || notice.get().map(|line| view! { <p class="card notice" data-testid="cabinet-notice">{line}</p> })}
            {move || bought.get().map(|purchase| view! {
                <div class="card" data-testid="pass-token">
                    <p class="small">{t.token_once}</p>
                    <code class="token">{purchase.token}</code>
                </div>
            })}
            <section class="card profile-section" data-testid="passes">
                <h2 class="section-title">{t.my_passes}</h2>
                {move || match passes.get() {
                    None => view! { <div class="skeleton-line"></div> }.into_any(),
                    Some(view) if view.passes.is_empty() => {
                        view! { <p class="muted small" data-testid="no-passes">{t.no_passes}</p> }.into_any()
                    }
                    Some(view) => view! {
                        <ul class="saved-list">
                            {view.passes.into_iter().map(|pass| {
                                let id = pass.id;
                                let active = pass.state == PassState::Active;
                                view! {
                                    <li class="saved-item" data-testid="pass" data-state=state_name(pass.state) data-pass-id=id>
                                        <span>{t.hours.replace("{n}", &pass.hours.to_string())}" · "{describe(&pass)}</span>
                                        <Show when=move || active>
                                            <button type="button" class="button secondary" data-testid="pass-open"
                                                on:click=move |_| make_link(id, true)>{t.open_here}</button>
                                            <button type="button" class="button secondary" data-testid="pass-link"
                                                on:click=move |_| make_link(id, false)>{t.open_elsewhere}</button>
                                        </Show>
                                        {move || link.get().filter(|(pass, _)| *pass == id).map(|(_, made)| view! {
                                            <p class="small" data-testid="login-link-hint">
                                                {t.link_hint.replace("{time}", &moment(&made.expires_at))}
                                            </p>
                                            <code class="token" data-testid="login-link">{made.url}</code>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </section>
            <section class="card profile-section" data-testid="pass-plans">
                <h2 class="section-title">{t.plans}</h2>
                <ul class="saved-list">
                    {move || passes.get().map(|view| view.plans.into_iter().map(|plan| {
                        let id = plan.id;
                        view! {
                            <li class="saved-item" data-testid="pass-plan" data-hours=plan.hours>
                                <span>{t.hours.replace("{n}", &plan.hours.to_string())}" · "{rubles(plan.price_kopecks)}</span>
                                <button type="button" class="button" data-testid="pass-buy"
                                    on:click=move |_| buy(id)>{t.buy}</button>
                            </li>
                        }
                    }).collect_view())}
                </ul>
            </section>
        </Show>
    }
}

/// Asks for the passes again until the one bought is no longer waiting for its payment.
fn poll(api: Api, passes: RwSignal<Option<PassesView>>, pass_id: i64, left: u32) {
    if left == 0 {
        return;
    }
    set_timeout(
        move || {
            spawn_local(async move {
                let Ok(view) = api.get::<PassesView>("/api/v1/passes").await else {
                    poll(api, passes, pass_id, left - 1);
                    return;
                };
                let waiting = view
                    .passes
                    .iter()
                    .any(|pass| pass.id == pass_id && pass.state == PassState::Pending);
                passes.set(Some(view));
                if waiting {
                    poll(api, passes, pass_id, left - 1);
                }
            });
        },
        POLL_EVERY,
    );
}

fn state_name(state: PassState) -> &'static str {
    match state {
        PassState::Pending => "pending",
        PassState::Active => "active",
        PassState::Expired => "expired",
        PassState::Revoked => "revoked",
    }
}

fn describe(pass: &PassView) -> String {
    let t = use_cabinet_texts();
    match (pass.state, pass.expires_at.as_deref()) {
        (PassState::Active, Some(until)) => t.active_until.replace("{time}", &moment(until)),
        (PassState::Pending, _) | (PassState::Active, None) => t.pending.to_owned(),
        (PassState::Expired, _) => t.expired.to_owned(),
        (PassState::Revoked, _) => t.revoked.to_owned(),
    }
}

/// `2026-12-23T10:05:00Z` → `10:05 23.12.2026`, on the driver's clock in the browser.
fn moment(iso: &str) -> String {
    #[cfg(feature = "browser")]
    {
        let date = js_sys::Date::new(&iso.into());
        if !date.get_time().is_nan() {
            return format!(
                "{:02}:{:02} {}",
                date.get_hours(),
                date.get_minutes(),
                format_day(iso)
            );
        }
    }
    let time = iso.get(11..16).unwrap_or_default();
    format!("{time} {}", format_day(iso))
}

fn rubles(kopecks: u64) -> String {
    let rubles = kopecks / 100;
    let digits = rubles.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('\u{a0}');
        }
        grouped.push(digit);
    }
    format!("{grouped} ₽")
}
