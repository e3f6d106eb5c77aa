//! The optional second factor: after the password, a code from an authenticator app (RFC 6238:
//! SHA-1, six digits, 30-second steps — what every such app reads from the QR code).
//!
//! A new secret is pending until a code proves the app holds it; turning it off needs a code
//! too, and an owner may reset another admin's (a lost phone). The secret is sealed at rest, and
//! each code works once. The dashboard's routes for it are in the web layer.

use std::collections::HashSet;

use admin::wire::second_factor::SecondFactorSetup;
use chrono::Utc;
use domain::{AdminId, sealing::Sealer, settings::Resealed};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, OnConflict},
};
use totp_rs::{Algorithm, Builder, Totp};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "admin_second_factors")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub admin_id: domain::AdminId,
        /// The TOTP secret, sealed.
        pub secret: String,
        /// `None` while the setup waits for its first code.
        pub confirmed_at: Option<DateTimeUtc>,
        /// The last time step a code was accepted for.
        pub last_step: Option<i64>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

const ISSUER: &str = "Hauler";
const DIGITS: u8 = 6;
const STEP_SECONDS: u64 = 30;
/// Codes one step either side of now are accepted: phones' clocks drift.
const SKEW_STEPS: u16 = 1;
/// 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// What a login's code comes to.
#[derive(Debug, PartialEq, Eq)]
pub enum LoginCode {
    /// This admin has no second factor: the password is enough.
    NotNeeded,
    Accepted,
    Missing,
    Wrong,
}

/// At login, after the password: whether this admin needs a code, and whether `code` is right.
pub async fn check_at_login(
    db: &DatabaseConnection,
    sealer: &Sealer,
    admin_id: AdminId,
    email: &str,
    code: Option<&str>,
) -> Result<LoginCode, SecondFactorError> {
    let Some(row) = confirmed(db, admin_id).await? else {
        return Ok(LoginCode::NotNeeded);
    };
    let Some(code) = code.map(str::trim).filter(|code| !code.is_empty()) else {
        return Ok(LoginCode::Missing);
    };
    Ok(if accept(db, sealer, &row, email, code).await? {
        LoginCode::Accepted
    } else {
        LoginCode::Wrong
    })
}

/// The admins whose login asks for a code.
pub async fn enabled_for(db: &DatabaseConnection) -> Result<HashSet<AdminId>, DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::ConfirmedAt.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.admin_id)
        .collect())
}

/// Whether this admin's login asks for a code.
pub async fn is_on(db: &DatabaseConnection, admin_id: AdminId) -> Result<bool, DbErr> {
    Ok(confirmed(db, admin_id).await?.is_some())
}

/// Every stored secret re-sealed under the current key (key rotation), named
/// `admin_second_factor:<admin id>`.
pub async fn reseal_all(db: &DatabaseConnection, sealer: &Sealer) -> Result<Resealed, DbErr> {
    let mut outcome = Resealed::default();
    for row in entity::Entity::find().all(db).await? {
        let name = format!("admin_second_factor:{}", row.admin_id);
        if Sealer::key_id_of(&row.secret).is_ok_and(|id| id == sealer.current_key_id()) {
            outcome.current += 1;
            continue;
        }
        match sealer.reseal(&purpose(row.admin_id), &row.secret) {
            Ok(sealed) => {
                entity::Entity::update_many()
                    .col_expr(entity::Column::Secret, Expr::value(sealed))
                    .filter(entity::Column::AdminId.eq(row.admin_id))
                    .exec(db)
                    .await?;
                outcome.resealed.push(name);
            }
            Err(_) => outcome.unopenable.push(name),
        }
    }
    Ok(outcome)
}

fn purpose(admin_id: AdminId) -> String {
    format!("admin_second_factor:{admin_id}")
}

fn totp(secret: Vec<u8>, email: &str) -> Result<Totp, SecondFactorError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_step_duration(STEP_SECONDS)
        .with_skew(SKEW_STEPS)
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(email)
        .build()
        .map_err(|error| SecondFactorError::Broken(format!("a TOTP could not be made: {error}")))
}

async fn confirmed(
    db: &DatabaseConnection,
    admin_id: AdminId,
) -> Result<Option<entity::Model>, DbErr> {
    entity::Entity::find_by_id(admin_id)
        .filter(entity::Column::ConfirmedAt.is_not_null())
        .one(db)
        .await
}

