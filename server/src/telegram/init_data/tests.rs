use ed25519_dalek::{Signer, SigningKey};

use super::*;

const TOKEN: &str = "7000000001:AAH-test-token-for-unit-tests";
const NOW: i64 = 1_790_000_000;
const USER: &str = r#"{"id":100500,"first_name":"Иван","last_name":"Петров & Co","username":"ivan_driver","language_code":"ru"}"#;

fn bot() -> Validation {
    Validation::BotToken(TOKEN.into())
}

fn fresh(auth_date: i64) -> String {
    sign(
        &[
            ("auth_date", &auth_date.to_string()),
            ("query_id", "AAHdF6IQ"),
            ("user", USER),
        ],
        TOKEN,
    )
}

#[test]
fn the_signer_computes_the_hash_telegram_would() {
    // Worked out apart from this code (Python's `hmac`), so a mistake shared by the signer and
    // the check cannot hide.
    let raw = sign(
        &[
            ("auth_date", "1789999990"),
            ("query_id", "AAHdF6IQ"),
            ("user", USER),
        ],
        TOKEN,
    );
    assert_eq!(
        raw.rsplit_once("&hash=").map(|(_, hash)| hash),
        Some("2be1a00fe1b5c331f79a313540da04f26cb31dae9fb26d07d61d019b04b16b58")
    );
}

#[test]
fn a_driver_s_signed_launch_data_passes_the_check_and_only_for_that_bot() {
    let user = serde_json::json!({ "id": 8_000_000_007_i64, "first_name": "Водитель 8" });
    let raw = signed_init_data(&user, NOW - 10, TOKEN);
    let launch = validate(&raw, &bot(), NOW, 300).expect("signed as Telegram signs");
    assert_eq!(launch.user.id, 8_000_000_007);
    assert_eq!(launch.user.first_name, "Водитель 8");
    let forged = signed_init_data(&user, NOW - 10, "1:another-bot");
    assert_eq!(
        validate(&forged, &bot(), NOW, 300),
        Err(InitDataError::BadSignature)
    );
}

#[test]
fn fresh_launch_data_signed_with_the_bot_token_is_accepted() {
    let data = validate(&fresh(NOW - 10), &bot(), NOW, 300).unwrap();
    assert_eq!(data.user.id, 100500);
    assert_eq!(data.user.first_name, "Иван");
    assert_eq!(
        data.user.last_name.as_deref(),
        Some("Петров & Co"),
        "escaped characters are decoded"
    );
    assert_eq!(data.user.language_code.as_deref(), Some("ru"));
}

#[test]
fn the_signature_field_is_part_of_the_check_string_even_after_hash() {
    let fields = [
        ("auth_date", "1789999990"),
        ("signature", "c2lnbmF0dXJl"),
        ("user", USER),
    ];
    let raw = sign(&fields, TOKEN);
    assert!(validate(&raw, &bot(), NOW, 300).is_ok());

    // The same fields with `signature` placed after `hash`: order in the string does not matter.
    let hash = raw.rsplit_once("&hash=").unwrap().1;
    let reordered = form_urlencoded::Serializer::new(String::new())
        .append_pair("user", USER)
        .append_pair("auth_date", "1789999990")
        .append_pair("hash", hash)
        .append_pair("signature", "c2lnbmF0dXJl")
        .finish();
    assert!(
        validate(&reordered, &bot(), NOW, 300).is_ok(),
        "{reordered}"
    );

    // Dropping it breaks the check: it was signed too.
    let dropped = reordered.replace("&signature=c2lnbmF0dXJl", "");
    assert_eq!(
        validate(&dropped, &bot(), NOW, 300),
        Err(InitDataError::BadSignature)
    );
}

