//! The overview: `GET /admin/api/overview` (any staff). Figures from the database, from this
//! instance's memory of the upstream (budget, cache, breaker, connection) and from the fair
//! share's ledger (the last hour's calls by kind and the costliest drivers): it never waits on
//! the exchange, so the page stays quick when CargoTech is slow or down.

use std::collections::{BTreeMap, HashSet};

use admin::wire::overview::{
    AccessFigures, DayFigures, DriverCost, DriverFigures, Overview, Revenue, TOP_DRIVERS,
    UpstreamFigures, UpstreamUse,
};
use axum::{Json, Router, extract::State, routing::get};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use domain::{
    access::{grant, subscription},
    drivers, outbox,
    payments::{self, RUB, XTR},
    responses, upstream_shares,
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    sea_query::Query,
};

use super::{AdminDesk, AnyStaff, Staff};
use crate::{
    cargotech::{Gateway, UpstreamKind, service_state},
    web::ApiError,
};

/// Days of the charts, today included.
const DAYS: i64 = 30;

pub fn routes() -> Router<AdminDesk> {
    Router::new().route("/admin/api/overview", get(overview))
}

/// Drivers and money count in Moscow days: that is when Russian drivers' days begin.
fn moscow() -> FixedOffset {
    FixedOffset::east_opt(3 * 3600).expect("UTC+3 is a valid offset")
}

fn moscow_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&moscow()).date_naive()
}

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    moscow()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .single()
        .map_or_else(Utc::now, |at| at.with_timezone(&Utc))
}

#[utoipa::path(get, path = "/admin/api/overview", tag = "overview", operation_id = "overview",
    responses((status = 200, description = "Drivers, access, revenue, the exchange's budget and the last 30 days (any staff)", body = Overview)),
    security(("admin_session" = [])))]
async fn overview(
    State(desk): State<AdminDesk>,
    _staff: Staff<AnyStaff>,
) -> Result<Json<Overview>, ApiError> {
    let now = Utc::now();
    let today = moscow_day(now);
    let first_day = today - Duration::days(DAYS - 1);
    let db = &desk.db;

    let (drivers, access, money, new_drivers, outbox_backlog) = tokio::try_join!(
        driver_figures(db, now, start_of(today)),
        access_figures(db, now),
        money_by_day(db, start_of(first_day)),
        new_drivers_by_day(db, start_of(first_day)),
        outbox::backlog(db),
    )?;

    let mut days = Vec::new();
    let mut revenue = Revenue {
        rub_today_kopecks: 0,
        rub_30_days_kopecks: 0,
        stars_today: 0,
        stars_30_days: 0,
    };
    for offset in 0..DAYS {
        let day = first_day + Duration::days(offset);
        let (rub, stars) = money.get(&day).copied().unwrap_or_default();
        revenue.rub_30_days_kopecks += rub;
        revenue.stars_30_days += stars;
        if day == today {
            revenue.rub_today_kopecks = rub;
            revenue.stars_today = stars;
        }
        days.push(DayFigures {
            day: day.to_string(),
            rub_kopecks: rub,
            stars,
            new_drivers: new_drivers.get(&day).copied().unwrap_or_default(),
        });
    }

    let gateway = &desk.gateway;
    let upstream_use = upstream_use(db, gateway).await?;
    let budget = gateway.budget().await;
    let breaker = serde_json::to_value(gateway.breaker_state())
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default();
    Ok(Json(Overview {
        taken_at: now.to_rfc3339(),
        drivers,
        access,
        revenue,
        upstream: UpstreamFigures {
            budget_per_minute: budget.limit,
            used_last_minute: budget.used_in_window,
            queue_depth: budget.queue_depth as u64,
            paused_for_ms: budget.paused_for_ms,
            cache_hit_ratio: gateway.cache_hit_ratio(),
            breaker,
            connection: service_state(&gateway.connection_reports()),
        },
        upstream_use,
        outbox_backlog,
        days,
    }))
}

