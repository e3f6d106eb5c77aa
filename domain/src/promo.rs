//! Promo codes: what a code gives, when it is valid, how often it may be used. A use is taken in
//! one transaction that inserts the driver's use (a unique key: once per driver) and bumps the
//! count only while it is under the limit (a conditional update: twenty drivers racing for the
//! last use leave exactly one winner).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use app::subscription::{PromoBenefit, is_valid_promo_code, normalize_promo_code};

use crate::{DriverId, PaymentId, PromoId};

pub mod guesses;

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "promo_codes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub code: String,
        pub kind: String,
        pub value: i64,
        pub valid_from: Option<DateTimeUtc>,
        pub valid_until: Option<DateTimeUtc>,
        pub max_uses: Option<i32>,
        pub used_count: i32,
        pub active: bool,
        pub campaign: Option<String>,
        pub created_by: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod uses {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "promo_uses")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub promo_code_id: i64,
        pub driver_id: i64,
        pub payment_id: Option<i64>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromoCode {
    pub id: PromoId,
    pub code: String,
    pub benefit: PromoBenefit,
}

/// Why a code does not apply; the web layer gives each its stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PromoRefusal {
    #[error("no such promo code")]
    Unknown,
    #[error("the promo code is not valid yet")]
    NotYetValid,
    #[error("the promo code has expired")]
    Expired,
    #[error("the promo code has no uses left")]
    UsedUp,
    #[error("the driver has used the promo code already")]
    AlreadyUsedByYou,
}

