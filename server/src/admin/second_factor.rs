//! The optional second factor: after the password, a code from an authenticator app (RFC 6238:
//! SHA-1, six digits, 30-second steps — what every such app reads from the QR code).
//!
//! `GET /admin/api/second-factor` tells whether it is on; `POST …/setup` makes a new secret,
//! pending until `POST …/confirm {code}` proves the app holds it; `POST …/disable {code}` turns it
//! off. An owner resets another admin's (a lost phone) with `DELETE
//! /admin/api/admins/{id}/second-factor`. The secret is sealed at rest, and each code works
//! once.

use std::collections::HashSet;

use admin::wire::second_factor::{SecondFactorCode, SecondFactorSetup, SecondFactorState};
use axum::{
    Json, Router,
    extract::{Path, State, rejection::JsonRejection},
    http::StatusCode,
    routing::{delete, get, post},
};
use chrono::Utc;
use domain::{
    audit::{self, AuditEntry},
    sealing::Sealer,
    settings::Resealed,
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, OnConflict},
};
use totp_rs::{Algorithm, Builder, Totp};

use super::{AdminDesk, AnyStaff, Owners, Staff};
use crate::http::ApiError;

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "admin_second_factors")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub admin_id: i64,
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

pub fn routes() -> Router<AdminDesk> {
    Router::new()
        .route("/admin/api/second-factor", get(state))
        .route("/admin/api/second-factor/setup", post(set_up))
        .route("/admin/api/second-factor/confirm", post(confirm))
        .route("/admin/api/second-factor/disable", post(disable))
        .route("/admin/api/admins/{id}/second-factor", delete(reset))
}

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
    admin_id: i64,
    email: &str,
    code: Option<&str>,
) -> Result<LoginCode, ApiError> {
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
pub async fn enabled_for(db: &DatabaseConnection) -> Result<HashSet<i64>, DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::ConfirmedAt.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.admin_id)
        .collect())
}

/// Whether this admin's login asks for a code.
pub async fn is_on(db: &DatabaseConnection, admin_id: i64) -> Result<bool, DbErr> {
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

fn purpose(admin_id: i64) -> String {
    format!("admin_second_factor:{admin_id}")
}

fn totp(secret: Vec<u8>, email: &str) -> Result<Totp, ApiError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_step_duration(STEP_SECONDS)
        .with_skew(SKEW_STEPS)
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(email)
        .build()
        .map_err(|error| {
            tracing::error!(%error, "a TOTP could not be made");
            ApiError::internal()
        })
}

