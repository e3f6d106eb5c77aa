//! What the paywall knows and does: the offer from the server, the driver's choice, a promo code,
//! and a payment from its creation to its outcome (polled while YooKassa's page is open).

use std::time::Duration;

use leptos::{prelude::*, task::spawn_local};

use super::{
    access::DriverAccess,
    price::{Priced, Promo, priced},
};
use crate::{
    api::{Api, Method},
    session::ApiErrorBody,
    subscription::{
        Access, PaymentRequest, PaymentStatus, PaymentView, Plan, PromoQuote, PromoRequest,
        SubscriptionView, normalize_promo_code,
    },
    telegram::{self, Haptic},
};

/// How often a pending payment is asked about, and for how long.
const POLL_EVERY: Duration = Duration::from_millis(1500);
const POLL_FOR_MS: f64 = 15.0 * 60.0 * 1000.0;

/// What the MainButton does while the driver chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Trial,
    Buy,
}

/// How access began, for the note that says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unlock {
    Paid,
    Promo,
    Trial,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    Choosing,
    /// A request is on its way (trial, payment, redemption).
    Sending,
    /// YooKassa's page is open (its address, once known); the payment is polled.
    Waiting {
        id: i64,
        url: Option<String>,
    },
    Unlocked(Unlock, Access),
}

/// A line under the choices: why the last attempt did not work out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    Canceled,
    TimedOut,
    Problem(String),
}

#[derive(Clone, Copy)]
pub struct Sale {
    pub access: DriverAccess,
    pub offer: RwSignal<Option<Result<SubscriptionView, ApiErrorBody>>>,
    pub intent: RwSignal<Intent>,
    pub plan: RwSignal<Option<i64>>,
    pub promo_code: RwSignal<String>,
    pub promo: RwSignal<Promo>,
    /// Pay with "renew automatically" ticked (YooKassa keeps the card).
    pub autopay: RwSignal<bool>,
    pub stage: RwSignal<Stage>,
    pub note: RwSignal<Option<Note>>,
    /// Called when access begins, before the stage says so (the gate keeps the paywall up).
    on_unlock: StoredValue<Option<Callback<Unlock>>>,
}

/// The plan chosen before the driver touches anything: the month, or the nearest to it.
fn default_plan(plans: &[Plan]) -> Option<i64> {
    plans
        .iter()
        .min_by_key(|plan| plan.days.abs_diff(30))
        .map(|plan| plan.id)
}

/// A message for the driver: the server's own, or "no connection".
pub fn message_of(error: ApiErrorBody, no_connection: &str) -> String {
    if error.message.is_empty() {
        no_connection.to_owned()
    } else {
        error.message
    }
}

fn now_ms() -> f64 {
    #[cfg(feature = "browser")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "browser"))]
    {
        0.0
    }
}

impl Sale {
    pub fn new(access: DriverAccess, on_unlock: Option<Callback<Unlock>>) -> Self {
        Self {
            access,
            offer: RwSignal::new(None),
            intent: RwSignal::new(Intent::Buy),
            plan: RwSignal::new(None),
            promo_code: RwSignal::new(String::new()),
            promo: RwSignal::new(Promo::None),
            autopay: RwSignal::new(false),
            stage: RwSignal::new(Stage::Choosing),
            note: RwSignal::new(None),
            on_unlock: StoredValue::new(on_unlock),
        }
    }

    /// The page that made the sale is gone: answers arriving later are dropped.
    fn gone(&self) -> bool {
        self.stage.is_disposed()
    }

    fn api(&self) -> Option<Api> {
        self.access.api.get_untracked()
    }

    /// `GET /api/v1/subscription`: the plans, the trial, whether payments are on.
    pub fn load(&self) {
        let Some(api) = self.api() else { return };
        let sale = *self;
        self.offer.set(None);
        spawn_local(async move {
            let answer = api.get::<SubscriptionView>("/api/v1/subscription").await;
            if sale.gone() {
                return;
            }
            if let Ok(offer) = &answer {
                sale.intent.set(if sale.offers_trial(offer) {
                    Intent::Trial
                } else {
                    Intent::Buy
                });
                if sale.plan.get_untracked().is_none() {
                    sale.plan.set(default_plan(&offer.plans));
                }
            }
            sale.offer.set(Some(answer));
        });
    }

    /// The trial is offered to a driver who may take it and has no access now.
    pub fn offers_trial(&self, offer: &SubscriptionView) -> bool {
        offer.trial_available && !self.access.active_untracked()
    }

