//! Configuration from environment variables (and an optional `.env` file), validated at start.
//! Every problem is reported at once, one line per variable, so an operator fixes them in one go.
//! `.env.example` documents each variable.
//!
//! The configuration comes in sections, one per concern (the web server, the database, Telegram,
//! CargoTech, payments…), each read in its own module beside its type. The sections hold plain
//! values: this module depends on no subsystem, and each subsystem builds what it needs from its
//! section.

mod admin;
mod cabinet;
mod cargotech;
mod doors;
mod http;
mod logging;
mod machines;
mod new_loads;
mod operators;
mod payments;
mod reader;
mod retention;
mod sandbox;
mod secrets;
mod storage;
mod telegram;

use std::{collections::HashMap, fmt};

pub use admin::AdminConfig;
pub use cabinet::{CabinetConfig, SameSite};
pub use cargotech::{
    CargoTechConfig, ExtraAccount, FairShareConfig, PRIMARY_ACCOUNT, SANDBOX_CARGOTECH_PASSWORD,
    SANDBOX_CARGOTECH_PHONE,
};
pub use doors::{Allowance, DoorsConfig, PaceRules};
pub use http::HttpConfig;
pub use logging::{LogFormat, LoggingConfig};
pub use machines::MachinesConfig;
pub use new_loads::NewLoadsConfig;
pub use operators::OperatorsConfig;
pub use payments::{
    AutopayConfig, PaymentsConfig, Receipt, SANDBOX_YOOKASSA_SECRET_KEY, SANDBOX_YOOKASSA_SHOP_ID,
    YooKassaConfig,
};
use reader::Reader;
pub use reader::parse_ranges;
pub use retention::RetentionConfig;
pub use sandbox::SandboxConfig;
pub use secrets::{Secret, SecretsConfig};
pub use storage::{DatabaseConfig, StoreConfig};
pub use telegram::{InitDataCheck, SANDBOX_BOT_TOKEN, TelegramConfig, UpdatesMode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Built-in sandbox upstreams and demo data; needs no accounts.
    Sandbox,
    /// Real CargoTech, Telegram and YooKassa; refuses to start without their credentials.
    Production,
}

#[derive(Debug)]
pub struct Config {
    pub mode: Mode,
    pub http: HttpConfig,
    pub database: DatabaseConfig,
    pub store: StoreConfig,
    pub secrets: SecretsConfig,
    pub logging: LoggingConfig,
    pub telegram: TelegramConfig,
    pub cargotech: CargoTechConfig,
    pub cabinet: CabinetConfig,
    pub sandbox: SandboxConfig,
    pub operators: OperatorsConfig,
    pub new_loads: NewLoadsConfig,
    pub payments: PaymentsConfig,
    pub admin: AdminConfig,
    pub machines: MachinesConfig,
    pub doors: DoorsConfig,
    pub retention: RetentionConfig,
}

impl Mode {
    fn read(reader: &mut Reader) -> Self {
        match reader.text("HAULER_MODE").as_deref() {
            None | Some("sandbox") => Self::Sandbox,
            Some("production") => Self::Production,
            Some(other) => {
                reader.problem(
                    "HAULER_MODE",
                    format!("must be `sandbox` or `production`, not `{other}`"),
                );
                Self::Sandbox
            }
        }
    }
}

/// Everything wrong with the environment, one line per variable.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigProblems(pub Vec<String>);

impl fmt::Display for ConfigProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "hauler cannot start: the configuration has {} problem(s):",
            self.0.len()
        )?;
        for problem in &self.0 {
            writeln!(f, "  - {problem}")?;
        }
        write!(
            f,
            "See .env.example for every variable, its default and an example."
        )
    }
}

impl std::error::Error for ConfigProblems {}

impl Config {
    /// Reads the process environment, after loading `.env` if there is one (real environment
    /// variables win over the file).
    pub fn from_env() -> Result<Self, ConfigProblems> {
        let _ = dotenvy::dotenv();
        Self::from_vars(std::env::vars().collect())
    }

    pub fn from_vars(vars: HashMap<String, String>) -> Result<Self, ConfigProblems> {
        let mut reader = Reader::new(vars);
        let config = Self::read(&mut reader);
        reader.finish().map(|()| config).map_err(ConfigProblems)
    }

    /// Each section in turn; the order is the order problems are reported in.
    fn read(reader: &mut Reader) -> Self {
        let mode = Mode::read(reader);
        Self {
            mode,
            http: HttpConfig::read(reader, mode),
            logging: LoggingConfig::read(reader, mode),
            database: DatabaseConfig::read(reader),
            store: StoreConfig::read(reader),
            secrets: SecretsConfig::read(reader, mode),
            telegram: TelegramConfig::read(reader, mode),
            cargotech: CargoTechConfig::read(reader, mode),
            cabinet: CabinetConfig::read(reader, mode),
            sandbox: SandboxConfig::read(reader),
            operators: OperatorsConfig::read(reader),
            new_loads: NewLoadsConfig::read(reader),
            payments: PaymentsConfig::read(reader, mode),
            admin: AdminConfig::read(reader),
            machines: MachinesConfig::read(reader),
            doors: DoorsConfig::read(reader),
            retention: RetentionConfig::read(reader),
        }
    }
}

#[cfg(test)]
mod tests;
