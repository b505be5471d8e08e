//! The read endpoints. Each copies one page out under the read lock and
//! serialises it after the lock is released.

use super::error::ApiError;
use super::list::ListQuery;
use super::AppState;
use crate::stames::content::AttachmentChunks;
use crate::stames::url::percent_encode;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use deskshift_stames::api::wire::{
    Page, WireAccount, WireAgent, WireAutomation, WireCustomField, WireCustomObject,
    WireCustomObjectRecord, WireCustomer, WireMessage, WireTag, WireTicket,
};
use std::convert::Infallible;
use std::sync::Arc;

/// Raw query pairs, or the reason they could not be decoded.
pub type Pairs = Result<Query<Vec<(String, String)>>, QueryRejection>;

type ListResult<T> = Result<Json<Page<T>>, ApiError>;

fn list_query(pairs: Pairs) -> Result<ListQuery, ApiError> {
    let Query(pairs) = pairs.map_err(|e| {
        ApiError::invalid_request(format!(
            "the query string could not be decoded: {}",
            e.body_text()
        ))
    })?;
    ListQuery::parse(&pairs)
}

/// Parses an id from the path; anything that is not a number names nothing.
pub fn path_id(what: &str, raw: &str) -> Result<u64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::not_found(format!("{what} {raw:?} does not exist")))
}

pub async fn account(State(state): State<Arc<AppState>>) -> Json<WireAccount> {
    Json(state.store.read().data.account.clone())
}

pub async fn agents(State(state): State<Arc<AppState>>, pairs: Pairs) -> ListResult<WireAgent> {
    let q = list_query(pairs)?;
    let inner = state.store.read();
    let items: Vec<&WireAgent> = inner
        .data
        .agents
        .iter()
        .filter(|a| q.admits(Some(&a.updated_at)))
        .collect();
    Ok(Json(q.page(&items)))
}

pub async fn customers(
    State(state): State<Arc<AppState>>,
    pairs: Pairs,
) -> ListResult<WireCustomer> {
    let q = list_query(pairs)?;
    let inner = state.store.read();
    let items: Vec<&WireCustomer> = inner
        .data
        .customers
        .iter()
        .filter(|c| q.admits(Some(&c.updated_at)))
        .collect();
    Ok(Json(q.page(&items)))
}

pub async fn tickets(State(state): State<Arc<AppState>>, pairs: Pairs) -> ListResult<WireTicket> {
    let q = list_query(pairs)?;
    let inner = state.store.read();
    let items: Vec<&WireTicket> = inner
        .data
        .tickets
        .iter()
        .map(|t| &t.ticket)
        .filter(|t| q.admits(Some(&t.updated_at)))
        .collect();
    Ok(Json(q.page(&items)))
}

pub async fn ticket(
    State(state): State<Arc<AppState>>,
    Path(raw): Path<String>,
) -> Result<Json<WireTicket>, ApiError> {
    let id = path_id("ticket", &raw)?;
    let inner = state.store.read();
    let thread = inner
        .data
        .ticket(id)
        .ok_or_else(|| ApiError::not_found(format!("ticket {id} does not exist")))?;
    Ok(Json(thread.ticket.clone()))
}

/// A ticket's conversation, oldest first. `updated_since` applies to the
/// messages' `created_at` (messages are never edited).
pub async fn ticket_messages(
    State(state): State<Arc<AppState>>,
    Path(raw): Path<String>,
    pairs: Pairs,
) -> ListResult<WireMessage> {
    let id = path_id("ticket", &raw)?;
    let q = list_query(pairs)?;
    let inner = state.store.read();
    let thread = inner
        .data
        .ticket(id)
        .ok_or_else(|| ApiError::not_found(format!("ticket {id} does not exist")))?;
    let items: Vec<&WireMessage> = thread
        .messages
        .iter()
        .filter(|m| q.admits(Some(&m.created_at)))
        .collect();
    Ok(Json(q.page(&items)))
}

/// Tags: `updated_since` applies to `created_at` (tags are never edited);
/// tags without one are always listed.
pub async fn tags(State(state): State<Arc<AppState>>, pairs: Pairs) -> ListResult<WireTag> {
    let q = list_query(pairs)?;
    let inner = state.store.read();
    let items: Vec<&WireTag> = inner
        .data
        .tags
        .iter()
        .filter(|t| q.admits(t.created_at.as_deref()))
        .collect();
    Ok(Json(q.page(&items)))
}

/// Custom field definitions carry no timestamps; `updated_since` is accepted
/// and has no effect.
pub async fn custom_fields(
    State(state): State<Arc<AppState>>,
    pairs: Pairs,
) -> ListResult<WireCustomField> {
    let q = list_query(pairs)?;
    let inner = state.store.read();
    let items: Vec<&WireCustomField> = inner.data.custom_fields.iter().collect();
    Ok(Json(q.page(&items)))
}

/// Custom object definitions carry no timestamps; `updated_since` is accepted
/// and has no effect.
pub async fn custom_objects(
    State(state): State<Arc<AppState>>,
    pairs: Pairs,
) -> ListResult<WireCustomObject> {
    let q = list_query(pairs)?;
    let inner = state.store.read();
    let items: Vec<&WireCustomObject> = inner.data.custom_objects.iter().collect();
    Ok(Json(q.page(&items)))
}

pub async fn custom_object_records(
    State(state): State<Arc<AppState>>,
    Path(key): Path<String>,
    pairs: Pairs,
) -> ListResult<WireCustomObjectRecord> {
    let q = list_query(pairs)?;
    let inner = state.store.read();
    if !inner.data.custom_objects.iter().any(|o| o.key == key) {
        return Err(ApiError::not_found(format!(
            "custom object {key:?} does not exist"
        )));
    }
    let items: Vec<&WireCustomObjectRecord> = inner
        .data
        .custom_object_records
        .iter()
        .filter(|r| r.object_key == key && q.admits(Some(&r.updated_at)))
        .collect();
    Ok(Json(q.page(&items)))
}

pub async fn automations(
    State(state): State<Arc<AppState>>,
    pairs: Pairs,
) -> ListResult<WireAutomation> {
    let q = list_query(pairs)?;
    let inner = state.store.read();
    let items: Vec<&WireAutomation> = inner
        .data
        .automations
        .iter()
        .filter(|a| q.admits(Some(&a.updated_at)))
        .collect();
    Ok(Json(q.page(&items)))
}

/// Streams an attachment's generated content in bounded chunks, with its
/// `Content-Type` and exact `Content-Length`.
pub async fn attachment_content(
    State(state): State<Arc<AppState>>,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = path_id("attachment", &raw)?;
    let (meta, seed) = {
        let inner = state.store.read();
        let meta = inner
            .attachments
            .get(&id)
            .cloned()
            .ok_or_else(|| ApiError::not_found(format!("attachment {id} does not exist")))?;
        (meta, inner.data.seed)
    };
    if meta.requires_auth {
        return Err(ApiError::forbidden(format!(
            "attachment {id} is kept in the customer's private storage and cannot be downloaded with an API key"
        )));
    }
    let chunks = AttachmentChunks::new(seed, id, meta.size);
    let body = Body::from_stream(futures::stream::iter(chunks.map(Ok::<_, Infallible>)));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_str(&meta.content_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(CONTENT_LENGTH, HeaderValue::from(meta.size));
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename*=UTF-8''{}",
        percent_encode(&meta.file_name)
    )) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
