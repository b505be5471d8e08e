//! Attachments → Salesforce Files ([`map::attachment`]): one ContentVersion
//! per file, streamed from the source into a temporary file in the
//! project's cache and from there to a multipart insert, so no file is held
//! in memory (invariant 7). Public files are published to their Case by
//! `FirstPublishLocationId`; files of private notes get a
//! ContentDocumentLink with `Visibility = InternalUsers` instead.
//!
//! Files load before the messages, so message bodies can point at them.
//! Each upload goes through the journal's exactly-once protocol: an unsure
//! upload is looked up by `Stames_Attachment_Id__c`, and a repeated insert
//! answering `DUPLICATE_VALUE` adopts the file the first one created.

use super::cases::Landed;
use super::{journal_error, Run};
use crate::client::soql::quote;
use crate::client::{ApiError, FileSource, SalesforceClient};
use crate::map::attachment::{self, Link};
use crate::map::schema;
use crate::map::SfId;
use crate::prepare::Org;
use deskshift_core::destination::DestinationError;
use deskshift_core::engine::{WriteError, Written};
use deskshift_core::ledger::content_hash;
use deskshift_core::model::{Attachment, ObjectKind, SourceId, Visibility};
use futures::StreamExt;
use serde_json::Value;
use std::collections::HashMap;
use tokio::io::AsyncWriteExt;

const KIND: ObjectKind = ObjectKind::Attachments;

/// Uploads the files of the landed Cases; returns Stames attachment id →
/// ContentVersion id for every file that is in Salesforce.
pub async fn load(
    run: &Run<'_>,
    org: &Org,
    landed: &[Landed<'_>],
) -> Result<HashMap<SourceId, SfId>, DestinationError> {
    let mut files = HashMap::new();
    for l in landed {
        for m in &l.thread.messages {
            let private = m.visibility == Visibility::PrivateNote;
            for a in &m.attachments {
                run.ctx.counts.source(KIND, 1);
                if let Some(id) = one(run, org, &l.case_id, a, private).await? {
                    files.insert(a.id.clone(), id);
                }
            }
        }
    }
    Ok(files)
}

async fn one(
    run: &Run<'_>,
    org: &Org,
    case_id: &SfId,
    a: &Attachment,
    private: bool,
) -> Result<Option<SfId>, DestinationError> {
    if let Some(id) = run.done_dest_id(KIND, &a.id)? {
        run.tally(KIND, &a.id, &Written::AlreadyDone(id.clone()))?;
        return Ok(Some(id));
    }
    let plan = match attachment::plan(a, case_id, private, &org.caps) {
        Ok(plan) => plan,
        Err(reject) => {
            run.reject(
                KIND,
                &a.id,
                reject.field.as_deref().unwrap_or("content"),
                format!("{}: {}", reject.record, reject.reason),
                &reject.action,
            )?;
            return Ok(None);
        }
    };
    let staged = match download(run, a).await? {
        Ok(staged) => staged,
        Err(reason) => {
            run.reject(
                KIND,
                &a.id,
                "content",
                format!("cannot download it from Stames: {reason}"),
                "check that the file still exists in Stames, then run migrate again",
            )?;
            return Ok(None);
        }
    };
    let file = FileSource {
        path: staged.path().to_path_buf(),
        file_name: attachment::file_name(a),
        content_type: a.content_type.clone(),
        len: std::fs::metadata(staged.path())
            .map(|m| m.len())
            .unwrap_or(0),
    };
    let key = plan
        .record
        .get(schema::ATTACHMENT_ID)
        .and_then(Value::as_str)
        .unwrap_or(&a.id)
        .to_string();
    let record = Value::Object(plan.record.clone());
    let client = run.client;
    let written = run
        .ctx
        .journal
        .create_once(
            KIND,
            &a.id,
            &content_hash(a),
            || find(client, &key),
            || async {
                match client.upload_content_version(&record, &file).await {
                    Ok(version) => Ok(version),
                    Err(e) => match e.duplicate_id() {
                        Some(id) => Ok(id.to_string()),
                        None => Err(e.into_write_error()),
                    },
                }
            },
        )
        .await
        .map_err(journal_error)?;
    drop(staged);
    if let (Link::InternalDocumentLink, Some(version)) = (plan.link, written.dest_id()) {
        if let Err(e) = link(client, version, case_id).await {
            run.reject(
                KIND,
                &a.id,
                "ContentDocumentLink",
                format!("the file was uploaded but could not be linked to its Case: {e}"),
                "run migrate again; the link is made then",
            )?;
            return Ok(None);
        }
    }
    run.tally(KIND, &a.id, &written)?;
    Ok(written.dest_id().map(String::from))
}

/// The ContentVersion an earlier upload made for `key`, if it landed.
async fn find(client: &SalesforceClient, key: &str) -> Result<Option<String>, WriteError> {
    let soql = format!(
        "SELECT Id FROM ContentVersion WHERE {} = {} LIMIT 1",
        schema::ATTACHMENT_ID,
        quote(key)
    );
    let found = client
        .query_first(&soql)
        .await
        .map_err(ApiError::into_write_error)?;
    Ok(found
        .as_ref()
        .and_then(|r| r.get("Id"))
        .and_then(Value::as_str)
        .map(String::from))
}

/// Shares a private note's file with its Case, internal users only; a
/// link that exists already (an earlier run) is not made again.
async fn link(client: &SalesforceClient, version: &str, case_id: &SfId) -> Result<(), ApiError> {
    let document = client.content_document_of(version).await?;
    let soql = format!(
        "SELECT Id FROM ContentDocumentLink WHERE ContentDocumentId = {} AND LinkedEntityId = {}",
        quote(&document),
        quote(case_id)
    );
    if client.query_first(&soql).await?.is_some() {
        return Ok(());
    }
    let record = attachment::document_link(&document, case_id, true);
    match client
        .create(schema::CONTENT_DOCUMENT_LINK, &Value::Object(record))
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.errors().iter().any(|e| e.code == "DUPLICATE_VALUE") => Ok(()),
        Err(e) => Err(e),
    }
}

/// Streams one file from the source into the cache; `Ok(Err)` when the
/// source cannot serve it.
async fn download(
    run: &Run<'_>,
    a: &Attachment,
) -> Result<Result<tempfile::NamedTempFile, String>, DestinationError> {
    let mut bytes = match run.ctx.source.open_attachment(a).await {
        Ok(bytes) => bytes,
        Err(error) => return Ok(Err(error.to_string())),
    };
    let cache = |e: std::io::Error| {
        DestinationError::Other(format!(
            "cannot write to the attachment cache {}: {e}",
            run.ctx.cache_dir.display()
        ))
    };
    let temp = tempfile::Builder::new()
        .prefix("salesforce-upload-")
        .tempfile_in(run.ctx.cache_dir)
        .map_err(cache)?;
    let mut out = tokio::fs::File::from_std(temp.reopen().map_err(cache)?);
    while let Some(chunk) = bytes.next().await {
        match chunk {
            Ok(chunk) => out.write_all(&chunk).await.map_err(cache)?,
            Err(error) => return Ok(Err(error.to_string())),
        }
    }
    out.flush().await.map_err(cache)?;
    Ok(Ok(temp))
}