#[test]
fn each_kind_of_bad_launch_data_has_its_own_code() {
    let table: Vec<(String, InitDataError)> = vec![
        (String::new(), InitDataError::Missing),
        ("   ".into(), InitDataError::Missing),
        ("auth_date=1&user=x".into(), InitDataError::Malformed),
        (
            format!("{}&hash=zz", fresh(NOW).split("&hash=").next().unwrap()),
            InitDataError::Malformed,
        ),
        (
            format!("{}&auth_date=1", fresh(NOW)),
            InitDataError::Malformed,
        ),
        (
            sign(
                &[("auth_date", &NOW.to_string()), ("user", USER)],
                "another:token",
            ),
            InitDataError::BadSignature,
        ),
        (
            fresh(NOW).replace("100500", "100501"),
            InitDataError::BadSignature,
        ),
        (fresh(NOW - 301), InitDataError::Expired),
        (fresh(NOW + 3600), InitDataError::Expired),
        (
            sign(&[("auth_date", &NOW.to_string())], TOKEN),
            InitDataError::Malformed,
        ),
        (
            sign(&[("auth_date", "yesterday"), ("user", USER)], TOKEN),
            InitDataError::Malformed,
        ),
    ];
    for (raw, expected) in table {
        assert_eq!(validate(&raw, &bot(), NOW, 300), Err(expected), "{raw}");
    }
}

#[test]
fn correctly_signed_but_old_data_is_expired_not_forged() {
    let old = fresh(NOW - 3600);
    assert_eq!(
        validate(&old, &bot(), NOW, 300),
        Err(InitDataError::Expired)
    );
    assert_eq!(
        validate(&old, &bot(), NOW, 3600).map(|d| d.user.id),
        Ok(100500)
    );
}

#[test]
fn third_party_validation_checks_the_ed25519_signature() {
    let signing = SigningKey::from_bytes(&[7; 32]);
    let validation = Validation::ThirdParty {
        bot_id: 7000000001,
        public_key: signing.verifying_key(),
    };
    let fields: BTreeMap<String, String> =
        [("auth_date", NOW.to_string()), ("user", USER.to_string())]
            .into_iter()
            .map(|(k, v)| (k.into(), v))
            .collect();
    let message = format!("7000000001:WebAppData\n{}", check_string(&fields));
    let signature = URL_SAFE_NO_PAD.encode(signing.sign(message.as_bytes()).to_bytes());
    let raw = form_urlencoded::Serializer::new(String::new())
        .append_pair("auth_date", &NOW.to_string())
        .append_pair("user", USER)
        .append_pair("hash", "ignored-by-third-party-validation")
        .append_pair("signature", &signature)
        .finish();
    assert_eq!(
        validate(&raw, &validation, NOW, 300).unwrap().user.id,
        100500
    );

    let other_bot = Validation::ThirdParty {
        bot_id: 42,
        public_key: signing.verifying_key(),
    };
    assert_eq!(
        validate(&raw, &other_bot, NOW, 300),
        Err(InitDataError::BadSignature)
    );
    assert!(public_key(PRODUCTION_PUBLIC_KEY).is_some() && public_key(TEST_PUBLIC_KEY).is_some());
}

fn signed_user(user: &serde_json::Value) -> String {
    sign(
        &[("auth_date", &NOW.to_string()), ("user", &user.to_string())],
        TOKEN,
    )
}

