//! The field map as data: what `mapping.toml` holds once read, what
//! `deskshift map propose` produces, and what the writers read once the user
//! confirmed it.
//!
//! One [`MapRow`] per Stames object kind and field says where that field
//! lands ([`Target`]), how its value is changed on the way ([`Transform`]),
//! how sure the proposal is ([`Confidence`]), why (`reason`) and who decided
//! ([`Origin`]). Enumerations (ticket status, priority, channel, agent role)
//! get a [`ValueMap`] built from the values actually present in the source.
//!
//! Everything here is plain data with a canonical serialisation, so the map's
//! hash ([`FieldMap::hash`]) changes exactly when its meaning does, whatever
//! the comments or layout of the file.

use super::transform::Transform;
use crate::model::{CustomFieldDef, FieldObject, FieldType, ObjectKind};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The version of the `mapping.toml` layout this build reads and writes.
pub const FORMAT: u32 = 1;

/// The source field of a row standing for the whole record (`automations`,
/// `status_events`, …) rather than one of its fields.
pub const WHOLE_RECORD: &str = "*";

/// Prefix of a Stames custom field's row: `custom.<field key>`.
pub const CUSTOM_PREFIX: &str = "custom.";

/// The whole field map of one project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldMap {
    /// The destination the map was made for, as `deskshift.toml` names it.
    pub destination: String,
    /// In [`ObjectKind::ALL`] order; within a kind, standard fields first.
    pub rows: Vec<MapRow>,
    /// Value maps by name (`ticket_status`, …), referenced by rows through
    /// [`Transform::ValueMap`].
    pub value_maps: BTreeMap<String, ValueMap>,
}

impl FieldMap {
    /// A map with no rows and no value maps, for `destination`: what a phase
    /// that maps nothing (rollback) carries when no map was ever confirmed.
    pub fn unmapped(destination: &str) -> FieldMap {
        FieldMap {
            destination: destination.to_string(),
            rows: Vec::new(),
            value_maps: BTreeMap::new(),
        }
    }

    /// The row of `object`'s `field`, if the map has one.
    pub fn row(&self, object: ObjectKind, field: &str) -> Option<&MapRow> {
        self.rows
            .iter()
            .find(|r| r.object == object && r.field == field)
    }

    /// The row of Stames custom field `key` on `object`.
    pub fn custom_row(&self, object: ObjectKind, key: &str) -> Option<&MapRow> {
        self.row(object, &format!("{CUSTOM_PREFIX}{key}"))
    }

    /// The row of a Stames custom field definition: what a writer looks up.
    pub fn custom_field_row(&self, def: &CustomFieldDef) -> Option<&MapRow> {
        self.custom_row(kind_of(def.object), &def.key)
    }

    /// The canonical hash of the map's content: the same map always hashes
    /// the same, whatever the file's comments, spacing or row grouping.
    pub fn hash(&self) -> String {
        crate::ledger::content_hash(&self.canonical())
    }

    /// The map with rows in canonical order (kind order, then the order the
    /// file gave within a kind), which is what [`FieldMap::hash`] covers.
    pub fn canonical(&self) -> FieldMap {
        let mut map = self.clone();
        map.rows.sort_by_key(|r| kind_rank(r.object));
        map
    }

    /// Puts rows into canonical order in place.
    pub fn sort(&mut self) {
        self.rows.sort_by_key(|r| kind_rank(r.object));
    }
}

/// The object kind whose records carry custom fields of `object`.
pub fn kind_of(object: FieldObject) -> ObjectKind {
    match object {
        FieldObject::Ticket => ObjectKind::Tickets,
        FieldObject::Customer => ObjectKind::Customers,
    }
}

/// Position of `kind` in [`ObjectKind::ALL`]: the order of the file.
pub fn kind_rank(kind: ObjectKind) -> usize {
    ObjectKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(usize::MAX)
}

