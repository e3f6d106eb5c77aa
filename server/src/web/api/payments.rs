//! The money path over HTTP: what a signed-in driver calls from the paywall, and the route
//! YooKassa notifies.

use app::subscription::{
    Access, Autopay, AutopayRequest, PaymentRequest, PaymentView, PromoQuote, PromoRequest,
    SubscriptionView,
};
use axum::{
    Json, Router,
    body::Bytes,
    extract::{FromRef, State},
    http::StatusCode,
    routing::{get, post, put},
};
use domain::{PaymentId, promo::PromoRefusal, store::SharedStore};

use crate::{
    doors::Door,
    payments::{Billing, BillingError, NotificationRefusal, yookassa::YooKassaError},
    web::{
        ApiError, DoorKeeper, ErrorCode,
        extract::{ClientAddress, JsonBody, PathId, SignedInDriver},
    },
};

/// The driver's session is looked up in the billing's store.
impl FromRef<Billing> for SharedStore {
    fn from_ref(billing: &Billing) -> Self {
        billing.store.clone()
    }
}

impl From<BillingError> for ApiError {
    fn from(error: BillingError) -> Self {
        match error {
            BillingError::TrialUsed => ApiError::from(ErrorCode::TrialUsed),
            BillingError::TrialOff => ApiError::from(ErrorCode::TrialDisabled),
            BillingError::PaymentsOff => ApiError::from(ErrorCode::PaymentsDisabled),
            BillingError::PlanNotFound => {
                ErrorCode::PlanNotFound.with_message("Такого тарифа нет в продаже")
            }
            BillingError::PromoInvalid => ApiError::from(ErrorCode::PromoInvalid),
            BillingError::Promo(refusal) => ApiError::from(match refusal {
                PromoRefusal::Unknown => ErrorCode::PromoUnknown,
                PromoRefusal::NotYetValid => ErrorCode::PromoNotYetValid,
                PromoRefusal::Expired => ErrorCode::PromoExpired,
                PromoRefusal::UsedUp => ErrorCode::PromoUsedUp,
                PromoRefusal::AlreadyUsedByYou => ErrorCode::PromoAlreadyUsed,
            }),
            BillingError::PromoNeedsPurchase => ApiError::from(ErrorCode::PromoNeedsPurchase),
            BillingError::PromoFreeDaysOnly => ApiError::from(ErrorCode::PromoFreeDays),
            BillingError::PaymentNotFound => {
                ErrorCode::PaymentNotFound.with_message("Такого платежа нет")
            }
            BillingError::NotRefundable => ApiError::from(ErrorCode::RefundNotPossible),
            BillingError::RefundAmount { left } => ErrorCode::RefundAmountInvalid.with_message(
                format!("A refund must be above zero and at most {left} kopecks (what is left)"),
            ),
            BillingError::PlanNotForStars => ApiError::from(ErrorCode::PlanNotForStars),
            BillingError::AutopayNeedsCard => ApiError::from(ErrorCode::AutopayNeedsCard),
            BillingError::AutopayNotForStars => ApiError::from(ErrorCode::AutopayNotForStars),
            BillingError::TelegramUnavailable => ApiError::from(ErrorCode::PaymentsUnavailable),
            BillingError::NotConfigured => ApiError::from(ErrorCode::PaymentsUnavailable),
            BillingError::Provider(YooKassaError::Refused { code, .. }) => {
                tracing::warn!(code, "YooKassa refused a payment");
                ApiError::from(ErrorCode::PaymentRefused)
            }
            BillingError::Provider(error) => {
                tracing::warn!(%error, "YooKassa is unavailable");
                ApiError::from(ErrorCode::PaymentsUnavailable)
            }
            BillingError::Database(error) => error.into(),
        }
    }
}

/// What a signed-in driver calls; none of it needs access to loads. Each call that changes
/// something is a door with its limits.
pub fn driver_routes(billing: Billing, keeper: &DoorKeeper) -> Router {
    Router::new()
        .route("/api/v1/subscription", get(view))
        .route(
            "/api/v1/subscription/trial",
            keeper.guard(Door::Trial, post(start_trial)),
        )
        .route(
            "/api/v1/promo/check",
            keeper.guard(Door::Promo, post(check_promo)),
        )
        .route(
            "/api/v1/promo/redeem",
            keeper.guard(Door::Promo, post(redeem_promo)),
        )
        .route("/api/v1/payments", keeper.guard(Door::Payment, post(buy)))
        .route("/api/v1/payments/{id}", get(payment))
        .route(
            "/api/v1/me/autopay",
            get(autopay).merge(keeper.guard(Door::Payment, put(switch_autopay))),
        )
        .with_state(billing)
}

pub fn notification_routes(billing: Billing) -> Router {
    Router::new()
        .route(
            "/api/v1/payments/yookassa/notifications",
            post(notification),
        )
        .with_state(billing)
}

#[utoipa::path(get, path = "/api/v1/subscription", tag = "subscription",
    responses((status = 200, description = "The driver's access, whether the trial is still theirs, and the plans on sale", body = SubscriptionView), (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody)),
    security(("session" = [])))]
async fn view(
    State(billing): State<Billing>,
    driver: SignedInDriver,
) -> Result<Json<SubscriptionView>, ApiError> {
    Ok(Json(billing.view(driver.id).await?))
}