async fn confirmed(db: &DatabaseConnection, admin_id: i64) -> Result<Option<entity::Model>, DbErr> {
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
) -> Result<bool, ApiError> {
    let secret = sealer
        .open(&purpose(row.admin_id), &row.secret)
        .map_err(|error| {
            tracing::error!(%error, admin_id = row.admin_id, "a second factor cannot be opened");
            ApiError::internal()
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

/// The refusal of a wrong (or used) code: `401` at login, `422` on the dashboard.
pub fn code_wrong(status: StatusCode) -> ApiError {
    ApiError::new(
        status,
        "second_factor_code_wrong",
        "That code is not the app's current one (or was used already)",
    )
}

/// A change to the signed-in admin's own second factor needs a current code.
async fn prove(
    desk: &AdminDesk,
    staff: &Staff<AnyStaff>,
    row: &entity::Model,
    code: &str,
) -> Result<(), ApiError> {
    if accept(
        &desk.db,
        &desk.sealer,
        row,
        &staff.session.email,
        code.trim(),
    )
    .await?
    {
        Ok(())
    } else {
        Err(code_wrong(StatusCode::UNPROCESSABLE_ENTITY))
    }
}

async fn audit_change(desk: &AdminDesk, staff: &Staff<impl Send>, action: &str, object: i64) {
    audit::record(
        &desk.db,
        AuditEntry {
            actor: &staff.actor(),
            action,
            object: Some(&format!("admin:{object}")),
            details: None,
            client_addr: staff.client_addr.as_deref(),
        },
    )
    .await;
}

async fn state(
    State(desk): State<AdminDesk>,
    staff: Staff<AnyStaff>,
) -> Result<Json<SecondFactorState>, ApiError> {
    let enabled = is_on(&desk.db, staff.session.admin_id).await?;
    Ok(Json(SecondFactorState { enabled }))
}

async fn set_up(
    State(desk): State<AdminDesk>,
    staff: Staff<AnyStaff>,
) -> Result<Json<SecondFactorSetup>, ApiError> {
    let admin_id = staff.session.admin_id;
    if is_on(&desk.db, admin_id).await? {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "second_factor_enabled",
            "The second factor is on already: turn it off first to move it to another app",
        ));
    }
    let secret: [u8; SECRET_BYTES] = rand::random();
    let totp = totp(secret.to_vec(), &staff.session.email)?;
    let otpauth_url = totp.to_url().map_err(|error| {
        tracing::error!(%error, "the otpauth URL could not be made");
        ApiError::internal()
    })?;
    let qr_svg = qrcode::QrCode::new(otpauth_url.as_bytes())
        .map_err(|error| {
            tracing::error!(%error, "the QR code could not be drawn");
            ApiError::internal()
        })?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    let sealed = desk.sealer.seal(&purpose(admin_id), &secret);
    entity::Entity::insert(entity::ActiveModel {
        admin_id: Set(admin_id),
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
    .exec_without_returning(&desk.db)
    .await?;
    Ok(Json(SecondFactorSetup {
        secret: totp.secret().to_base32(),
        otpauth_url,
        qr_svg,
    }))
}

async fn confirm(
    State(desk): State<AdminDesk>,
    staff: Staff<AnyStaff>,
    body: Result<Json<SecondFactorCode>, JsonRejection>,
) -> Result<Json<SecondFactorState>, ApiError> {
    let Json(SecondFactorCode { code }) = body.map_err(ApiError::bad_body)?;
    let admin_id = staff.session.admin_id;
    let Some(pending) = entity::Entity::find_by_id(admin_id)
        .filter(entity::Column::ConfirmedAt.is_null())
        .one(&desk.db)
        .await?
    else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "second_factor_not_pending",
            "Set the second factor up first",
        ));
    };
    prove(&desk, &staff, &pending, &code).await?;
    entity::Entity::update_many()
        .col_expr(entity::Column::ConfirmedAt, Expr::value(Utc::now()))
        .filter(entity::Column::AdminId.eq(admin_id))
        .exec(&desk.db)
        .await?;
    audit_change(&desk, &staff, "admin.second_factor_enabled", admin_id).await;
    Ok(Json(SecondFactorState { enabled: true }))
}

async fn disable(
    State(desk): State<AdminDesk>,
    staff: Staff<AnyStaff>,
    body: Result<Json<SecondFactorCode>, JsonRejection>,
) -> Result<Json<SecondFactorState>, ApiError> {
    let Json(SecondFactorCode { code }) = body.map_err(ApiError::bad_body)?;
    let admin_id = staff.session.admin_id;
    let Some(row) = confirmed(&desk.db, admin_id).await? else {
        return Ok(Json(SecondFactorState { enabled: false }));
    };
    prove(&desk, &staff, &row, &code).await?;
    entity::Entity::delete_by_id(admin_id)
        .exec(&desk.db)
        .await?;
    audit_change(&desk, &staff, "admin.second_factor_disabled", admin_id).await;
    Ok(Json(SecondFactorState { enabled: false }))
}

async fn reset(
    State(desk): State<AdminDesk>,
    staff: Staff<Owners>,
    Path(admin_id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let removed = entity::Entity::delete_by_id(admin_id)
        .exec(&desk.db)
        .await?;
    if removed.rows_affected == 0 {
        return Err(ApiError::not_found(
            "second_factor_not_found",
            "This admin has no second factor",
        ));
    }
    audit_change(&desk, &staff, "admin.second_factor_reset", admin_id).await;
    Ok(StatusCode::NO_CONTENT)
}
