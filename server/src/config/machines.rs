//! Machine clients: the service tokens the server accepts (by their hashes), and the server
//! address and token `hauler bot` uses when it runs as a machine client itself.

use super::{Secret, reader::Reader};

#[derive(Debug)]
pub struct MachinesConfig {
    /// Token hashes from `SERVICE_TOKEN_<NAME>_HASH`: (name, SHA-256 hex).
    pub token_hashes: Vec<(String, String)>,
    /// For `hauler bot`: the server's address and the bot's service token.
    pub server_url: Option<String>,
    pub service_token: Option<Secret>,
}

impl MachinesConfig {
    pub(super) fn read(reader: &mut Reader) -> Self {
        Self {
            token_hashes: token_hashes(reader),
            server_url: reader.address("HAULER_SERVER_URL", &["http://", "https://"]),
            service_token: reader.secret("HAULER_SERVICE_TOKEN"),
        }
    }
}

/// `SERVICE_TOKEN_<NAME>_HASH=<sha256 hex>[,<sha256 hex>…]` (two during a rotation).
fn token_hashes(reader: &mut Reader) -> Vec<(String, String)> {
    let mut hashes = Vec::new();
    for name in reader.names("SERVICE_TOKEN_", &["_HASH"]) {
        let variable = format!("SERVICE_TOKEN_{name}_HASH");
        let Some(list) = reader.text(&variable) else {
            continue;
        };
        for hash in list.split(',').map(str::trim).filter(|h| !h.is_empty()) {
            if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                hashes.push((name.to_lowercase(), hash.to_lowercase()));
            } else {
                reader.problem(
                    &variable,
                    "must be SHA-256 hashes in hex (64 characters each), comma-separated",
                );
            }
        }
    }
    hashes
}
