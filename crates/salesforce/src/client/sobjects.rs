//! REST resources on single records and on the org (reference §2.1):
//! versions, limits, describe, and sObject create / get / update / delete /
//! upsert by external id. Records are `serde_json::Value` objects with API
//! field names, so the map decides what goes in them.

use super::describe::{Describe, GlobalDescribe, SObjectSummary};
use super::transport::{decode, Call, Retry};
use super::wire::{ApiVersion, Limit, SaveResult, Saved};
use super::{ApiError, SalesforceClient};
use deskshift_http::reqwest::{Method, StatusCode, Url};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

impl SalesforceClient {
    /// `GET /services/data/`: the API versions the org serves.
    pub async fn versions(&self) -> Result<Vec<ApiVersion>, ApiError> {
        self.get_json("/services/data/", &[]).await
    }

    /// `GET /limits`: every org limit by name (`DailyApiRequests`,
    /// `DataStorageMB`, `DailyBulkV2QueryJobs`, …). Entries that are not a
    /// `{Max, Remaining}` pair are left out.
    pub async fn limits(&self) -> Result<BTreeMap<String, Limit>, ApiError> {
        let all: Map<String, Value> = self.get_json("/limits", &[]).await?;
        let limits: BTreeMap<String, Limit> = all
            .into_iter()
            .filter_map(|(name, value)| Some((name, serde_json::from_value(value).ok()?)))
            .collect();
        if let Some(daily) = limits.get("DailyApiRequests") {
            self.inner
                .guard
                .observe(daily.max.saturating_sub(daily.remaining), daily.max);
        }
        Ok(limits)
    }

    /// `GET /sobjects`: every object of the org.
    pub async fn global_describe(&self) -> Result<Vec<SObjectSummary>, ApiError> {
        let all: GlobalDescribe = self.get_json("/sobjects", &[]).await?;
        Ok(all.sobjects)
    }

    /// `GET /sobjects/{sobject}/describe`.
    pub async fn describe(&self, sobject: &str) -> Result<Describe, ApiError> {
        let path = format!("/sobjects/{}/describe", name(sobject)?);
        self.get_json(&path, &[]).await
    }

    /// `POST /sobjects/{sobject}`: sent once (a create); see
    /// [`ApiError::into_write_error`] and [`ApiError::duplicate_id`].
    pub async fn create(&self, sobject: &str, record: &Value) -> Result<Saved, ApiError> {
        let call = Call::new(Method::POST, format!("/sobjects/{}", name(sobject)?)).json(record)?;
        let what = call.what();
        let result: SaveResult = self.send_json(call).await?;
        result.into_result(&what, true)
    }

    /// `GET /sobjects/{sobject}/{id}`, only `fields` when given; `None` when
    /// there is no such record.
    pub async fn get(
        &self,
        sobject: &str,
        id: &str,
        fields: &[&str],
    ) -> Result<Option<Value>, ApiError> {
        let path = format!("/sobjects/{}/{}", name(sobject)?, segment(id));
        optional(self.get_json(&path, &fields_query(fields)).await)
    }

    /// `GET /sobjects/{sobject}/{field}/{value}`: the record whose external
    /// id `field` is `value`, if any.
    pub async fn get_by_external_id(
        &self,
        sobject: &str,
        field: &str,
        value: &str,
        fields: &[&str],
    ) -> Result<Option<Value>, ApiError> {
        let path = format!(
            "/sobjects/{}/{}/{}",
            name(sobject)?,
            name(field)?,
            segment(value)
        );
        optional(self.get_json(&path, &fields_query(fields)).await)
    }

    /// `PATCH /sobjects/{sobject}/{id}` (204): idempotent, so retried.
    pub async fn update(&self, sobject: &str, id: &str, fields: &Value) -> Result<(), ApiError> {
        let path = format!("/sobjects/{}/{}", name(sobject)?, segment(id));
        self.send(Call::new(Method::PATCH, path).json(fields)?)
            .await?;
        Ok(())
    }

