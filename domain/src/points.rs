//! The exchange's points dictionary (cities, regions and other places a load may start or end),
//! held in the database so that city search never calls the exchange. A refresh replaces every
//! point in one transaction and records itself; the newest refresh is the dictionary's version,
//! which every instance compares against the copy it searches.

use app::cargo::dictionary::City;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait, QueryOrder, TransactionTrait,
};

/// Rows written per statement: well within SQLite's and PostgreSQL's limits on parameters.
const BATCH: usize = 1000;

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "points")]
    pub struct Model {
        /// The exchange's id of the point.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
        pub point_type: i16,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod refresh_entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "point_refreshes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub refreshed_at: DateTimeUtc,
        pub points: i64,
        /// `system` for the schedule, `admin:<email>` for the dashboard's button.
        pub refreshed_by: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// One completed refresh: the dictionary as it has been since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub id: i64,
    pub refreshed_at: DateTime<Utc>,
    pub points: u64,
    pub refreshed_by: String,
}

impl From<refresh_entity::Model> for Version {
    fn from(row: refresh_entity::Model) -> Self {
        Self {
            id: row.id,
            refreshed_at: row.refreshed_at,
            points: u64::try_from(row.points).unwrap_or(0),
            refreshed_by: row.refreshed_by,
        }
    }
}

/// The dictionary's version: `None` while it has never been loaded.
pub async fn version(db: &DatabaseConnection) -> Result<Option<Version>, DbErr> {
    Ok(refresh_entity::Entity::find()
        .order_by_desc(refresh_entity::Column::Id)
        .one(db)
        .await?
        .map(Version::from))
}

/// Every point, as the exchange wrote it.
pub async fn all(db: &DatabaseConnection) -> Result<Vec<City>, DbErr> {
    Ok(entity::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(City {
                id: u32::try_from(row.id).ok()?,
                name: row.name,
                point_type: u8::try_from(row.point_type).ok()?,
            })
        })
        .collect())
}

/// Replaces the whole dictionary with `points` (ids unique) at once: readers see the old one or
/// the new one, never a mix. Returns the new version.
pub async fn replace(
    db: &DatabaseConnection,
    points: &[City],
    refreshed_by: &str,
) -> Result<Version, DbErr> {
    let transaction = db.begin().await?;
    entity::Entity::delete_many().exec(&transaction).await?;
    for batch in points.chunks(BATCH) {
        let rows = batch.iter().map(|point| entity::ActiveModel {
            id: Set(point.id.into()),
            name: Set(point.name.clone()),
            point_type: Set(point.point_type.into()),
        });
        entity::Entity::insert_many(rows)
            .exec_without_returning(&transaction)
            .await?;
    }
    let refresh = refresh_entity::ActiveModel {
        refreshed_at: Set(Utc::now()),
        points: Set(i64::try_from(points.len()).unwrap_or(i64::MAX)),
        refreshed_by: Set(refreshed_by.to_owned()),
        ..Default::default()
    };
    let inserted = refresh_entity::Entity::insert(refresh)
        .exec(&transaction)
        .await?;
    let row = refresh_entity::Entity::find_by_id(inserted.last_insert_id)
        .one(&transaction)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the refresh just recorded".into()))?;
    transaction.commit().await?;
    Ok(row.into())
}
