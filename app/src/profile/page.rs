//! The profile page: language, home city, truck, alerts and quiet hours, saved with Telegram's
//! MainButton once something changed; the loads the driver hid; and logging out. The form starts
//! from what the sign-in brought, so it draws at once and nothing moves when it loads.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::hooks::use_navigate;

use super::{
    HomeCity, Profile, QuietHours, UTC_OFFSET_MINUTES, autopay::AutopaySection,
    hidden::HiddenLoads, texts::use_profile_texts,
};
use crate::{
    actions::{BackAction, MainAction},
    api::Method,
    board::{CityInput, FieldError},
    cargo::{
        dictionary::TRUCK_TYPES,
        filter::{PlaceFilter, WeightCategory},
    },
    i18n::use_texts,
    paywall::use_access,
    session::{self, SignIn, SignInStatus},
    telegram::{self, Haptic},
};

/// The points dictionary's type of a city, for a home city kept without one.
const CITY_POINT_TYPE: u8 = 2;

#[component]
pub fn ProfilePage() -> impl IntoView {
    let sign_in = expect_context::<RwSignal<SignIn>>();
    let text = use_texts();
    let t = use_profile_texts();
    let navigate = use_navigate();
    let go_back = move || navigate("/", Default::default());
    let signed_in = Memo::new(move |_| sign_in.with(|state| matches!(state, SignIn::Done(_))));
    view! {
        <BackAction label=text.back on_back=go_back />
        <h1 class="page-title">{t.title}</h1>
        <Show when=move || signed_in.get() fallback=|| view! { <SignInStatus /> }>
            <ProfileForm sign_in />
            <AutopaySection />
            <HiddenLoads />
            <LogOut sign_in />
        </Show>
    }
}

