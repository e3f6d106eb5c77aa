//! How the dashboard's changes are written in the audit log: who (the admin and the address
//! they came from), what, to which object, and the details; a change with what was before and
//! after.

use domain::audit::{self, AuditEntry};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use super::Staff;

pub(super) async fn record<R>(
    db: &impl ConnectionTrait,
    staff: &Staff<R>,
    action: &str,
    object: &str,
    details: Value,
) {
    audit::record(
        db,
        AuditEntry {
            actor: &staff.actor(),
            action,
            object: Some(object),
            details: Some(details),
            client_addr: staff.client_addr.as_deref(),
        },
    )
    .await;
}

/// A change, with the object as it was before and as it is after.
pub(super) async fn record_change<R>(
    db: &impl ConnectionTrait,
    staff: &Staff<R>,
    action: &str,
    object: &str,
    before: Value,
    after: Value,
) {
    let details = json!({"before": before, "after": after});
    record(db, staff, action, object, details).await;
}
