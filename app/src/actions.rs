//! The page's primary action and its way back. Inside Telegram they are Telegram's own
//! MainButton and BackButton; in an ordinary browser (the sandbox's demo) the same actions are
//! drawn in the page, once the app runs in the browser, so Telegram users never see them flash.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use leptos::prelude::*;

use crate::telegram::{self, Haptic, back_button, main_button};

/// Whether the page runs outside Telegram (known only once the app runs in the browser).
fn outside_telegram() -> ReadSignal<bool> {
    let outside = RwSignal::new(false);
    Effect::new(move |_| outside.set(telegram::platform().is_none()));
    outside.read_only()
}

/// The page's one primary action: Telegram's MainButton, or a bar at the bottom of the page.
#[component]
pub fn MainAction(
    /// Its label; may change while the page is open ("Оплатить 1 990 ₽" after a promo code).
    #[prop(into)]
    text: Signal<String>,
    /// Hidden while `false` (e.g. once the driver has responded).
    #[prop(into)]
    visible: Signal<bool>,
    /// Shows a spinner and ignores taps.
    #[prop(into)]
    busy: Signal<bool>,
    on_press: impl Fn() + 'static,
) -> impl IntoView {
    // Browser-only closures are not `Send`: the page keeps them in thread-local storage.
    let on_press = StoredValue::new_local(on_press);
    let outside = outside_telegram();
    let press = move || {
        if !busy.get_untracked() {
            telegram::haptic(Haptic::Tap);
            on_press.with_value(|on_press| on_press());
        }
    };
    Effect::new(move |registered: Option<()>| {
        if registered.is_none() {
            main_button::on_press(press);
        }
        if visible.get() {
            main_button::show(&text.get(), busy.get());
        } else {
            main_button::hide_button();
        }
    });
    on_cleanup(main_button::hide);

    view! {
        <Show when=move || outside.get() && visible.get()>
            <div class="action-bar">
                <button
                    class="button"
                    data-testid="main-action"
                    disabled=move || busy.get()
                    on:click=move |_| press()
                >
                    {move || text.get()}
                </button>
            </div>
        </Show>
    }
}

/// Which page showed Telegram's BackButton last (a count of showings).
static BACK_SHOWN_BY: AtomicU64 = AtomicU64::new(0);

/// The way back: Telegram's BackButton, or a link above the page. Going from one page with a way
/// back to another (a load, then its shipper), the first page's cleanup may come after the second
/// showed the button: it then leaves the button to the second.
#[component]
pub fn BackAction(label: &'static str, on_back: impl Fn() + 'static) -> impl IntoView {
    let outside = outside_telegram();
    let on_back = StoredValue::new_local(on_back);
    let back = move || {
        telegram::haptic(Haptic::Tap);
        on_back.with_value(|on_back| on_back());
    };
    let mine = Arc::new(AtomicU64::new(0));
    let showing = Arc::clone(&mine);
    Effect::new(move |_| {
        showing.store(
            BACK_SHOWN_BY.fetch_add(1, Ordering::Relaxed) + 1,
            Ordering::Relaxed,
        );
        back_button::show(back);
    });
    on_cleanup(move || {
        if BACK_SHOWN_BY.load(Ordering::Relaxed) == mine.load(Ordering::Relaxed) {
            back_button::hide();
        }
    });
    view! {
        <Show when=move || outside.get()>
            <button
                class="back-link"
                data-testid="back-action"
                on:click=move |_| back()
            >
                {format!("← {label}")}
            </button>
        </Show>
    }
}
