//! The client against the sandbox YooKassa, over real HTTP, with a throwaway receiver standing in
//! for Hauler's notification endpoint; and the money strings on their own.

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU32, Ordering},
    },
    time::Duration,
};

use axum::{Json, Router, extract::State, http::StatusCode, routing::post};
use serde_json::{Value, json};

use super::{
    NewPayment, PayBy, Receipt, YooKassa, YooKassaError, format_amount, parse_amount, wire,
};
use crate::sandbox::yookassa::{SandboxYooKassa, serve};

const SHOP_ID: &str = "506751";
const SECRET_KEY: &str = "test_sandbox_secret_key";
const RETURN_URL: &str = "https://hauler.example/app/subscription?paid=1";

/// Hauler's notification endpoint, as far as YooKassa can tell: it keeps what arrives and can
/// be told to fail the first few deliveries.
#[derive(Clone, Default)]
struct Receiver {
    arrived: Arc<Mutex<Vec<Value>>>,
    fail_first: Arc<AtomicU32>,
}

impl Receiver {
    fn events(&self) -> Vec<(String, String)> {
        self.arrived
            .lock()
            .expect("receiver state")
            .iter()
            .map(|notification| {
                (
                    notification["event"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    notification["object"]["id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect()
    }
}

async fn receive(State(receiver): State<Receiver>, Json(notification): Json<Value>) -> StatusCode {
    let failing = receiver
        .fail_first
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
            left.checked_sub(1)
        })
        .is_ok();
    if failing {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    receiver
        .arrived
        .lock()
        .expect("receiver state")
        .push(notification);
    StatusCode::OK
}

struct Stand {
    base_url: String,
    sandbox: SandboxYooKassa,
    receiver: Receiver,
    yookassa: YooKassa,
}

async fn stand() -> Stand {
    let receiver = Receiver::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a free port");
    let notify_url = format!(
        "http://{}/notifications",
        listener.local_addr().expect("bound")
    );
    let app = Router::new()
        .route("/notifications", post(receive))
        .with_state(receiver.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let any_port: SocketAddr = "127.0.0.1:0".parse().expect("an address");
    let (address, sandbox) = serve(any_port, SHOP_ID, SECRET_KEY, &notify_url)
        .await
        .expect("the sandbox starts");
    let base_url = format!("http://{address}");
    Stand {
        yookassa: YooKassa::new(&base_url, SHOP_ID, SECRET_KEY),
        base_url,
        sandbox,
        receiver,
    }
}

impl Stand {
    async fn control(&self, knobs: Value) {
        let status = browser()
            .post(format!("{}/__sandbox/control", self.base_url))
            .json(&knobs)
            .send()
            .await
            .expect("the sandbox answers")
            .status();
        assert_eq!(status, StatusCode::NO_CONTENT);
    }

    /// What the driver's browser does on the checkout page.
    async fn press(&self, confirmation_url: &str, button: &str) -> reqwest::Response {
        browser()
            .post(format!("{confirmation_url}/{button}"))
            .send()
            .await
            .expect("the checkout answers")
    }
}

/// A browser that shows redirects instead of following them.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("the HTTP client builds")
}

fn month_of_access() -> NewPayment {
    NewPayment {
        amount_kopecks: 199_000,
        description: "Hauler: доступ на 30 дней".into(),
        pay_by: PayBy::Page {
            return_url: RETURN_URL.into(),
            save_method: false,
        },
        metadata: BTreeMap::from([
            ("driver_id".to_owned(), "42".to_owned()),
            ("plan".to_owned(), "month".to_owned()),
        ]),
        receipt: Some(Receipt {
            customer_email: "driver@example.com".into(),
            item_description: "Доступ к Hauler на 30 дней".into(),
            vat_code: 1,
            payment_mode: "full_payment".into(),
            payment_subject: "service".into(),
        }),
    }
}

/// Waits up to two seconds for a background delivery.
async fn eventually(mut done: impl FnMut() -> bool) -> bool {
    for _ in 0..40 {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    done()
}

/// A driver starts paying and pays: the payment YooKassa reports is succeeded.
async fn paid_month(stand: &Stand, key: &str) -> String {
    let payment = stand
        .yookassa
        .create_payment(key, &month_of_access())
        .await
        .expect("the payment is made");
    let url = payment
        .confirmation_url
        .expect("a pending payment has a checkout");
    stand.press(&url, "pay").await;
    payment.id
}

#[tokio::test]
async fn a_new_payment_is_pending_with_a_checkout_page_and_the_amount_round_trips() {
    let stand = stand().await;

    let payment = stand
        .yookassa
        .create_payment("order-1", &month_of_access())
        .await
        .expect("the payment is made");

    assert_eq!(payment.status, "pending");
    assert!(!payment.paid);
    assert_eq!(payment.amount_kopecks, 199_000);
    assert_eq!(payment.currency, "RUB");
    assert_eq!(payment.metadata, month_of_access().metadata);
    assert_eq!(payment.refunded_kopecks, 0);
    assert_eq!(payment.id.len(), 36);
    let checkout = format!("{}/checkout/{}", stand.base_url, payment.id);
    assert_eq!(payment.confirmation_url.as_deref(), Some(checkout.as_str()));
    assert_eq!(stand.yookassa.payment(&payment.id).await, Ok(payment));
}

#[tokio::test]
async fn the_checkout_page_shows_the_description_the_price_and_both_buttons() {
    let stand = stand().await;
    let payment = stand
        .yookassa
        .create_payment("order-1", &month_of_access())
        .await
        .expect("the payment is made");
    let url = payment.confirmation_url.expect("a checkout");

    let page = browser().get(&url).send().await.expect("the page answers");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("a page");

    assert!(html.contains("<title>ЮKassa — тестовая оплата</title>"));
    assert!(html.contains("Hauler: доступ на 30 дней"));
    assert!(html.contains("1 990,00 ₽"));
    assert!(html.contains(r#"data-testid="sandbox-pay""#));
    assert!(html.contains(&format!(r#"action="{url}/pay""#)));
    assert!(html.contains(r#"data-testid="sandbox-cancel""#));

    stand.press(&url, "cancel").await;
    let settled = browser().get(&url).send().await.expect("the page answers");
    let html = settled.text().await.expect("a page");
    assert!(html.contains("Платёж отменён"));
    assert!(!html.contains("sandbox-pay"));

    let unknown = browser()
        .get(format!("{}/checkout/no-such-payment", stand.base_url))
        .send()
        .await
        .expect("the page answers");
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_same_idempotence_key_twice_makes_one_payment() {
    let stand = stand().await;

    let first = stand
        .yookassa
        .create_payment("order-7", &month_of_access())
        .await;
    let again = stand
        .yookassa
        .create_payment("order-7", &month_of_access())
        .await;
    let other = stand
        .yookassa
        .create_payment("order-8", &month_of_access())
        .await;

    let first = first.expect("the payment is made");
    assert_eq!(again.expect("the repeat is answered").id, first.id);
    assert_ne!(other.expect("another payment").id, first.id);
    assert_eq!(stand.sandbox.payments().len(), 2);
}

#[tokio::test]
async fn a_wrong_secret_key_is_refused_with_yookassas_code() {
    let stand = stand().await;
    let impostor = YooKassa::new(&stand.base_url, SHOP_ID, "not-the-key");

    let refused = impostor.create_payment("order-1", &month_of_access()).await;

    match refused {
        Err(YooKassaError::Refused {
            status: 401, code, ..
        }) => {
            assert_eq!(code, "invalid_credentials");
        }
        other => panic!("expected a 401 refusal, got {other:?}"),
    }
    assert!(stand.sandbox.payments().is_empty());
}

#[tokio::test]
async fn a_zero_amount_is_refused_and_not_retried() {
    let stand = stand().await;
    let free = NewPayment {
        amount_kopecks: 0,
        ..month_of_access()
    };

    let refused = stand.yookassa.create_payment("order-1", &free).await;

    match refused {
        Err(YooKassaError::Refused {
            status: 400,
            code,
            description,
        }) => {
            assert_eq!(code, "invalid_request");
            assert!(!description.is_empty());
        }
        other => panic!("expected a 400 refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn two_failures_in_a_row_are_retried_with_the_same_key() {
    let stand = stand().await;
    stand.control(json!({"fail_next": 2})).await;

    let payment = stand
        .yookassa
        .create_payment("order-1", &month_of_access())
        .await
        .expect("the third attempt gets through");

    assert_eq!(stand.sandbox.payments().len(), 1);
    // A retried read is fine too.
    stand.control(json!({"fail_next": 1})).await;
    assert_eq!(stand.yookassa.payment(&payment.id).await, Ok(payment));
}

#[tokio::test]
async fn yookassa_down_for_longer_than_the_retries_is_unavailable() {
    let stand = stand().await;
    stand.control(json!({"fail_next": 5})).await;

    let outcome = stand
        .yookassa
        .create_payment("order-1", &month_of_access())
        .await;

    assert!(
        matches!(outcome, Err(YooKassaError::Unavailable(ref problem)) if problem.contains("500")),
        "{outcome:?}"
    );
    assert!(stand.sandbox.payments().is_empty());
}

#[tokio::test]
async fn nobody_listening_is_unavailable() {
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = closed.local_addr().expect("bound");
    drop(closed);
    let yookassa = YooKassa::new(&format!("http://{address}"), SHOP_ID, SECRET_KEY);

    let outcome = yookassa
        .payment("2f0e3c4a-000f-5000-8000-18db351245c7")
        .await;

    assert!(
        matches!(outcome, Err(YooKassaError::Unavailable(_))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn an_unknown_payment_is_refused_as_not_found() {
    let stand = stand().await;

    let outcome = stand
        .yookassa
        .payment("2f0e3c4a-000f-5000-8000-18db351245c7")
        .await;

    assert!(
        matches!(&outcome, Err(YooKassaError::Refused { status: 404, code, .. }) if code == "not_found"),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn paying_on_the_checkout_page_succeeds_and_notifies_hauler_once() {
    let stand = stand().await;
    let payment = stand
        .yookassa
        .create_payment("order-1", &month_of_access())
        .await
        .expect("the payment is made");
    let url = payment.confirmation_url.clone().expect("a checkout");

    let paid = stand.press(&url, "pay").await;
    assert_eq!(paid.status(), StatusCode::SEE_OTHER);
    let location = paid.headers().get("location").and_then(|l| l.to_str().ok());
    assert_eq!(location, Some(RETURN_URL));
    // A second press (a double click, the back button) changes nothing.
    let again = stand.press(&url, "pay").await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    stand.press(&url, "cancel").await;

    let now = stand
        .yookassa
        .payment(&payment.id)
        .await
        .expect("the payment");
    assert_eq!(now.status, "succeeded");
    assert!(now.paid);
    assert_eq!(now.confirmation_url, None);
    assert_eq!(now.cancellation_reason, None);
    let succeeded = ("payment.succeeded".to_owned(), payment.id.clone());
    assert!(eventually(|| stand.receiver.events() == [succeeded.clone()]).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(stand.receiver.events(), [succeeded]);
    let notified = stand.receiver.arrived.lock().expect("receiver state")[0].clone();
    assert_eq!(notified["type"], "notification");
    assert_eq!(notified["object"]["metadata"]["driver_id"], "42");
}

#[tokio::test]
async fn a_canceled_payment_says_why_and_notifies_hauler() {
    let stand = stand().await;
    let payment = stand
        .yookassa
        .create_payment("order-1", &month_of_access())
        .await
        .expect("the payment is made");

    let canceled = stand
        .press(&payment.confirmation_url.expect("a checkout"), "cancel")
        .await;

    assert_eq!(canceled.status(), StatusCode::SEE_OTHER);
    let now = stand
        .yookassa
        .payment(&payment.id)
        .await
        .expect("the payment");
    assert_eq!(now.status, "canceled");
    assert!(!now.paid);
    assert_eq!(now.cancellation_reason.as_deref(), Some("general_decline"));
    let expected = [("payment.canceled".to_owned(), payment.id)];
    assert!(eventually(|| stand.receiver.events() == expected).await);
}

#[tokio::test]
async fn a_notification_hauler_fails_to_take_is_delivered_again() {
    let stand = stand().await;
    stand.receiver.fail_first.store(2, Ordering::SeqCst);

    let id = paid_month(&stand, "order-1").await;

    let expected = [("payment.succeeded".to_owned(), id.clone())];
    assert!(eventually(|| stand.receiver.events() == expected).await);
    // The sandbox notes a delivery's answer once it has read it, a moment after Hauler took it.
    let statuses = || -> Vec<Option<u16>> {
        stand
            .sandbox
            .deliveries()
            .iter()
            .map(|delivery| delivery.status)
            .collect()
    };
    let delivered = [Some(503), Some(503), Some(200)];
    assert!(
        eventually(|| statuses() == delivered).await,
        "{:?}",
        statuses()
    );
}

#[tokio::test]
async fn a_partial_refund_then_one_over_what_is_left_is_refused() {
    let stand = stand().await;
    let id = paid_month(&stand, "order-1").await;

    let refund = stand
        .yookassa
        .create_refund("refund-1", &id, 50_000)
        .await
        .expect("a partial refund");
    assert_eq!(refund.payment_id, id);
    assert_eq!(refund.status, "succeeded");
    assert_eq!(refund.amount_kopecks, 50_000);
    // The same key again is the same refund, not a second one.
    let repeated = stand.yookassa.create_refund("refund-1", &id, 50_000).await;
    assert_eq!(repeated, Ok(refund.clone()));

    let too_much = stand.yookassa.create_refund("refund-2", &id, 149_001).await;
    assert!(
        matches!(&too_much, Err(YooKassaError::Refused { status: 400, code, .. }) if code == "invalid_request"),
        "{too_much:?}"
    );

    let payment = stand.yookassa.payment(&id).await.expect("the payment");
    assert_eq!(payment.refunded_kopecks, 50_000);
    let rest = stand.yookassa.create_refund("refund-3", &id, 149_000).await;
    assert_eq!(rest.map(|refund| refund.amount_kopecks), Ok(149_000));
    let payment = stand.yookassa.payment(&id).await.expect("the payment");
    assert_eq!(payment.refunded_kopecks, 199_000);

    let refund_events = || {
        stand
            .receiver
            .events()
            .into_iter()
            .filter(|(event, _)| event == "refund.succeeded")
            .count()
    };
    assert!(eventually(|| refund_events() == 2).await);
}

#[tokio::test]
async fn a_pending_payment_cannot_be_refunded() {
    let stand = stand().await;
    let payment = stand
        .yookassa
        .create_payment("order-1", &month_of_access())
        .await
        .expect("the payment is made");

    let refused = stand
        .yookassa
        .create_refund("refund-1", &payment.id, 100)
        .await;

    assert!(
        matches!(refused, Err(YooKassaError::Refused { status: 400, .. })),
        "{refused:?}"
    );
}

#[test]
fn the_secret_key_is_not_in_debug_output() {
    let yookassa = YooKassa::new("https://api.yookassa.ru", SHOP_ID, SECRET_KEY);

    let printed = format!("{yookassa:?}");

    assert!(printed.contains(SHOP_ID));
    assert!(!printed.contains(SECRET_KEY));
}

#[test]
fn amounts_are_read_from_yookassas_money_strings() {
    assert_eq!(parse_amount("1990.00"), Some(199_000));
    assert_eq!(parse_amount("1990.5"), Some(199_050));
    assert_eq!(parse_amount("1990"), Some(199_000));
    assert_eq!(parse_amount("0.01"), Some(1));
    assert_eq!(parse_amount("0.00"), Some(0));
    for garbage in [
        "",
        "abc",
        "1,00",
        "-1.00",
        "+1.00",
        "1.001",
        ".50",
        "1.",
        " 1.00",
        "1.00 ",
        "1e3",
        "99999999999999999999.00",
    ] {
        assert_eq!(parse_amount(garbage), None, "{garbage:?}");
    }
}

#[test]
fn amounts_are_written_with_two_decimals() {
    assert_eq!(format_amount(199_000), "1990.00");
    assert_eq!(format_amount(199_050), "1990.50");
    assert_eq!(format_amount(1), "0.01");
    assert_eq!(format_amount(0), "0.00");
    for kopecks in [0, 1, 99, 100, 12_345, u64::MAX] {
        assert_eq!(parse_amount(&format_amount(kopecks)), Some(kopecks));
    }
}

/// A renewal's payment: the card saved before, charged at once.
fn renewal(method_id: &str) -> NewPayment {
    NewPayment {
        pay_by: PayBy::SavedMethod(method_id.to_owned()),
        ..month_of_access()
    }
}

#[tokio::test]
async fn a_card_saved_on_a_paid_payment_pays_the_next_at_once_and_no_other_card_does() {
    let stand = stand().await;
    let first = NewPayment {
        pay_by: PayBy::Page {
            return_url: RETURN_URL.into(),
            save_method: true,
        },
        ..month_of_access()
    };
    let unsaved = stand
        .yookassa
        .create_payment("first-unsaved", &month_of_access())
        .await
        .expect("created");
    let first = stand
        .yookassa
        .create_payment("first", &first)
        .await
        .expect("created");
    assert_eq!(first.payment_method, None, "no card before paying");
    for payment in [&unsaved, &first] {
        let page = payment.confirmation_url.as_deref().expect("a page");
        assert_eq!(stand.press(page, "pay").await.status(), 303);
    }
    let unsaved = stand.yookassa.payment(&unsaved.id).await.expect("read");
    let unsaved_card = unsaved.payment_method.expect("paid with a card");
    assert!(!unsaved_card.saved, "saving was not asked for");
    let first = stand.yookassa.payment(&first.id).await.expect("read");
    let card = first.payment_method.expect("paid with a card");
    assert!(card.saved);
    assert_eq!(card.title.as_deref(), Some("Bank card *4477"));

    for stranger in [unsaved_card.id.as_str(), "no-such-method"] {
        match stand
            .yookassa
            .create_payment(stranger, &renewal(stranger))
            .await
        {
            Err(YooKassaError::Refused {
                status: 400, code, ..
            }) => {
                assert_eq!(code, "invalid_request")
            }
            other => panic!("a card that was not saved is refused: {other:?}"),
        }
    }
    let renewed = stand
        .yookassa
        .create_payment("renewal-1", &renewal(&card.id))
        .await
        .expect("charged");
    assert_eq!((renewed.status.as_str(), renewed.paid), ("succeeded", true));
    assert_eq!(renewed.confirmation_url, None, "no page to pay on");
    let again = stand
        .yookassa
        .create_payment("renewal-1", &renewal(&card.id))
        .await
        .expect("the same answer");
    assert_eq!(again.id, renewed.id, "one charge per idempotence key");

    stand.control(json!({"decline_next": 1})).await;
    let declined = stand
        .yookassa
        .create_payment("renewal-2", &renewal(&card.id))
        .await
        .expect("answered");
    assert_eq!(declined.status, "canceled");
    assert_eq!(
        declined.cancellation_reason.as_deref(),
        Some("insufficient_funds")
    );
    let charged = stand
        .sandbox
        .payments()
        .iter()
        .filter(|payment| payment["payment_method"]["id"] == card.id.as_str())
        .count();
    assert_eq!(charged, 3, "the first payment, one renewal, one declined");
}

#[test]
fn a_payment_request_has_yookassas_shape() {
    let body = wire::new_payment(&month_of_access());

    assert_eq!(
        body,
        json!({
            "amount": {"value": "1990.00", "currency": "RUB"},
            "capture": true,
            "confirmation": {"type": "redirect", "return_url": RETURN_URL},
            "description": "Hauler: доступ на 30 дней",
            "metadata": {"driver_id": "42", "plan": "month"},
            "receipt": {
                "customer": {"email": "driver@example.com"},
                "items": [{
                    "description": "Доступ к Hauler на 30 дней",
                    "quantity": "1.00",
                    "amount": {"value": "1990.00", "currency": "RUB"},
                    "vat_code": 1,
                    "payment_mode": "full_payment",
                    "payment_subject": "service",
                }],
            },
        })
    );
    let without_receipt = wire::new_payment(&NewPayment {
        receipt: None,
        ..month_of_access()
    });
    assert!(without_receipt.get("receipt").is_none());
    let saving = wire::new_payment(&NewPayment {
        pay_by: PayBy::Page {
            return_url: RETURN_URL.into(),
            save_method: true,
        },
        ..month_of_access()
    });
    assert_eq!(saving["save_payment_method"], true);
    let renewal = wire::new_payment(&renewal("2f0e3c4a-card"));
    assert_eq!(renewal["payment_method_id"], "2f0e3c4a-card");
    assert!(renewal.get("confirmation").is_none());
    assert!(renewal.get("save_payment_method").is_none());
}

#[test]
fn a_payment_answer_is_read_defensively() {
    let answer = json!({
        "id": "2f0e3c4a-000f-5000-8000-18db351245c7",
        "status": "canceled",
        "amount": {"value": "1990.00", "currency": "RUB"},
        "refunded_amount": {"value": "100.00", "currency": "RUB"},
        "cancellation_details": {"party": "yoo_money", "reason": "general_decline"},
        "metadata": {"driver_id": "42", "attempt": 2, "nothing": null},
        "payment_method": {"type": "bank_card", "saved": false},
        "something_new": [1, 2, 3],
    });

    let payment = wire::payment(&answer).expect("readable");

    assert!(!payment.paid);
    assert_eq!(payment.refunded_kopecks, 10_000);
    assert_eq!(
        payment.cancellation_reason.as_deref(),
        Some("general_decline")
    );
    assert_eq!(payment.confirmation_url, None);
    assert_eq!(
        payment.metadata,
        BTreeMap::from([
            ("driver_id".to_owned(), "42".to_owned()),
            ("attempt".to_owned(), "2".to_owned()),
        ])
    );
    for missing in ["id", "status", "amount"] {
        let mut incomplete = answer.clone();
        incomplete
            .as_object_mut()
            .expect("an object")
            .remove(missing);
        assert!(wire::payment(&incomplete).is_err(), "without {missing}");
    }
    let mut bad_amount = answer;
    bad_amount["amount"]["value"] = json!(1990);
    assert!(wire::payment(&bad_amount).is_err());
}

#[test]
fn an_error_body_gives_yookassas_code_and_description() {
    let body = br#"{"type":"error","id":"ab","code":"invalid_request","description":"Bad amount","parameter":"amount.value"}"#;

    assert_eq!(
        wire::refusal(body),
        Some(("invalid_request".to_owned(), "Bad amount".to_owned()))
    );
    assert_eq!(wire::refusal(b"<html>Bad Gateway</html>"), None);
}