    /// Whether this driver pays in Telegram Stars: their platform is one the operator set.
    pub fn pays_in_stars(&self) -> bool {
        let platform = telegram::platform();
        self.offer.with(|offer| match (offer, platform) {
            (Some(Ok(offer)), Some(platform)) => offer.stars_platforms.contains(&platform),
            _ => false,
        })
    }

    /// The chosen plan, priced with the applied code.
    pub fn chosen(&self) -> Option<(Plan, Priced)> {
        let id = self.plan.get()?;
        self.offer.with(|offer| {
            let plan = offer
                .as_ref()?
                .as_ref()
                .ok()?
                .plans
                .iter()
                .find(|p| p.id == id)?;
            Some((
                plan.clone(),
                self.promo
                    .with(|promo| priced(plan, promo, self.pays_in_stars())),
            ))
        })
    }

    pub fn choose(&self, plan: i64) {
        telegram::haptic(Haptic::Selection);
        self.plan.set(Some(plan));
        self.intent.set(Intent::Buy);
        self.note.set(None);
    }

    /// The driver tapped the MainButton.
    pub fn go(&self) {
        match self.intent.get_untracked() {
            Intent::Trial => self.start_trial(),
            Intent::Buy => self.pay(),
        }
    }

    fn start_trial(&self) {
        let Some(api) = self.api() else { return };
        let sale = *self;
        self.sending();
        spawn_local(async move {
            let answer = api
                .send::<Access>(Method::Post, "/api/v1/subscription/trial", None::<&()>)
                .await;
            if sale.gone() {
                return;
            }
            match answer {
                Ok(Some(access)) => sale.unlocked(Unlock::Trial, access),
                Ok(None) => sale.failed(ApiErrorBody::transport()),
                Err(error) => sale.failed(error),
            }
        });
    }

    fn pay(&self) {
        let (Some(api), Some(plan_id)) = (self.api(), self.plan.get_untracked()) else {
            return;
        };
        let promo_code = self.promo.with_untracked(|promo| match promo {
            Promo::Applied(quote) if !quote.plans.is_empty() => Some(quote.code.clone()),
            _ => None,
        });
        // Telegram Stars cannot renew by themselves: the choice is not offered there.
        let autopay = self.autopay.get_untracked() && !untrack(|| self.pays_in_stars());
        let sale = *self;
        self.sending();
        spawn_local(async move {
            let request = PaymentRequest {
                plan_id,
                promo_code,
                platform: telegram::platform(),
                autopay,
            };
            let answer = api
                .send::<PaymentView>(Method::Post, "/api/v1/payments", Some(&request))
                .await;
            if sale.gone() {
                return;
            }
            match answer {
                Ok(Some(payment)) => {
                    if let Some(url) = &payment.confirmation_url {
                        telegram::open_link(url);
                    }
                    if let Some(invoice) = &payment.invoice_link {
                        telegram::open_invoice(invoice);
                    }
                    sale.settle(payment, true);
                }
                Ok(None) => sale.failed(ApiErrorBody::transport()),
                Err(error) => sale.failed(error),
            }
        });
    }

    /// Follows a payment made earlier (YooKassa sent the driver back with its id).
    pub fn follow(&self, id: i64) {
        self.stage.set(Stage::Waiting { id, url: None });
        self.poll(id, now_ms() + POLL_FOR_MS);
    }

    /// Opens YooKassa's page or Telegram's invoice again (the driver closed it, or it did not
    /// open).
    pub fn reopen(&self) {
        if let Stage::Waiting { url: Some(url), .. } = self.stage.get_untracked() {
            if url.starts_with("https://t.me/$") || url.starts_with("https://t.me/invoice/") {
                telegram::open_invoice(&url);
            } else {
                telegram::open_link(&url);
            }
        }
    }

    /// Stops waiting for the payment (it is left to expire) and shows the plans again.
    pub fn choose_again(&self) {
        self.stage.set(Stage::Choosing);
        self.intent.set(Intent::Buy);
    }

    fn settle(&self, payment: PaymentView, fresh: bool) {
        match payment.status {
            PaymentStatus::Succeeded => self.unlocked(Unlock::Paid, payment.access),
            PaymentStatus::Canceled => {
                telegram::haptic(Haptic::Error);
                self.stage.set(Stage::Choosing);
                self.note.set(Some(Note::Canceled));
            }
            PaymentStatus::Pending => {
                let id = payment.id;
                self.stage.set(Stage::Waiting {
                    id,
                    url: payment.confirmation_url.or(payment.invoice_link),
                });
                if fresh {
                    let sale = *self;
                    let until = now_ms() + POLL_FOR_MS;
                    set_timeout(move || sale.poll(id, until), POLL_EVERY);
                }
            }
        }
    }

