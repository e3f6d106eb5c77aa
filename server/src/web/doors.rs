//! The public doors over HTTP: [`DoorKeeper::guard`] wraps a route so that each request knocks at
//! its door (see [`crate::doors`]) before the handler runs, keyed by the signed-in driver (when
//! the request carries a live session) and the client's address. A refused knock is `429
//! too_many_requests` with `Retry-After`, in the driver's language, and the handler never runs.
//! A request that tries a promo code (any at the promo door, a payment's `promo_code`) is also
//! refused while its driver or address has tried too many that do not exist, and an answer
//! `promo_unknown` counts as one more.

use std::net::IpAddr;

use app::subscription::PaymentRequest;
use axum::{
    body::Body,
    extract::{FromRequestParts, Request, State},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::MethodRouter,
};
use domain::{DriverId, drivers, sessions, store::SharedStore};
use sea_orm::DatabaseConnection;

use crate::{
    bot::messages::english,
    doors::{Door, Doors, Refused},
    web::{
        ApiError, ErrorCode,
        extract::{ClientAddress, TokenIn, token},
    },
};

#[derive(Clone)]
pub struct DoorKeeper {
    pub doors: Doors,
    /// Where sessions are looked up.
    pub store: SharedStore,
    /// Where a refused driver's language is looked up.
    pub db: DatabaseConnection,
}

impl DoorKeeper {
    /// `route`, with every request knocking at `door` first.
    pub fn guard<S>(&self, door: Door, route: MethodRouter<S>) -> MethodRouter<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        route.route_layer(middleware::from_fn_with_state((self.clone(), door), knock))
    }

    /// The refusal, worded in the driver's language when the driver is known.
    pub async fn refusal(&self, refused: Refused, driver: Option<DriverId>) -> ApiError {
        let language = match driver {
            Some(driver) => drivers::by_id(&self.db, driver)
                .await
                .ok()
                .flatten()
                .and_then(|driver| driver.language_code),
            None => None,
        };
        ApiError::too_many_requests(refused.retry_after, english(language.as_deref()))
    }
}

async fn knock(
    State((keeper, door)): State<(DoorKeeper, Door)>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let client = match ClientAddress::from_request_parts(&mut parts, &()).await {
        Ok(ClientAddress(client)) => client,
        Err(error) => return error.into_response(),
    };
    let driver = match token(&parts.headers, TokenIn::Bearer) {
        Some(token) => sessions::find(&keeper.store, token)
            .await
            .map(|session| session.driver_id),
        None => None,
    };
    let (tries_code, body) = match tries_promo_code(door, body).await {
        Ok(read) => read,
        Err(error) => return error.into_response(),
    };
    if let Err(refused) = enter(&keeper.doors, door, tries_code, driver, client).await {
        tracing::info!(%door, %client, driver = driver.map(i64::from), "a door refused a knock");
        return keeper.refusal(refused, driver).await.into_response();
    }
    let response = next.run(Request::from_parts(parts, body)).await;
    if tries_code && response.extensions().get::<ErrorCode>() == Some(&ErrorCode::PromoUnknown) {
        keeper.doors.wrong_promo_code(driver, client).await;
    }
    response
}

async fn enter(
    doors: &Doors,
    door: Door,
    tries_code: bool,
    driver: Option<DriverId>,
    client: IpAddr,
) -> Result<(), Refused> {
    if tries_code {
        doors.admit_promo_code(driver, client).await?;
    }
    doors.knock(door, driver, client).await
}

/// The most of a payment's body read to find its promo code: a payment is a few ids.
const PAYMENT_BODY_LIMIT: usize = 64 * 1024;

/// Whether the request tries a promo code, and its body to pass on: every call at the promo door
/// does, and a payment does when its body names a code.
async fn tries_promo_code(door: Door, body: Body) -> Result<(bool, Body), ApiError> {
    match door {
        Door::Promo => Ok((true, body)),
        Door::Payment => {
            let bytes = axum::body::to_bytes(body, PAYMENT_BODY_LIMIT)
                .await
                .map_err(ApiError::bad_body)?;
            let names_code = serde_json::from_slice::<PaymentRequest>(&bytes)
                .ok()
                .and_then(|payment| payment.promo_code)
                .is_some_and(|code| !code.trim().is_empty());
            Ok((names_code, Body::from(bytes)))
        }
        _ => Ok((false, body)),
    }
}
