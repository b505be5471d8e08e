//! Applying a confirmed [`FieldMap`] to source values: the one place that
//! decides what a Stames value becomes, shared by both writers and by
//! `deskshift plan`, so what plan predicts is what the load does.
//!
//! Pure and destination-neutral: no I/O, no destination names. A writer asks
//! two questions:
//!
//! - [`map_value`]: what an enumeration value (ticket status, priority,
//!   channel, agent role) becomes through its named value map. A value the
//!   map lacks is an [`UnmappedValue`], never a silent default: the writer
//!   rejects the record with [`UnmappedValue::for_record`].
//! - [`land_custom_value`]: where a custom-field value lands, by its row
//!   ([`Landing`]): written to a destination field, converted by the row's
//!   transform into the row's `value_type` ([`Converted`]); skipped with the
//!   row's reason (`drop`, `inventory`); or refused because the value cannot
//!   be converted ([`ConversionError`]; the record still goes and its
//!   migration note says so, as `docs/mapping.md` documents).
//!
//! The destination then puts a [`Converted`] value into its own field shape
//! (text, number, dropdown, picklist, …): that part is the destination's.

use super::model::{FieldMap, FieldRef, MapRow, Target, ValueType};
use super::transform::Transform;
use crate::discover::{display_text, parse_yes_no};
use crate::model::{FieldValue, ObjectKind};
use chrono::NaiveDate;
use std::fmt;

/// What to tell the operator when the map lacks something a record needs.
pub const FIX_THE_MAP: &str =
    "run `deskshift map propose` (or edit mapping.toml), then `deskshift map confirm`";

/// An enumeration value the named value map has no destination value for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmappedValue {
    /// The value map's name, e.g. `ticket_status`.
    pub value_map: String,
    /// The source value, as Stames spells it.
    pub value: String,
    /// Whether the map lacks the whole value map rather than one value.
    pub map_missing: bool,
}

impl UnmappedValue {
    /// The message a writer rejects `object`'s record `id` with, naming its
    /// field: `tickets 42, field `status`: …`.
    pub fn for_record(&self, object: ObjectKind, id: &str, field: &str) -> String {
        format!("{object} {id}, field `{field}`: {self}")
    }
}

impl fmt::Display for UnmappedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.map_missing {
            write!(
                f,
                "the confirmed mapping.toml has no value map [value_maps.{}] for value `{}`; {FIX_THE_MAP}",
                self.value_map, self.value
            )
        } else {
            write!(
                f,
                "value `{}` is not in the value map [value_maps.{}] of the confirmed mapping.toml; \
                 give it a destination value: {FIX_THE_MAP}",
                self.value, self.value_map
            )
        }
    }
}

impl std::error::Error for UnmappedValue {}

/// The destination value of `value` through the value map `value_map` of
/// `map`. The value is looked up as Stames spells it, then trimmed and
/// case-insensitively (Stames is not strict about case); an entry without a
/// destination value counts as missing.
pub fn map_value<'m>(
    map: &'m FieldMap,
    value_map: &str,
    value: &str,
) -> Result<&'m str, UnmappedValue> {
    let unmapped = |map_missing| UnmappedValue {
        value_map: value_map.to_string(),
        value: value.to_string(),
        map_missing,
    };
    let entries = map
        .value_maps
        .get(value_map)
        .ok_or_else(|| unmapped(true))?;
    let wanted = value.trim();
    let entry = entries.get(value).or_else(|| {
        entries
            .iter()
            .find(|(source, _)| source.trim().eq_ignore_ascii_case(wanted))
            .map(|(_, entry)| entry)
    });
    match entry {
        Some(entry) if !entry.to.trim().is_empty() => Ok(entry.to.trim()),
        _ => Err(unmapped(false)),
    }
}

/// A custom-field value after the row's transform, in the row's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Converted {
    Text(String),
    Number(f64),
    Boolean(bool),
    Date(NaiveDate),
    /// The selected options of a multi-select, kept apart.
    List(Vec<String>),
}

impl Converted {
    /// The value as one line of text (a date as ISO 8601, options joined
    /// with `, `): what a destination text field holds.
    pub fn to_text(&self) -> String {
        match self {
            Converted::Text(text) => text.clone(),
            Converted::Number(n) => display_text(&FieldValue::Number(*n)),
            Converted::Boolean(b) => b.to_string(),
            Converted::Date(date) => iso(*date),
            Converted::List(items) => items.join(", "),
        }
    }

