//! Old rows go by themselves: the retention job of a running server deletes what is past its
//! age and nothing else, on SQLite and on PostgreSQL.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::{audit, outbox, payments, shippers::sightings};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

use crate::support::{Options, Store, databases, spawn_app_with};

/// Who the test's audit entries name, apart from the server's own.
const STAFF: &str = "admin:retention-test";

fn days_ago(days: i64) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::days(days)
}

/// A delivered message sent `sent_days` ago, or one still waiting when `None`.
async fn bot_message(db: &DatabaseConnection, key: &str, queued_days: i64, sent_days: Option<i64>) {
    outbox::entity::ActiveModel {
        chat_id: Set(820_500),
        dedupe_key: Set(key.to_owned()),
        payload: Set(r#"{"chat_id":820500,"text":"Hauler"}"#.to_owned()),
        status: Set(if sent_days.is_some() {
            outbox::SENT
        } else {
            outbox::PENDING
        }
        .to_owned()),
        attempts: Set(i32::from(sent_days.is_some())),
        next_attempt_at: Set(days_ago(queued_days)),
        claimed_until: Set(None),
        sent_at: Set(sent_days.map(days_ago)),
        last_error: Set(None),
        created_at: Set(days_ago(queued_days)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
}

async fn payment_event(db: &DatabaseConnection, kind: &str, days: i64) {
    payments::events::ActiveModel {
        payment_id: Set(None),
        kind: Set(kind.to_owned()),
        detail: Set(format!(r#"{{"event":"{kind}","age_days":{days}}}"#)),
        remote_addr: Set(None),
        suspicious: Set(false),
        created_at: Set(days_ago(days)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
}

async fn audit_entry(db: &DatabaseConnection, days: i64) {
    audit::entity::ActiveModel {
        occurred_at: Set(days_ago(days)),
        actor: Set(STAFF.to_owned()),
        action: Set(format!("refund.{days}")),
        object: Set(None),
        details: Set(None),
        client_addr: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
}

/// A load of one shipper the exchange first showed `first_days` ago and last `last_days` ago.
async fn shipper_load(db: &DatabaseConnection, cargo_id: i64, first_days: i64, last_days: i64) {
    sightings::entity::ActiveModel {
        cargo_id: Set(cargo_id),
        shipper_inn: Set(Some("7700000000".to_owned())),
        shipper_name: Set(Some("ООО Тест".to_owned())),
        from_city: Set(Some("Тверь".to_owned())),
        to_city: Set(Some("Москва".to_owned())),
        signature: Set(None),
        distance_km: Set(Some(170)),
        price_kopecks: Set(Some(3_000_000)),
        first_seen_at: Set(days_ago(first_days)),
        last_seen_at: Set(days_ago(last_days)),
        price_changes: Set(0),
        reposts: Set(0),
    }
    .insert(db)
    .await
    .unwrap();
}

#[tokio::test]
async fn old_rows_past_their_age_are_deleted_and_everything_else_is_kept() {
    for db in databases() {
        let app = spawn_app_with(
            "retention",
            (db, Store::InProcess),
            Options {
                extra_vars: vec![
                    ("RETENTION_CHECK_SECONDS", "1".into()),
                    ("RETENTION_AUDIT_DAYS", "1827".into()),
                ],
            },
        )
        .await;
        let database = app.database().await;
        bot_message(&database, "old-sent", 41, Some(40)).await;
        bot_message(&database, "recent-sent", 2, Some(1)).await;
        bot_message(&database, "old-waiting", 400, None).await;
        payment_event(&database, "notification.payment.succeeded", 6 * 365).await;
        payment_event(&database, "telegram.successful_payment", 6 * 365).await;
        payment_event(&database, "notification.payment.succeeded", 4 * 365).await;
        payment_event(&database, "status.succeeded", 6 * 365).await;
        audit_entry(&database, 6 * 365).await;
        audit_entry(&database, 4 * 365).await;
        // Gone from the exchange for over two years; still listed after three; seen last week.
        shipper_load(&database, 910_001, 3 * 365, 2 * 365 + 10).await;
        shipper_load(&database, 910_002, 3 * 365, 1).await;
        shipper_load(&database, 910_003, 8, 7).await;

        let mut left = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..100 {
            left = (
                outbox::entity::Entity::find().all(&database).await.unwrap(),
                payments::events::Entity::find()
                    .all(&database)
                    .await
                    .unwrap(),
                audit::entity::Entity::find()
                    .filter(audit::entity::Column::Actor.eq(STAFF))
                    .all(&database)
                    .await
                    .unwrap(),
                sightings::entity::Entity::find()
                    .all(&database)
                    .await
                    .unwrap(),
            );
            if left.0.len() + left.1.len() + left.2.len() + left.3.len() <= 7 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (messages, events, entries, loads) = left;
        println!(
            "{db:?}: left after retention: {} of 3 bot messages, {} of 4 payment events, {} of 2 \
             audit entries, {} of 3 shippers' loads",
            messages.len(),
            events.len(),
            entries.len(),
            loads.len()
        );
        let mut keys: Vec<_> = messages.iter().map(|m| m.dedupe_key.as_str()).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["old-waiting", "recent-sent"],
            "a message still to send stays, whatever its age"
        );
        let mut kinds: Vec<_> = events
            .iter()
            .map(|event| {
                (
                    event.kind.as_str(),
                    (Utc::now() - event.created_at).num_days() / 365,
                )
            })
            .collect();
        kinds.sort_unstable();
        assert_eq!(
            kinds,
            [
                ("notification.payment.succeeded", 4),
                ("status.succeeded", 6)
            ],
            "notifications younger than five years and the payment's history stay"
        );
        let actions: Vec<_> = entries.iter().map(|entry| entry.action.as_str()).collect();
        assert_eq!(actions, [format!("refund.{}", 4 * 365)]);
        let mut cargo_ids: Vec<_> = loads.iter().map(|load| load.cargo_id).collect();
        cargo_ids.sort_unstable();
        assert_eq!(
            cargo_ids,
            [910_002, 910_003],
            "a load goes once the exchange has not shown it for two years, however old it is"
        );
    }
}
