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
