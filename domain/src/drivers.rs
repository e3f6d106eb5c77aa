//! Drivers, known by their Telegram id; their profile follows Telegram's on every sign-in.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, sea_query::OnConflict,
};
use serde::{Deserialize, Serialize};

use crate::DriverId;

pub use app::session::Driver;

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "drivers")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub telegram_id: i64,
        pub first_name: String,
        pub last_name: Option<String>,
        pub username: Option<String>,
        pub language_code: Option<String>,
        pub photo_url: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub banned_at: Option<DateTimeUtc>,
        /// The driver blocked the bot: no message goes to them until they write to it again.
        pub bot_blocked_at: Option<DateTimeUtc>,
        /// The driver's time zone, for quiet hours (Moscow by default).
        pub utc_offset_minutes: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The profile Telegram vouches for at sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TelegramProfile {
    pub telegram_id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
    pub photo_url: Option<String>,
}

impl From<entity::Model> for Driver {
    fn from(row: entity::Model) -> Self {
        Self {
            id: row.id,
            telegram_id: row.telegram_id,
            first_name: row.first_name,
            last_name: row.last_name,
            username: row.username,
            language_code: row.language_code,
            photo_url: row.photo_url,
            banned: row.banned_at.is_some(),
        }
    }
}

/// Creates the driver on first sign-in, refreshes the profile on later ones (one statement, so
/// two sign-ins at once cannot create two drivers).
pub async fn upsert(db: &DatabaseConnection, profile: &TelegramProfile) -> Result<Driver, DbErr> {
    let now = Utc::now();
    let row = entity::ActiveModel {
        telegram_id: Set(profile.telegram_id),
        first_name: Set(profile.first_name.clone()),
        last_name: Set(profile.last_name.clone()),
        username: Set(profile.username.clone()),
        language_code: Set(profile.language_code.clone()),
        photo_url: Set(profile.photo_url.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    entity::Entity::insert(row)
        .on_conflict(
            OnConflict::column(entity::Column::TelegramId)
                .update_columns([
                    entity::Column::FirstName,
                    entity::Column::LastName,
                    entity::Column::Username,
                    entity::Column::LanguageCode,
                    entity::Column::PhotoUrl,
                    entity::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    by_telegram_id(db, profile.telegram_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the driver just written".into()))
}

pub async fn by_telegram_id(
    db: &DatabaseConnection,
    telegram_id: i64,
) -> Result<Option<Driver>, DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::TelegramId.eq(telegram_id))
        .one(db)
        .await?
        .map(Driver::from))
}

pub async fn by_id(db: &DatabaseConnection, id: DriverId) -> Result<Option<Driver>, DbErr> {
    Ok(entity::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Driver::from))
}

/// Bans or unbans (the caller also ends the driver's sessions).
pub async fn set_banned(db: &DatabaseConnection, id: DriverId, banned: bool) -> Result<(), DbErr> {
    let Some(row) = entity::Entity::find_by_id(id).one(db).await? else {
        return Err(DbErr::RecordNotFound(format!("driver {id}")));
    };
    let mut row: entity::ActiveModel = row.into();
    row.banned_at = Set(banned.then(Utc::now));
    row.updated_at = Set(Utc::now());
    row.update(db).await.map(drop)
}

/// Marks whether the driver blocked the bot (Telegram answered 403), or came back (`/start`).
pub async fn set_bot_blocked(
    db: &DatabaseConnection,
    telegram_id: i64,
    blocked: bool,
) -> Result<(), DbErr> {
    entity::Entity::update_many()
        .col_expr(
            entity::Column::BotBlockedAt,
            sea_orm::sea_query::Expr::value(blocked.then(Utc::now)),
        )
        .filter(entity::Column::TelegramId.eq(telegram_id))
        .exec(db)
        .await
        .map(drop)
}

/// Whether the bot may write to this chat: `false` once the driver blocked it.
pub async fn reachable(db: &DatabaseConnection, telegram_id: i64) -> Result<bool, DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::TelegramId.eq(telegram_id))
        .one(db)
        .await?
        .is_none_or(|row| row.bot_blocked_at.is_none()))
}

/// A driver's row as stored (for jobs that need more than the wire profile).
pub async fn row(db: &DatabaseConnection, id: DriverId) -> Result<Option<entity::Model>, DbErr> {
    entity::Entity::find_by_id(id).one(db).await
}
