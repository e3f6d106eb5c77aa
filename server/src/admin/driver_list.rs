//! The drivers list of the admin dashboard, searched, filtered by state, sorted and paged in
//! SQL so it stays quick with a hundred thousand drivers; and what state a driver is in (banned,
//! never subscribed, expired, on the trial, paying), which the list and a driver's page share.

use admin::wire::drivers::{DriverPage, DriverRow, DriverSort, DriverState};
use chrono::{DateTime, Utc};
use domain::{
    access::{self, GrantSource},
    drivers::entity as driver,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{
        Alias, Condition, Expr, ExprTrait, Func, JoinType, LikeExpr, NullOrdering, Order,
        Query as Sql, SelectStatement,
    },
};

/// The list's question, parsed.
pub struct Listing {
    pub search: Option<String>,
    pub state: Option<DriverState>,
    pub sort: DriverSort,
    pub page: u64,
    pub per_page: u64,
}

fn drivers_col(column: driver::Column) -> Expr {
    Expr::col((driver::Entity, column))
}

fn ends_col() -> Expr {
    Expr::col((
        access::subscription::Entity,
        access::subscription::Column::EndsAt,
    ))
}

/// `%…%` for LIKE, with the pattern's own wildcards taken literally.
fn contains_pattern(text: &str) -> LikeExpr {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// Names, usernames or a Telegram id. `LOWER` folds only ASCII on SQLite, so the text is also
/// tried as typed and capitalized, which covers how Cyrillic names are usually searched.
fn search_condition(search: &str) -> Condition {
    let mut any = Condition::any();
    if let Ok(telegram_id) = search.parse::<i64>() {
        any = any.add(drivers_col(driver::Column::TelegramId).eq(telegram_id));
    }
    let text = search.trim_start_matches('@');
    let lower = text.to_lowercase();
    let mut capitalized = String::new();
    let mut chars = lower.chars();
    if let Some(first) = chars.next() {
        capitalized.extend(first.to_uppercase());
        capitalized.push_str(chars.as_str());
    }
    let full_name = Expr::cust(
        "(\"drivers\".\"first_name\" || ' ' || COALESCE(\"drivers\".\"last_name\", ''))",
    );
    let username = drivers_col(driver::Column::Username);
    for haystack in [full_name, username] {
        any = any.add(Expr::expr(Func::lower(haystack.clone())).like(contains_pattern(&lower)));
        for variant in [text, capitalized.as_str()] {
            any = any.add(haystack.clone().like(contains_pattern(variant)));
        }
    }
    any
}

/// Drivers with any grant beyond the trial: paid, promo or gifted days.
fn has_paid_grant() -> SelectStatement {
    Sql::select()
        .expr(Expr::val(1))
        .from(access::grant::Entity)
        .and_where(
            Expr::col((access::grant::Entity, access::grant::Column::DriverId))
                .equals((driver::Entity, driver::Column::Id)),
        )
        .and_where(
            Expr::col((access::grant::Entity, access::grant::Column::Source))
                .ne(GrantSource::Trial.as_str()),
        )
        .and_where(Expr::col((access::grant::Entity, access::grant::Column::Days)).gt(0))
        .to_owned()
}

fn state_condition(state: DriverState, now: DateTime<Utc>) -> Condition {
    let banned = drivers_col(driver::Column::BannedAt);
    let not_banned = Condition::all().add(banned.clone().is_null());
    match state {
        DriverState::Banned => Condition::all().add(banned.is_not_null()),
        DriverState::Never => not_banned.add(ends_col().is_null()),
        DriverState::Expired => not_banned.add(ends_col().lte(now)),
        DriverState::Trial => not_banned
            .add(ends_col().gt(now))
            .add(Expr::exists(has_paid_grant()).not()),
        DriverState::Active => not_banned
            .add(ends_col().gt(now))
            .add(Expr::exists(has_paid_grant())),
    }
}

/// `FROM drivers LEFT JOIN subscriptions … WHERE …`, without the select list.
fn matching(listing: &Listing, now: DateTime<Utc>) -> SelectStatement {
    let mut select = Sql::select();
    select.from(driver::Entity).join(
        JoinType::LeftJoin,
        access::subscription::Entity,
        Expr::col((
            access::subscription::Entity,
            access::subscription::Column::DriverId,
        ))
        .equals((driver::Entity, driver::Column::Id)),
    );
    if let Some(search) = &listing.search {
        select.cond_where(search_condition(search));
    }
    if let Some(state) = listing.state {
        select.cond_where(state_condition(state, now));
    }
    select
}

/// One stored driver as the list needs it.
struct Listed {
    row: driver::Model,
    ends_at: Option<DateTime<Utc>>,
}

pub fn state_of(
    banned: bool,
    ends_at: Option<DateTime<Utc>>,
    paid: bool,
    now: DateTime<Utc>,
) -> DriverState {
    match ends_at {
        _ if banned => DriverState::Banned,
        None => DriverState::Never,
        Some(ends_at) if ends_at <= now => DriverState::Expired,
        Some(_) if paid => DriverState::Active,
        Some(_) => DriverState::Trial,
    }
}

fn full_name(first: &str, last: Option<&str>) -> String {
    match last.filter(|last| !last.is_empty()) {
        Some(last) => format!("{first} {last}"),
        None => first.to_owned(),
    }
}

/// Which of these drivers have a grant beyond the trial.
async fn paid_among(db: &DatabaseConnection, ids: &[i64]) -> Result<Vec<i64>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    access::grant::Entity::find()
        .select_only()
        .column(access::grant::Column::DriverId)
        .distinct()
        .filter(access::grant::Column::DriverId.is_in(ids.to_vec()))
        .filter(access::grant::Column::Source.ne(GrantSource::Trial.as_str()))
        .filter(access::grant::Column::Days.gt(0))
        .into_tuple::<i64>()
        .all(db)
        .await
}

