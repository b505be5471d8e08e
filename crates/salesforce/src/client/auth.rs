//! OAuth 2.0 for Salesforce (reference §1): which flow, its secrets, and the
//! token request each flow makes.
//!
//! Every flow posts a form to `{login or My Domain URL}/services/oauth2/token`
//! and gets back `{access_token, instance_url, id, …}` (no `expires_in`: the
//! org's session policy decides). API calls then go to `instance_url`.
//!
//! | flow | when | can sign in again on its own |
//! |---|---|---|
//! | [`Auth::ClientCredentials`] | server-to-server with a Run-As user (the default) | yes |
//! | [`Auth::JwtBearer`] | CI, a certificate on the app, a pre-approved user | yes |
//! | [`Auth::RefreshToken`] | after an interactive sign-in | yes |
//! | [`Auth::Password`] | legacy orgs only (blocked in new orgs) | yes |
//! | [`Auth::AccessToken`] | a token obtained elsewhere (`sf org display`) | no |
//!
//! Secrets come from environment variables only ([`Auth::from_env`]) and never
//! leave memory: `Debug` redacts them, errors name variables and never values,
//! and the bearer header is marked sensitive.

use super::ApiError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

/// Chooses the flow explicitly: `client_credentials`, `jwt`, `refresh_token`,
/// `password` or `access_token`. Unset, the flow follows from the variables
/// that are set (see [`Auth::from_env`]).
pub const FLOW_VAR: &str = "SALESFORCE_AUTH_FLOW";
pub const CLIENT_ID_VAR: &str = "SALESFORCE_CLIENT_ID";
pub const CLIENT_SECRET_VAR: &str = "SALESFORCE_CLIENT_SECRET";
pub const USERNAME_VAR: &str = "SALESFORCE_USERNAME";
pub const PASSWORD_VAR: &str = "SALESFORCE_PASSWORD";
/// Appended to the password, as Salesforce expects, when set.
pub const SECURITY_TOKEN_VAR: &str = "SALESFORCE_SECURITY_TOKEN";
pub const REFRESH_TOKEN_VAR: &str = "SALESFORCE_REFRESH_TOKEN";
/// The PEM private key itself, or …
pub const JWT_KEY_VAR: &str = "SALESFORCE_JWT_PRIVATE_KEY";
/// … the path of a PEM file holding it.
pub const JWT_KEY_FILE_VAR: &str = "SALESFORCE_JWT_KEY_FILE";
/// `https://login.salesforce.com` (default), `https://test.salesforce.com`
/// for sandboxes, or an Experience Cloud site URL.
pub const JWT_AUDIENCE_VAR: &str = "SALESFORCE_JWT_AUDIENCE";
pub const ACCESS_TOKEN_VAR: &str = "SALESFORCE_ACCESS_TOKEN";
pub const INSTANCE_URL_VAR: &str = "SALESFORCE_INSTANCE_URL";

/// How deskshift signs in to a Salesforce org.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// `grant_type=client_credentials`: the app's Run-As user.
    ClientCredentials {
        client_id: String,
        client_secret: String,
    },
    /// `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` with an RS256
    /// assertion signed by `private_key_pem`. `audience` `None` picks
    /// `https://test.salesforce.com` for sandbox login URLs and
    /// `https://login.salesforce.com` otherwise.
    JwtBearer {
        consumer_key: String,
        username: String,
        private_key_pem: String,
        audience: Option<String>,
    },
    /// `grant_type=refresh_token`; the secret is optional per app setting.
    RefreshToken {
        client_id: String,
        client_secret: Option<String>,
        refresh_token: String,
    },
    /// `grant_type=password`; `password` includes the security token if the
    /// org requires one.
    Password {
        client_id: String,
        client_secret: String,
        username: String,
        password: String,
    },
    /// A token obtained elsewhere. It cannot be renewed: when it expires the
    /// run stops with a clear error.
    AccessToken { instance_url: String, token: String },
}

