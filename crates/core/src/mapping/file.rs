//! `mapping.toml`: the field map written for people, and read back with
//! errors that name the line and the key.
//!
//! Layout: a commented header explaining every key, `format` and
//! `destination`, then one `[[<object kind>]]` table per Stames field, kinds
//! in the order of the flow, then `[value_maps.<name>]` tables. A row names
//! its destination with exactly one of `to` (optionally with `create`),
//! `inventory` or `drop`, so a person changes a target by editing one line.
//!
//! [`render`] then [`parse`] gives back the same [`FieldMap`] (confidences
//! are kept to two decimals for that reason).

use super::model::{
    CustomSource, FieldMap, FieldRef, MapRow, Origin, Target, ValueMap, ValueMapEntry, ValueType,
    FORMAT,
};
use super::transform::{is_value_map_name, Transform};
use super::Confidence;
use crate::model::{FieldType, ObjectKind};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use toml::Spanned;

/// Extra comments for the file: lines for the header and one line above
/// each value map (e.g. which destination field it feeds and its values).
#[derive(Debug, Clone, Default)]
pub struct FileNotes {
    pub header: Vec<String>,
    pub value_maps: BTreeMap<String, String>,
}

/// The text of `mapping.toml` for `map`.
pub fn render(map: &FieldMap, notes: &FileNotes) -> String {
    let mut out = String::new();
    out.push_str(HEADER);
    for line in &notes.header {
        let _ = writeln!(out, "#\n# {line}");
    }
    let _ = writeln!(out, "\nformat = {FORMAT}");
    let _ = writeln!(out, "destination = {}", quoted(&map.destination));
    let mut current: Option<ObjectKind> = None;
    for row in &map.canonical().rows {
        if current != Some(row.object) {
            current = Some(row.object);
            let _ = writeln!(out, "\n{}", banner(row.object.as_str()));
        }
        render_row(&mut out, row);
    }
    if !map.value_maps.is_empty() {
        let _ = writeln!(out, "\n{}", banner("value maps"));
    }
    for (name, values) in &map.value_maps {
        out.push('\n');
        if let Some(comment) = notes.value_maps.get(name) {
            let _ = writeln!(out, "# {comment}");
        }
        let _ = writeln!(out, "[value_maps.{name}]");
        for (value, entry) in values {
            let mut fields = vec![
                format!("to = {}", quoted(&entry.to)),
                format!("count = {}", entry.count),
            ];
            if entry.unmatched {
                fields.push("unmatched = true".into());
            }
            if let Some(note) = &entry.note {
                fields.push(format!("note = {}", quoted(note)));
            }
            let _ = writeln!(out, "{} = {{ {} }}", key(value), fields.join(", "));
        }
    }
    out
}

const HEADER: &str = "\
# deskshift field map: where every Stames field lands in the destination.
#
# Written by `deskshift map propose`. Read it, change what you want, then run
# `deskshift map confirm`: no record moves before that, and every later change
# must be confirmed again (`deskshift map diff` shows what changed).
#
# One [[<object kind>]] table per Stames field:
#   field       the Stames field; custom fields are custom.<key>
#   label       a custom field's Stames label
#   declared    the type Stames declares for a custom field
#   type        the type its values are converted to
#   to          the destination field, Object.field
#   create      with `to`: deskshift creates this custom field, of this type
#   inventory   instead of `to`: not migrated; listed in the report (why)
#   drop        instead of `to`: not migrated (why)
#   transform   one of the library in docs/mapping.md
#   confidence  0 to 1; `deskshift map show` lists the least sure first
#   origin      built_in, name_similarity, value_profile,
#               existing_destination_field, model_proposed or user_edited
#   reason      why, in one line
#
# [value_maps.<name>] gives, for every value present in the source, the
# destination value `to` (and how many records carry it). `unmatched = true`
# marks a value the standard map does not know: check it.
";

fn banner(title: &str) -> String {
    let line = "─".repeat(60usize.saturating_sub(title.chars().count() + 6));
    format!("# ── {title} {line}")
}

