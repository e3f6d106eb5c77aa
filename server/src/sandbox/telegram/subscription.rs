//! Which kinds of update the stand-in hands the bot. Telegram sends only the kinds named in the
//! `allowed_updates` of the last `setWebhook` or `getUpdates` that sent the parameter (a call
//! without it keeps the previous list), and by default every kind but three; a stand-in that
//! delivered everything would let a bot that forgot a kind pass its tests and fail in production.

use serde_json::Value;

/// Kinds Telegram sends only when asked for by name.
const ONLY_BY_NAME: [&str; 3] = ["chat_member", "message_reaction", "message_reaction_count"];

#[derive(Default)]
pub(super) struct Subscription {
    /// Empty: Telegram's default.
    kinds: Vec<String>,
}

impl Subscription {
    /// Takes the call's `allowed_updates` when it sent one.
    pub(super) fn follow(&mut self, params: &Value) {
        if let Some(kinds) = params["allowed_updates"].as_array() {
            self.kinds = kinds
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
        }
    }

    /// The list as `getWebhookInfo` reports it: absent while the default holds.
    pub(super) fn kinds(&self) -> Option<&[String]> {
        (!self.kinds.is_empty()).then_some(self.kinds.as_slice())
    }

    /// Whether the bot gets this update; its kind is its one field besides `update_id`.
    pub(super) fn covers(&self, update: &Value) -> bool {
        let kind = update
            .as_object()
            .and_then(|fields| fields.keys().find(|field| *field != "update_id"));
        match kind {
            None => false,
            Some(kind) if self.kinds.is_empty() => !ONLY_BY_NAME.contains(&kind.as_str()),
            Some(kind) => self.kinds.contains(kind),
        }
    }
}
