//! What drivers say about a shipper after responding to one of its loads. A day after a response
//! the bot asks ("asked"); the driver's answer waits for a moderator ("pending"); only an approved
//! report counts in the shipper's score. One report per driver and load: answering again before
//! moderation changes it, after moderation changes nothing.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, OnConflict},
};

pub use app::cargo::shipper::{ReportCounts, ReportOutcome};

use crate::{DriverId, cargo_key};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "shipper_reports")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub driver_id: i64,
        pub cargo_id: i64,
        pub shipper_inn: String,
        pub shipper_name: Option<String>,
        /// "Москва → Казань", as the driver saw the load.
        pub route: Option<String>,
        pub outcome: Option<String>,
        pub state: String,
        /// When the bot asks (a day after the response, after the driver's quiet hours).
        pub ask_at: DateTimeUtc,
        pub answered_at: Option<DateTimeUtc>,
        pub moderated_at: Option<DateTimeUtc>,
        pub moderated_by: Option<String>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportState {
    /// The bot asks (or will); no answer yet.
    Asked,
    /// Answered, waiting for a moderator.
    Pending,
    /// Counts in the score.
    Approved,
    Rejected,
}

impl ReportState {
    pub const ALL: [ReportState; 4] = [Self::Asked, Self::Pending, Self::Approved, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Asked => "asked",
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }
}

/// The load a driver responded to, and its shipper.
pub struct Responded<'a> {
    pub driver_id: DriverId,
    pub cargo_id: u64,
    pub inn: &'a str,
    pub shipper_name: Option<&'a str>,
    pub route: String,
}

/// Notes that the bot will ask about this response at `ask_at`; `false` when it was noted before.
pub async fn ask(
    db: &impl ConnectionTrait,
    responded: Responded<'_>,
    ask_at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    use entity::{ActiveModel, Column, Entity};
    let row = ActiveModel {
        driver_id: Set(responded.driver_id.into()),
        cargo_id: Set(cargo_key(responded.cargo_id)?),
        shipper_inn: Set(responded.inn.to_owned()),
        shipper_name: Set(responded.shipper_name.map(str::to_owned)),
        route: Set(Some(responded.route)),
        outcome: Set(None),
        state: Set(ReportState::Asked.as_str().to_owned()),
        ask_at: Set(ask_at),
        answered_at: Set(None),
        moderated_at: Set(None),
        moderated_by: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    let inserted = Entity::insert(row)
        .on_conflict(
            OnConflict::columns([Column::DriverId, Column::CargoId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted > 0)
}

/// How a driver's answer went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// Waiting for a moderator.
    Recorded,
    /// A moderator settled the report already: the answer changes nothing.
    AlreadyModerated,
    /// Hauler never asked this driver about this load.
    NotAsked,
}

/// The driver's answer about a load they responded to.
pub async fn answer(
    db: &impl ConnectionTrait,
    driver_id: DriverId,
    cargo_id: u64,
    outcome: ReportOutcome,
    now: DateTime<Utc>,
) -> Result<Answered, DbErr> {
    use entity::{Column, Entity};
    let cargo_id = cargo_key(cargo_id)?;
    let open = [ReportState::Asked.as_str(), ReportState::Pending.as_str()];
    let updated = Entity::update_many()
        .col_expr(Column::Outcome, Expr::value(outcome.as_str()))
        .col_expr(Column::State, Expr::value(ReportState::Pending.as_str()))
        .col_expr(Column::AnsweredAt, Expr::value(now))
        .filter(Column::DriverId.eq(driver_id))
        .filter(Column::CargoId.eq(cargo_id))
        .filter(Column::State.is_in(open))
        .exec(db)
        .await?
        .rows_affected;
    if updated > 0 {
        return Ok(Answered::Recorded);
    }
    let exists = Entity::find()
        .filter(Column::DriverId.eq(driver_id))
        .filter(Column::CargoId.eq(cargo_id))
        .one(db)
        .await?
        .is_some();
    Ok(if exists {
        Answered::AlreadyModerated
    } else {
        Answered::NotAsked
    })
}

/// Why a moderator's verdict was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    #[error("no such report")]
    NotFound,
    /// Not answered yet, or settled already.
    #[error("the report is not waiting for a moderator")]
    NotPending,
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Approves or rejects an answered report; the report as it now stands.
pub async fn moderate(
    db: &impl ConnectionTrait,
    id: i64,
    approve: bool,
    moderator: &str,
    now: DateTime<Utc>,
) -> Result<entity::Model, ModerationError> {
    use entity::{Column, Entity};
    let verdict = if approve {
        ReportState::Approved
    } else {
        ReportState::Rejected
    };
    let updated = Entity::update_many()
        .col_expr(Column::State, Expr::value(verdict.as_str()))
        .col_expr(Column::ModeratedAt, Expr::value(now))
        .col_expr(Column::ModeratedBy, Expr::value(moderator))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(ReportState::Pending.as_str()))
        .exec(db)
        .await?
        .rows_affected;
    let row = Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(ModerationError::NotFound)?;
    if updated == 0 {
        return Err(ModerationError::NotPending);
    }
    Ok(row)
}

/// Reports in a state, newest answers first.
pub async fn in_state(
    db: &impl ConnectionTrait,
    state: ReportState,
    limit: u64,
) -> Result<Vec<entity::Model>, DbErr> {
    use entity::{Column, Entity};
    Entity::find()
        .filter(Column::State.eq(state.as_str()))
        .order_by_desc(Column::AnsweredAt)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// A shipper's approved reports by outcome, and how many wait for a moderator.
pub async fn counts(db: &impl ConnectionTrait, inn: &str) -> Result<(ReportCounts, u32), DbErr> {
    use entity::{Column, Entity};
    let rows: Vec<(String, Option<String>)> = Entity::find()
        .select_only()
        .column(Column::State)
        .column(Column::Outcome)
        .filter(Column::ShipperInn.eq(inn))
        .filter(Column::State.is_in([
            ReportState::Pending.as_str(),
            ReportState::Approved.as_str(),
        ]))
        .into_tuple()
        .all(db)
        .await?;
    let mut approved = ReportCounts::default();
    let mut pending = 0;
    for (state, outcome) in rows {
        match (
            ReportState::parse(&state),
            outcome.as_deref().and_then(ReportOutcome::parse),
        ) {
            (Some(ReportState::Approved), Some(outcome)) => approved.add(outcome, 1),
            (Some(ReportState::Pending), _) => pending += 1,
            _ => {}
        }
    }
    Ok((approved, pending))
}
