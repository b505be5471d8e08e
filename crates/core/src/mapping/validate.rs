//! `deskshift map confirm`'s check of the whole map against the destination
//! and the source: every problem at once, each with its line and key.
//!
//! - every Stames field the source has (the destination's standard rows and
//!   every custom field discovery saw) has exactly one row, and every row
//!   names a field Stames has;
//! - every `to` names a field the destination has; every `create` a type the
//!   object can take, under a name not already used;
//! - the values' type fits the destination field's, and the transform fits
//!   both (text_to_number into a number field, …); an existing custom field
//!   takes one Stames field only;
//! - every field the destination requires on an object the map writes is
//!   filled by some row;
//! - every value map a row uses exists and gives every value present in the
//!   source a destination value the destination takes.

use super::catalog::{Catalog, SourceEnumeration};
use super::file::{Locations, Problem};
use super::model::{FieldMap, FieldRef, Target, ValueType, CUSTOM_PREFIX};
use super::propose::similarity;
use super::transform::Transform;
use crate::discover::ScopeReport;
use crate::model::ObjectKind;
use std::collections::{BTreeMap, BTreeSet};

/// Every problem of `map`, in file order. Empty: the map may be confirmed.
pub fn validate(
    map: &FieldMap,
    locations: &Locations,
    catalog: &Catalog,
    scope: &ScopeReport,
) -> Vec<Problem> {
    let mut check = Check {
        map,
        locations,
        catalog,
        scope,
        problems: Vec::new(),
    };
    if map.destination != catalog.destination {
        check.problems.push(Problem {
            line: 0,
            key: "destination".into(),
            message: format!(
                "the map is for `{}` but the project's destination is `{}`; run `deskshift map propose --force`",
                map.destination, catalog.destination
            ),
        });
    }
    check.coverage(scope);
    check.standard_rows();
    check.custom_transforms();
    check.rows();
    check.required_fields();
    check.value_maps(scope);
    let mut problems = check.problems;
    problems.sort_by(|a, b| a.line.cmp(&b.line).then(a.key.cmp(&b.key)));
    problems
}

struct Check<'a> {
    map: &'a FieldMap,
    locations: &'a Locations,
    catalog: &'a Catalog,
    scope: &'a ScopeReport,
    problems: Vec<Problem>,
}

