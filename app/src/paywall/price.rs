//! What a plan costs the driver: in roubles through YooKassa or in Telegram Stars where the
//! platform pays in them, with an applied promo code's discount or extra days, and the listed
//! price beside it when the code changed it. Plain arithmetic, kept apart from the sale's state.

use crate::{
    cargo::card::format_rub,
    subscription::{Plan, PromoQuote},
};

/// A promo code in the sale: being checked, applied with its quote, or refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Promo {
    None,
    Checking,
    Applied(PromoQuote),
    /// The server's word on why the code does not apply.
    Refused(String),
}

/// What the driver pays: roubles through YooKassa, or Telegram Stars where the platform asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Price {
    Rub(u64),
    Stars(u32),
}

impl Price {
    pub fn label(self) -> String {
        match self {
            Self::Rub(kopecks) => format_rub(kopecks),
            Self::Stars(stars) => format!("⭐\u{a0}{stars}"),
        }
    }

    pub fn is_free(self) -> bool {
        matches!(self, Self::Rub(0) | Self::Stars(0))
    }

    pub fn per_day(self, days: u32) -> Self {
        let days = days.max(1);
        match self {
            Self::Rub(kopecks) => Self::Rub(kopecks / u64::from(days)),
            Self::Stars(stars) => Self::Stars(stars / days),
        }
    }
}

/// A plan's price and days with the applied code, and its listed price when the code changed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priced {
    pub price: Price,
    pub days: u32,
    pub was: Option<Price>,
}

pub fn priced(plan: &Plan, promo: &Promo, in_stars: bool) -> Priced {
    let benefit = match promo {
        Promo::Applied(quote) if !quote.plans.is_empty() => Some(quote.benefit),
        _ => None,
    };
    let listed = match plan.stars.filter(|_| in_stars) {
        Some(stars) => Price::Stars(stars),
        None => Price::Rub(plan.price_kopecks),
    };
    let (price, days) = match (benefit, listed) {
        (None, listed) => (listed, plan.days),
        (Some(benefit), Price::Stars(stars)) => {
            let (stars, days) = benefit.quote_stars(stars, plan);
            (Price::Stars(stars), days)
        }
        (Some(benefit), Price::Rub(_)) => {
            let (kopecks, days) = benefit.quote(plan);
            (Price::Rub(kopecks), days)
        }
    };
    Priced {
        price,
        days,
        was: (price != listed).then_some(listed),
    }
}
