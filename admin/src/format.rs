//! How the dashboard writes what it shows, and how it puts text into a URL: once, for every page.

/// Percent-encodes a query-string value or path segment, as the Mini App does.
pub use api_client::encode;

/// RFC 3339 to the minute: `2026-11-23T10:15:00.123+00:00` as `2026-11-23 10:15` (UTC).
pub fn minute(at: &str) -> String {
    at.get(..16).unwrap_or(at).replace('T', " ")
}

/// RFC 3339 to the second: `2026-03-01T12:34:56.789+00:00` as `2026-03-01 12:34:56` (UTC).
pub fn second(at: &str) -> String {
    at.get(..19).unwrap_or(at).replace('T', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shortened() {
        assert_eq!(minute("2026-11-23T10:15:00.123+00:00"), "2026-11-23 10:15");
        assert_eq!(
            second("2026-03-01T12:34:56.789+00:00"),
            "2026-03-01 12:34:56"
        );
        assert_eq!(minute("soon"), "soon");
    }
}
