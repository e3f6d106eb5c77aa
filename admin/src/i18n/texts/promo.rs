//! The texts of plans and promo codes: the plans table, the code forms and the codes' list.

use super::Texts;

pub struct Promo {
    pub new_code: &'static str,
    pub only_admins: &'static str,
    pub plans: &'static str,
    pub no_plans: &'static str,
    pub price: &'static str,
    pub stars: &'static str,
    pub on_sale: &'static str,
    pub off: &'static str,
    pub edit: &'static str,
    pub take_off_sale: &'static str,
    pub put_on_sale: &'static str,
    pub price_rub: &'static str,
    pub stars_optional: &'static str,
    pub add_plan: &'static str,
    pub days_whole: &'static str,
    pub price_format: &'static str,
    pub stars_whole: &'static str,
    pub amount_format: &'static str,
    pub value_whole: &'static str,
    pub uses_whole: &'static str,
    pub count_whole: &'static str,
    pub kind: &'static str,
    pub kind_free_days: &'static str,
    pub kind_extra_days: &'static str,
    pub kind_percent_off: &'static str,
    pub kind_amount_off: &'static str,
    pub value_free_days: &'static str,
    pub value_extra_days: &'static str,
    pub value_percent_off: &'static str,
    pub value_amount_off: &'static str,
    pub gives_free_days: fn(u64) -> String,
    pub gives_extra_days: fn(u64) -> String,
    pub gives_percent_off: fn(i64) -> String,
    pub gives_amount_off: fn(&str) -> String,
    pub one_code: &'static str,
    pub code: &'static str,
    pub valid_from: &'static str,
    pub valid_until: &'static str,
    pub total_uses: &'static str,
    pub create_code: &'static str,
    pub created: &'static str,
    pub created_code: fn(&str, &str) -> String,
    pub batch: &'static str,
    pub prefix: &'static str,
    pub uses_each: &'static str,
    pub codes_made: fn(&str) -> String,
    pub generate: &'static str,
    pub codes: &'static str,
    pub code_contains: &'static str,
    pub show: &'static str,
    pub none_match: &'static str,
    pub gives: &'static str,
    pub valid_utc: &'static str,
    pub uses: &'static str,
    pub made_by: &'static str,
    pub always: &'static str,
    pub active: &'static str,
    pub deactivate: &'static str,
    pub activate: &'static str,
    pub guesses: &'static str,
    pub guesses_total: fn(u64) -> String,
    pub no_guesses: &'static str,
    pub driver: &'static str,
    pub wrong_codes: &'static str,
    pub last_code: &'static str,
    pub last_try_utc: &'static str,
}

impl Texts {
    /// What a promo code gives: "5 free days", "скидка 20 %".
    pub fn benefit(&self, kind: &str, value: i64) -> String {
        let p = &self.promo;
        let days = value.max(0) as u64;
        match kind {
            "free_days" => (p.gives_free_days)(days),
            "extra_days" => (p.gives_extra_days)(days),
            "percent_off" => (p.gives_percent_off)(value),
            "amount_off" => (p.gives_amount_off)(&crate::wire::payments::roubles(value)),
            other => format!("{other} {value}"),
        }
    }

    /// The kinds of promo code with their names, for a select.
    pub fn promo_kinds(&self) -> [(&'static str, &'static str); 4] {
        let p = &self.promo;
        [
            ("free_days", p.kind_free_days),
            ("extra_days", p.kind_extra_days),
            ("percent_off", p.kind_percent_off),
            ("amount_off", p.kind_amount_off),
        ]
    }

    /// What the value field of a promo code of `kind` holds.
    pub fn promo_value_label(&self, kind: &str) -> &'static str {
        let p = &self.promo;
        match kind {
            "percent_off" => p.value_percent_off,
            "amount_off" => p.value_amount_off,
            "extra_days" => p.value_extra_days,
            _ => p.value_free_days,
        }
    }
}
