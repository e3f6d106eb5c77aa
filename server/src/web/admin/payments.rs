//! The payments page's API: `GET /admin/api/payments` (filtered, newest first, a page at a time,
//! with totals), `GET /admin/api/payments.csv` (the same filter, every row), `GET
//! /admin/api/payments/{id}` (the payment, its driver and its whole history) for any staff, and
//! `POST /admin/api/payments/{id}/refunds` for admins. A refund goes through [`Billing::refund`],
//! which audits it.
//!
//! [`Billing::refund`]: crate::payments::Billing::refund

use admin::wire::ErrorBody;
use std::collections::HashMap;

use admin::wire::payments::{
    CurrencyTotal, PaymentDetail, PaymentDriver, PaymentEventView, PaymentFilter, PaymentList,
    PaymentRow, RefundDone, RefundRequest,
};
use app::subscription::{PaymentStatus, normalize_promo_code};
use axum::{
    Json, Router,
    extract::{Query, State, rejection::QueryRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono::{DateTime, NaiveDate, Utc};
use domain::{
    DriverId, PaymentId, PromoId, access, drivers,
    payments::{self, entity},
    promo,
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, sea_query::Expr,
};

use super::{AdminDesk, Admins, AnyStaff, Staff, csv_export::CsvExport};
use crate::web::{
    ApiError, ErrorCode, Fault,
    extract::{JsonBody, PathId},
};

pub fn routes() -> Router<AdminDesk> {
    Router::new()
        .route("/admin/api/payments", get(list))
        .route("/admin/api/payments.csv", get(export))
        .route("/admin/api/payments/{id}", get(detail))
        .route("/admin/api/payments/{id}/refunds", post(refund))
}

const MAX_PER_PAGE: u64 = 200;
/// A CSV export stops here; narrow the filter for more.
const MAX_EXPORT: u64 = 100_000;

/// The page and its size, as the filter asks: a page from 1 to a million of 1 to 200 rows (the
/// export, which has no pages, refuses what the list would).
fn paging(filter: &PaymentFilter) -> Result<(u64, u64), ApiError> {
    let page = filter.page.unwrap_or(1);
    if !(1..=1_000_000).contains(&page) {
        return Err(ApiError::from(ErrorCode::InvalidPage));
    }
    let per_page = filter.per_page.unwrap_or(PaymentFilter::PER_PAGE);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(ErrorCode::InvalidPageSize.with_message("A page holds 1 to 200 rows"));
    }
    Ok((page, per_page))
}

fn invalid_filter(message: &str) -> ApiError {
    ErrorCode::InvalidFilter(Fault::Unreadable).with_message(message)
}

/// A day as sent: an empty or padded one is not a day (the dashboard leaves an empty filter out).
fn day(text: &str) -> Result<DateTime<Utc>, ApiError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|midnight| midnight.and_utc())
        .ok_or_else(|| invalid_filter("Dates are written YYYY-MM-DD"))
}

