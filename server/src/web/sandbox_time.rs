//! Sandbox mode's passing of time for the bot: `POST /sandbox/hauler/__sandbox/advance`
//! `{"chat_id", "hours"}` sends a chat's messages held for the next `hours` (a question a day
//! after a response, alerts held for the night) at once, as if that long had passed. Only this
//! chat's: stories running beside it keep their own clocks. Mounted in sandbox mode only.

use axum::{Json, Router, extract::State, routing::post};
use chrono::Duration;
use domain::outbox;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use crate::{
    bot::Doorbell,
    web::{ApiError, extract::JsonBody},
};

#[derive(Clone)]
struct Clock {
    db: DatabaseConnection,
    doorbell: Doorbell,
}

#[derive(Debug, Serialize, Deserialize)]
struct Advance {
    chat_id: i64,
    /// At most a year.
    hours: u32,
}

#[derive(Debug, Serialize)]
struct Advanced {
    /// Messages that go out now.
    released: u64,
}

pub fn routes(db: DatabaseConnection, doorbell: Doorbell) -> Router {
    Router::new()
        .route("/sandbox/hauler/__sandbox/advance", post(advance))
        .with_state(Clock { db, doorbell })
}

async fn advance(
    State(clock): State<Clock>,
    JsonBody(advance): JsonBody<Advance>,
) -> Result<Json<Advanced>, ApiError> {
    let hours = i64::from(advance.hours.min(24 * 366));
    let released =
        outbox::bring_forward(&clock.db, advance.chat_id, Duration::hours(hours)).await?;
    if released > 0 {
        clock.doorbell.ring();
    }
    Ok(Json(Advanced { released }))
}
