//! A day after a driver responds to a load, the bot asks how it went: four buttons, «Договорились»,
//! «Не ответили», «Груз уже ушёл», «Не заплатили». The question is queued in the outbox with the
//! response itself, held until a day has passed and then until the driver's quiet hours are over;
//! the answer waits for a moderator before it counts in the shipper's score.

use app::cargo::{card::CargoDetail, shipper::ReportOutcome};
use chrono::{DateTime, Duration, Utc};
use domain::{
    DriverId, outbox, profiles,
    shippers::{reports, sightings},
};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::{Value, json};

use crate::bot::messages::{english, escape};

/// How long after a response the bot asks.
const ASK_AFTER_HOURS: i64 = 24;

/// When to ask about a response given at `responded_at`: a day later, or when the driver's quiet
/// hours that day are over.
pub fn ask_at(profile: &profiles::Profile, responded_at: DateTime<Utc>) -> DateTime<Utc> {
    let day_later = responded_at + Duration::hours(ASK_AFTER_HOURS);
    profiles::quiet_until(profile, day_later).unwrap_or(day_later)
}

/// The driver who responded, as the question needs them.
pub struct Asked<'a> {
    pub driver_id: DriverId,
    pub chat_id: i64,
    pub language: Option<&'a str>,
}

/// Queues the question about a response (with the response, in its transaction); nothing when
/// the card names no shipper with an INN, or it was queued before.
pub async fn schedule(
    db: &impl ConnectionTrait,
    driver: Asked<'_>,
    detail: &CargoDetail,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(inn) = detail.shipper_inn.as_deref().and_then(sightings::inn) else {
        return Ok(());
    };
    let shipper = detail
        .shipper_name
        .as_deref()
        .or(detail.company_name.as_deref());
    let cargo_id = detail.card.id;
    let fresh = reports::ask(
        db,
        reports::Responded {
            driver_id: driver.driver_id,
            cargo_id,
            inn: &inn,
            shipper_name: shipper,
            route: detail.card.route(),
        },
        at,
    )
    .await?;
    if fresh {
        let payload = message(driver.chat_id, detail, shipper, driver.language);
        outbox::enqueue_held(
            db,
            outbox::Outgoing {
                chat_id: driver.chat_id,
                dedupe_key: format!("shipper-ask:{}:{cargo_id}", driver.driver_id),
                payload,
            },
            at,
        )
        .await?;
    }
    Ok(())
}

/// The question and its four buttons, two to a row.
fn message(
    chat_id: i64,
    detail: &CargoDetail,
    shipper: Option<&str>,
    language: Option<&str>,
) -> Value {
    let en = english(language);
    let route = escape(&detail.card.route());
    let shipper = shipper
        .map(|name| format!(" ({})", escape(name)))
        .unwrap_or_default();
    let text = if en {
        format!(
            "Yesterday you responded to a load <b>{route}</b>{shipper}. How did it go? Your answer helps other drivers once a moderator checks it."
        )
    } else {
        format!(
            "Вчера вы откликнулись на груз <b>{route}</b>{shipper}. Как всё прошло? Ответ поможет другим водителям после проверки модератором."
        )
    };
    let button = |outcome: ReportOutcome| {
        json!({
            "text": label(outcome, en),
            "callback_data": callback_data(detail.card.id, outcome),
        })
    };
    json!({
        "chat_id": chat_id,
        "text": text,
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [
            [button(ReportOutcome::Agreed), button(ReportOutcome::NoAnswer)],
            [button(ReportOutcome::AlreadyGone), button(ReportOutcome::NotPaid)],
        ]},
    })
}

fn label(outcome: ReportOutcome, en: bool) -> &'static str {
    match (outcome, en) {
        (ReportOutcome::Agreed, false) => "Договорились",
        (ReportOutcome::NoAnswer, false) => "Не ответили",
        (ReportOutcome::AlreadyGone, false) => "Груз уже ушёл",
        (ReportOutcome::NotPaid, false) => "Не заплатили",
        (ReportOutcome::Agreed, true) => "We agreed",
        (ReportOutcome::NoAnswer, true) => "No answer",
        (ReportOutcome::AlreadyGone, true) => "Load already gone",
        (ReportOutcome::NotPaid, true) => "Not paid",
    }
}

/// `shipper:<load>:<outcome>`, well within Telegram's 64 bytes.
fn callback_data(cargo_id: u64, outcome: ReportOutcome) -> String {
    format!("shipper:{cargo_id}:{}", outcome.as_str())
}

/// The load and the answer a button under the question names, if it is one.
pub fn answer_of(data: &str) -> Option<(u64, ReportOutcome)> {
    let (cargo, outcome) = data.strip_prefix("shipper:")?.split_once(':')?;
    let cargo = cargo
        .parse::<u64>()
        .ok()
        .filter(|id| i64::try_from(*id).is_ok_and(|id| id > 0))?;
    Some((cargo, ReportOutcome::parse(outcome)?))
}

/// The toast a driver sees after pressing a button.
pub fn thanks(answered: reports::Answered, en: bool) -> &'static str {
    match (answered, en) {
        (reports::Answered::Recorded, false) => "Спасибо! Ответ учтём после проверки модератором",
        (reports::Answered::Recorded, true) => {
            "Thank you! Your answer counts once a moderator checks it"
        }
        (_, false) => "Этот ответ уже проверен",
        (_, true) => "This answer has been checked already",
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn the_question_comes_a_day_later_after_the_drivers_quiet_hours() {
        let moscow = profiles::Profile::default();
        // 12:00 Moscow (09:00 UTC): a day later is 12:00, not quiet.
        let noon = Utc.with_ymd_and_hms(2026, 12, 5, 9, 0, 0).unwrap();
        assert_eq!(ask_at(&moscow, noon), noon + Duration::hours(24));
        // 23:30 Moscow: a day later is in the quiet hours, asked at 07:00 the morning after.
        let late = Utc.with_ymd_and_hms(2026, 12, 5, 20, 30, 0).unwrap();
        assert_eq!(
            ask_at(&moscow, late),
            Utc.with_ymd_and_hms(2026, 12, 7, 4, 0, 0).unwrap()
        );
    }

    #[test]
    fn a_button_names_a_load_and_an_answer() {
        for outcome in ReportOutcome::ALL {
            assert_eq!(answer_of(&callback_data(42, outcome)), Some((42, outcome)));
            assert!(callback_data(i64::MAX as u64, outcome).len() <= 64);
        }
        assert_eq!(answer_of("shipper:0:agreed"), None);
        assert_eq!(answer_of("shipper:42:maybe"), None);
        assert_eq!(answer_of("hide:42"), None);
    }
}
