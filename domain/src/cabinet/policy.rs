//! The path policy: cabinet paths no pass may open (the shared account's settings, password and
//! phone, logging it out, its payment details, and whatever an admin adds), as prefixes matched
//! against the path after it is normalised, so `//Settings/../settings/` cannot slip past.

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "cabinet_path_rules")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub prefix: String,
        /// What the refusal page names (Russian: drivers read it).
        pub reason: String,
        pub added_by: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub type Rule = entity::Model;

pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<Rule>, DbErr> {
    entity::Entity::find()
        .order_by_asc(entity::Column::Prefix)
        .all(db)
        .await
}

/// Adds a rule; `None` when its prefix is there already.
pub async fn add(
    db: &impl ConnectionTrait,
    prefix: &str,
    reason: &str,
    added_by: &str,
) -> Result<Option<Rule>, DbErr> {
    let prefix = normalise(prefix);
    if entity::Entity::find()
        .filter(entity::Column::Prefix.eq(prefix.as_str()))
        .one(db)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    entity::Entity::insert(entity::ActiveModel {
        prefix: Set(prefix),
        reason: Set(reason.to_owned()),
        added_by: Set(added_by.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(db)
    .await
    .map(Some)
}

/// Removes a rule; `None` when there was none with this id.
pub async fn remove(db: &impl ConnectionTrait, id: i64) -> Result<Option<Rule>, DbErr> {
    let Some(rule) = entity::Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    entity::Entity::delete_by_id(id).exec(db).await?;
    Ok(Some(rule))
}

/// The rule that refuses this cabinet path, if any.
pub fn refusing<'a>(rules: &'a [Rule], path: &str) -> Option<&'a Rule> {
    let path = normalise(path);
    rules.iter().find(|rule| {
        let prefix = rule.prefix.trim_end_matches('/');
        path == prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/') || prefix.is_empty())
    })
}

/// A path as the policy reads it: percent-decoded, lower case, one slash between segments,
/// `.` and `..` resolved, no trailing slash, always starting with `/`.
pub fn normalise(path: &str) -> String {
    let decoded = percent_decode(path).to_lowercase();
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split(['/', '\\']) {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            segment => segments.push(segment),
        }
    }
    format!("/{}", segments.join("/"))
}

/// Decodes `%XX` escapes (twice-encoded ones too, as a server behind a proxy might); bytes that
/// do not make UTF-8 are replaced.
fn percent_decode(text: &str) -> String {
    let mut current = text.to_owned();
    for _ in 0..3 {
        let bytes = current.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if bytes[i] == b'%'
                && i + 2 < bytes.len()
                && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
            {
                out.push((high * 16 + low) as u8);
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        let decoded = String::from_utf8_lossy(&out).into_owned();
        if decoded == current {
            break;
        }
        current = decoded;
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(prefix: &str) -> Rule {
        Rule {
            id: 1,
            prefix: prefix.into(),
            reason: "r".into(),
            added_by: "system".into(),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn a_denied_prefix_refuses_every_spelling_of_its_pages() {
        let rules = [rule("/profile/password")];
        for path in [
            "/profile/password",
            "/profile/password/",
            "/Profile/Password/edit",
            "//profile//password",
            "/loads/../profile/password",
            "/profile/%70assword",
            "/profile/%2570assword",
            "/profile\\password",
        ] {
            assert!(refusing(&rules, path).is_some(), "{path} slipped past");
        }
        for path in ["/profile", "/profile/passwords-help", "/loads"] {
            assert!(refusing(&rules, path).is_none(), "{path} was refused");
        }
    }
}
