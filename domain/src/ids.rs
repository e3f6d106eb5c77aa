//! The ids that cross modules (driver, payment, plan, promo code, admin), each its own type so
//! that a driver's id cannot be passed where a payment's is expected. The database stores them as
//! plain `i64` keys; the conversions both ways live here and nowhere else (`DeriveValueType` lets an
//! entity's column hold the id itself, and a query compare a column with it). On the wire (serde)
//! each is its bare number, so nothing a client sees changes.

use std::fmt;

use sea_orm::DeriveValueType;
use serde::{Deserialize, Serialize};

/// Declares one id newtype over the database's `i64` key.
macro_rules! database_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Debug,
            Clone,
            Copy,
            PartialEq,
            Eq,
            Hash,
            PartialOrd,
            Ord,
            Serialize,
            Deserialize,
            DeriveValueType,
        )]
        #[serde(transparent)]
        pub struct $name(i64);

        impl From<i64> for $name {
            fn from(key: i64) -> Self {
                Self(key)
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

database_id! {
    /// A driver, as numbered by the `drivers` table (not their Telegram id).
    DriverId
}

database_id! {
    /// One payment attempt, as numbered by the `payments` table.
    PaymentId
}

database_id! {
    /// A subscription plan.
    PlanId
}

database_id! {
    /// A promo code's row (not the code the driver types).
    PromoId
}

database_id! {
    /// A dashboard account (owner, admin or support), as numbered by the `admins` table.
    AdminId
}

/// A load's id as the database keys it (`bigint`). The exchange numbers loads from 1; an id beyond
/// `i64::MAX` cannot be a load and is refused here rather than wrapped into another one.
pub fn cargo_key(cargo_id: u64) -> Result<i64, sea_orm::DbErr> {
    i64::try_from(cargo_id)
        .map_err(|_| sea_orm::DbErr::Custom(format!("load id {cargo_id} is out of range")))
}
