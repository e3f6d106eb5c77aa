//! What the dashboard's two plan lists share: the subscription's plans, by days (`promo`), and
//! the cabinet's pass plans, by hours (`cabinet`). The terms an admin types are checked the same
//! way, the row is written by the same code (`domain::plans`), and every change is audited with
//! the plan as it was before and after.

use domain::plans::{self, PlanRow, PlanTable, PlanTerms};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use serde_json::{Value, json};

use super::{Admins, Staff, audited::record_change};
use crate::web::{ApiError, ErrorCode};

/// One plan list: how long a plan may last, and the names its changes have in the audit log.
pub(super) struct PlanList {
    /// The longest plan, in the table's unit.
    pub longest: u32,
    /// The refusal of a length out of 1 to `longest`.
    pub length_refusal: &'static str,
    /// The audit log's actions and the prefix of its objects (`plan:7`).
    pub created: &'static str,
    pub changed: &'static str,
    pub object: &'static str,
}

/// What an admin types for a plan, before it is checked.
pub(super) struct Typed {
    pub length: u32,
    pub price_kopecks: u64,
    pub stars_price: Option<u32>,
    pub active: bool,
    pub position: Option<i32>,
}

impl PlanList {
    /// A plan lasts 1 to `longest` and costs at least YooKassa's one rouble.
    pub(super) fn terms(&self, typed: Typed) -> Result<PlanTerms, ApiError> {
        if !(1..=self.longest).contains(&typed.length) {
            return Err(ErrorCode::InvalidValue.with_message(self.length_refusal));
        }
        if !(100..=100_000_000).contains(&typed.price_kopecks) {
            return Err(
                ErrorCode::InvalidValue.with_message("A plan costs from 1 to 1 000 000 roubles")
            );
        }
        if typed
            .stars_price
            .is_some_and(|stars| !(1..=1_000_000).contains(&stars))
        {
            return Err(ErrorCode::InvalidValue
                .with_message("A price in Stars is from 1 to 1 000 000, or none"));
        }
        Ok(PlanTerms {
            length: typed.length as i32,
            price_kopecks: typed.price_kopecks as i64,
            stars_price: typed.stars_price.map(|stars| stars as i32),
            active: typed.active,
            position: typed.position,
        })
    }

    /// A new plan, as `view` shows it; audited.
    pub(super) async fn create<T, V>(
        &self,
        db: &DatabaseConnection,
        staff: &Staff<Admins>,
        terms: PlanTerms,
        view: fn(PlanRow) -> V,
    ) -> Result<V, ApiError>
    where
        T: PlanTable,
        V: Serialize,
    {
        let created = plans::create::<T>(db, terms).await?;
        let object = format!("{}:{}", self.object, created.id);
        let created = view(created);
        record_change(
            db,
            staff,
            self.created,
            &object,
            Value::Null,
            json!(created),
        )
        .await;
        Ok(created)
    }

    /// A plan changed, as `view` shows it; audited with what it was.
    pub(super) async fn edit<T, V>(
        &self,
        db: &DatabaseConnection,
        staff: &Staff<Admins>,
        id: i64,
        terms: PlanTerms,
        view: fn(PlanRow) -> V,
    ) -> Result<V, ApiError>
    where
        T: PlanTable,
        V: Serialize,
    {
        let not_found = || ApiError::from(ErrorCode::PlanNotFound);
        let before = plans::row::<T>(db, id).await?.ok_or_else(not_found)?;
        let after = plans::update::<T>(db, id, terms)
            .await?
            .ok_or_else(not_found)?;
        let (before, after) = (view(before), view(after));
        let object = format!("{}:{id}", self.object);
        record_change(
            db,
            staff,
            self.changed,
            &object,
            json!(before),
            json!(after),
        )
        .await;
        Ok(after)
    }
}