/// Whether `code` is the one for now (give or take a step) and newer than the last one used;
/// if so, it is used up.
async fn accept(
    db: &DatabaseConnection,
    sealer: &Sealer,
    row: &entity::Model,
    email: &str,
    code: &str,
) -> Result<bool, SecondFactorError> {
    let secret = sealer
        .open(&purpose(row.admin_id), &row.secret)
        .map_err(|error| {
            SecondFactorError::Broken(format!(
                "admin {}'s second factor cannot be opened: {error}",
                row.admin_id
            ))
        })?;
    let Some(step) = totp(secret, email)?.check_current(code) else {
        return Ok(false);
    };
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    // Used up at once, and only if no code of this step or a later one was used before: two
    // logins racing with one code cannot both pass.
    let used = entity::Entity::update_many()
        .col_expr(entity::Column::LastStep, Expr::value(step))
        .filter(entity::Column::AdminId.eq(row.admin_id))
        .filter(
            Condition::any()
                .add(entity::Column::LastStep.is_null())
                .add(entity::Column::LastStep.lt(step)),
        )
        .exec(db)
        .await?;
    Ok(used.rows_affected == 1)
}

/// Why a change to a second factor was refused.
#[derive(Debug, thiserror::Error)]
pub enum SecondFactorError {
    #[error("the second factor is on already")]
    AlreadyOn,
    #[error("no second factor waits for its first code")]
    NotPending,
    #[error("the code is not the app's current one, or was used already")]
    CodeWrong,
    #[error("this admin has no second factor")]
    NotFound,
    /// A secret that cannot be opened or turned into codes: the server's fault, not the admin's.
    #[error("{0}")]
    Broken(String),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// The admin signed in as `admin_id`, known by `email` in the authenticator app.
pub struct Holder<'a> {
    pub admin_id: AdminId,
    pub email: &'a str,
}

/// A new secret, pending until [`confirm`] proves the app holds it; replaces a pending one.
pub async fn set_up(
    db: &DatabaseConnection,
    sealer: &Sealer,
    holder: Holder<'_>,
) -> Result<SecondFactorSetup, SecondFactorError> {
    if is_on(db, holder.admin_id).await? {
        return Err(SecondFactorError::AlreadyOn);
    }
    let secret: [u8; SECRET_BYTES] = rand::random();
    let totp = totp(secret.to_vec(), holder.email)?;
    let otpauth_url = totp.to_url().map_err(|error| {
        SecondFactorError::Broken(format!("the otpauth URL could not be made: {error}"))
    })?;
    let qr_svg = qrcode::QrCode::new(otpauth_url.as_bytes())
        .map_err(|error| {
            SecondFactorError::Broken(format!("the QR code could not be drawn: {error}"))
        })?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    let sealed = sealer.seal(&purpose(holder.admin_id), &secret);
    entity::Entity::insert(entity::ActiveModel {
        admin_id: Set(holder.admin_id),
        secret: Set(sealed),
        confirmed_at: Set(None),
        last_step: Set(None),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(entity::Column::AdminId)
            .update_columns([
                entity::Column::Secret,
                entity::Column::LastStep,
                entity::Column::CreatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(SecondFactorSetup {
        secret: totp.secret().to_base32(),
        otpauth_url,
        qr_svg,
    })
}

/// Turns the pending second factor on, given the app's current code.
pub async fn confirm(
    db: &DatabaseConnection,
    sealer: &Sealer,
    holder: Holder<'_>,
    code: &str,
) -> Result<(), SecondFactorError> {
    let Some(pending) = entity::Entity::find_by_id(holder.admin_id)
        .filter(entity::Column::ConfirmedAt.is_null())
        .one(db)
        .await?
    else {
        return Err(SecondFactorError::NotPending);
    };
    prove(db, sealer, &holder, &pending, code).await?;
    entity::Entity::update_many()
        .col_expr(entity::Column::ConfirmedAt, Expr::value(Utc::now()))
        .filter(entity::Column::AdminId.eq(holder.admin_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Turns the second factor off, given the app's current code; `false` when it was not on.
pub async fn disable(
    db: &DatabaseConnection,
    sealer: &Sealer,
    holder: Holder<'_>,
    code: &str,
) -> Result<bool, SecondFactorError> {
    let Some(row) = confirmed(db, holder.admin_id).await? else {
        return Ok(false);
    };
    prove(db, sealer, &holder, &row, code).await?;
    entity::Entity::delete_by_id(holder.admin_id)
        .exec(db)
        .await?;
    Ok(true)
}

/// An owner's reset of another admin's second factor (a lost phone).
pub async fn reset(db: &DatabaseConnection, admin_id: AdminId) -> Result<(), SecondFactorError> {
    let removed = entity::Entity::delete_by_id(admin_id).exec(db).await?;
    if removed.rows_affected == 0 {
        return Err(SecondFactorError::NotFound);
    }
    Ok(())
}

/// A change to the holder's own second factor needs a current code.
async fn prove(
    db: &DatabaseConnection,
    sealer: &Sealer,
    holder: &Holder<'_>,
    row: &entity::Model,
    code: &str,
) -> Result<(), SecondFactorError> {
    if accept(db, sealer, row, holder.email, code.trim()).await? {
        Ok(())
    } else {
        Err(SecondFactorError::CodeWrong)
    }
}
