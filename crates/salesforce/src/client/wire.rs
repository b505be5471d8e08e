//! Small answer types shared by several endpoints. Lenient like every
//! answer type here: unknown fields are ignored and missing ones default, so
//! a new API version does not break a migration half-way.

use super::error::{ApiError, SalesforceError};
use serde::Deserialize;
use serde_json::Value;

/// One record's result in sObject Collections and single creates:
/// `{"id","success","errors":[{"statusCode","message","fields"}],"created"}`
/// (`created` only on upserts, v46+).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct SaveResult {
    pub id: Option<String>,
    pub success: bool,
    #[serde(deserialize_with = "errors")]
    pub errors: Vec<SalesforceError>,
    pub created: Option<bool>,
}

/// Reads the `errors` array through the one error parser.
fn errors<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<SalesforceError>, D::Error> {
    let value = Value::deserialize(d)?;
    Ok(SalesforceError::from_value(&value).unwrap_or_default())
}

/// A record that was written: its id, and for upserts whether it was new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: String,
    /// `true` for an insert; for an upsert, whether it inserted.
    pub created: bool,
}

impl SaveResult {
    /// The result as the writer needs it: the saved record, or the failure
    /// classified like a whole answer (see [`ApiError::from_record`]).
    /// `what` names the record in messages (`Case row 17`).
    pub fn into_result(self, what: &str, insert: bool) -> Result<Saved, ApiError> {
        match (self.success, self.id) {
            (true, Some(id)) => Ok(Saved {
                id,
                created: self.created.unwrap_or(insert),
            }),
            (true, None) => Err(ApiError::Protocol {
                what: what.into(),
                detail: "success without an id".into(),
            }),
            (false, _) => {
                let errors = if self.errors.is_empty() {
                    vec![SalesforceError::new(
                        "UNKNOWN_ERROR",
                        "the record failed without an error",
                    )]
                } else {
                    self.errors
                };
                Err(ApiError::from_record(what, errors))
            }
        }
    }
}

/// `GET /services/oauth2/userinfo`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct UserInfo {
    pub user_id: Option<String>,
    pub organization_id: Option<String>,
    /// The identity URL.
    pub sub: Option<String>,
    pub preferred_username: Option<String>,
}

/// One entry of `GET /services/data/`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct ApiVersion {
    pub label: String,
    /// `/services/data/v62.0`.
    pub url: String,
    /// `62.0`.
    pub version: String,
}

/// One limit of `GET /limits`: `{"Max": 15000, "Remaining": 14998}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct Limit {
    #[serde(rename = "Max")]
    pub max: u64,
    #[serde(rename = "Remaining")]
    pub remaining: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_results_read_all_shapes() {
        let ok: SaveResult =
            serde_json::from_str(r#"{"id":"001xx000003DGb2AAG","success":true,"errors":[]}"#)
                .unwrap();
        assert_eq!(
            ok.into_result("Account row 0", true).unwrap(),
            Saved {
                id: "001xx000003DGb2AAG".into(),
                created: true
            }
        );
        let upserted: SaveResult = serde_json::from_str(
            r#"{"id":"001xx000003DGb2AAG","success":true,"errors":[],"created":false}"#,
        )
        .unwrap();
        assert!(!upserted.into_result("x", false).unwrap().created);

        let failed: SaveResult = serde_json::from_str(
            r#"{"success":false,"errors":[{"statusCode":"DUPLICATE_VALUE","message":"duplicate value found: Legacy_Id__c duplicates value on record with id: 001xx000003DGb2AAG","fields":[]}]}"#,
        )
        .unwrap();
        let error = failed.into_result("Account row 1", true).unwrap_err();
        assert_eq!(error.duplicate_id(), Some("001xx000003DGb2AAG"));
    }
}
