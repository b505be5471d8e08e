//! Files (reference §2.4, §4): a `ContentVersion` inserted with a multipart
//! request, the record as JSON in the `entity_content` part and the bytes in
//! the `VersionData` part, streamed from disk. A JSON-only insert would need
//! the file base64-encoded in memory and stops at 37.5 MB; multipart goes to
//! 2 GB per ContentVersion ("Insert or Update Blob Data").
//!
//! Salesforce creates the `ContentDocument` itself, and
//! `FirstPublishLocationId` on the record links the file to its Case
//! without a separate `ContentDocumentLink`; the document's id is read back
//! ([`SalesforceClient::content_document_of`]) only where a link must be
//! made by hand, so a public file costs one call.

use super::sobjects::segment;
use super::soql::quote;
use super::transport::{Call, Payload};
use super::wire::SaveResult;
use super::{ApiError, SalesforceClient};
use deskshift_http::reqwest::Method;
use serde_json::Value;
use std::path::PathBuf;

/// A file on disk to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSource {
    pub path: PathBuf,
    /// The name Salesforce shows (and derives `FileType` from).
    pub file_name: String,
    pub content_type: String,
    /// Bytes, so the request can declare its length without reading it.
    pub len: u64,
}

impl FileSource {
    /// `path`, with its size read from disk.
    pub async fn open(
        path: impl Into<PathBuf>,
        file_name: impl Into<String>,
        content_type: impl Into<String>,
    ) -> Result<FileSource, ApiError> {
        let path = path.into();
        let len = tokio::fs::metadata(&path)
            .await
            .map_err(|e| ApiError::Config(format!("cannot read {}: {e}", path.display())))?
            .len();
        Ok(FileSource {
            path,
            file_name: file_name.into(),
            content_type: content_type.into(),
            len,
        })
    }
}

/// The largest ContentVersion a multipart insert accepts.
pub const MAX_CONTENT_VERSION_BYTES: u64 = 2 * 1024 * 1024 * 1024;

impl SalesforceClient {
    /// `POST /sobjects/ContentVersion` (multipart). `fields` holds the
    /// record: `Title`, `PathOnClient`, `FirstPublishLocationId`, audit
    /// fields, an external id… (`PathOnClient` defaults to the file name).
    /// Sent once, like every create; returns the ContentVersion's id.
    pub async fn upload_content_version(
        &self,
        fields: &Value,
        file: &FileSource,
    ) -> Result<String, ApiError> {
        if file.len > MAX_CONTENT_VERSION_BYTES {
            return Err(ApiError::Refused {
                what: format!("upload of {}", file.file_name),
                status: 413,
                errors: vec![super::SalesforceError::new(
                    "FILE_TOO_LARGE",
                    &format!(
                        "{} bytes; Salesforce accepts at most 2 GB per file",
                        file.len
                    ),
                )],
            });
        }
        let mut record = fields.clone();
        if let Some(map) = record.as_object_mut() {
            map.entry("PathOnClient")
                .or_insert_with(|| Value::from(file.file_name.clone()));
        }
        let entity = serde_json::to_vec(&record).map_err(|e| ApiError::Protocol {
            what: "POST /sobjects/ContentVersion".into(),
            detail: e.to_string(),
        })?;
        let call = Call::new(Method::POST, "/sobjects/ContentVersion").payload(Payload::Blob {
            entity_part: "entity_content",
            entity: entity.into(),
            binary_part: "VersionData",
            file: file.clone(),
        });
        let what = call.what();
        let saved = self
            .send_json::<SaveResult>(call)
            .await?
            .into_result(&what, true)?;
        Ok(saved.id)
    }

    /// The `ContentDocumentId` of a ContentVersion.
    pub async fn content_document_of(&self, content_version_id: &str) -> Result<String, ApiError> {
        let soql = format!(
            "SELECT ContentDocumentId FROM ContentVersion WHERE Id = {}",
            quote(content_version_id)
        );
        let found = self.query_first(&soql).await?;
        found
            .as_ref()
            .and_then(|r| r.get("ContentDocumentId"))
            .and_then(Value::as_str)
            .map(String::from)
            .ok_or_else(|| ApiError::Protocol {
                what: format!("ContentVersion {}", segment(content_version_id)),
                detail: "no ContentDocumentId after the upload".into(),
            })
    }
}
