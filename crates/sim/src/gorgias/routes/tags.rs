//! Tags (reference §4.5). Gorgias has tags, not labels.
//!
//! Names are case-sensitive and at most 256 characters; `description` at
//! most 1024; `usage` is the number of tickets carrying the tag. Create is
//! 201, update 202 (S-W1). A second tag with the same name is a 409
//! (inferred from ERR's "identifier already in use"). Unknown names in a
//! ticket's `tags` create the tag (inferred, very likely).

use super::super::errors::{ApiError, FieldErrors};
use super::super::pagination::{Direction, ListSpec, SortKey, DEFAULT_LIMIT};
use super::super::render;
use super::super::store::model::*;
use super::super::store::{Origin, State};
use super::super::validate::*;
use super::super::App;
use super::{accepted, created, list_query, list_reply, ok, parse_id, JsonBody, Params, Reply};
use axum::extract::{Path, State as AxState};
use axum::http::Uri;
use serde_json::{json, Map, Value};
use std::sync::Arc;

pub const NAME_LEN: Len = Len::between(1, 256);

/// `decoration: {color}` as given.
fn decoration(obj: &Map<String, Value>, errors: &mut FieldErrors) -> Field<Value> {
    match object(obj, "decoration", errors) {
        Field::Set(d) => {
            let mut e = FieldErrors::new();
            reject_unknown(d, &["color", "emoji"], &mut e);
            string(d, "color", Some(Len::max(32)), &mut e);
            string(d, "emoji", Some(Len::max(32)), &mut e);
            let valid = e.is_empty();
            errors.merge_into("decoration", e);
            if valid {
                Field::Set(Value::Object(d.clone()))
            } else {
                Field::Absent
            }
        }
        Field::Null => Field::Null,
        Field::Absent => Field::Absent,
    }
}

/// The tag named `name`, created if there is none. `name` must be valid.
pub fn ensure(s: &mut State, origin: Origin, name: &str, decoration: Option<Value>) -> u64 {
    if let Some(id) = s.tag_by_name(name) {
        return id;
    }
    let id = s.next_tag_id();
    let now = s.now();
    s.tags.insert(
        id,
        Tag {
            id,
            name: name.to_string(),
            description: None,
            decoration,
            created_datetime: now,
            updated_datetime: now,
        },
    );
    s.record_event(origin, "tag-created", "Tag", id, json!({}));
    id
}

/// A tag reference inside a ticket body: `{id}` or `{name}`.
#[derive(Debug, Clone, PartialEq)]
pub enum TagRef {
    Id(u64),
    Name(String, Option<Value>),
}

/// Reads `tags: [{name}|{id}]` of a ticket body.
pub fn refs(obj: &Map<String, Value>, s: &State, errors: &mut FieldErrors) -> Field<Vec<TagRef>> {
    let items = match array(obj, "tags", errors) {
        Field::Set(items) => items,
        Field::Null => return Field::Null,
        Field::Absent => return Field::Absent,
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut e = FieldErrors::new();
        if let Some(t) = body_object(item, &mut e) {
            reject_unknown(t, &["id", "name", "decoration"], &mut e);
            let id = integer(t, "id", &mut e).value();
            let name = string(t, "name", Some(NAME_LEN), &mut e).value();
            let decoration = decoration(t, &mut e).value();
            match (id, name) {
                (Some(id), _) => {
                    match u64::try_from(id).ok().filter(|id| s.tags.contains_key(id)) {
                        Some(id) => out.push(TagRef::Id(id)),
                        None => e.add("id", "Tag not found."),
                    }
                }
                (None, Some(name)) => out.push(TagRef::Name(name, decoration)),
                (None, None) => {
                    if e.is_empty() {
                        e.add("name", MISSING);
                    }
                }
            }
        }
        errors.merge_item("tags", i.to_string(), e);
    }
    Field::Set(out)
}

