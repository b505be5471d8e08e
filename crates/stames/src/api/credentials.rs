//! Stames credentials: an account id and an API key, from the environment only.
//!
//! The key never leaves memory: `Debug` redacts it, the header carrying it is
//! marked sensitive (so `reqwest` and `http` redact it too), and error texts
//! that might echo it are scrubbed with [`Credentials::scrub`].

use super::endpoints::{ACCOUNT_HEADER, AUTHORIZATION};
use deskshift_core::source::SourceError;
use reqwest::header::HeaderValue;
use std::fmt;

/// The variable holding the workspace's account id.
pub const ACCOUNT_ID_VAR: &str = "STAMES_ACCOUNT_ID";
/// The variable holding the workspace's API key.
pub const API_KEY_VAR: &str = "STAMES_API_KEY";

/// A Stames account id and API key.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    account_id: String,
    api_key: String,
}

impl Credentials {
    pub fn new(account_id: impl Into<String>, api_key: impl Into<String>) -> Credentials {
        Credentials {
            account_id: account_id.into(),
            api_key: api_key.into(),
        }
    }

    /// Reads `STAMES_ACCOUNT_ID` and `STAMES_API_KEY`; the error names every
    /// variable that is missing, and never a value.
    pub fn from_env() -> Result<Credentials, SourceError> {
        let read = |name: &str| match std::env::var(name) {
            Ok(value) if !value.trim().is_empty() => Ok(value.trim().to_string()),
            Ok(_) | Err(std::env::VarError::NotPresent) => Err(format!("{name} is not set")),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!("{name} is not valid UTF-8")),
        };
        match (read(ACCOUNT_ID_VAR), read(API_KEY_VAR)) {
            (Ok(account_id), Ok(api_key)) => Ok(Credentials::new(account_id, api_key)),
            (account, key) => {
                let problems: Vec<String> =
                    [account.err(), key.err()].into_iter().flatten().collect();
                Err(SourceError::Auth(format!(
                    "{}: export the Stames account id and API key (Stames settings → API) \
                     before running deskshift",
                    problems.join(" and ")
                )))
            }
        }
    }

    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// `text` with every occurrence of the API key replaced, for messages that
    /// quote a remote's answer.
    pub fn scrub(&self, text: &str) -> String {
        if self.api_key.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.api_key, "[redacted]")
        }
    }

    /// The request headers, checked once so that every request can carry them
    /// without failing.
    pub(crate) fn headers(&self) -> Result<AuthHeaders, SourceError> {
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", self.api_key))
            .map_err(|_| {
                SourceError::Auth(format!(
                    "{API_KEY_VAR} contains characters that cannot be sent in an HTTP header; \
                     copy the key again from Stames"
                ))
            })?;
        authorization.set_sensitive(true);
        let account = HeaderValue::from_str(&self.account_id).map_err(|_| {
            SourceError::Auth(format!(
                "{ACCOUNT_ID_VAR} contains characters that cannot be sent in an HTTP header; \
                 copy the account id again from Stames"
            ))
        })?;
        Ok(AuthHeaders {
            authorization,
            account,
        })
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("account_id", &self.account_id)
            .field("api_key", &"[redacted]")
            .finish()
    }
}

/// The two headers every Stames request carries.
#[derive(Clone, Debug)]
pub(crate) struct AuthHeaders {
    authorization: HeaderValue,
    account: HeaderValue,
}

impl AuthHeaders {
    pub(crate) fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request
            .header(AUTHORIZATION, self.authorization.clone())
            .header(ACCOUNT_HEADER, self.account.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_key() {
        let credentials = Credentials::new("acme", "sk_live_SECRET");
        let shown = format!("{credentials:?} {:?}", credentials.headers().unwrap());
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("acme"), "{shown}");
    }

    #[test]
    fn scrub_removes_the_key_from_quoted_text() {
        let credentials = Credentials::new("acme", "sk_live_SECRET");
        assert_eq!(
            credentials.scrub("bad key sk_live_SECRET!"),
            "bad key [redacted]!"
        );
    }

    /// The only test in this binary that touches these variables.
    #[test]
    fn the_environment_error_names_each_missing_variable_and_no_value() {
        std::env::remove_var(ACCOUNT_ID_VAR);
        std::env::remove_var(API_KEY_VAR);
        let message = Credentials::from_env().unwrap_err().to_string();
        assert!(
            message.contains("STAMES_ACCOUNT_ID is not set"),
            "{message}"
        );
        assert!(message.contains("STAMES_API_KEY is not set"), "{message}");

        std::env::set_var(ACCOUNT_ID_VAR, "acme");
        std::env::set_var(API_KEY_VAR, "   ");
        let message = Credentials::from_env().unwrap_err().to_string();
        assert!(!message.contains(ACCOUNT_ID_VAR), "{message}");
        assert!(message.contains("STAMES_API_KEY is not set"), "{message}");

        std::env::set_var(API_KEY_VAR, "sk_SECRET");
        let credentials = Credentials::from_env().unwrap();
        assert_eq!(credentials.account_id(), "acme");
        assert_eq!(credentials, Credentials::new("acme", "sk_SECRET"));
        std::env::remove_var(ACCOUNT_ID_VAR);
        std::env::remove_var(API_KEY_VAR);
    }

    #[test]
    fn keys_that_cannot_be_headers_are_refused_without_echoing_them() {
        let error = Credentials::new("acme", "line\nbreak SECRET")
            .headers()
            .unwrap_err();
        assert!(matches!(error, SourceError::Auth(_)));
        assert!(!error.to_string().contains("SECRET"));
    }
}
