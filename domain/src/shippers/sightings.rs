//! Every load Hauler saw on the exchange, noted as its lists and cards come back (never asked for
//! on purpose): where it goes, what it pays, when it was first and last seen, how often its price
//! changed, whether it re-posts a load seen before under another number, and its shipper once a
//! card named it (lists do not; a load's card does).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use app::cargo::card::{CargoCard, CargoDetail};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "shipper_loads")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub cargo_id: i64,
        pub shipper_inn: Option<String>,
        pub shipper_name: Option<String>,
        pub from_city: Option<String>,
        pub to_city: Option<String>,
        /// Route, loading date and weight: a load posted again under a new number has the same.
        pub signature: Option<String>,
        pub distance_km: Option<i32>,
        pub price_kopecks: Option<i64>,
        pub first_seen_at: DateTimeUtc,
        pub last_seen_at: DateTimeUtc,
        pub price_changes: i32,
        pub reposts: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// How far back a load with the same signature makes a new one a re-post.
const REPOST_WINDOW_DAYS: i64 = 14;
/// A load seen again within this long is not written again (unless something changed).
const SEEN_AGAIN_AFTER_MINUTES: i64 = 60;

/// A load as a list or a card showed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sighting {
    pub cargo_id: i64,
    pub from_city: Option<String>,
    pub to_city: Option<String>,
    pub signature: Option<String>,
    pub distance_km: Option<i32>,
    pub price_kopecks: Option<i64>,
    /// The shipper's INN and name: only a card names them.
    pub shipper: Option<(String, Option<String>)>,
}

impl Sighting {
    /// A list's row; `None` for an id beyond the database's range.
    pub fn of_card(card: &CargoCard) -> Option<Self> {
        let signature = match (&card.from_city, &card.to_city, &card.loading_at) {
            (Some(from), Some(to), Some(loading)) => Some(format!(
                "{from}|{to}|{loading}|{}",
                card.weight_t.map(|t| format!("{t:.3}")).unwrap_or_default()
            )),
            _ => None,
        };
        Some(Self {
            cargo_id: i64::try_from(card.id).ok()?,
            from_city: card.from_city.clone(),
            to_city: card.to_city.clone(),
            signature,
            distance_km: card.distance_km.and_then(|km| i32::try_from(km).ok()),
            price_kopecks: card.price_kopecks.and_then(|p| i64::try_from(p).ok()),
            shipper: None,
        })
    }

    /// A card: the list's row and its shipper, when the card names one with an INN.
    pub fn of_detail(detail: &CargoDetail) -> Option<Self> {
        let mut sighting = Self::of_card(&detail.card)?;
        sighting.shipper = detail
            .shipper_inn
            .as_deref()
            .and_then(inn)
            .map(|inn| (inn, detail.shipper_name.clone()));
        Some(sighting)
    }
}

/// An INN as the exchange writes it, if it is one: 10 or 12 digits.
pub fn inn(text: &str) -> Option<String> {
    let text = text.trim();
    (matches!(text.len(), 10 | 12) && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.to_owned())
}

