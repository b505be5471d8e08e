//! `POST /api/upload` (reference §4.7, FO, S-W1) and the file URLs.
//!
//! `multipart/form-data`; every form field is one file and the field's
//! **name is the file's label** (its `name` in the answer); several files
//! per request. `?type=` is attachment (default), public_attachment,
//! profile_picture or widget_picture. Answer: 201 with an array of
//! `{url, name, size, content_type}`. A file over the configured maximum is
//! a 413 (ERR documents the status; the size is not documented, the
//! emulator defaults to 20 MiB); a request may carry at most
//! [`REQUEST_FILES_FACTOR`] times that in total.
//!
//! Files are kept (in memory and in the state file) and served back at
//! `/uploads/{id}/{name}` without credentials and outside the rate limit,
//! the way Gorgias's CDN links work, so a verifier can compare sizes and
//! hashes.

use super::super::errors::ApiError;
use super::super::store::model::Upload;
use super::super::validate::must_be_one_of;
use super::super::vocab;
use super::super::App;
use super::{created, Params, Reply};
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State as AxState};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use serde_json::{json, Value};
use std::sync::Arc;

pub const FILES_ROUTE: &str = "/uploads/{id}/{name}";

/// A request may carry this many maximum-size files' worth of bytes.
pub const REQUEST_FILES_FACTOR: u64 = 8;

/// Percent-encodes a path segment (RFC 3986 unreserved characters stay).
fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// A content type from the file name, for parts that do not declare one.
fn guess_content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        "txt" | "log" => "text/plain",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "zip" => "application/zip",
        "mp4" => "video/mp4",
        "mp3" => "audio/mpeg",
        "doc" => "application/msword",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xls" => "application/vnd.ms-excel",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

fn too_large(max: u64) -> ApiError {
    ApiError::payload_too_large(format!("File too large: the maximum size is {max} bytes."))
}

/// `http://host:port` as the client addressed the emulator.
fn base_url(headers: &HeaderMap, app: &App) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty())
        .map(|h| format!("http://{h}"))
        .unwrap_or_else(|| app.base_url.clone())
}

pub async fn upload(
    AxState(app): AxState<Arc<App>>,
    params: Params,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Reply {
    params.only(&["type"])?;
    let kind = params.get("type").unwrap_or("attachment").to_string();
    if !vocab::UPLOAD_TYPES.contains(&kind.as_str()) {
        return Err(ApiError::field(
            "Invalid query parameters.",
            "type",
            must_be_one_of(vocab::UPLOAD_TYPES),
        ));
    }
    let mut multipart =
        multipart.map_err(|_| ApiError::bad_request("Expected a multipart/form-data body."))?;
    let max = app.max_upload_bytes;
    let request_cap = max.saturating_mul(REQUEST_FILES_FACTOR);
    let broken = |_| ApiError::bad_request("Malformed multipart body.");
    let mut files = Vec::new();
    let mut total: u64 = 0;
    while let Some(mut field) = multipart.next_field().await.map_err(broken)? {
        let label = field
            .name()
            .filter(|n| !n.is_empty())
            .or(field.file_name())
            .unwrap_or("file")
            .to_string();
        let content_type = field
            .content_type()
            .map(str::to_string)
            .unwrap_or_else(|| guess_content_type(&label).to_string());
        let mut bytes = BytesMut::new();
        while let Some(chunk) = field.chunk().await.map_err(broken)? {
            let len = chunk.len() as u64;
            total += len;
            if bytes.len() as u64 + len > max {
                return Err(too_large(max));
            }
            if total > request_cap {
                return Err(ApiError::payload_too_large(format!(
                    "Request too large: at most {request_cap} bytes of files per request."
                )));
            }
            bytes.extend_from_slice(&chunk);
        }
        files.push((label, content_type, bytes.freeze()));
    }
    if files.is_empty() {
        return Err(ApiError::bad_request("No file in the request."));
    }
    let base = base_url(&headers, &app);
    let answer = app.store.write(|s| {
        let mut answer = Vec::new();
        for (name, content_type, bytes) in files {
            let id = s.next_upload_id();
            let now = s.now();
            answer.push(json!({
                "url": format!("{base}/uploads/{id}/{}", encode_segment(&name)),
                "name": name,
                "size": bytes.len(),
                "content_type": content_type,
            }));
            s.uploads.insert(
                id,
                Upload {
                    id,
                    name,
                    content_type,
                    kind: kind.clone(),
                    bytes,
                    created_datetime: now,
                },
            );
        }
        Ok(answer)
    })?;
    created(Value::Array(answer))
}

/// `GET /uploads/{id}/{name}`: the bytes as uploaded.
pub async fn download(
    AxState(app): AxState<Arc<App>>,
    Path((id, name)): Path<(String, String)>,
) -> Response {
    let found = id
        .parse::<u64>()
        .ok()
        .and_then(|id| app.store.read(|s| s.uploads.get(&id).cloned()))
        .filter(|upload| upload.name == name);
    match found {
        Some(upload) => {
            let content_type = HeaderValue::from_str(&upload.content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream"));
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, content_type)],
                upload.bytes,
            )
                .into_response()
        }
        None => ApiError::not_found("File").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_names_for_urls() {
        assert_eq!(encode_segment("a b/c.png"), "a%20b%2Fc.png");
        assert_eq!(encode_segment("é.txt"), "%C3%A9.txt");
        assert_eq!(guess_content_type("X.PNG"), "image/png");
        assert_eq!(guess_content_type("noext"), "application/octet-stream");
    }
}
