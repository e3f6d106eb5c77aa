//! A load in the list: route, price, its shipper's mark and what a driver scans for, in a
//! fixed-height card.

use leptos::prelude::*;

use crate::{
    cargo::{
        card::{CargoCard, format_quantity, format_rub, format_rub_per_km, format_when},
        dictionary::{load_types, short_name_of, truck_types},
        shipper::ShipperMark,
    },
    i18n::{Lang, Texts},
};

/// "20 т · 82 м³ · 820 км", skipping what the exchange did not say.
pub fn size_line(card: &CargoCard, text: &Texts) -> String {
    [
        card.weight_t.map(|t| format_quantity(t, text.tonnes)),
        card.volume_m3
            .map(|m| format_quantity(m, text.cubic_metres)),
        card.distance_km.map(|km| format!("{km}\u{a0}{}", text.km)),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}

/// "24.11, 09:00 → 25.11".
pub fn dates_line(card: &CargoCard) -> String {
    match (&card.loading_at, &card.unloading_at) {
        (Some(loading), Some(unloading)) => {
            format!("{} → {}", format_when(loading), format_when(unloading))
        }
        (Some(loading), None) => format_when(loading),
        _ => String::new(),
    }
}

/// The body and loading types in short, in the driver's language where the dictionary knows
/// them, as the exchange names them otherwise.
pub fn kinds_line(card: &CargoCard, lang: Lang) -> String {
    let truck = card
        .truck_types
        .iter()
        .map(|pill| (truck_types(lang), pill));
    let loading = card.load_types.iter().map(|pill| (load_types(lang), pill));
    truck
        .chain(loading)
        .map(|(dictionary, pill)| short_name_of(dictionary, pill.id).unwrap_or(&pill.short_name))
        .collect::<Vec<_>>()
        .join(", ")
}

#[component]
pub fn CardView(
    card: CargoCard,
    text: &'static Texts,
    /// Arrived live while the list was open.
    #[prop(optional)]
    fresh: bool,
) -> impl IntoView {
    let price = card.price_kopecks.map(format_rub);
    let per_km = card
        .price_per_km_kopecks()
        .map(|kopecks| format_rub_per_km(kopecks, text.km));
    let href = format!("/cargo/{}", card.id);
    view! {
        <a
            class="cargo-card"
            class:fresh=fresh
            href=href
            data-testid="cargo-card"
            data-id=card.id.to_string()
            data-fresh=fresh.to_string()
        >
            <div class="cargo-card-top">
                <span class="route">{card.route()}</span>
                <span class="price">{price}</span>
            </div>
            <div class="cargo-card-line muted">
                <span>{dates_line(&card)}</span>
                <span>{per_km}</span>
            </div>
            <div class="cargo-card-line">
                <span>{size_line(&card, text)}</span>
                {card_age(&card, text)}
            </div>
            <div class="cargo-card-line muted small">
                <span class="kinds">{kinds_line(&card, text.lang)}</span>
                {card.shipper.clone().map(|mark| view! { <ShipperBadge mark text /> })}
                {card
                    .responded
                    .then(|| view! { <span class="badge" data-testid="responded-badge">{text.responded}</span> })}
                {fresh.then(|| view! { <span class="badge badge-new" data-testid="new-badge">{text.new_load}</span> })}
            </div>
        </a>
    }
}

/// How long ago the load was posted on the exchange ("5 мин назад"), when it says.
pub fn card_age(card: &CargoCard, text: &'static Texts) -> impl IntoView + use<> {
    card.age_seconds.map(|seconds| {
        view! {
            <span class="card-age muted small" data-testid="card-age" data-age-seconds=seconds.to_string()>
                {text.age(seconds)}
            </span>
        }
    })
}

/// A shipper's mark: its score and level in words, coloured by level.
#[component]
pub fn ShipperBadge(mark: ShipperMark, text: &'static Texts) -> impl IntoView {
    let level = mark.level.as_str();
    view! {
        <span
            class=format!("badge shipper-mark trust-{level}")
            data-testid="shipper-mark"
            data-level=level
            data-score=mark.score.to_string()
        >
            {format!("{} · {}", mark.score, text.trust(mark.level))}
        </span>
    }
}

/// The card's shape while it loads: the same height, so nothing moves when data arrives.
#[component]
pub fn CardSkeleton() -> impl IntoView {
    view! {
        <div class="cargo-card skeleton-card" aria-hidden="true" data-testid="card-skeleton">
            <div class="skeleton-line wide"></div>
            <div class="skeleton-line"></div>
            <div class="skeleton-line short"></div>
        </div>
    }
}
