//! Service tokens for machine clients: a random token shown once, kept only as its SHA-256 hash,
//! with an optional expiry, revocable, and its last use recorded. Several tokens may be live for
//! one client at once, so a token is rotated without downtime.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use sha2::{Digest, Sha256};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "service_tokens")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        #[sea_orm(unique)]
        pub token_hash: String,
        pub created_at: DateTimeUtc,
        pub created_by: String,
        pub expires_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
        pub last_used_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The SHA-256 of a token, as lowercase hex: what is stored and configured.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A new token for `name`: the raw token (shown once, never stored) and its row.
pub async fn create(
    db: &DatabaseConnection,
    name: &str,
    expires_at: Option<DateTime<Utc>>,
    created_by: &str,
) -> Result<(String, entity::Model), DbErr> {
    let bytes: [u8; 32] = rand::random();
    let token = format!("hst_{}", URL_SAFE_NO_PAD.encode(bytes));
    let row = entity::ActiveModel {
        name: Set(name.to_owned()),
        token_hash: Set(hash(&token)),
        created_at: Set(Utc::now()),
        created_by: Set(created_by.to_owned()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((token, row))
}

/// Revokes a token; `false` when there is no such live token.
pub async fn revoke(db: &DatabaseConnection, id: i64) -> Result<bool, DbErr> {
    let Some(row) = entity::Entity::find_by_id(id).one(db).await? else {
        return Ok(false);
    };
    if row.revoked_at.is_some() {
        return Ok(false);
    }
    let mut row: entity::ActiveModel = row.into();
    row.revoked_at = Set(Some(Utc::now()));
    row.update(db).await?;
    Ok(true)
}

pub async fn all(db: &DatabaseConnection) -> Result<Vec<entity::Model>, DbErr> {
    entity::Entity::find()
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await
}

/// The live (neither revoked nor expired) token with this hash, if any.
pub async fn live_by_hash(
    db: &DatabaseConnection,
    token_hash: &str,
) -> Result<Option<entity::Model>, DbErr> {
    let now = Utc::now();
    Ok(entity::Entity::find()
        .filter(entity::Column::TokenHash.eq(token_hash))
        .filter(entity::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .filter(|row| row.expires_at.is_none_or(|at| at > now)))
}

pub async fn touch(db: &DatabaseConnection, id: i64) -> Result<(), DbErr> {
    entity::Entity::update_many()
        .col_expr(
            entity::Column::LastUsedAt,
            sea_orm::sea_query::Expr::value(Some(Utc::now())),
        )
        .filter(entity::Column::Id.eq(id))
        .exec(db)
        .await
        .map(drop)
}
