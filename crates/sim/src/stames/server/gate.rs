//! What every request passes before it reaches a handler: authentication,
//! then the account's rate limit, then the rate-limit headers on the way out.
//!
//! Authentication comes first because the budget belongs to an account, and
//! a request with wrong credentials does not name one. So a 401 neither uses
//! the budget nor carries `X-RateLimit-*` headers; every authenticated answer
//! (2xx, 4xx and 429 alike) carries them.

use super::error::ApiError;
use super::AppState;
use crate::rate_limit::{retry_after_secs, Decision, Quota};
use axum::extract::{Request, State};
use axum::http::header::{HeaderValue, RETRY_AFTER};
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use deskshift_stames::api::endpoints::{
    ACCOUNT_HEADER, AUTHORIZATION, RATE_LIMIT_LIMIT, RATE_LIMIT_REMAINING, RATE_LIMIT_RESET,
};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// Compares secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Checks the two credential headers. Messages say what is wrong without
/// echoing what was sent.
fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<(), ApiError> {
    let key = headers
        .get(AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::unauthorized("missing Authorization header (expected: Bearer <API key>)")
        })?
        .to_str()
        .ok()
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .ok_or_else(|| ApiError::unauthorized("Authorization header must be: Bearer <API key>"))?;
    let account = headers
        .get(ACCOUNT_HEADER)
        .ok_or_else(|| ApiError::unauthorized(format!("missing {ACCOUNT_HEADER} header")))?
        .to_str()
        .map_err(|_| ApiError::unauthorized(format!("{ACCOUNT_HEADER} header is not valid text")))?
        .trim();
    let expected = &state.credentials;
    // Evaluate both before deciding, so timing does not tell which was wrong.
    let key_ok = same_secret(key, &expected.api_key);
    let account_ok = same_secret(account, &expected.account_id);
    if key_ok && account_ok {
        Ok(())
    } else {
        Err(ApiError::unauthorized("invalid API key or account id"))
    }
}

fn set_quota_headers(headers: &mut HeaderMap, quota: Quota) {
    headers.insert(RATE_LIMIT_LIMIT, HeaderValue::from(quota.limit));
    headers.insert(RATE_LIMIT_REMAINING, HeaderValue::from(quota.remaining));
    headers.insert(RATE_LIMIT_RESET, HeaderValue::from(quota.reset_secs()));
}

pub async fn gate(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    state.stats.requests.fetch_add(1, Ordering::Relaxed);
    if let Err(error) = authenticate(&state, request.headers()) {
        state.stats.unauthorized.fetch_add(1, Ordering::Relaxed);
        return error.into_response();
    }
    match state.limiter.check(Instant::now()) {
        Decision::Limited { quota, retry_after } => {
            state.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
            let secs = retry_after_secs(retry_after);
            let mut response = ApiError::rate_limited(secs).into_response();
            set_quota_headers(response.headers_mut(), quota);
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs));
            response
        }
        Decision::Allowed(quota) => {
            state.stats.served.fetch_add(1, Ordering::Relaxed);
            if !matches!(*request.method(), Method::GET | Method::HEAD) {
                state.stats.writes.fetch_add(1, Ordering::Relaxed);
            }
            let mut response = next.run(request).await;
            set_quota_headers(response.headers_mut(), quota);
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::same_secret;

    #[test]
    fn secrets_compare_exactly() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert!(same_secret("", ""));
    }
}
