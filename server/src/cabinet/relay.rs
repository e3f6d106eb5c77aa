//! A cabinet WebSocket relayed both ways: the browser's socket (accepted only after its pass was
//! checked) on one side, a socket to the exchange's cabinet opened with the account's own token
//! on the other. Frames pass as they come — text (its addresses rewritten), binary, ping and
//! pong — and a close carries its code and reason across. The pass is checked again every half
//! second: revoked or expired, both sides are closed with 4401.

use std::time::Duration;

use axum::extract::ws::{self, WebSocket};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::{
    self as ts,
    client::IntoClientRequest,
    protocol::{CloseFrame, frame::coding::CloseCode},
};

use super::{Cabinet, CabinetError, Visitor, rewrite::Literals};
use domain::cabinet::sessions::Traffic;

/// How often a live relay asks whether its pass still holds.
const RECHECK_EVERY: Duration = Duration::from_millis(500);
/// How long a close begun by the browser waits for the exchange's answer.
const CLOSING_GRACE: Duration = Duration::from_secs(2);
/// The close code a browser gets when its pass ends under it (4000–4999 are the application's).
pub const PASS_ENDED: u16 = 4401;

type Upstream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The exchange's side, opened before the browser's socket is accepted.
pub struct Opened {
    socket: Upstream,
    /// The subprotocol the exchange chose, for the browser's handshake.
    pub protocol: Option<String>,
}

impl Cabinet {
    /// Opens the exchange's side of a cabinet WebSocket for `path`.
    pub async fn open_socket(
        &self,
        path: &str,
        query: Option<&str>,
        protocols: Option<&str>,
    ) -> Result<Opened, CabinetError> {
        let url = self
            .upstream()?
            .ws_url(path, super::proxy::without_token(query).as_deref());
        let token = self.account_token().await?;
        let unreachable = |error: ts::Error| CabinetError::Unreachable(error.to_string());
        let mut request = url.into_client_request().map_err(unreachable)?;
        let headers = request.headers_mut();
        let header = |text: &str| {
            ts::http::HeaderValue::from_str(text)
                .map_err(|_| CabinetError::Unreachable("a header would not be valid".into()))
        };
        headers.insert("authorization", header(&format!("Bearer {token}"))?);
        headers.insert("origin", header(self.upstream()?.origin())?);
        if let Some(protocols) = protocols {
            headers.insert("sec-websocket-protocol", header(protocols)?);
        }
        let (socket, answer) = tokio_tungstenite::connect_async(request)
            .await
            .map_err(unreachable)?;
        let protocol = answer
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        Ok(Opened { socket, protocol })
    }

    /// Relays frames until either side closes or the pass ends.
    pub async fn relay(
        &self,
        visitor: Visitor,
        browser: WebSocket,
        opened: Opened,
        literals: Literals,
    ) {
        let (mut to_browser, mut from_browser) = browser.split();
        let (mut to_exchange, mut from_exchange) = opened.socket.split();
        let mut recheck = tokio::time::interval(RECHECK_EVERY);
        let (mut down, mut up) = (0u64, 0u64);
        loop {
            tokio::select! {
                frame = from_browser.next() => {
                    let Some(Ok(frame)) = frame else {
                        let _ = to_exchange.close().await;
                        break;
                    };
                    up += frame_size(&frame);
                    let closing = matches!(frame, ws::Message::Close(_));
                    if to_exchange.send(to_exchange_frame(frame)).await.is_err() {
                        break;
                    }
                    if closing {
                        // The browser's socket has queued its answer (the same code); it goes
                        // out once the exchange has closed too, or after a moment.
                        let _ = tokio::time::timeout(CLOSING_GRACE, async {
                            while let Some(Ok(frame)) = from_exchange.next().await {
                                if matches!(frame, ts::Message::Close(_)) {
                                    break;
                                }
                            }
                        })
                        .await;
                        let _ = to_browser.flush().await;
                        break;
                    }
                }
                frame = from_exchange.next() => {
                    let Some(Ok(frame)) = frame else {
                        let _ = to_browser.close().await;
                        break;
                    };
                    let Some(frame) = to_browser_frame(frame, &literals) else { continue };
                    down += frame_size(&frame);
                    let closing = matches!(frame, ws::Message::Close(_));
                    if to_browser.send(frame).await.is_err() || closing {
                        break;
                    }
                }
                _ = recheck.tick() => {
                    if !self.still_admitted(&visitor).await {
                        let reason = "the pass has ended";
                        let _ = to_browser.send(ws::Message::Close(Some(ws::CloseFrame {
                            code: PASS_ENDED,
                            reason: reason.into(),
                        }))).await;
                        let _ = to_exchange.send(ts::Message::Close(Some(CloseFrame {
                            code: CloseCode::Away,
                            reason: reason.into(),
                        }))).await;
                        break;
                    }
                }
            }
        }
        self.count(
            visitor.session_id,
            Traffic {
                page: false,
                refused: false,
                bytes_down: down,
                bytes_up: up,
            },
        );
    }
}

fn frame_size(frame: &ws::Message) -> u64 {
    match frame {
        ws::Message::Text(text) => text.len() as u64,
        ws::Message::Binary(bytes) | ws::Message::Ping(bytes) | ws::Message::Pong(bytes) => {
            bytes.len() as u64
        }
        ws::Message::Close(_) => 0,
    }
}

fn to_exchange_frame(frame: ws::Message) -> ts::Message {
    match frame {
        ws::Message::Text(text) => ts::Message::Text(text.as_str().into()),
        ws::Message::Binary(bytes) => ts::Message::Binary(bytes),
        ws::Message::Ping(bytes) => ts::Message::Ping(bytes),
        ws::Message::Pong(bytes) => ts::Message::Pong(bytes),
        ws::Message::Close(frame) => ts::Message::Close(frame.map(|frame| CloseFrame {
            code: CloseCode::from(frame.code),
            reason: frame.reason.as_str().into(),
        })),
    }
}

fn to_browser_frame(frame: ts::Message, literals: &Literals) -> Option<ws::Message> {
    Some(match frame {
        ts::Message::Text(text) => ws::Message::Text(literals.apply(text.as_str()).into()),
        ts::Message::Binary(bytes) => ws::Message::Binary(bytes),
        ts::Message::Ping(bytes) => ws::Message::Ping(bytes),
        ts::Message::Pong(bytes) => ws::Message::Pong(bytes),
        ts::Message::Close(frame) => ws::Message::Close(frame.map(|frame| ws::CloseFrame {
            code: u16::from(frame.code),
            reason: frame.reason.as_str().into(),
        })),
        ts::Message::Frame(_) => return None,
    })
}