fn render_row(out: &mut String, row: &MapRow) {
    let _ = writeln!(out, "\n[[{}]]", row.object);
    let _ = writeln!(out, "field = {}", quoted(&row.field));
    if let Some(custom) = &row.custom {
        let _ = writeln!(out, "label = {}", quoted(&custom.label));
        let _ = writeln!(out, "declared = \"{}\"", custom.declared.as_str());
    }
    if let Some(value_type) = row.value_type {
        let _ = writeln!(out, "type = \"{value_type}\"");
    }
    match &row.target {
        Target::Field(field) => {
            let _ = writeln!(out, "to = {}", quoted(&field.to_string()));
        }
        Target::NewField { field, field_type } => {
            let _ = writeln!(out, "to = {}", quoted(&field.to_string()));
            let _ = writeln!(out, "create = \"{field_type}\"");
        }
        Target::Inventory(why) => {
            let _ = writeln!(out, "inventory = {}", quoted(why));
        }
        Target::Drop(why) => {
            let _ = writeln!(out, "drop = {}", quoted(why));
        }
    }
    let _ = writeln!(out, "transform = {}", quoted(&row.transform.to_string()));
    let _ = writeln!(out, "confidence = {}", row.confidence);
    let _ = writeln!(out, "origin = \"{}\"", row.origin);
    let _ = writeln!(out, "reason = {}", quoted(&row.reason));
}

/// A TOML basic string with every escape it needs.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A bare key when TOML allows one, else a quoted key.
fn key(text: &str) -> String {
    let bare = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        text.to_string()
    } else {
        quoted(text)
    }
}

// ------------------------------------------------------------------ reading

/// One thing wrong with `mapping.toml`, located for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based; 0 when the problem has no place in the file.
    pub line: usize,
    /// The key at fault, e.g. `tickets.subject.transform`.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.key.is_empty()) {
            (0, true) => write!(f, "{}", self.message),
            (0, false) => write!(f, "`{}`: {}", self.key, self.message),
            (line, true) => write!(f, "line {line}: {}", self.message),
            (line, false) => write!(f, "line {line}, `{}`: {}", self.key, self.message),
        }
    }
}

/// Why `mapping.toml` could not be read: every problem found, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapFileError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for MapFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.problems.iter().map(Problem::to_string).collect();
        f.write_str(&lines.join("; "))
    }
}

impl std::error::Error for MapFileError {}

/// Where each row and value-map entry sits in the file, so validation can
/// point at lines too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Locations {
    /// By row index in the returned map.
    pub rows: Vec<RowLines>,
    /// Line of each value-map entry: (map name, source value) → line.
    pub values: BTreeMap<(String, String), usize>,
}

/// The lines of one row: its `field`, and each other key it has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowLines {
    pub field: usize,
    pub keys: BTreeMap<&'static str, usize>,
}

