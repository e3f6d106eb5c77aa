//! The cabinet page's API: passes (issue, revoke, list and filter), their plans (priced by
//! admins, like the subscription plans), the audited cabinet sessions, and the path policy. Any
//! staff reads; admins change, and every change is in the audit log.
//!
//! - `GET /admin/api/passes` (`?driver_id=`, `?state=pending|active|expired|revoked`),
//!   `POST /admin/api/passes`, `POST /admin/api/passes/{id}/revoke`
//! - `GET /admin/api/pass-plans`, `POST /admin/api/pass-plans`, `PUT /admin/api/pass-plans/{id}`
//! - `GET /admin/api/cabinet/sessions` (`?pass_id=`)
//! - `GET /admin/api/cabinet/policy`, `POST /admin/api/cabinet/policy`,
//!   `DELETE /admin/api/cabinet/policy/{id}`

use admin::wire::ErrorBody;
use admin::wire::cabinet::{
    CabinetSessionRow, IssuedPass, PassGrant, PassPlanInput, PassPlanRow, PassRow, PolicyRuleInput,
    PolicyRuleRow,
};
use app::cabinet::PassState;
use axum::{
    Json, Router,
    extract::{Query, State, rejection::QueryRejection},
    http::StatusCode,
    routing::{delete, get, post, put},
};
use chrono::Utc;
use domain::{
    DriverId,
    cabinet::{
        passes::{self, Pass, PassFilter},
        plans::Passes,
        policy, sessions,
    },
    drivers,
    plans::{self, PlanRow, PlanTerms},
    store::SharedStore,
};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use serde_json::json;

use super::{
    AdminDesk, Admins, AnyStaff, Staff,
    audited::record,
    plans::{PlanList, Typed},
};
use crate::web::{
    ApiError, ErrorCode,
    extract::{JsonBody, PathId},
};

/// The most rows a list answers with.
const LIST_LIMIT: u64 = 500;
/// The longest pass an admin may give: a year.
const MAX_HOURS: u32 = 24 * 366;

pub fn routes() -> Router<AdminDesk> {
    Router::new()
        .route("/admin/api/passes", get(list_passes).post(grant))
        .route("/admin/api/passes/{id}/revoke", post(revoke))
        .route("/admin/api/pass-plans", get(list_plans).post(create_plan))
        .route("/admin/api/pass-plans/{id}", put(edit_plan))
        .route("/admin/api/cabinet/sessions", get(list_sessions))
        .route("/admin/api/cabinet/policy", get(list_rules).post(add_rule))
        .route("/admin/api/cabinet/policy/{id}", delete(remove_rule))
}

fn pass_row(pass: &Pass) -> PassRow {
    let state = match passes::state(pass, Utc::now()) {
        PassState::Pending => "pending",
        PassState::Active => "active",
        PassState::Expired => "expired",
        PassState::Revoked => "revoked",
    };
    PassRow {
        id: pass.id,
        driver_id: pass.driver_id.into(),
        hours: pass.hours.max(0) as u32,
        state: state.into(),
        issued_by: pass.issued_by.clone(),
        created_at: pass.created_at.to_rfc3339(),
        expires_at: pass.expires_at.map(|at| at.to_rfc3339()),
        revoked_at: pass.revoked_at.map(|at| at.to_rfc3339()),
        revoked_by: pass.revoked_by.clone(),
        payment_id: pass.payment_id.map(Into::into),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PassQuery {
    /// Only this driver's passes.
    driver_id: Option<i64>,
    /// `pending` (not used yet), `active`, `expired` or `revoked`; empty is every state.
    #[param(pattern = r"^(pending|active|expired|revoked)?$")]
    state: Option<String>,
}

#[utoipa::path(get, path = "/admin/api/passes", tag = "cabinet", operation_id = "passes", params(PassQuery),
    responses(
        (status = 200, description = "Up to 500 passes the filter matches, newest first, never their tokens (any staff)", body = Vec<PassRow>),
        (status = 400, description = "`invalid_state`: the state is one of pending, active, expired, revoked", body = ErrorBody),
    ),
    security(("admin_session" = [])))]