fn given(text: &Option<String>) -> Option<&str> {
    text.as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// The filter as a query on `payments`; `None` when it can match nothing (an unknown promo code).
async fn filtered(
    db: &DatabaseConnection,
    filter: &PaymentFilter,
) -> Result<Option<Select<entity::Entity>>, ApiError> {
    let mut query = entity::Entity::find();
    if let Some(status) = given(&filter.status) {
        query = match status {
            "refunded" => query.filter(entity::Column::Refunded.gt(0)),
            other => {
                let status = PaymentStatus::parse(other).ok_or_else(|| {
                    invalid_filter("Status is pending, succeeded, canceled or refunded")
                })?;
                query.filter(entity::Column::Status.eq(status.as_str()))
            }
        };
    }
    if let Some(from) = filter.from.as_deref() {
        query = query.filter(entity::Column::CreatedAt.gte(day(from)?));
    }
    if let Some(to) = filter.to.as_deref() {
        query = query.filter(entity::Column::CreatedAt.lt(day(to)? + chrono::Duration::days(1)));
    }
    let amount = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
    if let Some(min) = filter.min_amount {
        query = query.filter(entity::Column::Amount.gte(amount(min)));
    }
    if let Some(max) = filter.max_amount {
        query = query.filter(entity::Column::Amount.lte(amount(max)));
    }
    if let Some(plan_id) = filter.plan_id {
        query = query.filter(entity::Column::PlanId.eq(plan_id));
    }
    if let Some(provider) = given(&filter.provider) {
        query = query.filter(entity::Column::Provider.eq(provider));
    }
    if let Some(code) = given(&filter.promo) {
        match promo::stored(db, &normalize_promo_code(code)).await? {
            Some(code) => query = query.filter(entity::Column::PromoCodeId.eq(code.id)),
            None => return Ok(None),
        }
    }
    Ok(Some(query))
}

/// Rows as the page shows them: with the driver's name and the promo code's text.
async fn rows(
    db: &DatabaseConnection,
    payments: Vec<payments::Payment>,
) -> Result<Vec<PaymentRow>, ApiError> {
    let driver_ids: Vec<DriverId> = payments.iter().map(|p| p.driver_id).collect();
    let promo_ids: Vec<PromoId> = payments.iter().filter_map(|p| p.promo_code_id).collect();
    let drivers: HashMap<DriverId, drivers::entity::Model> = drivers::entity::Entity::find()
        .filter(drivers::entity::Column::Id.is_in(driver_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|driver| (DriverId::from(driver.id), driver))
        .collect();
    let codes: HashMap<PromoId, String> = if promo_ids.is_empty() {
        HashMap::new()
    } else {
        promo::entity::Entity::find()
            .filter(promo::entity::Column::Id.is_in(promo_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|code| (PromoId::from(code.id), code.code))
            .collect()
    };
    Ok(payments
        .into_iter()
        .map(|payment| {
            let driver = drivers.get(&payment.driver_id);
            PaymentRow {
                id: payment.id.into(),
                created_at: payment.created_at.to_rfc3339(),
                driver_id: payment.driver_id.into(),
                driver_telegram_id: driver.map(|d| d.telegram_id),
                driver_name: driver.map(full_name).unwrap_or_default(),
                plan_id: payment.plan_id.into(),
                days: payment.days,
                provider: payment.provider,
                provider_payment_id: payment.provider_payment_id,
                amount: payment.amount,
                currency: payment.currency,
                refunded: payment.refunded,
                status: payment.status,
                promo_code: payment.promo_code_id.and_then(|id| codes.get(&id).cloned()),
            }
        })
        .collect())
}

fn full_name(driver: &drivers::entity::Model) -> String {
    match &driver.last_name {
        Some(last) if !last.is_empty() => format!("{} {last}", driver.first_name),
        _ => driver.first_name.clone(),
    }
}

async fn totals(
    db: &DatabaseConnection,
    query: Select<entity::Entity>,
) -> Result<Vec<CurrencyTotal>, ApiError> {
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back so both databases answer an integer.
    let sums: Vec<(String, i64, i64, i64)> = query
        .select_only()
        .column(entity::Column::Currency)
        .column_as(Expr::cust("COUNT(*)"), "count")
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(amount), 0) AS BIGINT)"),
            "amount",
        )
        .column_as(
            Expr::cust("CAST(COALESCE(SUM(refunded), 0) AS BIGINT)"),
            "refunded",
        )
        .group_by(entity::Column::Currency)
        .order_by_asc(entity::Column::Currency)
        .into_tuple()
        .all(db)
        .await?;
    Ok(sums
        .into_iter()
        .map(|(currency, count, amount, refunded)| CurrencyTotal {
            currency,
            count,
            amount,
            refunded,
        })
        .collect())
}

#[utoipa::path(get, path = "/admin/api/payments", tag = "money", operation_id = "payments", params(PaymentFilter),
    responses(
        (status = 200, description = "One page of payments, newest first, with what the filter adds up to per currency (any staff)", body = PaymentList),
        (status = 400, description = "`invalid_filter` (a status or a date that cannot be read), `invalid_page` (1 to 1000000) or `invalid_page_size` (1 to 200)", body = ErrorBody),
    ),
    security(("admin_session" = [])))]
async fn list(
    State(db): State<DatabaseConnection>,
    _staff: Staff<AnyStaff>,
    filter: Result<Query<PaymentFilter>, QueryRejection>,
) -> Result<Json<PaymentList>, ApiError> {
    let Query(filter) = filter.map_err(ApiError::bad_query)?;
    let (page, per_page) = paging(&filter)?;
    let Some(query) = filtered(&db, &filter).await? else {
        return Ok(Json(PaymentList {
            rows: Vec::new(),
            total: 0,
            page,
            per_page,
            totals: Vec::new(),
        }));
    };
    let totals = totals(&db, query.clone()).await?;
    let total = totals.iter().map(|t| t.count.max(0) as u64).sum();
    let payments = query
        .order_by_desc(entity::Column::CreatedAt)
        .order_by_desc(entity::Column::Id)
        .offset((page - 1).saturating_mul(per_page))
        .limit(per_page)
        .all(&db)
        .await?;
    Ok(Json(PaymentList {
        rows: rows(&db, payments).await?,
        total,
        page,
        per_page,
        totals,
    }))
}

const CSV_HEADER: [&str; 14] = [
    "id",
    "created_at",
    "driver_id",
    "driver_telegram_id",
    "driver_name",
    "plan_id",
    "days",
    "provider",
    "provider_payment_id",
    "status",
    "amount",
    "currency",
    "refunded",
    "promo_code",
];

#[utoipa::path(get, path = "/admin/api/payments.csv", tag = "money", operation_id = "payments_csv", params(PaymentFilter),
    responses(
        (status = 200, description = "Every payment the filter matches (up to 100000), newest first, as RFC 4180 CSV with a header line; `page` and `per_page` are ignored (any staff)", content_type = "text/csv", body = String),
        (status = 400, description = "`invalid_filter` (a status or a date that cannot be read), `invalid_page` (1 to 1000000) or `invalid_page_size` (1 to 200), as the list refuses them", body = ErrorBody),
    ),
    security(("admin_session" = [])))]
