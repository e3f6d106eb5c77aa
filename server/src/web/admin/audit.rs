//! The audit log page's API: `GET /admin/api/audit` (newest first, a page at a time) and
//! `GET /admin/api/audit.csv` (the same filters, every matching entry up to a cap), for any staff.
//!
//! Filters: `actor` is a part of the actor (`admin:ops@…`), `action` a prefix (`driver.` for
//! everything done to drivers), `object` exact (`driver:42`), `from` / `to` dates (`2026-11-23`,
//! both days included) or RFC 3339 instants.

use admin::wire::ErrorBody;
use admin::wire::audit::{AUDIT_PER_PAGE, AuditPage, AuditRow};
use axum::{
    Json, Router,
    extract::{Query, State, rejection::QueryRejection},
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::{DateTime, NaiveDate, Utc};
use domain::audit::entity as log;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, sea_query::LikeExpr,
};
use serde::Deserialize;

use super::{AdminDesk, AnyStaff, Staff, csv_export::CsvExport};
use crate::web::{ApiError, ErrorCode, Fault};

/// The most entries one export holds (newest first).
const EXPORT_CAP: u64 = 100_000;

pub fn routes() -> Router<AdminDesk> {
    Router::new()
        .route("/admin/api/audit", get(list))
        .route("/admin/api/audit.csv", get(export))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// A part of the actor (`admin:ops@…`, `service:bot`, `system`).
    actor: Option<String>,
    /// The action's beginning (`driver.` for everything done to drivers).
    action: Option<String>,
    /// The object, exactly (`driver:42`).
    object: Option<String>,
    /// The first day (`YYYY-MM-DD`, UTC), or an RFC 3339 instant.
    #[param(format = Date)]
    from: Option<String>,
    /// The last day, included (`YYYY-MM-DD`, UTC), or an RFC 3339 instant.
    #[param(format = Date)]
    to: Option<String>,
    /// From 1 (the default) to 1000000.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1_000_000)]
    page: Option<String>,
    /// Entries a page, 1 to 100 (50 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

fn present(value: &Option<String>) -> Option<&str> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|value| !value.is_empty())
}

fn escaped(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// A day or an instant; a day's `to` bound reaches the end of that day.
fn instant(text: &str, end_of_day: bool) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| ApiError::from(ErrorCode::InvalidDate(Fault::Unreadable)))?;
    let day = if end_of_day {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    Ok(day.and_time(chrono::NaiveTime::MIN).and_utc())
}

fn filtered(query: &AuditQuery) -> Result<Select<log::Entity>, ApiError> {
    let mut select = log::Entity::find();
    if let Some(actor) = present(&query.actor) {
        select = select.filter(
            log::Column::Actor.like(LikeExpr::new(format!("%{}%", escaped(actor))).escape('\\')),
        );
    }
    if let Some(action) = present(&query.action) {
        select = select.filter(
            log::Column::Action.like(LikeExpr::new(format!("{}%", escaped(action))).escape('\\')),
        );
    }
    if let Some(object) = present(&query.object) {
        select = select.filter(log::Column::Object.eq(object));
    }
    // A date is read as sent: an empty or padded one is not a date (the dashboard leaves an
    // empty filter out).
    let from = query
        .from
        .as_deref()
        .map(|text| instant(text, false))
        .transpose()?;
    let to = query
        .to
        .as_deref()
        .map(|text| {
            let end_of_day = !text.contains('T');
            instant(text, end_of_day).map(|at| (at, end_of_day))
        })
        .transpose()?;
    if let Some(from) = from {
        select = select.filter(log::Column::OccurredAt.gte(from));
    }
    if let Some((to, end_of_day)) = to {
        select = select.filter(if end_of_day {
            log::Column::OccurredAt.lt(to)
        } else {
            log::Column::OccurredAt.lte(to)
        });
    }
    Ok(select
        .order_by_desc(log::Column::OccurredAt)
        .order_by_desc(log::Column::Id))
}

