//! The checkout page a payment's `confirmation_url` opens: "Оплатить" and "Отменить" settle the
//! payment, notify Hauler and send the driver back to the shop's `return_url`.

use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};

use super::{PaymentMethod, SandboxYooKassa, Status, new_id, now};

impl SandboxYooKassa {
    /// Pays or cancels a pending payment from the checkout page; settling twice changes nothing.
    /// Paying with the card saves it for later payments when the shop asked for that.
    fn settle(&self, id: &str, outcome: Status) -> Response {
        let (return_url, notification) = {
            let mut shop = self.lock();
            let Some(payment) = shop.payments.iter_mut().find(|p| p.id == id) else {
                return not_found_page();
            };
            let mut saved = None;
            let notification = (payment.status == Status::Pending).then(|| {
                payment.status = outcome;
                let event = if outcome == Status::Succeeded {
                    payment.captured_at = Some(now());
                    let method = PaymentMethod {
                        id: new_id(),
                        saved: payment.save_method,
                    };
                    saved = method.saved.then(|| method.id.clone());
                    payment.method = Some(method);
                    "payment.succeeded"
                } else {
                    payment.cancellation = Some(("yoo_money", "general_decline"));
                    "payment.canceled"
                };
                (event, self.payment_json(payment))
            });
            let return_url = payment.return_url.clone();
            shop.saved_methods.extend(saved);
            (return_url, notification)
        };
        if let Some((event, object)) = notification {
            self.notify(event, object);
        }
        match HeaderValue::from_str(&return_url) {
            Ok(location) => (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response(),
            // Checked when the payment was made; the checkout page links back anyway.
            Err(_) => self.checkout_page(id),
        }
    }

    fn checkout_page(&self, id: &str) -> Response {
        let shop = self.lock();
        let Some(payment) = shop.payments.iter().find(|p| p.id == id) else {
            return not_found_page();
        };
        let description = escape(payment.description.as_deref().unwrap_or("Оплата заказа"));
        let amount = rubles(payment.amount_kopecks);
        let action = format!("{}/checkout/{}", self.public_base, escape(&payment.id));
        let back = escape(&payment.return_url);
        let body = match payment.status {
            Status::Pending => format!(
                r#"<form method="post" action="{action}/pay"><button type="submit" class="pay" data-testid="sandbox-pay">Оплатить</button></form>
<form method="post" action="{action}/cancel"><button type="submit" class="cancel" data-testid="sandbox-cancel">Отменить</button></form>"#
            ),
            Status::Succeeded => format!(
                r#"<p class="outcome" data-testid="sandbox-outcome">Оплата прошла</p><a href="{back}">Вернуться в магазин</a>"#
            ),
            Status::Canceled => format!(
                r#"<p class="outcome" data-testid="sandbox-outcome">Платёж отменён</p><a href="{back}">Вернуться в магазин</a>"#
            ),
        };
        Html(format!(
            r#"<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ЮKassa — тестовая оплата</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 26rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }}
.badge {{ display: inline-block; background: #fff3cd; border-radius: .3rem; padding: .1rem .5rem; font-size: .8rem; }}
.amount {{ font-size: 2rem; font-weight: 600; white-space: nowrap; margin: .5rem 0 1.5rem; }}
form {{ margin: .5rem 0; }}
button {{ width: 100%; padding: .8rem; font-size: 1rem; border: 0; border-radius: .5rem; cursor: pointer; }}
.pay {{ background: #0070f0; color: #fff; }}
.cancel {{ background: #eee; }}
.outcome {{ font-size: 1.2rem; }}
</style></head>
<body>
<h1>ЮKassa — тестовая оплата</h1>
<p class="badge">Тестовый режим: деньги не списываются</p>
<p data-testid="sandbox-description">{description}</p>
<p class="amount" data-testid="sandbox-amount">{amount}</p>
{body}
</body></html>
"#
        ))
        .into_response()
    }
}

pub(super) async fn page(
    State(sandbox): State<SandboxYooKassa>,
    Path(id): Path<String>,
) -> Response {
    sandbox.checkout_page(&id)
}

pub(super) async fn pay(
    State(sandbox): State<SandboxYooKassa>,
    Path(id): Path<String>,
) -> Response {
    sandbox.settle(&id, Status::Succeeded)
}

pub(super) async fn cancel(
    State(sandbox): State<SandboxYooKassa>,
    Path(id): Path<String>,
) -> Response {
    sandbox.settle(&id, Status::Canceled)
}

fn not_found_page() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html(
            "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\">\
             <title>ЮKassa — тестовая оплата</title></head>\
             <body><h1>Платёж не найден</h1></body></html>",
        ),
    )
        .into_response()
}

/// `199000` kopecks as a Russian price tag: `1 990,00 ₽`.
fn rubles(kopecks: u64) -> String {
    let digits = (kopecks / 100).to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(digit);
    }
    format!("{grouped},{:02} ₽", kopecks % 100)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