impl Check<'_> {
    fn at_row(&mut self, index: usize, key: &str, message: String) {
        let row = &self.map.rows[index];
        self.problems.push(Problem {
            line: self.locations.rows.get(index).map_or(0, |r| r.of(key)),
            key: format!("{}.{key}", row.source_name()),
            message,
        });
    }

    /// One row per Stames field, and no row for a field Stames lacks.
    fn coverage(&mut self, scope: &ScopeReport) {
        let mut expected: BTreeSet<(ObjectKind, String)> = self
            .catalog
            .standard_rows
            .iter()
            .map(|r| (r.object, r.field.clone()))
            .collect();
        for field in &scope.custom_fields {
            let kind = super::model::kind_of(field.object);
            expected.insert((kind, format!("{CUSTOM_PREFIX}{}", field.key)));
        }
        let mut seen: BTreeSet<(ObjectKind, String)> = BTreeSet::new();
        for (index, row) in self.map.rows.iter().enumerate() {
            let id = (row.object, row.field.clone());
            if !seen.insert(id.clone()) {
                self.at_row(
                    index,
                    "field",
                    "a second row for the same Stames field; keep one".into(),
                );
            } else if !expected.contains(&id) {
                self.at_row(
                    index,
                    "field",
                    format!(
                        "Stames has no field `{}` (custom fields are custom.<key>, as discovery found them)",
                        row.source_name()
                    ),
                );
            }
        }
        for (kind, field) in expected.difference(&seen) {
            self.problems.push(Problem {
                line: 0,
                key: format!("{kind}.{field}"),
                message: format!(
                    "no row for this Stames field; add a [[{kind}]] row with field = \"{field}\" \
                     (use `drop = \"why\"` to leave it behind)"
                ),
            });
        }
    }

    /// A standard row is the destination writer's own decision: this build
    /// honours the value maps and the custom-field rows, not a changed
    /// target or transform of a standard field. Refusing the edit keeps the
    /// file from promising what the load will not do.
    fn standard_rows(&mut self) {
        for index in 0..self.map.rows.len() {
            let row = &self.map.rows[index];
            let Some(standard) = self
                .catalog
                .standard_rows
                .iter()
                .find(|s| s.object == row.object && s.field == row.field)
            else {
                continue;
            };
            let (key, wanted) = if !same_place(&row.target, &standard.target) {
                let key = match &row.target {
                    Target::Drop(_) => "drop",
                    Target::Inventory(_) => "inventory",
                    Target::Field(_) | Target::NewField { .. } => "to",
                };
                (key, describe_target(&standard.target))
            } else if row.transform != standard.transform {
                (
                    "transform",
                    format!("transform = \"{}\"", standard.transform),
                )
            } else {
                continue;
            };
            let destination = &self.catalog.destination;
            let name = row.source_name();
            self.at_row(
                index,
                key,
                format!(
                    "`{name}` is a standard field: the {destination} writer lands it as its \
                     standard map does ({wanted}), which the field map cannot change; put that \
                     back. What you can change: the value maps ([value_maps.*]) and the custom \
                     fields' rows (custom.*)"
                ),
            );
        }
    }

    /// A custom field's row converts values one by one: only the value
    /// transforms of the library apply ([`super::apply::convert`]).
    fn custom_transforms(&mut self) {
        for index in 0..self.map.rows.len() {
            let row = &self.map.rows[index];
            if row.custom.is_none()
                || !matches!(row.target, Target::Field(_) | Target::NewField { .. })
            {
                continue;
            }
            if !super::apply::is_value_transform(&row.transform) {
                let transform = row.transform.clone();
                self.at_row(
                    index,
                    "transform",
                    format!(
                        "`{transform}` does not convert a custom field's value; use copy, \
                         text_to_number, text_to_boolean, text_to_date, date_to_iso_text, \
                         multi_select_join:<separator>, truncate_with_note:<n>, \
                         value_map:<name>, note_line or customer_data"
                    ),
                );
            }
        }
    }

    fn rows(&mut self) {
        let mut created: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut reused: BTreeMap<(String, String), usize> = BTreeMap::new();
        for index in 0..self.map.rows.len() {
            let row = &self.map.rows[index];
            let dest_type = match &row.target {
                Target::Field(field) => self.existing(index, field, &mut reused),
                Target::NewField { field, field_type } => {
                    self.new_field(index, field, *field_type, &mut created)
                }
                Target::Inventory(_) | Target::Drop(_) => None,
            };
            if let (Some(value_type), Some(dest_type)) = (row.value_type, dest_type) {
                if !value_type.fits(dest_type) {
                    let target = row.target.clone();
                    self.at_row(
                        index,
                        "type",
                        format!(
                            "values of type {value_type} do not fit {target}, a {dest_type} field; \
                             choose another field or change `type` and `transform`"
                        ),
                    );
                } else if let Some(problem) = transform_problem(&row.transform, dest_type) {
                    self.at_row(index, "transform", problem);
                }
            }
            if let Some(name) = row.transform.value_map() {
                if !self.map.value_maps.contains_key(name) {
                    self.at_row(
                        index,
                        "transform",
                        format!("there is no [value_maps.{name}]; add it or use another transform"),
                    );
                }
            }
        }
    }

    /// Checks a `to` without `create`; the field's type when it exists.
    fn existing(
        &mut self,
        index: usize,
        field: &FieldRef,
        reused: &mut BTreeMap<(String, String), usize>,
    ) -> Option<ValueType> {
        let is_custom_row = self.map.rows[index].custom.is_some();
        let Some(found) = self.catalog.field(field) else {
            let hint = self.closest(field);
            self.at_row(
                index,
                "to",
                format!("{} has no field {field}{hint}", self.catalog.destination),
            );
            return None;
        };
        if is_custom_row {
            if found.managed {
                self.at_row(
                    index,
                    "to",
                    format!("{field} is filled by deskshift itself; choose another field"),
                );
            } else if !found.createable {
                self.at_row(
                    index,
                    "to",
                    format!("{field} cannot be written on insert; choose another field"),
                );
            }
            if found.value_type != ValueType::Data {
                self.claim(reused, index, &field.object, &found.name, |other| {
                    format!("{field} already takes {other}; one Stames field per destination field")
                });
            }
        }
        Some(found.value_type)
    }

    /// Checks a `to` with `create`; the new field's type when it can be made.
    fn new_field(
        &mut self,
        index: usize,
        field: &FieldRef,
        field_type: ValueType,
        created: &mut BTreeMap<(String, String), usize>,
    ) -> Option<ValueType> {
        let destination = &self.catalog.destination;
        let Some(object) = self.catalog.object(&field.object) else {
            let objects = self.catalog.object_names();
            self.at_row(
                index,
                "to",
                format!(
                    "{destination} has no object `{}`; it has: {objects}",
                    field.object
                ),
            );
            return None;
        };
        if !object.creatable_types.contains(&field_type) {
            let types: Vec<&str> = object.creatable_types.iter().map(|t| t.as_str()).collect();
            let can = if types.is_empty() {
                "none".to_string()
            } else {
                types.join(", ")
            };
            self.at_row(
                index,
                "create",
                format!(
                    "deskshift cannot create a {field_type} field on {destination} {}; it can create: {can}",
                    object.name
                ),
            );
            return None;
        }
        // A field an earlier `prepare` made for this very Stames field (its
        // external id is the Stames field's id) is this row's, not a clash.
        let row = &self.map.rows[index];
        let made_for_row = |existing: &super::catalog::CatalogField| {
            existing.external_id.as_ref().is_some_and(|id| {
                self.scope.custom_fields.iter().any(|p| {
                    &p.id == id
                        && super::model::kind_of(p.object) == row.object
                        && row.custom_key() == Some(p.key.as_str())
                })
            })
        };
        if object.field(&field.field).is_some_and(|f| !made_for_row(f)) {
            self.at_row(
                index,
                "create",
                format!(
                    "{field} already exists; remove `create` to reuse it, or choose a new name"
                ),
            );
        }
        self.claim(created, index, &field.object, &field.field, |other| {
            format!("{other} already creates {field}; give this one another name")
        });
        Some(field_type)
    }

    /// Claims `object.name` for row `index`; a second claim is a problem
    /// worded by `message` from the first claimant's name.
    fn claim(
        &mut self,
        claims: &mut BTreeMap<(String, String), usize>,
        index: usize,
        object: &str,
        name: &str,
        message: impl Fn(&str) -> String,
    ) {
        let key = (object.to_string(), name.to_ascii_lowercase());
        if let Some(first) = claims.insert(key, index) {
            let other = self.map.rows[first].source_name();
            self.at_row(index, "to", message(&other));
        }
    }

    /// `; did you mean X?`, or the object's list when the object is unknown.
    fn closest(&self, field: &FieldRef) -> String {
        match self.catalog.object(&field.object) {
            None => format!(
                " (no object `{}`; objects: {})",
                field.object,
                self.catalog.object_names()
            ),
            Some(object) => object
                .fields
                .iter()
                .map(|f| (similarity::similarity(&field.field, &f.name), &f.name))
                .filter(|(score, _)| *score >= 0.5)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, name)| format!("; did you mean {}.{name}?", object.name))
                .unwrap_or_else(|| {
                    "; add `create = \"<type>\"` to have deskshift create it".into()
                }),
        }
    }

    /// Fields the destination requires on the objects the map writes.
    fn required_fields(&mut self) {
        let targets: Vec<&FieldRef> = self
            .map
            .rows
            .iter()
            .filter_map(|r| r.target.field())
            .collect();
        let objects: BTreeSet<&str> = targets.iter().map(|f| f.object.as_str()).collect();
        for name in objects {
            let Some(object) = self.catalog.object(name) else {
                continue;
            };
            for field in object
                .fields
                .iter()
                .filter(|f| f.required && f.createable && !f.managed)
            {
                let filled = targets
                    .iter()
                    .any(|t| t.object == object.name && t.field.eq_ignore_ascii_case(&field.name));
                if !filled {
                    self.problems.push(Problem {
                        line: 0,
                        key: format!("{}.{}", object.name, field.name),
                        message: format!(
                            "{} requires {}.{} on every record, and no row fills it; point a row's `to` at it",
                            self.catalog.destination, object.name, field.name
                        ),
                    });
                }
            }
        }
    }

    /// Value maps the rows use: a destination value for every source value
    /// present, one the destination takes.
    fn value_maps(&mut self, scope: &ScopeReport) {
        let used: BTreeSet<&str> = self
            .map
            .rows
            .iter()
            .filter_map(|r| r.transform.value_map())
            .collect();
        for name in used {
            let Some(values) = self.map.value_maps.get(name) else {
                continue;
            };
            let enumeration = self.catalog.enumeration(name);
            let mut present: BTreeMap<String, u64> = SourceEnumeration::ALL
                .into_iter()
                .find(|e| e.name() == name)
                .map(|e| e.values(scope).into_iter().collect())
                .unwrap_or_default();
            for suggestion in enumeration.iter().flat_map(|e| &e.suggestions) {
                present.entry(suggestion.source.clone()).or_insert(0);
            }
            for (value, count) in &present {
                if !values.contains_key(value) {
                    self.problems.push(Problem {
                        line: 0,
                        key: format!("value_maps.{name}"),
                        message: format!(
                            "the source has `{value}` ({count} records) and the map gives it no value; add {value:?} = {{ to = \"…\" }}"
                        ),
                    });
                }
            }
            for (value, entry) in values {
                let line = self
                    .locations
                    .values
                    .get(&(name.to_string(), value.clone()))
                    .copied()
                    .unwrap_or(0);
                let key = format!("value_maps.{name}.{value}");
                if entry.to.is_empty() {
                    self.problems.push(Problem {
                        line,
                        key,
                        message: "no destination value; fill in `to`".into(),
                    });
                    continue;
                }
                let Some(enumeration) = enumeration else {
                    continue;
                };
                let takes = enumeration
                    .allowed
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(&entry.to));
                if !enumeration.extensible && !takes {
                    self.problems.push(Problem {
                        line,
                        key,
                        message: format!(
                            "`{}` is not a value of {}; it takes: {}",
                            entry.to,
                            enumeration.field,
                            enumeration.allowed.join(", ")
                        ),
                    });
                }
            }
        }
    }
}

