//! Requests a second one URL is answered at, by as many clients at once as a busy moment brings,
//! each on its kept-alive connection: the cached list through Hauler (`cached_list_rps=`) and
//! the same bytes from a plain axum handler (`plain_axum_rps=`), on the same machine by the same
//! client, so the two figures differ only by what Hauler does per request.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// Clients asking at once.
pub const CLIENTS: usize = 32;
/// How long each figure is measured (after a second of warming up).
pub const FOR: Duration = Duration::from_secs(5);

/// Answers of `200` a second, and the other answers seen.
pub async fn measure(url: &str, session: Option<&str>) -> (f64, u64) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(CLIENTS)
        .build()
        .expect("an HTTP client");
    let (ok, other) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let started = Instant::now();
    let warm_until = started + Duration::from_secs(1);
    let until = warm_until + FOR;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (http, url) = (http.clone(), url.to_owned());
            let session = session.map(str::to_owned);
            let (ok, other) = (Arc::clone(&ok), Arc::clone(&other));
            tokio::spawn(async move {
                loop {
                    let now = Instant::now();
                    if now >= until {
                        return;
                    }
                    let mut request = http.get(&url);
                    if let Some(session) = &session {
                        request = request.bearer_auth(session);
                    }
                    let answered = match request.send().await {
                        Ok(response) if response.status() == 200 => response.bytes().await.is_ok(),
                        _ => false,
                    };
                    if now >= warm_until {
                        let counter = if answered { &ok } else { &other };
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for client in clients {
        let _ = client.await;
    }
    (
        ok.load(Ordering::Relaxed) as f64 / FOR.as_secs_f64(),
        other.load(Ordering::Relaxed),
    )
}