/// The token endpoint's answer (reference §1). Lenient: only what we use.
#[derive(Debug, Clone, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    #[serde(default)]
    pub instance_url: Option<String>,
    /// `https://login.salesforce.com/id/<orgId>/<userId>`.
    #[serde(default)]
    pub id: Option<String>,
    /// Sent by the refresh-token flow when the app rotates refresh tokens.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

impl TokenResponse {
    /// The signed-in user's id: the last segment of the `id` URL.
    pub fn user_id(&self) -> Option<String> {
        user_id_of(self.id.as_deref()?)
    }
}

/// `…/id/00Dxx0000001gPL/005xx000001Sv6e` → `005xx000001Sv6e`.
pub fn user_id_of(identity_url: &str) -> Option<String> {
    let last = identity_url.trim_end_matches('/').rsplit('/').next()?;
    (last.len() == 15 || last.len() == 18).then(|| last.to_string())
}

/// The claims of a JWT bearer assertion (reference §1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwtClaims {
    /// The connected app's consumer key.
    pub iss: String,
    /// The username to act as.
    pub sub: String,
    /// The login server.
    pub aud: String,
    /// Expiry, seconds since the epoch; Salesforce allows at most 3 minutes.
    pub exp: u64,
}

/// How far ahead an assertion expires: under Salesforce's 3-minute maximum,
/// with room for clock skew.
const ASSERTION_LIFETIME_S: u64 = 150;