/// One Stames field and where it lands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapRow {
    /// The Stames object kind the field belongs to.
    pub object: ObjectKind,
    /// The Stames field: a model field (`subject`, `company.name`),
    /// `custom.<key>` for a custom field, `<object key>.<field key>` for a
    /// field of a custom object record, or [`WHOLE_RECORD`].
    pub field: String,
    /// Set for Stames custom fields (and custom-object fields).
    pub custom: Option<CustomSource>,
    /// The type values are converted to. Set for custom fields, where it may
    /// differ from the declared type (a "text" field holding only dates is
    /// proposed as a date); standard fields have their type fixed by the model.
    pub value_type: Option<ValueType>,
    pub target: Target,
    pub transform: Transform,
    pub confidence: Confidence,
    pub origin: Origin,
    /// One line, for a person: why this target and transform.
    pub reason: String,
}

impl MapRow {
    /// A row a person wrote: `object`'s `field` to `target` through
    /// `transform`, certain, with no type of its own (set `custom` and
    /// `value_type` for a custom field).
    pub fn edited(object: ObjectKind, field: &str, target: Target, transform: Transform) -> MapRow {
        MapRow {
            object,
            field: field.to_string(),
            custom: None,
            value_type: None,
            target,
            transform,
            confidence: Confidence::CERTAIN,
            origin: Origin::UserEdited,
            reason: "written by hand".into(),
        }
    }

    /// `tickets.subject`, as messages and tables name a row.
    pub fn source_name(&self) -> String {
        format!("{}.{}", self.object, self.field)
    }

    /// The Stames custom field key, for a custom-field row.
    pub fn custom_key(&self) -> Option<&str> {
        self.field.strip_prefix(CUSTOM_PREFIX)
    }

    /// Whether the row's decision (target, transform, type) equals `other`'s;
    /// confidence, origin and reason are commentary on the decision.
    pub fn same_decision(&self, other: &MapRow) -> bool {
        self.target == other.target
            && self.transform == other.transform
            && self.value_type == other.value_type
    }
}

/// What the source says about a custom field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomSource {
    /// The Stames label, e.g. `Warranty Exp.`.
    pub label: String,
    /// The type Stames declares for it.
    pub declared: FieldType,
}

/// An `Object.field` of the destination, e.g. `Case.Subject` or
/// `Ticket.Warranty Exp.` (everything after the first dot is the field).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FieldRef {
    pub object: String,
    pub field: String,
}

impl FieldRef {
    pub fn new(object: impl Into<String>, field: impl Into<String>) -> FieldRef {
        FieldRef {
            object: object.into(),
            field: field.into(),
        }
    }

    /// Parses `Object.field`; `None` when either side is empty.
    pub fn parse(text: &str) -> Option<FieldRef> {
        let (object, field) = text.trim().split_once('.')?;
        let (object, field) = (object.trim(), field.trim());
        (!object.is_empty() && !field.is_empty()).then(|| FieldRef::new(object, field))
    }
}

impl fmt::Display for FieldRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.object, self.field)
    }
}

/// Where a Stames field lands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A field the destination has (standard, deskshift's own, or a custom
    /// field that already exists and is reused).
    Field(FieldRef),
    /// A custom field `prepare` creates, of this type.
    NewField {
        field: FieldRef,
        field_type: ValueType,
    },
    /// Not migrated as data; listed in the report for a person (the reason).
    Inventory(String),
    /// Not migrated (the reason).
    Drop(String),
}

impl Target {
    /// The destination field, for targets that have one.
    pub fn field(&self) -> Option<&FieldRef> {
        match self {
            Target::Field(field) | Target::NewField { field, .. } => Some(field),
            Target::Inventory(_) | Target::Drop(_) => None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Field(field) => write!(f, "{field}"),
            Target::NewField { field, field_type } => write!(f, "{field} (new, {field_type})"),
            Target::Inventory(_) => f.write_str("inventory only"),
            Target::Drop(_) => f.write_str("dropped"),
        }
    }
}

/// The type of a value, on either side: a Stames custom field's (declared
/// or observed) and a destination field's. One vocabulary, so type
/// compatibility is a single function ([`ValueType::fits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    Text,
    /// Text longer than a short text field holds (Salesforce Long Text Area).
    LongText,
    Number,
    Boolean,
    Date,
    DateTime,
    /// One value of a list (Gorgias dropdown, Salesforce picklist).
    Select,
    /// Several values of a list (Salesforce multi-select picklist).
    MultiSelect,
    Email,
    Phone,
    Url,
    /// A link to another record (an id resolved through the ledger's id map).
    Reference,
    /// A free-form JSON document that holds any value under a path (Gorgias
    /// customer `data`).
    Data,
}

