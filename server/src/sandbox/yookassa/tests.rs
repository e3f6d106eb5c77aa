//! The stand-in as the separate service runs it: a payment made over the API with the shop's
//! credentials and an idempotence key, paid on the checkout page, is notified from the address
//! the service was told to send from.

use std::{
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex},
};

use axum::{Router, extract::ConnectInfo, http::StatusCode, routing::post};
use serde_json::json;

use super::{SandboxYooKassa, router};

#[tokio::test]
async fn notifications_leave_from_the_address_the_service_was_given() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let senders: Arc<Mutex<Vec<IpAddr>>> = Arc::default();
    let seen = senders.clone();
    let receiver = Router::new().route(
        "/notifications",
        post(
            move |ConnectInfo(from): ConnectInfo<SocketAddr>| async move {
                seen.lock().unwrap().push(from.ip());
                StatusCode::OK
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let notify_url = format!("http://{}/notifications", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            receiver.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    });

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let from: IpAddr = "127.0.0.2".parse().unwrap();
    let shop = SandboxYooKassa::new("shop", "secret", &base, &notify_url).notifying_from(from);
    tokio::spawn(async move { axum::serve(listener, router(shop)).await });

    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let payment = json!({
        "amount": {"value": "1990.00", "currency": "RUB"},
        "confirmation": {"type": "redirect", "return_url": "https://hauler.example/subscription"},
        "capture": true,
    });
    let unsigned = http
        .post(format!("{base}/v3/payments"))
        .basic_auth("shop", Some("secret"))
        .json(&payment)
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 400, "a POST needs an Idempotence-Key");
    let created: serde_json::Value = http
        .post(format!("{base}/v3/payments"))
        .basic_auth("shop", Some("secret"))
        .header("Idempotence-Key", "k1")
        .json(&payment)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let paid = http
        .post(format!("{base}/checkout/{id}/pay"))
        .send()
        .await
        .unwrap();
    assert_eq!(paid.status(), 303);

    for _ in 0..100 {
        if !senders.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(*senders.lock().unwrap(), [from]);
}
