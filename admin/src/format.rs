//! How the dashboard writes what it shows, and how it puts text into a URL: once, for every page.

/// Percent-encodes a query-string value or path segment (everything but RFC 3986's unreserved
/// characters).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

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
    fn values_are_percent_encoded_and_times_shortened() {
        assert_eq!(encode("Иван & co"), "%D0%98%D0%B2%D0%B0%D0%BD%20%26%20co");
        assert_eq!(encode("a-b_c.d~"), "a-b_c.d~");
        assert_eq!(minute("2026-11-23T10:15:00.123+00:00"), "2026-11-23 10:15");
        assert_eq!(
            second("2026-03-01T12:34:56.789+00:00"),
            "2026-03-01 12:34:56"
        );
        assert_eq!(minute("soon"), "soon");
    }
}