impl ValueType {
    pub const ALL: [ValueType; 13] = [
        ValueType::Text,
        ValueType::LongText,
        ValueType::Number,
        ValueType::Boolean,
        ValueType::Date,
        ValueType::DateTime,
        ValueType::Select,
        ValueType::MultiSelect,
        ValueType::Email,
        ValueType::Phone,
        ValueType::Url,
        ValueType::Reference,
        ValueType::Data,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Text => "text",
            ValueType::LongText => "long_text",
            ValueType::Number => "number",
            ValueType::Boolean => "boolean",
            ValueType::Date => "date",
            ValueType::DateTime => "datetime",
            ValueType::Select => "select",
            ValueType::MultiSelect => "multi_select",
            ValueType::Email => "email",
            ValueType::Phone => "phone",
            ValueType::Url => "url",
            ValueType::Reference => "reference",
            ValueType::Data => "data",
        }
    }

    pub fn parse(text: &str) -> Option<ValueType> {
        ValueType::ALL
            .into_iter()
            .find(|t| t.as_str() == text.trim())
    }

    /// The type of a Stames field type.
    pub fn of(field_type: FieldType) -> ValueType {
        match field_type {
            FieldType::Text => ValueType::Text,
            FieldType::Number => ValueType::Number,
            FieldType::Date => ValueType::Date,
            FieldType::Boolean => ValueType::Boolean,
            FieldType::Select => ValueType::Select,
            FieldType::MultiSelect => ValueType::MultiSelect,
        }
    }

    /// Whether a value of this type can be stored in a destination field of
    /// type `into` without losing what it is: exactly, or as text (every
    /// scalar has a faithful text form; a list joins into one). Text does not
    /// fit a number, date or boolean field: that needs a retyped row.
    pub fn fits(self, into: ValueType) -> bool {
        use ValueType as T;
        if self == into || into == T::Data {
            return true;
        }
        match into {
            T::Text | T::LongText => !matches!(self, T::Data | T::Reference),
            T::DateTime => self == T::Date,
            T::Select => matches!(self, T::Text | T::Boolean | T::Number),
            T::MultiSelect => self == T::Select,
            T::Email | T::Phone | T::Url => false,
            T::Number | T::Boolean | T::Date | T::Reference | T::Data => false,
        }
    }

    /// Destination types for a new field holding values of this type, best
    /// first: the proposer takes the first one the destination can create.
    pub fn landing_preference(self) -> &'static [ValueType] {
        use ValueType as T;
        match self {
            T::Text => &[T::Text, T::LongText],
            T::LongText => &[T::LongText, T::Text],
            T::Number => &[T::Number, T::Text],
            T::Boolean => &[T::Boolean, T::Text],
            T::Date => &[T::Date, T::DateTime, T::Text],
            T::DateTime => &[T::DateTime, T::Text],
            T::Select => &[T::Select, T::Text],
            T::MultiSelect => &[T::MultiSelect, T::Text, T::LongText],
            T::Email => &[T::Email, T::Text],
            T::Phone => &[T::Phone, T::Text],
            T::Url => &[T::Url, T::Text],
            T::Reference => &[T::Reference],
            T::Data => &[T::Data],
        }
    }
}

impl fmt::Display for ValueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure a proposal is, 0 to 1, kept to two decimals so the file
/// round-trips exactly.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Confidence(f64);

impl Confidence {
    pub const CERTAIN: Confidence = Confidence(1.0);

