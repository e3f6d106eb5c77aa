//! What a driver sets for themselves in the profile: language, home city, truck, whether alerts
//! come at all, and quiet hours read on the driver's clock. A driver who never saved one has the
//! default ([`Profile::default`]): alerts on, quiet from 22:00 to 07:00 Moscow time. The time zone
//! stays on the driver's row (`drivers.utc_offset_minutes`), where it has always been.

use chrono::{DateTime, Duration, Timelike, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, TransactionTrait,
    sea_query::{Expr, OnConflict},
};

pub use app::profile::{HomeCity, Profile, QuietHours};
use app::{cargo::filter::WeightCategory, profile::clock};

use crate::{DriverId, drivers};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "driver_profiles")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub driver_id: i64,
        pub language: Option<String>,
        pub home_city_id: Option<i64>,
        pub home_city_name: Option<String>,
        pub truck_type_id: Option<i64>,
        /// A [`app::cargo::filter::WeightCategory`], as its JSON name.
        pub capacity: Option<String>,
        pub notifications: bool,
        /// Minutes of the day; both or neither.
        pub quiet_from_minute: Option<i32>,
        pub quiet_until_minute: Option<i32>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The driver's profile, or the default one; `None` for a driver who does not exist.
pub async fn get(db: &DatabaseConnection, driver_id: DriverId) -> Result<Option<Profile>, DbErr> {
    let Some(driver) = drivers::row(db, driver_id).await? else {
        return Ok(None);
    };
    let row = entity::Entity::find_by_id(driver_id).one(db).await?;
    let mut profile = row.map(from_row).unwrap_or_default();
    profile.utc_offset_minutes = driver.utc_offset_minutes;
    Ok(Some(profile))
}

/// Keeps a checked profile (the caller has run [`Profile::check`]).
pub async fn save(
    db: &DatabaseConnection,
    driver_id: DriverId,
    profile: &Profile,
) -> Result<(), DbErr> {
    let quiet = profile.quiet_hours.as_ref().and_then(QuietHours::minutes);
    let row = entity::ActiveModel {
        driver_id: Set(driver_id.into()),
        language: Set(profile.language.clone()),
        home_city_id: Set(profile
            .home_city
            .as_ref()
            .map(|city| i64::from(city.city_id))),
        home_city_name: Set(profile
            .home_city
            .as_ref()
            .map(|city| city.name.trim().to_owned())),
        truck_type_id: Set(profile.truck_type.map(i64::from)),
        capacity: Set(profile.capacity.and_then(category_name)),
        notifications: Set(profile.notifications),
        quiet_from_minute: Set(quiet.map(|(from, _)| from as i32)),
        quiet_until_minute: Set(quiet.map(|(_, until)| until as i32)),
        updated_at: Set(Utc::now()),
    };
    let offset = profile.utc_offset_minutes;
    db.transaction::<_, (), DbErr>(|txn| {
        Box::pin(async move {
            entity::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(entity::Column::DriverId)
                        .update_columns([
                            entity::Column::Language,
                            entity::Column::HomeCityId,
                            entity::Column::HomeCityName,
                            entity::Column::TruckTypeId,
                            entity::Column::Capacity,
                            entity::Column::Notifications,
                            entity::Column::QuietFromMinute,
                            entity::Column::QuietUntilMinute,
                            entity::Column::UpdatedAt,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(txn)
                .await?;
            drivers::entity::Entity::update_many()
                .col_expr(
                    drivers::entity::Column::UtcOffsetMinutes,
                    Expr::value(offset),
                )
                .filter(drivers::entity::Column::Id.eq(i64::from(driver_id)))
                .exec(txn)
                .await
                .map(drop)
        })
    })
    .await
    .map_err(|error| match error {
        sea_orm::TransactionError::Connection(error) => error,
        sea_orm::TransactionError::Transaction(error) => error,
    })
}

/// When the quiet hours around `now` end, if `now` falls in them on the driver's clock.
pub fn quiet_until(profile: &Profile, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let (from, until) = profile.quiet_hours.as_ref()?.minutes()?;
    let local = now + Duration::minutes(i64::from(profile.utc_offset_minutes));
    let minute = local.hour() * 60 + local.minute();
    let quiet = if from < until {
        (from..until).contains(&minute)
    } else {
        minute >= from || minute < until
    };
    if !quiet {
        return None;
    }
    let to_go = (i64::from(until) - i64::from(minute)).rem_euclid(24 * 60);
    let start_of_minute = now
        .with_second(0)
        .and_then(|at| at.with_nanosecond(0))
        .unwrap_or(now);
    Some(start_of_minute + Duration::minutes(to_go))
}

fn from_row(row: entity::Model) -> Profile {
    let home_city = match (row.home_city_id, row.home_city_name) {
        (Some(id), Some(name)) => u32::try_from(id)
            .ok()
            .map(|city_id| HomeCity { city_id, name }),
        _ => None,
    };
    let quiet_hours = match (row.quiet_from_minute, row.quiet_until_minute) {
        (Some(from), Some(until)) => Some(QuietHours {
            from: clock(from.max(0) as u32),
            until: clock(until.max(0) as u32),
        }),
        _ => None,
    };
    Profile {
        language: row.language,
        home_city,
        truck_type: row.truck_type_id.and_then(|id| u32::try_from(id).ok()),
        capacity: row.capacity.and_then(|name| {
            serde_json::from_value::<WeightCategory>(serde_json::Value::String(name)).ok()
        }),
        notifications: row.notifications,
        quiet_hours,
        utc_offset_minutes: app::profile::DEFAULT_UTC_OFFSET_MINUTES,
    }
}

fn category_name(category: WeightCategory) -> Option<String> {
    match serde_json::to_value(category) {
        Ok(serde_json::Value::String(name)) => Some(name),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 5, h, m, 30).unwrap()
    }

    fn quiet(from: &str, until: &str, offset: i32) -> Profile {
        Profile {
            quiet_hours: Some(QuietHours {
                from: from.into(),
                until: until.into(),
            }),
            utc_offset_minutes: offset,
            ..Profile::default()
        }
    }

    #[test]
    fn quiet_hours_across_midnight_end_in_the_drivers_morning() {
        // Moscow (UTC+3), 22:00–07:00: 19:00 UTC is 22:00 there, held until 04:00 UTC.
        let moscow = quiet("22:00", "07:00", 180);
        assert_eq!(quiet_until(&moscow, at(18, 59)), None);
        assert_eq!(
            quiet_until(&moscow, at(19, 0)),
            Some(Utc.with_ymd_and_hms(2026, 12, 6, 4, 0, 0).unwrap())
        );
        assert_eq!(
            quiet_until(&moscow, at(3, 59)),
            Some(Utc.with_ymd_and_hms(2026, 12, 5, 4, 0, 0).unwrap())
        );
        assert_eq!(quiet_until(&moscow, at(4, 0)), None);
    }

    #[test]
    fn quiet_hours_within_a_day_and_none_at_all() {
        // Vladivostok (UTC+10), a nap 13:00–15:00: 04:00 UTC is 14:00 there.
        let nap = quiet("13:00", "15:00", 600);
        assert_eq!(
            quiet_until(&nap, at(4, 0)),
            Some(Utc.with_ymd_and_hms(2026, 12, 5, 5, 0, 0).unwrap())
        );
        assert_eq!(quiet_until(&nap, at(5, 0)), None);
        let always = Profile {
            quiet_hours: None,
            ..Profile::default()
        };
        assert_eq!(quiet_until(&always, at(23, 0)), None);
    }
}