impl RowLines {
    /// The line of `key`, or the row's `field` line when it lacks the key.
    pub fn of(&self, key: &str) -> usize {
        self.keys.get(key).copied().unwrap_or(self.field)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    field: Spanned<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    declared: Option<Spanned<String>>,
    #[serde(default, rename = "type")]
    value_type: Option<Spanned<String>>,
    #[serde(default)]
    to: Option<Spanned<String>>,
    #[serde(default)]
    create: Option<Spanned<String>>,
    #[serde(default)]
    inventory: Option<Spanned<String>>,
    #[serde(default)]
    drop: Option<Spanned<String>>,
    transform: Spanned<String>,
    /// A person adding a row need not grade it: 1.0 by default.
    #[serde(default)]
    confidence: Option<Spanned<f64>>,
    /// A row without an origin was written by a person.
    #[serde(default)]
    origin: Option<Spanned<String>>,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    to: Spanned<String>,
    #[serde(default)]
    count: u64,
    #[serde(default)]
    unmatched: bool,
    #[serde(default)]
    note: Option<String>,
}

/// One field per object kind, so `deny_unknown_fields` names a misspelt
/// kind with its line (serde's `flatten` would lose the spans).
macro_rules! raw_file {
    ($($name:ident => $kind:ident),* $(,)?) => {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawFile {
            format: Spanned<i64>,
            destination: Spanned<String>,
            $(#[serde(default)] $name: Vec<RawRow>,)*
            #[serde(default)]
            value_maps: BTreeMap<String, BTreeMap<String, RawEntry>>,
        }

        impl RawFile {
            fn kinds(&self) -> Vec<(ObjectKind, &[RawRow])> {
                vec![$((ObjectKind::$kind, &self.$name[..])),*]
            }
        }
    };
}

raw_file! {
    departments => Departments,
    users => Users,
    customers => Customers,
    tags => Tags,
    custom_fields => CustomFields,
    custom_objects => CustomObjects,
    tickets => Tickets,
    messages => Messages,
    attachments => Attachments,
    status_events => StatusEvents,
    reminders => Reminders,
    notifications => Notifications,
    sla_records => SlaRecords,
    custom_object_records => CustomObjectRecords,
    automations => Automations,
    channel_integrations => ChannelIntegrations,
    portal => Portal,
}

/// Reads `mapping.toml`'s text. Every problem is collected, each with its
/// line and key, so one round of edits can fix them all.
pub fn parse(text: &str) -> Result<(FieldMap, Locations), MapFileError> {
    let raw: RawFile = toml::from_str(text).map_err(|err| MapFileError {
        problems: vec![Problem {
            line: err.span().map_or(0, |span| line_of(text, span.start)),
            key: String::new(),
            message: err.message().trim().to_string(),
        }],
    })?;
    let mut reader = Reader {
        text,
        problems: Vec::new(),
    };
    if *raw.format.get_ref() != i64::from(FORMAT) {
        reader.problem(
            raw.format.span().start,
            "format",
            format!(
                "this deskshift reads format {FORMAT}; the file says {} (re-run `deskshift map propose`)",
                raw.format.get_ref()
            ),
        );
    }
    let destination = raw.destination.get_ref().trim().to_string();
    if destination.is_empty() {
        reader.problem(
            raw.destination.span().start,
            "destination",
            "is empty; name the destination the map is for".into(),
        );
    }
    let mut map = FieldMap {
        destination,
        rows: Vec::new(),
        value_maps: BTreeMap::new(),
    };
    let mut locations = Locations::default();
    for (kind, rows) in raw.kinds() {
        for raw_row in rows {
            let lines = row_lines(text, raw_row);
            if let Some(row) = reader.row(kind, raw_row) {
                map.rows.push(row);
                locations.rows.push(lines);
            }
        }
    }
    for (name, entries) in raw.value_maps {
        if !is_value_map_name(&name) {
            let at = entries.values().next().map_or(0, |e| e.to.span().start);
            reader.problem(
                at,
                &format!("value_maps.{name}"),
                "a value map name is lowercase letters, digits and `_`".into(),
            );
        }
        let mut values = ValueMap::new();
        for (value, entry) in entries {
            let line = line_of(text, entry.to.span().start);
            locations.values.insert((name.clone(), value.clone()), line);
            values.insert(
                value,
                ValueMapEntry {
                    to: entry.to.into_inner().trim().to_string(),
                    count: entry.count,
                    unmatched: entry.unmatched,
                    note: entry.note.filter(|n| !n.trim().is_empty()),
                },
            );
        }
        map.value_maps.insert(name, values);
    }
    if reader.problems.is_empty() {
        Ok((map, locations))
    } else {
        reader.problems.sort_by_key(|p| p.line);
        Err(MapFileError {
            problems: reader.problems,
        })
    }
}

fn row_lines(text: &str, raw: &RawRow) -> RowLines {
    let mut keys = BTreeMap::new();
    let strings = [
        ("declared", &raw.declared),
        ("type", &raw.value_type),
        ("to", &raw.to),
        ("create", &raw.create),
        ("inventory", &raw.inventory),
        ("drop", &raw.drop),
        ("origin", &raw.origin),
    ];
    for (key, value) in strings {
        if let Some(value) = value {
            keys.insert(key, line_of(text, value.span().start));
        }
    }
    keys.insert("transform", line_of(text, raw.transform.span().start));
    if let Some(confidence) = &raw.confidence {
        keys.insert("confidence", line_of(text, confidence.span().start));
    }
    RowLines {
        field: line_of(text, raw.field.span().start),
        keys,
    }
}

struct Reader<'a> {
    text: &'a str,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn problem(&mut self, offset: usize, key: &str, message: String) {
        self.problems.push(Problem {
            line: line_of(self.text, offset),
            key: key.to_string(),
            message,
        });
    }

