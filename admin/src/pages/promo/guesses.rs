//! Who tries promo codes that do not exist: each driver's wrong codes, most first, and the total,
//! so that admins see guessing (and can ban a driver from the driver's page).

use leptos::prelude::*;

use crate::{
    client::use_desk,
    format::minute,
    i18n::use_texts,
    pages::table::{Empty, Heading, Table, answered},
    wire::{ErrorBody, promo::PromoGuesses},
};

#[component]
pub(super) fn Guesses() -> impl IntoView {
    let desk = use_desk();
    let t = use_texts();
    let p = &t.promo;
    let guesses = RwSignal::new(None::<Result<PromoGuesses, ErrorBody>>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            guesses.set(Some(desk.get("/admin/api/promo/guesses").await));
        });
    });

    view! {
        <h2>{p.guesses}</h2>
        {move || answered(guesses.get(), None, |guesses| {
            if guesses.drivers.is_empty() {
                return view! { <Empty text=p.no_guesses testid="promo-guesses-empty" /> }.into_any();
            }
            let headings = vec![
                p.driver.into(),
                Heading::numeric(p.wrong_codes),
                p.last_code.into(),
                p.last_try_utc.into(),
            ];
            view! {
                <p class="muted" data-testid="promo-guesses-total" data-total=guesses.total.to_string()>
                    {(p.guesses_total)(guesses.total)}
                </p>
                <Table testid="promo-guesses" headings>
                    {guesses
                        .drivers
                        .into_iter()
                        .map(|guesser| {
                            let who = match &guesser.username {
                                Some(username) => format!("{} (@{username})", guesser.name),
                                None => guesser.name.clone(),
                            };
                            view! {
                                <tr data-testid="promo-guesser" data-driver=guesser.driver_id.to_string()>
                                    <td>
                                        <a href=format!("/admin/drivers/{}", guesser.driver_id)>{who}</a>
                                    </td>
                                    <td class="num">{guesser.wrong}</td>
                                    <td><code>{guesser.last_code.clone()}</code></td>
                                    <td>{minute(&guesser.last_at)}</td>
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
