//! Cabinet sessions: what a pass opened in one browser, audited (who, when, from where, pages
//! opened, requests, bytes each way, refusals).
//!
//! A browser signs in with a pass once (its token, or a one-time link from the Mini App) and gets
//! a session token of its own, random and kept in the store only as its hash; the browser's
//! cookie carries that, never the pass. A request sent with the pass's token itself (the
//! `X-Access-Token` header, `?token=` on a WebSocket) is counted in one session per pass.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde::{Deserialize, Serialize};

use super::{hex_sha256, passes::LivePass};
use crate::{DriverId, store::SharedStore};

pub mod entity {
    use sea_orm::entity::prelude::*;

    use crate::DriverId;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "cabinet_sessions")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub pass_id: i64,
        pub driver_id: DriverId,
        /// `cookie` (a browser signed in), or `token` (the pass's token sent with each request).
        pub via: String,
        pub client_addr: Option<String>,
        pub started_at: DateTimeUtc,
        pub last_seen_at: DateTimeUtc,
        pub pages: i64,
        pub requests: i64,
        pub bytes_down: i64,
        pub bytes_up: i64,
        pub refused: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub type SessionRow = entity::Model;

/// A browser's session as the store keeps it under its token's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserSession {
    pub session_id: i64,
    pub pass_id: i64,
    pub driver_id: DriverId,
    /// The pass's token hash, checked on every request (revocation, expiry).
    pub pass_hash: String,
    pub expires_at: DateTime<Utc>,
}

pub struct IssuedSession {
    /// The cookie's value; never stored.
    pub token: String,
    pub session: BrowserSession,
}

/// Opens an audited session for a live pass in a browser.
pub async fn open(
    db: &impl ConnectionTrait,
    store: &SharedStore,
    pass: &LivePass,
    pass_hash: &str,
    client_addr: Option<&str>,
) -> Result<IssuedSession, DbErr> {
    let row = start(db, pass, "cookie", client_addr).await?;
    let bytes: [u8; 32] = rand::random();
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let session = BrowserSession {
        session_id: row.id,
        pass_id: pass.pass_id,
        driver_id: pass.driver_id,
        pass_hash: pass_hash.to_owned(),
        expires_at: pass.expires_at,
    };
    store
        .set_json_mirrored(&session_key(&token), &session, ttl_until(pass.expires_at))
        .await;
    Ok(IssuedSession { token, session })
}

/// The browser session behind a cookie, if the store has it (the pass is checked apart).
pub async fn find(store: &SharedStore, token: &str) -> Option<BrowserSession> {
    if token.len() > 100 {
        return None;
    }
    store.get_json(&session_key(token)).await
}

pub async fn close(store: &SharedStore, token: &str) {
    store.delete(&session_key(token)).await;
}

/// The one session that counts a pass's token-authenticated requests.
pub async fn for_token(
    db: &impl ConnectionTrait,
    store: &SharedStore,
    pass: &LivePass,
    client_addr: Option<&str>,
) -> Result<i64, DbErr> {
    let key = format!("cabinet-token-session:{}", pass.pass_id);
    if let Some(id) = store.get_json::<i64>(&key).await {
        return Ok(id);
    }
    let row = start(db, pass, "token", client_addr).await?;
    store
        .set_json(&key, &row.id, ttl_until(pass.expires_at))
        .await;
    Ok(row.id)
}

async fn start(
    db: &impl ConnectionTrait,
    pass: &LivePass,
    via: &str,
    client_addr: Option<&str>,
) -> Result<SessionRow, DbErr> {
    let now = Utc::now();
    entity::Entity::insert(entity::ActiveModel {
        pass_id: Set(pass.pass_id),
        driver_id: Set(pass.driver_id),
        via: Set(via.to_owned()),
        client_addr: Set(client_addr.map(str::to_owned)),
        started_at: Set(now),
        last_seen_at: Set(now),
        pages: Set(0),
        requests: Set(0),
        bytes_down: Set(0),
        bytes_up: Set(0),
        refused: Set(0),
        ..Default::default()
    })
    .exec_with_returning(db)
    .await
}

/// One request, added to its session's counts: forwarded (a request, perhaps a page, its bytes)
/// or refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct Traffic {
    pub page: bool,
    pub refused: bool,
    pub bytes_down: u64,
    pub bytes_up: u64,
}

pub async fn count(
    db: &impl ConnectionTrait,
    session_id: i64,
    traffic: Traffic,
) -> Result<(), DbErr> {
    let add = |column: entity::Column, by: u64| {
        Expr::col(column).add(i64::try_from(by).unwrap_or(i64::MAX))
    };
    entity::Entity::update_many()
        .col_expr(entity::Column::LastSeenAt, Expr::value(Utc::now()))
        .col_expr(
            entity::Column::Requests,
            add(entity::Column::Requests, (!traffic.refused).into()),
        )
        .col_expr(
            entity::Column::Pages,
            add(entity::Column::Pages, traffic.page.into()),
        )
        .col_expr(
            entity::Column::Refused,
            add(entity::Column::Refused, traffic.refused.into()),
        )
        .col_expr(
            entity::Column::BytesDown,
            add(entity::Column::BytesDown, traffic.bytes_down),
        )
        .col_expr(
            entity::Column::BytesUp,
            add(entity::Column::BytesUp, traffic.bytes_up),
        )
        .filter(entity::Column::Id.eq(session_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Sessions for the dashboard, most recently active first; of one pass with `pass_id`.
pub async fn list(
    db: &impl ConnectionTrait,
    pass_id: Option<i64>,
    limit: u64,
) -> Result<Vec<SessionRow>, DbErr> {
    let mut query = entity::Entity::find();
    if let Some(pass_id) = pass_id {
        query = query.filter(entity::Column::PassId.eq(pass_id));
    }
    query
        .order_by_desc(entity::Column::LastSeenAt)
        .limit(limit)
        .all(db)
        .await
}

/// A one-time login link's code: opens a browser session for the pass once, within `ttl`.
pub async fn issue_link(store: &SharedStore, pass_hash: &str, ttl: Duration) -> String {
    let bytes: [u8; 24] = rand::random();
    let code = URL_SAFE_NO_PAD.encode(bytes);
    store.set(&link_key(&code), pass_hash.as_bytes(), ttl).await;
    code
}

/// The pass hash behind a link's code, taken: a second use finds nothing.
pub async fn take_link(store: &SharedStore, code: &str) -> Option<String> {
    if code.len() > 64 {
        return None;
    }
    let key = link_key(code);
    let hash = store.get(&key).await?;
    // Whoever deletes first wins; a copy used at the same moment may race, once, within the
    // link's short life.
    store.delete(&key).await;
    String::from_utf8(hash).ok()
}

fn ttl_until(expires_at: DateTime<Utc>) -> Duration {
    (expires_at - Utc::now())
        .to_std()
        .unwrap_or(Duration::from_secs(1))
        .max(Duration::from_secs(1))
}

fn session_key(token: &str) -> String {
    format!("cabinet-session:{}", hex_sha256(token))
}

fn link_key(code: &str) -> String {
    format!("cabinet-link:{}", hex_sha256(code))
}
