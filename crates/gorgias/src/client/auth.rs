//! Gorgias credentials: the e-mail of the user who owns an API key, and the
//! key, from the environment only (DESIGN.md invariant 9).
//!
//! The key never leaves memory: `Debug` redacts it, the `Authorization`
//! header is marked sensitive (so `reqwest` and `http` redact it too), and
//! texts that quote a remote answer are passed through [`Credentials::scrub`].

use base64::Engine as _;
use deskshift_http::reqwest::header::HeaderValue;
use std::fmt;

/// The variable holding the e-mail of the API key's user.
pub const EMAIL_VAR: &str = "GORGIAS_EMAIL";
/// The variable holding the API key (Settings → REST API in Gorgias).
pub const API_KEY_VAR: &str = "GORGIAS_API_KEY";

/// An e-mail address and an API key: HTTP Basic `email:key` (reference §1).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    email: String,
    api_key: String,
}

/// Why credentials are unusable; never contains a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CredentialsError(String);

impl Credentials {
    pub fn new(email: impl Into<String>, api_key: impl Into<String>) -> Credentials {
        Credentials {
            email: email.into().trim().to_string(),
            api_key: api_key.into().trim().to_string(),
        }
    }

    /// Reads `GORGIAS_EMAIL` and `GORGIAS_API_KEY`; the error names every
    /// variable that is missing, never a value.
    pub fn from_env() -> Result<Credentials, CredentialsError> {
        let read = |name: &str| match std::env::var(name) {
            Ok(value) if !value.trim().is_empty() => Ok(value),
            Ok(_) | Err(std::env::VarError::NotPresent) => Err(format!("{name} is not set")),
            Err(std::env::VarError::NotUnicode(_)) => Err(format!("{name} is not valid UTF-8")),
        };
        match (read(EMAIL_VAR), read(API_KEY_VAR)) {
            (Ok(email), Ok(key)) => Ok(Credentials::new(email, key)),
            (email, key) => {
                let problems: Vec<String> =
                    [email.err(), key.err()].into_iter().flatten().collect();
                Err(CredentialsError(format!(
                    "{}: export the e-mail of a Gorgias user and that user's API key \
                     (Gorgias → Settings → REST API) before running deskshift",
                    problems.join(" and ")
                )))
            }
        }
    }

    /// The e-mail the key belongs to: also the user deskshift writes as.
    pub fn email(&self) -> &str {
        &self.email
    }

    /// `text` with every occurrence of the API key replaced, for messages
    /// that quote a remote answer.
    pub fn scrub(&self, text: &str) -> String {
        if self.api_key.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.api_key, "[redacted]")
        }
    }

    /// The `Authorization` header, checked once so that every request can
    /// carry it without failing.
    pub(crate) fn authorization(&self) -> Result<HeaderValue, CredentialsError> {
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", self.email, self.api_key));
        let mut value = HeaderValue::from_str(&format!("Basic {token}")).map_err(|_| {
            CredentialsError(format!(
                "{EMAIL_VAR} or {API_KEY_VAR} contains characters that cannot be sent in an \
                 HTTP header; copy them again from Gorgias"
            ))
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("email", &self.email)
            .field("api_key", &"[redacted]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_is_base64_of_email_colon_key() {
        let header = Credentials::new("ana@acme.io", "k3y")
            .authorization()
            .unwrap();
        assert_eq!(header.to_str().unwrap(), "Basic YW5hQGFjbWUuaW86azN5");
        assert!(header.is_sensitive());
    }

    #[test]
    fn debug_and_errors_never_show_the_key() {
        let credentials = Credentials::new("ana@acme.io", "SECRET-KEY");
        let shown = format!("{credentials:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("ana@acme.io"));
        assert_eq!(credentials.scrub("bad SECRET-KEY!"), "bad [redacted]!");
    }
}
