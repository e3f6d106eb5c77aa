//! Responses to loads: one per driver and load (a unique index makes a second tap, or two taps at
//! once, a no-op), with the card kept as the driver saw it and a status that only moves forward.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::OnConflict,
};

use app::cargo::{
    card::CargoCard,
    response::{CargoResponse, ResponseStatus},
};

use crate::{DriverId, cargo_key};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "cargo_responses")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub driver_id: i64,
        pub cargo_id: i64,
        pub status: String,
        /// The card as JSON, as the driver saw it.
        pub card: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The response, and whether this call created it (only the first one sends the bot message).
pub struct Recorded {
    pub response: CargoResponse,
    pub created: bool,
}

pub async fn record(
    db: &impl ConnectionTrait,
    driver_id: DriverId,
    card: &CargoCard,
) -> Result<Recorded, DbErr> {
    let now = Utc::now();
    let row = entity::ActiveModel {
        driver_id: Set(driver_id.into()),
        cargo_id: Set(cargo_key(card.id)?),
        status: Set(ResponseStatus::Sent.as_str().to_owned()),
        card: Set(serde_json::to_string(card).unwrap_or_else(|_| "{}".into())),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let inserted = entity::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([entity::Column::DriverId, entity::Column::CargoId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    let response = find(db, driver_id, card.id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the response just written".into()))?;
    Ok(Recorded {
        response,
        created: inserted > 0,
    })
}

pub async fn find(
    db: &impl ConnectionTrait,
    driver_id: DriverId,
    cargo_id: u64,
) -> Result<Option<CargoResponse>, DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::DriverId.eq(driver_id))
        .filter(entity::Column::CargoId.eq(cargo_key(cargo_id)?))
        .one(db)
        .await?
        .and_then(to_response))
}

/// Moves a response forward (sent → viewed → contacted); a step back is ignored.
pub async fn advance(
    db: &DatabaseConnection,
    driver_id: DriverId,
    cargo_id: u64,
    status: ResponseStatus,
) -> Result<Option<CargoResponse>, DbErr> {
    let Some(row) = entity::Entity::find()
        .filter(entity::Column::DriverId.eq(driver_id))
        .filter(entity::Column::CargoId.eq(cargo_key(cargo_id)?))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let current = ResponseStatus::parse(&row.status).unwrap_or(ResponseStatus::Sent);
    let row = if status > current {
        let mut row: entity::ActiveModel = row.into();
        row.status = Set(status.as_str().to_owned());
        row.updated_at = Set(Utc::now());
        row.update(db).await?
    } else {
        row
    };
    Ok(to_response(row))
}

/// The driver's responses, newest first.
pub async fn history(
    db: &DatabaseConnection,
    driver_id: DriverId,
    limit: u64,
) -> Result<Vec<CargoResponse>, DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::DriverId.eq(driver_id))
        .order_by_desc(entity::Column::CreatedAt)
        .order_by_desc(entity::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .filter_map(to_response)
        .collect())
}

fn to_response(row: entity::Model) -> Option<CargoResponse> {
    Some(CargoResponse {
        cargo_id: u64::try_from(row.cargo_id).ok()?,
        status: ResponseStatus::parse(&row.status)?,
        card: serde_json::from_str(&row.card).ok()?,
        responded_at: row.created_at.to_rfc3339(),
    })
}
