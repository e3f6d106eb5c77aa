//! The platform an instance stands on: the database (migrated on open), the store and the
//! sealer, and the data a fresh instance needs before it serves.

use std::{path::Path, sync::Arc};

use base64::{Engine, engine::general_purpose::STANDARD};
use domain::{
    Platform, database,
    sealing::{Sealer, SealingKey},
    store::{Fleet, SharedStore},
};
use sea_orm::DatabaseConnection;

use super::StartError;
use crate::config::{Config, Mode, Secret};

/// Opens the database (applying migrations), the store and the sealer.
pub(super) async fn open(config: &Config) -> Result<Platform, StartError> {
    let db = open_database(config).await?;
    let store = match &config.store.redis_url {
        Some(url) => SharedStore::with_redis_trusting(
            url.expose(),
            config.store.cache_url.as_ref().map(Secret::expose),
            config.store.ca_file.as_deref(),
            &config.store.key_prefix,
        )?,
        None => SharedStore::in_process(),
    };
    // On PostgreSQL the database decides who leads, so a Redis outage stops no job.
    store.lead_through(&db);
    let fleet = Fleet::on(&db);
    let sealer = Arc::new(sealer(config)?);
    Ok(Platform {
        db,
        store,
        fleet,
        sealer,
        sandbox: config.mode == Mode::Sandbox,
    })
}

/// The sandbox's promo codes, and the first owner when the environment names one.
pub(super) async fn prepare_data(config: &Config, platform: &Platform) {
    if platform.sandbox {
        crate::sandbox::seed_promo_codes(&platform.db).await;
    }
    crate::admin::commands::bootstrap(&platform.db, config).await;
}

pub(super) async fn open_database(config: &Config) -> Result<DatabaseConnection, StartError> {
    let url = match &config.database.url {
        Some(url) => url.expose().to_owned(),
        None => {
            create_data_dir(&config.database.data_dir)?;
            format!(
                "sqlite://{}?mode=rwc",
                config.database.sqlite_path().display()
            )
        }
    };
    let db = database::connect_trusting(&url, config.database.ca_file.as_deref()).await?;
    database::migrate(&db).await?;
    Ok(db)
}

fn create_data_dir(path: &Path) -> Result<(), StartError> {
    std::fs::create_dir_all(path).map_err(|source| StartError::DataDir {
        path: path.display().to_string(),
        source,
    })
}

pub(super) fn sealer(config: &Config) -> Result<Sealer, StartError> {
    let current = match &config.secrets.encryption_key {
        Some(key) => key.clone(),
        // Only sandbox mode gets here: production refuses to start without ENCRYPTION_KEY.
        None => sandbox_key(&config.database.data_dir)?,
    };
    Ok(Sealer::new(
        current,
        config.secrets.previous_keys.iter().cloned(),
    ))
}

/// The sandbox's own key, generated on first start and kept (mode 0600) beside the database.
fn sandbox_key(data_dir: &Path) -> Result<SealingKey, StartError> {
    create_data_dir(data_dir)?;
    let path = data_dir.join("sandbox-encryption.key");
    let problem = |reason: String| StartError::SandboxKey {
        path: path.display().to_string(),
        reason,
    };
    let bytes = match std::fs::read_to_string(&path) {
        Ok(text) => {
            let decoded = STANDARD
                .decode(text.trim())
                .map_err(|e| problem(e.to_string()))?;
            <[u8; 32]>::try_from(decoded.as_slice()).map_err(|_| problem("not 32 bytes".into()))?
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let bytes = SealingKey::generate_bytes();
            write_private(&path, STANDARD.encode(bytes).as_bytes())
                .map_err(|e| problem(e.to_string()))?;
            tracing::info!(path = %path.display(), "generated the sandbox encryption key");
            bytes
        }
        Err(error) => return Err(problem(error.to_string())),
    };
    SealingKey::new("sandbox", bytes).map_err(|e| problem(e.to_string()))
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)
}
