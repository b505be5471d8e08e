//! What a Stames error answer means, in words an operator can act on.

use super::StamesApi;
use crate::api::credentials::{ACCOUNT_ID_VAR, API_KEY_VAR};
use crate::api::wire::ErrorBody;
use deskshift_core::source::SourceError;
use reqwest::StatusCode;

impl StamesApi {
    /// The error a non-2xx answer to `GET path` stands for. 429 and 5xx never
    /// get here: the HTTP client retries those.
    pub(super) fn status_error(&self, path: &str, status: StatusCode, body: &[u8]) -> SourceError {
        let account = self.credentials.account_id();
        let root = &self.root;
        // Stames's own explanation, if it sent one; scrubbed in case it quotes
        // the key back.
        let detail = serde_json::from_slice::<ErrorBody>(body)
            .map(|body| format!(": {}", self.credentials.scrub(&body.error.message)))
            .unwrap_or_default();
        match status {
            StatusCode::UNAUTHORIZED => SourceError::Auth(format!(
                "Stames rejected the credentials (401) for account {account} at {root}: \
                 check {ACCOUNT_ID_VAR} and {API_KEY_VAR}"
            )),
            StatusCode::FORBIDDEN => SourceError::Auth(format!(
                "Stames refused access (403) to {path} for account {account}{detail}; the API \
                 key needs read access to the whole workspace"
            )),
            StatusCode::NOT_FOUND => SourceError::Other(format!(
                "Stames has no {path} at {root} (404){detail}; check that the URL is the \
                 workspace's address, e.g. https://acme.stames.app"
            )),
            _ => SourceError::Other(format!("Stames answered {status} to GET {path}{detail}")),
        }
    }
}
