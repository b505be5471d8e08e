//! A Stames attachment → a Salesforce File: one ContentVersion (which
//! creates its ContentDocument), linked to the Case.
//!
//! - `Title` is the file name without its extension (what Files shows),
//!   `PathOnClient` the whole file name (it decides `FileType`),
//!   `ContentLocation = 'S'` (stored in Salesforce), `ContentModifiedDate`
//!   the Stames upload time (settable on a first version), `Description`
//!   where it came from, `Stames_Attachment_Id__c` the idempotency key.
//! - **Public** files: `FirstPublishLocationId` = the Case, so Salesforce
//!   links the file to the Case in the same insert. **Files of private
//!   notes** leave it unset; the writer then inserts a ContentDocumentLink
//!   with `Visibility = InternalUsers` ([`document_link`]), so a file an
//!   agent attached to a note never shows in a customer-facing site.
//! - Size: the REST JSON route carries the bytes base64-encoded and takes
//!   at most 37.5 MB of file; multipart takes ContentVersion files up to
//!   2 GB. Larger, empty, or unreachable (`requires_auth`) files are
//!   rejected here, before any call, with the reason and what to do.

use super::schema;
use super::text::{datetime, truncate_chars};
use super::{OrgCapabilities, Record, Reject, SfId};
use deskshift_core::model::Attachment;
use serde_json::json;

/// Largest file the JSON (base64 `VersionData`) route takes.
pub const MAX_JSON_UPLOAD_BYTES: u64 = 37_500_000;
/// Largest ContentVersion file (multipart upload).
pub const MAX_FILE_BYTES: u64 = 2 * 1024 * 1024 * 1024;
pub const MAX_TITLE_LEN: usize = 255;
pub const MAX_PATH_LEN: usize = 255;
pub const MAX_DESCRIPTION_LEN: usize = 1000;

/// How the writer must send the bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    /// `POST /sobjects/ContentVersion` with base64 `VersionData` in JSON.
    Json,
    /// `POST /sobjects/ContentVersion` as `multipart/form-data`, the bytes
    /// streamed from disk.
    Multipart,
}

/// Where the file is linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Through `FirstPublishLocationId` in the insert itself.
    FirstPublishLocation,
    /// Through a ContentDocumentLink with `Visibility = InternalUsers`,
    /// inserted after the ContentVersion (query its `ContentDocumentId`).
    InternalDocumentLink,
}

/// What one attachment becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct FilePlan {
    /// The ContentVersion fields, without `VersionData` (the writer streams
    /// the bytes in).
    pub record: Record,
    pub upload: Upload,
    pub link: Link,
}

/// `private` says whether the attachment belongs to a private note.
pub fn plan(
    file: &Attachment,
    case_id: &SfId,
    private: bool,
    caps: &OrgCapabilities,
) -> Result<FilePlan, Reject> {
    let reject = |reason: String, action: &str| Reject {
        record: format!("ContentVersion for Stames attachment {}", file.id),
        field: Some("ContentVersion.VersionData".into()),
        reason,
        action: action.into(),
    };
    if file.requires_auth {
        return Err(reject(
            "the file is stored where the Stames API cannot download it".into(),
            "download it from Stames by hand and attach it to the Case, or re-host it and run delta",
        ));
    }
    if file.size_bytes == 0 {
        return Err(reject(
            "the file is empty (0 bytes); Salesforce Files cannot hold an empty file".into(),
            "nothing to migrate; the message still names it",
        ));
    }
    if file.size_bytes > MAX_FILE_BYTES {
        return Err(reject(
            format!(
                "{} bytes is over the 2 GB a Salesforce File holds",
                file.size_bytes
            ),
            "keep the file elsewhere (e.g. a shared drive) and link it from the Case",
        ));
    }
    let upload = if file.size_bytes <= MAX_JSON_UPLOAD_BYTES {
        Upload::Json
    } else {
        Upload::Multipart
    };
    let name = file_name(file);
    let mut record = Record::new();
    record.insert(
        schema::ATTACHMENT_ID.into(),
        json!(super::customer::bounded_key(&file.id)),
    );
    record.insert(
        "Title".into(),
        json!(truncate_chars(title(&name), MAX_TITLE_LEN)),
    );
    record.insert("PathOnClient".into(), json!(path_on_client(&name)));
    record.insert("ContentLocation".into(), json!("S"));
    record.insert(
        "ContentModifiedDate".into(),
        json!(datetime(file.created_at)),
    );
    record.insert(
        "Description".into(),
        json!(truncate_chars(
            &format!(
                "Stames attachment {} of message {} ({}, {} bytes{})",
                file.id,
                file.message_id,
                file.content_type,
                file.size_bytes,
                if file.inline { ", inline" } else { "" }
            ),
            MAX_DESCRIPTION_LEN
        )),
    );
    if caps.audit_fields {
        record.insert("CreatedDate".into(), json!(datetime(file.created_at)));
    }
    let link = if private {
        Link::InternalDocumentLink
    } else {
        record.insert("FirstPublishLocationId".into(), json!(case_id));
        Link::FirstPublishLocation
    };
    Ok(FilePlan {
        record,
        upload,
        link,
    })
}