/// Resolves validated references to ids (creating named tags), without
/// duplicates, in the given order.
pub fn resolve(s: &mut State, origin: Origin, refs: Vec<TagRef>) -> Vec<u64> {
    let mut ids = Vec::new();
    for r in refs {
        let id = match r {
            TagRef::Id(id) => id,
            TagRef::Name(name, decoration) => ensure(s, origin, &name, decoration),
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// `POST /api/tags`.
pub fn create(s: &mut State, origin: Origin, body: &Value) -> Result<u64, ApiError> {
    let mut errors = FieldErrors::new();
    let parsed = body_object(body, &mut errors).map(|obj| {
        reject_unknown(obj, &["name", "description", "decoration"], &mut errors);
        (
            required_string(obj, "name", Some(NAME_LEN), &mut errors),
            string(obj, "description", Some(Len::max(1024)), &mut errors).value(),
            decoration(obj, &mut errors).value(),
        )
    });
    errors.check("Failed to create the tag.")?;
    let Some((Some(name), description, decoration)) = parsed else {
        return Err(ApiError::bad_request("Failed to create the tag."));
    };
    if s.tag_by_name(&name).is_some() {
        let mut errors = FieldErrors::new();
        errors.add("name", "A tag with this name already exists.");
        return Err(ApiError::conflict(
            "A tag with this name already exists.",
            errors,
        ));
    }
    let id = ensure(s, origin, &name, decoration);
    if let Some(tag) = s.tags.get_mut(&id) {
        tag.description = description;
    }
    Ok(id)
}

pub async fn create_handler(AxState(app): AxState<Arc<App>>, JsonBody(body): JsonBody) -> Reply {
    let value = app.store.write(|s| {
        let id = create(s, Origin::Api, &body)?;
        Ok(render::tag(s, &s.tags[&id]))
    })?;
    created(value)
}

pub const LIST: ListSpec = ListSpec {
    orders: &["created_datetime", "name", "usage"],
    default_order: ("created_datetime", Direction::Desc),
    default_limit: DEFAULT_LIMIT,
    filters: &["search"],
};

pub async fn list(AxState(app): AxState<Arc<App>>, uri: Uri, params: Params) -> Reply {
    let query = list_query(&uri, params, &LIST)?;
    app.store.read(|s| {
        let search = query.param("search").map(str::to_lowercase);
        let keys = s
            .tags
            .values()
            .filter(|t| {
                search
                    .as_ref()
                    .is_none_or(|q| t.name.to_lowercase().contains(q))
            })
            .map(|t| {
                let key = match query.order_field {
                    "name" => SortKey::Text(t.name.clone()),
                    "usage" => SortKey::Int(s.tag_usage(t.id) as i64),
                    _ => SortKey::time(t.created_datetime),
                };
                (key, t.id)
            })
            .collect();
        list_reply(s, &query, keys, |s, id| {
            s.tags.get(&id).map(|t| render::tag(s, t))
        })
    })
}

pub async fn get_one(AxState(app): AxState<Arc<App>>, Path(id): Path<String>) -> Reply {
    let id = parse_id(&id, "Tag")?;
    app.store.read(|s| match s.tags.get(&id) {
        Some(t) => ok(render::tag(s, t)),
        None => Err(ApiError::not_found("Tag")),
    })
}

/// `PUT /api/tags/{id}`: 202.
pub async fn update(
    AxState(app): AxState<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Reply {
    let id = parse_id(&id, "Tag")?;
    let value = app.store.write(|s| {
        if !s.tags.contains_key(&id) {
            return Err(ApiError::not_found("Tag"));
        }
        let mut errors = FieldErrors::new();
        let parsed = body_object(&body, &mut errors).map(|obj| {
            reject_unknown(obj, &["name", "description", "decoration"], &mut errors);
            let name = string(obj, "name", Some(NAME_LEN), &mut errors);
            if matches!(name, Field::Null) {
                errors.add("name", NULL);
            }
            (
                name.value(),
                string(obj, "description", Some(Len::max(1024)), &mut errors).update(),
                decoration(obj, &mut errors).update(),
            )
        });
        errors.check("Failed to update the tag.")?;
        let Some((name, description, decoration)) = parsed else {
            return Err(ApiError::bad_request("Failed to update the tag."));
        };
        if let Some(name) = &name {
            if s.tag_by_name(name).is_some_and(|other| other != id) {
                let mut errors = FieldErrors::new();
                errors.add("name", "A tag with this name already exists.");
                return Err(ApiError::conflict(
                    "A tag with this name already exists.",
                    errors,
                ));
            }
        }
        let now = s.now();
        if let Some(tag) = s.tags.get_mut(&id) {
            if let Some(name) = name {
                tag.name = name;
            }
            if let Some(d) = description {
                tag.description = d;
            }
            if let Some(d) = decoration {
                tag.decoration = d;
            }
            tag.updated_datetime = now;
        }
        s.record_event(Origin::Api, "tag-updated", "Tag", id, json!({}));
        Ok(render::tag(s, &s.tags[&id]))
    })?;
    accepted(value)
}

/// Removes a tag from the account and from every ticket.
fn remove(s: &mut State, id: u64) -> bool {
    if s.tags.remove(&id).is_none() {
        return false;
    }
    for ticket in s.tickets.values_mut() {
        ticket.tag_ids.retain(|t| *t != id);
    }
    s.record_event(Origin::Api, "tag-deleted", "Tag", id, json!({}));
    true
}

pub async fn delete(AxState(app): AxState<Arc<App>>, Path(id): Path<String>) -> Reply {
    super::delete_one(&app, &id, "Tag", remove)
}

/// `DELETE /api/tags` with `{"ids": [...]}`.
pub async fn bulk_delete(AxState(app): AxState<Arc<App>>, JsonBody(body): JsonBody) -> Reply {
    super::delete_many(&app, &body, "Failed to delete the tags.", remove)
}

/// `PUT /api/tags/{id}/merge` with `{"source_tags_ids": [...]}`: the source
/// tags' tickets get the target tag, then the sources are deleted.
pub async fn merge(
    AxState(app): AxState<Arc<App>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> Reply {
    let id = parse_id(&id, "Tag")?;
    let mut errors = FieldErrors::new();
    let sources: Vec<u64> = body_object(&body, &mut errors)
        .map(|obj| {
            reject_unknown(obj, &["source_tags_ids"], &mut errors);
            match array(obj, "source_tags_ids", &mut errors) {
                Field::Set(items) => items.iter().filter_map(Value::as_u64).collect(),
                _ => {
                    errors.add("source_tags_ids", MISSING);
                    Vec::new()
                }
            }
        })
        .unwrap_or_default();
    errors.check("Failed to merge the tags.")?;
    let value = app.store.write(|s| {
        if !s.tags.contains_key(&id) {
            return Err(ApiError::not_found("Tag"));
        }
        if let Some(missing) = sources.iter().find(|t| !s.tags.contains_key(t)) {
            return Err(ApiError::field(
                "Failed to merge the tags.",
                "source_tags_ids",
                format!("Tag {missing} not found."),
            ));
        }
        for ticket in s.tickets.values_mut() {
            if ticket.tag_ids.iter().any(|t| sources.contains(t)) {
                ticket.tag_ids.retain(|t| !sources.contains(t));
                if !ticket.tag_ids.contains(&id) {
                    ticket.tag_ids.push(id);
                }
            }
        }
        for source in sources.iter().filter(|t| **t != id) {
            remove(s, *source);
        }
        Ok(render::tag(s, &s.tags[&id]))
    })?;
    accepted(value)
}