impl Auth {
    /// Reads the flow and its secrets from the environment.
    ///
    /// With [`FLOW_VAR`] unset, the first that applies wins: an access token
    /// ([`ACCESS_TOKEN_VAR`] + [`INSTANCE_URL_VAR`]); a JWT key
    /// ([`JWT_KEY_VAR`] or [`JWT_KEY_FILE_VAR`]); a refresh token; a username
    /// and password; otherwise client credentials. The error names every
    /// missing variable of the chosen flow, never a value.
    pub fn from_env() -> Result<Auth, ApiError> {
        Auth::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Auth::from_env`] over any variable lookup (for tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Auth, ApiError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let flow = match get(FLOW_VAR) {
            Some(flow) => flow.trim().to_ascii_lowercase(),
            None if get(ACCESS_TOKEN_VAR).is_some() => "access_token".into(),
            None if get(JWT_KEY_VAR).is_some() || get(JWT_KEY_FILE_VAR).is_some() => "jwt".into(),
            None if get(REFRESH_TOKEN_VAR).is_some() => "refresh_token".into(),
            None if get(PASSWORD_VAR).is_some() => "password".into(),
            None => "client_credentials".into(),
        };
        let mut missing = Vec::new();
        let mut need = |name: &'static str| {
            get(name).unwrap_or_else(|| {
                missing.push(name);
                String::new()
            })
        };
        let auth = match flow.as_str() {
            "client_credentials" => Auth::ClientCredentials {
                client_id: need(CLIENT_ID_VAR),
                client_secret: need(CLIENT_SECRET_VAR),
            },
            "jwt" | "jwt_bearer" => {
                let consumer_key = need(CLIENT_ID_VAR);
                let username = need(USERNAME_VAR);
                let private_key_pem = match (get(JWT_KEY_VAR), get(JWT_KEY_FILE_VAR)) {
                    (Some(pem), _) => pem,
                    (None, Some(path)) => std::fs::read_to_string(path.trim()).map_err(|e| {
                        ApiError::Config(format!(
                            "cannot read the JWT private key named by {JWT_KEY_FILE_VAR}: {e}"
                        ))
                    })?,
                    (None, None) => {
                        missing.push(JWT_KEY_FILE_VAR);
                        String::new()
                    }
                };
                Auth::JwtBearer {
                    consumer_key,
                    username,
                    private_key_pem,
                    audience: get(JWT_AUDIENCE_VAR),
                }
            }
            "refresh_token" => Auth::RefreshToken {
                client_id: need(CLIENT_ID_VAR),
                client_secret: get(CLIENT_SECRET_VAR),
                refresh_token: need(REFRESH_TOKEN_VAR),
            },
            "password" => Auth::Password {
                client_id: need(CLIENT_ID_VAR),
                client_secret: need(CLIENT_SECRET_VAR),
                username: need(USERNAME_VAR),
                password: need(PASSWORD_VAR) + &get(SECURITY_TOKEN_VAR).unwrap_or_default(),
            },
            "access_token" => Auth::AccessToken {
                instance_url: need(INSTANCE_URL_VAR),
                token: need(ACCESS_TOKEN_VAR),
            },
            other => {
                return Err(ApiError::Config(format!(
                    "{FLOW_VAR}={other} is not a Salesforce sign-in flow deskshift knows; use \
                     client_credentials, jwt, refresh_token, password or access_token"
                )))
            }
        };
        if missing.is_empty() {
            Ok(auth)
        } else {
            Err(ApiError::Config(format!(
                "{} not set: export it before running deskshift (the {} sign-in flow needs it)",
                missing.join(" and "),
                auth.flow_name()
            )))
        }
    }

    pub fn flow_name(&self) -> &'static str {
        match self {
            Auth::ClientCredentials { .. } => "client-credentials",
            Auth::JwtBearer { .. } => "JWT bearer",
            Auth::RefreshToken { .. } => "refresh-token",
            Auth::Password { .. } => "username-password",
            Auth::AccessToken { .. } => "access-token",
        }
    }

    /// Whether a new token can be had without the operator: every flow but
    /// a bare access token.
    pub fn can_reauthenticate(&self) -> bool {
        !matches!(self, Auth::AccessToken { .. })
    }

    /// The form to post to `/services/oauth2/token`; `None` for a bare access
    /// token. `login_url` picks the JWT audience when none is configured.
    pub fn token_form(
        &self,
        login_url: &str,
    ) -> Result<Option<Vec<(&'static str, String)>>, ApiError> {
        let form = match self {
            Auth::ClientCredentials {
                client_id,
                client_secret,
            } => vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", client_id.clone()),
                ("client_secret", client_secret.clone()),
            ],
            Auth::JwtBearer { .. } => vec![
                (
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:jwt-bearer".into(),
                ),
                ("assertion", self.jwt_assertion(login_url, now_s())?),
            ],
            Auth::RefreshToken {
                client_id,
                client_secret,
                refresh_token,
            } => {
                let mut form = vec![
                    ("grant_type", "refresh_token".into()),
                    ("client_id", client_id.clone()),
                    ("refresh_token", refresh_token.clone()),
                ];
                if let Some(secret) = client_secret {
                    form.push(("client_secret", secret.clone()));
                }
                form
            }
            Auth::Password {
                client_id,
                client_secret,
                username,
                password,
            } => vec![
                ("grant_type", "password".into()),
                ("client_id", client_id.clone()),
                ("client_secret", client_secret.clone()),
                ("username", username.clone()),
                ("password", password.clone()),
            ],
            Auth::AccessToken { .. } => return Ok(None),
        };
        Ok(Some(form))
    }

    /// The claims a JWT bearer assertion carries at `now` (seconds since the
    /// epoch); `None` for other flows.
    pub fn jwt_claims(&self, login_url: &str, now: u64) -> Option<JwtClaims> {
        let Auth::JwtBearer {
            consumer_key,
            username,
            audience,
            ..
        } = self
        else {
            return None;
        };
        Some(JwtClaims {
            iss: consumer_key.clone(),
            sub: username.clone(),
            aud: audience
                .clone()
                .unwrap_or_else(|| default_audience(login_url).to_string()),
            exp: now + ASSERTION_LIFETIME_S,
        })
    }

    /// The signed RS256 assertion of the JWT bearer flow.
    pub fn jwt_assertion(&self, login_url: &str, now: u64) -> Result<String, ApiError> {
        let (
            Some(claims),
            Auth::JwtBearer {
                private_key_pem, ..
            },
        ) = (self.jwt_claims(login_url, now), self)
        else {
            return Err(ApiError::Config(
                "a JWT assertion needs the JWT bearer flow".into(),
            ));
        };
        let key =
            jsonwebtoken::EncodingKey::from_rsa_pem(private_key_pem.as_bytes()).map_err(|_| {
                ApiError::Config(format!(
                    "the JWT private key ({JWT_KEY_VAR} or {JWT_KEY_FILE_VAR}) is not an RSA \
                     private key in PEM format"
                ))
            })?;
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
        jsonwebtoken::encode(&header, &claims, &key)
            .map_err(|e| ApiError::Config(format!("cannot sign the JWT assertion: {e}")))
    }

    /// `text` with every secret of this flow replaced, for messages that
    /// quote a remote answer.
    pub fn scrub(&self, text: &str) -> String {
        let secrets: Vec<&str> = match self {
            Auth::ClientCredentials { client_secret, .. } => vec![client_secret],
            Auth::JwtBearer { .. } => Vec::new(),
            Auth::RefreshToken {
                client_secret,
                refresh_token,
                ..
            } => [Some(refresh_token.as_str()), client_secret.as_deref()]
                .into_iter()
                .flatten()
                .collect(),
            Auth::Password {
                client_secret,
                password,
                ..
            } => vec![client_secret, password],
            Auth::AccessToken { token, .. } => vec![token],
        };
        secrets
            .into_iter()
            .filter(|s| s.len() >= 4)
            .fold(text.to_string(), |text, secret| {
                text.replace(secret, "[redacted]")
            })
    }
}

/// The JWT audience for a login URL: sandboxes sign in at
/// test.salesforce.com, everything else at login.salesforce.com (a My
/// Domain URL still uses login.salesforce.com as audience).
fn default_audience(login_url: &str) -> &'static str {
    let lower = login_url.to_ascii_lowercase();
    if lower.contains("test.salesforce.com") || lower.contains(".sandbox.my.salesforce.com") {
        "https://test.salesforce.com"
    } else {
        "https://login.salesforce.com"
    }
}

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HIDDEN: &str = "[redacted]";
        match self {
            Auth::ClientCredentials { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("client_secret", &HIDDEN)
                .finish(),
            Auth::JwtBearer {
                consumer_key,
                username,
                audience,
                ..
            } => f
                .debug_struct("JwtBearer")
                .field("consumer_key", consumer_key)
                .field("username", username)
                .field("private_key_pem", &HIDDEN)
                .field("audience", audience)
                .finish(),
            Auth::RefreshToken {
                client_id,
                client_secret,
                ..
            } => f
                .debug_struct("RefreshToken")
                .field("client_id", client_id)
                .field("client_secret", &client_secret.as_ref().map(|_| HIDDEN))
                .field("refresh_token", &HIDDEN)
                .finish(),
            Auth::Password {
                client_id,
                username,
                ..
            } => f
                .debug_struct("Password")
                .field("client_id", client_id)
                .field("client_secret", &HIDDEN)
                .field("username", username)
                .field("password", &HIDDEN)
                .finish(),
            Auth::AccessToken { instance_url, .. } => f
                .debug_struct("AccessToken")
                .field("instance_url", instance_url)
                .field("token", &HIDDEN)
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn client_credentials_is_the_default_and_names_missing_variables() {
        let auth = Auth::from_lookup(env(&[
            (CLIENT_ID_VAR, "cid"),
            (CLIENT_SECRET_VAR, "csecret"),
        ]))
        .unwrap();
        assert!(matches!(auth, Auth::ClientCredentials { .. }));

        let error = Auth::from_lookup(env(&[(CLIENT_ID_VAR, "cid")])).unwrap_err();
        let text = error.to_string();
        assert!(text.contains(CLIENT_SECRET_VAR), "{text}");
        assert!(!text.contains("cid"), "{text}");
        let error = Auth::from_lookup(env(&[])).unwrap_err().to_string();
        assert!(
            error.contains(CLIENT_ID_VAR) && error.contains(CLIENT_SECRET_VAR),
            "{error}"
        );
    }

    #[test]
    fn flows_follow_the_variables_set() {
        let auth = Auth::from_lookup(env(&[
            (ACCESS_TOKEN_VAR, "00Dtoken"),
            (INSTANCE_URL_VAR, "https://acme.my.salesforce.com"),
        ]))
        .unwrap();
        assert!(!auth.can_reauthenticate());

        let auth = Auth::from_lookup(env(&[
            (CLIENT_ID_VAR, "cid"),
            (CLIENT_SECRET_VAR, "sec"),
            (USERNAME_VAR, "ana@acme.io"),
            (PASSWORD_VAR, "pw"),
            (SECURITY_TOKEN_VAR, "TOK"),
        ]))
        .unwrap();
        assert!(matches!(&auth, Auth::Password { password, .. } if password == "pwTOK"));

        let auth =
            Auth::from_lookup(env(&[(CLIENT_ID_VAR, "cid"), (REFRESH_TOKEN_VAR, "5Aep")])).unwrap();
        assert!(matches!(
            auth,
            Auth::RefreshToken {
                client_secret: None,
                ..
            }
        ));

        let error = Auth::from_lookup(env(&[(FLOW_VAR, "jwt"), (CLIENT_ID_VAR, "cid")]))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains(USERNAME_VAR) && error.contains(JWT_KEY_FILE_VAR),
            "{error}"
        );
        assert!(Auth::from_lookup(env(&[(FLOW_VAR, "saml")])).is_err());
    }

    #[test]
    fn debug_and_scrub_hide_every_secret() {
        let auths = [
            Auth::ClientCredentials {
                client_id: "cid".into(),
                client_secret: "SECRET-1".into(),
            },
            Auth::Password {
                client_id: "cid".into(),
                client_secret: "SECRET-1".into(),
                username: "ana".into(),
                password: "SECRET-2".into(),
            },
            Auth::RefreshToken {
                client_id: "cid".into(),
                client_secret: Some("SECRET-1".into()),
                refresh_token: "SECRET-2".into(),
            },
            Auth::AccessToken {
                instance_url: "https://x".into(),
                token: "SECRET-1".into(),
            },
            Auth::JwtBearer {
                consumer_key: "cid".into(),
                username: "ana".into(),
                private_key_pem: "SECRET-1".into(),
                audience: None,
            },
        ];
        for auth in auths {
            let shown = format!("{auth:?}");
            assert!(!shown.contains("SECRET"), "{shown}");
            let scrubbed = auth.scrub("echo SECRET-1 SECRET-2");
            if !matches!(auth, Auth::JwtBearer { .. }) {
                assert!(!scrubbed.contains("SECRET-1"), "{scrubbed}");
            }
        }
    }

    #[test]
    fn token_forms_match_the_documented_grants() {
        let auth = Auth::ClientCredentials {
            client_id: "cid".into(),
            client_secret: "sec".into(),
        };
        let form = auth.token_form("https://x").unwrap().unwrap();
        assert!(form.contains(&("grant_type", "client_credentials".to_string())));
        assert!(form.contains(&("client_secret", "sec".to_string())));
        let token = Auth::AccessToken {
            instance_url: "https://x".into(),
            token: "t".into(),
        };
        assert!(token.token_form("https://x").unwrap().is_none());
    }

    #[test]
    fn user_id_comes_from_the_identity_url() {
        assert_eq!(
            user_id_of("https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001Sv6eAAC")
                .as_deref(),
            Some("005xx000001Sv6eAAC")
        );
        assert_eq!(user_id_of("https://login.salesforce.com/id/"), None);
    }

    #[test]
    fn jwt_audience_defaults_by_login_host() {
        let auth = Auth::JwtBearer {
            consumer_key: "3MVG9".into(),
            username: "ana@acme.io".into(),
            private_key_pem: String::new(),
            audience: None,
        };
        let claims = auth
            .jwt_claims("https://test.salesforce.com", 1000)
            .unwrap();
        assert_eq!(claims.aud, "https://test.salesforce.com");
        assert_eq!(claims.exp, 1150);
        let claims = auth
            .jwt_claims("https://acme.my.salesforce.com", 1000)
            .unwrap();
        assert_eq!(claims.aud, "https://login.salesforce.com");
        assert!(matches!(
            auth.jwt_assertion("https://x", 0),
            Err(ApiError::Config(m)) if m.contains("PEM")
        ));
    }
}
