//! Admin accounts: an email, an Argon2id password hash (see [`passwords`]), a role. The first
//! owner comes from `hauler admin create` or from the environment on first start.

use admin::wire::Role;
use chrono::Utc;
use domain::AdminId;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, sea_query::OnConflict,
};

use super::passwords;

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "admins")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: domain::AdminId,
        #[sea_orm(unique)]
        pub email: String,
        pub password_hash: String,
        pub role: String,
        pub created_by: String,
        pub created_at: DateTimeUtc,
        pub disabled_at: Option<DateTimeUtc>,
        pub last_login_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AdminId,
    pub email: String,
    pub role: Role,
}

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an email address is needed")]
    InvalidEmail,
    #[error("a password needs at least {MIN_PASSWORD} characters")]
    WeakPassword,
    #[error("an admin with this email exists already")]
    Exists,
    #[error("the password could not be hashed")]
    Hashing,
    #[error(transparent)]
    Database(#[from] DbErr),
}

pub const MIN_PASSWORD: usize = 12;

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn create(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
    role: Role,
    created_by: &str,
) -> Result<Account, AccountError> {
    let email = normalize_email(email);
    if email.len() < 3 || !email.contains('@') || email.len() > 254 {
        return Err(AccountError::InvalidEmail);
    }
    if password.chars().count() < MIN_PASSWORD {
        return Err(AccountError::WeakPassword);
    }
    let inserted = entity::Entity::insert(entity::ActiveModel {
        email: Set(email.clone()),
        password_hash: Set(passwords::hash(password)
            .await
            .map_err(|_| AccountError::Hashing)?),
        role: Set(role.as_str().to_owned()),
        created_by: Set(created_by.to_owned()),
        created_at: Set(Utc::now()),
        disabled_at: Set(None),
        last_login_at: Set(None),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(entity::Column::Email)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if inserted == 0 {
        return Err(AccountError::Exists);
    }
    by_email(db, &email).await?.ok_or(AccountError::Exists)
}

async fn by_email(db: &DatabaseConnection, email: &str) -> Result<Option<Account>, DbErr> {
    Ok(entity::Entity::find()
        .filter(entity::Column::Email.eq(normalize_email(email)))
        .one(db)
        .await?
        .and_then(to_account))
}

fn to_account(row: entity::Model) -> Option<Account> {
    Some(Account {
        id: row.id,
        role: Role::parse(&row.role)?,
        email: row.email,
    })
}

pub async fn all(db: &DatabaseConnection) -> Result<Vec<entity::Model>, DbErr> {
    use sea_orm::QueryOrder;
    entity::Entity::find()
        .order_by_asc(entity::Column::Id)
        .all(db)
        .await
}

pub async fn row(db: &DatabaseConnection, id: AdminId) -> Result<Option<entity::Model>, DbErr> {
    entity::Entity::find_by_id(id).one(db).await
}

/// A new role, or the account switched off (`Some(true)`) or on again.
pub async fn change(
    db: &DatabaseConnection,
    id: AdminId,
    role: Option<Role>,
    disabled: Option<bool>,
) -> Result<(), DbErr> {
    let mut update = entity::Entity::update_many().filter(entity::Column::Id.eq(id));
    if let Some(role) = role {
        update = update.col_expr(
            entity::Column::Role,
            sea_orm::sea_query::Expr::value(role.as_str()),
        );
    }
    if let Some(disabled) = disabled {
        update = update.col_expr(
            entity::Column::DisabledAt,
            sea_orm::sea_query::Expr::value(disabled.then(Utc::now)),
        );
    }
    update.exec(db).await.map(drop)
}

pub async fn count(db: &DatabaseConnection) -> Result<u64, DbErr> {
    entity::Entity::find().count(db).await
}

/// The account whose password this is. An unknown email costs the same hashing as a known one,
/// so timing tells nothing about which emails exist; no connection is held while hashing.
pub async fn verify(
    db: &DatabaseConnection,
    email: &str,
    password: &str,
) -> Result<Option<Account>, DbErr> {
    let row = entity::Entity::find()
        .filter(entity::Column::Email.eq(normalize_email(email)))
        .filter(entity::Column::DisabledAt.is_null())
        .one(db)
        .await?;
    let stored = row.as_ref().map(|row| row.password_hash.clone());
    if !passwords::matches(password, stored).await {
        return Ok(None);
    }
    let Some(row) = row else {
        return Ok(None);
    };
    entity::Entity::update_many()
        .col_expr(
            entity::Column::LastLoginAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(entity::Column::Id.eq(row.id))
        .exec(db)
        .await?;
    Ok(to_account(row))
}
