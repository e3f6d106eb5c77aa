//! The plans and promo codes page's API. Any staff reads; admins change, and every change is in
//! the audit log with what was before and after.
//!
//! - `GET /admin/api/plans`, `POST /admin/api/plans`, `PUT /admin/api/plans/{id}`
//! - `GET /admin/api/promo` (`?campaign=`, `?code=`), `POST /admin/api/promo`,
//!   `POST /admin/api/promo/batch`, `PUT /admin/api/promo/{code}` (switch on or off)
//! - `GET /admin/api/promo/guesses`: who tried codes that do not exist, and how often

use admin::wire::ErrorBody;
use std::collections::HashMap;

use admin::wire::promo::{
    NewPromo, PlanInput, PlanView, PromoBatch, PromoChange, PromoGuesser, PromoGuesses, PromoView,
};
use app::subscription::{PromoBenefit, is_valid_promo_code, normalize_promo_code};
use axum::{
    Json, Router,
    extract::{Path, Query, State, rejection::QueryRejection},
    http::StatusCode,
    routing::{get, put},
};
use chrono::{DateTime, NaiveDate, Utc};
use domain::{
    PlanId, drivers,
    plans::{self, PlanRow, PlanTerms, Subscriptions},
    promo::{self, CreateError, NewPromoCode},
};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait, sea_query::Expr,
};
use serde::Deserialize;
use serde_json::json;

use super::{
    AdminDesk, Admins, AnyStaff, Staff,
    audited::record_change as record,
    plans::{PlanList, Typed},
};
use crate::web::{
    ApiError, ErrorCode, Fault,
    extract::{JsonBody, PathId},
};

pub fn routes() -> Router<AdminDesk> {
    Router::new()
        .route("/admin/api/plans", get(list_plans).post(create_plan))
        .route("/admin/api/plans/{id}", put(edit_plan))
        .route("/admin/api/promo", get(list_promo).post(create_promo))
        .route("/admin/api/promo/batch", axum::routing::post(create_batch))
        .route("/admin/api/promo/guesses", get(guesses))
        .route("/admin/api/promo/{code}", put(switch_promo))
}

// ---- Plans ----

/// The subscription's plans: a day to ten years.
const PLANS: PlanList = PlanList {
    longest: 3650,
    length_refusal: "A plan lasts 1 to 3650 days",
    created: "plan.created",
    changed: "plan.changed",
    object: "plan",
};

fn plan_view(row: PlanRow) -> PlanView {
    PlanView {
        id: row.id,
        days: row.length,
        price_kopecks: row.price_kopecks,
        stars_price: row.stars_price,
        active: row.active,
        position: row.position,
    }
}

fn plan_terms(input: &PlanInput) -> Result<PlanTerms, ApiError> {
    PLANS.terms(Typed {
        length: input.days,
        price_kopecks: input.price_kopecks,
        stars_price: input.stars_price,
        active: input.active,
        position: input.position,
    })
}

#[utoipa::path(get, path = "/admin/api/plans", tag = "money", operation_id = "plans",
    responses((status = 200, description = "Every plan, on sale or not, in the paywall's order (any staff)", body = Vec<PlanView>)),
    security(("admin_session" = [])))]
async fn list_plans(
    State(db): State<DatabaseConnection>,
    _staff: Staff<AnyStaff>,
) -> Result<Json<Vec<PlanView>>, ApiError> {
    let rows = plans::all::<Subscriptions>(&db).await?;
    Ok(Json(rows.into_iter().map(plan_view).collect()))
}