async fn list_passes(
    State(db): State<DatabaseConnection>,
    _staff: Staff<AnyStaff>,
    query: Result<Query<PassQuery>, QueryRejection>,
) -> Result<Json<Vec<PassRow>>, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    let state = match query.state.as_deref() {
        None | Some("") => None,
        Some("pending") => Some(PassState::Pending),
        Some("active") => Some(PassState::Active),
        Some("expired") => Some(PassState::Expired),
        Some("revoked") => Some(PassState::Revoked),
        Some(_) => {
            return Err(ErrorCode::InvalidState
                .with_message("The state is one of pending, active, expired, revoked"));
        }
    };
    let filter = PassFilter {
        driver_id: query.driver_id.map(DriverId::from),
        state,
    };
    let rows = passes::list(&db, &filter, LIST_LIMIT).await?;
    Ok(Json(rows.iter().map(pass_row).collect()))
}

#[utoipa::path(post, path = "/admin/api/passes", tag = "cabinet", operation_id = "grant_pass", request_body = PassGrant,
    responses(
        (status = 201, description = "The new pass and its token, shown in this answer only (admins; audited)", body = IssuedPass),
        (status = 404, description = "`driver_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_value`: a pass lasts 1 to 8784 hours", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn grant(
    State(db): State<DatabaseConnection>,
    staff: Staff<Admins>,
    JsonBody(input): JsonBody<PassGrant>,
) -> Result<(StatusCode, Json<IssuedPass>), ApiError> {
    if !(1..=MAX_HOURS).contains(&input.hours) {
        return Err(ErrorCode::InvalidValue.with_message("A pass lasts 1 to 8784 hours"));
    }
    let driver_id = DriverId::from(input.driver_id);
    if drivers::by_id(&db, driver_id).await?.is_none() {
        return Err(ErrorCode::DriverNotFound.into());
    }
    let (pass, token) = passes::grant(&db, driver_id, input.hours, &staff.actor()).await?;
    let row = pass_row(&pass);
    record(
        &db,
        &staff,
        "cabinet.pass_granted",
        &format!("pass:{}", pass.id),
        json!({"driver_id": input.driver_id, "hours": input.hours}),
    )
    .await;
    Ok((
        StatusCode::CREATED,
        Json(IssuedPass {
            pass: row,
            token: token.expose().to_owned(),
        }),
    ))
}

#[utoipa::path(post, path = "/admin/api/passes/{id}/revoke", tag = "cabinet", operation_id = "revoke_pass",
    params(("id" = i64, Path, minimum = 1, description = "The pass's id")),
    responses(
        (status = 200, description = "Revoked (or revoked already): the cabinet refuses its token from now on (admins; audited)", body = PassRow),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`pass_not_found`", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn revoke(
    State(db): State<DatabaseConnection>,
    State(store): State<SharedStore>,
    staff: Staff<Admins>,
    PathId(id): PathId<i64>,
) -> Result<Json<PassRow>, ApiError> {
    let pass = passes::revoke(&db, &store, id, &staff.actor())
        .await?
        .ok_or(ErrorCode::PassNotFound)?;
    record(
        &db,
        &staff,
        "cabinet.pass_revoked",
        &format!("pass:{id}"),
        json!({"driver_id": i64::from(pass.driver_id)}),
    )
    .await;
    Ok(Json(pass_row(&pass)))
}

/// The cabinet's pass plans: an hour to a year.
const PASS_PLANS: PlanList = PlanList {
    longest: MAX_HOURS,
    length_refusal: "A pass plan lasts 1 to 8784 hours",
    created: "cabinet.plan_created",
    changed: "cabinet.plan_changed",
    object: "pass_plan",
};

fn plan_row(row: PlanRow) -> PassPlanRow {
    PassPlanRow {
        id: row.id,
        hours: row.length,
        price_kopecks: row.price_kopecks,
        stars_price: row.stars_price,
        active: row.active,
        position: row.position,
    }
}

fn plan_terms(input: &PassPlanInput) -> Result<PlanTerms, ApiError> {
    PASS_PLANS.terms(Typed {
        length: input.hours,
        price_kopecks: input.price_kopecks,
        stars_price: input.stars_price,
        active: input.active,
        position: None,
    })
}

#[utoipa::path(get, path = "/admin/api/pass-plans", tag = "cabinet", operation_id = "pass_plans",
    responses((status = 200, description = "Every pass plan, on sale or not, in the paywall's order (any staff)", body = Vec<PassPlanRow>)),
    security(("admin_session" = [])))]
