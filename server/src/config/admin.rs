//! The admin dashboard's first owner, created at start for deployments with no shell.

use super::{Secret, reader::Reader};

#[derive(Debug)]
pub struct AdminConfig {
    /// The first owner, created on start when there is no admin yet.
    pub bootstrap_email: Option<String>,
    pub bootstrap_password: Option<Secret>,
}

impl AdminConfig {
    pub(super) fn read(reader: &mut Reader) -> Self {
        Self {
            bootstrap_email: reader.text("ADMIN_BOOTSTRAP_EMAIL"),
            bootstrap_password: reader.secret("ADMIN_BOOTSTRAP_PASSWORD"),
        }
    }
}
