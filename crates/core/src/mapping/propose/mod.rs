//! `deskshift map propose`: the field map deskshift suggests, from what
//! discovery saw (`reports/scope.json`) and what the destination holds (its
//! [`Catalog`]).
//!
//! - **Standard fields** get the destination's built-in rows (origin
//!   `built_in`, confidence 1), the same decisions its writer makes.
//! - **Custom fields**: the values' real type first ([`infer`]: a text field
//!   of dates is a date), then an existing destination field if one fits
//!   (the one an earlier run made, the one under deskshift's own name, or
//!   one whose name is close enough — [`similarity`] — and whose type takes
//!   the values), else a new field of the closest type the destination can
//!   create. Each existing field serves at most one Stames field: best
//!   matches are assigned first.
//! - **Value maps** list every value present in the source with the
//!   destination's suggestion; values its standard map does not know are
//!   flagged `unmatched`, and the row that uses the map is marked less sure.
//!
//! Pure and deterministic: the same scope and catalog give the same map.

pub mod infer;
pub mod similarity;

use super::catalog::{Catalog, CatalogField, SourceEnumeration};
use super::file::FileNotes;
use super::model::{
    kind_of, Confidence, CustomSource, FieldMap, FieldRef, MapRow, Origin, Target, ValueMap,
    ValueMapEntry, ValueType, CUSTOM_PREFIX,
};
use super::transform::Transform;
use crate::discover::{FieldProfile, ScopeReport};
use crate::model::{FieldType, ObjectKind};
use infer::{infer, Inferred};
use std::collections::{BTreeMap, BTreeSet};

/// Name similarity from which an existing field is reused.
pub const REUSE_SIMILARITY: f64 = 0.8;

/// The most a match by similar name scores: less than a field made for the
/// Stames field (1.0) or named exactly as deskshift names it (0.97), so
/// those win when both fit.
const SIMILAR_NAME: f64 = 0.95;

/// Confidence of a row whose value map holds values the standard map does
/// not know.
const UNMATCHED_VALUES: f64 = 0.5;

/// A proposed map with the comments its file should carry.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub map: FieldMap,
    pub notes: FileNotes,
}

pub fn propose(scope: &ScopeReport, catalog: &Catalog) -> Proposal {
    let value_maps = value_maps(scope, catalog);
    let mut rows: Vec<MapRow> = catalog
        .standard_rows
        .iter()
        .map(|standard| {
            let mut row = MapRow {
                object: standard.object,
                field: standard.field.clone(),
                custom: None,
                value_type: None,
                target: standard.target.clone(),
                transform: standard.transform.clone(),
                confidence: Confidence::CERTAIN,
                origin: Origin::BuiltIn,
                reason: standard.reason.clone(),
            };
            flag_unmatched_values(&mut row, &value_maps);
            row
        })
        .collect();
    rows.extend(custom_rows(scope, catalog));
    let mut map = FieldMap {
        destination: catalog.destination.clone(),
        rows,
        value_maps,
    };
    map.sort();
    Proposal {
        notes: notes(scope, catalog),
        map,
    }
}