/// Notes what the exchange just showed. New loads are added (a re-post when a load with the same
/// signature was seen lately under another number, or a lower one in the same batch); a known
/// load's price change is counted, its shipper filled in, its last sighting moved on.
pub async fn note(
    db: &impl ConnectionTrait,
    sightings: &[Sighting],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use entity::{Column, Entity};
    let mut latest: HashMap<i64, &Sighting> = HashMap::new();
    for sighting in sightings {
        latest.insert(sighting.cargo_id, sighting);
    }
    if latest.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = latest.keys().copied().collect();
    let known: HashMap<i64, entity::Model> = Entity::find()
        .filter(Column::CargoId.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.cargo_id, row))
        .collect();

    let mut fresh: Vec<&Sighting> = latest
        .values()
        .copied()
        .filter(|s| !known.contains_key(&s.cargo_id))
        .collect();
    fresh.sort_by_key(|s| s.cargo_id);
    let signatures: Vec<String> = fresh.iter().filter_map(|s| s.signature.clone()).collect();
    let mut seen_before: HashSet<String> = if signatures.is_empty() {
        HashSet::new()
    } else {
        Entity::find()
            .select_only()
            .column(Column::Signature)
            .filter(Column::Signature.is_in(signatures))
            .filter(Column::CargoId.is_not_in(ids))
            .filter(Column::LastSeenAt.gt(now - Duration::days(REPOST_WINDOW_DAYS)))
            .into_tuple::<Option<String>>()
            .all(db)
            .await?
            .into_iter()
            .flatten()
            .collect()
    };
    let mut rows = Vec::with_capacity(fresh.len());
    for sighting in fresh {
        // The lowest number of a batch is the first post; the others re-post it.
        let repost = match &sighting.signature {
            Some(signature) => !seen_before.insert(signature.clone()),
            None => false,
        };
        let (shipper_inn, shipper_name) = sighting.shipper.clone().unzip();
        rows.push(entity::ActiveModel {
            cargo_id: Set(sighting.cargo_id),
            shipper_inn: Set(shipper_inn),
            shipper_name: Set(shipper_name.flatten()),
            from_city: Set(sighting.from_city.clone()),
            to_city: Set(sighting.to_city.clone()),
            signature: Set(sighting.signature.clone()),
            distance_km: Set(sighting.distance_km),
            price_kopecks: Set(sighting.price_kopecks),
            first_seen_at: Set(now),
            last_seen_at: Set(now),
            price_changes: Set(0),
            reposts: Set(i32::from(repost)),
        });
    }
    if !rows.is_empty() {
        Entity::insert_many(rows)
            .on_conflict(OnConflict::column(Column::CargoId).do_nothing().to_owned())
            .exec_without_returning(db)
            .await?;
    }

    for (id, row) in &known {
        let sighting = latest[id];
        let repriced = match (row.price_kopecks, sighting.price_kopecks) {
            (Some(before), Some(now)) => before != now,
            _ => false,
        };
        let named = sighting.shipper.as_ref().filter(|(inn, name)| {
            row.shipper_inn.as_ref() != Some(inn) || (name.is_some() && *name != row.shipper_name)
        });
        let stale = row.last_seen_at < now - Duration::minutes(SEEN_AGAIN_AFTER_MINUTES);
        if !(repriced || named.is_some() || stale) {
            continue;
        }
        let mut update = Entity::update_many()
            .col_expr(Column::LastSeenAt, Expr::value(now))
            .filter(Column::CargoId.eq(*id));
        if repriced {
            update = update
                .col_expr(Column::PriceKopecks, Expr::value(sighting.price_kopecks))
                .col_expr(Column::PriceChanges, Expr::col(Column::PriceChanges).add(1))
                // Counted once, by whichever instance saw the change first.
                .filter(Column::PriceKopecks.eq(row.price_kopecks));
        }
        if let Some((inn, name)) = named {
            update = update.col_expr(Column::ShipperInn, Expr::value(inn.clone()));
            if name.is_some() {
                update = update.col_expr(Column::ShipperName, Expr::value(name.clone()));
            }
        }
        update.exec(db).await?;
    }
    Ok(())
}

/// The shippers of these loads, where a card named them.
pub async fn inns_of(
    db: &impl ConnectionTrait,
    cargo_ids: &[u64],
) -> Result<HashMap<u64, String>, DbErr> {
    use entity::{Column, Entity};
    let ids: Vec<i64> = cargo_ids
        .iter()
        .filter_map(|id| i64::try_from(*id).ok())
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(Entity::find()
        .select_only()
        .column(Column::CargoId)
        .column(Column::ShipperInn)
        .filter(Column::CargoId.is_in(ids))
        .filter(Column::ShipperInn.is_not_null())
        .into_tuple::<(i64, Option<String>)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(id, inn)| Some((u64::try_from(id).ok()?, inn?)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inn_is_ten_or_twelve_digits() {
        assert_eq!(inn(" 7707083893 ").as_deref(), Some("7707083893"));
        assert_eq!(inn("500100732259").as_deref(), Some("500100732259"));
        assert_eq!(inn("77070838"), None);
        assert_eq!(inn("770708389x"), None);
    }

    #[test]
    fn a_loads_signature_is_its_route_loading_date_and_weight() {
        let card = CargoCard {
            id: 7,
            from_city: Some("Москва".into()),
            to_city: Some("Казань".into()),
            loading_at: Some("2026-12-07T09:00:00".into()),
            weight_t: Some(20.0),
            price_kopecks: Some(5_000_000),
            ..CargoCard::default()
        };
        let sighting = Sighting::of_card(&card).unwrap();
        assert_eq!(
            sighting.signature.as_deref(),
            Some("Москва|Казань|2026-12-07T09:00:00|20.000")
        );
        let undated = CargoCard {
            loading_at: None,
            ..card
        };
        assert_eq!(Sighting::of_card(&undated).unwrap().signature, None);
    }
}
