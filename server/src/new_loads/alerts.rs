//! Alerts about new loads through the bot, for named filters marked "notify me": each load once
//! per driver, never in the driver's quiet hours, at most a few an hour. What is new is decided
//! by the detector (loads not on the filter's first page at its previous look), not by the
//! exchange's timestamps, whose time zone is not always given.

use app::cargo::card::CargoCard;
use chrono::{DateTime, Duration, Timelike, Utc};
use domain::{access, drivers, filters::Watched, outbox};
use sea_orm::{DatabaseConnection, DbErr};

use crate::{bot::BotOutlet, bot::messages};

/// Quiet hours in the driver's own time: from 22:00 until 07:00.
const QUIET_FROM: u32 = 22;
const QUIET_UNTIL: u32 = 7;

pub fn quiet(now: DateTime<Utc>, utc_offset_minutes: i32) -> bool {
    let local = now + Duration::minutes(i64::from(utc_offset_minutes));
    let hour = local.hour();
    !(QUIET_UNTIL..QUIET_FROM).contains(&hour)
}

/// Queues an alert for each new load; returns how many.
pub async fn send(
    db: &DatabaseConnection,
    bot: &BotOutlet,
    watched: &Watched,
    cards: &[CargoCard],
    per_hour: u64,
) -> Result<usize, DbErr> {
    let Some(driver) = drivers::row(db, watched.driver_id).await? else {
        return Ok(0);
    };
    let now = Utc::now();
    if driver.banned_at.is_some() || driver.bot_blocked_at.is_some() {
        return Ok(0);
    }
    if quiet(now, driver.utc_offset_minutes) {
        return Ok(0);
    }
    // New loads are cargo data: a driver whose access has lapsed gets no alerts.
    if access::stored_ends_at(db, driver.id.into())
        .await?
        .is_none_or(|ends_at| ends_at <= now)
    {
        return Ok(0);
    }
    let prefix = format!("alert:{}:", driver.id);
    let mut sent_this_hour = outbox::count_since(db, &prefix, now - Duration::hours(1)).await?;
    let mut queued = 0;
    for card in cards {
        if sent_this_hour >= per_hour {
            break;
        }
        let message = messages::new_load_alert(
            driver.telegram_id,
            card,
            &watched.name,
            driver.language_code.as_deref(),
            &bot.link,
        );
        let fresh = outbox::enqueue(
            db,
            outbox::Outgoing {
                chat_id: driver.telegram_id,
                dedupe_key: format!("{prefix}{}", card.id),
                payload: message,
            },
        )
        .await?;
        if fresh {
            sent_this_hour += 1;
            queued += 1;
        }
    }
    if queued > 0 {
        bot.doorbell.ring();
    }
    Ok(queued)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn quiet_hours_follow_the_drivers_clock() {
        let at = |h, m| Utc.with_ymd_and_hms(2026, 11, 22, h, m, 0).unwrap();
        // Moscow (UTC+3): 18:59 UTC is 21:59 there, 19:00 UTC is 22:00.
        assert!(!quiet(at(18, 59), 180));
        assert!(quiet(at(19, 0), 180));
        assert!(quiet(at(3, 59), 180));
        assert!(!quiet(at(4, 0), 180));
        // Vladivostok (UTC+10): 04:00 UTC is 14:00 there.
        assert!(!quiet(at(4, 0), 600));
    }
}