/// One page of the list, with how many drivers match in all.
pub async fn page(db: &DatabaseConnection, listing: &Listing) -> Result<DriverPage, DbErr> {
    let now = Utc::now();

    let count = matching(listing, now)
        .expr_as(
            Expr::col((driver::Entity, driver::Column::Id)).count(),
            Alias::new("total"),
        )
        .to_owned();
    let total: i64 = db
        .query_one(&count)
        .await?
        .map(|row| row.try_get("", "total"))
        .transpose()?
        .unwrap_or(0);

    let mut page = matching(listing, now);
    page.column((driver::Entity, sea_orm::sea_query::Asterisk))
        .expr_as(ends_col(), Alias::new("access_ends_at"));
    match listing.sort {
        DriverSort::Newest => {}
        DriverSort::Name => {
            page.order_by_expr(
                Func::lower(drivers_col(driver::Column::FirstName)).into(),
                Order::Asc,
            )
            .order_by_expr(
                Func::lower(Func::coalesce([
                    drivers_col(driver::Column::LastName),
                    Expr::val(""),
                ]))
                .into(),
                Order::Asc,
            );
        }
        DriverSort::AccessEnds => {
            page.order_by_expr_with_nulls(ends_col(), Order::Asc, NullOrdering::Last);
        }
    }
    page.order_by((driver::Entity, driver::Column::Id), Order::Desc)
        .limit(listing.per_page)
        .offset((listing.page - 1) * listing.per_page);
    let listed = db
        .query_all(&page)
        .await?
        .into_iter()
        .map(|row| {
            Ok(Listed {
                ends_at: row.try_get("", "access_ends_at")?,
                row: driver::Model {
                    id: row.try_get("", "id")?,
                    telegram_id: row.try_get("", "telegram_id")?,
                    first_name: row.try_get("", "first_name")?,
                    last_name: row.try_get("", "last_name")?,
                    username: row.try_get("", "username")?,
                    language_code: row.try_get("", "language_code")?,
                    photo_url: row.try_get("", "photo_url")?,
                    created_at: row.try_get("", "created_at")?,
                    updated_at: row.try_get("", "updated_at")?,
                    banned_at: row.try_get("", "banned_at")?,
                    bot_blocked_at: row.try_get("", "bot_blocked_at")?,
                    utc_offset_minutes: row.try_get("", "utc_offset_minutes")?,
                },
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    let ids: Vec<i64> = listed.iter().map(|listed| listed.row.id).collect();
    let paid = paid_among(db, &ids).await?;
    let rows = listed
        .into_iter()
        .map(|Listed { row, ends_at }| DriverRow {
            id: row.id,
            telegram_id: row.telegram_id,
            name: full_name(&row.first_name, row.last_name.as_deref()),
            username: row.username,
            state: state_of(
                row.banned_at.is_some(),
                ends_at,
                paid.contains(&row.id),
                now,
            ),
            access_ends_at: ends_at.map(|at| at.to_rfc3339()),
            joined_at: row.created_at.to_rfc3339(),
        })
        .collect();
    Ok(DriverPage {
        rows,
        total: u64::try_from(total).unwrap_or(0),
        page: listing.page,
        per_page: listing.per_page,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ban_outranks_access_and_the_trial_alone_is_not_a_subscription() {
        let now = Utc::now();
        let later = Some(now + chrono::Duration::days(3));
        assert_eq!(state_of(true, later, true, now), DriverState::Banned);
        assert_eq!(state_of(false, None, false, now), DriverState::Never);
        assert_eq!(
            state_of(false, Some(now - chrono::Duration::days(1)), true, now),
            DriverState::Expired
        );
        assert_eq!(state_of(false, later, false, now), DriverState::Trial);
        assert_eq!(state_of(false, later, true, now), DriverState::Active);
    }

    #[test]
    fn a_search_takes_wildcards_literally() {
        let pattern = contains_pattern("50%_off");
        let text = format!("{pattern:?}");
        assert!(text.contains(r"50\\%\\_off"), "{text}");
    }
}
