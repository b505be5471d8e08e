//! SOQL: [`parse`] reads the statement, this module checks it against the
//! schema (unknown object → `INVALID_TYPE`, unknown or hidden field →
//! `INVALID_FIELD`, quoted date literal → `INVALID_FIELD`) and runs it.
//!
//! Semantics kept from the SOQL and SOSL Reference: string comparisons are
//! case-insensitive, `= null` / `!= null` test for missing values, `LIKE`
//! uses `%` and `_`, date-time literals are unquoted, `queryAll` includes
//! deleted records, a relationship path (`Account.Name`) renders as a
//! nested record or `null`. Rows are returned in id (creation) order unless
//! ORDER BY says otherwise.

pub mod parse;

use super::errors::SfError;
use super::ids;
use super::schema::{Api, FieldDef, FieldType, ObjectDef};
use super::state::{is_deleted, text, Record, State};
use super::values::{format_datetime, parse_datetime};
use parse::{Expr, Literal, Op, Path};
use serde_json::{json, Map, Value};
use std::cmp::Ordering;

/// Every row of a query (paging happens in the route), or its count.
#[derive(Debug)]
pub struct Rows {
    pub total: usize,
    pub records: Vec<Value>,
}

/// A path resolved against the schema: the reference fields to follow and
/// the final field.
struct Resolved<'s> {
    hops: Vec<&'s FieldDef>,
    field: &'s FieldDef,
    /// Output keys: relationship names, then the field name.
    keys: Vec<String>,
}

fn no_column(name: &str, object: &str) -> SfError {
    SfError::bad(
        "INVALID_FIELD",
        format!("No such column '{name}' on entity '{object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."),
    )
}

fn resolve<'s>(
    state: &'s State,
    object: &'s ObjectDef,
    path: &Path,
) -> Result<Resolved<'s>, SfError> {
    let mut current = object;
    let mut hops = Vec::new();
    let mut keys = Vec::new();
    let (last, relationships) = path
        .split_last()
        .ok_or_else(|| SfError::malformed_query("empty field"))?;
    for name in relationships {
        let hop = current
            .relationship(name)
            .filter(|f| state.can_read(&current.name, f))
            .ok_or_else(|| {
                SfError::bad(
                    "INVALID_FIELD",
                    format!("Didn't understand relationship '{name}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name."),
                )
            })?;
        // A polymorphic reference: the first target that has the next name.
        let next_name = path.get(hops.len() + 1).map(String::as_str).unwrap_or(last);
        current = hop
            .reference_to
            .iter()
            .filter_map(|t| state.schema.get(t))
            .find(|t| t.field(next_name).is_some() || t.relationship(next_name).is_some())
            .or_else(|| hop.reference_to.first().and_then(|t| state.schema.get(t)))
            .ok_or_else(|| no_column(next_name, &current.name))?;
        keys.push(hop.relationship_name.clone().unwrap_or_default());
        hops.push(hop);
    }
    let field = current
        .field(last)
        .filter(|f| state.can_read(&current.name, f))
        .ok_or_else(|| no_column(last, &current.name))?;
    keys.push(field.name.clone());
    Ok(Resolved { hops, field, keys })
}

/// The record at the end of `hops`, or `None` when a reference is empty.
fn follow<'r>(state: &'r State, record: &'r Record, hops: &[&FieldDef]) -> Option<&'r Record> {
    let mut current = record;
    for hop in hops {
        let id = text(current, &hop.name)?;
        let object = state.object_of(id)?;
        current = state.live(&object.name, id)?;
    }
    Some(current)
}

fn value_of<'r>(state: &'r State, record: &'r Record, path: &Resolved<'_>) -> &'r Value {
    follow(state, record, &path.hops)
        .and_then(|r| r.get(&path.field.name))
        .unwrap_or(&Value::Null)
}

