//! Named settings in the database; secrets among them are stored sealed and opened on read.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, DatabaseConnection, DbErr, EntityTrait, sea_query::OnConflict};

use super::sealing::{SealError, Sealer};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "settings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub value: String,
        pub sealed: bool,
        pub updated_at: DateTimeUtc,
        pub updated_by: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    #[error(transparent)]
    Database(#[from] DbErr),
    #[error("the setting cannot be opened: {0}")]
    Seal(#[from] SealError),
}

/// The purpose bound into a sealed setting, so a value sealed for one setting opens for no other.
fn purpose(key: &str) -> String {
    format!("setting:{key}")
}

pub async fn put_sealed(
    db: &DatabaseConnection,
    sealer: &Sealer,
    key: &str,
    secret: &str,
    updated_by: &str,
) -> Result<(), SettingError> {
    let sealed = sealer.seal(&purpose(key), secret.as_bytes());
    upsert(db, key, sealed, true, updated_by).await
}

pub async fn get_sealed(
    db: &DatabaseConnection,
    sealer: &Sealer,
    key: &str,
) -> Result<Option<String>, SettingError> {
    let Some(row) = entity::Entity::find_by_id(key.to_owned()).one(db).await? else {
        return Ok(None);
    };
    let bytes = sealer.open(&purpose(key), &row.value)?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// A setting that is no secret (a feature flag, a chat id), stored as it is.
pub async fn put_plain(
    db: &DatabaseConnection,
    key: &str,
    value: &str,
    updated_by: &str,
) -> Result<(), DbErr> {
    upsert(db, key, value.to_owned(), false, updated_by)
        .await
        .map_err(|error| match error {
            SettingError::Database(error) => error,
            SettingError::Seal(error) => DbErr::Custom(error.to_string()),
        })
}

/// A setting stored as it is; `None` when never set.
pub async fn get_plain(db: &DatabaseConnection, key: &str) -> Result<Option<String>, DbErr> {
    Ok(entity::Entity::find_by_id(key.to_owned())
        .one(db)
        .await?
        .filter(|row| !row.sealed)
        .map(|row| row.value))
}

pub async fn delete(db: &DatabaseConnection, key: &str) -> Result<(), DbErr> {
    entity::Entity::delete_by_id(key.to_owned())
        .exec(db)
        .await
        .map(drop)
}

async fn upsert(
    db: &DatabaseConnection,
    key: &str,
    value: String,
    sealed: bool,
    updated_by: &str,
) -> Result<(), SettingError> {
    let row = entity::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value),
        sealed: Set(sealed),
        updated_at: Set(Utc::now()),
        updated_by: Set(Some(updated_by.to_owned())),
    };
    entity::Entity::insert(row)
        .on_conflict(
            OnConflict::column(entity::Column::Key)
                .update_columns([
                    entity::Column::Value,
                    entity::Column::Sealed,
                    entity::Column::UpdatedAt,
                    entity::Column::UpdatedBy,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// What re-sealing every stored secret under the current key did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Resealed {
    /// Sealed under an older key before, under the current key now.
    pub resealed: Vec<String>,
    /// Already under the current key: left as they were.
    pub current: usize,
    /// Do not open with any configured key (the key was dropped, or the value was changed).
    pub unopenable: Vec<String>,
}

/// Key rotation: re-seals every sealed setting under the sealer's current key, so the previous
/// keys can then be retired. Each value is re-sealed for its own setting; nothing is printed.
pub async fn reseal_all(
    db: &DatabaseConnection,
    sealer: &Sealer,
    updated_by: &str,
) -> Result<Resealed, DbErr> {
    use sea_orm::{ColumnTrait, QueryFilter};

    let mut outcome = Resealed::default();
    let rows = entity::Entity::find()
        .filter(entity::Column::Sealed.eq(true))
        .all(db)
        .await?;
    for row in rows {
        if Sealer::key_id_of(&row.value).is_ok_and(|id| id == sealer.current_key_id()) {
            outcome.current += 1;
            continue;
        }
        match sealer.reseal(&purpose(&row.key), &row.value) {
            Ok(sealed) => {
                upsert(db, &row.key, sealed, true, updated_by)
                    .await
                    .map_err(|error| DbErr::Custom(error.to_string()))?;
                outcome.resealed.push(row.key);
            }
            Err(_) => outcome.unopenable.push(row.key),
        }
    }
    Ok(outcome)
}
