//! Tiny text helpers every unit shares: cutting to a character or byte limit
//! without splitting a character, splitting a long text into parts, the
//! timestamp format Salesforce takes, and a loose e-mail check.

use chrono::SecondsFormat;
use deskshift_core::model::Timestamp;

pub use deskshift_core::normalise::{is_email, truncate_chars};

/// `text` cut to at most `max` UTF-8 bytes, at a character boundary.
pub fn truncate_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `text` cut to `max` characters with `marker` appended, the whole staying
/// within `max`; `None` when it already fits. Used wherever a limit forces a
/// cut, so the reader of the record sees that something is missing.
pub fn truncate_with_marker(text: &str, max: usize, marker: &str) -> Option<String> {
    if text.chars().count() <= max {
        return None;
    }
    let room = max.saturating_sub(marker.chars().count());
    Some(format!("{}{marker}", truncate_chars(text, room)))
}

/// `text` split into parts of at most `max` bytes each, cutting after the
/// last line break (else space) in the second half of a part when there is
/// one, so parts end at a natural place; never inside a character. An empty
/// text is one empty part. `max` below 4 is raised to 4 (one character).
pub fn split_bytes(text: &str, max: usize) -> Vec<&str> {
    let max = max.max(4);
    let mut parts = Vec::new();
    let mut rest = text;
    while rest.len() > max {
        let hard = truncate_bytes(rest, max);
        let soft = hard
            .rfind('\n')
            .or_else(|| hard.rfind(' '))
            .filter(|&at| at >= hard.len() / 2)
            .map(|at| at + 1);
        let cut = soft.unwrap_or(hard.len());
        parts.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    parts.push(rest);
    parts
}

/// A dateTime as Salesforce writes it: `2024-03-05T14:22:11.000Z`.
pub fn datetime(at: Timestamp) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A time as people read it in a note: `2024-03-05 14:22:11 UTC`.
pub fn human_time(at: Timestamp) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// Trimmed, `None` when nothing is left.
pub fn non_blank(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// `on_hold` → `On Hold`: underscores and hyphens become spaces, each word
/// capitalised. Used to turn an unknown Stames value into a picklist value.
pub fn title_case(text: &str) -> String {
    text.split(|c: char| c == '_' || c == '-' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    #[test]
    fn truncation_counts_bytes_never_splitting_a_character() {
        assert_eq!(truncate_bytes("héllo", 2), "h");
        assert_eq!(truncate_bytes("破損", 4), "破");
        assert_eq!(truncate_bytes("", 0), "");
        assert_eq!(truncate_with_marker("abcdef", 4, "…"), Some("abc…".into()));
        assert_eq!(truncate_with_marker("abc", 4, "…"), None);
    }

    #[test]
    fn splitting_prefers_line_breaks() {
        let text = "line one\nline two\nline three";
        let parts = split_bytes(text, 12);
        assert_eq!(parts, ["line one\n", "line two\n", "line three"]);
        assert_eq!(split_bytes("", 10), [""]);
        assert_eq!(split_bytes("abcdefghij", 4), ["abcd", "efgh", "ij"]);
    }

    #[test]
    fn times_and_titles() {
        let at = Utc.with_ymd_and_hms(2024, 3, 5, 14, 22, 11).unwrap();
        assert_eq!(datetime(at), "2024-03-05T14:22:11.000Z");
        assert_eq!(human_time(at), "2024-03-05 14:22:11 UTC");
        assert_eq!(title_case("on_hold"), "On Hold");
        assert_eq!(title_case("  contact-form "), "Contact Form");
        assert_eq!(title_case("élan"), "Élan");
        assert_eq!(title_case(""), "");
    }

    proptest! {
        #[test]
        fn splitting_loses_nothing_and_respects_the_limit(text in any::<String>(), max in 0usize..64) {
            let parts = split_bytes(&text, max);
            prop_assert_eq!(parts.concat(), text.clone());
            for part in &parts {
                prop_assert!(part.len() <= max.max(4));
            }
            prop_assert!(truncate_bytes(&text, max).len() <= max);
            prop_assert!(truncate_chars(&text, max).chars().count() <= max);
        }
    }
}