/// Why `transform` cannot write into a field of type `dest`, if it cannot.
fn transform_problem(transform: &Transform, dest: ValueType) -> Option<String> {
    use ValueType as T;
    let into = |allowed: &[ValueType]| allowed.contains(&dest) || dest == T::Data;
    let fits = match transform {
        Transform::TextToNumber => into(&[T::Number]),
        Transform::TextToBoolean => into(&[T::Boolean]),
        Transform::TextToDate => into(&[T::Date, T::DateTime]),
        Transform::DateToIsoText
        | Transform::MultiSelectJoin(_)
        | Transform::TruncateWithNote(_)
        | Transform::HtmlToText
        | Transform::NoteLine => into(&[T::Text, T::LongText]),
        Transform::CustomerData => dest == T::Data,
        _ => true,
    };
    (!fits).then(|| format!("`{transform}` cannot write into a {dest} field"))
}

/// Whether two targets land in the same place (a drop is a drop whatever
/// its reason).
fn same_place(a: &Target, b: &Target) -> bool {
    match (a, b) {
        (Target::Drop(_), Target::Drop(_)) | (Target::Inventory(_), Target::Inventory(_)) => true,
        _ => a == b,
    }
}

/// A target as `mapping.toml` writes it.
fn describe_target(target: &Target) -> String {
    match target {
        Target::Field(field) => format!("to = \"{field}\""),
        Target::NewField { field, field_type } => {
            format!("to = \"{field}\", create = \"{field_type}\"")
        }
        Target::Inventory(_) => "inventory".into(),
        Target::Drop(_) => "drop".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::catalog::CatalogField;
    use crate::mapping::model::MapRow;
    use crate::mapping::propose::propose;
    use crate::mapping::propose::tests::{catalog, custom_field, scope, workspace_fields};
    use crate::mapping::{parse, render};

    /// The proposal, written and read back, with the problems of `edit`ed text.
    fn problems_after(edit: impl Fn(String) -> String) -> Vec<Problem> {
        let scope = scope(workspace_fields());
        let mut catalog = catalog(vec![custom_field("Order Number", ValueType::Number)]);
        catalog.objects[0]
            .fields
            .push(CatalogField::standard("customer", ValueType::Reference).required());
        catalog.standard_rows.push(crate::mapping::StandardRow::to(
            ObjectKind::Tickets,
            "customer_id",
            "Ticket.customer",
            Transform::IdMapLookup,
            "the ticket's customer",
        ));
        let proposal = propose(&scope, &catalog);
        let text = edit(render(&proposal.map, &proposal.notes));
        let (map, locations) = parse(&text).unwrap_or_else(|e| panic!("{e}"));
        validate(&map, &locations, &catalog, &scope)
    }

    fn keys(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.key.as_str()).collect()
    }

    fn unmatched_filled(text: String) -> String {
        text.replace(
            "to = \"open\", count = 2, unmatched = true",
            "to = \"closed\", count = 2",
        )
    }

    #[test]
    fn an_edit_of_a_standard_row_is_refused_naming_the_row_and_what_can_change() {
        let problems = problems_after(|text| {
            unmatched_filled(text).replacen("to = \"Ticket.status\"", "to = \"Ticket.priority\"", 1)
        });
        let problem = problems
            .iter()
            .find(|p| p.key == "tickets.status.to")
            .unwrap_or_else(|| panic!("{problems:?}"));
        assert!(
            problem.message.contains("standard field"),
            "{}",
            problem.message
        );
        assert!(
            problem.message.contains("Ticket.status"),
            "{}",
            problem.message
        );
        assert!(
            problem.message.contains("[value_maps.*]"),
            "{}",
            problem.message
        );
        let problems = problems_after(|text| {
            unmatched_filled(text).replacen(
                "transform = \"value_map:ticket_status\"",
                "transform = \"copy\"",
                1,
            )
        });
        assert!(
            keys(&problems).contains(&"tickets.status.transform"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_create_row_over_the_field_prepare_made_for_it_is_no_clash() {
        let scope = scope(workspace_fields());
        let before = catalog(vec![custom_field("Order Number", ValueType::Number)]);
        let map = propose(&scope, &before).map;
        let created = map
            .rows
            .iter()
            .find_map(|r| match (&r.target, r.custom_key()) {
                (Target::NewField { field, .. }, Some(key)) => Some((field.clone(), key)),
                _ => None,
            })
            .expect("a field to create");
        let (field, key) = created;
        let problems_with = |external_id: Option<&str>| {
            let mut after = before.clone();
            let mut made = custom_field(&field.field, ValueType::Text);
            made.external_id = external_id.map(String::from);
            after.objects[0].fields.push(made);
            let (read, locations) = parse(&render(&map, &Default::default())).unwrap();
            validate(&read, &locations, &after, &scope)
                .into_iter()
                .filter(|p| p.message.contains("already exists"))
                .count()
        };
        assert_eq!(problems_with(Some(key)), 0, "made for this row");
        assert_eq!(problems_with(None), 1, "someone else's field");
        assert_eq!(problems_with(Some("another")), 1, "made for another field");
    }

    #[test]
    fn a_create_an_earlier_run_made_for_the_same_field_stays_valid_another_does_not() {
        let scope = scope(workspace_fields());
        let mut catalog = catalog(vec![custom_field("Order Number", ValueType::Number)]);
        let proposal = propose(&scope, &catalog);
        let (object, created, key) = proposal
            .map
            .rows
            .iter()
            .find_map(|r| match &r.target {
                Target::NewField { field, .. } => {
                    Some((field.object.clone(), field.field.clone(), r.custom_key()?))
                }
                _ => None,
            })
            .expect("a field to create");
        let stames_id = scope
            .custom_fields
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.id.clone())
            .unwrap();
        // A sample made the field: it now exists, carrying the Stames id.
        let mut made = custom_field(&created, ValueType::Text);
        made.external_id = Some(stames_id);
        let at = catalog
            .objects
            .iter()
            .position(|o| o.name == object)
            .unwrap();
        catalog.objects[at].fields.push(made);
        let text = unmatched_filled(render(&proposal.map, &proposal.notes));
        let (map, locations) = parse(&text).unwrap();
        let exists = |problems: &[Problem]| {
            problems
                .iter()
                .any(|p| p.message.contains("already exists"))
        };
        assert!(!exists(&validate(&map, &locations, &catalog, &scope)));
        // Someone else's field of that name is still refused.
        catalog.objects[at].fields.last_mut().unwrap().external_id = None;
        assert!(exists(&validate(&map, &locations, &catalog, &scope)));
    }

    #[test]
    fn the_proposal_validates() {
        let problems = problems_after(unmatched_filled);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn a_missing_row_and_a_row_for_no_field_are_named() {
        let problems = problems_after(|text| {
            unmatched_filled(text).replace("field = \"status\"", "field = \"stattus\"")
        });
        assert_eq!(
            keys(&problems),
            ["tickets.status", "tickets.stattus.field"],
            "{problems:?}"
        );
        assert!(problems[1].line > 0);
    }

    #[test]
    fn unknown_fields_types_and_creatable_types_are_refused() {
        let problems = problems_after(|text| {
            unmatched_filled(text)
                .replace(
                    "to = \"Ticket.order_number field\"\ncreate = \"text\"",
                    "to = \"Ticket.Order Number\"",
                )
                .replace(
                    "to = \"Ticket.warranty_exp field\"\ncreate = \"text\"",
                    "to = \"Ticket.warranty_exp field\"\ncreate = \"date\"",
                )
                .replace("to = \"Ticket.status\"", "to = \"Ticket.statuss\"")
        });
        let found: Vec<(&str, bool)> = problems
            .iter()
            .map(|p| (p.key.as_str(), p.line > 0))
            .collect();
        assert_eq!(
            found,
            [
                ("tickets.status.to", true),
                ("tickets.status.to", true),
                ("tickets.custom.warranty_exp.create", true),
                ("tickets.custom.order_number.type", true),
                ("tickets.custom.order_number.to", true),
            ],
            "{problems:#?}"
        );
        // A standard row sent elsewhere: refused as an edit of a standard
        // field, and as a field the destination lacks.
        assert!(problems[0].message.contains("standard field"));
        assert!(
            problems[1].message.contains("did you mean Ticket.status?"),
            "{}",
            problems[1].message
        );
        assert!(problems[2]
            .message
            .contains("it can create: text, number, boolean, select"));
        assert!(problems[3].message.contains("do not fit"));
        assert!(
            problems[4]
                .message
                .contains("already takes tickets.custom.order_no"),
            "{}",
            problems[4].message
        );
    }

    #[test]
    fn value_maps_must_cover_the_source_with_values_the_destination_takes() {
        let problems =
            problems_after(|text| text.replace("\nopen = { to = \"open\", count = 7 }", ""));
        assert_eq!(keys(&problems), ["value_maps.ticket_status"]);
        assert!(problems[0].message.contains("`open` (7 records)"));
        let problems = problems_after(|text| {
            text.replace(
                "to = \"open\", count = 2, unmatched = true",
                "to = \"escalated\", count = 2",
            )
        });
        assert_eq!(keys(&problems), ["value_maps.ticket_status.escalated"]);
        assert!(problems[0].message.contains("it takes: open, closed"));
        assert!(problems[0].line > 0);
    }

    #[test]
    fn required_destination_fields_must_be_filled() {
        let problems = problems_after(|text| {
            unmatched_filled(text).replace("to = \"Ticket.customer\"", "drop = \"not wanted\"")
        });
        // Refused twice over: a standard row's drop, and a required field
        // left empty.
        assert_eq!(
            keys(&problems),
            ["Ticket.customer", "tickets.customer_id.drop"]
        );
    }

    #[test]
    fn transforms_must_fit_the_destination_type() {
        let row = |transform| MapRow {
            transform,
            ..crate::mapping::file::tests::sample_map().rows[2].clone()
        };
        assert!(
            transform_problem(&row(Transform::TextToNumber).transform, ValueType::Text).is_some()
        );
        assert!(transform_problem(&Transform::TextToDate, ValueType::Date).is_none());
        assert!(transform_problem(&Transform::CustomerData, ValueType::Text).is_some());
    }
}
