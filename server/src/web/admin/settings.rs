//! Settings and secrets (owners only): `GET /admin/api/settings`, `PUT` and `DELETE
//! /admin/api/settings/{key}`. Secrets are sealed at rest and never leave the server again: the
//! page sees whether one is set and at most its last two characters. Every change is audited,
//! secrets as "set" / "not set".

use admin::wire::ErrorBody;
use admin::wire::settings::{SettingChange, SettingView};
use axum::{
    Json, Router,
    extract::{Path, State},
    routing::get,
};
use domain::{
    audit::{self, AuditEntry},
    settings::{self, entity},
};
use sea_orm::{DatabaseConnection, EntityTrait};

use super::{AdminDesk, Owners, Staff};
use crate::{
    payments::shop::{SECRET_KEY_SETTING, SHOP_ID_SETTING},
    web::{ApiError, ErrorCode, extract::JsonBody},
};

/// A setting the dashboard manages.
struct Known {
    key: &'static str,
    label: &'static str,
    secret: bool,
    note: &'static str,
    valid: fn(&str) -> bool,
}

const KNOWN: [Known; 6] = [
    Known {
        key: SHOP_ID_SETTING,
        label: "YooKassa shop id",
        secret: false,
        note: "Used for the next payment, with the secret key below; the two win over YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY in the environment. Clear them to go back to those.",
        valid: |value| {
            value.len() <= 64
                && value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        },
    },
    Known {
        key: SECRET_KEY_SETTING,
        label: "YooKassa secret key",
        secret: true,
        note: "Used for the next payment, with the shop id above.",
        valid: |value| value.len() <= 256 && value.chars().all(|c| c.is_ascii_graphic()),
    },
    Known {
        key: crate::cargotech::PHONE_SETTING,
        label: "CargoTech phone",
        secret: true,
        note: "Used at the next login (\"Log in now\" on the connection page), with the password below; the two win over CARGOTECH_PHONE and CARGOTECH_PASSWORD in the environment.",
        valid: |value| {
            value.len() <= 32
                && value.chars().filter(char::is_ascii_digit).count() >= 10
                && value
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-()".contains(c))
        },
    },
    Known {
        key: crate::cargotech::PASSWORD_SETTING,
        label: "CargoTech password",
        secret: true,
        note: "Used at the next login, with the phone above.",
        valid: |value| value.len() <= 256 && !value.chars().any(char::is_control),
    },
    Known {
        key: crate::bot::TOKEN_SETTING,
        label: "Telegram bot token",
        secret: true,
        note: "Used within a second for every message, every sign-in check and the webhook; wins over TELEGRAM_BOT_TOKEN in the environment. A bot run as its own process keeps its own token.",
        valid: |value| {
            value.len() <= 128
                && value.split_once(':').is_some_and(|(id, rest)| {
                    !id.is_empty()
                        && id.chars().all(|c| c.is_ascii_digit())
                        && !rest.is_empty()
                        && rest
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                })
        },
    },
    Known {
        key: crate::bot::operators::CHAT_SETTING,
        label: "Operator chat id",
        secret: false,
        note: "Where the next alert goes; wins over TELEGRAM_OPERATOR_CHAT_ID in the environment.",
        valid: |value| value.parse::<i64>().is_ok(),
    },
];

pub fn routes() -> Router<AdminDesk> {
    Router::new().route("/admin/api/settings", get(list)).route(
        "/admin/api/settings/{key}",
        axum::routing::put(change).delete(clear),
    )
}

fn known(key: &str) -> Result<&'static Known, ApiError> {
    KNOWN
        .iter()
        .find(|known| known.key == key)
        .ok_or_else(|| ApiError::from(ErrorCode::SettingNotFound))
}

/// At most the last two characters, and only of a value long enough that they give little away.
fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() >= 12 {
        format!(
            "••••{}",
            chars[chars.len() - 2..].iter().collect::<String>()
        )
    } else {
        "••••".to_owned()
    }
}

async fn view_of(desk: &AdminDesk, known: &Known) -> Result<SettingView, ApiError> {
    let db = &desk.db;
    let row = entity::Entity::find_by_id(known.key.to_owned())
        .one(db)
        .await?;
    let (value, masked) = match &row {
        None => (None, None),
        Some(_) if known.secret => {
            let masked = match settings::get_sealed(db, &desk.sealer, known.key).await {
                Ok(Some(secret)) => mask(&secret),
                // Set, but sealed under a key this server no longer has.
                _ => "•••• (cannot be opened)".to_owned(),
            };
            (None, Some(masked))
        }
        Some(row) => (Some(row.value.clone()), None),
    };
    Ok(SettingView {
        key: known.key.to_owned(),
        label: known.label.to_owned(),
        secret: known.secret,
        set: row.is_some(),
        value,
        masked,
        updated_at: row.as_ref().map(|row| row.updated_at.to_rfc3339()),
        updated_by: row.and_then(|row| row.updated_by),
        note: known.note.to_owned(),
    })
}