fn flag_unmatched_values(row: &mut MapRow, value_maps: &BTreeMap<String, ValueMap>) {
    let Some(values) = row
        .transform
        .value_map()
        .and_then(|name| value_maps.get(name))
    else {
        return;
    };
    let unmatched: Vec<&str> = values
        .iter()
        .filter(|(_, entry)| entry.unmatched || entry.to.is_empty())
        .map(|(value, _)| value.as_str())
        .collect();
    if !unmatched.is_empty() {
        row.confidence = Confidence::new(UNMATCHED_VALUES);
        row.reason = format!(
            "{}; the standard map does not know {}: check the value map",
            row.reason,
            unmatched
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

// ------------------------------------------------------------- value maps

fn value_maps(scope: &ScopeReport, catalog: &Catalog) -> BTreeMap<String, ValueMap> {
    let mut maps = BTreeMap::new();
    for enumeration in &catalog.enumerations {
        let counts: BTreeMap<String, u64> = SourceEnumeration::ALL
            .into_iter()
            .find(|e| e.name() == enumeration.name)
            .map(|e| e.values(scope).into_iter().collect())
            .unwrap_or_default();
        let mut values = ValueMap::new();
        for suggestion in &enumeration.suggestions {
            values.insert(
                suggestion.source.clone(),
                ValueMapEntry {
                    to: suggestion.target.clone(),
                    count: counts.get(&suggestion.source).copied().unwrap_or(0),
                    unmatched: !suggestion.recognised,
                    note: suggestion.note.clone(),
                },
            );
        }
        maps.insert(enumeration.name.clone(), values);
    }
    maps
}

fn notes(scope: &ScopeReport, catalog: &Catalog) -> FileNotes {
    let mut notes = FileNotes {
        header: vec![format!(
            "Proposed for {} from reports/scope.json ({}, discovered {}).",
            catalog.destination,
            scope.source,
            scope.generated_at.format("%Y-%m-%d %H:%M UTC")
        )],
        value_maps: BTreeMap::new(),
    };
    for enumeration in &catalog.enumerations {
        let takes = if enumeration.extensible {
            format!(
                "it also takes new values (it has today: {})",
                enumeration.allowed.join(", ")
            )
        } else {
            format!("it takes: {}", enumeration.allowed.join(", "))
        };
        notes.value_maps.insert(
            enumeration.name.clone(),
            format!("Feeds {}; {takes}.", enumeration.field),
        );
    }
    notes
}

// ---------------------------------------------------------- custom fields

/// A Stames custom field being placed.
struct Placing<'a> {
    profile: &'a FieldProfile,
    kind: ObjectKind,
    inferred: Inferred,
}

/// An existing destination field that could take a Stames field.
struct Candidate<'a> {
    source: usize,
    field: &'a CatalogField,
    object: &'a str,
    score: f64,
    origin: Origin,
    why: String,
}

fn custom_rows(scope: &ScopeReport, catalog: &Catalog) -> Vec<MapRow> {
    let placing: Vec<Placing> = scope
        .custom_fields
        .iter()
        .map(|profile| Placing {
            profile,
            kind: kind_of(profile.object),
            inferred: infer(profile),
        })
        .collect();

    // Existing fields, best match first, each used once.
    let mut candidates: Vec<Candidate> = placing
        .iter()
        .enumerate()
        .flat_map(|(index, p)| candidates(index, p, catalog))
        .collect();
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.source.cmp(&b.source))
            .then(a.field.name.cmp(&b.field.name))
    });
    let mut chosen: BTreeMap<usize, Candidate> = BTreeMap::new();
    let mut claimed: BTreeSet<(String, String)> = BTreeSet::new();
    for candidate in candidates {
        let key = (
            candidate.object.to_string(),
            candidate.field.name.to_ascii_lowercase(),
        );
        if chosen.contains_key(&candidate.source) || claimed.contains(&key) {
            continue;
        }
        claimed.insert(key);
        chosen.insert(candidate.source, candidate);
    }

    placing
        .iter()
        .enumerate()
        .map(|(index, p)| match chosen.remove(&index) {
            Some(candidate) => reuse_row(p, &candidate),
            None => landing_row(p, catalog),
        })
        .collect()
}

fn candidates<'a>(source: usize, p: &Placing, catalog: &'a Catalog) -> Vec<Candidate<'a>> {
    let Some(landing) = catalog.custom_landing(p.profile.object, &p.profile.key) else {
        return Vec::new();
    };
    let Target::NewField { field: new, .. } = &landing.target else {
        return Vec::new();
    };
    let Some(object) = catalog.object(&new.object) else {
        return Vec::new();
    };
    let profile = p.profile;
    object
        .fields
        .iter()
        .filter(|f| f.custom && !f.managed && f.createable)
        .filter(|f| p.inferred.value_type.fits(f.value_type))
        .filter_map(|f| {
            let exact = if p.inferred.value_type == f.value_type {
                1.0
            } else {
                0.9
            };
            let (score, origin, why) = if f.external_id.as_deref() == Some(profile.id.as_str()) {
                (
                    1.0,
                    Origin::ExistingDestinationField,
                    format!(
                        "{}.{} was made for this Stames field (external id {})",
                        object.name, f.name, profile.id
                    ),
                )
            } else if f.name.eq_ignore_ascii_case(&new.field) {
                (
                    0.97,
                    Origin::ExistingDestinationField,
                    format!(
                        "{}.{} already exists under the name deskshift gives this field",
                        object.name, f.name
                    ),
                )
            } else {
                let score = similarity::best_similarity(
                    &[&profile.label, &profile.key],
                    &[&f.label, &f.name],
                );
                if score < REUSE_SIMILARITY {
                    return None;
                }
                // Below the two certain matches above, whatever the names.
                (
                    score * exact * SIMILAR_NAME,
                    Origin::NameSimilarity,
                    format!(
                        "reuses the existing {} field {}.{} (\"{}\", name {:.0}% alike) instead of creating a duplicate",
                        f.value_type,
                        object.name,
                        f.name,
                        f.label,
                        score * 100.0
                    ),
                )
            };
            Some(Candidate {
                source,
                field: f,
                object: &object.name,
                score,
                origin,
                why,
            })
        })
        .collect()
}

fn custom_source(profile: &FieldProfile) -> CustomSource {
    CustomSource {
        label: profile.label.clone(),
        declared: profile.field_type,
    }
}