#[test]
fn a_signed_user_beyond_telegrams_own_limits_is_refused_and_says_what() {
    use serde_json::json;
    let long = "Я".repeat(100_000);
    let table = [
        (json!({"id": 0, "first_name": "Иван"}), UserFault::Id),
        (json!({"id": -100500, "first_name": "Иван"}), UserFault::Id),
        (
            json!({"id": 100500, "first_name": long}),
            UserFault::FirstName,
        ),
        (
            json!({"id": 100500, "first_name": ""}),
            UserFault::FirstName,
        ),
        (
            json!({"id": 100500, "first_name": "Иван", "last_name": "П".repeat(65)}),
            UserFault::LastName,
        ),
        (
            json!({"id": 100500, "first_name": "Иван", "username": "ivan driver"}),
            UserFault::Username,
        ),
        (
            json!({"id": 100500, "first_name": "Иван", "username": "x".repeat(33)}),
            UserFault::Username,
        ),
        (
            json!({"id": 100500, "first_name": "Иван", "language_code": "ru\nen"}),
            UserFault::LanguageCode,
        ),
        (
            json!({"id": 100500, "first_name": "Иван", "photo_url": "javascript:alert(1)"}),
            UserFault::PhotoUrl,
        ),
    ];
    for (user, fault) in table {
        assert_eq!(
            validate(&signed_user(&user), &bot(), NOW, 300),
            Err(InitDataError::Unacceptable(fault)),
            "{user}"
        );
    }
    let at_the_limits = json!({
        "id": i64::MAX,
        "first_name": "Я".repeat(MAX_NAME),
        "last_name": "Я".repeat(MAX_NAME),
        "username": "serg",
        "language_code": "pt-br",
        "photo_url": "https://t.me/i/userpic/320/ivan.svg",
    });
    assert!(validate(&signed_user(&at_the_limits), &bot(), NOW, 300).is_ok());
}

#[test]
fn a_launch_is_named_by_what_telegram_signed_however_it_is_encoded() {
    let launch = |fields: &[(&str, &str)]| {
        validate(&sign(fields, TOKEN), &bot(), NOW, 300)
            .unwrap()
            .launch_id
    };
    let now = NOW.to_string();
    let first = launch(&[("auth_date", &now), ("query_id", "AAH1"), ("user", USER)]);
    let reordered = launch(&[("user", USER), ("query_id", "AAH1"), ("auth_date", &now)]);
    let another = launch(&[("auth_date", &now), ("query_id", "AAH2"), ("user", USER)]);
    assert_eq!(first, reordered);
    assert_ne!(first, another);
    assert_eq!(first.len(), 64);
}

mod generated {
    //! Thousands of generated launch data: the parser never panics, refuses each bad one with
    //! its typed error, and what it accepts is within Telegram's limits.

    use proptest::prelude::*;

    use super::*;

    fn any_user() -> impl Strategy<Value = serde_json::Value> {
        (
            any::<i64>(),
            ".{0,80}",
            proptest::option::of(".{0,80}"),
            proptest::option::of("[a-zA-Z0-9_ .]{0,40}"),
            proptest::option::of("[a-zA-Z-]{0,40}"),
            proptest::option::of("(https?|javascript)://.{0,40}"),
        )
            .prop_map(|(id, first, last, username, language, photo)| {
                serde_json::json!({
                    "id": id,
                    "first_name": first,
                    "last_name": last,
                    "username": username,
                    "language_code": language,
                    "photo_url": photo,
                })
            })
    }

    proptest! {
        #[test]
        fn any_text_is_a_typed_answer_and_never_a_panic(raw in ".*") {
            if let Ok(launch) = validate(&raw, &bot(), NOW, 300) {
                prop_assert!(launch.user.check().is_ok());
            }
        }

        #[test]
        fn any_signed_fields_are_a_typed_answer_and_never_a_panic(
            fields in proptest::collection::vec(("[a-z_]{1,12}", ".{0,60}"), 0..6),
        ) {
            let fields: Vec<(&str, &str)> =
                fields.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
            if let Ok(launch) = validate(&sign(&fields, TOKEN), &bot(), NOW, 300) {
                prop_assert!(launch.user.check().is_ok());
            }
        }

        #[test]
        fn a_signed_user_is_taken_exactly_when_within_telegrams_limits(user in any_user()) {
            let parsed: TelegramUser = serde_json::from_value(user.clone()).unwrap();
            let answer = validate(&signed_user(&user), &bot(), NOW, 300);
            match parsed.check() {
                Ok(()) => prop_assert_eq!(answer.map(|launch| launch.user), Ok(parsed)),
                Err(fault) => prop_assert_eq!(answer, Err(InitDataError::Unacceptable(fault))),
            }
        }
    }
}
