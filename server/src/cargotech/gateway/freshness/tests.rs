use super::*;

fn card(id: u64, posted_at: &str) -> CargoCard {
    CargoCard {
        id,
        posted_at: Some(posted_at.into()),
        ..CargoCard::default()
    }
}

fn seen(id: u64, posted_at: &str) -> Seen {
    let card = card(id, posted_at);
    Seen {
        load: GoneLoad::of(&card),
        posted_at: card.posted_at,
    }
}

#[test]
fn a_card_is_as_old_as_the_exchange_says_it_was_posted() {
    let now = DateTime::parse_from_rfc3339("2026-12-05T10:00:00Z")
        .unwrap()
        .to_utc();
    let aged = |at: &str| aged(card(1, at), now).age_seconds;
    assert_eq!(aged("2026-12-05T09:55:00Z"), Some(300));
    assert_eq!(aged("2026-12-05T12:55:00+03:00"), Some(300));
    assert_eq!(
        aged("2026-12-05T10:00:30Z"),
        Some(0),
        "a clock ahead is now"
    );
    assert_eq!(aged("позавчера"), None);
}

#[test]
fn a_load_is_gone_when_the_window_would_still_hold_it() {
    let window = CargoPage {
        cards: vec![
            card(3, "2026-12-05T09:50:00Z"),
            card(1, "2026-12-05T09:00:00Z"),
        ],
        total: 500,
        ..CargoPage::default()
    };
    let listed = Listed::of(&window);
    assert!(
        !listed.lost(&seen(3, "2026-12-05T09:50:00Z")),
        "still listed"
    );
    assert!(
        listed.lost(&seen(2, "2026-12-05T09:30:00Z")),
        "newer than the oldest listed"
    );
    assert!(
        !listed.lost(&seen(0, "2026-12-05T08:00:00Z")),
        "older than the window reaches: merely pushed down"
    );
    let whole = Listed::of(&CargoPage { total: 2, ..window });
    assert!(
        whole.lost(&seen(0, "2026-12-05T08:00:00Z")),
        "the window is the whole answer"
    );
}
