//! Events (reference §4.9, EVO): read-only.
//!
//! Filters: `object_type`, `object_id`, `types[]`, `user_ids[]` and
//! `created_datetime[gt|gte|lt|lte]`. The emulator records events for API
//! writes (`ticket-created`, `ticket-message-created`, `customer-created`,
//! `rule-deactivated`, …) and `rule-executed` when an active rule fires.
//! Newest first by default.

use super::super::errors::ApiError;
use super::super::pagination::{Direction, ListSpec, SortKey, DEFAULT_LIMIT};
use super::super::render;
use super::super::validate::{parse_datetime, NOT_DATETIME};
use super::super::App;
use super::{list_query, list_reply, ok, parse_id, Params, Reply};
use axum::extract::{Path, State as AxState};
use axum::http::Uri;
use std::sync::Arc;

pub const LIST: ListSpec = ListSpec {
    orders: &["created_datetime"],
    default_order: ("created_datetime", Direction::Desc),
    default_limit: DEFAULT_LIMIT,
    filters: &[
        "object_type",
        "object_id",
        "types",
        "user_ids",
        "created_datetime[gt]",
        "created_datetime[gte]",
        "created_datetime[lt]",
        "created_datetime[lte]",
    ],
};

pub async fn list(AxState(app): AxState<Arc<App>>, uri: Uri, params: Params) -> Reply {
    let query = list_query(&uri, params, &LIST)?;
    let object_id = super::id_param(&query, "object_id")?;
    let object_type = query.param("object_type").map(str::to_string);
    let types: Vec<String> = query
        .params("types")
        .iter()
        .map(|t| t.to_string())
        .collect();
    let mut user_ids = Vec::new();
    for text in query.params("user_ids") {
        user_ids.push(text.trim().parse::<u64>().map_err(|_| {
            ApiError::field(
                "Invalid query parameters.",
                "user_ids",
                super::super::validate::NOT_INTEGER,
            )
        })?);
    }
    let mut bounds = Vec::new();
    for op in ["gt", "gte", "lt", "lte"] {
        let key = format!("created_datetime[{op}]");
        if let Some(text) = query.param(&key) {
            let at = parse_datetime(text)
                .ok_or_else(|| ApiError::field("Invalid query parameters.", &key, NOT_DATETIME))?;
            bounds.push((op, at));
        }
    }
    app.store.read(|s| {
        let keys = s
            .events
            .values()
            .filter(|e| object_type.as_ref().is_none_or(|t| &e.object_type == t))
            .filter(|e| object_id.is_none_or(|id| e.object_id == id))
            .filter(|e| types.is_empty() || types.contains(&e.kind))
            .filter(|e| user_ids.is_empty() || e.user_id.is_some_and(|u| user_ids.contains(&u)))
            .filter(|e| {
                bounds.iter().all(|(op, at)| match *op {
                    "gt" => e.created_datetime > *at,
                    "gte" => e.created_datetime >= *at,
                    "lt" => e.created_datetime < *at,
                    _ => e.created_datetime <= *at,
                })
            })
            .map(|e| (SortKey::time(e.created_datetime), e.id))
            .collect();
        list_reply(s, &query, keys, |s, id| {
            s.events.get(&id).map(render::event)
        })
    })
}

pub async fn get_one(AxState(app): AxState<Arc<App>>, Path(id): Path<String>) -> Reply {
    let id = parse_id(&id, "Event")?;
    app.store.read(|s| match s.events.get(&id) {
        Some(e) => ok(render::event(e)),
        None => Err(ApiError::not_found("Event")),
    })
}
