//! The path policy as the proxy applies it: the rules read from the database at most once a
//! second (an admin's change reaches every instance within a second), and the page a refused
//! request gets, which says in plain words why.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use domain::cabinet::policy::{self, Rule};
use sea_orm::{DatabaseConnection, DbErr};

const FRESH_FOR: Duration = Duration::from_secs(1);

pub(super) struct PolicyBook {
    db: DatabaseConnection,
    read: Mutex<Option<(Instant, Arc<Vec<Rule>>)>>,
}

impl PolicyBook {
    pub(super) fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            read: Mutex::new(None),
        }
    }

    async fn rules(&self) -> Result<Arc<Vec<Rule>>, DbErr> {
        if let Some((at, rules)) = self.read.lock().unwrap_or_else(|p| p.into_inner()).as_ref()
            && at.elapsed() < FRESH_FOR
        {
            return Ok(Arc::clone(rules));
        }
        let rules = Arc::new(policy::all(&self.db).await?);
        *self.read.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((Instant::now(), Arc::clone(&rules)));
        Ok(rules)
    }

    /// Why this cabinet path is closed, if it is.
    pub(super) async fn refusal(&self, path: &str) -> Result<Option<String>, DbErr> {
        let rules = self.rules().await?;
        Ok(policy::refusing(&rules, path).map(|rule| rule.reason.clone()))
    }
}

/// The page a refused cabinet request gets (HTML: a person reads it in the browser).
pub fn refusal_page(title: &str, explanation: &str) -> String {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    format!(
        "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:36rem;\
         margin:4rem auto;padding:0 1rem;color:#222}}h1{{font-size:1.4rem}}\
         a{{color:#0a58ca}}</style></head><body><h1 id=\"refusal\">{title}</h1><p>{explanation}</p>\
         <p><a href=\"/cabinet/\">Вернуться в кабинет</a></p></body></html>",
        title = escape(title),
        explanation = escape(explanation),
    )
}
