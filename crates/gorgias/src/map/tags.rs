//! Tags (Gorgias has tags, not the seed's "labels"). A Stames tag becomes
//! its normalised key (`tag_key`: lowercase, hyphenated), so `Refund
//! Request` and `refund_request` collide into one Gorgias tag, created once
//! before any ticket and attached to tickets by name.

use super::{truncate_chars, Mapped};
use deskshift_core::normalise::tag_key;

/// Gorgias's longest tag name.
pub const MAX_TAG_LEN: usize = 256;

/// The Gorgias name of a Stames tag; `None` when nothing is left of it
/// (a tag of spaces and dashes). A name cut to fit carries a note.
pub fn tag_name(stames: &str) -> Option<Mapped<String>> {
    let key = tag_key(stames);
    if key.is_empty() {
        return None;
    }
    let cut = truncate_chars(&key, MAX_TAG_LEN);
    Some(if cut.len() < key.len() {
        Mapped::noted(
            cut.trim_end_matches('-').to_string(),
            format!(
                "tag `{}…` was longer than {MAX_TAG_LEN} characters and was cut",
                truncate_chars(stames, 40)
            ),
        )
    } else {
        Mapped::exact(key)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_collide_on_their_key() {
        let names: Vec<String> = ["Refund Request", "refund_request", " REFUND-request "]
            .iter()
            .map(|t| tag_name(t).unwrap().value)
            .collect();
        assert!(names.iter().all(|n| n == "refund-request"), "{names:?}");
    }

    #[test]
    fn long_tags_are_cut_and_noted_empty_ones_refused() {
        let long = "x".repeat(300);
        let mapped = tag_name(&long).unwrap();
        assert_eq!(mapped.value.chars().count(), MAX_TAG_LEN);
        assert!(mapped.note.is_some());
        assert_eq!(tag_name(" - _ "), None);
    }
}
