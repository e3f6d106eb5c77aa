//! `GET /api/v1/live?access_token=…&<the list's filter>`: new loads on the driver's filter as
//! server-sent events (`new_load`, the card as JSON), from the detector of new loads. The session
//! rides in the query because a browser's `EventSource` cannot send headers; a reconnecting
//! browser sends `Last-Event-ID` and gets what it missed. A driver holds so many feeds open at
//! once (`LIVE_CONNECTIONS_PER_DRIVER`); one more is refused `429 too_many_requests`, and the open
//! ones keep flowing. When the server shuts down, each connection ends with a `reconnect` event
//! whose `retry` tells the browser how soon to connect again (to another instance, through the
//! balancer).

use std::{convert::Infallible, time::Duration};

use axum::{
    Router,
    extract::{Query, RawQuery, State},
    http::{HeaderMap, Uri},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::get,
};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;

use super::{cargo::ListQuery, state::ApiState};
use crate::{
    doors::{LiveTicket, Refused},
    new_loads::{EventId, LiveEvent, LiveFeed},
    web::{
        ApiError, ErrorCode, Fault,
        extract::{driver_session, require_access},
    },
};

/// How often an idle feed is written to: a feed whose browser is gone is noticed (and its place
/// freed) by then, so a refused driver may try again after it.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

pub fn routes() -> Router<ApiState> {
    Router::new().route("/api/v1/live", get(live))
}

#[utoipa::path(get, path = "/api/v1/live", tag = "loads",
    params(
        ("Last-Event-ID" = Option<String>, Header, description = "The last event this browser saw: what it missed comes first"),
        ListQuery,
    ),
    responses(
        (status = 200, description = "Server-sent events: `new_load`, its data a `CargoCard`, its id the same on every instance; `reconnect` as the server shuts down, before it ends the stream", content_type = "text/event-stream", body = app::cargo::card::CargoCard),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody), (status = 402, description = "`subscription_required`: no access to loads", body = app::session::ApiErrorBody),
        (status = 422, description = "`invalid_filter`", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: the driver holds as many live feeds open as allowed; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ),
    security(("live_token" = [])))]
async fn live(
    State(state): State<ApiState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = query.unwrap_or_default();
    let (token, rest): (Vec<&str>, Vec<&str>) = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .partition(|pair| pair.starts_with("access_token="));
    let token = token
        .first()
        .and_then(|pair| pair.strip_prefix("access_token="));
    let session = driver_session(&state.store, token).await?;
    // New loads are cargo data: a driver without access gets none.
    require_access(&state.db, &state.store, &state.outages, session.driver_id).await?;
    let uri: Uri = format!("/?{}", rest.join("&"))
        .parse()
        .map_err(ApiError::bad_query)?;
    let Query(list) = Query::<ListQuery>::try_from_uri(&uri).map_err(ApiError::bad_query)?;
    let (filter, _, _) = list.into_filter()?;
    filter.validate().map_err(|errors| {
        ApiError::from(ErrorCode::InvalidFilter(Fault::Unacceptable)).with_field_errors(errors)
    })?;
    let Some(place) = state.live_connections.open(session.driver_id) else {
        let refused = Refused {
            retry_after: KEEP_ALIVE,
        };
        return Err(state.keeper.refusal(refused, Some(session.driver_id)).await);
    };
    let after = headers
        .get("last-event-id")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok());
    Ok(Sse::new(events(&state.live, &filter, after, place).await)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response())
}

/// What the connection missed since `after` (on whichever instance it was), then each new event
/// as it comes. Watching starts before the look back, so nothing falls between the two; what
/// both bring is sent once. The stream holds the driver's `place` until the browser hangs up.
async fn events(
    feed: &LiveFeed,
    filter: &app::cargo::filter::CargoFilter,
    after: Option<EventId>,
    place: LiveTicket,
) -> impl Stream<Item = Result<Event, Infallible>> + use<> {
    let watching = feed.hub().watch(filter);
    let missed = match after {
        Some(after) => feed.missed(watching.question(), after).await,
        None => Vec::new(),
    };
    let replayed = missed.last().map(|event| event.id);
    let replay = stream::iter(missed.into_iter().map(to_event));
    let live = stream::unfold(Some((watching, place)), move |state| async move {
        let (mut watching, place) = state?;
        loop {
            match watching.events.recv().await {
                Ok(event) if replayed.is_some_and(|id| event.id <= id) => continue,
                Ok(event) => return Some((to_event(event), Some((watching, place)))),
                // Too slow a reader: skip ahead rather than hang up.
                Err(RecvError::Lagged(_)) => continue,
                // The server is shutting down: the last event, then the end.
                Err(RecvError::Closed) => return Some((Ok(reconnect()), None)),
            }
        }
    });
    futures_util::StreamExt::chain(replay, live)
}

/// How soon the browser's `EventSource` connects again once the stream ends.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

fn reconnect() -> Event {
    Event::default()
        .event("reconnect")
        .retry(RECONNECT_AFTER)
        .data("the server is restarting: connect again")
}

fn to_event(event: LiveEvent) -> Result<Event, Infallible> {
    let data = serde_json::to_string(&event.card).unwrap_or_default();
    Ok(Event::default()
        .event("new_load")
        .id(event.id.to_string())
        .data(data))
}
