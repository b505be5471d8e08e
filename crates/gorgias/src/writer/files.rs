//! Attachments: streamed from the source to a temporary file in the project's
//! cache, then uploaded to Gorgias several per request (`POST /api/upload`),
//! so no file is ever held in memory (invariant 7) and a ticket with many
//! small files costs one call, not one per file.
//!
//! Uploads are journaled like creates (intent, call, outcome) with the
//! Gorgias URL as destination id, so a re-run reuses what is uploaded.
//! Gorgias cannot find an upload again, so an upload left pending by a crash
//! is simply made again (the orphan file is invisible).
//!
//! A file the source cannot serve (stored behind authentication, deleted) or
//! that Gorgias refuses (413) is rejected with the reason, and its message
//! says it could not be migrated.

use super::Run;
use crate::client::wire::AttachmentRef;
use crate::client::{ApiError, UploadFile};
use crate::map::message::FileOutcome;
use deskshift_core::destination::DestinationError;
use deskshift_core::engine::Written;
use deskshift_core::ledger::{content_hash, IdMapState, Intent, Outcome};
use deskshift_core::model::{Attachment, ObjectKind, SourceId};
use futures::StreamExt;
use std::collections::HashMap;
use tempfile::NamedTempFile;
use tokio::io::AsyncWriteExt;

const KIND: ObjectKind = ObjectKind::Attachments;

/// Most files per upload request.
pub const MAX_FILES_PER_UPLOAD: usize = 10;
/// Most bytes per upload request (a single larger file goes alone).
pub const MAX_BYTES_PER_UPLOAD: u64 = 16 * 1024 * 1024;

/// A file downloaded and waiting for upload.
struct Staged {
    attachment: Attachment,
    file: NamedTempFile,
    size: u64,
}

/// Why a ticket cannot be written in this run (and will be retried).
#[derive(Debug)]
pub struct Postpone(pub String);

/// Makes every attachment of `attachments` available in Gorgias, or says
/// why it is not. Counts each attachment once.
pub async fn provide(
    run: &Run<'_>,
    attachments: &[&Attachment],
) -> Result<Result<HashMap<SourceId, FileOutcome>, Postpone>, DestinationError> {
    let mut outcomes = HashMap::new();
    let mut staged = Vec::new();
    for &a in attachments {
        run.ctx.counts.source(KIND, 1);
        if let Some(entry) = run.mapping(KIND, &a.id)? {
            if let (IdMapState::Created, Some(url)) = (entry.state, entry.dest_id.clone()) {
                run.tally(KIND, &a.id, &Written::AlreadyDone(url.clone()))?;
                outcomes.insert(
                    a.id.clone(),
                    FileOutcome::Uploaded(reference(a, url, a.size_bytes)),
                );
                continue;
            }
        }
        if a.requires_auth {
            let reason = "it is stored behind authentication in Stames";
            run.reject(
                KIND,
                &a.id,
                "requires_auth",
                reason,
                "re-host the file where it can be downloaded, then run delta",
            )?;
            outcomes.insert(a.id.clone(), FileOutcome::Missing(reason.into()));
            continue;
        }
        match download(run, a).await? {
            Ok(file) => staged.push(file),
            Err(reason) => {
                run.reject(
                    KIND,
                    &a.id,
                    "content",
                    format!("cannot download it from Stames: {reason}"),
                    "check that the file still exists in Stames, then run delta",
                )?;
                outcomes.insert(a.id.clone(), FileOutcome::Missing(reason));
            }
        }
    }
    let mut batches = batches(staged).into_iter();
    while let Some(batch) = batches.next() {
        if let Err(postpone) = upload(run, batch, &mut outcomes).await? {
            // The ticket waits for the next run; so do its other files.
            for s in batches.flatten() {
                postponed(run, &s.attachment, &postpone)?;
            }
            return Ok(Err(postpone));
        }
    }
    Ok(Ok(outcomes))
}

fn reference(a: &Attachment, url: String, size: u64) -> AttachmentRef {
    AttachmentRef {
        url,
        name: a.file_name.clone(),
        content_type: a.content_type.clone(),
        size,
    }
}