#[component]
fn ProfileForm(sign_in: RwSignal<SignIn>) -> impl IntoView {
    let text = use_texts();
    let t = use_profile_texts();
    let access = use_access();
    let start = sign_in.with_untracked(|state| match state {
        SignIn::Done(signed_in) => signed_in.profile.clone(),
        _ => Profile::default(),
    });
    let saved = RwSignal::new(start.clone());
    let form = RwSignal::new(start);
    let place = RwSignal::new(form.with_untracked(|profile| {
        profile.home_city.as_ref().map(|city| PlaceFilter {
            city_id: city.city_id,
            point_type: CITY_POINT_TYPE,
            city_name: city.name.clone(),
            radius_km: 0,
        })
    }));
    let unresolved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let notice = RwSignal::new(None::<String>);

    // The phone's time zone is the one quiet hours are read in.
    Effect::new(move |_| {
        let offset = device_utc_offset();
        if form.with_untracked(|f| f.utc_offset_minutes != offset)
            && UTC_OFFSET_MINUTES.contains(&offset)
        {
            form.update(|f| f.utc_offset_minutes = offset);
        }
    });
    Effect::new(move |_| {
        let city = place.get().map(|place| HomeCity {
            city_id: place.city_id,
            name: place.city_name,
        });
        if form.with_untracked(|f| f.home_city != city) {
            form.update(|f| f.home_city = city);
        }
    });
    // The phone's time zone alone is no change to save: it goes along with the next one.
    let changed = Memo::new(move |_| {
        form.with(|f| {
            saved.with(|s| {
                f != &Profile {
                    utc_offset_minutes: f.utc_offset_minutes,
                    ..s.clone()
                }
            })
        })
    });
    let city_error = Signal::derive(move || {
        unresolved
            .get()
            .then(|| t.problem(super::ProfileProblem::HomeCity))
    });

    let save = move || {
        let profile = form.get_untracked();
        if let Err(problem) = profile.check() {
            telegram::haptic(Haptic::Error);
            notice.set(Some(t.problem(problem)));
            return;
        }
        let Some(api) = access.api.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            match api
                .send::<Profile>(Method::Put, "/api/v1/me/profile", Some(&profile))
                .await
            {
                Ok(Some(kept)) => {
                    telegram::haptic(Haptic::Success);
                    saved.set(kept.clone());
                    form.set(kept.clone());
                    notice.set(Some(t.saved.to_owned()));
                    busy.set(false);
                    // The app follows the language chosen (the page is drawn again in it).
                    sign_in.update(|state| {
                        if let SignIn::Done(signed_in) = state {
                            signed_in.profile = kept;
                        }
                    });
                }
                Ok(None) => busy.set(false),
                Err(error) => {
                    telegram::haptic(Haptic::Error);
                    notice.set(Some(text.problem(&error)));
                    busy.set(false);
                }
            }
        });
    };

    view! {
        <form class="filter-form profile-form" data-testid="profile-form" on:submit=|event| event.prevent_default()>
            <div class="field">
                <span class="field-label">{t.language}</span>
                <div class="choice-row" data-testid="language">
                    {[(None, t.language_telegram), (Some("ru"), "Русский"), (Some("en"), "English")]
                        .into_iter()
                        .map(|(code, label)| {
                            let chosen = move || form.with(|f| f.language.as_deref() == code);
                            view! {
                                <button
                                    type="button"
                                    class="choice"
                                    class:chosen=chosen
                                    data-testid=format!("language-{}", code.unwrap_or("telegram"))
                                    on:click=move |_| {
                                        telegram::haptic(Haptic::Selection);
                                        form.update(|f| f.language = code.map(str::to_owned));
                                    }
                                >
                                    {label}
                                </button>
                            }
                        })
                        .collect_view()}
                </div>
            </div>

            <CityInput name="home" label=t.home_city place unresolved error=city_error radius=false />

            <h2 class="section-title">{t.truck}</h2>
            <div class="range-row">
                <div class="field">
                    <label class="field-label" for="truck-type">{t.body_type}</label>
                    <select
                        id="truck-type"
                        class="input"
                        data-testid="truck-type"
                        on:change=move |e| {
                            let id = event_target_value(&e).parse::<u32>().ok();
                            form.update(|f| f.truck_type = id);
                        }
                    >
                        <option value="" selected=move || form.with(|f| f.truck_type.is_none())>{t.any_body}</option>
                        {TRUCK_TYPES
                            .iter()
                            .map(|(id, name, _)| {
                                let id = *id;
                                view! {
                                    <option value=id.to_string() selected=move || form.with(|f| f.truck_type == Some(id))>
                                        {*name}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label class="field-label" for="capacity">{t.capacity}</label>
                    <select
                        id="capacity"
                        class="input"
                        data-testid="capacity"
                        on:change=move |e| {
                            let index = event_target_value(&e).parse::<usize>().ok();
                            form.update(|f| f.capacity = index.and_then(|i| WeightCategory::ALL.get(i).copied()));
                        }
                    >
                        <option value="" selected=move || form.with(|f| f.capacity.is_none())>{t.any_capacity}</option>
                        {WeightCategory::ALL
                            .into_iter()
                            .enumerate()
                            .map(|(index, category)| {
                                view! {
                                    <option value=index.to_string() selected=move || form.with(|f| f.capacity == Some(category))>
                                        {text.weight_category(category)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
            </div>

            <h2 class="section-title">{t.alerts}</h2>
            <label class="check">
                <input
                    type="checkbox"
                    data-testid="notifications"
                    prop:checked=move || form.with(|f| f.notifications)
                    on:change=move |e| {
                        telegram::haptic(Haptic::Selection);
                        let on = event_target_checked(&e);
                        form.update(|f| f.notifications = on);
                    }
                />
                {t.notifications}
            </label>
            <label class="check">
                <input
                    type="checkbox"
                    data-testid="quiet-hours"
                    prop:checked=move || form.with(|f| f.quiet_hours.is_some())
                    on:change=move |e| {
                        telegram::haptic(Haptic::Selection);
                        let on = event_target_checked(&e);
                        form.update(|f| f.quiet_hours = on.then(|| Profile::default().quiet_hours).flatten());
                    }
                />
                {t.quiet_hours}
            </label>
            <div class="range-row quiet-row">
                <QuietClock label=t.quiet_from name="quiet-from" form pick=|quiet| &mut quiet.from />
                <QuietClock label=t.quiet_until name="quiet-until" form pick=|quiet| &mut quiet.until />
            </div>
            <p class="field-hint">{t.quiet_hint}</p>
            <p class="field-hint" data-testid="time-zone">
                {move || t.time_zone.replace("{zone}", &zone(form.with(|f| f.utc_offset_minutes)))}
            </p>
            <FieldError error=notice />
        </form>
        <MainAction
            text=t.save
            visible=Signal::derive(move || changed.get() && !unresolved.get())
            busy=busy
            on_press=save
        />
    }
}

/// One end of the quiet hours, as the phone's time picker.
#[component]
fn QuietClock(
    label: &'static str,
    name: &'static str,
    form: RwSignal<Profile>,
    pick: fn(&mut QuietHours) -> &mut String,
) -> impl IntoView {
    let value = move || {
        form.with(|f| {
            f.quiet_hours
                .clone()
                .map(|mut quiet| pick(&mut quiet).clone())
                .unwrap_or_default()
        })
    };
    view! {
        <label class="field">
            <span class="field-label">{label}</span>
            <input
                class="input"
                type="time"
                data-testid=name
                disabled=move || form.with(|f| f.quiet_hours.is_none())
                prop:value=value
                on:change=move |e| {
                    let time = event_target_value(&e);
                    form.update(|f| {
                        if let Some(quiet) = f.quiet_hours.as_mut() {
                            *pick(quiet) = time;
                        }
                    });
                }
            />
        </label>
    }
}

#[component]
fn LogOut(sign_in: RwSignal<SignIn>) -> impl IntoView {
    let t = use_profile_texts();
    let navigate = use_navigate();
    view! {
        <section class="profile-section log-out">
            <button
                type="button"
                class="button secondary danger"
                data-testid="log-out"
                on:click=move |_| {
                    telegram::haptic(Haptic::Tap);
                    session::log_out(sign_in);
                    navigate("/", Default::default());
                }
            >
                {t.log_out}
            </button>
            <p class="field-hint">{t.log_out_hint}</p>
        </section>
    }
}

/// `180` → `UTC+3`, `330` → `UTC+5:30`.
fn zone(offset_minutes: i32) -> String {
    let sign = if offset_minutes < 0 { '−' } else { '+' };
    let (hours, minutes) = (offset_minutes.abs() / 60, offset_minutes.abs() % 60);
    if minutes == 0 {
        format!("UTC{sign}{hours}")
    } else {
        format!("UTC{sign}{hours}:{minutes:02}")
    }
}

/// The phone's offset from UTC in minutes east (the browser counts west).
fn device_utc_offset() -> i32 {
    #[cfg(feature = "browser")]
    {
        -(js_sys::Date::new_0().get_timezone_offset() as i32)
    }
    #[cfg(not(feature = "browser"))]
    {
        super::DEFAULT_UTC_OFFSET_MINUTES
    }
}
