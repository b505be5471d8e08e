//! What every API request passes before a handler: authentication, then the
//! account's leaky bucket, then the rate-limit header on the way out.
//!
//! Authentication (AUTH): HTTP Basic with the user's e-mail as username and
//! the API key as password; `Bearer <API key>` is also accepted, standing
//! in for an OAuth2 access token. Anything else answers the live-checked
//! `401 {"error":{"msg":"Unauthorized."}}`.
//!
//! Authentication comes first because the budget belongs to an account and
//! a request with wrong credentials names none: a 401 uses no budget and
//! carries no `X-Gorgias-Account-Api-Call-Limit`. Every authenticated answer
//! (2xx, 4xx, 429) carries it.

use super::errors::ApiError;
use super::limit::{retry_after_secs, Decision};
use super::{App, Credentials};
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// The documented rate-limit header (RL).
pub const CALL_LIMIT_HEADER: HeaderName =
    HeaderName::from_static("x-gorgias-account-api-call-limit");

/// Compares secrets in time independent of where they differ.
fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether the `Authorization` header carries the accepted credentials.
pub fn authenticate(headers: &HeaderMap, expected: &Credentials) -> bool {
    let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some((scheme, token)) = value.trim().split_once(' ') else {
        return false;
    };
    let token = token.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let Some(decoded) = STANDARD
            .decode(token)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
        else {
            return false;
        };
        let Some((email, key)) = decoded.split_once(':') else {
            return false;
        };
        // Evaluate both before deciding, so timing does not tell which was wrong.
        let email_ok = email.eq_ignore_ascii_case(&expected.email);
        let key_ok = same_secret(key, &expected.api_key);
        email_ok && key_ok
    } else if scheme.eq_ignore_ascii_case("bearer") {
        same_secret(token, &expected.api_key)
    } else {
        false
    }
}

pub(crate) async fn gate(State(app): State<Arc<App>>, request: Request, next: Next) -> Response {
    app.counters.requests.fetch_add(1, Ordering::Relaxed);
    if !authenticate(request.headers(), &app.credentials) {
        app.counters.unauthorized.fetch_add(1, Ordering::Relaxed);
        return ApiError::unauthorized().into_response();
    }
    let decision = app.limiter.check(Instant::now());
    let mut response = match decision {
        Decision::Limited { retry_after, .. } => {
            app.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
            ApiError::too_many_requests(retry_after_secs(retry_after)).into_response()
        }
        Decision::Allowed { .. } => {
            app.counters.calls.fetch_add(1, Ordering::Relaxed);
            next.run(request).await
        }
    };
    if let Ok(value) = HeaderValue::from_str(&decision.header_value()) {
        response.headers_mut().insert(CALL_LIMIT_HEADER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user: &str, pass: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = format!("Basic {}", STANDARD.encode(format!("{user}:{pass}")));
        headers.insert(AUTHORIZATION, HeaderValue::from_str(&value).unwrap());
        headers
    }

    #[test]
    fn accepts_exactly_the_configured_pair() {
        let creds = Credentials::new("agent@acme.test", "k3y:with:colons");
        assert!(authenticate(
            &basic("agent@acme.test", "k3y:with:colons"),
            &creds
        ));
        assert!(authenticate(
            &basic("Agent@ACME.test", "k3y:with:colons"),
            &creds
        ));
        assert!(!authenticate(&basic("agent@acme.test", "wrong"), &creds));
        assert!(!authenticate(
            &basic("other@acme.test", "k3y:with:colons"),
            &creds
        ));
        assert!(!authenticate(&HeaderMap::new(), &creds));
        let mut bearer = HeaderMap::new();
        bearer.insert(
            AUTHORIZATION,
            HeaderValue::from_static("Bearer k3y:with:colons"),
        );
        assert!(authenticate(&bearer, &creds));
        let mut garbage = HeaderMap::new();
        garbage.insert(AUTHORIZATION, HeaderValue::from_static("Basic !!!"));
        assert!(!authenticate(&garbage, &creds));
    }
}
