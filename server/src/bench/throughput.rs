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

/// Connections opened for [`idle_connection_kb`].
pub const IDLE_CONNECTIONS: usize = 10_000;

/// What one more connection, idle after asking `path` once, costs the server in resident memory:
/// [`IDLE_CONNECTIONS`] are opened (in rounds of 500), each asks once and reads its answer, and
/// the server's growth is divided among them. `resident_mb` reads the server's memory now.
pub async fn idle_connection_kb(base: &str, path: &str, resident_mb: impl Fn() -> f64) -> f64 {
    let host = base.trim_start_matches("http://");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n");
    let before = resident_mb();
    let mut held = Vec::with_capacity(IDLE_CONNECTIONS);
    while held.len() < IDLE_CONNECTIONS {
        let round = (IDLE_CONNECTIONS - held.len()).min(500);
        let opened = futures_util::future::join_all((0..round).map(|_| ask_once(host, &request)));
        held.extend(opened.await.into_iter().flatten());
    }
    // A moment for the server to settle (the allocator's own bookkeeping).
    tokio::time::sleep(Duration::from_secs(1)).await;
    let grown_kb = (resident_mb() - before) * 1024.0;
    grown_kb / held.len().max(1) as f64
}

/// A connection that has asked once and read its answer (`None` if it could not).
async fn ask_once(host: &str, request: &str) -> Option<tokio::net::TcpStream> {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let mut stream = tokio::net::TcpStream::connect(host).await.ok()?;
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    let mut line = String::new();
    loop {
        line.clear();
        reader.read_line(&mut line).await.ok()?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    Some(reader.into_inner())
}