/// Streams one file from the source into a temporary file; `Ok(Err)` when
/// the source cannot serve it.
async fn download(
    run: &Run<'_>,
    a: &Attachment,
) -> Result<Result<Staged, String>, DestinationError> {
    let mut bytes = match run.ctx.source.open_attachment(a).await {
        Ok(bytes) => bytes,
        Err(error) => return Ok(Err(error.to_string())),
    };
    let temp = tempfile::Builder::new()
        .prefix("gorgias-upload-")
        .tempfile_in(run.ctx.cache_dir)
        .map_err(|e| cache_error(run, e))?;
    let mut out = tokio::fs::File::from_std(temp.reopen().map_err(|e| cache_error(run, e))?);
    let mut size = 0u64;
    while let Some(chunk) = bytes.next().await {
        match chunk {
            Ok(chunk) => {
                size += chunk.len() as u64;
                out.write_all(&chunk)
                    .await
                    .map_err(|e| cache_error(run, e))?;
            }
            Err(error) => return Ok(Err(error.to_string())),
        }
    }
    out.flush().await.map_err(|e| cache_error(run, e))?;
    Ok(Ok(Staged {
        attachment: a.clone(),
        file: temp,
        size,
    }))
}

fn cache_error(run: &Run<'_>, error: std::io::Error) -> DestinationError {
    DestinationError::Other(format!(
        "cannot write to the attachment cache {}: {error}",
        run.ctx.cache_dir.display()
    ))
}

/// Groups files into upload requests of at most [`MAX_FILES_PER_UPLOAD`]
/// files and [`MAX_BYTES_PER_UPLOAD`] bytes.
fn batches(files: Vec<Staged>) -> Vec<Vec<Staged>> {
    let mut batches: Vec<Vec<Staged>> = Vec::new();
    let mut bytes = 0;
    for file in files {
        let fits = batches.last().is_some_and(|b| {
            b.len() < MAX_FILES_PER_UPLOAD && bytes + file.size <= MAX_BYTES_PER_UPLOAD
        });
        if !fits {
            batches.push(Vec::new());
            bytes = 0;
        }
        bytes += file.size;
        if let Some(batch) = batches.last_mut() {
            batch.push(file);
        }
    }
    batches
}

/// Uploads one batch through the journal. A refusal of a batch of several
/// files is retried file by file, so one bad file does not sink the others.
async fn upload(
    run: &Run<'_>,
    batch: Vec<Staged>,
    outcomes: &mut HashMap<SourceId, FileOutcome>,
) -> Result<Result<(), Postpone>, DestinationError> {
    let journal = run.ctx.journal;
    let intents: Vec<Intent> = batch
        .iter()
        .map(|s| Intent::create(KIND, s.attachment.id.clone(), content_hash(&s.attachment)))
        .collect();
    for s in &batch {
        run.settle_pending(KIND, &s.attachment.id)?;
    }
    let ids = journal.with(|l| l.record_intents(journal.run(), &intents))?;
    let files: Vec<UploadFile> = batch
        .iter()
        .map(|s| UploadFile {
            path: s.file.path().to_path_buf(),
            file_name: s.attachment.file_name.clone(),
            content_type: s.attachment.content_type.clone(),
            size: s.size,
        })
        .collect();
    match run.client.upload(&files).await {
        Ok(uploaded) => {
            let done: Vec<(deskshift_core::ledger::JournalId, Outcome)> = ids
                .iter()
                .zip(&uploaded)
                .map(|(id, u)| {
                    (
                        *id,
                        Outcome::Created {
                            dest_id: u.url.clone(),
                        },
                    )
                })
                .collect();
            journal.with(|l| l.record_outcomes(&done))?;
            for (s, u) in batch.iter().zip(uploaded) {
                run.tally(KIND, &s.attachment.id, &Written::Created(u.url.clone()))?;
                outcomes.insert(
                    s.attachment.id.clone(),
                    FileOutcome::Uploaded(reference(&s.attachment, u.url, u.size)),
                );
            }
            Ok(Ok(()))
        }
        Err(ApiError::Refused { message, .. }) if batch.len() > 1 => {
            fail_all(
                run,
                &ids,
                &format!("batch refused, retried file by file: {message}"),
            )?;
            let mut files = batch.into_iter();
            while let Some(one) = files.next() {
                if let Err(postpone) = Box::pin(upload(run, vec![one], outcomes)).await? {
                    for s in files {
                        postponed(run, &s.attachment, &postpone)?;
                    }
                    return Ok(Err(postpone));
                }
            }
            Ok(Ok(()))
        }
        Err(ApiError::Refused { message, .. }) => {
            let s = &batch[0];
            let outcome = Outcome::Rejected {
                reason: message.clone(),
            };
            journal.with(|l| l.record_outcomes(&[(ids[0], outcome)]))?;
            run.reject(
                KIND,
                &s.attachment.id,
                "content",
                format!("Gorgias refused the upload: {message}"),
                "the file may be too large for Gorgias; share it another way",
            )?;
            outcomes.insert(
                s.attachment.id.clone(),
                FileOutcome::Missing(format!("Gorgias refused it ({message})")),
            );
            Ok(Ok(()))
        }
        Err(error @ ApiError::Denied { .. }) => Err(DestinationError::Auth(error.to_string())),
        Err(error) => {
            let reason = error.to_string();
            fail_all(run, &ids, &reason)?;
            let postpone = Postpone(format!("uploading its attachments failed: {reason}"));
            for s in &batch {
                postponed(run, &s.attachment, &postpone)?;
            }
            Ok(Err(postpone))
        }
    }
}

