//! `GET /api/account`: the account's domain and status.

use super::super::render;
use super::super::App;
use super::{ok, Reply};
use axum::extract::State as AxState;
use std::sync::Arc;

pub async fn get_account(AxState(app): AxState<Arc<App>>) -> Reply {
    app.store.read(|s| ok(render::account(s)))
}
