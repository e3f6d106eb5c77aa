//! Alerts about new loads through the bot, for named filters marked "notify me" and not paused:
//! each load once per driver, at most a few an hour, none for a driver who turned alerts off in
//! the profile. An alert in the driver's quiet hours (their own, on their clock) is held in the
//! outbox and goes out, one message per load, when the hours end; at most an hour's worth is
//! held, so the morning brings no flood. What is new is decided by the detector (loads not on the
//! filter's first page at its previous look), not by the exchange's timestamps, whose time zone
//! is not always given.

use app::cargo::card::CargoCard;
use chrono::{Duration, Utc};
use domain::{DriverId, access, drivers, filters::Watched, outbox, profiles};
use sea_orm::{DatabaseConnection, DbErr};

use crate::{bot::BotOutlet, bot::messages};

/// The outbox keys of one driver's alerts begin so.
fn key_prefix(driver_id: i64) -> String {
    format!("alert:{driver_id}:")
}

/// The driver changed their profile: alerts held for their quiet hours go out when the new
/// hours end (at once when there are none now), or are dropped when alerts are off.
pub async fn profile_changed(
    db: &DatabaseConnection,
    bot: &BotOutlet,
    driver_id: DriverId,
    profile: &profiles::Profile,
) -> Result<(), DbErr> {
    let prefix = key_prefix(driver_id.into());
    if !profile.notifications {
        outbox::drop_held(db, &prefix).await?;
        return Ok(());
    }
    let now = Utc::now();
    let until = profiles::quiet_until(profile, now);
    if outbox::retime_held(db, &prefix, until.unwrap_or(now)).await? > 0 && until.is_none() {
        bot.doorbell.ring();
    }
    Ok(())
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
    let Some(profile) = profiles::get(db, watched.driver_id).await? else {
        return Ok(0);
    };
    if !profile.notifications {
        return Ok(0);
    }
    let held_until = profiles::quiet_until(&profile, now);
    // New loads are cargo data: a driver whose access has lapsed gets no alerts.
    if access::stored_ends_at(db, driver.id.into())
        .await?
        .is_none_or(|ends_at| ends_at <= now)
    {
        return Ok(0);
    }
    let prefix = key_prefix(driver.id);
    // Held alerts count against the hour's cap until they go out.
    let mut sent_this_hour =
        outbox::count_since_or_held(db, &prefix, now - Duration::hours(1)).await?;
    let language = profile
        .language
        .as_deref()
        .or(driver.language_code.as_deref());
    let mut queued = 0;
    for card in cards {
        if sent_this_hour >= per_hour {
            break;
        }
        let message =
            messages::new_load_alert(driver.telegram_id, card, &watched.name, language, &bot.link);
        let fresh = outbox::enqueue_held(
            db,
            outbox::Outgoing {
                chat_id: driver.telegram_id,
                dedupe_key: format!("{prefix}{}", card.id),
                payload: message,
            },
            held_until.unwrap_or(now),
        )
        .await?;
        if fresh {
            sent_this_hour += 1;
            queued += 1;
        }
    }
    if queued > 0 && held_until.is_none() {
        bot.doorbell.ring();
    }
    Ok(queued)
}
