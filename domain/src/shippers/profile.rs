//! What Hauler knows of one shipper, read from its loads and the reports about it: the facts the
//! score is made of, and its page.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use app::cargo::shipper::ShipperProfile;

use super::{
    reports,
    score::{self, Facts, Route},
    sightings::entity::{Column, Entity, Model},
};

/// Its loads read at most (the most recently seen).
const LOADS_READ: u64 = 2_000;
/// Loads of every shipper read at most to find its routes' medians.
const ROUTE_LOADS_READ: u64 = 20_000;
/// Routes compared at most (its busiest ones).
const ROUTES_COMPARED: usize = 50;

/// The shipper's page; `None` when Hauler never saw a load of theirs.
pub async fn of(
    db: &impl ConnectionTrait,
    inn: &str,
    now: DateTime<Utc>,
) -> Result<Option<ShipperProfile>, DbErr> {
    let loads = Entity::find()
        .filter(Column::ShipperInn.eq(inn))
        .order_by_desc(Column::LastSeenAt)
        .limit(LOADS_READ)
        .all(db)
        .await?;
    let Some(first_seen) = loads.iter().map(|load| load.first_seen_at).min() else {
        return Ok(None);
    };
    let name = loads.iter().find_map(|load| load.shipper_name.clone());
    let (reports, pending_reports) = reports::counts(db, inn).await?;
    let count =
        |matches: fn(&Model) -> bool| loads.iter().filter(|load| matches(load)).count() as u32;
    let rate_ratio = rate_ratio(db, &loads).await?;
    let facts = Facts {
        days_seen: u32::try_from((now - first_seen).num_days().max(0)).unwrap_or(u32::MAX),
        loads: loads.len() as u32,
        reposted: count(|load| load.reposts > 0),
        repriced: count(|load| load.price_changes > 0),
        churned: count(|load| load.reposts > 0 || load.price_changes > 0),
        rate_ratio,
        reports,
    };
    let assessment = score::assess(&facts);
    Ok(Some(ShipperProfile {
        inn: inn.to_owned(),
        name,
        score: assessment.score,
        level: assessment.level,
        first_seen_at: first_seen.to_rfc3339(),
        days_seen: facts.days_seen,
        loads: facts.loads,
        reposted: facts.reposted,
        repriced: facts.repriced,
        rate_vs_median_percent: rate_ratio.map(|ratio| ((ratio - 1.0) * 100.0).round() as i32),
        reports: facts.reports,
        pending_reports,
    }))
}

/// A load's route and ₽/km, when it has both and is not a re-post (a re-post repeats a load
/// already counted).
fn rated(load: &Model) -> Option<(Route, f64)> {
    if load.reposts > 0 {
        return None;
    }
    let (from, to) = (load.from_city.clone()?, load.to_city.clone()?);
    let price = load.price_kopecks.filter(|p| *p > 0)?;
    let km = load.distance_km.filter(|km| *km > 0)?;
    Some(((from, to), price as f64 / 100.0 / f64::from(km)))
}

/// The shipper's ₽/km against the medians of its routes, over every shipper's loads on them.
async fn rate_ratio(db: &impl ConnectionTrait, loads: &[Model]) -> Result<Option<f64>, DbErr> {
    let own: Vec<(Route, f64)> = loads.iter().filter_map(rated).collect();
    let mut busiest: HashMap<&Route, usize> = HashMap::new();
    for (route, _) in &own {
        *busiest.entry(route).or_default() += 1;
    }
    let mut routes: Vec<(&Route, usize)> = busiest.into_iter().collect();
    routes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    routes.truncate(ROUTES_COMPARED);
    if routes.is_empty() {
        return Ok(None);
    }
    let on_routes = routes
        .iter()
        .fold(Condition::any(), |any, ((from, to), _)| {
            any.add(
                Condition::all()
                    .add(Column::FromCity.eq(from.as_str()))
                    .add(Column::ToCity.eq(to.as_str())),
            )
        });
    let mut rates: HashMap<Route, Vec<f64>> = HashMap::new();
    for load in Entity::find()
        .filter(on_routes)
        .limit(ROUTE_LOADS_READ)
        .all(db)
        .await?
    {
        if let Some((route, rate)) = rated(&load) {
            rates.entry(route).or_default().push(rate);
        }
    }
    Ok(score::rate_ratio(&own, &rates))
}
