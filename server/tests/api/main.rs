//! Integration tests: the real server on a random port, spoken to over HTTP. Each test runs on
//! the embedded default (SQLite, in-process store) and, when `DATABASE_URL` / `REDIS_URL` are set,
//! again on PostgreSQL and Redis.

mod process;
mod support;

mod admin;
mod admin_drivers;
mod admin_login_load;
mod admin_money;
mod admin_operations;
mod admin_second_factor;
mod auth;
mod autopay;
mod bot;
mod busy_lists;
mod cabinet;
mod card_queue;
mod cargo;
mod cargotech_accounts;
mod cities;
mod command_line;
mod doors;
mod fair_share;
mod faults;
mod faults_postgres;
mod faults_redis;
mod filters;
mod freshness;
mod geo;
mod health;
mod known_cards;
mod leadership;
mod machines;
mod metrics;
mod new_loads;
mod openapi;
mod openapi_admin;
mod openapi_internal;
mod pages;
mod profile;
mod responses;
mod retention;
mod schema;
mod serving;
mod shippers;
mod sorting;
mod store;
mod subscriptions;
mod warm_restart;