    /// `DELETE /sobjects/{sobject}/{id}` (204). `false` when the record was
    /// already gone, so a repeated rollback step is not an error.
    pub async fn delete(&self, sobject: &str, id: &str) -> Result<bool, ApiError> {
        let path = format!("/sobjects/{}/{}", name(sobject)?, segment(id));
        match self.send(Call::new(Method::DELETE, path)).await {
            Ok(_) => Ok(true),
            Err(e) if e.is_not_found() || is_deleted(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `PATCH /sobjects/{sobject}/{field}/{value}`: inserts or updates the
    /// record whose external id `field` is `value` (reference §2.1). The body
    /// must not contain `Id` or `field` (they are removed here). Answers:
    /// 201 `created: true`; 200 (newer versions) or 204 (older) for an
    /// update — a 204 carries no id, so it is read back; 300 when several
    /// records match ([`ApiError::Ambiguous`]). Safe to repeat.
    pub async fn upsert(
        &self,
        sobject: &str,
        field: &str,
        value: &str,
        record: &Value,
    ) -> Result<Saved, ApiError> {
        let path = format!(
            "/sobjects/{}/{}/{}",
            name(sobject)?,
            name(field)?,
            segment(value)
        );
        let mut body = record.clone();
        if let Some(map) = body.as_object_mut() {
            map.retain(|key, _| {
                !key.eq_ignore_ascii_case("Id") && !key.eq_ignore_ascii_case(field)
            });
        }
        let call = Call::new(Method::PATCH, path)
            .json(&body)?
            .retry(Retry::Yes);
        let what = call.what();
        let answer = self.send(call).await?;
        if answer.status == StatusCode::NO_CONTENT {
            let found = self
                .get_by_external_id(sobject, field, value, &["Id"])
                .await?;
            let id = found
                .as_ref()
                .and_then(|record| record.get("Id"))
                .and_then(Value::as_str)
                .ok_or_else(|| ApiError::Protocol {
                    what: what.clone(),
                    detail: "updated (204) but the record cannot be read back".into(),
                })?;
            return Ok(Saved {
                id: id.to_string(),
                created: false,
            });
        }
        let result: SaveResult = decode(&what, &answer.body)?;
        // `success` is absent from some older answers; the status says it.
        SaveResult {
            success: result.success || result.id.is_some(),
            created: result
                .created
                .or(Some(answer.status == StatusCode::CREATED)),
            ..result
        }
        .into_result(&what, false)
    }
}

/// `?fields=A,B` when fields are named.
fn fields_query(fields: &[&str]) -> Vec<(&'static str, String)> {
    if fields.is_empty() {
        Vec::new()
    } else {
        vec![("fields", fields.join(","))]
    }
}

fn optional<T>(result: Result<T, ApiError>) -> Result<Option<T>, ApiError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.is_not_found() || is_deleted(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

fn is_deleted(error: &ApiError) -> bool {
    error.errors().iter().any(|e| e.code == "ENTITY_IS_DELETED")
}

/// An API name (`Case`, `Legacy_Id__c`, `ns__Thing__c`) checked before it
/// goes into a path, so a bad mapping cannot address another resource.
pub(crate) fn name(text: &str) -> Result<&str, ApiError> {
    let ok = !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && text.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if ok {
        Ok(text)
    } else {
        Err(ApiError::Config(format!(
            "{text:?} is not a Salesforce API name (letters, digits and _)"
        )))
    }
}

/// `value` percent-encoded as one path segment (an external id may hold
/// `/`, spaces or `?`).
pub(crate) fn segment(value: &str) -> String {
    let mut url = Url::parse("http://x/").unwrap_or_else(|_| unreachable!("a valid literal"));
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.push(value);
    }
    url.path().trim_start_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_segments_are_safe_in_paths() {
        assert!(name("Case").is_ok());
        assert!(name("ns__Legacy_Id__c").is_ok());
        for bad in ["", "Case/../x", "Case?x=1", "1Case", "Ca se"] {
            assert!(name(bad).is_err(), "{bad}");
        }
        assert_eq!(segment("T-1/2 ?#"), "T-1%2F2%20%3F%23");
        assert_eq!(segment("abc"), "abc");
    }
}
