//! `POST /api/upload?type=attachment`: multipart, several files per request,
//! each streamed from disk (reference §4.7). The answer lists one
//! `{url, name, size, content_type}` per file, in request order.
//!
//! Uploads are retried like idempotent calls: a repeated upload leaves an
//! unreferenced file in Gorgias's storage, never a visible duplicate, and
//! re-sending a large file is cheaper than failing a ticket.

use super::wire::Uploaded;
use super::{ApiError, GorgiasClient};
use deskshift_http::reqwest::header::AUTHORIZATION;
use deskshift_http::reqwest::multipart::{Form, Part};
use deskshift_http::reqwest::{Body, StatusCode};
use futures::TryStreamExt;
use std::path::PathBuf;

/// A file on disk to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadFile {
    pub path: PathBuf,
    pub file_name: String,
    pub content_type: String,
    pub size: u64,
}

impl UploadFile {
    /// A multipart part that opens the file only when the request is sent,
    /// so each retry reads it afresh and nothing is held in memory.
    fn part(&self) -> Part {
        let part = || {
            Part::stream_with_length(lazy_file(self.path.clone()), self.size)
                .file_name(self.file_name.clone())
        };
        // A content type reqwest cannot parse: send the bytes untyped rather
        // than not at all.
        part()
            .mime_str(&self.content_type)
            .unwrap_or_else(|_| part())
    }
}

/// The file's bytes, opened on first read.
fn lazy_file(path: PathBuf) -> Body {
    let bytes = futures::stream::once(async move { tokio::fs::File::open(path).await })
        .map_ok(tokio_util::io::ReaderStream::new)
        .try_flatten();
    Body::wrap_stream(bytes)
}

impl GorgiasClient {
    /// Uploads `files` in one request; the answer lists one entry per file.
    pub async fn upload(&self, files: &[UploadFile]) -> Result<Vec<Uploaded>, ApiError> {
        let what = "POST /api/upload";
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let inner = &*self.inner;
        let url = format!("{}/upload", inner.root);
        let build = |http: &deskshift_http::reqwest::Client| {
            // Gorgias labels each file with its form field's name.
            let form = files.iter().fold(Form::new(), |form, file| {
                form.part(file.file_name.clone(), file.part())
            });
            http.post(&url)
                .header(AUTHORIZATION, inner.authorization.clone())
                .query(&[("type", "attachment")])
                .multipart(form)
        };
        let answer = inner
            .http
            .fetch(build)
            .await
            .map_err(|error| ApiError::from_http(what, error))?;
        if !answer.status.is_success() {
            if answer.status == StatusCode::PAYLOAD_TOO_LARGE {
                return Err(ApiError::Refused {
                    what: what.into(),
                    status: 413,
                    message: "the file is larger than Gorgias accepts (413)".into(),
                    fields: Vec::new(),
                });
            }
            return Err(self.scrub(ApiError::from_status(what, answer.status, &answer.body)));
        }
        let uploaded: Vec<Uploaded> =
            serde_json::from_slice(&answer.body).map_err(|error| ApiError::Protocol {
                what: what.into(),
                detail: error.to_string(),
            })?;
        if uploaded.len() != files.len() {
            return Err(ApiError::Protocol {
                what: what.into(),
                detail: format!("{} files sent, {} described", files.len(), uploaded.len()),
            });
        }
        Ok(uploaded)
    }
}