/// The ContentDocumentLink sharing a file with a Case: viewers (`V`),
/// internal users only for files of private notes.
pub fn document_link(content_document_id: &SfId, case_id: &SfId, private: bool) -> Record {
    let mut record = Record::new();
    record.insert("ContentDocumentId".into(), json!(content_document_id));
    record.insert("LinkedEntityId".into(), json!(case_id));
    record.insert("ShareType".into(), json!("V"));
    record.insert(
        "Visibility".into(),
        json!(if private { "InternalUsers" } else { "AllUsers" }),
    );
    record
}

/// The file name, or `attachment-<id>` when Stames has none; path
/// separators and control characters become `_`.
pub fn file_name(file: &Attachment) -> String {
    let cleaned: String = file
        .file_name
        .trim()
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if cleaned.trim_matches(|c| c == '_' || c == '.').is_empty() {
        format!("attachment-{}", file.id)
    } else {
        cleaned
    }
}

/// The name without its extension (`invoice.pdf` → `invoice`), unless that
/// leaves nothing (`.env`).
fn title(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem,
        _ => name,
    }
}

/// The name cut to 255 characters keeping its extension, which decides the
/// file type.
fn path_on_client(name: &str) -> String {
    if name.chars().count() <= MAX_PATH_LEN {
        return name.to_string();
    }
    match name.rsplit_once('.') {
        Some((stem, ext)) if ext.chars().count() < 20 => {
            let room = MAX_PATH_LEN - ext.chars().count() - 1;
            format!("{}.{ext}", truncate_chars(stem, room))
        }
        _ => truncate_chars(name, MAX_PATH_LEN).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    fn file(name: &str, size: u64) -> Attachment {
        Attachment {
            id: "a9".into(),
            message_id: "m1".into(),
            ticket_id: "t1".into(),
            file_name: name.into(),
            content_type: "application/pdf".into(),
            size_bytes: size,
            inline: false,
            source_url: "https://files.stames.app/a/9".into(),
            requires_auth: false,
            created_at: Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap(),
        }
    }

    fn case() -> SfId {
        "500X".into()
    }

    #[test]
    fn public_files_publish_to_the_case() {
        let plan = plan(
            &file("invoice.pdf", 10),
            &case(),
            false,
            &OrgCapabilities::default(),
        )
        .unwrap();
        assert_eq!(plan.upload, Upload::Json);
        assert_eq!(plan.link, Link::FirstPublishLocation);
        let r = &plan.record;
        assert_eq!(r["Title"], "invoice");
        assert_eq!(r["PathOnClient"], "invoice.pdf");
        assert_eq!(r["FirstPublishLocationId"], "500X");
        assert_eq!(r[schema::ATTACHMENT_ID], "a9");
        assert_eq!(r["ContentModifiedDate"], "2024-01-02T03:04:05.000Z");
        assert!(!r.contains_key("VersionData") && !r.contains_key("CreatedDate"));
    }

    #[test]
    fn files_of_private_notes_are_linked_for_internal_users_only() {
        let plan = plan(
            &file("x.png", 10),
            &case(),
            true,
            &OrgCapabilities::default(),
        )
        .unwrap();
        assert_eq!(plan.link, Link::InternalDocumentLink);
        assert!(!plan.record.contains_key("FirstPublishLocationId"));
        let link = document_link(&"069D".into(), &case(), true);
        assert_eq!(link["Visibility"], "InternalUsers");
        assert_eq!(link["ShareType"], "V");
        assert_eq!(
            document_link(&"069D".into(), &case(), false)["Visibility"],
            "AllUsers"
        );
    }

    #[test]
    fn size_decides_the_route_or_the_reject() {
        let caps = OrgCapabilities::default();
        assert_eq!(
            plan(&file("a", MAX_JSON_UPLOAD_BYTES + 1), &case(), false, &caps)
                .unwrap()
                .upload,
            Upload::Multipart
        );
        let too_big = plan(&file("a", MAX_FILE_BYTES + 1), &case(), false, &caps).unwrap_err();
        assert!(too_big.reason.contains("2 GB"));
        assert!(plan(&file("a", 0), &case(), false, &caps)
            .unwrap_err()
            .reason
            .contains("empty"));
        let mut hidden = file("a", 5);
        hidden.requires_auth = true;
        assert!(plan(&hidden, &case(), false, &caps)
            .unwrap_err()
            .action
            .contains("by hand"));
    }

    #[test]
    fn names_are_cleaned_and_keep_their_extension() {
        assert_eq!(file_name(&file("  ", 1)), "attachment-a9");
        assert_eq!(file_name(&file("../etc/passwd", 1)), ".._etc_passwd");
        let long = format!("{}.pdf", "n".repeat(400));
        let path = path_on_client(&long);
        assert!(path.ends_with(".pdf") && path.chars().count() == MAX_PATH_LEN);
        assert_eq!(title(".env"), ".env");
    }

    proptest! {
        #[test]
        fn any_name_gives_usable_fields(name in any::<String>(), size in 1u64..10_000) {
            let plan = plan(&file(&name, size), &case(), false, &OrgCapabilities::default()).unwrap();
            let title = plan.record["Title"].as_str().unwrap();
            let path = plan.record["PathOnClient"].as_str().unwrap();
            prop_assert!(!title.trim().is_empty() && title.chars().count() <= MAX_TITLE_LEN);
            prop_assert!(!path.trim().is_empty() && path.chars().count() <= MAX_PATH_LEN);
        }
    }
}
