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

/// A count of bytes as a person reads it: `512 B`, `1.5 KB`, `12.0 MB` (powers of 1024).
pub fn bytes(count: i64) -> String {
    const UNITS: [&str; 4] = ["KB", "MB", "GB", "TB"];
    if count.abs() < 1024 {
        return format!("{count} B");
    }
    let mut value = count as f64 / 1024.0;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
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

    #[test]
    fn bytes_are_in_the_largest_fitting_unit() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KB");
        assert_eq!(bytes(5 * 1024 * 1024), "5.0 MB");
    }
}
