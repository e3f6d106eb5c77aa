//! The drivers' pages' texts: the list, a driver's page and what staff may do there.

use super::Texts;
use crate::wire::drivers::{DriverSort, DriverState};

pub struct Drivers {
    pub search: &'static str,
    pub search_placeholder: &'static str,
    pub subscription: &'static str,
    pub order: &'static str,
    pub state_active: &'static str,
    pub state_trial: &'static str,
    pub state_expired: &'static str,
    pub state_never: &'static str,
    pub state_banned: &'static str,
    pub sort_newest: &'static str,
    pub sort_name: &'static str,
    pub sort_access_ends: &'static str,
    pub none_match: &'static str,
    pub name: &'static str,
    pub username: &'static str,
    pub telegram_id: &'static str,
    pub access_ends: &'static str,
    pub joined: &'static str,
    pub all_drivers: &'static str,
    pub actions: &'static str,
    pub ban_and_messages: &'static str,
    pub needs_admin: &'static str,
    pub never_had_access: &'static str,
    pub days_left: fn(u64) -> String,
    pub no_access_now: &'static str,
    pub no_username: &'static str,
    pub the_bot: &'static str,
    pub bot_reaches: &'static str,
    pub bot_blocked: &'static str,
    pub joined_on: fn(&str) -> String,
    pub banned: &'static str,
    pub signed_out: &'static str,
    pub history: &'static str,
    pub no_grants: &'static str,
    pub source: &'static str,
    pub before: &'static str,
    pub after: &'static str,
    pub by: &'static str,
    pub source_trial: &'static str,
    pub source_payment: &'static str,
    pub source_promo: &'static str,
    pub source_gift: &'static str,
    pub source_refund: &'static str,
    pub payments: &'static str,
    pub no_payments: &'static str,
    pub responses: &'static str,
    pub no_responses: &'static str,
    pub load: &'static str,
    pub route: &'static str,
    pub response_sent: &'static str,
    pub response_viewed: &'static str,
    pub response_contacted: &'static str,
    pub gift_days: &'static str,
    pub gift_range: &'static str,
    pub gift: &'static str,
    pub gifted: fn(u64, &str) -> String,
    pub gift_problem: &'static str,
    pub ban: &'static str,
    pub unban: &'static str,
    pub ban_note: &'static str,
    pub banned_note: &'static str,
    pub ban_button: &'static str,
    pub unban_button: &'static str,
    pub confirm_ban: &'static str,
    pub confirm_unban: &'static str,
    pub yes_ban: &'static str,
    pub yes_unban: &'static str,
    pub ban_done: &'static str,
    pub unban_done: &'static str,
    pub message: &'static str,
    pub message_length: fn(usize, usize) -> String,
    pub send: &'static str,
    pub sent: &'static str,
    pub message_empty: &'static str,
    pub message_too_long: &'static str,
}

impl Texts {
    pub fn driver_state(&self, state: DriverState) -> &'static str {
        let d = &self.drivers;
        match state {
            DriverState::Active => d.state_active,
            DriverState::Trial => d.state_trial,
            DriverState::Expired => d.state_expired,
            DriverState::Never => d.state_never,
            DriverState::Banned => d.state_banned,
        }
    }

    pub fn driver_sort(&self, sort: DriverSort) -> &'static str {
        match sort {
            DriverSort::Newest => self.drivers.sort_newest,
            DriverSort::Name => self.drivers.sort_name,
            DriverSort::AccessEnds => self.drivers.sort_access_ends,
        }
    }
}