#[utoipa::path(post, path = "/admin/api/plans", tag = "money", operation_id = "create_plan", request_body = PlanInput,
    responses(
        (status = 201, description = "The new plan (admins; audited)", body = PlanView),
        (status = 422, description = "`invalid_value`: 1 to 3650 days, 100 to 100000000 kopecks, 1 to 1000000 stars or none", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn create_plan(
    State(db): State<DatabaseConnection>,
    staff: Staff<Admins>,
    JsonBody(input): JsonBody<PlanInput>,
) -> Result<(StatusCode, Json<PlanView>), ApiError> {
    let terms = plan_terms(&input)?;
    let created = PLANS
        .create::<Subscriptions, _>(&db, &staff, terms, plan_view)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(put, path = "/admin/api/plans/{id}", tag = "money", operation_id = "edit_plan", request_body = PlanInput,
    params(("id" = i64, Path, minimum = 1, description = "The plan's id")),
    responses(
        (status = 200, description = "The plan as changed; payments already made keep their terms (admins; audited)", body = PlanView),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`plan_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_value`: 1 to 3650 days, 100 to 100000000 kopecks, 1 to 1000000 stars or none", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn edit_plan(
    State(db): State<DatabaseConnection>,
    staff: Staff<Admins>,
    PathId(id): PathId<PlanId>,
    JsonBody(input): JsonBody<PlanInput>,
) -> Result<Json<PlanView>, ApiError> {
    let terms = plan_terms(&input)?;
    let changed = PLANS
        .edit::<Subscriptions, _>(&db, &staff, id.into(), terms, plan_view)
        .await?;
    Ok(Json(changed))
}

// ---- Promo codes ----

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
struct PromoQuery {
    /// The campaign, exactly.
    campaign: Option<String>,
    /// A part of the code, in any case.
    code: Option<String>,
}

const LIST_LIMIT: u64 = 1000;

async fn views(
    db: &DatabaseConnection,
    rows: Vec<promo::entity::Model>,
) -> Result<Vec<PromoView>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let uses: HashMap<i64, i64> = if ids.is_empty() {
        HashMap::new()
    } else {
        promo::uses::Entity::find()
            .select_only()
            .column(promo::uses::Column::PromoCodeId)
            .column_as(Expr::cust("COUNT(*)"), "uses")
            .filter(promo::uses::Column::PromoCodeId.is_in(ids))
            .group_by(promo::uses::Column::PromoCodeId)
            .into_tuple::<(i64, i64)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|row| PromoView {
            uses: uses.get(&row.id).copied().unwrap_or(0),
            id: row.id,
            code: row.code,
            kind: row.kind,
            value: row.value,
            valid_from: row.valid_from.map(|at| at.to_rfc3339()),
            valid_until: row.valid_until.map(|at| at.to_rfc3339()),
            max_uses: row.max_uses,
            used_count: row.used_count,
            active: row.active,
            campaign: row.campaign,
            created_by: row.created_by,
            created_at: row.created_at.to_rfc3339(),
        })
        .collect())
}

#[utoipa::path(get, path = "/admin/api/promo", tag = "money", operation_id = "promo_codes", params(PromoQuery),
    responses((status = 200, description = "Promo codes, newest first (1000 at most), with their uses (any staff)", body = Vec<PromoView>)),
    security(("admin_session" = [])))]
async fn list_promo(
    State(db): State<DatabaseConnection>,
    _staff: Staff<AnyStaff>,
    query: Result<Query<PromoQuery>, QueryRejection>,
) -> Result<Json<Vec<PromoView>>, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    let mut select = promo::entity::Entity::find();
    if let Some(campaign) = query
        .campaign
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        select = select.filter(promo::entity::Column::Campaign.eq(campaign));
    }
    if let Some(code) = query
        .code
        .as_deref()
        .map(normalize_promo_code)
        .filter(|c| !c.is_empty())
    {
        select = select.filter(promo::entity::Column::Code.contains(code));
    }
    let rows = select
        .order_by_desc(promo::entity::Column::CreatedAt)
        .order_by_desc(promo::entity::Column::Id)
        .limit(LIST_LIMIT)
        .all(&db)
        .await?;
    Ok(Json(views(&db, rows).await?))
}

/// A date as the form sends it (`YYYY-MM-DD`, UTC) or RFC 3339. A last day counts whole. An
/// empty or padded one is not a date: the form sends none for an empty field.
fn moment(text: &Option<String>, last_day: bool) -> Result<Option<DateTime<Utc>>, ApiError> {
    let Some(text) = text.as_deref() else {
        return Ok(None);
    };
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let date = if last_day {
            date.succ_opt()
        } else {
            Some(date)
        };
        if let Some(midnight) = date.and_then(|d| d.and_hms_opt(0, 0, 0)) {
            return Ok(Some(midnight.and_utc()));
        }
    }
    DateTime::parse_from_rfc3339(text)
        .map(|at| Some(at.with_timezone(&Utc)))
        .map_err(|_| {
            ErrorCode::InvalidDate(Fault::Unacceptable).with_message("Dates are written YYYY-MM-DD")
        })
}

/// What every code of a request shares: the benefit, the period, the limit, the campaign.
struct Terms {
    benefit: PromoBenefit,
    valid_from: Option<DateTime<Utc>>,
    valid_until: Option<DateTime<Utc>>,
    max_uses: Option<u32>,
    campaign: Option<String>,
}

