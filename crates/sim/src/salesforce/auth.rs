//! Authentication: the OAuth 2.0 token endpoint, the SOAP `login` call some
//! clients still use, and the sessions both hand out.
//!
//! `POST /services/oauth2/token` (form-encoded; Salesforce Help, "OAuth
//! 2.0 … Flow" pages) accepts:
//! - `client_credentials` with `client_id`/`client_secret` in the form or
//!   HTTP Basic;
//! - `password` with client id/secret, `username` and `password` (the
//!   security token may be appended);
//! - `refresh_token` with the configured refresh token and client id;
//! - `urn:ietf:params:oauth:grant-type:jwt-bearer` with an `assertion`: a
//!   JWT whose header says RS256 and whose claims carry `iss` = the
//!   consumer key, `sub` = a known active username, `aud` = a login URL or
//!   this server, `exp` in the future. The RSA signature is **not**
//!   verified (the emulator holds no certificate); it must be present.
//!
//! Success: `{access_token, signature, scope, instance_url, id, token_type,
//! issued_at}` (no `expires_in`, as documented). Failure: 400
//! `{"error":"invalid_grant","error_description":"authentication failure"}`.
//!
//! `POST /services/Soap/u/{version}` answers the partner WSDL `login` with
//! `sessionId` and `serverUrl`, or a `sf:INVALID_LOGIN` fault (500), which
//! is what simple-salesforce's username/password/security-token login reads.

use super::{App, Credentials};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// Compares secrets in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn oauth_error(error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// `client_id`/`client_secret` from HTTP Basic, if present.
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(token.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// Whether the JWT assertion names our consumer key and user.
fn check_jwt(assertion: &str, creds: &Credentials, instance_url: &str) -> Result<(), &'static str> {
    let mut parts = assertion.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("invalid assertion");
    };
    let decode = |part: &str| -> Option<Value> {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?).ok()
    };
    let (Some(header), Some(claims)) = (decode(header), decode(claims)) else {
        return Err("invalid assertion");
    };
    if header.get("alg").and_then(Value::as_str) != Some("RS256") || signature.is_empty() {
        return Err("invalid assertion");
    }
    let claim = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    if !same(&claim("iss"), &creds.client_id) {
        return Err("client identifier invalid");
    }
    if !claim("sub").eq_ignore_ascii_case(&creds.username) {
        return Err("user hasn't approved this consumer");
    }
    let aud = claim("aud");
    let audiences = [
        "https://login.salesforce.com",
        "https://test.salesforce.com",
        instance_url,
    ];
    if !audiences.iter().any(|a| aud.trim_end_matches('/') == *a) {
        return Err("audience is invalid");
    }
    // simple-salesforce sends `exp` as a string of seconds.
    let exp = match claims.get("exp") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    };
    match exp {
        Some(exp) if exp > chrono::Utc::now().timestamp() => Ok(()),
        _ => Err("expired authorization code"),
    }
}

/// `POST /services/oauth2/token`.
pub(crate) async fn token(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = serde_urlencoded_pairs(&body);
    let creds = &app.credentials;
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let (client_id, client_secret) =
        basic(&headers).unwrap_or_else(|| (get("client_id"), get("client_secret")));
    let client_ok =
        same(&client_id, &creds.client_id) && same(&client_secret, &creds.client_secret);
    let grant = get("grant_type");
    let outcome = match grant.as_str() {
        "client_credentials" => client_ok
            .then_some(())
            .ok_or(("invalid_client", "invalid client credentials")),
        "password" => {
            let password = get("password");
            let password_ok = same(&password, &creds.password)
                || same(
                    &password,
                    &format!("{}{}", creds.password, creds.security_token),
                );
            if !client_ok {
                Err(("invalid_client", "invalid client credentials"))
            } else if get("username").eq_ignore_ascii_case(&creds.username) && password_ok {
                Ok(())
            } else {
                Err(("invalid_grant", "authentication failure"))
            }
        }
        "refresh_token" => {
            if same(&get("refresh_token"), &creds.refresh_token)
                && same(&client_id, &creds.client_id)
            {
                Ok(())
            } else {
                Err(("invalid_grant", "expired access/refresh token"))
            }
        }
        "urn:ietf:params:oauth:grant-type:jwt-bearer" => {
            check_jwt(&get("assertion"), creds, &app.base_url).map_err(|why| {
                let code = if why == "client identifier invalid" {
                    "invalid_client_id"
                } else {
                    "invalid_grant"
                };
                (code, why)
            })
        }
        _ => Err(("unsupported_grant_type", "grant type not supported")),
    };
    match outcome {
        Ok(()) => {
            let session = app.sessions.open(&app.org_and_user());
            let issued_at = chrono::Utc::now().timestamp_millis().to_string();
            let signature =
                STANDARD.encode(Sha256::digest(format!("{}{issued_at}", session).as_bytes()));
            let (org, user) = app.org_and_user();
            let mut out = json!({
                "access_token": session,
                "signature": signature,
                "scope": "api",
                "instance_url": app.base_url,
                "id": format!("{}/id/{org}/{user}", app.base_url),
                "token_type": "Bearer",
                "issued_at": issued_at,
            });
            if grant == "refresh_token" {
                out["refresh_token"] = json!(creds.refresh_token);
            }
            Json(out).into_response()
        }
        Err((error, description)) => {
            // "authentication failure" is what the platform says for most
            // credential problems; keep the specific text for JWT checks.
            let description = if error == "invalid_client" {
                "invalid client credentials"
            } else {
                description
            };
            oauth_error(error, description)
        }
    }
}

