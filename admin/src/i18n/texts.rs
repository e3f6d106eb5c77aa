//! Every text the dashboard shows, a field each, so a language missing one does not compile.
//! Texts with numbers or names in them are functions; counted nouns carry their plural forms.

mod cabinet;
mod connection;
mod drivers;
mod payments;
mod promo;

use super::Lang;
use crate::{
    page::Page,
    wire::{ErrorBody, Role},
};

pub use cabinet::Cabinet;
pub use connection::Connection;
pub use drivers::Drivers;
pub use payments::Payments;
pub use promo::Promo;

/// A counted noun's forms: one, few (Russian 2–4) and many.
pub type Noun = [&'static str; 3];

pub struct Texts {
    pub lang: Lang,
    pub common: Common,
    pub nouns: Nouns,
    pub nav: Nav,
    pub login: Login,
    pub overview: Overview,
    pub drivers: Drivers,
    pub payments: Payments,
    pub promo: Promo,
    pub flags: Flags,
    pub settings: Settings,
    pub connection: Connection,
    pub tokens: Tokens,
    pub audit: Audit,
    pub admins: Admins,
    pub security: Security,
    pub shippers: Shippers,
    pub cabinet: Cabinet,
    pub errors: Errors,
}

pub struct Common {
    /// The document's title and the sidebar's brand.
    pub brand: &'static str,
    pub language: &'static str,
    pub loading: &'static str,
    pub cancel: &'static str,
    pub save: &'static str,
    pub apply: &'static str,
    pub any: &'static str,
    pub never: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub when: &'static str,
    pub when_utc: &'static str,
    pub created_utc: &'static str,
    pub export_csv: &'static str,
    pub email: &'static str,
    pub role: &'static str,
    pub status: &'static str,
    pub state: &'static str,
    pub amount: &'static str,
    pub refunded: &'static str,
    pub plan: &'static str,
    pub provider: &'static str,
    pub promo_code: &'static str,
    pub campaign: &'static str,
    pub days: &'static str,
    pub driver: &'static str,
    pub how_many: &'static str,
    pub previous: &'static str,
    pub next: &'static str,
    pub page_of: fn(u64, u64) -> String,
    pub not_found: &'static str,
    pub back_to_overview: &'static str,
    pub log_out: &'static str,
    pub log_out_everywhere: &'static str,
    pub role_support: &'static str,
    pub role_admin: &'static str,
    pub role_owner: &'static str,
}

pub struct Nouns {
    pub day: Noun,
    pub driver: Noun,
    pub entry: Noun,
    pub payment: Noun,
    pub code: Noun,
}

pub struct Nav {
    pub overview: &'static str,
    pub drivers: &'static str,
    pub payments: &'static str,
    pub promo: &'static str,
    pub flags: &'static str,
    pub settings: &'static str,
    pub connection: &'static str,
    pub service_tokens: &'static str,
    pub audit: &'static str,
    pub admins: &'static str,
    pub security: &'static str,
    pub shipper_reports: &'static str,
    pub cabinet: &'static str,
}

pub struct Login {
    pub password: &'static str,
    pub submit: &'static str,
    /// The authenticator app's code, asked after the password when the second factor is on.
    pub code: &'static str,
}

pub struct Overview {
    pub as_of: fn(&str) -> String,
    pub drivers_and_money: &'static str,
    pub drivers: &'static str,
    pub new_this_week: fn(u64) -> String,
    pub active_today: &'static str,
    pub active_hint: &'static str,
    pub paying: &'static str,
    pub on_trial: fn(u64) -> String,
    pub revenue_today: &'static str,
    pub stars_today: fn(&str) -> String,
    pub revenue_30: &'static str,
    pub stars_30: fn(&str) -> String,
    pub upstream_and_delivery: &'static str,
    pub budget: &'static str,
    pub paused: fn(u64) -> String,
    pub used: fn(f64) -> String,
    pub cache: &'static str,
    pub queue: &'static str,
    pub breaker: &'static str,
    pub breaker_closed: &'static str,
    pub breaker_open: &'static str,
    pub breaker_half_open: &'static str,
    pub connection: &'static str,
    pub outbox: &'static str,
    pub chart_revenue: &'static str,
    pub chart_drivers: &'static str,
    pub peak: fn(&str) -> String,
    pub upstream_use: &'static str,
    pub lists: &'static str,
    pub details: &'static str,
    pub cities: &'static str,
    pub login: &'static str,
    pub background: &'static str,
    pub top_drivers: &'static str,
    pub no_driver_calls: &'static str,
    pub driver: &'static str,
    pub calls: &'static str,
    pub share: &'static str,
    pub cut_to: fn(u32) -> String,
    pub fair: &'static str,
    pub banned: &'static str,
}

pub struct Flags {
    /// What a flag does, by its name; `None` keeps the server's English description.
    pub description: fn(&str) -> Option<&'static str>,
}

pub struct Settings {
    pub intro: &'static str,
    pub saved: fn(&str) -> String,
    pub setting: &'static str,
    pub now: &'static str,
    pub change: &'static str,
    pub not_set: &'static str,
    pub secret: &'static str,
    pub new_value: &'static str,
    pub new_secret: &'static str,
    pub clear: &'static str,
    /// A setting's label and note, by its key; `None` keeps the server's English ones.
    pub known: fn(&str) -> Option<(&'static str, &'static str)>,
}

pub struct Tokens {
    pub intro_before: &'static str,
    pub intro_after: &'static str,
    pub client_name: &'static str,
    pub expires_in: &'static str,
    pub create: &'static str,
    pub issued: fn(&str) -> String,
    pub copied: &'static str,
    pub none_yet: &'static str,
    pub client: &'static str,
    pub expires: &'static str,
    pub last_used: &'static str,
    pub revoke: &'static str,
    pub state_live: &'static str,
    pub state_expired: &'static str,
    pub state_revoked: &'static str,
}

pub struct Audit {
    pub actor_contains: &'static str,
    pub action_starts: &'static str,
    pub object: &'static str,
    pub none_match: &'static str,
    pub actor: &'static str,
    pub action: &'static str,
    pub details: &'static str,
    pub source_address: &'static str,
}

pub struct Admins {
    pub invited: fn(&str) -> String,
    pub last_login: &'static str,
    pub invited_by: &'static str,
    pub switch_on: &'static str,
    pub switch_off: &'static str,
    pub invite_heading: &'static str,
    pub first_password: &'static str,
    pub invite: &'static str,
    pub second_factor: &'static str,
    pub reset_second_factor: &'static str,
}

/// The signed-in admin's own second factor.
/// The moderation of drivers' reports about shippers.
pub struct Shippers {
    pub intro: &'static str,
    /// The states a list shows, by the server's names: pending, approved, rejected, asked.
    pub state: fn(&str) -> &'static str,
    /// An answer, by the server's names: agreed, no_answer, already_gone, not_paid.
    pub outcome: fn(&str) -> &'static str,
    pub answered: &'static str,
    pub shipper: &'static str,
    pub load: &'static str,
    pub report: &'static str,
    pub approve: &'static str,
    pub reject: &'static str,
    pub none: &'static str,
    pub moderated_by: &'static str,
}

pub struct Security {
    pub intro: &'static str,
    pub on: &'static str,
    pub off: &'static str,
    pub set_up: &'static str,
    pub scan: &'static str,
    pub or_type: &'static str,
    pub code: &'static str,
    pub confirm: &'static str,
    pub turn_off: &'static str,
    pub turn_off_hint: &'static str,
}

pub struct Errors {
    pub transport: &'static str,
    pub try_again_in: fn(u64) -> String,
    /// The message for an API refusal's stable code; `None` keeps the server's message.
    pub by_code: fn(&str) -> Option<&'static str>,
}

impl Texts {
    /// "5 дней", "1 day".
    pub fn count(&self, n: u64, noun: Noun) -> String {
        format!("{n} {}", noun[self.lang.plural(n)])
    }

    pub fn page_title(&self, page: Page) -> &'static str {
        let nav = &self.nav;
        match page {
            Page::Overview => nav.overview,
            Page::Drivers => nav.drivers,
            Page::Payments => nav.payments,
            Page::Promo => nav.promo,
            Page::Flags => nav.flags,
            Page::Settings => nav.settings,
            Page::Connection => nav.connection,
            Page::ServiceTokens => nav.service_tokens,
            Page::Audit => nav.audit,
            Page::Admins => nav.admins,
            Page::Security => nav.security,
            Page::ShipperReports => nav.shipper_reports,
            Page::Cabinet => nav.cabinet,
        }
    }

    pub fn role(&self, role: Role) -> &'static str {
        match role {
            Role::Support => self.common.role_support,
            Role::Admin => self.common.role_admin,
            Role::Owner => self.common.role_owner,
        }
    }

    /// A value the server names in its own words (a status, a source, a state), in this
    /// language; one it does not know is shown as it came.
    pub fn value<'a>(&self, value: &'a str) -> &'a str {
        let (d, p, t, o) = (&self.drivers, &self.payments, &self.tokens, &self.overview);
        match value {
            "trial" => d.source_trial,
            "payment" => d.source_payment,
            "promo" => d.source_promo,
            "gift" => d.source_gift,
            "refund" => d.source_refund,
            "sent" => d.response_sent,
            "viewed" => d.response_viewed,
            "contacted" => d.response_contacted,
            "succeeded" => p.status_succeeded,
            "pending" => p.status_pending,
            "canceled" => p.status_canceled,
            "yookassa" => p.provider_yookassa,
            "stars" => p.provider_stars,
            "free" => p.provider_free,
            "live" => t.state_live,
            "expired" => t.state_expired,
            "revoked" => t.state_revoked,
            "closed" => o.breaker_closed,
            "open" => o.breaker_open,
            "half_open" => o.breaker_half_open,
            other => other,
        }
    }

    /// The dashboard's own refusal (a form checked before sending), in this language.
    pub fn refusal(&self, code: &str, message: &str) -> ErrorBody {
        ErrorBody {
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn transport(&self) -> ErrorBody {
        self.refusal("transport", self.errors.transport)
    }

    /// An API refusal put into this language by its code; the server's own message where this
    /// language has none for it. `retry_after` is the wait a throttled login was told.
    pub fn api_refusal(&self, error: ErrorBody, retry_after: Option<u64>) -> ErrorBody {
        let message = match (error.code.as_str(), retry_after) {
            ("transport", _) => self.errors.transport.to_owned(),
            ("login_throttled", Some(seconds)) => (self.errors.try_again_in)(seconds),
            (code, _) => (self.errors.by_code)(code).map_or(error.message, str::to_owned),
        };
        ErrorBody {
            code: error.code,
            message,
        }
    }
}