/// The last hour's calls by kind, and the drivers who caused the most, named.
async fn upstream_use(db: &DatabaseConnection, gateway: &Gateway) -> Result<UpstreamUse, DbErr> {
    let used = gateway.shares().last_hour().await;
    let mut top_drivers = Vec::new();
    for &(id, calls) in used.drivers.iter().take(TOP_DRIVERS) {
        let row = drivers::row(db, id).await?;
        top_drivers.push(DriverCost {
            driver_id: id.into(),
            name: row
                .as_ref()
                .map_or_else(String::new, |row| row.first_name.clone()),
            calls,
            cap_per_minute: upstream_shares::cap(db, id).await?,
            banned: row.is_some_and(|row| row.banned_at.is_some()),
        });
    }
    Ok(UpstreamUse {
        lists: used.of(UpstreamKind::List),
        details: used.of(UpstreamKind::Detail),
        cities: used.of(UpstreamKind::Cities),
        login: used.of(UpstreamKind::Login),
        background: used.of(UpstreamKind::Background),
        top_drivers,
    })
}

async fn driver_figures(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    today: DateTime<Utc>,
) -> Result<DriverFigures, DbErr> {
    let total = drivers::entity::Entity::find().count(db).await?;
    let new_this_week = drivers::entity::Entity::find()
        .filter(drivers::entity::Column::CreatedAt.gte(now - Duration::days(7)))
        .count(db)
        .await?;
    // A sign-in refreshes the driver's profile row, so its `updated_at` says "signed in today".
    let signed_in: Vec<i64> = drivers::entity::Entity::find()
        .select_only()
        .column(drivers::entity::Column::Id)
        .filter(drivers::entity::Column::UpdatedAt.gte(today))
        .into_tuple()
        .all(db)
        .await?;
    let responded: Vec<i64> = responses::entity::Entity::find()
        .select_only()
        .column(responses::entity::Column::DriverId)
        .filter(responses::entity::Column::CreatedAt.gte(today))
        .into_tuple()
        .all(db)
        .await?;
    let active: HashSet<i64> = signed_in.into_iter().chain(responded).collect();
    Ok(DriverFigures {
        total,
        active_today: active.len() as u64,
        new_this_week,
    })
}

async fn access_figures(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<AccessFigures, DbErr> {
    let active = subscription::Entity::find()
        .filter(subscription::Column::EndsAt.gt(now))
        .count(db)
        .await?;
    let beyond_trial = Query::select()
        .column(grant::Column::DriverId)
        .from(grant::Entity)
        .and_where(grant::Column::Source.ne("trial"))
        .to_owned();
    let trials = subscription::Entity::find()
        .filter(subscription::Column::EndsAt.gt(now))
        .filter(subscription::Column::DriverId.not_in_subquery(beyond_trial))
        .count(db)
        .await?;
    Ok(AccessFigures {
        paying: active.saturating_sub(trials),
        trials,
    })
}

/// Per Moscow day: (RUB in kopecks, stars), succeeded payments net of their refunds.
async fn money_by_day(
    db: &DatabaseConnection,
    since: DateTime<Utc>,
) -> Result<BTreeMap<NaiveDate, (i64, i64)>, DbErr> {
    use payments::entity::{Column, Entity};
    let rows: Vec<(DateTime<Utc>, i64, i64, String)> = Entity::find()
        .select_only()
        .columns([
            Column::CreatedAt,
            Column::Amount,
            Column::Refunded,
            Column::Currency,
        ])
        .filter(Column::Status.eq("succeeded"))
        .filter(Column::CreatedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    let mut days: BTreeMap<NaiveDate, (i64, i64)> = BTreeMap::new();
    for (at, amount, refunded, currency) in rows {
        let net = amount - refunded;
        let entry = days.entry(moscow_day(at)).or_default();
        match currency.as_str() {
            RUB => entry.0 += net,
            XTR => entry.1 += net,
            _ => {}
        }
    }
    Ok(days)
}

async fn new_drivers_by_day(
    db: &DatabaseConnection,
    since: DateTime<Utc>,
) -> Result<BTreeMap<NaiveDate, u64>, DbErr> {
    let joined: Vec<DateTime<Utc>> = drivers::entity::Entity::find()
        .select_only()
        .column(drivers::entity::Column::CreatedAt)
        .filter(drivers::entity::Column::CreatedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    let mut days = BTreeMap::new();
    for at in joined {
        *days.entry(moscow_day(at)).or_default() += 1;
    }
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moscow_day_begins_at_nine_in_the_evening_utc() {
        let late = Utc.with_ymd_and_hms(2026, 3, 1, 21, 30, 0).unwrap();
        assert_eq!(
            moscow_day(late),
            NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()
        );
        assert_eq!(
            start_of(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap()),
            Utc.with_ymd_and_hms(2026, 3, 1, 21, 0, 0).unwrap()
        );
    }
}
