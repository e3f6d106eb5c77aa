//! The connections phones (or the balancer in front of the instances) hold open to this one, and
//! their limits.
//!
//! Every open connection is a file descriptor and about 20 KB of memory (hyper's read and write
//! buffers, 8 KB each, and the connection's task), whether it carries a request or only waits
//! for the next one. Nothing in the HTTP stack limits them: one client opening 19,000 connections
//! and leaving them idle held 450 MB of a server's memory, and past the limit of open files the
//! server would stop accepting anyone. So each connection is served here, by hand:
//!
//! - **At most [`ConnectionRules::most`] at once.** At the limit the connections idle the longest
//!   are closed to make room (a client opens a new one, as after any keep-alive close). A
//!   connection carrying a request, a stream or a file being sent is never cut. When every one
//!   is busy, no new connection is taken until one ends: the newcomers wait in the kernel's queue
//!   (see `listener.rs`), not refused.
//! - **Nothing idles forever.** A connection that has not sent a whole request head within
//!   [`ConnectionRules::idle`] is closed: one kept alive between requests as well as one sending
//!   its head a byte at a time.
//! - **Without delay.** Every connection sends without delay (`TCP_NODELAY`): otherwise the last
//!   small segment of a streamed file waits for the browser's delayed acknowledgement, about
//!   40 ms per file on a kept-alive connection.
//! - **At shutdown** no new connection is taken; idle ones close at once and busy ones as soon
//!   as their answer is sent.
//!
//! HTTP/1.1 only: the instances sit behind a TLS-terminating balancer, and browsers speak HTTP/2
//! only over TLS. A WebSocket (the cabinet's) leaves the count once upgraded.

use std::{
    collections::HashMap,
    convert::Infallible,
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::ConnectInfo,
    http::Request,
};
use http_body::{Frame, SizeHint};
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::Notify,
};
use tokio_util::{sync::CancellationToken, task::TaskTracker};
use tower::ServiceExt;

/// How long the accept loop waits at the limit, at most, before looking again for a connection
/// to close (one new a moment ago becomes idle only after [`FIRST_REQUEST_GRACE_MS`]).
const LOOK_AGAIN: Duration = Duration::from_millis(100);

/// How long a new connection has to send its first request before it counts as idle: a client
/// sends it at once, but the instance reads it only when the connection's task first runs.
const FIRST_REQUEST_GRACE_MS: u64 = 1_000;

/// The longest the instance stays silent while every connection it may hold is busy.
const WARN_BUSY_EVERY: Duration = Duration::from_secs(60);

/// How long the accept loop pauses after the system refused it a connection (no descriptor or no
/// memory left), having closed idle connections to free some.
const AFTER_REFUSAL: Duration = Duration::from_millis(50);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionRules {
    /// Connections open at once, at most.
    pub most: usize,
    /// How long a connection may go without sending a whole request head.
    pub idle: Duration,
}

impl ConnectionRules {
    /// How many of the longest idle close at once when the limit is reached: a sixty-fourth of
    /// the limit, so that the search for them is made once for many newcomers.
    fn room_made_at_once(&self) -> usize {
        (self.most / 64).max(1)
    }
}

/// Serves every connection `listener` takes until `closing` is cancelled; then takes no more and
/// returns once every connection has closed.
pub(super) async fn serve(
    listener: TcpListener,
    router: Router,
    rules: ConnectionRules,
    closing: CancellationToken,
) {
    let open = Arc::new(Open::default());
    let tasks = TaskTracker::new();
    let mut warned_busy: Option<Instant> = None;
    'accepting: loop {
        while open.count() >= rules.most {
            // Those already asked make room as they close, one newcomer each; otherwise the
            // longest idle are asked, or, every connection busy, the first to finish an answer.
            let asked = open.making_room.load(Ordering::Relaxed) > 0
                || open.close_longest_idle(rules.room_made_at_once()) > 0;
            if !asked && warned_busy.is_none_or(|at| at.elapsed() >= WARN_BUSY_EVERY) {
                warned_busy = Some(Instant::now());
                tracing::warn!(
                    most = rules.most,
                    "every connection the instance may hold is busy: new connections wait to be \
                     taken (MAX_CONNECTIONS, or more instances)"
                );
            }
            open.room_wanted.store(!asked, Ordering::Relaxed);
            tokio::select! {
                () = open.one_closed.notified() => {},
                () = open.one_idle.notified(), if !asked => {},
                () = tokio::time::sleep(LOOK_AGAIN) => {},
                () = closing.cancelled() => break 'accepting,
            }
        }
        open.room_wanted.store(false, Ordering::Relaxed);
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) if is_the_connections_own(&error) => continue,
                Err(error) => {
                    tracing::warn!(%error, open = open.count(), "cannot accept a connection");
                    open.close_longest_idle(rules.room_made_at_once());
                    tokio::time::sleep(AFTER_REFUSAL).await;
                    continue;
                }
            },
            () = closing.cancelled() => break,
        };
        send_without_delay(&stream);
        let connection = open.add(closing.child_token());
        let (router, open) = (router.clone(), Arc::clone(&open));
        tasks.spawn(async move {
            serve_one(stream, peer, router, rules, &connection).await;
            open.remove(connection.id);
        });
    }
    tasks.close();
    tasks.wait().await;
}