/// The files of a thread as the ledger knows them: uploaded ones (with the
/// Stames size, which is what must have arrived), the rest missing. What a
/// ticket already in Gorgias shows, for `verify` and for `delta`'s plan.
pub fn known(
    run: &Run<'_>,
    thread: &deskshift_core::model::TicketThread,
) -> Result<HashMap<SourceId, FileOutcome>, DestinationError> {
    let mut files = HashMap::new();
    for a in thread.messages.iter().flat_map(|m| &m.attachments) {
        let outcome =
            match run.mapping(KIND, &a.id)? {
                Some(entry) if entry.state == IdMapState::Created => FileOutcome::Uploaded(
                    reference(a, entry.dest_id.unwrap_or_default(), a.size_bytes),
                ),
                _ => FileOutcome::Missing(String::new()),
            };
        files.insert(a.id.clone(), outcome);
    }
    Ok(files)
}

/// Records that `a` is the file at `url`, uploaded by an earlier run whose
/// outcome was lost (found in the ticket that shows it).
pub fn adopt(run: &Run<'_>, a: &Attachment, url: &str) -> Result<(), DestinationError> {
    run.settle_pending(KIND, &a.id)?;
    let journal = run.ctx.journal;
    let intent = Intent::create(KIND, a.id.clone(), content_hash(a));
    let created = Outcome::Created {
        dest_id: url.to_string(),
    };
    journal.with(|l| {
        let id = l.record_intent(journal.run(), &intent)?;
        l.record_outcome(id, &created)
    })?;
    Ok(())
}

/// Counts a file whose ticket waits for the next run.
fn postponed(run: &Run<'_>, a: &Attachment, why: &Postpone) -> Result<(), DestinationError> {
    run.reject(
        KIND,
        &a.id,
        "content",
        format!("not uploaded in this run: {}", why.0),
        "run migrate again; uploaded files are reused",
    )
}

fn fail_all(
    run: &Run<'_>,
    ids: &[deskshift_core::ledger::JournalId],
    reason: &str,
) -> Result<(), DestinationError> {
    let failed: Vec<_> = ids
        .iter()
        .map(|id| {
            (
                *id,
                Outcome::Failed {
                    reason: reason.to_string(),
                },
            )
        })
        .collect();
    run.ctx.journal.with(|l| l.record_outcomes(&failed))?;
    Ok(())
}
