//! Feature flags: switches an operator flips without a deploy. Each is a row in the settings
//! table (`flag.<name>` = `on`/`off`), read on every use, so a change made on one instance takes
//! effect on all of them at once; a flag never set has its built-in default.

use sea_orm::{DatabaseConnection, DbErr, EntityTrait};

use super::settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    /// New drivers may start a free trial.
    Trial,
    /// Drivers can pay; off, the paywall explains instead of selling.
    Payments,
}

impl Flag {
    pub fn name(self) -> &'static str {
        match self {
            Self::Trial => "trial",
            Self::Payments => "payments",
        }
    }

    fn default_on(self) -> bool {
        match self {
            Self::Trial | Self::Payments => true,
        }
    }

    fn key(self) -> String {
        format!("flag.{}", self.name())
    }
}

pub async fn is_on(db: &DatabaseConnection, flag: Flag) -> Result<bool, DbErr> {
    Ok(settings::entity::Entity::find_by_id(flag.key())
        .one(db)
        .await?
        .map_or(flag.default_on(), |row| row.value == "on"))
}

pub async fn set(
    db: &DatabaseConnection,
    flag: Flag,
    on: bool,
    updated_by: &str,
) -> Result<(), DbErr> {
    settings::put_plain(db, &flag.key(), if on { "on" } else { "off" }, updated_by).await
}