pub struct NewPromoCode {
    pub code: String,
    pub benefit: PromoBenefit,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub max_uses: Option<u32>,
    pub campaign: Option<String>,
    pub created_by: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error("a promo code holds 3 to 32 letters, digits, `-` or `_`")]
    InvalidCode,
    #[error("the promo code {0} exists already")]
    Duplicate(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Within a transaction too (a campaign's batch is made in one).
pub async fn create(
    db: &impl ConnectionTrait,
    new: NewPromoCode,
) -> Result<PromoCode, CreateError> {
    let code = normalize_promo_code(&new.code);
    if !is_valid_promo_code(&code) {
        return Err(CreateError::InvalidCode);
    }
    let row = entity::ActiveModel {
        code: Set(code.clone()),
        kind: Set(new.benefit.kind().to_owned()),
        value: Set(i64::try_from(new.benefit.value()).unwrap_or(i64::MAX)),
        valid_from: Set(new.valid_from),
        valid_until: Set(new.valid_until),
        max_uses: Set(new
            .max_uses
            .map(|uses| i32::try_from(uses).unwrap_or(i32::MAX))),
        used_count: Set(0),
        active: Set(true),
        campaign: Set(new.campaign),
        created_by: Set(new.created_by),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    let inserted = entity::Entity::insert(row)
        .on_conflict(
            OnConflict::column(entity::Column::Code)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    if inserted == 0 {
        return Err(CreateError::Duplicate(code));
    }
    find(db, &code).await?.ok_or(CreateError::InvalidCode)
}

async fn find(db: &impl ConnectionTrait, code: &str) -> Result<Option<PromoCode>, DbErr> {
    Ok(row(db, code).await?.and_then(to_promo))
}

async fn row(db: &impl ConnectionTrait, code: &str) -> Result<Option<entity::Model>, DbErr> {
    entity::Entity::find()
        .filter(entity::Column::Code.eq(normalize_promo_code(code)))
        .one(db)
        .await
}

fn to_promo(row: entity::Model) -> Option<PromoCode> {
    let benefit = PromoBenefit::from_parts(&row.kind, std::cmp::max(row.value, 0) as u64)?;
    Some(PromoCode {
        id: row.id.into(),
        code: row.code,
        benefit,
    })
}

/// Whether the code applies for this driver now, without using it.
pub async fn check(
    db: &impl ConnectionTrait,
    code: &str,
    driver_id: DriverId,
) -> Result<Result<PromoCode, PromoRefusal>, DbErr> {
    let Some(row) = row(db, code).await? else {
        return Ok(Err(PromoRefusal::Unknown));
    };
    let now = Utc::now();
    let refusal = if !row.active {
        Some(PromoRefusal::Unknown)
    } else if row.valid_from.is_some_and(|from| from > now) {
        Some(PromoRefusal::NotYetValid)
    } else if row.valid_until.is_some_and(|until| until <= now) {
        Some(PromoRefusal::Expired)
    } else if uses::Entity::find()
        .filter(uses::Column::PromoCodeId.eq(row.id))
        .filter(uses::Column::DriverId.eq(driver_id))
        .one(db)
        .await?
        .is_some()
    {
        Some(PromoRefusal::AlreadyUsedByYou)
    } else if row.max_uses.is_some_and(|max| row.used_count >= max) {
        Some(PromoRefusal::UsedUp)
    } else {
        None
    };
    match refusal {
        Some(refusal) => Ok(Err(refusal)),
        None => Ok(to_promo(row).ok_or(PromoRefusal::Unknown)),
    }
}

/// Checks the code and takes one use of it for the driver, for `payment_id` if it comes with a
/// purchase. All or nothing: a refused code leaves no trace.
pub async fn take_use(
    db: &DatabaseConnection,
    code: &str,
    driver_id: DriverId,
    payment_id: Option<PaymentId>,
) -> Result<Result<PromoCode, PromoRefusal>, DbErr> {
    let promo = match check(db, code, driver_id).await? {
        Ok(promo) => promo,
        Err(refusal) => return Ok(Err(refusal)),
    };
    // Writes come first in the transaction: on SQLite it then holds the write lock from its
    // start, rather than failing to upgrade a read under contention.
    let txn = db.begin().await?;
    let inserted = uses::Entity::insert(uses::ActiveModel {
        promo_code_id: Set(promo.id.into()),
        driver_id: Set(driver_id.into()),
        payment_id: Set(payment_id.map(i64::from)),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([uses::Column::PromoCodeId, uses::Column::DriverId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        return Ok(Err(PromoRefusal::AlreadyUsedByYou));
    }
    let counted = entity::Entity::update_many()
        .col_expr(
            entity::Column::UsedCount,
            Expr::col(entity::Column::UsedCount).add(1),
        )
        .filter(entity::Column::Id.eq(promo.id))
        .filter(
            Condition::any()
                .add(entity::Column::MaxUses.is_null())
                .add(Expr::col(entity::Column::UsedCount).lt(Expr::col(entity::Column::MaxUses))),
        )
        .exec(&txn)
        .await?
        .rows_affected;
    if counted == 0 {
        return Ok(Err(PromoRefusal::UsedUp));
    }
    txn.commit().await?;
    Ok(Ok(promo))
}

/// Gives a use back (its payment was canceled), so the driver may use the code again.
pub async fn give_back(
    db: &DatabaseConnection,
    promo_id: PromoId,
    driver_id: DriverId,
) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    let removed = uses::Entity::delete_many()
        .filter(uses::Column::PromoCodeId.eq(promo_id))
        .filter(uses::Column::DriverId.eq(driver_id))
        .exec(&txn)
        .await?
        .rows_affected;
    if removed > 0 {
        entity::Entity::update_many()
            .col_expr(
                entity::Column::UsedCount,
                Expr::col(entity::Column::UsedCount).sub(1),
            )
            .filter(entity::Column::Id.eq(promo_id))
            .filter(entity::Column::UsedCount.gt(0))
            .exec(&txn)
            .await?;
    }
    txn.commit().await
}

/// How many times the code has been used (for the admin's view and the tests).
pub async fn used_count(db: &impl ConnectionTrait, code: &str) -> Result<Option<u32>, DbErr> {
    Ok(row(db, code)
        .await?
        .map(|row| std::cmp::max(row.used_count, 0) as u32))
}

/// Characters nobody misreads from a screen or a flyer: no `0`/`O`, `1`/`I`/`L`.
const UNAMBIGUOUS: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Random characters in a generated code: 31¹³ ≈ 2⁶⁴, so that codes cannot be guessed.
const RANDOM_CHARACTERS: usize = 13;

/// How the random part is grouped for reading aloud and typing: `7K3Q9-XM2P-A4TZ`.
const GROUPS: [usize; 3] = [5, 4, 4];

/// The longest prefix a generated code may have: the code stays within 32 characters.
pub const MAX_PREFIX: usize = 32 - RANDOM_CHARACTERS - GROUPS.len();

/// A random code for a campaign: `<PREFIX>-` and thirteen unambiguous characters in three groups,
/// e.g. `LETO-7K3Q9-XM2P-A4TZ`.
pub fn random_code(prefix: &str) -> String {
    let mut characters = (0..RANDOM_CHARACTERS)
        .map(|_| UNAMBIGUOUS[rand::random_range(0..UNAMBIGUOUS.len())] as char);
    let tail = GROUPS
        .iter()
        .map(|&size| characters.by_ref().take(size).collect::<String>())
        .collect::<Vec<_>>()
        .join("-");
    let prefix = normalize_promo_code(prefix);
    if prefix.is_empty() {
        tail
    } else {
        format!("{prefix}-{tail}")
    }
}

/// A code's row, as stored (for the admin dashboard).
pub async fn stored(db: &impl ConnectionTrait, code: &str) -> Result<Option<entity::Model>, DbErr> {
    row(db, code).await
}

/// Switches a code on or off; `None` when there is no such code.
pub async fn set_active(
    db: &impl ConnectionTrait,
    code: &str,
    active: bool,
) -> Result<Option<entity::Model>, DbErr> {
    let code = normalize_promo_code(code);
    entity::Entity::update_many()
        .col_expr(entity::Column::Active, Expr::value(active))
        .filter(entity::Column::Code.eq(code.as_str()))
        .exec(db)
        .await?;
    row(db, &code).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_random_code_is_valid_readable_and_cannot_be_guessed() {
        let code = random_code("leto");
        assert!(code.starts_with("LETO-"), "{code}");
        assert!(is_valid_promo_code(&code), "{code}");
        let groups: Vec<&str> = code["LETO-".len()..].split('-').collect();
        assert_eq!(groups.iter().map(|g| g.len()).collect::<Vec<_>>(), GROUPS);
        let random: String = groups.concat();
        assert!(random.bytes().all(|b| UNAMBIGUOUS.contains(&b)), "{code}");
        let bits = random.len() as f64 * (UNAMBIGUOUS.len() as f64).log2();
        assert!(bits >= 60.0, "{bits} bits");
    }

    #[test]
    fn the_alphabet_holds_no_character_twice_and_none_to_misread() {
        let mut letters = UNAMBIGUOUS.to_vec();
        letters.sort();
        letters.dedup();
        assert_eq!(letters.len(), UNAMBIGUOUS.len());
        assert!(!UNAMBIGUOUS.iter().any(|b| b"01ILO".contains(b)));
    }

    #[test]
    fn the_longest_prefix_still_makes_a_valid_code() {
        let code = random_code(&"P".repeat(MAX_PREFIX));
        assert_eq!(code.chars().count(), 32);
        assert!(is_valid_promo_code(&code), "{code}");
        assert!(is_valid_promo_code(&random_code("")));
    }
}
