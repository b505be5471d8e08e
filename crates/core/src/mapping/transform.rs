//! The transform library: the closed set of changes a value may undergo on
//! its way to the destination. `mapping.toml` names them by these spellings;
//! anything else is refused with the list below. `docs/mapping.md` documents
//! each one; keep the two in step ([`Transform::library`] is the source of
//! both the refusal message and that table).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// One transform of the library.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Transform {
    /// `copy`: the value as the source holds it.
    Copy,
    /// `external_id`: the Stames id, kept as the destination's idempotency key.
    ExternalId,
    /// `id_map_lookup`: a reference to another Stames record, resolved to its
    /// destination id through the ledger's id map.
    IdMapLookup,
    /// `email_normalise`: trimmed and lower-cased; what records are matched on.
    EmailNormalise,
    /// `tag_normalise`: lower case, runs of spaces, `_` and `-` → one `-`.
    TagNormalise,
    /// `text_to_number`: numeric text becomes a number.
    TextToNumber,
    /// `text_to_boolean`: true/false/yes/no/1/0 text becomes a boolean.
    TextToBoolean,
    /// `text_to_date`: a date (or instant) written as text becomes a date.
    TextToDate,
    /// `date_to_iso_text`: a date becomes ISO 8601 text (`2024-03-05`).
    DateToIsoText,
    /// `datetime_utc`: a timestamp, in UTC, to the second.
    DatetimeUtc,
    /// `multi_select_join:<separator>`: the selected options joined into one text.
    MultiSelectJoin(String),
    /// `value_map:<name>`: each value through the named value map.
    ValueMap(String),
    /// `customer_to_account_contact`: a customer splits into an Account (its
    /// company, or itself) and a Contact.
    CustomerToAccountContact,
    /// `name_split`: a full name split into first and last name at the last space.
    NameSplit,
    /// `html_to_text`: HTML reduced to its text.
    HtmlToText,
    /// `truncate_with_note:<n>`: cut to n characters; the full value is kept
    /// in the record's migration note.
    TruncateWithNote(u32),
    /// `rewrite_file_urls`: Stames file URLs in a body replaced by the
    /// destination's URLs of the migrated files.
    RewriteFileUrls,
    /// `upload_file`: the file streamed from Stames and uploaded.
    UploadFile,
    /// `note_line`: kept as a line of text (the ticket's migration note, or a
    /// long-text field).
    NoteLine,
    /// `customer_data`: kept in the destination's free-form record data.
    CustomerData,
    /// `record_per_item`: each item becomes its own destination record.
    RecordPerItem,
}

/// A transform the library does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTransform(pub String);

impl fmt::Display for UnknownTransform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown transform `{}`; the library has: {} (docs/mapping.md)",
            self.0,
            Transform::spellings().join(", ")
        )
    }
}

impl Transform {
    /// Every transform with its spelling (parameters as `<…>`) and a one-line
    /// description; the order of `docs/mapping.md`.
    pub fn library() -> Vec<(&'static str, &'static str)> {
        vec![
            ("copy", "the value as the source holds it"),
            ("external_id", "the Stames id, kept as the destination's idempotency key"),
            ("id_map_lookup", "a reference to another Stames record, resolved to its destination id through the ledger's id map"),
            ("email_normalise", "trimmed and lower-cased; what records are matched and deduplicated on"),
            ("tag_normalise", "lower case; runs of spaces, `_` and `-` become one `-`"),
            ("text_to_number", "numeric text becomes a number; other text is not written and the record's note says so"),
            ("text_to_boolean", "true/false/yes/no/1/0 become a boolean; other text is not written and noted"),
            ("text_to_date", "a date or instant written as text becomes a date (an instant gives its UTC date)"),
            ("date_to_iso_text", "a date becomes ISO 8601 text, e.g. 2024-03-05"),
            ("datetime_utc", "a timestamp in UTC, to the second"),
            ("multi_select_join:<separator>", "the selected options joined into one text with the separator"),
            ("value_map:<name>", "each value through the value map [value_maps.<name>]"),
            ("customer_to_account_contact", "a customer becomes an Account (its company, deduplicated, or itself) and a Contact"),
            ("name_split", "a full name split at the last space into first and last name"),
            ("html_to_text", "HTML reduced to its text"),
            ("truncate_with_note:<n>", "cut to n characters; the full value is kept in the record's migration note"),
            ("rewrite_file_urls", "Stames file URLs in a body replaced by the URLs of the migrated files"),
            ("upload_file", "the file streamed from Stames and uploaded to the destination"),
            ("note_line", "kept as a line of text in the record's migration note or a long-text field"),
            ("customer_data", "kept in the destination's free-form customer data"),
            ("record_per_item", "each item becomes its own destination record"),
        ]
    }

