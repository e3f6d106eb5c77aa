//! The drivers page's API: the list (`GET /admin/api/drivers`, searched, filtered by state,
//! sorted and paged in SQL so it stays quick with a hundred thousand drivers), a driver's page
//! (`GET /admin/api/drivers/{id}`) and what staff may do to a driver: ban and unban (admins),
//! gift days (any staff), write to them through the bot (admins). Every change is audited. The
//! page shows whether the driver's subscription renews by itself (autopay) and how it last went.

use admin::wire::ErrorBody;
use admin::wire::drivers::{
    AccessView, AutopayView, DEFAULT_PER_PAGE, DriverDetail, DriverMessage, DriverPage,
    DriverProfile, DriverSort, DriverState, GiftDays, GrantRow, MAX_PER_PAGE, PaymentRow,
    ResponseRow, gift_problem, message_problem,
};
use axum::{
    Json, Router,
    extract::{Query, State, rejection::QueryRejection},
    http::StatusCode,
    routing::{get, post},
};
use chrono::Utc;
use domain::{
    DriverId,
    access::{self, Grant, GrantSource},
    audit::{self, AuditEntry},
    autopay,
    drivers::{self, entity as driver},
    outbox, payments, responses, sessions,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

use super::{AdminDesk, Admins, AnyStaff, Staff};
use crate::admin::driver_list::{self, Listing, state_of};
use crate::web::{
    ApiError, ErrorCode,
    extract::{JsonBody, PathId},
};

pub fn routes() -> Router<AdminDesk> {
    Router::new()
        .route("/admin/api/drivers", get(list))
        .route("/admin/api/drivers/{id}", get(detail))
        .route("/admin/api/drivers/{id}/ban", post(ban))
        .route("/admin/api/drivers/{id}/unban", post(unban))
        .route("/admin/api/drivers/{id}/gift", post(gift))
        .route("/admin/api/drivers/{id}/message", post(message))
}

/// The list's query string, read leniently so each bad value gets its own code.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// A part of the name, the username or the Telegram id (the first 100 characters count).
    q: Option<String>,
    /// `active`, `trial`, `expired`, `never` or `banned`; empty is every state.
    #[param(pattern = r"^(active|trial|expired|never|banned)?$")]
    state: Option<String>,
    /// `newest` (the default), `name` or `access_ends`; empty is the default.
    #[param(pattern = r"^(newest|name|access_ends)?$")]
    sort: Option<String>,
    /// From 1 (the default) to 1000000.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1_000_000)]
    page: Option<String>,
    /// Rows a page, 1 to 100 (25 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

fn not_found() -> ApiError {
    ApiError::from(ErrorCode::DriverNotFound)
}

fn present(value: Option<String>) -> Option<String> {
    value
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

fn listing(query: ListQuery) -> Result<Listing, ApiError> {
    let state = match present(query.state) {
        None => None,
        Some(text) => {
            Some(DriverState::parse(&text).ok_or_else(|| ApiError::from(ErrorCode::InvalidState))?)
        }
    };
    let sort = match present(query.sort) {
        None => DriverSort::Newest,
        Some(text) => {
            DriverSort::parse(&text).ok_or_else(|| ApiError::from(ErrorCode::InvalidSort))?
        }
    };
    let page = match present(query.page) {
        None => 1,
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|page| (1..=1_000_000).contains(page))
            .ok_or_else(|| ApiError::from(ErrorCode::InvalidPage))?,
    };
    let per_page = match present(query.per_page) {
        None => DEFAULT_PER_PAGE,
        Some(text) => text
            .parse::<u64>()
            .ok()
            .filter(|size| (1..=MAX_PER_PAGE).contains(size))
            .ok_or_else(|| ErrorCode::InvalidPageSize.with_message("A page holds 1 to 100 rows"))?,
    };
    let search = present(query.q).map(|q| q.chars().take(100).collect());
    Ok(Listing {
        search,
        state,
        sort,
        page,
        per_page,
    })
}

#[utoipa::path(get, path = "/admin/api/drivers", tag = "drivers", operation_id = "drivers", params(ListQuery),
    responses(
        (status = 200, description = "One page of drivers, and how many match in all (any staff)", body = DriverPage),
        (status = 400, description = "`invalid_state`, `invalid_sort`, `invalid_page` (1 to 1000000) or `invalid_page_size` (1 to 100)", body = ErrorBody),
    ),
    security(("admin_session" = [])))]
async fn list(
    State(db): State<DatabaseConnection>,
    _staff: Staff<AnyStaff>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Json<DriverPage>, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    Ok(Json(driver_list::page(&db, &listing(query)?).await?))
}

async fn stored(db: &DatabaseConnection, id: DriverId) -> Result<driver::Model, ApiError> {
    drivers::row(db, id).await?.ok_or_else(not_found)
}

fn route_of(card: &app::cargo::card::CargoCard) -> String {
    format!(
        "{} → {}",
        card.from_city.as_deref().unwrap_or("?"),
        card.to_city.as_deref().unwrap_or("?")
    )
}