/// SOQL literal as the stored form of `field`; quoted temporal values are
/// refused as the platform refuses them.
fn literal_value(field: &FieldDef, literal: &Literal) -> Result<Value, SfError> {
    let wrong = |kind: &str| {
        SfError::bad(
            "INVALID_FIELD",
            format!(
                "value of filter criterion for field '{}' must be of type {kind} and should not be enclosed in quotes",
                field.name
            ),
        )
    };
    Ok(match (field.kind, literal) {
        (_, Literal::Null) => Value::Null,
        (FieldType::Datetime, Literal::Temporal(t)) => Value::String(format_datetime(
            parse_datetime(t).ok_or_else(|| wrong("dateTime"))?,
        )),
        (FieldType::Datetime, _) => return Err(wrong("dateTime")),
        (FieldType::Date, Literal::Temporal(t)) => {
            Value::String(t.get(..10).unwrap_or(t).to_string())
        }
        (FieldType::Date, _) => return Err(wrong("date")),
        (FieldType::Boolean, Literal::Bool(b)) => Value::Bool(*b),
        (FieldType::Boolean, _) => return Err(wrong("boolean")),
        (FieldType::Double | FieldType::Int, Literal::Number(n)) => json!(n),
        (FieldType::Double | FieldType::Int, _) => return Err(wrong("number")),
        (FieldType::Id | FieldType::Reference, Literal::Text(t)) => {
            Value::String(ids::normalize(t).unwrap_or_else(|| t.clone()))
        }
        (_, Literal::Text(t)) => Value::String(t.clone()),
        (_, Literal::Temporal(t)) => Value::String(t.clone()),
        (_, Literal::Number(n)) => Value::String(n.to_string()),
        (_, Literal::Bool(b)) => Value::String(b.to_string()),
    })
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.to_lowercase().cmp(&y.to_lowercase())),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// `LIKE`: `%` any run, `_` one character, case-insensitive.
fn like(text: &str, pattern: &str) -> bool {
    fn go(t: &[char], p: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('%', rest)) => (0..=t.len()).any(|i| go(&t[i..], rest)),
            Some(('_', rest)) => !t.is_empty() && go(&t[1..], rest),
            Some((c, rest)) => t.first() == Some(c) && go(&t[1..], rest),
        }
    }
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    go(&t, &p)
}

/// A compiled WHERE clause.
enum Filter<'s> {
    And(Box<Filter<'s>>, Box<Filter<'s>>),
    Or(Box<Filter<'s>>, Box<Filter<'s>>),
    Not(Box<Filter<'s>>),
    Cmp(Resolved<'s>, Op, Value),
    In(Resolved<'s>, bool, Vec<Value>),
}

fn compile<'s>(
    state: &'s State,
    object: &'s ObjectDef,
    expr: &Expr,
) -> Result<Filter<'s>, SfError> {
    Ok(match expr {
        Expr::And(a, b) => Filter::And(
            Box::new(compile(state, object, a)?),
            Box::new(compile(state, object, b)?),
        ),
        Expr::Or(a, b) => Filter::Or(
            Box::new(compile(state, object, a)?),
            Box::new(compile(state, object, b)?),
        ),
        Expr::Not(a) => Filter::Not(Box::new(compile(state, object, a)?)),
        Expr::Cmp(path, op, literal) => {
            let r = resolve(state, object, path)?;
            let v = literal_value(r.field, literal)?;
            Filter::Cmp(r, *op, v)
        }
        Expr::In(path, negated, literals) => {
            let r = resolve(state, object, path)?;
            let values = literals
                .iter()
                .map(|l| literal_value(r.field, l))
                .collect::<Result<_, _>>()?;
            Filter::In(r, *negated, values)
        }
    })
}

fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        _ => compare(a, b) == Some(Ordering::Equal),
    }
}

