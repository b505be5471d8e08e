//! The HTTP face of the emulator: the routes of `docs/stames-api.md` under
//! `/api/v1`, each behind the [`gate`] (credentials, then rate limit).
//!
//! Paths are built from the constants in
//! `deskshift_stames::api::endpoints`, so the client and the emulator cannot
//! drift apart on a path without one of them failing to compile or a test
//! failing.

mod error;
mod gate;
mod list;
mod read;
mod write;

use super::state::Store;
use super::Credentials;
use crate::rate_limit::FixedWindow;
use axum::routing::get;
use axum::Router;
use deskshift_stames::api::endpoints::{
    ACCOUNT, AGENTS, AUTOMATIONS, BASE_PATH, CUSTOMERS, CUSTOM_FIELDS, CUSTOM_OBJECTS, TAGS,
    TICKETS,
};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use list::DEFAULT_PER_PAGE;

/// Request counters, readable while the server runs.
#[derive(Debug, Default)]
pub struct Counters {
    requests: AtomicU64,
    served: AtomicU64,
    unauthorized: AtomicU64,
    rate_limited: AtomicU64,
    writes: AtomicU64,
}

/// A snapshot of the emulator's request counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Every request received, whatever the answer.
    pub requests: u64,
    /// Requests that passed authentication and the rate limit and reached a
    /// handler (whatever it answered).
    pub served: u64,
    /// Requests refused with 401.
    pub unauthorized: u64,
    /// Requests refused with 429.
    pub rate_limited: u64,
    /// Served requests that were not `GET`/`HEAD`.
    pub writes: u64,
}

impl Counters {
    pub fn snapshot(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            served: self.served.load(Ordering::Relaxed),
            unauthorized: self.unauthorized.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            writes: self.writes.load(Ordering::Relaxed),
        }
    }
}

/// Everything a handler can reach.
pub struct AppState {
    pub store: Store,
    pub limiter: FixedWindow,
    pub credentials: Credentials,
    pub stats: Counters,
}

/// The full router, ready to serve.
pub fn router(state: Arc<AppState>) -> Router {
    let path = |p: &str| format!("{BASE_PATH}{p}");
    Router::new()
        .route(&path(ACCOUNT), get(read::account))
        .route(&path(AGENTS), get(read::agents))
        .route(
            &path(CUSTOMERS),
            get(read::customers).post(write::create_customer),
        )
        .route(
            &path(&format!("{CUSTOMERS}/{{id}}")),
            axum::routing::patch(write::patch_customer),
        )
        .route(
            &path(TICKETS),
            get(read::tickets).post(write::create_ticket),
        )
        .route(
            &path(&format!("{TICKETS}/{{id}}")),
            get(read::ticket).patch(write::patch_ticket),
        )
        .route(
            &path(&format!("{TICKETS}/{{id}}/messages")),
            get(read::ticket_messages).post(write::add_message),
        )
        .route(&path(TAGS), get(read::tags))
        .route(&path(CUSTOM_FIELDS), get(read::custom_fields))
        .route(&path(CUSTOM_OBJECTS), get(read::custom_objects))
        .route(
            &path(&format!("{CUSTOM_OBJECTS}/{{key}}/records")),
            get(read::custom_object_records),
        )
        .route(&path(AUTOMATIONS), get(read::automations))
        .route(
            &path("/attachments/{id}/content"),
            get(read::attachment_content),
        )
        .fallback(error::no_such_path)
        .method_not_allowed_fallback(error::wrong_method)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            gate::gate,
        ))
        .with_state(state)
}