    /// One row, or `None` with its problems recorded.
    fn row(&mut self, kind: ObjectKind, raw: &RawRow) -> Option<MapRow> {
        let field = raw.field.get_ref().trim().to_string();
        let at = raw.field.span().start;
        let key = |name: &str| format!("{kind}.{field}.{name}");
        let before = self.problems.len();
        if field.is_empty() {
            self.problem(at, &format!("{kind}.field"), "is empty".into());
        }

        let declared = raw.declared.as_ref().and_then(|d| {
            let parsed = parse_field_type(d.get_ref());
            if parsed.is_none() {
                self.problem(
                    d.span().start,
                    &key("declared"),
                    format!(
                        "unknown Stames type `{}`; one of text, number, date, boolean, select, multi_select",
                        d.get_ref()
                    ),
                );
            }
            parsed
        });
        let custom = match (&raw.label, declared) {
            (Some(label), Some(declared)) => Some(CustomSource {
                label: label.clone(),
                declared,
            }),
            (None, None) => None,
            _ if self.problems.len() > before => None,
            _ => {
                self.problem(
                    at,
                    &key("label"),
                    "a custom field row needs both `label` and `declared`".into(),
                );
                None
            }
        };
        let value_type = raw
            .value_type
            .as_ref()
            .and_then(|t| self.value_type(t, &key("type")));

        let chosen: Vec<&str> = [
            raw.to.as_ref().map(|_| "to"),
            raw.inventory.as_ref().map(|_| "inventory"),
            raw.drop.as_ref().map(|_| "drop"),
        ]
        .into_iter()
        .flatten()
        .collect();
        let target = match (chosen.as_slice(), &raw.to, &raw.create) {
            (["to"], Some(to), create) => match FieldRef::parse(to.get_ref()) {
                None => {
                    self.problem(
                        to.span().start,
                        &key("to"),
                        format!("`{}` is not Object.field", to.get_ref()),
                    );
                    None
                }
                Some(field) => match create {
                    None => Some(Target::Field(field)),
                    Some(create) => self
                        .value_type(create, &key("create"))
                        .map(|field_type| Target::NewField { field, field_type }),
                },
            },
            (["inventory"], _, None) => raw
                .inventory
                .as_ref()
                .map(|why| Target::Inventory(self.reason(why, &key("inventory")))),
            (["drop"], _, None) => raw
                .drop
                .as_ref()
                .map(|why| Target::Drop(self.reason(why, &key("drop")))),
            ([_], _, Some(create)) => {
                self.problem(
                    create.span().start,
                    &key("create"),
                    "`create` goes with `to` (the field to create)".into(),
                );
                None
            }
            ([], _, _) => {
                self.problem(
                    at,
                    &key("to"),
                    "the row has no target; give one of `to`, `inventory` or `drop`".into(),
                );
                None
            }
            (several, _, _) => {
                self.problem(
                    at,
                    &key(several[1]),
                    format!(
                        "give only one of `to`, `inventory` or `drop` (this row has {})",
                        several.join(" and ")
                    ),
                );
                None
            }
        };

        let transform = match Transform::parse(raw.transform.get_ref()) {
            Ok(t) => Some(t),
            Err(err) => {
                self.problem(
                    raw.transform.span().start,
                    &key("transform"),
                    err.to_string(),
                );
                None
            }
        };
        let confidence = match &raw.confidence {
            None => Confidence::CERTAIN,
            Some(c) if (0.0..=1.0).contains(c.get_ref()) => Confidence::new(*c.get_ref()),
            Some(c) => {
                self.problem(
                    c.span().start,
                    &key("confidence"),
                    format!("{} is not between 0 and 1", c.get_ref()),
                );
                Confidence::CERTAIN
            }
        };
        let origin = match &raw.origin {
            None => Origin::UserEdited,
            Some(o) => Origin::parse(o.get_ref()).unwrap_or_else(|| {
                self.problem(
                    o.span().start,
                    &key("origin"),
                    format!(
                        "unknown origin `{}`; one of {}",
                        o.get_ref(),
                        Origin::ALL.map(Origin::as_str).join(", ")
                    ),
                );
                Origin::UserEdited
            }),
        };
        if self.problems.len() > before {
            return None;
        }
        Some(MapRow {
            object: kind,
            field,
            custom,
            value_type,
            target: target?,
            transform: transform?,
            confidence,
            origin,
            reason: raw.reason.trim().to_string(),
        })
    }

    fn value_type(&mut self, text: &Spanned<String>, key: &str) -> Option<ValueType> {
        let parsed = ValueType::parse(text.get_ref());
        if parsed.is_none() {
            self.problem(
                text.span().start,
                key,
                format!(
                    "unknown type `{}`; one of {}",
                    text.get_ref(),
                    ValueType::ALL.map(ValueType::as_str).join(", ")
                ),
            );
        }
        parsed
    }