#[utoipa::path(post, path = "/api/v1/subscription/trial", tag = "subscription",
    responses(
        (status = 201, description = "The free trial began", body = Access),
        (status = 409, description = "`trial_used`", body = app::session::ApiErrorBody),
        (status = 403, description = "`trial_disabled`", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many tries; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn start_trial(
    State(billing): State<Billing>,
    driver: SignedInDriver,
) -> Result<(StatusCode, Json<Access>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(billing.start_trial(driver.id, driver.telegram_id).await?),
    ))
}

#[utoipa::path(post, path = "/api/v1/promo/check", tag = "subscription", request_body = PromoRequest,
    responses(
        (status = 200, description = "What the code gives: each plan's new price, or free days", body = PromoQuote),
        (status = 422, description = "`promo_unknown`, `promo_expired`, `promo_not_yet_valid`, `promo_used_up` or `promo_already_used`", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many codes tried, or too many that do not exist; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn check_promo(
    State(billing): State<Billing>,
    driver: SignedInDriver,
    JsonBody(request): JsonBody<PromoRequest>,
) -> Result<Json<PromoQuote>, ApiError> {
    Ok(Json(billing.quote_promo(driver.id, &request.code).await?))
}

#[utoipa::path(post, path = "/api/v1/promo/redeem", tag = "subscription", request_body = PromoRequest,
    responses(
        (status = 200, description = "Free days given at once", body = Access),
        (status = 422, description = "`promo_needs_purchase` (a discount, taken with a purchase), or why the code does not apply (as for checking)", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many codes tried, or too many that do not exist; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn redeem_promo(
    State(billing): State<Billing>,
    driver: SignedInDriver,
    JsonBody(request): JsonBody<PromoRequest>,
) -> Result<Json<Access>, ApiError> {
    Ok(Json(
        billing
            .redeem_promo(driver.id, driver.telegram_id, &request.code)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/payments", tag = "subscription", request_body = PaymentRequest,
    responses(
        (status = 201, description = "A payment to complete: YooKassa's `confirmation_url`, or a Telegram Stars `invoice_link`", body = PaymentView),
        (status = 403, description = "`payments_disabled`", body = app::session::ApiErrorBody),
        (status = 404, description = "`plan_not_found`", body = app::session::ApiErrorBody),
        (status = 422, description = "`promo_invalid`, `promo_free_days` (a code to redeem without buying), `autopay_not_for_stars` (autopay asked for on a Telegram Stars platform), or why the code does not apply (as for checking)", body = app::session::ApiErrorBody),
        (status = 409, description = "`autopay_needs_card`: autopay asked for on a purchase a promo code makes free", body = app::session::ApiErrorBody),
        (status = 503, description = "`payments_unavailable`", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many payments opened, or too many promo codes that do not exist; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn buy(
    State(billing): State<Billing>,
    driver: SignedInDriver,
    JsonBody(request): JsonBody<PaymentRequest>,
) -> Result<(StatusCode, Json<PaymentView>), ApiError> {
    let payment = billing.buy(driver.id, request).await?;
    Ok((StatusCode::CREATED, Json(payment)))
}

#[utoipa::path(get, path = "/api/v1/payments/{id}", tag = "subscription",
    params(("id" = i64, Path, minimum = 1, description = "Hauler's payment id")),
    responses(
        (status = 400, description = "`invalid_id`: the id is not a whole number from 1 to 9223372036854775807", body = app::session::ApiErrorBody),
        (status = 200, description = "The payment's state (while pending, the provider is asked again)", body = PaymentView),
        (status = 404, description = "`payment_not_found`", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn payment(
    State(billing): State<Billing>,
    driver: SignedInDriver,
    PathId(id): PathId<PaymentId>,
) -> Result<Json<PaymentView>, ApiError> {
    Ok(Json(billing.payment(driver.id, id).await?))
}

#[utoipa::path(get, path = "/api/v1/me/autopay", tag = "subscription",
    responses(
        (status = 200, description = "Whether the subscription renews by itself, with which card, when it is charged next", body = Autopay),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn autopay(
    State(billing): State<Billing>,
    driver: SignedInDriver,
) -> Result<Json<Autopay>, ApiError> {
    Ok(Json(billing.autopay(driver.id).await?))
}

#[utoipa::path(put, path = "/api/v1/me/autopay", tag = "subscription", request_body = AutopayRequest,
    responses(
        (status = 200, description = "Switched: on with the card saved before, or off (the card stays for switching on again)", body = Autopay),
        (status = 409, description = "`autopay_needs_card`: no card saved; autopay starts with a payment made with `autopay: true`", body = app::session::ApiErrorBody),
        (status = 401, description = "No session, or it ended", body = app::session::ApiErrorBody),
        (status = 429, description = "`too_many_requests`: too many changes in a row; `Retry-After` says when to try again", body = app::session::ApiErrorBody),
    ),
    security(("session" = [])))]
async fn switch_autopay(
    State(billing): State<Billing>,
    driver: SignedInDriver,
    JsonBody(request): JsonBody<AutopayRequest>,
) -> Result<Json<Autopay>, ApiError> {
    Ok(Json(
        billing.switch_autopay(driver.id, request.enabled).await?,
    ))
}

async fn notification(
    State(billing): State<Billing>,
    ClientAddress(sender): ClientAddress,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    match billing.receive_notification(sender, &body).await {
        Ok(()) => Ok(StatusCode::OK),
        Err(NotificationRefusal::Forbidden(_)) => {
            Err(ApiError::from(ErrorCode::NotificationForbidden))
        }
        Err(NotificationRefusal::Malformed) => Err(ApiError::bad_body("not a notification")),
        Err(NotificationRefusal::Database(error)) => Err(error.into()),
    }
}
