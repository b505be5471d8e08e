//! Timestamps on the wire. deskshift writes RFC 3339 in UTC to the second
//! (Stames's own precision); Gorgias answers with or without an offset and
//! with `T` or a space (reference §7), so reading is lenient.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
use deskshift_core::model::Timestamp;

/// `2024-03-05T14:22:11Z`.
pub fn format(at: Timestamp) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Parses any datetime form Gorgias emits; naive ones are UTC.
pub fn parse(text: &str) -> Option<Timestamp> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    let with_t = text.replacen(' ', "T", 1);
    if let Ok(at) = DateTime::parse_from_rfc3339(&with_t) {
        return Some(at.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(&with_t, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc())
}

/// Whether two instants agree to the second (verify's rule).
pub fn same_second(a: Timestamp, b: Timestamp) -> bool {
    a.timestamp() == b.timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn writes_utc_seconds_and_reads_every_form() {
        let at = Utc.with_ymd_and_hms(2021, 3, 3, 6, 0, 0).unwrap();
        assert_eq!(format(at), "2021-03-03T06:00:00Z");
        for text in [
            "2021-03-03T06:00:00Z",
            "2021-03-03T06:00:00+00:00",
            "2021-03-03T07:00:00+01:00",
            "2021-03-03T06:00:00",
            "2021-03-03 06:00:00",
            "2021-03-03T06:00:00.966927",
        ] {
            let parsed = parse(text).unwrap_or_else(|| panic!("{text}"));
            assert!(same_second(parsed, at), "{text}");
        }
        assert_eq!(parse("yesterday"), None);
    }
}
