//! The driver's profile: what they set for themselves in the Mini App (language, home city,
//! truck, alerts and quiet hours) and the page that sets it, with autopay, the loads they hid and
//! the way out (log out). The wire types and their checks live here, once, for the browser and the
//! server.

mod autopay;
mod hidden;
mod page;
mod texts;

pub use hidden::HiddenLoad;
pub use page::ProfilePage;

use serde::{Deserialize, Serialize};

use crate::cargo::filter::WeightCategory;

/// The languages the app speaks.
pub const LANGUAGES: [&str; 2] = ["ru", "en"];
/// Time zones run from UTC−12 to UTC+14.
pub const UTC_OFFSET_MINUTES: std::ops::RangeInclusive<i32> = -12 * 60..=14 * 60;
/// Moscow: the time zone of a driver who never said.
pub const DEFAULT_UTC_OFFSET_MINUTES: i32 = 180;
/// A city name as the points dictionary gives it is far shorter.
pub const CITY_NAME_MAX_CHARS: usize = 120;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Profile {
    /// `ru` or `en`, over Telegram's own; `None` follows Telegram.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(pattern = "^(ru|en)$"))]
    pub language: Option<String>,
    #[serde(default)]
    pub home_city: Option<HomeCity>,
    /// A body type id from `GET /api/v1/dictionaries` (`truck_types`), as in the filter (the
    /// dictionary's ids run from 1 to 8).
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(minimum = 1, maximum = 8))]
    pub truck_type: Option<u32>,
    /// The truck's class, in the filter's weight/volume categories.
    #[serde(default)]
    pub capacity: Option<WeightCategory>,
    /// New-load alerts through the bot at all.
    pub notifications: bool,
    /// When alerts wait, in the driver's time; `None` lets them come at any hour.
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    /// The driver's time zone, as the app reports it (minutes east of UTC): UTC−12 to UTC+14.
    #[cfg_attr(feature = "ssr", schema(minimum = -720, maximum = 840))]
    pub utc_offset_minutes: i32,
}

impl Default for Profile {
    /// A driver who never opened the profile: alerts on, quiet from 22:00 to 07:00 Moscow time.
    fn default() -> Self {
        Self {
            language: None,
            home_city: None,
            truck_type: None,
            capacity: None,
            notifications: true,
            quiet_hours: Some(QuietHours {
                from: "22:00".into(),
                until: "07:00".into(),
            }),
            utc_offset_minutes: DEFAULT_UTC_OFFSET_MINUTES,
        }
    }
}

/// A city from the points dictionary (`GET /api/v1/cities`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct HomeCity {
    #[cfg_attr(feature = "ssr", schema(minimum = 1))]
    pub city_id: u32,
    /// As the city search gives it: not blank, at most 120 characters.
    #[cfg_attr(
        feature = "ssr",
        schema(min_length = 1, max_length = 120, pattern = r"\S")
    )]
    pub name: String,
}

/// From `from` until `until` (`HH:MM`, the driver's clock; across midnight when `until` is
/// earlier), alerts are held and sent when the hours end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QuietHours {
    #[cfg_attr(feature = "ssr", schema(example = "22:00"))]
    pub from: String,
    #[cfg_attr(feature = "ssr", schema(example = "07:00"))]
    pub until: String,
}

impl QuietHours {
    /// `(from, until)` as minutes of the day, when both read and differ.
    pub fn minutes(&self) -> Option<(u32, u32)> {
        let (from, until) = (minute_of_day(&self.from)?, minute_of_day(&self.until)?);
        (from != until).then_some((from, until))
    }
}

/// `07:30` → 450.
pub fn minute_of_day(text: &str) -> Option<u32> {
    let (hours, minutes) = text.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
}

/// 450 → `07:30`.
pub fn clock(minute_of_day: u32) -> String {
    format!("{:02}:{:02}", minute_of_day / 60 % 24, minute_of_day % 60)
}

/// What in a profile cannot be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileProblem {
    Language,
    HomeCity,
    TruckType,
    QuietHours,
    UtcOffset,
}

impl ProfileProblem {
    /// The field, as the JSON names it.
    pub fn field(self) -> &'static str {
        match self {
            Self::Language => "language",
            Self::HomeCity => "home_city",
            Self::TruckType => "truck_type",
            Self::QuietHours => "quiet_hours",
            Self::UtcOffset => "utc_offset_minutes",
        }
    }
}

impl Profile {
    /// The first thing that cannot be kept, if any.
    pub fn check(&self) -> Result<(), ProfileProblem> {
        if self
            .language
            .as_deref()
            .is_some_and(|code| !LANGUAGES.contains(&code))
        {
            return Err(ProfileProblem::Language);
        }
        if self.home_city.as_ref().is_some_and(|city| {
            city.city_id == 0
                || city.name.trim().is_empty()
                || city.name.chars().count() > CITY_NAME_MAX_CHARS
        }) {
            return Err(ProfileProblem::HomeCity);
        }
        if self.truck_type.is_some_and(|id| {
            crate::cargo::dictionary::name_of(&crate::cargo::dictionary::TRUCK_TYPES, id).is_none()
        }) {
            return Err(ProfileProblem::TruckType);
        }
        if self
            .quiet_hours
            .as_ref()
            .is_some_and(|quiet| quiet.minutes().is_none())
        {
            return Err(ProfileProblem::QuietHours);
        }
        if !UTC_OFFSET_MINUTES.contains(&self.utc_offset_minutes) {
            return Err(ProfileProblem::UtcOffset);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_body_type_bounds_are_the_dictionarys() {
        let ids: Vec<u32> = crate::cargo::dictionary::TRUCK_TYPES
            .iter()
            .map(|(id, _, _)| *id)
            .collect();
        assert_eq!(
            ids,
            (1..=8).collect::<Vec<_>>(),
            "update `truck_type`'s schema bounds"
        );
    }

    #[test]
    fn quiet_hours_read_as_a_clock_and_must_not_be_empty() {
        let quiet = |from: &str, until: &str| QuietHours {
            from: from.into(),
            until: until.into(),
        };
        assert_eq!(quiet("22:00", "07:30").minutes(), Some((1320, 450)));
        assert_eq!(quiet("7:00", "08:00").minutes(), None);
        assert_eq!(quiet("24:00", "08:00").minutes(), None);
        assert_eq!(quiet("08:00", "08:00").minutes(), None);
        assert_eq!(clock(450), "07:30");
    }

    #[test]
    fn a_profile_is_checked_field_by_field() {
        assert_eq!(Profile::default().check(), Ok(()));
        let with = |change: fn(&mut Profile)| {
            let mut profile = Profile::default();
            change(&mut profile);
            profile.check()
        };
        assert_eq!(
            with(|p| p.language = Some("de".into())),
            Err(ProfileProblem::Language)
        );
        assert_eq!(
            with(|p| p.truck_type = Some(99)),
            Err(ProfileProblem::TruckType)
        );
        assert_eq!(
            with(|p| p.utc_offset_minutes = 15 * 60),
            Err(ProfileProblem::UtcOffset)
        );
        assert_eq!(
            with(|p| p.home_city = Some(HomeCity {
                city_id: 1,
                name: " ".into()
            })),
            Err(ProfileProblem::HomeCity)
        );
    }
}
