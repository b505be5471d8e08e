//! Tags. Salesforce has no tag object for Cases; the two homes are a
//! multi-select picklist on Case (`Stames_Tags__c`), filterable and
//! reportable, or Topics with TopicAssignments, which scale to any number
//! of tags. The choice is a function of the number of distinct tags: a
//! multi-select picklist holds at most 500 values, so up to 500 it is the
//! picklist, beyond it Topics.
//!
//! Tags are normalised with the core's `tag_key` (lowercase, runs of
//! spaces, `_` and `-` → one `-`), the same key Gorgias uses, so `Refund
//! Request` and `refund_request` are one value. A picklist value cannot hold
//! `;` (the multi-select separator; it becomes `-`) and has at most 255
//! characters; a Topic name at most 99 (longer ones are cut, noted).

use super::schema::MAX_PICKLIST_VALUE_LEN;
use super::text::truncate_chars;
use super::{Mapped, Record, SfId};
use deskshift_core::normalise::tag_key;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeSet;

/// Most values a multi-select picklist holds; more tags → Topics.
pub const MAX_TAG_PICKLIST_VALUES: usize = 500;
/// Most values one multi-select field holds on one record.
pub const MAX_SELECTED_VALUES: usize = 100;
/// Longest Topic name deskshift writes.
pub const MAX_TOPIC_NAME_LEN: usize = 99;

/// Where tags go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TagStrategy {
    /// `Stames_Tags__c`, with these values (sorted).
    Picklist { values: Vec<String> },
    /// Topic + TopicAssignment; this many distinct tags.
    Topics { distinct: usize },
}

/// The normalised tag value of a Stames tag; `None` when nothing is left
/// (a tag of spaces and dashes).
pub fn tag_value(stames: &str) -> Option<Mapped<String>> {
    let key = tag_key(stames).replace(';', "-");
    if key.is_empty() {
        return None;
    }
    let cut = truncate_chars(&key, MAX_PICKLIST_VALUE_LEN);
    Some(if cut.len() < key.len() {
        Mapped::noted(
            cut.trim_end_matches('-').to_string(),
            format!(
                "tag `{}…` was longer than {MAX_PICKLIST_VALUE_LEN} characters and was cut",
                truncate_chars(stames, 40)
            ),
        )
    } else {
        Mapped::exact(key)
    })
}

/// Picklist up to [`MAX_TAG_PICKLIST_VALUES`] distinct tag values, Topics
/// beyond.
pub fn strategy(tags: &[String]) -> TagStrategy {
    let distinct: BTreeSet<String> = tags
        .iter()
        .filter_map(|t| tag_value(t))
        .map(|m| m.value)
        .collect();
    if distinct.len() <= MAX_TAG_PICKLIST_VALUES {
        TagStrategy::Picklist {
            values: distinct.into_iter().collect(),
        }
    } else {
        TagStrategy::Topics {
            distinct: distinct.len(),
        }
    }
}

/// A ticket's tags as normalised, deduplicated values (first use order),
/// with a note for each tag cut or left out.
pub fn ticket_tags(tags: &[String]) -> (Vec<String>, Vec<String>) {
    let mut values: Vec<String> = Vec::new();
    let mut notes = Vec::new();
    for tag in tags {
        match tag_value(tag) {
            Some(mapped) => {
                notes.extend(mapped.note);
                if !values.contains(&mapped.value) {
                    values.push(mapped.value);
                }
            }
            None => notes.push(format!("tag `{tag}` has no usable name and was left out")),
        }
    }
    (values, notes)
}

/// The `Stames_Tags__c` value: values joined with `;` (a multi-select is
/// one string, never a JSON array), at most [`MAX_SELECTED_VALUES`]; a note
/// when some were left out. `None` when the ticket has no tags.
pub fn picklist_field(values: &[String]) -> (Option<String>, Option<String>) {
    if values.is_empty() {
        return (None, None);
    }
    let kept = &values[..values.len().min(MAX_SELECTED_VALUES)];
    let note = (values.len() > kept.len()).then(|| {
        format!(
            "{} tags; a multi-select holds {MAX_SELECTED_VALUES} per record, left out: {}",
            values.len(),
            values[kept.len()..].join(", ")
        )
    });
    (Some(kept.join(";")), note)
}

/// The Topic name of a tag value (≤ 99 characters).
pub fn topic_name(value: &str) -> String {
    truncate_chars(value, MAX_TOPIC_NAME_LEN)
        .trim_end_matches('-')
        .to_string()
}

/// A Topic to create when no Topic of that name exists. Topics are found
/// again by `Name` (an idLookup field): `SELECT Id FROM Topic WHERE Name = …`.
pub fn topic(name: &str) -> Record {
    let mut record = Record::new();
    record.insert("Name".into(), json!(name));
    record
}

/// The TopicAssignment linking `topic_id` to a Case. A repeated one is
/// refused by Salesforce as a duplicate; the writer adopts the existing one
/// (`SELECT Id FROM TopicAssignment WHERE TopicId = … AND EntityId = …`).
pub fn topic_assignment(topic_id: &SfId, case_id: &SfId) -> Record {
    let mut record = Record::new();
    record.insert("TopicId".into(), json!(topic_id));
    record.insert("EntityId".into(), json!(case_id));
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tags_normalise_and_merge() {
        let tags: Vec<String> = ["Refund Request", "refund_request", "VIP", "  ", "a;b"]
            .iter()
            .map(|t| t.to_string())
            .collect();
        let (values, notes) = ticket_tags(&tags);
        assert_eq!(values, ["refund-request", "vip", "a-b"]);
        assert_eq!(notes.len(), 1);
        assert_eq!(
            picklist_field(&values).0.as_deref(),
            Some("refund-request;vip;a-b")
        );
        assert_eq!(picklist_field(&[]), (None, None));
    }

    #[test]
    fn too_many_tags_on_one_case_are_noted() {
        let values: Vec<String> = (0..105).map(|i| format!("t{i}")).collect();
        let (field, note) = picklist_field(&values);
        assert_eq!(field.unwrap().split(';').count(), MAX_SELECTED_VALUES);
        assert!(note.unwrap().contains("t104"));
    }

    #[test]
    fn the_strategy_switches_past_500_distinct_tags() {
        let tags: Vec<String> = (0..500).map(|i| format!("tag {i}")).collect();
        assert!(matches!(strategy(&tags), TagStrategy::Picklist { values } if values.len() == 500));
        let mut more = tags.clone();
        more.push("one more".into());
        more.push("ONE  MORE".into());
        assert_eq!(strategy(&more), TagStrategy::Topics { distinct: 501 });
    }

    #[test]
    fn topics_and_assignments() {
        assert_eq!(topic_name(&"x".repeat(200)).len(), MAX_TOPIC_NAME_LEN);
        assert_eq!(topic("vip")["Name"], "vip");
        let a = topic_assignment(&"0TO1".to_string(), &"5001".to_string());
        assert_eq!(
            (a["TopicId"].as_str(), a["EntityId"].as_str()),
            (Some("0TO1"), Some("5001"))
        );
    }

    proptest! {
        #[test]
        fn tag_values_never_hold_a_separator_or_overflow(tag in any::<String>()) {
            if let Some(value) = tag_value(&tag) {
                prop_assert!(!value.value.contains(';'));
                prop_assert!(!value.value.is_empty());
                prop_assert!(value.value.chars().count() <= MAX_PICKLIST_VALUE_LEN);
            }
        }
    }
}