/// Everything the driver's page shows, read past every cache.
async fn describe(db: &DatabaseConnection, id: DriverId) -> Result<DriverDetail, ApiError> {
    let row = stored(db, id).await?;
    let now = Utc::now();
    let ends_at = access::stored_ends_at(db, id).await?;
    let grants = access::grant::Entity::find()
        .filter(access::grant::Column::DriverId.eq(id))
        .order_by_desc(access::grant::Column::Id)
        .limit(200)
        .all(db)
        .await?;
    let paid = grants
        .iter()
        .any(|grant| grant.source != GrantSource::Trial.as_str() && grant.days > 0);
    let payments = payments::entity::Entity::find()
        .filter(payments::entity::Column::DriverId.eq(id))
        .order_by_desc(payments::entity::Column::Id)
        .limit(100)
        .all(db)
        .await?;
    let responses = responses::history(db, id, 50).await?;
    let autopay = autopay::get(db, id).await?;
    let access = access::describe(ends_at, now);
    Ok(DriverDetail {
        access: AccessView {
            state: state_of(row.banned_at.is_some(), ends_at, paid, now),
            active: access.active,
            ends_at: access.until,
            days_left: access.days_left,
        },
        profile: DriverProfile {
            id: row.id,
            telegram_id: row.telegram_id,
            first_name: row.first_name,
            last_name: row.last_name,
            username: row.username,
            language_code: row.language_code,
            joined_at: row.created_at.to_rfc3339(),
            banned_at: row.banned_at.map(|at| at.to_rfc3339()),
            bot_reachable: row.bot_blocked_at.is_none(),
        },
        grants: grants
            .into_iter()
            .map(|grant| GrantRow {
                source: grant.source,
                source_ref: grant.source_ref,
                days: grant.days,
                ends_before: grant.ends_before.to_rfc3339(),
                ends_after: grant.ends_after.to_rfc3339(),
                granted_by: grant.granted_by,
                created_at: grant.created_at.to_rfc3339(),
            })
            .collect(),
        payments: payments
            .into_iter()
            .map(|payment| PaymentRow {
                id: payment.id.into(),
                provider: payment.provider,
                status: payment.status,
                amount: payment.amount,
                currency: payment.currency,
                refunded: payment.refunded,
                days: payment.days,
                created_at: payment.created_at.to_rfc3339(),
            })
            .collect(),
        responses: responses
            .into_iter()
            .map(|response| ResponseRow {
                cargo_id: response.cargo_id,
                route: route_of(&response.card),
                status: response.status.as_str().to_owned(),
                responded_at: response.responded_at,
            })
            .collect(),
        autopay: autopay.map(|row| AutopayView {
            state: row.state,
            card: row.card_title.filter(|_| row.payment_method_id.is_some()),
            failure: row.failure,
            failed_at: row.failed_at.map(|at| at.to_rfc3339()),
            updated_at: row.updated_at.to_rfc3339(),
        }),
    })
}

#[utoipa::path(get, path = "/admin/api/drivers/{id}", tag = "drivers", operation_id = "driver",
    params(("id" = i64, Path, minimum = 1, description = "The driver's id")),
    responses(
        (status = 200, description = "The driver's profile, access, grants, payments and latest responses (any staff)", body = DriverDetail),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`driver_not_found`", body = ErrorBody),
    ),
    security(("admin_session" = [])))]
async fn detail(
    State(db): State<DatabaseConnection>,
    _staff: Staff<AnyStaff>,
    PathId(id): PathId<DriverId>,
) -> Result<Json<DriverDetail>, ApiError> {
    Ok(Json(describe(&db, id).await?))
}

fn object(id: DriverId) -> String {
    format!("driver:{id}")
}

/// Bans or unbans. A ban is written before the driver's sessions end, so no sign-in can slip
/// between the two; ending them writes a revocation mark every instance reads on the next call.
async fn set_banned<R>(
    desk: &AdminDesk,
    staff: &Staff<R>,
    id: DriverId,
    banned: bool,
) -> Result<Json<DriverDetail>, ApiError> {
    let row = stored(&desk.db, id).await?;
    let before = row.banned_at.is_some();
    if before != banned {
        drivers::set_banned(&desk.db, id, banned).await?;
    }
    if banned {
        sessions::end_all(&desk.store, id).await;
    }
    if before != banned {
        audit::record(
            &desk.db,
            AuditEntry {
                actor: &staff.actor(),
                action: if banned {
                    "driver.banned"
                } else {
                    "driver.unbanned"
                },
                object: Some(&object(id)),
                details: Some(serde_json::json!({
                    "before": {"banned": before},
                    "after": {"banned": banned},
                })),
                client_addr: staff.client_addr.as_deref(),
            },
        )
        .await;
    }
    Ok(Json(describe(&desk.db, id).await?))
}

