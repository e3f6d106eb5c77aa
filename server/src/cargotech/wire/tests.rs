use serde_json::json;

use super::*;

#[test]
fn a_full_list_item_becomes_a_card() {
    let item = json!({
        "id": 1234, "distance": 820, "weight": 20000, "volume": 82.5,
        "price": 35000000, "price_carrier": 32000000, "created_at": "2026-11-22T09:15:00Z",
        "points": {
            "start": {"city": {"name": "Москва"}, "first_date": "2026-11-23T08:00:00"},
            "finish": {"city": {"name": "Казань"}, "first_date": "2026-11-24T18:00:00Z"}
        },
        "truck_types": [{"id": 1, "name": "Тент", "short_name": "тент"}],
        "load_types": [{"id": 2, "name": "Задняя", "short_name": ""}],
        "unknown_field": {"ignored": true}
    });
    let card = card(&item).unwrap();
    assert_eq!(card.id, 1234);
    assert_eq!(card.route(), "Москва → Казань");
    assert_eq!(card.weight_t, Some(20.0));
    assert_eq!(card.volume_m3, Some(82.5));
    assert_eq!(
        card.price_kopecks,
        Some(32_000_000),
        "price_carrier wins over price"
    );
    assert_eq!(card.loading_at.as_deref(), Some("2026-11-23T08:00:00"));
    assert_eq!(card.unloading_at.as_deref(), Some("2026-11-24T18:00:00Z"));
    assert_eq!(card.truck_types[0].short_name, "тент");
    assert_eq!(
        card.load_types[0].short_name, "Задняя",
        "an empty short name falls back to the name"
    );
    assert!(!card.incomplete);
}

#[test]
fn missing_and_null_fields_lose_only_themselves() {
    let card =
        card(&json!({"id": "77", "price": 500000, "price_carrier": null, "volume": null})).unwrap();
    assert_eq!(card.id, 77);
    assert_eq!(card.price_kopecks, Some(500_000), "falls back to price");
    assert_eq!(card.volume_m3, None);
    assert_eq!(card.route(), "— → —");
    assert!(!card.incomplete);
}

#[test]
fn a_field_of_the_wrong_type_marks_the_card_incomplete_but_keeps_it() {
    let card =
        card(&json!({"id": 5, "points": {"start": {"city": {"name": 42}}}, "weight": "1,5"}))
            .unwrap();
    assert!(card.incomplete);
    assert_eq!(card.from_city, None);
    assert_eq!(card.weight_t, Some(0.0015));
}

#[test]
fn an_item_without_an_id_is_dropped() {
    assert!(card(&json!({"price": 1})).is_none());
    assert!(card(&json!("garbage")).is_none());
    assert!(card(&json!({"id": -3})).is_none());
}

#[test]
fn the_detail_adds_note_contacts_and_marks() {
    let data = json!({
        "id": 9, "points": {"start": {"address": "Москва, ул. Складская, 1"}},
        "shipper": {"name": "ООО «Груз»", "inn": 7707083893u64},
        "cargo_type": {"name": "Продукты"},
        "contacts": [
            {"type": "broker", "name": "Анна", "phones": ["8 (911) 111-11-11", ""]},
            {"type": "company", "phone": "+7 495 000-00-00"},
            {"type": "company"}
        ],
        "extra": {"note": "Погрузка с 8:00\nДокументы на месте", "krugoreis": 1, "partial_load": false,
                  "custom_cargo_type": "Замороженная рыба", "url": "https://cargotech.pro/cargo/9"}
    });
    let detail = detail(&data).unwrap();
    assert_eq!(
        detail.note.as_deref(),
        Some("Погрузка с 8:00\nДокументы на месте")
    );
    assert_eq!(
        detail.cargo_type.as_deref(),
        Some("Замороженная рыба"),
        "custom type overrides"
    );
    assert_eq!(detail.shipper_inn.as_deref(), Some("7707083893"));
    assert_eq!(
        detail.contacts.len(),
        2,
        "a contact with neither name nor phone is dropped"
    );
    assert_eq!(detail.contacts[0].phones.len(), 1);
    assert_eq!(
        detail.contacts[0].phones[0].tel.as_deref(),
        Some("+79111111111")
    );
    assert_eq!(
        detail.contacts[1].phones[0].tel.as_deref(),
        Some("+74950000000")
    );
    assert!(detail.round_trip && !detail.partial_load);
    assert_eq!(
        detail.source_url.as_deref(),
        Some("https://cargotech.pro/cargo/9")
    );
}

#[test]
fn an_empty_note_is_no_note() {
    let detail = detail(&json!({"id": 1, "extra": {"note": "  "}})).unwrap();
    assert_eq!(detail.note, None);
    assert_eq!(detail.cargo_type, None);
}

#[test]
fn a_garbage_item_keeps_its_id_and_says_it_is_incomplete() {
    let card =
        card(&json!({"id": 3, "points": "garbage", "weight": {"tonnes": "?"}, "price": [1, 2]}))
            .unwrap();
    assert_eq!(card.id, 3);
    assert!(card.incomplete);
    assert_eq!(
        (card.weight_t, card.price_kopecks, card.from_city),
        (None, None, None)
    );
}

#[test]
fn a_posting_moment_reads_in_utc_with_an_offset_or_in_moscow_time_without() {
    let utc = posted_instant("2026-11-22T09:15:00Z").unwrap();
    assert_eq!(utc.to_rfc3339(), "2026-11-22T09:15:00+00:00");
    assert_eq!(posted_instant("2026-11-22T12:15:00+03:00"), Some(utc));
    assert_eq!(
        posted_instant("2026-11-22T12:15:00"),
        Some(utc),
        "Moscow time"
    );
    assert_eq!(posted_instant("2026-11-22 12:15:00"), Some(utc));
    assert_eq!(posted_instant("вчера"), None);
}
