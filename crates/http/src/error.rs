//! Errors written for the operator, with nothing secret in them.
//!
//! `reqwest::Error`'s own `Display` names the full URL, query string included,
//! and some APIs put keys there; so this module never shows it. URLs are shown
//! without query, fragment or user info, and headers are never shown at all.

use reqwest::{Method, StatusCode, Url};
use std::error::Error as _;
use std::io;

/// Why a call failed for good. Each message is one line an operator can act on.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// No connection could be made (refused, DNS, reset before an answer).
    #[error("cannot reach {url}: {cause}; is the URL right and the service up?")]
    Unreachable {
        url: String,
        cause: String,
        attempts: u32,
    },
    /// The remote accepted the connection but did not answer in time.
    #[error(
        "{method} {url} got no answer in time ({attempts} attempts); the service is slow \
         or overloaded, try again later"
    )]
    TimedOut {
        method: Method,
        url: String,
        attempts: u32,
    },
    /// The remote kept answering with a transient error status (5xx, 408).
    #[error(
        "{method} {url} kept failing: the last answer was {status} after {attempts} \
         attempts; the service may be down, try again later"
    )]
    Failing {
        method: Method,
        url: String,
        status: StatusCode,
        attempts: u32,
    },
    /// The remote kept answering 429 even after the shared pauses.
    #[error(
        "{method} {url} was still rate limited (429) after waiting {waits} times; another \
         integration may be spending this account's API budget"
    )]
    RateLimited {
        method: Method,
        url: String,
        waits: u32,
    },
    /// The answer's body broke off and retries did not help.
    #[error("reading the answer of {method} {url} failed ({attempts} attempts): {cause}")]
    Body {
        method: Method,
        url: String,
        cause: String,
        attempts: u32,
    },
    /// A call that must not be repeated blindly lost its answer after it may
    /// have reached the server (see [`crate::Client::fetch_once`]).
    #[error("{method} {url} got no answer ({cause}); it may or may not have taken effect")]
    Interrupted {
        method: Method,
        url: String,
        cause: String,
    },
    /// The request could not even be built (a bug or a malformed base URL).
    #[error("cannot build the request: {0}")]
    Request(String),
}

impl HttpError {
    /// Whether the remote could not be reached at all, as opposed to answering
    /// badly: callers often want to say "check the URL" only then.
    /// Whether the call may have taken effect although no usable answer came
    /// back: a create that failed so must be looked up before it is repeated.
    pub fn is_uncertain(&self) -> bool {
        matches!(
            self,
            HttpError::Interrupted { .. }
                | HttpError::TimedOut { .. }
                | HttpError::Failing { .. }
                | HttpError::Body { .. }
        )
    }

    pub fn is_unreachable(&self) -> bool {
        matches!(self, HttpError::Unreachable { .. })
    }
}

/// `url` as safe to show: no user info, query string or fragment.
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    // Both fail only for URLs that cannot have credentials anyway.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// The root cause of a transport error in a few words, e.g. `connection
/// refused`, taken from the error's source chain rather than from its
/// URL-bearing top level.
pub(crate) fn transport_cause(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "no answer in time".into();
    }
    let mut deepest: Option<&(dyn std::error::Error + 'static)> = None;
    let mut source = error.source();
    while let Some(err) = source {
        if let Some(io) = err.downcast_ref::<io::Error>() {
            return io_cause(io);
        }
        deepest = Some(err);
        source = err.source();
    }
    match deepest {
        Some(err) => err.to_string(),
        None if error.is_connect() => "connection failed".into(),
        None => "the connection broke".into(),
    }
}

fn io_cause(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".into(),
        io::ErrorKind::ConnectionReset => "connection reset".into(),
        io::ErrorKind::ConnectionAborted => "connection aborted".into(),
        io::ErrorKind::TimedOut => "timed out".into(),
        io::ErrorKind::UnexpectedEof => "connection closed early".into(),
        _ => error.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_drops_everything_that_may_carry_a_secret() {
        let url =
            Url::parse("https://user:pw@example.com:8443/api/v1/x?api_key=SECRET#frag").unwrap();
        assert_eq!(redact_url(&url), "https://example.com:8443/api/v1/x");
    }
}