fn number(text: Option<&str>, default: u64, range: std::ops::RangeInclusive<u64>) -> Option<u64> {
    match text {
        None => Some(default),
        Some(text) => text.parse().ok().filter(|n| range.contains(n)),
    }
}

/// The page and its size; the export, which has no pages, refuses what the list would.
fn paging(query: &AuditQuery) -> Result<(u64, u64), ApiError> {
    let page = number(present(&query.page), 1, 1..=1_000_000)
        .ok_or_else(|| ApiError::from(ErrorCode::InvalidPage))?;
    let per_page = number(present(&query.per_page), AUDIT_PER_PAGE, 1..=100)
        .ok_or_else(|| ApiError::from(ErrorCode::InvalidPageSize))?;
    Ok((page, per_page))
}

fn to_row(entry: log::Model) -> AuditRow {
    AuditRow {
        id: entry.id,
        occurred_at: entry.occurred_at.to_rfc3339(),
        actor: entry.actor,
        action: entry.action,
        object: entry.object,
        details: entry.details,
        client_addr: entry.client_addr,
    }
}

#[utoipa::path(get, path = "/admin/api/audit", tag = "people", operation_id = "audit", params(AuditQuery),
    responses(
        (status = 200, description = "One page of the audit log, newest first, and how many entries match (any staff)", body = AuditPage),
        (status = 400, description = "`invalid_date`, `invalid_page` (1 to 1000000) or `invalid_page_size` (1 to 100)", body = ErrorBody),
    ),
    security(("admin_session" = [])))]
async fn list(
    State(db): State<DatabaseConnection>,
    _staff: Staff<AnyStaff>,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<AuditPage>, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    let (page, per_page) = paging(&query)?;
    let select = filtered(&query)?;
    let total = select.clone().count(&db).await?;
    let rows = select
        .limit(per_page)
        .offset((page - 1) * per_page)
        .all(&db)
        .await?
        .into_iter()
        .map(to_row)
        .collect();
    Ok(Json(AuditPage {
        rows,
        total,
        page,
        per_page,
    }))
}

const CSV_HEADER: [&str; 7] = [
    "id",
    "occurred_at",
    "actor",
    "action",
    "object",
    "details",
    "client_addr",
];

fn csv(rows: &[AuditRow]) -> Result<String, ApiError> {
    let mut csv = CsvExport::new(&CSV_HEADER)?;
    for row in rows {
        csv.row([
            row.id.to_string().as_str(),
            &row.occurred_at,
            &row.actor,
            &row.action,
            row.object.as_deref().unwrap_or_default(),
            row.details.as_deref().unwrap_or_default(),
            row.client_addr.as_deref().unwrap_or_default(),
        ])?;
    }
    csv.finish()
}

#[utoipa::path(get, path = "/admin/api/audit.csv", tag = "people", operation_id = "audit_csv", params(AuditQuery),
    responses(
        (status = 200, description = "Every entry the filters match (up to 100000), newest first, as RFC 4180 CSV with a header line; `page` and `per_page` are checked as the list checks them, and ignored (any staff)", content_type = "text/csv", body = String),
        (status = 400, description = "`invalid_date`, `invalid_page` (1 to 1000000) or `invalid_page_size` (1 to 100), as the list refuses them", body = ErrorBody),
    ),
    security(("admin_session" = [])))]
async fn export(
    State(db): State<DatabaseConnection>,
    _staff: Staff<AnyStaff>,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    paging(&query)?;
    let rows: Vec<AuditRow> = filtered(&query)?
        .limit(EXPORT_CAP)
        .all(&db)
        .await?
        .into_iter()
        .map(to_row)
        .collect();
    let filename = format!("hauler-audit-{}.csv", Utc::now().format("%Y%m%d-%H%M%S"));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        csv(&rows)?,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_as_the_upper_bound_takes_in_the_whole_day() {
        let to = instant("2026-11-23", true).unwrap();
        assert_eq!(to.to_rfc3339(), "2026-11-24T00:00:00+00:00");
        assert!(instant("yesterday", false).is_err());
    }
}
