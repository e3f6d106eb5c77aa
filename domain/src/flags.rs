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
    /// Drivers on the platforms set for it pay in Telegram Stars; off, everyone pays in roubles.
    Stars,
    /// The bot alerts drivers to new loads on their saved filters.
    Alerts,
    /// Sandbox mode only: a demo driver can sign in from an ordinary browser.
    DemoLogin,
}

impl Flag {
    pub const ALL: [Flag; 5] = [
        Self::Trial,
        Self::Payments,
        Self::Stars,
        Self::Alerts,
        Self::DemoLogin,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Trial => "trial",
            Self::Payments => "payments",
            Self::Stars => "stars",
            Self::Alerts => "alerts",
            Self::DemoLogin => "demo_login",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|flag| flag.name() == name)
    }

    /// What the switch does, for the people who flip it.
    pub fn description(self) -> &'static str {
        match self {
            Self::Trial => "New drivers may start a free trial",
            Self::Payments => "Drivers can buy plans; off, the paywall explains instead of selling",
            Self::Stars => "Drivers on the Stars platforms pay in Telegram Stars",
            Self::Alerts => "The bot alerts drivers to new loads on their saved filters",
            Self::DemoLogin => "Sandbox only: a demo driver can sign in from an ordinary browser",
        }
    }

    fn default_on(self) -> bool {
        true
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