    /// An inventory or drop reason: required, because nothing may be left
    /// behind without one (invariant 1).
    fn reason(&mut self, why: &Spanned<String>, key: &str) -> String {
        let text = why.get_ref().trim().to_string();
        if text.is_empty() {
            self.problem(
                why.span().start,
                key,
                "say why the field is not migrated".into(),
            );
        }
        text
    }
}

fn parse_field_type(text: &str) -> Option<FieldType> {
    [
        FieldType::Text,
        FieldType::Number,
        FieldType::Date,
        FieldType::Boolean,
        FieldType::Select,
        FieldType::MultiSelect,
    ]
    .into_iter()
    .find(|t| t.as_str() == text.trim())
}

/// The 1-based line of byte `offset`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::mapping::model::{Confidence, WHOLE_RECORD};

    pub(crate) fn sample_map() -> FieldMap {
        let mut value_maps = BTreeMap::new();
        let mut status = ValueMap::new();
        status.insert(
            "open".into(),
            ValueMapEntry {
                to: "open".into(),
                count: 12,
                unmatched: false,
                note: None,
            },
        );
        status.insert(
            "on hold \"soon\"".into(),
            ValueMapEntry {
                to: "open".into(),
                count: 3,
                unmatched: true,
                note: Some("no Gorgias equivalent; check".into()),
            },
        );
        value_maps.insert("ticket_status".to_string(), status);
        FieldMap {
            destination: "gorgias".into(),
            rows: vec![
                MapRow {
                    object: ObjectKind::Users,
                    field: "email".into(),
                    custom: None,
                    value_type: None,
                    target: Target::Field(FieldRef::new("User", "email")),
                    transform: Transform::EmailNormalise,
                    confidence: Confidence::CERTAIN,
                    origin: Origin::BuiltIn,
                    reason: "agents are matched by e-mail".into(),
                },
                MapRow {
                    object: ObjectKind::Tickets,
                    field: "status".into(),
                    custom: None,
                    value_type: None,
                    target: Target::Field(FieldRef::new("Ticket", "status")),
                    transform: Transform::ValueMap("ticket_status".into()),
                    confidence: Confidence::new(0.6),
                    origin: Origin::BuiltIn,
                    reason: "two statuses; one value \"unmatched\"\nsecond line".into(),
                },
                MapRow {
                    object: ObjectKind::Tickets,
                    field: "custom.warranty_exp".into(),
                    custom: Some(CustomSource {
                        label: "Warranty Exp.".into(),
                        declared: FieldType::Text,
                    }),
                    value_type: Some(ValueType::Date),
                    target: Target::NewField {
                        field: FieldRef::new("Ticket", "Warranty Exp."),
                        field_type: ValueType::Text,
                    },
                    transform: Transform::DateToIsoText,
                    confidence: Confidence::new(0.9),
                    origin: Origin::ValueProfile,
                    reason: "every filled value is a date".into(),
                },
                MapRow {
                    object: ObjectKind::Tickets,
                    field: "department_id".into(),
                    custom: None,
                    value_type: None,
                    target: Target::Drop("no team mapping".into()),
                    transform: Transform::Copy,
                    confidence: Confidence::CERTAIN,
                    origin: Origin::BuiltIn,
                    reason: "Gorgias teams are not mapped".into(),
                },
                MapRow {
                    object: ObjectKind::Automations,
                    field: WHOLE_RECORD.into(),
                    custom: None,
                    value_type: None,
                    target: Target::Inventory("rebuild as Gorgias rules".into()),
                    transform: Transform::Copy,
                    confidence: Confidence::CERTAIN,
                    origin: Origin::BuiltIn,
                    reason: "no API creates them faithfully".into(),
                },
            ],
            value_maps,
        }
    }

    #[test]
    fn render_then_parse_gives_the_same_map() {
        let map = sample_map();
        let text = render(&map, &FileNotes::default());
        let (back, locations) = parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, map);
        assert_eq!(back.hash(), map.hash());
        assert_eq!(locations.rows.len(), map.rows.len());
        let status = &locations.rows[1];
        let line = |n: usize| text.lines().nth(n - 1).unwrap();
        assert!(line(status.field).contains("\"status\""), "{text}");
        assert!(line(status.of("to")).starts_with("to = "), "{text}");
        assert!(line(status.of("transform")).starts_with("transform = "));
        assert_eq!(status.of("create"), status.field);
    }

    #[test]
    fn the_file_is_commented_and_grouped_by_kind() {
        let text = render(&sample_map(), &FileNotes::default());
        assert!(text.starts_with("# deskshift field map"));
        assert!(text.contains("# ── tickets"));
        assert!(text.contains("create = \"text\""));
        assert!(
            text.contains("\"soon\"' = { to = \"open\", count = 3, unmatched = true"),
            "{text}"
        );
        let users = text.find("[[users]]").unwrap();
        let tickets = text.find("[[tickets]]").unwrap();
        assert!(users < tickets);
    }

    #[test]
    fn hash_ignores_layout_but_not_meaning() {
        let map = sample_map();
        let text = render(&map, &FileNotes::default());
        let reshuffled = text.replace("# deskshift field map", "# my notes\n# deskshift field map");
        assert_eq!(parse(&reshuffled).unwrap().0.hash(), map.hash());
        let edited = text.replace("to = \"Ticket.status\"", "to = \"Ticket.priority\"");
        assert_ne!(parse(&edited).unwrap().0.hash(), map.hash());
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let text = "format = 1\ndestination = \"gorgias\"\n\n[[tickets]]\nfield = \"subject\"\nto = \"Ticket.subject\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.problems[0].line, 6, "{err}");
    }

    #[test]
    fn misspelt_keys_and_kinds_name_line_and_key() {
        let text = "format = 1\ndestination = \"gorgias\"\n\n[[tickets]]\nfield = \"subject\"\nto = \"Ticket.subject\"\ntranform = \"copy\"\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains("tranform") && err.contains("line 7"), "{err}");
        let text = "format = 1\ndestination = \"gorgias\"\n\n[[tikets]]\nfield = \"subject\"\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains("tikets") && err.contains("line 4"), "{err}");
    }

    #[test]
    fn semantic_errors_are_all_collected_with_line_and_key() {
        let text = "\
format = 1
destination = \"gorgias\"

[[tickets]]
field = \"subject\"
to = \"Ticket.subject\"
transform = \"shout\"

[[tickets]]
field = \"priority\"
to = \"Ticket.priority\"
drop = \"no\"
transform = \"copy\"

[[tickets]]
field = \"custom.x\"
label = \"X\"
declared = \"text\"
to = \"Ticket.X\"
create = \"colour\"
transform = \"copy\"
confidence = 1.5

[[tickets]]
field = \"channel\"
to = \"Ticket\"
transform = \"copy\"
origin = \"guess\"
";
        let err = parse(text).unwrap_err();
        let found: Vec<(usize, &str)> = err
            .problems
            .iter()
            .map(|p| (p.line, p.key.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (7, "tickets.subject.transform"),
                (10, "tickets.priority.drop"),
                (20, "tickets.custom.x.create"),
                (22, "tickets.custom.x.confidence"),
                (26, "tickets.channel.to"),
                (28, "tickets.channel.origin"),
            ],
            "{err}"
        );
        assert!(err.to_string().contains("unknown transform `shout`"));
    }

    #[test]
    fn rows_written_by_hand_need_only_field_target_and_transform() {
        let text = "format = 1\ndestination = \"gorgias\"\n[[tickets]]\nfield = \"custom.vip\"\nto = \"Ticket.VIP\"\ntransform = \"copy\"\n";
        let (map, _) = parse(text).unwrap();
        let row = &map.rows[0];
        assert_eq!(row.origin, Origin::UserEdited);
        assert_eq!(row.confidence, Confidence::CERTAIN);
    }

    #[test]
    fn every_object_kind_has_its_table() {
        let text = "format = 1\ndestination = \"x\"\n";
        let raw: RawFile = toml::from_str(text).unwrap();
        let kinds: Vec<ObjectKind> = raw.kinds().into_iter().map(|(k, _)| k).collect();
        assert_eq!(kinds, ObjectKind::ALL);
        for kind in ObjectKind::ALL {
            let with =
                format!("{text}[[{kind}]]\nfield = \"*\"\ndrop = \"x\"\ntransform = \"copy\"\n");
            let (map, _) = parse(&with).unwrap();
            assert_eq!(map.rows[0].object, kind);
        }
    }
}