    /// `value` clamped to 0..1 and rounded to two decimals; NaN is 0.
    pub fn new(value: f64) -> Confidence {
        if value.is_nan() {
            return Confidence(0.0);
        }
        Confidence((value.clamp(0.0, 1.0) * 100.0).round() / 100.0)
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

/// Who decided a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The destination's standard map (DESIGN.md §4, the `map/` modules).
    BuiltIn,
    /// An existing destination field whose name matches the Stames field's.
    NameSimilarity,
    /// The values themselves: e.g. a text field holding only dates.
    ValueProfile,
    /// A destination field that already stands for this Stames field (made
    /// by an earlier run, or found under the name deskshift would give it).
    ExistingDestinationField,
    /// Suggested by the configured language model.
    ModelProposed,
    /// Written or changed by a person.
    UserEdited,
}

impl Origin {
    pub const ALL: [Origin; 6] = [
        Origin::BuiltIn,
        Origin::NameSimilarity,
        Origin::ValueProfile,
        Origin::ExistingDestinationField,
        Origin::ModelProposed,
        Origin::UserEdited,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Origin::BuiltIn => "built_in",
            Origin::NameSimilarity => "name_similarity",
            Origin::ValueProfile => "value_profile",
            Origin::ExistingDestinationField => "existing_destination_field",
            Origin::ModelProposed => "model_proposed",
            Origin::UserEdited => "user_edited",
        }
    }

    pub fn parse(text: &str) -> Option<Origin> {
        Origin::ALL.into_iter().find(|o| o.as_str() == text.trim())
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Source value (as Stames spells it) → its entry.
pub type ValueMap = BTreeMap<String, ValueMapEntry>;

/// What one source value of an enumeration becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueMapEntry {
    /// The destination value; empty when nobody has chosen one yet.
    pub to: String,
    /// Records carrying the source value when the map was proposed.
    pub count: u64,
    /// The destination's standard map does not know this source value: the
    /// proposal is its fallback, and a person should look at it.
    pub unmatched: bool,
    /// What is lost or assumed, when anything is.
    pub note: Option<String>,
}

impl ValueMapEntry {
    /// An entry sending its source value to `to`, with nothing to flag.
    pub fn to(to: impl Into<String>) -> ValueMapEntry {
        ValueMapEntry {
            to: to.into(),
            count: 0,
            unmatched: false,
            note: None,
        }
    }
}

/// A value map from (source value, destination value) pairs.
pub fn value_map<S: Into<String>, T: Into<String>>(
    pairs: impl IntoIterator<Item = (S, T)>,
) -> ValueMap {
    pairs
        .into_iter()
        .map(|(from, to)| (from.into(), ValueMapEntry::to(to)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_is_clamped_and_rounded() {
        assert_eq!(Confidence::new(0.876).value(), 0.88);
        assert_eq!(Confidence::new(7.0).value(), 1.0);
        assert_eq!(Confidence::new(-1.0).value(), 0.0);
        assert_eq!(Confidence::new(f64::NAN).value(), 0.0);
        assert_eq!(Confidence::new(0.5).to_string(), "0.50");
    }

    #[test]
    fn field_refs_split_at_the_first_dot() {
        let field = FieldRef::parse("Ticket.Warranty Exp.").unwrap();
        assert_eq!(
            (field.object.as_str(), field.field.as_str()),
            ("Ticket", "Warranty Exp.")
        );
        assert_eq!(
            FieldRef::parse("Customer.data.stames.fields.VIP?")
                .unwrap()
                .field,
            "data.stames.fields.VIP?"
        );
        assert_eq!(FieldRef::parse("Case"), None);
        assert_eq!(FieldRef::parse(".Subject"), None);
        assert_eq!(FieldRef::parse("Case. "), None);
    }

    #[test]
    fn types_fit_as_themselves_as_text_or_as_data_but_text_needs_retyping() {
        assert!(ValueType::Date.fits(ValueType::Date));
        assert!(ValueType::Date.fits(ValueType::Text));
        assert!(ValueType::Date.fits(ValueType::DateTime));
        assert!(ValueType::Boolean.fits(ValueType::Data));
        assert!(ValueType::MultiSelect.fits(ValueType::Text));
        assert!(!ValueType::Text.fits(ValueType::Number));
        assert!(!ValueType::Text.fits(ValueType::Date));
        assert!(!ValueType::Number.fits(ValueType::Boolean));
        for t in ValueType::ALL {
            assert_eq!(ValueType::parse(t.as_str()), Some(t));
            assert!(t.fits(t));
            assert_eq!(t.landing_preference()[0], t, "{t}");
        }
    }

    #[test]
    fn names_round_trip() {
        for o in Origin::ALL {
            assert_eq!(Origin::parse(o.as_str()), Some(o));
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(json, format!("\"{}\"", o.as_str()));
        }
    }
}
