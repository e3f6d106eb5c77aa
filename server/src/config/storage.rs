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
    /// The certificate authority PostgreSQL's certificate is checked against, when not a public
    /// one (a managed database's own CA); `sslmode` in the URL says whether it is checked.
    pub ca_file: Option<PathBuf>,
}

impl DatabaseConfig {
    pub(super) fn read(reader: &mut Reader) -> Self {
        Self {
            data_dir: reader
                .text("DATA_DIR")
                .unwrap_or_else(|| "data".into())
                .into(),
            url: reader.url("DATABASE_URL", &["sqlite:", "postgres://", "postgresql://"]),
            ca_file: reader.file("DATABASE_CA_FILE"),
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
    /// A Redis of their own for the exchange's cached answers (`allkeys-lru` suits it), so that
    /// a full cache never refuses or evicts a session; `None`: they share `redis_url`.
    pub cache_url: Option<Secret>,
    /// Every Redis key starts with it (deployments sharing one Redis keep apart).
    pub key_prefix: String,
    /// The certificate authority a `rediss://` server's certificate is checked against, in place
    /// of the system's.
    pub ca_file: Option<PathBuf>,
}

impl StoreConfig {
    pub(super) fn read(reader: &mut Reader) -> Self {
        let redis_url = reader.url("REDIS_URL", &["redis://", "rediss://"]);
        let cache_url = reader.url("REDIS_CACHE_URL", &["redis://", "rediss://"]);
        if cache_url.is_some() && redis_url.is_none() {
            reader.problem(
                "REDIS_CACHE_URL",
                "needs REDIS_URL: the cache gets a Redis of its own only beside the shared one",
            );
        }
        Self {
            redis_url,
            cache_url,
            key_prefix: reader
                .text("REDIS_KEY_PREFIX")
                .unwrap_or_else(|| "hauler".into()),
            ca_file: reader.file("REDIS_CA_FILE"),
        }
    }
}