/// `application/x-www-form-urlencoded` pairs (last value wins); a body
/// that does not decode is an empty form, which then fails the grant.
fn serde_urlencoded_pairs(body: &[u8]) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

/// The text of the first `<…:name>` / `<name>` element.
fn xml_element(body: &str, name: &str) -> Option<String> {
    let open = body
        .find(&format!(":{name}>"))
        .or_else(|| body.find(&format!("<{name}>")))?;
    let start = body[open..].find('>')? + open + 1;
    let end = body[start..].find("</")? + start;
    Some(
        body[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

/// `POST /services/Soap/u/{version}`: the partner `login` call.
pub(crate) async fn soap_login(
    State(app): State<Arc<App>>,
    axum::extract::Path(version): axum::extract::Path<String>,
    body: Bytes,
) -> Response {
    let body = String::from_utf8_lossy(&body);
    let creds = &app.credentials;
    let username = xml_element(&body, "username").unwrap_or_default();
    let password = xml_element(&body, "password").unwrap_or_default();
    let ok = username.eq_ignore_ascii_case(&creds.username)
        && (same(
            &password,
            &format!("{}{}", creds.password, creds.security_token),
        ) || same(&password, &creds.password));
    let xml = |status: StatusCode, text: String| {
        (status, [(CONTENT_TYPE, "text/xml;charset=UTF-8")], text).into_response()
    };
    if !ok {
        return xml(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring><detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode><sf:exceptionMessage>Invalid username, password, security token; or user locked out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#.to_string(),
        );
    }
    let (org, user) = app.org_and_user();
    let session = app.sessions.open(&(org.clone(), user.clone()));
    let base = &app.base_url;
    xml(
        StatusCode::OK,
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginResponse><result><metadataServerUrl>{base}/services/Soap/m/{version}/{org}</metadataServerUrl><passwordExpired>false</passwordExpired><sandbox>false</sandbox><serverUrl>{base}/services/Soap/u/{version}/{org}</serverUrl><sessionId>{session}</sessionId><userId>{user}</userId></result></loginResponse></soapenv:Body></soapenv:Envelope>"#
        ),
    )
}

/// Open sessions. Tokens are opaque, `00D…!` like the platform's, and
/// live until they expire (`session_ttl`) or the emulator restarts.
pub struct Sessions {
    ttl: std::time::Duration,
    secret: String,
    open: std::sync::Mutex<(u64, HashMap<String, Instant>)>,
}

impl Sessions {
    pub fn new(ttl: std::time::Duration, secret: &str) -> Sessions {
        Sessions {
            ttl,
            secret: secret.to_string(),
            open: std::sync::Mutex::new((0, HashMap::new())),
        }
    }

    pub fn open(&self, (org, _user): &(String, String)) -> String {
        let mut guard = self.open.lock().unwrap_or_else(|p| p.into_inner());
        guard.0 += 1;
        let digest = Sha256::digest(format!("{}:{}", self.secret, guard.0).as_bytes());
        let token = format!(
            "{}!AQ{}",
            &org[..15.min(org.len())],
            URL_SAFE_NO_PAD.encode(&digest[..24])
        );
        guard.1.insert(token.clone(), Instant::now());
        token
    }

    /// Whether `token` names a live session.
    pub fn check(&self, token: &str) -> bool {
        let guard = self.open.lock().unwrap_or_else(|p| p.into_inner());
        guard.1.get(token).is_some_and(|t| t.elapsed() < self.ttl)
    }

    /// Ends every session (tests of re-authentication).
    pub fn expire_all(&self) {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .1
            .clear();
    }
}

/// The bearer token of a request, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
        .then_some(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        let pairs = serde_urlencoded_pairs(b"grant_type=password&username=a%40b.c&password=x+y%21");
        assert_eq!(pairs["username"], "a@b.c");
        assert_eq!(pairs["password"], "x y!");
        let _ = serde_urlencoded_pairs(b"a=%&b=%4");
    }
}