    /// The value as a Stames-shaped value (a date as ISO 8601 text), for a
    /// destination whose own conversion starts from one.
    pub fn to_field_value(&self) -> FieldValue {
        match self {
            Converted::Text(text) => FieldValue::Text(text.clone()),
            Converted::Number(n) => FieldValue::Number(*n),
            Converted::Boolean(b) => FieldValue::Bool(*b),
            Converted::Date(date) => FieldValue::Text(iso(*date)),
            Converted::List(items) => FieldValue::List(items.clone()),
        }
    }

    /// The value as JSON: dates as ISO 8601 text, lists as arrays.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Converted::Text(text) => serde_json::Value::String(text.clone()),
            Converted::Number(n) => serde_json::json!(n),
            Converted::Boolean(b) => serde_json::Value::Bool(*b),
            Converted::Date(date) => serde_json::Value::String(iso(*date)),
            Converted::List(items) => serde_json::json!(items),
        }
    }
}

fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A value the row's transform cannot convert: not written, noted on the
/// record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversionError {
    /// The row's source field, e.g. `tickets.custom.order_number`.
    pub field: String,
    /// The value as one line of text.
    pub value: String,
    /// Why, e.g. `is not a number (text_to_number)`.
    pub reason: String,
}

impl fmt::Display for ConversionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "value `{}` of `{}` not migrated: {}; correct the value in Stames, or change the \
             row's `type`/`transform` in mapping.toml and run `deskshift map confirm`",
            self.value, self.field, self.reason
        )
    }
}

impl std::error::Error for ConversionError {}

/// Where one custom-field value of a record lands.
#[derive(Debug, Clone, PartialEq)]
pub enum Landing<'m> {
    /// Write `value` to `field`. `created` is set when `prepare` creates the
    /// field ([`Target::NewField`]); `note` says what the transform cut.
    Write {
        field: &'m FieldRef,
        created: bool,
        value: Converted,
        note: Option<String>,
    },
    /// The record holds no value for the field: nothing to write.
    Empty,
    /// The row drops the field or keeps it for the inventory only: not
    /// written, and the record's note says why (the row's reason).
    Skip { reason: String },
    /// The value cannot be converted: not written, noted.
    Reject(ConversionError),
}

/// Why `row` writes nothing, for a `drop` or `inventory` row: the row's
/// own reason, named; `None` for a row with a destination field.
pub fn skip_reason(row: &MapRow) -> Option<String> {
    match &row.target {
        Target::Drop(why) => Some(format!(
            "`{}` is dropped by mapping.toml: {why}",
            row.source_name()
        )),
        Target::Inventory(why) => Some(format!(
            "`{}` is kept for the inventory only by mapping.toml: {why}",
            row.source_name()
        )),
        Target::Field(_) | Target::NewField { .. } => None,
    }
}

/// Why a custom field without a row in the confirmed map writes nothing.
pub fn no_row_reason(object: ObjectKind, key: &str) -> String {
    format!(
        "`{object}.custom.{key}` has no row in the confirmed mapping.toml, so its values are not \
         migrated; {FIX_THE_MAP}"
    )
}

/// Where `value`, a record's value of the custom field of `row`, lands under
/// `map` (for `value_map:<name>` rows).
pub fn land_custom_value<'m>(
    map: &'m FieldMap,
    row: &'m MapRow,
    value: &FieldValue,
) -> Landing<'m> {
    let (field, created) = match &row.target {
        Target::Field(field) => (field, false),
        Target::NewField { field, .. } => (field, true),
        Target::Drop(_) | Target::Inventory(_) => {
            return Landing::Skip {
                reason: skip_reason(row).unwrap_or_default(),
            }
        }
    };
    if !value.is_filled() {
        return Landing::Empty;
    }
    match convert(map, row, value) {
        Ok((value, note)) => Landing::Write {
            field,
            created,
            value,
            note,
        },
        Err(reason) => Landing::Reject(ConversionError {
            field: row.source_name(),
            value: display_text(value),
            reason,
        }),
    }
}

