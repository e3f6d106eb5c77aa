//! The driver's filters, kept server-side: the last one used, restored on the next open from any
//! device, and named ones.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, sea_query::OnConflict,
};

use app::cargo::{
    filter::CargoFilter,
    saved::{SAVED_FILTERS_MAX, SavedFilter},
};

use crate::DriverId;

pub mod last {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "last_filters")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub driver_id: i64,
        pub filter: String,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod saved {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "saved_filters")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub driver_id: i64,
        pub name: String,
        pub filter: String,
        pub notify: bool,
        /// Paused by the driver: no alerts until it is resumed.
        pub paused: bool,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Why a named filter could not be kept.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("the driver already keeps {SAVED_FILTERS_MAX} filters")]
    TooMany,
    #[error(transparent)]
    Database(#[from] DbErr),
}

pub async fn last(
    db: &DatabaseConnection,
    driver_id: DriverId,
) -> Result<Option<CargoFilter>, DbErr> {
    let row = last::Entity::find_by_id(driver_id).one(db).await?;
    // A filter written by an older version that no longer reads is simply forgotten.
    Ok(row.and_then(|row| serde_json::from_str(&row.filter).ok()))
}

pub async fn remember_last(
    db: &DatabaseConnection,
    driver_id: DriverId,
    filter: &CargoFilter,
) -> Result<(), DbErr> {
    let row = last::ActiveModel {
        driver_id: Set(driver_id.into()),
        filter: Set(to_json(filter)),
        updated_at: Set(Utc::now()),
    };
    last::Entity::insert(row)
        .on_conflict(
            OnConflict::column(last::Column::DriverId)
                .update_columns([last::Column::Filter, last::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map(drop)
}

pub async fn saved(
    db: &DatabaseConnection,
    driver_id: DriverId,
) -> Result<Vec<SavedFilter>, DbErr> {
    Ok(saved::Entity::find()
        .filter(saved::Column::DriverId.eq(driver_id))
        .order_by_asc(saved::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .filter_map(to_saved)
        .collect())
}

/// Why a named filter could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("the driver keeps another filter under that name")]
    NameTaken,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Keeps a named filter; the same name again replaces it.
pub async fn save(
    db: &DatabaseConnection,
    driver_id: DriverId,
    name: &str,
    filter: &CargoFilter,
    notify: bool,
    paused: bool,
) -> Result<SavedFilter, SaveError> {
    let existing = saved::Entity::find()
        .filter(saved::Column::DriverId.eq(driver_id))
        .filter(saved::Column::Name.eq(name))
        .one(db)
        .await?;
    let now = Utc::now();
    let row = match existing {
        Some(row) => {
            let mut row: saved::ActiveModel = row.into();
            row.filter = Set(to_json(filter));
            row.notify = Set(notify);
            row.paused = Set(paused);
            row.updated_at = Set(now);
            row.update(db).await?
        }
        None => {
            let count = saved::Entity::find()
                .filter(saved::Column::DriverId.eq(driver_id))
                .count(db)
                .await?;
            if count >= SAVED_FILTERS_MAX as u64 {
                return Err(SaveError::TooMany);
            }
            saved::ActiveModel {
                driver_id: Set(driver_id.into()),
                name: Set(name.to_owned()),
                filter: Set(to_json(filter)),
                notify: Set(notify),
                paused: Set(paused),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?
        }
    };
    to_saved(row).ok_or_else(|| DbErr::Custom("a saved filter did not read back".into()).into())
}

/// Renames, changes, pauses or resumes one of the driver's named filters; `None` when the driver
/// has none with that id.
pub async fn change(
    db: &DatabaseConnection,
    driver_id: DriverId,
    id: i64,
    name: &str,
    filter: &CargoFilter,
    notify: bool,
    paused: bool,
) -> Result<Option<SavedFilter>, ChangeError> {
    let mine = saved::Entity::find()
        .filter(saved::Column::DriverId.eq(driver_id))
        .filter(
            sea_orm::Condition::any()
                .add(saved::Column::Id.eq(id))
                .add(saved::Column::Name.eq(name)),
        )
        .all(db)
        .await?;
    if mine.iter().any(|row| row.id != id) {
        return Err(ChangeError::NameTaken);
    }
    let Some(row) = mine.into_iter().find(|row| row.id == id) else {
        return Ok(None);
    };
    let mut row: saved::ActiveModel = row.into();
    row.name = Set(name.to_owned());
    row.filter = Set(to_json(filter));
    row.notify = Set(notify);
    row.paused = Set(paused);
    row.updated_at = Set(Utc::now());
    let row = match row.update(db).await {
        Ok(row) => row,
        // Forgotten by another of the driver's requests between the read and the write: gone.
        Err(DbErr::RecordNotUpdated) => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    Ok(to_saved(row))
}

/// Forgets a named filter; `false` when the driver has none with that id.
pub async fn forget(db: &DatabaseConnection, driver_id: DriverId, id: i64) -> Result<bool, DbErr> {
    let result = saved::Entity::delete_many()
        .filter(saved::Column::Id.eq(id))
        .filter(saved::Column::DriverId.eq(driver_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// A named filter that asks for alerts, and whose it is.
pub struct Watched {
    pub driver_id: DriverId,
    pub saved_filter_id: i64,
    pub name: String,
    pub filter: CargoFilter,
}

/// Every named filter that asks for alerts about new loads and is not paused.
pub async fn watched(db: &DatabaseConnection) -> Result<Vec<Watched>, DbErr> {
    Ok(saved::Entity::find()
        .filter(saved::Column::Notify.eq(true))
        .filter(saved::Column::Paused.eq(false))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|row| {
            Some(Watched {
                driver_id: row.driver_id.into(),
                saved_filter_id: row.id,
                name: row.name,
                filter: serde_json::from_str(&row.filter).ok()?,
            })
        })
        .collect())
}

fn to_json(filter: &CargoFilter) -> String {
    serde_json::to_string(filter).unwrap_or_else(|_| "{}".into())
}

fn to_saved(row: saved::Model) -> Option<SavedFilter> {
    Some(SavedFilter {
        id: row.id,
        name: row.name,
        filter: serde_json::from_str(&row.filter).ok()?,
        notify: row.notify,
        paused: row.paused,
    })
}
