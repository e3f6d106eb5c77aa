//! Where data lives: the database (a SQLite file under the data folder unless a URL names
//! another) and the store for the cache and sessions (in-process unless Redis is named).

use std::path::PathBuf;

use super::{Secret, reader::Reader};

#[derive(Debug)]
pub struct DatabaseConfig {
    /// The SQLite database and, in sandbox mode, the generated encryption key live here.
    pub data_dir: PathBuf,
    /// `None`: a SQLite file under `data_dir`.
    pub url: Option<Secret>,
}

impl DatabaseConfig {
    pub(super) fn read(reader: &mut Reader) -> Self {
        Self {
            data_dir: reader
                .text("DATA_DIR")
                .unwrap_or_else(|| "data".into())
                .into(),
            url: reader.url("DATABASE_URL", &["sqlite:", "postgres://", "postgresql://"]),
        }
    }

    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("hauler.sqlite")
    }
}

#[derive(Debug)]
pub struct StoreConfig {
    /// `None`: the in-process cache and session store.
    pub redis_url: Option<Secret>,
    /// Every Redis key starts with it (deployments sharing one Redis keep apart).
    pub key_prefix: String,
}

impl StoreConfig {
    pub(super) fn read(reader: &mut Reader) -> Self {
        Self {
            redis_url: reader.url("REDIS_URL", &["redis://", "rediss://"]),
            key_prefix: reader
                .text("REDIS_KEY_PREFIX")
                .unwrap_or_else(|| "hauler".into()),
        }
    }
}