fn matches(state: &State, record: &Record, filter: &Filter<'_>) -> bool {
    match filter {
        Filter::And(a, b) => matches(state, record, a) && matches(state, record, b),
        Filter::Or(a, b) => matches(state, record, a) || matches(state, record, b),
        Filter::Not(a) => !matches(state, record, a),
        Filter::Cmp(path, op, literal) => {
            let value = value_of(state, record, path);
            match op {
                Op::Eq => equal(value, literal),
                Op::Ne => !equal(value, literal),
                Op::Like => {
                    matches!((value, literal), (Value::String(t), Value::String(p)) if like(t, p))
                }
                _ => {
                    let Some(ordering) = compare(value, literal) else {
                        return false;
                    };
                    match op {
                        Op::Lt => ordering == Ordering::Less,
                        Op::Le => ordering != Ordering::Greater,
                        Op::Gt => ordering == Ordering::Greater,
                        _ => ordering != Ordering::Less,
                    }
                }
            }
        }
        Filter::In(path, negated, values) => {
            let value = value_of(state, record, path);
            values.iter().any(|v| equal(value, v)) != *negated
        }
    }
}

/// Whether the filter pins ContentDocumentLink rows by id, as the platform
/// demands ("Implementation restriction: ContentDocumentLink requires a
/// filter by a single Id on ContentDocumentId or LinkedEntityId…").
fn pins_link(expr: &Expr) -> bool {
    let pinned = |path: &Path| {
        path.len() == 1
            && ["Id", "ContentDocumentId", "LinkedEntityId"]
                .iter()
                .any(|f| f.eq_ignore_ascii_case(&path[0]))
    };
    match expr {
        Expr::And(a, b) => pins_link(a) || pins_link(b),
        Expr::Or(a, b) => pins_link(a) && pins_link(b),
        Expr::Cmp(path, Op::Eq, _) => pinned(path),
        Expr::In(path, false, _) => pinned(path),
        _ => false,
    }
}

