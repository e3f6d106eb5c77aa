//! Passes: a random 64-character URL-safe token handed out once and kept only as its SHA-256
//! hash, tied to a driver, with an expiry, revocable. A bought pass is recorded when its payment
//! is opened (so its token can be shown at once) and starts when the payment comes through.
//!
//! Every proxied request checks its pass in two levels: the store first (about a millisecond),
//! then the database. What the store holds lives [`CHECK_TTL`] at most and a revocation deletes
//! it, so a revoked or expired pass stops working on every instance within a second, whether or
//! not Redis carries the deletion.

use std::time::Duration;

use app::cabinet::{PassState, PassView};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};

use super::hex_sha256;
use crate::{DriverId, PaymentId, store::SharedStore};

/// How long a pass's state may be answered from the store before the database is asked again.
pub const CHECK_TTL: Duration = Duration::from_secs(1);
pub const TOKEN_LENGTH: usize = 64;

pub mod entity {
    use sea_orm::entity::prelude::*;

    use crate::{DriverId, PaymentId};

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "cabinet_passes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub driver_id: DriverId,
        #[sea_orm(unique)]
        pub token_hash: String,
        pub hours: i32,
        #[sea_orm(unique)]
        pub payment_id: Option<PaymentId>,
        /// `admin:<email>`, or `payment` for a bought pass.
        pub issued_by: String,
        pub created_at: DateTimeUtc,
        /// `None` while a bought pass waits for its payment.
        pub expires_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
        pub revoked_by: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub type Pass = entity::Model;

/// A pass's token as typed or sent: 64 URL-safe characters, or nothing.
#[derive(Clone, PartialEq, Eq)]
pub struct PassToken(String);

impl PassToken {
    fn generate() -> Self {
        let bytes: [u8; 48] = rand::random();
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn parse(text: &str) -> Option<Self> {
        let url_safe = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        (text.len() == TOKEN_LENGTH && text.chars().all(url_safe)).then(|| Self(text.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> String {
        hex_sha256(&self.0)
    }
}

impl std::fmt::Debug for PassToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PassToken(…)")
    }
}

pub fn state(pass: &Pass, now: DateTime<Utc>) -> PassState {
    match (pass.revoked_at, pass.expires_at) {
        (Some(_), _) => PassState::Revoked,
        (None, None) => PassState::Pending,
        (None, Some(ends)) if ends <= now => PassState::Expired,
        (None, Some(_)) => PassState::Active,
    }
}

pub fn view(pass: &Pass, now: DateTime<Utc>) -> PassView {
    PassView {
        id: pass.id,
        hours: u32::try_from(pass.hours).unwrap_or(0),
        state: state(pass, now),
        expires_at: pass.expires_at.map(|at| at.to_rfc3339()),
        created_at: pass.created_at.to_rfc3339(),
    }
}

/// A pass given by an admin: live at once for `hours`.
pub async fn grant(
    db: &impl ConnectionTrait,
    driver_id: DriverId,
    hours: u32,
    issued_by: &str,
) -> Result<(Pass, PassToken), DbErr> {
    let now = Utc::now();
    insert(
        db,
        driver_id,
        hours,
        None,
        issued_by,
        Some(now + chrono::Duration::hours(hours.into())),
    )
    .await
}

/// A pass bought with this payment: recorded now, started by [`start_for_payment`].
pub async fn reserve(
    db: &impl ConnectionTrait,
    driver_id: DriverId,
    hours: u32,
    payment_id: PaymentId,
) -> Result<(Pass, PassToken), DbErr> {
    insert(db, driver_id, hours, Some(payment_id), "payment", None).await
}

async fn insert(
    db: &impl ConnectionTrait,
    driver_id: DriverId,
    hours: u32,
    payment_id: Option<PaymentId>,
    issued_by: &str,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(Pass, PassToken), DbErr> {
    let token = PassToken::generate();
    let row = entity::ActiveModel {
        driver_id: Set(driver_id),
        token_hash: Set(token.hash()),
        hours: Set(i32::try_from(hours).unwrap_or(i32::MAX)),
        payment_id: Set(payment_id),
        issued_by: Set(issued_by.to_owned()),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        revoked_by: Set(None),
        ..Default::default()
    };
    let pass = entity::Entity::insert(row).exec_with_returning(db).await?;
    Ok((pass, token))
}

/// The payment for a reserved pass came through: the pass starts now, once (a second call,
/// from a repeated notification, changes nothing). `None` when no pass waits on this payment.
pub async fn start_for_payment(
    db: &impl ConnectionTrait,
    store: &SharedStore,
    payment_id: PaymentId,
) -> Result<Option<Pass>, DbErr> {
    let Some(pass) = for_payment(db, payment_id).await? else {
        return Ok(None);
    };
    if pass.expires_at.is_none() {
        let ends = Utc::now() + chrono::Duration::hours(pass.hours.into());
        entity::Entity::update_many()
            .col_expr(entity::Column::ExpiresAt, Expr::value(ends))
            .filter(entity::Column::Id.eq(pass.id))
            .filter(entity::Column::ExpiresAt.is_null())
            .exec(db)
            .await?;
        // A check made while it waited remembers it as refused: forget that at once.
        store.delete(&check_key(&pass.token_hash)).await;
    }
    entity::Entity::find_by_id(pass.id).one(db).await
}

/// The pass a payment bought, if it bought one.
pub async fn for_payment(
    db: &impl ConnectionTrait,
    payment_id: PaymentId,
) -> Result<Option<Pass>, DbErr> {
    entity::Entity::find()
        .filter(entity::Column::PaymentId.eq(payment_id))
        .one(db)
        .await
}

pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<Pass>, DbErr> {
    entity::Entity::find_by_id(id).one(db).await
}

/// Revokes a pass (once); `None` when there is no such pass. The store forgets it at once.
pub async fn revoke(
    db: &impl ConnectionTrait,
    store: &SharedStore,
    id: i64,
    revoked_by: &str,
) -> Result<Option<Pass>, DbErr> {
    entity::Entity::update_many()
        .col_expr(entity::Column::RevokedAt, Expr::value(Utc::now()))
        .col_expr(entity::Column::RevokedBy, Expr::value(revoked_by))
        .filter(entity::Column::Id.eq(id))
        .filter(entity::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    let pass = by_id(db, id).await?;
    if let Some(pass) = &pass {
        store.delete(&check_key(&pass.token_hash)).await;
    }
    Ok(pass)
}

/// A driver's passes, newest first; only the live ones with `active_only`.
pub async fn of_driver(
    db: &impl ConnectionTrait,
    driver_id: DriverId,
    active_only: bool,
) -> Result<Vec<Pass>, DbErr> {
    let mut query = entity::Entity::find().filter(entity::Column::DriverId.eq(driver_id));
    if active_only {
        query = query
            .filter(entity::Column::RevokedAt.is_null())
            .filter(entity::Column::ExpiresAt.gt(Utc::now()));
    }
    query.order_by_desc(entity::Column::Id).all(db).await
}

/// What the dashboard filters passes by.
#[derive(Debug, Default)]
pub struct PassFilter {
    pub driver_id: Option<DriverId>,
    pub state: Option<PassState>,
}

/// Passes for the dashboard, newest first, at most `limit`.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &PassFilter,
    limit: u64,
) -> Result<Vec<Pass>, DbErr> {
    let now = Utc::now();
    let mut query = entity::Entity::find();
    if let Some(driver_id) = filter.driver_id {
        query = query.filter(entity::Column::DriverId.eq(driver_id));
    }
    query = match filter.state {
        None => query,
        Some(PassState::Revoked) => query.filter(entity::Column::RevokedAt.is_not_null()),
        Some(PassState::Pending) => query
            .filter(entity::Column::RevokedAt.is_null())
            .filter(entity::Column::ExpiresAt.is_null()),
        Some(PassState::Active) => query
            .filter(entity::Column::RevokedAt.is_null())
            .filter(entity::Column::ExpiresAt.gt(now)),
        Some(PassState::Expired) => query
            .filter(entity::Column::RevokedAt.is_null())
            .filter(Expr::col(entity::Column::ExpiresAt).lte(now)),
    };
    query
        .order_by_desc(entity::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// A pass that may open the cabinet now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LivePass {
    pub pass_id: i64,
    pub driver_id: DriverId,
    pub expires_at: DateTime<Utc>,
}

/// What the store remembers of a token's pass for a moment: live, or not (so a forged token
/// does not reach the database on every request either).
#[derive(Serialize, Deserialize)]
enum Remembered {
    Live(LivePass),
    Refused,
}

/// The live pass behind a token's hash: the store first, then the database.
pub async fn check(
    db: &impl ConnectionTrait,
    store: &SharedStore,
    token_hash: &str,
) -> Result<Option<LivePass>, DbErr> {
    let now = Utc::now();
    let key = check_key(token_hash);
    match store.get_json::<Remembered>(&key).await {
        Some(Remembered::Live(live)) => return Ok((live.expires_at > now).then_some(live)),
        Some(Remembered::Refused) => return Ok(None),
        None => {}
    }
    let pass = entity::Entity::find()
        .filter(entity::Column::TokenHash.eq(token_hash))
        .one(db)
        .await?;
    let live = pass
        .filter(|pass| state(pass, now) == PassState::Active)
        .and_then(|pass| {
            Some(LivePass {
                pass_id: pass.id,
                driver_id: pass.driver_id,
                expires_at: pass.expires_at?,
            })
        });
    let remembered = match &live {
        Some(live) => Remembered::Live(live.clone()),
        None => Remembered::Refused,
    };
    store.set_json(&key, &remembered, CHECK_TTL).await;
    Ok(live)
}

fn check_key(token_hash: &str) -> String {
    format!("cabinet-pass:{token_hash}")
}