fn reuse_row(p: &Placing, candidate: &Candidate) -> MapRow {
    let field = candidate.field;
    let transform = transform_for(
        p.profile.field_type,
        p.inferred.value_type,
        field.value_type,
        p.profile.max_length,
        field.max_length,
    );
    MapRow {
        object: p.kind,
        field: format!("{CUSTOM_PREFIX}{}", p.profile.key),
        custom: Some(custom_source(p.profile)),
        value_type: Some(p.inferred.value_type),
        target: Target::Field(FieldRef::new(candidate.object, &field.name)),
        transform,
        // A field made for (or named exactly like) this one is as sure as
        // its match; a similar name is only as sure as the values' type too.
        confidence: Confidence::new(match candidate.origin {
            Origin::ExistingDestinationField => candidate.score,
            _ => candidate.score * p.inferred.confidence.max(0.9),
        }),
        origin: candidate.origin,
        reason: format!("{}; {}", p.inferred.evidence, candidate.why),
    }
}

fn landing_row(p: &Placing, catalog: &Catalog) -> MapRow {
    let profile = p.profile;
    let field = format!("{CUSTOM_PREFIX}{}", profile.key);
    let Some(landing) = catalog.custom_landing(profile.object, &profile.key) else {
        return MapRow {
            object: p.kind,
            field,
            custom: Some(custom_source(profile)),
            value_type: Some(p.inferred.value_type),
            target: Target::Drop(format!(
                "{} offers no place for this field; choose a `to` or keep the drop",
                catalog.destination
            )),
            transform: Transform::Copy,
            confidence: Confidence::new(0.0),
            origin: Origin::BuiltIn,
            reason: "no landing in the destination's standard map".into(),
        };
    };
    let (target, dest_type, max_length) = match &landing.target {
        Target::NewField {
            field: new,
            field_type,
        } => {
            let object = catalog.object(&new.object);
            let wanted = object
                .and_then(|o| o.landing_type(p.inferred.value_type))
                .unwrap_or(*field_type);
            let max_length = (wanted == ValueType::Text).then_some(infer::SHORT_TEXT as u32);
            (
                Target::NewField {
                    field: new.clone(),
                    field_type: wanted,
                },
                wanted,
                max_length,
            )
        }
        Target::Field(holder) => {
            let found = catalog.field(holder);
            (
                landing.target.clone(),
                found.map_or(ValueType::Data, |f| f.value_type),
                found.and_then(|f| f.max_length),
            )
        }
        other => (other.clone(), p.inferred.value_type, None),
    };
    MapRow {
        object: p.kind,
        field,
        custom: Some(custom_source(profile)),
        value_type: Some(p.inferred.value_type),
        transform: transform_for(
            profile.field_type,
            p.inferred.value_type,
            dest_type,
            profile.max_length,
            max_length,
        ),
        target,
        confidence: Confidence::new(p.inferred.confidence),
        origin: p.inferred.origin,
        reason: format!("{}; {}", p.inferred.evidence, landing.reason),
    }
}

/// The transform that carries a custom field's values, of type `value`,
/// from its `declared` type into a destination field of type `dest` (text
/// longer than the field's `max_length` is cut, the rest kept in the note).
pub(crate) fn transform_for(
    declared: FieldType,
    value: ValueType,
    dest: ValueType,
    longest: u64,
    max_length: Option<u32>,
) -> Transform {
    let declared = ValueType::of(declared);
    // A conversion only where the destination holds the converted type: a
    // number going into a text field stays the text it was.
    let converted = match (declared, value, dest) {
        (ValueType::Text, ValueType::Number, ValueType::Number | ValueType::Data) => {
            Transform::TextToNumber
        }
        (ValueType::Text, ValueType::Boolean, ValueType::Boolean | ValueType::Data) => {
            Transform::TextToBoolean
        }
        (ValueType::Text, ValueType::Date, ValueType::Date | ValueType::DateTime) => {
            Transform::TextToDate
        }
        (ValueType::Text, ValueType::Date, ValueType::Data)
        | (_, ValueType::Date, ValueType::Text | ValueType::LongText) => Transform::DateToIsoText,
        (_, ValueType::MultiSelect, ValueType::Text | ValueType::LongText) => {
            Transform::MultiSelectJoin(", ".into())
        }
        (_, _, ValueType::Data) => Transform::CustomerData,
        _ => Transform::Copy,
    };
    match (converted, max_length) {
        (Transform::Copy, Some(max)) if longest > u64::from(max) => {
            Transform::TruncateWithNote(max)
        }
        (converted, _) => converted,
    }
}

#[cfg(test)]
pub(crate) mod tests;
