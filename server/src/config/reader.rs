//! Reading variables: each section asks the reader for its values by name and kind, and the
//! reader notes every problem instead of stopping at the first, so that all of them can be
//! reported together.

use std::{collections::HashMap, fmt, net::IpAddr, path::PathBuf, str::FromStr, time::Duration};

use ipnet::IpNet;

use super::{Mode, Secret};

pub(super) struct Reader {
    vars: HashMap<String, String>,
    problems: Vec<String>,
}

impl Reader {
    pub(super) fn new(vars: HashMap<String, String>) -> Self {
        Self {
            vars,
            problems: Vec::new(),
        }
    }

    /// Every problem noted, in the order the variables were read.
    pub(super) fn finish(self) -> Result<(), Vec<String>> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(self.problems)
        }
    }

    pub(super) fn text(&self, name: &str) -> Option<String> {
        self.vars
            .get(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    pub(super) fn secret(&self, name: &str) -> Option<Secret> {
        self.text(name).map(Secret)
    }

    /// A URL that may carry a password (a database's, Redis's): kept as a secret.
    pub(super) fn url(&mut self, name: &str, schemes: &[&str]) -> Option<Secret> {
        let value = self.text(name)?;
        if schemes.iter().any(|scheme| value.starts_with(scheme)) {
            Some(Secret(value))
        } else {
            self.problem(
                name,
                format!("must start with one of {}", schemes.join(", ")),
            );
            None
        }
    }

    /// A file that must exist when the process starts (a certificate, say).
    pub(super) fn file(&mut self, name: &str) -> Option<PathBuf> {
        let path = PathBuf::from(self.text(name)?);
        if path.is_file() {
            Some(path)
        } else {
            self.problem(name, format!("names no readable file: {}", path.display()));
            None
        }
    }

    /// A public address, without a trailing `/` so that paths can be appended to it.
    pub(super) fn address(&mut self, name: &str, schemes: &[&str]) -> Option<String> {
        self.url(name, schemes)
            .map(|url| url.0.trim_end_matches('/').to_owned())
    }

    /// An upstream's base URL: the configured one, else in production the real service's;
    /// `None` (sandbox mode) leaves the upstream to the stand-in this server hosts.
    pub(super) fn upstream(&mut self, name: &str, mode: Mode, real: &str) -> Option<String> {
        self.address(name, &["http://", "https://"])
            .or_else(|| (mode == Mode::Production).then(|| real.to_owned()))
    }

    pub(super) fn parsed<T: FromStr>(&mut self, name: &str, expected: &str) -> Option<T> {
        let value = self.text(name)?;
        match value.parse() {
            Ok(parsed) => Some(parsed),
            Err(_) => {
                self.problem(name, format!("must be {expected}, not `{value}`"));
                None
            }
        }
    }

    pub(super) fn positive(&mut self, name: &str, default: u32) -> u32 {
        match self.parsed::<u32>(name, "a whole number above zero") {
            Some(0) => {
                self.problem(name, "must be above zero");
                default
            }
            Some(value) => value,
            None => default,
        }
    }

    /// Two whole numbers above zero, `<first>,<second>`.
    pub(super) fn pair(&mut self, name: &str, default: (u32, u32)) -> (u32, u32) {
        let Some(value) = self.text(name) else {
            return default;
        };
        let parsed = value.split_once(',').and_then(|(first, second)| {
            let first: u32 = first.trim().parse().ok()?;
            let second: u32 = second.trim().parse().ok()?;
            (first > 0 && second > 0).then_some((first, second))
        });
        parsed.unwrap_or_else(|| {
            self.problem(
                name,
                format!("must be two whole numbers above zero like `10,120`, not `{value}`"),
            );
            default
        })
    }

    /// A period of whole seconds, zero allowed.
    pub(super) fn seconds_or_none(&mut self, name: &str, default: u32) -> Duration {
        let seconds = self
            .parsed::<u32>(name, "a whole number of seconds")
            .unwrap_or(default);
        Duration::from_secs(seconds.into())
    }

    /// A period of whole seconds above zero.
    pub(super) fn seconds(&mut self, name: &str, default: u32) -> Duration {
        Duration::from_secs(self.positive(name, default).into())
    }

    /// Comma-separated CIDR ranges (a bare address is one host).
    pub(super) fn ranges(&mut self, name: &str) -> Option<Vec<IpNet>> {
        let list = self.text(name)?;
        match parse_ranges(&list) {
            Ok(ranges) => Some(ranges),
            Err(entry) => {
                self.problem(
                    name,
                    format!("must be comma-separated ranges like 185.71.76.0/27, not `{entry}`"),
                );
                None
            }
        }
    }

    /// The `<NAME>`s of the variables named `<prefix><NAME><suffix>` for any of `suffixes`, in
    /// order, each once.
    pub(super) fn names(&self, prefix: &str, suffixes: &[&str]) -> Vec<String> {
        let mut names: Vec<String> = self
            .vars
            .keys()
            .filter_map(|key| {
                let rest = key.strip_prefix(prefix)?;
                suffixes
                    .iter()
                    .find_map(|suffix| rest.strip_suffix(suffix))
                    .map(str::to_owned)
            })
            .filter(|name| !name.is_empty())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// In production mode a missing value is a problem, unless the variable was already reported
    /// (a malformed value is not also called missing).
    pub(super) fn require_in_production(
        &mut self,
        mode: Mode,
        name: &str,
        missing: bool,
        what: &str,
    ) {
        if mode == Mode::Production && missing && !self.reported(name) {
            self.problem(name, format!("is required in production mode ({what})"));
        }
    }

    pub(super) fn reported(&self, name: &str) -> bool {
        self.problems
            .iter()
            .any(|problem| problem.starts_with(name))
    }

    pub(super) fn problem(&mut self, name: &str, what: impl fmt::Display) {
        // Secret values are never echoed: a misplaced secret must not reach a terminal or a log.
        self.problems.push(format!("{name} {what}"));
    }
}

/// Parses `a.b.c.d/n, …` (a bare address is a /32 or /128); the first bad entry is the error.
pub fn parse_ranges(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| entry.to_owned())
        })
        .collect()
}