fn terms(
    kind: &str,
    value: u64,
    valid_from: &Option<String>,
    valid_until: &Option<String>,
    max_uses: Option<u32>,
    campaign: Option<&str>,
) -> Result<Terms, ApiError> {
    if !["extra_days", "percent_off", "amount_off", "free_days"].contains(&kind) {
        return Err(ApiError::from(ErrorCode::InvalidKind));
    }
    let benefit = PromoBenefit::from_parts(kind, value)
        .filter(|benefit| match benefit {
            PromoBenefit::ExtraDays(days) | PromoBenefit::FreeDays(days) => *days <= 3650,
            PromoBenefit::AmountOff(kopecks) => *kopecks <= 100_000_000,
            PromoBenefit::PercentOff(_) => true,
        })
        .ok_or_else(|| {
            ErrorCode::InvalidValue
                .with_message("Days are 1 to 3650, percent 1 to 100, an amount above zero")
        })?;
    let valid_from = moment(valid_from, false)?;
    let valid_until = moment(valid_until, true)?;
    if let (Some(from), Some(until)) = (valid_from, valid_until)
        && until <= from
    {
        return Err(ApiError::from(ErrorCode::InvalidPeriod));
    }
    if max_uses == Some(0) {
        return Err(ErrorCode::InvalidValue.with_message("A limit of uses is at least 1, or none"));
    }
    let campaign = campaign.map(str::trim).filter(|c| !c.is_empty());
    if campaign.is_some_and(|c| c.chars().count() > 60) {
        return Err(ApiError::from(ErrorCode::InvalidCampaign));
    }
    Ok(Terms {
        benefit,
        valid_from,
        valid_until,
        max_uses,
        campaign: campaign.map(str::to_owned),
    })
}

fn new_code(code: String, terms: &Terms, staff: &Staff<Admins>) -> NewPromoCode {
    NewPromoCode {
        code,
        benefit: terms.benefit,
        valid_from: terms.valid_from,
        valid_until: terms.valid_until,
        max_uses: terms.max_uses,
        campaign: terms.campaign.clone(),
        created_by: staff.actor(),
    }
}

fn create_refusal(error: CreateError) -> ApiError {
    match error {
        CreateError::InvalidCode => ApiError::from(ErrorCode::InvalidCode),
        CreateError::Duplicate(code) => {
            ErrorCode::DuplicateCode.with_message(format!("The promo code {code} exists already"))
        }
        CreateError::Database(error) => error.into(),
    }
}

async fn view_of(db: &DatabaseConnection, code: &str) -> Result<PromoView, ApiError> {
    let row = promo::stored(db, code)
        .await?
        .ok_or_else(|| ApiError::from(ErrorCode::PromoNotFound))?;
    views(db, vec![row])
        .await?
        .pop()
        .ok_or_else(ApiError::internal)
}