#[utoipa::path(post, path = "/admin/api/drivers/{id}/ban", tag = "drivers", operation_id = "ban_driver",
    params(("id" = i64, Path, minimum = 1, description = "The driver's id")),
    responses(
        (status = 200, description = "Banned (or banned already): every session of theirs has ended (admins)", body = DriverDetail),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`driver_not_found`", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn ban(
    State(desk): State<AdminDesk>,
    staff: Staff<Admins>,
    PathId(id): PathId<DriverId>,
) -> Result<Json<DriverDetail>, ApiError> {
    set_banned(&desk, &staff, id, true).await
}

#[utoipa::path(post, path = "/admin/api/drivers/{id}/unban", tag = "drivers", operation_id = "unban_driver",
    params(("id" = i64, Path, minimum = 1, description = "The driver's id")),
    responses(
        (status = 200, description = "No longer banned (admins)", body = DriverDetail),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`driver_not_found`", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn unban(
    State(desk): State<AdminDesk>,
    staff: Staff<Admins>,
    PathId(id): PathId<DriverId>,
) -> Result<Json<DriverDetail>, ApiError> {
    set_banned(&desk, &staff, id, false).await
}

fn random_suffix() -> String {
    hex::encode(rand::random::<[u8; 8]>())
}

#[utoipa::path(post, path = "/admin/api/drivers/{id}/gift", tag = "drivers", operation_id = "gift_days", request_body = GiftDays,
    params(("id" = i64, Path, minimum = 1, description = "The driver's id")),
    responses(
        (status = 200, description = "The days are given; the driver is told by the bot (any staff)", body = DriverDetail),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`driver_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_days`: 1 to 365", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn gift(
    State(desk): State<AdminDesk>,
    staff: Staff<AnyStaff>,
    PathId(id): PathId<DriverId>,
    JsonBody(GiftDays { days }): JsonBody<GiftDays>,
) -> Result<Json<DriverDetail>, ApiError> {
    if let Some(problem) = gift_problem(days) {
        return Err(ErrorCode::InvalidDays.with_message(problem));
    }
    // A driver who does not exist is a 404, before anything is granted.
    stored(&desk.db, id).await?;
    let days = i32::try_from(days).map_err(|_| ApiError::from(ErrorCode::InvalidDays))?;
    let before = access::stored_ends_at(&desk.db, id).await?;
    let source_ref = format!("gift:{}:{}", staff.session.email, random_suffix());
    let ends_at = access::grant(
        &desk.db,
        &desk.store,
        Grant {
            driver_id: id,
            source: GrantSource::Gift,
            source_ref: source_ref.clone(),
            days,
            granted_by: staff.actor(),
        },
    )
    .await?
    .ends_at();
    desk.billing
        .tell_access_granted(id, GrantSource::Gift, ends_at, &source_ref)
        .await;
    audit::record(
        &desk.db,
        AuditEntry {
            actor: &staff.actor(),
            action: "driver.days_gifted",
            object: Some(&object(id)),
            details: Some(serde_json::json!({
                "days": days,
                "source_ref": source_ref,
                "before": {"access_ends_at": before.map(|at| at.to_rfc3339())},
                "after": {"access_ends_at": ends_at.to_rfc3339()},
            })),
            client_addr: staff.client_addr.as_deref(),
        },
    )
    .await;
    Ok(Json(describe(&desk.db, id).await?))
}

#[utoipa::path(post, path = "/admin/api/drivers/{id}/message", tag = "drivers", operation_id = "message_driver", request_body = DriverMessage,
    params(("id" = i64, Path, minimum = 1, description = "The driver's id")),
    responses(
        (status = 204, description = "Queued for the bot to send, as plain text (admins)"),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`driver_not_found`", body = ErrorBody),
        (status = 409, description = "`bot_unreachable`: the driver has blocked the bot", body = ErrorBody),
        (status = 422, description = "`invalid_text`: empty, or over 2000 characters", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn message(
    State(desk): State<AdminDesk>,
    staff: Staff<Admins>,
    PathId(id): PathId<DriverId>,
    JsonBody(DriverMessage { text }): JsonBody<DriverMessage>,
) -> Result<StatusCode, ApiError> {
    if let Some(problem) = message_problem(&text) {
        return Err(ErrorCode::InvalidText.with_message(problem));
    }
    let text = text.trim();
    let row = stored(&desk.db, id).await?;
    if row.bot_blocked_at.is_some() {
        return Err(ApiError::from(ErrorCode::BotUnreachable));
    }
    // Plain text (no parse mode), so nothing an admin types is read as markup.
    outbox::enqueue(
        &desk.db,
        outbox::Outgoing {
            chat_id: row.telegram_id,
            dedupe_key: format!("admin-message:{id}:{}", random_suffix()),
            payload: serde_json::json!({"chat_id": row.telegram_id, "text": text}),
        },
    )
    .await?;
    desk.billing.bot.doorbell.ring();
    audit::record(
        &desk.db,
        AuditEntry {
            actor: &staff.actor(),
            action: "driver.message_sent",
            object: Some(&object(id)),
            details: Some(serde_json::json!({"text": text})),
            client_addr: staff.client_addr.as_deref(),
        },
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
