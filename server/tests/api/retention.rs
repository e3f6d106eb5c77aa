//! Old rows go by themselves: the retention job of a running server deletes what is past its
//! age and nothing else, on SQLite and on PostgreSQL.

use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::{
    DriverId, audit,
    cabinet::{passes, sessions},
    outbox, payments,
    shippers::sightings,
};
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

/// A cabinet pass made `made_days` ago that ends (`None`: never paid for) or was revoked that
/// many days ago, with one session's record; returns the pass's id.
async fn pass(
    db: &DatabaseConnection,
    driver_id: DriverId,
    tag: &str,
    made_days: i64,
    expires_days: Option<i64>,
    revoked_days: Option<i64>,
) -> i64 {
    let pass = passes::entity::ActiveModel {
        driver_id: Set(driver_id),
        token_hash: Set(format!("{tag:0>64}")),
        hours: Set(24),
        payment_id: Set(None),
        issued_by: Set("admin:retention-test".to_owned()),
        created_at: Set(days_ago(made_days)),
        expires_at: Set(expires_days.map(days_ago)),
        revoked_at: Set(revoked_days.map(days_ago)),
        revoked_by: Set(revoked_days.map(|_| "admin:retention-test".to_owned())),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    sessions::entity::ActiveModel {
        pass_id: Set(pass.id),
        driver_id: Set(driver_id),
        via: Set("cookie".to_owned()),
        client_addr: Set(Some("203.0.113.7".to_owned())),
        started_at: Set(days_ago(made_days)),
        last_seen_at: Set(days_ago(made_days)),
        pages: Set(3),
        requests: Set(9),
        bytes_down: Set(300_000),
        bytes_up: Set(2_000),
        refused: Set(0),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    pass.id
}

#[tokio::test]
async fn old_rows_past_their_age_are_deleted_and_everything_else_is_kept() {
    for db in databases() {
        let mut app = spawn_app_with(
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
        let driver = app
            .sign_in_as(serde_json::json!({"id": 820_501, "first_name": "Вера"}))
            .await;
        let driver_id = DriverId::from(driver["id"].as_i64().unwrap());
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
        // Passes: expired, revoked and never paid for over half a year ago go (with their
        // sessions' records); one expired last month and one still running stay.
        pass(&database, driver_id, "a", 200, Some(190), None).await;
        pass(&database, driver_id, "b", 200, Some(199), Some(195)).await;
        pass(&database, driver_id, "c", 200, None, None).await;
        let kept_passes = vec![
            pass(&database, driver_id, "d", 40, Some(30), None).await,
            pass(&database, driver_id, "e", 200, Some(-10), None).await,
        ];

        let mut left = (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
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
                passes::entity::Entity::find().all(&database).await.unwrap(),
            );
            let count = left.0.len() + left.1.len() + left.2.len() + left.3.len() + left.4.len();
            if count <= 9 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (messages, events, entries, loads, passes_left) = left;
        println!(
            "{db:?}: left after retention: {} of 3 bot messages, {} of 4 payment events, {} of 2 \
             audit entries, {} of 3 shippers' loads, {} of 5 cabinet passes",
            messages.len(),
            events.len(),
            entries.len(),
            loads.len(),
            passes_left.len()
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
        let mut passes_left: Vec<_> = passes_left.iter().map(|pass| pass.id).collect();
        passes_left.sort_unstable();
        assert_eq!(
            passes_left, kept_passes,
            "{db:?}: passes ended over half a year ago go"
        );
        let mut sessions_left: Vec<_> = sessions::entity::Entity::find()
            .all(&database)
            .await
            .unwrap()
            .into_iter()
            .map(|session| session.pass_id)
            .collect();
        sessions_left.sort_unstable();
        assert_eq!(
            sessions_left, kept_passes,
            "{db:?}: and their sessions' records with them"
        );
        let mut cargo_ids: Vec<_> = loads.iter().map(|load| load.cargo_id).collect();
        cargo_ids.sort_unstable();
        assert_eq!(
            cargo_ids,
            [910_002, 910_003],
            "a load goes once the exchange has not shown it for two years, however old it is"
        );
    }
}