#[utoipa::path(post, path = "/admin/api/promo", tag = "money", operation_id = "create_promo", request_body = NewPromo,
    responses(
        (status = 201, description = "The new code, in capitals (admins; audited)", body = PromoView),
        (status = 409, description = "`duplicate_code`", body = ErrorBody),
        (status = 422, description = "`invalid_code` (3 to 32 letters, digits, `-` or `_`), `invalid_kind`, `invalid_value` (days 1 to 3650, percent 1 to 100, an amount 1 to 100000000 kopecks; a limit of uses from 1), `invalid_date`, `invalid_period` (it must end after it starts) or `invalid_campaign` (at most 60 characters)", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn create_promo(
    State(db): State<DatabaseConnection>,
    staff: Staff<Admins>,
    JsonBody(new): JsonBody<NewPromo>,
) -> Result<(StatusCode, Json<PromoView>), ApiError> {
    let terms = terms(
        &new.kind,
        new.value,
        &new.valid_from,
        &new.valid_until,
        new.max_uses,
        new.campaign.as_deref(),
    )?;
    let created = promo::create(&db, new_code(new.code, &terms, &staff))
        .await
        .map_err(create_refusal)?;
    let view = view_of(&db, &created.code).await?;
    record(
        &db,
        &staff,
        "promo.created",
        &format!("promo:{}", view.code),
        serde_json::Value::Null,
        json!(view),
    )
    .await;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(post, path = "/admin/api/promo/batch", tag = "money", operation_id = "create_promo_batch", request_body = PromoBatch,
    responses(
        (status = 201, description = "The new codes, `<PREFIX>-XXXXX-XXXX-XXXX` (admins; audited)", body = Vec<PromoView>),
        (status = 422, description = "`invalid_count` (1 to 1000), `invalid_campaign` (1 to 60 characters), `invalid_code` (a prefix of up to 16 letters, digits, `-` or `_`), `invalid_kind`, `invalid_value`, `invalid_date` or `invalid_period`", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn create_batch(
    State(db): State<DatabaseConnection>,
    staff: Staff<Admins>,
    JsonBody(batch): JsonBody<PromoBatch>,
) -> Result<(StatusCode, Json<Vec<PromoView>>), ApiError> {
    if !(1..=PromoBatch::MAX_COUNT).contains(&batch.count) {
        return Err(ErrorCode::InvalidCount.with_message(format!(
            "A batch holds 1 to {} codes",
            PromoBatch::MAX_COUNT
        )));
    }
    if batch.campaign.trim().is_empty() {
        return Err(ErrorCode::InvalidCampaign.with_message("A batch belongs to a campaign"));
    }
    let terms = terms(
        &batch.kind,
        batch.value,
        &batch.valid_from,
        &batch.valid_until,
        batch.max_uses,
        Some(&batch.campaign),
    )?;
    let prefix = normalize_promo_code(batch.prefix.as_deref().unwrap_or(&batch.campaign));
    // The prefix and the random part must still make a valid code.
    if prefix.chars().count() > promo::MAX_PREFIX || !is_valid_promo_code(&format!("{prefix}-X")) {
        return Err(ErrorCode::InvalidCode.with_message(format!(
            "A prefix holds up to {} letters, digits, - or _",
            promo::MAX_PREFIX
        )));
    }
    // One transaction: a thousand codes and their audit entries are written at once (one by one,
    // each its own commit, they took over ten seconds on SQLite), or none are.
    let txn = db.begin().await?;
    let mut codes = Vec::with_capacity(batch.count as usize);
    for _ in 0..batch.count {
        // 31¹³ codes per prefix: a clash is all but impossible, and retried.
        let mut attempts = 0;
        let created = loop {
            attempts += 1;
            match promo::create(&txn, new_code(promo::random_code(&prefix), &terms, &staff)).await {
                Err(CreateError::Duplicate(_)) if attempts < 10 => continue,
                other => break other.map_err(create_refusal)?,
            }
        };
        record(
            &txn,
            &staff,
            "promo.created",
            &format!("promo:{}", created.code),
            serde_json::Value::Null,
            json!({"campaign": terms.campaign, "kind": terms.benefit.kind(), "value": terms.benefit.value()}),
        )
        .await;
        codes.push(created.code);
    }
    txn.commit().await?;
    let rows = promo::entity::Entity::find()
        .filter(promo::entity::Column::Code.is_in(codes))
        .order_by_asc(promo::entity::Column::Id)
        .all(&db)
        .await?;
    Ok((StatusCode::CREATED, Json(views(&db, rows).await?)))
}

#[utoipa::path(put, path = "/admin/api/promo/{code}", tag = "money", operation_id = "switch_promo", request_body = PromoChange,
    params(("code" = String, Path, description = "The code, as the list gives it")),
    responses(
        (status = 200, description = "Switched on or off (admins; audited)", body = PromoView),
        (status = 404, description = "`promo_not_found`", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn switch_promo(
    State(db): State<DatabaseConnection>,
    staff: Staff<Admins>,
    Path(code): Path<String>,
    JsonBody(change): JsonBody<PromoChange>,
) -> Result<Json<PromoView>, ApiError> {
    let before = view_of(&db, &code).await?;
    promo::set_active(&db, &code, change.active).await?;
    let after = view_of(&db, &code).await?;
    record(
        &db,
        &staff,
        "promo.changed",
        &format!("promo:{}", after.code),
        json!({"active": before.active}),
        json!({"active": after.active}),
    )
    .await;
    Ok(Json(after))
}

#[utoipa::path(get, path = "/admin/api/promo/guesses", tag = "money", operation_id = "promo_guesses",
    responses((status = 200, description = "Who tried promo codes that do not exist, most first (50 drivers at most), and how many were tried in all (any staff)", body = PromoGuesses)),
    security(("admin_session" = [])))]
async fn guesses(
    State(db): State<DatabaseConnection>,
    _staff: Staff<AnyStaff>,
) -> Result<Json<PromoGuesses>, ApiError> {
    let (guessers, total) = promo::guesses::top(&db, PromoGuesses::TOP).await?;
    let ids: Vec<i64> = guessers.iter().map(|g| i64::from(g.driver_id)).collect();
    let profiles: HashMap<i64, drivers::entity::Model> = drivers::entity::Entity::find()
        .filter(drivers::entity::Column::Id.is_in(ids))
        .all(&db)
        .await?
        .into_iter()
        .map(|driver| (driver.id, driver))
        .collect();
    let drivers = guessers
        .into_iter()
        .filter_map(|guesser| {
            let profile = profiles.get(&i64::from(guesser.driver_id))?;
            Some(PromoGuesser {
                driver_id: profile.id,
                telegram_id: profile.telegram_id,
                name: profile.first_name.clone(),
                username: profile.username.clone(),
                wrong: guesser.wrong,
                last_code: guesser.last_code,
                last_at: guesser.last_at.to_rfc3339(),
            })
        })
        .collect();
    Ok(Json(PromoGuesses { total, drivers }))
}