async fn list_plans(
    State(db): State<DatabaseConnection>,
    _staff: Staff<AnyStaff>,
) -> Result<Json<Vec<PassPlanRow>>, ApiError> {
    let rows = plans::all::<Passes>(&db).await?;
    Ok(Json(rows.into_iter().map(plan_row).collect()))
}

#[utoipa::path(post, path = "/admin/api/pass-plans", tag = "cabinet", operation_id = "create_pass_plan", request_body = PassPlanInput,
    responses(
        (status = 201, description = "The new pass plan (admins; audited)", body = PassPlanRow),
        (status = 422, description = "`invalid_value`: 1 to 8784 hours, 100 to 100000000 kopecks, 1 to 1000000 stars or none", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn create_plan(
    State(db): State<DatabaseConnection>,
    staff: Staff<Admins>,
    JsonBody(input): JsonBody<PassPlanInput>,
) -> Result<(StatusCode, Json<PassPlanRow>), ApiError> {
    let terms = plan_terms(&input)?;
    let created = PASS_PLANS
        .create::<Passes, _>(&db, &staff, terms, plan_row)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(put, path = "/admin/api/pass-plans/{id}", tag = "cabinet", operation_id = "edit_pass_plan", request_body = PassPlanInput,
    params(("id" = i64, Path, minimum = 1, description = "The pass plan's id")),
    responses(
        (status = 200, description = "The pass plan as changed; passes already bought keep their terms (admins; audited)", body = PassPlanRow),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`plan_not_found`", body = ErrorBody),
        (status = 422, description = "`invalid_value`: 1 to 8784 hours, 100 to 100000000 kopecks, 1 to 1000000 stars or none", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn edit_plan(
    State(db): State<DatabaseConnection>,
    staff: Staff<Admins>,
    PathId(id): PathId<i64>,
    JsonBody(input): JsonBody<PassPlanInput>,
) -> Result<Json<PassPlanRow>, ApiError> {
    let terms = plan_terms(&input)?;
    let changed = PASS_PLANS
        .edit::<Passes, _>(&db, &staff, id, terms, plan_row)
        .await?;
    Ok(Json(changed))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SessionQuery {
    /// Only this pass's sessions.
    pass_id: Option<i64>,
}

#[utoipa::path(get, path = "/admin/api/cabinet/sessions", tag = "cabinet", operation_id = "cabinet_sessions", params(SessionQuery),
    responses((status = 200, description = "Up to 500 cabinet sessions, the latest seen first: who, from where, how much (any staff)", body = Vec<CabinetSessionRow>)),
    security(("admin_session" = [])))]
async fn list_sessions(
    State(db): State<DatabaseConnection>,
    _staff: Staff<AnyStaff>,
    query: Result<Query<SessionQuery>, QueryRejection>,
) -> Result<Json<Vec<CabinetSessionRow>>, ApiError> {
    let Query(query) = query.map_err(ApiError::bad_query)?;
    let rows = sessions::list(&db, query.pass_id, LIST_LIMIT).await?;
    Ok(Json(
        rows.into_iter()
            .map(|row| CabinetSessionRow {
                id: row.id,
                pass_id: row.pass_id,
                driver_id: row.driver_id.into(),
                via: row.via,
                client_addr: row.client_addr,
                started_at: row.started_at.to_rfc3339(),
                last_seen_at: row.last_seen_at.to_rfc3339(),
                pages: row.pages,
                requests: row.requests,
                bytes_down: row.bytes_down,
                bytes_up: row.bytes_up,
                refused: row.refused,
            })
            .collect(),
    ))
}

fn rule_row(rule: &policy::Rule) -> PolicyRuleRow {
    PolicyRuleRow {
        id: rule.id,
        prefix: rule.prefix.clone(),
        reason: rule.reason.clone(),
        added_by: rule.added_by.clone(),
        created_at: rule.created_at.to_rfc3339(),
    }
}

#[utoipa::path(get, path = "/admin/api/cabinet/policy", tag = "cabinet", operation_id = "cabinet_policy",
    responses((status = 200, description = "Every closed path of the cabinet, by path (any staff)", body = Vec<PolicyRuleRow>)),
    security(("admin_session" = [])))]
async fn list_rules(
    State(db): State<DatabaseConnection>,
    _staff: Staff<AnyStaff>,
) -> Result<Json<Vec<PolicyRuleRow>>, ApiError> {
    Ok(Json(policy::all(&db).await?.iter().map(rule_row).collect()))
}

#[utoipa::path(post, path = "/admin/api/cabinet/policy", tag = "cabinet", operation_id = "close_cabinet_path", request_body = PolicyRuleInput,
    responses(
        (status = 201, description = "The path is closed: the cabinet refuses it and every path under it (admins; audited)", body = PolicyRuleRow),
        (status = 409, description = "`duplicate_policy_rule`: that path is closed already", body = ErrorBody),
        (status = 422, description = "`invalid_policy_rule`: a path from `/` of at most 200 characters and a reason of 1 to 200", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn add_rule(
    State(db): State<DatabaseConnection>,
    staff: Staff<Admins>,
    JsonBody(input): JsonBody<PolicyRuleInput>,
) -> Result<(StatusCode, Json<PolicyRuleRow>), ApiError> {
    let prefix = input.prefix.trim();
    let reason = input.reason.trim();
    if !prefix.starts_with('/')
        || prefix.chars().count() > 200
        || reason.is_empty()
        || reason.chars().count() > 200
    {
        return Err(ErrorCode::InvalidPolicyRule.into());
    }
    let rule = policy::add(&db, prefix, reason, &staff.actor())
        .await?
        .ok_or(ErrorCode::DuplicatePolicyRule)?;
    record(
        &db,
        &staff,
        "cabinet.path_closed",
        &format!("cabinet_rule:{}", rule.id),
        json!({"prefix": rule.prefix, "reason": rule.reason}),
    )
    .await;
    Ok((StatusCode::CREATED, Json(rule_row(&rule))))
}

#[utoipa::path(delete, path = "/admin/api/cabinet/policy/{id}", tag = "cabinet", operation_id = "open_cabinet_path",
    params(("id" = i64, Path, minimum = 1, description = "The rule's id")),
    responses(
        (status = 204, description = "The path is open again (admins; audited)"),
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = ErrorBody),
        (status = 404, description = "`policy_rule_not_found`", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn remove_rule(
    State(db): State<DatabaseConnection>,
    staff: Staff<Admins>,
    PathId(id): PathId<i64>,
) -> Result<StatusCode, ApiError> {
    let rule = policy::remove(&db, id)
        .await?
        .ok_or(ErrorCode::PolicyRuleNotFound)?;
    record(
        &db,
        &staff,
        "cabinet.path_opened",
        &format!("cabinet_rule:{id}"),
        json!({"prefix": rule.prefix}),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
