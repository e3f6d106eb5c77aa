//! The Grafana dashboard kept in the repository (`ops/grafana/hauler.json`) and the metric names
//! its queries read, so a test can hold the dashboard and the exporter to the same names.

use std::collections::BTreeSet;

/// Words in PromQL that are neither metrics nor functions: aggregations (which may be followed
/// by `by (…)` before their parenthesis), modifiers and operators.
const KEYWORDS: &[&str] = &[
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "offset",
    "inf",
    "nan",
];

/// Every metric name the dashboard's queries (`expr`, anywhere in its JSON) read.
pub fn queried_metrics(dashboard: &str) -> Result<BTreeSet<String>, serde_json::Error> {
    let json: serde_json::Value = serde_json::from_str(dashboard)?;
    let mut queries = Vec::new();
    collect_exprs(&json, &mut queries);
    Ok(queries.iter().flat_map(|q| metrics_in(q)).collect())
}

fn collect_exprs<'a>(value: &'a serde_json::Value, into: &mut Vec<&'a str>) {
    match value {
        serde_json::Value::Object(fields) => {
            for (key, field) in fields {
                match (key.as_str(), field) {
                    ("expr", serde_json::Value::String(expr)) => into.push(expr),
                    _ => collect_exprs(field, into),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| collect_exprs(item, into)),
        _ => {}
    }
}

/// The metric names in one PromQL query: identifiers outside label matchers (`{…}`), ranges
/// (`[…]`), strings and grouping lists (`by (…)`), that are not functions or keywords.
pub fn metrics_in(query: &str) -> BTreeSet<String> {
    let chars: Vec<char> = query.chars().collect();
    let mut names = BTreeSet::new();
    let mut n = 0;
    let mut skip_group = false;
    while n < chars.len() {
        let c = chars[n];
        if skip_group && !c.is_whitespace() && c != '(' {
            // `group_left` without a list of labels.
            skip_group = false;
        }
        match c {
            '{' | '[' | '"' | '\'' => {
                let close = match c {
                    '{' => '}',
                    '[' => ']',
                    quote => quote,
                };
                n += 1;
                while n < chars.len() && chars[n] != close {
                    if chars[n] == '"' && close == '}' {
                        n += 1;
                        while n < chars.len() && chars[n] != '"' {
                            n += 1;
                        }
                    }
                    n += 1;
                }
                n += 1;
            }
            '(' if skip_group => {
                while n < chars.len() && chars[n] != ')' {
                    n += 1;
                }
                skip_group = false;
                n += 1;
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == ':' => {
                let start = n;
                while n < chars.len()
                    && (chars[n].is_ascii_alphanumeric() || chars[n] == '_' || chars[n] == ':')
                {
                    n += 1;
                }
                let word: String = chars[start..n].iter().collect();
                let mut next = n;
                while next < chars.len() && chars[next].is_whitespace() {
                    next += 1;
                }
                let lower = word.to_ascii_lowercase();
                if KEYWORDS.contains(&lower.as_str()) {
                    skip_group = matches!(
                        lower.as_str(),
                        "by" | "without" | "on" | "ignoring" | "group_left" | "group_right"
                    );
                } else if chars.get(next) != Some(&'(') {
                    names.insert(word);
                }
            }
            c if c.is_ascii_digit() || c == '.' => {
                // A number, with its exponent or duration unit.
                while n < chars.len() && (chars[n].is_ascii_alphanumeric() || chars[n] == '.') {
                    n += 1;
                }
            }
            '$' => {
                // A Grafana variable such as `$__rate_interval`.
                n += 1;
                while n < chars.len() && (chars[n].is_ascii_alphanumeric() || chars[n] == '_') {
                    n += 1;
                }
            }
            _ => n += 1,
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telemetry::metrics::families;

    /// The dashboard, as committed.
    const GRAFANA: &str = include_str!("../../../../ops/grafana/hauler.json");

    #[test]
    fn names_are_read_from_queries_and_labels_functions_and_ranges_are_not() {
        let names = metrics_in(
            r#"histogram_quantile(0.95, sum by (le, route) (rate(hauler_http_request_duration_seconds_bucket{route!~"/sandbox.*", method="GET"}[$__rate_interval]))) / on (route) group_left hauler_x offset 5m > bool 1e3"#,
        );
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            ["hauler_http_request_duration_seconds_bucket", "hauler_x"]
        );
    }

    /// The dashboard reads only what the exporter writes: every name its queries use is a
    /// family of the catalogue (or a histogram's `_bucket`, `_sum`, `_count`).
    #[test]
    fn every_metric_the_dashboard_queries_is_exported() {
        let names = queried_metrics(GRAFANA).expect("the dashboard is JSON");
        assert!(
            names.len() >= 15,
            "the dashboard's queries were found: {names:?}"
        );
        let unknown: Vec<&String> = names
            .iter()
            .filter(|name| families::of_sample(name).is_none())
            .collect();
        assert!(unknown.is_empty(), "not exported: {unknown:?}");
    }
}
