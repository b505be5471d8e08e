//! The write endpoints: thin wrappers that parse the body, run the write in
//! [`crate::stames::writes`] through the store (which saves the state file),
//! and map its errors onto the API's error bodies.

use super::error::ApiError;
use super::read::path_id;
use super::AppState;
use crate::stames::state::Inner;
use crate::stames::writes::{
    self, CustomerPatch, NewCustomer, NewMessage, NewTicket, TicketPatch, WriteError,
};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use deskshift_stames::api::wire::{WireCustomer, WireMessage, WireTicket};
use serde::Serialize;
use std::sync::Arc;

fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    body.map(|Json(value)| value).map_err(|e| {
        ApiError::invalid_request(format!(
            "the request body is not acceptable: {}",
            e.body_text()
        ))
    })
}

async fn run<T: Serialize>(
    state: &AppState,
    status: StatusCode,
    apply: impl FnOnce(&mut Inner) -> Result<T, WriteError>,
) -> Result<(StatusCode, Json<T>), ApiError> {
    match state.store.mutate(apply).await {
        Ok(Ok(value)) => Ok((status, Json(value))),
        Ok(Err(WriteError::NotFound(message))) => Err(ApiError::not_found(message)),
        Ok(Err(WriteError::Invalid(message))) => Err(ApiError::invalid_request(message)),
        Err(io) => {
            tracing::error!(error = %io, "the Stames emulator could not save its state file");
            Err(ApiError::internal(format!(
                "the change was applied but the state file could not be saved: {io}"
            )))
        }
    }
}

pub async fn add_message(
    State(state): State<Arc<AppState>>,
    Path(raw): Path<String>,
    new: Result<Json<NewMessage>, JsonRejection>,
) -> Result<(StatusCode, Json<WireMessage>), ApiError> {
    let id = path_id("ticket", &raw)?;
    let new = body(new)?;
    run(&state, StatusCode::CREATED, |inner| {
        writes::add_message(inner, id, new)
    })
    .await
}

pub async fn patch_ticket(
    State(state): State<Arc<AppState>>,
    Path(raw): Path<String>,
    patch: Result<Json<TicketPatch>, JsonRejection>,
) -> Result<(StatusCode, Json<WireTicket>), ApiError> {
    let id = path_id("ticket", &raw)?;
    let patch = body(patch)?;
    run(&state, StatusCode::OK, |inner| {
        writes::patch_ticket(inner, id, patch)
    })
    .await
}

pub async fn create_ticket(
    State(state): State<Arc<AppState>>,
    new: Result<Json<NewTicket>, JsonRejection>,
) -> Result<(StatusCode, Json<WireTicket>), ApiError> {
    let new = body(new)?;
    run(&state, StatusCode::CREATED, |inner| {
        writes::create_ticket(inner, new)
    })
    .await
}

pub async fn create_customer(
    State(state): State<Arc<AppState>>,
    new: Result<Json<NewCustomer>, JsonRejection>,
) -> Result<(StatusCode, Json<WireCustomer>), ApiError> {
    let new = body(new)?;
    run(&state, StatusCode::CREATED, |inner| {
        writes::create_customer(inner, new)
    })
    .await
}

pub async fn patch_customer(
    State(state): State<Arc<AppState>>,
    Path(raw): Path<String>,
    patch: Result<Json<CustomerPatch>, JsonRejection>,
) -> Result<(StatusCode, Json<WireCustomer>), ApiError> {
    let id = path_id("customer", &raw)?;
    let patch = body(patch)?;
    run(&state, StatusCode::OK, |inner| {
        writes::patch_customer(inner, id, patch)
    })
    .await
}