/// Renders `record` with the selected paths, as the query resource does.
fn render(
    state: &State,
    object: &ObjectDef,
    record: &Record,
    paths: &[Resolved<'_>],
    version: &str,
) -> Value {
    let mut out = Map::new();
    out.insert(
        "attributes".into(),
        attributes(
            &object.name,
            text(record, "Id").unwrap_or_default(),
            version,
        ),
    );
    for path in paths {
        insert_path(state, &mut out, record, path, 0, version);
    }
    Value::Object(out)
}

pub fn attributes(object: &str, id: &str, version: &str) -> Value {
    json!({"type": object, "url": format!("/services/data/{version}/sobjects/{object}/{id}")})
}

/// Puts the value of `path` from hop `depth` on into `out`, nesting one
/// object per relationship (null when the reference is empty).
fn insert_path(
    state: &State,
    out: &mut Map<String, Value>,
    record: &Record,
    path: &Resolved<'_>,
    depth: usize,
    version: &str,
) {
    let key = path.keys[depth].clone();
    if depth == path.hops.len() {
        let value = match path.field.kind {
            FieldType::Base64 => Value::String(format!(
                "/services/data/{version}/sobjects/{}/{}/{}",
                state
                    .object_of(text(record, "Id").unwrap_or_default())
                    .map(|o| o.name.as_str())
                    .unwrap_or(""),
                text(record, "Id").unwrap_or_default(),
                path.field.name
            )),
            _ => record.get(&path.field.name).cloned().unwrap_or(Value::Null),
        };
        out.insert(key, value);
        return;
    }
    let hop = path.hops[depth];
    let target = text(record, &hop.name).and_then(|id| {
        let object = state.object_of(id)?;
        Some((object, state.live(&object.name, id)?))
    });
    let Some((object, child)) = target else {
        out.entry(key).or_insert(Value::Null);
        return;
    };
    let entry = out.entry(key).or_insert_with(|| {
        let mut m = Map::new();
        m.insert(
            "attributes".into(),
            attributes(&object.name, text(child, "Id").unwrap_or_default(), version),
        );
        Value::Object(m)
    });
    if let Value::Object(nested) = entry {
        insert_path(state, nested, child, path, depth + 1, version);
    }
}

/// Runs `soql` against the data API or the Tooling API objects.
pub fn run(
    state: &State,
    soql: &str,
    api: Api,
    include_deleted: bool,
    version: &str,
) -> Result<Rows, SfError> {
    let query = parse::parse(soql)?;
    let object = match api {
        Api::Data => state.schema.data(&query.object),
        Api::Tooling => state.schema.tooling(&query.object),
    }
    .ok_or_else(|| {
        SfError::bad(
            "INVALID_TYPE",
            format!("sObject type '{}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", query.object),
        )
    })?;
    if object.name == "ContentDocumentLink" && !query.filter.as_ref().is_some_and(pins_link) {
        return Err(SfError::malformed_query(
            "Implementation restriction: ContentDocumentLink requires a filter by a single Id on ContentDocumentId or LinkedEntityId using the equals operator or multiple Id's using the IN operator.",
        ));
    }
    let paths = query
        .fields
        .iter()
        .map(|p| resolve(state, object, p))
        .collect::<Result<Vec<_>, _>>()?;
    let filter = query
        .filter
        .as_ref()
        .map(|e| compile(state, object, e))
        .transpose()?;
    let order = query
        .order
        .iter()
        .map(|o| Ok((resolve(state, object, &o.path)?, o.descending, o.nulls_last)))
        .collect::<Result<Vec<_>, SfError>>()?;
    let mut hits: Vec<&Record> = state
        .records
        .get(&object.name)
        .into_iter()
        .flat_map(|m| m.values())
        .filter(|r| include_deleted || !is_deleted(r))
        .filter(|r| filter.as_ref().is_none_or(|f| matches(state, r, f)))
        .collect();
    if !order.is_empty() {
        hits.sort_by(|a, b| {
            for (path, descending, nulls_last) in &order {
                let (x, y) = (value_of(state, a, path), value_of(state, b, path));
                let ordering = match (x.is_null(), y.is_null()) {
                    (true, true) => Ordering::Equal,
                    (true, false) => {
                        if *nulls_last {
                            Ordering::Greater
                        } else {
                            Ordering::Less
                        }
                    }
                    (false, true) => {
                        if *nulls_last {
                            Ordering::Less
                        } else {
                            Ordering::Greater
                        }
                    }
                    _ => {
                        let o = compare(x, y).unwrap_or(Ordering::Equal);
                        if *descending {
                            o.reverse()
                        } else {
                            o
                        }
                    }
                };
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
            Ordering::Equal
        });
    }
    let offset = query.offset.unwrap_or(0);
    let limit = query.limit.unwrap_or(usize::MAX);
    let selected = hits.into_iter().skip(offset).take(limit);
    if query.count {
        let total = selected.count();
        return Ok(Rows {
            total,
            records: Vec::new(),
        });
    }
    let metadata_asked = paths
        .iter()
        .any(|p| p.hops.is_empty() && matches!(p.field.name.as_str(), "Metadata" | "FullName"));
    let records: Vec<Value> = selected
        .map(|r| render(state, object, r, &paths, version))
        .collect();
    if api == Api::Tooling && metadata_asked && records.len() > 1 {
        return Err(SfError::malformed_query(
            "When retrieving results with Metadata or FullName fields, the query qualificiations must specify no more than one row for retrieval. Result size: ".to_string() + &records.len().to_string(),
        ));
    }
    Ok(Rows {
        total: records.len(),
        records,
    })
}

#[cfg(test)]
mod tests {
    use super::like;

    #[test]
    fn like_patterns() {
        assert!(like("Hello World", "hello%"));
        assert!(like("abc", "a_c"));
        assert!(!like("abc", "a_"));
        assert!(like("", "%"));
    }
}