    /// Asks about the payment until it settles, the driver moves on, or time runs out.
    fn poll(&self, id: i64, until: f64) {
        let Some(api) = self.api() else { return };
        let sale = *self;
        spawn_local(async move {
            let answer = api
                .get::<PaymentView>(&format!("/api/v1/payments/{id}"))
                .await;
            // The page is gone, or the driver chose another plan.
            let still_waiting = sale.stage.try_with_untracked(
                |stage| matches!(stage, Stage::Waiting { id: w, .. } if *w == id),
            );
            if still_waiting != Some(true) {
                return;
            }
            let again = move || {
                if now_ms() > until {
                    sale.stage.set(Stage::Choosing);
                    sale.note.set(Some(Note::TimedOut));
                } else {
                    set_timeout(move || sale.poll(id, until), POLL_EVERY);
                }
            };
            match answer {
                Ok(payment) if payment.status == PaymentStatus::Pending => {
                    sale.settle(payment, false);
                    again();
                }
                Ok(payment) => sale.settle(payment, false),
                // A moment without signal on the road: keep asking.
                Err(error) if error.code == "transport" => again(),
                Err(error) => sale.failed(error),
            }
        });
    }

    /// `POST /api/v1/promo/check`: what the code gives, or why it does not apply.
    pub fn check_promo(&self) {
        let code = normalize_promo_code(&self.promo_code.get_untracked());
        let Some(api) = self.api().filter(|_| !code.is_empty()) else {
            return;
        };
        let sale = *self;
        self.promo.set(Promo::Checking);
        spawn_local(async move {
            let request = PromoRequest { code };
            let answer = api
                .send::<PromoQuote>(Method::Post, "/api/v1/promo/check", Some(&request))
                .await;
            if sale.gone() {
                return;
            }
            let promo = match answer {
                Ok(Some(quote)) => {
                    telegram::haptic(Haptic::Success);
                    if !quote.plans.is_empty() {
                        sale.intent.set(Intent::Buy);
                    }
                    Promo::Applied(quote)
                }
                Ok(None) => Promo::Refused(String::new()),
                Err(error) => {
                    telegram::haptic(Haptic::Error);
                    Promo::Refused(error.message)
                }
            };
            sale.promo.set(promo);
        });
    }

    /// The driver changed the code: the old answer no longer holds.
    pub fn edit_promo(&self, code: String) {
        self.promo_code.set(code);
        if self.promo.with_untracked(|promo| *promo != Promo::None) {
            self.promo.set(Promo::None);
        }
    }

    /// `POST /api/v1/promo/redeem`, for a code that gives days for free.
    pub fn redeem(&self) {
        let Some(api) = self.api() else { return };
        let Promo::Applied(quote) = self.promo.get_untracked() else {
            return;
        };
        let sale = *self;
        self.sending();
        spawn_local(async move {
            let request = PromoRequest { code: quote.code };
            let answer = api
                .send::<Access>(Method::Post, "/api/v1/promo/redeem", Some(&request))
                .await;
            if sale.gone() {
                return;
            }
            match answer {
                Ok(Some(access)) => sale.unlocked(Unlock::Promo, access),
                Ok(None) => sale.failed(ApiErrorBody::transport()),
                Err(error) => sale.failed(error),
            }
        });
    }

    fn sending(&self) {
        self.note.set(None);
        self.stage.set(Stage::Sending);
    }

    fn unlocked(&self, how: Unlock, access: Access) {
        telegram::haptic(Haptic::Success);
        if let Some(on_unlock) = self.on_unlock.get_value() {
            on_unlock.run(how);
        }
        self.access.begin(access.clone());
        self.stage.set(Stage::Unlocked(how, access));
    }

    fn failed(&self, error: ApiErrorBody) {
        telegram::haptic(Haptic::Error);
        // The offer changed since it was shown (trial taken, payments off, plan withdrawn).
        let stale = matches!(
            error.code.as_str(),
            "trial_used" | "trial_disabled" | "payments_disabled" | "plan_not_found"
        );
        self.stage.set(Stage::Choosing);
        self.note.set(Some(Note::Problem(error.message)));
        if stale {
            self.load();
        }
    }
}