async fn export(
    State(db): State<DatabaseConnection>,
    _staff: Staff<AnyStaff>,
    filter: Result<Query<PaymentFilter>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(filter) = filter.map_err(ApiError::bad_query)?;
    paging(&filter)?;
    let mut csv = CsvExport::new(&CSV_HEADER)?;
    if let Some(query) = filtered(&db, &filter).await? {
        let mut pages = query
            .order_by_desc(entity::Column::CreatedAt)
            .order_by_desc(entity::Column::Id)
            .limit(MAX_EXPORT)
            .paginate(&db, 1000);
        while let Some(payments) = pages.fetch_and_next().await? {
            for row in rows(&db, payments).await? {
                csv.row([
                    row.id.to_string(),
                    row.created_at,
                    row.driver_id.to_string(),
                    row.driver_telegram_id
                        .map(|id| id.to_string())
                        .unwrap_or_default(),
                    row.driver_name,
                    row.plan_id.to_string(),
                    row.days.to_string(),
                    row.provider,
                    row.provider_payment_id.unwrap_or_default(),
                    row.status,
                    row.amount.to_string(),
                    row.currency,
                    row.refunded.to_string(),
                    row.promo_code.unwrap_or_default(),
                ])?;
            }
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"payments.csv\"",
            ),
        ],
        csv.finish()?,
    )
        .into_response())
}

fn payment_not_found() -> ApiError {
    ApiError::from(ErrorCode::PaymentNotFound)
}

#[utoipa::path(get, path = "/admin/api/payments/{id}", tag = "money", operation_id = "payment",
    params(("id" = i64, Path, minimum = 1, description = "Hauler's payment id")),
    responses(
        (status = 200, description = "The payment, its driver and their access, its whole history, and what may still be refunded (any staff)", body = PaymentDetail),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`payment_not_found`", body = ErrorBody),
    ),
    security(("admin_session" = [])))]
async fn detail(
    State(desk): State<AdminDesk>,
    _staff: Staff<AnyStaff>,
    PathId(id): PathId<PaymentId>,
) -> Result<Json<PaymentDetail>, ApiError> {
    let payment = payments::by_id(&desk.db, id)
        .await?
        .ok_or_else(payment_not_found)?;
    let refundable = if payment.status == PaymentStatus::Succeeded.as_str()
        && matches!(
            payment.provider.as_str(),
            payments::YOOKASSA | payments::STARS
        ) {
        (payment.amount - payment.refunded).max(0)
    } else {
        0
    };
    let driver = match drivers::row(&desk.db, payment.driver_id).await? {
        Some(row) => {
            let access = access::access(&desk.db, &desk.store, row.id.into()).await?;
            Some(PaymentDriver {
                id: row.id,
                telegram_id: row.telegram_id,
                name: full_name(&row),
                username: row.username,
                access_active: access.active,
                access_until: access.until,
                days_left: access.days_left,
            })
        }
        None => None,
    };
    let history = payments::history(&desk.db, id)
        .await?
        .into_iter()
        .map(|event| PaymentEventView {
            id: event.id,
            at: event.created_at.to_rfc3339(),
            kind: event.kind,
            detail: event.detail,
            remote_addr: event.remote_addr,
            suspicious: event.suspicious,
        })
        .collect();
    let payment = rows(&desk.db, vec![payment])
        .await?
        .pop()
        .ok_or_else(payment_not_found)?;
    Ok(Json(PaymentDetail {
        payment,
        driver,
        history,
        refundable,
    }))
}

#[utoipa::path(post, path = "/admin/api/payments/{id}/refunds", tag = "money", operation_id = "refund_payment", request_body = RefundRequest,
    params(("id" = i64, Path, minimum = 1, description = "Hauler's payment id")),
    responses(
        (status = 201, description = "Refunded: the refund, what is refunded in all, and when the driver's access ends now (admins; audited)", body = RefundDone),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`payment_not_found`", body = ErrorBody),
        (status = 409, description = "`refund_not_possible`: only a succeeded payment can be refunded", body = ErrorBody),
        (status = 422, description = "`refund_amount_invalid`: above zero and at most what is left", body = ErrorBody),
        (status = 502, description = "`payment_refused`: the provider refused the refund", body = ErrorBody),
        (status = 503, description = "`payments_unavailable`: the provider cannot be reached", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn refund(
    State(desk): State<AdminDesk>,
    staff: Staff<Admins>,
    PathId(id): PathId<PaymentId>,
    JsonBody(request): JsonBody<RefundRequest>,
) -> Result<(StatusCode, Json<RefundDone>), ApiError> {
    let outcome = desk
        .billing
        .refund(id, request.amount_kopecks, &staff.actor())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(RefundDone {
            refund_id: outcome.refund_id,
            amount_kopecks: outcome.amount_kopecks,
            refunded_kopecks: outcome.refunded_kopecks,
            access_until: outcome.access_until,
        }),
    ))
}
