//! City search over HTTP: answered from the exchange's points dictionary that Hauler holds, so
//! that typing a city never reaches the exchange; an admin refreshes the dictionary.

use std::time::Duration;

use admin::wire::Role;
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    admin::{log_in, make_admin},
    support::{Options, TestApp, app_with_exchange, backends, spawn_app_with},
};

fn zoya() -> Value {
    json!({"id": 710_001, "first_name": "Зоя", "language_code": "ru"})
}

/// The names `/cities` answers for `typed`, once the dictionary has loaded (it is read from the
/// exchange when the server starts).
async fn search(app: &TestApp, typed: &str) -> Vec<String> {
    let path = format!("/api/v1/cities?q={}", urlencoding(typed));
    for _ in 0..100 {
        let (status, body) = app.call(Method::GET, &path, None).await;
        if status == 200 {
            return body
                .as_array()
                .unwrap()
                .iter()
                .map(|city| city["name"].as_str().unwrap().to_owned())
                .collect();
        }
        assert_eq!(
            (status, body["code"].as_str()),
            (503, Some("cities_not_loaded")),
            "{typed}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the points dictionary never loaded");
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' => char::from(byte).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_driver_typing_cities_never_makes_the_exchange_search() {
    for backend in backends() {
        // A script's worth of searches from one driver: their pace is not what this is about.
        let pace = [("LIMIT_PACE", "100000,100000")];
        let (exchange, mut app) = app_with_exchange("cities_no_upstream", backend, &pace).await;
        app.sign_in_as(zoya()).await;
        search(&app, "Мо").await;
        exchange.reset_stats();

        assert_eq!(search(&app, "Ниж").await, ["Нижний Новгород"]);
        assert_eq!(search(&app, "мос").await, ["Москва"]);
        assert_eq!(search(&app, "  КАЗАНЬ ").await, ["Казань"]);
        assert_eq!(search(&app, "Sankt-Pet").await, ["Санкт-Петербург"]);
        assert_eq!(search(&app, "yekaterinburg").await, ["Екатеринбург"]);
        assert_eq!(search(&app, "Н").await, Vec::<String>::new(), "one letter");
        // A driver (or a script) typing letter after letter, city after city.
        for name in [
            "Набережные Челны",
            "Ростов-на-Дону",
            "Великий Новгород",
            "Чебоксары",
        ] {
            let letters: Vec<char> = name.chars().collect();
            for end in 2..=letters.len() {
                let typed: String = letters[..end].iter().collect();
                assert_eq!(search(&app, &typed).await[0], name, "{typed}");
            }
        }
        for first in 'а'..='я' {
            for second in ['а', 'о', 'е'] {
                search(&app, &format!("{first}{second}")).await;
            }
        }

        let stats = exchange.stats();
        assert_eq!(stats.points, 0, "{backend:?}");
        assert_eq!(
            stats.requests, stats.me,
            "only token health checks: {stats:?}"
        );
    }
}

#[tokio::test]
async fn an_admins_refresh_brings_a_new_settlement_from_the_exchange() {
    for backend in backends() {
        let (exchange, mut app) = app_with_exchange("cities_admin_refresh", backend, &[]).await;
        app.sign_in_as(zoya()).await;
        assert_eq!(search(&app, "Новоалт").await, Vec::<String>::new());
        // More points than one page holds, the new town among the last.
        for n in 1..=120 {
            exchange.add_point(&format!("Урочище {n}"), 7);
        }
        exchange.add_point("Новоалтайск", 2);
        exchange.add_point("Урюпинск", 2);
        exchange.reset_stats();

        make_admin(&app, "owner@hauler.test", Role::Owner).await;
        let owner = log_in(&app, "owner@hauler.test").await;
        let (status, before) = owner.call(Method::GET, "/admin/api/cities", None).await;
        assert_eq!(status, 200, "{before}");
        assert_eq!(before["points"], 48);
        let (status, started) = owner
            .call(Method::POST, "/admin/api/cities/refresh", None)
            .await;
        assert_eq!(status, 202, "{started}");
        let mut after = Value::Null;
        for _ in 0..100 {
            after = owner.call(Method::GET, "/admin/api/cities", None).await.1;
            if after["points"] == 170 && after["refreshing"] == false {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(after["points"], 170, "{after}");
        assert_eq!(after["refreshed_by"], "admin:owner@hauler.test");
        assert_eq!(exchange.stats().points, 2, "two pages of at most 100");

        assert_eq!(search(&app, "Новоалт").await, ["Новоалтайск"]);
        let found = search(&app, "Ур").await;
        assert_eq!(found.len(), 20, "at most twenty answers");
        assert_eq!(found[0], "Урюпинск", "a town before other points");
        assert_eq!(found[1], "Урочище 1");

        let (_, audit) = owner
            .call(Method::GET, "/admin/api/audit?object=cities", None)
            .await;
        let actions: Vec<&str> = audit["rows"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|e| e["action"].as_str())
                    .collect()
            })
            .unwrap_or_default();
        assert!(
            actions.contains(&"cities.refresh_requested") && actions.contains(&"cities.refreshed"),
            "{audit}"
        );
    }
}

#[tokio::test]
async fn until_the_exchange_gives_the_dictionary_city_search_says_it_is_not_loaded() {
    let nowhere = "http://127.0.0.1:9".to_owned();
    let mut app = spawn_app_with(
        "cities_not_loaded",
        backends()[0],
        Options {
            extra_vars: vec![("CARGOTECH_BASE_URL", nowhere)],
        },
    )
    .await;
    app.sign_in_as(zoya()).await;
    let (status, body) = app
        .call(Method::GET, "/api/v1/cities?q=%D0%9C%D0%BE", None)
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (503, Some("cities_not_loaded"))
    );
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Справочник городов")
    );
}