/// Whether `transform` converts one value at a time, so it can carry a
/// custom field's values ([`convert`] applies it).
pub fn is_value_transform(transform: &Transform) -> bool {
    matches!(
        transform,
        Transform::Copy
            | Transform::TextToNumber
            | Transform::TextToBoolean
            | Transform::TextToDate
            | Transform::DateToIsoText
            | Transform::MultiSelectJoin(_)
            | Transform::TruncateWithNote(_)
            | Transform::ValueMap(_)
            | Transform::NoteLine
            | Transform::CustomerData
    )
}

/// `value` through `row`'s transform, into the row's type; with a note when
/// the transform keeps part of the value elsewhere (truncation).
pub fn convert(
    map: &FieldMap,
    row: &MapRow,
    value: &FieldValue,
) -> Result<(Converted, Option<String>), String> {
    let because = |what: &str| format!("{what} ({})", row.transform);
    let converted = match (&row.transform, value) {
        (Transform::TextToNumber, value) => number(value).ok_or_else(|| because("not a number"))?,
        (Transform::TextToBoolean, value) => {
            boolean(value).ok_or_else(|| because("not a yes/no value"))?
        }
        (Transform::TextToDate, value) => date(value)
            .map(Converted::Date)
            .ok_or_else(|| because("not a date"))?,
        (Transform::DateToIsoText, value) => date(value)
            .map(|d| Converted::Text(iso(d)))
            .ok_or_else(|| because("not a date"))?,
        (Transform::MultiSelectJoin(separator), FieldValue::List(items)) => {
            Converted::Text(items.join(separator))
        }
        (Transform::TruncateWithNote(max), value) => {
            let text = display_text(value);
            let max = *max as usize;
            if text.chars().count() > max {
                let cut: String = text.chars().take(max).collect();
                let note = format!(
                    "`{}` cut to {max} characters; the full value: {text}",
                    row.source_name()
                );
                return Ok((Converted::Text(cut), Some(note)));
            }
            Converted::Text(text)
        }
        (Transform::ValueMap(name), value) => {
            let text = display_text(value);
            Converted::Text(
                map_value(map, name, &text)
                    .map_err(|e| because(&e.to_string()))?
                    .to_string(),
            )
        }
        (
            Transform::Copy
            | Transform::CustomerData
            | Transform::NoteLine
            | Transform::MultiSelectJoin(_),
            value,
        ) => as_type(row.value_type, value),
        (other, _) => {
            return Err(format!(
                "transform `{other}` does not apply to a custom field's value"
            ))
        }
    };
    Ok((converted, None))
}

/// `value` as it is, kept in the row's declared kind where it already has
/// it (a list stays a list, a number a number).
fn as_type(value_type: Option<ValueType>, value: &FieldValue) -> Converted {
    match (value_type, value) {
        (_, FieldValue::Number(n)) => Converted::Number(*n),
        (_, FieldValue::Bool(b)) => Converted::Boolean(*b),
        (_, FieldValue::List(items)) => Converted::List(items.clone()),
        (Some(ValueType::Text | ValueType::LongText) | None, FieldValue::Text(text)) => {
            Converted::Text(text.clone())
        }
        (_, FieldValue::Text(text)) => Converted::Text(text.trim().to_string()),
    }
}

fn number(value: &FieldValue) -> Option<Converted> {
    match value {
        FieldValue::Number(n) if n.is_finite() => Some(Converted::Number(*n)),
        FieldValue::Text(text) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Converted::Number),
        _ => None,
    }
}

fn boolean(value: &FieldValue) -> Option<Converted> {
    match value {
        FieldValue::Bool(b) => Some(Converted::Boolean(*b)),
        FieldValue::Number(n) if *n == 1.0 || *n == 0.0 => Some(Converted::Boolean(*n == 1.0)),
        FieldValue::Text(text) => match text.trim() {
            "1" => Some(true),
            "0" => Some(false),
            other => parse_yes_no(other),
        }
        .map(Converted::Boolean),
        _ => None,
    }
}

/// A date written as `YYYY-MM-DD`, or an RFC 3339 instant (its UTC date).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .or_else(|| {
            chrono::DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|at| at.with_timezone(&chrono::Utc).date_naive())
        })
}