/// A failure of the one connection being accepted (it was reset before it was taken), not of
/// the listener.
fn is_the_connections_own(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

fn send_without_delay(stream: &TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "cannot set TCP_NODELAY on a connection");
    }
}

async fn serve_one(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    rules: ConnectionRules,
    connection: &Arc<Connection>,
) {
    let activity = Arc::clone(connection);
    let service = service_fn(move |request: Request<Incoming>| {
        let answering = Answering::begin(Arc::clone(&activity));
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        let router = router.clone();
        async move {
            let Ok(response) = router.oneshot(request).await;
            Ok::<_, Infallible>(response.map(|body| {
                Body::new(Tracked {
                    body,
                    _answering: answering,
                })
            }))
        }
    });
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(rules.idle);
    let served = http
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(served);
    let ended = tokio::select! {
        ended = served.as_mut() => ended,
        () = connection.close.cancelled() => {
            served.as_mut().graceful_shutdown();
            served.await
        }
    };
    if let Err(error) = ended {
        tracing::debug!(%error, %peer, "connection ended with an error");
    }
}

/// The connections open now.
#[derive(Default)]
struct Open {
    by_id: Mutex<HashMap<u64, Arc<Connection>>>,
    next_id: AtomicU64,
    /// Told each time a connection closes.
    one_closed: Notify,
    /// Told when a connection finishes an answer while [`Open::room_wanted`].
    one_idle: Notify,
    /// Every connection is busy at the limit, and a newcomer waits for one to become idle.
    room_wanted: AtomicBool,
    /// What the connections' idle times count from.
    epoch: Epoch,
    /// Connections asked to close to make room that have not closed yet.
    making_room: AtomicUsize,
}

struct Epoch(Instant);

impl Default for Epoch {
    fn default() -> Self {
        Self(Instant::now())
    }
}

impl Epoch {
    fn now(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

impl Open {
    fn count(&self) -> usize {
        self.by_id.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn add(self: &Arc<Self>, close: CancellationToken) -> Arc<Connection> {
        let connection = Arc::new(Connection {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            open: Arc::clone(self),
            answering: AtomicU32::new(0),
            // A new connection's first request is on its way: it is not idle until that has had
            // time to come.
            idle_since: AtomicU64::new(self.epoch.now() + FIRST_REQUEST_GRACE_MS),
            close,
            making_room: AtomicBool::new(false),
        });
        self.by_id
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(connection.id, Arc::clone(&connection));
        connection
    }

    fn remove(&self, id: u64) {
        let removed = self
            .by_id
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
        if removed.is_some_and(|connection| connection.making_room.load(Ordering::Relaxed)) {
            self.making_room.fetch_sub(1, Ordering::Relaxed);
        }
        self.one_closed.notify_one();
    }

    /// Asks the `count` connections idle the longest (and not already closing) to close; says
    /// how many it asked.
    fn close_longest_idle(&self, count: usize) -> usize {
        let now = self.epoch.now();
        let mut idle: Vec<(u64, Arc<Connection>)> = self
            .by_id
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .filter(|connection| connection.is_idle() && !connection.close.is_cancelled())
            .map(|connection| {
                let since = connection.idle_since.load(Ordering::Relaxed);
                (since, Arc::clone(connection))
            })
            .filter(|(since, _)| *since <= now)
            .collect();
        let count = count.min(idle.len());
        if count > 0 && count < idle.len() {
            idle.select_nth_unstable_by_key(count - 1, |(since, _)| *since);
        }
        // Counted before any of them can close and count itself out.
        self.making_room.fetch_add(count, Ordering::Relaxed);
        for (_, connection) in &idle[..count] {
            connection.making_room.store(true, Ordering::Relaxed);
            connection.close.cancel();
        }
        if count > 0 {
            tracing::debug!(
                closed = count,
                "connections idle the longest closed to make room"
            );
            metrics::counter!("http_connections_closed_for_room_total").increment(count as u64);
        }
        count
    }
}

/// One open connection.
struct Connection {
    id: u64,
    open: Arc<Open>,
    /// Requests it is answering now (the answer's body not yet all sent).
    answering: AtomicU32,
    /// When it last finished an answer (or, new, will count as idle), in the epoch's
    /// milliseconds.
    idle_since: AtomicU64,
    /// Cancelled to close it: gracefully, after the answer in hand.
    close: CancellationToken,
    /// It was asked to close to make room.
    making_room: AtomicBool,
}

impl Connection {
    fn is_idle(&self) -> bool {
        self.answering.load(Ordering::Relaxed) == 0
    }
}

/// A request being answered on a connection, until the answer's body is all sent (or dropped).
struct Answering(Arc<Connection>);

impl Answering {
    fn begin(connection: Arc<Connection>) -> Self {
        connection.answering.fetch_add(1, Ordering::Relaxed);
        Self(connection)
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        let connection = &self.0;
        let open = &connection.open;
        connection
            .idle_since
            .store(open.epoch.now(), Ordering::Relaxed);
        connection.answering.fetch_sub(1, Ordering::Relaxed);
        if open.room_wanted.load(Ordering::Relaxed) {
            open.one_idle.notify_one();
        }
    }
}

/// An answer's body, holding its connection busy until it is sent.
struct Tracked {
    body: Body,
    _answering: Answering,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