#[utoipa::path(get, path = "/admin/api/settings", tag = "operations", operation_id = "settings",
    responses((status = 200, description = "Every setting the dashboard manages; a secret only as set or not and at most its last two characters (owners)", body = Vec<SettingView>)),
    security(("admin_session" = [])))]
async fn list(
    State(desk): State<AdminDesk>,
    _staff: Staff<Owners>,
) -> Result<Json<Vec<SettingView>>, ApiError> {
    let mut views = Vec::new();
    for known in &KNOWN {
        views.push(view_of(&desk, known).await?);
    }
    Ok(Json(views))
}

/// What the audit log may say about a value: a secret only as set / not set.
async fn audited_value(
    db: &DatabaseConnection,
    known: &Known,
) -> Result<serde_json::Value, ApiError> {
    let row = entity::Entity::find_by_id(known.key.to_owned())
        .one(db)
        .await?;
    Ok(match row {
        None if known.secret => "not set".into(),
        Some(_) if known.secret => "set".into(),
        None => serde_json::Value::Null,
        Some(row) => row.value.into(),
    })
}

async fn audit_change(
    desk: &AdminDesk,
    staff: &Staff<Owners>,
    known: &Known,
    before: serde_json::Value,
) -> Result<(), ApiError> {
    let after = audited_value(&desk.db, known).await?;
    audit::record(
        &desk.db,
        AuditEntry {
            actor: &staff.actor(),
            action: "setting.changed",
            object: Some(&format!("setting:{}", known.key)),
            details: Some(serde_json::json!({"before": before, "after": after})),
            client_addr: staff.client_addr.as_deref(),
        },
    )
    .await;
    Ok(())
}

#[utoipa::path(put, path = "/admin/api/settings/{key}", tag = "operations", operation_id = "change_setting", request_body = SettingChange,
    params(("key" = String, Path, description = "The setting's key, as the list gives it (`yookassa.shop_id`, `telegram.bot_token`, …)")),
    responses(
        (status = 200, description = "Stored (a secret sealed); used from the next call that needs it (owners; audited, a secret as set or not)", body = SettingView),
        (status = 404, description = "`setting_not_found`", body = ErrorBody),
        (status = 422, description = "`setting_invalid`: not a valid value for this setting", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn change(
    State(desk): State<AdminDesk>,
    staff: Staff<Owners>,
    Path(key): Path<String>,
    JsonBody(change): JsonBody<SettingChange>,
) -> Result<Json<SettingView>, ApiError> {
    let known = known(&key)?;
    let value = change.value.trim();
    if value.is_empty() || !(known.valid)(value) {
        return Err(ErrorCode::SettingInvalid.with_message(format!(
            "That is not a valid {}",
            known.label.to_lowercase()
        )));
    }
    let before = audited_value(&desk.db, known).await?;
    let actor = staff.actor();
    if known.secret {
        settings::put_sealed(&desk.db, &desk.sealer, known.key, value, &actor)
            .await
            .map_err(|error| {
                tracing::error!(%error, key = known.key, "a secret setting could not be stored");
                ApiError::internal()
            })?;
    } else {
        settings::put_plain(&desk.db, known.key, value, &actor).await?;
    }
    audit_change(&desk, &staff, known, before).await?;
    Ok(Json(view_of(&desk, known).await?))
}

#[utoipa::path(delete, path = "/admin/api/settings/{key}", tag = "operations", operation_id = "clear_setting",
    params(("key" = String, Path, description = "The setting's key, as the list gives it (`yookassa.shop_id`, `telegram.bot_token`, …)")),
    responses(
        (status = 200, description = "Cleared: the environment's value is used again (owners; audited)", body = SettingView),
        (status = 404, description = "`setting_not_found`", body = ErrorBody),
    ),
    security(("admin_session" = [], "csrf" = [])))]
async fn clear(
    State(desk): State<AdminDesk>,
    staff: Staff<Owners>,
    Path(key): Path<String>,
) -> Result<Json<SettingView>, ApiError> {
    let known = known(&key)?;
    let before = audited_value(&desk.db, known).await?;
    settings::delete(&desk.db, known.key).await?;
    audit_change(&desk, &staff, known, before).await?;
    Ok(Json(view_of(&desk, known).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mask_shows_two_characters_at_most_and_none_of_a_short_secret() {
        assert_eq!(mask("live_0123456789ab"), "••••ab");
        assert_eq!(mask("short"), "••••");
        assert_eq!(mask(""), "••••");
    }

    #[test]
    fn each_setting_checks_its_values() {
        let check = |key: &str, value: &str| (known(key).unwrap().valid)(value);
        assert!(check("telegram.bot_token", "123456:AAH-x_y"));
        assert!(!check("telegram.bot_token", "no-colon"));
        assert!(check("telegram.operator_chat_id", "-100123"));
        assert!(!check("telegram.operator_chat_id", "chat"));
        assert!(check("cargotech.phone", "+7 911 111-11-11"));
        assert!(!check("cargotech.phone", "12345"));
        assert!(!check(SHOP_ID_SETTING, "shop id"));
    }
}