    fn spellings() -> Vec<&'static str> {
        Transform::library().into_iter().map(|(s, _)| s).collect()
    }

    /// Parses a spelling of the library.
    pub fn parse(text: &str) -> Result<Transform, UnknownTransform> {
        let unknown = || UnknownTransform(text.to_string());
        let (name, parameter) = match text.split_once(':') {
            Some((name, parameter)) => (name.trim(), Some(parameter)),
            None => (text.trim(), None),
        };
        let plain = |t: Transform| match parameter {
            None => Ok(t),
            Some(_) => Err(unknown()),
        };
        match name {
            "copy" => plain(Transform::Copy),
            "external_id" => plain(Transform::ExternalId),
            "id_map_lookup" => plain(Transform::IdMapLookup),
            "email_normalise" => plain(Transform::EmailNormalise),
            "tag_normalise" => plain(Transform::TagNormalise),
            "text_to_number" => plain(Transform::TextToNumber),
            "text_to_boolean" => plain(Transform::TextToBoolean),
            "text_to_date" => plain(Transform::TextToDate),
            "date_to_iso_text" => plain(Transform::DateToIsoText),
            "datetime_utc" => plain(Transform::DatetimeUtc),
            "customer_to_account_contact" => plain(Transform::CustomerToAccountContact),
            "name_split" => plain(Transform::NameSplit),
            "html_to_text" => plain(Transform::HtmlToText),
            "rewrite_file_urls" => plain(Transform::RewriteFileUrls),
            "upload_file" => plain(Transform::UploadFile),
            "note_line" => plain(Transform::NoteLine),
            "customer_data" => plain(Transform::CustomerData),
            "record_per_item" => plain(Transform::RecordPerItem),
            "multi_select_join" => match parameter {
                Some(separator) if !separator.is_empty() => {
                    Ok(Transform::MultiSelectJoin(separator.to_string()))
                }
                _ => Err(unknown()),
            },
            "value_map" => match parameter.map(str::trim) {
                Some(name) if is_value_map_name(name) => Ok(Transform::ValueMap(name.to_string())),
                _ => Err(unknown()),
            },
            "truncate_with_note" => match parameter.map(|p| p.trim().parse::<u32>()) {
                Some(Ok(n)) if n > 0 => Ok(Transform::TruncateWithNote(n)),
                _ => Err(unknown()),
            },
            _ => Err(unknown()),
        }
    }

    /// The value map a row reads, for `value_map:<name>`.
    pub fn value_map(&self) -> Option<&str> {
        match self {
            Transform::ValueMap(name) => Some(name),
            _ => None,
        }
    }
}

/// A value map name: lowercase letters, digits and `_`.
pub fn is_value_map_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

impl fmt::Display for Transform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Transform::Copy => f.write_str("copy"),
            Transform::ExternalId => f.write_str("external_id"),
            Transform::IdMapLookup => f.write_str("id_map_lookup"),
            Transform::EmailNormalise => f.write_str("email_normalise"),
            Transform::TagNormalise => f.write_str("tag_normalise"),
            Transform::TextToNumber => f.write_str("text_to_number"),
            Transform::TextToBoolean => f.write_str("text_to_boolean"),
            Transform::TextToDate => f.write_str("text_to_date"),
            Transform::DateToIsoText => f.write_str("date_to_iso_text"),
            Transform::DatetimeUtc => f.write_str("datetime_utc"),
            Transform::MultiSelectJoin(separator) => write!(f, "multi_select_join:{separator}"),
            Transform::ValueMap(name) => write!(f, "value_map:{name}"),
            Transform::CustomerToAccountContact => f.write_str("customer_to_account_contact"),
            Transform::NameSplit => f.write_str("name_split"),
            Transform::HtmlToText => f.write_str("html_to_text"),
            Transform::TruncateWithNote(n) => write!(f, "truncate_with_note:{n}"),
            Transform::RewriteFileUrls => f.write_str("rewrite_file_urls"),
            Transform::UploadFile => f.write_str("upload_file"),
            Transform::NoteLine => f.write_str("note_line"),
            Transform::CustomerData => f.write_str("customer_data"),
            Transform::RecordPerItem => f.write_str("record_per_item"),
        }
    }
}

impl Serialize for Transform {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Transform {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Transform, D::Error> {
        let text = String::deserialize(deserializer)?;
        Transform::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_of_the_library_parses_and_prints_back() {
        for (spelling, _) in Transform::library() {
            let concrete = spelling
                .replace("<separator>", ", ")
                .replace("<name>", "ticket_status")
                .replace("<n>", "255");
            let transform = Transform::parse(&concrete).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(transform.to_string(), concrete);
        }
    }

    #[test]
    fn unknown_or_malformed_transforms_are_refused_with_the_library() {
        for bad in [
            "uppercase",
            "copy:3",
            "value_map:",
            "value_map:Ticket Status",
            "truncate_with_note:0",
            "truncate_with_note:many",
            "multi_select_join:",
        ] {
            let err = Transform::parse(bad).unwrap_err().to_string();
            assert!(err.contains(bad), "{err}");
            assert!(err.contains("tag_normalise"), "{err}");
        }
    }

    #[test]
    fn docs_mapping_md_lists_the_library_as_it_is() {
        let doc = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/mapping.md"
        ));
        for (spelling, description) in Transform::library() {
            let line = format!("| `{spelling}` | {description} |");
            assert!(doc.contains(&line), "docs/mapping.md lacks: {line}");
        }
    }

    #[test]
    fn serde_uses_the_spelling() {
        let json = serde_json::to_string(&Transform::TruncateWithNote(998)).unwrap();
        assert_eq!(json, "\"truncate_with_note:998\"");
        let back: Transform = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Transform::TruncateWithNote(998));
    }
}