fn date(value: &FieldValue) -> Option<NaiveDate> {
    match value {
        FieldValue::Text(text) => parse_date(text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::model::CustomSource;
    use crate::model::FieldType;

    fn map_with_status(entries: &[(&str, &str)]) -> FieldMap {
        let mut map = FieldMap::unmapped("anywhere");
        map.value_maps.insert(
            "ticket_status".to_string(),
            crate::mapping::value_map(entries.iter().copied()),
        );
        map
    }

    fn row(value_type: ValueType, target: Target, transform: Transform) -> MapRow {
        MapRow {
            custom: Some(CustomSource {
                label: "Order #".into(),
                declared: FieldType::Text,
            }),
            value_type: Some(value_type),
            ..MapRow::edited(
                ObjectKind::Tickets,
                "custom.order_number",
                target,
                transform,
            )
        }
    }

    fn new_field(field_type: ValueType) -> Target {
        Target::NewField {
            field: FieldRef::new("Ticket", "Order #"),
            field_type,
        }
    }

    fn text(s: &str) -> FieldValue {
        FieldValue::Text(s.into())
    }

    fn written(landing: Landing) -> (Converted, Option<String>) {
        match landing {
            Landing::Write { value, note, .. } => (value, note),
            other => panic!("expected a write, got {other:?}"),
        }
    }

    #[test]
    fn enumeration_values_go_through_their_value_map() {
        let map = map_with_status(&[("pending", "Waiting"), ("new", "New")]);
        assert_eq!(
            map_value(&map, "ticket_status", "pending").unwrap(),
            "Waiting"
        );
        assert_eq!(map_value(&map, "ticket_status", " New ").unwrap(), "New");
    }

    #[test]
    fn a_value_the_map_lacks_is_an_error_naming_the_map_the_value_and_the_fix() {
        let map = map_with_status(&[("new", "New"), ("blank", "  ")]);
        let err = map_value(&map, "ticket_status", "escalated").unwrap_err();
        assert!(!err.map_missing);
        let message = err.to_string();
        for part in [
            "escalated",
            "[value_maps.ticket_status]",
            "deskshift map propose",
            "deskshift map confirm",
        ] {
            assert!(message.contains(part), "{message} lacks {part}");
        }
        assert!(map_value(&map, "ticket_status", "blank").is_err());
        let missing = map_value(&map, "ticket_priority", "high").unwrap_err();
        assert!(missing.map_missing);
        assert!(missing.to_string().contains("[value_maps.ticket_priority]"));
        let record = err.for_record(ObjectKind::Tickets, "42", "status");
        assert!(
            record.starts_with("tickets 42, field `status`:"),
            "{record}"
        );
    }

    #[test]
    fn custom_values_are_converted_by_the_rows_transform() {
        let map = map_with_status(&[]);
        let number = row(
            ValueType::Number,
            new_field(ValueType::Number),
            Transform::TextToNumber,
        );
        assert_eq!(
            written(land_custom_value(&map, &number, &text(" 12.5 "))).0,
            Converted::Number(12.5)
        );
        let boolean = row(
            ValueType::Boolean,
            new_field(ValueType::Boolean),
            Transform::TextToBoolean,
        );
        assert_eq!(
            written(land_custom_value(&map, &boolean, &text("Yes"))).0,
            Converted::Boolean(true)
        );
        assert_eq!(
            written(land_custom_value(&map, &boolean, &text("0"))).0,
            Converted::Boolean(false)
        );
        let date = row(
            ValueType::Date,
            new_field(ValueType::Date),
            Transform::TextToDate,
        );
        let day = NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
        assert_eq!(
            written(land_custom_value(&map, &date, &text("2024-03-05"))).0,
            Converted::Date(day)
        );
        assert_eq!(
            written(land_custom_value(
                &map,
                &date,
                &text("2024-03-05T23:30:00-02:00")
            ))
            .0,
            Converted::Date(NaiveDate::from_ymd_opt(2024, 3, 6).unwrap())
        );
        let iso = row(
            ValueType::Date,
            new_field(ValueType::Text),
            Transform::DateToIsoText,
        );
        assert_eq!(
            written(land_custom_value(&map, &iso, &text("2024-03-05T10:00:00Z"))).0,
            Converted::Text("2024-03-05".into())
        );
        let join = row(
            ValueType::MultiSelect,
            new_field(ValueType::Text),
            Transform::MultiSelectJoin(" | ".into()),
        );
        let list = FieldValue::List(vec!["red".into(), "blue".into()]);
        assert_eq!(
            written(land_custom_value(&map, &join, &list)).0,
            Converted::Text("red | blue".into())
        );
        let copy = row(
            ValueType::Number,
            new_field(ValueType::Number),
            Transform::Copy,
        );
        assert_eq!(
            written(land_custom_value(&map, &copy, &FieldValue::Number(3.0))).0,
            Converted::Number(3.0)
        );
    }

    #[test]
    fn truncation_keeps_the_full_value_in_the_note() {
        let map = map_with_status(&[]);
        let cut = row(
            ValueType::Text,
            new_field(ValueType::Text),
            Transform::TruncateWithNote(5),
        );
        let (value, note) = written(land_custom_value(&map, &cut, &text("abcdefgh")));
        assert_eq!(value, Converted::Text("abcde".into()));
        assert!(note.unwrap().contains("abcdefgh"));
        let (_, note) = written(land_custom_value(&map, &cut, &text("abc")));
        assert_eq!(note, None);
    }

    #[test]
    fn an_existing_field_is_written_a_new_one_is_marked_created() {
        let map = map_with_status(&[]);
        let reused = row(
            ValueType::Text,
            Target::Field(FieldRef::new("Ticket", "Order Number")),
            Transform::Copy,
        );
        match land_custom_value(&map, &reused, &text("A-1")) {
            Landing::Write { field, created, .. } => {
                assert_eq!(field.to_string(), "Ticket.Order Number");
                assert!(!created);
            }
            other => panic!("{other:?}"),
        }
        let new = row(ValueType::Text, new_field(ValueType::Text), Transform::Copy);
        assert!(matches!(
            land_custom_value(&map, &new, &text("A-1")),
            Landing::Write { created: true, .. }
        ));
        assert_eq!(land_custom_value(&map, &new, &text("  ")), Landing::Empty);
    }

    #[test]
    fn dropped_and_inventory_rows_skip_with_the_rows_reason() {
        let map = map_with_status(&[]);
        let dropped = row(
            ValueType::Text,
            Target::Drop("nobody reads it".into()),
            Transform::Copy,
        );
        match land_custom_value(&map, &dropped, &text("x")) {
            Landing::Skip { reason } => {
                assert!(reason.contains("nobody reads it"), "{reason}");
                assert!(reason.contains("tickets.custom.order_number"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let inventory = row(
            ValueType::Text,
            Target::Inventory("listed for review".into()),
            Transform::Copy,
        );
        assert!(matches!(
            land_custom_value(&map, &inventory, &text("x")),
            Landing::Skip { reason } if reason.contains("listed for review")
        ));
    }

    #[test]
    fn values_that_cannot_be_converted_are_rejected_naming_field_and_value() {
        let map = map_with_status(&[("new", "New")]);
        let cases = [
            (ValueType::Number, Transform::TextToNumber, "seven"),
            (ValueType::Boolean, Transform::TextToBoolean, "maybe"),
            (ValueType::Date, Transform::TextToDate, "next week"),
            (ValueType::Date, Transform::DateToIsoText, "soon"),
            (
                ValueType::Select,
                Transform::ValueMap("ticket_status".into()),
                "odd",
            ),
            (ValueType::Text, Transform::UploadFile, "file"),
        ];
        for (value_type, transform, value) in cases {
            let r = row(value_type, new_field(value_type), transform.clone());
            match land_custom_value(&map, &r, &text(value)) {
                Landing::Reject(err) => {
                    let message = err.to_string();
                    assert!(message.contains(value), "{message}");
                    assert!(message.contains("tickets.custom.order_number"), "{message}");
                    assert!(message.contains(&transform.to_string()), "{message}");
                }
                other => panic!("{transform}: {other:?}"),
            }
        }
    }

    #[test]
    fn converted_values_print_as_text_and_json() {
        let day = NaiveDate::from_ymd_opt(2024, 3, 5).unwrap();
        assert_eq!(Converted::Date(day).to_text(), "2024-03-05");
        assert_eq!(Converted::Number(7.0).to_text(), "7");
        assert_eq!(
            Converted::Date(day).to_json(),
            serde_json::json!("2024-03-05")
        );
        assert_eq!(
            Converted::List(vec!["a".into(), "b".into()]).to_text(),
            "a, b"
        );
    }
}
