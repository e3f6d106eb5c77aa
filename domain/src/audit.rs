//! The audit log: who did what to which object, when, from where. Secrets never enter it.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub occurred_at: DateTimeUtc,
        pub actor: String,
        pub action: String,
        pub object: Option<String>,
        pub details: Option<String>,
        pub client_addr: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub struct AuditEntry<'a> {
    /// `system`, `admin:<email>`, `service:<name>`, `driver:<telegram id>`.
    pub actor: &'a str,
    /// Dotted, e.g. `cargotech.login_succeeded`.
    pub action: &'a str,
    pub object: Option<&'a str>,
    pub details: Option<serde_json::Value>,
    pub client_addr: Option<&'a str>,
}

/// Writes one entry. A failure is logged, never passed on: the audited action already happened.
pub async fn record(db: &impl ConnectionTrait, entry: AuditEntry<'_>) {
    let row = entity::ActiveModel {
        occurred_at: Set(Utc::now()),
        actor: Set(entry.actor.to_owned()),
        action: Set(entry.action.to_owned()),
        object: Set(entry.object.map(str::to_owned)),
        details: Set(entry.details.map(|details| details.to_string())),
        client_addr: Set(entry.client_addr.map(str::to_owned)),
        ..Default::default()
    };
    if let Err(error) = entity::Entity::insert(row).exec(db).await {
        tracing::error!(%error, action = entry.action, "the audit log could not be written");
    }
}
